"""The chaos run, short version (test/tools/chaos.py --short): a simulated
stream of ~1,400 events with duplicates, disorder and poison, consumed by
the four consumers against the Odoo simulator (with a real Odoo's
latency; the consumers first started in a shuffled order with delays,
from a printed start seed: LGX_START_SEED=<seed> repeats it) while
consumers are killed with SIGKILL and restarted, the broker restarts
once, Odoo is down for 20 s and 5 % of Odoo calls fail; then the audit of
Odoo's final state, the dead letters and a full replay. Each guarantee is
its own test, so that the report says which ones hold. Under 4
minutes."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tools"))
import chaos  # noqa: E402


class ChaosShortTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.run_ = chaos.Run(chaos.parse_args(["--short"]))
        try:
            cls.ok = cls.run_.run()
        finally:
            chaos.print_report(cls.run_)
        cls.f = cls.run_.report["figures"]
        cls.d = cls.run_.details

    def test_the_chaos_happened(self):
        f = self.f
        self.assertGreaterEqual(f["events"], 1000)
        self.assertGreater(f["poison_messages"], 0)
        self.assertGreaterEqual(f["kills_total"], 8)
        self.assertEqual(f["restarts"],
                         f["kills_total"] + f["unexpected_exits"])
        self.assertEqual(f["broker_restarts"], 1)
        self.assertGreaterEqual(f["odoo_outage_s"], 20)
        for kind in ("409 lock", "503", "timeout before the call",
                     "outage 503"):
            self.assertGreater(f["faults_injected"].get(kind, 0), 0, kind)
        self.assertLess(f["runtime_s"], 240)

    def test_every_message_gets_an_outcome(self):
        self.assertEqual(self.d["unfinished"], [])

    def test_no_effect_lost(self):
        """Every note, attachment, activity and backorder the stream
        implies is in Odoo, and every picking's fields are as expected."""
        self.assertEqual(self.d["effects"]["lost"], [])
        self.assertEqual(self.d["pickings"], [])

    def test_done_quantities_and_stock_as_the_picks_reported(self):
        """Every picking's done quantities are what its pick reported, and
        the stock of the run's products changed only by its done moves
        (nothing validated that the warehouse did not pick)."""
        self.assertEqual(self.d["quantities"], [])
        self.assertEqual(self.d["stock"], [])

    def test_no_effect_doubled(self):
        self.assertEqual(self.d["effects"]["doubled"], [])
        self.assertEqual(self.d["effects"]["unexpected"], [])

    def test_poison_dead_lettered_exactly_once_with_its_reason(self):
        self.assertEqual(self.d["dead_letters"]["poison_problems"], [])

    def test_dead_letters_exactly_once(self):
        """No source message (lgx.dlq.topic/partition/offset) in a
        dead-letter topic twice, though consumers die before committing."""
        self.assertEqual(self.d["dead_letters"]["repeated"], [])

    def test_dead_letters_only_for_expected_rejections(self):
        dl = self.d["dead_letters"]
        self.assertEqual(dl["missing_rejections"], [])
        self.assertEqual(dict(dl["unexpected_reasons"]), {})

    def test_full_replay_changes_nothing(self):
        self.assertIn("replay_state_changes", self.f)
        self.assertEqual(self.run_.replay_details["diff"], [])


if __name__ == "__main__":
    unittest.main()
