/*
 * libFuzzer target over codec/syslog: the input's first 8 bytes are the time, the next byte
 * the host length, then host and message bytes (any values, NUL included). Besides the
 * sanitizers it checks the framing promise Papertrail depends on: every line starts with
 * `<14>`, ends with exactly one LF and holds no other LF or CR, whatever the message holds.
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -fsanitize=fuzzer,address,undefined -Isrc
 *        tests/fuzz/fuzz_syslog.c src/codec/syslog.c src/util/buf.c src/util/time.c
 * Seeds: tests/fuzz/corpus/syslog/
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec/syslog.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9)
        return 0;
    int64_t t;
    memcpy(&t, data, sizeof(t));
    size_t hl = data[8];
    data += 9;
    size -= 9;
    if (hl > size)
        hl = size;
    struct ls_syslog_line l = {
        .pri = LS_SYSLOG_PRI_USER_INFO,
        .time_ns = t,
        .host = (const char *)data,
        .host_len = hl,
        .tag = "vector",
        .pid = 1,
        .msg = (const char *)data + hl,
        .msg_len = size - hl,
    };
    struct ls_buf b;
    ls_buf_init(&b, 0);
    if (ls_syslog_append(&b, &l) != 0) {
        ls_buf_free(&b);
        return 0;
    }
    if (b.len < 5 || memcmp(b.data, "<14>", 4) != 0 || b.data[b.len - 1] != '\n')
        __builtin_trap();
    for (size_t i = 0; i + 1 < b.len; i++)
        if (b.data[i] == '\n' || b.data[i] == '\r')
            __builtin_trap();
    /* The header's timestamp is always 15 characters and a space. */
    if (b.data[4 + 15] != ' ')
        __builtin_trap();
    ls_buf_free(&b);
    return 0;
}
