/* Unit tests for sink/kinds/cloudwatch_limits.c: PutLogEvents' limits and bodies. */
#include "test.h"
#include "sink/kinds/cloudwatch_limits.h"
#include "event/utf8.h"
#include "util/buf.h"

#include <stdint.h>

#define DAY_MS (24LL * 3600 * 1000)

static struct ls_cw_event ev_at(int64_t ts, size_t len, size_t index)
{
    struct ls_cw_event e = {ts, "", len, index};
    return e;
}

LS_TEST(test_cloudwatch_limits_line_is_message_plus_26)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_cw_line_encode(&b, 1795428000493LL, "{\"a\":1}", 7), 0);
    CHECK_INT(b.len, 7 + LS_CW_EVENT_OVERHEAD);
    CHECK_STR(b.data, "00000000000" /* 24 digits */ "1795428000493 {\"a\":1}\n");
    ls_buf_free(&b);
}

LS_TEST(test_cloudwatch_limits_lines_round_trip)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_cw_line_encode(&b, 5, "{}", 2), 0);
    CHECK_INT(ls_cw_line_encode(&b, -1, "{\"x\":\"\\n\"}", 10), 0);
    struct ls_cw_event ev[2];
    size_t n = 0;
    CHECK_INT(ls_cw_lines_decode(b.data, b.len, ev, 2, &n), 0);
    CHECK_INT(n, 2);
    CHECK_INT(ev[0].ts_ms, 5);
    CHECK_MEM(ev[0].msg, ev[0].len, "{}");
    CHECK_INT(ev[1].ts_ms, -1);
    CHECK_MEM(ev[1].msg, ev[1].len, "{\"x\":\"\\n\"}");
    CHECK_INT(ev[1].index, 1);
    CHECK_INT(ls_cw_lines_decode(b.data, b.len, ev, 1, &n), -1);     /* more lines than room */
    CHECK_INT(ls_cw_lines_decode(b.data, b.len - 1, ev, 2, &n), -1); /* no final newline */
    ls_buf_free(&b);
}

static int cut(const char *json, const char *key, char *out, size_t cap)
{
    size_t ms, me, vs, ve, n = strlen(json);
    if (ls_cw_json_member(json, n, key, &ms, &me, &vs, &ve) != 0)
        return -1;
    snprintf(out, cap, "%.*s%s|%.*s", (int)ms, json, json + me, (int)(ve - vs), json + vs);
    return 0;
}

LS_TEST(test_cloudwatch_limits_member_removed_anywhere)
{
    char out[256];
    CHECK_INT(cut("{\"a\":1,\"timestamp\":\"t\",\"z\":[1]}", "timestamp", out, sizeof(out)), 0);
    CHECK_STR(out, "{\"a\":1,\"z\":[1]}|\"t\"");
    CHECK_INT(cut("{\"timestamp\":\"t\",\"z\":1}", "timestamp", out, sizeof(out)), 0);
    CHECK_STR(out, "{\"z\":1}|\"t\"");
    CHECK_INT(cut("{\"a\":{\"b\":\"}\"},\"timestamp\":2}", "timestamp", out, sizeof(out)), 0);
    CHECK_STR(out, "{\"a\":{\"b\":\"}\"}}|2");
    CHECK_INT(cut("{\"timestamp\":null}", "timestamp", out, sizeof(out)), 0);
    CHECK_STR(out, "{}|null");
}

LS_TEST(test_cloudwatch_limits_member_only_top_level)
{
    char out[256];
    CHECK_INT(cut("{\"a\":{\"host\":\"x\"},\"b\":\"\\\"host\\\":1\"}", "host", out, sizeof(out)),
              -1);
    CHECK_INT(cut("{\"hostname\":\"x\"}", "host", out, sizeof(out)), -1);
    CHECK_INT(cut("{}", "host", out, sizeof(out)), -1);
}

