"""HTTP delivery outcomes against a misbehaving receiver: 5xx and connection resets are
retried until delivered exactly once, 429 Retry-After is honoured, 403/400 are rejected
(counted, logged with the body, dead-lettered when configured) without stopping the sink, 413
splits the batch, and a hanging provider neither blocks other sinks nor shutdown.
"""

import time
import unittest

import harness
from harness import canon, records


def lines_of(reqs):
    return [canon(x) for x in harness.delivered(reqs)]


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.rx = harness.start_receiver(self)
        self.nats = harness.start_nats(self)
        self.fixtures = harness.fixture_records()

    def _start(self, **extra):
        env = harness.http_env(self.nats, self.rx, **extra)
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        return ls

    def _publish(self, msgs):
        harness.nats_publish(self.nats.url, msgs)
        return [p for _, p in msgs]

    def _wait_delivered(self, n, timeout=30):
        return self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= n, timeout,
                                "%d delivered records" % n)

    def test_500_then_200_delivered_once(self):
        self.rx.script([{"status": 500}])
        ls = self._start()
        sent = self._publish(self.fixtures)
        self._wait_delivered(len(sent))
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 1, 10, sink="http")
        ls.assert_clean(self)
        reqs = self.rx.requests
        self.assertEqual(reqs[0]["status"], 500)
        harness.assert_same_records(self, lines_of(reqs), sent)
        failed = [canon(x) for x in records(reqs[0])]
        self.assertTrue(set(failed) <= set(lines_of(reqs)))

    def test_429_retry_after_is_honoured(self):
        self.rx.script([{"status": 429, "headers": {"Retry-After": "1"}}])
        ls = self._start(LOGSHIP_HTTP_CONCURRENCY="1")
        sent = self._publish(self.fixtures[:10])
        reqs = self._wait_delivered(len(sent))
        first = reqs[0]
        self.assertEqual(first["status"], 429)
        marker = canon(records(first)[0])
        retry = next(r for r in reqs[1:] if marker in [canon(x) for x in records(r)])
        gap = retry["time"] - first["time"]
        self.assertGreaterEqual(gap, 0.9, "retry came %.3fs after 429 Retry-After: 1" % gap)
        self.assertLess(gap, 10)
        ls.assert_clean(self)
        harness.assert_same_records(self, lines_of(self.rx.requests), sent)

    def test_403_rejected_logged_and_sink_continues(self):
        self.rx.script([{"status": 403, "body": "forbidden: bad key"}])
        ls = self._start()
        self._publish(self.fixtures[:5])
        first = self.rx.wait_for(lambda rs: len(rs) >= 1, 15, "first request")[0]
        self.assertEqual(first["status"], 403)
        rejected = [canon(x) for x in records(first)]
        ls.wait_metric("logship_sink_rejected_events_total", lambda v: v >= len(rejected), 10,
                       sink="http")
        harness.wait_until(lambda: "forbidden: bad key" in ls.stderr_text(), 10,
                           "403 body in stderr")
        logged = [ln for ln in ls.stderr_text().splitlines() if "forbidden: bad key" in ln]
        self.assertEqual(len(logged), 1, "rejection should be logged once: %r" % logged)
        self.assertIn("403", logged[0])
        self.assertTrue(ls.running())

        later = self._publish(self.fixtures[5:10])
        self.rx.wait_for(lambda rs: set(later) <= set(lines_of(rs)), 15, "next batch")
        self.assertEqual(ls.metric("logship_sink_rejected_events_total", sink="http"),
                         len(rejected))
        ls.assert_clean(self)
        got = lines_of(self.rx.requests)
        self.assertFalse(set(rejected) & set(got), "rejected records were delivered later")
        harness.assert_same_records(self, got, [p for _, p in self.fixtures[:10]
                                                if p not in rejected])

    def test_413_splits_batch_to_single_records(self):
        # Without compression the halves are framed from the body the batch kept; with gzip
        # (a compact batch keeps only the compressed bytes) from the body inflated again.
        for compression in ("none", "gzip"):
            with self.subTest(compression=compression):
                self.rx.clear()
                self.rx.respond = lambda req: {"status": 413} if len(records(req)) > 1 else None
                ls = self._start(LOGSHIP_HTTP_BATCH_MAX_EVENTS="1000",
                                 LOGSHIP_HTTP_COMPRESSION=compression)
                sent = self._publish(self.fixtures[:20])
                self._wait_delivered(len(sent))
                self.assertEqual(ls.metric("logship_sink_rejected_events_total", sink="http"), 0)
                ls.assert_clean(self)
                reqs = self.rx.requests
                self.assertTrue(any(r["status"] == 413 for r in reqs))
                ok = [r for r in reqs if r["status"] == 200]
                self.assertTrue(all(len(records(r)) == 1 for r in ok))
                if compression == "gzip":
                    self.assertTrue(all(harness.header(r, "Content-Encoding") == "gzip"
                                        for r in reqs))
                harness.assert_same_records(self, lines_of(reqs), sent)
                ls.stop()

    def test_hanging_http_does_not_block_file_sink(self):
        self.rx.respond = lambda req: {"hang": True}
        out = harness.temp_dir(self)
        ls = self._start(LOGSHIP_FILE_DIR=out, LOGSHIP_FILE_BATCH_TIMEOUT="100ms",
                         LOGSHIP_HTTP_REQUEST_TIMEOUT="30s")
        sent = self._publish(self.fixtures)
        harness.wait_until(lambda: len(harness.tree_lines_settled(out) or []) >= len(sent), 15,
                           "file sink has all records while http hangs")
        harness.assert_same_records(self, harness.tree_lines(out), sent, "file sink records")
        # The file sink may finish before the http sink's first request even arrives: await it.
        self.rx.wait_for(lambda rs: len(rs) >= 1, 15, "the http sink's hanging request")
        self.assertEqual(harness.delivered_count(self.rx.requests), 0)
        ls.wait_metric("logship_sink_inflight_requests", lambda v: v >= 1, 10, sink="http")
        self.rx.respond = None
        self.rx.release()
        self._wait_delivered(len(sent))
        ls.assert_clean(self)

    def test_sigterm_waits_for_hung_request_until_deadline(self):
        self.rx.respond = lambda req: {"hang": True}
        ls = self._start(LOGSHIP_SHUTDOWN_TIMEOUT="2s", LOGSHIP_HTTP_REQUEST_TIMEOUT="60s")
        self._publish(self.fixtures[:5])
        self.rx.wait_for(lambda rs: len(rs) >= 1, 15, "hung request")
        t0 = time.monotonic()
        code = ls.stop(timeout=15)
        elapsed = time.monotonic() - t0
        self.assertEqual(code, 0, ls.describe())
        self.assertGreaterEqual(elapsed, 1.5, "did not wait for the in-flight request")
        self.assertLess(elapsed, 10, "ignored LOGSHIP_SHUTDOWN_TIMEOUT=2s")
        ls.assert_clean(self)

    def test_connection_reset_retried(self):
        self.rx.script([{"reset": True}])
        ls = self._start()
        sent = self._publish(self.fixtures[:10])
        self._wait_delivered(len(sent))
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 1, 10, sink="http")
        ls.assert_clean(self)
        reqs = self.rx.requests
        self.assertEqual(reqs[0]["outcome"], "reset")
        harness.assert_same_records(self, lines_of(reqs), sent)

    def test_dead_letter_holds_rejected_records(self):
        dead = harness.temp_dir(self)
        self.rx.script([{"status": 400, "body": "bad request: schema"}])
        ls = self._start(LOGSHIP_DEAD_LETTER_DIR=dead)
        self._publish(self.fixtures[:5])
        first = self.rx.wait_for(lambda rs: len(rs) >= 1, 15, "first request")[0]
        self.assertEqual(first["status"], 400)
        rejected = [canon(x) for x in records(first)]
        ls.wait_metric("logship_sink_dead_letter_events_total", lambda v: v >= len(rejected),
                       10, sink="http")

        def content():
            try:
                return b"\n".join(harness.read_tree(dead).values())
            except Exception:  # noqa: BLE001 - file mid-write
                return b""
        harness.wait_until(lambda: all(line in content() for line in rejected), 10,
                           "rejected records in the dead-letter dir")
        ls.assert_clean(self)
        self.assertEqual(ls.returncode, 0)


if __name__ == "__main__":
    unittest.main()
