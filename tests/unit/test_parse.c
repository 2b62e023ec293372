/*
 * Unit tests for event/parse.c and event/event.c: payload outcomes as PROVIDERS Part 1 §1.4
 * with the §0 item 2 fixes, golden canonical JSON for the fixtures, the bad-payload table, and
 * the event object itself (refcount, record time, path lookup).
 */
#include "test.h"

#include <json-c/json.h>
#include <stdint.h>

#include "event/event.h"
#include "event/parse.h"
#include "event/utf8.h"

#define RECV_NS  INT64_C(1795428001123456789)
#define RECV_TS  "2026-11-23T10:00:01.123456789Z"
#define SUBJ     "logs.app.ord.1"
#define RAW_TAIL ",\"source_type\":\"nats\",\"subject\":\"" SUBJ "\",\"timestamp\":\"" RECV_TS "\"}"
#define FFFD     "\xEF\xBF\xBD"

#define MAX_EVENTS 16

struct sink {
    struct ls_event *ev[MAX_EVENTS];
    int n, overflow;
};

static void collect(struct ls_event *ev, void *ctx)
{
    struct sink *s = ctx;
    if (s->n < MAX_EVENTS)
        s->ev[s->n++] = ev;
    else {
        s->overflow++;
        ls_event_unref(ev);
    }
}

static void sink_clear(struct sink *s)
{
    for (int i = 0; i < s->n; i++)
        ls_event_unref(s->ev[i]);
    s->n = 0;
    s->overflow = 0;
}

/* Parses one payload with a fresh parser; returns ls_parse_payload's result. */
static int parse_len(struct sink *s, struct ls_parse_stats *st, size_t max, const char *payload,
                     size_t len)
{
    struct ls_parser *p = ls_parser_create(max);
    if (!p)
        return -2;
    int rc = ls_parse_payload(p, SUBJ, payload, len, RECV_NS, collect, s, st);
    ls_parser_destroy(p);
    return rc;
}

/* One payload that must give exactly one event with canonical JSON `want` and `flags`. */
static int one_is(const char *payload, size_t len, const char *want, unsigned flags)
{
    struct sink s = {0};
    struct ls_parse_stats st = {0};
    int rc = parse_len(&s, &st, 0, payload, len);
    int ok = rc == 1 && s.n == 1 && strcmp(s.ev[0]->json, want) == 0 &&
             s.ev[0]->json_len == strlen(want) && s.ev[0]->flags == flags && st.events == 1;
    if (!ok)
        fprintf(stderr, "  payload: %.*s\n  rc %d n %d flags %u\n  got:  %s\n  want: %s\n",
                (int)(len > 200 ? 200 : len), payload, rc, s.n, s.n ? s.ev[0]->flags : 0,
                s.n ? s.ev[0]->json : "(none)", want);
    sink_clear(&s);
    return ok;
}

#define ONE(payload, want) one_is(payload, strlen(payload), want, 0)
#define RAW(payload, msg)                                                                          \
    one_is(payload, strlen(payload), "{\"message\":" msg RAW_TAIL, LS_EVENT_RAW)

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

LS_TEST(test_parse_fixtures_canonicalise_to_themselves)
{
    size_t len, lines = 0;
    char *all = read_file(LS_FIXTURES_DIR "/fly-logs.ndjson", &len);
    CHECK(all != NULL);
    struct ls_parser *p = ls_parser_create(0);
    struct ls_parse_stats st = {0};
    struct sink s = {0};
    char *line = all, *end = all + len;
    int failed = 0;
    while (line < end && !failed) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        int rc = ls_parse_payload(p, SUBJ, line, n, RECV_NS, collect, &s, &st);
        if (rc != 1 || s.n != 1 || s.ev[0]->json_len != n || memcmp(s.ev[0]->json, line, n) ||
            s.ev[0]->flags != 0 || !s.ev[0]->time_from_record || s.ev[0]->time_ns == RECV_NS) {
            fprintf(stderr, "line %zu differs:\n  in:  %.*s\n  out: %s\n", lines + 1, (int)n, line,
                    s.n ? s.ev[0]->json : "(none)");
            failed = 1;
        }
        sink_clear(&s);
        lines++;
        line += n + 1;
    }
    ls_parser_destroy(p);
    free(all);
    CHECK(!failed);
    CHECK_INT(lines, 300);
    CHECK_INT(st.events, 300);
    CHECK_INT(st.not_json + st.empty + st.empty_array + st.truncated + st.non_object_elements, 0);
}

