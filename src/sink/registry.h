/*
 * Turns the environment into the list of configured sinks. Each built-in sink is one row of a
 * table: its name, the LOGSHIP_<SINK>_* prefix, the variable that switches it on, its kind and
 * its batch defaults. (Provider presets extend this table.)
 */
#ifndef LS_SINK_REGISTRY_H
#define LS_SINK_REGISTRY_H

#include <stddef.h>

struct ls_env;
struct ls_problems;
struct ls_sink;

struct ls_sink_list {
    struct ls_sink **v;
    size_t n;
};

/*
 * Creates every sink whose switch variable is set. A sink with a configuration problem is
 * not created; its problems (naming the variable) go to `problems`, and its name to
 * `broken` so /health can show it. Returns 0, or -1 on out-of-memory.
 */
int ls_sinks_from_env(const struct ls_env *env, struct ls_sink_list *out,
                      struct ls_problems *problems, struct ls_problems *broken);
void ls_sinks_free(struct ls_sink_list *l);
/* Prints the sinks' resolved settings for --check (secrets masked). */
void ls_sinks_describe(const struct ls_sink_list *l, const struct ls_env *env);

#endif
