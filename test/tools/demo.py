"""make demo: the four lgx consumers on a simulated day of logistics
events, watched live, then summed up and audited.

Starts a Kafka broker and the Odoo simulator with a real Odoo's latency
(or uses the Odoo named by ODOO_URL, ODOO_DB and ODOO_API_KEY or
ODOO_API_KEY_FILE, as test/sim/conformance.py does; ODOO_LOGIN, default
admin), runs lgx-odoo-setup, and has lgx-simulate create a few hundred
orders in Odoo and publish their events (picks, bookings, labels,
dispatches, milestones, proofs of delivery) with a few per cent of
trouble: duplicates, events out of order, poison messages, late proofs of
delivery, dispatches before their booking, events from a source system
the rules do not allow. The demo brings its own records first (into the
simulator as into a real Odoo), found again on a second run: products
LGX-DEMO-01.. with stock on hand in the warehouse (an inventory
adjustment), a lot-tracked one with its stock in lots (its picks name
lots, an order may pick from two) and one with too little stock for the
day (its picks are shortages), customers and carriers named "lgx demo
...". The transport platform books the carriers by code (dhl, ups,
postnl); the demo runs every consumer and lgx-simulate with a rules file
that maps those codes to the carriers' names, and a few bookings are sent
first with a code the mapping lacks (dead-lettered, unmapped_carrier).

lgx-picks, lgx-shipments, lgx-milestones and lgx-pod start concurrently
as the stream is published, in a shuffled order, each up to 3 s after the
one before (--start-seed, else $LGX_START_SEED, else a new seed; printed
so that a run can be repeated): nothing orders one topic against another,
and a dispatch may reach Odoo before its pick.

While the stream runs, a line per topic shows what its consumer reports on
/metrics: events per second, applied, duplicates, stale, held (now),
dead-lettered and lag; redrawn in place on a terminal, printed every few
seconds otherwise. Once every message has its outcome (nothing pending,
nothing held, lag 0), the consumers are stopped and the demo prints the
outcomes per topic, the dead letters by reason (read back from the .dlq
topics), the pickings in Odoo by state with a sample, and the audit of
Odoo against what lgx-simulate expects (test/tools/audit.py), read over Odoo's
API on a real Odoo as on the simulator: every message's outcome, picking
fields, carriers as the mapping names them, done quantities equal to
what the picks reported, the lots on each done picking's move lines as
picked and each lot's stock down by what the done moves took, stock
changed only by the run's done moves, each shortage told once (note,
activity, lgx-picks' /metrics) and its stock below zero by the
shortfall, notes, attachments and activities once, poison dead-lettered
once: nothing lost, nothing doubled.

    python3 test/tools/demo.py [--orders N] [--seed S] [--rate R] [--timeout S]
                         [--start-seed S] [-- lgx-simulate options]

Options after -- go to lgx-simulate (e.g. --products, --partners and
--carriers to use other records of a real Odoo). Everything started is
stopped at the end, also on Ctrl-C or an error. Exit code 0 when every
consumer ran to the end without crashing, every message got its outcome
and the audit passed; 1 otherwise; 130 on Ctrl-C. Standard library only.
"""
import argparse
import collections
import concurrent.futures
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "integration")]
import audit  # noqa: E402
import lgxenv  # noqa: E402
from test_it_shipments import booked, dispatched, label  # noqa: E402

CONSUMERS = lgxenv.CONSUMERS
# What the replay at the end compares, per model (write_date shows any
# write, even of the same value).
REPLAY_FIELDS = {
    "stock.picking": ["name", "state", "date_done", "carrier_id",
                      "carrier_tracking_ref", "x_lgx_shipment_ref",
                      "x_lgx_shipment_status", "x_lgx_clock_picks",
                      "x_lgx_clock_shipments", "x_lgx_clock_milestones",
                      "x_lgx_clock_pod", "x_lgx_milestone",
                      "x_lgx_milestone_at", "x_lgx_eta",
                      "x_lgx_delivered_at", "x_lgx_receiver", "write_date"],
    "stock.move": ["quantity", "picked", "state", "x_lgx_quantity",
                   "write_date"],
    "stock.move.line": ["quantity", "lot_id", "picked", "write_date"],
    "mail.message": ["body", "write_date"],
    "ir.attachment": ["name", "file_size", "write_date"],
    "mail.activity": ["summary", "user_id", "date_deadline", "write_date"],
    "stock.quant": ["product_id", "location_id", "lot_id", "quantity",
                    "reserved_quantity", "write_date"],
}
TOPICS = lgxenv.TOPICS
# A few per cent of every kind of trouble lgx-simulate makes (and its
# default 10 % of orders whose shipment is cancelled).
TROUBLE = ("--duplicates", "3", "--out-of-order", "3", "--poison", "2",
           "--late-pod", "5", "--dispatch-before-booking", "5",
           "--wrong-source", "2")
# The automatic rate publishes the stream in about PUBLISH_S seconds
# (lgx-simulate makes about 10.5 events per order), never slower than
# MIN_RATE events/s.
EVENTS_PER_ORDER = 10.5
PUBLISH_S = 35
MIN_RATE = 30
FINAL = ("applied", "duplicate", "stale", "rejected")
# The simulator answers about as fast as a real Odoo 19 (odoo_sim.py
# --latency): a fast pick no longer always wins its race with the dispatch.
SIM_LATENCY = "real"
# The demo's own records in a real Odoo (ensure_demo_data).
DEMO_PRODUCTS = 9
DEMO_CUSTOMERS = 6
DEMO_CARRIERS = 3
DEMO_STOCK = 100000
DEMO_STOCK_MIN = 20000
# Besides them, a lot-tracked product with its stock in lots (first in,
# first out: an order of more than the first lot's quantity picks from
# two) and a product with too little stock for the run (its picks are
# shortages: Odoo's stock goes below zero). Both are set to exactly this
# at the start of every run.
DEMO_LOT_PRODUCT = "LGX-DEMO-10"
DEMO_LOTS = [("LGX-DEMO-10-L1", 4), ("LGX-DEMO-10-L2", 6),
             ("LGX-DEMO-10-L3", DEMO_STOCK)]
DEMO_SHORT_PRODUCT = "LGX-DEMO-11"
DEMO_SHORT_STOCK = 2
# The transport platform books the demo's carriers by these codes; the
# demo's rules file maps them to the carriers' Odoo names ("mapping",
# sources tms-*). About UNMAPPED_PER_RUN bookings of a run are sent first
# with a code the mapping lacks (lgx-simulate --unmapped-carrier): each is
# dead-lettered as unmapped_carrier, and its booking then applies.
DEMO_CARRIER_CODES = ["dhl", "ups", "postnl"]
UNMAPPED_PER_RUN = 3
DEMO_CITIES = ["Fremont", "Pleasant Hill", "Fairfield", "Tracy", "Stockton",
               "Turlock"]
# Held events are checked again at least this often (ms): a dispatch
# waiting for its pick, a milestone for its dispatch.
HOLD_RECHECK_MS = 500
HOLD_RECHECK_MAX_MS = 2000
PICKING_FIELDS = ["name", "state", "carrier_id", "carrier_tracking_ref",
                  "x_lgx_shipment_ref", "x_lgx_shipment_status",
                  "x_lgx_milestone", "x_lgx_milestone_at", "x_lgx_eta",
                  "x_lgx_delivered_at", "x_lgx_receiver"]


def say(text=""):
    print(text, flush=True)


class Stop(Exception):
    """SIGTERM: stop like on Ctrl-C."""


def on_sigterm(signum, frame):
    raise Stop()


# ---- Odoo: the simulator, or the one the environment names -------------

def real_odoo():
    """Whether the environment names an Odoo (as test/sim/conformance.py
    reads it)."""
    return bool(os.environ.get("ODOO_URL") and os.environ.get("ODOO_DB") and
                (os.environ.get("ODOO_API_KEY") or
                 os.environ.get("ODOO_API_KEY_FILE")))


class OdooError(RuntimeError):
    """An error Odoo answered with: name (e.g. odoo.exceptions.UserError)
    and message."""

    def __init__(self, what, name, message):
        RuntimeError.__init__(self, "%s: %s: %s" % (what, name, message))
        self.name = name


# JSON-RPC's execute_kw takes these named arguments of JSON-2 by position
# (after the ids, when the method has them).
POSITIONAL = {"search_read": ["domain"], "search": ["domain"],
              "search_count": ["domain"], "create": ["vals_list"],
              "write": ["vals"]}


