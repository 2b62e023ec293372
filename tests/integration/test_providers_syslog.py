"""Provider tests for the syslog family: Papertrail (PROVIDERS.md Part 2 §7).

logship writes RFC 3164 lines over TLS. The tests make their own CA and server certificate
with the openssl CLI and trust it through LOGSHIP_CA_FILE. Golden lines and failure cases use
a small TLS capture server (Python's ssl module) that keeps the exact bytes of each
connection. The end-to-end cases use a real rsyslog (imtcp with the ossl stream driver on a
free loopback port) that writes every received frame (%rawmsg%) to a file. Golden files are
tests/providers/papertrail/<case>.syslog: the bytes as received, with logship's pid written
PID.
"""

import datetime
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import harness
import providers
from providers import R

FAST = {
    "LOGSHIP_PAPERTRAIL_BATCH_TIMEOUT": "50ms",
    "LOGSHIP_PAPERTRAIL_RETRY_INITIAL_BACKOFF": "50ms",
    "LOGSHIP_PAPERTRAIL_RETRY_MAX_BACKOFF": "200ms",
    "LOGSHIP_PAPERTRAIL_REQUEST_TIMEOUT": "5s",
    # Cases that end with a batch still retrying give it up quickly at SIGTERM.
    "LOGSHIP_SHUTDOWN_TIMEOUT": "1s",
}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_CERTS = {}


def setUpModule():  # noqa: N802 - unittest's name
    d = tempfile.mkdtemp(prefix="ls-syslog-ca-")
    _CERTS["dir"] = d
    _CERTS.update(harness.make_test_certs(d))


def tearDownModule():  # noqa: N802
    shutil.rmtree(_CERTS.get("dir", ""), ignore_errors=True)


# -- expected lines ------------------------------------------------------------------------------
def header_time(ts):
    """`Nov 23 10:00:00` for an RFC 3339 UTC timestamp (the fixtures' form)."""
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?Z$", ts)
    assert m, ts
    return "%s %s %s:%s:%s" % (MONTHS[int(m.group(2)) - 1], m.group(3), m.group(4), m.group(5),
                               m.group(6))


def text_msg(message):
    """The MSG the text codec writes: LF, CR and NUL escaped so one record is one line."""
    return message.replace("\n", "\\n").replace("\r", "\\r").replace(
        "\0", "\\0")


def expected_header(rec, pid):
    host = rec.get("host")
    return "<14>%s %svector[%d]: " % (header_time(rec["timestamp"]),
                                      host + " " if host else "", pid)


def check_lines(test, got, payloads, pid, codec):
    """Each received line is one record of payloads, exactly once, header and MSG right."""
    want = {}
    for p in payloads:
        rec = json.loads(p)
        key = expected_header(rec, pid)
        key += text_msg(rec["message"]) if codec == "text" else harness.canon(rec).decode()
        want[key] = want.get(key, 0) + 1
    seen = {}
    for line in got:
        text = line.decode("utf-8")
        if codec == "json":
            head, _, msg = text.partition("]: ")
            text = head + "]: " + harness.canon(json.loads(msg)).decode()
        seen[text] = seen.get(text, 0) + 1
    missing = [k[:160] for k in want if seen.get(k, 0) < want[k]]
    extra = [k[:160] for k in seen if seen[k] > want.get(k, 0)]
    test.assertFalse(missing or extra, "%d lines received for %d records; missing %r; extra or "
                     "duplicated %r" % (len(got), len(payloads), missing[:2], extra[:2]))


def assert_golden_syslog(test, data, pid, case):
    path = os.path.join(providers.golden_dir("papertrail"), case + ".syslog")
    got = data.decode("utf-8").replace("vector[%d]:" % pid, "vector[PID]:")
    if os.environ.get("UPDATE_GOLDEN"):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(got)
        return
    with open(path, encoding="utf-8", newline="") as f:
        test.assertEqual(got, f.read(), "lines differ from %s" % path)


