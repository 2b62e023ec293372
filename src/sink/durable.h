/*
 * A sink's durable buffer (LOGSHIP_BUFFER_DIR/<sink>): the glue between the sink worker and the
 * segment store (buffer/segment.h). With it, the worker appends every event it takes from its
 * queue to disk at once (so an outage of any length costs disk, not memory), builds batches
 * from what it reads back, and acknowledges each record in the store only once its batch is
 * settled: delivered, or rejected and counted. A crash or restart replays what was not
 * acknowledged (at-least-once: batches in flight at the crash are sent again).
 *
 * Record format: a 2-byte little-endian subject length, the subject, the canonical JSON; the
 * record time is the receive time. Worker thread only, except ls_durable_register_metrics'
 * gauges (the store's stats are safe from any thread).
 */
#ifndef LS_SINK_DURABLE_H
#define LS_SINK_DURABLE_H

#include <stddef.h>
#include <stdint.h>

struct ls_sink;
struct ls_event;
struct ls_parser;
struct ls_segment_options;

/* Opens <dir>/<sink name>, reporting what recovery found. 0, or -1 with a message. */
int ls_durable_open(struct ls_sink *s, const char *dir, const struct ls_segment_options *o,
                    char *err, size_t errlen);
void ls_durable_close(struct ls_sink *s);
/* Appends evs[0..n) as one block and releases them. Returns how many could not be stored (disk
   buffer full or a write error): those are dropped, counted and vetoed by the caller's rules. */
size_t ls_durable_stash(struct ls_sink *s, struct ls_event **evs, size_t n);
/* Reads up to max un-acknowledged records from *next_seq on, calling add for each as a new
   event (ev->seq set); advances *next_seq. Returns how many were read. */
size_t ls_durable_load(struct ls_sink *s, struct ls_parser *p, uint64_t *next_seq,
                       void (*add)(void *ctx, struct ls_event *ev), void *ctx, size_t max);
/* Marks the records of these events delivered (or settled). */
void ls_durable_ack(struct ls_sink *s, struct ls_event *const *evs, size_t n);
/* ms until the store wants an fsync (interval policy), -1 when none is due. */
int64_t ls_durable_tick(struct ls_sink *s);

#endif
