/*
 * The generic HTTP kind: everything about the request comes from the provider row (URL, fixed
 * headers, content type, framing, compression, transforms), as Vector's `http` sink does for
 * fly-log-shipper's `type = "http"` configs (PROVIDERS.md Part 1 §2.1, §2.10–§2.18). A record
 * without transforms is sent as its canonical JSON, copied.
 */
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "transport/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ls_kind_check_url(const char *var, const char *url, struct ls_problems *p)
{
    char err[256];
    if (ls_env_check_header_value(var, url, err, sizeof(err)) != 0) {
        ls_problems_add(p, "%s", err);
        return -1;
    }
    CURLU *u = curl_url();
    int bad = !u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK;
    char *scheme = NULL;
    if (!bad && curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK)
        bad = strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0;
    curl_free(scheme);
    curl_url_cleanup(u);
    if (bad) {
        ls_problems_add(p, "%s: not an http:// or https:// URL", var);
        return -1;
    }
    return 0;
}

char *ls_kind_resolve_url(struct ls_sink *s, const char *url)
{
    if (!s->cfg.endpoint)
        return strdup(url);
    struct ls_buf b;
    ls_buf_init(&b, 0);
    if (ls_http_override_origin(url, s->cfg.endpoint, &b) != 0) {
        ls_buf_free(&b);
        return NULL;
    }
    return ls_buf_steal(&b, NULL);
}

int ls_kind_encode_canonical(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    (void)s;
    return ls_buf_append(out, ev->json, ev->json_len);
}

static int http_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct ls_kind_common *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    s->ctx = c;
    return ls_kind_common_init(s, env, p, c);
}

static int http_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    return ls_kind_encode_record(s, s->ctx, ev, out);
}

static int http_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    return ls_kind_common_request(s, s->ctx, req);
}

const struct ls_sink_kind ls_kind_http = {
    .name = "http",
    .prefix = "[",
    .sep = ",",
    .suffix = "]",
    .configure = http_configure,
    .encode = http_encode,
    .request = http_request,
    .describe = ls_kind_plain_describe,
    .destroy = ls_kind_plain_destroy,
};
