/*
 * Canonical JSON: the bytes Vector's serde_json writes for an event (PROVIDERS Part 1 §1.5),
 * except that numbers keep their original text (contract §0 item 2).
 *
 * Compact, object keys sorted by byte order at every level, strings escaped as serde_json does
 * (`\"`, `\\`, `\b \t \n \f \r`, other bytes below 0x20 as `\u00xx` in lower-case hex; `/`, DEL
 * and non-ASCII raw). The parser calls this once per record (event.c); sinks call it on their
 * own modified copies and use ls_json_canon_write_string for the envelopes they build.
 *
 * Leaf code: no logging; read-only on the tree (safe on a shared, published event from any
 * thread); no allocation except growing `out` and, for objects with more than 16 keys, one key
 * array per object.
 */
#ifndef LS_JSON_CANON_H
#define LS_JSON_CANON_H

#include <stddef.h>

struct ls_buf;
struct json_object;

/* Objects and arrays nested deeper than this are refused (bounds the recursion). */
#define LS_JSON_CANON_MAX_DEPTH 1024

/*
 * Appends the canonical serialisation of obj (NULL is JSON null) to out. Numbers:
 * - integers print in decimal over the whole int64 and uint64 ranges;
 * - a double that carries json-c's original text (the tokener's json_object_new_double_s, kept
 *   by json_object_deep_copy) prints that text unchanged (`1.50`, `1E3`), except that text of
 *   the form `-?[0-9]+.0` whose integer part lies outside [INT64_MIN, UINT64_MAX] prints
 *   without its `.0`: the parser rewrites such big integer literals to `N.0` because json-c
 *   would clamp them (parse.c), so this restores the original digits;
 * - any other double prints in serde_json/ryu style (`1.0`, `1.5e-7`, `1e16`), non-finite as
 *   null.
 * Returns 0, or -1 when out cannot grow or nesting exceeds LS_JSON_CANON_MAX_DEPTH; out may
 * then hold a partial value (callers discard it).
 */
int ls_json_canon_write(struct ls_buf *out, struct json_object *obj);

/*
 * Appends s[0..n) as a JSON string literal with the escapes above. s is assumed to be valid
 * UTF-8 (it is copied as is); it may contain NUL bytes. Returns 0 or -1 as ls_buf_append.
 */
int ls_json_canon_write_string(struct ls_buf *out, const char *s, size_t n);

/*
 * Length of the leading run of s[0..n) that a JSON string literal holds as is: bytes >= 0x20
 * other than `"` and `\`. Non-ASCII bytes count as plain (they are not checked here). Shared
 * with the parser's scan, which validates UTF-8 separately.
 */
size_t ls_json_canon_plain_run(const char *s, size_t n);

/*
 * Reading canonical JSON text without a tree (every event's `json` is canonical): a sink that
 * only picks values and copies members can work on the bytes. Values are spans of the text;
 * strings keep their quotes and escapes, which canonical form makes the same as writing the
 * unescaped string again with ls_json_canon_write_string.
 */
struct ls_json_span {
    const char *p;
    size_t n;
};
/* End of the value starting at s (no white space allowed), or NULL when [s, end) holds no
   complete value. Nesting is bounded by LS_JSON_CANON_MAX_DEPTH. */
const char *ls_json_canon_skip(const char *s, const char *end);
/*
 * Steps through the members of an object: *pos starts at the object's first byte (`{`); each
 * call sets key (the raw bytes between the quotes, escapes as written) and value, and returns 1,
 * or 0 after the last member, -1 when the text is not an object.
 */
int ls_json_canon_next_member(const char **pos, const char *end, struct ls_json_span *key,
                              struct ls_json_span *value);
/* The value at a dotted path of plain keys ("fly.app.name") in object text; 1 found, else 0. */
int ls_json_canon_path(struct ls_json_span obj, const char *path, struct ls_json_span *value);

#endif
