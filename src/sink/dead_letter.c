/* Dead-letter files; see dead_letter.h. */
#include "sink/dead_letter.h"
#include "event/event.h"
#include "util/time.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_uint seq;

int ls_dead_letter_write(const char *dir, const char *sink, struct ls_event *const *events,
                         size_t n, const char *reason, char *err, size_t errlen)
{
    char ts[40], path[4096], tmp[4200];
    int64_t now = ls_time_now_ns();
    int y, mo, d, h, mi, s;
    ls_time_civil(now / 1000000000, &y, &mo, &d, &h, &mi, &s);
    snprintf(ts, sizeof(ts), "%04d%02d%02dT%02d%02d%02dZ", y, mo, d, h, mi, s);
    snprintf(path, sizeof(path), "%s/%s-%s-%ld-%u.ndjson", dir, sink, ts, (long)getpid(),
             atomic_fetch_add(&seq, 1));
    /* Written under a temporary name and renamed, so a reader never sees half a file. */
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    (void)reason; /* logged by the caller; the file stays plain NDJSON */
    for (size_t i = 0; i < n; i++) {
        fwrite(events[i]->json, 1, events[i]->json_len, f);
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
