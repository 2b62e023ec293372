"""Core path, end to end: records published on a real nats-server (or fed with --input) reach
the capture receiver through the http sink byte for byte, exactly once; bad payloads are
shipped or counted, never lost or fatal; per-sink subject filters; SIGTERM flushes a partial
batch.
"""

import json
import unittest

import harness
from harness import canon

TOKEN = "core-test-token-4242"


def worker_lines():
    return [p for s, p in harness.fixture_records() if s.startswith("logs.worker.")]


def payload_candidates(payload):
    """The JSON objects a payload may parse to (last-wins and first-wins for duplicate keys);
    [] when it is not a JSON object, None when it is too deep for Python to parse."""
    text = payload.decode("utf-8", "replace")
    try:
        plain = json.loads(text)
    except RecursionError:
        return None
    except ValueError:
        return []
    if not isinstance(plain, dict):
        return []
    first = json.loads(text, object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    return [plain] if first == plain else [plain, first]


NOT_SCALAR = object()


def json_scalar(payload):
    """The value of a payload that is a JSON string, number, bool or null; else NOT_SCALAR."""
    try:
        v = json.loads(payload.decode("utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):
        return NOT_SCALAR
    return NOT_SCALAR if isinstance(v, (dict, list)) else v


def matches(payload, subject, rec):
    """'raw' when rec is the payload shipped as text, 'parsed' when rec is the payload's
    object, else None. Invalid UTF-8 is compared after U+FFFD replacement, which is what
    logship promises (records() has already checked each body is strict UTF-8)."""
    text = payload.decode("utf-8", "replace")
    if rec.get("message") == text and rec.get("subject") == subject:
        return "raw"
    scalar = json_scalar(payload)
    if scalar is not NOT_SCALAR:
        # PROVIDERS.md Part 1 §1.4: a JSON string/number/bool/null becomes {"message": value}.
        return "wrapped" if rec == {"message": scalar} else None
    cands = payload_candidates(payload)
    if cands is None:
        # Too deep for Python: a parsed copy is recognised by its single top-level key.
        top = set(rec) - {"timestamp", "subject", "source_type"}
        return "parsed" if top == {"a"} else None
    for obj in cands:
        # A non-string timestamp may be replaced by the receive time; everything else stays.
        if obj and all(rec.get(k) == v for k, v in obj.items() if k != "timestamp"):
            return "parsed"
    return None


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.rx = harness.start_receiver(self)

    def _start(self, nats, **extra):
        ls = harness.start_logship(self, harness.http_env(nats, self.rx, token=TOKEN, **extra))
        ls.wait_healthy(15)
        return ls

    def _check_headers(self, reqs, gzip=False):
        for r in reqs:
            self.assertEqual(r["method"], "POST")
            self.assertEqual(r["path"], "/ingest")
            self.assertEqual(harness.header(r, "Content-Type"), "application/json")
            self.assertEqual(harness.header(r, "Authorization"), "Bearer " + TOKEN)
            self.assertTrue((harness.header(r, "User-Agent") or "").startswith("logship/"),
                            harness.header(r, "User-Agent"))
            if gzip:
                self.assertEqual(harness.header(r, "Content-Encoding"), "gzip")
                self.assertNotEqual(r["body"], r["data"])
            else:
                self.assertIsNone(harness.header(r, "Content-Encoding"))

    def _deliver_fixtures(self, gzip, ordered=True, **env):
        nats = harness.start_nats(self)
        extra = dict({"LOGSHIP_HTTP_BATCH_MAX_EVENTS": "1000"}, **env)
        if gzip:
            extra["LOGSHIP_HTTP_COMPRESSION"] = "gzip"
        ls = self._start(nats, **extra)
        lines = harness.fixture_lines()
        harness.nats_publish(nats.url, harness.fixture_records())
        self.rx.wait_for(lambda rs: harness.delivered_count(rs) >= 300, 30, "300 records")
        ls.assert_clean(self)
        reqs = self.rx.requests
        self.assertTrue(all(r["status"] == 200 for r in reqs))
        if ordered:  # one lane (or none) keeps arrival order; lanes keep it per subject
            harness.assert_array_bodies(self, reqs, lines)
        harness.assert_same_records(self, [canon(x) for x in harness.delivered(reqs)], lines)
        self._check_headers(reqs, gzip=gzip)
        return ls, reqs

    def test_fixture_records_delivered_once(self):
        ls, reqs = self._deliver_fixtures(gzip=False)
        err = ls.stderr_text()
        self.assertRegex(err, r"Configured sinks:.*\bhttp\b")
        version = harness.run_logship(["--version"], {}).stdout_text.strip()
        self.assertEqual(harness.header(reqs[0], "User-Agent"),
                         "logship/" + version.split(" ", 1)[1])

    def test_gzip_body_decompresses_to_records(self):
        self._deliver_fixtures(gzip=True)

    def test_parsing_on_the_receiving_thread_or_many_lanes(self):
        # LOGSHIP_PARSE_THREADS=0 (the default) parses on the NATS pump itself; 1 and 3 hand
        # payloads to parsing lanes by subject. Every record arrives once either way, and one
        # instance's records in order.
        for threads in ("0", "1", "3"):
            with self.subTest(threads=threads):
                self.rx.clear()
                _, reqs = self._deliver_fixtures(gzip=False, ordered=threads != "3",
                                                 LOGSHIP_PARSE_THREADS=threads)
                by_subject = {}
                for subject, payload in harness.fixture_records():
                    by_subject.setdefault(subject, []).append(canon(json.loads(payload)))
                got = {}
                for rec in harness.delivered(reqs):
                    inst = rec.get("fly", {}).get("app", {}).get("instance")
                    got.setdefault(inst, []).append(canon(rec))
                for recs in by_subject.values():
                    inst = json.loads(recs[0])["fly"]["app"]["instance"]
                    self.assertEqual([r for r in got[inst] if r in recs], recs)

    def test_bad_payloads_shipped_or_counted(self):
        nats = harness.start_nats(self)
        ls = self._start(nats, LOGSHIP_MAX_RECORD_BYTES="65536",
                         LOGSHIP_HTTP_BATCH_MAX_EVENTS="1000")
        bad = harness.bad_payloads()
        msgs = [("logs.bad.p%d.x" % i, p) for i, p in enumerate(bad)]
        msgs.append(("logs.bad.empty.x", b""))
        msgs.append(("logs.bad.emptyarray.x", b"[]"))
        big = canon({"fly": {"app": {"name": "big", "instance": "i"}, "region": "ord"},
                     "message": "y" * 200000, "timestamp": "2026-11-23T10:00:00.000000001Z"})
        msgs.append(("logs.big.ord.i", big))
        sentinel_subject, sentinel = harness.fixture_records()[1]
        msgs.append((sentinel_subject, sentinel))
        harness.nats_publish(nats.url, msgs)

        ls.wait_metric("logship_received_total", lambda v: v >= len(msgs), 20)
        # Received is counted at the hand-off, before parsing: wait for the parse outcomes too.
        ls.wait_metric("logship_truncated_total", lambda v: v >= 1, 20)
        ls.wait_metric("logship_empty_arrays_total", lambda v: v >= 1, 20)
        ls.wait_metric("logship_empty_payloads_total", lambda v: v >= 1, 20)
        self.rx.wait_for(lambda rs: sentinel in [canon(r) for r in harness.delivered(rs)], 20,
                         "the record published after the bad ones")
        self.assertTrue(ls.running(), "logship died on bad payloads: " + ls.describe())
        self.assertEqual(ls.health()[0], 200)
        self.assertEqual(ls.metric("logship_empty_payloads_total"), 1)
        self.assertEqual(ls.metric("logship_empty_arrays_total"), 1)
        self.assertGreaterEqual(ls.metric("logship_truncated_total"), 1)
        parse_errors = ls.metric("logship_parse_errors_total")
        ls.assert_clean(self)

        recs = harness.delivered(self.rx.requests)
        self.assertIn(sentinel, [canon(r) for r in recs], "record after the bad ones lost")
        truncated = [r for r in recs if "logship_truncated_bytes" in r]
        self.assertEqual(len(truncated), 1, "expected one record marked logship_truncated_bytes")
        self.assertGreater(truncated[0]["logship_truncated_bytes"], 0)
        self.assertLessEqual(len(canon(truncated[0])), 65536 + 1024)

        rest = [r for r in recs if "logship_truncated_bytes" not in r and canon(r) != sentinel]
        raw = 0
        # Empty payloads are counted above; a sink may still ship a marker record for them.
        used = {j for j, r in enumerate(rest)
                if r.get("subject") in ("logs.bad.empty.x", "logs.bad.emptyarray.x")}
        for i, p in enumerate(bad):
            subject = "logs.bad.p%d.x" % i
            if p.startswith(b"["):
                # PROVIDERS.md Part 1 §1.4: one event per element; an object element is the
                # event, any other element becomes {"message": element}. Not a parse error.
                for elem in json.loads(p):
                    want = elem if isinstance(elem, dict) else {"message": elem}
                    mine = [j for j, r in enumerate(rest) if r == want and j not in used]
                    self.assertTrue(mine, "array element %r of %r not shipped" % (elem, p))
                    used.add(mine[0])
                continue
            hits = [(j, matches(p, subject, r)) for j, r in enumerate(rest)]
            hits = [(j, kind) for j, kind in hits if kind]
            self.assertEqual(len(hits), 1, "payload %r shipped %d times, expected once" %
                             (p[:60], len(hits)))
            j, kind = hits[0]
            used.add(j)
            if kind == "raw":
                raw += 1
                self.assertEqual(rest[j].get("source_type"), "nats", rest[j])
                self.assertIsInstance(rest[j].get("timestamp"), str)
            if payload_candidates(p) == [] and json_scalar(p) is NOT_SCALAR:
                self.assertEqual(kind, "raw", "non-JSON payload %r not shipped raw" % p[:60])
        self.assertEqual(sorted(used), list(range(len(rest))),
                         "records that match no payload: %r" %
                         [rest[j] for j in range(len(rest)) if j not in used][:3])
        self.assertGreaterEqual(raw, 5)  # the five payloads that are not JSON
        self.assertEqual(parse_errors, raw)

    def test_input_file_delivers_all_and_exits(self):
        path = harness.fixture_path("fly-logs.ndjson")
        ls = harness.start_logship(self, harness.http_env(None, self.rx, token=TOKEN),
                                   args=["--input", path])
        self.assertEqual(ls.wait_exit(30), 0, ls.describe())
        ls.assert_clean(self)
        reqs = self.rx.requests
        lines = harness.fixture_lines()
        harness.assert_array_bodies(self, reqs, lines)
        harness.assert_same_records(self, [canon(x) for x in harness.delivered(reqs)], lines)
        self._check_headers(reqs)

    def test_default_batch_is_at_most_a_million_bytes(self):
        # The default byte limit bounds memory under load (LS_SINK_DEFAULT_BATCH_BYTES): 2.4 MB
        # of records read at once go out as full 1 MB bodies, not one 10 MB body as in Vector.
        lines = [json.dumps({"message": "m%05d %s" % (i, "x" * 760), "n": i},
                            separators=(",", ":"), sort_keys=True) for i in range(3000)]
        env = harness.http_env(None, self.rx, token=TOKEN, LOGSHIP_HTTP_COMPRESSION="gzip")
        ls = harness.start_logship(self, env, args=["--input", "-"],
                                   stdin=("\n".join(lines) + "\n").encode())
        self.assertEqual(ls.wait_exit(30), 0, ls.describe())
        ls.assert_clean(self)
        reqs = self.rx.requests
        # Decompressed sizes, largest first: requests in flight together may arrive in any order.
        sizes = sorted((len(r["data"]) for r in reqs), reverse=True)
        self.assertGreaterEqual(len(reqs), 3, sizes)
        self.assertLessEqual(sizes[0], 1000000, sizes)
        self.assertGreater(sizes[1], 990000, sizes)
        harness.assert_same_records(self, [canon(x) for x in harness.delivered(reqs)],
                                    [canon(json.loads(x)) for x in lines])

    def test_input_stdin_subject_lines_filtered(self):
        with open(harness.fixture_path("fly-logs.subjects.ndjson"), "rb") as f:
            data = f.read()
        env = harness.http_env(None, self.rx, token=TOKEN,
                               LOGSHIP_HTTP_SUBJECT="logs.worker.>")
        ls = harness.start_logship(self, env, args=["--input", "-"], stdin=data)
        self.assertEqual(ls.wait_exit(30), 0, ls.describe())
        ls.assert_clean(self)
        got = [canon(x) for x in harness.delivered(self.rx.requests)]
        harness.assert_same_records(self, got, worker_lines(), "worker records")

    def test_sink_subject_filter(self):
        nats = harness.start_nats(self)
        out = harness.temp_dir(self)
        ls = self._start(nats, LOGSHIP_HTTP_SUBJECT="logs.worker.>", LOGSHIP_FILE_DIR=out,
                         LOGSHIP_FILE_BATCH_TIMEOUT="100ms")
        self.assertRegex(ls.stderr_text(), r"Configured sinks:.*\bhttp\b")
        self.assertRegex(ls.stderr_text(), r"Configured sinks:.*\bfile\b")
        harness.nats_publish(nats.url, harness.fixture_records())
        ls.wait_metric("logship_received_total", lambda v: v >= 300, 20)
        ls.assert_clean(self)
        got = [canon(x) for x in harness.delivered(self.rx.requests)]
        harness.assert_same_records(self, got, worker_lines(), "http (worker) records")
        harness.assert_same_records(self, harness.tree_lines(out), harness.fixture_lines(),
                                    "file sink records")

    def test_sigterm_flushes_partial_batch(self):
        nats = harness.start_nats(self)
        ls = self._start(nats, LOGSHIP_HTTP_BATCH_TIMEOUT="60s",
                         LOGSHIP_HTTP_BATCH_MAX_EVENTS="1000")
        five = harness.fixture_records()[:5]
        harness.nats_publish(nats.url, five)
        ls.wait_metric("logship_sink_events_total", lambda v: v >= 5, 15, sink="http")
        self.assertEqual(ls.metric("logship_sink_events_total", sink="http"), 5)
        self.assertEqual(self.rx.requests, [], "batch flushed before its 60s timeout")
        self.assertEqual(ls.stop(timeout=15), 0, ls.describe())
        ls.assert_clean(self)
        got = [canon(x) for x in harness.delivered(self.rx.requests)]
        harness.assert_same_records(self, got, [p for _, p in five])

    def test_sigterm_right_after_publishing_delivers_everything(self):
        """Records the server has taken before SIGTERM all arrive: stopping, the pump reads
        what is left on its socket before it lets go (without those last rounds a burst still
        being read at SIGTERM lost its tail, in about one run of four here). It also makes a
        round trip to the server first, for what the server had not written yet; on loopback
        that window is too short to show in a test."""
        nats = harness.start_nats(self)
        ls = self._start(nats)
        records = harness.fixture_records() * 20
        harness.nats_publish(nats.url, records)
        self.assertEqual(ls.stop(timeout=20), 0, ls.describe())
        ls.assert_clean(self)
        got = [canon(x) for x in harness.delivered(self.rx.requests)]
        harness.assert_same_records(self, got, [p for _, p in records])


if __name__ == "__main__":
    unittest.main()
