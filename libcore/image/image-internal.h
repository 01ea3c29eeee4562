/* SPDX-License-Identifier: Apache-2.0 */
/* Private to libcore/image: helpers shared by its files. */
#pragma once

#include "image.h"

/* Longest part of untrusted text quoted in an error message. */
#define IMAGE_QUOTE_MAX 128

/* Allocates: s made safe to quote in a message: printable ASCII kept,
 * other bytes and quotes as \xNN, cut with "..." past IMAGE_QUOTE_MAX. */
char *image_quote(const char *s);
/* The same for a buffer that may hold NUL bytes. */
char *image_quote_len(const char *s, size_t len);

/* True if s[0..len) is a registry host[:port] in the reference grammar. */
bool image_ref_domain_valid(const char *s, size_t len);

/* ---- Typed access to untrusted JSON (image-json.c). Errors name the field
 * as "<where>.<key>" ("layers[2].digest"); callers prefix the document. */

/* Allocates: "<where>.<key>", or key alone when where is empty. */
char *image_json_field(const char *where, const char *key);
/* A string member: absent or null gives NULL unless required. */
int image_json_string(const struct json *obj, const char *where, const char *key, bool required,
                      char **ret, struct err *e);
/* An array of strings: absent or null gives NULL. */
int image_json_strv(const struct json *obj, const char *where, const char *key, char ***ret,
                    struct err *e);
/* An object whose values are all strings (annotations, labels): absent or
 * null gives NULL; a copy is returned. */
int image_json_string_map(const struct json *obj, const char *where, const char *key,
                          struct json **ret, struct err *e);
/* An object member (borrowed): absent or null gives NULL unless required. */
int image_json_object(const struct json *obj, const char *where, const char *key, bool required,
                      const struct json **ret, struct err *e);
/* An array member (borrowed): absent or null gives NULL unless required. */
int image_json_array(const struct json *obj, const char *where, const char *key, bool required,
                     const struct json **ret, struct err *e);

/* Parse a descriptor; with_platform accepts a "platform" member. */
int image_descriptor_parse(const struct json *j, const char *where, bool with_platform,
                           struct image_descriptor *ret, struct err *e);
/* Allocates: a descriptor in the field order of the format. */
struct json *image_descriptor_to_json(const struct image_descriptor *d, enum image_format f);
void image_platform_free(struct image_platform *p);
/* Parse the JSON document at buf with the size limit; names the document
 * kind ("image manifest") in errors. */
int image_json_parse_doc(const void *buf, size_t len, size_t max, const char *what,
                         struct json **ret, struct err *e);

/* The effective media type of a manifest or index document j (declared,
 * else the transport's hint, else guessed from its shape); what names the
 * document in errors. Schema 1 and unknown types are refused. */
int image_doc_media_type(const struct json *j, const char *hint, const char *what, const char **ret,
                         struct err *e);

/* ---- Tar writing (tar-write.c): headers laid out byte for byte as Go's
 * archive/tar writes them for podman's docker-archive (USTAR, uid/gid 0,
 * empty owner names, mtime 0), with a PAX record where USTAR cannot hold a
 * name or size. Errors name the output as `what`. */

#define TAR_BLOCK 512

struct tar_writer;
/* Allocates: a writer appending to fd (not owned) at its current offset. */
struct tar_writer *tar_writer_new(int fd, const char *what);
void tar_writer_free(struct tar_writer *w);
DEFINE_CLEANUP_FUNC(struct tar_writer *, tar_writer_free)
/* Start a regular file of exactly size bytes; write them with
 * tar_writer_write, then tar_writer_end_file (which pads the block). */
int tar_writer_begin_file(struct tar_writer *w, const char *name, mode_t mode, uint64_t size,
                          struct err *e);
int tar_writer_write(struct tar_writer *w, const void *buf, size_t len, struct err *e);
int tar_writer_end_file(struct tar_writer *w, struct err *e);
int tar_writer_add_buffer(struct tar_writer *w, const char *name, mode_t mode, const void *buf,
                          size_t len, struct err *e);
int tar_writer_add_symlink(struct tar_writer *w, const char *name, const char *target,
                           struct err *e);
int tar_writer_add_dir(struct tar_writer *w, const char *name, mode_t mode, struct err *e);
/* The end-of-archive blocks. */
int tar_writer_finish(struct tar_writer *w, struct err *e);

/* ---- Tar reading (tar-read.c): an index of an uncompressed archive's
 * members, so that blobs are read in place with pread. Untrusted input:
 * bounded headers and names, checksums checked, data inside the file. */

struct tar_member {
        char *name;      /* cleaned: no "./", no leading '/', no "." or ".." */
        char type;       /* '0' file, '1' hard link, '2' symlink, '5' dir, ... */
        uint64_t offset; /* of the data */
        uint64_t size;
        char *linkname;
};

