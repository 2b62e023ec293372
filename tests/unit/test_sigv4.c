/*
 * SigV4 signer (src/auth/sigv4.c) against AWS's published material: every header-signing case
 * of the aws-c-auth v4 suite (canonical request, string to sign and Authorization each
 * compared), AWS's S3 worked examples and the project's PutObject vector, plus the helpers.
 * Vectors live in tests/unit/sigv4_vectors/.
 */
#include "auth/sigv4.h"
#include "util/buf.h"

#include "test.h"

#include <stdbool.h>
#include <stdint.h>

#include "sigv4_vectors/aws_c_auth_v4.h"
#include "sigv4_vectors/s3_examples.h"

#define SUITE_TIME  1440938160 /* 2015-08-30T12:36:00Z */
#define MAX_HEADERS 16

/* A request.txt parsed in place: request line, headers (folded lines joined), body. */
struct parsed {
    char text[4096];
    char *method, *path, *query;
    struct ls_sigv4_header headers[MAX_HEADERS];
    size_t n_headers;
    const char *body;
    size_t body_len;
    char payload_hash[LS_SHA256_HEX_LEN];
};

static int parse_request(const char *req, struct parsed *p)
{
    size_t n = strlen(req);
    if (n >= sizeof(p->text))
        return -1;
    memcpy(p->text, req, n + 1);
    p->n_headers = 0;
    p->query = NULL;
    char *line_end = strchr(p->text, '\n');
    if (!line_end)
        line_end = p->text + n;
    char *rest = *line_end ? line_end + 1 : line_end;
    *line_end = '\0';
    /* "METHOD <path with possible spaces>[?query] HTTP/1.1" */
    char *sp = strchr(p->text, ' ');
    char *proto = strstr(p->text, " HTTP/");
    if (!sp || !proto || proto < sp)
        return -1;
    *sp = '\0';
    *proto = '\0';
    p->method = p->text;
    p->path = sp + 1;
    char *q = strchr(p->path, '?');
    if (q) {
        *q = '\0';
        p->query = q + 1;
    }
    p->body = "";
    while (*rest) {
        char *eol = strchr(rest, '\n');
        char *next = eol ? eol + 1 : rest + strlen(rest);
        if (eol)
            *eol = '\0';
        if (*rest == '\0') { /* blank line: the body follows */
            p->body = next;
            break;
        }
        if ((*rest == ' ' || *rest == '\t') && p->n_headers > 0) {
            /* A folded line continues the previous value: undo the NUL so the value spans both
               lines; the signer collapses the whitespace. */
            rest[-1] = '\n';
        } else {
            char *colon = strchr(rest, ':');
            if (!colon || p->n_headers == MAX_HEADERS)
                return -1;
            *colon = '\0';
            p->headers[p->n_headers].name = rest;
            p->headers[p->n_headers].value = colon + 1;
            p->n_headers++;
        }
        rest = next;
    }
    p->body_len = strlen(p->body);
    return ls_sha256_hex(p->body, p->body_len, p->payload_hash);
}

static void suite_request(const struct sigv4_suite_case *c, struct parsed *p,
                          struct ls_sigv4_request *r, struct ls_sigv4_credentials *cred)
{
    memset(r, 0, sizeof(*r));
    r->method = p->method;
    r->path = p->path;
    r->query = p->query;
    r->headers = p->headers;
    r->n_headers = p->n_headers;
    r->payload_hash = p->payload_hash;
    r->region = "us-east-1";
    r->service = "service";
    r->time_s = SUITE_TIME;
    r->flags = (c->normalize ? LS_SIGV4_NORMALIZE_PATH : 0) |
               (c->sign_body ? LS_SIGV4_CONTENT_SHA256 : 0) |
               (c->omit_session_token ? LS_SIGV4_TOKEN_UNSIGNED : 0);
    cred->access_key_id = "AKIDEXAMPLE";
    cred->secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    cred->session_token = c->token;
}

#define N_SUITE (sizeof(sigv4_suite) / sizeof(sigv4_suite[0]))

