/* logfmt encoder for Loki-protocol lines (OpsVerse); see logfmt.h for the rules. */
#include "codec/logfmt.h"
#include "event/json_canon.h"
#include "util/buf.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One flattened leaf: its key lives in the key arena at [off, off + len); key points there once
   the arena stops growing. */
struct pair {
    size_t off, len;
    const char *key;
    size_t seq; /* traversal order, so the later of two equal keys wins */
    struct json_object *v;
};

struct flat {
    struct ls_buf keys; /* arena of flattened keys */
    struct ls_buf path; /* the key being built */
    struct pair *v;
    size_t n, cap;
};

/* Rust's char::is_whitespace (Unicode White_Space) at s[i..n): its byte length, or 0. */
static size_t space_len(const unsigned char *s, size_t i, size_t n)
{
    unsigned char c = s[i];
    if (c == ' ' || (c >= 0x09 && c <= 0x0d))
        return 1;
    if (c == 0xc2 && i + 1 < n && (s[i + 1] == 0x85 || s[i + 1] == 0xa0))
        return 2;
    if (i + 2 >= n)
        return 0;
    unsigned char c1 = s[i + 1], c2 = s[i + 2];
    if (c == 0xe1 && c1 == 0x9a && c2 == 0x80) /* U+1680 */
        return 3;
    if (c == 0xe2 && c1 == 0x80 &&
        ((c2 >= 0x80 && c2 <= 0x8a) || c2 == 0xa8 || c2 == 0xa9 ||
         c2 == 0xaf)) /* U+2000..200A, 2028, 2029, 202F */
        return 3;
    if (c == 0xe2 && c1 == 0x81 && c2 == 0x9f) /* U+205F */
        return 3;
    if (c == 0xe3 && c1 == 0x80 && c2 == 0x80) /* U+3000 */
        return 3;
    return 0;
}

int ls_logfmt_write_string(struct ls_buf *out, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = space_len(u, i, n) > 0;
    if (quote && ls_buf_putc(out, '"') != 0)
        return -1;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = NULL;
        if (s[i] == '\\')
            esc = "\\\\";
        else if (s[i] == '"')
            esc = "\\\"";
        else if (s[i] == '\n')
            esc = "\\\\n";
        if (!esc)
            continue;
        if (ls_buf_append(out, s + start, i - start) != 0 || ls_buf_puts(out, esc) != 0)
            return -1;
        start = i + 1;
    }
    if (ls_buf_append(out, s + start, n - start) != 0)
        return -1;
    return quote ? ls_buf_putc(out, '"') : 0;
}

static int add_pair(struct flat *f, struct json_object *v)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        struct pair *p = realloc(f->v, cap * sizeof(*p));
        if (!p)
            return -1;
        f->v = p;
        f->cap = cap;
    }
    struct pair *p = &f->v[f->n];
    p->off = f->keys.len;
    p->len = f->path.len;
    p->seq = f->n;
    p->v = v;
    if (ls_buf_append(&f->keys, f->path.data ? f->path.data : "", f->path.len) != 0)
        return -1;
    f->n++;
    return 0;
}

struct member {
    const char *key;
    struct json_object *v;
};

static int cmp_member(const void *a, const void *b)
{
    return strcmp(((const struct member *)a)->key, ((const struct member *)b)->key);
}

static int flatten(struct flat *f, struct json_object *v, int depth);

/* Appends ".seg" (or "seg" at the top) to the path, flattens v under it, and restores it. */
static int descend(struct flat *f, const char *seg, size_t n, struct json_object *v, int depth)
{
    size_t before = f->path.len;
    if ((depth > 0 && ls_buf_putc(&f->path, '.') != 0) || ls_buf_append(&f->path, seg, n) != 0)
        return -1;
    int rc = flatten(f, v, depth + 1);
    f->path.len = before;
    if (f->path.data)
        f->path.data[before] = '\0';
    return rc;
}

