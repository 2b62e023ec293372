/* The sink kinds of the es family, for sink/kinds/registry.c. */
#include "sink/kinds/kinds.h"
#include "sink/kinds/es_bulk.h"

const struct ls_sink_kind *const ls_kinds_es[] = {
    &ls_kind_es_bulk,
    &ls_kind_sematext,
    NULL,
};
