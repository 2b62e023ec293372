/*
 * UTF-8 validation and repair (leaf code, no logging, any thread).
 *
 * The parser validates every JSON string and repairs the text of raw (non-JSON) payloads so that
 * everything logship ships is valid UTF-8. "Valid" is the Unicode definition: no overlong forms,
 * no surrogates (U+D800..U+DFFF), nothing above U+10FFFF. Repair replaces each maximal invalid
 * subpart with one U+FFFD, exactly as Rust's String::from_utf8_lossy does, so raw events match
 * what Vector produces byte for byte.
 */
#ifndef LS_UTF8_H
#define LS_UTF8_H

#include <stdbool.h>
#include <stddef.h>

struct ls_buf;

/* True when p[0..n) is well-formed UTF-8 (NUL bytes are valid). */
bool ls_utf8_valid(const char *p, size_t n);

/*
 * Appends p[0..n) to out with every invalid sequence replaced by U+FFFD (EF BF BD), one per
 * maximal subpart (Unicode "substitution of maximal subparts", as from_utf8_lossy). Returns 0,
 * or -1 when out cannot grow (out then keeps what it had before the call).
 */
int ls_utf8_repair(struct ls_buf *out, const char *p, size_t n);

/*
 * Where to cut p[0..n) so that at most max bytes remain without splitting a character: returns
 * n when n <= max, else the largest length <= max that does not end inside a multi-byte
 * sequence whose lead byte lies before the cut. Bytes that are invalid anyway are not moved.
 */
size_t ls_utf8_cut(const char *p, size_t n, size_t max);

#endif
