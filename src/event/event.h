/*
 * One log record on its way through logship.
 *
 * An event is created once by the parser (event/parse.c), on the intake thread, and is then
 * immutable and shared by every sink whose filter matches, through a reference count. The
 * canonical JSON of the record (compact, keys byte-sorted at every level, Vector's string
 * escaping, numbers exactly as received) is computed once at parse time, so a sink that sends
 * the record unchanged copies `json` and never re-serialises. A sink that changes fields works
 * on its own deep copy of `root` (json_object_deep_copy) inside its worker thread.
 */
#ifndef LS_EVENT_H
#define LS_EVENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct ls_buf;

enum {
    LS_EVENT_RAW = 1u << 0,       /* payload was not a JSON object: Vector's raw shape */
    LS_EVENT_TRUNCATED = 1u << 1, /* payload exceeded the record limit and was cut */
};

/*
 * Delivery acknowledgement of the message an event came from (JetStream at-least-once). Every
 * event of that message holds a reference; when the last one is freed, done() runs once, with
 * ok=false when any holder vetoed (an event was dropped or abandoned instead of delivered or
 * settled), so the message is redelivered rather than acknowledged. NULL for core NATS/stdin.
 */
struct ls_event_ack {
    atomic_int refs;
    atomic_bool veto;
    void (*done)(struct ls_event_ack *a, bool ok);
};

/* Takes a reference (any thread). */
void ls_event_ack_ref(struct ls_event_ack *a);
/* Drops one; the last one calls done(). Accepts NULL. */
void ls_event_ack_unref(struct ls_event_ack *a);

struct ls_event {
    atomic_int refs;
    struct ls_event_ack *ack; /* NULL unless the source needs acknowledgements */
    uint64_t seq;             /* position in the sink's disk buffer, 0 when not from one */
    unsigned flags;
    struct json_object *root; /* always a JSON object; owned; read-only once published */
    char *subject;            /* NUL-terminated NATS subject (or "" for stdin without one) */
    int64_t recv_ns;          /* receive time, ns since the Unix epoch */
    int64_t time_ns;          /* the record's own `timestamp` when parsable, else recv_ns */
    bool time_from_record;    /* true when time_ns came from the record */
    size_t json_len;
    char *json; /* canonical JSON of root, NUL-terminated; owned */
    /* fly.app.name when it is a string, else NULL: precomputed so that sinks which only need
       the app (file, S3 keys) work after the tree was released (ls_event_release_tree). */
    const char *app;
};

/* Takes a new reference. */
struct ls_event *ls_event_ref(struct ls_event *ev);
/* Marks the event's source message as not delivered (dropped, abandoned): it will be
   redelivered instead of acknowledged. No-op without an ack. Any thread. */
void ls_event_veto(struct ls_event *ev);
/* Drops a reference; frees the event with the last one. Accepts NULL. */
void ls_event_unref(struct ls_event *ev);
/*
 * Creates an event that owns `root` (the reference passes to the event) and copies `subject`.
 * Computes the canonical JSON and the record time. Returns NULL when memory runs out (root is
 * then released).
 */
struct ls_event *ls_event_create(struct json_object *root, const char *subject, int64_t recv_ns,
                                 unsigned flags);
/*
 * The same, writing the canonical JSON through the caller's reusable `scratch` buffer (reset
 * here, content undefined afterwards) so the event costs one allocation: the struct, subject
 * and JSON share one block. For the parser, which keeps one scratch buffer per intake thread.
 * A missing or unparsable `timestamp` (and any LS_EVENT_RAW event, whose `timestamp` is the
 * receive time) gives time_ns = recv_ns and time_from_record = false. Also returns NULL when
 * root is not an object.
 */
struct ls_event *ls_event_create_buf(struct json_object *root, const char *subject, int64_t recv_ns,
                                     unsigned flags, struct ls_buf *scratch);

/*
 * Frees the parsed tree, keeping the canonical JSON and the precomputed fields. The intake calls
 * it on the parsing thread before the event is shared: json-c's many small allocations are then
 * freed by the thread that made them, instead of contending for malloc's locks from every sink
 * worker (measured: that contention cost more than parsing). Afterwards root is NULL and
 * ls_event_str returns NULL.
 */
void ls_event_release_tree(struct ls_event *ev);

/*
 * Creates an event from text that is already canonical JSON (copied), without a tree (root is
 * NULL until ls_parse_tree builds one). ts/app point at the raw bytes of the top-level
 * `timestamp` and of `fly.app.name` (NULL when absent). NULL on out-of-memory.
 */
struct ls_event *ls_event_create_json(const char *json, size_t len, const char *subject,
                                      int64_t recv_ns, const char *ts, size_t ts_len,
                                      const char *app, size_t app_len);

/* Looks up a dotted path such as "fly.app.name" in an object; NULL when absent. Borrowed. */
struct json_object *ls_json_path(struct json_object *root, const char *path);
/* The string at `path`, or NULL when absent or not a string. Borrowed. */
const char *ls_event_str(const struct ls_event *ev, const char *path);

#endif
