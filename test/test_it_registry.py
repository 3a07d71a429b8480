"""Schema registry round trip: lgx-produce registers the schema and frames
messages with the registry's id; lgx-picks fetches the writer schema by
id and decodes them. Against test/schema_registry.py, a small double of
the Confluent REST API."""
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.request

import lgxenv
from lgxenv import pick_event, produce, run_consumer

broker = None


def setUpModule():
    global broker
    broker = lgxenv.Broker()


def tearDownModule():
    broker.stop()


class RegistryTest(unittest.TestCase):
    def setUp(self):
        d = tempfile.mkdtemp(prefix="lgx-registry.")
        port_file = os.path.join(d, "port")
        self.proc = subprocess.Popen(
            ["python3", os.path.join(lgxenv.TOP, "test", "schema_registry.py"),
             "--port-file", port_file], stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(port_file) and time.time() < deadline:
            time.sleep(0.05)
        self.url = "http://127.0.0.1:" + open(port_file).read()
        self.sim = lgxenv.Simulator(version=19)
        self.topic = "it.registry." + self._testMethodName

    def tearDown(self):
        self.sim.stop()
        self.proc.terminate()
        self.proc.wait(10)

    def test_register_frame_fetch_decode(self):
        ev = pick_event("WH/OUT/00007", [("SKU-1006", 180)], complete=False)
        r = produce(broker, self.topic, [ev],
                    extra=("--schema-registry", self.url))
        self.assertEqual(r.returncode, 0, r.stderr)
        subjects = json.loads(urllib.request.urlopen(
            self.url + "/subjects").read())
        self.assertEqual(subjects, [self.topic + "-value"])
        latest = json.loads(urllib.request.urlopen(
            "%s/subjects/%s-value/versions/latest" % (self.url, self.topic))
            .read())
        self.assertGreaterEqual(latest["id"], 1000)
        # The message carries the registry's id, not a fixed one.
        rec = broker.read(self.topic)[0]
        raw = subprocess.run(
            ["kcat", "-b", broker.bootstrap, "-C", "-t", self.topic, "-o",
             "beginning", "-e", "-q", "-c", "1", "-f", "%s"],
            capture_output=True, timeout=20).stdout
        self.assertEqual(raw[0], 0)
        self.assertEqual(int.from_bytes(raw[1:5], "big"), latest["id"])
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
        versions = json.loads(urllib.request.urlopen(
            "%s/subjects/%s-value/versions" % (self.url, self.topic)).read())
        self.assertEqual(versions, [1])

    def test_registry_down_is_a_clear_error(self):
        ev = pick_event("WH/OUT/00008", [("SKU-1007", 12)], complete=False)
        r = produce(broker, self.topic, [ev],
                    extra=("--schema-registry", "http://127.0.0.1:9"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("schema registry", r.stderr)


if __name__ == "__main__":
    unittest.main()
