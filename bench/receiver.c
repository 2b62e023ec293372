/*
 * Benchmark HTTP receiver: the fast end point of the "logship -> http sink" scenario in
 * bench/run.sh. libmicrohttpd with a small epoll thread pool accepts POST bodies, gunzips them
 * when Content-Encoding: gzip (libdeflate), counts the records of a JSON array body with a tiny
 * scanner (top-level elements only; no full parse) and answers 200. The counts are what the
 * runner trusts for "lost": they come from outside logship. Links only system libraries, never
 * logship_core.
 *
 *   GET /stats -> {"requests":N,"records":N,"bytes":N,"decoded_bytes":N,"bad_requests":N,
 *                  "first_ns":T0,"last_ns":T1}
 * bytes are wire (possibly compressed) body bytes; first_ns/last_ns are CLOCK_REALTIME
 * nanoseconds of the first and last POST that carried records. A body starting with '{' is
 * counted as NDJSON (one record per non-empty line). Bodies that fail to decompress, are
 * truncated arrays or are neither get 400 and count under bad_requests, not records.
 *
 * stdout: "port=N" first (so --port 0 can pick a free port), then at SIGTERM/SIGINT one final
 * key=value line with the same counters.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <libdeflate.h>
#include <microhttpd.h>

#define LS_RECV_MAX_WIRE    (256u * 1024 * 1024)
#define LS_RECV_MAX_DECODED (1024u * 1024 * 1024)

struct stats {
    atomic_ullong requests;
    atomic_ullong records;
    atomic_ullong bytes;
    atomic_ullong decoded;
    atomic_ullong bad;
    atomic_llong first_ns;
    atomic_llong last_ns;
};

static struct stats st;
static struct MHD_Response *ok_resp;
static struct MHD_Response *bad_resp;
static struct MHD_Response *big_resp;

/* Per-request state, owned by MHD's con_cls slot and freed in on_done. */
struct req {
    bool post;
    bool gzip;
    bool too_big;
    unsigned char *body;
    size_t len;
    size_t cap;
};

static int64_t now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int grow(unsigned char **p, size_t *cap, size_t need, size_t max)
{
    if (need <= *cap)
        return 0;
    if (need > max)
        return -1;
    size_t c = *cap ? *cap : 64 * 1024;
    while (c < need)
        c *= 2;
    if (c > max)
        c = max;
    unsigned char *n = realloc(*p, c);
    if (!n)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

/* Decompresses every gzip member of in into *out (malloc'd, caller frees). The first guess is
 * the last member's ISIZE trailer, exact for the usual single-member body. */
static int gunzip(const unsigned char *in, size_t n, unsigned char **out, size_t *outlen)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return -1;
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0, off = 0;
    size_t guess = n * 4;
    if (n >= 18) {
        uint32_t isize = (uint32_t)in[n - 4] | (uint32_t)in[n - 3] << 8 |
                         (uint32_t)in[n - 2] << 16 | (uint32_t)in[n - 1] << 24;
        if (isize > 0)
            guess = isize;
    }
    int rc = grow(&buf, &cap, guess + 1, LS_RECV_MAX_DECODED);
    while (rc == 0 && off < n) {
        size_t in_used = 0, got = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress_ex(d, in + off, n - off, buf + len,
                                                                 cap - len, &in_used, &got);
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
            rc = grow(&buf, &cap, cap * 2, LS_RECV_MAX_DECODED);
            continue;
        }
        if (r != LIBDEFLATE_SUCCESS || in_used == 0) {
            rc = -1;
            break;
        }
        off += in_used;
        len += got;
    }
    libdeflate_free_decompressor(d);
    if (rc) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Index of the quote that closes the string whose body starts at i, or n if unterminated.
 * memchr finds candidates fast; a quote preceded by an odd run of backslashes is escaped. */
static size_t skip_string(const unsigned char *p, size_t i, size_t n)
{
    while (i < n) {
        const unsigned char *q = memchr(p + i, '"', n - i);
        if (!q)
            return n;
        size_t j = (size_t)(q - p), k = j;
        while (k > i && p[k - 1] == '\\')
            k--;
        if (((j - k) & 1) == 0)
            return j;
        i = j + 1;
    }
    return n;
}

static long long count_lines(const unsigned char *p, size_t n)
{
    long long cnt = 0;
    bool content = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            cnt += content;
            content = false;
        } else if (!is_ws(p[i])) {
            content = true;
        }
    }
    return cnt + content;
}

/* Counts the top-level elements of a JSON array body (or the lines of an NDJSON body starting
 * with '{'); -1 when the array is not closed or the body is neither. Only depth and string
 * state are tracked: the sender's JSON validity is not what we measure. */
static long long count_records(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n && is_ws(p[i]))
        i++;
    if (i == n)
        return 0;
    if (p[i] == '{')
        return count_lines(p + i, n - i);
    if (p[i] != '[')
        return -1;
    long long cnt = 0;
    int depth = 1;
    bool expect = true;
    for (i++; i < n; i++) {
        unsigned char c = p[i];
        if (is_ws(c))
            continue;
        if (depth == 1 && expect && c != ']' && c != ',') {
            cnt++;
            expect = false;
        }
        switch (c) {
        case '"':
            i = skip_string(p, i + 1, n);
            if (i == n)
                return -1;
            break;
        case '{':
        case '[':
            depth++;
            break;
        case '}':
        case ']':
            if (--depth == 0)
                return cnt;
            break;
        case ',':
            if (depth == 1)
                expect = true;
            break;
        default:
            break;
        }
    }
    return -1;
}

