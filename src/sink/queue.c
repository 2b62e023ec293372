/* A sink's bounded event queue; see queue.h. */
#include "sink/queue.h"
#include "event/event.h"
#include "util/time.h"
#include "util/wait_hook.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int ls_sink_queue_init(struct ls_sink_queue *q, size_t cap)
{
    q->ring = calloc(cap ? cap : 1, sizeof(*q->ring));
    if (!q->ring)
        return -1;
    q->cap = cap ? cap : 1;
    q->head = q->count = 0;
    q->waiting = false;
    q->closed = false;
    q->wake = NULL;
    q->wake_ctx = NULL;
    pthread_mutex_init(&q->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &ca);
    pthread_cond_init(&q->not_full, &ca);
    pthread_condattr_destroy(&ca);
    q->producers_waiting = 0;
    q->shedding = false;
    return 0;
}

void ls_sink_queue_free(struct ls_sink_queue *q)
{
    if (!q->ring)
        return;
    for (size_t i = 0; i < q->count; i++)
        ls_event_unref(q->ring[(q->head + i) % q->cap]);
    free(q->ring);
    q->ring = NULL;
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    pthread_cond_destroy(&q->not_full);
}

static void wake_locked(struct ls_sink_queue *q, bool *call_wake)
{
    if (q->waiting &&
        (q->deep || q->count >= LS_SINK_QUEUE_WAKE_CHUNK || q->closed || q->count == q->cap)) {
        q->waiting = false;
        if (q->wake)
            *call_wake = true;
        else
            pthread_cond_signal(&q->cond);
    }
}

bool ls_sink_queue_push(struct ls_sink_queue *q, struct ls_event *ev, int64_t wait_ms)
{
    bool call_wake = false;
    pthread_mutex_lock(&q->lock);
    if (q->count == q->cap && !q->closed && !q->shedding && wait_ms > 0) {
        struct timespec until;
        ls_time_deadline(&until, CLOCK_MONOTONIC, wait_ms);
        q->producers_waiting++;
        /* The worker must run to make room: make sure it is not napping. */
        q->deep = true;
        wake_locked(q, &call_wake);
        if (call_wake) {
            pthread_mutex_unlock(&q->lock);
            q->wake(q->wake_ctx);
            call_wake = false;
            pthread_mutex_lock(&q->lock);
        }
        int rc = 0;
        while (q->count == q->cap && !q->closed && rc != ETIMEDOUT)
            rc = ls_wait_hook_cond_wait(&q->not_full, &q->lock, CLOCK_MONOTONIC, &until);
        q->producers_waiting--;
        if (q->count == q->cap)
            q->shedding = true;
    }
    if (q->closed || q->count == q->cap || q->shedding) {
        pthread_mutex_unlock(&q->lock);
        return false;
    }
    q->ring[(q->head + q->count) % q->cap] = ls_event_ref(ev);
    q->count++;
    wake_locked(q, &call_wake);
    pthread_mutex_unlock(&q->lock);
    if (call_wake)
        q->wake(q->wake_ctx);
    return true;
}

size_t ls_sink_queue_pop(struct ls_sink_queue *q, struct ls_event **out, size_t max)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->count < max ? q->count : max;
    for (size_t i = 0; i < n; i++) {
        out[i] = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
    }
    q->count -= n;
    if (q->shedding && q->count <= q->cap / 2)
        q->shedding = false;
    if (n && q->producers_waiting)
        pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    return n;
}

size_t ls_sink_queue_depth(struct ls_sink_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void ls_sink_queue_wait(struct ls_sink_queue *q, int64_t timeout_ms, bool return_if_ready,
                        bool deep)
{
    struct timespec ts;
    ls_time_deadline(&ts, CLOCK_MONOTONIC, timeout_ms);
    pthread_mutex_lock(&q->lock);
    if (q->count == 0 || !return_if_ready) {
        q->waiting = true;
        q->deep = deep;
        int rc = 0;
        while (q->waiting && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&q->cond, &q->lock, &ts);
        q->waiting = false;
    }
    pthread_mutex_unlock(&q->lock);
}

bool ls_sink_queue_arm(struct ls_sink_queue *q, bool deep)
{
    pthread_mutex_lock(&q->lock);
    bool empty = q->count == 0;
    q->waiting = empty;
    q->deep = deep;
    pthread_mutex_unlock(&q->lock);
    return empty;
}

void ls_sink_queue_poke(struct ls_sink_queue *q)
{
    bool call_wake = false;
    pthread_mutex_lock(&q->lock);
    pthread_cond_broadcast(&q->not_full);
    q->deep = true;
    wake_locked(q, &call_wake);
    /* A curl-polling worker may be between arm and poll; the sticky wake-up covers it. */
    if (q->wake)
        call_wake = true;
    pthread_mutex_unlock(&q->lock);
    if (call_wake)
        q->wake(q->wake_ctx);
}
