"""Provider tests for aws_s3 (PROVIDERS.md Part 2 §5), the `s3` kind: golden PutObject requests
(virtual-hosted on AWS, path-style on a custom endpoint, session token), every signature
re-verified here with an independent SigV4 implementation (hashlib/hmac), the object key and
partitioning, retry classification (§5.6), activation and secrets, and end to end through a
real nats-server into a real S3-compatible server that verifies SigV4 signatures (s3rver, the
@20minutes fork, installed into tests/node_modules by scripts/deps.sh)."""

import base64
import datetime
import gzip
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import threading
import time
import unittest
import urllib.parse

import harness
import providers
from providers import R

KEY_ID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "session-token-FwoGZXIvYXdzEBYaDS3EXAMPLE"
FAST = {
    "LOGSHIP_AWS_S3_BATCH_TIMEOUT": "100ms",
    "LOGSHIP_AWS_S3_RETRY_INITIAL_BACKOFF": "50ms",
    "LOGSHIP_AWS_S3_RETRY_MAX_BACKOFF": "300ms",
}
KEY_RE = re.compile(r"/(\d+)-([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})"
                    r"\.log\.gz\?x-id=PutObject$")
S3RVER_PKG = os.path.join("@20minutes", "s3rver")


def aws_env(**extra):
    env = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET}
    env.update(FAST)
    env.update(extra)
    return env


def normalize(text):
    """Replaces what changes per run (time, uuid, signature, hashes of the gzip bytes)."""
    text = re.sub(r"/\d+-[0-9a-f-]{36}\.log\.gz", "/EPOCH-UUID.log.gz", text, count=1)
    text = re.sub(r"(x-amz-date: )\d{8}T\d{6}Z", r"\1AMZDATE", text)
    text = re.sub(r"(Credential=[A-Z0-9]+/)\d{8}/", r"\1DATE/", text)
    text = re.sub(r"(Signature=)[0-9a-f]{64}", r"\1SIGNATURE", text)
    text = re.sub(r"(content-md5: )\S+", r"\1MD5", text)
    text = re.sub(r"(x-amz-content-sha256: )[0-9a-f]{64}", r"\1SHA256", text)
    return text


# -- an independent SigV4 check of a captured request (AWS's algorithm, stdlib only) -------------
def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _enc(s, keep_slash):
    return urllib.parse.quote(s, safe="/~" if keep_slash else "~")


def verify_sigv4(test, req, secret, region, host=None):
    """Recomputes the Authorization of a captured S3 request from its method, path, query,
    signed headers and raw body, and checks the payload hash and Content-MD5."""
    body = req["body"]
    h = req["headers"]
    test.assertEqual(h.get("x-amz-content-sha256"), hashlib.sha256(body).hexdigest())
    test.assertEqual(h.get("Content-MD5"), base64.b64encode(hashlib.md5(body).digest()).decode())
    auth = h.get("Authorization")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request, "
                 r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$", auth or "")
    test.assertIsNotNone(m, "Authorization: %r" % auth)
    key_id, day, reg, signed, sig = m.groups()
    test.assertEqual(key_id, KEY_ID)
    test.assertEqual(reg, region)
    amz_date = h.get("x-amz-date")
    test.assertEqual(amz_date[:8], day)
    path, _, query = req["path"].partition("?")
    canon_path = _enc(urllib.parse.unquote(path), True)
    params = sorted((_enc(urllib.parse.unquote(k), False), _enc(urllib.parse.unquote(v), False))
                    for k, _, v in (p.partition("=") for p in query.split("&") if p))
    canon_query = "&".join("%s=%s" % kv for kv in params)
    lines = []
    for name in signed.split(";"):
        vals = h.get_all(name)
        if name == "host" and host is not None:
            vals = [host]
        test.assertTrue(vals, "signed header %s not sent" % name)
        lines.append("%s:%s\n" % (name, ",".join(" ".join(v.split()) for v in vals)))
    creq = "\n".join(["PUT", canon_path, canon_query, "".join(lines), signed,
                      h.get("x-amz-content-sha256")])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, "%s/%s/s3/aws4_request" % (day, region),
                     hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    k = _hmac(("AWS4" + secret).encode("utf-8"), day)
    for part in (region, "s3", "aws4_request"):
        k = _hmac(k, part)
    test.assertEqual(sig, hmac.new(k, sts.encode("utf-8"), hashlib.sha256).hexdigest(),
                     "signature does not verify; canonical request:\n" + creq)
    return signed


