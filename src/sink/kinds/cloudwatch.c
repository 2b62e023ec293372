/*
 * The cloudwatch kind: AWS CloudWatch Logs over its JSON 1.1 API, signed with SigV4
 * (auth/sigv4.h), as Vector's aws_cloudwatch_logs sink does for fly-log-shipper
 * (PROVIDERS.md Part 2 §6; https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/).
 *
 * The protocol is a call sequence, not one request, so this kind delivers batches itself
 * (write()) on the sink's worker thread, blocking, with its own one-transfer HTTP transport
 * (transport/http.h: the same user agent, timeouts and LOGSHIP_CA_FILE trust as every sink).
 * Batches are partitioned per stream (`<group>\n<app>/<host>`). For a stream not yet seen:
 * DescribeLogStreams (exact name match, CW-D2), creating the group (throttling retried, CW-D3)
 * and the stream when missing; then PutLogEvents with the batch sorted by time and cut into
 * calls within the service limits (cloudwatch_limits.h). Each event carries the record's own
 * time (CW-D1) and the record's canonical JSON without `timestamp` as its message (as Vector).
 *
 * The batch body is the kind's intermediate form (one line per event, see
 * ls_cw_line_encode): message bytes + 26 each, so the worker's byte limit is the service's.
 */
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "sink/kinds/cloudwatch_limits.h"
#include "auth/sigv4.h"
#include "core/env.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/utf8.h"
#include "preset/preset.h"
#include "transport/http.h"
#include "util/time.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CW_STREAMS      256 /* streams whose existence (and token) we remember */
#define CW_RESUME       8   /* batches retried part-way, whose delivered calls are not resent */
#define CW_TOKEN_TRIES  3   /* InvalidSequenceTokenException answers followed per call */
#define CW_POLL_MS      100
#define CW_RESPONSE_MAX 65536

struct cw_stream {
    char *name;  /* NULL = free slot */
    char *token; /* sequence token for legacy endpoints; NULL = none */
};

/* Which events of a batch already went out, for a batch that is retried after part of it was
   delivered (a 24-hour split or a partial failure). Identified by the batch and its first and
   last events, which the batch keeps alive until it is settled. */
struct cw_resume {
    const struct ls_batch *b;
    const struct ls_event *first, *last;
    size_t n;
    unsigned char *done;
};

struct cw {
    struct ls_kind_common c; /* first: the common helpers take it */
    const char *group, *region;
    struct ls_sigv4_credentials cred;
    char *host; /* Host header and signed host */
    char *path;
    struct ls_http_transport *http;
    struct cw_stream streams[CW_STREAMS];
    size_t evict;
    struct cw_resume resume[CW_RESUME];
    size_t resume_next;
    struct ls_buf scratch, body, auth;
};

/* One API answer, copied out of the transport's callback. */
struct answer {
    bool done;
    long status;
    int curl_code;
    char error[256];
    struct ls_buf body;
    char type[128];
    char message[300];
    enum ls_cw_verdict verdict;
};

static int64_t ms_of(int64_t ns)
{
    return ns >= 0 ? ns / 1000000 : -((-ns + 999999) / 1000000);
}

/* ---- configuration ------------------------------------------------------------------------ */

static char *url_part(CURLU *u, CURLUPart part)
{
    char *v = NULL;
    if (curl_url_get(u, part, &v, 0) != CURLUE_OK)
        return NULL;
    char *copy = strdup(v);
    curl_free(v);
    return copy;
}

/* Host header (with an explicit port) and path of the endpoint URL. */
static int split_url(struct cw *cw)
{
    CURLU *u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, cw->c.url, 0) != CURLUE_OK) {
        curl_url_cleanup(u);
        return -1;
    }
    char *host = url_part(u, CURLUPART_HOST);
    char *port = url_part(u, CURLUPART_PORT);
    cw->path = url_part(u, CURLUPART_PATH);
    curl_url_cleanup(u);
    if (host && port) {
        size_t n = strlen(host) + strlen(port) + 2;
        cw->host = malloc(n);
        if (cw->host)
            snprintf(cw->host, n, "%s:%s", host, port);
        free(host);
    } else {
        cw->host = host;
    }
    free(port);
    return cw->host && cw->path ? 0 : -1;
}

