/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing the files of an image layout: into a directory, where each blob
 * goes to a temporary file that is renamed into place only once it has
 * verified (a reader never sees a blob that is not what its name says),
 * or as members of a tar being written, where a blob streams straight in
 * when its size is known and is spooled to a temporary file first when it
 * is not (a tar header needs the size). A tar whose blob fails to verify
 * is marked broken and never finished; its caller drops the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "image-internal.h"

#define COPY_CHUNK (256 * 1024)

struct layout_out {
        bool tar;
        int fd; /* directory or tar output, not owned */
        struct tar_writer *tw;
        mode_t mode;
        char *what;
        char **written; /* tar: member names written */
        bool broken;
};

struct layout_out *layout_out_dir(int dirfd, const char *what)
{
        struct layout_out *o = xcalloc(1, sizeof(*o));
        o->fd = dirfd;
        o->what = xstrdup(what);
        o->mode = 0644;
        return o;
}

struct layout_out *layout_out_tar(int fd, const char *what, mode_t mode)
{
        struct layout_out *o = xcalloc(1, sizeof(*o));
        o->tar = true;
        o->fd = fd;
        o->tw = tar_writer_new(fd, what);
        o->what = xstrdup(what);
        o->mode = mode;
        o->written = xcalloc(1, sizeof(char *));
        return o;
}

void layout_out_free(struct layout_out *o)
{
        if (!o)
                return;
        tar_writer_free(o->tw);
        free(o->what);
        strv_free(o->written);
        free(o);
}

