/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copy-up: a new volume takes the content the image has at the mount point
 * (docker's and podman's behaviour), once. The source is walked fd by fd
 * from a directory opened inside the container's rootfs: entries come from
 * getdents and are opened with O_NOFOLLOW, so no symlink is ever followed,
 * in or out of the rootfs; symlinks are copied as links.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "engine.h"
#include "vol-internal.h"

#define COPY_MAX_DEPTH 512
#define XATTR_LIST_MAX_SZ 65536
#define XATTR_VALUE_MAX_SZ 65536

struct hardlink {
        dev_t dev;
        ino_t ino;
        char *dst_path; /* relative to the destination root */
};

struct copy_ctx {
        int dst_root;
        struct hardlink *links;
        size_t n_links, cap_links;
};

/* Copy extended attributes fd to fd; overlay's private ones and those the
 * kernel refuses (security.* unprivileged, ...) are skipped. */
static void copy_xattrs(int src, int dst)
{
        char *list = xmalloc(XATTR_LIST_MAX_SZ);
        ssize_t n = flistxattr(src, list, XATTR_LIST_MAX_SZ);
        for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t)strlen(list + off) + 1) {
                const char *name = list + off;
                if (str_has_prefix(name, "trusted.overlay.") ||
                    str_has_prefix(name, "user.overlay."))
                        continue;
                char val[4096];
                char *buf = val;
                ssize_t len = fgetxattr(src, name, val, sizeof(val));
                if (len < 0 && errno == ERANGE) {
                        buf = xmalloc(XATTR_VALUE_MAX_SZ);
                        len = fgetxattr(src, name, buf, XATTR_VALUE_MAX_SZ);
                }
                if (len >= 0 && fsetxattr(dst, name, buf, (size_t)len, 0) < 0)
                        log_debug("copy-up: xattr '%s' not copied: %s", name, strerror(errno));
                if (buf != val)
                        free(buf);
        }
        free(list);
}

/* Owner, mode and times of an open destination from the source's stat. */
static void copy_attrs(int dst, const struct stat *st)
{
        if (fchown(dst, st->st_uid, st->st_gid) < 0)
                log_debug("copy-up: chown to %u:%u: %s", st->st_uid, st->st_gid, strerror(errno));
        /* chown clears set-id bits: the mode comes after. */
        if (fchmod(dst, st->st_mode & 07777) < 0)
                log_debug("copy-up: chmod: %s", strerror(errno));
}

static void copy_times(int dst, const struct stat *st)
{
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        (void)futimens(dst, ts);
}

static int copy_data(int src, int dst, const char *name, struct err *e)
{
        for (;;) {
                ssize_t n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
                        return err_errno(e, "copy '%s'", name);
                break;
        }
        char buf[65536];
        for (;;) {
                ssize_t n = read(src, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_errno(e, "read '%s'", name);
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(dst, buf + off, (size_t)(n - off));
                        if (w < 0 && errno == EINTR)
                                continue;
                        if (w < 0)
                                return err_errno(e, "write '%s'", name);
                        off += w;
                }
        }
}

static int copy_dir(struct copy_ctx *c, int src, int dst, const char *rel, int depth,
                    struct err *e);

