#!/usr/bin/env python3
"""Test double of an Odoo 17/18/19 server (stock, stock_sms, delivery, mail,
sale_management, sale_stock, account).

The simulator keeps a small inventory database in memory and answers the two
external APIs of Odoo the way a real server does:

* JSON-2 (Odoo 19+): ``POST /json/2/<model>/<method>`` with
  ``Authorization: bearer <api key>``; named arguments in a JSON object;
  success is HTTP 200 with the bare result, errors carry an HTTP status and a
  serialised exception (``addons/web/controllers/json2.py``,
  ``odoo/http.py:serialize_exception``).
* JSON-RPC (17, 18, 19): ``POST /jsonrpc`` with the ``common`` and
  ``object`` services; every error is HTTP 200 with an ``error`` member
  (``odoo/service/common.py``, ``odoo/service/model.py``,
  ``odoo/http.py:JsonRPCDispatcher.handle_error``).

The business rules of stock pickings (button_validate and its wizards,
reservation, backorders, cancellation) follow ``addons/stock`` and
``addons/stock_sms`` of Odoo 17-19. Sales orders follow ``addons/sale`` and
``addons/sale_stock``: ``action_confirm`` makes one delivery (WH/OUT/...,
origin and ``sale_id`` = the order, one move per goods line with
``sale_line_id``) from the order's ``warehouse_id``; a warehouse's
``delivery_steps`` (pick_ship, pick_pack_ship; create or write) give it
Output and Packing Zone locations and Pick/Pack types, and an order goes
through them as each version routes it: 18/19 make the Pick only and, as
each step is validated, push the done quantity into the next step's picking
(``move_orig_ids``/``move_dest_ids``); 17 makes every step's picking at
confirmation, the later ones waiting until what they wait for is done;
``qty_delivered`` is what done moves took to the customer;
invoicing goes through the ``sale.advance.payment.inv`` wizard
(``create`` with ``context.active_ids``, then ``create_invoices``) and makes a
draft ``account.move`` (no journals, taxes or payments);
``invoice_status`` follows the product's invoicing policy ('order' by
default). Stock on hand is kept per product (``qty_available``) and shown as
``stock.quant`` rows (per location and lot; what no quant accounts for sits
on the stock location's quant without lot); ``stock.quant`` create in
``inventory_mode`` plus ``action_apply_inventory`` adjusts it. Locations form
a tree (``location_id``, ``parent_path``; ``child_of``/``parent_of`` follow
it). Reservation is Odoo's: move lines on the free quants of the source
location and its children, first in first out, lots first
(``_get_reserve_quantity``), and a quant's ``reserved_quantity`` is what the
open lines at its location and lot hold. A quantity written on a move above
what is reserved follows ``_set_quantity_done_prepare_vals`` of the version:
19 grows each line from its own quant, then takes other free quants, and
only the rest becomes a line without stock; 17/18 keep the lines and put the
whole rest on one line at the move's source location (no lot). Validation
takes each line's quantity out of its location's quant, below zero if need
be. Units of measure follow ``addons/uom``: 17/18 ``uom.category`` and
``uom.uom`` (factor per category reference, ``factor_inv``/``ratio`` on
create), 19 ``uom.uom`` with ``relative_factor``/``relative_uom_id``,
``factor`` the absolute quantity and ``parent_path`` (Dozens archived);
products have ``uom_id``, moves ``product_uom``, move lines
``product_uom_id`` and quants count in the product's unit; sale lines have
``product_uom`` (17/18) or ``product_uom_id`` (19), procured in the
product's unit. ``mail.followers`` follows each version: create subscribes
the user (unless ``mail_create_nosubscribe``), message_post subscribes the
author (17/18: any post but a notification, unless
``mail_create_nosubscribe``; 19: comments only, unless
``mail_post_autofollow_author_skip``), 17/18's button_validate subscribes the
user, and a second row for a partner and record fails as Odoo's unique index
does. Custom models (``ir.model``) need an ``ir.model.access`` row, with
Odoo's access cache (a row added after the model counts at the next
registry change). Where 17, 18 and 19 differ on the wire (error texts,
JSON-RPC ``error.code``, 18's ``/json`` redirect, message_post's result), the
simulated version answers as that version does. What a real Odoo
(ODOO-FACTS.md, REAL-ODOO.md, test/sim/conformance.py against a server) shows
takes precedence over reading of the source.

Control endpoints for tests live under ``/__sim/`` and need no
authentication:

* ``POST /__sim/reset {"seed": "demo"|"empty"}``: fresh data; fault rules,
  fault seed and user groups go back to the command-line settings.
* ``POST /__sim/seed {"model", "records"}``, ``GET /__sim/dump?model=``,
  ``GET /__sim/calls`` (each call with ``time``, when it came, and
  ``end``, when its answer was ready), ``POST /__sim/calls/reset``.
* ``POST /__sim/faults``: a list of items, each a rule
  ``{"api": "json2"|"jsonrpc"|"*", "model": "stock.picking"|"*",
  "method": "write"|"*", "kind": K, "delay_ms": N, "status": N,
  "message": "...", "body": "...", "probability": 0..1 (1),
  "times": N (unlimited), "burst": N (1), "after": false}``, or
  ``{"seed": N}`` (reseed the fault generator) or ``{"clear": true}``; a
  single object is taken as a one-item list. Kinds: latency, status,
  timeout, drop (transport faults, also on common/db calls; "after": true
  applies them once the call is committed), lock, serialization,
  user_error, access, missing, server (errors raised before the method
  runs, so nothing of the call happens), unique_race (the ValidationError
  Odoo answers when two calls insert the same mail.followers row at once:
  "The operation cannot be completed: Error, a partner cannot follow twice
  the same object.", a debug traceback with psycopg2.errors.UniqueViolation;
  422 on JSON-2). ``GET /__sim/faults`` gives
  ``{"seed", "rules": [... "id", "fired", "matched"], "fired": [log]}``.
  ``POST /__sim/fail`` (the older single-rule form with ``error``:
  lock|server|user|missing|access and ``times`` defaulting to 1) still works.
* ``POST /__sim/user-groups {"groups": ["stock.group_stock_user", ...]}``
  restricts the API user (``null``: admin again); ``GET`` shows it.

Options: ``--faults FILE`` (JSON, the POST /__sim/faults shape),
``--fault-seed N``, ``--user-groups xmlid,xmlid``, ``--latency real|none``
(default: ``$LGX_SIM_LATENCY``, else none): with ``real`` each call takes
about what it takes on a real Odoo 19 on 2 cores (LATENCY_PROFILES), served
concurrently.

Standard library only; run ``python3 odoo_sim.py --help``.
"""

from __future__ import annotations

import argparse
import ast
import base64
import binascii
import copy
import hashlib
import html
import inspect
import json
import math
import mimetypes
import os
import random
import re
import socket
import signal
import sys
import threading
import time
import traceback
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

# ===========================================================================
# Constants
# ===========================================================================

ADMIN_UID = 2
COMPANY_ID = 1
SEED_DATE = "2025-01-06 08:00:00"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"
EPSILON = 1e-9

# ids of the form views the wizard actions point to (stock.view_backorder_confirmation,
# stock_sms.view_confirm_stock_sms); any stable number does, clients only echo them.
VIEW_BACKORDER_ID = 651
VIEW_SMS_ID = 1322

X2MANY = ("one2many", "many2many")
RELATIONAL = ("many2one", "one2many", "many2many")

# odoo/tools/safe_eval.py _UNSAFE_ATTRIBUTES, refused like private methods.
UNSAFE_ATTRIBUTES = {
    "mro", "f_builtins", "f_code", "f_globals", "f_locals", "func_code", "func_globals",
    "gi_code", "gi_frame", "co_code", "tb_frame", "__class__", "__init__", "__new__",
}

MSG_EMPTY_TRANSFER = ("You can\u2019t validate an empty transfer. "
                      "Please add some products to move before proceeding.")
MSG_NO_QUANTITY_19 = ("Transfer trouble alert! Validating a zero quantity transfer? "
                      "You're not moving invisible goods around are you?\n"
                      "Set some quantities and let's get moving!")
MSG_NO_QUANTITY_17 = ("You cannot validate a transfer if no quantities are reserved. "
                      "To force the transfer, encode quantities.")
MSG_NOTHING_TO_ASSIGN = "Nothing to check the availability for."
MSG_CANCEL_DONE = ("You cannot cancel a stock move that has been set to 'Done'. "
                   "Create a return in order to reverse the moves which took place.")
MSG_UNRESERVE_DONE = "You cannot unreserve a stock move that has been set to 'Done'."
MSG_DELETE_DONE = ("You can not delete product moves if the picking is done. "
                   "You can only correct the done quantities.")


def now_str() -> str:
    """Odoo's fields.Datetime.now() as the API shows it (UTC, no timezone)."""
    return datetime.now(timezone.utc).strftime(DATETIME_FORMAT)


def version_info(version: int) -> dict:
    """common.version (odoo/service/common.py exp_version)."""
    return {
        "server_version": f"{version}.0",
        "server_version_info": [version, 0, 0, "final", 0, ""],
        "server_serie": f"{version}.0",
        "protocol_version": 1,
    }


# ===========================================================================
# Errors, serialised as odoo/http.py serialize_exception does
# ===========================================================================

_TRACEBACK_HEAD = (
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/python3/dist-packages/odoo/http.py", line 2151, in _serve_db\n'
    "    return service_model.retrying(serve_func, env=self.env)\n"
    '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 181, in retrying\n'
    "    result = func()\n"
)


class OdooError(Exception):
    """An exception as Odoo reports it: name, message, arguments, context, debug.

    ``status`` is the HTTP status JSON-2 answers with (UserError.http_status in
    odoo/exceptions.py, 500 for anything that is not an Odoo or werkzeug error).
    """

    name = "builtins.Exception"
    status = 500

    def __init__(self, message: str = "", arguments=None, headers=None):
        super().__init__(message)
        self.message = message
        self.arguments = [message] if arguments is None else list(arguments)
        self.headers = dict(headers or {})

    def exception_line(self) -> str:
        name = self.name.removeprefix("builtins.")
        return f"{name}: {self.message}\n" if self.message else f"{name}\n"

    def debug(self) -> str:
        return _TRACEBACK_HEAD + self.exception_line()

    def serialize(self) -> dict:
        return {
            "name": self.name,
            "message": self.message,
            "arguments": self.arguments,
            "context": {},
            "debug": self.debug(),
        }


class PythonError(OdooError):
    """A plain Python exception raised by the ORM (ValueError, TypeError, ...): HTTP 500."""

    def __init__(self, kind: str, message: str):
        self.name = f"builtins.{kind}"
        super().__init__(message)


def value_error(message: str) -> PythonError:
    return PythonError("ValueError", message)


class UserError(OdooError):
    """odoo.exceptions.UserError: a business refusal, HTTP 422 on JSON-2."""

    name = "odoo.exceptions.UserError"
    status = 422


class ValidationError(UserError):
    name = "odoo.exceptions.ValidationError"


class MissingError(UserError):
    name = "odoo.exceptions.MissingError"
    status = 404


# mail.followers' unique (res_model, res_id, partner_id) constraint, its name in
# PostgreSQL and its message (the same in 17, 18 and 19)
FOLLOWER_CONSTRAINT = "mail_followers_mail_followers_res_partner_res_model_id_uniq"
FOLLOWER_TWICE = "Error, a partner cannot follow twice the same object."


class UniqueViolation(ValidationError):
    """A unique constraint violated at INSERT: service/model.py retrying turns
    the psycopg2.errors.UniqueViolation into a ValidationError "The operation
    cannot be completed: <constraint message>" raised from it, so the debug
    traceback shows the psycopg2 error (with its DETAIL line) first."""

    def __init__(self, constraint: str, key: str, values: str, message: str):
        super().__init__(f"The operation cannot be completed: {message}")
        self.constraint = constraint
        self.key = key
        self.values = values

    def debug(self) -> str:
        return (
            "Traceback (most recent call last):\n"
            '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 184, in retrying\n'
            "    result = func()\n"
            '  File "/usr/lib/python3/dist-packages/odoo/orm/models.py", line 4885, in _create\n'
            "    cr.execute(SQL(\n"
            '  File "/usr/lib/python3/dist-packages/odoo/sql_db.py", line 433, in execute\n'
            "    self._obj.execute(query, params)\n"
            f"psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint \"{self.constraint}\"\n"
            f"DETAIL:  Key ({self.key})=({self.values}) already exists.\n"
            "\n\nThe above exception was the direct cause of the following exception:\n\n"
            "Traceback (most recent call last):\n"
            '  File "/usr/lib/python3/dist-packages/odoo/http.py", line 2273, in _serve_db\n'
            "    return service_model.retrying(serve_func, env=self.env)\n"
            '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 210, in retrying\n'
            "    raise ValidationError(message) from exc\n"
            + self.exception_line())


def follower_twice(model: str, res_id, partner_id) -> UniqueViolation:
    return UniqueViolation(FOLLOWER_CONSTRAINT, "res_model, res_id, partner_id",
                           f"{model}, {res_id}, {partner_id}", FOLLOWER_TWICE)


class AccessError(UserError):
    name = "odoo.exceptions.AccessError"
    status = 403


class AccessDenied(UserError):
    """odoo.exceptions.AccessDenied drops its traceback on purpose."""

    name = "odoo.exceptions.AccessDenied"
    status = 403

    def __init__(self, message: str = "Access Denied"):
        super().__init__(message)

    def debug(self) -> str:
        return self.exception_line()


class LockError(UserError):
    """What Odoo reports once its own retries on a row lock are exhausted (HTTP 409)."""

    name = "odoo.exceptions.LockError"
    status = 409


_WERKZEUG = {
    400: ("BadRequest", "The browser (or proxy) sent a request that this server could not understand."),
    401: ("Unauthorized", "The server could not verify that you are authorized to access the URL requested."),
    404: ("NotFound", "The requested URL was not found on the server. If you entered the URL "
                      "manually please check your spelling and try again."),
    405: ("MethodNotAllowed", "The method is not allowed for the requested URL."),
    422: ("UnprocessableEntity", "The request was well-formed but was unable to be followed due "
                                 "to semantic errors."),
}


class HTTPError(OdooError):
    """A werkzeug HTTPException; JSON-2 serialises it with message=description and
    arguments=(description, code) (addons/web/controllers/json2.py handle_error)."""

    def __init__(self, code: int, description: str | None = None, headers=None):
        cls_name, default = _WERKZEUG[code]
        self.name = f"werkzeug.exceptions.{cls_name}"
        self.status = code
        self.reason = re.sub(r"(?<!^)(?=[A-Z])", " ", cls_name)
        desc = description or default
        super().__init__(desc, arguments=[desc, code], headers=headers)

    def exception_line(self) -> str:
        return f"{self.name}: {self.status} {self.reason}: {self.message}\n"


def missing_error(model: str, ids) -> MissingError:
    """BaseModel._check_... 'Record does not exist or has been deleted.' (odoo/models.py)."""
    return MissingError(
        "Record does not exist or has been deleted.\n"
        f"(Record: {model}{tuple(ids)!r}, User: {ADMIN_UID})")


def invalid_field(field: str, model: str, version: int = 19, place: str = "vals", leaf=None) -> PythonError:
    """The ValueError of an unknown field name; the text depends on where the
    name was (vals of create/write, fields of read, a domain condition) and on
    the version (odoo/orm/models.py and odoo/orm/domains.py on 19,
    odoo/models.py and odoo/osv/expression.py on 17 and 18)."""
    if place == "domain":
        leaf = tuple(leaf) if isinstance(leaf, (list, tuple)) else leaf
        word = "condition" if version >= 19 else "leaf"
        return value_error(f"Invalid field {model}.{field} in {word} {leaf!r}")
    if version < 19:
        return value_error(f"Invalid field {field!r} on model {model!r}")
    if place == "fields":
        return value_error(f"Invalid field {field!r} on {model!r}")
    return value_error(f"Invalid field {field!r} in {model!r}")


# ===========================================================================
# Schema: fields and models
# ===========================================================================

class Field:
    """One field of a model.

    Stored fields keep a raw value in the row: str/False for char-like fields,
    int/False for many2one, list of ids for many2many, bool, int, float.
    ``compute(env, row)`` makes a non-stored, read-only field; one2many fields
    are derived from their ``inverse`` many2one. ``readonly`` fields ignore
    writes (Odoo skips non-stored computed fields without inverse).
    ``fallback(env, row)`` gives the value of a stored field never written.
    """

    def __init__(self, type_, string, *, relation=None, inverse=None, selection=None,
                 required=False, readonly=False, default=None, compute=None, fallback=None,
                 ondelete="set null", help=""):
        self.name = None
        self.type = type_
        self.string = string
        self.relation = relation
        self.inverse = inverse
        self.selection = selection
        self.required = required
        self.compute = compute
        self.readonly = readonly or compute is not None
        self.default = default
        self.fallback = fallback
        self.ondelete = ondelete
        self.help = help

    @property
    def store(self) -> bool:
        return self.compute is None and self.type != "one2many"

    @property
    def relational(self) -> bool:
        return self.type in RELATIONAL

    def empty(self):
        if self.type == "boolean":
            return False
        if self.type == "integer":
            return 0
        if self.type in ("float", "monetary"):
            return 0.0
        if self.type == "many2many":
            return []
        return False

    def default_value(self):
        if self.default is None:
            return self.empty()
        value = self.default() if callable(self.default) else self.default
        return list(value) if isinstance(value, list) else value

    def describe(self) -> dict:
        """fields_get() entry of this field."""
        desc = {
            "type": self.type,
            "string": self.string,
            "help": self.help,
            "readonly": bool(self.readonly),
            "required": bool(self.required),
            "store": self.store,
            "searchable": True,
            "sortable": self.store,
            "name": self.name,
        }
        if self.relational:
            desc["relation"] = self.relation
        if self.type == "one2many":
            desc["relation_field"] = self.inverse
        if self.type == "selection":
            desc["selection"] = [list(pair) for pair in self.selection]
        return desc


class ModelDef:
    """A model: its fields (with Odoo's magic fields), order, display name rule."""

    def __init__(self, name, description, fields, *, class_name, order="id", rec_name="name",
                 display=None, mail_thread=False, transient=False, custom=False):
        self.name = name
        self.description = description
        self.class_name = class_name
        self.order = order
        self.rec_name = rec_name
        self.mail_thread = mail_thread
        self.transient = transient
        self.custom = custom
        self._display = display
        self.fields: dict[str, Field] = {"id": Field("integer", "ID", readonly=True)}
        self.fields.update(fields)
        self.fields["display_name"] = Field(
            "char", "Display Name", compute=lambda env, row, _n=name: env.display_name_of(_n, row))
        self.fields["create_uid"] = Field("many2one", "Created by", relation="res.users", readonly=True)
        self.fields["create_date"] = Field("datetime", "Created on", readonly=True)
        self.fields["write_uid"] = Field("many2one", "Last Updated by", relation="res.users", readonly=True)
        self.fields["write_date"] = Field("datetime", "Last Updated on", readonly=True)
        for fname, field in self.fields.items():
            field.name = fname

    def display(self, env, row) -> str:
        if self._display:
            return self._display(env, row)
        rec_name = self.rec_name if self.rec_name in self.fields else (
            "x_name" if "x_name" in self.fields else None)
        if rec_name:
            return row.get(rec_name) or ""
        return f"{self.name},{row['id']}"

    def add_field(self, fname: str, field: Field):
        field.name = fname
        self.fields[fname] = field

    def clone(self) -> "ModelDef":
        other = copy.copy(self)
        other.fields = dict(self.fields)
        return other


MAGIC_FIELDS = ("id", "display_name", "create_uid", "create_date", "write_uid", "write_date")

PICKING_STATES = [("draft", "Draft"), ("waiting", "Waiting Another Operation"),
                  ("confirmed", "Waiting"), ("assigned", "Ready"), ("done", "Done"),
                  ("cancel", "Cancelled")]
MOVE_STATES = [("draft", "New"), ("waiting", "Waiting Another Move"),
               ("confirmed", "Waiting Availability"), ("partially_available", "Partially Available"),
               ("assigned", "Available"), ("done", "Done"), ("cancel", "Cancelled")]
# res.groups of the simulated database: xmlid, name, category (ir.module.category in
# 17/18, res.groups.privilege in 19), implied groups. Ids follow this order.
GROUPS = [
    ("base.group_user", "Internal User", "User types", []),
    ("base.group_partner_manager", "Contact Creation", "Extra Rights", []),
    ("base.group_erp_manager", "Access Rights", "Administration", ["base.group_user"]),
    ("base.group_system", "Settings", "Administration", ["base.group_erp_manager"]),
    ("stock.group_stock_user", "User", "Inventory", ["base.group_user"]),
    ("stock.group_stock_manager", "Administrator", "Inventory", ["stock.group_stock_user"]),
    ("sales_team.group_sale_salesman", "User: Own Documents Only", "Sales", ["base.group_user"]),
    ("sales_team.group_sale_manager", "Administrator", "Sales", ["sales_team.group_sale_salesman"]),
]
GROUP_CATEGORY = {xmlid: category for xmlid, _name, category, _implied in GROUPS}
ADMIN_GROUPS = ["base.group_system", "base.group_partner_manager", "stock.group_stock_manager",
                "sales_team.group_sale_manager"]

# ir.model.access of the simulated database (a digest of the ir.model.access.csv
# files of base, mail, product, stock, stock_sms, stock_delivery, sale, sale_stock,
# account and delivery): model -> {group xmlid: permissions}, r=read w=write
# c=create d=unlink. The rows of the models lgx touches are Odoo's own (17, 18 and
# 19 agree on them):
#   base: ir.model, ir.model.fields and ir.model.data belong to Administration /
#     Access Rights (base.group_erp_manager, rwcd); base.group_user has a 0,0,0,0
#     row on them, i.e. no access at all. ir.attachment: base.group_user rwcd.
#   mail: mail.message and mail.activity base.group_user rwcd; mail.activity.type
#     base.group_user r, base.group_system rwcd (and the sale manager rwcd: sale).
#   product: product.product base.group_user r; stock adds stock user r and
#     stock manager rwcd.
#   stock: stock.picking stock user rwcd; stock.move stock user rwc (no unlink),
#     stock manager rwcd; stock.move.line base.group_user and stock user rwcd;
#     stock.lot stock user rwcd; stock.package (stock.quant.package before 19)
#     base.group_user r, stock user and manager rwcd; the backorder wizard and its
#     lines stock user rwc.
#   delivery / stock_delivery: delivery.carrier stock user, salesman, partner
#     manager and base.group_system r; stock manager and sale manager rwcd (a
#     plain internal user has no access to carriers).
#   sale_stock: stock.picking and stock.move salesman rwc; sale.order and
#     sale.order.line stock user rw (here r: lgx only reads orders, and the
#     simulator's tests pin a stock user who cannot confirm an order).
# Manager rows that repeat what the user group they imply already grants are
# left out where the simulator's tests pin the wording of the access error (its
# group list); access decisions are the same, since the managers imply the users.
# Models not listed (custom x_ models made through ir.model) have the rows made
# through the API (ir.model.access create, as Studio does): none at first, so no
# user reaches their records, the API's admin (uid 2, not the superuser) included.
ACCESS = {
    "res.company": {"base.group_user": "r", "base.group_erp_manager": "rwcd"},
    "res.partner": {"base.group_user": "r", "base.group_partner_manager": "rwcd"},
    "res.users": {"base.group_user": "r", "base.group_erp_manager": "rwcd"},
    "res.groups": {"base.group_user": "r", "base.group_erp_manager": "rwcd"},
    "product.product": {"base.group_user": "r", "stock.group_stock_manager": "rwcd"},
    "stock.location": {"base.group_user": "r", "stock.group_stock_manager": "rwcd"},
    # uom: base.group_user r, base.group_system rwcd; stock and sale managers rwcd (17/18)
    "uom.uom": {"base.group_user": "r", "base.group_system": "rwcd", "stock.group_stock_manager": "rwcd",
                "sales_team.group_sale_manager": "rwcd"},
    "uom.category": {"base.group_user": "r", "base.group_system": "rwcd", "stock.group_stock_manager": "rwcd",
                     "sales_team.group_sale_manager": "rwcd"},
    "stock.picking.type": {"base.group_user": "r", "stock.group_stock_manager": "rwcd"},
    "delivery.carrier": {"stock.group_stock_user": "r", "stock.group_stock_manager": "rwcd",
                         "sales_team.group_sale_salesman": "r", "sales_team.group_sale_manager": "rwcd",
                         "base.group_partner_manager": "r", "base.group_system": "r"},
    "stock.lot": {"stock.group_stock_user": "rwcd"},
    "stock.quant": {"stock.group_stock_user": "rwc", "stock.group_stock_manager": "rwcd"},
    "stock.warehouse": {"base.group_user": "r", "stock.group_stock_manager": "rwcd"},
    "stock.package": {"base.group_user": "r", "stock.group_stock_user": "rwcd",
                      "stock.group_stock_manager": "rwcd"},
    "stock.quant.package": {"base.group_user": "r", "stock.group_stock_user": "rwcd",
                            "stock.group_stock_manager": "rwcd"},
    "stock.picking": {"stock.group_stock_user": "rwcd", "sales_team.group_sale_salesman": "rwc"},
    "stock.move": {"stock.group_stock_user": "rwc", "stock.group_stock_manager": "rwcd",
                   "sales_team.group_sale_salesman": "rwc", "sales_team.group_sale_manager": "rwcd"},
    "stock.move.line": {"base.group_user": "rwcd", "stock.group_stock_user": "rwcd",
                        "stock.group_stock_manager": "rwcd"},
    "stock.backorder.confirmation": {"stock.group_stock_user": "rwc"},
    "stock.backorder.confirmation.line": {"stock.group_stock_user": "rwc"},
    "confirm.stock.sms": {"stock.group_stock_user": "rwc"},
    "mail.message.subtype": {"base.group_user": "r", "base.group_system": "rwcd"},
    "mail.message": {"base.group_user": "rwcd"},
    "mail.tracking.value": {"base.group_system": "rwcd"},
    "mail.followers": {"base.group_user": "r", "base.group_system": "rwcd"},
    "mail.activity.type": {"base.group_user": "r", "base.group_system": "rwcd",
                           "sales_team.group_sale_manager": "rwcd"},
    "mail.activity": {"base.group_user": "rwcd"},
    "ir.attachment": {"base.group_user": "rwcd"},
    "ir.model": {"base.group_erp_manager": "rwcd"},
    "ir.model.fields": {"base.group_erp_manager": "rwcd"},
    "ir.model.data": {"base.group_erp_manager": "rwcd"},
    "ir.model.access": {"base.group_erp_manager": "rwcd"},
    "sale.order": {"sales_team.group_sale_salesman": "rwc", "sales_team.group_sale_manager": "rwcd",
                   "stock.group_stock_user": "r"},
    "sale.order.line": {"sales_team.group_sale_salesman": "rwcd", "stock.group_stock_user": "r"},
    "sale.advance.payment.inv": {"sales_team.group_sale_salesman": "rwc"},
    "sale.order.cancel": {"sales_team.group_sale_salesman": "rwc"},
    "account.move": {"sales_team.group_sale_salesman": "rwc"},
    "account.move.line": {"sales_team.group_sale_salesman": "rwc"},
}
ACCESS_MODE_LETTER = {"read": "r", "write": "w", "create": "c", "unlink": "d"}
# odoo/addons/base/models/ir_model.py ACCESS_ERROR_* (same wording in 17, 18 and 19)
ACCESS_ERROR_HEADER = {
    "read": "You are not allowed to access '%(document_kind)s' (%(document_model)s) records.",
    "write": "You are not allowed to modify '%(document_kind)s' (%(document_model)s) records.",
    "create": "You are not allowed to create '%(document_kind)s' (%(document_model)s) records.",
    "unlink": "You are not allowed to delete '%(document_kind)s' (%(document_model)s) records.",
}
ACCESS_ERROR_GROUPS = "This operation is allowed for the following groups:\n%(groups_list)s"
ACCESS_ERROR_NOGROUP = "No group currently allows this operation."
ACCESS_ERROR_RESOLUTION = "Contact your administrator to request access if necessary."

# mail/data/mail_activity_type_data.xml, in file order (ids 1..6)
ACTIVITY_TYPES = [
    ("mail.mail_activity_data_email", "Email", "fa-envelope", 3, 0, "default", False, True),
    ("mail.mail_activity_data_call", "Call", "fa-phone", 6, 2, "phonecall", False, True),
    ("mail.mail_activity_data_meeting", "Meeting", "fa-users", 9, 0, "default", False, True),
    ("mail.mail_activity_data_todo", "To-Do", "fa-check", 12, 5, "default", False, True),
    ("mail.mail_activity_data_upload_document", "Upload Document", "fa-upload", 25, 5, "upload_file", False, True),
    ("mail.mail_activity_data_warning", "Exception", "fa-warning", 99, 0, "default", "warning", False),
]
ACTIVITY_TYPE_TODO = 4

FIELD_TYPES = ["binary", "boolean", "char", "date", "datetime", "float", "html", "integer",
               "many2many", "many2one", "monetary", "one2many", "selection", "text"]


def _partner_display(env, row):
    parent = env.get("res.partner", row.get("parent_id"))
    if parent and not row.get("is_company") and row.get("name"):
        return f"{parent['name']}, {row['name']}"
    return row.get("name") or ""


def _product_display(env, row):
    code = row.get("default_code")
    return f"[{code}] {row.get('name') or ''}" if code else (row.get("name") or "")


def _picking_type_display(env, row) -> str:
    """stock.picking.type display_name: 'Warehouse: Operation type'."""
    warehouse = env.get("stock.warehouse", row.get("warehouse_id")) or {}
    return f"{warehouse.get('name') or 'YourCompany'}: {row.get('name') or ''}"


def _move_origins(env, row) -> list:
    """stock.move.move_orig_ids: the moves that list this one in move_dest_ids."""
    return sorted(m["id"] for m in env.table("stock.move").values() if row["id"] in (m.get("move_dest_ids") or []))


def _move_display(env, row):
    """stock.move _compute_display_name: '<origin>/<code>: <src>><dest>'."""
    picking = env.get("stock.picking", row.get("picking_id")) or {}
    product = env.get("product.product", row.get("product_id")) or {}
    src = env.get("stock.location", row.get("location_id")) or {}
    dest = env.get("stock.location", row.get("location_dest_id")) or {}
    origin = f"{picking['origin']}/" if picking.get("origin") else ""
    code = f"{product['default_code']}: " if product.get("default_code") else ""
    return f"{origin}{code}{src.get('name') or ''}>{dest.get('name') or ''}"


def _picking_weight(env, row):
    total = 0.0
    for move in env.o2m_rows("stock.move", "picking_id", row["id"]):
        if move["state"] != "cancel":
            total += _move_weight(env, move)
    return total


def _move_weight(env, move):
    product = env.get("product.product", move.get("product_id")) or {}
    return float(product.get("weight") or 0.0) * uom_convert(
        env, move.get("product_uom_qty"), move.get("product_uom"), product.get("uom_id"), method="HALF-UP")


def _shipping_weight(env, row):
    """delivery: weight of the move lines (no packages in the simulator)."""
    total = 0.0
    for line in env.o2m_rows("stock.move.line", "picking_id", row["id"]):
        product = env.get("product.product", line.get("product_id")) or {}
        total += float(product.get("weight") or 0.0) * Stock(env).line_product_qty(line)
    return total


def product_storable(env, product: dict) -> bool:
    """Stock is kept for the product: is_storable (18+), type 'product' (17)."""
    if env.version >= 18:
        return bool(product.get("is_storable"))
    return product.get("type") == "product"


def _product_prepare(env, vals: dict) -> dict:
    """17: type follows detailed_type (product.template._compute_type)."""
    if env.version < 18:
        if "detailed_type" in vals:
            vals["type"] = vals["detailed_type"]
        elif "type" in vals:
            vals["detailed_type"] = vals["type"]
    return vals


def _quant_reserved(env, row) -> float:
    """stock.quant.reserved_quantity: what the open move lines reserving on it
    hold (in the product's unit)."""
    return float(Stock(env).reserved_by_quant(row.get("product_id")).get(row["id"], 0.0))


def _free_qty(env, row):
    return float(row.get("qty_available") or 0.0) - Stock(env).reserved_product(row["id"])


def _line_product_qty(env, row) -> float:
    return Stock(env).line_product_qty(row)


# -- units of measure (addons/uom) ------------------------------------------------
# 17/18: uom.category + uom.uom (factor = units of this unit per reference unit
# of its category: Dozens 1/12; qty / from.factor * to.factor, same category
# only). 19 dropped uom.category: a unit is relative_factor times its
# relative_uom_id, factor is the absolute quantity (Units 1, Dozens 12), qty *
# from.factor / to.factor, convertible when the parent_path roots agree. The
# seeds follow addons/uom/data/uom_data.xml (ids in file order, as on a real
# database); 19's active flags are those of a database with l10n_us_account
# (the default US company: in, ft, ft², lb, oz and gal switched on).
UOM_CATEGORIES_17 = [  # id, xmlid, name
    (1, "product_uom_categ_unit", "Unit"),
    (2, "product_uom_categ_kgm", "Weight"),
    (3, "uom_categ_wtime", "Working Time"),
    (4, "uom_categ_length", "Length / Distance"),
    (5, "uom_categ_surface", "Surface"),
    (6, "product_uom_categ_vol", "Volume"),
]
UOMS_17 = [  # id, xmlid, name, category, uom_type, factor
    (1, "product_uom_unit", "Units", 1, "reference", 1.0),
    (2, "product_uom_dozen", "Dozens", 1, "bigger", 1.0 / 12),
    (3, "product_uom_day", "Days", 3, "reference", 1.0),
    (4, "product_uom_hour", "Hours", 3, "smaller", 8.0),
    (5, "product_uom_meter", "m", 4, "reference", 1.0),
    (6, "product_uom_millimeter", "mm", 4, "smaller", 1000.0),
    (7, "product_uom_km", "km", 4, "bigger", 1.0 / 1000),
    (8, "product_uom_cm", "cm", 4, "smaller", 100.0),
    (9, "uom_square_meter", "m²", 5, "reference", 1.0),
    (10, "product_uom_litre", "L", 6, "reference", 1.0),
    (11, "product_uom_cubic_meter", "m³", 6, "bigger", 1.0 / 1000),
    (12, "product_uom_kgm", "kg", 2, "reference", 1.0),
    (13, "product_uom_gram", "g", 2, "smaller", 1000.0),
    (14, "product_uom_ton", "t", 2, "bigger", 1.0 / 1000),
    (15, "product_uom_lb", "lb", 2, "smaller", 2.20462),
    (16, "product_uom_oz", "oz", 2, "smaller", 35.274),
    (17, "product_uom_inch", "in", 4, "smaller", 39.3701),
    (18, "product_uom_foot", "ft", 4, "smaller", 3.28084),
    (19, "product_uom_yard", "yd", 4, "smaller", 1.09361),
    (20, "product_uom_mile", "mi", 4, "bigger", 1.0 / 1609.34),
    (21, "uom_square_foot", "ft²", 5, "smaller", 10.76391),
    (22, "product_uom_floz", "fl oz (US)", 6, "smaller", 33.814),
    (23, "product_uom_qt", "qt (US)", 6, "smaller", 1.05669),
    (24, "product_uom_gal", "gal (US)", 6, "bigger", 1.0 / 3.78541),
    (25, "product_uom_cubic_inch", "in³", 6, "smaller", 61.0237),
    (26, "product_uom_cubic_foot", "ft³", 6, "bigger", 1.0 / 28.3168),
]
UOMS_19 = [  # id, xmlid, name, relative_factor, relative unit, active
    (1, "product_uom_unit", "Units", 1.0, None, True),
    (2, "product_uom_pack_6", "Pack of 6", 6.0, 1, True),
    (3, "product_uom_dozen", "Dozens", 12.0, 1, False),
    (4, "product_uom_hour", "Hours", 1.0, None, True),
    (5, "product_uom_day", "Days", 8.0, 4, True),
    (6, "product_uom_minute", "Minutes", 0.0166667, 4, True),
    (7, "product_uom_millimeter", "mm", 1.0, None, True),
    (8, "product_uom_cm", "cm", 10.0, 7, False),
    (9, "product_uom_meter", "m", 100.0, 8, True),
    (10, "product_uom_km", "km", 1000.0, 9, False),
    (11, "product_uom_square_meter", "m²", 1.0, None, True),
    (12, "product_uom_milliliter", "ml", 1.0, None, True),
    (13, "product_uom_litre", "L", 1000.0, 12, True),
    (14, "product_uom_cubic_meter", "m³", 1000.0, 13, False),
    (15, "product_uom_gram", "g", 1.0, None, True),
    (16, "product_uom_kgm", "kg", 1000.0, 15, True),
    (17, "product_uom_ton", "Ton", 1000.0, 16, True),
    (18, "product_uom_oz", "oz", 28.3495, 15, True),
    (19, "product_uom_lb", "lb", 16.0, 18, True),
    (20, "product_uom_inch", "in", 2.54, 8, True),
    (21, "product_uom_foot", "ft", 12.0, 20, True),
    (22, "product_uom_yard", "yd", 3.0, 21, False),
    (23, "product_uom_mile", "mi", 1760.0, 22, False),
    (24, "product_uom_square_foot", "ft²", 0.092903, 11, True),
    (25, "product_uom_floz", "fl oz (US)", 0.0295735, 13, False),
    (26, "product_uom_qt", "qt (US)", 32.0, 25, False),
    (27, "product_uom_gal", "gal (US)", 4.0, 26, True),
    (28, "product_uom_cubic_inch", "in³", 0.0163871, 13, False),
    (29, "product_uom_cubic_foot", "ft³", 1728.0, 28, False),
    (30, "product_uom_kwh", "KWH", 1.0, None, True),
]
UOM_UNITS = 1  # uom.product_uom_unit, the default unit of a product (all versions)
# uom.uom._unprotected_uom_xml_ids: the seeded units that may be deleted
UOM_UNPROTECTED = {17: ("product_uom_hour", "product_uom_dozen"),
                   18: ("product_uom_hour", "product_uom_dozen"),
                   19: ("product_uom_hour", "product_uom_dozen", "product_uom_pack_6")}
# 19: decimal.precision 'Product Unit' (2 digits) is every unit's rounding
UOM_ROUNDING_19 = 0.01
MSG_UOM_ZERO = "The operation cannot be completed: The conversion ratio for a unit of measure cannot be 0!"
MSG_UOM_ROUNDING = "The operation cannot be completed: The rounding precision must be strictly positive."
MSG_UOM_REFERENCE_ONE = ("The operation cannot be completed: The reference unit must have a conversion factor "
                         "equal to 1.")
MSG_UOM_NO_REFERENCE_19 = "Reference unit of measure is missing."


def float_round(value: float, rounding: float, method: str = "HALF-UP") -> float:
    """odoo/tools/float_utils.py float_round with precision_rounding (19's:
    a rounding below 1 multiplies by its inverse, so 0.3 stays 0.3)."""
    if not rounding or not value:
        return 0.0 if rounding else float(value or 0.0)
    if rounding < 1:
        inverse = 1.0 / rounding
        inverse = float(round(inverse)) if abs(inverse - round(inverse)) < 1e-9 else inverse
        normalize, denormalize = (lambda v: v * inverse), (lambda v: v / inverse)
    else:
        normalize, denormalize = (lambda v: v / rounding), (lambda v: v * rounding)
    normalized = normalize(value)
    epsilon = 2 ** (math.log2(abs(normalized)) - 50)
    if method == "UP":
        result = math.trunc(normalized + math.copysign(1 - epsilon, normalized))
    elif method == "DOWN":
        result = math.trunc(normalized + math.copysign(epsilon, normalized))
    else:
        result = round(normalized + math.copysign(epsilon, normalized))
    return float(denormalize(result))


