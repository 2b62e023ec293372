#!/usr/bin/env python3
"""Writes the provider reference, docs/providers.md, from the preset table itself.

The table lives in src/preset/ and `logship --providers` prints it as JSON; this script turns
that JSON into the Markdown page (and, for the man page, into a scdoc section), so the docs
cannot drift from what the binary does. tests/integration/test_docs.py runs it with --check
and fails when the committed page differs from the generated one.

Usage:
  scripts/gen-provider-docs.py                     rewrite docs/providers.md
  scripts/gen-provider-docs.py --check             exit 1 (with a diff) if it is out of date
  scripts/gen-provider-docs.py --man SRC -o OUT    copy the man page source SRC to OUT with the
                                                   provider section put in at its marker line;
                                                   with --scdoc PATH, OUT is the rendered page
Options: --bin PATH (default $LOGSHIP_BIN, else build/logship), --json FILE (read the table
from FILE instead of running the binary; '-' = stdin).

Standard library only. Works for any number of rows and ignores fields it does not know, so
new columns in the table do not break it.
"""

import argparse
import difflib
import json
import os
import re
import subprocess
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DEFAULT_OUT = os.path.join(REPO, "docs", "providers.md")
# The scdoc comment line in docs/logship.1.scd that the provider section replaces.
MAN_MARKER = "; @PROVIDERS@"
DEFAULT_BATCH_BYTES = 1000000
DEFAULT_BATCH_MS = 1000


