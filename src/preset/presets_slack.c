/* Provider rows of the slack family (see preset/presets.c). */
#include "preset/preset.h"

const struct ls_preset *const ls_presets_slack[] = {
    NULL,
};
