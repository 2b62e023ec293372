/*
 * The sink worker: one thread per sink that takes events from the sink's queue, encodes each
 * one straight into the open batch, closes the batch at its event, byte or age limit,
 * compresses it once, hands it to the transport (or the kind's write()), and settles the
 * outcome: delivered, retried later with backoff, split on 413, or rejected (counted, logged
 * once per status, dead-lettered when configured). Nothing is acknowledged before the
 * destination has accepted it: a batch holds its events, or (compact batches, sink/batch.h) the
 * encoded bytes and the source acknowledgements, until it is settled.
 *
 * Memory is bounded: the worker stops taking events from its queue while `concurrency + 1`
 * closed batches are waiting or in flight; the queue then fills and the intake counts drops.
 * A closed compact batch costs its compressed bytes, a full one its events as well.
 */
#include "sink/sink_int.h"
#include "sink/batch.h"
#include "sink/dead_letter.h"
#include "sink/durable.h"
#include "event/parse.h"
#include "compress/gzip.h"
#include "core/log.h"
#include "core/metrics.h"
#include "event/event.h"
#include "transport/http.h"
#include "util/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POP_MAX        256
#define MAX_OPEN       64 /* partitions filled at once; past it the oldest batch is sent early */
#define MAX_WAIT_MS    1000
#define SHALLOW_NAP_MS 10 /* see sink/queue.h: bounded extra latency for fewer wake-ups */

enum flush_reason { FLUSH_EVENTS, FLUSH_BYTES, FLUSH_TIMEOUT, FLUSH_SHUTDOWN };

struct worker {
    struct ls_sink *s;
    struct ls_batch *open[MAX_OPEN]; /* batches being filled, one per partition key */
    size_t n_open;
    struct ls_buf key;                   /* scratch for the partition key */
    struct ls_batch *ready, *ready_tail; /* closed, waiting for a slot (FIFO) */
    struct ls_batch *waiting;            /* retry scheduled */
    size_t held;                         /* closed batches not yet settled */
    size_t max_held;
    bool compact;    /* batches drop their events once encoded (sink/batch.h) */
    int64_t seal_us; /* how long sealing (compressing) a batch took lately, smoothed */
    struct ls_gzip *gz;
    /* The last compressed batch's body buffer, kept for the next batch: growing a fresh one to
       batch size for every batch cost page faults and, once glibc's mmap threshold had risen
       past it, heap fragmentation. */
    struct ls_buf spare;
    unsigned seed;
    bool abandoning; /* shutdown deadline passed: finished transfers count as abandoned */
    /* Durable buffer: batches are built from the store, read from read_seq on. */
    struct ls_parser *parser;
    uint64_t read_seq;
    bool more_on_disk;
    size_t abandoned;
    unsigned char logged_status[600]; /* rejected statuses already logged once */
};

static void ready_push_back(struct worker *w, struct ls_batch *b)
{
    b->next = NULL;
    if (w->ready_tail)
        w->ready_tail->next = b;
    else
        w->ready = b;
    w->ready_tail = b;
}

static void ready_push_front(struct worker *w, struct ls_batch *b)
{
    b->next = w->ready;
    w->ready = b;
    if (!w->ready_tail)
        w->ready_tail = b;
}

static struct ls_batch *ready_pop(struct worker *w)
{
    struct ls_batch *b = w->ready;
    if (b) {
        w->ready = b->next;
        if (!w->ready)
            w->ready_tail = NULL;
        b->next = NULL;
    }
    return b;
}

/* Appends one encoded event to b's body (with the separator); returns the bytes added or -1. */
static long encode_into(struct ls_sink *s, struct ls_batch *b, struct ls_event *ev)
{
    size_t before = b->body.len;
    if (b->n > 0 && s->frame.sep && ls_buf_puts(&b->body, s->frame.sep) != 0)
        return -1;
    if (s->kind->encode(s, ev, &b->body) != 0) {
        b->body.len = before;
        if (b->body.data)
            b->body.data[before] = '\0';
        return -1;
    }
    return (long)(b->body.len - before);
}

