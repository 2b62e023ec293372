/*
 * Payload parser; see parse.h. Sits between the NATS intake (source/) and the router: one call
 * per message, on the intake thread.
 *
 * Each payload goes through `scan` first, a single pass that accepts exactly serde_json's
 * grammar and notes whether any integer literal needs rewriting (below). Only then does
 * json-c build the tree; json-c alone would accept NaN, `01`, `1.`, raw control characters,
 * lone surrogates and overlong UTF-8, none of which Vector accepts.
 *
 * Big integers: json-c clamps integer literals outside [INT64_MIN, UINT64_MAX] to the nearest
 * bound. When the scan finds one, the payload is copied with each such literal N written as
 * `N.0`, which json-c keeps as a double with that text; json_canon.c prints it back as N. The
 * same rewrite turns `-0` into `-0.0`, which is what serde_json makes of it (json-c's integer
 * would lose the sign). Payloads without such literals (all of Fly's) pay nothing extra.
 */
#include "event/parse.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "event/json_canon.h"
#include "event/utf8.h"
#include "util/buf.h"
#include "util/time.h"

/* serde_json fails on opening its 128th nested container. */
#define MAX_NESTING 127
/* json-c also counts the scalar inside the innermost container, hence one more. */
#define TOKENER_DEPTH (MAX_NESTING + 1)
/* Scratch buffers grown past this by one huge record are released after it. */
#define SCRATCH_KEEP (4u * 1024 * 1024)

struct ls_parser {
    struct json_tokener *tok;
    size_t max;
    struct ls_buf text;  /* rewritten payload, or the repaired text of a raw event */
    struct ls_buf canon; /* canonical JSON scratch for ls_event_create_buf */
};

struct ls_parser *ls_parser_create(size_t max_record_bytes)
{
    struct ls_parser *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->max = max_record_bytes ? max_record_bytes : LS_PARSE_DEFAULT_MAX_RECORD;
    ls_buf_init(&p->text, 0);
    ls_buf_init(&p->canon, 0);
    p->tok = json_tokener_new_ex(TOKENER_DEPTH);
    if (!p->tok) {
        ls_parser_destroy(p);
        return NULL;
    }
    json_tokener_set_flags(p->tok, JSON_TOKENER_STRICT);
    return p;
}

void ls_parser_destroy(struct ls_parser *p)
{
    if (!p)
        return;
    if (p->tok)
        json_tokener_free(p->tok);
    ls_buf_free(&p->text);
    ls_buf_free(&p->canon);
    free(p);
}

/* ---- the validating scan -------------------------------------------------------------- */

enum { SCAN_BAD = -1, SCAN_OK = 0, SCAN_REWRITE = 1 };

struct span {
    size_t off, len;
};

struct scan {
    const unsigned char *s;
    size_t n, i;
    bool rewrite;       /* some literal needs `.0` */
    struct ls_buf *out; /* NULL on the first pass; the rewritten copy on the second */
    size_t copied;      /* bytes of s already copied to out */
    bool oom;
    /*
     * Canonical: the text is already exactly what ls_json_canon_write would produce (a top-level
     * object, no white space, keys strictly increasing in byte order at every level, only the
     * escapes the canonical writer uses). Fly's records are, so for them the canonical JSON is
     * the payload itself and json-c is not needed at all (the fast path in ls_parse_payload).
     */
    bool canonical;
    bool escaped;                 /* the last string scanned contained a backslash */
    struct span key[MAX_NESTING]; /* current key per object level (raw bytes, no quotes) */
    bool have_key[MAX_NESTING];
    struct span ts, app; /* top-level "timestamp" and "fly"."app"."name" string values */
};

static inline bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline void skip_ws(struct scan *sc)
{
    if (sc->i < sc->n && is_ws(sc->s[sc->i])) {
        sc->canonical = false;
        while (sc->i < sc->n && is_ws(sc->s[sc->i]))
            sc->i++;
    }
}

