/*
 * The aws_s3 kind (PROVIDERS.md Part 2 §5): each batch becomes one S3 object, a gzip of the
 * records as NDJSON (no final newline, as Vector), PUT with SigV4 (auth/sigv4.h). Objects are
 * named as Vector names them, `<fly.app.name>/<YYYY-MM-DD>/<epoch seconds>-<uuid v4>.log.gz`,
 * except that the date is the record's own UTC date (§0 item 3); events are partitioned by
 * that prefix, so an object never mixes apps or days. The key is chosen once per batch, when it
 * is sealed, and every retry of the batch PUTs the same key: a retry after a lost response
 * overwrites the object instead of leaving a duplicate. The worker batches, gzips, retries and
 * splits; this file only names, hashes and signs the finished batch.
 *
 * Addressing: with S3_ENDPOINT or AWS_ENDPOINT_URL_S3 (R2, Tigris, MinIO, Wasabi, tests) the
 * request is path-style, `<endpoint>/<bucket>/<key>`, as Vector sent it and as those stores
 * need. For AWS itself it is virtual-hosted, `https://<bucket>.s3.<region>.amazonaws.com/<key>`,
 * AWS's current form (path-style is deprecated there, PROVIDERS.md S3-D3), except for bucket
 * names that are not valid DNS labels (dots break the TLS wildcard), which stay path-style.
 */
#include "sink/kinds/common.h"
#include "sink/kinds/kinds.h"
#include "auth/sigv4.h"
#include "core/env.h"
#include "core/log.h"
#include "core/problems.h"
#include "event/event.h"
#include "preset/preset.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct s3_ctx {
    struct ls_kind_common common; /* first: the generic helpers take it */
    char *bucket;
    const char *bucket_var; /* AWS_BUCKET or BUCKET_NAME, for messages */
    char *region;
    char *access_key_id;
    char *secret_access_key;
    char *session_token;      /* NULL when unset */
    char *origin;             /* "https://bucket.s3.us-east-1.amazonaws.com", after any override */
    char *host;               /* Host header value, signed: host[:port] */
    char *path_prefix;        /* decoded; "" (virtual-hosted) or "/<bucket>" (path-style) */
    const char *endpoint_var; /* S3_ENDPOINT, AWS_ENDPOINT_URL_S3 or NULL (AWS) */
    bool virtual_hosted;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A bucket name that can be the first label of a host name (AWS's rules for virtual-hosted
   access): 3..63 of [a-z0-9-], starting and ending with a letter or digit. */
static bool dns_bucket(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-'))
            return false;
    return true;
}

/* Characters that would change the meaning of the URL path. */
static bool bucket_usable(const char *b)
{
    for (const unsigned char *p = (const unsigned char *)b; *p; p++)
        if (*p <= ' ' || *p == '/' || *p == '?' || *p == '#' || *p == '%' || *p == 0x7f)
            return false;
    return true;
}

/* Splits an http(s) URL into origin (scheme://host[:port]), Host header value and path. */
static int split_url(const char *url, char **origin, char **host, char **path)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *h = NULL, *port = NULL, *p = NULL;
    int rc = -1;
    *origin = *host = *path = NULL;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK)
        goto done;
    /* Only an explicit, non-default port is part of Host (curl sends it the same way). */
    if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
        port = NULL;
    if (curl_url_get(u, CURLUPART_PATH, &p, CURLU_URLDECODE) != CURLUE_OK)
        p = NULL;
    struct ls_buf hb, ob;
    ls_buf_init(&hb, 0);
    ls_buf_init(&ob, 0);
    if (ls_buf_printf(&hb, "%s%s%s", h, port ? ":" : "", port ? port : "") != 0 ||
        ls_buf_printf(&ob, "%s://%s", scheme, hb.data) != 0) {
        ls_buf_free(&hb);
        ls_buf_free(&ob);
        goto done;
    }
    *host = ls_buf_steal(&hb, NULL);
    *origin = ls_buf_steal(&ob, NULL);
    /* The endpoint's own path (rare) prefixes the bucket; "/" means none. */
    size_t plen = p ? strlen(p) : 0;
    while (plen > 0 && p[plen - 1] == '/')
        plen--;
    *path = strndup(p ? p : "", plen);
    rc = *host && *origin && *path ? 0 : -1;
