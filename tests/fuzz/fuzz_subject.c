/*
 * libFuzzer target over route/subject. The input is "filter\nsubject"; the in-place,
 * allocation-free implementation is compared with a straightforward reference that splits
 * both strings into token arrays, and a few algebraic properties are checked (a valid subject
 * matches itself and ">"; a match implies both sides are valid).
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -fsanitize=fuzzer,address,undefined -Isrc
 *        tests/fuzz/fuzz_subject.c src/route/subject.c
 * Seeds: tests/fuzz/corpus/subject/
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route/subject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tok {
    const char *p;
    size_t n;
};

/* Splits on '.', keeping empty tokens; returns the count or 0 when memory runs out. */
static size_t split(const char *s, struct tok **out)
{
    size_t n = 1;
    for (const char *c = s; *c; c++)
        n += *c == '.';
    struct tok *v = malloc(n * sizeof(*v));
    if (v == NULL)
        return 0;
    size_t i = 0;
    const char *start = s;
    for (const char *c = s;; c++) {
        if (*c == '.' || *c == '\0') {
            v[i].p = start;
            v[i].n = (size_t)(c - start);
            i++;
            start = c + 1;
        }
        if (*c == '\0')
            break;
    }
    *out = v;
    return n;
}

static bool is(const struct tok *t, const char *s)
{
    return t->n == strlen(s) && memcmp(t->p, s, t->n) == 0;
}

static bool ref_valid(const struct tok *v, size_t n, bool literal)
{
    if (n == 1 && v[0].n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i].n == 0 || (is(&v[i], ">") && i + 1 != n))
            return false;
        if (literal && (is(&v[i], ">") || is(&v[i], "*")))
            return false;
        for (size_t j = 0; j < v[i].n; j++)
            if (strchr(" \t\n\r\f", v[i].p[j]) != NULL)
                return false;
    }
    return true;
}

static bool ref_match(const struct tok *f, size_t nf, const struct tok *s, size_t ns)
{
    for (size_t i = 0; i < nf; i++) {
        if (is(&f[i], ">"))
            return ns > i;
        if (i >= ns)
            return false;
        if (!is(&f[i], "*") && (f[i].n != s[i].n || memcmp(f[i].p, s[i].p, f[i].n) != 0))
            return false;
    }
    return nf == ns;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *filter = buf, *subject = strchr(buf, '\n');
    if (subject != NULL)
        *subject++ = '\0';
    else
        subject = buf;

    struct tok *fv = NULL, *sv = NULL;
    size_t nf = split(filter, &fv), ns = split(subject, &sv);
    if (nf == 0 || ns == 0)
        goto out;
    bool fvalid = ref_valid(fv, nf, false), svalid = ref_valid(sv, ns, true);
    if (ls_subject_filter_valid(filter) != fvalid || ls_subject_valid(subject) != svalid)
        __builtin_trap();
    bool want = fvalid && svalid && ref_match(fv, nf, sv, ns);
    bool got = ls_subject_match(filter, subject);
    if (got != want)
        __builtin_trap();
    if (svalid && (!ls_subject_match(subject, subject) || !ls_subject_match(">", subject)))
        __builtin_trap();
out:
    free(fv);
    free(sv);
    free(buf);
    return 0;
}
