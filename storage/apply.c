/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applying a layer tar to a directory in one pass over the input.
 *
 * in_fd -> [read callback: compressed digest] -> libarchive reader 1
 * (format raw, gzip/zstd/bzip2/xz filters) -> [callback: diff digest, tar
 * tokenizer writing tar-split] -> libarchive reader 2 (format tar) ->
 * extraction under rootfd.
 *
 * Two tar readers see the same bytes: libarchive extracts (data, sparse
 * maps, modes, owners, times, xattrs) and tar-stream.c reads the archive
 * as podman's Go reader does. Names, link targets and entry types come from
 * the latter, so the tree is the one podman would make from the same tar,
 * and every entry libarchive returns must start where the Go reader's does,
 * which rejects archives the two would read differently.
 *
 * Every path is resolved under rootfd (fs_open_in_root: symlinks and ".."
 * stay inside) and every object is made with *at() calls relative to an
 * fd of its parent, so nothing outside rootfd is ever touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "apply-internal.h"

static void applier_done(struct applier *ap)
{
        if (ap->raw)
                ap->A->archive_read_free(ap->raw);
        digester_free(ap->cdig);
        digester_free(ap->udig);
        tar_stream_free(ap->ts);
        tarsplit_writer_free(ap->w);
        err_done(&ap->cb_err);
        free(ap->inbuf);
        free(ap->ubuf);
        strset_done(&ap->unpacked);
        strset_done(&ap->dirs_seen);
        strset_done(&ap->implicit);
        for (size_t i = 0; i < ap->n_dirs; i++)
                free(ap->dirs[i].path);
        free(ap->dirs);
}

void apply_result_done(struct apply_result *r)
{
        if (!r)
                return;
        free(r->compressed_digest);
        free(r->diff_digest);
        free(r->uids);
        free(r->gids);
        strv_free(r->inherit_dirs);
        *r = (struct apply_result){0};
}

/* ------------------------------------------------------------------------
 * The two readers and their callbacks
 * ------------------------------------------------------------------------ */

static la_ssize_t in_read_cb(struct archive *a, void *ud, const void **buf)
{
        struct applier *ap = ud;
        ssize_t n;
        do
                n = read(ap->in_fd, ap->inbuf, IO_BUF);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                int saved = errno;
                if (!ap->cb_err.code)
                        err_errnum(&ap->cb_err, saved, "reading the layer stream");
                ap->A->archive_set_error(a, saved, "reading the layer stream");
                return -1;
        }
        if (n == 0)
                ap->in_eof = true;
        digester_update(ap->cdig, ap->inbuf, (size_t)n);
        ap->csize += n;
        *buf = ap->inbuf;
        return n;
}

/* Decompress the next chunk and tee it into the diff digest and the
 * tokenizer: every uncompressed byte passes here exactly once. */
static la_ssize_t pull_uncompressed(struct applier *ap)
{
        if (ap->raw_eof)
                return 0;
        la_ssize_t n = ap->A->archive_read_data(ap->raw, ap->ubuf, IO_BUF);
        if (n < 0) {
                if (!ap->cb_err.code)
                        err_set(&ap->cb_err, EBADMSG, "decompressing the layer: %s",
                                ap->A->archive_error_string(ap->raw));
                return -1;
        }
        if (n == 0) {
                ap->raw_eof = true;
                return 0;
        }
        if (!ap->plain)
                digester_update(ap->udig, ap->ubuf, (size_t)n);
        ap->usize += n;
        if (tar_stream_feed(ap->ts, ap->ubuf, (size_t)n, &ap->cb_err) < 0)
                return -1;
        return n;
}

static la_ssize_t tar_read_cb(struct archive *a, void *ud, const void **buf)
{
        struct applier *ap = ud;
        la_ssize_t n = pull_uncompressed(ap);
        if (n < 0) {
                ap->A->archive_set_error(a, ap->cb_err.code, "%s", ap->cb_err.msg);
                return -1;
        }
        *buf = ap->ubuf;
        return n;
}

