/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.h: berth's image library, the one public header of libcore/image.
 *
 * Image references normalised like docker and podman, short-name
 * resolution, OCI and Docker manifests, indexes and configs, the transport
 * syntax of containers-transports(5), readers and writers for the local
 * transports (oci:, oci-archive:, docker-archive:, dir:, and
 * containers-storage: over storage.h), and the copy between them, every
 * blob verified against its digest while it streams. What berth writes
 * matches what podman 4.3 and skopeo 1.9 write, byte for byte where the
 * format allows (docker-archive, manifests, configs, store records).
 *
 * Conventions are those of base.h: a function that can fail returns a
 * negative errno-like int (or NULL) and fills `struct err *e`; `ret_*`
 * out-parameters are written only on success; every type has a `*_free()`
 * that accepts NULL.
 */
#pragma once

#include "base.h"

struct store; /* storage.h */

/* ------------------------------------------------------------------------
 * References: [domain/]path[:tag][@digest], parsed and normalised exactly
 * as containers/image 5.23 (podman 4.3, skopeo 1.9) does with
 * reference.ParseNormalizedNamed: "alpine" -> docker.io/library/alpine,
 * index.docker.io -> docker.io. Errors start with "invalid reference
 * format" and name the bad part.
 * ------------------------------------------------------------------------ */

#define IMAGE_REF_NAME_MAX 255 /* domain + '/' + path */
#define IMAGE_REF_TAG_MAX 128
#define IMAGE_REF_DEFAULT_DOMAIN "docker.io"
#define IMAGE_REF_DEFAULT_TAG "latest"

struct image_ref {
        char *domain; /* "docker.io", "localhost:5000", ...; never NULL */
        char *path;   /* "library/alpine"; never NULL */
        char *tag;    /* NULL if none */
        char *digest; /* "sha256:<hex>", NULL if none */
};

enum image_ref_flags {
        /* Add the tag "latest" when the reference has neither tag nor digest
         * (reference.TagNameOnly), as pull, tag and the transports do. */
        IMAGE_REF_DEFAULT_LATEST = 1 << 0,
};

/* Allocates: parse and normalise s (a combination of enum image_ref_flags). */
int image_ref_parse(const char *s, unsigned flags, struct image_ref **ret, struct err *e);
void image_ref_free(struct image_ref *r);
DEFINE_CLEANUP_FUNC(struct image_ref *, image_ref_free)
/* Allocates: a deep copy. */
struct image_ref *image_ref_copy(const struct image_ref *r);
/* Allocates: "domain/path[:tag][@digest]", the normalised full form. */
char *image_ref_string(const struct image_ref *r);
/* Allocates: "domain/path" without tag or digest. */
char *image_ref_name(const struct image_ref *r);
/* Allocates: the familiar form docker prints: "alpine:latest" for
 * docker.io/library/alpine:latest, "user/app" for docker.io/user/app. */
char *image_ref_familiar(const struct image_ref *r);
/* Replace the tag (NULL removes it); tag must already be valid. */
void image_ref_set_tag(struct image_ref *r, const char *tag);
/* Replace the digest (NULL removes it); digest must already be valid. */
void image_ref_set_digest(struct image_ref *r, const char *digest);

/* A tag as the reference grammar allows: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}. */
bool image_ref_tag_valid(const char *tag);
/* True if s is a whole image ID (64 lowercase hex), which is never a name. */
bool image_id_valid(const char *s);

/* ------------------------------------------------------------------------
 * Short names (containers-registries.conf(5)): a name whose first
 * component is not a registry ("alpine", "user/app") is resolved through
 * the aliases and the unqualified-search-registries of registries.conf.
 * ------------------------------------------------------------------------ */

/* True if the name (as the user typed it, before normalisation) names its
 * registry: its first '/'-separated component contains '.' or ':' or is
 * "localhost" (and is a valid registry name, as containers/image checks). */
bool image_name_is_qualified(const char *s);

struct image_candidates {
        char **names;       /* normalised references to try in order */
        bool from_alias;    /* names[0] came from an alias */
        char *alias_origin; /* NULL, or the alias key that matched */
};
void image_candidates_done(struct image_candidates *c);

/* The references to try for the name s: itself when qualified, else its
 * alias, else one per unqualified-search registry (see the comment in
 * shortnames.c about an empty list). Tags default to "latest". */
int image_short_name_candidates(const char *s, const struct registries_conf *rc,
                                struct image_candidates *ret, struct err *e);

