/* SPDX-License-Identifier: Apache-2.0 */
/* load, save and image copy: images between the store and archives,
 * layouts and directories, every blob verified on the way. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "image.h"
#include "storage.h"

static const char *const save_formats[] = {
        [SAVE_DOCKER_ARCHIVE] = "docker-archive",
        [SAVE_OCI_ARCHIVE] = "oci-archive",
        [SAVE_OCI_DIR] = "oci-dir",
        [SAVE_DOCKER_DIR] = "docker-dir",
};

int save_format_from_string(const char *s)
{
        for (size_t i = 0; s && i < ARRAY_SIZE(save_formats); i++)
                if (STREQ(s, save_formats[i]))
                        return (int)i;
        return -EINVAL;
}

/* Copy stdin to a temporary file: archives need seeking. Allocates the path. */
static int spool_stdin(char **ret_path, struct err *e)
{
        const char *tmp = getenv("TMPDIR");
        char *path = xasprintf("%s/berth-load-XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
        _cleanup_close_ int fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0) {
                int r = err_errno(e, "create '%s'", path);
                free(path);
                return r;
        }
        char buf[1 << 16];
        for (;;) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = err_errno(e, "read standard input");
                        unlink(path);
                        free(path);
                        return r;
                }
                if (n == 0)
                        break;
                for (ssize_t off = 0; off < n;) {
                        ssize_t w = write(fd, buf + off, (size_t)(n - off));
                        if (w < 0) {
                                int r = err_errno(e, "write '%s'", path);
                                unlink(path);
                                free(path);
                                return r;
                        }
                        off += w;
                }
        }
        *ret_path = path;
        return 0;
}

/* The transports to try for a path given to load, in order. */
static void load_candidates(const char *path, char ***ret)
{
        struct stat st;
        char **c = NULL;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                _cleanup_free_ char *idx = xasprintf("%s/index.json", path);
                if (fs_exists(idx))
                        strv_push(&c, xasprintf("oci:%s", path));
                else
                        strv_push(&c, xasprintf("dir:%s", path));
        } else {
                /* @0 opens archives of any number of images; the rest follow. */
                strv_push(&c, xasprintf("docker-archive:%s:@0", path));
                strv_push(&c, xasprintf("oci-archive:%s", path));
        }
        *ret = c;
}

