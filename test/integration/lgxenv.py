"""The test environment of lgx: a real Kafka broker, the Odoo simulator and
the lgx programs, started and stopped from Python (standard library only).

Used by the integration tests (test/integration/test_it_*.py) and by the demo
(test/tools/demo.py). Everything started here is stopped by stop() or at exit,
also when a test fails.
"""
import atexit
from datetime import datetime, timedelta, timezone
import ctypes
import ctypes.util
import json
import os
import random
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The test folders whose modules the tests and tools import.
for _d in ("integration", "sim", "tools"):
    _p = os.path.join(TOP, "test", _d)
    if _p not in sys.path:
        sys.path.insert(0, _p)
BIN = os.environ.get("LGX_BIN") or os.path.join(TOP, "build", "bin")
API_KEY = "lgx-test-key-0123456789"
# The four consumers and the topic each reads.
CONSUMERS = [("lgx-picks", "lgx.picks"), ("lgx-shipments", "lgx.shipments"),
             ("lgx-milestones", "lgx.milestones"), ("lgx-pod", "lgx.pod")]
TOPICS = [t for _, t in CONSUMERS]
# How late each consumer may start after the one before it (seconds).
START_DELAY_S = 3.0


def start_seed(default=None):
    """The seed of the consumers' start order and delays: $LGX_START_SEED,
    else default, else a new one drawn from the clock. Print it, so that a
    failure can be run again the same way (LGX_START_SEED=<seed>)."""
    seed = os.environ.get("LGX_START_SEED") or default
    return str(seed) if seed else "%d" % (time.time_ns() % 1000000007)


def start_plan(seed, programs=None, max_delay_s=START_DELAY_S):
    """In which order the consumers start and how long each waits after
    the one before it: [(program, delay_s)], from seed. Nothing orders one
    topic against another in production; a shuffled start with delays lets
    a dispatch reach Odoo before its pick, a proof of delivery before its
    dispatch."""
    rng = random.Random("lgx-start-" + str(seed))
    order = list(programs or [p for p, _ in CONSUMERS])
    rng.shuffle(order)
    return [(p, round(rng.uniform(0.0, max_delay_s), 2)) for p in order]


def describe_plan(plan):
    """'lgx-pod, +1.2 s lgx-picks, ...': the start plan in one line."""
    return ", ".join(("+%.1f s " % d if d else "") + p for p, d in plan)


def wrap(argv):
    """argv of an lgx program, behind the command in LGX_WRAP when set (split
    as a shell would), e.g. LGX_WRAP="valgrind --leak-check=full ...": how
    `make valgrind` runs the consumers, lgx-produce and lgx-odoo-setup started
    here under memcheck."""
    return shlex.split(os.environ.get("LGX_WRAP", "")) + list(argv)


def version_tuple(text):
    """(2, 6, 1) of "2.6.1" or "2.6.1-RC3": its first three numbers."""
    return tuple(int(n) for n in re.findall(r"\d+", text)[:3])


def librdkafka_version():
    """The version of the librdkafka that the lgx programs load, as
    "2.0.2": rd_kafka_version_str() of the shared library, else
    pkg-config's."""
    name = ctypes.util.find_library("rdkafka")
    if name:
        f = ctypes.CDLL(name).rd_kafka_version_str
        f.restype = ctypes.c_char_p
        return f().decode()
    return subprocess.run(["pkg-config", "--modversion", "rdkafka"],
                          capture_output=True, text=True).stdout.strip()


