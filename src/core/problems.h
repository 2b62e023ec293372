/*
 * A list of configuration problems, one line each, each naming the variable at fault.
 * `logship --check` prints them all and exits non-zero; the daemon logs each one, turns off
 * only the sink concerned, and shows the problem in /health (PROVIDERS.md §0 item 4).
 */
#ifndef LS_PROBLEMS_H
#define LS_PROBLEMS_H

#include <stddef.h>

struct ls_problems {
    char **lines;
    size_t n;
    size_t cap;
};

void ls_problems_init(struct ls_problems *p);
void ls_problems_free(struct ls_problems *p);
/* Adds one line (copied). Silently keeps going when memory runs out: the count is what matters. */
void ls_problems_add(struct ls_problems *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Moves every line of src to the end of dst. */
void ls_problems_take(struct ls_problems *dst, struct ls_problems *src);

#endif
