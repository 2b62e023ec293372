/*
 * For src/buffer/segment.c and segment_recover.c only; the rest of the program includes
 * segment.h. segment.c runs the store in steady operation (append, read, ack, sync, the ack
 * log's rewrite); segment_recover.c opens it: lists, scans and checks what an earlier process
 * left on disk and rebuilds the in-memory index from it. This header holds what both need:
 * the on-disk format, the store's structs and the index helpers recovery calls.
 *
 * On disk, in the store's directory:
 *   <16 hex digits>.seg  append-only blocks; the name is the first sequence number in it
 *   ack.log              a header, then fixed-size entries "records [seq, seq+n) delivered"
 *   lock                 flock'ed while a process holds the store
 * Every block carries a magic, a header checksum and a payload checksum (zlib crc32), so a
 * reader can trust a length before using it and find the next block after damage. In memory
 * each segment keeps a block index (32 bytes per block) and one bit per record (acked, or lost
 * to corruption); the ack log is rewritten from those bits at open and when it grows, so its
 * size follows the live fragmentation, not the history.
 */
#ifndef LS_SEGMENT_INT_H
#define LS_SEGMENT_INT_H

#include "buffer/segment.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define HDR             32 /* block header */
#define REC_HDR         12 /* per record: i64 time, u32 length */
#define ACK_HDR         24 /* ack log header: magic[8], u64 seq floor, u32 reserved, u32 crc */
#define ACK_ENT         16 /* ack entry: u64 seq, u32 n, u32 crc */
#define SEQ_LIMIT       (1ull << 62) /* sequence numbers above this are garbage */
#define ACK_COMPACT_MIN (1u << 20)
#define ACK_NAME        "ack.log"
#define ACK_TMP         "ack.tmp"

static const unsigned char MAGIC[4] = {'L', 'S', 'B', '1'};
static const unsigned char ACK_MAGIC[8] = {'L', 'S', 'A', 'C', 'K', '1', 0, 0};

struct blk {
    uint64_t seq;
    uint64_t off; /* of the header in the file */
    int64_t min_ns;
    uint64_t bit; /* index of the first record's bit in the segment's bitmap */
    uint32_t count;
    uint32_t len; /* payload bytes */
};

struct seg {
    uint64_t base; /* from the file name */
    uint64_t end;  /* seq after the last block */
    uint64_t size; /* bytes in the file */
    struct blk *blk;
    size_t nblk, cblk;
    uint64_t *bits; /* one per record, in block order: 1 = acked or lost */
    size_t cwords;
    uint64_t nrec;
    uint64_t live;      /* zero bits */
    uint64_t scan_from; /* no zero bit below this index (bits only ever go 0 -> 1) */
};

struct ls_segment_store {
    char *dir;
    int dirfd, lockfd, ackfd;
    struct ls_segment_options o;
    struct seg **segs; /* sorted by base */
    size_t nsegs, csegs;
    struct seg *active; /* the last segment, open for appends, or NULL */
    int activefd;
    int readfd; /* cached for reading a sealed segment */
    uint64_t readbase;
    uint64_t next_seq;
    uint64_t disk_bytes, live;
    uint64_t ack_size, ack_compact_at;
    bool data_dirty, ack_dirty, dir_dirty, in_read;
    int64_t dirty_since_ms;
    unsigned char *wbuf, *rbuf;
    size_t wcap, rcap;
    uint64_t rbuf_base, rbuf_off; /* the block rbuf holds (checked), when rbuf_ok */
    bool rbuf_ok;
    uint64_t corrupt_blocks, corrupt_bytes;
    char errbuf[320];
    _Atomic uint64_t st_records, st_bytes, st_segments, st_corrupt_blocks, st_corrupt_bytes;
    _Atomic int64_t st_oldest;
};

/* ---- byte order and checksums (little-endian on disk, whatever the host) ---- */

static inline void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t get32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint32_t crc(const void *p, size_t n)
{
    return (uint32_t)crc32_z(crc32_z(0L, Z_NULL, 0), p, n);
}

/* ---- shared by segment.c and segment_recover.c ---- */

/* segment.c: naming and reading segment files. */
void ls_seg_file_name(char *out, size_t n, uint64_t base);
int ls_seg_read_all(int fd, void *p, size_t n, uint64_t off);

/* segment.c: the in-memory index that appends extend and recovery rebuilds (each function's
   comment is at its definition). */
int ls_seg_reserve(struct seg *g, uint64_t more);
void ls_seg_add_block(struct seg *g, uint64_t seq, uint64_t off, int64_t min_ns, uint32_t count,
                      uint32_t len);
int ls_seg_push(struct ls_segment_store *s, struct seg *g); /* appends g to s->segs */
uint64_t ls_seg_mark_done(struct ls_segment_store *s, uint64_t from, uint64_t to);
void ls_seg_drop_done(struct ls_segment_store *s);
void ls_seg_publish_stats(struct ls_segment_store *s); /* for ls_segment_stats' readers */
int ls_seg_ack_compact(struct ls_segment_store *s);    /* rewrites the ack log from the bits */

/* segment_recover.c: the checks a block passes at open, repeated when it is read back. */
bool ls_seg_header_ok(const unsigned char *h);
int ls_seg_check_records(const unsigned char *p, uint32_t len, uint32_t count, int64_t *min);

#endif
