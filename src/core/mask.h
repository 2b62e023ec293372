/*
 * Masking of secrets for everything logship prints about its configuration: `--check`, the
 * start-up summary, `/health` and log lines. Callers pass every secret (API keys, tokens,
 * passwords, URLs that may carry credentials) through these functions before formatting;
 * core/log.h relies on that rule. Leaf code: pure, no logging, safe from any thread.
 */
#ifndef LS_MASK_H
#define LS_MASK_H

#include <stddef.h>

struct ls_buf;

/**
 * A printable stand-in for `secret`: "(unset)" for NULL, "(empty)" for "", otherwise "****",
 * followed by the secret's last 2 characters when it is at least 12 bytes long and those two
 * are printable ASCII (e.g. "****9f"), enough to tell two keys apart without revealing them.
 * The result is either a string literal or written into buf (NUL-terminated); when buf is
 * NULL or too small, "****" is returned. Never returns NULL.
 */
const char *ls_mask(const char *secret, char *buf, size_t cap);

/**
 * Appends `url` to `out` with credentials masked: the password of any userinfo
 * (`https://user:****@host/...`) and the value of each query parameter whose name looks
 * secret (case-insensitive, after %-decoding the name): key, token, apikey, api_key, password,
 * passwd, pwd, secret, sig, signature, auth, credential, or any name ending in `_` or `-`
 * followed by key, token, password, secret, sig, signature or credential (access_token,
 * X-Amz-Signature, dd-api-key, ...). Everything else is copied byte for byte. Secrets in the
 * path (e.g. a webhook URL's last segment) are not detected: mask such URLs with ls_mask().
 * NULL appends "(unset)". Returns 0, or -1 when `out` cannot grow (it then keeps its previous
 * content).
 */
int ls_mask_url(const char *url, struct ls_buf *out);

#endif
