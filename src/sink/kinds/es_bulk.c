/*
 * Elasticsearch bulk request builders: the `es_bulk` kind (fly-log-shipper's erasearch sink,
 * PROVIDERS.md Part 2 §4) and the `sematext` kind (Part 1 §2.7; Sematext documents this
 * scheme: https://sematext.com/docs/logs/index-events-via-elasticsearch-api/).
 *
 * Body: per event an action line and the document, each ending in LF (NDJSON_NL framing of
 * "action LF document" units), as ES requires. The document is the record after the row's
 * transforms (erasearch: JSON `message` merged; sematext: `timestamp` -> `@timestamp`, `host`
 * -> `os.host`). Action: `{"index":{"_index":"<index>"}}`; sematext adds `"_type":"logs"` as
 * Vector's API-v6 sematext sink does. No version probe and no `_type` for erasearch
 * (PROVIDERS.md §0 item 7). The index is JSON-escaped (Vector pasted it raw, which only
 * differs for an index no ES accepts anyway).
 *
 * Responses: a 2xx is read per item (items()): items failed with 429/5xx are retried, other
 * failed items rejected and counted; the worker does the rest (§0 item 5).
 */
#include "sink/kinds/es_bulk.h"
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"
#include "preset/preset.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define BULK_PATH     "/_bulk?timeout=60s"
#define SEMATEXT_US   "https://logsene-receiver.sematext.com" BULK_PATH
#define SEMATEXT_EU   "https://logsene-receiver.eu.sematext.com" BULK_PATH
#define RESPONSE_KEEP (64u << 20) /* a bulk answer has ~100-200 bytes per item */

struct es_ctx {
    struct ls_kind_common c; /* first: the common helpers take it */
    char *index;
    const char *index_var;
    bool index_secret; /* sematext: the index is the token */
    bool index_time;   /* has `%` specifiers, rendered with the record's time */
    const char *type;  /* `_type` of the action line, or NULL */
};

/* ---- response ------------------------------------------------------------------------------ */

static unsigned char item_verdict(struct json_object *item)
{
    struct json_object *op = NULL, *status, *error;
    if (json_object_is_type(item, json_type_object)) {
        json_object_object_foreach(item, k, v)
        {
            (void)k;
            op = v; /* {"index": {...}} or {"create": {...}}: one key */
            break;
        }
    }
    if (!json_object_is_type(op, json_type_object))
        return LS_ITEM_REJECT;
    if (!json_object_object_get_ex(op, "status", &status) ||
        !json_object_is_type(status, json_type_int))
        return json_object_object_get_ex(op, "error", &error) ? LS_ITEM_REJECT : LS_ITEM_OK;
    int64_t st = json_object_get_int64(status);
    if (st >= 200 && st < 300)
        return LS_ITEM_OK;
    if (st == 429 || (st >= 500 && st < 600 && st != 501))
        return LS_ITEM_RETRY;
    return LS_ITEM_REJECT;
}

int ls_es_bulk_verdicts(const char *body, size_t len, size_t n, unsigned char *verdict)
{
    memset(verdict, LS_ITEM_OK, n);
    size_t lead = 0;
    while (lead < len && strchr(" \t\r\n", body[lead]))
        lead++;
    if (lead == len)
        return 0;
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return -1;
    struct json_object *root =
        json_tokener_parse_ex(tok, body, (int)(len > 0x7fffffff ? 0x7fffffff : len));
    bool parsed = root && json_tokener_get_error(tok) == json_tokener_success;
    json_tokener_free(tok);
    if (!parsed || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        /* Not JSON we can read: only a literal failure marker (Vector's own test) says more. */
        return memmem(body, len, "\"errors\":true", 13) ? -1 : 0;
    }
    struct json_object *errors, *items;
    int rc = 0;
    if (json_object_object_get_ex(root, "errors", &errors) && json_object_get_boolean(errors)) {
        if (!json_object_object_get_ex(root, "items", &items) ||
            !json_object_is_type(items, json_type_array) || json_object_array_length(items) != n)
            rc = -1;
        for (size_t i = 0; rc == 0 && i < n; i++)
            verdict[i] = item_verdict(json_object_array_get_idx(items, i));
    }
    json_object_put(root);
    return rc;
}

static int es_items(struct ls_sink *s, const struct ls_batch *b, const struct ls_response *r,
                    unsigned char *verdict)
{
    (void)s;
    return ls_es_bulk_verdicts(r->body ? r->body : "", r->body ? r->body_len : 0, b->n, verdict);
}

/* ---- per event ------------------------------------------------------------------------------ */

static int write_index(struct es_ctx *x, const struct ls_event *ev, struct ls_buf *out)
{
    if (!x->index_time)
        return ls_json_canon_write_string(out, x->index, strlen(x->index));
    /* Vector renders strftime in the index with the current time; §0 item 3: the record's. */
    time_t secs = (time_t)(ev->time_ns / 1000000000);
    if (ev->time_ns < 0 && ev->time_ns % 1000000000 != 0)
        secs--;
    struct tm tm;
    char name[512];
    if (!gmtime_r(&secs, &tm))
        return -1;
    size_t n = strftime(name, sizeof(name), x->index, &tm);
    if (n == 0)
        return -1;
    return ls_json_canon_write_string(out, name, n);
}

