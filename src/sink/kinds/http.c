/*
 * The generic `http` sink (PROVIDERS.md Part 1 §2.1): POST <HTTP_URL> with a JSON array of the
 * records, each in canonical form, `Content-Type: application/json`, and
 * `Authorization: Bearer <HTTP_TOKEN>` when a token is set (logship, unlike fly-log-shipper,
 * does not require one: §0 item 4). Records are sent unchanged, so the encoder copies the
 * canonical JSON computed once at parse time.
 */
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "core/mask.h"
#include "core/problems.h"
#include "event/event.h"
#include "transport/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_ctx {
    char *url;
    char *auth_header; /* "Authorization: Bearer ..." or NULL */
};

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

static int http_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct http_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    s->ctx = c;
    const char *url = ls_env_get(env, "HTTP_URL");
    const char *token = ls_env_get(env, "HTTP_TOKEN");
    char err[256];
    if (ls_kind_check_url("HTTP_URL", url, p) == 0 && !(c->url = ls_kind_resolve_url(s, url)))
        ls_problems_add(p, "HTTP_URL: cannot apply LOGSHIP_HTTP_ENDPOINT");
    if (token && *token) {
        if (ls_env_check_header_value("HTTP_TOKEN", token, err, sizeof(err)) != 0)
            ls_problems_add(p, "%s", err);
        else if (asprintf(&c->auth_header, "Authorization: Bearer %s", token) < 0)
            c->auth_header = NULL;
    }
    return 0;
}

int ls_kind_encode_canonical(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    (void)s;
    return ls_buf_append(out, ev->json, ev->json_len);
}

static int http_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    struct http_ctx *c = s->ctx;
    if (ls_buf_puts(&req->url, c->url) != 0)
        return -1;
    req->content_type = "application/json";
    if (c->auth_header)
        req->headers = curl_slist_append(req->headers, c->auth_header);
    return 0;
}

static void http_describe(const struct ls_sink *s)
{
    const struct http_ctx *c = s->ctx;
    struct ls_buf u;
    char m[64];
    ls_buf_init(&u, 0);
    ls_mask_url(c->url ? c->url : "", &u);
    printf("  url: %s\n  token (HTTP_TOKEN): %s\n", u.data ? u.data : "",
           c->auth_header ? ls_mask(c->auth_header + strlen("Authorization: Bearer "), m, sizeof(m))
                          : "(none: no Authorization header)");
    ls_buf_free(&u);
}

static void http_destroy(struct ls_sink *s)
{
    struct http_ctx *c = s->ctx;
    if (!c)
        return;
    free(c->url);
    free(c->auth_header);
    free(c);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_http = {
    .name = "http",
    .prefix = "[",
    .sep = ",",
    .suffix = "]",
    .configure = http_configure,
    .encode = ls_kind_encode_canonical,
    .request = http_request,
    .describe = http_describe,
    .destroy = http_destroy,
};
