/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The file an archive destination writes: a temporary file in the same
 * directory, renamed over the target only once the archive is complete,
 * so that an interrupted save never leaves a truncated archive under the
 * name a later load would read. Pipes and devices are written in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>

#include "image-internal.h"

int archive_out_open(const char *path, struct archive_out *ret, struct err *e)
{
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
                int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return err_errno(e, "open '%s'", path);
                *ret = (struct archive_out){.path = xstrdup(path), .fd = fd};
                return 0;
        }
        _cleanup_free_ char *copy = xstrdup(path);
        _cleanup_free_ char *copy2 = xstrdup(path);
        const char *dir = dirname(copy);
        const char *base = basename(copy2);
        _cleanup_free_ char *tmp = xasprintf("%s/.%s.tmp-XXXXXX", dir, base);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "create a temporary file for '%s'", path);
        /* mkostemp makes 0600; an archive is as readable as podman's (umask
         * is not consulted: changing it to read it races other threads). */
        (void)fchmod(fd, 0644);
        *ret = (struct archive_out){
                .path = xstrdup(path), .tmp_path = steal_pointer(&tmp), .fd = fd};
        return 0;
}

int archive_out_commit(struct archive_out *a, struct err *e)
{
        if (!a->tmp_path)
                return 0;
        if (fsync(a->fd) < 0)
                return err_errno(e, "fsync '%s'", a->tmp_path);
        if (rename(a->tmp_path, a->path) < 0)
                return err_errno(e, "rename '%s' to '%s'", a->tmp_path, a->path);
        free(a->tmp_path);
        a->tmp_path = NULL;
        return 0;
}

void archive_out_done(struct archive_out *a)
{
        if (a->tmp_path)
                unlink(a->tmp_path);
        if (a->fd >= 0)
                close(a->fd);
        free(a->tmp_path);
        free(a->path);
        memset(a, 0, sizeof(*a));
        a->fd = -1;
}
