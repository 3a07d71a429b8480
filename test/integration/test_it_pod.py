"""Integration tests of lgx-pod: a real Kafka broker, the Odoo simulator,
lgx-produce and lgx-pod as separate processes. The shared set-up is
test_it_milestones.StockEventCase."""
import base64
import time
import unittest
from datetime import datetime, timezone

import lgxenv
import test_it_milestones as shared
from test_it_milestones import iso, odoo_time


SVG = "<svg xmlns='http://www.w3.org/2000/svg'><path d='M10 45 L30 15'/></svg>"


def pod(name=None, ref=None, minutes_ago=20, source="driver-app",
        signature=SVG, lines=(), receiver="A. Janssen"):
    return {
        "event_id": "pod-%s-%d" % (name or ref, time.monotonic_ns()),
        "correlation_id": "order-%s" % (name or ref),
        "source_system": source,
        "occurred_at": iso(minutes_ago),
        "schema_version": 2,
        "picking_name": name,
        "tracking_ref": ref,
        "delivered_at": iso(minutes_ago + 1),
        "receiver_name": receiver,
        "gps": "52.0907,5.1214",
        "signature": signature and {"mimetype": "image/svg+xml",
                                    "data": signature},
        "lines": [{"product_code": c, "expected_qty": e, "delivered_qty": d,
                   "issue": i} for c, e, d, i in lines],
    }


