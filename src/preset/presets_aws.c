/* Provider rows of the aws family (see preset/presets.c). */
#include "preset/preset.h"

const struct ls_preset *const ls_presets_aws[] = {
    NULL,
};
