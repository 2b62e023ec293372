"""Provider tests for the http family (PROVIDERS.md Part 1 §2.1, §2.4 axiom, §2.9 appsignal,
§2.10–§2.18): golden requests from environment variables and the worked record R, the default
retry rules on these providers' paths, activation (on / off / partial with the exact problem
text), secrets never printed, and end-to-end delivery of the 300 fixture records through a real
nats-server, exactly once, for every provider."""

import copy
import json
import re
import unittest

import harness
import providers
from providers import R


def move_or_null(src, dst):
    def f(rec):
        rec = copy.deepcopy(rec)
        rec[dst] = rec.pop(src, None)
        return rec
    return f


def copy_level(rec):
    rec = copy.deepcopy(rec)
    log = rec.get("log")
    rec["level"] = log.get("level") if isinstance(log, dict) else None
    return rec


def same(rec):
    return rec


def unwrap_log(rec):
    if not (isinstance(rec, dict) and list(rec) == ["log"]):
        raise AssertionError("not an AppSignal {\"log\": ...} wrapper: %r" % (rec,))
    return rec["log"]


class Row:
    """One provider: the variables that turn it on, its LOGSHIP_<SINK>_* name, what the request
    looks like (path, one identifying header, framing) and what a record becomes."""

    def __init__(self, name, sink, env, path, header, ndjson=False, gzip=False,
                 transform=same, unwrap=same, kind="http", max_bytes=None):
        self.name, self.sink, self.env, self.path, self.header = name, sink, env, path, header
        self.ndjson, self.gzip, self.transform, self.unwrap = ndjson, gzip, transform, unwrap
        self.kind, self.max_bytes = kind, max_bytes


ROWS = {r.name: r for r in [
    Row("axiom", "AXIOM", {"AXIOM_TOKEN": "xaat-axiom-token-0001", "AXIOM_DATASET": "fly-logs"},
        "/v1/datasets/fly-logs/ingest?timestamp-field=timestamp",
        ("Authorization", "Bearer xaat-axiom-token-0001")),
    Row("appsignal", "APPSIGNAL", {"APPSIGNAL_PUSH_API_KEY": "appsignal-push-key-0002"},
        "/vector/events", ("Authorization", "Bearer appsignal-push-key-0002"), gzip=True,
        unwrap=unwrap_log, kind="appsignal", max_bytes=450000),
    Row("baselime", "BASELIME", {"BASELIME_API_KEY": "baselime-api-key-0003"}, "/v1/flyio",
        ("Authorization", "Bearer baselime-api-key-0003"), max_bytes=6000000),
    Row("better_stack", "BETTER_STACK", {"BETTER_STACK_SOURCE_TOKEN": "bs-source-token-0004"},
        "/", ("Authorization", "Bearer bs-source-token-0004"),
        transform=move_or_null("timestamp", "dt")),
    Row("hyperdx", "HYPERDX", {"HYPERDX_API_KEY": "hyperdx-api-key-0005"},
        "/?hdx_platform=flyio", ("Authorization", "Bearer hyperdx-api-key-0005")),
    Row("highlight", "HIGHLIGHT", {"HIGHLIGHT_PROJECT_ID": "hl-project-0006"},
        "/v1/logs/json", ("X-Highlight-Project", "hl-project-0006"), ndjson=True, gzip=True),
    Row("honeybadger", "HONEYBADGER", {"HONEYBADGER_API_KEY": "hbp-honeybadger-key-0007"},
        "/v1/events", ("X-API-Key", "hbp-honeybadger-key-0007"), ndjson=True,
        transform=move_or_null("timestamp", "ts"), max_bytes=102400),
    Row("logflare", "LOGFLARE", {"LOGFLARE_API_KEY": "logflare-api-key-0008",
                                 "LOGFLARE_SOURCE_TOKEN": "5f3c-source-uuid-0009"},
        "/logs/vector?source=5f3c-source-uuid-0009", ("X-API-Key", "logflare-api-key-0008"),
        transform=copy_level),
    Row("openobserve", "OPENOBSERVE", {
        "OPENOBSERVE_URI": "https://oo.example.com/api/default/fly/_json",
        "OPENOBSERVE_USER": "root@example.com", "OPENOBSERVE_PASSWORD": "oo-password-0010"},
        "/api/default/fly/_json",
        ("Authorization", "Basic cm9vdEBleGFtcGxlLmNvbTpvby1wYXNzd29yZC0wMDEw"), gzip=True,
        kind="openobserve"),
    Row("signoz", "SIGNOZ", {"SIGNOZ_INGESTION_KEY": "signoz-ingestion-key-0011"},
        "/logs/vector", ("signoz-ingestion-key", "signoz-ingestion-key-0011")),
    Row("uptrace", "UPTRACE", {"UPTRACE_API_KEY": "uptrace-api-key-0012", "UPTRACE_PROJECT": "7"},
        "/api/v1/vector/logs", ("uptrace-dsn", "https://uptrace-api-key-0012@uptrace.dev/7"),
        ndjson=True, gzip=True, kind="uptrace"),
]}

