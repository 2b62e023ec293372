/* Unit tests for util/wait_hook.c: a thread with a hook runs it while it waits, and only it. */
#include "test.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "util/time.h"
#include "util/wait_hook.h"

struct room {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool free;      /* the condition the waiter waits for */
    int calls;      /* hook runs */
    int free_after; /* the hook makes room after this many runs (0: never) */
};

static void hook(void *arg)
{
    struct room *r = arg;
    /* The waiter's lock is released while the hook runs: taking it must not deadlock. */
    pthread_mutex_lock(&r->lock);
    r->calls++;
    if (r->free_after && r->calls >= r->free_after)
        r->free = true;
    pthread_mutex_unlock(&r->lock);
}

static void room_init(struct room *r, int free_after)
{
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    r->free = false;
    r->calls = 0;
    r->free_after = free_after;
}

LS_TEST(test_wait_hook_runs_while_waiting_without_deadline)
{
    struct room r;
    room_init(&r, 3);
    ls_wait_hook_set(hook, &r);
    pthread_mutex_lock(&r.lock);
    while (!r.free)
        ls_wait_hook_cond_wait(&r.cond, &r.lock, CLOCK_REALTIME, NULL);
    int calls = r.calls;
    pthread_mutex_unlock(&r.lock);
    ls_wait_hook_set(NULL, NULL);
    CHECK_INT(calls, 3); /* no signal ever came: only the hook's slices ended the waits */
}

LS_TEST(test_wait_hook_deadline_still_times_out)
{
    struct room r;
    room_init(&r, 0);
    ls_wait_hook_set(hook, &r);
    struct timespec until;
    ls_time_deadline(&until, CLOCK_REALTIME, 10 * LS_WAIT_HOOK_SLICE_MS);
    pthread_mutex_lock(&r.lock);
    int rc = 0;
    while (!r.free && rc != ETIMEDOUT)
        rc = ls_wait_hook_cond_wait(&r.cond, &r.lock, CLOCK_REALTIME, &until);
    int calls = r.calls;
    pthread_mutex_unlock(&r.lock);
    ls_wait_hook_set(NULL, NULL);
    CHECK_INT(rc, ETIMEDOUT);
    CHECK(calls >= 1);
    CHECK(calls <= 10);
}

LS_TEST(test_wait_hook_absent_is_a_plain_timed_wait)
{
    struct room r;
    room_init(&r, 1);
    struct timespec until;
    ls_time_deadline(&until, CLOCK_REALTIME, 2 * LS_WAIT_HOOK_SLICE_MS);
    pthread_mutex_lock(&r.lock);
    int rc = ls_wait_hook_cond_wait(&r.cond, &r.lock, CLOCK_REALTIME, &until);
    pthread_mutex_unlock(&r.lock);
    CHECK_INT(rc, ETIMEDOUT);
    CHECK_INT(r.calls, 0);
}

static void *other_thread(void *arg)
{
    struct room *r = arg;
    struct timespec until;
    ls_time_deadline(&until, CLOCK_REALTIME, 3 * LS_WAIT_HOOK_SLICE_MS);
    pthread_mutex_lock(&r->lock);
    int rc = 0;
    while (rc != ETIMEDOUT)
        rc = ls_wait_hook_cond_wait(&r->cond, &r->lock, CLOCK_REALTIME, &until);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

LS_TEST(test_wait_hook_belongs_to_the_thread_that_set_it)
{
    struct room r;
    room_init(&r, 0);
    ls_wait_hook_set(hook, &r);
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, other_thread, &r), 0);
    pthread_join(t, NULL);
    ls_wait_hook_set(NULL, NULL);
    CHECK_INT(r.calls, 0);
}

LS_TEST_MAIN(LS_CASE(test_wait_hook_runs_while_waiting_without_deadline),
             LS_CASE(test_wait_hook_deadline_still_times_out),
             LS_CASE(test_wait_hook_absent_is_a_plain_timed_wait),
             LS_CASE(test_wait_hook_belongs_to_the_thread_that_set_it))