struct tar_index {
        struct tar_member *members;
        size_t n;
};

/* Allocates: index the archive read from fd (seekable, not owned). */
int tar_index_build(int fd, const char *what, struct tar_index **ret, struct err *e);
void tar_index_free(struct tar_index *t);
DEFINE_CLEANUP_FUNC(struct tar_index *, tar_index_free)
/* The regular file at path, following symbolic and hard links inside the
 * archive (a link out of it, a loop or a missing member is ENOENT). */
int tar_index_lookup(const struct tar_index *t, const char *path, const struct tar_member **ret,
                     struct err *e);
/* Allocates: path cleaned lexically as members are (NULL if it climbs out). */
char *tar_clean_path(const char *path);

/* ---- Blobs (blob.c) */

/* Allocates: a blob of len bytes at offset of fd (not owned), read with
 * pread; checked against digest/size like image_blob_from_fd(). */
struct image_blob *image_blob_from_range(int fd, uint64_t offset, uint64_t len, const char *digest,
                                         int64_t size, const char *name);

/* ---- Layout files (archive-files.c): the files of an image layout in a
 * directory, or inside a (possibly compressed) tar read in place. */

struct layout_files {
        int dirfd;      /* directory mode, else -1 */
        int archive_fd; /* archive mode, else -1 */
        struct tar_index *index;
        char *what; /* the location, for messages */
};

int layout_files_open_dir(const char *path, const char *what, struct layout_files **ret,
                          struct err *e);
int layout_files_open_archive(const char *path, const char *what, struct layout_files **ret,
                              struct err *e);
void layout_files_free(struct layout_files *f);
DEFINE_CLEANUP_FUNC(struct layout_files *, layout_files_free)
bool layout_files_exists(struct layout_files *f, const char *path);
/* Allocates: a verified reader for the file at path (see image_blob_*). */
int layout_files_blob(struct layout_files *f, const char *path, const char *digest, int64_t size,
                      const char *name, struct image_blob **ret, struct err *e);
/* Allocates: a small file's content, at most max bytes. */
int layout_files_read(struct layout_files *f, const char *path, size_t max, char **ret,
                      size_t *ret_len, struct err *e);

/* $TMPDIR, else /var/tmp (podman's image_copy_tmp_dir). */
const char *image_tmp_dir(void);
/* An unlinked temporary file in dir (O_TMPFILE where possible). */
int image_tmpfile(const char *dir, struct err *e);

/* ---- Layout output (layout-out.c): writing the files of a layout into a
 * directory (each file atomically) or as members of a tar being written. */

struct layout_out;

/* Allocates: output into the directory dirfd (not owned). */
struct layout_out *layout_out_dir(int dirfd, const char *what);
/* Allocates: output as a tar written to fd (not owned); members get mode. */
struct layout_out *layout_out_tar(int fd, const char *what, mode_t mode);
void layout_out_free(struct layout_out *o);
DEFINE_CLEANUP_FUNC(struct layout_out *, layout_out_free)
/* True if a file of that name was written (tar) or exists (directory). */
bool layout_out_has(struct layout_out *o, const char *name);
/* Copy the blob b into the file <prefix><hex of its digest><suffix>,
 * verified; nothing is kept (directory) or the output is marked broken
 * (tar) when it does not verify. */
int layout_out_blob(struct layout_out *o, struct image_blob *b, const char *prefix,
                    const char *suffix, char **ret_digest, int64_t *ret_size, struct err *e);
/* A small file with this content. */
int layout_out_file(struct layout_out *o, const char *name, const void *buf, size_t len,
                    struct err *e);
/* Tar only: a symlink or a directory member. */
int layout_out_symlink(struct layout_out *o, const char *name, const char *target, struct err *e);
int layout_out_mkdir(struct layout_out *o, const char *name, struct err *e);
/* Tar only: the end blocks; fails if a blob did not verify. */
int layout_out_finish(struct layout_out *o, struct err *e);

/* ---- Sources and destinations (source.c, dest.c): each transport fills
 * in the ops and embeds the base struct first. */

struct image_source_ops {
        int (*manifest)(struct image_source *s, const char *instance, char **ret_buf,
                        size_t *ret_len, char **ret_media_type, struct err *e);
        int (*blob)(struct image_source *s, const struct image_descriptor *d,
                    struct image_blob **ret, struct err *e);
        void (*free)(struct image_source *s);
        /* Optional: how the source serves the layers of manifest m (the
         * store serves plain tars, whatever the manifest says): n_layers
         * descriptors in *ret. */
        int (*layers_for_copy)(struct image_source *s, const struct image_manifest *m,
                               const struct image_config *cfg, struct image_descriptor **ret,
                               struct err *e);
};

