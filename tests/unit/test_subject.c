/*
 * Unit tests for route/subject: filter and subject validity and wildcard matching, as tables
 * of cases taken from the NATS subject documentation and nats-server's behaviour.
 */
#include "route/subject.h"
#include "test.h"

struct match_case {
    const char *filter;
    const char *subject;
    bool match;
};

static int run_matches(const struct match_case *c, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (ls_subject_match(c[i].filter, c[i].subject) != c[i].match) {
            fprintf(stderr, "  match(\"%s\", \"%s\") should be %s\n", c[i].filter, c[i].subject,
                    c[i].match ? "true" : "false");
            bad++;
        }
    }
    return bad;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

LS_TEST(test_subject_star_matches_one_token)
{
    static const struct match_case c[] = {
        {"foo.*", "foo.bar", true},  {"foo.*", "foo.bar.baz", false}, {"foo.*", "foo", false},
        {"*", "foo", true},          {"*", "foo.bar", false},         {"*.*", "a.b", true},
        {"*.*", "a", false},         {"*.*", "a.b.c", false},         {"*.bar", "foo.bar", true},
        {"*.bar", "foo.baz", false}, {"a.*.c", "a.b.c", true},        {"a.*.c", "a.c", false},
        {"foo.*", "foo.*x", true},
    };
    CHECK_INT(run_matches(c, N(c)), 0);
}

LS_TEST(test_subject_gt_matches_one_or_more_tokens)
{
    static const struct match_case c[] = {
        {"foo.>", "foo.bar", true},   {"foo.>", "foo.bar.baz", true},
        {"foo.>", "foo", false},      {">", "foo", true},
        {">", "foo.bar.baz", true},   {"*.>", "a.b", true},
        {"*.>", "a", false},          {"foo.>", "bar.baz", false},
        {"logs.>", "logs.a.b", true}, {"foo.bar.>", "foo.bar", false},
    };
    CHECK_INT(run_matches(c, N(c)), 0);
}

LS_TEST(test_subject_fly_logs_pattern)
{
    static const struct match_case c[] = {
        {"logs.*.ord.>", "logs.myapp.ord.a13043b026c48b", true},
        {"logs.*.ord.>", "logs.myapp.ord.x.y", true},
        {"logs.*.ord.>", "logs.myapp.ord", false},
        {"logs.*.ord.>", "logs.myapp.iad.a13043b026c48b", false},
        {"logs.*.ord.>", "logs.ord.a13043b026c48b", false},
        {"logs.myapp.>", "logs.myapp.ord.a1", true},
        {"logs.myapp.>", "logs.myapp2.ord.a1", false},
        {"logs.myapp.>", "logs.myap.ord.a1", false},
    };
    CHECK_INT(run_matches(c, N(c)), 0);
}

LS_TEST(test_subject_partial_wildcard_is_literal)
{
    static const struct match_case c[] = {
        {"a*.b", "a*.b", true},     {"a*.b", "ab.b", false},      {"a*.b", "a.b", false},
        {"foo.b>", "foo.b>", true}, {"foo.b>", "foo.bar", false}, {"*x", "*x", true},
        {"*x", "ax", false},        {">a", ">a", true},           {">a", "a", false},
    };
    CHECK_INT(run_matches(c, N(c)), 0);
    CHECK(ls_subject_filter_valid("a*.b"));
    CHECK(ls_subject_valid("a*.b"));
    CHECK(ls_subject_filter_valid("foo.>x.bar")); /* `>x` is not a wildcard, so not last-only */
    CHECK(ls_subject_valid("foo.>x.bar"));
}

LS_TEST(test_subject_invalid_filters)
{
    static const char *const bad[] = {
        "foo.>.bar", "foo..bar", ".foo",    "foo.", "",      ".",     "..", ">.>",
        ">.foo",     "foo bar",  "foo.\tx", "a.\r", "a\n.b", "a.b\f", " ",
    };
    for (size_t i = 0; i < N(bad); i++) {
        if (ls_subject_filter_valid(bad[i])) {
            fprintf(stderr, "  filter \"%s\" accepted\n", bad[i]);
            CHECK(0);
        }
        CHECK(!ls_subject_valid(bad[i]));
        CHECK(!ls_subject_match(bad[i], "foo.bar"));
        CHECK(!ls_subject_match(">", bad[i]));
    }
    CHECK(!ls_subject_filter_valid(NULL));
    CHECK(!ls_subject_valid(NULL));
    CHECK(!ls_subject_match(NULL, "a"));
    CHECK(!ls_subject_match("a", NULL));
}

