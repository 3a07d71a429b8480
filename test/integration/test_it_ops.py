"""Operations: /metrics counts what the log says, /healthz, and /readyz
follows Odoo (not ready while the simulator is down, ready again after);
Kafka's kafka-consumer-groups reads the group's commits and lag."""
import os
import re
import time
import unittest

import lgxenv
from lgxenv import pick_event, produce

broker = lgxenv.shared_broker()


def metric(text, name, **labels):
    """Sum of the samples of name whose labels include the given ones."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.match(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$', line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"',
                              m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


def outgoing_assigned(sim):
    """The names of the simulator's assigned delivery pickings."""
    return [p["name"] for p in sim.dump("stock.picking")
            if p["state"] == "assigned"
            and p["picking_type_code"] == "outgoing"]


def parse_exposition(text):
    """A strict reading of the Prometheus text format: every sample line
    belongs to a family declared by # HELP and # TYPE before it."""
    families = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            families[line.split()[2]] = None
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert kind in ("counter", "gauge", "histogram"), line
            families[name] = kind
        elif line:
            m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? '
                         r'(-?[0-9.e+-]+|\+Inf|NaN)$', line)
            assert m, "bad sample line: %r" % line
            base = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
            assert m.group(1) in families or base in families, line
    return families


class OpsTest(unittest.TestCase):
    def test_metrics_match_the_outcomes(self):
        sim = lgxenv.Simulator(version=19)
        topic = "it.ops.metrics"
        try:
            names = outgoing_assigned(sim)[:3]
            events = [pick_event(n, [("SKU-1001", 0)], complete=False)
                      for n in names]
            events.append(pick_event("WH/OUT/NONE", [("SKU-1001", 1)]))
            events.append(dict(events[0]))
            self.assertEqual(produce(broker, topic, events).returncode, 0)
            c = lgxenv.Consumer("lgx-picks", broker, sim, topic)
            status, body = c.http("/healthz")
            self.assertEqual(status, 200)
            deadline = time.time() + 30
            text = ""
            while time.time() < deadline:
                _, text = c.http("/metrics")
                if metric(text, "lgx_events_total") >= 5:
                    break
                time.sleep(0.2)
            fams = parse_exposition(text)
            self.assertEqual(fams["lgx_events_total"], "counter")
            self.assertEqual(fams["lgx_odoo_call_duration_seconds"],
                             "histogram")
            outcomes = {}
            for l in c.outcomes():
                outcomes[l["outcome"]] = outcomes.get(l["outcome"], 0) + 1
            for outcome, n in outcomes.items():
                self.assertEqual(
                    metric(text, "lgx_events_total", topic=topic,
                           outcome=outcome), n, outcome)
            self.assertEqual(metric(text, "lgx_dead_letters_total",
                                    reason="unknown_picking"), 1)
            # Reasons that have not happened are there at 0 (so that
            # rate() and increase() see their first event).
            for line in ('lgx_dead_letters_total{topic="%s",reason="unknown_lot"} 0' % topic,
                         'lgx_events_total{topic="%s",outcome="held",reason="shortage"} 0' % topic,
                         'lgx_retries_total{topic="%s",reason="odoo_conflict"} 0' % topic):
                self.assertIn(line + "\n", text)
            self.assertEqual(metric(text, "lgx_metrics_series_dropped_total"), 0)
            self.assertGreater(metric(text, "lgx_odoo_calls_total",
                                      model="stock.picking",
                                      method="search_read"), 0)
            self.assertEqual(metric(text, "lgx_build_info",
                                    program="lgx-picks"), 1)
            self.assertEqual(c.http("/readyz")[0], 200)
            self.assertNotIn(lgxenv.API_KEY, text)
            c.signal()
            c.wait(30)
        finally:
            sim.stop()

    def test_lag_is_zero_when_a_restart_finds_nothing_new(self):
        """A consumer started on partitions whose events were all handled
        and committed reports lag 0 (from the committed offset), not the
        whole partition."""
        sim = lgxenv.Simulator(version=19)
        topic = "it.ops.lag"
        try:
            names = outgoing_assigned(sim)[:3]
            self.assertEqual(produce(broker, topic, [
                pick_event(n, [("SKU-1001", 0)], complete=False)
                for n in names]).returncode, 0)
            first = lgxenv.run_consumer("lgx-picks", broker, sim, topic)
            self.assertEqual(len(first.outcomes()), 3, first.outcomes())
            c = lgxenv.Consumer("lgx-picks", broker, sim, topic)
            deadline = time.time() + 30
            text = ""
            while time.time() < deadline:
                _, text = c.http("/metrics")
                if ("lgx_consumer_lag{" in text
                        and metric(text, "lgx_assigned_partitions") > 0):
                    break
                time.sleep(0.3)
            time.sleep(1.5)  # the gauges are refreshed once a second
            _, text = c.http("/metrics")
            self.assertIn("lgx_consumer_lag{", text)
            self.assertEqual(metric(text, "lgx_consumer_lag", topic=topic),
                             0, text)
            c.signal()
            c.wait(30)
        finally:
            sim.stop()

    def test_kafka_consumer_groups_sees_the_commits(self):
        """Kafka's own tools see what lgx commits: after lgx-picks handled
        a few events, kafka-consumer-groups --describe (run by
        test/env/kafka-tools.sh, as the runbook uses it) shows the group's
        committed offset at the end of each partition it read, lag 0;
        events published after it stopped show as lag."""
        sim = lgxenv.Simulator(version=19)
        topic, group = "it.ops.groups", "lgx-picks-it-groups"
        try:
            names = outgoing_assigned(sim)[:4]
            events = [pick_event(n, [("SKU-1001", 0)], complete=False)
                      for n in names]
            events.append(pick_event("WH/OUT/NONE", [("SKU-1001", 1)]))
            self.assertEqual(produce(broker, topic, events).returncode, 0)
            c = lgxenv.run_consumer("lgx-picks", broker, sim, topic,
                                    group=group)
            self.assertEqual(c.proc.returncode, 0)
            self.assertEqual(len(c.outcomes()), len(events), c.outcomes())
            ends = {}  # every partition that holds an event: its end
            for r in broker.read(topic):
                key = (topic, r["partition"])
                ends[key] = max(ends.get(key, 0), r["offset"] + 1)
            self.assertEqual(sum(ends.values()), len(events))
            rows = broker.group_offsets(group)
            self.assertEqual(set(rows), set(ends), rows)
            for key, end in ends.items():
                self.assertEqual(rows[key],
                                 {"current": end, "end": end, "lag": 0}, key)
            # Two more events, nobody consuming: their partitions lag.
            self.assertEqual(produce(broker, topic, events[:2]).returncode, 0)
            rows = broker.group_offsets(group)
            self.assertEqual(sum(r["lag"] for r in rows.values()), 2, rows)
            for key, end in ends.items():
                self.assertEqual(rows[key]["current"], end, key)
        finally:
            sim.stop()

    def test_readiness_follows_odoo(self):
        sim = lgxenv.Simulator(version=19)
        topic = "it.ops.ready"
        port = sim.port
        try:
            # One event that needs nothing of Odoo's custom fields (a
            # restarted simulator has none until set up again): the topic
            # exists and partitions get assigned.
            produce(broker, topic, [pick_event("WH/OUT/NONE",
                                               [("SKU-1001", 5)])])
            c = lgxenv.Consumer("lgx-picks", broker, sim, topic,
                                extra=("--odoo-probe-ms", "300"))
            deadline = time.time() + 30
            while time.time() < deadline and (c.http("/readyz")[0] != 200
                                              or not c.outcomes()):
                time.sleep(0.2)
            self.assertEqual(c.http("/readyz")[0], 200)
            sim.stop()
            deadline = time.time() + 30
            while time.time() < deadline and c.http("/readyz")[0] == 200:
                time.sleep(0.2)
            status, body = c.http("/readyz")
            self.assertEqual(status, 503)
            self.assertIn("degraded", body)
            self.assertEqual(c.http("/healthz")[0], 200)
            self.assertIsNone(c.proc.poll(), "the consumer must keep running")
            sim = lgxenv.Simulator(version=19, port=port)
            deadline = time.time() + 30
            while time.time() < deadline and c.http("/readyz")[0] != 200:
                time.sleep(0.2)
            self.assertEqual(c.http("/readyz")[0], 200)
            c.signal()
            self.assertEqual(c.wait(30), 0)
        finally:
            sim.stop()


