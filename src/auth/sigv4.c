/*
 * AWS Signature Version 4 (see sigv4.h). The three steps AWS specifies are kept apart so
 * tests can compare each against the published suite: canonical request (method, encoded
 * path, sorted query, lowercased sorted headers, signed-header list, payload hash), string to
 * sign (algorithm, time, scope, hash of the canonical request) and the signature (HMAC chain
 * "AWS4"+secret -> date -> region -> service -> "aws4_request"). Leaf code: no logging.
 */
#include "auth/sigv4.h"

#include "util/buf.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALGORITHM "AWS4-HMAC-SHA256"

static void seterr(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int ls_sha256_hex(const void *data, size_t len, char out[LS_SHA256_HEX_LEN])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    /* EVP_Digest wants a non-NULL pointer even for zero bytes. */
    if (!EVP_Digest(len ? data : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        out[0] = '\0';
        return -1;
    }
    hex(md, 32, out);
    return 0;
}

/* out may alias key: the result goes through a temporary. */
static int hmac(const void *key, size_t keylen, const char *msg, size_t msglen,
                unsigned char out[32])
{
    unsigned char tmp[EVP_MAX_MD_SIZE];
    unsigned int outlen = 0;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg, msglen, tmp, &outlen) ||
        outlen != 32)
        return -1;
    memcpy(out, tmp, 32);
    OPENSSL_cleanse(tmp, sizeof(tmp));
    return 0;
}

