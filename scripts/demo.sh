#!/usr/bin/env bash
# The main job, end to end, on a local default: installs what is missing, builds, starts a
# nats-server on loopback, publishes Fly-shaped log records (the fixtures, looped) at a steady
# rate, and runs logship against it with two visible sinks: the console (as `fly logs` shows
# records) and a file sink under demo-out/ (one NDJSON file per app per day). Ctrl-C stops
# everything cleanly and prints what was shipped. DEMO_SECONDS=N stops by itself after N s.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target logship publisher >/dev/null

fixtures=${LS_FIXTURES_DIR:-$root/../shared/fixtures}
records=$fixtures/fly-logs.subjects.ndjson
if [ ! -f "$records" ]; then
  echo "demo: sample records not found at $records (set LS_FIXTURES_DIR)" >&2
  exit 1
fi
rate=${DEMO_RATE:-20}
out=$root/demo-out
rm -rf "$out"
mkdir -p "$out/files"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nats_port=$(free_port)
health_port=$(free_port)
metrics_port=$(free_port)

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "== stopping =="
  [ -n "${pub_pid:-}" ] && kill "$pub_pid" 2>/dev/null || true
  if [ -n "${ls_pid:-}" ]; then
    curl -s "http://127.0.0.1:$metrics_port/metrics" >"$out/metrics.txt" 2>/dev/null || true
    kill -TERM "$ls_pid" 2>/dev/null || true
    wait "$ls_pid" 2>/dev/null || true
  fi
  [ -n "${nats_pid:-}" ] && kill "$nats_pid" 2>/dev/null && wait "$nats_pid" 2>/dev/null || true
  echo "== shipped =="
  echo "metrics as read just before SIGTERM (the batches still open are flushed after it):"
  grep -E '^logship_(received_total|sink_sent_events_total)' "$out/metrics.txt" 2>/dev/null || true
  echo "files written by the file sink:"
  (cd "$out/files" && find . -type f -name '*.ndjson*' -exec wc -l {} + 2>/dev/null | sed 's/^/  /')
  echo "logship's own log: $out/logship.log"
}
trap cleanup INT TERM EXIT

nats-server -a 127.0.0.1 -p "$nats_port" >"$out/nats-server.log" 2>&1 &
nats_pid=$!
for _ in $(seq 100); do
  (exec 3<>/dev/tcp/127.0.0.1/"$nats_port") 2>/dev/null && break
  sleep 0.05
done

echo "== logship: console + file sink (demo-out/files), NATS on 127.0.0.1:$nats_port =="
echo "   health:  http://127.0.0.1:$health_port/health   metrics: http://127.0.0.1:$metrics_port/metrics"
echo "   Ctrl-C to stop"
NATS_URL="nats://127.0.0.1:$nats_port" SUBJECT='logs.>' \
  LOGSHIP_CONSOLE=text LOGSHIP_FILE_DIR="$out/files" \
  LOGSHIP_HEALTH_ADDR="127.0.0.1:$health_port" LOGSHIP_METRICS_ADDR="127.0.0.1:$metrics_port" \
  build/logship 2>"$out/logship.log" &
ls_pid=$!

for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$health_port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
grep -m1 "Configured sinks" "$out/logship.log" || true

build/bench/publisher --url "nats://127.0.0.1:$nats_port" --input "$records" \
  --count 100000000 --rate "$rate" >"$out/publisher.log" 2>&1 &
pub_pid=$!

if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
else
  wait "$ls_pid"
fi
