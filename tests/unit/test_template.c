/*
 * Unit tests for preset/template: syntax errors, shell-style ${...} forms against an
 * injected environment, literal handling of values, binding, and {{ field }} rendering
 * through a callback (so the test needs no event module).
 */
#include "preset/template.h"
#include "core/env.h"
#include "util/buf.h"
#include "test.h"

/* Field lookup over a fixed table; "oom" simulates a callback that cannot write. */
static int fields(const char *path, struct ls_buf *out, void *ctx)
{
    (void)ctx;
    static const char *const table[][2] = {
        {"fly.app.name", "worker"}, {"host", "34d6"}, {"n", "42"}, {"nul", ""},
        {"obj", "{\"a\":1}"},
    };
    if (strcmp(path, "oom") == 0) {
        ls_buf_puts(out, "partial");
        return -2;
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(path, table[i][0]) == 0)
            return ls_buf_puts(out, table[i][1]) == 0 ? 0 : -2;
    ls_buf_puts(out, "junk"); /* must be discarded by the renderer */
    return -1;
}

static const char *const ENV[] = {
    "A=alpha",         "EMPTY=",           "DOLLAR=pa$word1", "REF=${A}", "QUOTES=a\"b\\c'd",
    "BRACES={{host}}", "LOGTAIL_TOKEN=lt", "US=us",           NULL,
};

/* Compiles and renders `text`; returns 0 or -1, output / error in the caller's buffers. */
static int render(const char *text, char *got, size_t cap, char *err, size_t errlen)
{
    struct ls_template *t = NULL;
    got[0] = '\0';
    err[0] = '\0';
    if (ls_template_compile(text, &t, err, errlen) != 0)
        return -2;
    struct ls_env *env = ls_env_from_list(ENV);
    struct ls_buf b;
    ls_buf_init(&b, 0);
    int rc = env == NULL ? -3 : ls_template_render(t, env, fields, NULL, &b, err, errlen);
    snprintf(got, cap, "%s", b.data ? b.data : "");
    ls_buf_free(&b);
    ls_env_destroy(env);
    ls_template_destroy(t);
    return rc;
}

struct rcase {
    const char *text, *want;
};

static int run_table(const struct rcase *c, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char got[256], err[256];
        int rc = render(c[i].text, got, sizeof(got), err, sizeof(err));
        if (rc != 0 || strcmp(got, c[i].want) != 0) {
            fprintf(stderr, "  \"%s\": rc=%d got \"%s\" want \"%s\" (%s)\n", c[i].text, rc, got,
                    c[i].want, err);
            bad++;
        }
    }
    return bad;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

LS_TEST(test_template_plain_and_literal_text)
{
    static const struct rcase c[] = {
        {"", ""},
        {"https://http-intake.logs.datadoghq.com/api/v2/logs",
         "https://http-intake.logs.datadoghq.com/api/v2/logs"},
        {"${A}", "alpha"},
        {"x${A}y${A}", "xalphayalpha"},
        {"${EMPTY}", ""},
        {"$$", "$$"},
        {"$A", "$A"},
        {"a$", "a$"},
        {"$", "$"},
        {"$ {A}", "$ {A}"},
        {"{A}", "{A}"},
        {"{", "{"},
        {"}}", "}}"},
        {"a}b", "a}b"},
        {"\\${A}", "\\alpha"},
        {"\"${A}\"", "\"alpha\""},
    };
    CHECK_INT(run_table(c, N(c)), 0);
}

LS_TEST(test_template_defaults)
{
    static const struct rcase c[] = {
        {"${A:-d}", "alpha"},
        {"${EMPTY:-d}", "d"},
        {"${UNSET:-d}", "d"},
        {"${A-d}", "alpha"},
        {"${EMPTY-d}", ""},
        {"${UNSET-d}", "d"},
        {"${UNSET-}", ""},
        {"${UNSET:-}", ""},
        {"${A+set}", "set"},
        {"${EMPTY+set}", "set"},
        {"${UNSET+set}", ""},
        {"${A:+full}", "full"},
        {"${EMPTY:+full}", ""},
        {"${UNSET:-https://in.logs.betterstack.com}", "https://in.logs.betterstack.com"},
        {"${UNSET:-a:b-c+d$e{f}", "a:b-c+d$e{f"},
        {"${SUBJECT-logs.>}", "logs.>"},
        {"nats://[${NETWORK-fdaa}::3]:4223", "nats://[fdaa::3]:4223"},
    };
    CHECK_INT(run_table(c, N(c)), 0);
}

