/*
 * Micro-benchmark of the disk buffer's segment store (src/buffer/segment.c): append throughput
 * in MB/s and records/s for each fsync policy and two block sizes, then recovery (open + scan),
 * read-back and ack throughput. Records are 313-byte JSON lines like Fly's. It writes under
 * $TMPDIR (or the directory given as the first argument), which should be on the disk you
 * mean to measure: tmpfs makes fsync free.
 *
 *   segment_bench [dir] [records]     (default 200000 records; `always` runs at most 3 s)
 */
#include "buffer/segment.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REC_LEN 313

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rm_store(const char *dir)
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
    rmdir(dir);
}

struct sum {
    uint64_t bytes, last;
};

static int sum_bytes(void *ctx, uint64_t seq, const struct ls_segment_record *r)
{
    struct sum *m = ctx;
    m->bytes += r->len;
    m->last = seq;
    return 0;
}

static struct ls_segment_store *open_store(const char *dir, enum ls_segment_fsync f,
                                           struct ls_segment_recovery *rec)
{
    struct ls_segment_options o;
    ls_segment_options_init(&o);
    o.fsync = f;
    o.max_bytes = 4ull << 30;
    struct ls_segment_store *s = NULL;
    char err[256];
    if (ls_segment_open(dir, &o, &s, rec, err, sizeof(err)) != 0) {
        fprintf(stderr, "segment_bench: %s\n", err);
        return NULL;
    }
    return s;
}

/* Appends up to n records in blocks of `batch`; returns how many, with the time in *secs. */
static size_t append_run(struct ls_segment_store *s, const char *rec, size_t n, size_t batch,
                         double max_s, double *secs, uint64_t *first)
{
    struct ls_segment_record recs[256];
    for (size_t i = 0; i < batch; i++) {
        recs[i].data = rec;
        recs[i].len = REC_LEN;
        recs[i].time_ns = 1700000000000000000LL + (int64_t)i;
    }
    double t0 = now_s();
    size_t done = 0;
    while (done < n && now_s() - t0 < max_s) {
        size_t k = n - done < batch ? n - done : batch;
        uint64_t f;
        int rc = ls_segment_append(s, recs, k, &f);
        if (rc != 0) {
            fprintf(stderr, "segment_bench: append: %s\n", ls_segment_strerror(s));
            break;
        }
        if (done == 0)
            *first = f;
        done += k;
    }
    ls_segment_sync(s); /* so every policy ends with the same data on disk */
    *secs = now_s() - t0;
    return done;
}

static void report(const char *what, size_t records, double secs)
{
    double mb = (double)records * (REC_LEN + 12) / 1e6;
    printf("%-34s %9zu records %8.3f s %9.1f MB/s %11.0f records/s\n", what, records, secs,
           mb / secs, (double)records / secs);
}

int main(int argc, char **argv)
{
    char base[512];
    if (argc > 1) {
        snprintf(base, sizeof(base), "%s", argv[1]);
    } else {
        const char *t = getenv("TMPDIR");
        snprintf(base, sizeof(base), "%s/ls-segment-bench-XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(base)) {
            perror("mkdtemp");
            return 1;
        }
    }
    size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 200000;
    if (n == 0)
        n = 200000;
    char rec[REC_LEN + 1];
    int w = snprintf(rec, sizeof(rec),
                     "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":"
                     "\"e286065f969386\",\"name\":\"bench-app\"},\"region\":\"ord\"},\"host\":"
                     "\"a1b2\",\"log\":{\"level\":\"info\"},\"message\":\"GET /health 200 ");
    while (w < REC_LEN)
        rec[w++] = 'x';
    rec[REC_LEN] = '\0';

    struct {
        const char *name;
        enum ls_segment_fsync f;
        size_t batch;
    } runs[] = {
        {"append never, 256/block", LS_SEGMENT_FSYNC_NEVER, 256},
        {"append interval:1000, 256/block", LS_SEGMENT_FSYNC_INTERVAL, 256},
        {"append always, 256/block", LS_SEGMENT_FSYNC_ALWAYS, 256},
        {"append never, 1/block", LS_SEGMENT_FSYNC_NEVER, 1},
        {"append interval:1000, 1/block", LS_SEGMENT_FSYNC_INTERVAL, 1},
        {"append always, 1/block", LS_SEGMENT_FSYNC_ALWAYS, 1},
    };
    char dir[600];
    for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
        snprintf(dir, sizeof(dir), "%s/run%zu", base, r);
        struct ls_segment_store *s = open_store(dir, runs[r].f, NULL);
        if (!s)
            return 1;
        double secs;
        uint64_t first = 0;
        size_t done = append_run(s, rec, n, runs[r].batch,
                                 runs[r].f == LS_SEGMENT_FSYNC_ALWAYS ? 3.0 : 60.0, &secs, &first);
        report(runs[r].name, done, secs);
        ls_segment_close(s);
        if (r != 0)
            rm_store(dir);
    }

    /* Recovery, read-back and acks on the first run's store. */
    snprintf(dir, sizeof(dir), "%s/run0", base);
    struct ls_segment_recovery rec_info;
    double t0 = now_s();
    struct ls_segment_store *s = open_store(dir, LS_SEGMENT_FSYNC_NEVER, &rec_info);
    if (!s)
        return 1;
    report("open + recovery scan", (size_t)rec_info.records, now_s() - t0);
    struct sum m = {0, 0};
    size_t got = 0, k;
    t0 = now_s();
    while ((k = ls_segment_read(s, m.last + 1, sum_bytes, &m, 4096)) > 0)
        got += k;
    report("read back", got, now_s() - t0);
    /* Acks out of order: each 256-record batch, odd batches first. */
    t0 = now_s();
    size_t acked = 0;
    for (int pass = 0; pass < 2; pass++)
        for (uint64_t q = 1 + (uint64_t)pass * 256; q < 1 + (uint64_t)got; q += 512) {
            ls_segment_ack(s, q, 256);
            acked += 256;
        }
    report("ack (256/ack, out of order)", acked > got ? got : acked, now_s() - t0);
    struct ls_segment_stats st;
    ls_segment_stats(s, &st);
    printf("left after acks: %llu records, %llu bytes, %llu segments\n",
           (unsigned long long)st.records, (unsigned long long)st.bytes,
           (unsigned long long)st.segments);
    ls_segment_close(s);
    rm_store(dir);
    if (argc <= 1)
        rmdir(base);
    return 0;
}
