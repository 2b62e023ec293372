"""Provider tests for aws_cloudwatch (PROVIDERS.md Part 2 §6), the `cloudwatch` sink: golden
requests of the call sequence on a fresh and on an existing group/stream, SigV4 verified by
botocore on every request (tests/receivers/cloudwatch.py), the PutLogEvents limits, retry
classification, activation, secrets, and end-to-end delivery of the fixture records through a
real nats-server.

CloudWatch refuses events older than 14 days, and logship then sends them with the time of
sending, so tests that look at event times move the records' timestamps to yesterday (`recent`)
and replace the expected epoch ms with RECORD_MS in the golden text after checking it."""

import datetime
import json
import os
import re
import sys
import time
import unittest

import harness
import providers
from providers import R

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "receivers"))
from cloudwatch import CloudWatchReceiver  # noqa: E402

KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "session-token-FwoGZXIvYXdzEBYaDEXAMPLE"
GROUP = "fly-logs"
R_STREAM = "worker/34d6"
R_TS = b"2026-11-23T10:00:00.493842299Z"
FAST = {
    "LOGSHIP_AWS_CLOUDWATCH_BATCH_TIMEOUT": "100ms",
    "LOGSHIP_AWS_CLOUDWATCH_RETRY_INITIAL_BACKOFF": "50ms",
    "LOGSHIP_AWS_CLOUDWATCH_RETRY_MAX_BACKOFF": "300ms",
}
AUTH = re.compile(r"(authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/)\d{8}"
                  r"(/us-east-1/logs/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=)[0-9a-f]{64}")
AMZ_DATE = re.compile(r"(x-amz-date: )\d{8}T\d{6}Z")


