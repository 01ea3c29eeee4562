/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image records (images.json, STORAGE-FORMAT §4) and their big-data files:
 * creation and reuse by ID, names unique across images with a history,
 * lookups, and deletion that takes unreferenced layers of the chain along.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "store-private.h"

static char *image_dir(const struct store *s, const char *id)
{
        return xasprintf("%s/%s-images/%s", s->graphroot, s->driver, id);
}

/* images.json may name an image by "sha256:<id>" as well. */
static const char *strip_algo(const char *ref)
{
        return str_has_prefix(ref, "sha256:") ? ref + strlen("sha256:") : ref;
}

static int image_find(struct store *s, const char *ref, struct json **ret, struct err *e)
{
        ssize_t i = records_lookup(s->images.arr, strip_algo(ref));
        if (i == -EINVAL)
                return err_set(e, EINVAL, "image '%s': ambiguous ID prefix", ref);
        if (i < 0)
                return err_set(e, ENOENT, "image '%s': image not known", ref);
        *ret = s->images.arr->arr.items[i];
        return 0;
}

/* Give names to img, taking them from any other image, and put them at the
 * front of its names-history (newest first, no duplicates). */
static void image_take_names(struct store *s, struct json *img, char *const *names)
{
        for (char *const *n = names; n && *n; n++) {
                for (size_t i = 0; i < s->images.arr->arr.len; i++) {
                        struct json *other = s->images.arr->arr.items[i];
                        if (other != img && record_strv_remove(other, "names", *n))
                                record_order_keys(other, image_key_order);
                }
                record_strv_add(img, "names", *n);
        }
        _cleanup_strv_ char **hist = record_strv(img, "names-history");
        _cleanup_strv_ char **fresh = NULL;
        size_t count = strv_length(names);
        for (size_t k = count; k-- > 0;)
                if (!strv_contains(fresh, names[k]))
                        strv_add(&fresh, names[k]);
        /* fresh holds the names newest (last given) first. */
        for (char **h = hist; h && *h; h++)
                if (!strv_contains(fresh, *h))
                        strv_add(&fresh, *h);
        record_set_strv(img, "names-history", fresh);
        record_order_keys(img, image_key_order);
}

