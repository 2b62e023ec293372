#!/usr/bin/env bash
# Runs every test: installs dependencies, checks formatting and banned calls, builds twice
# (plain, and with AddressSanitizer + UndefinedBehaviorSanitizer), and runs the unit and
# integration suites against both builds. Exits non-zero on the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/format-check.sh
scripts/banned.sh

jobs=$(nproc 2>/dev/null || echo 2)

echo "== build (release) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

echo "== build (ASan + UBSan) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLOGSHIP_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== tests (release) =="
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== tests (ASan + UBSan) =="
ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== fuzz (short run) =="
scripts/fuzz.sh 10
