"""Faults without the disk buffer (issue: the loss must be exactly what the counters say), and
destinations that misbehave: garbage or huge responses, DNS failure, TLS failure. logship must
report, count, keep running and never crash."""

import socket
import threading
import unittest

import harness
from harness import canon


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.nats = harness.start_nats(self)
        self.rx = harness.start_receiver(self)
        self.fixtures = harness.fixture_records()

    def test_long_outage_loss_equals_drop_counter(self):
        # A small queue and a short back-pressure budget: the outage outlasts them on purpose.
        self.rx.respond = lambda req: {"status": 503, "body": "down"}
        env = harness.http_env(self.nats, self.rx, LOGSHIP_HTTP_QUEUE_MAX_EVENTS="50",
                               LOGSHIP_HTTP_QUEUE_FULL_WAIT="100ms",
                               LOGSHIP_HTTP_BATCH_MAX_EVENTS="20", LOGSHIP_HTTP_CONCURRENCY="1")
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        sent = self.fixtures * 4  # 1,200 records while the destination is down
        harness.nats_publish(self.nats.url, sent)
        ls.wait_metric("logship_received_total", lambda v: v >= len(sent), 20)
        ls.wait_metric("logship_buffer_dropped_events_total", lambda v: v > 0, 20, sink="http")
        self.assertEqual(ls.health()[1]["sinks"]["http"]["state"], "retrying")
        self.rx.respond = None  # recovery
        dropped = None

        def settled():
            nonlocal dropped
            dropped = ls.metric("logship_buffer_dropped_events_total", sink="http")
            return harness.delivered_count(self.rx.requests) + dropped >= len(sent)

        harness.wait_until(settled, 30, "delivered + dropped == sent")
        delivered = harness.delivered_count(self.rx.requests)
        self.assertEqual(ls.metric("logship_sink_sent_events_total", sink="http"), delivered)
        ls.assert_clean(self)
        self.assertEqual(delivered + dropped, len(sent), "loss differs from the counter")
        self.assertGreater(delivered, 0)
        print("outage without buffer: %d sent, %d delivered, %d dropped (counted)" %
              (len(sent), delivered, dropped))

    def test_huge_and_garbage_responses(self):
        big = "x" * (8 << 20)
        self.rx.script([{"status": 500, "body": "\x00\xff garbage \r\n\r\n" * 100},
                        {"status": 200, "body": big}])
        ls = harness.start_logship(self, harness.http_env(self.nats, self.rx))
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 300, 20, "300 delivered")
        self.assertTrue(ls.running())
        ls.assert_clean(self)

    def test_dns_failure_is_retried_and_reported(self):
        env = harness.http_env(self.nats, self.rx, LOGSHIP_SHUTDOWN_TIMEOUT="1s")
        env["HTTP_URL"] = "http://no-such-host.invalid/ingest"
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures[:5])
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 2, 20, sink="http")
        sink = ls.health()[1]["sinks"]["http"]
        self.assertEqual(sink["state"], "retrying")
        self.assertIn("resolve", sink["last_error"].lower())
        ls.assert_clean(self)

    def test_tls_failure_is_retried_and_reported(self):
        env = harness.http_env(self.nats, self.rx, LOGSHIP_SHUTDOWN_TIMEOUT="1s")
        env["HTTP_URL"] = "https://127.0.0.1:%d/ingest" % self.rx.port  # plain HTTP behind it
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures[:5])
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 2, 20, sink="http")
        self.assertEqual(ls.health()[1]["sinks"]["http"]["state"], "retrying")
        self.assertIn("ssl", ls.health()[1]["sinks"]["http"]["last_error"].lower())
        ls.assert_clean(self)

    def _tiny_client_buffer_env(self, full_wait):
        """A client buffer of ~150 records behind a hand-off of 16 and a sink queue of 100:
        a destination that hangs fills all of them within a fraction of a second."""
        return harness.http_env(self.nats, self.rx, LOGSHIP_NATS_PENDING_MSGS="1000",
                                LOGSHIP_NATS_PENDING_BYTES="64KiB", LOGSHIP_INTAKE_QUEUE="16",
                                LOGSHIP_HTTP_QUEUE_MAX_EVENTS="100",
                                LOGSHIP_HTTP_QUEUE_FULL_WAIT=full_wait,
                                LOGSHIP_HTTP_CONCURRENCY="1", LOGSHIP_HTTP_BATCH_MAX_EVENTS="10")

    def test_slow_consumer_is_reported(self):
        # A tiny client buffer and a parser held up by a full hand-off: nats.c must drop, and
        # the drop must show in the metric and the log instead of vanishing.
        self.rx.respond = lambda req: {"hang": True}
        ls = harness.start_logship(self, self._tiny_client_buffer_env("10s"))
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures * 10)
        ls.wait_metric("logship_nats_dropped_total", lambda v: v > 0, 20)
        self.assertIn("slow consumer", ls.stderr_text())
        self.rx.release()
        self.rx.respond = None
        ls.stop()

    def test_reads_the_socket_while_waiting_for_room(self):
        # The pump reads its own socket. Blocked on a full sink queue (a hung destination,
        # 10 s of back-pressure), it must keep reading, so that a burst arriving meanwhile
        # fills the client's buffer and is dropped there, counted, instead of waiting in the
        # server until it disconnects the slow client. The first 300 records fit the client
        # buffer and block the pump; the next 3,000 do not fit.
        self.rx.respond = lambda req: {"hang": True}
        env = self._tiny_client_buffer_env("10s")
        env["LOGSHIP_NATS_PENDING_BYTES"] = "1MiB"
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        ls.wait_metric("logship_received_total", lambda v: v >= 110, 10)
        self.assertEqual(ls.metric("logship_nats_dropped_total"), 0)
        harness.nats_publish(self.nats.url, self.fixtures * 10)
        ls.wait_metric("logship_nats_dropped_total", lambda v: v > 0, 5)
        self.assertEqual(ls.metric("logship_nats_disconnects_total"), 0)
        self.rx.release()
        self.rx.respond = None
        ls.stop()

    def test_keeps_draining_while_the_client_drops(self):
        # nats.c reports NATS_SLOW_CONSUMER again after every further drop. The pump once
        # stopped at that status, so with the client buffer full and messages still arriving it
        # never drained again: everything was dropped until the publisher paused. Here a hung
        # destination holds the intake for its 2 s back-pressure budget, the tiny client buffer
        # overflows, and a publisher streams without pause; once the sink sheds, logship must
        # receive again while the stream goes on.
        self.rx.respond = lambda req: {"hang": True}
        ls = harness.start_logship(self, self._tiny_client_buffer_env("2s"))
        ls.wait_healthy(15)
        stop = threading.Event()
        def raw(v):
            return v if isinstance(v, bytes) else v.encode()
        chunk = b"".join(b"PUB %s %d\r\n%s\r\n" % (raw(subj), len(raw(p)), raw(p))
                         for subj, p in self.fixtures[:100])

        def stream():
            host, port = harness._parse_nats_url(self.nats.url)
            with socket.create_connection((host, port), timeout=10) as sock:
                sock.recv(4096)  # INFO
                sock.sendall(b'CONNECT {"verbose":false,"pedantic":false}\r\n')
                while not stop.is_set():
                    sock.sendall(chunk)

        pub = threading.Thread(target=stream, daemon=True)
        pub.start()
        try:
            ls.wait_metric("logship_nats_dropped_total", lambda v: v > 0, 20)
            start = ls.metric("logship_received_total") or 0
            ls.wait_metric("logship_received_total", lambda v: v >= start + 20000, 30)
            self.assertTrue(pub.is_alive(), "the stream ended before logship drained again")
        finally:
            stop.set()
            pub.join(30)
        self.rx.release()
        self.rx.respond = None
        ls.stop()

if __name__ == "__main__":
    unittest.main()
