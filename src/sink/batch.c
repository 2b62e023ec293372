/* Full and compact batches; see batch.h. */
#include "sink/batch.h"
#include "compress/gzip.h"
#include "event/event.h"

#include <stdlib.h>

struct ls_batch *ls_batch_new(bool compact)
{
    struct ls_batch *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->compact = compact;
    ls_buf_init(&b->body, 0);
    ls_buf_init(&b->wire, 0);
    return b;
}

void ls_batch_free(struct ls_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        if (b->compact)
            ls_event_ack_unref(b->recs[i].ack);
        else
            ls_event_unref(b->events[i]);
    }
    free(b->events);
    free(b->recs);
    ls_buf_free(&b->body);
    ls_buf_free(&b->wire);
    free(b->partition);
    free(b->object);
    free(b);
}

void ls_batch_veto(struct ls_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        if (!b->compact)
            ls_event_veto(b->events[i]);
        else if (b->recs[i].ack)
            atomic_store(&b->recs[i].ack->veto, true);
    }
}

static int grow(struct ls_batch *b)
{
    size_t cap = b->cap ? b->cap * 2 : 64;
    if (b->compact) {
        struct ls_batch_rec *r = realloc(b->recs, cap * sizeof(*r));
        if (!r)
            return -1;
        b->recs = r;
    } else {
        struct ls_event **e = realloc(b->events, cap * sizeof(*e));
        if (!e)
            return -1;
        b->events = e;
    }
    b->cap = cap;
    return 0;
}

int ls_batch_add(struct ls_batch *b, struct ls_event *ev, size_t off, size_t len)
{
    if (!b->compact) {
        if (b->n == b->cap && grow(b) != 0)
            return -1;
        b->events[b->n++] = ev;
        return 0;
    }
    if (ev->ack)
        ls_event_ack_ref(ev->ack);
    if (ls_batch_add_rec(b, off, len, ev->ack) != 0) {
        ls_event_ack_unref(ev->ack);
        return -1;
    }
    ls_event_unref(ev);
    return 0;
}

int ls_batch_add_rec(struct ls_batch *b, size_t off, size_t len, struct ls_event_ack *ack)
{
    if (!b->compact || off > UINT32_MAX || len > UINT32_MAX - off ||
        (b->n == b->cap && grow(b) != 0))
        return -1;
    b->recs[b->n++] = (struct ls_batch_rec){(uint32_t)off, (uint32_t)len, ack};
    return 0;
}

const char *ls_batch_body(const struct ls_batch *b, struct ls_buf *scratch)
{
    if (!b->wire.len)
        return b->body.data ? b->body.data : "";
    /* The records end where the last one does; the suffix follows, so this bounds the size. */
    size_t need = b->n ? (size_t)b->recs[b->n - 1].off + b->recs[b->n - 1].len : 0;
    if (ls_gzip_decompress(b->wire.data, b->wire.len, scratch, need + 4096) != 0 ||
        scratch->len < need)
        return NULL;
    return scratch->data;
}
