/*
 * Providers that fly-log-shipper configures as Vector `type = "http"` sinks (PROVIDERS.md
 * Part 1 §2.1, §2.10–§2.18): one row each, served by the generic http kind.
 */
#include "preset/preset.h"

/* §2.1. Unlike fly-log-shipper, HTTP_TOKEN is optional: without it no Authorization header is
   sent (§0 item 4). */
static const struct ls_preset http = {
    .name = "http",
    .env_name = "HTTP",
    .kind = "http",
    .doc = "Any HTTP endpoint: POST of a JSON array of records.",
    .vars =
        (const struct ls_preset_var[]){
            {"HTTP_URL", LS_VAR_REQUIRED, NULL, "endpoint URL (path and query kept)"},
            {"HTTP_TOKEN", LS_VAR_SECRET, "(none)",
             "bearer token; no Authorization header without it"},
            {NULL, 0, NULL, NULL},
        },
    .url = "${HTTP_URL}",
    .headers = (const char *const[]){"Authorization: ${HTTP_TOKEN:+Bearer ${HTTP_TOKEN}}", NULL},
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .differences =
        (const char *const[]){
            "HTTP_TOKEN is optional (fly-log-shipper turns the sink off without it).",
            NULL,
        },
};

const struct ls_preset *const ls_presets_http[] = {
    &http,
    NULL,
};
