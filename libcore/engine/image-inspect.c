/* SPDX-License-Identifier: Apache-2.0 */
/* berth image inspect: podman's JSON for an image. */
#include <errno.h>
#include <string.h>

#include "engine.h"
#include "storage.h"

static struct json *big_data_json(struct store *s, const char *id, const char *key)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        struct json *j = NULL;
        if (store_image_big_data(s, id, key, &buf, &len, NULL) < 0 ||
            json_parse(buf, len, &j, NULL) < 0 || j->type != JSON_OBJECT) {
                json_free(j);
                return NULL;
        }
        return j;
}

static struct json *copy_or(const struct json *v, struct json *dflt)
{
        if (v) {
                json_free(dflt);
                return json_copy(v);
        }
        return dflt;
}

static struct json *graph_driver(struct store *s, const char *top)
{
        struct json *gd = json_new_object();
        json_object_set_string(gd, "Name", store_driver(s));
        if (!STREQ(store_driver(s), "overlay") || !top) {
                json_object_set(gd, "Data", json_new_null());
                return gd;
        }
        /* Like podman: the top layer's diff is UpperDir, its parents LowerDir. */
        struct json *data = json_new_object();
        _cleanup_free_ char *upper = xasprintf("%s/overlay/%s/diff", store_graphroot(s), top);
        _cleanup_free_ char *work = xasprintf("%s/overlay/%s/work", store_graphroot(s), top);
        struct sbuf lower = {0};
        _cleanup_json_ struct json *layer = NULL;
        const char *parent = NULL;
        if (store_layer_get(s, top, &layer, NULL) == 0)
                parent = json_object_get_string(layer, "parent");
        _cleanup_free_ char *cur = parent ? xstrdup(parent) : NULL;
        for (size_t guard = 0; cur && guard < 1024; guard++) {
                if (lower.len)
                        sbuf_putc(&lower, ':');
                sbuf_printf(&lower, "%s/overlay/%s/diff", store_graphroot(s), cur);
                _cleanup_json_ struct json *l = NULL;
                const char *p = NULL;
                if (store_layer_get(s, cur, &l, NULL) == 0)
                        p = json_object_get_string(l, "parent");
                free(cur);
                cur = p ? xstrdup(p) : NULL;
        }
        if (lower.len)
                json_object_set_string(data, "LowerDir", lower.buf);
        sbuf_done(&lower);
        json_object_set_string(data, "UpperDir", upper);
        json_object_set_string(data, "WorkDir", work);
        json_object_set(gd, "Data", data);
        return gd;
}

int engine_image_inspect(struct store *s, const char *name, struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *img = NULL;
        int r = engine_image_find(s, name, &img, e);
        if (r < 0)
                return r;
        const char *id = json_object_get_string(img, "id");
        _cleanup_free_ char *cfg_key = xasprintf("sha256:%s", id);
        _cleanup_json_ struct json *cfg = big_data_json(s, id, cfg_key);
        _cleanup_json_ struct json *manifest = big_data_json(s, id, "manifest");
        struct images_opts lo = {.all = true};
        char *idf = xasprintf("id=%s", id);
        char *filter[] = {idf, NULL};
        lo.filter = filter;
        _cleanup_json_ struct json *items = NULL;
        r = engine_images_list(s, &lo, &items, e);
        free(idf);
        if (r < 0)
                return r;
        const struct json *item = items->arr.len ? items->arr.items[0] : NULL;

        struct json *o = json_new_object();
        json_object_set_string(o, "Id", id);
        const char *digest = json_object_get_string(img, "digest");
        json_object_set_string(o, "Digest", digest ? digest : "");
        const struct json *names = json_object_get(img, "names");
        json_object_set(o, "RepoTags", copy_or(names, json_new_array()));
        json_object_set(o, "RepoDigests",
                        copy_or(item ? json_object_get(item, "RepoDigests") : NULL,
                                json_new_array()));
        json_object_set_string(o, "Parent", "");
        const struct json *hist = cfg ? json_object_get(cfg, "history") : NULL;
        const char *comment = cfg ? json_object_get_string(cfg, "comment") : NULL;
        if (!comment && hist && hist->type == JSON_ARRAY && hist->arr.len)
                comment = json_object_get_string(hist->arr.items[hist->arr.len - 1], "comment");
        json_object_set_string(o, "Comment", comment ? comment : "");
        const char *created = cfg ? json_object_get_string(cfg, "created") : NULL;
        json_object_set_string(o, "Created", created ? created
                                                     : json_object_get_string(img, "created"));
        const struct json *config = cfg ? json_object_get(cfg, "config") : NULL;
        json_object_set(o, "Config", copy_or(config, json_new_object()));
        const char *ver = cfg ? json_object_get_string(cfg, "docker_version") : NULL;
        json_object_set_string(o, "Version", ver ? ver : "");
        const char *author = cfg ? json_object_get_string(cfg, "author") : NULL;
        json_object_set_string(o, "Author", author ? author : "");
        const char *arch = cfg ? json_object_get_string(cfg, "architecture") : NULL;
        json_object_set_string(o, "Architecture", arch ? arch : "");
        const char *os = cfg ? json_object_get_string(cfg, "os") : NULL;
        json_object_set_string(o, "Os", os ? os : "");
        int64_t size = item ? json_object_get_int(item, "Size", 0) : 0;
        json_object_set_int(o, "Size", size);
        json_object_set_int(o, "VirtualSize", size);
        json_object_set(o, "GraphDriver", graph_driver(s, json_object_get_string(img, "layer")));
        struct json *rootfs = json_new_object();
        json_object_set_string(rootfs, "Type", "layers");
        json_object_set(rootfs, "Layers",
                        copy_or(cfg ? json_get_path(cfg, "rootfs.diff_ids") : NULL,
                                json_new_array()));
        json_object_set(o, "RootFS", rootfs);
        const struct json *labels = config ? json_object_get(config, "Labels") : NULL;
        json_object_set(o, "Labels", copy_or(labels, json_new_null()));
        const struct json *ann = manifest ? json_object_get(manifest, "annotations") : NULL;
        json_object_set(o, "Annotations", copy_or(ann, json_new_object()));
        const char *mt = manifest ? json_object_get_string(manifest, "mediaType") : NULL;
        json_object_set_string(o, "ManifestType",
                               mt ? mt : "application/vnd.oci.image.manifest.v1+json");
        const char *user = config ? json_object_get_string(config, "User") : NULL;
        json_object_set_string(o, "User", user ? user : "");
        json_object_set(o, "History", copy_or(hist, json_new_array()));
        json_object_set(o, "NamesHistory",
                        copy_or(json_object_get(img, "names-history"), json_new_array()));
        *ret = o;
        return 0;
}
