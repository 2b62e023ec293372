#!/usr/bin/env python3
"""A fake CloudWatch Logs for the cloudwatch sink's tests: the capture receiver speaking the
JSON 1.1 API (X-Amz-Target: Logs_20140328.<Operation>).

It keeps log groups and streams with their events, verifies every request's SigV4 signature
independently with botocore's reference signer (python3-botocore, the Debian package), and
enforces PutLogEvents' documented limits as the service does (PROVIDERS.md Part 2 §6.8,
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html):
at most 10,000 events and 1,048,576 bytes (UTF-8 message bytes + 26 per event) per call, no
message over 1 MB, chronological order, a span within 24 hours. A broken rule is answered as
the service answers it (InvalidParameterException) and also listed in `violations`, which a
test asserts is empty. Events older than 14 days or more than 2 hours ahead are left out and
reported in rejectedLogEventsInfo, as the service does.

A test can make it throttle (`throttle`), fail an operation with any error (`fail`), pre-create
groups and streams, and switch on legacy sequence tokens (`legacy_tokens=True`: PutLogEvents
must carry the stream's current token, else InvalidSequenceTokenException with
expectedSequenceToken). Every request is still recorded by the capture receiver (`requests`);
`calls()` lists (operation, parsed body) in arrival order.

Standard library plus botocore.
"""

import calendar
import json
import re
import threading
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import capture
from capture import CaptureReceiver

MAX_EVENTS = 10000
MAX_BYTES = 1048576
OVERHEAD = 26
MAX_SPAN_MS = 24 * 3600 * 1000
MAX_AGE_MS = 14 * 24 * 3600 * 1000
MAX_FUTURE_MS = 2 * 3600 * 1000

_AUTH = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                   r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def _error(type_, message, status=400, **extra):
    body = {"__type": "com.amazonaws.logs#" + type_, "message": message}
    body.update(extra)
    return {"status": status, "body": json.dumps(body),
            "headers": {"Content-Type": "application/x-amz-json-1.1",
                        "x-amzn-ErrorType": type_}}


def _ok(body=None):
    return {"status": 200, "body": json.dumps(body or {}),
            "headers": {"Content-Type": "application/x-amz-json-1.1"}}


class _NoDelayHandler(capture._Handler):
    disable_nagle_algorithm = True


