/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applying a layer tar to a directory in one pass over the input.
 *
 * in_fd -> [read callback: compressed digest] -> libarchive reader 1
 * (format raw, gzip/zstd/bzip2/xz filters) -> [callback: diff digest, tar
 * tokenizer writing tar-split] -> libarchive reader 2 (format tar) ->
 * extraction under rootfd.
 *
 * Two tar readers see the same bytes: libarchive extracts (data, sparse
 * maps, modes, owners, times, xattrs) and tar-stream.c reads the archive
 * as podman's Go reader does. Names, link targets and entry types come from
 * the latter, so the tree is the one podman would make from the same tar,
 * and every entry libarchive returns must start where the Go reader's does,
 * which rejects archives the two would read differently.
 *
 * Every path is resolved under rootfd (fs_open_in_root: symlinks and ".."
 * stay inside) and every object is made with *at() calls relative to an
 * fd of its parent, so nothing outside rootfd is ever touched.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "archive-dl.h"
#include "layer-apply.h"

#define IO_BUF (128 * 1024)
/* archive_platform.h's ARCHIVE_ERRNO_FILE_FORMAT on Linux (no EFTYPE). */
#define LA_ERRNO_FILE_FORMAT EILSEQ
#define RM_MAX_DEPTH 400

struct dir_time {
        char *path;
        struct timespec ts[2];
};

struct applier {
        const struct archive_dl *A;
        const struct apply_opts *o;
        int rootfd;
        int in_fd;
        struct digester *cdig, *udig;
        int64_t csize, usize;
        /* Not compressed: the uncompressed stream is the input, byte for
         * byte, so the diff digest is the compressed one (hashed once). */
        bool plain;
        struct archive *raw; /* decompressor */
        bool raw_eof, in_eof;
        struct tarsplit_writer *w;
        struct tar_stream *ts;
        struct err cb_err; /* first error raised inside a libarchive callback */
        unsigned char *inbuf, *ubuf;
        struct strset unpacked; /* paths this layer created (vfs opaque dirs) */
        struct strset dirs_seen;
        struct dir_time *dirs;
        size_t n_dirs, cap_dirs;
        uint32_t root_uid, root_gid;
        bool root_set;
        struct strset implicit; /* root_mode_pending: see open_dir */
};

static void applier_done(struct applier *ap)
{
        if (ap->raw)
                ap->A->archive_read_free(ap->raw);
        digester_free(ap->cdig);
        digester_free(ap->udig);
        tar_stream_free(ap->ts);
        tarsplit_writer_free(ap->w);
        err_done(&ap->cb_err);
        free(ap->inbuf);
        free(ap->ubuf);
        strset_done(&ap->unpacked);
        strset_done(&ap->dirs_seen);
        strset_done(&ap->implicit);
        for (size_t i = 0; i < ap->n_dirs; i++)
                free(ap->dirs[i].path);
        free(ap->dirs);
}

void apply_result_done(struct apply_result *r)
{
        if (!r)
                return;
        free(r->compressed_digest);
        free(r->diff_digest);
        free(r->uids);
        free(r->gids);
        strv_free(r->inherit_dirs);
        *r = (struct apply_result){0};
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

/* ------------------------------------------------------------------------
 * The two readers and their callbacks
 * ------------------------------------------------------------------------ */

static la_ssize_t in_read_cb(struct archive *a, void *ud, const void **buf)
{
        struct applier *ap = ud;
        ssize_t n;
        do
                n = read(ap->in_fd, ap->inbuf, IO_BUF);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                int saved = errno;
                if (!ap->cb_err.code)
                        err_errnum(&ap->cb_err, saved, "reading the layer stream");
                ap->A->archive_set_error(a, saved, "reading the layer stream");
                return -1;
        }
        if (n == 0)
                ap->in_eof = true;
        digester_update(ap->cdig, ap->inbuf, (size_t)n);
        ap->csize += n;
        *buf = ap->inbuf;
        return n;
}

