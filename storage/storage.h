/* SPDX-License-Identifier: Apache-2.0 */
/*
 * storage.h: berth's storage library, on disk compatible with
 * containers/storage 1.43 (podman 4.3, buildah 1.28, skopeo 1.9) for the
 * overlay and vfs drivers. STORAGE-FORMAT.md describes the format.
 *
 * Records (layers.json, images.json, containers.json entries) are handled
 * as JSON objects, so that keys berth does not know survive a rewrite.
 * Every operation takes the store's fcntl locks in containers/storage's
 * order (storage, layers, mountpoints, images, containers), reloads what
 * another writer changed, writes atomically, renews the last-writer token
 * and unlocks before returning: no lock is held between calls.
 */
#pragma once

#include "base.h"

/* ---------------------------------------------------------------- driver */

/* The drivers berth implements. */
bool storage_driver_known(const char *name);

/* The driver to use for a store: the configured one if set (overlay2 means
 * overlay), else the one containers/storage 1.43 would pick: a single prior
 * driver directory in graphroot, else overlay where the kernel and backing
 * filesystem support it, else vfs. Allocates *ret_driver. */
int storage_driver_choose(const struct storage_conf *sc, char **ret_driver, struct err *e);

/* Allocates: a JSON object describing the backing filesystem of graphroot
 * the way `podman info` shows graphStatus ("Backing Filesystem", ...). */
struct json *storage_driver_status(const char *driver, const char *graphroot);

/* ---------------------------------------------------------------- store */

struct store;

/* Open (creating its directories and lock files as containers/storage
 * does) the store that sc describes. rootless selects the user.overlay.*
 * xattr names and `userxattr`; the caller must already be inside the
 * user's namespace (see userns in base.h). */
int store_open(const struct storage_conf *sc, bool rootless, struct store **ret, struct err *e);
/* Release the store; unmounts nothing that is counted in mountpoints.json. */
void store_free(struct store *s);
/* What a container delete removes (its layer's and its own directories)
 * is moved aside at once under the store's locks and its files removed
 * after them. With background set, that last part is left to a child
 * process that store_free starts and nobody waits for (a command line
 * tool's prompt comes back without it; a sweep removes what a killed
 * child left); else the delete removes them before it returns. */
void store_set_background_discard(struct store *s, bool background);
DEFINE_CLEANUP_FUNC(struct store *, store_free)

const char *store_driver(const struct store *s);
const char *store_graphroot(const struct store *s);
const char *store_runroot(const struct store *s);

/* Allocates: snapshots of the record arrays, read under their locks. */
int store_layers(struct store *s, struct json **ret, struct err *e);
int store_images(struct store *s, struct json **ret, struct err *e);
int store_containers(struct store *s, struct json **ret, struct err *e);
/* store_containers for one pass over all records: the store hands over its
 * copy instead of copying it, and reads the file again when next asked. */
int store_containers_take(struct store *s, struct json **ret, struct err *e);
/* Allocates: mountpoints.json's records ({"id", "path", "count"}), read under its lock. */
int store_mounts(struct store *s, struct json **ret, struct err *e);

/* ---------------------------------------------------------------- layers */

/* Allocates: the ID containers/image gives a pulled layer: the diff_id's hex
 * for a base layer, sha256("<parent-id>+<diff_id hex>") for a child. */
char *storage_layer_chain_id(const char *parent_id, const char *diff_id);

/* A layer extracted to a staging directory of the store (same filesystem,
 * outside the driver's directory, no record yet) and synced to disk. */
struct staged_layer;

struct staged_layer_info {
        const char *compressed_digest; /* of the bytes read */
        int64_t compressed_size;
        const char *diff_digest;       /* of the uncompressed tar (the diff_id) */
        int64_t diff_size;
        int compression;               /* 0 none, 2 gzip, 4 zstd (containers/storage values) */
};

/* Extract the tar stream read from fd (plain, gzip or zstd) as a child of
 * parent_id (NULL for a base layer), computing digests and tar-split data
 * in the same pass. Does not take the layers lock except to read the
 * parent's record. If expected_diff_id is set, a mismatch fails with
 * EBADMSG ("digest mismatch") and nothing is kept. */
int store_layer_stage(struct store *s, const char *parent_id, int fd,
                      const char *expected_diff_id, struct staged_layer **ret, struct err *e);

