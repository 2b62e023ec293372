"""Integration-test harness: a real nats-server, a raw NATS publisher, the fixtures, and a
wrapper that runs the logship binary and reads its /health and /metrics.

Every test file in tests/integration imports this module. Processes are started with
``start_*(self, ...)`` helpers that register cleanups on the test case, so a failing test never
leaves a nats-server or logship behind. Waits are bounded and wait on a condition: the capture
receiver's Condition, or a short poll of an endpoint/file where no notification exists.

Environment: LOGSHIP_BIN (the binary), LS_FIXTURES_DIR (fixtures), LS_SOURCE_DIR (repo root),
NATS_SERVER (optional nats-server binary override). Standard library only.
"""

import base64
import collections
import gzip
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, "..", "receivers"))

from capture import CaptureReceiver, records, header  # noqa: E402,F401

SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                     "UndefinedBehaviorSanitizer", "ThreadSanitizer")

# Settings that keep the suite fast: short batch ages and retry backoffs.
FAST_HTTP = {
    "LOGSHIP_HTTP_BATCH_TIMEOUT": "100ms",
    "LOGSHIP_HTTP_RETRY_INITIAL_BACKOFF": "50ms",
    "LOGSHIP_HTTP_RETRY_MAX_BACKOFF": "500ms",
}


# -- paths and fixtures --------------------------------------------------------------------------
def source_dir():
    return os.environ.get("LS_SOURCE_DIR") or os.path.normpath(os.path.join(_HERE, "..", ".."))


def fixtures_dir():
    d = os.environ.get("LS_FIXTURES_DIR")
    if d:
        return d
    return os.path.normpath(os.path.join(source_dir(), "..", "shared", "fixtures"))


def fixture_path(name):
    return os.path.join(fixtures_dir(), name)


def fixture_lines():
    """The records of fly-logs.ndjson, one bytes object per line (no newline)."""
    with open(fixture_path("fly-logs.ndjson"), "rb") as f:
        return [line for line in f.read().split(b"\n") if line]


def fixture_records():
    """(subject, payload bytes) pairs from fly-logs.subjects.ndjson."""
    out = []
    with open(fixture_path("fly-logs.subjects.ndjson"), "rb") as f:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            out.append((obj["subject"], obj["payload"].encode("utf-8")))
    return out


def bad_payloads():
    """The decoded payloads of bad-payloads.b64, one per line (an empty line is b"")."""
    with open(fixture_path("bad-payloads.b64"), "rb") as f:
        lines = f.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the file's final newline, not an empty payload
    return [base64.b64decode(line.strip()) for line in lines]


def canon(obj):
    """A record in the canonical form logship ships: compact JSON, sorted keys, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8")


def delivered(reqs):
    """Parsed records of every request answered 2xx, in arrival order."""
    out = []
    for r in reqs:
        if r["status"] is not None and 200 <= r["status"] < 300:
            out.extend(records(r))
    return out


def delivered_count(reqs):
    return len(delivered(reqs))


# -- generic waiting -----------------------------------------------------------------------------
def wait_until(fn, timeout, message, interval=0.05):
    """Polls fn() until it returns a truthy value (returned) or raises AssertionError.

    For conditions with no notification (files, endpoints); the interval is short and the wait
    is bounded, so this awaits a condition rather than guessing a duration.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError("%s: not met within %.1fs" % (message, timeout))
        time.sleep(interval)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- nats-server ---------------------------------------------------------------------------------