class Odoo:
    """Where the consumers write: the Odoo of ODOO_URL, ODOO_DB and
    ODOO_API_KEY (or ODOO_API_KEY_FILE) when they are set, else the
    simulator (test/sim/odoo_sim.py, Odoo 19, with the latency of a real
    Odoo) run through test/tools/chaos.py --serve-sim: the same behaviour with
    cheaper per-call transactions (with its own, 300 orders take twice as
    long: the simulator, not lgx, would set the pace). The demo's own
    calls (its demo data, the audit's reads) go through JSON-2 on Odoo 19
    and later, JSON-RPC (common.login, object.execute_kw) on 17 and 18."""

    def __init__(self, workdir):
        self.sim = None
        self.key_tmp = None
        url, db = os.environ.get("ODOO_URL"), os.environ.get("ODOO_DB")
        key_file = os.environ.get("ODOO_API_KEY_FILE")
        key = os.environ.get("ODOO_API_KEY")
        if real_odoo():
            self.url, self.db = url.rstrip("/"), db
            self.login = os.environ.get("ODOO_LOGIN", "admin")
            if not key_file:
                fd, key_file = tempfile.mkstemp(prefix="odoo-key.",
                                                dir=workdir)
                with os.fdopen(fd, "w") as f:
                    f.write(key + "\n")
                self.key_tmp = key_file
            with open(key_file, encoding="utf-8") as f:
                self.key = f.read().strip()
            self.key_file = key_file
        else:
            self.sim = lgxenv.Simulator(
                version=19, setup=False, latency=SIM_LATENCY,
                server=[sys.executable, os.path.join(HERE, "chaos.py"),
                        "--serve-sim"])
            self.url, self.db, self.login = self.sim.url, "lgx", "admin"
            self.key, self.key_file = lgxenv.API_KEY, self.sim.key_file
        self.uid = None
        info = self.rpc("common", "version")
        self.version = int((info.get("server_version_info") or [0])[0] or
                           str(info.get("server_version", "0")).split(".")[0])
        self.json2 = self.version >= 19
        api = "JSON-2" if self.json2 else "JSON-RPC"
        if self.sim:
            self.name = "Odoo simulator (%d, %s, latency %s) at %s" % (
                self.version, api, SIM_LATENCY, self.url)
        else:
            self.name = "Odoo %d at %s (database %s, %s)" % (
                self.version, self.url, self.db, api)

    def odoo_args(self):
        if self.sim:
            return self.sim.odoo_args()
        args = ["--odoo-url", self.url, "--odoo-db", self.db,
                "--odoo-login", self.login, "--odoo-api-key-file",
                self.key_file]
        # A plain http:// Odoo on this machine (a local test Odoo) is
        # allowed; elsewhere lgx refuses it and says why.
        if re.match(r"^http://(127\.0\.0\.1|localhost)(:|/|$)", self.url):
            args.append("--odoo-allow-http")
        return args

    def setup(self):
        """lgx-odoo-setup: what it printed."""
        r = subprocess.run([os.path.join(lgxenv.BIN, "lgx-odoo-setup"),
                            *self.odoo_args()], capture_output=True,
                           text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("lgx-odoo-setup failed: " + r.stderr.strip())
        return r.stdout.strip()

    def rpc(self, service, method, *args, timeout=120):
        body = {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": service, "method": method,
                           "args": list(args)}}
        req = urllib.request.Request(
            self.url + "/jsonrpc", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            answer = json.loads(r.read())
        if "error" in answer:
            err = answer["error"].get("data") or answer["error"]
            raise OdooError("Odoo %s.%s" % (service, method),
                            err.get("name"), err.get("message"))
        return answer.get("result")

    def call(self, model, method, ids=None, timeout=300, **kw):
        """model.method on ids (None: a model method) with named
        arguments as JSON-2 takes them (domain, fields, vals_list, vals,
        context ...), through JSON-2 or JSON-RPC."""
        if self.json2:
            body = dict(kw)
            if ids is not None:
                body["ids"] = list(ids)
            req = urllib.request.Request(
                "%s/json/2/%s/%s" % (self.url, model, method),
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json",
                         "Authorization": "bearer " + self.key,
                         "X-Odoo-Database": self.db})
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    return json.loads(r.read())
            except urllib.error.HTTPError as e:
                try:
                    err = json.loads(e.read())
                except ValueError:
                    err = {}
                raise OdooError("%s.%s" % (model, method),
                                err.get("name") or "HTTP %d" % e.code,
                                err.get("message") or e.reason) from None
        if self.uid is None:
            self.uid = self.rpc("common", "login", self.db, self.login,
                                self.key)
            if not self.uid:
                raise RuntimeError("Odoo refused the login %r" % self.login)
        args = [list(ids)] if ids is not None else []
        for name in POSITIONAL.get(method, []):
            if name in kw:
                args.append(kw.pop(name))
        return self.rpc("object", "execute_kw", self.db, self.uid, self.key,
                        model, method, args, kw, timeout=timeout)

    def search_read(self, model, domain, fields):
        return self.call(model, "search_read", domain=domain, fields=fields)

    def sim_get(self, path, timeout=120):
        """GET a control endpoint of the simulator (dumps can be large)."""
        with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
            return json.loads(r.read())

    def stop(self):
        if self.sim:
            self.sim.stop()
        if self.key_tmp and os.path.exists(self.key_tmp):
            os.unlink(self.key_tmp)


# ---- demo data: products with stock, customers, carriers -----------------

def storable_vals(odoo):
    """What makes a product storable in this Odoo's version."""
    fields = odoo.call("product.product", "fields_get",
                       attributes=["type"])
    if "is_storable" in fields:           # 18 and later
        return {"type": "consu", "is_storable": True}
    if "detailed_type" in fields:         # 17
        return {"detailed_type": "product"}
    return {"type": "product"}


def demo_products(odoo, codes):
    """The demo's products, created when missing: {code: product row
    with qty_available}, and how many were created."""
    goods = storable_vals(odoo)
    every = codes + [DEMO_LOT_PRODUCT, DEMO_SHORT_PRODUCT, "LGX-DEMO-SHIP"]

    def read():
        return {p["default_code"]: p for p in odoo.search_read(
            "product.product", [["default_code", "in", every]],
            ["default_code", "qty_available"])}
    have = read()
    new = [dict(goods, name="lgx demo item %s" % c[-2:], default_code=c,
                list_price=5.0 + i, weight=0.5 + i / 10.0)
           for i, c in enumerate(codes) if c not in have]
    if DEMO_LOT_PRODUCT not in have:
        new.append(dict(goods, name="lgx demo lot item %s" %
                        DEMO_LOT_PRODUCT[-2:], default_code=DEMO_LOT_PRODUCT,
                        tracking="lot", list_price=15.0, weight=1.5))
    if DEMO_SHORT_PRODUCT not in have:
        new.append(dict(goods, name="lgx demo short item %s" %
                        DEMO_SHORT_PRODUCT[-2:],
                        default_code=DEMO_SHORT_PRODUCT, list_price=16.0,
                        weight=1.6))
    if "LGX-DEMO-SHIP" not in have:
        new.append({"name": "lgx demo shipping", "default_code":
                    "LGX-DEMO-SHIP", "type": "service", "list_price": 0.0})
    if new:
        odoo.call("product.product", "create", vals_list=new)
        have = read()
    return have, len(new)


def count_stock(odoo, location, counts):
    """Inventory adjustments in location: counts are (product id, lot id
    or None, quantity), and the stock of that product (and lot) there
    becomes quantity. Odoo counts one quant of each (stock.quant create in
    inventory mode takes the first there, or makes one); other quants
    stay as they are (a shortage can leave one below zero beside one at
    zero), so the quant counted is set to what brings the total to
    quantity: a first create says which quant it is, a second gives its
    inventory_quantity, action_apply_inventory applies it."""
    if not counts:
        return

    def count(quantities):
        return odoo.call("stock.quant", "create", vals_list=[
            dict({"product_id": pid, "location_id": location,
                  "inventory_quantity": q}, **({"lot_id": lot} if lot else {}))
            for (pid, lot, _), q in zip(counts, quantities)],
            context={"inventory_mode": True})
    ids = count([0.0] * len(counts))
    quants = odoo.search_read("stock.quant", [
        ["product_id", "in", sorted({c[0] for c in counts})],
        ["location_id", "=", location]], ["product_id", "lot_id", "quantity"])
    total = collections.Counter()
    own = {}
    for q in quants:
        total[(audit._m2o(q["product_id"]), audit._m2o(q["lot_id"]))] += \
            q["quantity"]
        own[q["id"]] = q["quantity"]
    ids = count([own.get(i, 0.0) + qty - total[(pid, lot or None)]
                 for i, (pid, lot, qty) in zip(ids, counts)])
    odoo.call("stock.quant", "action_apply_inventory", ids=ids)


