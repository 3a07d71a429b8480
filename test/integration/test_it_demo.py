"""The demo (test/tools/demo.py, make demo) on a small stream: 20 orders, its
output not a terminal, the simulator answering with a real Odoo's latency
and the four consumers started in a shuffled order with delays (the start
seed is printed: LGX_START_SEED=<seed> repeats it). It must exit 0 and
print the progress lines, the outcomes and dead letters of all four
topics, the pickings in Odoo and the audit's verdict, which reads Odoo
over its API (done quantities, stock, effects). About 30 s."""
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOPICS = ("lgx.picks", "lgx.shipments", "lgx.milestones", "lgx.pod")
ORDERS = 20


class DemoTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # Against the simulator, whatever Odoo the environment names.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("ODOO_")}
        t = time.monotonic()
        cls.r = subprocess.run(
            [sys.executable, os.path.join(HERE, "..", "tools", "demo.py"), "--orders",
             str(ORDERS), "--every", "2"], capture_output=True, text=True,
            timeout=180, env=env, stdin=subprocess.DEVNULL)
        cls.took = time.monotonic() - t
        cls.out = cls.r.stdout
        print("\n  demo with %d orders: exit %d in %.1f s" % (
            ORDERS, cls.r.returncode, cls.took))

    def section(self, title):
        """The lines of the output section that starts with title, up to
        the next empty line."""
        text = self.out.split("\n" + title, 1)
        self.assertEqual(len(text), 2, "no section %r in:\n%s" % (
            title, self.out))
        return text[1].split("\n\n", 1)[0].splitlines()[1:]

    def test_exits_0_within_a_minute(self):
        self.assertEqual(self.r.returncode, 0, self.out + self.r.stderr)
        self.assertIn("demo passed", self.out)
        self.assertLess(self.took, 60)

    def test_progress_is_one_line_per_topic_without_a_terminal(self):
        self.assertNotIn("\x1b[", self.out)
        blocks = re.findall(r"^\[ *[0-9.]+s\] .*$", self.out, re.M)
        self.assertGreaterEqual(len(blocks), 2, self.out)
        for t in TOPICS:
            # A consumer not started yet says when it starts.
            rows = re.findall(r"^  %s +(?:[0-9.]+/s  outcomes \d+/\d+  "
                              r"applied \d+  duplicate \d+  stale \d+  held "
                              r"\d+  dead-lettered \d+  lag \d+|\(starts in "
                              r"[0-9.]+ s\)|\(no answer from its "
                              r"consumer\))$" % re.escape(t), self.out, re.M)
            self.assertEqual(len(rows), len(blocks), t)
            self.assertRegex(self.out, r"(?m)^  %s +[0-9.]+/s  outcomes" %
                             re.escape(t))
        self.assertIn("messages have their outcome", blocks[-1])

    def test_summary_of_every_topic(self):
        rows = self.section("Outcomes per topic")
        got = {}
        for line in rows:
            f = line.split()
            if f and (f[0] in TOPICS or f[0] == "all"):
                got[f[0]] = [int(x) for x in f[1:]]
        self.assertEqual(set(got), set(TOPICS) | {"all"}, rows)
        for t in TOPICS:
            messages, applied, dup, stale, rejected, held, then = got[t]
            self.assertEqual(messages, applied + dup + stale + rejected, t)
            self.assertGreater(applied, 0, t)
            self.assertLessEqual(then, held, t)
        self.assertGreater(got["all"][4], 0, "no rejection in the stream")

    def test_dead_letters_by_reason(self):
        rows = self.section("Dead letters by reason")
        self.assertEqual(rows[0].split()[:5],
                         ["reason", "picks", "shipments", "milestones",
                          "pod"])
        reasons = {l.split()[0] for l in rows[1:] if l.startswith("  ")
                   and not l.startswith("  (")}
        self.assertIn("all", reasons)
        self.assertTrue(reasons & {"malformed_avro", "unknown_schema",
                                   "missing_field", "source_not_allowed"},
                        rows)

    def test_odoo_pickings(self):
        rows = self.section("Odoo after the run")
        self.assertIn("the %d pickings of this run" % ORDERS,
                      self.out)
        self.assertTrue(any(l.split()[:2] == ["done", "delivered"]
                            for l in rows), rows)
        sample = self.out.split("  picking       state  shipment", 1)[1]
        sample = sample.split("\n\n", 1)[0].splitlines()[1:]
        self.assertEqual(len(sample), 10, sample)
        delivered = [l for l in sample if " delivered " in l]
        self.assertTrue(delivered)
        for l in delivered:
            # carrier, tracking reference, last milestone, delivery time
            self.assertRegex(l, r"(JD01\d{16}|1Z4E97W203\d{8}|3SLGX\d{10}) "
                             r"+DELIVERED "
                             r"+\d{4}-\d\d-\d\d \d\d:\d\d \d{4}-\d\d-\d\d "
                             r"\d\d:\d\d$")

    def test_consumers_start_shuffled_with_a_printed_seed(self):
        m = re.search(r"consumers start concurrently in a shuffled order.*"
                      r"\(start seed (\d+);.*\): (.*)$", self.out, re.M)
        self.assertIsNotNone(m, self.out)
        self.assertEqual(sorted(re.sub(r"^\+[0-9.]+ s ", "", p) for p in
                                m.group(2).split(", ")),
                         ["lgx-milestones", "lgx-picks", "lgx-pod",
                          "lgx-shipments"])
        self.assertIn("latency real", self.out)

    def test_audit_verdict(self):
        rows = self.section("Audit of Odoo")
        self.assertIn("  verdict: lost 0, doubled 0, unexpected 0: PASS",
                      rows)
        text = "\n".join(rows)
        self.assertRegex(text, r"done quantities as picked +(\d+) of \1 ")
        self.assertRegex(text, r"stock of the run's products +11 products, "
                         r"\d+ (stock.quant places|on-hand quantities): "
                         r"changed only by the run's done moves")
        self.assertRegex(text, r"0 outcome\(s\) not as the stream expects")

    def test_audit_of_lots_and_shortages(self):
        """The lot-tracked product's picks name lots, which the done
        pickings carry and each lot's stock lost; the short product's
        picks were applied, told (note, activity, metric) and took its
        stock below zero by the shortfall."""
        text = "\n".join(self.section("Audit of Odoo"))
        m = re.search(r"lots as picked +(\d+) of (\d+) lot lines \((\d+) "
                      r"pickings of lot-tracked products", text)
        self.assertIsNotNone(m, text)
        self.assertEqual(m.group(1), m.group(2))
        self.assertGreater(int(m.group(3)), 0)
        self.assertRegex(text, r"stock of each lot +\d+ lots: down by exactly "
                         r"what the run's done moves took")
        m = re.search(r"shortages +(\d+) picking\(s\) picked more than Odoo "
                      r"had(?: \(\d+ more [^)]*\))?: (\d+) with one note and "
                      r"one activity; LGX-DEMO-11 2 on hand, (\d+) picked, "
                      r"now (-\d+) \((\d+) short\); "
                      r"lgx_stock_discrepancies_total\{kind=\"shortage\"\} "
                      r"(\d+)", text)
        self.assertIsNotNone(m, text)
        short, told, picked, now, shortfall, metric = map(int, m.groups())
        self.assertGreater(short, 0)
        self.assertGreaterEqual(told, short)
        self.assertEqual(now, 2 - picked)
        self.assertEqual(shortfall, -now)
        self.assertGreaterEqual(metric, short)

    def test_books_by_carrier_code_through_the_rules_mapping(self):
        """The platform books with codes (dhl, ups, postnl); the demo's
        rules map them to its carriers, every consumer and lgx-simulate
        run with them, each booked picking has the mapped carrier and the
        booking sent with a code the mapping lacks is dead-lettered."""
        self.assertRegex(self.out, r"rules: config/rules.json with a "
                         r"mapping of the transport platform's carrier codes "
                         r"\(tms-\*\): dhl = lgx demo carrier 1, ups = lgx "
                         r"demo carrier 2, postnl = lgx demo carrier 3")
        self.assertIn("--carriers dhl=lgx demo carrier 1,ups=lgx demo "
                      "carrier 2,postnl=lgx demo carrier 3", self.out)
        text = "\n".join(self.section("Audit of Odoo"))
        m = re.search(r"carriers as mapped +(\d+) of (\d+) booked pickings "
                      r"\(([^)]*)\); (\d+) of (\d+) booking\(s\) with a code "
                      r"the mapping lacks dead-lettered unmapped_carrier", text)
        self.assertIsNotNone(m, text)
        self.assertEqual(m.group(1), m.group(2))
        self.assertEqual(m.group(4), m.group(5))
        self.assertGreater(int(m.group(4)), 0)
        self.assertEqual({c.split()[0] for c in m.group(3).split(", ")},
                         {"dhl", "ups", "postnl"})
        rows = self.section("Dead letters by reason")
        self.assertTrue(any(l.split()[:1] == ["unmapped_carrier"]
                            for l in rows), rows)

    def test_two_and_three_step_delivery(self):
        rows = self.section("Two- and three-step delivery")
        self.assertEqual(len(rows), 2, self.out)
        for row, n in zip(rows, (2, 3)):
            self.assertEqual(row.count(" done/dispatched"), n, row)
            self.assertTrue(row.endswith("; 3 delivered"), row)
        self.assertIn("LGX3/PACK/", rows[1])

    def test_replay_at_the_end_changes_nothing(self):
        m = re.search(r"^Replay: .*: (\d+)/(\d+) messages, (.*)$", self.out,
                      re.M)
        self.assertTrue(m, self.out)
        self.assertEqual(m.group(1), m.group(2))
        self.assertNotIn("applied", m.group(3).replace("already_applied", ""))
        d = re.search(r"^  Odoo before and after, field by field: (\d+) "
                      r"differences in (\d+) stock.picking, (\d+) stock.move,",
                      self.out, re.M)
        self.assertTrue(d, self.out)
        self.assertEqual(d.group(1), "0")
        self.assertEqual(int(d.group(2)), ORDERS)
        self.assertGreater(int(d.group(3)), 0)

    def test_brings_its_own_demo_data(self):
        self.assertRegex(self.out, r"demo data in Odoo: 9 products "
                         r"LGX-DEMO-01..09, lot-tracked LGX-DEMO-10, short "
                         r"LGX-DEMO-11 .*6 customers .*3 carriers")
        self.assertIn("--products LGX-DEMO-01,", self.out)
        self.assertIn(",LGX-DEMO-10,LGX-DEMO-11 ", self.out)


if __name__ == "__main__":
    unittest.main()
