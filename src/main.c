/*
 * logship: ships Fly.io log records from NATS to the destinations the environment names.
 *
 * main() only wires the pieces together in the order of the record path and takes them apart
 * in reverse: configuration from the environment, sinks, the intake (parse + route), the admin
 * endpoints, then the source; on SIGTERM/SIGINT (or the end of --input) the source stops first,
 * the intake drains, every sink flushes within LOGSHIP_SHUTDOWN_TIMEOUT, and the process exits 0.
 */
#include "admin/server.h"
#include "core/config.h"
#include "core/env.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/problems.h"
#include "preset/preset.h"
#include "sink/durable.h"
#include "sink/registry.h"
#include "buffer/segment.h"
#include "sink/sink.h"
#include "sink/sink_int.h"
#include "source/canary.h"
#include "source/intake.h"
#include "source/nats.h"
#include "source/stdin.h"
#include "transport/http.h"
#include "util/buf.h"
#include "util/time.h"

#include <curl/curl.h>
#include <nats/nats.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_CONFIG = 1, EXIT_USAGE = 2, EXIT_RUNTIME = 3 };

struct app {
    struct ls_env *env;
    struct ls_config cfg;
    struct ls_nats_config nats;
    struct ls_sink_list sinks;
    struct ls_problems problems;
    struct ls_problems broken; /* names of sinks left off because of their configuration */
    struct ls_intake *intake;
    struct ls_nats_source *source; /* replaced by the canary's reconnect: see source_lock */
    /* The admin thread reads `source` for /health while the main thread may replace or stop
       it; the pointer is only swapped under this lock, and a stopped source is never seen. */
    pthread_mutex_t source_lock;
    struct ls_stdin_source *input;
    struct ls_admin *admin;
    struct ls_canary *canary;
    const char *input_path;
};

static pthread_t main_thread;

static void usage(FILE *out)
{
    fputs(
        "usage: logship [--input FILE|-] [--check] [--version] [--help]\n"
        "\n"
        "Ships Fly.io log records from NATS (or newline-delimited JSON with --input) to the\n"
        "destinations configured by environment variables, as fly-log-shipper does.\n"
        "\n"
        "  --input FILE   read records from FILE ('-' = standard input) instead of NATS; one\n"
        "                 payload per line, or {\"subject\": ..., \"payload\": ...}; exits at EOF\n"
        "  --check        print the resolved configuration (secrets masked) and exit:\n"
        "                 0 when valid, 1 listing every problem\n"
        "  --version      print the version\n"
        "\n"
        "NATS: NATS_URL, ORG, ACCESS_TOKEN, SUBJECT, QUEUE, NETWORK\n"
        "Sinks: HTTP_URL [HTTP_TOKEN], LOGSHIP_CONSOLE=json|text, LOGSHIP_FILE_DIR,\n"
        "       LOGSHIP_BLACKHOLE=1; per sink LOGSHIP_<SINK>_SUBJECT, _BATCH_MAX_EVENTS,\n"
        "       _BATCH_MAX_BYTES, _BATCH_TIMEOUT, _CONCURRENCY, _REQUEST_TIMEOUT,\n"
        "       _RETRY_INITIAL_BACKOFF, _RETRY_MAX_BACKOFF, _RETRY_MAX_ATTEMPTS,\n"
        "       _QUEUE_MAX_EVENTS, _COMPRESSION=none|gzip, _ENDPOINT=scheme://host[:port]\n"
        "General: LOGSHIP_HEALTH_ADDR ([::]:8686), LOGSHIP_METRICS_ADDR ([::]:9598),\n"
        "       LOGSHIP_LOG_LEVEL, LOGSHIP_SHUTDOWN_TIMEOUT (10s), LOGSHIP_MAX_RECORD_BYTES,\n"
        "       LOGSHIP_CA_FILE, LOGSHIP_DEAD_LETTER_DIR\n"
        "\n"
        "Exit status: 0 ok, 1 configuration error, 2 usage error, 3 runtime failure.\n",
        out);
}

