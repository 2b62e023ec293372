/* Process-wide settings; see config.h. */
#include "core/config.h"
#include "core/env.h"
#include "core/log.h"
#include "core/problems.h"
#include "buffer/segment.h"
#include "preset/preset.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const global_vars[] = {
    "LOGSHIP_HEALTH_ADDR",
    "LOGSHIP_METRICS_ADDR",
    "LOGSHIP_CA_FILE",
    "LOGSHIP_DEAD_LETTER_DIR",
    "LOGSHIP_SHUTDOWN_TIMEOUT",
    "LOGSHIP_MAX_RECORD_BYTES",
    "LOGSHIP_INTAKE_QUEUE",
    "LOGSHIP_PARSE_THREADS",
    "LOGSHIP_LOG_LEVEL",
    "LOGSHIP_NATS_PENDING_MSGS",
    "LOGSHIP_NATS_PENDING_BYTES",
    "LOGSHIP_NATS_CREDS",
    "LOGSHIP_NATS_CA_FILE",
    "LOGSHIP_CONSOLE",
    "LOGSHIP_FILE_DIR",
    "LOGSHIP_FILE_MAX_BYTES",
    "LOGSHIP_FILE_GZIP",
    "LOGSHIP_BLACKHOLE",
    "LOGSHIP_CANARY_INTERVAL",
    "LOGSHIP_CANARY_TIMEOUT",
    "LOGSHIP_CANARY_SHIP",
    "LOGSHIP_CANARY_SUBJECT",
    "LOGSHIP_JETSTREAM_STREAM",
    "LOGSHIP_BUFFER_DIR",
    "LOGSHIP_BUFFER_MAX_BYTES",
    "LOGSHIP_BUFFER_FSYNC",
    "LOGSHIP_JETSTREAM_DURABLE",
    "LOGSHIP_JETSTREAM_MAX_ACK_PENDING",
    "LOGSHIP_JETSTREAM_ACK_WAIT",
    NULL,
};

/* Per-sink knob suffixes (LOGSHIP_<SINK>_<KNOB>); see sink/sink.c. */
static const char *const sink_knobs[] = {
    "SUBJECT",
    "BATCH_MAX_EVENTS",
    "BATCH_MAX_BYTES",
    "BATCH_TIMEOUT",
    "CONCURRENCY",
    "REQUEST_TIMEOUT",
    "RETRY_INITIAL_BACKOFF",
    "RETRY_MAX_BACKOFF",
    "RETRY_MAX_ATTEMPTS",
    "QUEUE_MAX_EVENTS",
    "COMPRESSION",
    "COMPRESSION_LEVEL",
    "ENDPOINT",
    NULL,
};

/* Local sinks; providers come from the preset table. */
static const char *const sink_names[] = {"CONSOLE", "FILE", "BLACKHOLE", NULL};