def demo_lots_and_shortage(odoo, have, location):
    """The lot-tracked product's lots (created when missing) and the
    short product, set to exactly DEMO_LOTS and DEMO_SHORT_STOCK in
    location. What was done, as text."""
    lot_pid = have[DEMO_LOT_PRODUCT]["id"]
    short_pid = have[DEMO_SHORT_PRODUCT]["id"]
    names = [n for n, _ in DEMO_LOTS]
    lots = {l["name"]: l["id"] for l in odoo.search_read(
        "stock.lot", [["product_id", "=", lot_pid], ["name", "in", names]],
        ["name"])}
    missing = [n for n in names if n not in lots]
    if missing:
        ids = odoo.call("stock.lot", "create", vals_list=[
            {"name": n, "product_id": lot_pid} for n in missing])
        lots.update(zip(missing, ids))
    now = collections.Counter()
    for q in odoo.search_read("stock.quant", [
            ["product_id", "in", [lot_pid, short_pid]],
            ["location_id", "=", location]],
            ["product_id", "lot_id", "quantity"]):
        now[(audit._m2o(q["product_id"]), audit._m2o(q["lot_id"]))] += \
            q["quantity"]
    want = [(lot_pid, lots[n], float(qty)) for n, qty in DEMO_LOTS]
    want.append((short_pid, None, float(DEMO_SHORT_STOCK)))
    count_stock(odoo, location, [w for w in want
                                 if abs(now[w[:2]] - w[2]) > 1e-9])
    return ("%s in lots %s (%s created); %s %g on hand, too few for the "
            "run" % (DEMO_LOT_PRODUCT, ", ".join(
                "%s %g" % (n, q) for n, q in DEMO_LOTS), len(missing),
                DEMO_SHORT_PRODUCT, DEMO_SHORT_STOCK))


def ensure_demo_data(odoo):
    """The demo's own records in the Odoo it runs against, found by name
    or code, created when missing (a second run finds them): DEMO_PRODUCTS
    storable products LGX-DEMO-01.. ("lgx demo item NN") with at least
    DEMO_STOCK_MIN on hand in the warehouse's stock location (set to
    DEMO_STOCK by an inventory adjustment: stock.quant inventory_quantity,
    action_apply_inventory); the lot-tracked DEMO_LOT_PRODUCT with
    DEMO_LOTS (stock.lot, one inventory adjustment per lot) and
    DEMO_SHORT_PRODUCT with DEMO_SHORT_STOCK, both set to exactly that on
    every run; DEMO_CUSTOMERS customers ("lgx demo customer N") and
    DEMO_CARRIERS carriers ("lgx demo carrier N", fixed price, with their
    service product LGX-DEMO-SHIP). Returns (lgx-simulate options
    --products, --partners, --carriers; what was done, one line per
    kind)."""
    done = []
    codes = ["LGX-DEMO-%02d" % i for i in range(1, DEMO_PRODUCTS + 1)]
    have, created = demo_products(odoo, codes)
    done.append("%d products LGX-DEMO-01..%02d, lot-tracked %s, short %s "
                "and their carriers' LGX-DEMO-SHIP (%s)" % (
                    len(codes), len(codes), DEMO_LOT_PRODUCT,
                    DEMO_SHORT_PRODUCT,
                    "%d created" % created if created else "found"))
    # Stock on hand, in the stock location of the user's company's
    # warehouse.
    users = odoo.search_read("res.users", [["login", "=", odoo.login]],
                             ["company_id"])
    company = users[0]["company_id"][0] if users and \
        users[0].get("company_id") else None
    whs = odoo.search_read("stock.warehouse", [["company_id", "=", company]]
                           if company else [], ["name", "lot_stock_id"])
    if not whs:
        raise RuntimeError("Odoo has no warehouse for the demo's stock")
    wh = min(whs, key=lambda w: w["id"])
    low = [have[c] for c in codes if have[c]["qty_available"] < DEMO_STOCK_MIN]
    count_stock(odoo, wh["lot_stock_id"][0],
                [(p["id"], None, DEMO_STOCK) for p in low])
    done.append("stock: %s in %s; %s" % (
        "%d product(s) brought to %d on hand" % (len(low), DEMO_STOCK)
        if low else "every product has at least %d on hand" % DEMO_STOCK_MIN,
        wh["lot_stock_id"][1],
        demo_lots_and_shortage(odoo, have, wh["lot_stock_id"][0])))
    codes += [DEMO_LOT_PRODUCT, DEMO_SHORT_PRODUCT]
    # Customers.
    names = ["lgx demo customer %d" % i for i in range(1, DEMO_CUSTOMERS + 1)]
    found = {p["name"]: p["id"] for p in odoo.search_read(
        "res.partner", [["name", "in", names]], ["name"])}
    missing = [n for n in names if n not in found]
    if missing:
        ids = odoo.call("res.partner", "create", vals_list=[
            {"name": n, "city": DEMO_CITIES[names.index(n) %
                                            len(DEMO_CITIES)],
             "street": "%d Demo Street" % (names.index(n) + 1)}
            for n in missing])
        found.update(zip(missing, ids))
    done.append("%d customers (%s)" % (len(names), "%d created" % len(
        missing) if missing else "found"))
    # Carriers.
    carriers = ["lgx demo carrier %d" % i for i in range(1, DEMO_CARRIERS + 1)]
    have_c = {c["name"] for c in odoo.search_read(
        "delivery.carrier", [["name", "in", carriers]], ["name"])}
    missing_c = [c for c in carriers if c not in have_c]
    if missing_c:
        # Odoo needs each carrier's service product (the simulator has no
        # such field).
        service = {"product_id": have["LGX-DEMO-SHIP"]["id"]} if \
            "product_id" in odoo.call("delivery.carrier", "fields_get",
                                      attributes=["type"]) else {}
        odoo.call("delivery.carrier", "create", vals_list=[
            dict(service, name=c, delivery_type="fixed", fixed_price=0.0)
            for c in missing_c])
    done.append("%d carriers (%s)" % (len(carriers), "%d created" % len(
        missing_c) if missing_c else "found"))
    opts = ["--products", ",".join(codes),
            "--partners", ",".join(str(found[n]) for n in names),
            "--carriers", ",".join("%s=%s" % cc for cc in zip(
                DEMO_CARRIER_CODES, carriers))]
    mapping = {"tms-*": {"carriers": dict(zip(DEMO_CARRIER_CODES, carriers)),
                         "doc": "the platform books the demo's carriers by "
                                "code"}}
    return opts, done, mapping


def write_rules(directory, mapping):
    """The consumers' (and lgx-simulate's) rules: config/rules.json, plus
    mapping as sections of its "mapping" (before any it has). Returns the
    file's path."""
    with open(os.path.join(lgxenv.TOP, "config", "rules.json")) as f:
        rules = json.load(f)
    if mapping:
        rules["mapping"] = dict(mapping, **(rules.get("mapping") or {}))
    path = os.path.join(directory, "rules.json")
    with open(path, "w") as f:
        json.dump(rules, f, indent=1)
    return path


def trouble(orders):
    """lgx-simulate's knobs for a run of orders: TROUBLE, and bookings
    with a carrier code the mapping lacks, about UNMAPPED_PER_RUN."""
    pct = min(100, max(1, int(100.0 * UNMAPPED_PER_RUN / orders + 0.5)))
    return TROUBLE + ("--unmapped-carrier", str(pct))