LS_TEST(test_parse_record_time_from_fixture)
{
    const char *r = "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":"
                    "\"a13043b026c48b\",\"name\":\"worker\"},\"region\":\"ord\"},\"host\":\"34d6\","
                    "\"log\":{\"level\":\"info\"},\"message\":\"GET /api/users/33009 200 218ms\","
                    "\"timestamp\":\"2026-11-23T10:00:00.493842299Z\"}";
    struct sink s = {0};
    CHECK_INT(parse_len(&s, NULL, 0, r, strlen(r)), 1);
    CHECK_STR(s.ev[0]->json, r);
    CHECK(s.ev[0]->time_from_record);
    CHECK_INT(s.ev[0]->time_ns, INT64_C(1795428000493842299));
    CHECK_INT(s.ev[0]->recv_ns, RECV_NS);
    CHECK_STR(s.ev[0]->subject, SUBJ);
    CHECK_STR(s.ev[0]->app, "worker");
    sink_clear(&s);
}

/* A canonical payload takes the fast path (no tree); anything else is parsed and rewritten. */
LS_TEST(test_parse_fast_path_only_for_canonical_text)
{
    static const char *const canonical[] = {
        "{\"a\":1,\"b\":{\"c\":[1,2.50,\"x\"],\"d\":null}}",
        "{\"m\":\"tab\\t nl\\n q\\\" bs\\\\ ctl\\u0001\"}",
        "{\"\":1,\"a\":2,\"ab\":3,\"b\":4}",
    };
    static const char *const rewritten[][2] = {
        {"{\"b\":1,\"a\":2}", "{\"a\":2,\"b\":1}"},
        {"{\"a\": 1}", "{\"a\":1}"},
        {"{\"a\":\"x\\/y\"}", "{\"a\":\"x/y\"}"},
        {"{\"a\":\"\\u0041\"}", "{\"a\":\"A\"}"},
        {"{\"a\":\"\\u001F\"}", "{\"a\":\"\\u001f\"}"},
        {"{\"a\":1,\"a\":2}", "{\"a\":2}"},
        {"{\"fly\":{\"app\":{\"name\":\"w\\u00e9\"}}}",
         "{\"fly\":{\"app\":{\"name\":\"w\u00e9\"}}}"},
    };
    for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
        struct sink s = {0};
        CHECK_INT(parse_len(&s, NULL, 0, canonical[i], strlen(canonical[i])), 1);
        CHECK(s.ev[0]->root == NULL);
        CHECK_STR(s.ev[0]->json, canonical[i]);
        sink_clear(&s);
    }
    for (size_t i = 0; i < sizeof(rewritten) / sizeof(rewritten[0]); i++) {
        struct sink s = {0};
        CHECK_INT(parse_len(&s, NULL, 0, rewritten[i][0], strlen(rewritten[i][0])), 1);
        CHECK(s.ev[0]->root != NULL);
        CHECK_STR(s.ev[0]->json, rewritten[i][1]);
        sink_clear(&s);
    }
    struct sink s = {0};
    const char *app = rewritten[6][0];
    CHECK_INT(parse_len(&s, NULL, 0, app, strlen(app)), 1);
    CHECK_STR(s.ev[0]->app, "w\u00e9"); /* decoded by the slow path */
    sink_clear(&s);
}

