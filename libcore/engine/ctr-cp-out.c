/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a tar of a tree for `cp` and `export`, with libarchive (loaded on
 * first use through storage's archive-dl.h) in pax-restricted format. The
 * walk starts at an O_PATH fd that fs_open_in_root gave and goes down with
 * openat(O_NOFOLLOW) relative to each directory's fd, so a symlink in the
 * tree is written as a symlink and never followed, wherever it points.
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

#define OUT_BUF (128 * 1024)
#define OUT_MAX_DEPTH 400
#define XATTR_BUF (64 * 1024)

struct link_seen {
        dev_t dev;
        ino_t ino;
        char *name;
};

struct tar_out {
        const struct archive_dl *A;
        const struct cp_tar_out_opts *o;
        struct archive *a;
        struct archive_entry *ent;
        int out_fd;
        struct err io_err;
        struct link_seen *links;
        size_t n_links, cap_links;
        unsigned char *buf;
};

static la_ssize_t out_write_cb(struct archive *a, void *ud, const void *buf, size_t len)
{
        struct tar_out *t = ud;
        int r = fs_write_all(t->out_fd, buf, len);
        if (r < 0) {
                if (!t->io_err.code)
                        err_errnum(&t->io_err, -r, "writing the tar stream");
                t->A->archive_set_error(a, -r, "writing the tar stream");
                return -1;
        }
        return (la_ssize_t)len;
}

static int out_fail(struct tar_out *t, const char *what, struct err *e)
{
        if (t->io_err.code)
                return err_move(e, &t->io_err);
        const char *msg = t->A->archive_error_string(t->a);
        return err_set(e, EIO, "%s: %s", what, msg ? msg : "libarchive error");
}

/* host id -> container id: the inverse of an OCI mapping (identity if none). */
static uint32_t unmap_id(const struct id_map *m, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].host_id && id - m[i].host_id < m[i].size)
                        return m[i].container_id + (id - m[i].host_id);
        /* Not mapped: as the overflow id, as the kernel shows it. */
        return n ? 65534 : id;
}

static bool xattr_skipped(const char *name)
{
        return str_has_prefix(name, "trusted.overlay.") || str_has_prefix(name, "user.overlay.") ||
               str_has_prefix(name, "user.fuseoverlayfs.") || STREQ(name, "security.selinux");
}

static void add_xattrs(struct tar_out *t, int fd)
{
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        _cleanup_free_ char *list = xmalloc(XATTR_BUF);
        ssize_t n = listxattr(proc, list, XATTR_BUF);
        if (n <= 0)
                return;
        _cleanup_free_ char *val = xmalloc(XATTR_BUF);
        for (char *k = list; k < list + n; k += strlen(k) + 1) {
                if (xattr_skipped(k))
                        continue;
                ssize_t vn = getxattr(proc, k, val, XATTR_BUF);
                if (vn >= 0)
                        t->A->archive_entry_xattr_add_entry(t->ent, k, val, (size_t)vn);
        }
}

static int write_header(struct tar_out *t, const char *name, struct err *e)
{
        if (t->A->archive_write_header(t->a, t->ent) < ARCHIVE_WARN) {
                _cleanup_free_ char *what = xasprintf("adding '%s' to the tar stream", name);
                return out_fail(t, what, e);
        }
        return 0;
}

static int write_data(struct tar_out *t, int fd, const char *name, int64_t size, struct err *e)
{
        int64_t left = size;
        while (left > 0) {
                ssize_t n = read(fd, t->buf, left < OUT_BUF ? (size_t)left : OUT_BUF);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "reading '%s'", name);
                }
                if (n == 0) {
                        /* Shrunk meanwhile: pad, as the header promised size. */
                        memset(t->buf, 0, OUT_BUF);
                        n = left < OUT_BUF ? left : OUT_BUF;
                }
                if (t->A->archive_write_data(t->a, t->buf, (size_t)n) < 0)
                        return out_fail(t, "writing the tar stream", e);
                left -= n;
        }
        return 0;
}

/* Write one object: fd is an O_PATH fd of it (not followed). */
static int write_object(struct tar_out *t, int fd, const struct stat *st, const char *name,
                        struct err *e)
{
        const struct archive_dl *A = t->A;
        if (S_ISSOCK(st->st_mode))
                return 0; /* not file content */
        if (strlen(name) > CP_NAME_MAX)
                return err_set(e, ENAMETOOLONG, "'%s...': name too long", name);
        A->archive_entry_clear(t->ent);
        _cleanup_free_ char *path = S_ISDIR(st->st_mode) && !str_has_suffix(name, "/")
                                            ? xasprintf("%s/", name)
                                            : xstrdup(name);
        A->archive_entry_copy_pathname(t->ent, path);
        A->archive_entry_set_uid(t->ent, unmap_id(t->o->uidmap, t->o->n_uidmap, st->st_uid));
        A->archive_entry_set_gid(t->ent, unmap_id(t->o->gidmap, t->o->n_gidmap, st->st_gid));
        A->archive_entry_set_perm(t->ent, st->st_mode & 07777);
        A->archive_entry_set_mtime(t->ent, st->st_mtim.tv_sec, 0);
        if (t->o->xattrs)
                add_xattrs(t, fd);

