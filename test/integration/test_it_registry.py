"""Schema registry round trip: lgx-produce registers the schema and frames
messages with the registry's id; lgx-picks fetches the writer schema by
id and decodes them. Each case runs against two registries:
test/sim/schema_registry.py, a small double of the Confluent REST API (a fresh
one per test), and a real one, Apicurio Registry's Confluent API
(test/env/registry.sh, in-memory, one per class since it takes seconds to
start; each test has its own topic, so its own subject). The credentials
(--schema-registry-credentials-file) run against the double asking for
basic auth."""
import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

import lgxenv
from lgxenv import pick_event, produce, run_consumer

broker = lgxenv.shared_broker()
REGISTRY_SH = os.path.join(lgxenv.TOP, "test", "env", "registry.sh")


def get(url, auth=None):
    """The JSON answer of GET url, with basic auth "user:password"."""
    req = urllib.request.Request(url)
    if auth:
        req.add_header("Authorization",
                       "Basic " + base64.b64encode(auth.encode()).decode())
    return json.loads(urllib.request.urlopen(req, timeout=10).read())


def start_double(*args):
    """test/sim/schema_registry.py with args: (process, its folder, its URL)."""
    d = tempfile.mkdtemp(prefix="lgx-registry.")
    port_file = os.path.join(d, "port")
    proc = subprocess.Popen(
        ["python3", os.path.join(lgxenv.TOP, "test", "sim", "schema_registry.py"),
         "--port-file", port_file, *args], stdout=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not os.path.exists(port_file) and time.time() < deadline:
        time.sleep(0.05)
    with open(port_file) as f:
        return proc, d, "http://127.0.0.1:" + f.read()


def stop_double(proc, d):
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(d, ignore_errors=True)


def frame_ids(topic):
    """The schema id in the frame of every message of topic."""
    raw = subprocess.run(
        ["kcat", "-b", broker.bootstrap, "-C", "-t", topic, "-o",
         "beginning", "-e", "-q", "-f", "%R%s"],
        capture_output=True, timeout=20, check=True).stdout
    ids = []
    while raw:
        n = int.from_bytes(raw[:4], "big")
        payload, raw = raw[4:4 + n], raw[4 + n:]
        assert payload[0] == 0, payload[:5]
        ids.append(int.from_bytes(payload[1:5], "big"))
    return ids


class RegistryCases:
    """The round trip; a subclass sets self.url, the registry's base URL."""

    def setUp(self):
        self.sim = lgxenv.Simulator(version=19)
        self.topic = "it.registry.%s.%s" % (type(self).__name__,
                                            self._testMethodName)
        self.subject = self.topic + "-value"

    def tearDown(self):
        self.sim.stop()

    def test_register_frame_fetch_decode(self):
        ev = pick_event("WH/OUT/00007", [("SKU-1006", 180)], complete=False)
        r = produce(broker, self.topic, [ev],
                    extra=("--schema-registry", self.url))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.subject, get(self.url + "/subjects"))
        latest = get("%s/subjects/%s/versions/latest" % (self.url,
                                                         self.subject))
        self.assertGreaterEqual(latest["id"], 1000)
        # The message carries the registry's id, not a fixed one.
        rec = broker.read(self.topic)[0]
        self.assertEqual(frame_ids(self.topic), [latest["id"]])
        self.assertEqual(rec["key"], "WH/OUT/00007")
        # Without the registry the consumer does not know that id...
        c = run_consumer("lgx-picks", broker, self.sim, self.topic,
                         group="no-registry-" + self.topic)
        self.assertEqual(c.outcomes()[0]["reason"], "unknown_schema")
        # ...with it, it fetches the schema by id and applies the event.
        c = run_consumer("lgx-picks", broker, self.sim, self.topic,
                         extra=("--schema-registry", self.url))
        self.assertEqual(c.summary()["applied"], 1, c.outcomes())
        m = self.sim.moves(self.sim.picking("WH/OUT/00007")["id"])[0]
        self.assertEqual((m["quantity"], m["picked"]), (180, True))

    def test_registering_again_finds_the_same_id(self):
        ev = pick_event("WH/OUT/00008", [("SKU-1007", 12)], complete=False)
        for _ in range(2):
            r = produce(broker, self.topic, [ev],
                        extra=("--schema-registry", self.url))
            self.assertEqual(r.returncode, 0, r.stderr)
        versions = get("%s/subjects/%s/versions" % (self.url, self.subject))
        self.assertEqual(versions, [1])
        ids = frame_ids(self.topic)
        self.assertEqual(len(ids), 2)
        self.assertEqual(ids[0], ids[1])

    def test_second_version_registered_and_used(self):
        # Version 1 of the subject: the contract's v1 (fixed id 1)...
        ev1 = pick_event("WH/OUT/00007", [("SKU-1006", 180)], complete=False)
        r = produce(broker, self.topic, [ev1],
                    extra=("--schema-registry", self.url, "--schema-id", "1"))
        self.assertEqual(r.returncode, 0, r.stderr)
        id1 = get("%s/subjects/%s/versions/latest" % (self.url,
                                                      self.subject))["id"]
        # ...version 2: the newest, with the field v2 added.
        ev2 = pick_event("WH/OUT/00008", [("SKU-1007", 12)], complete=False)
        ev2.update(schema_version=2, warehouse="WH")
        r = produce(broker, self.topic, [ev2],
                    extra=("--schema-registry", self.url))
        self.assertEqual(r.returncode, 0, r.stderr)
        latest = get("%s/subjects/%s/versions/latest" % (self.url,
                                                         self.subject))
        self.assertEqual(latest["version"], 2)
        id2 = latest["id"]
        self.assertNotEqual(id1, id2)
        self.assertGreaterEqual(min(id1, id2), 1000)
        self.assertEqual(get("%s/subjects/%s/versions" % (self.url,
                                                          self.subject)),
                         [1, 2])
        fields = {i: [f["name"] for f in json.loads(
            get("%s/schemas/ids/%d" % (self.url, i))["schema"])["fields"]]
            for i in (id1, id2)}
        self.assertNotIn("warehouse", fields[id1])
        self.assertIn("warehouse", fields[id2])
        self.assertEqual(sorted(frame_ids(self.topic)), sorted([id1, id2]))
        # The consumer fetches both writer schemas and applies both events.
        c = run_consumer("lgx-picks", broker, self.sim, self.topic,
                         extra=("--schema-registry", self.url))
        self.assertEqual(c.summary()["applied"], 2, c.outcomes())
        for name, qty in (("WH/OUT/00007", 180), ("WH/OUT/00008", 12)):
            m = self.sim.moves(self.sim.picking(name)["id"])[0]
            self.assertEqual((m["quantity"], m["picked"]), (qty, True))


