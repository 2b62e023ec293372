/*
 * Listen-address parsing for the admin endpoints (LOGSHIP_HEALTH_ADDR, LOGSHIP_METRICS_ADDR).
 * Accepts numeric addresses only: "[v6]:port", "v4:port" and ":port" (meaning "[::]:port").
 * Host names are refused on purpose: a listener must not depend on DNS at start-up.
 * Leaf code: no logging, no allocation.
 */
#ifndef LS_ADDR_H
#define LS_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/**
 * Parses s into *out (zeroed first; sockaddr_in or sockaddr_in6) and sets *len to its size.
 * Port must be 0..65535 (0 asks the kernel for a free port).
 * Returns 0, or -1 with a message in err ("missing port", "bad port", "not a numeric
 * address", ...) that quotes the offending text. Any thread; no shared state.
 */
int ls_addr_parse(const char *s, struct sockaddr_storage *out, socklen_t *len, char *err,
                  size_t errlen);

#endif