static struct ls_batch *open_batch(struct worker *w)
{
    struct ls_batch *b = ls_batch_new(w->compact);
    if (!b)
        return NULL;
    if (w->spare.data) {
        b->body = w->spare;
        ls_buf_init(&w->spare, 0);
        ls_buf_reset(&b->body);
    }
    if (w->s->frame.prefix)
        ls_buf_puts(&b->body, w->s->frame.prefix);
    b->bytes = b->body.len;
    b->opened_ms = ls_time_mono_ms();
    return b;
}

static void count_flush(struct ls_sink *s, enum flush_reason r)
{
    struct ls_counter *c[] = {s->m.flush_events, s->m.flush_bytes, s->m.flush_timeout,
                              s->m.flush_shutdown};
    ls_counter_inc(c[r]);
}

/* Finishes the framing, compresses and names the batch; it is then immutable until settled. */
static int seal(struct worker *w, struct ls_batch *b)
{
    struct ls_sink *s = w->s;
    int64_t t0 = ls_time_now_ns();
    if (s->frame.suffix && ls_buf_puts(&b->body, s->frame.suffix) != 0)
        return -1;
    if (s->kind->finish && s->kind->finish(s, b) != 0)
        return -1;
    if (s->cfg.compression == LS_COMPRESS_GZIP && !s->kind->write) {
        if (!w->gz)
            w->gz = ls_gzip_create(s->cfg.compression_level);
        if (!w->gz || ls_gzip_compress(w->gz, b->body.data, b->body.len, &b->wire) != 0)
            return -1;
        /* Only the compressed bytes go out; a split re-encodes from the events (or, for a
           compact batch, re-frames the inflated body). */
        if (!w->spare.data) {
            w->spare = b->body;
            ls_buf_init(&b->body, 0);
        } else {
            ls_buf_free(&b->body);
        }
    }
    if (s->kind->object_name) {
        struct ls_buf name;
        ls_buf_init(&name, 0);
        if (s->kind->object_name(s, b, &name) != 0 || !(b->object = ls_buf_steal(&name, NULL))) {
            ls_buf_free(&name);
            return -1;
        }
    }
    w->seal_us += ((ls_time_now_ns() - t0) / 1000 - w->seal_us) / 4;
    return 0;
}

/*
 * When an open batch is due. The batch timeout is the longest a record may wait, and sealing
 * (compressing) still follows the close, so a batch closes that much early: at 20 k/s a 1 s
 * batch is ~7 MB and takes ~25 ms to compress. Capped at a tenth of the timeout.
 */
static int64_t due_ms(const struct worker *w, const struct ls_batch *b)
{
    int64_t timeout = (int64_t)w->s->cfg.batch_timeout_ms;
    int64_t seal_ms = w->seal_us > 0 ? w->seal_us / 1000 : 0;
    int64_t early = seal_ms < timeout / 10 ? seal_ms : timeout / 10;
    return b->opened_ms + timeout - early;
}

static void settle_reject(struct worker *w, struct ls_batch *b, long status, const char *why);

/* Closes open batch i (removing it from the open set) and queues it for sending. */
static void close_open(struct worker *w, size_t i, enum flush_reason why)
{
    struct ls_batch *b = w->open[i];
    w->open[i] = w->open[--w->n_open];
    w->open[w->n_open] = NULL;
    if (b->n == 0) {
        ls_batch_free(b);
        return;
    }
    count_flush(w->s, why);
    w->held++;
    if (seal(w, b) != 0) {
        settle_reject(w, b, 0, "out of memory sealing the batch");
        return;
    }
    ready_push_back(w, b);
}

static void close_all(struct worker *w, enum flush_reason why)
{
    while (w->n_open)
        close_open(w, w->n_open - 1, why);
}