LS_TEST(test_template_nested_default)
{
    static const struct rcase c[] = {
        {"${BETTER_STACK_SOURCE_TOKEN:-${LOGTAIL_TOKEN}}", "lt"},
        {"${A:-${LOGTAIL_TOKEN}}", "alpha"},
        {"${EMPTY:-x${A}y}", "xalphay"},
        {"${UNSET:-${UNSET2:-last}}", "last"},
        {"${UNSET:-${US}-${A}}", "us-alpha"},
        {"${A:-${UNSET}}", "alpha"}, /* the unused default's reference is never looked up */
    };
    CHECK_INT(run_table(c, N(c)), 0);
    char got[64], err[128];
    CHECK_INT(render("${UNSET:-${ALSO_UNSET}}", got, sizeof(got), err, sizeof(err)), -1);
    CHECK_STR(err, "ALSO_UNSET is not set");
}

LS_TEST(test_template_values_are_literal)
{
    static const struct rcase c[] = {
        {"${DOLLAR}", "pa$word1"}, {"${REF}", "${A}"},           {"${QUOTES}", "a\"b\\c'd"},
        {"${BRACES}", "{{host}}"}, {"${UNSET:-${REF}}", "${A}"},
    };
    CHECK_INT(run_table(c, N(c)), 0);
}

LS_TEST(test_template_unset_is_error_naming_var)
{
    char got[64], err[128];
    CHECK_INT(render("https://${DATADOG_SITE}/x", got, sizeof(got), err, sizeof(err)), -1);
    CHECK_STR(err, "DATADOG_SITE is not set");
    CHECK_STR(got, "");
}

LS_TEST(test_template_syntax_errors)
{
    static const struct {
        const char *text, *err;
    } c[] = {
        {"${A", "unterminated ${ at position 1"},
        {"x${", "unterminated ${ at position 2"},
        {"${A:-abc", "unterminated ${ at position 1"},
        {"${A:-${B}", "unterminated ${ at position 1"},
        {"${}", "empty variable name in ${} at position 1"},
        {"${1A}", "bad variable name in ${ at position 1"},
        {"${-x}", "bad variable name in ${ at position 1"},
        {"${A B}", "${A at position 1: expected }, :-, -, :+ or + after the variable name"},
        {"${A:?e}", "${A at position 1: expected }, :-, -, :+ or + after the variable name"},
        {"${A.B}", "${A at position 1: expected }, :-, -, :+ or + after the variable name"},
        {"${A:-${B:-${C}}}", "${ at position 11: only one level of nested ${...} is supported"},
        {"${A:-{{host}}}", "{{ at position 6: fields are not allowed inside ${...}"},
        {"{{host", "unterminated {{ at position 1"},
        {"a{{ host }", "unterminated {{ at position 2"},
        {"{{}}", "empty field path in {{ }} at position 1"},
        {"{{   }}", "empty field path in {{ }} at position 1"},
        {"{{a..b}}", "bad field path in {{ }} at position 1"},
        {"{{.a}}", "bad field path in {{ }} at position 1"},
        {"{{a.}}", "bad field path in {{ }} at position 1"},
        {"{{a b}}", "bad field path in {{ }} at position 1"},
        {"{{a{b}}", "bad field path in {{ }} at position 1"},
    };
    for (size_t i = 0; i < N(c); i++) {
        struct ls_template *t = (struct ls_template *)&c; /* must stay untouched on error */
        char err[128] = "";
        int rc = ls_template_compile(c[i].text, &t, err, sizeof(err));
        if (rc != -1 || strcmp(err, c[i].err) != 0)
            fprintf(stderr, "  \"%s\": rc=%d err \"%s\"\n", c[i].text, rc, err);
        CHECK_INT(rc, -1);
        CHECK(t == (struct ls_template *)&c);
        CHECK_STR(err, c[i].err);
    }
    struct ls_template *t = NULL;
    char err[64];
    CHECK_INT(ls_template_compile(NULL, &t, err, sizeof(err)), -1);
}

