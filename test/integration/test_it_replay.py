"""lgx-replay and --from-timestamp: a group reads a topic again, refused
while the group has members, and the replay changes nothing in Odoo."""
import os
import signal
import subprocess
import time
import unittest

import lgxenv
from lgxenv import pick_event, produce, run_consumer

REPLAY = os.path.join(lgxenv.BIN, "lgx-replay")
broker = lgxenv.shared_broker()


class ReplayTest(unittest.TestCase):
    def setUp(self):
        self.sim = lgxenv.Simulator(version=19)
        self.topic = "it.replay." + self._testMethodName
        self.group = "g-" + self.topic

    def tearDown(self):
        self.sim.stop()

    def pickings(self, n):
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1003")
        names = ["WH/OUT/R%d-%d" % (i, time.monotonic_ns() % 10**6)
                 for i in range(n)]
        self.sim.seed("stock.picking", [{
            "name": name, "state": "assigned",
            "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": 4,
                          "quantity": 4, "state": "assigned"}]}
            for name in names])
        return names

    def replay(self, *args):
        return subprocess.run([REPLAY, "--brokers", broker.bootstrap,
                               "--group", self.group, "--topic", self.topic,
                               *args], capture_output=True, text=True,
                              timeout=60)

    def test_replay_to_earliest(self):
        names = self.pickings(6)
        r = produce(broker, self.topic,
                    [pick_event(n, [("SKU-1003", 3)], complete=False)
                     for n in names])
        self.assertEqual(r.returncode, 0, r.stderr)
        first = run_consumer("lgx-picks", broker, self.sim, self.topic)
        self.assertEqual(first.summary()["applied"], 6)
        before = self.sim.dump("stock.move")

        dry = self.replay("--to-earliest", "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertIn("dry run: 6 event(s)", dry.stdout)

        # Refused while a consumer of the group runs.
        live = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic)
        deadline = time.time() + 20
        while time.time() < deadline and not any(
                "assigned" in l.get("msg", "") for l in live.lines()):
            time.sleep(0.1)
        busy = self.replay("--to-earliest")
        live.signal(signal.SIGTERM)
        live.wait(30)
        self.assertEqual(busy.returncode, 1)
        self.assertIn("active member", busy.stderr)

        done = self.replay("--to-earliest")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("replay: 6 event(s)", done.stdout)
        again = run_consumer("lgx-picks", broker, self.sim, self.topic)
        s = again.summary()
        self.assertEqual((s["applied"], s["stale"]), (0, 6), again.outcomes())
        self.assertEqual(self.sim.dump("stock.move"), before)

    def test_to_offsets_for_some_partitions(self):
        names = self.pickings(3)
        produce(broker, self.topic, [pick_event(n, [("SKU-1003", 1)],
                                                complete=False)
                                     for n in names])
        run_consumer("lgx-picks", broker, self.sim, self.topic)
        r = self.replay("--to-offsets", "0:0", "--partitions", "0",
                        "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = [l.split() for l in r.stdout.splitlines()
                if l[:1].isdigit()]
        self.assertEqual([row[0] for row in rows], ["0"])
        self.assertEqual(self.replay("--to-earliest", "--to-offsets",
                                     "0:0").returncode, 2)

    def test_consumer_from_timestamp(self):
        old, new = self.pickings(2), self.pickings(2)
        produce(broker, self.topic, [pick_event(n, [("SKU-1003", 2)],
                                                complete=False) for n in old])
        time.sleep(1.5)
        since = int(time.time() * 1000)
        time.sleep(0.5)
        produce(broker, self.topic, [pick_event(n, [("SKU-1003", 2)],
                                                complete=False) for n in new])
        c = run_consumer("lgx-picks", broker, self.sim, self.topic,
                         extra=("--from-timestamp", str(since)))
        applied = {l["key"] for l in c.outcomes()
                   if l["outcome"] == "applied"}
        self.assertEqual(applied, set(new))

    def test_dead_letters_are_written_once(self):
        """A poison message read again, by a replay or by a consumer of
        another group that shares the dead-letter topic, is not written to
        it a second time; redriven (a new message), it is written again."""
        names = self.pickings(1)
        broker.produce_raw(self.topic, b"\x00\x00\x00\x00\x01garbage",
                           key="poison")
        produce(broker, self.topic, [pick_event(names[0], [("SKU-1003", 1)],
                                                complete=False)])
        dlq = self.topic + ".dlq"
        first = run_consumer("lgx-picks", broker, self.sim, self.topic)
        self.assertEqual(first.summary()["rejected"], 1, first.outcomes())
        self.assertEqual(len(broker.read(dlq)), 1)

        self.assertEqual(self.replay("--to-earliest").returncode, 0)
        again = run_consumer("lgx-picks", broker, self.sim, self.topic)
        rejected = [l for l in again.outcomes() if l["outcome"] == "rejected"]
        self.assertEqual(len(rejected), 1, again.outcomes())
        self.assertIn("already in %s at" % dlq, rejected[0]["msg"])
        other = run_consumer("lgx-picks", broker, self.sim, self.topic,
                             group=self.group + "-other")
        self.assertEqual(other.summary()["rejected"], 1)
        self.assertEqual(len(broker.read(dlq)), 1)
        errors = [l for l in again.lines() if l.get("level") == "error"]
        self.assertEqual(errors, [])

        red = subprocess.run([os.path.join(lgxenv.BIN, "lgx-dlq"), "redrive",
                              "--brokers", broker.bootstrap, "--topic", dlq],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(red.returncode, 0, red.stderr)
        third = run_consumer("lgx-picks", broker, self.sim, self.topic)
        self.assertEqual(third.summary()["rejected"], 1, third.outcomes())
        self.assertEqual(len(broker.read(dlq)), 2)


if __name__ == "__main__":
    unittest.main()
