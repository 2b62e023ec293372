/*
 * Canonical JSON writer; see json_canon.h. This runs for every record, so strings are escaped
 * by copying runs of safe bytes with one append each, keys are sorted with an insertion sort
 * (Fly records have a handful of keys, usually already in order) on a stack array, and integers
 * are formatted by hand rather than through printf.
 */
#include "event/json_canon.h"

#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define STACK_KEYS 16

/* Bytes that need no escape inside a JSON string literal. */
static inline bool plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

#define ONES  UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Nonzero when some byte of w is zero (the classic SWAR test). */
static inline uint64_t has_zero(uint64_t w)
{
    return (w - ONES) & ~w & HIGHS;
}

size_t ls_json_canon_plain_run(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

#ifdef __SSE2__
    /* Sixteen bytes at a time (SSE2 is part of x86-64): the mask has a bit for every byte that
       is `"`, `\` or below 0x20 (min(b, 0x1F) == b), so its lowest bit is the answer. */
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  ctl = _mm_set1_epi8(0x1F);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                         _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v));
        unsigned mask = (unsigned)_mm_movemask_epi8(hit);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    /* Eight bytes at a time: stop at a word holding `"`, `\` or a byte below 0x20. */
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, u + i, 8);
        uint64_t low = (w - 0x20 * ONES) & ~w & HIGHS; /* some byte < 0x20 */
        if (low | has_zero(w ^ ('"' * ONES)) | has_zero(w ^ ('\\' * ONES)))
            break;
        i += 8;
    }
    while (i < n && plain(u[i]))
        i++;
    return i;
}

int ls_json_canon_write_string(struct ls_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    if (ls_buf_reserve(out, n + 2) != 0 || ls_buf_putc(out, '"') != 0)
        return -1;
    while (i < n) {
        size_t start = i;
        i += ls_json_canon_plain_run(s + i, n - i);
        if (i > start && ls_buf_append(out, s + start, i - start) != 0)
            return -1;
        if (i >= n)
            break;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (u[i]) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\t':
            esc[1] = 't';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[u[i] >> 4];
            esc[5] = hex[u[i] & 0xF];
            elen = 6;
        }
        if (ls_buf_append(out, esc, elen) != 0)
            return -1;
        i++;
    }
    return ls_buf_putc(out, '"');
}

