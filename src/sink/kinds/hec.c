/*
 * Splunk HEC event endpoint, as Humio / Falcon LogScale takes it (PROVIDERS.md Part 1 §2.8):
 * concatenated `{"event":<record>,"fields":{},"time":<epoch s>,"host":<fly.app.instance>}`
 * objects, gzip, `Authorization: Splunk <token>` and an `X-Splunk-Request-Channel` UUID fixed
 * for the life of the sink. `time` is the record's own time (§0 item 3) in the shape Vector's
 * humio_logs sink gives a real timestamp: epoch seconds with a millisecond fraction, and the
 * sub-millisecond nanoseconds in the event's top-level `@timestamp.nanos` (added only when the
 * record has no such field, as Vector's try_insert); LogScale joins the two back to ns;
 * HUMIO_ENDPOINT is a base URL, used literally except for trailing slashes, which are dropped
 * as Vector's URL builder does.
 */
#include "sink/kinds/common.h"
#include "sink/kinds/saas.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hec_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct ls_kind_common *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    s->ctx = c;
    const char *base = ls_env_get(env, "HUMIO_ENDPOINT");
    char *trimmed = base ? strdup(base) : NULL;
    if (base && !trimmed) {
        ls_problems_add(p, "%s: out of memory", s->name);
        return -1;
    }
    for (size_t n = trimmed ? strlen(trimmed) : 0; n > 0 && trimmed[n - 1] == '/'; n--)
        trimmed[n - 1] = '\0';
    struct ls_env *e = ls_saas_env_with(env, s->preset, "HUMIO_ENDPOINT", trimmed);
    free(trimmed);
    if (!e) {
        ls_problems_add(p, "%s: out of memory", s->name);
        return -1;
    }
    int rc = ls_kind_common_init(s, e, p, c);
    ls_env_destroy(e);
    char uuid[37], line[96];
    if (rc == 0 && ls_saas_uuid4(uuid) != 0) {
        ls_problems_add(p, "%s: no randomness for the request channel id", s->name);
        return -1;
    }
    snprintf(line, sizeof(line), "x-splunk-request-channel: %s", uuid);
    if (rc == 0 && ls_saas_header_add(c, line) != 0) {
        ls_problems_add(p, "%s: out of memory", s->name);
        return -1;
    }
    return rc;
}

/* HEC `host`: the instance as text; JSON text for other scalars; absent or null: no `host`. */
static int put_host(struct ls_buf *out, struct json_object *v)
{
    if (!v)
        return 0;
    if (ls_buf_puts(out, ",\"host\":") != 0)
        return -1;
    if (json_object_is_type(v, json_type_string))
        return ls_json_canon_write(out, v);
    struct ls_buf text;
    ls_buf_init(&text, 0);
    int rc = ls_json_canon_write(&text, v);
    if (rc == 0)
        rc = ls_json_canon_write_string(out, text.data ? text.data : "", text.len);
    ls_buf_free(&text);
    return rc;
}

/* `@timestamp.nanos`: what `time` leaves out below the millisecond, unless the record has it. */
static int add_nanos(struct json_object *root, int64_t ns)
{
    if (json_object_object_get_ex(root, "@timestamp.nanos", NULL))
        return 0;
    struct json_object *v = json_object_new_int64(ls_saas_sub_ms_ns(ns));
    if (!v || json_object_object_add(root, "@timestamp.nanos", v) != 0) {
        json_object_put(v);
        return -1;
    }
    return 0;
}

/* A `timestamp` that does not parse stays in `event` (Vector deletes it) and `time` (with its
   `@timestamp.nanos`) is the receive time, which ev->time_ns then holds. */
static int hec_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct json_object *root = ls_kind_tree(s, s->ctx, ev);
    if (!root)
        return -1;
    struct json_object *host = ls_json_path(root, "fly.app.instance");
    /* `host` is borrowed from root: keep it alive while root changes. */
    json_object_get(host);
    if (ls_saas_event_timed(ev))
        json_object_object_del(root, "timestamp");
    int rc = -1;
    if (add_nanos(root, ev->time_ns) == 0 && ls_buf_puts(out, "{\"event\":") == 0 &&
        ls_json_canon_write(out, root) == 0 && ls_buf_puts(out, ",\"fields\":{},\"time\":") == 0 &&
        ls_saas_write_hec_time(out, ev->time_ns) == 0 && put_host(out, host) == 0 &&
        ls_buf_putc(out, '}') == 0)
        rc = 0;
    json_object_put(host);
    json_object_put(root);
    return rc;
}

static int hec_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    return ls_kind_common_request(s, s->ctx, req);
}

const struct ls_sink_kind ls_kind_hec = {
    .name = "hec",
    .needs_parser = true,
    .prefix = "",
    .sep = "",
    .suffix = "",
    .configure = hec_configure,
    .encode = hec_encode,
    .request = hec_request,
    .describe = ls_kind_plain_describe,
    .destroy = ls_kind_plain_destroy,
};
