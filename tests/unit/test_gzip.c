/*
 * compress/gzip: every level's output is one valid gzip member of exactly the input (the
 * decoder checks CRC-32 and length), on text, on bytes that do not compress, and on nothing;
 * and a compressor stays right when reused, as a sink worker reuses it for every batch.
 */
#include "compress/gzip.h"
#include "util/buf.h"
#include "test.h"

#include <stdint.h>

static const int levels[] = {1, 2, 6, 12};

/* The sample Fly records, repeated to `want` bytes: log text as logship ships it. */
static char *fixture_text(size_t want)
{
    FILE *f = fopen(LS_FIXTURES_DIR "/fly-logs.ndjson", "rb");
    if (!f)
        return NULL;
    char *all = malloc(want);
    size_t have = 0;
    while (all && have < want) {
        size_t got = fread(all + have, 1, want - have, f);
        if (got == 0 && have == 0)
            break; /* an empty file: nothing to repeat */
        if (got == 0)
            rewind(f);
        have += got;
    }
    fclose(f);
    if (all && have < want) {
        free(all);
        return NULL;
    }
    return all;
}

/* xorshift: bytes deflate cannot shrink, so the compressor must fall back to stored blocks. */
static void fill_random(unsigned char *p, size_t n)
{
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)x;
    }
}

/* 1 when z turns in[0..n) into a member that decompresses to exactly in[0..n). */
static int round_trips(struct ls_gzip *z, const void *in, size_t n, size_t *wire_len)
{
    struct ls_buf wire, back;
    ls_buf_init(&wire, 0);
    ls_buf_init(&back, 0);
    int ok = ls_gzip_compress(z, in, n, &wire) == 0 &&
             ls_gzip_decompress(wire.data, wire.len, &back, 0) == 0 && back.len == n &&
             (n == 0 || memcmp(back.data, in, n) == 0);
    if (wire_len)
        *wire_len = wire.len;
    ls_buf_free(&wire);
    ls_buf_free(&back);
    return ok;
}

LS_TEST(test_gzip_every_level_round_trips_log_text)
{
    size_t n = 1000000;
    char *text = fixture_text(n);
    CHECK(text != NULL);
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        struct ls_gzip *z = ls_gzip_create(levels[i]);
        CHECK(z != NULL);
        size_t wire = 0;
        int ok = round_trips(z, text, n, &wire);
        ls_gzip_destroy(z);
        if (!ok)
            fprintf(stderr, "level %d\n", levels[i]);
        CHECK(ok);
        CHECK(wire < n / 8); /* the fixtures compress ~17x even at level 1 */
    }
    free(text);
}

LS_TEST(test_gzip_incompressible_bytes_fit_the_bound)
{
    /* Sizes around igzip's 64 KiB stored-block limit, and a 1 MB batch. */
    static const size_t sizes[] = {1, 65535, 65536, 65537, 1000000};
    unsigned char *noise = malloc(1000000);
    CHECK(noise != NULL);
    fill_random(noise, 1000000);
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        struct ls_gzip *z = ls_gzip_create(levels[i]);
        CHECK(z != NULL);
        for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
            int ok = round_trips(z, noise, sizes[k], NULL);
            if (!ok)
                fprintf(stderr, "level %d, %zu bytes\n", levels[i], sizes[k]);
            CHECK(ok);
        }
        ls_gzip_destroy(z);
    }
    free(noise);
}

LS_TEST(test_gzip_empty_input_is_a_valid_member)
{
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        struct ls_gzip *z = ls_gzip_create(levels[i]);
        CHECK(z != NULL);
        size_t wire = 0;
        int ok = round_trips(z, "", 0, &wire);
        ls_gzip_destroy(z);
        CHECK(ok);
        CHECK(wire >= 18); /* 10-byte header, an empty block, 8-byte trailer */
    }
}

LS_TEST(test_gzip_reused_compressor_keeps_no_state_between_batches)
{
    /* A batch of text, then noise, then the same text: each member stands alone, and the
       third is byte-for-byte the first (nothing carried over from the batches before). */
    size_t n = 200000;
    char *text = fixture_text(n);
    unsigned char *noise = malloc(n);
    CHECK(text != NULL && noise != NULL);
    fill_random(noise, n);
    struct ls_gzip *z = ls_gzip_create(1);
    CHECK(z != NULL);
    struct ls_buf first, again;
    ls_buf_init(&first, 0);
    ls_buf_init(&again, 0);
    CHECK_INT(ls_gzip_compress(z, text, n, &first), 0);
    CHECK(round_trips(z, noise, n, NULL));
    CHECK_INT(ls_gzip_compress(z, text, n, &again), 0);
    CHECK_INT(again.len, first.len);
    CHECK(memcmp(again.data, first.data, first.len) == 0);
    CHECK(round_trips(z, text, n, NULL));
    ls_buf_free(&first);
    ls_buf_free(&again);
    ls_gzip_destroy(z);
    free(text);
    free(noise);
}

LS_TEST_MAIN(LS_CASE(test_gzip_every_level_round_trips_log_text),
             LS_CASE(test_gzip_incompressible_bytes_fit_the_bound),
             LS_CASE(test_gzip_empty_input_is_a_valid_member),
             LS_CASE(test_gzip_reused_compressor_keeps_no_state_between_batches))
