/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Producing layer diffs (for commit): a tar of an overlay upper directory,
 * or of what differs between a vfs layer and its parent. Written with
 * libarchive in pax-restricted format (plain ustar unless a long name or
 * an xattr needs a pax header), in sorted order so that the same tree
 * always gives the same bytes, and without record padding after the end
 * blocks, like Go's tar writer.
 *
 * Whiteouts use the AUFS names every layer tar uses: a 0:0 character device
 * becomes "<dir>/.wh.<name>" (regular, size 0, mode 0) and an opaque
 * directory gets "<dir>/.wh..wh..opq", with containers/storage's owners and
 * modes for them.
 *
 * The walks (diff_walk_overlay, diff_walk_naive) are shared with changes.c
 * through diff-walk.h; the tar writer is one consumer of them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "archive-dl.h"
#include "diff-walk.h"
#include "layer-apply.h"
#include "store-private.h"

#define DIFF_BUF (128 * 1024)
#define DIFF_MAX_DEPTH 400
#define XATTR_LIST_MAX_LEN (64 * 1024)

struct hardlink_seen {
        dev_t dev;
        ino_t ino;
        char *path;
};

struct differ {
        const struct archive_dl *A;
        struct archive *a;
        struct archive_entry *ent;
        int out_fd;
        struct err io_err;
        struct hardlink_seen *links;
        size_t n_links, cap_links;
        unsigned char *buf;
};

static la_ssize_t diff_write_cb(struct archive *a, void *ud, const void *buf, size_t len)
{
        struct differ *d = ud;
        const char *p = buf;
        size_t left = len;
        while (left > 0) {
                ssize_t n = write(d->out_fd, p, left);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        int saved = errno;
                        if (!d->io_err.code)
                                err_errnum(&d->io_err, saved, "writing the layer diff");
                        d->A->archive_set_error(a, saved, "writing the layer diff");
                        return -1;
                }
                p += n;
                left -= (size_t)n;
        }
        return (la_ssize_t)len;
}

static int diff_fail(struct differ *d, const char *what, struct err *e)
{
        if (d->io_err.code)
                return err_move(e, &d->io_err);
        return err_set(e, EIO, "%s: %s", what, d->A->archive_error_string(d->a));
}

static bool xattr_skipped(const char *name)
{
        /* overlay's and fuse-overlayfs' own bookkeeping and host labels
         * are not layer content */
        return str_has_prefix(name, "trusted.overlay.") || str_has_prefix(name, "user.overlay.") ||
               str_has_prefix(name, "user.fuseoverlayfs.") || STREQ(name, "security.selinux");
}

/* Add the object's xattrs to the entry (overlay's own markers excluded). */
static int add_xattrs(struct differ *d, int dirfd, const char *name, const char *path,
                      struct err *e)
{
        _cleanup_close_ int o = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (o < 0)
                return err_errno(e, "opening '%s'", path);
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o);
        _cleanup_free_ char *list = xmalloc(XATTR_LIST_MAX_LEN);
        ssize_t n = listxattr(proc, list, XATTR_LIST_MAX_LEN);
        if (n < 0) {
                if (errno == ENOTSUP || errno == EPERM)
                        return 0;
                return err_errno(e, "listing xattrs of '%s'", path);
        }
        _cleanup_free_ char *val = xmalloc(XATTR_LIST_MAX_LEN);
        for (char *k = list; k < list + n; k += strlen(k) + 1) {
                if (xattr_skipped(k))
                        continue;
                ssize_t vn = getxattr(proc, k, val, XATTR_LIST_MAX_LEN);
                if (vn < 0) {
                        if (errno == ENODATA || errno == EPERM)
                                continue;
                        return err_errno(e, "reading xattr '%s' of '%s'", k, path);
                }
                d->A->archive_entry_xattr_add_entry(d->ent, k, val, (size_t)vn);
        }
        return 0;
}

/* Whether the directory dirfd/name carries overlay's opaque marker (under
 * opaque_name, or fuse-overlayfs' own when it may not set that one). */
