/* Unit tests for core/metrics: registration, exact exposition text, escaping, concurrency. */
#include "core/metrics.h"

#include "util/buf.h"

#include "test.h"

#include <pthread.h>

#define THREADS    4
#define PER_THREAD 100000

static int64_t depth_fn(void *ctx)
{
    return *(int64_t *)ctx;
}

/* Renders the registry into a fresh buffer the caller frees. */
static char *render(void)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    if (ls_metrics_render(&b) != 0) {
        ls_buf_free(&b);
        return NULL;
    }
    char *s = ls_buf_steal(&b, NULL);
    return s ? s : strdup("");
}

LS_TEST(test_metrics_render_golden)
{
    ls_metrics_reset();
    int64_t depth = 7;
    struct ls_counter *http = ls_metrics_counter("logship_delivered_events_total", "sink=\"http\"",
                                                 "Events accepted by the sink.");
    struct ls_gauge *conn = ls_metrics_gauge("logship_nats_connected", NULL, "1 when connected.");
    struct ls_counter *loki = ls_metrics_counter("logship_delivered_events_total", "sink=\"loki\"",
                                                 "ignored: first help wins");
    CHECK(http && conn && loki);
    CHECK_INT(ls_metrics_gauge_fn("logship_queue_depth", "sink=\"http\"", "Queued events.",
                                  depth_fn, &depth),
              0);
    ls_counter_add(http, 41);
    ls_counter_inc(http);
    ls_counter_inc(loki);
    ls_gauge_set(conn, 3);
    ls_gauge_add(conn, -2);
    depth = -5;
    char *s = render();
    CHECK(s);
    const char *want = "# HELP logship_delivered_events_total Events accepted by the sink.\n"
                       "# TYPE logship_delivered_events_total counter\n"
                       "logship_delivered_events_total{sink=\"http\"} 42\n"
                       "logship_delivered_events_total{sink=\"loki\"} 1\n"
                       "# HELP logship_nats_connected 1 when connected.\n"
                       "# TYPE logship_nats_connected gauge\n"
                       "logship_nats_connected 1\n"
                       "# HELP logship_queue_depth Queued events.\n"
                       "# TYPE logship_queue_depth gauge\n"
                       "logship_queue_depth{sink=\"http\"} -5\n";
    int same = strcmp(s, want) == 0;
    if (!same)
        fprintf(stderr, "got:\n%s", s);
    free(s);
    ls_metrics_reset();
    CHECK(same);
}

LS_TEST(test_metrics_render_empty_registry)
{
    ls_metrics_reset();
    char *s = render();
    CHECK(s);
    CHECK_STR(s, "");
    free(s);
}

LS_TEST(test_metrics_reregister_returns_same_series)
{
    ls_metrics_reset();
    struct ls_counter *a = ls_metrics_counter("logship_x_total", "sink=\"a\"", "x");
    struct ls_counter *b = ls_metrics_counter("logship_x_total", "sink=\"b\"", "x");
    struct ls_counter *a2 = ls_metrics_counter("logship_x_total", "sink=\"a\"", NULL);
    struct ls_gauge *g = ls_metrics_gauge("logship_g", "", "g");
    struct ls_gauge *g2 = ls_metrics_gauge("logship_g", NULL, "g");
    CHECK(a && b && g);
    CHECK(a == a2);
    CHECK(a != b);
    CHECK(g == g2);
    ls_metrics_reset();
}

LS_TEST(test_metrics_help_later_registration_fills_missing)
{
    ls_metrics_reset();
    CHECK(ls_metrics_counter("logship_y_total", NULL, NULL));
    char *s = render();
    CHECK(s);
    int no_help = strcmp(s, "# TYPE logship_y_total counter\nlogship_y_total 0\n") == 0;
    free(s);
    CHECK(no_help);
    CHECK(ls_metrics_counter("logship_y_total", NULL, "Now with help.\\ and\nnewline"));
    s = render();
    CHECK(s);
    int with_help = strcmp(s, "# HELP logship_y_total Now with help.\\\\ and\\nnewline\n"
                              "# TYPE logship_y_total counter\nlogship_y_total 0\n") == 0;
    if (!with_help)
        fprintf(stderr, "got:\n%s", s);
    free(s);
    ls_metrics_reset();
    CHECK(with_help);
}

LS_TEST(test_metrics_type_clash_refused)
{
    ls_metrics_reset();
    CHECK(ls_metrics_counter("logship_z", NULL, "z"));
    CHECK(ls_metrics_gauge("logship_z", NULL, "z") == NULL);
    CHECK_INT(ls_metrics_gauge_fn("logship_z", "a=\"1\"", "z", depth_fn, NULL), -1);
    CHECK(ls_metrics_gauge("logship_q", NULL, "q"));
    int64_t v = 0;
    /* A stored gauge cannot silently turn into a computed one, nor the reverse. */
    CHECK_INT(ls_metrics_gauge_fn("logship_q", NULL, "q", depth_fn, &v), -1);
    CHECK_INT(ls_metrics_gauge_fn("logship_r", NULL, "r", depth_fn, &v), 0);
    CHECK(ls_metrics_gauge("logship_r", NULL, "r") == NULL);
    CHECK_INT(ls_metrics_gauge_fn("logship_r", NULL, "r", depth_fn, &v), 0);
    ls_metrics_reset();
}

