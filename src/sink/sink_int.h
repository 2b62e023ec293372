/*
 * For sink kind implementers only (the files in sink/kinds/) and the worker (sink/worker.c); the
 * rest of the program includes sink.h. A kind turns events into bytes and, for HTTP kinds, into a
 * request; it never sends anything itself: the worker owns batching, the transport sends, and
 * retry decisions live in one table (transport/http.c) that a kind may only override per code.
 */
#ifndef LS_SINK_INT_H
#define LS_SINK_INT_H

#include "sink/sink.h"
#include "sink/queue.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct ls_counter;
struct ls_event_ack;
struct ls_gauge;
struct ls_env;
struct ls_problems;
struct curl_slist;

enum ls_compression { LS_COMPRESS_NONE, LS_COMPRESS_GZIP };

/* Where one record's encoded bytes sit in a compact batch's body (sink/batch.h). */
struct ls_batch_rec {
    uint32_t off, len;
    struct ls_event_ack *ack; /* the source message's acknowledgement, held; NULL for core NATS */
};

/*
 * The batch being built or sent. A full batch holds its events (referenced) until it is
 * settled; a compact one keeps only where each record's bytes are in the body, so a closed
 * batch costs its compressed bytes rather than its records (sink/batch.h says when).
 */
struct ls_batch {
    struct ls_event **events;  /* full batches */
    struct ls_batch_rec *recs; /* compact batches */
    bool compact;
    size_t n, cap;
    size_t bytes;          /* encoded bytes counted toward the batch limit */
    struct ls_buf body;    /* framed, uncompressed */
    struct ls_buf wire;    /* what goes on the wire (compressed body), when different */
    char *partition;       /* partition key (e.g. hostname for Mezmo); NULL = none */
    char *object;          /* kind->object_name() (the S3 key), fixed at seal; or NULL */
    int64_t opened_ms;     /* monotonic time of the first event */
    int attempts;          /* send attempts so far */
    int64_t retry_at_ms;   /* when a retried batch may go again */
    struct ls_batch *next; /* list link in the worker */
};

/* What a kind's request builder fills in; the transport sends it. */
struct ls_request {
    const char *method; /* "POST" unless set */
    struct ls_buf url;  /* full URL */
    struct curl_slist *headers;
    const char *content_type; /* NULL = no Content-Type header */
    const char *content_encoding;
};

enum ls_outcome { LS_OUTCOME_OK, LS_OUTCOME_RETRY, LS_OUTCOME_REJECT, LS_OUTCOME_SPLIT };

/* Per-item verdicts inside a 2xx response (kind->items). */
enum ls_item_verdict { LS_ITEM_OK = 0, LS_ITEM_RETRY = 1, LS_ITEM_REJECT = 2 };

struct ls_response {
    long status;       /* HTTP status, 0 when the transfer failed */
    int curl_code;     /* CURLcode */
    const char *error; /* curl's error text when status == 0 */
    const char *body;  /* first bytes of the response body (NUL-terminated) */
    size_t body_len;
    int64_t retry_after_ms; /* from Retry-After, -1 when absent */
};

struct ls_preset;

struct ls_sink_kind {
    const char *name;
    /* The encoder reads fields: it gets a private parser (sink/kinds/common.h). */
    bool needs_parser;
    /* Default framing: the body is prefix + event + sep + event ... + suffix (s->frame). */
    const char *prefix, *sep, *suffix;
    /* Reads the kind's own variables into s->ctx; adds problems naming the variable. */
    int (*configure)(struct ls_sink *s, const struct ls_env *env, struct ls_problems *problems);
    /* Appends one encoded event to out. Returns 0, or -1 when the event cannot be encoded
       (counted as rejected). Pure: no I/O. */
    int (*encode)(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out);
    /* Events with different partition keys never share a batch (Mezmo's hostname, an S3 key
       prefix, a CloudWatch stream). Appends the key to out; 0, or -1 to drop the event
       (counted as an encode error). Optional. */
    int (*partition)(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out);
    /* Delivers a finished batch itself (console, file, syslog, multi-call APIs) and returns an
       enum ls_outcome; err says why on RETRY/REJECT. Kinds that set this have no HTTP request. */
    int (*write)(struct ls_sink *s, struct ls_batch *b, char *err, size_t errlen);
    /* Names a batch once, when it is sealed: appends the name (the S3 object key) to out; the
       worker keeps it in b->object, and request() uses it for every attempt, so a retry after
       a lost response overwrites the object the first attempt may have written instead of
       adding a second one. A batch made by a split gets a name of its own. 0, or -1 (the batch
       is rejected). Optional. */
    int (*object_name)(struct ls_sink *s, const struct ls_batch *b, struct ls_buf *out);
    /* Builds the HTTP request for a batch (URL, headers). Pure. */
    int (*request)(struct ls_sink *s, const struct ls_batch *b, struct ls_request *req);
    /* Rewrites a closed batch's body before compression, for protocols whose envelope depends
       on all events at once (Loki groups events into streams): encode() writes one
       intermediate line per event, finish() turns b->body into the final body. Pure;
       0 or -1 (the batch is then rejected as unencodable). Optional. */
    int (*finish)(struct ls_sink *s, struct ls_batch *b);
    /* Per-item results inside a 2xx response (Elasticsearch bulk, Honeycomb batch): sets
       verdict[i] to an enum ls_item_verdict for each of the batch's events, in order, and
       returns 0; -1 when the body cannot be read (the batch is retried). Optional. */
    int (*items)(struct ls_sink *s, const struct ls_batch *b, const struct ls_response *r,
                 unsigned char *verdict);
    /* Response bytes items() needs to see; 0 = 64 KiB (enough for error messages). */
    size_t response_keep;
    /* Optional per-kind override of the outcome table; return -1 to use the default. */
    int (*classify)(struct ls_sink *s, const struct ls_response *r);
    /* Prints the kind's own settings for --check, secrets masked. Optional. */
    void (*describe)(const struct ls_sink *s);
    void (*destroy)(struct ls_sink *s);
    /* Decides, on the worker thread before the event reaches a batch, whether the sink wants
       it (Slack's keyword filter and throttle); 0 drops it, counted as filtered. May keep
       state in s->ctx. Optional: NULL takes every event. */
    int (*accept)(struct ls_sink *s, struct ls_event *ev);
};