/* An error from libarchive, unless a callback failed first or the rest of
 * the stream shows what is wrong: the tokenizer's and the decompressor's
 * errors name the entry and the offset ("truncated tar archive ..."). */
int apply_archive_fail(struct applier *ap, struct archive *a, const char *what, struct err *e)
{
        while (!ap->cb_err.code && !ap->raw_eof)
                if (pull_uncompressed(ap) < 0)
                        break;
        if (!ap->cb_err.code && tar_stream_finish(ap->ts, &ap->cb_err) >= 0)
                err_done(&ap->cb_err);
        if (ap->cb_err.code)
                return err_move(e, &ap->cb_err);
        const char *msg = ap->A->archive_error_string(a);
        return err_set(e, EBADMSG, "%s: %s", what, msg ? msg : "unknown libarchive error");
}

static int compression_of(struct applier *ap, int *ret, struct err *e)
{
        /* Filter 0 is the outermost decoder; the last one is the reader of
         * our callback. containers/storage decompresses once, so a second
         * layer of compression would give it a different tar. */
        int count = ap->A->archive_filter_count(ap->raw);
        if (count > 2)
                return err_set(e, EINVAL, "layer is compressed more than once (not supported)");
        switch (ap->A->archive_filter_code(ap->raw, 0)) {
        case ARCHIVE_FILTER_NONE:
                *ret = 0;
                return 0;
        case ARCHIVE_FILTER_BZIP2:
                *ret = 1;
                return 0;
        case ARCHIVE_FILTER_GZIP:
                *ret = 2;
                return 0;
        case ARCHIVE_FILTER_XZ:
                *ret = 3;
                return 0;
        case ARCHIVE_FILTER_ZSTD:
                *ret = 4;
                return 0;
        default:
                return err_set(e, EINVAL, "layer compression '%d' is not supported",
                               ap->A->archive_filter_code(ap->raw, 0));
        }
}

static int open_decompressor(struct applier *ap, bool *ret_empty, struct err *e)
{
        const struct archive_dl *A = ap->A;
        ap->raw = A->archive_read_new();
        if (!ap->raw)
                return err_set(e, ENOMEM, "archive_read_new");
        /* Only decoders built into libarchive: "all" would include ones that
         * fork external programs (lrzip, lzop, grzip) on hostile input. */
        if (A->archive_read_support_format_raw(ap->raw) != ARCHIVE_OK ||
            A->archive_read_support_filter_gzip(ap->raw) != ARCHIVE_OK ||
            A->archive_read_support_filter_zstd(ap->raw) != ARCHIVE_OK ||
            A->archive_read_support_filter_bzip2(ap->raw) != ARCHIVE_OK ||
            A->archive_read_support_filter_xz(ap->raw) != ARCHIVE_OK)
                return err_set(e, ENOPKG, "libarchive lacks built-in gzip/zstd/bzip2/xz: %s",
                               A->archive_error_string(ap->raw));
        int r = A->archive_read_open(ap->raw, ap, NULL, in_read_cb, NULL);
        struct archive_entry *ent;
        if (r == ARCHIVE_OK)
                r = A->archive_read_next_header(ap->raw, &ent);
        *ret_empty = false;
        if (r == ARCHIVE_OK)
                return 0;
        if (ap->cb_err.code)
                return err_move(e, &ap->cb_err);
        /* The raw format takes any byte, so "unrecognized" means that
         * nothing came out of the decoders: an empty tar stream, which Go's
         * reader accepts as an archive without entries. */
        if (A->archive_errno(ap->raw) == LA_ERRNO_FILE_FORMAT) {
                *ret_empty = true;
                ap->raw_eof = true;
                return 0;
        }
        return apply_archive_fail(ap, ap->raw, "decompressing the layer", e);
}

/* The Go reader's entry for the one libarchive just returned: global pax
 * headers are entries for Go and part of the next header for libarchive. */
