#!/usr/bin/env bash
# Memory soak (see bench/README.md, "soak"): logship -> http sink (gzip) into bench/receiver at
# a steady BENCH_SOAK_RATE (default 50000 records/s) for BENCH_SOAK_SECONDS (default 600),
# sampling logship's RSS every BENCH_SOAK_SAMPLE seconds (default 10). Prints the series
# (seconds, RSS KiB, records delivered so far), the growth from first to last sample and the
# least-squares slope of the second half, in KiB per minute, after the usual table. It is the
# `soak` scenario of bench/run.sh and takes its other knobs (BENCH_BUILD_DIR, BENCH_LOGSHIP_ENV,
# ...); it is never part of a default run because it takes ten minutes.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export BENCH_SCENARIOS=soak
exec "$here/run.sh" "$@"
