/* Unit tests for util/time.c: RFC 3339 parsing and formatting, civil breakdown, clocks. */
#include "test.h"

#include <stdint.h>

#include "util/time.h"

#define S INT64_C(1000000000)

struct parse_case {
    const char *text;
    int64_t ns;
};

/* Expected values computed independently with Python's datetime/calendar.timegm. */
static const struct parse_case good[] = {
    {"1970-01-01T00:00:00Z", 0},
    {"2026-11-23T10:00:00.493842299Z", INT64_C(1795428000493842299)},
    {"2026-11-23T10:00:01.123456789Z", INT64_C(1795428001123456789)},
    {"2026-11-23t10:00:01.123456789z", INT64_C(1795428001123456789)},
    {"2026-11-23 10:00:01.123456789Z", INT64_C(1795428001123456789)},
    {"2026-11-23T10:00:01.1234567891234Z", INT64_C(1795428001123456789)}, /* truncated */
    {"2026-11-23T10:00:01.5Z", INT64_C(1795428001500000000)},
    {"2026-11-23T10:00:01.000001Z", INT64_C(1795428001000001000)},
    {"2026-11-23T15:30:00+05:30", INT64_C(1795428000) * S},
    {"2026-11-23T01:00:00-09:00", INT64_C(1795428000) * S},
    {"2026-11-23T10:00:00-00:00", INT64_C(1795428000) * S},
    {"2000-02-29T23:59:59Z", INT64_C(951868799) * S},
    {"2024-02-29T12:00:00Z", INT64_C(1709208000) * S},
    {"1969-12-31T23:59:59Z", -1 * S},
    {"1969-12-31T23:59:59.5Z", -S / 2},
    {"1900-01-01T00:00:00Z", INT64_C(-2208988800) * S},
    {"2016-12-31T23:59:60Z", INT64_C(1483228800) * S}, /* leap second rolls over */
    {"2262-04-11T23:47:16.854775807Z", INT64_MAX},
    {"1677-09-21T00:12:43.145224192Z", INT64_MIN},
};

static const char *const bad[] = {
    "",
    "2026-11-23",
    "2026-11-23T10:00:00",       /* no zone */
    "2026-11-23T10:00:00ZZ",     /* trailing */
    "2026-11-23T10:00:00.Z",     /* empty fraction */
    "2026-13-01T00:00:00Z",      /* month */
    "2026-00-01T00:00:00Z",      /* month */
    "2026-02-29T00:00:00Z",      /* not a leap year */
    "1900-02-29T00:00:00Z",      /* century, not a leap year */
    "2026-04-31T00:00:00Z",      /* day */
    "2026-01-00T00:00:00Z",      /* day */
    "2026-01-01T24:00:00Z",      /* hour */
    "2026-01-01T00:60:00Z",      /* minute */
    "2026-01-01T00:00:61Z",      /* second */
    "2026-01-01T00:00:00+24:00", /* offset hour */
    "2026-01-01T00:00:00+01:60", /* offset minute */
    "2026-01-01T00:00:00+0100",  /* offset without colon */
    "2026-01-01X00:00:00Z",      /* separator */
    "2026/01/01T00:00:00Z",
    "20a6-01-01T00:00:00Z",
    "2262-04-11T23:47:16.854775808Z", /* one ns past int64 */
    "9999-12-31T23:59:59Z",           /* valid date, outside int64 ns */
    "0000-01-01T00:00:00Z",
};

LS_TEST(test_time_parse_valid)
{
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t ns = 42;
        int rc = ls_time_parse_rfc3339(good[i].text, strlen(good[i].text), &ns);
        if (rc != 0 || ns != good[i].ns)
            fprintf(stderr, "case %s: rc %d ns %lld\n", good[i].text, rc, (long long)ns);
        CHECK_INT(rc, 0);
        CHECK_INT(ns, good[i].ns);
    }
}

LS_TEST(test_time_parse_rejects_invalid)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ns = 42;
        int rc = ls_time_parse_rfc3339(bad[i], strlen(bad[i]), &ns);
        if (rc != -1)
            fprintf(stderr, "accepted %s\n", bad[i]);
        CHECK_INT(rc, -1);
        CHECK_INT(ns, 42);
    }
}

LS_TEST(test_time_parse_uses_length_not_nul)
{
    const char *s = "2026-11-23T10:00:01Z trailing";
    int64_t ns;
    CHECK_INT(ls_time_parse_rfc3339(s, 20, &ns), 0);
    CHECK_INT(ns, INT64_C(1795428001) * S);
    CHECK_INT(ls_time_parse_rfc3339(s, 19, &ns), -1);
}

struct format_case {
    int64_t ns;
    int digits;
    const char *text;
};

