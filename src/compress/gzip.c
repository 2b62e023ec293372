/* Whole-batch gzip with libdeflate; see gzip.h. */
#include "compress/gzip.h"
#include "util/buf.h"

#include <libdeflate.h>
#include <stdlib.h>

struct ls_gzip {
    struct libdeflate_compressor *c;
};

struct ls_gzip *ls_gzip_create(int level)
{
    struct ls_gzip *z = calloc(1, sizeof(*z));
    if (!z)
        return NULL;
    z->c = libdeflate_alloc_compressor(level);
    if (!z->c) {
        free(z);
        return NULL;
    }
    return z;
}

void ls_gzip_destroy(struct ls_gzip *z)
{
    if (!z)
        return;
    libdeflate_free_compressor(z->c);
    free(z);
}

int ls_gzip_compress(struct ls_gzip *z, const void *in, size_t n, struct ls_buf *out)
{
    size_t bound = libdeflate_gzip_compress_bound(z->c, n);
    ls_buf_reset(out);
    if (ls_buf_reserve(out, bound) != 0)
        return -1;
    size_t got = libdeflate_gzip_compress(z->c, in, n, out->data, bound);
    if (got == 0)
        return -1;
    out->len = got;
    out->data[got] = '\0';
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
