#!/usr/bin/env bash
# End-to-end benchmark runner (see bench/README.md). On one nats-server started here on a free
# loopback port, with the same pre-generated Fly-shaped records and the same count, it measures:
#   baseline   raw nats.c subscriber that only counts (bench/raw_sub)
#   blackhole  logship -> blackhole sink
#   http       logship -> http sink, gzip, into bench/receiver
# and prints events/s as a ratio to the baseline of this run, MB/s, CPU per million events,
# peak and idle RSS, and loss counted outside logship wherever a receiver exists. Benchmarks
# are not tests: nothing here passes or fails on a threshold.
#
# Environment (all optional):
#   BENCH_COUNT=1000000        messages per scenario        BENCH_RATE=0  msgs/s (0 = max)
#   BENCH_SCENARIOS="baseline blackhole http"               BENCH_RECORDS=50000 distinct records
#   BENCH_INPUT=FILE           {"subject","payload"} NDJSON instead of generated records
#   BENCH_BUILD_DIR=build      BENCH_OUT_DIR=$BENCH_BUILD_DIR/bench    BENCH_NO_BUILD=1
#   BENCH_TIMEOUT=120          per-scenario cap, seconds    BENCH_STALL=5 s without progress = done
#   BENCH_LOG_LEVEL=warn       logship's LOGSHIP_LOG_LEVEL
#   BENCH_LOGSHIP_ENV="K=V ..." extra environment for logship (e.g. batch knobs)
#   LOGSHIP_BIN=path           logship binary (default $BENCH_BUILD_DIR/logship)
#   NATS_SERVER=nats-server    server binary
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

COUNT=${BENCH_COUNT:-1000000}
RATE=${BENCH_RATE:-0}
SCENARIOS=${BENCH_SCENARIOS:-baseline blackhole http}
RECORDS=${BENCH_RECORDS:-50000}
BUILD_DIR=${BENCH_BUILD_DIR:-build}
OUT_DIR=${BENCH_OUT_DIR:-$BUILD_DIR/bench}
TIMEOUT=${BENCH_TIMEOUT:-120}
STALL=${BENCH_STALL:-5}
LOG_LEVEL=${BENCH_LOG_LEVEL:-warn}
NATS_SERVER=${NATS_SERVER:-nats-server}
LOGSHIP=${LOGSHIP_BIN:-$BUILD_DIR/logship}
POLL=0.1
# A paced run needs at least COUNT/RATE seconds; keep the cap above that.
if [ "${RATE:-0}" -gt 0 ] && [ $((COUNT / RATE + 30)) -gt "$TIMEOUT" ]; then
    TIMEOUT=$((COUNT / RATE + 30))
fi

die() {
    echo "bench: $*" >&2
    exit 1
}
note() { echo "bench: $*" >&2; }

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

# ---- build ------------------------------------------------------------------------------
need_logship=0
case " $SCENARIOS " in *" blackhole "* | *" http "*) need_logship=1 ;; esac
if [ -z "${BENCH_NO_BUILD:-}" ]; then
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
        cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null || die "cmake configure failed"
    fi
    targets="publisher raw_sub receiver"
    [ "$need_logship" = 1 ] && [ -z "${LOGSHIP_BIN:-}" ] && targets="$targets logship"
    # shellcheck disable=SC2086
    cmake --build "$BUILD_DIR" -j2 --target $targets >"$BUILD_DIR/bench-build.log" 2>&1 ||
        die "build failed (see $BUILD_DIR/bench-build.log)"
