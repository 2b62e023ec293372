/* The intake hand-off and the parsing/routing thread; see intake.h. */
#include "source/intake.h"
#include "core/log.h"
#include "core/metrics.h"
#include "event/event.h"
#include "event/parse.h"
#include "sink/registry.h"
#include "sink/sink.h"
#include "source/canary.h"
#include "util/time.h"
#include "util/wait_hook.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define POP_BATCH 128
/* As in sink/queue.h: while payloads flow the parser naps up to NAP_MS and is woken early only
   when WAKE_CHUNK payloads wait; after a nap that found nothing it sleeps until the next one. */
#define WAKE_CHUNK 64
#define NAP_MS     2

/* A payload waiting for its lane: a copy, or the source's own memory (ls_intake_push_lent). */
struct raw_msg {
    struct ls_event_ack *ack; /* one reference, or NULL */
    int64_t recv_ns;
    const char *subject, *data;
    size_t len;
    void (*release)(void *); /* gives back what subject and data point into */
    void *release_arg;
};

/* A payload that will not be parsed: its message is redelivered rather than acknowledged. */
static void give_back(struct ls_event_ack *ack)
{
    if (ack) {
        atomic_store(&ack->veto, true);
        ls_event_ack_unref(ack);
    }
}

static void raw_msg_drop(struct raw_msg *m)
{
    give_back(m->ack);
    m->release(m->release_arg);
}

/*
 * A lane: one ring and the one thread that parses it. Payloads are spread over the lanes by
 * subject, so records of one Fly instance stay in order, while several cores parse.
 */
struct lane {
    struct ls_intake *in;
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    struct raw_msg *ring;
    size_t cap, head, count;
    bool closed;
    bool started;
    bool waiting; /* the parser sleeps */
    bool deep;    /* ... until the next payload, not just until a chunk */
    pthread_t thread;
    struct ls_parser *parser;
    struct ls_event_ack *current_ack; /* of the message being parsed (this lane's thread) */
    struct ls_parse_stats stats;      /* this lane's thread only */
};

struct ls_intake {
    struct lane *lanes;
    size_t n_lanes;
    /* LOGSHIP_PARSE_THREADS=0: the source's own thread parses and routes each payload (one
       lane's parser, no ring, no thread); lanes[0].lock serialises producers. */
    bool inline_parse;
    const struct ls_sink_list *sinks;
    struct ls_canary *canary;
    struct ls_counter *received, *received_bytes, *events, *parse_errors, *empty, *empty_arrays,
        *truncated, *unrouted, *dropped;
};

static int lane_init(struct lane *l, struct ls_intake *in, size_t capacity, size_t max_record)
{
    l->in = in;
    l->cap = capacity ? capacity : 1;
    l->ring = calloc(l->cap, sizeof(*l->ring));
    l->parser = ls_parser_create(max_record);
    pthread_mutex_init(&l->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->not_empty, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&l->not_full, NULL);
    return l->ring && l->parser ? 0 : -1;
}

static void lane_free(struct lane *l)
{
    if (!l->in)
        return;
    for (size_t i = 0; l->ring && i < l->count; i++)
        raw_msg_drop(&l->ring[(l->head + i) % l->cap]);
    free(l->ring);
    ls_parser_destroy(l->parser);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->not_empty);
    pthread_cond_destroy(&l->not_full);
}

