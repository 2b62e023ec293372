/*
 * The rules of CloudWatch Logs' PutLogEvents that the cloudwatch kind (sink/kinds/cloudwatch.c)
 * must respect before it sends anything, as pure functions: the per-call limits (events,
 * bytes with the 26-byte per-event overhead, 24-hour span, chronological order), the per-event
 * size limit, the accepted time window, the stream name, the kind's intermediate batch lines,
 * the JSON 1.1 request bodies and the error table. PROVIDERS.md Part 2 §6; limits from
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html
 *
 * Leaf code: no I/O, no clock, no logging; any thread. Functions that append to a struct ls_buf
 * return 0, or -1 when it cannot grow.
 */
#ifndef LS_CLOUDWATCH_LIMITS_H
#define LS_CLOUDWATCH_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ls_buf;

#define LS_CW_MAX_CALL_BYTES 1048576 /* sum of UTF-8 message bytes + overhead per call */
#define LS_CW_EVENT_OVERHEAD 26
#define LS_CW_MAX_EVENTS     10000
/* "Each log event can be no larger than 1 MB": a message that also fits a call alone. */
#define LS_CW_MAX_MESSAGE (LS_CW_MAX_CALL_BYTES - LS_CW_EVENT_OVERHEAD)
/* One call may not span more than 24 hours (older doc pages; still honoured). */
#define LS_CW_MAX_SPAN_MS (24LL * 3600 * 1000)
/* Events older than 14 days or more than 2 hours ahead are dropped by the service; the margin
   keeps events near the edges clear of clock differences and of the time a call takes. */
#define LS_CW_MAX_AGE_MS      (14LL * 24 * 3600 * 1000)
#define LS_CW_MAX_FUTURE_MS   (2LL * 3600 * 1000)
#define LS_CW_EDGE_MARGIN_MS  (10LL * 60 * 1000)
#define LS_CW_MAX_STREAM_NAME 512

/* One log event of a call: the message is borrowed (points into the batch body). */
struct ls_cw_event {
    int64_t ts_ms;
    const char *msg;
    size_t len;
    size_t index; /* position in the batch, for stable ordering and delivery bookkeeping */
};

/*
 * The kind's batch body holds one line per event: the event time in ms as 24 characters
 * (zero-padded decimal), a space, the message, a newline: exactly the message length + 26
 * bytes, so the worker's byte limit counts what the service counts. Messages are canonical
 * JSON and never hold a raw newline.
 */
#define LS_CW_LINE_HEADER 25
int ls_cw_line_encode(struct ls_buf *out, int64_t ts_ms, const char *msg, size_t len);
/* Parses a whole body into ev[0..cap); *n is set to the number of lines. -1 when the body is
   malformed or holds more than cap lines. */
int ls_cw_lines_decode(const char *body, size_t len, struct ls_cw_event *ev, size_t cap, size_t *n);

/*
 * Finds the top-level member `key` of a JSON object written by ls_json_canon_write (compact,
 * well formed). On success returns 0 and sets [*mstart, *mend) to the bytes to cut to remove
 * the member (with one adjacent comma) and [*vstart, *vend) to its value. -1 when absent.
 */
int ls_cw_json_member(const char *json, size_t len, const char *key, size_t *mstart, size_t *mend,
                      size_t *vstart, size_t *vend);

/*
 * The time the service will accept for an event: its own time when it lies within
 * [now - 14 days + margin, now + 2 hours - margin], else now (Vector's time for every event),
 * so an old or skewed record is stored rather than silently dropped by the service.
 */
int64_t ls_cw_accepted_time(int64_t ts_ms, int64_t now_ms);

/* Sorts by time, ties by index (so the order is stable): the service wants chronological order. */
void ls_cw_sort(struct ls_cw_event *ev, size_t n);

/*
 * How many of the sorted ev[0..n) go into the next call: at most max_events, at most
 * max_bytes counting len + 26 each, and a span (last - first time) below max_span_ms. Always
 * at least 1 when n > 0 (a single event is within every limit once its message is at most
 * LS_CW_MAX_MESSAGE). The limits are parameters so tests reach the edges cheaply.
 */
size_t ls_cw_next_chunk(const struct ls_cw_event *ev, size_t n, size_t max_events, size_t max_bytes,
                        int64_t max_span_ms);

/*
 * Appends the stream name `<app>/<host>` (fly-log-shipper's `{{ fly.app.name }}/{{ host }}`):
 * a missing part is `unknown`; `:` and `*`, which stream names may not hold, become `_`; cut
 * to 512 bytes on a character boundary.
 */
int ls_cw_stream_name(struct ls_buf *out, const char *app, size_t app_len, const char *host,
                      size_t host_len);

/* True when name is a valid log group name: 1..512 of [A-Za-z0-9_./#-]. */
bool ls_cw_group_name_valid(const char *name);
/* True when region looks like an AWS region (lower-case letters, digits, '-'; e.g. us-east-1). */
bool ls_cw_region_valid(const char *region);

/* JSON 1.1 bodies, members in the SDK's order (PROVIDERS.md §6.5). token may be NULL. */
int ls_cw_body_put(struct ls_buf *out, const char *group, const char *stream,
                   const struct ls_cw_event *ev, size_t n, const char *token);
int ls_cw_body_describe_streams(struct ls_buf *out, const char *group, const char *stream);
int ls_cw_body_create_group(struct ls_buf *out, const char *group);
int ls_cw_body_create_stream(struct ls_buf *out, const char *group, const char *stream);

/* What an API answer means for the call sequence. */
enum ls_cw_verdict {
    LS_CW_OK,               /* 2xx */
    LS_CW_RETRY,            /* throttled, unavailable, 5xx, transport error: try again later */
    LS_CW_REJECT,           /* the request can never succeed (bad parameter, unknown error) */
    LS_CW_AUTH,             /* credentials refused: permanent, name the variables */
    LS_CW_TOO_LARGE,        /* HTTP 413 */
    LS_CW_NOT_FOUND,        /* ResourceNotFoundException: group or stream missing */
    LS_CW_EXISTS,           /* ResourceAlreadyExistsException (fine for Create*) */
    LS_CW_BAD_TOKEN,        /* InvalidSequenceTokenException (legacy streams) */
    LS_CW_ALREADY_ACCEPTED, /* DataAlreadyAcceptedException: the events are stored */
};

/*
 * Classifies an answer: status 0 is a transport failure (retried); type is the error type
 * (`__type` without any `prefix#`, or the x-amzn-errortype header) or NULL; message the
 * error's message or NULL.
 */
enum ls_cw_verdict ls_cw_classify(long status, const char *type, const char *message);

/* Copies the error type of a JSON 1.1 error body (`__type`, after any '#') into out; "" when
   there is none. */
void ls_cw_error_type(const char *body, size_t len, char *out, size_t cap);

#endif
