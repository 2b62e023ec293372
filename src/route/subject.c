/*
 * NATS subject validation and wildcard matching (see subject.h for the rules). Both strings
 * are walked token by token in place: no allocation and no recursion, so a subject of any
 * length costs one linear pass. Runs on the intake thread for every record and every sink.
 */
#include "route/subject.h"

#include <stddef.h>
#include <string.h>

/* nats-server rejects exactly these bytes inside a token (sublist.go isValidSubject). */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Length of the token starting at s (up to the next '.' or the end). */
static size_t toklen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0' && s[n] != '.')
        n++;
    return n;
}

static bool tok_is(const char *s, size_t n, char c)
{
    return n == 1 && s[0] == c;
}

/*
 * Shared validator: every token non-empty and free of whitespace, nothing after `>`, and when
 * `literal` is set no wildcard token at all.
 */
static bool check(const char *s, bool literal)
{
    if (s == NULL || *s == '\0')
        return false;
    for (;;) {
        size_t n = toklen(s);
        if (n == 0)
            return false;
        for (size_t i = 0; i < n; i++)
            if (is_space(s[i]))
                return false;
        bool fwc = tok_is(s, n, '>');
        if (literal && (fwc || tok_is(s, n, '*')))
            return false;
        if (s[n] == '\0')
            return true;
        if (fwc)
            return false; /* `>` must be the last token */
        s += n + 1;
    }
}

bool ls_subject_filter_valid(const char *filter)
{
    return check(filter, false);
}

bool ls_subject_valid(const char *subject)
{
    return check(subject, true);
}

bool ls_subject_match(const char *filter, const char *subject)
{
    if (!check(filter, false) || !check(subject, true))
        return false;
    const char *f = filter, *s = subject;
    for (;;) {
        size_t fn = toklen(f), sn = toklen(s);
        /* Both strings are valid, so s has at least one token here: `>` is satisfied. */
        if (tok_is(f, fn, '>'))
            return true;
        if (!tok_is(f, fn, '*') && (fn != sn || memcmp(f, s, fn) != 0))
            return false;
        bool fend = f[fn] == '\0', send = s[sn] == '\0';
        if (fend || send)
            return fend && send;
        f += fn + 1;
        s += sn + 1;
    }
}
