/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to storage/: applying a layer tar to a directory (with the
 * tar-split record that lets the same tar be produced again), reassembling
 * it, and producing diffs. These work on directory fds and never on the
 * store's records or locks: store.c and friends call them.
 */
#pragma once

#include "base.h"

enum apply_mode {
        APPLY_OVERLAY, /* whiteouts become 0:0 char devices, opaque dirs an xattr */
        APPLY_VFS,     /* whiteouts delete from the (copied) parent's files */
};

struct apply_opts {
        enum apply_mode mode;
        bool rootless;  /* opaque xattr user.overlay.opaque instead of trusted.overlay.opaque;
                           device nodes other than 0:0 whiteouts are skipped with a debug log */
        /* APPLY_OVERLAY for a mount_program (fuse-overlayfs) store: whiteouts
         * stay AUFS-style, ".wh.<name>" and ".wh..wh..opq" extracted as the
         * tar has them, as containers/storage's AUFSWhiteoutFormat does. */
        bool aufs_whiteouts;
        /* Owners in the tar are container ids; host id = map(container id).
         * n == 0 means identity. */
        const struct id_map *uidmap;
        size_t n_uidmap;
        const struct id_map *gidmap;
        size_t n_gidmap;
        /* "sha256:..." the bytes read from in_fd must hash to, or NULL. On
         * a mismatch layer_apply fails with EBADMSG "digest mismatch", also
         * when the bytes failed to apply earlier (it then reads in_fd to
         * its end, so that a corrupt blob is reported as what it is). */
        const char *expected_digest;
        /* The root's mode is not final (a layer staged before its parent,
         * whose mode it may take): note the directories made for missing
         * parents that would have inherited a setgid bit from it. */
        bool root_mode_pending;
};

struct apply_result {
        char *compressed_digest; /* "sha256:..." of the bytes read from in_fd */
        int64_t compressed_size;
        char *diff_digest;       /* "sha256:..." of the uncompressed tar stream */
        int64_t diff_size;
        int compression;         /* 0 none, 1 bzip2, 2 gzip, 3 xz, 4 zstd (containers/storage's) */
        uint32_t *uids;          /* sorted distinct uids of entries (container side), */
        size_t n_uids;           /* whiteouts excluded, as layers.json's uidset */
        uint32_t *gids;
        size_t n_gids;
        bool root_set;     /* the tar has an entry for the root, which set its mode */
        char **inherit_dirs; /* root_mode_pending: dirs (relative) that were made
                                while the root's mode was still the parent's, and
                                would have inherited its setgid bit; or NULL */
};

/* Read a tar stream (plain, gzip or zstd, detected) from in_fd and apply it
 * under rootfd in one pass, writing the gzip-compressed tar-split stream to
 * tarsplit_fd. Nothing is ever created outside rootfd: names with "..",
 * absolute names, links pointing out, symlinked parents, a link replaced by
 * a directory, duplicate entries are confined or rejected. Files are not
 * fsynced here (the caller syncs the whole staging tree once). */
int layer_apply(int in_fd, int rootfd, int tarsplit_fd, const struct apply_opts *o,
                struct apply_result *ret, struct err *e);
void apply_result_done(struct apply_result *r);

/* Write the original uncompressed tar to out_fd from the tar-split stream
 * read from tarsplit_fd (gzip) and the file contents under rootfd, checking
 * every file's CRC-64/ISO ("file integrity checksum failed for '<name>'"). */
int tarsplit_assemble(int tarsplit_fd, int rootfd, int out_fd, struct err *e);
/* The same without writing: the sha256 digest (allocated) and length of
 * the tar it would write, with the same checks (store_check). */
int tarsplit_assemble_digest(int tarsplit_fd, int rootfd, char **ret_digest, int64_t *ret_size,
                             struct err *e);

/* Write a tar of an overlay upper directory to out_fd: 0:0 char devices
 * become .wh.<name>, opaque dirs get .wh..wh..opq (xattr name as rootless
 * says). Deterministic order (sorted names). */
int layer_diff_overlay(int upperfd, bool rootless, int out_fd, struct err *e);
/* Write a tar of what differs between a full tree and its parent's full
 * tree (parentfd -1: everything), with .wh. files for removals. */
int layer_diff_naive(int parentfd, int layerfd, int out_fd, struct err *e);

