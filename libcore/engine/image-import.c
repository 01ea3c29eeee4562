/* SPDX-License-Identifier: Apache-2.0 */
/* berth import: a filesystem tar becomes a one-layer image, stored the way
 * podman stores an imported image (same config, manifest and big data). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

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

static struct json *import_manifest(const char *cfg_digest, size_t cfg_size,
                                    const struct staged_layer_info *li)
{
        struct json *m = json_new_object();
        json_object_set_int(m, "schemaVersion", 2);
        struct json *c = json_new_object();
        json_object_set_string(c, "mediaType", IMAGE_MT_OCI_CONFIG);
        json_object_set_string(c, "digest", cfg_digest);
        json_object_set_int(c, "size", (int64_t)cfg_size);
        json_object_set(m, "config", c);
        struct json *l = json_new_object();
        json_object_set_string(l, "mediaType", IMAGE_MT_OCI_LAYER);
        json_object_set_string(l, "digest", li->diff_digest);
        json_object_set_int(l, "size", li->diff_size);
        struct json *layers = json_new_array();
        json_array_append(layers, l);
        json_object_set(m, "layers", layers);
        return m;
}

int engine_image_import(struct store *s, const struct import_opts *o, char **ret_id,
                        struct err *e)
{
        if (str_has_prefix(o->source, "http://") || str_has_prefix(o->source, "https://"))
                return err_set(e, ENOTSUP, "importing from a URL arrives with registry support: "
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
        _cleanup_close_ int fd = STREQ(o->source, "-")
                                         ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
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
        _cleanup_json_ struct json *cfg = import_config(diff_id, created, container_config,
                                                        o->message);
        _cleanup_free_ char *cfg_bytes = json_generate(cfg, 0);
        _cleanup_free_ char *cfg_digest = digest_buffer(cfg_bytes, strlen(cfg_bytes));
        _cleanup_json_ struct json *man = import_manifest(cfg_digest, strlen(cfg_bytes), li);
        _cleanup_free_ char *man_bytes = json_generate(man, 0);
        _cleanup_free_ char *man_digest = digest_buffer(man_bytes, strlen(man_bytes));

        _cleanup_free_ char *layer_id = NULL;
        if ((r = store_layer_commit(s, sl, NULL, NULL, &layer_id, e)) < 0)
                return err_wrap(e, "importing '%s'", o->source);
        const char *id = cfg_digest + 7;
        _cleanup_free_ char *metadata = xasprintf("{\"signatures-sizes\":{\"%s\":[]}}", man_digest);
        char *names[] = {name, NULL};
        struct image_spec spec = {
                .id = id,
                .top_layer = layer_id,
                .names = name ? names : NULL,
                .digest = man_digest,
                .created = created,
                .metadata = metadata,
        };
        bool made;
        if ((r = store_image_create(s, &spec, &made, e)) < 0)
                return r;
        _cleanup_free_ char *man_key = xasprintf("manifest-%s", man_digest);
        if ((r = store_image_set_big_data(s, id, cfg_digest, cfg_bytes, strlen(cfg_bytes), e)) <
                    0 ||
            (r = store_image_set_big_data(s, id, man_key, man_bytes, strlen(man_bytes), e)) < 0 ||
            (r = store_image_set_big_data(s, id, "manifest", man_bytes, strlen(man_bytes), e)) <
                    0)
                return r;
        *ret_id = xstrdup(id);
        return 0;
}