done:
    curl_free(scheme);
    curl_free(h);
    curl_free(port);
    curl_free(p);
    curl_url_cleanup(u);
    return rc;
}

static const char *var_value(const struct ls_env *env, const char *name)
{
    const char *v = ls_env_get(env, name);
    return v && *v ? v : NULL;
}

/* The endpoint (S3_ENDPOINT wins, with a warning when both are set) or NULL for AWS. */
static const char *pick_endpoint(struct ls_sink *s, const struct ls_env *env, const char **var)
{
    const char *a = var_value(env, "S3_ENDPOINT");
    const char *b = var_value(env, "AWS_ENDPOINT_URL_S3");
    if (a && b && strcmp(a, b) != 0)
        LS_SINK_LOG(LS_LOG_WARN, s,
                    "S3_ENDPOINT and AWS_ENDPOINT_URL_S3 are both set; using S3_ENDPOINT");
    *var = a ? "S3_ENDPOINT" : b ? "AWS_ENDPOINT_URL_S3" : NULL;
    return a ? a : b;
}

static int s3_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct s3_ctx *c = calloc(1, sizeof(*c));
    size_t before = p->n;
    const char *name = s->preset ? s->preset->name : s->name;
    if (!c)
        return -1;
    s->ctx = c;
    ls_kind_common_init(s, env, p, &c->common);

    const char *bucket = var_value(env, "AWS_BUCKET");
    c->bucket_var = bucket ? "AWS_BUCKET" : "BUCKET_NAME";
    if (!bucket)
        bucket = var_value(env, "BUCKET_NAME");
    if (!bucket) {
        /* Activation makes this unreachable through the row; a direct caller still gets a
           message. */
        ls_problems_add(p, "%s: AWS_BUCKET or BUCKET_NAME is not set", name);
        return -1;
    }
    if (!bucket_usable(bucket))
        ls_problems_add(p, "%s: %s: not a usable bucket name", name, c->bucket_var);

    /* Vector read credentials through the SDK chain, outside the sink file: the bucket turns
       the sink on, so missing credentials are a partial configuration, named. */
    const char *akid = var_value(env, "AWS_ACCESS_KEY_ID");
    const char *secret = var_value(env, "AWS_SECRET_ACCESS_KEY");
    if (!akid)
        ls_problems_add(p, "%s: AWS_ACCESS_KEY_ID is not set (%s is)", name, c->bucket_var);
    if (!secret)
        ls_problems_add(p, "%s: AWS_SECRET_ACCESS_KEY is not set (%s is)", name, c->bucket_var);

    const char *region = var_value(env, "AWS_REGION");
    if (region) {
        /* It becomes part of a host name and of the credential scope. */
        for (const char *q = region; *q; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-')) {
                ls_problems_add(p, "%s: AWS_REGION: not a region name (like us-east-1)", name);
                region = NULL;
                break;
            }
    }
    const char *endpoint = pick_endpoint(s, env, &c->endpoint_var);
    struct ls_buf base;
    ls_buf_init(&base, 0);
    if (endpoint) {
        if (ls_kind_check_url(c->endpoint_var, endpoint, p) == 0)
            ls_buf_puts(&base, endpoint);
    } else if (!region) {
        /* §0 item 7: s3.auto.amazonaws.com does not exist; Vector retried it forever. */
        if (!var_value(env, "AWS_REGION"))
            ls_problems_add(p,
                            "%s: AWS_REGION is not set (AWS S3 needs it; for another "
                            "S3-compatible store set S3_ENDPOINT or AWS_ENDPOINT_URL_S3)",
                            name);
    } else if (strcmp(region, "auto") == 0) {
        ls_problems_add(p,
                        "%s: AWS_REGION is auto, which AWS S3 does not have (set the bucket's "
                        "region, or S3_ENDPOINT or AWS_ENDPOINT_URL_S3 for another store)",
                        name);
    } else {
        c->virtual_hosted = dns_bucket(bucket);
        if (c->virtual_hosted)
            ls_buf_printf(&base, "https://%s.s3.%s.amazonaws.com", bucket, region);
        else
            ls_buf_printf(&base, "https://s3.%s.amazonaws.com", region);
    }
    if (p->n == before && base.len) {
        /* LOGSHIP_AWS_S3_ENDPOINT replaces the origin and keeps the path (tests, proxies);
           the signature covers the host actually contacted. */
        char *resolved = ls_kind_resolve_url(s, base.data);
        char *epath = NULL;
        if (!resolved || split_url(resolved, &c->origin, &c->host, &epath) != 0) {
            ls_problems_add(p, "%s: cannot use the endpoint URL", name);
        } else {
            struct ls_buf pp;
            ls_buf_init(&pp, 0);
            if (c->virtual_hosted)
                ls_buf_puts(&pp, epath);
            else
                ls_buf_printf(&pp, "%s/%s", epath, bucket);
            c->path_prefix = ls_buf_steal(&pp, NULL);
            if (!c->path_prefix)
                c->path_prefix = strdup("");
        }
        free(epath);
        free(resolved);
    }
    ls_buf_free(&base);

    c->bucket = strdup(bucket);
    c->region = strdup(region ? region : "auto");
    c->access_key_id = dup_or_null(akid);
    c->secret_access_key = dup_or_null(secret);
    c->session_token = dup_or_null(var_value(env, "AWS_SESSION_TOKEN"));
    if (!c->bucket || !c->region || (akid && !c->access_key_id) ||
        (secret && !c->secret_access_key))
        ls_problems_add(p, "%s: out of memory", name);
    s->frame = (struct ls_sink_frame){"", "\n", ""};
    return p->n == before ? 0 : -1;
}

