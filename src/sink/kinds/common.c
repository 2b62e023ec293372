/* Helpers shared by the provider kinds; see common.h. */
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "core/mask.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"
#include "event/parse.h"
#include "preset/preset.h"
#include "preset/template.h"
#include "transform/transform.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replaces every occurrence of needle in b by ****. */
static void mask_text(struct ls_buf *b, const char *needle)
{
    struct ls_buf out;
    ls_buf_init(&out, 0);
    const char *cur = b->data ? b->data : "", *at;
    while ((at = strstr(cur, needle)) != NULL) {
        ls_buf_append(&out, cur, (size_t)(at - cur));
        ls_buf_puts(&out, "****");
        cur = at + strlen(needle);
    }
    ls_buf_puts(&out, cur);
    ls_buf_reset(b);
    ls_buf_append(b, out.data ? out.data : "", out.len);
    ls_buf_free(&out);
}

/* The URL with userinfo passwords, secret-looking query values and the value of every secret
   variable of the row replaced by ****, also where the URL holds the value percent-encoded. */
static char *mask_url(const struct ls_preset *row, const struct ls_env *env, const char *url)
{
    struct ls_buf b, enc;
    ls_buf_init(&b, 0);
    ls_buf_init(&enc, 0);
    ls_mask_url(url, &b);
    for (const struct ls_preset_var *v = row->vars; v->name; v++) {
        const char *val = ls_env_get(env, v->name);
        if (!(v->flags & LS_VAR_SECRET) || !val || strlen(val) < 4)
            continue;
        mask_text(&b, val);
        ls_buf_reset(&enc);
        if (ls_buf_put_pct(&enc, val, strlen(val)) == 0 && enc.data)
            mask_text(&b, enc.data);
    }
    char *res = strdup(b.data ? b.data : "");
    ls_buf_free(&b);
    ls_buf_free(&enc);
    return res;
}

static void add_name(const char *name, bool required, void *ctx)
{
    (void)required;
    struct ls_buf *b = ctx;
    if (b->len)
        ls_buf_puts(b, "/");
    ls_buf_puts(b, name);
}

/* "HTTP_URL" or "DATADOG_SITE/LOGSHIP_DATADOG_ENDPOINT": what a user sets to change the URL. */
static void url_vars(const struct ls_sink *s, struct ls_buf *out)
{
    struct ls_template *t = NULL;
    char err[128];
    if (ls_template_compile(s->preset->url, &t, err, sizeof(err)) == 0)
        ls_template_env_names(t, add_name, out);
    ls_template_destroy(t);
    if (s->cfg.endpoint)
        ls_buf_printf(out, "%sLOGSHIP_%s_ENDPOINT", out->len ? "/" : "", s->env_name);
    if (!out->len)
        ls_buf_printf(out, "LOGSHIP_%s_ENDPOINT", s->env_name);
}

static void set_frame(struct ls_sink *s, enum ls_framing f)
{
    static const struct ls_sink_frame frames[] = {
        [LS_FRAME_ARRAY] = {"[", ",", "]"},
        [LS_FRAME_NDJSON] = {"", "\n", ""},
        [LS_FRAME_NDJSON_NL] = {"", "\n", "\n"},
        [LS_FRAME_NONE] = {"", "", ""},
    };
    if (f != LS_FRAME_KIND)
        s->frame = frames[f];
}

int ls_kind_common_init(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p,
                        struct ls_kind_common *c)
{
    const struct ls_preset *row = s->preset;
    char err[256];
    size_t before = p->n;
    memset(c, 0, sizeof(*c));
    if (!row)
        return -1;
    /* Values go into URLs and headers: refuse line breaks and control bytes, naming the variable
       (never the value). */
    for (const struct ls_preset_var *v = row->vars; v->name; v++) {
        const char *val = ls_env_get(env, v->name);
        if (val && ls_env_check_header_value(v->name, val, err, sizeof(err)) != 0)
            ls_problems_add(p, "%s", err);
    }
    /* Go on: every problem of the row is reported at once, not one per restart. */
    if (row->url) {
        char *url = ls_preset_expand_url(row->url, env, err, sizeof(err));
        if (!url) {
            ls_problems_add(p, "%s: %s", row->name, err);
        } else {
            struct ls_buf vars;
            ls_buf_init(&vars, 0);
            url_vars(s, &vars);
            char var[256];
            snprintf(var, sizeof(var), "%s: %s", row->name, vars.data ? vars.data : "URL");
            ls_buf_free(&vars);
            if (ls_kind_check_url(var, url, p) == 0 && !(c->url = ls_kind_resolve_url(s, url)))
                ls_problems_add(p, "%s: cannot apply LOGSHIP_%s_ENDPOINT", row->name, s->env_name);
            if (c->url)
                c->url_masked = mask_url(row, env, c->url);
            free(url);
        }
    }
    for (size_t i = 0; row->headers && row->headers[i]; i++) {
        char *h = ls_preset_expand(row->headers[i], env, err, sizeof(err));
        if (!h) {
            ls_problems_add(p, "%s: %s", row->name, err);
            continue;
        }
        const char *colon = strchr(h, ':');
        const char *v = colon ? colon + 1 : "";
        while (*v == ' ')
            v++;
        char **nh = *v ? realloc(c->headers, (c->n_headers + 1) * sizeof(*nh)) : NULL;
        if (!nh) {
            free(h); /* empty value: the header is left out */
            continue;
        }
        c->headers = nh;
        c->headers[c->n_headers++] = h;
    }
    set_frame(s, row->framing);
    if (row->transforms || s->kind->needs_parser) {
        c->parser = ls_parser_create(0);
        if (!c->parser)
            ls_problems_add(p, "%s: out of memory", row->name);
    }
    return p->n == before ? 0 : -1;
}

