/*
 * Sink objects: creation, the LOGSHIP_<SINK>_* knobs every sink shares, the intake-side
 * offer(), and the state /health shows. The worker loop itself is in sink/worker.c.
 */
#include "sink/sink_int.h"
#include "core/env.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problems.h"
#include "event/event.h"
#include "route/subject.h"
#include "sink/durable.h"
#include "transport/http.h"
#include "util/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dupstr(const char *s)
{
    return s ? strdup(s) : NULL;
}

struct ls_sink *ls_sink_create(const struct ls_sink_kind *kind, const char *name,
                               const char *env_name)
{
    struct ls_sink *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->kind = kind;
    s->frame.prefix = kind->prefix;
    s->frame.sep = kind->sep;
    s->frame.suffix = kind->suffix;
    s->name = dupstr(name);
    s->env_name = dupstr(env_name);
    pthread_mutex_init(&s->state_lock, NULL);
    /* Defaults of the generic http sink (PROVIDERS.md Part 1 §1.7); kinds lower them. */
    s->cfg.batch_max_events = 0;
    s->cfg.batch_max_bytes = LS_SINK_DEFAULT_BATCH_BYTES;
    s->cfg.batch_timeout_ms = 1000;
    s->cfg.concurrency = 4;
    s->cfg.request_timeout_ms = 60000;
    s->cfg.retry_initial_ms = 1000;
    s->cfg.retry_max_ms = 60000;
    s->cfg.retry_max_attempts = 0;
    s->cfg.queue_max_events = 20000;
    s->cfg.queue_full_wait_ms = 1000;
    s->cfg.compression = LS_COMPRESS_NONE;
    /* Level 1, measured (bench/compress_bench, docs/design.md): on realistic records 2.2x
       less CPU than level 6 for bodies about 15% larger. */
    s->cfg.compression_level = 1;
    if (!s->name || !s->env_name) {
        ls_sink_destroy(s);
        return NULL;
    }
    return s;
}

/* Reads one knob LOGSHIP_<SINK>_<what>; the helpers keep the default when it is unset. */
static void knob_name(const struct ls_sink *s, const char *what, char *out, size_t cap)
{
    snprintf(out, cap, "LOGSHIP_%s_%s", s->env_name, what);
}

static void knob_size(struct ls_sink *s, const struct ls_env *env, const char *what, size_t *v,
                      uint64_t min, struct ls_problems *p)
{
    char name[96], err[256];
    uint64_t out;
    knob_name(s, what, name, sizeof(name));
    if (ls_env_size(env, name, *v, &out, err, sizeof(err)) != 0)
        ls_problems_add(p, "%s", err);
    else if (out < min)
        ls_problems_add(p, "%s: must be at least %llu", name, (unsigned long long)min);
    else
        *v = (size_t)out;
}

static void knob_uint(struct ls_sink *s, const struct ls_env *env, const char *what, uint64_t *v,
                      uint64_t min, uint64_t max, struct ls_problems *p)
{
    char name[96], err[256];
    knob_name(s, what, name, sizeof(name));
    if (ls_env_uint(env, name, *v, min, max, v, err, sizeof(err)) != 0)
        ls_problems_add(p, "%s", err);
}

static void knob_ms(struct ls_sink *s, const struct ls_env *env, const char *what, uint64_t *v,
                    uint64_t min, struct ls_problems *p)
{
    char name[96], err[256];
    uint64_t out;
    knob_name(s, what, name, sizeof(name));
    if (ls_env_duration_ms(env, name, *v, &out, err, sizeof(err)) != 0)
        ls_problems_add(p, "%s", err);
    else if (out < min)
        ls_problems_add(p, "%s: must be at least %llums", name, (unsigned long long)min);
    else
        *v = out;
}