fi
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
SANITIZE=$(sed -n 's/^LOGSHIP_SANITIZE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null)
[ "$BUILD_TYPE" = Release ] || note "warning: $BUILD_DIR is a '${BUILD_TYPE:-?}' build, not Release"
[ "${SANITIZE:-OFF}" = OFF ] || note "warning: $BUILD_DIR has LOGSHIP_SANITIZE=$SANITIZE; numbers mean little"
for t in publisher raw_sub receiver; do
    [ -x "$BUILD_DIR/bench/$t" ] || die "missing $BUILD_DIR/bench/$t"
done
[ "$need_logship" = 0 ] || [ -x "$LOGSHIP" ] || die "missing logship binary $LOGSHIP"
command -v "$NATS_SERVER" >/dev/null || die "nats-server not found (set NATS_SERVER)"
PUB=$BUILD_DIR/bench/publisher
SUB=$BUILD_DIR/bench/raw_sub
RECV=$BUILD_DIR/bench/receiver

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

note "count=$COUNT rate=${RATE:-0} input=$INPUT nats=$NURL out=$OUT_DIR"

# Results per scenario: R[<scenario>.<field>].
declare -A R

start_publisher() { # OUTFILE
    "$PUB" --url "$NURL" --input "$INPUT" --count "$COUNT" --rate "$RATE" >"$1" 2>&1 &
    PUB_PID=$!
}

finish_publisher() { # OUTFILE SCENARIO
    wait_exit "$PUB_PID" "$TIMEOUT" || kill "$PUB_PID" 2>/dev/null
    wait "$PUB_PID" 2>/dev/null
    R[$2.sent]=$(kv "$1" sent)
    R[$2.sent_bytes]=$(kv "$1" bytes)
    R[$2.pub_start]=$(kv "$1" start_ns)
    R[$2.pub_rate]=$(kv "$1" rate)
}

run_baseline() {
    local s=baseline sub_out=$OUT_DIR/baseline.sub.out pub_out=$OUT_DIR/baseline.pub.out
    local sc0
    sc0=$(slow_consumers)
    "$SUB" --url "$NURL" --subject 'logs.>' --count "$COUNT" --idle-timeout "$((STALL * 1000))" \
        --first-timeout "$((TIMEOUT * 1000))" >"$sub_out" 2>&1 &
    local sub_pid=$!
    wait_line "$sub_out" '^ready' 20 "$sub_pid" || {
        R[$s.error]="raw_sub did not subscribe"
        return
    }
    R[$s.idle_rss_kb]=$(proc_kb "$sub_pid" VmRSS)
    start_publisher "$pub_out"
    wait_exit "$sub_pid" "$((TIMEOUT + STALL))" || kill "$sub_pid" 2>/dev/null
    wait "$sub_pid" 2>/dev/null
    finish_publisher "$pub_out" "$s"
    R[$s.received]=$(kv "$sub_out" count)
    R[$s.recv_bytes]=$(kv "$sub_out" bytes)
    R[$s.client_dropped]=$(kv "$sub_out" dropped)
    R[$s.cpu]=$(kv "$sub_out" cpu)
    R[$s.peak_rss_kb]=$(kv "$sub_out" maxrss_kb)
    R[$s.last_ns]=$(kv "$sub_out" last_ns)
    R[$s.counted_by]=subscriber
    R[$s.slow_consumers]=$(($(slow_consumers) - sc0))
}

# run_logship SCENARIO ENV...: one logship process fed by the publisher.
run_logship() {
    local s=$1
    shift
    local log=$OUT_DIR/$s.logship.log pub_out=$OUT_DIR/$s.pub.out recv_out=$OUT_DIR/$s.recv.out
    local recv_pid="" rport="" hport mport sc0
    sc0=$(slow_consumers)
    local -a env=("$@")
    if [ "$s" = http ]; then
        "$RECV" --port 0 --threads 2 >"$recv_out" 2>&1 &
        recv_pid=$!
        wait_line "$recv_out" '^port=' 10 "$recv_pid" || {
            R[$s.error]="receiver did not start"
            return
        }
        rport=$(kv "$recv_out" port)
        env+=("HTTP_URL=http://127.0.0.1:$rport/" LOGSHIP_HTTP_COMPRESSION=gzip)
    fi
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
            [ -n "$recv_pid" ] && kill -TERM "$recv_pid" 2>/dev/null
            return
        fi
        sleep 0.05
    done
    R[$s.idle_rss_kb]=$(proc_kb "$lpid" VmRSS)
    local cpu0
    cpu0=$(proc_cpu "$lpid")
    start_publisher "$pub_out"

    # Completion: the count reached, or no progress for $STALL seconds.
    local got=0 last=-1 t_last t0 stats=""
    t0=$(now_ns)
    t_last=$t0
    while :; do
        if [ "$s" = http ]; then
            stats=$(curl -s --max-time 2 "http://127.0.0.1:$rport/stats")
            got=$(json_num "$stats" records)
        else
            got=$(metric "$murl" logship_sink_sent_events_total "sink=\"$s\"")
        fi
        got=${got:-0}
        local now
        now=$(now_ns)
        if [ "$got" -gt "$last" ]; then
            last=$got
            t_last=$now
        fi
        [ "$got" -ge "$COUNT" ] && break
        [ $((now - t_last)) -ge $((STALL * 1000000000)) ] && break
        [ $((now - t0)) -ge $((TIMEOUT * 1000000000)) ] && break
        alive "$lpid" || break
        sleep "$POLL"
    done
    R[$s.cpu]=$(calc "$(proc_cpu "$lpid") - ${cpu0:-0}")
    R[$s.peak_rss_kb]=$(proc_kb "$lpid" VmHWM)
    R[$s.nats_dropped]=$(metric "$murl" logship_nats_dropped_total)
    R[$s.buffer_dropped]=$(metric "$murl" logship_buffer_dropped_events_total)
    R[$s.logship_received]=$(metric "$murl" logship_received_total)
    R[$s.logship_sent]=$(metric "$murl" logship_sink_sent_events_total "sink=\"$s\"")

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
    finish_publisher "$pub_out" "$s"
    R[$s.slow_consumers]=$(($(slow_consumers) - sc0))

    if [ "$s" = http ]; then
        # Records flushed at shutdown count too; they are what logship delivered.
        stats=$(curl -s --max-time 2 "http://127.0.0.1:$rport/stats")
        R[$s.received]=$(json_num "$stats" records)
        R[$s.last_ns]=$(json_num "$stats" last_ns)
        R[$s.wire_bytes]=$(json_num "$stats" bytes)
        R[$s.recv_bytes]=$(json_num "$stats" decoded_bytes)
        R[$s.requests]=$(json_num "$stats" requests)
        R[$s.bad_requests]=$(json_num "$stats" bad_requests)
        R[$s.counted_by]=receiver
        kill -TERM "$recv_pid" 2>/dev/null
        wait "$recv_pid" 2>/dev/null
    else
        # No external receiver exists for blackhole: the count is logship's own.
        R[$s.received]=$last
        R[$s.last_ns]=$t_last
        R[$s.counted_by]=logship-self
    fi
}

for s in $SCENARIOS; do
    note "scenario $s"
    case $s in
    baseline) run_baseline ;;
    blackhole) run_logship blackhole LOGSHIP_BLACKHOLE=1 ;;
    http) run_logship http ;;
    *) die "unknown scenario $s" ;;
    esac
    [ -n "${R[$s.error]:-}" ] && note "$s: ${R[$s.error]}"
