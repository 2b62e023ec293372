/*
 * Loki push API request builder: the `loki` kind (JSON lines, fly-log-shipper's loki sink) and
 * the `loki_logfmt` kind (logfmt lines, its opsverse sink). PROVIDERS.md Part 2 §2 and §3;
 * the API: https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs
 *
 * Each event becomes one entry of a stream: the row's transforms (loki_json: `level` copied
 * from `log.level`, a JSON `message` merged, `timestamp` deleted) run on a private tree, the six
 * labels are rendered from it, and the line is the tree as canonical JSON or logfmt. For JSON
 * lines the same is done on the event's canonical bytes without a tree (encode_bytes), unless
 * the message may need merging. The entry
 * time is the record's own `timestamp` in ns (receive time when it has none), PROVIDERS.md §0
 * item 3; there is no out-of-order filter (Part 2 §2.9). encode() writes an intermediate line
 * per event (loki.h) and finish() groups them into the push envelope when the batch closes, so
 * the worker's batching, 413 splitting and retries work on events as for every other kind.
 *
 * Request: POST <URL with trailing "/" trimmed>/loki/api/v1/push, Content-Type
 * application/json, gzip (the row's default), Authorization: Basic base64(user:password); an
 * empty user or password still sends the header, as Vector does.
 */
#include "sink/kinds/loki.h"
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "codec/logfmt.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"
#include "preset/preset.h"

#include <curl/curl.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUSH_PATH "/loki/api/v1/push"

/* fly-log-shipper's six static labels, in name order (the labels object is written sorted). */
static const struct {
    const char *name, *path;
} labels[] = {
    {"event_provider", "event.provider"},
    {"fly_app_instance", "fly.app.instance"},
    {"fly_app_name", "fly.app.name"},
    {"fly_region", "fly.region"},
    {"host", "host"},
    {"level", "level"},
};

struct loki_ctx {
    struct ls_kind_common c; /* first: the common helpers take it */
    int logfmt;
    bool on_bytes; /* JSON lines with the loki_json transform: done on the canonical bytes */
    char *auth;    /* "Authorization: Basic ..." */
    struct ls_buf line, value;
};

/* ---- the envelope (pure; see loki.h) ---------------------------------------------------- */

struct entry {
    int64_t ts;
    size_t seq, stream;
    const char *ts_txt, *line;
    size_t ts_len, line_len;
};

struct streams {
    const char **lab;
    size_t *lab_len;
    size_t n, cap;
    size_t *slot; /* open addressing over stream indices; SIZE_MAX = empty */
    size_t nslot;
};

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int rehash(struct streams *st, size_t nslot)
{
    size_t *slot = malloc(nslot * sizeof(*slot));
    if (!slot)
        return -1;
    for (size_t i = 0; i < nslot; i++)
        slot[i] = SIZE_MAX;
    for (size_t i = 0; i < st->n; i++) {
        size_t j = (size_t)hash(st->lab[i], st->lab_len[i]) & (nslot - 1);
        while (slot[j] != SIZE_MAX)
            j = (j + 1) & (nslot - 1);
        slot[j] = i;
    }
    free(st->slot);
    st->slot = slot;
    st->nslot = nslot;
    return 0;
}

/* The index of the stream with these label bytes, added when new; SIZE_MAX on out-of-memory. */
static size_t stream_of(struct streams *st, const char *lab, size_t n)
{
    if ((st->n + 1) * 2 > st->nslot && rehash(st, st->nslot ? st->nslot * 2 : 16) != 0)
        return SIZE_MAX;
    size_t j = (size_t)hash(lab, n) & (st->nslot - 1);
    while (st->slot[j] != SIZE_MAX) {
        size_t i = st->slot[j];
        if (st->lab_len[i] == n && memcmp(st->lab[i], lab, n) == 0)
            return i;
        j = (j + 1) & (st->nslot - 1);
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        const char **l = realloc(st->lab, cap * sizeof(*l));
        if (!l)
            return SIZE_MAX;
        st->lab = l;
        size_t *ll = realloc(st->lab_len, cap * sizeof(*ll));
        if (!ll)
            return SIZE_MAX;
        st->lab_len = ll;
        st->cap = cap;
    }
    st->lab[st->n] = lab;
    st->lab_len[st->n] = n;
    st->slot[j] = st->n;
    return st->n++;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->stream != y->stream)
        return x->stream < y->stream ? -1 : 1;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

