/*
 * The sink kinds built into logship and the helpers they share. sink/registry.c lists the
 * kinds and turns the environment into configured sinks.
 */
#ifndef LS_KINDS_H
#define LS_KINDS_H

#include "sink/sink_int.h"

extern const struct ls_sink_kind ls_kind_http;
extern const struct ls_sink_kind ls_kind_console;
extern const struct ls_sink_kind ls_kind_file;
extern const struct ls_sink_kind ls_kind_blackhole;
extern const struct ls_sink_kind ls_kind_appsignal, ls_kind_openobserve, ls_kind_uptrace;

/* Appends the event's canonical JSON (the record unchanged). */
int ls_kind_encode_canonical(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out);
/* Validates an http(s) URL from variable `var`; adds a problem naming it. 0 when fine. */
int ls_kind_check_url(const char *var, const char *url, struct ls_problems *p);
/* The sink's URL after LOGSHIP_<SINK>_ENDPOINT; a new string, NULL on failure. */
char *ls_kind_resolve_url(struct ls_sink *s, const char *url);

#endif
