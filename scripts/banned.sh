#!/usr/bin/env bash
# Rejects calls that have safer replacements (curl's checksrc list, STYLE.md §11):
# atoi/atol, sprintf, strcpy/strcat/strncpy, strtok, gmtime/localtime (use the _r forms).
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(atoi|atol|atoll|sprintf|vsprintf|strcpy|strcat|strncpy|strtok|gmtime|localtime)[[:space:]]*\('
if git ls-files -z 'src/*.c' 'src/*.h' 'bench/*.c' 'tests/*.c' | xargs -0 grep -nE "$pattern"; then
  echo "banned: use snprintf, strtol/strtoull, memcpy with explicit sizes, and the _r time functions" >&2
  exit 1
fi
