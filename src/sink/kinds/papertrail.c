/*
 * The papertrail kind: each record becomes one RFC 3164 syslog line (codec/syslog.h), written
 * over a TLS connection to PAPERTRAIL_ENDPOINT's host and port (transport/tls_stream.h), as
 * Vector's papertrail sink does (PROVIDERS.md Part 2 §7), except that the header carries the
 * record's own time (§0 item 3) and a batch that fails to write is written again.
 *
 * The line: `<14>Mmm DD HH:MM:SS <host> vector[<pid>]: <MSG>` + LF, host from the record's
 * `host` (left out when absent), tag `vector` with logship's pid so Papertrail's "program"
 * stays what existing searches expect. MSG is the canonical record (codec `json`, the
 * default) or its `message` (codec `text`, alias `raw_message`); an LF or CR inside it is
 * written as `\n` / `\r`, so one record is always exactly one line.
 *
 * Length: Papertrail takes messages of up to 100 000 bytes over TCP (PROVIDERS.md Part 2 §7.6,
 * PT-D4; Vector applies no limit). A longer line would be cut or dropped there, or split into
 * two messages, so the line (LF included) is kept within that: the MSG of a longer record is
 * cut at a character boundary and ends with `…[truncated]` (codec/syslog.h), counted in
 * logship_truncated_total{sink="papertrail"} and logged. (A record whose `host` alone would
 * not fit cannot be written; the worker counts and logs it as an encode error.)
 *
 * Delivery: write() sends the whole batch; a connection, handshake or write failure closes the
 * connection and returns RETRY, the worker backs off, and the next attempt reconnects and
 * writes the whole batch again. So delivery is at-least-once: lines of a batch that reached
 * Papertrail before the failure arrive twice. Bytes the kernel accepted on a connection that
 * then breaks are lost, as with any TCP syslog (PT-D3). Papertrail docs:
 * https://www.papertrail.com/help/configuring-remote-syslog-from-embedded-or-proprietary-systems/
 */
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "codec/syslog.h"
#include "core/env.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"
#include "transport/tls_stream.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Papertrail: "messages up to 100 000 bytes" over TCP; here the whole line with its LF. */
#define PT_LINE_MAX 100000

enum pt_codec { PT_JSON, PT_TEXT, PT_RAW_MESSAGE };

struct pt_ctx {
    struct ls_kind_common c; /* first: the generic helpers take it */
    char *host;
    char *port;
    enum pt_codec codec;
    long pid;
    struct ls_tls_stream *stream; /* opened on the first write */
    struct ls_buf host_text;      /* a non-string host or message as text */
    struct ls_buf msg_text;
};

/*
 * Splits `host:port` (scheme and any path ignored, `[v6]:port` allowed) into new strings.
 * Messages never quote the value: the port is the write credential.
 */
static int split_endpoint(const char *var, const char *v, char **host, char **port,
                          struct ls_problems *p)
{
    const char *s = strstr(v, "://");
    s = s ? s + 3 : v;
    size_t n = strcspn(s, "/?#");
    const char *h = s, *colon;
    size_t hl;
    if (n && *s == '[') {
        const char *close = memchr(s, ']', n);
        if (!close || close + 1 >= s + n || close[1] != ':') {
            ls_problems_add(p, "papertrail: %s: expected host:port ([address]:port for IPv6)", var);
            return -1;
        }
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = NULL;
        for (const char *q = s; q < s + n; q++)
            if (*q == ':')
                colon = q;
        hl = colon ? (size_t)(colon - s) : n;
    }
    if (!colon) {
        ls_problems_add(p,
                        "papertrail: %s: the port is missing (expected host:port, e.g. "
                        "logsN.papertrailapp.com:XXXXX)",
                        var);
        return -1;
    }
    if (hl == 0) {
        ls_problems_add(p, "papertrail: %s: the host is missing (expected host:port)", var);
        return -1;
    }
    const char *pt = colon + 1;
    size_t pl = (size_t)(s + n - pt);
    long port_num = 0;
    for (size_t i = 0; i < pl && port_num <= 65535; i++)
        port_num = pt[i] >= '0' && pt[i] <= '9' ? port_num * 10 + (pt[i] - '0') : 65536;
    if (pl == 0 || pl > 5 || port_num < 1 || port_num > 65535) {
        ls_problems_add(p, "papertrail: %s: the port must be a number from 1 to 65535", var);
        return -1;
    }
    *host = strndup(h, hl);
    *port = strndup(pt, pl);
    if (!*host || !*port) {
        ls_problems_add(p, "papertrail: out of memory");
        return -1;
    }
    return 0;
}

