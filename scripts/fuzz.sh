#!/usr/bin/env bash
# Builds every libFuzzer target in tests/fuzz/ (clang, with ASan + UBSan) and runs each one for
# the given number of seconds (default 60) on a copy of its seed corpus in tests/fuzz/corpus/.
# The short run (20 s each) is part of scripts/test.sh; run longer by hand: scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=build-fuzz
mkdir -p "$out"
flags=$(pkg-config --cflags libnats json-c libcurl libdeflate libmicrohttpd openssl zlib libpcre2-8)
libs=$(pkg-config --libs libnats json-c libcurl libdeflate libmicrohttpd openssl zlib libpcre2-8)
srcs=$(git ls-files 'src/*.c' | grep -v '^src/main.c$')
for target in tests/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  corpus=tests/fuzz/corpus/${name#fuzz_}
  exe=$out/$name
  clang -std=c11 -D_GNU_SOURCE -DLOGSHIP_VERSION='"fuzz"' -g -O1 \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Isrc $flags \
    "$target" $srcs $libs -lpthread -lm -o "$exe"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  echo "== fuzz $name for ${seconds}s =="
  # -max_total_time bounds the run; a crash exits non-zero and leaves crash-* in $out.
  status=0
  "$exe" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$out/$name-" \
    "$work" >"$out/$name.log" 2>&1 || status=$?
  grep -E "stat::number_of_executed_units|ERROR|SUMMARY" "$out/$name.log" || true
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then
    tail -40 "$out/$name.log" >&2
    echo "fuzz: $name failed (exit $status); reproduce with $exe $out/$name-crash-*" >&2
    exit 1
  fi
done