class Broker:
    """A single-node Kafka (KRaft) on 127.0.0.1, via test/env/kafka.sh, of
    the version $KAFKA_VERSION asks for (version: "3.9.1" or "4.1.2")."""

    def __init__(self):
        # A second try when the first start fails (a port taken between
        # choosing it and the broker binding it, a loaded machine); what
        # went wrong is printed either way.
        for attempt in (1, 2):
            self.dir = tempfile.mkdtemp(prefix="lgx-kafka.")
            out = subprocess.run(
                [os.path.join(TOP, "test", "env", "kafka.sh"), "start",
                 self.dir], capture_output=True, text=True, timeout=120)
            if out.returncode == 0:
                break
            sys.stderr.write("kafka.sh start (try %d): %s\n" % (
                attempt, out.stderr.strip()))
            subprocess.run([os.path.join(TOP, "test", "env", "kafka.sh"),
                            "stop", self.dir], check=False, timeout=60)
            if attempt == 2:
                out.check_returncode()
        self.bootstrap = out.stdout.strip().splitlines()[-1]
        with open(os.path.join(self.dir, "version")) as f:
            self.version = f.read().strip()
        atexit.register(self.stop)

    def stop(self):
        if self.dir:
            subprocess.run([os.path.join(TOP, "test", "env", "kafka.sh"),
                            "stop", self.dir], check=False, timeout=60)
            self.dir = None

    def read(self, topic, timeout=20):
        """Every record of topic as kcat -J dicts (headers as a dict)."""
        out = subprocess.run(
            ["kcat", "-b", self.bootstrap, "-C", "-t", topic, "-o",
             "beginning", "-e", "-J", "-q"],
            capture_output=True, text=True, timeout=timeout,
            errors="replace")
        records = []
        for line in out.stdout.splitlines():
            if not line.strip():
                continue
            r = json.loads(line)
            h = r.get("headers") or []
            r["headers"] = dict(zip(h[0::2], h[1::2]))
            records.append(r)
        return records

    def group_offsets(self, group):
        """What Kafka's kafka-consumer-groups --describe (run through
        test/env/kafka-tools.sh) says of group's committed offsets:
        {(topic, partition): {"current": n, "end": n, "lag": n}}, None
        where it prints "-"."""
        out = subprocess.run(
            [os.path.join(TOP, "test", "env", "kafka-tools.sh"),
             "consumer-groups", "--bootstrap-server", self.bootstrap,
             "--describe", "--group", group],
            check=True, capture_output=True, text=True, timeout=60)
        rows, header = {}, None
        for line in out.stdout.splitlines():
            cols = line.split()
            if cols[:2] == ["GROUP", "TOPIC"]:
                header = cols
            elif header and len(cols) >= 6 and cols[0] == group:
                r = dict(zip(header, cols))
                num = {k: None if r[k] == "-" else int(r[k])
                       for k in ("CURRENT-OFFSET", "LOG-END-OFFSET", "LAG")}
                rows[(r["TOPIC"], int(r["PARTITION"]))] = {
                    "current": num["CURRENT-OFFSET"],
                    "end": num["LOG-END-OFFSET"], "lag": num["LAG"]}
        return rows

    def produce_raw(self, topic, payload, key=None):
        """Publishes payload (bytes) as one message, as it is."""
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(payload)
        try:
            cmd = ["kcat", "-b", self.bootstrap, "-P", "-t", topic]
            if key is not None:
                cmd += ["-k", key]
            subprocess.run(cmd + [f.name], check=True, timeout=30)
        finally:
            os.unlink(f.name)


class SecureBroker:
    """A single-node Kafka (KRaft) on 127.0.0.1 whose only client listener
    is SASL_SSL, with a CA made for it, via test/env/kafka_secure.sh.
    Mechanisms: SCRAM-SHA-512, PLAIN and OAUTHBEARER (unsecured JWTs).
    Passwords are random; ca is the CA that signed the broker's
    certificate, other_ca one that did not."""

    SCRIPT = os.path.join(TOP, "test", "env", "kafka_secure.sh")

    def __init__(self, acl_users=None):
        """acl_users: PLAIN users of a broker with Kafka's StandardAuthorizer
        (admin the one super user); their passwords in
        credentials["acl_users"]. None: no authorizer."""
        self.dir = tempfile.mkdtemp(prefix="lgx-kafka-secure.")
        extra = ["--authorizer", *acl_users] if acl_users is not None else []
        out = subprocess.run([self.SCRIPT, "start", self.dir, *extra],
                             check=True, capture_output=True, text=True,
                             timeout=120)
        self.bootstrap = out.stdout.strip().splitlines()[-1]
        with open(os.path.join(self.dir, "credentials.json")) as f:
            self.credentials = json.load(f)
        with open(os.path.join(self.dir, "version")) as f:
            self.version = f.read().strip()
        self.ca = os.path.join(self.dir, "tls", "ca.pem")
        self.other_ca = os.path.join(self.dir, "tls", "other-ca.pem")
        atexit.register(self.stop)

    def stop(self):
        if self.dir:
            subprocess.run([self.SCRIPT, "stop", self.dir], check=False,
                           timeout=60)
            self.dir = None

    def secrets(self):
        """Every password of the broker's users."""
        return [v for k, v in self.credentials.items()
                if k.endswith("_password")]

    def user(self, mechanism):
        """(user, password) for SCRAM-SHA-512 or PLAIN."""
        kind = "scram" if mechanism.startswith("SCRAM") else "plain"
        return (self.credentials[kind + "_user"],
                self.credentials[kind + "_password"])

    def kafka_props(self, mechanism="SCRAM-SHA-512", ca=None):
        """librdkafka settings of a client of this broker, without the
        password (pass it as LGX_KAFKA_SASL_PASSWORD or
        --kafka.sasl.password). OAUTHBEARER gets an unsecured JWT."""
        props = {"security.protocol": "SASL_SSL",
                 "ssl.ca.location": ca or self.ca,
                 "sasl.mechanisms": mechanism}
        if mechanism == "OAUTHBEARER":
            props["enable.sasl.oauthbearer.unsecure.jwt"] = "true"
            props["sasl.oauthbearer.config"] = "principal=lgx-oauth"
        else:
            props["sasl.username"] = self.user(mechanism)[0]
        return props