class NatsServer:
    """A nats-server on a loopback port. config: optional text for a -c config file."""

    def __init__(self, port=None, args=(), config=None):
        self.port = port or free_port()
        self.args = list(args)
        self.config = config
        self.bin = os.environ.get("NATS_SERVER") or shutil.which("nats-server")
        if not self.bin:
            raise RuntimeError("nats-server not found (set NATS_SERVER or put it on PATH)")
        self.tmp = tempfile.mkdtemp(prefix="ls-nats-")
        self.log_path = os.path.join(self.tmp, "nats.log")
        self.proc = None
        self.url = "nats://127.0.0.1:%d" % self.port
        self.start()

    def start(self, timeout=10.0):
        cmd = [self.bin, "-a", "127.0.0.1", "-p", str(self.port)]
        if self.config is not None:
            conf = os.path.join(self.tmp, "nats.conf")
            with open(conf, "w") as f:
                f.write(self.config)
            cmd += ["-c", conf]
        cmd += self.args
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        finally:
            log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("nats-server exited with %s: %s" % (
                    self.proc.returncode, self.log_text()[-2000:]))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.settimeout(1)
                    if _read_line(s).startswith(b"INFO "):
                        return self
            except OSError:
                pass
            if time.monotonic() >= deadline:
                self.stop()
                raise RuntimeError("nats-server did not answer on port %d within %.0fs" %
                                   (self.port, timeout))
            time.sleep(0.05)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self):
        self.stop()
        return self.start()

    def close(self):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _read_line(sock):
    buf = b""
    while not buf.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        buf += chunk
    return buf


def _parse_nats_url(url):
    u = urllib.parse.urlparse(url)
    return u.hostname or "127.0.0.1", u.port or 4222


def nats_publish(url, messages, timeout=30.0, ca=None):
    """Publishes (subject, payload) pairs with the raw NATS protocol and waits for the server's
    PONG, so every message has been processed when this returns. Payloads are bytes or str.
    ca: a CA file; the connection is upgraded to TLS after the server's INFO, as NATS does.
    Raises AssertionError if the server answers -ERR (e.g. a payload above max_payload)."""
    host, port = _parse_nats_url(url)
    with socket.create_connection((host, port), timeout=timeout) as raw:
        raw.settimeout(timeout)
        info = _read_line(raw)
        if not info.startswith(b"INFO "):
            raise AssertionError("unexpected NATS greeting: %r" % info[:200])
        s = raw
        if ca is not None:
            s = ssl.create_default_context(cafile=ca).wrap_socket(raw, server_hostname=host)
        out = [b'CONNECT {"verbose":false,"pedantic":false,"name":"test-publisher"}\r\n']
        size = 0
        for subject, payload in messages:
            if isinstance(payload, str):
                payload = payload.encode("utf-8")
            out.append(b"PUB %s %d\r\n" % (subject.encode("ascii"), len(payload)))
            out.append(payload)
            out.append(b"\r\n")
            size += len(payload) + 64
            if size > (1 << 20):
                s.sendall(b"".join(out))
                out, size = [], 0
        out.append(b"PING\r\n")
        s.sendall(b"".join(out))
        buf = b""
        while b"PONG\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                raise AssertionError("NATS server closed the connection: %r" % buf[-300:])
            buf += chunk
            if b"-ERR" in buf:
                raise AssertionError("NATS server error: %r" % buf[buf.index(b"-ERR"):][:300])


def make_test_certs(d):
    """A throw-away CA and a server certificate for localhost and 127.0.0.1, made with the
    openssl CLI in directory d. Returns {"ca.pem", "server.pem", "server.key"} -> path."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj",
        "/CN=logship test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    return {name: os.path.join(d, name) for name in ("ca.pem", "server.pem", "server.key")}


# -- prometheus text -----------------------------------------------------------------------------
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')


def parse_metrics(text):
    """{(name, frozenset(label items)): float} from Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise ValueError("bad metrics line: %r" % line)
        labels = {}
        if m.group(3):
            pos, body = 0, m.group(3)
            while pos < len(body):
                lm = _LABEL.match(body, pos)
                if not lm:
                    raise ValueError("bad labels in metrics line: %r" % line)
                labels[lm.group(1)] = (lm.group(2).replace("\\n", "\n").replace('\\"', '"')
                                       .replace("\\\\", "\\"))
                pos = lm.end()
        out[(m.group(1), frozenset(labels.items()))] = float(m.group(4))
    return out


def metric_value(metrics, name, **labels):
    """Sum of the series of `name` whose labels include `labels` (0 when none)."""
    want = set(labels.items())
    return sum(v for (n, ls), v in metrics.items() if n == name and want <= ls)


