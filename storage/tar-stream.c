/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tar tokenizer behind tar-split: it reads the uncompressed layer as
 * Go's archive/tar (vbatts/tar-split 0.11.2's fork, with RawAccounting)
 * does, because the records must be the ones podman would write: the same
 * segment boundaries, logical names, sizes and positions. It is pushed the
 * stream in chunks of any size (from libarchive's read callback), so it is
 * a state machine rather than a reader.
 *
 * Deliberate differences from tar-split, both for archives tar-split
 * cannot reproduce: sparse files (GNU 'S', pax GNU.sparse.*) keep their
 * stored data in segments with a size-0 file record (tar-split records the
 * expanded data and its reassembly then fails), and header-only entries
 * (links, devices, directories, fifos) with a non-zero size are refused
 * (tar-split would record a CRC of nothing that reassembly cannot match).
 */
#include <errno.h>
#include <string.h>

#include "tar-stream-internal.h"

void ts_entry_free(struct ts_entry *t)
{
        if (!t)
                return;
        free(t->name);
        free(t->linkname);
        free(t);
}

struct tar_stream *tar_stream_new(struct tarsplit_writer *w, int compression, bool queue)
{
        struct tar_stream *ts = xcalloc(1, sizeof(*ts));
        ts->w = w;
        ts->compression = compression;
        ts->queue_on = queue;
        return ts;
}

void tar_stream_free(struct tar_stream *ts)
{
        if (!ts)
                return;
        sbuf_done(&ts->raw);
        sbuf_done(&ts->ext);
        ts_pending_reset(&ts->pend);
        free(ts->cur_name);
        while (ts->qhead) {
                struct ts_entry *n = ts->qhead->next;
                ts_entry_free(ts->qhead);
                ts->qhead = n;
        }
        free(ts->uids);
        free(ts->gids);
        free(ts);
}

struct ts_entry *tar_stream_pop(struct tar_stream *ts)
{
        struct ts_entry *t = ts->qhead;
        if (t) {
                ts->qhead = t->next;
                if (!ts->qhead)
                        ts->qtail = NULL;
                t->next = NULL;
        }
        return t;
}

/* ------------------------------------------------------------------------
 * Records
 * ------------------------------------------------------------------------ */

static int raw_append(struct tar_stream *ts, const void *buf, size_t len, struct err *e)
{
        if (ts->raw.len + len > RAW_MAX)
                return err_set(e, EINVAL,
                               "tar headers at offset %llu: more than %u bytes of "
                               "headers for one entry",
                               (unsigned long long)ts->entry_start, RAW_MAX);
        sbuf_append_len(&ts->raw, buf, len);
        return 0;
}

static int flush_raw(struct tar_stream *ts, struct err *e)
{
        if (ts->raw.len == 0)
                return 0;
        int r = tarsplit_write_segment(ts->w, ts->raw.buf, ts->raw.len, e);
        ts->raw.len = 0;
        return r;
}

static void ids_add(uint32_t **v, size_t *n, size_t *cap, uint32_t id)
{
        for (size_t i = 0; i < *n; i++)
                if ((*v)[i] == id)
                        return;
        xgrow((void **)v, cap, *n + 1, sizeof(**v));
        (*v)[(*n)++] = id;
}

/* containers/storage logs ids of every header whose path.Base does not
 * start with ".wh." */
static void log_ids(struct tar_stream *ts, const char *name, int64_t uid, int64_t gid)
{
        size_t n = strlen(name);
        while (n > 1 && name[n - 1] == '/')
                n--;
        const char *base = name;
        for (size_t i = 0; i + 1 < n; i++)
                if (name[i] == '/')
                        base = name + i + 1;
        if ((size_t)(name + n - base) >= 4 && strncmp(base, ".wh.", 4) == 0)
                return;
        ids_add(&ts->uids, &ts->n_uids, &ts->cap_uids, (uint32_t)uid);
        ids_add(&ts->gids, &ts->n_gids, &ts->cap_gids, (uint32_t)gid);
}

static void queue_entry(struct tar_stream *ts, struct ts_entry *t)
{
        log_ids(ts, t->name, t->uid, t->gid);
        if (!ts->queue_on) {
                ts_entry_free(t);
                return;
        }
        if (ts->qtail)
                ts->qtail->next = t;
        else
                ts->qhead = t;
        ts->qtail = t;
}

static int64_t block_padding(int64_t n)
{
        return -n & (BLOCK - 1);
}

static void start_pad(struct tar_stream *ts, int64_t nb)
{
        ts->pad_left = block_padding(nb);
        ts->state = ts->pad_left ? ST_PAD : ST_HEADER;
}

/* ------------------------------------------------------------------------
 * Extension headers
 * ------------------------------------------------------------------------ */

/* The pax records of a global header name it and count for the id sets
 * as 0:0 (Go returns it as an entry with zero ids). */
static int global_header_done(struct tar_stream *ts, struct err *e)
{
        struct ts_pending g = {0};
        struct ts_header h = {0};
        int r = ts_parse_header(ts, ts->ext_hdr, &h, e);
        if (r >= 0 && ts_parse_pax(ts->ext.buf, ts->ext.len, &g, e) < 0)
                r = err_set(e, EBADMSG, "invalid pax global header '%s'", h.name);
        if (r >= 0)
                r = flush_raw(ts, e);
        if (r >= 0)
                r = tarsplit_write_file(
                        ts->w, ts_nonempty(g.pax[PAX_PATH]) ? g.pax[PAX_PATH] : h.name, 0, NULL, e);
        if (r >= 0) {
                struct ts_entry *t = xcalloc(1, sizeof(*t));
                t->name = xstrdup(ts_nonempty(g.pax[PAX_PATH]) ? g.pax[PAX_PATH] : h.name);
                t->linkname = xstrdup("");
                t->type = 'g';
                t->start = ts->entry_start;
                queue_entry(ts, t);
        }
        ts_pending_reset(&g);
        ts_header_done(&h);
        ts_pending_reset(&ts->pend);
        ts->entry_open = false;
        return r;
}

static int ext_done(struct tar_stream *ts, struct err *e)
{
        int r = 0;
        switch (ts->ext_type) {
        case 'x':
                /* A later x header replaces what an earlier one said. */
                ts_pax_reset(&ts->pend);
                if (ts_parse_pax(ts->ext.buf, ts->ext.len, &ts->pend, e) < 0)
                        return err_set(e, EBADMSG, "invalid pax header at offset %llu",
                                       (unsigned long long)ts->entry_start);
                break;
        case 'g':
                r = global_header_done(ts, e);
                break;
        case 'L':
                free(ts->pend.longname);
                ts->pend.longname = ts_parse_string((unsigned char *)ts->ext.buf, ts->ext.len);
                break;
        case 'K':
                free(ts->pend.longlink);
                ts->pend.longlink = ts_parse_string((unsigned char *)ts->ext.buf, ts->ext.len);
                break;
        }
        ts->ext.len = 0;
        return r;
}

/* ------------------------------------------------------------------------
 * Entries
 * ------------------------------------------------------------------------ */

static int entry_header(struct tar_stream *ts, struct ts_header *h, struct err *e)
{
        struct ts_pending *p = &ts->pend;
        int64_t v;

        /* mergePAX, then GNU long names, then the legacy directory rule. */
        if (ts_nonempty(p->pax[PAX_PATH]))
                ts_set_str(&h->name, p->pax[PAX_PATH]);
        if (ts_nonempty(p->pax[PAX_LINKPATH]))
                ts_set_str(&h->linkname, p->pax[PAX_LINKPATH]);
        if (ts_nonempty(p->pax[PAX_SIZE])) {
                if (!ts_parse_dec(p->pax[PAX_SIZE], &v))
                        return err_set(e, EBADMSG, "invalid pax size for '%s'", h->name);
                h->size = v;
        }
        if (ts_nonempty(p->pax[PAX_UID]) && ts_parse_dec(p->pax[PAX_UID], &v))
                h->uid = v;
        if (ts_nonempty(p->pax[PAX_GID]) && ts_parse_dec(p->pax[PAX_GID], &v))
                h->gid = v;
        if (ts_nonempty(p->longname))
                ts_set_str(&h->name, p->longname);
        if (ts_nonempty(p->longlink))
                ts_set_str(&h->linkname, p->longlink);
        if (h->type == '\0')
                h->type = str_has_suffix(h->name, "/") ? '5' : '0';

        if (ts_header_only(h->type) && h->size != 0)
                return err_set(e, EINVAL,
                               "tar entry '%s': type '%c' with a size of %lld is not supported",
                               h->name, h->type, (long long)h->size);
        int64_t nb = ts_header_only(h->type) ? 0 : h->size;
        if (nb < 0)
                return err_set(e, EBADMSG, "tar entry '%s': negative size", h->name);

        bool sparse = h->type == 'S' || p->any_sparse_key;
        int64_t logical = h->size;
        if (h->type == 'S') {
                if (h->format != FMT_GNU ||
                    !ts_parse_numeric((const unsigned char *)ts->blk + 483, 12, &logical))
                        return err_set(e, EBADMSG, "tar entry '%s': invalid GNU sparse header",
                                       h->name);
        } else if (p->any_sparse_key && ts_pax_sparse_known(p)) {
                if (ts_nonempty(p->pax[PAX_SPARSE_NAME]))
                        ts_set_str(&h->name, p->pax[PAX_SPARSE_NAME]);
                const char *sz = p->pax[PAX_SPARSE_SIZE] ? p->pax[PAX_SPARSE_SIZE]
                                                         : p->pax[PAX_SPARSE_REALSIZE];
                if (ts_nonempty(sz) && !ts_parse_dec(sz, &logical))
                        return err_set(e, EBADMSG, "tar entry '%s': invalid sparse size", h->name);
        }
        if (sparse && ts_header_only(h->type))
                return err_set(e, EBADMSG, "tar entry '%s': sparse data on a type '%c' entry",
                               h->name, h->type);

        int r = flush_raw(ts, e);
        if (r < 0)
                return r;

        struct ts_entry *t = xcalloc(1, sizeof(*t));
        t->name = steal_pointer(&h->name);
        t->linkname = steal_pointer(&h->linkname);
        t->type = h->type;
        t->size = sparse ? logical : h->size;
        t->uid = h->uid;
        t->gid = h->gid;
        t->start = ts->entry_start;
        t->sparse = sparse;
        ts_pending_reset(p);
        ts->entry_open = false;

        if (sparse) {
                /* Everything the archive stores for it goes to segments. */
                r = tarsplit_write_file(ts->w, t->name, 0, NULL, e);
                ts->data_left = nb;
                ts->pad_left = block_padding(nb);
                ts->state = (h->type == 'S' && ts->blk[482]) ? ST_SPARSE_EXT
                            : nb > 0                         ? ST_RAWDATA
                                                             : (ts->pad_left ? ST_PAD : ST_HEADER);
                queue_entry(ts, t);
                return r;
        }
        if (nb > 0) {
                /* Queued now: the extractor reads the data after this. */
                free(ts->cur_name);
                ts->cur_name = xstrdup(t->name);
                ts->cur_size = t->size;
                ts->data_left = nb;
                ts->crc = 0;
                ts->state = ST_DATA;
                queue_entry(ts, t);
                return 0;
        }
        r = tarsplit_write_file(ts->w, t->name, t->size, NULL, e);
        queue_entry(ts, t);
        ts->state = ST_HEADER;
        return r;
}

static int header_block(struct tar_stream *ts, struct err *e)
{
        if (ts_block_is_zero(ts->blk)) {
                ts->state = ST_ZERO2;
                return 0;
        }
        if (!ts->entry_open) {
                ts->entry_open = true;
                ts->entry_start = ts->blk_start;
        }
        _cleanup_(ts_header_done) struct ts_header h = {0};
        int r = ts_parse_header(ts, ts->blk, &h, e);
        if (r < 0)
                return r;
        switch (h.type) {
        case 'x':
        case 'g':
        case 'L':
        case 'K': {
                int64_t max = (h.type == 'x' || h.type == 'g') ? PAX_MAX : LONGNAME_MAX;
                if (h.size < 0 || h.size > max)
                        return err_set(e, EINVAL,
                                       "tar extension header '%c' at offset %llu: size %lld "
                                       "out of range",
                                       h.type, (unsigned long long)ts->blk_start,
                                       (long long)h.size);
                ts->ext_type = h.type;
                memcpy(ts->ext_hdr, ts->blk, BLOCK);
                ts->ext.len = 0;
                ts->ext_left = h.size;
                ts->pad_left = block_padding(h.size);
                if (h.size > 0) {
                        ts->state = ST_EXT;
                        return 0;
                }
                r = ext_done(ts, e);
                ts->state = ts->pad_left ? ST_PAD : ST_HEADER;
                return r;
        }
        default:
                return entry_header(ts, &h, e);
        }
}

/* Trailing bytes reach tar-split in the pieces each decompressor of
 * containers/storage returns (observed with podman 4.3): pgzip hands out
 * 1 MiB blocks, zstd 256 KiB, and an uncompressed stream comes through a
 * 32 KiB bufio buffer whose fills podman's import path leaves at 10240
 * modulo 32768, then 1 MiB direct reads. Only the line structure depends
 * on this; the bytes are the same either way. */
static uint64_t trail_boundary_after(const struct tar_stream *ts, uint64_t off, bool first)
{
        switch (ts->compression) {
        case 4:
                return (off / (256u << 10) + 1) * (256u << 10);
        case 0:
                if (first && off % 32768 != 10240)
                        return off + (10240 + 32768 - off % 32768) % 32768;
                return off + SEGMENT_CHUNK;
        default:
                return (off / SEGMENT_CHUNK + 1) * SEGMENT_CHUNK;
        }
}

static int end_of_archive(struct tar_stream *ts, struct err *e)
{
        int r = flush_raw(ts, e);
        ts->state = ST_END;
        ts->trail_next = trail_boundary_after(ts, ts->off, true);
        return r;
}

static int feed_trailing(struct tar_stream *ts, const unsigned char *p, size_t n, struct err *e)
{
        while (n > 0) {
                size_t take = n;
                if (ts->off + take >= ts->trail_next)
                        take = (size_t)(ts->trail_next - ts->off);
                sbuf_append_len(&ts->raw, (const char *)p, take);
                ts->off += take;
                p += take;
                n -= take;
                if (ts->off == ts->trail_next) {
                        int r = flush_raw(ts, e);
                        if (r < 0)
                                return r;
                        ts->trail_boundary = true;
                        ts->trail_next = trail_boundary_after(ts, ts->off, false);
                }
        }
        return 0;
}

static int feed_one(struct tar_stream *ts, const unsigned char *p, size_t n, size_t *used,
                    struct err *e)
{
        size_t take;
        int r = 0;

        switch (ts->state) {
        case ST_HEADER:
        case ST_ZERO2:
        case ST_SPARSE_EXT:
                if (ts->blk_fill == 0)
                        ts->blk_start = ts->off;
                take = n < BLOCK - ts->blk_fill ? n : BLOCK - ts->blk_fill;
                memcpy(ts->blk + ts->blk_fill, p, take);
                ts->blk_fill += take;
                ts->off += take;
                *used = take;
                r = raw_append(ts, p, take, e);
                if (r < 0 || ts->blk_fill < BLOCK)
                        return r;
                ts->blk_fill = 0;
                if (ts->state == ST_HEADER)
                        return header_block(ts, e);
                if (ts->state == ST_ZERO2) {
                        if (!ts_block_is_zero(ts->blk))
                                return err_set(e, EBADMSG,
                                               "invalid tar header at offset %llu (after a "
                                               "zero block)",
                                               (unsigned long long)ts->blk_start);
                        return end_of_archive(ts, e);
                }
                /* old GNU sparse extension block: byte 504 says whether
                 * another one follows */
                if (!ts->blk[504])
                        ts->state =
                                ts->data_left ? ST_RAWDATA : (ts->pad_left ? ST_PAD : ST_HEADER);
                return 0;
        case ST_EXT:
                take = (int64_t)n < ts->ext_left ? n : (size_t)ts->ext_left;
                sbuf_append_len(&ts->ext, (const char *)p, take);
                ts->ext_left -= (int64_t)take;
                ts->off += take;
                *used = take;
                r = raw_append(ts, p, take, e);
                if (r < 0 || ts->ext_left > 0)
                        return r;
                r = ext_done(ts, e);
                ts->state = ts->pad_left ? ST_PAD : ST_HEADER;
                return r;
        case ST_DATA:
                take = (int64_t)n < ts->data_left ? n : (size_t)ts->data_left;
                ts->crc = crc64_iso_update(ts->crc, p, take);
                ts->data_left -= (int64_t)take;
                ts->off += take;
                *used = take;
                if (ts->data_left > 0)
                        return 0;
                r = tarsplit_write_file(ts->w, ts->cur_name, ts->cur_size, &ts->crc, e);
                start_pad(ts, ts->cur_size);
                return r;
        case ST_RAWDATA:
                take = (int64_t)n < ts->data_left ? n : (size_t)ts->data_left;
                ts->data_left -= (int64_t)take;
                ts->off += take;
                *used = take;
                sbuf_append_len(&ts->raw, (const char *)p, take);
                if (ts->raw.len >= SEGMENT_CHUNK)
                        r = flush_raw(ts, e);
                if (r >= 0 && ts->data_left == 0)
                        ts->state = ts->pad_left ? ST_PAD : ST_HEADER;
                return r;
        case ST_PAD:
                take = (int64_t)n < ts->pad_left ? n : (size_t)ts->pad_left;
                ts->pad_left -= (int64_t)take;
                ts->off += take;
                *used = take;
                r = raw_append(ts, p, take, e);
                if (ts->pad_left == 0)
                        ts->state = ST_HEADER;
                return r;
        case ST_END:
                *used = n;
                return feed_trailing(ts, p, n, e);
        case ST_FAILED:
                break;
        }
        return err_set(e, EIO, "tar stream already failed");
}

int tar_stream_feed(struct tar_stream *ts, const void *buf, size_t len, struct err *e)
{
        const unsigned char *p = buf;
        while (len > 0) {
                size_t used = 0;
                int r = feed_one(ts, p, len, &used, e);
                if (r < 0) {
                        ts->state = ST_FAILED;
                        return r;
                }
                p += used;
                len -= used;
        }
        return 0;
}

int tar_stream_finish(struct tar_stream *ts, struct err *e)
{
        const char *where = NULL;
        int r = 0;

        switch (ts->state) {
        case ST_HEADER:
        case ST_ZERO2:
                /* Go's reader takes the end of the input at a block
                 * boundary as the end of the archive. */
                if (ts->blk_fill > 0)
                        where = "inside a header";
                break;
        case ST_PAD:
                break;
        case ST_EXT:
                where = "inside an extension header";
                break;
        case ST_DATA:
                return err_set(e, EBADMSG, "truncated tar archive: %lld bytes of '%s' missing",
                               (long long)ts->data_left, ts->cur_name);
        case ST_SPARSE_EXT:
        case ST_RAWDATA:
                where = "inside sparse file data";
                break;
        case ST_END:
                break;
        case ST_FAILED:
                return err_set(e, EIO, "tar stream already failed");
        }
        if (where) {
                ts->state = ST_FAILED;
                return err_set(e, EBADMSG,
                               "truncated tar archive: the stream ends %s at "
                               "offset %llu",
                               where, (unsigned long long)ts->off);
        }
        /* The last trailing piece; then Go's final read returns 0 bytes and
         * EOF, recorded as an empty segment, except where the zstd and xz
         * decoders return the last bytes together with EOF. */
        bool had_trailing = ts->state == ST_END && ts->raw.len > 0;
        r = flush_raw(ts, e);
        bool eof_with_data = ts->compression == 3 || ts->compression == 4;
        if (r >= 0 && !(eof_with_data && had_trailing && !ts->trail_boundary))
                r = tarsplit_write_segment(ts->w, "", 0, e);
        ts->state = ST_FAILED;
        return r;
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

void tar_stream_ids(struct tar_stream *ts, uint32_t **ret_uids, size_t *ret_n_uids,
                    uint32_t **ret_gids, size_t *ret_n_gids)
{
        if (ts->n_uids)
                qsort(ts->uids, ts->n_uids, sizeof(uint32_t), cmp_u32);
        if (ts->n_gids)
                qsort(ts->gids, ts->n_gids, sizeof(uint32_t), cmp_u32);
        *ret_uids = steal_pointer(&ts->uids);
        *ret_n_uids = ts->n_uids;
        *ret_gids = steal_pointer(&ts->gids);
        *ret_n_gids = ts->n_gids;
        ts->n_uids = ts->n_gids = ts->cap_uids = ts->cap_gids = 0;
}
