/*
 * Releasing a core NATS message on the pump, without nats.c's collector thread.
 *
 * natsMsg_Destroy never frees a message itself: it queues it for nats.c's garbage-collector
 * thread, which wakes, walks the list and frees each block there, on another core than the one
 * that allocated it (under glibc, a cross-arena free under the arena's lock, and the pump's next
 * message a cold allocation). In nats.c 3.4.0 through 3.12.x (msg.c: natsMsg_createWithPadding,
 * natsMsg_free) a message is one malloc'ed block, and natsMsg_free frees that block after the
 * headers' hash table, which exists only once something asked for a header. The library asks
 * only for JetStream subscriptions (flow control), and logship reads no header of a core
 * message, so for those versions ls_nats_msg_release frees the block itself, on the pump's
 * thread, where the next message's malloc takes it back hot. Measured in alternating bench
 * pairs: loaded 240 k/s 1.77 -> 1.55 CPU-µs per record, steady 50 k/s 2.05 -> 1.93, sustained
 * 560 k/s 1.17 -> 1.00 with peak RSS 80 -> 32 MiB (docs/design.md). Any other version of the
 * library gets natsMsg_Destroy, as before.
 *
 * For messages of core (not JetStream) subscriptions whose headers were never read.
 */
#ifndef LS_NATS_MSG_H
#define LS_NATS_MSG_H

#include <nats/nats.h>
#include <stdbool.h>
#include <stdint.h>

/* Whether a message of nats.c `version` (nats_GetVersionNumber's form, 0xMMmmpp) may be freed
   directly: the versions whose message layout was checked (above). */
bool ls_nats_msg_free_ok(uint32_t version);
/* Decides once, from the library loaded at run time; call before the pump starts. */
void ls_nats_msg_init(void);
/* What ls_nats_msg_init decided: true when messages are freed directly. */
bool ls_nats_msg_direct(void);
/* Frees msg directly when ls_nats_msg_init allowed it, else natsMsg_Destroy. */
void ls_nats_msg_release(natsMsg *msg);

#endif
