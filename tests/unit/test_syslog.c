/* Unit tests for codec/syslog.c: the RFC 3164 lines Papertrail receives (PROVIDERS.md Part 2
   §7.3, §7.5), with the record's own time in the header. */
#include "test.h"

#include "codec/syslog.h"
#include "event/utf8.h"
#include "util/buf.h"

#include <stdint.h>

/* 2026-11-23T10:00:00.493842299Z, the worked record's timestamp. */
#define R_TIME_NS 1795428000493842299LL

static struct ls_syslog_line line(const char *host, const char *msg, size_t msg_len)
{
    struct ls_syslog_line l = {
        .pri = LS_SYSLOG_PRI_USER_INFO,
        .time_ns = R_TIME_NS,
        .host = host,
        .host_len = host ? strlen(host) : 0,
        .tag = "vector",
        .pid = 4242,
        .msg = msg,
        .msg_len = msg_len,
    };
    return l;
}

LS_TEST(test_syslog_worked_example)
{
    static const char rec[] =
        "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":\"a13043b026c48b\","
        "\"name\":\"worker\"},\"region\":\"ord\"},\"host\":\"34d6\",\"log\":{\"level\":\"info\"},"
        "\"message\":\"GET /api/users/33009 200 218ms\",\"timestamp\":\"2026-11-23T10:00:00."
        "493842299Z\"}";
    struct ls_buf b;
    ls_buf_init(&b, 0);
    struct ls_syslog_line l = line("34d6", rec, sizeof(rec) - 1);
    CHECK_INT(ls_syslog_append(&b, &l), 0);
    struct ls_buf want;
    ls_buf_init(&want, 0);
    ls_buf_printf(&want, "<14>Nov 23 10:00:00 34d6 vector[4242]: %s\n", rec);
    CHECK_MEM(b.data, b.len, want.data);
    ls_buf_free(&b);
    ls_buf_free(&want);
}

LS_TEST(test_syslog_no_host_omits_field)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    struct ls_syslog_line l = line(NULL, "hi", 2);
    CHECK_INT(ls_syslog_append(&b, &l), 0);
    CHECK_MEM(b.data, b.len, "<14>Nov 23 10:00:00 vector[4242]: hi\n");
    ls_buf_free(&b);
}

LS_TEST(test_syslog_day_zero_padded)
{
    char ts[16];
    /* 2026-03-05T07:08:09Z */
    CHECK_INT(ls_syslog_timestamp(ts, 1772694489LL * 1000000000LL), 15);
    CHECK_STR(ts, "Mar 05 07:08:09");
}

LS_TEST(test_syslog_timestamp_before_epoch_floors)
{
    char ts[16];
    /* 1969-12-31T23:59:59.5Z: the second is :59, not 1970's first second. */
    ls_syslog_timestamp(ts, -500000000LL);
    CHECK_STR(ts, "Dec 31 23:59:59");
}

LS_TEST(test_syslog_line_breaks_in_msg_escaped)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    static const char msg[] = "Traceback:\n  File \"x\"\r\nend\0z";
    struct ls_syslog_line l = line("h", msg, sizeof(msg) - 1);
    CHECK_INT(ls_syslog_append(&b, &l), 0);
    CHECK_MEM(b.data, b.len,
              "<14>Nov 23 10:00:00 h vector[4242]: Traceback:\\n  File \"x\"\\r\\nend\\0z\n");
    ls_buf_free(&b);
}

LS_TEST(test_syslog_non_ascii_copied)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    static const char msg[] = "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC";
    struct ls_syslog_line l = line("h", msg, sizeof(msg) - 1);
    CHECK_INT(ls_syslog_append(&b, &l), 0);
    CHECK_MEM(b.data, b.len,
              "<14>Nov 23 10:00:00 h vector[4242]: caf\xC3\xA9 \xF0\x9F\x98\x80 "
              "\xE6\x97\xA5\xE6\x9C\xAC\n");
    ls_buf_free(&b);
}

LS_TEST(test_syslog_host_spaces_replaced)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    struct ls_syslog_line l = line("a b\nc", "m", 1);
    CHECK_INT(ls_syslog_append(&b, &l), 0);
    CHECK_MEM(b.data, b.len, "<14>Nov 23 10:00:00 a_b_c vector[4242]: m\n");
    ls_buf_free(&b);
}

LS_TEST(test_syslog_without_pid_or_tag)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    struct ls_syslog_line l = line("h", "m", 1);
    l.pid = -1;
    CHECK_INT(ls_syslog_append(&b, &l), 0);
    l.tag = NULL;
    CHECK_INT(ls_syslog_append(&b, &l), 0);
    CHECK_MEM(b.data, b.len, "<14>Nov 23 10:00:00 h vector: m\n<14>Nov 23 10:00:00 h m\n");
    ls_buf_free(&b);
}

LS_TEST(test_syslog_bad_pri_refused)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    struct ls_syslog_line l = line("h", "m", 1);
    l.pri = 192;
    CHECK_INT(ls_syslog_append(&b, &l), -1);
    CHECK_INT(b.len, 0);
    ls_buf_free(&b);
}

LS_TEST(test_syslog_full_buffer_keeps_content)
{
    struct ls_buf b;
    ls_buf_init(&b, 40);
    CHECK_INT(ls_buf_puts(&b, "keep"), 0);
    struct ls_syslog_line l = line("host", "a message longer than the cap", 29);
    CHECK_INT(ls_syslog_append(&b, &l), -1);
    CHECK_MEM(b.data, b.len, "keep");
    ls_buf_free(&b);
}

