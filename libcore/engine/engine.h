/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.h: berth's engine library: what the CLI commands call. This step
 * holds `version` and `info`; containers, volumes and logs follow.
 */
#pragma once

#include "base.h"

/* Allocates: berth's version as podman's `version --format json` shapes it
 * ({"Client": {...}}). */
struct json *engine_version(void);

/* Allocates: host, store, registries and version facts shaped like
 * `podman info --format json`, plus berth's own "configFiles" list. */
int engine_info(const struct config *cfg, struct json **ret, struct err *e);

/* ---------------------------------------------------------------- store */

struct store;
/* Open the store the configuration describes (graphroot, runroot, driver). */
int engine_store_open(const struct config *cfg, struct store **ret, struct err *e);

/* ---------------------------------------------------------------- images */

struct images_opts {
        bool all;      /* include intermediate images */
        char **filter; /* dangling=, reference=, label=, before=, since=, id= */
};

/* Allocates: the images as podman's `images --format json` lists them,
 * newest first. */
int engine_images_list(struct store *s, const struct images_opts *o, struct json **ret,
                       struct err *e);
/* Allocates: one row per image name (or one "<none>" row) for templates and
 * tables, with the fields podman's templates use (ID, Repository, Tag,
 * Digest, Created, CreatedAt, CreatedSince, Size, ...). */
struct json *engine_images_rows(const struct json *items, bool no_trunc);
/* The default table and its headers for `images`. */
extern const char engine_images_table[];
extern const char engine_images_table_digests[];
/* Allocates: headers for the images table. */
struct json *engine_images_headers(void);

/* Find the image a user names: a full or short ID (with or without
 * "sha256:"), a full reference, or a short name matched as podman does
 * (localhost/NAME, then any registry's NAME with the same tag). Allocates
 * the image's record. */
int engine_image_find(struct store *s, const char *name, struct json **ret, struct err *e);
/* Allocates: the full name berth stores for a name a user gives to an image:
 * short names go under localhost/ as podman does; the tag defaults to latest. */
int engine_image_name_normalize(const char *name, char **ret, struct err *e);
/* Allocates: which of an image record's names a name the user typed means
 * (the full reference, its localhost/ form, or a short-name match), or NULL. */
char *engine_image_stored_name(const struct json *img, const char *typed);
int engine_image_tag(struct store *s, const char *image, char *const *new_names, struct err *e);
/* Remove names; none given removes all names of the image. */
int engine_image_untag(struct store *s, const char *image, char *const *names, struct err *e);

struct rmi_opts {
        bool force;
        bool all;
        bool ignore_missing; /* names that match no image are skipped (rmi -i) */
};
/* Remove images (or only the name a user gave, when the image has others),
 * appending "Untagged: ..." and "Deleted: ..." lines to out as podman
 * prints them. Every name is attempted: the first failure is returned in e
 * (ENOENT: not known, EBUSY: in use), later ones appended to
 * *ret_more_errors. */
int engine_images_remove(struct store *s, char *const *names, const struct rmi_opts *o,
                         struct sbuf *out, char ***ret_more_errors, struct err *e);

/* Allocates: podman's `image inspect` object for an image. */
int engine_image_inspect(struct store *s, const char *name, struct json **ret, struct err *e);

/* Apply one Dockerfile-style change ("CMD=...", "ENV K=V", "EXPOSE 80/tcp",
 * ...) to an image config's "config" object. */
int engine_config_apply_change(struct json *config, const char *change, struct err *e);

struct import_opts {
        const char *source;   /* a tar file, "-" for stdin */
        const char *ref;      /* name for the image, may be NULL */
        char **changes;       /* Dockerfile-style instructions: CMD=..., ENV=..., ... */
        const char *message;  /* history comment */
};
/* Create an image from a filesystem tar. Allocates *ret_id. */
int engine_image_import(struct store *s, const struct import_opts *o, char **ret_id,
                        struct err *e);

/* ---------------------------------------------------------------- transfer */

/* Load every image of an archive or layout (docker-archive, oci-archive,
 * an OCI layout or a dir: directory, detected; "-" reads stdin) into the
 * store. Allocates *ret_names: the names (or IDs) of what was loaded. */
int engine_image_load(struct store *s, const char *input, char ***ret_names, struct err *e);

enum save_format {
        SAVE_DOCKER_ARCHIVE,
        SAVE_OCI_ARCHIVE,
        SAVE_OCI_DIR,
        SAVE_DOCKER_DIR,
};
/* "docker-archive", "oci-archive", "oci-dir", "docker-dir" as podman names them. */
int save_format_from_string(const char *s);
/* Save images (several only into a docker-archive) to output (a file or
 * directory; "-" for stdout). */