def uom_row(env, uom_id) -> dict:
    return env.get("uom.uom", uom_id) or {}


def uom_factor(env, row) -> float:
    """17/18: the stored ratio to the category's reference; 19: the absolute
    quantity, relative_factor times the parent unit's factor (_compute_factor)."""
    if env.version < 19:
        return float(row.get("factor") or 0.0)
    factor, seen = 1.0, set()
    while row and row["id"] not in seen:
        seen.add(row["id"])
        factor *= float(row.get("relative_factor") or 0.0)
        row = env.get("uom.uom", row.get("relative_uom_id"))
    return factor


def uom_parent_path(env, row) -> str:
    """19: parent_path of the relative_uom_id tree ('1/3/')."""
    return _parent_path(env, "uom.uom", row)


def uom_rounding(env, uom_id) -> float:
    if env.version >= 19:
        return UOM_ROUNDING_19
    return float(uom_row(env, uom_id).get("rounding") or 0.01)


def uom_convertible(env, from_id, to_id) -> bool:
    """17/18: same category; 19: a common root in parent_path
    (uom.uom._has_common_reference)."""
    a, b = uom_row(env, from_id), uom_row(env, to_id)
    if not a or not b:
        return False
    if env.version < 19:
        return a.get("category_id") == b.get("category_id")
    return uom_parent_path(env, a).split("/")[0] == uom_parent_path(env, b).split("/")[0]


def uom_convert(env, quantity, from_id, to_id, *, round_=True, method="UP") -> float:
    """uom.uom._compute_quantity (rounding_method 'UP' by default, as Odoo).
    17/18 refuse units of different categories (UserError); 19 converts."""
    quantity = float(quantity or 0.0)
    if not from_id or not quantity or from_id == to_id or not to_id:
        return quantity
    a, b = uom_row(env, from_id), uom_row(env, to_id)
    if not a or not b:
        return quantity
    if env.version < 19:
        if a.get("category_id") != b.get("category_id"):
            raise UserError(
                f"The unit of measure {a.get('name')} defined on the order line doesn't belong to the same "
                f"category as the unit of measure {b.get('name')} defined on the product. Please correct the "
                "unit of measure defined on the order line or on the product. They should belong to the same "
                "category." if env.version >= 18 else
                f"The unit of measure {a.get('name')} defined on the order line doesn't belong to the same "
                f"category as the unit of measure {b.get('name')} defined on the product. Please correct the "
                "unit of measure defined on the order line or on the product, they should belong to the same "
                "category.")
        amount = quantity / uom_factor(env, a) * uom_factor(env, b)
    else:
        amount = quantity * uom_factor(env, a) / uom_factor(env, b)
    if round_:
        amount = float_round(amount, uom_rounding(env, to_id), method)
    return amount


def _uom_ratio(env, row) -> float:
    """17/18 uom.uom.ratio (_compute_ratio)."""
    factor = float(row.get("factor") or 0.0)
    if row.get("uom_type") == "reference":
        return 1.0
    if row.get("uom_type") == "bigger":
        return factor and 1.0 / factor or 0.0
    return factor


def _uom_prepare_17(env, vals: dict, row=None) -> dict:
    """17/18 create/write: factor_inv given becomes factor = 1 / factor_inv;
    ratio (inverse _set_ratio) sets factor by uom_type."""
    if "factor_inv" in vals:
        factor_inv = vals.pop("factor_inv")
        try:
            factor_inv = float(factor_inv or 0.0)
        except (TypeError, ValueError):
            factor_inv = 0.0
        vals["factor"] = factor_inv and 1.0 / factor_inv or 0.0
    if "ratio" in vals:
        ratio = float(vals.pop("ratio") or 0.0)
        if not ratio:
            raise ValidationError("The value of ratio could not be Zero")
        kind = vals.get("uom_type", (row or {}).get("uom_type") or "reference")
        vals["factor"] = 1.0 if kind == "reference" else (1.0 / ratio if kind == "bigger" else ratio)
    return vals


def _uom_check_17(env, rows: list):
    """17/18: the SQL constraints (factor != 0, rounding > 0, a reference unit
    has factor 1) and _check_category_reference_uniqueness (18 counts archived
    units too)."""
    for row in rows:
        if not float(row.get("factor") or 0.0):
            raise ValidationError(MSG_UOM_ZERO)
        if float(row.get("rounding") or 0.0) <= 0.0:
            raise ValidationError(MSG_UOM_ROUNDING)
        if row.get("uom_type") == "reference" and abs(float(row.get("factor") or 0.0) - 1.0) > EPSILON:
            raise ValidationError(MSG_UOM_REFERENCE_ONE)
    for category_id in dict.fromkeys(row.get("category_id") for row in rows):
        members = [u for u in env.table("uom.uom").values() if u.get("category_id") == category_id
                   and (env.version >= 18 or u.get("active"))]
        references = sum(1 for u in members if u.get("uom_type") == "reference")
        name = (env.get("uom.category", category_id) or {}).get("name") or ""
        if references > 1:
            raise ValidationError(f"UoM category {name} should only have one reference unit of measure.")
        if references == 0 and members:
            raise ValidationError(f"UoM category {name} should have a reference unit of measure.")


def _uom_check_19(env, rows: list):
    """19: CHECK (relative_factor != 0) and _check_factor."""
    for row in rows:
        if not float(row.get("relative_factor") or 0.0):
            raise ValidationError(MSG_UOM_ZERO)
        if not row.get("relative_uom_id") and float(row.get("relative_factor") or 0.0) != 1.0:
            raise UserError(MSG_UOM_NO_REFERENCE_19)


def _uom_create_prepare(env, vals: dict) -> dict:
    if env.version < 19:
        return _uom_prepare_17(env, vals)
    if "sequence" not in vals:
        # _compute_sequence (precompute): min(int(relative_factor * 100), 1000)
        try:
            vals["sequence"] = min(int(float(vals.get("relative_factor", 1.0) or 0.0) * 100.0), 1000)
        except (TypeError, ValueError):
            pass
    return vals


def _uom_create_done(env, row: dict, vals: dict):
    (_uom_check_19 if env.version >= 19 else _uom_check_17)(env, [row])


def _uom_write_prepare(env, rows: list, vals: dict):
    if env.version < 19:
        _uom_prepare_17(env, vals, rows[0] if rows else None)


def _uom_write_done(env, rows: list, vals: dict, before: dict):
    if env.version >= 19:
        _uom_check_19(env, rows)
    elif "uom_type" not in vals or vals["uom_type"] != "reference":
        _uom_check_17(env, rows)


def _uom_unlink_prepare(env, rows: list):
    """uom.uom._unlink_except_master_data."""
    unprotected = UOM_UNPROTECTED[env.version]
    locked = []
    for row in rows:
        xmlid = env.xmlid_of("uom.uom", row["id"])
        if xmlid and xmlid.startswith("uom.") and xmlid[4:] not in unprotected:
            locked.append(row.get("name") or "")
    if locked:
        raise UserError("The following units of measure are used by the system and cannot be deleted: "
                        f"{', '.join(locked)}\nYou can archive them instead.")


def uom_models(version: int) -> list:
    F = Field
    if version >= 19:
        return [ModelDef("uom.uom", "Product Unit of Measure", {
            "name": F("char", "Unit Name", required=True),
            "sequence": F("integer", "Sequence"),
            "relative_factor": F("float", "Contains", required=True, default=1.0),
            "rounding": F("float", "Rounding Precision", compute=lambda env, row: UOM_ROUNDING_19),
            "active": F("boolean", "Active", default=True),
            "relative_uom_id": F("many2one", "Reference Unit", relation="uom.uom", ondelete="cascade"),
            "related_uom_ids": F("one2many", "Related UoMs", relation="uom.uom", inverse="relative_uom_id"),
            # stored computes in Odoo (factor recursive, parent_path by _parent_store):
            # derived here from the relative_uom_id chain at every read
            "factor": F("float", "Absolute Quantity", compute=uom_factor),
            "parent_path": F("char", "Parent Path", compute=uom_parent_path),
        }, class_name="UomUom", order="sequence, relative_uom_id, id")]
    return [
        ModelDef("uom.category", "Product UoM Categories", {
            "name": F("char", "Unit of Measure Category", required=True),
            "uom_ids": F("one2many", "Uom", relation="uom.uom", inverse="category_id"),
            "reference_uom_id": F("many2one", "Reference UoM", relation="uom.uom",
                                  compute=lambda env, row: False),
        }, class_name="UomCategory", order="id"),
        ModelDef("uom.uom", "Product Unit of Measure", {
            "name": F("char", "Unit of Measure", required=True),
            "category_id": F("many2one", "Category", relation="uom.category", required=True,
                             ondelete="restrict"),
            "factor": F("float", "Ratio", required=True, default=1.0),
            "factor_inv": F("float", "Bigger Ratio", compute=lambda env, row: (
                float(row.get("factor") or 0.0) and 1.0 / float(row["factor"]) or 0.0)),
            "rounding": F("float", "Rounding Precision", required=True, default=0.01),
            "active": F("boolean", "Active", default=True),
            "uom_type": F("selection", "Type", required=True, default="reference", selection=[
                ("bigger", "Bigger than the reference Unit of Measure"),
                ("reference", "Reference Unit of Measure for this category"),
                ("smaller", "Smaller than the reference Unit of Measure")]),
            "ratio": F("float", "Combined Ratio", compute=_uom_ratio),
            "color": F("integer", "Color", compute=lambda env, row: 7 if row.get("uom_type") == "reference" else 0),
        }, class_name="UoM", order="factor DESC, id"),
    ]


def seed_uom(env):
    """addons/uom/data/uom_data.xml of the version, with its external ids."""
    if env.version >= 19:
        for rid, xmlid, name, relative, parent, active in UOMS_19:
            env.insert("uom.uom", {"name": name, "relative_factor": relative, "relative_uom_id": parent or False,
                                   "active": active, "sequence": min(int(relative * 100.0), 1000),
                                   "create_date": SEED_DATE}, rid=rid)
            add_xmlid(env, f"uom.{xmlid}", "uom.uom", rid)
        return
    for rid, xmlid, name in UOM_CATEGORIES_17:
        env.insert("uom.category", {"name": name, "create_date": SEED_DATE}, rid=rid)
        add_xmlid(env, f"uom.{xmlid}", "uom.category", rid)
    for rid, xmlid, name, category, kind, factor in UOMS_17:
        env.insert("uom.uom", {"name": name, "category_id": category, "uom_type": kind, "factor": factor,
                               "rounding": 0.01, "active": True, "create_date": SEED_DATE}, rid=rid)
        add_xmlid(env, f"uom.{xmlid}", "uom.uom", rid)