        if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
                for (size_t i = 0; i < t->n_links; i++)
                        if (t->links[i].dev == st->st_dev && t->links[i].ino == st->st_ino) {
                                A->archive_entry_set_filetype(t->ent, AE_IFREG);
                                A->archive_entry_copy_hardlink(t->ent, t->links[i].name);
                                A->archive_entry_set_size(t->ent, 0);
                                return write_header(t, path, e);
                        }
                xgrow((void **)&t->links, &t->cap_links, t->n_links + 1, sizeof(*t->links));
                t->links[t->n_links++] = (struct link_seen){st->st_dev, st->st_ino, xstrdup(path)};
        }
        A->archive_entry_set_filetype(t->ent, st->st_mode & S_IFMT);
        if (S_ISREG(st->st_mode)) {
                /* Re-open the very inode the O_PATH fd holds: no path lookup. */
                char proc[64];
                snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
                _cleanup_close_ int rfd = open(proc, O_RDONLY | O_NOCTTY | O_CLOEXEC);
                if (rfd < 0)
                        return err_errno(e, "opening '%s'", name);
                A->archive_entry_set_size(t->ent, st->st_size);
                int r = write_header(t, path, e);
                return r < 0 ? r : write_data(t, rfd, path, st->st_size, e);
        }
        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX + 1];
                ssize_t n = readlinkat(fd, "", target, PATH_MAX);
                if (n < 0)
                        return err_errno(e, "reading the link '%s'", name);
                target[n] = '\0';
                A->archive_entry_copy_symlink(t->ent, target);
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
                A->archive_entry_set_rdevmajor(t->ent, major(st->st_rdev));
                A->archive_entry_set_rdevminor(t->ent, minor(st->st_rdev));
        }
        A->archive_entry_set_size(t->ent, 0);
        return write_header(t, path, e);
}

static int cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Allocates: the sorted names in the directory that O_PATH fd dfd is. */
static int list_dir(int dfd, const char *name, char ***ret, struct err *e)
{
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "opening '%s'", name);
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return err_errno(e, "opening '%s'", name);
        }
        char **names = NULL;
        struct dirent *de;
        errno = 0;
        while ((de = readdir(d)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        strv_add(&names, de->d_name);
        int saved = errno;
        closedir(d);
        if (saved) {
                strv_free(names);
                return err_errnum(e, saved, "reading '%s'", name);
        }
        size_t n = strv_length(names);
        if (n)
                qsort(names, n, sizeof(char *), cmp_names);
        *ret = names;
        return 0;
}

static char *child_name(const char *prefix, const char *name)
{
        if (!prefix || !*prefix)
                return xstrdup(name);
        return str_has_suffix(prefix, "/") ? xasprintf("%s%s", prefix, name)
                                           : xasprintf("%s/%s", prefix, name);
}

static int walk(struct tar_out *t, int dfd, const char *prefix, int depth, struct err *e)
{
        if (depth > OUT_MAX_DEPTH)
                return err_set(e, ELOOP, "'%s': directory tree too deep", prefix);
        _cleanup_strv_ char **names = NULL;
        int r = list_dir(dfd, prefix && *prefix ? prefix : ".", &names, e);
        for (size_t i = 0; r >= 0 && names && names[i]; i++) {
                _cleanup_free_ char *child = child_name(prefix, names[i]);
                _cleanup_close_ int cfd = openat(dfd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
                struct stat st;
                if (cfd < 0 || fstatat(cfd, "", &st, AT_EMPTY_PATH) < 0) {
                        if (errno == ENOENT)
                                continue; /* removed meanwhile */
                        return err_errno(e, "stat '%s'", child);
                }
                r = write_object(t, cfd, &st, child, e);
                if (r >= 0 && S_ISDIR(st.st_mode))
                        r = walk(t, cfd, child, depth + 1, e);
        }
        return r;
}

static void tar_out_done(struct tar_out *t)
{
        if (t->a)
                t->A->archive_write_free(t->a);
        if (t->ent)
                t->A->archive_entry_free(t->ent);
        for (size_t i = 0; i < t->n_links; i++)
                free(t->links[i].name);
        free(t->links);
        free(t->buf);
        err_done(&t->io_err);
}

int cp_tar_write(int objfd, const char *name, const struct cp_tar_out_opts *o, int out_fd,
                 struct err *e)
{
        static const struct cp_tar_out_opts none = {0};
        _cleanup_(tar_out_done) struct tar_out t = {.o = o ? o : &none, .out_fd = out_fd};
        int r = archive_dl_get(&t.A, e);
        if (r < 0)
                return r;
        t.buf = xmalloc(OUT_BUF);
        t.a = t.A->archive_write_new();
        t.ent = t.A->archive_entry_new();
        if (!t.a || !t.ent)
                return err_set(e, ENOMEM, "archive_write_new");
        if (t.A->archive_write_set_format_pax_restricted(t.a) != ARCHIVE_OK ||
            t.A->archive_write_set_bytes_in_last_block(t.a, 1) != ARCHIVE_OK ||
            t.A->archive_write_open(t.a, &t, NULL, out_write_cb, NULL) != ARCHIVE_OK)
                return out_fail(&t, "starting the tar stream", e);
        struct stat st;
        if (fstatat(objfd, "", &st, AT_EMPTY_PATH) < 0)
                return err_errno(e, "stat '%s'", name ? name : "/");
        if (name) {
                _cleanup_free_ char *top = STREQ(name, ".") ? xstrdup("./") : xstrdup(name);
                r = write_object(&t, objfd, &st, top, e);
                if (r >= 0 && S_ISDIR(st.st_mode))
                        r = walk(&t, objfd, top, 0, e);
        } else {
                if (!S_ISDIR(st.st_mode))
                        return err_set(e, ENOTDIR, "the root to write is not a directory");
                r = walk(&t, objfd, "", 0, e);
        }
        if (r < 0)
                return r;
        if (t.A->archive_write_close(t.a) != ARCHIVE_OK)
                return out_fail(&t, "finishing the tar stream", e);
        return 0;
}
