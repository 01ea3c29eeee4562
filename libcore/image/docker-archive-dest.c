/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing docker-archive: exactly as podman 4.3 (containers/image 5.23)
 * does, so that `berth save` and `podman save` of the same images give the
 * same archive byte for byte: each layer as <diff_id hex>.tar, the config
 * as <hex>.json, then the legacy <id>/{layer.tar,VERSION,json} entries
 * that docker still reads, and at the end manifest.json and repositories.
 * Several images can go into one archive; shared layers are written once.
 *
 * The legacy IDs follow containers/image: each layer's chain ID as docker
 * computes it (sha256 of "<parent chain> <diff_id>"), and the legacy ID the
 * sha256 of the layer's legacy JSON (keys sorted, as Go marshals a map)
 * with "layer_id" set to that chain ID; the top layer's JSON also carries
 * seven fields of the image config, which makes its ID depend on the image.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image-internal.h"

#define LEGACY_VERSION "1.0"

struct da_config {
        char *digest;
        char *data;
        size_t len;
};

struct da_dest {
        struct image_dest base;
        struct archive_out file;
        struct layout_out *out;
        struct json *items; /* manifest.json */
        struct json *repos; /* repositories: name -> tag -> top legacy id */
        struct da_config *configs;
        size_t n_configs;
        struct image_ref *ref;
};

static char *hex_of(const char *digest)
{
        const char *c = strchr(digest, ':');
        return xstrdup(c ? c + 1 : digest);
}

static bool da_has_blob(struct image_dest *d, const char *digest)
{
        struct da_dest *o = (struct da_dest *)d;
        _cleanup_free_ char *hex = hex_of(digest);
        _cleanup_free_ char *tar = xasprintf("%s.tar", hex);
        _cleanup_free_ char *json = xasprintf("%s.json", hex);
        return layout_out_has(o->out, tar) || layout_out_has(o->out, json);
}

static const struct da_config *find_config(const struct da_dest *o, const char *digest)
{
        for (size_t i = 0; i < o->n_configs; i++)
                if (STREQ(o->configs[i].digest, digest))
                        return &o->configs[i];
        return NULL;
}

static int da_put_blob(struct image_dest *d, struct image_blob *b, bool is_config,
                       char **ret_digest, int64_t *ret_size, struct err *e)
{
        struct da_dest *o = (struct da_dest *)d;
        if (!is_config)
                return layout_out_blob(o->out, b, "", ".tar", ret_digest, ret_size, e);
        /* Configs are kept: the legacy JSON of each image is made from one. */
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = image_blob_read_all(b, IMAGE_CONFIG_MAX_SIZE, &data, &len, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *digest = NULL;
        if ((r = layout_out_blob_buffer(o->out, data, len, "", ".json", &digest, e)) < 0)
                return r;
        if (!find_config(o, digest)) {
                o->configs = xrealloc(o->configs, (o->n_configs + 1) * sizeof(*o->configs));
                o->configs[o->n_configs++] = (struct da_config){
                        .digest = xstrdup(digest), .data = steal_pointer(&data), .len = len};
        }
        if (ret_digest)
                *ret_digest = steal_pointer(&digest);
        if (ret_size)
                *ret_size = (int64_t)len;
        return 0;
}

/* Insert key into obj keeping keys sorted, as Go marshals a map. */
static void set_sorted(struct json *obj, const char *key, struct json *v)
{
        json_object_set(obj, key, v);
        size_t n = obj->obj.len;
        for (size_t i = n - 1; i > 0 && strcmp(obj->obj.keys[i - 1], obj->obj.keys[i]) > 0; i--) {
                char *k = obj->obj.keys[i];
                struct json *val = obj->obj.vals[i];
                obj->obj.keys[i] = obj->obj.keys[i - 1];
                obj->obj.vals[i] = obj->obj.vals[i - 1];
                obj->obj.keys[i - 1] = k;
                obj->obj.vals[i - 1] = val;
        }
}

/* The legacy JSON of a layer without its "id". */
static struct json *legacy_json(const struct json *config, bool top, const char *parent)
{
        static const char *const attrs[] = {
                "architecture", "config",         "container", "container_config",
                "created",      "docker_version", "os"};
        struct json *j = json_new_object();
        if (top)
                for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
                        const struct json *v = json_object_get(config, attrs[i]);
                        set_sorted(j, attrs[i], v ? json_copy(v) : json_new_null());
                }
        if (parent)
                set_sorted(j, "parent", json_new_string(parent));
        return j;
}

