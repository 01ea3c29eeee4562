/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth diff: what a container's read-write layer (or an image's top layer)
 * changes, as podman 4.3 lists it: the storage's change list without the
 * paths podman creates in every container for its own mounts.
 */
#include <errno.h>
#include <string.h>

#include "ctr-internal.h"
#include "storage.h"

/* libpod's initInodes: mount points the engine makes, never shown. */
static const char *const hidden_paths[] = {
        "/dev",         "/etc/hostname", "/etc/hosts",  "/etc/resolv.conf",
        "/proc",        "/run",          "/run/notify", "/run/.containerenv",
        "/run/secrets", "/sys",          "/etc/mtab",   NULL,
};

static bool hidden(const char *path)
{
        for (const char *const *p = hidden_paths; *p; p++)
                if (STREQ(*p, path))
                        return true;
        return false;
}

/* Allocates: the layer the user means. */
static int find_layer(struct store *s, const char *name, enum engine_diff_what what,
                      char **ret_layer, struct err *e)
{
        if (what != ENGINE_DIFF_IMAGE) {
                _cleanup_(ctr_freep) struct ctr *c = NULL;
                struct err ce = {0};
                int r = ctr_lookup(s, name, &c, &ce);
                if (r == 0) {
                        const char *layer = json_object_get_string(c->rec, "layer");
                        if (!layer || !*layer)
                                return err_set(e, ENOENT, "container %.12s has no layer", c->id);
                        *ret_layer = xstrdup(layer);
                        return 0;
                }
                if (ce.code != ENOENT || what == ENGINE_DIFF_CONTAINER)
                        return err_move(e, &ce);
                err_done(&ce);
        }
        _cleanup_json_ struct json *img = NULL;
        struct err ie = {0};
        if (engine_image_find(s, name, &img, &ie) < 0) {
                if (ie.code != ENOENT)
                        return err_move(e, &ie);
                err_done(&ie);
                /* podman's words when neither a container nor an image has it */
                return err_set(e, ENOENT, "%s not found: layer not known", name);
        }
        const char *layer = json_object_get_string(img, "layer");
        if (!layer || !*layer)
                return err_set(e, EINVAL, "image %.12s has no layers",
                               json_object_get_string(img, "id"));
        *ret_layer = xstrdup(layer);
        return 0;
}

int engine_diff(struct store *s, const char *name, enum engine_diff_what what, struct json **ret,
                struct err *e)
{
        _cleanup_free_ char *layer = NULL;
        int r = find_layer(s, name, what, &layer, e);
        if (r < 0)
                return r;
        _cleanup_json_ struct json *all = NULL;
        if ((r = store_layer_changes(s, layer, &all, e)) < 0)
                return r;
        struct json *out = json_new_array();
        for (size_t i = 0; i < all->arr.len; i++) {
                const char *p = json_object_get_string(all->arr.items[i], "Path");
                if (p && !hidden(p))
                        json_array_append(out, json_copy(all->arr.items[i]));
        }
        *ret = out;
        return 0;
}

/* One key of podman's JSON: omitted when empty (omitempty), 5-space indent
 * as podman's encoder writes it. */
static void json_key(const struct json *changes, int kind, const char *key, bool *first,
                     struct sbuf *out)
{
        bool any = false;
        for (size_t i = 0; i < changes->arr.len; i++) {
                const struct json *c = changes->arr.items[i];
                if (json_object_get_int(c, "Kind", -1) != kind)
                        continue;
                if (!any) {
                        sbuf_printf(out, "%s\n     \"%s\": [\n", *first ? "" : ",", key);
                        *first = false;
                } else {
                        sbuf_append(out, ",\n");
                }
                any = true;
                _cleanup_json_ struct json *str =
                        json_new_string(json_object_get_string(c, "Path"));
                _cleanup_free_ char *q = json_generate(str, JSON_GEN_ESCAPE_HTML);
                sbuf_printf(out, "          %s", q);
        }
        if (any)
                sbuf_append(out, "\n     ]");
}

void engine_diff_print(const struct json *changes, bool json, struct sbuf *out)
{
        static const char kinds[] = {'C', 'A', 'D'};
        if (!json) {
                for (size_t i = 0; i < changes->arr.len; i++) {
                        const struct json *c = changes->arr.items[i];
                        int64_t k = json_object_get_int(c, "Kind", -1);
                        if (k >= 0 && k <= 2)
                                sbuf_printf(out, "%c %s\n", kinds[k],
                                            json_object_get_string(c, "Path"));
                }
                return;
        }
        bool first = true;
        sbuf_putc(out, '{');
        json_key(changes, 0, "changed", &first, out);
        json_key(changes, 1, "added", &first, out);
        json_key(changes, 2, "deleted", &first, out);
        sbuf_append(out, first ? "}\n" : "\n}\n");
}