def kafka_args(props):
    """--kafka.<prop>=<value> options of a dict of librdkafka settings."""
    return tuple("--kafka.%s=%s" % kv for kv in props.items())


def kafka_env(props):
    """The environment with LGX_KAFKA_<PROP> variables of a dict of
    librdkafka settings (dots become underscores)."""
    env = dict(os.environ)
    for k, v in props.items():
        env["LGX_KAFKA_" + k.upper().replace(".", "_")] = v
    return env


class Simulator:
    """The Odoo simulator (test/sim/odoo_sim.py) on a free port. With setup
    (the default) lgx-odoo-setup runs after start and after each reset, as
    an operator runs it once on a new Odoo. server: the command that runs
    the simulator, given odoo_sim.py's options (default: python3
    test/sim/odoo_sim.py; test/tools/chaos.py --serve-sim runs it with cheaper
    per-call transactions). latency: odoo_sim.py's --latency profile
    ("real": about what a real Odoo 19 takes per call), else its default
    ($LGX_SIM_LATENCY, else none)."""

    def __init__(self, version=19, seed="demo", setup=True, port=0,
                 server=None, latency=None):
        self.with_setup = setup
        self.version = version
        self.dir = tempfile.mkdtemp(prefix="lgx-sim.")
        port_file = os.path.join(self.dir, "port")
        self.key_file = os.path.join(self.dir, "api-key")
        with open(self.key_file, "w") as f:
            f.write(API_KEY + "\n")
        self.log = open(os.path.join(self.dir, "sim.log"), "w")
        self.proc = subprocess.Popen(
            list(server or ["python3", os.path.join(TOP, "test", "sim",
                                                    "odoo_sim.py")]) +
            ["--port", str(port), "--port-file", port_file,
             "--version", str(version), "--db", "lgx", "--api-key", API_KEY,
             "--seed", seed] + (["--latency", latency] if latency else []),
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the Odoo simulator did not start; see "
                                   + self.log.name)
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.url = "http://127.0.0.1:%d" % self.port
        atexit.register(self.stop)
        if setup:
            self.setup()

    def setup(self):
        """Runs lgx-odoo-setup against this simulator."""
        subprocess.run(wrap([os.path.join(BIN, "lgx-odoo-setup"),
                             *self.odoo_args()]), check=True,
                       capture_output=True, timeout=60)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def _req(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data,
                                     headers={"Content-Type":
                                              "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def reset(self, seed="demo"):
        r = self._req("/__sim/reset", {"seed": seed})
        if self.with_setup:
            self.setup()
        return r

    def call(self, model, method, ids=None, **kwargs):
        """One execute_kw call over JSON-RPC as the integration user (works
        in every version)."""
        args = [ids] if ids is not None else []
        body = {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": "object", "method": "execute_kw",
                           "args": ["lgx", 2, API_KEY, model, method, args,
                                    kwargs]}}
        r = self._req("/jsonrpc", body)
        if "error" in r:
            raise RuntimeError(r["error"]["data"]["message"])
        return r.get("result")  # left out when None, as Odoo does

    def seed(self, model, records):
        return self._req("/__sim/seed", {"model": model,
                                         "records": records})["ids"]

    def dump(self, model):
        return self._req("/__sim/dump?model=" + model)[model]

    def calls(self):
        return self._req("/__sim/calls")

    def picking(self, name):
        for p in self.dump("stock.picking"):
            if p["name"] == name:
                return p
        return None

    def moves(self, picking_id):
        return [m for m in self.dump("stock.move")
                if (m["picking_id"] or [None])[0] == picking_id]

    def odoo_args(self):
        return ["--odoo-url", self.url, "--odoo-allow-http", "--odoo-db", "lgx",
                "--odoo-api-key-file", self.key_file]


def produce(broker, topic, events, schema="lgx.picks.PickConfirmed",
            key_field="picking_name", extra=(), env=None):
    """Publishes events (dicts) through lgx-produce; returns its result.
    env: the process environment (default: this one)."""
    lines = "".join(json.dumps(e) + "\n" for e in events)
    return subprocess.run(
        wrap([os.path.join(BIN, "lgx-produce"), "--brokers", broker.bootstrap,
              "--topic", topic, "--schema", schema, "--key-field", key_field,
              *extra]),
        input=lines, capture_output=True, text=True, timeout=60, env=env)


def parse_log(text):
    """The JSON lines of a log; other lines are kept as {"raw": line}."""
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"raw": line})
    return out


