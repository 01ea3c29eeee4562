/* SPDX-License-Identifier: Apache-2.0 */
/* berth rmi: untag or delete images, as podman decides between the two. */
#include <errno.h>
#include <string.h>

#include "engine.h"
#include "storage.h"

static bool looks_like_id(const char *s)
{
        const char *hex = str_has_prefix(s, "sha256:") ? s + 7 : s;
        return strlen(hex) >= 3 && strspn(hex, "0123456789abcdef") == strlen(hex);
}

/* How many containers (of any tool) use image id; *ret_first: one of them. */
static size_t users_of(const struct json *containers, const char *id, const struct json **ret_first)
{
        size_t n = 0;
        for (size_t i = 0; i < containers->arr.len; i++) {
                const char *img = json_object_get_string(containers->arr.items[i], "image");
                if (img && STREQ(img, id) && n++ == 0)
                        *ret_first = containers->arr.items[i];
        }
        return n;
}

static int remove_one(struct store *s, const char *name, const struct rmi_opts *o,
                      struct sbuf *out, struct err *e)
{
        _cleanup_json_ struct json *img = NULL;
        int r = engine_image_find(s, name, &img, e);
        if (r < 0)
                return r;
        const char *id = json_object_get_string(img, "id");
        const struct json *names = json_object_get(img, "names");
        size_t n = names && names->type == JSON_ARRAY ? names->arr.len : 0;

        /* A name of an image that has others: only that name goes. */
        if (!looks_like_id(name) && n > 1) {
                _cleanup_free_ char *stored = engine_image_stored_name(img, name);
                if (stored) {
                        char *one[] = {stored, NULL};
                        if ((r = store_image_remove_names(s, id, one, e)) < 0)
                                return r;
                        sbuf_printf(out, "Untagged: %s\n", stored);
                        return 0;
                }
        }
        if (n > 1 && looks_like_id(name) && !o->force)
                return err_set(e, EBUSY,
                               "unable to delete image '%s': it is referenced in multiple "
                               "repositories (use --force)",
                               name);
        _cleanup_json_ struct json *containers = NULL;
        if ((r = store_containers(s, &containers, e)) < 0)
                return r;
        const struct json *user = NULL;
        size_t users = users_of(containers, id, &user);
        if (users) {
                /* The container named, as podman's "image used by <ID>" does. */
                const struct json *cn = json_object_get(user, "names");
                const char *cid = json_object_get_string(user, "id");
                const char *uname = cn && cn->type == JSON_ARRAY && cn->arr.len &&
                                                    cn->arr.items[0]->type == JSON_STRING
                                            ? cn->arr.items[0]->str.s
                                            : cid;
                if (users == 1)
                        return err_set(e, EBUSY,
                                       "image '%s' is in use by container '%s' (%.12s): remove "
                                       "it first",
                                       name, uname, cid ? cid : "");
                return err_set(e, EBUSY,
                               "image '%s' is in use by %zu containers, '%s' (%.12s) among "
                               "them: remove them first",
                               name, users, uname, cid ? cid : "");
        }
        for (size_t i = 0; i < n; i++)
                sbuf_printf(out, "Untagged: %s\n", names->arr.items[i]->str.s);
        if ((r = store_image_delete(s, id, NULL, e)) < 0)
                return r;
        sbuf_printf(out, "Deleted: %s\n", id);
        return 0;
}

int engine_images_remove(struct store *s, char *const *names, const struct rmi_opts *o,
                         struct sbuf *out, char ***ret_more_errors, struct err *e)
{
        int first = 0;
        _cleanup_strv_ char **all = NULL;
        if (o->all) {
                _cleanup_json_ struct json *images = NULL;
                int r = store_images(s, &images, e);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < images->arr.len; i++)
                        strv_add(&all, json_object_get_string(images->arr.items[i], "id"));
                names = all;
        }
        for (char *const *n = names; n && *n; n++) {
                struct err one = {0};
                int r = remove_one(s, *n, o, out, &one);
                if (r == -ENOENT && o->ignore_missing) {
                        err_done(&one);
                        continue;
                }
                if (r < 0) {
                        if (first == 0) {
                                first = r;
                                err_move(e, &one);
                        } else {
                                /* Every failure is reported, as podman lists them all. */
                                strv_add(ret_more_errors, one.msg ? one.msg : "unknown error");
                                err_done(&one);
                        }
                }
        }
        return first;
}
