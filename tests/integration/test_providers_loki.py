"""Provider tests for the Loki-protocol sinks (loki, opsverse; PROVIDERS.md Part 2 §2, §3) and
the Elasticsearch-bulk sinks (sematext, erasearch; Part 1 §2.7, Part 2 §4): golden requests
from the worked record R and crafted records, per-item bulk verdicts and Loki status handling
with a scripted receiver, end-to-end delivery of the 300 fixture records through a real
nats-server, activation (on / off / partial with the exact problem text) and secrets.
"""

import base64
import json
import re
import unittest

import harness
import providers
from providers import R

LOKI_ENV = {"LOKI_URL": "https://logs-prod-012.grafana.net/", "LOKI_USERNAME": "123456",
            "LOKI_PASSWORD": "glc_loki-secret-password-0987"}
OPSVERSE_ENV = {"OPSVERSE_LOGS_ENDPOINT": "https://loki.opsverse.example",
                "OPSVERSE_USERNAME": "ops-user-4711", "OPSVERSE_PASSWORD": "ops-secret-pass-1234"}
SEMATEXT_ENV = {"SEMATEXT_TOKEN": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"}
ERASEARCH_ENV = {"ERASEARCH_URL": "https://era.example.com/", "ERASEARCH_INDEX": "fly-logs",
                 "ERASEARCH_AUTH": "Bearer era-secret-key-5566"}

SINKS = {"loki": ("LOKI", LOKI_ENV), "opsverse": ("OPSVERSE", OPSVERSE_ENV),
         "sematext": ("SEMATEXT", SEMATEXT_ENV), "erasearch": ("ERASEARCH", ERASEARCH_ENV)}

SECRETS = [LOKI_ENV["LOKI_USERNAME"], LOKI_ENV["LOKI_PASSWORD"],
           OPSVERSE_ENV["OPSVERSE_USERNAME"], OPSVERSE_ENV["OPSVERSE_PASSWORD"],
           SEMATEXT_ENV["SEMATEXT_TOKEN"], ERASEARCH_ENV["ERASEARCH_AUTH"],
           "era-secret-key-5566"]

# Records for the label rules: no log.level (level "<null>"), a JSON message that overrides
# labels, the same stream out of time order, a non-numeric label value, and a payload that is
# not JSON (Vector's raw shape; only the level label, "<null>").
LABEL_RECORDS = [
    b'{"event":{"provider":"app"},"fly":{"app":{"instance":"i1","name":"web"},"region":"ams"},'
    b'"host":"h1","message":"third in time","timestamp":"2026-11-23T10:00:03Z"}',
    b'{"event":{"provider":"app"},"fly":{"app":{"instance":"i1","name":"web"},"region":"ams"},'
    b'"host":"h1","message":"first in time","timestamp":"2026-11-23T10:00:01.5Z"}',
    b'{"fly":{"app":{"name":"web"}},"host":7,"log":{"level":"info"},'
    b'"message":"{\\"level\\":\\"warn\\",\\"n\\":1.50}",'
    b'"timestamp":"2026-11-23T10:00:02Z"}',
    b'not json at all',
]


# The raw record's entry time is its receive time: the only stream labelled just level="<null>".
RAW_TIME = re.compile(r'(\{"stream":\{"level":"<null>"\},"values":\[\[")\d+"')


def normalize_raw_time(text):
    return RAW_TIME.sub(r'\1NOW"', text)


def fast(sink_env):
    return {"LOGSHIP_%s_BATCH_TIMEOUT" % sink_env: "100ms",
            "LOGSHIP_%s_RETRY_INITIAL_BACKOFF" % sink_env: "50ms",
            "LOGSHIP_%s_RETRY_MAX_BACKOFF" % sink_env: "500ms"}


def sink_env(name, rx, **extra):
    env_name, env = SINKS[name]
    out = dict(env)
    out.update(providers.endpoint_env(env_name, rx))
    out.update(fast(env_name))
    out.update(extra)
    return out


def loki_entries(req):
    """[(labels dict, ts string, line string)] of one push request, in body order."""
    body = json.loads(req["data"])
    out = []
    for stream in body["streams"]:
        for ts, line in stream["values"]:
            out.append((stream["stream"], ts, line))
    return out


def bulk_docs(req):
    """[(action, document)] of one bulk request; asserts the NDJSON shape."""
    data = req["data"].decode("utf-8")
    assert data.endswith("\n"), "bulk body must end with a line feed"
    lines = data[:-1].split("\n")
    assert len(lines) % 2 == 0, "bulk body has an action without a document"
    return [(json.loads(lines[i]), json.loads(lines[i + 1])) for i in range(0, len(lines), 2)]


def bulk_answer(statuses):
    items = [{"index": {"_index": "fly-logs", "status": s,
                        **({"error": {"type": "x", "reason": "r"}} if s >= 300 else {})}}
             for s in statuses]
    return {"status": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"took": 3, "errors": any(s >= 300 for s in statuses),
                                "items": items})}


