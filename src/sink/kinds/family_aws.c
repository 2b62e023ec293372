/* The sink kinds of the aws family, for sink/kinds/registry.c. */
#include "sink/kinds/kinds.h"

/* sink/kinds/s3.c: S3 PutObject of gzip NDJSON objects, SigV4-signed. */
extern const struct ls_sink_kind ls_kind_s3;

/* sink/kinds/cloudwatch.c: CloudWatch Logs' JSON 1.1 call sequence, SigV4-signed. */
extern const struct ls_sink_kind ls_kind_cloudwatch;

const struct ls_sink_kind *const ls_kinds_aws[] = {
    &ls_kind_s3,
    &ls_kind_cloudwatch,
    NULL,
};
