/*
 * Compression alone, on the batches logship really sends: reads an NDJSON file of records,
 * cuts it into JSON-array batches of --batch bytes (default 1,000,000; the http default
 * batch is 10,000,000), and compresses every batch with libdeflate and zlib at the given
 * levels. Prints input MB/s (single thread), the ratio, and µs per record, so the default
 * level and library are chosen by numbers (issue: performance). Not a test.
 *
 *   compress_bench [--batch BYTES] [--rounds N] FILE
 */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    return 0;
}
