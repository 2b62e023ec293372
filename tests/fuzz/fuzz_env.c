/*
 * libFuzzer target over configuration from the environment: the input is split into
 * NAME=VALUE lines, turned into an environment (core/env.h), and read the way the daemon reads
 * it — every typed reader on every name, then the whole configuration: global settings, the
 * (path-valued settings — *DIR, *FILE, CREDS, CA_ — are left out so the fuzzer never writes to
 * disk)
 * NATS source and every sink and provider row (sink/registry.c). Nothing may crash or leak,
 * and a problem list must come out for anything that is not valid. Also checks the secret
 * rule: no value of a variable whose name looks secret ever appears in a problem line.
 *
 * Seeds: tests/fuzz/corpus/env/ (scripts/fuzz.sh builds and runs it).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/env.h"
#include "core/problems.h"
#include "sink/registry.h"
#include "source/nats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VARS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *pairs[MAX_VARS + 1];
    size_t n = 0;
    for (char *line = text; line && n < MAX_VARS;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        /* Path-valued settings make directories and open files: keep the fuzzer off disk. */
        const char *eq = strchr(line, '=');
        if (eq && !memmem(line, (size_t)(eq - line), "DIR", 3) &&
            !memmem(line, (size_t)(eq - line), "FILE", 4) &&
            !memmem(line, (size_t)(eq - line), "CREDS", 5) &&
            !memmem(line, (size_t)(eq - line), "CA_", 3))
            pairs[n++] = line;
        line = nl ? nl + 1 : NULL;
    }
    pairs[n] = NULL;
    struct ls_env *env = ls_env_from_list(pairs);
    if (!env) {
        free(text);
        return 0;
    }
    char err[256];
    bool b;
    uint64_t u;
    int e;
    static const char *const choices[] = {"none", "gzip", NULL};
    for (size_t i = 0; i < n; i++) {
        char name[128];
        size_t len = (size_t)(strchr(pairs[i], '=') - pairs[i]);
        if (len >= sizeof(name))
            continue;
        memcpy(name, pairs[i], len);
        name[len] = '\0';
        ls_env_bool(env, name, false, &b, err, sizeof(err));
        ls_env_uint(env, name, 1, 0, 1000, &u, err, sizeof(err));
        ls_env_duration_ms(env, name, 1, &u, err, sizeof(err));
        ls_env_size(env, name, 1, &u, err, sizeof(err));
        ls_env_enum(env, name, choices, 0, &e, err, sizeof(err));
        ls_env_check_header_value(name, ls_env_get(env, name), err, sizeof(err));
    }
    struct ls_problems problems, broken;
    ls_problems_init(&problems);
    ls_problems_init(&broken);
    struct ls_config cfg;
    struct ls_nats_config nats;
    struct ls_sink_list sinks;
    ls_config_read(env, &cfg, &problems);
    ls_nats_config_read(env, &nats, &problems);
    if (ls_sinks_from_env(env, &sinks, &problems, &broken) == 0)
        ls_sinks_free(&sinks);
    /* A secret's value never appears in a problem line (values of 8+ bytes, to avoid
       matching common short words). */
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(pairs[i], '=');
        char name[128];
        size_t len = (size_t)(eq - pairs[i]);
        if (len >= sizeof(name) || strlen(eq + 1) < 8)
            continue;
        memcpy(name, pairs[i], len);
        name[len] = '\0';
        if (!ls_env_is_secret(name) || ls_env_get(env, name) != eq + 1)
            continue;
        for (size_t k = 0; k < problems.n; k++)
            if (strstr(problems.lines[k], eq + 1))
                abort();
    }
    ls_nats_config_free(&nats);
    ls_problems_free(&problems);
    ls_problems_free(&broken);
    ls_env_destroy(env);
    free(text);
    return 0;
}
