"""The NATS source against a real nats-server: health and counters follow a server outage,
delivery resumes after the server comes back on the same port, instances sharing a QUEUE
split the stream without duplicates, and a server that demands TLS is followed.
"""

import shutil
import tempfile
import unittest

import harness
from harness import canon

PROBE_SUBJECT = "logs.probe.ord.p"


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.nats = harness.start_nats(self)
        self.fixtures = harness.fixture_records()

    def _probe_until_delivered(self, rx, timeout=20):
        """Publishes a probe record until one arrives: after a reconnect the client re-sends
        its SUB asynchronously, so this is the condition that says the path is open again."""
        probe = canon({"message": "probe", "timestamp": "2026-11-23T10:00:00Z"})

        def arrived():
            harness.nats_publish(self.nats.url, [(PROBE_SUBJECT, probe)])
            try:
                rx.wait_for(lambda rs: probe in [canon(x) for x in harness.delivered(rs)],
                            0.5)
                return True
            except AssertionError:
                return False
        harness.wait_until(arrived, timeout, "probe record delivered", interval=0)
        return probe

    def test_server_restart_health_and_delivery(self):
        rx = harness.start_receiver(self)
        ls = harness.start_logship(self, harness.http_env(self.nats, rx))
        status, body = ls.wait_healthy(15)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["nats"]["state"], "connected")
        self.assertIs(body["nats"]["subscribed"], True)
        self.assertIn(body["sinks"]["http"]["state"], ("ok", "retrying", "failing"))

        self.nats.stop()
        status, body = ls.wait_unhealthy(10)
        self.assertEqual(status, 503)
        self.assertEqual(body["status"], "unavailable")
        self.assertIn(body["nats"]["state"], ("disconnected", "reconnecting"))
        ls.wait_metric("logship_nats_disconnects_total", lambda v: v >= 1, 10)
        self.assertTrue(ls.running())

        self.nats.restart()
        status, body = ls.wait_healthy(30)
        self.assertEqual(body["nats"]["state"], "connected")
        ls.wait_metric("logship_nats_reconnects_total", lambda v: v >= 1, 10)
        probe = self._probe_until_delivered(rx)

        harness.nats_publish(self.nats.url, self.fixtures)
        want = [p for _, p in self.fixtures]
        rx.wait_for(lambda rs: len(set(want) & set(canon(x) for x in harness.delivered(rs)))
                    >= len(want), 30, "records published after the restart")
        ls.assert_clean(self)
        got = [canon(x) for x in harness.delivered(rx.requests) if canon(x) != probe]
        harness.assert_same_records(self, got, want)

    def test_queue_group_splits_stream(self):
        rxs = [harness.start_receiver(self) for _ in range(2)]
        instances = []
        for rx in rxs:
            ls = harness.start_logship(self, harness.http_env(self.nats, rx, QUEUE="shippers"))
            instances.append(ls)
        for ls in instances:
            ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        harness.wait_until(
            lambda: sum(ls.metric("logship_received_total") for ls in instances) >= 300, 20,
            "300 records received across the queue group")
        for ls in instances:
            ls.assert_clean(self)
        shares = [[canon(x) for x in harness.delivered(rx.requests)] for rx in rxs]
        self.assertTrue(all(shares), "one instance got nothing: %r" % [len(s) for s in shares])
        harness.assert_same_records(self, shares[0] + shares[1], [p for _, p in self.fixtures])

    def test_three_instances_share_and_take_over(self):
        """Scale-out (issue: three instances, one nats-server): every record delivered exactly
        once across them, and stopping one mid-stream moves its share to the others."""
        rx = harness.start_receiver(self)  # one destination, as three Fly machines would share
        instances = [harness.start_logship(self, harness.http_env(self.nats, rx, QUEUE="fleet"))
                     for _ in range(3)]
        for ls in instances:
            ls.wait_healthy(15)
        first = [(s, p) for s, p in self.fixtures]
        harness.nats_publish(self.nats.url, first)
        rx.wait_for(lambda rs: harness.delivered_count(rs) >= 300, 20, "first 300")
        got = [ls.metric("logship_received_total") for ls in instances]
        self.assertTrue(all(g > 0 for g in got), "an instance got no share: %r" % got)
        # One machine goes away (SIGTERM flushes what it holds); the others take its share.
        self.assertEqual(instances[0].stop(), 0)
        harness.nats_publish(self.nats.url, first)
        rx.wait_for(lambda rs: harness.delivered_count(rs) >= 600, 20, "second 300")
        for ls in instances[1:]:
            ls.assert_clean(self)
        recs = [canon(x) for x in harness.delivered(rx.requests)]
        harness.assert_same_records(self, recs, [p for _, p in first] * 2)

    def test_server_that_requires_tls(self):
        """A nats:// URL to a server that requires TLS: the client upgrades and verifies it
        with LOGSHIP_NATS_CA_FILE. The pump reads the socket itself (src/source/nats_loop.c),
        so this also checks that nothing waits inside the TLS layer: a large burst, then a
        few records alone, each arrive in full without more traffic behind them."""
        d = tempfile.mkdtemp(prefix="ls-nats-ca-")
        self.addCleanup(shutil.rmtree, d, True)
        certs = harness.make_test_certs(d)
        tls = harness.start_nats(self, args=["--tls", "--tlscert", certs["server.pem"],
                                             "--tlskey", certs["server.key"]])
        rx = harness.start_receiver(self)
        ls = harness.start_logship(self, harness.http_env(
            tls, rx, LOGSHIP_NATS_CA_FILE=certs["ca.pem"]))
        status, body = ls.wait_healthy(15)
        self.assertEqual(body["nats"]["state"], "connected")
        burst = self.fixtures * 40
        harness.nats_publish(tls.url, burst, ca=certs["ca.pem"])
        rx.wait_for(lambda rs: harness.delivered_count(rs) >= len(burst), 30,
                    "%d records over TLS" % len(burst))
        few = self.fixtures[:3]
        harness.nats_publish(tls.url, few, ca=certs["ca.pem"])
        rx.wait_for(lambda rs: harness.delivered_count(rs) >= len(burst) + len(few), 10,
                    "three more records over TLS")
        ls.assert_clean(self)
        harness.assert_same_records(self, [canon(x) for x in harness.delivered(rx.requests)],
                                    [p for _, p in burst + few])
        self.assertEqual(ls.metric("logship_nats_dropped_total"), 0)
        # nats.c 3.4 and OpenSSL's exit handler both freed the same list (main.c): a crash
        # at exit after every TLS connection.
        self.assertEqual(ls.stop(), 0)

    def test_server_without_tls_refused_when_a_ca_is_given(self):
        """LOGSHIP_NATS_CA_FILE asks for TLS: a server that does not offer it is refused, never
        used in plain text. nats.c gives up on that error, so logship says why and exits
        (code 3) instead of running on without a connection."""
        d = tempfile.mkdtemp(prefix="ls-nats-ca-")
        self.addCleanup(shutil.rmtree, d, True)
        certs = harness.make_test_certs(d)
        rx = harness.start_receiver(self)
        ls = harness.start_logship(self, harness.http_env(
            self.nats, rx, LOGSHIP_NATS_CA_FILE=certs["ca.pem"]))
        self.assertEqual(ls.wait_exit(20), 3)
        err = ls.stderr_text()
        self.assertIn("will not retry", err)
        self.assertIn("LOGSHIP_NATS_CA_FILE is set: the server must offer TLS", err)
        self.assertNotIn("connected to NATS", err)
        self.assertNotIn("test-token-abc", err)
        self.assertEqual(harness.sanitizer_reports(err), [])

if __name__ == "__main__":
    unittest.main()
