/* The sink kinds of the saas family, for sink/kinds/registry.c. */
#include "sink/kinds/kinds.h"

const struct ls_sink_kind *const ls_kinds_saas[] = {
    NULL,
};
