/*
 * Provider rows of the Elasticsearch-bulk family: Sematext (PROVIDERS.md Part 1 §2.7) and
 * EraSearch (Part 2 §4), served by the `sematext` and `es_bulk` kinds
 * (sink/kinds/es_bulk.c). Kind convention for es_bulk rows: vars[0] is the base URL, vars[1]
 * the index.
 */
#include "preset/preset.h"

#define BULK_ITEMS_DIFFERENCE                                                                      \
    "Bulk responses are read per item: items failed with 429/5xx are retried, other failed "       \
    "items rejected and counted (Vector dropped every failed item)."

/* Vector's sematext_logs sink: API v6, `_type` logs, index = token, no compression. */
static const struct ls_preset sematext = {
    .name = "sematext",
    .env_name = "SEMATEXT",
    .kind = "sematext",
    .doc = "Sematext Logs (Elasticsearch bulk API, the token as index).",
    .vars =
        (const struct ls_preset_var[]){
            {"SEMATEXT_TOKEN", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL, "Logs App token"},
            {"SEMATEXT_REGION", 0, "us", "us or eu, any case"},
            {NULL, 0, NULL, NULL},
        },
    /* The US receiver; the kind switches to logsene-receiver.eu.sematext.com for eu. */
    .url = "https://logsene-receiver.sematext.com/_bulk?timeout=60s",
    .content_type = "application/x-ndjson",
    .framing = LS_FRAME_NDJSON_NL,
    .transforms =
        (const struct ls_transform[]){
            {LS_TF_RENAME, "timestamp", "@timestamp"},
            {LS_TF_RENAME, "host", "os.host"},
            {LS_TF_END, NULL, NULL},
        },
    .differences =
        (const char *const[]){
            "SEMATEXT_REGION is optional (default us) and any case; another value is a problem "
            "of this sink only (Vector refused to start).",
            BULK_ITEMS_DIFFERENCE,
            NULL,
        },
};

/* Vector's elasticsearch sink in bulk mode behind fly-log-shipper's `trf_json` remap. */
static const struct ls_preset erasearch = {
    .name = "erasearch",
    .env_name = "ERASEARCH",
    .kind = "es_bulk",
    .doc = "EraSearch or any Elasticsearch-compatible bulk API.",
    .vars =
        (const struct ls_preset_var[]){
            {"ERASEARCH_URL", LS_VAR_REQUIRED, NULL,
             "base URL; /_bulk?timeout=60s is appended (trailing / trimmed)"},
            {"ERASEARCH_INDEX", LS_VAR_REQUIRED, NULL,
             "index name; strftime % specifiers use each record's UTC time"},
            {"ERASEARCH_AUTH", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "the whole Authorization header value, e.g. Bearer <key>"},
            {NULL, 0, NULL, NULL},
        },
    .url = "${ERASEARCH_URL}",
    .headers = (const char *const[]){"Authorization: ${ERASEARCH_AUTH}", NULL},
    .content_type = "application/x-ndjson",
    .framing = LS_FRAME_NDJSON_NL,
    .transforms =
        (const struct ls_transform[]){
            {LS_TF_MERGE_MESSAGE, NULL, NULL},
            {LS_TF_END, NULL, NULL},
        },
    .differences =
        (const char *const[]){
            "No start-up version probe (GET /_cluster/state/version) and never a _type in "
            "action lines.",
            BULK_ITEMS_DIFFERENCE,
            "strftime specifiers in ERASEARCH_INDEX use the record's own time (Vector: send "
            "time).",
            NULL,
        },
};

const struct ls_preset *const ls_presets_es[] = {
    &sematext,
    &erasearch,
    NULL,
};
