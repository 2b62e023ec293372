/*
 * Unit tests for core/env: the injectable environment snapshot and its typed readers,
 * including the error texts (which name the variable and never quote a secret).
 */
#include "core/env.h"
#include "test.h"

#include <stdint.h>

static struct ls_env *env1(const char *pair)
{
    const char *const pairs[] = {pair, NULL};
    return ls_env_from_list(pairs);
}

LS_TEST(test_env_get_set_unset_empty)
{
    const char *const pairs[] = {"A=1", "EMPTY=", "EQ=x=y", "noeq", "=novalue", NULL};
    struct ls_env *e = ls_env_from_list(pairs);
    CHECK(e != NULL);
    const char *a = ls_env_get(e, "A"), *empty = ls_env_get(e, "EMPTY"), *eq = ls_env_get(e, "EQ");
    int ok_a = a != NULL && strcmp(a, "1") == 0;
    int ok_empty = empty != NULL && *empty == '\0';
    int ok_eq = eq != NULL && strcmp(eq, "x=y") == 0;
    int ok_unset = ls_env_get(e, "B") == NULL && ls_env_get(e, "noeq") == NULL &&
                   ls_env_get(e, "") == NULL && ls_env_get(e, "a") == NULL;
    ls_env_destroy(e);
    CHECK(ok_a);
    CHECK(ok_empty);
    CHECK(ok_eq);
    CHECK(ok_unset);
    CHECK(ls_env_get(NULL, "A") == NULL);
}

LS_TEST(test_env_first_duplicate_wins)
{
    const char *const pairs[] = {"Z=9", "DUP=first", "A=0", "DUP=second", "DUP=third", NULL};
    struct ls_env *e = ls_env_from_list(pairs);
    CHECK(e != NULL);
    const char *v = ls_env_get(e, "DUP");
    int ok = v != NULL && strcmp(v, "first") == 0 && ls_env_get(e, "Z") != NULL &&
             ls_env_get(e, "A") != NULL;
    ls_env_destroy(e);
    CHECK(ok);
}

LS_TEST(test_env_list_is_copied)
{
    char pair[] = "NAME=value";
    const char *const pairs[] = {pair, NULL};
    struct ls_env *e = ls_env_from_list(pairs);
    CHECK(e != NULL);
    pair[5] = 'X';
    int ok = strcmp(ls_env_get(e, "NAME"), "value") == 0;
    ls_env_destroy(e);
    CHECK(ok);
}

LS_TEST(test_env_empty_list)
{
    struct ls_env *e = ls_env_from_list(NULL);
    CHECK(e != NULL);
    int ok = ls_env_get(e, "PATH") == NULL;
    ls_env_destroy(e);
    ls_env_destroy(NULL);
    CHECK(ok);
}

LS_TEST(test_env_from_environ_copies_process_env)
{
    CHECK_INT(setenv("LS_TEST_ENV_PROBE", "probe=1", 1), 0);
    struct ls_env *e = ls_env_from_environ();
    CHECK(e != NULL);
    CHECK_INT(setenv("LS_TEST_ENV_PROBE", "changed", 1), 0);
    const char *v = ls_env_get(e, "LS_TEST_ENV_PROBE");
    int ok = v != NULL && strcmp(v, "probe=1") == 0;
    ls_env_destroy(e);
    unsetenv("LS_TEST_ENV_PROBE");
    CHECK(ok);
}

struct seen {
    char names[256];
};

static void collect(const char *name, const char *value, void *ctx)
{
    struct seen *s = ctx;
    size_t n = strlen(s->names);
    snprintf(s->names + n, sizeof(s->names) - n, "%s=%s;", name, value);
}

LS_TEST(test_env_each_prefix_sorted)
{
    const char *const pairs[] = {"LOGSHIP_Z=1", "HOME=/",       "LOGSHIP_A=2", "LOGSHIPX=3",
                                 "LOGSHIP_=4",  "XLOGSHIP_B=5", NULL};
    struct ls_env *e = ls_env_from_list(pairs);
    CHECK(e != NULL);
    struct seen s = {{0}};
    ls_env_each_prefix(e, "LOGSHIP_", collect, &s);
    ls_env_destroy(e);
    CHECK_STR(s.names, "LOGSHIP_=4;LOGSHIP_A=2;LOGSHIP_Z=1;");
}