/* The open batch for the event's partition, opened when needed; its index or -1. */
static long batch_for(struct worker *w, struct ls_event *ev)
{
    struct ls_sink *s = w->s;
    const char *key = NULL;
    if (s->kind->partition) {
        ls_buf_reset(&w->key);
        if (s->kind->partition(s, ev, &w->key) != 0 || ls_buf_putc(&w->key, '\0') != 0)
            return -1;
        key = w->key.data;
    }
    for (size_t i = 0; i < w->n_open; i++) {
        const char *k = w->open[i]->partition;
        if ((!k && !key) || (k && key && strcmp(k, key) == 0))
            return (long)i;
    }
    if (w->n_open == MAX_OPEN) {
        size_t oldest = 0;
        for (size_t i = 1; i < w->n_open; i++)
            if (w->open[i]->opened_ms < w->open[oldest]->opened_ms)
                oldest = i;
        close_open(w, oldest, FLUSH_EVENTS);
    }
    struct ls_batch *b = open_batch(w);
    if (b) {
        /* The batch's age counts from when its first record arrived, not from when the worker
           got to it, so queueing never adds to the promised batch timeout. */
        int64_t waited_ms = (ls_time_now_ns() - ev->recv_ns) / 1000000;
        if (waited_ms > 0)
            b->opened_ms -= waited_ms;
    }
    if (!b || (key && !(b->partition = strdup(key)))) {
        ls_batch_free(b);
        return -1;
    }
    w->open[w->n_open] = b;
    return (long)w->n_open++;
}

static void add_event(struct worker *w, struct ls_event *ev)
{
    struct ls_sink *s = w->s;
    if (s->kind->accept && !s->kind->accept(s, ev)) {
        ls_counter_inc(s->m.filtered);
        ls_event_unref(ev);
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        long i = batch_for(w, ev);
        if (i < 0) {
            ls_counter_inc(s->m.encode_errors);
            LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s,
                              "cannot place an event in a batch, dropped subject=%s", ev->subject);
            ls_event_unref(ev);
            return;
        }
        struct ls_batch *b = w->open[i];
        size_t before = b->body.len;
        long added = encode_into(s, b, ev);
        if (added < 0) {
            ls_counter_inc(s->m.encode_errors);
            LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s, "cannot encode an event, dropped subject=%s",
                              ev->subject);
            ls_event_unref(ev);
            return;
        }
        size_t suffix = s->frame.suffix ? strlen(s->frame.suffix) : 0;
        if (b->n > 0 && b->bytes + (size_t)added + suffix > s->cfg.batch_max_bytes && pass == 0) {
            /* Would overflow: take the event back out, ship what we have, start afresh. */
            b->body.len = before;
            b->body.data[before] = '\0';
            close_open(w, (size_t)i, FLUSH_BYTES);
            continue;
        }
        size_t sep = b->n > 0 && s->frame.sep ? strlen(s->frame.sep) : 0;
        if (ls_batch_add(b, ev, before + sep, (size_t)added - sep) != 0) {
            b->body.len = before;
            b->body.data[before] = '\0';
            ls_counter_inc(s->m.encode_errors);
            ls_event_unref(ev);
            return;
        }
        b->bytes += (size_t)added; /* ev may be gone now: a compact batch keeps only its bytes */
        /* A single event larger than the limit travels alone rather than being dropped. */
        if (b->bytes + suffix >= s->cfg.batch_max_bytes)
            close_open(w, (size_t)i, FLUSH_BYTES);
        else if (s->cfg.batch_max_events && b->n >= s->cfg.batch_max_events)
            close_open(w, (size_t)i, FLUSH_EVENTS);
        return;
    }
}

static void settle_ok(struct worker *w, struct ls_batch *b, size_t wire_len)
{
    struct ls_sink *s = w->s;
    ls_counter_add(s->m.sent_events, b->n);
    ls_counter_add(s->m.sent_bytes, wire_len);
    if (s->store)
        ls_durable_ack(s, b->events, b->n);
    w->held--;
    ls_batch_free(b);
    if (!w->waiting) {
        pthread_mutex_lock(&s->state_lock);
        s->retrying_since_ns = 0;
        pthread_mutex_unlock(&s->state_lock);
    }
}

