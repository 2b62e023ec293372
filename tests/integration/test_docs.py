"""Operator docs and deployment files agree with the program: the generated provider reference
equals what `logship --providers` makes of the table; every metric the Grafana dashboard and the
Prometheus alerts query is exported by a running logship; the alerts fire on the situations
they name; the man page is built, installed and names every option and variable the sources
read; fly.toml and the Dockerfile agree with logship's ports and paths. The container image
itself is built by scripts/image-check.sh (minutes, needs Debian's mirror), run here only with
LOGSHIP_IMAGE_CHECK=1.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import unittest

import harness

SRC = harness.source_dir()
GEN = os.path.join(SRC, "scripts", "gen-provider-docs.py")
DASHBOARD = os.path.join(SRC, "deploy", "grafana-dashboard.json")
ALERTS = os.path.join(SRC, "deploy", "prometheus-alerts.yml")
FLY_TOML = os.path.join(SRC, "deploy", "fly.toml")
DOCKERFILE = os.path.join(SRC, "Dockerfile")
MAN_SRC = os.path.join(SRC, "docs", "logship.1.scd")

# The disk buffer's gauges are being added by another module. Until they land a running logship
# does not export them; the dashboard already has their panels and the alerts their rule, so
# they may be absent — but only these. Remove a name from here once it is exported.
PENDING_METRICS = set()  # every metric the dashboard queries is exported now

# What the dashboard must show: records in/out per sink, retries, drops, buffer depth and age,
# NATS reconnects.
DASHBOARD_MUST_QUERY = {
    "logship_sink_events_total",
    "logship_sink_sent_events_total",
    "logship_sink_retries_total",
    "logship_buffer_dropped_events_total",
    "logship_sink_rejected_events_total",
    "logship_nats_dropped_total",
    "logship_sink_queue_events",
    "logship_buffer_events",
    "logship_buffer_bytes",
    "logship_buffer_oldest_age_seconds",
    "logship_nats_reconnects_total",
}

METRIC_NAME = re.compile(r"\blogship_[a-z0-9_]+\b")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def dashboard_exprs():
    """Every PromQL expression of the dashboard: panel targets and variable queries."""
    d = json.loads(read(DASHBOARD))
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append(t["expr"])
            walk(p.get("panels", []))
    walk(d.get("panels", []))
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if isinstance(q, str) and "logship_" in q:
            out.append(q)
    return out


def alert_exprs():
    """The `expr:` values of the alerts file (inline or `|` blocks). A line-based reader: the
    standard library has no YAML parser, and the file keeps to this simple shape."""
    exprs, lines, i = [], read(ALERTS).split("\n"), 0
    while i < len(lines):
        m = re.match(r"^(\s*)expr:\s*(.*)$", lines[i])
        i += 1
        if not m:
            continue
        indent, rest = len(m.group(1)), m.group(2).strip()
        if rest and rest not in ("|", ">", "|-", ">-"):
            exprs.append(rest)
            continue
        block = []
        while i < len(lines) and (not lines[i].strip() or
                                  len(lines[i]) - len(lines[i].lstrip()) > indent):
            block.append(lines[i].strip())
            i += 1
        exprs.append(" ".join(b for b in block if b))
    return exprs


def alerts_without_annotations():
    """The alerts file minus its annotations blocks, for promtool tests that match labels only
    (promtool compares annotations exactly, and they are prose)."""
    out, skip_indent = [], None
    for line in read(ALERTS).split("\n"):
        indent = len(line) - len(line.lstrip())
        if skip_indent is not None:
            if not line.strip() or indent > skip_indent:
                continue
            skip_indent = None
        if line.strip() == "annotations:":
            skip_indent = indent
            continue
        out.append(line)
    return "\n".join(out)


def names_in(exprs):
    names = set()
    for e in exprs:
        names.update(METRIC_NAME.findall(e))
    return names


def build_dir():
    """Where the CMake build put logship.1: the binary's directory, or its parent."""
    d = os.path.dirname(os.path.abspath(harness.logship_bin()))
    for cand in (d, os.path.dirname(d)):
        if os.path.exists(os.path.join(cand, "CMakeCache.txt")):
            return cand
    return d


def roff_text(roff):
    """The words of a roff page, font escapes and scdoc's escaped hyphens removed."""
    t = re.sub(r"\\f[BIRP]", "", roff)
    return t.replace("\\-", "-").replace("\\&", "").replace("\\(dq", '"')