static int hex4(const unsigned char *s)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (int)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v |= (int)((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    return v;
}

static bool canonical_u_escape(const unsigned char *hex, int cp)
{
    static const char digits[] = "0123456789abcdef";
    if (cp >= 0x20 || cp == 0x08 || cp == 0x09 || cp == 0x0a || cp == 0x0c || cp == 0x0d)
        return false;
    return hex[0] == '0' && hex[1] == '0' && hex[2] == digits[cp >> 4] && hex[3] == digits[cp & 15];
}

/* A string starting at the opening quote; a key must not contain an escaped NUL. */
static bool scan_string(struct scan *sc, bool key)
{
    const unsigned char *s = sc->s;
    size_t i = sc->i + 1, n = sc->n;

    sc->escaped = false;
    for (;;) {
        i += ls_json_canon_plain_run((const char *)s + i, n - i);
        if (i >= n)
            return false;
        unsigned c = s[i];
        if (c == '"') {
            sc->i = i + 1;
            return true;
        }
        if (c < 0x20)
            return false;
        /* backslash */
        sc->escaped = true;
        if (++i >= n)
            return false;
        switch (s[i]) {
        case '/':
            sc->canonical = false; /* written back as a plain '/' */
            i++;
            continue;
        case '"':
        case '\\':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            i++;
            continue;
        case 'u':
            break;
        default:
            return false;
        }
        if (n - i < 5)
            return false;
        int cp = hex4(s + i + 1);
        /* The canonical writer uses \u00xx (lower-case hex) only for control characters that
           have no short escape; anything else it writes differently. */
        if (cp >= 0 && !canonical_u_escape(s + i + 1, cp))
            sc->canonical = false;
        i += 5;
        if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF) || (key && cp == 0))
            return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u')
                return false;
            int lo = hex4(s + i + 2);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return false;
            i += 6;
        }
    }
}

/* True when the digits d[0..nd) of an integer literal lie outside [INT64_MIN, UINT64_MAX]. */
static bool out_of_range(const unsigned char *d, size_t nd, bool neg)
{
    const char *lim = neg ? "9223372036854775808" : "18446744073709551615";
    size_t nl = neg ? 19 : 20;
    return nd > nl || (nd == nl && memcmp(d, lim, nl) > 0);
}

static bool scan_number(struct scan *sc)
{
    const unsigned char *s = sc->s;
    size_t i = sc->i, n = sc->n;
    bool neg = false, integer = true;

    if (s[i] == '-') {
        neg = true;
        i++;
    }
    size_t d0 = i;
    if (i < n && s[i] == '0') {
        i++;
    } else if (i < n && s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return false;
    }
    size_t nd = i - d0;
    if (i < n && s[i] == '.') {
        integer = false;
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        integer = false;
        if (++i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == e)
            return false;
    }
    if (integer &&
        ((neg && nd == 1 && s[d0] == '0') || (nd >= 19 && out_of_range(s + d0, nd, neg)))) {
        sc->rewrite = true;
        if (sc->out) {
            if (ls_buf_append(sc->out, s + sc->copied, i - sc->copied) != 0 ||
                ls_buf_append(sc->out, ".0", 2) != 0)
                sc->oom = true;
            sc->copied = i;
        }
    }
    sc->i = i;
    return true;
}

static bool scan_literal(struct scan *sc, const char *lit, size_t len)
{
    if (sc->n - sc->i < len || memcmp(sc->s + sc->i, lit, len) != 0)
        return false;
    sc->i += len;
    return true;
}

/*
 * Checks that s[0..n) is exactly one JSON value with optional surrounding whitespace, as
 * serde_json would accept it. With out != NULL, also writes the rewritten copy to out.
 */
static bool span_is(const struct scan *sc, struct span sp, const char *lit)
{
    size_t n = strlen(lit);
    return sp.len == n && memcmp(sc->s + sp.off, lit, n) == 0;
}

/* Keys must strictly increase in byte order (which also rules out duplicates). */
static bool key_after(const struct scan *sc, struct span prev, struct span cur)
{
    const unsigned char *a = sc->s + prev.off, *b = sc->s + cur.off;
    size_t n = prev.len < cur.len ? prev.len : cur.len;
    /* Neighbouring keys nearly always differ in their first byte: decided without a call to
       memcmp, which was 9% of parsing (bench/parse_bench; this saves about 3%). */
    if (n && a[0] != b[0])
        return a[0] < b[0];
    int c = memcmp(a, b, n);
    return c < 0 || (c == 0 && prev.len < cur.len);
}

