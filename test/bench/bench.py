#!/usr/bin/env python3
"""make bench: what one lgx consumer process does on this machine.

Starts its own Kafka broker and Odoo simulator (test/integration/lgxenv.py), measures,
stops them, prints a table and writes build/bench.json (details and raw
files in build/bench/). BENCHMARKS.md explains the figures.

  1. throughput: lgx-picks --odoo-null --exit-at-end on EVENTS pick events,
     events/s from the first to the last finished event, at --log-level
     info (an outcome line per event) and warn; with lgx's own Kafka
     settings and with a larger prefetch (--kafka.*); and instructions per
     event under callgrind (a run on CALLGRIND_EVENTS minus a 0-event run).
  2. kcat's raw consume rate of the same topic, and lgx's ratio to it.
  3. a baseline consumer as integrators write one (Python, confluent-kafka,
     urllib: one search_read and one write per event) and lgx-picks on the
     same BASELINE_EVENTS events against the simulator with Odoo 19's
     latencies (ODOO-FACTS.md, "Speed").
  4. Odoo calls per event for each event type, from the simulator's call
     log, for small known streams.
  5. resident memory (VmHWM) with a BACKLOG-event backlog, and the time
     from start to /readyz 200.

Sizes and choices, by environment variable (defaults in brackets):
  LGX_BENCH_EVENTS [200000]          events for throughput and kcat
  LGX_BENCH_REPEAT [3]               runs per throughput figure (median)
  LGX_BENCH_CALLGRIND_EVENTS [20000] events under callgrind (0: skip)
  LGX_BENCH_BASELINE_EVENTS [300]    events for the baseline comparison
  LGX_BENCH_BACKLOG [1000000]        backlog for memory and readiness
  LGX_BENCH_ONLY                     comma list of parts to run: throughput,
                                     callgrind, kcat, baseline, calls, memory
  LGX_BENCH_JSON [build/bench.json]  where the results go
  LGX_BENCH_BIN [build/bin]          the programs measured
"""
import datetime
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import lgxenv  # noqa: E402

TOP = lgxenv.TOP
# LGX_BENCH_BIN: programs from another build folder (lgxenv's helpers too).
BIN = lgxenv.BIN = os.environ.get("LGX_BENCH_BIN") or lgxenv.BIN
OUT = os.path.join(TOP, "build", "bench")
JSON_OUT = os.environ.get("LGX_BENCH_JSON") or os.path.join(TOP, "build",
                                                           "bench.json")
VENV = os.path.join(TOP, ".cache", "bench-venv")


def env_int(name, default):
    v = os.environ.get(name, "")
    return int(v) if v.strip() else default


EVENTS = env_int("LGX_BENCH_EVENTS", 200000)
REPEAT = max(1, env_int("LGX_BENCH_REPEAT", 3))
CG_EVENTS = env_int("LGX_BENCH_CALLGRIND_EVENTS", 20000)
BASE_EVENTS = env_int("LGX_BENCH_BASELINE_EVENTS", 300)
BACKLOG = env_int("LGX_BENCH_BACKLOG", 1000000)
ONLY = {p.strip() for p in os.environ.get("LGX_BENCH_ONLY", "").split(",")
        if p.strip()}

# lgx's consumer asks librdkafka for a small prefetch (queued.min.messages
# 10000, queued.max.messages.kbytes 16384, common/lgx_consumer.c). The
# "prefetch" configuration lifts the message bound and keeps a byte bound:
CONFIGS = {
    "default": [],
    "prefetch": ["--kafka.queued.min.messages=1000000",
                 "--kafka.queued.max.messages.kbytes=4096"],
}

# Odoo 19 on 2 cores, one call at a time (shared/ODOO-FACTS.md, "Speed"):
# search_read 11 ms, write 14 ms, message_post 25 ms; other calls are
# taken as a write.
LATENCY = [
    {"api": "*", "model": "*", "method": "search_read", "kind": "latency",
     "delay_ms": 11},
    {"api": "*", "model": "*", "method": "message_post", "kind": "latency",
     "delay_ms": 25},
    {"api": "*", "model": "*", "method": "*", "kind": "latency",
     "delay_ms": 14},
]

STARTED = time.monotonic()


def say(msg):
    print("[bench %6.1fs] %s" % (time.monotonic() - STARTED, msg),
          file=sys.stderr, flush=True)


LOADAVG = []


def wanted(part):
    """Whether to run part; notes the load average (other work on the
    machine skews the figures) when it runs."""
    ok = not ONLY or part in ONLY
    if ok:
        try:
            with open("/proc/loadavg") as f:
                LOADAVG.append((part, " ".join(f.read().split()[:3])))
        except OSError:
            pass
    return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def ts_epoch(ts):
    """Epoch seconds of a log line's "ts" (2026-11-27T17:59:53.700Z)."""
    d = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp()


def median(xs):
    return statistics.median(xs) if xs else None


def rnd(x, n=1):
    return None if x is None else round(x, n)


# ---------------------------------------------------------------------------
# Running an lgx consumer


RSS_RUN = os.path.join(OUT, "rss_run")


