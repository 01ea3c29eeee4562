/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Extracting a tar for `cp` into a directory of a container (or of the
 * host), never outside the root fd it is given.
 *
 * Each entry's name is cleaned lexically and must stay below the
 * destination; its parent directory is then resolved with fs_open_in_root
 * (openat2 RESOLVE_IN_ROOT: ".." stops at the root, absolute symlinks are
 * taken relative to it), so a symlink the tar made earlier, or one the
 * container holds (/etc/x -> ../../../../host), leads to a place inside the
 * root. The object itself is made with *at() calls relative to that parent
 * and O_NOFOLLOW/AT_SYMLINK_NOFOLLOW, never through a last-component link.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "archive-dl.h"
#include "ctr-cp.h"

#define IN_BUF (128 * 1024)
#define RM_MAX_DEPTH 400

struct dir_time {
        char *path;
        struct timespec ts[2];
};

struct extractor {
        const struct archive_dl *A;
        const struct cp_tar_in_opts *o;
        int rootfd;
        const char *dest;
        int in_fd;
        unsigned char *inbuf;
        struct err cb_err;
        uid_t dflt_uid; /* owner of parents made for entries */
        gid_t dflt_gid;
        struct dir_time *dirs;
        size_t n_dirs, cap_dirs;
};

static la_ssize_t in_read_cb(struct archive *a, void *ud, const void **buf)
{
        struct extractor *x = ud;
        ssize_t n;
        do
                n = read(x->in_fd, x->inbuf, IN_BUF);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                int saved = errno;
                if (!x->cb_err.code)
                        err_errnum(&x->cb_err, saved, "reading the tar stream");
                x->A->archive_set_error(a, saved, "reading the tar stream");
                return -1;
        }
        *buf = x->inbuf;
        return n;
}

static int archive_fail(struct extractor *x, struct archive *a, const char *what, struct err *e)
{
        if (x->cb_err.code)
                return err_move(e, &x->cb_err);
        const char *msg = x->A->archive_error_string(a);
        return err_set(e, EINVAL, "%s: %s", what, msg ? msg : "invalid tar stream");
}

