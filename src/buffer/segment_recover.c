/*
 * Opening a segment store (see segment.h, docs/buffer.md): creates and locks the directory,
 * lists the segment files, scans each one and indexes every block that checks out (magic,
 * checksums, record layout, sequence order), counts torn tails and damaged regions and skips
 * them, applies the ack log, and deletes what is fully delivered or entirely corrupt. The
 * on-disk format is in segment_int.h; segment.c runs the store once it is open.
 */
#include "buffer/segment_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the directory ---- */

/* 1 when name is a segment file name, with its base in *base. */
static int parse_name(const char *name, uint64_t *base)
{
    if (strlen(name) != 20 || strcmp(name + 16, ".seg") != 0)
        return 0;
    for (int i = 0; i < 16; i++)
        if (!strchr("0123456789abcdef", name[i]) || name[i] == '\0')
            return 0;
    char hex[17];
    memcpy(hex, name, 16);
    hex[16] = '\0';
    errno = 0;
    unsigned long long v = strtoull(hex, NULL, 16);
    if (errno || v >= SEQ_LIMIT)
        return 0;
    *base = v;
    return 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Lists the segment bases in the directory, sorted; removes a leftover ack.tmp. */
static int list_dir(struct ls_segment_store *s, uint64_t **out, size_t *n, char *err, size_t errlen)
{
    int fd = dup(s->dirfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        snprintf(err, errlen, "cannot list %s: %s", s->dir, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    uint64_t *v = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        uint64_t base;
        if (strcmp(de->d_name, ACK_TMP) == 0) {
            unlinkat(s->dirfd, ACK_TMP, 0);
            continue;
        }
        if (!parse_name(de->d_name, &base))
            continue;
        if (cnt == cap) {
            size_t c = cap ? cap * 2 : 16;
            uint64_t *nv = realloc(v, c * sizeof(*nv));
            if (!nv) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
                break;
            }
            v = nv;
            cap = c;
        }
        v[cnt++] = base;
    }
    closedir(d);
    if (rc != 0) {
        free(v);
        return -1;
    }
    if (cnt)
        qsort(v, cnt, sizeof(*v), cmp_u64);
    *out = v;
    *n = cnt;
    return 0;
}

static int mkdir_p(const char *dir, char *err, size_t errlen)
{
    size_t n = strlen(dir);
    char *p = malloc(n + 1);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create buffer directory %s: %s", p, strerror(errno));
            free(p);
            return -1;
        }
        p[i] = c;
    }
    free(p);
    return 0;
}

/* ---- the ack log ---- */

/* Applies an existing ack log to the recovered segments. */
static void load_acks(struct ls_segment_store *s, struct ls_segment_recovery *rec,
                      uint64_t *seq_floor)
{
    int fd = openat(s->dirfd, ACK_NAME, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    unsigned char buf[ACK_ENT * 512];
    uint64_t off = 0;
    unsigned char h[ACK_HDR];
    if (ls_seg_read_all(fd, h, ACK_HDR, 0) == 0) {
        /* A damaged header only loses the floor: entries are still fixed-size after it. */
        if (memcmp(h, ACK_MAGIC, 8) == 0 && get32(h + 20) == crc(h, 20) && get64(h + 8) < SEQ_LIMIT)
            *seq_floor = get64(h + 8) > *seq_floor ? get64(h + 8) : *seq_floor;
        else
            rec->ack_corrupt++;
        off = ACK_HDR;
        for (;;) {
            ssize_t r = pread(fd, buf, sizeof(buf), (off_t)off);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < ACK_ENT)
                break; /* end, or a torn last entry: those records replay */
            for (size_t i = 0; i + ACK_ENT <= (size_t)r; i += ACK_ENT) {
                const unsigned char *e = buf + i;
                uint64_t seq = get64(e);
                uint32_t n = get32(e + 8);
                if (get32(e + 12) != crc(e, 12) || n == 0 || seq >= SEQ_LIMIT ||
                    n > SEQ_LIMIT - seq) {
                    rec->ack_corrupt++;
                    continue;
                }
                rec->acked += ls_seg_mark_done(s, seq, seq + n);
                if (seq + n > *seq_floor)
                    *seq_floor = seq + n;
            }
            off += (uint64_t)r / ACK_ENT * ACK_ENT;
        }
    }
    close(fd);
}

