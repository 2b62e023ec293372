#!/usr/bin/env bash
# Builds every libFuzzer target in tests/fuzz/ (clang, with ASan + UBSan) and runs each one for
# the given number of seconds (default 60) on a copy of its seed corpus in tests/fuzz/corpus/.
# The short run (10 s each) is part of scripts/test.sh; run longer by hand: scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=build-fuzz
mkdir -p "$out"
flags=$(pkg-config --cflags libnats json-c libcurl libdeflate libisal libmicrohttpd openssl zlib libpcre2-8)
libs=$(pkg-config --libs libnats json-c libcurl libdeflate libisal libmicrohttpd openssl zlib libpcre2-8)
srcs=$(git ls-files 'src/*.c' | grep -v '^src/main.c$')
cflags="-std=c11 -D_GNU_SOURCE -DLOGSHIP_VERSION=\"fuzz\" -g -O1 -fno-sanitize-recover=all -Isrc $flags"
# The library sources are compiled once (instrumented, not linked with the fuzzer's main) and
# shared by every target, two at a time.
mkdir -p "$out/obj"
printf '%s\n' $srcs | xargs -P "$(nproc 2>/dev/null || echo 2)" -I{} sh -c \
  'o="$1/obj/$(echo "$2" | tr / _).o"; clang $3 -fsanitize=fuzzer-no-link,address,undefined -c "$2" -o "$o"' \
  _ "$out" {} "$cflags"
objs=$(for f in $srcs; do printf '%s/obj/%s.o ' "$out" "$(echo "$f" | tr / _)"; done)
for target in tests/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  corpus=tests/fuzz/corpus/${name#fuzz_}
  exe=$out/$name
  # shellcheck disable=SC2086
  clang $cflags -fsanitize=fuzzer,address,undefined "$target" $objs $libs -lpthread -lm -o "$exe"
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
