"""lgx over Kafka with TLS and SASL: a real broker whose only client
listener is SASL_SSL, with a CA and certificate made at start
(test/env/kafka_secure.sh), lgx-produce and lgx-picks configured through
the librdkafka passthrough (--kafka.<prop> and LGX_KAFKA_<PROP>), the Odoo
simulator behind. A wrong password or a CA that did not sign the broker's
certificate stops the consumer at start with exit 1 and a clear error,
nothing applied or committed. No password reaches any log line."""
import time
import unittest

import lgxenv
from lgxenv import kafka_args, kafka_env, pick_event, produce

broker = None
WRONG_PASSWORD = "not-the-password-7f3a9c"
OIDC_SECRET = "oidc-client-secret-51be02"


def setUpModule():
    global broker
    broker = lgxenv.SecureBroker()


def tearDownModule():
    broker.stop()


class KafkaSecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = lgxenv.Simulator()

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.reset()
        self.topic = "it.security.%s" % self._testMethodName
        self.logs = []  # every log text of the test, checked for secrets

    def tearDown(self):
        secrets = broker.secrets() + [WRONG_PASSWORD, OIDC_SECRET]
        for text in self.logs:
            for secret in secrets:
                self.assertNotIn(secret, text)

    def assigned_picking(self, qty=5.0):
        """An assigned outgoing picking with one move of SKU-1001."""
        name = "WH/OUT/S%d" % (time.monotonic_ns() % 10**9)
        pid = next(p["id"] for p in self.sim.dump("product.product")
                   if p["default_code"] == "SKU-1001")
        self.sim.seed("stock.picking", [{
            "name": name, "state": "assigned",
            "picking_type_code": "outgoing",
            "move_ids": [{"product_id": pid, "product_uom_qty": qty,
                          "quantity": qty, "state": "assigned"}]}])
        return name

    def produce(self, events, props, password=None, extra=()):
        """lgx-produce with props as --kafka.* options and the password,
        if any, in LGX_KAFKA_SASL_PASSWORD."""
        env = kafka_env({"sasl.password": password} if password else {})
        r = produce(broker, self.topic, events,
                    extra=kafka_args(props) + tuple(extra), env=env)
        self.logs.append(r.stdout + r.stderr)
        return r

    def produce_ok(self, events, mechanism="SCRAM-SHA-512"):
        props = broker.kafka_props(mechanism)
        r = self.produce(events, props, password=(
            None if mechanism == "OAUTHBEARER" else broker.user(mechanism)[1]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("produced %d event(s)" % len(events), r.stderr)

    def consume(self, extra=(), env=None, timeout=60, group=None):
        """lgx-picks with --exit-at-end; returns it once it has exited."""
        c = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic,
                            group=group,
                            extra=("--exit-at-end",) + tuple(extra), env=env)
        try:
            c.wait(timeout)
        finally:
            c.kill()
            with open(c.logpath) as f:
                self.logs.append(f.read())
        return c

    def consume_fails_at_start(self, extra=(), env=None):
        """A consumer that must stop by itself, quickly, with exit 1."""
        started = time.monotonic()
        c = self.consume(extra=extra, env=env, timeout=30)
        self.assertEqual(c.proc.returncode, 1, self.logs[-1])
        self.assertLess(time.monotonic() - started, 20)
        self.assertEqual(c.outcomes(), [])
        self.assertIn("closing the consumer after a fatal error, without "
                      "committing", [l.get("msg") for l in c.lines()])
        return c

    def assert_applied(self, c, name):
        self.assertEqual(c.proc.returncode, 0, self.logs[-1])
        self.assertEqual(c.summary()["applied"], 1)
        self.assertEqual(self.sim.picking(name)["state"], "done")

    def test_scram_sha_512(self):
        """lgx-produce (--kafka.* options, password from the environment)
        and lgx-picks (every setting from LGX_KAFKA_* variables, librdkafka
        debug on so that it prints its configuration) over SASL_SSL with
        SCRAM-SHA-512."""
        name = self.assigned_picking(5)
        props = broker.kafka_props("SCRAM-SHA-512")
        # sasl.mechanism is librdkafka's alias of sasl.mechanisms.
        props["sasl.mechanism"] = props.pop("sasl.mechanisms")
        r = self.produce([pick_event(name, [("SKU-1001", 5)])], props,
                         password=broker.user("SCRAM-SHA-512")[1])
        self.assertEqual(r.returncode, 0, r.stderr)
        props = broker.kafka_props("SCRAM-SHA-512")
        props["sasl.password"] = broker.user("SCRAM-SHA-512")[1]
        props["debug"] = "security,conf"
        c = self.consume(extra=("--log-level", "debug"),
                         env=kafka_env(props))
        self.assert_applied(c, name)
        # The configuration dump names the password's setting, not its value.
        self.assertTrue(any("sasl.password" in l.get("msg", "")
                            for l in c.lines()))

    def test_plain(self):
        """Every setting, the password too, as --kafka.* options."""
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 5)])], "PLAIN")
        props = broker.kafka_props("PLAIN")
        props["sasl.password"] = broker.user("PLAIN")[1]
        c = self.consume(extra=kafka_args(props))
        self.assert_applied(c, name)

    def test_oauthbearer(self):
        """OAUTHBEARER with librdkafka's unsecured JWT (sasl.oauthbearer.
        config) end to end; the OIDC settings (sasl.oauthbearer.method=oidc
        and the rest) reach librdkafka: a build without OIDC (Debian 12's
        2.0.2) refuses them at start naming the setting, a build with it
        fails to fetch a token from a closed port."""
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 5)])], "OAUTHBEARER")
        c = self.consume(extra=kafka_args(broker.kafka_props("OAUTHBEARER")))
        self.assert_applied(c, name)

        oidc = {"security.protocol": "SASL_SSL",
                "ssl.ca.location": broker.ca,
                "sasl.mechanisms": "OAUTHBEARER",
                "sasl.oauthbearer.method": "oidc",
                "sasl.oauthbearer.client.id": "lgx",
                "sasl.oauthbearer.client.secret": OIDC_SECRET,
                "sasl.oauthbearer.scope": "kafka",
                "sasl.oauthbearer.token.endpoint.url":
                    "https://127.0.0.1:1/token"}
        c = self.consume(env=kafka_env(oidc), timeout=30)
        text = self.logs[-1]
        if "not supported in this build" in text:
            self.assertEqual(c.proc.returncode, 2, text)
            self.assertIn("Kafka setting sasl.oauthbearer.", text)
        else:
            self.assertEqual(c.proc.returncode, 1, text)
            self.assertIn("authentication failed at start", text)

    def test_wrong_password(self):
        """A wrong SCRAM password: the consumer logs the authentication
        failure and exits 1 at once; nothing is applied and no offset is
        committed (the right password then applies the event). lgx-produce
        with a wrong password fails with librdkafka's error."""
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 5)])])
        props = broker.kafka_props("SCRAM-SHA-512")
        c = self.consume_fails_at_start(
            env=kafka_env(dict(props, **{"sasl.password": WRONG_PASSWORD})))
        errors = [l["msg"] for l in c.lines() if l.get("level") == "error"
                  and l.get("msg", "").startswith("Kafka authentication")]
        self.assertTrue(errors, self.logs[-1])
        self.assertIn("Kafka authentication failed at start; stopping: ",
                      errors[0])
        self.assertIn("SCRAM-SHA-512", errors[0])
        self.assertEqual(self.sim.picking(name)["state"], "assigned")

        c = self.consume(env=kafka_env(dict(props, **{
            "sasl.password": broker.user("SCRAM-SHA-512")[1]})))
        self.assert_applied(c, name)

        r = self.produce([pick_event(name, [("SKU-1001", 5)])],
                         broker.kafka_props("PLAIN"),
                         password=WRONG_PASSWORD,
                         extra=("--kafka.message.timeout.ms=3000",))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("SASL authentication error", r.stderr)

    def test_ca_that_did_not_sign_the_broker(self):
        """ssl.ca.location naming another CA: certificate verification
        fails, the consumer says so and exits 1; nothing is applied."""
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 5)])])
        props = broker.kafka_props("SCRAM-SHA-512", ca=broker.other_ca)
        props["sasl.password"] = broker.user("SCRAM-SHA-512")[1]
        c = self.consume_fails_at_start(env=kafka_env(props))
        errors = [l["msg"] for l in c.lines() if l.get("level") == "error"
                  and l.get("msg", "").startswith("Kafka TLS error")]
        self.assertTrue(errors, self.logs[-1])
        self.assertIn("Kafka TLS error at start; stopping: ", errors[0])
        self.assertIn("certificate verify failed", errors[0])
        self.assertEqual(self.sim.picking(name)["state"], "assigned")


if __name__ == "__main__":
    unittest.main()
