/*
 * Admin HTTP server on libmicrohttpd; see server.h. One MHD daemon per distinct listening
 * address, each with its internal polling thread, so a slow /metrics render never delays
 * /health on another port. Every request is answered on the first call of the access
 * handler: no request has a body we want, so there is nothing to wait for.
 */
#include "admin/server.h"

#include "core/log.h"
#include "core/metrics.h"
#include "util/addr.h"
#include "util/buf.h"

#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define LS_ADMIN_HEALTH  1u
#define LS_ADMIN_METRICS 2u
/* Enough for Prometheus and a few humans with curl; one client cannot take them all. */
#define LS_ADMIN_MAX_CONNS   64u
#define LS_ADMIN_MAX_PER_IP  16u
#define LS_ADMIN_TIMEOUT_S   10u
#define LS_ADMIN_HEALTH_MAX  (1u << 20)
#define LS_ADMIN_METRICS_MAX (64u << 20)
#define LS_ADMIN_CT_JSON     "application/json"
#define LS_ADMIN_CT_METRICS  "text/plain; version=0.0.4; charset=utf-8"
#define LS_ADMIN_CT_TEXT     "text/plain; charset=utf-8"

struct listener {
    struct ls_admin *admin;
    struct MHD_Daemon *d;
    unsigned serves; /* LS_ADMIN_HEALTH | LS_ADMIN_METRICS */
    int port;
    pthread_t starter;  /* thread inside MHD_start_daemon, whose messages we capture */
    char startmsg[256]; /* first MHD message during start: why it failed */
};

struct ls_admin {
    ls_health_fn health;
    void *ctx;
    struct listener l[2];
    int health_port, metrics_port;
};

/* MHD's messages: captured while MHD_start_daemon runs on the starting thread (the caller
 * turns them into err), logged afterwards at most once a minute: most are about
 * misbehaving clients, which a port scanner can produce at any rate. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct listener *l = cls;
    char msg[256];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* Only the starting thread reads l->d, and only it sets it, after start returns. */
    if (pthread_equal(pthread_self(), l->starter) && !l->d) {
        if (!l->startmsg[0])
            snprintf(l->startmsg, sizeof(l->startmsg), "%s", msg);
        return;
    }
    LS_LOG_EVERY(LS_LOG_WARN, 60000, "admin: %s", msg);
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *ctype,
                                struct ls_buf *b)
{
    size_t len;
    char *data = ls_buf_steal(b, &len);
    struct MHD_Response *r;
    if (data)
        r = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    else
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(data);
        return MHD_NO; /* out of memory: MHD closes the connection */
    }
    enum MHD_Result rc = MHD_YES;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES ||
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES)
        rc = MHD_NO;
    if (rc == MHD_YES)
        rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text,
                                 const char *allow)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    enum MHD_Result rc = MHD_YES;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, LS_ADMIN_CT_TEXT) != MHD_YES ||
        (allow && MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES))
        rc = MHD_NO;
    if (rc == MHD_YES)
        rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result serve_health(struct ls_admin *a, struct MHD_Connection *c)
{
    struct ls_buf body;
    int status = 200;
    ls_buf_init(&body, LS_ADMIN_HEALTH_MAX);
    if (a->health)
        status = a->health(&body, a->ctx);
    else
        ls_buf_puts(&body, "{\"status\":\"ok\"}\n");
    if (status < 200 || status > 599)
        status = 500;
    return send_buf(c, (unsigned)status, LS_ADMIN_CT_JSON, &body);
}

static enum MHD_Result serve_metrics(struct MHD_Connection *c)
{
    struct ls_buf body;
    ls_buf_init(&body, LS_ADMIN_METRICS_MAX);
    if (ls_metrics_render(&body) != 0) {
        ls_buf_free(&body);
        return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "metrics render failed\n", NULL);
    }
    return send_buf(c, MHD_HTTP_OK, LS_ADMIN_CT_METRICS, &body);
}

/* True when the request announces a body (we accept none). */
static int has_body(struct MHD_Connection *c)
{
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Transfer-Encoding");
    if (te)
        return 1;
    if (!cl)
        return 0;
    while (*cl == '0')
        cl++;
    return *cl != '\0';
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    struct listener *l = cls;
    unsigned path = 0;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;

    /* MHD has already cut the query string off url. */
    if (strcmp(url, "/health") == 0)
        path = LS_ADMIN_HEALTH;
    else if (strcmp(url, "/metrics") == 0)
        path = LS_ADMIN_METRICS;
    if (!(path & l->serves))
        return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n", NULL);
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "GET, HEAD");
    if (has_body(c))
        return send_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body not accepted\n", NULL);
    /* MHD drops the body itself for HEAD. */
    if (path == LS_ADMIN_HEALTH)
        return serve_health(l->admin, c);
    return serve_metrics(c);
}

