/*
 * The provider table as a whole (every family's rows, walked with ls_preset_get): names unique,
 * kinds registered, templates valid and referring only to declared variables, secret-looking
 * variables flagged SECRET, docs present. Plus the pure parts of the http family's own kinds
 * (sink/kinds/appsignal.c): AppSignal's {"log": ...} wrapper, OpenObserve's Basic header and
 * Uptrace's codecs, driven through a configured sink as the registry builds it.
 */
#include "test.h"

#include "core/env.h"
#include "core/problems.h"
#include "event/event.h"
#include "preset/preset.h"
#include "preset/template.h"
#include "sink/sink_int.h"

#include <curl/curl.h>

static const char R[] =
    "{\"event\":{\"provider\":\"app\"},\"fly\":{\"app\":{\"instance\":\"a13043b026c48b\","
    "\"name\":\"worker\"},\"region\":\"ord\"},\"host\":\"34d6\",\"log\":{\"level\":\"info\"},"
    "\"message\":\"GET /api/users/33009 200 218ms\","
    "\"timestamp\":\"2026-11-23T10:00:00.493842299Z\"}";

static const struct ls_preset_var *find_var(const struct ls_preset *p, const char *name)
{
    for (const struct ls_preset_var *v = p->vars; v->name; v++)
        if (strcmp(v->name, name) == 0)
            return v;
    return NULL;
}

LS_TEST(test_presets_names_unique)
{
    const struct ls_preset *a, *b;
    size_t n = 0;
    for (size_t i = 0; (a = ls_preset_get(i)) != NULL; i++, n++) {
        CHECK(a->name && *a->name);
        CHECK(a->env_name && *a->env_name);
        for (size_t j = i + 1; (b = ls_preset_get(j)) != NULL; j++) {
            if (strcmp(a->name, b->name) == 0 || strcmp(a->env_name, b->env_name) == 0)
                fprintf(stderr, "duplicate row: %s / %s\n", a->name, b->name);
            CHECK(strcmp(a->name, b->name) != 0);
            CHECK(strcmp(a->env_name, b->env_name) != 0);
        }
        CHECK(ls_preset_find(a->name) == a);
    }
    CHECK(n >= 12); /* the http family alone has 12 rows */
}

LS_TEST(test_presets_kinds_registered)
{
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++) {
        const struct ls_sink_kind *k = p->kind ? ls_kind_find(p->kind) : NULL;
        if (!k)
            fprintf(stderr, "%s: kind %s not registered\n", p->name, p->kind ? p->kind : "(null)");
        CHECK(k != NULL);
        CHECK_STR(k->name, p->kind);
    }
}

/* Compiles t, reporting the row on failure; 0 when it compiles. */
static int compile(const struct ls_preset *p, const char *what, const char *text,
                   struct ls_template **out)
{
    char err[256] = "";
    if (ls_template_compile(text, out, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s template \"%s\": %s\n", p->name, what, text, err);
        return -1;
    }
    return 0;
}

LS_TEST(test_presets_templates_compile)
{
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++) {
        struct ls_template *t = NULL;
        if (p->url) {
            CHECK_INT(compile(p, "url", p->url, &t), 0);
            ls_template_destroy(t);
        }
        for (size_t h = 0; p->headers && p->headers[h]; h++) {
            const char *colon = strchr(p->headers[h], ':');
            /* "Name: template": a name of its own before the colon. */
            if (!colon || colon == p->headers[h])
                fprintf(stderr, "%s: header \"%s\" is not \"Name: value\"\n", p->name,
                        p->headers[h]);
            CHECK(colon && colon != p->headers[h]);
            CHECK(strcspn(p->headers[h], " $") > (size_t)(colon - p->headers[h]));
            t = NULL;
            CHECK_INT(compile(p, "header", p->headers[h], &t), 0);
            ls_template_destroy(t);
        }
    }
}

struct names_ctx {
    const struct ls_preset *row;
    int undeclared;
};

