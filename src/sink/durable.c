/* A sink's durable buffer; see durable.h. */
#include "sink/durable.h"
#include "buffer/segment.h"
#include "core/log.h"
#include "core/metrics.h"
#include "event/event.h"
#include "event/parse.h"
#include "sink/sink_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STASH_MAX 256

static int64_t gauge_events(void *ctx)
{
    struct ls_segment_stats st;
    ls_segment_stats(((struct ls_sink *)ctx)->store, &st);
    return (int64_t)st.records;
}

static int64_t gauge_bytes(void *ctx)
{
    struct ls_segment_stats st;
    ls_segment_stats(((struct ls_sink *)ctx)->store, &st);
    return (int64_t)st.bytes;
}

static int64_t gauge_age(void *ctx)
{
    struct ls_segment_stats st;
    ls_segment_stats(((struct ls_sink *)ctx)->store, &st);
    if (!st.records || !st.oldest_ns)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    return now > st.oldest_ns ? (now - st.oldest_ns) / 1000000000 : 0;
}

int ls_durable_open(struct ls_sink *s, const char *dir, const struct ls_segment_options *o,
                    char *err, size_t errlen)
{
    char path[4096], why[256];
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "LOGSHIP_BUFFER_DIR: cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    if (snprintf(path, sizeof(path), "%s/%s", dir, s->name) >= (int)sizeof(path)) {
        snprintf(err, errlen, "LOGSHIP_BUFFER_DIR: path too long");
        return -1;
    }
    struct ls_segment_recovery rec;
    if (ls_segment_open(path, o, &s->store, &rec, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "LOGSHIP_BUFFER_DIR: %s: %s", path, why);
        return -1;
    }
    char l[160];
    snprintf(l, sizeof(l), "sink=\"%s\"", s->name);
    ls_metrics_gauge_fn("logship_buffer_events", l, "Records in the sink's disk buffer.",
                        gauge_events, s);
    ls_metrics_gauge_fn("logship_buffer_bytes", l, "Bytes in the sink's disk buffer.", gauge_bytes,
                        s);
    ls_metrics_gauge_fn("logship_buffer_oldest_age_seconds", l,
                        "Age of the oldest undelivered record in the disk buffer.", gauge_age, s);
    s->buffer_corrupt =
        ls_metrics_counter("logship_buffer_corrupt_blocks_total", l,
                           "Damaged blocks skipped when the disk buffer was opened (torn tail, "
                           "flipped bytes); the records before and after them were kept.");
    ls_counter_add(s->buffer_corrupt, rec.corrupt_blocks);
    if (rec.records || rec.corrupt_blocks)
        LS_SINK_LOG(LS_LOG_INFO, s,
                    "disk buffer recovered records=%llu to_replay=%llu corrupt_blocks=%llu "
                    "corrupt_bytes=%llu",
                    (unsigned long long)rec.records, (unsigned long long)(rec.records - rec.acked),
                    (unsigned long long)rec.corrupt_blocks, (unsigned long long)rec.corrupt_bytes);
    if (rec.corrupt_blocks)
        LS_SINK_LOG(LS_LOG_WARN, s,
                    "disk buffer had damaged blocks (power cut or kill -9 mid-write?); they were "
                    "skipped and counted in logship_buffer_corrupt_blocks_total");
    return 0;
}

void ls_durable_close(struct ls_sink *s)
{
    if (s->store) {
        ls_segment_sync(s->store);
        ls_segment_close(s->store);
        s->store = NULL;
    }
}

