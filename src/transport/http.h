/*
 * HTTP transport of one sink: a curl multi handle with at most `max_inflight` transfers,
 * connections kept alive and reused. Runs on the sink's worker thread only, except
 * ls_http_wake(), which any thread may call to interrupt ls_http_poll().
 *
 * The outcome of a response is decided here, in one table (ls_http_classify), so every
 * HTTP sink retries and rejects the same way; a kind may override single codes.
 */
#ifndef LS_TRANSPORT_HTTP_H
#define LS_TRANSPORT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "sink/sink_int.h"

struct ls_http_transport;

typedef void (*ls_http_done_fn)(void *user, const struct ls_response *r, void *ctx);

/* keep: response body bytes kept per transfer (0 = 64 KiB). NULL on out-of-memory. */
struct ls_http_transport *ls_http_create(int max_inflight, size_t keep);
void ls_http_destroy(struct ls_http_transport *t);
/* Interrupts a running ls_http_poll (any thread). Takes a struct ls_http_transport *. */
void ls_http_wake(void *t);
int ls_http_inflight(const struct ls_http_transport *t);
/*
 * Starts one transfer. Takes ownership of req->headers (freed when the transfer ends); the
 * URL is copied; `body` is borrowed and must stay valid until `done` is called for `user`.
 * Returns 0, or -1 when no slot is free or curl refused the request.
 */
int ls_http_start(struct ls_http_transport *t, struct ls_request *req, const char *body, size_t len,
                  uint64_t timeout_ms, void *user);
/* Drives transfers and sleeps up to timeout_ms for network activity or a wake-up; calls done
   for every finished transfer. */
void ls_http_poll(struct ls_http_transport *t, int timeout_ms, ls_http_done_fn done, void *ctx);
/* Aborts every transfer; done is called with status 0 for each. */
void ls_http_abort_all(struct ls_http_transport *t, ls_http_done_fn done, void *ctx);

/* The default outcome table (STYLE.md §5, PROVIDERS.md §0 item 5). */
enum ls_outcome ls_http_classify(const struct ls_response *r);
/* Parses a Retry-After value (delta seconds or HTTP date) into ms from now; -1 if invalid. */
int64_t ls_http_parse_retry_after(const char *v, int64_t now_s);
/* Origin override: replaces scheme://host[:port] of url with origin, keeping path and query. */
int ls_http_override_origin(const char *url, const char *origin, struct ls_buf *out);

/* Extra CA certificates (LOGSHIP_CA_FILE) trusted in addition to the system store. */
int ls_tls_load_ca_file(const char *path, char *err, size_t errlen);
void ls_tls_free(void);
/* The certificates ls_tls_load_ca_file loaded (a STACK_OF(X509), borrowed; NULL when none), for
   TLS clients outside curl (transport/tls_stream.c). Valid until ls_tls_free(). */
struct stack_st_X509 *ls_tls_extra_ca(void);

#endif
