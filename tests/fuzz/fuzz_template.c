/*
 * libFuzzer target over preset/template: compile arbitrary text, list its variables, render
 * it against a fixed environment and field table, then bind and render again. Besides the
 * sanitizers, it checks that binding never changes the result: a bound template renders
 * exactly what the unbound one rendered with the same environment.
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -fsanitize=fuzzer,address,undefined -Isrc
 *        tests/fuzz/fuzz_template.c src/preset/template.c src/core/env.c src/util/buf.c
 * Seeds: tests/fuzz/corpus/template/
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "preset/template.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const ENV[] = {"A=alpha", "EMPTY=", "B=${A}", "C={{x}}", "D=$$", NULL};

/* Paths of even length are present (rendered as the path itself), odd ones missing. */
static int field(const char *path, struct ls_buf *out, void *ctx)
{
    (void)ctx;
    size_t n = strlen(path);
    if (n % 2 != 0)
        return -1;
    return ls_buf_append(out, path, n) == 0 ? 0 : -2;
}

static void name_cb(const char *name, bool required, void *ctx)
{
    (void)required;
    size_t *total = ctx;
    *total += strlen(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ls_env *env;
    if (env == NULL && (env = ls_env_from_list(ENV)) == NULL)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    struct ls_template *t = NULL;
    char err[256];
    if (ls_template_compile(text, &t, err, sizeof(err)) != 0) {
        if (memchr(err, '\0', sizeof(err)) == NULL)
            __builtin_trap();
        free(text);
        return 0;
    }
    size_t total = 0;
    (void)ls_template_env_names(t, name_cb, &total);

    struct ls_buf a, b;
    ls_buf_init(&a, 1 << 20);
    ls_buf_init(&b, 1 << 20);
    int rc_a = ls_template_render(t, env, field, NULL, &a, err, sizeof(err));
    if (ls_template_bind(t, env, err, sizeof(err)) == 0) {
        int rc_b = ls_template_render(t, NULL, field, NULL, &b, err, sizeof(err));
        if (rc_a != rc_b || a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len) != 0))
            __builtin_trap();
    } else if (rc_a == 0) {
        __builtin_trap(); /* rendering succeeded, so every reference resolves */
    }
    if (rc_a != 0 && a.len != 0)
        __builtin_trap(); /* a failed render leaves no partial output */
    ls_buf_free(&a);
    ls_buf_free(&b);
    ls_template_destroy(t);
    free(text);
    return 0;
}
