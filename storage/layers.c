/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer records (layers.json, STORAGE-FORMAT §3): snapshots, lookups, IDs,
 * reference checks, crash-safe deletion, and reading a layer back as the
 * tar it was made from or as a diff.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "layer-apply.h"
#include "store-private.h"

/* Field order of containers/storage's Layer, Image and Container structs. */
const char *const layer_key_order[] = {
        "id",
        "names",
        "parent",
        "metadata",
        "mountlabel",
        "created",
        "compressed-diff-digest",
        "compressed-size",
        "diff-digest",
        "diff-size",
        "compression",
        "uidset",
        "gidset",
        "flags",
        "uidmap",
        "gidmap",
        "big-data-names",
        NULL,
};
const char *const image_key_order[] = {
        "id",
        "digest",
        "names",
        "names-history",
        "layer",
        "mapped-layers",
        "metadata",
        "big-data-names",
        "big-data-sizes",
        "big-data-digests",
        "created",
        "flags",
        NULL,
};
const char *const container_key_order[] = {
        "id",       "names",          "image",          "layer",
        "metadata", "big-data-names", "big-data-sizes", "big-data-digests",
        "created",  "uidmap",         "gidmap",         "flags",
        NULL,
};

char *storage_layer_chain_id(const char *parent_id, const char *diff_id)
{
        const char *hex = strchr(diff_id, ':');
        hex = hex ? hex + 1 : diff_id;
        if (!parent_id || !*parent_id)
                return xstrdup(hex);
        _cleanup_free_ char *text = xasprintf("%s+%s", parent_id, hex);
        _cleanup_free_ char *d = digest_buffer(text, strlen(text));
        return xstrdup(d + strlen("sha256:"));
}

/* A copy of a record array, read under its lock; or the store's own
 * (take), which the next lock reads again from the file. */
static int snapshot(struct store *s, struct records *r, bool take, struct json **ret,
                    struct err *e)
{
        pthread_mutex_lock(&s->mu);
        int ret_code = records_rlock(r, e);
        if (ret_code >= 0) {
                *ret = take ? steal_pointer(&r->arr) : json_copy(r->arr);
                (void)lockfile_unlock(r->lock, NULL);
        }
        pthread_mutex_unlock(&s->mu);
        return ret_code;
}

int store_layers(struct store *s, struct json **ret, struct err *e)
{
        return snapshot(s, &s->layers, false, ret, e);
}

int store_images(struct store *s, struct json **ret, struct err *e)
{
        return snapshot(s, &s->images, false, ret, e);
}

int store_containers(struct store *s, struct json **ret, struct err *e)
{
        return snapshot(s, &s->containers, false, ret, e);
}

int store_containers_take(struct store *s, struct json **ret, struct err *e)
{
        return snapshot(s, &s->containers, true, ret, e);
}

int store_mounts(struct store *s, struct json **ret, struct err *e)
{
        return snapshot(s, &s->mounts, false, ret, e);
}

/* A copy of the record ref names (records_lookup), read under its lock. */
static int record_get(struct store *s, struct records *rs, const char *what, const char *ref,
                      struct json **ret, struct err *e)
{
        pthread_mutex_lock(&s->mu);
        int r = records_rlock(rs, e);
        if (r >= 0) {
                ssize_t i = records_lookup(rs->arr, ref);
                if (i >= 0)
                        *ret = json_copy(rs->arr->arr.items[i]);
                else if (i == -EINVAL)
                        r = err_set(e, EINVAL, "%s '%s': ambiguous ID prefix", what, ref);
                else
                        r = err_set(e, ENOENT, "%s '%s': %s not known", what, ref, what);
                (void)lockfile_unlock(rs->lock, NULL);
        }
        pthread_mutex_unlock(&s->mu);
        return r;
}

int store_layer_get(struct store *s, const char *id, struct json **ret, struct err *e)
{
        return record_get(s, &s->layers, "layer", id, ret, e);
}

int store_container_get(struct store *s, const char *ref, struct json **ret, struct err *e)
{
        return record_get(s, &s->containers, "container", ref, ret, e);
}

