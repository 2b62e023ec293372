/*
 * libFuzzer target over the disk-segment reader (buffer/segment). The input becomes the files
 * of a store directory: its first two bytes (little-endian) give the length of an ack log that
 * follows, the rest is a segment file. With the length's top bit set, every checksum in both
 * files is first made valid (so that mutations reach the checks behind the checksums: sequence
 * order, counts, record lengths). The store is opened on them and everything it recovers
 * is read back; checked: no crash, no loop, records come in strictly increasing sequence
 * order and their number is what recovery reported; once every record is acked and one new
 * record appended, a restart finds exactly that one record and no damage.
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -fsanitize=fuzzer,address,undefined -Isrc
 *        tests/fuzz/fuzz_segment.c src/buffer/segment.c src/buffer/segment_recover.c -lz
 * Seeds: tests/fuzz/corpus/segment/ (the store directory lives under $TMPDIR)
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "buffer/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[512];

struct seen {
    uint64_t last, n;
    uint64_t *seqs;
    size_t cap;
};

static int on_record(void *ctx, uint64_t seq, const struct ls_segment_record *r)
{
    struct seen *v = ctx;
    if ((v->n > 0 && seq <= v->last) || (r->len > 0 && r->data == NULL))
        __builtin_trap();
    if (v->n == v->cap) {
        size_t c = v->cap ? v->cap * 2 : 64;
        uint64_t *p = realloc(v->seqs, c * sizeof(*p));
        if (!p)
            return 1;
        v->seqs = p;
        v->cap = c;
    }
    v->seqs[v->n++] = seq;
    v->last = seq;
    return 0;
}

static void clean(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
}

static uint32_t crc(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), p, n);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recomputes the checksums the format has (see docs/buffer.md for the layout). */
static void fix_checksums(uint8_t *ack, size_t an, uint8_t *seg, size_t sn)
{
    if (an >= 24)
        put32(ack + 20, crc(ack, 20));
    for (size_t o = 24; o + 16 <= an; o += 16)
        put32(ack + o + 12, crc(ack + o, 12));
    for (size_t o = 0; o + 32 <= sn; o++) {
        if (memcmp(seg + o, "LSB1", 4) != 0)
            continue;
        uint32_t len = (uint32_t)seg[o + 20] | (uint32_t)seg[o + 21] << 8 |
                       (uint32_t)seg[o + 22] << 16 | (uint32_t)seg[o + 23] << 24;
        if (len <= sn - o - 32)
            put32(seg + o + 24, crc(seg + o + 32, len));
        put32(seg + o + 28, crc(seg + o, 28));
    }
}

static int put(const char *name, const uint8_t *p, size_t n)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = n ? fwrite(p, 1, n, f) : 0;
    return fclose(f) == 0 && w == n ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        const char *t = getenv("TMPDIR");
        snprintf(dir, sizeof(dir), "%s/ls-fuzz-segment-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(dir))
            abort();
    }
    clean();
    size_t ack_len = 0;
    uint8_t *copy = NULL;
    if (size >= 2) {
        ack_len = (size_t)data[0] | (size_t)(data[1] & 0x7f) << 8;
        bool fix = data[1] & 0x80;
        data += 2;
        size -= 2;
        if (ack_len > size)
            ack_len = size;
        if (fix && size) {
            if (!(copy = malloc(size)))
                return 0;
            memcpy(copy, data, size);
            fix_checksums(copy, ack_len, copy + ack_len, size - ack_len);
            data = copy;
        }
        if (ack_len && put("ack.log", data, ack_len) != 0)
            abort();
    }
    if (put("0000000000000001.seg", data + ack_len, size - ack_len) != 0)
        abort();
    free(copy);

    struct ls_segment_options o;
    ls_segment_options_init(&o);
    o.fsync = LS_SEGMENT_FSYNC_NEVER;
    o.segment_bytes = 1 << 20;
    struct ls_segment_store *s = NULL;
    struct ls_segment_recovery rec;
    char err[256];
    if (ls_segment_open(dir, &o, &s, &rec, err, sizeof(err)) != 0)
        return 0; /* out of memory indexing: a clear error is fine */
    struct seen v = {0, 0, NULL, 0};
    uint64_t from = 0;
    size_t rounds = 0;
    while (ls_segment_read(s, from, on_record, &v, 97) > 0) {
        from = v.last + 1;
        if (++rounds > size + 2) /* more rounds than bytes: it must be looping */
            __builtin_trap();
    }
    if (v.n != rec.records)
        __builtin_trap();
    struct ls_segment_stats st;
    ls_segment_stats(s, &st);
    if (st.records != rec.records)
        __builtin_trap();
    /* Ack in reverse, one by one, then add a record: only that one may survive a restart. */
    for (size_t i = v.n; i-- > 0;)
        ls_segment_ack(s, v.seqs[i], 1);
    ls_segment_stats(s, &st);
    if (st.records != 0 || st.oldest_ns != 0)
        __builtin_trap();
    struct ls_segment_record r = {"x", 1, 42};
    uint64_t seq = 0;
    if (ls_segment_append(s, &r, 1, &seq) != 0)
        __builtin_trap();
    ls_segment_close(s);
    s = NULL;
    if (ls_segment_open(dir, &o, &s, &rec, err, sizeof(err)) != 0)
        __builtin_trap();
    if (rec.records != 1 || rec.corrupt_blocks != 0)
        __builtin_trap();
    ls_segment_close(s);
    free(v.seqs);
    return 0;
}
