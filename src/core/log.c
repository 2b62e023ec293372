/* logship's own log lines on stderr; see log.h. */
#include "core/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>

enum ls_log_level ls_log_threshold = LS_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};
static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;

int ls_log_level_parse(const char *s)
{
    for (int i = 0; i < (int)(sizeof(level_names) / sizeof(level_names[0])); i++)
        if (strcasecmp(s, level_names[i]) == 0)
            return i;
    if (strcasecmp(s, "warning") == 0)
        return LS_LOG_WARN;
    return -1;
}

void ls_log_write(enum ls_log_level level, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    fwrite(line, 1, len, stderr);
}

int ls_log_limit_pass(struct ls_log_limit *l, int interval_ms, uint64_t *suppressed)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    int pass = 0;
    pthread_mutex_lock(&limit_lock);
    if (l->last_ms == 0 || now - l->last_ms >= interval_ms) {
        *suppressed = l->suppressed;
        l->suppressed = 0;
        l->last_ms = now;
        pass = 1;
    } else {
        l->suppressed++;
    }
    pthread_mutex_unlock(&limit_lock);
    return pass;
}
