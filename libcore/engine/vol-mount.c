/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Volumes with type=/device=/o= options are mounts made at container start
 * on the volume's _data (mount(8) semantics, as podman's local driver), with
 * a count in the record: the first user mounts, the last one unmounts.
 * Rootless, the mount lives in the user and mount namespace berth shares
 * with podman, where it is visible to every later berth process.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "engine.h"
#include "vol-internal.h"

bool vol_is_mount_root(const char *path)
{
        struct statx stx;
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
                return false;
        return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

static int do_mount(struct engine_volume *v, const struct vol_options *vo, struct err *e)
{
        unsigned long flags = vo->mount_flags;
        const char *type = vo->type;
        if (flags & MS_BIND) {
                /* A bind mount takes no data; its flags need a remount. */
                if (mount(vo->device, v->data, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
                        return err_errno(e, "mount volume %s: bind '%s' on '%s'", v->name,
                                         vo->device, v->data);
                unsigned long extra = flags & ~(MS_BIND | MS_REC);
                if (extra && mount(NULL, v->data, NULL, MS_REMOUNT | MS_BIND | extra, NULL) < 0) {
                        int saved = errno;
                        (void)umount2(v->data, MNT_DETACH);
                        return err_errnum(e, saved, "mount volume %s: remount '%s'", v->name,
                                          v->data);
                }
                return 0;
        }
        if (mount(vo->device, v->data, type, flags, vo->mount_data) < 0)
                return err_errno(e, "mount volume %s: mount -t %s -o '%s' '%s' '%s'", v->name, type,
                                 vo->mount_data ? vo->mount_data : "", vo->device, v->data);
        /* uid=/gid= own the mounted root too (tmpfs takes them as data already). */
        if ((vo->has_uid || vo->has_gid) && !(type && STREQ(type, "tmpfs")) &&
            lchown(v->data, vo->has_uid ? vo->uid : (uid_t)-1, vo->has_gid ? vo->gid : (gid_t)-1) <
                    0)
                log_debug("volume %s: chown after mount: %s", v->name, strerror(errno));
        return 0;
}

int engine_volume_mount(struct engine_volume *v, struct err *e)
{
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        _cleanup_json_ struct json *rec = NULL;
        int r = vol_begin_locked(v, &l, &rec, e);
        if (r < 0)
                return err_wrap(e, "mounting volume %s", v->name);
        _cleanup_(vol_options_done) struct vol_options vo = {0};
        r = vol_options_from_record(json_object_get(rec, "Options"), &vo, e);
        if (r < 0)
                return err_wrap(e, "volume %s", v->name);
        if (!vo.needs_mount) {
                vol_flags_from_record(v, rec);
                return 0;
        }
        int64_t count = json_object_get_int(rec, "MountCount", 0);
        /* A count left from before a reboot (or a crash) with no mount. */
        if (count > 0 && !vol_is_mount_root(v->data))
                count = 0;
        if (count == 0) {
                r = do_mount(v, &vo, e);
                if (r < 0)
                        return r;
        }
        json_object_set_int(rec, "MountCount", count + 1);
        r = vol_commit(v, rec, e);
        if (r < 0 && count == 0)
                (void)umount2(v->data, MNT_DETACH);
        return r;
}

int engine_volume_unmount(struct engine_volume *v, struct err *e)
{
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        _cleanup_json_ struct json *rec = NULL;
        int r = vol_begin_locked(v, &l, &rec, e);
        if (r < 0)
                return err_wrap(e, "unmounting volume %s", v->name);
        int64_t count = json_object_get_int(rec, "MountCount", 0);
        if (count <= 0)
                return 0;
        if (count == 1 && vol_is_mount_root(v->data) && umount2(v->data, MNT_DETACH) < 0 &&
            errno != EINVAL && errno != ENOENT)
                return err_errno(e, "unmount volume %s at '%s'", v->name, v->data);
        json_object_set_int(rec, "MountCount", count - 1);
        return vol_commit(v, rec, e);
}