static int s3_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct s3_ctx *c = s->ctx;
    return ls_kind_encode_record(s, &c->common, ev, out);
}

/* The app name as a key segment: Vector drops events without one; we keep them under
   `_unknown` (also for names that would be a path step of their own). */
static const char *app_segment(const struct ls_event *ev)
{
    const char *a = ev->app;
    if (!a || !*a || strcmp(a, ".") == 0 || strcmp(a, "..") == 0 || strchr(a, '/'))
        return "_unknown";
    return a;
}

static int s3_partition(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    (void)s;
    int64_t sec = ev->time_ns / 1000000000;
    if (ev->time_ns < 0 && ev->time_ns % 1000000000)
        sec--;
    time_t t = (time_t)sec;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return -1;
    char date[32];
    if (strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
        return -1;
    return ls_buf_printf(out, "%s/%s/", app_segment(ev), date);
}

static int uuid_v4(char out[37])
{
    unsigned char r[16];
    if (RAND_bytes(r, sizeof(r)) != 1)
        return -1;
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
             r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
             r[14], r[15]);
    return 0;
}

/* base64(MD5(p)) for Content-MD5. */
static int md5_base64(const void *p, size_t n, char out[25])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(n ? p : "", n, md, &len, EVP_md5(), NULL) || len != 16)
        return -1;
    return EVP_EncodeBlock((unsigned char *)out, md, 16) == 24 ? 0 : -1;
}

static struct curl_slist *add_header(struct curl_slist *h, const char *name, const char *value,
                                     bool *ok)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    if (ls_buf_printf(&b, "%s: %s", name, value) != 0) {
        *ok = false;
        return h;
    }
    struct curl_slist *n = curl_slist_append(h, b.data);
    ls_buf_free(&b);
    if (!n) {
        *ok = false;
        return h;
    }
    return n;
}

