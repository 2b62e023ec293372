"""Provider tests for the saas family (PROVIDERS.md Part 1 §2.2 Datadog, §2.3 Honeycomb,
§2.5 New Relic, §2.6 Mezmo/LogDNA, §2.8 Humio): golden requests from the worked record R,
per-provider retry rules, end-to-end delivery of the 300 fixture records through a real
nats-server, activation (on / off / partial with the exact problem text) and secrets never
printed.

The end-to-end checks rebuild, in Python and independently of the C code, what each provider
must receive for every fixture record (PROVIDERS.md's per-event shape), and compare that
multiset with what arrived: every record exactly once, in the right shape.
"""

import calendar
import decimal
import json
import re
import time
import unittest

import harness
import providers
from providers import R

KEYS = {
    "DATADOG_API_KEY": "dd-secret-key-0123456789",
    "HONEYCOMB_API_KEY": "hc-secret-key-0123456789",
    "NEW_RELIC_LICENSE_KEY": "nr-license-secret-0123456789",
    "NEW_RELIC_INSERT_KEY": "nr-insert-secret-0123456789",
    "LOGDNA_API_KEY": "mz-secret-key-0123456789",
    "HUMIO_TOKEN": "humio-secret-token-0123456789",
}

# Everything each provider needs to be on, with every secret variable of the row set.
FULL = {
    "datadog": {"DATADOG_API_KEY": KEYS["DATADOG_API_KEY"]},
    "honeycomb": {"HONEYCOMB_API_KEY": KEYS["HONEYCOMB_API_KEY"], "HONEYCOMB_DATASET": "fly"},
    "new_relic": {"NEW_RELIC_ACCOUNT_ID": "1234567",
                  "NEW_RELIC_LICENSE_KEY": KEYS["NEW_RELIC_LICENSE_KEY"]},
    "logdna": {"LOGDNA_API_KEY": KEYS["LOGDNA_API_KEY"]},
    "humio": {"HUMIO_TOKEN": KEYS["HUMIO_TOKEN"]},
}
ENV_NAME = {"datadog": "DATADOG", "honeycomb": "HONEYCOMB", "new_relic": "NEW_RELIC",
            "logdna": "LOGDNA", "humio": "HUMIO"}

UUID = re.compile(r"^x-splunk-request-channel: ([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                  r"[89ab][0-9a-f]{3}-[0-9a-f]{12})$", re.M)


def fast(sink):
    e = ENV_NAME[sink]
    return {"LOGSHIP_%s_BATCH_TIMEOUT" % e: "100ms",
            "LOGSHIP_%s_RETRY_INITIAL_BACKOFF" % e: "20ms",
            "LOGSHIP_%s_RETRY_MAX_BACKOFF" % e: "200ms"}


def honeycomb_ok(req):
    """Honeycomb's 200 answer: one status per event."""
    n = len(json.loads(req["data"]))
    return {"status": 200, "body": json.dumps([{"status": 202}] * n),
            "headers": {"Content-Type": "application/json"}}


def channel(text):
    return UUID.sub("x-splunk-request-channel: CHANNEL", text)


# -- the contract, rebuilt in Python ------------------------------------------------------------
def rfc3339_ns(ts):
    m = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$", ts)
    secs = calendar.timegm(tuple(int(x) for x in re.split(r"[-T:]", m.group(1))) + (0, 0, 0))
    frac = (m.group(2) or "").ljust(9, "0")[:9]
    return secs * 10**9 + int(frac)


def flatten(obj, prefix=""):
    """Vector's all_fields: (key, value) pairs, depth first in sorted key order."""
    out = []
    if isinstance(obj, dict) and obj:
        for k in sorted(obj, key=lambda s: s.encode("utf-8")):
            name = k.replace(".", "\\.")
            out += flatten(obj[k], prefix + "." + name if prefix else name)
    elif isinstance(obj, list) and obj:
        for i, v in enumerate(obj):
            out += flatten(v, "%s[%d]" % (prefix, i))
    else:
        out.append((prefix, obj))
    return out


