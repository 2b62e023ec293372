/*
 * Secret masking (see mask.h). ls_mask hides a value behind a fixed-width marker; ls_mask_url
 * walks a URL once (scheme, authority, path, query, fragment) and replaces only the parts
 * that carry credentials, so the printed endpoint stays useful for debugging.
 */
#include "core/mask.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

#define LS_MASK_MARK     "****"
#define LS_MASK_SHOW_MIN 12

static bool printable(char c)
{
    return c >= 0x21 && c <= 0x7e;
}

const char *ls_mask(const char *secret, char *buf, size_t cap)
{
    if (secret == NULL)
        return "(unset)";
    size_t n = strlen(secret);
    if (n == 0)
        return "(empty)";
    if (n < LS_MASK_SHOW_MIN || buf == NULL || cap < sizeof(LS_MASK_MARK) + 2 ||
        !printable(secret[n - 2]) || !printable(secret[n - 1]))
        return LS_MASK_MARK;
    snprintf(buf, cap, LS_MASK_MARK "%c%c", secret[n - 2], secret[n - 1]);
    return buf;
}

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

/* Decodes %XX escapes of a query parameter name into buf; false when it does not fit. */
static bool decode_name(const char *s, size_t n, char *buf, size_t cap, size_t *outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (o + 1 >= cap)
            return false;
        buf[o++] = c;
    }
    buf[o] = '\0';
    *outlen = o;
    return true;
}

static bool secret_param(const char *s, size_t n)
{
    static const char *const exact[] = {"key",      "token",     "apikey", "api_key",
                                        "password", "passwd",    "pwd",    "secret",
                                        "sig",      "signature", "auth",   "credential"};
    static const char *const suffix[] = {"key", "token",     "password",  "secret",
                                         "sig", "signature", "credential"};
    char name[128];
    size_t len;
    if (!decode_name(s, n, name, sizeof(name), &len))
        return false;
    for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
        if (strcasecmp(name, exact[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        size_t sl = strlen(suffix[i]);
        if (len > sl + 1 && strcasecmp(name + len - sl, suffix[i]) == 0 &&
            (name[len - sl - 1] == '_' || name[len - sl - 1] == '-'))
            return true;
    }
    return false;
}

/* Length of "scheme://" at the start of url, or 0 when there is none. */
static size_t scheme_len(const char *url)
{
    size_t i = 0;
    if (!((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z')))
        return 0;
    while (url[i] != '\0' && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789+.-",
                                    url[i]) != NULL)
        i++;
    return strncmp(url + i, "://", 3) == 0 ? i + 3 : 0;
}

/* Appends the authority with any userinfo password replaced. */
static int put_authority(struct ls_buf *out, const char *a, size_t n)
{
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (a[i] == '@')
            at = a + i;
    if (at == NULL)
        return ls_buf_append(out, a, n);
    const char *colon = memchr(a, ':', (size_t)(at - a));
    if (colon == NULL || colon + 1 == at)
        return ls_buf_append(out, a, n);
    if (ls_buf_append(out, a, (size_t)(colon + 1 - a)) != 0 || ls_buf_puts(out, LS_MASK_MARK) != 0)
        return -1;
    return ls_buf_append(out, at, (size_t)(a + n - at));
}

/* Appends a query string (without '?') with secret parameter values replaced. */
static int put_query(struct ls_buf *out, const char *q, size_t n)
{
    size_t i = 0;
    while (i <= n) {
        size_t end = i;
        while (end < n && q[end] != '&')
            end++;
        const char *eq = memchr(q + i, '=', end - i);
        int rc;
        if (eq != NULL && (size_t)(eq - q) + 1 < end && secret_param(q + i, (size_t)(eq - (q + i))))
            rc = ls_buf_append(out, q + i, (size_t)(eq + 1 - (q + i))) ||
                 ls_buf_puts(out, LS_MASK_MARK);
        else
            rc = ls_buf_append(out, q + i, end - i);
        if (rc != 0 || (end < n && ls_buf_putc(out, '&') != 0))
            return -1;
        i = end + 1;
    }
    return 0;
}

static int mask_url(const char *url, struct ls_buf *out)
{
    size_t s = scheme_len(url);
    if (ls_buf_append(out, url, s) != 0)
        return -1;
    const char *p = url + s;
    if (s > 0) {
        size_t an = strcspn(p, "/?#");
        if (put_authority(out, p, an) != 0)
            return -1;
        p += an;
    }
    size_t pn = strcspn(p, "?#");
    if (ls_buf_append(out, p, pn) != 0)
        return -1;
    p += pn;
    if (*p == '?') {
        size_t qn = strcspn(p + 1, "#");
        if (ls_buf_putc(out, '?') != 0 || put_query(out, p + 1, qn) != 0)
            return -1;
        p += 1 + qn;
    }
    return ls_buf_puts(out, p);
}

int ls_mask_url(const char *url, struct ls_buf *out)
{
    size_t mark = out->len;
    if ((url == NULL ? ls_buf_puts(out, "(unset)") : mask_url(url, out)) == 0)
        return 0;
    out->len = mark;
    if (out->data != NULL)
        out->data[mark] = '\0';
    return -1;
}