LS_TEST(test_cloudwatch_limits_utf8_prefix_on_boundary)
{
    const char *s = "ab\xc3\xa9"
                    "c"; /* "abéc" */
    CHECK_INT(ls_utf8_cut(s, 5, 10), 5);
    CHECK_INT(ls_utf8_cut(s, 5, 4), 4);
    CHECK_INT(ls_utf8_cut(s, 5, 3), 2); /* inside é: cut before it */
    CHECK_INT(ls_utf8_cut(s, 5, 2), 2);
}

LS_TEST(test_cloudwatch_limits_accepted_time_window)
{
    int64_t now = 1795428001123LL;
    CHECK_INT(ls_cw_accepted_time(now - DAY_MS, now), now - DAY_MS);
    CHECK_INT(ls_cw_accepted_time(now - 13 * DAY_MS, now), now - 13 * DAY_MS);
    CHECK_INT(ls_cw_accepted_time(now - 14 * DAY_MS, now), now);
    CHECK_INT(ls_cw_accepted_time(now + 3600000, now), now + 3600000);
    CHECK_INT(ls_cw_accepted_time(now + 2 * 3600000, now), now);
    CHECK_INT(ls_cw_accepted_time(-5, now), now);
}

LS_TEST(test_cloudwatch_limits_sort_is_stable)
{
    struct ls_cw_event ev[4] = {ev_at(3, 0, 0), ev_at(1, 0, 1), ev_at(3, 0, 2), ev_at(1, 0, 3)};
    ls_cw_sort(ev, 4);
    CHECK_INT(ev[0].index, 1);
    CHECK_INT(ev[1].index, 3);
    CHECK_INT(ev[2].index, 0);
    CHECK_INT(ev[3].index, 2);
}

LS_TEST(test_cloudwatch_limits_chunk_by_events)
{
    struct ls_cw_event ev[5];
    for (size_t i = 0; i < 5; i++)
        ev[i] = ev_at(0, 1, i);
    CHECK_INT(ls_cw_next_chunk(ev, 5, 2, 1000, DAY_MS), 2);
    CHECK_INT(ls_cw_next_chunk(ev, 5, 10, 1000, DAY_MS), 5);
    CHECK_INT(ls_cw_next_chunk(ev, 0, 10, 1000, DAY_MS), 0);
}

LS_TEST(test_cloudwatch_limits_chunk_bytes_count_overhead)
{
    struct ls_cw_event ev[3] = {ev_at(0, 74, 0), ev_at(0, 74, 1), ev_at(0, 74, 2)};
    /* Two events cost exactly 200 bytes with the overhead: at the limit, both fit. */
    CHECK_INT(ls_cw_next_chunk(ev, 3, 10, 200, DAY_MS), 2);
    /* One byte less: only one. */
    CHECK_INT(ls_cw_next_chunk(ev, 3, 10, 199, DAY_MS), 1);
    /* A single event always goes, even when the limit is smaller. */
    CHECK_INT(ls_cw_next_chunk(ev, 3, 10, 10, DAY_MS), 1);
}

LS_TEST(test_cloudwatch_limits_chunk_span_below_24_hours)
{
    struct ls_cw_event ev[3] = {ev_at(0, 1, 0), ev_at(DAY_MS - 1, 1, 1), ev_at(DAY_MS, 1, 2)};
    CHECK_INT(ls_cw_next_chunk(ev, 3, 10, 1000, DAY_MS), 2);
    CHECK_INT(ls_cw_next_chunk(ev + 1, 2, 10, 1000, DAY_MS), 2);
}

LS_TEST(test_cloudwatch_limits_service_constants)
{
    CHECK_INT(LS_CW_MAX_CALL_BYTES, 1048576);
    CHECK_INT(LS_CW_EVENT_OVERHEAD, 26);
    CHECK_INT(LS_CW_MAX_EVENTS, 10000);
    CHECK_INT(LS_CW_MAX_MESSAGE + LS_CW_EVENT_OVERHEAD, LS_CW_MAX_CALL_BYTES);
}