/* ------------------------------------------------------------------------
 * Private helpers of the files above (apply.c, tar-stream.c, tarsplit.c,
 * crc64.c, diff.c); nothing outside them uses these.
 * ------------------------------------------------------------------------ */

/* CRC-64/ISO as Go's hash/crc64 computes it with crc64.ISO: start with 0,
 * feed with crc = crc64_iso_update(crc, buf, len); tar-split stores the
 * result as 8 bytes big-endian. */
uint64_t crc64_iso_update(uint64_t crc, const void *buf, size_t len);

/* Go's path.Clean (also filepath.Clean on Unix). Allocates. */
char *go_path_clean(const char *path);
/* Go's utf8.Valid. */
bool go_utf8_valid(const char *s, size_t len);
/* Allocates: standard base64 with padding, NUL-terminated. */
char *b64_encode(const void *buf, size_t len);
/* Allocates *ret (NUL-terminated, *ret_len bytes); -EINVAL if malformed. */
int b64_decode(const char *s, size_t len, unsigned char **ret, size_t *ret_len);

/* A set of strings (open addressing), for seen names and unpacked paths. */
struct strset {
        char **slots;
        size_t cap, len;
};
/* Add s (copied); returns false if it was already present. */
bool strset_add(struct strset *s, const char *str);
bool strset_contains(const struct strset *s, const char *str);
void strset_done(struct strset *s);

/* The tar-split writer: one JSON object per line, gzip-compressed, to fd,
 * exactly as vbatts/tar-split 0.11.2's JSON packer writes them. */
struct tarsplit_writer;
int tarsplit_writer_new(int fd, struct tarsplit_writer **ret, struct err *e);
/* A segment: raw bytes of the tar that are not file data. */
int tarsplit_write_segment(struct tarsplit_writer *w, const void *buf, size_t len, struct err *e);
/* A file: name as in the tar, size, and crc (NULL writes a null payload).
 * Fails with EINVAL on a name already used (tar-split's ErrDuplicatePath). */
int tarsplit_write_file(struct tarsplit_writer *w, const char *name, int64_t size,
                        const uint64_t *crc, struct err *e);
/* Flush the gzip stream; no record may follow. */
int tarsplit_writer_finish(struct tarsplit_writer *w, struct err *e);
void tarsplit_writer_free(struct tarsplit_writer *w);
DEFINE_CLEANUP_FUNC(struct tarsplit_writer *, tarsplit_writer_free)

/* One entry of the tar stream as Go's archive/tar (tar-split's fork) reads
 * it: the view podman has of the layer. */
struct ts_entry {
        struct ts_entry *next;
        char *name;     /* logical name: pax path, GNU long name or prefix/name */
        char *linkname; /* pax linkpath, GNU long link or the linkname field */
        char type;      /* typeflag; '\0' already turned into '0' or '5' as Go does */
        int64_t size;   /* header size (logical size for sparse files) */
        int64_t uid, gid;
        uint64_t start; /* offset of its first header block (extension headers included) */
        bool sparse;    /* data kept as raw segments (sparse formats) */
};
void ts_entry_free(struct ts_entry *t);
DEFINE_CLEANUP_FUNC(struct ts_entry *, ts_entry_free)

/* The tar tokenizer: fed the uncompressed tar stream in chunks of any size,
 * it writes the tar-split records to w (which it does not own) and queues
 * the entries it has seen for the extractor. compression (0/1/2/3/4)
 * decides how trailing bytes after the archive are cut into segments, the
 * way each of containers/storage's decompressors hands them to tar-split. */
struct tar_stream;
struct tar_stream *tar_stream_new(struct tarsplit_writer *w, int compression, bool queue);
void tar_stream_free(struct tar_stream *ts);
DEFINE_CLEANUP_FUNC(struct tar_stream *, tar_stream_free)
int tar_stream_feed(struct tar_stream *ts, const void *buf, size_t len, struct err *e);
/* End of the stream: checks that it did not end inside an entry and writes
 * the final segments. */
int tar_stream_finish(struct tar_stream *ts, struct err *e);
/* The oldest queued entry (caller frees), or NULL. */
struct ts_entry *tar_stream_pop(struct tar_stream *ts);
/* Sorted distinct uids/gids of the entries seen, whiteouts excluded, as
 * containers/storage logs them (a pax global header counts as 0:0). */
void tar_stream_ids(struct tar_stream *ts, uint32_t **ret_uids, size_t *ret_n_uids,
                    uint32_t **ret_gids, size_t *ret_n_gids);
