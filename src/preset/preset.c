/*
 * Generic code over the provider rows (preset.h): activation with exact problem texts, variable
 * values and template expansion against the environment.
 */
#include "preset/preset.h"
#include "core/env.h"
#include "core/problems.h"
#include "preset/template.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct ls_preset *ls_preset_find(const char *name)
{
    const struct ls_preset *p;
    for (size_t i = 0; (p = ls_preset_get(i)) != NULL; i++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

const char *ls_preset_value(const struct ls_env *env, const struct ls_preset_var *v)
{
    const char *val = ls_env_get(env, v->name);
    if (val && !*val && !(v->flags & LS_VAR_EMPTY_OK))
        return NULL;
    return val;
}

enum ls_activation ls_preset_activation(const struct ls_preset *p, const struct ls_env *env,
                                        struct ls_problems *problems)
{
    const char *set_name = NULL; /* a trigger variable that is set, for the message */
    bool missing = false, has_one_of = false, one_of_set = false;
    for (const struct ls_preset_var *v = p->vars; v->name; v++) {
        if (!(v->flags & (LS_VAR_REQUIRED | LS_VAR_ONE_OF)))
            continue;
        bool set = ls_preset_value(env, v) != NULL;
        if (v->flags & LS_VAR_ONE_OF) {
            has_one_of = true;
            one_of_set |= set;
        } else if (!set) {
            missing = true;
        }
        if (set && !set_name)
            set_name = v->name;
    }
    if (!set_name)
        return LS_PRESET_OFF;
    if (!missing && (!has_one_of || one_of_set))
        return LS_PRESET_ON;
    for (const struct ls_preset_var *v = p->vars; v->name; v++)
        if ((v->flags & LS_VAR_REQUIRED) && !(v->flags & LS_VAR_ONE_OF) && !ls_preset_value(env, v))
            ls_problems_add(problems, "%s: %s is not set (%s is)", p->name, v->name, set_name);
    if (has_one_of && !one_of_set) {
        struct ls_buf names;
        ls_buf_init(&names, 0);
        for (const struct ls_preset_var *v = p->vars; v->name; v++)
            if (v->flags & LS_VAR_ONE_OF)
                ls_buf_printf(&names, "%s%s", names.len ? " or " : "", v->name);
        ls_problems_add(problems, "%s: %s is not set (%s is)", p->name,
                        names.data ? names.data : "", set_name);
        ls_buf_free(&names);
    }
    return LS_PRESET_PARTIAL;
}

static char *expand(const char *tmpl, bool url, const struct ls_env *env, char *err, size_t errlen)
{
    struct ls_template *t = NULL;
    int rc = url ? ls_template_compile_url(tmpl, &t, err, errlen)
                 : ls_template_compile(tmpl, &t, err, errlen);
    if (rc != 0)
        return NULL;
    struct ls_buf out;
    ls_buf_init(&out, 0);
    char *res = NULL;
    if (ls_template_render(t, env, NULL, NULL, &out, err, errlen) == 0) {
        res = ls_buf_steal(&out, NULL);
        if (!res)
            res = strdup("");
    }
    ls_buf_free(&out);
    ls_template_destroy(t);
    return res;
}

char *ls_preset_expand(const char *tmpl, const struct ls_env *env, char *err, size_t errlen)
{
    return expand(tmpl, false, env, err, errlen);
}

char *ls_preset_expand_url(const char *tmpl, const struct ls_env *env, char *err, size_t errlen)
{
    return expand(tmpl, true, env, err, errlen);
}
