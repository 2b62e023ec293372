/*
 * The `file` sink (LOGSHIP_FILE_DIR): newline-delimited canonical records, one file per app per
 * day, `<dir>/<fly.app.name>/<YYYY-MM-DD>.ndjson`, dated by the record's own UTC time, so a
 * volume holds what fly-log-local users keep. When a file would grow past
 * LOGSHIP_FILE_MAX_BYTES it is renamed to `<YYYY-MM-DD>.<N>.ndjson` (N = 1, 2, ...) and, with
 * LOGSHIP_FILE_GZIP=1, compressed to `<YYYY-MM-DD>.<N>.ndjson.gz`. A batch is written and
 * flushed before it counts as delivered; a failed write is retried by the worker.
 *
 * App names come from records, so they are sanitised before they become directory names:
 * only [A-Za-z0-9._-] survive, and a name that would be "." or ".." (or is missing) becomes
 * `_unknown`. A record can never choose a path outside the directory.
 */
#include "sink/kinds/kinds.h"
#include "compress/gzip.h"
#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "util/time.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OPEN_FILES 16

struct open_file {
    char *path; /* <dir>/<app>/<date>.ndjson */
    char *base; /* <dir>/<app>/<date> */
    FILE *f;
    uint64_t size;
    int64_t used; /* for LRU eviction */
};

struct file_ctx {
    char *dir;
    uint64_t max_bytes;
    bool gzip;
    struct open_file files[OPEN_FILES];
    int64_t tick;
};

static int file_configure(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p)
{
    struct file_ctx *c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    s->ctx = c;
    char err[256];
    const char *dir = ls_env_get(env, "LOGSHIP_FILE_DIR");
    c->dir = strdup(dir ? dir : "");
    size_t dl = strlen(c->dir);
    while (dl > 1 && c->dir[dl - 1] == '/')
        c->dir[--dl] = '\0';
    if (ls_env_size(env, "LOGSHIP_FILE_MAX_BYTES", 100 * 1024 * 1024, &c->max_bytes, err,
                    sizeof(err)) != 0)
        ls_problems_add(p, "%s", err);
    if (ls_env_bool(env, "LOGSHIP_FILE_GZIP", false, &c->gzip, err, sizeof(err)) != 0)
        ls_problems_add(p, "%s", err);
    if (mkdir(c->dir, 0755) != 0 && errno != EEXIST)
        ls_problems_add(p, "LOGSHIP_FILE_DIR: cannot create %s: %s", c->dir, strerror(errno));
    else if (access(c->dir, W_OK) != 0)
        ls_problems_add(p, "LOGSHIP_FILE_DIR: %s is not writable: %s", c->dir, strerror(errno));
    return 0;
}

static void sanitize(const char *app, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = app ? app : ""; *p && n + 1 < cap; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '.' || ch == '_' || ch == '-';
        out[n++] = ok ? ch : '_';
    }
    out[n] = '\0';
    if (n == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        snprintf(out, cap, "_unknown");
}

static void close_file(struct open_file *of)
{
    if (of->f)
        fclose(of->f);
    free(of->path);
    free(of->base);
    memset(of, 0, sizeof(*of));
}

static int gzip_file(const char *src, char *err, size_t errlen)
{
    struct ls_buf in, out;
    ls_buf_init(&in, 0);
    ls_buf_init(&out, 0);
    int rc = -1;
    FILE *f = fopen(src, "rb");
    if (f) {
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            if (ls_buf_append(&in, chunk, n) != 0)
                break;
        fclose(f);
        struct ls_gzip *z = ls_gzip_create(6);
        char dst[4200];
        int dl = snprintf(dst, sizeof(dst), "%s.gz", src);
        if (z && dl > 0 && (size_t)dl < sizeof(dst) &&
            ls_gzip_compress(z, in.data ? in.data : "", in.len, &out) == 0) {
            FILE *g = fopen(dst, "wb");
            if (g && fwrite(out.data, 1, out.len, g) == out.len && fclose(g) == 0) {
                g = NULL;
                rc = unlink(src);
            } else if (g) {
                fclose(g);
            }
        }
        ls_gzip_destroy(z);
    }
    if (rc != 0)
        snprintf(err, errlen, "cannot gzip %s: %s", src, strerror(errno));
    ls_buf_free(&in);
    ls_buf_free(&out);
    return rc;
}

/* Renames the full file to the next free <base>.<N>.ndjson and optionally compresses it. */
static int rotate(struct file_ctx *c, struct open_file *of, char *err, size_t errlen)
{
    char rotated[4200], probe[4300];
    fclose(of->f);
    of->f = NULL;
    for (int n = 1; n < 1000000; n++) {
        snprintf(rotated, sizeof(rotated), "%s.%d.ndjson", of->base, n);
        snprintf(probe, sizeof(probe), "%s.gz", rotated);
        if (access(rotated, F_OK) != 0 && access(probe, F_OK) != 0)
            break;
    }
    if (rename(of->path, rotated) != 0) {
        snprintf(err, errlen, "cannot rotate %s: %s", of->path, strerror(errno));
        return -1;
    }
    of->size = 0;
    if (c->gzip && gzip_file(rotated, err, errlen) != 0)
        return -1;
    return 0;
}

