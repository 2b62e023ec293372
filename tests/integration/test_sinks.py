"""The local sinks: file (per-app daily files, rotation, gzip of rotated files), console
(json and text lines on stdout) and blackhole (counts only). Most cases feed the fixtures with
--input so the run ends by itself after flushing; blackhole needs a live /metrics, so it reads
from nats-server.
"""

import json
import os
import unittest

import harness
from harness import canon

DATE = "2026-11-23"


def by_app(lines):
    out = {}
    for line in lines:
        out.setdefault(json.loads(line)["fly"]["app"]["name"], []).append(line)
    return out


def text_line(rec):
    # As `fly logs` shows it: the provider (app, runner, proxy), then the instance.
    return "%s %s[%s] %s [%s] %s" % (rec["timestamp"], rec["event"]["provider"],
                                     rec["fly"]["app"]["instance"], rec["fly"]["region"],
                                     rec["log"]["level"], rec["message"])


class Test(unittest.TestCase):
    def setUp(self):
        harness.require_logship(self)
        self.lines = harness.fixture_lines()

    def _run_input(self, env, path=None):
        env = dict(env, NATS_URL="nats://127.0.0.1:1")
        for sink in ("FILE", "CONSOLE"):
            env.setdefault("LOGSHIP_%s_BATCH_TIMEOUT" % sink, "100ms")
        path = path or harness.fixture_path("fly-logs.ndjson")
        ls = harness.start_logship(self, env, args=["--input", path])
        self.assertEqual(ls.wait_exit(30), 0, ls.describe())
        ls.assert_clean(self)
        return ls

    def test_file_sink_writes_app_day_files(self):
        out = harness.temp_dir(self)
        src = os.path.join(harness.temp_dir(self), "in.ndjson")
        orphan = canon({"message": "no app here", "timestamp": DATE + "T11:00:00.5Z"})
        with open(src, "wb") as f:
            f.write(b"\n".join(self.lines + [orphan]) + b"\n")
        ls = self._run_input({"LOGSHIP_FILE_DIR": out}, src)
        self.assertRegex(ls.stderr_text(), r"Configured sinks:.*\bfile\b")
        tree = harness.read_tree(out)
        want = {os.path.join(app, DATE + ".ndjson"): lines
                for app, lines in by_app(self.lines).items()}
        want[os.path.join("_unknown", DATE + ".ndjson")] = [orphan]
        self.assertEqual(sorted(tree), sorted(want))
        for path, lines in want.items():
            self.assertEqual(tree[path], b"".join(line + b"\n" for line in lines), path)

    def test_file_sink_many_apps_and_days_in_one_batch(self):
        # More apps than the sink keeps files open (16), and two days, interleaved in one
        # batch: every record lands in its app's file of its day, in arrival order.
        out = harness.temp_dir(self)
        src = os.path.join(harness.temp_dir(self), "in.ndjson")
        lines = []
        for i in range(200):
            app, day = "app-%02d" % (i % 25), "2026-11-%02d" % (23 + (i // 7) % 2)
            lines.append(canon({"fly": {"app": {"name": app}}, "message": "m%d" % i,
                                "timestamp": day + "T10:00:00.%06dZ" % i}))
        with open(src, "wb") as f:
            f.write(b"\n".join(lines) + b"\n")
        self._run_input({"LOGSHIP_FILE_DIR": out, "LOGSHIP_FILE_BATCH_MAX_EVENTS": "1000"}, src)
        want = {}
        for line in lines:
            rec = json.loads(line)
            path = os.path.join(rec["fly"]["app"]["name"], rec["timestamp"][:10] + ".ndjson")
            want.setdefault(path, []).append(line)
        tree = harness.read_tree(out)
        self.assertEqual(sorted(tree), sorted(want))
        for path, recs in want.items():
            self.assertEqual(tree[path], b"".join(r + b"\n" for r in recs), path)

    def _rotation(self, gzip):
        out = harness.temp_dir(self)
        max_bytes = 20000
        env = {"LOGSHIP_FILE_DIR": out, "LOGSHIP_FILE_MAX_BYTES": str(max_bytes)}
        if gzip:
            env["LOGSHIP_FILE_GZIP"] = "1"
        self._run_input(env)
        tree = harness.read_tree(out)  # gunzips .gz files, raising on a corrupt one
        longest = max(len(line) + 1 for line in self.lines)
        for path, data in tree.items():
            self.assertLessEqual(len(data), max_bytes + longest, path)
            self.assertTrue(data.endswith(b"\n"), "%s ends mid-record" % path)
        for app in by_app(self.lines):
            files = [p for p in tree if p.startswith(app + os.sep)]
            self.assertGreater(len(files), 1, "%s was not rotated: %r" % (app, files))
        gz = [p for p in tree if p.endswith(".gz")]
        if gzip:
            self.assertTrue(gz, "LOGSHIP_FILE_GZIP=1 left no .gz files: %r" % sorted(tree))
        else:
            self.assertFalse(gz)
        harness.assert_same_records(self, harness.tree_lines(out), self.lines, "rotated files")

    def test_file_sink_rotation_keeps_every_record(self):
        self._rotation(gzip=False)

    def test_file_sink_rotation_gzip_keeps_every_record(self):
        self._rotation(gzip=True)

    def test_console_json_prints_records(self):
        ls = self._run_input({"LOGSHIP_CONSOLE": "json"})
        out = [line for line in ls.stdout_bytes().split(b"\n") if line.startswith(b"{")]
        self.assertEqual(out, self.lines)

    def test_console_text_prints_lines(self):
        ls = self._run_input({"LOGSHIP_CONSOLE": "text"})
        out = set(ls.stdout_text().split("\n"))
        self.assertIn("2026-11-23T10:00:00.124378397Z runner[bf33feff9243a8] ord [info] "
                      "INFO [sql] SELECT * FROM users WHERE id = $1 [42] (0.7ms)", out)
        simple = [json.loads(line) for line in self.lines]
        simple = [r for r in simple
                  if all(c >= " " and not "\x7f" <= c <= "\x9f" for c in r["message"])]
        self.assertGreater(len(simple), 100)
        missing = [text_line(r) for r in simple if text_line(r) not in out]
        self.assertFalse(missing, "%d text lines missing, e.g. %r" % (len(missing),
                                                                      missing[:2]))

    def test_blackhole_counts_records(self):
        nats = harness.start_nats(self)
        ls = harness.start_logship(self, {"NATS_URL": nats.url, "LOGSHIP_BLACKHOLE": "1",
                                          "LOGSHIP_BLACKHOLE_BATCH_TIMEOUT": "100ms"})
        ls.wait_healthy(15)
        self.assertRegex(ls.stderr_text(), r"Configured sinks:.*\bblackhole\b")
        harness.nats_publish(nats.url, harness.fixture_records())
        ls.wait_metric("logship_sink_sent_events_total", lambda v: v >= 300, 20,
                       sink="blackhole")
        self.assertEqual(ls.metric("logship_sink_sent_events_total", sink="blackhole"), 300)
        ls.assert_clean(self)


if __name__ == "__main__":
    unittest.main()
