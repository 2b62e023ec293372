#!/usr/bin/env bash
# End-to-end benchmark runner (see bench/README.md). On one nats-server started here on a free
# loopback port, with the same pre-generated Fly-shaped records, it runs the scenarios named in
# BENCH_SCENARIOS (default: all but soak):
#   baseline   raw nats.c subscriber that only counts (bench/raw_sub)
#   blackhole  logship -> blackhole sink
#   http       logship -> http sink, gzip, into bench/receiver
#   loaded     the same, paced at 40% of the baseline rate for BENCH_LOADED_SECONDS: full load
#              that must lose nothing (CPU per record and peak RSS without a burst backlog)
#   three      logship -> http gzip + loki + file at once (unavailable without a loki provider)
#   latency    http gzip, publishing paced at BENCH_LATENCY_RATE with publish stamps: p50/p99/max
#   steadybase raw_sub paced like steady: what receiving alone costs at that rate
#   steady     http gzip, paced at BENCH_STEADY_RATE for BENCH_STEADY_SECONDS: CPU % and RSS
#   sustained  blackhole at 80% of the baseline rate for BENCH_SUSTAINED_SECONDS: drops
#   stdin      logship --input - (payload lines on stdin) -> http, no compression
#   syslogng   syslog-ng file() -> http() (batched JSON array), no compression, same receiver
#   compress   bench/compress_bench on the same records (compression alone)
#   soak       http gzip at BENCH_SOAK_RATE for BENCH_SOAK_SECONDS, RSS series (bench/soak.sh)
# and prints events/s as a ratio to the baseline of this run, MB/s, CPU per million events,
# peak and idle RSS, loss counted outside logship wherever a receiver exists, and the issue's
# targets next to what was measured. Benchmarks are not tests: nothing here fails on a target.
#
# Environment (all optional; README.md has the full list):
#   BENCH_COUNT=1000000        messages per unpaced scenario   BENCH_RATE=0  msgs/s (0 = max)
#   BENCH_SCENARIOS="..."      BENCH_RECORDS=50000 distinct records   BENCH_INPUT=FILE
#   BENCH_BUILD_DIR=build      BENCH_OUT_DIR=$BENCH_BUILD_DIR/bench    BENCH_NO_BUILD=1
#   BENCH_TIMEOUT=120          per-scenario cap, seconds    BENCH_STALL=5 s without progress = done
#   BENCH_LATENCY_RATE=20000 BENCH_LATENCY_SECONDS=20   BENCH_STEADY_RATE=50000
#   BENCH_STEADY_SECONDS=30    BENCH_SUSTAINED_SECONDS=60   BENCH_BASELINE_RATE (sustained, loaded)
#   BENCH_LOADED_SECONDS=20
#   BENCH_SOAK_RATE=50000 BENCH_SOAK_SECONDS=600 BENCH_SOAK_SAMPLE=10
#   BENCH_PERF="http ..."      perf record -g logship in these scenarios (report in OUT_DIR)
#   BENCH_LOG_LEVEL=warn  BENCH_LOGSHIP_ENV="K=V ..."  LOGSHIP_BIN  NATS_SERVER  SYSLOG_NG
#   BENCH_NO_INSTALL=1         never apt-get install syslog-ng (the scenario is then unavailable)
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

DEFAULT_SCENARIOS="baseline blackhole http loaded three latency steadybase steady sustained stdin syslogng compress"
COUNT=${BENCH_COUNT:-1000000}
RATE=${BENCH_RATE:-0}
SCENARIOS=${BENCH_SCENARIOS:-$DEFAULT_SCENARIOS}
RECORDS=${BENCH_RECORDS:-50000}
BUILD_DIR=${BENCH_BUILD_DIR:-build}
OUT_DIR=${BENCH_OUT_DIR:-$BUILD_DIR/bench}
TIMEOUT=${BENCH_TIMEOUT:-120}
STALL=${BENCH_STALL:-5}
LOG_LEVEL=${BENCH_LOG_LEVEL:-warn}
NATS_SERVER=${NATS_SERVER:-nats-server}
SYSLOG_NG=${SYSLOG_NG:-syslog-ng}
LOGSHIP=${LOGSHIP_BIN:-$BUILD_DIR/logship}
LAT_RATE=${BENCH_LATENCY_RATE:-20000}
LAT_SECONDS=${BENCH_LATENCY_SECONDS:-20}
STEADY_RATE=${BENCH_STEADY_RATE:-50000}
STEADY_SECONDS=${BENCH_STEADY_SECONDS:-30}
SUSTAINED_SECONDS=${BENCH_SUSTAINED_SECONDS:-60}
LOADED_SECONDS=${BENCH_LOADED_SECONDS:-20}
SOAK_RATE=${BENCH_SOAK_RATE:-50000}
SOAK_SECONDS=${BENCH_SOAK_SECONDS:-600}
SOAK_SAMPLE=${BENCH_SOAK_SAMPLE:-10}
PERF_SCENARIOS=${BENCH_PERF:-}
COMPRESS_BATCH=${BENCH_COMPRESS_BATCH:-1000000}
POLL=0.1

die() {
    echo "bench: $*" >&2
    exit 1
}
note() { echo "bench: $*" >&2; }

for v in COUNT RATE RECORDS TIMEOUT STALL LAT_RATE LAT_SECONDS STEADY_RATE STEADY_SECONDS \
    SUSTAINED_SECONDS LOADED_SECONDS SOAK_RATE SOAK_SECONDS SOAK_SAMPLE COMPRESS_BATCH; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer (got '${!v}')"
done
for s in $SCENARIOS; do
    case " $DEFAULT_SCENARIOS soak " in *" $s "*) ;; *) die "unknown scenario $s" ;; esac
done
# sustained and loaded pace at a share of the baseline rate of this run: measure it first
# unless given.
case " $SCENARIOS " in *" sustained "* | *" loaded "*)
    if [ -z "${BENCH_BASELINE_RATE:-}" ] && [[ " $SCENARIOS " != *" baseline "* ]]; then
        note "sustained/loaded need the baseline rate: running baseline first (or set BENCH_BASELINE_RATE)"
        SCENARIOS="baseline $SCENARIOS"
    fi
    ;;
esac

# Only our own still-running background jobs are stopped, by pid; reaped ones are not listed.
cleanup() {
    local p
    for p in $(jobs -p); do
        kill "$p" 2>/dev/null
    done
    wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kv FILE KEY: value of KEY=... on the last line of FILE that has it.
kv() { tr ' ' '\n' <"$1" 2>/dev/null | sed -n "s/^$2=//p" | tail -n 1; }

# Float arithmetic and formatting through awk: calc 'expr' [fmt].
calc() { awk "BEGIN { v = $1; printf \"${2:-%.3f}\", v }" 2>/dev/null; }

# metric URL NAME [LABEL]: sum of Prometheus samples NAME{...LABEL...}; empty when absent.
metric() {
    curl -s --max-time 2 "$1" 2>/dev/null | awk -v n="$2" -v l="${3:-}" '
        $1 ~ ("^" n "([{]|$)") && (l == "" || index($1, l)) { s += $NF; f = 1 }
        END { if (f) printf "%.0f\n", s }'
}

# json_num JSON KEY: integer value of "KEY": in a flat JSON object.
json_num() { grep -o "\"$2\": *-\?[0-9]*" <<<"$1" | head -n 1 | sed 's/.*: *//'; }

proc_cpu() { # utime+stime seconds of a live pid (all threads)
    local tck
    tck=$(getconf CLK_TCK)
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v t="$tck" '{ printf "%.3f", ($12 + $13) / t }'
}
proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

# A child that exited but was not yet reaped still answers kill -0; look at its state instead.
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]; }