# The exact problem of a provider with some but not all of its required variables (§0 item 4).
# Rows with a single trigger variable (or a ONE_OF pair) cannot be partial.
PARTIAL = [
    ({"AXIOM_TOKEN": "t-123456"}, "axiom: AXIOM_DATASET is not set (AXIOM_TOKEN is)"),
    ({"AXIOM_DATASET": "d", "AXIOM_TOKEN": ""},
     "axiom: AXIOM_TOKEN is not set (AXIOM_DATASET is)"),
    ({"LOGFLARE_API_KEY": "k-123456"},
     "logflare: LOGFLARE_SOURCE_TOKEN is not set (LOGFLARE_API_KEY is)"),
    ({"LOGFLARE_SOURCE_TOKEN": "s-123456"},
     "logflare: LOGFLARE_API_KEY is not set (LOGFLARE_SOURCE_TOKEN is)"),
    ({"OPENOBSERVE_USER": "u"}, "openobserve: OPENOBSERVE_URI is not set (OPENOBSERVE_USER is)"),
    ({"OPENOBSERVE_USER": "u"},
     "openobserve: OPENOBSERVE_PASSWORD is not set (OPENOBSERVE_USER is)"),
    ({"OPENOBSERVE_URI": "https://o.example.com/x", "OPENOBSERVE_PASSWORD": "p-123456"},
     "openobserve: OPENOBSERVE_USER is not set (OPENOBSERVE_URI is)"),
    ({"UPTRACE_API_KEY": "k-123456"}, "uptrace: UPTRACE_PROJECT is not set (UPTRACE_API_KEY is)"),
    ({"UPTRACE_PROJECT": "7", "UPTRACE_SINK_ENCODING": "json"},
     "uptrace: UPTRACE_API_KEY is not set (UPTRACE_PROJECT is)"),
]

# Optional variables alone never turn a provider on.
OPTIONAL_ONLY = {
    "BASELIME_DATASET": "prod", "BETTER_STACK_INGESTING_HOST": "in.example.com",
    "SIGNOZ_URI": "https://signoz.example.com/logs/vector",
    "SIGNOZ_INGESTION_URL": "https://signoz.example.com/logs/vector",
    "UPTRACE_SINK_INPUT": "log_json", "UPTRACE_SINK_ENCODING": "json",
}


def output(p):
    return p.stdout_text + p.stderr_text


