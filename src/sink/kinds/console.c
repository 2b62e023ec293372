/*
 * The `console` sink: records on stdout, for the demo and for `fly logs`-style tailing.
 * LOGSHIP_CONSOLE=json prints each canonical record on its own line; =text prints what
 * `fly logs` shows: `<timestamp> <event.provider>[<fly.app.instance>] <fly.region> [<level>]
 * <message>`.
 */
#include "sink/kinds/kinds.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/parse.h"
#include "util/time.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct console_ctx {
    int text;
    struct ls_parser *parser; /* the text form reads fields from a private tree */
};

static int console_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    static const char *const modes[] = {"json", "text", NULL};
    struct console_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    s->ctx = c;
    char err[256];
    int mode = 0;
    if (ls_env_enum(env, "LOGSHIP_CONSOLE", modes, 0, &mode, err, sizeof(err)) != 0)
        ls_problems_add(p, "%s", err);
    c->text = mode == 1;
    if (c->text && !(c->parser = ls_parser_create(0)))
        return -1;
    return 0;
}

/* A text field with line breaks shown as spaces, so one record stays one line, and other
   control characters escaped (\x01), so a record cannot drive the terminal. */
static void put_field(struct ls_buf *out, const char *v)
{
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if (c == '\n' || c == '\r')
            ls_buf_putc(out, ' ');
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            ls_buf_printf(out, "\\x%02x", c);
        else
            ls_buf_putc(out, (char)c);
    }
}

static const char *str_at(struct json_object *root, const char *path)
{
    struct json_object *v = ls_json_path(root, path);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int encode_text(struct console_ctx *c, struct ls_event *ev, struct ls_buf *out)
{
    struct json_object *root = ls_parse_object(c->parser, ev->json, ev->json_len);
    if (!root)
        return -1;
    const char *ts = str_at(root, "timestamp");
    char tbuf[48];
    if (!ts) {
        ls_time_format_rfc3339(tbuf, sizeof(tbuf), ev->time_ns, 9);
        ts = tbuf;
    }
    put_field(out, ts);
    const char *provider = str_at(root, "event.provider");
    const char *instance = str_at(root, "fly.app.instance");
    const char *region = str_at(root, "fly.region");
    const char *level = str_at(root, "log.level");
    if (provider || instance) {
        ls_buf_putc(out, ' ');
        put_field(out, provider ? provider : "-");
        ls_buf_putc(out, '[');
        put_field(out, instance ? instance : "-");
        ls_buf_putc(out, ']');
    }
    if (region) {
        ls_buf_putc(out, ' ');
        put_field(out, region);
    }
    if (level) {
        ls_buf_puts(out, " [");
        put_field(out, level);
        ls_buf_putc(out, ']');
    }
    ls_buf_putc(out, ' ');
    struct json_object *msg = ls_json_path(root, "message");
    if (msg && json_object_is_type(msg, json_type_string))
        put_field(out, json_object_get_string(msg));
    else if (msg)
        put_field(out, json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
    json_object_put(root);
    return ls_buf_putc(out, '\n');
}

static int console_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    struct console_ctx *c = s->ctx;
    if (c->text)
        return encode_text(c, ev, out);
    if (ls_buf_append(out, ev->json, ev->json_len) != 0)
        return -1;
    return ls_buf_putc(out, '\n');
}

static int console_write(struct ls_sink *s, struct ls_batch *b, char *err, size_t errlen)
{
    (void)s;
    if (fwrite(b->body.data, 1, b->body.len, stdout) != b->body.len || fflush(stdout) != 0) {
        snprintf(err, errlen, "cannot write to stdout");
        clearerr(stdout);
        return LS_OUTCOME_RETRY;
    }
    return LS_OUTCOME_OK;
}

static void console_destroy(struct ls_sink *s)
{
    struct console_ctx *c = s->ctx;
    if (c)
        ls_parser_destroy(c->parser);
    free(s->ctx);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_console = {
    .name = "console",
    .configure = console_configure,
    .encode = console_encode,
    .write = console_write,
    .destroy = console_destroy,
};