/* AWS's partitions other than `aws` have their own DNS suffix. */
static int regional_url(struct ls_sink *s, struct cw *cw)
{
    if (s->cfg.endpoint || strncmp(cw->region, "cn-", 3) != 0)
        return 0;
    size_t n = strlen(cw->region) + 40;
    char *url = malloc(n);
    if (!url)
        return -1;
    snprintf(url, n, "https://logs.%s.amazonaws.com.cn/", cw->region);
    free(cw->c.url);
    free(cw->c.url_masked);
    cw->c.url = url;
    cw->c.url_masked = strdup(url);
    return cw->c.url_masked ? 0 : -1;
}

static int cw_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct cw *cw = calloc(1, sizeof(*cw));
    if (!cw)
        return -1;
    s->ctx = cw;
    ls_buf_init(&cw->scratch, 0);
    ls_buf_init(&cw->body, 0);
    ls_buf_init(&cw->auth, 0);
    const char *name = s->preset->name;
    size_t before = p->n;
    /* The credentials and region are shared with the S3 provider, so the row cannot make them
       REQUIRED (setting them would switch this sink on); the group name is the switch, and the
       others are checked here with the same message as the row's. */
    cw->group = ls_env_get(env, "CLOUDWATCH_LOG_GROUP_NAME");
    static const char *const needed[] = {"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                         NULL};
    for (size_t i = 0; needed[i]; i++) {
        const char *v = ls_env_get(env, needed[i]);
        if (!v || !*v)
            ls_problems_add(p, "%s: %s is not set (CLOUDWATCH_LOG_GROUP_NAME is)", name, needed[i]);
    }
    cw->region = ls_env_get(env, "AWS_REGION");
    cw->cred.access_key_id = ls_env_get(env, "AWS_ACCESS_KEY_ID");
    cw->cred.secret_access_key = ls_env_get(env, "AWS_SECRET_ACCESS_KEY");
    cw->cred.session_token = ls_env_get(env, "AWS_SESSION_TOKEN");
    if (cw->group && !ls_cw_group_name_valid(cw->group))
        ls_problems_add(p,
                        "%s: CLOUDWATCH_LOG_GROUP_NAME: \"%s\" is not a log group name (1 to 512 "
                        "of a-z A-Z 0-9 _ - / . #)",
                        name, cw->group);
    if (cw->region && *cw->region && !ls_cw_region_valid(cw->region))
        ls_problems_add(p, "%s: AWS_REGION: \"%s\" is not an AWS region (e.g. us-east-1)", name,
                        cw->region);
    if (p->n != before)
        return -1; /* the URL template needs a valid region */
    if (ls_kind_common_init(s, env, p, &cw->c) != 0)
        return -1;
    if (regional_url(s, cw) != 0 || split_url(cw) != 0) {
        ls_problems_add(p, "%s: out of memory", name);
        return -1;
    }
    /* The service's per-call limits; larger knobs would only produce calls it refuses. */
    if (!s->cfg.batch_max_events || s->cfg.batch_max_events > LS_CW_MAX_EVENTS)
        s->cfg.batch_max_events = LS_CW_MAX_EVENTS;
    if (s->cfg.batch_max_bytes > LS_CW_MAX_CALL_BYTES)
        s->cfg.batch_max_bytes = LS_CW_MAX_CALL_BYTES;
    s->frame.prefix = s->frame.sep = s->frame.suffix = "";
    return 0;
}

/* ---- encoding ----------------------------------------------------------------------------- */

/* The value of a top-level string (or other scalar) member as text; NULL when absent. */
static const char *top_scalar(struct cw *cw, const struct ls_event *ev, const char *key,
                              size_t *len)
{
    size_t ms, me, vs, ve;
    if (ls_cw_json_member(ev->json, ev->json_len, key, &ms, &me, &vs, &ve) != 0 || ve <= vs)
        return NULL;
    const char *v = ev->json + vs;
    if (*v == '{' || *v == '[' || *v == 'n')
        return NULL;
    if (*v != '"') {
        *len = ve - vs;
        return v;
    }
    /* Undo the JSON escapes (rare in host names, but the name must be the record's value). */
    struct json_tokener *tok = json_tokener_new();
    struct json_object *o = tok ? json_tokener_parse_ex(tok, v, (int)(ve - vs)) : NULL;
    json_tokener_free(tok);
    const char *res = NULL;
    if (o && json_object_is_type(o, json_type_string)) {
        ls_buf_reset(&cw->scratch);
        if (ls_buf_append(&cw->scratch, json_object_get_string(o),
                          (size_t)json_object_get_string_len(o)) == 0) {
            res = cw->scratch.data ? cw->scratch.data : "";
            *len = cw->scratch.len;
        }
    }
    json_object_put(o);
    return res;
}

