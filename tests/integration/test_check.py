"""Command line and configuration checking: --check prints the resolved configuration with
secrets masked and names every invalid variable on its own line; secrets never reach any
output of a running daemon; --version, --help and usage errors.
"""

import re
import unittest

import harness

HTTP_SECRET = "s3cr3t-token-value-123"
NATS_SECRET = "nats-pass-987654321"

INVALID = {
    "LOGSHIP_HTTP_BATCH_MAX_BYTES": "12x",
    "LOGSHIP_HTTP_COMPRESSION": "brotli",
    "HTTP_URL": "not a url",
    "LOGSHIP_HTTP_SUBJECT": "logs..x",
    "HTTP_TOKEN": "tok\nen-secret-part-77",
}


def output(p):
    return p.stdout_text + p.stderr_text


def fragments(secret, n=8):
    """Every n-character piece of a secret: a mask that keeps too much still leaks."""
    return [secret[i:i + n] for i in range(len(secret) - n + 1)]


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)

    def _check(self, env):
        p = harness.run_logship(["--check"], env)
        self.assertFalse(harness.sanitizer_reports(p.stderr_text), p.stderr_text)
        return p

    def test_check_valid_config_masks_secrets(self):
        p = self._check({"HTTP_URL": "http://127.0.0.1:9/ingest", "HTTP_TOKEN": HTTP_SECRET,
                         "ACCESS_TOKEN": NATS_SECRET})
        out = output(p)
        self.assertEqual(p.returncode, 0, out)
        self.assertRegex(out, r"\bhttp\b")
        self.assertIn("127.0.0.1:9", out)
        harness.assert_no_secret(self, [out], [HTTP_SECRET, NATS_SECRET])
        harness.assert_no_secret(self, [out], fragments(HTTP_SECRET) + fragments(NATS_SECRET))
        self.assertTrue(re.search(r"\*{3,}|redacted|masked", out, re.I),
                        "no visible mask for the secrets in:\n" + out)

    def test_check_invalid_values_each_named(self):
        env = dict(INVALID, NATS_URL="nats://127.0.0.1:4222")
        p = self._check(env)
        out = output(p)
        self.assertEqual(p.returncode, 1, out)
        lines = out.splitlines()
        for var in INVALID:
            # One line per problem: some line names this variable and none of the others.
            own = [ln for ln in lines if re.search(r"\b%s\b" % var, ln) and
                   not any(re.search(r"\b%s\b" % v, ln) for v in INVALID if v != var)]
            self.assertTrue(own, "no problem line of its own names %s in:\n%s" % (var, out))
        harness.assert_no_secret(self, [out], ["en-secret-part-77"])

    def test_check_each_invalid_value_alone(self):
        base = {"NATS_URL": "nats://127.0.0.1:4222", "HTTP_URL": "http://127.0.0.1:9/x"}
        for var, value in INVALID.items():
            with self.subTest(var=var):
                p = self._check(dict(base, **{var: value}))
                out = output(p)
                self.assertEqual(p.returncode, 1, out)
                self.assertRegex(out, r"\b%s\b" % var)

    def test_check_requires_access_token_without_nats_url(self):
        p = self._check({"HTTP_URL": "http://127.0.0.1:9/x"})
        out = output(p)
        self.assertEqual(p.returncode, 1, out)
        self.assertTrue([ln for ln in out.splitlines() if "ACCESS_TOKEN" in ln], out)

    def test_daemon_output_has_no_secrets(self):
        nats = harness.start_nats(self)
        rx = harness.start_receiver(self)
        # One rejected and one retried batch so error paths log too.
        rx.script([{"status": 403, "body": "forbidden"}, {"status": 500, "body": "oops"}])
        env = harness.http_env(nats, rx, token=HTTP_SECRET, ACCESS_TOKEN=NATS_SECRET,
                               LOGSHIP_LOG_LEVEL="debug")
        ls = harness.start_logship(self, env)
        ls.wait_healthy(15)
        fixtures = harness.fixture_records()
        harness.nats_publish(nats.url, fixtures[:100])
        rx.wait_for(lambda rs: len(rs) >= 1, 15, "the rejected request")
        harness.nats_publish(nats.url, fixtures[100:])
        rx.wait_for(lambda rs: len(rs) >= 2, 15, "the retried request")
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 1, 15, sink="http")
        health = ls._get(ls.health_addr, "/health")[1] or b""
        metrics = ls.metrics_text() or ""
        ls.assert_clean(self)
        self.assertIn("Bearer " + HTTP_SECRET, [harness.header(r, "Authorization")
                                                for r in rx.requests])
        texts = [ls.stderr_text(), ls.stdout_text(), health, metrics]
        harness.assert_no_secret(self, texts, [HTTP_SECRET, NATS_SECRET])

    def test_version_prints_name_and_version(self):
        p = harness.run_logship(["--version"], {})
        self.assertEqual(p.returncode, 0, output(p))
        self.assertRegex(p.stdout_text, r"^logship \d+\.\d+\S*\s*$")

    def test_help_exits_zero(self):
        p = harness.run_logship(["--help"], {})
        self.assertEqual(p.returncode, 0, output(p))
        self.assertIn("--input", output(p))
        self.assertIn("--check", output(p))

    def test_unknown_option_is_usage_error(self):
        p = harness.run_logship(["--no-such-option"], {})
        self.assertEqual(p.returncode, 2, output(p))
        self.assertTrue(output(p).strip(), "usage error printed nothing")


if __name__ == "__main__":
    unittest.main()
