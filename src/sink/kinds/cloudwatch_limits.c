/*
 * CloudWatch Logs' PutLogEvents rules as pure functions; see cloudwatch_limits.h. The JSON
 * scanner here only reads text written by ls_json_canon_write (the event's canonical JSON), so
 * it can rely on compact, well-formed input and skip values without building a tree.
 */
#include "sink/kinds/cloudwatch_limits.h"
#include "event/json_canon.h"
#include "event/utf8.h"
#include "util/buf.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ls_cw_line_encode(struct ls_buf *out, int64_t ts_ms, const char *msg, size_t len)
{
    if (ls_buf_printf(out, "%024lld ", (long long)ts_ms) != 0 || ls_buf_append(out, msg, len) != 0)
        return -1;
    return ls_buf_putc(out, '\n');
}

int ls_cw_lines_decode(const char *body, size_t len, struct ls_cw_event *ev, size_t cap, size_t *n)
{
    size_t pos = 0, k = 0;
    while (pos < len) {
        if (len - pos < LS_CW_LINE_HEADER + 1 || body[pos + LS_CW_LINE_HEADER - 1] != ' ')
            return -1;
        const char *nl =
            memchr(body + pos + LS_CW_LINE_HEADER, '\n', len - pos - LS_CW_LINE_HEADER);
        if (!nl || k == cap)
            return -1;
        char num[LS_CW_LINE_HEADER];
        memcpy(num, body + pos, LS_CW_LINE_HEADER - 1);
        num[LS_CW_LINE_HEADER - 1] = '\0';
        char *end;
        errno = 0;
        long long ts = strtoll(num, &end, 10);
        if (errno || end != num + LS_CW_LINE_HEADER - 1)
            return -1;
        ev[k].ts_ms = ts;
        ev[k].msg = body + pos + LS_CW_LINE_HEADER;
        ev[k].len = (size_t)(nl - ev[k].msg);
        ev[k].index = k;
        k++;
        pos = (size_t)(nl - body) + 1;
    }
    *n = k;
    return 0;
}

/* End of the JSON string starting at s[i] == '"' (index after the closing quote). */
static size_t skip_string(const char *s, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return len;
}

/* End of the value starting at s[i]. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
    if (i >= len)
        return len;
    if (s[i] == '"')
        return skip_string(s, len, i);
    if (s[i] != '{' && s[i] != '[') {
        while (i < len && s[i] != ',' && s[i] != '}' && s[i] != ']')
            i++;
        return i;
    }
    size_t depth = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, len, i) - 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return len;
}

int ls_cw_json_member(const char *json, size_t len, const char *key, size_t *mstart, size_t *mend,
                      size_t *vstart, size_t *vend)
{
    size_t klen = strlen(key);
    if (len < 2 || json[0] != '{')
        return -1;
    size_t i = 1;
    size_t prev_end = 0; /* end of the previous member, 0 for the first one */
    while (i < len && json[i] == '"') {
        size_t kstart = i;
        size_t kend = skip_string(json, len, i);
        if (kend >= len || json[kend] != ':')
            return -1;
        size_t vs = kend + 1;
        size_t ve = skip_value(json, len, vs);
        if (kend - kstart == klen + 2 && memcmp(json + kstart + 1, key, klen) == 0) {
            *vstart = vs;
            *vend = ve;
            if (prev_end) { /* cut the comma before it */
                *mstart = prev_end;
                *mend = ve;
            } else { /* first member: cut the comma after it, if any */
                *mstart = kstart;
                *mend = ve < len && json[ve] == ',' ? ve + 1 : ve;
            }
            return 0;
        }
        if (ve >= len || json[ve] != ',')
            return -1;
        prev_end = ve;
        i = ve + 1;
    }
    return -1;
}

int64_t ls_cw_accepted_time(int64_t ts_ms, int64_t now_ms)
{
    if (ts_ms < 0 || ts_ms < now_ms - LS_CW_MAX_AGE_MS + LS_CW_EDGE_MARGIN_MS ||
        ts_ms > now_ms + LS_CW_MAX_FUTURE_MS - LS_CW_EDGE_MARGIN_MS)
        return now_ms;
    return ts_ms;
}

static int by_time(const void *a, const void *b)
{
    const struct ls_cw_event *x = a, *y = b;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms < y->ts_ms ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

void ls_cw_sort(struct ls_cw_event *ev, size_t n)
{
    if (n > 1)
        qsort(ev, n, sizeof(*ev), by_time);
}

size_t ls_cw_next_chunk(const struct ls_cw_event *ev, size_t n, size_t max_events, size_t max_bytes,
                        int64_t max_span_ms)
{
    size_t bytes = 0, k = 0;
    for (; k < n; k++) {
        size_t cost = ev[k].len + LS_CW_EVENT_OVERHEAD;
        if (k > 0 && (k >= max_events || bytes + cost > max_bytes ||
                      ev[k].ts_ms - ev[0].ts_ms >= max_span_ms))
            break;
        bytes += cost;
    }
    return k;
}

static int put_part(struct ls_buf *out, const char *s, size_t n, size_t limit)
{
    if (!s || n == 0)
        return ls_buf_puts(out, "unknown");
    size_t start = out->len;
    for (size_t i = 0; i < n && out->len - start < limit; i++) {
        char c = s[i] == ':' || s[i] == '*' ? '_' : s[i];
        if (ls_buf_putc(out, c) != 0)
            return -1;
    }
    return 0;
}

int ls_cw_stream_name(struct ls_buf *out, const char *app, size_t app_len, const char *host,
                      size_t host_len)
{
    size_t start = out->len;
    if (put_part(out, app, app_len, LS_CW_MAX_STREAM_NAME) != 0 || ls_buf_putc(out, '/') != 0 ||
        put_part(out, host, host_len, LS_CW_MAX_STREAM_NAME) != 0)
        return -1;
    size_t keep = ls_utf8_cut(out->data + start, out->len - start, LS_CW_MAX_STREAM_NAME);
    out->len = start + keep;
    out->data[out->len] = '\0';
    return 0;
}

bool ls_cw_group_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 512)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '/' || c == '.' || c == '#';
        if (!ok)
            return false;
    }
    return true;
}

