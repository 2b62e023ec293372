/*
 * Slack's alert keywords: the list users already set in SLACK_ALERT_KEYWORDS for
 * fly-log-shipper, a VRL array of regex literals such as `[r'SIGTERM', r'(?i)reboot']`
 * (PROVIDERS.md Part 2 §8.2), parsed and compiled once at start-up, then matched against each
 * record's `message`: true when ANY pattern matches anywhere (unanchored, as Vector's
 * `match_any`).
 *
 * Grammar: optional whitespace, `[`, elements separated by `,` (whitespace and newlines
 * allowed, a trailing comma too), `]`, optional whitespace; `[]` never matches. An element is
 * `r'...'`, running to the next unescaped `'`: `\'` stands for `'`, and every other backslash
 * is kept with the character after it, for the regex engine (so `r'C:\\'` ends at its quote).
 * Anything else (a plain "string", a bare word) is an error, as it is for Vector.
 *
 * Regexes are PCRE2 (UTF, Unicode properties for \w \d \s \b, `$` only at the very end) rather
 * than POSIX regex: the patterns are written for Rust's regex crate, whose everyday syntax
 * (`\d`, `\s`, `\b`, `(?i)`, lazy `*?`, `\p{L}`) POSIX ERE does not have. PCRE2 accepts a
 * superset of that syntax (backreferences, lookaround), which only means a few patterns Vector
 * would refuse work here. Matching is bounded by a match limit, so a pathological pattern
 * costs a bounded time per record and then counts as no match.
 *
 * Leaf code: no logging. An object is read-only after compile except for its match scratch:
 * match from one thread at a time (the sink's worker).
 */
#ifndef LS_FILTER_KEYWORDS_H
#define LS_FILTER_KEYWORDS_H

#include <stdbool.h>
#include <stddef.h>

struct ls_keywords;

/*
 * Parses and compiles `list` (NUL-terminated). On success stores a new object in *out (caller
 * destroys it) and returns 0. On failure returns -1 and writes one line into err naming the
 * position or the pattern, e.g.
 *   pattern 2 r'(foo': missing closing parenthesis at offset 4
 *   expected r'...' at offset 1 (found '"'; write SIGTERM as r'SIGTERM')
 * -1 with "out of memory" when allocation fails.
 */
int ls_keywords_compile(const char *list, struct ls_keywords **out, char *err, size_t errlen);

/* True when any pattern matches somewhere in s[0..n) (valid or invalid UTF-8, NULs allowed). */
bool ls_keywords_match(struct ls_keywords *k, const char *s, size_t n);

/* Number of patterns, and pattern i as the regex engine sees it (borrowed). */
size_t ls_keywords_count(const struct ls_keywords *k);
const char *ls_keywords_pattern(const struct ls_keywords *k, size_t i);

/* Accepts NULL. */
void ls_keywords_destroy(struct ls_keywords *k);

#endif