done

# ---- report -----------------------------------------------------------------------------
base_rate=""
for s in $SCENARIOS; do
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
        R[$s.cpu_per_m]=$(calc "${R[$s.cpu]:-0} / ($recv / 1e6)" %.2f)
    fi
    [ "$s" = baseline ] && base_rate=${R[$s.rate]:-}
done
for s in $SCENARIOS; do
    if [ -n "$base_rate" ] && [ -n "${R[$s.rate]:-}" ]; then
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
fields="scenario sent received lost duplicates counted_by client_dropped nats_dropped slow_consumers elapsed rate ratio mbps cpu cpu_per_m peak_rss_kb idle_rss_kb wire_bytes recv_bytes requests bad_requests buffer_dropped shutdown_s exit_code error"
{
    tr ' ' '\t' <<<"$fields"
    for s in $SCENARIOS; do
        line=$s
        for f in ${fields#scenario }; do line+=$'\t'${R[$s.$f]:-}; done
        echo "$line"
    done
} >"$TSV"

{
    printf '{"count":%s,"rate":%s,"input":"%s","cpus":%s,"build_type":"%s","logship_version":"%s","scenarios":[' \
        "$COUNT" "${RATE:-0}" "$INPUT" "$(nproc)" "${BUILD_TYPE:-}" \
        "$({ [ -x "$LOGSHIP" ] && "$LOGSHIP" --version 2>/dev/null | head -n 1; } | tr -d '"\\')"
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
printf '%-10s %9s %9s %8s %6s %10s %6s %7s %9s %9s %9s %7s\n' scenario sent received lost \
    drops "events/s" ratio "MB/s" "cpu-s/M" "peak-MiB" "idle-MiB" "time-s"
for s in $SCENARIOS; do
    drops=$((${R[$s.client_dropped]:-0} + ${R[$s.nats_dropped]:-0}))
    printf '%-10s %9s %9s %8s %6s %10s %6s %7s %9s %9s %9s %7s\n' "$s" "${R[$s.sent]:--}" \
        "${R[$s.received]:--}" "$(fmt_lost "${R[$s.lost]:-}" "${R[$s.counted_by]:-}")" \
        "$drops/${R[$s.slow_consumers]:-0}" "${R[$s.rate]:--}" "${R[$s.ratio]:--}" \
        "${R[$s.mbps]:--}" "${R[$s.cpu_per_m]:--}" "$(mib "${R[$s.peak_rss_kb]:-}")" \
        "$(mib "${R[$s.idle_rss_kb]:-}")" "${R[$s.elapsed]:--}"
done
echo
echo "lost: sent by the publisher minus counted by the subscriber (baseline) or the HTTP receiver"
echo "      (http); * = blackhole has no external receiver, so that count is logship's own."
echo "drops: client-side drops (nats.c pending limit / logship_nats_dropped_total) / server-side"
echo "       slow-consumer events (nats-server /varz) during the scenario."
if [ -n "${R[http.wire_bytes]:-}" ] && [ "${R[http.wire_bytes]:-0}" -gt 0 ]; then
    echo "http: ${R[http.requests]} requests, gzip ratio $(calc "${R[http.recv_bytes]} / ${R[http.wire_bytes]}" %.2f)x, bad requests ${R[http.bad_requests]:-0}"
fi
for s in $SCENARIOS; do
    [ -n "${R[$s.error]:-}" ] && echo "$s: ERROR ${R[$s.error]}"
done
echo "summary: $TSV $JSON"
exit 0
