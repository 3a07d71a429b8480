#!/usr/bin/env python3
"""Conformance suite: the Odoo behaviours lgx relies on, checked over HTTP.

Runs the same checks against a real Odoo and against the simulator
(test/sim/odoo_sim.py), so that the simulator can be held to what a real server
does (ODOO-FACTS.md):

* authentication on JSON-2 (bearer key) and JSON-RPC (common.login,
  execute_kw with the key), version detection through common.version;
* the error table on both APIs (unknown model, unknown method, private
  method, missing id, unknown field, business refusal, bad keyword argument,
  body that is not JSON): status codes, exception names, message shapes;
* button_validate and its wizards (full, nothing picked, draft, already
  done, SMS warning and skip_sms, backorder wizard process /
  process_cancel_backorder, skip_backorder with picking_ids_not_to_backorder),
  the state-write trap and the boolean trap;
* message_post, mail.activity, ir.attachment, custom fields through
  ir.model.fields, custom models through ir.model, the groups field of
  res.users (groups_id before 19, group_ids from 19);
* stock on hand: a delivery with nothing reserved nor picked is refused, a
  reserved one validates its whole reservation, a quantity written without
  stock takes the quant below zero, lots reserved first in first out stay on
  the lines unless lot_id is set (stock.quant inventory adjustments);
* a quantity written above what Odoo reserved: the quants lgx reads
  (product_id in, location_id child_of) with reserved_quantity after the
  write and quantity after validation, partly reserved, unreserved, with the
  stock on a shelf below the stock location (19 reserves the shelf, 17/18
  the stock location) and lot-tracked (19 grows the lot's line, 17/18 add a
  line without lot that blocks validation);
* units of measure: uom.uom fields per version (17/18 category_id, factor
  per category; 19 relative_factor, relative_uom_id, parent_path, factor
  absolute), conversions Units/Dozens and kg/g, a new product in Units,
  creating "Box of 12" the way each version takes it;
* followers: who follows a picking after create and message_post (17/18 and
  19 differ), a second mail.followers row is a ValidationError raised from
  psycopg2's UniqueViolation (on both APIs);
* sales orders: action_confirm makes one delivery (origin, sale_id,
  sale_line_id), the sale.advance.payment.inv wizard invoices it
  (invoice_status 'invoiced'), action_cancel (17/18: through sale.order.cancel;
  19: at once) cancels the delivery and the draft invoice; qty_delivered
  follows the validated delivery;
* multi-step delivery (a warehouse with delivery_steps pick_ship or
  pick_pack_ship, made once per database): 18/19 confirm the Pick only and
  make the next step's picking when one is validated (with the quantity
  done, linked by move_orig_ids/move_dest_ids); 17 makes them all at once,
  the later ones waiting; a Pick of 2 of 3 gives the delivery a move of 2
  (18/19) or 2 reserved of 3 (17).

The checks create their own records (a partner, a product, receipts,
deliveries and two sales orders) and remove what Odoo lets them remove
afterwards; validated pickings stay (done pickings cannot be deleted). Nothing depends on the
simulator's control endpoints.

Targets:
  real Odoo   ODOO_URL, ODOO_DB and ODOO_API_KEY (or ODOO_API_KEY_FILE); the
              login of the key's user in ODOO_LOGIN (default admin).
  --sim       starts test/sim/odoo_sim.py on a free port for --version 17, 18 and
              19 in turn (or --versions 19,17) and runs the suite on each.

Output: one line per check "PASS|FAIL|SKIP <target> <check> [detail]", then
"conformance: N passed, N failed, N skipped"; the exit status is 1 when a
check failed. Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.client import HTTPException

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "odoo_sim.py")
RPC_KEYS = {"name", "message", "arguments", "context", "debug"}
MISSING_RE = re.compile(r"^Record does not exist or has been deleted\.\n\(Record: stock\.picking\(999999999,\), "
                        r"User: \d+\)$")
PDF_BYTES = b"%PDF-1.4\n% lgx conformance\n"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to check (Odoo 18 sends /json/... to its login page)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


NO_REDIRECT = urllib.request.build_opener(_NoRedirect)


class Fail(Exception):
    """A check failed; the message says what differed."""


class Skip(Exception):
    """A check cannot run on this target; the message says why."""


def expect(condition, detail):
    if not condition:
        raise Fail(detail)


# ---------------------------------------------------------------------------
# HTTP client for one target
# ---------------------------------------------------------------------------

class Result:
    """One call's answer on either API."""

    def __init__(self, api, status, payload, headers=None, raw=b""):
        self.api = api
        self.status = status
        self.payload = payload
        self.headers = headers or {}
        self.raw = raw

    @property
    def ok(self) -> bool:
        if self.api == "json2":
            return self.status == 200
        # a method that returns None: Odoo leaves "result" out (JsonRPCDispatcher._response)
        return (self.status == 200 and isinstance(self.payload, dict) and "error" not in self.payload
                and ("result" in self.payload or self.payload.get("jsonrpc") == "2.0"))

    @property
    def value(self):
        return self.payload if self.api == "json2" else self.payload.get("result")

    @property
    def error(self) -> dict:
        if self.api == "json2":
            return self.payload if isinstance(self.payload, dict) else {}
        if isinstance(self.payload, dict) and isinstance(self.payload.get("error"), dict):
            return self.payload["error"].get("data") or {}
        return {}

    def describe(self) -> str:
        if self.ok:
            return f"{self.api} {self.status} result {short(self.value)}"
        error = self.error
        if error:
            return f"{self.api} {self.status} {error.get('name')}: {short(error.get('message'))}"
        return f"{self.api} {self.status} {short(self.raw)}"