LS_TEST(test_metrics_invalid_name_refused)
{
    ls_metrics_reset();
    CHECK(ls_metrics_counter("", NULL, "h") == NULL);
    CHECK(ls_metrics_counter(NULL, NULL, "h") == NULL);
    CHECK(ls_metrics_counter("9lives_total", NULL, "h") == NULL);
    CHECK(ls_metrics_counter("has-dash_total", NULL, "h") == NULL);
    CHECK(ls_metrics_counter("has space", NULL, "h") == NULL);
    CHECK(ls_metrics_counter("ok:colon_9_total", NULL, "h") != NULL);
    ls_metrics_reset();
}

LS_TEST(test_metrics_label_escape)
{
    struct ls_buf b;
    ls_buf_init(&b, 0);
    CHECK_INT(ls_metrics_label_escape(&b, "plain"), 0);
    CHECK_INT(ls_metrics_label_escape(&b, "|a\\b\"c\nd|"), 0);
    CHECK_INT(ls_metrics_label_escape(&b, ""), 0);
    CHECK_INT(ls_metrics_label_escape(&b, "\"\"\\\n"), 0);
    int ok = b.len == strlen("plain|a\\\\b\\\"c\\nd|\\\"\\\"\\\\\\n") &&
             strcmp(b.data, "plain|a\\\\b\\\"c\\nd|\\\"\\\"\\\\\\n") == 0;
    if (!ok)
        fprintf(stderr, "got: %s\n", b.data);
    ls_buf_free(&b);
    CHECK(ok);
}

LS_TEST(test_metrics_label_escape_respects_cap)
{
    struct ls_buf b;
    ls_buf_init(&b, 4);
    CHECK_INT(ls_metrics_label_escape(&b, "ab\""), 0);
    CHECK_MEM(b.data, b.len, "ab\\\"");
    CHECK_INT(ls_metrics_label_escape(&b, "x"), -1);
    ls_buf_free(&b);
}

LS_TEST(test_metrics_render_fails_when_buffer_capped)
{
    ls_metrics_reset();
    CHECK(ls_metrics_counter("logship_long_name_total", "sink=\"http\"", "help"));
    struct ls_buf b;
    ls_buf_init(&b, 16);
    int rc = ls_metrics_render(&b);
    ls_buf_free(&b);
    ls_metrics_reset();
    CHECK_INT(rc, -1);
}

static void *bump(void *arg)
{
    struct ls_counter *c = arg;
    /* Registering from worker threads must hand back the same series too. */
    struct ls_gauge *g = ls_metrics_gauge("logship_workers", NULL, "w");
    for (int i = 0; i < PER_THREAD; i++) {
        ls_counter_inc(c);
        ls_gauge_add(g, 1);
    }
    return NULL;
}

static void *render_loop(void *arg)
{
    int *ok = arg;
    for (int i = 0; i < 200; i++) {
        char *s = render();
        if (!s || !strstr(s, "# TYPE logship_hits_total counter\n"))
            *ok = 0;
        free(s);
    }
    return NULL;
}

LS_TEST(test_metrics_concurrent_increments_exact)
{
    ls_metrics_reset();
    struct ls_counter *c = ls_metrics_counter("logship_hits_total", NULL, "hits");
    struct ls_gauge *g = ls_metrics_gauge("logship_workers", NULL, "w");
    CHECK(c && g);
    pthread_t t[THREADS], r;
    int render_ok = 1;
    CHECK_INT(pthread_create(&r, NULL, render_loop, &render_ok), 0);
    for (int i = 0; i < THREADS; i++)
        CHECK_INT(pthread_create(&t[i], NULL, bump, c), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_join(r, NULL);
    CHECK(render_ok);
    CHECK_INT(ls_counter_get(c), (uint64_t)THREADS * PER_THREAD);
    CHECK_INT(ls_gauge_get(g), (int64_t)THREADS * PER_THREAD);
    char *s = render();
    CHECK(s);
    int has = strstr(s, "\nlogship_hits_total 400000\n") != NULL;
    free(s);
    ls_metrics_reset();
    CHECK(has);
}

LS_TEST(test_metrics_null_series_updates_are_noops)
{
    ls_counter_inc(NULL);
    ls_counter_add(NULL, 5);
    ls_gauge_set(NULL, 1);
    ls_gauge_add(NULL, 1);
    CHECK_INT(ls_counter_get(NULL), 0);
    CHECK_INT(ls_gauge_get(NULL), 0);
}

LS_TEST(test_metrics_large_values)
{
    ls_metrics_reset();
    struct ls_counter *c = ls_metrics_counter("logship_big_total", NULL, "b");
    struct ls_gauge *g = ls_metrics_gauge("logship_neg", NULL, "n");
    CHECK(c && g);
    ls_counter_add(c, UINT64_MAX);
    ls_gauge_set(g, INT64_MIN);
    char *s = render();
    CHECK(s);
    int ok = strstr(s, "\nlogship_big_total 18446744073709551615\n") &&
             strstr(s, "\nlogship_neg -9223372036854775808\n");
    free(s);
    ls_metrics_reset();
    CHECK(ok);
}

LS_TEST_MAIN(LS_CASE(test_metrics_render_golden), LS_CASE(test_metrics_render_empty_registry),
             LS_CASE(test_metrics_reregister_returns_same_series),
             LS_CASE(test_metrics_help_later_registration_fills_missing),
             LS_CASE(test_metrics_type_clash_refused), LS_CASE(test_metrics_invalid_name_refused),
             LS_CASE(test_metrics_label_escape), LS_CASE(test_metrics_label_escape_respects_cap),
             LS_CASE(test_metrics_render_fails_when_buffer_capped),
             LS_CASE(test_metrics_concurrent_increments_exact),
             LS_CASE(test_metrics_null_series_updates_are_noops),
             LS_CASE(test_metrics_large_values))
