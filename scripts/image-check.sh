#!/usr/bin/env bash
# Builds the container image from the repository's Dockerfile and checks it: logship --version
# and --check run inside it, it runs as a non-root user, exposes 8686 and 9598, answers
# /health 200 against a real nats-server, and is smaller than 100 MB (fly-log-shipper's Vector
# image is well over that). Prints the image size.
#
# Base images: when debian:bookworm and debian:bookworm-slim are not in the local image store
# (this machine cannot pull from a registry), they are bootstrapped from Debian's packages with
# mmdebstrap (minbase; the slim one with the same dpkg path excludes as the official slim
# image) and imported under those names, and the build runs with --pull=never.
#
# Not part of scripts/test.sh: it takes several minutes and needs Debian's package mirror.
# Missing tools (podman, mmdebstrap) make it print SKIP and exit 0, unless
# IMAGE_CHECK_STRICT=1. Work files go to $IMAGE_CHECK_DIR (default build/image-check);
# IMAGE_CHECK_KEEP_CACHE=1 keeps the build stage's layers for a faster next run.
# Exits 1 on the first failed check.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${IMAGE_CHECK_TAG:-localhost/logship:check}
WORK=${IMAGE_CHECK_DIR:-build/image-check}
MAX_MB=${IMAGE_CHECK_MAX_MB:-100}

say() { printf 'image-check: %s\n' "$*"; }
fail() {
    say "FAIL: $*"
    exit 1
}
skip() {
    if [ "${IMAGE_CHECK_STRICT:-0}" = 1 ]; then
        fail "$*"
    fi
    say "SKIP: $*"
    exit 0
}

# 1. The build stage must install every library deps.sh installs, or the image and a source
#    build would link differently. Cheap, so it runs even when the image cannot be built.
# shellcheck disable=SC2013 # package names are words
for pkg in $(grep -oE '\blib[a-z0-9.+-]*-dev\b' scripts/deps.sh | sort -u); do
    case "$pkg" in
    libclang-rt-*) continue ;; # sanitizer runtime: test builds only
    esac
    grep -qE "(^|[[:space:]])$pkg([[:space:]]|\$)" Dockerfile ||
        fail "scripts/deps.sh installs $pkg but the Dockerfile's build stage does not"
done
say "Dockerfile build stage has every library of scripts/deps.sh"

command -v podman >/dev/null || skip "podman is not installed (apt-get install podman runc)"

mkdir -p "$WORK"

# 2. Base images.
bootstrap() { # name tag [mmdebstrap options...]
    local name=$1 tag=$2
    shift 2
    if podman image exists "docker.io/library/debian:$tag"; then
        return
    fi
    command -v mmdebstrap >/dev/null ||
        skip "debian:$tag is not available locally and mmdebstrap is not installed"
    say "bootstrapping debian:$tag from Debian's packages (mmdebstrap)"
    # The merged-usr hook, as Debian's own images: otherwise usrmerge and perl (50 MB) come in.
    mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
        "$@" bookworm "$WORK/$name.tar" >"$WORK/mmdebstrap-$name.log" 2>&1 ||
        fail "mmdebstrap could not build debian:$tag (log: $WORK/mmdebstrap-$name.log)"
    podman import --quiet --change "LABEL org.logship.base=mmdebstrap" \
        "$WORK/$name.tar" "docker.io/library/debian:$tag" >/dev/null
    rm -f "$WORK/$name.tar"
}
bootstrap bookworm bookworm
# The official slim image drops documentation and locales through these dpkg excludes.
bootstrap bookworm-slim bookworm-slim \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*'

# 3. Container runtime options. Some hosts (this one: no CAP_SYS_RESOURCE, a cgroup v2 hierarchy
#    that crun calls hybrid) refuse podman's default rlimits or crun itself; try what works.
hard_nofile=$(ulimit -Hn)
limits="--ulimit nofile=$hard_nofile:$hard_nofile --ulimit nproc=4096:4096"
candidates=("" "$limits")
if command -v runc >/dev/null; then
    candidates+=("--runtime runc $limits")
fi
OPTS=
found=0
for c in "${candidates[@]}"; do
    # shellcheck disable=SC2086 # options are words on purpose
    if podman run $c --rm --network host docker.io/library/debian:bookworm-slim true \
        >"$WORK/probe.log" 2>&1; then
        OPTS=$c
        found=1
        break
    fi
done
[ $found = 1 ] || fail "podman cannot start a container here: $(tail -n 1 "$WORK/probe.log")"
say "container options: ${OPTS:-(defaults)}"
for tag in bookworm bookworm-slim; do
    origin=$(podman image inspect --format '{{index .Labels "org.logship.base"}}' \
        "docker.io/library/debian:$tag" 2>/dev/null || true)
    say "base debian:$tag: ${origin:-from a registry}"
done