static struct open_file *get_file(struct file_ctx *c, const struct ls_event *ev, char *err,
                                  size_t errlen)
{
    char app[256], base[4096], path[4200];
    sanitize(ev->app, app, sizeof(app));
    int y, mo, d, h, mi, sec;
    int64_t secs = ev->time_ns / 1000000000;
    if (ev->time_ns < 0 && ev->time_ns % 1000000000)
        secs--;
    ls_time_civil(secs, &y, &mo, &d, &h, &mi, &sec);
    snprintf(base, sizeof(base), "%s/%s/%04d-%02d-%02d", c->dir, app, y, mo, d);
    snprintf(path, sizeof(path), "%s.ndjson", base);
    struct open_file *lru = &c->files[0];
    for (int i = 0; i < OPEN_FILES; i++) {
        struct open_file *of = &c->files[i];
        if (of->path && strcmp(of->path, path) == 0) {
            of->used = ++c->tick;
            return of;
        }
        if (!of->path || of->used < lru->used)
            lru = of;
    }
    close_file(lru);
    char appdir[4096];
    snprintf(appdir, sizeof(appdir), "%s/%s", c->dir, app);
    if (mkdir(appdir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", appdir, strerror(errno));
        return NULL;
    }
    FILE *f = fopen(path, "ab");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    lru->size = fstat(fileno(f), &st) == 0 ? (uint64_t)st.st_size : 0;
    lru->f = f;
    lru->path = strdup(path);
    lru->base = strdup(base);
    lru->used = ++c->tick;
    if (!lru->path || !lru->base) {
        close_file(lru);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return lru;
}

/* A batch's records ordered by destination file (app, then UTC day), arrival order within one. */
struct order {
    const char *app;
    int64_t day;
    size_t idx;
};

static int64_t utc_day(int64_t ns)
{
    int64_t day_ns = 86400LL * 1000000000LL;
    return ns / day_ns - (ns < 0 && ns % day_ns);
}

static int order_cmp(const void *pa, const void *pb)
{
    const struct order *a = pa, *b = pb;
    int c = strcmp(a->app, b->app);
    if (c)
        return c;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/*
 * Writes file by file: a batch mixing more apps than OPEN_FILES would otherwise reopen a file
 * for nearly every record (a 55-app benchmark spent most of the sink's time in open/close).
 */
static int file_write(struct ls_sink *s, struct ls_batch *b, char *err, size_t errlen)
{
    struct file_ctx *c = s->ctx;
    struct order *ord = malloc((b->n ? b->n : 1) * sizeof(*ord));
    if (!ord) {
        snprintf(err, errlen, "out of memory");
        return LS_OUTCOME_RETRY;
    }
    for (size_t i = 0; i < b->n; i++)
        ord[i] = (struct order){b->events[i]->app ? b->events[i]->app : "",
                                utc_day(b->events[i]->time_ns), i};
    qsort(ord, b->n, sizeof(*ord), order_cmp);
    int rc = LS_OUTCOME_RETRY; /* a failed write is retried by the worker */
    struct open_file *of = NULL;
    for (size_t k = 0; k < b->n; k++) {
        struct ls_event *ev = b->events[ord[k].idx];
        if (k == 0 || ord[k].day != ord[k - 1].day || strcmp(ord[k].app, ord[k - 1].app) != 0)
            of = get_file(c, ev, err, errlen);
        if (!of)
            goto out;
        uint64_t len = ev->json_len + 1;
        if (of->size > 0 && of->size + len > c->max_bytes) {
            if (rotate(c, of, err, errlen) != 0) {
                close_file(of);
                goto out;
            }
            of->f = fopen(of->path, "ab");
            if (!of->f) {
                snprintf(err, errlen, "cannot open %s: %s", of->path, strerror(errno));
                close_file(of);
                goto out;
            }
        }
        if (fwrite(ev->json, 1, ev->json_len, of->f) != ev->json_len || fputc('\n', of->f) == EOF) {
            snprintf(err, errlen, "cannot write %s: %s", of->path, strerror(errno));
            close_file(of);
            goto out;
        }
        of->size += len;
    }
    for (int i = 0; i < OPEN_FILES; i++)
        if (c->files[i].f && fflush(c->files[i].f) != 0) {
            snprintf(err, errlen, "cannot write %s: %s", c->files[i].path, strerror(errno));
            close_file(&c->files[i]);
            goto out;
        }
    rc = LS_OUTCOME_OK;
out:
    free(ord);
    return rc;
}

/* Only counts bytes toward the batch limit; file_write() writes the records themselves. */
static int file_encode(struct ls_sink *s, struct ls_event *ev, struct ls_buf *out)
{
    (void)s;
    (void)ev;
    (void)out;
    return 0;
}

static void file_destroy(struct ls_sink *s)
{
    struct file_ctx *c = s->ctx;
    if (!c)
        return;
    for (int i = 0; i < OPEN_FILES; i++)
        close_file(&c->files[i]);
    free(c->dir);
    free(c);
    s->ctx = NULL;
}

const struct ls_sink_kind ls_kind_file = {
    .name = "file",
    .configure = file_configure,
    .encode = file_encode,
    .write = file_write,
    .destroy = file_destroy,
};
