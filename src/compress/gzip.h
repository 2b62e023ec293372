/*
 * gzip of a whole batch: level 1 with ISA-L's igzip, 2..12 with libdeflate (gzip.c has the
 * numbers). One compressor per sink worker; not thread-safe. Leaf code.
 */
#ifndef LS_GZIP_H
#define LS_GZIP_H

#include <stddef.h>

struct ls_buf;
struct ls_gzip;

/* level 1 (igzip) or 2..12 (libdeflate); NULL on out-of-memory. */
struct ls_gzip *ls_gzip_create(int level);
void ls_gzip_destroy(struct ls_gzip *z);
/* Replaces out's content with the gzip member of in[0..n). Returns 0 or -1. */
int ls_gzip_compress(struct ls_gzip *z, const void *in, size_t n, struct ls_buf *out);
/* Decompresses a gzip member (tests, dead-letter tools). Returns 0 or -1. */
int ls_gzip_decompress(const void *in, size_t n, struct ls_buf *out, size_t max_out);

#endif