/* What store_layer_stage_with checks and how it places the layer. */
struct store_stage_opts {
        const char *parent_id;        /* NULL: a base layer */
        const char *expected_diff_id; /* of the uncompressed tar, or NULL */
        /* Of the bytes read from fd (a "sha256:" digest), or NULL: lets a
         * caller that streams a blob with a known digest leave its check
         * to the store, which hashes those bytes anyway. A mismatch fails
         * with EBADMSG ("digest mismatch"), also when the bytes were
         * unusable before their end, and nothing is kept. */
        const char *expected_digest;
        /* The parent may still be being staged (it must be committed before
         * this layer is): only where store_layer_stage_detached() says so. */
        bool parent_pending;
};
/* store_layer_stage with options; safe to call from several threads on
 * one store (each stage has its own directory). */
int store_layer_stage_with(struct store *s, int fd, const struct store_stage_opts *o,
                           struct staged_layer **ret, struct err *e);
/* Whether the driver can stage a layer before its parent is committed
 * (overlay: a layer's files do not depend on its parent's; vfs: a layer
 * starts as a copy of its parent). */
bool store_layer_stage_detached(const struct store *s);
const struct staged_layer_info *staged_layer_info(const struct staged_layer *sl);
/* Removes the staging directory unless the layer was committed. */
void staged_layer_free(struct staged_layer *sl);
DEFINE_CLEANUP_FUNC(struct staged_layer *, staged_layer_free)

/* Record a staged layer as id (NULL: storage_layer_chain_id of its parent
 * and diff_id) in one short locked step: rename into the driver directory,
 * write the tar-split file, append the record. If a layer with that id
 * already exists the staged copy is dropped and the existing one kept.
 * Allocates *ret_id. */
int store_layer_commit(struct store *s, struct staged_layer *sl, const char *id,
                       char *const *names, char **ret_id, struct err *e);

/* Create an empty layer over parent (a container's read-write layer) with
 * a random ID. Allocates *ret_id. */
int store_layer_create_empty(struct store *s, const char *parent_id, char *const *names,
                             char **ret_id, struct err *e);
/* Allocates: the record of a layer, or NULL with ENOENT. */
int store_layer_get(struct store *s, const char *id, struct json **ret, struct err *e);
/* Delete a layer that no image, container or child layer uses. */
int store_layer_delete(struct store *s, const char *id, struct err *e);

/* Write the layer's tar exactly as it was applied (reassembled from its
 * tar-split data and files, CRC-checked), uncompressed, to fd. */
int store_layer_tar(struct store *s, const char *id, int fd, struct err *e);
/* Write a tar of what the layer changes relative to its parent (overlay:
 * its upper dir, whiteouts as .wh. files; vfs: a naive diff) to fd. */
int store_layer_diff(struct store *s, const char *id, int fd, struct err *e);
/* Allocates: what store_layer_diff would write, as podman's `diff` lists
 * it: [{"Path": "/etc", "Kind": 0}, ...] (Kind 0 changed, 1 added, 2
 * deleted: containers/storage's archive.ChangeType), a directory before
 * what it holds. A path is changed when one of the parent layers has it. */
int store_layer_changes(struct store *s, const char *id, struct json **ret, struct err *e);
/* Write a tar of the layer's whole tree, its parents' files merged in and
 * no whiteouts (the single layer of a squashed commit), mounting it for
 * the time it takes. */
int store_layer_flat_tar(struct store *s, const char *id, int fd, struct err *e);

/* Mount a layer (counted in mountpoints.json; mounts survive this process)
 * and return its path; unmount drops one count, or all with force. */
int store_layer_mount(struct store *s, const char *id, bool ro, char **ret_path, struct err *e);
int store_layer_unmount(struct store *s, const char *id, bool force, struct err *e);

/* ---------------------------------------------------------------- images */

struct image_spec {
        const char *id;         /* hex of the config digest */
        const char *top_layer;  /* NULL for a manifest list */
        char *const *names;     /* full references */
        const char *digest;     /* manifest digest, may be NULL */
        const char *created;    /* RFC 3339, from the config */
        const char *metadata;   /* may be NULL */
};

/* Create an image record; if the ID exists, add the names to it instead.
 * *ret_created tells which happened. Names move from any other image. */
int store_image_create(struct store *s, const struct image_spec *spec, bool *ret_created,
                       struct err *e);
