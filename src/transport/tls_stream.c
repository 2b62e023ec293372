/*
 * Blocking TLS client stream (see tls_stream.h), used by the papertrail kind's write(). The
 * socket is connected non-blocking so the connect itself obeys the timeout, then switched to
 * blocking with SO_SNDTIMEO/SO_RCVTIMEO so OpenSSL's blocking calls do too. SIGPIPE is ignored
 * process-wide by main.c; MSG_NOSIGNAL is not reachable through OpenSSL's socket BIO.
 */
#include "transport/tls_stream.h"
#include "transport/http.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct ls_tls_stream {
    char *host;
    char *port;
    uint64_t timeout_ms;
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
};

struct ls_tls_stream *ls_tls_stream_create(const char *host, const char *port, uint64_t timeout_ms)
{
    struct ls_tls_stream *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->fd = -1;
    t->timeout_ms = timeout_ms ? timeout_ms : 30000;
    t->host = strdup(host);
    t->port = strdup(port);
    t->ctx = SSL_CTX_new(TLS_client_method());
    if (!t->host || !t->port || !t->ctx) {
        ls_tls_stream_destroy(t);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_mode(t->ctx, SSL_MODE_AUTO_RETRY);
    SSL_CTX_set_default_verify_paths(t->ctx);
    X509_STORE *store = SSL_CTX_get_cert_store(t->ctx);
    STACK_OF(X509) *extra = ls_tls_extra_ca();
    for (int i = 0; extra && i < sk_X509_num(extra); i++)
        X509_STORE_add_cert(store, sk_X509_value(extra, i));
    ERR_clear_error();
    return t;
}

bool ls_tls_stream_connected(const struct ls_tls_stream *t)
{
    return t->ssl != NULL;
}

static void drop(struct ls_tls_stream *t)
{
    SSL_free(t->ssl);
    t->ssl = NULL;
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    ERR_clear_error();
}

void ls_tls_stream_close(struct ls_tls_stream *t)
{
    if (t->ssl) {
        /* Best effort: a peer that is gone must not make shutdown wait out the timeout. */
        int fl = fcntl(t->fd, F_GETFL);
        if (fl >= 0)
            fcntl(t->fd, F_SETFL, fl | O_NONBLOCK);
        SSL_shutdown(t->ssl);
    }
    drop(t);
}

void ls_tls_stream_destroy(struct ls_tls_stream *t)
{
    if (!t)
        return;
    ls_tls_stream_close(t);
    SSL_CTX_free(t->ctx);
    free(t->host);
    free(t->port);
    free(t);
}

/* OpenSSL's reason for the last failure, or the system error. */
static void ssl_error(const char *what, char *err, size_t errlen)
{
    unsigned long e = ERR_get_error();
    if (e) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof(buf));
        snprintf(err, errlen, "%s: %s", what, buf);
    } else if (errno) {
        snprintf(err, errlen, "%s: %s", what, strerror(errno));
    } else {
        snprintf(err, errlen, "%s: connection closed by the peer", what);
    }
    ERR_clear_error();
}

/* A TCP connection to one address within the timeout; the fd or -1 (errno set). */
static int connect_one(const struct addrinfo *ai, uint64_t timeout_ms)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0)
        return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        int n = poll(&pfd, 1, (int)timeout_ms);
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (n <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr) {
            close(fd);
            errno = n == 0 ? ETIMEDOUT : soerr ? soerr : errno;
            return -1;
        }
    }
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = (time_t)(timeout_ms / 1000),
                         .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    return fd;
}

static int tcp_connect(struct ls_tls_stream *t, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(t->host, t->port, &hints, &res);
    if (g != 0) {
        snprintf(err, errlen, "cannot resolve the host: %s", gai_strerror(g));
        return -1;
    }
    int e = 0;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        t->fd = connect_one(ai, t->timeout_ms);
        if (t->fd >= 0)
            break;
        e = errno;
    }
    freeaddrinfo(res);
    if (t->fd < 0) {
        snprintf(err, errlen, "cannot connect: %s", strerror(e ? e : ECONNREFUSED));
        return -1;
    }
    return 0;
}

static bool is_ip_literal(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int handshake(struct ls_tls_stream *t, char *err, size_t errlen)
{
    ERR_clear_error();
    t->ssl = SSL_new(t->ctx);
    if (!t->ssl || SSL_set_fd(t->ssl, t->fd) != 1) {
        snprintf(err, errlen, "out of memory for the TLS session");
        return -1;
    }
    if (is_ip_literal(t->host)) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
        X509_VERIFY_PARAM_set1_ip_asc(vp, t->host);
    } else {
        SSL_set_tlsext_host_name(t->ssl, t->host);
        SSL_set1_host(t->ssl, t->host);
    }
    errno = 0;
    if (SSL_connect(t->ssl) != 1) {
        long v = SSL_get_verify_result(t->ssl);
        if (v != X509_V_OK)
            snprintf(err, errlen, "TLS handshake: certificate verification failed: %s",
                     X509_verify_cert_error_string(v));
        else
            ssl_error("TLS handshake", err, errlen);
        ERR_clear_error();
        return -1;
    }
    return 0;
}

/*
 * Whether an open connection is still usable, without blocking: reads whatever the peer sent
 * (TLS 1.3 session tickets arrive after the handshake; a syslog server sends nothing else) and
 * reports a close_notify, EOF or error as dead. A zero-byte read before writing is how Vector
 * notices a dropped connection too (PROVIDERS.md Part 2 §7.2).
 */
static bool alive(struct ls_tls_stream *t)
{
    struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0)
        return true;
    if (pfd.revents & (POLLERR | POLLNVAL))
        return false;
    int fl = fcntl(t->fd, F_GETFL);
    fcntl(t->fd, F_SETFL, fl | O_NONBLOCK);
    bool ok = true;
    for (;;) {
        char buf[512];
        int n = SSL_read(t->ssl, buf, sizeof(buf));
        if (n > 0)
            continue; /* nothing is expected from the server; discard */
        int e = SSL_get_error(t->ssl, n);
        ok = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
        break;
    }
    fcntl(t->fd, F_SETFL, fl);
    ERR_clear_error();
    return ok;
}

int ls_tls_stream_ensure(struct ls_tls_stream *t, char *err, size_t errlen)
{
    if (t->ssl && alive(t))
        return 0;
    drop(t);
    if (tcp_connect(t, err, errlen) != 0 || handshake(t, err, errlen) != 0) {
        drop(t);
        return -1;
    }
    return 0;
}

int ls_tls_stream_write(struct ls_tls_stream *t, const void *buf, size_t len, char *err,
                        size_t errlen)
{
    if (ls_tls_stream_ensure(t, err, errlen) != 0)
        return -1;
    const char *p = buf;
    while (len > 0) {
        int chunk = len > (1u << 30) ? (1 << 30) : (int)len;
        errno = 0;
        int n = SSL_write(t->ssl, p, chunk);
        if (n <= 0) {
            int e = SSL_get_error(t->ssl, n);
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                snprintf(err, errlen, "write timed out");
            else if (e == SSL_ERROR_ZERO_RETURN)
                snprintf(err, errlen, "write: connection closed by the peer");
            else
                ssl_error("write", err, errlen);
            drop(t);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
