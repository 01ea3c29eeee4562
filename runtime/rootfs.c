/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's root filesystem, in its init, inside its new mount
 * namespace: propagation of "/", the rootfs bound onto itself, the spec's
 * mounts (rootfs-mount.c) and /dev (dev.c); then pivot_root, masked and
 * read-only paths, a read-only root and rootfsPropagation.
 *
 * Every path inside the rootfs is resolved inside it (fs_open_in_root) and
 * mounted on through the fd so found, so a symlink in the image can never
 * send a mount out of the rootfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rt-internal.h"

/* The kernel's limit on links in one lookup. */
#define MKPATH_MAX_LINKS 40

/* Allocates: where directory fd sits inside the root at rootfd, from the
 * kernel's names of both ("/" when fd is the root). NULL if fd is outside. */
static char *path_in_root(int rootfd, int fd)
{
        char proc[64], root[PATH_MAX], dir[PATH_MAX];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", rootfd);
        ssize_t rn = readlink(proc, root, sizeof(root) - 1);
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        ssize_t dn = readlink(proc, dir, sizeof(dir) - 1);
        if (rn <= 0 || dn <= 0)
                return NULL;
        root[rn] = dir[dn] = '\0';
        if (STREQ(root, "/"))
                return xstrdup(dir);
        size_t len = (size_t)rn;
        if (strncmp(dir, root, len) != 0 || (dir[len] != '/' && dir[len] != '\0'))
                return NULL;
        return xstrdup(dir[len] ? dir + len : "/");
}

/* name in the directory cur is a symlink that leads nowhere yet: the path to
 * create instead is its target (inside the root), then what follows name. */
static char *dangling_target(int rootfd, int cur, const char *name, const char *rest)
{
        struct stat st;
        if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
                return NULL;
        char target[PATH_MAX];
        ssize_t n = readlinkat(cur, name, target, sizeof(target) - 1);
        if (n <= 0)
                return NULL;
        target[n] = '\0';
        _cleanup_free_ char *base = target[0] == '/' ? xstrdup("") : path_in_root(rootfd, cur);
        if (!base)
                return NULL;
        return xasprintf("%s/%s%s%s", base, target, *rest ? "/" : "", rest);
}

static int mkpath(int rootfd, const char *path, bool is_file, unsigned links, int *ret_fd,
                  struct err *e)
{
        int fd = fs_open_in_root(rootfd, path, O_PATH, 0, NULL);
        if (fd >= 0) {
                *ret_fd = fd;
                return 0;
        }
        if (fd != -ENOENT)
                return err_errnum(e, fd, "opening '%s' in the container", path);

        _cleanup_free_ char *clean = rt_path_clean(path, strlen(path));
        if (!clean)
                return err_set(e, EINVAL, "invalid path '%s'", path);
        _cleanup_close_ int cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
        if (cur < 0)
                return err_errno(e, "dup");
        /* Resolve each prefix inside the root and create what is missing in
         * the directory the previous prefix resolved to: a symlink on the
         * way is followed inside the root, never outside. */
        const char *p = clean + 1;
        while (*p) {
                const char *slash = strchr(p, '/');
                bool last = !slash;
                size_t n = last ? strlen(p) : (size_t)(slash - p);
                _cleanup_free_ char *name = xstrndup(p, n);
                _cleanup_free_ char *prefix = xstrndup(clean, (size_t)(p - clean) + n);

                int next = fs_open_in_root(rootfd, prefix, O_PATH, 0, NULL);
                if (next == -ENOENT) {
                        int r;
                        if (last && is_file) {
                                r = openat(cur, name,
                                           O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC,
                                           0644);
                                if (r >= 0)
                                        close(r);
                        } else {
                                r = mkdirat(cur, name, 0755);
                        }
                        if (r < 0 && errno != EEXIST)
                                return err_errno(e, "creating '%s' in the container", prefix);
                        next = fs_open_in_root(rootfd, prefix, O_PATH, 0, NULL);
                }
                if (next == -ENOENT && links < MKPATH_MAX_LINKS) {
                        /* A dangling symlink (an image's /etc/resolv.conf
                         * -> ../run/...): create its target, as runc does. */
                        _cleanup_free_ char *np =
                                dangling_target(rootfd, cur, name, last ? "" : slash + 1);
                        if (np)
                                return mkpath(rootfd, np, is_file, links + 1, ret_fd, e);
                }
                if (next < 0)
                        return err_errnum(e, next, "opening '%s' in the container", prefix);
                closep(&cur);
                cur = next;
                p = last ? p + n : slash + 1;
        }
        *ret_fd = TAKE_FD(cur);
        return 0;
}

int rt_mkpath_in_root(int rootfd, const char *path, bool is_file, int *ret_fd, struct err *e)
{
        return mkpath(rootfd, path, is_file, 0, ret_fd, e);
}

