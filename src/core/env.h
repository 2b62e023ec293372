/*
 * The environment as logship's configuration sees it. Fly secrets arrive as environment
 * variables, so every configuration lookup goes through a `struct ls_env` snapshot instead of
 * getenv(): the daemon takes one copy of the process environment at start-up, and tests and
 * `--check` build one from a list, with no real environment involved.
 *
 * The typed readers turn a variable into a bool, number, duration, size or enum choice. They
 * share one contract: unset or empty gives the default and returns 0; a value that does not
 * parse returns -1 and writes one line naming the variable into `err` (truncated to errlen,
 * always NUL-terminated when errlen > 0), e.g.
 *   LOGSHIP_HTTP_BATCH_MAX_BYTES: "12x" is not a size (use e.g. 1048576, 512KiB, 8MiB)
 * The offending value is quoted (control bytes escaped, long values cut) unless the variable
 * name looks secret (ls_env_is_secret), in which case the message says "the value" instead,
 * so a secret never reaches a log line. Values are taken literally: no trimming, no `$`
 * expansion. Leaf code: nothing here logs.
 *
 * Threads: build the snapshot once at start-up; afterwards it is read-only and any thread may
 * read it concurrently.
 */
#ifndef LS_ENV_H
#define LS_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A snapshot of NAME=VALUE pairs. Owns copies of all its strings. */
struct ls_env;

/**
 * Copies the process environment. Entries without '=' or with an empty name are skipped;
 * when a name occurs twice the first one wins, as with getenv(). Returns NULL when memory
 * runs out. Free with ls_env_destroy().
 */
struct ls_env *ls_env_from_environ(void);

/**
 * Builds a snapshot from a NULL-terminated array of "NAME=VALUE" strings (the strings are
 * copied; `pairs` may be NULL for an empty environment). Same rules as ls_env_from_environ.
 * Returns NULL when memory runs out.
 */
struct ls_env *ls_env_from_list(const char *const *pairs);

/** Frees the snapshot. Accepts NULL. Strings returned by ls_env_get become invalid. */
void ls_env_destroy(struct ls_env *e);

/**
 * The value of `name`: NULL when unset, "" when set but empty. Borrowed: valid until
 * ls_env_destroy(). `e` may be NULL (nothing is set).
 */
const char *ls_env_get(const struct ls_env *e, const char *name);

/**
 * Calls fn for every variable whose name starts with `prefix` (e.g. "LOGSHIP_", so unknown
 * knobs can be warned about), in byte order of the names; NULL or "" visits every variable.
 * The strings are borrowed.
 */
void ls_env_each_prefix(const struct ls_env *e, const char *prefix,
                        void (*fn)(const char *name, const char *value, void *ctx), void *ctx);

/**
 * True when a variable name looks like it holds a secret: one of its '_'-separated words is
 * KEY, TOKEN, PASSWORD, PASS, SECRET, AUTH, CREDENTIALS, CREDS, APIKEY, WEBHOOK, LICENSE or
 * DSN (any case). The typed readers never quote such a value in `err`.
 */
bool ls_env_is_secret(const char *name);

/** 1/0, true/false, yes/no, on/off in any case. */
int ls_env_bool(const struct ls_env *e, const char *name, bool def, bool *out, char *err,
                size_t errlen);

/** A decimal whole number (digits only, no sign) within [min, max]. */
int ls_env_uint(const struct ls_env *e, const char *name, uint64_t def, uint64_t min, uint64_t max,
                uint64_t *out, char *err, size_t errlen);

/**
 * A duration in milliseconds: a whole number followed by ms, s, m or h (any case); a bare
 * number means seconds. "250ms", "10s", "5m", "1h".
 */
int ls_env_duration_ms(const struct ls_env *e, const char *name, uint64_t def_ms, uint64_t *out,
                       char *err, size_t errlen);

/**
 * A size in bytes: a whole number, optionally one space, then a unit (any case): B; kB, MB,
 * GB, TB (powers of 1000); KiB, MiB, GiB, TiB (powers of 1024). A bare number is bytes.
 */
int ls_env_size(const struct ls_env *e, const char *name, uint64_t def, uint64_t *out, char *err,
                size_t errlen);

/**
 * One of `choices` (NULL-terminated), compared case-insensitively; *out is its index, or
 * `def` when unset or empty. The error lists the choices.
 */
int ls_env_enum(const struct ls_env *e, const char *name, const char *const *choices, int def,
                int *out, char *err, size_t errlen);

/**
 * Checks a value that goes into an HTTP header or a URL: CR, LF and other control bytes
 * (below 0x20, and 0x7f) are rejected, since they would allow header injection or a broken
 * request. (NUL cannot occur inside a C string.) A NULL value passes. Returns 0 or -1; the
 * message names `name` and never includes the value, e.g.
 *   DATADOG_API_KEY: the value contains a line break (not allowed in HTTP headers or URLs)
 */
int ls_env_check_header_value(const char *name, const char *value, char *err, size_t errlen);

#endif