static void check_declared(const char *name, bool required, void *ctx)
{
    (void)required;
    struct names_ctx *c = ctx;
    if (!find_var(c->row, name)) {
        fprintf(stderr, "%s: template refers to %s, which is not in the row's vars\n", c->row->name,
                name);
        c->undeclared++;
    }
}

LS_TEST(test_presets_template_vars_declared)
{
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++) {
        struct names_ctx c = {p, 0};
        const char *texts[32];
        size_t n = 0;
        if (p->url)
            texts[n++] = p->url;
        for (size_t h = 0; p->headers && p->headers[h] && n < 32; h++)
            texts[n++] = p->headers[h];
        for (size_t k = 0; k < n; k++) {
            struct ls_template *t = NULL;
            CHECK_INT(compile(p, "a", texts[k], &t), 0);
            ls_template_env_names(t, check_declared, &c);
            ls_template_destroy(t);
        }
        CHECK_INT(c.undeclared, 0);
    }
}

LS_TEST(test_presets_secret_names_flagged)
{
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++)
        for (const struct ls_preset_var *v = p->vars; v->name; v++) {
            if (ls_env_is_secret(v->name) && !(v->flags & LS_VAR_SECRET))
                fprintf(stderr, "%s: %s looks secret but is not flagged SECRET\n", p->name,
                        v->name);
            CHECK(!ls_env_is_secret(v->name) || (v->flags & LS_VAR_SECRET));
        }
}

LS_TEST(test_presets_rows_documented)
{
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++) {
        if (!p->doc || !*p->doc)
            fprintf(stderr, "%s: no doc line\n", p->name);
        CHECK(p->doc && *p->doc);
        CHECK(strchr(p->doc, '\n') == NULL);
    }
}

LS_TEST(test_presets_vars_documented)
{
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++) {
        CHECK(p->vars != NULL);
        for (const struct ls_preset_var *v = p->vars; v->name; v++) {
            if (!v->doc || !*v->doc)
                fprintf(stderr, "%s: variable %s has no doc\n", p->name, v->name);
            CHECK(v->doc && *v->doc);
        }
    }
}

/* -- the http family's kinds, through a sink configured as sink/registry.c does -------------- */

struct fixture {
    struct ls_env *env;
    struct ls_sink *s;
    struct ls_problems problems;
    int rc;
};

static void fixture_open(struct fixture *f, const char *row, const char *const *env)
{
    memset(f, 0, sizeof(*f));
    ls_problems_init(&f->problems);
    f->env = ls_env_from_list(env);
    const struct ls_preset *p = ls_preset_find(row);
    const struct ls_sink_kind *k = p ? ls_kind_find(p->kind) : NULL;
    f->s = k ? ls_sink_create(k, p->name, p->env_name) : NULL;
    f->rc = -1;
    if (f->s && f->env) {
        f->s->preset = p;
        f->s->cfg.compression = p->compression;
        f->rc = ls_sink_configure(f->s, f->env, &f->problems);
    }
}

static void fixture_close(struct fixture *f)
{
    ls_sink_destroy(f->s);
    ls_env_destroy(f->env);
    ls_problems_free(&f->problems);
}

static int has_problem(const struct fixture *f, const char *text)
{
    for (size_t i = 0; i < f->problems.n; i++)
        if (strstr(f->problems.lines[i], text))
            return 1;
    return 0;
}

/* Encodes one event from canonical JSON `json` into out (reset first). */
static int encode(struct ls_sink *s, const char *json, struct ls_buf *out)
{
    struct ls_event *ev =
        ls_event_create_json(json, strlen(json), "logs.worker.ord.a1", 1, NULL, 0, NULL, 0);
    if (!ev)
        return -1;
    ls_buf_reset(out);
    int rc = s->kind->encode(s, ev, out);
    ls_event_unref(ev);
    return rc;
}