static void settle_reject(struct worker *w, struct ls_batch *b, long status, const char *why)
{
    struct ls_sink *s = w->s;
    ls_counter_add(s->m.rejected, b->n);
    ls_sink_set_error(s, "rejected: %s", why);
    size_t idx = status > 0 && status < 600 ? (size_t)status : 0;
    if (!w->logged_status[idx]) {
        w->logged_status[idx] = 1;
        LS_SINK_LOG(LS_LOG_ERROR, s, "batch rejected permanently, dropping events=%zu %s", b->n,
                    why);
    } else {
        LS_SINK_LOG(LS_LOG_DEBUG, s, "batch rejected events=%zu status=%ld", b->n, status);
    }
    if (s->dead_letter_dir) {
        char err[256];
        if (ls_dead_letter_write(s->dead_letter_dir, s->name, b->events, b->n, why, err,
                                 sizeof(err)) == 0)
            ls_counter_add(s->m.dead_letter, b->n);
        else
            LS_SINK_LOG_EVERY(LS_LOG_ERROR, 10000, s, "dead letter write failed: %s", err);
    }
    if (s->store)
        ls_durable_ack(s, b->events, b->n); /* settled: counted, logged, dead-lettered */
    w->held--;
    ls_batch_free(b);
}

static int64_t backoff_ms(struct worker *w, int attempts)
{
    const struct ls_sink_config *c = &w->s->cfg;
    uint64_t d = c->retry_initial_ms;
    for (int i = 1; i < attempts && d < c->retry_max_ms; i++)
        d *= 2;
    if (d > c->retry_max_ms)
        d = c->retry_max_ms;
    /* "Equal jitter": half fixed, half random, so delays still grow but never align. */
    uint64_t half = d / 2;
    uint64_t delay = half + (half ? (uint64_t)rand_r(&w->seed) % (half + 1) : 0);
    return (int64_t)(delay ? delay : 1);
}

static void schedule_retry(struct worker *w, struct ls_batch *b, const char *why,
                           int64_t retry_after_ms)
{
    struct ls_sink *s = w->s;
    b->attempts++;
    if (s->cfg.retry_max_attempts && (uint64_t)b->attempts >= s->cfg.retry_max_attempts) {
        char msg[400];
        snprintf(msg, sizeof(msg), "%s (gave up after %d attempts)", why, b->attempts);
        settle_reject(w, b, 0, msg);
        return;
    }
    int64_t delay = retry_after_ms >= 0 ? retry_after_ms : backoff_ms(w, b->attempts);
    if (delay > 3600000)
        delay = 3600000;
    b->retry_at_ms = ls_time_mono_ms() + delay;
    b->next = w->waiting;
    w->waiting = b;
    ls_counter_inc(s->m.retries);
    ls_sink_set_error(s, "%s", why);
    pthread_mutex_lock(&s->state_lock);
    if (!s->retrying_since_ns)
        s->retrying_since_ns = ls_time_now_ns();
    pthread_mutex_unlock(&s->state_lock);
    LS_SINK_LOG_EVERY(LS_LOG_WARN, 5000, s,
                      "delivery failed, will retry %s attempt=%d delay_ms=%lld", why, b->attempts,
                      (long long)delay);
}

/*
 * A new sealed batch holding events[0..n) (the references move into it), in b's partition.
 * NULL when memory runs out; the events are then released and counted as rejected.
 */
static struct ls_batch *rebuild(struct worker *w, const struct ls_batch *b,
                                struct ls_event **events, size_t n)
{
    struct ls_sink *s = w->s;
    struct ls_batch *p = open_batch(w);
    if (p && b->partition && !(p->partition = strdup(b->partition))) {
        ls_batch_free(p);
        p = NULL;
    }
    for (size_t i = 0; i < n; i++) {
        long added = p ? encode_into(s, p, events[i]) : -1;
        if (added < 0 || ls_batch_add(p, events[i], 0, 0) != 0) {
            ls_counter_inc(s->m.rejected);
            ls_event_unref(events[i]);
            continue;
        }
        p->bytes += (size_t)added;
    }
    if (p && (p->n == 0 || seal(w, p) != 0)) {
        ls_counter_add(s->m.rejected, p->n);
        ls_batch_free(p);
        p = NULL;
    }
    return p;
}

/*
 * The compact form of rebuild(): a new sealed batch framing records [from, from + n) of b,
 * whose uncompressed body is `raw`; their acknowledgements move into it.
 */
