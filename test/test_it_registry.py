"""Schema registry round trip: lgx-produce registers the schema and frames
messages with the registry's id; lgx-picks fetches the writer schema by
id and decodes them. Each case runs against two registries:
test/schema_registry.py, a small double of the Confluent REST API (a fresh
one per test), and a real one, Apicurio Registry's Confluent API
(test/env/registry.sh, in-memory, one per class since it takes seconds to
start; each test has its own topic, so its own subject)."""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

import lgxenv
from lgxenv import pick_event, produce, run_consumer

broker = None
REGISTRY_SH = os.path.join(lgxenv.TOP, "test", "env", "registry.sh")


def setUpModule():
    global broker
    broker = lgxenv.Broker()


def tearDownModule():
    broker.stop()


def get(url):
    return json.loads(urllib.request.urlopen(url, timeout=10).read())


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
    """Against test/schema_registry.py."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lgx-registry.")
        port_file = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen(
            ["python3", os.path.join(lgxenv.TOP, "test", "schema_registry.py"),
             "--port-file", port_file], stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(port_file) and time.time() < deadline:
            time.sleep(0.05)
        with open(port_file) as f:
            self.url = "http://127.0.0.1:" + f.read()
        super().setUp()

    def tearDown(self):
        super().tearDown()
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_registry_down_is_a_clear_error(self):
        ev = pick_event("WH/OUT/00008", [("SKU-1007", 12)], complete=False)
        r = produce(broker, self.topic, [ev],
                    extra=("--schema-registry", "http://127.0.0.1:9"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("schema registry", r.stderr)


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
