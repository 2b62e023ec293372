/* Unit tests for the pure part of sink/kinds/loki.c: intermediate lines to the push envelope. */
#include "test.h"

#include "sink/kinds/loki.h"
#include "util/buf.h"

static char *envelope(const char *in)
{
    struct ls_buf b;
    char err[128];
    ls_buf_init(&b, 0);
    if (ls_loki_envelope(in, strlen(in), &b, err, sizeof(err)) != 0) {
        ls_buf_free(&b);
        return NULL;
    }
    return ls_buf_steal(&b, NULL);
}

LS_TEST(test_loki_envelope_single_entry)
{
    char *got = envelope("1795428000493842299\t{\"host\":\"34d6\",\"level\":\"info\"}\t\"x\"\n");
    CHECK_STR(got, "{\"streams\":[{\"stream\":{\"host\":\"34d6\",\"level\":\"info\"},"
                   "\"values\":[[\"1795428000493842299\",\"x\"]]}]}");
    free(got);
}

LS_TEST(test_loki_envelope_groups_by_labels_in_first_seen_order)
{
    char *got = envelope("10\t{\"a\":\"2\"}\t\"first b\"\n"
                         "20\t{\"a\":\"1\"}\t\"only a\"\n"
                         "30\t{\"a\":\"2\"}\t\"second b\"\n");
    CHECK_STR(got, "{\"streams\":[{\"stream\":{\"a\":\"2\"},\"values\":[[\"10\",\"first b\"],"
                   "[\"30\",\"second b\"]]},{\"stream\":{\"a\":\"1\"},\"values\":[[\"20\","
                   "\"only a\"]]}]}");
    free(got);
}

LS_TEST(test_loki_envelope_sorts_values_by_time_stably)
{
    char *got = envelope("300\t{}\t\"c\"\n100\t{}\t\"a1\"\n-5\t{}\t\"neg\"\n100\t{}\t\"a2\"\n");
    CHECK_STR(got, "{\"streams\":[{\"stream\":{},\"values\":[[\"-5\",\"neg\"],[\"100\",\"a1\"],"
                   "[\"100\",\"a2\"],[\"300\",\"c\"]]}]}");
    free(got);
}

LS_TEST(test_loki_envelope_many_streams)
{
    /* Past the hash table's first growth: 100 streams, two entries each. */
    struct ls_buf in;
    ls_buf_init(&in, 0);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 100; i++)
            ls_buf_printf(&in, "%d\t{\"s\":\"%d\"}\t\"%d\"\n", 1000 - round, i, round);
    struct ls_buf out;
    char err[128];
    ls_buf_init(&out, 0);
    CHECK_INT(ls_loki_envelope(in.data, in.len, &out, err, sizeof(err)), 0);
    /* Stream 7: round 1 (time 999) sorts before round 0 (time 1000). */
    CHECK(strstr(out.data,
                 "{\"stream\":{\"s\":\"7\"},\"values\":[[\"999\",\"1\"],[\"1000\",\"0\"]]}"));
    CHECK(strstr(out.data, "{\"s\":\"0\"}") < strstr(out.data, "{\"s\":\"99\"}"));
    size_t count = 0;
    for (const char *p = out.data; (p = strstr(p, "\"stream\":")) != NULL; p++)
        count++;
    CHECK_INT(count, 100);
    ls_buf_free(&in);
    ls_buf_free(&out);
}

LS_TEST(test_loki_envelope_rejects_malformed_lines)
{
    const char *bad[] = {"12\t{}\n",     "x1\t{}\t\"a\"\n", "\t{}\t\"a\"\n",
                         "1\t\t\"a\"\n", "1\t{}\t\n",       "99999999999999999999\t{}\t\"a\"\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct ls_buf b;
        char err[128] = "";
        ls_buf_init(&b, 0);
        ls_buf_puts(&b, "keep");
        CHECK_INT(ls_loki_envelope(bad[i], strlen(bad[i]), &b, err, sizeof(err)), -1);
        CHECK_MEM(b.data, b.len, "keep");
        CHECK(err[0] != '\0');
        ls_buf_free(&b);
    }
}

LS_TEST_MAIN(LS_CASE(test_loki_envelope_single_entry),
             LS_CASE(test_loki_envelope_groups_by_labels_in_first_seen_order),
             LS_CASE(test_loki_envelope_sorts_values_by_time_stably),
             LS_CASE(test_loki_envelope_many_streams),
             LS_CASE(test_loki_envelope_rejects_malformed_lines))