LS_TEST(test_template_fields_render)
{
    static const struct rcase c[] = {
        {"{{ fly.app.name }}", "worker"},
        {"{{fly.app.name}}/{{ host }}", "worker/34d6"},
        {"n={{n}} nul=[{{nul}}] o={{ obj }}", "n=42 nul=[] o={\"a\":1}"},
        {"{{\tfly.app.name\t}}", "worker"},
        {"${A}-{{host}}", "alpha-34d6"},
        {"{{host}}}", "34d6}"},
    };
    CHECK_INT(run_table(c, N(c)), 0);
}

LS_TEST(test_template_missing_field_discards_partial_output)
{
    struct ls_template *t = NULL;
    char err[128] = "";
    CHECK_INT(ls_template_compile("x={{host}} y={{nope}}", &t, err, sizeof(err)), 0);
    struct ls_buf b;
    ls_buf_init(&b, 0);
    int rc0 = ls_buf_puts(&b, "keep;");
    int rc = ls_template_render(t, NULL, fields, NULL, &b, err, sizeof(err));
    int kept = b.len == 5 && strcmp(b.data, "keep;") == 0;
    char err2[128] = "";
    int rc2 = ls_template_render(t, NULL, NULL, NULL, &b, err2, sizeof(err2));
    ls_buf_free(&b);
    ls_template_destroy(t);
    CHECK_INT(rc0, 0);
    CHECK_INT(rc, -1);
    CHECK_STR(err, "field nope is missing");
    CHECK(kept);
    CHECK_INT(rc2, -1);
    CHECK_STR(err2, "{{ host }}: fields are not allowed here");
}

LS_TEST(test_template_field_callback_failure)
{
    struct ls_template *t = NULL;
    char err[128] = "";
    CHECK_INT(ls_template_compile("a{{oom}}", &t, err, sizeof(err)), 0);
    struct ls_buf b;
    ls_buf_init(&b, 0);
    int rc = ls_template_render(t, NULL, fields, NULL, &b, err, sizeof(err));
    size_t len = b.len;
    ls_buf_free(&b);
    ls_template_destroy(t);
    CHECK_INT(rc, -1);
    CHECK_INT(len, 0);
    CHECK_STR(err, "field oom could not be rendered (size limit or memory)");
}

LS_TEST(test_template_render_respects_buffer_cap)
{
    struct ls_template *t = NULL;
    char err[128] = "";
    CHECK_INT(ls_template_compile("0123456789${A}", &t, err, sizeof(err)), 0);
    struct ls_env *env = ls_env_from_list(ENV);
    struct ls_buf b;
    ls_buf_init(&b, 15); /* exactly "0123456789alpha" */
    int rc_fit = env ? ls_template_render(t, env, NULL, NULL, &b, err, sizeof(err)) : -9;
    int fit = b.len == 15;
    int rc_over = env ? ls_template_render(t, env, NULL, NULL, &b, err, sizeof(err)) : -9;
    size_t len = b.len;
    ls_buf_free(&b);
    ls_env_destroy(env);
    ls_template_destroy(t);
    CHECK_INT(rc_fit, 0);
    CHECK(fit);
    CHECK_INT(rc_over, -1);
    CHECK_INT(len, 15);
    CHECK_STR(err, "rendered template exceeds the size limit or memory ran out");
}

LS_TEST(test_template_bind_freezes_env)
{
    struct ls_template *t = NULL;
    char err[128] = "";
    CHECK_INT(
        ls_template_compile("https://${A}/${UNSET:-d}/{{host}}?k=${EMPTY-x}", &t, err, sizeof(err)),
        0);
    struct ls_env *env = ls_env_from_list(ENV);
    CHECK(env != NULL);
    int rc_bind = ls_template_bind(t, env, err, sizeof(err));
    ls_env_destroy(env);
    struct ls_buf b;
    ls_buf_init(&b, 0);
    int rc = ls_template_render(t, NULL, fields, NULL, &b, err, sizeof(err));
    char got[128];
    snprintf(got, sizeof(got), "%s", b.data ? b.data : "");
    bool has_fields = ls_template_has_fields(t);
    ls_buf_free(&b);
    ls_template_destroy(t);
    CHECK_INT(rc_bind, 0);
    CHECK_INT(rc, 0);
    CHECK_STR(got, "https://alpha/d/34d6?k=");
    CHECK(has_fields);
}

