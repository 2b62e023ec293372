/*
 * The sink kinds: the request builders provider rows name. The generic ones are listed here;
 * each provider family lists its own in sink/kinds/family_<family>.c (curl's
 * available_backends[] idea: one table, easy to review).
 */
#include "preset/preset.h"
#include "sink/kinds/kinds.h"

#include <string.h>

static const struct ls_sink_kind *const generic[] = {
    &ls_kind_http, &ls_kind_appsignal, &ls_kind_openobserve, &ls_kind_uptrace, NULL,
};

extern const struct ls_sink_kind *const ls_kinds_saas[];
extern const struct ls_sink_kind *const ls_kinds_loki[];
extern const struct ls_sink_kind *const ls_kinds_es[];
extern const struct ls_sink_kind *const ls_kinds_aws[];
extern const struct ls_sink_kind *const ls_kinds_syslog[];
extern const struct ls_sink_kind *const ls_kinds_slack[];

static const struct ls_sink_kind *const *const families[] = {
    generic,      ls_kinds_saas,   ls_kinds_loki,  ls_kinds_es,
    ls_kinds_aws, ls_kinds_syslog, ls_kinds_slack, NULL,
};

const struct ls_sink_kind *ls_kind_find(const char *name)
{
    for (size_t f = 0; families[f]; f++)
        for (size_t i = 0; families[f][i]; i++)
            if (strcmp(families[f][i]->name, name) == 0)
                return families[f][i];
    return NULL;
}