# 4. Build. Host networking: apt-get inside the build reaches Debian's mirror as the host does.
say "building $IMAGE (log: $WORK/build.log)"
start=$(date +%s)
# shellcheck disable=SC2086
if ! podman build $OPTS --pull=never --network host -t "$IMAGE" -f Dockerfile . \
    >"$WORK/build.log" 2>&1; then
    tail -n 30 "$WORK/build.log"
    fail "podman build failed"
fi
say "built in $(($(date +%s) - start))s"

# 5. Inspect.
user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
case "$user" in
"" | 0 | 0:* | root | root:*) fail "image runs as root (User=\"$user\")" ;;
esac
ports=$(podman image inspect --format '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}' \
    "$IMAGE")
for p in 8686/tcp 9598/tcp; do
    case " $ports" in
    *" $p "*) ;;
    *) fail "image does not expose $p (exposes: $ports)" ;;
    esac
done
entry=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")
[ "$entry" = '["/usr/bin/logship"]' ] || fail "entrypoint is $entry"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
size_mb=$(((size + 999999) / 1000000))
say "user $user, ports $ports, entrypoint $entry"

# 6. Run it.
# shellcheck disable=SC2086
run() { podman run $OPTS --rm --network host "$@"; }
version=$(run "$IMAGE" --version) || fail "logship --version failed in the image"
case "$version" in
"logship "*) say "--version: $version" ;;
*) fail "unexpected --version output: $version" ;;
esac
uid=$(run --entrypoint /usr/bin/id "$IMAGE" -u) || fail "cannot run id in the image"
[ "$uid" != 0 ] || fail "the container process runs as uid 0"
if ! out=$(run -e NATS_URL=nats://127.0.0.1:4222 -e LOGSHIP_BLACKHOLE=1 "$IMAGE" --check 2>&1); then
    printf '%s\n' "$out"
    fail "logship --check of a valid configuration failed in the image"
fi
say "--check (valid configuration): exit 0"
set +e
out=$(run -e NATS_URL=nats://127.0.0.1:4222 -e HTTP_URL='not a url' "$IMAGE" --check 2>&1)
rc=$?
set -e
[ $rc = 1 ] || fail "--check of an invalid HTTP_URL exited $rc, expected 1: $out"
grep -q HTTP_URL <<<"$out" || fail "--check did not name HTTP_URL: $out"
say "--check (invalid HTTP_URL): exit 1, names the variable"

# /health against a real nats-server on the host's loopback, when there is one to run.
if command -v nats-server >/dev/null; then
    port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
    }
    nport=$(port)
    hport=$(port)
    mport=$(port)
    nats-server -a 127.0.0.1 -p "$nport" >"$WORK/nats.log" 2>&1 &
    nats_pid=$!
    name="logship-check-$$"
    cleanup() {
        podman rm -f "$name" >/dev/null 2>&1 || true
        kill "$nats_pid" 2>/dev/null || true
        wait "$nats_pid" 2>/dev/null || true
    }
    trap cleanup EXIT
    # shellcheck disable=SC2086
    podman run $OPTS -d --name "$name" --network host -e NATS_URL="nats://127.0.0.1:$nport" \
        -e LOGSHIP_BLACKHOLE=1 -e LOGSHIP_HEALTH_ADDR="127.0.0.1:$hport" \
        -e LOGSHIP_METRICS_ADDR="127.0.0.1:$mport" "$IMAGE" >/dev/null
    ok=0
    for _ in $(seq 1 100); do
        if curl -fsS "http://127.0.0.1:$hport/health" >"$WORK/health.json" 2>/dev/null; then
            ok=1
            break
        fi
        sleep 0.1
    done
    if [ $ok != 1 ]; then
        podman logs "$name" 2>&1 | tail -n 20
        fail "/health did not answer 200 within 10s"
    fi
    # To a file first: grep -q stops reading early, and curl's SIGPIPE would fail the pipe.
    curl -fsS "http://127.0.0.1:$mport/metrics" >"$WORK/metrics.txt" ||
        fail "/metrics did not answer"
    grep -q '^logship_received_total ' "$WORK/metrics.txt" ||
        fail "/metrics has no logship_received_total"
    podman stop -t 15 "$name" >/dev/null
    code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
    [ "$code" = 0 ] || fail "logship exited $code on SIGTERM, expected 0"
    say "daemon in the image: /health 200, /metrics served, exit 0 on SIGTERM"
fi

# The build stage's layers (800 MB) stay behind as untagged images; drop them unless asked to
# keep them as a cache for the next run.
if [ "${IMAGE_CHECK_KEEP_CACHE:-0}" != 1 ]; then
    podman image prune -f >/dev/null 2>&1 || true
fi

[ "$size_mb" -le "$MAX_MB" ] || fail "image is ${size_mb} MB, more than ${MAX_MB} MB"
say "image size: ${size_mb} MB (fly-log-shipper's Vector image: well over 100 MB)"
say "OK"
