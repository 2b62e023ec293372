"""Provider tests for the `type = "http"` family (PROVIDERS.md Part 1 §2.1, §2.10–§2.18):
golden requests from environment variables and the worked record R, and end-to-end delivery of
the 300 fixture records through a real nats-server."""

import unittest

import harness
import providers
from providers import R


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.rx = harness.start_receiver(self)

    def test_http_golden_request(self):
        env = {"HTTP_URL": "https://logs.example.com/ingest?src=fly", "HTTP_TOKEN": "tok-123456"}
        env.update(providers.endpoint_env("HTTP", self.rx))
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertEqual(len(reqs), 1)
        providers.assert_golden(self, reqs[0], "http", "worked-example")

    def test_http_without_token_sends_no_authorization(self):
        env = {"HTTP_URL": self.rx.url + "/x"}
        reqs, _ = providers.run_input(self, env, [R], self.rx)
        self.assertIsNone(harness.header(reqs[0], "Authorization"))