class Run:
    """One lgx consumer process, started through rss_run (which reports its
    true peak RSS and CPU time: see rss_run.c): its log in a file and,
    while it runs, VmRSS/VmHWM samples."""

    def __init__(self, program, args, log_path, sample=False):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.stat_path = log_path + ".rusage"
        self.t0 = time.time()
        self.proc = subprocess.Popen(
            [RSS_RUN, self.stat_path, os.path.join(BIN, program), *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = None
        deadline = time.time() + 10
        while self.pid is None and time.time() < deadline:
            try:
                with open(self.stat_path) as f:
                    first = f.readline().split()
                if first and first[0] == "pid":
                    self.pid = int(first[1])
                    break
            except (OSError, ValueError, IndexError):
                pass
            time.sleep(0.001)
        self.stat = {}
        self.rc = None
        self.wall = None
        self.samples = []
        self._sampler = None
        if sample:
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()

    def _sample(self):
        path = "/proc/%d/status" % self.pid
        while self.rc is None:
            try:
                with open(path) as f:
                    text = f.read()
            except OSError:
                break
            m = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M))
            if m:
                self.samples.append((time.time() - self.t0,
                                     int(m.get("VmRSS", 0)),
                                     int(m.get("VmHWM", 0))))
            time.sleep(0.1)

    def wait(self, timeout):
        try:
            self.rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            if self.pid:
                os.kill(self.pid, 9)
            self.rc = self.proc.wait()
        self.wall = time.time() - self.t0
        self.log.close()
        if self._sampler:
            self._sampler.join(2)
        with open(self.stat_path) as f:
            for line in f:
                k, v = line.split()
                self.stat[k] = float(v)
        os.unlink(self.stat_path)
        return self.rc

    def running(self):
        return self.proc.poll() is None

    @property
    def cpu(self):
        return self.stat.get("utime", 0) + self.stat.get("stime", 0)

    @property
    def maxrss_kb(self):
        return int(self.stat.get("maxrss_kb", 0))

    def lines(self):
        with open(self.log_path) as f:
            for line in f:
                yield line

    def summary(self):
        for line in self.lines():
            if '"msg":"summary"' in line:
                return json.loads(line)
        return None

    def first_ts(self, needle):
        for line in self.lines():
            if needle in line:
                return ts_epoch(json.loads(line)["ts"])
        return None

    def outcome_span(self):
        """(count, first ts, last ts) of the outcome lines."""
        n, first, last = 0, None, None
        for line in self.lines():
            if '"outcome":"' not in line:
                continue
            n += 1
            ts = line[7:31]  # {"ts":"2026-11-27T17:59:53.700Z"
            if first is None:
                first = ts
            last = ts
        if not n:
            return 0, None, None
        return n, ts_epoch(first), ts_epoch(last)


def picks_args(broker, topic, group, level, extra=()):
    return ["--brokers", broker.bootstrap, "--topic", topic, "--group", group,
            "--exit-at-end", "--log-level", level, *extra]


def rate_of(n, t_first, t_last):
    if not n or t_first is None or t_last is None or t_last <= t_first:
        return None
    return (n - 1) / (t_last - t_first)


def metrics_count(port):
    """Sum of lgx_events_total, or None when the endpoint does not answer."""
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port,
                                    timeout=2) as r:
            text = r.read().decode()
    except (OSError, urllib.error.URLError):
        return None
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
               if l.startswith("lgx_events_total{"))


# ---------------------------------------------------------------------------
# Producing


def build_tools():
    """Builds produce_fast and rss_run into build/bench; returns the
    producer."""
    os.makedirs(OUT, exist_ok=True)
    exe = os.path.join(OUT, "produce_fast")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "rdkafka"],
                           check=True, capture_output=True,
                           text=True).stdout.split()
    subprocess.run(["cc", "-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-o",
                    exe, os.path.join(HERE, "produce_fast.c"), *flags],
                   check=True)
    subprocess.run(["cc", "-O2", "-std=c11", "-Wall", "-o", RSS_RUN,
                    os.path.join(HERE, "rss_run.c")], check=True)
    return exe


def produce_fast(exe, broker, topic, count, first=0, products=100):
    t0 = time.monotonic()
    subprocess.run([exe, broker.bootstrap, topic, str(count), str(first), "1",
                    str(products)], check=True, capture_output=True,
                   timeout=900)
    return time.monotonic() - t0


# ---------------------------------------------------------------------------
# 1. Throughput with the null sink


def throughput_run(broker, topic, config, level, tmp):
    group = "bench-%s-%s-%d" % (config, level, time.monotonic_ns())
    extra = ["--odoo-null", *CONFIGS[config]]
    port = None
    if level == "info":
        extra += ["--http-port", "-1"]
    else:
        port = free_port()
        extra += ["--http-port", str(port), "--http-address", "127.0.0.1"]
    log = os.path.join(tmp, "%s.log" % group)
    run = Run("lgx-picks", picks_args(broker, topic, group, level, extra),
              log)
    samples = []
    if port:
        # The counter of finished events, every 20 ms, until the exit.
        while run.running():
            c = metrics_count(port)
            if c is not None:
                samples.append((time.time(), c))
                if c >= EVENTS:
                    break
            time.sleep(0.02)
    rc = run.wait(900)
    res = {"rc": rc, "wall_s": rnd(run.wall, 3), "cpu_s": rnd(run.cpu, 3),
           "maxrss_kb": run.maxrss_kb}
    if level == "info":
        n, first, last = run.outcome_span()
        s = run.summary() or {}
        res.update(events=n, applied=s.get("applied"),
                   span_s=rnd(last - first if n else None, 3),
                   rate=rnd(rate_of(n, first, last)))
    else:
        live = [(t, c) for t, c in samples if c > 0]
        end = next(((t, c) for t, c in live if c >= EVENTS), None)
        if not end and live and live[-1][1] >= EVENTS / 2:
            # It exited between two reads: the rate up to the last read.
            end = live[-1]
        if live and end and end[0] > live[0][0]:
            res.update(events=int(end[1]), span_s=rnd(end[0] - live[0][0], 3),
                       rate=rnd((end[1] - live[0][1]) / (end[0] - live[0][0])))
        else:
            res.update(events=int(live[-1][1]) if live else 0, rate=None)
    res["cpu_us_per_event"] = rnd(run.cpu / EVENTS * 1e6, 2)
    os.unlink(log)
    return res


def part_throughput(broker, exe, tmp, results):
    topic = "bench.picks"
    say("producing %d pick events to %s" % (EVENTS, topic))
    secs = produce_fast(exe, broker, topic, EVENTS)
    results["produce"] = {"events": EVENTS, "seconds": rnd(secs, 2),
                          "rate": rnd(EVENTS / secs)}
    out = {}
    for config in CONFIGS:
        for level in ("info", "warn"):
            runs = []
            for i in range(REPEAT):
                r = throughput_run(broker, topic, config, level, tmp)
                say("lgx-picks --odoo-null %s, log %s, run %d: %s events/s "
                    "(%s s wall, %s s CPU, %d kB peak)"
                    % (config, level, i + 1, r.get("rate"), r["wall_s"],
                       r["cpu_s"], r["maxrss_kb"]))
                runs.append(r)
            rates = [r["rate"] for r in runs if r.get("rate")]
            out["%s/%s" % (config, level)] = {
                "config": CONFIGS[config], "log_level": level,
                "rate_median": rnd(median(rates)),
                "rate_min": rnd(min(rates)) if rates else None,
                "rate_max": rnd(max(rates)) if rates else None,
                "cpu_us_per_event_median": rnd(median(
                    [r["cpu_us_per_event"] for r in runs]), 2),
                "runs": runs}
    results["throughput"] = out
    return topic


