/*
 * Compression alone, on the batches logship really sends: reads an NDJSON file of records,
 * cuts it into JSON-array batches of --batch bytes (default 1,000,000, the http default batch),
 * and compresses every batch with ISA-L's igzip (levels 0..3), libdeflate and zlib (levels
 * 1/3/6/9). Prints input MB/s (single thread), the ratio, and µs per record, so the default
 * level and library are chosen by numbers (issue: performance). Not a test.
 *
 * Then the pipeline question: a sink worker fills a batch record by record (the copy a compact
 * batch makes of a canonical record) and compresses it with the sink's default (igzip level 2,
 * compress/gzip.c). Inline, one thread does both in turn, as logship does; "second core", a
 * filler thread fills batch k+1 while a compressor thread compresses batch k (two buffers,
 * handed over under a mutex). Prints the wall-clock records/s and the CPU-µs per record of
 * each (getrusage, all threads).
 *
 *   compress_bench [--batch BYTES] [--rounds N] FILE
 */
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
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

/* ---- one codec at one level, its state kept across batches as a sink worker keeps it ----- */

enum lib { IGZIP, LIBDEFLATE, ZLIB };
static const char *const lib_names[] = {"igzip", "libdeflate", "zlib"};

struct codec {
    enum lib lib;
    int level;
    struct libdeflate_compressor *ld;
    uint8_t *level_buf;
    uint32_t level_buf_size;
};

static bool codec_open(struct codec *c, enum lib lib, int level)
{
    static const uint32_t igzip_bufs[] = {ISAL_DEF_LVL0_DEFAULT, ISAL_DEF_LVL1_DEFAULT,
                                          ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    memset(c, 0, sizeof(*c));
    c->lib = lib;
    c->level = level;
    if (lib == LIBDEFLATE)
        return (c->ld = libdeflate_alloc_compressor(level)) != NULL;
    if (lib == IGZIP) {
        c->level_buf_size = igzip_bufs[level];
        c->level_buf = c->level_buf_size ? malloc(c->level_buf_size) : NULL;
        return c->level_buf_size == 0 || c->level_buf != NULL;
    }
    return true;
}

static void codec_close(struct codec *c)
{
    if (c->ld)
        libdeflate_free_compressor(c->ld);
    free(c->level_buf);
}

/* Bytes of gzip out, 0 on failure. */
static size_t codec_compress(struct codec *c, const void *in, size_t n, unsigned char *out,
                             size_t cap)
{
    if (c->lib == LIBDEFLATE)
        return libdeflate_gzip_compress(c->ld, in, n, out, cap);
    if (c->lib == IGZIP) {
        struct isal_zstream s;
        isal_deflate_stateless_init(&s);
        s.level = (uint32_t)c->level;
        s.level_buf = c->level_buf;
        s.level_buf_size = c->level_buf_size;
        s.gzip_flag = IGZIP_GZIP;
        s.end_of_stream = 1;
        s.flush = NO_FLUSH;
        s.next_in = (uint8_t *)in;
        s.avail_in = (uint32_t)n;
        s.next_out = out;
        s.avail_out = (uint32_t)cap;
        return isal_deflate_stateless(&s) == COMP_OK ? s.total_out : 0;
    }
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, c->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)in;
    z.avail_in = (unsigned)n;
    z.next_out = out;
    z.avail_out = (unsigned)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t got = rc == Z_STREAM_END ? z.total_out : 0;
    deflateEnd(&z);
    return got;
}

/* The sink's default: compress/gzip.c level 1 is igzip's level 2. */
static bool codec_open_default(struct codec *c)
{
    return codec_open(c, IGZIP, 2);
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
    struct codec c;
    codec_open_default(&c);
    size_t outcap = 2 * (p->batch + p->longest) + 4096;
    unsigned char *out = malloc(outcap);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->full < 0 && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->full < 0)
            break;
        int k = p->full;
        pthread_mutex_unlock(&p->mu);
        size_t got = codec_compress(&c, p->buf[k], p->len[k], out, outcap);
        pthread_mutex_lock(&p->mu);
        p->compressed += got;
        p->len[k] = 0;
        p->full = -1;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    free(out);
    codec_close(&c);
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
        struct codec c;
        codec_open_default(&c);
        size_t outcap = 2 * (p->batch + p->longest) + 4096;
        unsigned char *out = malloc(outcap);
        for (size_t r = 0; r < p->rounds; r++) {
            size_t next = 0, len;
            while ((len = fill(p, p->buf[0], &next)) > 0)
                p->compressed += codec_compress(&c, p->buf[0], len, out, outcap);
        }
        free(out);
        codec_close(&c);
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
    printf("pipeline (fill record by record + igzip level 2, the sink default; --batch %zu):\n",
           batch);
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
    /* igzip has levels 0..3; libdeflate and zlib 1..9 (libdeflate goes on to 12). */
    static const struct {
        enum lib lib;
        int level;
    } runs[] = {{IGZIP, 0},      {IGZIP, 1},      {IGZIP, 2},      {IGZIP, 3},
                {LIBDEFLATE, 1}, {LIBDEFLATE, 3}, {LIBDEFLATE, 6}, {LIBDEFLATE, 9},
                {ZLIB, 1},       {ZLIB, 3},       {ZLIB, 6},       {ZLIB, 9}};
    for (size_t ri = 0; ri < sizeof(runs) / sizeof(runs[0]); ri++) {
        struct codec c;
        if (!codec_open(&c, runs[ri].lib, runs[ri].level))
            return 1;
        size_t comp = 0;
        double t0 = now_s();
        for (size_t r = 0; r < rounds; r++) {
            comp = 0;
            for (size_t i = 0; i < nb; i++) {
                size_t got = codec_compress(&c, b[i].data, b[i].len, out, outcap);
                if (got == 0) {
                    fprintf(stderr, "%s level %d failed\n", lib_names[c.lib], c.level);
                    return 1;
                }
                comp += got;
            }
        }
        double dt = (now_s() - t0) / (double)rounds;
        printf("%-10s level %d %10.1f %8.2f %12.3f\n", lib_names[c.lib], c.level,
               (double)total / 1e6 / dt, (double)total / (double)comp, dt * 1e6 / (double)records);
        codec_close(&c);
    }
    free(out);
    pipeline(path, batch, rounds);
    return 0;
}