static struct ts_entry *pop_matching(struct applier *ap, int64_t pos, struct err *e)
{
        int64_t expect = -1;
        for (;;) {
                struct ts_entry *t = tar_stream_pop(ap->ts);
                if (!t) {
                        err_set(e, EBADMSG,
                                "tar entry at offset %lld: the archive can be read in more than "
                                "one way (tar readers disagree on its structure)",
                                (long long)pos);
                        return NULL;
                }
                if (expect < 0)
                        expect = (int64_t)t->start;
                if (t->type == 'g') {
                        ts_entry_free(t);
                        continue;
                }
                if (pos != expect) {
                        err_set(e, EBADMSG,
                                "tar entry '%s': the archive can be read in more than one way "
                                "(entry at offset %lld for one tar reader, %lld for another)",
                                t->name, (long long)expect, (long long)pos);
                        ts_entry_free(t);
                        return NULL;
                }
                return t;
        }
}

static void tar_freep(struct applier *ap, struct archive **a)
{
        if (*a)
                ap->A->archive_read_free(*a);
}

static int extract_all(struct applier *ap, struct err *e)
{
        const struct archive_dl *A = ap->A;
        struct archive *tar = A->archive_read_new();
        int r;
        if (!tar)
                return err_set(e, ENOMEM, "archive_read_new");
        if (A->archive_read_support_format_tar(tar) != ARCHIVE_OK ||
            A->archive_read_open(tar, ap, NULL, tar_read_cb, NULL) != ARCHIVE_OK) {
                r = apply_archive_fail(ap, tar, "reading the layer tar", e);
                goto out;
        }
        for (;;) {
                struct archive_entry *ent;
                r = A->archive_read_next_header(tar, &ent);
                if (r == ARCHIVE_EOF) {
                        r = 0;
                        break;
                }
                if (r < ARCHIVE_WARN) {
                        r = apply_archive_fail(ap, tar, "reading the layer tar", e);
                        break;
                }
                _cleanup_(ts_entry_freep) struct ts_entry *t =
                        pop_matching(ap, A->archive_read_header_position(tar), e);
                if (!t) {
                        r = -e->code;
                        break;
                }
                r = apply_extract_entry(ap, tar, ent, t, e);
                if (r < 0)
                        break;
        }
out:
        tar_freep(ap, &tar);
        return r;
}