static struct ls_batch *reframe(struct worker *w, const struct ls_batch *b, const char *raw,
                                size_t from, size_t n)
{
    struct ls_sink *s = w->s;
    struct ls_batch *p = open_batch(w);
    bool ok = p && (!b->partition || (p->partition = strdup(b->partition)));
    size_t sep = s->frame.sep ? strlen(s->frame.sep) : 0;
    for (size_t i = from; ok && i < from + n; i++) {
        struct ls_batch_rec *r = &b->recs[i];
        size_t before = p->body.len;
        ok = (p->n == 0 || !sep || ls_buf_append(&p->body, s->frame.sep, sep) == 0) &&
             ls_buf_append(&p->body, raw + r->off, r->len) == 0 &&
             ls_batch_add_rec(p, before + (p->n ? sep : 0), r->len, r->ack) == 0;
        if (ok) {
            r->ack = NULL; /* moved */
            p->bytes += p->body.len - before;
        }
    }
    if (ok && seal(w, p) == 0)
        return p;
    /* Out of memory: the records are rejected (and settled, as any rejection is). */
    ls_batch_free(p);
    ls_counter_add(s->m.rejected, n);
    return NULL;
}

/* 413 on a compact batch: the halves are framed again from the records' bytes; frees b. */
static void split_compact(struct worker *w, struct ls_batch *b, struct ls_batch **first,
                          struct ls_batch **second)
{
    struct ls_buf scratch;
    ls_buf_init(&scratch, 0);
    const char *raw = ls_batch_body(b, &scratch);
    size_t half = b->n / 2;
    if (raw) {
        *second = reframe(w, b, raw, half, b->n - half);
        *first = reframe(w, b, raw, 0, half);
    } else {
        ls_counter_add(w->s->m.rejected, b->n);
        LS_SINK_LOG(LS_LOG_ERROR, w->s, "cannot inflate a batch to split it, dropping events=%zu",
                    b->n);
    }
    ls_buf_free(&scratch);
    ls_batch_free(b); /* what did not move was rejected: settled (and acknowledged) as such */
}

/* 413: re-encode each half as its own batch and send both before anything newer. */
static void split(struct worker *w, struct ls_batch *b)
{
    struct ls_batch *first = NULL, *second = NULL;
    if (b->compact) {
        split_compact(w, b, &first, &second);
    } else {
        size_t half = b->n / 2;
        second = rebuild(w, b, b->events + half, b->n - half);
        first = rebuild(w, b, b->events, half);
        b->n = 0; /* the events moved to the halves */
        ls_batch_free(b);
    }
    w->held--;
    if (second) {
        w->held++;
        ready_push_front(w, second);
    }
    if (first) {
        w->held++;
        ready_push_front(w, first);
    }
}

/*
 * A 2xx whose body reports per-item results (Elasticsearch bulk, Honeycomb batch): accepted
 * items count as sent, rejected ones as rejected (dead-lettered when configured), and the ones
 * that failed with a retriable status go again as a new batch (PROVIDERS.md §0 item 5).
 */
static void settle_items(struct worker *w, struct ls_batch *b, const struct ls_response *r)
{
    struct ls_sink *s = w->s;
    size_t n = b->n;
    unsigned char *verdict = calloc(n ? n : 1, 1);
    struct ls_batch *rej = ls_batch_new(false);
    struct ls_event **retry = malloc((n ? n : 1) * sizeof(*retry));
    if (rej)
        rej->events = malloc((n ? n : 1) * sizeof(*rej->events));
    if (!verdict || !rej || !rej->events || !retry || s->kind->items(s, b, r, verdict) != 0) {
        free(verdict);
        free(retry);
        ls_batch_free(rej);
        schedule_retry(w, b, "the per-item response could not be read", -1);
        return;
    }
    size_t ok = 0, nretry = 0;
    for (size_t i = 0; i < n; i++) {
        if (verdict[i] == LS_ITEM_OK) {
            ok++;
            if (s->store)
                ls_durable_ack(s, &b->events[i], 1);
            ls_event_unref(b->events[i]);
        } else if (verdict[i] == LS_ITEM_RETRY) {
            retry[nretry++] = b->events[i];
        } else {
            rej->events[rej->n++] = b->events[i];
        }
    }
    free(verdict);
    ls_counter_add(s->m.sent_events, ok);
    ls_counter_add(s->m.sent_bytes, b->wire.len ? b->wire.len : b->body.len);
    struct ls_batch *again = nretry ? rebuild(w, b, retry, nretry) : NULL;
    free(retry);
    b->n = 0; /* every reference has moved on */
    ls_batch_free(b);
    w->held--;
    if (rej->n) {
        char why[300];
        snprintf(why, sizeof(why), "%zu of %zu items rejected in a %ld response: %.200s", rej->n, n,
                 r->status, r->body);
        w->held++;
        settle_reject(w, rej, r->status, why); /* counts, logs once, dead-letters, frees */
    } else {
        ls_batch_free(rej);
    }
    if (again) {
        char why[300];
        snprintf(why, sizeof(why), "%zu items failed with a retriable status: %.200s", nretry,
                 r->body);
        w->held++;
        schedule_retry(w, again, why, -1);
    }
}