int ls_sink_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *problems)
{
    struct ls_problems p;
    ls_problems_init(&p);
    char name[96], err[256];
    struct ls_sink_config *c = &s->cfg;

    knob_name(s, "SUBJECT", name, sizeof(name));
    const char *subj = ls_env_get(env, name);
    if (subj && *subj) {
        if (!ls_subject_filter_valid(subj))
            ls_problems_add(&p, "%s: \"%s\" is not a valid NATS subject filter", name, subj);
        else
            c->subject = strdup(subj);
    }
    uint64_t events = c->batch_max_events;
    knob_uint(s, env, "BATCH_MAX_EVENTS", &events, 0, 10000000, &p);
    c->batch_max_events = (size_t)events;
    knob_size(s, env, "BATCH_MAX_BYTES", &c->batch_max_bytes, 1, &p);
    knob_ms(s, env, "BATCH_TIMEOUT", &c->batch_timeout_ms, 1, &p);
    uint64_t conc = (uint64_t)c->concurrency;
    knob_uint(s, env, "CONCURRENCY", &conc, 1, 64, &p);
    c->concurrency = (int)conc;
    knob_ms(s, env, "REQUEST_TIMEOUT", &c->request_timeout_ms, 1, &p);
    knob_ms(s, env, "RETRY_INITIAL_BACKOFF", &c->retry_initial_ms, 1, &p);
    knob_ms(s, env, "RETRY_MAX_BACKOFF", &c->retry_max_ms, 1, &p);
    knob_uint(s, env, "RETRY_MAX_ATTEMPTS", &c->retry_max_attempts, 0, UINT32_MAX, &p);
    uint64_t qmax = c->queue_max_events;
    knob_uint(s, env, "QUEUE_MAX_EVENTS", &qmax, 1, 100000000, &p);
    c->queue_max_events = (size_t)qmax;
    knob_ms(s, env, "QUEUE_FULL_WAIT", &c->queue_full_wait_ms, 0, &p);

    static const char *const compressions[] = {"none", "gzip", NULL};
    knob_name(s, "COMPRESSION", name, sizeof(name));
    int comp = (int)c->compression;
    if (ls_env_enum(env, name, compressions, comp, &comp, err, sizeof(err)) != 0)
        ls_problems_add(&p, "%s", err);
    c->compression = (enum ls_compression)comp;
    uint64_t level = (uint64_t)c->compression_level;
    knob_uint(s, env, "COMPRESSION_LEVEL", &level, 1, 12, &p);
    c->compression_level = (int)level;

    knob_name(s, "ENDPOINT", name, sizeof(name));
    const char *ep = ls_env_get(env, name);
    if (ep && *ep) {
        const char *host = strstr(ep, "://");
        if (!host || (strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0) ||
            host[3] == '\0' || strpbrk(host + 3, "/?#") != NULL)
            ls_problems_add(&p, "%s: \"%s\" must be scheme://host[:port] (http or https)", name,
                            ep);
        else if (ls_env_check_header_value(name, ep, err, sizeof(err)) != 0)
            ls_problems_add(&p, "%s", err);
        else
            c->endpoint = strdup(ep);
    }
    if (c->retry_max_ms < c->retry_initial_ms)
        c->retry_max_ms = c->retry_initial_ms;

    if (s->kind->configure)
        s->kind->configure(s, env, &p);

    int rc = p.n ? -1 : 0;
    ls_problems_take(problems, &p);
    return rc;
}

static void register_metrics(struct ls_sink *s)
{
    char l[160], lr[200];
    struct ls_buf esc;
    ls_buf_init(&esc, 0);
    ls_metrics_label_escape(&esc, s->name);
    snprintf(l, sizeof(l), "sink=\"%s\"", esc.data ? esc.data : "");
    struct ls_sink_metrics *m = &s->m;
    m->events = ls_metrics_counter("logship_sink_events_total", l,
                                   "Events accepted into the sink's queue.");
    m->dropped = ls_metrics_counter("logship_buffer_dropped_events_total", l,
                                    "Events dropped because the sink's queue was full.");
    m->sent_events =
        ls_metrics_counter("logship_sink_sent_events_total", l, "Events the destination accepted.");
    m->sent_bytes = ls_metrics_counter("logship_sink_sent_bytes_total", l,
                                       "Bytes sent in accepted requests (on the wire).");
    m->requests =
        ls_metrics_counter("logship_sink_requests_total", l, "Requests or writes attempted.");
    m->retries = ls_metrics_counter("logship_sink_retries_total", l,
                                    "Batches scheduled for another attempt.");
    m->rejected = ls_metrics_counter("logship_sink_rejected_events_total", l,
                                     "Events the destination rejected permanently.");
    m->dead_letter = ls_metrics_counter("logship_sink_dead_letter_events_total", l,
                                        "Rejected events written to the dead-letter directory.");
    m->abandoned =
        ls_metrics_counter("logship_sink_abandoned_events_total", l,
                           "Events still undelivered when the shutdown deadline passed.");
    m->encode_errors = ls_metrics_counter("logship_sink_encode_errors_total", l,
                                          "Events the sink could not encode (dropped, logged).");
    m->truncated = ls_metrics_counter("logship_truncated_total", l, LS_TRUNCATED_HELP);
    m->filtered = ls_metrics_counter("logship_sink_filtered_events_total", l,
                                     "Events the sink's filter left out (e.g. Slack keywords, "
                                     "throttle).");
    const char *reasons[] = {"events", "bytes", "timeout", "shutdown"};
    struct ls_counter **flush[] = {&m->flush_events, &m->flush_bytes, &m->flush_timeout,
                                   &m->flush_shutdown};
    for (int i = 0; i < 4; i++) {
        snprintf(lr, sizeof(lr), "%s,reason=\"%s\"", l, reasons[i]);
        *flush[i] = ls_metrics_counter("logship_sink_flushes_total", lr,
                                       "Batches closed, by the limit that closed them.");
    }
    m->inflight =
        ls_metrics_gauge("logship_sink_inflight_requests", l, "Requests currently in flight.");
    ls_buf_free(&esc);
}