# ---- metrics ------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def read_metrics(port):
    """A consumer's /metrics summed into the figures the display shows, or
    None when it does not answer."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                    timeout=2) as r:
            text = r.read().decode()
    except (OSError, urllib.error.URLError):
        return None
    f = collections.Counter()
    for line in text.splitlines():
        m = SAMPLE.match(line) if line and not line.startswith("#") else None
        if not m:
            continue
        name, value = m.group(1), float(m.group(3))
        if name == "lgx_events_total":
            labels = dict(LABEL.findall(m.group(2) or ""))
            f[labels.get("outcome")] += value
        elif name == "lgx_stock_discrepancies_total":
            labels = dict(LABEL.findall(m.group(2) or ""))
            f["discrepancy_" + labels.get("kind", "")] += value
        elif name in ("lgx_dead_letters_total", "lgx_pending_events",
                      "lgx_held_events", "lgx_consumer_lag",
                      "lgx_assigned_partitions"):
            f[name] += value
    f["final"] = sum(f[o] for o in FINAL)
    return f


class Progress:
    """The live view: one line per topic from its consumer's /metrics."""

    HEAD = ("  %-15s %9s %13s %8s %9s %6s %5s %13s %6s" % (
        "topic", "events/s", "outcomes", "applied", "duplicate", "stale",
        "held", "dead-lettered", "lag"))

    def __init__(self, tty, every):
        self.tty = tty
        self.every = every       # seconds between printed blocks (no TTY)
        # events/s: over the last 3 s on a terminal, else since the last
        # printed block
        self.window = 3.0 if tty else every
        self.drawn = 0           # lines drawn last time (TTY)
        self.seen = collections.defaultdict(collections.deque)
        self.rate = {}
        self.printed_at = 0.0
        self.notes = {}          # topic -> why it has no figures yet

    def update(self, figures, now):
        for topic, f in figures.items():
            if f is None:
                continue
            seen = self.seen[topic]
            seen.append((now, f["final"]))
            while len(seen) > 2 and now - seen[1][0] >= self.window - 0.1:
                seen.popleft()
            (t0, n0) = seen[0]
            self.rate[topic] = (f["final"] - n0) / (now - t0) \
                if now > t0 else 0.0

    def row(self, topic, f, total):
        if f is None:
            return "  %-15s %s" % (topic, self.notes.get(
                topic, "(no answer from its consumer)"))
        done = "%d/%s" % (f["final"], total if total is not None else "?")
        return "  %-15s %9.1f %13s %8d %9d %6d %5d %13d %6d" % (
            topic, self.rate.get(topic, 0.0), done, f["applied"],
            f["duplicate"], f["stale"], f["lgx_held_events"],
            f["lgx_dead_letters_total"], f["lgx_consumer_lag"])

    def show(self, elapsed, status, figures, totals, force=False):
        if self.tty:
            lines = ["[%5.1fs] %s" % (elapsed, status), self.HEAD]
            lines += [self.row(t, figures.get(t), totals.get(t))
                      for t in TOPICS]
            # Cut to the terminal's width: a wrapped line would throw the
            # cursor-up count off.
            width = shutil.get_terminal_size().columns - 1
            out = "\x1b[%dA" % self.drawn if self.drawn else ""
            out += "".join("\x1b[2K" + l[:width] + "\n" for l in lines)
            sys.stdout.write(out)
            sys.stdout.flush()
            self.drawn = len(lines)
            return
        if not force and elapsed - self.printed_at < self.every:
            return
        self.printed_at = elapsed
        say("[%5.1fs] %s" % (elapsed, status))
        for t in TOPICS:
            f = figures.get(t)
            if f is None:
                say("  %-15s %s" % (t, self.notes.get(
                    t, "(no answer from its consumer)")))
                continue
            total = totals.get(t)
            say("  %-15s %5.1f/s  outcomes %d/%s  applied %d  duplicate %d  "
                "stale %d  held %d  dead-lettered %d  lag %d" % (
                    t, self.rate.get(t, 0.0), f["final"],
                    total if total is not None else "?", f["applied"],
                    f["duplicate"], f["stale"], f["lgx_held_events"],
                    f["lgx_dead_letters_total"], f["lgx_consumer_lag"]))


# ---- the run ------------------------------------------------------------