/*
 * The batch byte limit of a sink whose provider sets none: 1,000,000 bytes of uncompressed body,
 * where Vector's http family uses 10,000,000 (PROVIDERS.md Part 1 §1.7). The body is built whole
 * and then compressed in one call (compress/gzip.h), so this limit is the largest part of
 * logship's memory under load: at 50 k records/s into gzip http, 14.4 MiB of RSS against
 * 27.9 MiB with 10 MB bodies (bench steady). Batches are cut by size only above about 3,000
 * records/s (1 MB per 1 s batch timeout); there, requests are about 10x as many and as small.
 * LOGSHIP_<SINK>_BATCH_MAX_BYTES=10000000 restores Vector's limit.
 */
#define LS_SINK_DEFAULT_BATCH_BYTES 1000000

/* Knobs every sink has (LOGSHIP_<SINK>_*), with the kind's defaults applied. */
struct ls_sink_config {
    char *subject; /* filter; NULL = everything */
    size_t batch_max_events;
    size_t batch_max_bytes;
    uint64_t batch_timeout_ms;
    int concurrency;
    uint64_t request_timeout_ms;
    uint64_t retry_initial_ms;
    uint64_t retry_max_ms;
    uint64_t retry_max_attempts; /* 0 = retry until delivered */
    size_t queue_max_events;
    uint64_t queue_full_wait_ms; /* back-pressure budget before a full queue sheds */
    enum ls_compression compression;
    int compression_level; /* gzip level, 1 (igzip) or 2..12 (libdeflate) */
    char *endpoint;        /* LOGSHIP_<SINK>_ENDPOINT origin override, or NULL */
};

struct ls_sink_metrics {
    struct ls_counter *events;  /* accepted into the queue */
    struct ls_counter *dropped; /* queue full */
    struct ls_counter *sent_events;
    struct ls_counter *sent_bytes;
    struct ls_counter *requests;
    struct ls_counter *retries;
    struct ls_counter *rejected;
    struct ls_counter *dead_letter;
    struct ls_counter *abandoned; /* given up at shutdown */
    struct ls_counter *encode_errors;
    struct ls_counter *truncated; /* records cut to the destination's limit */
    struct ls_counter *filtered;  /* dropped by kind->accept */
    struct ls_counter *flush_events, *flush_bytes, *flush_timeout, *flush_shutdown;
    struct ls_gauge *inflight;
};

struct ls_http_transport;
struct ls_segment_store;

struct ls_sink_frame {
    const char *prefix, *sep, *suffix;
};

struct ls_sink {
    char *name;     /* "http", "datadog", ... */
    char *env_name; /* upper-case name used in LOGSHIP_<SINK>_* */
    const struct ls_sink_kind *kind;
    const struct ls_preset *preset; /* the provider row, NULL for local sinks */
    struct ls_sink_frame frame;     /* the kind's default framing unless configure changes it */
    struct ls_sink_config cfg;
    void *ctx; /* the kind's own state */
    struct ls_sink_queue queue;
    struct ls_sink_metrics m;
    struct ls_http_transport *http; /* NULL for write-kinds */
    const char *dead_letter_dir;    /* borrowed from the global config */
    /* Durable buffer (LOGSHIP_BUFFER_DIR): owned by the worker thread once started; the
       worker appends every event it takes and builds batches from what it reads back. */
    struct ls_segment_store *store;
    struct ls_counter *buffer_corrupt;

    pthread_t thread;
    bool started;
    atomic_bool stop;
    atomic_llong deadline_ms;

    /* Health, written by the worker, read by admin. */
    pthread_mutex_t state_lock;
    int64_t retrying_since_ns; /* 0 when not retrying */
    char last_error[256];
    int64_t last_error_ns;
};

/* Creates an unconfigured sink of a kind; NULL on out-of-memory. */
struct ls_sink *ls_sink_create(const struct ls_sink_kind *kind, const char *name,
                               const char *env_name);
/*
 * Reads LOGSHIP_<SINK>_* knobs over the defaults already in s->cfg, then the kind's own
 * configure(). Every problem is added to `problems` naming the variable. Returns 0 when the
 * sink is usable.
 */
int ls_sink_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *problems);
/* Allocates the queue, metrics and transport once configuration succeeded. */
int ls_sink_prepare(struct ls_sink *s, char *err, size_t errlen);
/* Records an error for /health (and keeps the time). Worker thread. */
void ls_sink_set_error(struct ls_sink *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Per-sink log lines carry the sink name. */
#define LS_SINK_LOG(level, s, fmt, ...) ls_log(level, "[sink:%s] " fmt, (s)->name, ##__VA_ARGS__)
#define LS_SINK_LOG_EVERY(level, ms, s, fmt, ...)                                                  \
    LS_LOG_EVERY(level, ms, "[sink:%s] " fmt, (s)->name, ##__VA_ARGS__)

#endif
