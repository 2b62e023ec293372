/*
 * Template compiler and renderer (see template.h). Compilation turns the text into a flat
 * list of parts: literal runs, `${...}` references (whose default/alternative word is itself a
 * short list of literals and at most one level of references) and `{{ field }}` placeholders.
 * Binding replaces references by literals once at start-up; rendering then only copies
 * literals and asks the caller's callback for fields, so the per-event cost is a few appends.
 */
#include "preset/template.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "util/buf.h"

enum kind { K_LIT, K_ENV, K_FIELD };

enum op {
    OP_PLAIN,        /* ${VAR} */
    OP_DEF_EMPTY,    /* ${VAR:-word} */
    OP_DEF_UNSET,    /* ${VAR-word} */
    OP_ALT_NONEMPTY, /* ${VAR:+word} */
    OP_ALT_SET,      /* ${VAR+word} */
};

struct part;

struct seq {
    struct part *v;
    size_t n, cap;
};

struct part {
    enum kind kind;
    enum op op;
    char *text; /* literal bytes, variable name or field path; NUL-terminated; owned */
    size_t len;
    struct seq word; /* K_ENV with op != OP_PLAIN: the default or alternative */
    bool encode;     /* K_ENV: the value is percent-encoded (URL path or query) */
};

struct name {
    char *name;
    bool required;
};

struct ls_template {
    struct seq parts;
    struct name *names;
    size_t nnames;
    bool fields;
};

struct parser {
    const char *s;
    size_t pos;
    struct ls_template *t;
    char *err;
    size_t errlen;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void seq_free(struct seq *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->v[i].text);
        seq_free(&q->v[i].word);
    }
    free(q->v);
    *q = (struct seq){0};
}

/* Appends p to q; on success q owns p's allocations, on failure the caller still does. */
static int seq_push(struct seq *q, const struct part *p)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 4;
        struct part *v = realloc(q->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = *p;
    return 0;
}

static char *dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Adds literal bytes, extending the previous part when it is a literal too. */
static int add_lit(struct seq *q, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (q->n > 0 && q->v[q->n - 1].kind == K_LIT) {
        struct part *last = &q->v[q->n - 1];
        char *t = realloc(last->text, last->len + n + 1);
        if (t == NULL)
            return -1;
        memcpy(t + last->len, s, n);
        last->len += n;
        t[last->len] = '\0';
        last->text = t;
        return 0;
    }
    struct part p = {.kind = K_LIT, .len = n, .text = dup(s, n)};
    if (p.text == NULL || seq_push(q, &p) != 0) {
        free(p.text);
        return -1;
    }
    return 0;
}

static int oom(struct parser *p)
{
    seterr(p->err, p->errlen, "out of memory while compiling a template");
    return -1;
}

static int note_name(struct parser *p, const char *name, bool required)
{
    struct ls_template *t = p->t;
    for (size_t i = 0; i < t->nnames; i++) {
        if (strcmp(t->names[i].name, name) == 0) {
            t->names[i].required = t->names[i].required || required;
            return 0;
        }
    }
    struct name *v = realloc(t->names, (t->nnames + 1) * sizeof(*v));
    if (v == NULL)
        return oom(p);
    t->names = v;
    v[t->nnames].name = dup(name, strlen(name));
    if (v[t->nnames].name == NULL)
        return oom(p);
    v[t->nnames++].required = required;
    return 0;
}

static bool name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

static int parse_ref(struct parser *p, struct seq *q, int depth);

/*
 * The word after an operator: literal text and (at depth 0) nested references, up to the
 * closing '}'. `start` is the position of the enclosing "${" for error messages.
 */
static int parse_word(struct parser *p, struct seq *q, int depth, size_t start)
{
    for (;;) {
        const char *s = p->s + p->pos;
        size_t n = strcspn(s, "${}");
        if (add_lit(q, s, n) != 0)
            return oom(p);
        p->pos += n;
        char c = p->s[p->pos];
        if (c == '\0') {
            seterr(p->err, p->errlen, "unterminated ${ at position %zu", start + 1);
            return -1;
        }
        if (c == '}') {
            p->pos++;
            return 0;
        }
        if (c == '$' && p->s[p->pos + 1] == '{') {
            if (depth >= 1) {
                seterr(p->err, p->errlen,
                       "${ at position %zu: only one level of nested ${...} is supported",
                       p->pos + 1);
                return -1;
            }
            if (parse_ref(p, q, depth + 1) != 0)
                return -1;
            continue;
        }
        if (c == '{' && p->s[p->pos + 1] == '{') {
            seterr(p->err, p->errlen, "{{ at position %zu: fields are not allowed inside ${...}",
                   p->pos + 1);
            return -1;
        }
        if (add_lit(q, &p->s[p->pos], 1) != 0)
            return oom(p);
        p->pos++;
    }
}