/*
 * The object key, chosen once per batch (the worker keeps it for every retry): Vector's key,
 * the prefix, then `%s` of the time and a uuid, `.log` plus `.gz` when compressed.
 */
static int s3_object_name(struct ls_sink *s, const struct ls_batch *b, struct ls_buf *out)
{
    (void)s;
    char uuid[37];
    if (uuid_v4(uuid) != 0)
        return -1;
    return ls_buf_printf(out, "%s%lld-%s.log%s", b->partition ? b->partition : "_unknown/",
                         (long long)time(NULL), uuid, b->wire.len ? ".gz" : "");
}

static int s3_request(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req)
{
    struct s3_ctx *c = s->ctx;
    const struct ls_buf *payload = b->wire.len ? &b->wire : &b->body;
    const char *encoding = b->wire.len ? "gzip" : NULL;
    char md5[25], sha[LS_SHA256_HEX_LEN], amz_date[LS_SIGV4_DATE_LEN], err[256];
    /* Each attempt is signed afresh: only the key stays the same. */
    int64_t now = (int64_t)time(NULL);
    struct ls_buf path, auth;
    int rc = -1;
    if (!b->object || md5_base64(payload->data, payload->len, md5) != 0 ||
        ls_sha256_hex(payload->data ? payload->data : "", payload->len, sha) != 0)
        return -1;
    ls_buf_init(&path, 0);
    ls_buf_init(&auth, 0);
    if (ls_buf_printf(&path, "%s/%s", c->path_prefix, b->object) != 0)
        goto done;

    struct ls_sigv4_header h[5];
    size_t nh = 0;
    if (encoding)
        h[nh++] = (struct ls_sigv4_header){"content-encoding", encoding};
    h[nh++] = (struct ls_sigv4_header){"content-md5", md5};
    h[nh++] = (struct ls_sigv4_header){"content-type", "text/x-log"};
    h[nh++] = (struct ls_sigv4_header){"host", c->host};
    h[nh++] = (struct ls_sigv4_header){"x-amz-storage-class", "STANDARD"};
    struct ls_sigv4_request sr = {
        .method = "PUT",
        .path = path.data,
        .query = "x-id=PutObject",
        .headers = h,
        .n_headers = nh,
        .payload_hash = sha,
        .region = c->region,
        .service = "s3",
        .time_s = now,
        .flags = LS_SIGV4_CONTENT_SHA256,
    };
    struct ls_sigv4_credentials cred = {c->access_key_id, c->secret_access_key, c->session_token};
    if (ls_sigv4_sign(&sr, &cred, &auth, amz_date, err, sizeof(err)) != 0)
        goto done;

    if (ls_buf_puts(&req->url, c->origin) != 0 ||
        ls_sigv4_uri_encode(&req->url, path.data, path.len, true) != 0 ||
        ls_buf_puts(&req->url, "?x-id=PutObject") != 0)
        goto done;
    bool ok = true;
    struct curl_slist *hl = req->headers;
    /* Host is signed: send exactly that value rather than trust curl to rebuild it. */
    hl = add_header(hl, "Host", c->host, &ok);
    hl = add_header(hl, "Content-MD5", md5, &ok);
    hl = add_header(hl, "x-amz-storage-class", "STANDARD", &ok);
    hl = add_header(hl, "x-amz-content-sha256", sha, &ok);
    hl = add_header(hl, "x-amz-date", amz_date, &ok);
    if (c->session_token)
        hl = add_header(hl, "x-amz-security-token", c->session_token, &ok);
    hl = add_header(hl, "Authorization", auth.data, &ok);
    req->headers = hl;
    if (!ok)
        goto done;
    req->method = "PUT";
    req->content_type = "text/x-log";
    rc = 0;
done:
    ls_buf_free(&path);
    ls_buf_free(&auth);
    return rc;
}

