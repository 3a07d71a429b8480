"""Integration tests of lgx-picks: a real Kafka broker, the Odoo simulator,
lgx-produce and lgx-picks as separate processes."""
import signal
import time
import unittest

import lgxenv
from lgxenv import pick_event, produce, run_consumer

broker = None


def setUpModule():
    global broker
    broker = lgxenv.Broker()


def tearDownModule():
    broker.stop()


class PicksTest(unittest.TestCase):
    version = 19

    @classmethod
    def setUpClass(cls):
        cls.sim = lgxenv.Simulator(version=cls.version)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.reset()
        self.topic = "it.picks.%s.%d" % (self._testMethodName,
                                         self.version)

    def assigned_picking(self, qty=5.0):
        """An assigned outgoing picking with one move of SKU-1001."""
        name = "WH/OUT/T%d" % (time.monotonic_ns() % 10**9)
        products = self.sim.dump("product.product")
        pid = next(p["id"] for p in products
                   if p["default_code"] == "SKU-1001")
        self.sim.seed("stock.picking", [{
            "name": name, "state": "assigned",
            "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": qty,
                          "quantity": qty, "state": "assigned"}]}])
        return name

    def consume(self, **kw):
        return run_consumer("lgx-picks", broker, self.sim, self.topic, **kw)

    def produce_ok(self, events):
        r = produce(broker, self.topic, events)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_complete_pick_validates_picking(self):
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 5)])])
        c = self.consume()
        self.assertEqual(c.proc.returncode, 0)
        p = self.sim.picking(name)
        self.assertEqual(p["state"], "done")
        self.assertTrue(p["date_done"])
        moves = self.sim.moves(p["id"])
        self.assertEqual([m["quantity"] for m in moves], [5])
        self.assertTrue(all(m["picked"] for m in moves))
        self.assertEqual(c.summary()["applied"], 1)
        line = c.outcomes()[0]
        for field in ("topic", "partition", "offset", "event_id",
                      "correlation_id"):
            self.assertIn(field, line)
        self.assertEqual(line["correlation_id"],
                         "order-" + name.replace("/", "-"))

    def test_partial_pick_creates_backorder(self):
        name = self.assigned_picking(180)
        self.produce_ok([pick_event(name, [("SKU-1001", 100)])])
        c = self.consume()
        self.assertEqual(c.summary()["applied"], 1, c.lines())
        p = self.sim.picking(name)
        self.assertEqual(p["state"], "done")
        backorders = [b for b in self.sim.dump("stock.picking")
                      if (b.get("backorder_id") or [None])[0] == p["id"]]
        self.assertEqual(len(backorders), 1)
        rest = self.sim.moves(backorders[0]["id"])
        self.assertEqual([m["product_uom_qty"] for m in rest], [80])

    def test_backorder_none_policy(self):
        name = self.assigned_picking(180)
        self.produce_ok([pick_event(name, [("SKU-1001", 100)])])
        c = self.consume(extra=("--backorder", "none"))
        self.assertEqual(c.summary()["applied"], 1)
        p = self.sim.picking(name)
        self.assertEqual(p["state"], "done")
        self.assertFalse([b for b in self.sim.dump("stock.picking")
                          if (b.get("backorder_id") or [None])[0] == p["id"]])

    def test_incomplete_pick_sets_quantities_only(self):
        name = self.assigned_picking(12)
        self.produce_ok([pick_event(name, [("SKU-1001", 7)],
                                    complete=False)])
        self.consume()
        p = self.sim.picking(name)
        self.assertEqual(p["state"], "assigned")
        m = self.sim.moves(p["id"])[0]
        self.assertEqual((m["quantity"], m["picked"]), (7, True))

    def test_draft_picking_is_not_validated(self):
        draft = next(p for p in self.sim.dump("stock.picking")
                     if p["state"] == "draft")
        self.produce_ok([pick_event(draft["name"], [("SKU-1001", 1)])])
        c = self.consume()
        self.assertEqual(self.sim.picking(draft["name"])["state"], "draft")
        self.assertEqual(c.summary()["rejected"], 1)
        dlq = broker.read(self.topic + ".dlq")
        self.assertEqual(len(dlq), 1)
        h = dlq[0]["headers"]
        self.assertEqual(h["lgx.dlq.reason"], "picking_not_released")
        self.assertEqual(h["lgx.dlq.topic"], self.topic)
        self.assertEqual(h["lgx.dlq.offset"], "0")
        self.assertEqual(dlq[0]["key"], draft["name"])

    def test_unknown_picking_and_product_are_dead_lettered(self):
        name = self.assigned_picking(3)
        self.produce_ok([pick_event("WH/OUT/NOPE", [("SKU-1001", 1)]),
                         pick_event(name, [("NO-SUCH-SKU", 1)])])
        c = self.consume()
        reasons = sorted(r["headers"]["lgx.dlq.reason"]
                         for r in broker.read(self.topic + ".dlq"))
        self.assertEqual(reasons, ["unknown_picking", "unknown_product"])
        self.assertEqual(c.summary()["rejected"], 2)

    def test_malformed_message_does_not_stop_the_consumer(self):
        first = self.assigned_picking(2)
        second = self.assigned_picking(4)
        self.produce_ok([pick_event(first, [("SKU-1001", 2)])])
        broker.produce_raw(self.topic, b"\x00\x00\x00\x00\x01garbage!",
                           key=first)
        broker.produce_raw(self.topic, b"not avro at all", key=first)
        self.produce_ok([pick_event(second, [("SKU-1001", 4)])])
        c = self.consume()
        self.assertEqual(c.proc.returncode, 0)
        bad = [l for l in c.outcomes() if l["outcome"] == "rejected"]
        self.assertEqual(sorted(l["reason"] for l in bad),
                         ["malformed_avro", "malformed_avro"])
        self.assertEqual(sorted(l["offset"] for l in bad), [1, 2])
        self.assertEqual(self.sim.picking(second)["state"], "done")
        self.assertEqual(len(broker.read(self.topic + ".dlq")), 2)

    def test_duplicate_event_applied_once(self):
        name = self.assigned_picking(12)
        ev = pick_event(name, [("SKU-1001", 6)], complete=False)
        self.produce_ok([ev, ev])
        c = self.consume()
        s = c.summary()
        self.assertEqual((s["applied"], s["duplicate"]), (1, 1))

    def test_replay_after_commit_changes_nothing(self):
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 5)])])
        self.consume()
        before = self.sim.dump("stock.picking")
        # A new group reads the topic again from the beginning.
        c = self.consume(group="replay-" + self.topic)
        self.assertEqual(c.summary()["stale"], 1)
        self.assertEqual(self.sim.dump("stock.picking"), before)

    def test_sigterm_then_restart_applies_each_event_once(self):
        names = [self.assigned_picking(3) for _ in range(150)]
        events = [pick_event(n, [("SKU-1001", 3)]) for n in names]
        self.produce_ok(events)
        first = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic,
                                extra=("--exit-at-end",))
        deadline = time.time() + 60
        while time.time() < deadline:
            if len([l for l in first.outcomes()
                    if l["outcome"] == "applied"]) >= 10:
                break
            time.sleep(0.02)
        first.signal(signal.SIGTERM)
        self.assertEqual(first.wait(30), 0)
        applied_first = [l["event_id"] for l in first.outcomes()
                         if l["outcome"] == "applied"]
        self.assertLess(len(applied_first), len(events),
                        "SIGTERM came too late to test a restart")
        second = self.consume()
        applied_second = [l["event_id"] for l in second.outcomes()
                          if l["outcome"] == "applied"]
        every = applied_first + applied_second
        self.assertEqual(sorted(every), sorted(e["event_id"]
                                               for e in events))
        self.assertEqual(len(every), len(set(every)))
        states = {p["name"]: p["state"] for p in
                  self.sim.dump("stock.picking")}
        self.assertTrue(all(states[n] == "done" for n in names))

    def test_wrong_api_key_stops_at_once(self):
        import os
        import tempfile
        bad = tempfile.NamedTemporaryFile("w", delete=False)
        bad.write("wrong-key\n")
        bad.close()
        self.produce_ok([pick_event(self.assigned_picking(1),
                                    [("SKU-1001", 1)])])
        start = time.time()
        c = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic,
                            extra=("--odoo-api-key-file", bad.name))
        rc = c.wait(20)
        os.unlink(bad.name)
        self.assertNotEqual(rc, 0)
        self.assertLess(time.time() - start, 10)
        text = " ".join(l.get("msg", "") for l in c.lines())
        self.assertIn("API key", text)
        self.assertNotIn("wrong-key", open(c.logpath).read())
        # Nothing was consumed or committed: a good consumer of the same
        # group still sees the event.
        good = self.consume()
        self.assertEqual(good.summary()["applied"], 1)


class PicksJsonRpcTest(PicksTest):
    """The same behaviour against an Odoo 17 (JSON-RPC only)."""
    version = 17


if __name__ == "__main__":
    unittest.main()
