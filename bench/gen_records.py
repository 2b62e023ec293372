#!/usr/bin/env python3
"""Generate Fly-shaped benchmark records in {"subject","payload"} NDJSON form.

The fixtures repeat 300 records, which gzip squeezes ~25x and so flatters the http/gzip
scenario. This writes a less repetitive set: many apps, regions and instances, access lines
with random IPs/paths/latencies, JSON-in-message lines, SQL, stack traces, occasional
non-ASCII text. The seed makes the output byte-for-byte reproducible, so runs compare.

Payloads are compact JSON with sorted keys (the form Fly publishes and the fixtures use);
lines are written like fixtures/fly-logs.subjects.ndjson. Standard library only.

    bench/gen_records.py --count 50000 --out records.ndjson [--seed 1]
"""
import argparse
import json
import random
import sys

REGIONS = ["ams", "arn", "atl", "bog", "bom", "bos", "cdg", "den", "dfw", "ewr", "eze", "fra",
           "gdl", "gig", "gru", "hkg", "iad", "jnb", "lax", "lhr", "mad", "mia", "nrt", "ord",
           "otp", "phx", "qro", "scl", "sea", "sin", "sjc", "syd", "waw", "yul", "yyz"]
APP_WORDS = ["web", "api", "worker", "billing", "auth", "search", "cron", "pg", "redis", "chat",
             "media", "gateway", "admin", "shop", "notify", "ingest", "export", "ml", "docs"]
APP_SUFFIX = ["", "-prod", "-staging", "-frontend", "-backend", "-main", "-eu", "-us", "-v2"]
PROVIDERS = ["app", "app", "app", "app", "runner", "proxy"]
LEVELS = ["info"] * 12 + ["debug"] * 3 + ["warn"] * 3 + ["error"] * 2
METHODS = ["GET"] * 8 + ["POST"] * 3 + ["PUT", "DELETE", "PATCH", "HEAD"]
PATHS = ["/", "/api/v1/users", "/api/v1/orders", "/api/v2/items", "/login", "/logout",
         "/static/app.js", "/static/style.css", "/health", "/metrics", "/graphql", "/search",
         "/checkout", "/cart", "/account/settings", "/webhooks/stripe", "/img/logo.png"]
STATUSES = [200] * 20 + [201, 204, 301, 302, 304, 400, 401, 403, 404, 404, 409, 422, 429, 500,
                         502, 503]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Safari/605.1.15",
          "curl/8.4.0", "Go-http-client/2.0", "python-requests/2.31.0", "okhttp/4.12.0",
          "Prometheus/2.48.0", "kube-probe/1.28"]
WORDS = ("request completed started finished retrying connection pool timeout cache miss hit "
         "user order payment invoice job queue worker shutdown signal received listening port "
         "database migration applied record updated deleted created token refreshed session "
         "expired upstream downstream latency budget exceeded backoff scheduled batch flushed "
         "rows scanned index rebuilt replica lag primary failover election snapshot").split()
NON_ASCII = ["utilisateur connecté: José Müller", "Größe überschritten", "東京リージョン ✓",
             "пользователь вошёл", "naïve café — résumé", "🚀 deploy finished"]
TABLES = ["users", "orders", "items", "sessions", "events", "payments", "invoices", "jobs"]
EXC = ["ValueError: bad input", "KeyError: 'id'", "TimeoutError: upstream timed out",
       "ConnectionResetError: [Errno 104] Connection reset by peer",
       "RuntimeError: pool exhausted"]


def hexid(rng, n):
    return "%0*x" % (n, rng.getrandbits(4 * n))


def make_fleet(rng):
    apps = []
    for _ in range(60):
        name = rng.choice(APP_WORDS) + rng.choice(APP_SUFFIX)
        if rng.random() < 0.3:
            name += "-" + hexid(rng, 4)
        regions = rng.sample(REGIONS, rng.randint(1, 6))
        instances = [(rng.choice(regions), hexid(rng, 14)) for _ in range(rng.randint(1, 8))]
        apps.append((name, instances))
    return apps


