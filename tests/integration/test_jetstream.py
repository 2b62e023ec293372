"""JetStream at-least-once (self-hosted NATS): a durable pull consumer, each message acked only
after every sink settled it. Kill logship mid-stream, restart: nothing is lost."""

import json
import os
import socket
import unittest

import harness
from harness import canon

STREAM = "LOGS"


def js_request(url, subject, payload, timeout=10.0):
    """One request/reply over the raw NATS protocol (for the JetStream API)."""
    host, port = harness._parse_nats_url(url)
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        f = sock.makefile("rb")
        f.readline()  # INFO
        body = json.dumps(payload).encode()
        sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\nSUB _INBOX.t 1\r\n'
                     b"PUB %s _INBOX.t %d\r\n%s\r\nPING\r\n" % (subject.encode(), len(body), body))
        while True:
            line = f.readline()
            if not line:
                raise AssertionError("no reply to " + subject)
            if line.startswith(b"MSG "):
                n = int(line.split()[-1])
                return json.loads(f.read(n + 2)[:n])
            if line.startswith(b"-ERR"):
                raise AssertionError(line.decode())
    finally:
        sock.close()


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        store = harness.temp_dir(self)
        self.nats = harness.start_nats(self, args=("-js", "-sd", store))
        reply = js_request(self.nats.url, "$JS.API.STREAM.CREATE." + STREAM,
                           {"name": STREAM, "subjects": ["logs.>"], "storage": "file"})
        self.assertNotIn("error", reply, reply)
        self.rx = harness.start_receiver(self)
        self.fixtures = harness.fixture_records()

    def _env(self, **extra):
        env = harness.http_env(self.nats, self.rx, LOGSHIP_JETSTREAM_STREAM=STREAM,
                               LOGSHIP_JETSTREAM_DURABLE="shipper")
        env.update(extra)
        return env

    def _consumer(self):
        return js_request(self.nats.url, "$JS.API.CONSUMER.INFO.%s.shipper" % STREAM, {})

    def test_every_record_delivered_and_acked(self):
        ls = harness.start_logship(self, self._env())
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 300, 20, "300 records")
        ls.wait_metric("logship_jetstream_acks_total", lambda v: v >= 300, 20)
        harness.wait_until(lambda: self._consumer().get("num_ack_pending") == 0, 10,
                           "no message left un-acknowledged")
        ls.assert_clean(self)
        harness.assert_same_records(self, [canon(r) for r in harness.delivered(self.rx.requests)],
                                    [p for _, p in self.fixtures])

    def test_kill_mid_stream_then_restart_loses_nothing(self):
        # The destination is down: nothing can be delivered, so nothing may be acknowledged.
        self.rx.respond = lambda req: {"status": 503}
        # Un-acknowledged messages come back after AckWait; keep it short for the test.
        env = self._env(LOGSHIP_JETSTREAM_ACK_WAIT="2s")
        first = harness.start_logship(self, env)
        first.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        first.wait_metric("logship_received_total", lambda v: v >= 300, 20)
        self.assertEqual(first.metric("logship_jetstream_acks_total"), 0)
        first.kill()  # SIGKILL: no flush, no acks
        self.rx.respond = None
        second = harness.start_logship(self, env)
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 300, 30,
                         "300 records after the restart")
        second.wait_metric("logship_jetstream_acks_total", lambda v: v >= 300, 20)
        second.assert_clean(self)
        got = {canon(r) for r in harness.delivered(self.rx.requests)}
        self.assertEqual(got, {p for _, p in self.fixtures})

    def test_max_ack_pending_is_reported(self):
        self.rx.respond = lambda req: {"hang": True}
        ls = harness.start_logship(self, self._env(LOGSHIP_JETSTREAM_MAX_ACK_PENDING="20"))
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        ls.wait_metric("logship_jetstream_max_ack_pending_total", lambda v: v >= 1, 15)
        self.assertIn("MaxAckPending reached", ls.stderr_text())
        self.assertLessEqual(ls.metric("logship_received_total"), 20)
        self.rx.respond = None
        self.rx.release()
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 300, 30, "all after release")
        ls.assert_clean(self)