wait_line() { # FILE REGEX SECONDS PID: wait until FILE has a matching line while PID lives
    local end=$(($(date +%s) + $3))
    while ! grep -q "$2" "$1" 2>/dev/null; do
        alive "$4" || return 1
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.02
    done
}

wait_exit() { # PID SECONDS: 0 when it exited in time
    local end=$(($(date +%s%N) + $2 * 1000000000))
    while alive "$1"; do
        [ "$(date +%s%N)" -lt "$end" ] || return 1
        sleep 0.05
    done
}

# Runs a command as a child of a small Python parent that reports its resource usage, because
# a process that exits on its own (logship --input at EOF) can no longer be read in /proc:
# OUTFILE gets "pid=N" at start and "cpu=S maxrss_kb=K status=C" at exit (wait4's rusage of
# the child alone). SIGTERM/SIGINT to the parent are passed on.
RUSAGE_PY='
import os, signal, sys
out, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
with open(out, "w") as f:
    f.write("pid=%d\n" % pid)
def fwd(sig, frame):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
signal.signal(signal.SIGTERM, fwd)
signal.signal(signal.SIGINT, fwd)
_, status, ru = os.wait4(pid, 0)
with open(out, "a") as f:
    f.write("cpu=%.3f maxrss_kb=%d status=%d\n" % (ru.ru_utime + ru.ru_stime, ru.ru_maxrss,
                                                   os.waitstatus_to_exitcode(status)))
'

# ---- build ------------------------------------------------------------------------------
need_logship=0
for s in $SCENARIOS; do
    case $s in baseline | steadybase | syslogng | compress) ;; *) need_logship=1 ;; esac
done
if [ -z "${BENCH_NO_BUILD:-}" ]; then
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
        cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null || die "cmake configure failed"
    fi
    targets="publisher raw_sub receiver compress_bench lib_floor"
    [ "$need_logship" = 1 ] && [ -z "${LOGSHIP_BIN:-}" ] && targets="$targets logship"
    # shellcheck disable=SC2086
    cmake --build "$BUILD_DIR" -j2 --target $targets >"$BUILD_DIR/bench-build.log" 2>&1 ||
        die "build failed (see $BUILD_DIR/bench-build.log)"