LS_TEST(test_subject_valid_filters)
{
    static const char *const good[] = {">",     "*",         "*.*",      "foo.>", "logs.*.ord.>",
                                       "a.b.c", "a-b_c.d:e", "ünï.cødé", "*.>",   "x"};
    for (size_t i = 0; i < N(good); i++) {
        if (!ls_subject_filter_valid(good[i])) {
            fprintf(stderr, "  filter \"%s\" rejected\n", good[i]);
            CHECK(0);
        }
    }
}

LS_TEST(test_subject_publish_subject_rejects_wildcards)
{
    CHECK(ls_subject_valid("logs.app.ord.1"));
    CHECK(!ls_subject_valid("logs.*"));
    CHECK(!ls_subject_valid("logs.>"));
    CHECK(!ls_subject_valid("*"));
    CHECK(!ls_subject_valid(">"));
    /* A subject carrying a wildcard token never matches, not even the same filter. */
    CHECK(!ls_subject_match("logs.*", "logs.*"));
    CHECK(!ls_subject_match(">", "a.>"));
}

LS_TEST(test_subject_case_sensitive)
{
    CHECK(ls_subject_match("logs.App", "logs.App"));
    CHECK(!ls_subject_match("logs.App", "logs.app"));
    CHECK(!ls_subject_match("LOGS.>", "logs.app"));
    CHECK(ls_subject_match("*.App", "x.App"));
    CHECK(!ls_subject_match("*.App", "x.APP"));
}

LS_TEST(test_subject_literal_exact)
{
    static const struct match_case c[] = {
        {"foo.bar", "foo.bar", true},    {"foo.bar", "foo.ba", false},
        {"foo.ba", "foo.bar", false},    {"foo.bar", "foo.bar.x", false},
        {"foo.bar.x", "foo.bar", false}, {"foo", "foobar", false},
    };
    CHECK_INT(run_matches(c, N(c)), 0);
}

LS_TEST(test_subject_very_long)
{
    /* 100,000 tokens of "t" plus dots: linear walk, no recursion, no length limit. */
    size_t tokens = 100000, len = tokens * 2 - 1;
    char *s = malloc(len + 1);
    char *f = malloc(len + 1);
    CHECK(s != NULL && f != NULL);
    for (size_t i = 0; i < tokens; i++) {
        s[2 * i] = 't';
        f[2 * i] = (i % 2) ? '*' : 't';
        if (i + 1 < tokens) {
            s[2 * i + 1] = '.';
            f[2 * i + 1] = '.';
        }
    }
    s[len] = f[len] = '\0';
    int ok = ls_subject_valid(s) && ls_subject_filter_valid(f) && ls_subject_match(f, s) &&
             ls_subject_match(">", s) && ls_subject_match("t.>", s) && !ls_subject_match("t", s);
    f[len - 1] = 'u'; /* last filter token becomes literal "u" */
    int last_differs = !ls_subject_match(f, s);
    s[len - 2] = '.';
    s[len - 1] = '\0'; /* trailing dot */
    int trailing_dot_invalid = !ls_subject_valid(s);
    free(s);
    free(f);
    CHECK(ok);
    CHECK(last_differs);
    CHECK(trailing_dot_invalid);
}

LS_TEST_MAIN(LS_CASE(test_subject_star_matches_one_token),
             LS_CASE(test_subject_gt_matches_one_or_more_tokens),
             LS_CASE(test_subject_fly_logs_pattern),
             LS_CASE(test_subject_partial_wildcard_is_literal),
             LS_CASE(test_subject_invalid_filters), LS_CASE(test_subject_valid_filters),
             LS_CASE(test_subject_publish_subject_rejects_wildcards),
             LS_CASE(test_subject_case_sensitive), LS_CASE(test_subject_literal_exact),
             LS_CASE(test_subject_very_long))