/* ---- recovery of one segment file ---- */

/* Checks a payload's records; 0 with the smallest time in *min, -1 when malformed. */
int ls_seg_check_records(const unsigned char *p, uint32_t len, uint32_t count, int64_t *min)
{
    size_t off = 0;
    int64_t lo = INT64_MAX;
    for (uint32_t i = 0; i < count; i++) {
        if (len - off < REC_HDR)
            return -1;
        int64_t t = (int64_t)get64(p + off);
        uint32_t n = get32(p + off + 8);
        off += REC_HDR;
        if (n > len - off)
            return -1;
        off += n;
        lo = t < lo ? t : lo;
    }
    *min = lo;
    return off == len ? 0 : -1;
}

bool ls_seg_header_ok(const unsigned char *h)
{
    return memcmp(h, MAGIC, 4) == 0 && get32(h + 4) == 0 && get32(h + 28) == crc(h, 28);
}

/*
 * Scans p[0..size) as segment g's file: indexes every valid block and counts damaged regions.
 * A block needs a valid header, a length inside the file, a matching payload checksum,
 * well-formed records, and sequence numbers after the previous block's and before `limit`
 * (the next segment's base). Returns 0, or -1 when memory runs out.
 */
static int scan(struct ls_segment_store *s, struct seg *g, const unsigned char *p, uint64_t size,
                uint64_t limit)
{
    uint64_t off = 0, bad_from = UINT64_MAX;
    while (size - off >= HDR) {
        const unsigned char *h = p + off;
        if (!ls_seg_header_ok(h)) {
            if (bad_from == UINT64_MAX)
                bad_from = off;
            const unsigned char *m = memmem(h + 1, (size_t)(size - off - 1), MAGIC, 4);
            off = m ? (uint64_t)(m - p) : size;
            continue;
        }
        uint64_t seq = get64(h + 8);
        uint32_t count = get32(h + 16), len = get32(h + 20);
        if (len > LS_SEGMENT_BLOCK_MAX || len > size - off - HDR) {
            /* A torn last block, or a header whose length is garbage: resync past its magic. */
            if (bad_from == UINT64_MAX)
                bad_from = off;
            off++;
            continue;
        }
        int64_t min = 0;
        /* Our writer leaves no gap in a file's seqs; damage may hide records, each of which
           took at least REC_HDR bytes of the region skipped. */
        uint64_t hidden = bad_from == UINT64_MAX ? 0 : (off - bad_from) / REC_HDR;
        bool ok = count >= 1 && count <= len / REC_HDR && seq >= g->end && seq - g->end <= hidden &&
                  seq < limit && count <= limit - seq && get32(h + 24) == crc(h + HDR, len) &&
                  ls_seg_check_records(h + HDR, len, count, &min) == 0;
        if (!ok) {
            if (bad_from == UINT64_MAX)
                bad_from = off;
            off += HDR + (uint64_t)len;
            continue;
        }
        if (bad_from != UINT64_MAX) {
            s->corrupt_blocks++;
            s->corrupt_bytes += off - bad_from;
            bad_from = UINT64_MAX;
        }
        if (ls_seg_reserve(g, count) != 0)
            return -1;
        ls_seg_add_block(g, seq, off, min, count, len);
        off += HDR + (uint64_t)len;
    }
    if (off < size && bad_from == UINT64_MAX)
        bad_from = off;
    if (bad_from != UINT64_MAX) {
        s->corrupt_blocks++;
        s->corrupt_bytes += size - bad_from;
    }
    return 0;
}

