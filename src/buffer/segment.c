/*
 * The disk segment store behind a sink's durable buffer in steady operation (see segment.h,
 * docs/buffer.md): appending blocks, reading un-acknowledged records back, acknowledging them
 * in the ack log and deleting delivered segment files, and syncing by policy. The on-disk
 * format and the structs are in segment_int.h; opening a store and recovering what is on disk
 * is segment_recover.c.
 */
#include "buffer/segment_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- little helpers ---- */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int seterr(struct ls_segment_store *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int seterr(struct ls_segment_store *s, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->errbuf, sizeof(s->errbuf), fmt, ap);
    va_end(ap);
    return rc;
}

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 4096;
    while (c < need)
        c *= 2;
    unsigned char *p = realloc(*buf, c);
    if (!p)
        return -1;
    *buf = p;
    *cap = c;
    return 0;
}

void ls_seg_file_name(char *out, size_t n, uint64_t base)
{
    snprintf(out, n, "%016llx.seg", (unsigned long long)base);
}

static int write_all(int fd, const void *p, size_t n, uint64_t off)
{
    const unsigned char *c = p;
    while (n > 0) {
        ssize_t w = pwrite(fd, c, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return -1;
        }
        c += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

int ls_seg_read_all(int fd, void *p, size_t n, uint64_t off)
{
    unsigned char *c = p;
    while (n > 0) {
        ssize_t r = pread(fd, c, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO; /* the file is shorter than its index says */
            return -1;
        }
        c += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* ---- per-segment state ---- */

static void seg_free(struct seg *g)
{
    if (!g)
        return;
    free(g->blk);
    free(g->bits);
    free(g);
}

static bool bit(const struct seg *g, uint64_t i)
{
    return (g->bits[i / 64] >> (i % 64)) & 1;
}

/* Makes room for `more` records in one more block, so that ls_seg_add_block cannot fail. */
int ls_seg_reserve(struct seg *g, uint64_t more)
{
    if (g->nblk == g->cblk) {
        size_t c = g->cblk ? g->cblk * 2 : 16;
        struct blk *b = realloc(g->blk, c * sizeof(*b));
        if (!b)
            return -1;
        g->blk = b;
        g->cblk = c;
    }
    size_t words = (size_t)((g->nrec + more + 63) / 64);
    if (words > g->cwords) {
        size_t c = g->cwords ? g->cwords : 16;
        while (c < words)
            c *= 2;
        uint64_t *w = realloc(g->bits, c * sizeof(*w));
        if (!w)
            return -1;
        memset(w + g->cwords, 0, (c - g->cwords) * sizeof(*w));
        g->bits = w;
        g->cwords = c;
    }
    return 0;
}

/* Sets bits [i, j); returns how many were 0. */
static uint64_t set_bits(struct seg *g, uint64_t i, uint64_t j)
{
    uint64_t newly = 0;
    while (i < j) {
        uint64_t *w = &g->bits[i / 64];
        if (i % 64 == 0 && j - i >= 64) {
            newly += 64 - (uint64_t)__builtin_popcountll(*w);
            *w = ~0ull;
            i += 64;
            continue;
        }
        uint64_t m = 1ull << (i % 64);
        if (!(*w & m)) {
            *w |= m;
            newly++;
        }
        i++;
    }
    g->live -= newly;
    return newly;
}

/* Index of the block holding seq, or of the first block after it (nblk when none). */
static size_t seg_find(const struct seg *g, uint64_t seq)
{
    size_t lo = 0, hi = g->nblk;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->blk[mid].seq + g->blk[mid].count <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Marks the records of seqs [from, to) done; returns how many were live. */
static uint64_t seg_set(struct seg *g, uint64_t from, uint64_t to)
{
    uint64_t newly = 0;
    for (size_t b = seg_find(g, from); b < g->nblk && g->blk[b].seq < to; b++) {
        const struct blk *k = &g->blk[b];
        uint64_t lo = from > k->seq ? from : k->seq;
        uint64_t hi = to < k->seq + k->count ? to : k->seq + k->count;
        newly += set_bits(g, k->bit + (lo - k->seq), k->bit + (hi - k->seq));
    }
    return newly;
}

/* True when every record of seqs [lo, hi) inside block k is done. */
static bool blk_done(const struct seg *g, const struct blk *k, uint64_t lo, uint64_t hi)
{
    for (uint64_t q = lo; q < hi; q++)
        if (!bit(g, k->bit + (q - k->seq)))
            return false;
    return true;
}

/* Adds a block after ls_seg_reserve. Seqs skipped since the previous block hold no records. */
void ls_seg_add_block(struct seg *g, uint64_t seq, uint64_t off, int64_t min_ns, uint32_t count,
                      uint32_t len)
{
    g->blk[g->nblk++] = (struct blk){seq, off, min_ns, g->nrec, count, len};
    g->nrec += count;
    g->live += count;
    g->end = seq + count;
}

/* The block holding the first live record (the segment must have live > 0). */
static size_t seg_first_live(struct seg *g)
{
    uint64_t i = g->scan_from;
    while (i < g->nrec) {
        uint64_t w = g->bits[i / 64] | ((1ull << (i % 64)) - 1);
        if (w == ~0ull) {
            i = (i / 64 + 1) * 64;
            continue;
        }
        i = (i / 64) * 64 + (uint64_t)__builtin_ctzll(~w);
        break;
    }
    g->scan_from = i;
    size_t lo = 0, hi = g->nblk;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->blk[mid].bit + g->blk[mid].count <= i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- store-level state ---- */

void ls_seg_publish_stats(struct ls_segment_store *s)
{
    int64_t oldest = 0;
    for (size_t i = 0; i < s->nsegs; i++) {
        struct seg *g = s->segs[i];
        if (g->live == 0)
            continue;
        size_t b = seg_first_live(g);
        if (b < g->nblk)
            oldest = g->blk[b].min_ns;
        break;
    }
    atomic_store_explicit(&s->st_records, s->live, memory_order_relaxed);
    atomic_store_explicit(&s->st_bytes, s->disk_bytes, memory_order_relaxed);
    atomic_store_explicit(&s->st_segments, (uint64_t)s->nsegs, memory_order_relaxed);
    atomic_store_explicit(&s->st_oldest, oldest, memory_order_relaxed);
    atomic_store_explicit(&s->st_corrupt_blocks, s->corrupt_blocks, memory_order_relaxed);
    atomic_store_explicit(&s->st_corrupt_bytes, s->corrupt_bytes, memory_order_relaxed);
}

/* Index of the last segment with base <= seq, or nsegs when there is none. */
static size_t seg_at(const struct ls_segment_store *s, uint64_t seq)
{
    size_t lo = 0, hi = s->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->segs[mid]->base <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? s->nsegs : lo - 1;
}

/* Marks [from, to) done across segments; returns how many records that released. */
uint64_t ls_seg_mark_done(struct ls_segment_store *s, uint64_t from, uint64_t to)
{
    size_t i = seg_at(s, from);
    if (i == s->nsegs)
        i = 0;
    uint64_t newly = 0;
    for (; i < s->nsegs && s->segs[i]->base < to; i++)
        if (s->segs[i]->end > from)
            newly += seg_set(s->segs[i], from, to);
    s->live -= newly;
    return newly;
}

static void dirty(struct ls_segment_store *s, bool *flag)
{
    if (!s->data_dirty && !s->ack_dirty && !s->dir_dirty)
        s->dirty_since_ms = mono_ms();
    *flag = true;
}

static int sync_all(struct ls_segment_store *s)
{
    int rc = 0;
    if (s->data_dirty && s->activefd >= 0 && fdatasync(s->activefd) != 0)
        rc = seterr(s, LS_SEGMENT_ERROR, "fdatasync of a buffer segment in %s: %s", s->dir,
                    strerror(errno));
    if (s->ack_dirty && s->ackfd >= 0 && fdatasync(s->ackfd) != 0)
        rc = seterr(s, LS_SEGMENT_ERROR, "fdatasync of %s/%s: %s", s->dir, ACK_NAME,
                    strerror(errno));
    if (s->dir_dirty && fsync(s->dirfd) != 0)
        rc = seterr(s, LS_SEGMENT_ERROR, "fsync of directory %s: %s", s->dir, strerror(errno));
    s->data_dirty = s->ack_dirty = s->dir_dirty = false;
    return rc;
}

static void maybe_sync(struct ls_segment_store *s)
{
    if (s->o.fsync != LS_SEGMENT_FSYNC_INTERVAL)
        return;
    if ((s->data_dirty || s->ack_dirty || s->dir_dirty) &&
        mono_ms() - s->dirty_since_ms >= (int64_t)s->o.interval_ms)
        sync_all(s);
}

/* Deletes segment i from disk and memory. 0, or -1 when unlink failed (it is kept). */
static int drop(struct ls_segment_store *s, size_t i)
{
    struct seg *g = s->segs[i];
    char name[32];
    ls_seg_file_name(name, sizeof(name), g->base);
    if (unlinkat(s->dirfd, name, 0) != 0 && errno != ENOENT)
        return seterr(s, LS_SEGMENT_ERROR, "cannot delete %s/%s: %s", s->dir, name,
                      strerror(errno));
    if (s->o.fsync != LS_SEGMENT_FSYNC_NEVER)
        dirty(s, &s->dir_dirty);
    if (s->readfd >= 0 && s->readbase == g->base) {
        close(s->readfd);
        s->readfd = -1;
    }
    if (s->rbuf_ok && s->rbuf_base == g->base)
        s->rbuf_ok = false;
    if (g == s->active) {
        close(s->activefd);
        s->activefd = -1;
        s->active = NULL;
    }
    s->disk_bytes -= g->size;
    s->live -= g->live;
    seg_free(g);
    memmove(&s->segs[i], &s->segs[i + 1], (s->nsegs - i - 1) * sizeof(*s->segs));
    s->nsegs--;
    return 0;
}

/* Deletes every fully delivered segment that is not being appended to. */
void ls_seg_drop_done(struct ls_segment_store *s)
{
    for (size_t i = 0; i < s->nsegs;) {
        struct seg *g = s->segs[i];
        if (g->live == 0 && g != s->active && drop(s, i) == 0)
            continue;
        i++;
    }
}

/* Stops appending to the active segment (it is full or broken). */
static void seal(struct ls_segment_store *s)
{
    if (!s->active)
        return;
    if (s->data_dirty && s->o.fsync != LS_SEGMENT_FSYNC_NEVER)
        fdatasync(s->activefd); /* its blocks are in the index already; a failure shows at open */
    s->data_dirty = false;
    close(s->activefd);
    s->activefd = -1;
    s->active = NULL;
    ls_seg_drop_done(s);
}

int ls_seg_push(struct ls_segment_store *s, struct seg *g)
{
    if (s->nsegs == s->csegs) {
        size_t c = s->csegs ? s->csegs * 2 : 16;
        struct seg **v = realloc(s->segs, c * sizeof(*v));
        if (!v)
            return -1;
        s->segs = v;
        s->csegs = c;
    }
    s->segs[s->nsegs++] = g;
    return 0;
}

/* ---- the ack log ---- */

static void ack_entry(unsigned char *e, uint64_t seq, uint32_t n)
{
    put64(e, seq);
    put32(e + 8, n);
    put32(e + 12, crc(e, 12));
}

#define ACK_CHUNK (ACK_ENT * 256)

/* Adds an entry to the compaction buffer, writing the buffer out when it is full. */
static int put_entry(int fd, unsigned char *chunk, size_t *used, uint64_t *off, uint64_t seq,
                     uint64_t n)
{
    if (*used + ACK_ENT > ACK_CHUNK) {
        if (write_all(fd, chunk, *used, *off) != 0)
            return -1;
        *off += *used;
        *used = 0;
    }
    ack_entry(chunk + *used, seq, (uint32_t)n);
    *used += ACK_ENT;
    return 0;
}

/*
 * Rewrites the ack log from the bits: a header, then one entry per run of done records in the
 * live segments. Written beside and renamed over, so a crash leaves the old log or the new.
 */
int ls_seg_ack_compact(struct ls_segment_store *s)
{
    int fd = openat(s->dirfd, ACK_TMP, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return seterr(s, LS_SEGMENT_ERROR, "cannot create %s/%s: %s", s->dir, ACK_TMP,
                      strerror(errno));
    unsigned char chunk[ACK_CHUNK];
    size_t used = ACK_HDR;
    uint64_t off = 0;
    memcpy(chunk, ACK_MAGIC, 8);
    put64(chunk + 8, s->next_seq);
    put32(chunk + 16, 0);
    put32(chunk + 20, crc(chunk, 20));
    int rc = 0;
    uint64_t rseq = 0, rn = 0; /* the run being built; it continues across blocks */
    for (size_t i = 0; i < s->nsegs && rc == 0; i++) {
        struct seg *g = s->segs[i];
        for (size_t bi = 0; bi < g->nblk && rc == 0; bi++) {
            const struct blk *k = &g->blk[bi];
            for (uint32_t j = 0; j < k->count && rc == 0; j++) {
                uint64_t q = k->seq + j;
                bool done = bit(g, k->bit + j);
                if (done && rn && rseq + rn == q && rn < UINT32_MAX) {
                    rn++;
                    continue;
                }
                if (rn)
                    rc = put_entry(fd, chunk, &used, &off, rseq, rn);
                rn = 0;
                if (done) {
                    rseq = q;
                    rn = 1;
                }
            }
        }
    }
    if (rn && rc == 0)
        rc = put_entry(fd, chunk, &used, &off, rseq, rn);
    if (rc == 0)
        rc = write_all(fd, chunk, used, off);
    off += used;
    if (rc == 0 && s->o.fsync != LS_SEGMENT_FSYNC_NEVER)
        rc = fdatasync(fd);
    if (rc == 0)
        rc = renameat(s->dirfd, ACK_TMP, s->dirfd, ACK_NAME);
    if (rc != 0) {
        int e = errno;
        close(fd);
        unlinkat(s->dirfd, ACK_TMP, 0);
        return seterr(s, LS_SEGMENT_ERROR, "cannot rewrite %s/%s: %s", s->dir, ACK_NAME,
                      strerror(e));
    }
    if (s->o.fsync == LS_SEGMENT_FSYNC_ALWAYS)
        fsync(s->dirfd);
    else if (s->o.fsync == LS_SEGMENT_FSYNC_INTERVAL)
        dirty(s, &s->dir_dirty);
    if (s->ackfd >= 0)
        close(s->ackfd);
    s->ackfd = fd;
    s->ack_size = off;
    s->ack_dirty = false;
    s->ack_compact_at = off * 2 > ACK_COMPACT_MIN ? off * 2 : ACK_COMPACT_MIN;
    return 0;
}

/* ---- public API ---- */

void ls_segment_options_init(struct ls_segment_options *o)
{
    memset(o, 0, sizeof(*o));
    o->max_bytes = LS_SEGMENT_DEFAULT_MAX_BYTES;
    o->segment_bytes = LS_SEGMENT_DEFAULT_SEGMENT_BYTES;
    o->fsync = LS_SEGMENT_FSYNC_INTERVAL;
    o->interval_ms = LS_SEGMENT_DEFAULT_INTERVAL_MS;
}

int ls_segment_fsync_parse(const char *text, struct ls_segment_options *o, char *err, size_t errlen)
{
    if (strcmp(text, "always") == 0) {
        o->fsync = LS_SEGMENT_FSYNC_ALWAYS;
        return 0;
    }
    if (strcmp(text, "never") == 0) {
        o->fsync = LS_SEGMENT_FSYNC_NEVER;
        return 0;
    }
    if (strncmp(text, "interval:", 9) == 0) {
        const char *v = text + 9;
        char *end;
        errno = 0;
        long ms = strtol(v, &end, 10);
        if (*v >= '0' && *v <= '9' && *end == '\0' && errno == 0 && ms >= 1 && ms <= 3600000) {
            o->fsync = LS_SEGMENT_FSYNC_INTERVAL;
            o->interval_ms = (uint32_t)ms;
            return 0;
        }
    }
    snprintf(
        err, errlen,
        "LOGSHIP_BUFFER_FSYNC must be always, never or interval:<ms> (1..3600000), got \"%.40s\"",
        text);
    return -1;
}

static int create_active(struct ls_segment_store *s)
{
    char name[32];
    ls_seg_file_name(name, sizeof(name), s->next_seq);
    struct seg *g = calloc(1, sizeof(*g));
    if (!g || ls_seg_push(s, g) != 0) {
        free(g);
        return seterr(s, LS_SEGMENT_ERROR, "out of memory");
    }
    s->nsegs--; /* pushed only to reserve the slot; added once the file exists */
    int fd = openat(s->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        free(g);
        return seterr(s, LS_SEGMENT_ERROR, "cannot create %s/%s: %s", s->dir, name,
                      strerror(errno));
    }
    g->base = g->end = s->next_seq;
    s->segs[s->nsegs++] = g;
    s->active = g;
    s->activefd = fd;
    if (s->o.fsync == LS_SEGMENT_FSYNC_ALWAYS)
        fsync(s->dirfd);
    else if (s->o.fsync == LS_SEGMENT_FSYNC_INTERVAL)
        dirty(s, &s->dir_dirty);
    return 0;
}

int ls_segment_append(struct ls_segment_store *s, const struct ls_segment_record *recs, size_t n,
                      uint64_t *first_seq)
{
    if (s->in_read)
        return seterr(s, LS_SEGMENT_ERROR, "append called from a read callback");
    if (n == 0)
        return seterr(s, LS_SEGMENT_ERROR, "append of no records");
    uint64_t plen = 0;
    for (size_t i = 0; i < n; i++) {
        if (recs[i].len > LS_SEGMENT_BLOCK_MAX)
            return seterr(s, LS_SEGMENT_TOO_BIG, "a record of %zu bytes exceeds a block",
                          recs[i].len);
        plen += REC_HDR + (uint64_t)recs[i].len;
    }
    uint64_t block = HDR + plen;
    if (block > s->o.segment_bytes || n > UINT32_MAX)
        return seterr(s, LS_SEGMENT_TOO_BIG, "a block of %llu bytes exceeds the segment size %llu",
                      (unsigned long long)block, (unsigned long long)s->o.segment_bytes);
    if (s->next_seq + n >= SEQ_LIMIT)
        return seterr(s, LS_SEGMENT_ERROR, "sequence numbers exhausted");
    if (s->active && s->active->size + block > s->o.segment_bytes)
        seal(s);
    if (s->disk_bytes + block > s->o.max_bytes)
        return seterr(s, LS_SEGMENT_FULL, "buffer full (%llu of %llu bytes)",
                      (unsigned long long)s->disk_bytes, (unsigned long long)s->o.max_bytes);
    if (!s->active && create_active(s) != 0)
        return LS_SEGMENT_ERROR;
    struct seg *g = s->active;
    if (grow(&s->wbuf, &s->wcap, (size_t)block) != 0 || ls_seg_reserve(g, n) != 0)
        return seterr(s, LS_SEGMENT_ERROR, "out of memory");

    unsigned char *p = s->wbuf + HDR;
    int64_t min = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        put64(p, (uint64_t)recs[i].time_ns);
        put32(p + 8, (uint32_t)recs[i].len);
        if (recs[i].len)
            memcpy(p + REC_HDR, recs[i].data, recs[i].len);
        p += REC_HDR + recs[i].len;
        min = recs[i].time_ns < min ? recs[i].time_ns : min;
    }
    unsigned char *h = s->wbuf;
    memcpy(h, MAGIC, 4);
    put32(h + 4, 0);
    put64(h + 8, s->next_seq);
    put32(h + 16, (uint32_t)n);
    put32(h + 20, (uint32_t)plen);
    put32(h + 24, crc(h + HDR, (size_t)plen));
    put32(h + 28, crc(h, 28));

    int e = 0;
    if (write_all(s->activefd, s->wbuf, (size_t)block, g->size) != 0)
        e = errno;
    else if (s->o.fsync == LS_SEGMENT_FSYNC_ALWAYS && fdatasync(s->activefd) != 0)
        e = errno;
    if (e) {
        /* Cut the partial block off, so the file stays clean for the next append. */
        if (ftruncate(s->activefd, (off_t)g->size) != 0) {
            struct stat st;
            if (fstat(s->activefd, &st) == 0 && (uint64_t)st.st_size > g->size) {
                s->disk_bytes += (uint64_t)st.st_size - g->size;
                g->size = (uint64_t)st.st_size;
            }
            seal(s);          /* the damaged tail is found by checksum at the next open */
            s->next_seq += n; /* they may be on disk: never reuse them */
        }
        return seterr(s, LS_SEGMENT_ERROR, "cannot write to buffer %s: %s", s->dir, strerror(e));
    }
    ls_seg_add_block(g, s->next_seq, g->size, min, (uint32_t)n, (uint32_t)plen);
    s->live += n;
    if (first_seq)
        *first_seq = s->next_seq;
    s->next_seq += n;
    g->size += block;
    s->disk_bytes += block;
    if (s->o.fsync == LS_SEGMENT_FSYNC_INTERVAL) {
        dirty(s, &s->data_dirty);
        maybe_sync(s);
    }
    ls_seg_publish_stats(s);
    return 0;
}

/* The fd to read segment g from, or -1. */
static int read_fd(struct ls_segment_store *s, const struct seg *g)
{
    if (g == s->active)
        return s->activefd;
    if (s->readfd >= 0 && s->readbase == g->base)
        return s->readfd;
    if (s->readfd >= 0)
        close(s->readfd);
    char name[32];
    ls_seg_file_name(name, sizeof(name), g->base);
    s->readfd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
    s->readbase = g->base;
    return s->readfd;
}

/* Re-reads and re-checks block b of g into rbuf; -1 when it is unreadable or damaged now. */
static int load_block(struct ls_segment_store *s, struct seg *g, const struct blk *b)
{
    /* A reader taking fewer records than a block holds comes back for the same block. */
    if (s->rbuf_ok && s->rbuf_base == g->base && s->rbuf_off == b->off)
        return 0;
    s->rbuf_ok = false;
    int fd = read_fd(s, g);
    size_t n = HDR + (size_t)b->len;
    if (fd < 0 || grow(&s->rbuf, &s->rcap, n) != 0 || ls_seg_read_all(fd, s->rbuf, n, b->off) != 0)
        return -1;
    const unsigned char *h = s->rbuf;
    int64_t min;
    if (!ls_seg_header_ok(h) || get64(h + 8) != b->seq || get32(h + 16) != b->count ||
        get32(h + 20) != b->len || get32(h + 24) != crc(h + HDR, b->len) ||
        ls_seg_check_records(h + HDR, b->len, b->count, &min) != 0)
        return -1;
    s->rbuf_ok = true;
    s->rbuf_base = g->base;
    s->rbuf_off = b->off;
    return 0;
}

size_t ls_segment_read(struct ls_segment_store *s, uint64_t from_seq, ls_segment_record_fn fn,
                       void *ctx, size_t max)
{
    if (s->in_read || max == 0)
        return 0;
    s->in_read = true;
    size_t got = 0;
    bool stop = false, lost = false;
    size_t i = seg_at(s, from_seq);
    if (i == s->nsegs)
        i = 0;
    for (; i < s->nsegs && !stop; i++) {
        struct seg *g = s->segs[i];
        if (g->live == 0 || g->end <= from_seq)
            continue;
        for (size_t bi = seg_find(g, from_seq); bi < g->nblk && !stop; bi++) {
            struct blk *b = &g->blk[bi];
            uint64_t lo = b->seq > from_seq ? b->seq : from_seq, hi = b->seq + b->count;
            if (b->bit + b->count <= g->scan_from || blk_done(g, b, lo, hi))
                continue;
            if (load_block(s, g, b) != 0) {
                s->corrupt_blocks++;
                s->corrupt_bytes += HDR + (uint64_t)b->len;
                s->live -= seg_set(g, b->seq, hi);
                lost = true;
                continue;
            }
            const unsigned char *p = s->rbuf + HDR;
            for (uint32_t j = 0; j < b->count; j++) {
                struct ls_segment_record r;
                r.time_ns = (int64_t)get64(p);
                r.len = get32(p + 8);
                r.data = p + REC_HDR;
                p += REC_HDR + r.len;
                uint64_t q = b->seq + j;
                if (q < lo || bit(g, b->bit + j))
                    continue;
                got++;
                if (fn(ctx, q, &r) != 0 || got == max) {
                    stop = true;
                    break;
                }
            }
        }
    }
    s->in_read = false;
    if (lost) {
        ls_seg_drop_done(s);
        ls_seg_publish_stats(s);
    }
    return got;
}

int ls_segment_ack(struct ls_segment_store *s, uint64_t first_seq, size_t n)
{
    if (s->in_read)
        return seterr(s, LS_SEGMENT_ERROR, "ack called from a read callback");
    if (n == 0 || first_seq >= s->next_seq)
        return 0;
    uint64_t end = s->next_seq - first_seq < n ? s->next_seq : first_seq + n;
    if (ls_seg_mark_done(s, first_seq, end) == 0)
        return 0;
    int rc = 0;
    if (s->ackfd < 0) {
        rc = ls_seg_ack_compact(s); /* the full state, this ack included */
    } else {
        for (uint64_t q = first_seq; q < end && rc == 0;) {
            uint64_t k = end - q < UINT32_MAX ? end - q : UINT32_MAX;
            unsigned char e[ACK_ENT];
            ack_entry(e, q, (uint32_t)k);
            if (write_all(s->ackfd, e, ACK_ENT, s->ack_size) == 0) {
                s->ack_size += ACK_ENT;
                q += k;
                continue;
            }
            rc = seterr(s, LS_SEGMENT_ERROR, "cannot write %s/%s: %s", s->dir, ACK_NAME,
                        strerror(errno));
            if (ftruncate(s->ackfd, (off_t)s->ack_size) != 0) {
                close(s->ackfd); /* misaligned now: the next ack rewrites the log */
                s->ackfd = -1;
            }
        }
        if (rc == 0 && s->o.fsync == LS_SEGMENT_FSYNC_ALWAYS && fdatasync(s->ackfd) != 0)
            rc = seterr(s, LS_SEGMENT_ERROR, "fdatasync of %s/%s: %s", s->dir, ACK_NAME,
                        strerror(errno));
        else if (rc == 0 && s->o.fsync == LS_SEGMENT_FSYNC_INTERVAL)
            dirty(s, &s->ack_dirty);
    }
    ls_seg_drop_done(s);
    if (s->ackfd >= 0 && s->ack_size > s->ack_compact_at)
        ls_seg_ack_compact(s);
    maybe_sync(s);
    ls_seg_publish_stats(s);
    return rc;
}

int64_t ls_segment_tick(struct ls_segment_store *s)
{
    if (!s->data_dirty && !s->ack_dirty && !s->dir_dirty)
        return -1;
    int64_t due = s->dirty_since_ms + (int64_t)s->o.interval_ms - mono_ms();
    if (s->o.fsync == LS_SEGMENT_FSYNC_INTERVAL && due > 0)
        return due;
    sync_all(s);
    return -1;
}

int ls_segment_sync(struct ls_segment_store *s)
{
    s->data_dirty = s->activefd >= 0;
    s->ack_dirty = s->ackfd >= 0;
    s->dir_dirty = true;
    return sync_all(s);
}

void ls_segment_stats(const struct ls_segment_store *s, struct ls_segment_stats *st)
{
    st->records = atomic_load_explicit(&s->st_records, memory_order_relaxed);
    st->bytes = atomic_load_explicit(&s->st_bytes, memory_order_relaxed);
    st->segments = atomic_load_explicit(&s->st_segments, memory_order_relaxed);
    st->oldest_ns = atomic_load_explicit(&s->st_oldest, memory_order_relaxed);
    st->corrupt_blocks = atomic_load_explicit(&s->st_corrupt_blocks, memory_order_relaxed);
    st->corrupt_bytes = atomic_load_explicit(&s->st_corrupt_bytes, memory_order_relaxed);
}

const char *ls_segment_strerror(const struct ls_segment_store *s)
{
    return s->errbuf[0] ? s->errbuf : "no error";
}

void ls_segment_close(struct ls_segment_store *s)
{
    if (!s)
        return;
    if (s->o.fsync != LS_SEGMENT_FSYNC_NEVER && s->dirfd >= 0 && s->lockfd >= 0)
        ls_segment_sync(s);
    for (size_t i = 0; i < s->nsegs; i++)
        seg_free(s->segs[i]);
    free(s->segs);
    int fds[] = {s->activefd, s->readfd, s->ackfd, s->lockfd, s->dirfd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(s->wbuf);
    free(s->rbuf);
    free(s->dir);
    free(s);
}
