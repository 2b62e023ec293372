"""Shared helpers for the provider tests (one test_providers_<family>.py per family).

Each provider is exercised through the real binary: environment variables in (as a user sets
them, with LOGSHIP_<SINK>_ENDPOINT pointing at our capture receiver), fixture records in through
`--input` (golden) or a real nats-server (end to end), and the exact requests out.

Golden files live in tests/providers/<provider>/<case>.request and hold one request each:

    POST /api/v2/logs?x=1
    content-encoding: gzip
    content-type: application/json
    dd-api-key: test-dd-key-0123456789
    user-agent: logship/VERSION

    <the body, decompressed, exactly>

Header names are lower-cased and sorted; Host, Content-Length, Accept and Accept-Encoding (curl's
own) are left out; the logship version is written VERSION. Bodies are compared byte for byte.
Values that change per run (a request id, `now`) are replaced by the test with a fixed token
before comparing (see `normalize`). UPDATE_GOLDEN=1 rewrites the files instead of comparing;
review the diff before committing it.
"""

import os
import re

import harness

SKIP_HEADERS = {"host", "content-length", "accept", "accept-encoding", "expect"}


def golden_dir(provider):
    return os.path.join(harness.source_dir(), "tests", "providers", provider)


def version():
    out = harness.run_logship(["--version"], {}).stdout_text.strip()
    return out.split()[-1]


def render(req, normalize=None):
    """The request as golden text (see the module docstring)."""
    ver = version()
    lines = ["%s %s" % (req["method"], req["path"])]
    hdrs = sorted((k.lower(), v) for k, v in req["headers"] if k.lower() not in SKIP_HEADERS)
    for k, v in hdrs:
        lines.append("%s: %s" % (k, v.replace(ver, "VERSION")))
    text = "\n".join(lines) + "\n\n"
    body = req["data"].decode("utf-8", "replace")
    out = text + body
    if normalize:
        out = normalize(out)
    return out


def assert_golden(test, req, provider, case, normalize=None):
    path = os.path.join(golden_dir(provider), case + ".request")
    got = render(req, normalize)
    if os.environ.get("UPDATE_GOLDEN"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(got)
        return
    with open(path, encoding="utf-8", newline="") as f:
        want = f.read()
    test.assertEqual(got, want, "request differs from %s" % path)


def input_file(test, lines):
    """A temporary NDJSON file holding the given payload lines (bytes)."""
    d = harness.temp_dir(test)
    path = os.path.join(d, "input.ndjson")
    with open(path, "wb") as f:
        for line in lines:
            f.write(line + b"\n")
    return path


def run_input(test, env, lines, rx, expect_requests=1, timeout=30):
    """Runs logship --input over `lines` with env (plus a dummy NATS_URL); waits for it to exit
    (it flushes at end of input) and returns the receiver's requests."""
    env = dict(env)
    env.setdefault("NATS_URL", "nats://127.0.0.1:1")
    env.setdefault("LOGSHIP_LOG_LEVEL", "warn")
    ls = harness.start_logship(test, env, args=["--input", input_file(test, lines)])
    test.assertEqual(ls.wait_exit(timeout), 0, ls.describe())
    ls.assert_clean(test)
    reqs = rx.requests
    test.assertGreaterEqual(len(reqs), expect_requests, ls.describe())
    return reqs, ls


def endpoint_env(sink_env_name, rx):
    """LOGSHIP_<SINK>_ENDPOINT pointing at the capture receiver."""
    return {"LOGSHIP_%s_ENDPOINT" % sink_env_name: "http://127.0.0.1:%d" % rx.port}


R = (b'{"event":{"provider":"app"},"fly":{"app":{"instance":"a13043b026c48b","name":"worker"},'
     b'"region":"ord"},"host":"34d6","log":{"level":"info"},'
     b'"message":"GET /api/users/33009 200 218ms","timestamp":"2026-11-23T10:00:00.493842299Z"}')
"""PROVIDERS.md's worked example record R."""


def strip_query_param(name):
    """A normalize function replacing the value of query parameter `name` with NOW."""
    pat = re.compile(r"([?&]%s=)[^&\s]*" % re.escape(name))
    return lambda text: pat.sub(r"\1NOW", text, count=1)
