/*
 * Unit tests for core/mask: the secret stand-in and URL credential masking, as tables.
 */
#include "core/mask.h"
#include "util/buf.h"
#include "test.h"

LS_TEST(test_mask_secret_table)
{
    static const struct {
        const char *in, *want;
    } c[] = {
        {NULL, "(unset)"},
        {"", "(empty)"},
        {"a", "****"},
        {"abcdefghijk", "****"},    /* 11 bytes: nothing shown */
        {"abcdefghijkl", "****kl"}, /* 12 bytes: last two shown */
        {"0123456789abcdef0123456789ab9f", "****9f"},
        {"abcdefghij\n\x01", "****"},    /* never print control bytes */
        {"abcdefghijk\xc3\xa9", "****"}, /* nor half of a UTF-8 sequence */
        {"abcdefghij k", "****"},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        char buf[16];
        CHECK_STR(ls_mask(c[i].in, buf, sizeof(buf)), c[i].want);
    }
}

LS_TEST(test_mask_small_buffer)
{
    char buf[6];
    CHECK_STR(ls_mask("abcdefghijkl", buf, sizeof(buf)), "****");
    CHECK_STR(ls_mask("abcdefghijkl", NULL, 0), "****");
    char ok[7];
    CHECK_STR(ls_mask("abcdefghijkl", ok, sizeof(ok)), "****kl");
}

LS_TEST(test_mask_url_table)
{
    static const struct {
        const char *in, *want;
    } c[] = {
        {"https://example.com/path?x=1", "https://example.com/path?x=1"},
        {"https://user:hunter2@host/loki/api/v1/push", "https://user:****@host/loki/api/v1/push"},
        {"https://user@host/", "https://user@host/"},
        {"https://user:@host/", "https://user:@host/"},
        {"https://u:p@ss@host:8443", "https://u:****@host:8443"},
        {"http://u:p@[::1]:80/x?token=abc", "http://u:****@[::1]:80/x?token=****"},
        {"https://h/p?api_key=abc&dataset=x", "https://h/p?api_key=****&dataset=x"},
        {"https://h/p?a=1&KEY=abc&b=2", "https://h/p?a=1&KEY=****&b=2"},
        {"https://h/?apikey=1&ApiKey=2&Token=3", "https://h/?apikey=****&ApiKey=****&Token=****"},
        {"https://h/?password=x&secret=y&sig=z", "https://h/?password=****&secret=****&sig=****"},
        {"https://h/?signature=s#frag", "https://h/?signature=****#frag"},
        {"https://h/?X-Amz-Signature=abc&X-Amz-Date=1",
         "https://h/?X-Amz-Signature=****&X-Amz-Date=1"},
        {"https://h/?access_token=t&dd-api-key=k", "https://h/?access_token=****&dd-api-key=****"},
        {"https://h/?api%5Fkey=abc", "https://h/?api%5Fkey=****"},
        {"https://h/?key=&token", "https://h/?key=&token"}, /* nothing to hide */
        {"https://h/?monkey=banana&keyboard=1", "https://h/?monkey=banana&keyboard=1"},
        {"https://h/?a=1&&b=2&", "https://h/?a=1&&b=2&"},
        {"https://h/p?", "https://h/p?"},
        {"https://h/p#token=abc", "https://h/p#token=abc"},
        {"https://h/a@b:c/d", "https://h/a@b:c/d"}, /* '@' in the path is not userinfo */
        {"host:8080/path?token=1", "host:8080/path?token=****"},
        {"", ""},
        {"not a url", "not a url"},
    };
    struct ls_buf b;
    ls_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        ls_buf_reset(&b);
        int rc = ls_mask_url(c[i].in, &b);
        if (rc != 0 || b.len != strlen(c[i].want) || memcmp(b.data ? b.data : "", c[i].want, b.len))
            fprintf(stderr, "  case %zu: %s\n", i, c[i].in);
        CHECK_INT(rc, 0);
        CHECK_MEM(b.data ? b.data : "", b.len, c[i].want);
    }
    ls_buf_free(&b);
}

LS_TEST(test_mask_url_null_and_append)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    int rc1 = ls_buf_puts(&b, "url=");
    int rc2 = ls_mask_url("https://a:b@h", &b);
    int rc3 = ls_buf_puts(&b, " next=");
    int rc4 = ls_mask_url(NULL, &b);
    char *s = ls_buf_steal(&b, NULL);
    int ok = s != NULL && strcmp(s, "url=https://a:****@h next=(unset)") == 0;
    free(s);
    CHECK_INT(rc1 | rc2 | rc3 | rc4, 0);
    CHECK(ok);
}

LS_TEST(test_mask_url_cap_keeps_previous_content)
{
    struct ls_buf b;
    ls_buf_init(&b, 16);
    int rc1 = ls_buf_puts(&b, "prefix:");
    int rc2 = ls_mask_url("https://user:password@example.com/long/path", &b);
    int ok = b.len == 7 && memcmp(b.data, "prefix:", 8) == 0;
    ls_buf_free(&b);
    CHECK_INT(rc1, 0);
    CHECK_INT(rc2, -1);
    CHECK(ok);
}

LS_TEST_MAIN(LS_CASE(test_mask_secret_table), LS_CASE(test_mask_small_buffer),
             LS_CASE(test_mask_url_table), LS_CASE(test_mask_url_null_and_append),
             LS_CASE(test_mask_url_cap_keeps_previous_content))
