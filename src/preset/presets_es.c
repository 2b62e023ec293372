/* Provider rows of the es family (see preset/presets.c). */
#include "preset/preset.h"

const struct ls_preset *const ls_presets_es[] = {
    NULL,
};
