/*
 * Mezmo (LogDNA) ingest API (PROVIDERS.md Part 1 §2.6): `{"lines":[...]}` posted to
 * `/logs/ingest?hostname=<h>&now=<ms>` with Basic auth (the key as user, empty password).
 * Batches are partitioned by hostname: `fly.app.instance`, else the record's `host`, else
 * `unknown` (Vector drops records without an instance, §0 item 7). Each line is Vector's
 * shape, `line`, `timestamp`, `env`, `app`/`file`, `meta`, with `timestamp` the record's time
 * in epoch ms (§0 item 3).
 *
 * partition() and encode() both need the record's tree and the worker calls them back to back
 * for each event, so partition() keeps its tree (and a reference on the event, so the address
 * cannot be reused) for the encode() that follows.
 */
#include "sink/kinds/common.h"
#include "sink/kinds/saas.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"
#include "util/time.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

struct mz_ctx {
    struct ls_kind_common c; /* first: the common helpers take it */
    struct ls_event *cached_ev;
    struct json_object *cached_tree;
};

static void cache_drop(struct mz_ctx *x)
{
    json_object_put(x->cached_tree);
    ls_event_unref(x->cached_ev);
    x->cached_tree = NULL;
    x->cached_ev = NULL;
}

static int mz_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct mz_ctx *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    s->ctx = x;
    if (ls_kind_common_init(s, env, p, &x->c) != 0)
        return -1;
    const char *key = ls_env_get(env, "LOGDNA_API_KEY");
    struct ls_buf user, line;
    ls_buf_init(&user, 0);
    ls_buf_init(&line, 0);
    int rc = -1;
    if (key && ls_buf_printf(&user, "%s:", key) == 0 &&
        ls_buf_puts(&line, "authorization: Basic ") == 0 &&
        ls_saas_base64(&line, user.data, user.len) == 0 &&
        ls_saas_header_add(&x->c, line.data) == 0)
        rc = 0;
    ls_buf_free(&user);
    ls_buf_free(&line);
    if (rc != 0)
        ls_problems_add(p, "logdna: cannot build the authorization header");
    return rc;
}

/* The tree for ev: the one partition() kept, else a fresh parse. Caller owns it. */
static struct json_object *tree_for(struct ls_sink *s, struct ls_event *ev)
{
    struct mz_ctx *x = s->ctx;
    if (x->cached_ev == ev) {
        struct json_object *t = x->cached_tree;
        x->cached_tree = NULL;
        cache_drop(x);
        return t;
    }
    return ls_kind_tree(s, &x->c, ev);
}

/* Vector renders `{{ fly.app.instance }}`: strings as is, numbers and booleans as JSON. */
static int put_name(struct ls_buf *out, struct json_object *v)
{
    if (json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0)
        return ls_buf_append(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double) ||
        json_object_is_type(v, json_type_boolean))
        return ls_json_canon_write(out, v);
    return 1;
}

static int mz_partition(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct mz_ctx *x = s->ctx;
    cache_drop(x);
    struct json_object *root = ls_kind_tree(s, &x->c, ev);
    int rc = 1;
    if (root) {
        rc = put_name(out, ls_json_path(root, "fly.app.instance"));
        if (rc > 0)
            rc = put_name(out, ls_json_path(root, "host"));
        x->cached_tree = root;
        x->cached_ev = ls_event_ref(ev);
    }
    if (rc > 0)
        rc = ls_buf_puts(out, "unknown");
    return rc;
}

/* Moves field `name` of root into the line when present; *present says whether it was. */
static int move_field(struct ls_buf *out, struct json_object *root, const char *name, bool *present)
{
    struct json_object *v = NULL;
    *present = json_object_object_get_ex(root, name, &v);
    if (!*present)
        return 0;
    int rc = ls_buf_printf(out, ",\"%s\":", name) == 0 && ls_json_canon_write(out, v) == 0 ? 0 : -1;
    json_object_object_del(root, name);
    return rc;
}

static int mz_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct json_object *root = tree_for(s, ev);
    if (!root)
        return -1;
    int rc = ls_buf_puts(out, "{\"line\":");
    struct json_object *v = NULL;
    if (rc == 0 && json_object_object_get_ex(root, "message", &v)) {
        rc = ls_json_canon_write(out, v);
        json_object_object_del(root, "message");
    } else if (rc == 0) {
        rc = ls_buf_puts(out, "\"\"");
    }
    /* The record's time in ms; a `timestamp` that does not parse is kept as it is (Vector's
       behaviour), and a record without one gets its receive time, as Vector gives send time. */
    bool has_ts = json_object_object_get_ex(root, "timestamp", &v);
    if (rc == 0 && (ls_saas_event_timed(ev) || !has_ts))
        rc = ls_buf_printf(out, ",\"timestamp\":%lld", (long long)ls_saas_ms(ev->time_ns));
    else if (rc == 0)
        rc = ls_buf_puts(out, ",\"timestamp\":") || ls_json_canon_write(out, v);
    json_object_object_del(root, "timestamp");
    bool env = false, app = false, file = false;
    if (rc == 0)
        rc = move_field(out, root, "env", &env);
    if (rc == 0)
        rc = move_field(out, root, "app", &app);
    if (rc == 0)
        rc = move_field(out, root, "file", &file);
    if (rc == 0 && !env)
        rc = ls_buf_puts(out, ",\"env\":\"production\"");
    if (rc == 0 && !app && !file)
        rc = ls_buf_puts(out, ",\"app\":\"vector\"");
    if (rc == 0 && json_object_object_length(root) > 0)
        rc = ls_buf_puts(out, ",\"meta\":") || ls_json_canon_write(out, root);
    if (rc == 0)
        rc = ls_buf_putc(out, '}');
    json_object_put(root);
    return rc ? -1 : 0;
}

static int mz_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    struct mz_ctx *x = s->ctx;
    if (ls_kind_common_request(s, &x->c, req) != 0)
        return -1;
    const char *url = x->c.url;
    if (ls_buf_puts(&req->url, strchr(url, '?') ? "&hostname=" : "?hostname=") != 0 ||
        ls_saas_pct_encode(&req->url, b->partition ? b->partition : "unknown", true) != 0 ||
        ls_buf_printf(&req->url, "&now=%lld", (long long)ls_saas_ms(ls_time_now_ns())) != 0)
        return -1;
    return 0;
}

static void mz_describe(const struct ls_sink *s)
{
    const struct mz_ctx *x = s->ctx;
    ls_kind_common_describe(s, &x->c);
}

static void mz_destroy(struct ls_sink *s)
{
    struct mz_ctx *x = s->ctx;
    if (!x)
        return;
    cache_drop(x);
    ls_kind_common_free(&x->c);
    free(x);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_logdna = {
    .name = "logdna",
    .needs_parser = true,
    .prefix = "{\"lines\":[",
    .sep = ",",
    .suffix = "]}",
    .configure = mz_configure,
    .encode = mz_encode,
    .partition = mz_partition,
    .request = mz_request,
    .describe = mz_describe,
    .destroy = mz_destroy,
};
