/* The NDJSON file/stdin source; see stdin.h. */
#include "source/stdin.h"
#include "source/intake.h"
#include "core/log.h"
#include "util/time.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRAPPER_PREFIX "{\"subject\""

struct ls_stdin_source {
    FILE *f;
    bool owned;
    struct ls_intake *intake;
    void (*done)(void);
    pthread_t thread;
    atomic_bool stop;
};

/* A line in the {"subject","payload"} form gives both; anything else is the payload itself. */
static void push_line(struct ls_stdin_source *s, struct json_tokener *tok, const char *line,
                      size_t len)
{
    int64_t now = ls_time_now_ns();
    if (len >= sizeof(WRAPPER_PREFIX) - 1 &&
        memcmp(line, WRAPPER_PREFIX, sizeof(WRAPPER_PREFIX) - 1) == 0) {
        json_tokener_reset(tok);
        struct json_object *o = json_tokener_parse_ex(tok, line, (int)len);
        struct json_object *subj, *payload;
        if (o && json_object_is_type(o, json_type_object) && json_object_object_length(o) == 2 &&
            json_object_object_get_ex(o, "subject", &subj) &&
            json_object_object_get_ex(o, "payload", &payload) &&
            json_object_is_type(subj, json_type_string) &&
            json_object_is_type(payload, json_type_string)) {
            ls_intake_push(s->intake, json_object_get_string(subj), json_object_get_string(payload),
                           (size_t)json_object_get_string_len(payload), now);
            json_object_put(o);
            return;
        }
        json_object_put(o);
    }
    ls_intake_push(s->intake, "stdin", line, len, now);
}

static void *reader(void *arg)
{
    struct ls_stdin_source *s = arg;
    pthread_setname_np(pthread_self(), "ls-input");
    struct json_tokener *tok = json_tokener_new();
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    /* Cancellation is allowed only while waiting for input (see ls_stdin_stop), never while
       holding the intake's lock. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    for (;;) {
        if (atomic_load(&s->stop))
            break;
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        n = getline(&line, &cap, s->f);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        if (n < 0)
            break;
        size_t len = (size_t)n;
        if (len && line[len - 1] == '\n')
            len--;
        if (len && line[len - 1] == '\r')
            len--;
        if (tok)
            push_line(s, tok, line, len);
    }
    if (ferror(s->f))
        LS_ERROR("error reading the input");
    free(line);
    if (tok)
        json_tokener_free(tok);
    if (!atomic_load(&s->stop)) {
        LS_INFO("end of input, shutting down");
        s->done();
    }
    return NULL;
}

struct ls_stdin_source *ls_stdin_start(const char *path, struct ls_intake *in, void (*done)(void),
                                       char *err, size_t errlen)
{
    struct ls_stdin_source *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->intake = in;
    s->done = done;
    if (strcmp(path, "-") == 0) {
        s->f = stdin;
    } else {
        s->f = fopen(path, "rb");
        s->owned = true;
    }
    if (!s->f) {
        snprintf(err, errlen, "--input: cannot open %s", path);
        free(s);
        return NULL;
    }
    if (pthread_create(&s->thread, NULL, reader, s) != 0) {
        snprintf(err, errlen, "cannot start the input thread");
        if (s->owned)
            fclose(s->f);
        free(s);
        return NULL;
    }
    return s;
}

void ls_stdin_stop(struct ls_stdin_source *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    /* A reader blocked on a terminal or an idle pipe would wait for its next line; cancelling
       it there (the only place cancellation is enabled) keeps shutdown from hanging. */
    pthread_cancel(s->thread);
    pthread_join(s->thread, NULL);
    if (s->owned)
        fclose(s->f);
    free(s);
}
