/* Provider rows of the saas family (see preset/presets.c). */
#include "preset/preset.h"

const struct ls_preset *const ls_presets_saas[] = {
    NULL,
};