static int bound_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (!info || getsockname(info->listen_fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return -1;
}

static const char *role(unsigned serves)
{
    if (serves == (LS_ADMIN_HEALTH | LS_ADMIN_METRICS))
        return "health and metrics";
    return serves == LS_ADMIN_HEALTH ? "health" : "metrics";
}

static int start_listener(struct listener *l, const char *text, const struct sockaddr_storage *ss,
                          char *err, size_t errlen)
{
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)ss;
        /* "[::]" should reach IPv4 clients too, whatever net.ipv6.bindv6only says. */
        flags |= IN6_IS_ADDR_UNSPECIFIED(&a6->sin6_addr) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
    }
    l->starter = pthread_self();
    l->startmsg[0] = '\0';
    errno = 0;
    l->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, l, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, l,
                            MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)ss,
                            MHD_OPTION_CONNECTION_LIMIT, LS_ADMIN_MAX_CONNS,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, LS_ADMIN_MAX_PER_IP,
                            MHD_OPTION_CONNECTION_TIMEOUT, LS_ADMIN_TIMEOUT_S, MHD_OPTION_END);
    if (!l->d) {
        int e = errno;
        const char *why = l->startmsg[0] ? l->startmsg : "cannot start listener";
        /* MHD says "Failed to bind to port 0: <reason>": it prints its port argument, which
         * is unused with MHD_OPTION_SOCK_ADDR, so keep only the reason. */
        const char *colon = strrchr(why, ':');
        if (strncmp(why, "Failed to bind", 14) == 0 && colon && colon[1] == ' ')
            why = colon + 2;
        if (e == EADDRINUSE || strstr(why, "in use"))
            snprintf(err, errlen, "%s address \"%s\": address in use", role(l->serves), text);
        else
            snprintf(err, errlen, "%s address \"%s\": cannot listen: %s", role(l->serves), text,
                     why);
        return -1;
    }
    l->port = bound_port(l->d);
    return 0;
}

static int usable(const char *s)
{
    return s && *s;
}

struct ls_admin *ls_admin_start(const char *health_addr, const char *metrics_addr,
                                ls_health_fn health, void *ctx, char *err, size_t errlen)
{
    struct sockaddr_storage hs, ms;
    socklen_t hlen = 0, mlen = 0;
    char perr[200];
    int n = 0;

    if (usable(health_addr) && ls_addr_parse(health_addr, &hs, &hlen, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "health %s", perr);
        return NULL;
    }
    if (usable(metrics_addr) && ls_addr_parse(metrics_addr, &ms, &mlen, perr, sizeof(perr)) != 0) {
        snprintf(err, errlen, "metrics %s", perr);
        return NULL;
    }
    struct ls_admin *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errlen, "admin server: out of memory");
        return NULL;
    }
    a->health = health;
    a->ctx = ctx;
    a->health_port = a->metrics_port = -1;
    for (int i = 0; i < 2; i++) {
        a->l[i].admin = a;
        a->l[i].port = -1;
    }
    int shared = hlen && mlen && hlen == mlen && memcmp(&hs, &ms, hlen) == 0;
    if (hlen) {
        a->l[n].serves = LS_ADMIN_HEALTH | (shared ? LS_ADMIN_METRICS : 0);
        if (start_listener(&a->l[n], health_addr, &hs, err, errlen) != 0)
            goto fail;
        a->health_port = a->l[n].port;
        if (shared)
            a->metrics_port = a->l[n].port;
        n++;
    }
    if (mlen && !shared) {
        a->l[n].serves = LS_ADMIN_METRICS;
        if (start_listener(&a->l[n], metrics_addr, &ms, err, errlen) != 0)
            goto fail;
        a->metrics_port = a->l[n].port;
    }
    return a;
fail:
    ls_admin_stop(a);
    return NULL;
}

int ls_admin_health_port(const struct ls_admin *a)
{
    return a ? a->health_port : -1;
}

int ls_admin_metrics_port(const struct ls_admin *a)
{
    return a ? a->metrics_port : -1;
}

void ls_admin_stop(struct ls_admin *a)
{
    if (!a)
        return;
    for (int i = 0; i < 2; i++)
        if (a->l[i].d)
            MHD_stop_daemon(a->l[i].d);
    free(a);
}
