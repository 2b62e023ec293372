/*
 * The NATS source; see nats.h. Environment exactly as fly-log-shipper (PROVIDERS.md Part 1
 * §1.2–§1.3): ORG/ACCESS_TOKEN as user/password, SUBJECT (default `logs.>`), QUEUE (empty means
 * no queue group), NETWORK (default `fdaa:0:0`, URL `nats://[<NETWORK>::3]:4223`); NATS_URL
 * overrides the URL. Unlike Vector, a failed first connect and any number of failed
 * reconnects are retried forever, so the source never ends while the process runs.
 */
#include "source/nats.h"
#include "source/intake.h"
#include "source/nats_loop.h"
#include "source/nats_msg.h"
#include "event/event.h"
#include "core/env.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/metrics.h"
#include "core/problems.h"
#include "route/subject.h"
#include "util/buf.h"
#include "util/time.h"
#include "util/wait_hook.h"

#include <nats/nats.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ls_nats_source {
    natsConnection *nc;
    natsSubscription *sub;
    natsOptions *opts;
    struct ls_intake *intake;
    char *subject, *queue;
    int64_t pending_msgs, pending_bytes;
    /* JetStream mode */
    jsCtx *js;
    const struct ls_nats_config *cfg;
    pthread_t fetcher;
    bool fetching;
    atomic_bool paused;
    /* Core NATS: a pump thread reads the socket (nats_loop.h) and polls a synchronous
       subscription (see pump_main); pump_lock is held while it uses `sub`, so resubscribe and
       pause never pull it from under it. */
    struct ls_nats_loop *loop;
    pthread_t pump;
    bool pumping;
    pthread_mutex_t pump_lock;
    struct ls_gauge *ack_pending;
    struct ls_counter *acks, *naks, *max_ack_pending_hits;
    atomic_bool connected;
    atomic_bool ever_connected;
    atomic_bool stopping; /* closing on purpose: a disconnect is expected, not news */
    int64_t dropped_seen;
    /* nats.c runs the connection callbacks on its own thread, the closed one last and after
       natsConnection_Close() returns; stop waits for it before freeing this struct. */
    pthread_mutex_t lock;
    pthread_cond_t closed_cond;
    bool closed;
    struct ls_counter *reconnects, *disconnects, *dropped;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

int ls_nats_config_read(const struct ls_env *env, struct ls_nats_config *c,
                        struct ls_problems *problems)
{
    memset(c, 0, sizeof(*c));
    size_t before = problems->n;
    char err[256];
    const char *url = ls_env_get(env, "NATS_URL");
    const char *network = ls_env_get(env, "NETWORK");
    const char *org = ls_env_get(env, "ORG");
    const char *token = ls_env_get(env, "ACCESS_TOKEN");
    const char *subject = ls_env_get(env, "SUBJECT");
    const char *queue = ls_env_get(env, "QUEUE");

