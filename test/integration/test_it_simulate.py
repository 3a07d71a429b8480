"""Integration tests of lgx-simulate: a simulated day of orders published
to a real broker, consumed by the four consumers at once (started in a
shuffled order with delays, from a start seed printed so that a failure
can be repeated: LGX_START_SEED=<seed>) against the Odoo simulator with a
real Odoo's latency, and audited against lgx-simulate's expected file,
which holds for any interleaving of the topics; and the same seed giving
the same bytes."""
import base64
import collections
import json
import os
import subprocess
import tempfile
import time
import unittest

import lgxenv

import audit  # noqa: E402  (test/tools, on the path lgxenv sets)

SIMULATE = os.path.join(lgxenv.BIN, "lgx-simulate")
SEED = "it-simulate-39"
ORDERS = 20
# A few percent of every knob (and the default 10 % of cancellations).
KNOBS = ("--duplicates", "6", "--out-of-order", "6", "--poison", "4",
         "--late-pod", "15", "--dispatch-before-booking", "15",
         "--wrong-source", "4", "--unmapped-carrier", "15")
CONSUMERS = lgxenv.CONSUMERS
# Newest schema id of each topic's record (avro-schemas/schemas.json).
SCHEMA_IDS = {"lgx.picks": 3, "lgx.shipments": 11, "lgx.milestones": 21,
              "lgx.pod": 31}
# Long enough for a held event's prerequisite on another topic: its
# consumer may start seconds after the others.
HOLD_MS = 120000
# The simulator's products the day is made of: the nine plain ones, the
# lot-tracked SKU-1013 (its first lot counted down to LOT_STOCK, so that
# orders pick from two lots) and SKU-1010 with SHORT_STOCK on hand, too
# few for the day: its picks are shortages.
PRODUCTS = ["SKU-10%02d" % i for i in range(1, 10)] + ["SKU-1010",
                                                       "SKU-1013"]
LOT_STOCK = 4
SHORT_STOCK = 2
# The transport platform books the simulator's carriers by code; the rules'
# mapping gives their Odoo names.
CARRIERS = {"dhl": "Standard delivery", "ups": "The Poste",
            "postnl": "Local Delivery"}


def simulate(*args, timeout=120):
    return subprocess.run([SIMULATE, *args], capture_output=True, text=True,
                          timeout=timeout)


def pickings_file(directory):
    """Existing pickings of the demo data, with their lines (no Odoo
    needed to read them)."""
    path = os.path.join(directory, "pickings.txt")
    with open(path, "w") as f:
        f.write("# name, then product=quantity\n"
                "WH/OUT/00005 SKU-1001=5\n"
                "WH/OUT/00006 SKU-1004=12 SKU-1005=180\n"
                "WH/OUT/00007 SKU-1006=180\n"
                "WH/OUT/00008 SKU-1007=12\n"
                "WH/OUT/00009 SKU-1008=5 SKU-1009=1 SKU-1012=12\n"
                "WH/OUT/00010 SKU-1002=5\n")
    return path


