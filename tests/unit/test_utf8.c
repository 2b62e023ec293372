/* Unit tests for event/utf8.c: validity and from_utf8_lossy-compatible repair. */
#include "test.h"

#include <stdbool.h>

#include "event/utf8.h"
#include "util/buf.h"

struct repair_case {
    const char *in;
    size_t len;
    const char *out; /* expected repair; the input is valid iff out equals in */
    size_t out_len;
};

#define R(in, out)                                                                                 \
    {                                                                                              \
        in, sizeof(in) - 1, out, sizeof(out) - 1                                                   \
    }
#define FFFD "\xEF\xBF\xBD"

/* Expectations follow Rust's String::from_utf8_lossy (maximal subparts). */
static const struct repair_case cases[] = {
    R("", ""),
    R("plain ascii", "plain ascii"),
    R("caf\xC3\xA9", "caf\xC3\xA9"),
    R("\xE2\x82\xAC", "\xE2\x82\xAC"),
    R("\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"),
    R("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"), /* U+10FFFF */
    R("\xED\x9F\xBF", "\xED\x9F\xBF"),         /* U+D7FF */
    R("\xEE\x80\x80", "\xEE\x80\x80"),         /* U+E000 */
    R("a\0b", "a\0b"),                         /* NUL is valid UTF-8 */
    R("\xF0\x90\x80", FFFD),                   /* truncated 4-byte */
    R("\xF0\x90\x80z", FFFD "z"),
    R("\xC0\xAF", FFFD FFFD),                   /* overlong '/' */
    R("\xE0\x80\xAF", FFFD FFFD FFFD),          /* overlong 3-byte */
    R("\xF0\x80\x80\xAF", FFFD FFFD FFFD FFFD), /* overlong 4-byte */
    R("\xED\xA0\x80", FFFD FFFD FFFD),          /* surrogate U+D800 */
    R("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD), /* above U+10FFFF */
    R("\xF5\x80", FFFD FFFD),
    R("\xFF\xFE", FFFD FFFD),
    R("\x80", FFFD),
    R("\xC3", FFFD),
    R("\xC3(", FFFD "("),
    R("\xE2\x82", FFFD),
    R("\xE2\x82(", FFFD "("),
    R("\xE2\x28\xA1", FFFD "(" FFFD),
    R("invalid utf8 \xFF\xFE here", "invalid utf8 " FFFD FFFD " here"),
    R("\xC3\xA9\xE9\xC3\xA9", "\xC3\xA9" FFFD "\xC3\xA9"),
    R("12345678\xC3\xA9"
      "12345678\x80",
      "12345678\xC3\xA9"
      "12345678" FFFD),
};

LS_TEST(test_utf8_valid_matches_table)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct repair_case *c = &cases[i];
        bool same = c->out_len == c->len && memcmp(c->out, c->in, c->len) == 0;
        if (ls_utf8_valid(c->in, c->len) != same) {
            fprintf(stderr, "case %zu\n", i);
            CHECK(0);
        }
    }
}

LS_TEST(test_utf8_repair_matches_lossy)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct repair_case *c = &cases[i];
        ls_buf_reset(&b);
        CHECK_INT(ls_utf8_repair(&b, c->in, c->len), 0);
        if (b.len != c->out_len || memcmp(b.data ? b.data : "", c->out, c->out_len) != 0) {
            fprintf(stderr, "case %zu: got %zu bytes\n", i, b.len);
            ls_buf_free(&b);
            CHECK(0);
        }
        CHECK(ls_utf8_valid(b.data ? b.data : "", b.len));
    }
    ls_buf_free(&b);
}

LS_TEST(test_utf8_repair_appends)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_buf_puts(&b, "x="), 0);
    CHECK_INT(ls_utf8_repair(&b, "\xFF", 1), 0);
    CHECK_MEM(b.data, b.len, "x=" FFFD);
    ls_buf_free(&b);
}

LS_TEST(test_utf8_repair_cap_keeps_content)
{
    struct ls_buf b;
    ls_buf_init(&b, 4);
    CHECK_INT(ls_buf_puts(&b, "ab"), 0);
    CHECK_INT(ls_utf8_repair(&b, "\xFF\xFF", 2), -1);
    CHECK_MEM(b.data, b.len, "ab");
    ls_buf_free(&b);
}

LS_TEST(test_utf8_cut_backs_off_split_character)
{
    const char *s = "ab\xE2\x82\xAC"
                    "cd"; /* "ab€cd" */
    CHECK_INT(ls_utf8_cut(s, 7, 10), 7);
    CHECK_INT(ls_utf8_cut(s, 7, 7), 7);
    CHECK_INT(ls_utf8_cut(s, 7, 6), 6);
    CHECK_INT(ls_utf8_cut(s, 7, 5), 5);
    CHECK_INT(ls_utf8_cut(s, 7, 4), 2);
    CHECK_INT(ls_utf8_cut(s, 7, 3), 2);
    CHECK_INT(ls_utf8_cut(s, 7, 2), 2);
    CHECK_INT(ls_utf8_cut("\xF0\x9F\x98\x80", 4, 3), 0);
    CHECK_INT(ls_utf8_cut("\x80\x80\x80\x80\x80", 5, 4), 4); /* invalid anyway: cut as is */
}

/* The 16- and 8-byte ASCII scans hand over to the sequence check at the right byte: a valid
   and an invalid non-ASCII sequence at every position of every length up to 48, in a heap
   copy of exactly n bytes (ASan sees any read past the end). */
LS_TEST(test_utf8_valid_at_every_position)
{
    static const struct {
        const char *seq;
        size_t len;
        bool valid;
    } seqs[] = {{"\xC3\xA9", 2, true}, {"\xE2\x82\xAC", 3, true}, {"\xF0\x9F\x98\x80", 4, true},
                {"\xC3", 1, false},    {"\x80", 1, false},        {"\xED\xA0\x80", 3, false}};
    for (size_t n = 0; n <= 48; n++) {
        for (size_t k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++) {
            for (size_t at = 0; at + seqs[k].len <= n; at++) {
                char *b = malloc(n ? n : 1);
                CHECK(b != NULL);
                memset(b, 'a', n);
                memcpy(b + at, seqs[k].seq, seqs[k].len);
                bool got = ls_utf8_valid(b, n);
                free(b);
                if (got != seqs[k].valid) {
                    fprintf(stderr, "  n=%zu seq %zu at %zu: got %d\n", n, k, at, got);
                    CHECK(0);
                }
            }
        }
        char *b = malloc(n ? n : 1);
        CHECK(b != NULL);
        memset(b, 'a', n);
        CHECK(ls_utf8_valid(b, n));
        free(b);
    }
}

LS_TEST_MAIN(LS_CASE(test_utf8_valid_matches_table), LS_CASE(test_utf8_repair_matches_lossy),
             LS_CASE(test_utf8_repair_appends), LS_CASE(test_utf8_repair_cap_keeps_content),
             LS_CASE(test_utf8_cut_backs_off_split_character),
             LS_CASE(test_utf8_valid_at_every_position))
