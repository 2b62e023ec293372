/*
 * Benchmark publisher: loads {"subject","payload"} NDJSON records into memory once, then
 * publishes --count messages to NATS cycling through them, as fast as possible or paced to a
 * fixed --rate by a token bucket on the monotonic clock. Payload bytes are published exactly as
 * they appear in the input. It is the traffic source for bench/run.sh; it links nats.c and
 * json-c only (never logship_core) so it measures the same thing whatever logship looks like.
 *
 * With --stamp (the latency scenario) each JSON-object payload gets its publish time as a last
 * top-level key, `,"zz_bench_ns":<CLOCK_REALTIME ns>` inserted before the final '}': "zz_" sorts
 * after every Fly key, so a compact sorted-key record stays canonical and logship's copy path
 * is the one measured; bench/receiver subtracts it from its receive time. Payloads that are not
 * objects are sent unchanged.
 *
 * Output (stdout, one key=value line, parsed by run.sh):
 *   sent=N bytes=B elapsed=S rate=R mbps=M start_ns=T0 end_ns=T1 records=K stamped=S
 * start_ns/end_ns are CLOCK_REALTIME nanoseconds so other processes can compare against them;
 * bytes count what was published (stamps included).
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

/* Room for `,"zz_bench_ns":` plus 19 digits and the closing brace. */
#define LS_STAMP_MAX 48

struct rec {
    char *subject;
    char *payload;
    int len;
    int close; /* index of the payload's final '}', or -1 when it is not a JSON object */
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
    fprintf(f, "usage: publisher [--url URL] [--input FILE] [--count N] [--rate N] [--stamp]\n"
               "  --url    NATS URL (default nats://127.0.0.1:4222)\n"
               "  --input  {\"subject\",\"payload\"} NDJSON (default "
               "$LS_FIXTURES_DIR/fly-logs.subjects.ndjson)\n"
               "  --count  messages to publish (default 1000000)\n"
               "  --rate   messages per second, 0 = as fast as possible (default 0)\n"
               "  --stamp  add \"zz_bench_ns\":<publish time> as the last key of each object\n");
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
    e->close = -1;
    /* An object payload ends in '}' after optional whitespace; keep where, for --stamp. */
    size_t k = plen;
    while (k > 0 &&
           (pay[k - 1] == ' ' || pay[k - 1] == '\n' || pay[k - 1] == '\r' || pay[k - 1] == '\t'))
        k--;
    if (k >= 2 && pay[0] == '{' && pay[k - 1] == '}')
        e->close = (int)(k - 1);
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

/* Writes e's payload with `,"zz_bench_ns":ns` before its final '}' into out (room for the
 * payload plus LS_STAMP_MAX); returns the length. The byte before '}' (whitespace skipped)
 * tells an empty object, which takes no comma. */
static int stamp_payload(char *out, const struct rec *e, int64_t ns)
{
    int k = e->close;
    int j = k;
    while (j > 0 && (e->payload[j - 1] == ' ' || e->payload[j - 1] == '\n' ||
                     e->payload[j - 1] == '\r' || e->payload[j - 1] == '\t'))
        j--;
    bool empty = j > 0 && e->payload[j - 1] == '{';
    memcpy(out, e->payload, (size_t)k);
    int n = snprintf(out + k, LS_STAMP_MAX, "%s\"zz_bench_ns\":%" PRId64 "}", empty ? "" : ",", ns);
    return k + n;
}

int main(int argc, char **argv)
{
    const char *url = "nats://127.0.0.1:4222";
    const char *input = NULL;
    char defpath[4096];
    long long count = 1000000, rate = 0;
    bool stamp = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--stamp")) {
            stamp = true;
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

    char *scratch = NULL;
    if (stamp) {
        size_t maxlen = 0;
        for (size_t i = 0; i < recs.n; i++)
            maxlen = (size_t)recs.v[i].len > maxlen ? (size_t)recs.v[i].len : maxlen;
        scratch = malloc(maxlen + LS_STAMP_MAX);
        if (!scratch) {
            fprintf(stderr, "publisher: out of memory\n");
            recs_free(&recs);
            return 1;
        }
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
        free(scratch);
        return 1;
    }

    long long sent = 0, stamped = 0;
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
            if (stamp && e->close > 0) {
                int len = stamp_payload(scratch, e, now_ns(CLOCK_REALTIME));
                s = natsConnection_Publish(nc, e->subject, scratch, len);
                if (s == NATS_OK) {
                    stamped++;
                    bytes += (uint64_t)len;
                }
            } else {
                s = natsConnection_Publish(nc, e->subject, e->payload, e->len);
                if (s == NATS_OK)
                    bytes += (uint64_t)e->len;
            }
            if (s == NATS_OK)
                sent++;
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
           " end_ns=%" PRId64 " records=%zu stamped=%lld\n",
           sent, bytes, secs, secs > 0 ? (double)sent / secs : 0.0,
           secs > 0 ? (double)bytes / secs / 1e6 : 0.0, start_real, end_real, recs.n, stamped);
    fflush(stdout);

    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    recs_free(&recs);
    free(scratch);
    return s == NATS_OK ? 0 : 3;
}