/* At "${": parses one reference (and its word) and appends it to q. */
static int parse_ref(struct parser *p, struct seq *q, int depth)
{
    size_t start = p->pos;
    p->pos += 2;
    const char *name = p->s + p->pos;
    size_t n = 0;
    if (name_start(name[0]))
        while (name_char(name[n]))
            n++;
    if (n == 0) {
        if (name[0] == '}')
            seterr(p->err, p->errlen, "empty variable name in ${} at position %zu", start + 1);
        else if (name[0] == '\0')
            seterr(p->err, p->errlen, "unterminated ${ at position %zu", start + 1);
        else
            seterr(p->err, p->errlen, "bad variable name in ${ at position %zu", start + 1);
        return -1;
    }
    p->pos += n;
    static const struct {
        const char *tok;
        enum op op;
    } ops[] = {{"}", OP_PLAIN},
               {":-", OP_DEF_EMPTY},
               {":+", OP_ALT_NONEMPTY},
               {"-", OP_DEF_UNSET},
               {"+", OP_ALT_SET}};
    struct part part = {.kind = K_ENV, .op = OP_PLAIN};
    const char *o = p->s + p->pos;
    size_t olen = 0;
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]) && olen == 0; i++) {
        if (strncmp(o, ops[i].tok, strlen(ops[i].tok)) == 0) {
            part.op = ops[i].op;
            olen = strlen(ops[i].tok);
        }
    }
    if (olen == 0) {
        if (o[0] == '\0')
            seterr(p->err, p->errlen, "unterminated ${ at position %zu", start + 1);
        else
            seterr(p->err, p->errlen,
                   "${%.*s at position %zu: expected }, :-, -, :+ or + after the variable name",
                   (int)n, name, start + 1);
        return -1;
    }
    p->pos += olen;
    part.text = dup(name, n);
    if (part.text == NULL)
        return oom(p);
    part.len = n;
    if (note_name(p, part.text, depth == 0 && part.op == OP_PLAIN) != 0 ||
        (part.op != OP_PLAIN && parse_word(p, &part.word, depth, start) != 0)) {
        free(part.text);
        seq_free(&part.word);
        return -1;
    }
    if (seq_push(q, &part) != 0) {
        free(part.text);
        seq_free(&part.word);
        return oom(p);
    }
    return 0;
}

/* A dotted path: non-empty segments, no whitespace or braces. */
static bool path_ok(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '{' || c == '}')
            return false;
        if (c == '.' && s[i + 1] == '.')
            return false;
    }
    return true;
}

/* At "{{": parses a field placeholder up to "}}". */
static int parse_field(struct parser *p, struct seq *q)
{
    size_t start = p->pos;
    const char *b = p->s + p->pos + 2;
    const char *e = strstr(b, "}}");
    if (e == NULL) {
        seterr(p->err, p->errlen, "unterminated {{ at position %zu", start + 1);
        return -1;
    }
    p->pos = (size_t)(e - p->s) + 2;
    while (b < e && (*b == ' ' || *b == '\t'))
        b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    size_t n = (size_t)(e - b);
    if (!path_ok(b, n)) {
        seterr(p->err, p->errlen, "%s field path in {{ }} at position %zu",
               n == 0 ? "empty" : "bad", start + 1);
        return -1;
    }
    struct part part = {.kind = K_FIELD, .text = dup(b, n), .len = n};
    if (part.text == NULL || seq_push(q, &part) != 0) {
        free(part.text);
        return oom(p);
    }
    p->t->fields = true;
    return 0;
}

