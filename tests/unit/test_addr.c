/* Unit tests for util/addr: numeric listen-address parsing for the admin endpoints. */
#include "util/addr.h"

#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>

/* Parses s and renders it back as "family host port" for one-line comparisons. */
static const char *roundtrip(const char *s, char *out, size_t n)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char err[96], host[INET6_ADDRSTRLEN];
    if (ls_addr_parse(s, &ss, &len, err, sizeof(err)) != 0) {
        snprintf(out, n, "error: %s", err);
        return out;
    }
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        snprintf(out, n, "6 %s %u len=%d", host, ntohs(a->sin6_port), len == sizeof(*a));
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        snprintf(out, n, "4 %s %u len=%d", host, ntohs(a->sin_port), len == sizeof(*a));
    }
    return out;
}

static int parse_fails_with(const char *s, const char *needle)
{
    struct sockaddr_storage ss;
    socklen_t len = 99;
    char err[160] = "";
    if (ls_addr_parse(s, &ss, &len, err, sizeof(err)) == 0)
        return 0;
    if (!strstr(err, needle)) {
        fprintf(stderr, "  error for \"%s\" was: %s\n", s, err);
        return 0;
    }
    return len == 0;
}

LS_TEST(test_addr_ipv6_any)
{
    char b[128];
    CHECK_STR(roundtrip("[::]:8686", b, sizeof(b)), "6 :: 8686 len=1");
}

LS_TEST(test_addr_ipv6_loopback_port_zero)
{
    char b[128];
    CHECK_STR(roundtrip("[::1]:0", b, sizeof(b)), "6 ::1 0 len=1");
}

LS_TEST(test_addr_ipv4)
{
    char b[128];
    CHECK_STR(roundtrip("0.0.0.0:9598", b, sizeof(b)), "4 0.0.0.0 9598 len=1");
    CHECK_STR(roundtrip("127.0.0.1:8686", b, sizeof(b)), "4 127.0.0.1 8686 len=1");
}

LS_TEST(test_addr_empty_host_means_ipv6_any)
{
    char b[128];
    CHECK_STR(roundtrip(":8686", b, sizeof(b)), "6 :: 8686 len=1");
}

LS_TEST(test_addr_port_range_edges)
{
    char b[128];
    CHECK_STR(roundtrip("127.0.0.1:65535", b, sizeof(b)), "4 127.0.0.1 65535 len=1");
    CHECK(parse_fails_with("127.0.0.1:65536", "bad port"));
    CHECK(parse_fails_with("[::]:99999999999999999999", "bad port"));
}

LS_TEST(test_addr_missing_port)
{
    CHECK(parse_fails_with("127.0.0.1", "missing port"));
    CHECK(parse_fails_with("127.0.0.1:", "missing port"));
    CHECK(parse_fails_with("[::1]", "missing port"));
    CHECK(parse_fails_with("[::1]:", "missing port"));
    CHECK(parse_fails_with(":", "missing port"));
}

LS_TEST(test_addr_bad_port)
{
    CHECK(parse_fails_with("127.0.0.1:http", "bad port"));
    CHECK(parse_fails_with("127.0.0.1:-1", "bad port"));
    CHECK(parse_fails_with("127.0.0.1:+80", "bad port"));
    CHECK(parse_fails_with("127.0.0.1: 80", "bad port"));
    CHECK(parse_fails_with("127.0.0.1:80x", "bad port"));
}

LS_TEST(test_addr_host_name_refused)
{
    CHECK(parse_fails_with("localhost:8686", "not a numeric address"));
    CHECK(parse_fails_with("localhost:8686", "localhost:8686"));
    CHECK(parse_fails_with("[localhost]:8686", "not a numeric"));
    CHECK(parse_fails_with("256.0.0.1:80", "not a numeric address"));
}

LS_TEST(test_addr_malformed)
{
    CHECK(parse_fails_with("", "empty address"));
    CHECK(parse_fails_with(NULL, "empty address"));
    CHECK(parse_fails_with("::1:8686", "brackets"));
    CHECK(parse_fails_with("[::1:8686", "missing ']'"));
    CHECK(parse_fails_with("[::1]x8686", "after ']'"));
}

LS_TEST(test_addr_error_truncates_safely)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char err[8];
    CHECK_INT(ls_addr_parse("nothing", &ss, &len, err, sizeof(err)), -1);
    CHECK_INT(strlen(err), 7);
    CHECK_INT(ls_addr_parse("nothing", &ss, &len, NULL, 0), -1);
}

LS_TEST_MAIN(LS_CASE(test_addr_ipv6_any), LS_CASE(test_addr_ipv6_loopback_port_zero),
             LS_CASE(test_addr_ipv4), LS_CASE(test_addr_empty_host_means_ipv6_any),
             LS_CASE(test_addr_port_range_edges), LS_CASE(test_addr_missing_port),
             LS_CASE(test_addr_bad_port), LS_CASE(test_addr_host_name_refused),
             LS_CASE(test_addr_malformed), LS_CASE(test_addr_error_truncates_safely))
