/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vfs driver (STORAGE-FORMAT §8): every layer is a full tree at
 * <graphroot>/vfs/dir/<id>, a child starting as a copy of its parent. The
 * tree walkers both drivers use (copy, remove, size) live here too: they
 * are fd-based, never follow symlinks and never cross into another mount.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "store-private.h"

DEFINE_CLEANUP_FUNC(DIR *, closedir)

/* A directory entry that is the root of another mount: removing or
 * copying through it would reach data that is not ours (a merged overlay
 * shows its lower layers). */
static bool crosses_mount(int pfd, const char *name, const struct stat *parent,
                          const struct stat *st)
{
        if (st->st_dev != parent->st_dev)
                return true;
        struct statx stx;
        if (statx(pfd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) == 0 &&
            (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
            (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                return true;
        return false;
}

/* ---------------------------------------------------------------- remove */

static int rm_rf_at(int pfd, const char *name, const struct stat *parent, const char *path,
                    uint64_t *freed, struct err *e)
{
        struct stat st;
        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : err_errno(e, "stat '%s'", path);
        if (!S_ISDIR(st.st_mode)) {
                if (unlinkat(pfd, name, 0) < 0)
                        return errno == ENOENT ? 0 : err_errno(e, "remove '%s'", path);
                if (freed && st.st_nlink <= 1)
                        *freed += (uint64_t)st.st_blocks * 512;
                return 0;
        }
        if (parent && crosses_mount(pfd, name, parent, &st))
                return err_set(e, EBUSY, "remove '%s': it is a mount point", path);

        int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : err_errno(e, "open '%s'", path);
        _cleanup_(closedirp) DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return err_errno(e, "open '%s'", path);
        }
        /* Layer trees hold 0555 directories (diff/ itself); without
         * CAP_DAC_OVERRIDE their entries cannot be unlinked until the owner
         * makes them writable. */
        if ((st.st_mode & 0700) != 0700)
                (void)fchmod(fd, (st.st_mode & 07777) | 0700);
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", path, de->d_name);
                int r = rm_rf_at(dirfd(d), de->d_name, &st, sub, freed, e);
                if (r < 0)
                        return r;
        }
        if (errno)
                return err_errno(e, "read directory '%s'", path);
        if (unlinkat(pfd, name, AT_REMOVEDIR) < 0)
                return errno == ENOENT ? 0 : err_errno(e, "remove '%s'", path);
        if (freed)
                *freed += (uint64_t)st.st_blocks * 512;
        return 0;
}

int storage_rm_rf(int pfd, const char *name, uint64_t *freed, struct err *e)
{
        /* Work from the entry's own directory so the top can be checked
         * for being a mount point like everything below it. */
        const char *slash = strrchr(name, '/');
        if (slash && slash[1]) {
                _cleanup_free_ char *dir =
                        slash == name ? xstrdup("/") : xstrndup(name, (size_t)(slash - name));
                _cleanup_close_ int fd = openat(pfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return errno == ENOENT ? 0 : err_errno(e, "open '%s'", dir);
                struct stat up;
                if (fstat(fd, &up) < 0)
                        return err_errno(e, "stat '%s'", dir);
                return rm_rf_at(fd, slash + 1, &up, name, freed, e);
        }
        struct stat up;
        if (fstatat(pfd, ".", &up, 0) < 0)
                return err_errno(e, "stat directory of '%s'", name);
        return rm_rf_at(pfd, name, &up, name, freed, e);
}

/* ---------------------------------------------------------------- size */

static uint64_t tree_size_at(int pfd, const char *name, const struct stat *parent)
{
        struct stat st;
        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        uint64_t n = (uint64_t)st.st_blocks * 512;
        if (!S_ISDIR(st.st_mode))
                return st.st_nlink > 1 ? n / st.st_nlink : n;
        if (parent && crosses_mount(pfd, name, parent, &st))
                return 0;
        int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return n;
        _cleanup_(closedirp) DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return n;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        n += tree_size_at(dirfd(d), de->d_name, &st);
        return n;
}

uint64_t storage_tree_size(int pfd, const char *name)
{
        return tree_size_at(pfd, name, NULL);
}

/* ---------------------------------------------------------------- copy */

struct link_entry {
        dev_t dev;
        ino_t ino;
        char *rel; /* path of the first copy, relative to the destination root */
};

struct copy_ctx {
        int dst_root;
        struct link_entry *links; /* open addressing, size a power of two */
        size_t cap, len;
};

static size_t link_hash(dev_t dev, ino_t ino, size_t cap)
{
        uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)dev;
        return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static struct link_entry *link_slot(struct copy_ctx *c, dev_t dev, ino_t ino)
{
        if (c->len * 2 >= c->cap) {
                size_t ncap = c->cap ? c->cap * 2 : 64;
                struct link_entry *n = xcalloc(ncap, sizeof(*n));
                for (size_t i = 0; i < c->cap; i++) {
                        if (!c->links[i].rel)
                                continue;
                        size_t h = link_hash(c->links[i].dev, c->links[i].ino, ncap);
                        while (n[h].rel)
                                h = (h + 1) & (ncap - 1);
                        n[h] = c->links[i];
                }
                free(c->links);
                c->links = n;
                c->cap = ncap;
        }
        size_t h = link_hash(dev, ino, c->cap);
        while (c->links[h].rel && !(c->links[h].dev == dev && c->links[h].ino == ino))
                h = (h + 1) & (c->cap - 1);
        return &c->links[h];
}

static int copy_data(int src, int dst, const char *path, struct err *e)
{
        /* A reflink shares the blocks: a vfs child costs no space until
         * it diverges (btrfs, xfs). Elsewhere copy in the kernel. */
        if (ioctl(dst, FICLONE, src) == 0)
                return 0;
        for (;;) {
                ssize_t n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
                        return err_errno(e, "copy '%s'", path);
                break;
        }
        char buf[65536];
        for (;;) {
                ssize_t n = read(src, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_errno(e, "read '%s'", path);
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(dst, buf + off, (size_t)(n - off));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return err_errno(e, "write '%s'", path);
                        off += w;
                }
        }
}

/* Copy every xattr from one inode to another. Names are given as
 * /proc/self/fd/<dirfd>/<name> (the magic link names the directory we
 * hold; the l*xattr calls do not follow the last name), or, for the root of
 * a copy, as fds (sfd/dfd >= 0). */
static ssize_t xa_list(const char *p, int fd, char *buf, size_t n)
{
        return fd >= 0 ? flistxattr(fd, buf, n) : llistxattr(p, buf, n);
}

static ssize_t xa_get(const char *p, int fd, const char *k, void *buf, size_t n)
{
        return fd >= 0 ? fgetxattr(fd, k, buf, n) : lgetxattr(p, k, buf, n);
}

static int copy_xattrs(const char *sp, int sfd, const char *dp, int dfd, const char *path,
                       struct err *e)
{
        ssize_t n = xa_list(sp, sfd, NULL, 0);
        if (n <= 0)
                return 0;
        _cleanup_free_ char *list = xmalloc((size_t)n);
        n = xa_list(sp, sfd, list, (size_t)n);
        if (n < 0)
                return errno == ERANGE ? err_set(e, EAGAIN, "xattrs of '%s' changed", path) : 0;
        for (char *k = list; k < list + n; k += strlen(k) + 1) {
                ssize_t vn = xa_get(sp, sfd, k, NULL, 0);
                if (vn < 0)
                        continue;
                _cleanup_free_ char *v = xmalloc((size_t)vn + 1);
                vn = xa_get(sp, sfd, k, v, (size_t)vn);
                if (vn < 0)
                        continue;
                int r = dfd >= 0 ? fsetxattr(dfd, k, v, (size_t)vn, 0)
                                 : lsetxattr(dp, k, v, (size_t)vn, 0);
                if (r < 0) {
                        /* trusted.* needs real root, security.* may be
                         * policed: the copy is still usable without them. */
                        if (errno == EPERM || errno == ENOTSUP || errno == EACCES) {
                                log_debug("copy: dropping xattr %s of '%s': %s", k, path,
                                          strerror(errno));
                                continue;
                        }
                        return err_errno(e, "set xattr %s on '%s'", k, path);
                }
        }
        return 0;
}

static int copy_meta(int sfd, int dfd, const char *name, const struct stat *st, const char *path,
                     struct err *e)
{
        if (fchownat(dfd, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "chown '%s'", path);
        /* After chown, which clears set-id bits; symlinks have no mode. */
        if (!S_ISLNK(st->st_mode) && fchmodat(dfd, name, st->st_mode & 07777, 0) < 0)
                return err_errno(e, "chmod '%s'", path);
        /* After chown, which drops security.capability. */
        char sp[64 + NAME_MAX], dp[64 + NAME_MAX];
        snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", sfd, name);
        snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", dfd, name);
        int r = copy_xattrs(sp, -1, dp, -1, path, e);
        if (r < 0)
                return r;
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "set times of '%s'", path);
        return 0;
}

static int copy_entry(struct copy_ctx *c, int sfd, int dfd, const char *name, const char *rel,
                      const struct stat *parent, struct err *e);

static int copy_dir_contents(struct copy_ctx *c, int sfd, int dfd, const char *rel,
                             const struct stat *st, struct err *e)
{
        int fd = fcntl(sfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return err_errno(e, "dup");
        _cleanup_(closedirp) DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return err_errno(e, "open '%s'", rel);
        }
        rewinddir(d);
        struct dirent *de;
        while ((errno = 0, de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", rel, de->d_name);
                int r = copy_entry(c, sfd, dfd, de->d_name, sub, st, e);
                if (r < 0)
                        return r;
        }
        if (errno)
                return err_errno(e, "read directory '%s'", rel);
        return 0;
}

static int copy_entry(struct copy_ctx *c, int sfd, int dfd, const char *name, const char *rel,
                      const struct stat *parent, struct err *e)
{
        struct stat st;
        if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "stat '%s'", rel);

        if (S_ISDIR(st.st_mode)) {
                if (crosses_mount(sfd, name, parent, &st))
                        return err_set(e, EBUSY, "copy '%s': it is a mount point", rel);
                if (mkdirat(dfd, name, 0700) < 0)
                        return err_errno(e, "create directory '%s'", rel);
                _cleanup_close_ int s2 =
                        openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int d2 =
                        openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s2 < 0 || d2 < 0)
                        return err_errno(e, "open '%s'", rel);
                int r = copy_dir_contents(c, s2, d2, rel, &st, e);
                if (r < 0)
                        return r;
                /* Times last: creating the children moved them. */
                return copy_meta(sfd, dfd, name, &st, rel, e);
        }

        if (st.st_nlink > 1) {
                struct link_entry *le = link_slot(c, st.st_dev, st.st_ino);
                if (le->rel) {
                        if (linkat(c->dst_root, le->rel, dfd, name, 0) < 0)
                                return err_errno(e, "link '%s' to '%s'", rel, le->rel);
                        return 0;
                }
                le->dev = st.st_dev;
                le->ino = st.st_ino;
                /* rel starts with "./" for the root; linkat wants it relative. */
                le->rel = xstrdup(rel[0] == '.' && rel[1] == '/' ? rel + 2 : rel);
                c->len++;
        }

        if (S_ISREG(st.st_mode)) {
                _cleanup_close_ int in = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (in < 0)
                        return err_errno(e, "open '%s'", rel);
                _cleanup_close_ int out = openat(
                        dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        return err_errno(e, "create '%s'", rel);
                int r = copy_data(in, out, rel, e);
                if (r < 0)
                        return r;
        } else if (S_ISLNK(st.st_mode)) {
                size_t cap = (size_t)st.st_size + 1;
                _cleanup_free_ char *target = xmalloc(cap + 1);
                ssize_t n = readlinkat(sfd, name, target, cap);
                if (n < 0 || (size_t)n >= cap)
                        return err_errno(e, "read link '%s'", rel);
                target[n] = '\0';
                if (symlinkat(target, dfd, name) < 0)
                        return err_errno(e, "create symlink '%s'", rel);
        } else if (S_ISFIFO(st.st_mode)) {
                if (mkfifoat(dfd, name, 0600) < 0)
                        return err_errno(e, "create fifo '%s'", rel);
        } else {
                if (mknodat(dfd, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) {
                        /* Rootless: device nodes cannot exist in our layers. */
                        if (errno == EPERM) {
                                log_debug("copy: skipping device node '%s'", rel);
                                return 0;
                        }
                        return err_errno(e, "create device node '%s'", rel);
                }
        }
        return copy_meta(sfd, dfd, name, &st, rel, e);
}

int storage_copy_tree(int srcfd, int dstfd, const char *name, struct err *e)
{
        struct stat st;
        if (fstat(srcfd, &st) < 0)
                return err_errno(e, "stat copy source");
        if (mkdirat(dstfd, name, 0700) < 0)
                return err_errno(e, "create directory '%s'", name);
        _cleanup_close_ int d =
                openat(dstfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0)
                return err_errno(e, "open '%s'", name);
        struct copy_ctx c = {.dst_root = d};
        int r = copy_dir_contents(&c, srcfd, d, ".", &st, e);
        for (size_t i = 0; i < c.cap; i++)
                free(c.links[i].rel);
        free(c.links);
        if (r < 0)
                return r;
        /* The root's own metadata, in the order copy_meta uses. */
        if (fchown(d, st.st_uid, st.st_gid) < 0 || fchmod(d, st.st_mode & 07777) < 0)
                return err_errno(e, "set owner and mode of '%s'", name);
        r = copy_xattrs(NULL, srcfd, NULL, d, name, e);
        if (r < 0)
                return r;
        struct timespec ts[2] = {st.st_atim, st.st_mtim};
        if (futimens(d, ts) < 0)
                return err_errno(e, "set times of '%s'", name);
        return 0;
}

/* ---------------------------------------------------------------- driver */

static char *vfs_files_dir(const struct store *s, const char *id)
{
        return xasprintf("%s/dir/%s", s->home, id);
}

static int vfs_prepare(struct store *s, const char *parent_id, int dirfd, const char *name,
                       struct err *e)
{
        if (!parent_id) {
                /* containers/storage's default root mode for a vfs layer. */
                if (mkdirat(dirfd, name, 0755) < 0 || fchmodat(dirfd, name, 0755, 0) < 0)
                        return err_errno(e, "create layer directory '%s'", name);
                return 0;
        }
        _cleanup_free_ char *src = vfs_files_dir(s, parent_id);
        _cleanup_close_ int sfd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd < 0)
                return err_errno(e, "open parent layer '%s'", src);
        int r = storage_copy_tree(sfd, dirfd, name, e);
        if (r < 0)
                return err_wrap(e, "copying parent layer '%s'", parent_id);
        return 0;
}

static int vfs_install(struct store *s, const char *id, int dirfd, const char *name, struct err *e)
{
        _cleanup_free_ char *dst = vfs_files_dir(s, id);
        if (renameat(dirfd, name, AT_FDCWD, dst) < 0) {
                if (errno == EEXIST || errno == ENOTEMPTY)
                        return err_set(e, EEXIST, "layer directory '%s' already exists", dst);
                return err_errno(e, "rename staged layer to '%s'", dst);
        }
        return 0;
}

static int vfs_remove(struct store *s, const char *id, uint64_t *freed, struct err *e)
{
        _cleanup_free_ char *dir = xasprintf("%s/dir", s->home);
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : err_errno(e, "open '%s'", dir);
        int r = store_discard(s, fd, id, true, freed, e);
        if (r < 0)
                return err_wrap(e, "removing layer '%s'", id);
        return 0;
}

static int vfs_mount(struct store *s, const char *id, unsigned flags, char **ret_path,
                     struct err *e)
{
        /* Nothing to mount: the layer's tree is its root filesystem. */
        _cleanup_free_ char *p = vfs_files_dir(s, id);
        if (!fs_exists(p))
                return err_set(e, ENOENT, "mount layer '%s': '%s' does not exist", id, p);
        *ret_path = steal_pointer(&p);
        return 0;
}

static int vfs_unmount(struct store *s, const char *id, bool deleting, struct err *e)
{
        return 0;
}

static int vfs_cleanup(struct store *s, struct err *e)
{
        return 0;
}

const struct driver_ops driver_vfs = {
        .name = "vfs",
        .prepare = vfs_prepare,
        .install = vfs_install,
        .remove = vfs_remove,
        .files_dir = vfs_files_dir,
        .layer_dir = vfs_files_dir,
        .mount = vfs_mount,
        .unmount = vfs_unmount,
        .cleanup = vfs_cleanup,
};
