/* Configuration problem list; see problems.h. */
#include "core/problems.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void ls_problems_init(struct ls_problems *p)
{
    p->lines = NULL;
    p->n = 0;
    p->cap = 0;
}

void ls_problems_free(struct ls_problems *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->lines[i]);
    free(p->lines);
    ls_problems_init(p);
}

static void push(struct ls_problems *p, char *line)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        char **l = realloc(p->lines, cap * sizeof(*l));
        if (!l) {
            free(line);
            return;
        }
        p->lines = l;
        p->cap = cap;
    }
    p->lines[p->n++] = line;
}

void ls_problems_add(struct ls_problems *p, const char *fmt, ...)
{
    char *line = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (rc < 0)
        return;
    push(p, line);
}

void ls_problems_take(struct ls_problems *dst, struct ls_problems *src)
{
    for (size_t i = 0; i < src->n; i++)
        push(dst, src->lines[i]);
    free(src->lines);
    ls_problems_init(src);
}