LS_TEST(test_template_bind_failure_leaves_template_usable)
{
    struct ls_template *t = NULL;
    char err[128] = "";
    CHECK_INT(ls_template_compile("${A}${NEEDED}", &t, err, sizeof(err)), 0);
    const char *const only_a[] = {"A=1", NULL};
    struct ls_env *partial = ls_env_from_list(only_a);
    int rc_bind = ls_template_bind(t, partial, err, sizeof(err));
    char bind_err[128];
    snprintf(bind_err, sizeof(bind_err), "%s", err);
    const char *const pairs[] = {"A=1", "NEEDED=2", NULL};
    struct ls_env *env = ls_env_from_list(pairs);
    struct ls_buf b;
    ls_buf_init(&b, 0);
    int rc = ls_template_render(t, env, NULL, NULL, &b, err, sizeof(err));
    int ok = rc == 0 && b.len == 2 && strcmp(b.data, "12") == 0;
    char err2[128] = "";
    int rc_nobind = ls_template_render(t, NULL, NULL, NULL, &b, err2, sizeof(err2));
    ls_buf_free(&b);
    ls_env_destroy(partial);
    ls_env_destroy(env);
    ls_template_destroy(t);
    CHECK_INT(rc_bind, -1);
    CHECK_STR(bind_err, "NEEDED is not set");
    CHECK(ok);
    CHECK_INT(rc_nobind, -1);
    CHECK_STR(err2, "A: template not bound to an environment");
}

struct names {
    char list[256];
};

static void collect(const char *name, bool required, void *ctx)
{
    struct names *n = ctx;
    size_t len = strlen(n->list);
    snprintf(n->list + len, sizeof(n->list) - len, "%s%s;", name, required ? "!" : "");
}

LS_TEST(test_template_env_names)
{
    struct ls_template *t = NULL;
    char err[128] = "";
    CHECK_INT(ls_template_compile("${BETTER_STACK_SOURCE_TOKEN:-${LOGTAIL_TOKEN}} "
                                  "${HOST-x} ${KEY} ${LOGTAIL_TOKEN} ${KEY} {{host}} ${O+${P}}",
                                  &t, err, sizeof(err)),
              0);
    struct names n = {{0}};
    int count = ls_template_env_names(t, collect, &n);
    struct ls_env *env = ls_env_from_list(ENV);
    const char *const pairs[] = {"KEY=k", "LOGTAIL_TOKEN=t", NULL};
    struct ls_env *env2 = ls_env_from_list(pairs);
    int rc_bind = ls_template_bind(t, env2, err, sizeof(err));
    struct names after = {{0}};
    int count_after = ls_template_env_names(t, collect, &after);
    ls_env_destroy(env);
    ls_env_destroy(env2);
    ls_template_destroy(t);
    CHECK_INT(count, 6);
    /* LOGTAIL_TOKEN is optional in the default but required by its later plain use. */
    CHECK_STR(n.list, "BETTER_STACK_SOURCE_TOKEN;LOGTAIL_TOKEN!;HOST;KEY!;O;P;");
    CHECK_INT(rc_bind, 0);
    CHECK_INT(count_after, 6);
    CHECK_STR(after.list, n.list);
}

/* URL templates: values in the path or query are percent-encoded, scheme and host are not. */
static const char *const URL_ENV[] = {
    "DS=my logs/x",         "TOK=a&b=c?d#e+f%",
    "HOST=in.example.com",  "BASE=https://h.example/b",
    "UNI=\xc3\xa9~A-z_0.9", NULL,
};

static int render_url(const char *text, bool url, bool bind, char *got, size_t cap, char *err,
                      size_t errlen)
{
    struct ls_template *t = NULL;
    got[0] = '\0';
    err[0] = '\0';
    int rc = url ? ls_template_compile_url(text, &t, err, errlen)
                 : ls_template_compile(text, &t, err, errlen);
    if (rc != 0)
        return -2;
    struct ls_env *env = ls_env_from_list(URL_ENV);
    struct ls_buf b;
    ls_buf_init(&b, 0);
    rc = env == NULL ? -3 : 0;
    if (rc == 0 && bind)
        rc = ls_template_bind(t, env, err, errlen);
    if (rc == 0)
        rc = ls_template_render(t, bind ? NULL : env, NULL, NULL, &b, err, errlen);
    snprintf(got, cap, "%s", b.data ? b.data : "");
    ls_buf_free(&b);
    ls_env_destroy(env);
    ls_template_destroy(t);
    return rc;
}

