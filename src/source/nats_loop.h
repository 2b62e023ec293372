/*
 * The NATS connection's socket, driven by the pump thread instead of nats.c's reader thread.
 *
 * nats.c lets an application own the socket (natsOptions_SetEventLoop): it reports which
 * events it wants through four callbacks, and the application calls
 * natsConnection_ProcessReadEvent/ProcessWriteEvent when the socket is ready. The pump uses
 * this to read only after its nap, so one read takes what arrived during the nap instead of
 * nats.c's reader waking for every segment and handing each message across threads. The
 * callbacks come from any nats.c thread (connect, reconnect, flusher, close); they only record
 * the request and wake the pump.
 */
#ifndef LS_SOURCE_NATS_LOOP_H
#define LS_SOURCE_NATS_LOOP_H

#include <nats/nats.h>
#include <stdbool.h>

struct ls_nats_loop;

struct ls_nats_loop *ls_nats_loop_create(void);
/* After the connection is destroyed (no callback can come any more). Accepts NULL. */
void ls_nats_loop_destroy(struct ls_nats_loop *l);
/* Makes the connection created from `o` use this loop. */
natsStatus ls_nats_loop_install(struct ls_nats_loop *l, natsOptions *o);

/*
 * Sleeps up to nap_us, woken early by a write nats.c asks for or by ls_nats_loop_wake, then
 * writes what nats.c buffered and reads what arrived: at most max_reads reads, each of up to
 * the connection's IO buffer size. Returns the number of reads that found data. Pump thread.
 */
int ls_nats_loop_run(struct ls_nats_loop *l, long nap_us, int max_reads);
/* Ends the current nap at once (any thread). */
void ls_nats_loop_wake(struct ls_nats_loop *l);

#endif
