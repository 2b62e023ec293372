/*
 * The built-in sinks as a table, and the generic code that reads it: a sink is on when its
 * switch variable is set and non-empty; its LOGSHIP_<SINK>_* knobs override the row's
 * defaults; a problem turns off only that sink.
 */
#include "sink/registry.h"
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "core/log.h"
#include "core/mask.h"
#include "core/problems.h"
#include "preset/preset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sink_row {
    const char *name;
    const char *env_name; /* LOGSHIP_<env_name>_* */
    const char *switch_var;
    int switch_is_bool; /* on only when the variable is a true boolean */
    const struct ls_sink_kind *kind;
    size_t batch_max_events;
    size_t batch_max_bytes;
    uint64_t batch_timeout_ms;
};

/* Local sinks, not providers (those are rows of preset/presets.c). */
static const struct sink_row rows[] = {
    {"console", "CONSOLE", "LOGSHIP_CONSOLE", 0, &ls_kind_console, 1000, 1 << 20, 100},
    {"file", "FILE", "LOGSHIP_FILE_DIR", 0, &ls_kind_file, 1000, 1 << 20, 200},
    {"blackhole", "BLACKHOLE", "LOGSHIP_BLACKHOLE", 1, &ls_kind_blackhole, 10000, 1 << 20, 100},
};

static int push(struct ls_sink_list *l, struct ls_sink *s)
{
    struct ls_sink **v = realloc(l->v, (l->n + 1) * sizeof(*v));
    if (!v)
        return -1;
    l->v = v;
    l->v[l->n++] = s;
    return 0;
}

static int row_on(const struct sink_row *r, const struct ls_env *env, struct ls_problems *p)
{
    const char *v = ls_env_get(env, r->switch_var);
    if (!v || !*v)
        return 0;
    if (!r->switch_is_bool)
        return 1;
    bool on = false;
    char err[256];
    if (ls_env_bool(env, r->switch_var, false, &on, err, sizeof(err)) != 0) {
        ls_problems_add(p, "%s", err);
        return -1;
    }
    return on;
}

/* Creates, defaults and configures one sink; false when it has problems (then destroyed). */
static int add_sink(struct ls_sink_list *out, struct ls_sink *s, const struct ls_env *env,
                    struct ls_problems *problems, struct ls_problems *broken)
{
    struct ls_problems p;
    ls_problems_init(&p);
    ls_sink_configure(s, env, &p);
    if (p.n) {
        ls_problems_add(broken, "%s", s->name);
        ls_problems_take(problems, &p);
        ls_sink_destroy(s);
        return 0;
    }
    if (push(out, s) != 0) {
        ls_sink_destroy(s);
        return -1;
    }
    return 0;
}

/* True when another row declares the variable too (AWS_REGION serves S3 and CloudWatch). */
static bool shared_var(const struct ls_preset *row, const char *name)
{
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++)
        for (const struct ls_preset_var *v = p->vars; p != row && v->name; v++)
            if (strcmp(v->name, name) == 0)
                return true;
    return false;
}

/* A provider that is off although one of its own optional variables is set was most likely
   meant to be on: say so, naming what is missing (a warning: the provider stays off). */
static void warn_if_half_set(const struct ls_preset *row, const struct ls_env *env)
{
    const char *set = NULL, *missing = NULL;
    for (const struct ls_preset_var *v = row->vars; v->name; v++) {
        bool trigger = v->flags & (LS_VAR_REQUIRED | LS_VAR_ONE_OF);
        if (!trigger && !set && ls_preset_value(env, v) && !shared_var(row, v->name))
            set = v->name;
        if (trigger && !missing)
            missing = v->name;
    }
    if (set && missing)
        LS_WARN("%s: %s is set but %s is not, so %s is off", row->name, set, missing, row->name);
}