/* Splits one intermediate line into e (label bytes in *lab); -1 when malformed. */
static int parse_line(const char *p, size_t n, struct entry *e, const char **lab, size_t *lab_len)
{
    const char *t1 = memchr(p, '\t', n);
    const char *t2 = t1 ? memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - p)) : NULL;
    if (!t1 || !t2 || t1 == p || t2 == t1 + 1 || t2 + 1 == p + n)
        return -1;
    char num[24];
    size_t tl = (size_t)(t1 - p);
    if (tl >= sizeof(num))
        return -1;
    memcpy(num, p, tl);
    num[tl] = '\0';
    for (size_t i = num[0] == '-' ? 1 : 0; i < tl; i++)
        if (num[i] < '0' || num[i] > '9')
            return -1;
    char *end;
    errno = 0;
    long long ts = strtoll(num, &end, 10);
    if (errno != 0 || *end != '\0' || end == num)
        return -1;
    e->ts = ts;
    e->ts_txt = p;
    e->ts_len = tl;
    *lab = t1 + 1;
    *lab_len = (size_t)(t2 - t1 - 1);
    e->line = t2 + 1;
    e->line_len = (size_t)(p + n - e->line);
    return 0;
}

static int write_envelope(struct ls_buf *out, const struct streams *st, const struct entry *e,
                          size_t n)
{
    int rc = ls_buf_puts(out, "{\"streams\":[");
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool first = i == 0 || e[i - 1].stream != e[i].stream;
        bool last = i + 1 == n || e[i + 1].stream != e[i].stream;
        if (first) {
            rc |= ls_buf_puts(out, i ? ",{\"stream\":" : "{\"stream\":");
            rc |= ls_buf_append(out, st->lab[e[i].stream], st->lab_len[e[i].stream]);
            rc |= ls_buf_puts(out, ",\"values\":[");
        } else {
            rc |= ls_buf_putc(out, ',');
        }
        rc |= ls_buf_puts(out, "[\"");
        rc |= ls_buf_append(out, e[i].ts_txt, e[i].ts_len);
        rc |= ls_buf_puts(out, "\",");
        rc |= ls_buf_append(out, e[i].line, e[i].line_len);
        rc |= ls_buf_putc(out, ']');
        if (last)
            rc |= ls_buf_puts(out, "]}");
    }
    rc |= ls_buf_puts(out, "]}");
    return rc ? -1 : 0;
}

int ls_loki_envelope(const char *in, size_t len, struct ls_buf *out, char *err, size_t errlen)
{
    struct streams st;
    memset(&st, 0, sizeof(st));
    struct entry *e = NULL;
    size_t n = 0, cap = 0, before = out->len;
    int rc = 0;
    const char *p = in, *end = in + len;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct entry *ne = realloc(e, cap * sizeof(*ne));
            if (!ne) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            e = ne;
        }
        const char *lab;
        size_t lab_len;
        if (parse_line(p, ln, &e[n], &lab, &lab_len) != 0) {
            snprintf(err, errlen, "malformed intermediate line %zu", n + 1);
            rc = -1;
            break;
        }
        e[n].seq = n;
        e[n].stream = stream_of(&st, lab, lab_len);
        if (e[n].stream == SIZE_MAX) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        n++;
        p = nl ? nl + 1 : end;
    }
    if (rc == 0) {
        qsort(e, n, sizeof(*e), cmp_entry);
        if (write_envelope(out, &st, e, n) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
    }
    if (rc != 0) {
        out->len = before;
        if (out->data)
            out->data[before] = '\0';
    }
    free(e);
    free(st.lab);
    free(st.lab_len);
    free(st.slot);
    return rc;
}

/* ---- per event ---------------------------------------------------------------------------- */

