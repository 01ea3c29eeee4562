/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blob readers that verify while streaming: the digest is computed over
 * exactly the bytes handed out, and the read that would report the end
 * reports a mismatch instead, so no consumer can take a tampered or
 * truncated blob for a good one. A blob with a known size is read with
 * pread from its offset, so several readers (layers of one archive) can
 * share a file without sharing a file position.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include "image-internal.h"

struct image_blob {
        const struct image_blob_reader *reader; /* or NULL: fd */
        void *reader_ctx;
        const char *mem; /* or a buffer (owned copy) */
        size_t mem_len;
        int fd;
        bool own_fd;
        bool positional; /* pread from offset, else read() */
        uint64_t offset; /* next pread position */
        int64_t limit;   /* bytes the range holds (positional), -1: to EOF */
        char *expect_digest;
        int64_t expect_size;
        char *name;
        struct digester *d;
        uint64_t nread;
        char *digest; /* computed, at the end */
        bool done;
        bool failed;
        bool deferred; /* the consumer verifies the digest */
};

static struct image_blob *blob_new(int fd, bool own, const char *digest, int64_t size,
                                   const char *name)
{
        struct image_blob *b = xcalloc(1, sizeof(*b));
        b->fd = fd;
        b->own_fd = own;
        b->limit = -1;
        b->expect_digest = digest ? xstrdup(digest) : NULL;
        b->expect_size = size;
        b->name = name ? xstrdup(name) : digest ? xasprintf("blob %s", digest) : xstrdup("blob");
        b->d = digester_new();
        return b;
}

struct image_blob *image_blob_from_fd(int fd, bool own, const char *digest, int64_t size,
                                      const char *name)
{
        return blob_new(fd, own, digest, size, name);
}

struct image_blob *image_blob_from_range(int fd, uint64_t offset, uint64_t len, const char *digest,
                                         int64_t size, const char *name)
{
        struct image_blob *b = blob_new(fd, false, digest, size, name);
        b->positional = true;
        b->offset = offset;
        b->limit = (int64_t)len;
        return b;
}

struct image_blob *image_blob_from_buffer(const void *buf, size_t len, const char *digest,
                                          int64_t size, const char *name)
{
        struct image_blob *b = blob_new(-1, false, digest, size, name);
        char *copy = xmalloc(len ? len : 1);
        memcpy(copy, buf, len);
        b->mem = copy;
        b->mem_len = len;
        b->limit = (int64_t)len;
        return b;
}

struct image_blob *image_blob_from_reader(const struct image_blob_reader *reader, void *ctx,
                                          const char *digest, int64_t size, const char *name)
{
        struct image_blob *b = blob_new(-1, false, digest, size, name);
        b->reader = reader;
        b->reader_ctx = ctx;
        return b;
}

void image_blob_free(struct image_blob *b)
{
        if (!b)
                return;
        if (b->reader && b->reader->free)
                b->reader->free(b->reader_ctx);
        free((void *)b->mem);
        if (b->own_fd && b->fd >= 0)
                close(b->fd);
        free(b->expect_digest);
        free(b->name);
        digester_free(b->d);
        free(b->digest);
        free(b);
}

const char *image_blob_expected_digest(const struct image_blob *b)
{
        return b->expect_digest;
}

int64_t image_blob_expected_size(const struct image_blob *b)
{
        return b->expect_size;
}

const char *image_blob_digest(const struct image_blob *b)
{
        return b->digest;
}

uint64_t image_blob_bytes_read(const struct image_blob *b)
{
        return b->nread;
}

bool image_blob_defer_digest(struct image_blob *b)
{
        if (!b->expect_digest || !str_has_prefix(b->expect_digest, "sha256:") || b->nread)
                return false;
        b->deferred = true;
        return true;
}

static int fail(struct image_blob *b, int r)
{
        b->failed = true;
        return r;
}