/* ------------------------------------------------------------------------
 * Manifests, indexes and configs: OCI image-spec 1.0/1.1 and Docker image
 * manifest v2 schema 2 (schema 1 is recognised only to be refused). All
 * input is untrusted: sizes are bounded, every field is type-checked, and
 * errors name the document and the field ("invalid image manifest:
 * layers[2].digest: ...").
 * ------------------------------------------------------------------------ */

#define IMAGE_MANIFEST_MAX_SIZE (4u << 20) /* manifests and indexes */
#define IMAGE_CONFIG_MAX_SIZE (8u << 20)

#define IMAGE_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define IMAGE_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define IMAGE_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define IMAGE_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define IMAGE_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMAGE_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define IMAGE_MT_OCI_FOREIGN "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define IMAGE_MT_OCI_FOREIGN_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define IMAGE_MT_OCI_FOREIGN_ZSTD "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define IMAGE_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMAGE_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMAGE_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define IMAGE_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define IMAGE_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define IMAGE_MT_DOCKER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define IMAGE_MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define IMAGE_MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* The annotation that names an image inside an OCI layout's index.json. */
#define IMAGE_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

enum image_format {
        IMAGE_FORMAT_OCI,    /* OCI manifest / index */
        IMAGE_FORMAT_DOCKER, /* Docker schema 2 manifest / manifest list */
};

enum image_compression {
        IMAGE_COMPRESSION_NONE,
        IMAGE_COMPRESSION_GZIP,
        IMAGE_COMPRESSION_ZSTD,
        IMAGE_COMPRESSION_UNKNOWN, /* not a layer media type berth knows */
};

/* The compression a layer media type declares. */
enum image_compression image_layer_compression(const char *media_type);
/* True for the manifest and index media types berth reads (not schema 1). */
bool image_media_type_is_manifest(const char *media_type);
bool image_media_type_is_index(const char *media_type);

/* What containers/image's GuessMIMEType finds: the declared mediaType, or
 * the type the document's shape implies; NULL if none. Static string. */
const char *image_manifest_guess_type(const void *buf, size_t len);

struct image_platform {
        char *architecture;
        char *os;
        char *variant;      /* NULL if absent */
        char *os_version;   /* NULL if absent */
        char **os_features; /* NULL if absent */
};

struct image_descriptor {
        char *media_type;
        char *digest;
        int64_t size;
        char **urls;                     /* NULL if absent */
        struct json *annotations;        /* object of strings, NULL if absent */
        struct image_platform *platform; /* index entries only; NULL if absent */
};

void image_descriptor_done(struct image_descriptor *d);
/* Deep copy into *dst. */
void image_descriptor_copy(struct image_descriptor *dst, const struct image_descriptor *src);
/* An annotation's value, or NULL. */
const char *image_descriptor_annotation(const struct image_descriptor *d, const char *key);

struct image_manifest {
        enum image_format format;
        char *media_type; /* the mediaType field; NULL when absent (OCI allows it) */
        struct image_descriptor config;
        struct image_descriptor *layers;
        size_t n_layers;
        struct json *annotations; /* OCI only; NULL if absent */
};

/* Allocates: parse and validate an image manifest. media_type is what the
 * transport declared (index entry, HTTP Content-Type) or NULL to guess;
 * it must agree with the document. Indexes and schema 1 are refused. */
int image_manifest_parse(const void *buf, size_t len, const char *media_type,
                         struct image_manifest **ret, struct err *e);
void image_manifest_free(struct image_manifest *m);
DEFINE_CLEANUP_FUNC(struct image_manifest *, image_manifest_free)
/* Allocates: the manifest as JSON, fields in the order containers/image
 * writes them, so generated manifests match the other tools' bytes. */
struct json *image_manifest_to_json(const struct image_manifest *m);
/* Allocates: the compact JSON text (what gets digested and stored). */
char *image_manifest_generate(const struct image_manifest *m, size_t *ret_len);
/* Allocates: m converted to another format, media types of config and
 * layers mapped; fails (ENOTSUP) for what the target cannot express, such
 * as zstd layers in a Docker manifest. */
int image_manifest_convert(const struct image_manifest *m, enum image_format to,
                           struct image_manifest **ret, struct err *e);

struct image_index {
        enum image_format format;
        char *media_type; /* NULL when absent (OCI allows it) */
        struct image_descriptor *manifests;
        size_t n_manifests;
        struct json *annotations; /* OCI only; NULL if absent */
};

/* Allocates: parse and validate an OCI index or Docker manifest list
 * (an OCI layout's index.json too). */
