"""Integration tests of lgx-sla: pickings in each situation seeded into
the Odoo simulator (17 and 19), lgx-sla's log lines, metrics, /healthz,
/readyz and activities; and end to end, on a real broker, the times
lgx-shipments writes (x_lgx_booked_at, x_lgx_dispatched_at) with the
milestones and proofs of delivery of lgx-milestones and lgx-pod, found in
breach with thresholds of a few seconds."""
import os
import re
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import lgxenv
from lgxenv import produce, run_consumer

SLA = os.path.join(lgxenv.BIN, "lgx-sla")
KINDS = ("booked_not_dispatched", "dispatched_no_milestone",
         "delivered_no_pod")
SUMMARY = {"booked_not_dispatched": "SLA: booked, not dispatched",
           "dispatched_no_milestone": "SLA: no carrier milestone",
           "delivered_no_pod": "SLA: delivered, no proof of delivery"}
# The thresholds of the seeded tests, in hours.
HOURS = {"booked_not_dispatched": 24, "dispatched_no_milestone": 48,
         "delivered_no_pod": 24}
THRESHOLDS = ["--sla-booked-not-dispatched-h", "24",
              "--sla-dispatched-no-milestone-h", "48",
              "--sla-delivered-no-pod-h", "24"]


def ago(hours):
    """An Odoo datetime (UTC) hours before now."""
    t = datetime.now(timezone.utc) - timedelta(hours=hours)
    return t.strftime("%Y-%m-%d %H:%M:%S")


iso = lgxenv.iso


def odoo_time(iso_time):
    return iso_time[:10] + " " + iso_time[11:19]


