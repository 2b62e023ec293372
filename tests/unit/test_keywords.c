/* Unit tests for filter/keywords.c: the SLACK_ALERT_KEYWORDS list syntax (VRL regex literals,
   PROVIDERS.md Part 2 §8.2) and matching. */
#include "test.h"

#include "filter/keywords.h"

static bool matches(struct ls_keywords *k, const char *s)
{
    return ls_keywords_match(k, s, strlen(s));
}

LS_TEST(test_keywords_readme_example)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'SIGTERM', r'reboot']", &k, err, sizeof(err)), 0);
    CHECK_INT(ls_keywords_count(k), 2);
    CHECK_STR(ls_keywords_pattern(k, 1), "reboot");
    CHECK(matches(k, "Sending signal SIGTERM to main child process"));
    CHECK(matches(k, "machine reboot requested"));
    CHECK(!matches(k, "GET /api/users/33009 200 218ms"));
    CHECK(!matches(k, "sigterm")); /* case-sensitive unless (?i) */
    ls_keywords_destroy(k);
}

LS_TEST(test_keywords_whitespace_newlines_trailing_comma)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile(" \n[\n  r'a',\n\tr'b' ,\n]\n", &k, err, sizeof(err)), 0);
    CHECK_INT(ls_keywords_count(k), 2);
    ls_keywords_destroy(k);
}

LS_TEST(test_keywords_empty_list_never_matches)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[]", &k, err, sizeof(err)), 0);
    CHECK_INT(ls_keywords_count(k), 0);
    CHECK(!matches(k, "anything"));
    ls_keywords_destroy(k);
}

LS_TEST(test_keywords_escaped_quote_and_backslashes)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'it\\'s', r'\\d{3}ms', r'C:\\\\']", &k, err, sizeof(err)), 0);
    CHECK_STR(ls_keywords_pattern(k, 0), "it's");
    CHECK_STR(ls_keywords_pattern(k, 1), "\\d{3}ms");
    CHECK_STR(ls_keywords_pattern(k, 2), "C:\\\\");
    CHECK(matches(k, "it's done"));
    CHECK(matches(k, "took 218ms"));
    CHECK(matches(k, "path C:\\temp"));
    CHECK(!matches(k, "took 21ms"));
    ls_keywords_destroy(k);
}

LS_TEST(test_keywords_rust_syntax_flags_and_unicode)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'(?i)out of memory', r'^\\w+ käse$', r'\\bOOM\\b']", &k, err,
                                  sizeof(err)),
              0);
    CHECK(matches(k, "Out Of Memory: killed process 12"));
    CHECK(matches(k, "grüner käse"));    /* \w is Unicode-aware */
    CHECK(!matches(k, "grüner käse\n")); /* $ only at the very end, as in Rust */
    CHECK(matches(k, "kernel: OOM killer"));
    CHECK(!matches(k, "ROOMS"));
    ls_keywords_destroy(k);
}

LS_TEST(test_keywords_plain_string_refused)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[\"SIGTERM\"]", &k, err, sizeof(err)), -1);
    CHECK(k == NULL);
    CHECK_STR(err, "expected a regex literal r'...' at offset 1, found '\"' (write SIGTERM as "
                   "r'SIGTERM')");
}

LS_TEST(test_keywords_bare_words_refused)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("SIGTERM,reboot", &k, err, sizeof(err)), -1);
    CHECK_STR(err, "expected a list such as [r'SIGTERM', r'reboot'] but found 'S' at offset 0");
}

LS_TEST(test_keywords_invalid_regex_names_pattern)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'ok', r'(foo']", &k, err, sizeof(err)), -1);
    CHECK_STR(err, "pattern 2 r'(foo': missing closing parenthesis at offset 4");
}

LS_TEST(test_keywords_unterminated_literal)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'abc]", &k, err, sizeof(err)), -1);
    CHECK_STR(err, "pattern 1 starting at offset 1 has no closing quote");
}

LS_TEST(test_keywords_missing_comma)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'a' r'b']", &k, err, sizeof(err)), -1);
    CHECK_STR(err, "expected ',' or ']' at offset 6, found 'r'");
}

LS_TEST(test_keywords_text_after_list)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'a'] x", &k, err, sizeof(err)), -1);
    CHECK_STR(err, "unexpected 'x' at offset 7 after the closing ']'");
}

LS_TEST(test_keywords_pathological_pattern_is_bounded)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'^(a+)+$']", &k, err, sizeof(err)), 0);
    char s[64];
    memset(s, 'a', sizeof(s) - 2);
    s[sizeof(s) - 2] = 'b';
    s[sizeof(s) - 1] = '\0';
    CHECK(!matches(k, s)); /* gives up at the match limit instead of running for ages */
    ls_keywords_destroy(k);
}

LS_TEST(test_keywords_invalid_utf8_subject)
{
    struct ls_keywords *k = NULL;
    char err[256];
    CHECK_INT(ls_keywords_compile("[r'panic']", &k, err, sizeof(err)), 0);
    CHECK(ls_keywords_match(k, "\xff\xfe panic\0x", 11));
    CHECK(!ls_keywords_match(k, "\xff\xfe pan", 7));
    ls_keywords_destroy(k);
}

LS_TEST_MAIN(LS_CASE(test_keywords_readme_example),
             LS_CASE(test_keywords_whitespace_newlines_trailing_comma),
             LS_CASE(test_keywords_empty_list_never_matches),
             LS_CASE(test_keywords_escaped_quote_and_backslashes),
             LS_CASE(test_keywords_rust_syntax_flags_and_unicode),
             LS_CASE(test_keywords_plain_string_refused), LS_CASE(test_keywords_bare_words_refused),
             LS_CASE(test_keywords_invalid_regex_names_pattern),
             LS_CASE(test_keywords_unterminated_literal), LS_CASE(test_keywords_missing_comma),
             LS_CASE(test_keywords_text_after_list),
             LS_CASE(test_keywords_pathological_pattern_is_bounded),
             LS_CASE(test_keywords_invalid_utf8_subject))