bool ls_cw_region_valid(const char *region)
{
    size_t n = strlen(region);
    if (n < 3 || n > 32 || region[0] < 'a' || region[0] > 'z' || region[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = region[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return strchr(region, '-') != NULL;
}

static int key_str(struct ls_buf *out, const char *key, const char *v, int comma)
{
    if ((comma && ls_buf_putc(out, ',') != 0) || ls_buf_printf(out, "\"%s\":", key) != 0)
        return -1;
    return ls_json_canon_write_string(out, v, strlen(v));
}

int ls_cw_body_put(struct ls_buf *out, const char *group, const char *stream,
                   const struct ls_cw_event *ev, size_t n, const char *token)
{
    if (ls_buf_putc(out, '{') != 0 || key_str(out, "logGroupName", group, 0) != 0 ||
        key_str(out, "logStreamName", stream, 1) != 0 || ls_buf_puts(out, ",\"logEvents\":[") != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (ls_buf_printf(out, "%s{\"timestamp\":%lld,\"message\":", i ? "," : "",
                          (long long)ev[i].ts_ms) != 0 ||
            ls_json_canon_write_string(out, ev[i].msg, ev[i].len) != 0 ||
            ls_buf_putc(out, '}') != 0)
            return -1;
    }
    if (ls_buf_putc(out, ']') != 0 || (token && key_str(out, "sequenceToken", token, 1) != 0))
        return -1;
    return ls_buf_putc(out, '}');
}

int ls_cw_body_describe_streams(struct ls_buf *out, const char *group, const char *stream)
{
    if (ls_buf_putc(out, '{') != 0 || key_str(out, "logGroupName", group, 0) != 0 ||
        key_str(out, "logStreamNamePrefix", stream, 1) != 0)
        return -1;
    return ls_buf_puts(out, ",\"limit\":1}");
}

int ls_cw_body_create_group(struct ls_buf *out, const char *group)
{
    if (ls_buf_putc(out, '{') != 0 || key_str(out, "logGroupName", group, 0) != 0)
        return -1;
    return ls_buf_putc(out, '}');
}

int ls_cw_body_create_stream(struct ls_buf *out, const char *group, const char *stream)
{
    if (ls_buf_putc(out, '{') != 0 || key_str(out, "logGroupName", group, 0) != 0 ||
        key_str(out, "logStreamName", stream, 1) != 0)
        return -1;
    return ls_buf_putc(out, '}');
}

static bool is(const char *type, const char *name)
{
    return strcmp(type, name) == 0;
}

enum ls_cw_verdict ls_cw_classify(long status, const char *type, const char *message)
{
    if (status >= 200 && status < 300)
        return LS_CW_OK;
    if (status == 0)
        return LS_CW_RETRY;
    if (status == 413)
        return LS_CW_TOO_LARGE;
    const char *t = type ? type : "";
    if (is(t, "ResourceNotFoundException"))
        return LS_CW_NOT_FOUND;
    if (is(t, "ResourceAlreadyExistsException"))
        return LS_CW_EXISTS;
    if (is(t, "InvalidSequenceTokenException"))
        return LS_CW_BAD_TOKEN;
    if (is(t, "DataAlreadyAcceptedException"))
        return LS_CW_ALREADY_ACCEPTED;
    /* Throttling, including CreateLogGroup's (Vector drops that batch: CW-D3). */
    if (is(t, "ThrottlingException") || is(t, "Throttling") || is(t, "TooManyRequestsException") ||
        is(t, "ServiceUnavailableException") || is(t, "ServiceUnavailable") ||
        is(t, "InternalFailure") || is(t, "OperationAbortedException") || is(t, "RequestExpired") ||
        is(t, "RequestTimeout") || is(t, "RequestTimeoutException"))
        return LS_CW_RETRY;
    /* A signature outside the service's clock window goes through once the clock is right. */
    if (message && strstr(message, "Signature expired"))
        return LS_CW_RETRY;
    if (is(t, "AccessDeniedException") || is(t, "UnrecognizedClientException") ||
        is(t, "InvalidSignatureException") || is(t, "IncompleteSignatureException") ||
        is(t, "MissingAuthenticationTokenException") || is(t, "InvalidClientTokenId") ||
        is(t, "ExpiredTokenException") || is(t, "SignatureDoesNotMatch") || status == 401 ||
        status == 403)
        return LS_CW_AUTH;
    if (status == 408 || status == 429 || (status >= 500 && status != 501))
        return LS_CW_RETRY;
    return LS_CW_REJECT;
}

void ls_cw_error_type(const char *body, size_t len, char *out, size_t cap)
{
    if (cap == 0)
        return;
    out[0] = '\0';
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return;
    struct json_object *root = len ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
    json_tokener_free(tok);
    struct json_object *t = NULL;
    if (root && json_object_object_get_ex(root, "__type", &t) &&
        json_object_is_type(t, json_type_string)) {
        const char *s = json_object_get_string(t);
        const char *hash = strrchr(s, '#');
        snprintf(out, cap, "%s", hash ? hash + 1 : s);
    }
    json_object_put(root);
}
