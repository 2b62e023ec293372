/* Unit tests for the saas family's pure helpers (sink/kinds/saas.h). */
#include "test.h"

#include "sink/kinds/saas.h"
#include "event/event.h"
#include "event/parse.h"

#include <json-c/json.h>
#include <string.h>

/* Flattens `json` (optionally sorted) and returns the written object in a static buffer. */
static const char *flat(const char *json, bool sorted)
{
    static char out[4096];
    struct ls_parser *p = ls_parser_create(0);
    struct json_object *root = p ? ls_parse_object(p, json, strlen(json)) : NULL;
    struct ls_saas_fields f;
    struct ls_buf b;
    ls_saas_fields_init(&f);
    ls_buf_init(&b, 0);
    snprintf(out, sizeof(out), "(error)");
    if (root && ls_saas_fields_collect(&f, root) == 0) {
        if (sorted)
            ls_saas_fields_sort(&f);
        if (ls_saas_fields_write(&f, &b) == 0)
            snprintf(out, sizeof(out), "%s", b.data);
    }
    ls_buf_free(&b);
    ls_saas_fields_free(&f);
    json_object_put(root);
    ls_parser_destroy(p);
    return out;
}

LS_TEST(test_kinds_saas_flatten_all_fields_order)
{
    /* Depth first per level: `a` and everything under it before `a-b`. */
    CHECK_STR(flat("{\"a-b\":1,\"a\":{\"z\":2,\"c\":3}}", false),
              "{\"a.c\":3,\"a.z\":2,\"a-b\":1}");
}

LS_TEST(test_kinds_saas_flatten_sorted_order)
{
    CHECK_STR(flat("{\"a-b\":1,\"a\":{\"z\":2,\"c\":3}}", true), "{\"a-b\":1,\"a.c\":3,\"a.z\":2}");
}

LS_TEST(test_kinds_saas_flatten_arrays_by_index)
{
    CHECK_STR(flat("{\"x\":[0,1,2,3,4,5,6,7,8,9,{\"k\":10}]}", false),
              "{\"x[0]\":0,\"x[1]\":1,\"x[2]\":2,\"x[3]\":3,\"x[4]\":4,\"x[5]\":5,\"x[6]\":6,"
              "\"x[7]\":7,\"x[8]\":8,\"x[9]\":9,\"x[10].k\":10}");
}

LS_TEST(test_kinds_saas_flatten_escapes_dots_in_keys)
{
    CHECK_STR(flat("{\"a.b\":{\"c\":1}}", false), "{\"a\\\\.b.c\":1}");
}

LS_TEST(test_kinds_saas_flatten_keeps_empty_containers_and_null)
{
    CHECK_STR(flat("{\"e\":{},\"l\":[],\"n\":null,\"s\":\"v\"}", false),
              "{\"e\":{},\"l\":[],\"n\":null,\"s\":\"v\"}");
}

LS_TEST(test_kinds_saas_flatten_empty_record)
{
    CHECK_STR(flat("{}", false), "{}");
}

LS_TEST(test_kinds_saas_flatten_duplicate_path_first_position_last_value)
{
    /* The literal key `x[0]` and element 0 of `x` spell the same path. */
    CHECK_STR(flat("{\"w\":0,\"x\":[1],\"x[0]\":2}", false), "{\"w\":0,\"x[0]\":2}");
}

LS_TEST(test_kinds_saas_flatten_keeps_number_text)
{
    CHECK_STR(flat("{\"a\":{\"f\":1.50,\"big\":18446744073709551616}}", false),
              "{\"a.big\":18446744073709551616,\"a.f\":1.50}");
}

static const char *secs(int64_t ns)
{
    static char out[64];
    struct ls_buf b;
    ls_buf_init(&b, 0);
    snprintf(out, sizeof(out), "%s", ls_saas_write_hec_time(&b, ns) == 0 ? b.data : "(err)");
    ls_buf_free(&b);
    return out;
}