int ls_config_read(const struct ls_env *env, struct ls_config *c, struct ls_problems *problems)
{
    size_t before = problems->n;
    char err[256];
    c->health_addr = ls_env_get(env, "LOGSHIP_HEALTH_ADDR");
    if (!c->health_addr)
        c->health_addr = "[::]:8686";
    c->metrics_addr = ls_env_get(env, "LOGSHIP_METRICS_ADDR");
    if (!c->metrics_addr)
        c->metrics_addr = "[::]:9598";
    c->ca_file = ls_env_get(env, "LOGSHIP_CA_FILE");
    if (c->ca_file && !*c->ca_file)
        c->ca_file = NULL;
    if (c->ca_file && access(c->ca_file, R_OK) != 0)
        ls_problems_add(problems, "LOGSHIP_CA_FILE: cannot read %s", c->ca_file);
    c->dead_letter_dir = ls_env_get(env, "LOGSHIP_DEAD_LETTER_DIR");
    if (c->dead_letter_dir && !*c->dead_letter_dir)
        c->dead_letter_dir = NULL;
    if (c->dead_letter_dir) {
        mkdir(c->dead_letter_dir, 0755);
        if (access(c->dead_letter_dir, W_OK) != 0)
            ls_problems_add(problems, "LOGSHIP_DEAD_LETTER_DIR: %s is not a writable directory",
                            c->dead_letter_dir);
    }
    if (ls_env_duration_ms(env, "LOGSHIP_SHUTDOWN_TIMEOUT", 10000, &c->shutdown_timeout_ms, err,
                           sizeof(err)) != 0)
        ls_problems_add(problems, "%s", err);
    if (ls_env_size(env, "LOGSHIP_MAX_RECORD_BYTES", 1 << 20, &c->max_record_bytes, err,
                    sizeof(err)) != 0)
        ls_problems_add(problems, "%s", err);
    else if (c->max_record_bytes < 1024)
        ls_problems_add(problems, "LOGSHIP_MAX_RECORD_BYTES: must be at least 1KiB");
    if (ls_env_uint(env, "LOGSHIP_INTAKE_QUEUE", 8192, 16, 10000000, &c->intake_queue, err,
                    sizeof(err)) != 0)
        ls_problems_add(problems, "%s", err);
    if (ls_env_uint(env, "LOGSHIP_PARSE_THREADS", 0, 0, 64, &c->parse_threads, err, sizeof(err)) !=
        0)
        ls_problems_add(problems, "%s", err);
    c->buffer_dir = ls_env_get(env, "LOGSHIP_BUFFER_DIR");
    if (c->buffer_dir && !*c->buffer_dir)
        c->buffer_dir = NULL;
    if (ls_env_size(env, "LOGSHIP_BUFFER_MAX_BYTES", 256ULL << 20, &c->buffer_max_bytes, err,
                    sizeof(err)) != 0)
        ls_problems_add(problems, "%s", err);
    else if (c->buffer_max_bytes < (1u << 20))
        ls_problems_add(problems, "LOGSHIP_BUFFER_MAX_BYTES: must be at least 1MiB");
    c->buffer_fsync = ls_env_get(env, "LOGSHIP_BUFFER_FSYNC");
    if (c->buffer_fsync && !*c->buffer_fsync)
        c->buffer_fsync = NULL;
    struct ls_segment_options so;
    ls_segment_options_init(&so);
    if (c->buffer_fsync && ls_segment_fsync_parse(c->buffer_fsync, &so, err, sizeof(err)) != 0)
        ls_problems_add(problems, "LOGSHIP_BUFFER_FSYNC: %s", err);
    c->log_level = LS_LOG_INFO;
    const char *lvl = ls_env_get(env, "LOGSHIP_LOG_LEVEL");
    if (lvl && *lvl) {
        int l = ls_log_level_parse(lvl);
        if (l < 0)
            ls_problems_add(
                problems, "LOGSHIP_LOG_LEVEL: \"%s\" is not one of error, warn, info, debug, trace",
                lvl);
        else
            c->log_level = l;
    }
    return problems->n == before ? 0 : -1;
}

void ls_config_describe(const struct ls_config *c)
{
    printf("admin\n  health: %s\n  metrics: %s\n", c->health_addr, c->metrics_addr);
    printf("general\n  shutdown_timeout_ms: %llu\n  max_record_bytes: %llu\n  intake_queue: %llu\n",
           (unsigned long long)c->shutdown_timeout_ms, (unsigned long long)c->max_record_bytes,
           (unsigned long long)c->intake_queue);
    printf("  buffer_dir: %s\n  buffer_max_bytes: %llu\n  buffer_fsync: %s\n",
           c->buffer_dir ? c->buffer_dir : "(off: records in memory are lost if the process dies)",
           (unsigned long long)c->buffer_max_bytes,
           c->buffer_fsync ? c->buffer_fsync : "interval:1000");
    printf("  dead_letter_dir: %s\n  ca_file: %s\n",
           c->dead_letter_dir ? c->dead_letter_dir : "(off)",
           c->ca_file ? c->ca_file : "(system store only)");
}

/* Whether name is LOGSHIP_<SINK>_<KNOB> for a sink env name and a knob every sink has. */
static int is_knob(const char *name, const char *sink)
{
    size_t sl = strlen(sink);
    if (strncmp(name + 8, sink, sl) != 0 || name[8 + sl] != '_')
        return 0;
    for (int k = 0; sink_knobs[k]; k++)
        if (strcmp(name + 8 + sl + 1, sink_knobs[k]) == 0)
            return 1;
    return 0;
}

static int known(const char *name)
{
    for (int i = 0; global_vars[i]; i++)
        if (strcmp(name, global_vars[i]) == 0)
            return 1;
    for (int s = 0; sink_names[s]; s++)
        if (is_knob(name, sink_names[s]))
            return 1;
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++) {
        if (is_knob(name, p->env_name))
            return 1;
        for (const struct ls_preset_var *v = p->vars; v->name; v++)
            if (strcmp(name, v->name) == 0)
                return 1;
    }
    return 0;
}

static void check_one(const char *name, const char *value, void *ctx)
{
    (void)value;
    (void)ctx;
    if (!known(name))
        LS_WARN("unknown variable %s is ignored (see `logship --help` for the LOGSHIP_* settings)",
                name);
}

void ls_config_warn_unknown(const struct ls_env *env)
{
    ls_env_each_prefix(env, "LOGSHIP_", check_one, NULL);
}
