/*
 * Datadog Logs (PROVIDERS.md Part 1 §2.2): each record after the row's `host` -> `hostname`
 * rename, with its `timestamp` as an integer of epoch milliseconds when it is the record's own
 * time (§0 item 3), in a gzip JSON array. Limits (1,000 events, 5,000,000 bytes) are the row's
 * batch limits, so the worker splits instead of dropping. Only the outcome of 401/403 gets a
 * word of its own: they mean the key, so the log line names DATADOG_API_KEY.
 */
#include "sink/kinds/common.h"
#include "sink/kinds/saas.h"
#include "core/log.h"
#include "event/event.h"
#include "event/json_canon.h"

#include <json-c/json.h>
#include <stdlib.h>

static int dd_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct ls_kind_common *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    s->ctx = c;
    return ls_kind_common_init(s, env, p, c);
}

/* A record without `timestamp` goes without one, as in Vector (Datadog then uses intake
   time); one whose `timestamp` does not parse keeps the text rather than losing it. */
static int dd_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct json_object *root = ls_kind_tree(s, s->ctx, ev);
    if (!root)
        return -1;
    int rc = 0;
    if (ls_saas_event_timed(ev) && json_object_object_get_ex(root, "timestamp", NULL)) {
        struct json_object *ms = json_object_new_int64(ls_saas_ms(ev->time_ns));
        rc = ms ? json_object_object_add(root, "timestamp", ms) : -1;
    }
    if (rc == 0)
        rc = ls_json_canon_write(out, root);
    json_object_put(root);
    return rc;
}

static int dd_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    return ls_kind_common_request(s, s->ctx, req);
}

/* The default table already makes 400/401/403 permanent and 413 a split; this only says why. */
static int dd_classify(struct ls_sink *s, const struct ls_response *r)
{
    if (r->status == 401 || r->status == 403) {
        LS_SINK_LOG_EVERY(LS_LOG_ERROR, 60000, s,
                          "Datadog refused the API key status=%ld: check DATADOG_API_KEY (and "
                          "DATADOG_SITE for the key's site)",
                          r->status);
        return LS_OUTCOME_REJECT;
    }
    return -1;
}

const struct ls_sink_kind ls_kind_datadog = {
    .name = "datadog",
    .needs_parser = true,
    .prefix = "[",
    .sep = ",",
    .suffix = "]",
    .configure = dd_configure,
    .encode = dd_encode,
    .request = dd_request,
    .classify = dd_classify,
    .describe = ls_kind_plain_describe,
    .destroy = ls_kind_plain_destroy,
};