fi
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
SANITIZE=$(sed -n 's/^LOGSHIP_SANITIZE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
[ "$BUILD_TYPE" = Release ] || note "warning: $BUILD_DIR is a '${BUILD_TYPE:-?}' build, not Release"
[ "${SANITIZE:-OFF}" = OFF ] || note "warning: $BUILD_DIR has LOGSHIP_SANITIZE=$SANITIZE; numbers mean little"
for t in publisher raw_sub receiver compress_bench lib_floor; do
    [ -x "$BUILD_DIR/bench/$t" ] || die "missing $BUILD_DIR/bench/$t"
done
[ "$need_logship" = 0 ] || [ -x "$LOGSHIP" ] || die "missing logship binary $LOGSHIP"
command -v "$NATS_SERVER" >/dev/null || die "nats-server not found (set NATS_SERVER)"
PUB=$BUILD_DIR/bench/publisher
SUB=$BUILD_DIR/bench/raw_sub
RECV=$BUILD_DIR/bench/receiver
CBENCH=$BUILD_DIR/bench/compress_bench
# The idle-memory baseline: logship's libraries loaded and initialised, nothing else.
FLOOR_KB=$(kv <("$BUILD_DIR/bench/lib_floor" 2>/dev/null) rss_kb)
FLOOR_ANON_KB=$(kv <("$BUILD_DIR/bench/lib_floor" 2>/dev/null) anon_kb)
HAVE_LOKI=0
if [ "$need_logship" = 1 ] && [[ $("$LOGSHIP" --providers 2>/dev/null) =~ \"name\":\ *\"loki\" ]]; then
    HAVE_LOKI=1
fi

# ---- records ----------------------------------------------------------------------------
mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"
if [ -n "${BENCH_INPUT:-}" ]; then
    INPUT=$BENCH_INPUT
else
    INPUT=$OUT_DIR/records-$RECORDS.ndjson
    if [ ! -s "$INPUT" ]; then
        if ! python3 bench/gen_records.py --count "$RECORDS" --out "$INPUT.tmp"; then
            die "gen_records.py failed"
        fi
        mv "$INPUT.tmp" "$INPUT" || die "cannot write $INPUT"
    fi
fi
[ -s "$INPUT" ] || die "no input records at $INPUT"

# payloads OUT N: the payloads of INPUT, one per line, cycled to N lines (0 = each once). The
# file sources (stdin, syslogng) and compress_bench read the same bytes the publisher sends.
PAYLOADS_PY='
import json, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = []
with open(src, encoding="utf-8") as f:
    for line in f:
        if line.strip():
            lines.append(json.loads(line)["payload"].replace("\n", " ") + "\n")
n = n or len(lines)
with open(out, "w", encoding="utf-8") as f:
    full, rest = divmod(n, len(lines))
    for _ in range(full):
        f.writelines(lines)
    f.writelines(lines[:rest])
'
payloads() {
    [ -s "$1" ] && [ "$1" -nt "$INPUT" ] && return 0
    python3 -c "$PAYLOADS_PY" "$INPUT" "$1.tmp" "$2" && mv "$1.tmp" "$1"
}
input_tag=$(basename "$INPUT" .ndjson)

# ---- nats-server ------------------------------------------------------------------------
NPORT=$(free_port)
NMON=$(free_port)
"$NATS_SERVER" -a 127.0.0.1 -p "$NPORT" -m "$NMON" >"$OUT_DIR/nats-server.log" 2>&1 &
NATS_PID=$!
NURL=nats://127.0.0.1:$NPORT
for _ in $(seq 200); do
    curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$NMON/healthz" && break
    alive "$NATS_PID" || die "nats-server exited (see $OUT_DIR/nats-server.log)"
    sleep 0.05
done
slow_consumers() {
    local v
    v=$(json_num "$(curl -s --max-time 2 "http://127.0.0.1:$NMON/varz")" slow_consumers)
    echo "${v:-0}"
}

note "count=$COUNT rate=${RATE:-0} input=$INPUT nats=$NURL out=$OUT_DIR scenarios: $SCENARIOS"

# Results per scenario: R[<scenario>.<field>].
declare -A R

# start_publisher OUTFILE COUNT RATE [--stamp]
start_publisher() {
    "$PUB" --url "$NURL" --input "$INPUT" --count "$2" --rate "$3" ${4:+"$4"} >"$1" 2>&1 &
    PUB_PID=$!
}

finish_publisher() { # OUTFILE SCENARIO TIMEOUT
    wait_exit "$PUB_PID" "$3" || kill "$PUB_PID" 2>/dev/null
    wait "$PUB_PID" 2>/dev/null
    R[$2.sent]=$(kv "$1" sent)
    R[$2.sent_bytes]=$(kv "$1" bytes)
    R[$2.pub_start]=$(kv "$1" start_ns)
    R[$2.pub_rate]=$(kv "$1" rate)
}

# Derived figures of one scenario, once sent/received/pub_start/last_ns are known.
derive() {
    local s=$1 sent recv start last
    sent=${R[$s.sent]:-0}
    recv=${R[$s.received]:-0}
    start=${R[$s.pub_start]:-0}
    last=${R[$s.last_ns]:-0}
    if [ -n "${R[$s.sent]:-}" ] && [ -n "${R[$s.received]:-}" ]; then
        R[$s.lost]=$((sent > recv ? sent - recv : 0))
        R[$s.duplicates]=$((recv > sent ? recv - sent : 0))
    fi
    if [ "$recv" -gt 0 ] && [ "$start" -gt 0 ] && [ "$last" -gt "$start" ]; then
        R[$s.elapsed]=$(calc "($last - $start) / 1e9" %.3f)
        R[$s.rate]=$(calc "$recv / ${R[$s.elapsed]}" %.0f)
        # Payload MB/s: what was delivered, in the publisher's (uncompressed) bytes.
        R[$s.mbps]=$(calc "${R[$s.sent_bytes]:-0} * ($recv / $sent) / ${R[$s.elapsed]} / 1e6" %.1f)
        if [ -n "${R[$s.cpu]:-}" ]; then
            R[$s.cpu_per_m]=$(calc "${R[$s.cpu]} / ($recv / 1e6)" %.2f)
            R[$s.cpu_pct]=$(calc "100 * ${R[$s.cpu]} / ${R[$s.elapsed]}" %.1f)
        fi
    fi
}

scenario_timeout() { # COUNT RATE: BENCH_TIMEOUT, raised to a paced run's duration + 30 s
    local t=$TIMEOUT
    [ "$2" -gt 0 ] && [ $(($1 / $2 + 30)) -gt "$t" ] && t=$(($1 / $2 + 30))
    echo "$t"
}

run_baseline() { # [SCENARIO COUNT RATE]: baseline, or steadybase (paced like steady)
    local s=${1:-baseline} count=${2:-$COUNT} rate=${3:-$RATE}
    local sub_out=$OUT_DIR/$s.sub.out pub_out=$OUT_DIR/$s.pub.out
    local sc0
    R[$s.target_rate]=$rate
    sc0=$(slow_consumers)
    "$SUB" --url "$NURL" --subject 'logs.>' --count "$count" --idle-timeout "$((STALL * 1000))" \
        --first-timeout "$((TIMEOUT * 1000))" >"$sub_out" 2>&1 &
    local sub_pid=$!
    wait_line "$sub_out" '^ready' 20 "$sub_pid" || {
        R[$s.error]="raw_sub did not subscribe"
        return
    }
    R[$s.idle_rss_kb]=$(proc_kb "$sub_pid" VmRSS)
    start_publisher "$pub_out" "$count" "$rate"
    local limit
    limit=$(scenario_timeout "$count" "$rate")
    wait_exit "$sub_pid" "$((limit + STALL))" || kill "$sub_pid" 2>/dev/null
    wait "$sub_pid" 2>/dev/null
    finish_publisher "$pub_out" "$s" "$limit"
    R[$s.received]=$(kv "$sub_out" count)
    R[$s.recv_bytes]=$(kv "$sub_out" bytes)
    R[$s.client_dropped]=$(kv "$sub_out" dropped)
    R[$s.cpu]=$(kv "$sub_out" cpu)
    R[$s.peak_rss_kb]=$(kv "$sub_out" maxrss_kb)
    R[$s.last_ns]=$(kv "$sub_out" last_ns)
    R[$s.counted_by]=subscriber
    R[$s.slow_consumers]=$(($(slow_consumers) - sc0))
}

start_receiver() { # SCENARIO: sets RECV_PID and RPORT, 1 on failure
    local out=$OUT_DIR/$1.recv.out
    "$RECV" --port 0 --threads 2 >"$out" 2>&1 &
    RECV_PID=$!
    wait_line "$out" '^port=' 10 "$RECV_PID" || {
        R[$1.error]="receiver did not start"
        return 1
    }
    RPORT=$(kv "$out" port)
}

stop_receiver() { # SCENARIO: final counts from /stats, then stop it
    local s=$1 stats
    stats=$(curl -s --max-time 2 "http://127.0.0.1:$RPORT/stats")
    R[$s.http_received]=$(json_num "$stats" records)
    R[$s.http_last_ns]=$(json_num "$stats" last_ns)
    R[$s.loki_received]=$(json_num "$stats" loki_records)
    R[$s.loki_last_ns]=$(json_num "$stats" loki_last_ns)
    R[$s.wire_bytes]=$(json_num "$stats" bytes)
    R[$s.recv_bytes]=$(json_num "$stats" decoded_bytes)
    R[$s.requests]=$(json_num "$stats" requests)
    R[$s.bad_requests]=$(json_num "$stats" bad_requests)
    R[$s.lat_count]=$(json_num "$stats" lat_count)
    R[$s.lat_p50_us]=$(json_num "$stats" lat_p50_us)
    R[$s.lat_p99_us]=$(json_num "$stats" lat_p99_us)
    R[$s.lat_max_us]=$(json_num "$stats" lat_max_us)
    kill -TERM "$RECV_PID" 2>/dev/null
    wait "$RECV_PID" 2>/dev/null
}

# The http sink's batch timeout as logship resolves it (the latency target is relative to it).
http_batch_timeout() {
    # shellcheck disable=SC2086
    env -i PATH="$PATH" NATS_URL="$NURL" HTTP_URL=http://127.0.0.1:9/ ${BENCH_LOGSHIP_ENV:-} \
        "$LOGSHIP" --check 2>/dev/null |
        awk '/^sink / { on = ($2 == "http") } on && match($0, /timeout_ms=[0-9]+/) {
                 print substr($0, RSTART + 11, RLENGTH - 11); exit }'
}

perf_start() { # SCENARIO PID: perf record -g when the scenario is in BENCH_PERF
    PERF_PID=""
    case " $PERF_SCENARIOS " in *" $1 "*) ;; *) return ;; esac
    command -v perf >/dev/null || {
        note "perf not found; no profile for $1"
        return
    }
    perf record -g -o "$OUT_DIR/$1.perf.data" -p "$2" >"$OUT_DIR/$1.perf.log" 2>&1 &
    PERF_PID=$!
}

perf_stop() { # SCENARIO
    [ -n "${PERF_PID:-}" ] || return
    kill -INT "$PERF_PID" 2>/dev/null
    wait "$PERF_PID" 2>/dev/null
    # Flat: CPU by thread (logship names its threads), then by symbol; the call graphs stay in
    # the .data file for perf report -i (a Release build without frame pointers gives poor ones).
    {
        echo "== by thread"
        perf report -i "$OUT_DIR/$1.perf.data" --stdio --no-children -g none --sort comm 2>/dev/null |
            grep -v '^#' | grep -v '^$'
        echo "== by thread and library (>= 1%)"
        perf report -i "$OUT_DIR/$1.perf.data" --stdio --no-children -g none --percent-limit 1 \
            --sort comm,dso 2>/dev/null | grep -v '^#' | grep -v '^$'
        echo "== by symbol (>= 0.5%)"
        perf report -i "$OUT_DIR/$1.perf.data" --stdio --no-children -g none --percent-limit 0.5 \
            --sort comm,dso,symbol 2>/dev/null | grep -v '^#' | grep -v '^$'
    } >"$OUT_DIR/$1.perf.txt"
    R[$1.profiled]=1
    PERF_PID=""
}

# run_logship SCENARIO: one logship process fed by the publisher.
run_logship() {
    local s=$1
    local log=$OUT_DIR/$s.logship.log pub_out=$OUT_DIR/$s.pub.out
    local hport mport sc0 count=$COUNT rate=$RATE stamp="" http=0 loki=0 file=0 blackhole=0
    local filedir=$OUT_DIR/$s.files
    local -a env=()
    RECV_PID=""
    case $s in
    blackhole) blackhole=1 ;;
    http) http=1 ;;
    three)
        if [ "$HAVE_LOKI" = 0 ]; then
            R[$s.error]="unavailable: $LOGSHIP --providers lists no loki"
            R[$s.unavailable]=1
            return
        fi
        http=1 loki=1 file=1
        ;;
    latency)
        http=1 rate=$LAT_RATE count=$((LAT_RATE * LAT_SECONDS)) stamp=--stamp
        R[$s.batch_timeout_ms]=$(http_batch_timeout)
        ;;
    steady) http=1 rate=$STEADY_RATE count=$((STEADY_RATE * STEADY_SECONDS)) ;;
    soak) http=1 rate=$SOAK_RATE count=$((SOAK_RATE * SOAK_SECONDS)) ;;
    sustained | loaded)
        local base=${BENCH_BASELINE_RATE:-${R[baseline.rate]:-}}
        base=${base%.*}
        if [ -z "$base" ] || [ "$base" -le 0 ]; then
            R[$s.error]="no baseline rate (baseline failed; set BENCH_BASELINE_RATE)"
            return
        fi
        if [ "$s" = sustained ]; then
            blackhole=1 rate=$((base * 8 / 10)) count=$((base * 8 / 10 * SUSTAINED_SECONDS))
        else
            http=1 rate=$((base * 4 / 10)) count=$((base * 4 / 10 * LOADED_SECONDS))
        fi
        ;;
    esac
    R[$s.target_rate]=$rate
    local timeout
    timeout=$(scenario_timeout "$count" "$rate")
    sc0=$(slow_consumers)
    if [ "$http" = 1 ]; then
        start_receiver "$s" || return
        env+=("HTTP_URL=http://127.0.0.1:$RPORT/" LOGSHIP_HTTP_COMPRESSION=gzip)
    fi
    if [ "$loki" = 1 ]; then
        # The receiver tells Loki pushes apart by their path; the endpoint knob is the
        # documented way to point a provider at a test server.
        env+=("LOKI_URL=http://127.0.0.1:$RPORT" LOKI_USERNAME=bench LOKI_PASSWORD=bench
            "LOGSHIP_LOKI_ENDPOINT=http://127.0.0.1:$RPORT")
    fi
    if [ "$file" = 1 ]; then
        rm -rf "$filedir"
        mkdir -p "$filedir" || {
            R[$s.error]="cannot create $filedir"
            return
        }
        env+=("LOGSHIP_FILE_DIR=$filedir")
    fi
    [ "$blackhole" = 1 ] && env+=(LOGSHIP_BLACKHOLE=1)
    hport=$(free_port)
    mport=$(free_port)
    # env -i: nothing from the caller's environment (sink variables, tokens) leaks in.
    # shellcheck disable=SC2086
    env -i PATH="$PATH" NATS_URL="$NURL" SUBJECT='logs.>' \
        LOGSHIP_HEALTH_ADDR="127.0.0.1:$hport" LOGSHIP_METRICS_ADDR="127.0.0.1:$mport" \
        LOGSHIP_LOG_LEVEL="$LOG_LEVEL" "${env[@]}" ${BENCH_LOGSHIP_ENV:-} "$LOGSHIP" >"$log" 2>&1 &
    local lpid=$!
    local murl=http://127.0.0.1:$mport/metrics end=$(($(date +%s) + 20)) code=""
    while :; do
        code=$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/health")
        [ "$code" = 200 ] && break
        if ! alive "$lpid" || [ "$(date +%s)" -ge "$end" ]; then
            R[$s.error]="logship not healthy (last /health: ${code:-none}; see $log)"
            kill "$lpid" 2>/dev/null
            [ -n "$RECV_PID" ] && kill -TERM "$RECV_PID" 2>/dev/null
            return
        fi
        sleep 0.05
    done
    R[$s.idle_rss_kb]=$(proc_kb "$lpid" VmRSS)
    # Most of an idle RSS is shared library pages (libcrypto, libc, gnutls...); the private part:
    R[$s.idle_anon_kb]=$(proc_kb "$lpid" RssAnon)
    local cpu0
    cpu0=$(proc_cpu "$lpid")
    perf_start "$s" "$lpid"
    start_publisher "$pub_out" "$count" "$rate" "$stamp"

    # Completion: the count reached, or no progress for $STALL seconds. Progress is the
    # receiver's count (http, and loki), logship's own sent counter (blackhole, and file, whose
    # lines are counted on disk afterwards); a multi-sink run progresses at its slowest sink.
    local got=0 last=-1 t_last t0 stats="" rss rss_max=0 next_sample series=""
    local sample_every=$((SOAK_SAMPLE * 1000000000)) cpu_done=""
    t0=$(now_ns)
    t_last=$t0
    next_sample=$((t0 + sample_every))
    while :; do
        local n v
        n=""
        if [ "$http" = 1 ]; then
            stats=$(curl -s --max-time 2 "http://127.0.0.1:$RPORT/stats")
            n=$(json_num "$stats" records)
            n=${n:-0}
            if [ "$loki" = 1 ]; then
                v=$(json_num "$stats" loki_records)
                [ "${v:-0}" -lt "$n" ] && n=${v:-0}
            fi
        fi
        if [ "$blackhole" = 1 ] || [ "$file" = 1 ]; then
            local sink="blackhole"
            [ "$file" = 1 ] && sink="file"
            v=$(metric "$murl" logship_sink_sent_events_total "sink=\"$sink\"")
            if [ -z "$n" ] || [ "${v:-0}" -lt "$n" ]; then n=${v:-0}; fi
        fi
        got=${n:-0}
        local now
        now=$(now_ns)
        rss=$(proc_kb "$lpid" VmRSS)
        [ "${rss:-0}" -gt "$rss_max" ] && rss_max=${rss:-0}
        if [ "$s" = soak ] && [ "$now" -ge "$next_sample" ]; then
            series+="$(((now - t0) / 1000000000)) ${rss:-0} $got"$'\n'
            printf 'bench: soak t=%ss rss=%s KiB delivered=%s\n' \
                "$(((now - t0) / 1000000000))" "${rss:-?}" "$got" >&2
            next_sample=$((next_sample + sample_every))
        fi
        if [ "$got" -gt "$last" ]; then
            last=$got
            t_last=$now
        fi
        if [ "$got" -ge "$count" ]; then
            cpu_done=$(proc_cpu "$lpid")
            break
        fi
        [ $((now - t_last)) -ge $((STALL * 1000000000)) ] && break
        [ $((now - t0)) -ge $((timeout * 1000000000)) ] && break
        alive "$lpid" || break
        sleep "$POLL"
    done
    perf_stop "$s"
    # CPU up to completion (the stall wait, if any, adds nothing: logship idles then).
    R[$s.cpu]=$(calc "${cpu_done:-$(proc_cpu "$lpid")} - ${cpu0:-0}")
    R[$s.peak_rss_kb]=$(proc_kb "$lpid" VmHWM)
    R[$s.rss_max_kb]=$rss_max
    R[$s.nats_dropped]=$(metric "$murl" logship_nats_dropped_total)
    R[$s.buffer_dropped]=$(metric "$murl" logship_buffer_dropped_events_total)
    R[$s.logship_received]=$(metric "$murl" logship_received_total)
    R[$s.logship_sent]=$(metric "$murl" logship_sink_sent_events_total)
    local bh_sent=""
    [ "$blackhole" = 1 ] && bh_sent=$(metric "$murl" logship_sink_sent_events_total 'sink="blackhole"')

    local t_term
    t_term=$(now_ns)
    if alive "$lpid"; then
        kill -TERM "$lpid"
        wait_exit "$lpid" 30 || {
            R[$s.error]="logship did not exit within 30 s of SIGTERM; killed"
            kill -KILL "$lpid" 2>/dev/null
        }
    else
        R[$s.error]="logship exited during the run (see $log)"
    fi
    wait "$lpid" 2>/dev/null
    R[$s.exit_code]=$?
    R[$s.shutdown_s]=$(calc "($(now_ns) - $t_term) / 1e9")
    finish_publisher "$pub_out" "$s" "$timeout"
    R[$s.slow_consumers]=$(($(slow_consumers) - sc0))

    # Records delivered during shutdown count too: they are what logship delivered.
    [ "$http" = 1 ] && stop_receiver "$s"
    if [ "$file" = 1 ]; then
        R[$s.file_received]=$(find "$filedir" -type f -name '*.ndjson' -exec cat {} + | wc -l)
        [ -n "${BENCH_KEEP_FILES:-}" ] || rm -rf "$filedir"
    fi
    if [ "$blackhole" = 1 ]; then
        # No external receiver exists for blackhole: the count is logship's own, the last one
        # read before SIGTERM (the metrics endpoint goes away with the process).
        R[$s.received]=${bh_sent:-$last}
        R[$s.last_ns]=$t_last
        R[$s.counted_by]=logship-self
    elif [ "$s" = three ]; then
        local m=${R[$s.http_received]:-0}
        [ "${R[$s.loki_received]:-0}" -lt "$m" ] && m=${R[$s.loki_received]:-0}
        [ "${R[$s.file_received]:-0}" -lt "$m" ] && m=${R[$s.file_received]:-0}
        R[$s.received]=$m
        R[$s.last_ns]=$t_last
        R[$s.counted_by]=receiver+files
    else
        R[$s.received]=${R[$s.http_received]:-}
        R[$s.last_ns]=${R[$s.http_last_ns]:-}
        R[$s.counted_by]=receiver
    fi
    if [ "$s" = soak ]; then
        printf '%s' "$series" >"$OUT_DIR/soak.rss.txt"
        R[$s.series]=$OUT_DIR/soak.rss.txt
        # Growth: last sample minus the first, and the least-squares slope of the second half
        # (after warm-up), in KiB per minute.
        local g
        g=$(awk '{ t[NR] = $1; r[NR] = $2 } END {
            if (NR < 2) exit
            h = int(NR / 2) + 1; n = 0; st = 0; sr = 0; stt = 0; str = 0
            for (i = h; i <= NR; i++) { n++; st += t[i]; sr += r[i]; stt += t[i] * t[i]; str += t[i] * r[i] }
            d = n * stt - st * st; slope = d ? (n * str - st * sr) / d * 60 : 0
            mn = r[1]; mx = r[1]
            for (i = 1; i <= NR; i++) { if (r[i] < mn) mn = r[i]; if (r[i] > mx) mx = r[i] }
            printf "%d %.1f %d %d %d %d\n", r[NR] - r[1], slope, r[1], r[NR], mn, mx }' "$OUT_DIR/soak.rss.txt")
        if [ -n "$g" ]; then
            read -r R[$s.growth_kb] R[$s.slope_kb_min] R[$s.rss_first_kb] R[$s.rss_last_kb] \
                R[$s.rss_min_kb] R[$s.rss_max_sample_kb] <<<"$g"
        fi
    fi
}

