/*
 * A blocking TLS client stream over TCP, for line protocols (syslog to Papertrail). One
 * connection at a time, opened on demand, verified against the system trust store plus
 * LOGSHIP_CA_FILE (transport/http.h, ls_tls_extra_ca), with SNI and host-name (or IP address)
 * verification. Every call blocks for at most the stream's timeout.
 *
 * Owned and used by one thread (a sink worker). Errors are returned with a message in the
 * caller's err buffer; the messages never include the host or port, because for Papertrail the
 * port is the write credential. Nothing here logs.
 */
#ifndef LS_TLS_STREAM_H
#define LS_TLS_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_tls_stream;

/*
 * A stream to host:port (host a name or an IPv4/IPv6 literal without brackets), not connected
 * yet. timeout_ms bounds connect, handshake and each write. Copies host and port. NULL when
 * memory runs out or the TLS context cannot be set up.
 */
struct ls_tls_stream *ls_tls_stream_create(const char *host, const char *port, uint64_t timeout_ms);
/* Closes the connection if open and frees everything. Accepts NULL. */
void ls_tls_stream_destroy(struct ls_tls_stream *t);

/*
 * Makes sure the stream is connected: when a connection is open, checks (without blocking)
 * whether the peer has closed it, and if so drops it; then connects and handshakes when
 * needed. Returns 0 when connected, -1 with a message in err.
 */
int ls_tls_stream_ensure(struct ls_tls_stream *t, char *err, size_t errlen);

/*
 * Writes all len bytes (connecting first when needed). Returns 0 when every byte was handed
 * to the kernel, -1 with a message in err otherwise; after a failure the connection is closed
 * and the next call reconnects. TLS over TCP has no acknowledgement: bytes accepted here can
 * still be lost if the connection breaks before the peer reads them.
 */
int ls_tls_stream_write(struct ls_tls_stream *t, const void *buf, size_t len, char *err,
                        size_t errlen);

/* True while a connection is open (as far as this side knows). */
bool ls_tls_stream_connected(const struct ls_tls_stream *t);

/* Sends a TLS close_notify (best effort) and closes the connection. */
void ls_tls_stream_close(struct ls_tls_stream *t);

#endif
