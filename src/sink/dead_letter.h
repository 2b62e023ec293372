/*
 * Dead-letter files: events a destination rejected permanently, kept for the operator
 * (LOGSHIP_DEAD_LETTER_DIR). One file per rejected batch, `<sink>-<UTC time>-<pid>-<seq>.ndjson`,
 * one canonical record per line: plain NDJSON, so `logship --input FILE` can replay it once the
 * cause is fixed. The reason goes to the log, not the file. Leaf code.
 */
#ifndef LS_DEAD_LETTER_H
#define LS_DEAD_LETTER_H

#include <stddef.h>

struct ls_event;

int ls_dead_letter_write(const char *dir, const char *sink, struct ls_event *const *events,
                         size_t n, const char *reason, char *err, size_t errlen);

#endif