static int cw_partition(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct cw *cw = s->ctx;
    size_t host_len = 0;
    const char *host = top_scalar(cw, ev, "host", &host_len);
    if (ls_buf_puts(out, cw->group) != 0 || ls_buf_putc(out, '\n') != 0)
        return -1;
    return ls_cw_stream_name(out, ev->app, ev->app ? strlen(ev->app) : 0, host, host_len);
}

static int cw_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct cw *cw = s->ctx;
    const char *j = ev->json;
    size_t n = ev->json_len, ms, me, vs, ve;
    struct ls_buf *m = &cw->scratch;
    ls_buf_reset(m);
    /* The message is the record without `timestamp`, which travels as the event's time. */
    if (ls_cw_json_member(j, n, "timestamp", &ms, &me, &vs, &ve) == 0) {
        if (ls_buf_append(m, j, ms) != 0 || ls_buf_append(m, j + me, n - me) != 0)
            return -1;
    } else if (ls_buf_append(m, j, n) != 0) {
        return -1;
    }
    size_t len = ls_utf8_cut(m->data, m->len, LS_CW_MAX_MESSAGE);
    if (len < m->len) {
        ls_counter_inc(s->m.truncated);
        LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s,
                          "record of %zu bytes cut to %zu, CloudWatch's per-event limit subject=%s",
                          m->len, len, ev->subject);
    }
    return ls_cw_line_encode(out, ms_of(ev->time_ns), m->data, len);
}

/* ---- calls -------------------------------------------------------------------------------- */

static void on_done(void *user, const struct ls_response *r, void *ctx)
{
    (void)ctx;
    struct answer *a = user;
    a->done = true;
    a->status = r->status;
    a->curl_code = r->curl_code;
    snprintf(a->error, sizeof(a->error), "%s", r->error ? r->error : "");
    ls_buf_reset(&a->body);
    if (r->body_len)
        ls_buf_append(&a->body, r->body, r->body_len);
}

/* Replaces every credential in text with ****: error messages can quote the request. */
static void scrub(const struct cw *cw, char *text)
{
    const char *secrets[] = {cw->cred.access_key_id, cw->cred.secret_access_key,
                             cw->cred.session_token};
    for (size_t i = 0; i < 3; i++) {
        const char *v = secrets[i];
        size_t vl = v ? strlen(v) : 0;
        if (vl < 4)
            continue;
        char *at;
        while ((at = strstr(text, v)) != NULL) {
            memcpy(at, "****", 4);
            memmove(at + 4, at + vl, strlen(at + vl) + 1);
        }
    }
}

