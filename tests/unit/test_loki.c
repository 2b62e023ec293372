/* Unit tests for the pure part of sink/kinds/loki.c: intermediate lines to the push envelope. */
#include "test.h"

#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/parse.h"
#include "sink/kinds/loki.h"
#include "sink/registry.h"
#include "sink/sink_int.h"
#include "util/buf.h"

#include <stdio.h>

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

/* ---- the loki kind's encoder on bytes vs its json-c reference ---------------------------- */

struct collected {
    struct ls_event *ev[8];
    int n;
};

static void collect(struct ls_event *ev, void *ctx)
{
    struct collected *c = ctx;
    ls_event_release_tree(ev); /* as the intake does */
    if (c->n < 8)
        c->ev[c->n++] = ev;
    else
        ls_event_unref(ev);
}

/* 1 when the loki sink's encoder and ls_loki_encode_tree write the same bytes for every event of
   the payload, 0 (and the two lines on stderr) when they do not. */
static int same_both_ways(struct ls_sink *s, struct ls_parser *p, const char *payload, size_t n)
{
    struct collected c = {{0}, 0};
    ls_parse_payload(p, "logs.a.ord.1", payload, n, 1795428000000000000LL, collect, &c, NULL);
    int ok = c.n > 0;
    for (int i = 0; i < c.n; i++) {
        struct ls_buf fast, tree;
        ls_buf_init(&fast, 0);
        ls_buf_init(&tree, 0);
        int rf = s->kind->encode(s, c.ev[i], &fast), rt = ls_loki_encode_tree(s, c.ev[i], &tree);
        if (rf != 0 || rt != 0 || fast.len != tree.len || memcmp(fast.data, tree.data, fast.len)) {
            fprintf(stderr, "bytes: %s\ntree:  %s\n", fast.data ? fast.data : "(none)",
                    tree.data ? tree.data : "(none)");
            ok = 0;
        }
        ls_buf_free(&fast);
        ls_buf_free(&tree);
        ls_event_unref(c.ev[i]);
    }
    return ok;
}

LS_TEST(test_loki_bytes_encoder_matches_the_tree)
{
    static const char *const env_list[] = {"NATS_URL=nats://127.0.0.1:1", "LOKI_URL=http://l",
                                           "LOKI_USERNAME=u", "LOKI_PASSWORD=p", NULL};
    /* Where the level goes, what it replaces, what renders how, escapes in keys and labels. */
    static const char *const edge[] = {
        "{}",
        "{\"a\":1}",
        "{\"zz\":1}",
        "{\"level\":\"warn\"}",
        "{\"level\":\"warn\",\"log\":{\"level\":\"info\"}}",
        "{\"lev\":1,\"levek\":2,\"levels\":3,\"log\":{\"level\":{\"b\":[1,2.50,null]}}}",
        "{\"log\":{\"level\":null},\"timestamp\":\"2026-11-23T10:00:00Z\"}",
        "{\"log\":\"not an object\",\"timestamp\":5}",
        "{\"le\\\"vel\":1,\"le\\\\x\":2,\"le\\u0001\":3,\"log\":{\"level\":7}}",
        "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":\"i\\\"1\","
        "\"name\":{\"x\":true}},\"region\":null},\"host\":12345678901234567890123}",
        "{\"host\":\"h\\n\\u001f\\\\\u00e9\",\"message\":\"{not json\"}",
        "{\"message\":\"{\\\"merged\\\":1}\",\"z\":2}",
        "{\"message\":\" {\\\"not\\\":\\\"merged\\\"}\"}",
        "[{\"a\":1},{\"log\":{\"level\":\"x\"}}]",
        "not json at all",
    };
    struct ls_env *env = ls_env_from_list(env_list);
    struct ls_sink_list sinks;
    struct ls_problems p, broken;
    ls_problems_init(&p);
    ls_problems_init(&broken);
    CHECK(env && ls_sinks_from_env(env, &sinks, &p, &broken) == 0 && p.n == 0);
    struct ls_sink *loki = NULL;
    for (size_t i = 0; i < sinks.n; i++)
        if (sinks.v[i]->kind == &ls_kind_loki)
            loki = sinks.v[i];
    CHECK(loki != NULL);
    struct ls_parser *parser = ls_parser_create(0);
    for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
        CHECK(same_both_ways(loki, parser, edge[i], strlen(edge[i])));
    /* Every fixture record (their payloads, one per line of the subjects file). */
    FILE *f = fopen(LS_FIXTURES_DIR "/fly-logs.ndjson", "rb");
    CHECK(f != NULL);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int records = 0;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            n--;
        CHECK(same_both_ways(loki, parser, line, (size_t)n));
        records++;
    }
    free(line);
    fclose(f);
    CHECK(records >= 300);
    ls_parser_destroy(parser);
    ls_sinks_free(&sinks);
    ls_problems_free(&p);
    ls_problems_free(&broken);
    ls_env_destroy(env);
}

LS_TEST_MAIN(LS_CASE(test_loki_envelope_single_entry),
             LS_CASE(test_loki_envelope_groups_by_labels_in_first_seen_order),
             LS_CASE(test_loki_envelope_sorts_values_by_time_stably),
             LS_CASE(test_loki_envelope_many_streams),
             LS_CASE(test_loki_envelope_rejects_malformed_lines),
             LS_CASE(test_loki_bytes_encoder_matches_the_tree))
