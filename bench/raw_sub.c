/*
 * Benchmark baseline: a raw nats.c subscriber that only counts messages and bytes. Its rate is
 * the ceiling logship is compared against in bench/run.sh (same server, same messages, same
 * run). It links nats.c only, never logship_core.
 *
 * Protocol with the runner: after the subscription is registered on the server (flush), it
 * prints "ready" on stdout. It exits once --count messages have arrived, or --idle-timeout ms
 * passed without traffic (after the first message; --first-timeout before it), and prints one
 * key=value line:
 *   count=N bytes=B elapsed=S rate=R mbps=M dropped=D first_ns=T0 last_ns=T1 cpu=C maxrss_kb=K
 * elapsed is first-to-last message; first_ns/last_ns are CLOCK_REALTIME nanoseconds; cpu is
 * user+system seconds spent between "ready" and exit; maxrss_kb is the peak RSS (VmHWM).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <nats/nats.h>

struct counters {
    atomic_llong count;
    atomic_ullong bytes;
    atomic_llong first_real;
    atomic_llong last_real;
    atomic_llong last_mono;
};

static int64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Runs on the nats.c delivery thread (one per subscription), so the plain read-modify-write
 * of first_real is safe; atomics are for the main thread that polls. Stamping the clock per
 * message costs ~20 ns, small against the ~600 ns the client spends per message. */
static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    struct counters *c = closure;
    int64_t real = now_ns(CLOCK_REALTIME);
    if (atomic_load_explicit(&c->count, memory_order_relaxed) == 0)
        atomic_store(&c->first_real, real);
    atomic_fetch_add_explicit(&c->bytes, (unsigned long long)natsMsg_GetDataLength(msg),
                              memory_order_relaxed);
    atomic_store_explicit(&c->last_real, real, memory_order_relaxed);
    atomic_store_explicit(&c->last_mono, now_ns(CLOCK_MONOTONIC), memory_order_relaxed);
    atomic_fetch_add_explicit(&c->count, 1, memory_order_release);
    natsMsg_Destroy(msg);
}

/* Peak RSS in KiB: VmHWM is exact where ru_maxrss can lag behind the current RSS. */
static long peak_rss_kb(void)
{
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof(line), f)) {
            if (!strncmp(line, "VmHWM:", 6)) {
                char *end = NULL;
                errno = 0;
                long v = strtol(line + 6, &end, 10);
                if (!errno && end != line + 6)
                    kb = v;
                break;
            }
        }
        fclose(f);
    }
    if (kb < 0) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        kb = ru.ru_maxrss;
    }
    return kb;
}

static int parse_num(const char *s, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < 0)
        return -1;
    *out = v;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: raw_sub [--url URL] [--subject S] [--count N] [--idle-timeout MS]\n"
               "               [--first-timeout MS]\n"
               "  defaults: nats://127.0.0.1:4222, logs.>, 1000000, 5000, 60000\n");
}

int main(int argc, char **argv)
{
    const char *url = "nats://127.0.0.1:4222";
    const char *subject = "logs.>";
    long long count = 1000000, idle_ms = 5000, first_ms = 60000;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long *num = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!v) {
            usage(stderr);
            return 2;
        } else if (!strcmp(a, "--url")) {
            url = v;
        } else if (!strcmp(a, "--subject")) {
            subject = v;
        } else if (!strcmp(a, "--count")) {
            num = &count;
        } else if (!strcmp(a, "--idle-timeout")) {
            num = &idle_ms;
        } else if (!strcmp(a, "--first-timeout")) {
            num = &first_ms;
        } else {
            usage(stderr);
            return 2;
        }
        if (num && parse_num(v, num)) {
            fprintf(stderr, "raw_sub: bad %s %s\n", a, v);
            return 2;
        }
        i++;
    }

    static struct counters c;
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetIOBufSize(opts, 1024 * 1024);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(opts, 0);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s == NATS_OK)
        s = natsConnection_Subscribe(&sub, nc, subject, on_msg, &c);
    /* Without this, the default 65536-message pending limit makes the client drop whenever
     * the delivery thread falls behind the socket reader, which would flatter no one. */
    if (s == NATS_OK)
        s = natsSubscription_SetPendingLimits(sub, -1, -1);
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(nc, 10000);
    if (s != NATS_OK) {
        fprintf(stderr, "raw_sub: %s: %s\n", url, natsStatus_GetText(s));
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
        natsOptions_Destroy(opts);
        return 1;
    }
    double cpu0 = cpu_seconds();
    printf("ready\n");
    fflush(stdout);

    int64_t start = now_ns(CLOCK_MONOTONIC);
    for (;;) {
        long long got = atomic_load_explicit(&c.count, memory_order_acquire);
        if (got >= count)
            break;
        int64_t now = now_ns(CLOCK_MONOTONIC);
        if (got == 0) {
            if (now - start > first_ms * 1000000LL)
                break;
        } else if (now - atomic_load(&c.last_mono) > idle_ms * 1000000LL) {
            break;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }

    int64_t dropped = 0;
    natsSubscription_GetDropped(sub, &dropped);
    natsSubscription_Unsubscribe(sub);
    double cpu = cpu_seconds() - cpu0;

    long long got = atomic_load(&c.count);
    unsigned long long bytes = atomic_load(&c.bytes);
    int64_t first = atomic_load(&c.first_real), last = atomic_load(&c.last_real);
    double secs = got > 1 ? (double)(last - first) / 1e9 : 0.0;
    printf("count=%lld bytes=%llu elapsed=%.6f rate=%.0f mbps=%.2f dropped=%" PRId64
           " first_ns=%" PRId64 " last_ns=%" PRId64 " cpu=%.3f maxrss_kb=%ld\n",
           got, bytes, secs, secs > 0 ? (double)got / secs : 0.0,
           secs > 0 ? (double)bytes / secs / 1e6 : 0.0, dropped, first, last, cpu, peak_rss_kb());
    fflush(stdout);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    return got >= count ? 0 : 4;
}