static bool digits(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* What Go's time.Time accepts from JSON (RFC 3339): anything else in
 * `created` makes podman fail to read images.json as a whole (T1). */
static bool rfc3339_valid(const char *t)
{
        size_t n = strlen(t);
        if (n < 20 || !digits(t, 4) || t[4] != '-' || !digits(t + 5, 2) || t[7] != '-' ||
            !digits(t + 8, 2) || t[10] != 'T' || !digits(t + 11, 2) || t[13] != ':' ||
            !digits(t + 14, 2) || t[16] != ':' || !digits(t + 17, 2))
                return false;
        const char *p = t + 19;
        if (*p == '.') {
                size_t k = 1;
                while (p[k] >= '0' && p[k] <= '9')
                        k++;
                if (k == 1)
                        return false;
                p += k;
        }
        if (STREQ(p, "Z"))
                return true;
        return (p[0] == '+' || p[0] == '-') && strlen(p) == 6 && digits(p + 1, 2) && p[3] == ':' &&
               digits(p + 4, 2);
}

static int validate_names(char *const *names, struct err *e)
{
        for (char *const *n = names; n && *n; n++)
                if (!**n)
                        return err_set(e, EINVAL, "empty image name");
        return 0;
}

static int image_create_locked(struct store *s, const struct image_spec *spec, bool *ret_created,
                               struct err *e)
{
        if (spec->top_layer && *spec->top_layer && records_find(s->layers.arr, spec->top_layer) < 0)
                return err_set(e, ENOENT, "layer '%s' not known", spec->top_layer);
        ssize_t i = records_find(s->images.arr, spec->id);
        if (i >= 0) {
                struct json *img = s->images.arr->arr.items[i];
                const char *top = json_object_get_string(img, "layer");
                if (spec->top_layer && *spec->top_layer && top && !STREQ(top, spec->top_layer))
                        return err_set(e, EEXIST,
                                       "image with ID '%s' already exists, but uses a "
                                       "different top layer",
                                       spec->id);
                image_take_names(s, img, spec->names);
                s->images.dirty = true;
                *ret_created = false;
                return 0;
        }
        _cleanup_free_ char *dir = image_dir(s, spec->id);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return err_errno(e, "create '%s'", dir);

        struct json *img = json_new_object();
        json_object_set_string(img, "id", spec->id);
        if (spec->digest && *spec->digest)
                json_object_set_string(img, "digest", spec->digest);
        if (spec->top_layer && *spec->top_layer)
                json_object_set_string(img, "layer", spec->top_layer);
        if (spec->metadata && *spec->metadata)
                json_object_set_string(img, "metadata", spec->metadata);
        if (spec->created && *spec->created)
                json_object_set_string(img, "created", spec->created);
        else
                json_object_set(img, "created", json_new_string_take(storage_time_now()));
        json_array_append(s->images.arr, img);
        image_take_names(s, img, spec->names);
        s->images.dirty = true;
        *ret_created = true;
        return 0;
}

int store_image_create(struct store *s, const struct image_spec *spec, bool *ret_created,
                       struct err *e)
{
        if (!spec->id || !digest_is_hex64(spec->id))
                return err_set(e, EINVAL, "creating image '%s': ID is not 64 hex characters",
                               spec->id ? spec->id : "");
        /* An invalid digest would stop podman from loading the store (T5). */
        if (spec->digest && *spec->digest && digest_validate(spec->digest, NULL, e) < 0)
                return err_wrap(e, "creating image '%s'", spec->id);
        if (spec->created && *spec->created && !rfc3339_valid(spec->created))
                return err_set(e, EINVAL, "creating image '%s': created time '%s' is not RFC 3339",
                               spec->id, spec->created);
        int r = validate_names(spec->names, e);
        if (r < 0)
                return err_wrap(e, "creating image '%s'", spec->id);
        const unsigned mask = LK_LAYERS | LK_IMAGES;
        if ((r = store_lock(s, mask, e)) < 0)
                return err_wrap(e, "creating image '%s'", spec->id);
        bool created = false;
        r = image_create_locked(s, spec, &created, e);
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        if (r >= 0)
                r = u;
        if (r < 0)
                return err_wrap(e, "creating image '%s'", spec->id);
        if (ret_created)
                *ret_created = created;
        return 0;
}

/* ---------------------------------------------------------------- big data */

static void map_set(struct json *img, const char *map, const char *key, struct json *v)
{
        struct json *m = json_object_get(img, map);
        if (!m || m->type != JSON_OBJECT) {
                m = json_new_object();
                json_object_set(img, map, m);
        }
        json_object_set(m, key, v);
}

static int big_data_set_locked(struct store *s, const char *id, const char *key, const void *data,
                               size_t len, struct err *e)
{
        struct json *img;
        int r = image_find(s, id, &img, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *name = storage_big_data_name(key);
        if (strchr(name, '/'))
                return err_set(e, EINVAL, "big-data key '%s' does not make a file name", key);
        _cleanup_free_ char *dir = image_dir(s, json_object_get_string(img, "id"));
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return err_errno(e, "create '%s'", dir);
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        if ((r = fs_write_atomic(AT_FDCWD, path, data, len, 0600, e)) < 0)
                return r;
        /* c/storage computes manifest digests with manifest.Digest, which
         * differs from sha256 of the bytes only for signed schema1
         * manifests; those are not written by berth. */
        _cleanup_free_ char *dg = digest_buffer(data, len);
        record_strv_add(img, "big-data-names", key);
        map_set(img, "big-data-sizes", key, json_new_int((int64_t)len));
        map_set(img, "big-data-digests", key, json_new_string(dg));
        if (str_has_prefix(key, "manifest") && !json_object_get_string(img, "digest"))
                json_object_set_string(img, "digest", dg);
        record_order_keys(img, image_key_order);
        s->images.dirty = true;
        return 0;
}

int store_image_set_big_data(struct store *s, const char *id, const char *key, const void *data,
                             size_t len, struct err *e)
{
        if (!key || !*key)
                return err_set(e, EINVAL, "setting big data of image '%s': empty key", id);
        int r = store_lock(s, LK_IMAGES, e);
        if (r >= 0) {
                r = big_data_set_locked(s, id, key, data, len, e);
                int u = store_unlock(s, LK_IMAGES, r < 0 ? NULL : e);
                if (r >= 0)
                        r = u;
        }
        if (r < 0)
                return err_wrap(e, "setting big data '%s' of image '%s'", key, id);
        return 0;
}

int store_image_big_data(struct store *s, const char *id, const char *key, char **ret,
                         size_t *ret_len, struct err *e)
{
        pthread_mutex_lock(&s->mu);
        int r = records_rlock(&s->images, e);
        if (r >= 0) {
                struct json *img;
                r = image_find(s, id, &img, e);
                if (r >= 0 && !record_strv_has(img, "big-data-names", key))
                        r = err_set(e, ENOENT, "no big data '%s'", key);
                if (r >= 0) {
                        _cleanup_free_ char *name = storage_big_data_name(key);
                        _cleanup_free_ char *path =
                                xasprintf("%s/%s-images/%s/%s", s->graphroot, s->driver,
                                          json_object_get_string(img, "id"), name);
                        r = fs_read_file(AT_FDCWD, path, 0, ret, ret_len, e);
                }
                (void)lockfile_unlock(s->images.lock, NULL);
        }
        pthread_mutex_unlock(&s->mu);
        if (r < 0)
                return err_wrap(e, "reading big data '%s' of image '%s'", key, id);
        return 0;
}

/* ---------------------------------------------------------------- names */

int store_image_lookup(struct store *s, const char *ref, struct json **ret, struct err *e)
{
        pthread_mutex_lock(&s->mu);
        int r = records_rlock(&s->images, e);
        if (r >= 0) {
                struct json *img;
                r = image_find(s, ref, &img, e);
                if (r >= 0)
                        *ret = json_copy(img);
                (void)lockfile_unlock(s->images.lock, NULL);
        }
        pthread_mutex_unlock(&s->mu);
        return r;
}

static int names_op(struct store *s, const char *id, char *const *names, bool add, struct err *e)
{
        int r = validate_names(names, e);
        if (r < 0)
                return r;
        if ((r = store_lock(s, LK_IMAGES, e)) < 0)
                return r;
        struct json *img;
        r = image_find(s, id, &img, e);
        if (r >= 0) {
                if (add) {
                        image_take_names(s, img, names);
                } else {
                        for (char *const *n = names; n && *n; n++)
                                record_strv_remove(img, "names", *n);
                }
                s->images.dirty = true;
        }
        int u = store_unlock(s, LK_IMAGES, r < 0 ? NULL : e);
        return r < 0 ? r : u;
}

int store_image_add_names(struct store *s, const char *id, char *const *names, struct err *e)
{
        int r = names_op(s, id, names, true, e);
        return r < 0 ? err_wrap(e, "adding names to image '%s'", id) : 0;
}

int store_image_remove_names(struct store *s, const char *id, char *const *names, struct err *e)
{
        int r = names_op(s, id, names, false, e);
        return r < 0 ? err_wrap(e, "removing names from image '%s'", id) : 0;
}

/* ---------------------------------------------------------------- delete */

/* Delete top and then its parents while nothing else refers to them. */
static int delete_chain(struct store *s, const char *top, char ***removed, uint64_t *freed,
                        struct err *e)
{
        _cleanup_free_ char *cur = top ? xstrdup(top) : NULL;
        while (cur && records_find(s->layers.arr, cur) >= 0 && !layer_in_use(s, cur, NULL)) {
                ssize_t i = records_find(s->layers.arr, cur);
                const char *p = json_object_get_string(s->layers.arr->arr.items[i], "parent");
                _cleanup_free_ char *parent = p && *p ? xstrdup(p) : NULL;
                int r = layer_delete_locked(s, cur, freed, e);
                if (r < 0)
                        return r;
                strv_add(removed, cur);
                free(cur);
                cur = steal_pointer(&parent);
        }
        return 0;
}

int image_delete_locked(struct store *s, const char *ref, char ***removed, uint64_t *freed,
                        struct err *e)
{
        struct json *img;
        int r = image_find(s, ref, &img, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *id = xstrdup(json_object_get_string(img, "id"));
        for (size_t i = 0; i < s->containers.arr->arr.len; i++) {
                const struct json *c = s->containers.arr->arr.items[i];
                const char *cimg = json_object_get_string(c, "image");
                if (cimg && STREQ(cimg, id))
                        return err_set(e, EBUSY, "image is in use by container '%s'",
                                       json_object_get_string(c, "id"));
        }
        const char *t = json_object_get_string(img, "layer");
        _cleanup_free_ char *top = t && *t ? xstrdup(t) : NULL;
        _cleanup_strv_ char **mapped = record_strv(img, "mapped-layers");

        records_remove_at(s->images.arr, (size_t)records_find(s->images.arr, id));
        /* The image goes first and for good: a crash below leaves only
         * unreferenced layers, never an image without its layers. */
        if ((r = records_save(&s->images, e)) < 0)
                return r;
        _cleanup_free_ char *dir = image_dir(s, id);
        if ((r = storage_rm_rf(AT_FDCWD, dir, freed, e)) < 0)
                return r;
        for (char **m = mapped; m && *m; m++)
                if ((r = delete_chain(s, *m, removed, freed, e)) < 0)
                        return r;
        return delete_chain(s, top, removed, freed, e);
}

int store_image_delete(struct store *s, const char *id, char ***ret_removed_layers, struct err *e)
{
        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_IMAGES | LK_CONTAINERS;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return err_wrap(e, "deleting image '%s'", id);
        _cleanup_strv_ char **removed = NULL;
        r = image_delete_locked(s, id, &removed, NULL, e);
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        if (r >= 0)
                r = u;
        if (r < 0)
                return err_wrap(e, "deleting image '%s'", id);
        if (ret_removed_layers)
                *ret_removed_layers = steal_pointer(&removed);
        return 0;
}