def expect_datadog(rec):
    rec = dict(rec)
    rec["hostname"] = rec.pop("host")
    rec["timestamp"] = rfc3339_ns(rec["timestamp"]) // 10**6
    return rec


def expect_honeycomb(rec):
    rec = dict(rec)
    ns = rfc3339_ns(rec.pop("timestamp"))
    secs, frac = divmod(ns, 10**9)
    when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + ".%09dZ" % frac
    return {"time": when, "data": dict(flatten(rec))}


def expect_new_relic(rec):
    rec = dict(rec)
    rec["timestamp"] = rfc3339_ns(rec["timestamp"]) // 10**6
    return dict(flatten(rec))


def expect_logdna(rec):
    rec = dict(rec)
    line = {"line": rec.pop("message"), "timestamp": rfc3339_ns(rec.pop("timestamp")) // 10**6,
            "env": "production", "app": "vector"}
    if rec:
        line["meta"] = rec
    return line


def expect_humio(rec):
    # Vector's humio_logs for a real timestamp: `time` in whole ms, the rest of the ns in the
    # event's `@timestamp.nanos` (not replaced when the record has one).
    rec = dict(rec)
    ns = rfc3339_ns(rec.pop("timestamp"))
    ms = ns // 10**6
    rec.setdefault("@timestamp.nanos", ns - ms * 10**6)
    t = str((decimal.Decimal(ms) / 1000).normalize())
    return {"event": rec, "fields": {}, "time": t, "host": rec["fly"]["app"]["instance"]}


def items_datadog(req):
    return json.loads(req["data"])


def items_new_relic(req):
    text = req["data"].decode("utf-8")
    assert text.endswith("]}]\n"), text[-20:]
    outer = json.loads(text)
    assert len(outer) == 1
    return outer[0]["logs"]


def items_logdna(req):
    return json.loads(req["data"])["lines"]


def items_humio(req):
    text, out, pos = req["data"].decode("utf-8"), [], 0
    dec = json.JSONDecoder(parse_float=decimal.Decimal)
    while pos < len(text):
        obj, pos = dec.raw_decode(text, pos)
        out.append(obj)
    return out


EXPECT = {"datadog": expect_datadog, "honeycomb": expect_honeycomb,
          "new_relic": expect_new_relic, "logdna": expect_logdna, "humio": expect_humio}
ITEMS = {"datadog": items_datadog, "honeycomb": items_datadog, "new_relic": items_new_relic,
         "logdna": items_logdna, "humio": items_humio}


