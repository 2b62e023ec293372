/*
 * The idle-memory baseline: a program that links exactly logship's libraries (the same
 * pkg-config set), initialises the ones logship initialises at start-up (libcurl with its TLS
 * backend, nats.c, a libmicrohttpd daemon) and does nothing else. Its resident set is what the
 * dynamic loader and the libraries' own start-up cost before logship does any work, so
 * bench/run.sh reports logship's idle RSS next to it. Prints `rss_kb= anon_kb=`.
 */
#include <curl/curl.h>
#include <microhttpd.h>
#include <nats/nats.h>
#include <stdio.h>
#include <string.h>

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **state)
{
    (void)cls, (void)c, (void)url, (void)method, (void)version, (void)data, (void)size;
    (void)state;
    return MHD_NO;
}

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            sscanf(line + n + 1, "%ld", &v);
    if (f)
        fclose(f);
    return v;
}

int main(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || nats_Open(-1) != NATS_OK) {
        fprintf(stderr, "lib_floor: library initialisation failed\n");
        return 1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer,
                                            NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "lib_floor: cannot start a libmicrohttpd daemon\n");
        return 1;
    }
    printf("rss_kb=%ld anon_kb=%ld\n", status_kb("VmRSS"), status_kb("RssAnon"));
    MHD_stop_daemon(d);
    nats_Close();
    curl_global_cleanup();
    return 0;
}
