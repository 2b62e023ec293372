/* The self-canary; see canary.h. */
#include "source/canary.h"
#include "core/env.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"
#include "util/buf.h"
#include "util/time.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARKER "logship-canary seq="

enum stage { STAGE_OK, STAGE_RESUBSCRIBED, STAGE_RECONNECTED };

struct ls_canary {
    char *subject;
    char *instance; /* printed in the heartbeat so two machines' lines never match each other */
    uint64_t interval_ms, timeout_ms;
    bool ship;
    int64_t next_emit_ms;
    uint64_t seq;                /* last heartbeat printed (main thread) */
    _Atomic uint64_t echoed_seq; /* last heartbeat seen coming back (intake thread) */
    _Atomic int64_t echoed_ms;   /* when it came back (monotonic) */
    int64_t waiting_since_ms;    /* first heartbeat not yet echoed, 0 when none */
    int64_t stage_at_ms;
    _Atomic int stage;
    struct ls_counter *sent, *echoes, *resubscribes, *reconnects;
};

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

struct ls_canary *ls_canary_create(const struct ls_env *env, struct ls_problems *problems)
{
    const char *app = ls_env_get(env, "FLY_APP_NAME");
    const char *region = ls_env_get(env, "FLY_REGION");
    const char *machine = ls_env_get(env, "FLY_MACHINE_ID");
    if (!machine || !*machine)
        machine = ls_env_get(env, "FLY_ALLOC_ID");
    const char *subject = ls_env_get(env, "LOGSHIP_CANARY_SUBJECT");
    bool fly = app && *app && region && *region && machine && *machine;
    if (!fly && !(subject && *subject))
        return NULL;
    char err[256];
    uint64_t interval, timeout;
    if (ls_env_duration_ms(env, "LOGSHIP_CANARY_INTERVAL", 30000, &interval, err, sizeof(err))) {
        ls_problems_add(problems, "%s", err);
        return NULL;
    }
    if (interval == 0)
        return NULL;
    if (ls_env_duration_ms(env, "LOGSHIP_CANARY_TIMEOUT", interval * 3, &timeout, err,
                           sizeof(err))) {
        ls_problems_add(problems, "%s", err);
        return NULL;
    }
    bool ship = false;
    if (ls_env_bool(env, "LOGSHIP_CANARY_SHIP", false, &ship, err, sizeof(err)) != 0) {
        ls_problems_add(problems, "%s", err);
        return NULL;
    }
    struct ls_canary *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (subject && *subject) {
        c->subject = strdup(subject);
    } else if (asprintf(&c->subject, "logs.%s.%s.%s", app, region, machine) < 0) {
        c->subject = NULL;
    }
    c->instance = dup(fly ? machine : subject);
    c->interval_ms = interval;
    c->timeout_ms = timeout < interval ? interval : timeout;
    c->ship = ship;
    c->sent = ls_metrics_counter("logship_canary_sent_total", NULL,
                                 "Heartbeat lines printed for the self-canary.");
    c->echoes = ls_metrics_counter("logship_canary_echoes_total", NULL,
                                   "Heartbeats that came back through the stream.");
    c->resubscribes = ls_metrics_counter("logship_canary_resubscribes_total", NULL,
                                         "Resubscriptions because the heartbeat echo was missing.");
    c->reconnects = ls_metrics_counter("logship_canary_reconnects_total", NULL,
                                       "Reconnections because the heartbeat echo was missing.");
    if (!c->subject || !c->instance) {
        ls_canary_destroy(c);
        return NULL;
    }
    return c;
}

void ls_canary_destroy(struct ls_canary *c)
{
    if (!c)
        return;
    free(c->subject);
    free(c->instance);
    free(c);
}

const char *ls_canary_subject(const struct ls_canary *c)
{
    return c->subject;
}

int64_t ls_canary_tick_ms(const struct ls_canary *c)
{
    int64_t t = (int64_t)c->interval_ms / 4;
    return t < 50 ? 50 : t > 1000 ? 1000 : t;
}

bool ls_canary_ship(const struct ls_canary *c)
{
    return c->ship;
}

bool ls_canary_healthy(const struct ls_canary *c)
{
    return !c || atomic_load(&c->stage) != STAGE_RECONNECTED;
}

enum ls_canary_action ls_canary_tick(struct ls_canary *c, int64_t now)
{
    if (now >= c->next_emit_ms) {
        c->seq++;
        /* One line on stdout; the platform ships it back to us as a record's `message`. */
        printf(MARKER "%llu instance=%s\n", (unsigned long long)c->seq, c->instance);
        fflush(stdout);
        ls_counter_inc(c->sent);
        c->next_emit_ms = now + (int64_t)c->interval_ms;
        if (!c->waiting_since_ms)
            c->waiting_since_ms = now;
    }
    uint64_t echoed = atomic_load(&c->echoed_seq);
    if (echoed >= c->seq) {
        c->waiting_since_ms = 0;
        if (atomic_exchange(&c->stage, STAGE_OK) != STAGE_OK)
            LS_INFO("canary: heartbeat echo is back, stream healthy seq=%llu",
                    (unsigned long long)echoed);
        return LS_CANARY_NONE;
    }
    if (!c->waiting_since_ms || now - c->waiting_since_ms < (int64_t)c->timeout_ms)
        return LS_CANARY_NONE;
    int stage = atomic_load(&c->stage);
    if (stage == STAGE_OK) {
        LS_WARN("canary: no echo of our heartbeat on %s for %llums, resubscribing", c->subject,
                (unsigned long long)(now - c->waiting_since_ms));
        atomic_store(&c->stage, STAGE_RESUBSCRIBED);
        c->stage_at_ms = now;
        ls_counter_inc(c->resubscribes);
        return LS_CANARY_RESUBSCRIBE;
    }
    if (stage == STAGE_RESUBSCRIBED && now - c->stage_at_ms >= (int64_t)c->timeout_ms) {
        LS_ERROR("canary: still no echo on %s after resubscribing; reconnecting, /health is 503 "
                 "until the echo returns",
                 c->subject);
        atomic_store(&c->stage, STAGE_RECONNECTED);
        c->stage_at_ms = now;
        ls_counter_inc(c->reconnects);
        return LS_CANARY_RECONNECT;
    }
    return LS_CANARY_NONE;
}

bool ls_canary_observe(struct ls_canary *c, const struct ls_event *ev)
{
    if (!c || strcmp(ev->subject, c->subject) != 0)
        return false;
    const char *m = memmem(ev->json, ev->json_len, MARKER, sizeof(MARKER) - 1);
    if (!m)
        return false;
    char *end;
    unsigned long long seq = strtoull(m + sizeof(MARKER) - 1, &end, 10);
    if (end == m + sizeof(MARKER) - 1)
        return false;
    ls_counter_inc(c->echoes);
    uint64_t prev = atomic_load(&c->echoed_seq);
    while (seq > prev && !atomic_compare_exchange_weak(&c->echoed_seq, &prev, seq))
        ;
    atomic_store(&c->echoed_ms, ls_time_mono_ms());
    return true;
}

void ls_canary_health_json(struct ls_canary *c, struct ls_buf *out)
{
    static const char *const names[] = {"ok", "resubscribed", "missing"};
    int stage = atomic_load(&c->stage);
    ls_buf_printf(out, "{\"state\":\"%s\",\"subject\":", names[stage]);
    ls_json_canon_write_string(out, c->subject, strlen(c->subject));
    ls_buf_printf(out, ",\"echoed_seq\":%llu}", (unsigned long long)atomic_load(&c->echoed_seq));
}