static int pt_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct pt_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    s->ctx = c;
    ls_buf_init(&c->host_text, 0);
    ls_buf_init(&c->msg_text, 0);
    c->pid = (long)getpid();
    int rc = ls_kind_common_init(s, env, p, &c->c);

    /* LOGSHIP_PAPERTRAIL_ENDPOINT (scheme://host:port, checked by sink.c) redirects the
       stream like any other sink's (§0 item 8); its scheme does not matter here. */
    const char *var = s->cfg.endpoint ? "LOGSHIP_PAPERTRAIL_ENDPOINT" : "PAPERTRAIL_ENDPOINT";
    const char *ep = s->cfg.endpoint ? s->cfg.endpoint : ls_env_get(env, "PAPERTRAIL_ENDPOINT");
    if (!ep || split_endpoint(var, ep, &c->host, &c->port, p) != 0)
        rc = -1;

    static const char *const codecs[] = {"json", "text", "raw_message", NULL};
    char err[256];
    int codec = PT_JSON;
    if (ls_env_enum(env, "PAPERTRAIL_ENCODING_CODEC", codecs, PT_JSON, &codec, err, sizeof(err)) !=
        0) {
        ls_problems_add(p, "papertrail: %s", err);
        rc = -1;
    }
    c->codec = (enum pt_codec)codec;
    return rc;
}

/*
 * The text of a record field for the header or MSG: a string as is; another scalar as its JSON
 * text (Vector writes a numeric `host` or `message` that way); objects and arrays only where
 * `whole` allows (MSG), else nothing. The bytes are borrowed from v or written to scratch.
 */
static int field_text(struct json_object *v, bool whole, struct ls_buf *scratch, const char **out,
                      size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!v)
        return 0;
    if (json_object_is_type(v, json_type_string)) {
        *out = json_object_get_string(v);
        *len = (size_t)json_object_get_string_len(v);
        return 0;
    }
    if (!whole &&
        (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array) ||
         json_object_is_type(v, json_type_null)))
        return 0;
    ls_buf_reset(scratch);
    if (ls_json_canon_write(scratch, v) != 0)
        return -1;
    *out = scratch->data ? scratch->data : "";
    *len = scratch->len;
    return 0;
}

static int pt_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct pt_ctx *c = s->ctx;
    struct json_object *root = ls_kind_tree(s, &c->c, ev);
    if (!root)
        return -1;
    struct ls_syslog_line l = {
        .pri = LS_SYSLOG_PRI_USER_INFO,
        .time_ns = ev->time_ns,
        .tag = "vector",
        .pid = c->pid,
        .msg = ev->json,
        .msg_len = ev->json_len,
        .max = PT_LINE_MAX,
    };
    struct json_object *host = NULL, *msg = NULL;
    json_object_object_get_ex(root, "host", &host);
    int rc = field_text(host, false, &c->host_text, &l.host, &l.host_len);
    if (rc == 0 && c->codec != PT_JSON) {
        json_object_object_get_ex(root, "message", &msg);
        if (json_object_is_type(msg, json_type_null))
            msg = NULL;
        rc = field_text(msg, true, &c->msg_text, &l.msg, &l.msg_len);
    }
    if (rc == 0)
        rc = ls_syslog_append(out, &l);
    if (rc == 1) {
        ls_counter_inc(s->m.truncated);
        LS_SINK_LOG_EVERY(LS_LOG_WARN, 10000, s,
                          "MSG of %zu bytes cut to fit Papertrail's %d-byte line limit subject=%s",
                          l.msg_len, PT_LINE_MAX, ev->subject);
        rc = 0;
    }
    json_object_put(root);
    return rc;
}

static int pt_write(struct ls_sink *s, struct ls_batch *b, char *err, size_t errlen)
{
    struct pt_ctx *c = s->ctx;
    if (!c->stream)
        c->stream = ls_tls_stream_create(c->host, c->port, s->cfg.request_timeout_ms);
    if (!c->stream) {
        snprintf(err, errlen, "cannot set up TLS (out of memory)");
        return LS_OUTCOME_RETRY;
    }
    if (ls_tls_stream_write(c->stream, b->body.data, b->body.len, err, errlen) != 0)
        return LS_OUTCOME_RETRY;
    return LS_OUTCOME_OK;
}

static void pt_describe(const struct ls_sink *s)
{
    const struct pt_ctx *c = s->ctx;
    static const char *const names[] = {"json", "text", "raw_message"};
    printf("  transport: RFC 3164 syslog lines over TLS to the endpoint (address masked)\n");
    printf("  codec: %s\n", names[c->codec]);
}

static void pt_destroy(struct ls_sink *s)
{
    struct pt_ctx *c = s->ctx;
    if (!c)
        return;
    ls_tls_stream_destroy(c->stream);
    ls_kind_common_free(&c->c);
    ls_buf_free(&c->host_text);
    ls_buf_free(&c->msg_text);
    free(c->host);
    free(c->port);
    free(c);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_papertrail = {
    .name = "papertrail",
    .needs_parser = true,
    .prefix = "",
    .sep = "",
    .suffix = "",
    .configure = pt_configure,
    .encode = pt_encode,
    .write = pt_write,
    .describe = pt_describe,
    .destroy = pt_destroy,
};