    if (url && *url) {
        c->url = strdup(url);
    } else {
        if (!network || !*network)
            network = "fdaa:0:0";
        if (asprintf(&c->url, "nats://[%s::3]:4223", network) < 0)
            c->url = NULL;
        if (!token)
            ls_problems_add(problems,
                            "ACCESS_TOKEN: not set (the NATS password; create one with `fly tokens "
                            "create readonly`), or set NATS_URL to use another server");
    }
    c->user = strdup(org ? org : "personal");
    c->password = dup_or_null(token);
    c->subject = strdup(subject && *subject ? subject : "logs.>");
    if (queue && *queue)
        c->queue = strdup(queue);
    c->creds_file = dup_or_null(ls_env_get(env, "LOGSHIP_NATS_CREDS"));
    c->ca_file = dup_or_null(ls_env_get(env, "LOGSHIP_NATS_CA_FILE"));
    if (!ls_subject_filter_valid(c->subject))
        ls_problems_add(problems, "SUBJECT: \"%s\" is not a valid NATS subject", c->subject);
    if (c->queue && (strpbrk(c->queue, " \t\r\n") != NULL))
        ls_problems_add(problems, "QUEUE: a queue group name cannot contain white space");
    uint64_t v;
    /* The client's buffer absorbs bursts the pipeline cannot take at once. Bounded by bytes
       first: a Fly log shipper often runs in 256 MB, and a larger buffer there means an OOM
       kill instead of counted slow-consumer drops. */
    if (ls_env_uint(env, "LOGSHIP_NATS_PENDING_MSGS", 500000, 1000, INT32_MAX, &v, err,
                    sizeof(err)) != 0)
        ls_problems_add(problems, "%s", err);
    c->pending_msgs = (int64_t)v;
    if (ls_env_size(env, "LOGSHIP_NATS_PENDING_BYTES", 64ULL << 20, &v, err, sizeof(err)) != 0)
        ls_problems_add(problems, "%s", err);
    else if (v < 65536 || v > INT32_MAX)
        ls_problems_add(problems, "LOGSHIP_NATS_PENDING_BYTES: must be between 64KiB and 2GiB");
    c->pending_bytes = (int64_t)v;
    const char *stream = ls_env_get(env, "LOGSHIP_JETSTREAM_STREAM");
    if (stream && *stream) {
        const char *durable = ls_env_get(env, "LOGSHIP_JETSTREAM_DURABLE");
        c->js_stream = strdup(stream);
        c->js_durable = strdup(durable && *durable ? durable : "logship");
        if (ls_env_uint(env, "LOGSHIP_JETSTREAM_MAX_ACK_PENDING", 20000, 1, 10000000, &v, err,
                        sizeof(err)) != 0)
            ls_problems_add(problems, "%s", err);
        c->js_max_ack_pending = (int64_t)v;
        if (ls_env_duration_ms(env, "LOGSHIP_JETSTREAM_ACK_WAIT", 300000, &v, err, sizeof(err)) !=
            0)
            ls_problems_add(problems, "%s", err);
        c->js_ack_wait_ms = (int64_t)v;
        if (c->queue)
            ls_problems_add(problems, "QUEUE: not used with LOGSHIP_JETSTREAM_STREAM (instances "
                                      "sharing LOGSHIP_JETSTREAM_DURABLE share the stream)");
    }
    if (!c->url || !c->user || !c->subject)
        ls_problems_add(problems, "out of memory reading the NATS settings");
    return problems->n == before ? 0 : -1;
}

void ls_nats_config_free(struct ls_nats_config *c)
{
    free(c->url);
    free(c->user);
    free(c->password);
    free(c->subject);
    free(c->queue);
    free(c->creds_file);
    free(c->ca_file);
    free(c->js_stream);
    free(c->js_durable);
    memset(c, 0, sizeof(*c));
}

void ls_nats_config_describe(const struct ls_nats_config *c)
{
    struct ls_buf u;
    ls_buf_init(&u, 0);
    ls_mask_url(c->url ? c->url : "", &u);
    printf("nats\n  url: %s\n  user (ORG): %s\n  password (ACCESS_TOKEN): %s\n",
           u.data ? u.data : "", c->user ? c->user : "",
           !c->password   ? "(unset)"
           : *c->password ? "**** (set)"
                          : "(empty)");
    printf("  subject: %s\n  queue group: %s\n", c->subject ? c->subject : "",
           c->queue ? c->queue : "(none)");
    printf("  pending limits: msgs=%lld bytes=%lld\n", (long long)c->pending_msgs,
           (long long)c->pending_bytes);
    if (c->js_stream)
        printf("  jetstream: stream=%s durable=%s max_ack_pending=%lld ack_wait_ms=%lld\n",
               c->js_stream, c->js_durable, (long long)c->js_max_ack_pending,
               (long long)c->js_ack_wait_ms);
    ls_buf_free(&u);
}

/*
 * Hands every message the client holds to the intake; returns how many. pump_lock held.
 *
 * Messages are released together after each group of PUMP_GROUP (nats_msg.h: freed on this
 * thread where the library version allows). Where natsMsg_Destroy still hands them to nats.c's
 * collector thread, which it wakes whenever that sleeps, one by one they woke it every few
 * messages (a futex wake-up and a context switch each, once the largest kernel cost of the
 * pump); a group wakes it about once.
 *
 * NATS_SLOW_CONSUMER only reports that the client dropped messages since the last call (they
 * are counted from natsSubscription_GetDropped); the queue still holds messages. nats.c raises
 * it again on every further drop, so stopping at it meant never draining a full buffer while
 * the publisher kept sending: everything was dropped until traffic paused.
 */
#define PUMP_GROUP 256

static void release_msg(void *msg)
{
    ls_nats_msg_release(msg);
}