LS_TEST(test_cloudwatch_limits_stream_name)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_cw_stream_name(&b, "worker", 6, "34d6", 4), 0);
    CHECK_STR(b.data, "worker/34d6");
    ls_buf_reset(&b);
    CHECK_INT(ls_cw_stream_name(&b, NULL, 0, "h", 1), 0);
    CHECK_STR(b.data, "unknown/h");
    ls_buf_reset(&b);
    CHECK_INT(ls_cw_stream_name(&b, "a:b", 3, "c*", 2), 0);
    CHECK_STR(b.data, "a_b/c_");
    ls_buf_reset(&b);
    char long_app[700];
    memset(long_app, 'x', sizeof(long_app));
    CHECK_INT(ls_cw_stream_name(&b, long_app, sizeof(long_app), "h", 1), 0);
    CHECK_INT(b.len, LS_CW_MAX_STREAM_NAME);
    ls_buf_free(&b);
}

LS_TEST(test_cloudwatch_limits_names_validated)
{
    CHECK(ls_cw_group_name_valid("fly-logs"));
    CHECK(ls_cw_group_name_valid("/aws/fly/app_1.x#y"));
    CHECK(!ls_cw_group_name_valid(""));
    CHECK(!ls_cw_group_name_valid("a b"));
    CHECK(!ls_cw_group_name_valid("{{ fly.app.name }}"));
    CHECK(ls_cw_region_valid("us-east-1"));
    CHECK(ls_cw_region_valid("us-gov-west-1"));
    CHECK(ls_cw_region_valid("cn-north-1"));
    CHECK(!ls_cw_region_valid("US-EAST-1"));
    CHECK(!ls_cw_region_valid("us east 1"));
    CHECK(!ls_cw_region_valid("auto"));
    CHECK(!ls_cw_region_valid("evil.com/x"));
}

/* PROVIDERS.md §6.7: the worked example's PutLogEvents body, 331 bytes (with Vector's time). */
LS_TEST(test_cloudwatch_limits_put_body_worked_example)
{
    const char *msg = "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":"
                      "\"a13043b026c48b\",\"name\":\"worker\"},\"region\":\"ord\"},\"host\":"
                      "\"34d6\",\"log\":{\"level\":\"info\"},\"message\":\"GET /api/users/33009 "
                      "200 218ms\"}";
    CHECK_INT(strlen(msg), 183);
    struct ls_cw_event ev = {1795428001123LL, msg, strlen(msg), 0};
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_cw_body_put(&b, "fly-logs", "worker/34d6", &ev, 1, NULL), 0);
    CHECK_INT(b.len, 331);
    CHECK_STR(b.data,
              "{\"logGroupName\":\"fly-logs\",\"logStreamName\":\"worker/34d6\",\"logEvents\":[{"
              "\"timestamp\":1795428001123,\"message\":\"{\\\"event\\\":{\\\"provider\\\":"
              "\\\"app\\\"},\\\"fly\\\":{\\\"app\\\":{\\\"instance\\\":\\\"a13043b026c48b\\\","
              "\\\"name\\\":\\\"worker\\\"},\\\"region\\\":\\\"ord\\\"},\\\"host\\\":\\\"34d6\\\","
              "\\\"log\\\":{\\\"level\\\":\\\"info\\\"},\\\"message\\\":\\\"GET /api/users/33009 "
              "200 218ms\\\"}\"}]}");
    ls_buf_reset(&b);
    CHECK_INT(ls_cw_body_put(&b, "g", "s", &ev, 0, "tok"), 0);
    CHECK_STR(b.data, "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[],"
                      "\"sequenceToken\":\"tok\"}");
    ls_buf_free(&b);
}

LS_TEST(test_cloudwatch_limits_other_bodies)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_cw_body_describe_streams(&b, "fly-logs", "worker/34d6"), 0);
    CHECK_STR(
        b.data,
        "{\"logGroupName\":\"fly-logs\",\"logStreamNamePrefix\":\"worker/34d6\",\"limit\":1}");
    ls_buf_reset(&b);
    CHECK_INT(ls_cw_body_create_group(&b, "fly-logs"), 0);
    CHECK_STR(b.data, "{\"logGroupName\":\"fly-logs\"}");
    ls_buf_reset(&b);
    CHECK_INT(ls_cw_body_create_stream(&b, "fly-logs", "a\"b"), 0);
    CHECK_STR(b.data, "{\"logGroupName\":\"fly-logs\",\"logStreamName\":\"a\\\"b\"}");
    ls_buf_free(&b);
}