class Consumer:
    """One lgx consumer process with its log captured. env: the process
    environment (default: this one)."""

    def __init__(self, program, broker, sim, topic, group=None, extra=(),
                 env=None):
        self.logpath = tempfile.mktemp(prefix="lgx-%s." % program,
                                       suffix=".log")
        self.logfile = open(self.logpath, "w")
        args = [os.path.join(BIN, program), "--brokers", broker.bootstrap,
                "--topic", topic, "--group", group or "g-" + topic,
                "--commit-interval-ms", "200", "--http-port", "0",
                "--http-address", "127.0.0.1", *sim.odoo_args(), *extra]
        self.proc = subprocess.Popen(wrap(args), stdout=self.logfile,
                                     stderr=subprocess.STDOUT, env=env)
        atexit.register(self.kill)

    def wait(self, timeout=60):
        try:
            return self.proc.wait(timeout)
        finally:
            self.logfile.flush()

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def lines(self):
        self.logfile.flush()
        with open(self.logpath) as f:
            return parse_log(f.read())

    def outcomes(self):
        """Event log lines (those with an outcome)."""
        return [l for l in self.lines() if "outcome" in l]

    def http_port(self, timeout=20):
        """The port of /metrics, from the start-up log line."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for l in self.lines():
                m = l.get("msg", "")
                if m.startswith("serving /metrics"):
                    return int(m.rsplit(":", 1)[1])
            time.sleep(0.05)
        raise RuntimeError("no HTTP endpoint in the log")

    def http(self, path):
        """GET path from the consumer: (status, body)."""
        url = "http://127.0.0.1:%d%s" % (self.http_port(), path)
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def was_held(self):
        """True once an event was logged held."""
        return any(l.get("outcome") == "held" for l in self.lines())

    def summary(self):
        for l in reversed(self.lines()):
            if l.get("msg") == "summary":
                return l
        return None


def rules_file(directory, mapping=None, **changes):
    """A copy of config/rules.json with changes applied: each keyword is
    an event type, its value a dict of keys to set in its rule; mapping,
    when given, is the file's "mapping" section."""
    with open(os.path.join(TOP, "config", "rules.json")) as f:
        rules = json.load(f)
    for event_type, fields in changes.items():
        rules["events"][event_type].update(fields)
    if mapping is not None:
        rules["mapping"] = mapping
    path = os.path.join(directory, "rules-%d.json" % time.monotonic_ns())
    with open(path, "w") as f:
        json.dump(rules, f)
    return path


def run_consumer(program, broker, sim, topic, timeout=60, **kw):
    """Runs a consumer with --exit-at-end; returns it once it has exited."""
    c = Consumer(program, broker, sim, topic,
                 extra=("--exit-at-end",) + tuple(kw.get("extra", ())),
                 group=kw.get("group"), env=kw.get("env"))
    c.wait(timeout)
    return c


def pick_event(name, lines, complete=True, event_id=None, source="wms-north",
               occurred_at="2026-11-27T08:00:00.000Z", cid=None,
               warehouse=None):
    """A PickConfirmed event as lgx-produce reads it; lines are (code,
    quantity), (code, quantity, lot) or (code, quantity, lot, unit)."""
    eid = event_id or "pick-%s-%d" % (name, time.monotonic_ns())
    units = [l[3] if len(l) > 3 else None for l in lines]
    return dict({
        "event_id": eid,
        "correlation_id": cid or "order-" + name.replace("/", "-"),
        "source_system": source,
        "occurred_at": occurred_at,
        "schema_version": 1,
        "picking_name": name,
        "lines": [dict({"product_code": l[0], "quantity": l[1]},
                       **({"lot": l[2]} if len(l) > 2 else {}))
                  for l in lines],
        "is_complete": complete,
    }, **({"line_units": units} if any(units) else {}),
        **({"warehouse": warehouse} if warehouse else {}))


def iso(minutes_ago):
    """An ISO 8601 UTC time, minutes before now (events must not be dated
    in the future)."""
    t = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class _Lazy:
    """An object made on first use (an attribute read), stopped by stop()
    or at exit."""

    def __init__(self, make):
        self._make = make
        self._obj = None

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._obj is None:
            self._obj = self._make()
        return getattr(self._obj, name)

    def stop(self):
        if self._obj is not None:
            self._obj.stop()
            self._obj = None


_SHARED = {}


def shared_broker(kind=None):
    """The broker of this test process (a Broker, or kind, e.g.
    SecureBroker), one for every test module that asks: each test file runs
    in its own process (run_integration.py). Started on first use, stopped
    at exit; a module writes `broker = lgxenv.shared_broker()` instead of a
    setUpModule and a tearDownModule."""
    kind = kind or Broker
    if kind not in _SHARED:
        _SHARED[kind] = _Lazy(kind)
        atexit.register(_SHARED[kind].stop)
    return _SHARED[kind]
