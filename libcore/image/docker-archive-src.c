/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading docker-archive: (what `docker save` and `podman save` write): a
 * tar with manifest.json listing each image's config file, RepoTags and
 * layer tars (legacy `<id>/layer.tar` symlinks, or plain `<hex>.tar`, or
 * docker 25's blobs/sha256/<hex>). The archive holds no image manifest,
 * so one is made from manifest.json exactly as containers/image 5.23 does,
 * because podman stores that manifest with a loaded image and its digest
 * becomes the image's digest: Docker schema 2, the config's digest
 * computed, and every layer given as its diff_id, its uncompressed size
 * and the media type "diff.tar.gzip" whatever its compression (a known
 * containers/image quirk; berth's consumers look at the bytes, and a blob
 * whose digest is its diff_id is plain). A layer stored compressed (old
 * docker) is decompressed as it is read, so it matches its diff_id.
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

#define DA_MANIFEST "manifest.json"

struct da_layer {
        char *path;
        bool compressed;
        struct image_descriptor desc;
};

struct da_source {
        struct image_source base;
        struct layout_files *files;
        char *config_path;
        struct image_descriptor config;
        struct da_layer *layers;
        size_t n_layers;
        char *manifest;
        size_t manifest_len;
};

static int string_member(const struct json *item, const char *key, size_t i, char **ret,
                         struct err *e)
{
        _cleanup_free_ char *where = xasprintf("manifest.json[%zu]", i);
        return image_json_string(item, where, key, true, ret, e);
}

/* The index of the manifest.json item loc asks for. */
static int choose_item(const struct json *items, const struct image_location *loc, const char *what,
                       size_t *ret, struct err *e)
{
        size_t n = items->arr.len;
        if (loc->archive_index >= 0) {
                if ((size_t)loc->archive_index >= n)
                        return err_set(e, ENOENT, "%s: no image @%d: the archive holds %zu", what,
                                       loc->archive_index, n);
                *ret = (size_t)loc->archive_index;
                return 0;
        }
        if (loc->ref) {
                _cleanup_free_ char *want = image_ref_string(loc->ref);
                for (size_t i = 0; i < n; i++) {
                        const struct json *tags = json_object_get(items->arr.items[i], "RepoTags");
                        for (size_t t = 0; tags && tags->type == JSON_ARRAY && t < tags->arr.len;
                             t++) {
                                const struct json *tag = tags->arr.items[t];
                                _cleanup_(image_ref_freep) struct image_ref *r = NULL;
                                if (tag->type != JSON_STRING ||
                                    image_ref_parse(tag->str.s, IMAGE_REF_DEFAULT_LATEST, &r,
                                                    NULL) < 0)
                                        continue;
                                _cleanup_free_ char *have = image_ref_string(r);
                                if (STREQ(have, want)) {
                                        *ret = i;
                                        return 0;
                                }
                        }
                }
                return err_set(e, ENOENT, "%s: no image tagged '%s' in the archive", what, want);
        }
        if (n != 1)
                return err_set(e, EINVAL,
                               "%s: the archive holds %zu images; choose one with "
                               "docker-archive:%s:NAME or :@INDEX",
                               what, n, loc->path);
        *ret = 0;
        return 0;
}

static bool member_compressed(struct layout_files *f, const struct tar_member *m)
{
        unsigned char magic[4] = {0};
        if (m->size < 4 || pread(f->archive_fd, magic, 4, (off_t)m->offset) != 4)
                return false;
        return (magic[0] == 0x1f && magic[1] == 0x8b) ||
               (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd);
}

/* A reader of layer l's uncompressed bytes, checked against its diff_id. */
static int open_layer(struct da_source *s, const struct da_layer *l, const struct tar_member *m,
                      int64_t size, struct image_blob **ret, struct err *e)
{
        _cleanup_free_ char *name = xasprintf("blob %s", l->desc.digest);
        if (!l->compressed) {
                *ret = image_blob_from_range(s->files->archive_fd, m->offset, m->size,
                                             l->desc.digest, size, name);
                return 0;
        }
        _cleanup_free_ char *inner_name = xasprintf("layer '%s'", l->path);
        struct image_blob *inner = image_blob_from_range(s->files->archive_fd, m->offset, m->size,
                                                         NULL, -1, inner_name);
        int r = image_blob_decompress(inner, l->desc.digest, size, name, ret, e);
        if (r < 0)
                image_blob_free(inner);
        return r;
}

/* Describe a layer as containers/image does: by its diff_id and its
 * uncompressed size, which a compressed member (old docker saves) only
 * gives by decompressing it once here. */
static int describe_layer(struct da_source *s, struct da_layer *l, const char *diff_id,
                          struct err *e)
{
        const struct tar_member *m = NULL;
        int r = tar_index_lookup(s->files->index, l->path, &m, e);
        if (r < 0)
                return err_wrap(e, "%s", s->base.what);
        l->desc.media_type = xstrdup(IMAGE_MT_DOCKER_LAYER_GZIP);
        l->desc.digest = xstrdup(diff_id);
        l->compressed = member_compressed(s->files, m);
        if (!l->compressed) {
                l->desc.size = (int64_t)m->size;
                return 0;
        }
        _cleanup_(image_blob_freep) struct image_blob *b = NULL;
        if ((r = open_layer(s, l, m, -1, &b, e)) < 0)
                return r;
        char buf[64 * 1024];
        ssize_t n;
        while ((n = image_blob_read(b, buf, sizeof(buf), e)) > 0)
                ;
        if (n < 0)
                return (int)n;
        l->desc.size = (int64_t)image_blob_bytes_read(b);
        return 0;
}

static int load_item(struct da_source *s, const struct json *item, size_t i, struct err *e)
{
        int r;
        if (item->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: manifest.json[%zu]: expected an object",
                               s->base.what, i);
        if ((r = string_member(item, "Config", i, &s->config_path, e)) < 0)
                return err_wrap(e, "%s", s->base.what);
        _cleanup_free_ char *where = xasprintf("manifest.json[%zu]", i);
        _cleanup_strv_ char **tags = NULL, **layers = NULL;
        if ((r = image_json_strv(item, where, "RepoTags", &tags, e)) < 0 ||
            (r = image_json_strv(item, where, "Layers", &layers, e)) < 0)
                return err_wrap(e, "%s", s->base.what);
        for (char **t = tags; t && *t; t++) {
                _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
                if ((r = image_ref_parse(*t, IMAGE_REF_DEFAULT_LATEST, &ref, e)) < 0)
                        return err_wrap(e, "%s: RepoTags", s->base.what);
                strv_push(&s->base.names, image_ref_string(ref));
        }

        _cleanup_free_ char *config = NULL;
        size_t config_len = 0;
        if ((r = layout_files_read(s->files, s->config_path, IMAGE_CONFIG_MAX_SIZE, &config,
                                   &config_len, e)) < 0)
                return r;
        _cleanup_(image_config_freep) struct image_config *cfg = NULL;
        if ((r = image_config_parse(config, config_len, &cfg, e)) < 0)
                return err_wrap(e, "%s: '%s'", s->base.what, s->config_path);
        size_t n = strv_length(layers);
        if (n != cfg->n_diff_ids)
                return err_set(e, EINVAL, "%s: manifest.json lists %zu layers, the config %zu",
                               s->base.what, n, cfg->n_diff_ids);
        s->config.media_type = xstrdup(IMAGE_MT_DOCKER_CONFIG);
        s->config.digest = digest_buffer(config, config_len);
        s->config.size = (int64_t)config_len;
        s->layers = xcalloc(n ? n : 1, sizeof(*s->layers));
        for (size_t k = 0; k < n; k++) {
                s->layers[k].path = xstrdup(layers[k]);
                s->n_layers++;
                if ((r = describe_layer(s, &s->layers[k], cfg->diff_ids[k], e)) < 0)
                        return r;
        }

        struct image_manifest m = {
                .format = IMAGE_FORMAT_DOCKER,
                .media_type = (char *)IMAGE_MT_DOCKER_MANIFEST,
                .config = s->config,
                .n_layers = n,
        };
        m.layers = xcalloc(n ? n : 1, sizeof(*m.layers));
        for (size_t k = 0; k < n; k++)
                m.layers[k] = s->layers[k].desc;
        s->manifest = image_manifest_generate(&m, &s->manifest_len);
        free(m.layers);
        return 0;
}

static int da_source_manifest(struct image_source *src, const char *instance, char **ret_buf,
                              size_t *ret_len, char **ret_media_type, struct err *e)
{
        struct da_source *s = (struct da_source *)src;
        if (instance) {
                _cleanup_free_ char *mine = digest_buffer(s->manifest, s->manifest_len);
                if (!STREQ(mine, instance))
                        return err_set(e, ENOENT, "%s: no manifest %s", src->what, instance);
        }
        *ret_buf = xstrndup(s->manifest, s->manifest_len);
        *ret_len = s->manifest_len;
        *ret_media_type = xstrdup(IMAGE_MT_DOCKER_MANIFEST);
        return 0;
}

static int da_source_blob(struct image_source *src, const struct image_descriptor *d,
                          struct image_blob **ret, struct err *e)
{
        struct da_source *s = (struct da_source *)src;
        if (STREQ(d->digest, s->config.digest)) {
                if (d->size >= 0 && d->size != s->config.size)
                        return err_set(e, EBADMSG,
                                       "blob %s: size mismatch: expected %lld bytes, got %lld",
                                       d->digest, (long long)d->size, (long long)s->config.size);
                _cleanup_free_ char *name = xasprintf("blob %s", d->digest);
                return layout_files_blob(s->files, s->config_path, d->digest, s->config.size, name,
                                         ret, e);
        }
        for (size_t i = 0; i < s->n_layers; i++) {
                const struct da_layer *l = &s->layers[i];
                if (!STREQ(d->digest, l->desc.digest))
                        continue;
                if (d->size >= 0 && d->size != l->desc.size)
                        return err_set(e, EBADMSG,
                                       "blob %s: size mismatch: expected %lld bytes, got %lld",
                                       d->digest, (long long)d->size, (long long)l->desc.size);
                const struct tar_member *m = NULL;
                int r = tar_index_lookup(s->files->index, l->path, &m, e);
                if (r < 0)
                        return err_wrap(e, "%s", src->what);
                return open_layer(s, l, m, l->desc.size, ret, e);
        }
        return err_set(e, ENOENT, "%s: no blob %s in the image", src->what, d->digest);
}

static void da_source_free(struct image_source *src)
{
        struct da_source *s = (struct da_source *)src;
        layout_files_free(s->files);
        free(s->config_path);
        image_descriptor_done(&s->config);
        for (size_t i = 0; i < s->n_layers; i++) {
                free(s->layers[i].path);
                image_descriptor_done(&s->layers[i].desc);
        }
        free(s->layers);
        free(s->manifest);
        free(s);
}

static const struct image_source_ops da_source_ops = {
        .manifest = da_source_manifest,
        .blob = da_source_blob,
        .free = da_source_free,
};

int docker_archive_source_open(const struct image_location *loc, struct image_source **ret,
                               struct err *e)
{
        struct da_source *s = xcalloc(1, sizeof(*s));
        image_source_init(&s->base, &da_source_ops, loc);
        _cleanup_json_ struct json *items = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, i = 0;
        int r = layout_files_open_archive(loc->path, s->base.what, &s->files, e);
        if (r < 0)
                goto fail;
        if ((r = layout_files_read(s->files, DA_MANIFEST, IMAGE_MANIFEST_MAX_SIZE, &buf, &len, e)) <
            0)
                goto fail;
        if ((r = json_parse(buf, len, &items, e)) < 0) {
                err_wrap(e, "%s: '%s'", s->base.what, DA_MANIFEST);
                goto fail;
        }
        if (items->type != JSON_ARRAY) {
                r = err_set(e, EINVAL, "%s: '%s': expected an array", s->base.what, DA_MANIFEST);
                goto fail;
        }
        if ((r = choose_item(items, loc, s->base.what, &i, e)) < 0 ||
            (r = load_item(s, items->arr.items[i], i, e)) < 0)
                goto fail;
        s->base.n_images = items->arr.len;
        *ret = &s->base;
        return 0;
fail:
        image_source_free(&s->base);
        return r;
}
