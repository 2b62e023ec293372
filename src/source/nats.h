/*
 * The NATS source: one connection (nats.c), one subscription to SUBJECT, optionally in the
 * QUEUE group, reconnecting forever with capped backoff. In core NATS a pump thread reads the
 * socket (nats_loop.h), takes the messages off a synchronous subscription and pushes them into
 * the intake, which parses them on that thread or hands them to parsing lanes. JetStream
 * keeps nats.c's reader thread and a fetch thread (see nats.c).
 */
#ifndef LS_SOURCE_NATS_H
#define LS_SOURCE_NATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_env;
struct ls_intake;
struct ls_problems;
struct ls_buf;

struct ls_nats_config {
    char *url;        /* resolved server URL (NATS_URL, else from NETWORK) */
    char *user;       /* ORG */
    char *password;   /* ACCESS_TOKEN, may be NULL when NATS_URL is set */
    char *subject;    /* SUBJECT */
    char *queue;      /* QUEUE, NULL when unset or empty */
    char *creds_file; /* LOGSHIP_NATS_CREDS */
    char *ca_file;    /* LOGSHIP_NATS_CA_FILE */
    int64_t pending_msgs;
    int64_t pending_bytes;
    /* JetStream at-least-once (self-hosted NATS): a durable pull consumer on `js_stream`; every
       message is acknowledged only after every sink settled all its events (event.h). */
    char *js_stream;  /* LOGSHIP_JETSTREAM_STREAM; NULL = core NATS subscription */
    char *js_durable; /* LOGSHIP_JETSTREAM_DURABLE (default "logship") */
    int64_t js_max_ack_pending;
    int64_t js_ack_wait_ms;
};

/* Reads the NATS variables; every problem names its variable. Returns 0 when usable. */
int ls_nats_config_read(const struct ls_env *env, struct ls_nats_config *c,
                        struct ls_problems *problems);
void ls_nats_config_free(struct ls_nats_config *c);
/* For --check: one line per setting, the password masked. */
void ls_nats_config_describe(const struct ls_nats_config *c);

struct ls_nats_source;

/*
 * Connects (retrying in the background when the server is not reachable yet) and subscribes.
 * Returns NULL with a message in err only for errors that retrying cannot fix.
 */
struct ls_nats_source *ls_nats_start(const struct ls_nats_config *c, struct ls_intake *in,
                                     char *err, size_t errlen);
/* Stops taking messages (drains the subscription, stops fetching) but keeps the connection, so
   acknowledgements of what the sinks still deliver can go out. Accepts NULL. */
void ls_nats_pause(struct ls_nats_source *s);
/* Pauses if needed, then closes; no callback runs after it returns. Accepts NULL. */
void ls_nats_stop(struct ls_nats_source *s);
/* Replaces the subscription with a fresh one on the same subject and queue group (the canary's
   first remedy). Main thread. 0 or -1. */
int ls_nats_resubscribe(struct ls_nats_source *s);
/* True once nats.c has closed the connection for good without being asked (it stops retrying
   on some errors, e.g. TLS wanted but not offered); `why` gets its last error. Main thread. */
bool ls_nats_gave_up(struct ls_nats_source *s, char *why, size_t whylen);
/* Connected and subscribed: the condition /health reports as 200. */
bool ls_nats_healthy(struct ls_nats_source *s);
/* Appends the source's health object ({"state":...,"subscribed":...}). */
void ls_nats_health_json(struct ls_nats_source *s, struct ls_buf *out);
/* Folds nats.c's slow-consumer drop count into logship_nats_dropped_total (main's tick). */
void ls_nats_tick(struct ls_nats_source *s);

#endif
