/*
 * Unit tests for admin/server: a real listener on a loopback port, driven with libcurl.
 * Every server binds port 0 and asks which port it got, so tests never collide.
 */
#include "admin/server.h"

#include "core/metrics.h"
#include "util/buf.h"

#include "test.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

struct health_state {
    atomic_int healthy;
    atomic_int calls;
};

static int health_cb(struct ls_buf *body, void *ctx)
{
    struct health_state *h = ctx;
    atomic_fetch_add(&h->calls, 1);
    if (atomic_load(&h->healthy)) {
        ls_buf_puts(body, "{\"status\":\"ok\"}");
        return 200;
    }
    ls_buf_puts(body, "{\"status\":\"unhealthy\",\"reason\":\"nats down\"}");
    return 503;
}

struct reply {
    long status;
    struct ls_buf body;
    struct ls_buf headers;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    return ls_buf_append(ud, p, size * n) == 0 ? size * n : 0;
}

/* Performs one request; method NULL means GET. Returns the curl code. */
static CURLcode request(const char *host, int port, const char *method, const char *path,
                        struct reply *r)
{
    char url[256];
    snprintf(url, sizeof(url), "http://%s:%d%s", host, port, path);
    ls_buf_init(&r->body, 0);
    ls_buf_init(&r->headers, 0);
    r->status = 0;
    CURL *c = curl_easy_init();
    if (!c)
        return CURLE_OUT_OF_MEMORY;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
    if (method && strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "x=1");
    else if (method && strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(c);
    return rc;
}

static void reply_free(struct reply *r)
{
    ls_buf_free(&r->body);
    ls_buf_free(&r->headers);
}

static int has_header(const struct reply *r, const char *line)
{
    return r->headers.data && strcasestr(r->headers.data, line) != NULL;
}

static struct ls_admin *start(const char *h, const char *m, struct health_state *hs)
{
    char err[256] = "";
    struct ls_admin *a = ls_admin_start(h, m, health_cb, hs, err, sizeof(err));
    if (!a)
        fprintf(stderr, "ls_admin_start: %s\n", err);
    return a;
}

LS_TEST(test_admin_health_follows_callback)
{
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start("127.0.0.1:0", NULL, &hs);
    CHECK(a);
    int port = ls_admin_health_port(a);
    CHECK(port > 0);
    CHECK_INT(ls_admin_metrics_port(a), -1);
    CHECK_INT(request("127.0.0.1", port, NULL, "/health", &r), CURLE_OK);
    int ok = r.status == 200 && strcmp(r.body.data, "{\"status\":\"ok\"}") == 0 &&
             has_header(&r, "Content-Type: application/json\r\n");
    reply_free(&r);
    atomic_store(&hs.healthy, 0);
    CHECK_INT(request("127.0.0.1", port, NULL, "/health?verbose=1", &r), CURLE_OK);
    int bad = r.status == 503 &&
              strcmp(r.body.data, "{\"status\":\"unhealthy\",\"reason\":\"nats down\"}") == 0;
    reply_free(&r);
    ls_admin_stop(a);
    CHECK(ok);
    CHECK(bad);
    CHECK_INT(atomic_load(&hs.calls), 2);
}

LS_TEST(test_admin_metrics_serves_registry)
{
    ls_metrics_reset();
    struct ls_counter *c = ls_metrics_counter("logship_test_requests_total", "sink=\"http\"", "t");
    CHECK(c);
    ls_counter_add(c, 12);
    struct reply r;
    struct ls_admin *a = start(NULL, "127.0.0.1:0", NULL);
    CHECK(a);
    CHECK_INT(ls_admin_health_port(a), -1);
    int port = ls_admin_metrics_port(a);
    CHECK(port > 0);
    CHECK_INT(request("127.0.0.1", port, NULL, "/metrics", &r), CURLE_OK);
    struct ls_buf want;
    ls_buf_init(&want, 0);
    ls_metrics_render(&want);
    int ok = r.status == 200 && r.body.len == want.len &&
             memcmp(r.body.data, want.data, want.len) == 0 &&
             strstr(r.body.data, "logship_test_requests_total{sink=\"http\"} 12\n") &&
             has_header(&r, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n");
    if (!ok)
        fprintf(stderr, "status %ld body:\n%s\nheaders:\n%s", r.status, r.body.data,
                r.headers.data);
    reply_free(&r);
    ls_buf_free(&want);
    /* The health path belongs to another listener, so this one does not know it. */
    CHECK_INT(request("127.0.0.1", port, NULL, "/health", &r), CURLE_OK);
    long st = r.status;
    reply_free(&r);
    ls_admin_stop(a);
    ls_metrics_reset();
    CHECK(ok);
    CHECK_INT(st, 404);
}

LS_TEST(test_admin_post_is_405)
{
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start("127.0.0.1:0", NULL, &hs);
    CHECK(a);
    CHECK_INT(request("127.0.0.1", ls_admin_health_port(a), "POST", "/health", &r), CURLE_OK);
    int ok = r.status == 405 && has_header(&r, "Allow: GET, HEAD\r\n");
    reply_free(&r);
    CHECK_INT(request("127.0.0.1", ls_admin_health_port(a), "DELETE", "/health", &r), CURLE_OK);
    long del = r.status;
    reply_free(&r);
    ls_admin_stop(a);
    CHECK(ok);
    CHECK_INT(del, 405);
    /* A refused method must never reach the callback. */
    CHECK_INT(atomic_load(&hs.calls), 0);
}

LS_TEST(test_admin_unknown_path_is_404)
{
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start("127.0.0.1:0", NULL, &hs);
    CHECK(a);
    int port = ls_admin_health_port(a);
    CHECK_INT(request("127.0.0.1", port, NULL, "/foo", &r), CURLE_OK);
    int ok = r.status == 404 && r.body.len > 0;
    reply_free(&r);
    CHECK_INT(request("127.0.0.1", port, NULL, "/health/", &r), CURLE_OK);
    long slash = r.status;
    reply_free(&r);
    ls_admin_stop(a);
    CHECK(ok);
    CHECK_INT(slash, 404);
}

LS_TEST(test_admin_head_has_no_body)
{
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start("127.0.0.1:0", NULL, &hs);
    CHECK(a);
    CHECK_INT(request("127.0.0.1", ls_admin_health_port(a), "HEAD", "/health", &r), CURLE_OK);
    int ok = r.status == 200 && r.body.len == 0 && has_header(&r, "Content-Length: 15\r\n");
    reply_free(&r);
    ls_admin_stop(a);
    CHECK(ok);
}

LS_TEST(test_admin_shared_address_serves_both)
{
    ls_metrics_reset();
    CHECK(ls_metrics_gauge("logship_shared_up", NULL, "u"));
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start("127.0.0.1:0", "127.0.0.1:0", &hs);
    CHECK(a);
    int port = ls_admin_health_port(a);
    CHECK(port > 0);
    CHECK_INT(ls_admin_metrics_port(a), port);
    CHECK_INT(request("127.0.0.1", port, NULL, "/health", &r), CURLE_OK);
    long hst = r.status;
    reply_free(&r);
    CHECK_INT(request("127.0.0.1", port, NULL, "/metrics", &r), CURLE_OK);
    int mok = r.status == 200 && strstr(r.body.data, "\nlogship_shared_up 0\n") != NULL;
    reply_free(&r);
    ls_admin_stop(a);
    ls_metrics_reset();
    CHECK_INT(hst, 200);
    CHECK(mok);
}

LS_TEST(test_admin_separate_addresses_get_separate_ports)
{
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start("127.0.0.1:0", "[::1]:0", &hs);
    CHECK(a);
    int hp = ls_admin_health_port(a), mp = ls_admin_metrics_port(a);
    CHECK(hp > 0 && mp > 0);
    CHECK_INT(request("[::1]", mp, NULL, "/metrics", &r), CURLE_OK);
    long mst = r.status;
    reply_free(&r);
    CHECK_INT(request("[::1]", mp, NULL, "/health", &r), CURLE_OK);
    long hst = r.status;
    reply_free(&r);
    ls_admin_stop(a);
    CHECK_INT(mst, 200);
    CHECK_INT(hst, 404);
}

LS_TEST(test_admin_dual_stack_reaches_ipv4)
{
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start(":0", NULL, &hs);
    CHECK(a);
    int port = ls_admin_health_port(a);
    CHECK_INT(request("127.0.0.1", port, NULL, "/health", &r), CURLE_OK);
    long v4 = r.status;
    reply_free(&r);
    CHECK_INT(request("[::1]", port, NULL, "/health", &r), CURLE_OK);
    long v6 = r.status;
    reply_free(&r);
    ls_admin_stop(a);
    CHECK_INT(v4, 200);
    CHECK_INT(v6, 200);
}

LS_TEST(test_admin_port_in_use_fails_naming_address)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0 &&
             getsockname(fd, (struct sockaddr *)&sa, &len) == 0;
    if (!ok) {
        close(fd);
        CHECK(ok);
    }
    char addr[64], err[256] = "";
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
    struct health_state hs = {1, 0};
    struct ls_admin *a = ls_admin_start(addr, NULL, health_cb, &hs, err, sizeof(err));
    close(fd);
    ls_admin_stop(a);
    CHECK(a == NULL);
    CHECK(strstr(err, addr) != NULL);
    CHECK(strstr(err, "address in use") != NULL);
    CHECK(strstr(err, "health") != NULL);
}

LS_TEST(test_admin_second_listener_failure_cleans_up)
{
    /* The health listener starts, the metrics one fails: the first must be torn down. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 1) == 0 &&
             getsockname(fd, (struct sockaddr *)&sa, &len) == 0;
    if (!ok) {
        close(fd);
        CHECK(ok);
    }
    char addr[64], err[256] = "";
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sa.sin_port));
    struct ls_admin *a = ls_admin_start("127.0.0.1:0", addr, NULL, NULL, err, sizeof(err));
    close(fd);
    ls_admin_stop(a);
    CHECK(a == NULL);
    CHECK(strstr(err, "metrics address") != NULL);
    CHECK(strstr(err, addr) != NULL);
}

LS_TEST(test_admin_bad_address_fails)
{
    char err[256] = "";
    struct ls_admin *a = ls_admin_start("localhost:8686", NULL, NULL, NULL, err, sizeof(err));
    ls_admin_stop(a);
    CHECK(a == NULL);
    CHECK(strstr(err, "health") != NULL);
    CHECK(strstr(err, "localhost:8686") != NULL);
    CHECK(strstr(err, "not a numeric address") != NULL);
    a = ls_admin_start(NULL, "127.0.0.1", NULL, NULL, err, sizeof(err));
    ls_admin_stop(a);
    CHECK(a == NULL);
    CHECK(strstr(err, "metrics") != NULL);
    CHECK(strstr(err, "missing port") != NULL);
}

LS_TEST(test_admin_both_off_serves_nothing)
{
    char err[64] = "";
    struct ls_admin *a = ls_admin_start("", NULL, NULL, NULL, err, sizeof(err));
    CHECK(a);
    CHECK_INT(ls_admin_health_port(a), -1);
    CHECK_INT(ls_admin_metrics_port(a), -1);
    ls_admin_stop(a);
    ls_admin_stop(NULL);
    CHECK_INT(ls_admin_health_port(NULL), -1);
}

LS_TEST(test_admin_default_health_without_callback)
{
    struct reply r;
    char err[128];
    struct ls_admin *a = ls_admin_start("127.0.0.1:0", NULL, NULL, NULL, err, sizeof(err));
    CHECK(a);
    CHECK_INT(request("127.0.0.1", ls_admin_health_port(a), NULL, "/health", &r), CURLE_OK);
    int ok = r.status == 200 && strcmp(r.body.data, "{\"status\":\"ok\"}\n") == 0;
    reply_free(&r);
    ls_admin_stop(a);
    CHECK(ok);
}

LS_TEST(test_admin_get_with_body_refused)
{
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start("127.0.0.1:0", NULL, &hs);
    CHECK(a);
    /* CUSTOMREQUEST GET with POSTFIELDS sends a GET that carries a body. */
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", ls_admin_health_port(a));
    CURL *c = curl_easy_init();
    CHECK(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "abc");
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "GET");
    ls_buf_init(&r.body, 0);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    CURLcode rc = curl_easy_perform(c);
    long st = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    curl_easy_cleanup(c);
    ls_buf_free(&r.body);
    ls_admin_stop(a);
    CHECK_INT(rc, CURLE_OK);
    CHECK_INT(st, 413);
    CHECK_INT(atomic_load(&hs.calls), 0);
}