class SimulateStreamTest(unittest.TestCase):
    """What lgx-simulate writes, without Kafka or Odoo (--dry-run)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lgx-simulate.")
        self.pickings = pickings_file(self.dir)

    def dry_run(self, name, *args):
        out = os.path.join(self.dir, name + ".jsonl")
        exp = os.path.join(self.dir, name + ".json")
        r = simulate("--pickings", self.pickings, "--dry-run", "--output",
                     out, "--expected", exp, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            lines = f.read()
        with open(exp, "rb") as f:
            expected = f.read()
        return lines, expected, r

    def test_same_seed_gives_the_same_bytes(self):
        a, ea, _ = self.dry_run("a", "--seed", "s42", *KNOBS)
        b, eb, _ = self.dry_run("b", "--seed", "s42", *KNOBS)
        c, _, _ = self.dry_run("c", "--seed", "s43", *KNOBS)
        self.assertEqual(a, b)
        self.assertEqual(ea, eb)
        self.assertNotEqual(a, c)
        print("\n  same seed: %d lines, %d bytes, byte-identical twice; "
              "another seed differs" % (a.count(b"\n"), len(a)))

    def test_knobs_do_not_change_the_plain_stream(self):
        plain, _, _ = self.dry_run("plain", "--seed", "s42")
        knobs, _, _ = self.dry_run("knobs", "--seed", "s42", *KNOBS)
        ids = lambda text: {json.loads(l)["event"]["event_id"]
                            for l in text.splitlines()}
        self.assertLessEqual(ids(plain), ids(knobs))

    def test_messages_are_framed_with_the_newest_schema(self):
        lines, expected, r = self.dry_run("framing", "--seed", "s7", *KNOBS)
        exp = json.loads(expected)
        poison = {p["id"]: p for p in exp["poison"]}
        for line in lines.splitlines():
            rec = json.loads(line)
            raw = base64.b64decode(rec["bytes"])
            self.assertEqual(rec["headers"]["correlation_id"],
                             rec["event"]["correlation_id"])
            self.assertRegex(rec["headers"]["traceparent"],
                             r"^00-[0-9a-f]{32}-[0-9a-f]{16}-01$")
            if rec["poison"]:
                self.assertIn(rec["poison"], poison)
                continue
            self.assertEqual(raw[0], 0)
            self.assertEqual(int.from_bytes(raw[1:5], "big"),
                             SCHEMA_IDS[rec["topic"]])
        # The summary goes to stdout when the events go to a file.
        self.assertIn("expected outcomes", r.stdout)

    def test_expected_state_holds_for_any_interleaving(self):
        """The model runs the stream in several interleavings of the
        topics: every event's outcome and every picking's end state agree
        in all of them; only holds differ (a range)."""
        path = os.path.join(self.dir, "many.txt")
        with open(path, "w") as f:
            for i in range(300):
                f.write("WH/OUT/%05d SKU-1001=%d SKU-1004=2\n" % (
                    100 + i, 1 + i % 5))
        for seed in ("s1", "s2", "s3"):
            out = os.path.join(self.dir, "many.jsonl")
            expf = os.path.join(self.dir, "many.json")
            r = simulate("--pickings", path, "--orders", "300", "--dry-run",
                         "--output", out, "--expected", expf, "--seed",
                         seed, *KNOBS)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(expf) as f:
                exp = json.load(f)
            self.assertGreaterEqual(exp["interleavings"], 10)
            self.assertEqual((exp["order_dependent"],
                              exp["pickings_order_dependent"]), (0, 0), seed)
            for t in exp["topics"].values():
                self.assertLessEqual(t["held"], t["held_max"])
            # Dispatches wait for their pick in some interleaving; every
            # picking is validated by its pick, with what the pick said.
            self.assertTrue(any(e["may_hold"] and e["type"] ==
                                "shipment_dispatched"
                                for e in exp["events"]))
            for name, p in exp["pickings"].items():
                self.assertEqual(p["state"], "done", name)
                self.assertEqual(p["picked"]["SKU-1004"], 2, name)

    def test_audit_of_a_short_pick_and_its_duplicate(self):
        """A pick short of Odoo's stock and the copy of it the stream sends
        again (same event id, expected duplicate, no shortage of its own):
        the one outcome line saying shortage is what the stream expects;
        without it, or with a shortage on a pick expected covered, the
        audit says so."""
        exp = {"events": [
            {"topic": "lgx.picks", "key": "P1", "event_id": "e1",
             "poison": None, "outcome": "applied", "shortage": True,
             "may_shortage": True},
            {"topic": "lgx.picks", "key": "P1", "event_id": "e1",
             "poison": None, "outcome": "duplicate", "shortage": False,
             "may_shortage": False},
            {"topic": "lgx.picks", "key": "P2", "event_id": "e2",
             "poison": None, "outcome": "applied", "shortage": False,
             "may_shortage": False}]}
        lines = [{"event_id": "e1", "outcome": "applied",
                  "discrepancy": "shortage"},
                 {"event_id": "e1", "outcome": "duplicate"},
                 {"event_id": "e2", "outcome": "applied"}]
        self.assertEqual(audit.check_discrepancies(exp, "lgx.picks", lines),
                         [])
        lines[0].pop("discrepancy")
        self.assertEqual(
            audit.check_discrepancies(exp, "lgx.picks", lines),
            ["lgx.picks event e1 (P1): expected one outcome line saying "
             "shortage, found [False]"])
        lines[0]["discrepancy"] = "shortage"
        lines[2]["discrepancy"] = "shortage"
        self.assertEqual(
            audit.check_discrepancies(exp, "lgx.picks", lines),
            ["lgx.picks event e2 (P2): a shortage the stream does not "
             "expect"])

    def test_audit_of_lots_and_shortages_finds_differences(self):
        """test/tools/audit.py's lot and shortage checks on a made-up run: P1
        picked lot-tracked T from L1 and L2, P2 picked 4 of U with 2 on
        hand (a shortage in any order); then one thing wrong at a
        time."""
        exp = {
            "pickings": {
                "P1": {"state": "done", "picked": {"T": 3},
                       "lots": {"T": {"L1": 1, "L2": 2}}, "shortages": []},
                "P2": {"state": "done", "picked": {"U": 4}, "lots": {},
                       "shortages": [{"product": "U", "lot": None,
                                      "picked": 4, "in_odoo": 2,
                                      "certain": True}]}},
            "events": [{"topic": "lgx.picks", "key": "P2", "event_id": "e2",
                        "poison": None, "shortage": True,
                        "may_shortage": True}],
            "topics": {"lgx.picks": {"shortages": 1, "shortages_max": 1}}}
        state = {
            "product.product": [{"id": 1, "default_code": "T"},
                                {"id": 2, "default_code": "U"}],
            "stock.picking": [{"id": 10, "name": "P1"},
                              {"id": 11, "name": "P2"}],
            "stock.move": [{"id": 100, "state": "done"},
                           {"id": 101, "state": "done"}],
            "stock.move.line": [
                {"picking_id": [10, "P1"], "move_id": [100, "m"],
                 "product_id": [1, "T"], "lot_id": [5, "L1"],
                 "quantity": 1},
                {"picking_id": [10, "P1"], "move_id": [100, "m"],
                 "product_id": [1, "T"], "lot_id": [6, "L2"],
                 "quantity": 2},
                {"picking_id": [11, "P2"], "move_id": [101, "m"],
                 "product_id": [2, "U"], "lot_id": False, "quantity": 4}],
            "stock.lot": {5: "L1", 6: "L2"},
            "mail.message": [{"model": "stock.picking", "res_id": 11,
                              "body": "short " + audit.note_mark(
                                  "e2:shortage")}],
            "mail.activity": [{"res_model": "stock.picking", "res_id": 11,
                               "summary": "lgx: shortage on P2"}]}
        products = {1: "T", 2: "U"}
        before = {"mode": "quant", "products": products,
                  "stock": collections.Counter({(1, 8): 10, (2, 8): 2}),
                  "lots": collections.Counter({(1, "L1"): 5, (1, "L2"): 5,
                                               (2, None): 2})}
        after = {"mode": "quant", "products": products,
                 "stock": collections.Counter({(1, 8): 7, (2, 8): -2}),
                 "lots": collections.Counter({(1, "L1"): 4, (1, "L2"): 3,
                                              (2, None): -2})}
        self.assertEqual(audit.check_lots(exp, state), (1, 2, 1, []))
        self.assertEqual(audit.check_lot_stock(before, after, exp, state),
                         ({"lots": 2, "taken": 3}, []))
        figures, problems = audit.check_shortages(exp, before, after, state,
                                                  metric=1)
        self.assertEqual(problems, [])
        self.assertEqual((figures["pickings"], figures["told"],
                          figures["products"]), (1, 1, [("U", 2, 4, -2)]))
        # Another lot on the move lines than the pick named.
        state["stock.move.line"][1]["lot_id"] = [7, "L3"]
        state["stock.lot"][7] = "L3"
        self.assertEqual(len(audit.check_lots(exp, state)[3]), 1)
        self.assertEqual(len(audit.check_lot_stock(before, after, exp,
                                                   state)[1]), 2)
        # A lot's stock changed by more than the moves took.
        after["lots"][(1, "L1")] = 3
        self.assertTrue(audit.check_lot_stock(before, after, exp, state)[1])
        # The activity missing, the metric short, the stock off by one.
        state["mail.activity"] = []
        after["stock"][(2, 8)] = -1
        _, problems = audit.check_shortages(exp, before, after, state,
                                            metric=0)
        self.assertEqual(len(problems), 3, problems)

    def test_where_the_orders_come_from_must_be_said(self):
        r = simulate("--dry-run", "--seed", "x")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--create-orders", r.stderr)
        self.assertIn("--pickings", r.stderr)
        path = os.path.join(self.dir, "bare.txt")
        with open(path, "w") as f:
            f.write("WH/OUT/00005\n")
        r = simulate("--pickings", path, "--dry-run")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--odoo-url", r.stderr)


class SimulateAuditTest(unittest.TestCase):
    """lgx-simulate --create-orders on a real broker and the Odoo
    simulator (latency real), the four consumers run at once, started in
    a shuffled order with delays, then the audit."""

    # A held reason that must show up in the run (None: any run passes).
    must_hold = None

    @classmethod
    def setUpClass(cls):
        cls.broker = lgxenv.Broker()
        cls.sim = lgxenv.Simulator(version=19, latency="real")
        cls.dir = tempfile.mkdtemp(prefix="lgx-simulate.")
        cls.count_stock()

    @classmethod
    def count_stock(cls):
        """Inventory adjustments: SKU-1013's first lot to LOT_STOCK,
        SKU-1010 to SHORT_STOCK, in WH/Stock."""
        products = {p["default_code"]: p["id"] for p in cls.sim.call(
            "product.product", "search_read",
            [["default_code", "in", ["SKU-1010", "SKU-1013"]]],
            fields=["default_code"])}
        lot = cls.sim.call("stock.lot", "search_read",
                           [["name", "=", "SKU-1013-L001"]], fields=["id"])
        stock = cls.sim.call("stock.warehouse", "search_read", [],
                             fields=["lot_stock_id"])[0]["lot_stock_id"][0]
        ids = cls.sim.call("stock.quant", "create", [
            {"product_id": products["SKU-1013"], "location_id": stock,
             "lot_id": lot[0]["id"], "inventory_quantity": LOT_STOCK},
            {"product_id": products["SKU-1010"], "location_id": stock,
             "inventory_quantity": SHORT_STOCK}],
            context={"inventory_mode": True})
        cls.sim.call("stock.quant", "action_apply_inventory", ids)

    def start_plan(self):
        """[(program, delay_s)] and the seed that repeats it."""
        seed = lgxenv.start_seed()
        return lgxenv.start_plan(seed), seed

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls.broker.stop()

    def consume_all(self, rules, plan):
        """The consumers of plan ([(program, delay_s)]) started one after
        another with those delays, all with --exit-at-end; returns
        {program: Consumer} once every one has exited."""
        topic_of = dict(CONSUMERS)
        started = {}
        for program, delay in plan:
            time.sleep(delay)
            started[program] = lgxenv.Consumer(
                program, self.broker, self.sim, topic_of[program],
                extra=("--exit-at-end", "--rules", rules,
                       "--hold-recheck-ms", "100",
                       "--hold-recheck-max-ms", "1000"))
        for c in started.values():
            c.wait(300)
        return started

    def check_topic(self, c, topic, exp):
        """Outcome counts, per-event outcomes and the dead letters of one
        consumer against the expected file (test/tools/audit.py); returns the
        figures."""
        s = c.summary()
        self.assertIsNotNone(s, "no summary line from %s" % topic)
        dlq = audit.read_dead_letters(self.broker, topic + ".dlq")
        figures, problems = audit.check_topic(exp, topic, s, c.outcomes(),
                                              dlq)
        self.assertEqual(problems, [], topic)
        return figures

    def audit_pickings(self, exp, ran):
        """Every picking as expected, for what the consumers that ran
        write (test/tools/audit.py). Returns the number of fields checked."""
        pickings = {p["name"]: p for p in self.sim.dump("stock.picking")}
        checked, problems = audit.check_pickings(exp, pickings, ran)
        self.assertEqual(problems, [])
        return checked

    def test_simulated_day_audited(self):
        exp_path = os.path.join(self.dir, "expected.json")
        events_path = os.path.join(self.dir, "events.jsonl")
        search_read = lambda m, d, f: self.sim.call(m, "search_read", d,
                                                    fields=f)
        stock_before = audit.stock_snapshot(search_read, PRODUCTS)
        rules = lgxenv.rules_file(self.dir, mapping={
            "tms-*": {"carriers": CARRIERS}}, **{
            t: {"hold_ms": HOLD_MS} for t in (
                "pick_confirmed", "label_created", "shipment_dispatched",
                "carrier_milestone", "proof_of_delivery")})
        r = simulate("--brokers", self.broker.bootstrap, "--create-orders",
                     "--orders", str(ORDERS), "--seed", SEED,
                     "--expected", exp_path, "--log-events", events_path,
                     "--products", ",".join(PRODUCTS), "--carriers",
                     ",".join("%s=%s" % kv for kv in CARRIERS.items()),
                     "--rules", rules, *KNOBS, *self.sim.odoo_args(),
                     timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(lgxenv.API_KEY, r.stdout + r.stderr)
        print("\n" + r.stdout)
        with open(exp_path) as f:
            exp = json.load(f)
        self.assertEqual(len(exp["pickings"]), ORDERS)
        self.assertEqual((exp["order_dependent"],
                          exp["pickings_order_dependent"]), (0, 0))
        # Every knob shows up at least once with this seed.
        knobs = collections.Counter(e["knob"] for e in exp["events"])
        for k in ("duplicates", "out-of-order", "poison", "late-pod",
                  "dispatch-before-booking", "wrong-source",
                  "unmapped-carrier"):
            self.assertGreater(knobs[k], 0, k)
        missing = [p for p, _ in CONSUMERS
                   if not os.access(os.path.join(lgxenv.BIN, p), os.X_OK)]
        if missing:
            self.skipTest("not built yet: %s" % ", ".join(missing))
        plan, seed = self.start_plan()
        print("  consumers started at once in a shuffled order with delays "
              "(LGX_START_SEED=%s repeats it): %s" % (
                  seed, lgxenv.describe_plan(plan)))
        started = self.consume_all(rules, plan)
        figures = {}
        for program, topic in CONSUMERS:
            c = started[program]
            self.assertEqual(c.proc.returncode, 0,
                             "%s exited %s; log %s (start seed %s)" % (
                                 program, c.proc.returncode, c.logpath,
                                 seed))
            s = c.summary()
            self.assertIsNotNone(s, "no summary line from %s" % topic)
            dlq = audit.read_dead_letters(self.broker, topic + ".dlq")
            figures[topic], problems = audit.check_topic(
                exp, topic, s, c.outcomes(), dlq)
            self.assertEqual(problems, [], "%s (start seed %s)" % (
                topic, seed))
        # Odoo, read over its API.
        state = audit.read_odoo(search_read, exp)
        pickings = {p["name"]: p for p in state["stock.picking"]}
        checked, problems = audit.check_pickings(
            exp, pickings, [p for p, _ in CONSUMERS])
        self.assertEqual(problems, [], "start seed %s" % seed)
        stream = audit.read_stream(events_path, exp)
        carriers, problems = audit.check_carriers(
            exp, stream, pickings, CARRIERS,
            audit.read_dead_letters(self.broker, "lgx.shipments.dlq"))
        self.assertEqual(problems, [], "start seed %s" % seed)
        self.assertEqual(set(carriers["codes"]), set(CARRIERS))
        self.assertGreater(carriers["unmapped"], 0)
        _, quantities, problems = audit.check_moves(exp, state)
        self.assertEqual(problems, [], "start seed %s" % seed)
        stock_after = audit.stock_snapshot(search_read, PRODUCTS)
        stock, problems = audit.check_stock(stock_before, stock_after, state)
        self.assertEqual(problems, [], "start seed %s" % seed)
        # Lots: on the move lines as picked, each lot's stock down by what
        # the done moves took; shortages told once, stock below zero by
        # the shortfall.
        lot_pickings, lot_lines, two_lots, problems = audit.check_lots(
            exp, state)
        self.assertEqual(problems, [], "start seed %s" % seed)
        self.assertGreater(lot_lines, 0)
        lot_stock, problems = audit.check_lot_stock(stock_before,
                                                    stock_after, exp, state)
        self.assertEqual(problems, [], "start seed %s" % seed)
        short, problems = audit.check_shortages(exp, stock_before,
                                                stock_after, state)
        self.assertEqual(problems, [], "start seed %s" % seed)
        self.assertGreater(short["pickings"], 0)
        want = audit.expected_effects(exp, stream, audit.demand_of(exp))
        got = audit.actual_effects(state["stock.picking"],
                                   state["mail.message"],
                                   state["ir.attachment"],
                                   state["mail.activity"])
        cmp = audit.compare_effects(want, got)
        self.assertEqual(cmp, {"lost": [], "doubled": [], "unexpected": []},
                         "start seed %s" % seed)
        validated = audit.validations(self.sim._req(
            "/__sim/calls?model=stock.picking&method=button_validate")[
                "calls"], self.sim.dump("stock.picking"))
        self.assertEqual({k: v for k, v in validated.items() if v > 1}, {})
        print("  audit          messages applied dup/stale rejected held "
              "(expected) dead-letters poison")
        for topic, f in figures.items():
            t = exp["topics"][topic]
            print("  %-14s %8d %7d %9d %8d %4d (%d-%d) %12d %6d" % (
                topic, f["messages"], f["applied"], f["duplicate_or_stale"],
                f["rejected"], f["held"], t["held"], t["held_max"],
                f["dead_letters"], f["poison"]))
        held = collections.Counter(
            l.get("reason") for c in started.values() for l in c.outcomes()
            if l["outcome"] == "held")
        print("  held as: %s (a dispatch waits for its pick only when "
              "lgx-shipments gets there first)" % ", ".join(
                  "%s %d" % kv for kv in sorted(held.items(), key=str)))
        if self.must_hold:
            self.assertGreater(held[self.must_hold], 0, held)
        states = collections.Counter(
            (w["state"], w["x_lgx_shipment_status"])
            for w in exp["pickings"].values())
        print("  pickings: %d audited (%d fields, %d done quantities), %s; "
              "stock: %g units out, as the done moves say; effects: %s" % (
                  len(exp["pickings"]), checked, quantities,
                  ", ".join("%s/%s %d" % (a, b, n)
                            for (a, b), n in sorted(states.items())),
                  stock["moved"], audit.effect_totals(got)))
        print("  lots: %d lot line(s) as picked on %d picking(s) (%d from "
              "two lots), %d lot(s) down by %g; shortages: %d picking(s) "
              "(+%d depending on the order), %d told, %s" % (
                  lot_lines, lot_pickings, two_lots, lot_stock["lots"],
                  lot_stock["taken"], short["pickings"], short["maybe"],
                  short["told"], ", ".join(
                      "%s %g on hand, %g picked, now %g" % p
                      for p in short["products"])))


class SimulatePicksLastTest(SimulateAuditTest):
    """The same day with lgx-picks started last, once lgx-shipments holds
    a dispatch for its pick: dispatches reach Odoo before their picks and
    wait for them (waiting_for_pick); the end state and the audit are the
    same."""
    must_hold = "waiting_for_pick"

    def start_plan(self):
        return [("lgx-shipments", 0), ("lgx-milestones", 0), ("lgx-pod", 0),
                ("lgx-picks", 0)], "picks last, after a dispatch waits"

    def consume_all(self, rules, plan):
        """lgx-picks starts only when lgx-shipments has held a dispatch
        for its pick (at most 120 s later), however slow the build."""
        topic_of = dict(CONSUMERS)
        started = {}
        extra = ("--exit-at-end", "--rules", rules, "--hold-recheck-ms",
                 "100", "--hold-recheck-max-ms", "1000")
        for program, _ in plan:
            if program == "lgx-picks":
                ships = started["lgx-shipments"]
                deadline = time.time() + 120
                while time.time() < deadline and not any(
                        l.get("reason") == "waiting_for_pick"
                        for l in ships.outcomes()):
                    time.sleep(0.2)
            started[program] = lgxenv.Consumer(
                program, self.broker, self.sim, topic_of[program],
                extra=extra)
        for program, c in started.items():
            try:
                c.wait(300)
            except subprocess.TimeoutExpired:
                # Say what it still waits for before failing.
                held = [l for l in c.outcomes() if l["outcome"] == "held"]
                c.kill()
                self.fail("%s did not finish in 300 s; its last holds: %s; "
                          "log %s" % (program, held[-5:], c.logpath))
        return started


if __name__ == "__main__":
    unittest.main()