/* Decode mountinfo's octal escapes (\040 for a space) in place. */
static void unescape_octal(char *s)
{
        char *o = s;
        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
                    p[3] >= '0' && p[3] <= '7') {
                        *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
                        p += 3;
                } else {
                        *o++ = *p;
                }
        }
        *o = '\0';
}

/* Allocates: the mount point of the mount with id mnt_id, from mountinfo. */
static char *mount_point_of(uint64_t mnt_id)
{
        _cleanup_free_ char *buf = NULL;
        if (fs_read_file(AT_FDCWD, "/proc/self/mountinfo", 0, &buf, NULL, NULL) < 0)
                return NULL;
        for (char *line = buf, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                unsigned long long id;
                char mp[PATH_MAX * 4 + 1];
                if (sscanf(line, "%llu %*u %*s %*s %4096s", &id, mp) != 2 || id != mnt_id)
                        continue;
                unescape_octal(mp);
                return xstrdup(mp);
        }
        return NULL;
}

/* pivot_root (and MS_MOVE) refuse a shared parent mount: with a shared
 * rootfsPropagation, make the mount the rootfs sits on private. */
static int make_rootfs_parent_private(const char *rootfs, struct err *e)
{
        struct statx stx;
        if (statx(AT_FDCWD, rootfs, 0, STATX_MNT_ID, &stx) < 0)
                return err_errno(e, "statx '%s'", rootfs);
        if (!(stx.stx_mask & STATX_MNT_ID))
                return 0;
        _cleanup_free_ char *mp = mount_point_of(stx.stx_mnt_id);
        if (!mp)
                return err_set(e, ENOENT, "no mount point found for '%s'", rootfs);
        if (mount(NULL, mp, NULL, MS_PRIVATE, NULL) < 0)
                return err_errno(e, "making '%s' private", mp);
        return 0;
}

static int root_propagation(const struct rt_spec *s, unsigned long *ret, struct err *e)
{
        if (!s->rootfs_propagation) {
                *ret = 0;
                return 0;
        }
        if (rt_mount_propagation_from_string(s->rootfs_propagation, ret) < 0)
                return err_set(e, EINVAL, "linux.rootfsPropagation: unknown propagation '%.64s'",
                               s->rootfs_propagation);
        return 0;
}

int rt_rootfs_prepare(const struct rt_rootfs_opts *o, struct err *e)
{
        const struct rt_spec *s = o->spec;
        unsigned long prop;
        int r = root_propagation(s, &prop, e);
        if (r < 0)
                return r;
        /* Nothing we mount may reach the host: slave unless asked otherwise. */
        unsigned long first = prop ? prop : MS_SLAVE | MS_REC;
        if (mount(NULL, "/", NULL, first, NULL) < 0)
                return err_errno(e, "setting the propagation of '/'");
        if (first & MS_SHARED) {
                r = make_rootfs_parent_private(o->rootfs, e);
                if (r < 0)
                        return r;
        }
        if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                return err_errno(e, "bind-mounting the rootfs '%s'", o->rootfs);

        _cleanup_close_ int rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return err_errno(e, "open '%s'", o->rootfs);
        bool cg_ready = !o->cgroup_ready;
        for (size_t i = 0; i < s->n_mounts; i++) {
                const char *type = s->mounts[i].type;
                if (!cg_ready && type && (STREQ(type, "cgroup") || STREQ(type, "cgroup2"))) {
                        if ((r = o->cgroup_ready(o->cgroup_ready_data, e)) < 0)
                                return r;
                        cg_ready = true;
                }
                r = rt_rootfs_mount_one(o, rootfd, i, e);
                if (r < 0)
                        return err_wrap(e, "mounts[%zu] ('%s')", i, s->mounts[i].destination);
        }
        if (!cg_ready && (r = o->cgroup_ready(o->cgroup_ready_data, e)) < 0)
                return r;
        return rt_dev_setup(o, rootfd, e);
}

/* A directory to mask: an empty read-only tmpfs, made detached and moved
 * on, so nothing needs /proc inside the new root. */
