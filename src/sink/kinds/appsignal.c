/*
 * The three http-family kinds that need a little more than the generic http kind (PROVIDERS.md
 * Part 1 §2.9, §2.16, §2.18): `appsignal` wraps every record as {"log": <record>}; `openobserve`
 * adds `Authorization: Basic base64(user:password)`, which a header template cannot compute;
 * `uptrace` reads UPTRACE_SINK_INPUT / UPTRACE_SINK_ENCODING and picks the body and content type
 * by codec. Everything else (URL, fixed headers, framing, compression, transforms) comes from
 * the provider row through sink/kinds/common.h, and batching, gzip and retries are the worker's.
 */
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/json_canon.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The ctx of a kind that needs nothing beyond the common part. */
static int common_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct ls_kind_common *c = calloc(1, sizeof(*c));
    if (!c) {
        ls_problems_add(p, "%s: out of memory", s->name);
        return -1;
    }
    s->ctx = c;
    return ls_kind_common_init(s, env, p, c);
}

static int common_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    return ls_kind_encode_record(s, s->ctx, ev, out);
}

static int common_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    (void)b;
    return ls_kind_common_request(s, s->ctx, req);
}

/* Works for every ctx here: each one starts with struct ls_kind_common. */

/* -- appsignal ------------------------------------------------------------------------------ */

/* Vector's appsignal sink sends logs as {"log": <event>} inside the JSON array (§2.9). */
static int appsignal_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    size_t before = out->len;
    if (ls_buf_puts(out, "{\"log\":") != 0 || ls_kind_encode_record(s, s->ctx, ev, out) != 0 ||
        ls_buf_putc(out, '}') != 0) {
        out->len = before;
        if (out->data)
            out->data[before] = '\0';
        return -1;
    }
    return 0;
}

/* Vector sends no Content-Type (§2.9); without this line curl would add its form default
   (application/x-www-form-urlencoded) to a POST that has none. */
static int appsignal_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    if (common_request(s, b, req) != 0)
        return -1;
    struct curl_slist *h = curl_slist_append(req->headers, "Content-Type:");
    if (!h)
        return -1;
    req->headers = h;
    return 0;
}

const struct ls_sink_kind ls_kind_appsignal = {
    .name = "appsignal",
    .prefix = "[",
    .sep = ",",
    .suffix = "]",
    .configure = common_configure,
    .encode = appsignal_encode,
    .request = appsignal_request,
    .describe = ls_kind_plain_describe,
    .destroy = ls_kind_plain_destroy,
};

/* -- openobserve ---------------------------------------------------------------------------- */

struct openobserve {
    struct ls_kind_common c; /* first: ls_kind_plain_destroy frees it */
    char *auth;              /* "Authorization: Basic ..." */
};

static int openobserve_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct openobserve *o = calloc(1, sizeof(*o));
    if (!o) {
        ls_problems_add(p, "%s: out of memory", s->name);
        return -1;
    }
    s->ctx = o;
    int rc = ls_kind_common_init(s, env, p, &o->c);
    const char *user = ls_env_get(env, "OPENOBSERVE_USER");
    const char *pass = ls_env_get(env, "OPENOBSERVE_PASSWORD");
    if (!user || !pass) {
        /* Activation normally reports this first; a sink without credentials must not run. */
        ls_problems_add(p, "%s: OPENOBSERVE_USER and OPENOBSERVE_PASSWORD must be set", s->name);
        return -1;
    }
    /* RFC 7617: the user-id cannot contain a colon; the server would split it differently. */
    if (strchr(user, ':')) {
        ls_problems_add(p, "OPENOBSERVE_USER: contains ':', which Basic authentication cannot "
                           "carry in a user name");
        return -1;
    }
    o->auth = ls_kind_basic_auth(user, pass);
    if (!o->auth) {
        ls_problems_add(p, "%s: out of memory", s->name);
        return -1;
    }
    return rc;
}

static int openobserve_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    struct openobserve *o = s->ctx;
    if (common_request(s, b, req) != 0)
        return -1;
    struct curl_slist *h = curl_slist_append(req->headers, o->auth);
    if (!h)
        return -1;
    req->headers = h;
    return 0;
}