/* Runs step `which` (0 canonical request, 1 string to sign, 2 Authorization) on every case. */
static int run_suite(int which)
{
    static struct parsed p;
    struct ls_buf out;
    char err[256], date[LS_SIGV4_DATE_LEN];
    int failures = 0;
    ls_buf_init(&out, 0);
    for (size_t i = 0; i < N_SUITE; i++) {
        const struct sigv4_suite_case *c = &sigv4_suite[i];
        struct ls_sigv4_request r;
        struct ls_sigv4_credentials cred;
        const char *want = which == 0 ? c->creq : which == 1 ? c->sts : c->authorization;
        int rc;
        if (parse_request(c->request, &p) != 0) {
            fprintf(stderr, "%s: cannot parse request.txt\n", c->name);
            failures++;
            continue;
        }
        suite_request(c, &p, &r, &cred);
        if (which == 0)
            rc = ls_sigv4_canonical_request(&r, &cred, &out, err, sizeof(err));
        else if (which == 1)
            rc = ls_sigv4_string_to_sign(&r, &cred, &out, err, sizeof(err));
        else
            rc = ls_sigv4_sign(&r, &cred, &out, date, err, sizeof(err));
        if (rc != 0 || strcmp(out.data, want) != 0) {
            fprintf(stderr, "%s: rc %d (%s)\n  got:\n%s\n  expected:\n%s\n", c->name, rc,
                    rc ? err : "", rc ? "" : out.data, want);
            failures++;
        }
        if (which == 2 && rc == 0 &&
            (strcmp(date, "20150830T123600Z") != 0 || !strstr(out.data, c->signature))) {
            fprintf(stderr, "%s: date %s or signature %s wrong\n", c->name, date, c->signature);
            failures++;
        }
    }
    ls_buf_free(&out);
    return failures;
}

LS_TEST(test_sigv4_suite_has_every_case)
{
    /* aws-c-auth's v4 directory has 38 cases, all header-signable; losing one is a bug. */
    CHECK_INT(N_SUITE, 38);
}

LS_TEST(test_sigv4_suite_canonical_request)
{
    CHECK_INT(run_suite(0), 0);
}

LS_TEST(test_sigv4_suite_string_to_sign)
{
    CHECK_INT(run_suite(1), 0);
}

LS_TEST(test_sigv4_suite_authorization)
{
    CHECK_INT(run_suite(2), 0);
}

LS_TEST(test_sigv4_s3_examples)
{
    static struct parsed p;
    struct ls_buf out, sts;
    char err[256], date[LS_SIGV4_DATE_LEN], want[512];
    ls_buf_init(&out, 0);
    ls_buf_init(&sts, 0);
    for (size_t i = 0; i < sizeof(sigv4_s3) / sizeof(sigv4_s3[0]); i++) {
        const struct sigv4_s3_case *c = &sigv4_s3[i];
        CHECK_INT(parse_request(c->request, &p), 0);
        struct ls_sigv4_request r = {
            .method = p.method,
            .path = p.path,
            .query = p.query,
            .headers = p.headers,
            .n_headers = p.n_headers,
            .payload_hash = p.payload_hash,
            .region = c->region,
            .service = "s3",
            .time_s = c->time_s,
            .flags = LS_SIGV4_CONTENT_SHA256,
        };
        struct ls_sigv4_credentials cred = {c->access_key_id, c->secret, NULL};
        fprintf(stderr, "case %s\n", c->name);
        CHECK_INT(ls_sigv4_string_to_sign(&r, &cred, &sts, err, sizeof(err)), 0);
        if (c->creq_sha256) {
            /* The last line of the string to sign is the canonical request's hash. */
            const char *last = strrchr(sts.data, '\n');
            CHECK(last != NULL);
            CHECK_STR(last + 1, c->creq_sha256);
        }
        CHECK_INT(ls_sigv4_sign(&r, &cred, &out, date, err, sizeof(err)), 0);
        snprintf(want, sizeof(want),
                 "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/s3/aws4_request, SignedHeaders=%s, "
                 "Signature=%s",
                 c->access_key_id, date, c->region, c->signed_headers, c->signature);
        CHECK_STR(out.data, want);
    }
    ls_buf_free(&out);
    ls_buf_free(&sts);
}

LS_TEST(test_sigv4_s3_path_not_normalized)
{
    /* S3 keys may hold "//" and "./": without NORMALIZE_PATH they are signed as given. */
    struct ls_sigv4_header h[] = {{"host", "s3.example"}};
    struct ls_sigv4_request r = {.method = "PUT",
                                 .path = "/b/a//./c d",
                                 .headers = h,
                                 .n_headers = 1,
                                 .region = "auto",
                                 .service = "s3",
                                 .time_s = SUITE_TIME};
    struct ls_sigv4_credentials cred = {"AK", "SK", NULL};
    struct ls_buf out;
    char err[128];
    ls_buf_init(&out, 0);
    CHECK_INT(ls_sigv4_canonical_request(&r, &cred, &out, err, sizeof(err)), 0);
    CHECK(strncmp(out.data, "PUT\n/b/a//./c%20d\n\n", 19) == 0);
    ls_buf_free(&out);
}

