/*
 * Table-driven field operations on a private copy of a record (preset.h, struct ls_transform):
 * the remaps fly-log-shipper's sink configs do in VRL (`.dt = del(.timestamp)`,
 * `.level = .log.level`, `. |= parse_json!(.message)`), done generically. Sink worker thread.
 */
#ifndef LS_TRANSFORM_H
#define LS_TRANSFORM_H

struct json_object;
struct ls_transform;
struct ls_parser;

/* Applies the operations in order (up to LS_TF_END); p parses JSON found in `message`. Returns
   0, or -1 on out-of-memory. A step whose input is missing or of the wrong type does what the
   VRL program would: nothing (MERGE_MESSAGE keeps the record as it was). */
int ls_transform_apply(const struct ls_transform *ops, struct ls_parser *p,
                       struct json_object *root);

#endif
