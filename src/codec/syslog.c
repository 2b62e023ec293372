/*
 * The RFC 3164 line encoder (see syslog.h). Sits between the papertrail kind, which picks the
 * header fields and the MSG bytes from a record, and the TLS stream the lines go out on.
 */
#include "codec/syslog.h"
#include "event/utf8.h"
#include "util/buf.h"
#include "util/time.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

size_t ls_syslog_timestamp(char *out, int64_t time_ns)
{
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    /* Floor division, so instants before 1970 still land in the right second. */
    int64_t secs = time_ns / 1000000000;
    if (time_ns % 1000000000 < 0)
        secs--;
    int year, month, day, hour, min, sec;
    ls_time_civil(secs, &year, &month, &day, &hour, &min, &sec);
    if (month < 1 || month > 12)
        month = 1;
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "%.3s %02u %02u:%02u:%02u", months[month - 1], (unsigned)day % 100u,
             (unsigned)hour % 100u, (unsigned)min % 100u, (unsigned)sec % 100u);
    memcpy(out, tmp, 15);
    out[15] = '\0';
    return 15;
}

/* Header fields are space-separated: a byte that would end or corrupt one becomes '_'. */
static int put_field(struct ls_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (ls_buf_putc(out, c <= 0x20 || c == 0x7f ? '_' : (char)c) != 0)
            return -1;
    }
    return 0;
}

/* Bytes MSG byte c takes on the line (LF, CR and NUL are written as two). */
static size_t msg_width(char c)
{
    return c == '\n' || c == '\r' || c == '\0' ? 2 : 1;
}

/* The longest prefix of s[0..n) that takes at most room bytes written and ends on a character
   boundary. */
static size_t msg_fit(const char *s, size_t n, size_t room)
{
    size_t k = 0, used = 0;
    while (k < n && used + msg_width(s[k]) <= room)
        used += msg_width(s[k++]);
    return ls_utf8_cut(s, n, k);
}

static int put_msg(struct ls_buf *out, const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *esc = s[i] == '\n' ? "\\n" : s[i] == '\r' ? "\\r" : s[i] == '\0' ? "\\0" : NULL;
        if (!esc)
            continue;
        if (ls_buf_append(out, s + start, i - start) != 0 || ls_buf_puts(out, esc) != 0)
            return -1;
        start = i + 1;
    }
    return ls_buf_append(out, s + start, n - start);
}

int ls_syslog_append(struct ls_buf *out, const struct ls_syslog_line *l)
{
    if (l->pri < 0 || l->pri > 191)
        return -1;
    size_t before = out->len;
    char ts[16];
    ls_syslog_timestamp(ts, l->time_ns);
    int rc = ls_buf_printf(out, "<%d>%s ", l->pri, ts);
    if (rc == 0 && l->host && l->host_len) {
        rc = put_field(out, l->host, l->host_len);
        if (rc == 0)
            rc = ls_buf_putc(out, ' ');
    }
    if (rc == 0 && l->tag && *l->tag) {
        rc = put_field(out, l->tag, strlen(l->tag));
        if (rc == 0 && l->pid >= 0)
            rc = ls_buf_printf(out, "[%ld]", l->pid);
        if (rc == 0)
            rc = ls_buf_puts(out, ": ");
    }
    const char *msg = l->msg ? l->msg : "";
    size_t n = l->msg ? l->msg_len : 0;
    bool cut = false;
    if (rc == 0 && l->max) {
        size_t head = out->len - before, mark = strlen(LS_SYSLOG_CUT_MARKER), width = 0;
        for (size_t i = 0; i < n && head + width + 1 <= l->max; i++)
            width += msg_width(msg[i]);
        if (head + width + 1 > l->max) {
            cut = true;
            if (head + mark + 1 > l->max)
                rc = -1;
            else
                n = msg_fit(msg, n, l->max - head - mark - 1);
        }
    }
    if (rc == 0)
        rc = put_msg(out, msg, n);
    if (rc == 0 && cut)
        rc = ls_buf_puts(out, LS_SYSLOG_CUT_MARKER);
    if (rc == 0)
        rc = ls_buf_putc(out, '\n');
    if (rc != 0) {
        out->len = before;
        if (out->data)
            out->data[before] = '\0';
        return -1;
    }
    return cut ? 1 : 0;
}
