/*
 * Numeric listen-address parsing; see addr.h. Used by the admin server before it binds.
 * inet_pton does the address work, so only the bracket/port framing is ours.
 */
#include "util/addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

/* Longest textual IPv6 address (with an embedded IPv4 tail) plus slack. */
#define LS_ADDR_HOST_MAX 64

static int fail(char *err, size_t errlen, const char *what, const char *s)
{
    if (err && errlen)
        snprintf(err, errlen, "address \"%s\": %s", s, what);
    return -1;
}

/* Digits only (no sign, no spaces, which strtol would accept), at most 65535. */
static int parse_port(const char *p, unsigned *port)
{
    unsigned v = 0;
    if (*p == '\0')
        return -1;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
        if (v > 65535)
            return -1;
    }
    *port = v;
    return 0;
}

int ls_addr_parse(const char *s, struct sockaddr_storage *out, socklen_t *len, char *err,
                  size_t errlen)
{
    char host[LS_ADDR_HOST_MAX];
    const char *portp;
    size_t hlen;
    int v6;

    memset(out, 0, sizeof(*out));
    *len = 0;
    if (!s || !*s)
        return fail(err, errlen, "empty address", "");
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return fail(err, errlen, "missing ']'", s);
        if (close[1] != ':')
            return fail(err, errlen, close[1] ? "junk after ']'" : "missing port", s);
        hlen = (size_t)(close - s - 1);
        if (hlen >= sizeof(host))
            return fail(err, errlen, "not a numeric address", s);
        memcpy(host, s + 1, hlen);
        portp = close + 2;
        v6 = 1;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon)
            return fail(err, errlen, "missing port", s);
        hlen = (size_t)(colon - s);
        if (memchr(s, ':', hlen))
            return fail(err, errlen, "IPv6 address needs brackets, e.g. [::1]:8686", s);
        if (hlen >= sizeof(host))
            return fail(err, errlen, "not a numeric address", s);
        memcpy(host, s, hlen);
        portp = colon + 1;
        /* ":8686" means every address, IPv6 and (dual-stack) IPv4. */
        v6 = hlen == 0;
        if (v6) {
            memcpy(host, "::", 2);
            hlen = 2;
        }
    }
    host[hlen] = '\0';

    unsigned port;
    if (*portp == '\0')
        return fail(err, errlen, "missing port", s);
    if (parse_port(portp, &port) != 0)
        return fail(err, errlen, "bad port (want 0..65535)", s);

    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            return fail(err, errlen, "not a numeric IPv6 address", s);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        *len = sizeof(*a);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)out;
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            return fail(err, errlen, "not a numeric address (host names are not resolved)", s);
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        *len = sizeof(*a);
    }
    return 0;
}
