/*
 * Benchmark HTTP receiver: the fast end point of the logship -> http/loki scenarios in
 * bench/run.sh (and of syslog-ng's http() in the comparison). libmicrohttpd with a small epoll
 * thread pool accepts POST bodies, gunzips them when Content-Encoding: gzip (libdeflate),
 * counts the records with a tiny scanner (top-level elements only; no full parse) and answers
 * 200. The counts are what the runner trusts for "lost": they come from outside logship. Links
 * only system libraries, never logship_core.
 *
 *   GET /stats -> {"requests":N,"records":N,"bytes":N,"decoded_bytes":N,"bad_requests":N,
 *                  "first_ns":T0,"last_ns":T1,"loki_requests":N,"loki_records":N,
 *                  "loki_last_ns":T,"lat_count":N,"lat_p50_us":U,"lat_p99_us":U,
 *                  "lat_max_us":U}
 * bytes are wire (possibly compressed) body bytes of every POST; first_ns/last_ns are
 * CLOCK_REALTIME nanoseconds of the first and last POST that carried records. Bodies are told
 * apart so one receiver can serve several sinks at once:
 *   - a POST to a path ending in /loki/api/v1/push (or a body starting with {"streams") is a
 *     Loki push envelope: its entries ([ts, line] pairs inside "values") count under
 *     loki_records, and loki_requests/loki_last_ns, not under records;
 *   - a body starting with '[' is a JSON array: its top-level elements count under records;
 *   - any other body starting with '{' is NDJSON: one record per non-empty line.
 * Bodies that fail to decompress, are truncated or are none of these get 400 and count under
 * bad_requests, not records.
 *
 * Latency: a record that holds "zz_bench_ns":<ns> (bench/publisher --stamp; also found escaped
 * inside a Loki line) adds receive time minus that publish time to a log-linear histogram
 * (1/64 relative precision, microseconds); lat_* report it (0 when no stamped record came).
 * Only bodies whose first 64 KiB hold a stamp are searched further, so unstamped runs pay
 * one bounded memmem per body.
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
/* Latency histogram: values below 128 us exactly, then 64 sub-buckets per power of two up to
 * 2^40 us (12 days), so any percentile is within 1/64 of the truth. */
#define LS_LAT_SUB     64
#define LS_LAT_MAXBIT  40
#define LS_LAT_BUCKETS (2 * LS_LAT_SUB + (LS_LAT_MAXBIT - 6) * LS_LAT_SUB)
/* How far into a body to look for the first stamp before deciding it has none. */
#define LS_LAT_PROBE (64u * 1024)
#define LS_LOKI_PATH "/loki/api/v1/push"

struct stats {
    atomic_ullong requests;
    atomic_ullong records;
    atomic_ullong bytes;
    atomic_ullong decoded;
    atomic_ullong bad;
    atomic_llong first_ns;
    atomic_llong last_ns;
    atomic_ullong loki_requests;
    atomic_ullong loki_records;
    atomic_llong loki_last_ns;
    atomic_ullong lat_count;
    atomic_ullong lat_max_us;
    atomic_ullong lat[LS_LAT_BUCKETS];
};

static struct stats st;
static struct MHD_Response *ok_resp;
static struct MHD_Response *bad_resp;
static struct MHD_Response *big_resp;