static int add_preset(struct ls_sink_list *out, const struct ls_preset *row,
                      const struct ls_env *env, struct ls_problems *problems,
                      struct ls_problems *broken)
{
    struct ls_problems p;
    ls_problems_init(&p);
    enum ls_activation a = ls_preset_activation(row, env, &p);
    if (a == LS_PRESET_OFF) {
        warn_if_half_set(row, env);
        ls_problems_free(&p);
        return 0;
    }
    if (a == LS_PRESET_PARTIAL) {
        ls_problems_add(broken, "%s", row->name);
        ls_problems_take(problems, &p);
        return 0;
    }
    const struct ls_sink_kind *kind = ls_kind_find(row->kind);
    struct ls_sink *s = kind ? ls_sink_create(kind, row->name, row->env_name) : NULL;
    if (!s)
        return -1;
    s->preset = row;
    /* PROVIDERS.md Part 1 §1.7: http family batches by bytes or 1 s, no event cap (the byte
       default is logship's, see LS_SINK_DEFAULT_BATCH_BYTES). */
    s->cfg.batch_max_events = row->batch_max_events;
    s->cfg.batch_max_bytes =
        row->batch_max_bytes ? row->batch_max_bytes : LS_SINK_DEFAULT_BATCH_BYTES;
    s->cfg.batch_timeout_ms = row->batch_timeout_ms ? row->batch_timeout_ms : 1000;
    s->cfg.compression = row->compression;
    return add_sink(out, s, env, problems, broken);
}

int ls_sinks_from_env(const struct ls_env *env, struct ls_sink_list *out,
                      struct ls_problems *problems, struct ls_problems *broken)
{
    out->v = NULL;
    out->n = 0;
    const struct ls_preset *row;
    for (size_t i = 0; (row = ls_preset_get(i)) != NULL; i++)
        if (add_preset(out, row, env, problems, broken) != 0)
            return -1;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct sink_row *r = &rows[i];
        struct ls_problems p;
        ls_problems_init(&p);
        int on = row_on(r, env, &p);
        if (on <= 0) {
            if (on < 0) {
                ls_problems_add(broken, "%s", r->name);
                ls_problems_take(problems, &p);
            }
            ls_problems_free(&p);
            continue;
        }
        ls_problems_free(&p);
        struct ls_sink *s = ls_sink_create(r->kind, r->name, r->env_name);
        if (!s)
            return -1;
        s->cfg.batch_max_events = r->batch_max_events;
        s->cfg.batch_max_bytes = r->batch_max_bytes;
        s->cfg.batch_timeout_ms = r->batch_timeout_ms;
        if (add_sink(out, s, env, problems, broken) != 0)
            return -1;
    }
    return 0;
}

void ls_sinks_free(struct ls_sink_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        ls_sink_destroy(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Every variable of a provider row: value, masked when secret, or what unset means. */
static void describe_vars(const struct ls_preset *row, const struct ls_env *env)
{
    for (const struct ls_preset_var *v = row->vars; v->name; v++) {
        const char *val = ls_env_get(env, v->name);
        if (!val)
            printf("  %s: (unset%s%s)\n", v->name, v->def ? ", " : "", v->def ? v->def : "");
        else if (v->flags & LS_VAR_SECRET)
            printf("  %s: %s\n", v->name, *val ? "**** (set)" : "(empty)");
        else
            printf("  %s: %s\n", v->name, val);
    }
}

void ls_sinks_describe(const struct ls_sink_list *l, const struct ls_env *env)
{
    static const char *const comp[] = {"none", "gzip"};
    for (size_t i = 0; i < l->n; i++) {
        const struct ls_sink *s = l->v[i];
        const struct ls_sink_config *c = &s->cfg;
        printf("sink %s (kind %s)\n", s->name, s->kind->name);
        if (s->preset)
            describe_vars(s->preset, env);
        if (s->kind->describe)
            s->kind->describe(s);
        printf("  subject filter: %s\n", c->subject ? c->subject : "(all records)");
        printf("  batch: max_events=%zu max_bytes=%zu timeout_ms=%llu\n", c->batch_max_events,
               c->batch_max_bytes, (unsigned long long)c->batch_timeout_ms);
        if (!s->kind->write) {
            printf("  concurrency=%d request_timeout_ms=%llu compression=%s\n", c->concurrency,
                   (unsigned long long)c->request_timeout_ms, comp[c->compression]);
            printf("  retry: initial_backoff_ms=%llu max_backoff_ms=%llu max_attempts=%llu\n",
                   (unsigned long long)c->retry_initial_ms, (unsigned long long)c->retry_max_ms,
                   (unsigned long long)c->retry_max_attempts);
        }
        printf("  queue_max_events=%zu\n", c->queue_max_events);
        if (c->endpoint)
            printf("  endpoint override: %s\n", c->endpoint);
    }
}