static int es_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct es_ctx *x = s->ctx;
    size_t before = out->len;
    int rc = ls_buf_puts(out, "{\"index\":{\"_index\":");
    if (rc == 0)
        rc = write_index(x, ev, out);
    if (rc == 0 && x->type)
        rc = ls_buf_printf(out, ",\"_type\":\"%s\"", x->type);
    if (rc == 0)
        rc = ls_buf_puts(out, "}}\n");
    if (rc == 0)
        rc = ls_kind_encode_record(s, &x->c, ev, out);
    if (rc != 0) {
        out->len = before;
        if (out->data)
            out->data[before] = '\0';
    }
    return rc;
}

/* ---- configuration and request ------------------------------------------------------------ */

static struct es_ctx *ctx_new(struct ls_sink *s)
{
    struct es_ctx *x = calloc(1, sizeof(*x));
    s->ctx = x;
    return x;
}

static int replace_url(struct ls_sink *s, struct es_ctx *x, const char *url)
{
    char *u = ls_kind_resolve_url(s, url), *m = u ? strdup(u) : NULL;
    free(x->c.url);
    free(x->c.url_masked);
    x->c.url = u;
    x->c.url_masked = m;
    return u && m ? 0 : -1;
}

/* url with trailing slashes removed and BULK_PATH appended (Vector's base URL handling). */

/* Row convention for es_bulk rows: vars[0] the base URL, vars[1] the index (presets_es.c). */
static int es_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct es_ctx *x = ctx_new(s);
    if (!x)
        return -1;
    int rc = ls_kind_common_init(s, env, p, &x->c);
    const struct ls_preset_var *v = s->preset->vars;
    x->index_var = v[1].name;
    const char *index = ls_env_get(env, v[1].name);
    if (rc == 0 && ls_kind_url_has_userinfo(x->c.url)) {
        ls_problems_add(p, "%s: %s must not hold credentials (user:password@)", s->name, v[0].name);
        rc = -1;
    }
    if (rc == 0) {
        char *u = ls_kind_url_join(x->c.url, BULK_PATH),
             *m = ls_kind_url_join(x->c.url_masked, BULK_PATH);
        free(x->c.url);
        free(x->c.url_masked);
        x->c.url = u;
        x->c.url_masked = m;
        x->index = strdup(index ? index : "");
        if (!u || !m || !x->index) {
            ls_problems_add(p, "%s: out of memory", s->name);
            rc = -1;
        }
    }
    if (rc == 0 && !*x->index) {
        ls_problems_add(p, "%s: %s is empty", s->name, v[1].name);
        rc = -1;
    }
    if (rc == 0)
        x->index_time = strchr(x->index, '%') != NULL;
    return rc;
}

/* SEMATEXT_REGION is optional (default us) and read in any case (PROVIDERS.md §0 item 4). */
static int sematext_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct es_ctx *x = ctx_new(s);
    if (!x)
        return -1;
    int rc = ls_kind_common_init(s, env, p, &x->c);
    const char *region = ls_env_get(env, "SEMATEXT_REGION");
    const char *token = ls_env_get(env, "SEMATEXT_TOKEN");
    bool eu = false;
    if (region && *region && strcasecmp(region, "us") != 0) {
        eu = strcasecmp(region, "eu") == 0;
        if (!eu) {
            ls_problems_add(p, "sematext: SEMATEXT_REGION must be us or eu (any case), not \"%s\"",
                            region);
            rc = -1;
        }
    }
    if (rc == 0 && eu && replace_url(s, x, SEMATEXT_EU) != 0) {
        ls_problems_add(p, "sematext: cannot apply LOGSHIP_%s_ENDPOINT", s->env_name);
        rc = -1;
    }
    x->index = strdup(token ? token : "");
    x->index_var = "SEMATEXT_TOKEN";
    x->index_secret = true;
    x->type = "logs";
    if (!x->index) {
        ls_problems_add(p, "sematext: out of memory");
        rc = -1;
    }
    return rc;
}

static int es_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    struct es_ctx *x = s->ctx;
    return ls_kind_common_request(s, &x->c, req);
}

static void es_describe(const struct ls_sink *s)
{
    const struct es_ctx *x = s->ctx;
    ls_kind_common_describe(s, &x->c);
    if (x->index_secret)
        printf("  index: the value of %s (masked)\n", x->index_var);
    else
        printf("  index: %s%s\n", x->index ? x->index : "",
               x->index_time ? " (strftime of each record's UTC time)" : "");
}

static void es_destroy(struct ls_sink *s)
{
    struct es_ctx *x = s->ctx;
    if (!x)
        return;
    ls_kind_common_free(&x->c);
    if (x->index) {
        memset(x->index, 0, strlen(x->index));
        free(x->index);
    }
    free(x);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_es_bulk = {
    .name = "es_bulk",
    .configure = es_configure,
    .encode = es_encode,
    .request = es_request,
    .items = es_items,
    .response_keep = RESPONSE_KEEP,
    .describe = es_describe,
    .destroy = es_destroy,
};

const struct ls_sink_kind ls_kind_sematext = {
    .name = "sematext",
    .configure = sematext_configure,
    .encode = es_encode,
    .request = es_request,
    .items = es_items,
    .response_keep = RESPONSE_KEEP,
    .describe = es_describe,
    .destroy = es_destroy,
};
