/*
 * The Loki push protocol's pure parts, shared by the `loki` and `loki_logfmt` kinds (loki.c)
 * and their unit tests. The kinds write one intermediate line per event while a batch fills,
 *
 *     <entry time, decimal ns> TAB <labels: a JSON object, keys sorted> TAB <line: a JSON string>
 * LF
 *
 * (JSON never holds a raw TAB or LF, so the fields cannot run into each other) and
 * ls_loki_envelope turns the closed batch into the push body.
 */
#ifndef LS_KINDS_LOKI_H
#define LS_KINDS_LOKI_H

#include <stddef.h>

struct ls_buf;
struct ls_sink_kind;

/* JSON lines (fly-log-shipper's loki sink) and logfmt lines (its opsverse sink). */
extern const struct ls_sink_kind ls_kind_loki;
extern const struct ls_sink_kind ls_kind_loki_logfmt;

/*
 * Appends the push envelope for the intermediate lines in[0..len) to out:
 * `{"streams":[{"stream":<labels>,"values":[["<ns>",<line>],...]},...]}`. Events with the same
 * label bytes share one stream; streams come in the order of their first event; within a stream
 * values are sorted by time, ties kept in batch order (Loki wants each stream ascending).
 * Pure; any thread. Returns 0, or -1 with a reason in err for a malformed line or when memory
 * runs out (out then keeps its previous content).
 */
int ls_loki_envelope(const char *in, size_t len, struct ls_buf *out, char *err, size_t errlen);

/*
 * A configured loki/loki_logfmt sink's intermediate line for ev, through the json-c tree and
 * the row's transforms. The `loki` kind's encoder does the same on the canonical bytes, without
 * a tree, whenever the record's message cannot need merging; this is the reference it is
 * checked against (test_loki, fuzz_kinds). 0 or -1.
 */
struct ls_event;
struct ls_sink;
int ls_loki_encode_tree(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out);

#endif
