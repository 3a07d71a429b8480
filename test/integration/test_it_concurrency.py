"""Integration tests of --concurrency: several Odoo calls in flight for
events of different entities, while the events of one entity still apply
one at a time in offset order and offsets are committed in order.

40 shipments (tracking refs, the message key) get 4 milestones each, in
time order; lgx-milestones runs with --concurrency 8 against the simulator
with 30 ms added to every call. Checked: every event applied exactly once;
each picking ends with its last milestone and has one note per milestone,
posted in the events' order; the simulator's call log shows calls of
different pickings overlapping in time and never two calls of one picking;
a second run of the group finds nothing left (all committed); and a
kill -9 in the middle followed by a restart loses nothing and posts no
note twice.

Batches (--batch-size, BatchTest): the same stream with 2 workers taking
up to 8 events each. Checked: the same end state in Odoo, and the calls
the simulator logged: one search_read of pickings and one search_read and
one create of notes serve several events (4 or more on average), so that
the events take at most 1.75 calls each, against 4 one at a time; a failed note create, and one whose answer is lost after
Odoo committed it, are retried without a note lost or posted twice."""
import collections
import signal
import time
import unittest

import lgxenv
from test_it_milestones import MARK, milestone, odoo_time

SCHEMA = "lgx.milestones.CarrierMilestone"
CODES = ["PICKED_UP", "IN_TRANSIT", "ARRIVED_AT_HUB", "OUT_FOR_DELIVERY"]
SHIPMENTS = 40
LATENCY_MS = 30
broker = lgxenv.shared_broker()


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = lgxenv.Simulator(version=19)
        cls.addClassCleanup(cls.sim.stop)

    def setUp(self):
        self.sim.reset()
        self.topic = "it.concurrency.%s" % self._testMethodName
        self.group = "g-" + self.topic
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1001")
        stamp = time.monotonic_ns() % 10**6
        self.refs = ["CC%02d-%d" % (i, stamp) for i in range(SHIPMENTS)]
        self.names = {}
        records = []
        for i, ref in enumerate(self.refs):
            name = "WH/OUT/C%02d-%d" % (i, stamp)
            self.names[ref] = name
            records.append({
                "name": name, "state": "done",
                "picking_type_code": "outgoing",
                "carrier_tracking_ref": ref,
                "x_lgx_shipment_status": "dispatched",
                "move_ids": [{"product_id": pid, "product_uom_qty": 1,
                              "quantity": 1}]})
        self.sim.seed("stock.picking", records)
        # Milestone k of every shipment, then k+1: the events of one
        # entity are spread over the topic, interleaved with the others.
        self.events = [milestone(ref, code=code, minutes_ago=50 - 10 * k)
                       for k, code in enumerate(CODES) for ref in self.refs]
        r = lgxenv.produce(broker, self.topic, self.events, schema=SCHEMA,
                           key_field="tracking_ref")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.sim._req("/__sim/faults", [
            {"clear": True},
            {"api": "*", "model": "*", "method": "*", "kind": "latency",
             "delay_ms": LATENCY_MS}])
        self.addCleanup(self.sim._req, "/__sim/faults", [{"clear": True}])
        self.sim._req("/__sim/calls/reset", {})

    def consumer(self, *extra):
        return lgxenv.Consumer("lgx-milestones", broker, self.sim, self.topic,
                               group=self.group,
                               extra=self.EXTRA + extra)

    def notes(self, pickings, messages, name):
        """The codes of the notes on picking name, in posting order."""
        pid = pickings[name]["id"]
        bodies = [m["body"] for m in sorted(messages, key=lambda m: m["id"])
                  if m.get("model") == "stock.picking"
                  and m["res_id"] == pid and m["message_type"] == "comment"]
        for b in bodies:
            self.assertRegex(b, MARK)
        return [next(c for c in CODES if c in b) for b in bodies]

    def check_odoo(self):
        """Each picking: its last milestone, one note per milestone in the
        events' order."""
        pickings = {p["name"]: p for p in self.sim.dump("stock.picking")}
        messages = self.sim.dump("mail.message")
        for ref in self.refs:
            name = self.names[ref]
            p = pickings[name]
            mine = [e for e in self.events if e["tracking_ref"] == ref]
            self.assertEqual(p["x_lgx_milestone"], CODES[-1], name)
            self.assertEqual(p["x_lgx_milestone_at"],
                             odoo_time(mine[-1]["occurred_at"]), name)
            self.assertEqual(self.notes(pickings, messages, name), CODES,
                             name)

    def spans(self):
        """(start, end, picking id) of every event call the simulator
        logged, the picking found from the record ids or the domain."""
        by_ref = {p["carrier_tracking_ref"]: p["id"]
                  for p in self.sim.dump("stock.picking")}
        out = []
        for call in self.sim.calls()["calls"]:
            if call.get("model") not in ("stock.picking", "mail.message") \
                    or call.get("end") is None:
                continue
            pid = None
            params = call.get("params") or {}
            if call.get("ids") and call["model"] == "stock.picking":
                pid = call["ids"][0]
            for cond in params.get("domain") or []:
                if isinstance(cond, list) and len(cond) == 3:
                    # = value, or in [value] (one event's read)
                    value = cond[2][0] if isinstance(cond[2], list) \
                        and len(cond[2]) == 1 else cond[2]
                    if cond[0] == "carrier_tracking_ref":
                        pid = by_ref.get(value)
                    elif cond[0] == "res_id":
                        pid = value
            if pid is not None:
                out.append((call["time"], call["end"], pid))
        return out

    def check_outcomes(self, outcomes):
        """Every event applied once; per key, outcomes in offset order."""
        applied = [l["event_id"] for l in outcomes
                   if l["outcome"] == "applied"]
        self.assertEqual(sorted(applied),
                         sorted(e["event_id"] for e in self.events))
        self.assertEqual(len(outcomes), len(self.events),
                         [l for l in outcomes if l["outcome"] != "applied"])
        by_key = {}
        for l in outcomes:
            by_key.setdefault((l["partition"], l["key"]), []).append(
                l["offset"])
        for offsets in by_key.values():
            self.assertEqual(offsets, sorted(offsets))

    def check_all_committed(self):
        """Everything was committed: the group finds nothing to do."""
        again = self.consumer("--exit-at-end")
        self.assertEqual(again.wait(60), 0)
        self.assertEqual(again.outcomes(), [])