/* Store big data under key (file name: the key, or "=" + base64 of it). */
int store_image_set_big_data(struct store *s, const char *id, const char *key, const void *data,
                             size_t len, struct err *e);
/* Allocates: big data of an image. */
int store_image_big_data(struct store *s, const char *id, const char *key, char **ret,
                         size_t *ret_len, struct err *e);
/* Allocates: the record of the image that ref names: a full ID, a unique
 * ID prefix, or one of its names; ENOENT if none. */
int store_image_lookup(struct store *s, const char *ref, struct json **ret, struct err *e);
int store_image_add_names(struct store *s, const char *id, char *const *names, struct err *e);
int store_image_remove_names(struct store *s, const char *id, char *const *names, struct err *e);
/* Delete an image and every layer of its chain that nothing else uses.
 * Allocates *ret_removed_layers (may be NULL). */
int store_image_delete(struct store *s, const char *id, char ***ret_removed_layers,
                       struct err *e);

/* ---------------------------------------------------------------- containers */

struct container_spec {
        const char *id;       /* NULL: random (store_new_id) */
        char *const *names;
        const char *image_id; /* NULL or "" for a container without image */
        const char *metadata;
        const struct json *flags;
};

/* Allocates: a new random ID, 64 hex digits, as the storage makes them
 * (for a caller that needs a container's ID before it exists). */
char *store_new_id(void);
/* Create a container record with a read-write layer over the image's top
 * layer, and its userdata directories in graphroot and runroot. */
int store_container_create(struct store *s, const struct container_spec *spec,
                           struct json **ret, struct err *e);
int store_container_delete(struct store *s, const char *id, struct err *e);
/* Allocates: the record ref names (ID, name, then a unique ID prefix);
 * ENOENT, or EINVAL for an ambiguous prefix. */
int store_container_get(struct store *s, const char *ref, struct json **ret, struct err *e);
int store_container_mount(struct store *s, const char *id, char **ret_path, struct err *e);
int store_container_unmount(struct store *s, const char *id, bool force, struct err *e);
/* Replace a container record's names (and its metadata's "name"), under the
 * containers lock; EEXIST names the container that has one of them. */
int store_container_set_names(struct store *s, const char *id, char *const *names, struct err *e);
/* Record a container's user namespace mappings as containers/storage does
 * ("uidmap"/"gidmap": [{"container_id", "host_id", "size"}]), so podman and
 * berth see the ranges that --userns=auto took. */
int store_container_set_idmaps(struct store *s, const char *id, const struct json *uidmap,
                               const struct json *gidmap, struct err *e);
/* Whether a container record was made by berth ("berth": true in the JSON
 * text of its metadata); berth leaves podman's and buildah's alone. */
bool store_container_is_berth(const struct json *rec);
/* Allocates: <graphroot>/<drv>-containers/<id>/userdata and the runroot one. */
char *store_container_dir(const struct store *s, const char *id);
char *store_container_run_dir(const struct store *s, const char *id);
/* An O_PATH descriptor of <graphroot or runroot>/<drv>-containers, under
 * which a container's userdata is "<id>/userdata"; -1 with errno set. */
int store_containers_dirfd(const struct store *s, bool run);

/* ---------------------------------------------------------------- maintenance */

/* What store_check looks for and what it may remove (podman 5's `system
 * check` flags). */
struct store_check_opts {
        bool repair; /* remove what is damaged, unless a container uses it */
        bool force;  /* repair, and first remove the containers (any tool's)
                        that use damaged images or layers */
        bool quick;  /* skip reassembling every layer to compare its digest */
        /* Seconds a layer that no image or container uses may exist
         * before it counts as a leftover (STORE_CHECK_MAX_AGE: podman's
         * 24h, so a pull or load in progress is never taken for one). */
        int64_t max_age;
};
#define STORE_CHECK_MAX_AGE ((int64_t)24 * 3600)

/* Find orphaned layer directories, incomplete, broken, damaged and old
 * unreferenced layers, images with missing or damaged layers, containers
 * without image or layer, stale staging dirs; with repair, remove them
 * (o NULL: check only, defaults). Allocates a JSON report with the bytes
 * reclaimed (or reclaimable) and what repair kept. */
int store_check(struct store *s, const struct store_check_opts *o, struct json **ret_report,
                struct err *e);
/* Remove everything in the store, as `podman system reset` does. */
int store_wipe(struct store *s, struct err *e);
