/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to apply*.c: the state of one layer_apply() run and the helpers
 * its files share (apply.c: the readers and the whole pass; apply-fs.c:
 * confined filesystem helpers; apply-entry.c: one entry; apply-whiteout.c:
 * whiteouts and opaque directories).
 */
#pragma once

#include "archive-dl.h"
#include "layer-apply.h"

#define IO_BUF (128 * 1024)
/* archive_platform.h's ARCHIVE_ERRNO_FILE_FORMAT on Linux (no EFTYPE). */
#define LA_ERRNO_FILE_FORMAT EILSEQ
#define RM_MAX_DEPTH 400

struct dir_time {
        char *path;
        struct timespec ts[2];
};

struct applier {
        const struct archive_dl *A;
        const struct apply_opts *o;
        int rootfd;
        int in_fd;
        struct digester *cdig, *udig;
        int64_t csize, usize;
        /* Not compressed: the uncompressed stream is the input, byte for
         * byte, so the diff digest is the compressed one (hashed once). */
        bool plain;
        struct archive *raw; /* decompressor */
        bool raw_eof, in_eof;
        struct tarsplit_writer *w;
        struct tar_stream *ts;
        struct err cb_err; /* first error raised inside a libarchive callback */
        unsigned char *inbuf, *ubuf;
        struct strset unpacked; /* paths this layer created (vfs opaque dirs) */
        struct strset dirs_seen;
        struct dir_time *dirs;
        size_t n_dirs, cap_dirs;
        uint32_t root_uid, root_gid;
        bool root_set;
        struct strset implicit; /* root_mode_pending: see open_dir */
};

/* One entry being applied. */
struct entry_ctx {
        struct archive *tar;
        struct archive_entry *ent;
        const struct ts_entry *t;
        const char *rel;  /* cleaned path relative to the root ("." for it) */
        const char *base; /* last component of rel */
        int pfd;          /* parent directory (O_PATH) */
        int fd;           /* the object itself when open for writing, else -1 */
        uint32_t uid, gid;
};

/* apply.c: fail with libarchive's error for a, as "<what>: <message>". */
int apply_archive_fail(struct applier *ap, struct archive *a, const char *what, struct err *e);

/* apply-fs.c */
/* Remove dirfd/name and everything below it, never following a link. */
int apply_rm_rf_at(int dfd, const char *name, int depth);
/* The last component of a cleaned relative path. */
const char *apply_path_base(const char *rel);
/* Allocates: the directory part of a cleaned relative path ("." if none). */
char *apply_path_dir(const char *rel);
/* An O_PATH fd of rel's parent directory, made (with missing parents) as
 * containers/storage makes directories the tar does not list. */
int apply_open_parent(struct applier *ap, const char *rel, const char *entry, struct err *e);
/* setxattr through fd, or through base's O_PATH fd under pfd when fd < 0. */
int apply_xattr_set(int pfd, const char *base, int fd, const char *name, const void *val,
                    size_t len);

/* apply-entry.c */
/* Map a container id to the host through m (n == 0: identity). */
int apply_map_id(const struct id_map *m, size_t n, int64_t id, uint32_t *ret);
/* The entry's atime and mtime for utimensat. */
void apply_entry_times(struct applier *ap, const struct entry_ctx *c, struct timespec ts[2]);
/* Apply one entry libarchive returned, t being the Go reader's view of it. */
int apply_extract_entry(struct applier *ap, struct archive *tar, struct archive_entry *ent,
                        const struct ts_entry *t, struct err *e);

/* apply-whiteout.c */
/* A .wh.<name> entry: remove name; overlay also marks it with a 0:0 device. */
int apply_whiteout(struct applier *ap, struct entry_ctx *c, struct err *e);
/* A .wh..wh..opq entry: the directory hides its lower layers. */
int apply_opaque(struct applier *ap, struct entry_ctx *c, struct err *e);
/* True when a component of rel is AUFS metadata (".wh..wh.*"). */
bool apply_aufs_meta(const char *rel);