struct ls_intake *ls_intake_create(size_t capacity, size_t max_record_bytes, size_t threads,
                                   const struct ls_sink_list *sinks)
{
    struct ls_intake *in = calloc(1, sizeof(*in));
    if (!in)
        return NULL;
    in->n_lanes = threads ? threads : 1;
    in->inline_parse = threads == 0;
    in->lanes = calloc(in->n_lanes, sizeof(*in->lanes));
    in->sinks = sinks;
    /* Parsing inline, lane 0 is only a parser and a lock: its ring is never used. */
    size_t per_lane = in->inline_parse ? 1 : capacity / in->n_lanes;
    for (size_t i = 0; in->lanes && i < in->n_lanes; i++)
        if (lane_init(&in->lanes[i], in, per_lane, max_record_bytes) != 0) {
            ls_intake_destroy(in);
            return NULL;
        }
    if (!in->lanes) {
        free(in);
        return NULL;
    }
    in->received =
        ls_metrics_counter("logship_received_total", NULL, "Payloads received from the source.");
    in->received_bytes = ls_metrics_counter("logship_received_bytes_total", NULL,
                                            "Payload bytes received from the source.");
    in->events = ls_metrics_counter("logship_events_total", NULL,
                                    "Events produced by parsing the payloads.");
    in->parse_errors = ls_metrics_counter(
        "logship_parse_errors_total", NULL,
        "Payloads that were not JSON; each was shipped as a raw {\"message\": ...} event.");
    in->empty = ls_metrics_counter("logship_empty_payloads_total", NULL,
                                   "Empty payloads (no event to ship).");
    in->empty_arrays = ls_metrics_counter("logship_empty_arrays_total", NULL,
                                          "Payloads that were an empty JSON array (no event).");
    in->truncated = ls_metrics_counter("logship_truncated_total", NULL, LS_TRUNCATED_HELP);
    in->unrouted = ls_metrics_counter("logship_unrouted_events_total", NULL,
                                      "Events no sink's subject filter matched.");
    in->dropped = ls_metrics_counter("logship_intake_dropped_total", NULL,
                                     "Payloads lost at the intake (out of memory or shutdown).");
    return in;
}

void ls_intake_destroy(struct ls_intake *in)
{
    if (!in)
        return;
    for (size_t i = 0; in->lanes && i < in->n_lanes; i++)
        lane_free(&in->lanes[i]);
    free(in->lanes);
    free(in);
}

/* FNV-1a of the subject: the same Fly instance always lands in the same lane. */
static struct lane *lane_for(struct ls_intake *in, const char *subject)
{
    if (in->n_lanes == 1)
        return &in->lanes[0];
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)subject; *p; p++)
        h = (h ^ *p) * 16777619u;
    return &in->lanes[h % in->n_lanes];
}

static void parse_one(struct lane *l, const char *subject, const char *payload, size_t len,
                      int64_t recv_ns, struct ls_event_ack *ack);

int ls_intake_push(struct ls_intake *in, const char *subject, const char *payload, size_t len,
                   int64_t recv_ns)
{
    return ls_intake_push_ack(in, subject, payload, len, recv_ns, NULL);
}

/* Parses the payload on the calling thread (LOGSHIP_PARSE_THREADS=0). 0, or -1 when closed. */
static int push_inline(struct ls_intake *in, const char *subject, const char *payload, size_t len,
                       int64_t recv_ns, struct ls_event_ack *ack)
{
    struct lane *l = &in->lanes[0];
    pthread_mutex_lock(&l->lock);
    bool closed = l->closed;
    if (!closed) {
        ls_counter_inc(in->received);
        ls_counter_add(in->received_bytes, len);
        parse_one(l, subject, payload, len, recv_ns, ack);
    }
    pthread_mutex_unlock(&l->lock);
    if (closed) {
        give_back(ack);
        ls_counter_inc(in->dropped);
        return -1;
    }
    return 0;
}

/* Queues m for the lane of its subject, waiting while that lane is full. 0, or -1 when the
   intake is closed (m's ack is then vetoed, its memory is not released). */
static int enqueue(struct ls_intake *in, const struct raw_msg *m)
{
    struct lane *l = lane_for(in, m->subject);
    pthread_mutex_lock(&l->lock);
    while (l->count == l->cap && !l->closed)
        ls_wait_hook_cond_wait(&l->not_full, &l->lock, CLOCK_REALTIME, NULL);
    if (l->closed) {
        pthread_mutex_unlock(&l->lock);
        give_back(m->ack);
        ls_counter_inc(in->dropped);
        return -1;
    }
    l->ring[(l->head + l->count) % l->cap] = *m;
    l->count++;
    if (l->waiting && (l->deep || l->count >= WAKE_CHUNK)) {
        l->waiting = false;
        pthread_cond_signal(&l->not_empty);
    }
    pthread_mutex_unlock(&l->lock);
    ls_counter_inc(in->received);
    ls_counter_add(in->received_bytes, m->len);
    return 0;
}

