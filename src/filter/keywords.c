/*
 * The SLACK_ALERT_KEYWORDS list parser and matcher (see keywords.h). The parser is a small
 * hand-written scanner over the VRL array-of-regex-literals subset; each element is compiled
 * with PCRE2 on its own, so an error names the one pattern at fault.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filter/keywords.h"
#include "util/buf.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Backtracking budget per pattern and record: generous for real patterns, bounded for
   pathological ones such as (a+)+$ against a long run of a's. */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000

struct ls_keywords {
    size_t n;
    char **src;
    pcre2_code **re;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
};

void ls_keywords_destroy(struct ls_keywords *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++) {
        free(k->src[i]);
        pcre2_code_free(k->re[i]);
    }
    free(k->src);
    free(k->re);
    pcre2_match_data_free(k->md);
    pcre2_match_context_free(k->mctx);
    free(k);
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* A printable picture of the character at p, for error messages. */
static void show_char(const char *p, char *out, size_t cap)
{
    unsigned char c = (unsigned char)*p;
    if (!c)
        snprintf(out, cap, "the end");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(out, cap, "'%c'", c);
    else
        snprintf(out, cap, "byte 0x%02x", c);
}

static int add_pattern(struct ls_keywords *k, struct ls_buf *src, char *err, size_t errlen)
{
    char **ns = realloc(k->src, (k->n + 1) * sizeof(*ns));
    if (ns)
        k->src = ns;
    pcre2_code **nr = ns ? realloc(k->re, (k->n + 1) * sizeof(*nr)) : NULL;
    if (nr)
        k->re = nr;
    char *text = nr ? ls_buf_steal(src, NULL) : NULL;
    if (nr && !text)
        text = strdup("");
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int code;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_MATCH_INVALID_UTF;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)text, strlen(text), opts, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            snprintf((char *)msg, sizeof(msg), "invalid pattern");
        snprintf(err, errlen, "pattern %zu r'%.200s': %s at offset %zu", k->n + 1, text,
                 (const char *)msg, (size_t)off);
        free(text);
        return -1;
    }
    k->src[k->n] = text;
    k->re[k->n] = re;
    k->n++;
    return 0;
}

/* Reads one r'...' element starting at *pp; on success *pp points past the closing quote. */
static int element(struct ls_keywords *k, const char *list, const char **pp, char *err,
                   size_t errlen)
{
    const char *p = *pp;
    char what[32];
    if (p[0] != 'r' || p[1] != '\'') {
        show_char(p, what, sizeof(what));
        snprintf(err, errlen,
                 "expected a regex literal r'...' at offset %zu, found %s (write SIGTERM as "
                 "r'SIGTERM')",
                 (size_t)(p - list), what);
        return -1;
    }
    const char *start = p;
    p += 2;
    struct ls_buf src;
    ls_buf_init(&src, 0);
    for (;;) {
        if (*p == '\0') {
            ls_buf_free(&src);
            snprintf(err, errlen, "pattern %zu starting at offset %zu has no closing quote",
                     k->n + 1, (size_t)(start - list));
            return -1;
        }
        if (*p == '\'')
            break;
        int rc;
        if (p[0] == '\\' && p[1] == '\'') {
            rc = ls_buf_putc(&src, '\'');
            p += 2;
        } else if (p[0] == '\\' && p[1] != '\0') {
            rc = ls_buf_append(&src, p, 2);
            p += 2;
        } else {
            rc = ls_buf_putc(&src, *p++);
        }
        if (rc != 0) {
            ls_buf_free(&src);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    int rc = add_pattern(k, &src, err, errlen);
    ls_buf_free(&src);
    *pp = p + 1;
    return rc;
}

static int parse(struct ls_keywords *k, const char *list, char *err, size_t errlen)
{
    char what[32];
    const char *p = skip_ws(list);
    if (*p != '[') {
        show_char(p, what, sizeof(what));
        snprintf(err, errlen,
                 "expected a list such as [r'SIGTERM', r'reboot'] but found %s at offset %zu", what,
                 (size_t)(p - list));
        return -1;
    }
    p = skip_ws(p + 1);
    while (*p != ']') {
        if (element(k, list, &p, err, errlen) != 0)
            return -1;
        p = skip_ws(p);
        if (*p == ',') {
            p = skip_ws(p + 1);
        } else if (*p != ']') {
            show_char(p, what, sizeof(what));
            snprintf(err, errlen, "expected ',' or ']' at offset %zu, found %s", (size_t)(p - list),
                     what);
            return -1;
        }
    }
    p = skip_ws(p + 1);
    if (*p) {
        show_char(p, what, sizeof(what));
        snprintf(err, errlen, "unexpected %s at offset %zu after the closing ']'", what,
                 (size_t)(p - list));
        return -1;
    }
    return 0;
}

int ls_keywords_compile(const char *list, struct ls_keywords **out, char *err, size_t errlen)
{
    *out = NULL;
    struct ls_keywords *k = calloc(1, sizeof(*k));
    if (!k) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (parse(k, list ? list : "", err, errlen) != 0) {
        ls_keywords_destroy(k);
        return -1;
    }
    k->md = pcre2_match_data_create(1, NULL);
    k->mctx = pcre2_match_context_create(NULL);
    if (!k->md || !k->mctx) {
        ls_keywords_destroy(k);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pcre2_set_match_limit(k->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(k->mctx, DEPTH_LIMIT);
    *out = k;
    return 0;
}

bool ls_keywords_match(struct ls_keywords *k, const char *s, size_t n)
{
    for (size_t i = 0; i < k->n; i++)
        if (pcre2_match(k->re[i], (PCRE2_SPTR)s, n, 0, 0, k->md, k->mctx) >= 0)
            return true;
    return false;
}

size_t ls_keywords_count(const struct ls_keywords *k)
{
    return k->n;
}

const char *ls_keywords_pattern(const struct ls_keywords *k, size_t i)
{
    return i < k->n ? k->src[i] : NULL;
}
