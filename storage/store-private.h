/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to storage/: the store handle, the record files under their lock
 * files, the graph drivers and the small helpers they share. Nothing here
 * is seen outside storage/.
 */
#pragma once

#include <pthread.h>
#include <sys/stat.h>

#include "storage.h"

/* ---------------------------------------------------------------- records */

/* One JSON array file (layers.json, images.json, containers.json,
 * mountpoints.json) and the lock file that guards it. The cached array is
 * only trusted while the lock is held and was reloaded under it. */
struct records {
        char *path;            /* the JSON file */
        struct lockfile *lock; /* kept open for the life of the store (OFD lock) */
        struct json *arr;      /* cache; NULL until first loaded */
        bool check_mtime;      /* layers.json: reload on mtime change too */
        struct stat st;        /* file identity when last loaded or saved */
        bool have_st;
        bool dirty; /* modified in memory since the last save */
        bool volatile_state; /* in the runroot (mountpoints.json): saved without fsync */
        bool relaxed; /* the next save need not outlive a crash (fs_write_atomic_intact):
                         it only records a --rm container's coming or going */
};

int records_init(struct records *r, const char *path, const char *lock_path, bool check_mtime,
                 struct err *e);
void records_done(struct records *r);
/* Take the write lock and make r->arr current (reloading when another
 * writer changed it). A file that does not parse is an error naming it:
 * berth never overwrites a file it could not read. */
int records_lock(struct records *r, struct err *e);
/* The same with a read lock, for snapshots. */
int records_rlock(struct records *r, struct err *e);
/* With the write lock held: write r->arr atomically (0600, compact, no
 * newline) and renew the last-writer token. */
int records_save(struct records *r, struct err *e);
/* Save if marked dirty, then unlock; on an error the cache is dropped so the
 * next lock reloads what is on disk. Returns the first error. */
int records_unlock(struct records *r, struct err *e);
/* Drop the lock without saving, forgetting unsaved changes. */
void records_abort(struct records *r);

/* Index of the record whose "id" is id, or -1. */
ssize_t records_find(const struct json *arr, const char *id);
/* Record by exact id, else by exact name, else by unique id prefix.
 * Returns the index, -ENOENT, or -EINVAL when a prefix is ambiguous. */
ssize_t records_lookup(const struct json *arr, const char *ref);
/* Remove (freeing) the element at index i, keeping the order of the rest. */
void records_remove_at(struct json *arr, size_t i);
/* Put known keys of obj in the order Go's struct declares them (unknown
 * keys follow in their own order), so our output matches Go's byte for byte. */
void record_order_keys(struct json *obj, const char *const *order);
/* A string array member as a strv (NULL when absent or empty). Allocates. */
char **record_strv(const struct json *obj, const char *key);
/* Set a string array member; removes the key when v is empty (omitempty). */
void record_set_strv(struct json *obj, const char *key, char *const *v);
/* Add name to the string array member key (creating it) unless present. */
void record_strv_add(struct json *obj, const char *key, const char *name);
/* Remove name from the string array member key; drops an emptied key. */
bool record_strv_remove(struct json *obj, const char *key, const char *name);
bool record_strv_has(const struct json *obj, const char *key, const char *name);

/* ---------------------------------------------------------------- drivers */

struct store;

