/*
 * Provider rows of the syslog family (see preset/presets.c): Papertrail, RFC 3164 lines over
 * TLS (PROVIDERS.md Part 2 §7), written by the papertrail kind (sink/kinds/papertrail.c).
 */
#include "preset/preset.h"

static const struct ls_preset papertrail = {
    .name = "papertrail",
    .env_name = "PAPERTRAIL",
    .kind = "papertrail",
    .doc = "Papertrail: RFC 3164 syslog lines over TLS to PAPERTRAIL_ENDPOINT.",
    .vars =
        (const struct ls_preset_var[]){
            {"PAPERTRAIL_ENDPOINT", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "host:port of the log destination (a scheme is ignored; the port is the write "
             "credential)"},
            {"PAPERTRAIL_ENCODING_CODEC", 0, "json",
             "MSG of each line: json (the whole record) or text (its message)"},
            {NULL, 0, NULL, NULL},
        },
    .framing = LS_FRAME_NONE,
    /* Vector writes every event at once; a short batch keeps that latency while one write
       carries many lines. */
    .batch_max_events = 1000,
    .batch_max_bytes = 1 << 20,
    .batch_timeout_ms = 100,
    .differences =
        (const char *const[]){
            "The syslog header carries the record's own time (fly-log-shipper: the send time).",
            "One record is always one line: an LF or CR inside a text message is written as \\n "
            "or \\r (fly-log-shipper splits the record).",
            "A batch whose write fails is written again on a new connection (at-least-once; "
            "fly-log-shipper drops what it was writing).",
            "An endpoint without a port or an unknown codec turns off only this sink, naming the "
            "variable (fly-log-shipper does not start).",
            "Lines stay within Papertrail's 100,000-byte message limit: a longer record's MSG is "
            "cut at a character boundary, ends with a [truncated] marker and is counted in "
            "logship_truncated_total{sink=\"papertrail\"} (fly-log-shipper sends it whole).",
            NULL,
        },
};

const struct ls_preset *const ls_presets_syslog[] = {
    &papertrail,
    NULL,
};
