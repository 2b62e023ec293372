/* Unit tests for sink/batch.c: what full and compact batches hold, release and acknowledge. */
#include "test.h"

#include "compress/gzip.h"
#include "event/event.h"
#include "sink/batch.h"
#include "util/buf.h"

#include <json-c/json.h>

struct probe_ack {
    struct ls_event_ack a;
    int done, ok;
};

static void probe_done(struct ls_event_ack *a, bool ok)
{
    struct probe_ack *p = (struct probe_ack *)a;
    p->done++;
    p->ok = ok;
}

static struct ls_event *event_with(const char *json, struct probe_ack *pa)
{
    struct ls_buf scratch;
    ls_buf_init(&scratch, 0);
    struct ls_event *ev =
        ls_event_create_buf(json_tokener_parse(json), "logs.a.ord.1", 1, 0, &scratch);
    ls_buf_free(&scratch);
    if (ev && pa) {
        pa->a.done = probe_done;
        atomic_store(&pa->a.refs, 1); /* the event's */
        ev->ack = &pa->a;
    }
    return ev;
}

/* Appends a record as the worker does and adds it to b; returns ls_batch_add's result. */
static int add(struct ls_batch *b, struct ls_event *ev)
{
    size_t off = b->body.len + (b->n ? 1 : 0);
    if (b->n)
        ls_buf_putc(&b->body, ',');
    ls_buf_append(&b->body, ev->json, ev->json_len);
    return ls_batch_add(b, ev, off, ev->json_len);
}

LS_TEST(test_batch_compact_releases_event_keeps_ack_until_settled)
{
    struct probe_ack pa = {0};
    struct ls_event *ev = event_with("{\"a\":1}", &pa);
    ls_event_ref(ev); /* ours, to watch the count */
    struct ls_batch *b = ls_batch_new(true);
    ls_buf_putc(&b->body, '[');
    CHECK_INT(add(b, ev), 0);
    CHECK_INT(atomic_load(&ev->refs), 1); /* the batch dropped its reference at once */
    ls_event_unref(ev);                   /* the event is gone; the ack is still held */
    CHECK_INT(pa.done, 0);
    CHECK_INT(b->recs[0].off, 1);
    CHECK_INT(b->recs[0].len, 7);
    ls_batch_free(b); /* settled: delivered */
    CHECK_INT(pa.done, 1);
    CHECK_INT(pa.ok, 1);
}

LS_TEST(test_batch_compact_veto_redelivers)
{
    struct probe_ack pa = {0};
    struct ls_batch *b = ls_batch_new(true);
    CHECK_INT(add(b, event_with("{\"a\":1}", &pa)), 0);
    ls_batch_veto(b);
    ls_batch_free(b);
    CHECK_INT(pa.done, 1);
    CHECK_INT(pa.ok, 0);
}

LS_TEST(test_batch_full_holds_the_event)
{
    struct ls_event *ev = event_with("{\"a\":1}", NULL);
    ls_event_ref(ev);
    struct ls_batch *b = ls_batch_new(false);
    CHECK_INT(add(b, ev), 0);
    CHECK_INT(atomic_load(&ev->refs), 2);
    CHECK(b->events[0] == ev);
    ls_batch_free(b);
    CHECK_INT(atomic_load(&ev->refs), 1);
    ls_event_unref(ev);
}

LS_TEST(test_batch_body_inflates_the_wire_bytes)
{
    struct ls_batch *b = ls_batch_new(true);
    ls_buf_putc(&b->body, '[');
    CHECK_INT(add(b, event_with("{\"a\":1}", NULL)), 0);
    CHECK_INT(add(b, event_with("{\"b\":\"two\"}", NULL)), 0);
    ls_buf_putc(&b->body, ']');
    struct ls_gzip *z = ls_gzip_create(1);
    CHECK_INT(ls_gzip_compress(z, b->body.data, b->body.len, &b->wire), 0);
    ls_gzip_destroy(z);
    ls_buf_free(&b->body); /* as seal() does: only the compressed bytes stay */
    struct ls_buf scratch;
    ls_buf_init(&scratch, 0);
    const char *raw = ls_batch_body(b, &scratch);
    CHECK(raw != NULL);
    CHECK_MEM(raw + b->recs[1].off, b->recs[1].len, "{\"b\":\"two\"}");
    CHECK_MEM(raw + b->recs[0].off, b->recs[0].len, "{\"a\":1}");
    ls_buf_free(&scratch);
    ls_batch_free(b);
}

LS_TEST(test_batch_compact_refuses_ranges_past_4g)
{
    struct probe_ack pa = {0};
    struct ls_batch *b = ls_batch_new(true);
    struct ls_event *ev = event_with("{\"a\":1}", &pa);
    CHECK_INT(ls_batch_add(b, ev, (size_t)UINT32_MAX, 2), -1);
    CHECK_INT(b->n, 0);
    CHECK_INT(pa.done, 0); /* nothing taken: the caller still owns the event and its ack */
    ls_event_unref(ev);
    CHECK_INT(pa.done, 1);
    ls_batch_free(b);
}

LS_TEST_MAIN(LS_CASE(test_batch_compact_releases_event_keeps_ack_until_settled),
             LS_CASE(test_batch_compact_veto_redelivers), LS_CASE(test_batch_full_holds_the_event),
             LS_CASE(test_batch_body_inflates_the_wire_bytes),
             LS_CASE(test_batch_compact_refuses_ranges_past_4g))
