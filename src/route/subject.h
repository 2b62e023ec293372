/*
 * NATS subject rules for logship: validating the SUBJECT filter we subscribe with and the
 * per-sink LOGSHIP_<SINK>_SUBJECTS filters, and matching a received record's subject against
 * them on the intake thread (route/ decides which sinks get each event).
 *
 * Rules follow nats-server (https://docs.nats.io/nats-concepts/subjects, server/sublist.go):
 * tokens are separated by '.', no token may be empty, and no token may contain a space, tab,
 * CR, LF or form feed. `*` matches exactly one token and `>` one or more trailing tokens, but
 * only when they are a whole token: in `a*.b` the token `a*` is an ordinary literal. `>` must
 * be the last token of a filter. Comparison is byte-exact (subjects are case-sensitive).
 *
 * All functions are pure, allocate nothing, accept NULL (as invalid / no match) and may be
 * called from any thread.
 */
#ifndef LS_SUBJECT_H
#define LS_SUBJECT_H

#include <stdbool.h>

/** True when `filter` is a valid subscription filter (wildcards allowed). */
bool ls_subject_filter_valid(const char *filter);

/** True when `subject` is a valid publish subject: a valid filter with no `*` or `>` token. */
bool ls_subject_valid(const char *subject);

/**
 * True when `subject` matches `filter`. False when the filter is not a valid filter or the
 * subject is not a valid publish subject, so an invalid pattern never matches anything.
 */
bool ls_subject_match(const char *filter, const char *subject);

#endif