int image_index_parse(const void *buf, size_t len, const char *media_type, struct image_index **ret,
                      struct err *e);
void image_index_free(struct image_index *idx);
DEFINE_CLEANUP_FUNC(struct image_index *, image_index_free)
/* Allocates: an empty index of the format (mediaType set for Docker only,
 * as index.json files are written without one). */
struct image_index *image_index_new(enum image_format format);
/* Append a copy of d. */
void image_index_add(struct image_index *idx, const struct image_descriptor *d);
struct json *image_index_to_json(const struct image_index *idx);
char *image_index_generate(const struct image_index *idx, size_t *ret_len);
/* Choose the entry for a platform as containers/image does: the first
 * entry matching os and architecture (and variant, when one is asked
 * for), else the first entry without a platform. NULL arch/os mean the
 * host (host_go_arch(), "linux"). Returns the entry's index. */
int image_index_select(const struct image_index *idx, const char *os, const char *arch,
                       const char *variant, size_t *ret_i, struct err *e);

struct image_history {
        char *created; /* RFC 3339, NULL if absent */
        char *created_by;
        char *author;
        char *comment;
        bool empty_layer;
};

struct image_config {
        char *created; /* RFC 3339, NULL if absent */
        char *author;
        char *architecture;
        char *os;
        char *variant;
        struct json *config; /* the "config" object (Env, Cmd, Labels, ...); NULL if absent */
        char **diff_ids;     /* rootfs.diff_ids, never NULL */
        size_t n_diff_ids;
        struct image_history *history;
        size_t n_history;
        struct json *doc; /* the whole document, so that fields berth does not know survive */
};

/* Allocates: parse and validate an image config (OCI and Docker agree on
 * every field berth reads). */
int image_config_parse(const void *buf, size_t len, struct image_config **ret, struct err *e);
/* Allocates: an empty config for os/architecture (NULL: the host's). */
struct image_config *image_config_new(const char *os, const char *arch);
void image_config_free(struct image_config *c);
DEFINE_CLEANUP_FUNC(struct image_config *, image_config_free)
/* Append a layer's diff_id and its history entry. */
void image_config_add_layer(struct image_config *c, const char *diff_id,
                            const struct image_history *h);
/* Allocates: the config as JSON: the parsed document with the known fields
 * written back in place (new ones in the order podman writes them). */
struct json *image_config_to_json(const struct image_config *c);
char *image_config_generate(const struct image_config *c, size_t *ret_len);
/* Number of history entries that are not empty_layer (each should have
 * a diff_id). */
size_t image_config_nonempty_history(const struct image_config *c);

/* ------------------------------------------------------------------------
 * Transports (containers-transports(5)): where an image is, as
 * "transport:details". berth reads and writes oci:, oci-archive:,
 * docker-archive:, dir: and containers-storage:, and pulls from docker://.
 * ------------------------------------------------------------------------ */

enum image_transport {
        IMAGE_TRANSPORT_DOCKER,         /* docker://REF */
        IMAGE_TRANSPORT_OCI,            /* oci:DIR[:REF] */
        IMAGE_TRANSPORT_OCI_ARCHIVE,    /* oci-archive:FILE[:REF] */
        IMAGE_TRANSPORT_DOCKER_ARCHIVE, /* docker-archive:FILE[:REF|:@INDEX] */
        IMAGE_TRANSPORT_DIR,            /* dir:DIR */
        IMAGE_TRANSPORT_STORAGE,        /* containers-storage:[SPEC]REF|ID|REF@ID */
        _IMAGE_TRANSPORT_MAX,
        /* For image_location_parse(): a bare string has no default. */
        IMAGE_TRANSPORT_NONE = -1,
};

/* "docker", "oci", "oci-archive", "docker-archive", "dir", "containers-storage". */
const char *image_transport_to_string(enum image_transport t);
/* The transport of that name, or -EINVAL. */
int image_transport_from_string(const char *s);

struct image_location {
        enum image_transport transport;
        char *input; /* the details as given (for messages and short-name resolution) */
        /* oci, oci-archive, docker-archive, dir: the file or directory. */
        char *path;
        /* oci, oci-archive: the org.opencontainers.image.ref.name, or NULL. */
        char *oci_ref;
        /* docker, docker-archive, containers-storage: the reference,
         * normalised with the default tag; NULL if none was given. */
        struct image_ref *ref;
        /* docker-archive: the @INDEX of an image in the archive, or -1. */
        int archive_index;
        /* containers-storage: the [driver@root+runroot:options] spec
         * (each NULL if absent), the image ID given as "@ID" or alone, and
         * a string that may be a truncated ID of an image in the store
         * (checked before the name, as containers/image does). */
        char *store_driver;
        char *store_root;
        char *store_runroot;
        char **store_options;
        char *image_id;
        char *id_prefix;
};

