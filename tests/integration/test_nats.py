"""The NATS source against a real nats-server: health and counters follow a server outage,
delivery resumes after the server comes back on the same port, and instances sharing a QUEUE
split the stream without duplicates.
"""

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


if __name__ == "__main__":
    unittest.main()