/* ---------------------------------------------------------------- references */

bool layer_in_use(struct store *s, const char *id, char **ret_user)
{
        const struct json *imgs = s->images.arr, *ctrs = s->containers.arr, *lays = s->layers.arr;
        for (size_t i = 0; imgs && i < imgs->arr.len; i++) {
                const struct json *img = imgs->arr.items[i];
                const char *top = json_object_get_string(img, "layer");
                if ((top && STREQ(top, id)) || record_strv_has(img, "mapped-layers", id)) {
                        if (ret_user)
                                *ret_user =
                                        xasprintf("image '%s'", json_object_get_string(img, "id"));
                        return true;
                }
        }
        for (size_t i = 0; ctrs && i < ctrs->arr.len; i++) {
                const char *l = json_object_get_string(ctrs->arr.items[i], "layer");
                if (l && STREQ(l, id)) {
                        if (ret_user)
                                *ret_user =
                                        xasprintf("container '%s'",
                                                  json_object_get_string(ctrs->arr.items[i], "id"));
                        return true;
                }
        }
        for (size_t i = 0; lays && i < lays->arr.len; i++) {
                const char *p = json_object_get_string(lays->arr.items[i], "parent");
                if (p && STREQ(p, id)) {
                        if (ret_user)
                                *ret_user =
                                        xasprintf("layer '%s'",
                                                  json_object_get_string(lays->arr.items[i], "id"));
                        return true;
                }
        }
        return false;
}

/* ---------------------------------------------------------------- delete */

static int layer_delete(struct store *s, const char *id_in, uint64_t *freed, bool mark,
                        struct err *e)
{
        _cleanup_free_ char *id = xstrdup(id_in); /* id_in may point into the record */
        ssize_t i = records_find(s->layers.arr, id);
        if (i < 0)
                return err_set(e, ENOENT, "delete layer '%s': layer not known", id);
        struct json *rec = s->layers.arr->arr.items[i];

        /* Flag first and save: a crash from here on leaves a record that
         * podman (and store_check) deletes at its next start (§3.2). */
        struct json *flags = json_object_get(rec, "flags");
        if (mark && (!flags || flags->type != JSON_OBJECT)) {
                flags = json_new_object();
                json_object_set(rec, "flags", flags);
        }
        if (mark && !json_object_get_bool(flags, "incomplete", false)) {
                json_object_set_bool(flags, "incomplete", true);
                record_order_keys(rec, layer_key_order);
                int r = records_save(&s->layers, e);
                if (r < 0)
                        return err_wrap(e, "delete layer '%s'", id);
        }
        int r = mount_release_all(s, id, e);
        if (r >= 0)
                r = s->ops->remove(s, id, freed, e);
        if (r < 0)
                return err_wrap(e, "delete layer '%s'", id);

        _cleanup_free_ char *ts = store_tarsplit_path(s, id);
        struct stat st;
        if (freed && stat(ts, &st) == 0)
                *freed += (uint64_t)st.st_blocks * 512;
        if (unlink(ts) < 0 && errno != ENOENT)
                return err_errno(e, "delete layer '%s': remove '%s'", id, ts);
        /* Layer big data (unused by podman 4.3, but removed with the layer). */
        _cleanup_free_ char *bd = xasprintf("%s/%s-layers/%s", s->graphroot, s->driver, id);
        if ((r = storage_rm_rf(AT_FDCWD, bd, freed, e)) < 0)
                return err_wrap(e, "delete layer '%s'", id);

        i = records_find(s->layers.arr, id);
        if (i >= 0)
                records_remove_at(s->layers.arr, (size_t)i);
        s->layers.dirty = true;
        return 0;
}

int layer_delete_locked(struct store *s, const char *id, uint64_t *freed, struct err *e)
{
        return layer_delete(s, id, freed, true, e);
}

int layer_delete_relaxed_locked(struct store *s, const char *id, struct err *e)
{
        return layer_delete(s, id, NULL, false, e);
}

