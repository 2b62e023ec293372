/*
 * What most provider kinds share, read from their preset row: the endpoint URL (with
 * LOGSHIP_<SINK>_ENDPOINT applied), the fixed headers (templates expanded once at start-up;
 * a header whose value expands to nothing is left out), the content type, the row's
 * transforms, and a private parser for kinds that read fields. A kind's ctx starts with this
 * struct, so the generic helpers can take it.
 */
#ifndef LS_KINDS_COMMON_H
#define LS_KINDS_COMMON_H

#include "sink/sink_int.h"

#include <stdbool.h>

struct ls_env;
struct ls_problems;
struct ls_parser;
struct json_object;

struct ls_kind_common {
    char *url;
    char *url_masked; /* for --check and logs: credentials and secret variables replaced */
    char **headers;   /* "Name: value" */
    size_t n_headers;
    struct ls_parser *parser;
};

/* Fills c from s->preset and the environment; problems name the variable. 0 when usable. */
int ls_kind_common_init(struct ls_sink *s, const struct ls_env *env, struct ls_problems *p,
                        struct ls_kind_common *c);
void ls_kind_common_free(struct ls_kind_common *c);
/* URL, fixed headers and content type of the row. */
int ls_kind_common_request(const struct ls_sink *s, const struct ls_kind_common *c,
                           struct ls_request *req);
/* A private tree of the event with the row's transforms applied; caller owns it. NULL on error. */
struct json_object *ls_kind_tree(const struct ls_sink *s, struct ls_kind_common *c,
                                 struct ls_event *ev);
/* Appends the record as the row sends it: canonical JSON, after the row's transforms if any. */
int ls_kind_encode_record(struct ls_sink *s, struct ls_kind_common *c, struct ls_event *ev,
                          struct ls_buf *out);
/* --check lines for a row: URL (credentials masked) and every variable (secrets masked). */
void ls_kind_common_describe(const struct ls_sink *s, const struct ls_kind_common *c);

/* describe/destroy for kinds whose ctx is a bare struct ls_kind_common (vtable-ready). */
void ls_kind_plain_describe(const struct ls_sink *s);
void ls_kind_plain_destroy(struct ls_sink *s);
/* url with trailing slashes removed and path appended (Vector's append_path); new string. */
char *ls_kind_url_join(const char *url, const char *path);
/* True when the URL carries user[:password]@ (a second credential beside the sink's auth). */
bool ls_kind_url_has_userinfo(const char *url);
/*
 * The header line "Authorization: Basic " + base64(user ":" password) (RFC 7617, as Vector's
 * basic auth strategy), new; free it with ls_kind_basic_auth_free, which wipes it first. NULL
 * when memory runs out or either part is over 1 MiB. A user containing ':' is the caller's to
 * reject: the server would split it elsewhere.
 */
char *ls_kind_basic_auth(const char *user, const char *pass);
/* Wipes and frees a header from ls_kind_basic_auth; accepts NULL. */
void ls_kind_basic_auth_free(char *header);

#endif
