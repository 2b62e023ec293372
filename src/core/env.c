/*
 * Environment snapshot and typed readers (see env.h). The snapshot is one block of copied
 * strings plus an array of (name, value) pairs sorted by name, so lookups are a binary search
 * and prefix iteration comes out in a stable order. Used at start-up by the configuration
 * layer and by `--check`; nothing here logs.
 */
#include "core/env.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct ls_env_var {
    const char *name;
    const char *value;
    size_t order; /* position in the source list: the first of two equal names wins */
};

struct ls_env {
    size_t n;
    struct ls_env_var *vars;
    char *strings;
};

/* Longest value quoted in an error message; longer values are cut with "...". */
#define LS_ENV_QUOTE_MAX 48

static int cmp_var(const void *a, const void *b)
{
    const struct ls_env_var *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool usable(const char *pair)
{
    const char *eq = strchr(pair, '=');
    return eq != NULL && eq != pair;
}

static struct ls_env *build(const char *const *pairs)
{
    struct ls_env *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    size_t count = 0, bytes = 0;
    for (size_t i = 0; pairs != NULL && pairs[i] != NULL; i++) {
        if (!usable(pairs[i]))
            continue;
        count++;
        bytes += strlen(pairs[i]) + 1;
    }
    if (count == 0)
        return e;
    e->vars = calloc(count, sizeof(*e->vars));
    e->strings = malloc(bytes);
    if (e->vars == NULL || e->strings == NULL) {
        ls_env_destroy(e);
        return NULL;
    }
    char *p = e->strings;
    for (size_t i = 0; pairs[i] != NULL; i++) {
        if (!usable(pairs[i]))
            continue;
        size_t len = strlen(pairs[i]);
        memcpy(p, pairs[i], len + 1);
        char *eq = strchr(p, '=');
        *eq = '\0';
        e->vars[e->n] = (struct ls_env_var){.name = p, .value = eq + 1, .order = e->n};
        e->n++;
        p += len + 1;
    }
    qsort(e->vars, e->n, sizeof(*e->vars), cmp_var);
    /* Drop later duplicates; after the sort the first occurrence leads each run. */
    size_t w = 0;
    for (size_t r = 0; r < e->n; r++) {
        if (w > 0 && strcmp(e->vars[w - 1].name, e->vars[r].name) == 0)
            continue;
        e->vars[w++] = e->vars[r];
    }
    e->n = w;
    return e;
}

struct ls_env *ls_env_from_environ(void)
{
    return build((const char *const *)environ);
}

struct ls_env *ls_env_from_list(const char *const *pairs)
{
    return build(pairs);
}

void ls_env_destroy(struct ls_env *e)
{
    if (e == NULL)
        return;
    free(e->vars);
    free(e->strings);
    free(e);
}

const char *ls_env_get(const struct ls_env *e, const char *name)
{
    if (e == NULL || name == NULL)
        return NULL;
    size_t lo = 0, hi = e->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(e->vars[mid].name, name);
        if (c == 0)
            return e->vars[mid].value;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void ls_env_each_prefix(const struct ls_env *e, const char *prefix,
                        void (*fn)(const char *name, const char *value, void *ctx), void *ctx)
{
    if (e == NULL || fn == NULL)
        return;
    size_t plen = prefix != NULL ? strlen(prefix) : 0;
    for (size_t i = 0; i < e->n; i++) {
        if (plen == 0 || strncmp(e->vars[i].name, prefix, plen) == 0)
            fn(e->vars[i].name, e->vars[i].value, ctx);
    }
}

bool ls_env_is_secret(const char *name)
{
    static const char *const words[] = {"KEY",    "TOKEN",   "PASSWORD",    "PASS",
                                        "SECRET", "AUTH",    "CREDENTIALS", "CREDS",
                                        "APIKEY", "WEBHOOK", "LICENSE",     "DSN"};
    if (name == NULL)
        return false;
    const char *w = name;
    for (;;) {
        size_t n = strcspn(w, "_");
        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
            if (n == strlen(words[i]) && strncasecmp(w, words[i], n) == 0)
                return true;
        if (w[n] == '\0')
            return false;
        w += n + 1;
    }
}

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

/*
 * The value as it appears in messages: quoted, control bytes and quotes escaped and cut at
 * LS_ENV_QUOTE_MAX bytes, or the words "the value" when the name looks secret. Every reader
 * goes through this one function, so no message can leak a secret by accident.
 */
static const char *quote(const char *name, const char *value, char *buf, size_t cap)
{
    if (ls_env_is_secret(name)) {
        snprintf(buf, cap, "the value");
        return buf;
    }
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; value[i] != '\0' && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)value[i];
        if (i == LS_ENV_QUOTE_MAX) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
            if (c == '"' || c == '\\') {
                buf[o++] = '\\';
                buf[o++] = (char)c;
            } else {
                o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
            }
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* Sized to hold LS_ENV_QUOTE_MAX bytes each escaped to \xNN, plus quotes and "...". */
#define LS_ENV_QBUF (LS_ENV_QUOTE_MAX * 4 + 16)

/* Reads decimal digits into *out; returns the number of digits, or -1 on overflow. */
static int digits(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        unsigned d = (unsigned)(s[n] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
        n++;
    }
    *out = v;
    return n;
}

static bool mul_ok(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b != 0 && a > UINT64_MAX / b)
        return false;
    *out = a * b;
    return true;
}

int ls_env_bool(const struct ls_env *e, const char *name, bool def, bool *out, char *err,
                size_t errlen)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    const char *v = ls_env_get(e, name);
    *out = def;
    if (v == NULL || *v == '\0')
        return 0;
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    char q[LS_ENV_QBUF];
    seterr(err, errlen, "%s: %s is not a boolean (use true/false, yes/no, on/off or 1/0)", name,
           quote(name, v, q, sizeof(q)));
    return -1;
}

