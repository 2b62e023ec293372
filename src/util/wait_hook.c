/* Work a thread keeps doing while it waits; see wait_hook.h. */
#include "util/wait_hook.h"
#include "util/time.h"

#include <errno.h>
#include <stdbool.h>

static _Thread_local ls_wait_hook_fn hook_fn;
static _Thread_local void *hook_arg;
static _Thread_local bool in_hook; /* the hook itself may wait: no recursion */

void ls_wait_hook_set(ls_wait_hook_fn fn, void *arg)
{
    hook_fn = fn;
    hook_arg = arg;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int ls_wait_hook_cond_wait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clock,
                           const struct timespec *until)
{
    if (!hook_fn || in_hook)
        return until ? pthread_cond_timedwait(c, m, until) : pthread_cond_wait(c, m);
    struct timespec slice;
    ls_time_deadline(&slice, clock, LS_WAIT_HOOK_SLICE_MS);
    bool last = until && !before(&slice, until);
    int rc = pthread_cond_timedwait(c, m, last ? until : &slice);
    if (rc != ETIMEDOUT || last)
        return rc;
    pthread_mutex_unlock(m);
    in_hook = true;
    hook_fn(hook_arg);
    in_hook = false;
    pthread_mutex_lock(m);
    return 0;
}
