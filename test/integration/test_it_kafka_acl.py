"""Kafka access rights: a real broker (KRaft) with Kafka's
StandardAuthorizer and a SASL_SSL listener (test/env/kafka_secure.sh
--authorizer), admin its one super user. Each consumer runs with exactly
the ACLs the README's kafka-acls.sh commands give ("Kafka access rights")
and dead-letters two events (the second one's dead-letter index reads the
first back). Then lgx-picks runs with each of those ACLs taken away in
turn: a missing READ on the topic or the group, WRITE or READ on the
dead-letter topic stops it at start with exit 1, the log naming the ACL
and the principal, nothing committed; a missing DESCRIBE on the index
reader's group is a warning; WRITE on the dead-letter topic denied while
the producer got its id elsewhere leaves the event unfinished, /readyz 503
naming the ACL, the metric counting, nothing committed, until the grant.
Scenarios run side by side, one principal, topic and group each."""
import os
import re
import subprocess
import time
import unittest

import lgxenv
from kafka_admin import OFFSET_INVALID, AclBinding, KafkaAdmin, \
    kafka_acls_bindings

CONSUMERS = ["picks", "shipments", "milestones", "pod"]
# lgx-picks without one of its documented ACLs (by index in the README's
# commands: 0 READ topic, 1 READ group, 2 WRITE dlq, 3 READ dlq,
# 4 DESCRIBE dlq-index group), or with something in its place.
CASES = {"no-read-topic": 0, "no-read-group": 1, "no-write-dlq": 2,
         "no-read-dlq": 3, "no-describe-index": 4, "describe-topic": 0,
         "write-elsewhere": 2}
USERS = ["acl-" + c for c in CONSUMERS] + ["acl-" + c for c in CASES]

broker = None
admin = None
sim = None


def setUpModule():
    global broker, admin, sim
    broker = lgxenv.SecureBroker(acl_users=USERS)
    sim = lgxenv.Simulator()
    admin = KafkaAdmin(dict(props("admin", broker.credentials[
        "admin_password"]), **{"bootstrap.servers": broker.bootstrap}))


def tearDownModule():
    admin.close()
    sim.stop()
    broker.stop()


def props(user, password):
    return {"security.protocol": "SASL_SSL", "ssl.ca.location": broker.ca,
            "sasl.mechanisms": "PLAIN", "sasl.username": user,
            "sasl.password": password}


def readme_acls(principal, topic, group, program):
    """The bindings of the README's commands for one consumer."""
    with open(os.path.join(lgxenv.TOP, "README.md")) as f:
        text = f.read()
    section = text.split("### Kafka access rights", 1)[1].split("\n### ")[0]
    return kafka_acls_bindings(section, P=principal, T=topic, G=group,
                               PROGRAM=program)


class Run:
    """One consumer of one scenario: its principal, topic, group and the
    ACLs it gets, with two malformed events on the topic (each a dead
    letter, malformed_avro)."""

    def __init__(self, name, program, sim, drop=None, extra_acls=()):
        self.user = "acl-" + name
        self.program = program
        self.topic = "it.acl.%s.%d" % (name, time.monotonic_ns() % 10**9)
        self.dlq = self.topic + ".dlq"
        self.group = "g-" + self.topic
        self.acls = readme_acls("User:" + self.user, self.topic, self.group,
                                program)
        assert [(a.operation, a.resource_type) for a in self.acls] == [
            ("Read", "topic"), ("Read", "group"), ("Write", "topic"),
            ("Read", "topic"), ("Describe", "group")], self.acls
        if drop is not None:
            self.acls.pop(drop)
        # (operation, resource type, suffix of this run's topic)
        self.acls += [AclBinding("User:" + self.user, op, rt,
                                 self.topic + suffix)
                      for op, rt, suffix in extra_acls]
        admin.create_topics([self.topic, self.dlq, self.topic + ".other"])
        admin.create_acls(self.acls)
        for i in range(2):
            produce_raw(self.topic, b"not avro %d" % i, "k%d" % i)
        p = props(self.user, broker.credentials["acl_users"][self.user])
        self.c = lgxenv.Consumer(program, broker, sim, self.topic,
                                 group=self.group,
                                 extra=("--exit-at-end",
                                        "--retry-backoff-ms", "200",
                                        "--retry-backoff-max-ms", "1000") +
                                 lgxenv.kafka_args(p))

    def committed(self):
        return admin.committed(self.group, self.topic, [0])[0]

    def msgs(self, level=None):
        return [l.get("msg", "") for l in self.c.lines()
                if level is None or l.get("level") == level]


def produce_raw(topic, payload, key):
    """One message as it is, written by admin."""
    cred = broker.credentials
    subprocess.run(["kcat", "-b", broker.bootstrap, "-X",
                    "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=PLAIN",
                    "-X", "sasl.username=admin", "-X",
                    "sasl.password=" + cred["admin_password"], "-X",
                    "ssl.ca.location=" + broker.ca, "-P", "-t", topic, "-k",
                    key], input=payload, check=True, timeout=30)


