/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A blob that gzip-compresses another one as it is read, for destinations
 * that store compressed layers (OCI layouts, as podman saves them): the
 * inner blob is verified against the layer's diff_id as it is consumed;
 * the compressed bytes get their digest and size computed on the way.
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "image-internal.h"

#define CHUNK (256 * 1024)

struct compress_ctx {
        struct image_blob *inner;
        z_stream z;
        unsigned char in[CHUNK];
        bool in_eof;
        bool done;
};

static ssize_t compress_read(void *ctx, void *buf, size_t len, struct err *e)
{
        struct compress_ctx *c = ctx;
        if (c->done)
                return 0;
        c->z.next_out = buf;
        c->z.avail_out = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
        while (c->z.avail_out > 0) {
                if (c->z.avail_in == 0 && !c->in_eof) {
                        ssize_t n = image_blob_read(c->inner, c->in, sizeof(c->in), e);
                        if (n < 0)
                                return n;
                        if (n == 0)
                                c->in_eof = true;
                        c->z.next_in = c->in;
                        c->z.avail_in = (uInt)n;
                }
                int zr = deflate(&c->z, c->in_eof ? Z_FINISH : Z_NO_FLUSH);
                if (zr == Z_STREAM_END) {
                        c->done = true;
                        break;
                }
                if (zr != Z_OK && zr != Z_BUF_ERROR)
                        return err_set(e, EIO, "gzip compression failed (%d)", zr);
        }
        return (ssize_t)(len - c->z.avail_out);
}

static void compress_free(void *ctx)
{
        struct compress_ctx *c = ctx;
        deflateEnd(&c->z);
        image_blob_free(c->inner);
        free(c);
}

static const struct image_blob_reader compress_reader = {
        .read = compress_read,
        .free = compress_free,
};

int image_blob_gzip(struct image_blob *inner, const char *name, struct image_blob **ret,
                    struct err *e)
{
        struct compress_ctx *c = xcalloc(1, sizeof(*c));
        /* 31: a gzip wrapper; level 6 as containers/image's default. */
        if (deflateInit2(&c->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) !=
            Z_OK) {
                free(c);
                return err_set(e, ENOMEM, "gzip: cannot initialise the compressor");
        }
        c->inner = inner;
        *ret = image_blob_from_reader(&compress_reader, c, NULL, -1, name);
        return 0;
}