static char *json_text(const struct json *j)
{
        return json_generate(j, JSON_GEN_ESCAPE_HTML);
}

static int write_legacy_layer(struct da_dest *o, const char *id, const char *layer_hex,
                              const struct json *j, struct err *e)
{
        _cleanup_free_ char *json_name = xasprintf("%s/json", id);
        if (layout_out_has(o->out, json_name))
                return 0;
        _cleanup_free_ char *link_name = xasprintf("%s/layer.tar", id);
        _cleanup_free_ char *target = xasprintf("../%s.tar", layer_hex);
        _cleanup_free_ char *version_name = xasprintf("%s/VERSION", id);
        _cleanup_free_ char *text = json_text(j);
        int r;
        if ((r = layout_out_symlink(o->out, link_name, target, e)) < 0 ||
            (r = layout_out_file(o->out, version_name, LEGACY_VERSION, strlen(LEGACY_VERSION), e)) <
                    0 ||
            (r = layout_out_file(o->out, json_name, text, strlen(text), e)) < 0)
                return r;
        return 0;
}

/* Write the legacy entries of an image; returns the top layer's ID. */
static int write_legacy(struct da_dest *o, const struct image_manifest *m,
                        const struct json *config, char **ret_top, struct err *e)
{
        _cleanup_free_ char *chain = NULL;
        _cleanup_free_ char *parent = NULL;
        for (size_t i = 0; i < m->n_layers; i++) {
                const char *diff = m->layers[i].digest;
                if (!chain) {
                        chain = xstrdup(diff);
                } else {
                        _cleanup_free_ char *s = xasprintf("%s %s", chain, diff);
                        free(chain);
                        chain = digest_buffer(s, strlen(s));
                }
                bool top = i + 1 == m->n_layers;
                _cleanup_json_ struct json *j = legacy_json(config, top, parent);
                set_sorted(j, "layer_id", json_new_string(chain));
                _cleanup_free_ char *text = json_text(j);
                _cleanup_free_ char *digest = digest_buffer(text, strlen(text));
                _cleanup_free_ char *id = hex_of(digest);
                json_object_remove(j, "layer_id");
                set_sorted(j, "id", json_new_string(id));
                _cleanup_free_ char *layer_hex = hex_of(diff);
                int r = write_legacy_layer(o, id, layer_hex, j, e);
                if (r < 0)
                        return r;
                free(parent);
                parent = steal_pointer(&id);
        }
        *ret_top = steal_pointer(&parent);
        return 0;
}

/* Allocates: the RepoTags strings for names (tagged references only). */
static int repo_tags(struct da_dest *o, char *const *names, struct image_ref ***ret, size_t *ret_n,
                     struct err *e)
{
        struct image_ref **refs = NULL;
        size_t n = 0;
        if (o->ref) {
                refs = xcalloc(1, sizeof(*refs));
                refs[n++] = image_ref_copy(o->ref);
        }
        for (char *const *p = names; !o->ref && p && *p; p++) {
                struct image_ref *r = NULL;
                int rc = image_ref_parse(*p, 0, &r, e);
                if (rc < 0) {
                        for (size_t i = 0; i < n; i++)
                                image_ref_free(refs[i]);
                        free(refs);
                        return rc;
                }
                /* A name by digest alone cannot be a RepoTag. */
                if (!r->tag) {
                        image_ref_free(r);
                        continue;
                }
                image_ref_set_digest(r, NULL);
                refs = xrealloc(refs, (n + 1) * sizeof(*refs));
                refs[n++] = r;
        }
        *ret = refs;
        *ret_n = n;
        return 0;
}