bool layout_out_has(struct layout_out *o, const char *name)
{
        if (o->tar)
                return strv_contains(o->written, name);
        struct stat st;
        return fstatat(o->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* Copy all of b to fd (verified at the end). */
static int blob_to_fd(struct image_blob *b, int fd, const char *what, struct err *e)
{
        _cleanup_free_ char *buf = xmalloc(COPY_CHUNK);
        for (;;) {
                ssize_t n = image_blob_read(b, buf, COPY_CHUNK, e);
                if (n < 0)
                        return (int)n;
                if (n == 0)
                        return 0;
                int r = fs_write_all(fd, buf, (size_t)n);
                if (r < 0)
                        r = err_errnum(e, -r, "write '%s'", what);
                if (r < 0)
                        return r;
        }
}

/* Allocates: "<prefix><hex><suffix>" for "sha256:<hex>". */
static char *blob_name(const char *digest, const char *prefix, const char *suffix)
{
        const char *colon = strchr(digest, ':');
        return xasprintf("%s%s%s", prefix, colon ? colon + 1 : digest, suffix);
}

static int dir_blob(struct layout_out *o, struct image_blob *b, const char *prefix,
                    const char *suffix, char **ret_name, struct err *e)
{
        uint64_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                rnd = (uint64_t)getpid();
        _cleanup_free_ char *tmp = xasprintf("%s.tmp-%016llx", prefix, (unsigned long long)rnd);
        _cleanup_close_ int fd =
                openat(o->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return err_errno(e, "create '%s' in '%s'", tmp, o->what);
        int r = blob_to_fd(b, fd, o->what, e);
        if (r >= 0 && fsync(fd) < 0)
                r = err_errno(e, "fsync '%s' in '%s'", tmp, o->what);
        if (r < 0) {
                unlinkat(o->fd, tmp, 0);
                return r;
        }
        _cleanup_free_ char *name = blob_name(image_blob_digest(b), prefix, suffix);
        if (renameat(o->fd, tmp, o->fd, name) < 0) {
                r = err_errno(e, "rename '%s' to '%s' in '%s'", tmp, name, o->what);
                unlinkat(o->fd, tmp, 0);
                return r;
        }
        *ret_name = steal_pointer(&name);
        return 0;
}

/* Copy fd (a spooled blob, from its start) into the open tar member. */
static int fd_to_tar(struct layout_out *o, int fd, struct err *e)
{
        _cleanup_free_ char *buf = xmalloc(COPY_CHUNK);
        off_t off = 0;
        for (;;) {
                ssize_t n = pread(fd, buf, COPY_CHUNK, off);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "read the spooled blob for '%s'", o->what);
                }
                if (n == 0)
                        return 0;
                off += n;
                int r = tar_writer_write(o->tw, buf, (size_t)n, e);
                if (r < 0)
                        return r;
        }
}

static int tar_blob(struct layout_out *o, struct image_blob *b, const char *prefix,
                    const char *suffix, char **ret_name, struct err *e)
{
        const char *digest = image_blob_expected_digest(b);
        int64_t size = image_blob_expected_size(b);
        int r;
        if (digest && size >= 0) {
                _cleanup_free_ char *name = blob_name(digest, prefix, suffix);
                if (!strv_contains(o->written, name)) {
                        if ((r = tar_writer_begin_file(o->tw, name, o->mode, (uint64_t)size, e)) <
                            0)
                                return r;
                        _cleanup_free_ char *buf = xmalloc(COPY_CHUNK);
                        for (;;) {
                                ssize_t n = image_blob_read(b, buf, COPY_CHUNK, e);
                                if (n < 0) {
                                        o->broken = true;
                                        return (int)n;
                                }
                                if (n == 0)
                                        break;
                                if ((r = tar_writer_write(o->tw, buf, (size_t)n, e)) < 0) {
                                        o->broken = true;
                                        return r;
                                }
                        }
                        if ((r = tar_writer_end_file(o->tw, e)) < 0) {
                                o->broken = true;
                                return r;
                        }
                        strv_add(&o->written, name);
                }
                *ret_name = steal_pointer(&name);
                return 0;
        }
        /* Unknown digest or size: spool, then copy in. */
        _cleanup_close_ int fd = image_tmpfile(image_tmp_dir(), e);
        if (fd < 0)
                return fd;
        if ((r = blob_to_fd(b, fd, "a temporary file", e)) < 0)
                return r;
        _cleanup_free_ char *name = blob_name(image_blob_digest(b), prefix, suffix);
        if (!strv_contains(o->written, name)) {
                if ((r = tar_writer_begin_file(o->tw, name, o->mode, image_blob_bytes_read(b), e)) <
                            0 ||
                    (r = fd_to_tar(o, fd, e)) < 0 || (r = tar_writer_end_file(o->tw, e)) < 0) {
                        o->broken = true;
                        return r;
                }
                strv_add(&o->written, name);
        }
        *ret_name = steal_pointer(&name);
        return 0;
}

int layout_out_blob(struct layout_out *o, struct image_blob *b, const char *prefix,
                    const char *suffix, char **ret_digest, int64_t *ret_size, struct err *e)
{
        if (o->broken)
                return err_set(e, EIO, "write '%s': an earlier blob failed", o->what);
        _cleanup_free_ char *name = NULL;
        int r = o->tar ? tar_blob(o, b, prefix, suffix, &name, e)
                       : dir_blob(o, b, prefix, suffix, &name, e);
        if (r < 0)
                return r;
        /* A blob already in a tar was not read again: its name says it all. */
        const char *digest =
                image_blob_digest(b) ? image_blob_digest(b) : image_blob_expected_digest(b);
        if (ret_digest)
                *ret_digest = xstrdup(digest);
        if (ret_size)
                *ret_size = image_blob_digest(b) ? (int64_t)image_blob_bytes_read(b)
                                                 : image_blob_expected_size(b);
        return 0;
}

int layout_out_file(struct layout_out *o, const char *name, const void *buf, size_t len,
                    struct err *e)
{
        if (!o->tar) {
                int r = fs_write_atomic(o->fd, name, buf, len, 0644, e);
                return r < 0 ? err_wrap(e, "writing '%s'", o->what) : 0;
        }
        if (o->broken)
                return err_set(e, EIO, "write '%s': an earlier blob failed", o->what);
        int r = tar_writer_add_buffer(o->tw, name, o->mode, buf, len, e);
        if (r < 0) {
                o->broken = true;
                return r;
        }
        strv_add(&o->written, name);
        return 0;
}

int layout_out_symlink(struct layout_out *o, const char *name, const char *target, struct err *e)
{
        if (!o->tar)
                return err_set(e, EINVAL, "write '%s': symlinks only go into archives", o->what);
        int r = tar_writer_add_symlink(o->tw, name, target, e);
        if (r < 0)
                o->broken = true;
        else
                strv_add(&o->written, name);
        return r;
}

int layout_out_mkdir(struct layout_out *o, const char *name, struct err *e)
{
        if (!o->tar) {
                if (mkdirat(o->fd, name, 0755) < 0 && errno != EEXIST)
                        return err_errno(e, "mkdir '%s' in '%s'", name, o->what);
                return 0;
        }
        int r = tar_writer_add_dir(o->tw, name, 0755, e);
        if (r < 0)
                o->broken = true;
        return r;
}

int layout_out_finish(struct layout_out *o, struct err *e)
{
        if (o->broken)
                return err_set(e, EIO, "write '%s': a blob failed, the archive is incomplete",
                               o->what);
        return o->tar ? tar_writer_finish(o->tw, e) : 0;
}

int layout_out_blob_buffer(struct layout_out *o, const void *buf, size_t len, const char *prefix,
                           const char *suffix, char **ret_digest, struct err *e)
{
        _cleanup_free_ char *digest = digest_buffer(buf, len);
        _cleanup_free_ char *name = blob_name(digest, prefix, suffix);
        if (!layout_out_has(o, name)) {
                int r = layout_out_file(o, name, buf, len, e);
                if (r < 0)
                        return r;
        }
        if (ret_digest)
                *ret_digest = steal_pointer(&digest);
        return 0;
}
