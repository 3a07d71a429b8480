#!/usr/bin/env python3
"""Chaos run of lgx: a real Kafka broker, the Odoo simulator and the four
consumers (lgx-picks, lgx-shipments, lgx-milestones, lgx-pod) on a stream
from lgx-simulate with duplicates, out-of-order events and poison
messages, while

* consumers are killed with SIGKILL at random and restarted (same group),
* the broker is restarted once (same ports, same data),
* Odoo is down for 20 s: every call to the simulator answers 503 (fault
  injection; the simulator itself is not restarted, since its database
  lives in memory and would be lost),
* about 5 % of Odoo calls fail: 409 (lock), 503, and timeouts (the
  consumers run with a short --odoo-timeout-ms; half of the timeouts come
  after Odoo committed the call, the answer being lost on the way back),
  drawn from the simulator's seeded fault generator.

The simulator answers about as fast as a real Odoo 19 (odoo_sim.py
--latency real; --latency none for the bare simulator), and the four
consumers start in a shuffled order, each up to 3 s after the one before
(--start-seed, else $LGX_START_SEED, else a new seed; printed and in
report.json), so that a dispatch can reach Odoo before its pick: nothing
orders one topic against another, and lgx-simulate's expected state holds
for any interleaving.

Then the consumers are drained (they go on until every message has its
outcome and nothing is pending, are stopped, and run again with
--exit-at-end, which must find nothing), and the simulator's final state
is audited against the stream (test/tools/audit.py): every expected effect present (nothing lost),
none twice (chatter notes, attachments, activities, backorders per
picking), every picking's fields as expected, every message of every
topic given a final outcome, every poison message dead-lettered exactly
once with its reason, every picking's done quantities what its pick
reported, and the stock of the run's products changed only by its done
moves. Last, every group is moved back to the beginning
(lgx-replay --to-earliest) and the consumers read everything again: the
simulator's state must not change.

    python3 test/tools/chaos.py [--orders N] [--seed S] [--short]

--short is the version `make test` runs (test/integration/test_it_chaos.py): ~1,400
events, under 3 minutes. Without it: ~21,000 events (1,900 orders), about
25 minutes on two cores. --calm runs the same without any chaos (a
baseline). Logs, the expected files, the dumps of the simulator and
report.json stay in the work directory (--workdir, else a new
/tmp/lgx-chaos.*). Exit code 0 when every check passed, 1 otherwise (the
report says which). Standard library only.

The simulator is run through this file (--serve-sim) with cheaper per-call
transactions (fast_snapshots), the same behaviour: with its own, a write
copies the whole database, ~100 ms at the full run's size.
"""
import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(HERE, "..", "integration")]

import audit  # noqa: E402
import lgxenv  # noqa: E402

CONSUMERS = lgxenv.CONSUMERS
TOPICS = lgxenv.TOPICS
# Trouble in the stream (lgx-simulate knobs), as in test_it_simulate.py.
KNOBS = ("--duplicates", "6", "--out-of-order", "6", "--poison", "4",
         "--late-pod", "15", "--dispatch-before-booking", "15",
         "--wrong-source", "4")
HELD_TYPES = ("pick_confirmed", "label_created", "shipment_dispatched",
              "carrier_milestone", "proof_of_delivery")
# Fields that change on a write of the same values; left out when the
# state before and after the replay is compared.
VOLATILE = ("write_date", "write_uid", "__last_update")
FINAL = ("applied", "duplicate", "stale", "rejected")

PROFILES = {
    # orders, events/s published, kills, hold_ms of the rules copy
    "short": {"orders": 120, "rate": 30, "kills": 8, "hold_ms": 90000,
              "drain_timeout": 300, "odoo_timeout_ms": 500, "concurrency": 4,
              "latency": "real"},
    # The simulator is one Python process on one core: with 4 consumers of
    # 4 workers each and a 500 ms timeout, calls queued behind a large
    # search time out and are retried faster than it answers. The full run
    # gives the consumers the time a loaded Odoo needs and fewer workers.
    "full": {"orders": 1900, "rate": 40, "kills": 30, "hold_ms": 3600000,
             "drain_timeout": 1800, "odoo_timeout_ms": 3000,
             "concurrency": 2, "latency": "none"},
}


class Simulator(lgxenv.Simulator):
    """lgxenv.Simulator, but run through this file (--serve-sim) with cheap
    per-call snapshots (fast_snapshots), so that ~20,000 events do not make
    the simulator, rather than lgx, the bottleneck."""

    def __init__(self, version=19, seed="demo", latency="none"):
        super().__init__(version=version, seed=seed, latency=latency,
                         server=[sys.executable, os.path.abspath(__file__),
                                 "--serve-sim"])