# -- reading the table ---------------------------------------------------------------------------
def load_table(args):
    if args.json:
        if args.json == "-":
            return json.load(sys.stdin)
        with open(args.json, encoding="utf-8") as f:
            return json.load(f)
    binary = args.bin or os.environ.get("LOGSHIP_BIN") or os.path.join(REPO, "build", "logship")
    # The binary sees no configuration of ours: --providers must not depend on the environment.
    env = {"PATH": os.environ.get("PATH", os.defpath)}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    try:
        p = subprocess.run([binary, "--providers"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60, check=False)
    except OSError as e:
        sys.exit("gen-provider-docs: cannot run %s: %s" % (binary, e))
    if p.returncode != 0:
        sys.exit("gen-provider-docs: %s --providers exited %d: %s" % (
            binary, p.returncode, p.stderr.decode("utf-8", "replace")[-2000:]))
    try:
        table = json.loads(p.stdout)
    except ValueError as e:
        sys.exit("gen-provider-docs: %s --providers printed invalid JSON: %s" % (binary, e))
    if not isinstance(table, list):
        sys.exit("gen-provider-docs: expected a JSON array of providers")
    return table


# -- helpers shared by both outputs --------------------------------------------------------------
def variables(row):
    return [v for v in row.get("vars") or [] if isinstance(v, dict) and v.get("name")]


def activation(row):
    """(required names, one-of names): the variables that turn the provider on."""
    vs = variables(row)
    return ([v["name"] for v in vs if v.get("required")],
            [v["name"] for v in vs if v.get("one_of")])


def size_text(n):
    for unit, div in (("GB", 1000 ** 3), ("MB", 1000 ** 2), ("kB", 1000)):
        if n >= div and n % div == 0:
            return "%d %s" % (n // div, unit)
    return "{:,} bytes".format(n)


def duration_text(ms):
    if ms % 1000 == 0:
        return "%d s" % (ms // 1000)
    return "%d ms" % ms


def batching_text(row):
    events = row.get("batch_max_events") or 0
    nbytes = row.get("batch_max_bytes") or DEFAULT_BATCH_BYTES
    ms = row.get("batch_timeout_ms") or DEFAULT_BATCH_MS
    parts = []
    parts.append("%s events" % "{:,}".format(events) if events else "no event cap")
    parts.append(size_text(nbytes))
    parts.append(duration_text(ms))
    return " / ".join(parts)


# -- Markdown ------------------------------------------------------------------------------------
def code(text):
    """Inline code that survives backticks in the text."""
    text = str(text)
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return "%s%s%s%s%s" % (fence, pad, text, pad, fence)


CODE_SPAN = re.compile(r"(`+)(.+?)\1")
FLANKING_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def md_text(text):
    """Prose from the table as Markdown: outside `code` spans, characters that Markdown would
    take as markup (<app> as an HTML tag, * and word-edge _ as emphasis) are escaped."""
    out, pos, text = [], 0, str(text)

    def esc(part):
        part = part.replace("\\", "\\\\").replace("<", "&lt;").replace("*", "\\*")
        return FLANKING_UNDERSCORE.sub(r"\\_", part)
    for m in CODE_SPAN.finditer(text):
        out.append(esc(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def cell(text):
    """Table cell text: Markdown escaped, pipes escaped (in code too), newlines folded."""
    return md_text(text).replace("|", "\\|").replace("\n", " ")


def cell_code(text):
    return code(text).replace("|", "\\|")


def anchor(name):
    out = []
    for ch in name.lower():
        if ch.isalnum() or ch in "-_":
            out.append(ch)
        elif ch == " ":
            out.append("-")
    return "".join(out)


def turned_on_by(row):
    req, one = activation(row)
    parts = [code(n) for n in req]
    if one:
        parts.append("one of " + ", ".join(code(n) for n in one))
    return " + ".join(parts) if parts else "—"


def markdown(table):
    out = []
    w = out.append
    w("# Provider reference")
    w("")
    w("<!-- Generated by scripts/gen-provider-docs.py from `logship --providers`. Do not edit:")
    w("     change the preset table in src/preset/ and run scripts/gen-provider-docs.py. -->")
    w("")
    w("Each provider is one row of logship's preset table. As with fly-log-shipper, a provider "
      "is on when the variables that turn it on are set (its *required* ones, and one of its "
      "*one of* ones where it has them); setting only some of them is a configuration error "
      "naming the missing variable. Several providers can be on at once. `logship --check` "
      "shows which are on, with secrets masked.")
    w("")
    w("Every provider also takes the per-sink knobs `LOGSHIP_<SINK>_SUBJECT`, "
      "`_BATCH_MAX_EVENTS`, `_BATCH_MAX_BYTES`, `_BATCH_TIMEOUT`, `_CONCURRENCY`, "
      "`_REQUEST_TIMEOUT`, `_RETRY_INITIAL_BACKOFF`, `_RETRY_MAX_BACKOFF`, "
      "`_RETRY_MAX_ATTEMPTS`, `_QUEUE_MAX_EVENTS`, `_QUEUE_FULL_WAIT`, `_COMPRESSION`, "
      "`_COMPRESSION_LEVEL` and `_ENDPOINT` (see logship(1)); `<SINK>` is the provider's knob "
      "prefix below. Its name is the `sink` label in `/metrics` and the key in `/health`.")
    w("")
    w("Where a provider below shows 1,000,000 batch bytes and Vector's sink used 10,000,000 "
      "(the http family, Axiom, Sematext, Mezmo and the others built on Vector's http sink), "
      "that is a deliberate difference: logship builds a batch's body whole before compressing "
      "it, so the limit bounds its memory under load. It changes only how a high record rate "
      "is cut into requests, never the records or their framing; "
      "`LOGSHIP_<SINK>_BATCH_MAX_BYTES=10000000` restores Vector's limit.")
    w("")
    w("In a request URL, a variable's value that lands in the path or query (a dataset, a "
      "source token) is percent-encoded (RFC 3986: `A-Za-z0-9-._~` kept, `/` and everything "
      "else as `%XX`), so it stays one path segment or one query value. Values that make the "
      "scheme, host or a whole base URL (`HTTP_URL`, `HUMIO_ENDPOINT`, "
      "`BETTER_STACK_INGESTING_HOST`, `DATADOG_SITE`, ...) are used as they are.")
    w("")
    w("%d provider%s:" % (len(table), "" if len(table) == 1 else "s"))
    w("")
    w("| provider | turned on by | kind | what it sends |")
    w("|---|---|---|---|")
    for row in table:
        name = row.get("name", "?")
        w("| [%s](#%s) | %s | %s | %s |" % (
            cell(name), anchor(name), turned_on_by(row).replace("|", "\\|"),
            cell(row.get("kind") or ""), cell(row.get("doc") or "")))
    for row in table:
        name = row.get("name", "?")
        w("")
        w("## %s" % name)
        w("")
        if row.get("doc"):
            w(md_text(row["doc"]))
            w("")
        vs = variables(row)
        if vs:
            w("| variable | needed | secret | default | meaning |")
            w("|---|---|---|---|---|")
            for v in vs:
                if v.get("required"):
                    need = "required"
                elif v.get("one_of"):
                    need = "one of"
                else:
                    need = "optional"
                if v.get("empty_ok"):
                    need += " (empty counts as set)"
                default = v.get("default")
                w("| %s | %s | %s | %s | %s |" % (
                    cell_code(v["name"]), need, "yes" if v.get("secret") else "no",
                    cell(default) if default is not None else "—", cell(v.get("doc") or "")))
            w("")
        facts = []
        if row.get("env_name"):
            facts.append(("Knob prefix", code("LOGSHIP_%s_" % row["env_name"])))
        if row.get("url"):
            facts.append(("Request", "%s %s" % (row.get("method") or "POST", code(row["url"]))))
        if row.get("content_type"):
            facts.append(("Content-Type", code(row["content_type"])))
        facts.append(("Batch limits (events / bytes / age)", batching_text(row)))
        facts.append(("Compression", code(row.get("compression") or "none")))
        for label, text in facts:
            w("- %s: %s" % (label, text))
        headers = row.get("headers") or []
        if headers:
            w("- Headers (a header whose value expands to nothing is not sent):")
            for h in headers:
                w("  - %s" % code(h))
        diffs = row.get("differences") or []
        if diffs:
            w("")
            w("Differences from fly-log-shipper:")
            w("")
            for d in diffs:
                w("- %s" % md_text(d))
    w("")
    return "\n".join(out)


# -- scdoc (man page section) --------------------------------------------------------------------
def sc(text):
    """scdoc text: backslash, * and _ are markup, so escape them."""
    out = []
    for ch in str(text):
        if ch in "\\*_":
            out.append("\\")
        out.append(ch)
    return "".join(out)


def scdoc_section(table):
    out = []
    w = out.append
    w("# PROVIDERS")
    w("")
    w("Generated from the preset table (*logship --providers*); the same table is "
      "docs/providers.md. A provider is on when the variables marked required (and one of "
      "those marked one-of, where there are any) are set; each also takes the per-sink knobs "
      "above with its knob prefix as _SINK_. A variable's value that lands in a URL's path or "
      "query is percent-encoded (RFC 3986); values that make the scheme, host or a whole base "
      "URL are used as they are.")
    w("")
    for row in table:
        name = row.get("name", "?")
        w("## %s" % name)  # scdoc takes headings literally: no escapes
        w("")
        line = sc(row.get("doc") or "")
        if row.get("env_name"):
            line += " Knob prefix: *LOGSHIP\\_%s\\_*." % sc(row["env_name"])
        w(line.strip())
        w("")
        for v in variables(row):
            flags = []
            if v.get("required"):
                flags.append("required")
            if v.get("one_of"):
                flags.append("one of")
            if v.get("secret"):
                flags.append("secret")
            head = "*%s*" % sc(v["name"])
            if flags:
                head += " (%s)" % ", ".join(flags)
            w(head)
            body = sc(v.get("doc") or "")
            if v.get("default") is not None:
                body += "; default: %s" % sc(v["default"])
            w("\t" + (body or "-"))
            w("")
    return "\n".join(out).rstrip("\n") + "\n"


def splice_man(src_path, table):
    with open(src_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if MAN_MARKER not in lines:
        sys.exit("gen-provider-docs: %s has no line %r" % (src_path, MAN_MARKER))
    i = lines.index(MAN_MARKER)
    return "\n".join(lines[:i]) + "\n" + scdoc_section(table) + "\n".join(lines[i + 1:])


# -- main ----------------------------------------------------------------------------------------
def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except OSError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="Generate the provider reference from logship's "
                                             "preset table.")
    ap.add_argument("--bin", help="the logship binary (default $LOGSHIP_BIN, else build/logship)")
    ap.add_argument("--json", help="read the table from this file ('-' = stdin)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the output file instead of writing it; exit 1 if stale")
    ap.add_argument("--man", metavar="SRC", help="splice the provider section into this scdoc "
                                                 "source instead of writing the Markdown page")
    ap.add_argument("--scdoc", metavar="PATH", help="with --man: render the page with this "
                                                    "scdoc and write the roff to OUT")
    ap.add_argument("-o", "--output", help="output file (default docs/providers.md; with --man "
                                           "required)")
    args = ap.parse_args()
    table = load_table(args)

    if args.man:
        if not args.output:
            ap.error("--man needs -o OUT")
        text = splice_man(args.man, table)
        if args.scdoc:
            p = subprocess.run([args.scdoc], input=text.encode("utf-8"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60, check=False)
            if p.returncode != 0:
                sys.exit("gen-provider-docs: scdoc failed: %s" %
                         p.stderr.decode("utf-8", "replace").strip())
            text = p.stdout.decode("utf-8")
        write_if_changed(args.output, text)
        return 0

    out = args.output or DEFAULT_OUT
    text = markdown(table)
    if args.check:
        try:
            with open(out, encoding="utf-8") as f:
                current = f.read()
        except OSError as e:
            print("gen-provider-docs: cannot read %s: %s" % (out, e), file=sys.stderr)
            return 1
        if current == text:
            return 0
        diff = difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                    os.path.relpath(out, REPO) + " (committed)",
                                    "generated from logship --providers")
        sys.stderr.write("".join(diff))
        print("gen-provider-docs: %s is out of date; run scripts/gen-provider-docs.py" %
              os.path.relpath(out, REPO), file=sys.stderr)
        return 1
    write_if_changed(out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
