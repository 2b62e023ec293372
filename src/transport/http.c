/*
 * HTTP transport: curl multi, one pool of easy handles per sink, outcome table, Retry-After.
 * See http.h. The easy handles are reused so their connections stay in the multi handle's
 * cache; nothing here knows about providers.
 */
#include "transport/http.h"
#include "core/log.h"
#include "util/buf.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LS_RESPONSE_KEEP 65536 /* default bytes of response body kept, for logs */

struct xfer {
    CURL *easy;
    struct curl_slist *headers;
    struct ls_buf url;
    struct ls_buf resp;
    int64_t retry_after_ms;
    void *user;
    size_t keep;
    int busy;
    char errbuf[CURL_ERROR_SIZE];
};

struct ls_http_transport {
    CURLM *multi;
    struct xfer *x;
    int max;
    int inflight;
};

static STACK_OF(X509) * extra_ca;

static const char *user_agent(void)
{
    return "logship/" LOGSHIP_VERSION;
}

struct ls_http_transport *ls_http_create(int max_inflight, size_t keep)
{
    struct ls_http_transport *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->max = max_inflight > 0 ? max_inflight : 1;
    t->x = calloc((size_t)t->max, sizeof(*t->x));
    t->multi = curl_multi_init();
    if (!t->x || !t->multi) {
        ls_http_destroy(t);
        return NULL;
    }
    curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)t->max);
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)t->max);
    for (int i = 0; i < t->max; i++) {
        t->x[i].easy = curl_easy_init();
        ls_buf_init(&t->x[i].url, 0);
        ls_buf_init(&t->x[i].resp, 0);
        t->x[i].keep = keep ? keep : LS_RESPONSE_KEEP;
        if (!t->x[i].easy) {
            ls_http_destroy(t);
            return NULL;
        }
    }
    return t;
}

void ls_http_destroy(struct ls_http_transport *t)
{
    if (!t)
        return;
    for (int i = 0; t->x && i < t->max; i++) {
        if (t->x[i].busy)
            curl_multi_remove_handle(t->multi, t->x[i].easy);
        if (t->x[i].easy)
            curl_easy_cleanup(t->x[i].easy);
        curl_slist_free_all(t->x[i].headers);
        ls_buf_free(&t->x[i].url);
        ls_buf_free(&t->x[i].resp);
    }
    free(t->x);
    if (t->multi)
        curl_multi_cleanup(t->multi);
    free(t);
}

void ls_http_wake(void *t)
{
    curl_multi_wakeup(((struct ls_http_transport *)t)->multi);
}

int ls_http_inflight(const struct ls_http_transport *t)
{
    return t->inflight;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    if (x->resp.len < x->keep) {
        size_t keep = len;
        if (keep > x->keep - x->resp.len)
            keep = x->keep - x->resp.len;
        ls_buf_append(&x->resp, p, keep);
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *x = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
        char v[128];
        size_t vl = len - (sizeof(name) - 1);
        if (vl >= sizeof(v))
            vl = sizeof(v) - 1;
        memcpy(v, p + sizeof(name) - 1, vl);
        v[vl] = '\0';
        x->retry_after_ms = ls_http_parse_retry_after(v, (int64_t)time(NULL));
    }
    return len;
}

static CURLcode on_ssl_ctx(CURL *curl, void *sslctx, void *ud)
{
    (void)curl;
    (void)ud;
    X509_STORE *store = SSL_CTX_get_cert_store((SSL_CTX *)sslctx);
    for (int i = 0; extra_ca && i < sk_X509_num(extra_ca); i++)
        X509_STORE_add_cert(store, sk_X509_value(extra_ca, i));
    ERR_clear_error(); /* adding a certificate twice is not an error worth keeping */
    return CURLE_OK;
}

int ls_http_start(struct ls_http_transport *t, struct ls_request *req, const char *body, size_t len,
                  uint64_t timeout_ms, void *user)
{
    struct xfer *x = NULL;
    for (int i = 0; i < t->max; i++)
        if (!t->x[i].busy) {
            x = &t->x[i];
            break;
        }
    if (!x) {
        curl_slist_free_all(req->headers);
        req->headers = NULL;
        return -1;
    }
    struct curl_slist *h = req->headers;
    req->headers = NULL;
    char line[256];
    if (req->content_type) {
        snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
        h = curl_slist_append(h, line);
    } else {
        /* No Content-Type means none: without this curl adds x-www-form-urlencoded to a POST. */
        h = curl_slist_append(h, "Content-Type:");
    }
    if (req->content_encoding) {
        snprintf(line, sizeof(line), "Content-Encoding: %s", req->content_encoding);
        h = curl_slist_append(h, line);
    }
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    ls_buf_reset(&x->url);
    ls_buf_append(&x->url, req->url.data, req->url.len);
    ls_buf_reset(&x->resp);
    x->retry_after_ms = -1;
    x->headers = h;
    x->user = user;
    x->errbuf[0] = '\0';

    CURL *e = x->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, x->url.data);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, user_agent());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    if (req->method && strcmp(req->method, "POST") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms < 10000 ? timeout_ms : 10000));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (extra_ca)
        curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    if (curl_multi_add_handle(t->multi, e) != CURLM_OK) {
        curl_slist_free_all(x->headers);
        x->headers = NULL;
        return -1;
    }
    x->busy = 1;
    t->inflight++;
    return 0;
}

