"""Integration tests of lgx-shipments: booked -> label -> dispatched or
cancelled, against the rules file, on a real broker and the simulator.
A dispatch validates nothing: the warehouse's pick does (one owner), so a
dispatch waits for its pickings to be done; a dispatch that reaches Odoo
before its pick ends with the picked quantities. A booking's carrier code
goes through the rules' mapping of its source."""
import json
import signal
import re
import time
import unittest

import lgxenv
from lgxenv import pick_event, produce, run_consumer

SCHEMA = "lgx.shipments.ShipmentEvent"
broker = lgxenv.shared_broker()


def ship_event(shipment, kind, body, source="tms-shipit",
               occurred_at="2026-11-27T08:30:00.000Z"):
    return {
        "event_id": "%s-%s-%d" % (shipment, kind, time.monotonic_ns()),
        "correlation_id": "order-" + shipment,
        "source_system": source,
        "occurred_at": occurred_at,
        "schema_version": 1,
        "shipment_id": shipment,
        "payload": {kind: body},
    }


def booked(shipment, names, carrier="Standard delivery", **kw):
    return ship_event(shipment, "ShipmentBooked",
                      {"picking_names": names, "carrier": carrier,
                       "service_level": "express"}, **kw)


def label(shipment, ref, doc=True, **kw):
    body = {"tracking_ref": ref, "label": None}
    if doc:
        body["label"] = {"filename": "label-%s.zpl" % ref,
                         "mimetype": "application/zpl",
                         "data": "^XA^FD%s^FS^XZ" % ref}
    return ship_event(shipment, "LabelCreated", body, **kw)


def dispatched(shipment, **kw):
    return ship_event(shipment, "ShipmentDispatched",
                      {"dispatched_at": "2026-11-27T15:40:00.000Z",
                       "packages": 2, "weight_kg": 18.4}, **kw)


def cancelled(shipment, **kw):
    return ship_event(shipment, "ShipmentCancelled",
                      {"reason": "customer changed the address"}, **kw)


def wait_until_held(c, timeout=30):
    """Waits until consumer c logged a held outcome; returns those."""
    deadline = time.time() + timeout
    while time.time() < deadline and not any(
            l["outcome"] == "held" for l in c.outcomes()):
        time.sleep(0.1)
    return [l for l in c.outcomes() if l["outcome"] == "held"]


def dispatch_held(test, broker, odoo, topic, shipment, picking, tracking):
    """Books shipment on picking, labels and dispatches it on topic, and
    starts lgx-shipments (--exit-at-end), which holds the dispatch for the
    pick; returns the consumer, which exits once everything applied."""
    r = produce(broker, topic, [booked(shipment, [picking]),
                                label(shipment, tracking, doc=False),
                                dispatched(shipment)],
                schema=SCHEMA, key_field="shipment_id")
    test.assertEqual(r.returncode, 0, r.stderr)
    sc = lgxenv.Consumer("lgx-shipments", broker, odoo, topic,
                         extra=("--exit-at-end", "--hold-recheck-ms", "300"))
    test.assertEqual([l["reason"] for l in wait_until_held(sc, 60)],
                     ["waiting_for_pick"], sc.outcomes())
    return sc


class ShipmentsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = lgxenv.Simulator(version=19)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.reset()
        self.topic = "it.shipments.%s.%d" % (self._testMethodName,
                                             self.sim.version)
        self.n = 0

    def picking(self, qty=5, state="done"):
        """A new outgoing picking (done: its pick validated it); returns
        its name."""
        self.n += 1
        name = "WH/OUT/S%d-%d" % (self.n, time.monotonic_ns() % 10**6)
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1001")
        self.sim.seed("stock.picking", [{
            "name": name, "state": state,
            "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": qty,
                          "quantity": qty, "picked": state == "done",
                          "state": state}]}])
        return name

    def send(self, events):
        r = produce(broker, self.topic, events, schema=SCHEMA,
                    key_field="shipment_id")
        self.assertEqual(r.returncode, 0, r.stderr)

    def consume(self, *extra):
        c = run_consumer("lgx-shipments", broker, self.sim, self.topic,
                         extra=extra)
        with open(c.logpath) as f:
            self.assertNotIn(lgxenv.API_KEY, f.read())
        return c

    def outcome(self, c, ev):
        return next(l for l in c.outcomes()
                    if l["event_id"] == ev["event_id"])

    def test_booked_labelled_dispatched(self):
        a, b = self.picking(), self.picking()
        evs = [booked("SHP-1", [a, b]), label("SHP-1", "TRK-1"),
               dispatched("SHP-1")]
        self.send(evs)
        c = self.consume()
        self.assertEqual(c.summary()["applied"], 3, c.outcomes())
        for name in (a, b):
            p = self.sim.picking(name)
            self.assertEqual(p["state"], "done")
            self.assertEqual(p["carrier_tracking_ref"], "TRK-1")
            self.assertEqual(p["carrier_id"][1], "Standard delivery")
            self.assertEqual(p["x_lgx_shipment_status"], "dispatched")
            self.assertEqual(p["x_lgx_shipment_ref"], "SHP-1")
            atts = [x for x in self.sim.dump("ir.attachment")
                    if x["res_model"] == "stock.picking"
                    and x["res_id"] == p["id"]]
            self.assertEqual([x["name"] for x in atts], ["label-TRK-1.zpl"])

    def test_dispatch_before_carrier_acceptance_waits_for_the_label(self):
        a = self.picking()
        self.send([booked("SHP-2", [a]), dispatched("SHP-2")])
        c = lgxenv.Consumer("lgx-shipments", broker, self.sim, self.topic,
                            extra=("--exit-at-end", "--hold-recheck-ms",
                                   "200"))
        wait_until_held(c)
        self.assertEqual(self.sim.picking(a)["x_lgx_shipment_status"],
                         "booked")
        # The label (carrier acceptance) arrives: the dispatch goes on.
        self.send([label("SHP-2", "TRK-2", doc=False)])
        self.assertEqual(c.wait(30), 0)
        s = c.summary()
        self.assertEqual((s["held"], s["applied"]), (1, 3), c.outcomes())
        self.assertEqual(self.sim.picking(a)["x_lgx_shipment_status"],
                         "dispatched")

    def test_dispatch_before_its_pick_ends_with_the_picked_quantities(self):
        """The dispatch reaches Odoo first (50 reserved, nothing picked):
        it waits for the pick, which picks 20 of 50; Odoo then holds 20
        done, not the 50 it had reserved."""
        a = self.picking(qty=50, state="assigned")
        ship = [booked("SHP-20", [a]), label("SHP-20", "TRK-20", doc=False),
                dispatched("SHP-20")]
        self.send(ship)
        c = lgxenv.Consumer("lgx-shipments", broker, self.sim, self.topic,
                            extra=("--exit-at-end", "--hold-recheck-ms",
                                   "200"))
        held = wait_until_held(c)
        self.assertEqual([l["reason"] for l in held], ["waiting_for_pick"])
        self.assertIn(a, held[0]["msg"])
        p = self.sim.picking(a)
        self.assertEqual(p["state"], "assigned")
        self.assertEqual([m["picked"] for m in self.sim.moves(p["id"])],
                         [False])
        # The warehouse's pick of 20, on its own topic and consumer.
        picks = self.topic + ".picks"
        r = produce(broker, picks, [pick_event(a, [("SKU-1001", 20)])])
        self.assertEqual(r.returncode, 0, r.stderr)
        pk = run_consumer("lgx-picks", broker, self.sim, picks,
                          extra=("--backorder", "none"))
        self.assertEqual(pk.summary()["applied"], 1, pk.outcomes())
        self.assertEqual(c.wait(30), 0)
        self.assertEqual(c.summary()["applied"], 3, c.outcomes())
        p = self.sim.picking(a)
        self.assertEqual((p["state"], p["x_lgx_shipment_status"]),
                         ("done", "dispatched"))
        moves = self.sim.moves(p["id"])
        self.assertEqual([(m["quantity"], m["picked"]) for m in moves],
                         [(20, True)])

    def test_dispatch_of_a_cancelled_picking_is_refused_at_once(self):
        # Booked and labelled, then a person cancels the picking in Odoo:
        # the dispatch is refused at once, naming who cancelled it and
        # when (Odoo's tracking of the state); the status says so and the
        # transport team gets one activity, however often it is replayed.
        a = self.picking(state="assigned")
        self.send([booked("SHP-21", [a]),
                   label("SHP-21", "TRK-21", doc=False)])
        self.consume()
        pid = self.sim.picking(a)["id"]
        self.sim.call("stock.picking", "action_cancel", [pid])
        self.assertEqual(self.sim.picking(a)["state"], "cancel")
        ev = dispatched("SHP-21")
        self.send([ev])
        for group in (None, "g-replay-%d" % time.monotonic_ns()):
            # The second run reads the whole topic again (a replay).
            c = run_consumer("lgx-shipments", broker, self.sim, self.topic,
                             group=group)
            o = self.outcome(c, ev)
            self.assertEqual((o["outcome"], o["reason"]),
                             ("rejected", "picking_cancelled"), o)
            self.assertRegex(o["msg"],
                             r"^picking %s was cancelled in Odoo \(cancelled "
                             r"by [^)]+ at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
                             r"UTC\): the dispatch of shipment SHP-21 is not "
                             r"applied; shipment SHP-21 is booked with the "
                             r"carrier" % re.escape(a))
        p = self.sim.picking(a)
        self.assertEqual(p["x_lgx_shipment_status"], "picking_cancelled")
        acts = [x for x in self.sim.dump("mail.activity")
                if x["res_id"] == pid]
        self.assertEqual([x["summary"] for x in acts],
                         ["Cancel the carrier booking of SHP-21"])
        self.assertIn("tracking TRK-21", acts[0]["note"])
        dlq = broker.read(self.topic + ".dlq")
        self.assertEqual([d["headers"]["lgx.dlq.reason"] for d in dlq],
                         ["picking_cancelled"])
        # The transport platform cancels the booking: that applies.
        ev = cancelled("SHP-21")
        self.send([ev])
        c = self.consume()
        self.assertEqual(self.outcome(c, ev)["outcome"], "applied")
        self.assertEqual(self.sim.picking(a)["x_lgx_shipment_status"],
                         "cancelled")

    def route_case(self, steps, n_pickings):
        """An order of 3 from a warehouse delivering in steps, booked on its
        pick step, labelled and dispatched, then picked: the pick validates
        the route, the dispatch records the shipment on every picking and
        the order is delivered (as test_odoo_real on a real Odoo)."""
        sim = self.sim
        wh = sim.call("stock.warehouse", "create", [{
            "name": "lgx " + steps, "code": "R%d" % n_pickings,
            "delivery_steps": steps}])[0]
        loc = sim.call("stock.warehouse", "read", [wh],
                       fields=["lot_stock_id"])[0]["lot_stock_id"][0]
        code = "LGX-ROUTE-%d" % n_pickings
        kind = ({"type": "consu", "is_storable": True} if sim.version >= 18
                else {"detailed_type": "product"})
        pid = sim.call("product.product", "create", [dict(
            kind, name=code, default_code=code)])[0]
        q = sim.call("stock.quant", "create", [{
            "product_id": pid, "location_id": loc,
            "inventory_quantity": 10}], context={"inventory_mode": True})
        sim.call("stock.quant", "action_apply_inventory", q)
        partner = sim.call("res.partner", "search", domain=[], limit=1)[0]
        so = sim.call("sale.order", "create", [{
            "partner_id": partner, "warehouse_id": wh,
            "order_line": [[0, 0, {"product_id": pid,
                                   "product_uom_qty": 3}]]}])[0]
        sim.call("sale.order", "action_confirm", [so])
        first = sim.call("stock.picking", "search_read",
                         domain=[["sale_id", "=", so],
                                 ["picking_type_code", "=", "internal"],
                                 ["state", "=", "assigned"]],
                         fields=["name"])[0]["name"]
        shipment, ref = "SHP-" + steps, "TRK-" + steps
        sc = dispatch_held(self, broker, sim, self.topic, shipment, first,
                           ref)
        picks = self.topic + ".picks"
        r = produce(broker, picks, [pick_event(first, [(code, 3)])])
        self.assertEqual(r.returncode, 0, r.stderr)
        pc = run_consumer("lgx-picks", broker, sim, picks)
        o = pc.outcomes()[0]
        self.assertEqual(o["outcome"], "applied", o)
        self.assertIn("; route: ", o["msg"])
        self.assertEqual(sc.wait(60), 0)
        self.assertEqual(sc.summary()["applied"], 3, sc.outcomes())
        chain = sim.call("stock.picking", "search_read",
                         domain=[["sale_id", "=", so]],
                         fields=["state", "picking_type_code",
                                 "carrier_tracking_ref",
                                 "x_lgx_shipment_status"])
        self.assertEqual(len(chain), n_pickings, chain)
        self.assertEqual({(p["state"], p["carrier_tracking_ref"],
                           p["x_lgx_shipment_status"]) for p in chain},
                         {("done", ref, "dispatched")})
        line = sim.call("sale.order.line", "search_read",
                        domain=[["order_id", "=", so]],
                        fields=["qty_delivered"])[0]
        self.assertEqual(line["qty_delivered"], 3)

    def test_two_step_delivery(self):
        self.route_case("pick_ship", 2)

    def test_three_step_delivery(self):
        self.route_case("pick_pack_ship", 3)

    def test_booking_of_a_cancelled_picking_is_refused(self):
        a = self.picking(state="cancel")
        ev = booked("SHP-22", [a])
        self.send([ev])
        o = self.outcome(self.consume(), ev)
        self.assertEqual((o["outcome"], o["reason"]),
                         ("rejected", "picking_cancelled"), o)
        self.assertIn("the booking of shipment SHP-22 is not applied",
                      o["msg"])
        self.assertFalse(self.sim.picking(a).get("x_lgx_shipment_ref"))

    def test_dispatch_without_label_expires_to_the_dead_letter_topic(self):
        a = self.picking()
        rules = lgxenv.rules_file(self.sim.dir,
                                  shipment_dispatched={"hold_ms": 1000})
        self.send([booked("SHP-3", [a]), dispatched("SHP-3")])
        c = self.consume("--rules", rules, "--hold-recheck-ms", "200")
        dlq = broker.read(self.topic + ".dlq")
        self.assertEqual([d["headers"]["lgx.dlq.reason"] for d in dlq],
                         ["hold_expired"])
        h = dlq[0]["headers"]
        self.assertIn("waiting_for_precondition: shipment SHP-3 is booked, "
                      "not labelled", h["lgx.dlq.message"])
        self.assertGreaterEqual(int(h["lgx.dlq.last_failure"])
                                - int(h["lgx.dlq.first_failure"]), 1000)
        self.assertEqual(self.sim.picking(a)["x_lgx_shipment_status"],
                         "booked")
        self.assertEqual(c.summary()["rejected"], 1)

    def test_cancelled_shipment_takes_nothing_more(self):
        a = self.picking()
        evs = [booked("SHP-4", [a]), cancelled("SHP-4"),
               label("SHP-4", "TRK-4"), dispatched("SHP-4")]
        self.send(evs)
        c = self.consume("--hold-recheck-ms", "200")
        self.assertEqual(self.outcome(c, evs[2])["reason"],
                         "transition_not_allowed")
        self.assertEqual(self.outcome(c, evs[3])["reason"],
                         "transition_not_allowed")
        p = self.sim.picking(a)
        self.assertEqual((p["state"], p["x_lgx_shipment_status"]),
                         ("done", "cancelled"))
        notes = [m for m in self.sim.dump("mail.message")
                 if m.get("model") == "stock.picking"
                 and m.get("res_id") == p["id"]
                 and "cancelled" in (m.get("body") or "")]
        self.assertEqual(len(notes), 1)

    def test_unique_constraint_race_is_retried_not_dead_lettered(self):
        """Odoo answers a follower inserted by two transactions at once
        with a ValidationError from a UniqueViolation: a race, retried,
        never a business refusal (Odoo 17 showed it under concurrent
        consumers)."""
        a = self.picking()
        self.sim._req("/__sim/faults", [
            {"api": "*", "model": "stock.picking", "method": "message_post",
             "kind": "unique_race", "times": 1}])
        self.addCleanup(self.sim._req, "/__sim/faults", [{"clear": True}])
        ev = cancelled("SHP-22")
        self.send([booked("SHP-22", [a]), ev])
        c = self.consume("--retry-backoff-ms", "50")
        fired = [f["kind"] for f in self.sim._req("/__sim/faults")["fired"]]
        self.assertEqual(fired, ["unique_race"])
        mine = [l["outcome"] for l in c.outcomes()
                if l["event_id"] == ev["event_id"]]
        self.assertEqual(mine, ["retry", "applied"], c.outcomes())
        retried = [l for l in c.lines() if l.get("reason") == "odoo_conflict"]
        self.assertTrue(retried, c.lines())
        self.assertEqual(broker.read(self.topic + ".dlq"), [])
        p = self.sim.picking(a)
        notes = [m for m in self.sim.dump("mail.message")
                 if m.get("model") == "stock.picking"
                 and m.get("res_id") == p["id"]
                 and "cancelled" in (m.get("body") or "")]
        self.assertEqual(len(notes), 1)

    def test_wrong_source_future_stale_and_unknown_carrier(self):
        a, b = self.picking(), self.picking()
        alien = booked("SHP-5", [a], source="wms-north")
        future = booked("SHP-5", [a], occurred_at="2099-01-01T00:00:00.000Z")
        ok = booked("SHP-5", [a])
        again = booked("SHP-5", [a])
        nocarrier = booked("SHP-6", [b], carrier="Pigeon Post")
        self.send([alien, future, ok, again, nocarrier])
        c = self.consume()
        self.assertEqual(self.outcome(c, alien)["reason"],
                         "source_not_allowed")
        self.assertEqual(self.outcome(c, future)["reason"], "future_dated")
        self.assertEqual(self.outcome(c, ok)["outcome"], "applied")
        self.assertEqual(self.outcome(c, again)["outcome"], "stale")
        self.assertEqual(self.outcome(c, nocarrier)["reason"],
                         "unknown_carrier")

    def test_carrier_codes_mapped_by_the_rules(self):
        a, b, c, d = (self.picking() for _ in range(4))
        rules = lgxenv.rules_file(self.sim.dir, mapping={
            "tms-legacy": {"doc": "books by the Odoo name"},
            "tms-*": {"carriers": {"dhl": "The Poste",
                                   "ups": "UPS Ground"}}})
        dhl = booked("SHP-30", [a], carrier="dhl")
        fedex = booked("SHP-31", [b], carrier="fedex")
        ups = booked("SHP-32", [c], carrier="ups")
        legacy = booked("SHP-33", [d], carrier="Local Delivery",
                        source="tms-legacy")
        self.send([dhl, fedex, ups, legacy])
        con = self.consume("--rules", rules)
        self.assertEqual(self.outcome(con, dhl)["outcome"], "applied")
        self.assertEqual(self.sim.picking(a)["carrier_id"][1], "The Poste")
        o = self.outcome(con, fedex)
        self.assertEqual((o["outcome"], o["reason"]),
                         ("rejected", "unmapped_carrier"), o)
        self.assertIn("no mapping for carrier code 'fedex' of source "
                      "tms-shipit (rules mapping 'tms-*'.carriers)", o["msg"])
        self.assertFalse(self.sim.picking(b)["carrier_id"])
        # Mapped to a name Odoo lacks: both the code and the name.
        o = self.outcome(con, ups)
        self.assertEqual(o["reason"], "unknown_carrier", o)
        self.assertIn("UPS Ground", o["msg"])
        self.assertIn("'ups'", o["msg"])
        # A section without carriers: the code is the Odoo name.
        self.assertEqual(self.outcome(con, legacy)["outcome"], "applied")
        self.assertEqual(self.sim.picking(d)["carrier_id"][1],
                         "Local Delivery")
        dlq = broker.read(self.topic + ".dlq")
        self.assertEqual(sorted(d["headers"]["lgx.dlq.reason"] for d in dlq),
                         ["unknown_carrier", "unmapped_carrier"])

    def test_carrier_mapping_reloaded_on_sighup(self):
        a, b = self.picking(), self.picking()
        rules = lgxenv.rules_file(self.sim.dir)
        c = lgxenv.Consumer("lgx-shipments", broker, self.sim, self.topic,
                            extra=("--rules", rules))
        self.addCleanup(c.kill)

        def wait_for(ev):
            deadline = time.time() + 30
            while time.time() < deadline:
                mine = [l for l in c.outcomes()
                        if l["event_id"] == ev["event_id"]]
                if mine:
                    return mine[-1]
                time.sleep(0.1)
            self.fail("no outcome for %s: %s" % (ev["event_id"],
                                                  c.outcomes()))

        first = booked("SHP-34", [a], carrier="dhl")
        self.send([first])
        self.assertEqual(wait_for(first)["reason"], "unknown_carrier")
        with open(rules) as f:
            doc = json.load(f)
        doc["mapping"] = {"tms-*": {"carriers": {"dhl": "The Poste"}}}
        with open(rules, "w") as f:
            json.dump(doc, f)
        c.signal(signal.SIGHUP)
        deadline = time.time() + 30
        while time.time() < deadline and not any(
                "rules reloaded" in l.get("msg", "") for l in c.lines()):
            time.sleep(0.1)
        second = booked("SHP-35", [b], carrier="dhl")
        self.send([second])
        self.assertEqual(wait_for(second)["outcome"], "applied")
        self.assertEqual(self.sim.picking(b)["carrier_id"][1], "The Poste")
        c.signal()
        self.assertEqual(c.wait(30), 0)

    def test_older_label_is_stale(self):
        a = self.picking()
        new = label("SHP-7", "TRK-NEW", doc=False,
                    occurred_at="2026-11-27T10:00:00.000Z")
        old = label("SHP-7", "TRK-OLD", doc=False,
                    occurred_at="2026-11-27T09:00:00.000Z")
        self.send([booked("SHP-7", [a]), new, old])
        c = self.consume()
        self.assertEqual(self.outcome(c, old)["reason"], "older_than_applied")
        self.assertEqual(self.sim.picking(a)["carrier_tracking_ref"],
                         "TRK-NEW")

    def test_field_not_owned(self):
        a = self.picking()
        rules = lgxenv.rules_file(self.sim.dir, label_created={
            "writes": ["stock.picking.x_lgx_shipment_status",
                       "stock.picking.x_lgx_clock_shipments"]})
        ev = label("SHP-8", "TRK-8")
        self.send([booked("SHP-8", [a]), ev])
        c = self.consume("--rules", rules)
        self.assertEqual(self.outcome(c, ev)["reason"], "field_not_owned")
        self.assertFalse(self.sim.picking(a)["carrier_tracking_ref"])

    def test_malformed_message_and_replay(self):
        a = self.picking()
        self.send([booked("SHP-9", [a]), label("SHP-9", "TRK-9")])
        broker.produce_raw(self.topic, b"\x00\x00\x00\x00\x0a\x99",
                           key="SHP-9")
        self.send([dispatched("SHP-9")])
        c = self.consume()
        s = c.summary()
        self.assertEqual((s["applied"], s["rejected"]), (3, 1))
        before = self.sim.dump("stock.picking")
        atts = len(self.sim.dump("ir.attachment"))
        # A second group replays the whole topic: nothing changes.
        again = run_consumer("lgx-shipments", broker, self.sim, self.topic,
                             group="replay-" + self.topic)
        self.assertEqual(again.summary()["applied"], 0, again.outcomes())
        self.assertEqual(self.sim.dump("stock.picking"), before)
        self.assertEqual(len(self.sim.dump("ir.attachment")), atts)


class ShipmentsOdoo17Test(ShipmentsTest):
    """On Odoo 17 (and 18) each message_post makes its author follow the
    record, and two consumers posting on one picking at once race for the
    same follower row: lgx posts its notes without subscribing."""

    @classmethod
    def setUpClass(cls):
        cls.sim = lgxenv.Simulator(version=17)

    def test_notes_do_not_make_the_integration_user_a_follower(self):
        a = self.picking()
        pid = self.sim.picking(a)["id"]
        before = [f for f in self.sim.dump("mail.followers")
                  if f.get("res_model") == "stock.picking"
                  and f.get("res_id") == pid]
        self.send([booked("SHP-23", [a]), cancelled("SHP-23")])
        c = self.consume()
        self.assertEqual(c.summary()["applied"], 2, c.outcomes())
        after = [f for f in self.sim.dump("mail.followers")
                 if f.get("res_model") == "stock.picking"
                 and f.get("res_id") == pid]
        self.assertEqual(after, before)


if __name__ == "__main__":
    unittest.main()
