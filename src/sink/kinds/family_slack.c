/* The sink kinds of the slack family, for sink/kinds/registry.c. */
#include "sink/kinds/kinds.h"

extern const struct ls_sink_kind ls_kind_slack;

const struct ls_sink_kind *const ls_kinds_slack[] = {
    &ls_kind_slack,
    NULL,
};