LS_TEST(test_admin_idle_client_does_not_block_others)
{
    struct health_state hs = {1, 0};
    struct reply r;
    struct ls_admin *a = start("127.0.0.1:0", NULL, &hs);
    CHECK(a);
    /* A client that connects and sends half a request line, then stalls. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)ls_admin_health_port(a)),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int connected = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
                    write(fd, "GET /hea", 8) == 8;
    CURLcode rc = request("127.0.0.1", ls_admin_health_port(a), NULL, "/health", &r);
    long st = r.status;
    reply_free(&r);
    if (fd >= 0)
        close(fd);
    ls_admin_stop(a);
    CHECK(connected);
    CHECK_INT(rc, CURLE_OK);
    CHECK_INT(st, 200);
}

LS_TEST_MAIN(LS_CASE(test_admin_health_follows_callback),
             LS_CASE(test_admin_metrics_serves_registry), LS_CASE(test_admin_post_is_405),
             LS_CASE(test_admin_unknown_path_is_404), LS_CASE(test_admin_head_has_no_body),
             LS_CASE(test_admin_shared_address_serves_both),
             LS_CASE(test_admin_separate_addresses_get_separate_ports),
             LS_CASE(test_admin_dual_stack_reaches_ipv4),
             LS_CASE(test_admin_port_in_use_fails_naming_address),
             LS_CASE(test_admin_second_listener_failure_cleans_up),
             LS_CASE(test_admin_bad_address_fails), LS_CASE(test_admin_both_off_serves_nothing),
             LS_CASE(test_admin_default_health_without_callback),
             LS_CASE(test_admin_get_with_body_refused),
             LS_CASE(test_admin_idle_client_does_not_block_others))
