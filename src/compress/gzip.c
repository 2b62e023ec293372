/*
 * Whole-batch gzip; see gzip.h. Level 1, the default, is ISA-L's igzip (its level 2); levels
 * 2..12 are libdeflate's. Measured on 1 MB batches of the bench records (bench/compress_bench):
 * igzip 823 MB/s at ratio 4.84 against libdeflate level 1's 338 MB/s at 5.09, so the fastest
 * level is 2.4x faster for 5% more bytes. Compression was a third of logship's CPU at a steady
 * 50 k records/s (issue: performance); whoever wants the smaller body sets a higher level.
 */
#include "compress/gzip.h"
#include "util/buf.h"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdint.h>
#include <stdlib.h>

/* igzip's level 2: as fast as its level 1 here and a little smaller (bench/compress_bench). */
#define IGZIP_LEVEL     2
#define IGZIP_LEVEL_BUF ISAL_DEF_LVL2_DEFAULT

struct ls_gzip {
    struct libdeflate_compressor *c; /* levels 2..12 */
    struct isal_zstream *zs;         /* level 1: its state (82 KB) and level buffer (330 KB) */
    uint8_t *level_buf;
};

struct ls_gzip *ls_gzip_create(int level)
{
    struct ls_gzip *z = calloc(1, sizeof(*z));
    if (!z)
        return NULL;
    if (level <= 1) {
        z->zs = malloc(sizeof(*z->zs));
        z->level_buf = malloc(IGZIP_LEVEL_BUF);
    } else {
        z->c = libdeflate_alloc_compressor(level);
    }
    if (!z->c && (!z->zs || !z->level_buf)) {
        ls_gzip_destroy(z);
        return NULL;
    }
    return z;
}

void ls_gzip_destroy(struct ls_gzip *z)
{
    if (!z)
        return;
    if (z->c)
        libdeflate_free_compressor(z->c);
    free(z->zs);
    free(z->level_buf);
    free(z);
}

/* igzip's stateless output is at most the input in stored blocks (5 bytes each per 64 KiB)
   plus the gzip header and trailer (igzip_lib.h); the rest is margin. */
static size_t igzip_bound(size_t n)
{
    return n + (n / 65535 + 1) * 5 + ISAL_DEF_MAX_HDR_SIZE + 64;
}

static int igzip_compress(struct ls_gzip *z, const void *in, size_t n, struct ls_buf *out)
{
    if (n > UINT32_MAX)
        return -1;
    size_t bound = igzip_bound(n);
    if (ls_buf_reserve(out, bound) != 0)
        return -1;
    struct isal_zstream *s = z->zs;
    isal_deflate_stateless_init(s);
    s->level = IGZIP_LEVEL;
    s->level_buf = z->level_buf;
    s->level_buf_size = IGZIP_LEVEL_BUF;
    s->gzip_flag = IGZIP_GZIP;
    s->flush = NO_FLUSH;
    s->end_of_stream = 1;
    s->next_in = (uint8_t *)in;
    s->avail_in = (uint32_t)n;
    s->next_out = (uint8_t *)out->data;
    s->avail_out = (uint32_t)(bound > UINT32_MAX ? UINT32_MAX : bound);
    if (isal_deflate_stateless(s) != COMP_OK)
        return -1;
    out->len = s->total_out;
    return 0;
}

static int libdeflate_compress(struct ls_gzip *z, const void *in, size_t n, struct ls_buf *out)
{
    size_t bound = libdeflate_gzip_compress_bound(z->c, n);
    if (ls_buf_reserve(out, bound) != 0)
        return -1;
    size_t got = libdeflate_gzip_compress(z->c, in, n, out->data, bound);
    if (got == 0)
        return -1;
    out->len = got;
    return 0;
}

int ls_gzip_compress(struct ls_gzip *z, const void *in, size_t n, struct ls_buf *out)
{
    ls_buf_reset(out);
    int rc = z->c ? libdeflate_compress(z, in, n, out) : igzip_compress(z, in, n, out);
    if (rc != 0) {
        ls_buf_reset(out);
        return -1;
    }
    out->data[out->len] = '\0';
    return 0;
}

int ls_gzip_decompress(const void *in, size_t n, struct ls_buf *out, size_t max_out)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return -1;
    size_t guess = n * 4 + 1024;
    int rc = -1;
    for (;;) {
        if (max_out && guess > max_out)
            guess = max_out;
        ls_buf_reset(out);
        if (ls_buf_reserve(out, guess) != 0)
            break;
        size_t actual = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress(d, in, n, out->data, guess, &actual);
        if (r == LIBDEFLATE_SUCCESS) {
            out->len = actual;
            out->data[actual] = '\0';
            rc = 0;
            break;
        }
        if (r != LIBDEFLATE_INSUFFICIENT_SPACE || (max_out && guess >= max_out))
            break;
        guess *= 2;
    }
    libdeflate_free_decompressor(d);
    return rc;
}
