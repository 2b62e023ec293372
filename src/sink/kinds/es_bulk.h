/*
 * Elasticsearch bulk API kinds (es_bulk.c): `es_bulk` (fly-log-shipper's erasearch sink) and
 * `sematext` (its sematext sink, an Elasticsearch v6 bulk endpoint with the token as index),
 * plus the pure reading of a bulk response, shared with the unit tests.
 */
#ifndef LS_KINDS_ES_BULK_H
#define LS_KINDS_ES_BULK_H

#include <stddef.h>

struct ls_sink_kind;

extern const struct ls_sink_kind ls_kind_es_bulk;
extern const struct ls_sink_kind ls_kind_sematext;

/*
 * Per-item verdicts (enum ls_item_verdict) of a 2xx bulk response body[0..len) for a batch of
 * n events, in order
 * (https://www.elastic.co/guide/en/elasticsearch/reference/current/docs-bulk.html): with
 * `"errors":false`, an empty body, or a body that is not JSON and does not say
 * `"errors":true`, every item is LS_ITEM_OK (the response gives no reason to doubt it). With
 * `"errors":true` each entry of `items` decides by its `status`: 2xx ok; 429 and 5xx except
 * 501 retry; anything else (or no status but an `error`) reject. Returns 0, or -1 when the
 * verdicts cannot be known: `"errors":true` with a body that does not parse (e.g. cut short)
 * or whose `items` are not n objects. Pure; any thread.
 */
int ls_es_bulk_verdicts(const char *body, size_t len, size_t n, unsigned char *verdict);

#endif