struct done_ctx {
    struct worker *w;
};

static void on_http_done(void *user, const struct ls_response *r, void *ctx)
{
    struct worker *w = ((struct done_ctx *)ctx)->w;
    struct ls_sink *s = w->s;
    struct ls_batch *b = user;
    ls_gauge_add(s->m.inflight, -1);
    if (w->abandoning) {
        w->abandoned += b->n;
        ls_batch_veto(b);
        w->held--;
        ls_batch_free(b);
        return;
    }
    int o = s->kind->classify ? s->kind->classify(s, r) : -1;
    enum ls_outcome out = o >= 0 ? (enum ls_outcome)o : ls_http_classify(r);
    char why[400];
    if (r->status == 0)
        snprintf(why, sizeof(why), "error=\"%s\"", r->error ? r->error : "transfer failed");
    else
        snprintf(why, sizeof(why), "status=%ld body=\"%.200s\"", r->status, r->body);
    for (char *p = why; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    switch (out) {
    case LS_OUTCOME_OK:
        if (s->kind->items)
            settle_items(w, b, r);
        else
            settle_ok(w, b, b->wire.len ? b->wire.len : b->body.len);
        break;
    case LS_OUTCOME_RETRY:
        schedule_retry(w, b, why, r->retry_after_ms);
        break;
    case LS_OUTCOME_SPLIT:
        if (b->n > 1) {
            LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s, "payload too large, splitting events=%zu",
                              b->n);
            split(w, b);
        } else {
            settle_reject(w, b, r->status, why);
        }
        break;
    case LS_OUTCOME_REJECT:
        settle_reject(w, b, r->status, why);
        break;
    }
}

static void send_batch(struct worker *w, struct ls_batch *b)
{
    struct ls_sink *s = w->s;
    ls_counter_inc(s->m.requests);
    if (s->kind->write) {
        char err[256] = "";
        int out = s->kind->write(s, b, err, sizeof(err));
        if (out == LS_OUTCOME_OK)
            settle_ok(w, b, b->body.len);
        else if (out == LS_OUTCOME_REJECT)
            settle_reject(w, b, 0, err);
        else if (out == LS_OUTCOME_SPLIT && b->n > 1)
            split(w, b);
        else
            schedule_retry(w, b, err, -1);
        return;
    }
    struct ls_request req;
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    ls_buf_init(&req.url, 0);
    if (s->kind->request(s, b, &req) != 0) {
        ls_buf_free(&req.url);
        settle_reject(w, b, 0, "cannot build the request");
        return;
    }
    if (b->wire.len)
        req.content_encoding = "gzip";
    const struct ls_buf *payload = b->wire.len ? &b->wire : &b->body;
    int rc =
        ls_http_start(s->http, &req, payload->data, payload->len, s->cfg.request_timeout_ms, b);
    ls_buf_free(&req.url);
    if (rc != 0) {
        schedule_retry(w, b, "cannot start the request", -1);
        return;
    }
    ls_gauge_add(s->m.inflight, 1);
}

static bool slot_free(struct worker *w)
{
    return !w->s->http || ls_http_inflight(w->s->http) < w->s->cfg.concurrency;
}

/* Moves retries that are due to the front of the ready list; returns ms until the next one. */
static int64_t promote_due(struct worker *w, int64_t now)
{
    int64_t next = INT64_MAX;
    struct ls_batch **pp = &w->waiting;
    while (*pp) {
        struct ls_batch *b = *pp;
        if (b->retry_at_ms <= now) {
            *pp = b->next;
            ready_push_front(w, b);
        } else {
            if (b->retry_at_ms - now < next)
                next = b->retry_at_ms - now;
            pp = &b->next;
        }
    }
    return next;
}

