/*
 * Benchmark publisher: loads {"subject","payload"} NDJSON records into memory once, then
 * publishes --count messages to NATS cycling through them, as fast as possible or paced to a
 * fixed --rate by a token bucket on the monotonic clock. Payload bytes are published exactly as
 * they appear in the input. It is the traffic source for bench/run.sh; it links nats.c and
 * json-c only (never logship_core) so it measures the same thing whatever logship looks like.
 *
 * Output (stdout, one key=value line, parsed by run.sh):
 *   sent=N bytes=B elapsed=S rate=R mbps=M start_ns=T0 end_ns=T1
 * start_ns/end_ns are CLOCK_REALTIME nanoseconds so other processes can compare against them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <nats/nats.h>

#ifndef LS_FIXTURES_DIR
#define LS_FIXTURES_DIR "../shared/fixtures"
#endif

/* Pacing granularity: at most this long between bursts, so pacing stays smooth below 1 ms. */
#define LS_PACE_SLICE_NS 200000LL

struct rec {
    char *subject;
    char *payload;
    int len;
};

struct recs {
    struct rec *v;
    size_t n;
    size_t cap;
};

static int64_t now_ns(clockid_t clk)
{
    struct timespec ts;
    clock_gettime(clk, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: publisher [--url URL] [--input FILE] [--count N] [--rate N] [--seq]\n"
               "  --url    NATS URL (default nats://127.0.0.1:4222)\n"
               "  --input  {\"subject\",\"payload\"} NDJSON (default "
               "$LS_FIXTURES_DIR/fly-logs.subjects.ndjson)\n"
               "  --count  messages to publish (default 1000000)\n"
               "  --rate   messages per second, 0 = as fast as possible (default 0)\n"
               "  --seq    reserved for latency stamping; payloads are currently sent as is\n");
}

static int parse_count(const char *s, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < 0)
        return -1;
    *out = v;
    return 0;
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static int recs_push(struct recs *r, const char *subj, size_t slen, const char *pay, size_t plen)
{
    if (plen > INT32_MAX)
        return -1;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        struct rec *v = realloc(r->v, cap * sizeof(*v));
        if (!v)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    struct rec *e = &r->v[r->n];
    e->subject = dupn(subj, slen);
    e->payload = dupn(pay, plen);
    e->len = (int)plen;
    if (!e->subject || !e->payload) {
        free(e->subject);
        free(e->payload);
        return -1;
    }
    r->n++;
    return 0;
}

static void recs_free(struct recs *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].subject);
        free(r->v[i].payload);
    }
    free(r->v);
}

