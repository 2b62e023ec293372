#!/usr/bin/env bash
# Before/after comparison on a noisy machine: runs bench/run.sh for the given scenarios with
# logship binary A, then B, alternating, N rounds, and prints every run's CPU-µs per record,
# % of a core and peak RSS, then the median of each column per binary and scenario.
#
#   bench/ab.sh A_BIN B_BIN [ROUNDS] [SCENARIOS]
#     defaults: 3 rounds, "loaded steady". Everything else as for bench/run.sh (BENCH_* knobs;
#     loaded needs BENCH_BASELINE_RATE or a baseline in SCENARIOS). Example:
#   git stash; cmake --build build-rel --target logship; cp build-rel/logship /tmp/before
#   git stash pop; cmake --build build-rel --target logship
#   BENCH_BUILD_DIR=build-rel BENCH_BASELINE_RATE=600000 bench/ab.sh /tmp/before build-rel/logship
set -uo pipefail
[ $# -ge 2 ] || {
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
A=$1 B=$2 ROUNDS=${3:-3} SCEN=${4:-loaded steady}
for bin in "$A" "$B"; do
    [ -x "$bin" ] || {
        echo "ab: $bin is not an executable" >&2
        exit 2
    }
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || {
    echo "ab: ROUNDS must be a positive integer" >&2
    exit 2
}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((r = 1; r <= ROUNDS; r++)); do
    for side in A B; do
        bin=$A
        [ "$side" = B ] && bin=$B
        BENCH_NO_BUILD=1 LOGSHIP_BIN=$bin BENCH_SCENARIOS="$SCEN" "$ROOT/bench/run.sh" 2>/dev/null |
            awk -v side="$side" -v round="$r" -v scen=" $SCEN " '
                index(scen, " " $1 " ") && $2 ~ /^[0-9]+$/ && NF >= 12 {
                    print side, round, $1, $4, $9, $10, $11 }' |
            tee -a "$out"
    done
done
echo
echo "median per binary and scenario (A = $A, B = $B):"
printf '%-4s %-12s %10s %8s %9s %s\n' side scenario cpu-us/rec cpu% peak-MiB lost
for side in A B; do
    for s in $SCEN; do
        med() { awk -v side="$side" -v s="$s" -v col="$1" '$1 == side && $3 == s { print $col }' "$out" |
            sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "-" }'; }
        lost=$(awk -v side="$side" -v s="$s" '$1 == side && $3 == s { printf "%s ", $4 }' "$out")
        printf '%-4s %-12s %10s %8s %9s %s\n' "$side" "$s" "$(med 5)" "$(med 6)" "$(med 7)" "$lost"
    done
done