/* Remembers the string value just scanned when it is one of the fields events precompute. */
static void note_value(struct scan *sc, const bool *in_obj, int depth, size_t start)
{
    struct span v = {start + 1, sc->i - start - 2};
    struct span *field = NULL;
    if (depth == 1 && span_is(sc, sc->key[0], "timestamp"))
        field = &sc->ts;
    else if (depth == 3 && in_obj[1] && in_obj[2] && span_is(sc, sc->key[0], "fly") &&
             span_is(sc, sc->key[1], "app") && span_is(sc, sc->key[2], "name"))
        field = &sc->app;
    if (!field)
        return;
    if (sc->escaped)
        sc->canonical = false; /* the slow path decodes it */
    else
        *field = v;
}

static int scan(const char *text, size_t n, struct ls_buf *out, struct scan *res)
{
    struct scan sc = {.s = (const unsigned char *)text, .n = n, .out = out};
    bool in_obj[MAX_NESTING]; /* container kinds, innermost last */
    int depth = 0;

    /* Outside strings any non-ASCII byte is a syntax error anyway, so checking the whole text
     * once is the same as checking each string, and faster. */
    if (!out && !ls_utf8_valid(text, n))
        return SCAN_BAD;

    sc.canonical = n > 0 && text[0] == '{';
    skip_ws(&sc);
value:
    if (sc.i >= sc.n)
        return SCAN_BAD;
    switch (sc.s[sc.i]) {
    case '{':
    case '[':
        if (depth == MAX_NESTING)
            return SCAN_BAD;
        in_obj[depth] = sc.s[sc.i] == '{';
        sc.have_key[depth] = false;
        depth++;
        sc.i++;
        skip_ws(&sc);
        if (sc.i < sc.n && sc.s[sc.i] == (in_obj[depth - 1] ? '}' : ']')) {
            sc.i++;
            depth--;
            goto after;
        }
        if (in_obj[depth - 1])
            goto key;
        goto value;
    case '"': {
        size_t start = sc.i;
        if (!scan_string(&sc, false))
            return SCAN_BAD;
        if (sc.canonical && depth > 0 && in_obj[0])
            note_value(&sc, in_obj, depth, start);
        goto after;
    }
    case 't':
        if (!scan_literal(&sc, "true", 4))
            return SCAN_BAD;
        goto after;
    case 'f':
        if (!scan_literal(&sc, "false", 5))
            return SCAN_BAD;
        goto after;
    case 'n':
        if (!scan_literal(&sc, "null", 4))
            return SCAN_BAD;
        goto after;
    default:
        if (!scan_number(&sc))
            return SCAN_BAD;
        goto after;
    }
key : {
    size_t start = sc.i;
    if (sc.i >= sc.n || sc.s[sc.i] != '"' || !scan_string(&sc, true))
        return SCAN_BAD;
    if (sc.canonical) {
        struct span k = {start + 1, sc.i - start - 2};
        if (sc.escaped || (sc.have_key[depth - 1] && !key_after(&sc, sc.key[depth - 1], k)))
            sc.canonical = false;
        sc.key[depth - 1] = k;
        sc.have_key[depth - 1] = true;
    }
}
    skip_ws(&sc);
    if (sc.i >= sc.n || sc.s[sc.i] != ':')
        return SCAN_BAD;
    sc.i++;
    skip_ws(&sc);
    goto value;
after:
    skip_ws(&sc);
    if (depth == 0) {
        if (sc.i != sc.n)
            return SCAN_BAD;
        if (out && (sc.oom || ls_buf_append(out, sc.s + sc.copied, sc.n - sc.copied) != 0))
            return SCAN_BAD; /* the caller sees the buffer short and treats it as OOM */
        if (res) {
            res->canonical = sc.canonical && !sc.rewrite;
            res->ts = sc.ts;
            res->app = sc.app;
        }
        return sc.rewrite ? SCAN_REWRITE : SCAN_OK;
    }
    if (sc.i >= sc.n)
        return SCAN_BAD;
    if (sc.s[sc.i] == ',') {
        sc.i++;
        skip_ws(&sc);
        if (in_obj[depth - 1])
            goto key;
        goto value;
    }
    if (sc.s[sc.i] == (in_obj[depth - 1] ? '}' : ']')) {
        sc.i++;
        depth--;
        goto after;
    }
    return SCAN_BAD;
}

