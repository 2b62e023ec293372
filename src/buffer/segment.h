/*
 * The durable disk buffer of one sink: a directory of append-only segment files plus one ack
 * log. The sink worker appends batches of opaque records (bytes + receive time), each batch as
 * one checksummed block, replays un-acknowledged records in order, and acknowledges ranges of
 * sequence numbers once the provider accepted them, in any order. A segment file is deleted
 * when every record in it is acknowledged; the ack log lets a restart replay only what was not
 * acknowledged. Torn or corrupt blocks are found by checksum, skipped and counted; everything
 * valid around them is still delivered. Format, fsync policies and what each one loses on a
 * power cut: docs/buffer.md.
 *
 * Leaf code: no logging, no threads. A store belongs to one thread (the sink worker) for every
 * call except ls_segment_stats, which any thread may call (the admin thread for /metrics).
 * Record callbacks must not call back into the same store (such calls fail with
 * LS_SEGMENT_ERROR).
 */
#ifndef LS_SEGMENT_H
#define LS_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#define LS_SEGMENT_DEFAULT_MAX_BYTES     (256ull << 20) /* per sink */
#define LS_SEGMENT_DEFAULT_SEGMENT_BYTES (8ull << 20)
#define LS_SEGMENT_DEFAULT_INTERVAL_MS   1000u
/* The largest block a reader accepts, whatever the options: bounds memory on garbage input. */
#define LS_SEGMENT_BLOCK_MAX (64u << 20)

/* Return codes of the calls below (0 on success). */
enum {
    LS_SEGMENT_ERROR = -1,   /* I/O or memory error; ls_segment_strerror says which */
    LS_SEGMENT_FULL = -2,    /* max_bytes reached: nothing written, the caller counts a drop */
    LS_SEGMENT_TOO_BIG = -3, /* one block would exceed the segment size: append fewer */
};

enum ls_segment_fsync {
    LS_SEGMENT_FSYNC_INTERVAL = 0, /* fdatasync at most every interval_ms (default) */
    LS_SEGMENT_FSYNC_ALWAYS,       /* fdatasync before append/ack return */
    LS_SEGMENT_FSYNC_NEVER,        /* leave it to the kernel's writeback */
};

struct ls_segment_options {
    uint64_t max_bytes;     /* bound on the segment files' total size; 0 = default */
    uint64_t segment_bytes; /* roll to a new file past this; 0 = default; clamped to max/2 */
    enum ls_segment_fsync fsync;
    uint32_t interval_ms; /* for LS_SEGMENT_FSYNC_INTERVAL; 0 = default */
};

/* What ls_segment_open found on disk. */
struct ls_segment_recovery {
    uint64_t segments;       /* segment files found */
    uint64_t records;        /* un-acknowledged records that will replay */
    uint64_t acked;          /* records skipped because the ack log says they were delivered */
    uint64_t corrupt_blocks; /* damaged regions skipped (torn tails, bad checksums, garbage) */
    uint64_t corrupt_bytes;
    uint64_t ack_corrupt; /* ack log entries skipped as damaged (their records replay) */
};

/* One record to append, or one handed to a read callback (data valid during the call only). */
struct ls_segment_record {
    const void *data;
    size_t len;
    int64_t time_ns; /* receive time, ns since the Unix epoch */
};

/* Called for each record in sequence order; return 0 to go on, non-zero to stop after it. */
typedef int (*ls_segment_record_fn)(void *ctx, uint64_t seq, const struct ls_segment_record *r);

/* Readable from any thread; fields are each consistent, not necessarily with one another. */
struct ls_segment_stats {
    uint64_t records;        /* appended and not yet acknowledged */
    uint64_t bytes;          /* segment files' size on disk (what max_bytes bounds) */
    uint64_t segments;       /* segment files */
    int64_t oldest_ns;       /* receive time of the oldest un-acked record's block; 0 when empty */
    uint64_t corrupt_blocks; /* since open, recovery included */
    uint64_t corrupt_bytes;
};

struct ls_segment_store;

/* Defaults: 256 MiB, 8 MiB segments, fsync interval:1000. */
void ls_segment_options_init(struct ls_segment_options *o);

/*
 * Parses LOGSHIP_BUFFER_FSYNC text into o: "always", "never", "interval:<ms>" (1..3600000).
 * Returns 0, or -1 with a message in err.
 */
int ls_segment_fsync_parse(const char *text, struct ls_segment_options *o, char *err,
                           size_t errlen);

/*
 * Opens (creating it and missing parents, mode 0700) the store in dir, recovers what is there
 * and reports it in *rec (may be NULL). Only one process may hold a directory (flock on
 * dir/lock). Fully acknowledged and entirely corrupt segment files are deleted here.
 * o may be NULL for defaults. Returns 0 with *out set (free with ls_segment_close), or
 * LS_SEGMENT_ERROR with a message in err (directory not creatable/writable, in use, ...).
 */
int ls_segment_open(const char *dir, const struct ls_segment_options *o,
                    struct ls_segment_store **out, struct ls_segment_recovery *rec, char *err,
                    size_t errlen);

/*
 * Appends recs[0..n) (n >= 1) as one block; *first_seq (may be NULL) gets the first record's
 * sequence number, the others follow one by one. Durable on return under FSYNC_ALWAYS.
 * Returns 0, LS_SEGMENT_FULL (nothing written), LS_SEGMENT_TOO_BIG (nothing written) or
 * LS_SEGMENT_ERROR (nothing written: a partial write is cut off again; e.g. disk full).
 */
int ls_segment_append(struct ls_segment_store *s, const struct ls_segment_record *recs, size_t n,
                      uint64_t *first_seq);

/*
 * Calls fn for up to max un-acknowledged records with seq >= from_seq, in order, and returns
 * how many it passed. Continue with from_seq = last seq + 1; 0 means nothing more to read.
 * A block whose checksum fails now is skipped and counted (its records are treated as acked).
 */
size_t ls_segment_read(struct ls_segment_store *s, uint64_t from_seq, ls_segment_record_fn fn,
                       void *ctx, size_t max);

/*
 * Marks records [first_seq, first_seq + n) delivered, in any order; seqs already acked or
 * unknown are ignored. Deletes segment files that become fully acknowledged (except the one
 * being appended to, deleted once it is full). Returns 0, or LS_SEGMENT_ERROR when the ack log
 * could not be written: the records are still released now but would replay after a restart.
 */
int ls_segment_ack(struct ls_segment_store *s, uint64_t first_seq, size_t n);

/*
 * For FSYNC_INTERVAL: syncs what is due. Call it from the owner's loop; returns the ms until
 * the next sync is due, or -1 when nothing is waiting to be synced.
 */
int64_t ls_segment_tick(struct ls_segment_store *s);

/* Syncs everything written so far (any policy). Returns 0 or LS_SEGMENT_ERROR. */
int ls_segment_sync(struct ls_segment_store *s);

/* Any thread. */
void ls_segment_stats(const struct ls_segment_store *s, struct ls_segment_stats *st);

/* The message for the last LS_SEGMENT_ERROR / FULL / TOO_BIG of this store. */
const char *ls_segment_strerror(const struct ls_segment_store *s);

/* Syncs (unless FSYNC_NEVER), closes the files, releases the lock. Accepts NULL. */
void ls_segment_close(struct ls_segment_store *s);

#endif
