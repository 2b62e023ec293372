/*
 * Payload parser: turns one NATS message payload into zero or more events, the way Vector's
 * `. = parse_json!(.message)` remap does (PROVIDERS Part 1 §1.4) with logship's fixes (§0 item
 * 2): numbers are never altered, `[]` and empty payloads are counted, and a payload that is not
 * JSON ships as Vector's raw event, `{"message","source_type":"nats","subject","timestamp"}`,
 * with invalid UTF-8 replaced by U+FFFD.
 *
 * "JSON" means what serde_json 1.0 accepts, which is stricter than json-c: a validating scan
 * (RFC 8259 grammar, well-formed UTF-8, no raw control characters or lone surrogate escapes in
 * strings, no NaN/Infinity, leading zeros or `1.`, at most 127 nested containers as serde_json's
 * recursion limit) decides; json-c then only builds the tree. Deliberate differences from
 * serde_json: numbers beyond double range (`1e400`) are kept as their text instead of refused;
 * an object key containing `\u0000` makes the payload raw (json-c would cut the key at the NUL).
 *
 * One parser per intake thread; it holds a json_tokener and scratch buffers, so no call
 * allocates beyond json-c's tree and the event itself.
 */
#ifndef LS_PARSE_H
#define LS_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct ls_event;

/* Counters a caller adds to its metrics; ls_parse_payload only increments them. */
struct ls_parse_stats {
    uint64_t events;              /* events emitted, of every kind */
    uint64_t not_json;            /* raw events for payloads that are not JSON */
    uint64_t empty;               /* payloads of length 0 or only JSON whitespace: no event */
    uint64_t empty_array;         /* payloads `[]`: no event */
    uint64_t truncated;           /* payloads over max_record_bytes: one truncated raw event */
    uint64_t non_object_elements; /* array elements that were wrapped as {"message": value} */
};

struct ls_parser;

/* Default record limit when ls_parser_create gets 0. */
#define LS_PARSE_DEFAULT_MAX_RECORD (1024 * 1024)

/* New parser; max_record_bytes 0 means LS_PARSE_DEFAULT_MAX_RECORD. NULL when out of memory. */
struct ls_parser *ls_parser_create(size_t max_record_bytes);
/* Accepts NULL. */
void ls_parser_destroy(struct ls_parser *p);

/* Receives ownership of ev (one reference), on the thread that called ls_parse_payload. */
typedef void (*ls_parse_emit_fn)(struct ls_event *ev, void *ctx);

/*
 * Parses payload[0..len) received on `subject` (NULL means "") at recv_ns and calls emit for
 * each resulting event, in payload order:
 * - an object: one event, that object;
 * - an array: one event per element, objects as they are, anything else as {"message": value}
 *   (counted in non_object_elements); `[]`: none (empty_array);
 * - a string, number, true, false or null: one event {"message": value};
 * - len 0 or only whitespace: none (empty);
 * - anything else: one raw event (flag LS_EVENT_RAW; not_json) whose message is the payload;
 * - more than max_record_bytes: not parsed; one raw event (flags RAW|TRUNCATED; truncated)
 *   whose message is the first max_record_bytes cut back to a character boundary, plus
 *   `"logship_truncated_bytes": <len>`.
 * The raw event's timestamp is recv_ns in RFC 3339 with Vector's AutoSi precision. Returns the
 * number of events emitted, or -1 when memory ran out (events emitted before that stand).
 * stats may be NULL.
 */
int ls_parse_payload(struct ls_parser *p, const char *subject, const char *payload, size_t len,
                     int64_t recv_ns, ls_parse_emit_fn emit, void *ctx,
                     struct ls_parse_stats *stats);

/*
 * A private tree of a JSON object text (an event's canonical JSON), with the same number
 * handling as ls_parse_payload. Sink workers that read or change fields use this on their own
 * parser, so no json-c object is ever shared between threads. New reference, or NULL.
 */
struct json_object *ls_parse_object(struct ls_parser *p, const char *text, size_t len);

/*
 * Builds ev->root from ev->json when the fast path left it out (the payload was already
 * canonical). Only for an event not yet shared with another thread. Returns 0 or -1.
 */
int ls_parse_tree(struct ls_parser *p, struct ls_event *ev);

#endif