class DoubleRegistryTest(RegistryCases, unittest.TestCase):
    """Against test/sim/schema_registry.py."""

    def setUp(self):
        self.proc, self.dir, self.url = start_double()
        super().setUp()

    def tearDown(self):
        super().tearDown()
        stop_double(self.proc, self.dir)

    def test_registry_down_is_a_clear_error(self):
        ev = pick_event("WH/OUT/00008", [("SKU-1007", 12)], complete=False)
        r = produce(broker, self.topic, [ev],
                    extra=("--schema-registry", "http://127.0.0.1:9"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("schema registry", r.stderr)


class RegistryCredentialsTest(unittest.TestCase):
    """--schema-registry-credentials-file against the double asking for
    basic auth: the user:password the file holds (rotated on SIGHUP by the
    consumers), never on a command line or in a log."""

    def setUp(self):
        self.sim = lgxenv.Simulator(version=19)
        self.topic = "it.registry.credentials.%s" % self._testMethodName
        self.tmp = tempfile.mkdtemp(prefix="lgx-registry-credentials.")
        # What the registry accepts, and what lgx is given.
        self.accepted = self.secret_file("accepted", "lgx:first-pw-4711")
        self.given = self.secret_file("given", "lgx:first-pw-4711")
        self.proc, self.dir, self.url = start_double(
            "--basic-auth-file", self.accepted)
        self.logs = []

    def tearDown(self):
        self.sim.stop()
        stop_double(self.proc, self.dir)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def secret_file(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text + "\n")
        os.chmod(path, 0o600)
        return path

    def produce_ok(self, ev, extra=()):
        r = produce(broker, self.topic, [ev], extra=(
            "--schema-registry", self.url,
            "--schema-registry-credentials-file", self.given, *extra))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.logs.append(r.stderr)

    def consumer(self, cls=lgxenv.Consumer, **kw):
        extra = ("--log-level", "debug", "--schema-registry", self.url,
                 "--schema-registry-credentials-file", self.given)
        c = cls("lgx-picks", broker, self.sim, self.topic,
                extra=extra + tuple(kw.pop("extra", ())), **kw)
        return c

    def log_of(self, c):
        with open(c.logpath) as f:
            text = f.read()
        self.logs.append(text)
        return text

    def wait_for(self, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if what():
                return
            time.sleep(0.1)
        self.fail("timed out waiting")

    def test_credentials_from_a_file_rotated_on_sighup(self):
        """The producer registers and the consumer fetches with the file's
        user:password. Rotated (the registry accepts only the new
        password, the file holds it), SIGHUP makes the consumer read the
        file again: a new writer schema is fetched with the new password.
        Neither password is in its command line, environment or log."""
        # Version 1 of the record (fixed id 1) first.
        self.produce_ok(pick_event("WH/OUT/00007", [("SKU-1006", 180)],
                                   complete=False), ("--schema-id", "1"))
        c = self.consumer()
        try:
            self.wait_for(lambda: len(c.outcomes()) >= 1)
            self.assertEqual(c.outcomes()[0]["outcome"], "applied",
                             c.outcomes())
            seen = ""
            for part in ("cmdline", "environ"):
                with open("/proc/%d/%s" % (c.proc.pid, part), "rb") as f:
                    seen += f.read().decode(errors="replace")
            self.assertIn("--schema-registry-credentials-file", seen)
            for path in (self.accepted, self.given):
                with open(path, "w") as f:
                    f.write("lgx:second-pw-0815\n")
            c.signal(signal.SIGHUP)
            self.wait_for(lambda: any(
                "schema registry credentials read again from "
                "--schema-registry-credentials-file" in l.get("msg", "")
                for l in c.lines()))
            # Version 2 of the record: a new id, fetched after the SIGHUP.
            ev = pick_event("WH/OUT/00008", [("SKU-1007", 12)],
                            complete=False)
            ev.update(schema_version=2, warehouse="WH")
            self.produce_ok(ev)
            self.wait_for(lambda: len(c.outcomes()) >= 2)
            self.assertEqual([o["outcome"] for o in c.outcomes()],
                             ["applied", "applied"], c.outcomes())
            # An empty file at SIGHUP: refused, the old credentials stay.
            with open(self.given, "w") as f:
                f.write("\n")
            c.signal(signal.SIGHUP)
            self.wait_for(lambda: any(
                "schema registry credentials not reloaded, the old ones "
                "stay: option --schema-registry-credentials-file: the file "
                "%s is empty" % self.given in l.get("msg", "")
                for l in c.lines()))
            c.signal()
            self.assertEqual(c.wait(30), 0)
        finally:
            c.kill()
            log = self.log_of(c)
        m = self.sim.moves(self.sim.picking("WH/OUT/00008")["id"])[0]
        self.assertEqual((m["quantity"], m["picked"]), (12, True))
        self.assertEqual(
            len(get(self.url + "/subjects/%s-value/versions" % self.topic,
                    auth="lgx:second-pw-0815")), 2)
        for pw in ("first-pw-4711", "second-pw-0815"):
            self.assertNotIn(pw, seen)
            self.assertNotIn(pw, log)
            self.assertNotIn(pw, "".join(self.logs))

    def test_refused_credentials_dead_letter_as_unknown_schema(self):
        """A writer schema the registry does not give (credentials
        refused, or none sent) is dead-lettered as unknown_schema, like
        one from a registry that cannot be reached, with a message naming
        the registry and saying why; lgx-produce stops with the same
        message. Each case reads its own topic."""
        wrong = self.secret_file("wrong", "lgx:wrong-pw-1234")
        fetch = "schema registry %s/schemas/ids/1000: " % self.url
        cases = (
            ("wrong", ("--schema-registry", self.url,
                       "--schema-registry-credentials-file", wrong),
             fetch + "the registry refused the credentials (HTTP 401: "
                     "Unauthorized)"),
            ("none", ("--schema-registry", self.url),
             fetch + "HTTP 401: the registry asks for credentials "
                     "(--schema-registry-credentials-file)"),
            ("down", ("--schema-registry", "http://127.0.0.1:9",
                      "--schema-registry-credentials-file", self.given),
             "schema registry http://127.0.0.1:9/schemas/ids/1000: "))
        base = self.topic
        for name, extra, message in cases:
            self.topic = "%s.%s" % (base, name)
            self.produce_ok(pick_event("WH/OUT/00007", [("SKU-1006", 180)],
                                       complete=False))
            c = run_consumer("lgx-picks", broker, self.sim, self.topic,
                             extra=extra)
            self.log_of(c)
            o = c.outcomes()
            self.assertEqual([(x["outcome"], x["reason"]) for x in o],
                             [("rejected", "unknown_schema")], (name, o))
            dlq = broker.read(self.topic + ".dlq")
            self.assertEqual([d["headers"]["lgx.dlq.reason"] for d in dlq],
                             ["unknown_schema"], name)
            self.assertIn(message, dlq[0]["headers"]["lgx.dlq.message"])
        self.assertEqual(self.sim.picking("WH/OUT/00007")["state"],
                         "assigned")
        r = produce(broker, self.topic, [pick_event(
            "WH/OUT/00008", [("SKU-1007", 1)])], extra=(
                "--schema-registry", self.url,
                "--schema-registry-credentials-file", wrong))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("schema registry %s/subjects/%s-value/versions: the "
                      "registry refused the credentials (HTTP 401"
                      % (self.url, self.topic), r.stderr)
        self.logs.append(r.stderr)
        self.assertNotIn("wrong-pw-1234", "".join(self.logs))
        self.assertNotIn("first-pw-4711", "".join(self.logs))

    def test_credentials_in_the_url_or_a_bad_file_stop_at_start(self):
        """user:password@ in the URL is refused (it would be on the command
        line and in every message naming the URL), as is a file that is
        not user:password: exit 2, the option named, no secret shown."""
        url = self.url.replace("http://", "http://lgx:first-pw-4711@")
        r = produce(broker, self.topic, [pick_event(
            "WH/OUT/00008", [("SKU-1007", 1)])],
            extra=("--schema-registry", url))
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("option --schema-registry: the URL holds a user or "
                      "password (user:password@); give them in "
                      "--schema-registry-credentials-file", r.stderr)
        self.assertNotIn("first-pw-4711", r.stderr)
        c = run_consumer("lgx-picks", broker, self.sim, self.topic,
                         extra=("--schema-registry", url), timeout=30)
        self.assertEqual(c.proc.returncode, 2)
        log = self.log_of(c)
        self.assertIn("option --schema-registry: the URL holds a user", log)
        self.assertNotIn("first-pw-4711", log)
        bad = self.secret_file("bad", "first-pw-4711")
        c = self.consumer(cls=run_consumer, timeout=30, extra=(
            "--schema-registry-credentials-file", bad))
        self.assertEqual(c.proc.returncode, 2)
        log = self.log_of(c)
        self.assertIn("option --schema-registry-credentials-file: the file "
                      "%s does not hold user:password" % bad, log)
        self.assertNotIn("first-pw-4711", log)
        self.assertEqual(c.outcomes(), [])


def start_registry(first_id=1000):
    """A real registry via test/env/registry.sh: (its folder, its URL)."""
    d = tempfile.mkdtemp(prefix="lgx-registry.")
    out = subprocess.run([REGISTRY_SH, "start", d, str(first_id)],
                         capture_output=True, text=True, timeout=90)
    if out.returncode != 0:
        subprocess.run([REGISTRY_SH, "stop", d], timeout=60)
        raise RuntimeError("registry.sh start: " + out.stderr)
    return d, out.stdout.strip().splitlines()[-1]


class ApicurioRegistryTest(RegistryCases, unittest.TestCase):
    """Against Apicurio Registry (test/env/registry.sh), ids from 1000."""

    @classmethod
    def setUpClass(cls):
        cls.dir, cls.url = start_registry()

    @classmethod
    def tearDownClass(cls):
        subprocess.run([REGISTRY_SH, "stop", cls.dir], timeout=60)


if __name__ == "__main__":
    unittest.main()