static int health(struct ls_buf *body, void *ctx)
{
    struct app *a = ctx;
    pthread_mutex_lock(&a->source_lock);
    bool ok = (a->input_path ? true : ls_nats_healthy(a->source)) && ls_canary_healthy(a->canary);
    ls_buf_printf(body, "{\"status\":\"%s\",", ok ? "ok" : "unavailable");
    if (a->input_path)
        ls_buf_puts(body, "\"input\":{\"state\":\"reading\"}");
    else {
        ls_buf_puts(body, "\"nats\":");
        ls_nats_health_json(a->source, body);
    }
    pthread_mutex_unlock(&a->source_lock);
    if (a->canary) {
        ls_buf_puts(body, ",\"canary\":");
        ls_canary_health_json(a->canary, body);
    }
    ls_buf_puts(body, ",\"sinks\":{");
    for (size_t i = 0; i < a->sinks.n; i++) {
        if (i)
            ls_buf_putc(body, ',');
        ls_buf_printf(body, "\"%s\":", ls_sink_name(a->sinks.v[i]));
        ls_sink_health_json(a->sinks.v[i], body);
    }
    for (size_t i = 0; i < a->broken.n; i++)
        ls_buf_printf(body, "%s\"%s\":{\"state\":\"configuration error\"}",
                      a->sinks.n || i ? "," : "", a->broken.lines[i]);
    ls_buf_puts(body, "}}");
    return ok ? 200 : 503;
}

static void input_done(void)
{
    pthread_kill(main_thread, SIGUSR1);
}

static void print_configured(const struct app *a)
{
    struct ls_buf line;
    ls_buf_init(&line, 0);
    for (size_t i = 0; i < a->sinks.n; i++)
        ls_buf_printf(&line, "%s%s", i ? ", " : "", ls_sink_name(a->sinks.v[i]));
    LS_INFO("Configured sinks: %s", line.len ? line.data : "(none)");
    ls_buf_free(&line);
}

static int read_config(struct app *a)
{
    ls_problems_init(&a->problems);
    ls_problems_init(&a->broken);
    ls_config_read(a->env, &a->cfg, &a->problems);
    if (!a->input_path) {
        ls_nats_config_read(a->env, &a->nats, &a->problems);
        /* The canary watches Fly's core NATS stream; JetStream has acks and redelivery. */
        if (!a->nats.js_stream)
            a->canary = ls_canary_create(a->env, &a->problems);
    }
    size_t global = a->problems.n;
    if (ls_sinks_from_env(a->env, &a->sinks, &a->problems, &a->broken) != 0) {
        fprintf(stderr, "logship: out of memory reading the configuration\n");
        return -1;
    }
    for (size_t i = 0; i < a->sinks.n; i++)
        a->sinks.v[i]->dead_letter_dir = a->cfg.dead_letter_dir;
    return (int)global;
}

static int run_check(struct app *a)
{
    printf("logship %s configuration\n", LOGSHIP_VERSION);
    if (a->input_path)
        printf("source\n  input: %s\n", a->input_path);
    else
        ls_nats_config_describe(&a->nats);
    if (a->canary)
        printf("canary\n  subject: %s\n", ls_canary_subject(a->canary));
    ls_config_describe(&a->cfg);
    ls_sinks_describe(&a->sinks, a->env);
    printf("Configured sinks:");
    for (size_t i = 0; i < a->sinks.n; i++)
        printf(" %s", ls_sink_name(a->sinks.v[i]));
    printf("\n");
    if (a->problems.n) {
        printf("%zu problem%s:\n", a->problems.n, a->problems.n == 1 ? "" : "s");
        for (size_t i = 0; i < a->problems.n; i++)
            printf("  %s\n", a->problems.lines[i]);
        return EXIT_CONFIG;
    }
    printf("configuration ok\n");
    return 0;
}

