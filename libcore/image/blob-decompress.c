/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A blob that decompresses another one (gzip, zstd, bzip2 or xz, through
 * libarchive's filters): both are verified, the inner one against the
 * compressed digest as it is consumed, the outer one against the layer's
 * diff_id. Used where a destination stores layers uncompressed
 * (docker-archive) and the source has them compressed.
 */
#include <errno.h>
#include <string.h>

#include "archive-dl.h"
#include "image-internal.h"

#define CHUNK (256 * 1024)

struct decompress_ctx {
        const struct archive_dl *A;
        struct archive *a;
        struct image_blob *inner;
        struct err inner_err; /* why the inner read failed */
        char buf[CHUNK];
        bool opened;
        bool eof;
};

static la_ssize_t inner_read(struct archive *a, void *data, const void **ret)
{
        struct decompress_ctx *c = data;
        ssize_t n = image_blob_read(c->inner, c->buf, sizeof(c->buf), &c->inner_err);
        *ret = c->buf;
        if (n < 0) {
                c->A->archive_set_error(a, -(int)n, "%s", c->inner_err.msg ? c->inner_err.msg : "");
                return -1;
        }
        return n;
}

static ssize_t decompress_read(void *ctx, void *buf, size_t len, struct err *e)
{
        struct decompress_ctx *c = ctx;
        if (c->eof)
                return 0;
        if (!c->opened) {
                struct archive_entry *entry = NULL;
                if (c->A->archive_read_open(c->a, c, NULL, inner_read, NULL) != ARCHIVE_OK ||
                    c->A->archive_read_next_header(c->a, &entry) != ARCHIVE_OK)
                        goto fail;
                c->opened = true;
        }
        la_ssize_t n = c->A->archive_read_data(c->a, buf, len);
        if (n < 0)
                goto fail;
        if (n == 0) {
                /* The decompressor may stop before the inner blob's end (a
                 * gzip trailer was read): drain it so that it verifies. */
                char tmp[4096];
                ssize_t m;
                while ((m = image_blob_read(c->inner, tmp, sizeof(tmp), e)) > 0)
                        ;
                if (m < 0)
                        return (int)m;
                c->eof = true;
        }
        return n;
fail:
        if (c->inner_err.code)
                return err_move(e, &c->inner_err);
        /* Corrupt data usually breaks the decompressor before the inner
         * blob ends; read that to its end, so that tampering is reported
         * as what it is, a digest mismatch, rather than as bad gzip. */
        if (!c->inner_err.code) {
                char tmp[4096];
                ssize_t m;
                while ((m = image_blob_read(c->inner, tmp, sizeof(tmp), &c->inner_err)) > 0)
                        ;
                if (m < 0 && c->inner_err.code == EBADMSG)
                        return err_move(e, &c->inner_err);
                err_done(&c->inner_err);
        }
        return err_set(e, EINVAL, "decompressing: %s",
                       c->A->archive_error_string(c->a) ? c->A->archive_error_string(c->a)
                                                        : "failed");
}

static void decompress_free(void *ctx)
{
        struct decompress_ctx *c = ctx;
        if (c->a)
                c->A->archive_read_free(c->a);
        image_blob_free(c->inner);
        err_done(&c->inner_err);
        free(c);
}

static const struct image_blob_reader decompress_reader = {
        .read = decompress_read,
        .free = decompress_free,
};

int image_blob_decompress(struct image_blob *inner, const char *digest, int64_t size,
                          const char *name, struct image_blob **ret, struct err *e)
{
        const struct archive_dl *A = NULL;
        int r = archive_dl_get(&A, e);
        if (r < 0)
                return r;
        struct decompress_ctx *c = xcalloc(1, sizeof(*c));
        c->A = A;
        c->a = A->archive_read_new();
        A->archive_read_support_filter_gzip(c->a);
        A->archive_read_support_filter_zstd(c->a);
        A->archive_read_support_filter_bzip2(c->a);
        A->archive_read_support_filter_xz(c->a);
        A->archive_read_support_format_raw(c->a);
        c->inner = inner;
        *ret = image_blob_from_reader(&decompress_reader, c, digest, size, name);
        return 0;
}