static void add_cb(void *ctx, struct ls_event *ev)
{
    add_event(ctx, ev);
}

/*
 * Durable mode: every event taken from the queue goes to disk at once, whatever the state of
 * the batches (an outage costs disk, not memory); batches are then filled from the store, as
 * far as the in-flight limit allows.
 */
static size_t take_durable(struct worker *w)
{
    struct ls_sink *s = w->s;
    struct ls_event *evs[POP_MAX];
    size_t total = 0, n;
    while ((n = ls_sink_queue_pop(&s->queue, evs, POP_MAX)) > 0) {
        ls_counter_add(s->m.dropped, ls_durable_stash(s, evs, n));
        total += n;
        w->more_on_disk = true;
        if (n < POP_MAX)
            break;
    }
    while (w->more_on_disk && w->held < w->max_held) {
        size_t got = ls_durable_load(s, w->parser, &w->read_seq, add_cb, w, POP_MAX);
        total += got;
        if (got < POP_MAX)
            w->more_on_disk = false;
    }
    return total;
}

/* Returns how many events were taken. */
static size_t take_events(struct worker *w)
{
    struct ls_event *evs[POP_MAX];
    size_t total = 0;
    if (w->s->store)
        return take_durable(w);
    while (w->held < w->max_held) {
        size_t n = ls_sink_queue_pop(&w->s->queue, evs, POP_MAX);
        for (size_t i = 0; i < n; i++)
            add_event(w, evs[i]);
        total += n;
        if (n < POP_MAX)
            break;
    }
    return total;
}

static size_t abandon_list(struct ls_batch *b)
{
    size_t n = 0;
    while (b) {
        struct ls_batch *next = b->next;
        n += b->n;
        ls_batch_veto(b);
        ls_batch_free(b);
        b = next;
    }
    return n;
}

static void abandon_all(struct worker *w)
{
    struct ls_sink *s = w->s;
    struct done_ctx dc = {w};
    w->abandoning = true;
    if (s->http)
        ls_http_abort_all(s->http, on_http_done, &dc);
    size_t lost = w->abandoned;
    for (size_t i = 0; i < w->n_open; i++) {
        lost += w->open[i]->n;
        ls_batch_veto(w->open[i]);
        ls_batch_free(w->open[i]);
        w->open[i] = NULL;
    }
    w->n_open = 0;
    lost += abandon_list(w->ready);
    lost += abandon_list(w->waiting);
    w->ready = w->ready_tail = w->waiting = NULL;
    struct ls_event *evs[POP_MAX];
    size_t n;
    if (s->store) {
        /* Nothing is lost: the batches' records are still in the store, unacknowledged, and
           what is left in the queue goes there now. The next start sends them. */
        while ((n = ls_sink_queue_pop(&s->queue, evs, POP_MAX)) > 0)
            ls_counter_add(s->m.dropped, ls_durable_stash(s, evs, n));
        LS_SINK_LOG(LS_LOG_WARN, s,
                    "shutdown deadline passed; undelivered events stay in the disk buffer for the "
                    "next start in_memory=%zu",
                    lost);
        return;
    }
    while ((n = ls_sink_queue_pop(&s->queue, evs, POP_MAX)) > 0) {
        lost += n;
        for (size_t i = 0; i < n; i++) {
            ls_event_veto(evs[i]);
            ls_event_unref(evs[i]);
        }
    }
    if (lost) {
        ls_counter_add(s->m.abandoned, lost);
        LS_SINK_LOG(LS_LOG_ERROR, s, "shutdown deadline passed, abandoning undelivered events=%zu",
                    lost);
    }
}

