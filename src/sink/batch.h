/*
 * Batches as the sink worker holds them. A batch is either
 *
 *  - full: it references every event until it is settled, because the kind still needs them
 *    after encoding (a write() hook, a finish() that rebuilds the body, per-item verdicts), the
 *    disk buffer acknowledges them by position, or rejected records go to dead-letter files
 *    (which hold the original canonical records, not the encoded ones); or
 *  - compact: each event is released as soon as its bytes are in the body; the batch keeps
 *    where each record starts and ends, and the acknowledgement of its source message (JetStream)
 *    so that delivery still decides the ack. A closed compact batch costs its compressed bytes
 *    plus 16 bytes per record instead of every record twice over (event and body).
 *
 * A 413 split of a compact batch re-frames the halves from the recorded byte ranges (the
 * compressed body is inflated once for that). Not thread-safe: one worker owns its batches.
 */
#ifndef LS_SINK_BATCH_H
#define LS_SINK_BATCH_H

#include "sink/sink_int.h"

struct ls_batch *ls_batch_new(bool compact);
/* Releases the events (or acknowledgements) and the batch. Accepts NULL. */
void ls_batch_free(struct ls_batch *b);
/* Undelivered for good (shutdown deadline): the source messages will be redelivered. */
void ls_batch_veto(struct ls_batch *b);
/*
 * Adds the event encoded at body[off, off + len): a full batch takes the caller's reference, a
 * compact one keeps the range and the ack and drops the reference. -1 (nothing taken) when
 * memory runs out or the range does not fit the compact form.
 */
int ls_batch_add(struct ls_batch *b, struct ls_event *ev, size_t off, size_t len);
/* Compact batches: records body[off, off + len), taking over the caller's `ack` reference. */
int ls_batch_add_rec(struct ls_batch *b, size_t off, size_t len, struct ls_event_ack *ack);
/*
 * The uncompressed body of a sealed compact batch: the body itself, or the wire bytes inflated
 * into `scratch`. NULL when they cannot be inflated.
 */
const char *ls_batch_body(const struct ls_batch *b, struct ls_buf *scratch);

#endif