# ---- syslog-ng --------------------------------------------------------------------------
# Installs syslog-ng with its http() module when missing. Only the bench does this (never
# scripts/deps.sh): it is a comparison tool, not a logship dependency.
ensure_syslogng() {
    local have=1
    command -v "$SYSLOG_NG" >/dev/null || have=0
    # (No pipe into grep -q here: with pipefail, an early grep exit can fail the pipeline.)
    if [ "$have" = 1 ] && command -v dpkg-query >/dev/null &&
        [[ $(dpkg-query -W -f='${Status}' syslog-ng-mod-http 2>/dev/null) != *"ok installed"* ]]; then
        have=0
    fi
    [ "$have" = 1 ] && return 0
    if [ -n "${BENCH_NO_INSTALL:-}" ]; then
        R[syslogng.error]="unavailable: syslog-ng (syslog-ng-core, syslog-ng-mod-http) not installed"
        return 1
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        R[syslogng.error]="unavailable: syslog-ng missing; install syslog-ng-core syslog-ng-mod-http (needs root and apt-get)"
        return 1
    fi
    note "syslog-ng or its http() module is missing: installing syslog-ng-core syslog-ng-mod-http with apt-get (set BENCH_NO_INSTALL=1 to skip the scenario instead)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        syslog-ng-core syslog-ng-mod-http >"$OUT_DIR/syslogng.apt.log" 2>&1; then
        R[syslogng.error]="unavailable: apt-get install syslog-ng-core syslog-ng-mod-http failed (see $OUT_DIR/syslogng.apt.log)"
        return 1
    fi
    command -v "$SYSLOG_NG" >/dev/null || {
        R[syslogng.error]="unavailable: $SYSLOG_NG not found after installation"
        return 1
    }
}