def read_dlq(topic):
    cred = broker.credentials
    out = subprocess.run(
        ["kcat", "-b", broker.bootstrap, "-X", "security.protocol=SASL_SSL",
         "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=admin", "-X",
         "sasl.password=" + cred["admin_password"], "-X",
         "ssl.ca.location=" + broker.ca, "-C", "-t", topic, "-o",
         "beginning", "-e", "-q", "-f", "%h\n"],
        capture_output=True, text=True, timeout=30)
    return [l for l in out.stdout.splitlines() if l.strip()]


def wait(pred, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.2)
    return False


class KafkaAclTest(unittest.TestCase):
    def finish(self, runs, timeout=90):
        for r in runs:
            try:
                r.c.wait(max(1, timeout))
            except subprocess.TimeoutExpired:
                pass
            r.c.kill()

    def assert_dead_lettered(self, r):
        self.assertEqual(r.c.proc.returncode, 0, "\n".join(r.msgs()))
        headers = read_dlq(r.dlq)
        self.assertEqual(len(headers), 2, headers)
        for h in headers:
            self.assertIn("lgx.dlq.reason=malformed_avro", h)
        self.assertEqual(r.committed(), 2)

    def assert_stopped_at_start(self, r, acl):
        self.assertEqual(r.c.proc.returncode, 1, "\n".join(r.msgs()))
        errors = r.msgs("error")
        self.assertTrue(any(acl in m and "User:" + r.user in m
                            and "kafka-acls.sh --add" in m for m in errors),
                        errors)
        self.assertIn("Kafka authorization failed at start; stopping with "
                      "nothing consumed", errors)
        self.assertEqual([l for l in r.c.lines() if "outcome" in l], [])
        self.assertEqual(r.committed(), OFFSET_INVALID)
        self.assertEqual(read_dlq(r.dlq), [])

    def test_documented_and_each_one_taken_away(self):
        full = [Run(c, "lgx-" + c, sim) for c in CONSUMERS]
        cases = {name: Run(name, "lgx-picks", sim, drop=i)
                 for name, i in CASES.items()
                 if name not in ("describe-topic", "write-elsewhere")}
        cases["describe-topic"] = Run(
            "describe-topic", "lgx-picks", sim, drop=0,
            extra_acls=[("Describe", "topic", "")])
        # WRITE on another topic: Kafka gives the producer its id, and
        # refuses the dead letter itself.
        cases["write-elsewhere"] = Run(
            "write-elsewhere", "lgx-picks", sim, drop=2,
            extra_acls=[("Write", "topic", ".other")])
        self.check_runtime_denial(cases.pop("write-elsewhere"))
        self.finish(full + list(cases.values()))
        for r in full:
            with self.subTest(program=r.program):
                self.assert_dead_lettered(r)
        c = cases
        for name, (op, kind, res) in {
                "no-read-topic": ("READ", "topic", c["no-read-topic"].topic),
                "describe-topic": ("READ", "topic", c["describe-topic"].topic),
                "no-read-group": ("READ", "group", c["no-read-group"].group),
                "no-read-dlq": ("READ", "topic", c["no-read-dlq"].dlq),
                "no-write-dlq": ("WRITE", "topic", c["no-write-dlq"].dlq),
        }.items():
            with self.subTest(case=name):
                self.assert_stopped_at_start(
                    c[name], "Kafka denies %s on %s %s to" % (op, kind, res))
        self.assertTrue(any("Failed to acquire idempotence PID" in m
                            for m in c["no-write-dlq"].msgs("error")))
        r = c["no-describe-index"]
        self.assert_dead_lettered(r)
        self.assertTrue(any("Kafka denies DESCRIBE on group "
                            "lgx-picks.dlq-index" in m
                            for m in r.msgs("warn")), r.msgs())

    def check_runtime_denial(self, r):
        """The dead letter refused while running: not ready with the ACL
        named, counted, nothing committed; granted, it goes on by itself."""
        self.assertTrue(wait(lambda: r.c.proc.poll() is None and any(
            "kafka_not_authorized" == l.get("reason")
            for l in r.c.lines()), 60), "\n".join(r.msgs()))
        status, body = r.c.http("/readyz")
        self.assertEqual(status, 503, body)
        self.assertIn("degraded: Kafka denies WRITE on topic %s to User:%s"
                      % (r.dlq, r.user), body)
        _, metrics = r.c.http("/metrics")
        m = re.search(r'lgx_kafka_authorization_failures_total\{operation='
                      r'"WRITE",resource_type="topic",resource="%s"\} (\d+)'
                      % re.escape(r.dlq), metrics)
        self.assertTrue(m and int(m.group(1)) >= 1, metrics)
        self.assertEqual(r.committed(), OFFSET_INVALID)
        admin.create_acls([AclBinding("User:" + r.user, "Write", "topic",
                                      r.dlq)])
        self.assertEqual(r.c.wait(60), 0, "\n".join(r.msgs()))
        self.assertEqual(len(read_dlq(r.dlq)), 2)
        self.assertEqual(r.committed(), 2)
        self.assertTrue(any("Kafka allows WRITE on topic %s" % r.dlq in m
                            for m in r.msgs()), r.msgs())


if __name__ == "__main__":
    unittest.main()
