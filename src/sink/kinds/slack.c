/*
 * The slack kind: alerts to a Slack incoming webhook, as fly-log-shipper's slack sink chain
 * builds them (PROVIDERS.md Part 2 §8): a keyword filter on `message` (SLACK_ALERT_KEYWORDS,
 * filter/keywords.h), a throttle of one alert per second with the rest dropped, and a body of
 * two mrkdwn section blocks (app name; instance and message in a code span).
 *
 * Deliberate differences (§0 item 7, SL-D1..D4): one JSON request per alert with
 * `Content-Type: application/json` (the row caps batches at one event, so two alerts never
 * share a body); each section text kept within Slack's 3,000-character limit, cut with a
 * marker; a bad keyword list is a configuration problem of this sink only.
 *
 * The filter and throttle run in accept(), on the worker thread, before an event reaches a
 * batch; records they drop count in logship_sink_filtered_events_total. Webhook docs:
 * https://api.slack.com/messaging/webhooks, section block:
 * https://api.slack.com/reference/block-kit/blocks#section
 */
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"
#include "filter/keywords.h"
#include "util/time.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX     3000 /* characters in a section block's text */
#define TRUNC_MARKER "…[truncated]"
#define THROTTLE_MS  1000 /* log_throttle: threshold 1, window 1 s */

struct slack_ctx {
    struct ls_kind_common c; /* first: the generic helpers take it */
    struct ls_keywords *kw;
    bool passed;     /* an alert has passed the throttle */
    int64_t last_ms; /* monotonic time of the last alert that passed */
};

static int slack_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct slack_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    s->ctx = c;
    int rc = ls_kind_common_init(s, env, p, &c->c);
    const char *list = ls_env_get(env, "SLACK_ALERT_KEYWORDS");
    char err[512];
    if (list && ls_keywords_compile(list, &c->kw, err, sizeof(err)) != 0) {
        ls_problems_add(p, "slack: SLACK_ALERT_KEYWORDS: %s", err);
        rc = -1;
    }
    return rc;
}

/* The record's `message` when it is a string (Vector's match_any errors on anything else and
   the filter drops the event). */
static bool message_of(struct json_object *root, const char **s, size_t *n)
{
    struct json_object *m = NULL;
    if (!json_object_object_get_ex(root, "message", &m) ||
        !json_object_is_type(m, json_type_string))
        return false;
    *s = json_object_get_string(m);
    *n = (size_t)json_object_get_string_len(m);
    return true;
}

static int slack_accept(struct ls_sink *s, struct ls_event *ev)
{
    struct slack_ctx *c = s->ctx;
    struct json_object *root = ls_kind_tree(s, &c->c, ev);
    const char *msg;
    size_t n;
    bool hit = root && c->kw && message_of(root, &msg, &n) && ls_keywords_match(c->kw, msg, n);
    json_object_put(root);
    if (!hit)
        return 0;
    /* GCRA with burst 1 and period 1 s: pass only when a second has gone by since the last
       alert that passed; the others are dropped, not delayed. */
    int64_t now = ls_time_mono_ms();
    if (c->passed && now - c->last_ms < THROTTLE_MS)
        return 0;
    c->passed = true;
    c->last_ms = now;
    return 1;
}

/* Characters as Slack may count them: UTF-16 units (a character outside the BMP is two), so
   the limit holds whichever way Slack counts. */
static size_t units(const char *s, size_t n)
{
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)s[i];
        if ((b & 0xc0) != 0x80)
            u += b >= 0xf0 ? 2 : 1;
    }
    return u;
}

/* Bytes of the longest prefix of s[0..n) with at most max units, cut between characters. */
static size_t prefix_within(const char *s, size_t n, size_t max)
{
    size_t u = 0, i = 0;
    while (i < n) {
        unsigned char b = (unsigned char)s[i];
        size_t len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        size_t w = b >= 0xf0 ? 2 : 1;
        if (i + len > n || u + w > max)
            break;
        u += w;
        i += len;
    }
    return i;
}

/* Appends head + body + tail, cutting body (and marking the cut) so the whole stays within
   TEXT_MAX units; a head or tail too long on its own is cut as well, as a last resort. */
static int fitted(struct ls_buf *out, const char *head, size_t hn, const char *body, size_t bn,
                  const char *tail)
{
    size_t tn = strlen(tail), mn = strlen(TRUNC_MARKER);
    size_t fixed = units(head, hn) + units(tail, tn);
    int rc = 0;
    if (fixed + units(body, bn) <= TEXT_MAX) {
        rc |= ls_buf_append(out, head, hn);
        rc |= ls_buf_append(out, body, bn);
        rc |= ls_buf_append(out, tail, tn);
        return rc;
    }
    size_t room =
        TEXT_MAX > fixed + units(TRUNC_MARKER, mn) ? TEXT_MAX - fixed - units(TRUNC_MARKER, mn) : 0;
    if (room == 0) {
        size_t cut = prefix_within(head, hn, TEXT_MAX - units(TRUNC_MARKER, mn));
        rc |= ls_buf_append(out, head, cut);
        return rc | ls_buf_puts(out, TRUNC_MARKER);
    }
    rc |= ls_buf_append(out, head, hn);
    rc |= ls_buf_append(out, body, prefix_within(body, bn, room));
    rc |= ls_buf_puts(out, TRUNC_MARKER);
    return rc | ls_buf_append(out, tail, tn);
}

