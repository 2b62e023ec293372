/*
 * The sink kinds of the saas family, for sink/kinds/registry.c, and the helpers they share
 * (sink/kinds/saas.h): Vector's all_fields flattening, the record-time rule, percent-encoding,
 * base64, UUIDs and fixed-header edits. The kinds themselves live in datadog.c, honeycomb.c,
 * new_relic.c, logdna.c and hec.c.
 */
#include "sink/kinds/saas.h"
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "event/event.h"
#include "event/json_canon.h"
#include "preset/preset.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

extern const struct ls_sink_kind ls_kind_datadog;
extern const struct ls_sink_kind ls_kind_honeycomb;
extern const struct ls_sink_kind ls_kind_new_relic;
extern const struct ls_sink_kind ls_kind_logdna;
extern const struct ls_sink_kind ls_kind_hec;

const struct ls_sink_kind *const ls_kinds_saas[] = {
    &ls_kind_datadog, &ls_kind_honeycomb, &ls_kind_new_relic, &ls_kind_logdna, &ls_kind_hec, NULL,
};

/* -- flattening ------------------------------------------------------------------------------ */

void ls_saas_fields_init(struct ls_saas_fields *f)
{
    memset(f, 0, sizeof(*f));
    ls_buf_init(&f->keys, 0);
}

void ls_saas_fields_free(struct ls_saas_fields *f)
{
    free(f->v);
    ls_buf_free(&f->keys);
    memset(f, 0, sizeof(*f));
}

struct walk {
    struct ls_saas_fields *f;
    struct ls_buf path;
    bool maybe_dup; /* a key holds `[` or `\`, so two paths may spell the same text */
};

static int leaf(struct walk *w, struct json_object *v)
{
    struct ls_saas_fields *f = w->f;
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        struct ls_saas_field *nv = realloc(f->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        f->v = nv;
        f->cap = cap;
    }
    size_t off = f->keys.len;
    if (ls_buf_append(&f->keys, w->path.data ? w->path.data : "", w->path.len) != 0 ||
        ls_buf_putc(&f->keys, '\0') != 0)
        return -1;
    f->v[f->n].key_off = off;
    f->v[f->n].value = v;
    f->n++;
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int visit(struct walk *w, struct json_object *v, int depth);

static void path_cut(struct ls_buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

static int visit_object(struct walk *w, struct json_object *obj, int depth)
{
    size_t n = (size_t)json_object_object_length(obj);
    const char **keys = malloc(n * sizeof(*keys));
    if (!keys)
        return -1;
    size_t i = 0;
    json_object_object_foreach(obj, k, val)
    {
        (void)val;
        keys[i++] = k;
    }
    qsort(keys, n, sizeof(*keys), key_cmp);
    size_t base = w->path.len;
    int rc = 0;
    for (i = 0; i < n && rc == 0; i++) {
        if (base && ls_buf_putc(&w->path, '.') != 0) {
            rc = -1;
            break;
        }
        for (const char *p = keys[i]; *p && rc == 0; p++) {
            if (*p == '[' || *p == '\\')
                w->maybe_dup = true;
            rc = *p == '.' ? ls_buf_puts(&w->path, "\\.") : ls_buf_putc(&w->path, *p);
        }
        if (rc == 0)
            rc = visit(w, json_object_object_get(obj, keys[i]), depth + 1);
        path_cut(&w->path, base);
    }
    free(keys);
    return rc;
}

static int visit(struct walk *w, struct json_object *v, int depth)
{
    if (depth > LS_JSON_CANON_MAX_DEPTH)
        return -1;
    if (json_object_is_type(v, json_type_object) && json_object_object_length(v) > 0)
        return visit_object(w, v, depth);
    if (json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0) {
        size_t base = w->path.len;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            if (ls_buf_printf(&w->path, "[%zu]", i) != 0 ||
                visit(w, json_object_array_get_idx(v, i), depth + 1) != 0)
                return -1;
            path_cut(&w->path, base);
        }
        return 0;
    }
    return leaf(w, v);
}

struct dup_ref {
    const char *key;
    size_t idx;
};

static int dup_cmp(const void *a, const void *b)
{
    const struct dup_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* First position, last value, as an insertion-ordered map does. */
static int dedupe(struct ls_saas_fields *f)
{
    struct dup_ref *r = malloc(f->n * sizeof(*r));
    bool *dead = calloc(f->n, sizeof(*dead));
    if (!r || !dead) {
        free(r);
        free(dead);
        return -1;
    }
    for (size_t i = 0; i < f->n; i++) {
        r[i].key = f->keys.data + f->v[i].key_off;
        r[i].idx = i;
    }
    qsort(r, f->n, sizeof(*r), dup_cmp);
    for (size_t i = 0; i < f->n;) {
        size_t j = i + 1;
        while (j < f->n && strcmp(r[j].key, r[i].key) == 0)
            dead[r[j++].idx] = true;
        f->v[r[i].idx].value = f->v[r[j - 1].idx].value;
        i = j;
    }
    size_t out = 0;
    for (size_t i = 0; i < f->n; i++)
        if (!dead[i])
            f->v[out++] = f->v[i];
    f->n = out;
    free(r);
    free(dead);
    return 0;
}

int ls_saas_fields_collect(struct ls_saas_fields *f, struct json_object *root)
{
    f->n = 0;
    ls_buf_reset(&f->keys);
    if (!json_object_is_type(root, json_type_object))
        return -1;
    struct walk w = {.f = f};
    ls_buf_init(&w.path, 0);
    int rc = json_object_object_length(root) ? visit_object(&w, root, 0) : 0;
    ls_buf_free(&w.path);
    if (rc == 0 && w.maybe_dup && f->n > 1)
        rc = dedupe(f);
    return rc;
}

/* qsort has no context argument; worker threads sort concurrently, so per thread. */
static _Thread_local const char *sort_keys;

static int field_cmp(const void *a, const void *b)
{
    const struct ls_saas_field *x = a, *y = b;
    return strcmp(sort_keys + x->key_off, sort_keys + y->key_off);
}

void ls_saas_fields_sort(struct ls_saas_fields *f)
{
    if (f->n < 2)
        return;
    sort_keys = f->keys.data;
    qsort(f->v, f->n, sizeof(*f->v), field_cmp);
}

int ls_saas_fields_write(const struct ls_saas_fields *f, struct ls_buf *out)
{
    if (ls_buf_putc(out, '{') != 0)
        return -1;
    for (size_t i = 0; i < f->n; i++) {
        const char *k = f->keys.data + f->v[i].key_off;
        if ((i && ls_buf_putc(out, ',') != 0) ||
            ls_json_canon_write_string(out, k, strlen(k)) != 0 || ls_buf_putc(out, ':') != 0 ||
            ls_json_canon_write(out, f->v[i].value) != 0)
            return -1;
    }
    return ls_buf_putc(out, '}');
}

const struct ls_saas_field *ls_saas_fields_find(const struct ls_saas_fields *f, const char *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->keys.data + f->v[i].key_off, key) == 0)
            return &f->v[i];
    return NULL;
}