# -- receivers -----------------------------------------------------------------------------------
class TlsCapture:
    """A TLS server on 127.0.0.1 keeping the bytes of every connection, in accept order."""

    def __init__(self, port=0):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(_CERTS["server.pem"], _CERTS["server.key"])
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.cond = threading.Condition()
        self.conns = []  # [bytearray]
        self.live = []
        self.sni = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        names = []
        self.ctx.sni_callback = lambda s, name, c: names.append(name)
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        data = bytearray()
        with self.cond:
            self.conns.append(data)
            self.live.append(conn)
            self.sni.extend(names)
            self.cond.notify_all()
        while True:
            try:
                chunk = conn.recv(65536)
            except (ssl.SSLError, OSError):
                break
            if not chunk:
                break
            with self.cond:
                data.extend(chunk)
                self.cond.notify_all()
        with self.cond:
            if conn in self.live:
                self.live.remove(conn)
        try:
            conn.close()
        except OSError:
            pass

    def data(self):
        with self.cond:
            return b"".join(bytes(c) for c in self.conns)

    def lines(self):
        return [x for x in self.data().split(b"\n") if x]

    def wait_lines(self, n, timeout=20):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                have = sum(bytes(c).count(b"\n") for c in self.conns)
                if have >= n:
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%d of %d lines received within %ss" % (have, n,
                                                                                 timeout))
                self.cond.wait(left)

    def drop_connections(self):
        """Closes every open connection from the server side (TLS close_notify, then FIN)."""
        with self.cond:
            live, self.live = self.live, []
        for c in live:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self):
        self.sock.close()
        self.drop_connections()


