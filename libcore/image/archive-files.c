/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading the files of an image layout, wherever they are: in a directory
 * (oci:, dir:) or inside a tar (oci-archive:, docker-archive:), where they
 * are found through an index and read in place. A compressed archive is
 * first decompressed into an unlinked temporary file (in $TMPDIR, else
 * /var/tmp as podman does), because reading members in place needs a
 * seekable plain tar; libarchive is loaded for that only.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "archive-dl.h"
#include "image-internal.h"

#define COPY_CHUNK (256 * 1024)

void layout_files_free(struct layout_files *f)
{
        if (!f)
                return;
        if (f->dirfd >= 0)
                close(f->dirfd);
        if (f->archive_fd >= 0)
                close(f->archive_fd);
        tar_index_free(f->index);
        free(f->what);
        free(f);
}

int layout_files_open_dir(const char *path, const char *what, struct layout_files **ret,
                          struct err *e)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        struct layout_files *f = xcalloc(1, sizeof(*f));
        f->dirfd = fd;
        f->archive_fd = -1;
        f->what = xstrdup(what);
        *ret = f;
        return 0;
}

const char *image_tmp_dir(void)
{
        const char *t = getenv("TMPDIR");
        return t && *t ? t : "/var/tmp";
}

int image_tmpfile(const char *dir, struct err *e)
{
        int fd = open(dir, O_RDWR | O_TMPFILE | O_CLOEXEC, 0600);
        if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
                return fd >= 0 ? fd : err_errno(e, "create a temporary file in '%s'", dir);
        /* File systems without O_TMPFILE: a named file, unlinked at once. */
        _cleanup_free_ char *t = xasprintf("%s/.berth-tmp-XXXXXX", dir);
        fd = mkostemp(t, O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "create a temporary file in '%s'", dir);
        unlink(t);
        return fd;
}

enum magic { MAGIC_NONE, MAGIC_COMPRESSED };

static enum magic sniff(int fd)
{
        unsigned char m[6] = {0};
        ssize_t n = pread(fd, m, sizeof(m), 0);
        if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
                return MAGIC_COMPRESSED; /* gzip */
        if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
                return MAGIC_COMPRESSED; /* zstd */
        if (n >= 3 && memcmp(m, "BZh", 3) == 0)
                return MAGIC_COMPRESSED;
        if (n >= 6 && memcmp(m,
                             "\xfd"
                             "7zXZ\0",
                             6) == 0)
                return MAGIC_COMPRESSED;
        return MAGIC_NONE;
}

struct read_ctx {
        int fd;
        char buf[COPY_CHUNK];
};

static la_ssize_t read_cb(struct archive *a, void *data, const void **ret)
{
        struct read_ctx *c = data;
        for (;;) {
                ssize_t n = read(c->fd, c->buf, sizeof(c->buf));
                if (n < 0 && errno == EINTR)
                        continue;
                *ret = c->buf;
                return n;
        }
}

/* Decompress fd (from its start) into a new unlinked temporary file. */
static int decompress(int fd, const char *what, int *ret_fd, struct err *e)
{
        const struct archive_dl *A = NULL;
        int r = archive_dl_get(&A, e);
        if (r < 0)
                return err_wrap(e, "decompressing '%s'", what);
        /* A pipe (docker-archive:/dev/stdin) is read from where it is. */
        if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
                return err_errno(e, "seek '%s'", what);
        _cleanup_close_ int out = image_tmpfile(image_tmp_dir(), e);
        if (out < 0)
                return out;
        _cleanup_free_ char *chunk = xmalloc(COPY_CHUNK);
        struct archive *a = A->archive_read_new();
        struct read_ctx *ctx = xmalloc(sizeof(*ctx));
        ctx->fd = fd;
        A->archive_read_support_filter_gzip(a);
        A->archive_read_support_filter_zstd(a);
        A->archive_read_support_filter_bzip2(a);
        A->archive_read_support_filter_xz(a);
        A->archive_read_support_format_raw(a);
        struct archive_entry *entry = NULL;
        r = 0;
        if (A->archive_read_open(a, ctx, NULL, read_cb, NULL) != ARCHIVE_OK ||
            A->archive_read_next_header(a, &entry) != ARCHIVE_OK) {
                r = err_set(e, EINVAL, "decompressing '%s': %s", what,
                            A->archive_error_string(a) ? A->archive_error_string(a) : "failed");
                goto out;
        }
        for (;;) {
                la_ssize_t n = A->archive_read_data(a, chunk, COPY_CHUNK);
                if (n < 0) {
                        r = err_set(e, EINVAL, "decompressing '%s': %s", what,
                                    A->archive_error_string(a) ? A->archive_error_string(a)
                                                               : "failed");
                        goto out;
                }
                if (n == 0)
                        break;
                if ((r = fs_write_all(out, chunk, (size_t)n)) < 0) {
                        r = err_errnum(e, r, "writing the decompressed copy of '%s'", what);
                        goto out;
                }
        }
        *ret_fd = TAKE_FD(out);
out:
        A->archive_read_free(a);
        free(ctx);
        return r;
}

