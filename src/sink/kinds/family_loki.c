/* The sink kinds of the loki family, for sink/kinds/registry.c. */
#include "sink/kinds/kinds.h"
#include "sink/kinds/loki.h"

const struct ls_sink_kind *const ls_kinds_loki[] = {
    &ls_kind_loki,
    &ls_kind_loki_logfmt,
    NULL,
};
