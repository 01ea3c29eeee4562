/* SPDX-License-Identifier: Apache-2.0 */
/* berth import: a filesystem tar becomes a one-layer image, stored the way
 * podman stores an imported image (same config, manifest and big data);
 * and engine_image_write, which import and commit share: a staged layer
 * over existing ones becomes an image. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "ctr-internal.h"
#include "engine.h"
#include "image.h"
#include "storage.h"

static struct json *import_config(const char *diff_id, const char *created,
                                  struct json *container_config, const char *message)
{
        struct json *cfg = json_new_object();
        json_object_set_string(cfg, "created", created);
        json_object_set_string(cfg, "architecture", host_go_arch());
        json_object_set_string(cfg, "os", "linux");
        json_object_set(cfg, "config", container_config);
        struct json *rootfs = json_new_object();
        json_object_set_string(rootfs, "type", "layers");
        struct json *ids = json_new_array();
        json_array_append(ids, json_new_string(diff_id));
        json_object_set(rootfs, "diff_ids", ids);
        json_object_set(cfg, "rootfs", rootfs);
        struct json *h = json_new_object();
        json_object_set_string(h, "created", created);
        _cleanup_free_ char *by = xasprintf("/bin/sh -c #(nop) ADD file:%s in /", diff_id + 7);
        json_object_set_string(h, "created_by", by);
        if (message && *message)
                json_object_set_string(h, "comment", message);
        struct json *hist = json_new_array();
        json_array_append(hist, h);
        json_object_set(cfg, "history", hist);
        return cfg;
}

/* The manifest of an image whose layers are uncompressed tars. */
static struct json *new_manifest(const struct image_new *n, const char *cfg_digest, size_t cfg_size,
                                 const struct staged_layer_info *li)
{
        const char *layer_mt = n->docker ? IMAGE_MT_DOCKER_LAYER : IMAGE_MT_OCI_LAYER;
        struct json *m = json_new_object();
        json_object_set_int(m, "schemaVersion", 2);
        if (n->docker || n->manifest_media_type)
                json_object_set_string(m, "mediaType",
                                       n->docker ? IMAGE_MT_DOCKER_MANIFEST
                                                 : IMAGE_MT_OCI_MANIFEST);
        /* Docker's descriptors put the size before the digest, OCI's after. */
        struct json *c = json_new_object();
        json_object_set_string(c, "mediaType",
                               n->docker ? IMAGE_MT_DOCKER_CONFIG : IMAGE_MT_OCI_CONFIG);
        if (n->docker)
                json_object_set_int(c, "size", (int64_t)cfg_size);
        json_object_set_string(c, "digest", cfg_digest);
        if (!n->docker)
                json_object_set_int(c, "size", (int64_t)cfg_size);
        json_object_set(m, "config", c);
        struct json *layers = json_new_array();
        for (size_t i = 0; i <= n->n_layers; i++) {
                const char *digest = i < n->n_layers ? n->layers[i].digest : li->diff_digest;
                int64_t size = i < n->n_layers ? n->layers[i].size : li->diff_size;
                struct json *l = json_new_object();
                json_object_set_string(l, "mediaType", layer_mt);
                if (n->docker)
                        json_object_set_int(l, "size", size);
                json_object_set_string(l, "digest", digest);
                if (!n->docker)
                        json_object_set_int(l, "size", size);
                json_array_append(layers, l);
        }
        json_object_set(m, "layers", layers);
        return m;
}

/* Undo what engine_image_write made before it failed. */
static void image_write_undo(struct store *s, const char *image_id, const char *layer_id)
{
        struct err ue = {0};
        if (image_id && store_image_delete(s, image_id, NULL, &ue) < 0)
                log_warn("removing the half-written image %s: %s", image_id, ue.msg);
        else if (!image_id && layer_id && store_layer_delete(s, layer_id, &ue) < 0)
                log_debug("removing the layer %s of a failed image: %s", layer_id, ue.msg);
        err_done(&ue);
}