struct driver_ops {
        const char *name;
        /* Build the driver's directory for a new layer over parent_id (NULL:
         * base layer) at dirfd/name (a staging directory), without touching
         * the driver home. */
        int (*prepare)(struct store *s, const char *parent_id, int dirfd, const char *name,
                       struct err *e);
        /* For a layer prepared as a base layer and staged before its
         * parent was committed (NULL: the driver cannot stage so): with
         * the layers lock held and the parent committed, make dirfd/name
         * what prepare would have made over parent_id, given whether the
         * tar set the root's mode and the directories that would have
         * inherited its setgid bit; durable on return. */
        int (*adopt_parent)(struct store *s, const char *parent_id, int dirfd, const char *name,
                            bool root_set, char *const *inherit_dirs, struct err *e);
        /* With the layers lock held: move the prepared directory into the
         * driver home as layer id and make it reachable (overlay: l/ link). */
        int (*install)(struct store *s, const char *id, int dirfd, const char *name, struct err *e);
        /* With the layers lock held: remove the layer's directory (through
         * store_discard); adds the bytes freed to *freed when not NULL. */
        int (*remove)(struct store *s, const char *id, uint64_t *freed, struct err *e);
        /* Allocates: the directory holding the layer's files as applied
         * (overlay: <id>/diff, vfs: dir/<id>). */
        char *(*files_dir)(const struct store *s, const char *id);
        /* Allocates: the layer's directory in the driver home. */
        char *(*layer_dir)(const struct store *s, const char *id);
        /* With storage.lock and layers.lock held: mount (or just resolve)
         * the layer (flags: STORE_MOUNT_*); the path is what mountpoints.json
         * records. */
        int (*mount)(struct store *s, const char *id, unsigned flags, char **ret_path,
                     struct err *e);
        /* deleting: the layer's directory goes next, nothing to tidy in
         * it (overlay keeps merged/, which it removes otherwise) */
        int (*unmount)(struct store *s, const char *id, bool deleting, struct err *e);
        /* Undo driver-wide state once nothing is mounted (overlay: the
         * private self-bind of the home). */
        int (*cleanup)(struct store *s, struct err *e);
        /* With the layers lock held: check the layer's driver metadata
         * (overlay: link, l/ symlink, lower) against its parent's; with
         * repair, rewrite what is wrong. Sets *ret_problem (allocated)
         * when something was wrong. NULL for drivers without metadata. */
        int (*check)(struct store *s, const char *id, const char *parent, bool repair,
                     char **ret_problem, struct err *e);
};

extern const struct driver_ops driver_overlay;
extern const struct driver_ops driver_vfs;

/* ---------------------------------------------------------------- store */

struct store {
        /* One operation at a time per handle: OFD locks belong to the open
         * file description, so two threads of one process would not exclude
         * each other through them. */
        pthread_mutex_t mu;
        char *driver;
        char *graphroot;
        char *runroot;
        char *home; /* <graphroot>/<driver> */
        bool rootless;
        char *mount_program; /* fuse-overlayfs or the like, NULL for native overlay */
        const struct driver_ops *ops;
        struct lockfile *storage_lock;
        struct records layers;
        struct records mounts; /* mountpoints.json in runroot */
        struct records images;
        struct records containers;
        bool staging_swept; /* stale stages of dead processes removed (atomic) */
        /* store_discard: while discarding is set, removed trees go into the
         * trash (made on first use), emptied by store_discard_done or, with
         * discard_background, by a child of store_free. */
        bool discarding;
        bool discard_background;
        struct staging_trash *trash;
};

