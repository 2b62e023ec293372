/* Unit tests for codec/logfmt.c: Vector's logfmt codec rules (PROVIDERS.md Part 2 §3). */
#include "test.h"

#include <json-c/json.h>

#include "codec/logfmt.h"
#include "event/parse.h"
#include "util/buf.h"

/* logfmt of a JSON object text parsed as records are (numbers keep their text); NULL when the
   encoder refuses it. The caller frees. */
static char *logfmt_of(const char *json)
{
    struct ls_parser *p = ls_parser_create(0);
    struct json_object *o = p ? ls_parse_object(p, json, strlen(json)) : NULL;
    struct ls_buf b;
    ls_buf_init(&b, 0);
    char *res = NULL;
    if (o && ls_logfmt_encode(&b, o) == 0)
        res = ls_buf_steal(&b, NULL) ?: strdup("");
    ls_buf_free(&b);
    json_object_put(o);
    ls_parser_destroy(p);
    return res;
}

#define CHECK_LOGFMT(json, want)                                                                   \
    do {                                                                                           \
        char *got_ = logfmt_of(json);                                                              \
        int same_ = got_ && strcmp(got_, want) == 0;                                               \
        if (!same_)                                                                                \
            fprintf(stderr, "  in:   %s\n  got:  %s\n  want: %s\n", json, got_ ? got_ : "(fail)",  \
                    want);                                                                         \
        free(got_);                                                                                \
        CHECK(same_);                                                                              \
    } while (0)

LS_TEST(test_logfmt_worked_example)
{
    /* PROVIDERS.md Part 2 §3's worked line: R after loki_json, without its timestamp. */
    CHECK_LOGFMT(
        "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":\"a13043b026c48b\","
        "\"name\":\"worker\"},\"region\":\"ord\"},\"host\":\"34d6\",\"level\":\"info\","
        "\"log\":{\"level\":\"info\"},\"message\":\"GET /api/users/33009 200 218ms\"}",
        "event.provider=app fly.app.instance=a13043b026c48b fly.app.name=worker "
        "fly.region=ord host=34d6 level=info log.level=info "
        "message=\"GET /api/users/33009 200 218ms\"");
}

LS_TEST(test_logfmt_quotes_only_on_whitespace)
{
    CHECK_LOGFMT(
        "{\"a\":\"x y\",\"b\":\"x\\ty\",\"c\":\"x\\u00a0y\",\"d\":\"x\\u3000y\",\"e\":\"xy\"}",
        "a=\"x y\" b=\"x\ty\" c=\"x\xc2\xa0y\" d=\"x\xe3\x80\x80y\" e=xy");
    /* A quote alone does not make Vector quote the value; keys follow the same rule. */
    CHECK_LOGFMT("{\"k k\":\"v\",\"q\":\"a\\\"b\"}", "\"k k\"=v q=a\\\"b");
}

LS_TEST(test_logfmt_escapes_backslash_quote_newline)
{
    /* A line feed becomes backslash backslash n, and makes the value quoted (it is whitespace). */
    CHECK_LOGFMT("{\"m\":\"a\\\\b\\\"c\\nd\"}", "m=\"a\\\\b\\\"c\\\\nd\"");
    CHECK_LOGFMT("{\"m\":\"a\\rb\"}", "m=\"a\rb\"");
    CHECK_LOGFMT("{\"m\":\"a\\u0001b\"}", "m=a\x01"
                                          "b");
}

LS_TEST(test_logfmt_booleans_and_null)
{
    CHECK_LOGFMT("{\"a\":true,\"b\":false,\"c\":null,\"d\":1}", "a c=null d=1");
    CHECK_LOGFMT("{\"only\":false}", "");
}

LS_TEST(test_logfmt_flattens_objects_and_arrays)
{
    CHECK_LOGFMT("{\"t\":[\"x\",{\"y\":1},[2]],\"e\":{},\"f\":[],\"o\":{\"p\":{\"q\":\"r\"}}}",
                 "o.p.q=r t.0=x t.1.y=1 t.2.0=2");
}

LS_TEST(test_logfmt_sorts_by_flattened_key)
{
    /* '.' (0x2e) sorts before '0' (0x30): a.z comes before a0; t.10 before t.2. */
    CHECK_LOGFMT("{\"b\":1,\"a0\":2,\"a\":{\"z\":3}}", "a.z=3 a0=2 b=1");
    CHECK_LOGFMT("{\"t\":[0,1,2,3,4,5,6,7,8,9,10]}",
                 "t.0=0 t.1=1 t.10=10 t.2=2 t.3=3 t.4=4 t.5=5 t.6=6 t.7=7 t.8=8 t.9=9");
}

LS_TEST(test_logfmt_numbers_keep_their_text)
{
    CHECK_LOGFMT("{\"a\":1.0,\"b\":18446744073709551615,\"c\":-5,\"d\":1E3,\"e\":0.1}",
                 "a=1.0 b=18446744073709551615 c=-5 d=1E3 e=0.1");
}

LS_TEST(test_logfmt_later_key_wins_on_collision)
{
    /* {"a":{"b":1}} and "a.b" flatten to the same key; the top-level "a.b" comes later in key
       order ("a" < "a.b"), so it wins, as Vector's BTreeMap insert does. */
    CHECK_LOGFMT("{\"a\":{\"b\":1},\"a.b\":2}", "a.b=2");
    CHECK_LOGFMT("{\"a\":{\"b\":true},\"a.b\":false,\"c\":3}", "c=3");
}

LS_TEST(test_logfmt_refuses_non_object)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    ls_buf_puts(&b, "keep");
    struct json_object *arr = json_object_new_array();
    CHECK_INT(ls_logfmt_encode(&b, arr), -1);
    CHECK_INT(ls_logfmt_encode(&b, NULL), -1);
    CHECK_MEM(b.data, b.len, "keep");
    json_object_put(arr);
    ls_buf_free(&b);
}

LS_TEST(test_logfmt_write_string_plain_and_quoted)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_logfmt_write_string(&b, "a\0b", 3), 0);
    CHECK_INT(ls_logfmt_write_string(&b, " ", 1), 0);
    CHECK_INT((int)b.len, 6);
    CHECK(memcmp(b.data, "a\0b\" \"", 6) == 0);
    ls_buf_free(&b);
}

LS_TEST_MAIN(
    LS_CASE(test_logfmt_worked_example), LS_CASE(test_logfmt_quotes_only_on_whitespace),
    LS_CASE(test_logfmt_escapes_backslash_quote_newline), LS_CASE(test_logfmt_booleans_and_null),
    LS_CASE(test_logfmt_flattens_objects_and_arrays), LS_CASE(test_logfmt_sorts_by_flattened_key),
    LS_CASE(test_logfmt_numbers_keep_their_text), LS_CASE(test_logfmt_later_key_wins_on_collision),
    LS_CASE(test_logfmt_refuses_non_object), LS_CASE(test_logfmt_write_string_plain_and_quoted))