class ConcurrencyTest(Base):
    EXTRA = ("--concurrency", "8", "--batch-size", "1")

    def test_entities_in_parallel_each_in_order(self):
        c = self.consumer("--exit-at-end")
        self.assertEqual(c.wait(180), 0, c.lines()[-20:])
        self.assertTrue(any(l.get("msg", "").startswith(
            "applying up to 8 events at once") for l in c.lines()))
        self.check_outcomes(c.outcomes())
        self.check_odoo()

        spans = sorted(self.spans())
        # reads, note checks and writes (the note creates name no picking)
        self.assertGreaterEqual(len(spans), 3 * len(self.events))
        for i, (start, end, pid) in enumerate(spans):
            overlapping = [s for s in spans[i + 1:] if s[0] < end]
            # Never two calls of one picking at once.
            self.assertEqual([s for s in overlapping if s[2] == pid], [],
                             (start, end, pid))
        # Calls in flight at once, at most: several, never more than 8.
        edges = sorted([(s[0], 1) for s in spans] + [(s[1], -1) for s in spans],
                       key=lambda e: (e[0], e[1]))
        now = most = 0
        for _, step in edges:
            now += step
            most = max(most, now)
        self.assertGreaterEqual(most, 4, "calls did not overlap")
        self.assertLessEqual(most, 8)
        self.check_all_committed()

    def test_kill_in_the_middle_loses_and_doubles_nothing(self):
        c = self.consumer("--commit-interval-ms", "100")
        deadline = time.time() + 60
        while time.time() < deadline:
            done = [l for l in c.outcomes() if l["outcome"] == "applied"]
            if len(done) >= len(self.events) // 3:
                break
            time.sleep(0.05)
        c.signal(signal.SIGKILL)
        c.wait(10)
        self.assertLess(len(done), len(self.events), "killed too late")
        again = self.consumer("--exit-at-end")
        self.assertEqual(again.wait(180), 0, again.lines()[-20:])
        bad = [l for l in again.outcomes()
               if l["outcome"] not in ("applied", "stale")]
        self.assertEqual(bad, [])
        # An event applied before the kill is stale when read again (its
        # time is the picking's milestone time); one killed half-way is
        # applied by the restart, its note not posted twice.
        first = {l["event_id"] for l in c.outcomes()
                 if l["outcome"] == "applied"}
        second = {l["event_id"] for l in again.outcomes()
                  if l["outcome"] == "applied"}
        self.assertEqual(first & second, set())
        ended = {l["event_id"] for l in c.outcomes() + again.outcomes()}
        self.assertEqual(ended, {e["event_id"] for e in self.events})
        self.check_odoo()