/*
 * URL templates: where does a reference land? The decision is made from the template's own
 * literal text before it, never from values, so a value holding `/` or `?` cannot change how
 * the values after it are written. A reference is in the path or query when that text, after
 * its `scheme://` (if any), already holds a `/`, `?` or `#`; before that point it is the
 * scheme, host or a whole base URL (`${HTTP_URL}`, `https://${HOST}`, `${BASE}/v1`).
 */
static bool past_authority(const char *lit)
{
    const char *s = strstr(lit, "://");
    return strpbrk(s ? s + 3 : lit, "/?#") != NULL;
}

/* Marks a reference, and the references nested in its word, whose values land in it. */
static void mark_encode(struct part *p)
{
    p->encode = true;
    for (size_t i = 0; i < p->word.n; i++)
        if (p->word.v[i].kind == K_ENV)
            mark_encode(&p->word.v[i]);
}

static int mark_url_refs(struct ls_template *t)
{
    struct ls_buf seen; /* the literal text so far */
    ls_buf_init(&seen, 0);
    for (size_t i = 0; i < t->parts.n; i++) {
        struct part *p = &t->parts.v[i];
        if (p->kind == K_LIT && ls_buf_append(&seen, p->text, p->len) != 0) {
            ls_buf_free(&seen);
            return -1;
        }
        if (p->kind == K_ENV && past_authority(seen.data ? seen.data : ""))
            mark_encode(p);
    }
    ls_buf_free(&seen);
    return 0;
}

static int compile(const char *text, bool url, struct ls_template **out, char *err, size_t errlen)
{
    if (text == NULL) {
        seterr(err, errlen, "no template text");
        return -1;
    }
    struct ls_template *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        seterr(err, errlen, "out of memory while compiling a template");
        return -1;
    }
    struct parser p = {.s = text, .t = t, .err = err, .errlen = errlen};
    for (;;) {
        /* Literal run up to the next "${" or "{{"; a lone '$' or '{' is literal. */
        size_t n = 0;
        for (const char *s = text + p.pos; s[n] != '\0'; n++)
            if ((s[n] == '$' || s[n] == '{') && s[n + 1] == '{')
                break;
        if (add_lit(&t->parts, text + p.pos, n) != 0) {
            oom(&p);
            goto fail;
        }
        p.pos += n;
        if (text[p.pos] == '\0')
            break;
        int rc = text[p.pos] == '$' ? parse_ref(&p, &t->parts, 0) : parse_field(&p, &t->parts);
        if (rc != 0)
            goto fail;
    }
    if (url && mark_url_refs(t) != 0) {
        oom(&p);
        goto fail;
    }
    *out = t;
    return 0;
fail:
    ls_template_destroy(t);
    return -1;
}

int ls_template_compile(const char *text, struct ls_template **out, char *err, size_t errlen)
{
    return compile(text, false, out, err, errlen);
}

int ls_template_compile_url(const char *text, struct ls_template **out, char *err, size_t errlen)
{
    return compile(text, true, out, err, errlen);
}

void ls_template_destroy(struct ls_template *t)
{
    if (t == NULL)
        return;
    seq_free(&t->parts);
    for (size_t i = 0; i < t->nnames; i++)
        free(t->names[i].name);
    free(t->names);
    free(t);
}

int ls_template_env_names(const struct ls_template *t,
                          void (*fn)(const char *name, bool required, void *ctx), void *ctx)
{
    if (t == NULL)
        return 0;
    for (size_t i = 0; fn != NULL && i < t->nnames; i++)
        fn(t->names[i].name, t->names[i].required, ctx);
    return (int)t->nnames;
}

bool ls_template_has_fields(const struct ls_template *t)
{
    return t != NULL && t->fields;
}

struct rctx {
    const struct ls_env *env;
    ls_field_fn field;
    void *field_ctx;
    struct ls_buf *out;
    char *err;
    size_t errlen;
};

static int render_seq(struct rctx *r, const struct seq *q);

static int append(struct rctx *r, const char *s, size_t n)
{
    if (ls_buf_append(r->out, s, n) != 0) {
        seterr(r->err, r->errlen, "rendered template exceeds the size limit or memory ran out");
        return -1;
    }
    return 0;
}

/* A variable's value: as it is, or percent-encoded where a URL template puts it in the path
   or query. */
