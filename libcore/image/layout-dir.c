/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dir: transport, skopeo's debugging layout: a directory holding
 * "version", "manifest.json" and every blob as a file named by the hex of
 * its sha256 digest. Writing empties a directory that an earlier dir:
 * copy made, and refuses any other non-empty directory, as containers/image
 * does, so that `berth image copy x dir:$HOME` cannot wipe a home.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "image-internal.h"

#define DIR_VERSION_FILE "version"
#define DIR_VERSION "Directory Transport Version: 1.1\n"
#define DIR_VERSION_PREFIX "Directory Transport Version: "
#define DIR_MANIFEST "manifest.json"

struct dir_source {
        struct image_source base;
        struct layout_files *files;
};

static int dir_source_manifest(struct image_source *s, const char *instance, char **ret_buf,
                               size_t *ret_len, char **ret_media_type, struct err *e)
{
        struct dir_source *d = (struct dir_source *)s;
        _cleanup_free_ char *path = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;
        if (instance) {
                _cleanup_free_ char *hex = NULL;
                if ((r = image_digest_hex(instance, &hex, e)) < 0)
                        return r;
                path = xasprintf("%s.%s", hex, DIR_MANIFEST);
        } else {
                path = xstrdup(DIR_MANIFEST);
        }
        if ((r = layout_files_read(d->files, path, IMAGE_MANIFEST_MAX_SIZE, &buf, &len, e)) < 0)
                return r;
        if (instance && (r = image_verify_bytes(buf, len, instance, path, e)) < 0)
                return err_wrap(e, "%s", s->what);
        const char *mt = image_manifest_guess_type(buf, len);
        if (!mt)
                return err_set(e, EINVAL, "%s: '%s': unknown manifest format", s->what, path);
        *ret_media_type = xstrdup(mt);
        *ret_len = len;
        *ret_buf = steal_pointer(&buf);
        return 0;
}

static int dir_source_blob(struct image_source *s, const struct image_descriptor *desc,
                           struct image_blob **ret, struct err *e)
{
        struct dir_source *d = (struct dir_source *)s;
        _cleanup_free_ char *hex = NULL;
        int r = image_digest_hex(desc->digest, &hex, e);
        if (r < 0)
                return err_wrap(e, "%s", s->what);
        _cleanup_free_ char *name = xasprintf("blob %s", desc->digest);
        return layout_files_blob(d->files, hex, desc->digest, desc->size, name, ret, e);
}

static void dir_source_free(struct image_source *s)
{
        struct dir_source *d = (struct dir_source *)s;
        layout_files_free(d->files);
        free(d);
}

static const struct image_source_ops dir_source_ops = {
        .manifest = dir_source_manifest,
        .blob = dir_source_blob,
        .free = dir_source_free,
};

int dir_source_open(const struct image_location *loc, struct image_source **ret, struct err *e)
{
        _cleanup_free_ char *what = image_location_to_string(loc);
        _cleanup_(layout_files_freep) struct layout_files *files = NULL;
        int r = layout_files_open_dir(loc->path, what, &files, e);
        if (r < 0)
                return r;
        /* Older skopeo wrote no version file; a wrong one means another
         * format that berth would misread. */
        if (layout_files_exists(files, DIR_VERSION_FILE)) {
                _cleanup_free_ char *v = NULL;
                size_t len = 0;
                if ((r = layout_files_read(files, DIR_VERSION_FILE, 256, &v, &len, e)) < 0)
                        return r;
                if (!str_has_prefix(v, DIR_VERSION_PREFIX "1."))
                        return err_set(e, ENOTSUP, "%s: unsupported dir transport version", what);
        }
        struct dir_source *d = xcalloc(1, sizeof(*d));
        image_source_init(&d->base, &dir_source_ops, loc);
        d->files = steal_pointer(&files);
        *ret = &d->base;
        return 0;
}

/* ------------------------------------------------------------ destination */

