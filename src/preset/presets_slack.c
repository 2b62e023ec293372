/*
 * Provider rows of the slack family (see preset/presets.c): alerts to a Slack incoming webhook
 * for records whose message matches SLACK_ALERT_KEYWORDS (PROVIDERS.md Part 2 §8), built by
 * the slack kind (sink/kinds/slack.c).
 */
#include "preset/preset.h"

static const struct ls_preset slack = {
    .name = "slack",
    .env_name = "SLACK",
    .kind = "slack",
    .doc = "Slack alerts: records whose message matches SLACK_ALERT_KEYWORDS, at most one per "
           "second, posted to an incoming webhook.",
    .vars =
        (const struct ls_preset_var[]){
            {"SLACK_WEBHOOK_URL", LS_VAR_REQUIRED | LS_VAR_SECRET, NULL,
             "incoming webhook URL (its path is the secret)"},
            {"SLACK_ALERT_KEYWORDS", LS_VAR_REQUIRED, NULL,
             "regex literals, e.g. [r'SIGTERM', r'(?i)reboot']: alert when any matches the "
             "message"},
            {NULL, 0, NULL, NULL},
        },
    .url = "${SLACK_WEBHOOK_URL}",
    .content_type = "application/json",
    .framing = LS_FRAME_NONE,
    .batch_max_events = 1, /* Slack takes exactly one JSON payload per POST (SL-D2) */
    .differences =
        (const char *const[]){
            "One request per alert with Content-Type: application/json (fly-log-shipper sends "
            "text/plain and can join two alerts in one body, which Slack rejects).",
            "Each section text is cut to Slack's 3,000-character limit with a marker "
            "(fly-log-shipper's alert is rejected).",
            "An invalid SLACK_ALERT_KEYWORDS turns off only Slack, naming the pattern "
            "(fly-log-shipper does not start at all).",
            NULL,
        },
};

const struct ls_preset *const ls_presets_slack[] = {
    &slack,
    NULL,
};