def build_schema(version: int) -> dict[str, ModelDef]:
    """All models of the simulated database (a subset of base, product, stock,
    stock_sms, delivery, mail, sale, sale_stock and account fields, named as
    in Odoo 19)."""
    F = Field
    package_model = "stock.package" if version >= 19 else "stock.quant.package"
    # Odoo 19 (saas-18.2, odoo/odoo#179354) renamed res.users.groups_id to
    # group_ids (+ all_group_ids) and res.groups.users to user_ids (+ all_user_ids).
    if version >= 19:
        users_group_fields = {
            "group_ids": F("many2many", "Groups", relation="res.groups"),
            "all_group_ids": F("many2many", "Groups and implied groups", relation="res.groups",
                               compute=lambda env, row: all_group_ids(env, row["id"])),
        }
        groups_user_fields = {
            "user_ids": F("many2many", "Users", relation="res.users",
                          compute=lambda env, row: _group_users(env, row, implied=False)),
            "all_user_ids": F("many2many", "Users and implied users", relation="res.users",
                              compute=lambda env, row: _group_users(env, row, implied=True)),
        }
    else:
        users_group_fields = {"groups_id": F("many2many", "Groups", relation="res.groups")}
        groups_user_fields = {"users": F("many2many", "Users", relation="res.users",
                                         compute=lambda env, row: _group_users(env, row, implied=False))}
    if version >= 19:
        # 19: stock's stock_text_confirmation + stock_confirmation_type replace
        # stock_sms's stock_move_sms_validation (stock_sms's post-install hook
        # switches the text confirmation on)
        sms_fields = {"stock_text_confirmation": F("boolean", "Stock Text Confirmation"),
                      "stock_confirmation_type": F("selection", "Stock Confirmation Type",
                                                   selection=[("sms", "SMS")], default="sms")}
    else:
        sms_fields = {"stock_move_sms_validation": F("boolean", "SMS Confirmation", default=True)}
    if version >= 18:
        product_type_fields = {
            "type": F("selection", "Product Type", default="consu",
                      selection=[("consu", "Goods"), ("service", "Service"), ("combo", "Combo")]),
            # Odoo 18+: goods are not tracked unless asked (is_storable=False by default)
            "is_storable": F("boolean", "Track Inventory"),
        }
    else:
        # 17: detailed_type (stock adds 'product', Storable Product) sets type
        kinds = [("consu", "Consumable"), ("service", "Service"), ("product", "Storable Product")]
        product_type_fields = {
            "detailed_type": F("selection", "Product Type", default="consu", selection=kinds),
            "type": F("selection", "Type", default="consu", selection=kinds),
        }
    models = [
        ModelDef("res.company", "Companies", {
            "name": F("char", "Company Name", required=True),
            "partner_id": F("many2one", "Partner", relation="res.partner"),
            **sms_fields,
            "has_received_warning_stock_sms": F("boolean", "Has Received Warning Stock SMS"),
            "stock_move_email_validation": F("boolean", "Email Confirmation picking"),
        }, class_name="ResCompany", order="name"),
        ModelDef("res.partner", "Contact", {
            "name": F("char", "Name"),
            "complete_name": F("char", "Complete Name", compute=_partner_display),
            "is_company": F("boolean", "Is a Company"),
            "parent_id": F("many2one", "Related Company", relation="res.partner"),
            "ref": F("char", "Reference"),
            "email": F("char", "Email"),
            "phone": F("char", "Phone"),
            "street": F("char", "Street"),
            "city": F("char", "City"),
            "zip": F("char", "Zip"),
            "active": F("boolean", "Active", default=True),
        }, class_name="ResPartner", order="complete_name asc, id desc",
           display=_partner_display, mail_thread=True),
        ModelDef("res.users", "User", {
            "name": F("char", "Name", required=True),
            "login": F("char", "Login", required=True),
            "partner_id": F("many2one", "Related Partner", relation="res.partner"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "active": F("boolean", "Active", default=True),
            "share": F("boolean", "Share User"),
            **users_group_fields,
        }, class_name="ResUsers", order="name, login"),
        ModelDef("res.groups", "Access Groups", {
            "name": F("char", "Name", required=True),
            "full_name": F("char", "Group Name", compute=_group_full_name),
            "comment": F("text", "Comment"),
            "implied_ids": F("many2many", "Inherits", relation="res.groups"),
            **groups_user_fields,
        }, class_name="ResGroups", order="name", display=_group_full_name),
        ModelDef("product.product", "Product Variant", {
            "name": F("char", "Name", required=True),
            "default_code": F("char", "Internal Reference"),
            "barcode": F("char", "Barcode"),
            **product_type_fields,
            "tracking": F("selection", "Tracking", default="none",
                          selection=[("serial", "By Unique Serial Number"), ("lot", "By Lots"),
                                     ("none", "By Quantity")]),
            "weight": F("float", "Weight"),
            "list_price": F("float", "Sales Price"),
            # sale: product.template.invoice_policy, 'order' for goods (_compute_invoice_policy)
            "invoice_policy": F("selection", "Invoicing Policy", default="order", selection=[
                ("order", "Ordered quantities"), ("delivery", "Delivered quantities")]),
            # product.template.uom_id: uom.product_uom_unit unless given
            "uom_id": F("many2one", "Unit" if version >= 19 else "Unit of Measure", relation="uom.uom",
                        required=True, default=UOM_UNITS),
            "qty_available": F("float", "Quantity On Hand", readonly=True),
            "free_qty": F("float", "Free To Use Quantity", compute=_free_qty),
            "active": F("boolean", "Active", default=True),
        }, class_name="ProductProduct", order="default_code, name, id",
           display=_product_display, mail_thread=True),
        ModelDef("stock.location", "Inventory Locations", {
            "name": F("char", "Location Name", required=True),
            "complete_name": F("char", "Full Location Name"),
            "location_id": F("many2one", "Parent Location", relation="stock.location", ondelete="cascade"),
            "child_ids": F("one2many", "Contains", relation="stock.location", inverse="location_id"),
            # _parent_store: stored in Odoo, derived from location_id here
            "parent_path": F("char", "Parent Path", compute=lambda env, row: _parent_path(env, "stock.location", row)),
            "usage": F("selection", "Location Type", default="internal", selection=[
                ("supplier", "Vendor"), ("view", "Virtual"), ("internal", "Internal"),
                ("customer", "Customer"), ("inventory", "Inventory Loss"),
                ("production", "Production"), ("transit", "Transit")]),
            "active": F("boolean", "Active", default=True),
        }, class_name="StockLocation", order="complete_name, id",
           display=lambda env, row: row.get("complete_name") or row.get("name") or ""),
        ModelDef("stock.picking.type", "Picking Type", {
            "name": F("char", "Operation Type", required=True),
            "code": F("selection", "Type of Operation", required=True, default="incoming", selection=[
                ("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")]),
            "sequence": F("integer", "Sequence"),
            "sequence_code": F("char", "Sequence Prefix"),
            "default_location_src_id": F("many2one", "Source Location", relation="stock.location"),
            "default_location_dest_id": F("many2one", "Destination Location", relation="stock.location"),
            "create_backorder": F("selection", "Create Backorder", default="ask", selection=[
                ("ask", "Ask"), ("always", "Always"), ("never", "Never")]),
            "reservation_method": F("selection", "Reservation Method", default="at_confirm", selection=[
                ("at_confirm", "At Confirmation"), ("manual", "Manually"),
                ("by_date", "Before scheduled date")]),
            "use_create_lots": F("boolean", "Create New Lots/Serial Numbers", default=True),
            "use_existing_lots": F("boolean", "Use Existing Lots/Serial Numbers", default=True),
            "warehouse_id": F("many2one", "Warehouse", relation="stock.warehouse"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "active": F("boolean", "Active", default=True),
        }, class_name="StockPickingType", order="sequence, id",
           display=_picking_type_display),
        ModelDef("delivery.carrier", "Shipping Methods", {
            "name": F("char", "Delivery Method", required=True),
            "sequence": F("integer", "Sequence", default=10),
            "delivery_type": F("selection", "Provider", required=True, default="fixed", selection=[
                ("base_on_rule", "Based on Rules"), ("fixed", "Fixed Price")]),
            "fixed_price": F("float", "Fixed Price"),
            "active": F("boolean", "Active", default=True),
        }, class_name="DeliveryCarrier", order="sequence, id"),
        ModelDef("stock.lot", "Lot/Serial", {
            "name": F("char", "Lot/Serial Number", required=True),
            "product_id": F("many2one", "Product", relation="product.product", required=True),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
        }, class_name="StockLot", order="name, id"),
        ModelDef("stock.warehouse", "Warehouse", {
            "name": F("char", "Warehouse", required=True),
            "code": F("char", "Short Name", required=True),
            "lot_stock_id": F("many2one", "Location Stock", relation="stock.location"),
            "view_location_id": F("many2one", "View Location", relation="stock.location"),
            "wh_output_stock_loc_id": F("many2one", "Output Location", relation="stock.location"),
            "wh_pack_stock_loc_id": F("many2one", "Packing Location", relation="stock.location"),
            # stock_warehouse.py: the outgoing route follows delivery_steps (_get_routes_values)
            "delivery_steps": F("selection", "Outgoing Shipments", required=True, default="ship_only", selection=[
                ("ship_only", "Deliver (1 step)" if version >= 18 else "Deliver goods directly (1 step)"),
                ("pick_ship", "Pick then Deliver (2 steps)" if version >= 18
                 else "Send goods in output and then deliver (2 steps)"),
                ("pick_pack_ship", "Pick, Pack, then Deliver (3 steps)" if version >= 18
                 else "Pack goods, send goods in output and then deliver (3 steps)")]),
            "in_type_id": F("many2one", "In Type", relation="stock.picking.type"),
            "out_type_id": F("many2one", "Out Type", relation="stock.picking.type"),
            "pick_type_id": F("many2one", "Pick Type", relation="stock.picking.type"),
            "pack_type_id": F("many2one", "Pack Type", relation="stock.picking.type"),
            "int_type_id": F("many2one", "Internal Type", relation="stock.picking.type"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "active": F("boolean", "Active", default=True),
        }, class_name="StockWarehouse", order="id"),
        # addons/stock/models/stock_quant.py: stock per product, location and lot
        ModelDef("stock.quant", "Quants", {
            "product_id": F("many2one", "Product", relation="product.product", required=True),
            "location_id": F("many2one", "Location", relation="stock.location", required=True),
            "lot_id": F("many2one", "Lot/Serial Number", relation="stock.lot"),
            "quantity": F("float", "Quantity", readonly=True),
            "reserved_quantity": F("float", "Reserved Quantity", compute=_quant_reserved),
            "available_quantity": F("float", "Available Quantity", compute=lambda env, row: (
                float(row.get("quantity") or 0.0) - _quant_reserved(env, row))),
            "inventory_quantity": F("float", "Counted Quantity"),
            "inventory_diff_quantity": F("float", "Difference", compute=lambda env, row: (
                float(row.get("inventory_quantity") or 0.0) - float(row.get("quantity") or 0.0)
                if row.get("inventory_quantity_set") else 0.0)),
            "inventory_quantity_set": F("boolean", "Inventory Quantity Set"),
            "in_date": F("datetime", "Incoming Date", default=now_str),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
        }, class_name="StockQuant", order="id"),
        ModelDef(package_model, "Packages", {
            "name": F("char", "Package Reference"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
        }, class_name="StockPackage" if version >= 19 else "StockQuantPackage", order="name"),
        ModelDef("stock.picking", "Transfer", {
            "name": F("char", "Reference", default="/"),
            "origin": F("char", "Source Document"),
            "note": F("html", "Notes"),
            "backorder_id": F("many2one", "Back Order of", relation="stock.picking"),
            "backorder_ids": F("one2many", "Back Orders", relation="stock.picking", inverse="backorder_id"),
            "move_type": F("selection", "Shipping Policy", required=True, default="direct", selection=[
                ("direct", "As soon as possible"), ("one", "When all products are ready")]),
            "state": F("selection", "Status", default="draft", selection=PICKING_STATES),
            "priority": F("selection", "Priority", default="0", selection=[("0", "Normal"), ("1", "Urgent")]),
            "scheduled_date": F("datetime", "Scheduled Date", default=now_str),
            "date_deadline": F("datetime", "Deadline"),
            "date_done": F("datetime", "Date of Transfer"),
            "location_id": F("many2one", "Source Location", relation="stock.location"),
            "location_dest_id": F("many2one", "Destination Location", relation="stock.location"),
            "move_ids": F("one2many", "Stock Moves", relation="stock.move", inverse="picking_id"),
            "move_line_ids": F("one2many", "Operations", relation="stock.move.line", inverse="picking_id"),
            "picking_type_id": F("many2one", "Operation Type", relation="stock.picking.type", required=True),
            "picking_type_code": F("selection", "Type of Operation", selection=[
                ("incoming", "Receipt"), ("outgoing", "Delivery"), ("internal", "Internal Transfer")],
                compute=lambda env, row: (env.get("stock.picking.type", row.get("picking_type_id"))
                                          or {}).get("code") or False),
            "partner_id": F("many2one", "Contact", relation="res.partner"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "user_id": F("many2one", "Responsible", relation="res.users", default=ADMIN_UID),
            "is_locked": F("boolean", "Is Locked", default=True),
            "carrier_id": F("many2one", "Carrier", relation="delivery.carrier"),
            "carrier_tracking_ref": F("char", "Tracking Reference"),
            "weight": F("float", "Weight", compute=_picking_weight),
            "shipping_weight": F("float", "Weight for Shipping", default=lambda: None,
                                 fallback=_shipping_weight),
            # sale_stock: related="group_id.sale_id", store=True (17, 18); stored in 19
            "sale_id": F("many2one", "Sales Order", relation="sale.order"),
        }, class_name="StockPicking", order="priority desc, scheduled_date asc, id desc",
           mail_thread=True),
        ModelDef("stock.move", "Stock Move", {
            "name": F("char", "Description"),
            "sequence": F("integer", "Sequence", default=10),
            "date": F("datetime", "Date Scheduled", default=now_str),
            "origin": F("char", "Source Document"),
            "product_id": F("many2one", "Product", relation="product.product", required=True),
            "product_uom_qty": F("float", "Demand", required=True, default=1.0),
            # compute='_compute_product_uom' (the product's unit), store, readonly=False
            "product_uom": F("many2one", "Unit" if version >= 19 else "UoM", relation="uom.uom", required=True),
            "product_qty": F("float", "Real Quantity", compute=lambda env, row: uom_convert(
                env, row.get("product_uom_qty"), row.get("product_uom"),
                (env.get("product.product", row.get("product_id")) or {}).get("uom_id"), method="HALF-UP")),
            "quantity": F("float", "Quantity"),
            "picked": F("boolean", "Picked"),
            "state": F("selection", "Status", default="draft", selection=MOVE_STATES),
            "picking_id": F("many2one", "Transfer", relation="stock.picking"),
            "location_id": F("many2one", "Source Location", relation="stock.location"),
            "location_dest_id": F("many2one", "Destination Location", relation="stock.location"),
            "move_line_ids": F("one2many", "Move Lines", relation="stock.move.line", inverse="move_id"),
            "lot_ids": F("many2many", "Serial Numbers", relation="stock.lot"),
            # related='product_id.tracking' (17, 18, 19)
            "has_tracking": F("selection", "Product with Tracking", selection=[
                ("serial", "By Unique Serial Number"), ("lot", "By Lots"), ("none", "By Quantity")],
                compute=lambda env, row: (
                env.get("product.product", row.get("product_id")) or {}).get("tracking") or "none"),
            "partner_id": F("many2one", "Destination Address", relation="res.partner"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "reference": F("char", "Reference", compute=lambda env, row: (
                env.get("stock.picking", row.get("picking_id")) or {}).get("name") or False),
            "weight": F("float", "Weight", compute=_move_weight),
            "sale_line_id": F("many2one", "Sale Line", relation="sale.order.line"),
            # the chain of a multi-step delivery: one stock_move_move_rel table seen from both ends
            "move_dest_ids": F("many2many", "Destination Moves", relation="stock.move"),
            "move_orig_ids": F("many2many", "Original Move", relation="stock.move", compute=_move_origins),
            "procure_method": F("selection", "Supply Method", required=True, default="make_to_stock", selection=[
                ("make_to_stock", "Default: Take From Stock"), ("make_to_order", "Advanced: Apply Procurement Rules")]),
            **({"location_final_id": F("many2one", "Final Location", relation="stock.location")}
               if version >= 18 else {}),
        }, class_name="StockMove", order="sequence, id", display=_move_display),
        ModelDef("stock.move.line", "Product Moves (Stock Move Line)", {
            "move_id": F("many2one", "Stock Operation", relation="stock.move", ondelete="cascade"),
            "picking_id": F("many2one", "Transfer", relation="stock.picking"),
            "product_id": F("many2one", "Product", relation="product.product"),
            "product_uom_id": F("many2one", "Unit" if version >= 19 else "Unit of Measure", relation="uom.uom",
                                required=True),
            "quantity": F("float", "Quantity"),
            "quantity_product_uom": F("float", "Quantity in Product UoM", compute=_line_product_qty),
            "picked": F("boolean", "Picked"),
            "lot_id": F("many2one", "Lot/Serial Number", relation="stock.lot"),
            "lot_name": F("char", "Lot/Serial Number Name"),
            "package_id": F("many2one", "Source Package", relation=package_model),
            "result_package_id": F("many2one", "Destination Package", relation=package_model),
            "location_id": F("many2one", "From", relation="stock.location"),
            "location_dest_id": F("many2one", "To", relation="stock.location"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "date": F("datetime", "Date", default=now_str),
            "state": F("selection", "Status", selection=MOVE_STATES, compute=lambda env, row: (
                env.get("stock.move", row.get("move_id")) or {}).get("state") or False),
        }, class_name="StockMoveLine", order="id",
           display=lambda env, row: env.display_name_of(
               "product.product", env.get("product.product", row.get("product_id"))) or ""),
        ModelDef("stock.backorder.confirmation", "Backorder Confirmation", {
            "pick_ids": F("many2many", "Pick", relation="stock.picking"),
            "show_transfers": F("boolean", "Show Transfers"),
            "backorder_confirmation_line_ids": F(
                "one2many", "Backorder Confirmation Lines",
                relation="stock.backorder.confirmation.line", inverse="backorder_confirmation_id"),
        }, class_name="StockBackorderConfirmation", transient=True),
        ModelDef("stock.backorder.confirmation.line", "Backorder Confirmation Line", {
            "backorder_confirmation_id": F("many2one", "Immediate Transfer",
                                           relation="stock.backorder.confirmation", ondelete="cascade"),
            "picking_id": F("many2one", "Transfer", relation="stock.picking"),
            "to_backorder": F("boolean", "To Backorder"),
        }, class_name="StockBackorderConfirmationLine", transient=True),
        ModelDef("confirm.stock.sms", "Confirm Stock SMS", {
            "pick_ids": F("many2many", "Pick", relation="stock.picking"),
        }, class_name="ConfirmStockSms", transient=True),
        ModelDef("mail.message.subtype", "Message subtypes", {
            "name": F("char", "Message Type", required=True),
            "internal": F("boolean", "Internal Only"),
        }, class_name="MailMessageSubtype", order="id"),
        ModelDef("mail.message", "Message", {
            "subject": F("char", "Subject"),
            "body": F("html", "Contents"),
            "model": F("char", "Related Document Model"),
            "res_id": F("integer", "Related Document ID"),
            "message_type": F("selection", "Type", default="comment", selection=[
                ("email", "Incoming Email"), ("comment", "Comment"), ("email_outgoing", "Outgoing Email"),
                ("notification", "System notification"), ("auto_comment", "Automated Targeted Notification"),
                ("user_notification", "User Specific Notification")]),
            "subtype_id": F("many2one", "Subtype", relation="mail.message.subtype"),
            "author_id": F("many2one", "Author", relation="res.partner"),
            "partner_ids": F("many2many", "Recipients", relation="res.partner"),
            "attachment_ids": F("many2many", "Attachments", relation="ir.attachment"),
            "mail_activity_type_id": F("many2one", "Mail Activity Type", relation="mail.activity.type"),
            "date": F("datetime", "Date", default=now_str),
        }, class_name="MailMessage", order="id desc", rec_name="subject"),
        # addons/mail/models/mail_tracking_value.py: what a tracked field was and
        # became, one row per field of a message; only administrators read it.
        ModelDef("mail.tracking.value", "Mail Tracking Value", {
            "field_id": F("many2one", "Field", relation="ir.model.fields", readonly=True),
            "old_value_char": F("char", "Old Value Char", readonly=True),
            "new_value_char": F("char", "New Value Char", readonly=True),
            "mail_message_id": F("many2one", "Message ID", relation="mail.message", required=True),
        }, class_name="MailTrackingValue", order="id desc"),
        # addons/mail/models/mail_followers.py: unique (res_model, res_id, partner_id)
        ModelDef("mail.followers", "Document Followers", {
            "res_model": F("char", "Related Document Model Name", required=True),
            "res_id": F("integer", "Related Document ID"),
            "partner_id": F("many2one", "Related Partner", relation="res.partner", required=True,
                            ondelete="cascade"),
            "subtype_ids": F("many2many", "Subtype", relation="mail.message.subtype"),
            "name": F("char", "Name", compute=lambda env, row: (
                env.get("res.partner", row.get("partner_id")) or {}).get("name") or False),
        }, class_name="MailFollowers", order="id"),
        # addons/mail/models/mail_activity_type.py
        ModelDef("mail.activity.type", "Activity Type", {
            "name": F("char", "Name", required=True),
            "summary": F("char", "Default Summary"),
            "sequence": F("integer", "Sequence", default=10),
            "active": F("boolean", "Active", default=True),
            "delay_count": F("integer", "Schedule"),
            "delay_unit": F("selection", "Delay units", required=True, default="days", selection=[
                ("days", "days"), ("weeks", "weeks"), ("months", "months")]),
            "icon": F("char", "Icon"),
            "decoration_type": F("selection", "Decoration Type", selection=[
                ("warning", "Alert"), ("danger", "Error")]),
            "category": F("selection", "Action", default="default", selection=[
                ("default", "None"), ("upload_file", "Upload Document"), ("phonecall", "Phonecall")]),
            "res_model": F("char", "Model"),
        }, class_name="MailActivityType", order="sequence, id"),
        # addons/mail/models/mail_activity.py
        ModelDef("mail.activity", "Activity", {
            # 19: an activity may belong to no document (then it needs a user)
            "res_model_id": F("many2one", "Document Model", relation="ir.model", required=version < 19,
                              ondelete="cascade"),
            "res_model": F("char", "Related Document Model", readonly=True),
            "res_id": F("integer", "Related Document ID"),
            "res_name": F("char", "Document Name", readonly=True),
            "activity_type_id": F("many2one", "Activity Type", relation="mail.activity.type"),
            "activity_category": F("char", "Action", compute=lambda env, row: (
                env.get("mail.activity.type", row.get("activity_type_id")) or {}).get("category") or False),
            "icon": F("char", "Icon", compute=lambda env, row: (
                env.get("mail.activity.type", row.get("activity_type_id")) or {}).get("icon") or False),
            "summary": F("char", "Summary"),
            "note": F("html", "Note"),
            "date_deadline": F("date", "Due Date", required=True, default=lambda: now_str()[:10]),
            "automated": F("boolean", "Automated activity", readonly=True),
            "user_id": F("many2one", "Assigned to", relation="res.users", required=True, default=ADMIN_UID),
            "state": F("selection", "State", selection=[
                ("overdue", "Overdue"), ("today", "Today"), ("planned", "Planned")], compute=_activity_state),
        }, class_name="MailActivity", order="date_deadline ASC, id ASC", rec_name="summary"),
        # odoo/addons/base/models/ir_attachment.py
        ModelDef("ir.attachment", "Attachment", {
            "name": F("char", "Name", required=True),
            "description": F("text", "Description"),
            "res_model": F("char", "Resource Model"),
            "res_field": F("char", "Resource Field"),
            "res_id": F("integer", "Resource ID"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "type": F("selection", "Type", required=True, default="binary", selection=[
                ("url", "URL"), ("binary", "File")]),
            "url": F("char", "Url"),
            "public": F("boolean", "Is public document"),
            "access_token": F("char", "Access Token"),
            "raw": F("binary", "File Content (raw)", compute=lambda env, row: False),
            "datas": F("binary", "File Content (base64)"),
            "store_fname": F("char", "Stored Filename", readonly=True),
            "file_size": F("integer", "File Size", readonly=True),
            "checksum": F("char", "Checksum/SHA1", readonly=True),
            "mimetype": F("char", "Mime Type"),
        }, class_name="IrAttachment", order="id desc"),
        ModelDef("ir.model.data", "Model Data", {
            "name": F("char", "External Identifier", required=True),
            "complete_name": F("char", "Complete ID", compute=lambda env, row: (
                f"{row.get('module')}.{row.get('name')}" if row.get("module") else row.get("name") or False)),
            "model": F("char", "Model Name", required=True),
            "module": F("char", "Module", required=True, default=""),
            "res_id": F("integer", "Record ID"),
            "noupdate": F("boolean", "Non Updatable"),
        }, class_name="IrModelData", order="module, model, name"),
        ModelDef("ir.model", "Models", {
            "name": F("char", "Model Description", required=True),
            "model": F("char", "Model", required=True),
            "state": F("selection", "Type", default="manual", selection=[
                ("manual", "Custom Object"), ("base", "Base Object")]),
            "transient": F("boolean", "Transient Model"),
            "is_mail_thread": F("boolean", "Has Mail Thread", compute=lambda env, row: bool(
                getattr(env.store.schema.get(row.get("model")), "mail_thread", False))),
            "field_id": F("one2many", "Fields", relation="ir.model.fields", inverse="model_id"),
            "access_ids": F("one2many", "Access", relation="ir.model.access", inverse="model_id"),
        }, class_name="IrModel", order="model"),
        ModelDef("ir.model.fields", "Fields", {
            "name": F("char", "Field Name", required=True),
            "model": F("char", "Model Name"),
            "model_id": F("many2one", "Model", relation="ir.model", required=True, ondelete="cascade"),
            "field_description": F("char", "Field Label", required=True),
            "ttype": F("selection", "Field Type", required=True,
                       selection=[(t, t) for t in FIELD_TYPES]),
            "relation": F("char", "Related Model"),
            "relation_field": F("char", "Relation Field"),
            "selection": F("char", "Selection Options (Deprecated)"),
            "required": F("boolean", "Required"),
            "readonly": F("boolean", "Readonly"),
            "store": F("boolean", "Stored", default=True),
            "copied": F("boolean", "Copied"),
            "index": F("boolean", "Indexed"),
            "state": F("selection", "Type", default="manual", selection=[
                ("manual", "Custom Field"), ("base", "Base Field")]),
            "help": F("text", "Field Help"),
        }, class_name="IrModelFields", order="name",
           display=lambda env, row: f"{row.get('field_description') or ''} ({row.get('model') or ''})"),
        # odoo/addons/base/models/ir_model.py IrModelAccess: only the rows made
        # through the API are kept (those of the custom models; the standard
        # models' rights are the ACCESS table)
        ModelDef("ir.model.access", "Model Access", {
            "name": F("char", "Name", required=True),
            "active": F("boolean", "Active", default=True),
            "model_id": F("many2one", "Model", relation="ir.model", required=True, ondelete="cascade"),
            "group_id": F("many2one", "Group", relation="res.groups"),
            "perm_read": F("boolean", "Read Access"),
            "perm_write": F("boolean", "Write Access"),
            "perm_create": F("boolean", "Create Access"),
            "perm_unlink": F("boolean", "Delete Access"),
        }, class_name="IrModelAccess", order="model_id,group_id,name,id"),
    ]
    models += sale_account_models(version)
    models += uom_models(version)
    for mdef in models:
        if mdef.mail_thread:
            # mail.thread / mail.activity.mixin: non-stored one2many on res_model/res_id
            mdef.add_field("message_ids", F("one2many", "Messages", relation="mail.message",
                                            compute=lambda env, row, _m=mdef.name: _thread_rows(
                                                env, "mail.message", _m, row["id"])))
            mdef.add_field("activity_ids", F("one2many", "Activities", relation="mail.activity",
                                             compute=lambda env, row, _m=mdef.name: _thread_rows(
                                                 env, "mail.activity", _m, row["id"])))
            mdef.add_field("message_follower_ids", F("one2many", "Followers", relation="mail.followers",
                                                     compute=lambda env, row, _m=mdef.name: _thread_rows(
                                                         env, "mail.followers", _m, row["id"])))
    return {m.name: m for m in models}


# -- sale_management, sale_stock, account (a digest) --------------------------
# addons/sale/models/sale_order.py: SALE_ORDER_STATE and INVOICE_STATUS. Odoo 17
# (odoo/odoo#115871, saas-16.4) replaced the 'done' ("Locked") state by the
# `locked` boolean, so 17, 18 and 19 share these four states.
SALE_ORDER_STATES = [("draft", "Quotation"), ("sent", "Quotation Sent"), ("sale", "Sales Order"),
                     ("cancel", "Cancelled")]
INVOICE_STATUS = [("upselling", "Upselling Opportunity"), ("invoiced", "Fully Invoiced"),
                  ("to invoice", "To Invoice"), ("no", "Nothing to Invoice")]
DELIVERY_STATUS = [("pending", "Not Delivered"), ("started", "Started"), ("partial", "Partially Delivered"),
                   ("full", "Fully Delivered")]
MOVE_TYPES = [("entry", "Journal Entry"), ("out_invoice", "Customer Invoice"), ("out_refund", "Customer Credit Note"),
              ("in_invoice", "Vendor Bill"), ("in_refund", "Vendor Credit Note"),
              ("out_receipt", "Sales Receipt"), ("in_receipt", "Purchase Receipt")]
DRAFT_MOVE_NAMES = {"out_invoice": "Draft Invoice", "out_refund": "Draft Credit Note", "in_invoice": "Draft Bill",
                    "in_refund": "Draft Vendor Credit Note", "out_receipt": "Draft Sales Receipt",
                    "in_receipt": "Draft Purchase Receipt", "entry": "Draft Entry"}
SALE_SEQUENCE = "sale.order"


def _so_lines(env, order) -> list:
    return env.o2m_rows("sale.order.line", "order_id", order["id"])


def _sol_order(env, line) -> dict:
    return env.get("sale.order", line.get("order_id")) or {}


def _sol_moves(env, line) -> list:
    return [m for m in env.table("stock.move").values() if m.get("sale_line_id") == line["id"]]


def _to_customer(env, move) -> bool:
    return ((env.get("stock.location", move.get("location_dest_id")) or {}).get("usage")) == "customer"


def sol_uom_field(version: int) -> str:
    """sale.order.line's unit: product_uom (17/18), product_uom_id (19)."""
    return "product_uom_id" if version >= 19 else "product_uom"


def _sol_uom(env, line):
    return line.get(sol_uom_field(env.version)) or (
        env.get("product.product", line.get("product_id")) or {}).get("uom_id") or UOM_UNITS


def _sol_qty_delivered(env, line) -> float:
    """sale_stock sale.order.line._compute_qty_delivered (method stock_move): the
    quantity of the done moves going to a customer location, in the line's unit."""
    return float(sum(uom_convert(env, m.get("quantity"), m.get("product_uom"), _sol_uom(env, line),
                                 method="HALF-UP")
                     for m in _sol_moves(env, line) if m["state"] == "done" and _to_customer(env, m)))


def _sol_invoice_lines(env, line) -> list:
    return [aml["id"] for aml in env.table("account.move.line").values()
            if line["id"] in (aml.get("sale_line_ids") or [])]


def _sol_qty_invoiced(env, line) -> float:
    """sale.order.line._compute_qty_invoiced: invoice lines of moves not cancelled
    (drafts count), refunds subtract."""
    total = 0.0
    for aml_id in _sol_invoice_lines(env, line):
        aml = env.get("account.move.line", aml_id)
        move = env.get("account.move", aml.get("move_id")) or {}
        if move.get("state") == "cancel":
            continue
        if move.get("move_type") == "out_invoice":
            total += float(aml.get("quantity") or 0.0)
        elif move.get("move_type") == "out_refund":
            total -= float(aml.get("quantity") or 0.0)
    return total


def _sol_qty_to_invoice(env, line) -> float:
    """sale.order.line._compute_qty_to_invoice: by the product's invoicing policy."""
    if _sol_order(env, line).get("state") != "sale":
        return 0.0
    product = env.get("product.product", line.get("product_id")) or {}
    base = (float(line.get("product_uom_qty") or 0.0) if (product.get("invoice_policy") or "order") == "order"
            else _sol_qty_delivered(env, line))
    return base - _sol_qty_invoiced(env, line)


def _sol_invoice_status(env, line) -> str:
    """sale.order.line._compute_invoice_status."""
    if _sol_order(env, line).get("state") != "sale":
        return "no"
    product = env.get("product.product", line.get("product_id")) or {}
    ordered = float(line.get("product_uom_qty") or 0.0)
    if abs(_sol_qty_to_invoice(env, line)) > 1e-6:
        return "to invoice"
    if ((product.get("invoice_policy") or "order") == "order" and ordered >= 0.0
            and _sol_qty_delivered(env, line) > ordered + 1e-6):
        return "upselling"
    if _sol_qty_invoiced(env, line) >= ordered - 1e-6:
        return "invoiced"
    return "no"


def _so_invoice_status(env, order) -> str:
    """sale.order._compute_invoice_status."""
    if order.get("state") != "sale":
        return "no"
    statuses = [_sol_invoice_status(env, line) for line in _so_lines(env, order)]
    if "to invoice" in statuses:
        return "to invoice"
    if statuses and all(s == "invoiced" for s in statuses):
        return "invoiced"
    if statuses and all(s in ("invoiced", "upselling") for s in statuses):
        return "upselling"
    return "no"


def _so_invoices(env, order) -> list:
    """sale.order._get_invoiced: the customer invoices and credit notes of the lines."""
    ids = []
    for line in _so_lines(env, order):
        for aml_id in _sol_invoice_lines(env, line):
            move = env.get("account.move", env.get("account.move.line", aml_id).get("move_id")) or {}
            if move.get("move_type") in ("out_invoice", "out_refund") and move["id"] not in ids:
                ids.append(move["id"])
    return sorted(ids)


def _so_pickings(env, order) -> list:
    return [p for p in env.table("stock.picking").values() if p.get("sale_id") == order["id"]]


def _so_delivery_status(env, order):
    """sale_stock sale.order._compute_delivery_status."""
    pickings = _so_pickings(env, order)
    if not pickings or all(p["state"] == "cancel" for p in pickings):
        return False
    if all(p["state"] in ("done", "cancel") for p in pickings):
        return "full"
    if any(p["state"] == "done" for p in pickings):
        if any(_sol_qty_delivered(env, line) for line in _so_lines(env, order)):
            return "partial"
        return "started"
    return "pending"


def _sol_subtotal(env, line) -> float:
    return float(line.get("product_uom_qty") or 0.0) * float(line.get("price_unit") or 0.0)


def _aml_subtotal(env, row) -> float:
    return float(row.get("quantity") or 0.0) * float(row.get("price_unit") or 0.0)


def _move_amount(env, row) -> float:
    return float(sum(_aml_subtotal(env, aml) for aml in env.o2m_rows("account.move.line", "move_id", row["id"])))


def _account_move_display(env, row) -> str:
    """account.move._get_move_display_name."""
    name = f"{DRAFT_MOVE_NAMES.get(row.get('move_type'), 'Draft Entry')} " if row.get("state") == "draft" else ""
    if not row.get("name") or row.get("name") == "/":
        return f"{name}(* {row['id']})"
    return name + row["name"]


def _sol_display(env, row) -> str:
    order = _sol_order(env, row)
    text = (row.get("name") or "").split("\n")[0] or env.display_name("product.product", row.get("product_id"))
    return f"{order.get('name') or ''} - {text}"


def sale_account_models(version: int) -> list:
    """sale.order, sale.order.line and their wizards (sale, sale_stock, delivery),
    account.move and account.move.line: the fields an integration reads. Odoo 19
    has no sale.order.cancel wizard: action_cancel cancels at once."""
    models = _sale_account_models(version)
    if version >= 19:
        models = [m for m in models if m.name != "sale.order.cancel"]
    return models


def _sale_account_models(version: int) -> list:
    F = Field
    return [
        ModelDef("sale.order", "Sales Order", {
            "name": F("char", "Order Reference", required=True, default="New"),
            "state": F("selection", "Status", default="draft", selection=SALE_ORDER_STATES),
            "locked": F("boolean", "Locked"),
            "partner_id": F("many2one", "Customer", relation="res.partner", required=True),
            "partner_invoice_id": F("many2one", "Invoice Address", relation="res.partner"),
            "partner_shipping_id": F("many2one", "Delivery Address", relation="res.partner"),
            "client_order_ref": F("char", "Customer Reference"),
            "origin": F("char", "Source Document"),
            "note": F("html", "Terms and conditions"),
            "date_order": F("datetime", "Order Date", required=True, default=now_str),
            "commitment_date": F("datetime", "Delivery Date"),
            "user_id": F("many2one", "Salesperson", relation="res.users", default=ADMIN_UID),
            "company_id": F("many2one", "Company", relation="res.company", required=True, default=COMPANY_ID),
            "order_line": F("one2many", "Order Lines", relation="sale.order.line", inverse="order_id"),
            "amount_untaxed": F("monetary", "Untaxed Amount", compute=lambda env, row: float(
                sum(_sol_subtotal(env, line) for line in _so_lines(env, row)))),
            "amount_tax": F("monetary", "Taxes", compute=lambda env, row: 0.0),
            "amount_total": F("monetary", "Total", compute=lambda env, row: float(
                sum(_sol_subtotal(env, line) for line in _so_lines(env, row)))),
            "invoice_ids": F("many2many", "Invoices", relation="account.move", compute=_so_invoices),
            "invoice_count": F("integer", "Invoice Count", compute=lambda env, row: len(_so_invoices(env, row))),
            "invoice_status": F("selection", "Invoice Status", selection=INVOICE_STATUS, compute=_so_invoice_status),
            # sale_stock
            "picking_policy": F("selection", "Shipping Policy", required=True, default="direct", selection=[
                ("direct", "As soon as possible"), ("one", "When all products are ready")]),
            "picking_ids": F("one2many", "Transfers", relation="stock.picking", inverse="sale_id"),
            "delivery_count": F("integer", "Delivery Orders", compute=lambda env, row: len(_so_pickings(env, row))),
            "delivery_status": F("selection", "Delivery Status", selection=DELIVERY_STATUS,
                                 compute=_so_delivery_status),
            "warehouse_id": F("many2one", "Warehouse", relation="stock.warehouse", required=True, default=1),
            # delivery
            "carrier_id": F("many2one", "Delivery Method", relation="delivery.carrier"),
        }, class_name="SaleOrder", order="date_order desc, id desc", mail_thread=True),
        ModelDef("sale.order.line", "Sales Order Line", {
            "order_id": F("many2one", "Order Reference", relation="sale.order", required=True, ondelete="cascade"),
            "sequence": F("integer", "Sequence", default=10),
            "name": F("text", "Description"),
            "product_id": F("many2one", "Product", relation="product.product"),
            "product_uom_qty": F("float", "Quantity", default=1.0),
            # the product's unit unless given (_compute_product_uom / _compute_product_uom_id)
            sol_uom_field(version): F("many2one", "Unit" if version >= 19 else "Unit of Measure",
                                      relation="uom.uom"),
            "price_unit": F("float", "Unit Price"),
            "price_subtotal": F("monetary", "Subtotal", compute=_sol_subtotal),
            "price_total": F("monetary", "Total", compute=_sol_subtotal),
            "qty_delivered": F("float", "Delivery Quantity", compute=_sol_qty_delivered),
            "qty_invoiced": F("float", "Invoiced Quantity", compute=_sol_qty_invoiced),
            "qty_to_invoice": F("float", "Quantity To Invoice", compute=_sol_qty_to_invoice),
            "invoice_status": F("selection", "Invoice Status", selection=INVOICE_STATUS, compute=_sol_invoice_status),
            "invoice_lines": F("many2many", "Invoice Lines", relation="account.move.line", compute=_sol_invoice_lines),
            "state": F("selection", "Order Status", selection=SALE_ORDER_STATES,
                       compute=lambda env, row: _sol_order(env, row).get("state") or False),
            "order_partner_id": F("many2one", "Customer", relation="res.partner",
                                  compute=lambda env, row: _sol_order(env, row).get("partner_id") or False),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "move_ids": F("one2many", "Stock Moves", relation="stock.move", inverse="sale_line_id"),
        }, class_name="SaleOrderLine", order="order_id, sequence, id", display=_sol_display),
        ModelDef("sale.advance.payment.inv", "Sales Advance Payment Invoice", {
            "advance_payment_method": F("selection", "Create Invoice", required=True, default="delivered", selection=[
                ("delivered", "Regular invoice"), ("percentage", "Down payment (percentage)"),
                ("fixed", "Down payment (fixed amount)")]),
            "sale_order_ids": F("many2many", "Sale Order", relation="sale.order"),
            "count": F("integer", "Order Count", compute=lambda env, row: len(row.get("sale_order_ids") or [])),
            "deduct_down_payments": F("boolean", "Deduct down payments", default=True),
            "consolidated_billing": F("boolean", "Consolidated Billing", default=True),
            "amount": F("float", "Down Payment"),
            "fixed_amount": F("monetary", "Down Payment Amount (Fixed)"),
        }, class_name="SaleAdvancePaymentInv", transient=True),
        ModelDef("sale.order.cancel", "Sales Order Cancel", {
            "order_id": F("many2one", "Sale Order", relation="sale.order", required=True, ondelete="cascade"),
            "subject": F("char", "Subject"),
            "body": F("html", "Contents"),
        }, class_name="SaleOrderCancel", transient=True, rec_name="subject"),
        ModelDef("account.move", "Journal Entry", {
            "name": F("char", "Number", default="/"),
            "ref": F("char", "Reference"),
            "move_type": F("selection", "Type", required=True, default="entry", selection=MOVE_TYPES),
            "state": F("selection", "Status", required=True, default="draft", selection=[
                ("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")]),
            "date": F("date", "Date", required=True, default=lambda: now_str()[:10]),
            "invoice_date": F("date", "Invoice/Bill Date"),
            "partner_id": F("many2one", "Partner", relation="res.partner"),
            "invoice_origin": F("char", "Origin"),
            "payment_state": F("selection", "Payment Status", default="not_paid", selection=[
                ("not_paid", "Not Paid"), ("in_payment", "In Payment"), ("paid", "Paid"),
                ("partial", "Partially Paid"), ("reversed", "Reversed"), ("invoicing_legacy", "Invoicing App Legacy")]),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
            "invoice_line_ids": F("one2many", "Invoice lines", relation="account.move.line", inverse="move_id"),
            "line_ids": F("one2many", "Journal Items", relation="account.move.line", inverse="move_id"),
            "amount_untaxed": F("monetary", "Untaxed Amount", compute=_move_amount),
            "amount_tax": F("monetary", "Tax", compute=lambda env, row: 0.0),
            "amount_total": F("monetary", "Total", compute=_move_amount),
            "amount_residual": F("monetary", "Amount Due", compute=lambda env, row: (
                0.0 if row.get("state") != "posted" else _move_amount(env, row))),
        }, class_name="AccountMove", order="date desc, name desc, id desc", display=_account_move_display,
           mail_thread=True),
        ModelDef("account.move.line", "Journal Item", {
            "move_id": F("many2one", "Journal Entry", relation="account.move", required=True, ondelete="cascade"),
            "sequence": F("integer", "Sequence", default=10),
            "name": F("char", "Label"),
            "display_type": F("selection", "Display Type", default="product", selection=[
                ("product", "Product"), ("line_section", "Section"), ("line_note", "Note")]),
            "product_id": F("many2one", "Product", relation="product.product"),
            "quantity": F("float", "Quantity", default=1.0),
            "price_unit": F("float", "Unit Price"),
            "price_subtotal": F("monetary", "Subtotal", compute=_aml_subtotal),
            "price_total": F("monetary", "Total", compute=_aml_subtotal),
            "partner_id": F("many2one", "Partner", relation="res.partner", compute=lambda env, row: (
                env.get("account.move", row.get("move_id")) or {}).get("partner_id") or False),
            "parent_state": F("selection", "Status", selection=[
                ("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled")], compute=lambda env, row: (
                    env.get("account.move", row.get("move_id")) or {}).get("state") or False),
            "sale_line_ids": F("many2many", "Sales Order Lines", relation="sale.order.line"),
            "company_id": F("many2one", "Company", relation="res.company", default=COMPANY_ID),
        }, class_name="AccountMoveLine", order="sequence, id",
           display=lambda env, row: row.get("name") or env.display_name("product.product", row.get("product_id"))),
    ]


def _thread_rows(env, model: str, res_model: str, res_id: int) -> list[int]:
    rows = [r for r in env.table(model).values() if r.get("model" if model == "mail.message" else "res_model")
            == res_model and r.get("res_id") == res_id]
    return [r["id"] for r in sort_rows(env, model, rows, None)]


def _activity_state(env, row):
    """mail.activity._compute_state_from_date (UTC; the simulated users have no tz)."""
    deadline = row.get("date_deadline")
    if not deadline:
        return False
    today = now_str()[:10]
    return "today" if deadline == today else "overdue" if deadline < today else "planned"


def _group_full_name(env, row):
    """res.groups full_name: 'Category / Name' (17, 18) or 'Privilege / Name' (19)."""
    category = GROUP_CATEGORY.get(env.xmlid_of("res.groups", row["id"]))
    return f"{category} / {row.get('name')}" if category else (row.get("name") or "")


def implied_closure(env, group_ids) -> list[int]:
    """The groups and, transitively, the groups they imply (res.groups.all_implied_ids)."""
    seen, todo = [], list(group_ids or [])
    while todo:
        gid = todo.pop(0)
        if gid in seen:
            continue
        seen.append(gid)
        todo.extend((env.get("res.groups", gid) or {}).get("implied_ids") or [])
    return sorted(seen)


def user_group_field(version: int) -> str:
    return "group_ids" if version >= 19 else "groups_id"


def all_group_ids(env, uid) -> list[int]:
    user = env.get("res.users", uid) or {}
    return implied_closure(env, user.get(user_group_field(env.version)) or [])


def _group_users(env, row, implied: bool) -> list[int]:
    result = []
    for user in env.table("res.users").values():
        groups = user.get(user_group_field(env.version)) or []
        if implied:
            groups = implied_closure(env, groups)
        if row["id"] in groups:
            result.append(user["id"])
    return sorted(result)


# ===========================================================================
# Store: the in-memory database
# ===========================================================================

def _copy_row(row: dict) -> dict:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in row.items()}


class Store:
    """Tables (model -> id -> row), id counters, picking sequences and the schema.

    ``snapshot``/``restore`` give every RPC call the all-or-nothing behaviour
    of Odoo's one-transaction-per-call (odoo/service/model.py retrying).
    """

    def __init__(self, version: int):
        self.version = version
        self.schema = build_schema(version)
        self.tables: dict[str, dict[int, dict]] = {name: {} for name in self.schema}
        self.next_ids: dict[str, int] = {name: 1 for name in self.schema}
        self.sequences: dict[int, int] = {}

    def snapshot(self):
        return ({m: {i: _copy_row(r) for i, r in t.items()} for m, t in self.tables.items()},
                dict(self.next_ids), dict(self.sequences),
                {m: d.clone() for m, d in self.schema.items()})

    def restore(self, snap):
        tables, next_ids, sequences, schema = snap
        self.tables, self.next_ids, self.sequences, self.schema = tables, next_ids, sequences, schema

    def add_model(self, mdef: ModelDef):
        self.schema[mdef.name] = mdef
        self.tables.setdefault(mdef.name, {})
        self.next_ids.setdefault(mdef.name, 1)


# ===========================================================================
# Environment: a context plus row-level helpers
# ===========================================================================

class Env:
    """What a method sees: the store, the user (uid 2) and the call's context."""

    def __init__(self, sim: "Simulator", context=None):
        self.sim = sim
        self.store: Store = sim.store
        self.version = sim.version
        self.uid = ADMIN_UID
        self.context = dict(context or {})

    def __call__(self, **context) -> "Env":
        """with_context(**context)."""
        return Env(self.sim, {**self.context, **context})

    # -- rows ---------------------------------------------------------------
    def mdef(self, model: str) -> ModelDef:
        return self.store.schema[model]

    def table(self, model: str) -> dict:
        return self.store.tables[model]

    def get(self, model: str, rid):
        if not rid or isinstance(rid, bool):
            return None
        return self.store.tables[model].get(rid)

    def o2m_rows(self, model: str, inverse: str, rid: int) -> list:
        rows = [r for r in self.store.tables[model].values() if r.get(inverse) == rid]
        return sort_rows(self, model, rows, None)

    def insert(self, model: str, values: dict, rid: int | None = None) -> dict:
        """Insert a row as the ORM stores it: defaults for missing stored fields,
        magic fields, no conversion and no business hooks."""
        mdef = self.mdef(model)
        row = {}
        for fname, field in mdef.fields.items():
            if field.store and fname != "id":
                row[fname] = values[fname] if fname in values else field.default_value()
        stamp = values.get("create_date") or now_str()
        row["create_date"] = stamp
        row["write_date"] = values.get("write_date") or stamp
        row["create_uid"] = row["write_uid"] = self.uid
        if rid is None:
            rid = self.store.next_ids[model]
        if rid in self.store.tables[model]:
            raise value_error(f"id {rid} already used in {model!r}")
        self.store.next_ids[model] = max(self.store.next_ids[model], rid + 1)
        row["id"] = rid
        self.store.tables[model][rid] = row
        return row

    def delete(self, model: str, rid: int):
        self.store.tables[model].pop(rid, None)

    # -- values ---------------------------------------------------------------
    def value(self, model: str, row: dict, fname: str):
        """Raw value of a field on a row, computing it when it is not stored."""
        field = self.mdef(model).fields[fname]
        if field.compute is not None:
            return field.compute(self, row)
        if field.type == "one2many":
            return [r["id"] for r in self.o2m_rows(field.relation, field.inverse, row["id"])]
        raw = row.get(fname, field.empty())
        if raw is None and field.fallback is not None:
            return field.fallback(self, row)
        return raw

    def display_name_of(self, model: str, row) -> str:
        if not row:
            return ""
        return self.mdef(model).display(self, row)

    def display_name(self, model: str, rid) -> str:
        return self.display_name_of(model, self.get(model, rid))

    def xmlid_of(self, model: str, rid) -> str | None:
        for row in self.store.tables.get("ir.model.data", {}).values():
            if row.get("model") == model and row.get("res_id") == rid:
                return f"{row['module']}.{row['name']}"
        return None

    def ref(self, xmlid: str):
        """env.ref(): the id behind an external id, ValueError if unknown."""
        module, _, name = xmlid.partition(".")
        for row in self.store.tables.get("ir.model.data", {}).values():
            if row.get("module") == module and row.get("name") == name:
                return row["res_id"]
        raise value_error(f"External ID not found in the system: {xmlid}")


def normalize_ids(ids) -> list[int]:
    """Model.browse(ids): an int or a list of ints, duplicates dropped."""
    if ids is None or ids is False:
        return []
    if isinstance(ids, bool):
        ids = [int(ids)]
    if isinstance(ids, int):
        ids = [ids]
    if not isinstance(ids, (list, tuple)) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise value_error(f"Invalid ids {ids!r}")
    return list(dict.fromkeys(ids))


class Records:
    """A recordset: env + model + ids (what ``self`` is in an Odoo method)."""

    def __init__(self, env: Env, model: str, ids=()):
        self.env = env
        self.model = model
        self.ids = normalize_ids(ids)

    @property
    def mdef(self) -> ModelDef:
        return self.env.mdef(self.model)

    def rows(self) -> list[dict]:
        """Existing rows; MissingError for ids that are gone (as a write would)."""
        table = self.env.table(self.model)
        missing = [i for i in self.ids if i not in table]
        if missing:
            raise missing_error(self.model, missing)
        return [table[i] for i in self.ids]

    def existing_rows(self) -> list[dict]:
        table = self.env.table(self.model)
        return [table[i] for i in self.ids if i in table]

    def ensure_one(self) -> dict:
        if len(self.ids) != 1:
            raise value_error(f"Expected singleton: {self.model}{tuple(self.ids)!r}")
        return self.rows()[0]


# ===========================================================================
# Value conversion: what write()/create() store, what read() returns
# ===========================================================================

def _wrong_value(model: str, field: Field, value) -> PythonError:
    return value_error(f"Wrong value for {model}.{field.name}: {value!r}")


def _parse_datetime(value, kind: str):
    """fields.Datetime/Date.to_datetime: 'YYYY-MM-DD HH:MM:SS' or 'YYYY-MM-DD' only."""
    if value is None or value is False or value == "":
        return False
    if not isinstance(value, str):
        raise PythonError("TypeError", f"'{type(value).__name__}' object is not subscriptable")
    if kind == "date":
        text = value[:10]
        fmt = DATE_FORMAT
    else:
        text = value[:19]
        if len(text) == 10:
            text += " 00:00:00"
        fmt = DATETIME_FORMAT
    try:
        datetime.strptime(text, fmt)
    except ValueError as exc:
        raise value_error(str(exc)) from None
    return text


def convert_for_write(env: Env, model: str, field: Field, value):
    """Field.convert_to_cache of Odoo: loose on types (bool('maybe') is True),
    strict on selections, dates and relations."""
    t = field.type
    if t == "boolean":
        return bool(value)
    if t == "integer":
        try:
            return int(value or 0)
        except (TypeError, ValueError) as exc:
            raise PythonError(type(exc).__name__, str(exc)) from None
    if t in ("float", "monetary"):
        try:
            return float(value or 0.0)
        except (TypeError, ValueError) as exc:
            raise PythonError(type(exc).__name__, str(exc)) from None
    if t in ("char", "text", "html"):
        if value is None or value is False:
            return False
        return value if isinstance(value, str) else str(value)
    if t == "selection":
        if value in [key for key, _label in field.selection]:
            return value
        if not value:
            return False
        raise _wrong_value(model, field, value)
    if t in ("date", "datetime"):
        return _parse_datetime(value, t)
    if t == "many2one":
        if value is None or value is False:
            return False
        if isinstance(value, (list, tuple)) and value and isinstance(value[0], int):
            value = value[0]
        if not isinstance(value, int):
            raise _wrong_value(model, field, value)
        rid = int(value)
        if env.get(field.relation, rid) is None:
            table = model.replace(".", "_")
            raise ValidationError(
                "The operation cannot be completed: insert or update on table "
                f"\"{table}\" violates foreign key constraint \"{table}_{field.name}_fkey\"")
        return rid
    if t == "binary":
        return value or False
    raise _wrong_value(model, field, value)


def format_for_read(env: Env, field: Field, raw, load="_classic_read"):
    """BaseModel.read() formatting: many2one as [id, display_name] or False,
    x2many as id lists, missing values as False."""
    t = field.type
    if t == "many2one":
        if not raw:
            return False
        return [raw, env.display_name(field.relation, raw)] if load == "_classic_read" else raw
    if t in X2MANY:
        return list(raw or [])
    if t == "boolean":
        return bool(raw)
    if t == "integer":
        return raw or 0
    if t in ("float", "monetary"):
        return float(raw or 0.0)
    return False if raw is None else raw


def x2many_commands(model: str, field: Field, value) -> list[tuple]:
    """Normalise an x2many write value to Command tuples (a bare id list = SET)."""
    if value is False or value is None:
        return [(5,)]
    if not isinstance(value, (list, tuple)):
        raise _wrong_value(model, field, value)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return [(6, 0, list(value))]
    commands = []
    for cmd in value:
        if not isinstance(cmd, (list, tuple)) or not cmd or cmd[0] not in range(7):
            raise _wrong_value(model, field, value)
        code = cmd[0]
        arg1 = cmd[1] if len(cmd) > 1 else 0
        arg2 = cmd[2] if len(cmd) > 2 else None
        if code in (0, 1) and not isinstance(arg2, dict):
            raise _wrong_value(model, field, value)
        if code == 6 and not isinstance(arg2, (list, tuple)):
            raise _wrong_value(model, field, value)
        commands.append((code, arg1, arg2))
    return commands


def apply_x2many(env: Env, model: str, row: dict, field: Field, value):
    """Apply Command tuples (CREATE, UPDATE, DELETE, UNLINK, LINK, CLEAR, SET)."""
    comodel = field.relation
    commands = x2many_commands(model, field, value)
    if field.type == "many2many":
        ids = list(row.get(field.name) or [])
        for code, arg1, arg2 in commands:
            if code == 0:
                ids += orm_create(env, comodel, [arg2])
            elif code == 1:
                orm_write(env, comodel, [arg1], arg2)
            elif code == 2:
                orm_unlink(env, comodel, [arg1])
                ids = [i for i in ids if i != arg1]
            elif code == 3:
                ids = [i for i in ids if i != arg1]
            elif code == 4:
                Records(env, comodel, [arg1]).rows()
                if arg1 not in ids:
                    ids.append(arg1)
            elif code == 5:
                ids = []
            elif code == 6:
                Records(env, comodel, list(arg2)).rows()
                ids = list(dict.fromkeys(arg2))
        row[field.name] = ids
        return
    inverse = field.inverse
    for code, arg1, arg2 in commands:
        current = [r["id"] for r in env.o2m_rows(comodel, inverse, row["id"])]
        if code == 0:
            orm_create(env, comodel, [{**arg2, inverse: row["id"]}])
        elif code == 1:
            orm_write(env, comodel, [arg1], arg2)
        elif code == 2:
            orm_unlink(env, comodel, [arg1])
        elif code == 3:
            orm_write(env, comodel, [arg1], {inverse: False})
        elif code == 4:
            orm_write(env, comodel, [arg1], {inverse: row["id"]})
        elif code == 5:
            if current:
                orm_write(env, comodel, current, {inverse: False})
        elif code == 6:
            dropped = [i for i in current if i not in arg2]
            if dropped:
                orm_write(env, comodel, dropped, {inverse: False})
            if arg2:
                orm_write(env, comodel, list(arg2), {inverse: row["id"]})


# ===========================================================================
# Domains and ordering
# ===========================================================================

OPERATORS = {"=", "!=", "<>", "<", ">", "<=", ">=", "=?", "in", "not in", "like", "ilike",
             "not like", "not ilike", "=like", "=ilike", "child_of", "parent_of", "any", "not any"}
NEGATIONS = {"!=": "=", "<>": "=", "not in": "in", "not like": "like", "not ilike": "ilike",
             "not any": "any"}


def compile_domain(env: Env, model: str, domain, *, active_test=None):
    """Turn an Odoo domain (prefix '&', '|', '!', implicit AND) into a predicate.

    Unknown fields raise ValueError("Invalid field 'x' in 'model'"). Models with
    an ``active`` field hide archived rows unless the domain mentions
    ``active`` or the context says active_test=False (BaseModel._search).
    """
    mdef = env.mdef(model)
    if domain is None or domain is False:
        domain = []
    if not isinstance(domain, (list, tuple)):
        raise value_error(f"Invalid domain {domain!r}")
    items = list(domain)
    pos = 0

    def parse():
        nonlocal pos
        if pos >= len(items):
            raise value_error(f"Invalid domain {domain!r}")
        token = items[pos]
        pos += 1
        if token in ("&", "|"):
            left, right = parse(), parse()
            if token == "&":
                return lambda row: left(row) and right(row)
            return lambda row: left(row) or right(row)
        if token == "!":
            inner = parse()
            return lambda row: not inner(row)
        return compile_leaf(env, model, token)

    predicates = []
    while pos < len(items):
        predicates.append(parse())

    if active_test is None:
        active_test = env.context.get("active_test", True)
    if "active" in mdef.fields and active_test and not _mentions_active(items):
        predicates.append(lambda row: bool(row.get("active")))
    return lambda row: all(pred(row) for pred in predicates)


def _mentions_active(items) -> bool:
    return any(isinstance(leaf, (list, tuple)) and len(leaf) == 3 and isinstance(leaf[0], str)
               and leaf[0].split(".")[0] == "active" for leaf in items)


def compile_leaf(env: Env, model: str, leaf):
    if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
        raise value_error(f"Invalid leaf {leaf!r}")
    path, operator, value = leaf
    if path in (0, 1) and operator == "=" and value in (0, 1):
        constant = path == value
        return lambda row: constant
    if not isinstance(path, str) or not isinstance(operator, str):
        raise value_error(f"Invalid leaf {leaf!r}")
    operator = operator.lower()
    if operator not in OPERATORS:
        raise value_error(f"Invalid operator {operator!r} in domain term {list(leaf)!r}")
    mdef = env.mdef(model)
    head, _, rest = path.partition(".")
    field = mdef.fields.get(head)
    if field is None:
        raise invalid_field(head, model, env.version, "domain", leaf)
    if rest or operator in ("any", "not any"):
        if not field.relational:
            if rest and env.version >= 19:
                # odoo/orm/fields.py: a path on a non-relational field names a property
                raise value_error(f"Invalid field property {rest.partition('.')[0]!r} on {model}.{head}")
            if rest:
                # 17/18: odoo/models.py _condition_to_sql asserts the field is relational
                raise PythonError("AssertionError", f"Invalid field {path!r} in domain term {tuple(leaf)!r}")
            raise invalid_field(rest.partition(".")[0] or head, model, env.version, "domain", leaf)
        if rest:
            sub = compile_domain(env, field.relation, [[rest, operator, value]])
            negate = False
        else:
            sub = compile_domain(env, field.relation, value)
            negate = operator == "not any"

        def related(row):
            ids = _related_ids(env, model, row, field)
            hit = any(sub(env.get(field.relation, i)) for i in ids if env.get(field.relation, i))
            return not hit if negate else hit
        return related
    if operator in ("child_of", "parent_of") and (field.relational or head == "id"):
        target = field.relation if field.relational else model
        values = _as_list(value)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            wanted = _hierarchy_ids(env, target, values, operator)
            if head == "id":
                return lambda row: row.get("id") in wanted
            return lambda row: any(i in wanted for i in _related_ids(env, model, row, field))
    if operator in NEGATIONS:
        positive = NEGATIONS[operator]
        return lambda row: not _match(env, model, field, row, positive, value)
    if (field.type == "one2many" and field.inverse and operator == "in" and isinstance(value, list)
            and value and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        # [o2m, in, ids]: the records the children ids point to, found once
        # rather than the children of every row (same result, much faster)
        children = (env.get(field.relation, i) for i in value)
        parents = {c.get(field.inverse) for c in children if c}
        return lambda row: row.get("id") in parents
    return lambda row: _match(env, model, field, row, operator, value)


# _parent_name of the models whose hierarchy child_of / parent_of follow
PARENT_FIELD = {"stock.location": "location_id", "res.partner": "parent_id", "uom.uom": "relative_uom_id"}


def _parent_path(env, model: str, row) -> str:
    """parent_path of a _parent_store model ('1/7/8/'), from its parent field."""
    parent = PARENT_FIELD.get(model)
    chain, seen = [], set()
    while row and row["id"] not in seen:
        seen.add(row["id"])
        chain.append(row["id"])
        row = env.get(model, row.get(parent)) if parent in env.mdef(model).fields else None
    return "".join(f"{rid}/" for rid in reversed(chain))


def _hierarchy_ids(env, model: str, ids: list, operator: str) -> set:
    """child_of: the records and all their descendants; parent_of: the records
    and all their ancestors (through the model's parent field; the records
    themselves on a model without one, as Odoo's 'in')."""
    parent = PARENT_FIELD.get(model)
    found = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    if not parent or parent not in env.mdef(model).fields:
        return found
    table = env.table(model)
    if operator == "parent_of":
        todo = list(found)
        while todo:
            row = table.get(todo.pop())
            up = row.get(parent) if row else None
            if up and up not in found:
                found.add(up)
                todo.append(up)
        return found
    children: dict = {}
    for row in table.values():
        if row.get(parent):
            children.setdefault(row[parent], []).append(row["id"])
    todo = list(found)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _related_ids(env: Env, model: str, row: dict, field: Field) -> list[int]:
    raw = env.value(model, row, field.name)
    if field.type == "many2one":
        return [raw] if raw else []
    return list(raw or [])


def _like(pattern_value, text, *, exact=False, insensitive=False) -> bool:
    if text is None or text is False:
        return False
    text = str(text)
    pattern = str(pattern_value)
    if not exact:
        return (pattern.lower() in text.lower()) if insensitive else (pattern in text)
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, text, re.IGNORECASE if insensitive else 0) is not None


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _match(env: Env, model: str, field: Field, row: dict, operator: str, value) -> bool:
    if operator == "=?":
        if value is None or value is False:
            return True
        operator = "="
    if operator in ("child_of", "parent_of"):
        operator = "in"
    raw = env.value(model, row, field.name)

    if field.relational:
        ids = _related_ids(env, model, row, field)
        names = None

        def display_names():
            nonlocal names
            if names is None:
                names = [env.display_name(field.relation, i) for i in ids]
            return names

        if operator in ("like", "ilike", "=like", "=ilike"):
            if value is False or value is None:
                return not ids
            return any(_like(value, name, exact=operator.startswith("="),
                             insensitive=operator.endswith("ilike")) for name in display_names())
        if operator == "=":
            if value is False or value is None:
                return not ids
            if isinstance(value, str):
                return value in display_names()
            if isinstance(value, (list, tuple)):
                return any(v in ids for v in value)
            return value in ids
        if operator == "in":
            values = _as_list(value)
            if any(v is False or v is None for v in values) and not ids:
                return True
            return any((v in display_names()) if isinstance(v, str) else (v in ids) for v in values)
        # ordering comparisons act on the id
        return any(_compare(i, operator, value) for i in ids)

    if field.type == "boolean":
        raw = bool(raw)
        if operator == "=":
            return raw == bool(value)
        if operator == "in":
            return raw in [bool(v) for v in _as_list(value)]
        if operator in ("like", "ilike", "=like", "=ilike"):
            return _like(value, raw, exact=operator.startswith("="), insensitive=operator.endswith("ilike"))
        return _compare(raw, operator, value)

    is_null = raw is None or raw is False
    if operator == "=":
        if value is False or value is None:
            return is_null
        return not is_null and raw == value
    if operator == "in":
        for v in _as_list(value):
            if (v is False or v is None) and is_null:
                return True
            if not is_null and raw == v:
                return True
        return False
    if operator in ("like", "ilike", "=like", "=ilike"):
        if value is False or value is None:
            return is_null
        return _like(value, raw, exact=operator.startswith("="), insensitive=operator.endswith("ilike"))
    if is_null:
        return False
    return _compare(raw, operator, value)


def _compare(raw, operator, value) -> bool:
    if value is None or value is False:
        return False
    try:
        if operator == "<":
            return raw < value
        if operator == ">":
            return raw > value
        if operator == "<=":
            return raw <= value
        if operator == ">=":
            return raw >= value
    except TypeError:
        return False
    return False


def sort_rows(env: Env, model: str, rows: list, order) -> list:
    """ORDER BY as PostgreSQL does it for Odoo: NULLS LAST ascending, NULLS FIRST
    descending; many2one columns sort on the display name of the target."""
    mdef = env.mdef(model)
    spec = order or mdef.order or "id"
    if not isinstance(spec, str):
        raise value_error(f"Invalid order {spec!r}")
    terms = []
    for part in spec.split(","):
        tokens = part.strip().split()
        if not tokens:
            continue
        fname = tokens[0]
        direction = tokens[1].lower() if len(tokens) > 1 else "asc"
        if fname not in mdef.fields:
            raise value_error(f"Invalid field {fname!r} on model {model!r}")
        if direction not in ("asc", "desc") or len(tokens) not in (1, 2, 4):
            raise value_error(f"Invalid order {spec!r} for model {model!r}")
        terms.append((mdef.fields[fname], direction == "desc"))
    result = list(rows)
    for field, descending in reversed(terms):
        def key(row, field=field):
            raw = env.value(model, row, field.name)
            if field.type == "many2one":
                raw = env.display_name(field.relation, raw).lower() if raw else None
            elif field.type in X2MANY:
                raw = len(raw)
            elif field.type == "boolean":
                raw = bool(raw)
            if raw is None or (raw is False and field.type != "boolean"):
                return (1, "")
            return (0, raw)
        try:
            result.sort(key=key, reverse=descending)
        except TypeError:
            result.sort(key=lambda row, k=key: (k(row)[0], str(k(row)[1])), reverse=descending)
    return result


# ===========================================================================
# Generic ORM: create, write, unlink, read, search
# ===========================================================================

CREATE_PREPARE = {}   # model -> fn(env, vals) -> vals, before insertion
CREATE_DONE = {}      # model -> fn(env, row, vals), after insertion and x2many commands
WRITE_PREPARE = {}    # model -> fn(env, rows, vals)
WRITE_DONE = {}       # model -> fn(env, rows, vals, before)
UNLINK_PREPARE = {}   # model -> fn(env, rows)
UNLINK_DONE = {}      # model -> fn(env, removed_rows)


def _check_field_names(mdef: ModelDef, vals: dict, version: int = 19):
    for fname in vals:
        if fname not in mdef.fields:
            raise invalid_field(fname, mdef.name, version)


def _not_null_error(mdef: ModelDef, field: Field) -> ValidationError:
    """A NOT NULL violation turned into ValidationError by service/model.py retrying."""
    return ValidationError(
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
        f"Model: {mdef.description} ({mdef.name})\n"
        f"Field: {field.string} ({field.name})\n")


def orm_create(env: Env, model: str, vals_list) -> list[int]:
    """BaseModel.create(vals_list): defaults (including default_<field> from the
    context), conversion, required check, x2many commands, business hooks."""
    mdef = env.mdef(model)
    if isinstance(vals_list, dict):
        vals_list = [vals_list]
    if not isinstance(vals_list, (list, tuple)):
        raise PythonError("AttributeError", f"'{type(vals_list).__name__}' object has no attribute 'get'")
    ids = []
    for vals in vals_list:
        if not isinstance(vals, dict):
            raise PythonError("AttributeError", f"'{type(vals).__name__}' object has no attribute 'get'")
        _check_field_names(mdef, vals, env.version)
        vals = dict(vals)
        for key, value in env.context.items():
            if key.startswith("default_"):
                fname = key[len("default_"):]
                if fname in mdef.fields and fname not in vals and not mdef.fields[fname].readonly:
                    vals[fname] = value
        if model in CREATE_PREPARE:
            vals = CREATE_PREPARE[model](env, vals)
        stored, x2many = {}, {}
        for fname, value in vals.items():
            field = mdef.fields[fname]
            if fname in MAGIC_FIELDS or field.compute is not None or (
                    field.readonly and field.type not in X2MANY):
                continue
            if field.type in X2MANY:
                x2many[fname] = value
            else:
                stored[fname] = convert_for_write(env, model, field, value)
        for fname, field in mdef.fields.items():
            if field.required and field.store and fname not in MAGIC_FIELDS:
                value = stored.get(fname, field.default_value())
                if value is False or value is None:
                    raise _not_null_error(mdef, field)
        row = env.insert(model, stored)
        for fname, value in x2many.items():
            apply_x2many(env, model, row, mdef.fields[fname], value)
        if mdef.mail_thread and not env.context.get("mail_create_nosubscribe"):
            # mail.thread.create: the creating user follows the new record
            subscribe(env, model, row["id"], [user_partner(env)])
        if model in CREATE_DONE:
            CREATE_DONE[model](env, row, vals)
        ids.append(row["id"])
    return ids


def orm_write(env: Env, model: str, ids, vals) -> bool:
    """BaseModel.write(vals): MissingError for gone ids, ValueError for unknown
    fields, silent skip of read-only computed fields."""
    records = Records(env, model, ids)
    rows = records.rows()
    mdef = records.mdef
    if not isinstance(vals, dict):
        raise PythonError("AttributeError", f"'{type(vals).__name__}' object has no attribute 'items'")
    _check_field_names(mdef, vals, env.version)
    if model in WRITE_PREPARE:
        WRITE_PREPARE[model](env, rows, vals)
    stored, x2many = {}, {}
    for fname, value in vals.items():
        field = mdef.fields[fname]
        if fname in MAGIC_FIELDS or field.compute is not None or (
                field.readonly and field.type not in X2MANY):
            continue
        if field.type in X2MANY:
            x2many[fname] = value
        else:
            converted = convert_for_write(env, model, field, value)
            if field.required and (converted is False or converted is None):
                raise _not_null_error(mdef, field)
            stored[fname] = converted
    before = {row["id"]: dict(row) for row in rows}
    stamp = now_str()
    for row in rows:
        row.update(stored)
        row["write_date"] = stamp
        row["write_uid"] = env.uid
        for fname, value in x2many.items():
            apply_x2many(env, model, row, mdef.fields[fname], value)
    if model in WRITE_DONE:
        WRITE_DONE[model](env, rows, vals, before)
    return True


def orm_unlink(env: Env, model: str, ids) -> bool:
    """BaseModel.unlink(): ondelete set null / cascade on the records pointing here."""
    records = Records(env, model, ids)
    rows = records.rows()
    if model in UNLINK_PREPARE:
        UNLINK_PREPARE[model](env, rows)
    rows = [r for r in rows if r["id"] in env.table(model)]
    removed = [r["id"] for r in rows]
    for rid in removed:
        env.delete(model, rid)
    _on_delete(env, model, removed)
    if model in UNLINK_DONE:
        UNLINK_DONE[model](env, rows)
    return True


def _on_delete(env: Env, model: str, removed: list[int]):
    if not removed:
        return
    gone = set(removed)
    for other, mdef in list(env.store.schema.items()):
        for fname, field in mdef.fields.items():
            if field.relation != model or not field.store:
                continue
            if field.type == "many2many":
                for row in env.table(other).values():
                    if any(i in gone for i in row.get(fname) or []):
                        row[fname] = [i for i in row[fname] if i not in gone]
            elif field.type == "many2one":
                hits = [row for row in env.table(other).values() if row.get(fname) in gone]
                if field.ondelete == "cascade":
                    ids = [row["id"] for row in hits]
                    for rid in ids:
                        env.delete(other, rid)
                    _on_delete(env, other, ids)
                else:
                    for row in hits:
                        row[fname] = False


def resolve_fields(mdef: ModelDef, fields, version: int = 19) -> list[str]:
    if fields is None or fields is False or fields == []:
        return list(mdef.fields)
    if isinstance(fields, str):
        fields = list(fields)
    if not isinstance(fields, (list, tuple)):
        raise value_error(f"Invalid fields {fields!r}")
    for fname in fields:
        if fname not in mdef.fields:
            raise invalid_field(fname, mdef.name, version, "fields")
    names = ["id"] + [f for f in fields if f != "id"]
    return list(dict.fromkeys(names))


def orm_read(env: Env, model: str, ids, fields=None, load="_classic_read") -> list[dict]:
    """BaseModel.read(): missing ids are skipped silently (ODOO-FACTS: read of a
    deleted id returns [])."""
    records = Records(env, model, ids)
    mdef = records.mdef
    names = resolve_fields(mdef, fields, env.version)
    result = []
    for row in records.existing_rows():
        result.append({fname: format_for_read(env, mdef.fields[fname], env.value(model, row, fname), load)
                       for fname in names})
    return result


def _equality_leaves(env: Env, model: str, domain) -> list:
    """The (field, value) of the leaves ('f', '=', v) of a domain that is a
    plain AND of leaves, on stored scalar fields with an int or str value:
    a cheap first pass over a large table (no index in memory). Only a row
    whose raw value has v's type and differs from v fails it, so the full
    predicate still decides every other row exactly as before."""
    if not isinstance(domain, (list, tuple)):
        return []
    fields = env.mdef(model).fields
    out = []
    for leaf in domain:
        if not isinstance(leaf, (list, tuple)):
            return []  # '&', '|', '!': leave the domain to the predicate
        if len(leaf) != 3 or leaf[1] != "=" or not isinstance(leaf[0], str):
            continue
        field = fields.get(leaf[0])
        value = leaf[2]
        if (field is None or field.compute is not None or field.fallback is not None
                or field.type in ("one2many", "many2many")
                or isinstance(value, bool) or not isinstance(value, (int, str))):
            continue
        out.append((leaf[0], value))
    return out


def orm_search_rows(env: Env, model: str, domain, offset=0, limit=None, order=None) -> list[dict]:
    predicate = compile_domain(env, model, domain)
    eq = _equality_leaves(env, model, domain)

    def first_pass(row):
        for fname, value in eq:
            raw = row.get(fname)
            if type(raw) is type(value) and raw != value:
                return False
        return True

    rows = [row for row in env.table(model).values() if first_pass(row) and predicate(row)]
    rows = sort_rows(env, model, rows, order)
    try:
        offset = int(offset or 0)
        limit = int(limit) if limit else None
    except (TypeError, ValueError) as exc:
        raise PythonError(type(exc).__name__, str(exc)) from None
    return rows[offset:offset + limit] if limit is not None else rows[offset:]


# ===========================================================================
# Stock logic (addons/stock/models/stock_picking.py, stock_move.py)
# ===========================================================================

class Stock:
    """Picking and move workflow of Odoo 17-19 (multi-step delivery routes:
    delivery_chain).

    Reservation: a product has ``qty_available`` on hand; an outgoing or
    internal move reserves what is free (on hand minus the quantity of other
    open moves); receipts and non-storable products are always fully
    reserved. In Odoo 17+ ``stock.move.quantity`` *is* the reserved quantity
    until validation, and ``picked`` marks what was actually picked.
    """

    def __init__(self, env: Env):
        self.env = env

    # -- accessors ----------------------------------------------------------
    def pickings(self, ids) -> list[dict]:
        return Records(self.env, "stock.picking", ids).rows()

    def moves(self, picking: dict) -> list[dict]:
        return self.env.o2m_rows("stock.move", "picking_id", picking["id"])

    def lines(self, move: dict) -> list[dict]:
        return [r for r in self.env.table("stock.move.line").values() if r.get("move_id") == move["id"]]

    def picking_type(self, picking: dict) -> dict:
        return self.env.get("stock.picking.type", picking.get("picking_type_id")) or {}

    def code_of_move(self, move: dict):
        picking = self.env.get("stock.picking", move.get("picking_id"))
        return self.picking_type(picking).get("code") if picking else None

    def product(self, move: dict) -> dict:
        return self.env.get("product.product", move.get("product_id")) or {}

    # -- units of measure ------------------------------------------------------
    def product_uom(self, product: dict):
        return (product or {}).get("uom_id") or UOM_UNITS

    def move_uom(self, move: dict):
        return move.get("product_uom") or self.product_uom(self.product(move))

    def line_uom(self, line: dict):
        if line.get("product_uom_id"):
            return line["product_uom_id"]
        move = self.env.get("stock.move", line.get("move_id"))
        if move:
            return self.move_uom(move)
        return self.product_uom(self.env.get("product.product", line.get("product_id")))

    def line_product_qty(self, line: dict) -> float:
        """stock.move.line.quantity_product_uom (HALF-UP in the product's unit)."""
        product = self.env.get("product.product", line.get("product_id")) or {}
        return uom_convert(self.env, line.get("quantity"), self.line_uom(line), self.product_uom(product),
                           method="HALF-UP")

    def lines_quantity(self, move: dict) -> float:
        """stock.move._quantity_sml: the lines' quantities in the move's unit."""
        uom = self.move_uom(move)
        return float(sum(uom_convert(self.env, line.get("quantity"), self.line_uom(line), uom, round_=False)
                         for line in self.lines(move)))

    # -- move lines ---------------------------------------------------------
    def new_line(self, move: dict, quantity: float, **extra) -> dict:
        values = {
            "move_id": move["id"], "picking_id": move.get("picking_id") or False,
            "product_id": move.get("product_id") or False, "quantity": float(quantity),
            "product_uom_id": self.move_uom(move),
            "picked": bool(move.get("picked")), "location_id": move.get("location_id") or False,
            "location_dest_id": move.get("location_dest_id") or False,
            "company_id": move.get("company_id") or COMPANY_ID,
        }
        values.update(extra)
        line = self.env.insert("stock.move.line", values)
        self.ensure_line_quant(line)
        return line

    def line_vals(self, move: dict, quantity: float, quant: dict | None = None) -> dict:
        """stock.move._prepare_move_line_vals(quantity, reserved_quant): the
        quantity (in the product's unit) in the move's unit when it converts
        back exactly, else in the product's unit; the quant's location and lot."""
        product = self.product(move)
        vals = {}
        if quantity:
            in_move = float_round(uom_convert(self.env, quantity, self.product_uom(product), self.move_uom(move),
                                              method="HALF-UP"), 0.01)
            back = uom_convert(self.env, in_move, self.move_uom(move), self.product_uom(product), method="HALF-UP")
            if abs(back - quantity) < 0.005:
                vals["quantity"] = in_move
            else:
                vals.update(quantity=float(quantity), product_uom_id=self.product_uom(product))
        else:
            vals["quantity"] = 0.0
        if quant:
            vals.update(location_id=quant.get("location_id") or False, lot_id=quant.get("lot_id") or False)
        return vals

    def add_lines(self, move: dict, vals_list: list):
        for vals in vals_list:
            vals = dict(vals)
            self.new_line(move, vals.pop("quantity", 0.0), **vals)

    def set_move_quantity(self, move: dict, quantity: float):
        """stock.move._set_quantity, the inverse of stock.move.quantity (in the
        move's unit): an increase goes through _set_quantity_done, a decrease
        unreserves the lines from the last one."""
        quantity = float(quantity or 0.0)
        delta = quantity - self.lines_quantity(move)
        if delta > EPSILON:
            if self.env.version >= 19:
                self.increase_19(move, quantity)
            else:
                self.increase_17(move, quantity)
        elif delta < -EPSILON:
            self.decrease(move, -delta)
        move["quantity"] = quantity

    def decrease(self, move: dict, quantity: float):
        """_set_quantity's _process_decrease: the lines from the last one (by id)
        give back quantity; a line emptied is unlinked (18+: picked lines are
        kept under context unreserve_unpicked_only)."""
        unlink = []
        for line in sorted(self.lines(move), key=lambda r: r["id"], reverse=True):
            if self.env.version >= 18 and self.env.context.get("unreserve_unpicked_only") and line.get("picked"):
                continue
            if quantity <= EPSILON:
                break
            have = float(line.get("quantity") or 0.0)
            take = min(have, uom_convert(self.env, quantity, self.move_uom(move), self.line_uom(line), round_=False))
            if take <= EPSILON:
                continue
            if abs(have - take) <= EPSILON and move["state"] not in ("done", "cancel"):
                unlink.append(line["id"])
            else:
                line["quantity"] = have - take
            quantity -= take  # Odoo converts from the move's unit to itself here
        for rid in unlink:
            self.env.delete("stock.move.line", rid)

    def increase_17(self, move: dict, quantity: float):
        """17/18 _set_quantity_done_prepare_vals: the lines keep what they hold
        (up to the target) and the rest becomes one new line at the move's
        source location, without lot (serials: one line per unit), reserving
        there whatever the quants hold."""
        qty = quantity
        uom = self.move_uom(move)
        unlink = []
        for line in sorted(self.lines(move), key=lambda r: r["id"]):
            if abs(qty) <= EPSILON:
                unlink.append(line["id"])
                continue
            if float(line.get("quantity") or 0.0) <= EPSILON:
                continue
            line_uom = self.line_uom(line)
            have = uom_convert(self.env, line["quantity"], line_uom, uom, round_=False)
            taken = float_round(uom_convert(self.env, min(qty, have), uom, line_uom, round_=False),
                                uom_rounding(self.env, line_uom))
            line["quantity"] = taken
            qty -= uom_convert(self.env, taken, line_uom, uom, round_=False)
        for rid in unlink:
            self.env.delete("stock.move.line", rid)
        if qty > EPSILON:
            product = self.product(move)
            if product.get("tracking") != "serial":
                self.new_line(move, qty)
            else:
                units = uom_convert(self.env, qty, uom, self.product_uom(product))
                for _i in range(int(units)):
                    self.new_line(move, 1.0, product_uom_id=self.product_uom(product))

    def increase_19(self, move: dict, quantity: float):
        """19 _set_quantity_done_prepare_vals: each line first grows from the
        free stock of its own quant (same location and lot), then the other
        free quants of the move's source location (and its children) get new
        lines, first in first out, and only the rest becomes a line without
        stock at the move's source location (serials: one per unit)."""
        env = self.env
        product = self.product(move)
        puom, muom = self.product_uom(product), self.move_uom(move)
        to_move = lambda q: uom_convert(env, q, puom, muom, round_=False)  # noqa: E731
        qty = uom_convert(env, quantity, muom, puom, round_=False)
        total = qty
        reserved = self.reserved_by_quant(product.get("id"))
        consumed = set()
        unlink, updates, creates = [], [], []
        for line in sorted(self.lines(move), key=lambda r: r["id"]):
            have = float(line.get("quantity") or 0.0)
            if have < -EPSILON:
                continue
            luom = self.line_uom(line)
            have_p = uom_convert(env, have, luom, puom, round_=False)
            if abs(to_move(qty)) <= EPSILON:
                unlink.append(line["id"])
                continue
            if have_p > qty + EPSILON:
                updates.append((line, uom_convert(env, qty, puom, luom, round_=False)))
                qty = 0.0
                continue
            if line.get("result_package_id"):
                qty -= have_p
                continue
            qty -= min(qty, have_p)
            if to_move(qty) <= EPSILON:
                continue
            plan = [] if line.get("package_id") else self.reserve_plan(
                product, line.get("location_id"), qty, lot_id=line.get("lot_id") or False, strict=True,
                reserved=reserved)
            avail = sum(q for _quant, q in plan)
            consumed |= {quant["id"] for quant, _q in plan}
            if avail <= qty + EPSILON:
                qty -= avail
                updates.append((line, uom_convert(env, avail + have_p, puom, luom, round_=False)))
        if to_move(qty) > EPSILON:
            for quant, avail in self.reserve_plan(product, move.get("location_id"), total, reserved=reserved):
                if quant["id"] in consumed:
                    continue
                taken = min(qty, avail)
                qty -= taken
                creates.append(self.line_vals(move, taken, quant))
                if to_move(qty) <= EPSILON:
                    break
        if to_move(qty) > EPSILON:
            if product.get("tracking") != "serial":
                creates.append({"quantity": to_move(qty)})
            else:
                creates.extend({"quantity": 1.0, "product_uom_id": puom} for _i in range(int(qty)))
        for rid in unlink:
            self.env.delete("stock.move.line", rid)
        for line, value in updates:
            line["quantity"] = value
        self.add_lines(move, creates)

    def refresh_from_lines(self, move: dict):
        """quantity = sum of the move lines; picked when a line is picked."""
        lines = self.lines(move)
        move["quantity"] = self.lines_quantity(move)
        if lines:
            move["picked"] = any(line.get("picked") for line in lines)

    def set_picked(self, move: dict, picked: bool):
        move["picked"] = bool(picked)
        for line in self.lines(move):
            line["picked"] = bool(picked)

    # -- states --------------------------------------------------------------
    def recompute_move_state(self, move: dict):
        """stock.move._recompute_state."""
        if move["state"] in ("draft", "cancel", "done"):
            return
        quantity = float(move.get("quantity") or 0.0)
        demand = float(move.get("product_uom_qty") or 0.0)
        if quantity >= demand - EPSILON:
            move["state"] = "assigned"
        elif quantity > EPSILON:
            move["state"] = "partially_available"
        elif any(m["state"] not in ("done", "cancel") for m in self.origins(move)):
            move["state"] = "waiting"
        else:
            move["state"] = "confirmed"

    # -- chained moves (multi-step delivery) -----------------------------------------
    def origins(self, move: dict) -> list[dict]:
        return [self.env.get("stock.move", mid) for mid in _move_origins(self.env, move)]

    def from_origins(self, move: dict) -> float:
        """What the done origin moves brought that no other of their
        destination moves holds yet (stock.move._action_assign of a chained
        move: only what arrived through the chain is reserved)."""
        origins = self.origins(move)
        arrived = sum(float(m.get("quantity") or 0.0) for m in origins if m["state"] == "done")
        others = {d for m in origins for d in (m.get("move_dest_ids") or []) if d != move["id"]}
        taken = 0.0
        for other in (self.env.get("stock.move", d) for d in others):
            if other and other["state"] != "cancel":
                taken += float(other.get("quantity") or 0.0)
        return max(0.0, arrived - taken - self.lines_quantity(move))

    def push(self, moves: list):
        """stock.move._push_apply (18, 19): a done move whose operation type is
        a step of its warehouse's delivery route, but not the last, gets a
        move for the next step with the quantity it moved (make_to_order,
        move_orig_ids the done move), put in an open picking of that type
        for the same order or a new one, confirmed and reserved."""
        created = []
        for move in moves:
            picking = self.env.get("stock.picking", move.get("picking_id")) or {}
            ptype = self.picking_type(picking)
            chain = delivery_chain(self.env, self.env.get("stock.warehouse", ptype.get("warehouse_id")))
            step = next((i for i, (type_id, _src, dest) in enumerate(chain[:-1])
                         if type_id == ptype.get("id") and dest == move.get("location_dest_id")), None)
            if step is None or float(move.get("quantity") or 0.0) <= EPSILON:
                continue
            type_id, src, dest = chain[step + 1]
            values = {k: move.get(k) for k in ("name", "product_id", "product_uom", "sale_line_id", "partner_id",
                                               "origin", "company_id", "sequence")}
            values.update(product_uom_qty=float(move["quantity"]), location_id=src, location_dest_id=dest,
                          procure_method="make_to_order", state="draft", quantity=0.0, picked=False)
            if "location_final_id" in self.env.mdef("stock.move").fields:
                values["location_final_id"] = move.get("location_final_id") or False
            target = self.assign_picking(picking, type_id, src, dest)
            values["picking_id"] = target["id"]
            new = self.env.insert("stock.move", values)
            move["move_dest_ids"] = list(move.get("move_dest_ids") or []) + [new["id"]]
            created.append(new)
        self.confirm_moves(created)
        self.refresh_pickings(m["picking_id"] for m in created)
        return created

    def assign_picking(self, previous: dict, type_id, src, dest) -> dict:
        """stock.move._assign_picking: an open picking of the operation type,
        locations and order, else a new one from the previous step's picking
        (origin, contact, order, carrier)."""
        for picking in sorted(self.env.table("stock.picking").values(), key=lambda p: p["id"]):
            if (picking.get("picking_type_id") == type_id and picking.get("location_id") == src
                    and picking.get("location_dest_id") == dest
                    and picking["state"] in ("draft", "confirmed", "waiting", "assigned")
                    and (picking.get("sale_id") or False) == (previous.get("sale_id") or False)
                    and picking.get("origin") == previous.get("origin")):
                return picking
        pid = orm_create(self.env, "stock.picking", [{
            "picking_type_id": type_id, "location_id": src, "location_dest_id": dest,
            **{k: previous.get(k) or False for k in ("partner_id", "origin", "carrier_id", "sale_id", "company_id")},
            "move_type": previous.get("move_type") or "direct"}])[0]
        order = self.env.get("sale.order", previous.get("sale_id"))
        if order:
            post_message(self.env, "stock.picking", pid, origin_link("transfer", "sale.order", order))
        return self.env.get("stock.picking", pid)

    def recompute_picking_state(self, picking: dict):
        """stock.picking._compute_state (stored compute, triggered by move states)."""
        before = picking.get("state")
        self.compute_picking_state(picking)
        self.track_state(picking, before)

    def track_state(self, picking: dict, before):
        """The state field is tracked (tracking=True): a change posts a
        message by the user with one mail.tracking.value, as mail.thread's
        _message_track does (the labels of the selection)."""
        after = picking.get("state")
        if before == after or not before:
            return
        field = next(r for r in self.env.table("ir.model.fields").values()
                     if r.get("model") == "stock.picking" and r.get("name") == "state")
        labels = dict(self.env.mdef("stock.picking").fields["state"].selection or ())
        message = self.env.insert("mail.message", {
            "body": "", "model": "stock.picking", "res_id": picking["id"],
            "message_type": "notification", "subtype_id": 2,
            "author_id": user_partner(self.env)})
        self.env.insert("mail.tracking.value", {
            "field_id": field["id"], "old_value_char": labels.get(before, before),
            "new_value_char": labels.get(after, after), "mail_message_id": message["id"]})

    def compute_picking_state(self, picking: dict):
        moves = self.moves(picking)
        states = [m["state"] for m in moves]
        if not moves or "draft" in states:
            picking["state"] = "draft"
        elif all(s == "cancel" for s in states):
            picking["state"] = "cancel"
        elif all(s in ("cancel", "done") for s in states):
            picking["state"] = "done"
        else:
            relevant = self.relevant_state(picking, moves)
            picking["state"] = "assigned" if relevant == "partially_available" else relevant

    def relevant_state(self, picking: dict, moves: list) -> str:
        """stock.move._get_relevant_state_among_moves."""
        rank = {"assigned": 4, "waiting": 3, "partially_available": 2, "confirmed": 1}
        todo = [m for m in moves if m["state"] not in ("cancel", "done")
                and not (m["state"] == "assigned" and not m.get("product_uom_qty"))]
        if not todo:
            return "assigned"
        todo.sort(key=lambda m: (rank.get(m["state"], 0), float(m.get("product_uom_qty") or 0.0)))
        if picking.get("move_type") == "one":
            first = todo[0]
            if first["state"] == "confirmed":
                return "confirmed" if first.get("product_uom_qty") else "assigned"
            if first["state"] == "partially_available":
                return "confirmed"
            return "assigned" if todo[-1]["state"] == "assigned" else "waiting"
        last = todo[-1]["state"]
        if last in ("assigned", "partially_available"):
            return "assigned"
        return last

    def refresh_pickings(self, picking_ids):
        for pid in dict.fromkeys(picking_ids):
            picking = self.env.get("stock.picking", pid)
            if picking:
                self.recompute_picking_state(picking)

    # -- stock on hand: quants -------------------------------------------------
    def storable(self, product: dict) -> bool:
        return product_storable(self.env, product)

    def stock_location(self):
        return self.env.ref("stock.stock_location_stock")

    def internal(self, location_id) -> bool:
        return (self.env.get("stock.location", location_id) or {}).get("usage") == "internal"

    def quants(self, product_id: int) -> list[dict]:
        """The product's quants in internal locations, first in first out (in_date, id)."""
        rows = [q for q in self.env.table("stock.quant").values()
                if q.get("product_id") == product_id and self.internal(q.get("location_id"))]
        return sorted(rows, key=lambda q: (q.get("in_date") or "", q["id"]))

    def quant(self, product_id: int, location_id, lot_id) -> dict:
        for row in self.env.table("stock.quant").values():
            if (row.get("product_id"), row.get("location_id"), row.get("lot_id") or False) == (
                    product_id, location_id, lot_id or False):
                return row
        return self.env.insert("stock.quant", {"product_id": product_id, "location_id": location_id,
                                               "lot_id": lot_id or False, "quantity": 0.0, "in_date": now_str()})

    def gather(self, product_id, location_id, lot_id=False, strict=False) -> list[dict]:
        """stock.quant._gather (removal strategy fifo): strict = that location
        and lot (or no lot), else the location and its children (and, with a
        lot, that lot or none); in_date then id, quants with a lot first."""
        if strict:
            rows = [q for q in self.env.table("stock.quant").values()
                    if q.get("product_id") == product_id and q.get("location_id") == location_id
                    and (q.get("lot_id") or False) in (False, lot_id or False)]
        else:
            locations = _hierarchy_ids(self.env, "stock.location", [location_id] if location_id else [], "child_of")
            rows = [q for q in self.env.table("stock.quant").values()
                    if q.get("product_id") == product_id and q.get("location_id") in locations
                    and (not lot_id or (q.get("lot_id") or False) in (lot_id, False))]
        rows.sort(key=lambda q: (q.get("in_date") or "", q["id"]))
        rows.sort(key=lambda q: not q.get("lot_id"))
        return rows

    def sync_quants(self, product: dict):
        """product.qty_available is what the simulator keeps (seeds set it);
        the quants of internal locations add up to it: what no lot quant
        accounts for is on the quant without lot of the stock location."""
        location = self.stock_location()
        if not product or not self.storable(product) or not location:
            return
        diff = float(product.get("qty_available") or 0.0) - sum(
            float(q.get("quantity") or 0.0) for q in self.quants(product["id"]))
        if abs(diff) > EPSILON:
            quant = self.quant(product["id"], location, False)
            quant["quantity"] = float(quant.get("quantity") or 0.0) + diff

    def add_stock(self, product: dict, location_id, lot_id, quantity: float):
        """Stock in (quantity > 0) or out of an internal location, on the quant
        stock.quant._update_available_quantity picks: the first of that
        location with the lot (or none; taking out, a lot quant or one with
        stock), else a new one."""
        if not self.internal(location_id):
            return
        self.sync_quants(product)
        quants = self.gather(product["id"], location_id, lot_id, strict=True)
        if lot_id:
            quants = [q for q in quants if q.get("lot_id") or (quantity < 0 and float(q.get("quantity") or 0.0) > 0)]
        quant = quants[0] if quants else self.quant(product["id"], location_id, lot_id)
        quant["quantity"] = float(quant.get("quantity") or 0.0) + quantity
        product["qty_available"] = float(product.get("qty_available") or 0.0) + quantity

    # -- reservation: move lines hold stock on quants ------------------------------
    def reserving(self, line: dict) -> bool:
        """A line of an open move of a stored product, from a location that
        does not bypass reservation (internal)."""
        move = self.env.get("stock.move", line.get("move_id"))
        if move is not None and move["state"] in ("done", "cancel"):
            return False
        location = (move or line).get("location_id")
        product = self.env.get("product.product", line.get("product_id"))
        return bool(product and self.storable(product) and self.internal(location)
                    and self.internal(line.get("location_id")))

    def line_quant(self, line: dict):
        """The quant a line's reservation sits on (_update_reserved_quantity:
        the first quant of the line's location with its lot, or without lot)."""
        quants = self.gather(line.get("product_id"), line.get("location_id"), line.get("lot_id") or False,
                             strict=True)
        return quants[0] if quants else None

    def ensure_line_quant(self, line: dict):
        """A line reserving where no quant is gets one (quantity 0), as
        _update_available_quantity creates it."""
        if self.reserving(line) and self.line_quant(line) is None:
            self.quant(line["product_id"], line["location_id"], line.get("lot_id") or False)

    def ensure_reservation_quants(self):
        for line in list(self.env.table("stock.move.line").values()):
            self.ensure_line_quant(line)

    def reserved_by_quant(self, product_id) -> dict:
        """stock.quant.reserved_quantity of the product's quants: {quant id: quantity}."""
        out: dict = {}
        for line in self.env.table("stock.move.line").values():
            if line.get("product_id") != product_id or not self.reserving(line):
                continue
            quant = self.line_quant(line)
            if quant is not None:
                out[quant["id"]] = out.get(quant["id"], 0.0) + self.line_product_qty(line)
        return out

    def reserved_product(self, product_id) -> float:
        return float(sum(self.line_product_qty(line) for line in self.env.table("stock.move.line").values()
                         if line.get("product_id") == product_id and self.reserving(line)))

    def reserve_plan(self, product: dict, location_id, quantity: float, *, uom=None, lot_id=False,
                     strict=False, reserved=None) -> list:
        """stock.quant._get_reserve_quantity: [(quant, quantity)] that can be
        reserved, in the product's unit."""
        if not product or not self.storable(product) or quantity <= EPSILON:
            return []
        self.sync_quants(product)
        quants = self.gather(product["id"], location_id, lot_id, strict=strict)
        if reserved is None:
            reserved = self.reserved_by_quant(product["id"])
        held = lambda q: float(reserved.get(q["id"], 0.0))  # noqa: E731
        qty_of = lambda q: float(q.get("quantity") or 0.0)  # noqa: E731
        if product.get("tracking", "none") == "none":
            available = max(0.0, sum(qty_of(q) - held(q) for q in quants))
        else:
            per_lot: dict = {}
            for q in quants:
                if not q.get("lot_id") and strict and lot_id:
                    continue
                key = q.get("lot_id") or "untracked"
                per_lot[key] = per_lot.get(key, 0.0) + qty_of(q) - held(q)
            available = sum(v for v in per_lot.values() if v > EPSILON)
        quantity = min(quantity, available)
        puom = self.product_uom(product)
        if not strict and uom and uom != puom:
            in_uom = uom_convert(self.env, quantity, puom, uom, method="DOWN")
            quantity = uom_convert(self.env, in_uom, uom, puom, method="HALF-UP")
        if product.get("tracking") == "serial" and abs(quantity - int(quantity)) > EPSILON:
            quantity = 0.0
        if quantity <= EPSILON:
            return []
        available = sum(qty_of(q) for q in quants if qty_of(q) > EPSILON) - sum(held(q) for q in quants)
        negative: dict = {}
        for q in quants:
            if qty_of(q) - held(q) < -EPSILON:
                key = (q.get("location_id"), q.get("lot_id") or False)
                negative[key] = negative.get(key, 0.0) + qty_of(q) - held(q)
        plan = []
        for q in quants:
            free = qty_of(q) - held(q)
            if free <= EPSILON:
                continue
            key = (q.get("location_id"), q.get("lot_id") or False)
            if negative.get(key):
                removed = min(abs(negative[key]), free)
                negative[key] += removed
                free -= removed
            if free <= EPSILON:
                continue
            take = min(free, quantity)
            plan.append((q, take))
            quantity -= take
            available -= take
            if quantity <= EPSILON or abs(available) <= EPSILON:
                break
        return plan

    def bypass(self, move: dict) -> bool:
        """stock.move._should_bypass_reservation: the source location is not
        internal, or the product keeps no stock."""
        return not self.internal(move.get("location_id")) or not self.storable(self.product(move))

    def reserve(self, move: dict):
        """stock.move._action_assign for one move (picked moves are left alone):
        lines on the quants that _get_reserve_quantity gives, a line of the
        same location and lot growing rather than a new one; moves that bypass
        reservation get their whole demand on a plain line (serials with lots
        in use: one line per unit)."""
        if move["state"] not in ("confirmed", "waiting", "partially_available") or move.get("picked"):
            return
        env = self.env
        product = self.product(move)
        muom, puom = self.move_uom(move), self.product_uom(product)
        missing = float(move.get("product_uom_qty") or 0.0) - self.lines_quantity(move)
        if self.origins(move):
            missing = min(missing, self.from_origins(move))
        if missing > EPSILON:
            need = uom_convert(env, missing, muom, puom, method="HALF-UP")
            picking = env.get("stock.picking", move.get("picking_id"))
            ptype = self.picking_type(picking) if picking else {}
            lots_in_use = ptype.get("use_create_lots") or ptype.get("use_existing_lots")
            if self.bypass(move):
                if product.get("tracking") == "serial" and lots_in_use:
                    self.add_lines(move, [self.line_vals(move, 1.0) for _i in range(int(need))])
                else:
                    to_update = next((line for line in sorted(self.lines(move), key=lambda r: r["id"])
                                      if self.line_uom(line) == muom
                                      and line.get("location_id") == move.get("location_id")
                                      and line.get("location_dest_id") == move.get("location_dest_id")
                                      and not line.get("picked") and not line.get("lot_id")
                                      and not line.get("result_package_id") and not line.get("package_id")), None)
                    if to_update:
                        to_update["quantity"] = float(to_update.get("quantity") or 0.0) + uom_convert(
                            env, need, puom, muom, method="HALF-UP")
                    else:
                        self.add_lines(move, [self.line_vals(move, need)])
            else:
                self.apply_plan(move, self.reserve_plan(product, move.get("location_id"), need, uom=muom),
                                serial_lines=product.get("tracking") == "serial" and lots_in_use)
            self.refresh_from_lines(move)
        self.recompute_move_state(move)

    def apply_plan(self, move: dict, plan: list, serial_lines=False):
        """stock.move._update_reserved_quantity_vals: per location and lot, the
        move's line there grows, else a new line (serials: one per unit)."""
        product = self.product(move)
        candidates = {}
        for line in self.lines(move):
            if line.get("result_package_id") or line.get("package_id") or product.get("tracking") == "serial":
                continue
            candidates[(line.get("location_id"), line.get("lot_id") or False)] = line
        grouped: dict = {}
        for quant, quantity in plan:
            key = (quant.get("location_id"), quant.get("lot_id") or False)
            if key in grouped:
                grouped[key][1] += quantity
            else:
                grouped[key] = [quant, quantity]
        creates = []
        for key, (quant, quantity) in grouped.items():
            line = candidates.get(key)
            if line is not None:
                luom = self.line_uom(line)
                in_line = float_round(uom_convert(self.env, quantity, self.product_uom(product), luom,
                                                  method="HALF-UP"), 0.01)
                back = uom_convert(self.env, in_line, luom, self.product_uom(product), method="HALF-UP")
                if abs(back - quantity) < 0.005:
                    line["quantity"] = float(line.get("quantity") or 0.0) + in_line
                    continue
            if serial_lines:
                creates.extend(self.line_vals(move, 1.0, quant) for _i in range(int(quantity)))
            else:
                creates.append(self.line_vals(move, quantity, quant))
        self.add_lines(move, creates)

    def confirm_moves(self, moves: list):
        """stock.move._action_confirm: draft -> confirmed, then reserve at once
        when the operation type reserves 'at_confirm' (the default)."""
        confirmed = []
        for move in moves:
            if move["state"] == "draft":
                move["state"] = "confirmed"
                confirmed.append(move)
        for move in confirmed:
            picking = self.env.get("stock.picking", move.get("picking_id"))
            method = self.picking_type(picking).get("reservation_method", "at_confirm") if picking else "at_confirm"
            if method == "at_confirm":
                self.reserve(move)

    def cancel_moves(self, moves: list):
        """stock.move._action_cancel."""
        if any(m["state"] == "done" for m in moves):
            raise UserError(MSG_CANCEL_DONE)
        for move in moves:
            if move["state"] == "cancel":
                continue
            for line in self.lines(move):
                self.env.delete("stock.move.line", line["id"])
            move["quantity"] = 0.0
            move["picked"] = False
            move["state"] = "cancel"

    # -- picking actions -------------------------------------------------------
    def action_confirm(self, pickings: list) -> bool:
        moves = [m for p in pickings for m in self.moves(p) if m["state"] == "draft"]
        self.confirm_moves(moves)
        self.refresh_pickings(p["id"] for p in pickings)
        return True

    def action_assign(self, pickings: list) -> bool:
        """stock.picking.action_assign: confirm drafts, reserve, or refuse with
        'Nothing to check the availability for.'"""
        self.action_confirm([p for p in pickings if p["state"] == "draft"])
        moves = [m for p in pickings for m in self.moves(p) if m["state"] not in ("draft", "cancel", "done")]
        if not moves:
            raise UserError(MSG_NOTHING_TO_ASSIGN)
        for move in moves:
            self.reserve(move)
        self.refresh_pickings(p["id"] for p in pickings)
        return True

    def action_cancel(self, pickings: list) -> bool:
        moves = [m for p in pickings for m in self.moves(p)]
        self.cancel_moves(moves)
        for picking in pickings:
            picking["is_locked"] = True
            if not self.moves(picking):
                before = picking.get("state")
                picking["state"] = "cancel"
                self.track_state(picking, before)
        self.refresh_pickings(p["id"] for p in pickings if self.moves(p))
        return True

    def do_unreserve(self, pickings: list):
        moves = [m for p in pickings for m in self.moves(p)]
        if any(m["state"] == "done" for m in moves):
            raise UserError(MSG_UNRESERVE_DONE)
        for move in moves:
            if move["state"] in ("cancel", "done"):
                continue
            for line in self.lines(move):
                if not line.get("picked"):
                    self.env.delete("stock.move.line", line["id"])
            self.refresh_from_lines(move)
            self.recompute_move_state(move)
        self.refresh_pickings(p["id"] for p in pickings)
        return None

    # -- validation ------------------------------------------------------------
    def button_validate(self, ids):
        """stock.picking.button_validate (Odoo 17-19).

        Done pickings are skipped on 18 and 19 (so validating one again
        returns True; 17 refuses it in the sanity check);
        drafts are confirmed and their empty moves get quantity = demand;
        sanity checks; pre-validation wizards (backorder first, then the
        stock_sms warning); then _action_done with or without backorder.
        """
        env = self.env
        pickings = self.pickings(ids)
        if env.version >= 18:
            # 18+: self.filtered(lambda p: p.state != 'done'); 17 sanity-checks
            # done pickings too, and refuses them (no quantity to validate)
            pickings = [p for p in pickings if p["state"] != "done"]
        drafts = [p for p in pickings if p["state"] == "draft"]
        self.action_confirm(drafts)
        for picking in drafts:
            for move in self.moves(picking):
                if abs(move.get("quantity") or 0.0) < EPSILON and abs(move.get("product_uom_qty") or 0.0) > EPSILON:
                    self.set_move_quantity(move, move["product_uom_qty"])
                    self.recompute_move_state(move)
            self.recompute_picking_state(picking)

        if not env.context.get("skip_sanity_check"):
            self.sanity_check(pickings)
        if env.version < 19:
            # 17/18: self.message_subscribe([self.env.user.partner_id.id])
            for picking in pickings:
                subscribe(env, "stock.picking", picking["id"], [user_partner(env)])

        if not env.context.get("button_validate_picking_ids"):
            env = env(button_validate_picking_ids=[p["id"] for p in pickings])
        stock = Stock(env)
        result = stock.pre_action_done_hook(pickings)
        if result is not True:
            return result

        not_to_backorder = [p for p in pickings if self.picking_type(p).get("create_backorder") == "never"]
        if env.context.get("picking_ids_not_to_backorder"):
            listed = {p["id"] for p in not_to_backorder}
            for picking in self.pickings(env.context["picking_ids_not_to_backorder"]):
                if self.picking_type(picking).get("create_backorder") != "always" and picking["id"] not in listed:
                    not_to_backorder.append(picking)
                    listed.add(picking["id"])
        excluded = {p["id"] for p in not_to_backorder}
        to_backorder = [p for p in pickings if p["id"] not in excluded]
        if not_to_backorder:
            stock.action_done(not_to_backorder, cancel_backorder=True)
        if to_backorder:
            stock.action_done(to_backorder, cancel_backorder=False)
        return True

    def sanity_check(self, pickings: list):
        """stock.picking._sanity_check."""
        several = len(pickings) > 1
        without_moves = [p for p in pickings if not self.moves(p)
                         and not self.env.o2m_rows("stock.move.line", "picking_id", p["id"])]
        without_quantities = []
        for picking in pickings:
            moves = self.moves(picking)
            # 19 looks at the picked moves only when some are; 17/18 at all of them
            has_pick = self.env.version >= 19 and any(
                m.get("picked") and m["state"] not in ("done", "cancel") for m in moves)
            relevant = [m for m in moves if m["state"] not in ("done", "cancel") and (not has_pick or m.get("picked"))]
            if all(abs(float(m.get("quantity") or 0.0)) < EPSILON for m in relevant):
                without_quantities.append(picking)
        products_without_lots = []
        pickings_without_lots = []
        for picking in pickings:
            ptype = self.picking_type(picking)
            if not (ptype.get("use_create_lots") or ptype.get("use_existing_lots")):
                continue
            for line in self.env.o2m_rows("stock.move.line", "picking_id", picking["id"]):
                product = self.env.get("product.product", line.get("product_id")) or {}
                if (product.get("tracking") in ("lot", "serial") and line.get("picked")
                        and abs(float(line.get("quantity") or 0.0)) > EPSILON
                        and not line.get("lot_name") and not line.get("lot_id")):
                    if picking not in pickings_without_lots:
                        pickings_without_lots.append(picking)
                    name = self.env.display_name_of("product.product", product)
                    if name not in products_without_lots:
                        products_without_lots.append(name)
        if not several:
            if without_moves:
                raise UserError(MSG_EMPTY_TRANSFER)
            if without_quantities:
                raise UserError(MSG_NO_QUANTITY_19 if self.env.version >= 19 else MSG_NO_QUANTITY_17)
            if pickings_without_lots:
                raise UserError("You need to supply a Lot/Serial number for products "
                                f"{', '.join(products_without_lots)}.")
        else:
            message = ""
            if without_moves:
                message += ("Transfers " + ", ".join(p["name"] for p in without_moves)
                            + ": Please add some items to move.")
            if pickings_without_lots:
                message += ("\n\nTransfers " + str([p["name"] for p in pickings_without_lots])
                            + ": You need to supply a Lot/Serial number for products "
                            + str(products_without_lots) + ".")
            if message:
                raise UserError(message.lstrip())

    def pre_action_done_hook(self, pickings: list):
        """stock.picking._pre_action_done_hook, extended by stock_sms.

        A picking with quantities but nothing picked gets every move picked.
        Then, unless skip_backorder, pickings short of their demand open the
        backorder wizard; only if that did not happen, and unless skip_sms,
        the first delivery of a company opens the SMS warning wizard.
        """
        for picking in pickings:
            moves = self.moves(picking)
            has_quantity = any(m.get("quantity") for m in moves)
            has_pick = any(m.get("picked") for m in moves)
            if has_quantity and not has_pick:
                for move in moves:
                    self.set_picked(move, True)
        if not self.env.context.get("skip_backorder"):
            to_backorder = self.check_backorder(pickings)
            if to_backorder:
                return self.backorder_wizard_action(to_backorder, show_transfers=len(pickings) > 1)
        if not self.env.context.get("skip_sms"):
            to_warn = [p for p in pickings if self.needs_sms_warning(p)]
            if to_warn:
                return self.sms_wizard_action(to_warn)
        return True

    def picked_quantity(self, move: dict) -> float:
        lines = self.lines(move)
        if lines:
            return sum(float(line.get("quantity") or 0.0) for line in lines if line.get("picked"))
        return float(move.get("quantity") or 0.0) if move.get("picked") else 0.0

    def check_backorder(self, pickings: list) -> list:
        """stock.picking._check_backorder."""
        result = []
        for picking in pickings:
            if self.picking_type(picking).get("create_backorder", "ask") != "ask":
                continue
            for move in self.moves(picking):
                if move["state"] == "cancel":
                    continue
                demand = float(move.get("product_uom_qty") or 0.0)
                if (demand and not move.get("picked")) or self.picked_quantity(move) < demand - EPSILON:
                    result.append(picking)
                    break
        return result

    def backorder_wizard_action(self, pickings: list, show_transfers: bool) -> dict:
        """stock.picking._action_generate_backorder_wizard."""
        context = dict(self.env.context)
        context["default_show_transfers"] = show_transfers
        context["default_pick_ids"] = [[4, p["id"]] for p in pickings]
        return {
            "name": "Create Backorder?",
            "type": "ir.actions.act_window",
            "view_mode": "form",
            "res_model": "stock.backorder.confirmation",
            "views": [[VIEW_BACKORDER_ID, "form"]],
            "view_id": VIEW_BACKORDER_ID,
            "target": "new",
            "context": context,
        }

    def needs_sms_warning(self, picking: dict) -> bool:
        """stock_sms: stock.picking._check_warn_sms."""
        company = self.env.get("res.company", picking.get("company_id")) or {}
        partner = self.env.get("res.partner", picking.get("partner_id")) or {}
        return bool(sms_validation(self.env, company)
                    and self.picking_type(picking).get("code") == "outgoing"
                    and partner.get("phone")
                    and not company.get("has_received_warning_stock_sms"))

    def sms_wizard_action(self, pickings: list) -> dict:
        """stock_sms: stock.picking._action_generate_warn_sms_wizard."""
        wizard = self.env.insert("confirm.stock.sms", {"pick_ids": [p["id"] for p in pickings]})
        return {
            "name": "SMS",
            "type": "ir.actions.act_window",
            "view_mode": "form",
            "res_model": "confirm.stock.sms",
            "views": [[VIEW_SMS_ID, "form"]],
            "view_id": VIEW_SMS_ID,
            "target": "new",
            "res_id": wizard["id"],
            "context": dict(self.env.context),
        }

    def action_done(self, pickings: list, cancel_backorder: bool):
        """stock.picking._action_done + stock.move._action_done.

        Moves not picked (or with nothing) are cancelled when the backorder is
        refused or their demand is zero, and go to the backorder otherwise.
        Without cancel_backorder, a move done for less than its demand is split
        and the rest goes to a backorder picking, which is then reserved.
        """
        todo = [m for p in pickings for m in self.moves(p)
                if m["state"] in ("draft", "waiting", "partially_available", "assigned", "confirmed")]
        self.confirm_moves([m for m in todo if m["state"] == "draft"])
        for move in todo:
            if move.get("picked"):
                for line in self.lines(move):
                    if not line.get("picked"):
                        self.env.delete("stock.move.line", line["id"])
                self.refresh_from_lines(move)
            if float(move.get("quantity") or 0.0) <= EPSILON or not move.get("picked"):
                if abs(float(move.get("product_uom_qty") or 0.0)) < EPSILON or cancel_backorder:
                    self.cancel_moves([move])
        moves_done = [m for m in todo if m["state"] != "cancel" and m.get("picked")
                      and float(m.get("quantity") or 0.0) > EPSILON]
        self.check_lots(moves_done)
        for move in moves_done:
            if float(move["quantity"]) > float(move.get("product_uom_qty") or 0.0):
                move["product_uom_qty"] = float(move["quantity"])
        if not cancel_backorder:
            for move in moves_done:
                rest = float(move.get("product_uom_qty") or 0.0) - float(move["quantity"])
                if rest > EPSILON:
                    move["product_uom_qty"] = float(move["quantity"])
                    split = self.env.insert("stock.move", {
                        **{k: v for k, v in _copy_row(move).items() if k != "id"},
                        "product_uom_qty": rest, "quantity": 0.0, "picked": False, "state": "draft",
                        "create_date": now_str(), "write_date": now_str(),
                    })
                    # stock.move._split: the rest keeps the move's origins (move_orig_ids)
                    for origin in self.origins(move):
                        origin["move_dest_ids"] = list(origin.get("move_dest_ids") or []) + [split["id"]]
                    self.confirm_moves([split])
        stamp = now_str()
        for move in moves_done:
            move["state"] = "done"
            move["date"] = stamp
            for line in self.lines(move):
                line["date"] = stamp
            self.move_stock(move)
        for picking in pickings:
            picking["date_done"] = stamp
            picking["priority"] = "0"
            picking["write_date"] = stamp
            self.recompute_picking_state(picking)
        if self.env.version >= 18:
            self.push(moves_done)
        else:
            # 17: the make_to_order moves waiting for these are reserved with what arrived
            waiting = {d for m in moves_done for d in (m.get("move_dest_ids") or [])}
            for move in (self.env.get("stock.move", d) for d in sorted(waiting)):
                if move and move["state"] in ("waiting", "confirmed", "partially_available"):
                    self.reserve(move)
            self.refresh_pickings(self.env.get("stock.move", d).get("picking_id") for d in sorted(waiting))
        if not cancel_backorder:
            for picking in pickings:
                self.create_backorder(picking)
        _sale_extra_lines(self.env, pickings)
        return True

    def check_lots(self, moves: list):
        """stock.move.line._action_done: tracked products need a lot."""
        for move in moves:
            product = self.product(move)
            if product.get("tracking") not in ("lot", "serial"):
                continue
            for line in self.lines(move):
                if not line.get("lot_id") and not line.get("lot_name"):
                    raise UserError("You need to supply a Lot/Serial number for product: \n - "
                                    + self.env.display_name_of("product.product", product))
                if line.get("lot_name") and not line.get("lot_id"):
                    lot = self.env.insert("stock.lot", {"name": line["lot_name"], "product_id": product["id"]})
                    line["lot_id"] = lot["id"]
                if line["lot_id"] not in move.get("lot_ids", []):
                    move["lot_ids"] = list(move.get("lot_ids") or []) + [line["lot_id"]]

    def move_stock(self, move: dict):
        """Update on-hand quantity when a move is done: each line takes its
        quantity (in the product's unit) out of its internal source location
        and brings it into its internal destination (a delivery's source, a
        receipt's destination: the stock location unless the line says
        another internal one); outgoing stock may go below zero."""
        product = self.product(move)
        if not product or not self.storable(product):
            return
        code = self.code_of_move(move)
        location = self.stock_location()
        lines = self.lines(move)
        if not lines:
            lines = [{"quantity": move.get("quantity"), "lot_id": False, "product_id": move.get("product_id"),
                      "product_uom_id": self.move_uom(move), "location_id": move.get("location_id"),
                      "location_dest_id": move.get("location_dest_id")}]
        for line in lines:
            quantity = self.line_product_qty(line)
            lot = line.get("lot_id") or False
            source, dest = line.get("location_id"), line.get("location_dest_id")
            if code == "outgoing" and not self.internal(source):
                source = location
            if code == "incoming" and not self.internal(dest):
                dest = location
            if self.internal(source):
                self.add_stock(product, source, lot, -quantity)
            if self.internal(dest):
                self.add_stock(product, dest, lot, quantity)

    def create_backorder(self, picking: dict):
        """stock.picking._create_backorder: open moves go to a copy of the
        picking named from the same sequence, then the copy is reserved."""
        moves = [m for m in self.moves(picking) if m["state"] not in ("done", "cancel")]
        if not moves:
            return None
        for move in moves:
            self.recompute_move_state(move)
        values = {k: picking.get(k) for k in (
            "origin", "note", "move_type", "priority", "scheduled_date", "date_deadline", "location_id",
            "location_dest_id", "picking_type_id", "partner_id", "company_id", "carrier_id", "sale_id")}
        values.update({"name": next_picking_name(self.env, picking["picking_type_id"]),
                       "backorder_id": picking["id"], "user_id": False, "state": "draft",
                       "is_locked": True, "shipping_weight": None})
        backorder = self.env.insert("stock.picking", values)
        for move in moves:
            move["picking_id"] = backorder["id"]
            self.set_picked(move, False)
            for line in self.lines(move):
                line["picking_id"] = backorder["id"]
        post_message(self.env, "stock.picking", picking["id"],
                     f"The backorder <a href=\"#\" data-oe-model=\"stock.picking\" "
                     f"data-oe-id=\"{backorder['id']}\">{backorder['name']}</a> has been created.",
                     message_type="notification")
        self.recompute_picking_state(backorder)
        if self.picking_type(backorder).get("reservation_method", "at_confirm") == "at_confirm":
            self.action_assign([backorder])
        self.recompute_picking_state(picking)
        return backorder


def picking_prefix(env: Env, ptype: dict) -> str:
    """The prefix of the operation type's ir.sequence: the warehouse's code and
    the sequence code ('WH/OUT/'); the seeded types hold the whole prefix."""
    code = ptype.get("sequence_code") or ""
    if "/" in code:
        return code
    warehouse = env.get("stock.warehouse", ptype.get("warehouse_id")) or {}
    return f"{warehouse.get('code') or 'WH'}/{code}/" if code else "WH/"


def next_picking_name(env: Env, type_id) -> str:
    """ir.sequence of the operation type: 'WH/OUT/00013'."""
    ptype = env.get("stock.picking.type", type_id) or {}
    number = env.store.sequences.get(type_id, 1)
    env.store.sequences[type_id] = number + 1
    return f"{picking_prefix(env, ptype)}{number:05d}"


# -- warehouses and their delivery routes (stock_warehouse.py) ----------------------------

WAREHOUSE_LOCATIONS = (("lot_stock_id", "Stock"), ("wh_output_stock_loc_id", "Output"),
                       ("wh_pack_stock_loc_id", "Packing Zone"))
# field, name, code, sequence code, default source and destination (location fields or xmlids)
WAREHOUSE_TYPES = (("in_type_id", "Receipts", "incoming", "IN", "stock.stock_location_suppliers", "lot_stock_id"),
                   ("out_type_id", "Delivery Orders", "outgoing", "OUT", "lot_stock_id",
                    "stock.stock_location_customers"),
                   ("pick_type_id", "Pick", "internal", "PICK", "lot_stock_id", "wh_output_stock_loc_id"),
                   ("pack_type_id", "Pack", "internal", "PACK", "wh_pack_stock_loc_id", "wh_output_stock_loc_id"),
                   ("int_type_id", "Internal Transfers", "internal", "INT", "lot_stock_id", "lot_stock_id"))


def warehouse_setup(env: Env, warehouse: dict):
    """stock.warehouse.create: the view location named by the code, the
    locations under it and the operation types (their sequences
    CODE/PICK/...), each made only if the warehouse has none yet."""
    if not warehouse.get("view_location_id"):
        warehouse["view_location_id"] = orm_create(env, "stock.location", [{
            "name": warehouse.get("code") or "", "usage": "view",
            "location_id": env.ref("stock.stock_location_locations") or False}])[0]
    for field, name in WAREHOUSE_LOCATIONS:
        if not warehouse.get(field):
            warehouse[field] = orm_create(env, "stock.location", [{
                "name": name, "usage": "internal", "location_id": warehouse["view_location_id"]}])[0]
    where = lambda key: warehouse.get(key) if "." not in key else env.ref(key)  # noqa: E731
    sequence = max((t.get("sequence") or 0 for t in env.table("stock.picking.type").values()), default=0)
    for field, name, code, sequence_code, src, dest in WAREHOUSE_TYPES:
        if warehouse.get(field):
            continue
        sequence += 1
        warehouse[field] = orm_create(env, "stock.picking.type", [{
            "name": name, "code": code, "sequence": sequence, "sequence_code": sequence_code,
            "default_location_src_id": where(src) or False, "default_location_dest_id": where(dest) or False,
            "use_create_lots": code == "incoming", "use_existing_lots": code != "incoming",
            "warehouse_id": warehouse["id"], "company_id": warehouse.get("company_id") or COMPANY_ID}])[0]
    warehouse_apply_steps(env, warehouse)


def warehouse_apply_steps(env: Env, warehouse: dict):
    """What delivery_steps changes (_get_picking_type_update_values,
    _get_locations_values): the Output and Packing Zone locations and the
    Pick and Pack types are active when a step uses them; Pick ends in the
    Packing Zone on three steps, in Output on two; the delivery starts in
    Output unless it is the only step."""
    steps = warehouse.get("delivery_steps") or "ship_only"
    for field, active in (("wh_output_stock_loc_id", steps != "ship_only"),
                          ("wh_pack_stock_loc_id", steps == "pick_pack_ship")):
        location = env.get("stock.location", warehouse.get(field))
        if location:
            location["active"] = active
    for field, active in (("pick_type_id", steps != "ship_only"), ("pack_type_id", steps == "pick_pack_ship")):
        ptype = env.get("stock.picking.type", warehouse.get(field))
        if ptype:
            ptype["active"] = active
    pick = env.get("stock.picking.type", warehouse.get("pick_type_id"))
    if pick:
        pick["default_location_dest_id"] = warehouse.get(
            "wh_pack_stock_loc_id" if steps == "pick_pack_ship" else "wh_output_stock_loc_id") or False
    out = env.get("stock.picking.type", warehouse.get("out_type_id"))
    if out:
        out["default_location_src_id"] = warehouse.get(
            "lot_stock_id" if steps == "ship_only" else "wh_output_stock_loc_id") or False


def delivery_chain(env: Env, warehouse: dict | None) -> list:
    """The steps of the warehouse's delivery route: [(operation type, source,
    destination)], from the stock to the customers."""
    customers = env.ref("stock.stock_location_customers")
    if not warehouse:
        return []
    get = lambda field: warehouse.get(field) or False  # noqa: E731
    steps = warehouse.get("delivery_steps") or "ship_only"
    if steps == "pick_ship":
        return [(get("pick_type_id"), get("lot_stock_id"), get("wh_output_stock_loc_id")),
                (get("out_type_id"), get("wh_output_stock_loc_id"), customers)]
    if steps == "pick_pack_ship":
        return [(get("pick_type_id"), get("lot_stock_id"), get("wh_pack_stock_loc_id")),
                (get("pack_type_id"), get("wh_pack_stock_loc_id"), get("wh_output_stock_loc_id")),
                (get("out_type_id"), get("wh_output_stock_loc_id"), customers)]
    return [(get("out_type_id"), get("lot_stock_id"), customers)]


def _warehouse_create_done(env: Env, row: dict, vals: dict):
    warehouse_setup(env, row)


def _warehouse_write_done(env: Env, rows: list, vals: dict, before: dict):
    if "delivery_steps" in vals:
        for row in rows:
            warehouse_setup(env, row)


def user_partner(env: Env) -> int:
    """The partner of the API user (res.users.partner_id)."""
    return (env.get("res.users", env.uid) or {}).get("partner_id") or 3


def subscribe(env: Env, model: str, res_id: int, partner_ids):
    """mail.thread.message_subscribe / _message_subscribe: a follower row per
    partner that does not follow the record yet (the Discussions subtype)."""
    have = {r.get("partner_id") for r in env.table("mail.followers").values()
            if r.get("res_model") == model and r.get("res_id") == res_id}
    for partner_id in partner_ids:
        if partner_id and partner_id not in have:
            env.insert("mail.followers", {"res_model": model, "res_id": res_id, "partner_id": partner_id,
                                          "subtype_ids": [SUBTYPES["mail.mt_comment"]]})
            have.add(partner_id)


def _follower_create_done(env: Env, row: dict, vals: dict):
    """The unique index of mail_followers: a second row for the same partner
    and record fails at INSERT (the whole call is rolled back)."""
    for other in env.table("mail.followers").values():
        if (other["id"] != row["id"] and other.get("res_model") == row.get("res_model")
                and other.get("res_id") == row.get("res_id") and other.get("partner_id") == row.get("partner_id")):
            raise follower_twice(row.get("res_model"), row.get("res_id"), row.get("partner_id"))


def post_message(env: Env, model: str, res_id: int, body: str, *, message_type="notification",
                 subtype_id=2, subject=False, partner_ids=None) -> int:
    row = env.insert("mail.message", {
        "body": body, "model": model, "res_id": res_id, "message_type": message_type,
        "subtype_id": subtype_id, "author_id": 3, "subject": subject,
        "partner_ids": list(partner_ids or []),
    })
    return row["id"]


# ===========================================================================
# Sales and invoicing (addons/sale, sale_stock, delivery, account)
# ===========================================================================

MSG_SO_NOT_CONFIRMABLE = "Some orders are not in a state requiring confirmation."
MSG_SO_LINE_NO_PRODUCT = "A line on these orders missing a product, you cannot confirm it."
MSG_SO_LOCKED_CANCEL = "You cannot cancel a locked order. Please unlock it first."
MSG_SO_DELETE = ("You can not delete a sent quotation or a confirmed sales order. "
                 "You must first cancel it.")
MSG_SO_ONLY_DRAFT_SENT = "Only draft orders can be marked as sent directly."
MSG_SOL_DELETE = ("Once a sales order is confirmed, you can't remove one of its lines (we need to track if "
                  "something gets invoiced or delivered).\nSet the quantity to 0 instead.")
MSG_SOL_BELOW_DELIVERED = ("The ordered quantity of a sale order line cannot be decreased below the amount "
                           "already delivered. Instead, create a return in your inventory.")
MSG_SOL_REQUIRED = ("The operation cannot be completed: Missing required fields on accountable sale order line.")
MSG_NOTHING_TO_INVOICE = (
    "Cannot create an invoice. No items are available to invoice.\n\n"
    "To resolve this issue, please ensure that:\n"
    "   \u2022 The products have been delivered before attempting to invoice them.\n"
    "   \u2022 The invoicing policy of the product is configured correctly.\n\n"
    "If you want to invoice based on ordered quantities instead:\n"
    "   \u2022 For consumable or storable products, open the product, go to the 'General Information' tab "
    "and change the 'Invoicing Policy' from 'Delivered Quantities' to 'Ordered Quantities'.\n"
    "   \u2022 For services (and other products), change the 'Invoicing Policy' to 'Prepaid/Fixed Price'.\n")
MSG_MOVE_NO_LINE = "You need to add a line before posting."
MSG_MOVE_ONLY_DRAFT_CANCEL = "Only draft journal entries can be cancelled."
MSG_MOVE_DELETE_POSTED = "You cannot delete an entry which has been posted once."
# ids an action dict carries (account.action_move_out_invoice_type, account.view_move_form,
# sale.sale_order_cancel_view_form, sale.mail_template_sale_cancellation): stable numbers
ACTION_OUT_INVOICE_ID = 245
VIEW_MOVE_FORM_ID = 1026
VIEW_SALE_CANCEL_ID = 1780
TEMPLATE_SALE_CANCEL_ID = 17
MOVE_SEQUENCE_PREFIX = {"out_invoice": "INV", "out_refund": "RINV", "in_invoice": "BILL", "in_refund": "RBILL",
                        "out_receipt": "INV", "in_receipt": "BILL", "entry": "MISC"}


def next_sequence(env: Env, key: str) -> int:
    number = env.store.sequences.get(key, 1)
    env.store.sequences[key] = number + 1
    return number


def next_sale_name(env: Env) -> str:
    """ir.sequence 'sale.order': prefix S, padding 5."""
    return f"S{next_sequence(env, SALE_SEQUENCE):05d}"


def sale_origin(env: Env, order: dict):
    """The origin of an order's delivery and moves: the order's name; 18 adds
    the customer reference (sale_stock sale.order.line _prepare_procurement_values)."""
    if env.version == 18 and order.get("client_order_ref"):
        return f"{order.get('name')} - {order['client_order_ref']}"
    return order.get("name") or False


def origin_link(kind: str, model: str, row: dict) -> str:
    """mail.message_origin_link, rendered."""
    return (f'<p>This {kind} has been created from: <a href="#" data-oe-model="{model}" '
            f'data-oe-id="{row["id"]}">{html.escape(row.get("name") or "")}</a></p>')


class Sale:
    """sale.order confirmation (sale_stock procurement of one delivery per order),
    cancellation and invoicing (sale.order._create_invoices)."""

    def __init__(self, env: Env):
        self.env = env
        self.stock = Stock(env)

    def orders(self, ids) -> list[dict]:
        return Records(self.env, "sale.order", ids).rows()

    # -- delivery (sale_stock _action_launch_stock_rule) -------------------------
    def outgoing_type(self, warehouse=None) -> dict:
        """The delivery type of the order's warehouse, else the first one."""
        types = [t for t in self.env.table("stock.picking.type").values()
                 if t.get("code") == "outgoing" and t.get("active", True)]
        types = [t for t in types if warehouse and t.get("warehouse_id") == warehouse["id"]] or types
        if not types:
            raise UserError("No rule has been found to replenish the product in Partners/Customers.")
        return sorted(types, key=lambda t: (t.get("sequence") or 0, t["id"]))[0]

    def procured_qty(self, line: dict) -> float:
        """sale.order.line._get_qty_procurement: demand of the open outgoing moves,
        quantity of the done ones."""
        total = 0.0
        for move in _sol_moves(self.env, line):
            if move["state"] == "cancel" or not self.procured(move):
                continue
            quantity = move.get("quantity") if move["state"] == "done" else move.get("product_uom_qty")
            total += uom_convert(self.env, quantity, move.get("product_uom"), _sol_uom(self.env, line),
                                 method="HALF-UP")
        return total

    def procured(self, move: dict) -> bool:
        """_get_outgoing_incoming_moves of _get_qty_procurement: 17 counts the
        moves to the customer; 18/19 (strict=False) the moves the first rule
        made (no origin move) whose final location is the customer's."""
        if self.env.version < 18:
            return _to_customer(self.env, move)
        final = move.get("location_final_id") or move.get("location_dest_id")
        return not _move_origins(self.env, move) and (
            (self.env.get("stock.location", final) or {}).get("usage") == "customer")

    def warehouse(self, order: dict) -> dict | None:
        return self.env.get("stock.warehouse", order.get("warehouse_id"))

    def open_pickings(self, order: dict) -> list[dict]:
        """stock.move._search_picking_for_assignation: an open delivery of the order."""
        return sorted((p for p in _so_pickings(self.env, order)
                       if p["state"] in ("draft", "waiting", "confirmed", "assigned")
                       and self.stock.picking_type(p).get("code") == "outgoing"), key=lambda p: p["id"])

    def new_picking(self, order: dict, type_id=None, src=None, dest=None) -> dict:
        steps = {"location_id": src, "location_dest_id": dest} if type_id else {}
        pid = orm_create(self.env, "stock.picking", [{
            "picking_type_id": type_id or self.outgoing_type(self.warehouse(order))["id"], **steps,
            "partner_id": order.get("partner_shipping_id") or order.get("partner_id") or False,
            "origin": sale_origin(self.env, order),
            "carrier_id": order.get("carrier_id") or False,
            "move_type": order.get("picking_policy") or "direct",
            "scheduled_date": order.get("commitment_date") or now_str(),
            "company_id": order.get("company_id") or COMPANY_ID,
            "sale_id": order["id"],
        }])[0]
        post_message(self.env, "stock.picking", pid, origin_link("transfer", "sale.order", order))
        return self.env.get("stock.picking", pid)

    def launch(self, lines: list):
        """Procure what the confirmed lines miss: one delivery per order (the open
        one if there is one), one move per line; a lower quantity lowers the
        open moves."""
        more: dict[int, list] = {}
        touched = set()
        for line in lines:
            order = _sol_order(self.env, line)
            product = self.env.get("product.product", line.get("product_id")) or {}
            # goods: 'consu' (18+: storable or not), 'consu' or 'product' (17)
            if order.get("state") != "sale" or (product.get("type") or "consu") not in ("consu", "product"):
                continue
            delta = float(line.get("product_uom_qty") or 0.0) - self.procured_qty(line)
            if delta > EPSILON:
                more.setdefault(order["id"], []).append((line, delta))
            elif delta < -EPSILON:
                touched |= self.decrease(line, -delta)
        for order_id, items in more.items():
            order = self.env.get("sale.order", order_id)
            chain = delivery_chain(self.env, self.warehouse(order))
            if len(chain) > 1:
                touched |= self.launch_chain(order, chain, items)
                continue
            opened = self.open_pickings(order)
            picking = opened[0] if opened else self.new_picking(order)
            for line, delta in items:
                # stock's _adjust_uom_quantities: the procurement in the product's unit
                # (unless stock.propagate_uom)
                product_uom = (self.env.get("product.product", line["product_id"]) or {}).get("uom_id") or UOM_UNITS
                delta = uom_convert(self.env, delta, _sol_uom(self.env, line), product_uom, method="HALF-UP")
                existing = next((m for m in self.stock.moves(picking) if m.get("sale_line_id") == line["id"]
                                 and m["state"] not in ("done", "cancel")), None)
                if existing:
                    existing["product_uom_qty"] = float(existing.get("product_uom_qty") or 0.0) + uom_convert(
                        self.env, delta, product_uom, existing.get("product_uom"), method="HALF-UP")
                    if existing["state"] != "draft":
                        self.stock.recompute_move_state(existing)
                        self.stock.reserve(existing)
                    continue
                orm_create(self.env, "stock.move", [{
                    "name": line.get("name") or False, "product_id": line["product_id"],
                    "product_uom_qty": delta, "product_uom": product_uom,
                    "picking_id": picking["id"], "sale_line_id": line["id"],
                    "origin": sale_origin(self.env, order), "partner_id": picking.get("partner_id") or False,
                }])
            if not opened:
                self.stock.action_confirm([picking])
            touched.add(picking["id"])
        self.stock.refresh_pickings(touched)

    def launch_chain(self, order: dict, chain: list, items: list) -> set:
        """A multi-step delivery route: 18/19 (push rules after the first
        step) make the first step's move only, its final location the
        customer's; 17 (pull rules, make_to_order) makes a move per step at
        once, from the delivery back to the Pick, each later one waiting for
        the one before (move_dest_ids); the pickings come in step order."""
        steps = chain if self.env.version < 18 else chain[:1]
        customers = chain[-1][2]
        pickings = {}
        for type_id, src, dest in steps:
            opened = [p for p in _so_pickings(self.env, order) if p.get("picking_type_id") == type_id
                      and p["state"] in ("draft", "waiting", "confirmed", "assigned")]
            pickings[type_id] = (min(opened, key=lambda p: p["id"]) if opened
                                 else self.new_picking(order, type_id, src, dest))
        created = []
        for line, delta in items:
            product_uom = (self.env.get("product.product", line["product_id"]) or {}).get("uom_id") or UOM_UNITS
            delta = uom_convert(self.env, delta, _sol_uom(self.env, line), product_uom, method="HALF-UP")
            after = []
            for position, (type_id, src, dest) in reversed(list(enumerate(steps))):
                picking = pickings[type_id]
                values = {"name": line.get("name") or False, "product_id": line["product_id"],
                          "product_uom_qty": delta, "product_uom": product_uom, "picking_id": picking["id"],
                          # 17: only the move to the customer has the order line
                          "sale_line_id": line["id"] if self.env.version >= 18 or position == len(steps) - 1
                          else False, "origin": sale_origin(self.env, order),
                          "partner_id": picking.get("partner_id") or False, "location_id": src,
                          "location_dest_id": dest, "move_dest_ids": [[6, 0, after]],
                          "procure_method": "make_to_order" if position else "make_to_stock"}
                if self.env.version >= 18:
                    values["location_final_id"] = customers
                move_id = orm_create(self.env, "stock.move", [values])[0]
                created.append(self.env.get("stock.move", move_id))
                after = [move_id]
        self.stock.confirm_moves(created)
        self.stock.refresh_pickings(p["id"] for p in pickings.values())
        return {p["id"] for p in pickings.values()}

    def decrease(self, line: dict, quantity: float) -> set:
        """A negative procurement merged into the open moves of the line."""
        touched = set()
        moves = sorted((m for m in _sol_moves(self.env, line) if m["state"] not in ("done", "cancel")),
                       key=lambda m: m["id"], reverse=True)
        line_uom = _sol_uom(self.env, line)
        for move in moves:
            in_move = uom_convert(self.env, quantity, line_uom, move.get("product_uom"), method="HALF-UP")
            take = min(float(move.get("product_uom_qty") or 0.0), in_move)
            move["product_uom_qty"] = float(move.get("product_uom_qty") or 0.0) - take
            quantity -= uom_convert(self.env, take, move.get("product_uom"), line_uom, method="HALF-UP")
            if move["product_uom_qty"] <= EPSILON:
                self.stock.cancel_moves([move])
            elif float(move.get("quantity") or 0.0) > move["product_uom_qty"]:
                self.stock.set_move_quantity(move, move["product_uom_qty"])
                self.stock.recompute_move_state(move)
            touched.add(move.get("picking_id"))
            if quantity <= EPSILON:
                break
        return {t for t in touched if t}

    # -- workflow ---------------------------------------------------------------
    def confirm(self, orders: list) -> bool:
        """sale.order.action_confirm + sale_stock _action_confirm."""
        for order in orders:
            if order["state"] not in ("draft", "sent"):
                raise UserError(MSG_SO_NOT_CONFIRMABLE)
            if any(not line.get("product_id") for line in _so_lines(self.env, order)):
                raise UserError(MSG_SO_LINE_NO_PRODUCT)
        stamp = now_str()
        for order in orders:
            order.update(state="sale", date_order=stamp, write_date=stamp)
        self.launch([line for order in orders for line in _so_lines(self.env, order)])
        return True

    def cancel(self, records) -> dict | bool:
        """sale.order.action_cancel: before 19, the sale.order.cancel wizard for
        anything but a quotation, unless disable_cancel_warning; 19 cancels at once."""
        orders = records.rows()
        if any(order.get("locked") for order in orders):
            raise UserError(MSG_SO_LOCKED_CANCEL)
        if (self.env.version < 19 and not self.env.context.get("disable_cancel_warning")
                and any(o["state"] != "draft" for o in orders)):
            order = records.ensure_one()
            type_name = "Quotation" if order["state"] in ("draft", "sent", "cancel") else "Sales Order"
            return {
                "name": f"Cancel {type_name}",
                "view_mode": "form",
                "res_model": "sale.order.cancel",
                "view_id": VIEW_SALE_CANCEL_ID,
                "type": "ir.actions.act_window",
                "context": {
                    "default_template_id": TEMPLATE_SALE_CANCEL_ID,
                    "default_order_id": order["id"],
                    "mark_so_as_canceled": True,
                    "default_email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
                    "model_description": type_name,
                },
                "target": "new",
            }
        return self.action_cancel(orders)

    def action_cancel(self, orders: list) -> bool:
        """sale.order._action_cancel (+ sale_stock): draft invoices and open
        deliveries are cancelled."""
        for order in orders:
            for move_id in _so_invoices(self.env, order):
                move = self.env.get("account.move", move_id)
                if move["state"] == "draft":
                    move["state"] = "cancel"
        pickings = [p for order in orders for p in _so_pickings(self.env, order) if p["state"] != "done"]
        if pickings:
            self.stock.action_cancel(pickings)
        stamp = now_str()
        for order in orders:
            order.update(state="cancel", write_date=stamp)
        return True

    # -- invoicing -----------------------------------------------------------------
    def invoiceable_lines(self, order: dict, final: bool) -> list:
        """sale.order._get_invoiceable_lines."""
        result = []
        for line in _so_lines(self.env, order):
            qty = _sol_qty_to_invoice(self.env, line)
            if abs(qty) < 1e-6:
                continue
            if qty > 0 or (qty < 0 and final):
                result.append((line, qty))
        return result

    def create_invoices(self, orders: list, grouped=False, final=False) -> list[int]:
        """sale.order._create_invoices: one draft customer invoice per order, or
        per (company, invoice partner) unless grouped; negative totals become credit
        notes when final."""
        vals_list = []
        sequence = 0
        for order in orders:
            lines = self.invoiceable_lines(order, final)
            if not lines:
                continue
            vals = {
                "ref": order.get("client_order_ref") or "",
                "move_type": "out_invoice",
                "partner_id": order.get("partner_invoice_id") or order.get("partner_id"),
                "invoice_origin": order.get("name"),
                "company_id": order.get("company_id") or COMPANY_ID,
                "invoice_line_ids": [],
                "_orders": [order],
            }
            for line, qty in lines:
                vals["invoice_line_ids"].append([0, 0, {
                    "display_type": "product", "sequence": sequence,
                    "name": line.get("name") or False, "product_id": line.get("product_id") or False,
                    "quantity": qty, "price_unit": float(line.get("price_unit") or 0.0),
                    "sale_line_ids": [[4, line["id"]]],
                }])
                sequence += 1
            vals_list.append(vals)
        if not vals_list and self.env.context.get("raise_if_nothing_to_invoice", True):
            raise UserError(MSG_NOTHING_TO_INVOICE)
        if not grouped:
            merged: dict[tuple, dict] = {}
            for vals in vals_list:
                key = (vals["company_id"], vals["partner_id"])
                if key not in merged:
                    merged[key] = {**vals, "_origins": [vals["invoice_origin"]], "_refs": [vals["ref"]]}
                    continue
                ref = merged[key]
                ref["invoice_line_ids"] += vals["invoice_line_ids"]
                ref["_orders"] += vals["_orders"]
                ref["_origins"].append(vals["invoice_origin"])
                ref["_refs"].append(vals["ref"])
            vals_list = []
            for vals in merged.values():
                vals["invoice_origin"] = ", ".join(dict.fromkeys(vals.pop("_origins")))
                vals["ref"] = ", ".join(dict.fromkeys(vals.pop("_refs")))[:2000]
                vals_list.append(vals)
        move_ids = []
        for vals in vals_list:
            sources = vals.pop("_orders")
            move_id = orm_create(self.env, "account.move", [vals])[0]
            move = self.env.get("account.move", move_id)
            if final and _move_amount(self.env, move) < 0:
                # account.move.action_switch_move_type
                move["move_type"] = "out_refund"
                for aml in self.env.o2m_rows("account.move.line", "move_id", move_id):
                    aml["quantity"] = -float(aml.get("quantity") or 0.0)
            links = ", ".join(
                f'<a href="#" data-oe-model="sale.order" data-oe-id="{o["id"]}">{html.escape(o.get("name") or "")}</a>'
                for o in sources)
            post_message(self.env, "account.move", move_id, f"<p>This invoice has been created from: {links}</p>")
            move_ids.append(move_id)
        return move_ids

    def view_invoices(self, orders: list, invoices=None) -> dict:
        """sale.order.action_view_invoice (account.action_move_out_invoice_type)."""
        if not invoices:
            invoices = sorted({i for order in orders for i in _so_invoices(self.env, order)})
        list_mode = "tree" if self.env.version < 18 else "list"
        action = {
            "id": ACTION_OUT_INVOICE_ID, "name": "Invoices", "type": "ir.actions.act_window",
            "res_model": "account.move", "view_mode": f"{list_mode},kanban,form,activity",
            "views": [[False, list_mode], [False, "kanban"], [VIEW_MOVE_FORM_ID, "form"], [False, "activity"]],
            "domain": "[('move_type', '=', 'out_invoice')]", "target": "current",
        }
        if len(invoices) > 1:
            action["domain"] = [["id", "in", list(invoices)]]
        elif len(invoices) == 1:
            action["views"] = [[VIEW_MOVE_FORM_ID, "form"]] + [v for v in action["views"] if v[1] != "form"]
            action["res_id"] = invoices[0]
        else:
            action = {"type": "ir.actions.act_window_close"}
        context = {"default_move_type": "out_invoice"}
        if len(orders) == 1:
            order = orders[0]
            context.update({
                "default_partner_id": order.get("partner_id") or False,
                "default_partner_shipping_id": order.get("partner_shipping_id") or False,
                "default_invoice_payment_term_id": False,
                "default_invoice_origin": order.get("name") or False,
            })
        action["context"] = context
        return action


def _sale_extra_lines(env: Env, pickings: list):
    """sale_stock stock.picking._action_done: a picked move of a delivery of an
    order with no sale line gets a new line (ordered 0, delivered what was moved)."""
    for picking in pickings:
        order = env.get("sale.order", picking.get("sale_id"))
        if not order:
            continue
        for move in env.o2m_rows("stock.move", "picking_id", picking["id"]):
            if (move["state"] != "done" or move.get("sale_line_id") or not move.get("picked")
                    or not _to_customer(env, move)):
                continue
            product = env.get("product.product", move.get("product_id")) or {}
            price = 0.0
            if (product.get("invoice_policy") or "order") == "delivery":
                same = next((line for line in _so_lines(env, order)
                             if line.get("product_id") == product.get("id")), None)
                price = float(same["price_unit"]) if same else float(product.get("list_price") or 0.0)
            line = env.insert("sale.order.line", {
                "order_id": order["id"], "name": env.display_name_of("product.product", product) or False,
                "product_id": product.get("id") or False, "product_uom_qty": 0.0, "price_unit": price,
                "sequence": 10, "company_id": order.get("company_id") or COMPANY_ID})
            move["sale_line_id"] = line["id"]


class AccountMoves:
    """account.move action_post, button_cancel, button_draft (no journals, taxes
    or payments)."""

    def __init__(self, env: Env):
        self.env = env

    def post(self, moves: list):
        for move in moves:
            if move["state"] == "posted":
                raise UserError(f"The entry {move.get('name')} (id {move['id']}) is already posted.")
            lines = self.env.o2m_rows("account.move.line", "move_id", move["id"])
            if not lines:
                raise UserError(MSG_MOVE_NO_LINE)
            if move.get("move_type") != "entry" and not move.get("partner_id"):
                if move["move_type"].startswith("out_"):
                    raise UserError("The field 'Customer' is required, please complete it to validate the "
                                    "Customer Invoice.")
                raise UserError("The field 'Vendor' is required, please complete it to validate the Vendor Bill.")
        stamp = now_str()
        for move in moves:
            if move.get("move_type") != "entry" and not move.get("invoice_date"):
                move["invoice_date"] = stamp[:10]
            if move.get("invoice_date"):
                move["date"] = move["invoice_date"]
            if not move.get("name") or move["name"] == "/":
                prefix = f"{MOVE_SEQUENCE_PREFIX.get(move.get('move_type'), 'MISC')}/{(move.get('date') or stamp)[:4]}/"
                move["name"] = f"{prefix}{next_sequence(self.env, prefix):05d}"
            move.update(state="posted", write_date=stamp)
        return False

    def cancel(self, moves: list):
        for move in moves:
            if move["state"] == "posted":
                move["state"] = "draft"
        if any(move["state"] != "draft" for move in moves):
            raise UserError(MSG_MOVE_ONLY_DRAFT_CANCEL)
        for move in moves:
            move["state"] = "cancel"
        return None

    def draft(self, moves: list):
        for move in moves:
            if move["state"] in ("posted", "cancel"):
                move["state"] = "draft"
        return None


# ===========================================================================
# Model hooks (create/write/unlink overrides of stock and ir.model*)
# ===========================================================================

def _picking_create_prepare(env: Env, vals: dict) -> dict:
    """stock.picking.create: name from the operation type's sequence, locations
    from the operation type."""
    ptype = env.get("stock.picking.type", vals.get("picking_type_id")) if isinstance(
        vals.get("picking_type_id"), int) else None
    if ptype:
        if not vals.get("name") or vals.get("name") == "/":
            vals["name"] = next_picking_name(env, ptype["id"])
        vals.setdefault("location_id", ptype.get("default_location_src_id") or False)
        vals.setdefault("location_dest_id", ptype.get("default_location_dest_id") or False)
    return vals


def _picking_create_done(env: Env, row: dict, vals: dict):
    if "state" not in vals:
        Stock(env).recompute_picking_state(row)
    if env.version < 19 and vals.get("partner_id"):
        # 17/18 stock.picking.create: the partner of a receipt or a delivery follows it
        usage = lambda lid: (env.get("stock.location", lid) or {}).get("usage")
        if usage(row.get("location_id")) == "supplier" or usage(row.get("location_dest_id")) == "customer":
            subscribe(env, "stock.picking", row["id"], [row["partner_id"]])


def _picking_write_done(env: Env, rows: list, vals: dict, before: dict):
    if "move_ids" in vals:
        Stock(env).refresh_pickings(r["id"] for r in rows)


def _picking_unlink_prepare(env: Env, rows: list):
    """stock.picking.unlink removes its moves; done moves cannot be deleted."""
    stock = Stock(env)
    moves = [m for p in rows for m in stock.moves(p)]
    if any(m["state"] == "done" for m in moves):
        raise UserError(MSG_DELETE_DONE)
    for move in moves:
        for line in stock.lines(move):
            env.delete("stock.move.line", line["id"])
        env.delete("stock.move", move["id"])


def _move_create_prepare(env: Env, vals: dict) -> dict:
    picking = env.get("stock.picking", vals.get("picking_id")) if isinstance(vals.get("picking_id"), int) else None
    if picking:
        vals.setdefault("location_id", picking.get("location_id") or False)
        vals.setdefault("location_dest_id", picking.get("location_dest_id") or False)
        vals.setdefault("origin", picking.get("origin") or False)
        vals.setdefault("partner_id", picking.get("partner_id") or False)
    if not vals.get("name") and isinstance(vals.get("product_id"), int):
        vals["name"] = env.display_name("product.product", vals["product_id"]) or False
    if not vals.get("product_uom") and isinstance(vals.get("product_id"), int):
        # _compute_product_uom: the product's unit
        vals["product_uom"] = (env.get("product.product", vals["product_id"]) or {}).get("uom_id") or False
    if vals.get("state") == "done":
        vals["picked"] = True
    return vals


def _location_name(env: Env, row: dict) -> str:
    """stock.location._compute_complete_name."""
    parent = env.get("stock.location", row.get("location_id"))
    if parent and row.get("usage") != "view":
        return f"{parent.get('complete_name') or parent.get('name') or ''}/{row.get('name') or ''}"
    return row.get("name") or ""


def _location_create_prepare(env: Env, vals: dict) -> dict:
    if "complete_name" not in vals:
        parent = (env.get("stock.location", vals["location_id"])
                  if isinstance(vals.get("location_id"), int) else None)
        usage = vals.get("usage", "internal")
        name = vals.get("name") or ""
        vals["complete_name"] = (f"{parent.get('complete_name') or parent.get('name') or ''}/{name}"
                                 if parent and usage != "view" else name)
    return vals


def _location_write_done(env: Env, rows: list, vals: dict, before: dict):
    if {"name", "location_id", "usage"} & set(vals) and "complete_name" not in vals:
        todo = list(rows)
        while todo:
            row = todo.pop(0)
            row["complete_name"] = _location_name(env, row)
            todo.extend(r for r in env.table("stock.location").values() if r.get("location_id") == row["id"])


def _move_check_uom(env: Env, rows: list):
    """17/18 stock.move._check_uom: the move's unit must be in the category of
    the product's unit (19 has no such constraint)."""
    if env.version >= 19:
        return
    wrong = []
    for move in rows:
        product = env.get("product.product", move.get("product_id")) or {}
        if product and move.get("product_uom") and not uom_convertible(env, product.get("uom_id"), move["product_uom"]):
            wrong.append((move, product))
    if not wrong:
        return
    def cat(uom):
        return (env.get("uom.category", uom_row(env, uom).get("category_id")) or {}).get("name") or ""

    def name(uom):
        return uom_row(env, uom).get("name")

    if env.version >= 18:
        head = ("You cannot perform moves because their unit of measure has a different category from their "
                "product unit of measure.")
    else:
        head = ("You cannot perform the move because the unit of measure has a different category as the "
                "product unit of measure.")
    parts = [head] + [
        f"{env.display_name_of('product.product', product)} --> Product UoM is {name(product.get('uom_id'))} "
        f"({cat(product.get('uom_id'))}) - Move UoM is {name(move['product_uom'])} ({cat(move['product_uom'])})"
        for move, product in wrong]
    parts.append("Blocking: " + " ,".join(move.get("name") or "" for move, _p in wrong))
    raise UserError("\n\n".join(parts))


def _move_write_prepare(env: Env, rows: list, vals: dict):
    if "product_id" in vals and "product_uom" not in vals and isinstance(vals["product_id"], int):
        vals["product_uom"] = (env.get("product.product", vals["product_id"]) or {}).get("uom_id") or False


def _move_create_done(env: Env, row: dict, vals: dict):
    """A move added to an open picking is confirmed and reserved
    (stock.picking._autoconfirm_picking)."""
    _move_check_uom(env, [row])
    stock = Stock(env)
    if row.get("quantity") and not stock.lines(row):
        quantity = row["quantity"]
        row["quantity"] = 0.0
        stock.set_move_quantity(row, quantity)
    picking = env.get("stock.picking", row.get("picking_id"))
    if picking and "state" not in vals and row["state"] == "draft" and picking["state"] in (
            "confirmed", "waiting", "assigned"):
        stock.confirm_moves([row])
    stock.recompute_move_state(row)
    if picking:
        stock.recompute_picking_state(picking)


def _move_write_done(env: Env, rows: list, vals: dict, before: dict):
    if "product_uom" in vals or "product_id" in vals:
        _move_check_uom(env, rows)
    stock = Stock(env)
    touched = set()
    for move in rows:
        if "quantity" in vals:
            new_quantity = move["quantity"]
            move["quantity"] = stock.lines_quantity(move)
            stock.set_move_quantity(move, new_quantity)
        if "picked" in vals:
            stock.set_picked(move, move["picked"])
        if "quantity" in vals or "product_uom_qty" in vals:
            stock.recompute_move_state(move)
        if "picking_id" in vals:
            for line in stock.lines(move):
                line["picking_id"] = move["picking_id"]
        touched.add(move.get("picking_id"))
        touched.add(before[move["id"]].get("picking_id"))
    stock.refresh_pickings(pid for pid in touched if pid)


def _move_unlink_prepare(env: Env, rows: list):
    stock = Stock(env)
    for move in rows:
        if move["state"] == "done":
            raise UserError(MSG_DELETE_DONE)
        for line in stock.lines(move):
            env.delete("stock.move.line", line["id"])


def _move_unlink_done(env: Env, rows: list):
    Stock(env).refresh_pickings(r.get("picking_id") for r in rows if r.get("picking_id"))


def _line_create_prepare(env: Env, vals: dict) -> dict:
    move = env.get("stock.move", vals.get("move_id")) if isinstance(vals.get("move_id"), int) else None
    if move:
        for fname in ("picking_id", "product_id", "location_id", "location_dest_id"):
            vals.setdefault(fname, move.get(fname) or False)
    if not vals.get("product_uom_id"):
        # _compute_product_uom_id: the move's unit, else the product's
        uom = (move or {}).get("product_uom")
        if not uom and isinstance(vals.get("product_id"), int):
            uom = (env.get("product.product", vals["product_id"]) or {}).get("uom_id")
        if uom:
            vals["product_uom_id"] = uom
    return vals


def _line_changed(env: Env, rows: list):
    stock = Stock(env)
    pickings = set()
    for line in rows:
        if line.get("id") in env.table("stock.move.line"):
            stock.ensure_line_quant(line)
        move = env.get("stock.move", line.get("move_id"))
        if move and move["state"] not in ("done", "cancel"):
            stock.refresh_from_lines(move)
            stock.recompute_move_state(move)
            pickings.add(move.get("picking_id"))
    stock.refresh_pickings(p for p in pickings if p)


def _line_unlink_prepare(env: Env, rows: list):
    for line in rows:
        move = env.get("stock.move", line.get("move_id")) or {}
        if move.get("state") in ("done", "cancel"):
            raise UserError(MSG_DELETE_DONE)


def _backorder_wizard_create_prepare(env: Env, vals: dict) -> dict:
    """stock.backorder.confirmation.default_get: one line per picking, to_backorder=True."""
    if "backorder_confirmation_line_ids" not in vals and vals.get("pick_ids"):
        pick_ids = []
        for code, arg1, arg2 in x2many_commands("stock.backorder.confirmation",
                                                env.mdef("stock.backorder.confirmation").fields["pick_ids"],
                                                vals["pick_ids"]):
            if code == 4:
                pick_ids.append(arg1)
            elif code == 6:
                pick_ids = list(arg2)
        vals["backorder_confirmation_line_ids"] = [
            [0, 0, {"to_backorder": True, "picking_id": pid}] for pid in pick_ids]
    return vals


CUSTOM_NAME = re.compile(r"^[a-z0-9_.]+$")


def _ir_model_create_prepare(env: Env, vals: dict) -> dict:
    """ir.model.create for a custom model (Studio): name must start with 'x_'."""
    model = vals.get("model")
    if isinstance(model, str):
        if not model.startswith("x_"):
            raise ValidationError("The model name must start with 'x_'.")
        if not CUSTOM_NAME.match(model):
            raise ValidationError("The model name can only contain lowercase characters, digits, "
                                  "underscores and dots.")
        if model in env.store.schema:
            raise ValidationError("The operation cannot be completed: Each model must have a unique name.")
        env.store.add_model(ModelDef(model, vals.get("name") or model, {}, class_name="x_model", custom=True))
    if "field_id" not in vals and not env.context.get("install_mode"):
        # ir.model._default_field_id: a custom model gets an x_name char field
        vals["field_id"] = [[0, 0, {"name": "x_name", "field_description": "Name", "ttype": "char",
                                    "copied": True}]]
    vals["state"] = "manual"
    return vals


def _ir_model_create_done(env: Env, row: dict, vals: dict):
    """The magic fields of the new model get their ir.model.fields rows; the
    registry is reloaded."""
    register_fields(env, row, env.mdef(row["model"]), skip_existing=True)
    registry_changed(env)


def _ir_field_create_prepare(env: Env, vals: dict) -> dict:
    """ir.model.fields.create for a custom field: the model is the one of model_id."""
    model_row = env.get("ir.model", vals.get("model_id")) if isinstance(vals.get("model_id"), int) else None
    if model_row:
        vals["model"] = model_row["model"]
    name = vals.get("name")
    if isinstance(name, str) and model_row:
        if not name.startswith("x_"):
            raise ValidationError("Custom fields must have a name that starts with 'x_'!")
        if name in env.mdef(model_row["model"]).fields:
            raise ValidationError("The operation cannot be completed: Field names must be unique per model.")
    ttype = vals.get("ttype")
    if ttype in RELATIONAL:
        relation = vals.get("relation")
        if relation not in env.store.schema:
            raise ValidationError(f"Unknown model name '{relation}' in Related Model")
    vals.setdefault("state", "manual")
    return vals


def _ir_field_create_done(env: Env, row: dict, vals: dict):
    model = row.get("model")
    if row.get("state") != "manual" or model not in env.store.schema:
        return
    registry_changed(env)
    mdef = env.mdef(model)
    if row["name"] in mdef.fields:
        return
    selection = None
    if row["ttype"] == "selection":
        try:
            selection = [tuple(p) for p in ast.literal_eval(row.get("selection") or "[]")]
        except (ValueError, SyntaxError):
            raise ValidationError("The Selection Options expression is not a valid Pythonic expression. "
                                  "Please provide an expression in the [('key','Label'), ...] format.") from None
    field = Field(row["ttype"], row["field_description"], relation=row.get("relation") or None,
                  inverse=row.get("relation_field") or None, selection=selection,
                  required=bool(row.get("required")), readonly=bool(row.get("readonly")))
    mdef.add_field(row["name"], field)
    if field.store:
        for record in env.table(model).values():
            record.setdefault(row["name"], field.default_value())


def _ir_field_unlink_prepare(env: Env, rows: list):
    registry_changed(env)
    for row in rows:
        if row.get("state") != "manual":
            raise UserError("This column contains module data and cannot be removed!")
        mdef = env.store.schema.get(row.get("model"))
        if mdef and row["name"] in mdef.fields:
            mdef.fields = {k: v for k, v in mdef.fields.items() if k != row["name"]}
            for record in env.table(mdef.name).values():
                record.pop(row["name"], None)


def _ir_model_unlink_prepare(env: Env, rows: list):
    registry_changed(env)
    for row in rows:
        if row.get("state") != "manual":
            raise UserError("Model 'Models' contains module data and cannot be removed.")
        env.store.schema.pop(row["model"], None)
        env.store.tables.pop(row["model"], None)


def register_fields(env: Env, model_row: dict, mdef: ModelDef, skip_existing=False):
    """ir.model.fields rows describing the fields of a model."""
    existing = {r["name"] for r in env.table("ir.model.fields").values() if r.get("model_id") == model_row["id"]}
    for fname, field in mdef.fields.items():
        if skip_existing and fname in existing:
            continue
        env.insert("ir.model.fields", {
            "name": fname, "model": mdef.name, "model_id": model_row["id"],
            "field_description": field.string, "ttype": field.type,
            "relation": field.relation or False, "relation_field": field.inverse or False,
            "required": field.required, "readonly": field.readonly, "store": field.store,
            "state": "manual" if fname.startswith("x_") else "base", "help": field.help or False,
            "create_date": SEED_DATE,
        })


def _activity_create_prepare(env: Env, vals: dict) -> dict:
    """mail.activity: res_model_id is required; res_model is a read-only related
    field (giving it alone does not set res_model_id); default_get turns a
    context default_res_model into res_model_id; the default type is To-Do."""
    if not vals.get("res_model_id") and env.context.get("default_res_model"):
        model_row = ir_model_row(env, env.context["default_res_model"])
        if model_row:
            vals["res_model_id"] = model_row["id"]
    if "activity_type_id" not in vals:
        todo = env.get("mail.activity.type", ACTIVITY_TYPE_TODO)
        if todo and todo.get("active"):
            vals["activity_type_id"] = todo["id"]
    return vals


MSG_ACTIVITY_RES_ID = "The operation cannot be completed: Activities have to be linked to records with a not null res_id."
MSG_ACTIVITY_USER = "The operation cannot be completed: Activities must be assigned if not attached to a document."


def _activity_create_done(env: Env, row: dict, vals: dict):
    """res_model (related res_model_id.model) and res_name (_compute_res_name,
    which reads the document: MissingError when res_id is not there). The SQL
    constraints: 17/18 check_res_id_is_set (a res_id); 19
    _check_res_id_is_set_if_model (a res_id with a model, none without) and
    _check_user_id_is_set_if_model (a user when there is no model)."""
    model_row = env.get("ir.model", row.get("res_model_id")) or {}
    model = model_row.get("model")
    row["res_model"] = model or False
    if env.version >= 19:
        if bool(model) != bool(row.get("res_id")):
            raise ValidationError(MSG_ACTIVITY_RES_ID)
        if not model and not row.get("user_id"):
            raise ValidationError(MSG_ACTIVITY_USER)
    elif not row.get("res_id"):
        raise ValidationError(MSG_ACTIVITY_RES_ID)
    if model in env.store.schema:
        document = env.get(model, row.get("res_id"))
        if document is None:
            raise missing_error(model, [row.get("res_id")])
        row["res_name"] = env.display_name_of(model, document) or False


def ir_model_row(env: Env, model: str):
    return next((r for r in env.table("ir.model").values() if r.get("model") == model), None)


def _decode_base64(value) -> bytes:
    """base64.b64decode(datas) as ir.attachment does (non-strict: characters
    outside the alphabet are dropped, bad padding raises binascii.Error)."""
    try:
        return base64.b64decode(value or b"")
    except binascii.Error as exc:
        error = OdooError(str(exc))
        error.name = "binascii.Error"
        raise error from None
    except ValueError as exc:
        raise value_error(str(exc)) from None


_MAGIC = [(b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"), (b"PK\x03\x04", "application/zip")]


def _guess_mimetype(vals: dict, raw: bytes | None) -> str:
    """ir.attachment._compute_mimetype: given, else from the name or url, else
    sniffed from the content (odoo/tools/mimetypes.py guess_mimetype)."""
    mimetype = vals.get("mimetype") or None
    if not mimetype and isinstance(vals.get("name"), str):
        mimetype = mimetypes.guess_type(vals["name"])[0]
    if not mimetype and isinstance(vals.get("url"), str):
        mimetype = mimetypes.guess_type(vals["url"].split("?")[0])[0]
    if (not mimetype or mimetype == "application/octet-stream") and raw:
        mimetype = next((m for magic, m in _MAGIC if raw.startswith(magic)), None)
        if mimetype is None:
            try:
                raw.decode("utf-8")
                mimetype = "text/plain"
            except UnicodeDecodeError:
                pass
    return (mimetype or "application/octet-stream").lower()


def _attachment_prepare(env: Env, vals: dict) -> dict:
    """ir.attachment create/write: raw (bytes as text) or datas (base64) is
    decoded at once, so invalid base64 fails the call; datas is stored
    re-encoded, mimetype computed when not given."""
    raw = None
    if vals.get("raw"):
        raw = vals["raw"].encode("utf-8") if isinstance(vals["raw"], str) else bytes(vals["raw"])
    elif "datas" in vals and vals["datas"]:
        raw = _decode_base64(vals["datas"])
    vals.pop("raw", None)
    if raw is not None:
        vals["datas"] = base64.b64encode(raw).decode("ascii")
    if "mimetype" in vals or "datas" in vals or "name" in vals:
        vals["mimetype"] = _guess_mimetype(vals, raw)
    return vals


def _attachment_contents(row: dict):
    """file_size, checksum and store_fname follow datas (_compute_checksum, _get_path)."""
    raw = base64.b64decode(row.get("datas") or b"")
    sha = hashlib.sha1(raw).hexdigest()
    row["file_size"] = len(raw)
    row["checksum"] = sha if row.get("datas") else False
    row["store_fname"] = f"{sha[:2]}/{sha}" if row.get("datas") else False
    if row.get("type") == "binary" and not row.get("mimetype"):
        row["mimetype"] = "application/octet-stream"


def _attachment_write_prepare(env: Env, rows: list, vals: dict):
    if "datas" in vals or "raw" in vals:
        prepared = _attachment_prepare(env, {**vals, "name": vals.get("name") or (rows[0].get("name") if rows else None)})
        vals.pop("raw", None)
        vals["datas"] = prepared.get("datas") or False
        if "mimetype" not in vals:
            vals["mimetype"] = prepared["mimetype"]


def _attachment_write_done(env: Env, rows: list, vals: dict, before: dict):
    if "datas" in vals:
        for row in rows:
            _attachment_contents(row)


def _so_create_prepare(env: Env, vals: dict) -> dict:
    """sale.order.create: the name from the 'sale.order' sequence; the invoice and
    delivery addresses default to the customer."""
    if vals.get("name", "New") == "New":
        vals["name"] = next_sale_name(env)
    if vals.get("partner_id"):
        vals.setdefault("partner_invoice_id", vals["partner_id"])
        vals.setdefault("partner_shipping_id", vals["partner_id"])
    return vals


def _so_unlink_prepare(env: Env, rows: list):
    if any(row["state"] not in ("draft", "cancel") for row in rows):
        raise UserError(MSG_SO_DELETE)


def _sol_create_prepare(env: Env, vals: dict) -> dict:
    """sale.order.line: description and unit price from the product; a line
    without product violates the accountable_required_fields constraint."""
    product = env.get("product.product", vals.get("product_id")) if isinstance(vals.get("product_id"), int) else None
    if not vals.get("product_id"):
        raise ValidationError(MSG_SOL_REQUIRED)
    if product:
        if not vals.get("name"):
            vals["name"] = env.display_name_of("product.product", product)
        vals.setdefault("price_unit", float(product.get("list_price") or 0.0))
        if not vals.get(sol_uom_field(env.version)):
            vals[sol_uom_field(env.version)] = product.get("uom_id") or False
    return vals


def _sol_create_done(env: Env, row: dict, vals: dict):
    """A line added to a confirmed order is procured at once."""
    if _sol_order(env, row).get("state") == "sale" and not env.context.get("skip_procurement"):
        Sale(env).launch([row])


def _sol_write_prepare(env: Env, rows: list, vals: dict):
    """sale_stock _update_line_quantity: not below what was delivered."""
    if "product_uom_qty" in vals:
        try:
            wanted = float(vals["product_uom_qty"] or 0.0)
        except (TypeError, ValueError):
            return
        confirmed = [r for r in rows if _sol_order(env, r).get("state") == "sale"]
        delivered = [_sol_qty_delivered(env, r) for r in confirmed]
        if any(delivered) and wanted < max(delivered) - 1e-6:
            raise UserError(MSG_SOL_BELOW_DELIVERED)


def _sol_write_done(env: Env, rows: list, vals: dict, before: dict):
    if "product_uom_qty" in vals:
        Sale(env).launch([r for r in rows if _sol_order(env, r).get("state") == "sale"])


def _sol_unlink_prepare(env: Env, rows: list):
    if any(_sol_order(env, row).get("state") == "sale" for row in rows):
        raise UserError(MSG_SOL_DELETE)


def _invoice_wizard_create_prepare(env: Env, vals: dict) -> dict:
    """sale.advance.payment.inv: sale_order_ids defaults to the context's active_ids."""
    if "sale_order_ids" not in vals and env.context.get("active_ids"):
        vals["sale_order_ids"] = [[6, 0, normalize_ids(env.context["active_ids"])]]
    return vals


def _account_move_unlink_prepare(env: Env, rows: list):
    if any(row["state"] == "posted" for row in rows):
        raise UserError(MSG_MOVE_DELETE_POSTED)



CREATE_PREPARE.update({
    "product.product": _product_prepare,
    "stock.picking": _picking_create_prepare,
    "mail.activity": _activity_create_prepare,
    "ir.attachment": _attachment_prepare,
    "stock.move": _move_create_prepare,
    "stock.move.line": _line_create_prepare,
    "uom.uom": _uom_create_prepare,
    "stock.location": _location_create_prepare,
    "stock.backorder.confirmation": _backorder_wizard_create_prepare,
    "ir.model": _ir_model_create_prepare,
    "ir.model.fields": _ir_field_create_prepare,
    "sale.order": _so_create_prepare,
    "sale.order.line": _sol_create_prepare,
    "sale.advance.payment.inv": _invoice_wizard_create_prepare,
})
CREATE_DONE.update({
    "stock.picking": _picking_create_done,
    "mail.activity": _activity_create_done,
    "ir.attachment": lambda env, row, vals: _attachment_contents(row),
    "stock.move": _move_create_done,
    "stock.move.line": lambda env, row, vals: _line_changed(env, [row]),
    "uom.uom": _uom_create_done,
    "ir.model": _ir_model_create_done,
    "ir.model.fields": _ir_field_create_done,
    "sale.order.line": _sol_create_done,
    "mail.followers": _follower_create_done,
    "stock.warehouse": _warehouse_create_done,
})
WRITE_PREPARE.update({
    "product.product": lambda env, rows, vals: _product_prepare(env, vals),
    "stock.move": _move_write_prepare,
    "uom.uom": _uom_write_prepare,
    "ir.attachment": _attachment_write_prepare,
    "sale.order.line": _sol_write_prepare,
})
WRITE_DONE.update({
    "stock.picking": _picking_write_done,
    "ir.attachment": _attachment_write_done,
    "stock.move": _move_write_done,
    "stock.move.line": lambda env, rows, vals, before: _line_changed(env, rows),
    "uom.uom": _uom_write_done,
    "stock.location": _location_write_done,
    "sale.order.line": _sol_write_done,
    "stock.warehouse": _warehouse_write_done,
})
UNLINK_PREPARE.update({
    "stock.picking": _picking_unlink_prepare,
    "stock.move": _move_unlink_prepare,
    "stock.move.line": _line_unlink_prepare,
    "ir.model.fields": _ir_field_unlink_prepare,
    "ir.model": _ir_model_unlink_prepare,
    "sale.order": _so_unlink_prepare,
    "sale.order.line": _sol_unlink_prepare,
    "account.move": _account_move_unlink_prepare,
    "uom.uom": _uom_unlink_prepare,
})
UNLINK_DONE.update({
    "stock.move": _move_unlink_done,
    "stock.move.line": _line_changed,
})


# ===========================================================================
# Public methods callable over RPC
# ===========================================================================

class Method:
    """A public model method: ``api_model`` methods take no ids (@api.model);
    ``readonly`` ones need no transaction snapshot."""

    def __init__(self, func, name, *, api_model=False, readonly=False, owner="BaseModel"):
        self.func = func
        self.name = name
        self.api_model = api_model
        self.readonly = readonly
        self.owner = owner
        self.signature = inspect.signature(func)

    def bind_check(self, records, args, kwargs, api="jsonrpc"):
        """Python's own argument check, reported as Odoo does: JSON-2 binds the
        named arguments to the method's signature first and answers 422
        UnprocessableEntity with Python's text (addons/rpc/controllers/json2.py);
        JSON-RPC calls the method and fails with its TypeError."""
        try:
            self.signature.bind(records, *args, **kwargs)
        except TypeError as exc:
            if api == "json2":
                raise HTTPError(422, str(exc)) from None
            text = str(exc)
            owner = self.owner
            version = records.env.version
            if records.model == "stock.picking" and (owner == "StockPicking" or self.name in ("write", "unlink")):
                owner = "Picking" if version < 19 else "StockPicking"   # class Picking before 19
            if self.name == "create":
                # 17/18: the model_create_multi wrapper has no class in its name
                owner = None if version < 19 else records.mdef.class_name
            text = re.sub(r"missing a required argument: ('[^']+')",
                          r"missing 1 required positional argument: \1", text)
            raise PythonError("TypeError", f"{owner + '.' if owner else ''}{self.name}() {text}") from None


GENERIC_METHODS: dict[str, Method] = {}
MODEL_METHODS: dict[str, dict[str, Method]] = {}


def public(name, *, models=None, api_model=False, readonly=False, owner="BaseModel"):
    """Register a function as public method ``name`` of ``models`` (all models if None)."""
    def decorator(func):
        method = Method(func, name, api_model=api_model, readonly=readonly, owner=owner)
        if models is None:
            GENERIC_METHODS[name] = method
        else:
            for model in models:
                MODEL_METHODS.setdefault(model, {})[name] = method
        return func
    return decorator


def find_method(env: Env, model: str, name: str) -> Method | None:
    method = MODEL_METHODS.get(model, {}).get(name)
    if method is None:
        method = GENERIC_METHODS.get(name)
    return method


# -- generic ORM methods (odoo/models.py) -------------------------------------

@public("search_read", api_model=True, readonly=True)
def m_search_read(records, domain=None, fields=None, offset=0, limit=None, order=None, **read_kwargs):
    for key in read_kwargs:
        if key != "load":
            raise PythonError("TypeError", f"BaseModel._read_format() got an unexpected keyword argument '{key}'")
    rows = orm_search_rows(records.env, records.model, domain, offset, limit, order)
    return orm_read(records.env, records.model, [r["id"] for r in rows], fields,
                    read_kwargs.get("load", "_classic_read"))


@public("search", api_model=True, readonly=True)
def m_search(records, domain, offset=0, limit=None, order=None):
    return [r["id"] for r in orm_search_rows(records.env, records.model, domain, offset, limit, order)]


@public("search_count", api_model=True, readonly=True)
def m_search_count(records, domain, limit=None):
    count = len(orm_search_rows(records.env, records.model, domain))
    return min(count, int(limit)) if limit else count


@public("context_get", models=["res.users"], api_model=True, readonly=True, owner="ResUsers")
def m_context_get(records):
    """res.users.context_get (odoo/addons/base/models/res_users.py): the
    user's lang and tz (and other context_* fields); any authenticated user
    may call it. 19 adds the uid."""
    context = {"lang": "en_US", "tz": "Europe/Brussels"}
    if records.env.version >= 19:
        context["uid"] = records.env.uid
    return context


@public("read", readonly=True)
def m_read(records, fields=None, load="_classic_read"):
    return orm_read(records.env, records.model, records.ids, fields, load)


@public("create", api_model=True)
def m_create(records, vals_list):
    return orm_create(records.env, records.model, vals_list)


@public("write")
def m_write(records, vals):
    return orm_write(records.env, records.model, records.ids, vals)


@public("unlink")
def m_unlink(records):
    return orm_unlink(records.env, records.model, records.ids)


@public("exists", readonly=True)
def m_exists(records):
    return [r["id"] for r in records.existing_rows()]


@public("fields_get", api_model=True, readonly=True)
def m_fields_get(records, allfields=None, attributes=None):
    result = {}
    for fname, field in records.mdef.fields.items():
        if allfields and fname not in allfields:
            continue
        desc = field.describe()
        if attributes:
            desc = {k: v for k, v in desc.items() if k in attributes}
        result[fname] = desc
    return result


@public("default_get", api_model=True, readonly=True)
def m_default_get(records, fields):
    mdef = records.mdef
    result = {}
    for fname in fields or []:
        field = mdef.fields.get(fname)
        if field is None or fname in MAGIC_FIELDS:
            continue
        key = f"default_{fname}"
        if key in records.env.context:
            result[fname] = records.env.context[key]
        elif field.default is not None and field.store:
            value = field.default_value()
            if value is not None:
                result[fname] = value
    return result


@public("name_search", api_model=True, readonly=True)
def m_name_search(records, name="", domain=None, operator="ilike", limit=100):
    domain = list(domain or [])
    if name:
        domain.append(["display_name", operator, name])
    rows = orm_search_rows(records.env, records.model, domain, 0, limit)
    return [[r["id"], records.env.display_name_of(records.model, r)] for r in rows]


# -- mail.thread ----------------------------------------------------------------

MAIL_THREAD_MODELS = ("stock.picking", "res.partner", "product.product", "sale.order", "account.move")
SUBTYPES = {"mail.mt_comment": 1, "mail.mt_note": 2}


@public("message_post", models=MAIL_THREAD_MODELS, owner="MailThread")
def m_message_post(records, *, body="", subject=None, message_type="notification", email_from=None,
                   author_id=None, parent_id=False, subtype_xmlid=None, subtype_id=False,
                   partner_ids=None, attachments=None, attachment_ids=None, body_is_html=False, **kwargs):
    """mail.thread.message_post: one record, returns the new mail.message: its
    ids on 19, its id on 17/18 (@api.returns('mail.message', lambda value: value.id))."""
    env = records.env
    row = records.ensure_one()
    forbidden = sorted(k for k in kwargs if k in ("model", "res_id", "subtype"))
    if forbidden:
        raise value_error("Those values are not supported when posting or notifying: " + ", ".join(forbidden))
    for key in kwargs:
        if key not in env.mdef("mail.message").fields:
            raise invalid_field(key, "mail.message", env.version)
    if subtype_xmlid:
        if subtype_xmlid not in SUBTYPES:
            raise value_error(f"External ID not found in the system: {subtype_xmlid}")
        subtype_id = SUBTYPES[subtype_xmlid]
    if not subtype_id:
        subtype_id = SUBTYPES["mail.mt_note"]
    field = env.mdef("mail.message").fields["message_type"]
    message_type = convert_for_write(env, "mail.message", field, message_type)
    text = body if isinstance(body, str) else str(body or "")
    if not body_is_html:
        text = html.escape(text).replace("\n", "<br>")
    message_id = post_message(env, records.model, row["id"], text, message_type=message_type,
                              subtype_id=subtype_id, subject=subject or False, partner_ids=partner_ids)
    # the author follows the record: 17/18 for any post but a notification,
    # unless mail_create_nosubscribe; 19 for a comment (subtype Discussions)
    # only, unless mail_post_autofollow_author_skip (mail_create_nosubscribe
    # does not matter to message_post there)
    if env.version >= 19:
        author_follows = (not env.context.get("mail_post_autofollow_author_skip")
                          and message_type not in ("notification", "user_notification", "auto_comment",
                                                   "out_of_office")
                          and subtype_id == SUBTYPES["mail.mt_comment"])
    else:
        author_follows = not env.context.get("mail_create_nosubscribe") and message_type != "notification"
    if author_follows:
        subscribe(env, records.model, row["id"], [user_partner(env)])
    if attachment_ids:
        # _process_attachments_for_post: the attachments move to the posted-on record
        ids = normalize_ids(attachment_ids)
        for attachment in Records(env, "ir.attachment", ids).rows():
            attachment.update({"res_model": records.model, "res_id": row["id"]})
        env.get("mail.message", message_id)["attachment_ids"] = ids
    return [message_id] if env.version >= 19 else message_id


# -- mail.activity ---------------------------------------------------------------

def _activity_done(records, feedback=False, attachment_ids=None):
    """mail.activity._action_done: post a note on the document for each
    activity (with the feedback), then delete the activity."""
    env = records.env
    message_ids = []
    for activity in records.rows():
        model = activity.get("res_model")
        atype = env.get("mail.activity.type", activity.get("activity_type_id")) or {}
        body = f"<p>{html.escape(atype.get('name') or '')} done</p>"
        if activity.get("summary"):
            body += f"<p>{html.escape(activity['summary'])}</p>"
        if feedback:
            body += f"<p>{html.escape(str(feedback))}</p>"
        if model in env.store.schema and env.get(model, activity.get("res_id")):
            mid = post_message(env, model, activity["res_id"], body, message_type="notification")
            env.get("mail.message", mid)["mail_activity_type_id"] = activity.get("activity_type_id") or False
            if attachment_ids:
                env.get("mail.message", mid)["attachment_ids"] = normalize_ids(attachment_ids)
            message_ids.append(mid)
    orm_unlink(env, "mail.activity", records.ids)
    return message_ids


@public("action_feedback", models=["mail.activity"], owner="MailActivity")
def m_activity_feedback(records, feedback=False, attachment_ids=None):
    messages = _activity_done(records, feedback, attachment_ids)
    return messages[0] if messages else False


@public("action_done", models=["mail.activity"], owner="MailActivity")
def m_activity_done(records):
    messages = _activity_done(records)
    return messages[0] if messages else False


# -- res.users ---------------------------------------------------------------------

@public("has_group", models=["res.users"], readonly=True, owner="ResUsers")
def m_has_group(records, group_ext_id):
    """res.users.has_group (17+: a record method, ensure_one)."""
    env = records.env
    user = records.ensure_one()
    if not isinstance(group_ext_id, str) or "." not in group_ext_id:
        raise PythonError("AssertionError", "External ID '%s' must be fully qualified" % (group_ext_id,))
    try:
        gid = env.ref(group_ext_id)
    except OdooError:
        return False
    return gid in all_group_ids(env, user["id"])


# -- stock.picking ---------------------------------------------------------------

# -- stock.quant: inventory adjustments ----------------------------------------------

@public("create", models=["stock.quant"], api_model=True, owner="StockQuant")
def m_quant_create(records, vals_list):
    """stock.quant.create in inventory mode (context inventory_mode, as the
    Inventory app and an API user setting stock do): the counted quantity
    goes on the quant of that product, location and lot, made if missing;
    quantity changes only with action_apply_inventory."""
    env = records.env
    if not env.context.get("inventory_mode"):
        raise UserError("Quant's creation is restricted, you can't do this operation.")
    vals_list = [vals_list] if isinstance(vals_list, dict) else vals_list
    if not isinstance(vals_list, list):
        raise PythonError("AttributeError", f"'{type(vals_list).__name__}' object has no attribute 'get'")
    stock = Stock(env)
    ids = []
    for vals in vals_list:
        if not isinstance(vals, dict):
            raise PythonError("AttributeError", f"'{type(vals).__name__}' object has no attribute 'get'")
        _check_field_names(env.mdef("stock.quant"), vals, env.version)
        product = env.get("product.product", vals.get("product_id"))
        location = env.get("stock.location", vals.get("location_id"))
        if product is None or location is None:
            raise _not_null_error(env.mdef("stock.quant"), env.mdef("stock.quant").fields[
                "product_id" if product is None else "location_id"])
        if not stock.storable(product):
            raise UserError("Quants cannot be created for consumables or services.")
        stock.sync_quants(product)
        quant = stock.quant(product["id"], location["id"], vals.get("lot_id") or False)
        if "inventory_quantity" in vals:
            quant["inventory_quantity"] = float(vals.get("inventory_quantity") or 0.0)
            quant["inventory_quantity_set"] = True
        ids.append(quant["id"])
    return ids


@public("action_apply_inventory", models=["stock.quant"], owner="StockQuant")
def m_quant_apply(records):
    """stock.quant.action_apply_inventory: quantity becomes the counted one
    (an inventory adjustment); returns None."""
    env = records.env
    stock = Stock(env)
    for quant in records.existing_rows():
        if not quant.get("inventory_quantity_set"):
            continue
        product = env.get("product.product", quant["product_id"])
        delta = float(quant.get("inventory_quantity") or 0.0) - float(quant.get("quantity") or 0.0)
        stock.add_stock(product, quant["location_id"], quant.get("lot_id") or False, delta)
        quant.update(inventory_quantity=0.0, inventory_quantity_set=False)
    return None


@public("button_validate", models=["stock.picking"], owner="StockPicking")
def m_button_validate(records):
    return Stock(records.env).button_validate(records.ids)


@public("action_confirm", models=["stock.picking"], owner="StockPicking")
def m_action_confirm(records):
    stock = Stock(records.env)
    return stock.action_confirm(stock.pickings(records.ids))


@public("action_assign", models=["stock.picking"], owner="StockPicking")
def m_action_assign(records):
    stock = Stock(records.env)
    return stock.action_assign(stock.pickings(records.ids))


@public("action_cancel", models=["stock.picking"], owner="StockPicking")
def m_action_cancel(records):
    stock = Stock(records.env)
    return stock.action_cancel(stock.pickings(records.ids))


@public("do_unreserve", models=["stock.picking"], owner="StockPicking")
def m_do_unreserve(records):
    stock = Stock(records.env)
    return stock.do_unreserve(stock.pickings(records.ids))


# -- sale.order, its wizards, account.move ------------------------------------------

@public("action_confirm", models=["sale.order"], owner="SaleOrder")
def m_sale_confirm(records):
    return Sale(records.env).confirm(records.rows())


@public("action_cancel", models=["sale.order"], owner="SaleOrder")
def m_sale_cancel(records):
    return Sale(records.env).cancel(records)


@public("action_draft", models=["sale.order"], owner="SaleOrder")
def m_sale_draft(records):
    """sale.order.action_draft: cancelled and sent orders back to quotation."""
    for order in records.rows():
        if order["state"] in ("cancel", "sent"):
            order.update(state="draft", write_date=now_str())
    return True


@public("action_quotation_sent", models=["sale.order"], owner="SaleOrder")
def m_sale_quotation_sent(records):
    orders = records.rows()
    if any(order["state"] != "draft" for order in orders):
        raise UserError(MSG_SO_ONLY_DRAFT_SENT)
    for order in orders:
        order.update(state="sent", write_date=now_str())
    return None


@public("action_lock", models=["sale.order"], owner="SaleOrder")
def m_sale_lock(records):
    for order in records.rows():
        order["locked"] = True
    return None


@public("action_unlock", models=["sale.order"], owner="SaleOrder")
def m_sale_unlock(records):
    for order in records.rows():
        order["locked"] = False
    return None


@public("action_view_invoice", models=["sale.order"], readonly=True, owner="SaleOrder")
def m_sale_view_invoice(records, invoices=False):
    ids = normalize_ids(invoices) if invoices else None
    return Sale(records.env).view_invoices(records.rows(), ids)


@public("create_invoices", models=["sale.advance.payment.inv"], owner="SaleAdvancePaymentInv")
def m_sale_create_invoices(records):
    """sale.advance.payment.inv.create_invoices, 'Regular invoice' only: the
    wizard's orders invoiced with final=deduct_down_payments and
    grouped=not consolidated_billing; returns action_view_invoice."""
    env = records.env
    wizard = records.ensure_one()
    if wizard.get("advance_payment_method") != "delivered":
        raise UserError("odoo-sim: down payment invoices are not simulated; use advance_payment_method "
                        "'delivered' (Regular invoice).")
    sale = Sale(env)
    orders = sale.orders(wizard.get("sale_order_ids") or [])
    invoices = sale.create_invoices(orders, grouped=not wizard.get("consolidated_billing", True),
                                    final=bool(wizard.get("deduct_down_payments", True)))
    return sale.view_invoices(orders, invoices)


@public("action_cancel", models=["sale.order.cancel"], owner="SaleOrderCancel")
def m_sale_cancel_wizard(records):
    wizard = records.ensure_one()
    orders = Records(records.env, "sale.order", [wizard["order_id"]])
    return Sale(records.env(disable_cancel_warning=True)).cancel(orders)


@public("action_send_mail_and_cancel", models=["sale.order.cancel"], owner="SaleOrderCancel")
def m_sale_cancel_wizard_mail(records):
    wizard = records.ensure_one()
    post_message(records.env, "sale.order", wizard["order_id"], wizard.get("body") or "<p>Cancelled</p>",
                 message_type="comment", subtype_id=SUBTYPES["mail.mt_comment"], subject=wizard.get("subject") or False)
    return m_sale_cancel_wizard(records)


@public("action_post", models=["account.move"], owner="AccountMove")
def m_move_post(records):
    return AccountMoves(records.env).post(records.rows())


@public("button_cancel", models=["account.move"], owner="AccountMove")
def m_move_cancel(records):
    return AccountMoves(records.env).cancel(records.rows())


@public("button_draft", models=["account.move"], owner="AccountMove")
def m_move_draft(records):
    return AccountMoves(records.env).draft(records.rows())



# -- wizards ---------------------------------------------------------------------

@public("process", models=["stock.backorder.confirmation"], owner="StockBackorderConfirmation")
def m_backorder_process(records):
    """stock.backorder.confirmation.process: validate button_validate_picking_ids
    with skip_backorder; pickings whose line says no backorder are listed in
    picking_ids_not_to_backorder."""
    env = records.env
    not_to_do = []
    for wizard in records.rows():
        for line in env.o2m_rows("stock.backorder.confirmation.line", "backorder_confirmation_id", wizard["id"]):
            if line.get("picking_id") and line.get("to_backorder") is not True:
                not_to_do.append(line["picking_id"])
    to_validate = env.context.get("button_validate_picking_ids")
    if to_validate:
        validate_env = env(skip_backorder=True)
        if not_to_do:
            validate_env = validate_env(picking_ids_not_to_backorder=not_to_do)
        return Stock(validate_env).button_validate(to_validate)
    return True


@public("process_cancel_backorder", models=["stock.backorder.confirmation"], owner="StockBackorderConfirmation")
def m_backorder_process_cancel(records):
    """stock.backorder.confirmation.process_cancel_backorder: validate with the
    wizard's pick_ids in picking_ids_not_to_backorder."""
    env = records.env
    pick_ids = [pid for wizard in records.rows() for pid in wizard.get("pick_ids") or []]
    to_validate = env.context.get("button_validate_picking_ids")
    if to_validate:
        return Stock(env(skip_backorder=True, picking_ids_not_to_backorder=pick_ids)).button_validate(to_validate)
    return True


# the company's "send an SMS on delivery" switch: stock_sms's field before 19, stock's from 19
SMS_VALIDATION_FIELD = {False: "stock_move_sms_validation", True: "stock_text_confirmation"}


def sms_validation(env: Env, company: dict) -> bool:
    """res.company._get_text_validation('sms') on 19, stock_move_sms_validation before."""
    if env.version >= 19:
        return bool(company.get("stock_text_confirmation") and company.get("stock_confirmation_type") == "sms")
    return bool(company.get("stock_move_sms_validation"))


def _sms_answer(records, disable: bool):
    """stock_sms confirm.stock.sms: mark the companies as warned, then validate
    the pickings of button_validate_picking_ids again."""
    env = records.env
    wizard = records.ensure_one()
    for pid in wizard.get("pick_ids") or []:
        picking = env.get("stock.picking", pid) or {}
        company = env.get("res.company", picking.get("company_id"))
        if company and not company.get("has_received_warning_stock_sms"):
            company["has_received_warning_stock_sms"] = True
            if disable:
                company[SMS_VALIDATION_FIELD[env.version >= 19]] = False
    to_validate = env.context.get("button_validate_picking_ids") or []
    return Stock(env).button_validate(to_validate)


@public("send_sms", models=["confirm.stock.sms"], owner="ConfirmStockSms")
def m_send_sms(records):
    return _sms_answer(records, disable=False)


@public("dont_send_sms", models=["confirm.stock.sms"], owner="ConfirmStockSms")
def m_dont_send_sms(records):
    return _sms_answer(records, disable=True)


# ===========================================================================
# Seed data
# ===========================================================================

PRODUCTS = [
    # code, name, weight (kg), on hand
    ("SKU-1001", "Office Chair", 8.5, 500),
    ("SKU-1002", "Desk Lamp", 1.2, 500),
    ("SKU-1003", "Standing Desk", 32.0, 500),
    ("SKU-1004", "Monitor Arm", 3.4, 500),
    ("SKU-1005", "Cable Tray", 0.9, 500),
    ("SKU-1006", "Whiteboard", 6.0, 500),
    ("SKU-1007", "Storage Box", 1.5, 500),
    ("SKU-1008", "Acoustic Panel", 2.2, 500),
    ("SKU-1009", "Drawer Unit", 14.0, 500),
    ("SKU-1010", "Footrest", 2.0, 0),
    ("SKU-1011", "Conference Table", 60.0, 0),
    ("SKU-1012", "Screw Kit", 0.3, 1000),
]

# name, state, partner, origin, carrier, moves [(product id, demand)], extra
DEMO_OUTGOING = [
    ("WH/OUT/00001", "draft", 7, "S00001", False, [(1, 5)]),
    ("WH/OUT/00002", "draft", 8, "S00002", False, [(2, 12), (3, 2)]),
    ("WH/OUT/00003", "confirmed", 9, "S00003", False, [(10, 5)]),
    ("WH/OUT/00004", "confirmed", 10, "S00004", False, [(11, 2), (10, 3)]),
    ("WH/OUT/00005", "assigned", 7, "S00005", 1, [(1, 5)]),
    ("WH/OUT/00006", "assigned", 8, "S00006", 1, [(4, 12), (5, 180)]),
    ("WH/OUT/00007", "assigned", 9, "S00007", 2, [(6, 180)]),
    ("WH/OUT/00008", "assigned", 10, "S00008", 2, [(7, 12)]),
    ("WH/OUT/00009", "assigned", 12, "S00009", 3, [(8, 5), (9, 1), (12, 12)]),
    ("WH/OUT/00010", "assigned", 11, "S00010", 1, [(2, 5)]),
    ("WH/OUT/00011", "done", 7, "S00011", 1, [(3, 1)]),
    ("WH/OUT/00012", "cancel", 8, "S00012", False, [(9, 2)]),
]
DEMO_INCOMING = [
    ("WH/IN/00001", "assigned", 11, "P00001", False, [(10, 50), (11, 10)]),
    ("WH/IN/00002", "draft", 11, "P00002", False, [(12, 500)]),
]


def seed_base(env: Env):
    """Records every database has: company, admin, locations, operation types,
    carriers, message subtypes, and the ir.model registry."""
    for mdef in list(env.store.schema.values()):
        model_row = env.insert("ir.model", {"name": mdef.description, "model": mdef.name,
                                            "state": "base", "transient": mdef.transient,
                                            "create_date": SEED_DATE})
        register_fields(env, model_row, mdef)
        module = next((m for prefix, m in MODULE_OF_PREFIX.items() if mdef.name.startswith(prefix)), "base")
        add_xmlid(env, f"{module}.model_{mdef.name.replace('.', '_')}", "ir.model", model_row["id"])
    env.insert("res.partner", {"name": "YourCompany", "is_company": True, "phone": "+1 555-555-5556",
                               "city": "San Francisco", "create_date": SEED_DATE}, rid=1)
    env.insert("res.partner", {"name": "OdooBot", "create_date": SEED_DATE, "active": False}, rid=2)
    env.insert("res.partner", {"name": "Mitchell Admin", "email": "admin@yourcompany.example.com",
                               "create_date": SEED_DATE}, rid=3)
    env.insert("res.company", {"name": "YourCompany", "partner_id": 1, SMS_VALIDATION_FIELD[env.version >= 19]: True,
                               "has_received_warning_stock_sms": False, "create_date": SEED_DATE}, rid=COMPANY_ID)
    env.insert("res.users", {"name": "Mitchell Admin", "login": env.sim.login, "partner_id": 3,
                             "company_id": COMPANY_ID, "create_date": SEED_DATE}, rid=ADMIN_UID)
    # stock/data/stock_data.xml and the warehouse's locations, ids as on a 17/18
    # database (19 numbers them otherwise and has no Partners/Physical/Virtual
    # views; lgx finds them by search)
    for rid, name, complete, usage, parent in [(1, "Physical Locations", "Physical Locations", "view", False),
                                               (2, "Partners", "Partners", "view", False),
                                               (3, "Virtual Locations", "Virtual Locations", "view", False),
                                               (4, "Vendors", "Partners/Vendors", "supplier", 2),
                                               (5, "Customers", "Partners/Customers", "customer", 2),
                                               (7, "WH", "WH", "view", 1),
                                               (8, "Stock", "WH/Stock", "internal", 7)]:
        env.insert("stock.location", {"name": name, "complete_name": complete, "usage": usage,
                                      "location_id": parent, "create_date": SEED_DATE}, rid=rid)
    seed_uom(env)
    for rid, name, code, prefix, src, dest in [(1, "Receipts", "incoming", "WH/IN/", 4, 8),
                                               (2, "Delivery Orders", "outgoing", "WH/OUT/", 8, 5),
                                               (3, "Internal Transfers", "internal", "WH/INT/", 8, 8)]:
        env.insert("stock.picking.type", {
            "name": name, "code": code, "sequence": rid, "sequence_code": prefix,
            "default_location_src_id": src, "default_location_dest_id": dest,
            "use_create_lots": code == "incoming", "use_existing_lots": code != "incoming",
            "warehouse_id": 1, "create_date": SEED_DATE}, rid=rid)
    env.insert("stock.warehouse", {"name": "YourCompany", "code": "WH", "lot_stock_id": 8, "view_location_id": 7,
                                   "in_type_id": 1, "out_type_id": 2, "int_type_id": 3,
                                   "create_date": SEED_DATE}, rid=1)
    for rid, name, dtype, price in [(1, "Standard delivery", "fixed", 5.0),
                                    (2, "The Poste", "base_on_rule", 0.0),
                                    (3, "Local Delivery", "fixed", 0.0)]:
        env.insert("delivery.carrier", {"name": name, "delivery_type": dtype, "fixed_price": price,
                                        "sequence": rid, "create_date": SEED_DATE}, rid=rid)
    env.insert("mail.message.subtype", {"name": "Discussions", "create_date": SEED_DATE}, rid=1)
    env.insert("mail.message.subtype", {"name": "Note", "internal": True, "create_date": SEED_DATE}, rid=2)
    for rid, (xmlid, name, icon, sequence, delay, category, decoration, active) in enumerate(ACTIVITY_TYPES, 1):
        env.insert("mail.activity.type", {
            "name": name, "summary": name if decoration is False else False, "icon": icon,
            "sequence": sequence, "delay_count": delay, "category": category,
            "decoration_type": decoration, "active": active, "create_date": SEED_DATE}, rid=rid)
        add_xmlid(env, xmlid, "mail.activity.type", rid)
    xmlid_of_group = {}
    for rid, (xmlid, name, _category, implied) in enumerate(GROUPS, 1):
        env.insert("res.groups", {"name": name, "implied_ids": [xmlid_of_group[x] for x in implied],
                                  "create_date": SEED_DATE}, rid=rid)
        xmlid_of_group[xmlid] = rid
        add_xmlid(env, xmlid, "res.groups", rid)
    for xmlid, model, rid in [("base.main_company", "res.company", COMPANY_ID), ("base.main_partner", "res.partner", 1),
                              ("base.partner_root", "res.partner", 2), ("base.partner_admin", "res.partner", 3),
                              ("base.user_admin", "res.users", ADMIN_UID), ("mail.mt_comment", "mail.message.subtype", 1),
                              ("mail.mt_note", "mail.message.subtype", 2), ("stock.stock_location_suppliers", "stock.location", 4),
                              ("stock.stock_location_customers", "stock.location", 5), ("stock.stock_location_stock", "stock.location", 8),
                              ("stock.picking_type_in", "stock.picking.type", 1), ("stock.picking_type_out", "stock.picking.type", 2),
                              ("stock.picking_type_internal", "stock.picking.type", 3),
                              ("stock.warehouse0", "stock.warehouse", 1),
                              ("stock.stock_location_locations", "stock.location", 1),
                              ("stock.stock_location_locations_partner", "stock.location", 2),
                              ("stock.stock_location_locations_virtual", "stock.location", 3),
                              ("delivery.free_delivery_carrier", "delivery.carrier", 1)]:
        add_xmlid(env, xmlid, model, rid)
    set_user_groups(env, ADMIN_UID, env.sim.user_groups)


MODULE_OF_PREFIX = {"stock.backorder": "stock", "confirm.stock.sms": "stock_sms", "stock": "stock", "uom": "uom",
                    "product": "product", "delivery": "delivery", "mail": "mail", "sale": "sale",
                    "account": "account"}


def add_xmlid(env: Env, xmlid: str, model: str, rid: int):
    module, _, name = xmlid.partition(".")
    env.insert("ir.model.data", {"module": module, "name": name, "model": model, "res_id": rid,
                                 "noupdate": True, "create_date": SEED_DATE})


def set_user_groups(env: Env, uid: int, groups):
    """The groups of the API user: all of them for the default admin, or the
    restricted set (with implied groups in 17/18, whose groups_id holds them;
    19 keeps the direct groups in group_ids and the closure in all_group_ids)."""
    xmlids = ADMIN_GROUPS if groups is None else list(groups)
    ids = [env.ref(x) for x in xmlids]
    if env.version < 19:
        ids = implied_closure(env, ids)
    user = env.get("res.users", uid)
    if user is not None:
        user[user_group_field(env.version)] = sorted(dict.fromkeys(ids))


def seed_demo(env: Env):
    """Stable demo data: the same ids and names after every reset."""
    for rid, name, phone, city in [(7, "Azure Interior", "(870)-931-0505", "Fremont"),
                                   (8, "Deco Addict", "(603)-996-3829", "Pleasant Hill"),
                                   (9, "Gemini Furniture", "(941)-284-4875", "Fairfield"),
                                   (10, "Ready Mat", "(803)-873-6126", "Tracy"),
                                   (11, "Lumber Inc", "(828)-316-0593", "Stockton"),
                                   (12, "Wood Corner", False, "Turlock")]:
        env.insert("res.partner", {"name": name, "is_company": True, "phone": phone, "city": city,
                                   "create_date": SEED_DATE}, rid=rid)
    storable = {"is_storable": True} if env.version >= 18 else {"type": "product", "detailed_type": "product"}
    for index, (code, name, weight, on_hand) in enumerate(PRODUCTS, start=1):
        env.insert("product.product", {"name": name, "default_code": code, "weight": weight, **storable,
                                       "qty_available": float(on_hand), "list_price": 10.0 * index,
                                       "barcode": f"40000000{index:04d}", "create_date": SEED_DATE}, rid=index)
    env.insert("product.product", {"name": "Barcode Scanner", "default_code": "SKU-1013", "weight": 0.4, **storable,
                                   "qty_available": 50.0, "tracking": "lot", "list_price": 130.0,
                                   "barcode": "400000000013", "create_date": SEED_DATE}, rid=13)
    # its stock in two lots, first in first out
    for rid, (lot, quantity, day) in enumerate((("SKU-1013-L001", 30.0, "2025-01-02"),
                                               ("SKU-1013-L002", 20.0, "2025-01-03")), start=1):
        env.insert("stock.lot", {"name": lot, "product_id": 13, "create_date": SEED_DATE}, rid=rid)
        env.insert("stock.quant", {"product_id": 13, "location_id": 8, "lot_id": rid, "quantity": quantity,
                                   "in_date": f"{day} 08:00:00", "create_date": SEED_DATE})
    day = 0
    for code, entries in (("outgoing", DEMO_OUTGOING), ("incoming", DEMO_INCOMING)):
        for name, state, partner, origin, carrier, moves in entries:
            day += 1
            record = {
                "name": name, "state": state, "picking_type_code": code, "partner_id": partner,
                "origin": origin, "carrier_id": carrier, "create_date": SEED_DATE,
                "scheduled_date": f"2025-01-{day + 6:02d} 10:00:00",
                "move_ids": [{"product_id": pid, "product_uom_qty": qty} for pid, qty in moves],
            }
            if state == "done":
                record.update({"date_done": "2025-01-10 15:30:00", "carrier_tracking_ref": "TRK-0000011"})
            seed_records(env, "stock.picking", [record])
    seed_sales(env)


# The sales orders behind the demo deliveries: S00001..S00012 confirmed (S00012
# cancelled with its delivery), each the sale_id of the WH/OUT picking of the same
# origin, its lines the picking's moves (sale_line_id set); S00010 (delivery
# WH/OUT/00010 ready) and S00011 (WH/OUT/00011 done) already invoiced by posted
# invoices; S00013 and S00014 are quotations without delivery.
# invoiced order -> (invoice name, invoice date)
DEMO_INVOICED = {"S00011": ("INV/2025/00001", "2025-01-10"), "S00010": ("INV/2025/00002", "2025-01-15")}
# name, state, partner, carrier, lines [(product id, quantity)]
DEMO_QUOTATIONS = [
    ("S00013", "draft", 9, False, [(1, 3), (4, 2)]),
    ("S00014", "sent", 12, 3, [(12, 20)]),
]


def seed_sales(env: Env):
    orders = []
    for name, state, partner, origin, carrier, moves in DEMO_OUTGOING:
        picking = next(p for p in env.table("stock.picking").values() if p["name"] == name)
        order_state = "cancel" if state == "cancel" else "sale"
        orders.append((origin, order_state, partner, carrier, moves, picking))
    for name, state, partner, carrier, lines in DEMO_QUOTATIONS:
        orders.append((name, state, partner, carrier, lines, None))
    for name, state, partner, carrier, lines, picking in orders:
        order = env.insert("sale.order", {
            "name": name, "state": state, "partner_id": partner, "partner_invoice_id": partner,
            "partner_shipping_id": partner, "carrier_id": carrier, "date_order": SEED_DATE,
            "create_date": SEED_DATE})
        for product_id, qty in lines:
            product = env.get("product.product", product_id)
            line = env.insert("sale.order.line", {
                "order_id": order["id"], "name": env.display_name_of("product.product", product),
                "product_id": product_id, "product_uom_qty": float(qty),
                sol_uom_field(env.version): product.get("uom_id") or UOM_UNITS,
                "price_unit": float(product.get("list_price") or 0.0), "create_date": SEED_DATE})
            if picking:
                for move in env.o2m_rows("stock.move", "picking_id", picking["id"]):
                    if move.get("product_id") == product_id and not move.get("sale_line_id"):
                        move["sale_line_id"] = line["id"]
        if picking:
            picking["sale_id"] = order["id"]
        env.store.sequences[SALE_SEQUENCE] = max(env.store.sequences.get(SALE_SEQUENCE, 1), int(name[1:]) + 1)
    for origin, (inv_name, inv_date) in sorted(DEMO_INVOICED.items(), key=lambda item: item[1]):
        order = next(o for o in env.table("sale.order").values() if o["name"] == origin)
        move = env.insert("account.move", {
            "name": inv_name, "move_type": "out_invoice", "state": "posted", "date": inv_date,
            "invoice_date": inv_date, "partner_id": order["partner_id"], "invoice_origin": origin, "ref": "",
            "create_date": SEED_DATE})
        for line in _so_lines(env, order):
            env.insert("account.move.line", {
                "move_id": move["id"], "name": line["name"], "product_id": line["product_id"],
                "quantity": line["product_uom_qty"], "price_unit": line["price_unit"],
                "sale_line_ids": [line["id"]], "create_date": SEED_DATE})
        prefix = inv_name.rsplit("/", 1)[0] + "/"
        env.store.sequences[prefix] = max(env.store.sequences.get(prefix, 1), int(inv_name.rsplit("/", 1)[1]) + 1)


def seed_records(env: Env, model: str, records: list) -> list[int]:
    """Create records directly, bypassing the ORM's business rules: any state,
    nested one2many lists of dicts ("move_ids": [{...}]), read-only fields."""
    if model not in env.store.schema:
        raise value_error(f"unknown model {model!r}")
    if not isinstance(records, list):
        raise value_error("records must be a list of objects")
    return [(_seed_picking(env, rec) if model == "stock.picking" else
             _seed_row(env, model, _seed_sale_name(env, rec) if model == "sale.order" else rec))["id"]
            for rec in records]


def _seed_sale_name(env: Env, rec):
    """A seeded sale.order takes the next S number, or moves the sequence past its own."""
    if not isinstance(rec, dict):
        return rec
    rec = dict(rec)
    name = rec.get("name")
    if not name or name == "New":
        rec["name"] = next_sale_name(env)
    elif isinstance(name, str) and re.fullmatch(r"S\d+", name):
        env.store.sequences[SALE_SEQUENCE] = max(env.store.sequences.get(SALE_SEQUENCE, 1), int(name[1:]) + 1)
    return rec


def _seed_values(env: Env, model: str, rec: dict):
    mdef = env.mdef(model)
    if not isinstance(rec, dict):
        raise value_error("each record must be an object")
    values, nested = {}, {}
    for fname, value in rec.items():
        if fname not in mdef.fields:
            raise invalid_field(fname, model)
        field = mdef.fields[fname]
        if fname in ("create_date", "write_date"):
            values[fname] = _parse_datetime(value, "datetime")
        elif fname == "id" or field.compute is not None:
            continue
        elif field.type == "one2many":
            nested[fname] = value
        elif field.type == "many2many":
            values[fname] = normalize_ids(value)
        elif field.type == "many2one" and isinstance(value, str):
            values[fname] = _lookup(env, field.relation, value)
        else:
            values[fname] = convert_for_write(env, model, field, value)
    return values, nested


def _lookup(env: Env, model: str, text: str) -> int:
    """Find a record by default_code, name or display name (seed convenience)."""
    for row in env.table(model).values():
        if text in (row.get("default_code"), row.get("name"), env.display_name_of(model, row)):
            return row["id"]
    raise value_error(f"no {model} named {text!r}")


def _seed_row(env: Env, model: str, rec: dict) -> dict:
    values, nested = _seed_values(env, model, rec)
    row = env.insert(model, values, rid=rec.get("id"))
    for fname, children in nested.items():
        field = env.mdef(model).fields[fname]
        for child in children or []:
            _seed_row(env, field.relation, {**child, field.inverse: row["id"]})
    return row


def _seed_picking(env: Env, rec: dict) -> dict:
    """A picking with its moves: the move state follows the picking state
    unless given, quantity defaults to the demand when reserved or done,
    done moves are picked; move lines are made for reserved quantities."""
    rec = dict(rec)
    moves = rec.pop("move_ids", None) or []
    code = rec.pop("picking_type_code", None)
    if "picking_type_id" not in rec:
        ptype = next((t for t in env.table("stock.picking.type").values() if t["code"] == (code or "outgoing")), None)
        if ptype is None:
            raise value_error(f"no operation type {code!r}")
        rec["picking_type_id"] = ptype["id"]
    state = rec.pop("state", None)
    values, _nested = _seed_values(env, "stock.picking", rec)
    ptype = env.get("stock.picking.type", values["picking_type_id"]) or {}
    if not values.get("name") or values["name"] == "/":
        values["name"] = next_picking_name(env, ptype.get("id"))
    else:
        _advance_sequence(env, ptype, values["name"])
    values.setdefault("location_id", ptype.get("default_location_src_id") or False)
    values.setdefault("location_dest_id", ptype.get("default_location_dest_id") or False)
    if state:
        values["state"] = convert_for_write(env, "stock.picking", env.mdef("stock.picking").fields["state"], state)
    if state == "done" and not values.get("date_done"):
        values["date_done"] = now_str()
    picking = env.insert("stock.picking", values, rid=rec.get("id"))
    move_state = {None: "draft", "draft": "draft", "waiting": "waiting", "confirmed": "confirmed",
                  "assigned": "assigned", "done": "done", "cancel": "cancel"}[state]
    stock = Stock(env)
    for spec in moves:
        if not isinstance(spec, dict):
            raise value_error("move_ids must be a list of objects")
        spec = dict(spec)
        lines = spec.pop("move_line_ids", None)
        spec.setdefault("state", move_state)
        demand = float(spec.get("product_uom_qty", 1.0) or 0.0)
        if "quantity" not in spec:
            spec["quantity"] = demand if spec["state"] in ("assigned", "done") else 0.0
        spec.setdefault("picked", spec["state"] == "done")
        spec["picking_id"] = picking["id"]
        move_values, _ = _seed_values(env, "stock.move", spec)
        for fname in ("location_id", "location_dest_id", "partner_id", "origin"):
            move_values.setdefault(fname, picking.get(fname) or False)
        if not move_values.get("name"):
            move_values["name"] = env.display_name("product.product", move_values.get("product_id")) or False
        if not move_values.get("product_uom"):
            move_values["product_uom"] = (env.get("product.product", move_values.get("product_id")) or {}).get(
                "uom_id") or UOM_UNITS
        move_values.setdefault("create_date", picking["create_date"])
        move_values.setdefault("date", picking.get("scheduled_date") or picking["create_date"])
        move = env.insert("stock.move", move_values)
        if lines:
            for line in lines:
                line_values, _ = _seed_values(env, "stock.move.line", line)
                stock.new_line(move, line_values.pop("quantity", 0.0), **line_values)
            stock.refresh_from_lines(move)
        elif move["quantity"] > EPSILON:
            stock.new_line(move, move["quantity"])
    if not state:
        stock.recompute_picking_state(picking)
    return picking


def _advance_sequence(env: Env, ptype: dict, name: str):
    prefix = picking_prefix(env, ptype) if ptype.get("sequence_code") else ""
    if prefix and name.startswith(prefix) and name[len(prefix):].isdigit():
        number = int(name[len(prefix):])
        env.store.sequences[ptype["id"]] = max(env.store.sequences.get(ptype["id"], 1), number + 1)


# ===========================================================================
# Access rights of a restricted API user (ir.model.access)
# ===========================================================================

# fields_get checks no model access in Odoo (odoo/models.py fields_get only drops
# the fields whose groups the user lacks): any user may describe any model.
READ_METHODS = {"search_read", "search", "search_count", "read", "exists", "default_get",
                "name_search"}
UNCHECKED_METHODS = {"context_get", "has_group", "fields_get"}
WIZARD_METHODS = {"process", "process_cancel_backorder", "send_sms", "dont_send_sms"}


def effective_groups(groups) -> list[str] | None:
    """xmlids of the groups and the groups they imply; None for the unrestricted admin."""
    if groups is None:
        return None
    implied = {xmlid: imp for xmlid, _n, _c, imp in GROUPS}
    seen, todo = [], list(groups)
    while todo:
        xmlid = todo.pop(0)
        if xmlid not in seen:
            seen.append(xmlid)
            todo.extend(implied.get(xmlid, []))
    return seen


def model_acl(model: str) -> dict:
    return ACCESS.get(model, {})


def custom_access_rows(env: Env, model: str) -> list:
    """The active ir.model.access rows of a custom model."""
    model_row = ir_model_row(env, model)
    if model_row is None:
        return []
    return [row for row in env.table("ir.model.access").values()
            if row.get("model_id") == model_row["id"] and row.get("active")]


def allowed_custom_models(sim, mode: str) -> frozenset:
    """ir.model.access._get_allowed_models(mode) for the custom models: those
    with a row granting ``mode`` to no group or to one of the user's groups.
    Odoo caches it per user and mode (@ormcache in the default cache) at the
    first check of that mode, and creating, writing or removing an
    ir.model.access row does not clear that cache (only its 'stable' one): a
    row added after the model takes effect at the next registry change (a
    model or a field created or removed). ir.model create with access_ids
    inserts the rows before the registry changes, so they count at once."""
    cached = sim.acl_cache.get(mode)
    if cached is None:
        env = Env(sim)
        user_groups = set(all_group_ids(env, ADMIN_UID))
        allowed = set()
        for row in env.table("ir.model.access").values():
            if (row.get("active") and row.get(f"perm_{mode}")
                    and (not row.get("group_id") or row["group_id"] in user_groups)):
                model_row = env.get("ir.model", row.get("model_id"))
                if model_row:
                    allowed.add(model_row["model"])
        cached = sim.acl_cache[mode] = frozenset(allowed)
    return cached


def registry_changed(env: Env):
    """A model or a field was added or removed: Odoo reloads the registry and
    clears its caches (the access rights cache among them)."""
    env.sim.acl_cache.clear()


def has_model_access(sim, model: str, mode: str) -> bool:
    allowed = allowed_custom_models(sim, mode)   # every check fills the cache, as in Odoo
    mdef = sim.store.schema.get(model)
    if mdef is not None and mdef.custom:
        return model in allowed
    groups = effective_groups(sim.user_groups)
    if groups is None:
        return True
    acl = model_acl(model)
    return any(ACCESS_MODE_LETTER[mode] in acl.get(xmlid, "") for xmlid in groups)


def group_names_with_access(model: str, mode: str) -> list[str]:
    """ir.model.access.group_names_with_access: 'Category/Group', ordered by category then name."""
    names = []
    for xmlid, perms in model_acl(model).items():
        if ACCESS_MODE_LETTER[mode] in perms:
            spec = next((g for g in GROUPS if g[0] == xmlid), None)
            if spec:
                names.append((spec[2] or "", spec[1]))
    names.sort()
    return [f"{category}/{name}" if category else name for category, name in names]


def acl_access_error(env: Env, model: str, mode: str) -> AccessError:
    """ir.model.access._make_access_error (17, 18, 19)."""
    mdef = env.store.schema.get(model)
    header = ACCESS_ERROR_HEADER[mode] % {"document_kind": mdef.description if mdef else model,
                                          "document_model": model}
    if mdef is not None and mdef.custom:
        names = sorted({_group_full_name(env, env.get("res.groups", row["group_id"]))
                        for row in custom_access_rows(env, model)
                        if row.get(f"perm_{mode}") and env.get("res.groups", row.get("group_id"))})
    else:
        names = group_names_with_access(model, mode)
    groups = "\n".join(f"\t- {name}" for name in names)
    info = ACCESS_ERROR_GROUPS % {"groups_list": groups} if groups else ACCESS_ERROR_NOGROUP
    return AccessError(f"{header}\n\n{info}\n\n{ACCESS_ERROR_RESOLUTION}")


def check_model_access(env: Env, model: str, mode: str):
    if not has_model_access(env.sim, model, mode):
        raise acl_access_error(env, model, mode)


def check_call_access(env: Env, model: str, name: str, arguments: dict):
    """The ACL checks a call makes before its first effect, for a restricted user.

    CRUD methods check their own mode; business methods write on their model;
    mail.thread posting and activities/attachments linked to a document need
    write access on that document (_mail_post_access, ir.attachment.check)."""
    if name in UNCHECKED_METHODS:
        return
    if env.sim.user_groups is None:
        # the admin passes every standard model's check; custom models need a row
        mode = "read" if name in READ_METHODS else name if name in ("create", "unlink") else "write"
        check_model_access(env, model, mode)
        return
    if name in READ_METHODS:
        check_model_access(env, model, "read")
        return
    if name in ("create", "write", "unlink"):
        check_model_access(env, model, name)
    elif name == "message_post":
        check_model_access(env, model, "read")
        check_model_access(env, "mail.message", "create")
        check_model_access(env, model, "write")
        return
    else:
        check_model_access(env, model, "write")
    if name in WIZARD_METHODS:
        check_model_access(env, "stock.picking", "write")
    documents = []
    if name == "create" and model in ("mail.activity", "ir.attachment", "mail.message"):
        vals_list = arguments.get("vals_list")
        for vals in ([vals_list] if isinstance(vals_list, dict) else vals_list or []):
            if not isinstance(vals, dict):
                continue
            if model == "mail.activity":
                row = env.get("ir.model", vals.get("res_model_id")) if isinstance(vals.get("res_model_id"), int) else None
                documents.append(row["model"] if row else env.context.get("default_res_model"))
            elif model == "mail.message":
                # mail.message._check_access: posting on a document needs
                # its _mail_post_access, write by default
                documents.append(vals.get("model"))
            else:
                documents.append(vals.get("res_model"))
    for document in documents:
        if document and document in env.store.schema:
            check_model_access(env, document, "write")


# ===========================================================================
# Latency profiles
# ===========================================================================

# How long a call takes on a real server, in milliseconds: "model.method",
# then "method", then "*". "real" was measured on Odoo 19 Community (stock,
# sale_management, sale_stock, delivery, demo data), 2 cores, workers = 0,
# over JSON-2 with a kept-alive connection from the same machine; medians of
# 10-15 calls. JSON-RPC object calls cost the same there; common.login checks
# the password or key hash (pbkdf2) every time. read and search_read add
# "per_record" for each row answered after the first (search_read of 50
# moves: about 14 ms). The answer is held until the call has taken that long
# since its request arrived, outside the model lock, so that calls in flight
# overlap as they do with Odoo's threaded server.
LATENCY_PROFILES = {
    "none": {},
    "real": {
        "*": 7.0,
        "read": 6.0, "search_read": 6.0, "web_search_read": 6.0, "search": 6.0, "search_count": 6.0,
        "fields_get": 6.0, "name_search": 6.0, "default_get": 6.0, "context_get": 6.0, "exists": 6.0,
        "per_record": 0.15,
        "write": 9.0, "unlink": 9.0,
        "stock.move.write": 31.0,
        "create": 12.0,
        "stock.picking.create": 30.0,
        "ir.attachment.create": 9.0,
        "mail.activity.create": 12.0,
        "mail.message.create": 13.0,
        "message_post": 16.0,
        "action_confirm": 39.0,
        "action_assign": 14.0,
        "button_validate": 41.0,
        "common.version": 5.0,
        "common.login": 335.0,
        "common.authenticate": 335.0,
    },
}
LATENCY_ENV = "LGX_SIM_LATENCY"
PER_RECORD_METHODS = ("read", "search_read", "web_search_read")


def latency_ms(profile: dict, model, method, result=None) -> float:
    """The time a call of model.method should take under the profile."""
    if not profile:
        return 0.0
    base = profile.get(f"{model}.{method}")
    if base is None:
        base = profile.get(method, profile.get("*", 0.0))
    if method in PER_RECORD_METHODS and isinstance(result, list) and len(result) > 1:
        base += profile.get("per_record", 0.0) * (len(result) - 1)
    return base


# ===========================================================================
# Fault injection
# ===========================================================================

FAULT_KINDS = ("latency", "status", "lock", "serialization", "timeout", "drop", "user_error", "access",
               "missing", "server", "unique_race")
TRANSPORT_KINDS = ("latency", "status", "timeout", "drop")   # may hit any request, may come "after"
LEGACY_ERRORS = {"lock": "lock", "server": "server", "user": "user_error", "missing": "missing",
                 "access": "access", None: "latency"}
DEFAULT_TIMEOUT_MS = 10000

_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
            504: "Gateway Time-out", 429: "Too Many Requests", 408: "Request Time-out"}


def proxy_error_page(status: int) -> bytes:
    """The page nginx (Odoo's usual reverse proxy) sends for its own errors."""
    reason = _REASONS.get(status, "Error")
    return (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n").encode("ascii")


class FaultStatus(Exception):
    """Answer the request with a raw HTTP status and body (a proxy's error page)."""

    def __init__(self, status: int, body: bytes, content_type="text/html", headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})


class FaultDrop(Exception):
    """Close the connection without an answer."""


def normalize_fault_rule(spec, legacy=False) -> dict:
    """Validate one rule of POST /__sim/faults (or /__sim/fail when legacy)."""
    if not isinstance(spec, dict):
        raise value_error("a fault rule must be an object")
    if legacy:
        if spec.get("error") not in LEGACY_ERRORS:
            raise value_error(f"error must be one of {sorted(k for k in LEGACY_ERRORS if k)}")
        spec = {**{k: v for k, v in spec.items() if k != "error"},
                "kind": LEGACY_ERRORS[spec.get("error")], "times": spec.get("times", 1)}
    known = {"api", "model", "method", "kind", "delay_ms", "status", "message", "body", "probability",
             "times", "burst", "after"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise value_error(f"unknown fault rule keys: {', '.join(unknown)}")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise value_error(f"kind must be one of {', '.join(FAULT_KINDS)}")
    api = spec.get("api") or "*"
    if api not in ("json2", "jsonrpc", "*"):
        raise value_error("api must be json2, jsonrpc or *")
    rule = {"api": api, "model": spec.get("model") or "*", "method": spec.get("method") or "*", "kind": kind}
    try:
        rule["delay_ms"] = int(spec.get("delay_ms") if spec.get("delay_ms") is not None else
                               (DEFAULT_TIMEOUT_MS if kind == "timeout" else 0))
        rule["probability"] = float(spec.get("probability", 1.0))
        rule["times"] = None if spec.get("times") is None else int(spec["times"])
        rule["burst"] = int(spec.get("burst") or 1)
        rule["status"] = int(spec.get("status") or (504 if kind == "timeout" else 502))
    except (TypeError, ValueError) as exc:
        raise value_error(f"bad fault rule: {exc}") from None
    if not 0.0 <= rule["probability"] <= 1.0:
        raise value_error("probability must be between 0 and 1")
    if rule["delay_ms"] < 0 or rule["burst"] < 1 or (rule["times"] is not None and rule["times"] < 0):
        raise value_error("delay_ms and times must be >= 0, burst >= 1")
    if not 100 <= rule["status"] <= 599:
        raise value_error("status must be an HTTP status code")
    rule["after"] = bool(spec.get("after", False))
    if rule["after"] and kind not in TRANSPORT_KINDS:
        raise value_error(f"after applies to {', '.join(TRANSPORT_KINDS)} only")
    rule["message"] = spec.get("message")
    rule["body"] = spec.get("body")
    return rule


def fault_error(sim, rule: dict, model, ids) -> OdooError:
    """The exception an error fault raises, as the simulated version reports it."""
    message = rule.get("message")
    kind = rule["kind"]
    table = (model or "unknown").replace(".", "_")
    if kind == "lock":
        if sim.version >= 19:
            return LockError(message or f"Could not obtain lock on {model} (concurrent update)")
        # 17/18: the psycopg2 error re-raised by service/model.py retrying after 5 tries
        error = OdooError(message or f'could not obtain lock on row in relation "{table}"\n')
        error.name = "psycopg2.errors.LockNotAvailable"
        return error
    if kind == "serialization":
        error = OdooError(message or "could not serialize access due to concurrent update\n")
        error.name = "psycopg2.errors.SerializationFailure"
        return error
    if kind == "user_error":
        return UserError(message or "The operation cannot be completed: simulated business refusal.")
    if kind == "access":
        if message:
            return AccessError(message)
        with sim.lock:
            return acl_access_error(Env(sim), model if model in sim.store.schema else "stock.picking", "write")
    if kind == "missing":
        try:
            ids = normalize_ids(ids) or [0]
        except OdooError:
            ids = [0]
        return missing_error(model or "stock.picking", ids)
    if kind == "unique_race":
        # two transactions subscribed the same partner to the same record (a
        # message_post, a create, a button_validate on 17/18 racing another):
        # the second INSERT into mail_followers violates the unique index
        try:
            first = (normalize_ids(ids) or [1])[0]
        except OdooError:
            first = 1
        error = follower_twice(model if model and model != "*" else "stock.picking", first, 3)
        if message:
            error.message = message
            error.arguments = [message]
        return error
    return PythonError("RuntimeError", message or "simulated server error")


# ===========================================================================
# The simulator: RPC dispatch, call log, fault injection
# ===========================================================================

class Simulator:
    """State and the two RPC front ends. One lock serialises all model work."""

    def __init__(self, *, version=19, db="lgx", api_key="lgx-test-key", login="admin",
                 password="admin", seed="demo", rpc_error_code=None, faults=None, fault_seed=0,
                 user_groups=None, latency="none"):
        self.version = int(version)
        if latency not in LATENCY_PROFILES:
            raise value_error(f"unknown latency profile {latency!r}; known: {', '.join(LATENCY_PROFILES)}")
        self.latency = latency
        self.latency_profile = LATENCY_PROFILES[latency]
        self.db = db
        self.api_key = api_key
        self.login = login
        self.password = password
        # JsonRPCDispatcher.handle_error: error.code 200 on 17 and 18, 0 on 19
        self.rpc_error_code = (0 if self.version >= 19 else 200) if rpc_error_code is None else int(rpc_error_code)
        self.lock = threading.RLock()
        # ir.model.access._get_allowed_models per mode (custom models), see allowed_custom_models
        self.acl_cache: dict[str, frozenset] = {}
        self.calls: list[dict] = []
        self.faults: list[dict] = []
        self.fault_log: list[dict] = []
        self.fault_seed = int(fault_seed)
        self.fault_rng = random.Random(self.fault_seed)
        # start-up configuration, restored by every reset
        self.initial_faults = [normalize_fault_rule(rule) for rule in (faults or [])]
        self.initial_fault_seed = self.fault_seed
        self.initial_user_groups = self.check_groups(user_groups)
        self.user_groups = self.initial_user_groups
        self.store: Store
        self.reset(seed)

    # -- state ----------------------------------------------------------------
    def reset(self, seed="demo"):
        """Back to the start-up state: data, fault rules and seed, user groups."""
        if seed not in ("demo", "empty"):
            raise value_error(f"unknown seed {seed!r}")
        with self.lock:
            self.user_groups = self.initial_user_groups
            self.acl_cache = {}
            self.store = Store(self.version)
            env = Env(self)
            seed_base(env)
            if seed == "demo":
                seed_demo(env)
            self.clear_faults()
            for rule in self.initial_faults:
                self.add_fault_rule(dict(rule))
            self.seed_faults(self.initial_fault_seed)

    def remove_field(self, model, field):
        """Drop a field from a model (schema, rows, ir.model.fields), e.g.
        stock.move.picked to play an Odoo 16; a reset brings it back."""
        with self.lock:
            if model not in self.store.schema:
                raise value_error(f"unknown model {model!r}")
            mdef = self.store.schema[model]
            if field not in mdef.fields or field in MAGIC_FIELDS:
                raise value_error(f"no removable field {field!r} on {model!r}")
            mdef.fields = {k: v for k, v in mdef.fields.items() if k != field}
            for row in self.store.tables[model].values():
                row.pop(field, None)
            fields = self.store.tables["ir.model.fields"]
            for rid in [r["id"] for r in fields.values() if r.get("model") == model and r.get("name") == field]:
                del fields[rid]

    # -- least privilege ------------------------------------------------------------
    @staticmethod
    def check_groups(groups):
        if groups is None:
            return None
        if isinstance(groups, str):
            groups = [g.strip() for g in groups.split(",") if g.strip()]
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise value_error("groups must be a list of group xmlids or null")
        known = {g[0] for g in GROUPS}
        unknown = [g for g in groups if g not in known]
        if unknown:
            raise value_error(f"unknown groups {unknown}; known: {sorted(known)}")
        return list(dict.fromkeys(groups))

    def set_user_groups(self, groups):
        groups = self.check_groups(groups)
        with self.lock:
            self.user_groups = groups
            set_user_groups(Env(self), ADMIN_UID, groups)
            self.acl_cache = {}   # res.users write of the groups clears the caches

    def user_report(self) -> dict:
        with self.lock:
            return {"uid": ADMIN_UID, "groups": self.user_groups,
                    "effective": effective_groups(self.user_groups),
                    "admin": self.user_groups is None}

    def dump(self, model=None) -> dict:
        with self.lock:
            env = Env(self, {"active_test": False})
            if model is not None:
                if model not in self.store.schema:
                    raise value_error(f"unknown model {model!r}")
                names = [model]
            else:
                names = [m for m in self.store.schema if not m.startswith("ir.")]
            return {name: orm_read(env, name, sorted(env.table(name)), None) for name in names}

    # -- call log ---------------------------------------------------------------
    def log_call(self, **entry) -> dict:
        with self.lock:
            entry["seq"] = len(self.calls) + 1
            entry["time"] = time.time()
            entry.setdefault("status", None)
            entry.setdefault("error", None)
            self.calls.append(entry)
            return entry

    def finish_call(self, entry: dict, **values):
        with self.lock:
            entry.update(values)
            if "status" in values:
                # when the answer was ready: with "time", the call's span
                entry["end"] = time.time()

    def calls_report(self, filters: dict) -> dict:
        with self.lock:
            selected = [dict(c) for c in self.calls if all(c.get(k) == v for k, v in filters.items())]
            counts: dict[str, dict[str, int]] = {}
            for call in selected:
                key = f"{call.get('model') or call.get('service')}.{call.get('method')}"
                bucket = counts.setdefault(call["api"], {})
                bucket[key] = bucket.get(key, 0) + 1
            return {"count": len(selected), "counts": counts, "calls": selected}

    # -- fault injection ----------------------------------------------------------
    def clear_faults(self):
        with self.lock:
            self.faults = []
            self.fault_log = []

    def seed_faults(self, seed):
        with self.lock:
            self.fault_seed = int(seed)
            self.fault_rng = random.Random(self.fault_seed)

    def add_fault_rule(self, rule: dict) -> int:
        with self.lock:
            rule.update(id=len(self.faults) + 1, fired=0, matched=0, burst_left=0)
            self.faults.append(rule)
            return rule["id"]

    def add_fault(self, spec: dict) -> int:
        """/__sim/fail (legacy): {error, api, model, method, message, delay_ms, times=1}."""
        return self.add_fault_rule(normalize_fault_rule(spec, legacy=True))

    def configure_faults(self, payload) -> dict:
        """POST /__sim/faults: a list of rules, {"seed": N} and {"clear": true}
        items (in order), or one such object."""
        items = payload if isinstance(payload, list) else [payload]
        added = []
        with self.lock:
            for item in items:
                if not isinstance(item, dict):
                    raise value_error("each item must be an object")
                if item.get("clear"):
                    self.clear_faults()
                if "seed" in item:
                    self.seed_faults(item["seed"])
                if "rules" in item:
                    rules = item["rules"]
                    if not isinstance(rules, list):
                        raise value_error("rules must be a list")
                    for rule in rules:
                        added.append(self.add_fault_rule(normalize_fault_rule(rule)))
                if "kind" in item:
                    added.append(self.add_fault_rule(normalize_fault_rule(item)))
                elif not ({"clear", "seed", "rules"} & set(item)):
                    raise value_error("an item is a rule (with kind), {\"seed\": N} or {\"clear\": true}")
        return {"ok": True, "added": added}

    def faults_report(self) -> dict:
        with self.lock:
            rules = [{k: v for k, v in rule.items() if k != "burst_left"} for rule in self.faults]
            return {"seed": self.fault_seed, "rules": rules, "fired": [dict(e) for e in self.fault_log]}

    def take_fault(self, api, model, method, entry=None, transport_only=False):
        """The rule that faults this call, if any. Rules are tried in order; a
        rule in a burst fires without a draw, otherwise one draw of the seeded
        generator decides when probability < 1, so the same seed and the same
        sequence of calls give the same faulted calls."""
        with self.lock:
            for rule in self.faults:
                if transport_only and rule["kind"] not in TRANSPORT_KINDS:
                    continue
                if not (rule["api"] in ("*", api) and rule["model"] in ("*", model)
                        and rule["method"] in ("*", method)):
                    continue
                rule["matched"] += 1
                if rule["times"] is not None and rule["fired"] >= rule["times"]:
                    continue
                if rule["burst_left"] > 0:
                    rule["burst_left"] -= 1
                elif rule["probability"] >= 1.0 or self.fault_rng.random() < rule["probability"]:
                    rule["burst_left"] = rule["burst"] - 1
                else:
                    continue
                rule["fired"] += 1
                self.fault_log.append({"n": len(self.fault_log) + 1, "rule": rule["id"], "kind": rule["kind"],
                                       "api": api, "model": model, "method": method,
                                       "call": entry.get("seq") if entry else None, "after": rule["after"]})
                if entry is not None:
                    entry["fault"] = rule["kind"]
                return dict(rule)
        return None

    def fault_before(self, rule, model, ids):
        """Apply a fault before the method runs: nothing of the call happens."""
        if not rule or rule["after"]:
            return
        if rule["delay_ms"]:
            time.sleep(rule["delay_ms"] / 1000.0)
        kind = rule["kind"]
        if kind == "latency":
            return
        if kind == "timeout":
            # held past the client's patience, then the proxy gives up upstream
            raise FaultStatus(rule["status"], proxy_error_page(rule["status"]))
        if kind == "status":
            raise FaultStatus(rule["status"], (rule["body"] or "").encode("utf-8") or proxy_error_page(rule["status"]))
        if kind == "drop":
            raise FaultDrop()
        raise fault_error(self, rule, model, ids)

    def fault_after(self, rule):
        """Apply an "after" fault once the call is committed: the answer is late,
        replaced by a proxy error, or lost."""
        if not rule or not rule["after"]:
            return
        if rule["delay_ms"]:
            time.sleep(rule["delay_ms"] / 1000.0)
        if rule["kind"] == "status":
            raise FaultStatus(rule["status"], (rule["body"] or "").encode("utf-8") or proxy_error_page(rule["status"]))
        if rule["kind"] == "drop":
            raise FaultDrop()

    def apply_fault(self, api, model, method):
        """Before-faults of a call (kept for callers of the old interface)."""
        self.fault_before(self.take_fault(api, model, method), model, None)

    # -- model calls ---------------------------------------------------------------
    def execute(self, api: str, model: str, name: str, ids, args: list, kwargs: dict, context):
        """Run one public method in its own transaction (odoo/service/model.py
        call_kw for JSON-RPC, web_json_2_rpc for JSON-2)."""
        with self.lock:
            if self.version < 18 and name.startswith("_"):
                # 17: service/model.py execute() calls models.check_method_name(name)
                # before looking the model up, and names the method alone
                raise AccessError(f"Private methods (such as {name}) cannot be called remotely.")
            if model not in self.store.schema:
                if api == "json2":
                    raise HTTPError(404, f"the model {model!r} does not exist")
                raise UserError(f"Object {model} doesn't exist")
            if name.startswith("_") or name in UNSAFE_ATTRIBUTES:
                # 18, 19: odoo/service/model.py get_public_method
                raise AccessError(f"Private methods (such as '{model}.{name}') cannot be called remotely.")
            env = Env(self)
            method = find_method(env, model, name)
            if method is None:
                if api == "json2":
                    raise HTTPError(404, f"The method '{model}.{name}' does not exist")
                raise PythonError("AttributeError", f"The method '{model}.{name}' does not exist")
            if api == "json2" and method.api_model and ids:
                raise HTTPError(422, f"cannot call {model}.{name} with ids")
            if context is not None and not isinstance(context, dict):
                raise PythonError("TypeError", f"'{type(context).__name__}' object is not a mapping")
            records = Records(Env(self, context or {}), model, [] if method.api_model else ids)
            method.bind_check(records, args, kwargs, api)
            bound = method.signature.bind(records, *args, **kwargs).arguments
            check_call_access(records.env, model, name, bound)
            if model == "stock.quant":
                stock = Stock(env)
                for product in list(self.store.tables["product.product"].values()):
                    stock.sync_quants(product)
                stock.ensure_reservation_quants()
            snapshot = None if method.readonly else self.store.snapshot()
            try:
                return method.func(records, *args, **kwargs)
            except Exception:
                if snapshot is not None:
                    self.store.restore(snapshot)
                raise

    # -- JSON-RPC services -------------------------------------------------------------
    def check_db(self, db):
        if db != self.db:
            error = OdooError(f'connection to server at "localhost" (127.0.0.1), port 5432 failed: '
                            f'FATAL:  database "{db}" does not exist\n')
            error.name = "psycopg2.OperationalError"
            raise error

    def authenticate(self, db, login, password) -> int | bool:
        """res.users.authenticate: password, or an API key (non-interactive)."""
        self.check_db(db)
        if login == self.login and password in (self.password, self.api_key) and password:
            return ADMIN_UID
        return False

    def rpc(self, service, method, args):
        """odoo/http.py dispatch_rpc for the services common, object and db."""
        if not isinstance(args, list):
            raise PythonError("TypeError", "dispatch() argument after * must be an iterable")
        if service == "common":
            return self.rpc_common(method, args)
        if service == "object":
            return self.rpc_object(method, args)
        if service == "db":
            if method == "list":
                return [self.db]
            if method == "server_version":
                return f"{self.version}.0"
            raise PythonError("KeyError", repr(method))
        raise PythonError("KeyError", repr(service))

    def rpc_common(self, method, args):
        def arity(name, required, optional=0):
            if not required <= len(args) <= required + optional:
                raise PythonError("TypeError", f"exp_{name}() takes {required} positional arguments "
                                               f"but {len(args)} were given")
        if method == "version":
            return version_info(self.version)
        if method == "login":
            arity("login", 3)
            return self.authenticate(*args)
        if method == "authenticate":
            arity("authenticate", 4)
            return self.authenticate(*args[:3])
        if method == "about":
            return "See http://openerp.com"
        raise PythonError("Exception", f"Method not found: {method}")

    def rpc_object(self, method, args):
        """odoo/service/model.py dispatch + execute_kw + call_kw."""
        if method not in ("execute", "execute_kw"):
            raise PythonError("NameError", f"Method not available {method}")
        if len(args) < 5:
            raise value_error(f"not enough values to unpack (expected at least 5, got {len(args)})")
        db, uid, password, model, name, *rest = args
        try:
            uid = int(uid)
        except (TypeError, ValueError) as exc:
            raise PythonError(type(exc).__name__, str(exc)) from None
        if not password:
            raise AccessDenied()
        self.check_db(db)
        if uid != ADMIN_UID or password not in (self.password, self.api_key):
            raise AccessDenied()
        if method == "execute_kw":
            if len(rest) == 1:
                rest.append({})
            if len(rest) != 2:
                raise value_error("too many values to unpack (expected 2)")
            call_args, kwargs = rest
            kwargs = dict(kwargs or {})
        else:
            call_args, kwargs = rest, {}
        if not isinstance(call_args, list):
            raise PythonError("TypeError", "execute() argument after * must be an iterable")
        context = kwargs.pop("context", None) or {}
        with self.lock:
            known = model in self.store.schema
            method_def = find_method(Env(self), model, name) if known else None
        if known and method_def is not None and not method_def.api_model:
            if not call_args:
                raise PythonError("IndexError", "list index out of range")
            ids, call_args = call_args[0], call_args[1:]
        else:
            ids = None
        with self.lock:
            # call_kw special-cases create: `result.id if isinstance(args[0], Mapping)
            # else result.ids`, so a create given only keyword arguments fails after
            # the fact with IndexError and its transaction is rolled back.
            snapshot = self.store.snapshot() if name == "create" else None
            result = self.execute("jsonrpc", model, name, ids, list(call_args), kwargs, context)
            if name == "create":
                if not call_args:
                    self.store.restore(snapshot)
                    raise PythonError("IndexError", "list index out of range")
                if isinstance(call_args[0], dict):
                    result = result[0]
            return result


# ===========================================================================
# HTTP front end
# ===========================================================================

NOT_FOUND_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.</p>\n")

JSON2_PATH = re.compile(r"^/json/2/([^/]+)/([^/]+)$")
REDIRECT_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
    "<p>You should be redirected automatically to the target URL: <a href=\"%(url)s\">%(url)s</a>. "
    "If not, click the link.\n")


class Handler(BaseHTTPRequestHandler):
    """Routes /json/2/..., /jsonrpc, /web/health and /__sim/... ."""

    protocol_version = "HTTP/1.1"
    # Answers go out as head and body writes; without TCP_NODELAY a client
    # that keeps its connection (as lgx does) waits ~40 ms per call for the
    # delayed ACK. Odoo's own server sends without that delay.
    disable_nagle_algorithm = True
    server_version = "Werkzeug/3.0.1"
    sys_version = "Python/3.11"

    @property
    def sim(self) -> Simulator:
        return self.server.sim

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("odoo-sim: %s - %s\n" % (self.address_string(), fmt % args))

    # -- plumbing --------------------------------------------------------------
    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline().strip()
                size = int(size_line.split(b";")[0] or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_raw(self, status: int, body: bytes, content_type: str, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, payload, headers=None):
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send(status, body, "application/json; charset=utf-8", headers)

    def send_fault(self, fault: FaultStatus):
        """A reverse proxy's answer: its own Server header, an HTML page."""
        self.send_response_only(fault.status)
        self.send_header("Server", "nginx")
        self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", fault.content_type)
        self.send_header("Content-Length", str(len(fault.body)))
        for key, value in fault.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(fault.body)

    def drop_connection(self):
        """Close the connection without a byte of answer."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_not_found(self):
        self.send(404, NOT_FOUND_HTML.encode(), "text/html; charset=utf-8")

    def send(self, status: int, body, content_type: str, headers=None):
        body = body.encode("utf-8") if isinstance(body, str) else body
        self.send_raw(status, body, content_type, headers)

    def pace(self, model, method, result=None):
        """Hold the answer until the call has taken what the latency profile
        says (outside the model lock: calls in flight overlap)."""
        wanted = latency_ms(self.sim.latency_profile, model, method, result) / 1000.0
        if wanted > 0:
            left = wanted - (time.perf_counter() - self.started)
            if left > 0:
                time.sleep(left)

    def handle_any(self):
        self.started = time.perf_counter()
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.send(400, b"Bad Request", "text/plain")
            return
        url = urlsplit(self.path)
        path = url.path
        try:
            if path == "/jsonrpc":
                self.handle_jsonrpc(body)
            elif path.startswith("/json/") and self.sim.version == 18:
                # 18: web's /json/<path:subpath> page route (auth='user'): no
                # session, so a redirect to the login page, whatever the method
                target = quote(path + "?" + (url.query or ""), safe="")
                self.send(303, REDIRECT_HTML % {"url": f"/web/login?redirect={target}"}, "text/html; charset=utf-8",
                          {"Location": f"/web/login?redirect={target}"})
            elif path.startswith("/json/2/"):
                match = JSON2_PATH.match(path)
                if not match or self.sim.version < 19:
                    self.send_not_found()
                else:
                    self.handle_json2(match.group(1), match.group(2), body)
            elif path == "/web/health":
                self.send_json(200, {"status": "pass"})
            elif path.startswith("/__sim/"):
                self.handle_control(path, parse_qs(url.query), body)
            else:
                self.send_not_found()
        except BrokenPipeError:
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

    # -- JSON-2 --------------------------------------------------------------------
    def handle_json2(self, model: str, method: str, body: bytes):
        """addons/web/controllers/json2.py: auth='bearer', JSON object body."""
        sim = self.sim
        entry = sim.log_call(api="json2", service=None, model=model, method=method, ids=None, params=None)
        try:
            result = self.json2_call(model, method, body, entry)
        except FaultStatus as fault:
            sim.finish_call(entry, status=fault.status, error=f"fault:{entry.get('fault')}")
            self.send_fault(fault)
            return
        except FaultDrop:
            sim.finish_call(entry, status=None, error="fault:drop")
            self.drop_connection()
            return
        except OdooError as exc:
            self.pace(model, method)
            sim.finish_call(entry, status=exc.status, error=exc.name)
            self.send_json(exc.status, exc.serialize(), exc.headers)
            return
        except Exception as exc:  # a bug of the simulator, reported as Odoo would
            traceback.print_exc()
            error = PythonError(type(exc).__name__, str(exc))
            sim.finish_call(entry, status=500, error=error.name)
            self.send_json(500, error.serialize())
            return
        self.pace(model, method, result)
        sim.finish_call(entry, status=200)
        self.send_json(200, result)

    def json2_call(self, model, method, body, entry):
        sim = self.sim
        mimetype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and mimetype != "application/json":
            raise HTTPError(400, "Request inferred type is compatible with ['http'] but "
                                 "'/json/2/rpc' was expected")
        # odoo/addons/base/models/ir_http.py _auth_method_bearer
        bearer = re.match(r"^bearer\s+(.+)$", self.headers.get("Authorization") or "", re.IGNORECASE)
        if not bearer:
            raise HTTPError(401, "User not authenticated, use an API Key with a Bearer Authorization header.",
                            headers={"WWW-Authenticate": "Bearer"})
        if bearer.group(1).strip() != sim.api_key:
            raise HTTPError(401, "Invalid apikey", headers={"WWW-Authenticate": "Bearer"})
        database = self.headers.get("X-Odoo-Database")
        if database is not None and database != sim.db:
            raise HTTPError(404, f"database {database!r} not found")
        params = {}
        if body:
            try:
                params = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise HTTPError(400, f"could not parse the body as json: {exc}") from None
            if not isinstance(params, dict):
                raise HTTPError(400, "could not parse the body, expecting a json object")
        if self.command != "POST":
            raise HTTPError(405)
        params = dict(params)
        ids = params.pop("ids", [])
        context = params.pop("context", {})
        sim.finish_call(entry, ids=ids, params=params, context=context)
        rule = sim.take_fault("json2", model, method, entry)
        sim.fault_before(rule, model, ids)
        result = sim.execute("json2", model, method, ids, [], params, context)
        sim.fault_after(rule)
        return result

    # -- JSON-RPC --------------------------------------------------------------------
    def handle_jsonrpc(self, body: bytes):
        """odoo/http.py JsonRPCDispatcher + odoo/addons/base/controllers/rpc.py."""
        sim = self.sim
        try:
            request = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            self.send(400, b"Invalid JSON data", "text/html; charset=utf-8")
            return
        if not isinstance(request, dict):
            self.send(400, b"Invalid JSON-RPC data", "text/html; charset=utf-8")
            return
        request_id = request.get("id")
        params = request.get("params") or {}
        service = params.get("service") if isinstance(params, dict) else None
        method = params.get("method") if isinstance(params, dict) else None
        args = params.get("args") if isinstance(params, dict) else None
        entry = sim.log_call(**self.describe_rpc(service, method, args))
        try:
            if not isinstance(params, dict) or not {"service", "method", "args"} <= set(params):
                missing = [k for k in ("service", "method", "args") if not isinstance(params, dict) or k not in params]
                raise PythonError("TypeError", f"jsonrpc() missing {len(missing)} required positional "
                                               f"argument{'s' if len(missing) > 1 else ''}: "
                                               + " and ".join(repr(m) for m in missing))
            if service == "object" and entry.get("model"):
                rule = sim.take_fault("jsonrpc", entry["model"], entry["method"], entry)
            else:
                # common/db calls: only transport faults (a proxy does not care what it carries)
                rule = sim.take_fault("jsonrpc", None, method, entry, transport_only=True)
            sim.fault_before(rule, entry.get("model"), entry.get("ids"))
            try:
                result = sim.rpc(service, method, args)
            except OdooError:
                self.pace(entry.get("model") or service, entry.get("method"))
                raise
            sim.fault_after(rule)
            self.pace(entry.get("model") or service, entry.get("method"), result)
            # JsonRPCDispatcher._response leaves "result" out when it is None
            response = {"jsonrpc": "2.0", "id": request_id}
            if result is not None:
                response["result"] = result
            sim.finish_call(entry, status=200)
        except FaultStatus as fault:
            sim.finish_call(entry, status=fault.status, error=f"fault:{entry.get('fault')}")
            self.send_fault(fault)
            return
        except FaultDrop:
            sim.finish_call(entry, status=None, error="fault:drop")
            self.drop_connection()
            return
        except OdooError as exc:
            response = self.rpc_error(request_id, exc)
            sim.finish_call(entry, status=200, error=exc.name)
        except Exception as exc:  # a bug of the simulator, reported as Odoo would
            traceback.print_exc()
            error = PythonError(type(exc).__name__, str(exc))
            response = self.rpc_error(request_id, error)
            sim.finish_call(entry, status=200, error=error.name)
        self.send_json(200, response)

    def describe_rpc(self, service, method, args) -> dict:
        """Call-log entry of a JSON-RPC request: for object calls, the model,
        the model method, the ids (for record methods), args and kwargs."""
        entry = {"api": "jsonrpc", "service": service, "method": method, "model": None, "ids": None}
        if service != "object" or not isinstance(args, list) or len(args) < 5:
            return entry
        model, name, rest = args[3], args[4], args[5:]
        if method == "execute_kw":
            call_args = rest[0] if rest and isinstance(rest[0], list) else []
            kwargs = rest[1] if len(rest) > 1 and isinstance(rest[1], dict) else {}
        else:
            call_args, kwargs = rest, {}
        ids = None
        with self.sim.lock:
            if isinstance(model, str) and model in self.sim.store.schema and isinstance(name, str):
                method_def = find_method(Env(self.sim), model, name)
                if method_def is not None and not method_def.api_model and call_args:
                    ids = call_args[0]
        entry.update(model=model, method=name, rpc_method=method, ids=ids, args=call_args, kwargs=kwargs)
        return entry

    def rpc_error(self, request_id, exc: OdooError) -> dict:
        """JsonRPCDispatcher.handle_error: code 200 ('totally arbitrary'), 404 for NotFound."""
        code, message = self.sim.rpc_error_code, "Odoo Server Error"
        if exc.name == "werkzeug.exceptions.NotFound":
            code, message = 404, "404: Not Found"
        return {"jsonrpc": "2.0", "id": request_id,
                "error": {"code": code, "message": message, "data": exc.serialize()}}

    # -- control endpoints -------------------------------------------------------------
    def handle_control(self, path: str, query: dict, body: bytes):
        sim = self.sim
        try:
            payload = json.loads(body.decode("utf-8")) if body else {}
        except (ValueError, UnicodeDecodeError) as exc:
            self.send_json(400, {"error": f"invalid JSON: {exc}"})
            return
        try:
            if path == "/__sim/reset" and self.command == "POST":
                sim.reset((payload or {}).get("seed", "demo"))
                self.send_json(200, {"ok": True})
            elif path == "/__sim/seed" and self.command == "POST":
                with sim.lock:
                    snapshot = sim.store.snapshot()
                    try:
                        ids = seed_records(Env(sim), payload.get("model"), payload.get("records"))
                    except Exception:
                        sim.store.restore(snapshot)
                        raise
                self.send_json(200, {"ids": ids})
            elif path == "/__sim/dump" and self.command == "GET":
                model = query.get("model", [None])[0]
                self.send_json(200, sim.dump(model))
            elif path == "/__sim/calls" and self.command == "GET":
                filters = {k: v[0] for k, v in query.items() if k in ("api", "model", "method", "service")}
                self.send_json(200, sim.calls_report(filters))
            elif path == "/__sim/calls/reset" and self.command == "POST":
                with sim.lock:
                    sim.calls.clear()
                self.send_json(200, {"ok": True})
            elif path == "/__sim/fail" and self.command == "POST":
                # legacy alias of /__sim/faults: {error, api, model, method, message, delay_ms, times=1}
                if payload.get("clear"):
                    sim.clear_faults()
                else:
                    sim.add_fault(payload)
                self.send_json(200, {"ok": True})
            elif path == "/__sim/remove_field" and self.command == "POST":
                # an older or differently configured Odoo: the field is gone until the next reset
                sim.remove_field(payload.get("model"), payload.get("field"))
                self.send_json(200, {"ok": True})
            elif path == "/__sim/faults" and self.command == "POST":
                self.send_json(200, sim.configure_faults(payload))
            elif path == "/__sim/faults" and self.command == "GET":
                self.send_json(200, sim.faults_report())
            elif path == "/__sim/user-groups" and self.command == "POST":
                if not isinstance(payload, dict) or "groups" not in payload:
                    raise value_error('expected {"groups": [xmlid, ...]} or {"groups": null}')
                sim.set_user_groups(payload["groups"])
                self.send_json(200, sim.user_report())
            elif path == "/__sim/user-groups" and self.command == "GET":
                self.send_json(200, sim.user_report())
            else:
                self.send_json(404, {"error": f"unknown control endpoint {self.command} {path}"})
        except OdooError as exc:
            self.send_json(400, {"error": exc.message, "name": exc.name})
        except (TypeError, AttributeError, KeyError) as exc:
            self.send_json(400, {"error": f"{type(exc).__name__}: {exc}"})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, sim: Simulator, verbose=False):
        super().__init__(address, Handler)
        self.sim = sim
        self.verbose = verbose


# ===========================================================================
# Command line
# ===========================================================================

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Odoo ERP test double (JSON-2 and JSON-RPC).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", help="write the port number to this file once listening")
    parser.add_argument("--version", type=int, choices=(17, 18, 19), default=19,
                        help="Odoo major version; /json/2 exists from 19 on")
    parser.add_argument("--db", default="lgx")
    parser.add_argument("--api-key", default="lgx-test-key")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--seed", choices=("demo", "empty"), default="demo")
    parser.add_argument("--rpc-error-code", type=int, default=None,
                        help="JSON-RPC error.code (default: what the version sends, 200 on 17 and 18, 0 on 19)")
    parser.add_argument("--faults", metavar="FILE",
                        help="JSON file of fault rules (same shape as POST /__sim/faults), active from "
                             "the start and after every reset")
    parser.add_argument("--fault-seed", type=int, default=None,
                        help="seed of the fault generator (default: the file's seed, else 0)")
    parser.add_argument("--user-groups", metavar="XMLIDS",
                        help="restrict the API user to these groups, comma-separated, e.g. "
                             "stock.group_stock_user,base.group_user (default: admin, everything allowed)")
    parser.add_argument("--latency", choices=tuple(LATENCY_PROFILES),
                        default=os.environ.get(LATENCY_ENV) or "none",
                        help="answer each call after about the time a real Odoo takes: 'real' (measured on "
                             "Odoo 19, 2 cores; calls in flight overlap) or 'none' (default; the default "
                             f"comes from ${LATENCY_ENV} when set)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.latency not in LATENCY_PROFILES:
        parser.error(f"${LATENCY_ENV}={args.latency!r}: not one of {', '.join(LATENCY_PROFILES)}")
    return args


def load_fault_file(path: str) -> tuple[list, int | None]:
    """Rules and seed of a --faults file: a list of items (rules, {"seed": N}) or
    {"seed": N, "rules": [...]}."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    items = data if isinstance(data, list) else [data]
    rules, seed = [], None
    for item in items:
        if not isinstance(item, dict):
            raise SystemExit(f"{path}: each item must be an object")
        if "seed" in item:
            seed = int(item["seed"])
        rules.extend(item.get("rules") or [])
        if "kind" in item:
            rules.append(item)
    return rules, seed


def write_port_file(path: str, port: int):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as handle:
        handle.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    rules, file_seed = load_fault_file(args.faults) if args.faults else ([], None)
    fault_seed = args.fault_seed if args.fault_seed is not None else (file_seed or 0)
    try:
        sim = Simulator(version=args.version, db=args.db, api_key=args.api_key, login=args.login,
                        password=args.password, seed=args.seed, rpc_error_code=args.rpc_error_code,
                        faults=rules, fault_seed=fault_seed, user_groups=args.user_groups,
                        latency=args.latency)
    except OdooError as exc:
        raise SystemExit(f"odoo-sim: {exc.message}") from None
    server = Server((args.host, args.port), sim, verbose=args.verbose)
    port = server.server_address[1]

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"odoo-sim listening on http://{args.host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