/* Like ls_json_path, but tells a present JSON null (*v NULL, returns 1) from absence (0). */
static int lookup(struct json_object *root, const char *path, struct json_object **v)
{
    char seg[64];
    struct json_object *cur = root;
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(seg) || !json_object_is_type(cur, json_type_object))
            return 0;
        memcpy(seg, p, n);
        seg[n] = '\0';
        if (!json_object_object_get_ex(cur, seg, &cur))
            return 0;
        if (!dot) {
            *v = cur;
            return 1;
        }
        p = dot + 1;
    }
}

/* Vector's template rendering of a label value: strings verbatim, null as `<null>`, anything
   else as its compact JSON. */
static int render(struct ls_buf *out, struct json_object *v)
{
    ls_buf_reset(out);
    if (v == NULL)
        return ls_buf_puts(out, "<null>");
    if (json_object_is_type(v, json_type_string))
        return ls_buf_append(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    return ls_json_canon_write(out, v);
}

/* One `"name":"value"` of the labels object; value is raw text, or already a JSON string
   literal when quoted is set. */
static int put_label(struct ls_buf *out, size_t i, const char *value, size_t n, bool quoted,
                     bool *any)
{
    if ((*any && ls_buf_putc(out, ',') != 0) ||
        ls_json_canon_write_string(out, labels[i].name, strlen(labels[i].name)) != 0 ||
        ls_buf_putc(out, ':') != 0 ||
        (quoted ? ls_buf_append(out, value, n) : ls_json_canon_write_string(out, value, n)) != 0)
        return -1;
    *any = true;
    return 0;
}

/* Vector's default when no label renders, and the closing brace. */
static int end_labels(struct ls_buf *out, bool any)
{
    if (!any && ls_buf_puts(out, "\"agent\":\"vector\"") != 0)
        return -1;
    return ls_buf_putc(out, '}');
}

static int write_labels(struct loki_ctx *x, struct json_object *root, struct ls_buf *out)
{
    bool any = false;
    if (ls_buf_putc(out, '{') != 0)
        return -1;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        struct json_object *v;
        if (!lookup(root, labels[i].path, &v))
            continue; /* a missing field leaves its label out, as in Vector */
        if (render(&x->value, v) != 0 ||
            put_label(out, i, x->value.data ? x->value.data : "", x->value.len, false, &any) != 0)
            return -1;
    }
    return end_labels(out, any);
}

/* Appends `"key":value` (both as canonical text) to an object being written. */
static int put_member(struct ls_buf *b, bool *first, const char *key, size_t kn,
                      struct ls_json_span v)
{
    int rc = (*first ? 0 : ls_buf_putc(b, ',')) | ls_buf_putc(b, '"') | ls_buf_append(b, key, kn) |
             ls_buf_append(b, "\":", 2) | ls_buf_append(b, v.p, v.n);
    *first = false;
    return rc ? -1 : 0;
}

#define TOP_MEMBERS 64 /* records with more top-level members take the tree path */

struct member {
    struct ls_json_span key, value;
};

/* The value at `path` given the record's top-level members: the first segment from the table,
   the rest inside that value. */
static int top_path(const struct member *top, size_t n, const char *path, struct ls_json_span *v)
{
    const char *dot = strchr(path, '.');
    size_t len = dot ? (size_t)(dot - path) : strlen(path);
    for (size_t i = 0; i < n; i++)
        if (top[i].key.n == len && memcmp(top[i].key.p, path, len) == 0) {
            if (!dot) {
                *v = top[i].value;
                return 1;
            }
            return ls_json_canon_path(top[i].value, dot + 1, v);
        }
    return 0;
}

/*
 * The loki_json transform and the labels on the event's canonical bytes, without a tree:
 * `level` = the value at log.level (null when absent) in its sorted place, `timestamp` left
 * out, every other member copied. A record whose `message` is a string starting with `{` may
 * need the merge step, which takes a tree: returns 1 for those, else 0 or -1. The bytes are
 * those of the tree path (canonical values are their own canonical serialisation, and a
 * canonical string literal is what ls_json_canon_write_string writes for its text); the
 * provider goldens and test_loki check it.
 */