static int put_value(struct rctx *r, const struct part *p, const char *v)
{
    if (!p->encode)
        return append(r, v, strlen(v));
    if (ls_buf_put_pct(r->out, v, strlen(v)) != 0) {
        seterr(r->err, r->errlen, "rendered template exceeds the size limit or memory ran out");
        return -1;
    }
    return 0;
}

static int render_ref(struct rctx *r, const struct part *p)
{
    if (r->env == NULL) {
        seterr(r->err, r->errlen, "%s: template not bound to an environment", p->text);
        return -1;
    }
    const char *v = ls_env_get(r->env, p->text);
    bool set = v != NULL, full = set && *v != '\0';
    switch (p->op) {
    case OP_PLAIN:
        if (!set) {
            seterr(r->err, r->errlen, "%s is not set", p->text);
            return -1;
        }
        return put_value(r, p, v);
    case OP_DEF_EMPTY:
        return full ? put_value(r, p, v) : render_seq(r, &p->word);
    case OP_DEF_UNSET:
        return set ? put_value(r, p, v) : render_seq(r, &p->word);
    case OP_ALT_NONEMPTY:
        return full ? render_seq(r, &p->word) : 0;
    case OP_ALT_SET:
        return set ? render_seq(r, &p->word) : 0;
    }
    return -1;
}

static int render_field(struct rctx *r, const struct part *p)
{
    if (r->field == NULL) {
        seterr(r->err, r->errlen, "{{ %s }}: fields are not allowed here", p->text);
        return -1;
    }
    int rc = r->field(p->text, r->out, r->field_ctx);
    if (rc == 0)
        return 0;
    if (rc == -1)
        seterr(r->err, r->errlen, "field %s is missing", p->text);
    else
        seterr(r->err, r->errlen, "field %s could not be rendered (size limit or memory)", p->text);
    return -1;
}

static int render_seq(struct rctx *r, const struct seq *q)
{
    for (size_t i = 0; i < q->n; i++) {
        const struct part *p = &q->v[i];
        int rc = p->kind == K_LIT   ? append(r, p->text, p->len)
                 : p->kind == K_ENV ? render_ref(r, p)
                                    : render_field(r, p);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int ls_template_render(const struct ls_template *t, const struct ls_env *env, ls_field_fn field,
                       void *field_ctx, struct ls_buf *out, char *err, size_t errlen)
{
    if (t == NULL || out == NULL) {
        seterr(err, errlen, "no template");
        return -1;
    }
    struct rctx r = {env, field, field_ctx, out, err, errlen};
    size_t mark = out->len;
    if (render_seq(&r, &t->parts) == 0)
        return 0;
    /* Drop partial output, including whatever a failing field callback appended. */
    out->len = mark;
    if (out->data != NULL)
        out->data[mark] = '\0';
    return -1;
}

int ls_template_bind(struct ls_template *t, const struct ls_env *env, char *err, size_t errlen)
{
    if (t == NULL) {
        seterr(err, errlen, "no template");
        return -1;
    }
    struct seq nq = {0};
    struct ls_buf tmp;
    ls_buf_init(&tmp, 0);
    struct rctx r = {env, NULL, NULL, &tmp, err, errlen};
    for (size_t i = 0; i < t->parts.n; i++) {
        const struct part *p = &t->parts.v[i];
        int rc = 0;
        if (p->kind == K_LIT) {
            rc = add_lit(&nq, p->text, p->len);
        } else if (p->kind == K_ENV) {
            ls_buf_reset(&tmp);
            if (render_ref(&r, p) != 0)
                goto fail;
            rc = add_lit(&nq, tmp.data != NULL ? tmp.data : "", tmp.len);
        } else {
            struct part f = {.kind = K_FIELD, .text = dup(p->text, p->len), .len = p->len};
            rc = f.text == NULL || seq_push(&nq, &f) != 0 ? -1 : 0;
            if (rc != 0)
                free(f.text);
        }
        if (rc != 0) {
            seterr(err, errlen, "out of memory while binding a template");
            goto fail;
        }
    }
    ls_buf_free(&tmp);
    seq_free(&t->parts);
    t->parts = nq;
    return 0;
fail:
    ls_buf_free(&tmp);
    seq_free(&nq);
    return -1;
}