/* Allocates: parse "transport:details". A string that starts with no
 * transport name is taken as details of dflt ("alpine" is
 * containers-storage:alpine for save, docker://alpine for pull), or
 * refused when dflt is IMAGE_TRANSPORT_NONE. */
int image_location_parse(const char *s, enum image_transport dflt, struct image_location **ret,
                         struct err *e);
void image_location_free(struct image_location *l);
DEFINE_CLEANUP_FUNC(struct image_location *, image_location_free)
/* Allocates: the canonical "transport:details" form. */
char *image_location_to_string(const struct image_location *l);

/* ------------------------------------------------------------------------
 * Blobs: the bytes of a config or layer, read as a stream that is checked
 * against its expected digest and size as it goes. The check happens at
 * the end: the read that returns 0 fails instead with EBADMSG "blob
 * <digest>: digest mismatch: expected ..., got ..." if the bytes were not
 * the ones named, so a consumer commits nothing before it saw that 0.
 * ------------------------------------------------------------------------ */

struct image_blob;

/* Allocates: a blob read from fd's current position (closed at free when
 * own is set). digest and size (NULL and -1: unknown, only computed) are
 * what the bytes must be; name says what the blob is in errors (NULL: the
 * digest). */
struct image_blob *image_blob_from_fd(int fd, bool own, const char *digest, int64_t size,
                                      const char *name);
/* Allocates: a blob over a copy of buf. */
struct image_blob *image_blob_from_buffer(const void *buf, size_t len, const char *digest,
                                          int64_t size, const char *name);
/* A source of bytes for a blob: read returns up to len bytes, 0 at the
 * end, or a negative errno with e set; free releases ctx. */
struct image_blob_reader {
        ssize_t (*read)(void *ctx, void *buf, size_t len, struct err *e);
        void (*free)(void *ctx);
};
/* Allocates: a blob over a reader (ctx is released with the blob). */
struct image_blob *image_blob_from_reader(const struct image_blob_reader *reader, void *ctx,
                                          const char *digest, int64_t size, const char *name);
/* Read up to len bytes; 0 at the verified end; negative on error. */
ssize_t image_blob_read(struct image_blob *b, void *buf, size_t len, struct err *e);
/* Allocates: the whole (rest of the) blob, verified, refusing more than max bytes (EFBIG). */
int image_blob_read_all(struct image_blob *b, size_t max, char **ret, size_t *ret_len,
                        struct err *e);
/* The digest and size the blob must have (NULL / -1 when unknown). */
const char *image_blob_expected_digest(const struct image_blob *b);
int64_t image_blob_expected_size(const struct image_blob *b);
/* After the verified end: the digest of what was read, and its size. */
const char *image_blob_digest(const struct image_blob *b);
uint64_t image_blob_bytes_read(const struct image_blob *b);
void image_blob_free(struct image_blob *b);
DEFINE_CLEANUP_FUNC(struct image_blob *, image_blob_free)
/* Allocates: a blob of inner's bytes decompressed (gzip, zstd, bzip2, xz),
 * itself checked against digest and size (the layer's diff_id; -1 for an
 * unknown size). inner is taken on success. */
int image_blob_decompress(struct image_blob *inner, const char *digest, int64_t size,
                          const char *name, struct image_blob **ret, struct err *e);
/* Allocates: a blob of inner's bytes gzip-compressed (digest and size
 * computed as it is read). inner is taken on success. */
int image_blob_gzip(struct image_blob *inner, const char *name, struct image_blob **ret,
                    struct err *e);

/* ------------------------------------------------------------------------
 * Image sources and destinations: oci:, oci-archive:, docker-archive: and
 * dir: (pure files, image_source_open/image_dest_open), and
 * containers-storage: in an open store (image_*_open_store). docker:// is
 * not served here yet (ENOTSUP).
 * ------------------------------------------------------------------------ */

struct image_source;

/* Allocates: open the image at loc for reading. An oci: layout or
 * archive with several images needs a REF; a docker-archive with several
 * needs a REF or @INDEX. Archives compressed with gzip, zstd, bzip2 or xz
 * are decompressed to a temporary file first. */
