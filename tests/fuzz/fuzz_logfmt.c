/*
 * libFuzzer target over codec/logfmt: parse arbitrary bytes as a record would be (serde_json's
 * grammar, exact numbers), then encode the object as logfmt. Besides the sanitizers it checks
 * the codec's promises: the line never holds a raw line feed (Vector writes `\\n`), encoding is
 * deterministic, and a refused value leaves the buffer as it was.
 *
 * Build: scripts/fuzz.sh (clang -fsanitize=fuzzer,address,undefined with src/).
 * Seeds: tests/fuzz/corpus/logfmt/
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "codec/logfmt.h"
#include "event/parse.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ls_parser *p;
    if (p == NULL && (p = ls_parser_create(0)) == NULL)
        return 0;
    struct json_object *obj = ls_parse_object(p, (const char *)data, size);
    if (obj == NULL)
        return 0;
    struct ls_buf a, b;
    ls_buf_init(&a, 0);
    ls_buf_init(&b, 0);
    ls_buf_puts(&b, "x");
    int rc = ls_logfmt_encode(&a, obj);
    int rc2 = ls_logfmt_encode(&b, obj);
    if (rc != rc2)
        __builtin_trap();
    if (rc == 0) {
        if (b.len != a.len + 1 || (a.len && memcmp(a.data, b.data + 1, a.len) != 0))
            __builtin_trap(); /* deterministic, and appended after existing content */
        if (a.len && memchr(a.data, '\n', a.len) != NULL)
            __builtin_trap();
    } else if (a.len != 0 || b.len != 1) {
        __builtin_trap(); /* a refused value leaves the buffer unchanged */
    }
    ls_buf_free(&a);
    ls_buf_free(&b);
    json_object_put(obj);
    return 0;
}