static struct json_object *section(const char *text, size_t n)
{
    struct json_object *t = json_object_new_object(), *sec = json_object_new_object();
    if (!t || !sec ||
        json_object_object_add(t, "text", json_object_new_string_len(text, (int)n)) != 0 ||
        json_object_object_add(t, "type", json_object_new_string("mrkdwn")) != 0 ||
        json_object_object_add(sec, "text", t) != 0) {
        json_object_put(t);
        json_object_put(sec);
        return NULL;
    }
    if (json_object_object_add(sec, "type", json_object_new_string("section")) != 0) {
        json_object_put(sec);
        return NULL;
    }
    return sec;
}

static const char *str_at(struct json_object *root, const char *path, size_t *n)
{
    struct json_object *v = ls_json_path(root, path);
    if (!v || !json_object_is_type(v, json_type_string))
        return NULL;
    *n = (size_t)json_object_get_string_len(v);
    return json_object_get_string(v);
}

/* log_parse's `.blocks`, or `{}` when app name, instance or message is not a string (VRL's
   `?? {}`). NULL on out-of-memory. */
static struct json_object *blocks_of(struct json_object *root)
{
    size_t an = 0, in = 0, mn = 0;
    const char *app = str_at(root, "fly.app.name", &an);
    const char *inst = str_at(root, "fly.app.instance", &in);
    const char *msg = str_at(root, "message", &mn);
    if (!app || !inst || !msg)
        return json_object_new_object();
    struct ls_buf t1, t2, head;
    ls_buf_init(&t1, 0);
    ls_buf_init(&t2, 0);
    ls_buf_init(&head, 0);
    int rc = ls_buf_puts(&head, "New alert from *");
    rc |= fitted(&t1, head.data, head.len, app, an, "*");
    ls_buf_reset(&head);
    rc |= ls_buf_puts(&head, "*AppId:* ");
    rc |= ls_buf_append(&head, inst, in);
    rc |= ls_buf_puts(&head, "\n*Message:*\n```");
    rc |= fitted(&t2, head.data, head.len, msg, mn, "```");
    struct json_object *arr = rc == 0 ? json_object_new_array() : NULL;
    struct json_object *s1 = arr ? section(t1.data, t1.len) : NULL;
    struct json_object *s2 = s1 ? section(t2.data, t2.len) : NULL;
    if (s2) {
        json_object_array_add(arr, s1);
        json_object_array_add(arr, s2);
    } else {
        json_object_put(s1);
        json_object_put(arr);
        arr = NULL;
    }
    ls_buf_free(&t1);
    ls_buf_free(&t2);
    ls_buf_free(&head);
    return arr;
}

/* One alert: the record minus the fields log_parse deletes, plus `blocks`, as sorted compact
   JSON and the LF of Vector's text framing. */
static int slack_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct slack_ctx *c = s->ctx;
    struct json_object *root = ls_kind_tree(s, &c->c, ev);
    if (!root)
        return -1;
    struct json_object *blocks = blocks_of(root);
    static const char *const gone[] = {"message", "event", "fly", "host", "log", "timestamp"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        json_object_object_del(root, gone[i]);
    int rc = -1;
    if (blocks && json_object_object_add(root, "blocks", blocks) == 0) {
        rc = ls_json_canon_write(out, root);
        if (rc == 0)
            rc = ls_buf_putc(out, '\n');
    } else {
        json_object_put(blocks);
    }
    json_object_put(root);
    return rc;
}

static int slack_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    return ls_kind_common_request(s, s->ctx, req);
}

/* The webhook's path is its secret: --check shows the origin only. */
static void slack_describe(const struct ls_sink *s)
{
    const struct slack_ctx *c = s->ctx;
    const char *u = c->c.url ? c->c.url : "";
    const char *h = strstr(u, "://");
    size_t origin = h ? (size_t)(h + 3 - u) + strcspn(h + 3, "/?#") : 0;
    printf("  url: %.*s/****\n", (int)origin, u);
    size_t n = c->kw ? ls_keywords_count(c->kw) : 0;
    printf("  keywords (%zu):", n);
    for (size_t i = 0; i < n; i++)
        printf("%s r'%s'", i ? "," : "", ls_keywords_pattern(c->kw, i));
    printf("\n  throttle: one alert per second, the rest dropped\n");
}

static void slack_destroy(struct ls_sink *s)
{
    struct slack_ctx *c = s->ctx;
    if (!c)
        return;
    ls_keywords_destroy(c->kw);
    ls_kind_common_free(&c->c);
    free(c);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_slack = {
    .name = "slack",
    .needs_parser = true,
    .prefix = "",
    .sep = "",
    .suffix = "",
    .configure = slack_configure,
    .encode = slack_encode,
    .request = slack_request,
    .describe = slack_describe,
    .destroy = slack_destroy,
    .accept = slack_accept,
};