/* Store-relative paths. Allocate. */
char *store_path(const struct store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* <graphroot>/<drv>-layers/<id>.tar-split.gz */
char *store_tarsplit_path(const struct store *s, const char *id);
/* <graphroot>/berth/staging: the stages' lock files (<rnd>.lock) and
 * their tar-split files (<rnd>/tar-split.gz); vfs stages layers here too. */
char *store_staging_root(const struct store *s);
/* Where layer directories are staged (<rnd>/layer) and where check moves
 * orphans aside (trash-<rnd>/): overlay: <graphroot>/overlay/.berth-staging,
 * inside the driver home, so the rename into overlay/<id> never crosses
 * podman's self-bind of the home (STORAGE-FORMAT §2.3, T14); the name can
 * never be a layer ID and podman only looks at layer dirs by ID. vfs: the
 * staging root. Each entry lives exactly while <staging root>/<rnd>.lock
 * is locked. */
char *store_layer_staging_root(const struct store *s);

/* staging-sweep.c. Remove (repair) or measure the stages and trash dirs
 * whose owner is dead, i.e. whose lock file nobody holds (a live owner
 * holds it from before its directories exist until after they are gone),
 * without store locks. Appends their names to *ret_names and their size
 * to *bytes when not NULL. */
void staging_sweep(struct store *s, bool repair, char ***ret_names, uint64_t *bytes);
/* A locked, empty trash directory <layer staging root>/trash-<rnd>, for
 * orphans moved aside under the store locks; staging_trash_free removes it
 * (adding the bytes freed) and then its lock. */
struct staging_trash {
        char *root;
        char *name;
        int dirfd;
        int graph_dirfd; /* <staging root>/<name>, made on first use; -1 */
        struct lockfile *lock;
};
int staging_trash_new(struct store *s, struct staging_trash **ret, struct err *e);
void staging_trash_free(struct staging_trash *t, uint64_t *freed);
/* Create <lroot>/<name> (0700) for a stage whose lock is held, recreating
 * lroot when a sweep removed it meanwhile. */
int staging_mkdir(const char *lroot, const char *name, struct err *e);
/* Best effort: remove the layer staging root when it is empty and is not
 * the staging root (so podman's recreateSymlinks rarely meets it). */
void staging_rmdir_lroot(const struct store *s);

/* Lock helpers that follow the order storage → layers (→ mountpoints) →
 * images → containers. `mask` selects which are taken; store_unlock_all
 * releases in reverse order and saves dirty record files. */
enum {
        LK_STORAGE = 1 << 0,
        LK_LAYERS = 1 << 1,
        LK_MOUNTS = 1 << 2,
        LK_IMAGES = 1 << 3,
        LK_CONTAINERS = 1 << 4,
        /* Leave layers flagged incomplete alone (store_check reports them). */
        LK_KEEP_INCOMPLETE = 1 << 8,
};
int store_lock(struct store *s, unsigned mask, struct err *e);
int store_unlock(struct store *s, unsigned mask, struct err *e);
/* After store_wipe: re-create the layout and reopen the lock files. */
int store_reinit(struct store *s, struct err *e);

/* ---------------------------------------------------------------- helpers */

/* Allocates: the time now as Go's RFC3339Nano in UTC ("...T12:00:00.5Z"). */
char *storage_time_now(void);
/* Allocates: 64 random hex characters. */
char *storage_random_id(void);
/* Fill buf with random bytes (getrandom). */
int storage_random_bytes(void *buf, size_t len, struct err *e);
/* Allocates: standard base64 with padding. */
char *storage_base64(const void *data, size_t len);
/* Allocates: the file name containers/storage gives a big-data key. */
char *storage_big_data_name(const char *key);

/* Remove a tree (dirfd/name) without crossing into other mounts (EBUSY
 * instead) or following symlinks; ENOENT is success. Adds the bytes of
 * the inodes whose last link went to *freed when not NULL. */
int storage_rm_rf(int dirfd, const char *name, uint64_t *freed, struct err *e);
/* staging-sweep.c. Remove dirfd/name (a tree) for a delete: while
 * s->discarding it is renamed into the store's trash (in_home: a layer
 * directory in the driver home; else a directory elsewhere in the
 * graphroot), which a rename does in one step, whatever its size; the
 * trash is emptied after the store's locks are released
 * (store_discard_done). Removed at once otherwise, when *freed is to be
 * counted, and when the rename cannot be done (another mount). */
int store_discard(struct store *s, int dirfd, const char *name, bool in_home, uint64_t *freed,
                  struct err *e);
/* After a discarding delete, without store locks: empty the trash now, or
 * leave it to store_free when s->discard_background. */
void store_discard_done(struct store *s);
/* Before the file at path is replaced: a second link to it in the trash, if
 * there is one on its file system, so that its blocks are freed with the
 * trash and not at the rename (staging-sweep.c). */
void store_trash_keep(struct store *s, const char *path);
/* store_free's part: remove the trash in a child of its own session (stdio
 * on /dev/null, nothing else open but the trash and its lock), which the
 * caller does not wait for; its lock keeps the trash from a sweep while
 * the child lives, and a sweep removes it if the child dies. */
void store_discard_background(struct store *s);
/* Copy the tree at srcfd into the new directory dstfd/name, keeping owners,
 * modes, times, xattrs, hard links, symlinks and device nodes, cloning file
 * data (FICLONE) where the filesystem can. */
int storage_copy_tree(int srcfd, int dstfd, const char *name, struct err *e);
/* Space a tree occupies on disk (st_blocks), without crossing mounts. */
uint64_t storage_tree_size(int dirfd, const char *name);

/* Whether path is a mount point in this mount namespace (mountinfo). */
bool storage_is_mountpoint(const char *path);
/* Allocates: the mount points at or below dir, deepest first. */
char **storage_mounts_under(const char *dir);

/* ---------------------------------------------------------------- layers */

/* With the layers lock held: delete layer id (mounted or not, in use or
 * not: the caller checks), the crash-safe way: flag incomplete and save,
 * unmount, remove the driver dir, l/ link, tar-split, then the record.
 * Needs storage.lock, layers.lock and mountpoints.lock. */
int layer_delete_locked(struct store *s, const char *id, uint64_t *freed, struct err *e);
/* layer_delete_locked for a volatile container's layer: no incomplete
 * mark is saved first. A crash leaves the record (with the container's),
 * which a delete removes; the layer was never to outlive a crash. */
int layer_delete_relaxed_locked(struct store *s, const char *id, struct err *e);
/* With storage, layers and mountpoints locked: delete every layer flagged
 * incomplete, as podman does whenever it loads layers.json under the write
 * lock (a crash leftover: layers being created are never flagged). */
void layers_remove_incomplete(struct store *s);
/* With layers, images and containers loaded: whether anything refers to
 * layer id (an image's layer/mapped-layers, a container's layer, another
 * layer's parent). Sets *ret_user to a description when not NULL. */
bool layer_in_use(struct store *s, const char *id, char **ret_user);
/* With the layers lock held: reassemble layer id from its tar-split data
 * and files and compare with its diff-digest and diff-size (layers
 * without a diff-digest pass). Returns 1 and sets *ret_problem
 * (allocated) when they differ or it cannot be read back, else 0. */
int layer_verify_locked(struct store *s, const char *id, char **ret_problem);
/* With storage, layers and mountpoints locked: unmount layer id
 * completely if it is counted as mounted, as its deletion begins. */
int mount_release_all(struct store *s, const char *id, struct err *e);
/* Mount count recorded for id (mountpoints lock held). */
int64_t mount_count(struct store *s, const char *id);
/* With the locks held: mount/unmount with counting (mounts.c). */
enum {
        STORE_MOUNT_RO = 1 << 0,
        STORE_MOUNT_VOLATILE = 1 << 1, /* overlay's "volatile": no syncs to the upper dir */
};
int mount_layer_locked(struct store *s, const char *id, unsigned flags, char **ret_path,
                       struct err *e);
int unmount_layer_locked(struct store *s, const char *id, bool force, struct err *e);

/* With storage, layers, mountpoints, images and containers locked: delete
 * a container record, its layer (unless something else uses it) and its
 * userdata directories. */
int container_delete_locked(struct store *s, const char *ref, struct err *e);

/* With storage, layers, mountpoints, images and containers locked: delete
 * an image no container uses and each layer of its chain that nothing
 * else uses (appended to *removed), adding the bytes freed to *freed
 * when not NULL. */
int image_delete_locked(struct store *s, const char *ref, char ***removed, uint64_t *freed,
                        struct err *e);

/* Key orders of Go's structs. */
extern const char *const layer_key_order[];
extern const char *const image_key_order[];
extern const char *const container_key_order[];

/* staging.c: a prepared, empty layer directory for store_layer_create_empty. */
struct staged_layer *staged_layer_new_empty(struct store *s, const char *parent_id, struct err *e);
/* A volatile container's layer: installed without syncing the driver home
 * first. Its record is saved relaxed (the file synced, its directory not);
 * on a journaling filesystem syncing that file commits the earlier rename
 * with it (ext4's and xfs's fsync commit the metadata logged before). Where
 * nothing orders them (ext4 without a journal, as on these VMs) a crash
 * can leave the record without the directory: a container that was never
 * to outlive a crash, which rm removes as any broken one (a missing
 * directory is removed; the stage it came from is swept). */
void staged_layer_set_relaxed(struct staged_layer *sl);
/* With the store locked, after sl was installed: its (now empty, locked)
 * directories become the store's trash, if it has none and discards in the
 * background (staging.c); false if not. */
bool staged_layer_to_trash_locked(struct staged_layer *sl);
/* With storage and layers locked: install sl as id with names and append
 * its record to s->layers (not saved). */
int staged_layer_install_locked(struct store *s, struct staged_layer *sl, const char *id,
                                char *const *names, struct err *e);
