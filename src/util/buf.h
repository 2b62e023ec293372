/*
 * Growable byte buffer with an optional hard cap (curl's dynbuf idea). Leaf code: no logging.
 * The data is always NUL-terminated after len (for convenience; len excludes it).
 * Appends return 0 on success, -1 when memory runs out or the cap would be exceeded; on
 * failure the buffer keeps its previous content.
 */
#ifndef LS_BUF_H
#define LS_BUF_H

#include <stddef.h>
#include <stdarg.h>

struct ls_buf {
    char *data;
    size_t len;
    size_t cap; /* allocated bytes */
    size_t max; /* hard cap on len; 0 = unlimited */
};

void ls_buf_init(struct ls_buf *b, size_t max);
void ls_buf_free(struct ls_buf *b);
/* Keeps the allocation, drops the content. */
void ls_buf_reset(struct ls_buf *b);
int ls_buf_reserve(struct ls_buf *b, size_t extra);
int ls_buf_append(struct ls_buf *b, const void *p, size_t n);
int ls_buf_puts(struct ls_buf *b, const char *s);
int ls_buf_putc(struct ls_buf *b, char c);
int ls_buf_printf(struct ls_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ls_buf_vprintf(struct ls_buf *b, const char *fmt, va_list ap);
/* Appends s[0..n) percent-encoded as RFC 3986 §2.1 says: the unreserved bytes A-Z a-z 0-9
   `-._~` are kept, every other byte becomes %XX (upper-case hex), so the result is safe in a
   URL path segment or a query value. */
int ls_buf_put_pct(struct ls_buf *b, const char *s, size_t n);
/* Hands the allocation to the caller (NUL-terminated, may be NULL when empty); resets b. */
char *ls_buf_steal(struct ls_buf *b, size_t *len);

#endif
