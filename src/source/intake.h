/*
 * The intake: parses each payload once (event/parse.c) and offers the resulting events to every
 * sink whose filter matches.
 *
 * With threads = 0 (the default) push parses and routes on the caller's thread. For NATS that
 * is the pump (source/nats.c), not nats.c's reader, so the socket is still drained into the
 * client's pending buffer while a payload is parsed. Measured in docs/design.md ("Parsing on
 * the pump"): on 2 cores this costs less CPU per record at full load than a hand-off.
 *
 * With threads > 0 the intake is a bounded hand-off to that many parsing threads ("lanes"):
 * push only copies subject and payload into one allocation and queues it on the lane of the
 * subject. When the lane is full, push waits: the source's own buffer (nats.c's pending queue,
 * whose limits we raise and whose drops we count) absorbs the burst, and stdin reads slower.
 */
#ifndef LS_INTAKE_H
#define LS_INTAKE_H

#include <stddef.h>
#include <stdint.h>

struct ls_intake;
struct ls_sink_list;

/* capacity: messages held between push and parse (shared by the lanes); threads: parsing
   threads ("lanes"), chosen per payload by subject so one instance's records stay in order,
   or 0 to parse in push itself. NULL on out-of-memory. */
struct ls_intake *ls_intake_create(size_t capacity, size_t max_record_bytes, size_t threads,
                                   const struct ls_sink_list *sinks);
void ls_intake_destroy(struct ls_intake *in);
int ls_intake_start(struct ls_intake *in);
/*
 * Copies one payload in (any thread). Waits while the hand-off is full. Returns 0, or -1 when
 * the intake is closed (shutdown) or memory ran out; the payload is then counted as dropped.
 */
int ls_intake_push(struct ls_intake *in, const char *subject, const char *payload, size_t len,
                   int64_t recv_ns);
/* The same, for sources that acknowledge: takes over one reference to ack, which every event of
   the payload then shares (see struct ls_event_ack). */
struct ls_event_ack;
int ls_intake_push_ack(struct ls_intake *in, const char *subject, const char *payload, size_t len,
                       int64_t recv_ns, struct ls_event_ack *ack);
/*
 * The same as ls_intake_push, without the copy where it can: with parsing lanes the payload's
 * memory itself is queued, and release(arg) is called on the lane's thread once it is parsed;
 * returns 1. With parsing inline it is parsed at once and 0 is returned: the caller keeps the
 * memory. -1 as ls_intake_push; the caller keeps the memory then too.
 */
int ls_intake_push_lent(struct ls_intake *in, const char *subject, const char *payload, size_t len,
                        int64_t recv_ns, void (*release)(void *), void *arg);
/* No more pushes; the parse thread finishes what is queued and exits. ls_intake_join waits. */
void ls_intake_close(struct ls_intake *in);
void ls_intake_join(struct ls_intake *in);
/* Heartbeat echoes are recognised (and not shipped unless asked) by this canary; call before
   ls_intake_start. */
struct ls_canary;
void ls_intake_set_canary(struct ls_intake *in, struct ls_canary *c);
/* Messages waiting to be parsed. */
size_t ls_intake_depth(struct ls_intake *in);

#endif