void ls_kind_common_free(struct ls_kind_common *c)
{
    free(c->url);
    free(c->url_masked);
    for (size_t i = 0; i < c->n_headers; i++)
        free(c->headers[i]);
    free(c->headers);
    ls_parser_destroy(c->parser);
    memset(c, 0, sizeof(*c));
}

int ls_kind_common_request(const struct ls_sink *s, const struct ls_kind_common *c,
                           struct ls_request *req)
{
    if (ls_buf_puts(&req->url, c->url) != 0)
        return -1;
    for (size_t i = 0; i < c->n_headers; i++)
        req->headers = curl_slist_append(req->headers, c->headers[i]);
    req->content_type = s->preset ? s->preset->content_type : NULL;
    if (s->preset && s->preset->method)
        req->method = s->preset->method;
    return 0;
}

struct json_object *ls_kind_tree(const struct ls_sink *s, struct ls_kind_common *c,
                                 struct ls_event *ev)
{
    if (!c->parser)
        return NULL;
    struct json_object *root = ls_parse_object(c->parser, ev->json, ev->json_len);
    if (root && s->preset && s->preset->transforms &&
        ls_transform_apply(s->preset->transforms, c->parser, root) != 0) {
        json_object_put(root);
        return NULL;
    }
    return root;
}

int ls_kind_encode_record(struct ls_sink *s, struct ls_kind_common *c, struct ls_event *ev,
                          struct ls_buf *out)
{
    if (!s->preset || !s->preset->transforms)
        return ls_buf_append(out, ev->json, ev->json_len);
    struct json_object *root = ls_kind_tree(s, c, ev);
    if (!root)
        return -1;
    int rc = ls_json_canon_write(out, root);
    json_object_put(root);
    return rc;
}

void ls_kind_common_describe(const struct ls_sink *s, const struct ls_kind_common *c)
{
    (void)s;
    if (c->url_masked)
        printf("  url: %s\n", c->url_masked);
}

void ls_kind_plain_describe(const struct ls_sink *s)
{
    ls_kind_common_describe(s, s->ctx);
}

void ls_kind_plain_destroy(struct ls_sink *s)
{
    struct ls_kind_common *c = s->ctx;
    if (!c)
        return;
    ls_kind_common_free(c);
    free(c);
    s->ctx = NULL;
}

char *ls_kind_url_join(const char *url, const char *path)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    struct ls_buf b;
    ls_buf_init(&b, 0);
    if (ls_buf_append(&b, url, n) != 0 || ls_buf_puts(&b, path) != 0) {
        ls_buf_free(&b);
        return NULL;
    }
    return ls_buf_steal(&b, NULL);
}

bool ls_kind_url_has_userinfo(const char *url)
{
    CURLU *u = curl_url();
    char *user = NULL;
    bool has = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
               curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user;
    curl_free(user);
    curl_url_cleanup(u);
    return has;
}

char *ls_kind_basic_auth(const char *user, const char *pass)
{
    /* The bound keeps the length EVP_EncodeBlock takes (an int) far from overflowing. */
    size_t ul = strlen(user), pl = strlen(pass);
    if (ul > (1u << 20) || pl > (1u << 20))
        return NULL;
    size_t raw_len = ul + 1 + pl;
    unsigned char *raw = malloc(raw_len);
    static const char prefix[] = "Authorization: Basic ";
    char *out = malloc(sizeof(prefix) + 4 * ((raw_len + 2) / 3));
    if (!raw || !out) {
        free(raw);
        free(out);
        return NULL;
    }
    memcpy(raw, user, ul);
    raw[ul] = ':';
    memcpy(raw + ul + 1, pass, pl);
    memcpy(out, prefix, sizeof(prefix) - 1);
    /* EVP_EncodeBlock writes no line breaks and NUL-terminates. */
    EVP_EncodeBlock((unsigned char *)out + sizeof(prefix) - 1, raw, (int)raw_len);
    /* The plain credentials should not linger in freed memory. */
    OPENSSL_cleanse(raw, raw_len);
    free(raw);
    return out;
}

void ls_kind_basic_auth_free(char *header)
{
    if (!header)
        return;
    OPENSSL_cleanse(header, strlen(header));
    free(header);
}