static size_t b64_decode(const char *in, size_t n, char *out)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && in[i] != '='; i++) {
        const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *c = strchr(tab, in[i]);
        if (!c || !in[i])
            continue;
        acc = (acc << 6) | (unsigned)(c - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    return o;
}

/* Expected events for each line of bad-payloads.b64, in file order (NULL ends a list). */
static const char *const bad_expect[][4] = {
    {"{\"message\":\"not json at all\"" RAW_TAIL},
    {"{\"message\":\"{\\\"truncated\\\": \"" RAW_TAIL},
    {"{\"message\":1}", "{\"message\":2}", "{\"message\":3}"},
    {"{\"message\":\"just a string\"}"},
    {"{\"message\":null}"},
    {"{\"message\":42}"},
    {"{\"message\":\"{\\\"message\\\": \\\"invalid utf8 " FFFD FFFD " here\\\"}\"" RAW_TAIL},
    {"{\"message\":\"" FFFD "( raw invalid utf8\"" RAW_TAIL},
    {"{\"message\":123,\"timestamp\":false}"},
    {"{\"fly\":\"not an object\",\"message\":\"x\"}"},
    {NULL}, /* 2000 nested objects: raw; expected text built in the test */
    {"{\"message\":\"nul \\u0000 inside\"}"},
    {"{\"message\":\"dup2\"}"},
    {NULL}, /* empty: no event */
};
static const unsigned bad_raw[] = {1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0};

LS_TEST(test_parse_bad_payloads_table)
{
    size_t len;
    char *all = read_file(LS_FIXTURES_DIR "/bad-payloads.b64", &len);
    CHECK(all != NULL);
    char *line = all, *end = all + len;
    char *dec = malloc(len), *deep = NULL;
    size_t idx = 0;
    struct ls_parse_stats st = {0};
    struct sink s = {0};
    struct ls_parser *p = ls_parser_create(0);
    int failed = 0;
    while (line <= end && idx < sizeof(bad_raw) / sizeof(bad_raw[0]) && !failed) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        size_t dn = b64_decode(line, n, dec);
        int rc = ls_parse_payload(p, SUBJ, dec, dn, RECV_NS, collect, &s, &st);
        if (idx == 10) {
            /* message = the payload with its quotes escaped */
            free(deep);
            deep = malloc(2 * dn + 200);
            size_t w = (size_t)snprintf(deep, 20, "{\"message\":\"");
            for (size_t i = 0; i < dn; i++) {
                if (dec[i] == '"')
                    deep[w++] = '\\';
                deep[w++] = dec[i];
            }
            snprintf(deep + w, 200, "\"%s", RAW_TAIL);
        }
        int want_n = 0;
        while (want_n < 4 && bad_expect[idx][want_n])
            want_n++;
        if (idx == 10)
            want_n = 1;
        if (rc != want_n || s.n != want_n)
            failed = 1;
        for (int i = 0; i < s.n && !failed; i++) {
            const char *want = idx == 10 ? deep : bad_expect[idx][i];
            if (strcmp(s.ev[i]->json, want) != 0 || (s.ev[i]->flags != 0) != (bad_raw[idx] != 0))
                failed = 1;
            if (!ls_utf8_valid(s.ev[i]->json, s.ev[i]->json_len))
                failed = 1;
            if (idx == 8 && s.ev[i]->time_from_record) /* `timestamp` is not a string */
                failed = 1;
        }
        if (failed)
            fprintf(stderr, "bad payload %zu: rc %d, %d events, first: %.300s\n", idx, rc, s.n,
                    s.n ? s.ev[0]->json : "(none)");
        sink_clear(&s);
        idx++;
        if (!nl)
            break;
        line = nl + 1;
    }
    ls_parser_destroy(p);
    free(all);
    free(dec);
    free(deep);
    CHECK(!failed);
    CHECK_INT(idx, 14);
    CHECK_INT(st.not_json, 5);
    CHECK_INT(st.empty, 1);
    CHECK_INT(st.non_object_elements, 3);
    CHECK_INT(st.events, 15);
}

