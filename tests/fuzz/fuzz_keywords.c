/*
 * libFuzzer target over filter/keywords: parses arbitrary text as a SLACK_ALERT_KEYWORDS
 * list; when it compiles, matches every pattern against the input itself and a few fixed
 * messages. Checks that errors are NUL-terminated and that a list that compiles has patterns
 * that can be read back.
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -fsanitize=fuzzer,address,undefined -Isrc
 *        tests/fuzz/fuzz_keywords.c src/filter/keywords.c src/util/buf.c $(pkg-config
 *        --cflags --libs libpcre2-8)
 * Seeds: tests/fuzz/corpus/keywords/
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter/keywords.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct ls_keywords *k = NULL;
    char err[256];
    if (ls_keywords_compile(text, &k, err, sizeof(err)) != 0) {
        if (k != NULL || memchr(err, '\0', sizeof(err)) == NULL)
            __builtin_trap();
        free(text);
        return 0;
    }
    for (size_t i = 0; i < ls_keywords_count(k); i++)
        if (ls_keywords_pattern(k, i) == NULL)
            __builtin_trap();
    if (ls_keywords_pattern(k, ls_keywords_count(k)) != NULL)
        __builtin_trap();
    static const char *const msgs[] = {"", "Sending signal SIGTERM", "caf\xc3\xa9 \xff\xfe",
                                       "GET /api/users/33009 200 218ms"};
    for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
        (void)ls_keywords_match(k, msgs[i], strlen(msgs[i]));
    bool self = ls_keywords_match(k, (const char *)data, size);
    if (ls_keywords_count(k) == 0 && self)
        __builtin_trap(); /* an empty list never matches */
    ls_keywords_destroy(k);
    free(text);
    return 0;
}
