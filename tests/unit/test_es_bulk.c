/* Unit tests for the pure part of sink/kinds/es_bulk.c: per-item verdicts of bulk responses. */
#include "test.h"

#include "sink/kinds/es_bulk.h"
#include "sink/sink_int.h"

static int verdicts(const char *body, size_t n, unsigned char *v)
{
    memset(v, 0xee, n);
    return ls_es_bulk_verdicts(body, strlen(body), n, v);
}

LS_TEST(test_es_bulk_errors_false_all_ok)
{
    unsigned char v[3];
    /* The items are not even looked at: errors:false is the whole answer. */
    CHECK_INT(
        verdicts("{\"took\":3,\"errors\":false,\"items\":[{\"index\":{\"status\":201}}]}", 3, v),
        0);
    CHECK(v[0] == LS_ITEM_OK && v[1] == LS_ITEM_OK && v[2] == LS_ITEM_OK);
}

LS_TEST(test_es_bulk_mixed_item_statuses)
{
    unsigned char v[7];
    const char *body = "{\"took\":5,\"errors\":true,\"items\":["
                       "{\"index\":{\"_index\":\"i\",\"status\":201}},"
                       "{\"index\":{\"status\":429,\"error\":{\"type\":\"es_rejected\"}}},"
                       "{\"index\":{\"status\":400,\"error\":{\"type\":\"mapper_parsing\"}}},"
                       "{\"create\":{\"status\":503}},"
                       "{\"index\":{\"status\":501}},"
                       "{\"index\":{\"status\":409}},"
                       "{\"index\":{\"error\":\"no status\"}}]}";
    CHECK_INT(verdicts(body, 7, v), 0);
    CHECK_INT(v[0], LS_ITEM_OK);
    CHECK_INT(v[1], LS_ITEM_RETRY);
    CHECK_INT(v[2], LS_ITEM_REJECT);
    CHECK_INT(v[3], LS_ITEM_RETRY);
    CHECK_INT(v[4], LS_ITEM_REJECT);
    CHECK_INT(v[5], LS_ITEM_REJECT);
    CHECK_INT(v[6], LS_ITEM_REJECT);
}

LS_TEST(test_es_bulk_unreadable_failure_is_an_error)
{
    unsigned char v[2];
    /* Cut short, and items that do not match the batch: the verdicts cannot be known. */
    CHECK_INT(verdicts("{\"took\":5,\"errors\":true,\"items\":[{\"index\":{\"sta", 2, v), -1);
    CHECK_INT(verdicts("{\"errors\":true,\"items\":[{\"index\":{\"status\":201}}]}", 2, v), -1);
    CHECK_INT(verdicts("{\"errors\":true}", 2, v), -1);
}

LS_TEST(test_es_bulk_empty_or_plain_body_ok)
{
    unsigned char v[2];
    CHECK_INT(verdicts("", 2, v), 0);
    CHECK(v[0] == LS_ITEM_OK && v[1] == LS_ITEM_OK);
    CHECK_INT(verdicts(" \r\n", 2, v), 0);
    CHECK_INT(verdicts("OK", 2, v), 0);
    CHECK(v[0] == LS_ITEM_OK && v[1] == LS_ITEM_OK);
}

LS_TEST_MAIN(LS_CASE(test_es_bulk_errors_false_all_ok), LS_CASE(test_es_bulk_mixed_item_statuses),
             LS_CASE(test_es_bulk_unreadable_failure_is_an_error),
             LS_CASE(test_es_bulk_empty_or_plain_body_ok))