LS_TEST(test_parse_big_integers_exact)
{
    CHECK(ONE("{\"a\":123456789012345678901234567890,\"b\":-99999999999999999999,"
              "\"c\":18446744073709551615,\"d\":-9223372036854775808,\"e\":1.50,\"f\":1E3}",
              "{\"a\":123456789012345678901234567890,\"b\":-99999999999999999999,"
              "\"c\":18446744073709551615,\"d\":-9223372036854775808,\"e\":1.50,\"f\":1E3}"));
    const char *arr =
        "[18446744073709551616, -9223372036854775809, {\"x\":[100000000000000000000]}]";
    struct sink s = {0};
    CHECK_INT(parse_len(&s, NULL, 0, arr, strlen(arr)), 3);
    CHECK_STR(s.ev[0]->json, "{\"message\":18446744073709551616}");
    CHECK_STR(s.ev[1]->json, "{\"message\":-9223372036854775809}");
    CHECK_STR(s.ev[2]->json, "{\"x\":[100000000000000000000]}");
    sink_clear(&s);
    CHECK(ONE("123456789012345678901234567890", "{\"message\":123456789012345678901234567890}"));
    /* digits inside strings are not numbers and are left alone */
    CHECK(ONE("{\"s\":\"123456789012345678901234567890\",\"n\":99999999999999999999}",
              "{\"n\":99999999999999999999,\"s\":\"123456789012345678901234567890\"}"));
    CHECK(ONE("{\"s\":\"\\\"99999999999999999999\",\"t\":1}",
              "{\"s\":\"\\\"99999999999999999999\",\"t\":1}"));
}

LS_TEST(test_parse_negative_zero_like_serde)
{
    CHECK(ONE("{\"z\":-0,\"y\":0,\"x\":-0.0}", "{\"x\":-0.0,\"y\":0,\"z\":-0.0}"));
}

LS_TEST(test_parse_string_escapes_canonical)
{
    CHECK(ONE("{\"m\":\"a\\u0000b\"}", "{\"m\":\"a\\u0000b\"}"));
    CHECK(ONE("{\"m\":\"\\u00e9\\u00E9\"}", "{\"m\":\"\xC3\xA9\xC3\xA9\"}"));
    CHECK(ONE("{\"m\":\"a\\/b\"}", "{\"m\":\"a/b\"}"));
    CHECK(ONE("{\"m\":\"\\ud83d\\ude00\"}", "{\"m\":\"\xF0\x9F\x98\x80\"}"));
    CHECK(ONE("{\"m\":\"\\u001B\\u007f\\t\"}", "{\"m\":\"\\u001b\x7f\\t\"}"));
}

LS_TEST(test_parse_non_ascii_keys_sort_by_bytes)
{
    CHECK(ONE("{\"\xC3\xA9\":1,\"z\":2,\"Z\":3,\"\\u00e0\":4}",
              "{\"Z\":3,\"z\":2,\"\xC3\xA0\":4,\"\xC3\xA9\":1}"));
}

LS_TEST(test_parse_duplicate_keys_last_wins)
{
    CHECK(ONE("{\"a\":1,\"b\":2,\"a\":{\"c\":3}}", "{\"a\":{\"c\":3},\"b\":2}"));
}

/* n nested containers: `[[[...]]]` or `{"a":{"a":...1}}`. */
static char *nested(int n, int objects, size_t *len)
{
    char *s = malloc((size_t)n * 6 + 2);
    size_t w = 0;
    for (int i = 0; i < n; i++) {
        memcpy(s + w, objects ? "{\"a\":" : "[", objects ? 5 : 1);
        w += objects ? 5 : 1;
    }
    s[w++] = '1';
    for (int i = 0; i < n; i++)
        s[w++] = objects ? '}' : ']';
    s[w] = '\0';
    *len = w;
    return s;
}

