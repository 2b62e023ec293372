/*
 * Minimal unit-test harness. Each tests/unit/test_<module>.c declares its cases with
 * LS_TEST(name) and ends with LS_TEST_MAIN(LS_CASE(name), ...). CMake scans the file for
 * LS_TEST(...) lines and registers one CTest entry per case; the executable runs the case
 * named by argv[1], or every case when called without arguments.
 *
 * CHECK* macros print the failing expression and return from the test function, so one
 * failure stops that case (Valkey's test_help.h does the same).
 */
#ifndef LS_TEST_H
#define LS_TEST_H

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

typedef void (*ls_test_fn)(int *failed);

struct ls_test_case {
    const char *name;
    ls_test_fn fn;
};

#define LS_TEST(name) static void name(int *ls_failed_)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            *ls_failed_ = 1;                                                                       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long ls_a_ = (long long)(a), ls_b_ = (long long)(b);                                  \
        if (ls_a_ != ls_b_) {                                                                      \
            fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, expected %lld\n", __FILE__,      \
                    __LINE__, #a, ls_a_, ls_b_);                                                   \
            *ls_failed_ = 1;                                                                       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *ls_a_ = (a), *ls_b_ = (b);                                                     \
        if (ls_a_ == NULL || ls_b_ == NULL || strcmp(ls_a_, ls_b_) != 0) {                         \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s\n  got:      %s\n  expected: %s\n",       \
                    __FILE__, __LINE__, #a, ls_a_ ? ls_a_ : "(null)", ls_b_ ? ls_b_ : "(null)");   \
            *ls_failed_ = 1;                                                                       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Compare a byte range with a NUL-terminated expectation. */
#define CHECK_MEM(p, n, b)                                                                         \
    do {                                                                                           \
        const char *ls_p_ = (const char *)(p), *ls_b_ = (b);                                       \
        size_t ls_n_ = (n);                                                                        \
        if (ls_n_ != strlen(ls_b_) || memcmp(ls_p_, ls_b_, ls_n_) != 0) {                          \
            fprintf(stderr, "%s:%d: CHECK_MEM failed: %s\n  got:      %.*s\n  expected: %s\n",     \
                    __FILE__, __LINE__, #p, (int)ls_n_, ls_p_, ls_b_);                             \
            *ls_failed_ = 1;                                                                       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* End every test file with LS_TEST_MAIN(LS_CASE(a), LS_CASE(b), ...). */
#define LS_CASE(name)                                                                              \
    {                                                                                              \
#name, name                                                                                \
    }
#define LS_TEST_MAIN(...)                                                                          \
    static const struct ls_test_case ls_cases_[] = {__VA_ARGS__};                                  \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return ls_test_run(ls_cases_, sizeof(ls_cases_) / sizeof(ls_cases_[0]), argc, argv);       \
    }

static inline int ls_test_run(const struct ls_test_case *cases, size_t n, int argc, char **argv)
{
    int failures = 0, ran = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        int failed = 0;
        cases[i].fn(&failed);
        ran++;
        failures += failed;
        fprintf(stderr, "%s %s\n", failed ? "FAIL" : "ok  ", cases[i].name);
    }
    if (ran == 0) {
        fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "(any)");
        return 2;
    }
    return failures ? 1 : 0;
}

#endif
