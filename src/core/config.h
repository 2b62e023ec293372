/*
 * Process-wide settings (everything that is not a sink or the NATS source), read once from the
 * environment at start-up and read-only afterwards.
 */
#ifndef LS_CONFIG_H
#define LS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct ls_env;
struct ls_problems;

struct ls_config {
    const char *health_addr;      /* LOGSHIP_HEALTH_ADDR */
    const char *metrics_addr;     /* LOGSHIP_METRICS_ADDR */
    const char *ca_file;          /* LOGSHIP_CA_FILE, or NULL */
    const char *dead_letter_dir;  /* LOGSHIP_DEAD_LETTER_DIR, or NULL */
    uint64_t shutdown_timeout_ms; /* LOGSHIP_SHUTDOWN_TIMEOUT */
    uint64_t max_record_bytes;    /* LOGSHIP_MAX_RECORD_BYTES */
    uint64_t intake_queue;        /* LOGSHIP_INTAKE_QUEUE (messages) */
    uint64_t parse_threads;       /* LOGSHIP_PARSE_THREADS */
    const char *buffer_dir;       /* LOGSHIP_BUFFER_DIR, or NULL: per-sink durable buffers */
    uint64_t buffer_max_bytes;    /* LOGSHIP_BUFFER_MAX_BYTES, per sink */
    const char *buffer_fsync;     /* LOGSHIP_BUFFER_FSYNC: always | interval:<ms> | never */
    int log_level;
};

/* Borrows strings from env (which must outlive the config). Adds problems naming variables. */
int ls_config_read(const struct ls_env *env, struct ls_config *c, struct ls_problems *problems);
void ls_config_describe(const struct ls_config *c);
/* Warns about LOGSHIP_* variables nothing reads (typos), with the closest known name. */
void ls_config_warn_unknown(const struct ls_env *env);

#endif
