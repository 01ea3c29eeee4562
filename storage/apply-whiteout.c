/* SPDX-License-Identifier: Apache-2.0 */
/* Applying a layer: whiteouts and opaque directories, as overlay devices
 * and xattrs or, for vfs, as removals from the copied parent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "apply-internal.h"

int apply_whiteout(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        const char *name = c->t->name;
        const char *target = c->base + 4;
        if (!*target || STREQ(target, ".") || STREQ(target, ".."))
                return err_set(e, EINVAL, "tar entry '%s': invalid whiteout", name);
        int r = apply_rm_rf_at(c->pfd, target, 0);
        if (r < 0)
                return err_errnum(e, r, "tar entry '%s': removing '%s'", name, target);
        if (ap->o->mode == APPLY_VFS)
                return 0;
        /* overlay: a 0:0 character device, owned as the marker was */
        if (mknodat(c->pfd, target, S_IFCHR, makedev(0, 0)) < 0)
                return err_errno(e, "tar entry '%s': creating the whiteout device", name);
        if (fchownat(c->pfd, target, c->uid, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "tar entry '%s': chown to %u:%u", name, c->uid, c->gid);
        /* ... and with the marker's times: a diff of the upper writes the
         * device's mtime as the marker's, so the layer round-trips. (The
         * mknod and the removal change the parent's mtime; directory times
         * are all set again at the end, after every entry.) */
        struct timespec ts[2];
        apply_entry_times(ap, c, ts);
        if (utimensat(c->pfd, target, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "tar entry '%s': setting times", name);
        return 0;
}

/* vfs: remove everything under dirfd (path rel) this layer did not make. */
static int opaque_prune(struct applier *ap, int dfd, const char *rel, int depth)
{
        if (depth > RM_MAX_DEPTH)
                return -ELOOP;
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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
        while (r == 0 && (de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *child =
                        STREQ(rel, ".") ? xstrdup(de->d_name) : xasprintf("%s/%s", rel, de->d_name);
                if (!strset_contains(&ap->unpacked, child)) {
                        r = apply_rm_rf_at(dirfd(d), de->d_name, 0);
                        continue;
                }
                _cleanup_close_ int cfd =
                        openat(dirfd(d), de->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd >= 0)
                        r = opaque_prune(ap, cfd, child, depth + 1);
        }
        closedir(d);
        return r;
}

int apply_opaque(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        _cleanup_free_ char *dir = apply_path_dir(c->rel);
        int r;
        if (ap->o->mode == APPLY_VFS)
                r = opaque_prune(ap, c->pfd, dir, 0);
        else
                r = apply_xattr_set(
                        c->pfd, ".", -1,
                        ap->o->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque", "y", 1);
        if (r < 0)
                return err_errnum(e, r, "tar entry '%s': making '%s' opaque", c->t->name, dir);
        return 0;
}

bool apply_aufs_meta(const char *rel)
{
        for (const char *p = rel; p; p = strchr(p, '/')) {
                if (*p == '/')
                        p++;
                if (str_has_prefix(p, ".wh..wh."))
                        return true;
        }
        return false;
}