static int map_id(const struct id_map *m, size_t n, int64_t id, uint32_t *ret)
{
        if (id < 0 || id > UINT32_MAX)
                return -EINVAL;
        if (n == 0) {
                *ret = (uint32_t)id;
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                if ((uint64_t)id >= m[i].container_id &&
                    (uint64_t)id - m[i].container_id < m[i].size) {
                        *ret = m[i].host_id + (uint32_t)((uint64_t)id - m[i].container_id);
                        return 0;
                }
        return -EINVAL;
}

/* Remove dfd/name and everything below it, never following a link. */
static int rm_rf_at(int dfd, const char *name, int depth)
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
                        r = rm_rf_at(dirfd(d), de->d_name, depth + 1);
        closedir(d);
        if (r == 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                r = -errno;
        return r;
}

static const char *path_base(const char *p)
{
        const char *s = strrchr(p, '/');
        return s ? s + 1 : p;
}

/* Allocates: the directory part of a clean relative path ("." if none). */
static char *path_dir(const char *p)
{
        const char *s = strrchr(p, '/');
        return s ? xstrndup(p, (size_t)(s - p)) : xstrdup(".");
}

/* Allocates: dest/rel, both clean and relative. */
static char *join(const char *dest, const char *rel)
{
        if (STREQ(dest, "."))
                return xstrdup(rel);
        if (STREQ(rel, "."))
                return xstrdup(dest);
        return xasprintf("%s/%s", dest, rel);
}

/* An O_PATH fd of the existing directory rel (clean) inside the root, or
 * a negative errno. */
static int open_dir_in_root(int rootfd, const char *rel)
{
        if (!STREQ(rel, "."))
                return fs_open_in_root(rootfd, rel, O_PATH | O_DIRECTORY, 0, NULL);
        int fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

/* An O_PATH fd of directory rel inside the root, made (0755, default
 * owner) with its missing parents when needed. */
static int open_dir(struct extractor *x, const char *rel, int depth)
{
        if (STREQ(rel, ".")) {
                int fd = openat(x->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        int fd = fs_open_in_root(x->rootfd, rel, O_PATH | O_DIRECTORY, 0, NULL);
        if (fd != -ENOENT || depth > RM_MAX_DEPTH)
                return fd;
        _cleanup_free_ char *parent = path_dir(rel);
        _cleanup_close_ int pfd = open_dir(x, parent, depth + 1);
        if (pfd < 0)
                return pfd;
        const char *base = path_base(rel);
        if (mkdirat(pfd, base, 0755) == 0) {
                if (fchownat(pfd, base, x->dflt_uid, x->dflt_gid, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
        } else if (errno != EEXIST) {
                return -errno;
        }
        /* EEXIST here is a dangling symlink or a file: not a directory. */
        fd = openat(pfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

struct entry {
        struct archive *tar;
        struct archive_entry *ent;
        const char *name; /* as in the tar */
        const char *rel;  /* cleaned, relative to the root */
        const char *base;
        int pfd;
        int fd; /* the object open for writing, or -1 */
        uint32_t uid, gid;
};

static int xattr_set(int pfd, const char *base, int fd, const char *name, const void *val,
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

/* chmod of dfd/name that never follows a link: a running container could
 * swap the object for a symlink between its creation and this call, and
 * fchmodat() would follow that link outside the root. */
static int chmod_nofollow(int dfd, const char *name, mode_t mode)
{
        _cleanup_close_ int o = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (o < 0 || fstat(o, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return 0; /* links have no mode of their own */
        char p[64];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", o);
        return chmod(p, mode) < 0 ? -errno : 0;
}

static int set_metadata(struct extractor *x, struct entry *c, bool is_dir, bool is_link,
                        struct err *e)
{
        const struct archive_dl *A = x->A;
        /* chown first: it clears setuid bits. */
        int r = c->fd >= 0 ? fchown(c->fd, c->uid, c->gid)
                           : fchownat(c->pfd, c->base, c->uid, c->gid, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                return err_errno(e, "tar entry '%s': chown to %u:%u", c->name, c->uid, c->gid);
        if (!is_link) {
                mode_t perm = A->archive_entry_perm(c->ent) & 07777;
                r = c->fd >= 0 ? fchmod(c->fd, perm) : chmod_nofollow(c->pfd, c->base, perm);
                if (r < 0)
                        return err_errnum(e, c->fd >= 0 ? -errno : r, "tar entry '%s': chmod %04o",
                                          c->name, perm);
        }
        const char *xname;
        const void *xval;
        size_t xlen;
        A->archive_entry_xattr_reset(c->ent);
        while (A->archive_entry_xattr_next(c->ent, &xname, &xval, &xlen) == ARCHIVE_OK) {
                /* Not every filesystem or namespace allows every name:
                 * as docker and podman, such xattrs are left out. */
                r = is_link ? -ENOTSUP : xattr_set(c->pfd, c->base, c->fd, xname, xval, xlen);
                if (r < 0)
                        log_debug("tar entry '%s': xattr '%s' not set: %s", c->name, xname,
                                  strerror(-r));
        }
        struct timespec ts[2] = {
                {.tv_nsec = UTIME_OMIT},
                {.tv_sec = A->archive_entry_mtime(c->ent),
                 .tv_nsec = A->archive_entry_mtime_nsec(c->ent)},
        };
        if (is_dir) {
                /* entries made inside would change it: set at the end */
                xgrow((void **)&x->dirs, &x->cap_dirs, x->n_dirs + 1, sizeof(*x->dirs));
                x->dirs[x->n_dirs].path = xstrdup(c->rel);
                memcpy(x->dirs[x->n_dirs].ts, ts, sizeof(ts));
                x->n_dirs++;
                return 0;
        }
        r = c->fd >= 0 ? futimens(c->fd, ts) : utimensat(c->pfd, c->base, ts, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                return err_errno(e, "tar entry '%s': setting times", c->name);
        return 0;
}

static int write_data(struct extractor *x, struct entry *c, struct err *e)
{
        const struct archive_dl *A = x->A;
        int64_t end = 0;
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = A->archive_read_data_block(c->tar, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        _cleanup_free_ char *what = xasprintf("tar entry '%s'", c->name);
                        return archive_fail(x, c->tar, what, e);
                }
                if ((r = fs_pwrite_all(c->fd, buf, len, off)) < 0)
                        return err_errnum(e, r, "tar entry '%s': writing", c->name);
                if (off + (int64_t)len > end)
                        end = off + (int64_t)len;
        }
        int64_t size = A->archive_entry_size(c->ent);
        if (end < size && ftruncate(c->fd, size) < 0)
                return err_errno(e, "tar entry '%s': extending to %lld bytes", c->name,
                                 (long long)size);
        return 0;
}

static int make_hardlink(struct extractor *x, struct entry *c, struct err *e)
{
        const char *link = x->A->archive_entry_hardlink(c->ent);
        _cleanup_free_ char *clean = link ? cp_path_clean(link) : NULL;
        if (!clean)
                return err_set(e, EINVAL,
                               "tar entry '%s': hard link target '%s' is outside "
                               "the destination",
                               c->name, link ? link : "");
        if (STREQ(clean, "."))
                return err_set(e, EINVAL, "tar entry '%s': invalid hard link target '%s'", c->name,
                               link);
        _cleanup_free_ char *target = join(x->dest, clean);
        _cleanup_free_ char *dir = path_dir(target);
        _cleanup_close_ int tfd = open_dir_in_root(x->rootfd, dir);
        if (tfd < 0)
                return err_errnum(e, tfd, "tar entry '%s': hard link target '%s'", c->name, link);
        if (linkat(tfd, path_base(target), c->pfd, c->base, 0) < 0)
                return err_errno(e, "tar entry '%s': hard link to '%s'", c->name, link);
        return 0;
}

static int extract_entry(struct extractor *x, struct archive *tar, struct archive_entry *ent,
                         struct err *e)
{
        const struct archive_dl *A = x->A;
        const char *name = A->archive_entry_pathname(ent);
        if (!name || !*name)
                return err_set(e, EINVAL, "tar entry without a name");
        if (strlen(name) > CP_NAME_MAX)
                return err_set(e, ENAMETOOLONG, "tar entry '%.64s...': name too long", name);
        _cleanup_free_ char *clean = cp_path_clean(name);
        if (!clean)
                return err_set(e, EINVAL, "tar entry '%s': path is outside the destination", name);
        _cleanup_free_ char *rel = join(x->dest, clean);
        if (strlen(rel) > CP_NAME_MAX)
                return err_set(e, ENAMETOOLONG, "tar entry '%.64s...': name too long", name);

        const char *hl = A->archive_entry_hardlink(ent);
        mode_t type = A->archive_entry_filetype(ent);
        bool is_dir = !hl && type == AE_IFDIR;
        if (STREQ(clean, ".")) {
                /* The destination itself: it stays as it is. */
                if (is_dir)
                        return 0;
                return err_set(e, EINVAL,
                               "tar entry '%s': cannot replace the destination "
                               "directory with a non-directory",
                               name);
        }
        struct entry c = {.tar = tar, .ent = ent, .name = name, .rel = rel, .fd = -1};
        c.base = path_base(rel);
        if (x->o->chown) {
                c.uid = x->o->uid;
                c.gid = x->o->gid;
        } else if (map_id(x->o->uidmap, x->o->n_uidmap, A->archive_entry_uid(ent), &c.uid) < 0 ||
                   map_id(x->o->gidmap, x->o->n_gidmap, A->archive_entry_gid(ent), &c.gid) < 0) {
                return err_set(e, EINVAL,
                               "tar entry '%s': owner %lld:%lld is not mapped in the "
                               "container",
                               name, (long long)A->archive_entry_uid(ent),
                               (long long)A->archive_entry_gid(ent));
        }
        bool dev = !hl && (type == AE_IFCHR || type == AE_IFBLK);
        if (dev && x->o->no_devices) {
                log_debug("tar entry '%s': device node skipped", name);
                return 0;
        }
        if (!hl && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK && !dev &&
            type != AE_IFIFO)
                return err_set(e, EINVAL, "tar entry '%s': unsupported entry type 0%o", name,
                               (unsigned)type);

        _cleanup_free_ char *dir = path_dir(rel);
        _cleanup_close_ int pfd = open_dir(x, dir, 0);
        if (pfd < 0)
                return err_errnum(e, pfd, "tar entry '%s': opening its directory '/%s'", name,
                                  STREQ(dir, ".") ? "" : dir);
        c.pfd = pfd;

        struct stat st;
        if (fstatat(pfd, c.base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                bool was_dir = S_ISDIR(st.st_mode);
                if (was_dir && is_dir)
                        goto made;
                if (was_dir && !x->o->overwrite)
                        return err_set(e, EEXIST,
                                       "cannot overwrite directory \"/%s\" with non-directory "
                                       "\"%s\"",
                                       rel, name);
                if (!was_dir && is_dir && !x->o->overwrite)
                        return err_set(e, EEXIST,
                                       "cannot overwrite non-directory \"/%s\" with directory "
                                       "\"%s\"",
                                       rel, name);
                int r = rm_rf_at(pfd, c.base, 0);
                if (r < 0)
                        return err_errnum(e, r, "tar entry '%s': removing the existing '/%s'", name,
                                          rel);
        } else if (errno != ENOENT) {
                return err_errno(e, "tar entry '%s': stat", name);
        }

        int r = 0;
        if (hl) {
                if ((r = make_hardlink(x, &c, e)) < 0)
                        return r;
                return 0; /* the target's metadata is the link's */
        }
        switch (type) {
        case AE_IFREG:
                c.fd = openat(pfd, c.base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                              0600);
                if (c.fd < 0)
                        return err_errno(e, "tar entry '%s': creating", name);
                r = write_data(x, &c, e);
                if (r < 0) {
                        close(c.fd);
                        return r;
                }
                break;
        case AE_IFDIR:
                r = mkdirat(pfd, c.base, 0700);
                break;
        case AE_IFLNK: {
                const char *target = A->archive_entry_symlink(ent);
                r = symlinkat(target ? target : "", pfd, c.base);
                break;
        }
        case AE_IFCHR:
        case AE_IFBLK:
                r = mknodat(
                        pfd, c.base, (type == AE_IFCHR ? S_IFCHR : S_IFBLK) | 0600,
                        makedev(A->archive_entry_rdevmajor(ent), A->archive_entry_rdevminor(ent)));
                break;
        case AE_IFIFO:
                r = mknodat(pfd, c.base, S_IFIFO | 0600, 0);
                break;
        }
        if (r < 0)
                return err_errno(e, "tar entry '%s': creating", name);
made:
        r = set_metadata(x, &c, is_dir, type == AE_IFLNK, e);
        if (c.fd >= 0)
                close(c.fd);
        return r;
}

static int fix_dir_times(struct extractor *x, struct err *e)
{
        for (size_t i = x->n_dirs; i-- > 0;) {
                const char *rel = x->dirs[i].path;
                _cleanup_free_ char *dir = path_dir(rel);
                _cleanup_close_ int pfd =
                        STREQ(dir, ".")
                                ? openat(x->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                : fs_open_in_root(x->rootfd, dir, O_PATH | O_DIRECTORY, 0, NULL);
                struct stat st;
                if (pfd < 0 || fstatat(pfd, path_base(rel), &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue; /* replaced by a later entry */
                if (utimensat(pfd, path_base(rel), x->dirs[i].ts, AT_SYMLINK_NOFOLLOW) < 0)
                        return err_errno(e, "setting the times of '/%s'", rel);
        }
        return 0;
}

static void extractor_done(struct extractor *x)
{
        free(x->inbuf);
        err_done(&x->cb_err);
        for (size_t i = 0; i < x->n_dirs; i++)
                free(x->dirs[i].path);
        free(x->dirs);
}

int cp_tar_extract(int in_fd, int rootfd, const char *dest, const struct cp_tar_in_opts *o,
                   struct err *e)
{
        _cleanup_free_ char *d = cp_path_clean(dest);
        if (!d)
                return err_set(e, EINVAL, "'%s': destination is outside the root", dest);
        _cleanup_(extractor_done) struct extractor x = {
                .o = o, .rootfd = rootfd, .dest = d, .in_fd = in_fd};
        int r = archive_dl_get(&x.A, e);
        if (r < 0)
                return r;
        if (o->chown) {
                x.dflt_uid = o->uid;
                x.dflt_gid = o->gid;
        } else if (map_id(o->uidmap, o->n_uidmap, 0, &x.dflt_uid) < 0 ||
                   map_id(o->gidmap, o->n_gidmap, 0, &x.dflt_gid) < 0) {
                return err_set(e, EINVAL, "the container's root 0:0 is not mapped");
        }
        x.inbuf = xmalloc(IN_BUF);
        const struct archive_dl *A = x.A;
        struct archive *tar = A->archive_read_new();
        if (!tar)
                return err_set(e, ENOMEM, "archive_read_new");
        /* Only decoders built into libarchive: "all" would add ones that
         * run external programs on hostile input. */
        if (A->archive_read_support_format_tar(tar) != ARCHIVE_OK ||
            A->archive_read_support_filter_gzip(tar) != ARCHIVE_OK ||
            A->archive_read_support_filter_zstd(tar) != ARCHIVE_OK ||
            A->archive_read_support_filter_bzip2(tar) != ARCHIVE_OK ||
            A->archive_read_support_filter_xz(tar) != ARCHIVE_OK ||
            A->archive_read_open(tar, &x, NULL, in_read_cb, NULL) != ARCHIVE_OK) {
                r = archive_fail(&x, tar, "reading the tar stream", e);
                goto out;
        }
        for (;;) {
                struct archive_entry *ent;
                r = A->archive_read_next_header(tar, &ent);
                if (r == ARCHIVE_EOF) {
                        r = 0;
                        break;
                }
                if (r < ARCHIVE_WARN) {
                        r = archive_fail(&x, tar, "reading the tar stream", e);
                        break;
                }
                if ((r = extract_entry(&x, tar, ent, e)) < 0)
                        break;
        }
        if (r >= 0)
                r = fix_dir_times(&x, e);
out:
        A->archive_read_free(tar);
        return r;
}