static int has_header(const struct curl_slist *h, const char *line)
{
    for (; h; h = h->next)
        if (strcmp(h->data, line) == 0)
            return 1;
    return 0;
}

LS_TEST(test_presets_appsignal_wraps_log)
{
    static const char *const env[] = {"APPSIGNAL_PUSH_API_KEY=push-key-1234", NULL};
    struct fixture f;
    fixture_open(&f, "appsignal", env);
    struct ls_buf out;
    ls_buf_init(&out, 0);
    int rc = f.rc == 0 ? encode(f.s, R, &out) : -1;
    int ok = rc == 0 && out.len == strlen(R) + 8 && memcmp(out.data, "{\"log\":", 7) == 0 &&
             memcmp(out.data + 7, R, strlen(R)) == 0 && out.data[out.len - 1] == '}';
    int framed = f.s && strcmp(f.s->frame.prefix, "[") == 0 && strcmp(f.s->frame.sep, ",") == 0 &&
                 strcmp(f.s->frame.suffix, "]") == 0;
    ls_buf_free(&out);
    fixture_close(&f);
    CHECK_INT(rc, 0);
    CHECK(ok);
    CHECK(framed);
}

/* Builds the request of a configured sink and reports whether `line` is among its headers;
   also returns the content type. */
static int request_has(struct ls_sink *s, const char *line, const char **content_type)
{
    struct ls_request req;
    memset(&req, 0, sizeof(req));
    ls_buf_init(&req.url, 0);
    struct ls_batch b;
    memset(&b, 0, sizeof(b));
    int found = s->kind->request(s, &b, &req) == 0 && has_header(req.headers, line);
    if (content_type)
        *content_type = req.content_type;
    curl_slist_free_all(req.headers);
    ls_buf_free(&req.url);
    return found;
}

LS_TEST(test_presets_openobserve_basic_auth)
{
    static const char *const env[] = {
        "OPENOBSERVE_URI=https://oo.example.com/api/default/fly/_json",
        "OPENOBSERVE_USER=root@example.com", "OPENOBSERVE_PASSWORD=Complexpass#123", NULL};
    struct fixture f;
    fixture_open(&f, "openobserve", env);
    int found = f.rc == 0 && request_has(f.s,
                                         "Authorization: Basic "
                                         "cm9vdEBleGFtcGxlLmNvbTpDb21wbGV4cGFzcyMxMjM=",
                                         NULL);
    int rc = f.rc;
    fixture_close(&f);
    CHECK_INT(rc, 0);
    CHECK(found);
}

LS_TEST(test_presets_openobserve_basic_auth_utf8_password)
{
    static const char *const env[] = {"OPENOBSERVE_URI=https://oo.example.com/api/o/s/_json",
                                      "OPENOBSERVE_USER=u", "OPENOBSERVE_PASSWORD=p\xc3\xa9", NULL};
    struct fixture f;
    fixture_open(&f, "openobserve", env);
    int found = f.rc == 0 && request_has(f.s, "Authorization: Basic dTpww6k=", NULL);
    fixture_close(&f);
    CHECK(found);
}

LS_TEST(test_presets_openobserve_user_with_colon_named)
{
    static const char *const env[] = {"OPENOBSERVE_URI=https://oo.example.com/api/o/s/_json",
                                      "OPENOBSERVE_USER=a:b", "OPENOBSERVE_PASSWORD=pw-123456",
                                      NULL};
    struct fixture f;
    fixture_open(&f, "openobserve", env);
    int rc = f.rc, named = has_problem(&f, "OPENOBSERVE_USER");
    fixture_close(&f);
    CHECK_INT(rc, -1);
    CHECK(named);
}

