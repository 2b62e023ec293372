/*
 * Providers that fly-log-shipper configures as Vector `type = "http"` sinks (PROVIDERS.md
 * Part 1 §2.1, §2.10–§2.18), plus Axiom (§2.4, on its native ingest API) and AppSignal (§2.9):
 * one row each. Most are served by the generic http kind; appsignal, openobserve and uptrace
 * have small kinds of their own in sink/kinds/appsignal.c.
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

/* §2.4 and §0 item 7: Vector 0.29 used Axiom's Elasticsearch-compatibility endpoint with Basic
   auth, an empty x-axiom-org-id and timestamp-field=@timestamp (a field the records do not
   have). Axiom's documented ingest API takes the JSON array as it is and reads the record's own
   `timestamp` through the timestamp-field parameter. */
static const struct ls_preset axiom = {
    .name = "axiom",
    .env_name = "AXIOM",
    .kind = "http",
    .doc = "Axiom: the records as a JSON array to the dataset's ingest API.",
    .vars =
        (const struct ls_preset_var[]){
            {"AXIOM_TOKEN", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL, "API token (Bearer)"},
            {"AXIOM_DATASET", LS_VAR_REQUIRED, NULL, "dataset name (URL-encoded for you)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://api.axiom.co/v1/datasets/${AXIOM_DATASET}/ingest?timestamp-field=timestamp",
    .headers = (const char *const[]){"Authorization: Bearer ${AXIOM_TOKEN}", NULL},
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .differences =
        (const char *const[]){
            "Uses Axiom's documented ingest API (POST /v1/datasets/<dataset>/ingest, Bearer "
            "token, JSON array) instead of the Elasticsearch-compatibility bulk endpoint with "
            "Basic auth.",
            "Sends timestamp-field=timestamp, so Axiom keeps the record's own time (Vector asked "
            "for @timestamp, which the records do not have).",
            "No empty x-axiom-org-id header.",
            NULL,
        },
};

/* §2.9: Vector's appsignal sink; kind `appsignal` wraps each record as {"log": ...}. */
static const struct ls_preset appsignal = {
    .name = "appsignal",
    .env_name = "APPSIGNAL",
    .kind = "appsignal",
    .doc = "AppSignal: gzip JSON array of {\"log\": record} to the Vector intake.",
    .vars =
        (const struct ls_preset_var[]){
            {"APPSIGNAL_PUSH_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "app-level Push API key (Bearer)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://appsignal-endpoint.net/vector/events",
    .headers = (const char *const[]){"Authorization: Bearer ${APPSIGNAL_PUSH_API_KEY}", NULL},
    .content_type = NULL, /* Vector sends none */
    .framing = LS_FRAME_ARRAY,
    .compression = LS_COMPRESS_GZIP,
    .batch_max_events = 100,
    .batch_max_bytes = 450000,
};

/* §2.10. Baselime documents 6 MB per request (§0 item 6). */
static const struct ls_preset baselime = {
    .name = "baselime",
    .env_name = "BASELIME",
    .kind = "http",
    .doc = "Baselime: the records as a JSON array to the events API.",
    .vars =
        (const struct ls_preset_var[]){
            {"BASELIME_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL, "API key (Bearer)"},
            {"BASELIME_DATASET", 0, "flyio", "dataset (empty: flyio; URL-encoded for you)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://events.baselime.io/v1/${BASELIME_DATASET:-flyio}",
    .headers = (const char *const[]){"Authorization: Bearer ${BASELIME_API_KEY}", NULL},
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .batch_max_bytes = 6000000,
    .differences =
        (const char *const[]){
            "Requests are at most 6,000,000 bytes, Baselime's documented limit (Vector: 10 MB).",
            NULL,
        },
};

/* §2.11: `.dt = del(.timestamp)`; LOGTAIL_TOKEN is the older name of the source token. */
static const struct ls_preset better_stack = {
    .name = "better_stack",
    .env_name = "BETTER_STACK",
    .kind = "http",
    .doc = "Better Stack (Logtail): JSON array with the record time in `dt`.",
    .vars =
        (const struct ls_preset_var[]){
            {"BETTER_STACK_SOURCE_TOKEN", LS_VAR_ONE_OF | LS_VAR_SECRET, NULL,
             "source token (Bearer)"},
            {"LOGTAIL_TOKEN", LS_VAR_ONE_OF | LS_VAR_SECRET, NULL,
             "older name of the source token, used when BETTER_STACK_SOURCE_TOKEN is unset"},
            {"BETTER_STACK_INGESTING_HOST", 0, "in.logs.betterstack.com",
             "ingesting host, without scheme"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://${BETTER_STACK_INGESTING_HOST:-in.logs.betterstack.com}",
    .headers =
        (const char *const[]){
            "Authorization: Bearer ${BETTER_STACK_SOURCE_TOKEN:-${LOGTAIL_TOKEN}}",
            NULL,
        },
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .transforms =
        (const struct ls_transform[]){
            {LS_TF_MOVE_OR_NULL, "timestamp", "dt"},
            {LS_TF_END, NULL, NULL},
        },
};

/* §2.12 */
static const struct ls_preset hyperdx = {
    .name = "hyperdx",
    .env_name = "HYPERDX",
    .kind = "http",
    .doc = "HyperDX: the records as a JSON array.",
    .vars =
        (const struct ls_preset_var[]){
            {"HYPERDX_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL, "API key (Bearer)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://in.hyperdx.io?hdx_platform=flyio",
    .headers = (const char *const[]){"Authorization: Bearer ${HYPERDX_API_KEY}", NULL},
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
};

/* §2.13 */
static const struct ls_preset highlight = {
    .name = "highlight",
    .env_name = "HIGHLIGHT",
    .kind = "http",
    .doc = "Highlight: gzip NDJSON with the project id in a header.",
    .vars =
        (const struct ls_preset_var[]){
            {"HIGHLIGHT_PROJECT_ID", LS_VAR_REQUIRED, NULL, "project id (not a secret)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://pub.highlight.io/v1/logs/json",
    .headers = (const char *const[]){"X-Highlight-Project: ${HIGHLIGHT_PROJECT_ID}", NULL},
    .content_type = "application/x-ndjson",
    .framing = LS_FRAME_NDJSON,
    .compression = LS_COMPRESS_GZIP,
};

/* §2.14: `.ts = del(.timestamp)`; Honeybadger takes at most 102,400 bytes (§0 item 6). */
static const struct ls_preset honeybadger = {
    .name = "honeybadger",
    .env_name = "HONEYBADGER",
    .kind = "http",
    .doc = "Honeybadger Insights: NDJSON with the record time in `ts`, 100 KiB per request.",
    .vars =
        (const struct ls_preset_var[]){
            {"HONEYBADGER_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "project API key (X-API-Key)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://api.honeybadger.io/v1/events",
    .headers = (const char *const[]){"X-API-Key: ${HONEYBADGER_API_KEY}", NULL},
    .content_type = "application/x-ndjson",
    .framing = LS_FRAME_NDJSON,
    .transforms =
        (const struct ls_transform[]){
            {LS_TF_MOVE_OR_NULL, "timestamp", "ts"},
            {LS_TF_END, NULL, NULL},
        },
    .batch_max_bytes = 102400,
    .differences =
        (const char *const[]){
            "Requests are at most 102,400 bytes, Honeybadger's documented limit (Vector sent up "
            "to 10 MB, which Honeybadger rejects with 413 and Vector dropped).",
            NULL,
        },
};

/* §2.15: `.level = .log.level`. */
static const struct ls_preset logflare = {
    .name = "logflare",
    .env_name = "LOGFLARE",
    .kind = "http",
    .doc = "Logflare: JSON array to the Vector endpoint, `log.level` copied to `level`.",
    .vars =
        (const struct ls_preset_var[]){
            {"LOGFLARE_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL, "API key (X-API-Key)"},
            {"LOGFLARE_SOURCE_TOKEN", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "source UUID (sent in the URL query, URL-encoded for you)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://api.logflare.app/logs/vector?source=${LOGFLARE_SOURCE_TOKEN}",
    .headers = (const char *const[]){"X-API-Key: ${LOGFLARE_API_KEY}", NULL},
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .transforms =
        (const struct ls_transform[]){
            {LS_TF_COPY_OR_NULL, "log.level", "level"},
            {LS_TF_END, NULL, NULL},
        },
};

/* §2.16: kind `openobserve` adds the Basic authorization header. */
static const struct ls_preset openobserve = {
    .name = "openobserve",
    .env_name = "OPENOBSERVE",
    .kind = "openobserve",
    .doc = "OpenObserve: gzip JSON array with Basic authentication.",
    .vars =
        (const struct ls_preset_var[]){
            {"OPENOBSERVE_URI", LS_VAR_REQUIRED, NULL,
             "full ingest URL, e.g. https://<host>/api/<org>/<stream>/_json"},
            {"OPENOBSERVE_USER", LS_VAR_REQUIRED, NULL, "user (Basic authentication)"},
            {"OPENOBSERVE_PASSWORD", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "password (Basic authentication)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "${OPENOBSERVE_URI}",
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .compression = LS_COMPRESS_GZIP,
};

/* §2.17 and §0 items 4 and 7: the current header name, and both variable names of the URL
   (SIGNOZ_INGESTION_URL, the newer one, wins when both are set). */
static const struct ls_preset signoz = {
    .name = "signoz",
    .env_name = "SIGNOZ",
    .kind = "http",
    .doc = "SigNoz: the records as a JSON array to the Vector logs endpoint.",
    .vars =
        (const struct ls_preset_var[]){
            {"SIGNOZ_INGESTION_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "ingestion key (signoz-ingestion-key header)"},
            {"SIGNOZ_INGESTION_URL", 0, "SIGNOZ_URI",
             "endpoint URL (newer name; wins over SIGNOZ_URI)"},
            {"SIGNOZ_URI", 0, "https://ingest.us.signoz.cloud/logs/vector",
             "endpoint URL (older name)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "${SIGNOZ_INGESTION_URL:-${SIGNOZ_URI:-https://ingest.us.signoz.cloud/logs/vector}}",
    .headers = (const char *const[]){"signoz-ingestion-key: ${SIGNOZ_INGESTION_KEY}", NULL},
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .differences =
        (const char *const[]){
            "Sends the key as signoz-ingestion-key (the deprecated signoz-access-token is not "
            "sent).",
            "Accepts SIGNOZ_INGESTION_URL as well as SIGNOZ_URI.",
            NULL,
        },
};

/* §2.18: kind `uptrace` reads the codec; the two plumbing variables are optional. */
static const struct ls_preset uptrace = {
    .name = "uptrace",
    .env_name = "UPTRACE",
    .kind = "uptrace",
    .doc = "Uptrace: gzip NDJSON to the Vector logs endpoint with the project DSN.",
    .vars =
        (const struct ls_preset_var[]){
            {"UPTRACE_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL, "API key (in the DSN)"},
            {"UPTRACE_PROJECT", LS_VAR_REQUIRED, NULL, "project id (in the DSN)"},
            {"UPTRACE_SINK_INPUT", 0, "log_json", "only log_json (the parsed records)"},
            {"UPTRACE_SINK_ENCODING", 0, "json",
             "json (NDJSON), text or raw_message (the message lines)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://api.uptrace.dev/api/v1/vector/logs",
    .headers =
        (const char *const[]){
            "uptrace-dsn: https://${UPTRACE_API_KEY}@uptrace.dev/${UPTRACE_PROJECT}",
            NULL,
        },
    .content_type = "application/x-ndjson",
    .framing = LS_FRAME_NDJSON,
    .compression = LS_COMPRESS_GZIP,
    .differences =
        (const char *const[]){
            "UPTRACE_SINK_INPUT and UPTRACE_SINK_ENCODING are optional (defaults log_json and "
            "json); a value logship does not support turns off only this sink, naming the "
            "variable.",
            NULL,
        },
};

const struct ls_preset *const ls_presets_http[] = {
    &http,        &axiom,    &appsignal,   &baselime, &better_stack, &hyperdx, &highlight,
    &honeybadger, &logflare, &openobserve, &signoz,   &uptrace,      NULL,
};