if __name__ == "__main__":
    unittest.main()


class KeyRotationTest(unittest.TestCase):
    def test_sighup_reads_the_key_file_again(self):
        import os
        import signal
        sim = lgxenv.Simulator(version=19)
        topic = "it.ops.rotate"
        try:
            produce(broker, topic, [pick_event("WH/OUT/NONE",
                                               [("SKU-1001", 1)])])
            c = lgxenv.Consumer("lgx-picks", broker, sim, topic,
                                extra=("--odoo-probe-ms", "300"))
            deadline = time.time() + 30
            while time.time() < deadline and not c.outcomes():
                time.sleep(0.1)
            # The operator rotates the key in the file and sends SIGHUP:
            # lgx uses the new key from then on (here a revoked one, so
            # the next probe is refused and lgx stops, naming the cause).
            with open(sim.key_file, "w") as f:
                f.write("rotated-but-revoked-key\n")
            c.signal(signal.SIGHUP)
            self.assertEqual(c.wait(30), 1)
            text = open(c.logpath).read()
            self.assertIn("API key read again", text)
            self.assertIn("odoo_auth", text.replace("AccessDenied",
                                                    "odoo_auth")
                          .replace("Unauthorized", "odoo_auth"))
            self.assertNotIn("rotated-but-revoked-key", text)
            self.assertNotIn(lgxenv.API_KEY, text)
            os.unlink(sim.key_file)
        finally:
            sim.stop()