static int da_put_manifest(struct image_dest *d, const void *buf, size_t len,
                           const char *media_type, char *const *names, struct err *e)
{
        struct da_dest *o = (struct da_dest *)d;
        _cleanup_(image_manifest_freep) struct image_manifest *m = NULL;
        int r = image_manifest_parse(buf, len, media_type, &m, e);
        if (r < 0)
                return r;
        const struct da_config *cfg = find_config(o, m->config.digest);
        if (!cfg)
                return err_set(e, EINVAL, "config %s was not written before the manifest",
                               m->config.digest);
        _cleanup_(image_config_freep) struct image_config *config = NULL;
        if ((r = image_config_parse(cfg->data, cfg->len, &config, e)) < 0)
                return r;
        if (config->n_diff_ids != m->n_layers)
                return err_set(e, EINVAL, "the manifest has %zu layers, the config %zu diff_ids",
                               m->n_layers, config->n_diff_ids);
        struct json *layers = json_new_array();
        for (size_t i = 0; i < m->n_layers; i++) {
                const struct image_descriptor *l = &m->layers[i];
                _cleanup_free_ char *hex = hex_of(l->digest);
                _cleanup_free_ char *name = xasprintf("%s.tar", hex);
                /* The archive stores layers as plain tars named by diff_id. */
                if (image_layer_compression(l->media_type) != IMAGE_COMPRESSION_NONE ||
                    !STREQ(l->digest, config->diff_ids[i]) || !layout_out_has(o->out, name)) {
                        json_free(layers);
                        return err_set(e, EINVAL,
                                       "layer %s: docker-archive stores uncompressed layers "
                                       "named by their diff_id, written before the manifest",
                                       l->digest);
                }
                json_array_append(layers, json_new_string(name));
        }
        _cleanup_free_ char *top = NULL;
        if ((r = write_legacy(o, m, config->doc, &top, e)) < 0) {
                json_free(layers);
                return r;
        }

        struct image_ref **refs = NULL;
        size_t n_refs = 0;
        if ((r = repo_tags(o, names, &refs, &n_refs, e)) < 0) {
                json_free(layers);
                return r;
        }
        struct json *tags = json_new_array();
        for (size_t i = 0; i < n_refs; i++) {
                json_array_append(tags, json_new_string_take(image_ref_string(refs[i])));
                if (top) {
                        _cleanup_free_ char *repo = image_ref_name(refs[i]);
                        struct json *t = json_object_get(o->repos, repo);
                        if (!t) {
                                t = json_new_object();
                                set_sorted(o->repos, repo, t);
                        }
                        set_sorted(t, refs[i]->tag, json_new_string(top));
                }
                image_ref_free(refs[i]);
        }
        free(refs);
        _cleanup_free_ char *config_hex = hex_of(m->config.digest);
        struct json *item = json_new_object();
        json_object_set(item, "Config", json_new_string_take(xasprintf("%s.json", config_hex)));
        json_object_set(item, "RepoTags", tags);
        json_object_set(item, "Layers", layers);
        json_array_append(o->items, item);
        return 0;
}

static int da_commit(struct image_dest *d, struct err *e)
{
        struct da_dest *o = (struct da_dest *)d;
        if (o->items->arr.len == 0)
                return err_set(e, EINVAL, "no image was written");
        _cleanup_free_ char *manifest = json_text(o->items);
        _cleanup_free_ char *repos = json_text(o->repos);
        int r;
        if ((r = layout_out_file(o->out, "manifest.json", manifest, strlen(manifest), e)) < 0 ||
            (r = layout_out_file(o->out, "repositories", repos, strlen(repos), e)) < 0 ||
            (r = layout_out_finish(o->out, e)) < 0)
                return r;
        return archive_out_commit(&o->file, e);
}

static void da_free(struct image_dest *d)
{
        struct da_dest *o = (struct da_dest *)d;
        layout_out_free(o->out);
        archive_out_done(&o->file);
        json_free(o->items);
        json_free(o->repos);
        for (size_t i = 0; i < o->n_configs; i++) {
                free(o->configs[i].digest);
                free(o->configs[i].data);
        }
        free(o->configs);
        image_ref_free(o->ref);
        free(o);
}

static const struct image_dest_ops da_dest_ops = {
        .has_blob = da_has_blob,
        .put_blob = da_put_blob,
        .put_manifest = da_put_manifest,
        .commit = da_commit,
        .free = da_free,
};

int docker_archive_dest_open(const struct image_location *loc, struct image_dest **ret,
                             struct err *e)
{
        if (loc->archive_index >= 0)
                return err_set(e, EINVAL,
                               "docker-archive: @INDEX names an image to read, not "
                               "one to write");
        struct da_dest *o = xcalloc(1, sizeof(*o));
        image_dest_init(&o->base, &da_dest_ops, loc);
        o->base.docker_only = true;
        o->base.compression = IMAGE_COMPRESSION_NONE;
        o->file.fd = -1;
        o->items = json_new_array();
        o->repos = json_new_object();
        o->ref = loc->ref ? image_ref_copy(loc->ref) : NULL;
        int r = archive_out_open(loc->path, &o->file, e);
        if (r < 0) {
                image_dest_free(&o->base);
                return r;
        }
        o->out = layout_out_tar(o->file.fd, o->base.what, 0444);
        *ret = &o->base;
        return 0;
}