def callgrind_total(path):
    with open(path) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    return None


def part_callgrind(broker, exe, tmp, results):
    if not CG_EVENTS:
        return
    topic = "bench.callgrind"
    produce_fast(exe, broker, topic, CG_EVENTS)
    out = {"events": CG_EVENTS}
    for level in ("warn", "info"):
        group = "bench-cg-%s" % level
        totals = {}
        for label in ("events", "empty"):
            cg = os.path.join(OUT, "callgrind.%s.%s.out" % (level, label))
            log = os.path.join(tmp, "cg-%s-%s.log" % (level, label))
            say("callgrind: lgx-picks --odoo-null, log %s, %s run"
                % (level, label))
            with open(log, "w") as lf:
                p = subprocess.run(
                    ["valgrind", "--tool=callgrind", "--callgrind-out-file="
                     + cg, os.path.join(BIN, "lgx-picks"),
                     *picks_args(broker, topic, group, level,
                                 ["--odoo-null", "--http-port", "-1"])],
                    stdout=lf, stderr=subprocess.STDOUT, timeout=1200)
            if p.returncode != 0:
                raise RuntimeError("lgx-picks under callgrind failed; see "
                                   + log)
            totals[label] = callgrind_total(cg)
            if level == "info" and label == "events":
                with open(log) as f:
                    n = sum(1 for l in f if '"outcome":"applied"' in l)
                out["info_applied"] = n
        per = (totals["events"] - totals["empty"]) / CG_EVENTS
        for kind in ("self", "inclusive"):
            top = subprocess.run(
                ["callgrind_annotate", "--inclusive=%s"
                 % ("yes" if kind == "inclusive" else "no"),
                 os.path.join(OUT, "callgrind.%s.events.out" % level)],
                capture_output=True, text=True).stdout
            with open(os.path.join(OUT, "callgrind-%s-%s.txt"
                                   % (kind, level)), "w") as f:
                f.write(top)
        out[level] = {"instructions_events_run": totals["events"],
                      "instructions_empty_run": totals["empty"],
                      "instructions_per_event": round(per)}
        say("callgrind, log %s: %d instructions per event" % (level, per))
    results["callgrind"] = out


# ---------------------------------------------------------------------------
# 2. kcat


def part_kcat(broker, topic, results):
    # -c N (exit after N messages) rather than -e: -e waits for an empty
    # fetch of every partition (up to fetch.wait.max.ms) after the last one.
    cmd = ["kcat", "-b", broker.bootstrap, "-C", "-t", topic, "-o",
           "beginning", "-q", "-f", ""]
    lgx_queue = ["-X", "queued.min.messages=10000",
                 "-X", "queued.max.messages.kbytes=16384"]

    def timed(extra):
        t0 = time.monotonic()
        subprocess.run(cmd + extra, check=True, timeout=600)
        return time.monotonic() - t0

    all_ = ["-c", str(EVENTS)]
    full = [timed(all_) for _ in range(REPEAT)]
    one = [timed(["-c", "1"]) for _ in range(REPEAT)]
    throttled = [timed(all_ + lgx_queue) for _ in range(REPEAT)]
    to_eof = [timed(["-e"]) for _ in range(REPEAT)]
    t_full, t_one = median(full), median(one)
    results["kcat"] = {
        "command": " ".join(cmd[:2] + ["BROKER"] + cmd[3:] + all_),
        "events": EVENTS, "seconds_median": rnd(t_full, 3),
        "seconds_first_message_median": rnd(t_one, 3),
        "rate_raw": rnd(EVENTS / t_full),
        "rate_after_first": rnd((EVENTS - 1) / (t_full - t_one)),
        "with_e": {"command": " ".join(cmd[:2] + ["BROKER"] + cmd[3:]
                                       + ["-e"]),
                   "seconds_median": rnd(median(to_eof), 3),
                   "rate_raw": rnd(EVENTS / median(to_eof))},
        "with_lgx_queue_settings": {
            "extra": " ".join(lgx_queue),
            "seconds_median": rnd(median(throttled), 3),
            "rate_raw": rnd(EVENTS / median(throttled))},
        "runs": {"full": [rnd(x, 3) for x in full],
                 "first": [rnd(x, 3) for x in one],
                 "lgx_queue": [rnd(x, 3) for x in throttled],
                 "to_eof": [rnd(x, 3) for x in to_eof]}}
    say("kcat: %.3f s for %d events (%.0f/s raw, %.0f/s after the first); "
        "with lgx's queue settings %.3f s"
        % (t_full, EVENTS, EVENTS / t_full, (EVENTS - 1) / (t_full - t_one),
           median(throttled)))


# ---------------------------------------------------------------------------
# 3. Baseline


class Simulator(lgxenv.Simulator):
    """lgxenv's simulator, started through odoo_sim_nodelay.py (TCP_NODELAY
    on its connections; see there)."""

    def __init__(self, version=19, seed="demo"):
        super().__init__(version=version, seed=seed,
                         server=["python3",
                                 os.path.join(HERE, "odoo_sim_nodelay.py")])