def ip(rng):
    if rng.random() < 0.2:
        return "2a09:8280:1::%x:%x" % (rng.getrandbits(16), rng.getrandbits(16))
    return "%d.%d.%d.%d" % (rng.randint(1, 223), rng.randint(0, 255), rng.randint(0, 255),
                            rng.randint(1, 254))


def sentence(rng, lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def message(rng, level):
    kind = rng.random()
    if kind < 0.40:
        path = rng.choice(PATHS)
        if rng.random() < 0.5:
            path += "/%d" % rng.randint(1, 10 ** rng.randint(2, 7))
        if rng.random() < 0.3:
            path += "?page=%d&q=%s" % (rng.randint(1, 50), rng.choice(WORDS))
        return '%s - - "%s %s HTTP/1.1" %d %d %.3fms "%s" request_id=%s' % (
            ip(rng), rng.choice(METHODS), path, rng.choice(STATUSES), rng.randint(0, 250000),
            rng.lognormvariate(1.5, 1.2), rng.choice(AGENTS), hexid(rng, 20))
    if kind < 0.60:
        obj = {"msg": sentence(rng, 2, 7), "level": level, "trace_id": hexid(rng, 32),
               "span_id": hexid(rng, 16), "duration_ms": round(rng.lognormvariate(2, 1.3), 2)}
        if rng.random() < 0.5:
            obj["user_id"] = rng.randint(1, 5_000_000)
        if rng.random() < 0.3:
            obj["error"] = rng.choice(EXC)
        return json.dumps(obj, separators=(",", ":"))
    if kind < 0.72:
        t = rng.choice(TABLES)
        return "%s [sql] SELECT %s FROM %s WHERE id = $1 AND tenant = $2 [%d, %d] (%.1fms)" % (
            level.upper(), ", ".join(rng.sample(["id", "name", "email", "created_at", "status",
                                                  "amount", "updated_at"], 3)),
            t, rng.randint(1, 10 ** 7), rng.randint(1, 999), rng.lognormvariate(0, 1))
    if kind < 0.76:
        return ("Traceback (most recent call last):\n  File \"/app/%s.py\", line %d, in %s\n"
                "    %s()\n%s") % (rng.choice(WORDS), rng.randint(10, 900), rng.choice(WORDS),
                                   rng.choice(WORDS), rng.choice(EXC))
    if kind < 0.80:
        return "%s (%s) %s" % (rng.choice(NON_ASCII), hexid(rng, 8), sentence(rng, 1, 5))
    return "%s %s=%d %s=%s" % (sentence(rng, 3, 12).capitalize(), rng.choice(WORDS),
                               rng.randint(0, 100000), rng.choice(WORDS), hexid(rng, 12))


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=50000)
    ap.add_argument("--out", default="-")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.count < 1:
        ap.error("--count must be positive")

    rng = random.Random(args.seed)
    fleet = make_fleet(rng)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")
    ts_ns = 1795428000 * 10 ** 9  # a fixed start keeps output deterministic
    try:
        for _ in range(args.count):
            name, instances = rng.choice(fleet)
            region, inst = rng.choice(instances)
            level = rng.choice(LEVELS)
            ts_ns += rng.randint(1, 2_000_000)
            secs, ns = divmod(ts_ns, 10 ** 9)
            days, rem = divmod(secs, 86400)
            # Civil date from days since the epoch (Howard Hinnant's algorithm): no time module,
            # so the output does not depend on the local time zone.
            z = days + 719468
            era, doe = divmod(z, 146097)
            yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
            doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
            mp = (5 * doy + 2) // 153
            day = doy - (153 * mp + 2) // 5 + 1
            month = mp + 3 if mp < 10 else mp - 9
            year = yoe + era * 400 + (month <= 2)
            stamp = "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ" % (
                year, month, day, rem // 3600, rem // 60 % 60, rem % 60, ns)
            rec = {"event": {"provider": rng.choice(PROVIDERS)},
                   "fly": {"app": {"instance": inst, "name": name}, "region": region},
                   "host": hexid(rng, 4), "log": {"level": level},
                   "message": message(rng, level), "timestamp": stamp}
            payload = json.dumps(rec, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
            subject = "logs.%s.%s.%s" % (name, region, inst)
            out.write(json.dumps({"subject": subject, "payload": payload}) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
