/*
 * Work a thread keeps doing while it waits for room downstream.
 *
 * The NATS pump reads its own socket (source/nats_loop.h). When it blocks because a sink queue
 * or a parsing lane is full, the socket must still be read: otherwise the backlog waits in
 * the NATS server, which disconnects a client it considers slow, and what it held is lost
 * without a count. With a hook set, the blocking waits on that thread wake every
 * LS_WAIT_HOOK_SLICE_MS to run it, so messages pile up in nats.c's buffer instead, whose
 * limits drop them counted (logship_nats_dropped_total), as nats.c's own reader thread did.
 */
#ifndef LS_UTIL_WAIT_HOOK_H
#define LS_UTIL_WAIT_HOOK_H

#include <pthread.h>
#include <time.h>

#define LS_WAIT_HOOK_SLICE_MS 5

typedef void (*ls_wait_hook_fn)(void *arg);

/* For the calling thread only; fn NULL removes it. */
void ls_wait_hook_set(ls_wait_hook_fn fn, void *arg);

/*
 * pthread_cond_timedwait (until on the cond's clock `clock`; until NULL waits without a
 * deadline), except that with a hook set on this thread it returns 0 after at most one slice,
 * having run the hook with `m` unlocked. Callers re-check their condition in a loop anyway.
 */
int ls_wait_hook_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                           const struct timespec *until);

#endif
