"""Integration tests of lgx-milestones: a real Kafka broker, the Odoo
simulator, lgx-produce and lgx-milestones as separate processes.

StockEventCase holds what the tests of lgx-milestones and lgx-pod share
(test_it_pod imports it): a simulator per class, dispatched pickings, the
consumer run, its outcomes, and the Odoo calls an event made."""
import re
import time
import unittest
from datetime import datetime, timedelta, timezone

import lgxenv
from lgxenv import produce, run_consumer

SCHEMA = "lgx.milestones.CarrierMilestone"
broker = lgxenv.shared_broker()

# The calls an event may make (start-up calls are not counted).
EVENT_CALLS = {("stock.picking", "search_read"), ("stock.picking", "write"),
               ("stock.picking", "message_post"),
               ("mail.activity", "search_count"), ("mail.activity", "create"),
               ("mail.activity", "search_read"),
               ("ir.attachment", "search_count"), ("ir.attachment", "create"),
               ("sale.order", "search_read"),
               ("mail.message", "search_count"),
               ("mail.message", "search_read"), ("mail.message", "create")}
MARK = re.compile(r" \[lgx:[0-9a-f]{16}\]$")


iso = lgxenv.iso


def odoo_time(iso_time):
    """The Odoo datetime of an ISO time."""
    return iso_time[:10] + " " + iso_time[11:19]