static int64_t queue_depth(void *ctx)
{
    return (int64_t)ls_sink_queue_depth(&((struct ls_sink *)ctx)->queue);
}

int ls_sink_prepare(struct ls_sink *s, char *err, size_t errlen)
{
    if (ls_sink_queue_init(&s->queue, s->cfg.queue_max_events) != 0) {
        snprintf(err, errlen, "out of memory for the queue");
        return -1;
    }
    register_metrics(s);
    char l[160];
    snprintf(l, sizeof(l), "sink=\"%s\"", s->name);
    ls_metrics_gauge_fn("logship_sink_queue_events", l, "Events waiting in the sink's queue.",
                        queue_depth, s);
    if (!s->kind->write) {
        s->http = ls_http_create(s->cfg.concurrency, s->kind->response_keep);
        if (!s->http) {
            snprintf(err, errlen, "out of memory for the HTTP transport");
            return -1;
        }
        s->queue.wake = ls_http_wake;
        s->queue.wake_ctx = s->http;
    }
    return 0;
}

bool ls_sink_wants(const struct ls_sink *s, const char *subject)
{
    return !s->cfg.subject || ls_subject_match(s->cfg.subject, subject);
}

bool ls_sink_offer(struct ls_sink *s, struct ls_event *ev)
{
    if (!ls_sink_queue_push(&s->queue, ev, (int64_t)s->cfg.queue_full_wait_ms)) {
        ls_counter_inc(s->m.dropped);
        LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s,
                          "queue full for longer than LOGSHIP_%s_QUEUE_FULL_WAIT, dropping events "
                          "until it drains (see logship_buffer_dropped_events_total) "
                          "queue_max_events=%zu",
                          s->env_name, s->cfg.queue_max_events);
        return false;
    }
    ls_counter_inc(s->m.events);
    return true;
}

const char *ls_sink_name(const struct ls_sink *s)
{
    return s->name;
}

void ls_sink_set_error(struct ls_sink *s, const char *fmt, ...)
{
    pthread_mutex_lock(&s->state_lock);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->last_error, sizeof(s->last_error), fmt, ap);
    va_end(ap);
    s->last_error_ns = ls_time_now_ns();
    pthread_mutex_unlock(&s->state_lock);
}

static void json_str(struct ls_buf *out, const char *s)
{
    ls_buf_putc(out, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            ls_buf_printf(out, "\\%c", c);
        else if (c < 0x20)
            ls_buf_printf(out, "\\u%04x", c);
        else
            ls_buf_putc(out, (char)c);
    }
    ls_buf_putc(out, '"');
}

void ls_sink_health_json(struct ls_sink *s, struct ls_buf *out)
{
    char ts[48];
    pthread_mutex_lock(&s->state_lock);
    const char *state = s->retrying_since_ns ? "retrying" : "ok";
    ls_buf_printf(out, "{\"state\":\"%s\"", state);
    if (s->retrying_since_ns) {
        ls_time_format_rfc3339(ts, sizeof(ts), s->retrying_since_ns, 3);
        ls_buf_printf(out, ",\"retrying_since\":\"%s\"", ts);
    }
    if (s->last_error[0]) {
        ls_buf_puts(out, ",\"last_error\":");
        json_str(out, s->last_error);
        ls_time_format_rfc3339(ts, sizeof(ts), s->last_error_ns, 3);
        ls_buf_printf(out, ",\"last_error_at\":\"%s\"", ts);
    }
    pthread_mutex_unlock(&s->state_lock);
    ls_buf_printf(out, ",\"queue_events\":%zu,\"sent_events\":%llu}",
                  ls_sink_queue_depth(&s->queue),
                  (unsigned long long)ls_counter_get(s->m.sent_events));
}

void ls_sink_destroy(struct ls_sink *s)
{
    if (!s)
        return;
    if (s->kind && s->kind->destroy)
        s->kind->destroy(s);
    ls_sink_queue_free(&s->queue);
    ls_durable_close(s);
    ls_http_destroy(s->http);
    free(s->cfg.subject);
    free(s->cfg.endpoint);
    free(s->name);
    free(s->env_name);
    pthread_mutex_destroy(&s->state_lock);
    free(s);
}
