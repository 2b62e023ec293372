/*
 * Compression alone, on the batches logship really sends: reads an NDJSON file of records,
 * cuts it into JSON-array batches of --batch bytes (default 1,000,000; the http default
 * batch is 10,000,000), and compresses every batch with libdeflate and zlib at the given
 * levels. Prints input MB/s (single thread), the ratio, and µs per record, so the default
 * level and library are chosen by numbers (issue: performance). Not a test.
 *
 * Then the pipeline question: a sink worker fills a batch record by record (the copy a compact
 * batch makes of a canonical record) and compresses it (libdeflate level 1). Inline, one thread
 * does both in turn, as logship does; "second core", a filler thread fills batch k+1 while a
 * compressor thread compresses batch k (two buffers, handed over under a mutex). Prints the
 * wall-clock records/s and the CPU-µs per record of each (getrusage, all threads).
 *
 *   compress_bench [--batch BYTES] [--rounds N] FILE
 */
#include <libdeflate.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zlib.h>

struct batch {
    char *data;
    size_t len, records;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct batch *load(const char *path, size_t batch_bytes, size_t *nb, size_t *records)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct batch *v = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    struct batch cur = {0};
    size_t curcap = 0;
    *records = 0;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n')
            len--;
        if (cur.len + (size_t)len + 2 > batch_bytes && cur.len) {
            cur.data[cur.len++] = ']';
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                v = realloc(v, cap * sizeof(*v));
            }
            v[n++] = cur;
            memset(&cur, 0, sizeof(cur));
            curcap = 0;
        }
        if (cur.len + (size_t)len + 2 > curcap) {
            curcap = (cur.len + (size_t)len + 2) * 2;
            cur.data = realloc(cur.data, curcap);
        }
        char sep = cur.len == 0 ? '[' : ',';
        cur.data[cur.len++] = sep;
        memcpy(cur.data + cur.len, line, (size_t)len);
        cur.len += (size_t)len;
        cur.records++;
        (*records)++;
    }
    if (cur.len) {
        cur.data[cur.len++] = ']';
        if (n == cap)
            v = realloc(v, (cap + 1) * sizeof(*v));
        v[n++] = cur;
    }
    free(line);
    fclose(f);
    *nb = n;
    return v;
}

/* ---- fill vs compress, inline and on two threads ------------------------------------------ */

struct line {
    const char *p;
    size_t n;
};

struct pipe {
    const struct line *lines;
    size_t nlines, batch, rounds, longest;
    char *buf[2];  /* the two batch buffers */
    size_t len[2]; /* filled length; 0 = free */
    int full;      /* index handed to the compressor, -1 = none */
    bool done;
    size_t compressed; /* bytes out, to keep the work observable */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Fills buf from lines[*next...] up to the batch size; returns the length (0 at the end). */
static size_t fill(struct pipe *p, char *buf, size_t *next)
{
    size_t len = 0;
    while (*next < p->nlines && (len == 0 || len + p->lines[*next].n + 2 <= p->batch)) {
        buf[len] = len == 0 ? '[' : ',';
        len++;
        memcpy(buf + len, p->lines[*next].p, p->lines[*next].n);
        len += p->lines[*next].n;
        (*next)++;
    }
    if (len)
        buf[len++] = ']';
    return len;
}

static void *compressor(void *arg)
{
    struct pipe *p = arg;
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
    size_t outcap = libdeflate_gzip_compress_bound(c, p->batch + p->longest + 16);
    unsigned char *out = malloc(outcap);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->full < 0 && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->full < 0)
            break;
        int k = p->full;
        pthread_mutex_unlock(&p->mu);
        size_t got = libdeflate_gzip_compress(c, p->buf[k], p->len[k], out, outcap);
        pthread_mutex_lock(&p->mu);
        p->compressed += got;
        p->len[k] = 0;
        p->full = -1;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    free(out);
    libdeflate_free_compressor(c);
    return NULL;
}

static void run_pipeline(struct pipe *p, bool threaded, double *wall, double *cpu)
{
    double w0 = now_s(), c0 = cpu_s();
    p->full = -1;
    p->done = false;
    p->compressed = 0;
    p->len[0] = p->len[1] = 0;
    if (!threaded) {
        struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
        size_t outcap = libdeflate_gzip_compress_bound(c, p->batch + p->longest + 16);
        unsigned char *out = malloc(outcap);
        for (size_t r = 0; r < p->rounds; r++) {
            size_t next = 0, len;
            while ((len = fill(p, p->buf[0], &next)) > 0)
                p->compressed += libdeflate_gzip_compress(c, p->buf[0], len, out, outcap);
        }
        free(out);
        libdeflate_free_compressor(c);
    } else {
        pthread_t t;
        pthread_create(&t, NULL, compressor, p);
        int k = 0;
        for (size_t r = 0; r < p->rounds; r++) {
            size_t next = 0, len;
            while ((len = fill(p, p->buf[k], &next)) > 0) {
                pthread_mutex_lock(&p->mu);
                while (p->full >= 0) /* the compressor still has the previous batch */
                    pthread_cond_wait(&p->cv, &p->mu);
                p->len[k] = len;
                p->full = k;
                pthread_cond_broadcast(&p->cv);
                pthread_mutex_unlock(&p->mu);
                k ^= 1; /* the other buffer is free: the compressor is done with it */
            }
        }
        pthread_mutex_lock(&p->mu);
        while (p->full >= 0)
            pthread_cond_wait(&p->cv, &p->mu);
        p->done = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(t, NULL);
    }
    *wall = now_s() - w0;
    *cpu = cpu_s() - c0;
}