static size_t pump_burst(struct ls_nats_source *s, size_t max)
{
    size_t n = 0, reports = 0;
    natsMsg *done[PUMP_GROUP];
    bool more = true;
    while (more && n < max && s->sub) {
        size_t k = 0, taken = 0; /* k: to destroy here; taken: handed on in this group */
        while (taken < PUMP_GROUP && n + taken < max) {
            natsMsg *msg;
            natsStatus st = natsSubscription_NextMsg(&msg, s->sub, 0);
            if (st == NATS_SLOW_CONSUMER && ++reports < max)
                continue;
            if (st != NATS_OK) {
                more = false;
                break;
            }
            /* With parsing lanes the lane takes the message itself and destroys it once parsed:
               no copy, and the pump no longer allocates for the lane as well. */
            if (ls_intake_push_lent(s->intake, natsMsg_GetSubject(msg), natsMsg_GetData(msg),
                                    (size_t)natsMsg_GetDataLength(msg), ls_time_now_ns(),
                                    release_msg, msg) != 1)
                done[k++] = msg;
            taken++;
        }
        for (size_t i = 0; i < k; i++)
            ls_nats_msg_release(done[i]);
        n += taken;
    }
    return n;
}

/*
 * The pump: reads the socket itself (nats_loop.h) and polls the synchronous subscription
 * nats.c parsed the messages into, so a message never crosses a thread before the intake.
 * Measured (bench steady scenario, 50 k/s): the per-message futex wake-ups of an asynchronous
 * subscription were the largest cost at moderate rates, then nats.c's reader thread waking for
 * every segment that arrived. The nap between rounds adapts so that a round carries a few
 * hundred messages: each costs a wake-up and at least two system calls, so at moderate rates
 * fewer, larger rounds are cheaper. It stays within [PUMP_NAP_MIN_US, PUMP_NAP_MAX_US], which
 * bounds the added latency; while data keeps coming faster than a round takes, rounds follow
 * without a nap. Messages wait in the kernel's socket buffer during a nap, never longer.
 *
 * A round first reads everything that has arrived (up to PUMP_READS buffers of 256 KB), then
 * hands on up to PUMP_BURST messages. Reading is a fraction of the cost of handling, so when
 * records come faster than logship handles them the socket stays drained and the excess piles
 * up in nats.c's buffer, whose limits drop it counted, rather than in the server, which would
 * disconnect a slow client and lose its backlog without a count. For the same reason the pump
 * keeps reading while it waits for room downstream (pump_wait_hook, util/wait_hook.h).
 */
#define PUMP_BURST       4096
#define PUMP_READS       64
#define PUMP_NAP_MIN_US  500
#define PUMP_NAP_MAX_US  8000
#define PUMP_BURST_SMALL 256  /* fewer: nap longer */
#define PUMP_BURST_LARGE 1024 /* more: nap shorter */

static size_t pump_round(struct ls_nats_source *s, long nap_us, bool *again)
{
    int reads = ls_nats_loop_run(s->loop, nap_us, PUMP_READS);
    pthread_mutex_lock(&s->pump_lock);
    size_t n = pump_burst(s, PUMP_BURST);
    pthread_mutex_unlock(&s->pump_lock);
    *again = n >= PUMP_BURST || reads >= PUMP_READS;
    return n;
}

/*
 * While the pump waits for a full sink queue or parsing lane: keep the socket drained, a
 * little at a time. PUMP_WAIT_READS buffers per 5 ms slice take up to 200 MB/s; a round's
 * PUMP_READS (16 MB) could keep the pump reading for tens of milliseconds after the queue it
 * waits for has made room.
 */
#define PUMP_WAIT_READS 4

static void pump_wait_hook(void *arg)
{
    struct ls_nats_source *s = arg;
    ls_nats_loop_run(s->loop, 0, PUMP_WAIT_READS);
}

static void *pump_main(void *arg)
{
    struct ls_nats_source *s = arg;
    pthread_setname_np(pthread_self(), "ls-nats");
    ls_wait_hook_set(pump_wait_hook, s);
    long nap_us = 1000;
    bool again = false;
    while (!atomic_load(&s->paused)) {
        size_t n = pump_round(s, again ? 0 : nap_us, &again);
        if (again)
            continue;
        if (n > PUMP_BURST_LARGE && nap_us > PUMP_NAP_MIN_US)
            nap_us /= 2;
        else if (n < PUMP_BURST_SMALL && nap_us < PUMP_NAP_MAX_US)
            nap_us *= 2;
    }
    /* Take what has already arrived on the socket, as nats.c's reader thread would have; a
       bounded number of rounds, so a publisher that never stops cannot hold up the pause. */
    again = true;
    for (int i = 0; i < 16 && again; i++)
        pump_round(s, 0, &again);
    ls_wait_hook_set(NULL, NULL);
    return NULL;
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct ls_nats_source *s = closure;
    if (atomic_exchange(&s->connected, false) && !atomic_load(&s->stopping)) {
        ls_counter_inc(s->disconnects);
        LS_WARN("disconnected from NATS, reconnecting");
    }
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct ls_nats_source *s = closure;
    atomic_store(&s->connected, true);
    ls_counter_inc(s->reconnects);
    LS_INFO("reconnected to NATS");
}

