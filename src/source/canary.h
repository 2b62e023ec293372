/*
 * The self-canary: end-to-end proof that the stream is flowing. On Fly, logship's own stdout is
 * shipped by the platform into the same NATS stream, on logship's own subject
 * (`logs.<FLY_APP_NAME>.<FLY_REGION>.<FLY_MACHINE_ID|FLY_ALLOC_ID>`). Every interval logship
 * prints one heartbeat line carrying a sequence number; the intake recognises the echo when it
 * comes back. When no echo arrives within the timeout, the main thread resubscribes; if the
 * echo is still missing after another timeout it reconnects and /health turns 503, so the
 * platform restarts a machine that is connected, "healthy" and shipping nothing — the
 * incumbent's most reported failure. A quiet org never trips it: the canary makes its own
 * traffic. Heartbeats are not shipped to sinks unless LOGSHIP_CANARY_SHIP=1.
 */
#ifndef LS_CANARY_H
#define LS_CANARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_env;
struct ls_problems;
struct ls_event;
struct ls_buf;

struct ls_canary;

enum ls_canary_action { LS_CANARY_NONE, LS_CANARY_RESUBSCRIBE, LS_CANARY_RECONNECT };

/* NULL (and no problem) when the canary is off: no Fly variables and no LOGSHIP_CANARY_SUBJECT,
   or LOGSHIP_CANARY_INTERVAL=0. */
struct ls_canary *ls_canary_create(const struct ls_env *env, struct ls_problems *problems);
void ls_canary_destroy(struct ls_canary *c);
/* The subject the echoes arrive on (for --check and logs). */
const char *ls_canary_subject(const struct ls_canary *c);
/* Milliseconds until the next call to ls_canary_tick is useful. */
int64_t ls_canary_tick_ms(const struct ls_canary *c);
/* Main thread: prints a heartbeat when due and says what the source should do. */
enum ls_canary_action ls_canary_tick(struct ls_canary *c, int64_t now_ms);
/* Intake thread: true when ev is one of our heartbeats coming back (and records it). */
bool ls_canary_observe(struct ls_canary *c, const struct ls_event *ev);
/* Whether heartbeats should still be shipped to the sinks. */
bool ls_canary_ship(const struct ls_canary *c);
/* False once the echo has been missing past resubscribe and reconnect. Any thread. */
bool ls_canary_healthy(const struct ls_canary *c);
/* Appends the canary's health object for /health. Any thread. */
void ls_canary_health_json(struct ls_canary *c, struct ls_buf *out);

#endif
