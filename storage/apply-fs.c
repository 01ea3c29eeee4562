/* SPDX-License-Identifier: Apache-2.0 */
/* Applying a layer: filesystem helpers confined to the layer root (every
 * object reached with *at() calls from an fd of its parent). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "apply-internal.h"

/* Remove dirfd/name and everything below it, never following a link. */
int apply_rm_rf_at(int dfd, const char *name, int depth)
{
        if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        if (depth > RM_MAX_DEPTH)
                return -ELOOP;
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return r;
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        r = apply_rm_rf_at(dirfd(d), de->d_name, depth + 1);
        closedir(d);
        if (r == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                r = -errno;
        return r;
}

const char *apply_path_base(const char *rel)
{
        const char *s = strrchr(rel, '/');
        return s ? s + 1 : rel;
}

/* Allocates: the directory part of a cleaned relative path ("." if none). */
char *apply_path_dir(const char *rel)
{
        const char *s = strrchr(rel, '/');
        return s ? xstrndup(rel, (size_t)(s - rel)) : xstrdup(".");
}

/* An O_PATH fd of directory rel (cleaned, relative, "." for the root),
 * creating missing components as 0755 directories owned by the mapped
 * root, as containers/storage does for parents the tar does not list. */
static int open_dir(struct applier *ap, const char *rel)
{
        int fd;
        if (STREQ(rel, ".")) {
                fd = openat(ap->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        fd = fs_open_in_root(ap->rootfd, rel, O_PATH | O_DIRECTORY, 0, NULL);
        if (fd != -ENOENT)
                return fd;
        _cleanup_free_ char *parent = apply_path_dir(rel);
        _cleanup_close_ int pfd = open_dir(ap, parent);
        if (pfd < 0)
                return pfd;
        const char *base = apply_path_base(rel);
        if (mkdirat(pfd, base, 0755) == 0) {
                if (fchownat(pfd, base, ap->root_uid, ap->root_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                /* It took the setgid bit of its parent if that had one: when
                 * the root's mode comes later, remember which ones would
                 * have (made under the root, or under one of these, before
                 * an entry of the tar set their mode). */
                if (ap->o->root_mode_pending &&
                    (STREQ(parent, ".") ? !ap->root_set
                                        : strset_contains(&ap->implicit, parent) &&
                                                  !strset_contains(&ap->unpacked, parent)))
                        strset_add(&ap->implicit, rel);
        } else if (errno != EEXIST) {
                return -errno;
        }
        /* EEXIST here is a dangling symlink: an error, as for podman. */
        fd = openat(pfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int apply_open_parent(struct applier *ap, const char *rel, const char *entry, struct err *e)
{
        _cleanup_free_ char *dir = apply_path_dir(rel);
        int fd = open_dir(ap, dir);
        if (fd < 0)
                return err_errnum(e, fd, "tar entry '%s': opening its directory '%s'", entry, dir);
        return fd;
}

/* setxattr on an object without opening it for I/O (devices, fifos,
 * symlinks, unreadable dirs): through its O_PATH fd in /proc. */
int apply_xattr_set(int pfd, const char *base, int fd, const char *name, const void *val,
                    size_t len)
{
        if (fd >= 0)
                return fsetxattr(fd, name, val, len, 0) < 0 ? -errno : 0;
        _cleanup_close_ int o = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (o < 0)
                return -errno;
        char p[64];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", o);
        return setxattr(p, name, val, len, 0) < 0 ? -errno : 0;
}