/* ---- events ------------------------------------------------------------------------------ */

struct call {
    struct ls_parser *p;
    const char *subject;
    int64_t recv_ns;
    ls_parse_emit_fn emit;
    void *ctx;
    struct ls_parse_stats *stats;
    int emitted;
};

static int add(struct json_object *o, const char *key, struct json_object *v)
{
    return json_object_object_add_ex(o, key, v,
                                     JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
}

/* Takes ownership of root. */
static int deliver(struct call *c, struct json_object *root, unsigned flags)
{
    struct ls_event *ev = ls_event_create_buf(root, c->subject, c->recv_ns, flags, &c->p->canon);
    if (!ev)
        return -1;
    c->stats->events++;
    c->emitted++;
    c->emit(ev, c->ctx);
    return 0;
}

/* {"message": v}; takes ownership of v (NULL is JSON null). */
static int deliver_wrapped(struct call *c, struct json_object *v)
{
    struct json_object *o = json_object_new_object();
    if (!o || add(o, "message", v) != 0) {
        json_object_put(v);
        json_object_put(o);
        return -1;
    }
    return deliver(c, o, 0);
}

/* Adds a freshly made value (NULL when its allocation failed); owns v even on failure. */
static int add_new(struct json_object *o, const char *key, struct json_object *v)
{
    if (!v)
        return -1;
    if (add(o, key, v) != 0) {
        json_object_put(v);
        return -1;
    }
    return 0;
}

static int deliver_raw(struct call *c, const char *payload, size_t len, bool truncated)
{
    struct ls_buf *t = &c->p->text;
    size_t keep = truncated ? ls_utf8_cut(payload, len, c->p->max) : len;
    char ts[LS_TIME_RFC3339_MAX];
    size_t tslen = ls_time_format_rfc3339(ts, sizeof(ts), c->recv_ns, -1);

    ls_buf_reset(t);
    if (ls_utf8_repair(t, payload, keep) != 0 || t->len > INT32_MAX)
        return -1;
    struct json_object *o = json_object_new_object();
    if (!o ||
        add_new(o, "message", json_object_new_string_len(t->data ? t->data : "", (int)t->len)) ||
        add_new(o, "source_type", json_object_new_string_len("nats", 4)) ||
        add_new(o, "subject", json_object_new_string(c->subject)) ||
        add_new(o, "timestamp", json_object_new_string_len(ts, (int)tslen)) ||
        (truncated && add_new(o, "logship_truncated_bytes", json_object_new_uint64(len)))) {
        json_object_put(o);
        return -1;
    }
    if (truncated)
        c->stats->truncated++;
    else
        c->stats->not_json++;
    return deliver(c, o, LS_EVENT_RAW | (truncated ? LS_EVENT_TRUNCATED : 0));
}

static int deliver_array(struct call *c, struct json_object *arr)
{
    size_t n = json_object_array_length(arr);
    int rc = 0;

    if (n == 0)
        c->stats->empty_array++;
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* Detach the element before it is published: json-c's reference counts are not atomic,
         * so the array must not still hold a reference that a sink thread's unref could race. */
        struct json_object *el = json_object_get(json_object_array_get_idx(arr, i));
        json_object_array_put_idx(arr, i, NULL);
        if (json_object_is_type(el, json_type_object)) {
            rc = deliver(c, el, 0);
        } else {
            c->stats->non_object_elements++;
            rc = deliver_wrapped(c, el);
        }
    }
    json_object_put(arr);
    return rc;
}

static void trim(struct ls_buf *b)
{
    if (b->cap > SCRATCH_KEEP)
        ls_buf_free(b);
}

/* The tree for a payload the scan accepted; *ok is false when json-c still refused it. */
static struct json_object *build(struct ls_parser *p, const char *text, size_t n, bool *ok)
{
    struct json_tokener *tok = p->tok;

