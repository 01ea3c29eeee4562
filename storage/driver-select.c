/* SPDX-License-Identifier: Apache-2.0 */
/* Which graph driver a store uses, chosen as containers/storage 1.43 does so
 * that berth and podman never split one graphroot into two driver halves. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "storage.h"

#define FS_MAGIC_AUFS 0x61756673
#define FS_MAGIC_ZFS 0x2fc12fc1
#define FS_MAGIC_OVERLAY 0x794c7630
#define FS_MAGIC_ECRYPTFS 0xf15f

static const struct {
        unsigned long magic;
        const char *name;
} fs_names[] = {
        {0xEF53, "extfs"},       {0x58465342, "xfs"},    {0x9123683E, "btrfs"},
        {0x01021994, "tmpfs"},   {FS_MAGIC_OVERLAY, "overlayfs"}, {FS_MAGIC_ZFS, "zfs"},
        {0x6969, "nfs"},         {FS_MAGIC_AUFS, "aufs"}, {FS_MAGIC_ECRYPTFS, "ecryptfs"},
        {0x65735546, "fuse"},    {0x73717368, "squashfs"}, {0xF2F52010, "f2fs"},
};

bool storage_driver_known(const char *name)
{
        return name && (STREQ(name, "overlay") || STREQ(name, "vfs"));
}

/* statfs the nearest existing ancestor: graphroot may not exist yet. */
static int backing_fs_magic(const char *path, unsigned long *ret)
{
        _cleanup_free_ char *p = xstrdup(path);
        for (;;) {
                struct statfs fs;
                if (statfs(p, &fs) == 0) {
                        *ret = (unsigned long)fs.f_type;
                        return 0;
                }
                if (errno != ENOENT)
                        return -errno;
                char *slash = strrchr(p, '/');
                if (!slash)
                        return -ENOENT;
                if (slash == p) {
                        if (!p[1])
                                return -ENOENT;
                        p[1] = '\0';
                } else {
                        *slash = '\0';
                }
        }
}

static const char *fs_name(unsigned long magic)
{
        for (size_t i = 0; i < ARRAY_SIZE(fs_names); i++)
                if (fs_names[i].magic == magic)
                        return fs_names[i].name;
        return "<unknown>";
}

static bool kernel_has_overlay(void)
{
        _cleanup_free_ char *buf = NULL;
        if (fs_read_file(AT_FDCWD, "/proc/filesystems", 1 << 20, &buf, NULL, NULL) == 0 &&
            strstr(buf, "\toverlay\n"))
                return true;
        /* Not loaded yet: containers/storage would modprobe it; a module on
         * disk is as good a sign as we can get without privileges. */
        return fs_exists("/sys/module/overlay");
}

static bool overlay_usable(const struct storage_conf *sc)
{
        if (sc->mount_program)
                return true;
        if (!kernel_has_overlay())
                return false;
        unsigned long magic;
        if (backing_fs_magic(sc->graphroot, &magic) < 0)
                return true;
        return !(magic == FS_MAGIC_AUFS || magic == FS_MAGIC_ZFS || magic == FS_MAGIC_OVERLAY ||
                 magic == FS_MAGIC_ECRYPTFS);
}

int storage_driver_choose(const struct storage_conf *sc, char **ret_driver, struct err *e)
{
        if (sc->driver && *sc->driver) {
                const char *d = STREQ(sc->driver, "overlay2") ? "overlay" : sc->driver;
                if (!storage_driver_known(d))
                        return err_set(e, EINVAL,
                                       "storage driver '%s' is not supported by berth "
                                       "(supported: overlay, vfs)",
                                       sc->driver);
                *ret_driver = xstrdup(d);
                return 0;
        }
        /* Any driver directory except vfs's makes that driver "prior". */
        static const char *const candidates[] = {"overlay", "overlay2", "aufs",
                                                 "btrfs",   "zfs",      "devicemapper"};
        _cleanup_strv_ char **prior = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(candidates); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", sc->graphroot, candidates[i]);
                struct stat st;
                if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                        strv_add(&prior, candidates[i]);
        }
        size_t n = strv_length(prior);
        if (n > 1) {
                _cleanup_free_ char *list = strv_join(prior, ", ");
                return err_set(e, EINVAL,
                               "'%s' contains several valid graphdrivers: %s; remove the unused "
                               "ones or choose a driver with --storage-driver",
                               sc->graphroot, list);
        }
        if (n == 1) {
                const char *d = STREQ(prior[0], "overlay2") ? "overlay" : prior[0];
                if (!storage_driver_known(d))
                        return err_set(e, ENOTSUP,
                                       "'%s' holds a store of the '%s' driver, which berth does "
                                       "not support",
                                       sc->graphroot, d);
                *ret_driver = xstrdup(d);
                return 0;
        }
        *ret_driver = xstrdup(overlay_usable(sc) ? "overlay" : "vfs");
        return 0;
}

struct json *storage_driver_status(const char *driver, const char *graphroot)
{
        struct json *st = json_new_object();
        unsigned long magic;
        if (STREQ(driver, "overlay") && backing_fs_magic(graphroot, &magic) == 0)
                json_object_set_string(st, "Backing Filesystem", fs_name(magic));
        return st;
}