LS_TEST(test_parse_depth_127_parses_128_is_raw)
{
    /* serde_json (RECURSION_LIMIT 128) accepts 127 nested containers and refuses the 128th. */
    for (int objects = 0; objects <= 1; objects++) {
        size_t len;
        char *ok = nested(127, objects, &len);
        struct sink s = {0};
        struct ls_parse_stats st = {0};
        CHECK_INT(parse_len(&s, &st, 0, ok, len), 1);
        CHECK_INT(s.ev[0]->flags, 0);
        if (objects)
            CHECK_MEM(s.ev[0]->json, s.ev[0]->json_len, ok);
        sink_clear(&s);
        free(ok);

        char *deep = nested(128, objects, &len);
        CHECK_INT(parse_len(&s, &st, 0, deep, len), 1);
        CHECK_INT(s.ev[0]->flags, LS_EVENT_RAW);
        CHECK_INT(st.not_json, 1);
        sink_clear(&s);
        free(deep);
    }
}

LS_TEST(test_parse_invalid_utf8_is_raw_with_fffd)
{
    CHECK(RAW("{\"a\":\"\xC0\xAF\"}", "\"{\\\"a\\\":\\\"" FFFD FFFD "\\\"}\""));
    CHECK(RAW("{\"a\":\"\xED\xA0\x80\"}", "\"{\\\"a\\\":\\\"" FFFD FFFD FFFD "\\\"}\""));
    CHECK(RAW("{\"a\":\"\xF0\x90\x80\"}", "\"{\\\"a\\\":\\\"" FFFD "\\\"}\""));
    CHECK(RAW("\xEF\xBB\xBF{}", "\"\xEF\xBB\xBF{}\"")); /* a BOM is not JSON whitespace */
}

LS_TEST(test_parse_serde_strictness)
{
    /* json-c alone would accept each of these; serde_json (so Vector) refuses them. */
    CHECK(RAW("NaN", "\"NaN\""));
    CHECK(RAW("[Infinity]", "\"[Infinity]\""));
    CHECK(RAW("[-Infinity]", "\"[-Infinity]\""));
    CHECK(RAW("01", "\"01\""));
    CHECK(RAW("[-01]", "\"[-01]\""));
    CHECK(RAW("[1.]", "\"[1.]\""));
    CHECK(RAW("[1.e5]", "\"[1.e5]\""));
    CHECK(RAW("[.5]", "\"[.5]\""));
    CHECK(RAW("[+1]", "\"[+1]\""));
    CHECK(RAW("{\"a\":\"tab\there\"}", "\"{\\\"a\\\":\\\"tab\\there\\\"}\""));
    CHECK(RAW("{\"a\":\"\\ud800\"}", "\"{\\\"a\\\":\\\"\\\\ud800\\\"}\""));
    CHECK(RAW("{\"a\":\"\\udc00\"}", "\"{\\\"a\\\":\\\"\\\\udc00\\\"}\""));
    CHECK(RAW("{\"a\":\"\\ud800\\u0041\"}", "\"{\\\"a\\\":\\\"\\\\ud800\\\\u0041\\\"}\""));
    CHECK(RAW("{\"a\":1} x", "\"{\\\"a\\\":1} x\""));
    CHECK(RAW("{\"a\":1}{}", "\"{\\\"a\\\":1}{}\""));
    CHECK(RAW("[1,]", "\"[1,]\""));
    CHECK(RAW("{\"a\":1,}", "\"{\\\"a\\\":1,}\""));
    CHECK(RAW("{'a':1}", "\"{'a':1}\""));
    CHECK(RAW("[1] // c", "\"[1] // c\""));
    CHECK(RAW("\f[1]", "\"\\f[1]\""));
    CHECK(RAW("\"\\x\"", "\"\\\"\\\\x\\\"\""));
    CHECK(RAW("tru", "\"tru\""));
    CHECK(one_is("{}\0", 3, "{\"message\":\"{}\\u0000\"" RAW_TAIL, LS_EVENT_RAW));
    /* an escaped NUL in a key would be cut by json-c: kept whole as a raw event */
    CHECK(RAW("{\"a\\u0000b\":1}", "\"{\\\"a\\\\u0000b\\\":1}\""));
}

