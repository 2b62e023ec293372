/*
 * The admin HTTP server: read-only GET /health and GET /metrics, served by libmicrohttpd on
 * its own thread(s), one per listening address. It sits beside the record path, never on
 * it: /health asks the caller's callback, /metrics renders the core/metrics registry.
 * Nothing else is served and no request changes state (DESIGN.md "Promises").
 */
#ifndef LS_ADMIN_SERVER_H
#define LS_ADMIN_SERVER_H

#include <stddef.h>

struct ls_buf;

/**
 * Renders the /health answer: appends a JSON document to body (capped; an append that
 * fails just truncates the answer) and returns the HTTP status, 200 or 503 (any other value
 * outside 200..599 is sent as 500). Called on the health listener's thread, one request at
 * a time; ctx is the pointer given to ls_admin_start.
 */
typedef int (*ls_health_fn)(struct ls_buf *body, void *ctx);

struct ls_admin;

/**
 * Starts serving. health_addr and metrics_addr are strings for ls_addr_parse (util/addr.h);
 * when both parse to the same address, one listener serves both paths. A NULL or empty
 * address turns that endpoint off. health may be NULL: /health then always answers 200
 * {"status":"ok"}. ctx is borrowed and must outlive the server.
 * Returns a new server (free with ls_admin_stop), or NULL with a message naming the
 * offending address in err (bad address, address in use, out of memory).
 * Call from one thread (start-up); the callback runs on the server's own thread.
 */
struct ls_admin *ls_admin_start(const char *health_addr, const char *metrics_addr,
                                ls_health_fn health, void *ctx, char *err, size_t errlen);

/** The port actually bound (useful when the address asked for port 0); -1 when the
 * endpoint is off or a is NULL. */
int ls_admin_health_port(const struct ls_admin *a);
int ls_admin_metrics_port(const struct ls_admin *a);

/** Stops the listeners, waiting for their threads to finish; accepts NULL. After it
 * returns the health callback is no longer called. */
void ls_admin_stop(struct ls_admin *a);

#endif
