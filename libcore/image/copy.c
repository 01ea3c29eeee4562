/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copying one image from a source to a destination, every blob verified
 * on the way (the readers fail at the end of a blob whose bytes are not
 * what its digest says, before the destination keeps anything). The
 * manifest is kept byte for byte when the destination can store it as it
 * is, so the image keeps its digest; it is converted (OCI <-> Docker) when
 * the destination holds only the other format, and rewritten when the
 * layers change form on the way (decompressed for docker-archive, served
 * as plain tars by the store).
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

/* Pick the instance of an index for the platform, and fetch it; the
 * index itself is handed to destinations that keep it. */
static int resolve_instance(struct image_source *src, struct image_dest *dst,
                            const struct image_copy_options *o, char **buf, size_t *len, char **mt,
                            struct err *e)
{
        _cleanup_(image_index_freep) struct image_index *idx = NULL;
        int r = image_index_parse(*buf, *len, *mt, &idx, e);
        if (r < 0)
                return err_wrap(e, "%s", src->what);
        size_t i = 0;
        if ((r = image_index_select(idx, o ? o->os : NULL, o ? o->arch : NULL,
                                    o ? o->variant : NULL, &i, e)) < 0)
                return err_wrap(e, "%s", src->what);
        if (dst->ops->put_index && (r = dst->ops->put_index(dst, *buf, *len, e)) < 0)
                return r;
        char *ibuf = NULL, *imt = NULL;
        size_t ilen = 0;
        if ((r = image_source_manifest(src, idx->manifests[i].digest, &ibuf, &ilen, &imt, e)) < 0)
                return r;
        free(*buf);
        free(*mt);
        *buf = ibuf;
        *len = ilen;
        *mt = imt;
        return 0;
}

static const char *plain_layer_type(enum image_format f)
{
        return f == IMAGE_FORMAT_OCI ? IMAGE_MT_OCI_LAYER : IMAGE_MT_DOCKER_LAYER;
}

/* Read b to its verified end without keeping the bytes. */
static int drain(struct image_blob *b, struct err *e)
{
        char tmp[64 * 1024];
        ssize_t n;
        while ((n = image_blob_read(b, tmp, sizeof(tmp), e)) > 0)
                ;
        return (int)n;
}

/* Copy layer l (as the source serves it) whose diff_id is given into dst;
 * out describes it as written. */
static int copy_layer(struct image_source *src, struct image_dest *dst,
                      const struct image_descriptor *l, const char *diff_id,
                      enum image_format format, struct image_descriptor *out, struct err *e)
{
        image_descriptor_copy(out, l);
        int r;
        if (dst->ops->put_layer) {
                if (dst->ops->reuse_layer && dst->ops->reuse_layer(dst, diff_id))
                        return 0;
                _cleanup_(image_blob_freep) struct image_blob *b = NULL;
                if ((r = image_source_blob(src, l, &b, e)) < 0)
                        return r;
                return dst->ops->put_layer(dst, steal_pointer(&b), diff_id, e);
        }

        /* A blob whose digest is its diff_id is a plain tar, whatever its
         * media type says; only others need decompressing for a
         * destination that stores plain layers. */
        bool plain = STREQ(l->digest, diff_id) ||
                     image_layer_compression(l->media_type) == IMAGE_COMPRESSION_NONE;
        enum image_compression want = image_dest_layer_compression(dst);
        bool want_plain = want == IMAGE_COMPRESSION_NONE;
        if (want_plain && plain) {
                free(out->media_type);
                out->media_type = xstrdup(plain_layer_type(format));
        }
        bool decompress = want_plain && !plain;
        /* Plain layers are compressed for destinations that keep them so
         * (OCI layouts), as podman saves them. */
        bool compress = want == IMAGE_COMPRESSION_GZIP && plain;
        if (decompress && image_layer_compression(l->media_type) == IMAGE_COMPRESSION_UNKNOWN) {
                _cleanup_free_ char *q = image_quote(l->media_type);
                return err_set(e, ENOTSUP, "layer %s: unknown media type '%s'", l->digest, q);
        }
        if (!decompress && !compress && image_dest_has_blob(dst, l->digest))
                return 0;

        _cleanup_(image_blob_freep) struct image_blob *b = NULL;
        if ((r = image_source_blob(src, l, &b, e)) < 0)
                return r;
        if (decompress) {
                _cleanup_free_ char *name = xasprintf("layer %s (uncompressed)", l->digest);
                struct image_blob *inner = steal_pointer(&b);
                if ((r = image_blob_decompress(inner, diff_id, -1, name, &b, e)) < 0) {
                        image_blob_free(inner);
                        return r;
                }
                free(out->media_type);
                out->media_type = xstrdup(plain_layer_type(format));
        } else if (compress) {
                _cleanup_free_ char *name = xasprintf("layer %s (gzip)", l->digest);
                struct image_blob *inner = steal_pointer(&b);
                if ((r = image_blob_gzip(inner, name, &b, e)) < 0) {
                        image_blob_free(inner);
                        return r;
                }
                free(out->media_type);
                out->media_type = xstrdup(format == IMAGE_FORMAT_OCI ? IMAGE_MT_OCI_LAYER_GZIP
                                                                     : IMAGE_MT_DOCKER_LAYER_GZIP);
        }
        char *digest = NULL;
        int64_t size = 0;
        if (decompress && image_dest_has_blob(dst, diff_id)) {
                /* Stored already under its diff_id: only its size is needed. */
                if ((r = drain(b, e)) < 0)
                        return r;
                digest = xstrdup(image_blob_digest(b));
                size = (int64_t)image_blob_bytes_read(b);
        } else if ((r = image_dest_put_blob(dst, b, false, &digest, &size, e)) < 0) {
                return r;
        }
        free(out->digest);
        out->digest = digest;
        out->size = size;
        return 0;
}

