/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer mounts counted in <runroot>/<drv>-layers/mountpoints.json
 * (STORAGE-FORMAT §3.4), under mountpoints.lock taken inside layers.lock,
 * so that a mount made by berth is seen (and can be released) by podman and
 * survives the berth process that made it.
 */
#include <errno.h>
#include <string.h>

#include "store-private.h"

static const char *const mount_key_order[] = {"id", "path", "count", NULL};

static struct json *mount_entry(struct store *s, const char *id, ssize_t *ret_idx)
{
        ssize_t i = records_find(s->mounts.arr, id);
        if (ret_idx)
                *ret_idx = i;
        return i >= 0 ? s->mounts.arr->arr.items[i] : NULL;
}

int64_t mount_count(struct store *s, const char *id)
{
        struct json *m = mount_entry(s, id, NULL);
        return m ? json_object_get_int(m, "count", 0) : 0;
}

/* A recorded mount that is no longer in the mount table (a reboot, or a
 * lazy unmount by someone else) is remounted, but like podman we keep
 * adding to its count. vfs has nothing to check. */
static bool still_mounted(struct store *s, const char *path)
{
        if (!STREQ(s->driver, "overlay"))
                return true;
        return storage_is_mountpoint(path);
}

int mount_layer_locked(struct store *s, const char *id, unsigned flags, char **ret_path,
                       struct err *e)
{
        if (records_find(s->layers.arr, id) < 0)
                return err_set(e, ENOENT, "mount layer '%s': layer not known", id);
        ssize_t idx;
        struct json *m = mount_entry(s, id, &idx);
        int64_t count = m ? json_object_get_int(m, "count", 0) : 0;
        const char *path = m ? json_object_get_string(m, "path") : NULL;
        _cleanup_free_ char *mounted = NULL;
        if (count > 0 && path && *path && still_mounted(s, path)) {
                mounted = xstrdup(path);
        } else {
                int r = s->ops->mount(s, id, flags, &mounted, e);
                if (r < 0)
                        return r;
        }
        if (!m) {
                m = json_new_object();
                json_object_set_string(m, "id", id);
                json_array_append(s->mounts.arr, m);
        }
        json_object_set_string(m, "path", mounted);
        json_object_set_int(m, "count", count + 1);
        record_order_keys(m, mount_key_order);
        s->mounts.dirty = true;
        *ret_path = steal_pointer(&mounted);
        return 0;
}

/* With nothing mounted any more, drop the driver's shared state as
 * podman's Shutdown does, and tell long-running podman processes through
 * storage.lock's mtime (TouchedSince) that the driver changed. */
static int mount_cleanup_if_idle(struct store *s, struct err *e)
{
        for (size_t i = 0; i < s->mounts.arr->arr.len; i++)
                if (json_object_get_int(s->mounts.arr->arr.items[i], "count", 0) > 0)
                        return 0;
        if (!STREQ(s->driver, "overlay") || !storage_is_mountpoint(s->home))
                return 0;
        int r = s->ops->cleanup(s, e);
        if (r < 0)
                return r;
        return lockfile_touch(s->storage_lock, e);
}

static int unmount_layer(struct store *s, const char *id, bool force, bool deleting, struct err *e)
{
        ssize_t idx;
        struct json *m = mount_entry(s, id, &idx);
        int64_t count = m ? json_object_get_int(m, "count", 0) : 0;
        if (count > 1 && !force) {
                json_object_set_int(m, "count", count - 1);
                s->mounts.dirty = true;
                return 0;
        }
        int r = s->ops->unmount(s, id, deleting, e);
        if (r < 0)
                return r;
        if (idx >= 0) {
                /* Only counted mounts are listed (an empty list is "[]"). */
                records_remove_at(s->mounts.arr, (size_t)idx);
                s->mounts.dirty = true;
        }
        return mount_cleanup_if_idle(s, e);
}

int unmount_layer_locked(struct store *s, const char *id, bool force, struct err *e)
{
        return unmount_layer(s, id, force, false, e);
}

int mount_release_all(struct store *s, const char *id, struct err *e)
{
        if (mount_count(s, id) <= 0) {
                if (!STREQ(s->driver, "overlay"))
                        return 0;
                _cleanup_free_ char *merged = xasprintf("%s/%s/merged", s->home, id);
                /* A mount killed before it was counted may have left the
                 * home's private bind mount alone: drop it when idle. */
                if (!storage_is_mountpoint(merged))
                        return mount_cleanup_if_idle(s, e);
        }
        return unmount_layer(s, id, true, true, e);
}

/* Resolve a layer reference (ID, name or ID prefix) to its ID. */
static int layer_resolve(struct store *s, const char *ref, const char **ret_id, struct err *e)
{
        ssize_t i = records_lookup(s->layers.arr, ref);
        if (i == -EINVAL)
                return err_set(e, EINVAL, "layer '%s': ambiguous ID prefix", ref);
        if (i < 0)
                return err_set(e, ENOENT, "layer '%s': layer not known", ref);
        *ret_id = json_object_get_string(s->layers.arr->arr.items[i], "id");
        return 0;
}

int store_layer_mount(struct store *s, const char *id, bool ro, char **ret_path, struct err *e)
{
        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return err_wrap(e, "mounting layer '%s'", id);
        const char *lid = NULL;
        _cleanup_free_ char *path = NULL;
        r = layer_resolve(s, id, &lid, e);
        if (r >= 0)
                r = mount_layer_locked(s, lid, ro ? STORE_MOUNT_RO : 0, &path, e);
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        if (r >= 0)
                r = u;
        if (r < 0)
                return err_wrap(e, "mounting layer '%s'", id);
        *ret_path = steal_pointer(&path);
        return 0;
}

int store_layer_unmount(struct store *s, const char *id, bool force, struct err *e)
{
        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return err_wrap(e, "unmounting layer '%s'", id);
        const char *lid = NULL;
        r = layer_resolve(s, id, &lid, e);
        if (r >= 0)
                r = unmount_layer_locked(s, lid, force, e);
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        if (r >= 0)
                r = u;
        if (r < 0)
                return err_wrap(e, "unmounting layer '%s'", id);
        return 0;
}