def body_lines(req):
    test_data = req["data"]
    return test_data.split(b"\n") if test_data else []


# -- s3rver ------------------------------------------------------------------------------------
S3RVER_JS = r"""
const path = require('path');
const [root, dir, bucket] = process.argv.slice(1);
const S3rver = require(path.join(root, '@20minutes/s3rver'));
const AWSAccount = require(path.join(root, '@20minutes/s3rver/lib/models/account'));
AWSAccount.DUMMY_ACCOUNT.createKeyPair(process.env.S3_KEY_ID, process.env.S3_SECRET);
const s = new S3rver({address: '127.0.0.1', port: 0, silent: true, directory: dir,
                      configureBuckets: [{name: bucket, configs: []}]});
s.run().then(a => console.log('PORT ' + a.port), e => { console.error(e); process.exit(1); });
"""


class S3rver:
    """s3rver on a free port with one bucket and our key pair; objects land in `dir`."""

    def __init__(self, test, bucket):
        root = os.path.join(harness.source_dir(), "tests", "node_modules")
        if not shutil.which("node") or not os.path.isdir(os.path.join(root, S3RVER_PKG)):
            test.fail("s3rver is not installed: run scripts/deps.sh")
        self.bucket = bucket
        self.dir = harness.temp_dir(test, "ls-s3rver-")
        env = dict(os.environ, S3_KEY_ID=KEY_ID, S3_SECRET=SECRET)
        self.proc = subprocess.Popen(["node", "-e", S3RVER_JS, root, self.dir, bucket], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        test.addCleanup(self.close)
        line = [None]
        t = threading.Thread(target=lambda: line.__setitem__(0, self.proc.stdout.readline()))
        t.start()
        t.join(30)
        m = re.match(rb"PORT (\d+)", line[0] or b"")
        if not m:
            self.close()
            test.fail("s3rver did not start: %r %r" % (line[0], self.proc.stderr.read()[-500:]))
        self.url = "http://127.0.0.1:%d" % int(m.group(1))

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            f.close()

    def objects(self):
        """{key: decompressed bytes}; None while an object is being written."""
        out = {}
        base = os.path.join(self.dir, self.bucket)
        suffix = "._S3rver_object"
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if not name.endswith(suffix):
                    continue
                p = os.path.join(dirpath, name)
                key = os.path.relpath(p, base)[:-len(suffix)]
                try:
                    with open(p, "rb") as f:
                        out[key] = gzip.decompress(f.read())
                except (OSError, EOFError):
                    return None
        return out

    def metadata(self, key):
        p = os.path.join(self.dir, self.bucket, key + "._S3rver_metadata.json")
        with open(p, encoding="utf-8") as f:
            return json.load(f)


def app_and_day(line):
    """The key prefix a record belongs under: fly.app.name and its own UTC date."""
    obj = json.loads(line)
    app = ((obj.get("fly") or {}).get("app") or {}).get("name") or "_unknown"
    ts = obj.get("timestamp")
    day = ts[:10] if isinstance(ts, str) and re.match(r"\d{4}-\d\d-\d\dT", ts) else None
    return app, day


def retimed(line, day):
    obj = json.loads(line)
    obj["timestamp"] = day + obj["timestamp"][10:]
    return harness.canon(obj)


XML_ERR = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
           '<Message>%s</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>')


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.rx = harness.start_receiver(self)

    def check(self, env):
        env = dict(env)
        env.setdefault("NATS_URL", "nats://127.0.0.1:1")
        return harness.run_logship(["--check"], env)

    # -- golden requests -----------------------------------------------------------------------
    def test_s3_golden_aws_virtual_hosted(self):
        env = aws_env(AWS_BUCKET="mybucket", AWS_REGION="us-east-1")
        env.update(providers.endpoint_env("AWS_S3", self.rx))
        start = int(time.time())
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        end = int(time.time())
        self.assertEqual(len(reqs), 1)
        req = reqs[0]
        # Virtual-hosted: the bucket is in the host (replaced here by the endpoint override),
        # so the path is the key alone, named after the record's own day.
        m = KEY_RE.search(req["path"])
        self.assertIsNotNone(m, req["path"])
        self.assertTrue(req["path"].startswith("/worker/2026-11-23/"), req["path"])
        self.assertTrue(start <= int(m.group(1)) <= end)
        self.assertEqual(req["data"], R)  # one record, no final newline (§5.4)
        signed = verify_sigv4(self, req, SECRET, "us-east-1")
        self.assertEqual(signed, "content-encoding;content-md5;content-type;host;"
                                 "x-amz-content-sha256;x-amz-date;x-amz-storage-class")
        providers.assert_golden(self, req, "aws_s3", "worked-example-aws", normalize)

    def test_s3_golden_path_style_session_token(self):
        env = aws_env(BUCKET_NAME="fly-logs", S3_ENDPOINT=self.rx.url, AWS_SESSION_TOKEN=TOKEN)
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(len(reqs), 1)
        req = reqs[0]
        self.assertTrue(req["path"].startswith("/fly-logs/worker/2026-11-23/"), req["path"])
        signed = verify_sigv4(self, req, SECRET, "auto")  # AWS_REGION unset: auto (R2, Tigris)
        self.assertIn("x-amz-security-token", signed.split(";"))
        providers.assert_golden(self, req, "aws_s3", "path-style-session-token", normalize)

    def test_s3_golden_fixture_batch(self):
        # Five records of one app and day: one object, NDJSON in arrival order.
        lines = [ln for ln in harness.fixture_lines() if app_and_day(ln)[0] ==
                 app_and_day(harness.fixture_lines()[0])[0]][:5]
        lines = [retimed(ln, "2026-11-23") for ln in lines]
        env = aws_env(AWS_BUCKET="fly-logs", S3_ENDPOINT=self.rx.url + "/", AWS_REGION="auto")
        reqs, _ = providers.run_input(self, env, lines, self.rx)
        self.assertEqual(len(reqs), 1)
        self.assertEqual(reqs[0]["data"], b"\n".join(lines))
        verify_sigv4(self, reqs[0], SECRET, "auto")
        providers.assert_golden(self, reqs[0], "aws_s3", "fixture-batch", normalize)

    def test_s3_partitions_by_app_and_record_day(self):
        base = json.loads(R)
        recs = []
        for app, day in (("worker", "2026-11-23"), ("web", "2026-11-23"), ("worker", "2026-11-24"),
                         ("web", "2026-11-23"), ("worker", "2026-11-23")):
            o = json.loads(R)
            o["fly"]["app"]["name"] = app
            o["timestamp"] = day + base["timestamp"][10:]
            recs.append(harness.canon(o))
        no_app = json.loads(R)
        del no_app["fly"]
        recs.append(harness.canon(no_app))
        env = aws_env(AWS_BUCKET="fly-logs", S3_ENDPOINT=self.rx.url)
        reqs, _ = providers.run_input(self, env, recs, self.rx, expect_requests=4)
        self.assertEqual(len(reqs), 4)
        got = {}
        for r in reqs:
            prefix = r["path"].rsplit("/", 1)[0]
            self.assertNotIn(prefix, got, "two objects for %s" % prefix)
            got[prefix] = r["data"].split(b"\n")
            verify_sigv4(self, r, SECRET, "auto")
        self.assertEqual(got, {
            "/fly-logs/worker/2026-11-23": [recs[0], recs[4]],
            "/fly-logs/web/2026-11-23": [recs[1], recs[3]],
            "/fly-logs/worker/2026-11-24": [recs[2]],
            "/fly-logs/_unknown/2026-11-23": [recs[5]],
        })

    def test_s3_record_without_timestamp_uses_receive_day(self):
        o = json.loads(R)
        del o["timestamp"]
        env = aws_env(AWS_BUCKET="b-1", S3_ENDPOINT=self.rx.url)
        before = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        reqs, _ = providers.run_input(self, env, [harness.canon(o)], self.rx)
        after = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        day = reqs[0]["path"].split("/")[3]
        self.assertIn(day, (before, after))

    # -- responses (§5.6) ------------------------------------------------------------------------
    def run_scripted(self, actions, expect_requests):
        self.rx.script(actions)
        env = aws_env(AWS_BUCKET="fly-logs", S3_ENDPOINT=self.rx.url)
        reqs, ls = providers.run_input(self, env, [R], self.rx, expect_requests=expect_requests)
        self.assertEqual(len(reqs), expect_requests, self.rx.summary())
        return reqs, ls

    def test_s3_signature_mismatch_permanent_names_secret(self):
        body = XML_ERR % ("SignatureDoesNotMatch", "The request signature we calculated does "
                          "not match the signature you provided.")
        _, ls = self.run_scripted([{"status": 403, "body": body}], 1)
        err = ls.stderr_text()
        self.assertIn("AWS_SECRET_ACCESS_KEY", err)
        self.assertIn("not retried", err)

    def test_s3_invalid_access_key_permanent_names_key_id(self):
        body = XML_ERR % ("InvalidAccessKeyId", "The AWS Access Key Id you provided does not "
                          "exist in our records.")
        _, ls = self.run_scripted([{"status": 403, "body": body}], 1)
        self.assertIn("check AWS_ACCESS_KEY_ID", ls.stderr_text())

    def test_s3_access_denied_permanent(self):
        _, ls = self.run_scripted([{"status": 403, "body": XML_ERR % ("AccessDenied",
                                                                       "Access Denied")}], 1)
        self.assertIn("access denied", ls.stderr_text())

    def test_s3_no_such_bucket_permanent(self):
        self.run_scripted([{"status": 404, "body": XML_ERR % ("NoSuchBucket", "no bucket")}], 1)

    def test_s3_slowdown_503_retried(self):
        reqs, _ = self.run_scripted([{"status": 503, "body": XML_ERR % ("SlowDown", "slow")}], 2)
        self.assertEqual(reqs[1]["status"], 200)
        self.assertEqual(reqs[1]["data"], R)

    def test_s3_request_timeout_400_retried(self):
        reqs, _ = self.run_scripted([{"status": 400, "body": XML_ERR % ("RequestTimeout", "t")}],
                                    2)
        self.assertEqual(reqs[1]["status"], 200)
        # Each attempt is signed afresh (the signature is only valid for 15 minutes).
        verify_sigv4(self, reqs[1], SECRET, "auto")

    def test_s3_retry_after_lost_response_reuses_key(self):
        # The first PUT arrives but its answer is lost (connection reset): the retry writes the
        # same key, overwriting that object instead of leaving a duplicate next to it.
        reqs, _ = self.run_scripted([{"reset": True}], 2)
        self.assertRegex(reqs[0]["path"], KEY_RE)
        self.assertEqual(reqs[1]["path"], reqs[0]["path"])
        self.assertEqual(reqs[1]["status"], 200)
        self.assertEqual(reqs[1]["data"], R)
        verify_sigv4(self, reqs[1], SECRET, "auto")

    def test_s3_retry_after_503_reuses_key(self):
        reqs, _ = self.run_scripted([{"status": 503, "body": XML_ERR % ("InternalError", "x")},
                                     {"status": 500}], 3)
        self.assertEqual({r["path"] for r in reqs}, {reqs[0]["path"]})

    def test_s3_throttled_429_retried(self):
        self.run_scripted([{"status": 429, "body": "slow down"}], 2)

    # -- activation and secrets ------------------------------------------------------------------
    def test_s3_activation_off_without_bucket(self):
        # Credentials alone (as for CloudWatch) do not turn on S3.
        p = self.check({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                        "AWS_REGION": "us-east-1", "HTTP_URL": self.rx.url})
        self.assertEqual(p.returncode, 0, p.stdout_text + p.stderr_text)
        self.assertNotIn("aws_s3", p.stdout_text + p.stderr_text)

    def test_s3_activation_on_aws(self):
        p = self.check(aws_env(AWS_BUCKET="mybucket", AWS_REGION="eu-west-3"))
        self.assertEqual(p.returncode, 0, p.stdout_text + p.stderr_text)
        self.assertIn("sink aws_s3 (kind s3)", p.stdout_text)
        self.assertIn("url: https://mybucket.s3.eu-west-3.amazonaws.com/<app>/", p.stdout_text)

    def test_s3_activation_on_tigris_names(self):
        p = self.check(aws_env(BUCKET_NAME="my.bucket",
                               AWS_ENDPOINT_URL_S3="https://fly.storage.tigris.dev"))
        self.assertEqual(p.returncode, 0, p.stdout_text + p.stderr_text)
        self.assertIn("url: https://fly.storage.tigris.dev/my.bucket/<app>/", p.stdout_text)
        self.assertIn("region=auto", p.stdout_text)

    def test_s3_dotted_bucket_on_aws_is_path_style(self):
        p = self.check(aws_env(AWS_BUCKET="logs.example.com", AWS_REGION="us-east-1"))
        self.assertEqual(p.returncode, 0, p.stdout_text + p.stderr_text)
        self.assertIn("url: https://s3.us-east-1.amazonaws.com/logs.example.com/<app>/",
                      p.stdout_text)

    def test_s3_activation_partial_names_each_credential(self):
        p = self.check({"AWS_BUCKET": "mybucket", "AWS_REGION": "us-east-1"})
        self.assertEqual(p.returncode, 1)
        out = p.stdout_text + p.stderr_text
        self.assertIn("aws_s3: AWS_ACCESS_KEY_ID is not set (AWS_BUCKET is)", out)
        self.assertIn("aws_s3: AWS_SECRET_ACCESS_KEY is not set (AWS_BUCKET is)", out)
        p = self.check({"BUCKET_NAME": "b", "AWS_ACCESS_KEY_ID": KEY_ID,
                        "S3_ENDPOINT": "https://r2.example.com"})
        self.assertEqual(p.returncode, 1)
        self.assertIn("aws_s3: AWS_SECRET_ACCESS_KEY is not set (BUCKET_NAME is)",
                      p.stdout_text + p.stderr_text)

    def test_s3_aws_without_region_is_an_error(self):
        p = self.check(aws_env(AWS_BUCKET="mybucket"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("aws_s3: AWS_REGION is not set (AWS S3 needs it; for another "
                      "S3-compatible store set S3_ENDPOINT or AWS_ENDPOINT_URL_S3)",
                      p.stdout_text + p.stderr_text)
        p = self.check(aws_env(AWS_BUCKET="mybucket", AWS_REGION="auto"))
        self.assertEqual(p.returncode, 1)
        self.assertIn("aws_s3: AWS_REGION is auto, which AWS S3 does not have",
                      p.stdout_text + p.stderr_text)

    def test_s3_invalid_values_named(self):
        for var, value, text in (
                ("S3_ENDPOINT", "ftp://files.example.com", "S3_ENDPOINT: not an http:// or "
                                                            "https:// URL"),
                ("AWS_ENDPOINT_URL_S3", "not a url", "AWS_ENDPOINT_URL_S3: not an http://"),
                ("AWS_REGION", "us east 1", "aws_s3: AWS_REGION: not a region name"),
                ("AWS_BUCKET", "a/b", "aws_s3: AWS_BUCKET: not a usable bucket name")):
            with self.subTest(var=var):
                env = aws_env(AWS_BUCKET="mybucket", AWS_REGION="us-east-1")
                env[var] = value
                p = self.check(env)
                self.assertEqual(p.returncode, 1)
                self.assertIn(text, p.stdout_text + p.stderr_text)

    def test_s3_both_endpoints_prefers_s3_endpoint_with_warning(self):
        env = aws_env(AWS_BUCKET="fly-logs", S3_ENDPOINT=self.rx.url,
                      AWS_ENDPOINT_URL_S3="http://127.0.0.1:9", LOGSHIP_LOG_LEVEL="info")
        reqs, ls = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(len(reqs), 1)
        self.assertIn("S3_ENDPOINT and AWS_ENDPOINT_URL_S3 are both set; using S3_ENDPOINT",
                      ls.stderr_text())

    def test_s3_secrets_never_printed(self):
        env = aws_env(AWS_BUCKET="fly-logs", S3_ENDPOINT=self.rx.url, AWS_SESSION_TOKEN=TOKEN,
                      LOGSHIP_LOG_LEVEL="debug")
        p = self.check(env)
        self.assertEqual(p.returncode, 0, p.stderr_text)
        harness.assert_no_secret(self, [p.stdout_text, p.stderr_text], [SECRET, TOKEN, KEY_ID])
        _, ls = providers.run_input(self, env, [R], self.rx)
        harness.assert_no_secret(self, [ls.stdout_text(), ls.stderr_text()],
                                 [SECRET, TOKEN, KEY_ID])

    # -- end to end: NATS -> logship -> a signature-checking S3 --------------------------------
    def start_pipeline(self, s3, secret):
        nats = harness.start_nats(self)
        env = aws_env(AWS_BUCKET=s3.bucket, S3_ENDPOINT=s3.url, NATS_URL=nats.url,
                      AWS_SECRET_ACCESS_KEY=secret, LOGSHIP_LOG_LEVEL="info")
        ls = harness.start_logship(self, env)
        ls.wait_healthy()
        return nats, ls

    def test_s3_end_to_end_fixture_records_exactly_once(self):
        s3 = S3rver(self, "fly-logs")
        nats, ls = self.start_pipeline(s3, SECRET)
        harness.nats_publish(nats.url, harness.fixture_records())
        want = harness.fixture_lines()

        def settled():
            objs = s3.objects()
            if objs is None:
                return None
            n = sum(len(v.split(b"\n")) for v in objs.values() if v)
            return objs if n >= len(want) else None
        objs = harness.wait_until(settled, 30, "300 records stored in s3rver")
        ls.stop()
        objs = s3.objects()
        got = []
        for key, data in objs.items():
            m = re.match(r"([^/]+)/(\d{4}-\d\d-\d\d)/(\d+)-[0-9a-f-]{36}\.log\.gz$", key)
            self.assertIsNotNone(m, key)
            self.assertFalse(data.endswith(b"\n"), key)
            for line in data.split(b"\n"):
                app, day = app_and_day(line)
                self.assertEqual((app, day or m.group(2)), m.group(1, 2),
                                 "record stored under the wrong prefix %s" % key)
                got.append(line)
            meta = s3.metadata(key)
            self.assertEqual(meta.get("content-type"), "text/x-log")
        harness.assert_same_records(self, got, want)
        self.assertEqual(ls.metric("logship_sink_rejected_events_total", sink="aws_s3"), 0)

    def test_s3_end_to_end_wrong_secret_rejected_not_retried(self):
        s3 = S3rver(self, "fly-logs")
        nats, ls = self.start_pipeline(s3, "not-the-secret-key")
        recs = harness.fixture_records()[:20]
        harness.nats_publish(nats.url, recs)
        ls.wait_metric("logship_sink_rejected_events_total", lambda v: v >= len(recs),
                       sink="aws_s3")
        self.assertEqual(ls.metric("logship_sink_retries_total", sink="aws_s3"), 0)
        self.assertEqual(s3.objects(), {})
        ls.stop()
        self.assertIn("the signature does not match: check AWS_SECRET_ACCESS_KEY",
                      ls.stderr_text())


if __name__ == "__main__":
    unittest.main()