size_t ls_durable_stash(struct ls_sink *s, struct ls_event **evs, size_t n)
{
    struct ls_segment_record recs[STASH_MAX];
    char *packed[STASH_MAX];
    size_t dropped = 0;
    for (size_t done = 0; done < n;) {
        size_t k = n - done < STASH_MAX ? n - done : STASH_MAX;
        size_t ok = 0;
        for (size_t i = 0; i < k; i++) {
            struct ls_event *ev = evs[done + i];
            size_t sl = strlen(ev->subject);
            if (sl > 0xffff)
                sl = 0xffff;
            char *p = malloc(2 + sl + ev->json_len);
            packed[i] = p;
            if (!p)
                continue;
            p[0] = (char)(sl & 0xff);
            p[1] = (char)(sl >> 8);
            memcpy(p + 2, ev->subject, sl);
            memcpy(p + 2 + sl, ev->json, ev->json_len);
            recs[ok].data = p;
            recs[ok].len = 2 + sl + ev->json_len;
            recs[ok].time_ns = ev->recv_ns;
            ok++;
        }
        uint64_t first;
        int rc = ok ? ls_segment_append(s->store, recs, ok, &first) : 0;
        size_t lost = k - ok;
        if (rc != 0) {
            lost = k;
            if (rc == LS_SEGMENT_FULL)
                LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s,
                                  "disk buffer full, dropping the newest events (raise "
                                  "LOGSHIP_BUFFER_MAX_BYTES or fix the destination)");
            else
                LS_SINK_LOG_EVERY(LS_LOG_ERROR, 10000, s, "disk buffer write failed: %s",
                                  ls_segment_strerror(s->store));
        }
        for (size_t i = 0; i < k; i++) {
            free(packed[i]);
            if (rc != 0 || !packed[i])
                ls_event_veto(evs[done + i]);
            ls_event_unref(evs[done + i]); /* it lives on disk now */
        }
        dropped += lost;
        done += k;
    }
    return dropped;
}

struct load_ctx {
    struct ls_parser *p;
    uint64_t *next;
    struct ls_event **evs; /* read first, handed to the worker after the read (the store */
    size_t n, cap;         /* takes no calls from inside its own callback) */
    uint64_t bad[STASH_MAX];
    size_t nbad;
    uint64_t seq;
};

static void take_one(struct ls_event *ev, void *arg)
{
    struct load_ctx *c = arg;
    ls_event_release_tree(ev);
    ev->seq = c->seq;
    if (c->n < c->cap)
        c->evs[c->n++] = ev;
    else
        ls_event_unref(ev); /* cannot happen: one event per stored record */
}

static int on_record(void *arg, uint64_t seq, const struct ls_segment_record *r)
{
    struct load_ctx *c = arg;
    *c->next = seq + 1;
    const unsigned char *d = r->data;
    size_t sl = r->len >= 2 ? (size_t)d[0] | ((size_t)d[1] << 8) : 0;
    char subject[256];
    size_t n = sl < sizeof(subject) - 1 ? sl : sizeof(subject) - 1;
    c->seq = seq;
    if (r->len >= 2 && 2 + sl <= r->len) {
        memcpy(subject, d + 2, n);
        subject[n] = '\0';
        /* The JSON is canonical already, so this takes the parser's fast path. */
        if (ls_parse_payload(c->p, subject, (const char *)d + 2 + sl, r->len - 2 - sl, r->time_ns,
                             take_one, c, NULL) == 1)
            return c->n < c->cap ? 0 : 1;
    }
    if (c->nbad < STASH_MAX)
        c->bad[c->nbad++] = seq; /* not a record of ours: settle it so it is not retried */
    return c->n < c->cap ? 0 : 1;
}

size_t ls_durable_load(struct ls_sink *s, struct ls_parser *p, uint64_t *next_seq,
                       void (*add)(void *ctx, struct ls_event *ev), void *ctx, size_t max)
{
    struct ls_event *evs[STASH_MAX];
    struct load_ctx c = {.p = p, .next = next_seq, .evs = evs};
    c.cap = max < STASH_MAX ? max : STASH_MAX;
    size_t got = ls_segment_read(s->store, *next_seq, on_record, &c, c.cap);
    for (size_t i = 0; i < c.nbad; i++)
        ls_segment_ack(s->store, c.bad[i], 1);
    for (size_t i = 0; i < c.n; i++)
        add(ctx, evs[i]);
    return got;
}

void ls_durable_ack(struct ls_sink *s, struct ls_event *const *evs, size_t n)
{
    /* Acks go in runs of consecutive sequence numbers, the common case for a batch. */
    size_t i = 0;
    while (i < n) {
        uint64_t first = evs[i]->seq;
        size_t run = 1;
        while (i + run < n && evs[i + run]->seq == first + run)
            run++;
        if (first && ls_segment_ack(s->store, first, run) != 0)
            LS_SINK_LOG_EVERY(LS_LOG_ERROR, 10000, s,
                              "disk buffer acknowledgement failed: %s (these records will be "
                              "sent again after a restart)",
                              ls_segment_strerror(s->store));
        i += run;
    }
}

int64_t ls_durable_tick(struct ls_sink *s)
{
    return ls_segment_tick(s->store);
}