/* Decompress the next chunk and tee it into the diff digest and the
 * tokenizer: every uncompressed byte passes here exactly once. */
static la_ssize_t pull_uncompressed(struct applier *ap)
{
        if (ap->raw_eof)
                return 0;
        la_ssize_t n = ap->A->archive_read_data(ap->raw, ap->ubuf, IO_BUF);
        if (n < 0) {
                if (!ap->cb_err.code)
                        err_set(&ap->cb_err, EBADMSG, "decompressing the layer: %s",
                                ap->A->archive_error_string(ap->raw));
                return -1;
        }
        if (n == 0) {
                ap->raw_eof = true;
                return 0;
        }
        if (!ap->plain)
                digester_update(ap->udig, ap->ubuf, (size_t)n);
        ap->usize += n;
        if (tar_stream_feed(ap->ts, ap->ubuf, (size_t)n, &ap->cb_err) < 0)
                return -1;
        return n;
}

static la_ssize_t tar_read_cb(struct archive *a, void *ud, const void **buf)
{
        struct applier *ap = ud;
        la_ssize_t n = pull_uncompressed(ap);
        if (n < 0) {
                ap->A->archive_set_error(a, ap->cb_err.code, "%s", ap->cb_err.msg);
                return -1;
        }
        *buf = ap->ubuf;
        return n;
}

/* An error from libarchive, unless a callback failed first or the rest of
 * the stream shows what is wrong: the tokenizer's and the decompressor's
 * errors name the entry and the offset ("truncated tar archive ..."). */
static int archive_fail(struct applier *ap, struct archive *a, const char *what, struct err *e)
{
        while (!ap->cb_err.code && !ap->raw_eof)
                if (pull_uncompressed(ap) < 0)
                        break;
        if (!ap->cb_err.code && tar_stream_finish(ap->ts, &ap->cb_err) >= 0)
                err_done(&ap->cb_err);
        if (ap->cb_err.code)
                return err_move(e, &ap->cb_err);
        const char *msg = ap->A->archive_error_string(a);
        return err_set(e, EBADMSG, "%s: %s", what, msg ? msg : "unknown libarchive error");
}

static int compression_of(struct applier *ap, int *ret, struct err *e)
{
        /* Filter 0 is the outermost decoder; the last one is the reader of
         * our callback. containers/storage decompresses once, so a second
         * layer of compression would give it a different tar. */
        int count = ap->A->archive_filter_count(ap->raw);
        if (count > 2)
                return err_set(e, EINVAL, "layer is compressed more than once (not supported)");
        switch (ap->A->archive_filter_code(ap->raw, 0)) {
        case ARCHIVE_FILTER_NONE:
                *ret = 0;
                return 0;
        case ARCHIVE_FILTER_BZIP2:
                *ret = 1;
                return 0;
        case ARCHIVE_FILTER_GZIP:
                *ret = 2;
                return 0;
        case ARCHIVE_FILTER_XZ:
                *ret = 3;
                return 0;
        case ARCHIVE_FILTER_ZSTD:
                *ret = 4;
                return 0;
        default:
                return err_set(e, EINVAL, "layer compression '%d' is not supported",
                               ap->A->archive_filter_code(ap->raw, 0));
        }
}