static int encode_bytes(struct loki_ctx *x, const struct ls_event *ev, struct ls_buf *out)
{
    /* One pass over the top-level members; labels and level are looked up in them after. */
    struct member top[TOP_MEMBERS];
    struct ls_json_span k, v, level;
    size_t n = 0;
    const char *pos = ev->json, *end = ev->json + ev->json_len;
    int r;
    while ((r = ls_json_canon_next_member(&pos, end, &k, &v)) == 1) {
        if (n == TOP_MEMBERS)
            return 1;
        top[n++] = (struct member){k, v};
    }
    if (r < 0)
        return -1;
    struct ls_json_span msg;
    if (top_path(top, n, "message", &msg) && msg.n >= 2 && msg.p[0] == '"' && msg.p[1] == '{')
        return 1;
    if (!top_path(top, n, "log.level", &level))
        level = (struct ls_json_span){"null", 4};
    struct ls_buf *line = &x->line;
    ls_buf_reset(line);
    bool placed = false, first = true;
    int rc = ls_buf_putc(line, '{');
    for (size_t i = 0; rc == 0 && i < n; i++) {
        k = top[i].key;
        size_t m = k.n < 5 ? k.n : 5;
        int cmp = memcmp(k.p, "level", m);
        if (cmp == 0)
            cmp = k.n < 5 ? -1 : k.n > 5;
        if (cmp == 0 || (k.n == 9 && memcmp(k.p, "timestamp", 9) == 0))
            continue; /* replaced (level) or deleted (timestamp) */
        /* Keys compare the same escaped or not against "level": escapes start with `\`,
           below every letter of it. */
        if (cmp > 0 && !placed) {
            rc = put_member(line, &first, "level", 5, level);
            placed = true;
        }
        if (rc == 0)
            rc = put_member(line, &first, k.p, k.n, top[i].value);
    }
    if (rc != 0 || (!placed && put_member(line, &first, "level", 5, level) != 0) ||
        ls_buf_putc(line, '}') != 0 || ls_buf_printf(out, "%lld\t{", (long long)ev->time_ns) != 0)
        return -1;
    bool any = false;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        struct ls_json_span lv;
        if (strcmp(labels[i].path, "level") == 0)
            lv = level;
        else if (!top_path(top, n, labels[i].path, &lv))
            continue;
        bool quoted = lv.p[0] == '"', null = lv.n == 4 && memcmp(lv.p, "null", 4) == 0;
        if (null ? put_label(out, i, "<null>", 6, false, &any)
                 : put_label(out, i, lv.p, lv.n, quoted, &any))
            return -1;
    }
    if (end_labels(out, any) != 0 || ls_buf_putc(out, '\t') != 0 ||
        ls_json_canon_write_string(out, line->data, line->len) != 0 || ls_buf_putc(out, '\n') != 0)
        return -1;
    return 0;
}

static int loki_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct loki_ctx *x = s->ctx;
    if (x->on_bytes) {
        int rc = encode_bytes(x, ev, out);
        if (rc <= 0)
            return rc; /* else the message may need merging: the tree does it */
    }
    return ls_loki_encode_tree(s, ev, out);
}

int ls_loki_encode_tree(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct loki_ctx *x = s->ctx;
    struct json_object *root = ls_kind_tree(s, &x->c, ev);
    if (!root)
        return -1;
    ls_buf_reset(&x->line);
    int rc = x->logfmt ? ls_logfmt_encode(&x->line, root) : ls_json_canon_write(&x->line, root);
    if (rc == 0)
        rc = ls_buf_printf(out, "%lld\t", (long long)ev->time_ns);
    if (rc == 0)
        rc = write_labels(x, root, out);
    if (rc == 0)
        rc = ls_buf_putc(out, '\t');
    if (rc == 0)
        rc = ls_json_canon_write_string(out, x->line.data ? x->line.data : "", x->line.len);
    if (rc == 0)
        rc = ls_buf_putc(out, '\n');
    json_object_put(root);
    return rc;
}

static int loki_finish(struct ls_sink *s, struct ls_batch *b)
{
    (void)s;
    struct ls_buf env;
    char err[128];
    ls_buf_init(&env, 0);
    if (ls_loki_envelope(b->body.data ? b->body.data : "", b->body.len, &env, err, sizeof(err)) !=
        0) {
        ls_buf_free(&env);
        return -1;
    }
    ls_buf_free(&b->body);
    b->body = env;
    return 0;
}