static const struct format_case formats[] = {
    {INT64_C(1795428001123456789), -1, "2026-11-23T10:00:01.123456789Z"},
    {INT64_C(1795428001123456000), -1, "2026-11-23T10:00:01.123456Z"},
    {INT64_C(1795428001123000000), -1, "2026-11-23T10:00:01.123Z"},
    {INT64_C(1795428001100000000), -1, "2026-11-23T10:00:01.100Z"},
    {INT64_C(1795428001000000000), -1, "2026-11-23T10:00:01Z"},
    {INT64_C(1795428001000000001), -1, "2026-11-23T10:00:01.000000001Z"},
    {INT64_C(1795428001123456789), 0, "2026-11-23T10:00:01Z"},
    {INT64_C(1795428001123456789), 3, "2026-11-23T10:00:01.123Z"},
    {INT64_C(1795428001123456789), 6, "2026-11-23T10:00:01.123456Z"},
    {INT64_C(1795428001000000000), 9, "2026-11-23T10:00:01.000000000Z"},
    {0, -1, "1970-01-01T00:00:00Z"},
    {-1, 9, "1969-12-31T23:59:59.999999999Z"},
    {-S, -1, "1969-12-31T23:59:59Z"},
    {-S - S / 2, -1, "1969-12-31T23:59:58.500Z"},
    {INT64_C(-31536000) * S, -1, "1969-01-01T00:00:00Z"},
    {INT64_MAX, -1, "2262-04-11T23:47:16.854775807Z"},
    {INT64_MIN, -1, "1677-09-21T00:12:43.145224192Z"},
    {INT64_C(951868799) * S, 3, "2000-02-29T23:59:59.000Z"},
};

LS_TEST(test_time_format_digits_and_autosi)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        char out[LS_TIME_RFC3339_MAX];
        size_t n = ls_time_format_rfc3339(out, sizeof(out), formats[i].ns, formats[i].digits);
        CHECK_STR(out, formats[i].text);
        CHECK_INT(n, strlen(formats[i].text));
    }
}

LS_TEST(test_time_format_round_trips_parse)
{
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char out[LS_TIME_RFC3339_MAX];
        int64_t back;
        size_t n = ls_time_format_rfc3339(out, sizeof(out), good[i].ns, 9);
        CHECK(n > 0);
        CHECK_INT(ls_time_parse_rfc3339(out, n, &back), 0);
        CHECK_INT(back, good[i].ns);
    }
}

LS_TEST(test_time_format_rejects_small_buffer_and_bad_digits)
{
    char out[LS_TIME_RFC3339_MAX];
    /* "1970-01-01T00:00:00Z" is 20 bytes and needs 21 with the NUL */
    CHECK_INT(ls_time_format_rfc3339(out, 20, 0, 0), 0);
    CHECK_INT(ls_time_format_rfc3339(out, 21, 0, 0), 20);
    CHECK_INT(ls_time_format_rfc3339(out, sizeof(out), 0, 10), 0);
    CHECK_INT(ls_time_format_rfc3339(out, sizeof(out), 0, -2), 0);
}

LS_TEST(test_time_civil_breakdown)
{
    int y, mo, d, h, mi, s;
    ls_time_civil(1795428001, &y, &mo, &d, &h, &mi, &s);
    CHECK_INT(y, 2026);
    CHECK_INT(mo, 11);
    CHECK_INT(d, 23);
    CHECK_INT(h, 10);
    CHECK_INT(mi, 0);
    CHECK_INT(s, 1);
    ls_time_civil(-1, &y, &mo, &d, &h, &mi, &s);
    CHECK_INT(y, 1969);
    CHECK_INT(mo, 12);
    CHECK_INT(d, 31);
    CHECK_INT(h, 23);
    CHECK_INT(mi, 59);
    CHECK_INT(s, 59);
    ls_time_civil(951868799, &y, &mo, &d, &h, &mi, &s);
    CHECK_INT(y, 2000);
    CHECK_INT(mo, 2);
    CHECK_INT(d, 29);
}

LS_TEST(test_time_clocks_advance)
{
    int64_t ns = ls_time_now_ns();
    CHECK(ns > INT64_C(1704067200) * S); /* after 2024-01-01 */
    int64_t a = ls_time_mono_ms(), b = ls_time_mono_ms();
    CHECK(a >= 0);
    CHECK(b >= a);
}

LS_TEST(test_time_deadline_is_normalised_and_ahead)
{
    static const int64_t cases[] = {0, 1, 999, 1000, 1999, 123456};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct timespec before, d;
        clock_gettime(CLOCK_MONOTONIC, &before);
        ls_time_deadline(&d, CLOCK_MONOTONIC, cases[i]);
        CHECK(d.tv_nsec >= 0 && d.tv_nsec < 1000000000L);
        int64_t ahead_ms = ((int64_t)d.tv_sec - before.tv_sec) * 1000 +
                           ((int64_t)d.tv_nsec - before.tv_nsec) / 1000000;
        CHECK(ahead_ms >= cases[i]);
        CHECK(ahead_ms <= cases[i] + 1000); /* the clock moved by less than a second */
    }
}

LS_TEST_MAIN(LS_CASE(test_time_parse_valid), LS_CASE(test_time_parse_rejects_invalid),
             LS_CASE(test_time_parse_uses_length_not_nul),
             LS_CASE(test_time_format_digits_and_autosi),
             LS_CASE(test_time_format_round_trips_parse),
             LS_CASE(test_time_format_rejects_small_buffer_and_bad_digits),
             LS_CASE(test_time_civil_breakdown), LS_CASE(test_time_clocks_advance),
             LS_CASE(test_time_deadline_is_normalised_and_ahead))
