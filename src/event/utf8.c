/*
 * UTF-8 validation and from_utf8_lossy-compatible repair; see utf8.h. Used by the parser on
 * every payload, so the common all-ASCII case is checked sixteen (SSE2) or eight bytes at a time.
 */
#include "event/utf8.h"

#include <stdint.h>
#include <string.h>

#include "util/buf.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char replacement[] = "\xEF\xBF\xBD";

/*
 * Length of the well-formed sequence at s (1..4), or 0 when it is invalid; then *bad gets the
 * length of the maximal subpart to replace: the lead byte plus the continuation bytes that were
 * still acceptable before the sequence broke or the input ended (Rust's Utf8Chunks rule).
 */
static size_t seq(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;

    if (c < 0x80)
        return 1;
    if (c < 0xC2) {
        *bad = 1; /* continuation byte or overlong two-byte lead */
        return 0;
    }
    if (c < 0xE0) {
        need = 1;
    } else if (c < 0xF0) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c < 0xF5) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= n || s[i] < lo || s[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

/* Length of the leading run of ASCII bytes. */
static size_t ascii_run(const unsigned char *s, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    /* Sixteen bytes at a time: movemask collects the top bit of every byte. */
    while (i + 16 <= n) {
        unsigned mask =
            (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + i)));
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            break;
        i += 8;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

bool ls_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, bad;

    while (i < n) {
        i += ascii_run(s + i, n - i);
        if (i >= n)
            break;
        size_t l = seq(s + i, n - i, &bad);
        if (l == 0)
            return false;
        i += l;
    }
    return true;
}

int ls_utf8_repair(struct ls_buf *out, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0, start = 0, bad = 0, keep = out->len;

    if (ls_buf_reserve(out, n) != 0)
        return -1;
    while (i < n) {
        i += ascii_run(s + i, n - i);
        if (i >= n)
            break;
        size_t l = seq(s + i, n - i, &bad);
        if (l) {
            i += l;
            continue;
        }
        if (ls_buf_append(out, p + start, i - start) != 0 ||
            ls_buf_append(out, replacement, 3) != 0)
            goto fail;
        i += bad;
        start = i;
    }
    if (ls_buf_append(out, p + start, n - start) != 0)
        goto fail;
    return 0;
fail:
    out->len = keep;
    if (out->data)
        out->data[keep] = '\0';
    return -1;
}

size_t ls_utf8_cut(const char *p, size_t n, size_t max)
{
    const unsigned char *s = (const unsigned char *)p;

    if (n <= max)
        return n;
    /* Walk back over at most three continuation bytes to the lead byte before the cut. */
    for (size_t back = 1; back <= 4 && back <= max; back++) {
        unsigned c = s[max - back];
        if ((c & 0xC0) == 0x80)
            continue;
        size_t len = c >= 0xF8 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return back < len ? max - back : max;
    }
    return max;
}
