/*
 * All provider rows, in the order the docs show them. Each family of rows lives in its own file
 * (presets_<family>.c, a NULL-terminated array); this is the one place that lists the families.
 */
#include "preset/preset.h"

extern const struct ls_preset *const ls_presets_http[];
extern const struct ls_preset *const ls_presets_saas[];
extern const struct ls_preset *const ls_presets_loki[];
extern const struct ls_preset *const ls_presets_es[];
extern const struct ls_preset *const ls_presets_aws[];
extern const struct ls_preset *const ls_presets_syslog[];
extern const struct ls_preset *const ls_presets_slack[];

static const struct ls_preset *const *const families[] = {
    ls_presets_http, ls_presets_saas,   ls_presets_loki,  ls_presets_es,
    ls_presets_aws,  ls_presets_syslog, ls_presets_slack, NULL,
};

const struct ls_preset *ls_preset_get(size_t i)
{
    for (size_t f = 0; families[f]; f++) {
        for (size_t j = 0; families[f][j]; j++)
            if (i-- == 0)
                return families[f][j];
    }
    return NULL;
}