# run_file_shipper SCENARIO: the same COUNT payload lines from one file into the receiver,
# uncompressed, by logship --input (stdin) or syslog-ng (syslogng). No NATS in the path.
run_file_shipper() {
    local s=$1 file=$OUT_DIR/payloads-$input_tag-$COUNT.ndjson log=$OUT_DIR/$1.log
    local ru=$OUT_DIR/$1.rusage
    if [ "$s" = syslogng ]; then
        ensure_syslogng || {
            R[$s.unavailable]=1
            return
        }
    fi
    payloads "$file" "$COUNT" || {
        R[$s.error]="cannot write $file"
        return
    }
    R[$s.sent]=$(wc -l <"$file")
    R[$s.sent_bytes]=$(wc -c <"$file")
    R[$s.target_rate]=0
    start_receiver "$s" || return
    local url=http://127.0.0.1:$RPORT/ t0
    rm -f "$ru"
    if [ "$s" = stdin ]; then
        local hport mport
        hport=$(free_port)
        mport=$(free_port)
        t0=$(now_ns)
        # shellcheck disable=SC2086
        env -i PATH="$PATH" HTTP_URL="$url" LOGSHIP_HTTP_COMPRESSION=none \
            LOGSHIP_HEALTH_ADDR="127.0.0.1:$hport" LOGSHIP_METRICS_ADDR="127.0.0.1:$mport" \
            LOGSHIP_LOG_LEVEL="$LOG_LEVEL" ${BENCH_LOGSHIP_ENV:-} \
            python3 -c "$RUSAGE_PY" "$ru" "$LOGSHIP" --input - <"$file" >"$log" 2>&1 &
    else
        local dir=$OUT_DIR/syslogng.run ver
        rm -rf "$dir"
        mkdir -p "$dir" && dir=$(realpath "$dir") || {
            R[$s.error]="cannot create $dir"
            return
        }
        ver=$("$SYSLOG_NG" --version 2>/dev/null | sed -n 's/^Config version: *//p' | head -n 1)
        sed -e "s|@VERSION@|${ver:-3.38}|g" -e "s|@INPUT@|$(realpath "$file")|g" -e "s|@URL@|$url|g" \
            -e "s|@BATCH_LINES@|${BENCH_SYSLOGNG_BATCH_LINES:-10000}|g" \
            -e "s|@BATCH_BYTES@|${BENCH_SYSLOGNG_BATCH_BYTES:-10000000}|g" \
            -e "s|@BATCH_TIMEOUT@|${BENCH_SYSLOGNG_BATCH_TIMEOUT:-1000}|g" \
            -e "s|@WORKERS@|${BENCH_SYSLOGNG_WORKERS:-4}|g" \
            bench/syslog-ng.conf.in >"$dir/syslog-ng.conf" || {
            R[$s.error]="cannot write $dir/syslog-ng.conf"
            return
        }
        "$SYSLOG_NG" --syntax-only -f "$dir/syslog-ng.conf" >"$log" 2>&1 || {
            R[$s.error]="syslog-ng rejects $dir/syslog-ng.conf (see $log)"
            kill -TERM "$RECV_PID" 2>/dev/null
            return
        }
        t0=$(now_ns)
        python3 -c "$RUSAGE_PY" "$ru" "$SYSLOG_NG" -F -e --no-caps -f "$dir/syslog-ng.conf" \
            --persist-file="$dir/syslog-ng.persist" --pidfile="$dir/syslog-ng.pid" \
            --control="$dir/syslog-ng.ctl" </dev/null >>"$log" 2>&1 &
    fi
    local wpid=$! pid=""
    wait_line "$ru" '^pid=' 10 "$wpid" && pid=$(kv "$ru" pid)
    R[$s.pub_start]=$t0
    local got=0 last=-1 t_last=$t0 count=${R[$s.sent]} stats
    while :; do
        stats=$(curl -s --max-time 2 "http://127.0.0.1:$RPORT/stats")
        got=$(json_num "$stats" records)
        got=${got:-0}
        local now
        now=$(now_ns)
        if [ "$got" -gt "$last" ]; then
            last=$got
            t_last=$now
        fi
        [ "$got" -ge "$count" ] && break
        [ $((now - t_last)) -ge $((STALL * 1000000000)) ] && break
        [ $((now - t0)) -ge $((TIMEOUT * 1000000000)) ] && break
        # logship --input exits at EOF after its flush; syslog-ng keeps following the file.
        alive "$wpid" || break
        sleep "$POLL"
    done
    [ -n "$pid" ] && alive "$pid" && kill -TERM "$pid"
    wait_exit "$wpid" 30 || {
        R[$s.error]="$s did not exit within 30 s of SIGTERM; killed"
        [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    }
    wait "$wpid" 2>/dev/null
    R[$s.exit_code]=$(kv "$ru" status)
    R[$s.cpu]=$(kv "$ru" cpu)
    R[$s.peak_rss_kb]=$(kv "$ru" maxrss_kb)
    stop_receiver "$s"
    R[$s.received]=${R[$s.http_received]:-}
    R[$s.last_ns]=${R[$s.http_last_ns]:-}
    R[$s.counted_by]=receiver
}

run_compress() {
    local file=$OUT_DIR/payloads-$input_tag.ndjson out=$OUT_DIR/compress.out
    payloads "$file" 0 || {
        R[compress.error]="cannot write $file"
        return
    }
    if ! "$CBENCH" --batch "$COMPRESS_BATCH" --rounds 3 "$file" >"$out" 2>&1; then
        R[compress.error]="compress_bench failed (see $out)"
        return
    fi
    # "igzip level 2   MB/s ratio us/record": the sink's default (its gzip level 1 is
    # igzip's level 2, compress/gzip.c).
    local l1
    l1=$(awk '$1 == "igzip" && $3 == 2 { print $4, $5, $6 }' "$out")
    R[compress.gzip1_mbps]=$(cut -d' ' -f1 <<<"$l1")
    R[compress.gzip1_ratio]=$(cut -d' ' -f2 <<<"$l1")
    R[compress.gzip1_us]=$(cut -d' ' -f3 <<<"$l1")
}

for s in $SCENARIOS; do
    note "scenario $s"
    case $s in
    baseline) run_baseline ;;
    steadybase) run_baseline steadybase $((STEADY_RATE * STEADY_SECONDS)) "$STEADY_RATE" ;;
    stdin | syslogng) run_file_shipper "$s" ;;
    compress) run_compress ;;
    *) run_logship "$s" ;;
    esac
    derive "$s"
    [ -n "${R[$s.error]:-}" ] && note "$s: ${R[$s.error]}"