struct dir_dest {
        struct image_dest base;
        int dirfd;
        struct layout_out *out;
        char *manifest; /* written at commit: it is what makes the image whole */
        size_t manifest_len;
};

static bool dir_dest_has_blob(struct image_dest *d, const char *digest)
{
        struct dir_dest *o = (struct dir_dest *)d;
        _cleanup_free_ char *hex = NULL;
        return image_digest_hex(digest, &hex, NULL) == 0 && layout_out_has(o->out, hex);
}

static int dir_dest_put_blob(struct image_dest *d, struct image_blob *b, bool is_config,
                             char **ret_digest, int64_t *ret_size, struct err *e)
{
        struct dir_dest *o = (struct dir_dest *)d;
        return layout_out_blob(o->out, b, "", "", ret_digest, ret_size, e);
}

static int dir_dest_put_manifest(struct image_dest *d, const void *buf, size_t len,
                                 const char *media_type, char *const *names, struct err *e)
{
        struct dir_dest *o = (struct dir_dest *)d;
        if (o->manifest)
                return err_set(e, EINVAL, "the dir transport holds one image only");
        o->manifest = xmalloc(len + 1);
        memcpy(o->manifest, buf, len);
        o->manifest_len = len;
        return 0;
}

static int dir_dest_commit(struct image_dest *d, struct err *e)
{
        struct dir_dest *o = (struct dir_dest *)d;
        if (!o->manifest)
                return err_set(e, EINVAL, "no manifest was written");
        int r = layout_out_file(o->out, DIR_MANIFEST, o->manifest, o->manifest_len, e);
        if (r < 0)
                return r;
        if (fsync(o->dirfd) < 0)
                return err_errno(e, "fsync '%s'", d->what);
        return 0;
}

static void dir_dest_free(struct image_dest *d)
{
        struct dir_dest *o = (struct dir_dest *)d;
        layout_out_free(o->out);
        if (o->dirfd >= 0)
                close(o->dirfd);
        free(o->manifest);
        free(o);
}

static const struct image_dest_ops dir_dest_ops = {
        .has_blob = dir_dest_has_blob,
        .put_blob = dir_dest_put_blob,
        .put_manifest = dir_dest_put_manifest,
        .commit = dir_dest_commit,
        .free = dir_dest_free,
};

/* Empty the directory if a dir: copy made it; refuse anything else. */
static int prepare_dir(int dirfd, const char *path, struct err *e)
{
        int fd = dup(dirfd);
        if (fd < 0)
                return err_errno(e, "dup");
        DIR *dir = fdopendir(fd);
        if (!dir) {
                close(fd);
                return err_errno(e, "opendir '%s'", path);
        }
        bool ours = faccessat(dirfd, DIR_VERSION_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(dir))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                if (!ours) {
                        r = err_set(e, EEXIST,
                                    "directory '%s' is not empty and was not written by the dir "
                                    "transport; refusing to overwrite it",
                                    path);
                        break;
                }
                if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT) {
                        r = err_errno(e, "remove '%s/%s'", path, de->d_name);
                        break;
                }
        }
        closedir(dir);
        return r;
}

int dir_dest_open(const struct image_location *loc, struct image_dest **ret, struct err *e)
{
        int r = fs_mkdir_p(loc->path, 0755, e);
        if (r < 0)
                return r;
        struct dir_dest *o = xcalloc(1, sizeof(*o));
        image_dest_init(&o->base, &dir_dest_ops, loc);
        o->dirfd = open(loc->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (o->dirfd < 0) {
                r = err_errno(e, "open '%s'", loc->path);
                goto fail;
        }
        if ((r = prepare_dir(o->dirfd, loc->path, e)) < 0)
                goto fail;
        o->out = layout_out_dir(o->dirfd, o->base.what);
        if ((r = layout_out_file(o->out, DIR_VERSION_FILE, DIR_VERSION, strlen(DIR_VERSION), e)) <
            0)
                goto fail;
        *ret = &o->base;
        return 0;
fail:
        image_dest_free(&o->base);
        return r;
}