LS_TEST(test_parse_whitespace_around_value)
{
    CHECK(ONE(" \t\r\n{\"a\" : [ 1 , 2 ] }\n", "{\"a\":[1,2]}"));
    CHECK(ONE("{}\n", "{}"));
    CHECK(ONE(" 7 ", "{\"message\":7}"));
}

LS_TEST(test_parse_top_level_scalars_wrapped)
{
    CHECK(ONE("true", "{\"message\":true}"));
    CHECK(ONE("false", "{\"message\":false}"));
    CHECK(ONE("null", "{\"message\":null}"));
    CHECK(ONE("-1.5e3", "{\"message\":-1.5e3}"));
    CHECK(ONE("\"x\"", "{\"message\":\"x\"}"));
    CHECK(ONE("1e400", "{\"message\":1e400}"));
}

LS_TEST(test_parse_array_elements)
{
    const char *in = "[{\"b\":1,\"a\":2},2,\"x\",null,[1,{}],{}]";
    const char *want[] = {"{\"a\":2,\"b\":1}",  "{\"message\":2}",      "{\"message\":\"x\"}",
                          "{\"message\":null}", "{\"message\":[1,{}]}", "{}"};
    struct sink s = {0};
    struct ls_parse_stats st = {0};
    CHECK_INT(parse_len(&s, &st, 0, in, strlen(in)), 6);
    CHECK_INT(s.n, 6);
    for (int i = 0; i < 6; i++) {
        CHECK_STR(s.ev[i]->json, want[i]);
        CHECK_INT(s.ev[i]->flags, 0);
    }
    CHECK_INT(st.events, 6);
    CHECK_INT(st.non_object_elements, 4);
    sink_clear(&s);
}

LS_TEST(test_parse_empty_array_counted)
{
    struct sink s = {0};
    struct ls_parse_stats st = {0};
    CHECK_INT(parse_len(&s, &st, 0, " [ ] ", 5), 0);
    CHECK_INT(s.n, 0);
    CHECK_INT(st.empty_array, 1);
    CHECK_INT(st.events + st.not_json + st.empty, 0);
}

LS_TEST(test_parse_empty_payload_counted)
{
    struct sink s = {0};
    struct ls_parse_stats st = {0};
    CHECK_INT(parse_len(&s, &st, 0, "", 0), 0);
    CHECK_INT(parse_len(&s, &st, 0, " \n\t\r", 4), 0);
    CHECK_INT(s.n, 0);
    CHECK_INT(st.empty, 2);
    CHECK_INT(st.events + st.not_json, 0);
}

LS_TEST(test_parse_truncated_at_character_boundary)
{
    /* 18 bytes: `{"m":"abcdefg` is 13, the euro sign takes bytes 14..16, `"}` 17..18 */
    const char *in = "{\"m\":\"abcdefg\xE2\x82\xAC\"}";
    const char *cut =
        "{\"logship_truncated_bytes\":18,\"message\":\"{\\\"m\\\":\\\"abcdefg\"" RAW_TAIL;
    struct sink s = {0};
    struct ls_parse_stats st = {0};
    for (size_t max = 13; max <= 15; max++) { /* cuts at or inside the euro sign */
        CHECK_INT(parse_len(&s, &st, max, in, strlen(in)), 1);
        CHECK_STR(s.ev[0]->json, cut);
        CHECK_INT(s.ev[0]->flags, LS_EVENT_RAW | LS_EVENT_TRUNCATED);
        sink_clear(&s);
    }
    CHECK_INT(st.truncated, 3);
    CHECK_INT(st.not_json, 0);

    /* a cut after the character keeps it */
    CHECK_INT(parse_len(&s, &st, 16, in, strlen(in)), 1);
    CHECK_STR(s.ev[0]->json, "{\"logship_truncated_bytes\":18,\"message\":\"{\\\"m\\\":\\\"abcdefg"
                             "\xE2\x82\xAC\"" RAW_TAIL);
    sink_clear(&s);
    /* one byte over the limit is truncated; exactly at the limit parses normally */
    CHECK_INT(parse_len(&s, &st, 17, in, strlen(in)), 1);
    CHECK_INT(s.ev[0]->flags, LS_EVENT_RAW | LS_EVENT_TRUNCATED);
    sink_clear(&s);
    CHECK_INT(parse_len(&s, &st, 18, in, strlen(in)), 1);
    CHECK_STR(s.ev[0]->json, in);
    CHECK_INT(s.ev[0]->flags, 0);
    sink_clear(&s);
}