static int load_seg(struct ls_segment_store *s, uint64_t base, uint64_t limit, char *err,
                    size_t errlen)
{
    char name[32];
    ls_seg_file_name(name, sizeof(name), base);
    int fd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot read %s/%s: %s", s->dir, name, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd); /* not ours */
        return 0;
    }
    struct seg *g = calloc(1, sizeof(*g));
    if (!g || ls_seg_push(s, g) != 0) {
        free(g);
        close(fd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->base = g->end = base;
    g->size = (uint64_t)st.st_size;
    s->disk_bytes += g->size;
    int rc = 0;
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            snprintf(err, errlen, "cannot map %s/%s: %s", s->dir, name, strerror(errno));
            rc = -1;
        } else {
            if (scan(s, g, p, g->size, limit) != 0) {
                snprintf(err, errlen, "out of memory indexing %s/%s", s->dir, name);
                rc = -1;
            }
            munmap(p, (size_t)st.st_size);
        }
    }
    close(fd);
    s->live += g->live;
    return rc;
}

/* ---- public API ---- */

int ls_segment_open(const char *dir, const struct ls_segment_options *o,
                    struct ls_segment_store **out, struct ls_segment_recovery *rec, char *err,
                    size_t errlen)
{
    struct ls_segment_recovery local;
    if (!rec)
        rec = &local;
    memset(rec, 0, sizeof(*rec));
    *out = NULL;
    struct ls_segment_store *s = calloc(1, sizeof(*s));
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return LS_SEGMENT_ERROR;
    }
    s->dirfd = s->lockfd = s->ackfd = s->activefd = s->readfd = -1;
    ls_segment_options_init(&s->o);
    if (o) {
        if (o->max_bytes)
            s->o.max_bytes = o->max_bytes;
        if (o->segment_bytes)
            s->o.segment_bytes = o->segment_bytes;
        s->o.fsync = o->fsync;
        if (o->interval_ms)
            s->o.interval_ms = o->interval_ms;
    }
    /* At least two segments fit, so a full, delivered one can always be rolled and deleted. */
    if (s->o.segment_bytes > s->o.max_bytes / 2)
        s->o.segment_bytes = s->o.max_bytes / 2;
    if (s->o.segment_bytes > LS_SEGMENT_BLOCK_MAX + HDR)
        s->o.segment_bytes = LS_SEGMENT_BLOCK_MAX + HDR;
    if (s->o.segment_bytes < 4096)
        s->o.segment_bytes = 4096;
    s->ack_compact_at = ACK_COMPACT_MIN;

    uint64_t *bases = NULL;
    size_t nb = 0;
    if (mkdir_p(dir, err, errlen) != 0)
        goto fail;
    s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dirfd < 0) {
        snprintf(err, errlen, "cannot open buffer directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (s->lockfd < 0 || faccessat(s->dirfd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
        snprintf(err, errlen, "buffer directory %s is not writable: %s", dir, strerror(errno));
        goto fail;
    }
    if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
        snprintf(err, errlen, "buffer directory %s is in use by another process (%s)", dir,
                 strerror(errno));
        goto fail;
    }
    if (list_dir(s, &bases, &nb, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < nb; i++)
        if (load_seg(s, bases[i], i + 1 < nb ? bases[i + 1] : SEQ_LIMIT, err, errlen) != 0)
            goto fail;
    rec->segments = s->nsegs;
    rec->corrupt_blocks = s->corrupt_blocks;
    rec->corrupt_bytes = s->corrupt_bytes;
    uint64_t logged = 1, next = 1;
    load_acks(s, rec, &logged);
    for (size_t i = 0; i < s->nsegs; i++) {
        struct seg *g = s->segs[i];
        uint64_t after = g->end > g->base ? g->end : g->base + 1; /* never reuse a name */
        next = after > next ? after : next;
    }
    s->next_seq = next;
    rec->records = s->live;
    ls_seg_drop_done(s);
    /* A fresh log: drops stale and torn entries so that new ones append cleanly. If it cannot
       be written (disk full), acks stay in memory and the old log keeps the old ones; new
       seqs must then stay clear of every seq it names. */
    if (ls_seg_ack_compact(s) != 0 && logged > s->next_seq)
        s->next_seq = logged;
    free(bases);
    ls_seg_publish_stats(s);
    *out = s;
    return 0;
fail:
    free(bases);
    ls_segment_close(s);
    return LS_SEGMENT_ERROR;
}