static void read_error(const struct cw *cw, struct answer *a)
{
    a->type[0] = a->message[0] = '\0';
    if (a->status == 0) {
        snprintf(a->message, sizeof(a->message), "%s", a->error);
    } else if (a->status < 200 || a->status >= 300) {
        ls_cw_error_type(a->body.data, a->body.len, a->type, sizeof(a->type));
        struct json_object *root = a->body.len ? json_tokener_parse(a->body.data) : NULL;
        struct json_object *m = NULL;
        if (root && (json_object_object_get_ex(root, "message", &m) ||
                     json_object_object_get_ex(root, "Message", &m)))
            snprintf(a->message, sizeof(a->message), "%s", json_object_get_string(m));
        else if (!root)
            snprintf(a->message, sizeof(a->message), "%.200s", a->body.data ? a->body.data : "");
        json_object_put(root);
        for (char *p = a->message; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        scrub(cw, a->message);
    }
    a->verdict = ls_cw_classify(a->status, a->type[0] ? a->type : NULL, a->message);
}

static bool past_deadline(const struct ls_sink *s)
{
    return atomic_load(&s->stop) && ls_time_mono_ms() >= atomic_load(&s->deadline_ms);
}

/* Signs and sends one API call, blocking until it is answered, times out (request timeout)
   or the shutdown deadline passes. 0, or -1 when the request cannot be built. */
static int call(struct ls_sink *s, struct cw *cw, const char *op, struct answer *a, char *err,
                size_t errlen)
{
    char target[96], hash[LS_SHA256_HEX_LEN], date[LS_SIGV4_DATE_LEN], line[160];
    snprintf(target, sizeof(target), "Logs_20140328.%s", op);
    if (!cw->http && !(cw->http = ls_http_create(1, CW_RESPONSE_MAX))) {
        snprintf(err, errlen, "out of memory for the HTTP transport");
        return -1;
    }
    const char *ctype = "application/x-amz-json-1.1";
    struct ls_sigv4_header h[] = {
        {"content-type", ctype}, {"host", cw->host}, {"x-amz-target", target}};
    struct ls_sigv4_request sr = {
        .method = "POST",
        .path = cw->path,
        .headers = h,
        .n_headers = 3,
        .payload_hash = hash,
        .region = cw->region,
        .service = "logs",
        .time_s = ls_time_now_ns() / 1000000000,
        .flags = LS_SIGV4_NORMALIZE_PATH,
    };
    char serr[256];
    if (ls_sha256_hex(cw->body.data, cw->body.len, hash) != 0 ||
        ls_sigv4_sign(&sr, &cw->cred, &cw->auth, date, serr, sizeof(serr)) != 0) {
        snprintf(err, errlen, "%s: cannot sign the request", op);
        return -1;
    }
    struct ls_request req;
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.content_type = ctype;
    ls_buf_init(&req.url, 0);
    ls_buf_puts(&req.url, cw->c.url);
    snprintf(line, sizeof(line), "Host: %s", cw->host);
    req.headers = curl_slist_append(req.headers, line);
    snprintf(line, sizeof(line), "X-Amz-Target: %s", target);
    req.headers = curl_slist_append(req.headers, line);
    snprintf(line, sizeof(line), "X-Amz-Date: %s", date);
    req.headers = curl_slist_append(req.headers, line);
    ls_buf_reset(&cw->scratch);
    ls_buf_printf(&cw->scratch, "Authorization: %s", cw->auth.data ? cw->auth.data : "");
    req.headers = curl_slist_append(req.headers, cw->scratch.data);
    if (cw->cred.session_token && *cw->cred.session_token) {
        ls_buf_reset(&cw->scratch);
        ls_buf_printf(&cw->scratch, "X-Amz-Security-Token: %s", cw->cred.session_token);
        req.headers = curl_slist_append(req.headers, cw->scratch.data);
    }
    a->done = false;
    int rc = ls_http_start(cw->http, &req, cw->body.data ? cw->body.data : "", cw->body.len,
                           s->cfg.request_timeout_ms, a);
    ls_buf_free(&req.url);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot start the request", op);
        return -1;
    }
    while (!a->done) {
        if (past_deadline(s)) {
            ls_http_abort_all(cw->http, on_done, NULL);
            break;
        }
        ls_http_poll(cw->http, CW_POLL_MS, on_done, NULL);
    }
    read_error(cw, a);
    LS_SINK_LOG(LS_LOG_DEBUG, s, "%s status=%ld %s", op, a->status, a->type);
    return 0;
}

/* The outcome of a failed call, with a message naming what to fix. */
static int failure(const char *op, const struct answer *a, char *err, size_t errlen)
{
    const char *what = a->type[0] ? a->type : "error";
    if (a->status == 0)
        snprintf(err, errlen, "%s: error=\"%s\"", op, a->message);
    else
        snprintf(err, errlen, "%s: status=%ld %s: %.200s", op, a->status, what, a->message);
    switch (a->verdict) {
    case LS_CW_RETRY:
    case LS_CW_NOT_FOUND: /* just created: eventual consistency */
    case LS_CW_BAD_TOKEN:
        return LS_OUTCOME_RETRY;
    case LS_CW_AUTH: {
        size_t l = strlen(err);
        snprintf(err + l, errlen - l,
                 " (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY%s and the key's IAM policy)",
                 strstr(a->type, "Token") ? ", AWS_SESSION_TOKEN" : "");
        return LS_OUTCOME_REJECT;
    }
    default:
        return LS_OUTCOME_REJECT;
    }
}