static int flatten_object(struct flat *f, struct json_object *obj, int depth)
{
    size_t n = (size_t)json_object_object_length(obj), i = 0;
    if (n == 0)
        return 0;
    struct member *m = malloc(n * sizeof(*m));
    if (!m)
        return -1;
    json_object_object_foreach(obj, k, val)
    {
        if (i < n) {
            m[i].key = k;
            m[i].v = val;
            i++;
        }
    }
    /* Vector's objects are BTreeMaps: children are visited in key order. */
    qsort(m, i, sizeof(*m), cmp_member);
    int rc = 0;
    for (size_t j = 0; j < i && rc == 0; j++)
        rc = descend(f, m[j].key, strlen(m[j].key), m[j].v, depth);
    free(m);
    return rc;
}

static int flatten(struct flat *f, struct json_object *v, int depth)
{
    if (depth > LS_LOGFMT_MAX_DEPTH)
        return -1;
    if (json_object_is_type(v, json_type_object))
        return flatten_object(f, v, depth);
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++) {
            char idx[32];
            int len = snprintf(idx, sizeof(idx), "%zu", i);
            if (descend(f, idx, (size_t)len, json_object_array_get_idx(v, i), depth) != 0)
                return -1;
        }
        return 0;
    }
    return add_pair(f, v);
}

static int cmp_pair(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq ? 1 : 0);
}

static int write_value(struct ls_buf *out, struct ls_buf *tmp, struct json_object *v)
{
    if (v == NULL)
        return ls_buf_puts(out, "null");
    if (json_object_is_type(v, json_type_string))
        return ls_logfmt_write_string(out, json_object_get_string(v),
                                      (size_t)json_object_get_string_len(v));
    /* Numbers: their canonical text, which is the text as received. */
    ls_buf_reset(tmp);
    if (ls_json_canon_write(tmp, v) != 0)
        return -1;
    return ls_logfmt_write_string(out, tmp->data ? tmp->data : "", tmp->len);
}

static int write_pairs(struct ls_buf *out, const struct flat *f)
{
    struct ls_buf tmp;
    ls_buf_init(&tmp, 0);
    bool first = true;
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        const struct pair *p = &f->v[i];
        const struct pair *next = i + 1 < f->n ? &f->v[i + 1] : NULL;
        if (next && next->len == p->len && memcmp(p->key, next->key, p->len) == 0)
            continue; /* a later value for the same key replaces this one */
        bool is_bool = json_object_is_type(p->v, json_type_boolean);
        if (is_bool && !json_object_get_boolean(p->v))
            continue;
        if (!first)
            rc = ls_buf_putc(out, ' ');
        first = false;
        if (rc == 0)
            rc = ls_logfmt_write_string(out, p->key, p->len);
        if (rc == 0 && !is_bool)
            rc = ls_buf_putc(out, '=') == 0 ? write_value(out, &tmp, p->v) : -1;
    }
    ls_buf_free(&tmp);
    return rc;
}

int ls_logfmt_encode(struct ls_buf *out, struct json_object *obj)
{
    if (!json_object_is_type(obj, json_type_object))
        return -1;
    struct flat f;
    memset(&f, 0, sizeof(f));
    ls_buf_init(&f.keys, 0);
    ls_buf_init(&f.path, 0);
    size_t before = out->len;
    int rc = flatten(&f, obj, 0);
    for (size_t i = 0; rc == 0 && i < f.n; i++)
        f.v[i].key = (f.keys.data ? f.keys.data : "") + f.v[i].off;
    if (rc == 0 && f.n > 1)
        qsort(f.v, f.n, sizeof(*f.v), cmp_pair);
    if (rc == 0)
        rc = write_pairs(out, &f);
    if (rc != 0) {
        out->len = before;
        if (out->data)
            out->data[before] = '\0';
    }
    ls_buf_free(&f.keys);
    ls_buf_free(&f.path);
    free(f.v);
    return rc;
}