int layout_files_open_archive(const char *path, const char *what, struct layout_files **ret,
                              struct err *e)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_errno(e, "stat '%s'", path);
        if (!S_ISREG(st.st_mode) || sniff(fd) == MAGIC_COMPRESSED) {
                /* Pipes (docker-archive:/dev/stdin) and compressed archives
                 * become a plain seekable copy. */
                int plain = -1;
                int r = decompress(fd, path, &plain, e);
                if (r < 0)
                        return r;
                close(fd);
                fd = plain;
        }
        struct tar_index *idx = NULL;
        int r = tar_index_build(fd, path, &idx, e);
        if (r < 0)
                return r;
        struct layout_files *f = xcalloc(1, sizeof(*f));
        f->dirfd = -1;
        f->archive_fd = TAKE_FD(fd);
        f->index = idx;
        f->what = xstrdup(what);
        *ret = f;
        return 0;
}

bool layout_files_exists(struct layout_files *f, const char *path)
{
        if (f->index) {
                const struct tar_member *m = NULL;
                return tar_index_lookup(f->index, path, &m, NULL) == 0;
        }
        _cleanup_close_ int fd = fs_open_in_root(f->dirfd, path, O_RDONLY | O_PATH, 0, NULL);
        return fd >= 0;
}

int layout_files_blob(struct layout_files *f, const char *path, const char *digest, int64_t size,
                      const char *name, struct image_blob **ret, struct err *e)
{
        if (f->index) {
                const struct tar_member *m = NULL;
                int r = tar_index_lookup(f->index, path, &m, e);
                if (r < 0)
                        return err_wrap(e, "%s", f->what);
                if (size >= 0 && m->size != (uint64_t)size)
                        return err_set(e, EBADMSG,
                                       "%s: size mismatch: expected %lld bytes, got %llu in '%s'",
                                       name, (long long)size, (unsigned long long)m->size, f->what);
                *ret = image_blob_from_range(f->archive_fd, m->offset, m->size, digest, size, name);
                return 0;
        }
        /* Resolved inside the layout: a symlink cannot make berth read a
         * file outside it under a trusted digest's name. */
        int fd = fs_open_in_root(f->dirfd, path, O_RDONLY | O_NOCTTY, 0, e);
        if (fd < 0)
                return err_wrap(e, "%s", f->what);
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return err_set(e, EINVAL, "%s: '%s' is not a regular file", f->what, path);
        }
        if (size >= 0 && st.st_size != size) {
                close(fd);
                return err_set(e, EBADMSG,
                               "%s: size mismatch: expected %lld bytes, got %lld in '%s'", name,
                               (long long)size, (long long)st.st_size, f->what);
        }
        *ret = image_blob_from_fd(fd, true, digest, size, name);
        return 0;
}

int layout_files_read(struct layout_files *f, const char *path, size_t max, char **ret,
                      size_t *ret_len, struct err *e)
{
        _cleanup_(image_blob_freep) struct image_blob *b = NULL;
        _cleanup_free_ char *name = xasprintf("'%s'", path);
        int r = layout_files_blob(f, path, NULL, -1, name, &b, e);
        if (r < 0)
                return r;
        r = image_blob_read_all(b, max, ret, ret_len, e);
        return r < 0 ? err_wrap(e, "%s", f->what) : 0;
}