LS_TEST(test_env_bool_values)
{
    static const struct {
        const char *v;
        bool want;
    } ok[] = {{"1", true},   {"0", false}, {"true", true}, {"FALSE", false}, {"Yes", true},
              {"no", false}, {"ON", true}, {"off", false}, {"tRuE", true}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char pair[64], err[128] = "";
        snprintf(pair, sizeof(pair), "B=%s", ok[i].v);
        struct ls_env *e = env1(pair);
        CHECK(e != NULL);
        bool out = !ok[i].want;
        int rc = ls_env_bool(e, "B", !ok[i].want, &out, err, sizeof(err));
        ls_env_destroy(e);
        CHECK_INT(rc, 0);
        CHECK_INT(out, ok[i].want);
    }
}

LS_TEST(test_env_bool_default_and_error)
{
    struct ls_env *e = env1("B=maybe");
    CHECK(e != NULL);
    char err[160] = "";
    bool out = false;
    int rc_unset = ls_env_bool(e, "UNSET", true, &out, err, sizeof(err));
    bool unset_out = out;
    int rc_bad = ls_env_bool(e, "B", false, &out, err, sizeof(err));
    ls_env_destroy(e);
    CHECK_INT(rc_unset, 0);
    CHECK(unset_out);
    CHECK_INT(rc_bad, -1);
    CHECK(!out);
    CHECK_STR(err, "B: \"maybe\" is not a boolean (use true/false, yes/no, on/off or 1/0)");
}

LS_TEST(test_env_empty_gives_default)
{
    struct ls_env *e = env1("V=");
    CHECK(e != NULL);
    char err[128] = "";
    bool b = false;
    uint64_t u = 0, d = 0, s = 0;
    int en = -1;
    static const char *const ch[] = {"us", "eu", NULL};
    int rc = ls_env_bool(e, "V", true, &b, err, sizeof(err)) |
             ls_env_uint(e, "V", 7, 10, 20, &u, err, sizeof(err)) |
             ls_env_duration_ms(e, "V", 1500, &d, err, sizeof(err)) |
             ls_env_size(e, "V", 4096, &s, err, sizeof(err)) |
             ls_env_enum(e, "V", ch, 1, &en, err, sizeof(err));
    ls_env_destroy(e);
    CHECK_INT(rc, 0);
    CHECK(b);
    CHECK_INT(u, 7); /* the default is not range-checked: that is the caller's constant */
    CHECK_INT(d, 1500);
    CHECK_INT(s, 4096);
    CHECK_INT(en, 1);
    CHECK_STR(err, "");
}

LS_TEST(test_env_uint_range)
{
    const char *const pairs[] = {"N=42",
                                 "LOW=0",
                                 "HIGH=1001",
                                 "NEG=-1",
                                 "HEX=0x10",
                                 "SP= 5",
                                 "BIG=18446744073709551615",
                                 "OVER=18446744073709551616",
                                 NULL};
    struct ls_env *e = ls_env_from_list(pairs);
    CHECK(e != NULL);
    char err[160] = "", e_low[160] = "", e_neg[160] = "", e_over[160] = "";
    uint64_t n = 0, big = 0, x = 0;
    int rc_n = ls_env_uint(e, "N", 1, 1, 1000, &n, err, sizeof(err));
    int rc_low = ls_env_uint(e, "LOW", 1, 1, 1000, &x, e_low, sizeof(e_low));
    int rc_high = ls_env_uint(e, "HIGH", 1, 1, 1000, &x, err, sizeof(err));
    int rc_neg = ls_env_uint(e, "NEG", 1, 0, 1000, &x, e_neg, sizeof(e_neg));
    int rc_hex = ls_env_uint(e, "HEX", 1, 0, 1000, &x, err, sizeof(err));
    int rc_sp = ls_env_uint(e, "SP", 1, 0, 1000, &x, err, sizeof(err));
    int rc_big = ls_env_uint(e, "BIG", 1, 0, UINT64_MAX, &big, err, sizeof(err));
    int rc_over = ls_env_uint(e, "OVER", 1, 0, UINT64_MAX, &x, e_over, sizeof(e_over));
    ls_env_destroy(e);
    CHECK_INT(rc_n, 0);
    CHECK_INT(n, 42);
    CHECK_INT(rc_low, -1);
    CHECK_STR(e_low, "LOW: \"0\" is out of range (1 to 1000)");
    CHECK_INT(rc_high, -1);
    CHECK_INT(rc_neg, -1);
    CHECK_STR(e_neg, "NEG: \"-1\" is not a whole number");
    CHECK_INT(rc_hex, -1);
    CHECK_INT(rc_sp, -1);
    CHECK_INT(rc_big, 0);
    CHECK(big == UINT64_MAX);
    CHECK_INT(rc_over, -1);
    CHECK(strstr(e_over, "OVER: ") == e_over);
}