static int start(struct app *a)
{
    char err[512];
    if (a->cfg.ca_file && ls_tls_load_ca_file(a->cfg.ca_file, err, sizeof(err)) != 0) {
        LS_ERROR("LOGSHIP_CA_FILE: %s", err);
        return -1;
    }
    struct ls_segment_options so;
    ls_segment_options_init(&so);
    so.max_bytes = a->cfg.buffer_max_bytes;
    if (a->cfg.buffer_fsync)
        ls_segment_fsync_parse(a->cfg.buffer_fsync, &so, err, sizeof(err));
    for (size_t i = 0; i < a->sinks.n; i++) {
        struct ls_sink *s = a->sinks.v[i];
        if (ls_sink_prepare(s, err, sizeof(err)) != 0 ||
            (a->cfg.buffer_dir && ls_durable_open(s, a->cfg.buffer_dir, &so, err, sizeof(err))) ||
            ls_sink_start(s, err, sizeof(err)) != 0) {
            LS_ERROR("[sink:%s] cannot start: %s", ls_sink_name(s), err);
            return -1;
        }
    }
    a->intake = ls_intake_create(a->cfg.intake_queue, a->cfg.max_record_bytes, a->cfg.parse_threads,
                                 &a->sinks);
    if (a->intake)
        ls_intake_set_canary(a->intake, a->canary);
    if (!a->intake || ls_intake_start(a->intake) != 0) {
        LS_ERROR("cannot start the intake");
        return -1;
    }
    if (a->input_path)
        a->input = ls_stdin_start(a->input_path, a->intake, input_done, err, sizeof(err));
    else
        a->source = ls_nats_start(&a->nats, a->intake, err, sizeof(err));
    if (!a->input && !a->source) {
        LS_ERROR("%s", err);
        return -1;
    }
    /* After the source, so the health callback never sees a half-started one. */
    const char *h = a->cfg.health_addr, *m = a->cfg.metrics_addr;
    if ((h && *h) || (m && *m)) {
        a->admin = ls_admin_start(h, m, health, a, err, sizeof(err));
        if (!a->admin) {
            LS_ERROR("admin endpoints: %s", err);
            return -1;
        }
        LS_INFO("admin endpoints health=%s metrics=%s", h && *h ? h : "(off)",
                m && *m ? m : "(off)");
    }
    return 0;
}

/* Takes the source out of /health's sight before it is stopped (health then says 503). */
static struct ls_nats_source *detach_source(struct app *a)
{
    pthread_mutex_lock(&a->source_lock);
    struct ls_nats_source *s = a->source;
    a->source = NULL;
    pthread_mutex_unlock(&a->source_lock);
    return s;
}

static void canary_act(struct app *a, enum ls_canary_action act)
{
    char err[512];
    if (act == LS_CANARY_RESUBSCRIBE) {
        ls_nats_resubscribe(a->source);
    } else if (act == LS_CANARY_RECONNECT) {
        ls_nats_stop(detach_source(a));
        struct ls_nats_source *fresh = ls_nats_start(&a->nats, a->intake, err, sizeof(err));
        if (!fresh)
            LS_ERROR("canary: reconnect failed: %s", err);
        pthread_mutex_lock(&a->source_lock);
        a->source = fresh;
        pthread_mutex_unlock(&a->source_lock);
    }
}

