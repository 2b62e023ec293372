#!/usr/bin/env python3
"""Capture HTTP receiver: the fake log provider that logship's integration tests ship to.

It records every request (method, full target, headers in received order, raw body and the
gunzipped body) and answers from a script, so a test can make the "provider" fail, throttle,
reject, hang or reset the connection and then look at exactly what logship sent. It speaks
HTTP/1.1 with keep-alive, because logship reuses connections and a receiver that closed after
every answer would hide connection-reuse bugs.

Used as a module (``from capture import CaptureReceiver, records``) by tests/integration, or
standalone for demos and debugging: ``python3 capture.py --port 8080 --print``.
Standard library only.
"""

import argparse
import gzip
import http.server
import json
import socket
import struct
import sys
import threading
import time
import zlib

__all__ = ["CaptureReceiver", "Headers", "records", "header"]


class Headers(list):
    """(name, value) pairs in the order received, plus case-insensitive lookups."""

    def get(self, name, default=None):
        want = name.lower()
        for k, v in self:
            if k.lower() == want:
                return v
        return default

    def get_all(self, name):
        want = name.lower()
        return [v for k, v in self if k.lower() == want]

    def __contains__(self, name):
        if isinstance(name, str):
            return self.get(name) is not None
        return list.__contains__(self, name)


def header(req, name, default=None):
    """Case-insensitive header lookup on a recorded request."""
    return req["headers"].get(name, default)


