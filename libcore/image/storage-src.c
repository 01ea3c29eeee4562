/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading an image from the store (containers-storage:), as
 * containers/image's storage source does: the manifest and config come
 * from the image's big data, and every layer is served as the plain tar
 * the store reassembles from its tar-split data (store_layer_tar), which
 * must match the diff_id the config names; the copy then describes the
 * layers as what they are, plain tars, whatever the stored manifest says.
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"
#include "storage.h"

struct storage_layer {
        char *id;
        char *diff_id;
        int64_t size; /* -1 if the record does not say */
};

struct storage_source {
        struct image_source base;
        struct store *store;
        char *image_id;
        char *digest; /* the record's manifest digest, may be NULL */
        struct storage_layer *layers;
        size_t n_layers;
};

static int big_data(struct storage_source *s, const char *key, size_t max, char **ret,
                    size_t *ret_len, struct err *e)
{
        int r = store_image_big_data(s->store, s->image_id, key, ret, ret_len, e);
        if (r < 0)
                return r;
        if (*ret_len > max) {
                free(*ret);
                return err_set(e, EFBIG, "%s: big data '%s' of %zu bytes is too large",
                               s->base.what, key, *ret_len);
        }
        return 0;
}

static int storage_src_manifest(struct image_source *src, const char *instance, char **ret_buf,
                                size_t *ret_len, char **ret_media_type, struct err *e)
{
        struct storage_source *s = (struct storage_source *)src;
        _cleanup_free_ char *key = NULL;
        const char *digest = instance ? instance : s->digest;
        if (digest)
                key = xasprintf("manifest-%s", digest);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct err ke = {0};
        int r = key ? big_data(s, key, IMAGE_MANIFEST_MAX_SIZE, &buf, &len, &ke) : -ENOENT;
        if (r < 0) {
                /* Older records keep only "manifest". */
                if (instance || (r != -ENOENT && key)) {
                        err_move(e, &ke);
                        return r;
                }
                err_done(&ke);
                if ((r = big_data(s, "manifest", IMAGE_MANIFEST_MAX_SIZE, &buf, &len, e)) < 0)
                        return err_wrap(e, "%s: the image has no manifest", src->what);
        }
        if (digest && key && (r = image_verify_bytes(buf, len, digest, key, e)) < 0)
                return err_wrap(e, "%s", src->what);
        const char *mt = image_manifest_guess_type(buf, len);
        if (!mt)
                return err_set(e, EINVAL, "%s: stored manifest of unknown format", src->what);
        *ret_media_type = xstrdup(mt);
        *ret_len = len;
        *ret_buf = steal_pointer(&buf);
        return 0;
}

struct tar_job {
        struct store *store;
        char *layer_id;
};

static int produce_tar(void *ctx, int fd, struct err *e)
{
        struct tar_job *j = ctx;
        return store_layer_tar(j->store, j->layer_id, fd, e);
}

static void free_job(void *ctx)
{
        struct tar_job *j = ctx;
        free(j->layer_id);
        free(j);
}

static int storage_src_blob(struct image_source *src, const struct image_descriptor *d,
                            struct image_blob **ret, struct err *e)
{
        struct storage_source *s = (struct storage_source *)src;
        for (size_t i = 0; i < s->n_layers; i++) {
                const struct storage_layer *l = &s->layers[i];
                if (!STREQ(l->diff_id, d->digest))
                        continue;
                struct tar_job *j = xcalloc(1, sizeof(*j));
                j->store = s->store;
                j->layer_id = xstrdup(l->id);
                _cleanup_free_ char *name = xasprintf("layer %s", l->id);
                int r = image_blob_from_producer(produce_tar, j, free_job, l->diff_id, l->size,
                                                 name, ret, e);
                if (r < 0)
                        free_job(j);
                return r;
        }
        /* Anything else is stored as big data under its digest (the config). */
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = big_data(s, d->digest, IMAGE_CONFIG_MAX_SIZE, &buf, &len, e);
        if (r < 0)
                return err_wrap(e, "%s: blob %s", src->what, d->digest);
        _cleanup_free_ char *name = xasprintf("blob %s", d->digest);
        *ret = image_blob_from_buffer(buf, len, d->digest, d->size, name);
        return 0;
}