static void on_connected(natsConnection *nc, void *closure)
{
    (void)nc;
    struct ls_nats_source *s = closure;
    atomic_store(&s->connected, true);
    atomic_store(&s->ever_connected, true);
    LS_INFO("connected to NATS");
}

static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    struct ls_nats_source *s = closure;
    atomic_store(&s->connected, false);
    pthread_mutex_lock(&s->lock);
    s->closed = true;
    pthread_cond_broadcast(&s->closed_cond);
    pthread_mutex_unlock(&s->lock);
}

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    if (err == NATS_SLOW_CONSUMER)
        LS_LOG_EVERY(LS_LOG_ERROR, 10000,
                     "NATS slow consumer: the client dropped messages (counted in "
                     "logship_nats_dropped_total)");
    else
        LS_LOG_EVERY(LS_LOG_WARN, 10000, "NATS error: %s", natsStatus_GetText(err));
}

/* Capped exponential backoff with jitter: 100 ms, 200 ms, ... up to 5 s. */
static int64_t reconnect_delay(natsConnection *nc, int attempts, void *closure)
{
    (void)nc;
    (void)closure;
    int64_t d = 100;
    for (int i = 1; i < attempts && d < 5000; i++)
        d *= 2;
    if (d > 5000)
        d = 5000;
    return d / 2 + (int64_t)(rand() % (int)(d / 2 + 1));
}

static natsStatus make_options(const struct ls_nats_config *c, struct ls_nats_source *s)
{
    natsStatus st = natsOptions_Create(&s->opts);
    natsOptions *o = s->opts;
    if (st == NATS_OK)
        st = natsOptions_SetURL(o, c->url);
    if (st == NATS_OK)
        st = natsOptions_SetName(o, "logship");
    if (st == NATS_OK && c->password)
        st = natsOptions_SetUserInfo(o, c->user, c->password);
    if (st == NATS_OK)
        st = natsOptions_SetMaxReconnect(o, -1);
    if (st == NATS_OK)
        st = natsOptions_SetCustomReconnectDelay(o, reconnect_delay, NULL);
    if (st == NATS_OK)
        st = natsOptions_SetRetryOnFailedConnect(o, true, on_connected, s);
    if (st == NATS_OK)
        st = natsOptions_SetDisconnectedCB(o, on_disconnected, s);
    if (st == NATS_OK)
        st = natsOptions_SetReconnectedCB(o, on_reconnected, s);
    if (st == NATS_OK)
        st = natsOptions_SetClosedCB(o, on_closed, s);
    if (st == NATS_OK)
        st = natsOptions_SetErrorHandler(o, on_error, s);
    if (st == NATS_OK)
        /* One read takes up to 256 KB instead of nats.c's default 32 KB, so the reader makes
           fewer calls when data has piled up (bench/raw_sub uses 1 MB). Measured, 3 alternating
           pairs: steady 50 k/s 4.84 -> 4.59 CPU-us per record (better in each pair), loaded
           240 k/s 3.57 -> 3.45 (mixed). */
        st = natsOptions_SetIOBufSize(o, 256 * 1024);
    if (st == NATS_OK)
        st = natsOptions_SetPingInterval(o, 10000);
    if (st == NATS_OK)
        st = natsOptions_SetMaxPingsOut(o, 3);
    if (st == NATS_OK && c->creds_file)
        st = natsOptions_SetUserCredentialsFromFiles(o, c->creds_file, NULL);
    /* A CA file means TLS, verified with it: without SetSecure, nats.c would talk plain text
       to a server that does not offer TLS, and an attacker in the path could strip it. */
    if (st == NATS_OK && c->ca_file)
        st = natsOptions_SetSecure(o, true);
    if (st == NATS_OK && c->ca_file)
        st = natsOptions_LoadCATrustedCertificates(o, c->ca_file);
    if (st == NATS_OK && !c->js_stream) {
        /* Core NATS: the pump reads the socket. JetStream keeps nats.c's reader thread: its
           fetches and acknowledgements block other threads on replies the reader must see. */
        s->loop = ls_nats_loop_create();
        st = s->loop ? ls_nats_loop_install(s->loop, o) : NATS_NO_MEMORY;
    }
    return st;
}

