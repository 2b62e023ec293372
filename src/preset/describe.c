/*
 * `logship --providers`: the provider table as JSON, for the generated provider reference
 * (scripts/gen-provider-docs.py writes docs/providers.md from it, and a test checks that the
 * committed page matches). One object per row, in table order.
 */
#include "preset/preset.h"
#include "event/json_canon.h"
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

static void str(struct ls_buf *b, const char *key, const char *v, int comma)
{
    if (comma)
        ls_buf_putc(b, ',');
    ls_json_canon_write_string(b, key, strlen(key));
    ls_buf_putc(b, ':');
    if (v)
        ls_json_canon_write_string(b, v, strlen(v));
    else
        ls_buf_puts(b, "null");
}

static void list(struct ls_buf *b, const char *key, const char *const *v)
{
    ls_buf_putc(b, ',');
    ls_json_canon_write_string(b, key, strlen(key));
    ls_buf_puts(b, ":[");
    for (size_t i = 0; v && v[i]; i++) {
        if (i)
            ls_buf_putc(b, ',');
        ls_json_canon_write_string(b, v[i], strlen(v[i]));
    }
    ls_buf_putc(b, ']');
}

int ls_presets_print_json(FILE *out)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    ls_buf_putc(&b, '[');
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++) {
        if (i)
            ls_buf_putc(&b, ',');
        ls_buf_putc(&b, '{');
        str(&b, "name", p->name, 0);
        str(&b, "env_name", p->env_name, 1);
        str(&b, "kind", p->kind, 1);
        str(&b, "doc", p->doc, 1);
        str(&b, "url", p->url, 1);
        str(&b, "method", p->method ? p->method : "POST", 1);
        str(&b, "content_type", p->content_type, 1);
        list(&b, "headers", p->headers);
        list(&b, "differences", p->differences);
        ls_buf_puts(&b, ",\"vars\":[");
        for (const struct ls_preset_var *v = p->vars; v->name; v++) {
            if (v != p->vars)
                ls_buf_putc(&b, ',');
            ls_buf_putc(&b, '{');
            str(&b, "name", v->name, 0);
            str(&b, "default", v->def, 1);
            str(&b, "doc", v->doc, 1);
            ls_buf_printf(&b, ",\"required\":%s,\"secret\":%s,\"one_of\":%s,\"empty_ok\":%s}",
                          v->flags & LS_VAR_REQUIRED ? "true" : "false",
                          v->flags & LS_VAR_SECRET ? "true" : "false",
                          v->flags & LS_VAR_ONE_OF ? "true" : "false",
                          v->flags & LS_VAR_EMPTY_OK ? "true" : "false");
        }
        ls_buf_printf(&b,
                      "],\"batch_max_events\":%zu,\"batch_max_bytes\":%zu,"
                      "\"batch_timeout_ms\":%llu,\"compression\":\"%s\"}",
                      p->batch_max_events,
                      p->batch_max_bytes ? p->batch_max_bytes : LS_SINK_DEFAULT_BATCH_BYTES,
                      (unsigned long long)(p->batch_timeout_ms ? p->batch_timeout_ms : 1000),
                      p->compression == LS_COMPRESS_GZIP ? "gzip" : "none");
    }
    ls_buf_puts(&b, "]\n");
    int rc = fwrite(b.data, 1, b.len, out) == b.len ? 0 : -1;
    ls_buf_free(&b);
    return rc;
}
