/*
 * A sink is one configured destination. The rest of the program sees only this header:
 * the router offers events, main starts and stops sinks, admin reads their state.
 *
 * Threads: ls_sink_offer() is called by the intake thread; everything else in a sink runs on
 * the sink's own worker thread (sink/worker.c), which batches, encodes, compresses, sends and
 * retries. A slow or dead sink only ever fills its own bounded queue; offer never blocks.
 */
#ifndef LS_SINK_H
#define LS_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_event;
struct ls_sink;
struct ls_sink_config;
struct ls_buf;

/* True when the sink's subject filter (LOGSHIP_<SINK>_SUBJECT) matches. */
bool ls_sink_wants(const struct ls_sink *s, const char *subject);
/*
 * Offers an event the sink wants. Returns true when the sink took a reference; false when its
 * queue was full (counted in logship_buffer_dropped_events_total, logged rate-limited). The
 * caller keeps its own reference.
 */
bool ls_sink_offer(struct ls_sink *s, struct ls_event *ev);

/* Starts the worker thread. Returns 0, or -1 with a message in err. */
int ls_sink_start(struct ls_sink *s, char *err, size_t errlen);
/*
 * Asks the worker to flush everything it holds and stop; returns at once. ls_sink_join waits
 * until the worker has delivered (or given up on) everything, up to deadline_ms on the
 * monotonic clock; past it in-flight work is abandoned and counted as dropped.
 */
void ls_sink_request_stop(struct ls_sink *s, int64_t deadline_ms);
void ls_sink_join(struct ls_sink *s);
void ls_sink_destroy(struct ls_sink *s);

const char *ls_sink_name(const struct ls_sink *s);
/* Appends the sink's state for /health as a JSON object. Any thread. */
void ls_sink_health_json(struct ls_sink *s, struct ls_buf *out);

#endif