/* Per-request state, owned by MHD's con_cls slot and freed in on_done. */
struct req {
    bool post;
    bool gzip;
    bool loki;
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

/* Counts the entries of a Loki push envelope {"streams":[{"stream":{..},"values":[[ts,line],
 * ..]},..]}: arrays that open directly inside an array at depth 4 (the "values" arrays). -1
 * when the body is not a closed object. */
static long long count_loki(const unsigned char *p, size_t n)
{
    bool is_array[16] = {false};
    int depth = 0;
    long long cnt = 0;
    size_t i = 0;
    while (i < n && is_ws(p[i]))
        i++;
    if (i == n || p[i] != '{')
        return -1;
    for (; i < n; i++) {
        unsigned char c = p[i];
        switch (c) {
        case '"':
            i = skip_string(p, i + 1, n);
            if (i == n)
                return -1;
            break;
        case '{':
        case '[':
            if (c == '[' && depth == 4 && is_array[4])
                cnt++;
            if (++depth < 16)
                is_array[depth] = c == '[';
            break;
        case '}':
        case ']':
            if (--depth == 0)
                return cnt;
            if (depth < 0)
                return -1;
            break;
        default:
            break;
        }
    }
    return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !memcmp(s + a - b, suffix, b);
}

static size_t lat_bucket(uint64_t us)
{
    if (us < 2 * LS_LAT_SUB)
        return (size_t)us;
    int b = 63 - __builtin_clzll(us);
    if (b > LS_LAT_MAXBIT)
        return LS_LAT_BUCKETS - 1;
    uint64_t m = us >> (b - 6); /* 64..127 */
    return (size_t)(LS_LAT_SUB * (b - 5)) + (size_t)(m - LS_LAT_SUB);
}

/* Upper bound of a bucket, so a reported percentile never understates latency. */
static uint64_t lat_upper(size_t idx)
{
    if (idx < 2 * LS_LAT_SUB)
        return idx;
    int b = (int)(idx / LS_LAT_SUB) + 5;
    uint64_t m = idx % LS_LAT_SUB + LS_LAT_SUB;
    return ((m + 1) << (b - 6)) - 1;
}

static uint64_t lat_percentile(double q)
{
    uint64_t total = atomic_load(&st.lat_count);
    if (total == 0)
        return 0;
    uint64_t rank = (uint64_t)(q * (double)total);
    if (rank >= total)
        rank = total - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < LS_LAT_BUCKETS; i++) {
        seen += atomic_load_explicit(&st.lat[i], memory_order_relaxed);
        if (seen > rank) {
            uint64_t up = lat_upper(i), mx = atomic_load(&st.lat_max_us);
            return up < mx ? up : mx;
        }
    }
    return atomic_load(&st.lat_max_us);
}

/* Adds one histogram sample per "zz_bench_ns":<ns> (or its JSON-escaped form inside a Loki
 * line) in the body; now is this body's receive time. */
static void record_latency(const unsigned char *p, size_t n, int64_t now)
{
    static const char key[] = "zz_bench_ns";
    const size_t klen = sizeof(key) - 1;
    const unsigned char *q = memmem(p, n < LS_LAT_PROBE ? n : LS_LAT_PROBE, key, klen);
    const unsigned char *end = p + n;
    while (q) {
        const unsigned char *v = q + klen;
        if (v < end && *v == '\\')
            v++;
        if (v + 1 < end && v[0] == '"' && v[1] == ':') {
            v += 2;
            int64_t ns = 0;
            bool digits = false;
            while (v < end && *v >= '0' && *v <= '9' && ns < INT64_MAX / 10) {
                ns = ns * 10 + (*v++ - '0');
                digits = true;
            }
            if (digits) {
                uint64_t us = now > ns ? (uint64_t)(now - ns) / 1000 : 0;
                atomic_fetch_add_explicit(&st.lat[lat_bucket(us)], 1, memory_order_relaxed);
                atomic_fetch_add(&st.lat_count, 1);
                uint64_t prev = atomic_load(&st.lat_max_us);
                while (prev < us && !atomic_compare_exchange_weak(&st.lat_max_us, &prev, us))
                    ;
            }
        }
        q = memmem(q + klen, (size_t)(end - (q + klen)), key, klen);
    }
}

static void store_max(atomic_llong *a, long long t)
{
    long long prev = atomic_load(a);
    while (prev < t && !atomic_compare_exchange_weak(a, &prev, t))
        ;
}