static void pipeline(const char *path, size_t batch, size_t rounds)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    struct line *lines = NULL;
    size_t n = 0, cap = 0, lcap = 0;
    char *l = NULL;
    ssize_t len;
    while ((len = getline(&l, &lcap, f)) > 0) {
        if (l[len - 1] == '\n')
            len--;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            lines = realloc(lines, cap * sizeof(*lines));
        }
        lines[n].p = strndup(l, (size_t)len);
        lines[n++].n = (size_t)len;
    }
    free(l);
    fclose(f);
    struct pipe p = {.lines = lines, .nlines = n, .batch = batch, .rounds = rounds};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    size_t longest = 0;
    for (size_t i = 0; i < n; i++)
        longest = lines[i].n > longest ? lines[i].n : longest;
    p.longest = longest;
    p.buf[0] = malloc(batch + longest + 16); /* one record may exceed the batch size */
    p.buf[1] = malloc(batch + longest + 16);
    double records = (double)n * (double)rounds;
    printf("pipeline (fill record by record + libdeflate level 1, --batch %zu):\n", batch);
    for (int threaded = 0; threaded < 2; threaded++) {
        double wall, cpu;
        run_pipeline(&p, threaded, &wall, &cpu);
        printf("  %-22s %10.0f records/s %8.3f CPU-us/record\n",
               threaded ? "fill || compress" : "inline (one thread)", records / wall,
               cpu * 1e6 / records);
    }
    free(p.buf[0]);
    free(p.buf[1]);
    for (size_t i = 0; i < n; i++)
        free((char *)lines[i].p);
    free(lines);
}

int main(int argc, char **argv)
{
    size_t batch = 1000000, rounds = 3;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            batch = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = strtoull(argv[++i], NULL, 10);
        else
            path = argv[i];
    }
    size_t nb, records;
    struct batch *b = path ? load(path, batch, &nb, &records) : NULL;
    if (!b || nb == 0) {
        fprintf(stderr, "usage: compress_bench [--batch BYTES] [--rounds N] FILE.ndjson\n");
        return 2;
    }
    size_t total = 0, maxlen = 0;
    for (size_t i = 0; i < nb; i++) {
        total += b[i].len;
        maxlen = b[i].len > maxlen ? b[i].len : maxlen;
    }
    size_t outcap = maxlen + maxlen / 2 + 1024;
    unsigned char *out = malloc(outcap);
    printf("%zu batches of ~%zu bytes, %zu records, %.1f MB\n", nb, batch, records,
           (double)total / 1e6);
    printf("%-18s %10s %8s %12s\n", "codec", "MB/s", "ratio", "us/record");
    static const int levels[] = {1, 3, 6, 9};
    for (int lib = 0; lib < 2; lib++) {
        for (size_t li = 0; li < sizeof(levels) / sizeof(levels[0]); li++) {
            int level = levels[li];
            struct libdeflate_compressor *c = lib == 0 ? libdeflate_alloc_compressor(level) : NULL;
            size_t comp = 0;
            double t0 = now_s();
            for (size_t r = 0; r < rounds; r++) {
                comp = 0;
                for (size_t i = 0; i < nb; i++) {
                    if (lib == 0) {
                        comp += libdeflate_gzip_compress(c, b[i].data, b[i].len, out, outcap);
                    } else {
                        z_stream z;
                        memset(&z, 0, sizeof(z));
                        deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
                        z.next_in = (unsigned char *)b[i].data;
                        z.avail_in = (unsigned)b[i].len;
                        z.next_out = out;
                        z.avail_out = (unsigned)outcap;
                        deflate(&z, Z_FINISH);
                        comp += z.total_out;
                        deflateEnd(&z);
                    }
                }
            }
            double dt = (now_s() - t0) / (double)rounds;
            printf("%-10s level %d %10.1f %8.2f %12.3f\n", lib == 0 ? "libdeflate" : "zlib", level,
                   (double)total / 1e6 / dt, (double)total / (double)comp,
                   dt * 1e6 / (double)records);
            if (c)
                libdeflate_free_compressor(c);
        }
    }
    free(out);
    pipeline(path, batch, rounds);
    return 0;
}