def fast_snapshots(odoo_sim):
    """Makes the simulator's per-call transaction cheap, same behaviour.

    odoo_sim.Store.snapshot copies every row of every table before each
    call that may write, so that a call that fails leaves nothing behind.
    With the ~2,000 orders of the full run (and thousands of chatter
    notes) that is ~100 ms per write, and the simulator, not lgx, would set
    the pace. Here rows, tables and the table of tables note what a call
    changes instead (an undo log: the first change of a row saves a copy of
    it; a row added, replaced or removed from a table is noted), and a
    restore undoes exactly that, so a failed call still leaves nothing
    behind. Every row enters a table through Env.insert (as a Row); nested
    snapshots (JSON-RPC create) keep one log each; the logs end with the
    call that opened them."""
    copy_row = odoo_sim._copy_row
    missing = object()
    levels = []     # open undo logs, outermost first (under sim.lock)

    class Row(dict):
        __slots__ = ()

        def _save(self):
            for lv in levels:
                if id(self) not in lv["rows"]:
                    lv["rows"][id(self)] = (self, copy_row(self))

        def __setitem__(self, k, v):
            if levels:
                self._save()
            dict.__setitem__(self, k, v)

        def __delitem__(self, k):
            if levels:
                self._save()
            dict.__delitem__(self, k)

        def update(self, *a, **kw):
            if levels:
                self._save()
            dict.update(self, *a, **kw)

        def pop(self, *a):
            if levels:
                self._save()
            return dict.pop(self, *a)

        def popitem(self):
            if levels:
                self._save()
            return dict.popitem(self)

        def setdefault(self, k, default=None):
            if levels and k not in self:
                self._save()
            return dict.setdefault(self, k, default)

        def clear(self):
            if levels:
                self._save()
            dict.clear(self)

    def as_row(r):
        return r if isinstance(r, Row) else Row(r)

    class Table(dict):
        __slots__ = ()

        def _save(self, rid):
            for lv in levels:
                mem = lv["members"].setdefault(id(self), (self, {}))[1]
                if rid not in mem:
                    mem[rid] = dict.get(self, rid, missing)

        def __setitem__(self, rid, row):
            if levels:
                self._save(rid)
            dict.__setitem__(self, rid, as_row(row))

        def __delitem__(self, rid):
            if levels:
                self._save(rid)
            dict.__delitem__(self, rid)

        def pop(self, rid, *default):
            if levels:
                self._save(rid)
            return dict.pop(self, rid, *default)

        def setdefault(self, rid, default=None):
            if rid not in self:
                self[rid] = default
            return dict.__getitem__(self, rid)

        def update(self, *a, **kw):
            for rid, row in dict(*a, **kw).items():
                self[rid] = row

        def clear(self):
            for rid in list(self):
                del self[rid]

        def popitem(self):
            rid = next(reversed(self))
            return rid, self.pop(rid)

    def as_table(t):
        if isinstance(t, Table):
            return t
        return Table({rid: as_row(r) for rid, r in t.items()})

    class Tables(dict):
        __slots__ = ()

        def _save(self, m):
            for lv in levels:
                if m not in lv["tables"]:
                    lv["tables"][m] = dict.get(self, m, missing)

        def __setitem__(self, m, t):
            if levels:
                self._save(m)
            dict.__setitem__(self, m, as_table(t))

        def __delitem__(self, m):
            if levels:
                self._save(m)
            dict.__delitem__(self, m)

        def pop(self, m, *default):
            if levels:
                self._save(m)
            return dict.pop(self, m, *default)

        def setdefault(self, m, default=None):
            if m not in self:
                self[m] = {} if default is None else default
            return dict.__getitem__(self, m)

        def update(self, *a, **kw):
            for m, t in dict(*a, **kw).items():
                self[m] = t

    Store, Simulator, Env = odoo_sim.Store, odoo_sim.Simulator, odoo_sim.Env
    store_init, env_insert = Store.__init__, Env.insert
    depth = [0]

    def init(self, *a, **kw):
        store_init(self, *a, **kw)
        levels[:] = []
        self.tables = Tables({m: as_table(t) for m, t in self.tables.items()})

    def insert(self, model, values, rid=None):
        row = env_insert(self, model, values, rid)
        return dict.__getitem__(self.store.tables[model], row["id"])

    def snapshot(self):
        level = {"rows": {}, "members": {}, "tables": {}}
        if depth[0] <= 1:
            levels[:] = [level]       # a new transaction
        else:
            levels.append(level)      # nested in the open one
        return (level, dict(self.next_ids), dict(self.sequences),
                {m: d.clone() for m, d in self.schema.items()})

    def restore(self, snap):
        level, next_ids, sequences, schema = snap
        for row, saved in level["rows"].values():
            dict.clear(row)
            dict.update(row, saved)
        for table, mem in level["members"].values():
            for rid, old in mem.items():
                if old is missing:
                    dict.pop(table, rid, None)
                else:
                    dict.__setitem__(table, rid, old)
        for m, old in level["tables"].items():
            if old is missing:
                dict.pop(self.tables, m, None)
            else:
                dict.__setitem__(self.tables, m, old)
        self.next_ids, self.sequences, self.schema = (next_ids, sequences,
                                                      schema)

    def call_wrapper(orig):
        def wrapped(self, *a, **kw):
            with self.lock:
                depth[0] += 1
                try:
                    return orig(self, *a, **kw)
                finally:
                    depth[0] -= 1
                    if depth[0] == 0:
                        levels[:] = []
        return wrapped

    Store.__init__ = init
    Store.snapshot = snapshot
    Store.restore = restore
    Env.insert = insert
    Simulator.execute = call_wrapper(Simulator.execute)
    Simulator.rpc_object = call_wrapper(Simulator.rpc_object)


def serve_sim(argv):
    """The Odoo simulator (test/sim/odoo_sim.py) with cheap snapshots
    (fast_snapshots; LGX_CHAOS_PLAIN_SNAPSHOTS=1 keeps its own)."""
    import odoo_sim
    if os.environ.get("LGX_CHAOS_PLAIN_SNAPSHOTS") != "1":
        fast_snapshots(odoo_sim)
    return odoo_sim.main(argv)


