/*
 * The parser alone, from the inside: reads a file of payloads (one per line, as bench/run.sh
 * writes them for compress_bench), runs every payload through ls_parse_payload on one thread
 * for --rounds rounds, and prints the thread CPU nanoseconds per payload of the fastest round
 * and of the median round, plus the events produced. Nothing else runs, so two builds compare
 * to within a few percent here where the end-to-end scenarios need several alternating runs.
 * Not a test.
 *
 *   parse_bench [--rounds N] FILE
 */
#include "event/event.h"
#include "event/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct payload {
    char *data;
    size_t len;
};

static double thread_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void drop(struct ls_event *ev, void *ctx)
{
    (*(size_t *)ctx)++;
    ls_event_unref(ev);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int rounds = 9;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = (int)strtol(argv[++i], NULL, 10);
        else
            path = argv[i];
    }
    if (!path || rounds < 1) {
        fprintf(stderr, "usage: parse_bench [--rounds N] FILE\n");
        return 2;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    struct payload *v = NULL;
    size_t n = 0, cap = 0, lcap = 0, bytes = 0;
    char *line = NULL;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n')
            len--;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            v = realloc(v, cap * sizeof(*v));
        }
        v[n].data = malloc((size_t)len + 1);
        if (!v || !v[n].data)
            return 1;
        memcpy(v[n].data, line, (size_t)len);
        v[n].data[len] = '\0';
        v[n].len = (size_t)len;
        bytes += (size_t)len;
        n++;
    }
    fclose(f);
    free(line);
    if (n == 0) {
        fprintf(stderr, "parse_bench: %s has no payloads\n", path);
        return 1;
    }
    struct ls_parser *p = ls_parser_create(0);
    double *ns = calloc((size_t)rounds, sizeof(*ns));
    size_t events = 0;
    for (int r = 0; r < rounds; r++) {
        events = 0;
        double t0 = thread_ns();
        for (size_t i = 0; i < n; i++)
            ls_parse_payload(p, "logs.app.region.instance", v[i].data, v[i].len, 0, drop, &events,
                             NULL);
        ns[r] = (thread_ns() - t0) / (double)n;
    }
    qsort(ns, (size_t)rounds, sizeof(*ns), cmp_double);
    printf("payloads=%zu bytes=%zu events=%zu rounds=%d best_ns=%.1f median_ns=%.1f\n", n, bytes,
           events, rounds, ns[0], ns[rounds / 2]);
    ls_parser_destroy(p);
    for (size_t i = 0; i < n; i++)
        free(v[i].data);
    free(v);
    free(ns);
    return 0;
}