static bool dir_opaque(int dirfd, const char *name, const char *opaque_name)
{
        _cleanup_close_ int o = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (o < 0)
                return false;
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o);
        const char *names[] = {opaque_name, "user.fuseoverlayfs.opaque"};
        for (size_t i = 0; i < 2; i++) {
                char v[2];
                if (getxattr(proc, names[i], v, sizeof(v)) == 1 && v[0] == 'y')
                        return true;
        }
        return false;
}

static void entry_reset(struct differ *d, const char *path, const struct stat *st)
{
        const struct archive_dl *A = d->A;
        A->archive_entry_clear(d->ent);
        A->archive_entry_copy_pathname(d->ent, path);
        A->archive_entry_set_uid(d->ent, st->st_uid);
        A->archive_entry_set_gid(d->ent, st->st_gid);
        A->archive_entry_set_perm(d->ent, st->st_mode & 07777);
        /* seconds, like Go's writer: no pax header per file for ns */
        A->archive_entry_set_mtime(d->ent, st->st_mtim.tv_sec, 0);
}

static int write_header(struct differ *d, const char *path, struct err *e)
{
        if (d->A->archive_write_header(d->a, d->ent) < ARCHIVE_WARN) {
                _cleanup_free_ char *what = xasprintf("adding '%s' to the layer diff", path);
                return diff_fail(d, what, e);
        }
        return 0;
}

/* A whiteout marker: regular, size 0, with the given owner and mode. */
static int write_marker(struct differ *d, const char *path, const struct stat *like, mode_t perm,
                        struct err *e)
{
        struct stat st = *like;
        st.st_mode = S_IFREG | perm;
        entry_reset(d, path, &st);
        d->A->archive_entry_set_filetype(d->ent, AE_IFREG);
        d->A->archive_entry_set_size(d->ent, 0);
        return write_header(d, path, e);
}

static int write_file_data(struct differ *d, int dirfd, const char *name, const char *path,
                           int64_t size, struct err *e)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "opening '%s'", path);
        int64_t left = size;
        while (left > 0) {
                ssize_t n = read(fd, d->buf, left < DIFF_BUF ? (size_t)left : DIFF_BUF);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "reading '%s'", path);
                }
                if (n == 0)
                        return err_set(e, EIO, "'%s' shrank while writing the layer diff", path);
                if (d->A->archive_write_data(d->a, d->buf, (size_t)n) < 0)
                        return diff_fail(d, "writing the layer diff", e);
                left -= n;
        }
        return 0;
}