def short(value, limit=160) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class Target:
    """An Odoo server reached over HTTP: base URL, database, API key, login."""

    def __init__(self, name, url, db, key, login="admin", timeout=30.0, expected_version=None):
        self.name = name
        self.url = url.rstrip("/")
        self.db = db
        self.key = key
        self.login = login
        self.timeout = timeout
        self.expected_version = expected_version
        self.version = None
        self.uid = None
        self.ctx: dict = {}

    @property
    def has_json2(self) -> bool:
        return bool(self.version and self.version >= 19)

    @property
    def default_api(self) -> str:
        return "json2" if self.has_json2 else "jsonrpc"

    # -- transport ---------------------------------------------------------------
    def http(self, path, body, headers):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method="POST", headers=headers)
        try:
            with NO_REDIRECT.open(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
        except (OSError, HTTPException) as error:
            raise Fail(f"no answer from {self.url}{path}: {error!r}") from None

    def j2(self, model, method, body=None, key="default", raw=None, content_type="application/json") -> Result:
        headers = {"Content-Type": content_type, "X-Odoo-Database": self.db}
        key = self.key if key == "default" else key
        if key is not None:
            headers["Authorization"] = f"bearer {key}"
        status, response_headers, data = self.http(f"/json/2/{model}/{method}",
                                                   raw if raw is not None else (body or {}), headers)
        try:
            payload = json.loads(data)
        except ValueError:
            payload = None
        return Result("json2", status, payload, response_headers, data)

    def rpc(self, service, method, args, raw=None) -> Result:
        body = raw if raw is not None else {"jsonrpc": "2.0", "method": "call", "id": random.randint(1, 10 ** 6),
                                            "params": {"service": service, "method": method, "args": args}}
        status, headers, data = self.http("/jsonrpc", body, {"Content-Type": "application/json"})
        try:
            payload = json.loads(data)
        except ValueError:
            payload = None
        return Result("jsonrpc", status, payload, headers, data)

    def execute_kw(self, model, method, args, kwargs=None, password=None) -> Result:
        return self.rpc("object", "execute_kw", [self.db, self.uid or 0, self.key if password is None else password,
                                                 model, method, args, kwargs or {}])

    def call(self, api, model, method, ids=None, args=None, **named) -> Result:
        """One model method on either API: ids for record methods, named
        arguments; on JSON-RPC, ``args`` are the positional arguments after
        the ids (create needs its vals_list positional there)."""
        if api == "json2":
            body = dict(named)
            if ids is not None:
                body["ids"] = ids
            if args:
                raise ValueError("positional arguments are JSON-RPC only")
            return self.j2(model, method, body)
        positional = ([ids] if ids is not None else []) + list(args or [])
        return self.execute_kw(model, method, positional, named)

    def ok(self, api, model, method, ids=None, args=None, **named):
        result = self.call(api, model, method, ids, args, **named)
        if not result.ok:
            raise Fail(f"{model}.{method} failed: {result.describe()}")
        return result.value

    def try_create(self, model, vals_list, **named) -> Result:
        """create on the default API, as a Result (vals_list positional on JSON-RPC)."""
        if self.has_json2:
            return self.call("json2", model, "create", vals_list=vals_list, **named)
        return self.call("jsonrpc", model, "create", args=[vals_list], **named)

    def run(self, model, method, ids=None, **named):
        """A setup call on the default API (create takes vals_list)."""
        api = self.default_api
        if api == "jsonrpc" and method == "create":
            return self.ok(api, model, method, args=[named.pop("vals_list")], **named)
        return self.ok(api, model, method, ids, **named)


def expect_error(result: Result, json2_status, name, message=None):
    """The error of ``result`` has this exception name (and message: a string,
    a compiled regex or a callable); JSON-2 answers json2_status, JSON-RPC
    answers 200 with an error member."""
    expect(not result.ok, f"expected {name}, got {result.describe()}")
    error = result.error
    if result.api == "json2":
        expect(result.status == json2_status, f"expected HTTP {json2_status}, got {result.describe()}")
        expect(set(error) == RPC_KEYS, f"JSON-2 error body keys {sorted(error)}")
    else:
        expect(result.status == 200, f"expected HTTP 200, got {result.describe()}")
        outer = result.payload.get("error") or {}
        expect(outer.get("message") in ("Odoo Server Error", "404: Not Found"),
               f"error.message {outer.get('message')!r}")
        expect(set(error) == RPC_KEYS, f"JSON-RPC error.data keys {sorted(error)}")
    expect(error.get("name") == name, f"expected {name}, got {result.describe()}")
    got = error.get("message")
    if message is None:
        return error
    if isinstance(message, re.Pattern):
        expect(isinstance(got, str) and message.search(got), f"message {got!r} does not match {message.pattern!r}")
    elif callable(message):
        expect(message(got), f"unexpected message {got!r}")
    else:
        expect(got == message, f"message {got!r}, expected {message!r}")
    return error


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

CHECKS = []


def check(name, *, json2=False, apis=None):
    """Register a check. json2: needs JSON-2 (19+). apis: run once per API
    ("json2" and/or "jsonrpc"), the name prefixed with the API."""
    def decorator(func):
        if apis:
            for api in apis:
                CHECKS.append((f"{api}.{name}", api == "json2", func, api))
        else:
            CHECKS.append((name, json2, func, None))
        return func
    return decorator


BOTH = ("json2", "jsonrpc")


# -- version and authentication -------------------------------------------------------

@check("version.detect")
def c_version(t: Target, _api):
    result = t.rpc("common", "version", [])
    expect(result.ok, f"common.version: {result.describe()}")
    info = result.value
    expect(isinstance(info, dict) and "server_version" in info and "server_version_info" in info,
           f"common.version answered {short(info)}")
    major = info["server_version_info"][0]
    expect(isinstance(major, int) and major in (17, 18, 19) or (isinstance(major, int) and major > 19),
           f"unsupported version {info['server_version']}")
    expect(str(info["server_version"]).startswith(f"{major}."), f"server_version {info['server_version']!r}")
    if t.expected_version:
        expect(major == t.expected_version, f"expected {t.expected_version}, server says {major}")
    t.version = major
    return f"{info['server_version']}"


@check("auth.jsonrpc.login")
def c_login(t: Target, _api):
    result = t.rpc("common", "login", [t.db, t.login, t.key])
    expect(result.ok and isinstance(result.value, int) and result.value > 0,
           f"common.login with the API key as password: {result.describe()} (login {t.login!r}; set ODOO_LOGIN)")
    t.uid = result.value
    return f"uid {t.uid}"


@check("auth.jsonrpc.login_wrong_password")
def c_login_wrong(t: Target, _api):
    result = t.rpc("common", "login", [t.db, t.login, "lgx-wrong-password-" + str(random.random())])
    expect(result.ok and result.value is False, f"expected false, got {result.describe()}")


@check("auth.jsonrpc.execute_kw_with_key")
def c_execute_kw(t: Target, _api):
    need_uid(t)
    result = t.execute_kw("res.users", "search_count", [[["id", "=", t.uid]]])
    expect(result.ok and result.value == 1, f"execute_kw with the key: {result.describe()}")


@check("auth.jsonrpc.execute_kw_wrong_key")
def c_execute_kw_wrong(t: Target, _api):
    need_uid(t)
    result = t.execute_kw("res.users", "search_count", [[]], password="lgx-wrong-key")
    expect_error(result, None, "odoo.exceptions.AccessDenied")


@check("auth.json2.ok", json2=True)
def c_json2_ok(t: Target, _api):
    result = t.j2("res.users", "search_count", {"domain": []})
    expect(result.ok and isinstance(result.value, int), f"bearer key refused: {result.describe()}")


@check("auth.json2.missing_key", json2=True)
def c_json2_missing(t: Target, _api):
    """No bearer token at all: another message than a wrong key (ir_http._auth_method_bearer)."""
    result = t.j2("res.users", "search_count", {"domain": []}, key=None)
    expect_error(result, 401, "werkzeug.exceptions.Unauthorized",
                 "User not authenticated, use an API Key with a Bearer Authorization header.")
    expect(result.headers.get("WWW-Authenticate", "").lower().startswith("bearer"),
           f"WWW-Authenticate {result.headers.get('WWW-Authenticate')!r}")


@check("auth.json2.wrong_key", json2=True)
def c_json2_wrong(t: Target, _api):
    expect_error(t.j2("res.users", "search_count", {"domain": []}, key="lgx-wrong-key"), 401,
                 "werkzeug.exceptions.Unauthorized", "Invalid apikey")


@check("json2.absent_before_19")
def c_json2_absent(t: Target, _api):
    """No JSON-2 before 19: 17 answers 404; 18's web client route
    /json/<path> (auth='user') redirects to the login page (303)."""
    if t.has_json2:
        raise Skip(f"Odoo {t.version} has JSON-2")
    result = t.j2("res.users", "search_count", {"domain": []})
    if t.version == 18:
        location = result.headers.get("Location") or ""
        expect(result.status == 303 and "/web/login" in location,
               f"/json/2 on Odoo 18: {result.describe()} Location {location!r}")
    else:
        expect(result.status == 404, f"/json/2 on Odoo {t.version}: {result.describe()}")
    return f"HTTP {result.status}"


# -- setup ---------------------------------------------------------------------

def need_uid(t: Target):
    if not t.uid:
        raise Fail("no uid (common.login failed)")


def need(t: Target, *keys):
    missing = [k for k in keys if k not in t.ctx]
    if missing:
        raise Skip(f"setup did not provide {', '.join(missing)}")


@check("setup.records")
def c_setup(t: Target, _api):
    """A partner with a phone, a goods product, the receipt and delivery
    operation types, the locations they use."""
    need_uid(t)
    tag = f"{int(time.time())}-{random.randint(1000, 9999)}"
    t.ctx["tag"] = tag
    t.ctx["partner"] = t.run("res.partner", "create",
                             vals_list=[{"name": f"LGX conformance {tag}", "phone": "+32 2 555 01 01"}])[0]
    t.ctx["product"] = t.run("product.product", "create",
                             vals_list=[{"name": f"LGX conformance {tag}", "type": "consu"}])[0]
    types = {}
    for code in ("incoming", "outgoing"):
        rows = t.run("stock.picking.type", "search_read", domain=[["code", "=", code]],
                     fields=["default_location_src_id", "default_location_dest_id", "company_id"], limit=1)
        expect(rows, f"no {code} operation type")
        types[code] = rows[0]
    t.ctx["types"] = types
    locations = {}
    for usage in ("supplier", "customer", "internal"):
        rows = t.run("stock.location", "search_read", domain=[["usage", "=", usage]], fields=["id"], limit=1)
        locations[usage] = rows[0]["id"] if rows else False
    t.ctx["locations"] = locations
    move_fields = t.run("stock.move", "fields_get", attributes=["type", "required"])
    t.ctx["move_fields"] = move_fields
    product = t.run("product.product", "read", ids=[t.ctx["product"]], fields=["uom_id"]
                    if "uom_id" in t.run("product.product", "fields_get", attributes=["type"]) else ["name"])[0]
    t.ctx["uom"] = (product.get("uom_id") or [False])[0]
    t.ctx["pickings"] = []
    return f"partner {t.ctx['partner']}, product {t.ctx['product']}"


def new_picking(t: Target, qty=2.0, code="incoming", confirm=True, moves=True) -> int:
    need(t, "types", "product", "partner")
    ptype = t.ctx["types"][code]
    default_src = {"incoming": "supplier", "outgoing": "internal"}[code]
    default_dst = {"incoming": "internal", "outgoing": "customer"}[code]
    src = (ptype.get("default_location_src_id") or [t.ctx["locations"][default_src]])[0]
    dst = (ptype.get("default_location_dest_id") or [t.ctx["locations"][default_dst]])[0]
    vals = {"picking_type_id": ptype["id"], "partner_id": t.ctx["partner"], "location_id": src,
            "location_dest_id": dst, "origin": f"LGX-CONF-{t.ctx['tag']}"}
    if moves:
        move = {"product_id": t.ctx["product"], "product_uom_qty": qty, "location_id": src, "location_dest_id": dst}
        fields = t.ctx["move_fields"]
        if fields.get("name", {}).get("required"):
            move["name"] = f"LGX conformance {t.ctx['tag']}"
        if fields.get("product_uom", {}).get("required") and t.ctx.get("uom"):
            move["product_uom"] = t.ctx["uom"]
        vals["move_ids"] = [[0, 0, move]]
    pid = t.run("stock.picking", "create", vals_list=[vals])[0]
    t.ctx["pickings"].append(pid)
    if confirm:
        t.run("stock.picking", "action_confirm", ids=[pid])
        if read_picking(t, pid)["state"] != "assigned":
            t.run("stock.picking", "action_assign", ids=[pid])
        state = read_picking(t, pid)["state"]
        expect(state == "assigned", f"new {code} picking is {state!r} after action_confirm/action_assign")
    return pid


def read_picking(t: Target, pid, fields=("state", "date_done", "move_ids")):
    rows = t.run("stock.picking", "read", ids=[pid], fields=list(fields))
    expect(rows, f"picking {pid} is gone")
    return rows[0]


def picking_moves(t: Target, pid):
    return t.run("stock.move", "search_read", domain=[["picking_id", "=", pid]],
                 fields=["product_uom_qty", "quantity", "picked", "state"], order="id")


def validate(t: Target, pid, context=None, api=None):
    return t.ok(api or t.default_api, "stock.picking", "button_validate", [pid], context=context or {})


@check("setup.empty_picking")
def c_empty_picking(t: Target, _api):
    t.ctx["empty_picking"] = new_picking(t, confirm=False, moves=False)
    return f"picking {t.ctx['empty_picking']}"


# -- the error table on both APIs ----------------------------------------------------

@check("error.unknown_model", apis=BOTH)
def c_unknown_model(t: Target, api):
    result = t.call(api, "x_lgx_nope_model", "search", domain=[])
    if api == "json2":
        expect_error(result, 404, "werkzeug.exceptions.NotFound")
    else:
        expect_error(result, None, "odoo.exceptions.UserError", "Object x_lgx_nope_model doesn't exist")


@check("error.unknown_method", apis=BOTH)
def c_unknown_method(t: Target, api):
    need(t, "empty_picking")
    result = t.call(api, "stock.picking", "lgx_nope", [t.ctx["empty_picking"]])
    if api == "json2":
        expect_error(result, 404, "werkzeug.exceptions.NotFound")
    else:
        expect_error(result, None, "builtins.AttributeError", lambda m: "lgx_nope" in (m or ""))


@check("error.private_method", apis=BOTH)
def c_private_method(t: Target, api):
    need(t, "empty_picking")
    result = t.call(api, "stock.picking", "_action_done", [t.ctx["empty_picking"]])
    # 18, 19: get_public_method names the model; 17: check_method_name(name) does not
    expect_error(result, 403, "odoo.exceptions.AccessError",
                 "Private methods (such as 'stock.picking._action_done') cannot be called remotely."
                 if t.version >= 18 else "Private methods (such as _action_done) cannot be called remotely.")


@check("error.missing_id_on_write", apis=BOTH)
def c_missing_id(t: Target, api):
    result = t.call(api, "stock.picking", "write", [999999999], vals={"origin": "x"})
    expect_error(result, 404, "odoo.exceptions.MissingError", MISSING_RE)


@check("jsonrpc.error_code")
def c_error_code(t: Target, _api):
    """The JSON-RPC error.code: 200 on 17 and 18, 0 on 19 (odoo/http.py
    JsonRPCDispatcher.handle_error); clients must not rely on it."""
    result = t.execute_kw("stock.picking", "write", [[999999999], {"origin": "x"}])
    expect(not result.ok and isinstance(result.payload, dict), f"got {result.describe()}")
    code = result.payload["error"].get("code")
    expect(code == (0 if t.version >= 19 else 200), f"error.code {code!r} on Odoo {t.version}")
    return f"error.code {code}"


@check("error.read_missing_id_is_empty", apis=BOTH)
def c_read_missing(t: Target, api):
    expect(t.ok(api, "stock.picking", "read", [999999999], fields=["name"]) == [], "read of a missing id")


@check("error.unknown_field", apis=BOTH)
def c_unknown_field(t: Target, api):
    """An unknown field in vals, in fields and in a domain: ValueError (500).
    The texts differ by place and by version (19: "... in 'm'" for vals, "...
    on 'm'" for fields, "m.f in condition (...)" for domains; 17/18: "... on
    model 'm'", "m.f in leaf (...)"): classified by status and name only."""
    need(t, "empty_picking")
    texts = []
    for result in (t.call(api, "stock.picking", "write", [t.ctx["empty_picking"]], vals={"x_lgx_nope": 1}),
                   t.call(api, "stock.picking", "read", [t.ctx["empty_picking"]], fields=["x_lgx_nope"]),
                   t.call(api, "stock.picking", "search_read", domain=[["x_lgx_nope", "=", 1]], fields=["id"])):
        texts.append(expect_error(result, 500, "builtins.ValueError").get("message"))
    return " | ".join(repr(text) for text in texts)


@check("error.business_refusal", apis=BOTH)
def c_business_refusal(t: Target, api):
    need(t, "empty_picking")
    expect_error(t.call(api, "stock.picking", "action_assign", [t.ctx["empty_picking"]]), 422,
                 "odoo.exceptions.UserError", "Nothing to check the availability for.")


@check("error.bad_kwarg", apis=BOTH)
def c_bad_kwarg(t: Target, api):
    """A keyword argument the method does not take: JSON-2 binds the arguments
    to the signature first (422 UnprocessableEntity, Python's text); JSON-RPC
    calls the method (TypeError). A method with **kwargs (search_read) fails
    inside (TypeError, 500 on JSON-2)."""
    need(t, "empty_picking")
    named = lambda m: "unexpected keyword argument 'lgx_nope'" in (m or "")
    result = t.call(api, "stock.picking", "write", [t.ctx["empty_picking"]], vals={}, lgx_nope=1)
    if api == "json2":
        expect_error(result, 422, "werkzeug.exceptions.UnprocessableEntity", named)
    else:
        expect_error(result, None, "builtins.TypeError", named)
    expect_error(t.call(api, "stock.picking", "search_read", domain=[], fields=["id"], limit=1, lgx_nope=1),
                 500, "builtins.TypeError", named)


@check("error.body_not_json", apis=BOTH)
def c_not_json(t: Target, api):
    if api == "json2":
        result = t.j2("stock.picking", "search_count", raw=b"{not json")
        expect(result.status == 400, f"expected 400, got {result.describe()}")
        expect(result.error.get("name") == "werkzeug.exceptions.BadRequest", f"got {result.describe()}")
    else:
        result = t.rpc(None, None, None, raw=b"{not json")
        expect(result.status == 400, f"expected 400, got {result.describe()}")


# -- button_validate ----------------------------------------------------------------

SKIP_SMS = {"skip_sms": True}


@check("validate.full")
def c_validate_full(t: Target, _api):
    pid = new_picking(t, qty=2)
    move = picking_moves(t, pid)[0]
    t.run("stock.move", "write", ids=[move["id"]], vals={"quantity": 2, "picked": True})
    result = validate(t, pid, SKIP_SMS)
    expect(result is True, f"button_validate returned {short(result)}")
    picking = read_picking(t, pid)
    expect(picking["state"] == "done" and picking["date_done"], f"picking after validation: {picking}")
    t.ctx["done_picking"] = pid


@check("validate.nothing_picked")
def c_validate_nothing_picked(t: Target, _api):
    pid = new_picking(t, qty=3)
    expect(not any(m["picked"] for m in picking_moves(t, pid)), "a new picking has picked moves")
    result = validate(t, pid, SKIP_SMS)
    expect(result is True, f"button_validate returned {short(result)}")
    expect(read_picking(t, pid)["state"] == "done", "not done")
    moves = picking_moves(t, pid)
    expect(all(m["picked"] and m["state"] == "done" for m in moves), f"moves {moves}")


@check("validate.draft_trap")
def c_validate_draft(t: Target, _api):
    pid = new_picking(t, qty=2, confirm=False)
    expect(read_picking(t, pid)["state"] == "draft", "new picking is not draft")
    result = validate(t, pid, SKIP_SMS)
    expect(result is True, f"button_validate of a draft returned {short(result)}")
    expect(read_picking(t, pid)["state"] == "done", "draft picking not done after button_validate")


@check("validate.already_done")
def c_validate_done(t: Target, _api):
    """18 and 19 skip done pickings (true); 17 runs its sanity check on them
    and refuses: no quantity on the moves that are not done (UserError)."""
    need(t, "done_picking")
    pid = t.ctx["done_picking"]
    before = read_picking(t, pid, ("state", "date_done"))
    result = t.call(t.default_api, "stock.picking", "button_validate", [pid], context={})
    if t.version >= 18:
        expect(result.ok and result.value is True, f"button_validate of a done picking: {result.describe()}")
    else:
        expect_error(result, 422, "odoo.exceptions.UserError")
    expect(read_picking(t, pid, ("state", "date_done")) == before, "a done picking changed")
    return result.describe()


@check("validate.sms_wizard_and_skip_sms")
def c_validate_sms(t: Target, _api):
    need(t, "types")
    company_fields = t.run("res.company", "fields_get", attributes=["type"])
    if "has_received_warning_stock_sms" not in company_fields:
        raise Skip("stock_sms is not installed")
    # the company's switch: stock_sms's stock_move_sms_validation (17, 18),
    # stock's stock_text_confirmation with stock_confirmation_type 'sms' (19)
    switch = "stock_text_confirmation" if t.version >= 19 else "stock_move_sms_validation"
    expect(switch in company_fields, f"res.company has no {switch} on Odoo {t.version}")
    company_id = (t.ctx["types"]["outgoing"].get("company_id") or [False])[0]
    company = t.run("res.company", "read", ids=[company_id], fields=[switch, "has_received_warning_stock_sms"])[0]
    if company["has_received_warning_stock_sms"] or not company[switch]:
        raise Skip("the company already answered the SMS warning (only its first delivery asks)")
    pid = new_picking(t, qty=1, code="outgoing")
    action = validate(t, pid)
    expect(isinstance(action, dict) and action.get("res_model") == "confirm.stock.sms",
           f"expected the confirm.stock.sms wizard, got {short(action)}")
    expect(read_picking(t, pid)["state"] == "assigned", "picking changed state with the SMS wizard")
    expect(validate(t, pid, SKIP_SMS) is True, "skip_sms did not validate")
    expect(read_picking(t, pid)["state"] == "done", "not done after skip_sms")


def partial_picking(t: Target):
    pid = new_picking(t, qty=2)
    move = picking_moves(t, pid)[0]
    t.run("stock.move", "write", ids=[move["id"]], vals={"quantity": 1, "picked": True})
    return pid


def backorders_of(t: Target, pid):
    return t.run("stock.picking", "search_read", domain=[["backorder_id", "=", pid]],
                 fields=["state", "move_ids"])


def backorder_wizard(t: Target, pid):
    action = validate(t, pid, SKIP_SMS)
    expect(isinstance(action, dict), f"expected the backorder wizard, got {short(action)}")
    expect(action.get("res_model") == "stock.backorder.confirmation" and action.get("name") == "Create Backorder?",
           f"wizard {short(action)}")
    context = action.get("context") or {}
    expect(context.get("button_validate_picking_ids") == [pid],
           f"context.button_validate_picking_ids {context.get('button_validate_picking_ids')}")
    expect(read_picking(t, pid)["state"] == "assigned", "picking changed state with the backorder wizard")
    wizard = t.run("stock.backorder.confirmation", "create", vals_list=[{}], context=context)
    expect(isinstance(wizard, list) and len(wizard) == 1, f"wizard create returned {wizard}")
    return wizard, context


@check("validate.backorder_wizard_process")
def c_backorder_process(t: Target, _api):
    pid = partial_picking(t)
    wizard, context = backorder_wizard(t, pid)
    result = t.run("stock.backorder.confirmation", "process", ids=wizard, context=context)
    expect(result is True, f"process returned {short(result)}")
    expect(read_picking(t, pid)["state"] == "done", "picking not done after process")
    backorders = backorders_of(t, pid)
    expect(len(backorders) == 1, f"expected one backorder, found {len(backorders)}")
    t.ctx["pickings"].append(backorders[0]["id"])
    rest = picking_moves(t, backorders[0]["id"])
    expect([m["product_uom_qty"] for m in rest] == [1.0], f"backorder moves {rest}")


@check("validate.backorder_wizard_process_cancel_backorder")
def c_backorder_cancel(t: Target, _api):
    pid = partial_picking(t)
    wizard, context = backorder_wizard(t, pid)
    result = t.run("stock.backorder.confirmation", "process_cancel_backorder", ids=wizard, context=context)
    expect(result is True, f"process_cancel_backorder returned {short(result)}")
    expect(read_picking(t, pid)["state"] == "done", "picking not done")
    expect(backorders_of(t, pid) == [], "a backorder was created")


@check("validate.skip_backorder_context")
def c_skip_backorder(t: Target, _api):
    pid = partial_picking(t)
    result = validate(t, pid, {"skip_sms": True, "skip_backorder": True, "picking_ids_not_to_backorder": [pid]})
    expect(result is True, f"button_validate returned {short(result)}")
    expect(read_picking(t, pid)["state"] == "done", "picking not done")
    expect(backorders_of(t, pid) == [], "a backorder was created")


# -- stock on hand: reservation, lots, negative stock (REAL-ODOO.md section 3) -----------

def storable_product(t: Target, name, tracking="none") -> int:
    """A product whose stock Odoo keeps: is_storable (18+) or detailed_type
    'product' (17)."""
    fields = t.run("product.product", "fields_get", attributes=["type"])
    vals = {"name": f"LGX conformance {name} {t.ctx['tag']}", "tracking": tracking}
    if "is_storable" in fields:
        vals.update(type="consu", is_storable=True)
    elif "detailed_type" in fields:
        vals.update(detailed_type="product")
    else:
        vals.update(type="product")
    pid = t.run("product.product", "create", vals_list=[vals])
    return pid[0] if isinstance(pid, list) else pid


def stock_location(t: Target) -> int:
    need(t, "types")
    return t.ctx["types"]["outgoing"]["default_location_src_id"][0]


def put_stock(t: Target, product, quantity, lot=False, location=None):
    """An inventory adjustment: stock.quant inventory_quantity in
    inventory_mode, then action_apply_inventory."""
    vals = {"product_id": product, "location_id": location or stock_location(t), "inventory_quantity": quantity}
    if lot:
        vals["lot_id"] = lot
    ids = t.run("stock.quant", "create", vals_list=[vals], context={"inventory_mode": True})
    t.run("stock.quant", "action_apply_inventory", ids=ids if isinstance(ids, list) else [ids])


def new_lot(t: Target, product, name) -> int:
    company = (t.ctx["types"]["outgoing"].get("company_id") or [False])[0]
    vals = {"name": f"{name}-{t.ctx['tag']}", "product_id": product}
    if company:
        vals["company_id"] = company
    lot = t.run("stock.lot", "create", vals_list=[vals])
    return lot[0] if isinstance(lot, list) else lot


def delivery(t: Target, product, qty) -> int:
    """A confirmed delivery of qty of product from the stock location (Odoo
    reserves what it can at confirmation)."""
    need(t, "types", "partner")
    ptype = t.ctx["types"]["outgoing"]
    src = stock_location(t)
    dst = (ptype.get("default_location_dest_id") or [t.ctx["locations"]["customer"]])[0]
    move = {"product_id": product, "product_uom_qty": qty, "location_id": src, "location_dest_id": dst}
    fields = t.ctx["move_fields"]
    if fields.get("name", {}).get("required"):
        move["name"] = f"LGX conformance {t.ctx['tag']}"
    if fields.get("product_uom", {}).get("required") and t.ctx.get("uom"):
        move["product_uom"] = t.ctx["uom"]
    pid = t.run("stock.picking", "create", vals_list=[{
        "picking_type_id": ptype["id"], "partner_id": t.ctx["partner"], "location_id": src,
        "location_dest_id": dst, "origin": f"LGX-CONF-{t.ctx['tag']}", "move_ids": [[0, 0, move]]}])[0]
    t.ctx["pickings"].append(pid)
    t.run("stock.picking", "action_confirm", ids=[pid])
    return pid


def move_lines(t: Target, pid):
    lines = t.run("stock.move.line", "search_read", domain=[["picking_id", "=", pid]],
                  fields=["quantity", "lot_id", "picked"], order="id")
    return [((line["lot_id"] or [False])[0], line["quantity"]) for line in lines]


def on_hand(t: Target, product):
    """The product's quants in internal locations: (sum of quantity, rows)."""
    quants = t.run("stock.quant", "search_read", domain=[["product_id", "=", product],
                                                         ["location_id.usage", "=", "internal"]],
                   fields=["quantity", "lot_id", "location_id"])
    return sum(q["quantity"] for q in quants), quants


@check("stock.validate_nothing_reserved_nothing_picked")
def c_validate_zero(t: Target, _api):
    """A delivery of a product with no stock: nothing reserved, nothing picked:
    button_validate refuses (UserError; 19: "Validating a zero quantity
    transfer", 17/18: "no quantities are reserved")."""
    need(t, "tag")
    product = storable_product(t, "no stock")
    pid = delivery(t, product, 2)
    state = read_picking(t, pid, ["state"])["state"]
    expect(state == "confirmed", f"a delivery without stock is {state!r}")
    error = expect_error(t.call(t.default_api, "stock.picking", "button_validate", [pid], context=SKIP_SMS),
                         422, "odoo.exceptions.UserError")
    if t.version >= 19:
        expect("zero quantity" in (error.get("message") or ""), f"message {error.get('message')!r}")
    expect(read_picking(t, pid, ["state"])["state"] == "confirmed", "the refused delivery changed state")
    t.ctx["no_stock_product"] = product
    return repr(error.get("message"))


@check("stock.validate_reserved_not_picked")
def c_validate_reserved(t: Target, _api):
    """Stock 5, a delivery of 3: Odoo reserves 3; validating with nothing
    marked picked delivers the whole reserved quantity."""
    need(t, "tag")
    product = storable_product(t, "reserved")
    put_stock(t, product, 5)
    pid = delivery(t, product, 3)
    expect(read_picking(t, pid, ["state"])["state"] == "assigned", "delivery not reserved")
    moves = picking_moves(t, pid)
    expect([(m["quantity"], m["picked"]) for m in moves] == [(3.0, False)], f"reserved moves {moves}")
    expect(validate(t, pid, SKIP_SMS) is True, "button_validate did not return true")
    moves = picking_moves(t, pid)
    expect([(m["quantity"], m["picked"], m["state"]) for m in moves] == [(3.0, True, "done")], f"moves {moves}")
    total, _quants = on_hand(t, product)
    expect(total == 2.0, f"on hand {total} after delivering 3 of 5")


@check("stock.unreserved_quantity_goes_negative")
def c_negative_stock(t: Target, _api):
    """A quantity written on a move Odoo could not reserve (no stock):
    validation succeeds and the stock quant goes negative, silently."""
    need(t, "tag")
    product = storable_product(t, "negative")
    pid = delivery(t, product, 2)
    move = picking_moves(t, pid)[0]
    expect(move["quantity"] == 0.0 and move["state"] == "confirmed", f"move {move}")
    t.run("stock.move", "write", ids=[move["id"]], vals={"quantity": 2, "picked": True})
    expect(validate(t, pid, SKIP_SMS) is True, "button_validate did not return true")
    expect(read_picking(t, pid, ["state"])["state"] == "done", "not done")
    total, quants = on_hand(t, product)
    expect(total == -2.0, f"quants after delivering 2 without stock: {quants}")
    qty = t.run("product.product", "read", ids=[product], fields=["qty_available"])[0]["qty_available"]
    expect(qty == -2.0, f"qty_available {qty}")
    return f"quant {quants[0]['quantity'] if quants else None}"


@check("stock.lots_reserved_kept_unless_set")
def c_lots(t: Target, _api):
    """A lot-tracked product with lots A (2) and B (5), then C (3): a delivery
    of 3 reserves A then B (first in, first out) and validating without
    touching the lines delivers those lots; a delivery of 1 reserves B, and
    setting lot_id C on its line delivers C instead."""
    need(t, "tag")
    product = storable_product(t, "lots", tracking="lot")
    lot_a, lot_b = new_lot(t, product, "LGX-A"), new_lot(t, product, "LGX-B")
    put_stock(t, product, 2, lot_a)
    put_stock(t, product, 5, lot_b)
    pid = delivery(t, product, 3)
    expect(read_picking(t, pid, ["state"])["state"] == "assigned", "delivery not reserved")
    expect(move_lines(t, pid) == [(lot_a, 2.0), (lot_b, 1.0)], f"reserved lines {move_lines(t, pid)}")
    expect(validate(t, pid, SKIP_SMS) is True, "button_validate did not return true")
    expect(move_lines(t, pid) == [(lot_a, 2.0), (lot_b, 1.0)], f"done lines {move_lines(t, pid)}")
    lot_c = new_lot(t, product, "LGX-C")
    put_stock(t, product, 3, lot_c)
    pid = delivery(t, product, 1)
    lines = t.run("stock.move.line", "search_read", domain=[["picking_id", "=", pid]], fields=["lot_id"])
    expect([(line["lot_id"] or [False])[0] for line in lines] == [lot_b], f"reserved lines {lines}")
    t.run("stock.move.line", "write", ids=[lines[0]["id"]], vals={"lot_id": lot_c})
    expect(validate(t, pid, SKIP_SMS) is True, "button_validate did not return true")
    expect(move_lines(t, pid) == [(lot_c, 1.0)], f"done lines {move_lines(t, pid)}")
    _total, quants = on_hand(t, product)
    by_lot = {(q["lot_id"] or [False])[0]: q["quantity"] for q in quants}
    expect({lot: by_lot.get(lot, 0.0) for lot in (lot_a, lot_b, lot_c)} == {lot_a: 0.0, lot_b: 4.0, lot_c: 2.0},
           f"quants {quants}")


# -- a quantity set above what Odoo reserved (stock.move._set_quantity) ---------------

QUANT_FIELDS = ["product_id", "location_id", "lot_id", "quantity", "reserved_quantity"]


def quant_rows(t: Target, product, location, keep_empty=False):
    """The product's quants under location, as lgx reads them to find a
    shortage (free = quantity - reserved_quantity): sorted (location id, lot
    id or False, quantity, reserved_quantity); quants left with nothing (which
    Odoo's quant clean-up would remove) are left out unless keep_empty."""
    rows = t.run("stock.quant", "search_read", domain=[["product_id", "in", [product]],
                                                       ["location_id", "child_of", [location]]],
                 fields=QUANT_FIELDS)
    for row in rows:
        expect(set(QUANT_FIELDS) <= set(row) and row["product_id"][0] == product, f"quant {row}")
    out = [(row["location_id"][0], (row["lot_id"] or [False])[0], row["quantity"], row["reserved_quantity"])
           for row in rows]
    return sorted((q for q in out if keep_empty or q[2] or q[3]), key=lambda q: (q[0], q[1] or 0))


def line_rows(t: Target, pid):
    """The picking's move lines: (location id, lot id or False, quantity), by id."""
    lines = t.run("stock.move.line", "search_read", domain=[["picking_id", "=", pid]],
                  fields=["location_id", "lot_id", "quantity"], order="id")
    return [(line["location_id"][0], (line["lot_id"] or [False])[0], line["quantity"]) for line in lines]


def free_total(quants):
    return sum(q[2] - q[3] for q in quants)


def pick_all(t: Target, pid, quantity):
    """What lgx does with a pick: the move's quantity, picked."""
    moves = picking_moves(t, pid)
    expect(len(moves) == 1, f"moves {moves}")
    t.run("stock.move", "write", ids=[moves[0]["id"]], vals={"quantity": quantity, "picked": True})
    move = picking_moves(t, pid)[0]
    expect((move["quantity"], move["picked"]) == (float(quantity), True), f"move after the write: {move}")


@check("stock.pick_above_reservation")
def c_pick_above_reservation(t: Target, _api):
    """Stock 6, a delivery of 10: Odoo reserves 6 (one line). Writing
    quantity 10, picked, on the move: the line keeps its 6 and a new line of
    4 is reserved on the same quant, which then shows quantity 6, reserved 10
    (free -4); validation takes the quant to -4 (17, 18 and 19 alike)."""
    need(t, "tag")
    product = storable_product(t, "over reservation")
    put_stock(t, product, 6)
    pid = delivery(t, product, 10)
    loc = stock_location(t)
    move = picking_moves(t, pid)[0]
    expect((move["quantity"], move["state"]) == (6.0, "partially_available"), f"reserved move {move}")
    expect(quant_rows(t, product, loc) == [(loc, False, 6.0, 6.0)], f"quants {quant_rows(t, product, loc)}")
    pick_all(t, pid, 10)
    quants = quant_rows(t, product, loc)
    expect(quants == [(loc, False, 6.0, 10.0)], f"quants after the write: {quants}")
    expect(line_rows(t, pid) == [(loc, False, 6.0), (loc, False, 4.0)], f"lines {line_rows(t, pid)}")
    expect(validate(t, pid, SKIP_SMS) is True, "button_validate did not return true")
    quants = quant_rows(t, product, loc)
    expect(quants == [(loc, False, -4.0, 0.0)], f"quants after validation: {quants}")
    return f"after the write {free_total([(loc, False, 6.0, 10.0)])} free"


@check("stock.pick_nothing_reserved")
def c_pick_nothing_reserved(t: Target, _api):
    """Stock 6, a delivery of 10 unreserved (do_unreserve): writing quantity
    10, picked: 19 reserves the 6 free on their quant (a line of 6) and makes
    a line of 4 without stock; 17/18 make one line of 10. Either way the
    quant shows 6, reserved 10, and validation leaves it at -4."""
    need(t, "tag")
    product = storable_product(t, "unreserved")
    put_stock(t, product, 6)
    pid = delivery(t, product, 10)
    loc = stock_location(t)
    t.run("stock.picking", "do_unreserve", ids=[pid])
    move = picking_moves(t, pid)[0]
    expect((move["quantity"], move["state"]) == (0.0, "confirmed"), f"unreserved move {move}")
    expect(quant_rows(t, product, loc) == [(loc, False, 6.0, 0.0)], f"quants {quant_rows(t, product, loc)}")
    pick_all(t, pid, 10)
    quants = quant_rows(t, product, loc)
    expect(quants == [(loc, False, 6.0, 10.0)], f"quants after the write: {quants}")
    want = [(loc, False, 6.0), (loc, False, 4.0)] if t.version >= 19 else [(loc, False, 10.0)]
    expect(line_rows(t, pid) == want, f"lines {line_rows(t, pid)}, expected {want}")
    expect(validate(t, pid, SKIP_SMS) is True, "button_validate did not return true")
    quants = quant_rows(t, product, loc)
    expect(quants == [(loc, False, -4.0, 0.0)], f"quants after validation: {quants}")
    return f"lines {[q[2] for q in want]}"


@check("stock.pick_above_reservation_sublocation")
def c_pick_sublocation(t: Target, _api):
    """Stock 6 on a shelf inside the stock location, a delivery of 10 from the
    stock location (Odoo reserves the shelf's 6), unreserved, then 10 picked:
    19 reserves the shelf's 6 there and 4 without stock on the stock
    location (shelf 6/6, stock 0/4; after validation shelf 0, stock -4);
    17/18 put all 10 on the stock location (shelf 6/0, stock 0/10; after
    validation shelf 6, stock -10). The free quantity summed over child_of
    the stock location is -4 on all versions."""
    need(t, "tag")
    product = storable_product(t, "shelf")
    loc = stock_location(t)
    shelf = t.run("stock.location", "create", vals_list=[{"name": f"LGX conformance shelf {t.ctx['tag']}",
                                                          "location_id": loc, "usage": "internal"}])
    shelf = shelf[0] if isinstance(shelf, list) else shelf
    name = t.run("stock.location", "read", ids=[shelf], fields=["complete_name", "location_id"])[0]
    expect(name["location_id"][0] == loc and name["complete_name"].endswith(f"/LGX conformance shelf {t.ctx['tag']}"),
           f"new location {name}")
    ids = t.run("stock.quant", "create", vals_list=[{"product_id": product, "location_id": shelf,
                                                     "inventory_quantity": 6}], context={"inventory_mode": True})
    t.run("stock.quant", "action_apply_inventory", ids=ids if isinstance(ids, list) else [ids])
    pid = delivery(t, product, 10)
    expect(line_rows(t, pid) == [(shelf, False, 6.0)], f"reserved lines {line_rows(t, pid)}")
    expect(quant_rows(t, product, loc) == [(shelf, False, 6.0, 6.0)], f"quants {quant_rows(t, product, loc)}")
    t.run("stock.picking", "do_unreserve", ids=[pid])
    pick_all(t, pid, 10)
    quants = quant_rows(t, product, loc)
    if t.version >= 19:
        want_q, want_l = [(loc, False, 0.0, 4.0), (shelf, False, 6.0, 6.0)], [(shelf, False, 6.0), (loc, False, 4.0)]
        done_q = [(loc, False, -4.0, 0.0)]
    else:
        want_q, want_l = [(loc, False, 0.0, 10.0), (shelf, False, 6.0, 0.0)], [(loc, False, 10.0)]
        done_q = [(loc, False, -10.0, 0.0), (shelf, False, 6.0, 0.0)]
    expect(quants == sorted(want_q), f"quants after the write: {quants}, expected {sorted(want_q)}")
    expect(free_total(quants) == -4.0, f"free {free_total(quants)}")
    expect(line_rows(t, pid) == want_l, f"lines {line_rows(t, pid)}, expected {want_l}")
    expect(validate(t, pid, SKIP_SMS) is True, "button_validate did not return true")
    quants = quant_rows(t, product, loc)
    expect(quants == sorted(done_q), f"quants after validation: {quants}, expected {sorted(done_q)}")
    return f"after validation {[(q[0] == shelf and 'shelf' or 'stock', q[2]) for q in quants]}"


@check("stock.pick_above_reservation_lots")
def c_pick_lots(t: Target, _api):
    """A lot-tracked product, lots A (2) and B (5); a delivery of 3 reserves
    A 2 and B 1; writing quantity 6, picked: 19 grows B's line from B's free
    stock (A 2, B 4; validation leaves A 0, B 1); 17/18 add a line of 3
    without lot, reserved on a new quant without lot (quantity 0, reserved
    3), and validation is refused until a lot is set (UserError)."""
    need(t, "tag")
    product = storable_product(t, "lots over", tracking="lot")
    lot_a, lot_b = new_lot(t, product, "LGX-OA"), new_lot(t, product, "LGX-OB")
    put_stock(t, product, 2, lot_a)
    put_stock(t, product, 5, lot_b)
    loc = stock_location(t)
    pid = delivery(t, product, 3)
    expect(line_rows(t, pid) == [(loc, lot_a, 2.0), (loc, lot_b, 1.0)], f"reserved lines {line_rows(t, pid)}")
    pick_all(t, pid, 6)
    quants = quant_rows(t, product, loc)
    if t.version >= 19:
        want_l = [(loc, lot_a, 2.0), (loc, lot_b, 4.0)]
        want_q = [(loc, lot_a, 2.0, 2.0), (loc, lot_b, 5.0, 4.0)]
    else:
        want_l = [(loc, lot_a, 2.0), (loc, lot_b, 1.0), (loc, False, 3.0)]
        want_q = [(loc, False, 0.0, 3.0), (loc, lot_a, 2.0, 2.0), (loc, lot_b, 5.0, 1.0)]
    expect(line_rows(t, pid) == want_l, f"lines {line_rows(t, pid)}, expected {want_l}")
    expect(quants == sorted(want_q, key=lambda q: (q[0], q[1] or 0)), f"quants after the write: {quants}")
    result = t.call(t.default_api, "stock.picking", "button_validate", [pid], context=SKIP_SMS)
    if t.version >= 19:
        expect(result.ok and result.value is True, f"button_validate: {result.describe()}")
        quants = quant_rows(t, product, loc, keep_empty=True)
        expect(quants == [(loc, lot_a, 0.0, 0.0), (loc, lot_b, 1.0, 0.0)], f"quants after validation: {quants}")
    else:
        expect_error(result, 422, "odoo.exceptions.UserError", lambda m: "Lot/Serial number" in (m or ""))
        expect(read_picking(t, pid, ["state"])["state"] == "assigned", "the refused picking changed state")
    return result.describe()


# -- units of measure (uom.uom) -------------------------------------------------------

UOM_FIELDS = {17: ["id", "name", "factor", "rounding", "active", "category_id", "uom_type"],
              19: ["id", "name", "factor", "rounding", "active", "relative_factor", "relative_uom_id",
                   "parent_path"]}


def uom_fields(t: Target):
    return UOM_FIELDS[19 if t.version >= 19 else 17]


def uoms_named(t: Target, names):
    """uom.uom rows by name, archived ones included (19 archives Dozens)."""
    rows = t.run("uom.uom", "search_read", domain=[["name", "in", list(names)], ["active", "in", [True, False]]],
                 fields=uom_fields(t), order="id")
    by_name = {}
    for row in rows:
        expect(set(uom_fields(t)) <= set(row), f"uom.uom row {row}")
        by_name.setdefault(row["name"], row)
    missing = [n for n in names if n not in by_name]
    expect(not missing, f"no unit named {missing}")
    return by_name


def uom_convert(t: Target, qty, a, b):
    """uom.uom._compute_quantity without rounding: 17/18 qty / a.factor *
    b.factor (factor = units of this per reference unit); 19 qty * a.factor /
    b.factor (factor = absolute quantity)."""
    if t.version >= 19:
        return qty * a["factor"] / b["factor"]
    return qty / a["factor"] * b["factor"]


def uom_same_kind(t: Target, a, b):
    """17/18: same category_id; 19: parent_path of the same root."""
    if t.version >= 19:
        return a["parent_path"].split("/")[0] == b["parent_path"].split("/")[0]
    return a["category_id"][0] == b["category_id"][0]


def close(a, b):
    return abs(a - b) < 1e-6


@check("stock.picking_type_warehouse")
def c_picking_type_warehouse(t: Target, _api):
    """A delivery's operation type names its warehouse (warehouse_id), as
    lgx-picks reads it to check the warehouse a pick names; the picking
    reads its operation type (picking_type_id)."""
    need_uid(t)
    wh = t.run("stock.warehouse", "search_read", domain=[["code", "=", "WH"]],
               fields=["id", "code"], limit=1)
    expect(wh, "no warehouse WH")
    rows = t.run("stock.picking.type", "search_read", domain=[["code", "=", "outgoing"],
                                                                ["warehouse_id", "=", wh[0]["id"]]],
                 fields=["warehouse_id"], limit=1)
    expect(rows and rows[0]["warehouse_id"][0] == wh[0]["id"],
           f"no outgoing operation type of WH: {rows}")
    pick = t.run("stock.picking", "search_read", domain=[["picking_type_id", "=", rows[0]["id"]]],
                 fields=["picking_type_id"], limit=1)
    expect(not pick or pick[0]["picking_type_id"][0] == rows[0]["id"], f"{pick}")


@check("uom.fields_and_conversion")
def c_uom_fields(t: Target, _api):
    """Units, Dozens, kg and g with the version's fields (17/18: factor,
    rounding, category_id, uom_type; 19: factor, rounding, relative_factor,
    relative_uom_id, parent_path); 1 Dozens = 12 Units, 1.5 kg = 1500 g, Units
    and kg do not convert; the other version's fields are refused and
    uom.category exists only before 19; a new product is in Units and its
    moves in the product's unit; 19 archives Dozens."""
    need(t, "uom")
    units = uoms_named(t, ["Units", "Dozens", "kg", "g"])
    u, d, kg, g = units["Units"], units["Dozens"], units["kg"], units["g"]
    for row in units.values():
        expect(close(row["rounding"], 0.01), f"rounding of {row['name']}: {row['rounding']}")
    if t.version >= 19:
        expect((u["factor"], u["relative_factor"], u["relative_uom_id"], u["parent_path"])
               == (1.0, 1.0, False, f"{u['id']}/"), f"Units {u}")
        expect(d["factor"] == 12.0 and d["relative_factor"] == 12.0 and d["relative_uom_id"][0] == u["id"]
               and d["parent_path"] == f"{u['id']}/{d['id']}/", f"Dozens {d}")
        expect(g["factor"] == 1.0 and not g["relative_uom_id"] and kg["factor"] == 1000.0
               and kg["relative_uom_id"][0] == g["id"], f"kg {kg}, g {g}")
        expect(d["active"] is False, f"Dozens active {d['active']} on 19 (uom_data.xml archives it)")
        other = "category_id"
    else:
        expect((u["factor"], u["uom_type"]) == (1.0, "reference"), f"Units {u}")
        expect(close(d["factor"], 1 / 12) and d["uom_type"] == "bigger" and d["category_id"] == u["category_id"],
               f"Dozens {d}")
        expect(kg["uom_type"] == "reference" and kg["factor"] == 1.0 and g["factor"] == 1000.0
               and g["uom_type"] == "smaller", f"kg {kg}, g {g}")
        expect(d["active"] is True, f"Dozens active {d['active']}")
        other = "relative_factor"
    expect(close(uom_convert(t, 1, d, u), 12) and close(uom_convert(t, 3, u, d), 0.25), "Dozens/Units conversion")
    expect(close(uom_convert(t, 1.5, kg, g), 1500) and close(uom_convert(t, 250, g, kg), 0.25), "kg/g conversion")
    expect(uom_same_kind(t, u, d) and uom_same_kind(t, kg, g) and not uom_same_kind(t, u, kg),
           "units of one kind convert, others not")
    expect_error(t.call(t.default_api, "uom.uom", "read", [u["id"]], fields=[other]), 500, "builtins.ValueError")
    categories = t.call(t.default_api, "uom.category", "search_read", domain=[["id", "=", (
        u.get("category_id") or [0])[0]]], fields=["name"])
    if t.version >= 19:
        expect(not categories.ok, f"uom.category on 19: {categories.describe()}")
        if categories.api == "json2":
            expect(categories.status == 404, f"uom.category on 19: {categories.describe()}")
    else:
        expect(categories.ok and [c["name"] for c in categories.value] == ["Unit"], categories.describe())
    expect(t.ctx["uom"] == u["id"], f"a new product's uom_id is {t.ctx['uom']}, Units is {u['id']}")
    pid = new_picking(t, qty=1, confirm=False)
    moves = t.run("stock.move", "search_read", domain=[["picking_id", "=", pid]], fields=["product_uom"])
    expect([(m["product_uom"] or [None])[0] for m in moves] == [u["id"]], f"a new move's product_uom: {moves}")
    return f"Units {u['id']}, Dozens {d['id']} (active {d['active']}), kg {kg['id']}, g {g['id']}"


@check("uom.create_box_of_12")
def c_uom_box(t: Target, _api):
    """A unit "Box of 12": 19 {name, relative_factor 12, relative_uom_id Units}
    (factor 12, parent_path under Units; without relative_uom_id: UserError
    "Reference unit of measure is missing."); 17/18 {name, category_id,
    uom_type 'bigger', factor_inv 12} or ratio 12 in place of factor_inv
    (factor 1/12; without uom_type the unit is a second reference: refused).
    Found by name with the fields lgx reads; 2 boxes are 24 Units."""
    need(t, "tag")
    units = uoms_named(t, ["Units"])["Units"]
    name = f"Box of 12 {t.ctx['tag']}"
    made = []
    try:
        if t.version >= 19:
            variants = [{"name": name, "relative_factor": 12, "relative_uom_id": units["id"]}]
            refused = t.try_create("uom.uom", [{"name": name + " x", "relative_factor": 12}])
            expect_error(refused, 422, "odoo.exceptions.UserError", "Reference unit of measure is missing.")
        else:
            base = {"category_id": units["category_id"][0], "uom_type": "bigger"}
            variants = [{"name": name, **base, "factor_inv": 12}, {"name": name + " (ratio)", **base, "ratio": 12}]
            refused = t.try_create("uom.uom", [{"name": name + " x", "category_id": units["category_id"][0],
                                                "factor_inv": 12}])
            expect_error(refused, 422, "odoo.exceptions.ValidationError",
                         lambda m: "reference unit must have a conversion factor equal to 1" in (m or ""))
        for vals in variants:
            ids = t.run("uom.uom", "create", vals_list=[vals])
            made.extend(ids if isinstance(ids, list) else [ids])
            box = uoms_named(t, [vals["name"]])[vals["name"]]
            expect(box["id"] == made[-1] and box["active"] is True and close(box["rounding"], 0.01), f"box {box}")
            if t.version >= 19:
                expect(box["factor"] == 12.0 and box["relative_factor"] == 12.0
                       and box["relative_uom_id"][0] == units["id"]
                       and box["parent_path"] == f"{units['parent_path']}{box['id']}/", f"box {box}")
            else:
                expect(close(box["factor"], 1 / 12) and box["uom_type"] == "bigger"
                       and box["category_id"] == units["category_id"], f"box {box}")
                extra = t.run("uom.uom", "read", ids=[box["id"]], fields=["factor_inv", "ratio"])[0]
                expect(close(extra["factor_inv"], 12) and close(extra["ratio"], 12), f"box {extra}")
            expect(uom_same_kind(t, box, units) and close(uom_convert(t, 2, box, units), 24),
                   f"2 boxes are {uom_convert(t, 2, box, units)} Units")
    finally:
        for uid in made:
            t.call(t.default_api, "uom.uom", "unlink", [uid])
    return f"{name}: ids {made} (removed)"


# -- followers (mail.followers) ---------------------------------------------------------

def followers(t: Target, pid):
    return [r["partner_id"][0] for r in t.run("mail.followers", "search_read", domain=[
        ["res_model", "=", "stock.picking"], ["res_id", "=", pid]], fields=["partner_id"])]


def quiet_picking(t: Target) -> int:
    """A receipt created with mail_create_nosubscribe: the user does not follow it."""
    ptype = t.ctx["types"]["incoming"]
    pid = t.run("stock.picking", "create", vals_list=[{"picking_type_id": ptype["id"],
                                                       "origin": f"LGX-CONF-{t.ctx['tag']}"}],
                context={"mail_create_nosubscribe": True})[0]
    t.ctx["pickings"].append(pid)
    return pid


@check("mail.followers_on_create_and_post")
def c_followers(t: Target, _api):
    """Who follows a picking after create and message_post. create subscribes
    the user unless mail_create_nosubscribe. message_post: 17/18 subscribe
    the author for any post but a notification unless mail_create_nosubscribe;
    19 only for a comment (subtype Discussions), whatever
    mail_create_nosubscribe says (mail_post_autofollow_author_skip stops it)."""
    need(t, "types", "tag")
    me = t.run("res.users", "read", ids=[t.uid], fields=["partner_id"])[0]["partner_id"][0]
    ptype = t.ctx["types"]["incoming"]
    pid = t.run("stock.picking", "create", vals_list=[{"picking_type_id": ptype["id"]}])[0]
    t.ctx["pickings"].append(pid)
    expect(me in followers(t, pid), f"the creator does not follow: {followers(t, pid)}")
    expect(me not in followers(t, quiet_picking(t)), "mail_create_nosubscribe did not keep the creator out")
    got = {}
    for label, subtype, context in (("note", "mail.mt_note", {}),
                                    ("note nosubscribe", "mail.mt_note", {"mail_create_nosubscribe": True}),
                                    ("comment", "mail.mt_comment", {}),
                                    ("comment nosubscribe", "mail.mt_comment", {"mail_create_nosubscribe": True})):
        pid = quiet_picking(t)
        t.run("stock.picking", "message_post", ids=[pid], body="LGX conformance", message_type="comment",
              subtype_xmlid=subtype, context=context)
        got[label] = me in followers(t, pid)
    if t.version >= 19:
        want = {"note": False, "note nosubscribe": False, "comment": True, "comment nosubscribe": True}
    else:
        want = {"note": True, "note nosubscribe": False, "comment": True, "comment nosubscribe": False}
    expect(got == want, f"author follows after message_post: {got}, expected {want}")
    return ", ".join(f"{k}: {'follows' if v else 'not'}" for k, v in got.items())


@check("mail.follower_twice_is_unique_violation", apis=BOTH)
def c_follower_twice(t: Target, api):
    """A second mail.followers row for the same partner and record: the
    unique index refuses the INSERT; Odoo answers ValidationError "The
    operation cannot be completed: ..." whose debug traceback shows the
    psycopg2.errors.UniqueViolation (what two consumers posting on one
    picking at once can meet)."""
    need(t, "types", "tag")
    me = t.run("res.users", "read", ids=[t.uid], fields=["partner_id"])[0]["partner_id"][0]
    pid = quiet_picking(t)
    vals = {"res_model": "stock.picking", "res_id": pid, "partner_id": me}
    first = t.call(api, "mail.followers", "create", **({"vals_list": [vals]} if api == "json2" else {}),
                   args=None if api == "json2" else [[vals]])
    expect(first.ok, f"first follower: {first.describe()}")
    second = t.call(api, "mail.followers", "create", **({"vals_list": [vals]} if api == "json2" else {}),
                    args=None if api == "json2" else [[vals]])
    error = expect_error(second, 422, "odoo.exceptions.ValidationError",
                         lambda m: (m or "").startswith("The operation cannot be completed"))
    debug = error.get("debug") or ""
    expect("psycopg2.errors.UniqueViolation" in debug, "debug does not name psycopg2.errors.UniqueViolation")
    expect(followers(t, pid).count(me) == 1, f"followers {followers(t, pid)}")
    return repr(error.get("message"))


@check("trap.state_write")
def c_state_write(t: Target, _api):
    pid = new_picking(t, qty=1)
    expect(t.run("stock.picking", "write", ids=[pid], vals={"state": "done"}) is True, "write state refused")
    expect(read_picking(t, pid)["state"] == "done", "state write did not set done")
    moves = picking_moves(t, pid)
    expect(all(m["state"] != "done" for m in moves), f"moves were processed: {moves}")


@check("trap.boolean")
def c_boolean(t: Target, _api):
    pid = new_picking(t, qty=1)
    move = picking_moves(t, pid)[0]
    expect(t.run("stock.move", "write", ids=[move["id"]], vals={"picked": "maybe"}) is True, "write refused")
    expect(picking_moves(t, pid)[0]["picked"] is True, "picked is not true after writing 'maybe'")


# -- mail, attachments ---------------------------------------------------------------

@check("mail.message_post")
def c_message_post(t: Target, _api):
    need(t, "empty_picking")
    pid = t.ctx["empty_picking"]
    ids = t.run("stock.picking", "message_post", ids=[pid], body="LGX conformance note",
                message_type="comment", subtype_xmlid="mail.mt_note")
    # 17/18: @api.returns('mail.message', lambda value: value.id) gives the id;
    # 19 dropped it: the ids of the returned recordset
    if t.version >= 19:
        expect(isinstance(ids, list) and len(ids) == 1 and isinstance(ids[0], int), f"message_post returned {ids}")
    else:
        expect(isinstance(ids, int) and not isinstance(ids, bool), f"message_post returned {ids!r}")
        ids = [ids]
    rows = t.run("mail.message", "search_read", domain=[["id", "=", ids[0]]],
                 fields=["model", "res_id", "body", "message_type", "subtype_id"])
    expect(rows and rows[0]["model"] == "stock.picking" and rows[0]["res_id"] == pid, f"message {rows}")
    expect(rows[0]["message_type"] == "comment" and "LGX conformance note" in (rows[0]["body"] or ""),
           f"message {rows[0]}")
    expect(rows[0]["subtype_id"] and rows[0]["subtype_id"][1] == "Note", f"subtype {rows[0]['subtype_id']}")


def xmlid(t: Target, module, name):
    rows = t.run("ir.model.data", "search_read", domain=[["module", "=", module], ["name", "=", name]],
                 fields=["res_id"])
    return rows[0]["res_id"] if rows else None


@check("mail.activity_create")
def c_activity(t: Target, _api):
    need(t, "empty_picking")
    pid = t.ctx["empty_picking"]
    model_id = t.run("ir.model", "search", domain=[["model", "=", "stock.picking"]])[0]
    todo = xmlid(t, "mail", "mail_activity_data_todo")
    expect(todo, "no mail.mail_activity_data_todo")
    ids = t.run("mail.activity", "create", vals_list=[{
        "res_model_id": model_id, "res_id": pid, "activity_type_id": todo, "summary": "LGX conformance",
        "note": "<p>check</p>", "user_id": t.uid, "date_deadline": "2030-01-31"}])
    expect(isinstance(ids, list) and len(ids) == 1, f"create returned {ids}")
    row = t.run("mail.activity", "read", ids=ids, fields=["res_model", "res_id", "activity_type_id",
                                                          "date_deadline", "summary"])[0]
    t.run("mail.activity", "unlink", ids=ids)
    expect((row["res_model"], row["res_id"]) == ("stock.picking", pid), f"activity {row}")
    expect(row["activity_type_id"][1] == "To-Do" and row["date_deadline"] == "2030-01-31", f"activity {row}")
    return f"To-Do is id {todo}"


@check("mail.activity_needs_res_model_id")
def c_activity_res_model(t: Target, _api):
    need(t, "empty_picking")
    """res_model is a read-only related field: given alone, the activity has no
    document model. 17/18: res_model_id is NOT NULL (mandatory field); 19: the
    check constraint refuses a res_id without a model. Both ValidationError."""
    result = t.try_create("mail.activity", [{"res_model": "stock.picking", "res_id": t.ctx["empty_picking"]}])
    if result.ok:
        t.run("mail.activity", "unlink", ids=result.value if isinstance(result.value, list) else [result.value])
        raise Fail("create with res_model and no res_model_id succeeded")
    return repr(expect_error(result, 422, "odoo.exceptions.ValidationError").get("message"))


@check("attachment.create")
def c_attachment(t: Target, _api):
    need(t, "empty_picking")
    datas = base64.b64encode(PDF_BYTES).decode()
    ids = t.run("ir.attachment", "create", vals_list=[{
        "name": "lgx-conformance.pdf", "datas": datas, "res_model": "stock.picking",
        "res_id": t.ctx["empty_picking"], "mimetype": "application/pdf"}])
    expect(isinstance(ids, list) and len(ids) == 1, f"create returned {ids}")
    row = t.run("ir.attachment", "read", ids=ids, fields=["datas", "mimetype", "file_size", "res_model", "res_id"])[0]
    t.run("ir.attachment", "unlink", ids=ids)
    expect(row["datas"] == datas, "datas do not round-trip")
    expect((row["mimetype"], row["file_size"]) == ("application/pdf", len(PDF_BYTES)), f"attachment {row}")


@check("attachment.invalid_base64")
def c_attachment_invalid(t: Target, _api):
    vals = [{"name": "lgx-conformance-bad.bin", "datas": "abc"}]
    result = t.try_create("ir.attachment", vals)
    if result.ok:
        t.run("ir.attachment", "unlink", ids=result.value if isinstance(result.value, list) else [result.value])
        raise Fail("datas 'abc' was accepted")
    expect_error(result, 500, "binascii.Error")


# -- custom fields and models -----------------------------------------------------

@check("custom.field_create_write_read")
def c_custom_field(t: Target, _api):
    need(t, "empty_picking", "tag")
    pid = t.ctx["empty_picking"]
    name = "x_lgx_conformance_" + re.sub(r"\W", "_", t.ctx["tag"])
    model_id = t.run("ir.model", "search", domain=[["model", "=", "stock.picking"]])[0]
    vals = {"name": name, "model_id": model_id, "field_description": "LGX conformance", "ttype": "char"}
    field_ids = t.run("ir.model.fields", "create", vals_list=[vals])
    try:
        expect(t.run("stock.picking", "write", ids=[pid], vals={name: "evt-1"}) is True, "write refused")
        expect(read_picking(t, pid, (name,))[name] == "evt-1", "value not read back")
        expect(t.run("stock.picking", "search", domain=[[name, "=", "evt-1"]]) == [pid], "search on the new field")
        duplicate = t.try_create("ir.model.fields", [vals])
        expect_error(duplicate, 422, "odoo.exceptions.ValidationError",
                     lambda m: "must be unique" in (m or ""))
    finally:
        t.call(t.default_api, "ir.model.fields", "unlink", field_ids)


@check("custom.field_name_needs_x_prefix")
def c_custom_field_prefix(t: Target, _api):
    model_id = t.run("ir.model", "search", domain=[["model", "=", "stock.picking"]])[0]
    vals = [{"name": "lgx_conformance_bad", "model_id": model_id, "field_description": "bad", "ttype": "char"}]
    result = t.try_create("ir.model.fields", vals)
    if result.ok:
        t.call(t.default_api, "ir.model.fields", "unlink", result.value if isinstance(result.value, list)
               else [result.value])
        raise Fail("a field without x_ was created")
    expect_error(result, 422, "odoo.exceptions.ValidationError")


def access_vals(t: Target, name):
    """An ir.model.access row granting everything to internal users (as Odoo
    Studio makes for a new model)."""
    return {"name": name, "group_id": xmlid(t, "base", "group_user"),
            "perm_read": True, "perm_write": True, "perm_create": True, "perm_unlink": True}


@check("custom.model_create")
def c_custom_model(t: Target, _api):
    """A model made through ir.model has no access rule: the API's admin (not
    the superuser) may not create its records (AccessError, 403). An
    ir.model.access row created afterwards does not count yet (17 and 19:
    the user's allowed models stay cached until the registry changes, here
    by a new field); created with the model (access_ids) it counts at once."""
    need(t, "tag")
    model = "x_lgx_conformance_" + re.sub(r"\W", "_", t.ctx["tag"])
    model_ids = t.run("ir.model", "create", vals_list=[{"name": "LGX conformance", "model": model}])
    try:
        expect_error(t.try_create(model, [{"x_name": "one"}]), 403, "odoo.exceptions.AccessError")
        t.run("ir.model.access", "create", vals_list=[{**access_vals(t, f"access_{model}"),
                                                      "model_id": model_ids[0]}])
        late = t.try_create(model, [{"x_name": "one"}])
        expect_error(late, 403, "odoo.exceptions.AccessError")
        t.run("ir.model.fields", "create", vals_list=[{"name": "x_lgx_note", "model_id": model_ids[0],
                                                      "field_description": "Note", "ttype": "char"}])
        ids = t.run(model, "create", vals_list=[{"x_name": "one"}])
        ids = ids if isinstance(ids, list) else [ids]
        rows = t.run(model, "read", ids=ids, fields=["x_name", "display_name"])
        expect(rows and rows[0]["x_name"] == "one" and rows[0]["display_name"] == "one", f"records {rows}")
    finally:
        t.call(t.default_api, "ir.model", "unlink", model_ids)


@check("custom.model_create_with_access")
def c_custom_model_access(t: Target, _api):
    """ir.model create with access_ids: the records can be made at once."""
    need(t, "tag")
    model = "x_lgx_conformance_a_" + re.sub(r"\W", "_", t.ctx["tag"])
    model_ids = t.run("ir.model", "create", vals_list=[{"name": "LGX conformance", "model": model, "access_ids": [
        [0, 0, access_vals(t, f"access_{model}")]]}])
    try:
        ids = t.run(model, "create", vals_list=[{"x_name": "one"}])
        ids = ids if isinstance(ids, list) else [ids]
        expect(t.run(model, "search", domain=[]) == ids, "record not found")
    finally:
        t.call(t.default_api, "ir.model", "unlink", model_ids)


@check("base.user_groups_field")
def c_groups_field(t: Target, _api):
    need_uid(t)
    name, other = ("group_ids", "groups_id") if t.version >= 19 else ("groups_id", "group_ids")
    rows = t.run("res.users", "read", ids=[t.uid], fields=[name])
    expect(rows and isinstance(rows[0][name], list) and rows[0][name], f"res.users.{name}: {rows}")
    result = t.call(t.default_api, "res.users", "read", [t.uid], fields=[other])
    expect_error(result, 500, "builtins.ValueError")
    return f"{name}: {len(rows[0][name])} groups"


# -- sales orders: delivery and invoice (sale_management, sale_stock, account) --------------

def sale_order(t: Target, qty=3.0):
    """A confirmed order of the conformance product (invoiced on ordered
    quantities), its delivery and its line."""
    need(t, "partner", "product")
    if "invoice_policy" not in t.run("product.product", "fields_get", attributes=["type"]):
        raise Skip("sale is not installed")
    t.run("product.product", "write", ids=[t.ctx["product"]], vals={"invoice_policy": "order"})
    oid = t.run("sale.order", "create", vals_list=[{"partner_id": t.ctx["partner"], "client_order_ref": t.ctx["tag"],
                                                    "order_line": [[0, 0, {"product_id": t.ctx["product"],
                                                                           "product_uom_qty": qty,
                                                                           "price_unit": 7.5}]]}])[0]
    expect(t.run("sale.order", "action_confirm", ids=[oid]) is True, "action_confirm did not return true")
    order = t.run("sale.order", "read", ids=[oid], fields=["name", "state", "picking_ids", "invoice_status"])[0]
    expect(order["state"] == "sale", f"order state {order['state']!r} after action_confirm")
    expect(len(order["picking_ids"]) == 1, f"{len(order['picking_ids'])} deliveries after action_confirm")
    t.ctx["pickings"].extend(order["picking_ids"])
    return order


@check("sale.confirm_delivery_invoice_cancel")
def c_sale_flow(t: Target, _api):
    """create + action_confirm: one delivery (origin, sale_id, one move per line
    with sale_line_id); sale.advance.payment.inv create (active_ids) +
    create_invoices: one draft out_invoice, invoice_status 'invoiced';
    action_cancel (17/18: the sale.order.cancel wizard first, then
    disable_cancel_warning; 19: at once) cancels the order, its delivery and
    its draft invoice."""
    order = sale_order(t)
    oid, name = order["id"], order["name"]
    expect(order["invoice_status"] == "to invoice", f"invoice_status {order['invoice_status']!r} once confirmed")
    picking = t.run("stock.picking", "read", ids=order["picking_ids"],
                    fields=["origin", "sale_id", "picking_type_code", "move_ids", "state"])[0]
    # 18 adds the customer reference to the delivery's origin
    origin = f"{order['name']} - {t.ctx['tag']}" if t.version == 18 else order["name"]
    expect(picking["origin"] == origin and (picking["sale_id"] or [None])[0] == oid,
           f"delivery origin {picking['origin']!r}, sale_id {picking['sale_id']!r}")
    expect(picking["picking_type_code"] == "outgoing", f"delivery type {picking['picking_type_code']!r}")
    moves = t.run("stock.move", "read", ids=picking["move_ids"],
                  fields=["product_id", "product_uom_qty", "sale_line_id"])
    expect(len(moves) == 1 and moves[0]["product_id"][0] == t.ctx["product"] and moves[0]["product_uom_qty"] == 3.0
           and moves[0]["sale_line_id"], f"delivery moves {moves}")
    context = {"active_model": "sale.order", "active_ids": [oid]}
    wizard = t.run("sale.advance.payment.inv", "create", vals_list=[{"advance_payment_method": "delivered"}],
                   context=context)
    action = t.run("sale.advance.payment.inv", "create_invoices", ids=wizard, context=context)
    # 17+ answers sale.order.action_view_invoice (an account.move window action)
    expect(isinstance(action, dict), f"create_invoices -> {action!r}")
    order = t.run("sale.order", "read", ids=[oid], fields=["invoice_status", "invoice_ids"])[0]
    expect(order["invoice_status"] == "invoiced" and len(order["invoice_ids"]) == 1, f"after invoicing: {order}")
    move = t.run("account.move", "read", ids=order["invoice_ids"], fields=[
        "move_type", "state", "invoice_origin", "partner_id", "amount_untaxed"])[0]
    expect((move["move_type"], move["state"], move["invoice_origin"], move["partner_id"][0], move["amount_untaxed"])
           == ("out_invoice", "draft", name, t.ctx["partner"], 22.5), f"invoice {move}")
    answer = t.run("sale.order", "action_cancel", ids=[oid])
    if t.version >= 19:
        # 19 cancels at once (no sale.order.cancel wizard)
        expect(answer is True, f"action_cancel of a confirmed order -> {answer!r}")
    else:
        # 17/18 ask through the sale.order.cancel wizard first
        expect(isinstance(answer, dict) and answer.get("res_model") == "sale.order.cancel",
               f"action_cancel of a confirmed order -> {answer!r}")
        state = t.run("sale.order", "read", ids=[oid], fields=["state"])[0]["state"]
        expect(state == "sale", f"order {state!r} after the wizard was offered")
        t.run("sale.order", "action_cancel", ids=[oid], context={"disable_cancel_warning": True})
    state = t.run("sale.order", "read", ids=[oid], fields=["state"])[0]["state"]
    expect(state == "cancel", f"order {state!r} after action_cancel")
    expect(read_picking(t, picking["id"], ["state"])["state"] == "cancel", "delivery not cancelled with its order")
    invoice_state = t.run("account.move", "read", ids=order["invoice_ids"], fields=["state"])[0]["state"]
    expect(invoice_state == "cancel", f"draft invoice {invoice_state!r} after the order was cancelled")
    return f"order {oid}, delivery {picking['id']}, invoice {order['invoice_ids'][0]}"


@check("sale.delivered_quantity")
def c_sale_delivered(t: Target, _api):
    """Validating the delivery sets qty_delivered on the order line."""
    order = sale_order(t, qty=2.0)
    pid = order["picking_ids"][0]
    if read_picking(t, pid, ["state"])["state"] != "assigned":
        t.run("stock.picking", "action_assign", ids=[pid])
    result = validate(t, pid, {"skip_sms": True})
    expect(result is True, f"button_validate -> {short(result)}")
    line = t.run("sale.order.line", "search_read", domain=[["order_id", "=", order["id"]]],
                 fields=["qty_delivered", "invoice_status"])[0]
    expect(line["qty_delivered"] == 2.0 and line["invoice_status"] == "to invoice", f"order line {line}")
    return f"order {order['id']}"


# -- multi-step delivery: the warehouse's delivery_steps (stock_warehouse.py routes) ------

STEP_CODES = {"pick_ship": "LGX2", "pick_pack_ship": "LGX3"}
WAREHOUSE_FIELDS = ["code", "delivery_steps", "lot_stock_id", "wh_output_stock_loc_id", "wh_pack_stock_loc_id",
                    "pick_type_id", "pack_type_id", "out_type_id"]
STEP_PICKING_FIELDS = ["name", "state", "picking_type_id", "location_id", "location_dest_id", "sale_id", "origin",
                       "move_ids", "backorder_id"]
STEP_MOVE_FIELDS = ["product_uom_qty", "quantity", "state", "move_orig_ids", "move_dest_ids", "sale_line_id"]


def steps_warehouse(t: Target, steps):
    """The conformance warehouse of these delivery steps (made once, then
    found by its code): its operation types and locations."""
    need_uid(t)
    code = STEP_CODES[steps]
    rows = t.run("stock.warehouse", "search_read", domain=[["code", "=", code]], fields=WAREHOUSE_FIELDS)
    if not rows:
        wid = t.run("stock.warehouse", "create", vals_list=[{"name": f"LGX conformance {code}", "code": code,
                                                             "delivery_steps": steps}])
        rows = t.run("stock.warehouse", "read", ids=wid if isinstance(wid, list) else [wid], fields=WAREHOUSE_FIELDS)
    wh = {k: (v[0] if isinstance(v, list) and v else v) for k, v in rows[0].items()}
    expect(wh["delivery_steps"] == steps, f"warehouse {code} delivery_steps {wh['delivery_steps']!r}")
    expect(all(wh[k] for k in WAREHOUSE_FIELDS[2:]), f"warehouse {code}: {rows[0]}")
    types = t.run("stock.picking.type", "read", ids=[wh["pick_type_id"], wh["pack_type_id"], wh["out_type_id"]],
                  fields=["code", "sequence_code", "default_location_src_id", "default_location_dest_id"])
    # 17's delivery type has no default destination (its route's rule gives the customers)
    codes = {row["id"]: (row["code"], row["sequence_code"], (row["default_location_src_id"] or [False])[0],
                         (row["default_location_dest_id"] or [False])[0]) for row in types}
    pick_dest = wh["wh_pack_stock_loc_id"] if steps == "pick_pack_ship" else wh["wh_output_stock_loc_id"]
    expect(codes[wh["pick_type_id"]] == ("internal", "PICK", wh["lot_stock_id"], pick_dest)
           and codes[wh["pack_type_id"]][:2] == ("internal", "PACK")
           and codes[wh["out_type_id"]][:3] == ("outgoing", "OUT", wh["wh_output_stock_loc_id"]),
           f"operation types of {code}: {types}")
    return wh


def steps_order(t: Target, steps, qty=3.0):
    """A confirmed order of qty of a new storable product stocked (10) in the
    warehouse of these steps; its pickings by operation type."""
    wh = steps_warehouse(t, steps)
    product = storable_product(t, steps)
    put_stock(t, product, 10.0, location=wh["lot_stock_id"])
    oid = t.run("sale.order", "create", vals_list=[{
        "partner_id": t.ctx["partner"], "warehouse_id": wh["id"],
        "order_line": [[0, 0, {"product_id": product, "product_uom_qty": qty, "price_unit": 2.0}]]}])[0]
    expect(t.run("sale.order", "action_confirm", ids=[oid]) is True, "action_confirm did not return true")
    return wh, t.run("sale.order", "read", ids=[oid], fields=["name", "order_line"])[0]


def step_pickings(t: Target, wh, order):
    """{'pick'|'pack'|'out': [(picking, [moves])]} of the order, oldest first."""
    rows = t.run("stock.picking", "search_read", domain=[["sale_id", "=", order["id"]]],
                 fields=STEP_PICKING_FIELDS, order="id")
    t.ctx["pickings"].extend(row["id"] for row in rows)
    kinds = {wh["pick_type_id"]: "pick", wh["pack_type_id"]: "pack", wh["out_type_id"]: "out"}
    out: dict = {}
    for row in rows:
        moves = t.run("stock.move", "read", ids=row["move_ids"], fields=STEP_MOVE_FIELDS)
        out.setdefault(kinds.get(row["picking_type_id"][0], "other"), []).append((row, moves))
    return out


def pick_and_validate(t: Target, picking, quantity, context=None):
    for mid in picking["move_ids"]:
        t.run("stock.move", "write", ids=[mid], vals={"quantity": quantity, "picked": True})
    result = validate(t, picking["id"], {"skip_sms": True, **(context or {})})
    expect(result is True, f"button_validate of {picking['name']} -> {short(result)}")


def expect_step(t: Target, wh, found, kind, state, demand, reserved, origins, order):
    """The last picking of this kind: its state, one move (demand, reserved,
    move_orig_ids), sale_id and origin the order's; the move has the order
    line (sale_line_id) on 18/19, only the delivery's on 17."""
    expect(len(found.get(kind, [])) >= 1, f"no {kind} picking: {sorted(found)}")
    picking, moves = found[kind][-1]
    prefix = f"{wh['code']}/{kind.upper()}/"
    expect(picking["name"].startswith(prefix), f"{kind} picking named {picking['name']!r}")
    expect(picking["state"] == state, f"{picking['name']} {picking['state']!r}, expected {state!r}")
    expect(picking["sale_id"] and picking["sale_id"][0] == order["id"] and picking["origin"] == order["name"],
           f"{picking['name']} sale_id {picking['sale_id']}, origin {picking['origin']!r}")
    expect(len(moves) == 1, f"{picking['name']} has {len(moves)} moves")
    move = moves[0]
    line = order["order_line"][0] if t.version >= 18 or kind == "out" else False
    expect((move["product_uom_qty"], move["quantity"]) == (demand, reserved) and sorted(move["move_orig_ids"])
           == sorted(origins) and (move["sale_line_id"] or [False])[0] == line,
           f"{picking['name']} move {move}, expected demand {demand}, reserved {reserved}, origins {origins}, "
           f"sale_line_id {line}")
    return picking, move


def confirmed_chain(t: Target, steps):
    """After action_confirm: 18/19 (push rules) only the Pick picking,
    assigned; 17 (pull rules, make_to_order) every step's picking at once,
    the later ones waiting for the one before (move_orig_ids)."""
    wh, order = steps_order(t, steps)
    found = step_pickings(t, wh, order)
    kinds = ["pick", "pack", "out"] if steps == "pick_pack_ship" else ["pick", "out"]
    pick, pick_move = expect_step(t, wh, found, "pick", "assigned", 3.0, 3.0, [], order)
    if t.version >= 18:
        expect(sorted(found) == ["pick"] and not pick_move["move_dest_ids"],
               f"after action_confirm: {sorted(found)}, pick move_dest_ids {pick_move['move_dest_ids']}")
    else:
        expect(sorted(found) == sorted(kinds), f"after action_confirm: {sorted(found)}")
        before = pick_move
        for kind in kinds[1:]:
            _picking, move = expect_step(t, wh, found, kind, "waiting", 3.0, 0.0, [before["id"]], order)
            expect(before["move_dest_ids"] == [move["id"]], f"move_dest_ids {before['move_dest_ids']}")
            before = move
    return wh, order, pick, pick_move


def next_step(t: Target, wh, order, kind, before, quantity=3.0, demand=3.0):
    """After the step before was validated: this kind's picking assigned with
    what arrived, its move linked both ways to the one before."""
    found = step_pickings(t, wh, order)
    picking, move = expect_step(t, wh, found, kind, "assigned", demand, quantity, [before["id"]], order)
    done = t.run("stock.move", "read", ids=[before["id"]], fields=["state", "move_dest_ids"])[0]
    expect(done["state"] == "done" and done["move_dest_ids"] == [move["id"]],
           f"move before {done}, expected done with move_dest_ids [{move['id']}]")
    return picking, move


def delivered(t: Target, order):
    line = t.run("sale.order.line", "read", ids=order["order_line"], fields=["qty_delivered"])[0]
    return line["qty_delivered"]


@check("sale.two_step_delivery")
def c_two_step(t: Target, _api):
    """A warehouse with delivery_steps pick_ship: the order's Pick
    (Stock -> Output) comes first; validating it makes (18/19) or assigns
    (17) the delivery (Output -> Customers) with the 3 units reserved,
    linked by move_orig_ids / move_dest_ids; validating that delivers 3."""
    wh, order, pick, pick_move = confirmed_chain(t, "pick_ship")
    pick_and_validate(t, pick, 3.0)
    expect(delivered(t, order) == 0.0, "qty_delivered after the Pick alone")
    out, _move = next_step(t, wh, order, "out", pick_move)
    pick_and_validate(t, out, 3.0)
    expect(delivered(t, order) == 3.0, f"qty_delivered {delivered(t, order)} after the delivery")
    return f"{pick['name']} -> {out['name']}"


@check("sale.three_step_delivery")
def c_three_step(t: Target, _api):
    """delivery_steps pick_pack_ship: Pick (Stock -> Packing Zone), then Pack
    (Packing Zone -> Output), then the delivery, each ready once the step
    before is validated."""
    wh, order, pick, pick_move = confirmed_chain(t, "pick_pack_ship")
    pick_and_validate(t, pick, 3.0)
    pack, pack_move = next_step(t, wh, order, "pack", pick_move)
    pick_and_validate(t, pack, 3.0)
    out, _move = next_step(t, wh, order, "out", pack_move)
    expect(delivered(t, order) == 0.0, "qty_delivered before the delivery")
    pick_and_validate(t, out, 3.0)
    expect(delivered(t, order) == 3.0, f"qty_delivered {delivered(t, order)} after the delivery")
    return f"{pick['name']} -> {pack['name']} -> {out['name']}"


@check("sale.two_step_partial_pick")
def c_two_step_partial(t: Target, _api):
    """2 of 3 picked, with a backorder: the Pick's backorder holds 1; the
    delivery gets what was picked: 18/19 a new move of 2 (the push copies
    the done quantity), 17 the waiting move of 3 with 2 reserved."""
    wh, order, pick, pick_move = confirmed_chain(t, "pick_ship")
    pick_and_validate(t, pick, 2.0, {"skip_backorder": True})
    found = step_pickings(t, wh, order)
    backorders = [(p, m) for p, m in found.get("pick", []) if p["backorder_id"]]
    expect(len(backorders) == 1 and backorders[0][0]["backorder_id"][0] == pick["id"]
           and [m["product_uom_qty"] for m in backorders[0][1]] == [1.0], f"Pick backorders {backorders}")
    demand = 2.0 if t.version >= 18 else 3.0
    origins = [pick_move["id"]] + ([] if t.version >= 18 else [m["id"] for m in backorders[0][1]])
    out, move = expect_step(t, wh, found, "out", "assigned", demand, 2.0, origins, order)
    pick_and_validate(t, out, 2.0, {"skip_backorder": True, "picking_ids_not_to_backorder": [out["id"]]}
                      if t.version >= 18 else {"skip_backorder": True})
    expect(delivered(t, order) == 2.0, f"qty_delivered {delivered(t, order)}")
    return f"{out['name']}: demand {move['product_uom_qty']}, reserved {move['quantity']}"


# -- cancellation ------------------------------------------------------------------------

@check("tracking.picking_cancelled")
def c_tracking_cancel(t: Target, _api):
    """stock.picking.state is tracked: action_cancel leaves one
    mail.tracking.value on the picking's messages, made by the user who
    cancelled, found by the domain lgx-picks and lgx-shipments use (the
    last one first: _order id desc); its write_uid is that user too."""
    need_uid(t)
    pid = new_picking(t, qty=1, code="outgoing")
    t.run("stock.picking", "action_cancel", ids=[pid])
    picking = read_picking(t, pid, ("state", "write_uid", "write_date"))
    expect(picking["state"] == "cancel", f"picking {picking}")
    rows = t.run("mail.tracking.value", "search_read",
                 domain=[["mail_message_id.model", "=", "stock.picking"],
                         ["mail_message_id.res_id", "=", pid],
                         ["field_id.name", "=", "state"]],
                 fields=["create_uid", "create_date", "new_value_char"], limit=1)
    expect(len(rows) == 1, f"tracking rows {rows}")
    row = rows[0]
    expect(row["create_uid"][0] == t.uid and row["new_value_char"] == "Cancelled"
           and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["create_date"]),
           f"tracking {row}")
    expect(picking["write_uid"][0] == t.uid, f"write_uid {picking['write_uid']}")
    return f"cancelled by {row['create_uid'][1]} at {row['create_date']}"