def recent(line, days_ago=1, ts=R_TS):
    """The record with its timestamp moved to `days_ago` days before today (same time of day)
    and the expected CloudWatch event time in ms."""
    day = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days_ago)).date()
    new = day.isoformat().encode() + ts[10:]
    frac = new[20:-1].decode()
    whole = datetime.datetime.strptime(new[:19].decode(), "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc)
    ms = int(whole.timestamp()) * 1000 + int((frac + "000")[:3])
    return line.replace(ts, new), ms


def without_timestamp(line):
    obj = json.loads(line)
    obj.pop("timestamp", None)
    return harness.canon(obj).decode("utf-8")


def normalize(record_ms=None):
    def fn(text):
        text = AUTH.sub(r"\1DATE\2SIGNATURE", text)
        text = AMZ_DATE.sub(r"\1NOW", text)
        if record_ms is not None:
            text = text.replace('"timestamp":%d,' % record_ms, '"timestamp":RECORD_MS,')
        return text
    return fn


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.cw = CloudWatchReceiver(KEY_ID, SECRET)
        self.cw.start()
        self.addCleanup(self.cw.stop)

    def env(self, **extra):
        env = {
            "CLOUDWATCH_LOG_GROUP_NAME": GROUP,
            "AWS_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "LOGSHIP_AWS_CLOUDWATCH_ENDPOINT": self.cw.url,
        }
        env.update(FAST)
        env.update(extra)
        return env

    def run_lines(self, lines, expect_requests=1, **extra):
        reqs, ls = providers.run_input(self, self.env(**extra), lines, self.cw, expect_requests)
        return reqs, ls

    def assert_no_violations(self):
        self.assertEqual(self.cw.violations, [], "the fake CloudWatch saw broken rules")

    # -- golden requests and call sequences -----------------------------------------------------
    def test_cloudwatch_fresh_group_call_sequence_golden(self):
        line, ms = recent(R)
        reqs, _ = self.run_lines([line], expect_requests=4)
        self.assert_no_violations()
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams", "CreateLogGroup", "CreateLogStream",
                                         "PutLogEvents"])
        self.assertIn(b'"timestamp":%d,' % ms, reqs[3]["data"])
        for req, case in zip(reqs, ["describe-log-streams", "create-log-group",
                                    "create-log-stream", "put-log-events"]):
            providers.assert_golden(self, req, "aws_cloudwatch", case, normalize(ms))
        self.assertEqual(self.cw.events(GROUP, R_STREAM), [(ms, without_timestamp(line))])

    def test_cloudwatch_existing_stream_describe_then_put(self):
        self.cw.add_stream(GROUP, R_STREAM)
        line, ms = recent(R)
        reqs, _ = self.run_lines([line], expect_requests=2)
        self.assert_no_violations()
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams", "PutLogEvents"])
        providers.assert_golden(self, reqs[1], "aws_cloudwatch", "put-existing-stream",
                                normalize(ms))

    def test_cloudwatch_existing_group_creates_only_the_stream(self):
        self.cw.add_group(GROUP)
        self.run_lines([recent(R)[0]], expect_requests=3)
        self.assert_no_violations()
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams", "CreateLogStream", "PutLogEvents"])

    def test_cloudwatch_prefix_match_is_not_the_stream(self):
        # CW-D2: Vector would write to worker/34d6x's stream (or fail forever).
        self.cw.add_stream(GROUP, R_STREAM + "x")
        self.run_lines([recent(R)[0]], expect_requests=3)
        self.assert_no_violations()
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams", "CreateLogStream", "PutLogEvents"])
        self.assertEqual(len(self.cw.events(GROUP, R_STREAM)), 1)
        self.assertEqual(self.cw.events(GROUP, R_STREAM + "x"), [])

    def test_cloudwatch_known_stream_is_put_directly(self):
        nats = harness.start_nats(self)
        env = self.env(NATS_URL=nats.url, LOGSHIP_LOG_LEVEL="warn")
        ls = harness.start_logship(self, env)
        ls.wait_healthy()
        harness.nats_publish(nats.url, [("logs.worker.ord.a13043b026c48b", recent(R)[0])])
        self.cw.wait_for(lambda rs: self.cw.ops(rs).count("PutLogEvents") == 1, 15)
        harness.nats_publish(nats.url, [("logs.worker.ord.a13043b026c48b", recent(R, 2)[0])])
        self.cw.wait_for(lambda rs: self.cw.ops(rs).count("PutLogEvents") == 2, 15)
        ls.assert_clean(self)
        self.assert_no_violations()
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams", "CreateLogGroup", "CreateLogStream",
                                         "PutLogEvents", "PutLogEvents"])

    def test_cloudwatch_streams_per_app_and_host(self):
        a = R.replace(b'"host":"34d6"', b'"host":"aa11"')
        b = R.replace(b'"name":"worker"', b'"name":"web"')
        no_host = R.replace(b'"host":"34d6",', b"")
        self.run_lines([recent(x)[0] for x in (R, a, b, no_host)], expect_requests=4)
        self.assert_no_violations()
        streams = {s for _g, s, _t, _m in self.cw.all_events()}
        self.assertEqual(streams, {"worker/34d6", "worker/aa11", "web/34d6", "worker/unknown"})

    # -- limits ---------------------------------------------------------------------------------
    def test_cloudwatch_events_sorted_and_split_at_24_hours(self):
        # Three records 1, 2 and 3 days old arrive newest first: one call per 24 hours, each
        # sorted; all within the 14-day window so every one keeps its own time.
        lines = [recent(R, d) for d in (1, 3, 2)]
        self.run_lines([x for x, _ in lines], expect_requests=4)
        self.assert_no_violations()
        puts = [b for op, b in self.cw.calls() if op == "PutLogEvents"]
        self.assertEqual(len(puts), 3)
        got = [e["timestamp"] for p in puts for e in p["logEvents"]]
        self.assertEqual(got, sorted(ms for _x, ms in lines))

    def test_cloudwatch_more_than_10000_events_split(self):
        base, _ms = recent(R)
        lines = [base.replace(b"33009", str(i).encode()) for i in range(10050)]
        self.run_lines(lines, expect_requests=5)
        self.assert_no_violations()
        puts = [b for op, b in self.cw.calls() if op == "PutLogEvents"]
        self.assertGreaterEqual(len(puts), 2)
        self.assertTrue(all(len(p["logEvents"]) <= 10000 for p in puts))
        self.assertEqual(len(self.cw.events(GROUP, R_STREAM)), 10050)

    def test_cloudwatch_call_bytes_limit_counts_26_per_event(self):
        # 41 records of ~25.6 KB: 1,048,576 bytes hold 40 of them only with the 26-byte overhead
        # left out, so a correct count needs two calls.
        base, _ms = recent(R)
        pad = 1048576 // 40 - 26 - len(without_timestamp(base)) + 3
        big = base.replace(b"GET /api", b"GET /" + b"a" * pad + b"/api")
        size = len(without_timestamp(big).encode())
        self.assertGreater(40 * (size + 26), 1048576)
        self.assertLessEqual(40 * size, 1048576)
        self.run_lines([big] * 41, expect_requests=5)
        self.assert_no_violations()
        self.assertEqual(len(self.cw.events(GROUP, R_STREAM)), 41)

    def test_cloudwatch_record_over_event_limit_cut(self):
        base, _ms = recent(R)
        big = base.replace(b"GET /api", b"GET /" + "é".encode() * 600000 + b"/api")
        self.run_lines([big], expect_requests=4, LOGSHIP_MAX_RECORD_BYTES="4MiB")
        self.assert_no_violations()
        events = self.cw.events(GROUP, R_STREAM)
        self.assertEqual(len(events), 1)
        msg = events[0][1].encode("utf-8")
        self.assertLessEqual(len(msg), 1048576 - 26)
        self.assertGreater(len(msg), 1048576 - 26 - 4)
        self.assertTrue(without_timestamp(big).encode().startswith(msg))

    def test_cloudwatch_record_over_event_limit_counted(self):
        # The cut is counted per sink in logship_truncated_total, as Papertrail's is.
        base, _ms = recent(R)
        big = base.replace(b"GET /api", b"GET /" + b"x" * 1100000 + b"/api")
        nats = harness.start_nats(self, config="max_payload: 4MB\n")
        ls = harness.start_logship(self, self.env(NATS_URL=nats.url,
                                                  LOGSHIP_MAX_RECORD_BYTES="4MiB"))
        ls.wait_healthy(15)
        harness.nats_publish(nats.url, [("logs.worker.ord.a13043b026c48b", big)])
        ls.wait_metric("logship_sink_sent_events_total", lambda v: v >= 1, 15,
                       sink="aws_cloudwatch")
        self.assertEqual(ls.metric("logship_truncated_total", sink="aws_cloudwatch"), 1)
        self.assertIn("CloudWatch's per-event limit", ls.stderr_text())
        self.assert_no_violations()
        ls.assert_clean(self)

    def test_cloudwatch_record_older_than_14_days_sent_with_now(self):
        old, old_ms = recent(R, 20)
        before = int(time.time() * 1000)
        self.run_lines([old], expect_requests=4)
        after = int(time.time() * 1000)
        self.assert_no_violations()
        self.assertEqual(self.cw.rejected, [])
        events = self.cw.events(GROUP, R_STREAM)
        self.assertEqual(len(events), 1)
        self.assertNotEqual(events[0][0], old_ms)
        self.assertTrue(before <= events[0][0] <= after, events)

    # -- responses ------------------------------------------------------------------------------
    def test_cloudwatch_throttled_create_log_group_retried(self):
        self.cw.throttle("CreateLogGroup", 2)
        self.run_lines([recent(R)[0]], expect_requests=6)
        self.assert_no_violations()
        self.assertEqual(self.cw.ops().count("CreateLogGroup"), 3)
        self.assertEqual(len(self.cw.events(GROUP, R_STREAM)), 1)

    def test_cloudwatch_throttled_put_retried_once_stored(self):
        self.cw.add_stream(GROUP, R_STREAM)
        self.cw.throttle("PutLogEvents", 2)
        self.cw.fail("PutLogEvents", 1, {"status": 503, "body": "{}"})
        self.run_lines([recent(R)[0]], expect_requests=5)
        self.assert_no_violations()
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams"] + ["PutLogEvents"] * 4)
        self.assertEqual(len(self.cw.events(GROUP, R_STREAM)), 1)

    def test_cloudwatch_hanging_call_does_not_block_shutdown(self):
        nats = harness.start_nats(self)
        self.cw.fail(None, 100, {"hang": True})
        env = self.env(NATS_URL=nats.url, LOGSHIP_SHUTDOWN_TIMEOUT="1s")
        ls = harness.start_logship(self, env)
        ls.wait_healthy()
        harness.nats_publish(nats.url, [("logs.worker.ord.a13043b026c48b", recent(R)[0])])
        self.cw.wait_for(lambda rs: len(rs) == 1, 15)
        start = time.monotonic()
        self.assertEqual(ls.stop(timeout=15), 0, ls.describe())
        self.assertLess(time.monotonic() - start, 8)
        ls.assert_clean(self)

    def test_cloudwatch_access_denied_permanent_names_the_keys(self):
        from cloudwatch import _error
        self.cw.fail(None, 100, _error("AccessDeniedException", "User is not authorized"))
        _reqs, ls = self.run_lines([recent(R)[0]], expect_requests=1)
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams"])
        err = ls.stderr_text()
        self.assertIn("AccessDeniedException", err)
        self.assertIn("AWS_SECRET_ACCESS_KEY", err)

    def test_cloudwatch_invalid_parameter_permanent(self):
        from cloudwatch import _error
        self.cw.add_stream(GROUP, R_STREAM)
        self.cw.fail("PutLogEvents", 100, _error("InvalidParameterException", "nope"))
        self.run_lines([recent(R)[0]], expect_requests=2)
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams", "PutLogEvents"])

    def test_cloudwatch_wrong_secret_fails_signature_check(self):
        # The verifier can fail: a receiver that knows another secret refuses every request.
        other = CloudWatchReceiver(KEY_ID, SECRET[:-1] + "X")
        other.start()
        self.addCleanup(other.stop)
        env = self.env(LOGSHIP_AWS_CLOUDWATCH_ENDPOINT=other.url)
        providers.run_input(self, env, [recent(R)[0]], other, 1)
        self.assertEqual(other.ops(), ["DescribeLogStreams"])
        self.assertEqual(len(other.violations), 1)
        self.assertIn("signature mismatch", other.violations[0])

    def test_cloudwatch_session_token_signed(self):
        cw = CloudWatchReceiver(KEY_ID, SECRET, session_token=TOKEN)
        cw.start()
        self.addCleanup(cw.stop)
        env = self.env(LOGSHIP_AWS_CLOUDWATCH_ENDPOINT=cw.url, AWS_SESSION_TOKEN=TOKEN)
        providers.run_input(self, env, [recent(R)[0]], cw, 4)
        self.assertEqual(cw.violations, [])
        self.assertEqual(harness.header(cw.requests[0], "X-Amz-Security-Token"), TOKEN)
        self.assertEqual(len(cw.events(GROUP, R_STREAM)), 1)

    def test_cloudwatch_legacy_sequence_token_followed(self):
        cw = CloudWatchReceiver(KEY_ID, SECRET, legacy_tokens=True)
        cw.start()
        self.addCleanup(cw.stop)
        cw.add_stream(GROUP, R_STREAM, token="49590338271490256608559692538361571095921575989136588898")
        # A stale token from Describe: the first put is refused and names the right one.
        cw.fail("DescribeLogStreams", 1, {"status": 200, "body": json.dumps({"logStreams": [
            {"logStreamName": R_STREAM, "uploadSequenceToken": "stale"}]})})
        env = self.env(LOGSHIP_AWS_CLOUDWATCH_ENDPOINT=cw.url)
        providers.run_input(self, env, [recent(R)[0]], cw, 3)
        self.assertEqual(cw.violations, [])
        self.assertEqual(cw.ops(), ["DescribeLogStreams", "PutLogEvents", "PutLogEvents"])
        self.assertEqual(cw.calls()[2][1]["sequenceToken"],
                         "49590338271490256608559692538361571095921575989136588898")
        self.assertEqual(len(cw.events(GROUP, R_STREAM)), 1)

    def test_cloudwatch_data_already_accepted_is_delivered(self):
        from cloudwatch import _error
        self.cw.add_stream(GROUP, R_STREAM)
        self.cw.fail("PutLogEvents", 1, _error("DataAlreadyAcceptedException", "accepted",
                                               expectedSequenceToken="1"))
        _reqs, ls = self.run_lines([recent(R)[0]], expect_requests=2,
                                   LOGSHIP_LOG_LEVEL="info")
        self.assertEqual(self.cw.ops(), ["DescribeLogStreams", "PutLogEvents"])
        self.assertNotIn("rejected", ls.stderr_text())

    # -- activation and secrets -----------------------------------------------------------------
    def check(self, env):
        env = dict(env)
        env.setdefault("NATS_URL", "nats://127.0.0.1:1")
        return harness.run_logship(["--check"], env)

    def test_cloudwatch_activation_on(self):
        p = self.check(self.env())
        self.assertEqual(p.returncode, 0, p.stdout_text + p.stderr_text)
        self.assertIn("sink aws_cloudwatch (kind cloudwatch)", p.stdout_text)

    def test_cloudwatch_activation_off_with_only_shared_aws_variables(self):
        # The S3 provider's users set the same AWS_* variables: that alone is not CloudWatch.
        env = self.env()
        del env["CLOUDWATCH_LOG_GROUP_NAME"]
        p = self.check(env)
        self.assertNotIn("cloudwatch", p.stdout_text)

    def test_cloudwatch_activation_partial_names_each_variable(self):
        p = self.check({"CLOUDWATCH_LOG_GROUP_NAME": GROUP})
        self.assertEqual(p.returncode, 1)
        for var in ("AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            self.assertIn("aws_cloudwatch: %s is not set (CLOUDWATCH_LOG_GROUP_NAME is)" % var,
                          p.stdout_text)

    def test_cloudwatch_activation_invalid_region_and_group(self):
        p = self.check(self.env(AWS_REGION="us east 1", CLOUDWATCH_LOG_GROUP_NAME="a b"))
        self.assertEqual(p.returncode, 1)
        self.assertIn('aws_cloudwatch: AWS_REGION: "us east 1" is not an AWS region', p.stdout_text)
        self.assertIn('aws_cloudwatch: CLOUDWATCH_LOG_GROUP_NAME: "a b" is not a log group name',
                      p.stdout_text)

    def test_cloudwatch_china_region_endpoint(self):
        env = self.env(AWS_REGION="cn-north-1")
        del env["LOGSHIP_AWS_CLOUDWATCH_ENDPOINT"]
        p = self.check(env)
        self.assertEqual(p.returncode, 0, p.stdout_text)
        self.assertIn("url: https://logs.cn-north-1.amazonaws.com.cn/", p.stdout_text)
        env["AWS_REGION"] = "eu-west-3"
        self.assertIn("url: https://logs.eu-west-3.amazonaws.com/", self.check(env).stdout_text)

    def test_cloudwatch_secrets_never_printed(self):
        secrets = [KEY_ID + "SECRETID", SECRET, TOKEN]
        env = self.env(AWS_ACCESS_KEY_ID=secrets[0], AWS_SESSION_TOKEN=TOKEN,
                       LOGSHIP_LOG_LEVEL="debug")
        p = self.check(env)
        self.assertEqual(p.returncode, 0, p.stdout_text)
        # The daemon against a receiver that refuses the key and quotes the request back.
        from cloudwatch import _error
        cw = CloudWatchReceiver(secrets[0], SECRET, session_token=TOKEN)
        cw.start()
        self.addCleanup(cw.stop)
        cw.fail(None, 100, _error("InvalidSignatureException", "Credential=%s/x secret %s token %s"
                                  % (secrets[0], SECRET, TOKEN)))
        env["LOGSHIP_AWS_CLOUDWATCH_ENDPOINT"] = cw.url
        _reqs, ls = providers.run_input(self, env, [recent(R)[0]], cw, 1)
        self.assertEqual(cw.violations, [])
        self.assertIn("InvalidSignatureException", ls.stderr_text())
        harness.assert_no_secret(self, [p.stdout_text, p.stderr_text, ls.stderr_text()], secrets)

    # -- end to end -----------------------------------------------------------------------------
    def test_cloudwatch_end_to_end_fixture_records_once(self):
        nats = harness.start_nats(self)
        env = self.env(NATS_URL=nats.url, LOGSHIP_LOG_LEVEL="warn")
        ls = harness.start_logship(self, env)
        ls.wait_healthy()
        records = harness.fixture_records()
        harness.nats_publish(nats.url, records)
        harness.wait_until(lambda: len(self.cw.all_events()) >= len(records), 30,
                           "all fixture records stored")
        ls.assert_clean(self)
        self.assert_no_violations()
        want = []
        for _subj, payload in records:
            obj = json.loads(payload)
            want.append(("%s/%s" % (obj["fly"]["app"]["name"], obj["host"]),
                         without_timestamp(payload)))
        got = [(s, m) for _g, s, _t, m in self.cw.all_events()]
        harness.assert_same_records(self, got, want, "stored CloudWatch events")


if __name__ == "__main__":
    unittest.main()