static void finish(struct ls_http_transport *t, struct xfer *x, CURLcode cc, ls_http_done_fn done,
                   void *ctx)
{
    struct ls_response r;
    long status = 0;
    if (cc == CURLE_OK)
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    r.status = status;
    r.curl_code = (int)cc;
    r.error = x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc);
    r.body = x->resp.data ? x->resp.data : "";
    r.body_len = x->resp.len;
    r.retry_after_ms = x->retry_after_ms;
    curl_multi_remove_handle(t->multi, x->easy);
    curl_slist_free_all(x->headers);
    x->headers = NULL;
    x->busy = 0;
    t->inflight--;
    void *user = x->user;
    x->user = NULL;
    done(user, &r, ctx);
}

void ls_http_poll(struct ls_http_transport *t, int timeout_ms, ls_http_done_fn done, void *ctx)
{
    int running = 0;
    curl_multi_perform(t->multi, &running);
    CURLMsg *m;
    int left;
    int finished = 0;
    while ((m = curl_multi_info_read(t->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        finish(t, x, m->data.result, done, ctx);
        finished++;
    }
    if (finished || timeout_ms <= 0)
        return;
    curl_multi_poll(t->multi, NULL, 0, timeout_ms, NULL);
    curl_multi_perform(t->multi, &running);
    while ((m = curl_multi_info_read(t->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        finish(t, x, m->data.result, done, ctx);
    }
}

void ls_http_abort_all(struct ls_http_transport *t, ls_http_done_fn done, void *ctx)
{
    for (int i = 0; i < t->max; i++)
        if (t->x[i].busy) {
            snprintf(t->x[i].errbuf, sizeof(t->x[i].errbuf), "aborted at shutdown");
            finish(t, &t->x[i], CURLE_ABORTED_BY_CALLBACK, done, ctx);
        }
}

enum ls_outcome ls_http_classify(const struct ls_response *r)
{
    if (r->status == 0) {
        switch ((CURLcode)r->curl_code) {
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_BAD_FUNCTION_ARGUMENT:
        case CURLE_ABORTED_BY_CALLBACK:
            return LS_OUTCOME_REJECT;
        default:
            /* DNS, connect, TLS, send/receive errors and timeouts are all worth retrying. */
            return LS_OUTCOME_RETRY;
        }
    }
    if (r->status >= 200 && r->status < 300)
        return LS_OUTCOME_OK;
    if (r->status == 408 || r->status == 429)
        return LS_OUTCOME_RETRY;
    if (r->status == 413)
        return LS_OUTCOME_SPLIT;
    if (r->status >= 500 && r->status != 501)
        return LS_OUTCOME_RETRY;
    return LS_OUTCOME_REJECT;
}

int64_t ls_http_parse_retry_after(const char *v, int64_t now_s)
{
    while (*v == ' ' || *v == '\t')
        v++;
    if (*v >= '0' && *v <= '9') {
        char *end;
        unsigned long long s = strtoull(v, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (*end != '\0' || s > 86400ULL * 365)
            return -1;
        return (int64_t)s * 1000;
    }
    char tmp[128];
    size_t n = strcspn(v, "\r\n");
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    time_t when = curl_getdate(tmp, NULL);
    if (when == -1)
        return -1;
    int64_t d = ((int64_t)when - now_s) * 1000;
    return d < 0 ? 0 : d;
}

int ls_http_override_origin(const char *url, const char *origin, struct ls_buf *out)
{
    const char *p = strstr(url, "://");
    if (!p)
        return -1;
    p += 3;
    size_t host_len = strcspn(p, "/?#");
    const char *rest = p + host_len;
    size_t olen = strlen(origin);
    while (olen && origin[olen - 1] == '/')
        olen--;
    ls_buf_reset(out);
    if (ls_buf_append(out, origin, olen) != 0 || ls_buf_puts(out, rest) != 0)
        return -1;
    return 0;
}

int ls_tls_load_ca_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    if (!extra_ca)
        extra_ca = sk_X509_new_null();
    int n = 0;
    X509 *cert;
    while ((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        sk_X509_push(extra_ca, cert);
        n++;
    }
    ERR_clear_error();
    fclose(f);
    if (n == 0) {
        snprintf(err, errlen, "%s holds no PEM certificate", path);
        return -1;
    }
    return 0;
}

struct stack_st_X509 *ls_tls_extra_ca(void)
{
    return extra_ca;
}

void ls_tls_free(void)
{
    if (extra_ca)
        sk_X509_pop_free(extra_ca, X509_free);
    extra_ca = NULL;
}
