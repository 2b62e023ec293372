/*
 * The sink kinds, as one NULL-terminated table (curl's available_backends[] idea): the
 * request builders provider rows refer to by name. Adding a protocol means adding a line here.
 */
#include "preset/preset.h"
#include "sink/kinds/kinds.h"

#include <string.h>

static const struct ls_sink_kind *const kinds[] = {
    &ls_kind_http,
    NULL,
};

const struct ls_sink_kind *ls_kind_find(const char *name)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}