static bool layer_incomplete(const struct json *rec)
{
        const struct json *flags = json_object_get(rec, "flags");
        return flags && json_object_get_bool(flags, "incomplete", false);
}

void layers_remove_incomplete(struct store *s)
{
        for (size_t i = 0; i < s->layers.arr->arr.len; i++) {
                const struct json *rec = s->layers.arr->arr.items[i];
                if (!layer_incomplete(rec))
                        continue;
                _cleanup_free_ char *id = xstrdup(json_object_get_string(rec, "id"));
                struct err e = {0};
                log_debug("found incomplete layer \"%s\", deleting it", id);
                if (layer_delete_locked(s, id, NULL, &e) < 0) {
                        /* Left for store_check to report; this operation
                         * does not depend on it. */
                        log_debug("%s", e.msg);
                        err_done(&e);
                        continue;
                }
                i = (size_t)-1; /* restart: indexes moved */
        }
}

int store_layer_delete(struct store *s, const char *ref, struct err *e)
{
        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_IMAGES | LK_CONTAINERS;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return err_wrap(e, "deleting layer '%s'", ref);
        ssize_t i = records_lookup(s->layers.arr, ref);
        if (i < 0) {
                r = i == -EINVAL ? err_set(e, EINVAL, "ambiguous ID prefix")
                                 : err_set(e, ENOENT, "layer not known");
        } else {
                _cleanup_free_ char *id =
                        xstrdup(json_object_get_string(s->layers.arr->arr.items[i], "id"));
                _cleanup_free_ char *user = NULL;
                if (layer_in_use(s, id, &user))
                        r = err_set(e, EBUSY, "layer is in use by %s", user);
                else
                        r = layer_delete_locked(s, id, NULL, e);
        }
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        if (r >= 0)
                r = u;
        if (r < 0)
                return err_wrap(e, "deleting layer '%s'", ref);
        return 0;
}

/* ---------------------------------------------------------------- create */

int store_layer_create_empty(struct store *s, const char *parent_id, char *const *names,
                             char **ret_id, struct err *e)
{
        /* Built in staging without locks, then installed in one short step. */
        _cleanup_(staged_layer_freep) struct staged_layer *sl =
                staged_layer_new_empty(s, parent_id, e);
        if (!sl)
                return err_wrap(e, "creating layer over '%s'", parent_id ? parent_id : "(none)");
        _cleanup_free_ char *id = storage_random_id();
        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS;
        int r = store_lock(s, mask, e);
        if (r >= 0) {
                r = staged_layer_install_locked(s, sl, id, names, e);
                int u = store_unlock(s, mask, r < 0 ? NULL : e);
                if (r >= 0)
                        r = u;
        }
        if (r < 0)
                return err_wrap(e, "creating layer over '%s'", parent_id ? parent_id : "(none)");
        *ret_id = steal_pointer(&id);
        return 0;
}

/* ---------------------------------------------------------------- read back */

struct layer_files {
        char *id;
        int rootfd, parentfd, tsfd;
};

static void layer_files_done(struct layer_files *f)
{
        free(f->id);
        closep(&f->rootfd);
        closep(&f->parentfd);
        closep(&f->tsfd);
}

