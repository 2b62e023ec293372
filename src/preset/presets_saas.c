/*
 * Provider rows of the saas family (see preset/presets.c): Datadog, Honeycomb, New Relic,
 * Mezmo (LogDNA) and Humio/LogScale, PROVIDERS.md Part 1 §2.2, §2.3, §2.5, §2.6, §2.8. Each row
 * names a kind of its own (sink/kinds/datadog.c, honeycomb.c, new_relic.c, logdna.c, hec.c),
 * which builds the per-event envelope; URL, fixed headers, compression and limits are here.
 */
#include "preset/preset.h"

/* §2.2. dd-evp-origin names logship, not vector (§0 item 1). */
static const struct ls_preset datadog = {
    .name = "datadog",
    .env_name = "DATADOG",
    .kind = "datadog",
    .doc = "Datadog Logs (v2 intake): gzip JSON array, `host` as `hostname`, record time as "
           "epoch-ms `timestamp`.",
    .vars =
        (const struct ls_preset_var[]){
            {"DATADOG_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL, "API key (dd-api-key)"},
            {"DATADOG_SITE", 0, "datadoghq.com",
             "Datadog site, e.g. datadoghq.eu or us3.datadoghq.com"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://http-intake.logs.${DATADOG_SITE:-datadoghq.com}/api/v2/logs",
    .headers =
        (const char *const[]){
            "dd-api-key: ${DATADOG_API_KEY}",
            "dd-evp-origin: logship",
            "dd-evp-origin-version: " LOGSHIP_VERSION,
            NULL,
        },
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .compression = LS_COMPRESS_GZIP,
    .transforms =
        (const struct ls_transform[]){
            {LS_TF_RENAME, "host", "hostname"},
            {LS_TF_END, NULL, NULL},
        },
    .batch_max_events = 1000,
    .batch_max_bytes = 5000000,
    .batch_timeout_ms = 5000,
    .differences =
        (const char *const[]){
            "The record's own time is sent as `timestamp` (epoch ms); Vector drops it.",
            "Batches over 1,000 events or 5,000,000 bytes are split before sending, never "
            "dropped.",
            "401/403 are permanent, logged naming DATADOG_API_KEY; 400/413 permanent (413 "
            "splits first); 408/429/5xx retried; any other 2xx is success.",
            "dd-evp-origin: logship and dd-evp-origin-version: <logship version>.",
            NULL,
        },
};

/* §2.3. The kind percent-encodes the dataset before this template sees it. */
static const struct ls_preset honeycomb = {
    .name = "honeycomb",
    .env_name = "HONEYCOMB",
    .kind = "honeycomb",
    .doc = "Honeycomb batch events API: [{\"time\",\"data\"}] with flattened fields, per-event "
           "results read from the response.",
    .vars =
        (const struct ls_preset_var[]){
            {"HONEYCOMB_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "API key (x-honeycomb-team)"},
            {"HONEYCOMB_DATASET", LS_VAR_REQUIRED, NULL, "dataset name (URL-encoded for you)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://api.honeycomb.io/1/batch/${HONEYCOMB_DATASET}",
    .headers = (const char *const[]){"x-honeycomb-team: ${HONEYCOMB_API_KEY}", NULL},
    .content_type = "application/json",
    .framing = LS_FRAME_ARRAY,
    .batch_max_bytes = 100000,
    .differences =
        (const char *const[]){
            "`time` is the record's own timestamp (RFC 3339, 9 digits); Vector uses send time. "
            "A timestamp that does not parse stays in `data`.",
            "The dataset is URL-encoded; Content-Type: application/json is sent.",
            "Per-event statuses in the response are read: 429/5xx events are retried, others "
            "counted as rejected.",
            "Events up to Honeycomb's 1 MB limit are sent (alone when over the 100 KB batch); "
            "Vector drops events over 100 KB.",
            "EU teams: LOGSHIP_HONEYCOMB_ENDPOINT=https://api.eu1.honeycomb.io.",
            NULL,
        },
};

/* §2.5. The kind picks the EU host and drops the insert-key header when a license key is set. */
static const struct ls_preset new_relic = {
    .name = "new_relic",
    .env_name = "NEW_RELIC",
    .kind = "new_relic",
    .doc = "New Relic Log API: gzip [{\"logs\":[...]}] with flattened fields in sorted order.",
    .vars =
        (const struct ls_preset_var[]){
            {"NEW_RELIC_ACCOUNT_ID", LS_VAR_REQUIRED, NULL,
             "account id (required as in fly-log-shipper; not sent)"},
            {"NEW_RELIC_LICENSE_KEY", LS_VAR_ONE_OF | LS_VAR_SECRET, NULL,
             "license key (api-key); wins when both keys are set"},
            {"NEW_RELIC_INSERT_KEY", LS_VAR_ONE_OF | LS_VAR_SECRET, NULL,
             "insert key (X-Insert-Key)"},
            {"NEW_RELIC_REGION", 0, "us", "us or eu, any case"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://log-api.newrelic.com/log/v1",
    .headers =
        (const char *const[]){
            "api-key: ${NEW_RELIC_LICENSE_KEY:-}",
            "x-insert-key: ${NEW_RELIC_INSERT_KEY:-}",
            NULL,
        },
    .content_type = "application/json",
    .framing = LS_FRAME_KIND,
    .compression = LS_COMPRESS_GZIP,
    .batch_max_events = 100,
    .batch_max_bytes = 1000000,
    .differences =
        (const char *const[]){
            "Delivery is judged by the HTTP status (Vector counts every response as delivered).",
            "NEW_RELIC_INSERT_KEY works (sent as X-Insert-Key); Vector refuses the whole "
            "configuration.",
            "NEW_RELIC_REGION is optional (default us) and case-insensitive.",
            "`timestamp` is the record's time in epoch ms; keys are in sorted order.",
            NULL,
        },
};

/* §2.6. Basic auth is built by the kind (base64 of "<key>:"). */
static const struct ls_preset logdna = {
    .name = "logdna",
    .env_name = "LOGDNA",
    .kind = "logdna",
    .doc = "Mezmo (LogDNA) ingest API: {\"lines\":[...]}, one request per hostname.",
    .vars =
        (const struct ls_preset_var[]){
            {"LOGDNA_API_KEY", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "ingestion key (Basic auth user)"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://logs.mezmo.com/logs/ingest",
    .content_type = "application/json",
    .framing = LS_FRAME_KIND,
    .differences =
        (const char *const[]){
            "Path /logs/ingest (Vector sends //logs/ingest).",
            "Records without fly.app.instance use their `host`, else `unknown`, as hostname "
            "(Vector drops them).",
            "`timestamp` is the record's time in epoch ms (Vector sends the ISO string).",
            NULL,
        },
};

/* §2.8. HUMIO_ENDPOINT is a base URL (a trailing `/` is dropped by the kind). */
static const struct ls_preset humio = {
    .name = "humio",
    .env_name = "HUMIO",
    .kind = "hec",
    .doc = "Humio / Falcon LogScale through its Splunk HEC event endpoint, gzip.",
    .vars =
        (const struct ls_preset_var[]){
            {"HUMIO_TOKEN", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL, "ingest token"},
            {"HUMIO_ENDPOINT", 0, "https://cloud.humio.com", "base URL of the LogScale cloud"},
            {NULL, 0, NULL, NULL},
        },
    .url = "${HUMIO_ENDPOINT:-https://cloud.humio.com}/services/collector/event",
    .headers = (const char *const[]){"authorization: Splunk ${HUMIO_TOKEN}", NULL},
    .content_type = "application/json",
    .framing = LS_FRAME_NONE,
    .compression = LS_COMPRESS_GZIP,
    .batch_max_bytes = 1000000,
    .differences =
        (const char *const[]){
            "HUMIO_ENDPOINT works (Vector's rendered config is invalid TOML: every sink stops).",
            "`time` is the record's own time, epoch seconds with a millisecond fraction, and "
            "`@timestamp.nanos` in the event holds the sub-millisecond nanoseconds (the shape "
            "Vector gives a real timestamp); Vector sends neither, the record's timestamp being "
            "a string.",
            NULL,
        },
};

const struct ls_preset *const ls_presets_saas[] = {
    &datadog, &honeycomb, &new_relic, &logdna, &humio, NULL,
};