/* PROVIDERS.md Part 2 §5.6: S3's error code is in the XML body. */
static bool body_has(const struct ls_response *r, const char *code)
{
    return r->body && strstr(r->body, code) != NULL;
}

static int s3_classify(struct ls_sink *s, const struct ls_response *r)
{
    struct s3_ctx *c = s->ctx;
    /* 2xx, 5xx (SlowDown, InternalError) and transfer errors: the default table. */
    if (r->status < 300 || r->status >= 500)
        return -1;
    /* S3 reports these transient conditions with 400/403. */
    if (body_has(r, "RequestTimeout") || body_has(r, "RequestExpired") ||
        body_has(r, "ThrottlingException") || body_has(r, "SlowDown"))
        return LS_OUTCOME_RETRY;
    const char *hint = NULL;
    if (body_has(r, "SignatureDoesNotMatch"))
        hint = "the signature does not match: check AWS_SECRET_ACCESS_KEY (and AWS_REGION)";
    else if (body_has(r, "InvalidAccessKeyId"))
        hint = "the access key is unknown: check AWS_ACCESS_KEY_ID";
    else if (body_has(r, "RequestTimeTooSkewed"))
        hint = "this machine's clock is too far from the store's: fix the clock";
    else if (body_has(r, "AccessDenied") || r->status == 403)
        hint = "access denied: the credentials of AWS_ACCESS_KEY_ID may not write to the bucket";
    else if (body_has(r, "NoSuchBucket"))
        hint = "no such bucket: check the bucket variable";
    else if (body_has(r, "AuthorizationHeaderMalformed") || body_has(r, "IncorrectEndpoint") ||
             body_has(r, "PermanentRedirect") || r->status == 301)
        hint = "wrong region or endpoint: check AWS_REGION, S3_ENDPOINT, AWS_ENDPOINT_URL_S3";
    if (hint) {
        LS_SINK_LOG_EVERY(LS_LOG_ERROR, 60000, s, "status=%ld bucket %s (%s): %s; not retried",
                          r->status, c->bucket, c->bucket_var, hint);
        ls_sink_set_error(s, "status %ld: %s", r->status, hint);
        return LS_OUTCOME_REJECT;
    }
    return -1;
}

static void s3_describe(const struct ls_sink *s)
{
    const struct s3_ctx *c = s->ctx;
    if (!c || !c->origin)
        return;
    printf("  url: %s%s/<app>/<YYYY-MM-DD>/<epoch>-<uuid>.log.gz (%s, %s)\n", c->origin,
           c->path_prefix ? c->path_prefix : "",
           c->virtual_hosted ? "virtual-hosted" : "path-style",
           c->endpoint_var ? c->endpoint_var : "AWS");
    printf("  signing: SigV4 region=%s service=s3%s\n", c->region,
           c->session_token ? " with session token" : "");
}

static void s3_destroy(struct ls_sink *s)
{
    struct s3_ctx *c = s->ctx;
    if (!c)
        return;
    ls_kind_common_free(&c->common);
    free(c->bucket);
    free(c->region);
    free(c->access_key_id);
    if (c->secret_access_key) {
        OPENSSL_cleanse(c->secret_access_key, strlen(c->secret_access_key));
        free(c->secret_access_key);
    }
    free(c->session_token);
    free(c->origin);
    free(c->host);
    free(c->path_prefix);
    free(c);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_s3 = {
    .name = "s3",
    .prefix = "",
    .sep = "\n",
    .suffix = "",
    .configure = s3_configure,
    .encode = s3_encode,
    .partition = s3_partition,
    .object_name = s3_object_name,
    .request = s3_request,
    .classify = s3_classify,
    .describe = s3_describe,
    .destroy = s3_destroy,
};
