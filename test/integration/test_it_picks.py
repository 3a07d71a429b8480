"""Integration tests of lgx-picks: a real Kafka broker, the Odoo simulator,
lgx-produce and lgx-picks as separate processes."""
import json
import os
import signal
import time
import unittest

import lgxenv
from lgxenv import pick_event, produce, run_consumer
from test_it_shipments import dispatch_held

broker = lgxenv.shared_broker()


def m2o(v):
    """The id of a many2one as the simulator dumps it ([id, name])."""
    return v[0] if isinstance(v, list) else v


def expire_across_restarts(test, broker, odoo, topic, directory):
    """The pick on topic waits for its picking (hold_ms 9 s). Its deadline
    counts from when it was first held: two runs of lgx-picks shorter than
    the hold, stopped in between, do not start it again, and the third run
    dead-letters it at once, first_failure being the first hold."""
    rules = lgxenv.rules_file(directory, pick_confirmed={"hold_ms": 9000})
    extra = ("--rules", rules, "--hold-recheck-ms", "200")
    first_held = None
    for run in range(2):
        c = lgxenv.Consumer("lgx-picks", broker, odoo, topic, extra=extra)
        deadline = time.time() + 60
        while not c.was_held() and time.time() < deadline:
            time.sleep(0.05)
        if first_held is None:
            first_held = time.time() * 1000
        time.sleep(2)
        c.signal()
        test.assertEqual(c.wait(30), 0)
        test.assertEqual(c.summary()["rejected"], 0)
        if run == 1:
            test.assertTrue(any("keep when they were first held"
                                in l.get("msg", "") for l in c.lines()))
    started = time.time()
    c = run_consumer("lgx-picks", broker, odoo, topic, extra=extra)
    test.assertEqual(c.summary()["rejected"], 1)
    # Well before a hold counted from this start would end.
    test.assertLess(time.time() - started, 8)
    h = broker.read(topic + ".dlq")[0]["headers"]
    test.assertEqual(h["lgx.dlq.reason"], "hold_expired")
    test.assertRegex(h["lgx.dlq.message"],
                     r"^still missing after [89] s held \(hold_ms 9000\)")
    test.assertLess(abs(int(h["lgx.dlq.first_failure"]) - first_held), 1500)

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
        c = run_consumer("lgx-picks", broker, self.sim, self.topic, **kw)
        with open(c.logpath) as f:
            self.assertNotIn(lgxenv.API_KEY, f.read())
        return c

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

    def test_picks_in_batches_share_their_reads(self):
        # 40 pickings, one pick each (complete, short or partial), a key
        # each; 2 workers taking up to 8 picks at once.
        names = [self.assigned_picking(5) for _ in range(40)]
        qty = [5, 3, 2]
        events = [pick_event(n, [("SKU-1001", qty[i % 3])],
                             complete=i % 3 != 2)
                  for i, n in enumerate(names)]
        self.produce_ok(events)
        self.sim._req("/__sim/calls/reset", {})
        c = self.consume(extra=("--concurrency", "2", "--batch-size", "8"))
        self.assertEqual(c.proc.returncode, 0)
        self.assertEqual(c.summary()["applied"], 40, c.outcomes())
        for i, name in enumerate(names):
            p = self.sim.picking(name)
            self.assertEqual(p["state"], "assigned" if i % 3 == 2 else "done",
                             name)
            self.assertEqual([m["quantity"] for m in self.sim.moves(p["id"])],
                             [qty[i % 3]], name)
        calls = [(x.get("model"), x.get("method"))
                 for x in self.sim.calls()["calls"]]
        # The reads of 8 picks in one call each, 4 or more on average.
        for read in (("stock.picking", "search_read"),
                     ("stock.move", "search_read")):
            self.assertLessEqual(calls.count(read), 10, read)
        self.assertEqual(calls.count(("stock.picking", "button_validate")),
                         27)

    def test_null_sink_applies_every_pick(self):
        # --odoo-null (the bench's in-process Odoo) answers batched reads
        # as single ones: every pick applies, nothing reaches the simulator.
        # Picks that name their warehouse, as the bench's do: the null
        # Odoo's picking is of that warehouse and reserved enough (no
        # shortage, no quant read).
        events = [pick_event("NULL/%03d" % i, [("SKU-%d" % (i % 7), 5)],
                             warehouse="WH" if i % 2 else None)
                  for i in range(40)]
        self.produce_ok(events)
        self.sim._req("/__sim/calls/reset", {})
        c = self.consume(extra=("--odoo-null",))
        self.assertEqual(c.proc.returncode, 0)
        self.assertEqual(c.summary()["applied"], 40, c.outcomes()[:3])
        self.assertFalse([o for o in c.outcomes() if "shortage" in o["msg"]])
        self.assertEqual(self.sim.calls()["calls"], [])

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

    def test_draft_picking_is_held_then_dead_lettered(self):
        # Odoo would validate a draft picking; lgx holds the pick until the
        # order is released, and dead-letters it at the rule's deadline.
        draft = next(p for p in self.sim.dump("stock.picking")
                     if p["state"] == "draft")
        self.produce_ok([pick_event(draft["name"], [("SKU-1001", 1)])])
        rules = lgxenv.rules_file(self.sim.dir,
                                  pick_confirmed={"hold_ms": 1500})
        c = self.consume(extra=("--rules", rules,
                                "--hold-recheck-ms", "200"))
        self.assertEqual(self.sim.picking(draft["name"])["state"], "draft")
        s = c.summary()
        self.assertEqual((s["held"], s["rejected"]), (1, 1))
        dlq = broker.read(self.topic + ".dlq")
        self.assertEqual(len(dlq), 1)
        h = dlq[0]["headers"]
        self.assertEqual(h["lgx.dlq.reason"], "hold_expired")
        # What is still missing, not only that it waited.
        self.assertRegex(h["lgx.dlq.message"],
                         r"^still missing after \d+ s held \(hold_ms 1500\): "
                         r"waiting_for_precondition: ")
        self.assertIn("%s is draft, not waiting, confirmed, assigned or done"
                      % draft["name"], h["lgx.dlq.message"])
        # first_failure is when it was first held, not when it expired.
        self.assertGreaterEqual(int(h["lgx.dlq.last_failure"])
                                - int(h["lgx.dlq.first_failure"]), 1500)
        self.assertEqual(h["lgx.dlq.topic"], self.topic)
        self.assertEqual(h["lgx.dlq.offset"], "0")
        self.assertEqual(dlq[0]["key"], draft["name"])

    def test_hold_deadline_survives_restarts(self):
        draft = next(p for p in self.sim.dump("stock.picking")
                     if p["state"] == "draft")
        self.produce_ok([pick_event(draft["name"], [("SKU-1001", 1)])])
        expire_across_restarts(self, broker, self.sim, self.topic,
                               self.sim.dir)
        self.assertEqual(self.sim.picking(draft["name"])["state"], "draft")

    def test_held_pick_applies_once_the_order_is_released(self):
        draft = next(p for p in self.sim.dump("stock.picking")
                     if p["state"] == "draft")
        moves = self.sim.moves(draft["id"])
        lines = [(next(p["default_code"]
                       for p in self.sim.dump("product.product")
                       if p["id"] == m["product_id"][0]),
                  m["product_uom_qty"]) for m in moves]
        self.produce_ok([pick_event(draft["name"], lines, complete=False)])
        c = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic,
                            extra=("--exit-at-end", "--hold-recheck-ms",
                                   "200"))
        deadline = time.time() + 30
        while time.time() < deadline and not any(
                l["outcome"] == "held" for l in c.outcomes()):
            time.sleep(0.1)
        self.assertTrue(any(l["outcome"] == "held" for l in c.outcomes()))
        # The order is released in Odoo: the held pick goes through.
        self.sim.call("stock.picking", "action_confirm", ids=[draft["id"]])
        self.assertEqual(c.wait(30), 0)
        s = c.summary()
        self.assertEqual((s["held"], s["applied"], s["rejected"]), (1, 1, 0))
        self.assertTrue(all(m["picked"] for m in
                            self.sim.moves(draft["id"])))

    def test_wrong_source_and_future_and_older_events(self):
        name = self.assigned_picking(6)
        late = pick_event(name, [("SKU-1001", 2)], complete=False,
                          occurred_at="2026-11-27T08:00:00.000Z")
        early = pick_event(name, [("SKU-1001", 1)], complete=False,
                           occurred_at="2026-11-27T07:00:00.000Z")
        alien = pick_event(name, [("SKU-1001", 5)], complete=False,
                           source="tms-road")
        future = pick_event(name, [("SKU-1001", 5)], complete=False,
                            occurred_at="2099-01-01T00:00:00.000Z")
        self.produce_ok([late, early, alien, future])
        c = self.consume()
        by_id = {l["event_id"]: l for l in c.outcomes()}
        self.assertEqual(by_id[late["event_id"]]["outcome"], "applied")
        self.assertEqual(by_id[early["event_id"]]["reason"],
                         "older_than_applied")
        self.assertEqual(by_id[early["event_id"]]["outcome"], "stale")
        self.assertEqual(by_id[alien["event_id"]]["reason"],
                         "source_not_allowed")
        self.assertEqual(by_id[future["event_id"]]["reason"], "future_dated")
        m = self.sim.moves(self.sim.picking(name)["id"])[0]
        self.assertEqual(m["quantity"], 2)

    def test_field_not_owned_is_refused(self):
        name = self.assigned_picking(6)
        self.produce_ok([pick_event(name, [("SKU-1001", 2)])])
        rules = lgxenv.rules_file(self.sim.dir, pick_confirmed={
            "writes": ["stock.move.picked", "stock.picking.x_lgx_clock_picks"]})
        c = self.consume(extra=("--rules", rules))
        self.assertEqual(c.outcomes()[0]["reason"], "field_not_owned")
        self.assertEqual(self.sim.picking(name)["state"], "assigned")

    def test_cancelled_picking_refuses_the_pick(self):
        # Cancelled with no carrier booking: refused, nothing else.
        cancelled = next(p for p in self.sim.dump("stock.picking")
                         if p["state"] == "cancel")
        self.produce_ok([pick_event(cancelled["name"], [("SKU-1001", 1)])])
        o = self.consume().outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("rejected", "picking_cancelled"))
        self.assertIn("picking %s was cancelled in Odoo (last changed by "
                      % cancelled["name"], o["msg"])
        self.assertTrue(o["msg"].endswith(": the pick is not applied"), o)
        self.assertFalse([a for a in self.sim.dump("mail.activity")
                          if a["res_id"] == cancelled["id"]])

    def test_cancelled_booked_picking_tells_the_transport_team(self):
        name = self.assigned_picking(2)
        pid = self.sim.picking(name)["id"]
        self.sim.call("stock.picking", "write", [pid],
                      vals={"x_lgx_shipment_ref": "SHP-C1",
                            "x_lgx_shipment_status": "labelled"})
        self.sim.call("stock.picking", "action_cancel", [pid])
        self.produce_ok([pick_event(name, [("SKU-1001", 2)])])
        o = self.consume().outcomes()[0]
        self.assertEqual(o["reason"], "picking_cancelled")
        self.assertIn("(cancelled by ", o["msg"])
        p = self.sim.picking(name)
        self.assertEqual((p["state"], p["x_lgx_shipment_status"]),
                         ("cancel", "picking_cancelled"))
        acts = [a for a in self.sim.dump("mail.activity")
                if a["res_id"] == pid]
        self.assertEqual([a["summary"] for a in acts],
                         ["Cancel the carrier booking of SHP-C1"])
        self.assertEqual([m["picked"] for m in self.sim.moves(pid)], [False])

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

    def test_replay_keeps_a_persons_edit(self):
        """A partial pick of 3, then a person writes 4 on the move in Odoo:
        reading the topic again (a replay, another group) finds the pick
        already applied and leaves the 4."""
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 3)], complete=False)])
        self.assertEqual(self.consume().summary()["applied"], 1)
        p = self.sim.picking(name)
        move = self.sim.moves(p["id"])[0]
        self.assertEqual(move["quantity"], 3)
        self.sim.call("stock.move", "write", ids=[move["id"]],
                      vals={"quantity": 4})
        c = self.consume(group="replay-" + self.topic)
        o = c.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("stale", "already_applied"), o)
        self.assertEqual(self.sim.moves(p["id"])[0]["quantity"], 4)
        self.assertEqual(self.sim.picking(name)["state"], "assigned")

    def test_later_pick_over_a_persons_edit_is_a_conflict(self):
        """A partial pick of 3, a person writes 4 in Odoo, then the
        warehouse reports 5 complete: a conflict, recorded once (one dead
        letter, one note, one activity) however often the topic is read
        again; the person's 4 stays and nothing is validated."""
        name = self.assigned_picking(5)
        first = pick_event(name, [("SKU-1001", 3)], complete=False)
        self.produce_ok([first])
        self.assertEqual(self.consume().summary()["applied"], 1)
        pid = self.sim.picking(name)["id"]
        move = self.sim.moves(pid)[0]
        self.assertEqual((move["quantity"], move["x_lgx_quantity"]), (3, 3))
        self.sim.call("stock.move", "write", ids=[move["id"]],
                      vals={"quantity": 4})
        second = pick_event(name, [("SKU-1001", 5)],
                            occurred_at="2026-11-27T09:00:00.000Z")
        self.produce_ok([second])
        for group in (None, "replay-a-" + self.topic,
                      "replay-b-" + self.topic):
            c = self.consume(group=group)
            o = next(l for l in c.outcomes()
                     if l["event_id"] == second["event_id"])
            self.assertEqual((o["outcome"], o["reason"], o["discrepancy"]),
                             ("rejected", "edited_in_odoo", "edited_in_odoo"))
            self.assertRegex(o["msg"], r"SKU-1001 4 in Odoo \(changed by "
                             r"[^)]+ UTC\), lgx wrote 3, the pick says 5")
        self.assertEqual([(m["quantity"], m["x_lgx_quantity"])
                          for m in self.sim.moves(pid)], [(4, 3)])
        self.assertEqual(self.sim.picking(name)["state"], "assigned")
        notes = [m for m in self.picking_notes(pid)
                 if "would overwrite" in m["body"]]
        self.assertEqual(len(notes), 1)
        self.assertEqual([a["summary"] for a in self.picking_activities(pid)],
                         ["lgx: pick conflicts with an edit on " + name])
        dlq = broker.read(self.topic + ".dlq")
        self.assertEqual([d["headers"]["lgx.dlq.reason"] for d in dlq],
                         ["edited_in_odoo"])
        # The shipment's dispatch waits for the validation; the person
        # validates with the 4: the dispatch records it, the 4 ships.
        sc = dispatch_held(self, broker, self.sim, self.topic + ".shipments",
                           "SHP-E1", name, "TRK-E1")
        self.sim.call("stock.picking", "button_validate", ids=[pid],
                      context={"skip_sms": True, "skip_backorder": True,
                               "picking_ids_not_to_backorder": [pid]})
        self.assertEqual(self.sim.picking(name)["state"], "done")
        self.assertEqual(sc.wait(60), 0)
        self.assertEqual(sc.summary()["applied"], 3, sc.outcomes())
        p = self.sim.picking(name)
        self.assertEqual((p["state"], p["x_lgx_shipment_status"]),
                         ("done", "dispatched"))
        self.assertEqual([m["quantity"] for m in self.sim.moves(pid)], [4])

    def test_pick_after_a_different_validation_is_a_discrepancy(self):
        """Someone validated the picking in Odoo with 5; the warehouse's
        pick then reports 3. lgx changes nothing, dead-letters the pick
        with both figures and gives the stock team an activity."""
        name = self.assigned_picking(5)
        pid = self.sim.picking(name)["id"]
        self.sim.call("stock.picking", "button_validate", ids=[pid],
                      context={"skip_sms": True})
        self.assertEqual(self.sim.picking(name)["state"], "done")
        ev = pick_event(name, [("SKU-1001", 3)])
        self.produce_ok([ev])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("rejected", "pick_after_validation"), o)
        self.assertIn("SKU-1001 picked 3, validated 5", o["msg"])
        self.assertEqual([m["quantity"] for m in self.sim.moves(pid)], [5])
        acts = [a for a in self.sim.dump("mail.activity")
                if a.get("res_model") == "stock.picking"
                and a.get("res_id") == pid]
        self.assertEqual(len(acts), 1, acts)
        self.assertIn("pick after validation", acts[0]["summary"])
        # Nobody configured: the picking's responsible, due today.
        self.assertEqual(acts[0]["user_id"][0],
                         self.sim.picking(name)["user_id"][0])
        self.assertEqual(acts[0]["date_deadline"],
                         time.strftime("%Y-%m-%d", time.gmtime()))
        dlq = broker.read(self.topic + ".dlq")
        self.assertEqual([d["headers"]["lgx.dlq.reason"] for d in dlq],
                         ["pick_after_validation"])
        # Read again (a replay or a redrive): still no second activity.
        again = self.consume(group="replay-" + self.topic)
        self.assertEqual(again.outcomes()[0]["reason"],
                         "pick_after_validation")
        acts = [a for a in self.sim.dump("mail.activity")
                if a.get("res_model") == "stock.picking"
                and a.get("res_id") == pid]
        self.assertEqual(len(acts), 1, acts)

    def test_discrepancy_activity_goes_to_the_default_user(self):
        """No kind user, no responsible: the default user, by id."""
        self.sim.seed("res.users", [{"name": "Stock Desk",
                                     "login": "stock.desk"}])
        desk = next(u["id"] for u in self.sim.dump("res.users")
                    if u["login"] == "stock.desk")
        name = self.assigned_picking(5)
        pid = self.sim.picking(name)["id"]
        self.sim.call("stock.picking", "write", ids=[pid],
                      vals={"user_id": False})
        self.sim.call("stock.picking", "button_validate", ids=[pid],
                      context={"skip_sms": True})
        self.produce_ok([pick_event(name, [("SKU-1001", 3)])])
        c = self.consume(extra=("--activity-user", "stock.desk",
                                "--activity-deadlines", "discrepancy=1"))
        self.assertEqual(c.outcomes()[0]["reason"], "pick_after_validation")
        acts = [a for a in self.sim.dump("mail.activity")
                if a.get("res_model") == "stock.picking"
                and a.get("res_id") == pid]
        self.assertEqual(len(acts), 1, acts)
        self.assertEqual(acts[0]["user_id"][0], desk)
        self.assertEqual(acts[0]["date_deadline"],
                         time.strftime("%Y-%m-%d",
                                       time.gmtime(time.time() + 86400)))

    def test_pick_after_the_same_validation_is_stale(self):
        name = self.assigned_picking(4)
        pid = self.sim.picking(name)["id"]
        self.sim.call("stock.picking", "button_validate", ids=[pid],
                      context={"skip_sms": True})
        self.produce_ok([pick_event(name, [("SKU-1001", 4)])])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("stale", "already_applied"), o)

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

    # ---- lots and serial numbers ----

    def lot_picking(self, code, qty):
        """A picking of qty of code reserved by Odoo (lots first in first
        out for a tracked product); its record."""
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == code)
        name = "WH/OUT/L%d" % (time.monotonic_ns() % 10**9)
        self.sim.seed("stock.picking", [{
            "name": name, "state": "confirmed",
            "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": qty,
                          "state": "confirmed"}]}])
        p = self.sim.picking(name)
        self.sim.call("stock.picking", "action_assign", [p["id"]])
        return self.sim.picking(name), pid

    def lots_of(self, picking_id):
        """{lot name: quantity} of the picking's move lines."""
        out = {}
        for l in self.sim.dump("stock.move.line"):
            if m2o(l.get("picking_id")) == picking_id:
                lot = l["lot_id"][1] if l.get("lot_id") else None
                out[lot] = out.get(lot, 0) + l["quantity"]
        return out

    def quant(self, pid, lot):
        lot_id = next(l["id"] for l in self.sim.dump("stock.lot")
                      if l["name"] == lot and m2o(l["product_id"]) == pid)
        return sum(q["quantity"] for q in self.sim.dump("stock.quant")
                   if m2o(q["product_id"]) == pid
                   and m2o(q.get("lot_id")) == lot_id
                   and m2o(q["location_id"]) == 8)

    def test_pick_of_two_lots_records_exactly_those_lots(self):
        p, pid = self.lot_picking("SKU-1013", 10)
        # Odoo reserved the oldest lot for all 10.
        self.assertEqual(self.lots_of(p["id"]), {"SKU-1013-L001": 10})
        self.produce_ok([pick_event(p["name"], [
            ("SKU-1013", 3, "SKU-1013-L001"),
            ("SKU-1013", 7, "SKU-1013-L002")])])
        c = self.consume()
        self.assertEqual(c.summary()["applied"], 1, c.outcomes())
        self.assertIn("lots SKU-1013-L001 3, SKU-1013-L002 7",
                      c.outcomes()[0]["msg"])
        self.assertEqual(self.sim.picking(p["name"])["state"], "done")
        self.assertEqual(self.lots_of(p["id"]),
                         {"SKU-1013-L001": 3, "SKU-1013-L002": 7})
        self.assertEqual((self.quant(pid, "SKU-1013-L001"),
                          self.quant(pid, "SKU-1013-L002")), (27, 13))
        # A replay after validation changes nothing.
        again = self.consume(group="replay-" + self.topic)
        o = again.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("stale", "already_applied"), o)
        self.assertEqual(self.quant(pid, "SKU-1013-L002"), 13)

    def test_pick_not_complete_sets_lots_and_replays_free(self):
        p, pid = self.lot_picking("SKU-1013", 10)
        self.produce_ok([pick_event(p["name"], [
            ("SKU-1013", 4, "SKU-1013-L002")], complete=False)])
        self.consume()
        self.assertEqual(self.lots_of(p["id"]), {"SKU-1013-L002": 4})
        self.assertEqual(self.sim.picking(p["name"])["state"], "assigned")
        self.sim._req("/__sim/calls/reset", {})
        again = self.consume(group="replay-" + self.topic)
        o = again.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("stale", "already_applied"), o)
        calls = [(x.get("model"), x.get("method"))
                 for x in self.sim.calls()["calls"]]
        self.assertNotIn(("stock.move.line", "create"), calls)
        self.assertNotIn(("stock.move.line", "unlink"), calls)

    def test_serial_pick_of_three_units_records_three_serials(self):
        storable = ({"is_storable": True} if self.version >= 18
                    else {"type": "product", "detailed_type": "product"})
        pid = self.sim.seed("product.product", [dict(
            name="Serial scanner", default_code="SKU-SER", tracking="serial",
            **storable)])[0]
        self.sim.seed("stock.lot", [{"name": "SN-%d" % i, "product_id": pid}
                                    for i in range(1, 5)])
        p, _ = self.lot_picking("SKU-SER", 3)
        self.produce_ok([pick_event(p["name"], [
            ("SKU-SER", 1, "SN-1"), ("SKU-SER", 1, "SN-3"),
            ("SKU-SER", 1, "SN-4")])])
        c = self.consume()
        self.assertEqual(c.summary()["applied"], 1, c.outcomes())
        self.assertEqual(self.sim.picking(p["name"])["state"], "done")
        self.assertEqual(self.lots_of(p["id"]),
                         {"SN-1": 1, "SN-3": 1, "SN-4": 1})
        lines = [l for l in self.sim.dump("stock.move.line")
                 if m2o(l.get("picking_id")) == p["id"]]
        self.assertEqual([l["quantity"] for l in lines], [1, 1, 1])

    def test_serial_picked_twice_is_refused(self):
        p, pid = self.lot_picking("SKU-1013", 2)
        storable = ({"is_storable": True} if self.version >= 18
                    else {"type": "product", "detailed_type": "product"})
        spid = self.sim.seed("product.product", [dict(
            name="Serial scanner", default_code="SKU-SER2",
            tracking="serial", **storable)])[0]
        self.sim.seed("stock.lot", [{"name": "SN2-1", "product_id": spid}])
        q, _ = self.lot_picking("SKU-SER2", 2)
        self.produce_ok([pick_event(q["name"], [("SKU-SER2", 2, "SN2-1")])])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("rejected", "invalid_field"), o)
        self.assertIn("SN2-1", o["msg"])

    def test_unknown_lot_is_refused_unless_the_rules_create_it(self):
        p, pid = self.lot_picking("SKU-1013", 5)
        self.produce_ok([pick_event(p["name"], [
            ("SKU-1013", 5, "SKU-1013-NEW")])])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("rejected", "unknown_lot"), o)
        self.assertIn("SKU-1013-NEW", o["msg"])
        self.assertIn("SKU-1013", o["msg"])
        self.assertEqual(self.sim.picking(p["name"])["state"], "assigned")
        self.assertEqual(self.lots_of(p["id"]), {"SKU-1013-L001": 5})
        self.assertEqual([d["headers"]["lgx.dlq.reason"]
                          for d in broker.read(self.topic + ".dlq")],
                         ["unknown_lot"])
        # With create_lots, the same pick creates the lot once.
        rules = lgxenv.rules_file(self.sim.dir,
                                  pick_confirmed={"create_lots": True})
        for group in ("create-1", "create-2"):
            c = self.consume(group=group + self.topic,
                             extra=("--rules", rules))
        self.assertEqual(c.outcomes()[0]["reason"], "already_applied")
        lots = [l for l in self.sim.dump("stock.lot")
                if l["name"] == "SKU-1013-NEW"]
        self.assertEqual(len(lots), 1)
        self.assertEqual(self.lots_of(p["id"]), {"SKU-1013-NEW": 5})
        self.assertEqual(self.sim.picking(p["name"])["state"], "done")

    def test_pick_after_validation_with_other_lots_is_a_discrepancy(self):
        p, pid = self.lot_picking("SKU-1013", 4)
        self.produce_ok([pick_event(p["name"], [
            ("SKU-1013", 4, "SKU-1013-L001")])])
        self.assertEqual(self.consume().summary()["applied"], 1)
        # Another pick, later (the same time would be the first read
        # again: already_applied).
        self.produce_ok([pick_event(p["name"], [
            ("SKU-1013", 4, "SKU-1013-L002")],
            occurred_at="2026-11-27T08:05:00.000Z")])
        c = self.consume()
        o = c.outcomes()[-1]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("rejected", "pick_after_validation"), o)
        self.assertIn("other lots", o["msg"])
        self.assertEqual(self.lots_of(p["id"]), {"SKU-1013-L001": 4})
        self.assertEqual(self.quant(pid, "SKU-1013-L002"), 20)

    def test_lot_picks_in_a_batch_share_their_reads(self):
        # 24 picks of 2 units (48 of the 50 in stock), a key each; 2
        # workers taking up to 8 at once.
        pickings = [self.lot_picking("SKU-1013", 2)[0] for _ in range(24)]
        lots = ("SKU-1013-L001", "SKU-1013-L002")
        self.produce_ok([pick_event(p["name"], [
            ("SKU-1013", 1, lots[0]), ("SKU-1013", 1, lots[1])])
            for p in pickings])
        self.sim._req("/__sim/calls/reset", {})
        c = self.consume(extra=("--concurrency", "2", "--batch-size", "8"))
        self.assertEqual(c.summary()["applied"], 24, c.outcomes())
        for p in pickings:
            self.assertEqual(self.lots_of(p["id"]), {lots[0]: 1, lots[1]: 1})
        calls = [(x.get("model"), x.get("method"))
                 for x in self.sim.calls()["calls"]]
        # The reads of up to 8 picks in one call each, as the pickings'.
        batches = calls.count(("stock.picking", "search_read"))
        self.assertLessEqual(batches, 12)
        for read in (("stock.move.line", "search_read"),
                     ("stock.lot", "search_read")):
            self.assertEqual(calls.count(read), batches, read)
        self.assertEqual(calls.count(("stock.move.line", "create")), 24)

    def test_lot_created_meanwhile_is_tried_again(self):
        # Odoo refuses a lot another pick created since the read (a
        # ValidationError): the pick is tried again and finds it.
        p, pid = self.lot_picking("SKU-1013", 2)
        self.produce_ok([pick_event(p["name"], [
            ("SKU-1013", 2, "SKU-1013-RACE")])])
        self.sim._req("/__sim/faults", {
            "api": "*", "model": "stock.lot", "method": "create",
            "kind": "user_error", "times": 1,
            "message": "The combination of lot/serial number and product "
                       "must be unique within a company."})
        rules = lgxenv.rules_file(self.sim.dir,
                                  pick_confirmed={"create_lots": True})
        c = self.consume(extra=("--rules", rules))
        self.assertEqual(c.summary()["applied"], 1, c.outcomes())
        self.assertEqual(self.lots_of(p["id"]), {"SKU-1013-RACE": 2})
        self.assertEqual(self.sim._req("/__sim/faults")["rules"][0]["fired"],
                         1)
        self.assertEqual(len([l for l in self.sim.dump("stock.lot")
                              if l["name"] == "SKU-1013-RACE"]), 1)

    def test_tracked_line_without_lot_is_refused(self):
        p, pid = self.lot_picking("SKU-1013", 5)
        self.produce_ok([pick_event(p["name"], [("SKU-1013", 5)])])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]),
                         ("rejected", "lot_required"), o)
        self.assertEqual(self.sim.picking(p["name"])["state"], "assigned")

    def test_lot_of_untracked_product_is_ignored_and_said(self):
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 5, "X-1")])])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual(o["outcome"], "applied", o)
        self.assertIn("lot X-1 of SKU-1001 ignored", o["msg"])


    # ---- shortages ----

    def short_picking(self, code="SKU-1001", demand=600):
        """A picking of more of code than Odoo has (SKU-1001: 500 in
        stock): Odoo reserves what there is. Its record and product."""
        return self.lot_picking(code, demand)

    def picking_notes(self, picking_id):
        """Messages with a body: Odoo's tracking of the state has none."""
        return [m for m in self.sim.dump("mail.message")
                if m.get("model") == "stock.picking"
                and m.get("res_id") == picking_id and m.get("body")]

    def picking_activities(self, picking_id):
        return [a for a in self.sim.dump("mail.activity")
                if a.get("res_model") == "stock.picking"
                and a.get("res_id") == picking_id]

    def stock_quant(self, pid):
        return sum(q["quantity"] for q in self.sim.dump("stock.quant")
                   if m2o(q["product_id"]) == pid
                   and m2o(q["location_id"]) == 8)

    def shortage_said(self, picking):
        """What lgx says of a pick of 600 on picking: what Odoo reserved
        (SKU-1001 has 500, other pickings hold a few) is all it has."""
        have = self.sim.moves(picking["id"])[0]["quantity"]
        return "SKU-1001 picked 600, %g in Odoo at WH/Stock (%g short)" % (
            have, 600 - have)

    def assert_told(self, picking, policy, said):
        notes = [n for n in self.picking_notes(picking["id"])
                 if "Shortage policy " + policy in (n.get("body") or "")]
        self.assertEqual(len(notes), 1, self.picking_notes(picking["id"]))
        self.assertIn(said, notes[0]["body"])
        acts = self.picking_activities(picking["id"])
        self.assertEqual(len(acts), 1, acts)
        self.assertIn("shortage on " + picking["name"], acts[0]["summary"])
        self.assertTrue(acts[0].get("user_id"), acts[0])

    def test_shortage_applied_by_default_and_said(self):
        """The default policy applies the pick (the warehouse holds the
        goods): Odoo's stock goes below zero, and a note, an activity,
        the outcome line and its discrepancy field say so."""
        p, pid = self.short_picking()
        said = self.shortage_said(p)
        self.produce_ok([pick_event(p["name"], [("SKU-1001", 600)])])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual(o["outcome"], "applied", o)
        self.assertIn("validated", o["msg"])
        self.assertIn("shortage (policy apply): " + said, o["msg"])
        self.assertEqual(o.get("discrepancy"), "shortage")
        self.assertEqual(self.sim.picking(p["name"])["state"], "done")
        self.assertEqual(self.stock_quant(pid), 500 - 600)
        self.assert_told(p, "apply", said)

    def test_pick_within_stock_reads_no_quants(self):
        # Reserved in full: no shortage, no quant read, no note.
        p, _ = self.short_picking(demand=50)
        self.produce_ok([pick_event(p["name"], [("SKU-1001", 50)])])
        self.sim._req("/__sim/calls/reset", {})
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual(o["outcome"], "applied", o)
        self.assertNotIn("shortage", o["msg"])
        calls = [(x.get("model"), x.get("method"))
                 for x in self.sim.calls()["calls"]]
        self.assertNotIn(("stock.quant", "search_read"), calls)
        self.assertEqual(self.picking_notes(p["id"]), [])
        # More than reserved but free in stock (another 30 free): not a
        # shortage either, though it costs the read.
        p, _ = self.short_picking(demand=20)
        self.topic += ".free"
        self.produce_ok([pick_event(p["name"], [("SKU-1001", 50)])])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual(o["outcome"], "applied", o)
        self.assertNotIn("shortage", o["msg"])

    def test_shortage_refused_by_policy(self):
        p, pid = self.short_picking()
        said = self.shortage_said(p)
        rules = lgxenv.rules_file(
            "/tmp", pick_confirmed={"shortage": {"wms-*": "refuse"}})
        self.produce_ok([pick_event(p["name"], [("SKU-1001", 600)])])
        c = self.consume(extra=("--rules", rules))
        o = c.outcomes()[0]
        self.assertEqual((o["outcome"], o["reason"]), ("rejected", "shortage"),
                         o)
        self.assertIn("nothing changed", o["msg"])
        self.assertEqual(self.sim.picking(p["name"])["state"], "assigned")
        self.assertFalse(any(m["picked"] for m in self.sim.moves(p["id"])))
        self.assert_told(p, "refuse", said)
        dlq = broker.read(self.topic + ".dlq")
        self.assertEqual([d["headers"]["lgx.dlq.reason"] for d in dlq],
                         ["shortage"])

    def test_shortage_held_until_odoo_has_it(self):
        p, pid = self.short_picking()
        said = self.shortage_said(p)
        rules = lgxenv.rules_file("/tmp", pick_confirmed={"shortage": "hold"})
        self.produce_ok([pick_event(p["name"], [("SKU-1001", 600)])])
        c = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic,
                            extra=("--exit-at-end", "--hold-recheck-ms",
                                   "200", "--hold-recheck-max-ms", "400",
                                   "--rules", rules))
        deadline = time.time() + 30
        while time.time() < deadline and not any(
                l["outcome"] == "held" for l in c.outcomes()):
            time.sleep(0.1)
        held = [l for l in c.outcomes() if l["outcome"] == "held"]
        self.assertEqual(len(held), 1, c.outcomes())
        self.assertEqual(held[0]["reason"], "shortage")
        self.assertEqual(held[0].get("discrepancy"), "shortage")
        status, body = c.http("/metrics")
        self.assertIn('lgx_stock_discrepancies_total{topic="%s",kind='
                      '"shortage",outcome="held"} 1' % self.topic, body)
        time.sleep(1)  # a few rechecks: still one note, one activity
        self.assert_told(p, "hold", said)
        self.assertEqual(self.sim.picking(p["name"])["state"], "assigned")
        # A count finds 200 more: the held pick applies, 100 left.
        q = self.sim.call("stock.quant", "create", [{
            "product_id": pid, "location_id": 8, "inventory_quantity": 700}],
            context={"inventory_mode": True})
        self.sim.call("stock.quant", "action_apply_inventory", ids=q)
        self.assertEqual(c.wait(30), 0)
        s = c.summary()
        self.assertEqual((s["held"], s["applied"], s["rejected"]), (1, 1, 0))
        self.assertEqual(self.sim.picking(p["name"])["state"], "done")
        self.assertEqual(self.stock_quant(pid), 100)

    # ---- units of measure ----

    def test_pick_in_dozens_converts_to_units(self):
        """Dozens (archived on 19, still a unit) convert into the move's
        Units; two lines of one product in two units add up."""
        name = self.assigned_picking(30)
        self.produce_ok([pick_event(name, [("SKU-1001", 2, None, "Dozens"),
                                           ("SKU-1001", 6)])])
        c = self.consume()
        o = c.outcomes()[0]
        self.assertEqual(o["outcome"], "applied", o)
        self.assertIn("units: SKU-1001 2 Dozens = 24 Units", o["msg"])
        p = self.sim.picking(name)
        self.assertEqual(p["state"], "done")
        self.assertEqual([m["quantity"] for m in self.sim.moves(p["id"])],
                         [30])

    def test_pick_in_units_that_do_not_convert_is_refused(self):
        name = self.assigned_picking(5)
        self.produce_ok([
            pick_event(name, [("SKU-1001", 2, None, "kg")]),
            pick_event(name, [("SKU-1001", 2, None, "Crates")])])
        c = self.consume()
        self.assertEqual([(o["outcome"], o["reason"]) for o in c.outcomes()],
                         [("rejected", "unit_mismatch"),
                          ("rejected", "unknown_unit")], c.outcomes())
        self.assertIn("SKU-1001 is counted in kg, its move in Units",
                      c.outcomes()[0]["msg"])
        p = self.sim.picking(name)
        self.assertEqual(p["state"], "assigned")
        self.assertFalse(any(m["picked"] for m in self.sim.moves(p["id"])))

    # ---- partner codes ----

    def mapping_rules(self, mapping):
        with open(os.path.join(lgxenv.TOP, "config", "rules.json")) as f:
            rules = json.load(f)
        rules["mapping"] = mapping
        path = "/tmp/rules-map-%d.json" % time.monotonic_ns()
        with open(path, "w") as f:
            json.dump(rules, f)
        return path

    def test_partner_skus_and_units_mapped_per_source(self):
        """wms-* names products by its own SKUs, mapped to Odoo barcodes,
        and counts in its own unit codes; a SKU or a unit code the
        mapping lacks is refused with its reason."""
        rules = self.mapping_rules({"wms-*": {
            "products": {"ACME-CHAIR": "400000000001"},
            "product_field": "barcode",
            "units": {"DZ": "Dozens", "EA": "Units"}}})
        name = self.assigned_picking(18)
        other = self.assigned_picking(5)
        self.produce_ok([
            pick_event(other, [("FURN-9", 5)]),
            pick_event(other, [("ACME-CHAIR", 5, None, "CRATE")]),
            pick_event(name, [("ACME-CHAIR", 1, None, "DZ"),
                              ("ACME-CHAIR", 6, None, "EA")])])
        c = self.consume(extra=("--rules", rules))
        by = {o.get("reason", ""): o for o in c.outcomes()}
        self.assertEqual(sorted(by), ["", "unmapped_product", "unmapped_unit"],
                         c.outcomes())
        self.assertIn("no mapping for product code 'FURN-9' of source "
                      "wms-north (rules mapping 'wms-*'.products)",
                      by["unmapped_product"]["msg"])
        self.assertEqual(by[""]["outcome"], "applied")
        self.assertIn("units: 400000000001 1 Dozens = 12 Units",
                      by[""]["msg"])
        p = self.sim.picking(name)
        self.assertEqual(p["state"], "done")
        self.assertEqual([m["quantity"] for m in self.sim.moves(p["id"])],
                         [18])
        self.assertEqual(self.sim.picking(other)["state"], "assigned")

    def test_pick_from_another_warehouse_is_refused(self):
        """A pick names its warehouse (mapped by the rules): the picking
        must be an operation of that warehouse."""
        self.sim.seed("stock.warehouse", [{"name": "North", "code": "WH2",
                                           "lot_stock_id": 8}])
        rules = self.mapping_rules({"wms-*": {
            "warehouses": {"N1": "WH", "N2": "WH2", "N3": "WH9"}}})
        names = [self.assigned_picking(5) for _ in range(4)]
        self.produce_ok([
            pick_event(names[0], [("SKU-1001", 5)], warehouse="N1"),
            pick_event(names[1], [("SKU-1001", 5)], warehouse="N2"),
            pick_event(names[2], [("SKU-1001", 5)], warehouse="N3"),
            pick_event(names[3], [("SKU-1001", 5)], warehouse="WH")])
        c = self.consume(extra=("--rules", rules))
        by = {o["key"]: o for o in c.outcomes()}
        got = [(by[n]["outcome"], by[n].get("reason", "")) for n in names]
        self.assertEqual(got, [("applied", ""),
                               ("rejected", "wrong_warehouse"),
                               ("rejected", "unknown_warehouse"),
                               ("rejected", "unmapped_warehouse")],
                         c.outcomes())
        self.assertIn("not of warehouse WH2", by[names[1]]["msg"])
        self.assertEqual([self.sim.picking(n)["state"] for n in names],
                         ["done", "assigned", "assigned", "assigned"])

class PicksJsonRpcTest(PicksTest):
    """The same behaviour against an Odoo 17 (JSON-RPC only)."""
    version = 17


if __name__ == "__main__":
    unittest.main()
