#!/usr/bin/env bash
# Fails when any C file differs from what clang-format (the repo's .clang-format) would write.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r -d '' f; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f needs clang-format -i" >&2
    bad=1
  fi
done < <(git ls-files -z '*.c' '*.h')
exit $bad
