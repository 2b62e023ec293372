/*
 * Provider rows of the loki family: Grafana Loki and OpsVerse, both on the Loki push API
 * (PROVIDERS.md Part 2 §2, §3), served by the `loki` and `loki_logfmt` kinds
 * (sink/kinds/loki.c). Kind convention: vars[0] is the base URL, vars[1] the Basic-auth user,
 * vars[2] the password.
 */
#include "preset/preset.h"

/* fly-log-shipper's `loki_json` remap, then the sink's remove_timestamp. */
static const struct ls_transform loki_json[] = {
    {LS_TF_COPY_OR_NULL, "log.level", "level"},
    {LS_TF_MERGE_MESSAGE, NULL, NULL},
    {LS_TF_DELETE, "timestamp", NULL},
    {LS_TF_END, NULL, NULL},
};

static const char *const loki_differences[] = {
    "Entry time is the record's own timestamp in ns (Vector used send time), with no "
    "out-of-order filter: Loki 2.4+ accepts out-of-order writes.",
    "A record whose message starts with '{' but is not a JSON object keeps its level label "
    "(Vector dropped it with the failed remap).",
    "Loki and OpsVerse can run together (fly-log-shipper refuses to start with both).",
    "Credentials in the URL (user:password@) are a configuration problem of this sink only.",
    NULL,
};

/* §2. Labels: event_provider, fly_region, fly_app_name, fly_app_instance, host, level; a
   missing field leaves its label out, a null renders as "<null>" (as Vector does, so existing
   queries keep matching), no label at all gives agent="vector". */
static const struct ls_preset loki = {
    .name = "loki",
    .env_name = "LOKI",
    .kind = "loki",
    .doc = "Grafana Loki push API: gzip JSON streams labelled from the record, Basic auth.",
    .vars =
        (const struct ls_preset_var[]){
            {"LOKI_URL", LS_VAR_REQUIRED, NULL,
             "Loki base URL; /loki/api/v1/push is appended (trailing / trimmed)"},
            {"LOKI_USERNAME", LS_VAR_REQUIRED | LS_VAR_EMPTY_OK | LS_VAR_SECRET, NULL,
             "Basic-auth user, e.g. the Grafana Cloud user id (may be empty)"},
            {"LOKI_PASSWORD", LS_VAR_REQUIRED | LS_VAR_EMPTY_OK | LS_VAR_SECRET, NULL,
             "Basic-auth password or API token (may be empty)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "${LOKI_URL}",
    .content_type = "application/json",
    .framing = LS_FRAME_KIND,
    .compression = LS_COMPRESS_GZIP,
    .transforms = loki_json,
    .batch_max_events = 100000,
    .batch_max_bytes = 1000000,
    .differences = loki_differences,
};

/* §3: the same with logfmt lines (Vector's `out_of_order_action = accept` is what logship
   always does). */
static const struct ls_preset opsverse = {
    .name = "opsverse",
    .env_name = "OPSVERSE",
    .kind = "loki_logfmt",
    .doc = "OpsVerse logs (Loki push API): gzip logfmt streams labelled from the record.",
    .vars =
        (const struct ls_preset_var[]){
            {"OPSVERSE_LOGS_ENDPOINT", LS_VAR_REQUIRED, NULL,
             "OpsVerse Loki base URL; /loki/api/v1/push is appended (trailing / trimmed)"},
            {"OPSVERSE_USERNAME", LS_VAR_REQUIRED | LS_VAR_EMPTY_OK | LS_VAR_SECRET, NULL,
             "Basic-auth user (may be empty)"},
            {"OPSVERSE_PASSWORD", LS_VAR_REQUIRED | LS_VAR_EMPTY_OK | LS_VAR_SECRET, NULL,
             "Basic-auth password (may be empty)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "${OPSVERSE_LOGS_ENDPOINT}",
    .content_type = "application/json",
    .framing = LS_FRAME_KIND,
    .compression = LS_COMPRESS_GZIP,
    .transforms = loki_json,
    .batch_max_events = 100000,
    .batch_max_bytes = 1000000,
    .differences =
        (const char *const[]){
            "Entry time is the record's own timestamp in ns (Vector used send time).",
            "A record whose message starts with '{' but is not a JSON object keeps its level "
            "label (Vector dropped it with the failed remap).",
            "Numbers in logfmt lines keep their JSON text (Vector printed 1.0 as 1).",
            "Loki and OpsVerse can run together (fly-log-shipper refuses to start with both).",
            "Credentials in the URL (user:password@) are a configuration problem of this sink "
            "only.",
            NULL,
        },
};

const struct ls_preset *const ls_presets_loki[] = {
    &loki,
    &opsverse,
    NULL,
};