class Demo:
    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.workdir = tempfile.mkdtemp(prefix="lgx-demo.")
        self.broker = None
        self.odoo = None
        self.consumers = {}      # topic -> lgxenv.Consumer (once started)
        self.ports = {}
        self.started_at = {}     # topic -> seconds after the start
        self.schedule = []       # (program, topic, monotonic time due)
        self.publisher = None
        self.exp = None
        self.figures = {}        # topic -> its consumer's last /metrics
        self.problems = []       # what makes the exit code 1
        self.route_messages = {}  # topic -> messages of the routes

    def elapsed(self):
        return time.monotonic() - self.t0

    # -- start -------------------------------------------------------------
    def start(self):
        a = self.args
        say("lgx demo: %d orders, seed %r; work files in %s" % (
            a.orders, a.seed, self.workdir))
        self.broker = lgxenv.Broker()
        say("  Kafka %s on %s (KRaft, one node)" % (self.broker.version,
                                                    self.broker.bootstrap))
        self.odoo = Odoo(self.workdir)
        say("  %s" % self.odoo.name)
        say("  lgx-odoo-setup: %s" % self.odoo.setup().replace(
            "\n", "\n    "))
        self.data_args, mapping = [], None
        given = {x for x in a.simulate if x.startswith("--")}
        if not given & {"--products", "--partners", "--carriers"}:
            self.data_args, done, mapping = ensure_demo_data(self.odoo)
            say("  demo data in Odoo: %s" % "; ".join(done))
        self.rules_path = self.given_rules() or write_rules(self.workdir,
                                                            mapping)
        if mapping:
            say("  rules: config/rules.json with a mapping of the transport "
                "platform's carrier codes (tms-*): %s; every consumer and "
                "lgx-simulate read %s" % (", ".join(
                    "%s = %s" % kv for kv in
                    mapping["tms-*"]["carriers"].items()), self.rules_path))
        self.create_topics()
        self.plan = lgxenv.start_plan(a.start_seed)
        say("  consumers start concurrently in a shuffled order, each up to "
            "%.0f s after the one before (start seed %s; --start-seed %s "
            "repeats it): %s" % (lgxenv.START_DELAY_S, a.start_seed,
                                 a.start_seed, lgxenv.describe_plan(
                                     self.plan)))

    def carrier_map(self):
        """{carrier code: Odoo name} of the rules' mapping for tms-shipit
        (the first section whose pattern matches it), or None."""
        with open(self.rules_path) as f:
            mapping = json.load(f).get("mapping") or {}
        for pattern, section in mapping.items():
            if fnmatch.fnmatchcase("tms-shipit", pattern):
                return section.get("carriers")
        return None

    def given_rules(self):
        """The rules file given to lgx-simulate after --, if any."""
        sim = self.args.simulate
        for i, x in enumerate(sim):
            if x == "--rules" and i + 1 < len(sim):
                return sim[i + 1]
            if x.startswith("--rules="):
                return x.split("=", 1)[1]
        return None

    def products(self):
        """The product codes of the stream (its --products)."""
        args = self.stream_args()
        for i, x in enumerate(args[:-1]):
            if x == "--products":
                return [c.strip() for c in args[i + 1].split(",")
                        if c.strip()]
        return ["SKU-10%02d" % i for i in range(1, 10)]   # lgx-simulate's
        # default, when --partners or --carriers alone were given

    def start_consumers(self):
        """Starts the consumers that are due by the start plan (from the
        moment the stream is published); finds the metrics port of those
        started."""
        now = time.monotonic()
        for program, topic, due in self.schedule:
            if topic not in self.consumers and now >= due:
                self.consumers[topic] = lgxenv.Consumer(
                    program, self.broker, self.odoo, topic, group=program,
                    # A held event waits for an event of another topic
                    # (a dispatch for its pick, a milestone for its
                    # dispatch): rechecked every 0.5 to 2 s.
                    extra=("--hold-recheck-ms", str(HOLD_RECHECK_MS),
                           "--hold-recheck-max-ms", str(HOLD_RECHECK_MAX_MS),
                           "--rules", self.rules_path))
                self.started_at[topic] = self.elapsed()
        for topic, c in self.consumers.items():
            if topic not in self.ports:
                for l in c.lines():
                    if l.get("msg", "").startswith("serving /metrics"):
                        self.ports[topic] = int(l["msg"].rsplit(":", 1)[1])

    def create_topics(self, timeout=60):
        """The topics and their dead-letter topics, before anyone
        subscribes (the broker creates a topic on a metadata request)."""
        names = TOPICS + [t + ".dlq" for t in TOPICS]
        deadline = time.time() + timeout
        while time.time() < deadline:
            for t in names:
                subprocess.run(["kcat", "-b", self.broker.bootstrap, "-L",
                                "-t", t], capture_output=True, timeout=30)
            out = subprocess.run(["kcat", "-b", self.broker.bootstrap, "-L"],
                                 capture_output=True, text=True,
                                 timeout=30).stdout
            if all('topic "%s" with' % t in out for t in names):
                return
            time.sleep(0.5)
        raise RuntimeError("the topics were not created")

    def check_alive(self):
        for program, topic in CONSUMERS:
            c = self.consumers.get(topic)
            if c and c.proc.poll() is not None:
                errors = [l.get("msg") for l in c.lines()
                          if l.get("level") == "error"]
                raise RuntimeError("%s exited with code %s: %s (log %s)" % (
                    program, c.proc.returncode,
                    errors[-1] if errors else "no error logged", c.logpath))

    # -- publish -----------------------------------------------------------
    def stream_args(self):
        """The options that shape the stream (the dry run of the audit
        repeats them)."""
        rules = () if self.given_rules() else ("--rules", self.rules_path)
        return ["--orders", str(self.args.orders), "--seed", self.args.seed,
                *trouble(self.args.orders), *self.data_args, *rules,
                *self.args.simulate]

    def publish(self):
        a = self.args
        self.exp_path = os.path.join(self.workdir, "expected.json")
        self.events_path = os.path.join(self.workdir, "events.jsonl")
        self.sim_log = os.path.join(self.workdir, "lgx-simulate.log")
        # The stock of the stream's products before anything of it: what
        # the audit compares the stock after with.
        self.stock_before = audit.stock_snapshot(self.odoo.search_read,
                                                 self.products())
        cmd = [os.path.join(lgxenv.BIN, "lgx-simulate"),
               "--brokers", self.broker.bootstrap, "--create-orders",
               "--rate", str(self.rate), "--expected", self.exp_path,
               "--log-events", self.events_path,
               "--kafka.enable.idempotence", "true", *self.stream_args(),
               *self.odoo.odoo_args()]
        say("  lgx-simulate --create-orders --orders %d --rate %d %s" % (
            a.orders, self.rate, " ".join(self.stream_args()[4:])))
        self.publisher = subprocess.Popen(
            cmd, stdout=open(os.path.join(self.workdir, "lgx-simulate.out"),
                             "w"),
            stderr=open(self.sim_log, "w"))
        # The orders are created and the expected file written before the
        # first event is published.
        deadline = time.time() + 300
        while self.load_expected() is None:
            self.check_alive()
            if self.publisher.poll() is not None or time.time() > deadline:
                with open(self.sim_log) as f:
                    tail = f.read()[-2000:]
                raise RuntimeError("lgx-simulate made no expected file "
                                   "(exit code %s): %s" % (
                                       self.publisher.poll(), tail))
            time.sleep(0.1)
        # From now on the stream is published: the consumers start by the
        # plan, each after the one before it.
        due = time.monotonic()
        self.schedule = []
        topic_of = dict(CONSUMERS)
        for program, delay in self.plan:
            due += delay
            self.schedule.append((program, topic_of[program], due))
        self.start_consumers()

    def load_expected(self):
        """The expected file, once lgx-simulate has written it (before it
        publishes); None until then."""
        if self.exp is None and os.path.exists(self.exp_path):
            try:
                with open(self.exp_path) as f:
                    self.exp = json.load(f)
            except ValueError:
                return None     # being written
            knobs = collections.Counter(e["knob"] for e in self.exp["events"])
            states = collections.Counter(
                "cancelled" if p["cancelled"] else "shipped"
                for p in self.exp["pickings"].values())
            self.progress_note(
                "%d orders created and confirmed in Odoo (%d to ship, %d to "
                "cancel); publishing %d events at %d/s: %s" % (
                    len(self.exp["pickings"]), states["shipped"],
                    states["cancelled"], len(self.exp["events"]), self.rate,
                    ", ".join("%d %s" % (knobs[k], k) for k in (
                        "duplicates", "out-of-order", "poison", "late-pod",
                        "dispatch-before-booking", "wrong-source",
                        "unmapped-carrier"))))
        return self.exp

    def progress_note(self, text):
        """A line above the live view (which is drawn again below it)."""
        if self.progress.tty and self.progress.drawn:
            sys.stdout.write("\x1b[%dA\x1b[J" % self.progress.drawn)
            self.progress.drawn = 0
        say("  " + text)

    # -- watch -------------------------------------------------------------
    def watch(self):
        """The live view until every message has its outcome (twice in a
        row: the gauges are refreshed once a second), or the timeout after
        the stream is published. Returns True when drained."""
        a = self.args
        say("\nLive (each consumer's /metrics; held = waiting now, lag = "
            "messages not yet finished):")
        published_at = None
        calm = 0
        while True:
            now = time.monotonic()
            self.start_consumers()
            self.check_alive()
            exp = self.load_expected()
            figs = {t: read_metrics(self.ports[t]) if t in self.ports
                    else None for t in TOPICS}
            self.progress.notes = {
                t: "(starts in %.1f s)" % max(0.0, due - now)
                for _, t, due in self.schedule if t not in self.consumers}
            self.progress.update(figs, now)
            self.figures.update({t: f for t, f in figs.items() if f})
            totals = {t: exp["topics"][t]["messages"] for t in TOPICS} \
                if exp else {}
            if published_at is None and self.publisher.poll() is not None:
                published_at = now
                if self.publisher.returncode != 0:
                    with open(self.sim_log) as f:
                        tail = f.read()[-2000:]
                    raise RuntimeError("lgx-simulate exited with code %d: %s"
                                       % (self.publisher.returncode, tail))
                self.progress_note("lgx-simulate published every event in "
                                   "%.1f s" % (self.elapsed() -
                                               self.published_from))
            drained = published_at is not None and exp is not None and all(
                f is not None and f["final"] >= totals[t] and
                f["lgx_pending_events"] == 0 and f["lgx_held_events"] == 0
                and f["lgx_consumer_lag"] == 0 for t, f in figs.items())
            calm = calm + 1 if drained else 0
            n = sum(f["final"] for f in figs.values() if f)
            if published_at is None:
                status = "lgx-simulate publishing; %d outcomes so far" % n
            else:
                status = "stream published; %d of %d messages have their " \
                         "outcome" % (n, sum(totals.values()))
            done = calm >= 2
            self.progress.show(self.elapsed(), status, figs, totals,
                               force=done)
            if done:
                return True
            if published_at is not None and now - published_at > a.timeout:
                self.progress.show(self.elapsed(), status, figs, totals,
                                   force=True)
                self.problems.append(
                    "not every message had its outcome %d s after the "
                    "stream was published (see the figures above)"
                    % a.timeout)
                return False
            wait = 1.0 - (time.monotonic() - now)
            for _, t, due in self.schedule:
                if t not in self.consumers:
                    wait = min(wait, due - time.monotonic())
            time.sleep(max(0.05, wait))

    def stop_consumers(self):
        """SIGTERM (each finishes the event in hand and commits), then the
        exit codes."""
        for c in self.consumers.values():
            if c.proc.poll() is None:
                c.signal(signal.SIGTERM)
        for (program, topic) in CONSUMERS:
            c = self.consumers.get(topic)
            if c is None:
                continue
            try:
                c.wait(30)
            except subprocess.TimeoutExpired:
                c.kill()
                self.problems.append("%s did not stop on SIGTERM within 30 s"
                                     % program)
                continue
            if c.proc.returncode != 0:
                self.problems.append("%s exited with code %s (log %s)" % (
                    program, c.proc.returncode, c.logpath))

    # -- report ------------------------------------------------------------
    def outcomes(self):
        """topic -> figures from the consumers' outcome log lines, per
        message (topic, partition, offset)."""
        out = {}
        for program, topic in CONSUMERS:
            per_msg = collections.defaultdict(list)
            c = self.consumers.get(topic)
            for l in c.outcomes() if c else []:
                per_msg[(l.get("partition"), l.get("offset"))].append(l)
            f = collections.Counter()
            rejected = collections.Counter()
            stale = collections.Counter()
            held = collections.Counter()
            for ls in per_msg.values():
                finals = [l for l in ls if l["outcome"] in FINAL]
                f["messages"] += 1
                if len(finals) > 1:
                    f["twice"] += 1
                if not finals:
                    f["unfinished"] += 1
                    continue
                last = finals[-1]
                f[last["outcome"]] += 1
                if last["outcome"] == "rejected":
                    rejected[last.get("reason")] += 1
                if last["outcome"] == "stale":
                    stale[last.get("reason")] += 1
                holds = [l for l in ls if l["outcome"] == "held"]
                if holds:
                    f["held"] += 1
                    f["held_" + last["outcome"]] += 1
                    held[holds[0].get("reason")] += 1
            f["retry"] = sum(1 for ls in per_msg.values() for l in ls
                             if l["outcome"] == "retry")
            out[topic] = {"f": f, "rejected": rejected, "stale": stale,
                          "held": held}
        return out

    def report_outcomes(self, outs):
        say("\nOutcomes per topic (the consumers' log lines, one per "
            "message):")
        say("  %-15s %8s %8s %9s %6s %8s %6s %13s" % (
            "topic", "messages", "applied", "duplicate", "stale",
            "rejected", "held", "then applied"))
        tot = collections.Counter()
        for t in TOPICS:
            f = outs[t]["f"]
            tot.update(f)
            say("  %-15s %8d %8d %9d %6d %8d %6d %13d" % (
                t, f["messages"], f["applied"], f["duplicate"], f["stale"],
                f["rejected"], f["held"], f["held_applied"]))
            if f["unfinished"] or f["twice"]:
                self.problems.append("%s: %d message(s) without a final "
                                     "outcome, %d with two" % (
                                         t, f["unfinished"], f["twice"]))
        say("  %-15s %8d %8d %9d %6d %8d %6d %13d" % (
            "all", tot["messages"], tot["applied"], tot["duplicate"],
            tot["stale"], tot["rejected"], tot["held"], tot["held_applied"]))
        stale = collections.Counter()
        for t in TOPICS:
            stale.update(outs[t]["stale"])
        if stale:
            say("  stale: %s" % ", ".join("%s %d" % kv for kv in
                                          sorted(stale.items())))
        if tot["held"]:
            held = collections.Counter()
            for t in TOPICS:
                held.update(outs[t]["held"])
            say("  held: waited for an event before it (a label or dispatch "
                "for its booking, a dispatch\n  for its label or its pick, "
                "a milestone or proof of delivery for the dispatch); %d then "
                "applied\n  held first as: %s" % (
                    tot["held_applied"], ", ".join(
                        "%s %d" % kv for kv in sorted(held.items(),
                                                      key=str))))
        if self.exp:
            lo = sum(self.exp["topics"][t]["held"] for t in TOPICS)
            hi = sum(self.exp["topics"][t].get("held_max", 0) for t in TOPICS)
            say("  (the stream holds from %d to %d messages, depending on "
                "which consumer gets there first)" % (lo, hi))
        if tot["retry"]:
            say("  retried: %d time(s) Odoo or Kafka did not answer at once"
                % tot["retry"])
        if self.exp:
            want = sum(self.exp["topics"][t]["messages"] for t in TOPICS)
            if tot["messages"] != want:
                self.problems.append("%d messages have an outcome, the "
                                     "stream has %d" % (tot["messages"],
                                                        want))

    def report_dead_letters(self, outs):
        # kcat waits for the end of every partition: the four at once.
        with concurrent.futures.ThreadPoolExecutor(len(TOPICS)) as pool:
            self.dlq = dict(zip(TOPICS, pool.map(
                lambda t: audit.read_dead_letters(self.broker, t + ".dlq"),
                TOPICS)))
        reasons = sorted({d["headers"]["lgx.dlq.reason"]
                          for recs in self.dlq.values() for d in recs}
                         | {r for t in TOPICS for r in outs[t]["rejected"]},
                         key=str)
        short = [t.split(".", 1)[1] for t in TOPICS]
        say("\nDead letters by reason (records in the .dlq topics):")
        say("  %-22s" % "reason" + "".join(" %10s" % s for s in short)
            + " %6s" % "all")
        total = collections.Counter()
        for r in reasons:
            row = [sum(1 for d in self.dlq[t]
                       if d["headers"]["lgx.dlq.reason"] == r)
                   for t in TOPICS]
            say("  %-22s" % r + "".join(" %10d" % n for n in row)
                + " %6d" % sum(row))
            for t, n in zip(TOPICS, row):
                total[t] += n
        say("  %-22s" % "all" + "".join(" %10d" % total[t] for t in TOPICS)
            + " %6d" % sum(total.values()))
        for t in TOPICS:
            if total[t] != outs[t]["f"]["rejected"]:
                self.problems.append(
                    "%s.dlq holds %d record(s); the consumer rejected %d"
                    % (t, total[t], outs[t]["f"]["rejected"]))
        if self.exp:
            say("  (%d poison messages in the stream: not framed, truncated "
                "Avro, unknown schema id, empty event_id or source_system)"
                % len(self.exp["poison"]))

    def report_odoo(self):
        names = sorted(self.exp["pickings"]) if self.exp else []
        rows = self.odoo.search_read("stock.picking", [["name", "in", names]],
                                     PICKING_FIELDS)
        self.pickings = {p["name"]: p for p in rows}
        say("\nOdoo after the run: the %d pickings of this run "
            "(stock.picking search_read)" % len(rows))
        by = collections.Counter((p["state"], p["x_lgx_shipment_status"]
                                  or "none") for p in rows)
        say("  %-8s %-16s %s" % ("state", "shipment status", "pickings"))
        for (state, status), n in sorted(by.items(), key=lambda x: -x[1]):
            say("  %-8s %-16s %d" % (state, status, n))
        picked = sample(rows)
        # The carrier column as wide as its longest name (a real Odoo's
        # may be longer than the simulator's).
        cw = max([17] + [len((p["carrier_id"] or [0, ""])[1])
                         for p in picked])
        say("\n  %-13s %-6s %-10s %-*s %-20s %-35s %s" % (
            "picking", "state", "shipment", cw, "carrier", "tracking ref",
            "last milestone", "delivered at"))
        for p in picked:
            ms = p["x_lgx_milestone"] or ""
            if ms and p["x_lgx_milestone_at"]:
                ms = "%-18s %s" % (ms, p["x_lgx_milestone_at"][:16])
            say(("  %-13s %-6s %-10s %-*s %-20s %-35s %s" % (
                p["name"], p["state"], p["x_lgx_shipment_status"] or "",
                cw, (p["carrier_id"] or [0, ""])[1],
                p["carrier_tracking_ref"] or "", ms,
                (p["x_lgx_delivered_at"] or "")[:16])).rstrip())

    # -- routes ------------------------------------------------------------
    def route_order(self, steps, code, product, partner, qty):
        """A confirmed order of qty from warehouse code delivering in
        steps (made with stock the first time); its id and the picking of
        its first step."""
        o = self.odoo
        rows = o.search_read("stock.warehouse", [["code", "=", code]],
                             ["id", "lot_stock_id", "delivery_steps"])
        if not rows:
            o.call("stock.warehouse", "create", vals_list=[{
                "name": "lgx demo %s" % steps, "code": code,
                "delivery_steps": steps}])
            rows = o.search_read("stock.warehouse", [["code", "=", code]],
                                 ["id", "lot_stock_id", "delivery_steps"])
        wh = rows[0]
        if wh["delivery_steps"] != steps:
            o.call("stock.warehouse", "write", [wh["id"]],
                   vals={"delivery_steps": steps})
        loc = wh["lot_stock_id"][0]
        have = sum(q["quantity"] for q in o.search_read(
            "stock.quant", [["product_id", "=", product],
                            ["location_id", "=", loc]], ["quantity"]))
        if have < qty:
            q = o.call("stock.quant", "create", vals_list=[{
                "product_id": product, "location_id": loc,
                "inventory_quantity": qty}],
                context={"inventory_mode": True})
            o.call("stock.quant", "action_apply_inventory",
                   q if isinstance(q, list) else [q])
        so = o.call("sale.order", "create", vals_list=[{
            "partner_id": partner, "warehouse_id": wh["id"],
            "order_line": [[0, 0, {"product_id": product,
                                   "product_uom_qty": qty}]]}])
        so = so[0] if isinstance(so, list) else so
        o.call("sale.order", "action_confirm", [so])
        first = o.search_read("stock.picking",
                              [["sale_id", "=", so],
                               ["picking_type_code", "=", "internal"],
                               ["state", "=", "assigned"]], ["name"])
        return so, first[0]["name"] if first else None

    def routes(self):
        """Two- and three-step delivery: an order from a warehouse of each
        (LGX2, LGX3), booked on its pick step, labelled, dispatched, then
        picked, through the same consumers and groups; every picking of
        each route must end done, the shipment dispatched on all of them,
        and the order delivered."""
        o, qty, stamp = self.odoo, 3, int(time.time())
        code = self.products()[0]
        product = o.search_read("product.product", [["default_code", "=", code]],
                                ["id"])[0]["id"]
        partner = (o.search_read("res.partner",
                                 [["name", "=like", "lgx demo customer %"]],
                                 ["id"]) or o.search_read(
                                     "res.partner", [], ["id"]))[0]["id"]
        carrier = next(iter(self.carrier_map() or {"Standard delivery": 0}))
        orders, ships, picks = [], [], []
        for steps, wh in (("pick_ship", "LGX2"), ("pick_pack_ship", "LGX3")):
            so, first = self.route_order(steps, wh, product, partner, qty)
            if not first:
                self.problems.append("routes: no pick step for %s" % steps)
                continue
            shp = "SHP-ROUTE-%s-%d" % (wh, stamp)
            ships += [booked(shp, [first], carrier=carrier),
                      label(shp, "TRK-%s-%d" % (wh, stamp), doc=False),
                      dispatched(shp)]
            picks.append(lgxenv.pick_event(first, [(code, qty)]))
            orders.append((steps, so, first))
        for topic, events, schema, key in (
                ("lgx.shipments", ships, "lgx.shipments.ShipmentEvent",
                 "shipment_id"),
                ("lgx.picks", picks, "lgx.picks.PickConfirmed",
                 "picking_name")):
            r = lgxenv.produce(self.broker, topic, events, schema=schema,
                               key_field=key)
            if r.returncode:
                self.problems.append("routes: lgx-produce: " + r.stderr)
        self.route_messages = {"lgx.shipments": len(ships),
                               "lgx.picks": len(picks)}
        runs = [lgxenv.Consumer(program, self.broker, o, topic, group=program,
                                extra=("--exit-at-end", "--hold-recheck-ms",
                                       str(HOLD_RECHECK_MS), "--rules",
                                       self.rules_path))
                for program, topic in (("lgx-shipments", "lgx.shipments"),
                                       ("lgx-picks", "lgx.picks"))]
        for c in runs:
            try:
                c.wait(self.args.timeout)
            except subprocess.TimeoutExpired:
                c.kill()
                self.problems.append("routes: a consumer did not finish")
        say("\nTwo- and three-step delivery (warehouses LGX2 and LGX3): an "
            "order of %d each, booked on its pick step, labelled, dispatched "
            "and picked" % qty)
        for steps, so, first in orders:
            chain = o.search_read("stock.picking", [["sale_id", "=", so]],
                                  ["name", "state", "x_lgx_shipment_status"])
            line = o.search_read("sale.order.line", [["order_id", "=", so]],
                                 ["qty_delivered"])[0]
            ok = (len(chain) == (3 if "pack" in steps else 2)
                  and all(p["state"] == "done" and p["x_lgx_shipment_status"]
                          == "dispatched" for p in chain)
                  and line["qty_delivered"] == qty)
            say("  %-15s %s: %s; %g delivered%s" % (
                steps, first, ", ".join("%s %s/%s" % (
                    p["name"], p["state"], p["x_lgx_shipment_status"])
                    for p in sorted(chain, key=lambda p: p["id"]
                                    if "id" in p else p["name"])),
                line["qty_delivered"], "" if ok else "  <- NOT AS EXPECTED"))
            if not ok:
                self.problems.append("routes: %s not delivered through its "
                                     "route" % steps)

    # -- replay ------------------------------------------------------------
    def snapshot(self):
        """Everything of the run's pickings a replay could change, field by
        field, and the stock: model -> {id: row}."""
        names = sorted(self.exp["pickings"]) if self.exp else []
        snap = {"stock.picking": self.odoo.search_read(
            "stock.picking", [["name", "in", names]], REPLAY_FIELDS[
                "stock.picking"])}
        ids = [p["id"] for p in snap["stock.picking"]]
        for model, domain in (
                ("stock.move", [["picking_id", "in", ids]]),
                ("stock.move.line", [["picking_id", "in", ids]]),
                ("mail.message", [["model", "=", "stock.picking"],
                                  ["res_id", "in", ids]]),
                ("ir.attachment", [["res_model", "=", "stock.picking"],
                                   ["res_id", "in", ids]]),
                ("mail.activity", [["res_model", "=", "stock.picking"],
                                   ["res_id", "in", ids]]),
                ("stock.quant", [])):
            snap[model] = self.odoo.search_read(model, domain,
                                                REPLAY_FIELDS[model])
        return {m: {r["id"]: r for r in rows} for m, rows in snap.items()}

    def messages(self, outs, topic):
        """Messages on topic: the stream's and the routes'."""
        return outs[topic]["f"]["messages"] + self.route_messages.get(topic, 0)

    def replay(self, outs):
        """Reads the four topics again from the start (new groups, as
        lgx-replay --to-earliest would) once everything ran, and compares
        Odoo before and after field by field: a replay changes nothing."""
        before = self.snapshot()
        replayed = {}
        for program, topic in CONSUMERS:
            replayed[topic] = lgxenv.Consumer(
                program, self.broker, self.odoo, topic,
                group=program + "-replay",
                extra=("--hold-recheck-ms", str(HOLD_RECHECK_MS),
                       "--rules", self.rules_path))
        deadline = time.time() + self.args.timeout
        seen = {}
        while time.time() < deadline:
            seen = {t: {(l.get("partition"), l.get("offset"))
                        for l in c.outcomes()} for t, c in replayed.items()}
            if all(len(seen[t]) >= self.messages(outs, t) for t in TOPICS):
                break
            time.sleep(0.5)
        kinds = collections.Counter()
        for t, c in replayed.items():
            c.signal(signal.SIGTERM)
            c.wait(30)
            kinds.update(l["outcome"] for l in c.outcomes())
        after = self.snapshot()
        diffs = []
        for model in before:
            for rid in sorted(set(before[model]) | set(after[model])):
                a, b = before[model].get(rid), after[model].get(rid)
                if a is None or b is None:
                    diffs.append("%s %d %s" % (model, rid, "added" if a is None
                                               else "removed"))
                    continue
                diffs.extend("%s %d %s: %r -> %r" % (model, rid, k, a[k],
                                                     b.get(k))
                             for k in sorted(a) if a[k] != b.get(k))
        read = sum(len(seen.get(t, ())) for t in TOPICS)
        total = sum(self.messages(outs, t) for t in TOPICS)
        say("\nReplay: the four topics read again from the start (groups "
            "<program>-replay): %d/%d messages, %s" % (read, total, ", ".join(
                "%s %d" % kv for kv in sorted(kinds.items()))))
        say("  Odoo before and after, field by field: %d differences in %s"
            % (len(diffs), ", ".join("%d %s" % (len(before[m]), m)
                                      for m in before)))
        for d in diffs[:10]:
            say("    " + d)
        if read < total:
            self.problems.append("replay: %d of %d messages read again"
                                 % (read, total))
        if diffs:
            self.problems.append("replay changed Odoo: %d differences"
                                 % len(diffs))

    # -- audit -------------------------------------------------------------
    def run_audit(self, outs):
        """test/tools/audit.py against lgx-simulate's expected file, reading Odoo
        over its API (a real Odoo as the simulator): every message's
        outcome as the stream expects in any order of the topics, picking
        fields, done quantities equal to what the picks reported, stock
        changed only by the run's done moves, effects (notes,
        attachments, activities, backorders) neither lost nor doubled,
        poison dead-lettered exactly once; on the simulator also no
        picking validated twice (its call log). Returns True when it
        passes."""
        o, exp = self.odoo, self.exp
        state = audit.read_odoo(o.search_read, exp)
        stream = audit.read_stream(self.events_path, exp)
        pickings = {p["name"]: p for p in state["stock.picking"]}
        checked, wrong = audit.check_pickings(
            exp, pickings, [p for p, _ in CONSUMERS])
        carriers, carriers_wrong = audit.check_carriers(
            exp, stream, pickings, self.carrier_map(),
            self.dlq["lgx.shipments"])
        n_pick, n_qty, qty_wrong = audit.check_moves(exp, state)
        stock_after = audit.stock_snapshot(o.search_read, self.products())
        stock, stock_wrong = audit.check_stock(self.stock_before,
                                               stock_after, state)
        lot_pickings, lot_lines, two_lots, lots_wrong = audit.check_lots(
            exp, state)
        lot_stock, lot_stock_wrong = audit.check_lot_stock(
            self.stock_before, stock_after, exp, state)
        picks_metrics = self.figures.get("lgx.picks")
        short, short_wrong = audit.check_shortages(
            exp, self.stock_before, stock_after, state,
            picks_metrics["discrepancy_shortage"] if picks_metrics
            else None)
        want = audit.expected_effects(exp, stream, audit.demand_of(exp))
        got = audit.actual_effects(state["stock.picking"],
                                   state["mail.message"],
                                   state["ir.attachment"],
                                   state["mail.activity"])
        cmp = audit.compare_effects(want, got)
        per_event = []
        for program, topic in CONSUMERS:
            c = self.consumers.get(topic)
            s = c.summary() if c else None
            if s is None:
                per_event.append("%s: no summary line" % program)
                continue
            _, problems = audit.check_topic(exp, topic, s, c.outcomes(),
                                            self.dlq[topic])
            per_event += problems
        twice = {}
        validated = None
        if o.sim:
            calls = o.sim_get("/__sim/calls?model=stock.picking"
                              "&method=button_validate")["calls"]
            validated = audit.validations(
                calls, o.sim_get("/__sim/dump?model=stock.picking")[
                    "stock.picking"])
            twice = {k: v for k, v in validated.items() if v > 1}
        dl = audit.check_dead_letters(exp, self.dlq)
        unfinished = sum(outs[t]["f"]["unfinished"] for t in TOPICS)
        n_msgs = sum(exp["topics"][t]["messages"] for t in TOPICS)
        finished = sum(outs[t]["f"]["messages"] for t in TOPICS) - unfinished
        twice_msgs = sum(outs[t]["f"]["twice"] for t in TOPICS)
        exp_t = audit.effect_totals(want)
        got_t = audit.effect_totals(got)
        lost = len(cmp["lost"]) + len(wrong) + len(qty_wrong) + \
            len(lots_wrong) + len(carriers_wrong)
        doubled = len(cmp["doubled"]) + len(twice)
        say("\nAudit of Odoo against lgx-simulate's expected state "
            "(test/tools/audit.py; Odoo read over its API):")
        say("  messages with their outcome   %d of %d (%d with two); %d "
            "outcome(s) not as the stream expects" % (
                finished, n_msgs, twice_msgs, len(per_event)))
        say("  picking fields as expected    %d of %d (%d pickings)" % (
            checked - len(wrong), checked, len(exp["pickings"])))
        say("  carriers as mapped            %d of %d booked pickings (%s); "
            "%d of %d booking(s) with a code the mapping lacks dead-lettered "
            "unmapped_carrier" % (
                carriers["booked"] - len(carriers_wrong), carriers["booked"],
                ", ".join("%s %d" % kv for kv in
                          sorted(carriers["codes"].items())),
                carriers["unmapped_dead"], carriers["unmapped"]))
        say("  done quantities as picked     %d of %d (product by product, "
            "%d pickings)" % (n_qty - len(qty_wrong), n_qty, n_pick))
        say("  stock of the run's products   %s: %s" % (
            "%d products, %d %s" % (
                stock["products"], stock["places"],
                "stock.quant places" if stock["mode"] == "quant"
                else "on-hand quantities"),
            "changed only by the run's done moves (%g units out)" %
            stock["moved"] if not stock_wrong else
            "%d change(s) the run's done moves do not account for" %
            len(stock_wrong)))
        say("  lots as picked                %d of %d lot lines (%d "
            "pickings of lot-tracked products, %d from two lots or more)" % (
                lot_lines - len(lots_wrong), lot_lines, lot_pickings,
                two_lots))
        say("  stock of each lot             %d lots: %s" % (
            lot_stock["lots"],
            "down by exactly what the run's done moves took (%g units)" %
            lot_stock["taken"] if not lot_stock_wrong else
            "%d change(s) the done moves do not account for" %
            len(lot_stock_wrong)))
        say("  shortages                     %s" % fmt_shortages(short))
        say("  effects expected              %s" % fmt_totals(exp_t))
        say("  effects found in Odoo         %s" % fmt_totals(got_t))
        if validated is not None:
            say("  pickings validated            %d (%d twice; the "
                "simulator's call log)" % (len(validated), len(twice)))
        say("  poison dead-lettered once     %d of %d; dead letters "
            "repeated %d; expected rejections missing %d" % (
                dl["poison"] - len(dl["poison_problems"]), dl["poison"],
                len(dl["repeated"]), len(dl["missing_rejections"])))
        ok = (lost == 0 and doubled == 0 and not cmp["unexpected"]
              and not stock_wrong and not per_event and not short_wrong
              and not lot_stock_wrong
              and not dl["poison_problems"] and not dl["repeated"]
              and not dl["missing_rejections"] and finished == n_msgs
              and twice_msgs == 0)
        say("  verdict: lost %d, doubled %d, unexpected %d: %s" % (
            lost, doubled, len(cmp["unexpected"]) + len(stock_wrong) +
            len(lot_stock_wrong) + len(short_wrong),
            "PASS" if ok else "FAIL"))
        for what, items in (("lost", cmp["lost"]), ("picking field", wrong),
                            ("carrier", carriers_wrong),
                            ("done quantity", qty_wrong),
                            ("lots", lots_wrong),
                            ("stock", stock_wrong),
                            ("lot stock", lot_stock_wrong),
                            ("shortage", short_wrong),
                            ("outcome", per_event),
                            ("doubled", cmp["doubled"]),
                            ("unexpected", cmp["unexpected"]),
                            ("validated twice", sorted(twice.items())),
                            ("poison", dl["poison_problems"]),
                            ("repeated dead letter", dl["repeated"]),
                            ("missing rejection", dl["missing_rejections"])):
            for x in list(items)[:5]:
                say("    %s: %s" % (what, x))
        if not ok:
            self.problems.append("the audit failed")
        return ok

    # -- all of it ---------------------------------------------------------
    def run(self):
        a = self.args
        if a.seed is None:
            a.seed = "demo" if not real_odoo() else "demo-%d" % time.time()
        self.rate = a.rate or max(MIN_RATE, int(
            a.orders * EVENTS_PER_ORDER / PUBLISH_S + 0.5))
        self.start()
        self.progress = Progress(sys.stdout.isatty(), a.every)
        self.published_from = self.elapsed()
        self.publish()
        self.watch()
        self.stop_consumers()
        took = self.elapsed()
        outs = self.outcomes()
        self.report_outcomes(outs)
        self.report_dead_letters(outs)
        self.report_odoo()
        self.run_audit(outs)
        if not self.args.no_routes:
            self.routes()
        if not self.args.no_replay:
            self.replay(outs)
        say("\n%d orders, %d messages; the stream was consumed %.1f s "
            "after the start" % (a.orders, sum(
                outs[t]["f"]["messages"] for t in TOPICS), took))
        return not self.problems

    def cleanup(self):
        for c in self.consumers.values():
            c.kill()
        if self.publisher and self.publisher.poll() is None:
            self.publisher.kill()
            self.publisher.wait()
        if self.odoo:
            self.odoo.stop()
        if self.broker:
            self.broker.stop()