def parse_metrics(text):
    """{(name, labels): value} of a Prometheus text page."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+)(\{[^}]*\})? (\S+)$", line)
        if m:
            labels = m.group(2) or ""
            out[(m.group(1), "" if labels == "{}" else labels)] = \
                float(m.group(3))
    return out


def kind(k):
    return '{kind="%s"}' % k


class Sla:
    """One lgx-sla process (not --once) with its log captured."""

    def __init__(self, sim, *extra):
        fd, self.logpath = tempfile.mkstemp(prefix="lgx-sla.", suffix=".log")
        os.close(fd)
        self.logfile = open(self.logpath, "w")
        self.proc = subprocess.Popen(
            [SLA, *sim.odoo_args(), "--http-address", "127.0.0.1",
             "--http-port", "0", *extra],
            stdout=self.logfile, stderr=subprocess.STDOUT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.logfile.close()

    def lines(self):
        self.logfile.flush()
        with open(self.logpath) as f:
            return lgxenv.parse_log(f.read())

    def polls(self):
        return [l for l in self.lines()
                if l.get("msg", "").startswith("SLA poll:")]

    def wait_polls(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.polls()) >= n:
                return self.polls()
            time.sleep(0.1)
        raise AssertionError("fewer than %d polls: %s" % (n, self.lines()))

    def http(self, path):
        port = next(int(l["msg"].rsplit(":", 1)[1]) for l in self.lines()
                    if l.get("msg", "").startswith("serving /metrics"))
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path),
                                        timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metrics(self):
        status, body = self.http("/metrics")
        assert status == 200, status
        return parse_metrics(body)


def breaches(lines):
    """The breach lines of a log, as (kind, picking) in order."""
    return [(l["sla_kind"], l["picking"]) for l in lines if "sla_kind" in l]


class SlaSeededTest(unittest.TestCase):
    """Pickings seeded straight into the simulator, in every situation."""
    version = 19

    @classmethod
    def setUpClass(cls):
        cls.sim = lgxenv.Simulator(version=cls.version)
        cls.addClassCleanup(cls.sim.stop)

    def setUp(self):
        self.sim.reset()
        self.stamp = time.monotonic_ns() % 10**6

    def seed(self, tag, status, state="assigned", **fields):
        """An outgoing picking named after tag; returns its name."""
        name = "WH/OUT/%s-%d" % (tag, self.stamp)
        vals = {"name": name, "state": state,
                "picking_type_code": "outgoing",
                "x_lgx_shipment_status": status,
                "x_lgx_shipment_ref": "SHP-" + tag}
        vals.update(fields)
        self.sim.seed("stock.picking", [vals])
        return name

    def situations(self):
        """Seeds one picking per situation; returns {name: kind or None}."""
        s = {}
        # Booked (or labelled), not dispatched.
        s[self.seed("B1", "booked", x_lgx_booked_at=ago(30))] = KINDS[0]
        s[self.seed("B2", "labelled", x_lgx_booked_at=ago(25))] = KINDS[0]
        s[self.seed("B3", "booked", x_lgx_booked_at=ago(2))] = None
        s[self.seed("B4", "booked", state="cancel",
                    x_lgx_booked_at=ago(30))] = None
        s[self.seed("B5", "cancelled", x_lgx_booked_at=ago(30))] = None
        s[self.seed("B6", "booked")] = None  # booked before the field
        # Dispatched, no milestone for 48 h (from the later of both).
        s[self.seed("D1", "dispatched", state="done",
                    x_lgx_dispatched_at=ago(60))] = KINDS[1]
        s[self.seed("D2", "dispatched", state="done",
                    x_lgx_dispatched_at=ago(60), x_lgx_milestone="IN_TRANSIT",
                    x_lgx_milestone_at=ago(50))] = KINDS[1]
        s[self.seed("D3", "dispatched", state="done",
                    x_lgx_dispatched_at=ago(60), x_lgx_milestone="IN_TRANSIT",
                    x_lgx_milestone_at=ago(2))] = None
        s[self.seed("D4", "dispatched", state="done",
                    x_lgx_dispatched_at=ago(1), x_lgx_milestone="PICKED_UP",
                    x_lgx_milestone_at=ago(50))] = None
        s[self.seed("D5", "dispatched", state="done",
                    x_lgx_milestone="ARRIVED_AT_HUB",
                    x_lgx_milestone_at=ago(49))] = KINDS[1]
        # Delivered by the carrier's word, no proof of delivery.
        s[self.seed("P1", "dispatched", state="done",
                    x_lgx_dispatched_at=ago(80), x_lgx_milestone="DELIVERED",
                    x_lgx_milestone_at=ago(30))] = KINDS[2]
        s[self.seed("P2", "dispatched", state="done",
                    x_lgx_dispatched_at=ago(80), x_lgx_milestone="DELIVERED",
                    x_lgx_milestone_at=ago(2))] = None
        s[self.seed("P3", "delivered", state="done",
                    x_lgx_dispatched_at=ago(80), x_lgx_milestone="DELIVERED",
                    x_lgx_milestone_at=ago(30),
                    x_lgx_delivered_at=ago(29), x_lgx_receiver="A. Janssen")
          ] = None
        return s

    def once(self, *extra):
        r = subprocess.run([SLA, *self.sim.odoo_args(), "--once", *THRESHOLDS,
                            *extra], capture_output=True, text=True,
                           timeout=60)
        self.assertNotIn(lgxenv.API_KEY, r.stdout + r.stderr)
        return r, lgxenv.parse_log(r.stderr)

    def expected(self, situations):
        return sorted((k, n) for n, k in situations.items() if k)

    def test_once_reports_each_breach_and_nothing_else(self):
        situations = self.situations()
        r, lines = self.once()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(breaches(lines)), self.expected(situations))
        seeded = {p["name"]: p for p in self.sim.dump("stock.picking")}
        for l in lines:
            if "sla_kind" not in l:
                continue
            p = seeded[l["picking"]]
            self.assertEqual(l["level"], "warn")
            self.assertEqual(l["picking_id"], p["id"])
            self.assertEqual(l["shipment"], p["x_lgx_shipment_ref"])
            self.assertEqual(l["threshold_h"], HOURS[l["sla_kind"]])
            self.assertGreater(l["hours_late"], 0)
            self.assertAlmostEqual(l["age_h"] - l["threshold_h"],
                                   l["hours_late"], places=3)
            self.assertTrue(l["msg"].startswith("SLA breach: " + p["name"]))
            self.assertIn("(threshold %d h)" % HOURS[l["sla_kind"]], l["msg"])
        since = {l["picking"]: l["since"] for l in lines if "sla_kind" in l}
        b1 = next(n for n in situations if "/B1-" in n)
        d2 = next(n for n in situations if "/D2-" in n)
        self.assertEqual(since[b1], seeded[b1]["x_lgx_booked_at"])
        self.assertEqual(since[d2], seeded[d2]["x_lgx_milestone_at"])
        summary = [l for l in lines if l.get("msg", "").startswith("SLA poll")]
        self.assertEqual(len(summary), 1)
        self.assertEqual(summary[0]["breaches"],
                         {KINDS[0]: 2, KINDS[1]: 3, KINDS[2]: 1})
        self.assertEqual(summary[0]["new"], summary[0]["breaches"])
        self.assertIn("6 picking(s) in breach, 6 new", summary[0]["msg"])
        # Activities are off by default.
        self.assertEqual(self.sim.dump("mail.activity"), [])

    def test_a_kind_at_0_is_not_watched(self):
        self.situations()
        r, lines = self.once("--sla-dispatched-no-milestone-h", "0")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(KINDS[1], {k for k, _ in breaches(lines)})
        summary = next(l for l in lines if "breaches" in l)
        self.assertEqual(set(summary["breaches"]), {KINDS[0], KINDS[2]})

    def test_limited_read_still_counts_all(self):
        self.situations()
        r, lines = self.once("--sla-limit", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        summary = next(l for l in lines if "breaches" in l)
        self.assertEqual(summary["breaches"],
                         {KINDS[0]: 2, KINDS[1]: 3, KINDS[2]: 1})
        # One per kind read (the newest breach), so one line per kind.
        self.assertEqual(sorted(k for k, _ in breaches(lines)), sorted(KINDS))
        newest = next(n for k, n in breaches(lines) if k == KINDS[0])
        self.assertIn("/B2-", newest)

    def test_activity_once_per_breach_across_runs(self):
        situations = self.situations()
        for run in (1, 2):
            self.sim._req("/__sim/calls/reset", {})
            r, lines = self.once("--sla-activity")
            self.assertEqual(r.returncode, 0, r.stderr)
            # A new process reports what is in breach again (documented).
            self.assertEqual(sorted(breaches(lines)),
                             self.expected(situations))
            creates = [c for c in self.sim.calls()["calls"]
                       if (c.get("model"), c.get("method")) ==
                       ("mail.activity", "create")]
            self.assertEqual(len(creates), 6 if run == 1 else 0, run)
        ids = {p["name"]: p["id"] for p in self.sim.dump("stock.picking")}
        acts = self.sim.dump("mail.activity")
        got = sorted((a["summary"], a["res_id"]) for a in acts)
        want = sorted((SUMMARY[k], ids[n]) for n, k in situations.items()
                      if k)
        self.assertEqual(got, want)
        users = {p["id"]: p["user_id"][0]
                 for p in self.sim.dump("stock.picking")}
        today = str(datetime.now(timezone.utc).date())
        for a in acts:
            self.assertEqual(a["res_model"], "stock.picking")
            self.assertIn("threshold", a["note"])
            self.assertIn("Please", a["note"])
            # Nobody configured: the picking's responsible, due today.
            self.assertEqual(a["user_id"][0], users[a["res_id"]])
            self.assertEqual(a["date_deadline"], today)

    def test_activity_goes_to_the_configured_user(self):
        situations = self.situations()
        self.sim.seed("res.users", [{"name": "SLA Desk", "login": "sla.desk"}])
        desk = next(u["id"] for u in self.sim.dump("res.users")
                    if u["login"] == "sla.desk")
        r, _ = self.once("--sla-activity", "--activity-users", "sla=sla.desk",
                         "--activity-deadlines", "sla=1")
        self.assertEqual(r.returncode, 0, r.stderr)
        acts = self.sim.dump("mail.activity")
        self.assertEqual(len(acts), len(self.expected(situations)))
        day = datetime.now(timezone.utc).date() + timedelta(days=1)
        self.assertEqual({(a["user_id"][0], a["date_deadline"]) for a in acts},
                         {(desk, str(day))})
        r, _ = self.once("--sla-activity", "--activity-user", "nobody")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("option --activity-user: Odoo has no user with login "
                      "'nobody'", r.stderr)

    def test_configuration_errors(self):
        for args, msg in (
                (["--sla-booked-not-dispatched-h", "-1"],
                 "option --sla-booked-not-dispatched-h: '-1' is not a number"),
                (["--sla-delivered-no-pod-h", "1e3"],
                 "option --sla-delivered-no-pod-h: '1e3'"),
                (["--sla-booked-not-dispatched-h", "0",
                  "--sla-dispatched-no-milestone-h", "0",
                  "--sla-delivered-no-pod-h", "0"], "nothing to watch"),
                (["--sla-interval-s", "0"], "option --sla-interval-s")):
            r = subprocess.run([SLA, *self.sim.odoo_args(), "--once", *args],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(msg, r.stderr)

    def test_missing_setup_stops_it(self):
        self.sim._req("/__sim/reset", {"seed": "demo"})  # no lgx-odoo-setup
        r, lines = self.once()
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("run lgx-odoo-setup", r.stderr)
        self.assertIn("stock.picking.x_lgx_booked_at", r.stderr)

    def test_daemon_metrics_and_each_breach_logged_once(self):
        situations = self.situations()
        sla = Sla(self.sim, "--sla-interval-s", "1", *THRESHOLDS)
        self.addCleanup(sla.stop)
        sla.wait_polls(2)
        self.assertEqual(sla.http("/healthz"), (200, "ok\n"))
        self.assertEqual(sla.http("/readyz"), (200, "ready\n"))
        m = sla.metrics()
        for k, n in ((KINDS[0], 2), (KINDS[1], 3), (KINDS[2], 1)):
            self.assertEqual(m[("lgx_sla_breaches", kind(k))], n, k)
            self.assertEqual(m[("lgx_sla_breaches_detected_total", kind(k))],
                             n, k)
        self.assertGreaterEqual(m[("lgx_sla_poll_seconds_count", "")], 2)
        self.assertAlmostEqual(
            m[("lgx_sla_last_poll_timestamp_seconds", "")], time.time(),
            delta=30)
        self.assertEqual(
            m[("lgx_sla_poll_errors_total", '{stage="query"}')], 0)
        with open(os.path.join(lgxenv.TOP, "VERSION")) as f:
            version = f.read().strip()
        self.assertIn(("lgx_build_info",
                       '{program="lgx-sla",version="%s"}' % version), m)
        self.assertTrue(any(n == "lgx_odoo_calls_total" for n, _ in m))
        # Two polls (or more), each breach logged once.
        self.assertEqual(sorted(breaches(sla.lines())),
                         self.expected(situations))

        # B1 is dispatched (leaves its breach); B7 is booked long ago.
        b1 = next(n for n in situations if "/B1-" in n)
        pid = self.sim.picking(b1)["id"]
        self.sim.call("stock.picking", "write", ids=[pid], vals={
            "x_lgx_shipment_status": "dispatched",
            "x_lgx_dispatched_at": ago(0)})
        b7 = self.seed("B7", "booked", x_lgx_booked_at=ago(40))
        n = len(sla.polls())
        sla.wait_polls(n + 2)
        m = sla.metrics()
        self.assertEqual(m[("lgx_sla_breaches", kind(KINDS[0]))], 2)
        self.assertEqual(
            m[("lgx_sla_breaches_detected_total", kind(KINDS[0]))], 3)
        self.assertEqual(sorted(breaches(sla.lines())),
                         sorted(self.expected(situations) +
                                [(KINDS[0], b7)]))

        # Odoo fails: not ready, the error counted; back: ready again.
        self.sim._req("/__sim/faults", [{"api": "*", "model": "stock.picking",
                                         "method": "search_read",
                                         "kind": "status", "status": 503}])
        deadline = time.time() + 20
        while sla.http("/readyz")[0] != 503 and time.time() < deadline:
            time.sleep(0.1)
        status, why = sla.http("/readyz")
        self.assertEqual(status, 503)
        self.assertIn("degraded: the last poll of Odoo failed", why)
        self.assertGreaterEqual(
            sla.metrics()[("lgx_sla_poll_errors_total", '{stage="query"}')], 1)
        self.assertTrue(any(l.get("msg", "").startswith("SLA poll failed")
                            for l in sla.lines()))
        self.sim._req("/__sim/faults", {"clear": True})
        deadline = time.time() + 20
        while sla.http("/readyz")[0] != 200 and time.time() < deadline:
            time.sleep(0.1)
        self.assertEqual(sla.http("/readyz")[0], 200)
        # The outage made nothing new: no breach logged twice.
        self.assertEqual(len(breaches(sla.lines())), 7)

        sla.proc.send_signal(signal.SIGTERM)
        self.assertEqual(sla.proc.wait(10), 0)
        self.assertEqual(sla.lines()[-1]["msg"], "stopped")
        with open(sla.logpath) as f:
            self.assertNotIn(lgxenv.API_KEY, f.read())


class SlaSeededTest17(SlaSeededTest):
    """The same on Odoo 17 (JSON-RPC)."""
    version = 17

    def test_daemon_metrics_and_each_breach_logged_once(self):
        self.skipTest("API-independent; run on 19")

    def test_configuration_errors(self):
        self.skipTest("API-independent; run on 19")


class SlaEndToEndTest(unittest.TestCase):
    """Events through lgx-shipments, lgx-milestones and lgx-pod, then
    lgx-sla with thresholds of 3.6 s (0.001 h)."""

    @classmethod
    def setUpClass(cls):
        cls.broker = lgxenv.Broker()
        cls.addClassCleanup(cls.broker.stop)
        cls.sim = lgxenv.Simulator(version=19)
        cls.addClassCleanup(cls.sim.stop)

    def picking(self, tag):
        name = "WH/OUT/E%s-%d" % (tag, time.monotonic_ns() % 10**6)
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1001")
        # Done: the warehouse's pick validated it (a dispatch waits for
        # that).
        self.sim.seed("stock.picking", [{
            "name": name, "state": "done", "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": 2,
                          "quantity": 2, "picked": True, "state": "done"}]}])
        return name

    def send(self, topic, schema, key, events):
        r = produce(self.broker, topic, events, schema=schema, key_field=key)
        self.assertEqual(r.returncode, 0, r.stderr)

    def consume(self, program, topic, group=None):
        c = run_consumer(program, self.broker, self.sim, topic, group=group)
        self.assertEqual(c.proc.returncode, 0, c.lines())
        return c

    @staticmethod
    def ship(shipment, kind, body, minutes_ago):
        return {"event_id": "%s-%s-%d" % (shipment, kind, time.monotonic_ns()),
                "correlation_id": "order-" + shipment,
                "source_system": "tms-shipit", "occurred_at": iso(minutes_ago),
                "schema_version": 1, "shipment_id": shipment,
                "payload": {kind: body}}

    def shipment(self, shipment, name, ref, dispatch):
        evs = [self.ship(shipment, "ShipmentBooked",
                         {"picking_names": [name],
                          "carrier": "Standard delivery",
                          "service_level": "express"}, 10),
               self.ship(shipment, "LabelCreated",
                         {"tracking_ref": ref, "label": None}, 9)]
        if dispatch:
            evs.append(self.ship(shipment, "ShipmentDispatched",
                                 {"dispatched_at": iso(8.5), "packages": 1,
                                  "weight_kg": 2.0}, 8))
        return evs

    def test_events_to_breaches(self):
        stamp = time.monotonic_ns() % 10**6
        topics = {t: "it.sla.%s.%d" % (t, stamp)
                  for t in ("shipments", "milestones", "pod")}
        a, b, c, d = (self.picking(t) for t in "ABCD")
        refs = {n: "TRKSLA%s%d" % (t, stamp)
                for t, n in zip("ABCD", (a, b, c, d))}
        events = (self.shipment("SLA-A%d" % stamp, a, refs[a], False) +
                  self.shipment("SLA-B%d" % stamp, b, refs[b], True) +
                  self.shipment("SLA-C%d" % stamp, c, refs[c], True) +
                  self.shipment("SLA-D%d" % stamp, d, refs[d], True))
        self.send(topics["shipments"], "lgx.shipments.ShipmentEvent",
                  "shipment_id", events)
        s = self.consume("lgx-shipments", topics["shipments"])
        self.assertEqual(s.summary()["applied"], len(events), s.outcomes())
        booked_at = {n: self.sim.picking(n)["x_lgx_booked_at"]
                     for n in (a, b, c, d)}
        self.assertEqual(booked_at[a], odoo_time(events[0]["occurred_at"]))
        pb = self.sim.picking(b)
        self.assertEqual(pb["x_lgx_dispatched_at"], odoo_time(
            events[4]["payload"]["ShipmentDispatched"]["dispatched_at"]))
        self.assertFalse(self.sim.picking(a)["x_lgx_dispatched_at"])

        milestones = [{"event_id": "ms-%s-%d" % (refs[n], time.monotonic_ns()),
                       "correlation_id": "order-" + n,
                       "source_system": "carrier-dhl",
                       "occurred_at": iso(5), "schema_version": 2,
                       "tracking_ref": refs[n], "carrier": "dhl",
                       "code": "DELIVERED", "location": "Utrecht",
                       "eta": None, "exception_reason": None,
                       "carrier_status_code": None} for n in (c, d)]
        self.send(topics["milestones"], "lgx.milestones.CarrierMilestone",
                  "tracking_ref", milestones)
        m = self.consume("lgx-milestones", topics["milestones"])
        self.assertEqual(m.summary()["applied"], 2, m.outcomes())
        pod = {"event_id": "pod-%s-%d" % (d, time.monotonic_ns()),
               "correlation_id": "order-" + d, "source_system": "driver-app",
               "occurred_at": iso(4), "schema_version": 2,
               "picking_name": d, "tracking_ref": None,
               "delivered_at": iso(5), "receiver_name": "A. Janssen",
               "gps": None, "signature": None, "lines": []}
        self.send(topics["pod"], "lgx.pod.ProofOfDelivery", "picking_name",
                  [pod])
        p = self.consume("lgx-pod", topics["pod"])
        self.assertEqual(p.summary()["applied"], 1, p.outcomes())

        r = subprocess.run(
            [SLA, *self.sim.odoo_args(), "--once", "--sla-activity",
             "--sla-booked-not-dispatched-h", "0.001",
             "--sla-dispatched-no-milestone-h", "0.001",
             "--sla-delivered-no-pod-h", "0.001"],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = lgxenv.parse_log(r.stderr)
        self.assertEqual(sorted(breaches(lines)),
                         sorted([(KINDS[0], a), (KINDS[1], b),
                                 (KINDS[2], c)]))
        for l in lines:
            if "sla_kind" in l:
                self.assertEqual(l["threshold_h"], 0.001)
                self.assertGreater(l["hours_late"], 0)
        acts = sorted((x["summary"], x["res_id"])
                      for x in self.sim.dump("mail.activity")
                      if x["summary"].startswith("SLA:"))
        ids = {n: self.sim.picking(n)["id"] for n in (a, b, c)}
        self.assertEqual(acts, sorted([(SUMMARY[KINDS[0]], ids[a]),
                                       (SUMMARY[KINDS[1]], ids[b]),
                                       (SUMMARY[KINDS[2]], ids[c])]))

        # A replay of the shipments changes none of those times: every
        # event read again is stale, A's label too (its time is the one
        # the picking recorded: already_applied).
        again = self.consume("lgx-shipments", topics["shipments"],
                             group="replay-" + topics["shipments"])
        applied = [l["event_id"] for l in again.outcomes()
                   if l["outcome"] == "applied"]
        self.assertEqual(applied, [], again.outcomes())
        self.assertIn(("stale", "already_applied"),
                      [(l["outcome"], l["reason"]) for l in again.outcomes()
                       if l["event_id"] == events[1]["event_id"]])
        for n in (a, b, c, d):
            self.assertEqual(self.sim.picking(n)["x_lgx_booked_at"],
                             booked_at[n])
        self.assertEqual(self.sim.picking(b)["x_lgx_dispatched_at"],
                         pb["x_lgx_dispatched_at"])


if __name__ == "__main__":
    unittest.main()
