/*
 * source/nats_msg: only the nats.c versions whose message layout was checked free messages
 * directly; and the library this build links is one of them, so the pump really does.
 */
#include "source/nats_msg.h"
#include "test.h"

LS_TEST(test_nats_msg_free_only_for_checked_versions)
{
    CHECK(!ls_nats_msg_free_ok(0x030300)); /* 3.3.0 */
    CHECK(!ls_nats_msg_free_ok(0x0303ff));
    CHECK(ls_nats_msg_free_ok(0x030400)); /* 3.4.0 */
    CHECK(ls_nats_msg_free_ok(0x030401)); /* Debian 12's 3.4.1 */
    CHECK(ls_nats_msg_free_ok(0x030c00)); /* 3.12.0 */
    CHECK(ls_nats_msg_free_ok(0x030cff));
    CHECK(!ls_nats_msg_free_ok(0x030d00)); /* 3.13.0: not checked */
    CHECK(!ls_nats_msg_free_ok(0x040000));
    CHECK(!ls_nats_msg_free_ok(0));
}

LS_TEST(test_nats_msg_linked_library_is_a_checked_one)
{
    /* If Debian moves to a nats.c this file has not checked, the pump falls back to
       natsMsg_Destroy (correct, slower); this says so instead of a silent loss of speed. */
    CHECK(ls_nats_msg_free_ok(nats_GetVersionNumber()));
    ls_nats_msg_init();
    CHECK(ls_nats_msg_direct());
}

LS_TEST(test_nats_msg_release_frees_a_library_message)
{
    /* A message made by the library, freed by ls_nats_msg_release: under ASan a free of
       anything but the start of a malloc'ed block, or a leak, fails this test. */
    ls_nats_msg_init();
    for (int i = 0; i < 1000; i++) {
        natsMsg *m = NULL;
        CHECK_INT(natsMsg_Create(&m, "logs.app.region.instance", NULL, "{\"message\":\"x\"}", 15),
                  NATS_OK);
        ls_nats_msg_release(m);
    }
    nats_Close();
}

LS_TEST_MAIN(LS_CASE(test_nats_msg_free_only_for_checked_versions),
             LS_CASE(test_nats_msg_linked_library_is_a_checked_one),
             LS_CASE(test_nats_msg_release_frees_a_library_message))
