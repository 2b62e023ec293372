#!/usr/bin/env bash
# Installs what logship needs to build, test and run its demo, from Debian's packages.
# Idempotent: packages already present are skipped, so a second run does nothing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
  libnats-dev libcurl4-openssl-dev libjson-c-dev libdeflate-dev libisal-dev zlib1g-dev libssl-dev
  libmicrohttpd-dev nats-server python3 curl ca-certificates scdoc
  libpcre2-dev rsyslog rsyslog-openssl openssl python3-botocore
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

if [ ${#missing[@]} -ne 0 ]; then
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- S3 test server (tests/integration/test_providers_s3.py) --------------------------------
# A fake S3 that verifies SigV4 signatures, from the npm registry into tests/node_modules
# (git-ignored). The @20minutes fork of s3rver is used because s3rver 3.7.1 accepts any V4
# signature. Pinned; skipped when that version is already there.
S3RVER_PKG="@20minutes/s3rver"
S3RVER_VERSION="4.0.4"
install_s3rver() {
  local root pkg_json
  root="$(cd "$(dirname "$0")/.." && pwd)/tests"
  pkg_json="$root/node_modules/$S3RVER_PKG/package.json"
  if [ -f "$pkg_json" ] && grep -q "\"version\": \"$S3RVER_VERSION\"" "$pkg_json"; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "deps: installing nodejs npm"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  echo "deps: installing $S3RVER_PKG@$S3RVER_VERSION into tests/node_modules"
  npm install --prefix "$root" --no-save --no-audit --no-fund --loglevel=error \
    "$S3RVER_PKG@$S3RVER_VERSION"
}
install_s3rver
