/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image manifests: OCI image manifests and Docker schema 2 manifests,
 * parsed, validated, generated with the field order containers/image uses
 * (so that a manifest berth writes is byte-identical to skopeo's for the
 * same content, and has the same digest), and converted between the two.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "image-internal.h"

static const struct {
        const char *media_type;
        enum image_compression compression;
} layer_types[] = {
        {IMAGE_MT_OCI_LAYER, IMAGE_COMPRESSION_NONE},
        {IMAGE_MT_OCI_LAYER_GZIP, IMAGE_COMPRESSION_GZIP},
        {IMAGE_MT_OCI_LAYER_ZSTD, IMAGE_COMPRESSION_ZSTD},
        {IMAGE_MT_OCI_FOREIGN, IMAGE_COMPRESSION_NONE},
        {IMAGE_MT_OCI_FOREIGN_GZIP, IMAGE_COMPRESSION_GZIP},
        {IMAGE_MT_OCI_FOREIGN_ZSTD, IMAGE_COMPRESSION_ZSTD},
        {IMAGE_MT_DOCKER_LAYER, IMAGE_COMPRESSION_NONE},
        {IMAGE_MT_DOCKER_LAYER_GZIP, IMAGE_COMPRESSION_GZIP},
        {IMAGE_MT_DOCKER_FOREIGN_GZIP, IMAGE_COMPRESSION_GZIP},
};

enum image_compression image_layer_compression(const char *media_type)
{
        for (size_t i = 0; media_type && i < ARRAY_SIZE(layer_types); i++)
                if (STREQ(media_type, layer_types[i].media_type))
                        return layer_types[i].compression;
        return IMAGE_COMPRESSION_UNKNOWN;
}

bool image_media_type_is_manifest(const char *media_type)
{
        return media_type && (STREQ(media_type, IMAGE_MT_OCI_MANIFEST) ||
                              STREQ(media_type, IMAGE_MT_DOCKER_MANIFEST));
}

bool image_media_type_is_index(const char *media_type)
{
        return media_type &&
               (STREQ(media_type, IMAGE_MT_OCI_INDEX) || STREQ(media_type, IMAGE_MT_DOCKER_LIST));
}

/* The static string for a media type berth recognises at the top of a
 * manifest document, or NULL. */
static const char *known_type(const char *s)
{
        static const char *const known[] = {
                IMAGE_MT_OCI_MANIFEST, IMAGE_MT_OCI_INDEX,      IMAGE_MT_DOCKER_MANIFEST,
                IMAGE_MT_DOCKER_LIST,  IMAGE_MT_DOCKER_SCHEMA1, IMAGE_MT_DOCKER_SCHEMA1_SIGNED,
        };
        for (size_t i = 0; s && i < ARRAY_SIZE(known); i++)
                if (STREQ(s, known[i]))
                        return known[i];
        return NULL;
}

/* containers/image's GuessMIMEType over a parsed document. */
static const char *guess_type(const struct json *j)
{
        const char *mt = known_type(json_object_get_string(j, "mediaType"));
        if (mt && !STREQ(mt, IMAGE_MT_DOCKER_SCHEMA1) && !STREQ(mt, IMAGE_MT_DOCKER_SCHEMA1_SIGNED))
                return mt;
        switch (json_object_get_int(j, "schemaVersion", 0)) {
        case 1:
                return json_object_get(j, "signatures") ? IMAGE_MT_DOCKER_SCHEMA1_SIGNED
                                                        : IMAGE_MT_DOCKER_SCHEMA1;
        case 2: {
                /* OCI documents before image-spec 1.0.2 carry no mediaType;
                 * their shape tells. */
                const struct json *config = json_object_get(j, "config");
                const char *cmt = json_object_get_string(config, "mediaType");
                if (cmt && STREQ(cmt, IMAGE_MT_OCI_CONFIG))
                        return IMAGE_MT_OCI_MANIFEST;
                if (cmt && STREQ(cmt, IMAGE_MT_DOCKER_CONFIG))
                        return IMAGE_MT_DOCKER_MANIFEST;
                const struct json *m = json_object_get(j, "manifests");
                if (m && m->type == JSON_ARRAY && !config)
                        return IMAGE_MT_OCI_INDEX;
                /* Most likely an OCI artifact with its own config type. */
                return IMAGE_MT_OCI_MANIFEST;
        }
        default:
                return NULL;
        }
}

const char *image_manifest_guess_type(const void *buf, size_t len)
{
        _cleanup_json_ struct json *j = NULL;
        if (image_json_parse_doc(buf, len, IMAGE_MANIFEST_MAX_SIZE, "manifest", &j, NULL) < 0)
                return NULL;
        return guess_type(j);
}

/* The effective media type of a manifest or index document: what it
 * declares, else what the transport said, else its shape. A declaration
 * and a transport that disagree are refused, because the digest that
 * names the document would then mean two different things. */
