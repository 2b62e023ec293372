/*
 * The list of provider rows, in the order the docs show them. Each family of rows lives in its
 * own file (presets_<family>.c); this list is the single place that names them all.
 */
#include "preset/preset.h"

extern const struct ls_preset ls_preset_http;

const struct ls_preset *const ls_presets[] = {
    &ls_preset_http,
    NULL,
};