def key(obj):
    if isinstance(obj, dict) and isinstance(obj.get("time"), decimal.Decimal):
        obj = dict(obj, time=str(obj["time"].normalize()))  # HEC time compared exactly
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.rx = harness.start_receiver(self)

    def env(self, sink, **extra):
        env = dict(FULL[sink])
        env.update(providers.endpoint_env(ENV_NAME[sink], self.rx))
        env.update(fast(sink))
        env.update(extra)
        return env

    def run_r(self, sink, lines=(R,), expect=1, **extra):
        reqs, ls = providers.run_input(self, self.env(sink, **extra), list(lines), self.rx,
                                       expect_requests=expect)
        return reqs, ls

    # -- golden requests ---------------------------------------------------------------------
    def test_datadog_golden_request(self):
        reqs, _ = self.run_r("datadog")
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "datadog", "worked-example")

    def test_honeycomb_golden_request(self):
        self.rx.respond = honeycomb_ok
        reqs, _ = self.run_r("honeycomb", HONEYCOMB_DATASET="fly logs")
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "honeycomb", "worked-example")

    def test_honeycomb_golden_flattening(self):
        rec = (b'{"a":{"b.c":1,"d":[10,{"e":null}],"f":{},"g":[]},"a-b":"x",'
               b'"n":[0,1,2,3,4,5,6,7,8,9,10],"big":18446744073709551615,"f":1.50,'
               b'"timestamp":"2026-11-23T10:00:00.5Z"}')
        self.rx.respond = honeycomb_ok
        reqs, _ = self.run_r("honeycomb", lines=[rec])
        providers.assert_golden(self, reqs[0], "honeycomb", "flattening")

    def test_new_relic_golden_license_key(self):
        reqs, _ = self.run_r("new_relic")
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "new_relic", "worked-example")

    def test_new_relic_golden_insert_key_no_message(self):
        rec = b'{"fly":{"app":{"name":"worker"}},"timestamp":"2026-11-23T10:00:00.493842299Z"}'
        env = {"NEW_RELIC_LICENSE_KEY": None, "NEW_RELIC_INSERT_KEY": KEYS["NEW_RELIC_INSERT_KEY"],
               "NEW_RELIC_REGION": "EU"}
        reqs, _ = self.run_r("new_relic", lines=[rec], **env)
        providers.assert_golden(self, reqs[0], "new_relic", "insert-key")

    def test_logdna_golden_request(self):
        reqs, _ = self.run_r("logdna")
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "logdna", "worked-example",
                                providers.strip_query_param("now"))

    def test_logdna_golden_hostname_fallbacks(self):
        no_instance = (b'{"app":"api","fly":{"app":{"name":"worker"}},"host":"34d6",'
                       b'"message":{"k":1},"timestamp":"2026-11-23T10:00:00.493842299Z"}')
        nothing = b'{"env":"staging","file":"/var/log/x","timestamp":"yesterday"}'
        reqs, _ = self.run_r("logdna", lines=[no_instance, nothing], expect=2)
        self.assertEqual(len(reqs), 2)
        by_host = {re.search(r"hostname=([^&]*)", r["path"]).group(1): r for r in reqs}
        self.assertEqual(sorted(by_host), ["34d6", "unknown"])
        norm = providers.strip_query_param("now")
        providers.assert_golden(self, by_host["34d6"], "logdna", "host-fallback", norm)
        providers.assert_golden(self, by_host["unknown"], "logdna", "unknown-host", norm)

    def test_logdna_raw_payload_is_sent_as_unknown_host(self):
        reqs, _ = self.run_r("logdna", lines=[b"oops not json"])
        self.assertIn("hostname=unknown&", reqs[0]["path"])
        line = json.loads(reqs[0]["data"])["lines"][0]
        self.assertEqual(line["line"], "oops not json")
        self.assertIsInstance(line["timestamp"], int)
        self.assertEqual(line["meta"]["source_type"], "nats")
        now_ms = int(re.search(r"now=(\d+)", reqs[0]["path"]).group(1))
        self.assertLess(abs(now_ms - line["timestamp"]), 60000)

    def test_humio_golden_request(self):
        reqs, _ = self.run_r("humio")
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "humio", "worked-example", channel)

    def test_humio_time_in_ms_and_timestamp_nanos_exact(self):
        # PROVIDERS.md Part 1 §2.8: `time` is epoch seconds with a millisecond fraction, as
        # serde_json prints the f64, and `@timestamp.nanos` holds the sub-millisecond ns.
        lines = [b'{"host":"h","message":"a","timestamp":"2026-11-23T10:00:00.5Z"}',
                 b'{"host":"h","message":"b","timestamp":"2026-11-23T10:00:00Z"}',
                 b'{"host":"h","message":"c","timestamp":"2026-11-23T10:00:00.010000001Z"}',
                 b'{"@timestamp.nanos":7,"message":"d","timestamp":"2026-11-23T10:00:00.000123Z"}']
        reqs, _ = self.run_r("humio", lines=lines)
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0]["data"], b"".join([
            b'{"event":{"@timestamp.nanos":0,"host":"h","message":"a"},"fields":{},'
            b'"time":1795428000.5}',
            b'{"event":{"@timestamp.nanos":0,"host":"h","message":"b"},"fields":{},'
            b'"time":1795428000.0}',
            b'{"event":{"@timestamp.nanos":1,"host":"h","message":"c"},"fields":{},'
            b'"time":1795428000.01}',
            b'{"event":{"@timestamp.nanos":7,"message":"d"},"fields":{},"time":1795428000.0}',
        ]))

    def test_humio_endpoint_is_a_base_url(self):
        env = {"HUMIO_ENDPOINT": self.rx.url + "/", "LOGSHIP_HUMIO_ENDPOINT": None}
        reqs, _ = self.run_r("humio", **env)
        self.assertEqual(reqs[0]["path"], "/services/collector/event")

    def test_humio_channel_fixed_per_process(self):
        lines = [R.replace(b"GET", b"PUT%d" % i) for i in range(3)]
        reqs, _ = self.run_r("humio", lines=lines, LOGSHIP_HUMIO_BATCH_MAX_EVENTS="1", expect=3)
        chans = {harness.header(r, "x-splunk-request-channel") for r in reqs}
        self.assertEqual(len(reqs), 3)
        self.assertEqual(len(chans), 1, chans)

    # -- retry classification ------------------------------------------------------------------
    def test_datadog_401_403_permanent_naming_api_key(self):
        for status in (401, 403):
            with self.subTest(status=status):
                self.rx.clear()
                self.rx.script([{"status": status, "body": "Forbidden"}])
                reqs, ls = self.run_r("datadog")
                self.assertEqual(len(reqs), 1, "a bad key must not be retried")
                err = ls.stderr_text()
                self.assertIn("DATADOG_API_KEY", err)
                harness.assert_no_secret(self, [err], [KEYS["DATADOG_API_KEY"]])

    def test_datadog_400_permanent(self):
        self.rx.script([{"status": 400, "body": "bad payload"}])
        reqs, ls = self.run_r("datadog")
        self.assertEqual(len(reqs), 1)
        self.assertIn("400", ls.stderr_text())

    def test_datadog_413_splits_then_permanent(self):
        lines = [R.replace(b"GET", b"M%d" % i) for i in range(2)]
        self.rx.script([{"status": 413}, {"status": 202}, {"status": 413}])
        reqs, _ = self.run_r("datadog", lines=lines, expect=3)
        self.assertEqual(len(reqs), 3, self.rx.summary())
        self.assertEqual([len(items_datadog(r)) for r in reqs], [2, 1, 1])

    def test_datadog_5xx_and_429_retried(self):
        self.rx.script([{"status": 500}, {"status": 429}, {"status": 202}])
        reqs, _ = self.run_r("datadog", expect=3)
        self.assertEqual(len(reqs), 3)
        self.assertEqual(reqs[0]["data"], reqs[2]["data"])

    def test_datadog_splits_at_1000_events(self):
        lines = [R.replace(b"GET", b"M%d" % i) for i in range(2500)]
        reqs, _ = self.run_r("datadog", lines=lines, expect=3)
        sizes = [len(items_datadog(r)) for r in reqs]
        self.assertEqual(sum(sizes), 2500)
        self.assertLessEqual(max(sizes), 1000)
        self.assertTrue(all(len(r["data"]) <= 5000000 for r in reqs))

    def test_datadog_splits_at_5mb_uncompressed(self):
        big = b'{"host":"h","message":"' + b"x" * 900000 + b'","timestamp":"2026-11-23T10:00:00Z"}'
        reqs, _ = self.run_r("datadog", lines=[big] * 12, expect=3)
        self.assertEqual(sum(len(items_datadog(r)) for r in reqs), 12)
        self.assertTrue(all(len(r["data"]) <= 5000000 for r in reqs), [len(r["data"]) for r in reqs])

    def test_honeycomb_items_retried_or_rejected(self):
        lines = [R.replace(b"GET", b"M%d" % i) for i in range(3)]
        self.rx.script([{"status": 200, "body": json.dumps(
            [{"status": 202}, {"status": 429, "error": "slow down"},
             {"status": 400, "error": "Event has too many columns."}])}])
        self.rx.respond = honeycomb_ok
        reqs, ls = self.run_r("honeycomb", lines=lines, expect=2)
        self.assertEqual(len(reqs), 2, self.rx.summary())
        again = json.loads(reqs[1]["data"])
        self.assertEqual([e["data"]["message"] for e in again], ["M1 /api/users/33009 200 218ms"])
        self.assertIn("too many columns", ls.stderr_text())

    def test_honeycomb_event_over_1mb_not_sent_under_it_sent(self):
        ok = b'{"message":"' + b"y" * 500000 + b'"}'
        too_big = b'{"message":"' + b"z" * 1000001 + b'"}'
        self.rx.respond = honeycomb_ok
        reqs, _ = self.run_r("honeycomb", lines=[ok, too_big])
        sent = [e for r in reqs for e in json.loads(r["data"])]
        self.assertEqual(len(sent), 1)
        self.assertEqual(len(sent[0]["data"]["message"]), 500000)

    def test_new_relic_status_judged_not_always_delivered(self):
        self.rx.script([{"status": 503}, {"status": 202}])
        reqs, _ = self.run_r("new_relic", expect=2)
        self.assertEqual(len(reqs), 2)
        self.rx.clear()
        self.rx.script([{"status": 403, "body": "invalid license"}])
        reqs, ls = self.run_r("new_relic")
        self.assertEqual(len(reqs), 1)
        self.assertIn("403", ls.stderr_text())

    def test_new_relic_batches_at_100_events(self):
        lines = [R.replace(b"GET", b"M%d" % i) for i in range(250)]
        reqs, _ = self.run_r("new_relic", lines=lines, expect=3)
        sizes = [len(items_new_relic(r)) for r in reqs]
        self.assertEqual(sum(sizes), 250)
        self.assertLessEqual(max(sizes), 100)

    # -- end to end ------------------------------------------------------------------------------
    def end_to_end(self, sink):
        if sink == "honeycomb":
            self.rx.respond = honeycomb_ok
        nats = harness.start_nats(self)
        env = self.env(sink, NATS_URL=nats.url, LOGSHIP_LOG_LEVEL="info")
        ls = harness.start_logship(self, env)
        ls.wait_healthy()
        recs = harness.fixture_records()
        harness.nats_publish(nats.url, recs)
        items = ITEMS[sink]

        def count(reqs):
            return sum(len(items(r)) for r in reqs if r["status"] == 200)
        reqs = self.rx.wait_for(lambda rs: count(rs) >= len(recs), timeout=30,
                                message="%s: 300 records" % sink)
        ls.stop()
        ls.assert_clean(self)
        reqs = self.rx.requests
        got = [key(x) for r in reqs for x in items(r)]
        want = [key(EXPECT[sink](json.loads(p))) for _s, p in recs]
        harness.assert_same_records(self, got, want, "%s records" % sink)
        return reqs

    def test_datadog_end_to_end(self):
        self.end_to_end("datadog")

    def test_honeycomb_end_to_end(self):
        self.end_to_end("honeycomb")

    def test_new_relic_end_to_end(self):
        self.end_to_end("new_relic")

    def test_logdna_end_to_end(self):
        reqs = self.end_to_end("logdna")
        for r in reqs:
            host = re.search(r"hostname=([^&]*)", r["path"]).group(1)
            self.assertTrue(all(x["meta"]["fly"]["app"]["instance"] == host
                                for x in items_logdna(r)), "a batch mixes hostnames")

    def test_humio_end_to_end(self):
        self.end_to_end("humio")

    # -- activation and secrets ---------------------------------------------------------------
    def check(self, env):
        env = dict(env, NATS_URL="nats://127.0.0.1:4222")
        p = harness.run_logship(["--check"], env)
        self.assertFalse(harness.sanitizer_reports(p.stderr_text), p.stderr_text)
        return p, p.stdout_text + p.stderr_text

    def test_activation_on_and_off(self):
        for sink, env in FULL.items():
            with self.subTest(sink=sink):
                p, out = self.check(env)
                self.assertEqual(p.returncode, 0, out)
                self.assertRegex(out, r"(?m)^sink %s \(kind " % sink)
        p, out = self.check({"DATADOG_SITE": "datadoghq.eu", "HUMIO_ENDPOINT": "https://x.io",
                             "NEW_RELIC_REGION": "eu", "HTTP_URL": "http://127.0.0.1:9/x"})
        self.assertEqual(p.returncode, 0, out)
        for sink in FULL:
            self.assertNotRegex(out, r"(?m)^sink %s " % sink)

    def test_activation_partial_names_the_variable(self):
        cases = [
            ({"HONEYCOMB_API_KEY": "k" * 20},
             "honeycomb: HONEYCOMB_DATASET is not set (HONEYCOMB_API_KEY is)"),
            ({"HONEYCOMB_DATASET": "fly"},
             "honeycomb: HONEYCOMB_API_KEY is not set (HONEYCOMB_DATASET is)"),
            ({"NEW_RELIC_ACCOUNT_ID": "1"}, "new_relic: NEW_RELIC_LICENSE_KEY or "
             "NEW_RELIC_INSERT_KEY is not set (NEW_RELIC_ACCOUNT_ID is)"),
            ({"NEW_RELIC_INSERT_KEY": "k" * 20},
             "new_relic: NEW_RELIC_ACCOUNT_ID is not set (NEW_RELIC_INSERT_KEY is)"),
        ]
        for env, line in cases:
            with self.subTest(line=line):
                p, out = self.check(env)
                self.assertEqual(p.returncode, 1, out)
                self.assertIn("\n  %s\n" % line, out)

    def test_invalid_values_name_the_variable(self):
        cases = [
            (dict(FULL["new_relic"], NEW_RELIC_REGION="mars"), "NEW_RELIC_REGION"),
            (dict(FULL["datadog"], DATADOG_SITE="bad site"), "DATADOG_SITE"),
            (dict(FULL["humio"], HUMIO_ENDPOINT="cloud.humio.com"), "HUMIO_ENDPOINT"),
            (dict(FULL["logdna"], LOGDNA_API_KEY="a\nb"), "LOGDNA_API_KEY"),
        ]
        for env, var in cases:
            with self.subTest(var=var):
                p, out = self.check(env)
                self.assertEqual(p.returncode, 1, out)
                self.assertTrue([ln for ln in out.splitlines() if var in ln and
                                 ln.startswith("  ")], out)

    def test_check_shows_resolved_urls(self):
        env = dict(FULL["datadog"], DATADOG_SITE="datadoghq.eu")
        env.update(FULL["honeycomb"], HONEYCOMB_DATASET="my data/set")
        env.update(FULL["new_relic"], NEW_RELIC_REGION="Eu")
        env.update(FULL["humio"], HUMIO_ENDPOINT="https://cloud.us.humio.com/")
        env.update(FULL["logdna"])
        p, out = self.check(env)
        self.assertEqual(p.returncode, 0, out)
        for url in ("https://http-intake.logs.datadoghq.eu/api/v2/logs",
                    "https://api.honeycomb.io/1/batch/my%20data%2Fset",
                    "https://log-api.eu.newrelic.com/log/v1",
                    "https://cloud.us.humio.com/services/collector/event",
                    "https://logs.mezmo.com/logs/ingest"):
            self.assertIn("url: %s\n" % url, out)

    def test_secrets_never_printed(self):
        env = {}
        for sink, e in FULL.items():
            env.update(e)
            env.update(providers.endpoint_env(ENV_NAME[sink], self.rx))
            env.update(fast(sink))
        env["NEW_RELIC_INSERT_KEY"] = KEYS["NEW_RELIC_INSERT_KEY"]
        secrets = list(KEYS.values())
        _p, out = self.check(env)
        harness.assert_no_secret(self, [out], secrets)
        self.rx.respond = lambda req: (honeycomb_ok(req) if "/1/batch/" in req["path"]
                                       else {"status": 403, "body": "denied"})
        reqs, ls = providers.run_input(self, dict(env, LOGSHIP_LOG_LEVEL="debug"), [R], self.rx,
                                       expect_requests=5)
        self.assertEqual(len(reqs), 5, self.rx.summary())
        harness.assert_no_secret(self, [ls.stderr_text(), ls.stdout_text()], secrets)


if __name__ == "__main__":
    unittest.main()