/* ---- streams ------------------------------------------------------------------------------ */

static struct cw_stream *stream_find(struct cw *cw, const char *name)
{
    for (size_t i = 0; i < CW_STREAMS; i++)
        if (cw->streams[i].name && strcmp(cw->streams[i].name, name) == 0)
            return &cw->streams[i];
    return NULL;
}

static void stream_forget(struct cw_stream *st)
{
    if (!st)
        return;
    free(st->name);
    free(st->token);
    st->name = st->token = NULL;
}

static void set_token(struct cw_stream *st, const char *token)
{
    if (!st)
        return;
    free(st->token);
    st->token = token ? strdup(token) : NULL;
}

static struct cw_stream *stream_add(struct cw *cw, const char *name, const char *token)
{
    struct cw_stream *st = NULL;
    for (size_t i = 0; i < CW_STREAMS && !st; i++)
        if (!cw->streams[i].name)
            st = &cw->streams[i];
    if (!st) { /* full: forget one in turn; it is only looked up again */
        st = &cw->streams[cw->evict++ % CW_STREAMS];
        stream_forget(st);
    }
    st->name = strdup(name);
    if (!st->name)
        return NULL;
    set_token(st, token);
    return st;
}

/* A string member of a JSON object, or NULL. Borrowed from root. */
static const char *jstr(struct json_object *o, const char *key)
{
    struct json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int create(struct ls_sink *s, struct cw *cw, const char *op, const char *stream,
                  struct answer *a, char *err, size_t errlen)
{
    ls_buf_reset(&cw->body);
    int rc = stream ? ls_cw_body_create_stream(&cw->body, cw->group, stream)
                    : ls_cw_body_create_group(&cw->body, cw->group);
    if (rc != 0 || call(s, cw, op, a, err, errlen) != 0)
        return LS_OUTCOME_RETRY;
    if (a->verdict == LS_CW_OK || a->verdict == LS_CW_EXISTS)
        return LS_OUTCOME_OK;
    return failure(op, a, err, errlen);
}

/*
 * Makes sure the stream exists and remembers it: DescribeLogStreams by prefix with limit 1
 * (the exact name sorts first among its prefix matches), then CreateLogGroup and
 * CreateLogStream as needed. Only an exact name match counts (CW-D2).
 */
static int ensure_stream(struct ls_sink *s, struct cw *cw, const char *stream, struct answer *a,
                         char *err, size_t errlen)
{
    ls_buf_reset(&cw->body);
    if (ls_cw_body_describe_streams(&cw->body, cw->group, stream) != 0 ||
        call(s, cw, "DescribeLogStreams", a, err, errlen) != 0)
        return LS_OUTCOME_RETRY;
    if (a->verdict == LS_CW_OK) {
        struct json_object *root = json_tokener_parse(a->body.data ? a->body.data : "");
        struct json_object *list = NULL, *first = NULL;
        if (root && json_object_object_get_ex(root, "logStreams", &list) &&
            json_object_is_type(list, json_type_array) && json_object_array_length(list) > 0)
            first = json_object_array_get_idx(list, 0);
        const char *name = jstr(first, "logStreamName");
        int found = name && strcmp(name, stream) == 0;
        struct cw_stream *st =
            found ? stream_add(cw, stream, jstr(first, "uploadSequenceToken")) : NULL;
        json_object_put(root);
        if (found)
            return st ? LS_OUTCOME_OK : LS_OUTCOME_RETRY;
    } else if (a->verdict == LS_CW_NOT_FOUND) {
        int rc = create(s, cw, "CreateLogGroup", NULL, a, err, errlen);
        if (rc != LS_OUTCOME_OK)
            return rc;
    } else {
        return failure("DescribeLogStreams", a, err, errlen);
    }
    int rc = create(s, cw, "CreateLogStream", stream, a, err, errlen);
    if (rc != LS_OUTCOME_OK)
        return rc;
    return stream_add(cw, stream, NULL) ? LS_OUTCOME_OK : LS_OUTCOME_RETRY;
}

/* ---- delivery ----------------------------------------------------------------------------- */

static struct cw_resume *resume_find(struct cw *cw, const struct ls_batch *b)
{
    for (size_t i = 0; i < CW_RESUME; i++) {
        struct cw_resume *r = &cw->resume[i];
        if (r->b == b && r->n == b->n && b->n && r->first == b->events[0] &&
            r->last == b->events[b->n - 1])
            return r;
    }
    return NULL;
}

static void resume_clear(struct cw_resume *r)
{
    if (!r)
        return;
    free(r->done);
    memset(r, 0, sizeof(*r));
}

/* Remembers which events of b are delivered before b is retried. */
static void resume_save(struct cw *cw, const struct ls_batch *b, const unsigned char *done)
{
    struct cw_resume *r = resume_find(cw, b);
    if (!r) {
        r = &cw->resume[cw->resume_next++ % CW_RESUME];
        resume_clear(r);
        r->done = malloc(b->n);
        if (!r->done)
            return;
        r->b = b;
        r->n = b->n;
        r->first = b->events[0];
        r->last = b->events[b->n - 1];
    }
    memcpy(r->done, done, b->n);
}

/* Logs what a successful PutLogEvents says it did not store. */
static void check_rejected(struct ls_sink *s, struct json_object *root)
{
    struct json_object *info;
    if (!root || !json_object_object_get_ex(root, "rejectedLogEventsInfo", &info))
        return;
    LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s, "CloudWatch did not store some events: %s",
                      json_object_to_json_string_ext(info, JSON_C_TO_STRING_PLAIN));
}