static int layer_open_files_locked(struct store *s, const char *ref, bool want_parent,
                                   bool want_tarsplit, struct layer_files *f, struct err *e)
{
        ssize_t i = records_lookup(s->layers.arr, ref);
        if (i < 0)
                return err_set(e, i == -EINVAL ? EINVAL : ENOENT, "layer '%s': %s", ref,
                               i == -EINVAL ? "ambiguous ID prefix" : "layer not known");
        const struct json *rec = s->layers.arr->arr.items[i];
        f->id = xstrdup(json_object_get_string(rec, "id"));
        _cleanup_free_ char *dir = s->ops->files_dir(s, f->id);
        f->rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (f->rootfd < 0)
                return err_errno(e, "open layer directory '%s'", dir);
        const char *parent = json_object_get_string(rec, "parent");
        if (want_parent && parent && *parent) {
                _cleanup_free_ char *pdir = s->ops->files_dir(s, parent);
                f->parentfd = open(pdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (f->parentfd < 0)
                        return err_errno(e, "open parent layer directory '%s'", pdir);
        }
        if (want_tarsplit) {
                _cleanup_free_ char *ts = store_tarsplit_path(s, f->id);
                f->tsfd = open(ts, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (f->tsfd < 0) {
                        /* Re-tarring the directory would give other bytes
                         * than the recorded diff-digest (§7): say so. */
                        if (errno == ENOENT)
                                return err_set(e, ENOENT,
                                               "layer '%s' has no tar-split data ('%s'); its "
                                               "original tar cannot be reproduced",
                                               f->id, ts);
                        return err_errno(e, "open '%s'", ts);
                }
        }
        return 0;
}

/* Open what reading a layer needs under the layers lock, so the lock is
 * not held while the data streams out. */
static int layer_open_files(struct store *s, const char *ref, bool want_parent, bool want_tarsplit,
                            struct layer_files *f, struct err *e)
{
        *f = (struct layer_files){.rootfd = -1, .parentfd = -1, .tsfd = -1};
        pthread_mutex_lock(&s->mu);
        int r = records_rlock(&s->layers, e);
        if (r >= 0) {
                r = layer_open_files_locked(s, ref, want_parent, want_tarsplit, f, e);
                (void)lockfile_unlock(s->layers.lock, NULL);
        }
        pthread_mutex_unlock(&s->mu);
        return r;
}

int store_layer_tar(struct store *s, const char *ref, int fd, struct err *e)
{
        _cleanup_(layer_files_done) struct layer_files f;
        int r = layer_open_files(s, ref, false, true, &f, e);
        if (r >= 0)
                r = tarsplit_assemble(f.tsfd, f.rootfd, fd, e);
        if (r < 0)
                return err_wrap(e, "reading layer '%s'", f.id ? f.id : ref);
        return 0;
}

int store_layer_diff(struct store *s, const char *ref, int fd, struct err *e)
{
        _cleanup_(layer_files_done) struct layer_files f;
        bool overlay = STREQ(s->driver, "overlay");
        int r = layer_open_files(s, ref, !overlay, false, &f, e);
        if (r >= 0)
                r = overlay ? layer_diff_overlay(f.rootfd, s->rootless, fd, e)
                            : layer_diff_naive(f.parentfd, f.rootfd, fd, e);
        if (r < 0)
                return err_wrap(e, "computing the diff of layer '%s'", f.id ? f.id : ref);
        return 0;
}

int layer_verify_locked(struct store *s, const char *id, char **ret_problem)
{
        ssize_t i = records_find(s->layers.arr, id);
        const char *want = i < 0 ? NULL
                                 : json_object_get_string(s->layers.arr->arr.items[i],
                                                          "diff-digest");
        /* Container layers have no diff: nothing to compare. */
        if (!want || !*want)
                return 0;
        int64_t want_size = json_object_get_int(s->layers.arr->arr.items[i], "diff-size", -1);
        _cleanup_(layer_files_done) struct layer_files f = {.rootfd = -1, .parentfd = -1,
                                                           .tsfd = -1};
        _cleanup_err_ struct err e = {0};
        _cleanup_free_ char *got = NULL;
        int64_t size = 0;
        if (layer_open_files_locked(s, id, false, true, &f, &e) < 0 ||
            tarsplit_assemble_digest(f.tsfd, f.rootfd, &got, &size, &e) < 0) {
                *ret_problem = xstrdup(e.msg ? e.msg : "cannot be read back");
                return 1;
        }
        if (!STREQ(got, want)) {
                *ret_problem = xasprintf("content digest %s does not match its diff-digest %s",
                                         got, want);
                return 1;
        }
        if (want_size >= 0 && size != want_size) {
                *ret_problem = xasprintf("content is %lld bytes, its diff-size says %lld",
                                         (long long)size, (long long)want_size);
                return 1;
        }
        return 0;
}