class Rsyslog:
    """rsyslogd with imtcp over TLS (ossl driver) on a free loopback port, writing each
    received frame (%rawmsg%) as one line of a file."""

    def __init__(self):
        self.bin = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
        self.tmp = tempfile.mkdtemp(prefix="ls-rsyslog-")
        self.port = harness.free_port()
        self.out = os.path.join(self.tmp, "received.log")
        work = os.path.join(self.tmp, "work")
        os.mkdir(work)
        conf = os.path.join(self.tmp, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write("""global(workDirectory="%s" maxMessageSize="1m"
  parser.escapeControlCharactersOnReceive="off"
  defaultNetstreamDriver="ossl"
  defaultNetstreamDriverCAFile="%s"
  defaultNetstreamDriverCertFile="%s"
  defaultNetstreamDriverKeyFile="%s")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1"
       streamDriver.authMode="anon")
input(type="imtcp" port="%d" address="127.0.0.1")
template(name="raw" type="string" string="%%rawmsg%%\\n")
*.* action(type="omfile" file="%s" template="raw")
""" % (work, _CERTS["ca.pem"], _CERTS["server.pem"], _CERTS["server.key"], self.port,
                self.out))
        self.log = open(os.path.join(self.tmp, "rsyslogd.log"), "wb")
        self.proc = subprocess.Popen([self.bin, "-n", "-f", conf, "-i",
                                      os.path.join(self.tmp, "rsyslogd.pid")],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)

        def listening():
            if self.proc.poll() is not None:
                raise AssertionError("rsyslogd exited: %s" % self.log_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                return False
        harness.wait_until(listening, 15, "rsyslogd listening")

    def log_text(self):
        with open(os.path.join(self.tmp, "rsyslogd.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")[-2000:]

    def lines(self):
        try:
            with open(self.out, "rb") as f:
                data = f.read()
        except OSError:
            return []
        return data[:data.rfind(b"\n") + 1].split(b"\n")[:-1]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def requires_rsyslog(test):
    if not (shutil.which("rsyslogd") or os.path.exists("/usr/sbin/rsyslogd")):
        test.skipTest("rsyslogd not installed (scripts/deps.sh installs it)")


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)

    def capture(self, port=0):
        cap = TlsCapture(port)
        self.addCleanup(cap.stop)
        return cap

    def env(self, port, **extra):
        env = {"PAPERTRAIL_ENDPOINT": "localhost:%d" % port, "LOGSHIP_CA_FILE": _CERTS["ca.pem"]}
        env.update(FAST)
        env.update(extra)
        return env

    def run_input(self, env, lines):
        env = dict(env, NATS_URL="nats://127.0.0.1:1", LOGSHIP_LOG_LEVEL="warn")
        ls = harness.start_logship(self, env, args=["--input", providers.input_file(self, lines)])
        self.assertEqual(ls.wait_exit(30), 0, ls.describe())
        ls.assert_clean(self)
        return ls

    def daemon(self, env, nats):
        ls = harness.start_logship(self, dict(env, NATS_URL=nats.url, LOGSHIP_LOG_LEVEL="info"))
        ls.wait_healthy(15)
        return ls

    # -- golden lines ----------------------------------------------------------------------
    def test_papertrail_golden_json(self):
        cap = self.capture()
        no_host = (b'{"fly":{"app":{"name":"worker"}},"message":"no host field",'
                   b'"timestamp":"2026-03-05T07:08:09Z"}')
        ls = self.run_input(self.env(cap.port), [R, no_host])
        cap.wait_lines(2)
        self.assertEqual(cap.sni, ["localhost"])
        assert_golden_syslog(self, cap.data(), ls.proc.pid, "worked-example")

    def test_papertrail_golden_text(self):
        cap = self.capture()
        multi = (b'{"host":"b273","message":"Traceback (most recent call last):\\n  File \\"a.py'
                 b'\\"\\r\\nValueError: caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",'
                 b'"timestamp":"2026-11-23T10:00:02.5Z"}')
        number = b'{"host":12,"message":42,"timestamp":"2026-11-23T10:00:03Z"}'
        ls = self.run_input(self.env(cap.port, PAPERTRAIL_ENCODING_CODEC="text"),
                            [R, multi, number])
        cap.wait_lines(3)
        assert_golden_syslog(self, cap.data(), ls.proc.pid, "text-codec")

    def test_papertrail_receive_time_without_timestamp(self):
        cap = self.capture()
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        ls = self.run_input(self.env(cap.port), [b'{"host":"h1","message":"no time"}'])
        after = datetime.datetime.now(datetime.timezone.utc)
        cap.wait_lines(1)
        line = cap.lines()[0].decode()
        m = re.match(r"^<14>(\w{3}) (\d\d) (\d\d):(\d\d):(\d\d) h1 vector\[%d\]: "
                     r'\{"host":"h1","message":"no time"\}$' % ls.proc.pid, line)
        self.assertTrue(m, line)
        stamps = set()
        t = before
        while t <= after + datetime.timedelta(seconds=1):
            stamps.add("%s %02d %02d:%02d:%02d" % (MONTHS[t.month - 1], t.day, t.hour, t.minute,
                                                   t.second))
            t += datetime.timedelta(seconds=1)
        self.assertIn(line[4:19], stamps)

    # -- Papertrail's 100 000-byte message limit (PROVIDERS.md Part 2 §7.6, PT-D4) ----------
    def oversized(self, codec):
        cap = self.capture()
        nats = harness.start_nats(self)
        ls = self.daemon(self.env(cap.port, PAPERTRAIL_ENCODING_CODEC=codec), nats)
        # 150 000 bytes of 3-byte characters: the cut lands inside one two times in three.
        big = {"host": "34d6", "message": "\u65e5" * 50000,
               "timestamp": "2026-11-23T10:00:00.5Z"}
        harness.nats_publish(nats.url, [("logs.a.b", harness.canon(big)), ("logs.a.b", R)])
        ls.wait_metric("logship_sink_sent_events_total", lambda v: v >= 2, 15, sink="papertrail")
        cap.wait_lines(2)
        lines = cap.data().split(b"\n")
        self.assertEqual(len(lines), 3, "two records, two lines")
        cut, whole = lines[0] + b"\n", lines[1]
        self.assertLessEqual(len(cut), 100000)
        self.assertGreater(len(cut), 99990)
        text = cut.decode("utf-8")  # valid UTF-8: no character split
        self.assertTrue(text.startswith(expected_header(big, ls.proc.pid)), text[:80])
        self.assertTrue(text.endswith("\u2026[truncated]\n"), text[-40:])
        check_lines(self, [whole], [R], ls.proc.pid, codec)
        self.assertEqual(ls.metric("logship_truncated_total", sink="papertrail"), 1)
        self.assertIn("cut to fit Papertrail's 100000-byte line limit", ls.stderr_text())
        ls.assert_clean(self)
        return text

    def test_papertrail_oversized_text_record_cut_to_limit(self):
        text = self.oversized("text")
        self.assertRegex(text, r"\]: \u65e5+\u2026\[truncated\]\n$")

    def test_papertrail_oversized_json_record_cut_to_limit(self):
        text = self.oversized("json")
        self.assertIn(']: {"host":"34d6","message":"\u65e5\u65e5', text)

    # -- connection handling ---------------------------------------------------------------
    def test_papertrail_reconnects_after_server_closes(self):
        cap = self.capture()
        nats = harness.start_nats(self)
        ls = self.daemon(self.env(cap.port), nats)
        recs = harness.fixture_records()
        harness.nats_publish(nats.url, recs[:20])
        cap.wait_lines(20)
        cap.drop_connections()
        harness.nats_publish(nats.url, recs[20:40])
        cap.wait_lines(40)
        self.assertGreaterEqual(len(cap.conns), 2, "no new connection after the server closed")
        check_lines(self, cap.lines(), [p for _, p in recs[:40]], ls.proc.pid, "json")
        ls.assert_clean(self)

    def test_papertrail_retries_until_server_up(self):
        port = harness.free_port()
        nats = harness.start_nats(self)
        ls = self.daemon(self.env(port), nats)
        recs = harness.fixture_records()[:30]
        harness.nats_publish(nats.url, recs)
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 2, 15, sink="papertrail")
        self.assertEqual(ls.metric("logship_sink_sent_events_total", sink="papertrail"), 0)
        cap = self.capture(port)
        cap.wait_lines(30)
        ls.wait_metric("logship_sink_sent_events_total", lambda v: v >= 30, 15,
                       sink="papertrail")
        check_lines(self, cap.lines(), [p for _, p in recs], ls.proc.pid, "json")
        ls.assert_clean(self)

    def test_papertrail_untrusted_certificate_is_retried(self):
        cap = self.capture()
        nats = harness.start_nats(self)
        env = self.env(cap.port)
        del env["LOGSHIP_CA_FILE"]
        ls = self.daemon(env, nats)
        harness.nats_publish(nats.url, [("logs.a.b", R)])
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 1, 15, sink="papertrail")
        self.assertEqual(cap.data(), b"")
        harness.wait_until(lambda: "certificate verification failed" in ls.stderr_text(), 10,
                           "a log line naming the certificate failure")
        ls.assert_clean(self)

    # -- end to end with rsyslog ------------------------------------------------------------
    def e2e(self, codec):
        requires_rsyslog(self)
        rs = Rsyslog()
        self.addCleanup(rs.stop)
        nats = harness.start_nats(self)
        ls = self.daemon(self.env(rs.port, PAPERTRAIL_ENCODING_CODEC=codec), nats)
        recs = harness.fixture_records()
        harness.nats_publish(nats.url, recs)
        ls.wait_metric("logship_sink_sent_events_total", lambda v: v >= len(recs), 30,
                       sink="papertrail")
        harness.wait_until(lambda: len(rs.lines()) >= len(recs), 20, "rsyslog wrote every line")
        check_lines(self, rs.lines(), [p for _, p in recs], ls.proc.pid, codec)
        ls.assert_clean(self)

    def test_papertrail_end_to_end_rsyslog_json(self):
        self.e2e("json")

    def test_papertrail_end_to_end_rsyslog_text(self):
        self.e2e("text")

    # -- activation and secrets ------------------------------------------------------------
    def check(self, env):
        return harness.run_logship(["--check"], dict(env, NATS_URL="nats://127.0.0.1:1"))

    def test_papertrail_activation_on_off(self):
        on = self.check({"PAPERTRAIL_ENDPOINT": "logs5.papertrailapp.com:12345"})
        self.assertEqual(on.returncode, 0, on.stdout_text + on.stderr_text)
        self.assertRegex(on.stdout_text, r"Configured sinks:.*\bpapertrail\b")
        off = self.check({"PAPERTRAIL_ENCODING_CODEC": "text"})
        self.assertEqual(off.returncode, 0, off.stdout_text + off.stderr_text)
        self.assertNotIn("papertrail", off.stdout_text.split("Configured sinks:")[1])

    def test_papertrail_activation_problems(self):
        cases = [
            ({"PAPERTRAIL_ENDPOINT": "logs5.papertrailapp.com"},
             "papertrail: PAPERTRAIL_ENDPOINT: the port is missing (expected host:port, e.g. "
             "logsN.papertrailapp.com:XXXXX)"),
            ({"PAPERTRAIL_ENDPOINT": "logs5.papertrailapp.com:99999"},
             "papertrail: PAPERTRAIL_ENDPOINT: the port must be a number from 1 to 65535"),
            ({"PAPERTRAIL_ENDPOINT": ":12345"},
             "papertrail: PAPERTRAIL_ENDPOINT: the host is missing (expected host:port)"),
            ({"PAPERTRAIL_ENDPOINT": "logs5.papertrailapp.com:12345",
              "PAPERTRAIL_ENCODING_CODEC": "logfmt"},
             'papertrail: PAPERTRAIL_ENCODING_CODEC: "logfmt" is not one of: json, text, '
             "raw_message"),
        ]
        for env, problem in cases:
            p = self.check(env)
            self.assertEqual(p.returncode, 1, p.stdout_text)
            self.assertIn("  " + problem + "\n", p.stdout_text)
            self.assertNotIn("papertrail", p.stdout_text.split("Configured sinks:")[1]
                             .split("\n")[0])

    def test_papertrail_scheme_and_ipv6_accepted(self):
        for ep in ("syslog+tls://logs5.papertrailapp.com:12345", "[::1]:12345",
                   "logs5.papertrailapp.com:12345/"):
            p = self.check({"PAPERTRAIL_ENDPOINT": ep})
            self.assertEqual(p.returncode, 0, ep + ": " + p.stdout_text)

    def test_papertrail_secret_never_printed(self):
        port = harness.free_port()
        secret = "localhost:%d" % port
        p = self.check({"PAPERTRAIL_ENDPOINT": secret})
        self.assertEqual(p.returncode, 0, p.stdout_text)
        nats = harness.start_nats(self)
        env = self.env(port)
        ls = harness.start_logship(self, dict(env, NATS_URL=nats.url,
                                              LOGSHIP_LOG_LEVEL="debug"))
        ls.wait_healthy(15)
        harness.nats_publish(nats.url, [("logs.a.b", R)])
        ls.wait_metric("logship_sink_retries_total", lambda v: v >= 2, 15, sink="papertrail")
        ls.assert_clean(self)
        harness.assert_no_secret(self, [p.stdout_text, p.stderr_text, ls.stderr_text(),
                                        ls.stdout_text()], [secret, str(port)])


if __name__ == "__main__":
    unittest.main()
