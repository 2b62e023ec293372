/*
 * The `blackhole` sink (LOGSHIP_BLACKHOLE=1): counts and discards, for benchmarks. It still
 * goes through the queue and the worker, so it measures everything but encoding and I/O.
 */
#include "sink/kinds/kinds.h"

static int blackhole_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    (void)s;
    (void)ev;
    (void)out;
    return 0;
}

static int blackhole_write(struct ls_sink *s, struct ls_batch *b, char *err, size_t errlen)
{
    (void)s;
    (void)b;
    (void)err;
    (void)errlen;
    return 0;
}

const struct ls_sink_kind ls_kind_blackhole = {
    .name = "blackhole",
    .encode = blackhole_encode,
    .write = blackhole_write,
};
