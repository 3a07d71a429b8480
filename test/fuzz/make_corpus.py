#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus into test/fuzz/corpus/<harness>/.

fuzz_avro: every example of avro-schemas/examples/ as a Kafka message value
(Confluent frame: magic byte 0, the schema id of schemas.json, the Avro
binary body), under the id of its version, under a registry-like id (as the
harness knows them) and read by an older or newer version; plus values the
consumers must refuse (limits, truncated, trailing bytes, bad frame).

fuzz_rules: config/rules.json and variants, with and without an event.

fuzz_odoo: Odoo answers of both APIs, successes and each error class of
README's table, in the shapes of test/sim/odoo_sim.py.

fuzz_json: JSON texts of every kind lgx reads, and nesting at, past and far
past LGX_JSON_MAX_DEPTH (a million '[').

fuzz_clock: per-picking clock fields as Odoo holds them, with an event.

fuzz_registry: schema registry answers: schemas by id (every .avsc),
registered ids, errors.

Deterministic: running it again rewrites the same files. Run from anywhere:
    python3 test/fuzz/make_corpus.py
"""

import json
import struct
import sys
from datetime import datetime, timezone
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
OUT = TOP / "test" / "fuzz" / "corpus"
SCHEMAS = TOP / "avro-schemas"
# fuzz_avro.c: every id i is also known as i + k * ALIAS_STEP.
ALIAS_STEP = 100

sys.path.insert(0, str(TOP / "test" / "sim"))
import odoo_sim  # noqa: E402  (the simulator's error shapes)


# ---- Avro binary encoding (the subset the event contracts use) ----

def zigzag(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    n &= (1 << 64) - 1
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def parse_time(s: str) -> int:
    """ISO 8601 UTC ("2026-11-27T10:00:00.250Z") as epoch milliseconds."""
    dt = datetime.strptime(s.replace("Z", "+0000"),
                           "%Y-%m-%dT%H:%M:%S.%f%z" if "." in s else "%Y-%m-%dT%H:%M:%S%z")
    return int(dt.astimezone(timezone.utc).timestamp() * 1000)


class Encoder:
    """Encodes JSON values as lgx-produce does (lgx_avro_encode_json)."""

    def __init__(self):
        self.named = {}

    def resolve(self, t):
        if isinstance(t, str) and t in self.named:
            return self.named[t]
        if isinstance(t, dict) and t.get("type") in ("record", "enum"):
            self.named[t["name"]] = t
            if "namespace" in t:
                self.named[t["namespace"] + "." + t["name"]] = t
        return t

    @staticmethod
    def kind(t):
        return t if isinstance(t, str) else ("union" if isinstance(t, list) else t["type"])

    def fits(self, t, v) -> bool:
        k = self.kind(self.resolve(t))
        return {
            "null": v is None,
            "boolean": isinstance(v, bool),
            "int": isinstance(v, int) and not isinstance(v, bool),
            "long": (isinstance(v, int) and not isinstance(v, bool)) or isinstance(v, str),
            "float": isinstance(v, (int, float)) and not isinstance(v, bool),
            "double": isinstance(v, (int, float)) and not isinstance(v, bool),
            "string": isinstance(v, str),
            "bytes": isinstance(v, str),
            "enum": isinstance(v, str),
            "record": isinstance(v, dict),
            "map": isinstance(v, dict),
            "array": isinstance(v, list),
        }.get(k, False)

    @staticmethod
    def branch_name(t):
        if isinstance(t, str):
            return t
        return t.get("name", t["type"])

    def encode(self, t, v) -> bytes:
        t = self.resolve(t)
        k = self.kind(t)
        if k == "null":
            return b""
        if k == "boolean":
            return b"\x01" if v else b"\x00"
        if k in ("int", "long"):
            return zigzag(parse_time(v) if isinstance(v, str) else v)
        if k == "float":
            return struct.pack("<f", v)
        if k == "double":
            return struct.pack("<d", v)
        if k in ("string", "bytes"):
            b = v.encode("utf-8")
            return zigzag(len(b)) + b
        if k == "enum":
            return zigzag(t["symbols"].index(v))
        if k == "array":
            body = b"".join(self.encode(t["items"], x) for x in v)
            return (zigzag(len(v)) + body if v else b"") + b"\x00"
        if k == "map":
            body = b"".join(self.encode("string", key) + self.encode(t["values"], x)
                            for key, x in v.items())
            return (zigzag(len(v)) + body if v else b"") + b"\x00"
        if k == "union":
            branches = [self.resolve(b) for b in t]
            if isinstance(v, dict) and len(v) == 1:
                (name, inner), = v.items()
                for i, b in enumerate(branches):
                    if self.branch_name(b) == name:
                        return zigzag(i) + self.encode(b, inner)
            for i, b in enumerate(branches):
                if self.fits(b, v):
                    return zigzag(i) + self.encode(b, v)
            raise ValueError(f"value fits no branch: {v!r}")
        if k == "record":
            return b"".join(self.encode(f["type"], v.get(f["name"]))
                            for f in t["fields"])
        raise ValueError(f"unsupported type {k}")


def frame(schema_id: int, body: bytes) -> bytes:
    return b"\x00" + struct.pack(">i", schema_id) + body


# ---- fuzz_avro ----

def avro_seeds():
    listed = json.loads((SCHEMAS / "schemas.json").read_text())["schemas"]
    by_record = {}
    for e in listed:
        schema = json.loads((SCHEMAS / e["file"]).read_text())
        full = schema["namespace"] + "." + schema["name"]
        by_record.setdefault(full, []).append((e["version"], e["id"], schema))
    seeds = {}
    for full, versions in sorted(by_record.items()):
        topic = ".".join(full.split(".")[:2])
        versions.sort()
        for version, sid, schema in versions:
            path = SCHEMAS / "examples" / f"{topic}.v{version}.jsonl"
            lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
            for n, event in enumerate(lines, 1):
                body = Encoder().encode(schema, event)
                seeds[f"{topic}.v{version}.{n}"] = frame(sid, body)
                if n == 1:
                    seeds[f"{topic}.v{version}.{n}.registry-id"] = frame(sid + ALIAS_STEP, body)
        first = Encoder().encode(versions[0][2], json.loads(
            (SCHEMAS / "examples" / f"{topic}.v{versions[0][0]}.jsonl")
            .read_text().splitlines()[0]))
        seeds[f"{topic}.truncated"] = frame(versions[0][1], first[:len(first) // 2])
        seeds[f"{topic}.trailing"] = frame(versions[0][1], first + b"\x00")
    # A pick over the limits: a long string and more items than allowed.
    pick = json.loads((SCHEMAS / "examples" / "lgx.picks.v2.jsonl").read_text().splitlines()[0])
    v2 = json.loads((SCHEMAS / "picks" / "PickConfirmed.v2.avsc").read_text())
    long_name = dict(pick, picking_name="W" * 1100)
    seeds["lgx.picks.v2.string-too-long"] = frame(2, Encoder().encode(v2, long_name))
    many = dict(pick, lines=[{"product_code": "P", "quantity": 1, "lot": None}] * 1001)
    seeds["lgx.picks.v2.too-many-lines"] = frame(2, Encoder().encode(v2, many))
    seeds["bad-magic"] = b"\x01\x00\x00\x00\x02" + Encoder().encode(v2, pick)
    seeds["unknown-id"] = frame(99, Encoder().encode(v2, pick))
    seeds["short"] = b"\x00\x00\x00"
    return seeds


# ---- fuzz_rules ----

def rules_seeds():
    base = json.loads((TOP / "config" / "rules.json").read_text())
    text = json.dumps(base, indent=2).encode()
    seeds = {"rules.json": (TOP / "config" / "rules.json").read_bytes()}
    events = {
        "pick-applies": [b"wms-north", b"assigned", b"", b"1795773600250", b"1795773600250"],
        "pick-held": [b"wms-north", b"draft", b"false", b"1795773600250", b"1795773600250"],
        "pick-stale-clock": [b"wms-north", b"assigned",
                             b'{"pick_confirmed/wms-north":1795773600251}',
                             b"1795773600250", b"1795773600250"],
        "future": [b"tms-1", b"none", b"{}", b"1795774000000", b"1795773600250"],
        "source-refused": [b"erp", b"dispatched", b"", b"0", b"0"],
        "clock-full": [b"carrier-dhl", b"dispatched",
                       json.dumps({f"carrier_milestone/c{i}": i for i in range(64)}).encode(),
                       b"100", b"100"],
    }
    for name, fields in events.items():
        seeds[f"rules.json+{name}"] = text + b"\0" + b"\0".join(fields)
    minimal = {"events": {"pick_confirmed": {"sources": ["*"], "apply_in": ["assigned"]}}}
    seeds["minimal"] = json.dumps(minimal).encode()
    mapping = {"tms-1": {"carriers": {"ups": "UPS Ground"}},
               "tms-*": {"doc": "TMS", "carriers": {"dhl": "DHL Express"}},
               "wms-*": {"products": {"SKU-1001": "4006381333931", "A": "B"},
                         "product_field": "barcode", "units": {"assigned": "Units"},
                         "warehouses": {}}}
    mapped = json.dumps(dict(base, mapping=mapping), indent=2).encode()
    seeds["mapping"] = mapped
    seeds["mapping+pick"] = mapped + b"\0" + b"\0".join(events["pick-applies"])
    seeds["skew"] = json.dumps(dict(minimal, clock_skew_ms=0)).encode()
    bad = {
        "state-write": {"events": {"pick_confirmed": {
            "sources": ["*"], "apply_in": ["a"], "writes": ["stock.picking.state"]}}},
        "two-lists": {"events": {"label_created": {
            "sources": ["*"], "apply_in": ["a"], "hold_in": ["a"]}}},
        "unknown-type": {"events": {"pick_shipped": {"sources": ["*"], "apply_in": ["a"]}}},
        "unknown-key": {"events": {}, "clock": 1},
        "not-model-field": {"events": {"shipment_booked": {
            "sources": ["*"], "apply_in": ["a"], "calls": ["validate"]}}},
        "negative-hold": {"events": {"proof_of_delivery": {
            "sources": ["*"], "apply_in": ["a"], "hold_ms": -1}}},
        "mapping-unknown-key": dict(minimal, mapping={"tms-*": {"carrierz": {}}}),
        "mapping-empty-value": dict(minimal, mapping={"wms-*": {"units": {"BX": ""}}}),
        "mapping-product-field": dict(minimal, mapping={"wms-*": {"product_field": "name"}}),
    }
    for name, doc in bad.items():
        seeds[f"invalid-{name}"] = json.dumps(doc).encode()
    seeds["invalid-json"] = b'{"events": {'
    return seeds


# ---- fuzz_odoo ----

def answer(api: str, status: int, body) -> bytes:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return f"{api} {status}\n".encode() + body


def rpc_error(exc, code=200, message="Odoo Server Error") -> dict:
    return {"jsonrpc": "2.0", "id": 7,
            "error": {"code": code, "message": message, "data": exc.serialize()}}


def odoo_seeds():
    sim = odoo_sim
    picking = {"id": 7, "name": "WH/OUT/00007", "state": "assigned",
               "x_lgx_shipment_status": False,
               "x_lgx_clock": '{"pick_confirmed/wms-north":1795773600250}'}
    move = {"id": 31, "product_id": [12, "[FURN_7777] Chair"], "quantity": 1.5,
            "picked": False}
    version = {"server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""],
               "server_serie": "18.0", "protocol_version": 1}
    lock = sim.OdooError("could not obtain lock on row in relation \"stock_picking\"")
    lock.name = "psycopg2.errors.LockNotAvailable"
    serial = sim.OdooError("could not serialize access due to concurrent update")
    serial.name = "psycopg2.errors.SerializationFailure"
    errors = {
        "user": sim.UserError("You cannot validate a transfer if no quantities are reserved."),
        "validation": sim.ValidationError("The quantity must be positive."),
        "missing": sim.missing_error("stock.picking", [99]),
        "access": sim.AccessError("You are not allowed to modify 'Transfer' (stock.picking) records."),
        "denied": sim.AccessDenied(),
        "lock": sim.LockError("Cannot lock the record; retry later."),
        "lock-pg": lock,
        "serialization": serial,
        "invalid-field": sim.invalid_field("x_lgx_clock", "stock.picking"),
        "type": sim.PythonError("TypeError", "BaseModel.read() got an unexpected keyword argument 'x'"),
        "attribute": sim.PythonError("AttributeError", "The method 'stock.picking.nope' does not exist"),
        "unknown-model": sim.UserError("Object x_lgx_ledger doesn't exist"),
        "not-found": sim.HTTPError(404),
        "unauthorized": sim.HTTPError(401, "Invalid apikey"),
        "exception": sim.OdooError("boom"),
    }
    seeds = {
        "json2-search-read": answer("json2", 200, [picking]),
        "json2-moves": answer("json2", 200, [move, dict(move, id=32, product_id=13)]),
        "json2-true": answer("json2", 200, True),
        "json2-create": answer("json2", 200, [41, 42]),
        "json2-context": answer("json2", 200, {"lang": "en_US", "tz": "UTC", "uid": 2}),
        "json2-empty": answer("json2", 200, []),
        "json2-200-not-json": answer("json2", 200, b"<html>Odoo</html>"),
        "json2-200-empty": answer("json2", 200, b""),
        "jsonrpc-version": answer("jsonrpc", 200, {"jsonrpc": "2.0", "id": 1, "result": version}),
        "jsonrpc-login": answer("jsonrpc", 200, {"jsonrpc": "2.0", "id": 2, "result": 2}),
        "jsonrpc-login-refused": answer("jsonrpc", 200, {"jsonrpc": "2.0", "id": 2, "result": False}),
        "jsonrpc-search-read": answer("jsonrpc", 200, {"jsonrpc": "2.0", "id": 3, "result": [picking]}),
        "jsonrpc-null": answer("jsonrpc", 200, {"jsonrpc": "2.0", "id": 4, "result": None}),
        "jsonrpc-no-result": answer("jsonrpc", 200, {"jsonrpc": "2.0", "id": 5}),
        "jsonrpc-nothing": answer("jsonrpc", 200, {"jsonrpc": "2.0"}),
        "jsonrpc-not-object": answer("jsonrpc", 200, [1, 2]),
        "jsonrpc-session-expired": answer("jsonrpc", 200, {
            "jsonrpc": "2.0", "id": 6, "error": {
                "code": 100, "message": "Odoo Session Expired",
                "data": {"name": "odoo.http.SessionExpiredException",
                         "message": "Session expired"}}}),
        "jsonrpc-error-no-data": answer("jsonrpc", 200, {
            "jsonrpc": "2.0", "id": 6, "error": {"code": -32600, "message": "Invalid Request"}}),
        "json2-saas-version": answer("json2", 200, {"server_version": "saas~18.3+e"}),
    }
    for name, exc in errors.items():
        seeds[f"json2-{name}"] = answer("json2", exc.status, exc.serialize())
        not_found = exc.name == "werkzeug.exceptions.NotFound"
        seeds[f"jsonrpc-{name}"] = answer(
            "jsonrpc", 200, rpc_error(exc, *((404, "404: Not Found") if not_found else ())))
    for status in (429, 502, 503, 504, 500):
        page = sim.proxy_error_page(status)
        seeds[f"json2-proxy-{status}"] = answer("json2", status, page)
        seeds[f"jsonrpc-proxy-{status}"] = answer("jsonrpc", status, page)
    return seeds


# ---- fuzz_json ----

JSON_MAX_DEPTH = 256  # common/lgx_json.h


def json_seeds():
    seeds = {
        "rules.json": (TOP / "config" / "rules.json").read_bytes(),
        "schemas.json": (SCHEMAS / "schemas.json").read_bytes(),
        "scalars": b'[null, true, false, 0, -1, 1.5e300, -0.0, 9223372036854775807, '
                   b'-9223372036854775808, 18446744073709551616, "\\u00e9\\ud83d\\ude00"]',
        "comments": b'/* a comment */ {"a": [1, 2] // and another\n}',
        "brackets-in-strings": b'{"[[[[": "]]]]", "\\"{": "}\\""}',
        "empty": b"",
        "duplicate-keys": b'{"a": 1, "a": 2}',
    }
    for n, name in ((JSON_MAX_DEPTH, "at-limit"), (JSON_MAX_DEPTH + 1, "past-limit"),
                    (100000, "deep-100000"), (1000000, "deep-1000000")):
        seeds[f"arrays-{name}"] = b"[" * n + (b"]" * n if n <= JSON_MAX_DEPTH + 1 else b"")
        if n <= JSON_MAX_DEPTH + 1:
            seeds[f"objects-{name}"] = b'{"a":' * n + b"1" + b"}" * n
    # A quote inside a comment hides the brackets after it from the
    # pre-scan: the parse itself must stop them.
    seeds["comment-quote-deep"] = b'/* " */' + b"[" * (JSON_MAX_DEPTH + 8)
    return seeds


# ---- fuzz_clock ----

def clock_seeds():
    ev = [b"pick_confirmed", b"wms-north", b"1795773600250"]
    clocks = {
        "empty": b"",
        "false": b"false",
        "one": b'{"pick_confirmed/wms-north":1795773600000}',
        "newer": b'{"pick_confirmed/wms-north":1795773700000}',
        "other-sources": b'{"pick_confirmed/wms-south":1,"carrier_milestone/c":2}',
        "not-a-number": b'{"pick_confirmed/wms-north":"1795773600000"}',
        "double": b'{"pick_confirmed/wms-north":1.5}',
        "duplicate": b'{"pick_confirmed/wms-north":"x","pick_confirmed/wms-north":5}',
        "full": json.dumps({f"carrier_milestone/c{i}": i for i in range(70)}).encode(),
        "array": b"[1, 2]",
        "deep": b'{"a":' * 300 + b"1" + b"}" * 300,
    }
    seeds = {}
    for name, text in clocks.items():
        seeds[name] = text + b"\0" + b"\0".join(ev)
    seeds["shipments"] = clocks["other-sources"] + b"\0shipment_booked\0tms-1\0-5"
    seeds["unknown-type"] = clocks["one"] + b"\0pick_shipped\0wms-north\0" + b"9" * 20
    seeds["quote-in-source"] = clocks["one"] + b'\0proof_of_delivery\0dr"iver\\\x01\0' + b"0"
    seeds["no-event"] = clocks["one"]
    return seeds


# ---- fuzz_registry ----

def registry_seeds():
    seeds = {}
    for i, f in enumerate(sorted(SCHEMAS.rglob("*.avsc"))):
        body = {"schema": f.read_text()}
        seeds[f"schema-{f.stem}"] = b"200\n" + json.dumps(body).encode()
        if i == 0:
            seeds["schema-with-type"] = b"200\n" + json.dumps(
                dict(body, schemaType="AVRO", references=[])).encode()
    seeds.update({
        "registered": b'200\n{"id": 5}',
        "registered-huge-id": b'200\n{"id": 9223372036854775807}',
        "not-found": b'404\n{"error_code": 40403, "message": "Schema 7 not found"}',
        "incompatible": b'409\n{"error_code": 409, "message": "Schema being registered is incompatible"}',
        "proxy-502": b"502\n<html><body>Bad Gateway</body></html>",
        "200-not-json": b"200\n<html>registry</html>",
        "200-empty": b"200\n",
        "200-array": b"200\n[]",
        "schema-not-string": b'200\n{"schema": {"type": "string"}}',
        "schema-primitive": b'200\n{"schema": "\\"string\\""}',
        "schema-deep": b"200\n" + json.dumps(
            {"schema": '{"type":"array","items":' * 200 + '"int"' + "}" * 200}).encode(),
    })
    return seeds


def write(harness: str, seeds: dict):
    d = OUT / harness
    d.mkdir(parents=True, exist_ok=True)
    for old in d.iterdir():
        old.unlink()
    for name, data in sorted(seeds.items()):
        (d / name).write_bytes(data)
    print(f"{harness}: {len(seeds)} seeds in {d.relative_to(TOP)}")


def main():
    write("fuzz_avro", avro_seeds())
    write("fuzz_rules", rules_seeds())
    write("fuzz_odoo", odoo_seeds())
    write("fuzz_json", json_seeds())
    write("fuzz_clock", clock_seeds())
    write("fuzz_registry", registry_seeds())


if __name__ == "__main__":
    main()
