/* SPDX-License-Identifier: Apache-2.0 */
/* berth image mount / unmount: an image's top layer mounted read-only and
 * counted in mountpoints.json, so podman sees (and may release) the mount. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "engine.h"
#include "storage.h"

static const struct json *mount_of(const struct json *mounts, const char *layer)
{
        for (size_t i = 0; layer && i < mounts->arr.len; i++) {
                const struct json *m = mounts->arr.items[i];
                const char *id = json_object_get_string(m, "id");
                if (id && STREQ(id, layer) && json_object_get_int(m, "count", 0) > 0)
                        return m;
        }
        return NULL;
}

static int top_layer_of(struct store *s, const char *name, struct json **ret_img,
                        const char **ret_layer, struct err *e)
{
        int r = engine_image_find(s, name, ret_img, e);
        if (r < 0)
                return r;
        const char *top = json_object_get_string(*ret_img, "layer");
        if (!top || !*top)
                return err_set(e, EINVAL, "image '%s' has no layers to mount", name);
        *ret_layer = top;
        return 0;
}

int engine_image_mount(struct store *s, const char *name, char **ret_path, struct err *e)
{
        _cleanup_json_ struct json *img = NULL;
        const char *top;
        int r = top_layer_of(s, name, &img, &top, e);
        if (r < 0)
                return r;
        if ((r = store_layer_mount(s, top, true, ret_path, e)) < 0)
                return err_wrap(e, "mounting image '%s'", name);
        return 0;
}

int engine_image_unmount(struct store *s, const char *name, bool force, char **ret_id,
                         struct err *e)
{
        _cleanup_json_ struct json *img = NULL, *mounts = NULL;
        const char *top;
        int r = top_layer_of(s, name, &img, &top, e);
        if (r < 0 || (r = store_mounts(s, &mounts, e)) < 0)
                return r;
        /* Not mounted: nothing to do and nothing to report, as podman. */
        if (!mount_of(mounts, top)) {
                *ret_id = NULL;
                return 0;
        }
        if ((r = store_layer_unmount(s, top, force, e)) < 0)
                return err_wrap(e, "unmounting image '%s'", name);
        *ret_id = xstrdup(json_object_get_string(img, "id"));
        return 0;
}

int engine_images_mounted(struct store *s, struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *images = NULL, *mounts = NULL;
        int r;
        if ((r = store_images(s, &images, e)) < 0 || (r = store_mounts(s, &mounts, e)) < 0)
                return r;
        struct json *out = json_new_array();
        for (size_t i = 0; i < images->arr.len; i++) {
                const struct json *img = images->arr.items[i];
                const struct json *m = mount_of(mounts, json_object_get_string(img, "layer"));
                if (!m)
                        continue;
                struct json *it = json_new_object();
                json_object_set_string(it, "id", json_object_get_string(img, "id"));
                struct json *digests = json_new_array();
                const char *digest = json_object_get_string(img, "digest");
                if (digest && *digest)
                        json_array_append(digests, json_new_string(digest));
                json_object_set(it, "Names", digests);
                const struct json *names = json_object_get(img, "names");
                json_object_set(it, "Repositories",
                                names && names->type == JSON_ARRAY ? json_copy(names)
                                                                   : json_new_array());
                json_object_set_string(it, "mountpoint", json_object_get_string(m, "path"));
                json_array_append(out, it);
        }
        *ret = out;
        return 0;
}

int engine_images_unmount_all(struct store *s, bool force, char ***ret_ids, struct err *e)
{
        _cleanup_json_ struct json *mounted = NULL;
        int r = engine_images_mounted(s, &mounted, e);
        if (r < 0)
                return r;
        _cleanup_strv_ char **ids = NULL;
        for (size_t i = 0; i < mounted->arr.len; i++) {
                const char *id = json_object_get_string(mounted->arr.items[i], "id");
                _cleanup_free_ char *done = NULL;
                if ((r = engine_image_unmount(s, id, force, &done, e)) < 0)
                        return r;
                if (done)
                        strv_add(&ids, done);
        }
        *ret_ids = steal_pointer(&ids);
        return 0;
}

int engine_images_mount_all(struct store *s, char ***ret_paths, struct err *e)
{
        _cleanup_json_ struct json *imgs = NULL;
        int r = store_images(s, &imgs, e);
        if (r < 0)
                return r;
        _cleanup_strv_ char **paths = NULL;
        for (size_t i = 0; i < imgs->arr.len; i++) {
                const struct json *img = imgs->arr.items[i];
                const char *top = json_object_get_string(img, "layer");
                if (!top || !*top) /* a manifest list: nothing to mount */
                        continue;
                char *path = NULL;
                if ((r = engine_image_mount(s, json_object_get_string(img, "id"), &path, e)) < 0)
                        return r;
                strv_push(&paths, path);
        }
        *ret_paths = steal_pointer(&paths);
        return 0;
}