/* The counters as one JSON object (json) or key=value line; returns the length. */
static int format_stats(char *out, size_t cap, bool json)
{
    unsigned long long req = atomic_load(&st.requests), rec = atomic_load(&st.records),
                       by = atomic_load(&st.bytes), dec = atomic_load(&st.decoded),
                       bad = atomic_load(&st.bad), lreq = atomic_load(&st.loki_requests),
                       lrec = atomic_load(&st.loki_records), lc = atomic_load(&st.lat_count),
                       p50 = lat_percentile(0.50), p99 = lat_percentile(0.99),
                       mx = atomic_load(&st.lat_max_us);
    long long f = atomic_load(&st.first_ns), l = atomic_load(&st.last_ns),
              ll = atomic_load(&st.loki_last_ns);
    int n;
    if (json)
        n = snprintf(out, cap,
                     "{\"requests\":%llu,\"records\":%llu,\"bytes\":%llu,\"decoded_bytes\":%llu,"
                     "\"bad_requests\":%llu,\"first_ns\":%lld,\"last_ns\":%lld,"
                     "\"loki_requests\":%llu,\"loki_records\":%llu,\"loki_last_ns\":%lld,"
                     "\"lat_count\":%llu,\"lat_p50_us\":%llu,\"lat_p99_us\":%llu,"
                     "\"lat_max_us\":%llu}\n",
                     req, rec, by, dec, bad, f, l, lreq, lrec, ll, lc, p50, p99, mx);
    else
        n = snprintf(out, cap,
                     "requests=%llu records=%llu bytes=%llu decoded_bytes=%llu bad_requests=%llu "
                     "first_ns=%lld last_ns=%lld loki_requests=%llu loki_records=%llu "
                     "loki_last_ns=%lld lat_count=%llu lat_p50_us=%llu lat_p99_us=%llu "
                     "lat_max_us=%llu\n",
                     req, rec, by, dec, bad, f, l, lreq, lrec, ll, lc, p50, p99, mx);
    return n < 0 ? 0 : (size_t)n >= cap ? (int)cap - 1 : n;
}

static enum MHD_Result send_stats(struct MHD_Connection *conn)
{
    char body[1024];
    int n = format_stats(body, sizeof(body), true);
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
    /* Arrival is when the whole body is here: the receiver's own gunzip and counting below
       (10-20 ms for a 7 MB batch) are not the shipper's latency. */
    int64_t t = now_real();
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
    static const char streams[] = "{\"streams\"";
    bool loki = q->loki ||
                (data && len >= sizeof(streams) - 1 && !memcmp(data, streams, sizeof(streams) - 1));
    long long cnt = !data ? 0 : loki ? count_loki(data, len) : count_records(data, len);
    if (cnt > 0)
        record_latency(data, len, t);
    free(plain);
    if (cnt < 0) {
        atomic_fetch_add(&st.bad, 1);
        return MHD_queue_response(conn, MHD_HTTP_BAD_REQUEST, bad_resp);
    }
    atomic_fetch_add(&st.decoded, len);
    if (loki)
        atomic_fetch_add(&st.loki_requests, 1);
    if (cnt > 0) {
        long long zero = 0;
        atomic_compare_exchange_strong(&st.first_ns, &zero, t);
        store_max(&st.last_ns, t);
        if (loki) {
            store_max(&st.loki_last_ns, t);
            atomic_fetch_add(&st.loki_records, (unsigned long long)cnt);
        } else {
            atomic_fetch_add(&st.records, (unsigned long long)cnt);
        }
    }
    /* Loki answers 204 to a push; the sink should see what it would in production. */
    return MHD_queue_response(conn, loki ? MHD_HTTP_NO_CONTENT : MHD_HTTP_OK, ok_resp);
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
        q->loki = ends_with(url, LS_LOKI_PATH);
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
    char line[1024];
    format_stats(line, sizeof(line), false);
    fputs(line, stdout);
    fflush(stdout);
    MHD_destroy_response(ok_resp);
    MHD_destroy_response(bad_resp);
    MHD_destroy_response(big_resp);
    return 0;
}