static enum MHD_Result send_stats(struct MHD_Connection *conn)
{
    char body[512];
    int n = snprintf(body, sizeof(body),
                     "{\"requests\":%llu,\"records\":%llu,\"bytes\":%llu,\"decoded_bytes\":%llu,"
                     "\"bad_requests\":%llu,\"first_ns\":%lld,\"last_ns\":%lld}\n",
                     atomic_load(&st.requests), atomic_load(&st.records), atomic_load(&st.bytes),
                     atomic_load(&st.decoded), atomic_load(&st.bad), atomic_load(&st.first_ns),
                     atomic_load(&st.last_ns));
    struct MHD_Response *r =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* Called on an MHD pool thread once the whole body has arrived. */
static enum MHD_Result finish_post(struct MHD_Connection *conn, struct req *q)
{
    atomic_fetch_add(&st.requests, 1);
    atomic_fetch_add(&st.bytes, q->len);
    if (q->too_big) {
        atomic_fetch_add(&st.bad, 1);
        return MHD_queue_response(conn, MHD_HTTP_CONTENT_TOO_LARGE, big_resp);
    }
    const unsigned char *data = q->body;
    size_t len = q->len;
    unsigned char *plain = NULL;
    if (q->gzip) {
        if (gunzip(q->body, q->len, &plain, &len)) {
            atomic_fetch_add(&st.bad, 1);
            return MHD_queue_response(conn, MHD_HTTP_BAD_REQUEST, bad_resp);
        }
        data = plain;
    }
    long long cnt = data ? count_records(data, len) : 0;
    free(plain);
    if (cnt < 0) {
        atomic_fetch_add(&st.bad, 1);
        return MHD_queue_response(conn, MHD_HTTP_BAD_REQUEST, bad_resp);
    }
    atomic_fetch_add(&st.decoded, len);
    if (cnt > 0) {
        int64_t t = now_real();
        long long zero = 0;
        atomic_compare_exchange_strong(&st.first_ns, &zero, t);
        long long prev = atomic_load(&st.last_ns);
        while (prev < t && !atomic_compare_exchange_weak(&st.last_ns, &prev, t))
            ;
        atomic_fetch_add(&st.records, (unsigned long long)cnt);
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, ok_resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct req *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof(*q));
        if (!q)
            return MHD_NO;
        q->post = !strcmp(method, "POST") || !strcmp(method, "PUT");
        const char *ce = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Encoding");
        q->gzip = ce && !strcasecmp(ce, "gzip");
        *con_cls = q;
        return MHD_YES;
    }
    if (!q->post) {
        if (!strcmp(url, "/stats"))
            return send_stats(conn);
        return MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, bad_resp);
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        if (!q->too_big && grow(&q->body, &q->cap, q->len + n, LS_RECV_MAX_WIRE) == 0) {
            memcpy(q->body + q->len, upload_data, n);
        } else {
            /* Keep reading to answer 413 cleanly; count the bytes but drop them. */
            q->too_big = true;
        }
        q->len += n;
        *upload_data_size = 0;
        return MHD_YES;
    }
    return finish_post(conn, q);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct req *q = *con_cls;
    if (q) {
        free(q->body);
        free(q);
        *con_cls = NULL;
    }
}

static int parse_num(const char *s, long *out, long max)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    long port = 0, threads = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long *num = NULL, max = 0;
        if (!strcmp(a, "--port")) {
            num = &port;
            max = 65535;
        } else if (!strcmp(a, "--threads")) {
            num = &threads;
            max = 64;
        } else {
            fprintf(a[0] == '-' && a[1] == 'h' ? stdout : stderr,
                    "usage: receiver [--port N (0 = pick)] [--threads N (default 2)]\n");
            return !strcmp(a, "--help") || !strcmp(a, "-h") ? 0 : 2;
        }
        if (!v || parse_num(v, num, max) || (num == &threads && threads < 1)) {
            fprintf(stderr, "receiver: bad %s\n", a);
            return 2;
        }
        i++;
    }

    /* Block the stop signals before MHD starts its threads so only sigwait() sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    ok_resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    bad_resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    big_resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!ok_resp || !bad_resp || !big_resp) {
        fprintf(stderr, "receiver: out of memory\n");
        return 3;
    }
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
    /* Loopback only: the benchmark never needs to be reachable from elsewhere. */
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* A larger per-connection pool means bigger upload chunks and fewer callbacks. */
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)threads, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(1024 * 1024),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120, MHD_OPTION_NOTIFY_COMPLETED, on_done,
        NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "receiver: cannot listen on port %ld\n", port);
        return 3;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port=%u\n", info ? (unsigned)info->port : (unsigned)port);
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    printf("requests=%llu records=%llu bytes=%llu decoded_bytes=%llu bad_requests=%llu "
           "first_ns=%lld last_ns=%lld\n",
           atomic_load(&st.requests), atomic_load(&st.records), atomic_load(&st.bytes),
           atomic_load(&st.decoded), atomic_load(&st.bad), atomic_load(&st.first_ns),
           atomic_load(&st.last_ns));
    fflush(stdout);
    MHD_destroy_response(ok_resp);
    MHD_destroy_response(bad_resp);
    MHD_destroy_response(big_resp);
    return 0;
}
