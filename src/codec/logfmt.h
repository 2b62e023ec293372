/*
 * logfmt: one record as `key=value` pairs on one line, the way Vector 0.29's `logfmt` codec
 * writes it (vector-common encode_logfmt, PROVIDERS.md Part 2 §3). OpsVerse's Loki lines use
 * it. Leaf code: no logging, no state, any thread.
 *
 * Rules, from Vector's source:
 * - nested objects are flattened with `.` (`fly.app.name`), arrays with their index
 *   (`tags.0`, `tags.1`); empty objects and arrays write nothing;
 * - pairs are sorted by the flattened key (byte order) and joined by one space; when two paths
 *   flatten to the same key (`{"a":{"b":1},"a.b":2}`) the later one in sorted-key traversal
 *   wins, as Vector's BTreeMap insert does;
 * - `true` writes the bare key, `false` writes nothing, `null` writes `key=null`;
 * - a key or value is wrapped in `"` only when it contains a Unicode whitespace character
 *   (Rust's char::is_whitespace); inside keys and values, whether quoted or not, `\` becomes
 *   `\\`, `"` becomes `\"` and a line feed becomes the three characters `\\n` (Vector's quirk);
 *   every other byte, control characters included, is copied as is.
 * Deliberate difference (PROVIDERS.md §0 item 2): numbers are written as their JSON text as
 * received (`1.0` stays `1.0`, 2^64-1 stays exact) where Vector printed Rust's Display of its
 * i64/f64 (`1`, wrapped integers).
 */
#ifndef LS_LOGFMT_H
#define LS_LOGFMT_H

#include <stddef.h>

struct ls_buf;
struct json_object;

/* Nesting deeper than this is refused (bounds the recursion). */
#define LS_LOGFMT_MAX_DEPTH 1024

/*
 * Appends the logfmt line of obj (a JSON object; read only, never changed) to out, without a
 * line break. Returns 0, or -1 when obj is not an object, nesting exceeds LS_LOGFMT_MAX_DEPTH
 * or memory runs out; out then keeps its previous content.
 */
int ls_logfmt_encode(struct ls_buf *out, struct json_object *obj);

/* Appends s[0..n) as one logfmt key or value (quoting and escapes above). 0 or -1 (out of
   memory; out may then hold part of the text). */
int ls_logfmt_write_string(struct ls_buf *out, const char *s, size_t n);

#endif
