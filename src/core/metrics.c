/*
 * The metrics registry behind GET /metrics; see metrics.h. Families (one per metric name)
 * and their series live in two singly linked lists kept in registration order, so the
 * exposition is stable and golden-testable. Series are allocated one by one and never
 * move, which is what lets callers keep the returned pointers and update them lock-free.
 * The list is short (tens to a few hundred series) and only searched at registration.
 */
#include "core/metrics.h"

#include "util/buf.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum mtype { MT_COUNTER, MT_GAUGE };

struct series {
    struct series *next;
    char *labels; /* "" when none */
    struct ls_counter counter;
    struct ls_gauge gauge;
    ls_gauge_fn fn; /* non-NULL: computed gauge */
    void *ctx;
};

struct family {
    struct family *next;
    char *name;
    char *help; /* NULL until a registration gives one */
    enum mtype type;
    struct series *head, *tail;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct family *fam_head, *fam_tail;

static int valid_name(const char *s)
{
    if (!s || !*s)
        return 0;
    for (const char *p = s; *p; p++) {
        int alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || *p == ':';
        int digit = *p >= '0' && *p <= '9';
        if (!alpha && !(digit && p != s))
            return 0;
    }
    return 1;
}

static struct family *find_family(const char *name)
{
    for (struct family *f = fam_head; f; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static struct series *find_series(struct family *f, const char *labels)
{
    for (struct series *s = f->head; s; s = s->next)
        if (strcmp(s->labels, labels) == 0)
            return s;
    return NULL;
}

/* Returns the family for name, creating it at the end of the list; NULL on out-of-memory
 * or when the name is taken by the other type. Caller holds the lock. */
static struct family *get_family(const char *name, const char *help, enum mtype type)
{
    struct family *f = find_family(name);
    if (f) {
        if (f->type != type)
            return NULL;
    } else {
        f = calloc(1, sizeof(*f));
        if (!f || !(f->name = strdup(name))) {
            free(f);
            return NULL;
        }
        f->type = type;
        if (fam_tail)
            fam_tail->next = f;
        else
            fam_head = f;
        fam_tail = f;
    }
    /* A missing help is not fatal: the family just renders without its # HELP line. */
    if (!f->help && help && *help)
        f->help = strdup(help);
    return f;
}

static struct series *add_series(struct family *f, const char *labels)
{
    struct series *s = calloc(1, sizeof(*s));
    if (!s || !(s->labels = strdup(labels))) {
        free(s);
        return NULL;
    }
    atomic_init(&s->counter.v, 0);
    atomic_init(&s->gauge.v, 0);
    if (f->tail)
        f->tail->next = s;
    else
        f->head = s;
    f->tail = s;
    return s;
}

/* Finds or creates name{labels}; *created tells the caller whether the series is new. */
static struct series *lookup(const char *name, const char *labels, const char *help,
                             enum mtype type, int *created)
{
    *created = 0;
    if (!valid_name(name))
        return NULL;
    if (!labels)
        labels = "";
    struct family *f = get_family(name, help, type);
    if (!f)
        return NULL;
    struct series *s = find_series(f, labels);
    if (s)
        return s;
    s = add_series(f, labels);
    *created = s != NULL;
    return s;
}

struct ls_counter *ls_metrics_counter(const char *name, const char *labels, const char *help)
{
    int created;
    pthread_mutex_lock(&lock);
    struct series *s = lookup(name, labels, help, MT_COUNTER, &created);
    pthread_mutex_unlock(&lock);
    return s ? &s->counter : NULL;
}

struct ls_gauge *ls_metrics_gauge(const char *name, const char *labels, const char *help)
{
    int created;
    pthread_mutex_lock(&lock);
    struct series *s = lookup(name, labels, help, MT_GAUGE, &created);
    /* A computed gauge has no storage to hand out. */
    if (s && s->fn)
        s = NULL;
    pthread_mutex_unlock(&lock);
    return s ? &s->gauge : NULL;
}

int ls_metrics_gauge_fn(const char *name, const char *labels, const char *help, ls_gauge_fn fn,
                        void *ctx)
{
    int created, rc = -1;
    if (!fn)
        return -1;
    pthread_mutex_lock(&lock);
    struct series *s = lookup(name, labels, help, MT_GAUGE, &created);
    /* An existing stored gauge may already be in use by someone holding its pointer. */
    if (s && (created || s->fn)) {
        s->fn = fn;
        s->ctx = ctx;
        rc = 0;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

/* HELP text escaping per format 0.0.4: only backslash and line feed. */
static int put_help(struct ls_buf *out, const char *help)
{
    for (const char *p = help; *p; p++) {
        int rc;
        if (*p == '\\')
            rc = ls_buf_puts(out, "\\\\");
        else if (*p == '\n')
            rc = ls_buf_puts(out, "\\n");
        else
            rc = ls_buf_putc(out, *p);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int render_family(struct ls_buf *out, const struct family *f)
{
    if (f->help) {
        if (ls_buf_printf(out, "# HELP %s ", f->name) != 0 || put_help(out, f->help) != 0 ||
            ls_buf_putc(out, '\n') != 0)
            return -1;
    }
    if (ls_buf_printf(out, "# TYPE %s %s\n", f->name,
                      f->type == MT_COUNTER ? "counter" : "gauge") != 0)
        return -1;
    for (const struct series *s = f->head; s; s = s->next) {
        int rc = ls_buf_puts(out, f->name);
        if (rc == 0 && s->labels[0])
            rc = ls_buf_printf(out, "{%s}", s->labels);
        if (rc != 0)
            return -1;
        if (f->type == MT_COUNTER)
            rc = ls_buf_printf(out, " %" PRIu64 "\n", ls_counter_get(&s->counter));
        else
            rc = ls_buf_printf(out, " %" PRId64 "\n",
                               s->fn ? s->fn(s->ctx) : ls_gauge_get(&s->gauge));
        if (rc != 0)
            return -1;
    }
    return 0;
}

int ls_metrics_render(struct ls_buf *out)
{
    int rc = 0;
    pthread_mutex_lock(&lock);
    for (const struct family *f = fam_head; f && rc == 0; f = f->next)
        rc = render_family(out, f);
    pthread_mutex_unlock(&lock);
    return rc;
}

void ls_metrics_reset(void)
{
    pthread_mutex_lock(&lock);
    struct family *f = fam_head;
    while (f) {
        struct family *fnext = f->next;
        struct series *s = f->head;
        while (s) {
            struct series *snext = s->next;
            free(s->labels);
            free(s);
            s = snext;
        }
        free(f->name);
        free(f->help);
        free(f);
        f = fnext;
    }
    fam_head = fam_tail = NULL;
    pthread_mutex_unlock(&lock);
}

int ls_metrics_label_escape(struct ls_buf *out, const char *value)
{
    const char *run = value;
    for (const char *p = value;; p++) {
        const char *rep = NULL;
        if (*p == '\\')
            rep = "\\\\";
        else if (*p == '"')
            rep = "\\\"";
        else if (*p == '\n')
            rep = "\\n";
        else if (*p != '\0')
            continue;
        /* Copy the unescaped run in one append rather than byte by byte. */
        if (ls_buf_append(out, run, (size_t)(p - run)) != 0)
            return -1;
        if (!rep)
            return 0;
        if (ls_buf_puts(out, rep) != 0)
            return -1;
        run = p + 1;
    }
}
