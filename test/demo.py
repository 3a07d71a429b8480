"""make demo: a real Kafka broker, the Odoo simulator, lgx-picks, and a
small realistic batch of warehouse pick confirmations, including trouble
(a duplicate, a pick for a draft order, which is held and then
dead-lettered, an unknown picking, a malformed message). Prints the outcome counts and the resulting picking states, then
stops everything it started."""
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lgxenv  # noqa: E402
from lgxenv import pick_event  # noqa: E402

TOPIC = "lgx.picks"


def say(text):
    print(text, flush=True)


def build_batch(sim):
    pickings = [p for p in sim.dump("stock.picking")
                if p["picking_type_code"] == "outgoing"]
    moves = {m["id"]: m for m in sim.dump("stock.move")}
    products = {p["id"]: p["default_code"]
                for p in sim.dump("product.product")}

    def lines(p, share=1.0):
        return [(products[moves[m]["product_id"][0]],
                 round(moves[m]["product_uom_qty"] * share))
                for m in p["move_ids"]]

    assigned = [p for p in pickings if p["state"] == "assigned"]
    confirmed = [p for p in pickings if p["state"] == "confirmed"]
    draft = [p for p in pickings if p["state"] == "draft"]
    events = []
    t = 8 * 3600
    for i, p in enumerate(assigned):
        share = 0.5 if i == 1 else 1.0  # one short pick: a backorder
        events.append(pick_event(
            p["name"], lines(p, share),
            source="wms-north" if i % 2 else "wms-south",
            occurred_at="2026-11-27T%02d:%02d:00.000Z" % (t // 3600,
                                                         t % 3600 // 60)))
        t += 7 * 60
    for p in confirmed[:1]:
        events.append(pick_event(p["name"], lines(p, 0.5), complete=False))
    events.append(dict(events[0]))  # the WMS sent one twice
    for p in draft[:1]:
        events.append(pick_event(p["name"], lines(p)))  # not released
    events.append(pick_event("WH/OUT/99999", [("SKU-1001", 1)]))
    return events


def main():
    say("lgx demo: starting a Kafka broker (KRaft, 127.0.0.1) ...")
    broker = lgxenv.Broker()
    say("  broker at %s" % broker.bootstrap)
    sim = lgxenv.Simulator(version=19)
    say("  Odoo simulator (19, JSON-2) at %s" % sim.url)
    try:
        events = build_batch(sim)
        r = lgxenv.produce(broker, TOPIC, events)
        if r.returncode != 0:
            say(r.stderr)
            return 1
        broker.produce_raw(TOPIC, b"\x00\x00\x00\x00\x01\xff\xff", key="?")
        say("  produced %d pick events and 1 malformed message to %s"
            % (len(events), TOPIC))
        say("running lgx-picks until the topic is drained ...")
        start = time.time()
        # The pick for a draft order is held; the demo's rules let it wait
        # 3 s (the shipped rules: an hour) before it is dead-lettered.
        rules = lgxenv.rules_file(sim.dir, pick_confirmed={"hold_ms": 3000})
        c = lgxenv.run_consumer("lgx-picks", broker, sim, TOPIC,
                                timeout=120,
                                extra=("--rules", rules,
                                       "--hold-recheck-ms", "500"))
        took = time.time() - start
        s = c.summary() or {}
        say("\nOutcomes (lgx-picks, %.1f s including start-up):" % took)
        for k in ("applied", "duplicate", "stale", "rejected", "held",
                  "retry", "fatal"):
            say("  %-10s %d" % (k, s.get(k, 0)))
        reasons = collections.Counter(
            l.get("reason") for l in c.outcomes()
            if l["outcome"] not in ("applied",))
        if reasons:
            say("\nReasons:")
            for r_, n in sorted(reasons.items()):
                say("  %-24s %d" % (r_, n))
        dlq = broker.read(TOPIC + ".dlq")
        say("\nDead-letter topic %s: %d record(s)" % (TOPIC + ".dlq",
                                                       len(dlq)))
        for d in dlq:
            h = d["headers"]
            say("  partition %s offset %s  %-18s %s" % (
                h.get("lgx.dlq.partition"), h.get("lgx.dlq.offset"),
                h.get("lgx.dlq.reason"), h.get("lgx.dlq.message", "")[:64]))
        say("\nOdoo pickings after the run:")
        say("  %-14s %-10s %-10s %s" % ("name", "state", "backorder of",
                                       "done at"))
        by_id = {p["id"]: p["name"] for p in sim.dump("stock.picking")}
        for p in sim.dump("stock.picking"):
            if p["picking_type_code"] != "outgoing":
                continue
            bo = p.get("backorder_id")
            say("  %-14s %-10s %-12s %s" % (
                p["name"], p["state"], by_id.get(bo[0], "") if bo else "",
                p.get("date_done") or ""))
        return 0 if s.get("fatal", 0) == 0 and c.proc.returncode == 0 else 1
    finally:
        say("\nstopping the consumer, the simulator and the broker")
        sim.stop()
        broker.stop()


if __name__ == "__main__":
    sys.exit(main())
