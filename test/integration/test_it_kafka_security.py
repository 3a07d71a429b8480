"""lgx over Kafka with TLS and SASL: a real broker whose only client
listener is SASL_SSL, with a CA and certificate made at start
(test/env/kafka_secure.sh), lgx-produce and lgx-picks configured through
the librdkafka passthrough (--kafka.<prop> and LGX_KAFKA_<PROP>), the Odoo
simulator behind. A wrong password or a CA that did not sign the broker's
certificate stops the consumer at start with exit 1 and a clear error,
nothing applied or committed. No password reaches any log line.

The SCRAM tests are skipped on a Kafka 4.x broker with a librdkafka older
than 2.6.1 (Debian 12 has 2.0.2): it repeats the client's nonce in its
final SCRAM message, which Kafka 4.x refuses (fixed by librdkafka PR
4895). Every other test runs on both broker generations."""
import os
import signal
import subprocess
import tempfile
import time
import unittest

import lgxenv
from lgxenv import kafka_args, kafka_env, pick_event, produce

broker = lgxenv.shared_broker(lgxenv.SecureBroker)
WRONG_PASSWORD = "not-the-password-7f3a9c"
OIDC_SECRET = "oidc-client-secret-51be02"
KEY_PASSWORD = "client-key-password-c4d1e8"