class CloudWatchReceiver:
    def __init__(self, access_key_id, secret_access_key, region="us-east-1", session_token=None,
                 legacy_tokens=False):
        self.creds = Credentials(access_key_id, secret_access_key, session_token)
        self.key_id = access_key_id
        self.region = region
        self.legacy_tokens = legacy_tokens
        self.groups = {}  # group -> {stream: {"events": [(ts, message)], "token": str|None}}
        self.violations = []
        self.rejected = []  # (group, stream, ts, message) the "service" refused to store
        self._faults = []  # [op or None, count, action]
        self._lock = threading.Lock()
        self._token_seq = 0
        self.rx = CaptureReceiver(respond=self._respond)

    # -- lifecycle, delegated ------------------------------------------------------------------
    def start(self):
        self.rx.start()
        # A call sequence is many small answers in a row: without TCP_NODELAY each one waits
        # ~40 ms for the client's delayed ACK (headers and body are written separately).
        self.rx._server.RequestHandlerClass = _NoDelayHandler
        self.port, self.url = self.rx.port, self.rx.url
        return self

    def stop(self):
        self.rx.stop()

    @property
    def requests(self):
        return self.rx.requests

    def wait_for(self, predicate, timeout=10.0, message=None):
        return self.rx.wait_for(predicate, timeout, message)

    # -- test controls -------------------------------------------------------------------------
    def add_group(self, group):
        with self._lock:
            self.groups.setdefault(group, {})

    def add_stream(self, group, stream, token=None):
        with self._lock:
            self.groups.setdefault(group, {})[stream] = {"events": [], "token": token}

    def throttle(self, op=None, count=1):
        """The next `count` calls of `op` (any operation when None) get ThrottlingException."""
        self.fail(op, count, _error("ThrottlingException", "Rate exceeded"))

    def fail(self, op, count, action):
        with self._lock:
            self._faults.append([op, count, action])

    def events(self, group, stream):
        with self._lock:
            return list(self.groups.get(group, {}).get(stream, {}).get("events", []))

    def all_events(self):
        """(group, stream, ts, message) of every stored event, in storing order."""
        with self._lock:
            return [(g, s, ts, m) for g, streams in self.groups.items()
                    for s, st in streams.items() for ts, m in st["events"]]

    def calls(self, reqs=None):
        out = []
        for r in (self.requests if reqs is None else reqs):
            out.append((r.get("op"), json.loads(r["data"] or b"{}")))
        return out

    def ops(self, reqs=None):
        return [op for op, _ in self.calls(reqs)]

    # -- the service -----------------------------------------------------------------------------
    def _violation(self, req, text):
        req["violation"] = text
        self.violations.append(text)

    def _verify(self, req):
        """None when the SigV4 signature is right, else why not."""
        h = req["headers"]
        m = _AUTH.match(h.get("Authorization") or "")
        if not m:
            return "no or malformed Authorization header"
        key, day, region, service, signed, sig = m.groups()
        amz_date = h.get("X-Amz-Date") or ""
        if key != self.key_id or region != self.region or service != "logs":
            return "credential scope %s/%s/%s" % (key, region, service)
        if not amz_date.startswith(day):
            return "scope date %s does not match x-amz-date %s" % (day, amz_date)
        try:
            t = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            return "bad x-amz-date %r" % amz_date
        if abs(t - time.time()) > 300:
            return "x-amz-date %s outside 5 minutes of now" % amz_date
        names = signed.split(";")
        for need in ("host", "x-amz-date", "x-amz-target", "content-type"):
            if need not in names:
                return "%s not signed" % need
        if self.creds.token and "x-amz-security-token" not in names:
            return "x-amz-security-token not signed"
        headers = {}
        for n in names:
            v = h.get(n)
            if v is None:
                return "signed header %s not sent" % n
            headers[n] = v
        aws = AWSRequest(method=req["method"], url="http://%s%s" % (h.get("Host"), req["path"]),
                         data=req["body"], headers=headers)
        aws.context["timestamp"] = amz_date
        auth = SigV4Auth(self.creds, "logs", self.region)
        canonical = auth.canonical_request(aws)
        want = auth.signature(auth.string_to_sign(aws, canonical), aws)
        if want != sig:
            return "signature mismatch; botocore's canonical request:\n" + canonical
        return None

    def _respond(self, req):
        target = req["headers"].get("X-Amz-Target") or ""
        op = target.split(".", 1)[1] if target.startswith("Logs_20140328.") else None
        req["op"] = op
        bad = self._verify(req)
        if bad:
            self._violation(req, "%s: %s" % (op, bad))
            return _error("InvalidSignatureException", "The request signature we calculated "
                          "does not match the signature you provided.")
        if req["method"] != "POST" or req["path"] != "/" or op is None:
            self._violation(req, "not a JSON 1.1 call: %s %s %r" % (req["method"], req["path"],
                                                                     target))
            return _error("UnknownOperationException", "unknown operation", 400)
        if req["headers"].get("Content-Type") != "application/x-amz-json-1.1":
            self._violation(req, "%s: content-type %r" % (op, req["headers"].get("Content-Type")))
            return _error("SerializationException", "bad content type")
        with self._lock:
            for f in self._faults:
                if f[1] > 0 and (f[0] is None or f[0] == op):
                    f[1] -= 1
                    return dict(f[2])
        try:
            body = json.loads(req["data"].decode("utf-8"))
        except (ValueError, UnicodeDecodeError, AttributeError):
            self._violation(req, "%s: body is not JSON" % op)
            return _error("SerializationException", "body is not JSON")
        fn = getattr(self, "_op_" + op, None)
        if fn is None:
            self._violation(req, "unexpected operation %s" % op)
            return _error("UnknownOperationException", op)
        with self._lock:
            return fn(req, body)

    def _next_token(self):
        self._token_seq += 1
        return "%056d" % self._token_seq

    def _op_CreateLogGroup(self, req, b):
        g = b.get("logGroupName")
        if g in self.groups:
            return _error("ResourceAlreadyExistsException", "The specified log group already "
                          "exists")
        self.groups[g] = {}
        return _ok()

    def _op_CreateLogStream(self, req, b):
        g, s = b.get("logGroupName"), b.get("logStreamName")
        if g not in self.groups:
            return _error("ResourceNotFoundException", "The specified log group does not exist.")
        if s in self.groups[g]:
            return _error("ResourceAlreadyExistsException", "The specified log stream already "
                          "exists")
        self.groups[g][s] = {"events": [], "token": None}
        return _ok()

    def _op_DescribeLogGroups(self, req, b):
        prefix = b.get("logGroupNamePrefix", "")
        names = sorted(n for n in self.groups if n.startswith(prefix))[:b.get("limit", 50)]
        return _ok({"logGroups": [{"logGroupName": n, "storedBytes": 0} for n in names]})

    def _op_DescribeLogStreams(self, req, b):
        g = b.get("logGroupName")
        if g not in self.groups:
            return _error("ResourceNotFoundException", "The specified log group does not exist.")
        prefix = b.get("logStreamNamePrefix", "")
        names = sorted(n for n in self.groups[g] if n.startswith(prefix))[:b.get("limit", 50)]
        out = []
        for n in names:
            st = {"logStreamName": n, "storedBytes": 0,
                  "arn": "arn:aws:logs:%s:123456789012:log-group:%s:log-stream:%s"
                  % (self.region, g, n)}
            if self.legacy_tokens and self.groups[g][n]["token"]:
                st["uploadSequenceToken"] = self.groups[g][n]["token"]
            out.append(st)
        return _ok({"logStreams": out})

    def _check_put(self, req, events):
        if not isinstance(events, list) or not events:
            return "logEvents missing or empty"
        if len(events) > MAX_EVENTS:
            return "%d events in one call (max %d)" % (len(events), MAX_EVENTS)
        size = 0
        for e in events:
            msg = e.get("message")
            if not isinstance(msg, str) or not msg or not isinstance(e.get("timestamp"), int):
                return "event without a message or an integer timestamp"
            n = len(msg.encode("utf-8"))
            if n + OVERHEAD > MAX_BYTES:
                return "event of %d bytes over the 1 MB event limit" % n
            size += n + OVERHEAD
        if size > MAX_BYTES:
            return "%d bytes in one call (max %d)" % (size, MAX_BYTES)
        ts = [e["timestamp"] for e in events]
        if ts != sorted(ts):
            return "events not in chronological order"
        if ts[-1] - ts[0] > MAX_SPAN_MS:
            return "events span %d ms (max 24 hours)" % (ts[-1] - ts[0])
        return None

    def _op_PutLogEvents(self, req, b):
        g, s = b.get("logGroupName"), b.get("logStreamName")
        if g not in self.groups:
            return _error("ResourceNotFoundException", "The specified log group does not exist.")
        if s not in self.groups[g]:
            return _error("ResourceNotFoundException", "The specified log stream does not exist.")
        events = b.get("logEvents")
        bad = self._check_put(req, events)
        if bad:
            self._violation(req, "PutLogEvents: " + bad)
            return _error("InvalidParameterException", bad)
        st = self.groups[g][s]
        if self.legacy_tokens and st["token"] and b.get("sequenceToken") != st["token"]:
            return _error("InvalidSequenceTokenException", "The given sequenceToken is invalid. "
                          "The next expected sequenceToken is: " + st["token"],
                          expectedSequenceToken=st["token"])
        now = int(time.time() * 1000)
        old = new = 0
        for e in events:
            if e["timestamp"] < now - MAX_AGE_MS:
                old += 1
                self.rejected.append((g, s, e["timestamp"], e["message"]))
            elif e["timestamp"] > now + MAX_FUTURE_MS:
                new += 1
                self.rejected.append((g, s, e["timestamp"], e["message"]))
            else:
                st["events"].append((e["timestamp"], e["message"]))
        out = {}
        if self.legacy_tokens:
            st["token"] = self._next_token()
            out["nextSequenceToken"] = st["token"]
        if old or new:
            info = {}
            if old:
                info["tooOldLogEventEndIndex"] = old
            if new:
                info["tooNewLogEventStartIndex"] = len(events) - new
            out["rejectedLogEventsInfo"] = info
        return _ok(out)