def keepalive_probe(url, calls=20):
    """Milliseconds per call (res.users.context_get, JSON-2) on one
    kept-alive connection and with a connection per call."""
    headers = {"Authorization": "bearer " + lgxenv.API_KEY,
               "X-Odoo-Database": "lgx", "Content-Type": "application/json"}
    path = "/json/2/res.users/context_get"
    host, port = url.rsplit("/", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("POST", path, "{}", headers)
    conn.getresponse().read()
    t0 = time.monotonic()
    for _ in range(calls):
        conn.request("POST", path, "{}", headers)
        conn.getresponse().read()
    kept = (time.monotonic() - t0) / calls * 1000
    conn.close()
    t0 = time.monotonic()
    for _ in range(calls):
        req = urllib.request.Request(url + path, data=b"{}", headers=headers)
        with urllib.request.urlopen(req, timeout=10) as r:
            r.read()
    fresh = (time.monotonic() - t0) / calls * 1000
    return {"keepalive_ms_per_call": rnd(kept, 2),
            "new_connection_ms_per_call": rnd(fresh, 2)}


def part_sim_probe(results):
    """The simulator as shipped and as the bench runs it, without injected
    latency: the cost of a call on a kept-alive connection."""
    out = {}
    for label, cls in (("shipped", lgxenv.Simulator),
                       ("nodelay", Simulator)):
        sim = cls(version=19)
        try:
            out[label] = keepalive_probe(sim.url)
        finally:
            sim.stop()
            shutil.rmtree(sim.dir, ignore_errors=True)
    say("simulator, ms per call kept-alive / new connection: shipped %s / "
        "%s, with TCP_NODELAY %s / %s" % (
            out["shipped"]["keepalive_ms_per_call"],
            out["shipped"]["new_connection_ms_per_call"],
            out["nodelay"]["keepalive_ms_per_call"],
            out["nodelay"]["new_connection_ms_per_call"]))
    results["simulator_http"] = out


def baseline_python():
    """The venv's python with the baseline's clients, installing them the
    first time; (python, client, note) or (None, None, why)."""
    py = os.path.join(VENV, "bin", "python")
    probe = ("import importlib.util as u; "
             "print('confluent-kafka' if u.find_spec('confluent_kafka') "
             "else 'kafka-python' if u.find_spec('kafka') else '')")

    def client():
        if not os.path.exists(py):
            return ""
        return subprocess.run([py, "-c", probe], capture_output=True,
                              text=True).stdout.strip()

    note = ""
    if not client():
        try:
            if not os.path.exists(py):
                subprocess.run([sys.executable, "-m", "venv", VENV],
                               check=True, capture_output=True, timeout=300)
            r = subprocess.run([py, "-m", "pip", "install", "-q", "-r",
                                os.path.join(HERE, "requirements.txt")],
                               capture_output=True, text=True, timeout=600)
            if r.returncode != 0:
                note = ("confluent-kafka could not be installed (%s); "
                        "kafka-python instead"
                        % r.stderr.strip().splitlines()[-1:])
                subprocess.run([py, "-m", "pip", "install", "-q",
                                "kafka-python"], capture_output=True,
                               timeout=600)
        except (OSError, subprocess.SubprocessError) as e:
            return None, None, "no Python venv for the baseline: %s" % e
    c = client()
    if not c:
        return None, None, "neither confluent-kafka nor kafka-python " \
                           "could be installed into " + VENV + note
    versions = subprocess.run(
        [py, "-m", "pip", "freeze"], capture_output=True,
        text=True).stdout.split()
    return py, c, "; ".join(filter(None, [note, " ".join(versions)]))


def seed_bench(sim, n, products):
    """Products BENCH-0000.. and assigned pickings BENCH/OUT/0000000.. with
    one move of 1 unit each, as produce_fast's events expect."""
    pids = sim.seed("product.product", [
        {"name": "Bench product %d" % k, "default_code": "BENCH-%04d" % k,
         "is_storable": True, "qty_available": 1e6}
        for k in range(products)])
    for start in range(0, n, 500):
        sim.seed("stock.picking", [{
            "name": "BENCH/OUT/%07d" % i, "state": "assigned",
            "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pids[i % products],
                          "product_uom_qty": 1.0, "quantity": 1.0,
                          "state": "assigned"}]}
            for i in range(start, min(n, start + 500))])


def set_latency(sim):
    sim._req("/__sim/faults", [{"clear": True}] + LATENCY)


def event_calls(sim, since):
    """The calls made from since (epoch s) on, without the readiness probe
    (res.users.context_get): {model.method: n}, total."""
    counts = {}
    for c in sim.calls()["calls"]:
        if c["time"] < since or c.get("method") == "context_get":
            continue
        key = "%s.%s" % (c.get("model") or c.get("service"), c.get("method"))
        counts[key] = counts.get(key, 0) + 1
    return counts, sum(counts.values())


def part_baseline(broker, exe, sim, tmp, results):
    n = BASE_EVENTS
    products = 9
    topic = "bench.baseline"
    py, client, note = baseline_python()
    produce_fast(exe, broker, topic, n, products=products)
    out = {"events": n, "latency_rules": LATENCY}
    if py:
        sim.reset()
        seed_bench(sim, n, products)
        set_latency(sim)
        sim._req("/__sim/calls/reset", {})
        say("baseline (Python, %s): %d events against the simulator with "
            "Odoo 19 latencies" % (client, n))
        p = subprocess.run(
            [py, os.path.join(HERE, "baseline_consumer.py"),
             "--brokers", broker.bootstrap, "--topic", topic,
             "--group", "bench-baseline-%d" % time.monotonic_ns(),
             "--odoo-url", sim.url, "--odoo-db", "lgx",
             "--api-key-file", sim.key_file, "--count", str(n),
             "--schema", os.path.join(TOP, "avro-schemas", "picks",
                                      "PickConfirmed.v2.avsc")],
            capture_output=True, text=True, timeout=1800)
        if p.returncode != 0:
            raise RuntimeError("baseline failed: " + p.stderr[-2000:])
        b = json.loads(p.stdout.strip().splitlines()[-1])
        counts, total = event_calls(sim, 0)
        done = sum(1 for pk in sim.dump("stock.move")
                   if pk.get("picked") and pk.get("quantity") == 1.0
                   and "BENCH" in str(pk.get("product_id")))
        out["baseline"] = {
            "client": client, "packages": note, "events": b["events"],
            "errors": b["errors"], "moves_picked_in_odoo": done,
            "span_s": rnd(b["last_done"] - b["first_done"], 3),
            "rate": rnd(rate_of(b["events"], b["first_done"],
                                b["last_done"]), 2),
            "calls": total, "calls_per_event": rnd(total / b["events"], 2),
            "calls_by_method": counts}
        say("baseline: %s events/s, %s calls/event"
            % (out["baseline"]["rate"], out["baseline"]["calls_per_event"]))
    else:
        out["baseline"] = {"skipped": note}
        say("baseline skipped: " + note)
    # lgx-picks, same events, same simulator state and latencies.
    sim.reset()
    seed_bench(sim, n, products)
    set_latency(sim)
    sim._req("/__sim/calls/reset", {})
    say("lgx-picks: the same %d events against the same simulator" % n)
    group = "bench-lgx-base-%d" % time.monotonic_ns()
    log = os.path.join(OUT, "baseline-lgx-picks.log")
    run = Run("lgx-picks", picks_args(
        broker, topic, group, "info",
        [*sim.odoo_args(), "--http-port", "0", "--http-address", "127.0.0.1"]),
        log)
    ready = {}
    th = threading.Thread(target=readiness, args=(run, run.t0, ready),
                          daemon=True)
    th.start()
    run.wait(1800)
    th.join(5)
    k, first, last = run.outcome_span()
    s = run.summary() or {}
    since = run.first_ts('"msg":"consuming ')
    counts, total = event_calls(sim, since)
    pickings = sim.dump("stock.picking")
    validated = sum(1 for pk in pickings
                    if pk["name"].startswith("BENCH/OUT/")
                    and pk["state"] == "done")
    out["lgx"] = {"rc": run.rc, "events": k, "applied": s.get("applied"),
                  "pickings_validated_in_odoo": validated,
                  "span_s": rnd(last - first if k else None, 3),
                  "rate": rnd(rate_of(k, first, last), 2),
                  "calls": total,
                  "calls_per_event": rnd(total / k, 2) if k else None,
                  "calls_by_method": counts,
                  "ready_s": ready.get("ready_s")}
    say("lgx-picks: %s events/s, %s calls/event, ready in %s s"
        % (out["lgx"]["rate"], out["lgx"]["calls_per_event"],
           ready.get("ready_s")))
    if out["baseline"].get("rate") and out["lgx"]["rate"]:
        out["ratio"] = rnd(out["lgx"]["rate"] / out["baseline"]["rate"], 2)
    sim._req("/__sim/faults", [{"clear": True}])
    results["baseline"] = out


