"""lgx-dlq: list, show and redrive dead letters."""
import os
import socket
import subprocess
import unittest

import lgxenv
from lgxenv import pick_event, produce, run_consumer

DLQ = os.path.join(lgxenv.BIN, "lgx-dlq")
broker = lgxenv.shared_broker()


class DlqTest(unittest.TestCase):
    def setUp(self):
        self.sim = lgxenv.Simulator(version=19)
        self.topic = "it.dlq." + self._testMethodName

    def tearDown(self):
        self.sim.stop()

    def dlq(self, cmd, *args):
        return subprocess.run([DLQ, cmd, "--brokers", broker.bootstrap,
                               "--topic", self.topic + ".dlq", *args],
                              capture_output=True, text=True, timeout=60)

    def test_list_show_redrive(self):
        late = pick_event("WH/OUT/LATE1", [("SKU-1004", 2)], complete=False,
                          cid="order-late-1")
        other = pick_event("WH/OUT/00005", [("NO-SUCH", 1)], complete=False)
        self.assertEqual(produce(broker, self.topic,
                                 [late, other]).returncode, 0)
        run_consumer("lgx-picks", broker, self.sim, self.topic)

        ls = self.dlq("list")
        self.assertEqual(ls.returncode, 0, ls.stderr)
        self.assertIn("2 record(s) matched", ls.stdout)
        self.assertIn("unknown_picking", ls.stdout)
        self.assertIn("unknown_product", ls.stdout)
        only = self.dlq("list", "--reason", "unknown_picking")
        self.assertIn("1 record(s) matched", only.stdout)
        self.assertIn("WH/OUT/LATE1", only.stdout)

        rec = broker.read(self.topic + ".dlq")
        mine = next(r for r in rec if r["key"] == "WH/OUT/LATE1")
        show = self.dlq("show", "--partition", str(mine["partition"]),
                        "--offset", str(mine["offset"]))
        self.assertEqual(show.returncode, 0, show.stderr)
        self.assertIn('"picking_name": "WH/OUT/LATE1"', show.stdout)
        self.assertIn("lgx.dlq.reason: unknown_picking", show.stdout)

        # The picking now exists in Odoo: redrive the record.
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1004")
        self.sim.seed("stock.picking", [{
            "name": "WH/OUT/LATE1", "state": "assigned",
            "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": 2,
                          "quantity": 2, "state": "assigned"}]}])
        dry = self.dlq("redrive", "--reason", "unknown_picking", "--dry-run")
        self.assertIn("0 redriven", dry.stdout)
        red = self.dlq("redrive", "--reason", "unknown_picking")
        self.assertEqual(red.returncode, 0, red.stderr)
        self.assertIn("1 redriven, 0 failed", red.stdout)
        back = [r for r in broker.read(self.topic)
                if r["headers"].get("lgx.redrive.count")]
        self.assertEqual(len(back), 1)
        self.assertEqual(back[0]["headers"]["lgx.redrive.count"], "1")
        self.assertEqual(back[0]["headers"]["correlation_id"], "order-late-1")
        self.assertFalse([k for k in back[0]["headers"]
                          if k.startswith("lgx.dlq.")])
        again = run_consumer("lgx-picks", broker, self.sim, self.topic)
        self.assertEqual(again.summary()["applied"], 1, again.outcomes())
        m = self.sim.moves(self.sim.picking("WH/OUT/LATE1")["id"])[0]
        self.assertEqual((m["quantity"], m["picked"]), (2, True))
        # Redriving the same record again changes nothing in Odoo.
        self.dlq("redrive", "--reason", "unknown_picking")
        third = run_consumer("lgx-picks", broker, self.sim, self.topic)
        s = third.summary()
        self.assertEqual((s["applied"], s["stale"]), (0, 1))

    def test_redrive_to_a_running_consumer(self):
        # The consumer that rejected the event is still running when the
        # record comes back: it must apply it, not drop it as a duplicate.
        ev = pick_event("WH/OUT/LATE2", [("SKU-1004", 1)], complete=False)
        self.assertEqual(produce(broker, self.topic, [ev]).returncode, 0)
        c = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic,
                            extra=("--hold-recheck-ms", "200"))
        import time
        deadline = time.time() + 30
        while time.time() < deadline and not c.outcomes():
            time.sleep(0.1)
        self.assertEqual(c.outcomes()[0]["reason"], "unknown_picking")
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1004")
        self.sim.seed("stock.picking", [{
            "name": "WH/OUT/LATE2", "state": "assigned",
            "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": 1,
                          "quantity": 1, "state": "assigned"}]}])
        red = self.dlq("redrive", "--reason", "unknown_picking")
        self.assertIn("1 redriven", red.stdout)
        deadline = time.time() + 30
        while time.time() < deadline and len(c.outcomes()) < 2:
            time.sleep(0.1)
        c.signal()
        c.wait(30)
        self.assertEqual([l["outcome"] for l in c.outcomes()],
                         ["rejected", "applied"])


class DlqErrorsTest(unittest.TestCase):
    """What lgx-dlq says when it cannot read the topic."""

    def test_dead_broker_is_not_a_missing_topic(self):
        # It said "topic ... not found" when no broker answered.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = "127.0.0.1:%d" % s.getsockname()[1]
        r = subprocess.run([DLQ, "list", "--brokers", dead,
                            "--topic", "it.dlq.dead.dlq"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("lgx-dlq: could not reach the Kafka brokers at %s "
                      "(--brokers): Local: " % dead, r.stderr)
        self.assertIn("Connection refused", r.stderr.splitlines()[-1])
        self.assertNotIn("not found", r.stderr)

    def test_missing_topic_names_it_and_the_brokers(self):
        r = subprocess.run([DLQ, "list", "--brokers", broker.bootstrap,
                            "--topic", "it.dlq.none.dlq"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("lgx-dlq: topic it.dlq.none.dlq not found on the Kafka "
                      "brokers at %s" % broker.bootstrap, r.stderr)


if __name__ == "__main__":
    unittest.main()