def fmt_totals(t):
    text = ", ".join("%d %s" % (t.get(k, 0), k) for k in (
        "notes", "attachments", "activities", "backorders"))
    if t.get("optional"):
        text += " (and %d more that depend on the order of the picks)" % \
            t["optional"]
    return text


def fmt_shortages(f):
    """The shortage line of the audit."""
    text = "%d picking(s) picked more than Odoo had%s: %d with one note " \
        "and one activity" % (
            f["pickings"], " (%d more depending on the order of the picks)"
            % f["maybe"] if f["maybe"] else "", f["told"])
    for code, was, picked, now in f["products"]:
        text += "; %s %g on hand, %g picked, now %g (%g short)" % (
            code, was, picked, now, max(0.0, picked - was))
    if f["metric"] is not None:
        text += "; lgx_stock_discrepancies_total{kind=\"shortage\"} %g" % \
            f["metric"]
    return text


def sample(rows, n=10):
    """n pickings: one of each kind (state, shipment status, last
    milestone), the rest evenly spread over the names; sorted by name."""
    rows = sorted(rows, key=lambda p: p["name"])
    out = {}
    for p in rows:
        kind = (p["state"], p["x_lgx_shipment_status"] or "",
                p["x_lgx_milestone"] or "")
        if kind not in {k for k, _ in out.values()} and len(out) < n:
            out[p["name"]] = (kind, p)
    step = max(1, len(rows) // n)
    for p in rows[step // 2::step]:
        if len(out) >= n:
            break
        out.setdefault(p["name"], (None, p))
    return [p for _, (_, p) in sorted(out.items())]


def parse_args(argv):
    simulate = []
    if "--" in argv:
        i = argv.index("--")
        argv, simulate = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Options after -- go to lgx-simulate.")
    ap.add_argument("--orders", type=int, default=300,
                    help="orders to simulate (default 300, ~10.5 events "
                    "each)")
    ap.add_argument("--seed", help="lgx-simulate's seed (default: demo, "
                    "the same stream every time; against a real Odoo "
                    "demo-<time>, so that tracking references differ from "
                    "run to run)")
    ap.add_argument("--rate", type=int, default=0,
                    help="events published per second (default: the "
                    "stream in about %d s, at least %d/s)" % (PUBLISH_S,
                                                            MIN_RATE))
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds after the stream is published for every "
                    "message to get its outcome (default 120)")
    ap.add_argument("--start-seed",
                    help="seed of the consumers' start order and delays "
                    "(default: $LGX_START_SEED, else a new one; printed)")
    ap.add_argument("--no-routes", action="store_true",
                    help="skip the two- and three-step delivery orders after "
                    "the audit")
    ap.add_argument("--no-replay", action="store_true",
                    help="skip reading the topics again at the end to show "
                    "that a replay changes nothing in Odoo")
    ap.add_argument("--every", type=float, default=5.0,
                    help="seconds between progress blocks when the output "
                    "is not a terminal (default 5)")
    args = ap.parse_args(argv)
    args.simulate = simulate
    args.start_seed = lgxenv.start_seed(args.start_seed)
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    # Also when started with SIGINT ignored (in the background of a shell).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    demo = Demo(args)
    code = 1
    try:
        ok = demo.run()
        code = 0 if ok else 1
    except (KeyboardInterrupt, Stop):
        say("\ninterrupted")
        code = 130
    except Exception as e:  # noqa: BLE001 (reported, then the exit code)
        traceback.print_exc()
        say("\ndemo failed: %s: %s" % (type(e).__name__, e))
        code = 1
    finally:
        say("\nstopping the consumers, the Odoo simulator and the broker"
            if demo.odoo is None or demo.odoo.sim else
            "\nstopping the consumers and the broker")
        demo.cleanup()
    for p in demo.problems:
        say("FAILED: " + p)
    say("demo %s in %.1f s" % ("passed" if code == 0 else "FAILED",
                               demo.elapsed()))
    return code


if __name__ == "__main__":
    sys.exit(main())