/* Vector: `(ts.timestamp_millis() as f64) / 1000f64`, printed by serde_json (shortest). */
LS_TEST(test_kinds_saas_hec_time_millis_as_vector_prints_them)
{
    CHECK_STR(secs(1795428000493842299LL), "1795428000.493");
    CHECK_STR(secs(1795428000490000000LL), "1795428000.49");
    CHECK_STR(secs(1795428000500000000LL), "1795428000.5");
    CHECK_STR(secs(1795428000000123000LL), "1795428000.0");
    CHECK_STR(secs(1795428000007000000LL), "1795428000.007");
    CHECK_STR(secs(0), "0.0");
    CHECK_STR(secs(-1), "-0.001");
    CHECK_STR(secs(-1000000000LL), "-1.0");
}

LS_TEST(test_kinds_saas_sub_ms_ns)
{
    CHECK(ls_saas_sub_ms_ns(1795428000493842299LL) == 842299);
    CHECK(ls_saas_sub_ms_ns(1795428000500000000LL) == 0);
    CHECK(ls_saas_sub_ms_ns(-1) == 999999);
}

LS_TEST(test_kinds_saas_ms_rounds_down)
{
    CHECK(ls_saas_ms(1795428000493842299LL) == 1795428000493LL);
    CHECK(ls_saas_ms(-1) == -1);
    CHECK(ls_saas_ms(-1000000) == -1);
}

static const char *pct(const char *s, bool form)
{
    static char out[256];
    struct ls_buf b;
    ls_buf_init(&b, 0);
    snprintf(out, sizeof(out), "%s",
             ls_saas_pct_encode(&b, s, form) == 0 ? (b.data ? b.data : "") : "(err)");
    ls_buf_free(&b);
    return out;
}

LS_TEST(test_kinds_saas_pct_encode_path_segment)
{
    CHECK_STR(pct("my data/set~é", false), "my%20data%2Fset~%C3%A9");
}

LS_TEST(test_kinds_saas_pct_encode_form)
{
    CHECK_STR(pct("a b&c=d*~", true), "a+b%26c%3Dd*%7E");
}

LS_TEST(test_kinds_saas_base64_padding)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_saas_base64(&b, "key:", 4), 0);
    CHECK_STR(b.data, "a2V5Og==");
    ls_buf_reset(&b);
    CHECK_INT(ls_saas_base64(&b, "ab:", 3), 0);
    CHECK_STR(b.data, "YWI6");
    ls_buf_reset(&b);
    CHECK_INT(ls_saas_base64(&b, "abcd:", 5), 0);
    CHECK_STR(b.data, "YWJjZDo=");
    ls_buf_free(&b);
}

LS_TEST(test_kinds_saas_uuid4_shape)
{
    char a[37], b[37];
    CHECK_INT(ls_saas_uuid4(a), 0);
    CHECK_INT(ls_saas_uuid4(b), 0);
    CHECK_INT((int)strlen(a), 36);
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(a[14] == '4');
    CHECK(strchr("89ab", a[19]) != NULL);
    CHECK(strcmp(a, b) != 0);
}

LS_TEST_MAIN(LS_CASE(test_kinds_saas_flatten_all_fields_order),
             LS_CASE(test_kinds_saas_flatten_sorted_order),
             LS_CASE(test_kinds_saas_flatten_arrays_by_index),
             LS_CASE(test_kinds_saas_flatten_escapes_dots_in_keys),
             LS_CASE(test_kinds_saas_flatten_keeps_empty_containers_and_null),
             LS_CASE(test_kinds_saas_flatten_empty_record),
             LS_CASE(test_kinds_saas_flatten_duplicate_path_first_position_last_value),
             LS_CASE(test_kinds_saas_flatten_keeps_number_text),
             LS_CASE(test_kinds_saas_hec_time_millis_as_vector_prints_them),
             LS_CASE(test_kinds_saas_sub_ms_ns), LS_CASE(test_kinds_saas_ms_rounds_down),
             LS_CASE(test_kinds_saas_pct_encode_path_segment),
             LS_CASE(test_kinds_saas_pct_encode_form), LS_CASE(test_kinds_saas_base64_padding),
             LS_CASE(test_kinds_saas_uuid4_shape))