int image_doc_media_type(const struct json *j, const char *hint, const char *what, const char **ret,
                         struct err *e)
{
        const struct json *sv = json_object_get(j, "schemaVersion");
        if (!sv || sv->type != JSON_INT)
                return err_set(e, EINVAL, "invalid %s: schemaVersion: expected an integer", what);
        if (sv->i == 1)
                return err_set(e, ENOTSUP,
                               "unsupported %s: Docker schema 1 manifests are deprecated and not "
                               "supported; push the image again with a current tool",
                               what);
        if (sv->i != 2)
                return err_set(e, EINVAL, "invalid %s: schemaVersion: expected 2, got %" PRId64,
                               what, sv->i);
        char *declared = NULL;
        int r = image_json_string(j, "", "mediaType", false, &declared, e);
        if (r < 0)
                return err_wrap(e, "invalid %s", what);
        _cleanup_free_ char *d = declared;
        if (d && hint && !STREQ(d, hint)) {
                _cleanup_free_ char *qd = image_quote(d);
                _cleanup_free_ char *qh = image_quote(hint);
                return err_set(e, EINVAL,
                               "invalid %s: it declares media type '%s' but was given as '%s'",
                               what, qd, qh);
        }
        const char *mt = known_type(d ? d : hint);
        if ((d || hint) && !mt) {
                _cleanup_free_ char *q = image_quote(d ? d : hint);
                return err_set(e, ENOTSUP, "unsupported %s media type '%s'", what, q);
        }
        if (!mt)
                mt = guess_type(j);
        if (!mt || STREQ(mt, IMAGE_MT_DOCKER_SCHEMA1) || STREQ(mt, IMAGE_MT_DOCKER_SCHEMA1_SIGNED))
                return err_set(e, ENOTSUP, "unsupported %s: unknown format", what);
        *ret = mt;
        return 0;
}