int ls_env_uint(const struct ls_env *e, const char *name, uint64_t def, uint64_t min, uint64_t max,
                uint64_t *out, char *err, size_t errlen)
{
    const char *v = ls_env_get(e, name);
    char q[LS_ENV_QBUF];
    uint64_t n;
    *out = def;
    if (v == NULL || *v == '\0')
        return 0;
    int nd = digits(v, &n);
    if (nd > 0 && v[nd] == '\0' && n >= min && n <= max) {
        *out = n;
        return 0;
    }
    if (nd == 0 || (nd > 0 && v[nd] != '\0'))
        seterr(err, errlen, "%s: %s is not a whole number", name, quote(name, v, q, sizeof(q)));
    else
        seterr(err, errlen, "%s: %s is out of range (%llu to %llu)", name,
               quote(name, v, q, sizeof(q)), (unsigned long long)min, (unsigned long long)max);
    return -1;
}

int ls_env_duration_ms(const struct ls_env *e, const char *name, uint64_t def_ms, uint64_t *out,
                       char *err, size_t errlen)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"", 1000}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    const char *v = ls_env_get(e, name);
    char q[LS_ENV_QBUF];
    uint64_t n;
    *out = def_ms;
    if (v == NULL || *v == '\0')
        return 0;
    int nd = digits(v, &n);
    if (nd > 0) {
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strcasecmp(v + nd, units[i].unit) != 0)
                continue;
            if (mul_ok(n, units[i].ms, out))
                return 0;
            *out = def_ms;
            seterr(err, errlen, "%s: %s is too long a duration", name,
                   quote(name, v, q, sizeof(q)));
            return -1;
        }
    }
    seterr(err, errlen,
           "%s: %s is not a duration (use e.g. 250ms, 10s, 5m, 1h; a bare number is seconds)", name,
           quote(name, v, q, sizeof(q)));
    return -1;
}

int ls_env_size(const struct ls_env *e, const char *name, uint64_t def, uint64_t *out, char *err,
                size_t errlen)
{
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {
        {"", 1},
        {"b", 1},
        {"kb", 1000},
        {"mb", 1000000},
        {"gb", 1000000000},
        {"tb", 1000000000000ull},
        {"kib", 1ull << 10},
        {"mib", 1ull << 20},
        {"gib", 1ull << 30},
        {"tib", 1ull << 40},
    };
    const char *v = ls_env_get(e, name);
    char q[LS_ENV_QBUF];
    uint64_t n;
    *out = def;
    if (v == NULL || *v == '\0')
        return 0;
    int nd = digits(v, &n);
    if (nd > 0) {
        const char *u = v + nd;
        if (*u == ' ' && u[1] != '\0')
            u++;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strcasecmp(u, units[i].unit) != 0)
                continue;
            if (mul_ok(n, units[i].mult, out))
                return 0;
            *out = def;
            seterr(err, errlen, "%s: %s is too large", name, quote(name, v, q, sizeof(q)));
            return -1;
        }
    }
    seterr(err, errlen, "%s: %s is not a size (use e.g. 1048576, 512KiB, 8MiB)", name,
           quote(name, v, q, sizeof(q)));
    return -1;
}

int ls_env_enum(const struct ls_env *e, const char *name, const char *const *choices, int def,
                int *out, char *err, size_t errlen)
{
    const char *v = ls_env_get(e, name);
    *out = def;
    if (v == NULL || *v == '\0')
        return 0;
    for (int i = 0; choices != NULL && choices[i] != NULL; i++) {
        if (strcasecmp(v, choices[i]) == 0) {
            *out = i;
            return 0;
        }
    }
    if (err == NULL || errlen == 0)
        return -1;
    char q[LS_ENV_QBUF];
    int w = snprintf(err, errlen, "%s: %s is not one of:", name, quote(name, v, q, sizeof(q)));
    for (int i = 0; choices != NULL && choices[i] != NULL && w >= 0 && (size_t)w < errlen; i++)
        w += snprintf(err + w, errlen - (size_t)w, "%s %s", i ? "," : "", choices[i]);
    return -1;
}

int ls_env_check_header_value(const char *name, const char *value, char *err, size_t errlen)
{
    if (value == NULL)
        return 0;
    bool ctl = false;
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n') {
            seterr(err, errlen,
                   "%s: the value contains a line break (not allowed in HTTP headers or URLs)",
                   name);
            return -1;
        }
        if (*p < 0x20 || *p == 0x7f)
            ctl = true;
    }
    if (ctl) {
        seterr(err, errlen,
               "%s: the value contains a control character (not allowed in HTTP headers or URLs)",
               name);
        return -1;
    }
    return 0;
}