# -- clean-up -------------------------------------------------------------------------

@check("cleanup")
def c_cleanup(t: Target, _api):
    """Remove what can be removed: pickings not done, the partner and product
    are archived (done moves keep them)."""
    removed = 0
    for pid in t.ctx.get("pickings", []):
        rows = t.call(t.default_api, "stock.picking", "read", [pid], fields=["state"])
        if rows.ok and rows.value and rows.value[0]["state"] != "done":
            t.call(t.default_api, "stock.picking", "action_cancel", [pid])
            if t.call(t.default_api, "stock.picking", "unlink", [pid]).ok:
                removed += 1
    for model, key in (("product.product", "product"), ("res.partner", "partner")):
        if key in t.ctx:
            t.call(t.default_api, model, "write", [t.ctx[key]], vals={"active": False})
    return f"{removed} pickings removed"


# ---------------------------------------------------------------------------
# Runner
# ---------------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def line(self, status, target, name, detail=""):
        if status == "PASS":
            self.passed += 1
        elif status == "FAIL":
            self.failed += 1
        else:
            self.skipped += 1
        text = f"{status} {target} {name}"
        if detail:
            text += " " + detail.replace("\n", "\\n")
        print(text, flush=True)


def run_suite(t: Target, tally: Tally, only=None):
    for name, needs_json2, func, api in CHECKS:
        if only and not any(part in name for part in only) and not name.startswith(("version", "auth.jsonrpc.login",
                                                                                     "setup")):
            continue
        if needs_json2 and t.version is not None and not t.has_json2:
            tally.line("SKIP", t.name, name, f"(Odoo {t.version} has no JSON-2)")
            continue
        try:
            detail = func(t, api)
        except Skip as skip:
            tally.line("SKIP", t.name, name, f"({skip})")
        except Fail as fail:
            tally.line("FAIL", t.name, name, str(fail))
        except Exception as exc:  # a bug of the check or an unexpected answer shape
            tally.line("FAIL", t.name, name, f"{type(exc).__name__}: {exc}")
        else:
            tally.line("PASS", t.name, name, detail or "")