LS_TEST(test_template_url_values_encoded_in_path_and_query)
{
    static const struct rcase c[] = {
        {"https://api.axiom.co/v1/datasets/${DS}/ingest?timestamp-field=timestamp",
         "https://api.axiom.co/v1/datasets/my%20logs%2Fx/ingest?timestamp-field=timestamp"},
        {"https://api.logflare.app/logs/vector?source=${TOK}",
         "https://api.logflare.app/logs/vector?source=a%26b%3Dc%3Fd%23e%2Bf%25"},
        {"https://e.io/${UNI}", "https://e.io/%C3%A9~A-z_0.9"},
        /* Nested references are written as their enclosing one; defaults are template text. */
        {"https://e.io/v1/${UNSET:-${DS}}", "https://e.io/v1/my%20logs%2Fx"},
        {"https://e.io/v1/${UNSET:-a/b c}", "https://e.io/v1/a/b c"},
        {"https://e.io/v1/${DS:+x/${DS}}", "https://e.io/v1/x/my%20logs%2Fx"},
        /* Scheme, host and whole base URLs are values that make the URL: used as they are. */
        {"${BASE}", "https://h.example/b"},
        {"https://${HOST}", "https://in.example.com"},
        {"https://logs.${HOST:-datadoghq.com}/api/v2/logs",
         "https://logs.in.example.com/api/v2/logs"},
        {"${UNSET:-${BASE}}/services/collector/event",
         "https://h.example/b/services/collector/event"},
        /* A value's own `/` does not move the boundary; the template's text does. */
        {"${BASE}${DS}", "https://h.example/bmy logs/x"},
        {"${BASE}/d/${DS}", "https://h.example/b/d/my%20logs%2Fx"},
    };
    int bad = 0;
    for (size_t i = 0; i < N(c); i++) {
        for (int bind = 0; bind < 2; bind++) {
            char got[256], err[256];
            int rc = render_url(c[i].text, true, bind, got, sizeof(got), err, sizeof(err));
            if (rc != 0 || strcmp(got, c[i].want) != 0) {
                fprintf(stderr, "  \"%s\" (bind=%d): rc=%d got \"%s\" want \"%s\" (%s)\n",
                        c[i].text, bind, rc, got, c[i].want, err);
                bad++;
            }
        }
    }
    CHECK_INT(bad, 0);
}

LS_TEST(test_template_non_url_values_not_encoded)
{
    char got[256], err[256];
    CHECK_INT(render_url("https://e.io/v1/${DS}?t=${TOK}", false, false, got, sizeof(got), err,
                         sizeof(err)),
              0);
    CHECK_STR(got, "https://e.io/v1/my logs/x?t=a&b=c?d#e+f%");
}

LS_TEST(test_template_has_fields)
{
    struct ls_template *a = NULL, *b = NULL;
    char err[128] = "";
    CHECK_INT(ls_template_compile("https://${A}/x", &a, err, sizeof(err)), 0);
    CHECK_INT(ls_template_compile("{{ fly.app.name }}/%F/", &b, err, sizeof(err)), 0);
    bool fa = ls_template_has_fields(a), fb = ls_template_has_fields(b);
    ls_template_destroy(a);
    ls_template_destroy(b);
    ls_template_destroy(NULL);
    CHECK(!fa);
    CHECK(fb);
    CHECK(!ls_template_has_fields(NULL));
}

LS_TEST_MAIN(LS_CASE(test_template_plain_and_literal_text), LS_CASE(test_template_defaults),
             LS_CASE(test_template_nested_default), LS_CASE(test_template_values_are_literal),
             LS_CASE(test_template_unset_is_error_naming_var), LS_CASE(test_template_syntax_errors),
             LS_CASE(test_template_fields_render),
             LS_CASE(test_template_missing_field_discards_partial_output),
             LS_CASE(test_template_field_callback_failure),
             LS_CASE(test_template_render_respects_buffer_cap),
             LS_CASE(test_template_bind_freezes_env),
             LS_CASE(test_template_bind_failure_leaves_template_usable),
             LS_CASE(test_template_env_names),
             LS_CASE(test_template_url_values_encoded_in_path_and_query),
             LS_CASE(test_template_non_url_values_not_encoded), LS_CASE(test_template_has_fields))