struct image_source {
        const struct image_source_ops *ops;
        char *what;   /* the location as a string, for messages */
        char **names; /* never NULL */
        size_t n_images;
};

struct image_dest_ops {
        bool (*has_blob)(struct image_dest *d, const char *digest);
        int (*put_blob)(struct image_dest *d, struct image_blob *b, bool is_config,
                        char **ret_digest, int64_t *ret_size, struct err *e);
        int (*put_manifest)(struct image_dest *d, const void *buf, size_t len,
                            const char *media_type, char *const *names, struct err *e);
        int (*commit)(struct image_dest *d, struct err *e);
        void (*free)(struct image_dest *d);
        /* Optional, for destinations that build layers on each other (the
         * store): called for every layer in order, before put_layer.
         * Returns true if the layer with this diff_id, on top of the ones
         * before, exists already (it is then not fetched at all). */
        bool (*reuse_layer)(struct image_dest *d, const char *diff_id);
        /* Optional: store the next layer (instead of put_blob); takes b
         * (it may still be reading it after returning: the layer is only
         * sure to be stored once put_manifest or commit succeeded). */
        int (*put_layer)(struct image_dest *d, struct image_blob *b, const char *diff_id,
                         struct err *e);
        /* Optional: the index the image was chosen from (kept as well). */
        int (*put_index)(struct image_dest *d, const void *buf, size_t len, struct err *e);
};

struct image_dest {
        const struct image_dest_ops *ops;
        char *what;
        bool oci_only, docker_only;
        enum image_compression compression;
        bool committed;
};

/* Fill the base fields (what from loc). */
void image_source_init(struct image_source *s, const struct image_source_ops *ops,
                       const struct image_location *loc);
void image_dest_init(struct image_dest *d, const struct image_dest_ops *ops,
                     const struct image_location *loc);

int oci_source_open(const struct image_location *loc, struct image_source **ret, struct err *e);
int oci_dest_open(const struct image_location *loc, struct image_dest **ret, struct err *e);
int docker_archive_source_open(const struct image_location *loc, struct image_source **ret,
                               struct err *e);
int docker_archive_dest_open(const struct image_location *loc, struct image_dest **ret,
                             struct err *e);
int dir_source_open(const struct image_location *loc, struct image_source **ret, struct err *e);
int dir_dest_open(const struct image_location *loc, struct image_dest **ret, struct err *e);

/* Allocates: "<hex>" of "sha256:<hex>", after validating the digest (a
 * digest from a document becomes a file name: it must not be a path). */
int image_digest_hex(const char *digest, char **ret, struct err *e);
/* Check that buf is what digest names. */
int image_verify_bytes(const void *buf, size_t len, const char *digest, const char *what,
                       struct err *e);

/* A small file written into the layout output under a name derived from
 * its digest (<prefix><hex><suffix>), unless already there. */
int layout_out_blob_buffer(struct layout_out *o, const void *buf, size_t len, const char *prefix,
                           const char *suffix, char **ret_digest, struct err *e);

/* ---- Archive output files (archive-out.c): a new archive is written to a
 * temporary file next to its path and renamed over it at commit; a path
 * that is not a regular file (a pipe, /dev/stdout) is written in place. */

struct archive_out {
        char *path;
        char *tmp_path; /* NULL when written in place */
        int fd;
};

int archive_out_open(const char *path, struct archive_out *ret, struct err *e);
/* fsync and rename into place. */
int archive_out_commit(struct archive_out *a, struct err *e);
/* Drop an uncommitted temporary file; close. */
void archive_out_done(struct archive_out *a);

/* ---- Transfer threads (pump.c) */

/* The consumer of b hashes every byte it reads from b itself and checks the
 * result against image_blob_expected_digest(b) (the store, staging a
 * layer): b stops hashing and admits its end on its size alone. Only for
 * sha256 digests; returns false (and changes nothing) otherwise. Call
 * before the first read. */
bool image_blob_defer_digest(struct image_blob *b);

struct blob_pump;
/* Start a thread copying blob b (borrowed until finish) into a pipe whose
 * read end is returned in *ret_fd (owned by the caller). */
int blob_pump_start(struct image_blob *b, int *ret_fd, struct blob_pump **ret, struct err *e);
/* Wait for the thread (close the read end first if the consumer stopped);
 * returns the blob's own error (a digest mismatch) if it had one. */
int blob_pump_finish(struct blob_pump *p, struct err *e);
/* Allocates: a blob of what produce(ctx, fd, e) writes to fd from a thread;
 * its end is good only if produce returned 0. free_ctx (may be NULL)
 * releases ctx with the blob; ctx is not released on failure. */
int image_blob_from_producer(int (*produce)(void *ctx, int fd, struct err *e), void *ctx,
                             void (*free_ctx)(void *ctx), const char *digest, int64_t size,
                             const char *name, struct image_blob **ret, struct err *e);
