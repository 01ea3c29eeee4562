/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One mount of the spec, onto its destination resolved inside the rootfs.
 *
 * Bind mounts are cloned with open_tree, given their flags with
 * mount_setattr while still detached, then moved onto the destination's fd:
 * mount_setattr sets and clears only what the options name, so flags that a
 * user namespace locks (nosuid, nodev, ro of the source) stay as they are.
 * Other filesystems are mounted with mount(2) on /proc/self/fd/N of the
 * destination's O_PATH fd, which the kernel takes as that very directory.
 *
 * Where a rootless container may not mount a filesystem (sysfs without its
 * own network namespace, mqueue without its own IPC namespace, cgroups that
 * are not delegated) the host's one is bound instead, as runc does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "rt-internal.h"

#define COPYUP_MAX_DEPTH 128

/* MOUNT_ATTR_* of the per-mount MS_* flags in f (atime aside). */
static uint64_t ms_to_attr(unsigned long f)
{
        uint64_t a = 0;
        if (f & MS_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (f & MS_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (f & MS_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (f & MS_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (f & MS_NODIRATIME)
                a |= MOUNT_ATTR_NODIRATIME;
        if (f & MS_NOSYMFOLLOW)
                a |= MOUNT_ATTR_NOSYMFOLLOW;
        return a;
}

/* The mount_setattr() request of a bind mount's own (non-recursive) options. */
static struct mount_attr bind_attr(const struct rt_mount *m)
{
        struct mount_attr a = {
                .attr_set = ms_to_attr(m->flags),
                .attr_clr = ms_to_attr(m->clear_flags),
        };
        uint64_t atime = UINT64_MAX;
        if (m->clear_flags & (MS_NOATIME | MS_STRICTATIME))
                atime = MOUNT_ATTR_RELATIME;
        if (m->flags & MS_RELATIME)
                atime = MOUNT_ATTR_RELATIME;
        if (m->flags & MS_STRICTATIME)
                atime = MOUNT_ATTR_STRICTATIME;
        if (m->flags & MS_NOATIME)
                atime = MOUNT_ATTR_NOATIME;
        if (atime != UINT64_MAX) {
                a.attr_clr |= MOUNT_ATTR__ATIME;
                a.attr_set |= atime;
        }
        return a;
}

/* MOUNT_ATTR_* a user namespace locks on the mount at fd (as statvfs says). */
static uint64_t locked_attrs(int fd)
{
        struct statvfs sv;
        if (fstatvfs(fd, &sv) < 0)
                return 0;
        uint64_t a = 0;
        if (sv.f_flag & ST_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (sv.f_flag & ST_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (sv.f_flag & ST_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (sv.f_flag & ST_NOATIME)
                a |= MOUNT_ATTR__ATIME;
        return a;
}

static int setattr(int fd, bool recursive, struct mount_attr *a, const char *what, bool in_userns,
                   struct err *e)
{
        if (!a->attr_set && !a->attr_clr && !a->propagation)
                return 0;
        unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
        if (mount_setattr(fd, "", flags, a, sizeof(*a)) == 0)
                return 0;
        /* A user namespace may not clear what the source's owner set: keep
         * those flags, as runc keeps them on its remount. */
        if (errno == EPERM && in_userns && a->attr_clr) {
                uint64_t locked = locked_attrs(fd);
                struct mount_attr b = *a;
                b.attr_clr &= ~locked;
                if ((b.attr_clr & MOUNT_ATTR__ATIME) != MOUNT_ATTR__ATIME) {
                        b.attr_clr &= ~(uint64_t)MOUNT_ATTR__ATIME;
                        b.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
                }
                if (b.attr_clr != a->attr_clr && (!(b.attr_set || b.attr_clr || b.propagation) ||
                                                  mount_setattr(fd, "", flags, &b, sizeof(b)) == 0))
                        return 0;
                errno = EPERM;
        }
        return err_errno(e, "setting the mount options of %s", what);
}

/* Propagation of the mount at fd (one mount, or with MS_REC its tree). */
static int set_propagation(int fd, unsigned long prop, struct err *e)
{
        if (!prop)
                return 0;
        struct mount_attr a = {.propagation = prop & ~(unsigned long)MS_REC};
        unsigned flags = AT_EMPTY_PATH | ((prop & MS_REC) ? AT_RECURSIVE : 0);
        if (mount_setattr(fd, "", flags, &a, sizeof(a)) < 0)
                return err_errno(e, "setting the propagation");
        return 0;
}

static int move_onto(int tfd, int dstfd, const char *dst, struct err *e)
{
        if (move_mount(tfd, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return err_errno(e, "mounting on '%s'", dst);
        return 0;
}

/* Allocates: the host path of a bind source (relative ones start in the bundle). */
static char *source_path(const struct rt_rootfs_opts *o, const char *src)
{
        if (src[0] == '/' || !o->bundle)
                return xstrdup(src);
        return xasprintf("%s/%s", o->bundle, src);
}

/* Bind host path src (recursively or not) at m's destination with m's
 * options; with all_recursive the per-mount flags apply to the whole tree
 * (a host /sys standing in for sysfs must be read-only throughout). */
static int bind_from(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                     const char *src, bool recursive, bool all_recursive, struct err *e)
{
        struct stat st;
        if (stat(src, &st) < 0)
                return err_errno(e, "bind source '%s'", src);
        _cleanup_close_ int dstfd = -1;
        int r = rt_mkpath_in_root(rootfd, m->destination, !S_ISDIR(st.st_mode), &dstfd, e);
        if (r < 0)
                return r;

        unsigned otflags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        _cleanup_close_ int tfd = open_tree(AT_FDCWD, src, otflags);
        if (tfd < 0)
                return err_errno(e, "cloning the mount of '%s'", src);

        struct mount_attr own = bind_attr(m);
        r = setattr(tfd, all_recursive, &own, m->destination, o->in_userns, e);
        if (r < 0)
                return r;
        struct mount_attr rec = {.attr_set = m->attr_set, .attr_clr = m->attr_clr};
        r = setattr(tfd, true, &rec, m->destination, o->in_userns, e);
        if (r < 0)
                return r;
        r = move_onto(tfd, dstfd, m->destination, e);
        if (r < 0)
                return r;
        return set_propagation(tfd, m->propagation, e);
}

static int mount_bind(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                      struct err *e)
{
        _cleanup_free_ char *src = source_path(o, m->source);
        return bind_from(o, rootfd, m, src, m->flags & MS_REC, false, e);
}

/* mount(2) flags of a new filesystem: the per-mount ones, no bind. */
static unsigned long fs_flags(const struct rt_mount *m)
{
        return m->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);
}

/* After a new mount at m's destination: recursive attributes, propagation. */
static int finish_new_mount(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                            struct err *e)
{
        if (!m->attr_set && !m->attr_clr && !m->propagation)
                return 0;
        _cleanup_close_ int fd = fs_open_in_root(rootfd, m->destination, O_PATH, 0, e);
        if (fd < 0)
                return fd;
        struct mount_attr rec = {.attr_set = m->attr_set, .attr_clr = m->attr_clr};
        int r = setattr(fd, true, &rec, m->destination, o->in_userns, e);
        if (r < 0)
                return r;
        return set_propagation(fd, m->propagation, e);
}

/* mount(2) onto the destination's fd. Returns -errno without touching an
 * error, so callers can fall back. */
static int mount_at(int dstfd, const char *source, const char *type, unsigned long flags,
                    const char *data)
{
        char target[64];
        snprintf(target, sizeof(target), "/proc/self/fd/%d", dstfd);
        if (mount(source, target, type, flags, data) < 0)
                return -errno;
        return 0;
}

/* A copy of data without the options named key (e.g. "gid"); allocated. */
static char *data_without(const char *data, const char *key)
{
        _cleanup_strv_ char **parts = strv_split(data, ",");
        struct sbuf b = {0};
        size_t klen = strlen(key);
        for (char **p = parts; p && *p; p++) {
                if (str_has_prefix(*p, key) && ((*p)[klen] == '=' || (*p)[klen] == '\0'))
                        continue;
                if (b.len)
                        sbuf_putc(&b, ',');
                sbuf_append(&b, *p);
        }
        return b.len ? sbuf_steal(&b) : (sbuf_done(&b), NULL);
}

static int copy_tree(int src, int dst, unsigned depth, struct err *e);

static int copy_file(int src, int dst, const char *name, const struct stat *st, struct err *e)
{
        _cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return err_errno(e, "open '%s'", name);
        _cleanup_close_ int out =
                openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                       st->st_mode & 07777);
        if (out < 0)
                return err_errno(e, "create '%s'", name);
        char buf[65536];
        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_errno(e, "read '%s'", name);
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(out, buf + off, (size_t)(n - off));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return err_errno(e, "write '%s'", name);
                        off += w;
                }
        }
}

static int copy_entry(int src, int dst, const char *name, unsigned depth, struct err *e)
{
        struct stat st;
        if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "stat '%s'", name);
        int r = 0;
        if (S_ISDIR(st.st_mode)) {
                if (mkdirat(dst, name, 0700) < 0)
                        return err_errno(e, "mkdir '%s'", name);
                _cleanup_close_ int s2 =
                        openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int d2 =
                        openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s2 < 0 || d2 < 0)
                        return err_errno(e, "open '%s'", name);
                r = copy_tree(s2, d2, depth + 1, e);
        } else if (S_ISREG(st.st_mode)) {
                r = copy_file(src, dst, name, &st, e);
        } else if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
                if (n < 0)
                        return err_errno(e, "readlink '%s'", name);
                target[n] = '\0';
                if (symlinkat(target, dst, name) < 0)
                        return err_errno(e, "symlink '%s'", name);
        } else if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0) {
                /* Device nodes cannot be made in a user namespace: leave them out. */
                if (errno != EPERM)
                        return err_errno(e, "mknod '%s'", name);
                log_debug("tmpcopyup: skipping device '%s'", name);
                return 0;
        }
        if (r < 0)
                return r;
        /* Owners outside a user namespace's map cannot be given: keep ours. */
        (void)!fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
        if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
                return err_errno(e, "chmod '%s'", name);
        struct timespec ts[2] = {st.st_atim, st.st_mtim};
        (void)utimensat(dst, name, ts, AT_SYMLINK_NOFOLLOW);
        return 0;
}

/* Copy the content of directory src into directory dst (both O_RDONLY). */
static int copy_tree(int src, int dst, unsigned depth, struct err *e)
{
        if (depth > COPYUP_MAX_DEPTH)
                return err_set(e, ELOOP, "directories nested more than %u deep", COPYUP_MAX_DEPTH);
        int dfd = fcntl(src, F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return err_errno(e, "dup");
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return err_errno(e, "opendir");
        }
        int r = 0;
        struct dirent *de;
        while (r >= 0 && (errno = 0, de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                r = copy_entry(src, dst, de->d_name, depth, e);
        }
        if (r >= 0 && errno != 0)
                r = err_errno(e, "readdir");
        closedir(d);
        return r;
}

/* tmpfs over a directory, holding a copy of what the directory held. */
static int mount_tmpcopyup(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                           struct err *e)
{
        _cleanup_close_ int dstfd = -1;
        int r = rt_mkpath_in_root(rootfd, m->destination, false, &dstfd, e);
        if (r < 0)
                return r;
        /* Opened before the mount, this still reads the directory beneath. */
        _cleanup_close_ int old = openat(dstfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (old < 0)
                return err_errno(e, "open '%s'", m->destination);
        r = mount_at(dstfd, m->source ? m->source : "tmpfs", "tmpfs", fs_flags(m), m->data);
        if (r < 0)
                return err_errnum(e, r, "mounting tmpfs on '%s'%s%s%s", m->destination,
                                  m->data ? " with options '" : "", m->data ? m->data : "",
                                  m->data ? "'" : "");
        _cleanup_close_ int new =
                fs_open_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0, e);
        if (new < 0)
                return new;
        r = copy_tree(old, new, 0, e);
        if (r < 0)
                return err_wrap(e, "tmpcopyup of '%s'", m->destination);
        struct stat st;
        if (fstat(old, &st) == 0) {
                (void)!fchown(new, st.st_uid, st.st_gid);
                if (!m->data || !strstr(m->data, "mode="))
                        (void)fchmod(new, st.st_mode & 07777);
        }
        return finish_new_mount(o, rootfd, m, e);
}

/* A filesystem the kernel makes: proc, tmpfs, devpts, mqueue, sysfs, ... */
static int mount_fs(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                    const char *type, const char *data, int *ret_errno, struct err *e)
{
        _cleanup_close_ int dstfd = -1;
        int r = rt_mkpath_in_root(rootfd, m->destination, false, &dstfd, e);
        if (r < 0)
                return r;
        const char *source = m->source ? m->source : type;
        r = mount_at(dstfd, source, type, fs_flags(m), data);
        if (r < 0) {
                if (ret_errno)
                        *ret_errno = -r;
                /* Options mount(8) does not know go to the filesystem as data: a
                 * typo there ends here, so name them. */
                if (data && *data)
                        return err_errnum(e, r, "mounting %s on '%s' with options '%s'", type,
                                          m->destination, data);
                return err_errnum(e, r, "mounting %s on '%s'", type, m->destination);
        }
        return finish_new_mount(o, rootfd, m, e);
}

/* Try a new filesystem; where the kernel refuses it with one of the errors
 * in `fallback_on`, bind the host's `host` instead (read-only all through if
 * the mount is read-only). */
int rt_rootfs_mount_fs_or_host(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                               const char *type, const char *host, bool try_fs, struct err *e)
{
        if (try_fs) {
                int err = 0;
                int r = mount_fs(o, rootfd, m, type, m->data, &err, e);
                if (r >= 0 || (err != EPERM && err != EBUSY && err != EACCES && err != EINVAL))
                        return r;
                err_done(e);
                log_debug("mounting %s on '%s' failed (%s): binding the host's '%s'", type,
                          m->destination, strerror(err), host);
        }
        return bind_from(o, rootfd, m, host, true, true, e);
}

static int mount_remount(int rootfd, const struct rt_mount *m, struct err *e)
{
        _cleanup_close_ int fd = fs_open_in_root(rootfd, m->destination, O_PATH, 0, e);
        if (fd < 0)
                return fd;
        int r = mount_at(fd, m->source, m->type, m->flags & ~(unsigned long)MS_REC, m->data);
        if (r < 0)
                return err_errnum(e, r, "remounting '%s'", m->destination);
        return 0;
}

int rt_rootfs_mount_one(const struct rt_rootfs_opts *o, int rootfd, size_t i, struct err *e)
{
        const struct rt_mount *m = &o->spec->mounts[i];
        if (m->flags & MS_REMOUNT)
                return mount_remount(rootfd, m, e);
        if (m->flags & MS_BIND)
                return mount_bind(o, rootfd, m, e);
        if (!m->type)
                return err_set(e, EINVAL, "type: required for a mount that is not a bind mount");
        const char *type = m->type;

        if (STREQ(type, "tmpfs") && m->tmpcopyup)
                return mount_tmpcopyup(o, rootfd, m, e);
        if (STREQ(type, "sysfs"))
                return rt_rootfs_mount_fs_or_host(o, rootfd, m, "sysfs", "/sys", true, e);
        /* In the caller's pid namespace (no pid namespace in the spec), a
         * user namespace that does not own it cannot mount a proc: the
         * caller's /proc shows the same processes (crun binds it too). */
        if (STREQ(type, "proc") && !o->spec->ns[RT_NS_PID].enabled)
                return rt_rootfs_mount_fs_or_host(o, rootfd, m, "proc", "/proc", true, e);
        if (STREQ(type, "mqueue"))
                return rt_rootfs_mount_fs_or_host(o, rootfd, m, "mqueue", "/dev/mqueue", true, e);
        if (STREQ(type, "cgroup") || STREQ(type, "cgroup2"))
                return rt_rootfs_mount_cgroup(o, rootfd, m, e);
        if (STREQ(type, "devpts") && m->data && strstr(m->data, "gid=")) {
                /* gid=5 is refused (EINVAL) when the group is not mapped in
                 * the user namespace: retry without it, as crun does. */
                int err = 0;
                int r = mount_fs(o, rootfd, m, type, m->data, &err, e);
                if (r >= 0 || err != EINVAL || !o->in_userns)
                        return r;
                err_done(e);
                _cleanup_free_ char *data = data_without(m->data, "gid");
                return mount_fs(o, rootfd, m, type, data, NULL, e);
        }
        return mount_fs(o, rootfd, m, type, m->data, NULL, e);
}
