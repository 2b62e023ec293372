/*
 * Reference-counted events; see event.h. The parser creates each event on its intake thread;
 * the last ls_event_unref, on whichever sink thread drops it, frees the json-c tree and the
 * single block that holds the struct, the subject and the canonical JSON.
 */
#include "event/event.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "event/json_canon.h"
#include "util/buf.h"
#include "util/time.h"

struct ls_event *ls_event_ref(struct ls_event *ev)
{
    atomic_fetch_add_explicit(&ev->refs, 1, memory_order_relaxed);
    return ev;
}

void ls_event_ack_ref(struct ls_event_ack *a)
{
    atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
}

void ls_event_ack_unref(struct ls_event_ack *a)
{
    if (a && atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) == 1)
        a->done(a, !atomic_load(&a->veto));
}

void ls_event_veto(struct ls_event *ev)
{
    if (ev->ack)
        atomic_store(&ev->ack->veto, true);
}

void ls_event_unref(struct ls_event *ev)
{
    if (!ev)
        return;
    /* acq_rel: the freeing thread must see every other holder's reads finished. */
    if (atomic_fetch_sub_explicit(&ev->refs, 1, memory_order_acq_rel) != 1)
        return;
    json_object_put(ev->root);
    ls_event_ack_unref(ev->ack);
    free(ev);
}

static void record_time(struct ls_event *ev)
{
    struct json_object *ts;

    ev->time_ns = ev->recv_ns;
    ev->time_from_record = false;
    if (ev->flags & LS_EVENT_RAW)
        return;
    if (!json_object_object_get_ex(ev->root, "timestamp", &ts) ||
        !json_object_is_type(ts, json_type_string))
        return;
    int64_t ns;
    if (ls_time_parse_rfc3339(json_object_get_string(ts), (size_t)json_object_get_string_len(ts),
                              &ns) == 0) {
        ev->time_ns = ns;
        ev->time_from_record = true;
    }
}

struct ls_event *ls_event_create_buf(struct json_object *root, const char *subject, int64_t recv_ns,
                                     unsigned flags, struct ls_buf *scratch)
{
    if (!subject)
        subject = "";
    ls_buf_reset(scratch);
    if (!json_object_is_type(root, json_type_object) || ls_json_canon_write(scratch, root) != 0) {
        json_object_put(root);
        return NULL;
    }
    size_t slen = strlen(subject), jlen = scratch->len;
    const char *app = NULL;
    size_t alen = 0;
    struct json_object *fly, *fapp, *name;
    if (json_object_object_get_ex(root, "fly", &fly) &&
        json_object_object_get_ex(fly, "app", &fapp) &&
        json_object_object_get_ex(fapp, "name", &name) &&
        json_object_is_type(name, json_type_string)) {
        app = json_object_get_string(name);
        alen = strlen(app);
    }
    struct ls_event *ev = malloc(sizeof(*ev) + slen + 1 + jlen + 1 + (app ? alen + 1 : 0));
    if (!ev) {
        json_object_put(root);
        return NULL;
    }
    atomic_init(&ev->refs, 1);
    ev->ack = NULL;
    ev->seq = 0;
    ev->flags = flags;
    ev->root = root;
    ev->subject = (char *)(ev + 1);
    memcpy(ev->subject, subject, slen + 1);
    ev->json = ev->subject + slen + 1;
    memcpy(ev->json, scratch->data, jlen);
    ev->json[jlen] = '\0';
    ev->json_len = jlen;
    ev->app = NULL;
    if (app) {
        char *a = ev->json + jlen + 1;
        memcpy(a, app, alen + 1);
        ev->app = a;
    }
    ev->recv_ns = recv_ns;
    record_time(ev);
    return ev;
}

struct ls_event *ls_event_create(struct json_object *root, const char *subject, int64_t recv_ns,
                                 unsigned flags)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    struct ls_event *ev = ls_event_create_buf(root, subject, recv_ns, flags, &b);
    ls_buf_free(&b);
    return ev;
}

struct ls_event *ls_event_create_json(const char *json, size_t len, const char *subject,
                                      int64_t recv_ns, const char *ts, size_t ts_len,
                                      const char *app, size_t app_len)
{
    if (!subject)
        subject = "";
    size_t slen = strlen(subject);
    struct ls_event *ev = malloc(sizeof(*ev) + slen + 1 + len + 1 + (app ? app_len + 1 : 0));
    if (!ev)
        return NULL;
    atomic_init(&ev->refs, 1);
    ev->ack = NULL;
    ev->seq = 0;
    ev->flags = 0;
    ev->root = NULL;
    ev->subject = (char *)(ev + 1);
    memcpy(ev->subject, subject, slen + 1);
    ev->json = ev->subject + slen + 1;
    memcpy(ev->json, json, len);
    ev->json[len] = '\0';
    ev->json_len = len;
    ev->app = NULL;
    if (app) {
        char *a = ev->json + len + 1;
        memcpy(a, app, app_len);
        a[app_len] = '\0';
        ev->app = a;
    }
    ev->recv_ns = recv_ns;
    ev->time_ns = recv_ns;
    ev->time_from_record = false;
    int64_t t;
    if (ts && ls_time_parse_rfc3339(ts, ts_len, &t) == 0) {
        ev->time_ns = t;
        ev->time_from_record = true;
    }
    return ev;
}

void ls_event_release_tree(struct ls_event *ev)
{
    json_object_put(ev->root);
    ev->root = NULL;
}

/* Looks one segment up in an object; segments longer than the stack copy are compared by hand. */
static struct json_object *member(struct json_object *o, const char *seg, size_t n)
{
    char key[256];
    struct json_object *v;

    if (!json_object_is_type(o, json_type_object))
        return NULL;
    if (n < sizeof(key)) {
        memcpy(key, seg, n);
        key[n] = '\0';
        return json_object_object_get_ex(o, key, &v) ? v : NULL;
    }
    json_object_object_foreach(o, k, val)
    {
        if (strlen(k) == n && memcmp(k, seg, n) == 0)
            return val;
    }
    return NULL;
}

struct json_object *ls_json_path(struct json_object *root, const char *path)
{
    struct json_object *cur = root;
    const char *p = path;

    if (!root || !path || !*path)
        return NULL;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0)
            return NULL;
        cur = member(cur, p, n);
        if (!cur || !dot)
            return cur;
        p = dot + 1;
    }
}

const char *ls_event_str(const struct ls_event *ev, const char *path)
{
    struct json_object *v = ev ? ls_json_path(ev->root, path) : NULL;
    return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}
