/*
 * AWS Signature Version 4 (header form) for the AWS sinks (S3 PutObject, CloudWatch Logs).
 * A pure function from a request description, credentials and a time to the Authorization
 * value: canonical request, string to sign and signing-key derivation as AWS specifies
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), with
 * SHA-256 and HMAC from OpenSSL. Leaf code: no I/O, no logging, no clock; thread-safe.
 * Tested against AWS's published suite (aws-c-auth tests/aws-signing-test-suite/v4) and the
 * S3 worked examples, see tests/unit/test_sigv4.c.
 */
#ifndef LS_SIGV4_H
#define LS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_buf;

/* "20150830T123600Z" plus NUL. */
#define LS_SIGV4_DATE_LEN 17
/* Hex SHA-256 plus NUL. */
#define LS_SHA256_HEX_LEN 65
/* Payload hash for an empty body (GET, HEAD). */
#define LS_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

enum {
    /* Remove `.`/`..` segments and repeated slashes from the path before encoding: every
       service except S3 (S3 object keys may legitimately contain them). */
    LS_SIGV4_NORMALIZE_PATH = 1u << 0,
    /* Sign an `x-amz-content-sha256: <payload_hash>` header, which the caller must send too.
       S3 requires it; other services accept it. */
    LS_SIGV4_CONTENT_SHA256 = 1u << 1,
    /* Leave the session token out of the signed headers (some services want it added after
       signing). Default: `x-amz-security-token` is signed. */
    LS_SIGV4_TOKEN_UNSIGNED = 1u << 2,
};

/* One request header to sign. Names in any case; values are trimmed and inner runs of
   whitespace collapsed by the signer (AWS's rule), so pass them as sent. A name given twice
   is signed as one header with the values joined by ',' in the order given. */
struct ls_sigv4_header {
    const char *name;
    const char *value;
};

/* Everything is borrowed for the duration of the call. */
struct ls_sigv4_request {
    const char *method; /* "PUT", "POST", "GET" ... */
    /* The path NOT percent-encoded ("/bucket/test$file.text"); the signer encodes it once
       with ls_sigv4_uri_encode(keep_slash), so build the URL with that same function. */
    const char *path;
    /* The query string as on the wire, without '?' ("x-id=PutObject"); NULL or "" = none.
       Names and values are decoded, re-encoded strictly and sorted. */
    const char *query;
    /* Headers to sign; must include `host` (with the port when not the default).
       x-amz-date, x-amz-security-token and x-amz-content-sha256 are added by the signer. */
    const struct ls_sigv4_header *headers;
    size_t n_headers;
    /* Lowercase hex SHA-256 of the body as sent (the compressed bytes for S3), or
       "UNSIGNED-PAYLOAD". NULL = the empty body's hash. */
    const char *payload_hash;
    const char *region;  /* "us-east-1", "auto" (R2, Tigris) */
    const char *service; /* "s3", "logs" */
    int64_t time_s;      /* Unix seconds of the request (the caller reads the clock) */
    unsigned flags;      /* LS_SIGV4_* */
};

struct ls_sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token; /* NULL or "" = none */
};

/*
 * Signs req. On success returns 0, replaces `authorization` with the value of the
 * Authorization header ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...")
 * and writes the x-amz-date value to amz_date. The caller then sends these headers besides
 * its own: `x-amz-date: <amz_date>`, `x-amz-security-token: <token>` when a token is set,
 * `x-amz-content-sha256: <payload_hash>` with LS_SIGV4_CONTENT_SHA256. Returns -1 with a
 * message in err on missing input or out-of-memory. Any thread.
 */
int ls_sigv4_sign(const struct ls_sigv4_request *req, const struct ls_sigv4_credentials *cred,
                  struct ls_buf *authorization, char amz_date[LS_SIGV4_DATE_LEN], char *err,
                  size_t errlen);

/* The intermediate steps, for tests and debugging (S3 returns its canonical request in a
   SignatureDoesNotMatch error). Replace out's content; 0 or -1 with err filled. */
int ls_sigv4_canonical_request(const struct ls_sigv4_request *req,
                               const struct ls_sigv4_credentials *cred, struct ls_buf *out,
                               char *err, size_t errlen);
int ls_sigv4_string_to_sign(const struct ls_sigv4_request *req,
                            const struct ls_sigv4_credentials *cred, struct ls_buf *out, char *err,
                            size_t errlen);

/* Appends s[0..n) percent-encoded as SigV4 wants: unreserved characters (A-Z a-z 0-9 - . _ ~)
   kept, every other byte as %XX with uppercase hex; '/' kept when keep_slash (paths, S3 keys).
   0 or -1 (out of memory). */
int ls_sigv4_uri_encode(struct ls_buf *out, const char *s, size_t n, bool keep_slash);

/* "YYYYMMDDTHHMMSSZ" of a Unix time (UTC). 0, or -1 for a time that does not fit. */
int ls_sigv4_amz_date(int64_t time_s, char out[LS_SIGV4_DATE_LEN]);

/* Lowercase hex SHA-256 of data[0..len). 0, or -1 when OpenSSL fails. */
int ls_sha256_hex(const void *data, size_t len, char out[LS_SHA256_HEX_LEN]);

#endif
