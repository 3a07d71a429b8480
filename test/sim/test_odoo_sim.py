#!/usr/bin/env python3
"""Self-test of the Odoo simulator (test/sim/odoo_sim.py).

Starts the simulator as a subprocess on a free port (one Odoo 19 server and
one Odoo 17 server) and checks it over HTTP with urllib: the error table of
both APIs, authentication, version modes, the button_validate workflow and
its wizards, the traps of ODOO-FACTS.md, and the control endpoints.

Run: python3 test/sim/test_odoo_sim.py   (prints "N passed, N failed")
"""

import base64
from http.client import HTTPException
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "odoo_sim.py")
API_KEY = "lgx-test-key"
DB = "lgx"
MISSING_MESSAGE = ("Record does not exist or has been deleted.\n"
                   "(Record: stock.picking(999999,), User: 2)")
NO_QUANTITY_19 = ("Transfer trouble alert! Validating a zero quantity transfer? "
                  "You're not moving invisible goods around are you?\n"
                  "Set some quantities and let's get moving!")
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


# ---------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------

class SimProcess:
    """The simulator running in a subprocess."""

    def __init__(self, *extra, env=None):
        self.tmp = tempfile.TemporaryDirectory()
        port_file = os.path.join(self.tmp.name, "port")
        # the tests time nothing unless they ask for a latency profile
        environ = {k: v for k, v in os.environ.items() if k != "LGX_SIM_LATENCY"}
        environ.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, SIM, "--port", "0", "--port-file", port_file, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
        self.banner = self.proc.stdout.readline().strip()
        deadline = time.time() + 10
        while not os.path.exists(port_file):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"simulator did not start: {self.proc.stderr.read()}")
            time.sleep(0.02)
        with open(port_file, encoding="ascii") as handle:
            self.port = int(handle.read().strip())
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=10)
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()
            self.tmp.cleanup()
        return code