static natsSubscription *take_sub(struct ls_nats_source *s)
{
    pthread_mutex_lock(&s->lock);
    natsSubscription *sub = s->sub;
    s->sub = NULL;
    pthread_mutex_unlock(&s->lock);
    return sub;
}

static natsStatus subscribe(struct ls_nats_source *s)
{
    natsStatus st;
    natsSubscription *sub = NULL;
    if (s->queue)
        st = natsConnection_QueueSubscribeSync(&sub, s->nc, s->subject, s->queue);
    else
        st = natsConnection_SubscribeSync(&sub, s->nc, s->subject);
    if (st == NATS_OK)
        st = natsSubscription_SetPendingLimits(sub, (int)s->pending_msgs, (int)s->pending_bytes);
    pthread_mutex_lock(&s->lock);
    s->sub = sub;
    pthread_mutex_unlock(&s->lock);
    return st;
}

int ls_nats_resubscribe(struct ls_nats_source *s)
{
    if (!s || s->cfg->js_stream)
        return -1;
    ls_nats_tick(s);
    pthread_mutex_lock(&s->pump_lock);
    natsSubscription *old = take_sub(s);
    s->dropped_seen = 0;
    if (old) {
        natsSubscription_Unsubscribe(old);
        natsSubscription_Destroy(old);
    }
    natsStatus st = subscribe(s);
    pthread_mutex_unlock(&s->pump_lock);
    if (st == NATS_OK && atomic_load(&s->connected))
        natsConnection_FlushTimeout(s->nc, 5000);
    if (st != NATS_OK) {
        LS_ERROR("NATS resubscribe failed: %s", natsStatus_GetText(st));
        return -1;
    }
    return 0;
}

/* ---- JetStream ------------------------------------------------------------------------- */

struct js_ack {
    struct ls_event_ack base; /* first: the intake sees only this */
    natsMsg *msg;
    struct ls_counter *acks, *naks; /* registry-owned, so valid after the source is gone */
};

/* Last event of the message settled (any sink thread): ack, or nak when something vetoed. */
static void js_done(struct ls_event_ack *a, bool ok)
{
    struct js_ack *j = (struct js_ack *)a;
    if (ok) {
        natsMsg_Ack(j->msg, NULL);
        ls_counter_inc(j->acks);
    } else {
        natsMsg_Nak(j->msg, NULL);
        ls_counter_inc(j->naks);
    }
    natsMsg_Destroy(j->msg);
    free(j);
}

/* Binds to the durable consumer, creating it when missing. Created by us rather than by
   js_PullSubscribe so that unsubscribing at shutdown never deletes it. */
static natsStatus js_bind(struct ls_nats_source *s)
{
    const struct ls_nats_config *c = s->cfg;
    jsErrCode jerr = 0;
    natsStatus st = NATS_OK;
    if (!s->js)
        st = natsConnection_JetStream(&s->js, s->nc, NULL);
    if (st == NATS_OK) {
        jsConsumerConfig cc;
        jsConsumerConfig_Init(&cc);
        cc.Durable = c->js_durable;
        cc.AckPolicy = js_AckExplicit;
        cc.AckWait = c->js_ack_wait_ms * 1000000;
        cc.MaxAckPending = c->js_max_ack_pending;
        cc.FilterSubject = s->subject;
        jsConsumerInfo *ci = NULL;
        st = js_AddConsumer(&ci, s->js, c->js_stream, &cc, NULL, &jerr);
        jsConsumerInfo_Destroy(ci);
        if (st != NATS_OK && (jerr == JSConsumerNameExistErr || jerr == 10148))
            st = NATS_OK; /* already there (its settings are the operator's) */
    }
    if (st == NATS_OK) {
        jsSubOptions so;
        jsSubOptions_Init(&so);
        so.Stream = c->js_stream;
        so.Consumer = c->js_durable;
        natsSubscription *sub = NULL;
        st = js_PullSubscribe(&sub, s->js, s->subject, c->js_durable, NULL, &so, &jerr);
        pthread_mutex_lock(&s->lock);
        s->sub = sub;
        pthread_mutex_unlock(&s->lock);
    }
    if (st != NATS_OK)
        LS_LOG_EVERY(LS_LOG_ERROR, 10000,
                     "JetStream: cannot bind consumer stream=%s durable=%s: %s (code %d)",
                     c->js_stream, c->js_durable, natsStatus_GetText(st), (int)jerr);
    else
        LS_INFO("JetStream: bound to stream=%s durable=%s", c->js_stream, c->js_durable);
    return st;
}

