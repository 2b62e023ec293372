/*
 * Templates for provider presets: endpoint URLs, header values and similar strings written in
 * the shell forms fly-log-shipper's sink configs use, plus Vector's per-event `{{ field }}`
 * placeholders. A preset's templates are compiled once at start-up, bound to the environment
 * snapshot (core/env.h), and the ones with fields are rendered per event by the sink worker.
 *
 * Syntax (everything else is literal text, including `$$`, a `$` not followed by `{`,
 * backslashes and quotes):
 *   ${VAR}          the value of VAR; render fails with "VAR is not set" when unset ("" is set)
 *   ${VAR:-word}    VAR when set and non-empty, else word
 *   ${VAR-word}     VAR when set (even empty), else word
 *   ${VAR:+word}    word when VAR is set and non-empty, else nothing
 *   ${VAR+word}     word when VAR is set (even empty), else nothing
 *   {{ a.b.c }}     the event field at that dotted path (spaces inside the braces optional)
 * VAR is [A-Za-z_][A-Za-z0-9_]*. `word` is literal text that may contain one level of nested
 * `${...}` (e.g. `${BETTER_STACK_SOURCE_TOKEN:-${LOGTAIL_TOKEN}}`); it ends at the first `}`
 * that does not close a nested reference, and cannot contain fields.
 *
 * Values are used literally (PROVIDERS.md §0 item 4): a value containing `$`, `${X}`, `{{`,
 * quotes or backslashes is copied byte for byte and never expanded again.
 *
 * URL templates (ls_template_compile_url) differ in one way: a variable's value that lands in
 * the URL's path or query is percent-encoded (RFC 3986: unreserved `A-Za-z0-9-._~` kept,
 * every other byte as %XX, `/` included), so `AXIOM_DATASET=my logs/x` stays one path segment
 * (`my%20logs%2Fx`). Where a value lands is decided from the template's literal text before
 * the reference: after its `scheme://` (if any), a `/`, `?` or `#` starts the path or query.
 * Values before that point are the scheme, host or a whole base URL (`${HTTP_URL}`,
 * `https://${BETTER_STACK_INGESTING_HOST}`, `${HUMIO_ENDPOINT}/services/...`) and are copied
 * as they are. A nested reference is written the way its enclosing one is. The template's own
 * literal text, defaults included (`${BASELIME_DATASET:-flyio}`), is never encoded: it is
 * written as URL text already. Fields are written as the field callback renders them.
 *
 * Threads: compile and bind at start-up; a compiled template is then read-only and may be
 * rendered from several threads at once.
 */
#ifndef LS_TEMPLATE_H
#define LS_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

struct ls_buf;
struct ls_env;
struct ls_template;

/**
 * Field lookup for `{{ path }}`, supplied by the caller (usually the sink, over an event).
 * Appends the field's text to `out` and returns 0 when found; returns -1 when the field is
 * missing (the render fails for that event, as in Vector), or -2 when the value cannot be
 * written (out of memory or over the buffer cap). Rendering rules a callback should follow
 * (Vector's): a string verbatim; numbers and booleans as their JSON text; objects and arrays
 * as compact JSON; null as nothing. Partial output is discarded by the renderer on failure.
 */
typedef int (*ls_field_fn)(const char *path, struct ls_buf *out, void *ctx);

/**
 * Parses `text`. On success stores a new template in *out (free with ls_template_destroy)
 * and returns 0. Returns -1 with a message in `err` for a syntax error (unterminated `${` or
 * `{{`, empty or bad variable name, unknown operator, nesting deeper than one level, a field
 * inside a default, an empty or malformed field path) or when memory runs out; *out is then
 * untouched.
 */
int ls_template_compile(const char *text, struct ls_template **out, char *err, size_t errlen);

/** ls_template_compile for a URL: values in the path or query are percent-encoded (above). */
int ls_template_compile_url(const char *text, struct ls_template **out, char *err, size_t errlen);

/** Frees a template. Accepts NULL. */
void ls_template_destroy(struct ls_template *t);

/**
 * Replaces every `${...}` part by its value in `env`, so later renders need no environment
 * and the result is fixed for the life of the process. Fields stay as placeholders. Returns 0,
 * or -1 with "VAR is not set" (or an out-of-memory message) in `err`, leaving the template
 * unchanged. Call once, at start-up, before the template is shared between threads.
 */
int ls_template_bind(struct ls_template *t, const struct ls_env *env, char *err, size_t errlen);

/**
 * Calls fn once per distinct variable the template text references (in order of first
 * appearance), also after ls_template_bind. `required` is true when the render fails if that
 * variable alone is unset (a plain `${VAR}` outside any default). Returns the number of names.
 * For `--check`, which lists what a provider needs.
 */
int ls_template_env_names(const struct ls_template *t,
                          void (*fn)(const char *name, bool required, void *ctx), void *ctx);

/**
 * Appends the rendered text to `out`. `${...}` parts still unbound are looked up in `env`
 * (NULL env: an unbound reference is an error); fields are looked up through `field` (NULL:
 * a field is an error, for templates that must not have any). Returns 0, or -1 with a message
 * naming the variable or field in `err`; on failure `out` keeps its previous content.
 */
int ls_template_render(const struct ls_template *t, const struct ls_env *env, ls_field_fn field,
                       void *field_ctx, struct ls_buf *out, char *err, size_t errlen);

/** True when the template contains at least one `{{ field }}` (it must be rendered per event). */
bool ls_template_has_fields(const struct ls_template *t);

#endif