int ls_sigv4_amz_date(int64_t time_s, char out[LS_SIGV4_DATE_LEN])
{
    struct tm tm;
    time_t t = (time_t)time_s;
    if ((int64_t)t != time_s || !gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 ||
        tm.tm_year + 1900 > 9999) {
        out[0] = '\0';
        return -1;
    }
    if (strftime(out, LS_SIGV4_DATE_LEN, "%Y%m%dT%H%M%SZ", &tm) != LS_SIGV4_DATE_LEN - 1) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int ls_sigv4_uri_encode(struct ls_buf *out, const char *s, size_t n, bool keep_slash)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            if (ls_buf_putc(out, (char)c) != 0)
                return -1;
        } else {
            char esc[3] = {'%', digits[c >> 4], digits[c & 15]};
            if (ls_buf_append(out, esc, 3) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- canonical URI ---- */

/* RFC 3986 dot-segment removal plus collapsing of empty segments, as AWS normalises paths
   for every service but S3. */
static int normalize_path(const char *path, struct ls_buf *out)
{
    size_t n = strlen(path);
    size_t *starts = calloc(n + 1, sizeof(*starts));
    size_t *lens = calloc(n + 1, sizeof(*lens));
    size_t nseg = 0;
    bool trailing = n > 0 && path[n - 1] == '/';
    int rc = -1;
    if (!starts || !lens)
        goto done;
    for (size_t i = 0; i < n;) {
        while (i < n && path[i] == '/')
            i++;
        size_t j = i;
        while (j < n && path[j] != '/')
            j++;
        size_t len = j - i;
        if (len == 0) {
            /* nothing: repeated or trailing slashes */
        } else if (len == 1 && path[i] == '.') {
            trailing = trailing || j == n;
        } else if (len == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (nseg > 0)
                nseg--;
            trailing = trailing || j == n;
        } else {
            starts[nseg] = i;
            lens[nseg] = len;
            nseg++;
        }
        i = j;
    }
    if (ls_buf_putc(out, '/') != 0)
        goto done;
    for (size_t k = 0; k < nseg; k++) {
        if (k > 0 && ls_buf_putc(out, '/') != 0)
            goto done;
        if (ls_buf_append(out, path + starts[k], lens[k]) != 0)
            goto done;
    }
    if (nseg > 0 && trailing && ls_buf_putc(out, '/') != 0)
        goto done;
    rc = 0;
done:
    free(starts);
    free(lens);
    return rc;
}

static int canonical_uri(const struct ls_sigv4_request *req, struct ls_buf *out)
{
    const char *path = req->path && req->path[0] ? req->path : "/";
    if (!(req->flags & LS_SIGV4_NORMALIZE_PATH))
        return ls_sigv4_uri_encode(out, path, strlen(path), true);
    struct ls_buf norm;
    ls_buf_init(&norm, 0);
    int rc = normalize_path(path, &norm);
    if (rc == 0)
        rc = ls_sigv4_uri_encode(out, norm.data, norm.len, true);
    ls_buf_free(&norm);
    return rc;
}

/* ---- canonical query ---- */

struct param {
    char *name; /* strictly encoded */
    char *value;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX (a '%' not followed by two hex digits stays literal) and re-encodes strictly, so
   a query given in any valid wire spelling signs the same. '+' is taken literally: AWS signs
   what the URL says, and a space is %20 on the wire. */
static char *reencode(const char *s, size_t n)
{
    struct ls_buf dec, enc;
    ls_buf_init(&dec, 0);
    ls_buf_init(&enc, 0);
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        char c = s[i];
        if (c == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (ls_buf_putc(&dec, c) != 0)
            goto fail;
    }
    if (ls_sigv4_uri_encode(&enc, dec.data ? dec.data : "", dec.len, false) != 0)
        goto fail;
    ls_buf_free(&dec);
    /* An empty buffer has no allocation (and reserve alone would leave it unterminated). */
    if (enc.len == 0) {
        ls_buf_free(&enc);
        return strdup("");
    }
    return ls_buf_steal(&enc, NULL);
fail:
    ls_buf_free(&dec);
    ls_buf_free(&enc);
    return NULL;
}

static int param_cmp(const void *a, const void *b)
{
    const struct param *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static int canonical_query(const char *q, struct ls_buf *out)
{
    if (!q || !*q)
        return 0;
    size_t n = 1;
    for (const char *p = q; *p; p++)
        n += *p == '&';
    struct param *ps = calloc(n, sizeof(*ps));
    size_t np = 0;
    int rc = -1;
    if (!ps)
        return -1;
    for (const char *p = q; *p;) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        if (end > p) {
            const char *eq = memchr(p, '=', (size_t)(end - p));
            const char *nend = eq ? eq : end;
            ps[np].name = reencode(p, (size_t)(nend - p));
            ps[np].value = eq ? reencode(eq + 1, (size_t)(end - eq - 1)) : strdup("");
            np++;
            if (!ps[np - 1].name || !ps[np - 1].value)
                goto done;
        }
        p = *end ? end + 1 : end;
    }
    qsort(ps, np, sizeof(*ps), param_cmp);
    for (size_t i = 0; i < np; i++) {
        if (ls_buf_printf(out, "%s%s=%s", i ? "&" : "", ps[i].name, ps[i].value) != 0)
            goto done;
    }
    rc = 0;
done:
    for (size_t i = 0; i < np; i++) {
        free(ps[i].name);
        free(ps[i].value);
    }
    free(ps);
    return rc;
}

/* ---- canonical headers ---- */

struct hdr {
    char *name; /* lowercase */
    char *value;
    size_t order; /* input position: values of a repeated name keep the caller's order */
};

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* AWS: trim, and collapse inner whitespace runs to one space (folded lines included). */
static char *trim_value(const char *v)
{
    size_t n = strlen(v);
    char *r = malloc(n + 1);
    size_t k = 0;
    bool pending = false;
    if (!r)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (space(v[i])) {
            pending = k > 0;
            continue;
        }
        if (pending)
            r[k++] = ' ';
        pending = false;
        r[k++] = v[i];
    }
    r[k] = '\0';
    return r;
}

static int hdr_cmp(const void *a, const void *b)
{
    const struct hdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int add_hdr(struct hdr *hs, size_t *n, const char *name, const char *value)
{
    size_t len = strlen(name);
    char *lname = malloc(len + 1);
    char *tv = trim_value(value);
    if (!lname || !tv) {
        free(lname);
        free(tv);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        lname[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    lname[len] = '\0';
    hs[*n].name = lname;
    hs[*n].value = tv;
    hs[*n].order = *n;
    (*n)++;
    return 0;
}

static bool has_token(const struct ls_sigv4_credentials *cred)
{
    return cred->session_token && cred->session_token[0];
}

/* Canonical headers block and signed-header list. */
static int canonical_headers(const struct ls_sigv4_request *req,
                             const struct ls_sigv4_credentials *cred, const char *amz_date,
                             struct ls_buf *block, struct ls_buf *signed_list)
{
    size_t cap = req->n_headers + 3, n = 0;
    struct hdr *hs = calloc(cap, sizeof(*hs));
    int rc = -1;
    if (!hs)
        return -1;
    for (size_t i = 0; i < req->n_headers; i++) {
        if (!req->headers[i].name || !req->headers[i].value)
            goto done;
        if (add_hdr(hs, &n, req->headers[i].name, req->headers[i].value) != 0)
            goto done;
    }
    if (add_hdr(hs, &n, "x-amz-date", amz_date) != 0)
        goto done;
    if (has_token(cred) && !(req->flags & LS_SIGV4_TOKEN_UNSIGNED) &&
        add_hdr(hs, &n, "x-amz-security-token", cred->session_token) != 0)
        goto done;
    if ((req->flags & LS_SIGV4_CONTENT_SHA256) &&
        add_hdr(hs, &n, "x-amz-content-sha256",
                req->payload_hash ? req->payload_hash : LS_SIGV4_EMPTY_SHA256) != 0)
        goto done;
    qsort(hs, n, sizeof(*hs), hdr_cmp);
    for (size_t i = 0; i < n; i++) {
        bool first = i == 0 || strcmp(hs[i].name, hs[i - 1].name) != 0;
        bool last = i + 1 == n || strcmp(hs[i].name, hs[i + 1].name) != 0;
        if (first) {
            if (ls_buf_printf(block, "%s:", hs[i].name) != 0 ||
                ls_buf_printf(signed_list, "%s%s", i ? ";" : "", hs[i].name) != 0)
                goto done;
        } else if (ls_buf_putc(block, ',') != 0) {
            goto done;
        }
        if (ls_buf_puts(block, hs[i].value) != 0)
            goto done;
        if (last && ls_buf_putc(block, '\n') != 0)
            goto done;
    }
    rc = 0;
done:
    for (size_t i = 0; i < n; i++) {
        free(hs[i].name);
        free(hs[i].value);
    }
    free(hs);
    return rc;
}

/* ---- the three steps ---- */

static int check(const struct ls_sigv4_request *req, const struct ls_sigv4_credentials *cred,
                 char *amz_date, char *err, size_t errlen)
{
    if (!req || !cred || !req->method || !req->region || !req->service || !req->region[0] ||
        !req->service[0]) {
        seterr(err, errlen, "sigv4: method, region and service are required");
        return -1;
    }
    if (!cred->access_key_id || !cred->access_key_id[0] || !cred->secret_access_key ||
        !cred->secret_access_key[0]) {
        seterr(err, errlen, "sigv4: access key id and secret access key are required");
        return -1;
    }
    if (ls_sigv4_amz_date(req->time_s, amz_date) != 0) {
        seterr(err, errlen, "sigv4: time out of range");
        return -1;
    }
    return 0;
}

/* Builds the canonical request into out and the signed-header list into signed_list. */
static int build_creq(const struct ls_sigv4_request *req, const struct ls_sigv4_credentials *cred,
                      const char *amz_date, struct ls_buf *out, struct ls_buf *signed_list)
{
    struct ls_buf block;
    int rc = -1;
    ls_buf_init(&block, 0);
    ls_buf_reset(out);
    ls_buf_reset(signed_list);
    if (ls_buf_printf(out, "%s\n", req->method) != 0 || canonical_uri(req, out) != 0 ||
        ls_buf_putc(out, '\n') != 0 || canonical_query(req->query, out) != 0 ||
        ls_buf_putc(out, '\n') != 0 ||
        canonical_headers(req, cred, amz_date, &block, signed_list) != 0 ||
        ls_buf_append(out, block.data ? block.data : "", block.len) != 0 ||
        ls_buf_printf(out, "\n%s\n%s", signed_list->data ? signed_list->data : "",
                      req->payload_hash ? req->payload_hash : LS_SIGV4_EMPTY_SHA256) != 0)
        goto done;
    rc = 0;
done:
    ls_buf_free(&block);
    return rc;
}

static int build_sts(const struct ls_sigv4_request *req, const char *amz_date,
                     const struct ls_buf *creq, struct ls_buf *out)
{
    char h[LS_SHA256_HEX_LEN];
    ls_buf_reset(out);
    if (ls_sha256_hex(creq->data ? creq->data : "", creq->len, h) != 0)
        return -1;
    return ls_buf_printf(out, ALGORITHM "\n%s\n%.8s/%s/%s/aws4_request\n%s", amz_date, amz_date,
                         req->region, req->service, h);
}

int ls_sigv4_canonical_request(const struct ls_sigv4_request *req,
                               const struct ls_sigv4_credentials *cred, struct ls_buf *out,
                               char *err, size_t errlen)
{
    char amz_date[LS_SIGV4_DATE_LEN];
    struct ls_buf sl;
    if (check(req, cred, amz_date, err, errlen) != 0)
        return -1;
    ls_buf_init(&sl, 0);
    int rc = build_creq(req, cred, amz_date, out, &sl);
    ls_buf_free(&sl);
    if (rc != 0)
        seterr(err, errlen, "sigv4: out of memory");
    return rc;
}

int ls_sigv4_string_to_sign(const struct ls_sigv4_request *req,
                            const struct ls_sigv4_credentials *cred, struct ls_buf *out, char *err,
                            size_t errlen)
{
    char amz_date[LS_SIGV4_DATE_LEN];
    struct ls_buf creq, sl;
    if (check(req, cred, amz_date, err, errlen) != 0)
        return -1;
    ls_buf_init(&creq, 0);
    ls_buf_init(&sl, 0);
    int rc = build_creq(req, cred, amz_date, &creq, &sl);
    if (rc == 0)
        rc = build_sts(req, amz_date, &creq, out);
    ls_buf_free(&creq);
    ls_buf_free(&sl);
    if (rc != 0)
        seterr(err, errlen, "sigv4: out of memory");
    return rc;
}

int ls_sigv4_sign(const struct ls_sigv4_request *req, const struct ls_sigv4_credentials *cred,
                  struct ls_buf *authorization, char amz_date[LS_SIGV4_DATE_LEN], char *err,
                  size_t errlen)
{
    struct ls_buf creq, sl, sts, key;
    unsigned char k[32];
    char sig[LS_SHA256_HEX_LEN];
    int rc = -1;
    if (check(req, cred, amz_date, err, errlen) != 0)
        return -1;
    ls_buf_init(&creq, 0);
    ls_buf_init(&sl, 0);
    ls_buf_init(&sts, 0);
    ls_buf_init(&key, 0);
    if (build_creq(req, cred, amz_date, &creq, &sl) != 0 ||
        build_sts(req, amz_date, &creq, &sts) != 0 ||
        ls_buf_printf(&key, "AWS4%s", cred->secret_access_key) != 0) {
        seterr(err, errlen, "sigv4: out of memory");
        goto done;
    }
    if (hmac(key.data, key.len, amz_date, 8, k) != 0 ||
        hmac(k, 32, req->region, strlen(req->region), k) != 0 ||
        hmac(k, 32, req->service, strlen(req->service), k) != 0 ||
        hmac(k, 32, "aws4_request", 12, k) != 0 || hmac(k, 32, sts.data, sts.len, k) != 0) {
        seterr(err, errlen, "sigv4: HMAC-SHA256 failed");
        goto done;
    }
    hex(k, 32, sig);
    ls_buf_reset(authorization);
    if (ls_buf_printf(authorization,
                      ALGORITHM " Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%s, "
                                "Signature=%s",
                      cred->access_key_id, amz_date, req->region, req->service, sl.data,
                      sig) != 0) {
        seterr(err, errlen, "sigv4: out of memory");
        goto done;
    }
    rc = 0;
done:
    /* The derived key and the "AWS4"+secret buffer are as sensitive as the secret. */
    OPENSSL_cleanse(k, sizeof(k));
    if (key.data)
        OPENSSL_cleanse(key.data, key.len);
    ls_buf_free(&creq);
    ls_buf_free(&sl);
    ls_buf_free(&sts);
    ls_buf_free(&key);
    return rc;
}