/* One PutLogEvents of ev[0..n), following sequence-token corrections. */
static int put(struct ls_sink *s, struct cw *cw, const char *stream, const struct ls_cw_event *ev,
               size_t n, struct answer *a, char *err, size_t errlen)
{
    for (int attempt = 0;; attempt++) {
        struct cw_stream *st = stream_find(cw, stream);
        ls_buf_reset(&cw->body);
        if (ls_cw_body_put(&cw->body, cw->group, stream, ev, n, st ? st->token : NULL) != 0) {
            snprintf(err, errlen, "out of memory building PutLogEvents");
            return LS_OUTCOME_RETRY;
        }
        if (call(s, cw, "PutLogEvents", a, err, errlen) != 0)
            return LS_OUTCOME_RETRY;
        struct json_object *root = a->body.len ? json_tokener_parse(a->body.data) : NULL;
        enum ls_cw_verdict v = a->verdict;
        if (v == LS_CW_OK) {
            set_token(st, jstr(root, "nextSequenceToken"));
            check_rejected(s, root);
        } else if (v == LS_CW_ALREADY_ACCEPTED || v == LS_CW_BAD_TOKEN) {
            /* Legacy streams: the answer names the token to use next. */
            set_token(st, jstr(root, "expectedSequenceToken"));
        }
        json_object_put(root);
        if (v == LS_CW_OK || v == LS_CW_ALREADY_ACCEPTED)
            return LS_OUTCOME_OK;
        if (v == LS_CW_BAD_TOKEN && attempt + 1 < CW_TOKEN_TRIES)
            continue;
        if (v == LS_CW_NOT_FOUND) /* deleted since we looked: look again on the next try */
            stream_forget(st);
        if (v == LS_CW_TOO_LARGE) {
            failure("PutLogEvents", a, err, errlen);
            return LS_OUTCOME_SPLIT;
        }
        return failure("PutLogEvents", a, err, errlen);
    }
}

/* Splits the partition key `<group>\n<stream>`; the stream is returned. */
static const char *stream_of(const struct ls_batch *b)
{
    const char *nl = b->partition ? strchr(b->partition, '\n') : NULL;
    return nl ? nl + 1 : NULL;
}

