/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the tar tokenizer: tar-stream.c (the state machine, records
 * and entries) and tar-header.c (Go's parsers for header fields, header
 * blocks and pax records).
 */
#pragma once

#include "layer-apply.h"

#define BLOCK 512
#define PAX_MAX (16u << 20)      /* data of one pax extended header */
#define LONGNAME_MAX (1u << 20)  /* a GNU long name or long link */
#define RAW_MAX (40u << 20)      /* the raw bytes in front of one entry */
#define SEGMENT_CHUNK (1u << 20) /* tar-split reads trailing bytes 1 MiB at a time */

enum ts_state {
        ST_HEADER,     /* collecting a header block */
        ST_ZERO2,      /* a zero block was seen: collecting the next one */
        ST_EXT,        /* data of an x/g/L/K extension header */
        ST_DATA,       /* file data (CRC'ed, not raw) */
        ST_SPARSE_EXT, /* old GNU sparse extension blocks (raw) */
        ST_RAWDATA,    /* stored data of a sparse file (raw) */
        ST_PAD,        /* padding to the block boundary (raw) */
        ST_END,        /* after the end-of-archive blocks: trailing bytes */
        ST_FAILED,
};

/* The pax records tar-split's reader looks at, by index into ts_pending.pax. */
enum pax_key {
        PAX_PATH,
        PAX_LINKPATH,
        PAX_SIZE,
        PAX_UID,
        PAX_GID,
        PAX_SPARSE_NAME,
        PAX_SPARSE_SIZE,
        PAX_SPARSE_REALSIZE,
        PAX_SPARSE_MAJOR,
        PAX_SPARSE_MINOR,
        _PAX_KEYS,
};

/* What extension headers said about the next entry (reset at each entry). */
struct ts_pending {
        char *pax[_PAX_KEYS]; /* from the last x header only */
        bool sparse_map, any_sparse_key;
        char *longname, *longlink; /* GNU L and K */
};

struct tar_stream {
        struct tarsplit_writer *w;
        int compression;
        bool queue_on;
        enum ts_state state;
        uint64_t off;
        unsigned char blk[BLOCK];
        size_t blk_fill;
        uint64_t blk_start;
        struct sbuf raw; /* tar-split's RawBytes: pending segment */

        bool entry_open; /* extension headers of the next entry were seen */
        uint64_t entry_start;
        struct ts_pending pend;

        char ext_type;
        unsigned char ext_hdr[BLOCK];
        struct sbuf ext;
        int64_t ext_left;

        char *cur_name; /* file whose data is being read */
        int64_t cur_size;
        int64_t data_left;
        uint64_t crc;
        int64_t pad_left;

        uint64_t trail_next; /* offset where the current trailing segment ends */
        bool trail_boundary; /* a trailing segment ended at a decompressor boundary */

        struct ts_entry *qhead, *qtail;
        uint32_t *uids, *gids;
        size_t n_uids, n_gids, cap_uids, cap_gids;
};

enum tar_format { FMT_UNKNOWN, FMT_V7, FMT_USTAR, FMT_GNU, FMT_STAR };

/* A header block as Go reads it, before extension headers apply. */
struct ts_header {
        enum tar_format format;
        char type;
        char *name, *linkname;
        int64_t size, uid, gid;
};

/* Forget the pax records (a later x header replaces an earlier one). */
void ts_pax_reset(struct ts_pending *p);
/* Forget everything extension headers said (at each entry). */
void ts_pending_reset(struct ts_pending *p);
/* Allocates: bytes up to the first NUL. */
char *ts_parse_string(const unsigned char *b, size_t n);
/* Go's parseNumeric: octal, or base-256 when the top bit is set. */
bool ts_parse_numeric(const unsigned char *b, size_t n, int64_t *ret);
/* strconv.ParseInt(s, 10, 64): optional sign, decimal digits only. */
bool ts_parse_dec(const char *s, int64_t *ret);
bool ts_block_is_zero(const unsigned char *b);
/* Parse header block b (at ts->blk_start) into h: format, type, name with
 * its ustar/star prefix, link name, size and ids. */
int ts_parse_header(struct tar_stream *ts, const unsigned char *b, struct ts_header *h,
                    struct err *e);
void ts_header_done(struct ts_header *h);
/* Types whose entries have no data (links, devices, directories, fifos). */
bool ts_header_only(char type);
/* Replace *dst with a copy of v. */
void ts_set_str(char **dst, const char *v);
/* Go's parsePAX over the data of an x or g header, into p; -EBADMSG when
 * malformed. */
int ts_parse_pax(const char *data, size_t len, struct ts_pending *p, struct err *e);
bool ts_nonempty(const char *s);
/* Whether the pax records describe a sparse file Go's reader knows. */
bool ts_pax_sparse_known(const struct ts_pending *p);