if __name__ == "__main__":
    unittest.main()


class BatchTest(Base):
    EXTRA = ("--concurrency", "2", "--batch-size", "8")

    def calls(self):
        """(model, method) of every call the simulator logged, but those
        of the consumer's start (version, set-up check)."""
        return [(c.get("model"), c.get("method"))
                for c in self.sim.calls()["calls"]
                if c.get("model") in ("stock.picking", "mail.message",
                                      "mail.message.subtype")
                and c.get("method") != "fields_get"]

    def test_batches_share_reads_and_notes(self):
        c = self.consumer("--exit-at-end")
        self.assertEqual(c.wait(180), 0, c.lines()[-20:])
        self.assertTrue(any(l.get("msg", "").startswith(
            "applying up to 2 events at once (one Odoo connection per "
            "worker), in batches of up to 8") for l in c.lines()))
        self.check_outcomes(c.outcomes())
        self.check_odoo()
        calls = self.calls()
        n = len(self.events)
        count = collections.Counter(calls)
        # One write per event; reads and notes shared by several events.
        self.assertEqual(count[("stock.picking", "write")], n)
        self.assertEqual(count[("stock.picking", "message_post")], 0)
        self.assertEqual(count[("mail.message.subtype", "search_read")], 2)
        self.assertLess(count[("mail.message", "search_read")], n / 2)
        self.assertLess(count[("mail.message", "create")], n / 2)
        # Batches of 4 events or more on average: at most 1.75 calls per
        # event, against 4 one event at a time (make bench measures the
        # figure on a long stream).
        self.assertLessEqual(count[("stock.picking", "search_read")], n / 4)
        self.assertLessEqual(len(calls) / n, 1.75, count)
        self.check_all_committed()

    def test_failed_note_create_is_retried_without_doubles(self):
        # The first note create fails before Odoo runs it; the second is
        # committed but its answer never comes (the consumer's timeout).
        self.sim._req("/__sim/faults", [
            {"clear": True},
            {"api": "*", "model": "mail.message", "method": "create",
             "kind": "status", "status": 503, "times": 1},
            {"api": "*", "model": "mail.message", "method": "create",
             "kind": "timeout", "after": True, "delay_ms": 2500,
             "times": 1},
            {"api": "*", "model": "*", "method": "*", "kind": "latency",
             "delay_ms": LATENCY_MS}])
        c = self.consumer("--exit-at-end", "--odoo-timeout-ms", "1500",
                          "--retry-backoff-ms", "50")
        self.assertEqual(c.wait(180), 0, c.lines()[-20:])
        fired = [f["kind"] for f in self.sim._req("/__sim/faults")["fired"]
                 if f["kind"] != "latency"]
        self.assertEqual(sorted(fired), ["status", "timeout"])
        retried = [l for l in c.outcomes() if l["outcome"] == "retry"]
        self.assertGreaterEqual(len(retried), 2)
        self.check_outcomes([l for l in c.outcomes()
                             if l["outcome"] != "retry"])
        # One note per milestone: none lost, none posted twice.
        self.check_odoo()
