"""Integration tests of the Odoo layer: lgx-odoo-setup against the
simulator (both APIs), the consumers' start-up checks, cached lookups and
the API key never showing in output."""
import os
import subprocess
import unittest

import lgxenv
from lgxenv import pick_event, produce, run_consumer

SETUP = os.path.join(lgxenv.BIN, "lgx-odoo-setup")
broker = lgxenv.shared_broker()


def custom_fields(sim):
    return sorted((f["model"], f["name"]) for f in sim.dump("ir.model.fields")
                  if f["name"].startswith("x_lgx"))


class SetupTest(unittest.TestCase):
    version = 19

    @classmethod
    def setUpClass(cls):
        cls.sim = lgxenv.Simulator(version=cls.version, setup=False)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.reset()

    def setup(self, *args):
        r = subprocess.run([SETUP, *self.sim.odoo_args(), *args],
                           capture_output=True, text=True, timeout=60)
        self.assertNotIn(lgxenv.API_KEY, r.stdout + r.stderr)
        return r

    def test_check_lists_what_is_missing_and_changes_nothing(self):
        before = custom_fields(self.sim)
        r = self.setup("--check")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("missing 15 item(s)", r.stdout)
        self.assertNotIn("x_lgx_ledger", r.stdout)
        self.assertIn("stock.picking.x_lgx_eta (datetime", r.stdout)
        self.assertEqual(custom_fields(self.sim), before)

    def test_setup_twice_changes_nothing_the_second_time(self):
        first = self.setup()
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn("created 15 item(s)", first.stdout)
        after_first = custom_fields(self.sim)
        self.assertEqual(len(after_first), 15)
        models = [m["model"] for m in self.sim.dump("ir.model")]
        self.assertNotIn("x_lgx_ledger", models)
        calls_before = self.sim.calls()["count"]
        second = self.setup()
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn("created 0 item(s)", second.stdout)
        self.assertEqual(custom_fields(self.sim), after_first)
        creates = [c for c in self.sim.calls()["calls"][calls_before:]
                   if c.get("method") == "create"]
        self.assertEqual(creates, [])
        self.assertEqual(self.setup("--check").returncode, 0)

    def test_setup_names_the_ledger_model_no_longer_used_and_keeps_it(self):
        # Earlier releases created x_lgx_ledger, which nothing wrote to.
        self.sim.call("ir.model", "create", [
            {"name": "lgx: applied effects", "model": "x_lgx_ledger"}])
        r = self.setup()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("model x_lgx_ledger is in Odoo, but lgx no longer "
                      "uses it", r.stderr)
        models = [m["model"] for m in self.sim.dump("ir.model")]
        self.assertIn("x_lgx_ledger", models)
        # Without it, nothing is said.
        self.sim.reset()
        r = self.setup()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("x_lgx_ledger", r.stdout + r.stderr)

    def test_created_fields_are_usable(self):
        self.assertEqual(self.setup().returncode, 0)
        # A custom field is writable at once, as in Odoo.
        pk = self.sim.picking("WH/OUT/00005")
        from urllib.request import Request, urlopen
        import json
        req = Request(self.sim.url + "/json/2/stock.picking/write",
                      data=json.dumps({"ids": [pk["id"], ], "vals": {
                          "x_lgx_milestone": "IN_TRANSIT"}}).encode(),
                      headers={"Authorization": "bearer " + lgxenv.API_KEY,
                               "X-Odoo-Database": "lgx",
                               "Content-Type": "application/json"})
        if self.version >= 19:
            self.assertEqual(json.loads(urlopen(req).read()), True)
            self.assertEqual(self.sim.picking("WH/OUT/00005")
                             ["x_lgx_milestone"], "IN_TRANSIT")

    def test_wrong_key_is_a_clear_error(self):
        bad = os.path.join(self.sim.dir, "bad-key")
        with open(bad, "w") as f:
            f.write("not-the-key\n")
        r = subprocess.run([SETUP, "--odoo-url", self.sim.url,
                            "--odoo-allow-http", "--odoo-db",
                            "lgx", "--odoo-api-key-file", bad, "--check"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("API key", r.stderr)
        self.assertNotIn("not-the-key", r.stdout + r.stderr)

    def test_key_file_that_is_a_directory_says_so(self):
        # It used to say "the API key file ... is empty".
        d = os.path.join(self.sim.dir, "key-dir")
        os.makedirs(d, exist_ok=True)
        r = subprocess.run([SETUP, "--odoo-url", self.sim.url,
                            "--odoo-allow-http", "--odoo-db", "lgx",
                            "--odoo-api-key-file", d, "--check"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("is not a regular file (a directory)", r.stderr)


class SetupJsonRpcTest(SetupTest):
    version = 17


class LookupTest(unittest.TestCase):
    def setUp(self):
        self.sim = lgxenv.Simulator(version=19)
        self.topic = "it.odoo." + self._testMethodName

    def tearDown(self):
        self.sim.stop()

    def test_product_lookups_are_cached(self):
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1002")
        names = []
        for i in range(5):
            name = "WH/OUT/C%d" % i
            self.sim.seed("stock.picking", [{
                "name": name, "state": "assigned",
                "picking_type_code": "outgoing",
                "move_ids": [{"product_id": pid, "product_uom_qty": 2}]}])
            names.append(name)
        r = produce(broker, self.topic,
                    [pick_event(n, [("SKU-1002", 1)], complete=False)
                     for n in names])
        self.assertEqual(r.returncode, 0, r.stderr)
        # One worker: each worker keeps its own cache (--concurrency).
        c = run_consumer("lgx-picks", broker, self.sim, self.topic,
                         extra=("--concurrency", "1"))
        self.assertEqual(c.summary()["applied"], 5)
        counts = self.sim.calls()["counts"]["json2"]
        self.assertEqual(counts.get("product.product.search_read"), 1,
                         counts)
        self.assertEqual(counts.get("stock.picking.search_read"), 5)
        self.assertNotIn(lgxenv.API_KEY, open(c.logpath).read())

    def test_consumer_refuses_odoo_without_stock_move_picked(self):
        # Odoo 16 and older have no stock.move.picked: lgx-picks must
        # refuse to start rather than write fields that do not exist.
        r = self.sim._req("/__sim/remove_field",
                          {"model": "stock.move", "field": "picked"})
        self.assertTrue(r.get("ok"))
        c = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic)
        self.assertEqual(c.wait(30), 1)
        text = " ".join(l.get("msg", "") for l in c.lines())
        self.assertIn("stock.move.picked", text)
        self.assertIn("lgx-odoo-setup", text)


if __name__ == "__main__":
    unittest.main()