def scram_refused():
    """Why this broker refuses librdkafka's SCRAM logins, or None."""
    lib = lgxenv.librdkafka_version()
    if (lgxenv.version_tuple(broker.version) >= (4,)
            and lgxenv.version_tuple(lib) < (2, 6, 1)):
        return ("SCRAM-SHA-512 cannot log in to Kafka %s with librdkafka %s:"
                " before 2.6.1 librdkafka repeats the client nonce in its"
                " final SCRAM message, which Kafka 4.x refuses (librdkafka"
                " PR 4895)" % (broker.version, lib))
    return None


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
        secrets = broker.secrets() + [WRONG_PASSWORD, OIDC_SECRET,
                                      KEY_PASSWORD]
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

    def needs_scram(self):
        reason = scram_refused()
        if reason:
            self.skipTest(reason)

    def assert_applied(self, c, name):
        self.assertEqual(c.proc.returncode, 0, self.logs[-1])
        self.assertEqual(c.summary()["applied"], 1)
        self.assertEqual(self.sim.picking(name)["state"], "done")

    def test_scram_sha_512(self):
        """lgx-produce (--kafka.* options, password from the environment)
        and lgx-picks (every setting from LGX_KAFKA_* variables, librdkafka
        debug on so that it prints its configuration) over SASL_SSL with
        SCRAM-SHA-512."""
        self.needs_scram()
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
        self.needs_scram()
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
        fails, the consumer says so and exits 1; nothing is applied. (The
        TLS handshake fails before any SASL mechanism is tried: PLAIN runs
        on every broker and librdkafka version.)"""
        name = self.assigned_picking(5)
        self.produce_ok([pick_event(name, [("SKU-1001", 5)])], "PLAIN")
        props = broker.kafka_props("PLAIN", ca=broker.other_ca)
        props["sasl.password"] = broker.user("PLAIN")[1]
        c = self.consume_fails_at_start(env=kafka_env(props))
        errors = [l["msg"] for l in c.lines() if l.get("level") == "error"
                  and l.get("msg", "").startswith("Kafka TLS error")]
        self.assertTrue(errors, self.logs[-1])
        self.assertIn("Kafka TLS error at start; stopping: ", errors[0])
        self.assertIn("certificate verify failed", errors[0])
        self.assertEqual(self.sim.picking(name)["state"], "assigned")


    # --kafka-password-file and --kafka-ssl-key-password-file: the
    # passwords in files, on no command line and in no environment.

    def secret_file(self, text):
        d = tempfile.mkdtemp(prefix="lgx-secrets.")
        path = os.path.join(d, "secret")
        with open(path, "w") as f:
            f.write(text + "\n")
        os.chmod(path, 0o600)
        return path

    def client_key(self, password):
        """A client certificate and its key, encrypted with password. The
        broker asks for no client certificate, but librdkafka decrypts the
        key when the client is made: a wrong password stops it there."""
        d = tempfile.mkdtemp(prefix="lgx-client-tls.")
        key, crt = os.path.join(d, "client.key"), os.path.join(d, "client.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-keyout", key, "-out", crt, "-days", "1",
                        "-subj", "/CN=lgx-client", "-passout",
                        "pass:" + password],
                       check=True, capture_output=True, timeout=30)
        return {"ssl.key.location": key, "ssl.certificate.location": crt}

    def wait_msg(self, c, text, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if any(text in l.get("msg", "") for l in c.lines()):
                return
            time.sleep(0.1)
        self.fail("no log line with %r" % text)

    def test_passwords_from_files(self):
        """The SCRAM password and the client key's password only in files:
        the consumer authenticates, reads and dead-letters an event (the
        dead-letter writer authenticates too). Neither password is in its
        command line, its environment or its log. SIGHUP reads the
        password file again; an empty one is refused, the old password
        stays and the consumer goes on."""
        self.needs_scram()
        self.produce_ok([pick_event("WH/OUT/NOSUCH-A", [("SKU-1001", 1)])])
        password = broker.user("SCRAM-SHA-512")[1]
        pw_file = self.secret_file(password)
        key_file = self.secret_file(KEY_PASSWORD)
        props = dict(broker.kafka_props("SCRAM-SHA-512"),
                     **self.client_key(KEY_PASSWORD))
        c = lgxenv.Consumer("lgx-picks", broker, self.sim, self.topic,
                            extra=kafka_args(props) + (
                                "--kafka-password-file", pw_file,
                                "--kafka-ssl-key-password-file", key_file))
        try:
            deadline = time.time() + 60
            while time.time() < deadline and not c.outcomes():
                time.sleep(0.1)
            seen = ""
            for part in ("cmdline", "environ"):
                with open("/proc/%d/%s" % (c.proc.pid, part), "rb") as f:
                    seen += f.read().decode(errors="replace")
            self.assertIn("--kafka-password-file", seen)
            o = c.outcomes()[0]
            self.assertEqual((o["outcome"], o["reason"]),
                             ("rejected", "unknown_picking"), o)
            c.signal(signal.SIGHUP)
            self.wait_msg(c, "Kafka password read again from "
                             "--kafka-password-file")
            with open(pw_file, "w") as f:
                f.write("\n")
            c.signal(signal.SIGHUP)
            self.wait_msg(c, "Kafka password not reloaded: option "
                             "--kafka-password-file: the file %s is empty"
                          % pw_file)
            self.produce_ok([pick_event("WH/OUT/NOSUCH-B",
                                        [("SKU-1001", 1)])])
            deadline = time.time() + 30
            while time.time() < deadline and len(c.outcomes()) < 2:
                time.sleep(0.1)
            self.assertEqual(len(c.outcomes()), 2, c.outcomes())
            c.signal()
            self.assertEqual(c.wait(30), 0)
        finally:
            c.kill()
            with open(c.logpath) as f:
                self.logs.append(f.read())
        self.assertNotIn(password, seen)
        self.assertNotIn(KEY_PASSWORD, seen)

    def test_bad_password_files_stop_at_start(self):
        """A password file that is a directory, and a key password that
        does not decrypt the key, stop the consumer at start with exit 2,
        naming the option or the setting, before anything is consumed."""
        props = broker.kafka_props("SCRAM-SHA-512")
        d = tempfile.mkdtemp(prefix="lgx-secrets.")
        c = self.consume(extra=kafka_args(props) + (
            "--kafka-password-file", d), timeout=30)
        self.assertEqual(c.proc.returncode, 2, self.logs[-1])
        self.assertIn("option --kafka-password-file: the file %s is not a "
                      "regular file (a directory)" % d, self.logs[-1])
        props["sasl.password"] = broker.user("SCRAM-SHA-512")[1]
        props.update(self.client_key(KEY_PASSWORD))
        c = self.consume(extra=kafka_args(props) + (
            "--kafka-ssl-key-password-file",
            self.secret_file("not-the-key-password")), timeout=30)
        self.assertEqual(c.proc.returncode, 2, self.logs[-1])
        self.assertIn("ssl.key.location failed", self.logs[-1])
        self.assertEqual(c.outcomes(), [])


if __name__ == "__main__":
    unittest.main()