void image_manifest_free(struct image_manifest *m)
{
        if (!m)
                return;
        free(m->media_type);
        image_descriptor_done(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                image_descriptor_done(&m->layers[i]);
        free(m->layers);
        json_free(m->annotations);
        free(m);
}

static int manifest_from_json(const struct json *j, const char *mt, struct image_manifest *m,
                              struct err *e)
{
        int r;
        m->format = STREQ(mt, IMAGE_MT_DOCKER_MANIFEST) ? IMAGE_FORMAT_DOCKER : IMAGE_FORMAT_OCI;
        if ((r = image_json_string(j, "", "mediaType", false, &m->media_type, e)) < 0)
                return r;
        /* A document that also has the members of an index is ambiguous:
         * one tool could read it as the one, another as the other. */
        if (json_object_get(j, "manifests"))
                return err_set(e, EINVAL, "manifests: not allowed in an image manifest");
        const struct json *config = NULL, *layers = NULL;
        if ((r = image_json_object(j, "", "config", true, &config, e)) < 0)
                return r;
        if ((r = image_descriptor_parse(config, "config", false, &m->config, e)) < 0)
                return r;
        if (m->format == IMAGE_FORMAT_DOCKER &&
            !STREQ(m->config.media_type, IMAGE_MT_DOCKER_CONFIG)) {
                _cleanup_free_ char *q = image_quote(m->config.media_type);
                return err_set(e, EINVAL,
                               "config.mediaType: expected '%s' in a Docker manifest, got '%s'",
                               IMAGE_MT_DOCKER_CONFIG, q);
        }
        if ((r = image_json_array(j, "", "layers", true, &layers, e)) < 0)
                return r;
        m->layers = xcalloc(layers->arr.len ? layers->arr.len : 1, sizeof(*m->layers));
        for (size_t i = 0; i < layers->arr.len; i++) {
                _cleanup_free_ char *where = xasprintf("layers[%zu]", i);
                if ((r = image_descriptor_parse(layers->arr.items[i], where, false, &m->layers[i],
                                                e)) < 0)
                        return r;
                m->n_layers++;
        }
        if (m->format == IMAGE_FORMAT_OCI &&
            (r = image_json_string_map(j, "", "annotations", &m->annotations, e)) < 0)
                return r;
        return 0;
}

int image_manifest_parse(const void *buf, size_t len, const char *media_type,
                         struct image_manifest **ret, struct err *e)
{
        _cleanup_json_ struct json *j = NULL;
        int r = image_json_parse_doc(buf, len, IMAGE_MANIFEST_MAX_SIZE, "image manifest", &j, e);
        if (r < 0)
                return r;
        const char *mt = NULL;
        if ((r = image_doc_media_type(j, media_type, "image manifest", &mt, e)) < 0)
                return r;
        if (image_media_type_is_index(mt))
                return err_set(e, EINVAL,
                               "invalid image manifest: '%s' is an image index, not a "
                               "manifest",
                               mt);
        struct image_manifest *m = xcalloc(1, sizeof(*m));
        if ((r = manifest_from_json(j, mt, m, e)) < 0) {
                image_manifest_free(m);
                return err_wrap(e, "invalid image manifest");
        }
        *ret = m;
        return 0;
}

struct json *image_manifest_to_json(const struct image_manifest *m)
{
        struct json *j = json_new_object();
        json_object_set_int(j, "schemaVersion", 2);
        if (m->media_type)
                json_object_set_string(j, "mediaType", m->media_type);
        json_object_set(j, "config", image_descriptor_to_json(&m->config, m->format));
        struct json *layers = json_new_array();
        for (size_t i = 0; i < m->n_layers; i++)
                json_array_append(layers, image_descriptor_to_json(&m->layers[i], m->format));
        json_object_set(j, "layers", layers);
        if (m->format == IMAGE_FORMAT_OCI && m->annotations && m->annotations->obj.len)
                json_object_set(j, "annotations", json_copy(m->annotations));
        return j;
}

char *image_manifest_generate(const struct image_manifest *m, size_t *ret_len)
{
        _cleanup_json_ struct json *j = image_manifest_to_json(m);
        char *s = json_generate(j, JSON_GEN_ESCAPE_HTML);
        if (ret_len)
                *ret_len = strlen(s);
        return s;
}

/* Layer media types in both formats, pairwise. OCI's uncompressed and
 * zstd types have no Docker equivalent except the plain tar. */
static const struct {
        const char *oci, *docker;
} layer_map[] = {
        {IMAGE_MT_OCI_LAYER, IMAGE_MT_DOCKER_LAYER},
        {IMAGE_MT_OCI_LAYER_GZIP, IMAGE_MT_DOCKER_LAYER_GZIP},
        {IMAGE_MT_OCI_FOREIGN_GZIP, IMAGE_MT_DOCKER_FOREIGN_GZIP},
};

static int convert_layer_type(const char *mt, enum image_format to, char **ret, struct err *e)
{
        for (size_t i = 0; i < ARRAY_SIZE(layer_map); i++) {
                const char *from = to == IMAGE_FORMAT_OCI ? layer_map[i].docker : layer_map[i].oci;
                const char *dest = to == IMAGE_FORMAT_OCI ? layer_map[i].oci : layer_map[i].docker;
                if (STREQ(mt, from) || STREQ(mt, dest)) {
                        *ret = xstrdup(dest);
                        return 0;
                }
        }
        _cleanup_free_ char *q = image_quote(mt);
        return err_set(e, ENOTSUP, "cannot convert layer of media type '%s' to a %s manifest", q,
                       to == IMAGE_FORMAT_OCI ? "OCI" : "Docker schema 2");
}

int image_manifest_convert(const struct image_manifest *m, enum image_format to,
                           struct image_manifest **ret, struct err *e)
{
        struct image_manifest *c = xcalloc(1, sizeof(*c));
        c->format = to;
        /* containers/image always writes mediaType when it converts. */
        c->media_type =
                xstrdup(to == IMAGE_FORMAT_OCI ? IMAGE_MT_OCI_MANIFEST : IMAGE_MT_DOCKER_MANIFEST);
        image_descriptor_copy(&c->config, &m->config);
        const char *cfg_from =
                to == IMAGE_FORMAT_OCI ? IMAGE_MT_DOCKER_CONFIG : IMAGE_MT_OCI_CONFIG;
        const char *cfg_to = to == IMAGE_FORMAT_OCI ? IMAGE_MT_OCI_CONFIG : IMAGE_MT_DOCKER_CONFIG;
        if (m->format != to && !STREQ(m->config.media_type, cfg_from) &&
            !STREQ(m->config.media_type, cfg_to)) {
                _cleanup_free_ char *q = image_quote(m->config.media_type);
                image_manifest_free(c);
                return err_set(e, ENOTSUP,
                               "cannot convert a manifest with config of media type '%s'", q);
        }
        free(c->config.media_type);
        c->config.media_type = xstrdup(cfg_to);
        c->layers = xcalloc(m->n_layers ? m->n_layers : 1, sizeof(*c->layers));
        for (size_t i = 0; i < m->n_layers; i++) {
                image_descriptor_copy(&c->layers[i], &m->layers[i]);
                c->n_layers++;
                char *mt = NULL;
                int r = convert_layer_type(m->layers[i].media_type, to, &mt, e);
                if (r < 0) {
                        image_manifest_free(c);
                        return err_wrap(e, "layer %s", m->layers[i].digest);
                }
                free(c->layers[i].media_type);
                c->layers[i].media_type = mt;
                if (to == IMAGE_FORMAT_DOCKER) {
                        json_free(c->layers[i].annotations);
                        c->layers[i].annotations = NULL;
                }
        }
        if (to == IMAGE_FORMAT_OCI && m->annotations)
                c->annotations = json_copy(m->annotations);
        *ret = c;
        return 0;
}