/* -- time ------------------------------------------------------------------------------------ */

bool ls_saas_event_timed(const struct ls_event *ev)
{
    return ev->time_from_record || (ev->flags & LS_EVENT_RAW);
}

int64_t ls_saas_ms(int64_t ns)
{
    int64_t ms = ns / 1000000;
    if (ns % 1000000 < 0)
        ms--;
    return ms;
}

int64_t ls_saas_sub_ms_ns(int64_t ns)
{
    return ns - ls_saas_ms(ns) * 1000000;
}

int ls_saas_write_hec_time(struct ls_buf *out, int64_t ns)
{
    int64_t ms = ls_saas_ms(ns);
    /* Unsigned magnitude: the most negative ms has no positive int64. */
    uint64_t mag = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    char frac[4];
    snprintf(frac, sizeof(frac), "%03u", (unsigned)(mag % 1000u));
    /* Shortest form of a whole number of ms: trailing zeros go, one digit stays (`.0`). */
    for (int k = 2; k > 0 && frac[k] == '0'; k--)
        frac[k] = '\0';
    return ls_buf_printf(out, "%s%llu.%s", ms < 0 ? "-" : "", (unsigned long long)(mag / 1000u),
                         frac);
}

/* -- encodings ------------------------------------------------------------------------------- */

int ls_saas_pct_encode(struct ls_buf *out, const char *s, bool form)
{
    if (!form)
        return ls_buf_put_pct(out, s, strlen(s));
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '*';
        int rc;
        if (keep)
            rc = ls_buf_putc(out, (char)c);
        else if (c == ' ')
            rc = ls_buf_putc(out, '+');
        else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = ls_buf_append(out, e, 3);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

int ls_saas_base64(struct ls_buf *out, const void *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char q[4] = {tab[(v >> 18) & 63], tab[(v >> 12) & 63], i + 1 < n ? tab[(v >> 6) & 63] : '=',
                     i + 2 < n ? tab[v & 63] : '='};
        if (ls_buf_append(out, q, 4) != 0)
            return -1;
    }
    return 0;
}

int ls_saas_uuid4(char out[37])
{
    unsigned char r[16];
    size_t got = 0;
    while (got < sizeof(r)) {
        ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
    return 0;
}

/* -- environment and headers ----------------------------------------------------------------- */

struct ls_env *ls_saas_env_with(const struct ls_env *env, const struct ls_preset *row,
                                const char *name, const char *value)
{
    size_t n = 0;
    for (const struct ls_preset_var *v = row->vars; v->name; v++)
        n++;
    char **pairs = calloc(n + 1, sizeof(*pairs));
    if (!pairs)
        return NULL;
    size_t k = 0;
    bool ok = true;
    for (const struct ls_preset_var *v = row->vars; v->name && ok; v++) {
        const char *val = strcmp(v->name, name) == 0 ? value : ls_env_get(env, v->name);
        if (!val)
            continue;
        struct ls_buf b;
        ls_buf_init(&b, 0);
        ok = ls_buf_printf(&b, "%s=%s", v->name, val) == 0;
        pairs[k++] = ls_buf_steal(&b, NULL);
        ok = ok && pairs[k - 1];
    }
    struct ls_env *e = ok ? ls_env_from_list((const char *const *)pairs) : NULL;
    for (size_t i = 0; i < k; i++)
        free(pairs[i]);
    free(pairs);
    return e;
}

int ls_saas_header_add(struct ls_kind_common *c, const char *line)
{
    char *h = strdup(line);
    char **nh = h ? realloc(c->headers, (c->n_headers + 1) * sizeof(*nh)) : NULL;
    if (!nh) {
        free(h);
        return -1;
    }
    c->headers = nh;
    c->headers[c->n_headers++] = h;
    return 0;
}

void ls_saas_header_remove(struct ls_kind_common *c, const char *name)
{
    size_t len = strlen(name), out = 0;
    for (size_t i = 0; i < c->n_headers; i++) {
        if (strncasecmp(c->headers[i], name, len) == 0 && c->headers[i][len] == ':')
            free(c->headers[i]);
        else
            c->headers[out++] = c->headers[i];
    }
    c->n_headers = out;
}
