/*
 * Process-wide metrics registry: counters and gauges that the admin server renders as
 * Prometheus text (exposition format 0.0.4) on GET /metrics.
 *
 * Threads: register at start-up (single-threaded, before workers run); update from any
 * thread with the inline helpers below (relaxed atomics, no lock); render from the admin
 * thread at any time. Registration and rendering share one mutex.
 *
 * Naming (STYLE.md §3): counters are `logship_<what>[_<unit>]_total`, per-sink series carry
 * a `sink="<name>"` label. Label values must go through ls_metrics_label_escape().
 */
#ifndef LS_METRICS_H
#define LS_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

struct ls_buf;

/* logship_truncated_total is registered by the intake (no label) and by every sink (label
   `sink`); the first registration's help wins, so both pass this one. */
#define LS_TRUNCATED_HELP                                                                          \
    "Records shipped cut: payloads over LOGSHIP_MAX_RECORD_BYTES (no label) or records over "      \
    "a destination's own limit (label sink, e.g. Papertrail's 100000-byte lines)."

struct ls_counter {
    _Atomic uint64_t v;
};

struct ls_gauge {
    _Atomic int64_t v;
};

/* The update helpers accept NULL (a registration that ran out of memory) and do nothing,
 * so a failed registration costs a metric, never a crash. */
static inline void ls_counter_add(struct ls_counter *c, uint64_t n)
{
    if (c)
        atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed);
}

static inline void ls_counter_inc(struct ls_counter *c)
{
    ls_counter_add(c, 1);
}

static inline uint64_t ls_counter_get(const struct ls_counter *c)
{
    return c ? atomic_load_explicit(&c->v, memory_order_relaxed) : 0;
}

static inline void ls_gauge_set(struct ls_gauge *g, int64_t v)
{
    if (g)
        atomic_store_explicit(&g->v, v, memory_order_relaxed);
}

static inline void ls_gauge_add(struct ls_gauge *g, int64_t n)
{
    if (g)
        atomic_fetch_add_explicit(&g->v, n, memory_order_relaxed);
}

static inline int64_t ls_gauge_get(const struct ls_gauge *g)
{
    return g ? atomic_load_explicit(&g->v, memory_order_relaxed) : 0;
}

/**
 * Registers (or returns the already-registered) series `name{labels}`.
 * labels is the text inside the braces, e.g. "sink=\"http\"", or NULL/"" for none; it is
 * copied. help is per metric name: the first registration that gives a non-empty help wins.
 * Returns a borrowed pointer the registry owns until ls_metrics_reset(); NULL on
 * out-of-memory, and also (a programming error) when name is not a valid metric name or is
 * already registered with another type, or the series exists as a computed gauge.
 * Start-up thread only (takes the registry mutex, so it is safe anyway).
 */
struct ls_counter *ls_metrics_counter(const char *name, const char *labels, const char *help);
struct ls_gauge *ls_metrics_gauge(const char *name, const char *labels, const char *help);

/** A gauge computed at render time (e.g. a queue depth read from a structure). It runs on
 * the rendering thread with the registry mutex held: it must be quick and must not call
 * ls_metrics_*. */
typedef int64_t (*ls_gauge_fn)(void *ctx);

/**
 * Registers a computed gauge series; ctx is borrowed and must outlive the registration
 * (until ls_metrics_reset()). Registering the same series again replaces fn and ctx.
 * Returns 0, or -1 on out-of-memory, bad name, type clash or a clash with a stored gauge.
 */
int ls_metrics_gauge_fn(const char *name, const char *labels, const char *help, ls_gauge_fn fn,
                        void *ctx);

/**
 * Appends the whole exposition to out: for each metric name in registration order one
 * `# HELP` (when a help was given), one `# TYPE` (counter|gauge) and all its series in
 * registration order. Any thread. Returns 0, or -1 when out cannot grow (its cap or
 * out-of-memory); out may then hold a partial exposition.
 */
int ls_metrics_render(struct ls_buf *out);

/** Frees every series and forgets every name (shutdown, tests). Pointers handed out before
 * become invalid, so no other thread may still update them. */
void ls_metrics_reset(void);

/** Appends value escaped for use inside a label's double quotes: \ -> \\, " -> \",
 * LF -> \n. Returns 0 or -1 (out cannot grow). */
int ls_metrics_label_escape(struct ls_buf *out, const char *value);

#endif