static int open_decompressor(struct applier *ap, bool *ret_empty, struct err *e)
{
        const struct archive_dl *A = ap->A;
        ap->raw = A->archive_read_new();
        if (!ap->raw)
                return err_set(e, ENOMEM, "archive_read_new");
        /* Only decoders built into libarchive: "all" would include ones that
         * fork external programs (lrzip, lzop, grzip) on hostile input. */
        if (A->archive_read_support_format_raw(ap->raw) != ARCHIVE_OK ||
            A->archive_read_support_filter_gzip(ap->raw) != ARCHIVE_OK ||
            A->archive_read_support_filter_zstd(ap->raw) != ARCHIVE_OK ||
            A->archive_read_support_filter_bzip2(ap->raw) != ARCHIVE_OK ||
            A->archive_read_support_filter_xz(ap->raw) != ARCHIVE_OK)
                return err_set(e, ENOPKG, "libarchive lacks built-in gzip/zstd/bzip2/xz: %s",
                               A->archive_error_string(ap->raw));
        int r = A->archive_read_open(ap->raw, ap, NULL, in_read_cb, NULL);
        struct archive_entry *ent;
        if (r == ARCHIVE_OK)
                r = A->archive_read_next_header(ap->raw, &ent);
        *ret_empty = false;
        if (r == ARCHIVE_OK)
                return 0;
        if (ap->cb_err.code)
                return err_move(e, &ap->cb_err);
        /* The raw format takes any byte, so "unrecognized" means that
         * nothing came out of the decoders: an empty tar stream, which Go's
         * reader accepts as an archive without entries. */
        if (A->archive_errno(ap->raw) == LA_ERRNO_FILE_FORMAT) {
                *ret_empty = true;
                ap->raw_eof = true;
                return 0;
        }
        return archive_fail(ap, ap->raw, "decompressing the layer", e);
}

/* ------------------------------------------------------------------------
 * Confined filesystem helpers
 * ------------------------------------------------------------------------ */

/* Remove dirfd/name and everything below it, never following a link. */
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

static const char *path_base(const char *rel)
{
        const char *s = strrchr(rel, '/');
        return s ? s + 1 : rel;
}

/* Allocates: the directory part of a cleaned relative path ("." if none). */
static char *path_dir(const char *rel)
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
        _cleanup_free_ char *parent = path_dir(rel);
        _cleanup_close_ int pfd = open_dir(ap, parent);
        if (pfd < 0)
                return pfd;
        const char *base = path_base(rel);
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

static int open_parent(struct applier *ap, const char *rel, const char *entry, struct err *e)
{
        _cleanup_free_ char *dir = path_dir(rel);
        int fd = open_dir(ap, dir);
        if (fd < 0)
                return err_errnum(e, fd, "tar entry '%s': opening its directory '%s'", entry, dir);
        return fd;
}

/* setxattr on an object without opening it for I/O (devices, fifos,
 * symlinks, unreadable dirs): through its O_PATH fd in /proc. */
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

/* ------------------------------------------------------------------------
 * Entries
 * ------------------------------------------------------------------------ */

struct entry_ctx {
        struct archive *tar;
        struct archive_entry *ent;
        const struct ts_entry *t;
        const char *rel;  /* cleaned path relative to the root ("." for it) */
        const char *base; /* last component of rel */
        int pfd;          /* parent directory (O_PATH) */
        int fd;           /* the object itself when open for writing, else -1 */
        uint32_t uid, gid;
};

/* The entry's atime and mtime for utimensat. */
static void entry_times(struct applier *ap, const struct entry_ctx *c, struct timespec ts[2])
{
        const struct archive_dl *A = ap->A;
        /* podman sets atime to the epoch when the tar has none. */
        bool atime = A->archive_entry_atime_is_set(c->ent);
        ts[0] = (struct timespec){
                .tv_sec = atime ? A->archive_entry_atime(c->ent) : 0,
                .tv_nsec = atime ? A->archive_entry_atime_nsec(c->ent) : 0,
        };
        ts[1] = (struct timespec){
                .tv_sec = A->archive_entry_mtime(c->ent),
                .tv_nsec = A->archive_entry_mtime_nsec(c->ent),
        };
}