static int copy_into_store(struct store *s, struct image_source *src, char ***names,
                           struct err *e)
{
        _cleanup_(image_dest_freep) struct image_dest *dst = NULL;
        int r = image_dest_open_store(s, NULL, &dst, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *digest = NULL;
        if ((r = image_copy(src, dst, NULL, &digest, e)) < 0 ||
            (r = image_dest_commit(dst, e)) < 0)
                return r;
        char *const *n = image_source_names(src);
        if (n && n[0]) {
                for (; *n; n++)
                        strv_add(names, *n);
        } else {
                strv_add(names, digest);
        }
        return 0;
}

int engine_image_load(struct store *s, const char *input, char ***ret_names, struct err *e)
{
        _cleanup_free_ char *spooled = NULL;
        int r;
        if (STREQ(input, "-")) {
                if ((r = spool_stdin(&spooled, e)) < 0)
                        return r;
                input = spooled;
        }
        _cleanup_strv_ char **cands = NULL;
        load_candidates(input, &cands);
        _cleanup_strv_ char **names = NULL;
        struct err first = {0};
        r = -EINVAL;
        for (char **c = cands; *c; c++) {
                struct err tmp = {0};
                _cleanup_(image_location_freep) struct image_location *loc = NULL;
                _cleanup_(image_source_freep) struct image_source *src = NULL;
                if (image_location_parse(*c, IMAGE_TRANSPORT_NONE, &loc, &tmp) < 0 ||
                    image_source_open(loc, &src, &tmp) < 0) {
                        if (!first.msg)
                                err_move(&first, &tmp);
                        err_done(&tmp);
                        continue;
                }
                size_t count = image_source_image_count(src);
                if (loc->transport == IMAGE_TRANSPORT_DOCKER_ARCHIVE && count > 1) {
                        /* Every image of a multi-image docker-archive. */
                        r = 0;
                        for (size_t i = 0; i < count && r == 0; i++) {
                                _cleanup_free_ char *one = xasprintf("docker-archive:%s:@%zu",
                                                                     loc->path, i);
                                _cleanup_(image_location_freep) struct image_location *l1 = NULL;
                                _cleanup_(image_source_freep) struct image_source *s1 = NULL;
                                r = image_location_parse(one, IMAGE_TRANSPORT_NONE, &l1, e);
                                if (r == 0)
                                        r = image_source_open(l1, &s1, e);
                                if (r == 0)
                                        r = copy_into_store(s, s1, &names, e);
                        }
                } else {
                        r = copy_into_store(s, src, &names, e);
                }
                break;
        }
        if (spooled)
                unlink(spooled);
        if (r < 0 && first.msg && !(e && e->msg))
                err_move(e, &first);
        err_done(&first);
        if (r < 0)
                return err_wrap(e, "loading '%s'", STREQ(input, spooled ? spooled : "") ? "-"
                                                                                   : input);
        *ret_names = steal_pointer(&names);
        return 0;
}

int engine_image_save(struct store *s, char *const *images, enum save_format fmt,
                      const char *output, struct err *e)
{
        static const char *const transport[] = {
                [SAVE_DOCKER_ARCHIVE] = "docker-archive",
                [SAVE_OCI_ARCHIVE] = "oci-archive",
                [SAVE_OCI_DIR] = "oci",
                [SAVE_DOCKER_DIR] = "dir",
        };
        size_t n = strv_length(images);
        if (n > 1 && fmt != SAVE_DOCKER_ARCHIVE)
                return err_set(e, EINVAL, "several images can only be saved as a docker-archive");
        _cleanup_free_ char *dst_str = xasprintf("%s:%s", transport[fmt], output);
        _cleanup_(image_location_freep) struct image_location *dloc = NULL;
        _cleanup_(image_dest_freep) struct image_dest *dst = NULL;
        int r = image_location_parse(dst_str, IMAGE_TRANSPORT_NONE, &dloc, e);
        if (r < 0 || (r = image_dest_open(dloc, &dst, e)) < 0)
                return r;
        for (char *const *img = images; *img; img++) {
                _cleanup_json_ struct json *rec = NULL;
                if ((r = engine_image_find(s, *img, &rec, e)) < 0)
                        return r;
                const char *id = json_object_get_string(rec, "id");
                /* The name the user gave, as stored, or every name of the image. */
                _cleanup_free_ char *stored = engine_image_stored_name(rec, *img);
                _cleanup_free_ char *src_str = xasprintf("containers-storage:%s", id);
                _cleanup_(image_location_freep) struct image_location *sloc = NULL;
                _cleanup_(image_source_freep) struct image_source *src = NULL;
                if ((r = image_location_parse(src_str, IMAGE_TRANSPORT_NONE, &sloc, e)) < 0 ||
                    (r = image_source_open_store(s, sloc, &src, e)) < 0)
                        return r;
                char *one[] = {stored, NULL};
                struct image_copy_options co = {.names = stored ? one : NULL};
                if ((r = image_copy(src, dst, &co, NULL, e)) < 0)
                        return err_wrap(e, "saving '%s'", *img);
        }
        return image_dest_commit(dst, e);
}

/* The store a containers-storage: location names: s itself, or the store
 * its [driver@root+runroot:options] spec describes, opened into *ret_other. */
static int location_store(const struct config *cfg, struct store *s,
                          const struct image_location *loc, struct store **ret_other,
                          struct store **ret, struct err *e)
{
        *ret_other = NULL;
        if (!loc->store_root && !loc->store_driver && !loc->store_runroot) {
                *ret = s;
                return 0;
        }
        struct storage_conf sc = {
                .driver = loc->store_driver ? loc->store_driver : (char *)store_driver(s),
                .graphroot = loc->store_root ? loc->store_root : (char *)store_graphroot(s),
                .runroot = loc->store_runroot ? loc->store_runroot : (char *)store_runroot(s),
                .options = loc->store_options,
        };
        int r = store_open(&sc, cfg->user.rootless, ret_other, e);
        if (r < 0)
                return err_wrap(e, "opening the store of '%s'", loc->input);
        *ret = *ret_other;
        return 0;
}

int engine_image_copy(const struct config *cfg, struct store *s, const char *src_str,
                      const char *dst_str, struct err *e)
{
        _cleanup_(image_location_freep) struct image_location *sloc = NULL, *dloc = NULL;
        int r = image_location_parse(src_str, IMAGE_TRANSPORT_NONE, &sloc, e);
        if (r < 0 || (r = image_location_parse(dst_str, IMAGE_TRANSPORT_NONE, &dloc, e)) < 0)
                return r;
        _cleanup_(store_freep) struct store *src_other = NULL, *dst_other = NULL;
        struct store *src_store = s, *dst_store = s;
        if (sloc->transport == IMAGE_TRANSPORT_STORAGE &&
            (r = location_store(cfg, s, sloc, &src_other, &src_store, e)) < 0)
                return r;
        if (dloc->transport == IMAGE_TRANSPORT_STORAGE &&
            (r = location_store(cfg, s, dloc, &dst_other, &dst_store, e)) < 0)
                return r;
        /* A name in the store is found the way every berth command finds it
         * (short names, localhost/, ID prefixes). */
        if (sloc->transport == IMAGE_TRANSPORT_STORAGE && !sloc->image_id && sloc->ref) {
                _cleanup_json_ struct json *rec = NULL;
                /* The name as typed, without a [store spec] before it. */
                const char *name = sloc->input;
                if (name[0] == '[' && strchr(name, ']'))
                        name = strchr(name, ']') + 1;
                if ((r = engine_image_find(src_store, name, &rec, e)) < 0)
                        return r;
                _cleanup_free_ char *by_id = xasprintf("containers-storage:%s",
                                                       json_object_get_string(rec, "id"));
                image_location_free(sloc);
                sloc = NULL;
                if ((r = image_location_parse(by_id, IMAGE_TRANSPORT_NONE, &sloc, e)) < 0)
                        return r;
        }
        _cleanup_(image_source_freep) struct image_source *src = NULL;
        _cleanup_(image_dest_freep) struct image_dest *dst = NULL;
        r = sloc->transport == IMAGE_TRANSPORT_STORAGE
                    ? image_source_open_store(src_store, sloc, &src, e)
                    : image_source_open(sloc, &src, e);
        if (r < 0)
                return r;
        r = dloc->transport == IMAGE_TRANSPORT_STORAGE
                    ? image_dest_open_store(dst_store, dloc, &dst, e)
                    : image_dest_open(dloc, &dst, e);
        if (r < 0)
                return r;
        if ((r = image_copy(src, dst, NULL, NULL, e)) < 0)
                return err_wrap(e, "copying '%s' to '%s'", src_str, dst_str);
        return image_dest_commit(dst, e);
}
