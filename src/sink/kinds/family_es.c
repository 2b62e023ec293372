/* The sink kinds of the es family, for sink/kinds/registry.c. */
#include "sink/kinds/kinds.h"

const struct ls_sink_kind *const ls_kinds_es[] = {
    NULL,
};