class RulesReloadTest(unittest.TestCase):
    def test_sighup_reloads_rules_and_keeps_them_when_invalid(self):
        import json
        import signal
        sim = lgxenv.Simulator(version=19)
        topic = "it.ops.rules"
        try:
            rules = lgxenv.rules_file(sim.dir)
            names = outgoing_assigned(sim)
            produce(broker, topic, [pick_event(names[0], [("SKU-1001", 0)],
                                               complete=False,
                                               source="wms-a")])
            c = lgxenv.Consumer("lgx-picks", broker, sim, topic,
                                extra=("--rules", rules))

            def wait_lines(n):
                deadline = time.time() + 30
                while time.time() < deadline and len(c.outcomes()) < n:
                    time.sleep(0.1)

            def wait_msg(text):
                deadline = time.time() + 30
                while time.time() < deadline and not any(
                        text in l.get("msg", "") for l in c.lines()):
                    time.sleep(0.1)

            wait_lines(1)
            # An invalid file is refused; the old rules stay.
            with open(rules, "w") as f:
                f.write('{"events": {"pick_confirmed": {"sources": 7}}}')
            c.signal(signal.SIGHUP)
            wait_msg("rules not reloaded")
            produce(broker, topic, [pick_event(names[1], [("SKU-1001", 0)],
                                               complete=False,
                                               source="wms-b")])
            wait_lines(2)
            self.assertNotEqual(c.outcomes()[1]["reason"],
                                "source_not_allowed")
            # A valid file that allows only the 3PL now is taken.
            with open(os.path.join(lgxenv.TOP, "config", "rules.json")) as f:
                doc = json.load(f)
            doc["events"]["pick_confirmed"]["sources"] = ["3pl-*"]
            with open(rules, "w") as f:
                json.dump(doc, f)
            c.signal(signal.SIGHUP)
            wait_msg("rules reloaded")
            produce(broker, topic, [pick_event(names[2], [("SKU-1001", 0)],
                                               complete=False,
                                               source="wms-c")])
            wait_lines(3)
            self.assertEqual(c.outcomes()[2]["reason"], "source_not_allowed")
            msgs = " ".join(l.get("msg", "") for l in c.lines())
            self.assertIn("events.pick_confirmed.sources", msgs)
            c.signal()
            self.assertEqual(c.wait(30), 0)
        finally:
            sim.stop()


