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
note twice."""
import signal
import time
import unittest

import lgxenv
from test_it_milestones import MARK, iso, milestone, odoo_time

SCHEMA = "lgx.milestones.CarrierMilestone"
CODES = ["PICKED_UP", "IN_TRANSIT", "ARRIVED_AT_HUB", "OUT_FOR_DELIVERY"]
SHIPMENTS = 40
LATENCY_MS = 30
broker = None


def setUpModule():
    global broker
    broker = lgxenv.Broker()


def tearDownModule():
    broker.stop()


class ConcurrencyTest(unittest.TestCase):
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
                               extra=("--concurrency", "8") + extra)

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
                    if cond[0] == "carrier_tracking_ref":
                        pid = by_ref.get(cond[2])
                    elif cond[0] == "res_id":
                        pid = cond[2]
            if pid is not None:
                out.append((call["time"], call["end"], pid))
        return out

    def test_entities_in_parallel_each_in_order(self):
        c = self.consumer("--exit-at-end")
        self.assertEqual(c.wait(180), 0, c.lines()[-20:])
        self.assertTrue(any(l.get("msg", "").startswith(
            "applying up to 8 events at once") for l in c.lines()))
        outcomes = c.outcomes()
        applied = [l["event_id"] for l in outcomes
                   if l["outcome"] == "applied"]
        self.assertEqual(sorted(applied),
                         sorted(e["event_id"] for e in self.events))
        self.assertEqual(len(outcomes), len(self.events),
                         [l for l in outcomes if l["outcome"] != "applied"])
        # Per partition, the outcome lines of one key follow their offsets.
        by_key = {}
        for l in outcomes:
            by_key.setdefault((l["partition"], l["key"]), []).append(
                l["offset"])
        for offsets in by_key.values():
            self.assertEqual(offsets, sorted(offsets))
        self.check_odoo()

        spans = sorted(self.spans())
        self.assertGreater(len(spans), 3 * len(self.events))
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

        # Everything was committed: the group finds nothing to do.
        again = self.consumer("--exit-at-end")
        self.assertEqual(again.wait(60), 0)
        self.assertEqual(again.outcomes(), [])

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
