/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image indexes: OCI image indexes (an OCI layout's index.json is one) and
 * Docker manifest lists, and choosing the instance for a platform the way
 * containers/image's ChooseInstance does, so that berth and podman pull
 * the same image from a multi-architecture tag.
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

void image_index_free(struct image_index *idx)
{
        if (!idx)
                return;
        free(idx->media_type);
        for (size_t i = 0; i < idx->n_manifests; i++)
                image_descriptor_done(&idx->manifests[i]);
        free(idx->manifests);
        json_free(idx->annotations);
        free(idx);
}

static int index_from_json(const struct json *j, const char *mt, struct image_index *idx,
                           struct err *e)
{
        int r;
        idx->format = STREQ(mt, IMAGE_MT_DOCKER_LIST) ? IMAGE_FORMAT_DOCKER : IMAGE_FORMAT_OCI;
        if ((r = image_json_string(j, "", "mediaType", false, &idx->media_type, e)) < 0)
                return r;
        if (json_object_get(j, "config") || json_object_get(j, "layers"))
                return err_set(e, EINVAL, "config and layers: not allowed in an image index");
        const struct json *list = NULL;
        if ((r = image_json_array(j, "", "manifests", true, &list, e)) < 0)
                return r;
        idx->manifests = xcalloc(list->arr.len ? list->arr.len : 1, sizeof(*idx->manifests));
        for (size_t i = 0; i < list->arr.len; i++) {
                _cleanup_free_ char *where = xasprintf("manifests[%zu]", i);
                if ((r = image_descriptor_parse(list->arr.items[i], where, true, &idx->manifests[i],
                                                e)) < 0)
                        return r;
                idx->n_manifests++;
        }
        if (idx->format == IMAGE_FORMAT_OCI &&
            (r = image_json_string_map(j, "", "annotations", &idx->annotations, e)) < 0)
                return r;
        return 0;
}

int image_index_parse(const void *buf, size_t len, const char *media_type, struct image_index **ret,
                      struct err *e)
{
        _cleanup_json_ struct json *j = NULL;
        int r = image_json_parse_doc(buf, len, IMAGE_MANIFEST_MAX_SIZE, "image index", &j, e);
        if (r < 0)
                return r;
        const char *mt = NULL;
        /* The caller expects an index: a document that declares nothing
         * and has no manifest members is read as an OCI index (as an OCI
         * layout's index.json), so that its errors are about an index. */
        if (!media_type && !json_object_get(j, "mediaType") && !json_object_get(j, "config") &&
            !json_object_get(j, "layers"))
                media_type = IMAGE_MT_OCI_INDEX;
        if ((r = image_doc_media_type(j, media_type, "image index", &mt, e)) < 0)
                return r;
        if (!image_media_type_is_index(mt))
                return err_set(e, EINVAL,
                               "invalid image index: '%s' is an image manifest, not an "
                               "index",
                               mt);
        struct image_index *idx = xcalloc(1, sizeof(*idx));
        if ((r = index_from_json(j, mt, idx, e)) < 0) {
                image_index_free(idx);
                return err_wrap(e, "invalid image index");
        }
        *ret = idx;
        return 0;
}

struct image_index *image_index_new(enum image_format format)
{
        struct image_index *idx = xcalloc(1, sizeof(*idx));
        idx->format = format;
        if (format == IMAGE_FORMAT_DOCKER)
                idx->media_type = xstrdup(IMAGE_MT_DOCKER_LIST);
        return idx;
}

void image_index_add(struct image_index *idx, const struct image_descriptor *d)
{
        idx->manifests = xrealloc(idx->manifests, (idx->n_manifests + 1) * sizeof(*idx->manifests));
        image_descriptor_copy(&idx->manifests[idx->n_manifests++], d);
}

struct json *image_index_to_json(const struct image_index *idx)
{
        struct json *j = json_new_object();
        json_object_set_int(j, "schemaVersion", 2);
        if (idx->media_type)
                json_object_set_string(j, "mediaType", idx->media_type);
        struct json *list = json_new_array();
        for (size_t i = 0; i < idx->n_manifests; i++)
                json_array_append(list, image_descriptor_to_json(&idx->manifests[i], idx->format));
        json_object_set(j, "manifests", list);
        if (idx->format == IMAGE_FORMAT_OCI && idx->annotations && idx->annotations->obj.len)
                json_object_set(j, "annotations", json_copy(idx->annotations));
        return j;
}

char *image_index_generate(const struct image_index *idx, size_t *ret_len)
{
        _cleanup_json_ struct json *j = image_index_to_json(idx);
        char *s = json_generate(j, JSON_GEN_ESCAPE_HTML);
        if (ret_len)
                *ret_len = strlen(s);
        return s;
}

static bool platform_matches(const struct image_platform *p, const char *os, const char *arch,
                             const char *variant)
{
        if (!STREQ(p->architecture, arch) || !STREQ(p->os, os))
                return false;
        /* An empty wanted variant accepts any, as in containers/image. */
        return !variant || !*variant || (p->variant && STREQ(p->variant, variant));
}

int image_index_select(const struct image_index *idx, const char *os, const char *arch,
                       const char *variant, size_t *ret_i, struct err *e)
{
        if (!os)
                os = "linux";
        if (!arch)
                arch = host_go_arch();
        for (size_t i = 0; i < idx->n_manifests; i++) {
                const struct image_descriptor *d = &idx->manifests[i];
                if (d->platform && image_media_type_is_manifest(d->media_type) &&
                    platform_matches(d->platform, os, arch, variant)) {
                        *ret_i = i;
                        return 0;
                }
        }
        /* An OCI index may list platform-less images (an OCI layout's
         * index.json does); the first one is the fallback. */
        if (idx->format == IMAGE_FORMAT_OCI)
                for (size_t i = 0; i < idx->n_manifests; i++)
                        if (!idx->manifests[i].platform &&
                            image_media_type_is_manifest(idx->manifests[i].media_type)) {
                                *ret_i = i;
                                return 0;
                        }
        return err_set(e, ENOENT, "no image found in %s for architecture %s, variant \"%s\", OS %s",
                       idx->format == IMAGE_FORMAT_OCI ? "image index" : "manifest list", arch,
                       variant ? variant : "", os);
}