int image_source_open(const struct image_location *loc, struct image_source **ret, struct err *e);
void image_source_free(struct image_source *s);
DEFINE_CLEANUP_FUNC(struct image_source *, image_source_free)
/* Allocates: the image's manifest as stored (verified against the digest
 * that names it), with its media type. instance NULL gives the top-level
 * manifest, which may be an index; a digest gives that instance of it. A
 * docker-archive holds no manifest: a Docker schema 2 manifest is made
 * from its manifest.json, as containers/image does. */
int image_source_manifest(struct image_source *s, const char *instance, char **ret_buf,
                          size_t *ret_len, char **ret_media_type, struct err *e);
/* Allocates: a reader for the blob d describes, verified as it streams. */
int image_source_blob(struct image_source *s, const struct image_descriptor *d,
                      struct image_blob **ret, struct err *e);
/* The names the source gives the image (docker-archive RepoTags, the OCI
 * ref name); never NULL, maybe empty. */
char *const *image_source_names(const struct image_source *s);
/* A docker-archive's images: how many, so callers can load them all. */
size_t image_source_image_count(const struct image_source *s);

/* Allocates: open the image loc names (containers-storage:, an ID, a name
 * or name@ID; the store spec in brackets is the caller's business: s is
 * the store to read) in the store s, which must outlive the source. */
int image_source_open_store(struct store *s, const struct image_location *loc,
                            struct image_source **ret, struct err *e);

struct image_dest;

/* Allocates: open loc for writing. oci: adds to an existing layout (an
 * image with the same ref name is replaced); oci-archive: and
 * docker-archive: write a new archive, renamed over the path at commit;
 * dir: empties a directory it made before. */
int image_dest_open(const struct image_location *loc, struct image_dest **ret, struct err *e);
/* Without a commit, an archive being written is dropped, and an oci: or
 * dir: destination gets no index entry or manifest (blobs may remain). */
void image_dest_free(struct image_dest *d);
DEFINE_CLEANUP_FUNC(struct image_dest *, image_dest_free)
/* Allocates: a destination that writes images into the store s (which
 * must outlive it), named after loc's reference when it has one (loc may
 * be NULL), else after the copy's names. Layers are created with podman's
 * IDs and reused when present; the image record gets podman's big data. */
int image_dest_open_store(struct store *s, const struct image_location *loc,
                          struct image_dest **ret, struct err *e);
/* Whether the destination stores manifests of format f (docker-archive:
 * Docker only, OCI layouts: OCI only, dir: both). */
bool image_dest_supports_format(const struct image_dest *d, enum image_format f);
/* The layer compression the destination wants (docker-archive: NONE, OCI
 * layouts: GZIP, dir: UNKNOWN, meaning keep what the source has). */
enum image_compression image_dest_layer_compression(const struct image_dest *d);
/* True if the destination already has the blob (it can be skipped). */
bool image_dest_has_blob(struct image_dest *d, const char *digest);
/* Store a blob from b. Nothing is kept unless b verifies. is_config tells
 * the config from layers (docker-archive stores them differently). The
 * digest and size written are returned (ret_* may be NULL). */
int image_dest_put_blob(struct image_dest *d, struct image_blob *b, bool is_config,
                        char **ret_digest, int64_t *ret_size, struct err *e);
/* Add an image by its manifest (stored as is; its config and layers must
 * have been put). names are the image's references (docker-archive
 * RepoTags; the OCI ref name when the location has none); NULL: the
 * location's. */
int image_dest_put_manifest(struct image_dest *d, const void *buf, size_t len,
                            const char *media_type, char *const *names, struct err *e);
/* Make what was written visible (index.json, manifest.json, the archive). */
int image_dest_commit(struct image_dest *d, struct err *e);

/* ------------------------------------------------------------------------
 * Copying an image between a source and a destination.
 * ------------------------------------------------------------------------ */

struct image_copy_options {
        char *const *names; /* the image's names at the destination (NULL: the source's) */
        const char *os;     /* the instance to copy from an index (NULL: the host's) */
        const char *arch;
        const char *variant;
};

/* Copy one image (the platform's instance of an index) from src to dst,
 * verifying every blob; dst is not committed, so that several images can
 * go into one archive. The manifest stays byte for byte unless its layers
 * change form (dst needs another format or compression, or the store
 * serves plain tars). Allocates *ret_digest (may be NULL): the digest of
 * the manifest written. */
int image_copy(struct image_source *src, struct image_dest *dst, const struct image_copy_options *o,
               char **ret_digest, struct err *e);