/* The end of the data: check size and digest before admitting it. */
static int finish(struct image_blob *b, struct err *e)
{
        if (b->done)
                return 0;
        if (b->expect_size >= 0 && b->nread != (uint64_t)b->expect_size)
                return fail(b, err_set(e, EBADMSG,
                                       "%s: size mismatch: expected %" PRId64 " bytes, got %llu",
                                       b->name, b->expect_size, (unsigned long long)b->nread));
        if (b->deferred) {
                /* Stands for the consumer's check, which decides. */
                b->digest = xstrdup(b->expect_digest);
                b->done = true;
                return 0;
        }
        b->digest = digester_final(b->d);
        if (b->expect_digest && !STREQ(b->digest, b->expect_digest))
                return fail(b, err_set(e, EBADMSG, "%s: digest mismatch: expected %s, got %s",
                                       b->name, b->expect_digest, b->digest));
        b->done = true;
        return 0;
}

ssize_t image_blob_read(struct image_blob *b, void *buf, size_t len, struct err *e)
{
        if (b->failed)
                return err_set(e, EIO, "%s: read after an error", b->name);
        if (b->done || len == 0)
                return 0;
        size_t want = len;
        if (b->limit >= 0 && (uint64_t)b->limit - b->nread < want)
                want = (size_t)((uint64_t)b->limit - b->nread);
        /* Reading past the declared size would only find a mismatch later;
         * stop one byte after it, which is enough to report it. */
        if (b->expect_size >= 0 && (uint64_t)b->expect_size + 1 - b->nread < want)
                want = (size_t)((uint64_t)b->expect_size + 1 - b->nread);
        ssize_t n;
        for (;;) {
                if (want == 0) {
                        n = 0;
                } else if (b->mem) {
                        n = (ssize_t)want;
                        memcpy(buf, b->mem + b->nread, want);
                } else if (b->reader) {
                        n = b->reader->read(b->reader_ctx, buf, want, e);
                        if (n < 0)
                                return fail(b, (int)n);
                } else if (b->positional)
                        n = pread(b->fd, buf, want, (off_t)b->offset);
                else
                        n = read(b->fd, buf, want);
                if (n >= 0 || errno != EINTR)
                        break;
        }
        if (n < 0)
                return fail(b, err_errno(e, "reading %s", b->name));
        if (n == 0) {
                if (b->positional && b->limit >= 0 && b->nread < (uint64_t)b->limit)
                        return fail(b, err_set(e, EIO, "reading %s: file truncated", b->name));
                int r = finish(b, e);
                return r < 0 ? r : 0;
        }
        b->offset += (uint64_t)n;
        b->nread += (uint64_t)n;
        if (b->expect_size >= 0 && b->nread > (uint64_t)b->expect_size)
                return fail(b, err_set(e, EBADMSG,
                                       "%s: size mismatch: expected %" PRId64 " bytes, got more",
                                       b->name, b->expect_size));
        if (!b->deferred)
                digester_update(b->d, buf, (size_t)n);
        return n;
}

int image_blob_read_all(struct image_blob *b, size_t max, char **ret, size_t *ret_len,
                        struct err *e)
{
        if (b->expect_size > (int64_t)max)
                return err_set(e, EFBIG, "%s: %" PRId64 " bytes, more than the limit of %zu",
                               b->name, b->expect_size, max);
        struct sbuf s = {0};
        char chunk[64 * 1024];
        for (;;) {
                ssize_t n = image_blob_read(b, chunk, sizeof(chunk), e);
                if (n < 0) {
                        sbuf_done(&s);
                        return (int)n;
                }
                if (n == 0)
                        break;
                if (s.len + (size_t)n > max) {
                        sbuf_done(&s);
                        return err_set(e, EFBIG, "%s: more than the limit of %zu bytes", b->name,
                                       max);
                }
                sbuf_append_len(&s, chunk, (size_t)n);
        }
        *ret_len = s.len;
        *ret = sbuf_steal(&s);
        return 0;
}
