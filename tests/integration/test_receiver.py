"""Self-tests of the capture receiver (tests/receivers/capture.py) and of harness.py.

They need no logship binary, only Python and nats-server, so they pass before logship exists
and tell a failing integration test apart from a broken harness.
"""

import gzip
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import unittest

import harness
from harness import records


def post(rx, path, body, headers=None, conn=None, method="POST"):
    """One request; returns (status, headers, body). Reuses conn when given."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", rx.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        if own:
            conn.close()


def raw_sub(url, subject):
    """A raw NATS subscriber socket that has processed SUB (PING/PONG round trip)."""
    host, port = harness._parse_nats_url(url)
    s = socket.create_connection((host, port), timeout=10)
    harness._read_line(s)
    s.sendall(b'CONNECT {"verbose":false}\r\nSUB ' + subject.encode() + b" 1\r\nPING\r\n")
    buf = b""
    while b"PONG\r\n" not in buf:
        buf += s.recv(4096)
    return s


def read_msgs(sock, count, timeout=20):
    """Reads `count` MSG frames; returns [(subject, payload)]."""
    sock.settimeout(timeout)
    buf = b""
    out = []
    while len(out) < count:
        while True:
            i = buf.find(b"\r\n")
            if i < 0:
                break
            line = buf[:i]
            if line.startswith(b"MSG "):
                parts = line.split(b" ")
                n = int(parts[-1])
                if len(buf) < i + 2 + n + 2:
                    break
                out.append((parts[1].decode(), buf[i + 2:i + 2 + n]))
                buf = buf[i + 2 + n + 2:]
            elif line == b"PING":
                sock.sendall(b"PONG\r\n")
                buf = buf[i + 2:]
            else:
                buf = buf[i + 2:]
        if len(out) >= count:
            break
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        buf += chunk
    return out


FAKE_LOGSHIP = r'''
import http.server, json, os, signal, sys, threading
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/health":
            code, body = int(os.environ.get("FAKE_HEALTH", "200")), b'{"status":"ok"}'
        else:
            code, body = 200, ('# HELP x\nlogship_received_total 7\n'
                'logship_sink_flushes_total{sink="http",reason="events"} 2\n'
                'logship_sink_flushes_total{sink="http",reason="timeout"} 3\n'
                'logship_sink_flushes_total{sink="file",reason="timeout"} 5\n').encode()
        self.send_response(code); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
def serve(addr):
    h, p = addr.rsplit(":", 1)
    s = http.server.ThreadingHTTPServer((h, int(p)), H)
    threading.Thread(target=s.serve_forever, daemon=True).start()
serve(os.environ["LOGSHIP_HEALTH_ADDR"]); serve(os.environ["LOGSHIP_METRICS_ADDR"])
print(json.dumps(sorted(os.environ)), flush=True)
if os.environ.get("FAKE_SANITIZER"):
    print("src/x.c:1:2: runtime error: signed integer overflow", file=sys.stderr, flush=True)
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: done.set())
done.wait(30)
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
'''


class Test(unittest.TestCase):
    def setUp(self):
        self.rx = harness.start_receiver(self)

    # -- capture receiver ----------------------------------------------------------------------
    def test_receiver_records_request(self):
        status, hdrs, body = post(self.rx, "/ingest?a=1&b=2", b'[{"a":1}]', {
            "Content-Type": "application/json", "X-First": "1", "authorization": "Bearer t"})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("Content-Length"), "0")
        (req,) = self.rx.requests
        self.assertEqual(req["method"], "POST")
        self.assertEqual(req["path"], "/ingest?a=1&b=2")
        self.assertEqual(req["body"], b'[{"a":1}]')
        self.assertEqual(req["data"], b'[{"a":1}]')
        self.assertEqual(req["status"], 200)
        names = [k for k, _ in req["headers"]]
        self.assertLess(names.index("Content-Type"), names.index("X-First"))
        self.assertEqual(req["headers"].get("AUTHORIZATION"), "Bearer t")
        self.assertEqual(harness.header(req, "content-type"), "application/json")
        self.assertIsNone(req["headers"].get("Content-Encoding"))
        self.assertEqual(records(req), [{"a": 1}])

    def test_receiver_keeps_connection_alive(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rx.port, timeout=10)
        self.addCleanup(conn.close)
        for i in range(3):
            status, _, _ = post(self.rx, "/k", b"x%d" % i, conn=conn)
            self.assertEqual(status, 200)
        reqs = self.rx.requests
        self.assertEqual([r["body"] for r in reqs], [b"x0", b"x1", b"x2"])
        self.assertEqual(len({r["client"] for r in reqs}), 1, "requests used several connections")

    def test_receiver_gunzips_data(self):
        payload = b'[{"m":"' + b"z" * 5000 + b'"}]'
        post(self.rx, "/g", gzip.compress(payload), {"Content-Encoding": "gzip"})
        (req,) = self.rx.requests
        self.assertNotEqual(req["body"], payload)
        self.assertEqual(req["data"], payload)
        self.assertEqual(records(req), [{"m": "z" * 5000}])

    def test_receiver_reads_chunked_body(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.rx.port, timeout=10)
        self.addCleanup(conn.close)
        conn.request("POST", "/c", body=iter([b'{"a":1}\n', b'{"b":2}\n']),
                     headers={"Transfer-Encoding": "chunked"}, encode_chunked=True)
        self.assertEqual(conn.getresponse().status, 200)
        (req,) = self.rx.requests
        self.assertEqual(req["body"], b'{"a":1}\n{"b":2}\n')
        self.assertEqual(records(req), [{"a": 1}, {"b": 2}])

    def test_receiver_follows_script_then_default(self):
        self.rx.script([{"status": 500},
                        {"status": 429, "headers": {"Retry-After": "1"}},
                        {"status": 403, "body": "forbidden: bad key"}])
        got = [post(self.rx, "/s", b"{}") for _ in range(4)]
        self.assertEqual([g[0] for g in got], [500, 429, 403, 200])
        self.assertEqual(got[1][1].get("Retry-After"), "1")
        self.assertEqual(got[2][2], b"forbidden: bad key")
        self.assertEqual([r["status"] for r in self.rx.requests], [500, 429, 403, 200])

    def test_receiver_default_is_configurable(self):
        self.rx.set_default({"status": 503})
        self.assertEqual(post(self.rx, "/d", b"")[0], 503)

    def test_receiver_respond_hook_decides_per_request(self):
        self.rx.respond = lambda req: {"status": 413} if len(records(req)) > 1 else None
        self.assertEqual(post(self.rx, "/h", b'[{"a":1},{"a":2}]')[0], 413)
        self.assertEqual(post(self.rx, "/h", b'[{"a":1}]')[0], 200)
        self.rx.script([lambda req: {"status": 202}])
        self.assertEqual(post(self.rx, "/h", b'[{"a":1},{"a":2}]')[0], 202)

    def test_receiver_hang_holds_until_release(self):
        self.rx.script([{"hang": True}])
        result = {}
        done = threading.Event()

        def client():
            try:
                result["status"] = post(self.rx, "/hang", b"{}")[0]
            except Exception as e:  # noqa: BLE001
                result["error"] = e
            done.set()
        t = threading.Thread(target=client, daemon=True)
        t.start()
        reqs = self.rx.wait_for(lambda rs: len(rs) == 1, 5)
        self.assertEqual(reqs[0]["outcome"], "hang")
        # Another connection is still served while one request is held.
        self.assertEqual(post(self.rx, "/other", b"{}")[0], 200)
        self.assertFalse(done.is_set(), "held request was answered before release()")
        self.rx.release()
        self.assertTrue(done.wait(5))
        self.assertEqual(result, {"status": 200})

    def test_receiver_hang_is_dropped_on_stop(self):
        self.rx.script([{"hang": True}])
        result = {}
        done = threading.Event()

        def client():
            try:
                result["status"] = post(self.rx, "/hang", b"{}")[0]
            except Exception as e:  # noqa: BLE001
                result["error"] = e
            done.set()
        threading.Thread(target=client, daemon=True).start()
        self.rx.wait_for(lambda rs: len(rs) == 1, 5)
        t0 = time.monotonic()
        self.rx.stop()
        self.assertTrue(done.wait(5))
        self.assertLess(time.monotonic() - t0, 5)
        self.assertIn("error", result)

    def test_receiver_reset_closes_with_rst(self):
        self.rx.script([{"reset": True}])
        s = socket.create_connection(("127.0.0.1", self.rx.port), timeout=5)
        self.addCleanup(s.close)
        s.sendall(b"POST /r HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        with self.assertRaises(ConnectionResetError):
            data = s.recv(4096)
            # Some kernels deliver EOF first; a second read then reports the reset.
            if data == b"":
                s.recv(4096)
                raise AssertionError("got FIN, not RST")
        (req,) = self.rx.requests
        self.assertEqual(req["outcome"], "reset")
        self.assertIsNone(req["status"])
        # The next connection is served normally.
        self.assertEqual(post(self.rx, "/r", b"{}")[0], 200)

    def test_receiver_wait_for_wakes_on_request(self):
        t = threading.Timer(0.2, lambda: post(self.rx, "/late", b"{}"))
        t.start()
        self.addCleanup(t.cancel)
        t0 = time.monotonic()
        reqs = self.rx.wait_for(lambda rs: len(rs) >= 1, 10)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(reqs[0]["path"], "/late")

    def test_receiver_wait_for_timeout_raises_with_summary(self):
        post(self.rx, "/one", b'[{"a":1}]')
        t0 = time.monotonic()
        with self.assertRaises(AssertionError) as cm:
            self.rx.wait_for(lambda rs: len(rs) >= 2, 0.3, "two requests")
        self.assertLess(time.monotonic() - t0, 3)
        msg = str(cm.exception)
        self.assertIn("two requests", msg)
        self.assertIn("1 requests", msg)
        self.assertIn("/one", msg)

    def test_records_parses_array_and_ndjson(self):
        def req(data):
            return {"data": data}
        self.assertEqual(records(req(b'[{"a":1},{"b":2}]')), [{"a": 1}, {"b": 2}])
        self.assertEqual(records(req(b'{"a":1}\n\n{"b":2}\n')), [{"a": 1}, {"b": 2}])
        self.assertEqual(records(req(b"")), [])
        with self.assertRaises(ValueError):
            records(req(b'[{"m":"\xff"}]'))
        with self.assertRaises(ValueError):
            records(req(b"[{"))

    def test_receiver_standalone_prints_requests(self):
        port = harness.free_port()
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "receivers",
                            "capture.py")
        p = subprocess.Popen([sys.executable, path, "--port", str(port), "--print"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: (p.kill(), p.wait(), p.stdout.close(), p.stderr.close()))

        def line(timeout=10):
            r, _, _ = select.select([p.stdout], [], [], timeout)
            self.assertTrue(r, "no output from capture.py")
            return p.stdout.readline().decode()
        self.assertIn("listening on http://127.0.0.1:%d" % port, line())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("POST", "/demo", body=b'[{"a":1},{"a":2}]')
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        out = line()
        self.assertIn("POST /demo", out)
        self.assertIn("2 records", out)

    # -- harness -------------------------------------------------------------------------------
    def test_harness_free_port_is_bindable(self):
        port = harness.free_port()
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

    def test_harness_fixtures_load(self):
        lines = harness.fixture_lines()
        recs = harness.fixture_records()
        self.assertEqual(len(lines), 300)
        self.assertEqual(len(recs), 300)
        self.assertEqual([p for _, p in recs], lines)
        self.assertTrue(all(s.startswith("logs.") for s, _ in recs))
        self.assertTrue(all(harness.canon(json.loads(line)) == line for line in lines))
        bad = harness.bad_payloads()
        self.assertGreaterEqual(len(bad), 10)
        self.assertIn(b"not json at all", bad)

    def test_harness_parse_metrics(self):
        m = harness.parse_metrics(
            '# HELP a x\n# TYPE a counter\na_total 3\n'
            'b{sink="http",reason="events"} 1.5\n'
            'b{sink="http",reason="timeout"} 2\n'
            'b{sink="we\\"ird",reason="x"} 4 1700000000000\n')
        self.assertEqual(harness.metric_value(m, "a_total"), 3)
        self.assertEqual(harness.metric_value(m, "b", sink="http"), 3.5)
        self.assertEqual(harness.metric_value(m, "b", sink="http", reason="timeout"), 2)
        self.assertEqual(harness.metric_value(m, "b", sink='we"ird'), 4)
        self.assertEqual(harness.metric_value(m, "missing"), 0)
        with self.assertRaises(ValueError):
            harness.parse_metrics("not a metric line at all {")

    def test_harness_assert_no_secret_masks(self):
        harness.assert_no_secret(self, ["clean text", b"more"], ["s3cr3t"])
        with self.assertRaises(AssertionError) as cm:
            harness.assert_no_secret(self, ["a token=s3cr3t here"], ["s3cr3t"])
        self.assertNotIn("s3cr3t", str(cm.exception))
        self.assertIn("<SECRET>", str(cm.exception))

    def test_harness_nats_publish_delivers_10k(self):
        nats = harness.start_nats(self)
        sub = raw_sub(nats.url, "logs.>")
        self.addCleanup(sub.close)
        msgs = [("logs.app.r%d.i" % (i % 7), b'{"n":%d}' % i) for i in range(10000)]
        t0 = time.monotonic()
        harness.nats_publish(nats.url, msgs)
        self.assertLess(time.monotonic() - t0, 10)
        got = read_msgs(sub, 10000)
        self.assertEqual(got, [(s, p) for s, p in msgs])

    def test_harness_nats_publish_reports_server_error(self):
        nats = harness.start_nats(self, config="max_payload: 1024\n")
        with self.assertRaises(AssertionError) as cm:
            harness.nats_publish(nats.url, [("logs.a", b"x" * 4096)])
        self.assertIn("Payload", str(cm.exception))

    def test_harness_nats_restart_keeps_port(self):
        nats = harness.start_nats(self)
        port = nats.port
        nats.stop()
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        nats.restart()
        self.assertEqual(nats.port, port)
        harness.nats_publish(nats.url, [("logs.a", b"{}")])

    def test_harness_logship_wrapper_with_fake_binary(self):
        d = harness.temp_dir(self)
        fake = os.path.join(d, "fake-logship")
        with open(fake, "w") as f:
            f.write("#!%s\n%s" % (sys.executable, FAKE_LOGSHIP))
        os.chmod(fake, 0o755)
        os.environ["LS_TEST_LEAK_CHECK"] = "must-not-reach-child"
        self.addCleanup(os.environ.pop, "LS_TEST_LEAK_CHECK", None)

        ls = harness.Logship({"HTTP_URL": "http://x"}, bin=fake)
        self.addCleanup(ls.close)
        status, body = ls.wait_healthy(10)
        self.assertEqual((status, body), (200, {"status": "ok"}))
        self.assertEqual(ls.metric("logship_received_total"), 7)
        self.assertEqual(ls.metric("logship_sink_flushes_total", sink="http"), 5)
        self.assertEqual(ls.metric("logship_sink_flushes_total"), 10)
        self.assertEqual(ls.metric("logship_nope"), 0)
        self.assertEqual(ls.wait_metric("logship_received_total", lambda v: v == 7, 5), 7)
        with self.assertRaises(AssertionError):
            ls.wait_metric("logship_received_total", lambda v: v > 7, 0.3)
        env_names = json.loads(harness.wait_until(lambda: ls.stdout_text().strip(), 5, "stdout"))
        self.assertIn("HTTP_URL", env_names)
        self.assertIn("LOGSHIP_HEALTH_ADDR", env_names)
        self.assertNotIn("LS_TEST_LEAK_CHECK", env_names)
        ls.assert_clean()
        self.assertEqual(ls.returncode, 0)
        self.assertEqual(ls.health(), (None, None))

        bad = harness.Logship({"FAKE_SANITIZER": "1", "FAKE_HEALTH": "503"}, bin=fake)
        self.addCleanup(bad.close)
        self.assertEqual(bad.wait_unhealthy(10)[0], 503)
        harness.wait_until(lambda: "runtime error" in bad.stderr_text(), 5, "stderr")
        with self.assertRaises(AssertionError) as cm:
            bad.assert_clean()
        self.assertIn("sanitizer", str(cm.exception))

        failing = harness.Logship({"FAKE_EXIT": "3"}, bin=fake)
        self.addCleanup(failing.close)
        failing.wait_healthy(10)
        self.assertEqual(failing.stop(), 3)
        with self.assertRaises(AssertionError):
            failing.assert_clean()

    def test_harness_tree_lines_gunzips(self):
        d = harness.temp_dir(self)
        os.makedirs(os.path.join(d, "app"))
        with open(os.path.join(d, "app", "a.ndjson"), "wb") as f:
            f.write(b"1\n2\n")
        with open(os.path.join(d, "app", "a.1.ndjson.gz"), "wb") as f:
            f.write(gzip.compress(b"3\n"))
        self.assertEqual(sorted(harness.tree_lines(d)), [b"1", b"2", b"3"])
        with open(os.path.join(d, "app", "b.ndjson"), "wb") as f:
            f.write(b"4\n5")
        self.assertIsNone(harness.tree_lines_settled(d))


if __name__ == "__main__":
    unittest.main()
