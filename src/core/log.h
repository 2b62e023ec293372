/*
 * logship's own log: one line per call on stderr, `time level message key=value...`.
 * ls_log checks the level before evaluating its arguments (do/while, like Redis serverLog).
 * Never pass a secret to these macros; callers mask values with ls_mask() (core/mask.h).
 * Repeats of the same call site are rate-limited with LS_LOG_EVERY (one line per interval,
 * with the number suppressed since the last one); counters remain the complete record.
 */
#ifndef LS_LOG_H
#define LS_LOG_H

#include <stdint.h>

enum ls_log_level { LS_LOG_ERROR, LS_LOG_WARN, LS_LOG_INFO, LS_LOG_DEBUG, LS_LOG_TRACE };

extern enum ls_log_level ls_log_threshold;

/* Parses "error|warn|info|debug|trace" (case-insensitive); -1 when unknown. */
int ls_log_level_parse(const char *s);
void ls_log_write(enum ls_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Per-call-site rate limiter state for LS_LOG_EVERY. */
struct ls_log_limit {
    int64_t last_ms;
    uint64_t suppressed;
};
/* True when the caller may log now; *suppressed gets how many were skipped since. */
int ls_log_limit_pass(struct ls_log_limit *l, int interval_ms, uint64_t *suppressed);

#define ls_log(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) <= ls_log_threshold)                                                           \
            ls_log_write((level), __VA_ARGS__);                                                    \
    } while (0)

#define LS_ERROR(...) ls_log(LS_LOG_ERROR, __VA_ARGS__)
#define LS_WARN(...)  ls_log(LS_LOG_WARN, __VA_ARGS__)
#define LS_INFO(...)  ls_log(LS_LOG_INFO, __VA_ARGS__)
#define LS_DEBUG(...) ls_log(LS_LOG_DEBUG, __VA_ARGS__)

/* Logs at most once per interval_ms from this call site; appends suppressed=N when N > 0. */
#define LS_LOG_EVERY(level, interval_ms, fmt, ...)                                                 \
    do {                                                                                           \
        static struct ls_log_limit ls_lim_;                                                        \
        uint64_t ls_sup_;                                                                          \
        if ((level) <= ls_log_threshold && ls_log_limit_pass(&ls_lim_, (interval_ms), &ls_sup_)) { \
            if (ls_sup_)                                                                           \
                ls_log_write((level), fmt " suppressed=%llu", ##__VA_ARGS__,                       \
                             (unsigned long long)ls_sup_);                                         \
            else                                                                                   \
                ls_log_write((level), fmt, ##__VA_ARGS__);                                         \
        }                                                                                          \
    } while (0)

#endif
