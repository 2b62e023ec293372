/*
 * Provider rows of the aws family (see preset/presets.c): aws_s3 (PROVIDERS.md Part 2 §5,
 * kind `s3` in sink/kinds/s3.c). Requests are signed with SigV4 (auth/sigv4.h), so the rows
 * carry no URL or auth header templates: the kinds build and sign each request.
 */
#include "preset/preset.h"

/* §5. The bucket turns the sink on (as `${AWS_BUCKET:-$BUCKET_NAME}` did); credentials, which
   Vector read through the SDK chain, are then required by the kind, which names the missing
   one. */
static const struct ls_preset aws_s3 = {
    .name = "aws_s3",
    .env_name = "AWS_S3",
    .kind = "s3",
    .doc = "AWS S3 or an S3-compatible store (R2, Tigris, MinIO, Wasabi): one gzip NDJSON "
           "object per batch under <app>/<YYYY-MM-DD>/, SigV4-signed PutObject.",
    .vars =
        (const struct ls_preset_var[]){
            {"AWS_BUCKET", LS_VAR_ONE_OF, NULL, "bucket (wins over BUCKET_NAME)"},
            {"BUCKET_NAME", LS_VAR_ONE_OF, NULL,
             "bucket, used when AWS_BUCKET is unset (set by `fly storage create`)"},
            {"AWS_ACCESS_KEY_ID", LS_VAR_SECRET, NULL, "access key id (required)"},
            {"AWS_SECRET_ACCESS_KEY", LS_VAR_SECRET, NULL, "secret access key (required)"},
            {"AWS_SESSION_TOKEN", LS_VAR_SECRET, "(none)",
             "session token of temporary credentials, sent as x-amz-security-token"},
            {"AWS_REGION", 0, "auto",
             "signing region; required for AWS S3 itself (no S3_ENDPOINT)"},
            {"S3_ENDPOINT", 0, "(AWS S3)",
             "S3-compatible endpoint URL, path-style (wins over AWS_ENDPOINT_URL_S3)"},
            {"AWS_ENDPOINT_URL_S3", 0, "(AWS S3)",
             "S3-compatible endpoint URL, path-style (the name Tigris sets)"},
            {NULL, 0, NULL, NULL},
        },
    .url = NULL, /* built by the kind: endpoint, bucket and addressing style */
    .method = "PUT",
    .content_type = "text/x-log",
    .framing = LS_FRAME_NDJSON,
    .compression = LS_COMPRESS_GZIP,
    .batch_max_bytes = 10000000,
    .batch_timeout_ms = 300000,
    .differences =
        (const char *const[]){
            "The key date is the record's own UTC date (Vector used the time of batching); "
            "batches are partitioned by key prefix, so an object never mixes apps or days.",
            "Records without fly.app.name are stored under _unknown/ (Vector dropped them).",
            "AWS S3 (no S3_ENDPOINT or AWS_ENDPOINT_URL_S3) without AWS_REGION, or with "
            "AWS_REGION=auto, is a configuration error naming AWS_REGION (Vector retried "
            "s3.auto.amazonaws.com forever).",
            "S3_ENDPOINT and AWS_ENDPOINT_URL_S3 both set: S3_ENDPOINT is used, with a warning "
            "(Vector did not start).",
            "On AWS S3 itself requests are virtual-hosted (https://<bucket>.s3.<region>."
            "amazonaws.com/<key>; path-style for bucket names that are not DNS labels); custom "
            "endpoints stay path-style as in Vector.",
            "403 SignatureDoesNotMatch, InvalidAccessKeyId and AccessDenied are permanent and "
            "logged naming the variable to check; RequestTimeout, SlowDown and throttling "
            "answers are retried.",
            "Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
            "AWS_SESSION_TOKEN only (no profile files or instance metadata).",
            NULL,
        },
};

/* Part 2 §6. The region and credentials are shared with aws_s3, so only the group name switches
   the sink on; the cloudwatch kind reports the others missing with the row's message. */
static const struct ls_preset aws_cloudwatch = {
    .name = "aws_cloudwatch",
    .env_name = "AWS_CLOUDWATCH",
    .kind = "cloudwatch",
    .doc = "AWS CloudWatch Logs: PutLogEvents (SigV4) to the group, one stream per <app>/<host>.",
    .vars =
        (const struct ls_preset_var[]){
            {"CLOUDWATCH_LOG_GROUP_NAME", LS_VAR_REQUIRED, NULL, "log group, created when missing"},
            {"AWS_REGION", 0, "(required)", "region, e.g. us-east-1 (needed with the group)"},
            {"AWS_ACCESS_KEY_ID", LS_VAR_SECRET, "(required)", "SigV4 access key id"},
            {"AWS_SECRET_ACCESS_KEY", LS_VAR_SECRET, "(required)", "SigV4 secret key"},
            {"AWS_SESSION_TOKEN", LS_VAR_SECRET, "(none)",
             "session token of temporary credentials"},
            {NULL, 0, NULL, NULL},
        },
    .url = "https://logs.${AWS_REGION}.amazonaws.com/",
    .content_type = "application/x-amz-json-1.1",
    .framing = LS_FRAME_KIND,
    .batch_max_events = 10000,
    .batch_max_bytes = 1048576,
    .batch_timeout_ms = 1000,
    .differences =
        (const char *const[]){
            "Each event's time is the record's own timestamp in ms (fly-log-shipper sends the "
            "time of sending); a time CloudWatch would drop (over 14 days old, over 2 hours "
            "ahead) is replaced by the time of sending.",
            "The stream is found by its exact name (Vector takes the first prefix match, so "
            "worker/34d6 could land in worker/34d6x's stream or fail forever).",
            "A throttled CreateLogGroup is retried (Vector drops the batch).",
            "Sequence tokens are sent only when the service hands one out (AWS ignores them), "
            "so a new stream costs no second DescribeLogStreams; a legacy "
            "InvalidSequenceTokenException is followed, DataAlreadyAcceptedException counts as "
            "delivered.",
            "Calls respect CloudWatch's current limits: 10,000 events, 1,048,576 bytes counting "
            "26 per event, 24 hours, sorted by time; a record over the 1 MB event limit is cut "
            "to it and counted in logship_truncated_total (Vector drops records over 256 KB).",
            "Records without fly.app.name or host go to the stream unknown/<host> or "
            "<app>/unknown (Vector drops them).",
            "Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
            "AWS_SESSION_TOKEN only (no profile files or instance metadata); a missing one is "
            "reported by name.",
            NULL,
        },
};

const struct ls_preset *const ls_presets_aws[] = {
    &aws_s3,
    &aws_cloudwatch,
    NULL,
};