LS_TEST(test_parse_raw_timestamp_autosi)
{
    struct ls_parser *p = ls_parser_create(0);
    struct sink s = {0};
    CHECK_INT(ls_parse_payload(p, NULL, "x", 1, INT64_C(1795428001000000000), collect, &s, NULL),
              1);
    CHECK_STR(s.ev[0]->json, "{\"message\":\"x\",\"source_type\":\"nats\",\"subject\":\"\","
                             "\"timestamp\":\"2026-11-23T10:00:01Z\"}");
    CHECK_STR(s.ev[0]->subject, "");
    CHECK(!s.ev[0]->time_from_record);
    CHECK_INT(s.ev[0]->time_ns, INT64_C(1795428001000000000));
    sink_clear(&s);
    CHECK_INT(ls_parse_payload(p, "s", "x", 1, INT64_C(1795428001120000000), collect, &s, NULL), 1);
    CHECK_STR(s.ev[0]->json, "{\"message\":\"x\",\"source_type\":\"nats\",\"subject\":\"s\","
                             "\"timestamp\":\"2026-11-23T10:00:01.120Z\"}");
    sink_clear(&s);
    ls_parser_destroy(p);
}

LS_TEST(test_parse_parser_reused_across_payloads)
{
    /* the tokener is reset per payload: an error leaves no state behind */
    struct ls_parser *p = ls_parser_create(0);
    struct sink s = {0};
    const char *seq[] = {"{\"a\":", "{\"b\":1}", "[1", "2", "99999999999999999999", "{}"};
    const char *want[] = {"{\"message\":\"{\\\"a\\\":\"" RAW_TAIL, "{\"b\":1}",
                          "{\"message\":\"[1\"" RAW_TAIL,          "{\"message\":2}",
                          "{\"message\":99999999999999999999}",    "{}"};
    for (int i = 0; i < 6; i++) {
        CHECK_INT(ls_parse_payload(p, SUBJ, seq[i], strlen(seq[i]), RECV_NS, collect, &s, NULL), 1);
        CHECK_STR(s.ev[0]->json, want[i]);
        sink_clear(&s);
    }
    ls_parser_destroy(p);
}

LS_TEST(test_event_record_time_rules)
{
    struct {
        const char *json;
        bool from_record;
        int64_t ns;
    } cases[] = {
        {"{\"timestamp\":\"2026-11-23T10:00:00.5Z\"}", true, INT64_C(1795428000500000000)},
        {"{\"timestamp\":\"2026-11-23T11:00:00+01:00\"}", true, INT64_C(1795428000000000000)},
        {"{\"timestamp\":\"yesterday\"}", false, RECV_NS},
        {"{\"timestamp\":1795428000}", false, RECV_NS},
        {"{\"ts\":\"2026-11-23T10:00:00Z\"}", false, RECV_NS},
        {"{\"a\":{\"timestamp\":\"2026-11-23T10:00:00Z\"}}", false, RECV_NS},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ls_event *ev = ls_event_create(json_tokener_parse(cases[i].json), "s", RECV_NS, 0);
        CHECK(ev != NULL);
        CHECK_INT(ev->time_from_record, cases[i].from_record);
        CHECK_INT(ev->time_ns, cases[i].ns);
        ls_event_unref(ev);
    }
}