# ---------------------------------------------------------------------------
# 4. Calls per event type


iso = lgxenv.iso


def envelope(eid, source, minutes_ago, version=2):
    return {"event_id": "%s-%d" % (eid, time.monotonic_ns()),
            "correlation_id": "order-" + eid, "source_system": source,
            "occurred_at": iso(minutes_ago), "schema_version": version}


def pick(name, qty, complete):
    return dict(envelope("pick-" + name, "wms-north", 5),
                picking_name=name, warehouse="WH",
                lines=[{"product_code": "SKU-1001", "quantity": qty,
                        "lot": None}], is_complete=complete)


def ship(sid, kind, body, minutes_ago):
    return dict(envelope("%s-%s" % (sid, kind), "tms-shipit", minutes_ago),
                shipment_id=sid, platform_ref=None, payload={kind: body})


def milestone(ref, code, minutes_ago, reason=None):
    return dict(envelope("ms-%s-%s" % (ref, code), "carrier-hub",
                         minutes_ago),
                tracking_ref=ref, carrier="dhl", code=code,
                location="Leipzig hub", eta=iso(-24 * 60),
                exception_reason=reason, carrier_status_code=None)


SVG = "<svg xmlns='http://www.w3.org/2000/svg'><path d='M10 45 L30 15'/></svg>"


def pod(name, issues):
    lines = [{"product_code": "SKU-1001", "expected_qty": 2,
              "delivered_qty": 1 if issues else 2,
              "issue": "SHORTAGE" if issues else "NONE"}]
    return dict(envelope("pod-" + name, "driver-app", 20),
                picking_name=name, tracking_ref=None,
                delivered_at=iso(21), receiver_name="A. Janssen",
                gps="52.0907,5.1214",
                signature={"mimetype": "image/svg+xml", "data": SVG},
                lines=lines)


def seed_pickings(sim, prefix, n, **fields):
    pid = next(p["id"] for p in sim.dump("product.product")
               if p["default_code"] == "SKU-1001")
    qty = fields.pop("qty", 5)
    recs = []
    state = fields.get("state", "assigned")
    for i in range(1, n + 1):
        r = {"name": "%s%03d" % (prefix, i), "picking_type_code": "outgoing",
             "state": state,
             "move_ids": [{"product_id": pid, "product_uom_qty": qty,
                           "quantity": qty, "state": state}]}
        r.update({k: (v % i if isinstance(v, str) and "%" in v else v)
                  for k, v in fields.items()})
        recs.append(r)
    sim.seed("stock.picking", recs)
    return [r["name"] for r in recs]


MS_PARCELS = 160     # parcels with ordinary milestones (calls part)
MS_EXCEPTIONS = 32   # parcels with an exception and an attempt


def calls_phase(broker, sim, program, topic, schema, key, events, label,
                tmp):
    r = lgxenv.produce(broker, topic, events, schema=schema, key_field=key)
    if r.returncode != 0:
        raise RuntimeError("lgx-produce: " + r.stderr[-2000:])
    sim._req("/__sim/calls/reset", {})
    log = os.path.join(tmp, "calls-%s-%s.log" % (program, label))
    run = Run(program, [
        "--brokers", broker.bootstrap, "--topic", topic,
        "--group", "bench-calls-" + topic, "--exit-at-end",
        "--http-port", "-1", "--odoo-probe-ms", "3600000",
        "--hold-recheck-ms", "200", *sim.odoo_args()], log)
    run.wait(300)
    s = run.summary() or {}
    since = run.first_ts('"msg":"consuming ')
    counts, total = event_calls(sim, since) if since else ({}, 0)
    res = {"events": len(events),
           "outcomes": {k: v for k, v in s.items()
                        if k in ("applied", "duplicate", "stale", "rejected",
                                 "held", "retry", "fatal") and v},
           "calls": total,
           "calls_per_event": rnd(total / len(events), 2),
           "calls_by_method": counts}
    say("calls per event, %s %s: %s (%s)" % (program, label,
                                             res["calls_per_event"],
                                             res["outcomes"]))
    return res


