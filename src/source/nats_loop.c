/*
 * The pump's event loop for nats.c; see nats_loop.h.
 *
 * Locking: nats.c calls the callbacks with its connection lock held, and they take only `mu`;
 * ls_nats_loop_run never holds `mu` while it calls into nats.c. So the order is always
 * connection lock, then `mu`.
 *
 * The socket is polled only for writes (which nats.c asks for rarely: SUB, PONG, PING) and
 * read after the nap without waiting for it. A socket nats.c closes while the pump is in poll
 * is harmless: nats.c first asks to stop reading (or detaches), and the pump re-reads the
 * state before every read; natsConnection_ProcessReadEvent checks under its own lock that the
 * connection still has that socket.
 */
#include "source/nats_loop.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct ls_nats_loop {
    pthread_mutex_t mu;
    natsConnection *nc; /* set once attached; nats.c keeps it alive until it is destroyed */
    int fd;             /* the attached socket, -1 when none */
    bool reading, writing;
    int wake_fd; /* eventfd: a write was asked for, or ls_nats_loop_wake */
};

struct ls_nats_loop *ls_nats_loop_create(void)
{
    struct ls_nats_loop *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->fd = -1;
    l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->wake_fd < 0) {
        free(l);
        return NULL;
    }
    pthread_mutex_init(&l->mu, NULL);
    return l;
}

void ls_nats_loop_destroy(struct ls_nats_loop *l)
{
    if (!l)
        return;
    close(l->wake_fd);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

void ls_nats_loop_wake(struct ls_nats_loop *l)
{
    uint64_t one = 1;
    /* Only fails with EAGAIN when the counter is already huge: the pump wakes either way. */
    if (write(l->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        return;
}

static natsStatus on_attach(void **user, void *loop, natsConnection *nc, natsSock sock)
{
    struct ls_nats_loop *l = loop;
    *user = l;
    pthread_mutex_lock(&l->mu);
    l->nc = nc;
    l->fd = (int)sock;
    l->reading = true;
    pthread_mutex_unlock(&l->mu);
    ls_nats_loop_wake(l);
    return NATS_OK;
}

static natsStatus on_read(void *user, bool add)
{
    struct ls_nats_loop *l = user;
    pthread_mutex_lock(&l->mu);
    l->reading = add;
    pthread_mutex_unlock(&l->mu);
    return NATS_OK;
}

static natsStatus on_write(void *user, bool add)
{
    struct ls_nats_loop *l = user;
    pthread_mutex_lock(&l->mu);
    l->writing = add;
    pthread_mutex_unlock(&l->mu);
    if (add)
        ls_nats_loop_wake(l);
    return NATS_OK;
}

static natsStatus on_detach(void *user)
{
    struct ls_nats_loop *l = user;
    pthread_mutex_lock(&l->mu);
    l->fd = -1;
    l->reading = l->writing = false;
    pthread_mutex_unlock(&l->mu);
    return NATS_OK;
}

natsStatus ls_nats_loop_install(struct ls_nats_loop *l, natsOptions *o)
{
    return natsOptions_SetEventLoop(o, l, on_attach, on_read, on_write, on_detach);
}

struct state {
    natsConnection *nc;
    int fd;
    bool reading, writing;
};

static struct state snapshot(struct ls_nats_loop *l)
{
    pthread_mutex_lock(&l->mu);
    struct state st = {l->nc, l->fd, l->reading, l->writing};
    pthread_mutex_unlock(&l->mu);
    return st;
}

/* 1 when fd has `events` now, 0 when not, -1 when it is not a usable socket any more. */
static int ready(int fd, short events)
{
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, 0);
    if (r <= 0)
        return 0;
    if (p.revents & POLLNVAL)
        return -1;
    /* A hang-up or error is news for nats.c's read, which starts the reconnect. */
    return (p.revents & (events | POLLHUP | POLLERR)) ? 1 : 0;
}

int ls_nats_loop_run(struct ls_nats_loop *l, long nap_us, int max_reads)
{
    struct state st = snapshot(l);
    if (nap_us > 0) {
        struct pollfd p[2] = {{.fd = l->wake_fd, .events = POLLIN},
                              {.fd = st.fd, .events = POLLOUT}};
        nfds_t n = (st.fd >= 0 && st.writing) ? 2 : 1;
        struct timespec ts = {nap_us / 1000000, (nap_us % 1000000) * 1000};
        if (ppoll(p, n, &ts, NULL) > 0 && (p[0].revents & POLLIN)) {
            uint64_t v;
            if (read(l->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                return 0;
        }
        st = snapshot(l);
    }
    if (st.fd >= 0 && st.writing && ready(st.fd, POLLOUT) == 1)
        natsConnection_ProcessWriteEvent(st.nc);
    int reads = 0;
    while (reads < max_reads) {
        st = snapshot(l);
        if (st.fd < 0 || !st.reading || ready(st.fd, POLLIN) != 1)
            break;
        natsConnection_ProcessReadEvent(st.nc);
        reads++;
    }
    return reads;
}