static int fix_dir_times(struct applier *ap, struct err *e)
{
        for (size_t i = 0; i < ap->n_dirs; i++) {
                const char *rel = ap->dirs[i].path;
                _cleanup_free_ char *dir = apply_path_dir(rel);
                const char *base = STREQ(rel, ".") ? "." : apply_path_base(rel);
                _cleanup_close_ int pfd =
                        STREQ(rel, ".")
                                ? openat(ap->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                : fs_open_in_root(ap->rootfd, dir, O_PATH | O_DIRECTORY, 0, NULL);
                struct stat st;
                /* gone or replaced by a later entry: nothing to fix */
                if (pfd < 0 || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue;
                if (utimensat(pfd, base, ap->dirs[i].ts, AT_SYMLINK_NOFOLLOW) < 0)
                        return err_errno(e, "setting the times of '%s'", rel);
        }
        return 0;
}

static int digest_mismatch(const char *expected, const char *got, struct err *e)
{
        return err_set(e, EBADMSG, "digest mismatch: expected %s, got %s", expected, got);
}

/* Applying failed with r: if the input is not what the caller expected,
 * that is the cause; read the rest of it to find out. */
static int input_check_failed(struct applier *ap, int r, struct err *e)
{
        const char *want = ap->o->expected_digest;
        if (!want)
                return r;
        while (!ap->in_eof) {
                ssize_t n = read(ap->in_fd, ap->inbuf, IO_BUF);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return r; /* cannot tell: keep the first error */
                if (n == 0)
                        break;
                digester_update(ap->cdig, ap->inbuf, (size_t)n);
        }
        _cleanup_free_ char *got = digester_final(ap->cdig);
        if (STREQ(got, want))
                return r;
        err_done(e);
        return digest_mismatch(want, got, e);
}

int layer_apply(int in_fd, int rootfd, int tarsplit_fd, const struct apply_opts *o,
                struct apply_result *ret, struct err *e)
{
        _cleanup_(applier_done) struct applier ap = {
                .o = o,
                .rootfd = rootfd,
                .in_fd = in_fd,
        };
        int r = archive_dl_get(&ap.A, e);
        if (r < 0)
                return r;
        if (apply_map_id(o->uidmap, o->n_uidmap, 0, &ap.root_uid) < 0 ||
            apply_map_id(o->gidmap, o->n_gidmap, 0, &ap.root_gid) < 0)
                return err_set(e, EINVAL, "applying a layer: container root 0:0 is not mapped");
        ap.cdig = digester_new();
        ap.udig = digester_new();
        ap.inbuf = xmalloc(IO_BUF);
        ap.ubuf = xmalloc(IO_BUF);

        bool empty;
        int compression = 0;
        r = open_decompressor(&ap, &empty, e);
        if (r >= 0)
                r = compression_of(&ap, &compression, e);
        if (r >= 0)
                r = tarsplit_writer_new(tarsplit_fd, &ap.w, e);
        if (r < 0)
                return input_check_failed(&ap, r, e);
        /* Only the bytes read so far went into cdig; none were handed out
         * uncompressed yet, so from here on one digest serves both. */
        ap.plain = compression == 0 && !empty && ap.usize == 0;
        ap.ts = tar_stream_new(ap.w, compression, true);

        if (!empty) {
                r = extract_all(&ap, e);
                /* The rest of the stream (padding, trailing bytes) belongs
                 * to the diff digest and the tar-split segments. */
                while (r >= 0 && !ap.raw_eof)
                        if (pull_uncompressed(&ap) < 0)
                                r = err_move(e, &ap.cb_err);
        }
        while (r >= 0 && !ap.in_eof) {
                const void *buf;
                if (in_read_cb(ap.raw, &ap, &buf) < 0)
                        r = err_move(e, &ap.cb_err);
        }
        if (r >= 0)
                r = tar_stream_finish(ap.ts, e);
        if (r >= 0) {
                /* Entries libarchive never returned: the readers disagree. */
                for (struct ts_entry *t; r >= 0 && (t = tar_stream_pop(ap.ts));) {
                        if (t->type != 'g')
                                r = err_set(e, EBADMSG,
                                            "tar entry '%s': the archive can be read in more "
                                            "than one way (one tar reader did not see it)",
                                            t->name);
                        ts_entry_free(t);
                }
        }
        if (r >= 0)
                r = fix_dir_times(&ap, e);
        if (r >= 0)
                r = tarsplit_writer_finish(ap.w, e);
        if (r >= 0 && ap.plain && ap.usize != ap.csize)
                r = err_set(e, EBADMSG, "uncompressed layer: %lld bytes read, %lld bytes seen",
                            (long long)ap.csize, (long long)ap.usize);
        if (r < 0)
                return input_check_failed(&ap, err_wrap(e, "applying layer"), e);

        char *cdigest = digester_final(ap.cdig);
        if (o->expected_digest && !STREQ(cdigest, o->expected_digest)) {
                r = digest_mismatch(o->expected_digest, cdigest, e);
                free(cdigest);
                return r;
        }
        *ret = (struct apply_result){
                .compressed_digest = cdigest,
                .compressed_size = ap.csize,
                .diff_digest = ap.plain ? xstrdup(cdigest) : digester_final(ap.udig),
                .diff_size = ap.usize,
                .compression = compression,
        };
        tar_stream_ids(ap.ts, &ret->uids, &ret->n_uids, &ret->gids, &ret->n_gids);
        ret->root_set = ap.root_set;
        /* Those whose mode an entry set afterwards keep that mode. */
        for (size_t i = 0; i < ap.implicit.cap; i++) {
                const char *d = ap.implicit.slots[i];
                if (d && !strset_contains(&ap.unpacked, d))
                        strv_add(&ret->inherit_dirs, d);
        }
        return 0;
}
