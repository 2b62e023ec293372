/*
 * Helpers shared by the saas family's kinds (Datadog, Honeycomb, New Relic, Mezmo, Humio HEC),
 * implemented in sink/kinds/family_saas.c: Vector's `all_fields` flattening (Honeycomb `data`,
 * New Relic logs), the record-time rule of PROVIDERS.md §0 item 3, percent-encoding, base64,
 * and small edits of a kind's struct ls_kind_common. Leaf code: no logging, any thread.
 */
#ifndef LS_KINDS_SAAS_H
#define LS_KINDS_SAAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct json_object;
struct ls_env;
struct ls_event;
struct ls_kind_common;
struct ls_preset;

/* One flattened leaf: key text at keys.data + key_off (NUL-terminated), value borrowed from
   the tree that was flattened. */
struct ls_saas_field {
    size_t key_off;
    struct json_object *value;
};

/* Flattened fields of one record; caller-owned (ls_saas_fields_init / _free). */
struct ls_saas_fields {
    struct ls_saas_field *v;
    size_t n, cap;
    struct ls_buf keys;
};

void ls_saas_fields_init(struct ls_saas_fields *f);
void ls_saas_fields_free(struct ls_saas_fields *f);

/*
 * Replaces f's content with the leaves of `root` (an object) in Vector's all_fields order:
 * depth first, object keys in byte order, array elements in index order; keys joined with
 * `.`, elements as `[i]`, a `.` inside a key written `\.`; empty objects and arrays are leaves.
 * Two paths that spell the same key (a literal key `a\.b` and nested `a.b` cannot, but `x[0]`
 * can) keep the first position with the last value, as Vector's map insert does. Values are
 * borrowed from root. Returns 0, or -1 on out-of-memory or nesting deeper than
 * LS_JSON_CANON_MAX_DEPTH.
 */
int ls_saas_fields_collect(struct ls_saas_fields *f, struct json_object *root);
/* Sorts the fields by key bytes (New Relic's fixed order). */
void ls_saas_fields_sort(struct ls_saas_fields *f);
/* Appends `{"key":value,...}` in f's order (canonical JSON for keys and values); 0 or -1. */
int ls_saas_fields_write(const struct ls_saas_fields *f, struct ls_buf *out);
/* The field named key, or NULL. */
const struct ls_saas_field *ls_saas_fields_find(const struct ls_saas_fields *f, const char *key);

/* True when ev->time_ns is the event's own time: the record's `timestamp` parsed, or a raw
   event (whose `timestamp` is its receive time). */
bool ls_saas_event_timed(const struct ls_event *ev);
/* ns since the epoch as whole ms, rounding toward minus infinity. */
int64_t ls_saas_ms(int64_t ns);
/* Appends HEC `time` for ns as Vector's Humio sink writes a real timestamp: the whole
   milliseconds (ls_saas_ms) as epoch seconds, the f64 printed shortest, as serde_json does
   (`1795428000.493`, `1795428000.49`, `1795428000.0`, `-0.001`). The sub-millisecond rest
   travels in the event's `@timestamp.nanos` (ls_saas_sub_ms_ns). */
int ls_saas_write_hec_time(struct ls_buf *out, int64_t ns);
/* The nanoseconds below ls_saas_ms(ns): 0..999999. */
int64_t ls_saas_sub_ms_ns(int64_t ns);

/* Appends s percent-encoded. form: application/x-www-form-urlencoded (space as `+`, keeps
   `*-._`), else RFC 3986 path segment (keeps unreserved `-._~`). Letters and digits are always
   kept. 0 or -1. */
int ls_saas_pct_encode(struct ls_buf *out, const char *s, bool form);
/* Appends the standard base64 (with padding) of p[0..n). 0 or -1. */
int ls_saas_base64(struct ls_buf *out, const void *p, size_t n);
/* Writes a random UUID v4 (36 characters and a NUL) into out; 0, or -1 without randomness. */
int ls_saas_uuid4(char out[37]);

/*
 * A new environment holding each of the row's variables as in env, except `name`, which holds
 * `value` (NULL: unset). Lets a kind feed a transformed value (an encoded dataset, a trimmed
 * base URL) to ls_kind_common_init while the row's templates stay literal. NULL on
 * out-of-memory; free with ls_env_destroy.
 */
struct ls_env *ls_saas_env_with(const struct ls_env *env, const struct ls_preset *row,
                                const char *name, const char *value);

/* Adds a fixed header line ("Name: value", copied) to c; 0 or -1. */
int ls_saas_header_add(struct ls_kind_common *c, const char *line);
/* Removes every fixed header of c whose name is `name` (case-insensitive). */
void ls_saas_header_remove(struct ls_kind_common *c, const char *name);

#endif