int engine_image_write(struct store *s, const struct image_new *n, char **ret_id, struct err *e)
{
        const struct staged_layer_info *li = staged_layer_info(n->layer);
        /* Go's encoder, as podman writes configs: <, > and & escaped. */
        _cleanup_free_ char *cfg_bytes = json_generate(n->config, JSON_GEN_ESCAPE_HTML);
        _cleanup_free_ char *cfg_digest = digest_buffer(cfg_bytes, strlen(cfg_bytes));
        _cleanup_json_ struct json *man = new_manifest(n, cfg_digest, strlen(cfg_bytes), li);
        _cleanup_free_ char *man_bytes = json_generate(man, JSON_GEN_ESCAPE_HTML);
        _cleanup_free_ char *man_digest = digest_buffer(man_bytes, strlen(man_bytes));

        _cleanup_free_ char *layer_id = NULL;
        int r = store_layer_commit(s, n->layer, NULL, NULL, &layer_id, e);
        if (r < 0)
                return r;
        const char *id = cfg_digest + 7;
        _cleanup_free_ char *metadata = xasprintf("{\"signatures-sizes\":{\"%s\":[]}}", man_digest);
        char *names[] = {(char *)n->name, NULL};
        struct image_spec spec = {
                .id = id,
                .top_layer = layer_id,
                .names = n->name ? names : NULL,
                .digest = man_digest,
                .created = n->created,
                .metadata = metadata,
        };
        bool made = false;
        if ((r = store_image_create(s, &spec, &made, e)) < 0) {
                image_write_undo(s, NULL, layer_id);
                return r;
        }
        _cleanup_free_ char *man_key = xasprintf("manifest-%s", man_digest);
        if ((r = store_image_set_big_data(s, id, cfg_digest, cfg_bytes, strlen(cfg_bytes), e)) <
                    0 ||
            (r = store_image_set_big_data(s, id, man_key, man_bytes, strlen(man_bytes), e)) < 0 ||
            (r = store_image_set_big_data(s, id, "manifest", man_bytes, strlen(man_bytes), e)) <
                    0) {
                /* An image without its config is broken: it goes. */
                if (made)
                        image_write_undo(s, id, NULL);
                return r;
        }
        *ret_id = xstrdup(id);
        return 0;
}

int engine_image_import(struct store *s, const struct import_opts *o, char **ret_id, struct err *e)
{
        if (str_has_prefix(o->source, "http://") || str_has_prefix(o->source, "https://"))
                return err_set(e, ENOTSUP,
                               "importing from a URL arrives with registry support: "
                               "download '%s' first",
                               o->source);
        _cleanup_free_ char *name = NULL;
        int r;
        if (o->ref && (r = engine_image_name_normalize(o->ref, &name, e)) < 0)
                return r;
        struct json *container_config = json_new_object();
        for (char **c = o->changes; c && *c; c++) {
                if ((r = engine_config_apply_change(container_config, *c, e)) < 0) {
                        json_free(container_config);
                        return r;
                }
        }
        _cleanup_close_ int fd = STREQ(o->source, "-") ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
                                                       : open(o->source, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                json_free(container_config);
                return err_errno(e, "open '%s'", o->source);
        }
        _cleanup_(staged_layer_freep) struct staged_layer *sl = NULL;
        r = store_layer_stage(s, NULL, fd, NULL, &sl, e);
        if (r < 0) {
                json_free(container_config);
                return err_wrap(e, "importing '%s'", o->source);
        }
        const struct staged_layer_info *li = staged_layer_info(sl);
        _cleanup_free_ char *diff_id = xstrdup(li->diff_digest);

        int64_t sec;
        int32_t nsec;
        time_now(&sec, &nsec);
        _cleanup_free_ char *created = time_format_rfc3339(sec, nsec);
        _cleanup_json_ struct json *cfg =
                import_config(diff_id, created, container_config, o->message);
        struct image_new n = {
                .config = cfg,
                .layer = sl,
                .name = name,
                .created = created,
        };
        if ((r = engine_image_write(s, &n, ret_id, e)) < 0)
                return err_wrap(e, "importing '%s'", o->source);
        return 0;
}
