/* Releasing core NATS messages on the pump; see nats_msg.h. */
#include "source/nats_msg.h"

#include <stdatomic.h>
#include <stdlib.h>

/* 3.4.0 .. 3.12.x: natsMsg_free is natsMsg_freeHeaders then free() of the one block. */
#define FIRST_CHECKED 0x030400u
#define AFTER_CHECKED 0x030d00u

static atomic_bool free_direct;

bool ls_nats_msg_free_ok(uint32_t version)
{
    return version >= FIRST_CHECKED && version < AFTER_CHECKED;
}

void ls_nats_msg_init(void)
{
    atomic_store(&free_direct, ls_nats_msg_free_ok(nats_GetVersionNumber()));
}

bool ls_nats_msg_direct(void)
{
    return atomic_load(&free_direct);
}

void ls_nats_msg_release(natsMsg *msg)
{
    if (atomic_load_explicit(&free_direct, memory_order_relaxed))
        free(msg);
    else
        natsMsg_Destroy(msg);
}
