/* Unit tests for event/json_canon.c: Vector-compatible canonical JSON. */
#include "test.h"

#include <json-c/json.h>
#include <math.h>
#include <stdint.h>

#include "event/json_canon.h"
#include "util/buf.h"

/* Canonical text of o (NULL on failure); the caller frees. */
static char *canon(struct json_object *o)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    if (ls_json_canon_write(&b, o) != 0) {
        ls_buf_free(&b);
        return NULL;
    }
    return ls_buf_steal(&b, NULL);
}

/* Parses text with json-c, canonicalises, and compares; json-c's own number handling only. */
static int canon_text_is(const char *text, const char *want)
{
    struct json_object *o = json_tokener_parse(text);
    char *got = canon(o);
    int ok = got && strcmp(got, want) == 0;
    if (!ok)
        fprintf(stderr, "  in:   %s\n  got:  %s\n  want: %s\n", text, got ? got : "(fail)", want);
    free(got);
    json_object_put(o);
    return ok;
}

LS_TEST(test_json_canon_string_escapes)
{
    char in[128 + 9];
    for (int i = 0; i < 128; i++)
        in[i] = (char)i;
    memcpy(in + 128, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9);
    /* Expected text from Python's json.dumps(ensure_ascii=False), which escapes as serde_json. */
    const char *want =
        "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e"
        "\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a"
        "\\u001b\\u001c\\u001d\\u001e\\u001f !\\\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMN"
        "OPQRSTUVWXYZ[\\\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\x7f\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98"
        "\x80\"";
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_json_canon_write_string(&b, in, sizeof(in)), 0);
    CHECK_MEM(b.data, b.len, want);
    ls_buf_free(&b);

    struct json_object *s = json_object_new_string_len(in, (int)sizeof(in));
    char *got = canon(s);
    CHECK_STR(got, want);
    free(got);
    json_object_put(s);
}

LS_TEST(test_json_canon_write_string_appends)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_buf_puts(&b, "{\"k\":"), 0);
    CHECK_INT(ls_json_canon_write_string(&b, "", 0), 0);
    CHECK_INT(ls_json_canon_write_string(&b, "a\"b", 3), 0);
    CHECK_MEM(b.data, b.len, "{\"k\":\"\"\"a\\\"b\"");
    ls_buf_free(&b);
}

LS_TEST(test_json_canon_keys_sorted_every_level)
{
    CHECK(canon_text_is("{\"b\":1,\"a\":{\"y\":[{\"d\":1,\"c\":2}],\"x\":null},\"A\":true}",
                        "{\"A\":true,\"a\":{\"x\":null,\"y\":[{\"c\":2,\"d\":1}]},\"b\":1}"));
    /* byte order: "B" < "a" < "ab" < "b" < "\xC3\xA9" (é) < "\xE2\x82\xAC" (€) */
    CHECK(canon_text_is("{\"\xE2\x82\xAC\":1,\"\xC3\xA9\":2,\"b\":3,\"ab\":4,\"a\":5,\"B\":6}",
                        "{\"B\":6,\"a\":5,\"ab\":4,\"b\":3,\"\xC3\xA9\":2,\"\xE2\x82\xAC\":1}"));
    CHECK(canon_text_is("{}", "{}"));
    CHECK(canon_text_is("[]", "[]"));
    CHECK(canon_text_is("[{},[],\"\"]", "[{},[],\"\"]"));
}

LS_TEST(test_json_canon_many_keys_sorted)
{
    /* More keys than the stack array: the heap path. */
    struct json_object *o = json_object_new_object();
    char key[8], want[1024];
    size_t w = 0;
    for (int i = 39; i >= 0; i--) {
        snprintf(key, sizeof(key), "k%02d", i);
        json_object_object_add(o, key, json_object_new_int(i));
    }
    want[w++] = '{';
    for (int i = 0; i < 40; i++)
        w += (size_t)snprintf(want + w, sizeof(want) - w, "%s\"k%02d\":%d", i ? "," : "", i, i);
    want[w++] = '}';
    want[w] = '\0';
    char *got = canon(o);
    CHECK_STR(got, want);
    free(got);
    json_object_put(o);
}

LS_TEST(test_json_canon_integers_full_range)
{
    struct json_object *a = json_object_new_array();
    json_object_array_add(a, json_object_new_int64(INT64_MIN));
    json_object_array_add(a, json_object_new_int64(INT64_MAX));
    json_object_array_add(a, json_object_new_uint64(UINT64_MAX));
    json_object_array_add(a, json_object_new_uint64((uint64_t)INT64_MAX + 1));
    json_object_array_add(a, json_object_new_int64(0));
    json_object_array_add(a, json_object_new_int64(-7));
    char *got = canon(a);
    CHECK_STR(got, "[-9223372036854775808,9223372036854775807,18446744073709551615,"
                   "9223372036854775808,0,-7]");
    free(got);
    json_object_put(a);
}

LS_TEST(test_json_canon_parsed_doubles_keep_text)
{
    CHECK(canon_text_is("[1.50,1E3,-0.0,1e400,0.1000,2.5e-3]",
                        "[1.50,1E3,-0.0,1e400,0.1000,2.5e-3]"));
    /* json_object_deep_copy keeps the original text too (sinks work on deep copies) */
    struct json_object *o = json_tokener_parse("{\"v\":1.50}"), *copy = NULL;
    CHECK_INT(json_object_deep_copy(o, &copy, NULL), 0);
    char *got = canon(copy);
    CHECK_STR(got, "{\"v\":1.50}");
    free(got);
    json_object_put(copy);
    json_object_put(o);
}