class KafkaSettingsTest(unittest.TestCase):
    """Bad --kafka.* settings stop the consumer at start, before Odoo is
    waited for: they were reported only once Odoo answered."""

    def start(self, *kafka):
        import socket
        import subprocess
        import tempfile
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = "http://127.0.0.1:%d" % s.getsockname()[1]
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(lgxenv.API_KEY + "\n")
        try:
            return subprocess.run(
                lgxenv.wrap([os.path.join(lgxenv.BIN, "lgx-picks"),
                             "--brokers", broker.bootstrap,
                             "--http-port", "-1", "--odoo-url", dead,
                             "--odoo-allow-http", "--odoo-api-key-file",
                             f.name, *kafka]),
                capture_output=True, text=True, timeout=30)
        finally:
            os.unlink(f.name)

    def test_unknown_setting_stops_before_odoo(self):
        r = self.start("--kafka.no.such.setting=1")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("configuration: Kafka setting no.such.setting: No such "
                      "configuration property", r.stderr)
        self.assertNotIn("Odoo", r.stderr)

    def test_missing_ca_file_stops_before_odoo(self):
        r = self.start("--kafka.security.protocol=SSL",
                       "--kafka.ssl.ca.location=/nonexistent/ca.pem")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("ssl.ca.location", r.stderr)
        self.assertNotIn("Odoo not reachable", r.stderr)


class OdooStallTest(unittest.TestCase):
    def test_readiness_turns_when_odoo_hangs(self):
        """A frozen Odoo (the simulator stopped with SIGSTOP) neither
        answers nor refuses: /readyz said ready until a call timed out
        (--odoo-timeout-ms, 30 s). Now a call outstanding longer than
        --odoo-stall-ms turns it 503 (lgx_odoo_up 0), within that plus a
        second of the call's start, and back to 200 once calls complete."""
        import signal
        sim = lgxenv.Simulator(version=19)
        topic = "it.ops.stall"
        stall_s = 2.0
        try:
            # Pickings Odoo does not have: each event reads Odoo, then is
            # dead-lettered; enough of them that the consumer is at work.
            produce(broker, topic, [
                pick_event("WH/OUT/STALL%d" % i, [("SKU-1001", 1)])
                for i in range(40)])
            c = lgxenv.Consumer("lgx-picks", broker, sim, topic,
                                extra=("--odoo-probe-ms", "300",
                                       "--odoo-stall-ms",
                                       str(int(stall_s * 1000))))
            deadline = time.time() + 30
            while time.time() < deadline and (c.http("/readyz")[0] != 200
                                              or not c.outcomes()):
                time.sleep(0.1)
            self.assertEqual(c.http("/readyz")[0], 200)
            sim.proc.send_signal(signal.SIGSTOP)
            try:
                frozen = time.time()
                while time.time() < frozen + 10 and \
                        c.http("/readyz")[0] == 200:
                    time.sleep(0.1)
                status, body = c.http("/readyz")
                _, text = c.http("/metrics")
                # An idle consumer's next probe starts within a second and
                # --odoo-probe-ms of the freeze (slack for a loaded CI).
                self.assertLess(time.time() - frozen, stall_s + 4.0)
            finally:
                sim.proc.send_signal(signal.SIGCONT)
            self.assertEqual(status, 503, body)
            self.assertIn("degraded: an Odoo call has been outstanding for ",
                          body)
            self.assertIn("longer than --odoo-stall-ms 2000", body)
            oldest = metric(text, "lgx_odoo_oldest_call_seconds")
            self.assertGreaterEqual(oldest, stall_s)
            self.assertLess(oldest, stall_s + 3.0)
            self.assertEqual(metric(text, "lgx_odoo_up"), 0)
            deadline = time.time() + 10
            while time.time() < deadline and c.http("/readyz")[0] != 200:
                time.sleep(0.1)
            self.assertEqual(c.http("/readyz")[0], 200)
            _, text = c.http("/metrics")
            self.assertEqual(metric(text, "lgx_odoo_up"), 1)
            # (the consumer goes on with the events: a call may be in
            # progress, but none is stalled)
            self.assertLess(metric(text, "lgx_odoo_oldest_call_seconds"),
                            stall_s)
            msgs = [l.get("msg", "") for l in c.lines()]
            self.assertTrue(any(m.startswith("an Odoo call has been "
                                             "outstanding for ")
                                for m in msgs), msgs)
            deadline = time.time() + 30
            while time.time() < deadline and len(c.outcomes()) < 40:
                time.sleep(0.1)
            c.signal()
            self.assertEqual(c.wait(30), 0)
            self.assertEqual(len(c.outcomes()), 40)
        finally:
            sim.stop()