int ls_intake_push_ack(struct ls_intake *in, const char *subject, const char *payload, size_t len,
                       int64_t recv_ns, struct ls_event_ack *ack)
{
    if (in->inline_parse)
        return push_inline(in, subject, payload, len, recv_ns, ack);
    size_t slen = strlen(subject);
    char *copy = malloc(len + 1 + slen + 1);
    if (!copy) {
        give_back(ack);
        ls_counter_inc(in->dropped);
        LS_LOG_EVERY(LS_LOG_ERROR, 10000, "out of memory at the intake, payload dropped");
        return -1;
    }
    if (len)
        memcpy(copy, payload, len);
    copy[len] = '\0';
    memcpy(copy + len + 1, subject, slen + 1);
    struct raw_msg m = {ack, recv_ns, copy + len + 1, copy, len, free, copy};
    if (enqueue(in, &m) != 0) {
        free(copy);
        return -1;
    }
    return 0;
}

int ls_intake_push_lent(struct ls_intake *in, const char *subject, const char *payload, size_t len,
                        int64_t recv_ns, void (*release)(void *), void *arg)
{
    if (in->inline_parse)
        return push_inline(in, subject, payload, len, recv_ns, NULL);
    struct raw_msg m = {NULL, recv_ns, subject, payload, len, release, arg};
    return enqueue(in, &m) == 0 ? 1 : -1;
}

/*
 * Offers the event to every sink whose filter matches; parse thread. The json-c tree is freed
 * here, on the thread that built it, before any other thread can see the event: sinks work from
 * the canonical JSON (a sink that needs fields parses its own private copy), so json-c objects
 * are never shared between threads, and malloc's arenas are not fought over (see docs/design.md).
 */
static void route(struct ls_event *ev, void *ctx)
{
    struct lane *l = ctx;
    struct ls_intake *in = l->in;
    bool any = false;
    ls_event_release_tree(ev);
    if (l->current_ack) {
        ev->ack = l->current_ack;
        ls_event_ack_ref(ev->ack);
    }
    if (in->canary && ls_canary_observe(in->canary, ev) && !ls_canary_ship(in->canary)) {
        ls_event_unref(ev);
        return;
    }
    for (size_t i = 0; i < in->sinks->n; i++)
        if (ls_sink_wants(in->sinks->v[i], ev->subject)) {
            if (!ls_sink_offer(in->sinks->v[i], ev))
                ls_event_veto(ev); /* shed: not delivered, so never acknowledged */
            any = true;
        }
    if (!any)
        ls_counter_inc(in->unrouted);
    ls_event_unref(ev);
}

static void account(struct lane *l, const struct ls_parse_stats *before)
{
    struct ls_intake *in = l->in;
    const struct ls_parse_stats *now = &l->stats;
    ls_counter_add(in->events, now->events - before->events);
    ls_counter_add(in->parse_errors, now->not_json - before->not_json);
    ls_counter_add(in->empty, now->empty - before->empty);
    ls_counter_add(in->empty_arrays, now->empty_array - before->empty_array);
    ls_counter_add(in->truncated, now->truncated - before->truncated);
}