int engine_image_save(struct store *s, char *const *images, enum save_format fmt,
                      const char *output, struct err *e);
/* Copy an image between any two locations ("transport:details"); a
 * containers-storage: location without a [store spec] is the store s, one
 * with [driver@root+runroot:options] that store (missing parts as in s). */
int engine_image_copy(const struct config *cfg, struct store *s, const char *src,
                      const char *dst, struct err *e);

/* ---------------------------------------------------------------- history */

/* Allocates: an image's history, newest first, as podman's `history
 * --format json` prints it ({"id", "created", "CreatedBy", "size",
 * "comment", "Created"}): entries whose layer is some image's top layer carry
 * that image's ID (each ID once), others "<missing>"; non-empty entries carry
 * the diff size of the layer they made. */
int engine_image_history(struct store *s, const char *name, struct json **ret, struct err *e);
/* Allocates: template rows (ID, Created, CreatedAt, CreatedSince, CreatedBy,
 * Size, Comment, Tags) for history items; CreatedBy cut at 45 characters
 * and IDs at 12 unless no_trunc. */
struct json *engine_history_rows(const struct json *items, bool no_trunc, bool human);
/* The default table of `history`. */
extern const char engine_history_table[];

/* ---------------------------------------------------------------- prune */

/* A Go duration ("90s", "10m", "1h30m", "1.5h", "0"), in whole seconds;
 * -EINVAL if it is not one. */
int engine_parse_duration(const char *s, int64_t *ret);

struct prune_opts {
        bool all;      /* every image no container uses, not only dangling ones */
        bool external; /* containers no engine tracks (buildah's) do not count as
                          users: they are removed with the image (podman's --external) */
        char **filter; /* until=, label=, label!= */
};
/* Remove dangling images (no name, no child image), or with all every
 * image no container uses, pass after pass until nothing more goes (an
 * image can become dangling when its child goes). Allocates *ret_removed,
 * the removed IDs; it is written on failure too, with what went before. */
int engine_images_prune(struct store *s, const struct prune_opts *o, char ***ret_removed,
                        struct err *e);

/* ---------------------------------------------------------------- mount */

/* Mount an image read-only (its top layer, counted in mountpoints.json so
 * podman sees the mount) and allocate its path. Rootless, the mount lives
 * in the user and mount namespace that berth shares with podman. */
int engine_image_mount(struct store *s, const char *name, char **ret_path, struct err *e);
/* Drop one mount of an image (all with force). *ret_id: allocated ID of the
 * image if it was mounted, NULL if it was not (not an error, as in podman). */
int engine_image_unmount(struct store *s, const char *name, bool force, char **ret_id,
                         struct err *e);
/* Mount every image that has layers (podman's `image mount --all`).
 * Allocates *ret_paths: the mount points, NULL when there is no image. */
int engine_images_mount_all(struct store *s, char ***ret_paths, struct err *e);
/* Unmount every mounted image. Allocates *ret_ids: the IDs unmounted. */
int engine_images_unmount_all(struct store *s, bool force, char ***ret_ids, struct err *e);
/* Allocates: the mounted images as podman's `image mount --format json`
 * lists them ({"id", "Names" (digests), "Repositories", "mountpoint"}). */
int engine_images_mounted(struct store *s, struct json **ret, struct err *e);

/* ---------------------------------------------------------------- df */

/* Allocates: {"Summary": [rows of Type, Total, Active, Size, Reclaimable,
 * RawSize, RawReclaimable, TotalCount for Images, Containers and Local
 * Volumes], "Images": [verbose rows], "Containers": [...], "Volumes": []}.
 * A layer that several images share is counted once in the totals. */
int engine_system_df(struct store *s, struct json **ret, struct err *e);
/* Default tables and headers of `system df` and `system df -v`. */
extern const char engine_df_table[];
extern const char engine_df_images_table[];
extern const char engine_df_containers_table[];
extern const char engine_df_volumes_table[];
struct json *engine_df_headers(void);

/* ---------------------------------------------------------------- volumes */

/* Named volumes of the local driver. berth keeps them under its own
 * <graphroot>/berth/volumes/<name>/ (content in _data/), never in podman's
 * <graphroot>/volumes/. Names follow podman's rule [a-zA-Z0-9][a-zA-Z0-9_.-]*
 * (at most 255 bytes); commands accept a unique prefix of a name, as podman. */

struct volume_create_opts {
        const char *name;   /* NULL: a random 64-hex name */
        const char *driver; /* NULL or "local"; others are refused */
        char **labels;      /* KEY[=VALUE] */
        char **options;     /* -o: type=, device=, o=, copy, nocopy */
        bool ignore;        /* an existing volume of that name is not an error */
};
/* Create a volume. Allocates *ret_name. EEXIST: a volume has that name. */
int engine_volume_create(struct store *s, const struct volume_create_opts *o, char **ret_name,
                         struct err *e);