static int storage_src_layers_for_copy(struct image_source *src, const struct image_manifest *m,
                                       const struct image_config *cfg,
                                       struct image_descriptor **ret, struct err *e)
{
        struct storage_source *s = (struct storage_source *)src;
        if (cfg->n_diff_ids != s->n_layers)
                return err_set(e, EINVAL, "%s: the config has %zu layers, the store %zu", src->what,
                               cfg->n_diff_ids, s->n_layers);
        struct image_descriptor *d = xcalloc(s->n_layers ? s->n_layers : 1, sizeof(*d));
        for (size_t i = 0; i < s->n_layers; i++) {
                if (!STREQ(s->layers[i].diff_id, cfg->diff_ids[i])) {
                        for (size_t k = 0; k < i; k++)
                                image_descriptor_done(&d[k]);
                        free(d);
                        return err_set(e, EINVAL, "%s: layer %s holds %s, but the config names %s",
                                       src->what, s->layers[i].id, s->layers[i].diff_id,
                                       cfg->diff_ids[i]);
                }
                d[i].media_type = xstrdup(m->format == IMAGE_FORMAT_OCI ? IMAGE_MT_OCI_LAYER
                                                                        : IMAGE_MT_DOCKER_LAYER);
                d[i].digest = xstrdup(s->layers[i].diff_id);
                d[i].size = s->layers[i].size;
        }
        *ret = d;
        return 0;
}

static void storage_src_free(struct image_source *src)
{
        struct storage_source *s = (struct storage_source *)src;
        free(s->image_id);
        free(s->digest);
        for (size_t i = 0; i < s->n_layers; i++) {
                free(s->layers[i].id);
                free(s->layers[i].diff_id);
        }
        free(s->layers);
        free(s);
}

static const struct image_source_ops storage_source_ops = {
        .manifest = storage_src_manifest,
        .blob = storage_src_blob,
        .free = storage_src_free,
        .layers_for_copy = storage_src_layers_for_copy,
};

/* The image whose manifest digest is ref's digest and that carries ref's
 * repository among its names (or any image of that digest if none does). */