def rfc3339_ns(text):
    """ns since the epoch of a UTC `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, as a decimal string."""
    import calendar
    m = re.fullmatch(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)(?:\.(\d+))?Z", text)
    secs = calendar.timegm(tuple(int(g) for g in m.groups()[:6]))
    frac = (m.group(7) or "").ljust(9, "0")[:9]
    return str(secs * 1000000000 + int(frac))


def numbered(n):
    """n distinct records shaped like R, told apart by their message."""
    r = json.loads(R)
    out = []
    for i in range(n):
        r["message"] = "m%d" % i
        out.append(harness.canon(r))
    return out


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.rx = harness.start_receiver(self)

    # -- golden requests ------------------------------------------------------------------------
    def test_loki_golden_worked_example(self):
        reqs, _ = providers.run_input(self, sink_env("loki", self.rx), [R], self.rx)
        self.assertEqual(len(reqs), 1)
        self.assertEqual(harness.header(reqs[0], "Authorization"),
                         "Basic " + base64.b64encode(b"123456:glc_loki-secret-password-0987")
                         .decode())
        providers.assert_golden(self, reqs[0], "loki", "worked-example")

    def test_loki_golden_label_rules(self):
        reqs, _ = providers.run_input(self, sink_env("loki", self.rx), LABEL_RECORDS, self.rx)
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "loki", "label-rules", normalize_raw_time)

    def test_opsverse_golden_worked_example(self):
        reqs, _ = providers.run_input(self, sink_env("opsverse", self.rx), [R], self.rx)
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "opsverse", "worked-example")

    def test_opsverse_golden_label_rules(self):
        reqs, _ = providers.run_input(self, sink_env("opsverse", self.rx), LABEL_RECORDS,
                                      self.rx)
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "opsverse", "label-rules", normalize_raw_time)

    def test_sematext_golden_worked_example(self):
        reqs, _ = providers.run_input(self, sink_env("sematext", self.rx), [R], self.rx)
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "sematext", "worked-example")

    def test_erasearch_golden_worked_example(self):
        merged = harness.fixture_lines()[10]  # its message is a JSON object: merged
        self.assertIn(b'"message":"{', merged)
        reqs, _ = providers.run_input(self, sink_env("erasearch", self.rx), [R, merged], self.rx)
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "erasearch", "worked-example")

    def test_loki_empty_credentials_still_send_basic(self):
        env = sink_env("loki", self.rx, LOKI_USERNAME="", LOKI_PASSWORD="")
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(harness.header(reqs[0], "Authorization"), "Basic Og==")

    def test_loki_url_path_kept_and_slash_trimmed(self):
        env = sink_env("loki", self.rx, LOKI_URL="https://gw.example.com/tenant-a//")
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(reqs[0]["path"], "/tenant-a/loki/api/v1/push")

    def test_sematext_region_eu_any_case(self):
        for region in ("eu", "EU", "Eu"):
            with self.subTest(region=region):
                p = harness.run_logship(["--check"], dict(
                    SEMATEXT_ENV, SEMATEXT_REGION=region, NATS_URL="nats://127.0.0.1:1"))
                self.assertEqual(p.returncode, 0, p.stdout_text + p.stderr_text)
                self.assertIn("url: https://logsene-receiver.eu.sematext.com/_bulk?timeout=60s",
                              p.stdout_text)
        p = harness.run_logship(["--check"], dict(SEMATEXT_ENV, SEMATEXT_REGION="US",
                                                  NATS_URL="nats://127.0.0.1:1"))
        self.assertIn("url: https://logsene-receiver.sematext.com/_bulk?timeout=60s",
                      p.stdout_text)

    def test_erasearch_index_strftime_uses_record_time(self):
        env = sink_env("erasearch", self.rx, ERASEARCH_INDEX="fly-%Y.%m.%d")
        late = R.replace(b"2026-11-23T10:00:00.493842299Z", b"2026-12-31T23:59:59Z")
        reqs, _ = providers.run_input(self, env, [R, late], self.rx)
        docs = [d for r in reqs for d in bulk_docs(r)]
        self.assertEqual([a["index"]["_index"] for a, _ in docs],
                         ["fly-2026.11.23", "fly-2026.12.31"])

    # -- response handling ----------------------------------------------------------------------
    def test_erasearch_bulk_items_retried_or_rejected(self):
        recs = numbered(4)
        self.rx.script([bulk_answer([201, 429, 400, 503])])
        env = sink_env("erasearch", self.rx, LOGSHIP_ERASEARCH_BATCH_MAX_EVENTS="4")
        reqs, ls = providers.run_input(self, env, recs, self.rx, expect_requests=2)
        self.assertEqual(len(reqs), 2, self.rx.summary())
        first = [d["message"] for _, d in bulk_docs(reqs[0])]
        again = [d["message"] for _, d in bulk_docs(reqs[1])]
        self.assertEqual(first, ["m0", "m1", "m2", "m3"])
        self.assertEqual(again, ["m1", "m3"], "only the 429 and 503 items go again")
        self.assertIn("1 of 4 items rejected", ls.stderr_text())

    def test_sematext_bulk_item_429_retried(self):
        recs = numbered(2)
        self.rx.script([bulk_answer([429, 201])])
        env = sink_env("sematext", self.rx, LOGSHIP_SEMATEXT_BATCH_MAX_EVENTS="2")
        reqs, ls = providers.run_input(self, env, recs, self.rx, expect_requests=2)
        self.assertEqual(len(reqs), 2, self.rx.summary())
        self.assertEqual([d["message"] for _, d in bulk_docs(reqs[1])], ["m0"])
        self.assertNotIn("rejected", ls.stderr_text())

    def test_erasearch_bulk_errors_false_single_request(self):
        self.rx.set_default(bulk_answer([201, 201, 201]))
        env = sink_env("erasearch", self.rx, LOGSHIP_ERASEARCH_BATCH_MAX_EVENTS="3")
        reqs, _ = providers.run_input(self, env, numbered(3), self.rx)
        self.assertEqual(len(reqs), 1, self.rx.summary())

    def test_loki_500_retried_then_delivered(self):
        self.rx.script([{"status": 500, "body": "ingester unavailable"}])
        self.rx.set_default({"status": 204})
        reqs, _ = providers.run_input(self, sink_env("loki", self.rx), [R], self.rx,
                                      expect_requests=2)
        self.assertEqual(len(reqs), 2, self.rx.summary())
        self.assertEqual(reqs[0]["data"], reqs[1]["data"])

    def test_loki_400_rejected_without_retry(self):
        self.rx.set_default({"status": 400, "body": "entry too far behind"})
        reqs, ls = providers.run_input(self, sink_env("loki", self.rx), [R], self.rx)
        self.assertEqual(len(reqs), 1, self.rx.summary())
        self.assertIn("rejected", ls.stderr_text())

    # -- end to end -----------------------------------------------------------------------------
    def _end_to_end(self, name, count_fn):
        nats = harness.start_nats(self)
        env = sink_env(name, self.rx, NATS_URL=nats.url)
        env["LOGSHIP_LOG_LEVEL"] = "info"
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        fixtures = harness.fixture_records()
        harness.nats_publish(nats.url, fixtures)
        self.rx.wait_for(lambda rs: sum(len(count_fn(r)) for r in rs) >= len(fixtures), 30,
                         "%s: all fixture records" % name)
        ls.assert_clean(self)
        got = [k for r in self.rx.requests for k in count_fn(r)]
        self.assertEqual(len(got), len(fixtures), "%s: records arrived more than once" % name)
        self.assertEqual(len(set(got)), len(fixtures), "%s: duplicated records" % name)
        return got

    def test_loki_end_to_end_fixtures_once(self):
        got = self._end_to_end("loki", lambda r: [(ts, line) for _, ts, line in loki_entries(r)])
        # Entry times are the records' own times (PROVIDERS.md §0 item 3).
        want = {rfc3339_ns(json.loads(p)["timestamp"]) for _, p in harness.fixture_records()}
        self.assertEqual({ts for ts, _ in got}, want)

    def test_opsverse_end_to_end_fixtures_once(self):
        self._end_to_end("opsverse",
                         lambda r: [(ts, line) for _, ts, line in loki_entries(r)])

    def test_sematext_end_to_end_fixtures_once(self):
        got = self._end_to_end("sematext",
                               lambda r: [d["@timestamp"] for _, d in bulk_docs(r)])
        want = {json.loads(p)["timestamp"] for _, p in harness.fixture_records()}
        self.assertEqual(set(got), want)

    def test_erasearch_end_to_end_fixtures_once(self):
        got = self._end_to_end("erasearch",
                               lambda r: [json.dumps(d, sort_keys=True) for _, d in bulk_docs(r)])
        self.assertEqual(len(got), 300)

    # -- activation and secrets -----------------------------------------------------------------
    def _check(self, env):
        env = dict(env, NATS_URL="nats://127.0.0.1:1")
        p = harness.run_logship(["--check"], env)
        self.assertFalse(harness.sanitizer_reports(p.stderr_text), p.stderr_text)
        return p, p.stdout_text + p.stderr_text

    def _sinks(self, out):
        m = re.search(r"^Configured sinks:(.*)$", out, re.M)
        self.assertIsNotNone(m, out)
        return m.group(1).split()

    def test_activation_on_each_provider(self):
        for name, (_env_name, env) in SINKS.items():
            with self.subTest(provider=name):
                p, out = self._check(env)
                self.assertEqual(p.returncode, 0, out)
                self.assertEqual(self._sinks(out), [name])

    def test_activation_off_without_variables(self):
        p, out = self._check({"SEMATEXT_REGION": "eu"})  # optional alone turns nothing on
        self.assertEqual(p.returncode, 0, out)
        self.assertEqual(self._sinks(out), [])

    def test_activation_partial_names_the_variable(self):
        cases = [
            ({"LOKI_URL": "https://l.example.com"},
             ["loki: LOKI_USERNAME is not set (LOKI_URL is)",
              "loki: LOKI_PASSWORD is not set (LOKI_URL is)"]),
            ({"LOKI_URL": "https://l.example.com", "LOKI_USERNAME": ""},
             ["loki: LOKI_PASSWORD is not set (LOKI_URL is)"]),
            ({"OPSVERSE_PASSWORD": "p"},
             ["opsverse: OPSVERSE_LOGS_ENDPOINT is not set (OPSVERSE_PASSWORD is)",
              "opsverse: OPSVERSE_USERNAME is not set (OPSVERSE_PASSWORD is)"]),
            ({"ERASEARCH_URL": "https://e.example.com", "ERASEARCH_INDEX": "i"},
             ["erasearch: ERASEARCH_AUTH is not set (ERASEARCH_URL is)"]),
            (dict(SEMATEXT_ENV, SEMATEXT_REGION="mars"),
             ['sematext: SEMATEXT_REGION must be us or eu (any case), not "mars"']),
            (dict(LOKI_ENV, LOKI_URL="https://u:p@l.example.com"),
             ["loki: LOKI_URL must not hold credentials (user:password@); use LOKI_USERNAME "
              "and LOKI_PASSWORD"]),
        ]
        for env, problems in cases:
            with self.subTest(env=sorted(env)):
                p, out = self._check(env)
                self.assertEqual(p.returncode, 1, out)
                lines = [ln.strip() for ln in p.stdout_text.splitlines()]
                for want in problems:
                    self.assertIn(want, lines)
                self.assertEqual(self._sinks(out), [])

    def test_loki_and_opsverse_run_together(self):
        p, out = self._check(dict(LOKI_ENV, **OPSVERSE_ENV))
        self.assertEqual(p.returncode, 0, out)
        self.assertEqual(self._sinks(out), ["loki", "opsverse"])

    def test_secrets_never_printed(self):
        env = {}
        for _name, (_e, vals) in SINKS.items():
            env.update(vals)
        p, out = self._check(env)
        self.assertEqual(p.returncode, 0, out)
        harness.assert_no_secret(self, [out], SECRETS)
        # The daemon at debug level, with a retry and a rejection to log about.
        self.rx.script([{"status": 500}, {"status": 401, "body": "unauthorized"}])
        env = {}
        for name in SINKS:
            env.update(sink_env(name, self.rx))
        env["LOGSHIP_LOG_LEVEL"] = "debug"
        reqs, ls = providers.run_input(self, env, [R], self.rx, expect_requests=4)
        self.assertIn(SEMATEXT_ENV["SEMATEXT_TOKEN"], "".join(r["data"].decode() for r in reqs))
        harness.assert_no_secret(self, [ls.stderr_text(), ls.stdout_text()], SECRETS)


if __name__ == "__main__":
    unittest.main()
