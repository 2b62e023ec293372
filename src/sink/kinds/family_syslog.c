/* The sink kinds of the syslog family, for sink/kinds/registry.c. */
#include "sink/kinds/kinds.h"

extern const struct ls_sink_kind ls_kind_papertrail;

const struct ls_sink_kind *const ls_kinds_syslog[] = {
    &ls_kind_papertrail,
    NULL,
};