LS_TEST(test_cloudwatch_limits_classify)
{
    CHECK_INT(ls_cw_classify(200, NULL, NULL), LS_CW_OK);
    CHECK_INT(ls_cw_classify(0, NULL, "timeout"), LS_CW_RETRY);
    CHECK_INT(ls_cw_classify(400, "ThrottlingException", NULL), LS_CW_RETRY);
    CHECK_INT(ls_cw_classify(503, "ServiceUnavailableException", NULL), LS_CW_RETRY);
    CHECK_INT(ls_cw_classify(500, NULL, NULL), LS_CW_RETRY);
    CHECK_INT(ls_cw_classify(501, NULL, NULL), LS_CW_REJECT);
    CHECK_INT(ls_cw_classify(400, "ResourceNotFoundException", NULL), LS_CW_NOT_FOUND);
    CHECK_INT(ls_cw_classify(400, "ResourceAlreadyExistsException", NULL), LS_CW_EXISTS);
    CHECK_INT(ls_cw_classify(400, "InvalidSequenceTokenException", NULL), LS_CW_BAD_TOKEN);
    CHECK_INT(ls_cw_classify(400, "DataAlreadyAcceptedException", NULL), LS_CW_ALREADY_ACCEPTED);
    CHECK_INT(ls_cw_classify(400, "AccessDeniedException", NULL), LS_CW_AUTH);
    CHECK_INT(ls_cw_classify(400, "UnrecognizedClientException", NULL), LS_CW_AUTH);
    CHECK_INT(ls_cw_classify(400, "InvalidSignatureException", "Signature expired: 2026"),
              LS_CW_RETRY);
    CHECK_INT(ls_cw_classify(400, "InvalidParameterException", NULL), LS_CW_REJECT);
    CHECK_INT(ls_cw_classify(413, NULL, NULL), LS_CW_TOO_LARGE);
}

LS_TEST(test_cloudwatch_limits_error_type)
{
    char t[64];
    const char *body = "{\"__type\":\"com.amazonaws.logs#ThrottlingException\",\"message\":\"x\"}";
    ls_cw_error_type(body, strlen(body), t, sizeof(t));
    CHECK_STR(t, "ThrottlingException");
    ls_cw_error_type("{\"__type\":\"AccessDeniedException\"}", 34, t, sizeof(t));
    CHECK_STR(t, "AccessDeniedException");
    ls_cw_error_type("not json", 8, t, sizeof(t));
    CHECK_STR(t, "");
}

LS_TEST_MAIN(LS_CASE(test_cloudwatch_limits_line_is_message_plus_26),
             LS_CASE(test_cloudwatch_limits_lines_round_trip),
             LS_CASE(test_cloudwatch_limits_member_removed_anywhere),
             LS_CASE(test_cloudwatch_limits_member_only_top_level),
             LS_CASE(test_cloudwatch_limits_utf8_prefix_on_boundary),
             LS_CASE(test_cloudwatch_limits_accepted_time_window),
             LS_CASE(test_cloudwatch_limits_sort_is_stable),
             LS_CASE(test_cloudwatch_limits_chunk_by_events),
             LS_CASE(test_cloudwatch_limits_chunk_bytes_count_overhead),
             LS_CASE(test_cloudwatch_limits_chunk_span_below_24_hours),
             LS_CASE(test_cloudwatch_limits_service_constants),
             LS_CASE(test_cloudwatch_limits_stream_name),
             LS_CASE(test_cloudwatch_limits_names_validated),
             LS_CASE(test_cloudwatch_limits_put_body_worked_example),
             LS_CASE(test_cloudwatch_limits_other_bodies), LS_CASE(test_cloudwatch_limits_classify),
             LS_CASE(test_cloudwatch_limits_error_type))