static int set_metadata(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        const struct archive_dl *A = ap->A;
        const char *name = c->t->name;
        struct stat st;

        if (fstatat(c->pfd, c->base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "tar entry '%s': stat", name);
        bool is_link = S_ISLNK(st.st_mode);

        /* chown first: it clears setuid bits and file capabilities. */
        int r = c->fd >= 0 ? fchown(c->fd, c->uid, c->gid)
                           : fchownat(c->pfd, c->base, c->uid, c->gid, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                return err_errno(e, "tar entry '%s': chown to %u:%u%s", name, c->uid, c->gid,
                                 ap->o->rootless ? " (are enough uids/gids mapped in the user "
                                                   "namespace? see /etc/subuid, /etc/subgid)"
                                                 : "");
        mode_t perm = A->archive_entry_perm(c->ent) & 07777;
        if (!is_link) {
                r = c->fd >= 0 ? fchmod(c->fd, perm) : fchmodat(c->pfd, c->base, perm, 0);
                if (r < 0)
                        return err_errno(e, "tar entry '%s': chmod %04o", name, perm);
        }

        const char *xname;
        const void *xval;
        size_t xlen;
        A->archive_entry_xattr_reset(c->ent);
        while (A->archive_entry_xattr_next(c->ent, &xname, &xval, &xlen) == ARCHIVE_OK) {
                r = xattr_set(c->pfd, c->base, c->fd, xname, xval, xlen);
                /* As containers/storage: filesystems without xattrs, and
                 * privileged names in a user namespace, are skipped. */
                if (r == -ENOTSUP || (r == -EPERM && ap->o->rootless)) {
                        log_debug("tar entry '%s': xattr '%s' not set: %s", name, xname,
                                  strerror(-r));
                        continue;
                }
                if (r < 0)
                        return err_errnum(e, r, "tar entry '%s': setting xattr '%s'", name, xname);
        }

        struct timespec ts[2];
        entry_times(ap, c, ts);
        if (S_ISDIR(st.st_mode)) {
                /* later entries inside would change it: set at the end */
                xgrow((void **)&ap->dirs, &ap->cap_dirs, ap->n_dirs + 1, sizeof(*ap->dirs));
                ap->dirs[ap->n_dirs].path = xstrdup(c->rel);
                memcpy(ap->dirs[ap->n_dirs].ts, ts, sizeof(ts));
                ap->n_dirs++;
                return 0;
        }
        r = c->fd >= 0 ? futimens(c->fd, ts) : utimensat(c->pfd, c->base, ts, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                return err_errno(e, "tar entry '%s': setting times", name);
        return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
                off += n;
        }
        return 0;
}

static int write_data(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        const struct archive_dl *A = ap->A;
        int64_t end = 0;
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = A->archive_read_data_block(c->tar, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        _cleanup_free_ char *what = xasprintf("tar entry '%s'", c->t->name);
                        return archive_fail(ap, c->tar, what, e);
                }
                /* Sparse data comes as blocks at offsets; holes stay holes. */
                r = pwrite_all(c->fd, buf, len, off);
                if (r < 0)
                        return err_errnum(e, r, "tar entry '%s': writing", c->t->name);
                if (off + (int64_t)len > end)
                        end = off + (int64_t)len;
        }
        int64_t size = A->archive_entry_size(c->ent);
        if (end < size && ftruncate(c->fd, size) < 0)
                return err_errno(e, "tar entry '%s': extending to %lld bytes", c->t->name,
                                 (long long)size);
        return 0;
}

static int make_hardlink(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        const char *name = c->t->name;
        _cleanup_free_ char *clean = go_path_clean(c->t->linkname);
        if (STREQ(clean, "..") || str_has_prefix(clean, "../"))
                return err_set(e, EINVAL,
                               "tar entry '%s': hard link target '%s' is outside "
                               "the layer",
                               name, c->t->linkname);
        const char *rel = clean[0] == '/' ? clean + 1 : clean;
        if (!*rel || STREQ(rel, "."))
                return err_set(e, EINVAL, "tar entry '%s': invalid hard link target '%s'", name,
                               c->t->linkname);
        _cleanup_free_ char *dir = path_dir(rel);
        _cleanup_close_ int tfd = fs_open_in_root(ap->rootfd, dir, O_PATH | O_DIRECTORY, 0, NULL);
        if (tfd < 0)
                return err_errnum(e, tfd, "tar entry '%s': hard link target '%s'", name,
                                  c->t->linkname);
        if (linkat(tfd, path_base(rel), c->pfd, c->base, 0) < 0)
                return err_errno(e, "tar entry '%s': hard link to '%s'", name, c->t->linkname);
        return 0;
}

static int create_object(struct applier *ap, struct entry_ctx *c, bool *skipped, struct err *e)
{
        const struct archive_dl *A = ap->A;
        const char *name = c->t->name;
        char type = c->t->type;
        struct stat st;

        *skipped = false;
        if (fstatat(c->pfd, c->base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                /* A directory over a directory keeps it (and its contents);
                 * anything else replaces what is there. */
                if (S_ISDIR(st.st_mode) && type == '5')
                        return 0;
                if (STREQ(c->rel, "."))
                        return err_set(e, EINVAL, "tar entry '%s': the root must be a directory",
                                       name);
                int r = rm_rf_at(c->pfd, c->base, 0);
                if (r < 0)
                        return err_errnum(e, r, "tar entry '%s': removing the existing '%s'", name,
                                          c->rel);
        } else if (errno != ENOENT) {
                return err_errno(e, "tar entry '%s': stat", name);
        }

        dev_t dev = makedev(A->archive_entry_rdevmajor(c->ent), A->archive_entry_rdevminor(c->ent));
        int r = 0;
        switch (type) {
        case '0':
        case '7':
        case 'S':
                c->fd = openat(c->pfd, c->base,
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (c->fd < 0)
                        return err_errno(e, "tar entry '%s': creating", name);
                return write_data(ap, c, e);
        case '5':
                r = mkdirat(c->pfd, c->base, 0700);
                break;
        case '2':
                r = symlinkat(c->t->linkname, c->pfd, c->base);
                break;
        case '1':
                return make_hardlink(ap, c, e);
        case '3':
        case '4':
                /* A user namespace cannot make devices, except whiteouts. */
                if (ap->o->rootless && !(type == '3' && dev == makedev(0, 0))) {
                        log_debug("tar entry '%s': device skipped (rootless)", name);
                        *skipped = true;
                        return 0;
                }
                r = mknodat(c->pfd, c->base, (type == '3' ? S_IFCHR : S_IFBLK) | 0600, dev);
                break;
        case '6':
                r = mknodat(c->pfd, c->base, S_IFIFO | 0600, 0);
                break;
        }
        if (r < 0)
                return err_errno(e, "tar entry '%s': creating", name);
        return 0;
}

static int apply_whiteout(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        const char *name = c->t->name;
        const char *target = c->base + 4;
        if (!*target || STREQ(target, ".") || STREQ(target, ".."))
                return err_set(e, EINVAL, "tar entry '%s': invalid whiteout", name);
        int r = rm_rf_at(c->pfd, target, 0);
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
        entry_times(ap, c, ts);
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
                        r = rm_rf_at(dirfd(d), de->d_name, 0);
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

static int apply_opaque(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        _cleanup_free_ char *dir = path_dir(c->rel);
        int r;
        if (ap->o->mode == APPLY_VFS)
                r = opaque_prune(ap, c->pfd, dir, 0);
        else
                r = xattr_set(c->pfd, ".", -1,
                              ap->o->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque",
                              "y", 1);
        if (r < 0)
                return err_errnum(e, r, "tar entry '%s': making '%s' opaque", c->t->name, dir);
        return 0;
}

static bool aufs_meta(const char *rel)
{
        for (const char *p = rel; p; p = strchr(p, '/')) {
                if (*p == '/')
                        p++;
                if (str_has_prefix(p, ".wh..wh."))
                        return true;
        }
        return false;
}

static int extract_entry(struct applier *ap, struct archive *tar, struct archive_entry *ent,
                         const struct ts_entry *t, struct err *e)
{
        const struct archive_dl *A = ap->A;
        const char *name = t->name;

        if (!strchr("0123456S7", t->type) || !t->type)
                return err_set(e, EINVAL, "tar entry '%s': unsupported entry type '%c'", name,
                               t->type);
        bool la_sparse = A->archive_entry_sparse_count(ent) > 0;
        bool regular = t->type == '0' || t->type == '7' || t->type == 'S';
        if ((la_sparse && !t->sparse) ||
            (regular && !t->sparse && A->archive_entry_size(ent) != t->size))
                return err_set(e, EBADMSG,
                               "tar entry '%s': the archive can be read in more than one way "
                               "(size or sparse map disagree between tar readers)",
                               name);

        _cleanup_free_ char *clean = go_path_clean(name);
        if (STREQ(clean, "..") || str_has_prefix(clean, "../"))
                return err_set(e, EINVAL, "tar entry '%s': path is outside the layer", name);
        const char *rel = clean[0] == '/' ? clean + 1 : clean;
        if (!*rel)
                rel = ".";
        const char *base = path_base(rel);

        /* A mount-program store keeps every .wh. name as a plain entry. */
        bool literal = ap->o->mode == APPLY_OVERLAY && ap->o->aufs_whiteouts;
        bool opaque = !literal && STREQ(base, ".wh..wh..opq");
        if (!literal && aufs_meta(rel) && !opaque) {
                log_debug("tar entry '%s': AUFS metadata skipped", name);
                return 0;
        }

        struct entry_ctx c = {.tar = tar, .ent = ent, .t = t, .rel = rel, .base = base, .fd = -1};
        if (map_id(ap->o->uidmap, ap->o->n_uidmap, A->archive_entry_uid(ent), &c.uid) < 0 ||
            map_id(ap->o->gidmap, ap->o->n_gidmap, A->archive_entry_gid(ent), &c.gid) < 0)
                return err_set(e, EINVAL, "tar entry '%s': owner %lld:%lld is not mapped", name,
                               (long long)A->archive_entry_uid(ent),
                               (long long)A->archive_entry_gid(ent));

        bool whiteout = !literal && !opaque && str_has_prefix(base, ".wh.");
        if (!whiteout && !opaque) {
                /* Names the tar-split check lets through but that land on
                 * the same path ("/a" and "a"): only directories merge. */
                bool dir = t->type == '5';
                if (strset_contains(&ap->unpacked, rel) &&
                    !(dir && strset_contains(&ap->dirs_seen, rel)))
                        return err_set(e, EINVAL, "duplicate entry '%s' in the tar (not supported)",
                                       name);
        }

        int r = 0;
        _cleanup_close_ int pfd = -1;
        if (STREQ(rel, ".")) {
                pfd = openat(ap->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (pfd < 0)
                        return err_errno(e, "opening the layer root");
        } else {
                pfd = open_parent(ap, rel, name, e);
                if (pfd < 0)
                        return pfd;
        }
        c.pfd = pfd;
        if (opaque)
                return apply_opaque(ap, &c, e);
        if (whiteout)
                return apply_whiteout(ap, &c, e);

        bool skipped;
        r = create_object(ap, &c, &skipped, e);
        if (r >= 0 && !skipped)
                r = set_metadata(ap, &c, e);
        if (c.fd >= 0)
                close(c.fd);
        if (r < 0)
                return r;
        strset_add(&ap->unpacked, rel);
        if (t->type == '5')
                strset_add(&ap->dirs_seen, rel);
        if (STREQ(rel, "."))
                ap->root_set = true;
        return 0;
}

/* The Go reader's entry for the one libarchive just returned: global pax
 * headers are entries for Go and part of the next header for libarchive. */
static struct ts_entry *pop_matching(struct applier *ap, int64_t pos, struct err *e)
{
        int64_t expect = -1;
        for (;;) {
                struct ts_entry *t = tar_stream_pop(ap->ts);
                if (!t) {
                        err_set(e, EBADMSG,
                                "tar entry at offset %lld: the archive can be read in more than "
                                "one way (tar readers disagree on its structure)",
                                (long long)pos);
                        return NULL;
                }
                if (expect < 0)
                        expect = (int64_t)t->start;
                if (t->type == 'g') {
                        ts_entry_free(t);
                        continue;
                }
                if (pos != expect) {
                        err_set(e, EBADMSG,
                                "tar entry '%s': the archive can be read in more than one way "
                                "(entry at offset %lld for one tar reader, %lld for another)",
                                t->name, (long long)expect, (long long)pos);
                        ts_entry_free(t);
                        return NULL;
                }
                return t;
        }
}

static void tar_freep(struct applier *ap, struct archive **a)
{
        if (*a)
                ap->A->archive_read_free(*a);
}

static int extract_all(struct applier *ap, struct err *e)
{
        const struct archive_dl *A = ap->A;
        struct archive *tar = A->archive_read_new();
        int r;
        if (!tar)
                return err_set(e, ENOMEM, "archive_read_new");
        if (A->archive_read_support_format_tar(tar) != ARCHIVE_OK ||
            A->archive_read_open(tar, ap, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
                r = archive_fail(ap, tar, "reading the layer tar", e);
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
                        r = archive_fail(ap, tar, "reading the layer tar", e);
                        break;
                }
                _cleanup_(ts_entry_freep) struct ts_entry *t =
                        pop_matching(ap, A->archive_read_header_position(tar), e);
                if (!t) {
                        r = -e->code;
                        break;
                }
                r = extract_entry(ap, tar, ent, t, e);
                if (r < 0)
                        break;
        }
out:
        tar_freep(ap, &tar);
        return r;
}

static int fix_dir_times(struct applier *ap, struct err *e)
{
        for (size_t i = 0; i < ap->n_dirs; i++) {
                const char *rel = ap->dirs[i].path;
                _cleanup_free_ char *dir = path_dir(rel);
                const char *base = STREQ(rel, ".") ? "." : path_base(rel);
                _cleanup_close_ int pfd =
                        STREQ(rel, ".")
                                ? openat(ap->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                : fs_open_in_root(ap->rootfd, dir, O_PATH | O_DIRECTORY, 0, NULL);
                struct stat st;
                /* gone or replaced by a later entry: nothing to fix */
                if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue;
                if (utimensat(pfd, base, ap->dirs[i].ts, AT_SYMLINK_NOFOLLOW) < 0)
                        return err_errno(e, "setting the times of '%s'", rel);
        }
        return 0;
}

static int digest_mismatch(const char *expected, const char *got, struct err *e)
{
        return err_set(e, EBADMSG, "digest mismatch: expected %s, got %s", expected, got);
}

/* Applying failed with r: if the input is not what the caller expected,
 * that is the cause; read the rest of it to find out. */
static int input_check_failed(struct applier *ap, int r, struct err *e)
{
        const char *want = ap->o->expected_digest;
        if (!want)
                return r;
        while (!ap->in_eof) {
                ssize_t n = read(ap->in_fd, ap->inbuf, IO_BUF);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return r; /* cannot tell: keep the first error */
                if (n == 0)
                        break;
                digester_update(ap->cdig, ap->inbuf, (size_t)n);
        }
        _cleanup_free_ char *got = digester_final(ap->cdig);
        if (STREQ(got, want))
                return r;
        err_done(e);
        return digest_mismatch(want, got, e);
}

int layer_apply(int in_fd, int rootfd, int tarsplit_fd, const struct apply_opts *o,
                struct apply_result *ret, struct err *e)
{
        _cleanup_(applier_done) struct applier ap = {
                .o = o,
                .rootfd = rootfd,
                .in_fd = in_fd,
        };
        int r = archive_dl_get(&ap.A, e);
        if (r < 0)
                return r;
        if (map_id(o->uidmap, o->n_uidmap, 0, &ap.root_uid) < 0 ||
            map_id(o->gidmap, o->n_gidmap, 0, &ap.root_gid) < 0)
                return err_set(e, EINVAL, "applying a layer: container root 0:0 is not mapped");
        ap.cdig = digester_new();
        ap.udig = digester_new();
        ap.inbuf = xmalloc(IO_BUF);
        ap.ubuf = xmalloc(IO_BUF);

        bool empty;
        int compression = 0;
        r = open_decompressor(&ap, &empty, e);
        if (r >= 0)
                r = compression_of(&ap, &compression, e);
        if (r >= 0)
                r = tarsplit_writer_new(tarsplit_fd, &ap.w, e);
        if (r < 0)
                return input_check_failed(&ap, r, e);
        /* Only the bytes read so far went into cdig; none were handed out
         * uncompressed yet, so from here on one digest serves both. */
        ap.plain = compression == 0 && !empty && ap.usize == 0;
        ap.ts = tar_stream_new(ap.w, compression, true);

        if (!empty) {
                r = extract_all(&ap, e);
                /* The rest of the stream (padding, trailing bytes) belongs
                 * to the diff digest and the tar-split segments. */
                while (r >= 0 && !ap.raw_eof)
                        if (pull_uncompressed(&ap) < 0)
                                r = err_move(e, &ap.cb_err);
        }
        while (r >= 0 && !ap.in_eof) {
                const void *buf;
                if (in_read_cb(ap.raw, &ap, &buf) < 0)
                        r = err_move(e, &ap.cb_err);
        }
        if (r >= 0)
                r = tar_stream_finish(ap.ts, e);
        if (r >= 0) {
                /* Entries libarchive never returned: the readers disagree. */
                for (struct ts_entry *t; r >= 0 && (t = tar_stream_pop(ap.ts));) {
                        if (t->type != 'g')
                                r = err_set(e, EBADMSG,
                                            "tar entry '%s': the archive can be read in more "
                                            "than one way (one tar reader did not see it)",
                                            t->name);
                        ts_entry_free(t);
                }
        }
        if (r >= 0)
                r = fix_dir_times(&ap, e);
        if (r >= 0)
                r = tarsplit_writer_finish(ap.w, e);
        if (r >= 0 && ap.plain && ap.usize != ap.csize)
                r = err_set(e, EBADMSG, "uncompressed layer: %lld bytes read, %lld bytes seen",
                            (long long)ap.csize, (long long)ap.usize);
        if (r < 0)
                return input_check_failed(&ap, err_wrap(e, "applying layer"), e);

        char *cdigest = digester_final(ap.cdig);
        if (o->expected_digest && !STREQ(cdigest, o->expected_digest)) {
                r = digest_mismatch(o->expected_digest, cdigest, e);
                free(cdigest);
                return r;
        }
        *ret = (struct apply_result){
                .compressed_digest = cdigest,
                .compressed_size = ap.csize,
                .diff_digest = ap.plain ? xstrdup(cdigest) : digester_final(ap.udig),
                .diff_size = ap.usize,
                .compression = compression,
        };
        tar_stream_ids(ap.ts, &ret->uids, &ret->n_uids, &ret->gids, &ret->n_gids);
        ret->root_set = ap.root_set;
        /* Those whose mode an entry set afterwards keep that mode. */
        for (size_t i = 0; i < ap.implicit.cap; i++) {
                const char *d = ap.implicit.slots[i];
                if (d && !strset_contains(&ap.unpacked, d))
                        strv_add(&ret->inherit_dirs, d);
        }
        return 0;
}