/* The manifest as it will be written: converted if dst needs the other
 * format, with room for the layers. */
static int output_manifest(const struct image_manifest *m, enum image_format format,
                           struct image_manifest **ret, struct err *e)
{
        if (format != m->format)
                return image_manifest_convert(m, format, ret, e);
        struct image_manifest *out = xcalloc(1, sizeof(*out));
        out->format = m->format;
        out->media_type = m->media_type ? xstrdup(m->media_type) : NULL;
        image_descriptor_copy(&out->config, &m->config);
        out->layers = xcalloc(m->n_layers ? m->n_layers : 1, sizeof(*out->layers));
        for (size_t i = 0; i < m->n_layers; i++)
                image_descriptor_copy(&out->layers[i], &m->layers[i]);
        out->n_layers = m->n_layers;
        out->annotations = m->annotations ? json_copy(m->annotations) : NULL;
        *ret = out;
        return 0;
}

static bool descriptor_same(const struct image_descriptor *a, const struct image_descriptor *b)
{
        return STREQ(a->digest, b->digest) && a->size == b->size &&
               STREQ(a->media_type, b->media_type);
}

int image_copy(struct image_source *src, struct image_dest *dst, const struct image_copy_options *o,
               char **ret_digest, struct err *e)
{
        _cleanup_free_ char *buf = NULL, *mt = NULL;
        size_t len = 0;
        int r = image_source_manifest(src, NULL, &buf, &len, &mt, e);
        if (r < 0)
                return r;
        if (image_media_type_is_index(mt) &&
            (r = resolve_instance(src, dst, o, &buf, &len, &mt, e)) < 0)
                return r;
        _cleanup_(image_manifest_freep) struct image_manifest *m = NULL;
        if ((r = image_manifest_parse(buf, len, mt, &m, e)) < 0)
                return err_wrap(e, "%s", src->what);

        /* The config first, in memory: its diff_ids name the layers; it
         * goes to the destination after them, as containers/image orders
         * it (which podman's docker-archive layout shows). */
        _cleanup_(image_blob_freep) struct image_blob *cb = NULL;
        _cleanup_free_ char *config = NULL;
        size_t config_len = 0;
        if ((r = image_source_blob(src, &m->config, &cb, e)) < 0 ||
            (r = image_blob_read_all(cb, IMAGE_CONFIG_MAX_SIZE, &config, &config_len, e)) < 0)
                return r;
        _cleanup_(image_config_freep) struct image_config *cfg = NULL;
        if ((r = image_config_parse(config, config_len, &cfg, e)) < 0)
                return err_wrap(e, "%s", src->what);
        if (cfg->n_diff_ids != m->n_layers)
                return err_set(e, EINVAL,
                               "%s: the manifest has %zu layers, the config %zu diff_ids",
                               src->what, m->n_layers, cfg->n_diff_ids);

        /* What the source will actually serve for each layer. */
        _cleanup_free_ char *gen = NULL;
        struct image_descriptor *served = NULL;
        if (src->ops->layers_for_copy &&
            (r = src->ops->layers_for_copy(src, m, cfg, &served, e)) < 0)
                return r;

        enum image_format other =
                m->format == IMAGE_FORMAT_OCI ? IMAGE_FORMAT_DOCKER : IMAGE_FORMAT_OCI;
        enum image_format format = image_dest_supports_format(dst, m->format) ? m->format : other;
        _cleanup_(image_manifest_freep) struct image_manifest *out = NULL;
        if ((r = output_manifest(m, format, &out, e)) < 0)
                goto done;
        bool changed = format != m->format;
        for (size_t i = 0; i < m->n_layers; i++) {
                const struct image_descriptor *l = served ? &served[i] : &m->layers[i];
                struct image_descriptor written = {0};
                r = copy_layer(src, dst, l, cfg->diff_ids[i], format, &written, e);
                if (r < 0) {
                        image_descriptor_done(&written);
                        err_wrap(e, "copying layer %zu of %zu", i + 1, m->n_layers);
                        goto done;
                }
                if (format != m->format && STREQ(written.media_type, l->media_type)) {
                        /* Unchanged bytes keep the converted media type. */
                        free(written.media_type);
                        written.media_type = xstrdup(out->layers[i].media_type);
                }
                if (!descriptor_same(&written, &out->layers[i]))
                        changed = true;
                image_descriptor_done(&out->layers[i]);
                out->layers[i] = written;
        }
        if (!image_dest_has_blob(dst, m->config.digest)) {
                _cleanup_(image_blob_freep) struct image_blob *c = image_blob_from_buffer(
                        config, config_len, m->config.digest, m->config.size, "config");
                if ((r = image_dest_put_blob(dst, c, true, NULL, NULL, e)) < 0)
                        goto done;
        }
        const char *mbuf = buf, *mtype = mt;
        size_t mlen = len;
        if (changed) {
                if (!out->media_type)
                        out->media_type =
                                xstrdup(format == IMAGE_FORMAT_OCI ? IMAGE_MT_OCI_MANIFEST
                                                                   : IMAGE_MT_DOCKER_MANIFEST);
                gen = image_manifest_generate(out, &mlen);
                mbuf = gen;
                mtype = out->media_type;
        }
        char *const *names = o && o->names ? o->names : image_source_names(src);
        if ((r = image_dest_put_manifest(dst, mbuf, mlen, mtype, names, e)) < 0)
                goto done;
        if (ret_digest)
                *ret_digest = digest_buffer(mbuf, mlen);
        r = 0;
done:
        for (size_t i = 0; served && i < m->n_layers; i++)
                image_descriptor_done(&served[i]);
        free(served);
        return r;
}