static void *worker_main(void *arg)
{
    struct worker w;
    memset(&w, 0, sizeof(w));
    w.s = arg;
    struct ls_sink *s = w.s;
    char tname[16];
    snprintf(tname, sizeof(tname), "ls-%s", s->name); /* thread names are cut at 15 bytes */
    pthread_setname_np(pthread_self(), tname);
    w.max_held = (size_t)s->cfg.concurrency + 1;
    /* Compact batches whenever nothing after encoding needs the events themselves. */
    w.compact =
        !s->kind->write && !s->kind->finish && !s->kind->items && !s->store && !s->dead_letter_dir;
    w.seed = (unsigned)ls_time_now_ns();
    ls_buf_init(&w.key, 0);
    if (s->store) {
        w.parser = ls_parser_create(0);
        w.more_on_disk = true; /* replay what an earlier run left, before anything new */
    }
    struct done_ctx dc = {&w};

    for (;;) {
        bool stopping = atomic_load(&s->stop);
        int64_t now = ls_time_mono_ms();
        if (stopping && now >= atomic_load(&s->deadline_ms)) {
            abandon_all(&w);
            break;
        }
        size_t took = take_events(&w);
        if (stopping) {
            close_all(&w, FLUSH_SHUTDOWN);
        } else {
            for (size_t i = w.n_open; i-- > 0;)
                if (now >= due_ms(&w, w.open[i]))
                    close_open(&w, i, FLUSH_TIMEOUT);
        }
        int64_t next_retry = promote_due(&w, now);
        while (w.ready && slot_free(&w))
            send_batch(&w, ready_pop(&w));
        /* Sending may have scheduled retries (a write-kind fails at once): look again. */
        if (w.waiting)
            next_retry = promote_due(&w, ls_time_mono_ms());
        if (w.ready && slot_free(&w))
            continue;

        bool queue_empty = ls_sink_queue_depth(&s->queue) == 0;
        if (stopping && queue_empty && !w.n_open && !w.ready && !w.waiting && w.held == 0 &&
            !w.more_on_disk)
            break;

        int64_t timeout = MAX_WAIT_MS;
        for (size_t i = 0; i < w.n_open; i++) {
            int64_t due = due_ms(&w, w.open[i]) - now;
            timeout = due < timeout ? due : timeout;
        }
        if (next_retry < timeout)
            timeout = next_retry;
        if (stopping) {
            int64_t left = atomic_load(&s->deadline_ms) - now;
            timeout = left < timeout ? left : timeout;
        }
        if (s->store) {
            int64_t sync_in = ls_durable_tick(s);
            if (sync_in >= 0 && sync_in < timeout)
                timeout = sync_in;
        }
        if (timeout < 0)
            timeout = 0;
        bool can_take = w.held < w.max_held;
        /* While events flow, nap briefly and let the producer wake us only per chunk. */
        bool deep = took == 0;
        /* Quiet, nothing being filled: the batch-sized spare buffer goes back to the system
           (10 MB of RSS after a burst of http traffic). */
        if (deep && w.n_open == 0)
            ls_buf_free(&w.spare);
        if (!deep && timeout > SHALLOW_NAP_MS)
            timeout = SHALLOW_NAP_MS;
        if (s->http) {
            if (can_take && !ls_sink_queue_arm(&s->queue, deep))
                timeout = 0;
            ls_http_poll(s->http, (int)timeout, on_http_done, &dc);
        } else if (timeout > 0) {
            ls_sink_queue_wait(&s->queue, timeout, can_take, deep);
        }
    }
    for (size_t i = 0; i < w.n_open; i++)
        ls_batch_free(w.open[i]);
    ls_buf_free(&w.key);
    ls_buf_free(&w.spare);
    ls_gzip_destroy(w.gz);
    ls_parser_destroy(w.parser);
    return NULL;
}

int ls_sink_start(struct ls_sink *s, char *err, size_t errlen)
{
    atomic_store(&s->stop, false);
    atomic_store(&s->deadline_ms, INT64_MAX);
    if (pthread_create(&s->thread, NULL, worker_main, s) != 0) {
        snprintf(err, errlen, "cannot start the worker thread");
        return -1;
    }
    s->started = true;
    return 0;
}

void ls_sink_request_stop(struct ls_sink *s, int64_t deadline_ms)
{
    atomic_store(&s->deadline_ms, deadline_ms);
    atomic_store(&s->stop, true);
    ls_sink_queue_poke(&s->queue);
}

void ls_sink_join(struct ls_sink *s)
{
    if (s->started) {
        pthread_join(s->thread, NULL);
        s->started = false;
    }
}