struct dur_case {
    const char *v;
    int rc;
    uint64_t ms;
};

LS_TEST(test_env_duration_units)
{
    static const struct dur_case c[] = {
        {"250ms", 0, 250}, {"10s", 0, 10000}, {"5m", 0, 300000}, {"1h", 0, 3600000},
        {"30", 0, 30000},  {"0", 0, 0},       {"10S", 0, 10000}, {"2MS", 0, 2},
        {"1.5s", -1, 0},   {"10x", -1, 0},    {"s", -1, 0},      {"-5s", -1, 0},
        {"10 s", -1, 0},   {"1d", -1, 0},     {"5s ", -1, 0},    {"99999999999999999h", -1, 0},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        char pair[64], err[200] = "";
        snprintf(pair, sizeof(pair), "D=%s", c[i].v);
        struct ls_env *e = env1(pair);
        CHECK(e != NULL);
        uint64_t out = 12345;
        int rc = ls_env_duration_ms(e, "D", 12345, &out, err, sizeof(err));
        ls_env_destroy(e);
        if (rc != c[i].rc || (rc == 0 && out != c[i].ms) || (rc != 0 && out != 12345))
            fprintf(stderr, "  case \"%s\": rc=%d out=%llu\n", c[i].v, rc, (unsigned long long)out);
        CHECK_INT(rc, c[i].rc);
        if (rc == 0)
            CHECK_INT(out, c[i].ms);
        else
            CHECK(strncmp(err, "D: ", 3) == 0);
    }
}

LS_TEST(test_env_duration_error_text)
{
    struct ls_env *e = env1("LOGSHIP_HTTP_TIMEOUT=10x");
    CHECK(e != NULL);
    char err[200] = "";
    uint64_t out;
    int rc = ls_env_duration_ms(e, "LOGSHIP_HTTP_TIMEOUT", 1, &out, err, sizeof(err));
    ls_env_destroy(e);
    CHECK_INT(rc, -1);
    CHECK_STR(err, "LOGSHIP_HTTP_TIMEOUT: \"10x\" is not a duration (use e.g. 250ms, 10s, 5m, 1h; "
                   "a bare number is seconds)");
}

LS_TEST(test_env_size_units)
{
    static const struct dur_case c[] = {
        {"1048576", 0, 1048576},
        {"8MiB", 0, 8388608},
        {"512KiB", 0, 524288},
        {"1GiB", 0, 1073741824},
        {"1MB", 0, 1000000},
        {"100kB", 0, 100000},
        {"100KB", 0, 100000},
        {"2 MiB", 0, 2097152},
        {"7B", 0, 7},
        {"1TiB", 0, 1099511627776ull},
        {"8mib", 0, 8388608},
        {"12x", -1, 0},
        {"MiB", -1, 0},
        {"8M", -1, 0},
        {"1.5MiB", -1, 0},
        {"8  MiB", -1, 0},
        {"8 ", -1, 0},
        {"-1", -1, 0},
        {"99999999999TiB", -1, 0},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        char pair[64], err[200] = "";
        snprintf(pair, sizeof(pair), "S=%s", c[i].v);
        struct ls_env *e = env1(pair);
        CHECK(e != NULL);
        uint64_t out = 777;
        int rc = ls_env_size(e, "S", 777, &out, err, sizeof(err));
        ls_env_destroy(e);
        if (rc != c[i].rc || (rc == 0 && out != c[i].ms))
            fprintf(stderr, "  case \"%s\": rc=%d out=%llu\n", c[i].v, rc, (unsigned long long)out);
        CHECK_INT(rc, c[i].rc);
        CHECK(rc != 0 || out == c[i].ms);
        CHECK(rc == 0 || out == 777);
    }
}

