/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container records (containers.json, STORAGE-FORMAT §5): a read-write
 * layer over the image's top layer, userdata directories in graphroot and
 * runroot, and berth's mark ("berth": true inside the metadata text) that
 * tells berth's containers from podman's and buildah's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "store-private.h"

char *store_container_dir(const struct store *s, const char *id)
{
        return xasprintf("%s/%s-containers/%s/userdata", s->graphroot, s->driver, id);
}

char *store_container_run_dir(const struct store *s, const char *id)
{
        return xasprintf("%s/%s-containers/%s/userdata", s->runroot, s->driver, id);
}

int store_containers_dirfd(const struct store *s, bool run)
{
        _cleanup_free_ char *d =
                xasprintf("%s/%s-containers", run ? s->runroot : s->graphroot, s->driver);
        return open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

bool store_container_is_berth(const struct json *rec)
{
        const char *md = json_object_get_string(rec, "metadata");
        /* Most records are other tools' and most metadata has no escapes:
         * the key cannot be there unless its text is. */
        if (!md || (!strstr(md, "\"berth\"") && !strchr(md, '\\')))
                return false;
        _cleanup_json_ struct json *j = NULL;
        if (json_parse(md, strlen(md), &j, NULL) < 0 || j->type != JSON_OBJECT)
                return false;
        return json_object_get_bool(j, "berth", false);
}

/* Allocates: the metadata text with berth's mark added. */
static int mark_metadata(const char *metadata, char **ret, struct err *e)
{
        _cleanup_json_ struct json *j = NULL;
        if (metadata && *metadata) {
                if (json_parse(metadata, strlen(metadata), &j, e) < 0)
                        return err_wrap(e, "container metadata");
                if (j->type != JSON_OBJECT)
                        return err_set(e, EINVAL, "container metadata is not a JSON object");
        } else {
                j = json_new_object();
        }
        json_object_set_bool(j, "berth", true);
        *ret = json_generate(j, JSON_GEN_ESCAPE_HTML);
        return 0;
}

/* A record flagged {"Volatile": true} (buildah's flag; berth's for a --rm
 * container): its changes need not outlive a crash, and its layer is
 * mounted with overlay's "volatile" (no syncs to the upper directory), as
 * podman does for --rm. */
static bool record_volatile(const struct json *c)
{
        const struct json *f = json_object_get(c, "flags");
        return f && f->type == JSON_OBJECT && json_object_get_bool(f, "Volatile", false);
}

static int container_find(struct store *s, const char *ref, struct json **ret, struct err *e)
{
        ssize_t i = records_lookup(s->containers.arr, ref);
        if (i == -EINVAL)
                return err_set(e, EINVAL, "container '%s': ambiguous ID prefix", ref);
        if (i < 0)
                return err_set(e, ENOENT, "container '%s': container not known", ref);
        *ret = s->containers.arr->arr.items[i];
        return 0;
}

/* The image's ID and top layer (NULL for none), read under the images lock. */
static int image_top_layer(struct store *s, const char *image, char **ret_id, char **ret_top,
                           struct err *e)
{
        int r = store_lock(s, LK_IMAGES, e);
        if (r < 0)
                return r;
        ssize_t i = records_lookup(s->images.arr, image);
        if (i < 0) {
                r = err_set(e, i == -EINVAL ? EINVAL : ENOENT, "image '%s': %s", image,
                            i == -EINVAL ? "ambiguous ID prefix" : "image not known");
        } else {
                const struct json *img = s->images.arr->arr.items[i];
                const char *top = json_object_get_string(img, "layer");
                *ret_id = xstrdup(json_object_get_string(img, "id"));
                *ret_top = top && *top ? xstrdup(top) : NULL;
        }
        (void)store_unlock(s, LK_IMAGES, NULL);
        return r;
}

static int make_userdata(struct store *s, const char *id, struct err *e)
{
        _cleanup_free_ char *g = store_container_dir(s, id);
        _cleanup_free_ char *rr = store_container_run_dir(s, id);
        int r = fs_mkdir_p(g, 0700, e);
        return r < 0 ? r : fs_mkdir_p(rr, 0700, e);
}

static int remove_container_dirs(struct store *s, const char *id, struct err *e)
{
        _cleanup_free_ char *g = xasprintf("%s/%s-containers", s->graphroot, s->driver);
        _cleanup_free_ char *rr = xasprintf("%s/%s-containers/%s", s->runroot, s->driver, id);
        _cleanup_close_ int gfd = open(g, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = gfd < 0 ? (errno == ENOENT ? 0 : err_errno(e, "open '%s'", g))
                        : store_discard(s, gfd, id, false, NULL, e);
        return r < 0 ? r : storage_rm_rf(AT_FDCWD, rr, NULL, e);
}

static int container_create_locked(struct store *s, const struct container_spec *spec,
                                   const char *id, const char *image_id, const char *top,
                                   struct staged_layer *sl, const char *metadata, struct json **ret,
                                   struct err *e)
{
        if (records_find(s->containers.arr, id) >= 0)
                return err_set(e, EEXIST, "a container with ID '%s' already exists", id);
        for (char *const *n = spec->names; n && *n; n++)
                for (size_t i = 0; i < s->containers.arr->arr.len; i++)
                        if (record_strv_has(s->containers.arr->arr.items[i], "names", *n))
                                return err_set(e, EEXIST,
                                               "the container name '%s' is already in use", *n);
        if (image_id) {
                ssize_t i = records_find(s->images.arr, image_id);
                const char *now =
                        i >= 0 ? json_object_get_string(s->images.arr->arr.items[i], "layer")
                               : NULL;
                if (i < 0 || (top && (!now || !STREQ(now, top))))
                        return err_set(e, ENOENT, "image '%s' was removed or changed", image_id);
        }
        _cleanup_free_ char *layer_id = storage_random_id();
        _cleanup_strv_ char **lnames = NULL;
        if (spec->names && spec->names[0])
                strv_push(&lnames, xasprintf("%s-layer", spec->names[0]));
        /* What record_volatile will say of the record. */
        bool relaxed = spec->flags && spec->flags->type == JSON_OBJECT &&
                       json_object_get_bool(spec->flags, "Volatile", false);
        if (relaxed)
                staged_layer_set_relaxed(sl);
        int r = staged_layer_install_locked(s, sl, layer_id, lnames, e);
        if (r > 0)
                r = err_set(e, EEXIST, "layer '%s' already exists", layer_id);
        if (r < 0)
                return r;
        struct json *c = json_new_object();
        json_object_set_string(c, "id", id);
        if (spec->names && *spec->names)
                json_object_set(c, "names", json_new_strv(spec->names));
        /* Both keys always, even empty (T8). */
        json_object_set_string(c, "image", image_id ? image_id : "");
        json_object_set_string(c, "layer", layer_id);
        json_object_set_string(c, "metadata", metadata);
        json_object_set(c, "created", json_new_string_take(storage_time_now()));
        if (spec->flags && spec->flags->type == JSON_OBJECT && spec->flags->obj.len > 0)
                json_object_set(c, "flags", json_copy(spec->flags));
        json_array_append(s->containers.arr, c);
        s->containers.dirty = true;
        if (relaxed)
                s->containers.relaxed = s->layers.relaxed = true;
        *ret = json_copy(c);
        return 0;
}

int store_container_create(struct store *s, const struct container_spec *spec, struct json **ret,
                           struct err *e)
{
        _cleanup_free_ char *id = spec->id ? xstrdup(spec->id) : storage_random_id();
        if (!digest_is_hex64(id))
                return err_set(e, EINVAL, "creating container '%s': ID is not 64 hex characters",
                               id);
        _cleanup_free_ char *metadata = NULL;
        int r = mark_metadata(spec->metadata, &metadata, e);
        if (r < 0)
                return err_wrap(e, "creating container '%s'", id);
        _cleanup_free_ char *image_id = NULL, *top = NULL;
        if (spec->image_id && *spec->image_id &&
            (r = image_top_layer(s, spec->image_id, &image_id, &top, e)) < 0)
                return err_wrap(e, "creating container '%s'", id);

        /* The layer's directory is built unlocked (a vfs copy can be large)
         * and installed with the record in one locked step. */
        _cleanup_(staged_layer_freep) struct staged_layer *sl = staged_layer_new_empty(s, top, e);
        if (!sl)
                return err_wrap(e, "creating container '%s'", id);
        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_IMAGES | LK_CONTAINERS;
        if ((r = store_lock(s, mask, e)) < 0)
                return err_wrap(e, "creating container '%s'", id);
        _cleanup_json_ struct json *rec = NULL;
        r = container_create_locked(s, spec, id, image_id, top, sl, metadata, &rec, e);
        /* Before the saves, which keep the old files' blocks in it. */
        if (r >= 0)
                (void)staged_layer_to_trash_locked(sl);
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        if (r >= 0)
                r = u;
        if (r < 0)
                return err_wrap(e, "creating container '%s'", id);
        /* The userdata directories come after the record is saved: a crash
         * in between leaves a record without them, which a delete handles,
         * never directories that no record names. */
        if ((r = make_userdata(s, id, e)) < 0) {
                /* A delete of the new record (by name, from another
                 * process) can come in between: say so, not which mkdir
                 * it made fail. */
                struct err de = {0};
                bool gone = store_container_delete(s, id, &de) < 0 && de.code == ENOENT;
                err_done(&de);
                /* Nothing but a delete removes a directory mkdir -p has
                 * just made. */
                if (gone || r == -ENOENT) {
                        err_done(e);
                        return err_set(e, ECANCELED,
                                       "creating container '%s': it was removed by another "
                                       "command meanwhile",
                                       id);
                }
                return err_wrap(e, "creating container '%s'", id);
        }
        if (ret)
                *ret = steal_pointer(&rec);
        return 0;
}

int container_delete_locked(struct store *s, const char *ref, struct err *e)
{
        struct json *c;
        int r = container_find(s, ref, &c, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *id = xstrdup(json_object_get_string(c, "id"));
        bool relaxed = record_volatile(c);
        const char *l = json_object_get_string(c, "layer");
        _cleanup_free_ char *layer = l && *l ? xstrdup(l) : NULL;
        /* The record goes last: until then a retry finds what is left. */
        if (layer && records_find(s->layers.arr, layer) >= 0) {
                _cleanup_free_ char *user = NULL;
                ssize_t ci = records_find(s->containers.arr, id);
                /* Take the record out while checking, so it does not count
                 * as a user of its own layer. */
                struct json *saved = s->containers.arr->arr.items[ci];
                s->containers.arr->arr.items[ci] = json_new_object();
                bool used = layer_in_use(s, layer, &user);
                json_free(s->containers.arr->arr.items[ci]);
                s->containers.arr->arr.items[ci] = saved;
                if (!used && (r = relaxed ? layer_delete_relaxed_locked(s, layer, e)
                                          : layer_delete_locked(s, layer, NULL, e)) < 0)
                        return r;
                if (used) {
                        log_debug("keeping layer '%s' of container '%s': used by %s", layer, id,
                                  user);
                        /* The container's own mount of it goes (the layer's
                         * deletion would take every mount). */
                        if (mount_count(s, layer) > 0 &&
                            (r = unmount_layer_locked(s, layer, false, e)) < 0)
                                return r;
                }
        }
        if ((r = remove_container_dirs(s, id, e)) < 0)
                return r;
        records_remove_at(s->containers.arr, (size_t)records_find(s->containers.arr, id));
        s->containers.dirty = true;
        /* What remains only says the container is gone: saved whole, the
         * renames not synced (containers/storage syncs no more). Should a
         * crash bring the records back, the layer's "incomplete" mark,
         * saved durably before its files went, has the next start delete
         * the layer, and rm the container whose layer is gone; a --rm
         * container's layer had no mark and rm removes it all the same. */
        s->containers.relaxed = s->layers.relaxed = true;
        return 0;
}

int store_container_delete(struct store *s, const char *id, struct err *e)
{
        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_IMAGES | LK_CONTAINERS;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return err_wrap(e, "deleting container '%s'", id);
        /* The layer's and the container's directories go aside in one
         * rename each; their files are removed without the locks. */
        s->discarding = true;
        r = container_delete_locked(s, id, e);
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        store_discard_done(s);
        if (r >= 0)
                r = u;
        if (r < 0)
                return err_wrap(e, "deleting container '%s'", id);
        return 0;
}

static int container_mount_op(struct store *s, const char *ref, bool mount, bool force,
                              char **ret_path, struct err *e)
{
        /* storage → layers → mountpoints → containers keeps the order. */
        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_CONTAINERS;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return r;
        struct json *c;
        r = container_find(s, ref, &c, e);
        if (r >= 0) {
                _cleanup_free_ char *layer = xstrdup(json_object_get_string(c, "layer"));
                unsigned flags = record_volatile(c) ? STORE_MOUNT_VOLATILE : 0;
                r = mount ? mount_layer_locked(s, layer, flags, ret_path, e)
                          : unmount_layer_locked(s, layer, force, e);
        }
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        if (r >= 0 && u < 0) {
                if (mount)
                        free(steal_pointer(ret_path));
                r = u;
        }
        return r;
}

int store_container_mount(struct store *s, const char *id, char **ret_path, struct err *e)
{
        _cleanup_free_ char *path = NULL;
        int r = container_mount_op(s, id, true, false, &path, e);
        if (r < 0)
                return err_wrap(e, "mounting container '%s'", id);
        *ret_path = steal_pointer(&path);
        return 0;
}

int store_container_unmount(struct store *s, const char *id, bool force, struct err *e)
{
        int r = container_mount_op(s, id, false, force, NULL, e);
        return r < 0 ? err_wrap(e, "unmounting container '%s'", id) : 0;
}

/* Under the containers lock: names in use by another record are refused. */
static int set_names_locked(struct store *s, const char *ref, char *const *names, struct err *e)
{
        struct json *c;
        int r = container_find(s, ref, &c, e);
        if (r < 0)
                return r;
        const char *id = json_object_get_string(c, "id");
        for (char *const *n = names; n && *n; n++) {
                if (!**n)
                        return err_set(e, EINVAL, "container '%s': empty name", id);
                for (size_t i = 0; i < s->containers.arr->arr.len; i++) {
                        const struct json *o = s->containers.arr->arr.items[i];
                        if (o != c && record_strv_has(o, "names", *n))
                                return err_set(e, EEXIST,
                                               "the container name '%s' is already in use by %s",
                                               *n, json_object_get_string(o, "id"));
                }
        }
        /* The metadata's "name" (podman's and berth's) follows the first name. */
        const char *md = json_object_get_string(c, "metadata");
        _cleanup_json_ struct json *mj = NULL;
        if (names && names[0] && md && json_parse(md, strlen(md), &mj, NULL) == 0 &&
            mj->type == JSON_OBJECT && json_object_get(mj, "name")) {
                json_object_set_string(mj, "name", names[0]);
                json_object_set(c, "metadata",
                                json_new_string_take(json_generate(mj, JSON_GEN_ESCAPE_HTML)));
        }
        json_object_set(c, "names", json_new_strv(names));
        s->containers.dirty = true;
        return 0;
}

int store_container_set_names(struct store *s, const char *id, char *const *names, struct err *e)
{
        int r = store_lock(s, LK_CONTAINERS, e);
        if (r < 0)
                return err_wrap(e, "renaming container '%s'", id);
        r = set_names_locked(s, id, names, e);
        int u = store_unlock(s, LK_CONTAINERS, r < 0 ? NULL : e);
        if (r >= 0)
                r = u;
        return r < 0 ? err_wrap(e, "renaming container '%s'", id) : 0;
}

int store_container_set_idmaps(struct store *s, const char *id, const struct json *uidmap,
                               const struct json *gidmap, struct err *e)
{
        int r = store_lock(s, LK_CONTAINERS, e);
        if (r < 0)
                return err_wrap(e, "recording the id mappings of container '%s'", id);
        struct json *c;
        r = container_find(s, id, &c, e);
        if (r == 0) {
                json_object_set(c, "uidmap", json_copy(uidmap));
                json_object_set(c, "gidmap", json_copy(gidmap));
                s->containers.dirty = true;
        }
        int u = store_unlock(s, LK_CONTAINERS, r < 0 ? NULL : e);
        if (r >= 0)
                r = u;
        return r < 0 ? err_wrap(e, "recording the id mappings of container '%s'", id) : 0;
}