class SimServer:
    """test/sim/odoo_sim.py in a subprocess on a free port."""

    def __init__(self, version):
        self.tmp = tempfile.TemporaryDirectory()
        port_file = os.path.join(self.tmp.name, "port")
        self.proc = subprocess.Popen([sys.executable, SIM, "--port", "0", "--port-file", port_file,
                                      "--version", str(version)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 15
        while not os.path.exists(port_file):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"simulator did not start: {self.proc.stderr.read()}")
            time.sleep(0.02)
        with open(port_file, encoding="ascii") as handle:
            self.port = int(handle.read().strip())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()
        self.tmp.cleanup()


def real_target():
    url, db = os.environ.get("ODOO_URL"), os.environ.get("ODOO_DB")
    key = os.environ.get("ODOO_API_KEY")
    if not key and os.environ.get("ODOO_API_KEY_FILE"):
        with open(os.environ["ODOO_API_KEY_FILE"], encoding="utf-8") as handle:
            key = handle.read().strip()
    if not (url and db and key):
        return None
    return Target("real", url, db, key, login=os.environ.get("ODOO_LOGIN", "admin"),
                  timeout=float(os.environ.get("ODOO_TIMEOUT", "60")))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Odoo conformance checks for lgx (real Odoo and/or simulator).")
    parser.add_argument("--sim", action="store_true", help="also run against test/sim/odoo_sim.py (17, 18, 19)")
    parser.add_argument("--versions", default="17,18,19", help="simulated versions for --sim (default 17,18,19)")
    parser.add_argument("--only", action="append", help="run only checks whose name contains this (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the checks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, needs_json2, _func, _api in CHECKS:
            print(name + ("  (JSON-2, 19+)" if needs_json2 else ""))
        return 0
    tally = Tally()
    started = time.time()
    target = real_target()
    if target is None:
        print("real Odoo: skipped (set ODOO_URL, ODOO_DB, ODOO_API_KEY)", flush=True)
    else:
        run_suite(target, tally, args.only)
    if args.sim:
        for version in [int(v) for v in args.versions.split(",") if v.strip()]:
            server = SimServer(version)
            try:
                sim = Target(f"sim-{version}", f"http://127.0.0.1:{server.port}", "lgx", "lgx-test-key",
                             login="admin", timeout=10, expected_version=version)
                run_suite(sim, tally, args.only)
            finally:
                server.stop()
    print(f"runtime: {time.time() - started:.1f} s")
    print(f"conformance: {tally.passed} passed, {tally.failed} failed, {tally.skipped} skipped")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