/* Returns the exit code: 0 after a signal, EXIT_RUNTIME when the NATS client gave up. */
static int wait_for_stop(struct app *a, sigset_t *set)
{
    char why[512];
    for (;;) {
        int64_t tick_ms = a->canary ? ls_canary_tick_ms(a->canary) : 1000;
        struct timespec tick = {tick_ms / 1000, (tick_ms % 1000) * 1000000};
        int sig = sigtimedwait(set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT) {
            LS_INFO("received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            return 0;
        }
        if (sig == SIGUSR1)
            return 0;
        /* Running on without a connection would ship nothing while looking alive: stop, so
           that the supervisor restarts logship and the reason is in the log. */
        if (ls_nats_gave_up(a->source, why, sizeof(why))) {
            LS_ERROR("NATS: the client closed the connection and will not retry: %s; "
                     "shutting down",
                     why);
            return EXIT_RUNTIME;
        }
        ls_nats_tick(a->source);
        if (a->canary)
            canary_act(a, ls_canary_tick(a->canary, ls_time_mono_ms()));
    }
}

/* Stops in the reverse order of the record path, so nothing accepted is left behind. */
static void shutdown_all(struct app *a)
{
    int64_t deadline = ls_time_mono_ms() + (int64_t)a->cfg.shutdown_timeout_ms;
    ls_stdin_stop(a->input);
    a->input = NULL;
    /* Stop taking messages but keep the connection: JetStream acks go out as sinks settle. */
    ls_nats_pause(a->source);
    if (a->intake) {
        ls_intake_close(a->intake);
        ls_intake_join(a->intake);
    }
    for (size_t i = 0; i < a->sinks.n; i++)
        if (a->sinks.v[i]->started)
            ls_sink_request_stop(a->sinks.v[i], deadline);
    for (size_t i = 0; i < a->sinks.n; i++)
        ls_sink_join(a->sinks.v[i]);
    ls_nats_stop(detach_source(a));
    ls_admin_stop(a->admin);
    a->admin = NULL;
}

static void cleanup(struct app *a)
{
    ls_intake_destroy(a->intake);
    ls_sinks_free(&a->sinks);
    ls_nats_config_free(&a->nats);
    ls_problems_free(&a->problems);
    ls_problems_free(&a->broken);
    ls_canary_destroy(a->canary);
    ls_metrics_reset();
    ls_tls_free();
    ls_env_destroy(a->env);
    nats_CloseAndWait(2000);
    curl_global_cleanup();
}

int main(int argc, char **argv)
{
    struct app a;
    memset(&a, 0, sizeof(a));
    pthread_mutex_init(&a.source_lock, NULL);
    int check = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) {
            check = 1;
        } else if (strcmp(argv[i], "--input") == 0 && i + 1 < argc) {
            a.input_path = argv[++i];
        } else if (strcmp(argv[i], "--providers") == 0) {
            return ls_presets_print_json(stdout) == 0 ? 0 : EXIT_RUNTIME;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("logship %s\n", LOGSHIP_VERSION);
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "logship: unknown argument %s\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    /* Before anything else touches OpenSSL: no cleanup at exit. nats.c 3.4's nats_Close frees
       OpenSSL's compression-method list without clearing it once it has used TLS (nats.c
       issue 904), and OpenSSL's own exit handler then freed it again: a crash at every exit
       after a TLS connection to NATS. The memory goes back with the process either way. */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    a.env = ls_env_from_environ();
    if (!a.env) {
        fprintf(stderr, "logship: out of memory\n");
        return EXIT_RUNTIME;
    }
    int global_problems = read_config(&a);
    ls_log_threshold = (enum ls_log_level)a.cfg.log_level;
    if (global_problems < 0) {
        cleanup(&a);
        return EXIT_RUNTIME;
    }
    if (check) {
        int rc = run_check(&a);
        cleanup(&a);
        return rc;
    }
    for (size_t i = 0; i < a.problems.n; i++)
        LS_ERROR("configuration: %s", a.problems.lines[i]);
    if (global_problems > 0) {
        LS_ERROR("cannot start: fix the configuration above (`logship --check` lists it)");
        cleanup(&a);
        return EXIT_CONFIG;
    }
    for (size_t i = 0; i < a.broken.n; i++)
        LS_ERROR("[sink:%s] left off because of its configuration; the other sinks run",
                 a.broken.lines[i]);
    ls_config_warn_unknown(a.env);
    LS_INFO("logship %s starting", LOGSHIP_VERSION);
    print_configured(&a);

    /* Signals are taken synchronously by this thread only; every other thread blocks them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    main_thread = pthread_self();

    int rc = 0;
    if (start(&a) == 0)
        rc = wait_for_stop(&a, &set);
    else
        rc = EXIT_RUNTIME;
    shutdown_all(&a);
    LS_INFO("stopped");
    cleanup(&a);
    return rc;
}
