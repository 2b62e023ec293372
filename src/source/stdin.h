/*
 * The NDJSON source (`logship --input FILE|-`): one record per line, either the payload itself
 * or `{"subject": "...", "payload": "..."}` as in fixtures/fly-logs.subjects.ndjson. For the
 * demo, tests, and comparing logship with other shippers on identical input. Reads on its own
 * thread and calls `done` at end of input.
 */
#ifndef LS_SOURCE_STDIN_H
#define LS_SOURCE_STDIN_H

#include <stddef.h>

struct ls_intake;
struct ls_stdin_source;

/* path "-" reads standard input. NULL with a message in err when the file cannot be opened. */
struct ls_stdin_source *ls_stdin_start(const char *path, struct ls_intake *in, void (*done)(void),
                                       char *err, size_t errlen);
/* Stops reading (at the next line) and joins the thread. Accepts NULL. */
void ls_stdin_stop(struct ls_stdin_source *s);

#endif