static void openobserve_destroy(struct ls_sink *s)
{
    struct openobserve *o = s->ctx;
    if (o)
        ls_kind_basic_auth_free(o->auth);
    ls_kind_plain_destroy(s);
}

const struct ls_sink_kind ls_kind_openobserve = {
    .name = "openobserve",
    .prefix = "[",
    .sep = ",",
    .suffix = "]",
    .configure = openobserve_configure,
    .encode = common_encode,
    .request = openobserve_request,
    .describe = ls_kind_plain_describe,
    .destroy = openobserve_destroy,
};

/* -- uptrace -------------------------------------------------------------------------------- */

enum uptrace_codec { UPTRACE_JSON, UPTRACE_TEXT, UPTRACE_RAW_MESSAGE };

struct uptrace {
    struct ls_kind_common c; /* first: ls_kind_plain_destroy frees it */
    enum uptrace_codec codec;
};

static int uptrace_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct uptrace *u = calloc(1, sizeof(*u));
    if (!u) {
        ls_problems_add(p, "%s: out of memory", s->name);
        return -1;
    }
    s->ctx = u;
    int rc = ls_kind_common_init(s, env, p, &u->c);
    char err[256];
    /* fly-log-shipper names a Vector component here; the parsed records (log_json) are the
       only input logship has, so anything else would silently send something different. */
    static const char *const inputs[] = {"log_json", NULL};
    int input = 0;
    if (ls_env_enum(env, "UPTRACE_SINK_INPUT", inputs, 0, &input, err, sizeof(err)) != 0) {
        ls_problems_add(p, "%s", err);
        rc = -1;
    }
    static const char *const codecs[] = {"json", "text", "raw_message", NULL};
    int codec = UPTRACE_JSON;
    if (ls_env_enum(env, "UPTRACE_SINK_ENCODING", codecs, UPTRACE_JSON, &codec, err, sizeof(err)) !=
        0) {
        ls_problems_add(p, "%s", err);
        rc = -1;
    }
    u->codec = (enum uptrace_codec)codec;
    /* Vector's http sink drops the final newline only for the json codec (§2.18). */
    if (u->codec != UPTRACE_JSON) {
        s->frame.prefix = "";
        s->frame.sep = "\n";
        s->frame.suffix = "\n";
    }
    return rc;
}

/* The text codecs write the record's `message` only: a string as is, null or absent as an
   empty line, anything else as its JSON (VRL's to_string_lossy). */
static int uptrace_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct uptrace *u = s->ctx;
    if (u->codec == UPTRACE_JSON)
        return ls_kind_encode_record(s, &u->c, ev, out);
    struct json_object *root = ls_kind_tree(s, &u->c, ev);
    if (!root)
        return -1;
    struct json_object *msg = NULL;
    int rc = 0;
    if (json_object_object_get_ex(root, "message", &msg) && msg) {
        if (json_object_is_type(msg, json_type_string))
            rc = ls_buf_append(out, json_object_get_string(msg),
                               (size_t)json_object_get_string_len(msg));
        else
            rc = ls_json_canon_write(out, msg);
    }
    json_object_put(root);
    return rc;
}

static int uptrace_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    struct uptrace *u = s->ctx;
    if (common_request(s, b, req) != 0)
        return -1;
    if (u->codec != UPTRACE_JSON)
        req->content_type = "text/plain";
    return 0;
}

static void uptrace_describe(const struct ls_sink *s)
{
    static const char *const names[] = {"json", "text", "raw_message"};
    const struct uptrace *u = s->ctx;
    ls_kind_common_describe(s, &u->c);
    printf("  codec: %s\n", names[u->codec]);
}

const struct ls_sink_kind ls_kind_uptrace = {
    .name = "uptrace",
    .needs_parser = true,
    .prefix = "",
    .sep = "\n",
    .suffix = "",
    .configure = uptrace_configure,
    .encode = uptrace_encode,
    .request = uptrace_request,
    .describe = uptrace_describe,
    .destroy = ls_kind_plain_destroy,
};