static void js_check_pending(struct ls_nats_source *s)
{
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    if (js_GetConsumerInfo(&ci, s->js, s->cfg->js_stream, s->cfg->js_durable, NULL, &jerr) !=
        NATS_OK)
        return;
    ls_gauge_set(s->ack_pending, ci->NumAckPending);
    if (ci->NumAckPending >= s->cfg->js_max_ack_pending) {
        ls_counter_inc(s->max_ack_pending_hits);
        LS_LOG_EVERY(LS_LOG_WARN, 30000,
                     "JetStream: MaxAckPending reached (%lld un-acknowledged); the server sends "
                     "nothing more until sinks deliver (a stalled sink?)",
                     (long long)ci->NumAckPending);
    }
    jsConsumerInfo_Destroy(ci);
}

/* Fetch loop (own thread): pull batches, hand each message to the intake with its ack. */
static void *js_fetch_main(void *arg)
{
    struct ls_nats_source *s = arg;
    int64_t next_check = 0;
    pthread_setname_np(pthread_self(), "ls-jetstream");
    while (!atomic_load(&s->paused)) {
        if (!s->sub && (!atomic_load(&s->connected) || js_bind(s) != NATS_OK)) {
            struct timespec ts = {0, 200000000};
            nanosleep(&ts, NULL);
            continue;
        }
        natsMsgList list = {0};
        jsErrCode jerr = 0;
        natsStatus st = natsSubscription_Fetch(&list, s->sub, 256, 500, &jerr);
        for (int i = 0; i < list.Count; i++) {
            natsMsg *m = list.Msgs[i];
            list.Msgs[i] = NULL;
            struct js_ack *a = calloc(1, sizeof(*a));
            if (!a) {
                natsMsg_Nak(m, NULL);
                natsMsg_Destroy(m);
                continue;
            }
            atomic_init(&a->base.refs, 1);
            a->base.done = js_done;
            a->msg = m;
            a->acks = s->acks;
            a->naks = s->naks;
            ls_intake_push_ack(s->intake, natsMsg_GetSubject(m), natsMsg_GetData(m),
                               (size_t)natsMsg_GetDataLength(m), ls_time_now_ns(), &a->base);
        }
        natsMsgList_Destroy(&list);
        if (st != NATS_OK && st != NATS_TIMEOUT)
            LS_LOG_EVERY(LS_LOG_WARN, 10000, "JetStream fetch: %s", natsStatus_GetText(st));
        int64_t now = ls_time_mono_ms();
        if (now >= next_check) {
            js_check_pending(s);
            next_check = now + 5000;
        }
    }
    return NULL;
}

/* Why nats.c closed the connection for good, for the log. */
static const char *closed_reason(struct ls_nats_source *s, char *why, size_t whylen)
{
    const char *text = NULL;
    natsStatus st = natsConnection_GetLastError(s->nc, &text);
    /* nats.c reports the last attempt ("no server available"), not that the server offered
       no TLS; name the setting that asks for it. */
    snprintf(why, whylen, "%s%s", text && *text ? text : natsStatus_GetText(st),
             s->cfg && s->cfg->ca_file ? " (LOGSHIP_NATS_CA_FILE is set: the server must offer TLS)"
                                       : "");
    return why;
}

/*
 * Starts nats.c's library threads (timers, connection callbacks, the message collector) as
 * SCHED_BATCH: they inherit the policy of the thread that creates them, and this thread goes
 * back to its own right after. The collector frees every message given to natsMsg_Destroy
 * (JetStream's, and core messages too with a library nats_msg.h does not know); woken as a
 * normal thread it preempted the pump about 3,000 times a second at 50 k/s (the pump's
 * involuntary context switches matched the collector's wake-ups one for one) to free a dozen
 * messages each time. A batch thread does not preempt on wake-up: it runs on an idle CPU or
 * once the pump naps, and frees the whole list then.
 */
static natsStatus open_library(void)
{
    int policy;
    struct sched_param own, batch = {0};
    bool restore = pthread_getschedparam(pthread_self(), &policy, &own) == 0 &&
                   pthread_setschedparam(pthread_self(), SCHED_BATCH, &batch) == 0;
    natsStatus st = nats_Open(-1);
    if (restore)
        pthread_setschedparam(pthread_self(), policy, &own);
    ls_nats_msg_init();
    return st;
}