def check(env):
    return harness.run_logship(["--check"], dict(env, NATS_URL="nats://127.0.0.1:1"))


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.rx = harness.start_receiver(self)

    # -- golden requests -----------------------------------------------------------------------
    def _golden(self, provider, case, env, lines=(R,), sink=None, normalize=None):
        env = dict(env)
        env.update(providers.endpoint_env(sink or ROWS[provider].sink, self.rx))
        reqs, _ = providers.run_input(self, env, list(lines), self.rx)
        self.assertEqual(len(reqs), 1, self.rx.summary())
        providers.assert_golden(self, reqs[0], provider, case, normalize)
        return reqs[0]

    def test_http_golden_request(self):
        env = {"HTTP_URL": "https://logs.example.com/ingest?src=fly", "HTTP_TOKEN": "tok-123456"}
        self._golden("http", "worked-example", env, sink="HTTP")

    def test_http_without_token_sends_no_authorization(self):
        env = {"HTTP_URL": self.rx.url + "/x"}
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertIsNone(harness.header(reqs[0], "Authorization"))

    def test_axiom_golden_request(self):
        req = self._golden("axiom", "worked-example", ROWS["axiom"].env)
        self.assertIsNone(harness.header(req, "x-axiom-org-id"))

    def test_axiom_dataset_percent_encoded_in_path(self):
        # A value in the URL path stays one segment: RFC 3986 percent-encoding, `/` included.
        env = dict(ROWS["axiom"].env, AXIOM_DATASET="my logs/x")
        env.update(providers.endpoint_env("AXIOM", self.rx))
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(reqs[0]["path"],
                         "/v1/datasets/my%20logs%2Fx/ingest?timestamp-field=timestamp")

    def test_logflare_source_token_percent_encoded_in_query_and_masked(self):
        token = "src token&x=1/2"
        env = dict(ROWS["logflare"].env, LOGFLARE_SOURCE_TOKEN=token)
        env.update(providers.endpoint_env("LOGFLARE", self.rx))
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(reqs[0]["path"], "/logs/vector?source=src%20token%26x%3D1%2F2")
        # --check masks the secret in the form the URL holds it.
        p = check(env)
        self.assertEqual(p.returncode, 0, output(p))
        self.assertIn("/logs/vector?source=****", p.stdout_text)
        harness.assert_no_secret(self, [output(p)], [token, "src%20token%26x%3D1%2F2"])

    def test_appsignal_golden_request(self):
        req = self._golden("appsignal", "worked-example", ROWS["appsignal"].env)
        self.assertEqual(harness.header(req, "Content-Encoding"), "gzip")
        self.assertIsNone(harness.header(req, "Content-Type"))

    def test_appsignal_golden_fixture_records(self):
        self._golden("appsignal", "fixture-records", ROWS["appsignal"].env,
                     harness.fixture_lines()[:3])

    def test_baselime_golden_request(self):
        self._golden("baselime", "worked-example", ROWS["baselime"].env)

    def test_baselime_dataset_in_path(self):
        env = dict(ROWS["baselime"].env, BASELIME_DATASET="prod")
        self._golden("baselime", "dataset", env)

    def test_baselime_empty_dataset_means_flyio(self):
        env = dict(ROWS["baselime"].env, BASELIME_DATASET="")
        env.update(providers.endpoint_env("BASELIME", self.rx))
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(reqs[0]["path"], "/v1/flyio")

    def test_better_stack_golden_request(self):
        self._golden("better_stack", "worked-example", ROWS["better_stack"].env)

    def test_better_stack_logtail_token_fallback(self):
        self._golden("better_stack", "logtail-token", {"LOGTAIL_TOKEN": "logtail-token-0099"})

    def test_better_stack_source_token_wins_over_logtail(self):
        env = dict(ROWS["better_stack"].env, LOGTAIL_TOKEN="logtail-token-0099")
        env.update(providers.endpoint_env("BETTER_STACK", self.rx))
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(harness.header(reqs[0], "Authorization"), "Bearer bs-source-token-0004")

    def test_better_stack_without_timestamp_sends_null_dt(self):
        self._golden("better_stack", "no-timestamp", ROWS["better_stack"].env,
                     [b'{"host":"34d6","message":"no time here"}'])

    def test_better_stack_ingesting_host_in_url(self):
        env = dict(ROWS["better_stack"].env, BETTER_STACK_INGESTING_HOST="in.eu.example.com")
        p = check(env)
        self.assertEqual(p.returncode, 0, output(p))
        self.assertIn("url: https://in.eu.example.com", p.stdout_text)

    def test_hyperdx_golden_request(self):
        self._golden("hyperdx", "worked-example", ROWS["hyperdx"].env)

    def test_highlight_golden_request(self):
        req = self._golden("highlight", "worked-example", ROWS["highlight"].env)
        self.assertEqual(harness.header(req, "Content-Encoding"), "gzip")

    def test_honeybadger_golden_request(self):
        self._golden("honeybadger", "worked-example", ROWS["honeybadger"].env)

    def test_honeybadger_golden_fixture_records(self):
        self._golden("honeybadger", "fixture-records", ROWS["honeybadger"].env,
                     harness.fixture_lines()[:3])

    def test_honeybadger_raw_payload_keeps_receive_time_in_ts(self):
        norm = lambda t: re.sub(r'"ts":"[^"]+"', '"ts":"NOW"', t)  # noqa: E731
        req = self._golden("honeybadger", "raw-payload", ROWS["honeybadger"].env,
                           [b"plain text, not json"], normalize=norm)
        rec = harness.records(req)[0]
        self.assertRegex(rec["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

    def test_logflare_golden_request(self):
        self._golden("logflare", "worked-example", ROWS["logflare"].env)

    def test_logflare_without_log_level_sends_null_level(self):
        self._golden("logflare", "no-log-level", ROWS["logflare"].env,
                     [b'{"message":"m","timestamp":"2026-11-23T10:00:00Z"}'])

    def test_openobserve_golden_request(self):
        req = self._golden("openobserve", "worked-example", ROWS["openobserve"].env)
        self.assertEqual(harness.header(req, "Content-Encoding"), "gzip")

    def test_signoz_golden_request(self):
        self._golden("signoz", "worked-example", ROWS["signoz"].env)

    def test_signoz_ingestion_url_wins_over_uri(self):
        env = dict(ROWS["signoz"].env, SIGNOZ_URI="https://old.example.com/logs/old",
                   SIGNOZ_INGESTION_URL="https://ingest.eu.signoz.cloud/logs/vector?r=eu")
        self._golden("signoz", "ingestion-url", env)

    def test_signoz_uri_alone_sets_path(self):
        env = dict(ROWS["signoz"].env, SIGNOZ_URI="https://self.example.com/v/logs")
        env.update(providers.endpoint_env("SIGNOZ", self.rx))
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(reqs[0]["path"], "/v/logs")
        self.assertIsNone(harness.header(reqs[0], "signoz-access-token"))

    def test_uptrace_golden_request(self):
        self._golden("uptrace", "worked-example", ROWS["uptrace"].env)

    def test_uptrace_text_codec_golden(self):
        env = dict(ROWS["uptrace"].env, UPTRACE_SINK_ENCODING="text",
                   UPTRACE_SINK_INPUT="log_json")
        self._golden("uptrace", "text-codec", env, [R, b'{"message":"second line"}'])

    # -- retry rules on these providers' paths (the default table applies to all of them) -----
    def test_honeybadger_413_splits_and_delivers_each_record_once(self):
        self.rx.script([{"status": 413, "body": "payload too large"}])
        lines = harness.fixture_lines()[:10]
        env = dict(ROWS["honeybadger"].env, **providers.endpoint_env("HONEYBADGER", self.rx))
        env["LOGSHIP_HONEYBADGER_RETRY_INITIAL_BACKOFF"] = "10ms"
        reqs, _ = providers.run_input(self, env, lines, self.rx, expect_requests=3)
        self.assertEqual(len(harness.records(reqs[0])), 10)
        self.assertGreaterEqual(len(reqs), 3)
        got = [harness.canon(r) for r in harness.delivered(reqs)]
        want = [harness.canon(ROWS["honeybadger"].transform(json.loads(x))) for x in lines]
        harness.assert_same_records(self, got, want)

    def test_appsignal_503_is_retried(self):
        self.rx.script([{"status": 503}])
        env = dict(ROWS["appsignal"].env, **providers.endpoint_env("APPSIGNAL", self.rx))
        env["LOGSHIP_APPSIGNAL_RETRY_INITIAL_BACKOFF"] = "10ms"
        reqs, _ = providers.run_input(self, env, [R], self.rx, expect_requests=2)
        self.assertEqual(len(reqs), 2, self.rx.summary())
        self.assertEqual(reqs[0]["data"], reqs[1]["data"])
        self.assertEqual(reqs[1]["status"], 200)

    def test_logflare_406_is_permanent(self):
        self.rx.script([{"status": 406, "body": "ingest error"}])
        env = dict(ROWS["logflare"].env, **providers.endpoint_env("LOGFLARE", self.rx))
        reqs, ls = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(len(reqs), 1, self.rx.summary())
        self.assertIn("406", ls.stderr_text())

    # -- activation ----------------------------------------------------------------------------
    def test_http_family_activation_on(self):
        for row in ROWS.values():
            with self.subTest(provider=row.name):
                p = check(row.env)
                out = output(p)
                self.assertEqual(p.returncode, 0, out)
                self.assertIn("sink %s (kind %s)" % (row.name, row.kind), out)
                self.assertRegex(out, r"Configured sinks: %s\n" % row.name)

    def test_http_family_activation_off(self):
        p = check(OPTIONAL_ONLY)
        out = output(p)
        self.assertEqual(p.returncode, 0, out)
        self.assertRegex(out, r"Configured sinks:\n")
        for row in ROWS.values():
            self.assertNotIn("sink %s " % row.name, out)

    def test_http_family_activation_partial(self):
        for env, problem in PARTIAL:
            with self.subTest(problem=problem):
                p = check(env)
                out = output(p)
                self.assertEqual(p.returncode, 1, out)
                self.assertIn(problem, [ln.strip() for ln in out.splitlines()])

    def test_http_family_invalid_values_named(self):
        cases = [
            (dict(ROWS["openobserve"].env, OPENOBSERVE_URI="not a url"), "OPENOBSERVE_URI"),
            (dict(ROWS["uptrace"].env, UPTRACE_SINK_ENCODING="avro"), "UPTRACE_SINK_ENCODING"),
            (dict(ROWS["uptrace"].env, UPTRACE_SINK_INPUT="nats"), "UPTRACE_SINK_INPUT"),
            (dict(ROWS["axiom"].env, AXIOM_DATASET="a\nb"), "AXIOM_DATASET"),
            (dict(ROWS["openobserve"].env, OPENOBSERVE_USER="a:b"), "OPENOBSERVE_USER"),
            (dict(ROWS["signoz"].env, SIGNOZ_INGESTION_URL="ftp://x.example.com/"),
             "SIGNOZ_INGESTION_URL"),
        ]
        for env, var in cases:
            with self.subTest(var=var):
                p = check(env)
                out = output(p)
                self.assertEqual(p.returncode, 1, out)
                self.assertTrue([ln for ln in out.splitlines() if var in ln], out)

    def test_bad_provider_leaves_others_running(self):
        env = dict(ROWS["hyperdx"].env, **ROWS["uptrace"].env)
        env["UPTRACE_SINK_ENCODING"] = "avro"
        env.update(providers.endpoint_env("HYPERDX", self.rx))
        env.update(providers.endpoint_env("UPTRACE", self.rx))
        env.update(NATS_URL="nats://127.0.0.1:1", LOGSHIP_LOG_LEVEL="warn")
        ls = harness.start_logship(self, env, args=["--input", providers.input_file(self, [R])])
        ls.wait_exit(30)
        reqs = self.rx.requests
        self.assertEqual([r["path"] for r in reqs], ["/?hdx_platform=flyio"], self.rx.summary())
        self.assertIn("UPTRACE_SINK_ENCODING", ls.stderr_text())

    def test_http_family_secrets_never_printed(self):
        env = {}
        for row in ROWS.values():
            env.update(row.env)
            env.update(providers.endpoint_env(row.sink, self.rx))
        env["LOGTAIL_TOKEN"] = "logtail-token-secret-0013"
        secrets = [v for row in ROWS.values() for k, v in row.env.items()
                   if re.search(r"KEY|TOKEN|PASSWORD", k)] + [env["LOGTAIL_TOKEN"]]
        secrets.append("https://uptrace-api-key-0012@")
        p = check(env)
        self.assertEqual(p.returncode, 0, output(p))
        env["LOGSHIP_LOG_LEVEL"] = "debug"
        env["NATS_URL"] = "nats://127.0.0.1:1"
        ls = harness.start_logship(self, env, args=["--input", providers.input_file(self, [R])])
        self.assertEqual(ls.wait_exit(30), 0, ls.describe())
        self.assertEqual(len(self.rx.requests), len(ROWS), self.rx.summary())
        harness.assert_no_secret(self, [output(p), ls.stderr_text(), ls.stdout_text()], secrets)
        # A partial configuration names variables, never values.
        p = check({"OPENOBSERVE_PASSWORD": "oo-password-0010", "UPTRACE_API_KEY": "uptrace-k-0014"})
        self.assertEqual(p.returncode, 1, output(p))
        harness.assert_no_secret(self, [output(p)], ["oo-password-0010", "uptrace-k-0014"])

    # -- end to end: the 300 fixture records through nats-server, exactly once ---------------
    def _end_to_end(self, name):
        row = ROWS[name]
        nats = harness.start_nats(self)
        env = dict(row.env, NATS_URL=nats.url, LOGSHIP_LOG_LEVEL="info")
        env.update(providers.endpoint_env(row.sink, self.rx))
        env["LOGSHIP_%s_BATCH_TIMEOUT" % row.sink] = "100ms"
        env["LOGSHIP_%s_RETRY_INITIAL_BACKOFF" % row.sink] = "50ms"
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        harness.nats_publish(nats.url, harness.fixture_records())
        self.rx.wait_for(lambda reqs: harness.delivered_count(reqs) >= 300, 30,
                         "%s: 300 records delivered" % name)
        ls.assert_clean(self)
        reqs = self.rx.requests
        want = [harness.canon(row.transform(json.loads(x))) for x in harness.fixture_lines()]
        got = [harness.canon(row.unwrap(r)) for r in harness.delivered(reqs)]
        harness.assert_same_records(self, got, want, "%s records" % name)
        for r in reqs:
            self.assertEqual(r["method"], "POST")
            self.assertEqual(r["path"], row.path)
            self.assertEqual(harness.header(r, row.header[0]), row.header[1])
            self.assertEqual(harness.header(r, "Content-Encoding"),
                             "gzip" if row.gzip else None)
            if row.ndjson:
                self.assertFalse(r["data"].startswith(b"[") or r["data"].endswith(b"\n"))
            else:
                self.assertTrue(r["data"].startswith(b"[") and r["data"].endswith(b"]"))
            if row.max_bytes:
                self.assertLessEqual(len(r["data"]), row.max_bytes)
        return reqs

    def test_axiom_end_to_end(self):
        self._end_to_end("axiom")

    def test_appsignal_end_to_end(self):
        reqs = self._end_to_end("appsignal")
        self.assertGreaterEqual(len(reqs), 3)
        for r in reqs:
            self.assertLessEqual(len(harness.records(r)), 100)

    def test_baselime_end_to_end(self):
        self._end_to_end("baselime")

    def test_better_stack_end_to_end(self):
        self._end_to_end("better_stack")

    def test_hyperdx_end_to_end(self):
        self._end_to_end("hyperdx")

    def test_highlight_end_to_end(self):
        self._end_to_end("highlight")

    def test_honeybadger_end_to_end(self):
        reqs = self._end_to_end("honeybadger")
        # 125 KB of fixture records cannot fit one 102,400-byte request.
        self.assertGreaterEqual(len(reqs), 2)

    def test_logflare_end_to_end(self):
        self._end_to_end("logflare")

    def test_openobserve_end_to_end(self):
        self._end_to_end("openobserve")

    def test_signoz_end_to_end(self):
        self._end_to_end("signoz")

    def test_uptrace_end_to_end(self):
        self._end_to_end("uptrace")


if __name__ == "__main__":
    unittest.main()
