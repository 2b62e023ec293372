"""The self-canary, end to end (issue: a stalled stream must be detected). The test plays the
Fly platform: a forwarder tails logship's stdout and publishes each line, as Fly would, as a
log record on logship's own subject. Stop the forwarder (the stream stalls while the NATS
connection stays up) and /health must turn 503; restore it and /health is 200 again."""

import json
import os
import threading
import time
import unittest

import harness

APP, REGION, MACHINE = "logship-test", "ord", "e784079b449d89"
SUBJECT = "logs.%s.%s.%s" % (APP, REGION, MACHINE)


class Forwarder(threading.Thread):
    """Publishes every new stdout line of logship as a Fly record on its own subject."""

    def __init__(self, ls, nats_url):
        super().__init__(daemon=True)
        self.ls, self.url = ls, nats_url
        self.enabled = threading.Event()
        self.enabled.set()
        self.stopping = threading.Event()
        self.forwarded = 0

    def run(self):
        pos = 0
        while not self.stopping.is_set():
            try:
                with open(self.ls.stdout_path, "rb") as f:
                    f.seek(pos)
                    data = f.read()
            except OSError:
                data = b""
            lines = data.split(b"\n")
            complete, rest = lines[:-1], lines[-1]
            pos += len(data) - len(rest)
            if complete and self.enabled.is_set():
                msgs = [(SUBJECT, record(line.decode())) for line in complete if line]
                try:
                    harness.nats_publish(self.url, msgs)
                    self.forwarded += len(msgs)
                except (OSError, AssertionError):
                    pass
            self.stopping.wait(0.05)  # tailing a file: poll it, bounded by the test's waits


def record(line):
    return json.dumps({"event": {"provider": "app"},
                       "fly": {"app": {"instance": MACHINE, "name": APP}, "region": REGION},
                       "host": "5f3a", "log": {"level": "info"}, "message": line,
                       "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())},
                      sort_keys=True, separators=(",", ":")).encode()


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.nats = harness.start_nats(self)
        self.rx = harness.start_receiver(self)

    def _start(self, **extra):
        env = harness.http_env(self.nats, self.rx, FLY_APP_NAME=APP, FLY_REGION=REGION,
                               FLY_MACHINE_ID=MACHINE, LOGSHIP_CANARY_INTERVAL="300ms",
                               LOGSHIP_CANARY_TIMEOUT="1500ms")
        env.update(extra)
        ls = harness.start_logship(self, env)
        fwd = Forwarder(ls, self.nats.url)
        fwd.start()
        self.addCleanup(fwd.stopping.set)
        return ls, fwd

    def test_echo_keeps_health_ok(self):
        ls, fwd = self._start()
        ls.wait_healthy(15)
        ls.wait_metric("logship_canary_echoes_total", lambda v: v >= 3, 15)
        status, body = ls.health()
        self.assertEqual(status, 200)
        self.assertEqual(body["canary"]["state"], "ok")
        self.assertEqual(body["canary"]["subject"], SUBJECT)
        self.assertEqual(ls.metric("logship_canary_resubscribes_total"), 0)
        ls.assert_clean(self)

    def test_stalled_stream_turns_health_503_then_recovers(self):
        ls, fwd = self._start()
        ls.wait_metric("logship_canary_echoes_total", lambda v: v >= 2, 15)
        ls.wait_healthy(15)
        fwd.enabled.clear()  # the platform stops shipping our stdout: connected, but stalled
        t0 = time.monotonic()
        ls.wait_unhealthy(15)
        elapsed = time.monotonic() - t0
        # One timeout (1.5 s) to resubscribe, another to reconnect and report 503.
        self.assertGreaterEqual(elapsed, 2.5)
        self.assertLess(elapsed, 10.0)
        self.assertGreaterEqual(ls.metric("logship_canary_resubscribes_total"), 1)
        self.assertGreaterEqual(ls.metric("logship_canary_reconnects_total"), 1)
        self.assertEqual(ls.health()[1]["canary"]["state"], "missing")
        self.assertIn("no echo of our heartbeat", ls.stderr_text())
        fwd.enabled.set()
        ls.wait_healthy(10)
        self.assertEqual(ls.health()[1]["canary"]["state"], "ok")
        ls.assert_clean(self)

    def test_heartbeats_are_not_shipped_to_sinks(self):
        ls, fwd = self._start()
        ls.wait_metric("logship_canary_echoes_total", lambda v: v >= 3, 15)
        harness.nats_publish(self.nats.url, harness.fixture_records()[:5])
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 5, 15, "fixture records")
        ls.assert_clean(self)
        recs = harness.delivered(self.rx.requests)
        self.assertEqual(len(recs), 5)
        self.assertFalse([r for r in recs if "logship-canary" in r.get("message", "")])

    def test_heartbeats_shipped_when_asked(self):
        ls, fwd = self._start(LOGSHIP_CANARY_SHIP="1")
        self.rx.wait_for(lambda rs: any("logship-canary" in r.get("message", "")
                                        for r in harness.delivered(rs)), 15, "a heartbeat")
        ls.assert_clean(self)

    def test_canary_off_without_fly_variables(self):
        env = harness.http_env(self.nats, self.rx, LOGSHIP_CANARY_INTERVAL="200ms")
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        status, body = ls.health()
        self.assertNotIn("canary", body)
        self.assertNotIn("logship-canary", ls.stdout_text())
        ls.assert_clean(self)
