"""Provider tests for the slack family (PROVIDERS.md Part 2 §8): the keyword filter, the
one-alert-per-second throttle, the exact webhook body (golden files in tests/providers/slack/),
one JSON request per alert, Slack's 3,000-character text limit, and activation problems that
turn off only Slack."""

import json
import time
import unittest

import harness
import providers
from providers import R

WEBHOOK = "https://hooks.slack.com/services/T0TEST/B0TEST/sEcReTwEbHoOkToKeN42"
TOKEN = "sEcReTwEbHoOkToKeN42"
MARKER = "\u2026[truncated]"


def record(message, **fields):
    rec = {"event": {"provider": "app"},
           "fly": {"app": {"instance": "a13043b026c48b", "name": "worker"}, "region": "ord"},
           "host": "34d6", "log": {"level": "info"}, "message": message,
           "timestamp": "2026-11-23T10:00:00.493842299Z"}
    rec.update(fields)
    return json.dumps(rec, separators=(",", ":"), ensure_ascii=False).encode()


def texts(req):
    body = json.loads(req["data"])
    return [b["text"]["text"] for b in body["blocks"]]


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.rx = harness.start_receiver(self)

    def env(self, keywords, **extra):
        env = {"SLACK_WEBHOOK_URL": WEBHOOK, "SLACK_ALERT_KEYWORDS": keywords,
               "LOGSHIP_SLACK_RETRY_INITIAL_BACKOFF": "50ms",
               "LOGSHIP_SLACK_RETRY_MAX_BACKOFF": "200ms",
               # Cases that end with an alert still retrying give it up quickly at SIGTERM.
               "LOGSHIP_SHUTDOWN_TIMEOUT": "1s"}
        env.update(providers.endpoint_env("SLACK", self.rx))
        env.update(extra)
        return env

    def check(self, env):
        return harness.run_logship(["--check"], dict(env, NATS_URL="nats://127.0.0.1:1"))

    # -- golden bodies ---------------------------------------------------------------------
    def test_slack_golden_worked_example(self):
        reqs, _ = providers.run_input(self, self.env("[r' 200 ']"), [R], self.rx)
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "slack", "worked-example")

    def test_slack_golden_missing_fly_fields(self):
        # A non-JSON payload has no fly fields: blocks is {} as VRL's `?? {}` makes it, and the
        # fields log_parse does not delete (source_type, subject) stay; Slack will answer 400
        # as it does for fly-log-shipper (SL-D4).
        reqs, _ = providers.run_input(self, self.env("[r'SIGTERM']"),
                                      [b"plain SIGTERM text"], self.rx)
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "slack", "missing-fly-fields")

    # -- filter ----------------------------------------------------------------------------
    def test_slack_non_matching_sends_nothing(self):
        reqs, _ = providers.run_input(self, self.env("[r'SIGTERM', r'reboot']"),
                                      [R, record("all good"), record("sigterm lower case")],
                                      self.rx, expect_requests=0)
        self.assertEqual(reqs, [])

    def test_slack_matching_any_pattern_alerts(self):
        reqs, _ = providers.run_input(self, self.env("[r'SIGTERM', r'(?i)reboot']"),
                                      [record("nothing"), record("Machine REBOOT requested")],
                                      self.rx)
        self.assertEqual(len(reqs), 1)
        self.assertEqual(texts(reqs[0])[1], "*AppId:* a13043b026c48b\n*Message:*\n"
                         "```Machine REBOOT requested```")

    def test_slack_burst_throttled_to_one_alert(self):
        lines = [record("SIGTERM number %d" % i) for i in range(50)]
        reqs, _ = providers.run_input(self, self.env("[r'SIGTERM']"), lines, self.rx)
        self.assertEqual(len(reqs), 1, self.rx.summary())
        self.assertIn("SIGTERM number 0```", texts(reqs[0])[1])

    def test_slack_throttle_passes_next_alert_after_one_second(self):
        nats = harness.start_nats(self)
        ls = harness.start_logship(self, dict(self.env("[r'SIGTERM']"), NATS_URL=nats.url,
                                              LOGSHIP_SLACK_BATCH_TIMEOUT="10ms"))
        ls.wait_healthy(15)
        published = []  # monotonic publish time of record i
        start = time.monotonic()
        while len(self.rx.requests) < 2:
            self.assertLess(time.monotonic() - start, 10, "no second alert within 10 s")
            published.append(time.monotonic())
            harness.nats_publish(nats.url, [("logs.worker.ord.a1",
                                             record("SIGTERM %d" % (len(published) - 1)))])
            time.sleep(0.1)  # the publishing pace under test, not synchronisation
        sent = len(published)
        reqs = self.rx.requests
        first = int(texts(reqs[0])[1].split("SIGTERM ")[1].rstrip("`"))
        second = int(texts(reqs[1])[1].split("SIGTERM ")[1].rstrip("`"))
        self.assertEqual(first, 0)
        # The records in between were dropped: the second alert is one published about a
        # second after the first (less the worker's small processing delay).
        self.assertGreaterEqual(published[second] - published[first], 0.8,
                                "second alert after %d records" % second)
        self.assertLessEqual(published[second - 1] - published[first], 2.5)
        ls.wait_metric("logship_sink_filtered_events_total", lambda v: v >= sent - 2, 10,
                       sink="slack")
        self.assertEqual(len(self.rx.requests), 2)
        ls.assert_clean(self)

    # -- request shape ---------------------------------------------------------------------
    def test_slack_one_json_request_per_alert(self):
        reqs, _ = providers.run_input(self, self.env("[r'SIGTERM']"), [record("SIGTERM")],
                                      self.rx)
        self.assertEqual(harness.header(reqs[0], "Content-Type"), "application/json")
        self.assertEqual(reqs[0]["path"], "/services/T0TEST/B0TEST/" + TOKEN)
        body = reqs[0]["data"]
        self.assertTrue(body.endswith(b"}\n"))
        json.loads(body)  # exactly one JSON document

    def test_slack_long_message_truncated_to_limit(self):
        long = "SIGTERM " + "é" * 2500 + "x" * 2500
        reqs, _ = providers.run_input(self, self.env("[r'SIGTERM']"), [record(long)], self.rx)
        t = texts(reqs[0])[1]
        self.assertLessEqual(len(t), 3000)
        self.assertGreater(len(t), 2900)
        self.assertTrue(t.endswith(MARKER + "```"), t[-40:])
        self.assertTrue(t.startswith("*AppId:* a13043b026c48b\n*Message:*\n```SIGTERM éé"))

    def test_slack_rejection_not_retried(self):
        self.rx.set_default({"status": 400, "body": "invalid_payload"})
        nats = harness.start_nats(self)
        ls = harness.start_logship(self, dict(self.env("[r'SIGTERM']"), NATS_URL=nats.url))
        ls.wait_healthy(15)
        harness.nats_publish(nats.url, [("logs.a.b.c", record("SIGTERM"))])
        ls.wait_metric("logship_sink_rejected_events_total", lambda v: v >= 1, 15, sink="slack")
        self.assertEqual(len(self.rx.requests), 1)
        self.assertEqual(ls.metric("logship_sink_retries_total", sink="slack"), 0)
        ls.assert_clean(self)

    # -- end to end ------------------------------------------------------------------------
    def test_slack_end_to_end_fixture_records(self):
        nats = harness.start_nats(self)
        ls = harness.start_logship(self, dict(self.env("[r'SIGTERM']"), NATS_URL=nats.url))
        ls.wait_healthy(15)
        recs = harness.fixture_records()
        harness.nats_publish(nats.url, recs)
        ls.wait_metric("logship_sink_filtered_events_total", lambda v: v >= len(recs) - 1, 20,
                       sink="slack")
        ls.wait_metric("logship_sink_sent_events_total", lambda v: v >= 1, 15, sink="slack")
        self.assertEqual(len(self.rx.requests), 1)
        first = next(json.loads(p) for _, p in recs if "SIGTERM" in json.loads(p)["message"])
        self.assertEqual(texts(self.rx.requests[0]), [
            "New alert from *%s*" % first["fly"]["app"]["name"],
            "*AppId:* %s\n*Message:*\n```%s```" % (first["fly"]["app"]["instance"],
                                                   first["message"])])
        ls.assert_clean(self)

    # -- activation and secrets ------------------------------------------------------------
    def test_slack_activation_on_off_partial(self):
        on = self.check({"SLACK_WEBHOOK_URL": WEBHOOK, "SLACK_ALERT_KEYWORDS": "[r'SIGTERM']"})
        self.assertEqual(on.returncode, 0, on.stdout_text)
        self.assertRegex(on.stdout_text, r"Configured sinks:.*\bslack\b")
        off = self.check({})
        self.assertEqual(off.returncode, 0, off.stdout_text)
        self.assertNotIn("slack", off.stdout_text.split("Configured sinks:")[1])
        for env, problem in [
                ({"SLACK_WEBHOOK_URL": WEBHOOK},
                 "slack: SLACK_ALERT_KEYWORDS is not set (SLACK_WEBHOOK_URL is)"),
                ({"SLACK_ALERT_KEYWORDS": "[r'SIGTERM']"},
                 "slack: SLACK_WEBHOOK_URL is not set (SLACK_ALERT_KEYWORDS is)")]:
            p = self.check(env)
            self.assertEqual(p.returncode, 1, p.stdout_text)
            self.assertIn("  " + problem + "\n", p.stdout_text)

    def test_slack_invalid_keywords_name_the_pattern(self):
        for keywords, problem in [
                ('["SIGTERM", "reboot"]',
                 "slack: SLACK_ALERT_KEYWORDS: expected a regex literal r'...' at offset 1, "
                 "found '\"' (write SIGTERM as r'SIGTERM')"),
                ("[r'SIGTERM', r'(reboot']",
                 "slack: SLACK_ALERT_KEYWORDS: pattern 2 r'(reboot': missing closing "
                 "parenthesis at offset 7"),
                ("SIGTERM",
                 "slack: SLACK_ALERT_KEYWORDS: expected a list such as [r'SIGTERM', r'reboot'] "
                 "but found 'S' at offset 0")]:
            p = self.check({"SLACK_WEBHOOK_URL": WEBHOOK, "SLACK_ALERT_KEYWORDS": keywords})
            self.assertEqual(p.returncode, 1, p.stdout_text)
            self.assertIn("  " + problem + "\n", p.stdout_text)

    def test_slack_invalid_keywords_turn_off_only_slack(self):
        env = self.env("[r'(SIGTERM']", HTTP_URL=self.rx.url + "/http-sink")
        reqs, ls = providers.run_input(self, env, [R], self.rx)
        self.assertEqual([r["path"] for r in reqs], ["/http-sink"])
        self.assertIn("slack: SLACK_ALERT_KEYWORDS: pattern 1 r'(SIGTERM'", ls.stderr_text())

    def test_slack_secret_never_printed(self):
        p = self.check({"SLACK_WEBHOOK_URL": WEBHOOK, "SLACK_ALERT_KEYWORDS": "[r'SIGTERM']",
                        "LOGSHIP_SLACK_ENDPOINT": "http://127.0.0.1:9"})
        self.assertEqual(p.returncode, 0, p.stdout_text)
        self.rx.set_default({"status": 500, "body": "boom"})
        env = self.env("[r'SIGTERM']", LOGSHIP_LOG_LEVEL="debug")
        nats = harness.start_nats(self)
        ls = harness.start_logship(self, dict(env, NATS_URL=nats.url))
        ls.wait_healthy(15)
        harness.nats_publish(nats.url, [("logs.a.b.c", record("SIGTERM"))])
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 2, 15, sink="slack")
        ls.assert_clean(self)
        harness.assert_no_secret(self, [p.stdout_text, p.stderr_text, ls.stderr_text(),
                                        ls.stdout_text()], [WEBHOOK, TOKEN])


if __name__ == "__main__":
    unittest.main()