# -- logship -------------------------------------------------------------------------------------
def logship_bin():
    b = os.environ.get("LOGSHIP_BIN")
    if not b:
        b = os.path.join(source_dir(), "build", "logship")
    return b


def clean_env(env):
    """PATH, sanitizer options if set, plus env: logship sees nothing else of ours."""
    out = {"PATH": os.environ.get("PATH", os.defpath)}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"):
        if k in os.environ:
            out[k] = os.environ[k]
    for k, v in env.items():
        if v is not None:
            out[k] = str(v)
    return out


def sanitizer_reports(text):
    return [m for m in SANITIZER_MARKERS if m in text]


class Logship:
    """The logship binary as a child process with captured stdout/stderr.

    Admin ports are picked here unless env sets them. stdin: None (no stdin), bytes (written
    then closed) or a path to a file.
    """

    def __init__(self, env, args=(), stdin=None, bin=None):
        self.bin = bin or logship_bin()
        self.env = dict(env)
        self.env.setdefault("LOGSHIP_HEALTH_ADDR", "127.0.0.1:%d" % free_port())
        self.env.setdefault("LOGSHIP_METRICS_ADDR", "127.0.0.1:%d" % free_port())
        self.health_addr = self.env["LOGSHIP_HEALTH_ADDR"]
        self.metrics_addr = self.env["LOGSHIP_METRICS_ADDR"]
        self.args = list(args)
        self.tmp = tempfile.mkdtemp(prefix="ls-run-")
        self.stdout_path = os.path.join(self.tmp, "stdout")
        self.stderr_path = os.path.join(self.tmp, "stderr")
        self.returncode = None
        out = open(self.stdout_path, "wb")
        err = open(self.stderr_path, "wb")
        stdin_arg = subprocess.DEVNULL
        stdin_file = None
        if isinstance(stdin, (bytes, bytearray)):
            stdin_arg = subprocess.PIPE
        elif isinstance(stdin, str):
            stdin_file = open(stdin, "rb")
            stdin_arg = stdin_file
        try:
            self.proc = subprocess.Popen([self.bin] + self.args, env=clean_env(self.env),
                                         stdout=out, stderr=err, stdin=stdin_arg)
        finally:
            out.close()
            err.close()
            if stdin_file:
                stdin_file.close()
        if isinstance(stdin, (bytes, bytearray)):
            try:
                self.proc.stdin.write(stdin)
                self.proc.stdin.close()
            except BrokenPipeError:
                pass

    # -- process ---------------------------------------------------------------------------
    def running(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends sig and waits for exit; returns the exit code. Raises AssertionError (after
        killing it) when the process does not exit within timeout."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.returncode = self.proc.returncode
                raise AssertionError("logship did not exit within %ss of %s; stderr tail:\n%s"
                                     % (timeout, signal.Signals(sig).name,
                                        self.stderr_text()[-3000:]))
        self.returncode = self.proc.returncode
        return self.returncode

    def wait_exit(self, timeout=30):
        """Waits for the process to exit on its own; returns the exit code."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("logship still running after %ss; stderr tail:\n%s" %
                                 (timeout, self.stderr_text()[-3000:]))
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def close(self):
        self.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- output ----------------------------------------------------------------------------
    def _read(self, path):
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return b""

    def stdout_bytes(self):
        return self._read(self.stdout_path)

    def stderr_text(self):
        return self._read(self.stderr_path).decode("utf-8", "replace")

    def stdout_text(self):
        return self.stdout_bytes().decode("utf-8", "replace")

    def describe(self):
        return "exit=%s\n--- stderr tail ---\n%s" % (self.proc.poll(), self.stderr_text()[-3000:])

    def assert_clean(self, test=None):
        """Stops the process if still running; asserts exit code 0 and no sanitizer report."""
        code = self.stop() if self.proc.poll() is None else self.proc.returncode
        err = self.stderr_text()
        reports = sanitizer_reports(err)
        msg = None
        if code != 0:
            msg = "logship exited with %s, expected 0" % code
        elif reports:
            msg = "sanitizer report in stderr (%s)" % ", ".join(reports)
        if msg:
            msg += "\n--- stderr tail ---\n" + err[-4000:]
            if test is not None:
                test.fail(msg)
            raise AssertionError(msg)

    # -- admin endpoints -------------------------------------------------------------------
    def _get(self, addr, path, timeout=2.0):
        """(status, body bytes) or (None, None) when nothing answers."""
        try:
            with urllib.request.urlopen("http://%s%s" % (addr, path), timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            body = e.read()
            e.close()
            return e.code, body
        except (urllib.error.URLError, ConnectionError, socket.timeout, OSError):
            return None, None

    def health(self):
        """(status, parsed JSON body); (None, None) when the endpoint does not answer."""
        status, body = self._get(self.health_addr, "/health")
        if status is None:
            return None, None
        try:
            return status, json.loads(body)
        except ValueError:
            return status, None

    def _wait_health(self, want, timeout):
        last = [None]

        def check():
            if self.proc.poll() is not None:
                raise AssertionError("logship exited while waiting for /health %s; %s" %
                                     (want, self.describe()))
            status, body = self.health()
            last[0] = (status, body)
            if want == 200:
                return status == 200
            return status == 503
        try:
            wait_until(check, timeout, "/health %s" % want)
        except AssertionError as e:
            if "exited" in str(e):
                raise
            raise AssertionError("/health did not become %s within %ss; last: %r; %s" %
                                 (want, timeout, last[0], self.describe()))
        return last[0]

    def wait_healthy(self, timeout=15):
        """Waits for /health 200; returns (status, body)."""
        return self._wait_health(200, timeout)

    def wait_unhealthy(self, timeout=15):
        """Waits for /health 503; returns (status, body)."""
        return self._wait_health(503, timeout)

    def metrics_text(self):
        status, body = self._get(self.metrics_addr, "/metrics")
        if status != 200:
            return None
        return body.decode("utf-8", "replace")

    def metrics(self):
        text = self.metrics_text()
        if text is None:
            return {}
        return parse_metrics(text)

    def metric(self, name, **labels):
        """Sum of the series of name whose labels include labels; 0 when absent."""
        return metric_value(self.metrics(), name, **labels)

    def wait_metric(self, name, predicate, timeout=15, **labels):
        """Waits until predicate(value) is true; returns the value."""
        last = [None]

        def check():
            if self.proc.poll() is not None:
                raise AssertionError("logship exited while waiting for %s; %s" %
                                     (name, self.describe()))
            m = self.metrics()
            if not m:
                return False
            last[0] = metric_value(m, name, **labels)
            return predicate(last[0])
        try:
            wait_until(check, timeout, name)
        except AssertionError as e:
            if "exited" in str(e):
                raise
            raise AssertionError("metric %s%s: condition not met within %ss (last value %r); %s"
                                 % (name, labels or "", timeout, last[0], self.describe()))
        return last[0]


def run_logship(args, env, timeout=30, stdin=None, bin=None):
    """Runs logship to completion (for --check/--version/--help); returns CompletedProcess with
    text stdout/stderr."""
    p = subprocess.run([bin or logship_bin()] + list(args), env=clean_env(env), input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    p.stdout_text = p.stdout.decode("utf-8", "replace")
    p.stderr_text = p.stderr.decode("utf-8", "replace")
    return p


# -- per-test helpers (register cleanups on the TestCase) ---------------------------------------
def require_logship(test):
    # Under CTest LOGSHIP_BIN is always set: a missing binary there is a failure, not a skip,
    # so a broken build can never pass as "all tests skipped".
    if not os.access(logship_bin(), os.X_OK):
        if os.environ.get("LOGSHIP_BIN"):
            test.fail("logship binary missing: %s" % logship_bin())
        test.skipTest("logship binary not built (%s)" % logship_bin())


def start_nats(test, **kw):
    n = NatsServer(**kw)
    test.addCleanup(n.close)
    return n


def start_receiver(test, **kw):
    rx = CaptureReceiver(**kw).start()
    test.addCleanup(rx.stop)
    return rx


def start_logship(test, env, args=(), stdin=None):
    require_logship(test)
    ls = Logship(env, args, stdin=stdin)
    test.addCleanup(ls.close)
    return ls


def temp_dir(test, prefix="ls-test-"):
    d = tempfile.mkdtemp(prefix=prefix)
    test.addCleanup(shutil.rmtree, d, True)
    return d


def http_env(nats, rx, token="test-token-abc", path="/ingest", **extra):
    """Environment for an http sink pointed at rx, reading from nats (None: --input runs)."""
    env = {
        "NATS_URL": nats.url if nats is not None else "nats://127.0.0.1:1",
        "HTTP_URL": rx.url + path,
        "LOGSHIP_LOG_LEVEL": "info",
    }
    if token is not None:
        env["HTTP_TOKEN"] = token
    env.update(FAST_HTTP)
    env.update(extra)
    return env


def assert_no_secret(test, texts, secrets):
    """Fails if any secret occurs in any text; the failure message masks the secret."""
    for i, text in enumerate(texts):
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        for j, secret in enumerate(secrets):
            if not secret:
                continue
            pos = text.find(secret)
            if pos >= 0:
                ctx = text[max(0, pos - 80):pos + len(secret) + 80].replace(secret, "<SECRET>")
                test.fail("secret #%d found in output #%d at offset %d: ...%s..." %
                          (j, i, pos, ctx))


# -- file sink helpers ---------------------------------------------------------------------------
def read_tree(root):
    """{relative path: content bytes} for every file under root; .gz files are gunzipped
    (a corrupt .gz raises)."""
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:
                data = f.read()
            if name.endswith(".gz"):
                data = gzip.decompress(data)
            out[os.path.relpath(p, root)] = data
    return out


def ndjson_lines(data):
    return [line for line in data.split(b"\n") if line]


def tree_lines(root):
    """Every non-empty line of every file under root (gunzipped), as bytes."""
    out = []
    for _path, data in sorted(read_tree(root).items()):
        out.extend(ndjson_lines(data))
    return out


def tree_lines_settled(root):
    """tree_lines, or None while a file is mid-write (truncated gzip, partial last line)."""
    try:
        tree = read_tree(root)
    except Exception:  # noqa: BLE001 - gzip raises OSError, EOFError or zlib.error mid-write
        return None
    out = []
    for _path, data in sorted(tree.items()):
        if data and not data.endswith(b"\n"):
            return None
        out.extend(ndjson_lines(data))
    return out


def multiset(items):
    return collections.Counter(items)


# -- assertions shared by the test files ---------------------------------------------------------
def assert_array_bodies(test, reqs, expected_lines):
    """Each request body (after gunzip) is exactly ``[`` + its records' fixture lines in
    publishing order joined by ``,`` + ``]``; every record is one of expected_lines."""
    index = {line: i for i, line in enumerate(expected_lines)}
    for n, r in enumerate(reqs):
        recs = records(r)
        test.assertTrue(recs, "request #%d carries no records" % n)
        lines = [canon(x) for x in recs]
        unknown = [line[:120] for line in lines if line not in index]
        test.assertFalse(unknown, "request #%d holds records that were not sent: %r" %
                         (n, unknown[:3]))
        test.assertEqual(r["data"], b"[" + b",".join(lines) + b"]",
                         "request #%d body is not the fixture lines joined as a JSON array" % n)
        pos = [index[line] for line in lines]
        test.assertEqual(pos, sorted(pos), "request #%d reorders records" % n)


def assert_same_records(test, got_lines, expected_lines, what="records"):
    """got_lines (canonical bytes) equal expected_lines as a multiset; reports the difference."""
    got, want = multiset(got_lines), multiset(expected_lines)
    if got != want:
        missing = list((want - got).elements())
        extra = list((got - want).elements())
        test.fail("%s differ: %d received, %d expected; %d missing (e.g. %r), %d extra or "
                  "duplicated (e.g. %r)" % (what, len(got_lines), len(expected_lines),
                                            len(missing), missing[:1], len(extra), extra[:1]))