struct ls_nats_source *ls_nats_start(const struct ls_nats_config *c, struct ls_intake *in,
                                     char *err, size_t errlen)
{
    natsStatus st = open_library();
    if (st != NATS_OK) {
        snprintf(err, errlen, "NATS: %s", natsStatus_GetText(st));
        return NULL;
    }
    struct ls_nats_source *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->intake = in;
    s->cfg = c;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->pump_lock, NULL);
    pthread_cond_init(&s->closed_cond, NULL);
    s->reconnects = ls_metrics_counter("logship_nats_reconnects_total", NULL,
                                       "Times the NATS connection was re-established.");
    s->disconnects = ls_metrics_counter("logship_nats_disconnects_total", NULL,
                                        "Times the NATS connection was lost.");
    s->dropped = ls_metrics_counter("logship_nats_dropped_total", NULL,
                                    "Messages the NATS client dropped because its pending limits "
                                    "were reached (slow consumer).");
    st = make_options(c, s);
    if (st == NATS_OK) {
        st = natsConnection_Connect(&s->nc, s->opts);
        if (st == NATS_NOT_YET_CONNECTED) {
            /* nats.c keeps why the first attempt failed: "no server available", or a TLS
               mismatch that would otherwise look like an unreachable server. */
            const char *why = nats_GetLastError(NULL);
            if (why && *why)
                LS_WARN("NATS server not reachable yet (%s), retrying in the background", why);
            else
                LS_WARN("NATS server not reachable yet, retrying in the background");
            st = NATS_OK;
        } else if (st == NATS_OK) {
            atomic_store(&s->connected, true);
            atomic_store(&s->ever_connected, true);
            LS_INFO("connected to NATS");
        }
    }
    s->subject = strdup(c->subject);
    s->queue = c->queue ? strdup(c->queue) : NULL;
    s->pending_msgs = c->pending_msgs;
    s->pending_bytes = c->pending_bytes;
    if (st == NATS_OK && (!s->subject || (c->queue && !s->queue)))
        st = NATS_NO_MEMORY;
    if (st == NATS_OK && c->js_stream) {
        s->ack_pending = ls_metrics_gauge("logship_jetstream_ack_pending", NULL,
                                          "Messages delivered by JetStream, not yet acknowledged.");
        s->acks = ls_metrics_counter("logship_jetstream_acks_total", NULL,
                                     "JetStream messages acknowledged after every sink settled.");
        s->naks = ls_metrics_counter("logship_jetstream_naks_total", NULL,
                                     "JetStream messages handed back for redelivery.");
        s->max_ack_pending_hits = ls_metrics_counter(
            "logship_jetstream_max_ack_pending_total", NULL,
            "Times the consumer was found at MaxAckPending (delivery paused by the server).");
        if (atomic_load(&s->connected))
            js_bind(s); /* else the fetch thread binds once connected */
        if (pthread_create(&s->fetcher, NULL, js_fetch_main, s) != 0)
            st = NATS_ERR;
        else
            s->fetching = true;
    } else if (st == NATS_OK) {
        st = subscribe(s);
        if (st == NATS_OK && pthread_create(&s->pump, NULL, pump_main, s) != 0)
            st = NATS_ERR;
        else if (st == NATS_OK)
            s->pumping = true;
    }
    /* The server has the subscription once a flush round-trips: only then is /health 200 a
       promise that records published from now on reach us. */
    if (st == NATS_OK && atomic_load(&s->connected) &&
        natsConnection_FlushTimeout(s->nc, 5000) != NATS_OK)
        LS_WARN("NATS flush after subscribing timed out; the subscription may start late");
    if (st != NATS_OK) {
        /* nats.c may have given up on the connection already (subscribing then fails with
           "Connection Closed"): say why it did instead. */
        char why[384];
        if (s->nc && natsConnection_IsClosed(s->nc))
            snprintf(err, errlen, "NATS: the client closed the connection and will not retry: %s",
                     closed_reason(s, why, sizeof(why)));
        else
            snprintf(err, errlen, "NATS: %s (%s)", natsStatus_GetText(st), nats_GetLastError(NULL));
        ls_nats_stop(s);
        return NULL;
    }
    LS_INFO("subscribed subject=%s queue=%s", c->subject, c->queue ? c->queue : "(none)");
    return s;
}

void ls_nats_tick(struct ls_nats_source *s)
{
    int64_t dropped = 0;
    if (!s || !s->sub || natsSubscription_GetDropped(s->sub, &dropped) != NATS_OK)
        return;
    if (dropped > s->dropped_seen) {
        ls_counter_add(s->dropped, (uint64_t)(dropped - s->dropped_seen));
        s->dropped_seen = dropped;
    }
}