def http(base, method, path, body=None, headers=None):
    """Returns (status, headers, raw body)."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


SERVERS = {}


def setUpModule():
    SERVERS[19] = SimProcess()
    SERVERS[17] = SimProcess("--version", "17")


def tearDownModule():
    for key in list(SERVERS):
        code = SERVERS.pop(key).stop()
        if code != 0:
            raise AssertionError(f"simulator {key} exited with {code} on SIGTERM")


class SimTestCase(unittest.TestCase):
    version = 19

    @property
    def base(self):
        return SERVERS[self.version].base

    def setUp(self):
        self.control("POST", "/__sim/reset", {"seed": "demo"})
        self.control("POST", "/__sim/calls/reset", {})

    # -- control endpoints -------------------------------------------------------
    def control(self, method, path, body=None):
        status, _headers, raw = http(self.base, method, path, body,
                                     {"Content-Type": "application/json"} if body is not None else {})
        self.assertEqual(status, 200, raw)
        return json.loads(raw)

    def dump(self, model):
        return {r["id"]: r for r in self.control("GET", f"/__sim/dump?model={model}")[model]}

    # -- JSON-2 ---------------------------------------------------------------------
    def j2(self, model, method, body=None, key=API_KEY, headers=None):
        """Returns (status, decoded JSON body, headers)."""
        hdrs = {"Content-Type": "application/json", "X-Odoo-Database": DB}
        if key is not None:
            hdrs["Authorization"] = f"bearer {key}"
        hdrs.update(headers or {})
        status, response_headers, raw = http(self.base, "POST", f"/json/2/{model}/{method}",
                                             body if body is not None else {}, hdrs)
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw.decode()
        return status, payload, response_headers

    def ok(self, model, method, body=None):
        status, payload, _ = self.j2(model, method, body)
        self.assertEqual(status, 200, payload)
        return payload

    def assertJ2Error(self, result, status, name, message=None):
        got_status, payload, _headers = result
        self.assertEqual(got_status, status, payload)
        self.assertEqual(set(payload), {"name", "message", "arguments", "context", "debug"})
        self.assertEqual(payload["name"], name)
        if message is not None:
            self.assertEqual(payload["message"], message)
        return payload

    # -- JSON-RPC ----------------------------------------------------------------------
    def rpc(self, service, method, args, raw_body=None):
        body = raw_body if raw_body is not None else {
            "jsonrpc": "2.0", "method": "call", "params": {"service": service, "method": method, "args": args},
            "id": 7}
        status, _headers, raw = http(self.base, "POST", "/jsonrpc", body, {"Content-Type": "application/json"})
        return status, raw

    def execute_kw(self, model, method, args, kwargs=None, password="admin"):
        status, raw = self.rpc("object", "execute_kw", [DB, 2, password, model, method, args, kwargs or {}])
        self.assertEqual(status, 200, raw)
        return json.loads(raw)

    def rpc_ok(self, model, method, args, kwargs=None, password="admin"):
        response = self.execute_kw(model, method, args, kwargs, password)
        self.assertNotIn("error", response, response)
        return response["result"]

    def assertRpcError(self, response, name, message=None):
        self.assertEqual(response["jsonrpc"], "2.0")
        self.assertEqual(response["id"], 7)
        self.assertNotIn("result", response)
        error = response["error"]
        self.assertEqual(error["code"], 0 if self.version >= 19 else 200)
        self.assertEqual(error["message"], "Odoo Server Error")
        self.assertEqual(error["data"]["name"], name)
        self.assertEqual(set(error["data"]), {"name", "message", "arguments", "context", "debug"})
        if message is not None:
            self.assertEqual(error["data"]["message"], message)
        return error["data"]

    # -- stock helpers ---------------------------------------------------------------------
    def picking(self, pid, fields=("name", "state", "date_done", "move_ids", "backorder_id")):
        rows = self.ok("stock.picking", "read", {"ids": [pid], "fields": list(fields)})
        return rows[0]

    def moves(self, pid):
        return self.ok("stock.move", "search_read", {
            "domain": [["picking_id", "=", pid]],
            "fields": ["product_id", "product_uom_qty", "quantity", "picked", "state"], "order": "id"})

    def validate(self, pid, context=None):
        return self.ok("stock.picking", "button_validate", {"ids": [pid], "context": context or {}})

    def access(self, group="base.group_user", perms="rwcd"):
        """The values of an ir.model.access row (as Studio makes for a new model)."""
        module, _, name = group.partition(".")
        group_id = self.ok("ir.model.data", "search_read", {
            "domain": [["module", "=", module], ["name", "=", name]], "fields": ["res_id"]})[0]["res_id"]
        return {"name": f"access {group} {perms}", "group_id": group_id,
                "perm_read": "r" in perms, "perm_write": "w" in perms, "perm_create": "c" in perms,
                "perm_unlink": "d" in perms}


# ---------------------------------------------------------------------------
# Start-up, control endpoints, seed
# ---------------------------------------------------------------------------

class StartupTests(SimTestCase):

    def test_banner_and_port_file(self):
        server = SERVERS[19]
        self.assertEqual(server.banner, f"odoo-sim listening on http://127.0.0.1:{server.port}")

    def test_health(self):
        status, _h, raw = http(self.base, "GET", "/web/health")
        self.assertEqual((status, json.loads(raw)), (200, {"status": "pass"}))

    def test_unknown_path_is_werkzeug_404(self):
        status, headers, raw = http(self.base, "GET", "/nope")
        self.assertEqual(status, 404)
        self.assertIn("text/html", headers["Content-Type"])
        self.assertIn(b"<title>404 Not Found</title>", raw)

    def test_demo_seed(self):
        pickings = self.dump("stock.picking")
        outgoing = [p for p in pickings.values() if p["picking_type_code"] == "outgoing"]
        self.assertEqual(len(outgoing), 12)
        self.assertEqual(pickings[1]["name"], "WH/OUT/00001")
        states = [p["state"] for p in outgoing]
        self.assertEqual(states.count("draft"), 2)
        self.assertEqual(states.count("confirmed"), 2)
        self.assertGreaterEqual(states.count("assigned"), 6)
        self.assertEqual((states.count("done"), states.count("cancel")), (1, 1))
        self.assertEqual([pickings[i]["name"] for i in (13, 14)], ["WH/IN/00001", "WH/IN/00002"])
        self.assertEqual(len(pickings[6]["move_ids"]), 2)
        products = self.dump("product.product")
        self.assertEqual(products[1]["display_name"], "[SKU-1001] Office Chair")
        self.assertEqual(sorted(p["default_code"] for p in products.values())[:12],
                         [f"SKU-{1001 + i}" for i in range(12)])

    def test_reset_is_stable_and_empty_seed(self):
        self.ok("stock.picking", "write", {"ids": [5], "vals": {"origin": "changed"}})
        self.control("POST", "/__sim/reset", {})
        self.assertEqual(self.picking(5, ["origin"])["origin"], "S00005")
        self.control("POST", "/__sim/reset", {"seed": "empty"})
        self.assertEqual(self.ok("stock.picking", "search_count", {"domain": []}), 0)
        self.assertEqual(self.ok("res.users", "read", {"ids": [2], "fields": ["login"]})[0]["login"], "admin")

    def test_seed_endpoint_with_nested_moves(self):
        result = self.control("POST", "/__sim/seed", {"model": "stock.picking", "records": [{
            "name": "WH/OUT/00100", "state": "assigned", "partner_id": 7, "origin": "KAFKA-1",
            "move_ids": [{"product_id": "SKU-1003", "product_uom_qty": 4},
                         {"product_id": 2, "product_uom_qty": 10, "quantity": 6, "state": "partially_available"}],
        }]})
        pid = result["ids"][0]
        picking = self.picking(pid, ["name", "state", "partner_id", "picking_type_code"])
        self.assertEqual(picking["name"], "WH/OUT/00100")
        self.assertEqual(picking["state"], "assigned")
        self.assertEqual(picking["partner_id"], [7, "Azure Interior"])
        moves = self.moves(pid)
        self.assertEqual([(m["product_uom_qty"], m["quantity"], m["state"]) for m in moves],
                         [(4.0, 4.0, "assigned"), (10.0, 6.0, "partially_available")])
        created = self.ok("stock.picking", "create", {"vals_list": [{"picking_type_id": 2, "partner_id": 7}]})
        self.assertEqual(self.picking(created[0], ["name"])["name"], "WH/OUT/00101")

    def test_remove_field_until_reset(self):
        self.control("POST", "/__sim/remove_field", {"model": "stock.move", "field": "picked"})
        self.assertJ2Error(self.j2("stock.move", "read", {"ids": [1], "fields": ["picked"]}), 500,
                           "builtins.ValueError", "Invalid field 'picked' on 'stock.move'")
        self.assertNotIn("picked", self.ok("stock.move", "fields_get", {"attributes": ["type"]}))
        self.assertEqual(self.ok("ir.model.fields", "search_count", {
            "domain": [["model", "=", "stock.move"], ["name", "=", "picked"]]}), 0)
        self.control("POST", "/__sim/reset", {})
        self.assertIn("picked", self.ok("stock.move", "fields_get", {"attributes": ["type"]}))

    def test_seed_rejects_unknown_field(self):
        status, _h, raw = http(self.base, "POST", "/__sim/seed",
                               {"model": "stock.picking", "records": [{"x_nope": 1}]},
                               {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertIn("Invalid field 'x_nope'", json.loads(raw)["error"])

    def test_calls_log(self):
        self.ok("stock.picking", "write", {"ids": [5], "vals": {"carrier_tracking_ref": "T1"}})
        self.ok("stock.picking", "write", {"ids": [6], "vals": {"carrier_tracking_ref": "T2"}})
        self.rpc_ok("stock.picking", "read", [[5]], {"fields": ["name"]})
        report = self.control("GET", "/__sim/calls")
        self.assertEqual(report["count"], 3)
        self.assertEqual(report["counts"]["json2"]["stock.picking.write"], 2)
        self.assertEqual(report["counts"]["jsonrpc"]["stock.picking.read"], 1)
        only = self.control("GET", "/__sim/calls?api=json2&method=write")
        self.assertEqual(only["count"], 2)
        self.assertEqual(only["calls"][0]["ids"], [5])
        self.assertEqual(only["calls"][0]["params"], {"vals": {"carrier_tracking_ref": "T1"}})
        self.assertEqual(only["calls"][0]["status"], 200)
        self.control("POST", "/__sim/calls/reset", {})
        self.assertEqual(self.control("GET", "/__sim/calls")["count"], 0)

    def test_fault_injection_lock_and_delay(self):
        self.control("POST", "/__sim/fail", {"model": "stock.picking", "method": "write",
                                             "error": "lock", "times": 1})
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {"origin": "a"}}),
                           409, "odoo.exceptions.LockError")
        self.ok("stock.picking", "write", {"ids": [5], "vals": {"origin": "a"}})
        self.control("POST", "/__sim/fail", {"method": "search_count", "delay_ms": 150})
        start = time.time()
        self.ok("stock.picking", "search_count", {"domain": []})
        self.assertGreaterEqual(time.time() - start, 0.14)


# ---------------------------------------------------------------------------
# JSON-2 error table (ODOO-FACTS.md)
# ---------------------------------------------------------------------------

class Json2ErrorTests(SimTestCase):

    def test_missing_api_key(self):
        result = self.j2("stock.picking", "search_count", {"domain": []}, key=None)
        message = "User not authenticated, use an API Key with a Bearer Authorization header."
        payload = self.assertJ2Error(result, 401, "werkzeug.exceptions.Unauthorized", message)
        self.assertEqual(payload["arguments"], [message, 401])
        self.assertEqual(result[2]["WWW-Authenticate"], "Bearer")
        for header in ("Basic YWRtaW46YWRtaW4=", "bearer ", API_KEY):
            self.assertJ2Error(self.j2("stock.picking", "search_count", {"domain": []}, key=None,
                                       headers={"Authorization": header}),
                               401, "werkzeug.exceptions.Unauthorized", message)

    def test_wrong_api_key(self):
        result = self.j2("stock.picking", "search_count", {"domain": []}, key="wrong")
        self.assertJ2Error(result, 401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
        self.assertEqual(result[2]["WWW-Authenticate"], "Bearer")

    def test_password_is_not_an_api_key(self):
        self.assertJ2Error(self.j2("stock.picking", "search_count", {"domain": []}, key="admin"),
                           401, "werkzeug.exceptions.Unauthorized")

    def test_bearer_scheme_is_case_insensitive(self):
        status, payload, _ = self.j2("stock.picking", "search_count", {"domain": []}, key=None,
                                     headers={"Authorization": f"Bearer {API_KEY}"})
        self.assertEqual((status, payload), (200, 14))

    def test_unknown_model(self):
        self.assertJ2Error(self.j2("x.nope", "search", {"domain": []}), 404, "werkzeug.exceptions.NotFound",
                           "the model 'x.nope' does not exist")

    def test_unknown_method(self):
        self.assertJ2Error(self.j2("stock.picking", "fly", {"ids": [5]}), 404, "werkzeug.exceptions.NotFound",
                           "The method 'stock.picking.fly' does not exist")

    def test_private_method(self):
        self.assertJ2Error(self.j2("stock.picking", "_action_done", {"ids": [5]}), 403,
                           "odoo.exceptions.AccessError",
                           "Private methods (such as 'stock.picking._action_done') cannot be called remotely.")

    def test_write_missing_id(self):
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [999999], "vals": {"origin": "x"}}),
                           404, "odoo.exceptions.MissingError", MISSING_MESSAGE)

    def test_unlink_and_action_on_missing_id(self):
        self.assertJ2Error(self.j2("stock.picking", "unlink", {"ids": [999999]}),
                           404, "odoo.exceptions.MissingError", MISSING_MESSAGE)
        self.assertJ2Error(self.j2("stock.picking", "button_validate", {"ids": [999999]}),
                           404, "odoo.exceptions.MissingError", MISSING_MESSAGE)

    def test_unknown_field_in_vals_domain_fields(self):
        # the texts of a real Odoo 19: they differ by place (and by version)
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {"x_nope": 1}}),
                           500, "builtins.ValueError", "Invalid field 'x_nope' in 'stock.picking'")
        self.assertJ2Error(self.j2("stock.picking", "search_read", {"domain": [["x_nope", "=", 1]]}),
                           500, "builtins.ValueError",
                           "Invalid field stock.picking.x_nope in condition ('x_nope', '=', 1)")
        self.assertJ2Error(self.j2("stock.picking", "search", {"domain": [["partner_id.x_nope", "=", "a"]]}),
                           500, "builtins.ValueError",
                           "Invalid field res.partner.x_nope in condition ('x_nope', '=', 'a')")
        self.assertJ2Error(self.j2("stock.picking", "search", {"domain": [["origin.x_nope", "=", 1]]}),
                           500, "builtins.ValueError", "Invalid field property 'x_nope' on stock.picking.origin")
        self.assertJ2Error(self.j2("stock.picking", "read", {"ids": [5], "fields": ["x_nope"]}),
                           500, "builtins.ValueError", "Invalid field 'x_nope' on 'stock.picking'")
        self.assertJ2Error(self.j2("stock.picking", "search", {"domain": [], "order": "x_nope"}),
                           500, "builtins.ValueError", "Invalid field 'x_nope' on model 'stock.picking'")

    def test_no_picked_field_on_picking(self):
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {"picked": True}}),
                           500, "builtins.ValueError", "Invalid field 'picked' in 'stock.picking'")

    def test_failed_write_changes_nothing(self):
        self.j2("stock.picking", "write", {"ids": [5], "vals": {"origin": "new", "x_nope": 1}})
        self.assertEqual(self.picking(5, ["origin"])["origin"], "S00005")

    def test_business_refusal(self):
        payload = self.assertJ2Error(self.j2("stock.picking", "action_cancel", {"ids": [11]}),
                                     422, "odoo.exceptions.UserError")
        self.assertIn("set to 'Done'", payload["message"])

    def test_bad_keyword_argument(self):
        # JSON-2 binds the arguments to the method's signature first: 422
        payload = self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {}, "foo": 1}),
                                     422, "werkzeug.exceptions.UnprocessableEntity",
                                     "got an unexpected keyword argument 'foo'")
        self.assertEqual(payload["arguments"], ["got an unexpected keyword argument 'foo'", 422])
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5]}), 422,
                           "werkzeug.exceptions.UnprocessableEntity", "missing a required argument: 'vals'")
        # search_read takes **read_kwargs: the method itself fails, 500
        self.assertJ2Error(self.j2("stock.picking", "search_read", {"domain": [], "foo": 1}),
                           500, "builtins.TypeError",
                           "BaseModel._read_format() got an unexpected keyword argument 'foo'")

    def test_body_not_json(self):
        status, payload, _ = self.j2("stock.picking", "search", b"{not json")
        self.assertEqual(status, 400)
        self.assertEqual(payload["name"], "werkzeug.exceptions.BadRequest")
        status, payload, _ = self.j2("stock.picking", "search", b"[1, 2]")
        self.assertEqual(status, 400)

    def test_model_method_with_ids(self):
        self.assertJ2Error(self.j2("stock.picking", "search", {"ids": [1], "domain": []}), 422,
                           "werkzeug.exceptions.UnprocessableEntity")

    def test_unknown_database_header(self):
        status, payload, _ = self.j2("stock.picking", "search_count", {"domain": []},
                                     headers={"X-Odoo-Database": "other"})
        self.assertEqual((status, payload["name"]), (404, "werkzeug.exceptions.NotFound"))

    def test_get_not_allowed(self):
        status, _h, raw = http(self.base, "GET", "/json/2/stock.picking/search_count", None,
                               {"Authorization": f"bearer {API_KEY}"})
        self.assertEqual(status, 405, raw)

    def test_bare_results(self):
        self.assertIs(self.ok("stock.picking", "write", {"ids": [5], "vals": {"origin": "X"}}), True)
        self.assertEqual(self.ok("stock.picking", "search_count", {"domain": [["state", "=", "draft"]]}), 3)
        self.assertEqual(sorted(self.ok("stock.picking", "search", {"domain": [["state", "=", "draft"]]})),
                         [1, 2, 14])
        new = self.ok("res.partner", "create", {"vals_list": [{"name": "A"}, {"name": "B"}]})
        self.assertEqual(len(new), 2)
        single = self.ok("res.partner", "create", {"vals_list": {"name": "C"}})
        self.assertIsInstance(single, list)
        self.assertIs(self.ok("res.partner", "unlink", {"ids": new}), True)


# ---------------------------------------------------------------------------
# JSON-RPC
# ---------------------------------------------------------------------------

class JsonRpcTests(SimTestCase):

    def test_version(self):
        status, raw = self.rpc("common", "version", [])
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(raw)["result"], {
            "server_version": "19.0", "server_version_info": [19, 0, 0, "final", 0, ""],
            "server_serie": "19.0", "protocol_version": 1})

    def test_login(self):
        self.assertEqual(json.loads(self.rpc("common", "login", [DB, "admin", "admin"])[1])["result"], 2)
        self.assertIs(json.loads(self.rpc("common", "login", [DB, "admin", "bad"])[1])["result"], False)
        self.assertEqual(json.loads(self.rpc("common", "login", [DB, "admin", API_KEY])[1])["result"], 2)
        self.assertEqual(json.loads(self.rpc("common", "authenticate",
                                             [DB, "admin", "admin", {}])[1])["result"], 2)

    def test_wrong_password(self):
        response = self.execute_kw("stock.picking", "search_count", [[]], password="bad")
        data = self.assertRpcError(response, "odoo.exceptions.AccessDenied", "Access Denied")
        self.assertNotIn("Traceback", data["debug"])

    def test_api_key_as_password(self):
        self.assertEqual(self.rpc_ok("stock.picking", "search_count", [[]], password=API_KEY), 14)

    def test_missing_record_is_http_200(self):
        response = self.execute_kw("stock.picking", "write", [[999999], {"origin": "x"}])
        self.assertRpcError(response, "odoo.exceptions.MissingError", MISSING_MESSAGE)

    def test_error_table(self):
        self.assertRpcError(self.execute_kw("x.nope", "search", [[]]), "odoo.exceptions.UserError",
                            "Object x.nope doesn't exist")
        self.assertRpcError(self.execute_kw("stock.picking", "fly", [[5]]), "builtins.AttributeError",
                            "The method 'stock.picking.fly' does not exist")
        self.assertRpcError(self.execute_kw("stock.picking", "_action_done", [[5]]),
                            "odoo.exceptions.AccessError")
        self.assertRpcError(self.execute_kw("stock.picking", "write", [[5], {"x_nope": 1}]),
                            "builtins.ValueError", "Invalid field 'x_nope' in 'stock.picking'")
        self.assertRpcError(self.execute_kw("stock.picking", "action_cancel", [[11]]),
                            "odoo.exceptions.UserError")
        self.assertRpcError(self.execute_kw("stock.picking", "write", [[5], {}], {"foo": 1}),
                            "builtins.TypeError")

    def test_invalid_json(self):
        status, raw = self.rpc(None, None, None, raw_body=b"{oops")
        self.assertEqual(status, 400)
        self.assertEqual(raw, b"Invalid JSON data")

    def test_positional_and_keyword_arguments(self):
        self.assertIs(self.rpc_ok("stock.picking", "write", [[5], {"origin": "A"}]), True)
        self.assertIs(self.rpc_ok("stock.picking", "write", [[5]], {"vals": {"carrier_tracking_ref": "B"}}), True)
        rows = self.rpc_ok("stock.picking", "search_read", [[["id", "=", 5]]],
                           {"fields": ["origin", "carrier_tracking_ref"], "limit": 1})
        self.assertEqual(rows, [{"id": 5, "origin": "A", "carrier_tracking_ref": "B"}])
        self.assertIsInstance(self.rpc_ok("res.partner", "create", [{"name": "One"}]), int)
        self.assertIsInstance(self.rpc_ok("res.partner", "create", [[{"name": "Two"}]]), list)

    def test_create_with_keyword_only_is_index_error(self):
        before = self.rpc_ok("res.partner", "search_count", [[]])
        response = self.execute_kw("res.partner", "create", [], {"vals_list": {"name": "Nope"}})
        self.assertRpcError(response, "builtins.IndexError")
        self.assertEqual(self.rpc_ok("res.partner", "search_count", [[]]), before)

    def test_button_validate_over_rpc(self):
        self.assertIs(self.rpc_ok("stock.picking", "button_validate", [[5]], {"context": {"skip_sms": True}}),
                      True)
        self.assertEqual(self.picking(5)["state"], "done")


class Version17Tests(SimTestCase):
    version = 17

    def test_json2_absent(self):
        status, payload, headers = self.j2("stock.picking", "search_count", {"domain": []})
        self.assertEqual(status, 404)
        self.assertIn("text/html", headers["Content-Type"])
        self.assertIn("Not Found", payload)

    def test_jsonrpc_works(self):
        version = json.loads(self.rpc("common", "version", [])[1])["result"]
        self.assertEqual(version["server_version_info"][:2], [17, 0])
        self.assertEqual(version["server_version"], "17.0")
        self.assertEqual(self.rpc_ok("stock.picking", "search_count", [[["state", "=", "assigned"]]]), 7)


# ---------------------------------------------------------------------------
# ORM behaviour and traps
# ---------------------------------------------------------------------------

class OrmTests(SimTestCase):

    def test_read_missing_id_returns_empty(self):
        self.assertEqual(self.ok("stock.picking", "read", {"ids": [999999], "fields": ["name"]}), [])
        self.assertEqual(len(self.ok("stock.picking", "read", {"ids": [5, 999999], "fields": ["name"]})), 1)

    def test_read_formats(self):
        row = self.picking(11, ["partner_id", "carrier_id", "move_ids", "date_done", "backorder_id",
                                "carrier_tracking_ref", "weight"])
        self.assertEqual(row["partner_id"], [7, "Azure Interior"])
        self.assertEqual(row["carrier_id"], [1, "Standard delivery"])
        self.assertEqual(row["move_ids"], [16])
        self.assertRegex(row["date_done"], DATETIME)
        self.assertIs(row["backorder_id"], False)
        self.assertEqual(row["weight"], 32.0)
        self.assertIs(self.picking(5, ["carrier_tracking_ref"])["carrier_tracking_ref"], False)

    def test_state_write_trap(self):
        self.assertIs(self.ok("stock.picking", "write", {"ids": [5], "vals": {"state": "done"}}), True)
        self.assertEqual(self.picking(5)["state"], "done")
        self.assertEqual([m["state"] for m in self.moves(5)], ["assigned"])
        self.assertEqual(self.dump("product.product")[1]["qty_available"], 500.0)
        self.assertIs(self.validate(5), True)
        self.assertEqual([m["state"] for m in self.moves(5)], ["assigned"])

    def test_boolean_trap(self):
        move = self.moves(5)[0]
        self.assertIs(self.ok("stock.move", "write", {"ids": [move["id"]], "vals": {"picked": "maybe"}}), True)
        self.assertIs(self.moves(5)[0]["picked"], True)

    def test_bad_selection_and_datetime(self):
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {"state": "shipped"}}),
                           500, "builtins.ValueError", "Wrong value for stock.picking.state: 'shipped'")
        self.assertJ2Error(self.j2("stock.picking", "write",
                                   {"ids": [5], "vals": {"scheduled_date": "2025-03-01T10:00:00Z"}}),
                           500, "builtins.ValueError")
        self.ok("stock.picking", "write", {"ids": [5], "vals": {"scheduled_date": "2025-03-01 10:00:00"}})

    def test_domains(self):
        search = lambda domain: sorted(self.ok("stock.picking", "search", {"domain": domain}))
        self.assertEqual(search([["name", "in", ["WH/OUT/00001", "WH/OUT/00005"]]]), [1, 5])
        self.assertEqual(search(["|", ["state", "=", "done"], ["state", "=", "cancel"]]), [11, 12])
        self.assertEqual(search([["partner_id.name", "ilike", "azure"], ["state", "!=", "done"]]), [1, 5])
        self.assertEqual(search([["name", "=like", "WH/IN/%"]]), [13, 14])
        self.assertEqual(search(["!", ["picking_type_code", "=", "outgoing"]]), [13, 14])
        self.assertEqual(search([["carrier_id", "=", False], ["picking_type_code", "=", "outgoing"]]),
                         [1, 2, 3, 4, 12])
        self.assertEqual(search([["id", ">=", 13]]), [13, 14])
        self.assertEqual(self.ok("product.product", "search", {"domain": [["default_code", "=", "SKU-1007"]]}), [7])
        self.assertEqual(len(self.ok("stock.picking", "search_read", {"domain": [], "limit": 3, "offset": 2})), 3)

    def test_order(self):
        rows = self.ok("stock.picking", "search_read", {"domain": [["state", "=", "assigned"]],
                                                        "fields": ["name"], "order": "name desc", "limit": 2})
        self.assertEqual([r["name"] for r in rows], ["WH/OUT/00010", "WH/OUT/00009"])

    def test_fields_get(self):
        fields = self.ok("stock.picking", "fields_get", {"attributes": ["type", "string", "relation"]})
        self.assertEqual(fields["carrier_id"], {"type": "many2one", "string": "Carrier",
                                                "relation": "delivery.carrier"})
        self.assertNotIn("picked", fields)
        self.assertEqual(self.ok("stock.move", "fields_get", {"allfields": ["picked"]})["picked"]["type"], "boolean")

    def test_message_post(self):
        ids = self.ok("stock.picking", "message_post", {"ids": [5], "body": "Shipped <b>now</b>",
                                                        "message_type": "comment",
                                                        "subtype_xmlid": "mail.mt_note"})
        self.assertEqual(len(ids), 1)
        message = self.dump("mail.message")[ids[0]]
        self.assertEqual((message["model"], message["res_id"]), ("stock.picking", 5))
        self.assertEqual(message["body"], "Shipped &lt;b&gt;now&lt;/b&gt;")

    def test_custom_field(self):
        model_id = self.ok("ir.model", "search", {"domain": [["model", "=", "stock.picking"]]})[0]
        self.ok("ir.model.fields", "create", {"vals_list": [{
            "name": "x_lgx_event_id", "model_id": model_id, "field_description": "LGX event",
            "ttype": "char"}]})
        self.ok("stock.picking", "write", {"ids": [5], "vals": {"x_lgx_event_id": "evt-1"}})
        self.assertEqual(self.picking(5, ["x_lgx_event_id"])["x_lgx_event_id"], "evt-1")
        self.assertJ2Error(self.j2("ir.model.fields", "create", {"vals_list": [{
            "name": "lgx_bad", "model_id": model_id, "field_description": "Bad", "ttype": "char"}]}),
            422, "odoo.exceptions.ValidationError")

    def test_custom_model(self):
        self.ok("ir.model", "create", {"vals_list": [{
            "name": "LGX events", "model": "x_lgx_event", "access_ids": [[0, 0, self.access()]],
            "field_id": [[0, 0, {"name": "x_name", "ttype": "char", "field_description": "Name"}]]}]})
        ids = self.ok("x_lgx_event", "create", {"vals_list": [{"x_name": "first"}]})
        self.assertEqual(self.ok("x_lgx_event", "read", {"ids": ids, "fields": ["display_name"]})[0]["display_name"],
                         "first")


# ---------------------------------------------------------------------------
# button_validate and its wizards
# ---------------------------------------------------------------------------

SKIP_SMS = {"skip_sms": True}


class ValidateTests(SimTestCase):

    def test_fully_picked(self):
        move = self.moves(5)[0]
        self.ok("stock.move", "write", {"ids": [move["id"]], "vals": {"picked": True}})
        self.assertIs(self.validate(5, SKIP_SMS), True)
        picking = self.picking(5)
        self.assertEqual(picking["state"], "done")
        self.assertRegex(picking["date_done"], DATETIME)
        self.assertEqual([(m["state"], m["quantity"], m["picked"]) for m in self.moves(5)], [("done", 5.0, True)])
        self.assertEqual(self.dump("product.product")[1]["qty_available"], 495.0)

    def test_reserved_nothing_picked(self):
        self.assertIs(self.validate(6, SKIP_SMS), True)
        self.assertEqual(self.picking(6)["state"], "done")
        self.assertEqual([(m["state"], m["picked"]) for m in self.moves(6)], [("done", True), ("done", True)])

    def test_draft_trap(self):
        self.assertEqual(self.moves(1)[0]["quantity"], 0.0)
        self.assertIs(self.validate(1, SKIP_SMS), True)
        self.assertEqual(self.picking(1)["state"], "done")
        self.assertEqual([(m["quantity"], m["state"]) for m in self.moves(1)], [(5.0, "done")])

    def test_already_done(self):
        before = self.picking(11)
        self.assertIs(self.validate(11), True)
        self.assertEqual(self.picking(11), before)

    def test_confirmed_without_reservation_refused(self):
        self.assertJ2Error(self.j2("stock.picking", "button_validate", {"ids": [3], "context": SKIP_SMS}),
                           422, "odoo.exceptions.UserError", NO_QUANTITY_19)
        self.assertEqual(self.picking(3)["state"], "confirmed")

    def test_cancelled_refused(self):
        self.assertJ2Error(self.j2("stock.picking", "button_validate", {"ids": [12]}),
                           422, "odoo.exceptions.UserError", NO_QUANTITY_19)

    def test_sms_wizard_then_send_sms(self):
        action = self.validate(5)
        self.assertEqual(action["res_model"], "confirm.stock.sms")
        self.assertEqual(action["type"], "ir.actions.act_window")
        self.assertEqual(action["context"]["button_validate_picking_ids"], [5])
        self.assertEqual(self.picking(5)["state"], "assigned")
        self.assertIs(self.ok("confirm.stock.sms", "send_sms",
                              {"ids": [action["res_id"]], "context": action["context"]}), True)
        self.assertEqual(self.picking(5)["state"], "done")
        company = self.dump("res.company")[1]
        self.assertIs(company["has_received_warning_stock_sms"], True)
        self.assertIs(self.validate(8), True)

    def test_sms_wizard_dont_send(self):
        action = self.validate(8)
        self.assertIs(self.ok("confirm.stock.sms", "dont_send_sms",
                              {"ids": [action["res_id"]], "context": action["context"]}), True)
        company = self.dump("res.company")[1]
        # 19: stock_text_confirmation (stock) took the place of stock_move_sms_validation (stock_sms)
        self.assertEqual((company["has_received_warning_stock_sms"], company["stock_text_confirmation"]),
                         (True, False))
        self.assertNotIn("stock_move_sms_validation", company)
        self.assertEqual(self.picking(8)["state"], "done")

    def test_no_sms_wizard_for_partner_without_phone(self):
        self.assertIs(self.validate(9), True)

    def partial_picking_7(self):
        move = self.moves(7)[0]
        self.ok("stock.move", "write", {"ids": [move["id"]], "vals": {"quantity": 100, "picked": True}})
        return move["id"]

    def test_backorder_wizard_process(self):
        move_id = self.partial_picking_7()
        action = self.validate(7, SKIP_SMS)
        self.assertEqual(action["name"], "Create Backorder?")
        self.assertEqual(action["res_model"], "stock.backorder.confirmation")
        self.assertEqual((action["type"], action["view_mode"], action["target"]),
                         ("ir.actions.act_window", "form", "new"))
        self.assertEqual(action["context"]["button_validate_picking_ids"], [7])
        self.assertEqual(action["context"]["default_pick_ids"], [[4, 7]])
        self.assertEqual(self.picking(7)["state"], "assigned")
        wizard = self.ok("stock.backorder.confirmation", "create",
                         {"vals_list": [{}], "context": action["context"]})
        self.assertIs(self.ok("stock.backorder.confirmation", "process",
                              {"ids": wizard, "context": action["context"]}), True)
        self.assertEqual(self.picking(7)["state"], "done")
        self.assertEqual([(m["id"], m["product_uom_qty"], m["quantity"], m["state"]) for m in self.moves(7)],
                         [(move_id, 100.0, 100.0, "done")])
        backorders = self.ok("stock.picking", "search_read", {
            "domain": [["backorder_id", "=", 7]], "fields": ["name", "state", "origin"]})
        self.assertEqual(len(backorders), 1)
        self.assertEqual(backorders[0]["name"], "WH/OUT/00013")
        self.assertEqual((backorders[0]["state"], backorders[0]["origin"]), ("assigned", "S00007"))
        self.assertEqual([(m["product_uom_qty"], m["quantity"], m["state"]) for m in self.moves(backorders[0]["id"])],
                         [(80.0, 80.0, "assigned")])

    def test_backorder_wizard_process_cancel_backorder(self):
        self.partial_picking_7()
        action = self.validate(7, SKIP_SMS)
        wizard = self.ok("stock.backorder.confirmation", "create",
                         {"vals_list": [{}], "context": action["context"]})
        self.assertIs(self.ok("stock.backorder.confirmation", "process_cancel_backorder",
                              {"ids": wizard, "context": action["context"]}), True)
        self.assertEqual(self.picking(7)["state"], "done")
        self.assertEqual([(m["product_uom_qty"], m["quantity"], m["state"]) for m in self.moves(7)],
                         [(180.0, 100.0, "done")])
        self.assertEqual(self.ok("stock.picking", "search", {"domain": [["backorder_id", "=", 7]]}), [])

    def test_skip_backorder_context(self):
        self.partial_picking_7()
        context = {"skip_sms": True, "skip_backorder": True, "picking_ids_not_to_backorder": [7]}
        self.assertIs(self.validate(7, context), True)
        self.assertEqual(self.picking(7)["state"], "done")
        self.assertEqual(self.ok("stock.picking", "search", {"domain": [["backorder_id", "=", 7]]}), [])

    def test_skip_backorder_alone_creates_backorder(self):
        self.partial_picking_7()
        self.assertIs(self.validate(7, {"skip_sms": True, "skip_backorder": True}), True)
        self.assertEqual(len(self.ok("stock.picking", "search", {"domain": [["backorder_id", "=", 7]]})), 1)

    def test_backorder_wizard_comes_before_sms_wizard(self):
        self.partial_picking_7()
        action = self.validate(7)
        self.assertEqual(action["res_model"], "stock.backorder.confirmation")
        wizard = self.ok("stock.backorder.confirmation", "create",
                         {"vals_list": [{}], "context": action["context"]})
        second = self.ok("stock.backorder.confirmation", "process", {"ids": wizard, "context": action["context"]})
        self.assertEqual(second["res_model"], "confirm.stock.sms")
        self.assertEqual(self.picking(7)["state"], "assigned")

    def test_unpicked_move_goes_to_backorder(self):
        moves = self.moves(6)
        self.ok("stock.move", "write", {"ids": [moves[0]["id"]], "vals": {"picked": True}})
        action = self.validate(6, SKIP_SMS)
        self.assertEqual(action["res_model"], "stock.backorder.confirmation")
        wizard = self.ok("stock.backorder.confirmation", "create",
                         {"vals_list": [{}], "context": action["context"]})
        self.ok("stock.backorder.confirmation", "process", {"ids": wizard, "context": action["context"]})
        backorder = self.ok("stock.picking", "search", {"domain": [["backorder_id", "=", 6]]})
        self.assertEqual([m["id"] for m in self.moves(backorder[0])], [moves[1]["id"]])
        self.assertEqual([m["state"] for m in self.moves(6)], ["done"])

    def test_lot_tracked_product_needs_lot(self):
        pid = self.control("POST", "/__sim/seed", {"model": "stock.picking", "records": [{
            "state": "assigned", "partner_id": 12, "move_ids": [{"product_id": "SKU-1013", "product_uom_qty": 2}]}]})["ids"][0]
        self.assertJ2Error(self.j2("stock.picking", "button_validate", {"ids": [pid]}), 422,
                           "odoo.exceptions.UserError")
        line = self.ok("stock.move.line", "search_read", {"domain": [["picking_id", "=", pid]], "fields": ["quantity"]})
        self.ok("stock.move.line", "write", {"ids": [line[0]["id"]], "vals": {"lot_name": "LOT-7", "picked": True}})
        self.assertIs(self.validate(pid), True)
        move = self.ok("stock.move", "search_read", {"domain": [["picking_id", "=", pid]], "fields": ["lot_ids"]})[0]
        self.assertEqual(len(move["lot_ids"]), 1)

    def test_receipt_adds_stock(self):
        self.assertIs(self.validate(13), True)
        products = self.dump("product.product")
        self.assertEqual((products[10]["qty_available"], products[11]["qty_available"]), (50.0, 10.0))
        self.assertIs(self.ok("stock.picking", "action_assign", {"ids": [3]}), True)
        self.assertEqual(self.picking(3)["state"], "assigned")

    def test_action_assign_and_cancel(self):
        self.assertJ2Error(self.j2("stock.picking", "action_assign", {"ids": [11]}), 422,
                           "odoo.exceptions.UserError", "Nothing to check the availability for.")
        self.assertIs(self.ok("stock.picking", "action_confirm", {"ids": [2]}), True)
        self.assertEqual(self.picking(2)["state"], "assigned")
        self.assertIs(self.ok("stock.picking", "action_cancel", {"ids": [2]}), True)
        self.assertEqual(self.picking(2)["state"], "cancel")
        self.assertEqual({m["quantity"] for m in self.moves(2)}, {0.0})


# ---------------------------------------------------------------------------
# Models of mail, base and attachments used by the consumers
# ---------------------------------------------------------------------------

PDF = base64.b64encode(b"%PDF-1.4 label").decode()


class MailAndBaseModelTests(SimTestCase):

    def test_message_post_readable_by_search_read(self):
        ids = self.ok("stock.picking", "message_post", {"ids": [5], "body": "Shipped", "message_type": "comment",
                                                        "subtype_xmlid": "mail.mt_note"})
        rows = self.ok("mail.message", "search_read", {
            "domain": [["model", "=", "stock.picking"], ["res_id", "=", 5]],
            "fields": ["model", "res_id", "body", "message_type", "subtype_id"]})
        self.assertEqual(rows, [{"id": ids[0], "model": "stock.picking", "res_id": 5, "body": "Shipped",
                                 "message_type": "comment", "subtype_id": [2, "Note"]}])
        self.assertEqual(self.picking(5, ["message_ids"])["message_ids"], ids)

    def test_message_post_with_attachment(self):
        att = self.ok("ir.attachment", "create", {"vals_list": [{"name": "label.pdf", "datas": PDF}]})
        mid = self.ok("stock.picking", "message_post", {"ids": [5], "body": "Label", "attachment_ids": att})[0]
        self.assertEqual(self.ok("mail.message", "read", {"ids": [mid], "fields": ["attachment_ids"]})[0]
                         ["attachment_ids"], att)
        row = self.ok("ir.attachment", "read", {"ids": att, "fields": ["res_model", "res_id"]})[0]
        self.assertEqual((row["res_model"], row["res_id"]), ("stock.picking", 5))

    def test_activity_types_seeded(self):
        rows = self.ok("mail.activity.type", "search_read", {
            "domain": [], "fields": ["name", "active", "decoration_type"], "context": {"active_test": False}})
        by_name = {r["name"]: r for r in rows}
        self.assertEqual(by_name["To-Do"]["id"], 4)
        self.assertEqual((by_name["Exception"]["decoration_type"], by_name["Exception"]["active"]), ("warning", False))
        todo = self.ok("ir.model.data", "search_read", {
            "domain": [["module", "=", "mail"], ["name", "=", "mail_activity_data_todo"]], "fields": ["res_id"]})
        self.assertEqual(todo[0]["res_id"], 4)

    def picking_model_id(self):
        return self.ok("ir.model", "search", {"domain": [["model", "=", "stock.picking"]]})[0]

    def test_activity_create(self):
        ids = self.ok("mail.activity", "create", {"vals_list": [{
            "res_model_id": self.picking_model_id(), "res_id": 5, "activity_type_id": 4, "summary": "Check",
            "note": "<p>late</p>", "user_id": 2, "date_deadline": "2025-02-01"}]})
        row = self.ok("mail.activity", "read", {"ids": ids, "fields": [
            "res_model", "res_id", "res_name", "activity_type_id", "summary", "date_deadline", "state", "user_id"]})[0]
        self.assertEqual((row["res_model"], row["res_id"], row["res_name"]), ("stock.picking", 5, "WH/OUT/00005"))
        self.assertEqual((row["activity_type_id"], row["state"], row["date_deadline"]),
                         ([4, "To-Do"], "overdue", "2025-02-01"))
        self.assertEqual(self.picking(5, ["activity_ids"])["activity_ids"], ids)
        message = self.ok("mail.activity", "action_feedback", {"ids": ids, "feedback": "done it"})
        self.assertIsInstance(message, int)
        self.assertEqual(self.ok("mail.activity", "search", {"domain": []}), [])

    def test_activity_create_defaults_and_refusals(self):
        ids = self.ok("mail.activity", "create", {"vals_list": [{"res_id": 5}],
                                                  "context": {"default_res_model": "stock.picking"}})
        row = self.ok("mail.activity", "read", {"ids": ids, "fields": ["activity_type_id", "user_id", "res_model"]})[0]
        self.assertEqual((row["activity_type_id"][0], row["user_id"][0], row["res_model"]), (4, 2, "stock.picking"))
        # res_model is a read-only related field: alone it does not set res_model_id
        # (19: res_model_id may be empty, but then so must res_id be)
        self.assertJ2Error(self.j2("mail.activity", "create", {"vals_list": [
            {"res_model": "stock.picking", "res_id": 5}]}), 422, "odoo.exceptions.ValidationError",
            "The operation cannot be completed: Activities have to be linked to records with a not null res_id.")
        self.assertJ2Error(self.j2("mail.activity", "create", {"vals_list": [
            {"res_model_id": self.picking_model_id(), "res_id": 999999}]}), 404, "odoo.exceptions.MissingError",
            MISSING_MESSAGE)

    def test_attachment_create_and_validation(self):
        ids = self.ok("ir.attachment", "create", {"vals_list": [{
            "name": "label.pdf", "datas": PDF, "res_model": "stock.picking", "res_id": 5}]})
        row = self.ok("ir.attachment", "read", {"ids": ids, "fields": [
            "name", "datas", "mimetype", "file_size", "type", "res_model", "res_id", "checksum"]})[0]
        self.assertEqual((row["datas"], row["mimetype"], row["file_size"], row["type"]),
                         (PDF, "application/pdf", 14, "binary"))
        self.assertEqual(len(row["checksum"]), 40)
        text = self.ok("ir.attachment", "create", {"vals_list": [{"name": "note", "datas": "aGVsbG8="}]})
        self.assertEqual(self.ok("ir.attachment", "read", {"ids": text, "fields": ["mimetype"]})[0]["mimetype"],
                         "text/plain")
        before = self.ok("ir.attachment", "search_count", {"domain": []})
        self.assertJ2Error(self.j2("ir.attachment", "create", {"vals_list": [{"name": "x", "datas": "abc"}]}),
                           500, "binascii.Error", "Incorrect padding")
        self.assertJ2Error(self.j2("ir.attachment", "create", {"vals_list": [{"name": "x", "datas": "\u00e9t\u00e9"}]}),
                           500, "builtins.ValueError", "string argument should contain only ASCII characters")
        self.assertEqual(self.ok("ir.attachment", "search_count", {"domain": []}), before)

    def test_custom_field_duplicate_and_search(self):
        model_id = self.picking_model_id()
        vals = {"name": "x_lgx_ref", "model_id": model_id, "field_description": "Ref", "ttype": "char"}
        self.ok("ir.model.fields", "create", {"vals_list": [vals]})
        self.assertJ2Error(self.j2("ir.model.fields", "create", {"vals_list": [vals]}), 422,
                           "odoo.exceptions.ValidationError",
                           "The operation cannot be completed: Field names must be unique per model.")
        self.ok("stock.picking", "write", {"ids": [6], "vals": {"x_lgx_ref": "R-6"}})
        self.assertEqual(self.ok("stock.picking", "search", {"domain": [["x_lgx_ref", "=", "R-6"]]}), [6])

    def test_custom_model_gets_x_name(self):
        self.ok("ir.model", "create", {"vals_list": [{"name": "LGX log", "model": "x_lgx_log",
                                                      "access_ids": [[0, 0, self.access()]]}]})
        ids = self.ok("x_lgx_log", "create", {"vals_list": [{"x_name": "one"}]})
        self.assertEqual(self.ok("x_lgx_log", "read", {"ids": ids, "fields": ["x_name", "display_name"]}),
                         [{"id": ids[0], "x_name": "one", "display_name": "one"}])
        self.assertJ2Error(self.j2("ir.model", "create", {"vals_list": [{"name": "Bad", "model": "lgx_log"}]}),
                           422, "odoo.exceptions.ValidationError")

    def test_custom_model_needs_an_access_row(self):
        # the API's admin is not the superuser: a custom model without an
        # ir.model.access row is closed to it (as on a real Odoo 17-19)
        model_id = self.ok("ir.model", "create", {"vals_list": [{"name": "LGX ledger", "model": "x_lgx_ledger"}]})[0]
        for method, body, mode in (("create", {"vals_list": [{"x_name": "a"}]}, "create"),
                                   ("search_read", {"domain": [], "fields": ["x_name"]}, "access")):
            self.assertJ2Error(self.j2("x_lgx_ledger", method, body), 403, "odoo.exceptions.AccessError",
                               f"You are not allowed to {mode} 'LGX ledger' (x_lgx_ledger) records.\n\n"
                               "No group currently allows this operation.\n\n"
                               "Contact your administrator to request access if necessary.")
        # a row added now does not count yet: the access rights cache of the
        # 'create' mode was filled before it (by this very ir.model.access create)
        self.ok("ir.model.access", "create", {"vals_list": [{**self.access(perms="rc"), "model_id": model_id}]})
        self.assertJ2Error(self.j2("x_lgx_ledger", "create", {"vals_list": [{"x_name": "a"}]}), 403,
                           "odoo.exceptions.AccessError")
        # the next registry change (a field of any custom model) clears that cache
        self.ok("ir.model.fields", "create", {"vals_list": [{
            "name": "x_lgx_topic", "model_id": model_id, "field_description": "Topic", "ttype": "char"}]})
        ids = self.ok("x_lgx_ledger", "create", {"vals_list": [{"x_name": "a"}]})
        self.assertEqual(self.ok("x_lgx_ledger", "search", {"domain": []}), ids)
        self.assertJ2Error(self.j2("x_lgx_ledger", "write", {"ids": ids, "vals": {"x_name": "b"}}), 403,
                           "odoo.exceptions.AccessError",
                           "You are not allowed to modify 'LGX ledger' (x_lgx_ledger) records.\n\n"
                           "No group currently allows this operation.\n\n"
                           "Contact your administrator to request access if necessary.")
        # a row for a group the user is not in grants nothing; the error names the group
        self.ok("ir.model.access", "create", {"vals_list": [{**self.access("base.group_system", "w"),
                                                             "model_id": model_id}]})
        self.control("POST", "/__sim/user-groups", {"groups": ["stock.group_stock_user"]})
        payload = self.assertJ2Error(self.j2("x_lgx_ledger", "write", {"ids": ids, "vals": {"x_name": "b"}}), 403,
                                     "odoo.exceptions.AccessError")
        self.assertIn("This operation is allowed for the following groups:\n\t- ", payload["message"])
        # the access rows go with their model
        self.control("POST", "/__sim/user-groups", {"groups": None})
        self.ok("ir.model", "unlink", {"ids": [model_id]})
        self.assertEqual(self.ok("ir.model.access", "search", {"domain": [["model_id", "=", model_id]]}), [])

    def test_users_and_groups_19(self):
        user = self.ok("res.users", "read", {"ids": [2], "fields": ["group_ids", "all_group_ids"]})[0]
        self.assertLess(len(user["group_ids"]), len(user["all_group_ids"]))
        self.assertJ2Error(self.j2("res.users", "read", {"ids": [2], "fields": ["groups_id"]}), 500,
                           "builtins.ValueError", "Invalid field 'groups_id' on 'res.users'")
        stock_user = self.ok("ir.model.data", "search_read", {
            "domain": [["module", "=", "stock"], ["name", "=", "group_stock_user"]], "fields": ["res_id"]})[0]["res_id"]
        group = self.ok("res.groups", "read", {"ids": [stock_user], "fields": ["full_name", "all_user_ids"]})[0]
        self.assertEqual((group["full_name"], group["all_user_ids"]), ("Inventory / User", [2]))
        self.assertIs(self.ok("res.users", "has_group", {"ids": [2], "group_ext_id": "stock.group_stock_user"}), True)

    def test_products_and_carriers(self):
        new = self.ok("product.product", "create", {"vals_list": [{"name": "Goods", "type": "consu"}]})
        self.assertIs(self.ok("product.product", "read", {"ids": new, "fields": ["is_storable"]})[0]["is_storable"],
                      False)
        carriers = self.ok("delivery.carrier", "search_read", {"domain": [], "fields": ["name", "delivery_type"]})
        self.assertEqual(carriers[0], {"id": 1, "name": "Standard delivery", "delivery_type": "fixed"})


class Version17ModelTests(SimTestCase):
    version = 17

    def test_groups_id_in_17(self):
        user = self.rpc_ok("res.users", "read", [[2]], {"fields": ["groups_id"]})[0]
        self.assertGreaterEqual(len(user["groups_id"]), 8)
        self.assertRpcError(self.execute_kw("res.users", "read", [[2]], {"fields": ["group_ids"]}),
                            "builtins.ValueError")
        groups = self.rpc_ok("res.groups", "search_read", [[["users", "in", [2]]]], {"fields": ["name"]})
        self.assertEqual(len(groups), len(user["groups_id"]))

    def test_private_method_message_in_17(self):
        self.assertRpcError(self.execute_kw("stock.picking", "_action_done", [[5]]), "odoo.exceptions.AccessError",
                            "Private methods (such as _action_done) cannot be called remotely.")
        self.assertRpcError(self.execute_kw("x.nope", "_action_done", [[5]]), "odoo.exceptions.AccessError")

    def test_activity_and_attachment_in_17(self):
        model_id = self.rpc_ok("ir.model", "search", [[["model", "=", "stock.picking"]]])[0]
        activity = self.rpc_ok("mail.activity", "create", [{"res_model_id": model_id, "res_id": 5}])
        self.assertIsInstance(activity, int)
        self.assertIsInstance(self.rpc_ok("mail.activity", "action_done", [[activity]]), int)
        self.assertEqual(self.rpc_ok("mail.activity", "search_count", [[]]), 0)
        attachment = self.rpc_ok("ir.attachment", "create", [{"name": "a.txt", "datas": "aGk="}])
        self.assertEqual(self.rpc_ok("ir.attachment", "read", [[attachment]], {"fields": ["mimetype", "file_size"]}),
                         [{"id": attachment, "mimetype": "text/plain", "file_size": 2}])

    def test_lock_fault_is_psycopg2_error_in_17(self):
        self.control("POST", "/__sim/faults", [{"api": "jsonrpc", "model": "stock.picking", "method": "write",
                                                "kind": "lock", "times": 1}])
        data = self.assertRpcError(self.execute_kw("stock.picking", "write", [[5], {"origin": "x"}]),
                                   "psycopg2.errors.LockNotAvailable")
        self.assertEqual(data["message"], 'could not obtain lock on row in relation "stock_picking"\n')


# ---------------------------------------------------------------------------
# Fault injection
# ---------------------------------------------------------------------------

def raw_call(base, path, body, headers, timeout):
    """urllib call that reports a timeout or a dropped connection instead of raising."""
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (TimeoutError, socket.timeout):
        return "timeout", None
    except (HTTPException, ConnectionError, urllib.error.URLError) as error:
        return "dropped", repr(error)


J2_HEADERS = {"Content-Type": "application/json", "X-Odoo-Database": DB, "Authorization": f"bearer {API_KEY}"}


class FaultTests(SimTestCase):

    def faults(self, payload):
        return self.control("POST", "/__sim/faults", payload)

    def write_origin(self, value, timeout=5):
        return raw_call(self.base, "/json/2/stock.picking/write", {"ids": [5], "vals": {"origin": value}},
                        J2_HEADERS, timeout)

    def origin(self):
        return self.picking(5, ["origin"])["origin"]

    def test_latency(self):
        self.faults([{"api": "json2", "model": "stock.picking", "method": "search_count", "kind": "latency",
                      "delay_ms": 150}])
        start = time.time()
        self.assertEqual(self.ok("stock.picking", "search_count", {"domain": []}), 14)
        self.assertGreaterEqual(time.time() - start, 0.14)

    def test_status_502_is_an_nginx_page_and_changes_nothing(self):
        self.faults([{"model": "stock.picking", "method": "write", "kind": "status", "status": 502, "times": 1}])
        status, _headers, raw = http(self.base, "POST", "/json/2/stock.picking/write",
                                     {"ids": [5], "vals": {"origin": "A"}}, J2_HEADERS)
        self.assertEqual(status, 502)
        self.assertIn(b"<title>502 Bad Gateway</title>", raw)
        self.assertIn(b"nginx", raw)
        self.assertEqual(self.origin(), "S00005")
        status, _h, raw = http(self.base, "POST", "/jsonrpc", {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw", "args": [DB, 2, "admin", "stock.picking", "write",
                                                                 [[5], {"origin": "B"}]]}},
                               {"Content-Type": "application/json"})
        self.assertEqual((status, json.loads(raw)["result"]), (200, True))

    def test_status_503_504_on_jsonrpc(self):
        self.faults([{"api": "jsonrpc", "kind": "status", "status": 503, "times": 1},
                     {"api": "jsonrpc", "kind": "status", "status": 504, "times": 1}])
        first = http(self.base, "POST", "/jsonrpc", {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "common", "method": "version", "args": []}}, {"Content-Type": "application/json"})
        self.assertEqual(first[0], 503)
        self.assertIn(b"503 Service Temporarily Unavailable", first[2])
        self.assertEqual(first[1]["Server"], "nginx")
        status, raw = self.rpc("object", "execute_kw", [DB, 2, "admin", "stock.picking", "search_count", [[]]])
        self.assertEqual(status, 504)
        self.assertIn(b"504 Gateway Time-out", raw)
        self.assertEqual(self.rpc_ok("stock.picking", "search_count", [[]]), 14)

    def test_lock_on_both_apis(self):
        self.faults([{"model": "stock.picking", "method": "write", "kind": "lock", "times": 2}])
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {"origin": "a"}}),
                           409, "odoo.exceptions.LockError")
        self.assertRpcError(self.execute_kw("stock.picking", "write", [[5], {"origin": "a"}]),
                            "odoo.exceptions.LockError")
        self.assertEqual(self.origin(), "S00005")
        self.ok("stock.picking", "write", {"ids": [5], "vals": {"origin": "a"}})

    def test_serialization_failure(self):
        self.faults({"kind": "serialization", "method": "button_validate", "times": 1})
        self.assertJ2Error(self.j2("stock.picking", "button_validate", {"ids": [5], "context": {"skip_sms": True}}),
                           500, "psycopg2.errors.SerializationFailure",
                           "could not serialize access due to concurrent update\n")
        self.assertEqual(self.picking(5)["state"], "assigned")

    def test_business_access_missing_kinds(self):
        self.faults([{"method": "write", "kind": "user_error", "times": 1},
                     {"method": "write", "kind": "access", "times": 1},
                     {"method": "write", "kind": "missing", "times": 1}])
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {}}), 422, "odoo.exceptions.UserError")
        payload = self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {}}), 403,
                                     "odoo.exceptions.AccessError")
        self.assertTrue(payload["message"].startswith(
            "You are not allowed to modify 'Transfer' (stock.picking) records."))
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {}}), 404,
                           "odoo.exceptions.MissingError",
                           "Record does not exist or has been deleted.\n(Record: stock.picking(5,), User: 2)")
        self.assertIs(self.ok("stock.picking", "write", {"ids": [5], "vals": {}}), True)

    def test_timeout_before_has_no_effect(self):
        self.faults({"model": "stock.picking", "method": "write", "kind": "timeout", "delay_ms": 400, "times": 1})
        self.assertEqual(self.write_origin("late", timeout=0.15)[0], "timeout")
        time.sleep(0.4)
        self.assertEqual(self.origin(), "S00005")
        report = self.control("GET", "/__sim/faults")
        self.assertEqual(report["rules"][0]["fired"], 1)

    def test_timeout_after_commits_then_answer_is_lost(self):
        self.faults({"model": "stock.picking", "method": "write", "kind": "timeout", "delay_ms": 400,
                     "after": True, "times": 1})
        self.assertEqual(self.write_origin("committed", timeout=0.15)[0], "timeout")
        self.assertEqual(self.origin(), "committed")
        time.sleep(0.35)

    def test_latency_after(self):
        self.faults({"model": "stock.picking", "method": "write", "kind": "latency", "delay_ms": 200,
                     "after": True, "times": 1})
        start = time.time()
        self.assertEqual(self.write_origin("slow"), (200, b"true"))
        self.assertGreaterEqual(time.time() - start, 0.19)

    def test_status_after_commit(self):
        self.faults({"api": "json2", "model": "stock.picking", "method": "write", "kind": "status", "status": 504,
                     "after": True, "times": 1})
        self.assertEqual(self.write_origin("done-anyway")[0], 504)
        self.assertEqual(self.origin(), "done-anyway")
        calls = self.control("GET", "/__sim/calls?method=write")["calls"]
        self.assertEqual((calls[-1]["status"], calls[-1]["fault"]), (504, "status"))

    def test_drop_before_and_after(self):
        self.faults({"model": "stock.picking", "method": "write", "kind": "drop", "times": 1})
        self.assertEqual(self.write_origin("dropped")[0], "dropped")
        self.assertEqual(self.origin(), "S00005")
        self.faults({"model": "stock.picking", "method": "write", "kind": "drop", "after": True, "times": 1})
        self.assertEqual(self.write_origin("kept")[0], "dropped")
        self.assertEqual(self.origin(), "kept")

    def faulted_calls(self, seed, count=40):
        self.control("POST", "/__sim/reset", {})
        self.faults([{"clear": True}, {"seed": seed},
                     {"api": "json2", "method": "search_count", "kind": "user_error", "probability": 0.3}])
        return [i for i in range(count)
                if self.j2("stock.picking", "search_count", {"domain": []})[0] != 200]

    def test_same_seed_same_faulted_calls(self):
        first = self.faulted_calls(42)
        self.assertEqual(self.faulted_calls(42), first)
        self.assertTrue(0 < len(first) < 40, first)
        self.assertNotEqual(self.faulted_calls(7), first)
        report = self.control("GET", "/__sim/faults")
        self.assertEqual(report["seed"], 7)
        self.assertEqual(report["rules"][0]["fired"], len(report["fired"]))
        self.assertEqual(report["rules"][0]["matched"], 40)

    def test_times_and_burst(self):
        self.faults([{"seed": 3}, {"method": "search_count", "kind": "user_error", "probability": 0.15, "burst": 3}])
        outcome = [self.j2("stock.picking", "search_count", {"domain": []})[0] != 200 for _ in range(60)]
        runs, current = [], 0
        for faulted in outcome:
            if faulted:
                current += 1
            elif current:
                runs.append(current)
                current = 0
        self.assertTrue(runs)
        self.assertTrue(all(run >= 3 for run in runs), runs)
        self.faults([{"clear": True}, {"method": "search_count", "kind": "user_error", "times": 2}])
        self.assertEqual([self.j2("stock.picking", "search_count", {"domain": []})[0] for _ in range(3)],
                         [422, 422, 200])

    def test_filters_and_report(self):
        self.faults([{"api": "jsonrpc", "model": "stock.move", "method": "*", "kind": "user_error"}])
        self.assertEqual(self.ok("stock.move", "search_count", {"domain": []}) > 0, True)
        self.assertRpcError(self.execute_kw("stock.move", "search_count", [[]]), "odoo.exceptions.UserError")
        self.assertEqual(self.rpc_ok("stock.picking", "search_count", [[]]), 14)
        report = self.control("GET", "/__sim/faults")
        self.assertEqual(report["rules"][0]["fired"], 1)
        self.assertEqual(report["fired"][0]["model"], "stock.move")
        self.faults({"clear": True})
        self.assertEqual(self.control("GET", "/__sim/faults")["rules"], [])

    def test_bad_rules_are_refused(self):
        for rule in ({"kind": "nope"}, {"kind": "lock", "after": True}, {"kind": "latency", "probability": 2},
                     {"kind": "status", "status": 42}, {"kind": "lock", "colour": "red"}):
            status, _h, _raw = http(self.base, "POST", "/__sim/faults", [rule], {"Content-Type": "application/json"})
            self.assertEqual(status, 400, rule)

    def test_unique_race(self):
        # what Odoo answers when two calls insert the same mail.followers row at
        # once: a ValidationError raised from psycopg2's UniqueViolation; the call
        # changes nothing
        self.faults({"model": "stock.picking", "method": "message_post", "kind": "unique_race", "times": 2})
        before = len(self.dump("mail.message"))
        payload = self.assertJ2Error(self.j2("stock.picking", "message_post", {"ids": [5], "body": "x"}), 422,
                                     "odoo.exceptions.ValidationError",
                                     "The operation cannot be completed: Error, a partner cannot follow twice "
                                     "the same object.")
        self.assertEqual(payload["arguments"], [payload["message"]])
        self.assertIn('psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint '
                      '"mail_followers_mail_followers_res_partner_res_model_id_uniq"\n'
                      "DETAIL:  Key (res_model, res_id, partner_id)=(stock.picking, 5, 3) already exists.",
                      payload["debug"])
        self.assertIn("The above exception was the direct cause of the following exception:", payload["debug"])
        self.assertTrue(payload["debug"].endswith(
            "odoo.exceptions.ValidationError: The operation cannot be completed: Error, a partner cannot follow "
            "twice the same object.\n"))
        data = self.assertRpcError(self.execute_kw("stock.picking", "message_post", [[5]], {"body": "x"}),
                                   "odoo.exceptions.ValidationError", payload["message"])
        self.assertIn("psycopg2.errors.UniqueViolation", data["debug"])
        self.assertEqual(len(self.dump("mail.message")), before)
        # the third call goes through, as a retry would
        self.assertEqual(len(self.ok("stock.picking", "message_post", {"ids": [5], "body": "x"})), 1)
        self.assertEqual([e["kind"] for e in self.control("GET", "/__sim/faults")["fired"]],
                         ["unique_race", "unique_race"])

    def test_reset_clears_runtime_faults(self):
        self.faults({"kind": "user_error"})
        self.control("POST", "/__sim/reset", {})
        self.assertEqual(self.ok("stock.picking", "search_count", {"domain": []}), 14)


class FaultCommandLineTests(unittest.TestCase):

    def test_faults_file_and_seed(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump([{"seed": 5}, {"api": "json2", "model": "stock.picking", "method": "write", "kind": "lock",
                                     "times": 1}], handle)
        server = SimProcess("--faults", handle.name, "--fault-seed", "9")
        try:
            write = lambda: raw_call(server.base, "/json/2/stock.picking/write",
                                     {"ids": [5], "vals": {"origin": "x"}}, J2_HEADERS, 5)[0]
            self.assertEqual((write(), write()), (409, 200))
            status, _h, raw = http(server.base, "POST", "/__sim/reset", {}, {"Content-Type": "application/json"})
            self.assertEqual(write(), 409)
            report = json.loads(http(server.base, "GET", "/__sim/faults")[2])
            self.assertEqual(report["seed"], 9)
        finally:
            server.stop()
            os.unlink(handle.name)

    def test_unique_race_from_a_file(self):
        # the --faults file form: {"seed": N, "rules": [...]}; half of the
        # message_post calls on pickings meet the race, on both APIs
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump({"seed": 1, "rules": [{"model": "stock.picking", "method": "message_post",
                                             "kind": "unique_race", "probability": 0.5}]}, handle)
        server = SimProcess("--faults", handle.name)
        try:
            statuses = [raw_call(server.base, "/json/2/stock.picking/message_post", {"ids": [5], "body": "x"},
                                 J2_HEADERS, 5)[0] for _ in range(20)]
            self.assertEqual(set(statuses), {200, 422})
            status, _h, raw = http(server.base, "POST", "/jsonrpc", {
                "jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                    "service": "object", "method": "execute_kw",
                    "args": [DB, 2, "admin", "stock.picking", "write", [[5], {"origin": "x"}]]}},
                {"Content-Type": "application/json"})
            self.assertIs(json.loads(raw)["result"], True)   # other methods are not touched
        finally:
            server.stop()
            os.unlink(handle.name)


# ---------------------------------------------------------------------------
# Least privilege
# ---------------------------------------------------------------------------

PICKING_WRITE_DENIED = (
    "You are not allowed to modify 'Transfer' (stock.picking) records.\n\n"
    "This operation is allowed for the following groups:\n"
    "\t- Inventory/User\n\t- Sales/User: Own Documents Only\n\n"
    "Contact your administrator to request access if necessary.")


class RestrictedUserTests(SimTestCase):

    def restrict(self, groups):
        return self.control("POST", "/__sim/user-groups", {"groups": groups})

    def test_stock_user_writes_pickings_not_products(self):
        report = self.restrict(["stock.group_stock_user", "base.group_user"])
        self.assertEqual(report["groups"], ["stock.group_stock_user", "base.group_user"])
        self.assertIs(self.ok("stock.picking", "write", {"ids": [5], "vals": {"carrier_tracking_ref": "T"}}), True)
        self.assertEqual(self.ok("product.product", "search_count", {"domain": []}), 13)
        self.assertJ2Error(self.j2("product.product", "write", {"ids": [1], "vals": {"weight": 1}}), 403,
                           "odoo.exceptions.AccessError",
                           "You are not allowed to modify 'Product Variant' (product.product) records.\n\n"
                           "This operation is allowed for the following groups:\n\t- Inventory/Administrator\n\n"
                           "Contact your administrator to request access if necessary.")
        self.assertRpcError(self.execute_kw("ir.model.fields", "create", [[{
            "name": "x_lgx", "model_id": 1, "field_description": "x", "ttype": "char"}]]),
            "odoo.exceptions.AccessError")
        self.assertIs(self.validate(5, {"skip_sms": True}), True)
        self.assertIsInstance(self.ok("stock.picking", "message_post", {"ids": [6], "body": "ok"})[0], int)

    def test_internal_user_cannot_touch_pickings(self):
        self.restrict(["base.group_user"])
        self.assertJ2Error(self.j2("stock.picking", "write", {"ids": [5], "vals": {"origin": "x"}}), 403,
                           "odoo.exceptions.AccessError", PICKING_WRITE_DENIED)
        self.assertRpcError(self.execute_kw("stock.picking", "write", [[5], {"origin": "x"}]),
                            "odoo.exceptions.AccessError", PICKING_WRITE_DENIED)
        self.assertJ2Error(self.j2("stock.picking", "button_validate", {"ids": [5]}), 403,
                           "odoo.exceptions.AccessError", PICKING_WRITE_DENIED)
        payload = self.assertJ2Error(self.j2("stock.picking", "search_count", {"domain": []}), 403,
                                     "odoo.exceptions.AccessError")
        self.assertTrue(payload["message"].startswith("You are not allowed to access 'Transfer' (stock.picking)"))
        self.assertEqual(self.dump("stock.picking")[5]["origin"], "S00005")

    def test_user_record_shows_groups_and_reset_restores_admin(self):
        self.restrict(["stock.group_stock_user"])
        self.assertIs(self.ok("res.users", "has_group", {"ids": [2], "group_ext_id": "stock.group_stock_manager"}),
                      False)
        user = self.ok("res.users", "read", {"ids": [2], "fields": ["group_ids", "all_group_ids"]})[0]
        self.assertEqual(len(user["group_ids"]), 1)
        self.assertEqual(len(user["all_group_ids"]), 2)
        self.control("POST", "/__sim/reset", {})
        self.assertIs(self.control("GET", "/__sim/user-groups")["admin"], True)
        self.ok("product.product", "write", {"ids": [1], "vals": {"weight": 1}})

    def test_posting_and_attaching_need_write_on_the_document(self):
        self.restrict(["base.group_user"])
        self.assertJ2Error(self.j2("stock.picking", "message_post", {"ids": [5], "body": "x"}), 403,
                           "odoo.exceptions.AccessError")
        self.assertJ2Error(self.j2("ir.attachment", "create", {"vals_list": [{
            "name": "l.pdf", "datas": PDF, "res_model": "stock.picking", "res_id": 5}]}), 403,
            "odoo.exceptions.AccessError", PICKING_WRITE_DENIED)
        self.assertIsInstance(self.ok("ir.attachment", "create", {"vals_list": [{"name": "free.pdf", "datas": PDF}]}),
                              list)
        # 19 says whose key it is (the uid of the user it logs in as).
        self.assertEqual(self.ok("res.users", "context_get", {}),
                         {"lang": "en_US", "tz": "Europe/Brussels", "uid": 2})

    def test_unknown_group_refused(self):
        status, _h, _raw = http(self.base, "POST", "/__sim/user-groups", {"groups": ["base.nope"]},
                                {"Content-Type": "application/json"})
        self.assertEqual(status, 400)


class RestrictedCommandLineTests(unittest.TestCase):

    def test_user_groups_option(self):
        server = SimProcess("--user-groups", "stock.group_stock_user,base.group_user", "--version", "18")
        try:
            body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "service": "object", "method": "execute_kw",
                "args": [DB, 2, "admin", "product.product", "write", [[1], {"weight": 2}]]}}
            response = json.loads(http(server.base, "POST", "/jsonrpc", body, {"Content-Type": "application/json"})[2])
            self.assertEqual(response["error"]["data"]["name"], "odoo.exceptions.AccessError")
            body["params"]["args"][3:] = ["res.users", "read", [[2]], {"fields": ["groups_id"]}]
            response = json.loads(http(server.base, "POST", "/jsonrpc", body, {"Content-Type": "application/json"})[2])
            self.assertEqual(len(response["result"][0]["groups_id"]), 2)
        finally:
            server.stop()


# ---------------------------------------------------------------------------
# Sales orders, deliveries and invoices (sale_management, sale_stock, account)
# ---------------------------------------------------------------------------

NOTHING_TO_INVOICE = "Cannot create an invoice. No items are available to invoice."
ORDER_FIELDS = ["name", "state", "partner_id", "picking_ids", "delivery_count", "invoice_status", "invoice_ids",
                "amount_total", "carrier_id", "client_order_ref", "order_line", "delivery_status", "locked"]


class SaleTests(SimTestCase):

    def order(self, oid, fields=ORDER_FIELDS):
        return self.ok("sale.order", "read", {"ids": [oid], "fields": list(fields)})[0]

    def lines(self, oid):
        return self.ok("sale.order.line", "search_read", {
            "domain": [["order_id", "=", oid]], "order": "id",
            "fields": ["product_id", "product_uom_qty", "price_unit", "qty_delivered", "qty_invoiced",
                       "qty_to_invoice", "invoice_status", "move_ids"]})

    def new_order(self, lines=((1, 3), (10, 2)), **vals):
        vals = {"partner_id": 7, **vals,
                "order_line": [[0, 0, {"product_id": pid, "product_uom_qty": qty}] for pid, qty in lines]}
        return self.ok("sale.order", "create", {"vals_list": [vals]})[0]

    def confirmed(self, lines=((1, 3), (10, 2)), **vals):
        oid = self.new_order(lines, **vals)
        self.assertIs(self.ok("sale.order", "action_confirm", {"ids": [oid]}), True)
        return oid

    def invoice(self, oids):
        context = {"active_model": "sale.order", "active_ids": oids}
        wizard = self.ok("sale.advance.payment.inv", "create", {"vals_list": [{}], "context": context})
        return self.ok("sale.advance.payment.inv", "create_invoices", {"ids": wizard, "context": context})

    def test_demo_orders_behind_the_deliveries(self):
        orders = {o["name"]: o for o in self.ok("sale.order", "search_read", {
            "domain": [], "fields": ["name", "state", "picking_ids", "invoice_status", "invoice_ids"]})}
        self.assertEqual(sorted(orders), [f"S{i:05d}" for i in range(1, 15)])
        pickings = self.dump("stock.picking")
        for pid in range(1, 13):
            origin = pickings[pid]["origin"]
            self.assertEqual(pickings[pid]["sale_id"], [orders[origin]["id"], origin])
            self.assertEqual(orders[origin]["picking_ids"], [pid])
        for pid in (13, 14):
            self.assertIs(pickings[pid]["sale_id"], False)
        self.assertEqual({n: o["state"] for n, o in orders.items() if o["state"] != "sale"},
                         {"S00012": "cancel", "S00013": "draft", "S00014": "sent"})
        invoiced = {n: (o["invoice_ids"], pickings[o["picking_ids"][0]]["state"])
                    for n, o in orders.items() if o["invoice_status"] == "invoiced"}
        self.assertEqual(invoiced, {"S00010": ([2], "assigned"), "S00011": ([1], "done")})
        self.assertEqual(orders["S00005"]["invoice_status"], "to invoice")
        moves = self.ok("account.move", "search_read", {"domain": [], "order": "id", "fields": [
            "name", "state", "move_type", "invoice_origin", "amount_total", "partner_id"]})
        self.assertEqual([(m["name"], m["state"], m["move_type"], m["invoice_origin"], m["amount_total"])
                          for m in moves],
                         [("INV/2025/00001", "posted", "out_invoice", "S00011", 30.0),
                          ("INV/2025/00002", "posted", "out_invoice", "S00010", 100.0)])
        # the demo moves point to their order lines; the done one is delivered
        line = self.ok("sale.order.line", "search_read", {"domain": [["order_id.name", "=", "S00011"]],
                                                          "fields": ["qty_delivered", "move_ids"]})[0]
        self.assertEqual(line["qty_delivered"], 1.0)
        self.assertEqual(line["move_ids"], pickings[11]["move_ids"])

    def test_create_and_confirm_makes_one_delivery(self):
        oid = self.new_order(carrier_id=1, client_order_ref="PO-77")
        order = self.order(oid)
        self.assertEqual((order["name"], order["state"], order["invoice_status"], order["picking_ids"]),
                         ("S00015", "draft", "no", []))
        self.assertEqual(order["amount_total"], 3 * 10.0 + 2 * 100.0)
        order = self.order(oid)
        self.assertIs(self.ok("sale.order", "action_confirm", {"ids": [oid]}), True)
        order = self.order(oid)
        self.assertEqual((order["state"], order["invoice_status"], order["delivery_count"], order["delivery_status"]),
                         ("sale", "to invoice", 1, "pending"))
        picking = self.picking(order["picking_ids"][0], ["name", "state", "origin", "sale_id", "partner_id",
                                                         "carrier_id", "picking_type_code", "move_ids"])
        self.assertEqual(picking["name"], "WH/OUT/00013")
        self.assertEqual((picking["origin"], picking["sale_id"], picking["partner_id"][0], picking["carrier_id"][0],
                          picking["picking_type_code"]), ("S00015", [oid, "S00015"], 7, 1, "outgoing"))
        self.assertEqual(picking["state"], "assigned")   # the chairs are reserved, the footrests are not
        moves = self.ok("stock.move", "read", {"ids": picking["move_ids"], "fields": [
            "product_id", "product_uom_qty", "quantity", "state", "sale_line_id", "origin"]})
        lines = self.lines(oid)
        self.assertEqual([(m["product_id"][0], m["product_uom_qty"], m["quantity"], m["state"], m["sale_line_id"][0],
                           m["origin"]) for m in moves],
                         [(1, 3.0, 3.0, "assigned", lines[0]["id"], "S00015"),
                          (10, 2.0, 0.0, "confirmed", lines[1]["id"], "S00015")])
        self.assertEqual(self.ok("stock.picking", "search_count", {"domain": [["sale_id", "=", oid]]}), 1)
        # nothing in stock at all: the delivery waits
        other = self.confirmed([(11, 1)])
        self.assertEqual(self.picking(self.order(other)["picking_ids"][0], ["state"])["state"], "confirmed")
        self.assertEqual(self.order(other, ["name"])["name"], "S00016")
        # a second confirmation is refused
        self.assertJ2Error(self.j2("sale.order", "action_confirm", {"ids": [oid]}), 422,
                           "odoo.exceptions.UserError", "Some orders are not in a state requiring confirmation.")
        self.assertEqual(self.order(oid)["delivery_count"], 1)

    def test_validating_the_delivery_updates_qty_delivered(self):
        oid = self.confirmed([(1, 3), (2, 4)])
        pid = self.order(oid)["picking_ids"][0]
        self.assertEqual([l["qty_delivered"] for l in self.lines(oid)], [0.0, 0.0])
        chair = self.moves(pid)[0]["id"]
        self.ok("stock.move", "write", {"ids": [chair], "vals": {"quantity": 2, "picked": True}})
        self.assertIs(self.validate(pid, {"skip_sms": True, "skip_backorder": True}), True)
        self.assertEqual([l["qty_delivered"] for l in self.lines(oid)], [2.0, 0.0])
        order = self.order(oid)
        self.assertEqual((len(order["picking_ids"]), order["delivery_status"]), (2, "partial"))
        backorder = self.ok("stock.picking", "search_read", {"domain": [["backorder_id", "=", pid]],
                                                            "fields": ["sale_id", "origin", "state"]})[0]
        self.assertEqual((backorder["sale_id"][0], backorder["origin"], backorder["state"]),
                         (oid, "S00015", "assigned"))
        self.assertIs(self.validate(backorder["id"], {"skip_sms": True}), True)
        self.assertEqual([l["qty_delivered"] for l in self.lines(oid)], [3.0, 4.0])
        self.assertEqual(self.order(oid)["delivery_status"], "full")

    def test_invoicing_flow(self):
        oid = self.confirmed(client_order_ref="PO-9")
        action = self.invoice([oid])
        self.assertEqual((action["type"], action["res_model"]), ("ir.actions.act_window", "account.move"))
        order = self.order(oid)
        self.assertEqual((order["invoice_status"], order["invoice_ids"]), ("invoiced", [action["res_id"]]))
        move = self.ok("account.move", "read", {"ids": [action["res_id"]], "fields": [
            "name", "display_name", "move_type", "state", "partner_id", "invoice_origin", "ref", "amount_total",
            "invoice_line_ids"]})[0]
        self.assertEqual((move["name"], move["move_type"], move["state"], move["partner_id"][0],
                          move["invoice_origin"], move["ref"], move["amount_total"]),
                         ("/", "out_invoice", "draft", 7, "S00015", "PO-9", 230.0))
        self.assertEqual(move["display_name"], f"Draft Invoice (* {move['id']})")
        lines = self.ok("account.move.line", "read", {"ids": move["invoice_line_ids"], "fields": [
            "product_id", "quantity", "price_unit", "price_subtotal", "sale_line_ids"]})
        order_lines = self.lines(oid)
        self.assertEqual([(l["product_id"][0], l["quantity"], l["price_unit"], l["sale_line_ids"]) for l in lines],
                         [(1, 3.0, 10.0, [order_lines[0]["id"]]), (10, 2.0, 100.0, [order_lines[1]["id"]])])
        self.assertEqual([(l["qty_invoiced"], l["qty_to_invoice"], l["invoice_status"]) for l in order_lines],
                         [(3.0, 0.0, "invoiced"), (2.0, 0.0, "invoiced")])
        self.assertEqual(self.ok("account.move", "search_count", {"domain": [["invoice_origin", "=", "S00015"]]}), 1)
        # nothing left: a second run is refused and creates nothing
        wizard = self.ok("sale.advance.payment.inv", "create", {"vals_list": [{"sale_order_ids": [[6, 0, [oid]]]}]})
        payload = self.assertJ2Error(self.j2("sale.advance.payment.inv", "create_invoices", {"ids": wizard}),
                                     422, "odoo.exceptions.UserError")
        self.assertTrue(payload["message"].startswith(NOTHING_TO_INVOICE))
        self.assertEqual(self.ok("account.move", "search_count", {"domain": [["invoice_origin", "=", "S00015"]]}), 1)
        # posting numbers it; a quotation has nothing to invoice
        self.assertIs(self.ok("account.move", "action_post", {"ids": [move["id"]]}), False)
        posted = self.ok("account.move", "read", {"ids": [move["id"]], "fields": ["name", "state", "invoice_date"]})[0]
        self.assertRegex(posted["name"], r"^INV/\d{4}/\d{5}$")
        self.assertEqual(posted["state"], "posted")
        self.assertEqual(self.order(oid)["invoice_status"], "invoiced")
        wizard = self.ok("sale.advance.payment.inv", "create", {"vals_list": [{}], "context": {"active_ids": [13]}})
        self.assertJ2Error(self.j2("sale.advance.payment.inv", "create_invoices", {"ids": wizard}),
                           422, "odoo.exceptions.UserError")

    def test_orders_of_one_customer_share_an_invoice(self):
        first, second = self.confirmed([(1, 1)]), self.confirmed([(2, 1)])
        action = self.invoice([first, second])
        move = self.ok("account.move", "read", {"ids": [action["res_id"]],
                                                "fields": ["invoice_origin", "amount_total"]})
        self.assertEqual(move[0]["invoice_origin"], "S00015, S00016")
        self.assertEqual(self.order(first)["invoice_ids"], self.order(second)["invoice_ids"])

    def test_invoice_policy_delivery(self):
        self.ok("product.product", "write", {"ids": [2], "vals": {"invoice_policy": "delivery"}})
        oid = self.confirmed([(2, 4)])
        self.assertEqual(self.order(oid)["invoice_status"], "no")
        wizard = self.ok("sale.advance.payment.inv", "create", {"vals_list": [{}], "context": {"active_ids": [oid]}})
        payload = self.assertJ2Error(self.j2("sale.advance.payment.inv", "create_invoices", {"ids": wizard}),
                                     422, "odoo.exceptions.UserError")
        self.assertTrue(payload["message"].startswith(NOTHING_TO_INVOICE))
        self.assertIs(self.validate(self.order(oid)["picking_ids"][0], {"skip_sms": True}), True)
        self.assertEqual(self.order(oid)["invoice_status"], "to invoice")
        self.invoice([oid])
        self.assertEqual(self.order(oid)["invoice_status"], "invoiced")

    def test_already_invoiced_order_delivered_later(self):
        # S00010: invoiced, its delivery WH/OUT/00010 is ready
        self.assertIs(self.validate(10, {"skip_sms": True}), True)
        order = self.order(10)
        self.assertEqual((order["invoice_status"], order["delivery_status"]), ("invoiced", "full"))
        self.assertEqual(self.lines(10)[0]["qty_delivered"], 5.0)

    def test_cancel(self):
        # a quotation is cancelled at once
        self.assertIs(self.ok("sale.order", "action_cancel", {"ids": [13]}), True)
        self.assertEqual(self.order(13)["state"], "cancel")
        self.assertIs(self.ok("sale.order", "action_draft", {"ids": [13]}), True)
        self.assertEqual(self.order(13)["state"], "draft")
        # 19: a confirmed order is cancelled at once too (no sale.order.cancel wizard)
        oid = self.confirmed()
        invoice = self.invoice([oid])["res_id"]
        self.assertIs(self.ok("sale.order", "action_cancel", {"ids": [oid]}), True)
        self.assertJ2Error(self.j2("sale.order.cancel", "create", {"vals_list": [{}]}), 404,
                           "werkzeug.exceptions.NotFound")
        order = self.order(oid)
        self.assertEqual((order["state"], order["invoice_status"]), ("cancel", "no"))
        self.assertEqual(self.picking(order["picking_ids"][0], ["state"])["state"], "cancel")
        self.assertEqual(self.ok("account.move", "read", {"ids": [invoice], "fields": ["state"]})[0]["state"], "cancel")
        # disable_cancel_warning skips the wizard; a done delivery stays done
        self.assertIs(self.ok("sale.order", "action_cancel", {
            "ids": [11], "context": {"disable_cancel_warning": True}}), True)
        self.assertEqual((self.order(11)["state"], self.picking(11, ["state"])["state"]), ("cancel", "done"))
        # locked orders are refused
        other = self.confirmed()
        self.ok("sale.order", "action_lock", {"ids": [other]})
        self.assertJ2Error(self.j2("sale.order", "action_cancel", {"ids": [other], "context": {
            "disable_cancel_warning": True}}), 422, "odoo.exceptions.UserError",
            "You cannot cancel a locked order. Please unlock it first.")

    def test_confirmed_lines_follow_quantity_changes(self):
        oid = self.confirmed([(1, 3)])
        pid = self.order(oid)["picking_ids"][0]
        line = self.lines(oid)[0]["id"]
        self.ok("sale.order.line", "write", {"ids": [line], "vals": {"product_uom_qty": 5}})
        self.ok("sale.order", "write", {"ids": [oid], "vals": {
            "order_line": [[0, 0, {"product_id": 2, "product_uom_qty": 1}]]}})
        self.assertEqual([(m["product_id"][0], m["product_uom_qty"], m["state"]) for m in self.moves(pid)],
                         [(1, 5.0, "assigned"), (2, 1.0, "assigned")])
        self.assertEqual(self.order(oid)["delivery_count"], 1)
        self.assertJ2Error(self.j2("sale.order.line", "unlink", {"ids": [line]}), 422, "odoo.exceptions.UserError")
        self.assertJ2Error(self.j2("sale.order", "unlink", {"ids": [oid]}), 422, "odoo.exceptions.UserError",
                           "You can not delete a sent quotation or a confirmed sales order. You must first cancel it.")
        self.assertIs(self.validate(pid, {"skip_sms": True}), True)
        self.assertJ2Error(self.j2("sale.order.line", "write", {"ids": [line], "vals": {"product_uom_qty": 1}}), 422,
                           "odoo.exceptions.UserError")
        # a move added to the delivery becomes a line of the order once done
        oid = self.confirmed([(1, 1)])
        pid = self.order(oid)["picking_ids"][0]
        self.ok("stock.move", "create", {"vals_list": [{"picking_id": pid, "product_id": 5, "product_uom_qty": 2}]})
        self.assertIs(self.validate(pid, {"skip_sms": True}), True)
        extra = self.lines(oid)[1]
        self.assertEqual((extra["product_id"][0], extra["product_uom_qty"], extra["qty_delivered"], extra["price_unit"],
                          extra["invoice_status"]), (5, 0.0, 2.0, 0.0, "upselling"))

    def test_line_without_product_and_state_write_trap(self):
        self.assertJ2Error(self.j2("sale.order", "create", {"vals_list": [{"partner_id": 7, "order_line": [
            [0, 0, {"product_uom_qty": 1}]]}]}), 422, "odoo.exceptions.ValidationError")
        self.assertJ2Error(self.j2("sale.order", "create", {"vals_list": [{"order_line": []}]}), 422,
                           "odoo.exceptions.ValidationError")
        # like stock.picking.state, writing state skips the business method: no delivery
        self.assertIs(self.ok("sale.order", "write", {"ids": [13], "vals": {"state": "sale"}}), True)
        self.assertEqual(self.order(13)["delivery_count"], 0)

    def test_stock_user_reads_orders_but_cannot_confirm(self):
        self.control("POST", "/__sim/user-groups", {"groups": ["stock.group_stock_user"]})
        order = self.ok("sale.order", "read", {"ids": [10], "fields": ["invoice_status"]})[0]
        self.assertEqual(order["invoice_status"], "invoiced")
        self.assertJ2Error(self.j2("sale.order", "action_confirm", {"ids": [13]}), 403, "odoo.exceptions.AccessError")


class MultiStepDeliveryTests(SimTestCase):
    """stock.warehouse.delivery_steps and the pickings an order gets through it."""

    def call(self, model, method, body):
        """JSON-2 on 19, JSON-RPC (ids and vals_list positional) before."""
        if self.version >= 19:
            return self.ok(model, method, body)
        body = dict(body)
        args = [body.pop("ids")] if "ids" in body else []
        if "vals_list" in body:
            args.append(body.pop("vals_list"))
        return self.rpc_ok(model, method, args, body)

    def set_steps(self, steps):
        self.call("stock.warehouse", "write", {"ids": [1], "vals": {"delivery_steps": steps}})
        return self.call("stock.warehouse", "read", {"ids": [1], "fields": [
            "pick_type_id", "pack_type_id", "out_type_id", "wh_output_stock_loc_id", "wh_pack_stock_loc_id"]})[0]

    def order_pickings(self, oid):
        ids = self.call("sale.order", "read", {"ids": [oid], "fields": ["picking_ids"]})[0]["picking_ids"]
        return self.call("stock.picking", "read", {"ids": sorted(ids), "fields": [
            "name", "state", "location_id", "location_dest_id", "move_ids", "sale_id"]})

    def confirm(self):
        oid = self.call("sale.order", "create", {"vals_list": [{"partner_id": 7, "order_line": [
            [0, 0, {"product_id": 1, "product_uom_qty": 1}]]}]})[0]
        self.call("sale.order", "action_confirm", {"ids": [oid]})
        return oid

    def pick(self, picking):
        self.call("stock.move", "write", {"ids": picking["move_ids"], "vals": {"quantity": 1, "picked": True}})
        self.assertIs(self.call("stock.picking", "button_validate",
                                {"ids": [picking["id"]], "context": {"skip_sms": True}}), True)

    def test_two_steps_on_the_seeded_warehouse(self):
        wh = self.set_steps("pick_ship")
        self.assertEqual(wh["wh_output_stock_loc_id"][1], "WH/Output")
        self.assertEqual(wh["pick_type_id"][1], "YourCompany: Pick")
        oid = self.confirm()
        [pick] = self.order_pickings(oid)
        self.assertEqual((pick["name"], pick["location_id"][1], pick["location_dest_id"][1]),
                         ("WH/PICK/00001", "WH/Stock", "WH/Output"))
        self.pick(pick)
        out = self.order_pickings(oid)[-1]
        self.assertEqual((out["location_id"][1], out["location_dest_id"][1], out["state"], out["sale_id"][0]),
                         ("WH/Output", "Partners/Customers", "assigned", oid))
        self.assertTrue(out["name"].startswith("WH/OUT/"))
        move = self.call("stock.move", "read", {"ids": out["move_ids"], "fields": ["quantity", "move_orig_ids"]})[0]
        self.assertEqual(move["move_orig_ids"], pick["move_ids"])
        self.assertEqual(move["quantity"], 1.0)
        self.set_steps("ship_only")
        [single] = self.order_pickings(self.confirm())
        self.assertEqual((single["location_id"][1], single["location_dest_id"][1]), ("WH/Stock", "Partners/Customers"))

    def test_three_steps_from_a_new_warehouse(self):
        wid = self.call("stock.warehouse", "create", {"vals_list": [{"name": "Second", "code": "W2",
                                                                   "delivery_steps": "pick_pack_ship"}]})[0]
        wh = self.call("stock.warehouse", "read", {"ids": [wid], "fields": ["lot_stock_id", "wh_pack_stock_loc_id"]})[0]
        self.assertEqual((wh["lot_stock_id"][1], wh["wh_pack_stock_loc_id"][1]), ("W2/Stock", "W2/Packing Zone"))
        oid = self.call("sale.order", "create", {"vals_list": [{"partner_id": 7, "warehouse_id": wid, "order_line": [
            [0, 0, {"product_id": 1, "product_uom_qty": 1}]]}]})[0]
        self.call("sale.order", "action_confirm", {"ids": [oid]})
        names = []
        for _step in range(3):
            picking = [p for p in self.order_pickings(oid) if p["state"] != "done"][0]
            names.append(picking["name"])
            self.pick(picking)
        self.assertEqual(names, ["W2/PICK/00001", "W2/PACK/00001", "W2/OUT/00001"])
        line = self.call("sale.order.line", "search_read", {"domain": [["order_id", "=", oid]],
                                                           "fields": ["qty_delivered"]})[0]
        self.assertEqual(line["qty_delivered"], 1.0)


class Version17MultiStepDeliveryTests(MultiStepDeliveryTests):
    """17 makes the whole chain at confirmation, the delivery waiting."""
    version = 17

    def test_two_steps_on_the_seeded_warehouse(self):
        self.set_steps("pick_ship")
        oid = self.confirm()
        pick, out = self.order_pickings(oid)
        self.assertEqual((pick["name"], pick["state"], out["name"], out["state"]),
                         ("WH/PICK/00001", "assigned", "WH/OUT/00013", "waiting"))
        self.pick(pick)
        self.assertEqual(self.order_pickings(oid)[1]["state"], "assigned")


class Version17SaleTests(SimTestCase):
    version = 17

    def test_jsonrpc_order_to_invoice(self):
        oid = self.rpc_ok("sale.order", "create", [{"partner_id": 8, "order_line": [
            [0, 0, {"product_id": 4, "product_uom_qty": 2}]]}])
        self.assertIsInstance(oid, int)
        self.assertIs(self.rpc_ok("sale.order", "action_confirm", [[oid]]), True)
        order = self.rpc_ok("sale.order", "read", [[oid]],
                            {"fields": ["name", "state", "picking_ids", "invoice_status"]})[0]
        self.assertEqual((order["name"], order["state"], order["invoice_status"], len(order["picking_ids"])),
                         ("S00015", "sale", "to invoice", 1))
        context = {"active_model": "sale.order", "active_ids": [oid]}
        wizard = self.rpc_ok("sale.advance.payment.inv", "create", [{}], {"context": context})
        action = self.rpc_ok("sale.advance.payment.inv", "create_invoices", [[wizard]], {"context": context})
        self.assertEqual(action["view_mode"], "tree,kanban,form,activity")
        invoices = self.rpc_ok("account.move", "search_read", [[["invoice_origin", "=", "S00015"]]],
                               {"fields": ["move_type", "state", "amount_total"]})
        self.assertEqual(invoices, [{"id": action["res_id"], "move_type": "out_invoice", "state": "draft",
                                     "amount_total": 80.0}])
        order = self.rpc_ok("sale.order", "read", [[oid]], {"fields": ["invoice_status"]})[0]
        self.assertEqual(order["invoice_status"], "invoiced")

    def test_cancel_asks_through_the_wizard_17(self):
        oid = self.rpc_ok("sale.order", "create", [{"partner_id": 8, "order_line": [
            [0, 0, {"product_id": 4, "product_uom_qty": 1}]]}])
        self.rpc_ok("sale.order", "action_confirm", [[oid]])
        action = self.rpc_ok("sale.order", "action_cancel", [[oid]])
        self.assertEqual((action["res_model"], action["context"]["default_order_id"]), ("sale.order.cancel", oid))
        self.assertEqual(self.rpc_ok("sale.order", "read", [[oid]], {"fields": ["state"]})[0]["state"], "sale")
        wizard = self.rpc_ok("sale.order.cancel", "create", [{}], {"context": action["context"]})
        self.assertIs(self.rpc_ok("sale.order.cancel", "action_cancel", [[wizard]]), True)
        self.assertEqual(self.rpc_ok("sale.order", "read", [[oid]], {"fields": ["state"]})[0]["state"], "cancel")

    def test_field_errors_17(self):
        for args, kwargs, name, message in (
                ([[1], {"x_nope": 1}], {}, "builtins.ValueError", "Invalid field 'x_nope' on model 'stock.picking'"),
                ([[["x_nope", "=", 1]]], {}, "builtins.ValueError",
                 "Invalid field stock.picking.x_nope in leaf ('x_nope', '=', 1)"),
                ([[["origin.x_nope", "=", 1]]], {}, "builtins.AssertionError",
                 "Invalid field 'origin.x_nope' in domain term ('origin.x_nope', '=', 1)")):
            method = "write" if isinstance(args[0][0], int) else "search"
            self.assertRpcError(self.execute_kw("stock.picking", method, args, kwargs), name, message)
        self.assertRpcError(self.execute_kw("stock.picking", "write", [[1], {}], {"foo": 1}), "builtins.TypeError",
                            "Picking.write() got an unexpected keyword argument 'foo'")

    def test_no_done_state_since_17(self):
        # Odoo 17 (odoo/odoo#115871) replaced the 'done' (Locked) state by the locked boolean
        fields = self.rpc_ok("sale.order", "fields_get", [], {"allfields": ["state", "locked"],
                                                              "attributes": ["type", "selection"]})
        self.assertEqual([key for key, _label in fields["state"]["selection"]], ["draft", "sent", "sale", "cancel"])
        self.assertEqual(fields["locked"]["type"], "boolean")
        self.assertRpcError(self.execute_kw("sale.order", "write", [[1], {"state": "done"}]), "builtins.ValueError")


# ---------------------------------------------------------------------------
# Followers and stock on hand
# ---------------------------------------------------------------------------

class FollowerTests(SimTestCase):

    def followers(self, pid):
        return [r["partner_id"][0] for r in self.ok("mail.followers", "search_read", {
            "domain": [["res_model", "=", "stock.picking"], ["res_id", "=", pid]], "fields": ["partner_id"]})]

    def new_picking(self, context=None):
        return self.ok("stock.picking", "create", {"vals_list": [{"picking_type_id": 1, "partner_id": 7}],
                                                   "context": context or {}})[0]

    def test_create_and_post_19(self):
        self.assertEqual(self.followers(self.new_picking()), [3])   # 19: the partner does not follow
        pid = self.new_picking({"mail_create_nosubscribe": True})
        self.assertEqual(self.followers(pid), [])
        # a note does not make the author follow; a comment does, even with
        # mail_create_nosubscribe; mail_post_autofollow_author_skip stops it
        self.ok("stock.picking", "message_post", {"ids": [pid], "body": "n", "message_type": "comment",
                                                  "subtype_xmlid": "mail.mt_note"})
        self.assertEqual(self.followers(pid), [])
        self.ok("stock.picking", "message_post", {"ids": [pid], "body": "c", "message_type": "comment",
                                                  "subtype_xmlid": "mail.mt_comment",
                                                  "context": {"mail_post_autofollow_author_skip": True}})
        self.assertEqual(self.followers(pid), [])
        self.ok("stock.picking", "message_post", {"ids": [pid], "body": "c", "message_type": "comment",
                                                  "subtype_xmlid": "mail.mt_comment",
                                                  "context": {"mail_create_nosubscribe": True}})
        self.assertEqual(self.followers(pid), [3])
        # validating does not subscribe anyone on 19
        other = self.new_picking({"mail_create_nosubscribe": True})
        self.ok("stock.picking", "action_confirm", {"ids": [other]})
        self.ok("stock.move", "create", {"vals_list": [{"picking_id": other, "product_id": 1, "product_uom_qty": 1}]})
        self.ok("stock.picking", "action_confirm", {"ids": [other]})
        self.assertIs(self.validate(other, {"skip_sms": True}), True)
        self.assertEqual(self.followers(other), [])

    def test_second_follower_row(self):
        pid = self.new_picking({"mail_create_nosubscribe": True})
        vals = {"res_model": "stock.picking", "res_id": pid, "partner_id": 8}
        self.ok("mail.followers", "create", {"vals_list": [vals]})
        payload = self.assertJ2Error(self.j2("mail.followers", "create", {"vals_list": [vals]}), 422,
                                     "odoo.exceptions.ValidationError",
                                     "The operation cannot be completed: Error, a partner cannot follow twice "
                                     "the same object.")
        self.assertIn(f"Key (res_model, res_id, partner_id)=(stock.picking, {pid}, 8) already exists.",
                      payload["debug"])
        self.assertEqual(self.followers(pid), [8])
        follower_ids = self.ok("stock.picking", "read", {"ids": [pid], "fields": ["message_follower_ids"]})
        self.assertEqual(len(follower_ids[0]["message_follower_ids"]), 1)


class Version17FollowerTests(SimTestCase):
    version = 17

    def followers(self, pid):
        return [r["partner_id"][0] for r in self.rpc_ok("mail.followers", "search_read", [[
            ["res_model", "=", "stock.picking"], ["res_id", "=", pid]]], {"fields": ["partner_id"]})]

    def test_create_post_validate_17(self):
        # 17/18: the creator, then the partner of a receipt or a delivery
        pid = self.rpc_ok("stock.picking", "create", [{"picking_type_id": 1, "partner_id": 7,
                                                       "location_id": 4, "location_dest_id": 8}])
        self.assertEqual(self.followers(pid), [3, 7])
        quiet = self.rpc_ok("stock.picking", "create", [{"picking_type_id": 1}],
                            {"context": {"mail_create_nosubscribe": True}})
        # a note makes the author follow unless mail_create_nosubscribe
        self.rpc_ok("stock.picking", "message_post", [[quiet]], {
            "body": "n", "message_type": "comment", "subtype_xmlid": "mail.mt_note",
            "context": {"mail_create_nosubscribe": True}})
        self.assertEqual(self.followers(quiet), [])
        message = self.rpc_ok("stock.picking", "message_post", [[quiet]], {
            "body": "n", "message_type": "comment", "subtype_xmlid": "mail.mt_note"})
        self.assertIsInstance(message, int)   # 17/18: the id, not a list
        self.assertEqual(self.followers(quiet), [3])
        # button_validate subscribes the user
        other = self.rpc_ok("stock.picking", "create", [{"picking_type_id": 1, "move_ids": [
            [0, 0, {"product_id": 1, "product_uom_qty": 1}]]}], {"context": {"mail_create_nosubscribe": True}})
        self.rpc_ok("stock.picking", "action_confirm", [[other]])
        self.assertIs(self.rpc_ok("stock.picking", "button_validate", [[other]], {"context": {"skip_sms": True}}),
                      True)
        self.assertEqual(self.followers(other), [3])
        # 17 refuses to validate a done picking (nothing left to validate)
        self.assertRpcError(self.execute_kw("stock.picking", "button_validate", [[other]]),
                            "odoo.exceptions.UserError",
                            "You cannot validate a transfer if no quantities are reserved. "
                            "To force the transfer, encode quantities.")


class StockTests(SimTestCase):

    def quants(self, product):
        return self.ok("stock.quant", "search_read", {
            "domain": [["product_id", "=", product], ["location_id.usage", "=", "internal"]],
            "fields": ["quantity", "lot_id", "reserved_quantity"]})

    def product(self, tracking="none"):
        return self.ok("product.product", "create", {"vals_list": [{
            "name": "Stock test", "type": "consu", "is_storable": True, "tracking": tracking}]})[0]

    def inventory(self, product, quantity, lot=False):
        ids = self.ok("stock.quant", "create", {"vals_list": [{
            "product_id": product, "location_id": 8, "lot_id": lot, "inventory_quantity": quantity}],
            "context": {"inventory_mode": True}})
        self.assertIsNone(self.ok("stock.quant", "action_apply_inventory", {"ids": ids}))
        return ids[0]

    def delivery(self, product, quantity):
        pid = self.ok("stock.picking", "create", {"vals_list": [{"picking_type_id": 2, "partner_id": 7, "move_ids": [
            [0, 0, {"product_id": product, "product_uom_qty": quantity}]]}]})[0]
        self.ok("stock.picking", "action_confirm", {"ids": [pid]})
        return pid

    def lines(self, pid):
        return [((line["lot_id"] or [False])[0], line["quantity"]) for line in self.ok("stock.move.line", "search_read", {
            "domain": [["picking_id", "=", pid]], "fields": ["lot_id", "quantity"], "order": "id"})]

    def test_quants_follow_the_demo_stock(self):
        # SKU-1001 (id 1): the demo's on-hand quantity is a quant of WH/Stock
        qty = self.ok("product.product", "read", {"ids": [1], "fields": ["qty_available"]})[0]["qty_available"]
        self.assertEqual([(q["lot_id"], q["quantity"]) for q in self.quants(1)], [(False, qty)])
        # the lot-tracked demo product: two lots
        self.assertEqual(sorted(q["quantity"] for q in self.quants(13)), [20.0, 30.0])
        warehouse = self.ok("stock.warehouse", "search_read", {"domain": [], "fields": ["lot_stock_id"]})
        self.assertEqual(warehouse[0]["lot_stock_id"][0], 8)

    def test_inventory_adjustment(self):
        product = self.product()
        self.assertJ2Error(self.j2("stock.quant", "create", {"vals_list": [{
            "product_id": product, "location_id": 8, "inventory_quantity": 3}]}), 422, "odoo.exceptions.UserError")
        quant = self.inventory(product, 7)
        self.assertEqual(self.ok("product.product", "read", {"ids": [product], "fields": ["qty_available"]})[0]
                         ["qty_available"], 7.0)
        self.assertEqual(self.inventory(product, 4), quant)   # the same quant, counted again
        self.assertEqual([q["quantity"] for q in self.quants(product)], [4.0])

    def test_unreserved_quantity_goes_negative(self):
        product = self.product()
        pid = self.delivery(product, 2)
        self.assertEqual(self.picking(pid, ["state"])["state"], "confirmed")
        # nothing reserved, nothing picked: refused
        self.assertJ2Error(self.j2("stock.picking", "button_validate", {"ids": [pid], "context": {"skip_sms": True}}),
                           422, "odoo.exceptions.UserError", NO_QUANTITY_19)
        move = self.moves(pid)[0]
        self.ok("stock.move", "write", {"ids": [move["id"]], "vals": {"quantity": 2, "picked": True}})
        self.assertIs(self.validate(pid, {"skip_sms": True}), True)
        self.assertEqual([q["quantity"] for q in self.quants(product)], [-2.0])

    def test_lots_reserved_first_in_first_out(self):
        product = self.product("lot")
        lot_a, lot_b = (self.ok("stock.lot", "create", {"vals_list": [{"name": n, "product_id": product}]})[0]
                        for n in ("A", "B"))
        self.inventory(product, 2, lot_a)
        self.inventory(product, 5, lot_b)
        pid = self.delivery(product, 3)
        self.assertEqual(self.lines(pid), [(lot_a, 2.0), (lot_b, 1.0)])
        self.assertEqual({q["lot_id"][0]: q["reserved_quantity"] for q in self.quants(product)},
                         {lot_a: 2.0, lot_b: 1.0})
        self.assertIs(self.validate(pid, {"skip_sms": True}), True)
        self.assertEqual(self.lines(pid), [(lot_a, 2.0), (lot_b, 1.0)])
        self.assertEqual({q["lot_id"][0]: q["quantity"] for q in self.quants(product)}, {lot_a: 0.0, lot_b: 4.0})
        # a lot set on the line is the one delivered
        lot_c = self.ok("stock.lot", "create", {"vals_list": [{"name": "C", "product_id": product}]})[0]
        self.inventory(product, 3, lot_c)
        pid = self.delivery(product, 1)
        line = self.ok("stock.move.line", "search", {"domain": [["picking_id", "=", pid]]})
        self.assertEqual(self.lines(pid), [(lot_b, 1.0)])
        self.ok("stock.move.line", "write", {"ids": line, "vals": {"lot_id": lot_c}})
        self.assertIs(self.validate(pid, {"skip_sms": True}), True)
        self.assertEqual({q["lot_id"][0]: q["quantity"] for q in self.quants(product)},
                         {lot_a: 0.0, lot_b: 4.0, lot_c: 2.0})


class Version17StockTests(SimTestCase):
    version = 17

    def test_storable_is_detailed_type_17(self):
        fields = self.rpc_ok("product.product", "fields_get", [], {"attributes": ["type"]})
        self.assertNotIn("is_storable", fields)
        product = self.rpc_ok("product.product", "create", [{"name": "Storable 17", "detailed_type": "product"}])
        self.assertEqual(self.rpc_ok("product.product", "read", [[product]], {"fields": ["type"]})[0]["type"],
                         "product")
        ids = self.rpc_ok("stock.quant", "create", [[{"product_id": product, "location_id": 8,
                                                      "inventory_quantity": 4}]],
                          {"context": {"inventory_mode": True}})
        # a method that returns None: JSON-RPC leaves "result" out
        response = self.execute_kw("stock.quant", "action_apply_inventory", [ids])
        self.assertEqual(set(response), {"jsonrpc", "id"})
        self.assertEqual(self.rpc_ok("product.product", "read", [[product]], {"fields": ["qty_available"]})[0]
                         ["qty_available"], 4.0)


class Version18Tests(unittest.TestCase):
    """Odoo 18: what sets it apart from 17 and 19 on the wire."""

    @classmethod
    def setUpClass(cls):
        cls.sim = SimProcess("--version", "18")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def rpc(self, model, method, args, kwargs=None):
        status, _h, raw = http(self.sim.base, "POST", "/jsonrpc", {
            "jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "service": "object", "method": "execute_kw", "args": [DB, 2, "admin", model, method, args, kwargs or {}]}},
            {"Content-Type": "application/json"})
        self.assertEqual(status, 200)
        return json.loads(raw)

    def test_json_path_redirects_to_login(self):
        request = urllib.request.Request(self.sim.base + "/json/2/res.users/search_count", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(type("NoRedirect", (urllib.request.HTTPRedirectHandler,), {
            "redirect_request": lambda *args, **kwargs: None}))
        try:
            opener.open(request, timeout=5)
            self.fail("no redirect")
        except urllib.error.HTTPError as error:
            self.assertEqual(error.code, 303)
            self.assertEqual(error.headers["Location"],
                             "/web/login?redirect=%2Fjson%2F2%2Fres.users%2Fsearch_count%3F")

    def test_private_method_names_the_model_and_error_code(self):
        error = self.rpc("stock.picking", "_action_done", [[1]])["error"]
        self.assertEqual(error["code"], 200)
        self.assertEqual(error["data"]["message"],
                         "Private methods (such as 'stock.picking._action_done') cannot be called remotely.")

    def test_delivery_origin_has_the_customer_reference(self):
        oid = self.rpc("sale.order", "create", [{"partner_id": 8, "client_order_ref": "PO-7", "order_line": [
            [0, 0, {"product_id": 4, "product_uom_qty": 1}]]}])["result"]
        self.rpc("sale.order", "action_confirm", [[oid]])
        order = self.rpc("sale.order", "read", [[oid]], {"fields": ["name", "picking_ids"]})["result"][0]
        picking = self.rpc("stock.picking", "read", [order["picking_ids"]], {"fields": ["origin"]})["result"][0]
        self.assertEqual(picking["origin"], f"{order['name']} - PO-7")


# ---------------------------------------------------------------------------
# Latency profile
# ---------------------------------------------------------------------------

class LatencyTests(unittest.TestCase):
    """--latency real (or LGX_SIM_LATENCY=real): each call takes about what a
    real Odoo 19 takes, and calls in flight overlap."""

    @classmethod
    def setUpClass(cls):
        cls.sim = SimProcess("--latency", "real")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def timed(self, base, path, body):
        started = time.perf_counter()
        status, _headers, raw = http(base, "POST", path, body, {
            "Content-Type": "application/json", "Authorization": f"bearer {API_KEY}", "X-Odoo-Database": DB})
        self.assertEqual(status, 200, raw)
        return time.perf_counter() - started, json.loads(raw)

    def profile(self, key):
        sys.path.insert(0, HERE)
        try:
            import odoo_sim
        finally:
            sys.path.remove(HERE)
        return odoo_sim.LATENCY_PROFILES["real"][key] / 1000.0

    def test_each_call_takes_the_profile_time(self):
        base = self.sim.base
        spent, ids = self.timed(base, "/json/2/stock.picking/message_post", {
            "ids": [1], "body": "x", "message_type": "comment", "subtype_xmlid": "mail.mt_note"})
        self.assertEqual(len(ids), 1)
        self.assertGreaterEqual(spent, self.profile("message_post"))
        spent, rows = self.timed(base, "/json/2/stock.picking/search_read", {
            "domain": [["id", "=", 1]], "fields": ["name"]})
        self.assertEqual(len(rows), 1)
        self.assertGreaterEqual(spent, self.profile("search_read"))
        spent, _ = self.timed(base, "/json/2/stock.picking/button_validate", {
            "ids": [1], "context": {"skip_sms": True}})
        self.assertGreaterEqual(spent, self.profile("button_validate"))
        # an error answer is paced too
        started = time.perf_counter()
        status, _headers, _raw = http(base, "POST", "/json/2/stock.picking/write", {
            "ids": [999999], "vals": {"origin": "x"}}, {"Content-Type": "application/json",
                                                      "Authorization": f"bearer {API_KEY}"})
        self.assertEqual(status, 404)
        self.assertGreaterEqual(time.perf_counter() - started, self.profile("write"))
        # JSON-RPC: common.login checks a password hash on a real server
        started = time.perf_counter()
        status, _headers, raw = http(base, "POST", "/jsonrpc", {
            "jsonrpc": "2.0", "method": "call", "id": 1,
            "params": {"service": "common", "method": "login", "args": [DB, "admin", API_KEY]}},
            {"Content-Type": "application/json"})
        self.assertEqual(json.loads(raw)["result"], 2)
        self.assertGreaterEqual(time.perf_counter() - started, self.profile("common.login"))

    def test_calls_in_flight_overlap(self):
        import threading
        login = self.profile("common.login")
        spent = []

        def one():
            started = time.perf_counter()
            http(self.sim.base, "POST", "/jsonrpc", {
                "jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": "common", "method": "login", "args": [DB, "admin", API_KEY]}},
                {"Content-Type": "application/json"})
            spent.append(time.perf_counter() - started)

        started = time.perf_counter()
        threads = [threading.Thread(target=one) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        self.assertEqual(len(spent), 4)
        self.assertGreaterEqual(min(spent), login)
        # four in parallel: about the time of one, far from four in sequence
        self.assertLess(wall, 2 * login, f"4 logins in parallel took {wall:.3f} s")

    def test_environment_variable_and_default(self):
        paced = SimProcess(env={"LGX_SIM_LATENCY": "real"})
        plain = SimProcess()
        try:
            spent, _ = self.timed(paced.base, "/json/2/stock.picking/button_validate", {
                "ids": [1], "context": {"skip_sms": True}})
            self.assertGreaterEqual(spent, self.profile("button_validate"))
            # the default is no latency: a login answers at once
            started = time.perf_counter()
            http(plain.base, "POST", "/jsonrpc", {
                "jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": "common", "method": "login", "args": [DB, "admin", API_KEY]}},
                {"Content-Type": "application/json"})
            self.assertLess(time.perf_counter() - started, self.profile("common.login") / 2)
        finally:
            paced.stop()
            plain.stop()


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

def main() -> int:
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print(f"{passed} passed, {failed} failed")
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
