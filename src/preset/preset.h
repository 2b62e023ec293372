/*
 * Providers as data. Each fly-log-shipper provider is one row (struct ls_preset) naming its
 * environment variables, its kind (the request builder), its endpoint and header templates,
 * framing, compression, transforms and batch limits. The same rows drive activation,
 * `--check`, the provider reference in docs/providers.md (generated, see
 * scripts/gen-provider-docs.sh) and the tests. A kind implements what genuinely differs
 * between protocols (sink/kinds/); everything else is a field of the row.
 *
 * Templates use the shell forms of fly-log-shipper's configs, taken literally: `${VAR}`,
 * `${VAR:-default}`, `${A:-${B}}` (preset/template.h); `{{ field.path }}` reads the record.
 */
#ifndef LS_PRESET_H
#define LS_PRESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sink/sink_int.h"

struct ls_env;
struct ls_problems;

enum {
    LS_VAR_REQUIRED = 1u << 0, /* must be set for the provider to run */
    LS_VAR_SECRET = 1u << 1,   /* never printed; masked in --check */
    LS_VAR_EMPTY_OK = 1u << 2, /* set-but-empty counts as set (e.g. LOKI_USERNAME) */
    LS_VAR_ONE_OF = 1u << 3,   /* one of the ONE_OF variables of the row must be set */
};

struct ls_preset_var {
    const char *name;
    unsigned flags;
    const char *def; /* what an unset optional variable means, for docs and --check */
    const char *doc; /* one line for the provider reference */
};

/* A field operation applied to a copy of the record before encoding (transform/transform.h). */
enum ls_transform_op {
    LS_TF_END = 0,
    LS_TF_RENAME,        /* move `from` to `to` (to may be a dotted path); absent: nothing */
    LS_TF_MOVE_OR_NULL,  /* move `from` to `to`; absent: `to` = null (VRL `.to = del(.from)`) */
    LS_TF_COPY_OR_NULL,  /* copy `from` to `to`; absent: `to` = null (VRL `.to = .from`) */
    LS_TF_MERGE_MESSAGE, /* `message` a string starting with '{' holding a JSON object: delete
                            `message` and merge the object into the root (its keys win) */
    LS_TF_DELETE,        /* delete `from` */
};

struct ls_transform {
    enum ls_transform_op op;
    const char *from;
    const char *to;
};

enum ls_framing {
    LS_FRAME_ARRAY = 0, /* [a,b,c] */
    LS_FRAME_NDJSON,    /* a\nb\nc (no final newline, as Vector's http sink) */
    LS_FRAME_NDJSON_NL, /* a\nb\nc\n */
    LS_FRAME_NONE,      /* abc (concatenated, e.g. Splunk HEC) */
    LS_FRAME_KIND,      /* the kind decides */
};

struct ls_preset {
    const char *name; /* sink name in logs, metrics and /health: "datadog" */
    const char
        *env_name;    /* LOGSHIP_<env_name>_* knobs, as fly-log-shipper's sink files name them */
    const char *kind; /* request builder, looked up with ls_kind_find(): "http", "datadog"... */
    const char *doc;  /* one line for the docs */
    const struct ls_preset_var *vars; /* terminated by {NULL} */
    const char *url;            /* template; the origin is what LOGSHIP_<SINK>_ENDPOINT replaces */
    const char *method;         /* NULL = POST */
    const char *const *headers; /* "Name: template", NULL-terminated; templates expanded once */
    const char *content_type;   /* NULL = no Content-Type header */
    enum ls_framing framing;
    enum ls_compression compression;
    const struct ls_transform *transforms; /* NULL or terminated by LS_TF_END */
    size_t batch_max_events;               /* 0 = no cap */
    size_t batch_max_bytes;                /* 0 = LS_SINK_DEFAULT_BATCH_BYTES */
    uint64_t batch_timeout_ms;             /* 0 = the default (1 s) */
    const char *const *differences; /* deliberate differences from fly-log-shipper, one line each */
};

/* Provider row i in documentation order (0, 1, ...), NULL past the last. */
const struct ls_preset *ls_preset_get(size_t i);

const struct ls_preset *ls_preset_find(const char *name);

enum ls_activation { LS_PRESET_OFF, LS_PRESET_ON, LS_PRESET_PARTIAL };

/*
 * Off when none of the row's REQUIRED / ONE_OF variables is set; on when all REQUIRED ones and
 * (if the row has any) one ONE_OF are; partial otherwise, with one problem per missing
 * variable, e.g. `honeycomb: HONEYCOMB_DATASET is not set (HONEYCOMB_API_KEY is)`.
 */
enum ls_activation ls_preset_activation(const struct ls_preset *p, const struct ls_env *env,
                                        struct ls_problems *problems);

/* The value of a row's variable (NULL when unset; "" only when LS_VAR_EMPTY_OK). */
const char *ls_preset_value(const struct ls_env *env, const struct ls_preset_var *v);

/* Renders a `${...}` template against the environment (no record fields); a new string or NULL
   with a message naming the variable in err. */
char *ls_preset_expand(const char *tmpl, const struct ls_env *env, char *err, size_t errlen);
/* The same for a row's URL: values that land in the path or query are percent-encoded
   (preset/template.h, "URL templates"). */
char *ls_preset_expand_url(const char *tmpl, const struct ls_env *env, char *err, size_t errlen);

/* Prints the whole table as JSON (`logship --providers`); 0 or -1. */
int ls_presets_print_json(FILE *out);

/* The kinds presets refer to; NULL-terminated table in sink/kinds/registry.c. */
const struct ls_sink_kind *ls_kind_find(const char *name);

#endif
