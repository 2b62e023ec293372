/*
 * libFuzzer target over every provider's encoder: the input is a payload; the parser turns it
 * into events (event/parse.c) and each event goes through every provider kind the preset table
 * knows — accept() (Slack's filter), partition(), encode() into a framed body, finish() (Loki's
 * envelope) and, for HTTP kinds, request() (URL, headers, S3 and CloudWatch signing). Nothing is
 * sent. Checks, besides the sanitizers: a body an encoder wrote is valid UTF-8, and a kind that
 * frames JSON (array framing) produces JSON that json-c accepts.
 *
 * Seeds: tests/fuzz/corpus/kinds/ (scripts/fuzz.sh builds and runs it).
 */
#include <json-c/json.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "event/parse.h"
#include "event/utf8.h"
#include "sink/kinds/loki.h"
#include "sink/registry.h"
#include "sink/sink_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Enough for every provider row to be on (values are never used to connect). */
static const char *const ENV[] = {
    "NATS_URL=nats://127.0.0.1:1",
    "HTTP_URL=http://127.0.0.1:9/x",
    "HTTP_TOKEN=t",
    "DATADOG_API_KEY=k",
    "HONEYCOMB_API_KEY=k",
    "HONEYCOMB_DATASET=d s",
    "AXIOM_TOKEN=t",
    "AXIOM_DATASET=d",
    "NEW_RELIC_LICENSE_KEY=k",
    "NEW_RELIC_ACCOUNT_ID=1",
    "LOGDNA_API_KEY=k",
    "SEMATEXT_TOKEN=t",
    "HUMIO_TOKEN=t",
    "APPSIGNAL_PUSH_API_KEY=k",
    "LOKI_URL=http://l",
    "LOKI_USERNAME=u",
    "LOKI_PASSWORD=p",
    "OPSVERSE_LOGS_ENDPOINT=http://o",
    "OPSVERSE_USERNAME=u",
    "OPSVERSE_PASSWORD=p",
    "ERASEARCH_URL=http://e",
    "ERASEARCH_AUTH=Bearer x",
    "ERASEARCH_INDEX=logs-%Y",
    "BASELIME_API_KEY=k",
    "BETTER_STACK_SOURCE_TOKEN=t",
    "HYPERDX_API_KEY=k",
    "HIGHLIGHT_PROJECT_ID=p",
    "HONEYBADGER_API_KEY=k",
    "LOGFLARE_API_KEY=k",
    "LOGFLARE_SOURCE_TOKEN=t",
    "OPENOBSERVE_URI=http://oo/api/o/s/_json",
    "OPENOBSERVE_USER=u",
    "OPENOBSERVE_PASSWORD=p",
    "SIGNOZ_INGESTION_KEY=k",
    "UPTRACE_API_KEY=k",
    "UPTRACE_PROJECT=1",
    "AWS_BUCKET=b",
    "AWS_REGION=us-east-1",
    "AWS_ACCESS_KEY_ID=AKID",
    "AWS_SECRET_ACCESS_KEY=secret",
    "CLOUDWATCH_LOG_GROUP_NAME=g",
    "PAPERTRAIL_ENDPOINT=logs.example.com:1234",
    "SLACK_WEBHOOK_URL=https://hooks.example.com/x",
    "SLACK_ALERT_KEYWORDS=[r'e', r'(?i)err']",
    NULL,
};

static struct ls_sink_list sinks;
static struct ls_env *fuzz_env;
static struct ls_parser *parser;

struct seen {
    struct ls_event *ev[16];
    int n;
};

static void collect(struct ls_event *ev, void *ctx)
{
    struct seen *s = ctx;
    ls_event_release_tree(ev); /* as the intake does before sinks see it */
    if (s->n < 16)
        s->ev[s->n++] = ev;
    else
        ls_event_unref(ev);
}

static void setup(void)
{
    struct ls_env *env = ls_env_from_list(ENV);
    struct ls_problems p, broken;
    ls_problems_init(&p);
    ls_problems_init(&broken);
    if (!env || ls_sinks_from_env(env, &sinks, &p, &broken) != 0)
        abort();
    /* Kept for the process's life, as main keeps it: sinks may borrow its strings. */
    fuzz_env = env;
    if (p.n)
        abort(); /* every row must configure from ENV */
    ls_problems_free(&p);
    ls_problems_free(&broken);
    parser = ls_parser_create(1 << 16);
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void through(struct ls_sink *s, struct ls_event *ev)
{
    if (s->kind->accept && !s->kind->accept(s, ev))
        return;
    struct ls_buf key;
    ls_buf_init(&key, 0);
    if (s->kind->partition)
        s->kind->partition(s, ev, &key);
    ls_buf_free(&key);
    struct ls_batch b;
    memset(&b, 0, sizeof(b));
    ls_buf_init(&b.body, 0);
    ls_buf_init(&b.wire, 0);
    struct ls_event *evs[1] = {ev};
    b.events = evs;
    b.n = 1;
    if (s->frame.prefix)
        ls_buf_puts(&b.body, s->frame.prefix);
    size_t start = b.body.len;
    int rc = s->kind->encode(s, ev, &b.body);
    if (rc == 0 && s->frame.suffix)
        ls_buf_puts(&b.body, s->frame.suffix);
    if (rc == 0 && !ls_utf8_valid(b.body.data + start, b.body.len - start))
        abort();
    if (rc == 0 && s->kind->finish)
        rc = s->kind->finish(s, &b);
    if (rc == 0 && s->frame.prefix && strcmp(s->frame.prefix, "[") == 0 && !s->kind->finish) {
        struct json_object *o = json_tokener_parse(b.body.data);
        if (!o)
            abort();
        json_object_put(o);
    }
    if (rc == 0 && s->kind->request && !s->kind->write) {
        struct ls_request req;
        memset(&req, 0, sizeof(req));
        ls_buf_init(&req.url, 0);
        s->kind->request(s, &b, &req);
        curl_slist_free_all(req.headers);
        ls_buf_free(&req.url);
    }
    ls_buf_free(&b.body);
    ls_buf_free(&b.wire);
    /* The loki kind encodes on the canonical bytes; the tree path is the reference. */
    if (s->kind == &ls_kind_loki) {
        struct ls_buf fast, tree;
        ls_buf_init(&fast, 0);
        ls_buf_init(&tree, 0);
        int rf = s->kind->encode(s, ev, &fast), rt = ls_loki_encode_tree(s, ev, &tree);
        if (rf != rt || (rf == 0 && (fast.len != tree.len ||
                                     (fast.len && memcmp(fast.data, tree.data, fast.len) != 0))))
            abort();
        ls_buf_free(&fast);
        ls_buf_free(&tree);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!parser)
        setup();
    struct seen s = {0};
    ls_parse_payload(parser, "logs.app.ord.1", (const char *)data, size, 1795428001123456789LL,
                     collect, &s, NULL);
    for (int i = 0; i < s.n; i++) {
        for (size_t k = 0; k < sinks.n; k++)
            through(sinks.v[k], s.ev[i]);
        ls_event_unref(s.ev[i]);
    }
    return 0;
}