static int deliver(struct ls_sink *s, struct cw *cw, const struct ls_batch *b, const char *stream,
                   struct ls_cw_event *ev, size_t n, unsigned char *done, struct answer *a,
                   char *err, size_t errlen)
{
    int64_t now = ms_of(ls_time_now_ns());
    size_t live = 0, moved = 0;
    for (size_t i = 0; i < n; i++) {
        if (done[ev[i].index])
            continue;
        int64_t t = ls_cw_accepted_time(ev[i].ts_ms, now);
        moved += t != ev[i].ts_ms;
        ev[i].ts_ms = t;
        ev[live++] = ev[i];
    }
    if (moved)
        LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s,
                          "%zu events carry a time CloudWatch refuses (over 14 days old or 2 hours "
                          "ahead), sent with the current time instead",
                          moved);
    ls_cw_sort(ev, live);
    size_t sent = 0;
    bool partial = live < n; /* an earlier attempt delivered some */
    while (sent < live) {
        if (!stream_find(cw, stream)) {
            int rc = ensure_stream(s, cw, stream, a, err, errlen);
            if (rc != LS_OUTCOME_OK)
                return rc;
        }
        size_t k = ls_cw_next_chunk(ev + sent, live - sent, LS_CW_MAX_EVENTS, LS_CW_MAX_CALL_BYTES,
                                    LS_CW_MAX_SPAN_MS);
        int rc = put(s, cw, stream, ev + sent, k, a, err, errlen);
        /* The worker's split would resend what is delivered, and cannot split one event. */
        if (rc == LS_OUTCOME_SPLIT && (partial || b->n < 2))
            rc = LS_OUTCOME_REJECT;
        if (rc != LS_OUTCOME_OK) {
            if (partial)
                resume_save(cw, b, done);
            return rc;
        }
        for (size_t i = 0; i < k; i++)
            done[ev[sent + i].index] = 1;
        sent += k;
        partial = true;
    }
    return LS_OUTCOME_OK;
}

static int cw_write(struct ls_sink *s, struct ls_batch *b, char *err, size_t errlen)
{
    struct cw *cw = s->ctx;
    const char *stream = stream_of(b);
    if (!stream || b->n == 0) {
        snprintf(err, errlen, "batch without a stream");
        return LS_OUTCOME_REJECT;
    }
    struct ls_cw_event *ev = malloc(b->n * sizeof(*ev));
    unsigned char *done = calloc(b->n, 1);
    size_t n = 0;
    int rc = LS_OUTCOME_RETRY;
    struct answer a;
    memset(&a, 0, sizeof(a));
    ls_buf_init(&a.body, 0);
    if (!ev || !done) {
        snprintf(err, errlen, "out of memory");
    } else if (ls_cw_lines_decode(b->body.data, b->body.len, ev, b->n, &n) != 0 || n != b->n) {
        snprintf(err, errlen, "malformed batch body");
        rc = LS_OUTCOME_REJECT;
    } else {
        struct cw_resume *r = resume_find(cw, b);
        if (r)
            memcpy(done, r->done, b->n);
        rc = deliver(s, cw, b, stream, ev, n, done, &a, err, errlen);
        if (rc == LS_OUTCOME_OK || rc == LS_OUTCOME_REJECT)
            resume_clear(resume_find(cw, b));
    }
    ls_buf_free(&a.body);
    free(ev);
    free(done);
    return rc;
}

/* ---- the rest ----------------------------------------------------------------------------- */

static void cw_describe(const struct ls_sink *s)
{
    const struct cw *cw = s->ctx;
    ls_kind_common_describe(s, &cw->c);
    printf("  log group: %s\n", cw->group);
    printf("  log stream: <fly.app.name>/<host> (unknown when missing)\n");
    printf("  signing: SigV4 region=%s service=logs%s\n", cw->region,
           cw->cred.session_token && *cw->cred.session_token ? " with session token" : "");
}

static void cw_destroy(struct ls_sink *s)
{
    struct cw *cw = s->ctx;
    if (!cw)
        return;
    ls_kind_common_free(&cw->c);
    ls_http_destroy(cw->http);
    for (size_t i = 0; i < CW_STREAMS; i++)
        stream_forget(&cw->streams[i]);
    for (size_t i = 0; i < CW_RESUME; i++)
        resume_clear(&cw->resume[i]);
    free(cw->host);
    free(cw->path);
    ls_buf_free(&cw->scratch);
    ls_buf_free(&cw->body);
    ls_buf_free(&cw->auth);
    free(cw);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_cloudwatch = {
    .name = "cloudwatch",
    .prefix = "",
    .sep = "",
    .suffix = "",
    .configure = cw_configure,
    .encode = cw_encode,
    .partition = cw_partition,
    .write = cw_write,
    .describe = cw_describe,
    .destroy = cw_destroy,
};