def part_calls(broker, sim, tmp, results):
    sim.reset()
    out = {}
    progs = set(os.listdir(BIN))
    # Picks: complete (validated, no backorder), short (validated with a
    # backorder), partial (not complete: quantities only).
    t = "bench.calls.picks"
    names = seed_pickings(sim, "WH/OUT/BP", 30)
    ph = {}
    ph["complete"] = calls_phase(
        broker, sim, "lgx-picks", t, "lgx.picks.PickConfirmed",
        "picking_name", [pick(n, 5, True) for n in names[:10]], "complete",
        tmp)
    ph["short"] = calls_phase(
        broker, sim, "lgx-picks", t, "lgx.picks.PickConfirmed",
        "picking_name", [pick(n, 3, True) for n in names[10:20]], "short",
        tmp)
    ph["partial"] = calls_phase(
        broker, sim, "lgx-picks", t, "lgx.picks.PickConfirmed",
        "picking_name", [pick(n, 2, False) for n in names[20:]], "partial",
        tmp)
    out["lgx-picks"] = ph
    # Shipments: 10 booked -> label -> dispatched, 5 booked -> cancelled.
    if "lgx-shipments" in progs:
        t = "bench.calls.shipments"
        names = seed_pickings(sim, "WH/OUT/BS", 15)
        sids = ["SHP-B%02d" % i for i in range(1, 16)]
        sch = "lgx.shipments.ShipmentEvent"
        ph = {}
        ph["booked"] = calls_phase(
            broker, sim, "lgx-shipments", t, sch, "shipment_id",
            [ship(s, "ShipmentBooked",
                  {"picking_names": [n], "carrier": "Standard delivery",
                   "service_level": "express"}, 50)
             for s, n in zip(sids, names)], "booked", tmp)
        ph["label"] = calls_phase(
            broker, sim, "lgx-shipments", t, sch, "shipment_id",
            [ship(s, "LabelCreated",
                  {"tracking_ref": "TRK-B%s" % s[-2:],
                   "label": {"filename": "label-%s.zpl" % s,
                             "mimetype": "application/zpl",
                             "data": "^XA^FD%s^FS^XZ" % s}}, 40)
             for s in sids[:10]], "label", tmp)
        ph["dispatched"] = calls_phase(
            broker, sim, "lgx-shipments", t, sch, "shipment_id",
            [ship(s, "ShipmentDispatched",
                  {"dispatched_at": iso(30), "packages": 1,
                   "weight_kg": 8.5}, 30) for s in sids[:10]],
            "dispatched", tmp)
        ph["cancelled"] = calls_phase(
            broker, sim, "lgx-shipments", t, sch, "shipment_id",
            [ship(s, "ShipmentCancelled", {"reason": "customer cancelled"},
                  30) for s in sids[10:]], "cancelled", tmp)
        out["lgx-shipments"] = ph
    # Milestones: 160 parcels with five ordinary milestones each, then 32
    # parcels with an exception and a failed delivery attempt (these
    # schedule an activity), read as a backlog: at the default
    # --concurrency 4 and --batch-size 8, milestones of different parcels
    # go in batches.
    if "lgx-milestones" in progs:
        t = "bench.calls.milestones"
        names = seed_pickings(sim, "WH/OUT/BM", MS_PARCELS + MS_EXCEPTIONS,
                              state="done", carrier_tracking_ref="TRK-BM%03d",
                              x_lgx_shipment_status="dispatched", qty=2)
        refs = ["TRK-BM%03d" % i
                for i in range(1, MS_PARCELS + MS_EXCEPTIONS + 1)]
        ordinary = ["PICKED_UP", "IN_TRANSIT", "ARRIVED_AT_HUB",
                    "OUT_FOR_DELIVERY", "DELIVERED"]
        sch = "lgx.milestones.CarrierMilestone"
        ph = {}
        ph["ordinary"] = calls_phase(
            broker, sim, "lgx-milestones", t, sch, "tracking_ref",
            [milestone(r, c, 60 - 10 * j) for j, c in enumerate(ordinary)
             for r in refs[:MS_PARCELS]], "ordinary", tmp)
        ph["exception_or_attempt"] = calls_phase(
            broker, sim, "lgx-milestones", t, sch, "tracking_ref",
            [milestone(r, c, 30 - 10 * j, reason="address incomplete")
             for j, c in enumerate(["EXCEPTION", "DELIVERY_ATTEMPTED"])
             for r in refs[MS_PARCELS:]],
            "exception_or_attempt", tmp)
        n = sum(p["events"] for p in ph.values())
        c = sum(p["calls"] for p in ph.values())
        ph["mixed_stream"] = {"events": n, "calls": c,
                              "calls_per_event": rnd(c / n, 2)}
        out["lgx-milestones"] = ph
    # Proofs of delivery: 8 clean, 2 with a shortage.
    if "lgx-pod" in progs:
        t = "bench.calls.pod"
        names = seed_pickings(sim, "WH/OUT/BD", 10, state="done",
                              carrier_tracking_ref="TRK-BD%03d",
                              x_lgx_shipment_status="dispatched", qty=2)
        sch = "lgx.pod.ProofOfDelivery"
        ph = {}
        ph["clean"] = calls_phase(broker, sim, "lgx-pod", t, sch,
                                  "picking_name",
                                  [pod(n, False) for n in names[:8]],
                                  "clean", tmp)
        ph["with_issue"] = calls_phase(broker, sim, "lgx-pod", t, sch,
                                       "picking_name",
                                       [pod(n, True) for n in names[8:]],
                                       "with_issue", tmp)
        out["lgx-pod"] = ph
    results["calls_per_event"] = out


# ---------------------------------------------------------------------------
# 5. Memory and readiness at a backlog


def readiness(run, t0, result):
    """Polls the log for the HTTP port, then /readyz every 5 ms."""
    port = None
    while port is None and run.rc is None and time.time() - t0 < 120:
        try:
            with open(run.log_path) as f:
                for line in f:
                    if "serving /metrics" in line:
                        port = int(json.loads(line)["msg"].rsplit(":", 1)[1])
                        break
                    if '"outcome"' in line:
                        break
        except OSError:
            pass
        if port is None:
            time.sleep(0.005)
    if port is None:
        return
    result["port_seen_s"] = rnd(time.time() - t0, 3)
    while run.rc is None and time.time() - t0 < 120:
        try:
            with urllib.request.urlopen(
                    "http://127.0.0.1:%d/readyz" % port, timeout=2) as r:
                if r.status == 200:
                    result["ready_s"] = rnd(time.time() - t0, 3)
                    return
        except urllib.error.HTTPError:
            pass
        except OSError:
            pass
        time.sleep(0.005)