static int find_by_digest(struct store *s, const struct image_ref *ref, struct json **ret,
                          struct err *e)
{
        _cleanup_json_ struct json *images = NULL;
        int r = store_images(s, &images, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *repo = image_ref_name(ref);
        const struct json *any = NULL;
        for (size_t i = 0; i < images->arr.len; i++) {
                const struct json *img = images->arr.items[i];
                bool match = false;
                const char *dg = json_object_get_string(img, "digest");
                if (dg && STREQ(dg, ref->digest))
                        match = true;
                const struct json *dgs = json_object_get(img, "big-data-digests");
                for (size_t k = 0; !match && dgs && dgs->type == JSON_OBJECT && k < dgs->obj.len;
                     k++)
                        if (str_has_prefix(dgs->obj.keys[k], "manifest") &&
                            dgs->obj.vals[k]->type == JSON_STRING &&
                            STREQ(dgs->obj.vals[k]->str.s, ref->digest))
                                match = true;
                if (!match)
                        continue;
                const struct json *names = json_object_get(img, "names");
                for (size_t k = 0; names && names->type == JSON_ARRAY && k < names->arr.len; k++) {
                        const struct json *n = names->arr.items[k];
                        _cleanup_(image_ref_freep) struct image_ref *nr = NULL;
                        if (n->type != JSON_STRING || image_ref_parse(n->str.s, 0, &nr, NULL) < 0)
                                continue;
                        _cleanup_free_ char *nrepo = image_ref_name(nr);
                        if (STREQ(nrepo, repo)) {
                                *ret = json_copy(img);
                                return 0;
                        }
                }
                if (!any)
                        any = img;
        }
        if (!any)
                return err_set(e, ENOENT, "no image with digest %s", ref->digest);
        *ret = json_copy(any);
        return 0;
}

static int find_image(struct store *s, const struct image_location *loc, struct json **ret,
                      struct err *e)
{
        if (loc->image_id)
                return store_image_lookup(s, loc->image_id, ret, e);
        /* A short hex string is tried as an ID prefix first, as podman does. */
        if (loc->id_prefix && store_image_lookup(s, loc->id_prefix, ret, NULL) == 0)
                return 0;
        if (!loc->ref)
                return err_set(e, ENOENT, "image '%s' not known", loc->id_prefix);
        if (loc->ref->digest && !loc->ref->tag)
                return find_by_digest(s, loc->ref, ret, e);
        _cleanup_(image_ref_freep) struct image_ref *r = image_ref_copy(loc->ref);
        image_ref_set_digest(r, NULL);
        _cleanup_free_ char *name = image_ref_string(r);
        return store_image_lookup(s, name, ret, e);
}

/* The image's layers, bottom first, from its top layer's parent chain. */
static int load_layers(struct storage_source *s, const char *top, struct err *e)
{
        _cleanup_free_ char *id = top ? xstrdup(top) : NULL;
        size_t cap = 0;
        while (id) {
                _cleanup_json_ struct json *rec = NULL;
                int r = store_layer_get(s->store, id, &rec, e);
                if (r < 0)
                        return r;
                const char *diff = json_object_get_string(rec, "diff-digest");
                if (!diff)
                        return err_set(e, EINVAL, "%s: layer %s has no diff digest", s->base.what,
                                       id);
                if (s->n_layers > 4096)
                        return err_set(e, ELOOP, "%s: layer chain too long", s->base.what);
                xgrow((void **)&s->layers, &cap, s->n_layers + 1, sizeof(*s->layers));
                struct storage_layer *l = &s->layers[s->n_layers++];
                l->id = steal_pointer(&id);
                l->diff_id = xstrdup(diff);
                l->size = json_object_get_int(rec, "diff-size", -1);
                const char *parent = json_object_get_string(rec, "parent");
                id = parent ? xstrdup(parent) : NULL;
        }
        for (size_t i = 0; i < s->n_layers / 2; i++) {
                struct storage_layer t = s->layers[i];
                s->layers[i] = s->layers[s->n_layers - 1 - i];
                s->layers[s->n_layers - 1 - i] = t;
        }
        return 0;
}

int image_source_open_store(struct store *st, const struct image_location *loc,
                            struct image_source **ret, struct err *e)
{
        if (loc->transport != IMAGE_TRANSPORT_STORAGE)
                return err_set(e, EINVAL, "not a containers-storage location");
        struct storage_source *s = xcalloc(1, sizeof(*s));
        image_source_init(&s->base, &storage_source_ops, loc);
        s->store = st;
        _cleanup_json_ struct json *img = NULL;
        int r = find_image(st, loc, &img, e);
        if (r < 0) {
                err_wrap(e, "%s", s->base.what);
                goto fail;
        }
        s->image_id = xstrdup(json_object_get_string(img, "id"));
        const char *digest = json_object_get_string(img, "digest");
        s->digest = digest ? xstrdup(digest) : NULL;
        const struct json *names = json_object_get(img, "names");
        for (size_t i = 0; names && names->type == JSON_ARRAY && i < names->arr.len; i++)
                if (names->arr.items[i]->type == JSON_STRING)
                        strv_add(&s->base.names, names->arr.items[i]->str.s);
        if ((r = load_layers(s, json_object_get_string(img, "layer"), e)) < 0)
                goto fail;
        *ret = &s->base;
        return 0;
fail:
        image_source_free(&s->base);
        return r;
}
