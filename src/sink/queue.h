/*
 * A sink's bounded event queue: the hand-off between the intake thread (producer) and the
 * sink's worker (the only consumer). Holds event references. Never blocks the producer: a full
 * queue refuses the event and the caller counts the drop.
 *
 * The worker sleeps either on the queue's condition variable or, for HTTP sinks, inside
 * curl_multi_poll(); `wake` lets the producer interrupt the latter (curl_multi_wakeup is
 * sticky, so a wake-up sent before the worker sleeps is not lost).
 *
 * Wake-ups cost a futex or a pipe write each, so a busy worker is not woken per event: while
 * traffic flows it naps briefly ("shallow" sleep) and the producer wakes it only when a chunk
 * of LS_SINK_QUEUE_WAKE_CHUNK events is waiting; once a nap finds nothing it sleeps "deep"
 * and the next event wakes it at once. Measured: this halved CPU per event on the blackhole.
 */
#define LS_SINK_QUEUE_WAKE_CHUNK 256
#ifndef LS_SINK_QUEUE_H
#define LS_SINK_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_event;

struct ls_sink_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct ls_event **ring;
    size_t cap, head, count;
    bool waiting; /* the worker is (about to be) asleep */
    bool deep;    /* ... and wants the first event; else only a full chunk */
    bool closed;  /* no more pushes; set at shutdown */
    /* Back-pressure: a producer waits (bounded) for room; a sink that stays full sheds. */
    pthread_cond_t not_full;
    int producers_waiting;
    bool shedding;           /* full for longer than the wait budget: drop until half empty */
    void (*wake)(void *ctx); /* NULL = condition variable */
    void *wake_ctx;
};

int ls_sink_queue_init(struct ls_sink_queue *q, size_t cap);
/* Releases every event still queued. */
void ls_sink_queue_free(struct ls_sink_queue *q);
/*
 * Takes a new reference to ev on success; false when closed, or full for longer than
 * wait_ms. A full queue first pushes back (the intake waits, and upstream buffers such as
 * nats.c's pending queue absorb a burst); a queue that stays full for wait_ms starts shedding:
 * pushes fail at once until the worker has drained it to half, so one dead destination
 * stalls the intake once, briefly, and never again while it stays dead.
 */
bool ls_sink_queue_push(struct ls_sink_queue *q, struct ls_event *ev, int64_t wait_ms);
/* Moves up to max events into out (the caller now owns those references); returns how many. */
size_t ls_sink_queue_pop(struct ls_sink_queue *q, struct ls_event **out, size_t max);
size_t ls_sink_queue_depth(struct ls_sink_queue *q);
/*
 * For condition-variable queues: sleeps until an event arrives, the queue is poked, or
 * timeout_ms passes. With return_if_ready, returns at once when events are already queued
 * (a worker that cannot take events now passes false, to sleep until poked or timed out). For
 * wake-callback queues the caller sleeps elsewhere; it must call ls_sink_queue_arm() first and only
 * sleep when that returns true (queue empty).
 */
void ls_sink_queue_wait(struct ls_sink_queue *q, int64_t timeout_ms, bool return_if_ready,
                        bool deep);
bool ls_sink_queue_arm(struct ls_sink_queue *q, bool deep);
/* Wakes the worker (shutdown). */
void ls_sink_queue_poke(struct ls_sink_queue *q);

#endif