/* Copy one entry name of the open source directory sdir into ddir. */
static int copy_entry(struct copy_ctx *c, int sdir, int ddir, const char *name, const char *rel,
                      int depth, struct err *e)
{
        struct stat st;
        if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : err_errno(e, "stat '%s'", rel);
        if (S_ISDIR(st.st_mode)) {
                if (mkdirat(ddir, name, 0700) < 0)
                        return err_errno(e, "mkdir '%s'", rel);
                _cleanup_close_ int s =
                        openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int d =
                        openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0 || d < 0)
                        return err_errno(e, "open '%s'", rel);
                int r = copy_dir(c, s, d, rel, depth + 1, e);
                if (r < 0)
                        return r;
                copy_xattrs(s, d);
                copy_attrs(d, &st);
                copy_times(d, &st);
                return 0;
        }
        if (S_ISLNK(st.st_mode)) {
                char target[4097];
                ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return err_errno(e, "readlink '%s'", rel);
                target[n] = '\0';
                if (symlinkat(target, ddir, name) < 0)
                        return err_errno(e, "symlink '%s'", rel);
                if (fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        log_debug("copy-up: chown '%s': %s", rel, strerror(errno));
                struct timespec ts[2] = {st.st_atim, st.st_mtim};
                (void)utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
                return 0;
        }
        if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
                for (size_t i = 0; i < c->n_links; i++) {
                        if (c->links[i].dev == st.st_dev && c->links[i].ino == st.st_ino) {
                                if (linkat(c->dst_root, c->links[i].dst_path, ddir, name, 0) == 0)
                                        return 0;
                                log_debug("copy-up: hard link '%s': %s", rel, strerror(errno));
                                break;
                        }
                }
        }
        if (S_ISREG(st.st_mode)) {
                _cleanup_close_ int s =
                        openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                if (s < 0)
                        return err_errno(e, "open '%s'", rel);
                _cleanup_close_ int d = openat(
                        ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (d < 0)
                        return err_errno(e, "create '%s'", rel);
                int r = copy_data(s, d, rel, e);
                if (r < 0)
                        return r;
                copy_xattrs(s, d);
                copy_attrs(d, &st);
                copy_times(d, &st);
        } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
                   S_ISSOCK(st.st_mode)) {
                if (mknodat(ddir, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0) {
                        /* Devices need privileges a rootless berth lacks: as podman, skip. */
                        log_debug("copy-up: mknod '%s': %s", rel, strerror(errno));
                        return 0;
                }
                if (fchownat(ddir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        log_debug("copy-up: chown '%s': %s", rel, strerror(errno));
                /* The node was just made by us and is no link: chmod by name is safe. */
                if (fchmodat(ddir, name, st.st_mode & 07777, 0) < 0)
                        log_debug("copy-up: chmod '%s': %s", rel, strerror(errno));
        } else {
                return 0;
        }
        if (st.st_nlink > 1) {
                xgrow((void **)&c->links, &c->cap_links, c->n_links + 1, sizeof(*c->links));
                c->links[c->n_links++] = (struct hardlink){st.st_dev, st.st_ino, xstrdup(rel)};
        }
        return 0;
}

static int copy_dir(struct copy_ctx *c, int src, int dst, const char *rel, int depth, struct err *e)
{
        if (depth > COPY_MAX_DEPTH)
                return err_set(e, ELOOP, "copy '%s': directory tree deeper than %d", rel,
                               COPY_MAX_DEPTH);
        int fd = dup(src);
        if (fd < 0)
                return err_errno(e, "dup");
        /* dup shares the offset: start from the beginning whoever read before. */
        (void)lseek(fd, 0, SEEK_SET);
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return err_errno(e, "open '%s'", rel);
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub =
                        *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
                r = copy_entry(c, src, dst, de->d_name, sub, depth, e);
        }
        closedir(d);
        return r;
}

int vol_copy_tree(int src_dirfd, int dst_dirfd, struct err *e)
{
        struct copy_ctx c = {.dst_root = dst_dirfd};
        int r = copy_dir(&c, src_dirfd, dst_dirfd, "", 0, e);
        for (size_t i = 0; i < c.n_links; i++)
                free(c.links[i].dst_path);
        free(c.links);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(src_dirfd, &st) == 0) {
                copy_xattrs(src_dirfd, dst_dirfd);
                copy_attrs(dst_dirfd, &st);
        }
        return 0;
}