class Run:
    """Everything of one chaos run; figures and findings end in .report."""

    def __init__(self, args):
        self.args = args
        self.t0 = time.monotonic()
        self.rng = random.Random("chaos-" + args.seed)
        self.dir = args.workdir or tempfile.mkdtemp(prefix="lgx-chaos.")
        os.makedirs(self.dir, exist_ok=True)
        self.procs = {p: [] for p, _ in CONSUMERS}   # program -> [Proc]
        self.kills = collections.Counter()
        self.unexpected_exits = []
        self.restarts = 0
        self.broker_restarts = []
        self.fault_fired = collections.Counter()
        self.fault_rule_names = {}
        self.outage = None
        self.report = {"figures": {}, "findings": [], "failures": []}
        self.broker = None
        self.sim = None

    # ---- output --------------------------------------------------------
    def say(self, fmt, *a):
        print("[%7.1fs] %s" % (time.monotonic() - self.t0, fmt % a),
              flush=True)

    def fail(self, what):
        """A broken guarantee: reported, and the exit code is 1."""
        self.report["failures"].append(what)

    def finding(self, what):
        self.report["findings"].append(what)

    # ---- the simulator's fault injection --------------------------------
    def faults(self, payload=None):
        req = urllib.request.Request(
            self.sim.url + "/__sim/faults",
            data=None if payload is None else json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def collect_faults(self):
        """Adds the fired counts of the current rules to the totals (a
        clear forgets them)."""
        for rule in self.faults().get("rules", []):
            self.fault_fired[self.fault_rule_names.get(
                rule["id"], rule["kind"])] += rule["fired"]

    def set_faults(self, named_rules, seed=None):
        self.collect_faults()
        payload = [{"clear": True}]
        if seed is not None:
            payload.append({"seed": seed})
        payload += [r for _, r in named_rules]
        added = self.faults(payload)["added"]
        self.fault_rule_names = {rid: name for rid, (name, _) in
                                 zip(added, named_rules)}

    def background_faults(self):
        """About args.fault_pct % of calls fail: a third 409 (lock), a
        third 503, a third timeouts (half before Odoo runs the call, half
        after it committed it)."""
        p = self.args.fault_pct / 100.0 / 3.0
        late = self.args.odoo_timeout_ms + 300
        return [("409 lock", {"kind": "lock", "probability": p}),
                ("503", {"kind": "status", "status": 503, "probability": p}),
                ("timeout before the call", {
                    "kind": "timeout", "delay_ms": late,
                    "probability": p / 2}),
                ("timeout after commit", {
                    "kind": "timeout", "after": True, "delay_ms": late,
                    "probability": p / 2})]

    # ---- consumers -----------------------------------------------------
    def consumer_args(self, program, topic, exit_at_end=False):
        a = self.args
        return [os.path.join(lgxenv.BIN, program),
                "--brokers", self.broker.bootstrap, "--topic", topic,
                "--group", program, "--rules", self.rules,
                "--http-port", "0", "--http-address", "127.0.0.1",
                "--commit-interval-ms", "300",
                "--hold-recheck-ms", str(a.hold_recheck_ms),
                "--hold-recheck-max-ms", "5000",
                "--retry-backoff-ms", "50", "--retry-backoff-max-ms", "1000",
                "--odoo-timeout-ms", str(a.odoo_timeout_ms),
                "--odoo-connect-timeout-ms", str(a.odoo_timeout_ms),
                "--odoo-probe-ms", "500",
                "--concurrency", str(a.concurrency),
                # A killed member is noticed in seconds, not 45 s, and new
                # topics are seen in seconds.
                "--kafka.session.timeout.ms", "6000",
                "--kafka.heartbeat.interval.ms", "1000",
                "--kafka.topic.metadata.refresh.interval.ms", "2000",
                *self.sim.odoo_args()] + (["--exit-at-end"] if exit_at_end
                                         else [])

    def start(self, program, topic, phase, exit_at_end=False):
        n = len(self.procs[program]) + 1
        path = os.path.join(self.dir, "%s.%s.%02d.log" % (program, phase, n))
        log = open(path, "w")
        p = subprocess.Popen(self.consumer_args(program, topic, exit_at_end),
                             stdout=log, stderr=subprocess.STDOUT)
        proc = {"proc": p, "log": log, "path": path, "phase": phase,
                "program": program, "topic": topic, "killed": False}
        self.procs[program].append(proc)
        return proc

    def current(self, program):
        return self.procs[program][-1] if self.procs[program] else None

    def kill9(self, program):
        proc = self.current(program)
        if proc and proc["proc"].poll() is None:
            proc["killed"] = True
            proc["proc"].send_signal(signal.SIGKILL)
            proc["proc"].wait()
            self.kills[program] += 1
            return True
        return False

    def stop_all(self, sig=signal.SIGTERM, timeout=60):
        for program, _ in CONSUMERS:
            proc = self.current(program)
            if proc and proc["proc"].poll() is None:
                proc["proc"].send_signal(sig)
        for program, _ in CONSUMERS:
            proc = self.current(program)
            if proc:
                try:
                    proc["proc"].wait(timeout)
                except subprocess.TimeoutExpired:
                    self.finding("%s did not stop on SIGTERM within %d s: "
                                 "killed" % (program, timeout))
                    proc["proc"].kill()
                    proc["proc"].wait()
                proc["log"].flush()

    def kill_leftovers(self):
        for procs in self.procs.values():
            for proc in procs:
                if proc["proc"].poll() is None:
                    proc["proc"].kill()
                    proc["proc"].wait()

    def lines(self, phases=None):
        """Every JSON log line of every consumer process (of phases)."""
        out = []
        for program, procs in self.procs.items():
            for i, proc in enumerate(procs):
                if phases and proc["phase"] not in phases:
                    continue
                proc["log"].flush()
                with open(proc["path"], errors="replace") as f:
                    for l in lgxenv.parse_log(f.read()):
                        l["_program"] = program
                        l["_proc"] = i
                        l["_phase"] = proc["phase"]
                        out.append(l)
        return out

    # ---- broker --------------------------------------------------------
    def restart_broker(self):
        t = time.monotonic()
        r = subprocess.run([os.path.join(HERE, "..", "env", "kafka.sh"), "restart",
                            self.broker.dir], capture_output=True, text=True,
                           timeout=120)
        took = time.monotonic() - t
        if r.returncode != 0:
            raise RuntimeError("broker restart failed: " + r.stderr)
        if r.stdout.strip().splitlines()[-1] != self.broker.bootstrap:
            raise RuntimeError("the broker came back elsewhere: " + r.stdout)
        self.broker_restarts.append(took)
        return took

    # ---- the run -------------------------------------------------------
    def setup(self):
        a = self.args
        self.say("work dir %s; binaries %s", self.dir, lgxenv.BIN)
        self.broker = lgxenv.Broker()
        self.say("Kafka %s (dir %s)", self.broker.bootstrap, self.broker.dir)
        self.sim = Simulator(version=19, seed="demo", latency=a.latency)
        self.say("Odoo simulator %s (version 19, latency %s)", self.sim.url,
                 a.latency)
        # Ample stock: a dispatch that overtakes its pick (the picks
        # consumer being down) validates what was reserved, as Odoo does;
        # with the demo's 500 units per product later orders would wait
        # for stock and such a dispatch would be refused.
        self.products = ["SKU-C%02d" % i for i in range(1, 13)]
        self.sim.seed("product.product", [
            {"name": "Chaos item %s" % c, "default_code": c,
             "is_storable": True, "qty_available": 1000000.0,
             "list_price": 10.0, "weight": 1.0} for c in self.products])
        self.rules = lgxenv.rules_file(self.dir, **{
            t: {"hold_ms": a.hold_ms} for t in HELD_TYPES})
        self.expected_path = os.path.join(self.dir, "expected.json")

    def publish(self):
        """lgx-simulate --create-orders, paced at --rate, in the
        background; returns once the orders exist in Odoo."""
        a = self.args
        self.sim_log = os.path.join(self.dir, "lgx-simulate.log")
        cmd = [os.path.join(lgxenv.BIN, "lgx-simulate"),
               "--brokers", self.broker.bootstrap, "--create-orders",
               "--orders", str(a.orders), "--seed", a.seed,
               "--rate", str(a.rate), "--expected", self.expected_path,
               "--products", ",".join(self.products),
               "--kafka.enable.idempotence", "true", *KNOBS,
               *self.sim.odoo_args()]
        self.publish_cmd = cmd
        self.stock_before = audit.stock_snapshot(self.search_read,
                                                 self.products)
        with open(os.path.join(self.dir, "lgx-simulate.out"), "w") as out, \
                open(self.sim_log, "w") as err:
            self.publisher = subprocess.Popen(cmd, stdout=out, stderr=err)
        deadline = time.time() + 600
        while True:
            with open(self.sim_log) as f:
                text = f.read()
            if "created and confirmed" in text and os.path.exists(
                    self.expected_path):
                break
            if self.publisher.poll() is not None or time.time() > deadline:
                raise RuntimeError("lgx-simulate failed: " + text[-2000:])
            time.sleep(0.1)
        time.sleep(0.3)   # the expected file is written in one go
        for _ in range(50):
            try:
                with open(self.expected_path) as f:
                    self.exp = json.load(f)
                break
            except ValueError:
                time.sleep(0.1)
        self.n_events = sum(t["messages"] for t in self.exp["topics"].values())
        self.say("%d orders created in Odoo; publishing %d events at %d/s "
                 "(~%.0f s)", a.orders, self.n_events, a.rate,
                 self.n_events / a.rate)

    def create_topics(self, timeout=60):
        """The topics and their dead-letter topics, created before anyone
        subscribes (a metadata request for a topic creates it: the broker
        has auto.create.topics.enable)."""
        names = TOPICS + [t + ".dlq" for t in TOPICS]
        deadline = time.time() + timeout
        while time.time() < deadline:
            for t in names:
                subprocess.run(["kcat", "-b", self.broker.bootstrap, "-L",
                                "-t", t], capture_output=True, timeout=30)
            out = subprocess.run(["kcat", "-b", self.broker.bootstrap, "-L"],
                                 capture_output=True, text=True,
                                 timeout=30).stdout
            if all('topic "%s" with 3 partitions' % t in out for t in names):
                return
            time.sleep(0.5)
        raise RuntimeError("the topics were not created")

    def plan(self):
        """The chaos timeline, in seconds after the consumers start."""
        a = self.args
        span = self.n_events / a.rate
        actions = []
        if a.calm:
            return actions, span
        actions.append((0.35 * span, "broker_restart", None))
        outage_at = max(0.55 * span, 0.35 * span + 15)
        actions.append((outage_at, "outage_start", None))
        actions.append((outage_at + a.outage_s, "outage_end", None))
        # Every consumer killed at least once, the rest at random.
        victims = [p for p, _ in CONSUMERS]
        self.rng.shuffle(victims)
        victims = (victims * (a.kills // 4 + 1))[:a.kills]
        self.rng.shuffle(victims)
        for v in victims:
            actions.append((self.rng.uniform(0.03, 1.0) * span, "kill", v))
        actions.sort(key=lambda x: x[0])
        return actions, max(span, outage_at + a.outage_s)

    def chaos(self):
        a = self.args
        actions, span = self.plan()
        if not a.calm:
            self.set_faults(self.background_faults(), seed=a.fault_seed)
        # The first start of each consumer: shuffled, with delays.
        plan = lgxenv.start_plan(a.start_seed)
        self.say("consumers start in a shuffled order (start seed %s; "
                 "--start-seed %s repeats it): %s", a.start_seed,
                 a.start_seed, lgxenv.describe_plan(plan))
        self.report["figures"]["start_seed"] = a.start_seed
        self.report["figures"]["start_plan"] = plan
        due = time.monotonic()
        self.first_start = {}
        for program, delay in plan:
            due += delay
            self.first_start[program] = due
        self.supervise({})
        if a.calm:
            self.say("consumers started; calm run (no chaos) for ~%.0f s",
                     span)
        else:
            self.say("consumers started; chaos for ~%.0f s: %d kill(s), 1 "
                     "broker restart, a %d s Odoo outage, %.0f %% faults",
                     span, sum(1 for x in actions if x[1] == "kill"),
                     a.outage_s, a.fault_pct)
        t0 = time.monotonic()
        restart_at = self.restart_at = {}
        published = False
        while True:
            now = time.monotonic() - t0
            while actions and actions[0][0] <= now:
                _, what, arg = actions.pop(0)
                if what == "kill" and arg in self.first_start:
                    # Not started yet: killed a second after its start.
                    actions.append((self.first_start[arg] - t0 + 1.0,
                                    what, arg))
                    actions.sort(key=lambda x: x[0])
                    continue
                if what == "kill":
                    if self.kill9(arg):
                        delay = self.rng.uniform(0.2, 3.0)
                        restart_at[arg] = time.monotonic() + delay
                        self.say("kill -9 %s (restart in %.1f s)", arg, delay)
                elif what == "broker_restart":
                    self.say("broker restart ...")
                    took = self.restart_broker()
                    self.say("broker back after %.1f s", took)
                elif what == "outage_start":
                    self.set_faults([("outage 503", {
                        "kind": "status", "status": 503,
                        "probability": 1})])
                    self.outage = [time.monotonic() - t0, None]
                    self.say("Odoo outage: every call answers 503 for %d s "
                             "(fault injection; the simulator keeps its "
                             "in-memory state)", a.outage_s)
                elif what == "outage_end":
                    self.set_faults(self.background_faults(),
                                    seed=a.fault_seed + 1)
                    self.outage[1] = time.monotonic() - t0
                    self.say("Odoo answers again (%.0f %% faults go on)",
                             a.fault_pct)
            self.supervise(restart_at)
            if not published and self.publisher.poll() is not None:
                published = True
                self.say("lgx-simulate done (exit %d)",
                         self.publisher.returncode)
                if self.publisher.returncode != 0:
                    self.fail("lgx-simulate exited %d; see %s" % (
                        self.publisher.returncode, self.sim_log))
            if published and not actions and not restart_at and \
                    not self.first_start and now >= span + 3:
                break
            time.sleep(0.05)
        if not a.calm:
            self.collect_faults()
            self.faults({"clear": True})
            self.fault_rule_names = {}
        self.say("chaos over; faults cleared")

    def supervise(self, restart_at):
        """Restarts killed consumers when due, and any consumer that
        exited by itself (noted), as a supervisor would."""
        for program, topic in CONSUMERS:
            proc = self.current(program)
            first = getattr(self, "first_start", {}).get(program)
            if first is not None:
                if time.monotonic() >= first:
                    del self.first_start[program]
                    self.start(program, topic, "chaos")
                continue
            due = restart_at.get(program)
            if due is not None:
                if time.monotonic() >= due:
                    del restart_at[program]
                    self.start(program, topic, "chaos")
                    self.restarts += 1
            elif proc["proc"].poll() is not None:
                with open(proc["path"], errors="replace") as f:
                    tail = [l.get("msg") for l in lgxenv.parse_log(f.read())
                            if l.get("level") == "error"][-1:]
                self.unexpected_exits.append(
                    (program, proc["proc"].returncode, tail))
                self.say("%s exited by itself (code %s: %s): restarted",
                         program, proc["proc"].returncode,
                         tail[0] if tail else "?")
                restart_at[program] = time.monotonic() + 1.0

    def metrics(self, proc):
        """name -> summed value of the consumer's /metrics, or None."""
        port = None
        with open(proc["path"], errors="replace") as f:
            for l in lgxenv.parse_log(f.read()):
                if l.get("msg", "").startswith("serving /metrics"):
                    port = int(l["msg"].rsplit(":", 1)[1])
        if port is None:
            return None
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                        timeout=5) as r:
                text = r.read().decode()
        except (OSError, urllib.error.URLError):
            return None
        out = collections.Counter()
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name = line.split("{", 1)[0].split(" ", 1)[0]
                try:
                    out[name] += float(line.rsplit(" ", 1)[1])
                except ValueError:
                    pass
        return out

    def drain(self):
        """The chaos-phase consumers go on until every one has its three
        partitions and nothing pending (their /metrics) and every message in
        Kafka has a final outcome in the logs, twice in a row; then SIGTERM;
        then every consumer again with --exit-at-end, all at once, which
        must find nothing left. (lgx_consumer_lag cannot tell: see the
        finding it makes.) With --drain restart,
        SIGTERM at once (events may still be held) and --exit-at-end does
        the rest."""
        t = time.monotonic()
        if self.args.drain == "metrics":
            in_kafka = self.offsets()
            deadline = t + self.args.drain_timeout
            calm, lag_metric = 0, {}
            while time.monotonic() < deadline and calm < 2:
                self.supervise(self.restart_at)
                ok = not self.restart_at
                for program, _ in CONSUMERS:
                    m = self.metrics(self.current(program))
                    ok = ok and m is not None and \
                        m["lgx_assigned_partitions"] == 3 and \
                        m["lgx_pending_events"] == 0
                    lag_metric[program] = m and m["lgx_consumer_lag"]
                if ok:
                    done = {(l.get("topic"), l.get("partition"),
                             l.get("offset")) for l in self.lines()
                            if l.get("outcome") in FINAL}
                    ok = all((t_, p, o) in done for t_, offs in
                             in_kafka.items() for p, o in offs)
                calm = calm + 1 if ok else 0
                time.sleep(1)
            if calm < 2:
                self.fail("the consumers did not drain (messages without "
                          "an outcome, or pending) within %d s" %
                          self.args.drain_timeout)
            self.report["figures"]["lag_metric_when_drained"] = lag_metric
            self.say("%s after %.1f s; lgx_consumer_lag then: %s",
                     "every message has its outcome, nothing pending"
                     if calm >= 2 else "not drained (see the failure)",
                     time.monotonic() - t, lag_metric)
            if calm >= 2 and any(lag_metric.values()):
                self.finding(
                    "lgx_consumer_lag is not 0 once every message is "
                    "finished and nothing is pending: %s"
                    % lag_metric)
            time.sleep(1)   # a commit interval or three
        self.stop_all()
        t2 = time.monotonic()
        for program, topic in CONSUMERS:
            self.start(program, topic, "drain", exit_at_end=True)
        self.wait_exit("drain", self.args.drain_timeout)
        n = sum(1 for l in self.lines(("drain",)) if "outcome" in l)
        self.report["figures"]["drain_outcomes"] = n
        self.say("--exit-at-end pass: %d outcome(s) in %.1f s", n,
                 time.monotonic() - t2)

    def wait_exit(self, phase, timeout):
        deadline = time.monotonic() + timeout
        for program, _ in CONSUMERS:
            proc = self.current(program)
            try:
                proc["proc"].wait(max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.fail("%s (%s) did not reach the end within %d s; log %s"
                          % (program, phase, timeout, proc["path"]))
                proc["proc"].kill()
                proc["proc"].wait()
            proc["log"].flush()
            if proc["proc"].returncode not in (0, -9):
                self.fail("%s (%s) exited %s; log %s" % (
                    program, phase, proc["proc"].returncode, proc["path"]))

    # ---- state ---------------------------------------------------------
    def search_read(self, model, domain, fields):
        """search_read over the simulator's API (as on a real Odoo)."""
        return self.sim.call(model, "search_read", domain, fields=fields)

    def sim_get(self, path, timeout=600):
        """GET a control endpoint of the simulator (large answers: a long
        timeout, unlike lgxenv.Simulator's 10 s)."""
        with urllib.request.urlopen(self.sim.url + path,
                                    timeout=timeout) as r:
            return json.loads(r.read())

    def dump_all(self, name):
        """Every model of the simulator (ir.attachment too), also saved as
        <work dir>/<name>.json."""
        d = self.sim_get("/__sim/dump")
        d["ir.attachment"] = self.sim_get("/__sim/dump?model=ir.attachment")[
            "ir.attachment"]
        with open(os.path.join(self.dir, name + ".json"), "w") as f:
            json.dump(d, f)
        return d

    def stream(self, state):
        """The events as published, read back from lgx-simulate in dry-run
        mode: the same seed and the same pickings (from the sale orders it
        created) give the same events (checked by event id)."""
        orders = {o["id"]: o for o in state["sale.order"]}
        lines = state["sale.order.line"]
        products = {p["id"]: p["default_code"]
                    for p in state["product.product"]}
        pickings = {p["name"]: p for p in state["stock.picking"]}
        path = os.path.join(self.dir, "pickings.txt")
        self.demand = {}
        with open(path, "w") as f:
            for name in self.exp["pickings"]:
                order = orders[pickings[name]["sale_id"][0]]
                want = collections.OrderedDict()
                for l in sorted(lines, key=lambda l: l["id"]):
                    if l["order_id"][0] == order["id"] and l["product_id"]:
                        want[products[l["product_id"][0]]] = l[
                            "product_uom_qty"]
                self.demand[name] = dict(want)
                f.write(name + " " + " ".join(
                    "%s=%g" % kv for kv in want.items()) + "\n")
        out = os.path.join(self.dir, "stream.jsonl")
        exp2 = os.path.join(self.dir, "expected-dry.json")
        r = subprocess.run(
            [os.path.join(lgxenv.BIN, "lgx-simulate"), "--pickings", path,
             "--orders", str(self.args.orders), "--seed", self.args.seed,
             "--products", ",".join(self.products), "--dry-run", "--output",
             out, "--expected", exp2, *KNOBS],
            capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("lgx-simulate --dry-run: " + r.stderr)
        with open(out) as f:
            stream = [json.loads(l) for l in f if l.strip()]
        ids = [e["event_id"] for e in self.exp["events"]]
        if [s["event"].get("event_id") if not s["poison"] else None
                for s in stream] != [i if not e["poison"] else None
                                     for i, e in zip(ids, self.exp["events"])]:
            raise RuntimeError("the dry run does not give the published "
                               "stream (event ids differ)")
        return stream

    def offsets(self):
        """topic -> {(partition, offset)} of every message in Kafka."""
        out = {}
        for t in TOPICS:
            r = subprocess.run(["kcat", "-b", self.broker.bootstrap, "-C",
                                "-t", t, "-o", "beginning", "-e", "-q",
                                "-f", "%p %o\n"], capture_output=True,
                               text=True, timeout=120)
            out[t] = {tuple(map(int, l.split())) for l in
                      r.stdout.splitlines() if l.strip()}
        return out

    # ---- audit ---------------------------------------------------------
    def audit(self):
        a = self.args
        figs = self.report["figures"]
        exp = self.exp
        state = self.dump_all("state-before-replay")
        stream = self.stream(state)
        self.state_before_replay = state
        pickings = {p["name"]: p for p in state["stock.picking"]}

        # Per message: every outcome it got, in every process.
        lines = self.lines(("chaos", "drain"))
        outcome_lines = [l for l in lines if "outcome" in l]
        per_msg = collections.defaultdict(list)
        for l in outcome_lines:
            per_msg[(l.get("topic"), l.get("partition"), l.get("offset"))
                    ].append(l)
        in_kafka = self.offsets()
        unfinished = []
        for t, offs in in_kafka.items():
            for p, o in sorted(offs):
                if not any(l["outcome"] in FINAL for l in per_msg.get(
                        (t, p, o), [])):
                    unfinished.append((t, p, o))
        counts = collections.Counter(l["outcome"] for l in outcome_lines)
        applied_msgs = {k for k, ls in per_msg.items()
                        if any(l["outcome"] == "applied" for l in ls)}
        applied_twice = [k for k, ls in per_msg.items()
                         if sum(l["outcome"] == "applied" for l in ls) > 1]
        held_msgs = {k for k, ls in per_msg.items()
                     if any(l["outcome"] == "held" for l in ls)}
        reread = [k for k, ls in per_msg.items()
                  if len({(l["_proc"], l["_program"]) for l in ls
                          if l["outcome"] in FINAL}) > 1]
        exp_counts = collections.Counter()
        for t in exp["topics"].values():
            for k in ("applied", "duplicate", "stale", "rejected", "held"):
                exp_counts[k] += t[k]

        # Per event id: applied or not, against the model (the same in
        # every interleaving of the topics).
        got_by_id = collections.defaultdict(list)
        for l in outcome_lines:
            if l.get("event_id") and l["outcome"] in FINAL:
                got_by_id[(l["topic"], l["event_id"])].append(
                    (l["outcome"], l.get("reason") or ""))
        want_by_id = collections.defaultdict(list)
        for e in exp["events"]:
            if e["event_id"] and not (e["poison"]
                                      and e["reason"] in audit.UNREADABLE):
                want_by_id[(e["topic"], e["event_id"])].append(
                    (e["outcome"], e["reason"] or ""))
        changed = collections.Counter()
        for k, want_outs in want_by_id.items():
            got = got_by_id.get(k, [])
            want_applied = ("applied", "") in want_outs
            got_applied = ("applied", "") in got
            if not got:
                changed[(k[0], want_outs[0], ("none", ""))] += 1
            elif want_applied and not got_applied:
                changed[(k[0], ("applied", ""), got[0])] += 1
            elif got_applied and not want_applied:
                changed[(k[0], want_outs[0], ("applied", ""))] += 1

        # Dead letters.
        dlq = {t: audit.read_dead_letters(self.broker, t + ".dlq")
               for t in TOPICS}
        dl = audit.check_dead_letters(exp, dlq)

        # Effects in Odoo.
        want = audit.expected_effects(exp, stream, self.demand)
        self.want = want
        got = audit.actual_effects(state["stock.picking"],
                                   state["mail.message"],
                                   state["ir.attachment"],
                                   state["mail.activity"])
        cmp = audit.compare_effects(want, got)
        checked, picking_problems = audit.check_pickings(
            exp, pickings, [p for p, _ in CONSUMERS])
        _, quantities, qty_problems = audit.check_moves(exp, state)
        stock, stock_problems = audit.check_stock(
            self.stock_before, audit.stock_snapshot(
                self.search_read, self.products), state)
        calls = self.sim_get("/__sim/calls?model=stock.picking"
                             "&method=button_validate")["calls"]
        validated = audit.validations(calls, state["stock.picking"])
        twice = {k: v for k, v in validated.items() if v > 1}

        n_topic = {t: exp["topics"][t]["messages"] for t in TOPICS}
        figs.update({
            "events": self.n_events, "events_per_topic": n_topic,
            "orders": a.orders,
            "poison_messages": len(exp["poison"]),
            "faults_injected": dict(self.fault_fired),
            "faults_injected_total": sum(self.fault_fired.values()),
            "kills": dict(self.kills), "kills_total": sum(
                self.kills.values()),
            "restarts": self.restarts,
            "unexpected_exits": len(self.unexpected_exits),
            "broker_restarts": len(self.broker_restarts),
            "broker_restart_s": [round(x, 1) for x in self.broker_restarts],
            "odoo_outage_s": (round(self.outage[1] - self.outage[0], 1)
                              if self.outage and self.outage[1] else 0),
            "outcome_lines": dict(counts),
            "applied": len(applied_msgs),
            "applied_expected": exp_counts["applied"],
            "applied_twice": len(applied_twice),
            "duplicates": counts["duplicate"],
            "stale": counts["stale"],
            "held": len(held_msgs),
            "held_reasons": dict(collections.Counter(
                l.get("reason") for l in outcome_lines
                if l["outcome"] == "held")),
            "retries": counts["retry"],
            "rejected": counts["rejected"],
            "reread_after_restart": len(reread),
            "dead_lettered": dl["records"],
            "dead_letter_sources": sum(v["distinct"] for v in
                                       dl["per_topic"].values()),
            "dead_letters_expected": sum(v["expected"] for v in
                                         dl["per_topic"].values()),
            "dead_letters_repeated": len(dl["repeated"]),
            "dead_letter_extra_copies": sum(r["copies"] - 1
                                            for r in dl["repeated"]),
            "unfinished_messages": len(unfinished),
            "effects_expected": audit.effect_totals(want),
            "effects_found": audit.effect_totals(got),
            "lost": len(cmp["lost"]) + len(picking_problems),
            "lost_effects": len(cmp["lost"]),
            "picking_field_mismatches": len(picking_problems),
            "doubled": len(cmp["doubled"]),
            "unexpected_effects": len(cmp["unexpected"]),
            "picking_fields_checked": checked,
            "pickings_validated": len(validated),
            "pickings_validated_twice": len(twice),
            "done_quantities_checked": quantities,
            "done_quantity_mismatches": len(qty_problems),
            "stock_moved_out": stock["moved"],
            "stock_mismatches": len(stock_problems),
        })
        self.details = {"unfinished": unfinished, "effects": cmp,
                        "pickings": picking_problems, "dead_letters": dl,
                        "quantities": qty_problems, "stock": stock_problems,
                        "changed_outcomes": changed,
                        "applied_twice": applied_twice}

        # Verdicts.
        if unfinished:
            self.fail("%d message(s) never got a final outcome: %s" % (
                len(unfinished), unfinished[:10]))
        if cmp["lost"]:
            self.fail("%d expected effect(s) missing in Odoo (lost): %s" % (
                len(cmp["lost"]), self.explain(cmp["lost"], outcome_lines)))
        if cmp["doubled"]:
            self.fail("%d effect(s) present more than once (doubled): %s" % (
                len(cmp["doubled"]), cmp["doubled"][:10]))
        if cmp["unexpected"]:
            self.fail("%d effect(s) in Odoo the stream does not explain: %s"
                      % (len(cmp["unexpected"]), cmp["unexpected"][:10]))
        if twice:
            self.fail("%d picking(s) validated more than once: %s" % (
                len(twice), sorted(twice.items())[:10]))
        if picking_problems:
            self.fail("%d picking field(s) not as expected: %s" % (
                len(picking_problems), picking_problems[:10]))
        if qty_problems:
            self.fail("%d done quantit(ies) not what the picks reported: %s"
                      % (len(qty_problems), qty_problems[:10]))
        if stock_problems:
            self.fail("stock changed other than by the run's done moves: %s"
                      % stock_problems[:10])
        if dl["poison_problems"]:
            self.fail("poison messages not dead-lettered exactly once: %d "
                      "problem(s): %s" % (len(dl["poison_problems"]),
                                          dl["poison_problems"][:10]))
        if dl["repeated"]:
            by = collections.Counter((r["reason"], bool(r["poison"]))
                                     for r in dl["repeated"])
            self.fail(
                "dead letters not exactly once: %d source message(s) "
                "dead-lettered more than once (%d extra record(s)); by "
                "reason (reason, poison): %s; what ended the process that "
                "dead-lettered a copy before the last: %s; e.g. %s" % (
                    len(dl["repeated"]), figs["dead_letter_extra_copies"],
                    dict(by), dict(self.dlq_causes(dl["repeated"], per_msg)),
                    dl["repeated"][:3]))
        if dl["missing_rejections"]:
            self.fail("expected rejections missing from the dead letters "
                      "(topic, reason, found, expected): %s" %
                      dl["missing_rejections"])
        if dl["unexpected_reasons"]:
            hist = collections.Counter()
            for t, recs in dlq.items():
                want_r = exp["topics"][t]["rejected_reasons"]
                for r in recs:
                    h = r["headers"]
                    if h.get("lgx.dlq.reason") in want_r:
                        continue
                    ls = per_msg.get((h.get("lgx.dlq.topic"),
                                      int(h.get("lgx.dlq.partition") or -1),
                                      int(h.get("lgx.dlq.offset") or -1)), [])
                    hist[" -> ".join(dict.fromkeys(
                        "%s/%s" % (l["outcome"], l.get("reason") or "-")
                        for l in ls if l["outcome"] in FINAL))] += 1
            self.fail("dead letters with reasons the stream does not "
                      "expect: %s; outcome history of their messages: %s"
                      % (dict(dl["unexpected_reasons"]), dict(hist)))
        if changed:
            self.finding("events whose outcome differs from the model "
                         "(topic, expected, got): %s" % dict(changed))
        if self.unexpected_exits:
            self.finding("consumers that exited by themselves (restarted "
                         "by the harness): %s" % self.unexpected_exits)

    def dlq_causes(self, repeated, per_msg):
        """For the copies of a dead letter before the last: how the process
        that wrote it ended (kill -9, or SIGTERM with the offset not yet
        committed)."""
        causes = collections.Counter()
        for r in repeated:
            t, rest = r["source"].split("[", 1)
            p, o = rest.split("]@")
            ls = [l for l in per_msg.get((t, int(p), int(o)), [])
                  if l["outcome"] == "rejected"]
            for l in ls[:-1]:
                proc = self.procs[l["_program"]][l["_proc"]]
                causes["kill -9" if proc["killed"] else
                       "SIGTERM (stopped, not killed)" if
                       proc["phase"] == "chaos" else proc["phase"]] += 1
        return causes

    def explain(self, lost, outcome_lines, limit=10):
        """The lost effects with what the logs say of the event behind
        each: [(picking, kind, item, event id, [outcome/reason...])]."""
        by_id = collections.defaultdict(list)
        for l in outcome_lines:
            if l.get("event_id"):
                by_id[l["event_id"]].append("%s/%s%s" % (
                    l["outcome"], l.get("reason") or "-",
                    "" if l["_phase"] == "chaos" else "(" + l["_phase"] +
                    ")"))
        out = []
        for name, kind, item in lost[:limit]:
            w = self.want.get(name, {})
            eid = (w.get("backorder_event") if kind == "backorders"
                   else w.get(kind, {}).get(item))
            out.append((name, kind, item, eid, by_id.get(eid)))
        return out

    def replay(self):
        """Every group back to the beginning; the consumers read it all
        again; the simulator's state must not change."""
        # (partition, offset) of every dead letter before the replay: the
        # topics have several partitions, so the new ones are not simply
        # the last ones read.
        dlq_before = {t: {(r["partition"], r["offset"]) for r in
                          audit.read_dead_letters(self.broker, t + ".dlq")}
                      for t in TOPICS}
        self.replay_cmds = []
        for program, topic in CONSUMERS:
            cmd = [os.path.join(lgxenv.BIN, "lgx-replay"), "--brokers",
                   self.broker.bootstrap, "--group", program, "--topic",
                   topic, "--to-earliest"]
            self.replay_cmds.append(cmd)
            for attempt in range(30):
                r = subprocess.run(cmd, capture_output=True, text=True,
                                   timeout=60)
                if r.returncode == 0:
                    break
                time.sleep(1)   # the group may still show its members
            if r.returncode != 0:
                self.fail("lgx-replay %s: %s" % (program, r.stderr))
                return
        t = time.monotonic()
        for program, topic in CONSUMERS:
            self.start(program, topic, "replay", exit_at_end=True)
        self.wait_exit("replay", self.args.drain_timeout)
        took = time.monotonic() - t
        after = self.dump_all("state-after-replay")
        diff = state_diff(self.state_before_replay, after)
        lines = [l for l in self.lines(("replay",)) if "outcome" in l]
        counts = collections.Counter(l["outcome"] for l in lines)
        reasons = collections.Counter((l["outcome"], l.get("reason") or "")
                                      for l in lines)
        dlq_after = {t: audit.read_dead_letters(self.broker, t + ".dlq")
                     for t in TOPICS}
        added = collections.Counter()
        for t, recs in dlq_after.items():
            for r in recs:
                if (r["partition"], r["offset"]) not in dlq_before[t]:
                    added[(t, r["headers"].get("lgx.dlq.reason"))] += 1
        self.report["figures"].update({
            "replay_s": round(took, 1),
            "replay_outcomes": dict(counts),
            "replay_applied": counts["applied"],
            "replay_state_changes": len(diff),
            "replay_dead_letters_added": sum(added.values()),
        })
        self.replay_details = {"diff": diff, "reasons": reasons,
                               "dlq_added": added}
        self.say("replay read %d message(s) in %.1f s: %s; %d change(s) in "
                 "the simulator", len(lines), took, dict(counts), len(diff))
        if diff:
            self.fail("the replay changed the simulator's state: %d "
                      "difference(s), e.g. %s" % (len(diff), diff[:10]))
        if added:
            self.finding("the replay dead-lettered %d message(s) again "
                         "(topic, reason): %s" % (sum(added.values()),
                                                  dict(added)))

    def run(self):
        try:
            self.setup()
            self.create_topics()
            self.publish()
            self.chaos()
            self.drain()
            self.audit()
            if not self.args.no_replay:
                self.replay()
        except BaseException as e:
            self.fail("the run broke off: %s: %s (see the traceback)" % (
                type(e).__name__, e))
            raise
        finally:
            self.kill_leftovers()
            if getattr(self, "publisher", None) and \
                    self.publisher.poll() is None:
                self.publisher.kill()
            self.report["figures"]["runtime_s"] = round(
                time.monotonic() - self.t0, 1)
            self.write_report()
            if self.sim:
                self.sim.stop()
                self.sim.log.close()
            if self.broker:
                self.broker.stop()
            for procs in self.procs.values():
                for proc in procs:
                    proc["log"].close()
        return not self.report["failures"]

    def write_report(self):
        path = os.path.join(self.dir, "report.json")
        rep = dict(self.report)
        ready = self.sim and self.broker and hasattr(self, "rules")
        self.commands = rep["commands"] = {
            "publish": " ".join(getattr(self, "publish_cmd", [])),
            "consumer": " ".join(self.consumer_args(
                "lgx-picks", "lgx.picks")) if ready else None,
            "drain": "(the same) --exit-at-end",
            "replay": [" ".join(c) for c in getattr(self, "replay_cmds",
                                                    [])]}
        with open(path, "w") as f:
            json.dump(rep, f, indent=1, default=str)
        self.report_path = path


def strip(rec):
    return {k: v for k, v in rec.items() if k not in VOLATILE}


def state_diff(before, after):
    """[(model, id, what)] between two full dumps, volatile fields left
    out."""
    diff = []
    for model in sorted(set(before) | set(after)):
        b = {r["id"]: strip(r) for r in before.get(model, [])}
        a = {r["id"]: strip(r) for r in after.get(model, [])}
        for rid in sorted(set(b) | set(a)):
            if rid not in a:
                diff.append((model, rid, "removed"))
            elif rid not in b:
                diff.append((model, rid, "added: %s" % json.dumps(
                    a[rid], default=str)[:300]))
            elif a[rid] != b[rid]:
                fields = sorted(k for k in set(a[rid]) | set(b[rid])
                                if a[rid].get(k) != b[rid].get(k))
                diff.append((model, rid, "changed %s" % ", ".join(
                    "%s: %r -> %r" % (k, b[rid].get(k), a[rid].get(k))
                    for k in fields)[:300]))
    return diff


def print_report(run):
    f = run.report["figures"]
    if not f:
        return
    print()
    print("chaos run: %s orders, seed %r, %s, simulator latency %s" % (
        f.get("orders"), run.args.seed,
        "short" if run.args.short else "full", run.args.latency))

    def row(name, value):
        print("  %-30s %s" % (name, value))
    row("events", "%s %s" % (f.get("events"), f.get("events_per_topic")))
    row("poison messages", f.get("poison_messages"))
    row("faults injected", "%s %s" % (f.get("faults_injected_total"),
                                      f.get("faults_injected")))
    row("Odoo outage (503 on every call)", "%s s" % f.get("odoo_outage_s"))
    row("kills (kill -9)", "%s %s" % (f.get("kills_total"), f.get("kills")))
    row("consumer restarts", f.get("restarts"))
    row("consumers exiting by themselves", f.get("unexpected_exits"))
    row("broker restarts", "%s (%s s)" % (f.get("broker_restarts"),
                                         f.get("broker_restart_s")))
    if "applied" in f:
        row("applied", "%s messages (the stream expects %s events applied; "
            "%s message(s) applied twice)" % (
                f["applied"], f["applied_expected"], f["applied_twice"]))
        row("duplicates", "%s outcome lines" % f["duplicates"])
        row("stale", "%s outcome lines" % f["stale"])
        row("held", "%s messages held at least once; held as %s" % (
            f["held"], f.get("held_reasons")))
        row("retries", "%s outcome lines" % f["retries"])
        row("rejected", "%s outcome lines" % f["rejected"])
        row("read again after a restart", "%s messages" %
            f["reread_after_restart"])
        row("dead-lettered", "%s records for %s source messages (the stream "
            "expects %s); %s extra copies" % (
                f["dead_lettered"], f["dead_letter_sources"],
                f["dead_letters_expected"], f["dead_letter_extra_copies"]))
        row("messages without an outcome", f["unfinished_messages"])
        row("effects expected", f["effects_expected"])
        row("effects found", f["effects_found"])
        row("lost", "%s (%s effects, %s picking fields of %s)" % (
            f["lost"], f["lost_effects"], f["picking_field_mismatches"],
            f["picking_fields_checked"]))
        row("doubled", "%s (and %s picking(s) validated twice, of %s "
            "validated)" % (f["doubled"], f["pickings_validated_twice"],
                            f["pickings_validated"]))
        row("unexpected effects", f["unexpected_effects"])
        row("done quantities", "%s checked, %s not what the pick reported"
            % (f["done_quantities_checked"], f["done_quantity_mismatches"]))
        row("stock", "%s units out; %s change(s) the done moves do not "
            "account for" % (f["stock_moved_out"], f["stock_mismatches"]))
    if "drain_outcomes" in f:
        row("outcomes after the drain", "%s (the --exit-at-end pass)" %
            f["drain_outcomes"])
    if "replay_s" in f:
        row("replay", "%s s, outcomes %s, %s change(s) in Odoo, %s dead "
            "letter(s) added" % (f["replay_s"], f["replay_outcomes"],
                                 f["replay_state_changes"],
                                 f["replay_dead_letters_added"]))
    row("start", "start seed %s: %s" % (
        f.get("start_seed"), lgxenv.describe_plan(f.get("start_plan") or [])))
    row("runtime", "%s s" % f.get("runtime_s"))
    cmds = getattr(run, "commands", {})
    for name in ("publish", "consumer", "drain", "replay"):
        for c in ([cmds[name]] if isinstance(cmds.get(name), str)
                  else cmds.get(name) or []):
            print("  $ " + c)
    for x in run.report["findings"]:
        print("  finding: " + x)
    for x in run.report["failures"]:
        print("  FAILED: " + x)
    print("  %s; report %s" % ("all checks passed" if not
                               run.report["failures"] else
                               "%d check(s) failed" %
                               len(run.report["failures"]),
                               getattr(run, "report_path", "")))


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--short", action="store_true",
                    help="the make test version: ~1300 events, < 3 min")
    ap.add_argument("--orders", type=int, help="orders to simulate "
                    "(~10.6 events each); default 120 short, 1900 full")
    ap.add_argument("--seed", default="chaos-1", help="lgx-simulate seed; "
                    "also seeds the kills and the faults")
    ap.add_argument("--rate", type=int, help="events published per second "
                    "(default 30 short, 40 full)")
    ap.add_argument("--kills", type=int, help="kill -9 count (default 8 "
                    "short, 30 full)")
    ap.add_argument("--fault-pct", type=float, default=5.0,
                    help="percentage of Odoo calls failing (default 5)")
    ap.add_argument("--outage-s", type=int, default=20,
                    help="length of the Odoo outage (default 20)")
    ap.add_argument("--odoo-timeout-ms", type=int,
                    help="the consumers' --odoo-timeout-ms (default 500 "
                    "short, 3000 full)")
    ap.add_argument("--concurrency", type=int,
                    help="the consumers' --concurrency (default 4 short, "
                    "2 full)")
    ap.add_argument("--hold-ms", type=int, help="hold_ms in the rules copy "
                    "(default 90000 short, 3600000 full, as in config/rules.json)")
    ap.add_argument("--hold-recheck-ms", type=int, default=200,
                    help="the consumers' --hold-recheck-ms (default 200)")
    ap.add_argument("--drain", choices=("metrics", "restart"),
                    default="metrics", help="after the chaos: wait for zero "
                    "lags, then restart with --exit-at-end (metrics, the "
                    "default), or restart at once (restart)")
    ap.add_argument("--calm", action="store_true",
                    help="no kills, no restart, no outage, no faults (a "
                    "baseline)")
    ap.add_argument("--latency", choices=("real", "none"),
                    help="the simulator's latency profile (default real "
                    "short, none full)")
    ap.add_argument("--start-seed", help="seed of the consumers' start "
                    "order and delays (default: $LGX_START_SEED, else a "
                    "new one; printed)")
    ap.add_argument("--no-replay", action="store_true")
    ap.add_argument("--workdir", help="where logs and the report go")
    args = ap.parse_args(argv)
    prof = PROFILES["short" if args.short else "full"]
    args.orders = args.orders or prof["orders"]
    args.rate = args.rate or prof["rate"]
    args.kills = prof["kills"] if args.kills is None else args.kills
    args.hold_ms = args.hold_ms or prof["hold_ms"]
    args.drain_timeout = prof["drain_timeout"]
    args.odoo_timeout_ms = args.odoo_timeout_ms or prof["odoo_timeout_ms"]
    args.concurrency = args.concurrency or prof["concurrency"]
    args.fault_seed = sum(args.seed.encode()) % 100000
    args.latency = args.latency or prof["latency"]
    args.start_seed = lgxenv.start_seed(args.start_seed)
    return args


def main(argv=None):
    args = parse_args(argv)
    run = Run(args)
    ok = False
    try:
        ok = run.run()
    finally:
        print_report(run)
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-sim"]:
        sys.exit(serve_sim(sys.argv[2:]))
    sys.exit(main())