LS_TEST(test_event_refcount_and_ownership)
{
    struct json_object *root = json_tokener_parse("{\"b\":[1,2],\"a\":\"x\"}");
    struct ls_event *ev = ls_event_create(root, "logs.x", 5, LS_EVENT_RAW);
    CHECK(ev != NULL);
    CHECK_STR(ev->json, "{\"a\":\"x\",\"b\":[1,2]}");
    CHECK_INT(ev->json_len, 19);
    CHECK_STR(ev->subject, "logs.x");
    CHECK(ev->root == root);
    CHECK_INT(ev->flags, LS_EVENT_RAW);
    CHECK_INT(ev->time_ns, 5);
    CHECK(ls_event_ref(ev) == ev);
    CHECK_INT(atomic_load(&ev->refs), 2);
    ls_event_unref(ev);
    CHECK_INT(atomic_load(&ev->refs), 1);
    ls_event_unref(ev); /* frees; ASan reports a leak or double free otherwise */
    ls_event_unref(NULL);
    /* a non-object root is refused and released */
    CHECK(ls_event_create(json_object_new_int(1), "s", 0, 0) == NULL);
}

LS_TEST(test_event_json_path_lookup)
{
    struct ls_event *ev = ls_event_create(
        json_tokener_parse("{\"fly\":{\"app\":{\"name\":\"web\",\"n\":3}},\"arr\":[{\"x\":\"y\"}],"
                           "\"a.b\":\"dotted\",\"top\":\"t\"}"),
        "s", 0, 0);
    CHECK(ev != NULL);
    CHECK_STR(ls_event_str(ev, "fly.app.name"), "web");
    CHECK_STR(ls_event_str(ev, "top"), "t");
    CHECK(ls_event_str(ev, "fly.app.n") == NULL); /* not a string */
    CHECK(ls_json_path(ev->root, "fly.app.n") != NULL);
    CHECK(ls_json_path(ev->root, "fly.app") != NULL);
    CHECK(ls_json_path(ev->root, "fly.app.name.x") == NULL);
    CHECK(ls_json_path(ev->root, "fly.missing") == NULL);
    CHECK(ls_json_path(ev->root, "arr.0.x") == NULL); /* never inside arrays */
    CHECK(ls_json_path(ev->root, "arr.x") == NULL);
    CHECK(ls_json_path(ev->root, "a.b") == NULL); /* dots always separate */
    CHECK(ls_json_path(ev->root, "") == NULL);
    CHECK(ls_json_path(ev->root, "fly..app") == NULL);
    CHECK(ls_json_path(ev->root, ".fly") == NULL);
    CHECK(ls_json_path(ev->root, "fly.") == NULL);
    ls_event_unref(ev);
}

LS_TEST_MAIN(
    LS_CASE(test_parse_fixtures_canonicalise_to_themselves),
    LS_CASE(test_parse_record_time_from_fixture),
    LS_CASE(test_parse_fast_path_only_for_canonical_text), LS_CASE(test_parse_bad_payloads_table),
    LS_CASE(test_parse_big_integers_exact), LS_CASE(test_parse_negative_zero_like_serde),
    LS_CASE(test_parse_string_escapes_canonical), LS_CASE(test_parse_non_ascii_keys_sort_by_bytes),
    LS_CASE(test_parse_duplicate_keys_last_wins), LS_CASE(test_parse_depth_127_parses_128_is_raw),
    LS_CASE(test_parse_invalid_utf8_is_raw_with_fffd), LS_CASE(test_parse_serde_strictness),
    LS_CASE(test_parse_whitespace_around_value), LS_CASE(test_parse_top_level_scalars_wrapped),
    LS_CASE(test_parse_array_elements), LS_CASE(test_parse_empty_array_counted),
    LS_CASE(test_parse_empty_payload_counted), LS_CASE(test_parse_truncated_at_character_boundary),
    LS_CASE(test_parse_raw_timestamp_autosi), LS_CASE(test_parse_parser_reused_across_payloads),
    LS_CASE(test_event_record_time_rules), LS_CASE(test_event_refcount_and_ownership),
    LS_CASE(test_event_json_path_lookup))
