"""Least privilege: lgx-odoo-setup runs once as an administrator; the four
consumers then run as an integration user restricted to Inventory / User
(stock.group_stock_user, which implies Internal User), the one group they
need (README, "Odoo access rights"). Without it, Odoo refuses the first
call of each event: the event is dead-lettered (odoo_permission) with
Odoo's message, which names the model, the operation and the groups that
would allow it, and the consumer goes on.

The simulator has one API user whose groups are switched
(/__sim/user-groups): the administrator while lgx-odoo-setup runs, the
integration user while the consumers run. Its access rights follow the rows
of Odoo's ir.model.access.csv files for the models lgx uses (test/sim/odoo_sim.py,
ACCESS). The lgx programs started here run behind LGX_WRAP as well (make
valgrind)."""
import base64
import functools
import os
import subprocess
import time
import unittest

import lgxenv
from lgxenv import pick_event, produce, run_consumer
from test_it_milestones import milestone
from test_it_pod import SVG, pod
from test_it_shipments import booked, cancelled, dispatched, label

broker = lgxenv.shared_broker()

# What the consumers need, and what an integration user without it has.
INTEGRATION_USER = ["stock.group_stock_user"]
INTERNAL_USER_ONLY = ["base.group_user"]


@functools.lru_cache(maxsize=None)
def custom_items():
    """How many custom models and fields lgx-odoo-setup creates."""
    out = subprocess.run([os.path.join(lgxenv.BIN, "lgx-odoo-setup"),
                          "--describe"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return out.count("(custom, created by setup)")


class LeastPrivilegeTest(unittest.TestCase):
    version = 19

    @classmethod
    def setUpClass(cls):
        # No automatic set-up: each test says who runs lgx-odoo-setup.
        cls.sim = lgxenv.Simulator(version=cls.version, setup=False)
        cls.addClassCleanup(cls.sim.stop)

    def setUp(self):
        self.sim.reset()
        self.topic = "it.lp.%s.%d" % (self._testMethodName, self.version)
        self.n = 0

    # ---- helpers ----

    def restrict(self, groups):
        """The API user gets these groups (None: administrator again)."""
        r = self.sim._req("/__sim/user-groups", {"groups": groups})
        self.assertIs(r["admin"], groups is None)
        return r

    def setup_tool(self, *extra):
        return subprocess.run(
            lgxenv.wrap([os.path.join(lgxenv.BIN, "lgx-odoo-setup"),
                         *self.sim.odoo_args(), *extra]),
            capture_output=True, text=True, timeout=120)

    def admin_setup_then_restrict(self, groups):
        """lgx-odoo-setup as the administrator, then the API user is
        restricted to groups (the integration user)."""
        r = self.setup_tool()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("created %d item(s)" % custom_items(), r.stdout)
        report = self.restrict(groups)
        self.sim._req("/__sim/calls/reset", {})
        return report

    def picking(self, state="assigned", qty=5, **fields):
        self.n += 1
        name = "WH/OUT/LP%d-%d" % (self.n, time.monotonic_ns() % 10**6)
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1001")
        self.sim.seed("stock.picking", [dict({
            "name": name, "state": state, "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": qty,
                          "quantity": qty, "state": state}]}, **fields)])
        return name

    def dispatched_picking(self, **fields):
        """A done picking whose shipment lgx has seen dispatched."""
        ref = "TRK-LP%d-%d" % (self.n + 1, time.monotonic_ns() % 10**6)
        name = self.picking(state="done", qty=2, carrier_tracking_ref=ref,
                            x_lgx_shipment_status="dispatched", **fields)
        return name, ref

    def consume(self, program, topic, events, schema, key_field):
        r = produce(broker, topic, events, schema=schema, key_field=key_field)
        self.assertEqual(r.returncode, 0, r.stderr)
        c = run_consumer(program, broker, self.sim, topic)
        self.assertEqual(c.proc.returncode, 0, c.lines())
        return c

    def on_picking(self, model, name):
        pid = self.sim.picking(name)["id"]
        return [r for r in self.sim.dump(model)
                if r.get("model", r.get("res_model")) == "stock.picking"
                and r["res_id"] == pid]

    def check_all_applied(self, c, n):
        s = c.summary()
        self.assertEqual((s["applied"], s["rejected"], s["retry"],
                          s["fatal"]), (n, 0, 0, 0), c.outcomes())
        # Every call the consumer made as the integration user succeeded.
        failed = [x for x in self.sim.calls()["calls"] if x.get("error")]
        self.assertEqual(failed, [])

    # ---- what setup needs ----

    def test_setup_needs_access_rights_check_does_not(self):
        # As the integration user, creating fields is refused by Odoo
        # (ir.model and ir.model.fields belong to Administration / Access
        # Rights): nothing is created and the error says who may.
        self.restrict(INTEGRATION_USER)
        r = self.setup_tool()
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("set-up failed: odoo.exceptions.AccessError", r.stderr)
        self.assertIn("(ir.model)", r.stderr)
        self.assertIn("Administration/Access Rights", r.stderr)
        self.assertFalse([f for f in self.sim.dump("ir.model.fields")
                          if f["name"].startswith("x_lgx_")])
        # Administration / Access Rights is enough to create them; the
        # administrator (Settings) has it.
        self.restrict(["base.group_erp_manager"])
        r = self.setup_tool()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("created %d item(s)" % custom_items(), r.stdout)
        # --check (and every consumer's start-up check) reads fields_get
        # only, which needs no right: the integration user may run it.
        self.restrict(INTEGRATION_USER)
        r = self.setup_tool("--check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("has everything lgx needs", r.stdout)
        # With nothing left to create, running the set-up again (a Job
        # applied again) succeeds with the integration user's key too.
        r = self.setup_tool()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("created 0 item(s)", r.stdout)

    def test_the_integration_user_has_inventory_user_and_internal_user(self):
        report = self.admin_setup_then_restrict(INTEGRATION_USER)
        self.assertEqual(report["effective"],
                         ["stock.group_stock_user", "base.group_user"])

    # ---- the four consumers as the integration user ----

    def test_picks_as_integration_user(self):
        self.admin_setup_then_restrict(INTEGRATION_USER)
        full, part = self.picking(qty=5), self.picking(qty=180)
        c = self.consume("lgx-picks", self.topic + ".picks",
                         [pick_event(full, [("SKU-1001", 5)]),
                          pick_event(part, [("SKU-1001", 100)])],
                         "lgx.picks.PickConfirmed", "picking_name")
        self.check_all_applied(c, 2)
        for name in (full, part):
            p = self.sim.picking(name)
            self.assertEqual(p["state"], "done")
            self.assertTrue(all(m["picked"]
                                for m in self.sim.moves(p["id"])))
        # The partial pick went through Odoo's backorder wizard.
        pid = self.sim.picking(part)["id"]
        rest = [b for b in self.sim.dump("stock.picking")
                if (b.get("backorder_id") or [None])[0] == pid]
        self.assertEqual([m["product_uom_qty"]
                          for m in self.sim.moves(rest[0]["id"])], [80])

    def test_shipments_as_integration_user(self):
        self.admin_setup_then_restrict(INTEGRATION_USER)
        # a: validated by its pick (the dispatch validates nothing).
        a, b = self.picking(state="done"), self.picking()
        evs = [booked("SHP-LP1", [a]), label("SHP-LP1", "TRK-LP1"),
               dispatched("SHP-LP1"), booked("SHP-LP2", [b]),
               cancelled("SHP-LP2")]
        c = self.consume("lgx-shipments", self.topic + ".shipments", evs,
                         "lgx.shipments.ShipmentEvent", "shipment_id")
        self.check_all_applied(c, 5)
        p = self.sim.picking(a)
        self.assertEqual((p["state"], p["carrier_id"][1],
                          p["carrier_tracking_ref"],
                          p["x_lgx_shipment_status"]),
                         ("done", "Standard delivery", "TRK-LP1",
                          "dispatched"))
        self.assertEqual([x["name"] for x in
                          self.on_picking("ir.attachment", a)],
                         ["label-TRK-LP1.zpl"])
        q = self.sim.picking(b)
        self.assertEqual((q["state"], q["x_lgx_shipment_status"]),
                         ("assigned", "cancelled"))
        self.assertEqual(len([m for m in self.on_picking("mail.message", b)
                              if "cancelled" in (m["body"] or "")]), 1)

    def test_milestones_as_integration_user(self):
        self.admin_setup_then_restrict(INTEGRATION_USER)
        name, ref = self.dispatched_picking()
        evs = [milestone(ref, "IN_TRANSIT", minutes_ago=60),
               milestone(ref, "EXCEPTION", minutes_ago=30,
                         reason="address incomplete")]
        c = self.consume("lgx-milestones", self.topic + ".milestones", evs,
                         "lgx.milestones.CarrierMilestone", "tracking_ref")
        self.check_all_applied(c, 2)
        self.assertEqual(self.sim.picking(name)["x_lgx_milestone"],
                         "EXCEPTION")
        notes = [m for m in self.on_picking("mail.message", name)
                 if m["message_type"] == "comment"]
        self.assertEqual(len(notes), 2)
        self.assertEqual([a["summary"] for a in
                          self.on_picking("mail.activity", name)],
                         ["Parcel %s: EXCEPTION" % ref])

    def test_pod_as_integration_user(self):
        self.admin_setup_then_restrict(INTEGRATION_USER)
        # On an invoiced order: the invoice check reads the sale order
        # (Inventory / User may read orders: sale_stock).
        order = next(o for o in self.sim.dump("sale.order")
                     if o["invoice_status"] == "invoiced")
        name, _ = self.dispatched_picking(sale_id=order["id"])
        ev = pod(name, lines=[("SKU-1001", 2, 1, "SHORTAGE")])
        c = self.consume("lgx-pod", self.topic + ".pod", [ev],
                         "lgx.pod.ProofOfDelivery", "picking_name")
        self.check_all_applied(c, 1)
        self.assertIn("already_invoiced", c.outcomes()[0]["msg"])
        p = self.sim.picking(name)
        self.assertEqual((p["x_lgx_shipment_status"], p["x_lgx_receiver"]),
                         ("delivered", "A. Janssen"))
        atts = self.on_picking("ir.attachment", name)
        self.assertEqual([(a["name"], a["mimetype"]) for a in atts],
                         [("POD signature " + name, "image/svg+xml")])
        self.assertEqual(base64.b64decode(atts[0]["datas"]).decode(), SVG)
        self.assertEqual(len(self.on_picking("mail.activity", name)), 1)
        self.assertTrue(any("after invoicing" in (m["body"] or "")
                            for m in self.on_picking("mail.message", name)))

    # ---- a user without Inventory / User ----

    def test_without_inventory_user_events_are_dead_lettered(self):
        self.admin_setup_then_restrict(INTERNAL_USER_ONLY)
        name, ref = self.dispatched_picking()
        fresh = self.picking()
        runs = [
            ("lgx-picks", [pick_event(fresh, [("SKU-1001", 5)])],
             "lgx.picks.PickConfirmed", "picking_name"),
            ("lgx-shipments", [booked("SHP-LP9", [fresh])],
             "lgx.shipments.ShipmentEvent", "shipment_id"),
            ("lgx-milestones", [milestone(ref)],
             "lgx.milestones.CarrierMilestone", "tracking_ref"),
            ("lgx-pod", [pod(name)], "lgx.pod.ProofOfDelivery",
             "picking_name"),
        ]
        before = self.sim.dump("stock.picking")
        for program, evs, schema, key_field in runs:
            with self.subTest(program=program):
                topic = "%s.%s" % (self.topic, program)
                started = time.time()
                # The start-up check passes (it needs no right); the
                # event is refused at its first call, not retried, and
                # the consumer goes on to the end of the topic.
                c = self.consume(program, topic, evs, schema, key_field)
                self.assertLess(time.time() - started, 30)
                s = c.summary()
                self.assertEqual((s["rejected"], s["applied"], s["retry"],
                                  s["fatal"]), (1, 0, 0, 0), c.outcomes())
                line = c.outcomes()[0]
                self.assertEqual((line["outcome"], line["reason"]),
                                 ("rejected", "odoo_permission"))
                # The log line names the model and the operation, and
                # Odoo's message the group that is missing.
                self.assertTrue(line["msg"].startswith(
                    "stock.picking search_read: You are not allowed to "
                    "access 'Transfer' (stock.picking) records."),
                    line["msg"])
                self.assertIn("Inventory/User", line["msg"])
                dlq = broker.read(topic + ".dlq")
                self.assertEqual(len(dlq), 1)
                h = dlq[0]["headers"]
                self.assertEqual(h["lgx.dlq.reason"], "odoo_permission")
                self.assertIn("stock.picking search_read",
                              h["lgx.dlq.message"])
                self.assertIn("Inventory/User", h["lgx.dlq.message"])
                self.assertEqual(h["lgx.dlq.program"], program)
        # Nothing was written.
        self.assertEqual(self.sim.dump("stock.picking"), before)
        self.assertEqual(self.on_picking("ir.attachment", name), [])

    def test_given_the_group_the_dead_letters_redrive(self):
        # The operator's way out: give the group, redrive the dead letters.
        self.admin_setup_then_restrict(INTERNAL_USER_ONLY)
        name = self.picking(qty=5)
        topic = self.topic + ".picks"
        self.consume("lgx-picks", topic,
                     [pick_event(name, [("SKU-1001", 5)])],
                     "lgx.picks.PickConfirmed", "picking_name")
        self.assertEqual(self.sim.picking(name)["state"], "assigned")
        self.restrict(INTEGRATION_USER)
        r = subprocess.run(
            lgxenv.wrap([os.path.join(lgxenv.BIN, "lgx-dlq"), "redrive",
                         "--brokers", broker.bootstrap, "--topic",
                         topic + ".dlq", "--reason", "odoo_permission"]),
            capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        c = run_consumer("lgx-picks", broker, self.sim, topic)
        self.assertEqual(c.summary()["applied"], 1, c.outcomes())
        self.assertEqual(self.sim.picking(name)["state"], "done")


class LeastPrivilegeJsonRpcTest(LeastPrivilegeTest):
    """The same against an Odoo 17 (JSON-RPC)."""
    version = 17


if __name__ == "__main__":
    unittest.main()