/* ---- configuration and request ------------------------------------------------------------ */

/* The row's transforms are exactly fly-log-shipper's loki_json, which encode_bytes() does. */
static bool is_loki_json(const struct ls_transform *t)
{
    return t && t[0].op == LS_TF_COPY_OR_NULL && strcmp(t[0].from, "log.level") == 0 &&
           strcmp(t[0].to, "level") == 0 && t[1].op == LS_TF_MERGE_MESSAGE &&
           t[2].op == LS_TF_DELETE && strcmp(t[2].from, "timestamp") == 0 && t[3].op == LS_TF_END;
}

/* url with trailing slashes removed and PUSH_PATH appended (Vector's UriSerde::append_path). */

/* Row convention for the Loki kinds: vars[0] the base URL, vars[1] the user, vars[2] the
   password (presets_loki.c). */
static int loki_configure_as(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p,
                             int logfmt)
{
    struct loki_ctx *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    s->ctx = x;
    x->logfmt = logfmt;
    ls_buf_init(&x->line, 0);
    ls_buf_init(&x->value, 0);
    int rc = ls_kind_common_init(s, env, p, &x->c);
    const struct ls_preset_var *v = s->preset->vars;
    if (rc == 0 && ls_kind_url_has_userinfo(x->c.url)) {
        ls_problems_add(p, "%s: %s must not hold credentials (user:password@); use %s and %s",
                        s->name, v[0].name, v[1].name, v[2].name);
        rc = -1;
    }
    if (rc == 0) {
        char *url = ls_kind_url_join(x->c.url, PUSH_PATH),
             *masked = ls_kind_url_join(x->c.url_masked, PUSH_PATH);
        free(x->c.url);
        free(x->c.url_masked);
        x->c.url = url;
        x->c.url_masked = masked;
        const char *user = ls_env_get(env, v[1].name), *pass = ls_env_get(env, v[2].name);
        x->auth = ls_kind_basic_auth(user ? user : "", pass ? pass : "");
        if (!url || !masked || !x->auth) {
            ls_problems_add(p, "%s: out of memory", s->name);
            rc = -1;
        }
    }
    /* The intermediate lines have no separators of their own (loki.h). */
    s->frame.prefix = s->frame.sep = s->frame.suffix = NULL;
    x->on_bytes = !logfmt && is_loki_json(s->preset->transforms);
    return rc;
}

static int loki_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    return loki_configure_as(s, env, p, 0);
}

static int logfmt_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    return loki_configure_as(s, env, p, 1);
}

static int loki_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    struct loki_ctx *x = s->ctx;
    if (ls_kind_common_request(s, &x->c, req) != 0)
        return -1;
    struct curl_slist *h = curl_slist_append(req->headers, x->auth);
    if (!h)
        return -1;
    req->headers = h;
    return 0;
}

static void loki_describe(const struct ls_sink *s)
{
    const struct loki_ctx *x = s->ctx;
    ls_kind_common_describe(s, &x->c);
    const struct ls_preset_var *v = s->preset->vars;
    printf("  auth: Basic (%s, %s)\n", v[1].name, v[2].name);
    printf("  line codec: %s\n", x->logfmt ? "logfmt" : "json");
}

static void loki_destroy(struct ls_sink *s)
{
    struct loki_ctx *x = s->ctx;
    if (!x)
        return;
    ls_kind_common_free(&x->c);
    ls_kind_basic_auth_free(x->auth);
    ls_buf_free(&x->line);
    ls_buf_free(&x->value);
    free(x);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_loki = {
    .name = "loki",
    .needs_parser = true,
    .configure = loki_configure,
    .encode = loki_encode,
    .request = loki_request,
    .finish = loki_finish,
    .describe = loki_describe,
    .destroy = loki_destroy,
};

const struct ls_sink_kind ls_kind_loki_logfmt = {
    .name = "loki_logfmt",
    .needs_parser = true,
    .configure = logfmt_configure,
    .encode = loki_encode,
    .request = loki_request,
    .finish = loki_finish,
    .describe = loki_describe,
    .destroy = loki_destroy,
};
