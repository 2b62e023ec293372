/*
 * Honeycomb batch events (PROVIDERS.md Part 1 §2.3): a JSON array of
 * `{"time":<RFC 3339, 9 digits>,"data":<flattened fields>}`, `data` in Vector's all_fields
 * order. `time` is the record's own time (§0 item 3). The dataset is percent-encoded into the
 * URL by the URL template (preset/template.h). A 200 answer carries one status per event;
 * items() turns them into per-event verdicts so the worker retries 429/5xx events and rejects
 * the others (§0 item 5).
 */
#include "sink/kinds/common.h"
#include "sink/kinds/saas.h"
#include "event/event.h"
#include "util/time.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Honeycomb: "The entire event must be less than 1 MB of uncompressed JSON" (API docs). */
#define HC_EVENT_MAX 1000000

struct hc_ctx {
    struct ls_kind_common c; /* first: the common helpers take it */
    struct ls_saas_fields f; /* reused per event (worker thread only) */
};

static int hc_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct hc_ctx *x = calloc(1, sizeof(*x));
    if (!x)
        return -1;
    s->ctx = x;
    ls_saas_fields_init(&x->f);
    /* The dataset lands in the URL path, so the URL template percent-encodes it. */
    return ls_kind_common_init(s, env, p, &x->c);
}

/* A `timestamp` that does not parse stays in `data` (Vector drops it) and `time` is then the
   receive time, which is what ev->time_ns holds. */
static int hc_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct hc_ctx *x = s->ctx;
    struct json_object *root = ls_kind_tree(s, &x->c, ev);
    if (!root)
        return -1;
    if (ls_saas_event_timed(ev))
        json_object_object_del(root, "timestamp");
    char ts[LS_TIME_RFC3339_MAX];
    size_t before = out->len;
    int rc = -1;
    if (ls_time_format_rfc3339(ts, sizeof(ts), ev->time_ns, 9) > 0 &&
        ls_saas_fields_collect(&x->f, root) == 0 &&
        ls_buf_printf(out, "{\"time\":\"%s\",\"data\":", ts) == 0 &&
        ls_saas_fields_write(&x->f, out) == 0 && ls_buf_putc(out, '}') == 0)
        rc = 0;
    /* Over Honeycomb's per-event limit the event would be refused: do not send it. */
    if (rc == 0 && out->len - before >= HC_EVENT_MAX)
        rc = -1;
    json_object_put(root);
    return rc;
}

static int hc_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    return ls_kind_common_request(s, s->ctx, req);
}

static enum ls_item_verdict item_verdict(struct json_object *item)
{
    struct json_object *st = NULL;
    if (!json_object_object_get_ex(item, "status", &st) || !json_object_is_type(st, json_type_int))
        return LS_ITEM_REJECT;
    int64_t code = json_object_get_int64(st);
    if (code >= 200 && code < 300)
        return LS_ITEM_OK;
    if (code == 429 || (code >= 500 && code != 501))
        return LS_ITEM_RETRY;
    return LS_ITEM_REJECT;
}

/*
 * The 200 body is `[{"status":202},{"status":400,"error":"..."},...]`, one entry per event in
 * order. An empty body reports nothing failed. Entries missing from a short array are retried:
 * at least once beats silently counting them as delivered.
 */
static int hc_items(struct ls_sink *s, const struct ls_batch *b, const struct ls_response *r,
                    unsigned char *verdict)
{
    (void)s;
    size_t i = 0;
    while (i < r->body_len && strchr(" \t\r\n", r->body[i]))
        i++;
    if (i == r->body_len) {
        memset(verdict, LS_ITEM_OK, b->n);
        return 0;
    }
    struct json_tokener *tok = json_tokener_new();
    if (!tok)
        return -1;
    struct json_object *arr = json_tokener_parse_ex(tok, r->body, (int)r->body_len);
    json_tokener_free(tok);
    if (!json_object_is_type(arr, json_type_array)) {
        json_object_put(arr);
        return -1;
    }
    size_t n = json_object_array_length(arr);
    for (i = 0; i < b->n; i++)
        verdict[i] = i < n ? (unsigned char)item_verdict(json_object_array_get_idx(arr, i))
                           : (unsigned char)LS_ITEM_RETRY;
    json_object_put(arr);
    return 0;
}

static void hc_destroy(struct ls_sink *s)
{
    struct hc_ctx *x = s->ctx;
    if (!x)
        return;
    ls_kind_common_free(&x->c);
    ls_saas_fields_free(&x->f);
    free(x);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_honeycomb = {
    .name = "honeycomb",
    .needs_parser = true,
    .prefix = "[",
    .sep = ",",
    .suffix = "]",
    .configure = hc_configure,
    .encode = hc_encode,
    .request = hc_request,
    .items = hc_items,
    /* A 100 KB batch holds at most a few thousand events of ~50 status bytes each. */
    .response_keep = 1 << 20,
    .describe = ls_kind_plain_describe,
    .destroy = hc_destroy,
};