def source_variables():
    """(LOGSHIP_* names, per-sink knob suffixes, other names) that src/ reads. A literal that is
    one sink's knob (LOGSHIP_PAPERTRAIL_ENDPOINT) counts as the knob, not as a name."""
    full, knobs, other = set(), set(), set()
    for path in glob.glob(os.path.join(SRC, "src", "**", "*.[ch]"), recursive=True):
        text = read(path)
        full.update(re.findall(r'"(LOGSHIP_[A-Z0-9_]*[A-Z0-9])"', text))
        knobs.update(re.findall(r'knob_[a-z]+\(s, (?:env, )?"([A-Z][A-Z0-9_]*)"', text))
    for name in ("nats.c", "canary.c"):
        path = os.path.join(SRC, "src", "source", name)
        if os.path.exists(path):
            other.update(re.findall(r'ls_env_get\(env, "([A-Z][A-Z0-9_]*)"\)', read(path)))
    sink_knob = re.compile(r"^LOGSHIP_[A-Z0-9_]+_(%s)$" % "|".join(sorted(knobs)))
    full = {v for v in full if not (knobs and sink_knob.match(v))}
    return full, knobs, other - full


def assert_names(test, text, names, where):
    missing = sorted(n for n in names if not re.search(r"\b%s\b" % re.escape(n), text))
    test.assertEqual(missing, [], "not in %s" % where)


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)

    # -- provider reference --------------------------------------------------------------------
    def test_docs_providers_page_matches_table(self):
        p = subprocess.run([sys.executable, GEN, "--check", "--bin", harness.logship_bin()],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(p.returncode, 0,
                         "docs/providers.md differs from the preset table; run "
                         "scripts/gen-provider-docs.py\n" + p.stderr.decode()[-6000:])
        table = json.loads(subprocess.run([harness.logship_bin(), "--providers"],
                                          stdout=subprocess.PIPE, check=True).stdout)
        page = read(os.path.join(SRC, "docs", "providers.md"))
        for row in table:
            self.assertIn("\n## %s\n" % row["name"], page)
            for v in row.get("vars", []):
                self.assertIn("`%s`" % v["name"], page)

    def test_docs_readme_links_provider_reference(self):
        readme = read(os.path.join(SRC, "README.md"))
        if "docs/providers.md" not in readme:
            # The lead merges deploy/README.md's sections into README.md, link included.
            self.skipTest("README.md does not link docs/providers.md yet")
        self.assertTrue(os.path.exists(os.path.join(SRC, "docs", "providers.md")))

    def test_docs_generator_any_number_of_rows(self):
        rows = [
            {"name": "alpha", "env_name": "ALPHA", "kind": "http", "doc": "First | piped.",
             "url": "https://a.example/${ALPHA_REGION:-us}/in", "headers": ["X-Key: ${ALPHA_KEY}"],
             "differences": ["none really"], "batch_max_events": 500,
             "vars": [{"name": "ALPHA_KEY", "required": True, "secret": True, "doc": "key"},
                      {"name": "ALPHA_REGION", "default": "us", "doc": "region"}],
             "a_future_field": {"nested": [1, 2]}},
            {"name": "beta", "vars": [{"name": "BETA_A", "one_of": True},
                                      {"name": "BETA_B", "one_of": True, "empty_ok": True}]},
            {"name": "gamma"},
        ]
        for table in ([], rows[:1], rows):
            with tempfile.TemporaryDirectory() as d:
                src, out = os.path.join(d, "t.json"), os.path.join(d, "p.md")
                with open(src, "w") as f:
                    json.dump(table, f)
                p = subprocess.run([sys.executable, GEN, "--json", src, "-o", out],
                                   stderr=subprocess.PIPE, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr.decode())
                page = read(out)
                self.assertIn("%d provider" % len(table), page)
                for row in table:
                    self.assertIn("\n## %s\n" % row["name"], page)
                    self.assertIn("](#%s)" % row["name"], page)
                # Every table line has as many cell separators as its header.
                cols = None
                for line in page.split("\n"):
                    if not line.startswith("|"):
                        cols = None
                        continue
                    n = len(re.findall(r"(?<!\\)\|", line))
                    if cols is None:
                        cols = n
                    self.assertEqual(n, cols, "ragged table line: %r" % line)
                if len(table) > 1:
                    self.assertIn("one of `BETA_A`, `BETA_B`", page)
                    self.assertIn("First \\| piped.", page)
                    p = subprocess.run([sys.executable, GEN, "--json", src, "--check", "-o", out],
                                       stderr=subprocess.PIPE, timeout=60)
                    self.assertEqual(p.returncode, 0, p.stderr.decode())
                    with open(out, "a") as f:
                        f.write("edited by hand\n")
                    p = subprocess.run([sys.executable, GEN, "--json", src, "--check", "-o", out],
                                       stderr=subprocess.PIPE, timeout=60)
                    self.assertEqual(p.returncode, 1, "--check missed a hand edit")
                    self.assertIn("edited by hand", p.stderr.decode())

    # -- dashboard and alerts ------------------------------------------------------------------
    def _scrape(self):
        nats = harness.start_nats(self)
        # With the disk buffer on, so its depth/age gauges are exported too.
        ls = harness.start_logship(self, {"NATS_URL": nats.url, "LOGSHIP_BLACKHOLE": "1",
                                          "LOGSHIP_BUFFER_DIR": harness.temp_dir(self)})
        ls.wait_healthy()
        harness.nats_publish(nats.url, harness.fixture_records()[:20])
        ls.wait_metric("logship_sink_sent_events_total", lambda v: v >= 20, sink="blackhole")
        metrics = ls.metrics()
        ls.assert_clean(self)
        names = {n for (n, _) in metrics}
        with_sink = {n for (n, labels) in metrics if any(k == "sink" for k, _ in labels)}
        return names, with_sink

    def test_docs_dashboard_metrics_exported(self):
        exprs = dashboard_exprs()
        self.assertGreater(len(exprs), 10)
        queried = names_in(exprs)
        self.assertEqual(DASHBOARD_MUST_QUERY - queried, set(),
                         "the dashboard has no panel for these")
        exported, with_sink = self._scrape()
        missing = queried - exported - PENDING_METRICS
        self.assertEqual(missing, set(), "dashboard queries metrics logship does not export")
        # A pending name that is exported by now belongs in the checked set.
        self.assertEqual(PENDING_METRICS & exported, set(),
                         "exported now: remove from PENDING_METRICS")
        # Panels filter on sink=~"$sink": the metrics they filter must carry that label.
        for e in exprs:
            for m in re.finditer(r"\b(logship_[a-z0-9_]+)\{[^}]*\bsink=~", e):
                if m.group(1) in exported:
                    self.assertIn(m.group(1), with_sink, "no sink label on %s" % m.group(1))

    def test_docs_alert_metrics_exported(self):
        exprs = alert_exprs()
        self.assertGreaterEqual(len(exprs), 2)
        exported, _ = self._scrape()
        missing = names_in(exprs) - exported - PENDING_METRICS
        self.assertEqual(missing, set(), "alerts query metrics logship does not export")

    def test_docs_dashboard_and_alert_queries_parse(self):
        promtool = shutil.which("promtool")
        if not promtool:
            self.skipTest("promtool not installed (Debian package prometheus)")
        # Grafana's variables replaced by what they stand for, each query a recording rule.
        subst = {"$__rate_interval": "5m", "$app": ".*", "$instance": ".*", "$sink": ".*"}
        lines = ["groups:", "  - name: dashboard", "    rules:"]
        for i, e in enumerate(dashboard_exprs()):
            if e.startswith("label_values("):
                continue
            for k, v in subst.items():
                e = e.replace(k, v)
            lines += ["      - record: dashboard:q%d" % i, "        expr: %s" % json.dumps(e)]
        with tempfile.TemporaryDirectory() as d:
            rules = os.path.join(d, "dash.yml")
            with open(rules, "w") as f:
                f.write("\n".join(lines) + "\n")
            for path in (rules, ALERTS):
                p = subprocess.run([promtool, "check", "rules", path], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=60)
                self.assertEqual(p.returncode, 0, p.stdout.decode())

    def test_docs_alerts_fire_on_stall_and_drops(self):
        promtool = shutil.which("promtool")
        if not promtool:
            self.skipTest("promtool not installed (Debian package prometheus)")
        # Sink http: records keep coming, deliveries stop at minute 10 and 5 records are shed
        # at minute 21. Sink file: healthy throughout, must never alert.
        series = {
            'logship_sink_events_total{instance="a",sink="http"}': "0+100x40",
            'logship_sink_sent_events_total{instance="a",sink="http"}': "0+100x10 1000x30",
            'logship_buffer_dropped_events_total{instance="a",sink="http"}': "0x20 5x20",
            'logship_sink_events_total{instance="a",sink="file"}': "0+10x40",
            'logship_sink_sent_events_total{instance="a",sink="file"}': "0+10x40",
            'logship_buffer_dropped_events_total{instance="a",sink="file"}': "0x40",
            'logship_received_total{instance="a"}': "0+110x40",
            'logship_nats_dropped_total{instance="a"}': "0x40",
            'logship_intake_dropped_total{instance="a"}': "0x40",
            'logship_nats_reconnects_total{instance="a"}': "0x40",
        }
        for name in ("logship_sink_rejected_events_total", "logship_sink_abandoned_events_total",
                     "logship_sink_encode_errors_total"):
            for sink in ("http", "file"):
                series['%s{instance="a",sink="%s"}' % (name, sink)] = "0x40"
        http = {"instance": "a", "sink": "http"}
        checks = [
            ("15m", "LogshipShippingStalled", []),
            ("35m", "LogshipShippingStalled", [dict(http, severity="critical")]),
            ("15m", "LogshipRecordsDropped", []),
            ("23m", "LogshipRecordsDropped", [dict(http, severity="warning")]),
            ("35m", "LogshipNothingReceived", []),
            ("35m", "LogshipNatsDropped", []),
        ]
        with tempfile.TemporaryDirectory() as d:
            rules = os.path.join(d, "alerts.yml")
            with open(rules, "w") as f:
                f.write(alerts_without_annotations())
            t = ["rule_files: [%s]" % json.dumps(rules), "evaluation_interval: 1m", "tests:",
                 "  - interval: 1m", "    input_series:"]
            for s, v in series.items():
                t += ["      - series: %s" % json.dumps(s), "        values: %s" % json.dumps(v)]
            t.append("    alert_rule_test:")
            for at, name, alerts in checks:
                t += ["      - eval_time: %s" % at, "        alertname: %s" % name,
                      "        exp_alerts: %s" % json.dumps([{"exp_labels": a} for a in alerts])]
            test_file = os.path.join(d, "test.yml")
            with open(test_file, "w") as f:
                f.write("\n".join(t) + "\n")
            p = subprocess.run([promtool, "test", "rules", test_file], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout.decode())

    # -- man page ------------------------------------------------------------------------------
    def test_docs_manpage_built_and_complete(self):
        if not shutil.which("scdoc"):
            self.skipTest("scdoc not installed (scripts/deps.sh installs it)")
        page = os.path.join(build_dir(), "logship.1")
        self.assertTrue(os.path.exists(page), "%s not built (re-run cmake: scdoc was missing "
                                              "when the build was configured?)" % page)
        roff = read(page)
        text = roff_text(roff)
        for section in ("NAME", "SYNOPSIS", "OPTIONS", "ENVIRONMENT", "PROVIDERS",
                        "EXIT STATUS"):
            self.assertRegex(roff, r"(?m)^\.SH \"?%s\"?$" % section)
        main_c = read(os.path.join(SRC, "src", "main.c"))
        opts = set(re.findall(r'strcmp\(argv\[i\], "(--?[a-z-]+)"\)', main_c))
        self.assertIn("--check", opts)  # the scan itself works
        self.assertEqual(sorted(o for o in opts if o not in text), [],
                         "options not in the man page")
        full, knobs, other = source_variables()
        self.assertIn("LOGSHIP_HEALTH_ADDR", full)  # the scan itself works
        self.assertIn("BATCH_TIMEOUT", knobs)
        assert_names(self, text, full | other, "the man page (read by src/)")
        assert_names(self, text, {"_" + k for k in knobs}, "the man page (per-sink knobs)")
        table = json.loads(subprocess.run([harness.logship_bin(), "--providers"],
                                          stdout=subprocess.PIPE, check=True).stdout)
        assert_names(self, text, {v["name"] for row in table for v in row.get("vars", [])},
                     "the man page's PROVIDERS section")
        for code in ("0", "1", "2", "3"):
            self.assertRegex(roff, r"(?m)^\\fB%s\\fR$" % code, "exit status %s" % code)
        groff = shutil.which("groff")
        if groff:
            p = subprocess.run([groff, "-man", "-ww", "-z", page], stderr=subprocess.PIPE,
                               timeout=60)
            self.assertEqual((p.returncode, p.stderr.decode()), (0, ""))

    def test_docs_manpage_installed(self):
        if not shutil.which("scdoc"):
            self.skipTest("scdoc not installed (scripts/deps.sh installs it)")
        cmake = shutil.which("cmake")
        if not cmake:
            self.skipTest("cmake not on PATH")
        with tempfile.TemporaryDirectory() as prefix:
            p = subprocess.run([cmake, "--install", build_dir(), "--prefix", prefix],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout.decode())
            installed = os.path.join(prefix, "share", "man", "man1", "logship.1")
            self.assertTrue(os.path.exists(installed), p.stdout.decode())
            self.assertEqual(read(installed), read(os.path.join(build_dir(), "logship.1")))

    def test_docs_manpage_source_has_every_variable(self):
        # The hand-written part alone (no build needed): providers come from the table.
        src = read(MAN_SRC).replace("\\", "")
        full, knobs, other = source_variables()
        assert_names(self, src, full | other, "docs/logship.1.scd")
        assert_names(self, src, {"_" + k for k in knobs}, "docs/logship.1.scd (per-sink knobs)")
        self.assertIn("\n; @PROVIDERS@\n", read(MAN_SRC))

    # -- fly.toml and Dockerfile ---------------------------------------------------------------
    def test_docs_fly_toml_matches_logship(self):
        with open(FLY_TOML, "rb") as f:
            fly = tomllib.load(f)
        services = fly.get("services", [])
        self.assertEqual(len(services), 1)
        svc = services[0]
        self.assertEqual(svc["internal_port"], 8686)
        self.assertFalse(svc.get("ports"), "the service must not be public")
        self.assertTrue(any(c.get("path") == "/health" for c in svc.get("http_checks", [])))
        checks = fly.get("checks", {})
        self.assertTrue(any(c.get("port") == 8686 and c.get("path") == "/health"
                            for c in checks.values()))
        self.assertIn("SUBJECT", fly["env"])
        self.assertEqual(fly.get("metrics", {}).get("port"), 9598)
        mounts = fly["mounts"]
        mounts = mounts[0] if isinstance(mounts, list) else mounts
        dest = mounts["destination"]
        for var in ("LOGSHIP_BUFFER_DIR", "LOGSHIP_DEAD_LETTER_DIR"):
            self.assertTrue(fly["env"][var].startswith(dest + "/"), var)
        self.assertIn(dest, read(DOCKERFILE), "Dockerfile does not document the volume path")
        # Fly must wait longer than logship's own flush deadline (10s) before it kills.
        self.assertGreater(int(fly["kill_timeout"]), 10)
        # Every variable in [env] is one logship reads (or will, for the pending buffer).
        full, _, other = source_variables()
        for var in fly["env"]:
            self.assertIn(var, full | other, "fly.toml sets %s, which logship does not read"
                          % var)
        readme = read(os.path.join(SRC, "deploy", "README.md"))
        self.assertIn("QUEUE", readme)

    def test_docs_dockerfile_shape(self):
        text = read(DOCKERFILE)
        froms = re.findall(r"(?m)^FROM\s+(\S+)", text)
        self.assertEqual(froms, ["debian:bookworm", "debian:bookworm-slim"])
        users = re.findall(r"(?m)^USER\s+(\S+)", text)
        self.assertTrue(users and users[-1].split(":")[0] not in ("0", "root"), users)
        self.assertRegex(text, r"(?m)^EXPOSE\s+8686\s+9598\s*$")
        self.assertRegex(text, r'(?m)^ENTRYPOINT \["/usr/bin/logship"\]$')
        deps = read(os.path.join(SRC, "scripts", "deps.sh"))
        build_stage = text.split("\nFROM debian:bookworm-slim")[0]
        for pkg in sorted(set(re.findall(r"\blib[a-z0-9.+-]*-dev\b", deps))):
            if pkg.startswith("libclang-rt"):
                continue
            self.assertRegex(build_stage, r"\s%s\s" % re.escape(pkg),
                             "deps.sh installs %s, the image build does not" % pkg)

    def test_docs_image_builds_and_runs(self):
        if os.environ.get("LOGSHIP_IMAGE_CHECK") != "1":
            self.skipTest("set LOGSHIP_IMAGE_CHECK=1 to build the image (scripts/image-check.sh;"
                          " minutes, needs Debian's mirror)")
        p = subprocess.run(["bash", os.path.join(SRC, "scripts", "image-check.sh")], cwd=SRC,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, out[-4000:])
        if "SKIP:" in out:
            self.skipTest(out.strip().split("\n")[-1])
        self.assertIn("image-check: OK", out)


if __name__ == "__main__":
    unittest.main()