class PodTest(shared.StockEventCase):
    program = "lgx-pod"
    schema = "lgx.pod.ProofOfDelivery"
    schema_id = 31
    key_field = "picking_name"

    def test_pod_recorded_with_signature_and_issues(self):
        name, _ = self.picking()
        ev = pod(name, lines=[("SKU-1001", 2, 2, "NONE"),
                              ("SKU-2002", 5, 3, "SHORTAGE"),
                              ("SKU-3003", 2, 1, "DAMAGE")])
        self.send([ev])
        c = self.consume()
        line = self.outcome(c, ev)
        self.assertEqual(line["outcome"], "applied", line)
        self.assertIn("signature attached; 2 delivery issue(s)", line["msg"])
        p = self.sim.picking(name)
        self.assertEqual(p["x_lgx_shipment_status"], "delivered")
        self.assertEqual(p["x_lgx_receiver"], "A. Janssen")
        self.assertEqual(p["x_lgx_delivered_at"],
                         odoo_time(ev["delivered_at"]))
        self.assertIn('"proof_of_delivery/driver-app"', p["x_lgx_clock_pod"])
        atts = self.on_picking("ir.attachment", name)
        self.assertEqual([(a["name"], a["mimetype"]) for a in atts],
                         [("POD signature " + name, "image/svg+xml")])
        self.assertEqual(base64.b64decode(atts[0]["datas"]).decode(), SVG)
        acts = self.on_picking("mail.activity", name)
        self.assertEqual([a["summary"] for a in acts], [
            "Delivery issue on %s: 2 line(s) short or damaged" % name])
        self.assertIn("SKU-2002: SHORTAGE, expected 5, delivered 3",
                      acts[0]["note"])
        self.assertIn("SKU-3003: DAMAGE, expected 2, delivered 1",
                      acts[0]["note"])
        self.assertNotIn("SKU-1001", acts[0]["note"])
        # Nobody configured: the picking's responsible, due today.
        self.assertEqual(acts[0]["user_id"][0], p["user_id"][0])
        self.assertEqual(acts[0]["date_deadline"],
                         str(datetime.now(timezone.utc).date()))
        self.assertEqual(self.event_calls(), [
            "stock.picking.search_read", "sale.order.search_read",
            "ir.attachment.search_count", "ir.attachment.create",
            "mail.activity.search_read", "mail.activity.create",
            "stock.picking.write"])

    def test_shortage_activity_goes_to_the_configured_user(self):
        self.sim.seed("res.users", [{"name": "Stock Lead",
                                     "login": "stock.lead"}])
        lead = next(u["id"] for u in self.sim.dump("res.users")
                    if u["login"] == "stock.lead")
        name, _ = self.picking()
        ev = pod(name, lines=[("SKU-2002", 5, 3, "SHORTAGE")])
        self.send([ev])
        c = self.consume("--activity-users", "shortage=stock.lead",
                         "--activity-deadlines", "shortage=3,exception=1")
        self.assertEqual(self.outcome(c, ev)["outcome"], "applied")
        acts = self.on_picking("mail.activity", name)
        self.assertEqual(len(acts), 1, acts)
        self.assertEqual(acts[0]["user_id"][0], lead)
        day = datetime.fromtimestamp(time.time() + 3 * 86400, timezone.utc)
        self.assertEqual(acts[0]["date_deadline"], str(day.date()))

    def test_pod_after_invoicing_is_recorded_and_flagged(self):
        orders = {o["invoice_status"]: o for o in self.sim.dump("sale.order")}
        late, _ = self.picking(sale_id=orders["invoiced"]["id"])
        timely, _ = self.picking(sale_id=orders["to invoice"]["id"])
        evs = [pod(late, signature=None), pod(timely, signature=None)]
        self.send(evs)
        c = self.consume()
        flagged, normal = (self.outcome(c, ev) for ev in evs)
        self.assertEqual((flagged["outcome"], normal["outcome"]),
                         ("applied", "applied"))
        self.assertIn("already_invoiced: " + orders["invoiced"]["name"],
                      flagged["msg"])
        self.assertNotIn("already_invoiced", normal["msg"])
        self.assertEqual(self.sim.picking(late)["x_lgx_shipment_status"],
                         "delivered")
        self.assertEqual(self.notes(late), [
            "POD received after invoicing (%s invoiced); lgx creates no "
            "invoice" % orders["invoiced"]["name"]])
        self.assertEqual(self.notes(timely), [])
        # Two pickings, two partitions: the events may come in any order.
        self.assertEqual(sorted(self.event_calls()), sorted([
            "stock.picking.search_read", "sale.order.search_read",
            "mail.message.search_count", "stock.picking.message_post",
            "stock.picking.write",
            "stock.picking.search_read", "sale.order.search_read",
            "stock.picking.write"]))
        # lgx creates no invoice.
        self.assertEqual([x for x in self.sim.calls()["calls"]
                          if x.get("model") in ("account.move",
                                                "sale.advance.payment.inv")],
                         [])

    def test_invoice_check_off_makes_no_sale_order_call(self):
        name, _ = self.picking()
        self.send([pod(name, signature=None)])
        self.consume("--invoice-check=false")
        self.assertEqual(self.event_calls(), [
            "stock.picking.search_read", "stock.picking.write"])

    def test_pod_by_tracking_ref_without_signature(self):
        name, ref = self.picking()
        ev = pod(None, ref, signature=None, source="carrier-epod")
        self.key_field = "tracking_ref"
        self.send([ev, ev])
        c = self.consume()
        self.assertEqual(self.outcome(c, ev)["outcome"], "applied")
        self.assertEqual(c.summary()["duplicate"], 1)
        p = self.sim.picking(name)
        self.assertEqual(p["x_lgx_shipment_status"], "delivered")
        self.assertEqual(self.on_picking("ir.attachment", name), [])
        self.assertEqual(self.on_picking("mail.activity", name), [])
        self.assertEqual(self.event_calls(), [
            "stock.picking.search_read", "sale.order.search_read",
            "stock.picking.write"])

    def test_pod_without_keys_or_for_unknown_picking_is_refused(self):
        keyless = pod(None, None)
        unknown = pod("WH/OUT/NOPE")
        self.send([keyless, unknown])
        c = self.consume()
        self.assertEqual(self.outcome(c, keyless)["reason"], "missing_field")
        self.assertEqual(self.outcome(c, unknown)["reason"],
                         "unknown_picking")
        self.assertEqual(sorted(self.dlq_reasons()),
                         ["missing_field", "unknown_picking"])

    def test_wrong_source_is_refused(self):
        name, _ = self.picking()
        self.refused(pod(name, source="tms-shipit"), "source_not_allowed")
        self.assertEqual(self.sim.picking(name)["x_lgx_shipment_status"],
                         "dispatched")

    def test_field_not_owned_is_refused(self):
        name, _ = self.picking()
        ev = pod(name)
        rules = lgxenv.rules_file(self.sim.dir, proof_of_delivery={
            "writes": ["stock.picking.x_lgx_delivered_at",
                       "stock.picking.x_lgx_shipment_status",
                       "stock.picking.x_lgx_clock_pod"]})
        c = self.refused(ev, "field_not_owned", "--rules", rules)
        self.assertIn("x_lgx_receiver", self.outcome(c, ev)["msg"])
        self.assertEqual(self.event_calls(), [])
        self.assertEqual(self.on_picking("ir.attachment", name), [])

    def test_cancelled_shipment_refuses_pod(self):
        name, _ = self.picking(status="cancelled")
        self.refused(pod(name), "transition_not_allowed")
        self.assertEqual(self.on_picking("ir.attachment", name), [])

    def test_second_pod_is_stale(self):
        name, _ = self.picking()
        first = pod(name, minutes_ago=30, lines=[("SKU-1001", 2, 1,
                                                  "SHORTAGE")])
        second = pod(name, minutes_ago=20, receiver="B. Someone",
                     lines=[("SKU-1001", 2, 0, "DAMAGE")])
        self.send([first, second])
        c = self.consume()
        line = self.outcome(c, second)
        self.assertEqual((line["outcome"], line["reason"]),
                         ("stale", "nothing_to_do"), line)
        self.assertEqual(self.sim.picking(name)["x_lgx_receiver"],
                         "A. Janssen")
        self.assertEqual(len(self.on_picking("ir.attachment", name)), 1)
        self.assertEqual(len(self.on_picking("mail.activity", name)), 1)

    def test_replay_changes_nothing(self):
        name, _ = self.picking()
        self.send([pod(name, lines=[("SKU-1001", 2, 1, "SHORTAGE")])])
        self.consume()
        before = [self.sim.dump(m) for m in
                  ("stock.picking", "ir.attachment", "mail.activity")]
        c = self.consume(group="replay-" + self.topic)
        self.assertEqual(c.summary()["stale"], 1)
        self.assertEqual([self.sim.dump(m) for m in
                          ("stock.picking", "ir.attachment", "mail.activity")],
                         before)

    def test_documents_are_not_doubled_after_a_crash_before_the_write(self):
        # A crash after the documents and before the write leaves the
        # picking dispatched: the replay applies, and finds the documents.
        name, _ = self.picking()
        ev = pod(name, lines=[("SKU-1001", 2, 1, "SHORTAGE")])
        self.send([ev])
        self.consume()
        pid = self.sim.picking(name)["id"]
        self.sim.call("stock.picking", "write", ids=[pid],
                      vals={"x_lgx_shipment_status": "dispatched",
                            "x_lgx_clock_pod": False})
        c = self.consume(group="replay-" + self.topic)
        self.assertEqual(self.outcome(c, ev)["outcome"], "applied")
        self.assertEqual(len(self.on_picking("ir.attachment", name)), 1)
        self.assertEqual(len(self.on_picking("mail.activity", name)), 1)
        self.assertEqual(self.sim.picking(name)["x_lgx_shipment_status"],
                         "delivered")

    def test_future_dated_is_refused(self):
        name, _ = self.picking()
        self.refused(pod(name, minutes_ago=-60), "future_dated")

    def test_held_pod_applies_once_dispatched(self):
        name, _ = self.picking(status="labelled")
        self.check_held_then_applied(pod(name), name)
        p = self.sim.picking(name)
        self.assertEqual(p["x_lgx_shipment_status"], "delivered")
        self.assertEqual(len(self.on_picking("ir.attachment", name)), 1)

    def test_pod_for_unknown_tracking_ref_is_held_then_dead_lettered(self):
        self.key_field = "tracking_ref"
        self.check_hold_expires(pod(None, "TRK-NOT-YET"), "proof_of_delivery")

    def test_malformed_message_does_not_stop_the_consumer(self):
        name, _ = self.picking()
        self.check_malformed(pod(name), name)
        self.assertEqual(self.sim.picking(name)["x_lgx_shipment_status"],
                         "delivered")

    def test_too_many_lines_is_refused(self):
        # The consumer's generic --max-items (1000) refuses it first
        # (limit_exceeded); raised, the POD's own limit still holds.
        name, _ = self.picking()
        self.refused(pod(name, lines=[("SKU-1001", 1, 1, "NONE")] * 1001),
                     "too_many_lines", "--max-items", "5000")
        self.assertEqual(self.event_calls(), [])

    def test_signature_too_large_is_refused(self):
        # More than 1 MiB gets through Kafka (and back to the dead-letter
        # topic, which keeps the original bytes) only compressed, and
        # through the consumer's generic size limits only when raised.
        name, _ = self.picking()
        ev = pod(name, signature="A" * (1024 * 1024 + 1))
        big = ("--kafka.message.max.bytes=4000000",
               "--kafka.compression.codec=gzip")
        r = shared.produce(self.kafka, self.topic, [ev], schema=self.schema,
                           key_field=self.key_field, extra=big)
        self.assertEqual(r.returncode, 0, r.stderr)
        c = self.consume("--max-message-bytes", "4000000",
                         "--max-blob-bytes", "4000000", *big)
        self.check_rejected(c, ev, "signature_too_large")
        self.assertEqual(self.on_picking("ir.attachment", name), [])


class PodJsonRpcTest(PodTest):
    """The same against an Odoo 17 (JSON-RPC only)."""
    version = 17


if __name__ == "__main__":
    unittest.main()
