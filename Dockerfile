# logship container image: a drop-in for the fly-log-shipper image.
#
# Two stages. `build` compiles logship on Debian bookworm with the build packages of
# scripts/deps.sh (the -dev libraries, plus scdoc for the man page; scripts/image-check.sh
# fails when deps.sh lists a library this file does not). The runtime stage is
# debian:bookworm-slim with only the shared libraries the binary links to: the build stage
# writes their Debian package names to /out/runtime-packages, so a new dependency needs no edit
# here.
#
# Runs as the unprivileged user `logship` (uid 10001). Ports: 8686 /health (the Fly service
# check, as fly-log-shipper's Vector API), 9598 /metrics (Prometheus).
#
# Disk buffer: mount a volume at /var/lib/logship (owned by the logship user) and set
# LOGSHIP_BUFFER_DIR=/var/lib/logship/buffer; dead letters can go beside it with
# LOGSHIP_DEAD_LETTER_DIR=/var/lib/logship/dead-letters. There is no VOLUME instruction on
# purpose: Docker would attach a fresh anonymous volume on every `docker run`, which looks
# durable and is not; a buffer should be on a volume you named (fly.toml [mounts]).
#
#   docker build -t logship .
#   docker run --rm -e ORG=... -e ACCESS_TOKEN=... -e HTTP_URL=... logship --check

FROM debian:bookworm AS build
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config ca-certificates python3 scdoc \
        libnats-dev libcurl4-openssl-dev libjson-c-dev libdeflate-dev libisal-dev zlib1g-dev libssl-dev \
        libmicrohttpd-dev libpcre2-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY . .
# RelWithDebInfo is what scripts/test.sh builds and tests; --strip drops the debug info.
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOGSHIP_TESTS=OFF \
    && cmake --build /build -j"$(nproc)" --target logship manpage \
    && DESTDIR=/out cmake --install /build --prefix /usr --strip \
    && /out/usr/bin/logship --version
# The package of each library named in the binary's NEEDED entries (dpkg -S matches the
# soname symlink, which the runtime package ships, never the -dev package).
RUN set -e; \
    for lib in $(objdump -p /out/usr/bin/logship | awk '$1 == "NEEDED" { print $2 }'); do \
        dpkg -S "*/$lib" | head -n 1 | cut -d: -f1; \
    done | sort -u > /out/runtime-packages; \
    cat /out/runtime-packages

FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates $(cat /tmp/runtime-packages) \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
        /tmp/runtime-packages \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/logship --no-create-home \
        --shell /usr/sbin/nologin logship \
    && install -d -o logship -g logship -m 0750 /var/lib/logship
COPY --from=build /out/usr/bin/logship /usr/bin/logship

LABEL org.opencontainers.image.title="logship" \
      org.opencontainers.image.description="Ships Fly.io log records from NATS to log providers (a fly-log-shipper replacement)"
USER 10001:10001
WORKDIR /var/lib/logship
EXPOSE 8686 9598
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/logship"]
