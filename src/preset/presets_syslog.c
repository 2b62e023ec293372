/* Provider rows of the syslog family (see preset/presets.c). */
#include "preset/preset.h"

const struct ls_preset *const ls_presets_syslog[] = {
    NULL,
};
