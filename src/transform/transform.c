/* Field operations for provider presets; see transform.h. */
#include "transform/transform.h"
#include "event/event.h"
#include "event/parse.h"
#include "preset/preset.h"

#include <json-c/json.h>
#include <string.h>

/* The object that holds the last segment of `path`, created on the way when create is set;
 *leaf gets the last segment. NULL when a segment is not an object. */
static struct json_object *parent_of(struct json_object *root, const char *path, bool create,
                                     char *leaf, size_t cap)
{
    struct json_object *cur = root;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0 || n >= cap)
            return NULL;
        memcpy(leaf, p, n);
        leaf[n] = '\0';
        if (!dot)
            return cur;
        struct json_object *next;
        if (!json_object_object_get_ex(cur, leaf, &next)) {
            if (!create)
                return NULL;
            next = json_object_new_object();
            if (!next || json_object_object_add(cur, leaf, next) != 0) {
                json_object_put(next);
                return NULL;
            }
        }
        if (!json_object_is_type(next, json_type_object))
            return NULL;
        cur = next;
        p = dot + 1;
    }
}

/* Sets `path` to v (taking the reference; NULL is JSON null). */
static int set_path(struct json_object *root, const char *path, struct json_object *v)
{
    char leaf[256];
    struct json_object *parent = parent_of(root, path, true, leaf, sizeof(leaf));
    if (!parent) {
        json_object_put(v);
        return 0; /* a segment on the way is not an object: VRL would fail the step too */
    }
    return json_object_object_add(parent, leaf, v) == 0 ? 0 : -1;
}

/* Removes `path` and returns its value (a new reference), or NULL with *found false. */
static struct json_object *take_path(struct json_object *root, const char *path, bool *found)
{
    char leaf[256];
    struct json_object *parent = parent_of(root, path, false, leaf, sizeof(leaf));
    struct json_object *v;
    *found = parent && json_object_object_get_ex(parent, leaf, &v);
    if (!*found)
        return NULL;
    json_object_get(v);
    json_object_object_del(parent, leaf);
    return v;
}

static int merge_message(struct ls_parser *p, struct json_object *root)
{
    struct json_object *msg;
    if (!json_object_object_get_ex(root, "message", &msg) ||
        !json_object_is_type(msg, json_type_string))
        return 0;
    const char *text = json_object_get_string(msg);
    if (text[0] != '{')
        return 0;
    /* Same grammar and number handling as the record itself (serde_json's, exact numbers). */
    struct json_object *parsed = ls_parse_object(p, text, (size_t)json_object_get_string_len(msg));
    if (!parsed)
        return 0; /* not a JSON object: VRL's remap errors and the record is kept as it was */
    json_object_object_del(root, "message");
    json_object_object_foreach(parsed, k, v)
    {
        if (json_object_object_add(root, k, json_object_get(v)) != 0) {
            json_object_put(parsed);
            return -1;
        }
    }
    json_object_put(parsed);
    return 0;
}

int ls_transform_apply(const struct ls_transform *ops, struct ls_parser *p,
                       struct json_object *root)
{
    for (const struct ls_transform *t = ops; t && t->op != LS_TF_END; t++) {
        bool found;
        struct json_object *v;
        switch (t->op) {
        case LS_TF_RENAME:
            v = take_path(root, t->from, &found);
            if (found && set_path(root, t->to, v) != 0)
                return -1;
            break;
        case LS_TF_MOVE_OR_NULL:
            v = take_path(root, t->from, &found);
            if (set_path(root, t->to, v) != 0)
                return -1;
            break;
        case LS_TF_COPY_OR_NULL: {
            struct json_object *copy = NULL, *src = ls_json_path(root, t->from);
            if (src && json_object_deep_copy(src, &copy, NULL) != 0)
                return -1;
            if (set_path(root, t->to, copy) != 0)
                return -1;
            break;
        }
        case LS_TF_MERGE_MESSAGE:
            if (merge_message(p, root) != 0)
                return -1;
            break;
        case LS_TF_DELETE:
            v = take_path(root, t->from, &found);
            json_object_put(v);
            break;
        case LS_TF_END:
            break;
        }
    }
    return 0;
}