done

# ---- report -----------------------------------------------------------------------------
base_rate=${R[baseline.rate]:-}
for s in $SCENARIOS; do
    # A ratio compares capacities, so paced scenarios get none.
    if [ -n "$base_rate" ] && [ -n "${R[$s.rate]:-}" ] && [ "${R[$s.target_rate]:-0}" = 0 ]; then
        R[$s.ratio]=$(calc "${R[$s.rate]} / $base_rate" %.3f)
    fi
done

mib() { [ -n "${1:-}" ] && calc "$1 / 1024" %.1f || echo -; }
fmt_lost() { # lost counted_by
    case $2 in
    '') echo - ;;
    logship-self) echo "$1*" ;;
    *) echo "$1" ;;
    esac
}

TSV=$OUT_DIR/summary.tsv
JSON=$OUT_DIR/summary.json
fields="scenario sent received lost duplicates counted_by growth_kb slope_kb_min client_dropped nats_dropped slow_consumers target_rate pub_rate elapsed rate ratio mbps cpu cpu_per_m cpu_pct peak_rss_kb rss_max_kb idle_rss_kb idle_anon_kb http_received loki_received file_received wire_bytes recv_bytes requests bad_requests buffer_dropped lat_count lat_p50_us lat_p99_us lat_max_us batch_timeout_ms gzip1_mbps gzip1_ratio gzip1_us shutdown_s exit_code profiled unavailable series error"
{
    tr ' ' '\t' <<<"$fields"
    for s in $SCENARIOS; do
        line=$s
        for f in ${fields#scenario }; do line+=$'\t'${R[$s.$f]:-}; done
        echo "$line"
    done
} >"$TSV"

{
    printf '{"count":%s,"rate":%s,"input":"%s","cpus":%s,"build_type":"%s","logship_version":"%s","loki":%s,"scenarios":[' \
        "$COUNT" "${RATE:-0}" "$INPUT" "$(nproc)" "${BUILD_TYPE:-}" \
        "$({ [ -x "$LOGSHIP" ] && "$LOGSHIP" --version 2>/dev/null | head -n 1; } | tr -d '"\\')" \
        "$([ "$HAVE_LOKI" = 1 ] && echo true || echo false)"
    sep=""
    for s in $SCENARIOS; do
        printf '%s{"scenario":"%s"' "$sep" "$s"
        for f in ${fields#scenario }; do
            v=${R[$s.$f]:-}
            if [ -z "$v" ]; then
                printf ',"%s":null' "$f"
            elif [[ $v =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
                printf ',"%s":%s' "$f" "$v"
            else
                printf ',"%s":"%s"' "$f" "$(tr -d '"\\' <<<"$v")"
            fi
        done
        printf '}'
        sep=","
    done
    printf ']}\n'
} >"$JSON"

echo
printf '%-10s %9s %9s %8s %7s %10s %6s %7s %8s %6s %9s %9s %7s\n' scenario sent received lost \
    drops "events/s" ratio "MB/s" "cpu-s/M" "cpu%" "peak-MiB" "idle-MiB" "time-s"
for s in $SCENARIOS; do
    [ "$s" = compress ] && continue
    if [ -n "${R[$s.unavailable]:-}" ]; then
        printf '%-10s %s\n' "$s" "${R[$s.error]:-unavailable}"
        continue
    fi
    drops=$((${R[$s.client_dropped]:-0} + ${R[$s.nats_dropped]:-0}))
    name=$s
    [ -n "${R[$s.profiled]:-}" ] && name="$s(p)"
    printf '%-10s %9s %9s %8s %7s %10s %6s %7s %8s %6s %9s %9s %7s\n' "$name" "${R[$s.sent]:--}" \
        "${R[$s.received]:--}" "$(fmt_lost "${R[$s.lost]:-}" "${R[$s.counted_by]:-}")" \
        "$drops/${R[$s.slow_consumers]:-0}" "${R[$s.rate]:--}" "${R[$s.ratio]:--}" \
        "${R[$s.mbps]:--}" "${R[$s.cpu_per_m]:--}" "${R[$s.cpu_pct]:--}" \
        "$(mib "${R[$s.peak_rss_kb]:-}")" "$(mib "${R[$s.idle_rss_kb]:-}")" "${R[$s.elapsed]:--}"
done
echo
echo "lost: sent minus counted at the end point: raw_sub (baseline), bench/receiver (http, latency,"
echo "      steady, soak, stdin, syslogng), the slowest of receiver/receiver/files (three);"
echo "      * = blackhole and sustained have no external receiver, so that count is logship's own."
echo "drops: client-side drops (nats.c pending limit / logship_nats_dropped_total) / server-side"
echo "       slow-consumer events (nats-server /varz) during the scenario."
echo "ratio: events/s over the baseline's; none for paced scenarios. cpu%: of one core, over time-s."
[ -n "$PERF_SCENARIOS" ] && echo "(p): profiled with perf record -g; its figures include the profiler's cost."
for s in $SCENARIOS; do
    if [ -n "${R[$s.wire_bytes]:-}" ] && [ "${R[$s.wire_bytes]:-0}" -gt 0 ]; then
        printf '%s: %s requests, decoded/wire %sx, bad requests %s' "$s" "${R[$s.requests]}" \
            "$(calc "${R[$s.recv_bytes]} / ${R[$s.wire_bytes]}" %.2f)" "${R[$s.bad_requests]:-0}"
        [ "$s" = three ] && printf ', delivered: http %s, loki %s, file %s' \
            "${R[$s.http_received]:--}" "${R[$s.loki_received]:--}" "${R[$s.file_received]:--}"
        [ -n "${R[$s.buffer_dropped]:-}" ] && printf ', buffer drops %s' "${R[$s.buffer_dropped]}"
        echo
    fi
done
if [[ " $SCENARIOS " == *" latency "* ]] && [ -z "${R[latency.error]:-}" ]; then
    printf 'latency: %s/s for %s s, %s stamped records at the receiver: p50 %s ms, p99 %s ms, max %s ms (http batch timeout %s ms)\n' \
        "$LAT_RATE" "$LAT_SECONDS" "${R[latency.lat_count]:-0}" \
        "$(calc "${R[latency.lat_p50_us]:-0} / 1000" %.1f)" \
        "$(calc "${R[latency.lat_p99_us]:-0} / 1000" %.1f)" \
        "$(calc "${R[latency.lat_max_us]:-0} / 1000" %.1f)" "${R[latency.batch_timeout_ms]:-?}"
fi
if [[ " $SCENARIOS " == *" steady "* ]] && [ -z "${R[steady.error]:-}" ]; then
    printf 'steady: %s/s for %s s (publisher achieved %s/s): %s%% of one core, RSS max sampled %s MiB, peak %s MiB\n' \
        "$STEADY_RATE" "$STEADY_SECONDS" "${R[steady.pub_rate]:--}" "${R[steady.cpu_pct]:--}" \
        "$(mib "${R[steady.rss_max_kb]:-}")" "$(mib "${R[steady.peak_rss_kb]:-}")"
fi
if [[ " $SCENARIOS " == *" loaded "* ]] && [ -z "${R[loaded.error]:-}" ]; then
    printf 'loaded: %s/s (40%% of baseline) for %s s, publisher achieved %s/s: lost %s, %s CPU-us per record, %s%% of one core, peak %s MiB, logship_nats_dropped_total %s\n' \
        "${R[loaded.target_rate]:--}" "$LOADED_SECONDS" "${R[loaded.pub_rate]:--}" \
        "${R[loaded.lost]:--}" "${R[loaded.cpu_per_m]:--}" "${R[loaded.cpu_pct]:--}" \
        "$(mib "${R[loaded.peak_rss_kb]:-}")" "${R[loaded.nats_dropped]:--}"
fi
if [[ " $SCENARIOS " == *" sustained "* ]] && [ -z "${R[sustained.error]:-}" ]; then
    printf 'sustained: target %s/s (80%% of baseline) for %s s, publisher achieved %s/s: logship_nats_dropped_total %s, server slow consumers %s, buffer drops %s, lost %s*\n' \
        "${R[sustained.target_rate]:--}" "$SUSTAINED_SECONDS" "${R[sustained.pub_rate]:--}" \
        "${R[sustained.nats_dropped]:--}" "${R[sustained.slow_consumers]:--}" \
        "${R[sustained.buffer_dropped]:--}" "${R[sustained.lost]:--}"
fi
if [ -n "${R[stdin.rate]:-}" ] && [ -n "${R[syslogng.rate]:-}" ]; then
    printf 'stdin vs syslogng (same file, same receiver, no compression): logship/syslog-ng %sx events/s, %sx CPU per event, %sx peak RSS\n' \
        "$(calc "${R[stdin.rate]} / ${R[syslogng.rate]}" %.2f)" \
        "$(calc "${R[stdin.cpu_per_m]:-0} / (${R[syslogng.cpu_per_m]:-0} + 1e-9)" %.2f)" \
        "$(calc "${R[stdin.peak_rss_kb]:-0} / (${R[syslogng.peak_rss_kb]:-0} + 1e-9)" %.2f)"
fi
if [ -n "${R[soak.growth_kb]:-}" ]; then
    echo "soak: RSS every ${SOAK_SAMPLE} s at ${SOAK_RATE}/s (t-s rss-KiB delivered):"
    sed 's/^/  /' "$OUT_DIR/soak.rss.txt"
    printf 'soak: growth first->last %+d KiB (%.1f -> %.1f MiB), min %.1f max %.1f MiB, second-half slope %+.1f KiB/min\n' \
        "${R[soak.growth_kb]:-0}" "$(mib "${R[soak.rss_first_kb]:-0}")" "$(mib "${R[soak.rss_last_kb]:-0}")" \
        "$(mib "${R[soak.rss_min_kb]:-0}")" "$(mib "${R[soak.rss_max_sample_kb]:-0}")" "${R[soak.slope_kb_min]:-0}"
fi
if [[ " $SCENARIOS " == *" compress "* ]]; then
    if [ -s "$OUT_DIR/compress.out" ] && [ -z "${R[compress.error]:-}" ]; then
        echo "compress (bench/compress_bench, one thread, --batch $COMPRESS_BATCH, the same records):"
        sed 's/^/  /' "$OUT_DIR/compress.out"
    fi
fi

# Targets of the performance issue next to what this run measured. Sizes: MB = 10^6 bytes.
verdict() { # VALUE OP LIMIT -> met / NOT met / n/a
    [ -n "${1:-}" ] || {
        echo "n/a"
        return
    }
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = op == "<=" ? v <= l : v >= l; print ok ? "met" : "NOT met" }'
}
echo
echo "targets (from the performance issue; measured in this run, ${BUILD_TYPE:-?} build, $(nproc) cpus):"
tline() { printf '  %-58s %-24s %s\n' "$1" "$2" "$3"; }
mb() { [ -n "${1:-}" ] && calc "$1 * 1024 / 1e6" %.2f; }
if [ -n "${R[blackhole.ratio]:-}" ]; then
    tline "blackhole >= 0.60 x baseline" "${R[blackhole.ratio]}" "$(verdict "${R[blackhole.ratio]}" '>=' 0.60)"
fi
if [ -n "${R[sustained.target_rate]:-}" ] && [ -z "${R[sustained.error]:-}" ]; then
    sd=$((${R[sustained.nats_dropped]:-0} + ${R[sustained.slow_consumers]:-0} + ${R[sustained.buffer_dropped]:-0}))
    tline "no drop at 80% of baseline for ${SUSTAINED_SECONDS} s" "drops $sd at ${R[sustained.pub_rate]:-?}/s" \
        "$(verdict "$sd" '<=' 0)$([ "${R[sustained.pub_rate]%.*}" -lt $((${R[sustained.target_rate]} * 95 / 100)) ] 2>/dev/null && echo ' (publisher below target rate)')"
fi
if [ -n "${R[http.ratio]:-}" ]; then
    tline "http gzip >= 0.40 x baseline (unpaced burst)" "${R[http.ratio]}" "$(verdict "${R[http.ratio]}" '>=' 0.40)"
    tline "http gzip: nothing lost (unpaced burst)" "lost ${R[http.lost]:-?}" "$(verdict "${R[http.lost]:-}" '<=' 0)"
fi
# The paced form of the same target: 40% of the baseline rate, sustained. It carries the CPU
# and memory figures, because an unpaced burst charges logship for the messages nats.c parses
# and then drops, and its peak is the NATS client buffer filling up.
if [ -n "${R[loaded.target_rate]:-}" ] && [ -z "${R[loaded.error]:-}" ]; then
    lf=""
    [ "${R[loaded.pub_rate]%.*}" -lt $((${R[loaded.target_rate]} * 95 / 100)) ] 2>/dev/null && lf=" (publisher below target rate)"
    tline "http gzip at 0.40 x baseline (${R[loaded.target_rate]}/s): nothing lost" "lost ${R[loaded.lost]:-?}" "$(verdict "${R[loaded.lost]:-}" '<=' 0)$lf"
    tline "http gzip: <= 3 CPU-us per record (loaded)" "${R[loaded.cpu_per_m]:-?}" "$(verdict "${R[loaded.cpu_per_m]:-}" '<=' 3)"
    tline "peak RSS <= 32 MB at full load (loaded)" "$(mb "${R[loaded.peak_rss_kb]:-}") MB" "$(verdict "$(mb "${R[loaded.peak_rss_kb]:-}")" '<=' 32)"
elif [ -n "${R[http.cpu_per_m]:-}" ]; then
    tline "http gzip: <= 3 CPU-us per record (unpaced burst)" "${R[http.cpu_per_m]}" "$(verdict "${R[http.cpu_per_m]}" '<=' 3)"
fi
idle_max="" idle_anon=""
for s in blackhole http loaded three latency steady sustained soak; do
    v=${R[$s.idle_rss_kb]:-}
    if [ -n "$v" ] && { [ -z "$idle_max" ] || [ "$v" -gt "$idle_max" ]; }; then
        idle_max=$v idle_anon=${R[$s.idle_anon_kb]:-}
    fi
done
[ -n "$idle_max" ] && tline "idle RSS <= 5 MB (largest idle of the logship runs)" \
    "$(mb "$idle_max") MB (anon $(mb "${idle_anon:-0}"))" "$(verdict "$(mb "$idle_max")" '<=' 5)"
[ -n "$idle_max" ] && [ -n "$FLOOR_KB" ] &&
    tline "  of which the libraries alone (bench/lib_floor)" \
        "$(mb "$FLOOR_KB") MB (anon $(mb "${FLOOR_ANON_KB:-0}"))" "logship's own: $(mb $((idle_max - FLOOR_KB))) MB"
peak_max=""
for s in blackhole http; do
    v=${R[$s.peak_rss_kb]:-}
    [ -n "$v" ] && { [ -z "$peak_max" ] || [ "$v" -gt "$peak_max" ]; } && peak_max=$v
done
[ -n "$peak_max" ] && tline "peak RSS <= 32 MB in the unpaced bursts (blackhole, http)" "$(mb "$peak_max") MB" "$(verdict "$(mb "$peak_max")" '<=' 32)"
if [ -n "${R[steady.cpu_pct]:-}" ]; then
    tline "steady ${STEADY_RATE}/s gzip http: <= 15% of one core" "${R[steady.cpu_pct]}%" "$(verdict "${R[steady.cpu_pct]}" '<=' 15)"
    [ -n "${R[steadybase.cpu_pct]:-}" ] &&
        tline "  raw nats.c subscriber at the same rate (steadybase)" "${R[steadybase.cpu_pct]}%" \
            "logship/raw $(calc "${R[steady.cpu_pct]} / ${R[steadybase.cpu_pct]}" %.2f)x"
    tline "steady ${STEADY_RATE}/s gzip http: <= 16 MB RSS (peak)" "$(mb "${R[steady.peak_rss_kb]:-}") MB" "$(verdict "$(mb "${R[steady.peak_rss_kb]:-}")" '<=' 16)"
fi
if [ -n "${R[latency.lat_p99_us]:-}" ] && [ "${R[latency.lat_count]:-0}" -gt 0 ]; then
    lim=$((${R[latency.batch_timeout_ms]:-1000} + 50))
    tline "latency p99 at ${LAT_RATE}/s <= batch timeout + 50 ms ($lim ms)" \
        "$(calc "${R[latency.lat_p99_us]} / 1000" %.1f) ms" "$(verdict "$(calc "${R[latency.lat_p99_us]} / 1000" %.1f)" '<=' "$lim")"
fi
if [[ " $SCENARIOS " == *" soak "* ]]; then
    if [ -n "${R[soak.growth_kb]:-}" ]; then
        tline "no RSS growth over the soak (${SOAK_SECONDS} s at ${SOAK_RATE}/s)" \
            "${R[soak.growth_kb]} KiB, ${R[soak.slope_kb_min]} KiB/min" "judge the series"
    else
        tline "no RSS growth over the soak" "too few samples" "n/a"
    fi
else
    tline "no growth over a 10-minute soak" "not run (bench/soak.sh)" "n/a"
fi
for s in $SCENARIOS; do
    [ -n "${R[$s.profiled]:-}" ] && echo "profile of $s: $OUT_DIR/$s.perf.txt"
done
for s in $SCENARIOS; do
    [ -n "${R[$s.error]:-}" ] && [ -z "${R[$s.unavailable]:-}" ] && echo "$s: ERROR ${R[$s.error]}"
done
echo "summary: $TSV $JSON"
exit 0
