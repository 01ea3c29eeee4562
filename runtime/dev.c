/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's /dev: the default devices (null, zero, full, random,
 * urandom, tty), linux.devices and the usual links. As runc does, this
 * happens unless /dev is a bind mount (the host's own /dev must not be
 * written to): usually /dev is the spec's tmpfs.
 *
 * Real root makes device nodes with mknod; in a user namespace mknod is not
 * allowed, so the host's node is bind-mounted onto an empty file instead.
 * Every path is resolved inside the rootfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "rt-internal.h"

static const struct rt_device default_devices[] = {
        {.path = (char *)"/dev/null", .type = 'c', .major = 1, .minor = 3},
        {.path = (char *)"/dev/zero", .type = 'c', .major = 1, .minor = 5},
        {.path = (char *)"/dev/full", .type = 'c', .major = 1, .minor = 7},
        {.path = (char *)"/dev/random", .type = 'c', .major = 1, .minor = 8},
        {.path = (char *)"/dev/urandom", .type = 'c', .major = 1, .minor = 9},
        {.path = (char *)"/dev/tty", .type = 'c', .major = 5, .minor = 0},
};

static const struct {
        const char *name, *target;
} dev_links[] = {
        {"fd", "/proc/self/fd"},
        {"stdin", "/proc/self/fd/0"},
        {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"},
};

/* True when the spec binds something at /dev: then it is left alone. */
static bool dev_is_bind_mounted(const struct rt_spec *s)
{
        for (size_t i = 0; i < s->n_mounts; i++)
                if (STREQ(s->mounts[i].destination, "/dev") && (s->mounts[i].flags & MS_BIND))
                        return true;
        return false;
}

static bool spec_has_device(const struct rt_spec *s, const char *path)
{
        for (size_t i = 0; i < s->n_devices; i++)
                if (s->devices[i].path && STREQ(s->devices[i].path, path))
                        return true;
        return false;
}

static mode_t device_type_mode(char type)
{
        switch (type) {
        case 'c':
        case 'u':
                return S_IFCHR;
        case 'b':
                return S_IFBLK;
        case 'p':
                return S_IFIFO;
        default:
                return 0;
        }
}

/* Bind the host's node at path onto an empty file at the same place inside. */
static int bind_device(int rootfd, const char *path, struct err *e)
{
        _cleanup_close_ int dstfd = -1;
        int r = rt_mkpath_in_root(rootfd, path, true, &dstfd, e);
        if (r < 0)
                return r;
        _cleanup_close_ int tfd = open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tfd < 0)
                return err_errno(e, "cloning the host's '%s'", path);
        if (move_mount(tfd, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return err_errno(e, "bind-mounting the host's '%s'", path);
        return 0;
}

static int make_device(const struct rt_rootfs_opts *o, int rootfd, const struct rt_device *d,
                       struct err *e)
{
        _cleanup_free_ char *path = rt_path_clean(d->path, strlen(d->path));
        if (!path || STREQ(path, "/"))
                return err_set(e, EINVAL, "invalid device path '%s'", d->path);
        mode_t type = device_type_mode(d->type);
        if (!type)
                return err_set(e, EINVAL, "device '%s': unknown type '%c'", path, d->type);
        if (d->major < 0 || d->minor < 0 || d->major > UINT32_MAX || d->minor > UINT32_MAX)
                return err_set(e, EINVAL, "device '%s': invalid number %lld:%lld", path,
                               (long long)d->major, (long long)d->minor);
        mode_t mode = d->has_mode ? (mode_t)(d->mode & 07777) : 0666;

        /* A fifo needs no privilege; a device node needs real root. */
        if (o->in_userns && type != S_IFIFO)
                return bind_device(rootfd, path, e);

        char *slash = strrchr(path, '/');
        const char *name = slash + 1;
        _cleanup_free_ char *parent =
                slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
        _cleanup_close_ int pfd = -1;
        int r = rt_mkpath_in_root(rootfd, parent, false, &pfd, e);
        if (r < 0)
                return r;
        dev_t dev = makedev((unsigned)d->major, (unsigned)d->minor);
        if (mknodat(pfd, name, type | mode, type == S_IFIFO ? 0 : dev) < 0) {
                if (errno == EEXIST)
                        return 0; /* as runc: what is there stays */
                /* Without CAP_MKNOD (a restricted root) the host's node will do. */
                if (errno == EPERM && type != S_IFIFO)
                        return bind_device(rootfd, path, e);
                return err_errno(e, "mknod '%s'", path);
        }
        /* mknod honoured the umask; the spec's mode is meant as given. */
        if (fchmodat(pfd, name, mode, 0) < 0)
                return err_errno(e, "chmod '%s'", path);
        uid_t uid = d->has_uid ? d->uid : 0;
        gid_t gid = d->has_gid ? d->gid : 0;
        if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "chown '%s' to %u:%u", path, (unsigned)uid, (unsigned)gid);
        return 0;
}

static int make_links(int devfd, struct err *e)
{
        for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++) {
                if (symlinkat(dev_links[i].target, devfd, dev_links[i].name) < 0 && errno != EEXIST)
                        return err_errno(e, "symlink '/dev/%s'", dev_links[i].name);
        }
        /* As runc does, /dev/core when the host has a /proc/kcore. */
        if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 &&
            errno != EEXIST)
                return err_errno(e, "symlink '/dev/core'");
        /* /dev/ptmx must be the one of the container's devpts instance. */
        if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
                return err_errno(e, "removing '/dev/ptmx'");
        if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
                return err_errno(e, "symlink '/dev/ptmx'");
        return 0;
}

int rt_dev_setup(const struct rt_rootfs_opts *o, int rootfd, struct err *e)
{
        const struct rt_spec *s = o->spec;
        if (dev_is_bind_mounted(s))
                return 0;
        int r;
        for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
                if (spec_has_device(s, default_devices[i].path))
                        continue;
                r = make_device(o, rootfd, &default_devices[i], e);
                if (r < 0)
                        return err_wrap(e, "creating default devices");
        }
        for (size_t i = 0; i < s->n_devices; i++) {
                r = make_device(o, rootfd, &s->devices[i], e);
                if (r < 0)
                        return err_wrap(e, "linux.devices[%zu]", i);
        }
        _cleanup_close_ int devfd = -1;
        r = rt_mkpath_in_root(rootfd, "/dev", false, &devfd, e);
        if (r < 0)
                return r;
        return make_links(devfd, e);
}