static void parse_one(struct lane *l, const char *subject, const char *payload, size_t len,
                      int64_t recv_ns, struct ls_event_ack *ack)
{
    struct ls_intake *in = l->in;
    struct ls_parse_stats before = l->stats;
    l->current_ack = ack;
    if (ls_parse_payload(l->parser, subject, payload, len, recv_ns, route, l, &l->stats) < 0) {
        ls_counter_inc(in->dropped);
        if (ack)
            atomic_store(&ack->veto, true);
        LS_LOG_EVERY(LS_LOG_ERROR, 10000, "out of memory parsing a payload, dropped subject=%s",
                     subject);
    }
    l->current_ack = NULL;
    /* The message's own reference: with no event left (empty, `[]`, all settled) it is done. */
    ls_event_ack_unref(ack);
    if (l->stats.empty != before.empty)
        LS_LOG_EVERY(LS_LOG_WARN, 60000,
                     "empty payload, nothing to ship (counted in logship_empty_payloads_total)"
                     " subject=%s",
                     subject);
    else if (l->stats.empty_array != before.empty_array)
        LS_LOG_EVERY(LS_LOG_WARN, 60000,
                     "payload is an empty JSON array, nothing to ship (counted in "
                     "logship_empty_arrays_total) subject=%s",
                     subject);
    else if (l->stats.not_json != before.not_json)
        LS_LOG_EVERY(LS_LOG_WARN, 60000,
                     "payload is not a JSON object, shipped as a raw message (counted in "
                     "logship_parse_errors_total) subject=%s bytes=%zu",
                     subject, len);
    account(l, &before);
}

static void *parse_main(void *arg)
{
    struct lane *l = arg;                            /* one lane: its ring, its thread */
    pthread_setname_np(pthread_self(), "ls-intake"); /* visible in top -H and /proc */
    struct raw_msg batch[POP_BATCH];
    bool found = false;
    for (;;) {
        pthread_mutex_lock(&l->lock);
        if (l->count == 0 && !l->closed) {
            l->waiting = true;
            l->deep = !found;
            if (l->deep) {
                while (l->waiting && !l->closed)
                    pthread_cond_wait(&l->not_empty, &l->lock);
            } else {
                struct timespec until;
                ls_time_deadline(&until, CLOCK_MONOTONIC, NAP_MS);
                while (l->waiting && !l->closed &&
                       pthread_cond_timedwait(&l->not_empty, &l->lock, &until) == 0)
                    ;
            }
            l->waiting = false;
        }
        size_t n = l->count < POP_BATCH ? l->count : POP_BATCH;
        for (size_t i = 0; i < n; i++) {
            batch[i] = l->ring[l->head];
            l->head = (l->head + 1) % l->cap;
        }
        bool was_full = l->count == l->cap;
        l->count -= n;
        bool done = l->closed && l->count == 0 && n == 0;
        found = n > 0;
        if (was_full && n)
            pthread_cond_broadcast(&l->not_full);
        pthread_mutex_unlock(&l->lock);
        if (done)
            break;
        for (size_t i = 0; i < n; i++) {
            struct raw_msg *m = &batch[i];
            parse_one(l, m->subject, m->data, m->len, m->recv_ns, m->ack);
            m->release(m->release_arg);
        }
    }
    return NULL;
}

void ls_intake_set_canary(struct ls_intake *in, struct ls_canary *c)
{
    in->canary = c;
}

int ls_intake_start(struct ls_intake *in)
{
    for (size_t i = 0; !in->inline_parse && i < in->n_lanes; i++) {
        struct lane *l = &in->lanes[i];
        if (pthread_create(&l->thread, NULL, parse_main, l) != 0)
            return -1;
        l->started = true;
    }
    return 0;
}

void ls_intake_close(struct ls_intake *in)
{
    for (size_t i = 0; i < in->n_lanes; i++) {
        struct lane *l = &in->lanes[i];
        pthread_mutex_lock(&l->lock);
        l->closed = true;
        pthread_cond_broadcast(&l->not_empty);
        pthread_cond_broadcast(&l->not_full);
        pthread_mutex_unlock(&l->lock);
    }
}

void ls_intake_join(struct ls_intake *in)
{
    for (size_t i = 0; i < in->n_lanes; i++) {
        struct lane *l = &in->lanes[i];
        if (l->started) {
            pthread_join(l->thread, NULL);
            l->started = false;
        }
    }
}

size_t ls_intake_depth(struct ls_intake *in)
{
    size_t n = 0;
    for (size_t i = 0; i < in->n_lanes; i++) {
        struct lane *l = &in->lanes[i];
        pthread_mutex_lock(&l->lock);
        n += l->count;
        pthread_mutex_unlock(&l->lock);
    }
    return n;
}