LS_TEST(test_env_size_error_text)
{
    struct ls_env *e = env1("LOGSHIP_HTTP_BATCH_MAX_BYTES=12x");
    CHECK(e != NULL);
    char err[200] = "";
    uint64_t out;
    int rc = ls_env_size(e, "LOGSHIP_HTTP_BATCH_MAX_BYTES", 1, &out, err, sizeof(err));
    ls_env_destroy(e);
    CHECK_INT(rc, -1);
    CHECK_STR(
        err,
        "LOGSHIP_HTTP_BATCH_MAX_BYTES: \"12x\" is not a size (use e.g. 1048576, 512KiB, 8MiB)");
}

LS_TEST(test_env_enum_case_insensitive_and_lists_choices)
{
    static const char *const regions[] = {"us", "eu", NULL};
    const char *const pairs[] = {"R1=EU", "R2=uk", NULL};
    struct ls_env *e = ls_env_from_list(pairs);
    CHECK(e != NULL);
    char err[160] = "";
    int r1 = -1, r2 = -1, r3 = -1;
    int rc1 = ls_env_enum(e, "R1", regions, 0, &r1, err, sizeof(err));
    int rc3 = ls_env_enum(e, "R3", regions, 0, &r3, err, sizeof(err));
    int rc2 = ls_env_enum(e, "R2", regions, 0, &r2, err, sizeof(err));
    ls_env_destroy(e);
    CHECK_INT(rc1, 0);
    CHECK_INT(r1, 1);
    CHECK_INT(rc3, 0);
    CHECK_INT(r3, 0);
    CHECK_INT(rc2, -1);
    CHECK_INT(r2, 0);
    CHECK_STR(err, "R2: \"uk\" is not one of: us, eu");
}

LS_TEST(test_env_error_truncates_to_errlen)
{
    static const char *const regions[] = {"us", "eu", NULL};
    struct ls_env *e = env1("R=uk");
    CHECK(e != NULL);
    char err[12];
    memset(err, 'Z', sizeof(err));
    int x;
    uint64_t u;
    int rc = ls_env_enum(e, "R", regions, 0, &x, err, 8);
    int nul_in_range = memchr(err, '\0', 8) != NULL && err[8] == 'Z';
    int rc_nobuf = ls_env_size(e, "R", 0, &u, NULL, 0);
    ls_env_destroy(e);
    CHECK_INT(rc, -1);
    CHECK(nul_in_range);
    CHECK_INT(rc_nobuf, -1);
}

LS_TEST(test_env_secret_value_never_quoted)
{
    const char *const pairs[] = {"DATADOG_API_KEY=s3cr3t-value", "LOKI_PASSWORD=hunter2x",
                                 "NEW_RELIC_REGION=s3cr3t-region", NULL};
    static const char *const regions[] = {"us", "eu", NULL};
    struct ls_env *e = ls_env_from_list(pairs);
    CHECK(e != NULL);
    char e1[200] = "", e2[200] = "", e3[200] = "";
    uint64_t u;
    bool b;
    int x;
    int rc1 = ls_env_size(e, "DATADOG_API_KEY", 0, &u, e1, sizeof(e1));
    int rc2 = ls_env_bool(e, "LOKI_PASSWORD", false, &b, e2, sizeof(e2));
    int rc3 = ls_env_enum(e, "NEW_RELIC_REGION", regions, 0, &x, e3, sizeof(e3));
    ls_env_destroy(e);
    CHECK_INT(rc1, -1);
    CHECK_INT(rc2, -1);
    CHECK_INT(rc3, -1);
    CHECK_STR(e1, "DATADOG_API_KEY: the value is not a size (use e.g. 1048576, 512KiB, 8MiB)");
    CHECK(strstr(e2, "hunter2x") == NULL && strstr(e2, "LOKI_PASSWORD: the value") == e2);
    /* Not a secret name: the value is quoted so the user sees what is wrong. */
    CHECK(strstr(e3, "\"s3cr3t-region\"") != NULL);
}