LS_TEST(test_sigv4_query_spellings_sign_alike)
{
    /* Encoded and plain spellings of the same parameters give one canonical query. */
    struct ls_sigv4_header h[] = {{"Host", "example.amazonaws.com"}};
    struct ls_sigv4_request r = {.method = "GET",
                                 .path = "/",
                                 .headers = h,
                                 .n_headers = 1,
                                 .region = "us-east-1",
                                 .service = "service",
                                 .time_s = SUITE_TIME};
    struct ls_sigv4_credentials cred = {"AK", "SK", NULL};
    struct ls_buf a, b;
    char err[128];
    ls_buf_init(&a, 0);
    ls_buf_init(&b, 0);
    r.query = "b=%7e%2F&a=1&flag";
    CHECK_INT(ls_sigv4_canonical_request(&r, &cred, &a, err, sizeof(err)), 0);
    r.query = "flag=&a=%31&b=~/";
    CHECK_INT(ls_sigv4_canonical_request(&r, &cred, &b, err, sizeof(err)), 0);
    CHECK_STR(a.data, b.data);
    CHECK(strstr(a.data, "\na=1&b=~%2F&flag=\n") != NULL);
    ls_buf_free(&a);
    ls_buf_free(&b);
}

LS_TEST(test_sigv4_missing_credentials_error)
{
    struct ls_sigv4_request r = {
        .method = "GET", .path = "/", .region = "us-east-1", .service = "s3", .time_s = 0};
    struct ls_sigv4_credentials cred = {"AK", "", NULL};
    struct ls_buf out;
    char err[128] = "", date[LS_SIGV4_DATE_LEN];
    ls_buf_init(&out, 0);
    CHECK_INT(ls_sigv4_sign(&r, &cred, &out, date, err, sizeof(err)), -1);
    CHECK(strstr(err, "secret access key") != NULL);
    r.region = "";
    cred.secret_access_key = "SK";
    CHECK_INT(ls_sigv4_sign(&r, &cred, &out, date, err, sizeof(err)), -1);
    CHECK(strstr(err, "region") != NULL);
    ls_buf_free(&out);
}

LS_TEST(test_sigv4_amz_date_format)
{
    char d[LS_SIGV4_DATE_LEN];
    CHECK_INT(ls_sigv4_amz_date(1440938160, d), 0);
    CHECK_STR(d, "20150830T123600Z");
    CHECK_INT(ls_sigv4_amz_date(0, d), 0);
    CHECK_STR(d, "19700101T000000Z");
    CHECK_INT(ls_sigv4_amz_date(INT64_C(1) << 60, d), -1);
}

LS_TEST(test_sigv4_uri_encode_rules)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    const char in[] = "a-Z_0.~/ $\xe1\x88\xb4+";
    CHECK_INT(ls_sigv4_uri_encode(&b, in, strlen(in), true), 0);
    CHECK_STR(b.data, "a-Z_0.~/%20%24%E1%88%B4%2B");
    ls_buf_reset(&b);
    CHECK_INT(ls_sigv4_uri_encode(&b, "a/b", 3, false), 0);
    CHECK_STR(b.data, "a%2Fb");
    ls_buf_free(&b);
}

LS_TEST(test_sigv4_sha256_hex_known)
{
    char h[LS_SHA256_HEX_LEN];
    CHECK_INT(ls_sha256_hex("", 0, h), 0);
    CHECK_STR(h, LS_SIGV4_EMPTY_SHA256);
    CHECK_INT(ls_sha256_hex("Param1=value1", 13, h), 0);
    CHECK_STR(h, "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
}

LS_TEST_MAIN(LS_CASE(test_sigv4_suite_has_every_case), LS_CASE(test_sigv4_suite_canonical_request),
             LS_CASE(test_sigv4_suite_string_to_sign), LS_CASE(test_sigv4_suite_authorization),
             LS_CASE(test_sigv4_s3_examples), LS_CASE(test_sigv4_s3_path_not_normalized),
             LS_CASE(test_sigv4_query_spellings_sign_alike),
             LS_CASE(test_sigv4_missing_credentials_error), LS_CASE(test_sigv4_amz_date_format),
             LS_CASE(test_sigv4_uri_encode_rules), LS_CASE(test_sigv4_sha256_hex_known))
