/*
 * Clocks and RFC 3339 parsing/formatting; see time.h. The calendar arithmetic is Howard
 * Hinnant's days_from_civil / civil_from_days (public domain algorithms, written out here),
 * which is exact for the proleptic Gregorian calendar and needs no tables.
 */
#include "util/time.h"

#include <stdbool.h>
#include <time.h>

#define NS_PER_SEC INT64_C(1000000000)

int64_t ls_time_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t ls_time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ls_time_deadline(struct timespec *ts, clockid_t clock, int64_t ms)
{
    clock_gettime(clock, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Days since 1970-01-01 of the given civil date (m 1..12, d 1..31). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void ls_time_civil(int64_t secs, int *year, int *month, int *day, int *hour, int *min, int *sec)
{
    int64_t days = floor_div(secs, 86400), y;
    int64_t rem = secs - days * 86400;
    unsigned m, d;

    civil_from_days(days, &y, &m, &d);
    *year = (int)y;
    *month = (int)m;
    *day = (int)d;
    *hour = (int)(rem / 3600);
    *min = (int)(rem / 60 % 60);
    *sec = (int)(rem % 60);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Reads exactly k decimal digits at s; -1 when any is not a digit. */
static int digits(const char *s, int k)
{
    int v = 0;
    for (int i = 0; i < k; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int ls_time_parse_rfc3339(const char *s, size_t n, int64_t *ns_out)
{
    /* "YYYY-MM-DDTHH:MM:SS" is 19 bytes, and a zone designator follows. */
    if (n < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
        return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return -1;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
        sec > 60 || (unsigned)d > month_days(y, (unsigned)mo))
        return -1;

    size_t i = 19;
    int64_t frac = 0;
    if (s[i] == '.') {
        size_t start = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (i - start < 9)
                frac = frac * 10 + (s[i] - '0');
            i++;
        }
        if (i == start)
            return -1;
        for (size_t k = i - start; k < 9; k++)
            frac *= 10;
    }

    int64_t offset = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        if (n - i < 6 || s[i + 3] != ':')
            return -1;
        int oh = digits(s + i + 1, 2), om = digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        offset = (int64_t)oh * 3600 + om * 60;
        if (s[i] == '-')
            offset = -offset;
        i += 6;
    } else {
        return -1;
    }
    if (i != n)
        return -1;

    /* Local time minus its offset is UTC; a leap second simply rolls into the next minute. */
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + (int64_t)h * 3600 +
                   mi * 60 + sec - offset;
    int64_t ns;
    if (secs < 0 && frac > 0) { /* keeps INT64_MIN reachable: (secs+1)s + (frac-1s) */
        secs++;
        frac -= NS_PER_SEC;
    }
    if (__builtin_mul_overflow(secs, NS_PER_SEC, &ns) || __builtin_add_overflow(ns, frac, &ns))
        return -1;
    *ns_out = ns;
    return 0;
}

static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

size_t ls_time_format_rfc3339(char *out, size_t cap, int64_t ns, int digits_wanted)
{
    int64_t secs = floor_div(ns, NS_PER_SEC);
    unsigned frac = (unsigned)(ns - secs * NS_PER_SEC);
    int nd = digits_wanted;

    if (nd == -1)
        nd = frac == 0 ? 0 : frac % 1000000 == 0 ? 3 : frac % 1000 == 0 ? 6 : 9;
    if (nd < 0 || nd > 9)
        return 0;
    size_t len = 20 + (nd ? (size_t)nd + 1 : 0);
    if (cap < len + 1)
        return 0;

    int y, mo, d, h, mi, s;
    ls_time_civil(secs, &y, &mo, &d, &h, &mi, &s);
    if (y < 0 || y > 9999) /* cannot happen for int64 ns (1677..2262), kept for safety */
        return 0;
    char *p = out;
    p = put2(p, (unsigned)y / 100);
    p = put2(p, (unsigned)y % 100);
    *p++ = '-';
    p = put2(p, (unsigned)mo);
    *p++ = '-';
    p = put2(p, (unsigned)d);
    *p++ = 'T';
    p = put2(p, (unsigned)h);
    *p++ = ':';
    p = put2(p, (unsigned)mi);
    *p++ = ':';
    p = put2(p, (unsigned)s);
    if (nd) {
        char f[9];
        unsigned v = frac;
        for (int k = 8; k >= 0; k--) {
            f[k] = (char)('0' + v % 10);
            v /= 10;
        }
        *p++ = '.';
        for (int k = 0; k < nd; k++)
            *p++ = f[k];
    }
    *p++ = 'Z';
    *p = '\0';
    return (size_t)(p - out);
}