    json_tokener_reset(tok);
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)n);
    enum json_tokener_error err = json_tokener_get_error(tok);
    if (!o && err == json_tokener_continue) {
        /* A top-level number or literal ends only at a delimiter; give json-c one. */
        o = json_tokener_parse_ex(tok, " ", 1);
        err = json_tokener_get_error(tok);
    }
    *ok = err == json_tokener_success;
    if (!*ok) {
        json_object_put(o);
        return NULL;
    }
    return o; /* NULL here is the JSON value null */
}

struct json_object *ls_parse_object(struct ls_parser *p, const char *text, size_t len)
{
    const char *t = text;
    size_t n = len;
    int sr = scan(text, len, NULL, NULL);
    if (sr == SCAN_BAD || len > INT32_MAX)
        return NULL;
    if (sr == SCAN_REWRITE) {
        ls_buf_reset(&p->text);
        if (scan(text, len, &p->text, NULL) != SCAN_REWRITE)
            return NULL;
        t = p->text.data;
        n = p->text.len;
    }
    bool ok;
    struct json_object *o = build(p, t, n, &ok);
    trim(&p->text);
    if (!ok || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

int ls_parse_tree(struct ls_parser *p, struct ls_event *ev)
{
    if (ev->root)
        return 0;
    bool ok;
    struct json_object *o = build(p, ev->json, ev->json_len, &ok);
    if (!ok || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return -1;
    }
    ev->root = o;
    return 0;
}

int ls_parse_payload(struct ls_parser *p, const char *subject, const char *payload, size_t len,
                     int64_t recv_ns, ls_parse_emit_fn emit, void *ctx,
                     struct ls_parse_stats *stats)
{
    struct ls_parse_stats dummy = {0};
    struct call c = {p, subject ? subject : "", recv_ns, emit, ctx, stats ? stats : &dummy, 0};
    int rc;

    if (len > p->max) {
        rc = deliver_raw(&c, payload, len, true);
        goto done;
    }
    size_t i = 0;
    while (i < len && is_ws((unsigned char)payload[i]))
        i++;
    if (i == len) {
        c.stats->empty++;
        return 0;
    }
    if (len > INT32_MAX) { /* json-c takes an int length */
        rc = deliver_raw(&c, payload, len, false);
        goto done;
    }

    const char *text = payload;
    size_t tlen = len;
    struct scan res = {0};
    int sr = scan(payload, len, NULL, &res);
    if (sr == SCAN_OK && res.canonical) {
        /* Fast path: the payload is its own canonical JSON; no tree is built here. */
        struct ls_event *ev = ls_event_create_json(
            payload, len, c.subject, recv_ns, res.ts.len ? payload + res.ts.off : NULL, res.ts.len,
            res.app.len ? payload + res.app.off : NULL, res.app.len);
        if (!ev) {
            rc = -1;
            goto done;
        }
        c.stats->events++;
        c.emitted++;
        emit(ev, ctx);
        rc = 0;
        goto done;
    }
    if (sr == SCAN_BAD) {
        rc = deliver_raw(&c, payload, len, false);
        goto done;
    }
    if (sr == SCAN_REWRITE) {
        ls_buf_reset(&p->text);
        if (scan(payload, len, &p->text, NULL) != SCAN_REWRITE || p->text.len > INT32_MAX) {
            rc = -1;
            goto done;
        }
        text = p->text.data;
        tlen = p->text.len;
    }

    bool ok;
    struct json_object *o = build(p, text, tlen, &ok);
    if (!ok) {
        /* The scan accepted it, so this is json-c running out of memory or a disagreement
         * between the two; either way the payload still ships, as text. */
        rc = deliver_raw(&c, payload, len, false);
        goto done;
    }
    switch (json_object_get_type(o)) {
    case json_type_object:
        rc = deliver(&c, o, 0);
        break;
    case json_type_array:
        rc = deliver_array(&c, o);
        break;
    default:
        rc = deliver_wrapped(&c, o);
        break;
    }
done:
    trim(&p->text);
    trim(&p->canon);
    return rc < 0 ? -1 : c.emitted;
}