/* Open and lock the set lock of a volume and load its record. */
static int vol_begin(struct engine_volume *v, struct lockfile **ret_lock, struct json **ret_rec,
                     struct err *e)
{
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        int r = lockfile_open(v->lock_path, false, &l, e);
        if (r >= 0)
                r = lockfile_lock(l, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = xasprintf("%s/%s", v->dir, VOL_RECORD);
        _cleanup_json_ struct json *rec = NULL;
        r = json_parse_file(AT_FDCWD, path, VOL_RECORD_MAX, &rec, e);
        if (r == -ENOENT)
                return err_set(e, ENOENT, "volume %s was removed", v->name);
        if (r < 0)
                return r;
        if (rec->type != JSON_OBJECT)
                return err_set(e, EINVAL, "volume record '%s' is not an object", path);
        *ret_lock = steal_pointer(&l);
        *ret_rec = steal_pointer(&rec);
        return 0;
}

/* Save a record changed under the lock and refresh v's flags. */
int vol_commit(struct engine_volume *v, struct json *rec, struct err *e)
{
        _cleanup_close_ int dfd = open(v->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return err_errno(e, "open '%s'", v->dir);
        _cleanup_free_ char *text = json_generate(rec, JSON_GEN_NEWLINE);
        int r = fs_write_atomic(dfd, VOL_RECORD, text, strlen(text), 0600, e);
        if (r == 0)
                vol_flags_from_record(v, rec);
        return r;
}

/* Whether a directory has no entry. */
static int dir_is_empty(int dfd, bool *ret, struct err *e)
{
        int fd = dup(dfd);
        if (fd < 0)
                return err_errno(e, "dup");
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return err_errno(e, "fdopendir");
        }
        bool empty = true;
        struct dirent *de;
        while (empty && (de = readdir(d)))
                empty = STREQ(de->d_name, ".") || STREQ(de->d_name, "..");
        rewinddir(d);
        closedir(d);
        *ret = empty;
        return 0;
}

int engine_volume_copy_up(struct engine_volume *v, int rootfs_dirfd, const char *dst_path,
                          struct err *e)
{
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        _cleanup_json_ struct json *rec = NULL;
        int r = vol_begin(v, &l, &rec, e);
        if (r < 0)
                return err_wrap(e, "copy-up into volume %s", v->name);
        vol_flags_from_record(v, rec);
        if (!v->needs_copy_up)
                return 0;
        _cleanup_close_ int dst = open(v->data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0)
                return err_errno(e, "copy-up into volume %s: open '%s'", v->name, v->data);
        bool empty = false;
        r = dir_is_empty(dst, &empty, e);
        if (r < 0)
                return r;
        struct err oe = {0};
        _cleanup_close_ int src =
                empty ? fs_open_in_root(rootfs_dirfd, dst_path, O_RDONLY | O_DIRECTORY, 0, &oe)
                      : -1;
        if (empty && src < 0) {
                /* Nothing at that path in the image, or not a directory: nothing
                 * to copy (docker's rule); a link that leads elsewhere resolves
                 * inside the rootfs, never out of it. */
                log_debug("copy-up into volume %s: %s", v->name, oe.msg);
                err_done(&oe);
        } else if (empty) {
                r = vol_copy_tree(src, dst, e);
                if (r < 0)
                        return err_wrap(e, "copy-up of '%s' into volume %s", dst_path, v->name);
        }
        json_object_set_bool(rec, "NeedsCopyUp", false);
        return vol_commit(v, rec, e);
}

int engine_volume_chown(struct engine_volume *v, uid_t uid, gid_t gid, struct err *e)
{
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        _cleanup_json_ struct json *rec = NULL;
        int r = vol_begin(v, &l, &rec, e);
        if (r < 0)
                return err_wrap(e, "chown of volume %s", v->name);
        if (!json_object_get_bool(rec, "NeedsChown", false)) {
                vol_flags_from_record(v, rec);
                return 0;
        }
        if (lchown(v->data, uid, gid) < 0)
                return err_errno(e, "chown volume %s to %u:%u", v->name, uid, gid);
        json_object_set_bool(rec, "NeedsChown", false);
        return vol_commit(v, rec, e);
}

/* Used by vol-mount.c. */
int vol_begin_locked(struct engine_volume *v, struct lockfile **ret_lock, struct json **ret_rec,
                     struct err *e)
{
        return vol_begin(v, ret_lock, ret_rec, e);
}
