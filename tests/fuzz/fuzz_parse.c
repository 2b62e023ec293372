/*
 * libFuzzer target for the record parser (event/parse.c) and the canonical writer.
 *
 * Every payload must come out as events whose JSON is strict JSON (json-c strict), valid UTF-8,
 * an object, free of raw NUL bytes, and a fixed point: parsing an event's JSON again yields one
 * non-raw event with the same bytes (unless the event is nested deeper than the parser takes,
 * which a wrapped top-level array can be). Crashes, leaks and UB are caught by the sanitizers.
 *
 * Build (from the repository root; clang with libFuzzer):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *     tests/fuzz/fuzz_parse.c src/event/parse.c src/event/event.c src/event/json_canon.c \
 *     src/event/utf8.c src/util/time.c src/util/buf.c $(pkg-config --cflags --libs json-c) -lm \
 *     -o fuzz_parse
 *   ./fuzz_parse tests/fuzz/corpus/parse
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "event/parse.h"
#include "event/json_canon.h"
#include "util/buf.h"
#include "event/utf8.h"

/* Each input goes through a parser with a small limit (the truncation path) and one with a
 * limit above libFuzzer's input sizes (the full parse). */
static const size_t limits[2] = {256, 1 << 20};
#define PARSER_NESTING 127

struct seen {
    struct ls_event *ev[64];
    int n, total;
};

static void collect(struct ls_event *ev, void *ctx)
{
    struct seen *s = ctx;
    s->total++;
    if (s->n < 64)
        s->ev[s->n++] = ev;
    else
        ls_event_unref(ev);
}

static int depth(struct json_object *o)
{
    int d = 0;
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v)
        {
            (void)k;
            int c = depth(v);
            d = c > d ? c : d;
        }
        return d + 1;
    }
    if (json_object_is_type(o, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            int c = depth(json_object_array_get_idx(o, i));
            d = c > d ? c : d;
        }
        return d + 1;
    }
    return 0;
}

/* The fast path (payload already canonical, no tree) must agree with the slow one exactly. */
static void check_fast_path(struct ls_parser *again, struct ls_event *ev)
{
    if (ev->flags != 0 || ls_parse_tree(again, ev) != 0)
        abort();
    struct ls_buf b;
    ls_buf_init(&b, 0);
    if (ls_json_canon_write(&b, ev->root) != 0 || b.len != ev->json_len ||
        memcmp(b.data, ev->json, b.len) != 0) {
        fprintf(stderr, "fast path is not canonical:\n  %s\n  %s\n", ev->json, b.data);
        abort();
    }
    ls_buf_free(&b);
    const char *app = ls_event_str(ev, "fly.app.name");
    if ((app == NULL) != (ev->app == NULL) || (app && strcmp(app, ev->app) != 0))
        abort();
}

static void check_event(struct ls_parser *again, struct json_tokener *strict, struct ls_event *ev)
{
    if (!ev->root)
        check_fast_path(again, ev);
    if (!json_object_is_type(ev->root, json_type_object) || ev->json_len != strlen(ev->json) ||
        !ls_utf8_valid(ev->json, ev->json_len) || ev->json[0] != '{')
        abort();

    json_tokener_reset(strict);
    struct json_object *o = json_tokener_parse_ex(strict, ev->json, (int)ev->json_len);
    if (!o || json_tokener_get_error(strict) != json_tokener_success ||
        json_tokener_get_parse_end(strict) != ev->json_len)
        abort();
    json_object_put(o);

    if (ev->flags & LS_EVENT_RAW) {
        struct json_object *m;
        if (!json_object_object_get_ex(ev->root, "message", &m) ||
            !json_object_is_type(m, json_type_string))
            abort();
    }

    struct seen s = {0};
    int rc = ls_parse_payload(again, "s", ev->json, ev->json_len, 0, collect, &s, NULL);
    if (rc != 1 || s.n != 1)
        abort();
    if (depth(ev->root) <= PARSER_NESTING &&
        (s.ev[0]->flags != 0 || s.ev[0]->json_len != ev->json_len ||
         memcmp(s.ev[0]->json, ev->json, ev->json_len) != 0)) {
        fprintf(stderr, "not a fixed point:\n  %s\n  %s\n", ev->json, s.ev[0]->json);
        abort();
    }
    ls_event_unref(s.ev[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ls_parser *p[2], *again;
    static struct json_tokener *strict;
    if (!again) {
        p[0] = ls_parser_create(limits[0]);
        p[1] = ls_parser_create(limits[1]);
        again = ls_parser_create(64 * 1024 * 1024);
        strict = json_tokener_new_ex(PARSER_NESTING + 8);
        if (!p[0] || !p[1] || !again || !strict)
            abort();
        json_tokener_set_flags(strict, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    }

    for (int k = 0; k < 2; k++) {
        struct ls_parse_stats st = {0};
        struct seen s = {0};
        int rc = ls_parse_payload(p[k], "logs.app.ord.1", (const char *)data, size,
                                  INT64_C(1795428001123456789), collect, &s, &st);
        if (rc < 0 || rc != s.total || (uint64_t)rc != st.events)
            abort();
        if (rc == 0 && st.empty + st.empty_array != 1)
            abort();
        if ((size > limits[k]) != (st.truncated == 1) || (st.truncated && rc != 1))
            abort();
        for (int i = 0; i < s.n; i++) {
            check_event(again, strict, s.ev[i]);
            ls_event_unref(s.ev[i]);
        }
    }
    return 0;
}