/* "<14>Nov 23 10:00:00 h vector[4242]: ": what the max-length cases have before MSG. */
#define HEAD     "<14>Nov 23 10:00:00 h vector[4242]: "
#define HEAD_LEN 36
#define MARK_LEN 14 /* "…[truncated]" */

/* The line for msg[0..n) with max set; rc in *rc. */
static void cut_line(struct ls_buf *b, const char *msg, size_t n, size_t max, int *rc)
{
    struct ls_syslog_line l = line("h", msg, n);
    l.max = max;
    *rc = ls_syslog_append(b, &l);
}

/* HEAD + `count` copies of unit + tail. */
static void expect(struct ls_buf *w, const char *unit, size_t count, const char *tail)
{
    ls_buf_puts(w, HEAD);
    for (size_t i = 0; i < count; i++)
        ls_buf_puts(w, unit);
    ls_buf_puts(w, tail);
}

LS_TEST(test_syslog_max_cuts_msg_and_marks_it)
{
    char msg[200];
    memset(msg, 'a', sizeof(msg));
    struct ls_buf b, w;
    ls_buf_init(&b, 0);
    ls_buf_init(&w, 0);
    int rc;
    cut_line(&b, msg, sizeof(msg), 100, &rc);
    expect(&w, "a", 100 - HEAD_LEN - MARK_LEN - 1, LS_SYSLOG_CUT_MARKER "\n");
    CHECK_INT(rc, 1);
    CHECK_INT(b.len, 100);
    CHECK_MEM(b.data, b.len, w.data);
    ls_buf_free(&b);
    ls_buf_free(&w);
}

LS_TEST(test_syslog_max_exact_fit_not_cut)
{
    char msg[100 - HEAD_LEN];
    memset(msg, 'a', sizeof(msg));
    struct ls_buf b;
    ls_buf_init(&b, 0);
    int fit, over;
    cut_line(&b, msg, sizeof(msg) - 1, 100, &fit); /* 36 + 63 + LF = 100 */
    size_t fit_len = b.len;
    bool fit_marked = strstr(b.data, "[truncated]") != NULL;
    ls_buf_reset(&b);
    cut_line(&b, msg, sizeof(msg), 100, &over);
    CHECK_INT(fit, 0);
    CHECK_INT(fit_len, 100);
    CHECK(!fit_marked);
    CHECK_INT(over, 1);
    CHECK_INT(b.len, 100);
    ls_buf_free(&b);
}

LS_TEST(test_syslog_max_cut_keeps_utf8_whole)
{
    /* 2-byte characters and an odd room (49 bytes): the cut falls before the split one. */
    struct ls_buf msg, b, w;
    ls_buf_init(&msg, 0);
    ls_buf_init(&b, 0);
    ls_buf_init(&w, 0);
    for (int i = 0; i < 100; i++)
        ls_buf_puts(&msg, "\xC3\xA9");
    int rc;
    cut_line(&b, msg.data, msg.len, 100, &rc);
    expect(&w, "\xC3\xA9", 24, LS_SYSLOG_CUT_MARKER "\n");
    CHECK_INT(rc, 1);
    CHECK_MEM(b.data, b.len, w.data);
    CHECK(ls_utf8_valid(b.data, b.len));
    ls_buf_free(&msg);
    ls_buf_free(&b);
    ls_buf_free(&w);
}

LS_TEST(test_syslog_max_cut_never_splits_an_escape)
{
    char msg[100];
    memset(msg, '\n', sizeof(msg));
    struct ls_buf b, w;
    ls_buf_init(&b, 0);
    ls_buf_init(&w, 0);
    int rc;
    cut_line(&b, msg, sizeof(msg), 100, &rc);
    expect(&w, "\\n", 24, LS_SYSLOG_CUT_MARKER "\n");
    CHECK_INT(rc, 1);
    CHECK_MEM(b.data, b.len, w.data);
    CHECK(memchr(b.data, '\n', b.len) == b.data + b.len - 1); /* still exactly one line */
    ls_buf_free(&b);
    ls_buf_free(&w);
}

LS_TEST(test_syslog_max_below_header_refused)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_buf_puts(&b, "keep"), 0);
    int rc;
    /* Too long to fit, and the header leaves no room for the marker and the LF. */
    cut_line(&b, "twenty bytes of text", 20, HEAD_LEN + MARK_LEN, &rc);
    CHECK_INT(rc, -1);
    CHECK_MEM(b.data, b.len, "keep");
    ls_buf_free(&b);
}

LS_TEST_MAIN(LS_CASE(test_syslog_worked_example), LS_CASE(test_syslog_no_host_omits_field),
             LS_CASE(test_syslog_day_zero_padded),
             LS_CASE(test_syslog_timestamp_before_epoch_floors),
             LS_CASE(test_syslog_line_breaks_in_msg_escaped), LS_CASE(test_syslog_non_ascii_copied),
             LS_CASE(test_syslog_host_spaces_replaced), LS_CASE(test_syslog_without_pid_or_tag),
             LS_CASE(test_syslog_bad_pri_refused), LS_CASE(test_syslog_full_buffer_keeps_content),
             LS_CASE(test_syslog_max_cuts_msg_and_marks_it),
             LS_CASE(test_syslog_max_exact_fit_not_cut),
             LS_CASE(test_syslog_max_cut_keeps_utf8_whole),
             LS_CASE(test_syslog_max_cut_never_splits_an_escape),
             LS_CASE(test_syslog_max_below_header_refused))