void ls_nats_pause(struct ls_nats_source *s)
{
    if (!s || atomic_load(&s->paused))
        return;
    /* Core NATS: one round trip while the pump still reads. The server answers the PING after
       everything it had already queued for us, so once the flush returns all of that is in
       the client's buffer and is handed on below, however late the server wrote it. */
    if (s->pumping && atomic_load(&s->connected) &&
        natsConnection_FlushTimeout(s->nc, 2000) != NATS_OK)
        LS_WARN("NATS flush at shutdown failed; records in flight from the server may be lost");
    if (atomic_exchange(&s->paused, true))
        return;
    atomic_store(&s->stopping, true);
    if (s->loop)
        ls_nats_loop_wake(s->loop);
    if (s->fetching) {
        pthread_join(s->fetcher, NULL);
        s->fetching = false;
        return; /* the pull subscription stays until close; nothing more is fetched */
    }
    if (s->pumping) {
        pthread_join(s->pump, NULL);
        s->pumping = false;
    }
    if (s->sub) {
        ls_nats_tick(s);
        /* Hand what the client already holds to the intake, stop the server sending, then
           take what arrived meanwhile (if the closed subscription still gives it). */
        pthread_mutex_lock(&s->pump_lock);
        pump_burst(s, SIZE_MAX);
        natsSubscription_Unsubscribe(s->sub);
        pump_burst(s, SIZE_MAX);
        pthread_mutex_unlock(&s->pump_lock);
        natsSubscription_Destroy(take_sub(s));
    }
}

void ls_nats_stop(struct ls_nats_source *s)
{
    if (!s)
        return;
    ls_nats_pause(s);
    if (s->sub)
        natsSubscription_Destroy(take_sub(s)); /* a bound pull subscription: the consumer stays */
    jsCtx_Destroy(s->js);
    s->js = NULL;
    if (s->nc) {
        natsConnection_Close(s->nc);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 5;
        pthread_mutex_lock(&s->lock);
        while (!s->closed)
            if (pthread_cond_timedwait(&s->closed_cond, &s->lock, &until) != 0)
                break;
        bool closed = s->closed;
        pthread_mutex_unlock(&s->lock);
        natsConnection_Destroy(s->nc);
        if (!closed) {
            /* The callback may still come: leak the struct rather than risk a use after free. */
            LS_WARN("NATS connection did not report closing within 5 s");
            natsOptions_Destroy(s->opts);
            return;
        }
    }
    natsOptions_Destroy(s->opts);
    ls_nats_loop_destroy(s->loop);
    free(s->subject);
    free(s->queue);
    pthread_mutex_destroy(&s->pump_lock);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->closed_cond);
    free(s);
}

/* The subscription as other threads may look at it (the admin thread, for /health): `sub` is
   replaced or destroyed only under s->lock (subscribe, resubscribe, pause, stop). */
static bool subscribed(struct ls_nats_source *s)
{
    pthread_mutex_lock(&s->lock);
    bool ok = s->sub && natsSubscription_IsValid(s->sub);
    pthread_mutex_unlock(&s->lock);
    return ok;
}

bool ls_nats_gave_up(struct ls_nats_source *s, char *why, size_t whylen)
{
    if (!s || atomic_load(&s->stopping))
        return false;
    pthread_mutex_lock(&s->lock);
    bool closed = s->closed;
    pthread_mutex_unlock(&s->lock);
    if (!closed)
        return false;
    closed_reason(s, why, whylen);
    return true;
}

bool ls_nats_healthy(struct ls_nats_source *s)
{
    return s && s->nc && natsConnection_Status(s->nc) == NATS_CONN_STATUS_CONNECTED &&
           subscribed(s);
}

void ls_nats_health_json(struct ls_nats_source *s, struct ls_buf *out)
{
    static const char *const names[] = {"disconnected", "connecting", "connected", "closed",
                                        "reconnecting", "draining",   "draining"};
    const char *state = "closed";
    if (s && s->nc) {
        natsConnStatus st = natsConnection_Status(s->nc);
        if ((int)st >= 0 && (size_t)st < sizeof(names) / sizeof(names[0]))
            state = names[st];
    }
    bool sub = s && subscribed(s);
    ls_buf_printf(out, "{\"state\":\"%s\",\"subscribed\":%s}", state, sub ? "true" : "false");
}