static int mask_dir(int fd, const char *path, struct err *e)
{
        _cleanup_close_ int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return err_errno(e, "fsopen tmpfs for '%s'", path);
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return err_errno(e, "creating a tmpfs to mask '%s'", path);
        _cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
                                          MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                                  MOUNT_ATTR_NOEXEC);
        if (mfd < 0)
                return err_errno(e, "fsmount tmpfs for '%s'", path);
        if (move_mount(mfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return err_errno(e, "masking '%s'", path);
        return 0;
}

/* A file to mask gets /dev/null. *nullfd is the host's /dev/null, cloned
 * before pivot_root: the first mask uses it as it is, the others clone it
 * again once it hangs in this namespace. */
static int mask_file(int fd, const char *path, int *nullfd, bool *null_used, struct err *e)
{
        _cleanup_close_ int tfd = -1;
        int src = *nullfd;
        if (*null_used) {
                tfd = open_tree(*nullfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
                if (tfd < 0)
                        return err_errno(e, "cloning /dev/null to mask '%s'", path);
                src = tfd;
        }
        if (move_mount(src, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return err_errno(e, "masking '%s'", path);
        *null_used = true;
        return 0;
}

/* Open a masked or read-only path; 0 and no fd when it does not exist. */
static int open_listed_path(int rootfd, const char *path, int *ret_fd, struct err *e)
{
        *ret_fd = -1;
        int fd = fs_open_in_root(rootfd, path, O_PATH, 0, NULL);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return err_errnum(e, fd, "opening '%s' in the container", path);
        *ret_fd = fd;
        return 0;
}

static int mask_paths(const struct rt_spec *s, int rootfd, int *nullfd, struct err *e)
{
        bool null_used = false;
        for (char **p = s->masked_paths; p && *p; p++) {
                _cleanup_close_ int fd = -1;
                int r = open_listed_path(rootfd, *p, &fd, e);
                if (r < 0)
                        return r;
                if (fd < 0)
                        continue;
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return err_errno(e, "stat '%s'", *p);
                r = S_ISDIR(st.st_mode) ? mask_dir(fd, *p, e)
                                        : mask_file(fd, *p, nullfd, &null_used, e);
                if (r < 0)
                        return err_wrap(e, "linux.maskedPaths");
        }
        return 0;
}

/* Bind the path onto itself, read-only all the way down. mount_setattr
 * only adds MOUNT_ATTR_RDONLY, so flags a user namespace may not clear stay. */
static int readonly_paths(const struct rt_spec *s, int rootfd, struct err *e)
{
        for (char **p = s->readonly_paths; p && *p; p++) {
                _cleanup_close_ int fd = -1;
                int r = open_listed_path(rootfd, *p, &fd, e);
                if (r < 0)
                        return r;
                if (fd < 0)
                        continue;
                _cleanup_close_ int tfd = open_tree(
                        fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
                if (tfd < 0)
                        return err_errno(e, "linux.readonlyPaths: cloning '%s'", *p);
                struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
                if (mount_setattr(tfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
                        return err_errno(e, "linux.readonlyPaths: making '%s' read-only", *p);
                if (move_mount(tfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
                    0)
                        return err_errno(e, "linux.readonlyPaths: mounting '%s'", *p);
        }
        return 0;
}

/* Make rootfs "/" and forget the old root. */
static int enter_root(const struct rt_rootfs_opts *o, struct err *e)
{
        _cleanup_close_ int newroot = open(o->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
        if (newroot < 0)
                return err_errno(e, "open '%s'", o->rootfs);
        if (fchdir(newroot) < 0)
                return err_errno(e, "chdir '%s'", o->rootfs);
        if (o->no_pivot) {
                if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
                        return err_errno(e, "moving '%s' onto '/'", o->rootfs);
                if (chroot(".") < 0)
                        return err_errno(e, "chroot '%s'", o->rootfs);
        } else {
                /* The old root ends up stacked on the new one at "/": pivot
                 * with both at ".", then detach the top. It is made a slave
                 * first so the unmount does not propagate to the host. */
                if (syscall(SYS_pivot_root, ".", ".") < 0)
                        return err_errno(e, "pivot_root '%s'", o->rootfs);
                if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        return err_errno(e, "making the old root a slave");
                if (umount2(".", MNT_DETACH) < 0)
                        return err_errno(e, "detaching the old root");
        }
        if (chdir("/") < 0)
                return err_errno(e, "chdir '/'");
        return 0;
}

int rt_rootfs_finish(const struct rt_rootfs_opts *o, struct err *e)
{
        const struct rt_spec *s = o->spec;
        unsigned long prop;
        int r = root_propagation(s, &prop, e);
        if (r < 0)
                return r;

        /* The host's /dev/null for masked files: the container's could be
         * anything the image put there. */
        _cleanup_close_ int nullfd = -1;
        if (s->masked_paths && s->masked_paths[0]) {
                nullfd = open_tree(AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
                if (nullfd < 0)
                        return err_errno(e, "cloning '/dev/null'");
        }

        r = enter_root(o, e);
        if (r < 0)
                return r;

        _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return err_errno(e, "open '/'");
        r = readonly_paths(s, rootfd, e);
        if (r < 0)
                return r;
        r = mask_paths(s, rootfd, &nullfd, e);
        if (r < 0)
                return r;
        if (s->root_readonly) {
                struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
                if (mount_setattr(rootfd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
                        return err_errno(e, "root.readonly: making '/' read-only");
        }
        if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
                return err_errno(e, "linux.rootfsPropagation: setting '%s' on '/'",
                                 s->rootfs_propagation);
        return 0;
}