static int put_u64(struct ls_buf *out, uint64_t v, bool neg)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (neg)
        *--p = '-';
    return ls_buf_append(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int write_int(struct ls_buf *out, struct json_object *o)
{
    /* json-c keeps 2^63..2^64-1 as uint64; get_int64 saturates those to INT64_MAX. */
    int64_t i = json_object_get_int64(o);
    if (i == INT64_MAX)
        return put_u64(out, json_object_get_uint64(o), false);
    if (i < 0)
        return put_u64(out, (uint64_t)0 - (uint64_t)i, true);
    return put_u64(out, (uint64_t)i, false);
}

/* True when t[0..n) is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool number_text(const char *t, size_t n)
{
    size_t i = 0;
    if (i < n && t[i] == '-')
        i++;
    if (i >= n || t[i] < '0' || t[i] > '9')
        return false;
    if (t[i++] != '0')
        while (i < n && t[i] >= '0' && t[i] <= '9')
            i++;
    if (i < n && t[i] == '.') {
        size_t s = ++i;
        while (i < n && t[i] >= '0' && t[i] <= '9')
            i++;
        if (i == s)
            return false;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-'))
            i++;
        size_t s = i;
        while (i < n && t[i] >= '0' && t[i] <= '9')
            i++;
        if (i == s)
            return false;
    }
    return i == n;
}

/*
 * Length of the integer part when t is `-?digits.0` with digits outside [INT64_MIN, UINT64_MAX]
 * (the parser's marker for a big integer literal), else 0.
 */
static size_t big_int_marker(const char *t, size_t n)
{
    if (n < 3 || t[n - 2] != '.' || t[n - 1] != '0')
        return 0;
    bool neg = t[0] == '-';
    const char *d = t + neg;
    size_t nd = n - 2 - neg;
    for (size_t i = 0; i < nd; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
    size_t nl = strlen(lim);
    if (nd > nl || (nd == nl && memcmp(d, lim, nl) > 0))
        return n - 2;
    return 0;
}

/* serde_json prints floats with ryu's shortest round-trip digits; reproduce its layout. */
static int write_double_value(struct ls_buf *out, double v)
{
    if (!isfinite(v))
        return ls_buf_puts(out, "null");
    if (v == 0)
        return ls_buf_puts(out, signbit(v) ? "-0.0" : "0.0");

    char e[40];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(e, sizeof(e), "%.*e", prec, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is "-d.ddde±XX": collect the digits and the decimal exponent. */
    char dig[20];
    int nd = 0;
    const char *p = e;
    bool neg = *p == '-';
    p += neg;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            dig[nd++] = *p;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    long exp10 = strtol(p + 1, NULL, 10);
    long kk = exp10 + 1; /* position of the decimal point relative to the digits */

    char tmp[64];
    size_t t = 0;
    if (neg)
        tmp[t++] = '-';
    if (kk >= nd && kk <= 16) { /* 1234000.0 */
        memcpy(tmp + t, dig, (size_t)nd);
        t += (size_t)nd;
        for (long k = nd; k < kk; k++)
            tmp[t++] = '0';
        tmp[t++] = '.';
        tmp[t++] = '0';
    } else if (kk > 0 && kk <= 16) { /* 12.34 */
        memcpy(tmp + t, dig, (size_t)kk);
        t += (size_t)kk;
        tmp[t++] = '.';
        memcpy(tmp + t, dig + kk, (size_t)(nd - kk));
        t += (size_t)(nd - kk);
    } else if (kk > -5 && kk <= 0) { /* 0.001234 */
        tmp[t++] = '0';
        tmp[t++] = '.';
        for (long k = kk; k < 0; k++)
            tmp[t++] = '0';
        memcpy(tmp + t, dig, (size_t)nd);
        t += (size_t)nd;
    } else { /* 1.234e-7, 1e16 */
        tmp[t++] = dig[0];
        if (nd > 1) {
            tmp[t++] = '.';
            memcpy(tmp + t, dig + 1, (size_t)(nd - 1));
            t += (size_t)(nd - 1);
        }
        t += (size_t)snprintf(tmp + t, sizeof(tmp) - t, "e%ld", kk - 1);
    }
    return ls_buf_append(out, tmp, t);
}

static int write_double(struct ls_buf *out, struct json_object *o)
{
    /* The tokener stores the literal as userdata (json_object_new_double_s). */
    const char *text = json_object_get_userdata(o);
    if (text) {
        size_t n = strlen(text);
        if (number_text(text, n)) {
            size_t big = big_int_marker(text, n);
            return ls_buf_append(out, text, big ? big : n);
        }
    }
    return write_double_value(out, json_object_get_double(o));
}

struct kv {
    const char *k;
    struct json_object *v;
};

static int kv_cmp(const void *a, const void *b)
{
    /* strcmp compares as unsigned char, which is byte order; json-c keys hold no NUL. */
    return strcmp(((const struct kv *)a)->k, ((const struct kv *)b)->k);
}

static int write_value(struct ls_buf *out, struct json_object *o, int depth);

static int write_object(struct ls_buf *out, struct json_object *o, int depth)
{
    struct kv stack[STACK_KEYS], *kvs = stack;
    size_t n = (size_t)json_object_object_length(o), i = 0;
    int rc = -1;

    if (n == 0)
        return ls_buf_append(out, "{}", 2);
    if (n > STACK_KEYS && !(kvs = malloc(n * sizeof(*kvs))))
        return -1;
    json_object_object_foreach(o, key, val)
    {
        if (i == n)
            break;
        kvs[i].k = key;
        kvs[i].v = val;
        i++;
    }
    n = i;
    if (n > STACK_KEYS) {
        qsort(kvs, n, sizeof(*kvs), kv_cmp);
    } else {
        for (size_t a = 1; a < n; a++) {
            struct kv cur = kvs[a];
            size_t b = a;
            while (b > 0 && strcmp(kvs[b - 1].k, cur.k) > 0) {
                kvs[b] = kvs[b - 1];
                b--;
            }
            kvs[b] = cur;
        }
    }
    if (ls_buf_putc(out, '{') != 0)
        goto done;
    for (i = 0; i < n; i++) {
        if ((i && ls_buf_putc(out, ',') != 0) ||
            ls_json_canon_write_string(out, kvs[i].k, strlen(kvs[i].k)) != 0 ||
            ls_buf_putc(out, ':') != 0 || write_value(out, kvs[i].v, depth + 1) != 0)
            goto done;
    }
    rc = ls_buf_putc(out, '}');
done:
    if (kvs != stack)
        free(kvs);
    return rc;
}

static int write_array(struct ls_buf *out, struct json_object *o, int depth)
{
    size_t n = json_object_array_length(o);

    if (ls_buf_putc(out, '[') != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if ((i && ls_buf_putc(out, ',') != 0) ||
            write_value(out, json_object_array_get_idx(o, i), depth + 1) != 0)
            return -1;
    }
    return ls_buf_putc(out, ']');
}

static int write_value(struct ls_buf *out, struct json_object *o, int depth)
{
    switch (json_object_get_type(o)) {
    case json_type_null:
        return ls_buf_append(out, "null", 4);
    case json_type_boolean:
        return json_object_get_boolean(o) ? ls_buf_append(out, "true", 4)
                                          : ls_buf_append(out, "false", 5);
    case json_type_int:
        return write_int(out, o);
    case json_type_double:
        return write_double(out, o);
    case json_type_string:
        return ls_json_canon_write_string(out, json_object_get_string(o),
                                          (size_t)json_object_get_string_len(o));
    case json_type_object:
        if (depth >= LS_JSON_CANON_MAX_DEPTH)
            return -1;
        return write_object(out, o, depth);
    case json_type_array:
        if (depth >= LS_JSON_CANON_MAX_DEPTH)
            return -1;
        return write_array(out, o, depth);
    }
    return -1;
}

int ls_json_canon_write(struct ls_buf *out, struct json_object *obj)
{
    return write_value(out, obj, 0);
}

/* ---- reading canonical text ------------------------------------------------------------- */

const char *ls_json_canon_skip(const char *s, const char *end)
{
    int depth = 0;
    const char *p = s;
    while (p < end) {
        char ch = *p;
        if (ch == '"') {
            for (p++;;) {
                p += ls_json_canon_plain_run(p, (size_t)(end - p));
                if (p >= end)
                    return NULL;
                if (*p == '"')
                    break;
                if (*p == '\\' && ++p == end) /* an escape: skip the escaped byte */
                    return NULL;
                p++; /* the escaped byte, or a raw control byte (not canonical, but harmless) */
            }
            p++;
        } else if (ch == '{' || ch == '[') {
            if (++depth > LS_JSON_CANON_MAX_DEPTH)
                return NULL;
            p++;
            continue;
        } else if (ch == '}' || ch == ']') {
            if (--depth < 0)
                return NULL;
            p++;
        } else if (ch == ',' || ch == ':') {
            if (depth == 0)
                return NULL;
            p++;
            continue;
        } else { /* a number or a literal: up to the next delimiter */
            while (p < end && *p != ',' && *p != '}' && *p != ']')
                p++;
        }
        if (depth == 0)
            return p;
    }
    return NULL;
}

int ls_json_canon_next_member(const char **pos, const char *end, struct ls_json_span *key,
                              struct ls_json_span *value)
{
    const char *p = *pos;
    if (p >= end)
        return -1;
    if (*p == '}')
        return 0;
    if (*p != '{' && *p != ',')
        return -1;
    if (*p == '{' && p + 1 < end && p[1] == '}') {
        *pos = p + 1;
        return 0;
    }
    p++; /* past `{` or `,` */
    if (p >= end || *p != '"')
        return -1;
    const char *kend = ls_json_canon_skip(p, end);
    if (!kend || kend >= end || *kend != ':')
        return -1;
    *key = (struct ls_json_span){p + 1, (size_t)(kend - p - 2)};
    const char *v = kend + 1, *vend = ls_json_canon_skip(v, end);
    if (!vend || vend >= end || (*vend != ',' && *vend != '}'))
        return -1;
    *value = (struct ls_json_span){v, (size_t)(vend - v)};
    *pos = vend;
    return 1;
}

int ls_json_canon_path(struct ls_json_span obj, const char *path, struct ls_json_span *value)
{
    struct ls_json_span cur = obj;
    for (const char *seg = path;;) {
        const char *dot = strchr(seg, '.');
        size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
        if (cur.n == 0 || cur.p[0] != '{')
            return 0;
        const char *pos = cur.p, *end = cur.p + cur.n;
        struct ls_json_span k, v;
        int r;
        while ((r = ls_json_canon_next_member(&pos, end, &k, &v)) == 1)
            if (k.n == n && memcmp(k.p, seg, n) == 0)
                break;
        if (r != 1)
            return 0;
        if (!dot) {
            *value = v;
            return 1;
        }
        cur = v;
        seg = dot + 1;
    }
}