/* Write one object (not a whiteout device). */
static int write_object(struct differ *d, int dirfd, const char *name, const char *rel,
                        const struct stat *st, struct err *e)
{
        const struct archive_dl *A = d->A;
        _cleanup_free_ char *path = S_ISDIR(st->st_mode) ? xasprintf("%s/", rel) : xstrdup(rel);

        entry_reset(d, path, st);
        if (S_ISSOCK(st->st_mode))
                return 0; /* sockets are not layer content */
        int r = add_xattrs(d, dirfd, name, rel, e);
        if (r < 0)
                return r;

        if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
                for (size_t i = 0; i < d->n_links; i++)
                        if (d->links[i].dev == st->st_dev && d->links[i].ino == st->st_ino) {
                                A->archive_entry_set_filetype(d->ent, AE_IFREG);
                                A->archive_entry_copy_hardlink(d->ent, d->links[i].path);
                                A->archive_entry_set_size(d->ent, 0);
                                return write_header(d, path, e);
                        }
                xgrow((void **)&d->links, &d->cap_links, d->n_links + 1, sizeof(*d->links));
                d->links[d->n_links++] =
                        (struct hardlink_seen){st->st_dev, st->st_ino, xstrdup(rel)};
        }

        A->archive_entry_set_filetype(d->ent, st->st_mode & S_IFMT);
        if (S_ISREG(st->st_mode)) {
                A->archive_entry_set_size(d->ent, st->st_size);
                r = write_header(d, path, e);
                if (r >= 0)
                        r = write_file_data(d, dirfd, name, rel, st->st_size, e);
                return r;
        }
        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX + 1];
                ssize_t n = readlinkat(dirfd, name, target, PATH_MAX);
                if (n < 0)
                        return err_errno(e, "reading the link '%s'", rel);
                target[n] = '\0';
                A->archive_entry_copy_symlink(d->ent, target);
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
                A->archive_entry_set_rdevmajor(d->ent, major(st->st_rdev));
                A->archive_entry_set_rdevminor(d->ent, minor(st->st_rdev));
        }
        A->archive_entry_set_size(d->ent, 0);
        return write_header(d, path, e);
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Allocates: the sorted names in directory fd (which stays open). */
static int list_dir(int fd, const char *rel, char ***ret, struct err *e)
{
        int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return err_errno(e, "opening '%s'", rel);
        DIR *dir = fdopendir(dfd);
        if (!dir) {
                close(dfd);
                return err_errno(e, "opening '%s'", rel);
        }
        char **names = NULL;
        struct dirent *de;
        errno = 0;
        while ((de = readdir(dir)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        strv_add(&names, de->d_name);
        int saved = errno;
        closedir(dir);
        if (saved) {
                strv_free(names);
                return err_errnum(e, saved, "reading '%s'", rel);
        }
        size_t n = strv_length(names);
        if (n)
                qsort(names, n, sizeof(char *), cmp_names);
        *ret = names;
        return 0;
}

static char *join_rel(const char *rel, const char *name)
{
        return *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
}

struct walk {
        const struct diff_sink *k;
        void *ud;
        const char *opaque_name;
};

static int overlay_walk(const struct walk *w, int dirfd, const char *rel, int depth, struct err *e)
{
        if (depth > DIFF_MAX_DEPTH)
                return err_set(e, ELOOP, "'%s': directory tree too deep", rel);
        _cleanup_strv_ char **names = NULL;
        int r = list_dir(dirfd, rel, &names, e);
        for (size_t i = 0; r >= 0 && names && names[i]; i++) {
                _cleanup_free_ char *child = join_rel(rel, names[i]);
                struct stat st;
                if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return err_errno(e, "stat '%s'", child);
                if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                        struct stat like = st;
                        like.st_mode = S_IFREG | (st.st_mode & 0777);
                        r = w->k->removed(w->ud, child, &like, e);
                        continue;
                }
                r = w->k->object(w->ud, dirfd, names[i], child, &st, e);
                if (r < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (dir_opaque(dirfd, names[i], w->opaque_name)) {
                        r = w->k->opaque(w->ud, child, &st, e);
                        if (r < 0)
                                break;
                }
                _cleanup_close_ int cfd =
                        openat(dirfd, names[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0)
                        return err_errno(e, "opening '%s'", child);
                r = overlay_walk(w, cfd, child, depth + 1, e);
        }
        return r;
}

int diff_walk_overlay(int upperfd, bool rootless, const struct diff_sink *k, void *ud,
                      struct err *e)
{
        struct walk w = {
                .k = k,
                .ud = ud,
                .opaque_name = rootless ? "user.overlay.opaque" : "trusted.overlay.opaque",
        };
        return overlay_walk(&w, upperfd, "", 0, e);
}

/* True if the xattrs of two objects differ (names or values). */
static bool xattrs_differ(int afd, const char *aname, int bfd, const char *bname)
{
        _cleanup_close_ int a = openat(afd, aname, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int b = openat(bfd, bname, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (a < 0 || b < 0)
                return true;
        char pa[64], pb[64];
        snprintf(pa, sizeof(pa), "/proc/self/fd/%d", a);
        snprintf(pb, sizeof(pb), "/proc/self/fd/%d", b);
        _cleanup_free_ char *la = xmalloc(XATTR_LIST_MAX_LEN);
        _cleanup_free_ char *lb = xmalloc(XATTR_LIST_MAX_LEN);
        ssize_t na = listxattr(pa, la, XATTR_LIST_MAX_LEN);
        ssize_t nb = listxattr(pb, lb, XATTR_LIST_MAX_LEN);
        if (na < 0 || nb < 0)
                return na != nb;
        if (na != nb)
                return true;
        _cleanup_free_ char *va = xmalloc(XATTR_LIST_MAX_LEN);
        _cleanup_free_ char *vb = xmalloc(XATTR_LIST_MAX_LEN);
        for (char *k = la; k < la + na; k += strlen(k) + 1) {
                ssize_t x = getxattr(pa, k, va, XATTR_LIST_MAX_LEN);
                ssize_t y = getxattr(pb, k, vb, XATTR_LIST_MAX_LEN);
                if (x != y || (x > 0 && memcmp(va, vb, (size_t)x) != 0))
                        return true;
        }
        return false;
}

/* containers/storage's naive diff test: metadata, size and mtime (not the
 * content) decide whether a file changed. */
static bool changed(int pfd, const char *name, const struct stat *ps, int lfd,
                    const struct stat *ls)
{
        if ((ps->st_mode & S_IFMT) != (ls->st_mode & S_IFMT) || ps->st_mode != ls->st_mode ||
            ps->st_uid != ls->st_uid || ps->st_gid != ls->st_gid || ps->st_rdev != ls->st_rdev)
                return true;
        if (!S_ISDIR(ls->st_mode) &&
            (ps->st_size != ls->st_size || ps->st_mtim.tv_sec != ls->st_mtim.tv_sec ||
             ps->st_mtim.tv_nsec != ls->st_mtim.tv_nsec))
                return true;
        if (S_ISDIR(ls->st_mode) && ps->st_mtim.tv_sec != ls->st_mtim.tv_sec)
                return true;
        if (S_ISLNK(ls->st_mode)) {
                char a[PATH_MAX + 1], b[PATH_MAX + 1];
                ssize_t x = readlinkat(pfd, name, a, PATH_MAX);
                ssize_t y = readlinkat(lfd, name, b, PATH_MAX);
                if (x != y || (x > 0 && memcmp(a, b, (size_t)x) != 0))
                        return true;
        }
        return xattrs_differ(pfd, name, lfd, name);
}

static int naive_walk(const struct walk *w, int pfd, int lfd, const char *rel, int depth,
                      struct err *e)
{
        if (depth > DIFF_MAX_DEPTH)
                return err_set(e, ELOOP, "'%s': directory tree too deep", rel);
        _cleanup_strv_ char **names = NULL;
        _cleanup_strv_ char **old = NULL;
        int r = list_dir(lfd, rel, &names, e);
        if (r >= 0 && pfd >= 0)
                r = list_dir(pfd, rel, &old, e);
        if (r < 0)
                return r;

        /* removals first: names the parent has and the layer lacks */
        for (size_t i = 0; old && old[i]; i++) {
                if (strv_contains(names, old[i]))
                        continue;
                /* containers/storage gives removal markers owner 0:0 */
                struct stat ds;
                if (fstatat(lfd, ".", &ds, 0) < 0)
                        return err_errno(e, "stat '%s'", rel);
                ds.st_uid = ds.st_gid = 0;
                ds.st_mode = S_IFREG;
                _cleanup_free_ char *gone = join_rel(rel, old[i]);
                r = w->k->removed(w->ud, gone, &ds, e);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; names && names[i]; i++) {
                _cleanup_free_ char *child = join_rel(rel, names[i]);
                struct stat ls, ps;
                if (fstatat(lfd, names[i], &ls, AT_SYMLINK_NOFOLLOW) < 0)
                        return err_errno(e, "stat '%s'", child);
                bool in_parent = pfd >= 0 && fstatat(pfd, names[i], &ps, AT_SYMLINK_NOFOLLOW) == 0;
                bool same_dir = in_parent && S_ISDIR(ps.st_mode) && S_ISDIR(ls.st_mode);
                if (!in_parent || changed(pfd, names[i], &ps, lfd, &ls)) {
                        r = w->k->object(w->ud, lfd, names[i], child, &ls, e);
                        if (r < 0)
                                return r;
                }
                if (!S_ISDIR(ls.st_mode))
                        continue;
                _cleanup_close_ int cl =
                        openat(lfd, names[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                _cleanup_close_ int cp =
                        same_dir ? openat(pfd, names[i],
                                          O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                                 : -1;
                if (cl < 0 || (same_dir && cp < 0))
                        return err_errno(e, "opening '%s'", child);
                r = naive_walk(w, cp, cl, child, depth + 1, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int diff_walk_naive(int parentfd, int layerfd, const struct diff_sink *k, void *ud, struct err *e)
{
        struct walk w = {.k = k, .ud = ud};
        return naive_walk(&w, parentfd, layerfd, "", 0, e);
}

/* ---------------------------------------------------------------- the tar sink */

static int tar_object(void *ud, int dirfd, const char *name, const char *rel, const struct stat *st,
                      struct err *e)
{
        return write_object(ud, dirfd, name, rel, st, e);
}

static int tar_removed(void *ud, const char *rel, const struct stat *like, struct err *e)
{
        const char *slash = strrchr(rel, '/');
        _cleanup_free_ char *wh =
                slash ? xasprintf("%.*s/.wh.%s", (int)(slash - rel), rel, slash + 1)
                      : xasprintf(".wh.%s", rel);
        return write_marker(ud, wh, like, like->st_mode & 07777, e);
}

static int tar_opaque(void *ud, const char *rel, const struct stat *st, struct err *e)
{
        _cleanup_free_ char *wh = xasprintf("%s/.wh..wh..opq", rel);
        return write_marker(ud, wh, st, st->st_mode & 0777, e);
}

static const struct diff_sink tar_sink = {
        .object = tar_object,
        .removed = tar_removed,
        .opaque = tar_opaque,
};

static int differ_open(struct differ *d, int out_fd, struct err *e)
{
        int r = archive_dl_get(&d->A, e);
        if (r < 0)
                return r;
        d->out_fd = out_fd;
        d->buf = xmalloc(DIFF_BUF);
        d->a = d->A->archive_write_new();
        d->ent = d->A->archive_entry_new();
        if (!d->a || !d->ent)
                return err_set(e, ENOMEM, "archive_write_new");
        if (d->A->archive_write_set_format_pax_restricted(d->a) != ARCHIVE_OK ||
            d->A->archive_write_set_bytes_in_last_block(d->a, 1) != ARCHIVE_OK ||
            d->A->archive_write_open(d->a, d, NULL, diff_write_cb, NULL) != ARCHIVE_OK)
                return diff_fail(d, "starting the layer diff", e);
        return 0;
}

static int differ_close(struct differ *d, struct err *e)
{
        if (d->A->archive_write_close(d->a) != ARCHIVE_OK)
                return diff_fail(d, "finishing the layer diff", e);
        return 0;
}

static void differ_done(struct differ *d)
{
        if (d->a)
                d->A->archive_write_free(d->a);
        if (d->ent)
                d->A->archive_entry_free(d->ent);
        for (size_t i = 0; i < d->n_links; i++)
                free(d->links[i].path);
        free(d->links);
        free(d->buf);
        err_done(&d->io_err);
}

int layer_diff_overlay(int upperfd, bool rootless, int out_fd, struct err *e)
{
        _cleanup_(differ_done) struct differ d = {0};
        int r = differ_open(&d, out_fd, e);
        if (r >= 0)
                r = diff_walk_overlay(upperfd, rootless, &tar_sink, &d, e);
        if (r >= 0)
                r = differ_close(&d, e);
        return r < 0 ? err_wrap(e, "writing the overlay layer diff") : 0;
}

int layer_diff_naive(int parentfd, int layerfd, int out_fd, struct err *e)
{
        _cleanup_(differ_done) struct differ d = {0};
        int r = differ_open(&d, out_fd, e);
        if (r >= 0)
                r = diff_walk_naive(parentfd, layerfd, &tar_sink, &d, e);
        if (r >= 0)
                r = differ_close(&d, e);
        return r < 0 ? err_wrap(e, "writing the layer diff") : 0;
}

int store_layer_flat_tar(struct store *s, const char *id, int fd, struct err *e)
{
        _cleanup_free_ char *path = NULL;
        /* Mounted as the container mounts it: a later start of the same
         * container reuses a counted mount, so it must not be a read-only one. */
        int r = store_layer_mount(s, id, false, &path, e);
        if (r < 0)
                return err_wrap(e, "writing the flattened layer '%s'", id);
        _cleanup_close_ int rootfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                r = err_errno(e, "open '%s'", path);
        else
                r = layer_diff_naive(-1, rootfd, fd, e);
        struct err ue = {0};
        if (store_layer_unmount(s, id, false, &ue) < 0) {
                if (r >= 0)
                        r = err_move(e, &ue);
                else
                        log_warn("%s", ue.msg);
        }
        err_done(&ue);
        if (r < 0)
                return err_wrap(e, "writing the flattened layer '%s'", id);
        return 0;
}