/* Reads every line of path as {"subject": "...", "payload": "..."}; skips blank lines. */
static int load(const char *path, struct recs *r, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        json_object *o = json_tokener_parse(line);
        json_object *js = NULL, *jp = NULL;
        if (!o || !json_object_object_get_ex(o, "subject", &js) ||
            !json_object_object_get_ex(o, "payload", &jp) ||
            !json_object_is_type(js, json_type_string) ||
            !json_object_is_type(jp, json_type_string)) {
            snprintf(err, errlen, "line %ld: not a {\"subject\",\"payload\"} object", lineno);
            json_object_put(o);
            rc = -1;
            break;
        }
        if (recs_push(r, json_object_get_string(js), (size_t)json_object_get_string_len(js),
                      json_object_get_string(jp), (size_t)json_object_get_string_len(jp))) {
            snprintf(err, errlen, "line %ld: out of memory", lineno);
            json_object_put(o);
            rc = -1;
            break;
        }
        json_object_put(o);
    }
    free(line);
    fclose(f);
    if (rc == 0 && r->n == 0) {
        snprintf(err, errlen, "no records");
        rc = -1;
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *url = "nats://127.0.0.1:4222";
    const char *input = NULL;
    char defpath[4096];
    long long count = 1000000, rate = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--seq")) {
            continue;
        } else if (!v) {
            usage(stderr);
            return 2;
        } else if (!strcmp(a, "--url")) {
            url = v;
        } else if (!strcmp(a, "--input")) {
            input = v;
        } else if (!strcmp(a, "--count")) {
            if (parse_count(v, &count)) {
                fprintf(stderr, "publisher: bad --count %s\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--rate")) {
            if (parse_count(v, &rate)) {
                fprintf(stderr, "publisher: bad --rate %s\n", v);
                return 2;
            }
        } else {
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (!input) {
        const char *dir = getenv("LS_FIXTURES_DIR");
        snprintf(defpath, sizeof(defpath), "%s/fly-logs.subjects.ndjson",
                 dir && *dir ? dir : LS_FIXTURES_DIR);
        input = defpath;
    }

    struct recs recs = {0};
    char err[512];
    if (load(input, &recs, err, sizeof(err))) {
        fprintf(stderr, "publisher: %s: %s\n", input, err);
        recs_free(&recs);
        return 1;
    }

    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    /* A large write buffer lets nats.c coalesce many small publishes into few writes. */
    if (s == NATS_OK)
        s = natsOptions_SetIOBufSize(opts, 1024 * 1024);
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(opts, 0);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, opts);
    if (s != NATS_OK) {
        fprintf(stderr, "publisher: connect %s: %s\n", url, natsStatus_GetText(s));
        natsOptions_Destroy(opts);
        recs_free(&recs);
        return 1;
    }

    long long sent = 0;
    uint64_t bytes = 0;
    size_t idx = 0;
    int64_t t0 = now_ns(CLOCK_MONOTONIC);
    int64_t start_real = now_ns(CLOCK_REALTIME);
    while (sent < count && s == NATS_OK) {
        long long allowed = count - sent;
        if (rate > 0) {
            /* Token bucket: tokens accrue continuously from t0; send what is due, then sleep
             * at most one slice so bursts stay small. */
            int64_t el = now_ns(CLOCK_MONOTONIC) - t0;
            long long due = (long long)((double)el * (double)rate / 1e9) + 1;
            if (due > count)
                due = count;
            allowed = due - sent;
            if (allowed <= 0) {
                int64_t next = t0 + (int64_t)((double)(sent)*1e9 / (double)rate);
                int64_t wait = next - now_ns(CLOCK_MONOTONIC);
                if (wait > LS_PACE_SLICE_NS)
                    wait = LS_PACE_SLICE_NS;
                if (wait > 0) {
                    struct timespec ts = {0, (long)wait};
                    nanosleep(&ts, NULL);
                }
                continue;
            }
        }
        for (long long k = 0; k < allowed && s == NATS_OK; k++) {
            const struct rec *e = &recs.v[idx];
            s = natsConnection_Publish(nc, e->subject, e->payload, e->len);
            if (s == NATS_OK) {
                sent++;
                bytes += (uint64_t)e->len;
            }
            if (++idx == recs.n)
                idx = 0;
        }
    }
    if (s == NATS_OK)
        s = natsConnection_FlushTimeout(nc, 60000);
    int64_t el = now_ns(CLOCK_MONOTONIC) - t0;
    int64_t end_real = now_ns(CLOCK_REALTIME);
    if (s != NATS_OK)
        fprintf(stderr, "publisher: publish/flush: %s\n", natsStatus_GetText(s));

    double secs = (double)el / 1e9;
    printf("sent=%lld bytes=%" PRIu64 " elapsed=%.6f rate=%.0f mbps=%.2f start_ns=%" PRId64
           " end_ns=%" PRId64 " records=%zu\n",
           sent, bytes, secs, secs > 0 ? (double)sent / secs : 0.0,
           secs > 0 ? (double)bytes / secs / 1e6 : 0.0, start_real, end_real, recs.n);
    fflush(stdout);

    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    recs_free(&recs);
    return s == NATS_OK ? 0 : 3;
}