/* Allocates: podman's `volume inspect` object of one volume (ENOENT if none). */
int engine_volume_inspect(struct store *s, const char *name, struct json **ret, struct err *e);
/* Allocates: podman's inspect objects of every volume, sorted by name, that
 * match any of the filters (podman 4.3 ORs them): name= (regex), label=KEY[=V],
 * driver=, scope=, opt=KEY[=V], dangling=true|false, until=. EINVAL for others. */
int engine_volumes_list(struct store *s, char *const *filters, struct json **ret, struct err *e);
/* Allocates: template rows for list/inspect items (CreatedAt as Go prints a
 * time, the other fields as in the JSON). */
struct json *engine_volumes_rows(const struct json *items);
/* The default table of `volume ls` and its headers. */
extern const char engine_volumes_table[];
struct json *engine_volumes_headers(void);

/* Removes a berth container (for `volume rm -f`); set by the containers code. */
typedef int (*engine_ctr_remove_fn)(struct store *s, const char *id, void *userdata,
                                    struct err *e);
struct volume_rm_opts {
        bool force;                       /* also remove the containers that use it */
        engine_ctr_remove_fn remove_ctr;  /* NULL: force refuses volumes in use */
        void *userdata;
};
/* Remove volumes (names, or every volume when names is NULL), each tried.
 * Allocates *ret_removed (names removed) and *ret_more_errors. The error
 * returned in e is EBUSY (in use by the containers it names) if any volume
 * was in use, else ENOENT, else the first one. */
int engine_volumes_remove(struct store *s, char *const *names, const struct volume_rm_opts *o,
                          char ***ret_removed, char ***ret_more_errors, struct err *e);
/* Remove (or with dry_run only list) every volume no berth container uses
 * and that matches all filters (label=, label!=, until=). Allocates
 * *ret_names (sorted). */
int engine_volumes_prune(struct store *s, char *const *filters, bool dry_run, char ***ret_names,
                         struct err *e);

/* A volume as a container mount uses it. */
struct engine_volume {
        char *name;
        char *data;         /* host path of the content: the bind mount source */
        char *lock_path;    /* the volume set's lock */
        char *dir;          /* <graphroot>/berth/volumes/<name> */
        bool created;       /* made by this call (docker's auto-create on -v NAME:/dst) */
        bool needs_copy_up; /* never copied into and not -o nocopy: see copy_up */
        bool needs_chown;   /* no uid/gid option and not chowned yet: see chown */
        bool needs_mount;   /* type/device/o given: mount/unmount around the container */
};
void engine_volume_free(struct engine_volume *v);
DEFINE_CLEANUP_FUNC(struct engine_volume *, engine_volume_free)

/* Resolve -v NAME:/dst or --mount type=volume,src=NAME: the volume NAME
 * (exact name only), created when missing; name NULL makes an anonymous one
 * (64-hex, "Anonymous": true). Allocates *ret. */
int engine_volume_get_or_create(struct store *s, const char *name, struct engine_volume **ret,
                                struct err *e);
/* Container start, in this order for a new volume (as podman):
 *   1. engine_volume_mount (when needs_mount; count +1, mounted on 0 -> 1),
 *   2. engine_volume_chown to the container user (when needs_chown; once),
 *   3. engine_volume_copy_up unless the mount says nocopy (when needs_copy_up;
 *      once): the content of dst_path in the container's rootfs (resolved in
 *      rootfs_dirfd, never leaving it) is copied into the volume if the volume
 *      is empty and dst_path is a directory, and the volume's root takes that
 *      directory's owner and mode. Later calls do nothing.
 * Cleanup: engine_volume_unmount (count -1, unmounted on 1 -> 0).
 * All take the volume set lock and refresh the flags in v. */
int engine_volume_copy_up(struct engine_volume *v, int rootfs_dirfd, const char *dst_path,
                          struct err *e);
/* Chown the volume's root to uid:gid (ids as berth sees them) once. */
int engine_volume_chown(struct engine_volume *v, uid_t uid, gid_t gid, struct err *e);
int engine_volume_mount(struct engine_volume *v, struct err *e);
int engine_volume_unmount(struct engine_volume *v, struct err *e);

/* ---------------------------------------------------------------- monitor */

/* berth-monitor's whole program (cmd/berth-monitor calls it with its argv):
 * the per-container monitor whose contract with berth is monitor.h. It
 * detaches and exits the calling process; the detached monitor never
 * returns. Returns (an exit code) only on a usage error. */
int engine_monitor_main(int argc, char *const *argv);
