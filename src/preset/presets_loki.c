/* Provider rows of the loki family (see preset/presets.c). */
#include "preset/preset.h"

const struct ls_preset *const ls_presets_loki[] = {
    NULL,
};