LS_TEST(test_json_canon_big_integer_marker)
{
    /* `N.0` with N outside [INT64_MIN, UINT64_MAX] is the parser's marker for integer N. */
    CHECK(canon_text_is("[123456789012345678901234567890.0,-99999999999999999999.0,"
                        "18446744073709551616.0,-9223372036854775809.0]",
                        "[123456789012345678901234567890,-99999999999999999999,"
                        "18446744073709551616,-9223372036854775809]"));
    /* in range, or not exactly `.0`: printed as written */
    CHECK(canon_text_is("[18446744073709551615.0,-9223372036854775808.0,1.0,-0.0,"
                        "123456789012345678901234567890.00,123456789012345678901234567890e0]",
                        "[18446744073709551615.0,-9223372036854775808.0,1.0,-0.0,"
                        "123456789012345678901234567890.00,123456789012345678901234567890e0]"));
}

LS_TEST(test_json_canon_computed_doubles_like_serde)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {1.0, "1.0"},
        {100.0, "100.0"},
        {0.1, "0.1"},
        {-2.5, "-2.5"},
        {123.456, "123.456"},
        {1e15, "1000000000000000.0"},
        {1e16, "1e16"},
        {1.5e17, "1.5e17"},
        {0.0001, "0.0001"},
        {0.00001, "0.00001"},
        {1e-6, "1e-6"},
        {1.5e-7, "1.5e-7"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {1.7976931348623157e308, "1.7976931348623157e308"},
        {5e-324, "5e-324"},
        {1795428001.123456, "1795428001.123456"},
        {NAN, "null"},
        {INFINITY, "null"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_object *d = json_object_new_double(cases[i].v);
        char *got = canon(d);
        CHECK_STR(got, cases[i].want);
        free(got);
        json_object_put(d);
    }
}

LS_TEST(test_json_canon_scalars_and_nul)
{
    CHECK(canon_text_is("[true,false,null,\"a\\u0000b\",\"\\/\",\"\\u00e9\"]",
                        "[true,false,null,\"a\\u0000b\",\"/\",\"\xC3\xA9\"]"));
    char *got = canon(NULL);
    CHECK_STR(got, "null");
    free(got);
}

LS_TEST(test_json_canon_depth_limit)
{
    struct json_object *root = json_object_new_array(), *cur = root;
    for (int i = 1; i < LS_JSON_CANON_MAX_DEPTH; i++) {
        struct json_object *next = json_object_new_array();
        json_object_array_add(cur, next);
        cur = next;
    }
    char *got = canon(root); /* exactly the limit */
    CHECK(got != NULL);
    CHECK_INT(strlen(got), 2 * LS_JSON_CANON_MAX_DEPTH);
    free(got);
    json_object_array_add(cur, json_object_new_object()); /* one more */
    got = canon(root);
    CHECK(got == NULL);
    json_object_put(root);
}

LS_TEST(test_json_canon_buffer_cap_fails)
{
    struct json_object *o = json_tokener_parse("{\"message\":\"0123456789\"}");
    struct ls_buf b;
    ls_buf_init(&b, 10);
    CHECK_INT(ls_json_canon_write(&b, o), -1);
    ls_buf_free(&b);
    ls_buf_init(&b, 24);
    CHECK_INT(ls_json_canon_write(&b, o), 0);
    CHECK_MEM(b.data, b.len, "{\"message\":\"0123456789\"}");
    ls_buf_free(&b);
    json_object_put(o);
}

/* The 16- and 8-byte scans stop exactly where a byte-by-byte scan would: every stop byte at
   every position of every length up to 48, and each buffer ending right at its length (a
   heap copy of exactly n bytes, so ASan sees any read past the end). */
LS_TEST(test_json_canon_plain_run_stops_at_every_position)
{
    static const unsigned char stops[] = {'"', '\\', 0x00, 0x01, 0x1F};
    static const unsigned char plains[] = {' ', 'a', 0x7F, 0x80, 0xC3, 0xFF};
    for (size_t n = 0; n <= 48; n++) {
        for (size_t at = 0; at <= n; at++) {
            for (size_t k = 0; k < sizeof(stops); k++) {
                unsigned char *b = malloc(n ? n : 1);
                CHECK(b != NULL);
                for (size_t i = 0; i < n; i++)
                    b[i] = plains[i % sizeof(plains)];
                if (at < n)
                    b[at] = stops[k];
                size_t got = ls_json_canon_plain_run((const char *)b, n);
                free(b);
                if (got != at) {
                    fprintf(stderr, "  n=%zu stop 0x%02x at %zu: got %zu\n", n, stops[k], at, got);
                    CHECK(0);
                }
            }
        }
    }
}

LS_TEST_MAIN(LS_CASE(test_json_canon_string_escapes), LS_CASE(test_json_canon_write_string_appends),
             LS_CASE(test_json_canon_keys_sorted_every_level),
             LS_CASE(test_json_canon_many_keys_sorted),
             LS_CASE(test_json_canon_integers_full_range),
             LS_CASE(test_json_canon_parsed_doubles_keep_text),
             LS_CASE(test_json_canon_big_integer_marker),
             LS_CASE(test_json_canon_computed_doubles_like_serde),
             LS_CASE(test_json_canon_scalars_and_nul), LS_CASE(test_json_canon_depth_limit),
             LS_CASE(test_json_canon_buffer_cap_fails),
             LS_CASE(test_json_canon_plain_run_stops_at_every_position))
