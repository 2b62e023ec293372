/*
 * New Relic Log API (PROVIDERS.md Part 1 §2.5): `[{"logs":[...]}]` and a newline, gzip. Each
 * log is the record flattened as Vector does (dotted keys), written in sorted key order where
 * Vector's hash map gives a random one; `message` defaults to Vector's "log from vector";
 * `timestamp` is the record's time in epoch ms (§0 item 3). The license key goes in `api-key`,
 * an insert key in `X-Insert-Key` (the row has both headers; the second is dropped when a
 * license key is set). NEW_RELIC_REGION picks the EU host, any case. Delivery is judged by the
 * default status table, unlike Vector which counts every answer as delivered.
 */
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "sink/kinds/saas.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "preset/preset.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define NR_EU_URL "https://log-api.eu.newrelic.com/log/v1"

struct nr_ctx {
    struct ls_kind_common c; /* first: the common helpers take it */
    struct ls_saas_fields f; /* reused per event (worker thread only) */
    bool eu;
};

static int nr_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct nr_ctx *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    s->ctx = x;
    ls_saas_fields_init(&x->f);
    static const char *const regions[] = {"us", "eu", NULL};
    char err[256];
    int region = 0;
    if (ls_env_enum(env, "NEW_RELIC_REGION", regions, 0, &region, err, sizeof(err)) != 0)
        ls_problems_add(p, "new_relic: %s", err);
    x->eu = region == 1;
    int rc = ls_kind_common_init(s, env, p, &x->c);
    if (rc == 0 && x->eu) {
        /* The row's URL is the US one; LOGSHIP_NEW_RELIC_ENDPOINT still replaces the origin. */
        char *url = ls_kind_resolve_url(s, NR_EU_URL);
        char *masked = url ? strdup(url) : NULL;
        if (!masked) {
            free(url);
            ls_problems_add(p, "new_relic: out of memory");
            return -1;
        }
        free(x->c.url);
        free(x->c.url_masked);
        x->c.url = url;
        x->c.url_masked = masked; /* no secret is part of this URL */
    }
    const struct ls_preset_var lic = {"NEW_RELIC_LICENSE_KEY", 0, NULL, NULL};
    if (ls_preset_value(env, &lic))
        ls_saas_header_remove(&x->c, "x-insert-key");
    return p->n ? -1 : rc;
}

static int nr_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct nr_ctx *x = s->ctx;
    struct json_object *root = ls_kind_tree(s, &x->c, ev);
    if (!root)
        return -1;
    int rc = 0;
    if (!json_object_object_get_ex(root, "message", NULL)) {
        struct json_object *m = json_object_new_string("log from vector");
        rc = m ? json_object_object_add(root, "message", m) : -1;
    }
    if (rc == 0 && ls_saas_event_timed(ev) && json_object_object_get_ex(root, "timestamp", NULL)) {
        struct json_object *ms = json_object_new_int64(ls_saas_ms(ev->time_ns));
        rc = ms ? json_object_object_add(root, "timestamp", ms) : -1;
    }
    if (rc == 0)
        rc = ls_saas_fields_collect(&x->f, root);
    if (rc == 0) {
        ls_saas_fields_sort(&x->f);
        rc = ls_saas_fields_write(&x->f, out);
    }
    json_object_put(root);
    return rc;
}

static int nr_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    return ls_kind_common_request(s, s->ctx, req);
}

static void nr_describe(const struct ls_sink *s)
{
    const struct nr_ctx *x = s->ctx;
    ls_kind_common_describe(s, &x->c);
}

static void nr_destroy(struct ls_sink *s)
{
    struct nr_ctx *x = s->ctx;
    if (!x)
        return;
    ls_kind_common_free(&x->c);
    ls_saas_fields_free(&x->f);
    free(x);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_new_relic = {
    .name = "new_relic",
    .needs_parser = true,
    .prefix = "[{\"logs\":[",
    .sep = ",",
    .suffix = "]}]\n",
    .configure = nr_configure,
    .encode = nr_encode,
    .request = nr_request,
    .describe = nr_describe,
    .destroy = nr_destroy,
};