LS_TEST(test_env_secret_name_heuristic)
{
    static const char *const secret[] = {
        "DATADOG_API_KEY", "ACCESS_TOKEN",      "OPENOBSERVE_PASSWORD",  "AWS_SECRET_ACCESS_KEY",
        "ERASEARCH_AUTH",  "SLACK_WEBHOOK_URL", "NEW_RELIC_LICENSE_KEY", "key",
        "X_APIKEY",        "SENTRY_DSN"};
    static const char *const plain[] = {"HONEYCOMB_DATASET",
                                        "NEW_RELIC_REGION",
                                        "KEYBOARD",
                                        "MONKEY",
                                        "LOGSHIP_HTTP_BATCH_MAX_BYTES",
                                        "HTTP_URL",
                                        ""};
    for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
        CHECK(ls_env_is_secret(secret[i]));
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        CHECK(!ls_env_is_secret(plain[i]));
    CHECK(!ls_env_is_secret(NULL));
}

LS_TEST(test_env_quoted_value_escaped_and_cut)
{
    const char *const pairs[] = {
        "A=x\"y\\z\x01", "L=0123456789012345678901234567890123456789012345678901234567890123456789",
        NULL};
    struct ls_env *e = ls_env_from_list(pairs);
    CHECK(e != NULL);
    char ea[200] = "", el[200] = "";
    uint64_t u;
    ls_env_size(e, "A", 0, &u, ea, sizeof(ea));
    ls_env_size(e, "L", 0, &u, el, sizeof(el));
    ls_env_destroy(e);
    CHECK_STR(ea, "A: \"x\\\"y\\\\z\\x01\" is not a size (use e.g. 1048576, 512KiB, 8MiB)");
    CHECK_STR(el, "L: \"012345678901234567890123456789012345678901234567...\" is not a size (use "
                  "e.g. 1048576, 512KiB, 8MiB)");
}

LS_TEST(test_env_header_value_rejects_line_breaks)
{
    char err[200] = "";
    CHECK_INT(ls_env_check_header_value("DATADOG_API_KEY", "abc123", err, sizeof(err)), 0);
    CHECK_INT(ls_env_check_header_value("DATADOG_API_KEY", "", err, sizeof(err)), 0);
    CHECK_INT(ls_env_check_header_value("DATADOG_API_KEY", NULL, err, sizeof(err)), 0);
    CHECK_INT(ls_env_check_header_value("X", "caf\xc3\xa9 ok", err, sizeof(err)), 0);
    CHECK_INT(ls_env_check_header_value("DATADOG_API_KEY", "abc\r\nX-Evil: 1", err, sizeof(err)),
              -1);
    CHECK_STR(err, "DATADOG_API_KEY: the value contains a line break (not allowed in HTTP headers "
                   "or URLs)");
    CHECK_INT(ls_env_check_header_value("HTTP_URL", "http://a/\n", err, sizeof(err)), -1);
    CHECK(strstr(err, "line break") != NULL);
    CHECK_INT(ls_env_check_header_value("T", "a\rb", err, sizeof(err)), -1);
}

LS_TEST(test_env_header_value_rejects_control_chars)
{
    char err[200] = "";
    static const char *const bad[] = {"a\tb", "\x01", "x\x1f", "del\x7f"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        CHECK_INT(ls_env_check_header_value("HONEYCOMB_API_KEY", bad[i], err, sizeof(err)), -1);
        CHECK_STR(err, "HONEYCOMB_API_KEY: the value contains a control character (not allowed "
                       "in HTTP headers or URLs)");
    }
}

LS_TEST_MAIN(LS_CASE(test_env_get_set_unset_empty), LS_CASE(test_env_first_duplicate_wins),
             LS_CASE(test_env_list_is_copied), LS_CASE(test_env_empty_list),
             LS_CASE(test_env_from_environ_copies_process_env),
             LS_CASE(test_env_each_prefix_sorted), LS_CASE(test_env_bool_values),
             LS_CASE(test_env_bool_default_and_error), LS_CASE(test_env_empty_gives_default),
             LS_CASE(test_env_uint_range), LS_CASE(test_env_duration_units),
             LS_CASE(test_env_duration_error_text), LS_CASE(test_env_size_units),
             LS_CASE(test_env_size_error_text),
             LS_CASE(test_env_enum_case_insensitive_and_lists_choices),
             LS_CASE(test_env_error_truncates_to_errlen),
             LS_CASE(test_env_secret_value_never_quoted), LS_CASE(test_env_secret_name_heuristic),
             LS_CASE(test_env_quoted_value_escaped_and_cut),
             LS_CASE(test_env_header_value_rejects_line_breaks),
             LS_CASE(test_env_header_value_rejects_control_chars))