def part_memory(broker, exe, tmp, results):
    topic = "bench.backlog"
    say("producing a backlog of %d events to %s" % (BACKLOG, topic))
    secs = produce_fast(exe, broker, topic, BACKLOG)
    out = {"backlog": BACKLOG, "produce_seconds": rnd(secs, 1)}
    for config in CONFIGS:
        group = "bench-mem-%s-%d" % (config, time.monotonic_ns())
        log = os.path.join(tmp, "mem-%s.log" % config)
        say("lgx-picks --odoo-null, %s, on the backlog" % config)
        run = Run("lgx-picks", picks_args(
            broker, topic, group, "info",
            ["--odoo-null", "--http-port", "0", "--http-address",
             "127.0.0.1", *CONFIGS[config]]), log, sample=True)
        ready = {}
        th = threading.Thread(target=readiness, args=(run, run.t0, ready),
                              daemon=True)
        th.start()
        run.wait(1800)
        th.join(5)
        n, first, last = run.outcome_span()
        rss = [s[1] for s in run.samples]
        hwm = [s[2] for s in run.samples]
        res = {"rc": run.rc, "events": n, "wall_s": rnd(run.wall, 1),
               "rate": rnd(rate_of(n, first, last)),
               "vmhwm_sampled_max_kb": max(hwm) if hwm else None,
               "vmrss_sampled_max_kb": max(rss) if rss else None,
               "vmrss_sampled_median_kb": rnd(median(rss), 0),
               "samples": len(rss), "maxrss_kb": run.maxrss_kb,
               "ready_s": ready.get("ready_s"),
               "port_logged_s": ready.get("port_seen_s"),
               "rss_timeline_kb": [(rnd(t, 1), r) for t, r, _ in
                                   run.samples[::max(1, len(run.samples)
                                                     // 40)]]}
        say("%s: peak %s kB (VmHWM sampled %s kB), ready in %s s, %s "
            "events/s" % (config, run.maxrss_kb, res["vmhwm_sampled_max_kb"],
                          res["ready_s"], res["rate"]))
        out[config] = res
        os.unlink(log)
    results["memory"] = out


# ---------------------------------------------------------------------------
# Report


def source():
    """The commit measured and the files changed since (the build is of the
    work tree)."""
    def git(*args):
        return subprocess.run(["git", "-C", TOP, *args], capture_output=True,
                              text=True).stdout.rstrip()
    return {"commit": git("log", "-1", "--format=%h %cI %s"),
            "changed": git("status", "--porcelain", "--untracked-files=no")
            .splitlines()}


def machine():
    info = {"cores": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(l.split(":", 1)[1].strip() for l in f
                               if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            info["memory_gib"] = round(kb / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        with open("/etc/os-release") as f:
            info["os"] = dict(l.strip().split("=", 1) for l in f
                              if "=" in l).get("PRETTY_NAME", "").strip('"')
    except OSError:
        pass
    for name, cmd in (("librdkafka", ["pkg-config", "--modversion",
                                      "rdkafka"]),
                      ("kcat", ["sh", "-c", "kcat -V | grep -i version"]),
                      ("valgrind", ["valgrind", "--version"])):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True).stdout
            info[name] = out.strip().splitlines()[0] if out.strip() else None
        except OSError:
            info[name] = None
    info["kafka_broker"] = "Apache Kafka 3.9.1 (KRaft, test/env/kafka.sh)"
    return info


def targets(r):
    """(target, measured, met, note) rows."""
    rows = []
    t = r.get("throughput", {})
    if t:
        d = t["default/warn"]["rate_median"]
        p = t["prefetch/warn"]["rate_median"]
        rows.append(("null-sink events/s per consumer >= 50,000",
                     "%s (lgx settings), %s (prefetch)" % (fmt(d), fmt(p)),
                     (d or 0) >= 50000,
                     "lgx settings: %.2fx of target" % ((d or 0) / 50000)))
    k = r.get("kcat")
    if k and t:
        d = t["default/warn"]["rate_median"] or 0
        p = t["prefetch/warn"]["rate_median"] or 0
        rows.append((">= 0.3 of kcat's rate",
                     "%.3f (lgx settings), %.3f (prefetch)"
                     % (d / k["rate_after_first"],
                        p / k["rate_after_first"]),
                     d / k["rate_after_first"] >= 0.3,
                     "kcat -c N %s events/s after its first message; "
                     "against kcat -e (%s/s): %.3f, %.3f"
                     % (fmt(k["rate_after_first"]),
                        fmt(k["with_e"]["rate_raw"]),
                        d / k["with_e"]["rate_raw"],
                        p / k["with_e"]["rate_raw"])))
    b = r.get("baseline")
    if b and b.get("ratio") is not None:
        rows.append((">= 5x the baseline at Odoo 19 latencies",
                     "%.2fx" % b["ratio"], b["ratio"] >= 5,
                     "lgx %s/s at %s calls/event; baseline %s/s at %s"
                     % (b["lgx"]["rate"], b["lgx"]["calls_per_event"],
                        b["baseline"]["rate"],
                        b["baseline"]["calls_per_event"])))
    m = r.get("calls_per_event", {}).get("lgx-milestones")
    if m:
        c = m["mixed_stream"]["calls_per_event"]
        rows.append(("<= 1.5 Odoo calls per milestone event", "%.2f" % c,
                     c <= 1.5, "ordinary %s, exception/attempt %s"
                     % (m["ordinary"]["calls_per_event"],
                        m["exception_or_attempt"]["calls_per_event"])))
    mem = r.get("memory")
    if mem:
        d = peak_kb(mem["default"]) / 1024
        p = peak_kb(mem["prefetch"]) / 1024
        rows.append(("<= 32 MB resident at any backlog",
                     "%.1f MiB (lgx settings), %.1f MiB (prefetch)" % (d, p),
                     d <= 32, "%d-event backlog, peak RSS" % mem["backlog"]))
        rd = mem["default"].get("ready_s")
        rp = mem["prefetch"].get("ready_s")
        rows.append(("ready (/readyz 200) in under 1 s",
                     "%s s, %s s" % (rd, rp),
                     rd is not None and rd < 1 and rp is not None and rp < 1,
                     "from process start, %d-event backlog" % mem["backlog"]))
    return rows


def peak_kb(m):
    """The peak RSS of a memory run: the kernel updates the high-water mark
    lazily, so ru_maxrss and the last VmHWM read can each be a little
    low."""
    return max(m["maxrss_kb"] or 0, m["vmhwm_sampled_max_kb"] or 0)


def fmt(x):
    return "-" if x is None else "{:,.0f}".format(x)


def table(r):
    lines = []
    t = r.get("throughput")
    if t:
        lines.append("lgx-picks --odoo-null, %d events (median of %d)"
                     % (EVENTS, REPEAT))
        lines.append("  %-10s %-5s %12s %14s %10s" % (
            "config", "log", "events/s", "CPU us/event", "peak MiB"))
        for key, v in t.items():
            cfg, lvl = key.split("/")
            peak = max(x["maxrss_kb"] for x in v["runs"]) / 1024
            lines.append("  %-10s %-5s %12s %14s %10.1f" % (
                cfg, lvl, fmt(v["rate_median"]),
                v["cpu_us_per_event_median"], peak))
    c = r.get("callgrind")
    if c:
        lines.append("callgrind, %d events: %s instructions/event (log "
                     "warn), %s (log info)" % (
                         c["events"],
                         fmt(c["warn"]["instructions_per_event"]),
                         fmt(c["info"]["instructions_per_event"])))
    k = r.get("kcat")
    if k:
        lines.append("kcat -c N: %s events/s raw, %s after its first "
                     "message; kcat -e (to EOF): %s" % (
                         fmt(k["rate_raw"]), fmt(k["rate_after_first"]),
                         fmt(k["with_e"]["rate_raw"])))
    sh = r.get("simulator_http")
    if sh:
        lines.append("simulator, ms per call on a kept-alive connection / a "
                     "new one: as shipped %s / %s; as benchmarked "
                     "(TCP_NODELAY) %s / %s" % (
                         sh["shipped"]["keepalive_ms_per_call"],
                         sh["shipped"]["new_connection_ms_per_call"],
                         sh["nodelay"]["keepalive_ms_per_call"],
                         sh["nodelay"]["new_connection_ms_per_call"]))
    b = r.get("baseline")
    if b:
        bl = b["baseline"]
        lines.append("baseline vs lgx, %d events at Odoo 19 latencies:"
                     % b["events"])
        if "rate" in bl:
            lines.append("  baseline (Python %s): %s events/s, %s calls/event"
                         % (bl["client"], bl["rate"], bl["calls_per_event"]))
        else:
            lines.append("  baseline skipped: " + bl["skipped"])
        lines.append("  lgx-picks: %s events/s, %s calls/event; ratio %s; "
                     "ready in %s s" % (b["lgx"]["rate"],
                                        b["lgx"]["calls_per_event"],
                                        b.get("ratio"), b["lgx"]["ready_s"]))
    cp = r.get("calls_per_event")
    if cp:
        lines.append("Odoo calls per event:")
        for prog, phases in cp.items():
            lines.append("  %-15s %s" % (prog, ", ".join(
                "%s %s" % (k, v["calls_per_event"])
                for k, v in phases.items())))
    m = r.get("memory")
    if m:
        for cfg in CONFIGS:
            v = m[cfg]
            lines.append("backlog %d, %s: peak RSS %.1f MiB (VmHWM sampled "
                         "%s kB), ready in %s s, %s events/s" % (
                             m["backlog"], cfg, peak_kb(v) / 1024,
                             v["vmhwm_sampled_max_kb"], v["ready_s"],
                             fmt(v["rate"])))
    rows = r.get("targets", [])
    if rows:
        lines.append("Targets:")
        for row in rows:
            lines.append("  [%s] %s: %s (%s)" % (
                "met" if row["met"] else "MISSED", row["target"],
                row["measured"], row["note"]))
    return "\n".join(lines)


def main():
    for prog in ("lgx-picks", "lgx-produce", "lgx-odoo-setup"):
        if not os.path.exists(os.path.join(BIN, prog)):
            sys.exit("bench: %s is not built; run make all" % prog)
    os.makedirs(OUT, exist_ok=True)
    date = subprocess.run(["date"], capture_output=True,
                          text=True).stdout.strip()
    results = {"date": date, "machine": machine(), "source": source(),
               "sizes": {"events": EVENTS, "repeat": REPEAT,
                         "callgrind_events": CG_EVENTS,
                         "baseline_events": BASE_EVENTS,
                         "backlog": BACKLOG},
               "configs": CONFIGS}
    exe = build_tools()
    tmp = tempfile.mkdtemp(prefix="lgx-bench.")
    say("starting the Kafka broker and the Odoo simulator")
    broker = lgxenv.Broker()
    sim = None
    try:
        if wanted("baseline") or wanted("calls"):
            part_sim_probe(results)
            sim = Simulator(version=19)
        topic = None
        if wanted("throughput") or wanted("kcat"):
            topic = part_throughput(broker, exe, tmp, results) \
                if wanted("throughput") else "bench.picks"
            if not wanted("throughput"):
                produce_fast(exe, broker, topic, EVENTS)
        if wanted("kcat"):
            part_kcat(broker, topic, results)
        if wanted("callgrind"):
            part_callgrind(broker, exe, tmp, results)
        if wanted("baseline"):
            part_baseline(broker, exe, sim, tmp, results)
        if wanted("calls"):
            part_calls(broker, sim, tmp, results)
        if wanted("memory"):
            part_memory(broker, exe, tmp, results)
    finally:
        if sim:
            sim.stop()
            shutil.rmtree(sim.dir, ignore_errors=True)
        broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    results["targets"] = [
        {"target": a, "measured": b, "met": c, "note": d}
        for a, b, c, d in targets(results)]
    wanted("end")
    results["loadavg"] = LOADAVG
    results["seconds"] = rnd(time.monotonic() - STARTED, 1)
    with open(JSON_OUT, "w") as f:
        json.dump(results, f, indent=1)
    print(table(results))
    print("(%s; details in %s, %s)" % (date, os.path.relpath(JSON_OUT, TOP),
                                        os.path.relpath(OUT, TOP)))


if __name__ == "__main__":
    main()
