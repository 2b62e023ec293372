"""The durable disk buffer (LOGSHIP_BUFFER_DIR), end to end with real processes: long outages,
kill -9, SIGTERM with a dead destination, torn tails, a full buffer, an unusable directory.
Every test counts what arrived at the receiver, and reports duplicates (at-least-once)."""

import collections
import glob
import os
import signal
import unittest

import harness
from harness import canon


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.nats = harness.start_nats(self)
        self.rx = harness.start_receiver(self)
        self.dir = harness.temp_dir(self)
        self.fixtures = harness.fixture_records()

    def _env(self, **extra):
        env = harness.http_env(self.nats, self.rx, LOGSHIP_BUFFER_DIR=self.dir,
                               LOGSHIP_HTTP_BATCH_MAX_EVENTS="50")
        env.update(extra)
        return env

    def _counts(self):
        return collections.Counter(canon(r) for r in harness.delivered(self.rx.requests))

    def _assert_all_once_or_more(self, expected, what):
        got = self._counts()
        missing = [p for p in set(expected) if got[p] < expected.count(p)]
        self.assertFalse(missing, "%s: %d records missing" % (what, len(missing)))
        dup = sum(got.values()) - len(expected)
        return dup

    def test_long_outage_nothing_lost_memory_bounded(self):
        self.rx.respond = lambda req: {"status": 503}
        env = self._env(LOGSHIP_HTTP_QUEUE_MAX_EVENTS="50", LOGSHIP_HTTP_QUEUE_FULL_WAIT="100ms")
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        sent = [p for _, p in self.fixtures] * 4
        harness.nats_publish(self.nats.url, self.fixtures * 4)
        ls.wait_metric("logship_buffer_events", lambda v: v >= len(sent) - 100, 20, sink="http")
        self.assertEqual(ls.metric("logship_buffer_dropped_events_total", sink="http"), 0)
        self.rx.respond = None
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= len(sent), 30, "all after outage")
        ls.wait_metric("logship_buffer_events", lambda v: v == 0, 20, sink="http")
        ls.assert_clean(self)
        dup = self._assert_all_once_or_more(sent, "after the outage")
        self.assertEqual(dup, 0, "duplicates without any crash")
        print("outage with buffer: %d sent, %d delivered, %d duplicated, 0 dropped" %
              (len(sent), len(sent) + dup, dup))

    def test_kill_9_then_restart_delivers_everything_buffered(self):
        self.rx.respond = lambda req: {"status": 503}
        ls = harness.start_logship(self, self._env())
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        ls.wait_metric("logship_buffer_events", lambda v: v >= 300, 20, sink="http")
        ls.kill()  # SIGKILL while retrying: nothing flushed, nothing acknowledged
        self.rx.respond = None
        again = harness.start_logship(self, self._env())
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 300, 30, "replayed records")
        again.wait_metric("logship_buffer_events", lambda v: v == 0, 20, sink="http")
        again.assert_clean(self)
        dup = self._assert_all_once_or_more([p for _, p in self.fixtures], "after kill -9")
        print("kill -9 replay: 300 sent, %d delivered, %d duplicated" % (300 + dup, dup))

    def test_sigterm_with_dead_destination_keeps_records_for_next_start(self):
        self.rx.respond = lambda req: {"status": 503}
        ls = harness.start_logship(self, self._env(LOGSHIP_SHUTDOWN_TIMEOUT="1s"))
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        ls.wait_metric("logship_buffer_events", lambda v: v >= 300, 20, sink="http")
        self.assertEqual(ls.stop(timeout=15), 0)
        self.assertIn("stay in the disk buffer", ls.stderr_text())
        self.rx.respond = None
        again = harness.start_logship(self, self._env())
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 300, 30, "records of the last run")
        again.assert_clean(self)
        self._assert_all_once_or_more([p for _, p in self.fixtures], "after SIGTERM")

    def test_torn_tail_is_skipped_and_counted(self):
        self.rx.respond = lambda req: {"status": 503}
        ls = harness.start_logship(self, self._env())
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures)
        ls.wait_metric("logship_buffer_events", lambda v: v >= 300, 20, sink="http")
        ls.kill()
        segs = sorted(p for p in glob.glob(os.path.join(self.dir, "http", "*"))
                      if os.path.getsize(p) > 4096 and "ack" not in os.path.basename(p))
        self.assertTrue(segs, os.listdir(os.path.join(self.dir, "http")))
        with open(segs[-1], "r+b") as f:  # a power cut in the middle of the last block
            f.truncate(os.path.getsize(segs[-1]) - 100)
        # A retry the killed instance had already sent must still be answered 503, or its
        # records count as delivered by the second run.
        harness.wait_until(lambda: self.rx.open_connections() == 0, 10, "killed client's requests")
        self.rx.respond = None
        again = harness.start_logship(self, self._env())
        again.wait_healthy(15)
        again.wait_metric("logship_buffer_corrupt_blocks_total", lambda v: v >= 1, 10, sink="http")
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 1, 20, "records before the tear")
        again.wait_metric("logship_buffer_events", lambda v: v == 0, 20, sink="http")
        self.assertTrue(again.running())
        again.assert_clean(self)
        self.assertGreater(harness.delivered_count(self.rx.requests), 0)
        self.assertLess(harness.delivered_count(self.rx.requests), 300)

    def test_full_buffer_drops_newest_and_counts(self):
        self.rx.respond = lambda req: {"status": 503}
        ls = harness.start_logship(self, self._env(LOGSHIP_BUFFER_MAX_BYTES="1MiB",
                                                   LOGSHIP_SHUTDOWN_TIMEOUT="1s"))
        ls.wait_healthy(15)
        harness.nats_publish(self.nats.url, self.fixtures * 12)  # ~1.5 MB of records
        ls.wait_metric("logship_buffer_dropped_events_total", lambda v: v > 0, 20, sink="http")
        self.assertIn("disk buffer full", ls.stderr_text())
        self.assertLessEqual(ls.metric("logship_buffer_bytes", sink="http"), 1 << 20)
        self.assertEqual(ls.stop(timeout=15), 0)

    def test_unusable_buffer_dir_is_a_clear_error(self):
        blocker = os.path.join(self.dir, "file")
        with open(blocker, "w") as f:
            f.write("not a directory")
        p = harness.run_logship([], self._env(LOGSHIP_BUFFER_DIR=blocker))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("LOGSHIP_BUFFER_DIR", p.stderr_text)
