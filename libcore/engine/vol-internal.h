/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vol-internal.h: engine-private pieces of named volumes (vol-*.c).
 *
 * Layout, owned by berth alone (podman keeps its own in <graphroot>/volumes,
 * so same-named volumes of the two tools never share data):
 *
 *   <graphroot>/berth/volumes.lock        one lock for the whole volume set
 *   <graphroot>/berth/volumes/<name>/volume.json   the record (below)
 *   <graphroot>/berth/volumes/<name>/_data         the content
 *
 * volume.json: {"Name", "Driver": "local", "CreatedAt": RFC 3339,
 * "Labels": {}, "Options": {} (what -o gave, plus "UID"/"GID" as podman
 * adds them), "UID"/"GID" (only when set), "Anonymous", "MountCount",
 * "NeedsCopyUp", "NeedsChown"}. It is written atomically under the set lock;
 * a directory without a readable record is skipped by listings (a create
 * that was interrupted), and removed by rm/prune.
 *
 * The set lock is a berth lock, taken after a container's lock and before
 * any storage lock (storage calls take theirs inside and never wait on a
 * berth lock): `create` holds it across store_container_create, and
 * `volume rm` reads containers.json under it. It is never held while a
 * container lock is taken or a process is waited for.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base.h"

struct store;

#define VOL_NAME_MAX 255
#define VOL_RECORD "volume.json"
#define VOL_DATA "_data"
#define VOL_RECORD_MAX (1u << 20)

/* Options of the local driver, parsed from -o KEY[=VALUE]. */
struct vol_options {
        struct json *options; /* the record's "Options" (owned) */
        bool has_uid, has_gid;
        uint32_t uid, gid;
        bool nocopy;
        /* What a mount at container start needs (needs_mount). */
        bool needs_mount;
        char *type, *device;
        unsigned long mount_flags; /* MS_* from o= */
        char *mount_data;          /* the rest of o=, for mount(2) */
};

/* Parse local-driver options (type=, device=, o=, copy, nocopy) as podman
 * 4.3 accepts them; o= may carry uid=, gid=, size= (tmpfs only) and mount(8)
 * options. Errors name the option and its value. */
int vol_options_parse(char *const *opts, struct vol_options *ret, struct err *e);
/* The same from a record's "Options" object (already validated once). */
int vol_options_from_record(const struct json *options, struct vol_options *ret, struct err *e);
void vol_options_done(struct vol_options *o);

/* podman's rule [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most VOL_NAME_MAX bytes. */
int vol_name_check(const char *name, struct err *e);

/* Allocates: --label KEY[=VALUE] values as a JSON object (last one wins). */
int vol_labels_parse(char *const *labels, struct json **ret, struct err *e);

/* Paths of the volume set of a store. */
struct vol_paths {
        char *root; /* <graphroot>/berth/volumes */
        char *lock; /* <graphroot>/berth/volumes.lock */
};
void vol_paths_init(struct store *s, struct vol_paths *ret);
void vol_paths_done(struct vol_paths *p);

/* The set lock, opened and held for writing (mkdir -p of the root first). */
int vol_lock(const struct vol_paths *p, struct lockfile **ret, struct err *e);
/* Allocates: the record of a volume (by exact name), ENOENT if none. */
int vol_record_load(const struct vol_paths *p, const char *name, struct json **ret, struct err *e);
/* Write a record atomically (under the lock). */
int vol_record_save(const struct vol_paths *p, const struct json *rec, struct err *e);
/* Allocates: names of every volume with a readable record, sorted. */
int vol_names(const struct vol_paths *p, char ***ret, struct err *e);
/* Allocates: the name a user's word means: an exact name, else a unique
 * prefix (podman's partial match); ENOENT / EINVAL (several) otherwise. */
int vol_lookup(const struct vol_paths *p, const char *word, char **ret, struct err *e);
/* Whether path is the root of a mount (statx's STATX_ATTR_MOUNT_ROOT). */
bool vol_is_mount_root(const char *path);
/* Remove a volume's directory (unmounting _data first, never removing
 * through a mount), its content included. */
int vol_dir_remove(const struct vol_paths *p, const char *name, struct err *e);
/* Remove dirfd/name recursively, without following links; ENOENT is fine. */
int vol_rm_rf(int dirfd, const char *name, int depth, struct err *e);

/* Allocates: podman's inspect object of the volume a word names. */
int vol_inspect_word(const struct vol_paths *p, const char *word, struct json **ret, struct err *e);
struct engine_volume;
/* Set v's needs_* flags from its record. */
void vol_flags_from_record(struct engine_volume *v, const struct json *rec);

/* The set lock of a store's volumes, held for writing: `create` holds it
 * from resolving its volumes until the container's config.json names them,
 * so `volume rm` (which looks for users under it) sees the container or
 * runs before it. Lock order: a container's lock, then this one, then
 * storage locks (inside storage calls). */
int vol_set_lock(struct store *s, struct lockfile **ret, struct err *e);
/* engine_volume_get_or_create with the set lock already held (held: the
 * lock from vol_set_lock; NULL: take and release it here). */
int vol_get_or_create_held(struct store *s, const char *name, struct lockfile *held,
                           struct engine_volume **ret, struct err *e);

/* Take the set lock of v and load its record. */
int vol_begin_locked(struct engine_volume *v, struct lockfile **ret_lock, struct json **ret_rec,
                     struct err *e);
/* Save a record changed under the lock and refresh v's flags. */
int vol_commit(struct engine_volume *v, struct json *rec, struct err *e);

/* Allocates: the IDs of berth containers whose config.json mounts data_dir
 * (or a path under it), from a snapshot of containers.json. */
int vol_users(struct store *s, const char *data_dir, char ***ret, struct err *e);

/* Whether :U must refuse to chown path ("/", "/etc", "/usr", the home
 * directory, ... as containers/common lists them). */
bool vol_chown_dangerous(const char *path);
/* Give path and everything under it on the same file system to uid:gid,
 * never following a symlink. */
int vol_chown_tree(const char *path, uid_t uid, gid_t gid, struct err *e);

/* Copy the tree at src_dirfd into the empty directory dst_dirfd: files,
 * directories, symlinks (as links, never followed), hard links, fifos and
 * devices where allowed, owners, modes, times and xattrs where possible.
 * Also gives dst the owner and mode of src. */
int vol_copy_tree(int src_dirfd, int dst_dirfd, struct err *e);