LS_TEST(test_presets_uptrace_json_codec_default)
{
    static const char *const env[] = {"UPTRACE_API_KEY=up-key-123456", "UPTRACE_PROJECT=42", NULL};
    struct fixture f;
    fixture_open(&f, "uptrace", env);
    struct ls_buf out;
    ls_buf_init(&out, 0);
    const char *ct = NULL;
    int rc = f.rc == 0 ? encode(f.s, R, &out) : -1;
    int same = rc == 0 && out.len == strlen(R) && memcmp(out.data, R, out.len) == 0;
    int dsn =
        f.rc == 0 && request_has(f.s, "uptrace-dsn: https://up-key-123456@uptrace.dev/42", &ct);
    int framed = f.s && strcmp(f.s->frame.sep, "\n") == 0 && strcmp(f.s->frame.suffix, "") == 0;
    ls_buf_free(&out);
    fixture_close(&f);
    CHECK_INT(rc, 0);
    CHECK(same);
    CHECK(dsn);
    CHECK_STR(ct, "application/x-ndjson");
    CHECK(framed);
}

LS_TEST(test_presets_uptrace_text_codec_sends_messages)
{
    static const char *const env[] = {"UPTRACE_API_KEY=up-key-123456", "UPTRACE_PROJECT=42",
                                      "UPTRACE_SINK_ENCODING=text", NULL};
    struct fixture f;
    fixture_open(&f, "uptrace", env);
    struct ls_buf out;
    ls_buf_init(&out, 0);
    const char *ct = NULL;
    int rc1 = f.rc == 0 ? encode(f.s, R, &out) : -1;
    int msg =
        rc1 == 0 && out.len == 30 && memcmp(out.data, "GET /api/users/33009 200 218ms", 30) == 0;
    int rc2 = f.rc == 0 ? encode(f.s, "{\"message\":{\"a\":1},\"x\":2}", &out) : -1;
    int obj = rc2 == 0 && out.len == 7 && memcmp(out.data, "{\"a\":1}", 7) == 0;
    int rc3 = f.rc == 0 ? encode(f.s, "{\"x\":2}", &out) : -1;
    int empty = rc3 == 0 && out.len == 0;
    if (f.rc == 0)
        request_has(f.s, "", &ct);
    int framed = f.s && strcmp(f.s->frame.sep, "\n") == 0 && strcmp(f.s->frame.suffix, "\n") == 0;
    ls_buf_free(&out);
    fixture_close(&f);
    CHECK(msg);
    CHECK(obj);
    CHECK(empty);
    CHECK_STR(ct, "text/plain");
    CHECK(framed);
}

LS_TEST(test_presets_uptrace_unknown_codec_named)
{
    static const char *const env[] = {"UPTRACE_API_KEY=up-key-123456", "UPTRACE_PROJECT=42",
                                      "UPTRACE_SINK_ENCODING=avro", "UPTRACE_SINK_INPUT=nats",
                                      NULL};
    struct fixture f;
    fixture_open(&f, "uptrace", env);
    int rc = f.rc;
    int enc = has_problem(&f, "UPTRACE_SINK_ENCODING"), in = has_problem(&f, "UPTRACE_SINK_INPUT");
    fixture_close(&f);
    CHECK_INT(rc, -1);
    CHECK(enc);
    CHECK(in);
}

LS_TEST_MAIN(LS_CASE(test_presets_names_unique), LS_CASE(test_presets_kinds_registered),
             LS_CASE(test_presets_templates_compile), LS_CASE(test_presets_template_vars_declared),
             LS_CASE(test_presets_secret_names_flagged), LS_CASE(test_presets_rows_documented),
             LS_CASE(test_presets_vars_documented), LS_CASE(test_presets_appsignal_wraps_log),
             LS_CASE(test_presets_openobserve_basic_auth),
             LS_CASE(test_presets_openobserve_basic_auth_utf8_password),
             LS_CASE(test_presets_openobserve_user_with_colon_named),
             LS_CASE(test_presets_uptrace_json_codec_default),
             LS_CASE(test_presets_uptrace_text_codec_sends_messages),
             LS_CASE(test_presets_uptrace_unknown_codec_named))