class StockEventCase(unittest.TestCase):
    """Shared set-up; subclasses set program, schema (and its newest id)
    and key_field; the broker is the process's (lgxenv.shared_broker)."""
    program = schema = key_field = schema_id = None
    version = 19

    @classmethod
    def setUpClass(cls):
        cls.sim = lgxenv.Simulator(version=cls.version)
        cls.addClassCleanup(cls.sim.stop)

    def setUp(self):
        self.kafka = broker
        self.sim.reset()
        self.topic = "it.%s.%s.%d" % (self.program, self._testMethodName,
                                      self.version)
        self.n = 0

    def picking(self, status="dispatched", ref=None, **fields):
        """A done outgoing picking with one move of SKU-1001 and the given
        shipment status; returns (name, tracking ref)."""
        self.n += 1
        stamp = time.monotonic_ns() % 10**6
        name = "WH/OUT/M%d-%d" % (self.n, stamp)
        ref = ref or "TRK%d%d" % (self.n, stamp)
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1001")
        self.sim.seed("stock.picking", [dict({
            "name": name, "state": "done", "picking_type_code": "outgoing",
            "carrier_tracking_ref": ref, "x_lgx_shipment_status": status,
            "move_ids": [{"product_id": pid, "product_uom_qty": 2,
                          "quantity": 2}]}, **fields)])
        return name, ref

    def send(self, events):
        r = produce(self.kafka, self.topic, events, schema=self.schema,
                    key_field=self.key_field)
        self.assertEqual(r.returncode, 0, r.stderr)

    def consume(self, *extra, group=None):
        self.sim._req("/__sim/calls/reset", {})
        c = run_consumer(self.program, self.kafka, self.sim, self.topic,
                         extra=extra, group=group)
        with open(c.logpath) as f:
            self.assertNotIn(lgxenv.API_KEY, f.read())
        self.assertEqual(c.proc.returncode, 0, c.lines())
        return c

    def start(self, *extra):
        """A consumer left running (--exit-at-end)."""
        return lgxenv.Consumer(self.program, self.kafka, self.sim, self.topic,
                               extra=("--exit-at-end",) + extra)

    def wait_for(self, c, outcome, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(l["outcome"] == outcome for l in c.outcomes()):
                return
            time.sleep(0.1)
        self.fail("no %s outcome: %s" % (outcome, c.lines()))

    def outcome(self, c, ev):
        return next(l for l in c.outcomes()
                    if l.get("event_id") == ev["event_id"])

    def event_calls(self):
        """The Odoo calls events made, as "model.method" in order."""
        return ["%s.%s" % (x["model"], x["method"])
                for x in self.sim.calls()["calls"]
                if (x.get("model"), x.get("method")) in EVENT_CALLS]

    def on_picking(self, model, name):
        pid = self.sim.picking(name)["id"]
        return [r for r in self.sim.dump(model)
                if r.get("model", r.get("res_model")) == "stock.picking"
                and r["res_id"] == pid]

    def notes(self, name):
        """The notes lgx posted, without the mark that keeps each one
        from being posted twice (checked here: every note carries one)."""
        bodies = [m["body"] for m in self.on_picking("mail.message", name)
                  if m["message_type"] == "comment"]
        for b in bodies:
            assert MARK.search(b), "note without its mark: %r" % b
        return [MARK.sub("", b) for b in bodies]

    def dlq_reasons(self):
        return [r["headers"]["lgx.dlq.reason"]
                for r in self.kafka.read(self.topic + ".dlq")]

    def refused(self, ev, reason, *extra):
        """Sends ev; the consumer dead-letters it with reason."""
        self.send([ev])
        c = self.consume(*extra)
        self.check_rejected(c, ev, reason)
        return c

    def check_rejected(self, c, ev, reason):
        line = self.outcome(c, ev)
        self.assertEqual((line["outcome"], line["reason"]),
                         ("rejected", reason), line)
        self.assertEqual(self.dlq_reasons(), [reason])

    def check_held_then_applied(self, ev, name):
        """ev waits while name is labelled; dispatching name releases it."""
        self.send([ev])
        c = self.start("--hold-recheck-ms", "200")
        self.wait_for(c, "held")
        pid = self.sim.picking(name)["id"]
        self.sim.call("stock.picking", "write", ids=[pid],
                      vals={"x_lgx_shipment_status": "dispatched"})
        self.assertEqual(c.wait(30), 0)
        s = c.summary()
        self.assertEqual((s["held"], s["applied"], s["rejected"]), (1, 1, 0),
                         c.outcomes())

    def check_hold_expires(self, ev, rule):
        """ev waits for a label that never comes: hold_expired."""
        self.send([ev])
        rules = lgxenv.rules_file(self.sim.dir, **{rule: {"hold_ms": 1500}})
        c = self.consume("--rules", rules, "--hold-recheck-ms", "200")
        s = c.summary()
        self.assertEqual((s["held"], s["rejected"]), (1, 1), c.outcomes())
        dlq = self.kafka.read(self.topic + ".dlq")
        self.assertEqual(len(dlq), 1)
        h = dlq[0]["headers"]
        self.assertEqual(h["lgx.dlq.reason"], "hold_expired")
        self.assertIn("waiting_for_precondition", h["lgx.dlq.message"])
        self.assertEqual(dlq[0]["key"], ev[self.key_field])

    def check_malformed(self, good, key):
        """Garbage before a good event is dead-lettered, not fatal: a body
        that is not the schema's, and no Confluent frame at all."""
        frame = b"\x00" + self.schema_id.to_bytes(4, "big") + b"garbage!"
        self.kafka.produce_raw(self.topic, frame, key=key)
        self.kafka.produce_raw(self.topic, b"not avro at all", key=key)
        self.send([good])
        c = self.consume()
        bad = [l for l in c.outcomes() if l["outcome"] == "rejected"]
        self.assertEqual([(l["reason"], l["offset"]) for l in bad],
                         [("malformed_avro", 0), ("malformed_avro", 1)])
        self.assertEqual(self.outcome(c, good)["outcome"], "applied")
        self.assertEqual(self.dlq_reasons(), ["malformed_avro"] * 2)


def milestone(ref, code="IN_TRANSIT", minutes_ago=30, source="carrier-hub",
              carrier="dhl", location="Leipzig hub", eta=None, reason=None):
    return {
        "event_id": "ms-%s-%s-%d" % (ref, code, time.monotonic_ns()),
        "correlation_id": "order-" + ref,
        "source_system": source,
        "occurred_at": iso(minutes_ago),
        "schema_version": 2,
        "tracking_ref": ref,
        "carrier": carrier,
        "code": code,
        "location": location,
        "eta": eta,
        "exception_reason": reason,
        "carrier_status_code": None,
    }


class MilestonesTest(StockEventCase):
    program = "lgx-milestones"
    schema = SCHEMA
    schema_id = 21
    key_field = "tracking_ref"

    def test_milestone_recorded_with_note(self):
        name, ref = self.picking()
        eta = iso(-24 * 60)
        ev = milestone(ref, eta=eta)
        self.send([ev])
        c = self.consume()
        self.assertEqual(self.outcome(c, ev)["outcome"], "applied")
        p = self.sim.picking(name)
        self.assertEqual(p["x_lgx_milestone"], "IN_TRANSIT")
        self.assertEqual(p["x_lgx_milestone_at"], odoo_time(ev["occurred_at"]))
        self.assertEqual(p["x_lgx_eta"], odoo_time(eta))
        self.assertIn('"carrier_milestone/carrier-hub"', p["x_lgx_clock_milestones"])
        self.assertEqual(p["x_lgx_shipment_status"], "dispatched")
        self.assertEqual(self.notes(name), [
            "Carrier DHL: IN_TRANSIT at Leipzig hub (%s UTC); ETA %s UTC" %
            (odoo_time(ev["occurred_at"])[:16], odoo_time(eta)[:16])])
        self.assertEqual(self.on_picking("mail.activity", name), [])
        # The note: its guard (a search_read for its mark) and a
        # mail.message create, as for a batch of milestones.
        self.assertEqual(self.event_calls(), [
            "stock.picking.search_read", "mail.message.search_read",
            "mail.message.create", "stock.picking.write"])

    def test_exception_schedules_activity(self):
        name, ref = self.picking()
        ev = milestone(ref, "EXCEPTION", location="Utrecht hub, NL",
                       reason="address incomplete")
        self.send([ev])
        c = self.consume()
        self.assertEqual(self.outcome(c, ev)["outcome"], "applied")
        acts = self.on_picking("mail.activity", name)
        self.assertEqual([a["summary"] for a in acts],
                         ["Parcel %s: EXCEPTION" % ref])
        self.assertIn("address incomplete", acts[0]["note"])
        self.assertIn("Utrecht hub, NL", acts[0]["note"])
        self.assertEqual(acts[0]["activity_type_id"][1], "To-Do")
        # Nobody configured: the picking's responsible, due today.
        self.assertEqual(acts[0]["user_id"][0],
                         self.sim.picking(name)["user_id"][0])
        self.assertEqual(acts[0]["date_deadline"],
                         str(datetime.now(timezone.utc).date()))
        self.assertEqual(len(self.notes(name)), 1)
        self.assertIn("EXCEPTION at Utrecht hub, NL", self.notes(name)[0])
        self.assertEqual(self.event_calls(), [
            "stock.picking.search_read", "mail.message.search_read",
            "mail.message.create", "mail.activity.search_read",
            "mail.activity.create", "stock.picking.write"])

    def test_activities_go_to_the_kind_user_the_responsible_or_default(self):
        """An activity's user: the one configured for its kind, else the
        picking's responsible, else the default user; its deadline: the
        days configured for its kind from today."""
        self.sim.seed("res.users", [{"name": "Customer Service", "login": "cs"},
                                    {"name": "Parcel Desk", "login": "desk"},
                                    {"name": "Order Owner", "login": "owner"}])
        users = {u["login"]: u["id"] for u in self.sim.dump("res.users")}
        kind, _ = self.picking(user_id=users["owner"])
        owned, _ = self.picking(user_id=users["owner"])
        nobody, _ = self.picking(user_id=False)
        refs = [self.sim.picking(n)["carrier_tracking_ref"]
                for n in (kind, owned, nobody)]
        evs = [milestone(refs[0], "EXCEPTION", reason="address incomplete"),
               milestone(refs[1], "DELIVERY_ATTEMPTED", reason="nobody home"),
               milestone(refs[2], "DELIVERY_ATTEMPTED", reason="closed")]
        self.send(evs)
        c = self.consume("--activity-users", "exception=cs",
                         "--activity-user", str(users["desk"]),
                         "--activity-deadlines", "exception=2")
        self.assertEqual(c.summary()["applied"], 3, c.outcomes())
        today = datetime.now(timezone.utc).date()
        got = []
        for name in (kind, owned, nobody):
            acts = self.on_picking("mail.activity", name)
            self.assertEqual(len(acts), 1, acts)
            got.append((acts[0]["user_id"][0], acts[0]["date_deadline"]))
        self.assertEqual(got, [
            (users["cs"], str(today + timedelta(days=2))),
            (users["owner"], str(today)),
            (users["desk"], str(today))])

    def test_unknown_activity_user_stops_at_start(self):
        c = lgxenv.run_consumer(self.program, self.kafka, self.sim, self.topic,
                                extra=("--activity-users", "exception=nobody"))
        self.assertNotEqual(c.proc.returncode, 0)
        text = " ".join(str(l.get("msg")) for l in c.lines())
        self.assertIn("option --activity-users: Odoo has no user with login "
                      "'nobody'", text)
        c = lgxenv.run_consumer(self.program, self.kafka, self.sim, self.topic,
                                extra=("--activity-deadlines", "sooner=1"))
        self.assertNotEqual(c.proc.returncode, 0)
        text = " ".join(str(l.get("msg")) for l in c.lines())
        self.assertIn("option --activity-deadlines: 'sooner=1'", text)

    def test_delivery_attempted_twice_keeps_one_open_activity(self):
        name, ref = self.picking()
        first = milestone(ref, "DELIVERY_ATTEMPTED", minutes_ago=60,
                          reason="nobody home")
        second = milestone(ref, "DELIVERY_ATTEMPTED", minutes_ago=30,
                           reason="nobody home again")
        self.send([first, second])
        c = self.consume()
        self.assertEqual(c.summary()["applied"], 2, c.outcomes())
        self.assertEqual(len(self.on_picking("mail.activity", name)), 1)
        self.assertEqual(len(self.notes(name)), 2)

    def test_wrong_source_is_refused(self):
        name, ref = self.picking()
        self.refused(milestone(ref, source="wms-north"), "source_not_allowed")
        self.assertFalse(self.sim.picking(name)["x_lgx_milestone"])

    def test_field_not_owned_is_refused(self):
        name, ref = self.picking()
        rules = lgxenv.rules_file(self.sim.dir, carrier_milestone={
            "writes": ["stock.picking.x_lgx_milestone_at",
                       "stock.picking.x_lgx_eta",
                       "stock.picking.x_lgx_clock_milestones"]})
        self.refused(milestone(ref), "field_not_owned", "--rules", rules)
        self.assertFalse(self.sim.picking(name)["x_lgx_milestone"])
        self.assertEqual(self.event_calls(), [])

    def test_cancelled_shipment_refuses_milestones(self):
        name, ref = self.picking(status="cancelled")
        self.refused(milestone(ref), "transition_not_allowed")
        self.assertEqual(self.notes(name), [])

    def test_older_milestone_never_overwrites_newer(self):
        name, ref = self.picking()
        newer = milestone(ref, "OUT_FOR_DELIVERY", minutes_ago=10)
        # Another carrier feed, so that the per-source clock lets it by:
        # the milestone's own time stops it.
        older = milestone(ref, "ARRIVED_AT_HUB", minutes_ago=40,
                          source="carrier-dhl")
        again = dict(newer, event_id=newer["event_id"] + "-again")
        self.send([newer, older, again])
        c = self.consume()
        self.assertEqual(self.outcome(c, newer)["outcome"], "applied")
        line = self.outcome(c, older)
        self.assertEqual((line["outcome"], line["reason"]),
                         ("stale", "older_milestone"), line)
        # The newer one sent again under another id: its time is the one
        # the picking recorded from that source, so it is done.
        line = self.outcome(c, again)
        self.assertEqual((line["outcome"], line["reason"]),
                         ("stale", "already_applied"), line)
        p = self.sim.picking(name)
        self.assertEqual(p["x_lgx_milestone"], "OUT_FOR_DELIVERY")
        self.assertEqual(p["x_lgx_milestone_at"],
                         odoo_time(newer["occurred_at"]))
        self.assertEqual(len(self.notes(name)), 1)
        # A stale milestone costs one call: the picking lookup.
        self.assertEqual(self.event_calls().count("stock.picking.write"), 1)
        # The applied one: lookup, note guard, note, write (4).
        self.assertEqual(len(self.event_calls()), 4 + 2)

    def test_older_milestone_of_same_source_is_stale(self):
        name, ref = self.picking()
        newer = milestone(ref, "OUT_FOR_DELIVERY", minutes_ago=10)
        older = milestone(ref, "ARRIVED_AT_HUB", minutes_ago=40)
        self.send([newer, older])
        c = self.consume()
        line = self.outcome(c, older)
        self.assertEqual((line["outcome"], line["reason"]),
                         ("stale", "older_than_applied"))

    def test_future_dated_is_refused(self):
        name, ref = self.picking()
        self.refused(milestone(ref, minutes_ago=-60), "future_dated")
        self.assertFalse(self.sim.picking(name)["x_lgx_milestone"])

    def test_held_milestone_applies_once_dispatched(self):
        name, ref = self.picking(status="labelled")
        ev = milestone(ref)
        self.check_held_then_applied(ev, name)
        self.assertEqual(self.sim.picking(name)["x_lgx_milestone"],
                         "IN_TRANSIT")
        self.assertEqual(len(self.notes(name)), 1)

    def test_unknown_tracking_ref_is_held_then_dead_lettered(self):
        ev = milestone("TRK-NOT-YET")
        self.check_hold_expires(ev, "carrier_milestone")

    def test_held_event_rechecks_back_off(self):
        # Held for 3 s, first rechecked after 100 ms, the wait doubling up
        # to 400 ms: checks at about 0, 0.1, 0.3, 0.7, 1.1, ... 2.7 and at
        # the deadline (10), where a fixed 100 ms would make about 30.
        name, ref = self.picking(status="labelled")
        self.send([milestone(ref)])
        rules = lgxenv.rules_file(self.sim.dir,
                                  carrier_milestone={"hold_ms": 3000})
        c = self.consume("--rules", rules, "--hold-recheck-ms", "100",
                         "--hold-recheck-max-ms", "400")
        s = c.summary()
        self.assertEqual((s["held"], s["rejected"]), (1, 1), c.outcomes())
        reads = self.event_calls().count("stock.picking.search_read")
        self.assertGreaterEqual(reads, 6)
        self.assertLessEqual(reads, 15)

    def test_malformed_message_does_not_stop_the_consumer(self):
        name, ref = self.picking()
        self.check_malformed(milestone(ref), ref)
        self.assertEqual(self.sim.picking(name)["x_lgx_milestone"],
                         "IN_TRANSIT")

    def test_replay_changes_nothing(self):
        name, ref = self.picking()
        self.send([milestone(ref, "EXCEPTION", reason="damaged label")])
        self.consume()
        before = (self.sim.dump("stock.picking"), self.notes(name),
                  self.sim.dump("mail.activity"))
        c = self.consume(group="replay-" + self.topic)
        self.assertEqual(c.summary()["stale"], 1)
        self.assertEqual((self.sim.dump("stock.picking"), self.notes(name),
                          self.sim.dump("mail.activity")), before)

    def test_pickings_sharing_a_tracking_ref_move_together(self):
        a, ref = self.picking()
        b, _ = self.picking(ref=ref)
        ev = milestone(ref, "EXCEPTION", reason="customs hold")
        self.send([ev])
        self.consume()
        for name in (a, b):
            self.assertEqual(self.sim.picking(name)["x_lgx_milestone"],
                             "EXCEPTION")
            self.assertEqual(len(self.notes(name)), 1)
            self.assertEqual(len(self.on_picking("mail.activity", name)), 1)
        self.assertEqual(self.event_calls().count("stock.picking.write"), 1)


class MilestonesJsonRpcTest(MilestonesTest):
    """The same against an Odoo 17 (JSON-RPC only)."""
    version = 17


if __name__ == "__main__":
    unittest.main()