def records(req):
    """The JSON records in one recorded request, as parsed objects.

    A body starting with ``[`` is parsed as one JSON array; anything else as newline-delimited
    JSON (blank lines skipped). The body must be valid UTF-8: a receiver that silently accepted
    invalid bytes would hide logship's UTF-8 repair bugs, so this raises instead.
    """
    data = req["data"]
    if data is None:
        raise ValueError("request body could not be decoded: %s" % req.get("data_error"))
    text = data.decode("utf-8")
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        value = json.loads(stripped)
        if not isinstance(value, list):
            raise ValueError("body is not a JSON array")
        return value
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def _decode_body(body, encoding):
    """Returns (data, error). gzip and deflate are undone; other encodings pass through."""
    enc = (encoding or "").strip().lower()
    try:
        if enc in ("gzip", "x-gzip"):
            return gzip.decompress(body), None
        if enc == "deflate":
            return zlib.decompress(body), None
    except (OSError, EOFError, zlib.error) as e:
        return None, "%s decode failed: %s" % (enc, e)
    return body, None


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Answers are small writes after the headers: without TCP_NODELAY each costs a delayed-ACK
    # round trip (~40 ms), which slows every test that counts requests.
    disable_nagle_algorithm = True
    server_version = "capture/1"
    sys_version = ""

    # The owning CaptureReceiver is set on the server object.
    def _rx(self):
        return self.server.capture

    def setup(self):
        super().setup()
        self._rx()._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self._rx()._track(self.connection, False)

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass  # Keep test output clean; requests are recorded instead.

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("eof in chunk size")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    # Trailers end with an empty line.
                    while True:
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(65537)  # CRLF after the chunk
            return b"".join(parts)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        n = int(length)
        body = self.rfile.read(n) if n > 0 else b""
        if len(body) != n:
            raise ConnectionError("short body: %d of %d bytes" % (len(body), n))
        return body

    def _handle(self):
        rx = self._rx()
        try:
            body = self._read_body()
        except (ValueError, ConnectionError, OSError):
            self.close_connection = True
            return
        hdrs = Headers((k, v) for k, v in self.headers.raw_items())
        data, err = _decode_body(body, hdrs.get("Content-Encoding"))
        req = {
            "method": self.command,
            "path": self.path,
            "headers": hdrs,
            "body": body,
            "data": data,
            "data_error": err,
            "time": time.monotonic(),
            "wall_time": time.time(),
            "client": self.client_address,
        }
        action = rx._next_action(req)
        if action.get("hang"):
            req["status"] = None
            req["outcome"] = "hang"
        elif action.get("reset"):
            req["status"] = None
            req["outcome"] = "reset"
        else:
            req["status"] = int(action.get("status", 200))
            req["outcome"] = "answered"
        rx._record(req)

        if action.get("reset"):
            self._reset()
            return
        if action.get("hang"):
            if not rx._hold():
                self._reset()  # receiver stopping: drop the connection unanswered
                return
            rx._update(req, status=int(action.get("status", 200)), outcome="answered")
        delay = action.get("delay")
        if delay:
            time.sleep(float(delay))  # scripted latency, not synchronisation
        self._answer(action)

    def _reset(self):
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN: the client sees
        # "connection reset by peer" with no response, as when a provider's proxy crashes.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def _answer(self, action):
        status = int(action.get("status", 200))
        body = action.get("body", b"")
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is None:
            body = b""
        try:
            self.send_response(status)
            headers = dict(action.get("headers") or {})
            names = {k.lower() for k in headers}
            for k, v in headers.items():
                self.send_header(k, str(v))
            if "content-type" not in names and body:
                self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if action.get("close"):
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    do_POST = _handle
    do_PUT = _handle
    do_GET = _handle
    do_DELETE = _handle
    do_PATCH = _handle
    do_HEAD = _handle


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class CaptureReceiver:
    """A recording HTTP server on a background thread.

    Actions (dicts) decide how each request is answered:
      {"status": 500}                                  answer with that status (default 200)
      {"status": 429, "headers": {"Retry-After": "1"}} extra response headers
      {"status": 403, "body": "forbidden: bad key"}    response body (str or bytes)
      {"hang": True}                                   hold the request unanswered until
                                                       release() (then answer "status", default
                                                       200) or stop() (then reset)
      {"reset": True}                                  close the TCP connection with RST, no answer
      {"delay": 0.5}                                   answer after a pause
      {"close": True}                                  answer with Connection: close
    script() queues actions consumed one per request; when the queue is empty the respond hook
    (if any) decides, else the default action. A script entry may itself be a callable
    ``fn(req) -> action or None`` (None means the default). Requests are recorded before they
    are answered, with "status" set to the status that will be sent (None for hang/reset).

    Thread-safety: every public method may be called from any thread.
    """

    def __init__(self, host="127.0.0.1", port=0, default=None, respond=None):
        self.host = host
        self._want_port = port
        self._cond = threading.Condition()
        self._requests = []
        self._script = []
        self._default = dict(default) if default else {"status": 200}
        self.respond = respond
        self._release_gen = 0
        self._stopping = False
        self._conns = set()
        self._server = None
        self._thread = None
        self.port = None
        self.url = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self):
        if self._server is not None:
            return self
        self._stopping = False
        self._server = _Server((self.host, self._want_port), _Handler)
        self._server.capture = self
        self.port = self._server.server_address[1]
        host = self.host if ":" not in self.host else "[%s]" % self.host
        self.url = "http://%s:%d" % (host, self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name="capture-%d" % self.port)
        self._thread.start()
        return self

    def stop(self):
        """Stops serving, resets held requests and closes every open connection."""
        if self._server is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            conns = list(self._conns)
        self._server.shutdown()
        self._server.server_close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- scripting -----------------------------------------------------------------------------
    def script(self, actions):
        """Appends actions to the queue consumed one per request."""
        with self._cond:
            self._script.extend(actions)

    def set_default(self, action):
        """The action used when the script is empty and no respond hook decides."""
        with self._cond:
            self._default = dict(action)

    def release(self):
        """Lets every request currently held by a hang action be answered."""
        with self._cond:
            self._release_gen += 1
            self._cond.notify_all()

    def clear(self):
        """Forgets recorded requests (the script is kept)."""
        with self._cond:
            self._requests = []

    # -- inspection ----------------------------------------------------------------------------
    def open_connections(self):
        """Connections being served now. After a client was killed, 0 means every request it
        had sent has been answered (and recorded) with the action in force at the time."""
        with self._cond:
            return len(self._conns)

    @property
    def requests(self):
        """A copy of the recorded requests, in arrival order."""
        with self._cond:
            return list(self._requests)

    def wait_for(self, predicate, timeout=10.0, message=None):
        """Waits until predicate(list of requests) is true; returns the requests.

        Woken by every recorded request, so no polling. Raises AssertionError on timeout with a
        summary of what did arrive.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                reqs = list(self._requests)
                if predicate(reqs):
                    return reqs
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        raise AssertionError("%s: not met within %.1fs; %s" % (
            message or "capture receiver condition", timeout, self.summary(reqs)))

    def summary(self, reqs=None):
        reqs = self.requests if reqs is None else reqs
        parts = []
        for r in reqs[-20:]:
            try:
                n = len(records(r))
            except ValueError:
                n = "?"
            parts.append("%s %s -> %s (%d bytes, %s records)" % (
                r["method"], r["path"], r["status"] if r["outcome"] == "answered" else
                r["outcome"], len(r["body"]), n))
        return "%d requests%s%s" % (len(reqs), ": " if parts else "",
                                    "; ".join(parts))

    # -- used by the handler -------------------------------------------------------------------
    def _next_action(self, req):
        with self._cond:
            entry = self._script.pop(0) if self._script else None
            hook = self.respond
            default = dict(self._default)
        if callable(entry):
            entry = entry(req)
        if entry is None and hook is not None:
            entry = hook(req)
        return dict(entry) if entry is not None else default

    def _record(self, req):
        with self._cond:
            self._requests.append(req)
            self._cond.notify_all()

    def _update(self, req, **fields):
        """Changes a recorded request (a released hang is answered after all) and wakes
        waiters, so wait_for sees the new outcome."""
        with self._cond:
            req.update(fields)
            self._cond.notify_all()

    def _hold(self):
        """Blocks a hang action. True when released, False when the receiver stops."""
        with self._cond:
            gen = self._release_gen
            while not self._stopping and self._release_gen == gen:
                self._cond.wait()
            return not self._stopping

    def _track(self, conn, add):
        with self._cond:
            if add:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Capture HTTP receiver for logship demos and tests.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--status", type=int, default=200, help="status for every request")
    ap.add_argument("--print", action="store_true", dest="print_requests",
                    help="print one line per request")
    args = ap.parse_args(argv)

    rx = CaptureReceiver(args.host, args.port, default={"status": args.status})
    lock = threading.Lock()

    def hook(req):
        if args.print_requests:
            try:
                n = len(records(req))
            except ValueError:
                n = "?"
            line = "%s %s %s %d bytes %s records enc=%s ua=%s" % (
                time.strftime("%H:%M:%S"), req["method"], req["path"], len(req["body"]), n,
                header(req, "Content-Encoding", "-"), header(req, "User-Agent", "-"))
            with lock:
                print(line, flush=True)
        return None

    rx.respond = hook
    rx.start()
    print("capture receiver listening on %s" % rx.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        rx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
