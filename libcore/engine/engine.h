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
int engine_info(struct config *cfg, struct json **ret, struct err *e);

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

/* ---------------------------------------------------------------- containers */

/* A berth-monitor started ahead of its container's start (ctr-start.c). */
struct engine_monitor;

/* `run` / `create` options as the user typed them; the engine parses and
 * checks every value (sizes, signals, volume specs, ...). */
struct container_create_opts {
        const char *image;
        const char *name;         /* NULL: a generated adjective_noun */
        char **cmd;               /* command after the image; NULL: the image's */
        char **create_command;    /* argv of the berth command, for inspect */
        const char *entrypoint;   /* NULL: the image's; "" clears */
        char **env, **env_file;   /* -e, --env-file (paths) */
        bool env_host;
        const char *workdir, *user, *hostname;
        bool tty, interactive, remove, detach;
        bool read_only;
        const char *read_only_tmpfs; /* "true"/"false"; NULL: default */
        bool init;
        const char *init_path;
        char **cap_add, **cap_drop;
        bool privileged;
        char **security_opt, **ulimits;
        const char *memory, *memory_swap, *cpus, *cpu_shares, *pids_limit, *shm_size;
        const char *memory_reservation, *cpu_period, *cpu_quota, *cpuset_cpus, *cpuset_mems;
        const char *oom_score_adj;
        char **devices, **annotations, **labels, **group_add;
        char **label_files; /* --label-file paths */
        char **volumes, **mounts, **tmpfs;
        const char *stop_signal;
        int64_t stop_timeout; /* -1: unset (10 s) */
        const char *userns;
        const char *pull;     /* always|missing|never|newer; NULL: missing */
        const char *network;  /* NULL: none until the network step */
        const char *pid, *ipc, *uts; /* --pid, --ipc, --uts; NULL: private */
        char **publish;
        char **add_hosts;     /* --add-host NAME:IP */
        bool no_hosts;        /* no /etc/hosts of berth's: the image's stays */
        char **sysctls;       /* --sysctl KEY=VALUE */
        const char *umask;    /* NULL: containers.conf's, else 0022 */
        bool replace;         /* --replace: a berth container with this name goes first */
        const char *restart;
        const char *log_driver;
        char **log_opts;
        const char *cidfile;
        const char *detach_keys;
        const char *cgroup_parent;
        const char *cgroups;
        bool keep_mounted; /* run: the rootfs stays mounted for the start that follows */
        /* run: where to leave a berth-monitor started while the container
         * is made (its exec overlaps the storage's syncs), for the start
         * that follows (container_start_opts.monitor); NULL: none. Set
         * only when the create succeeds. */
        struct engine_monitor **monitor;
};

/* Create a container (record, rw layer, berth.json, config.json). Allocates
 * *ret_id, the full ID. */
int engine_container_create(struct store *s, const struct config *cfg,
                            const struct container_create_opts *o, char **ret_id, struct err *e);

struct container_start_opts {
        bool attach;             /* relay stdout/stderr until the container ends */
        bool stdin;              /* relay stdin too (-i) */
        const char *detach_keys; /* NULL: the container's or ctrl-p,ctrl-q */
        bool sig_proxy;          /* while attached, signals to berth go to the container */
        /* From the create (container_create_opts.monitor), or NULL: the
         * start uses it instead of starting a monitor, and disposes of it
         * whether it succeeds or not. */
        struct engine_monitor *monitor;
};
/* Start a container through a new berth-monitor; with attach, relay its
 * stdio until it exits. *ret_exit_code (always written): the container's
 * code when attached, else 0; on failure 125, or 126/127 when the command
 * cannot be run / is not found. *ret_detached: the user detached. */
int engine_container_start(struct store *s, const struct config *cfg, const char *name,
                           const struct container_start_opts *o, int *ret_exit_code,
                           bool *ret_detached, struct err *e);

/* Stop a container: its stop signal (or SIGTERM), SIGKILL after timeout
 * seconds (< 0: the container's --stop-timeout, default 10). Allocates
 * *ret_id. Stopping a stopped container is not an error. */
int engine_container_stop(struct store *s, const char *name, int64_t timeout, char **ret_id,
                          struct err *e);
/* Send a signal ("KILL", "SIGTERM", "9"; NULL: SIGKILL) to a running container. */
int engine_container_kill(struct store *s, const char *name, const char *signal, char **ret_id,
                          struct err *e);

struct container_rm_opts {
        bool force;   /* stop a running container first */
        bool volumes; /* also anonymous volumes */
        bool depend;  /* also containers that depend on it */
        int64_t timeout; /* for force: seconds before SIGKILL; < 0: the container's */
};
/* Remove a container (record, layer, userdata). Allocates *ret_id. */
int engine_container_remove(struct store *s, const char *name, const struct container_rm_opts *o,
                            char **ret_id, struct err *e);
/* rm -f of a container by ID; fits volume_rm_opts.remove_ctr (volume rm -f). */
int engine_container_remove_forced(struct store *s, const char *id, void *userdata, struct err *e);
/* `container cleanup [--rm]`: what the monitor's exit command does. */
int engine_container_cleanup(struct store *s, const char *name, bool rm, struct err *e);

/* Allocates: the full IDs of berth's containers, newest first (running
 * only unless all). */
int engine_container_ids(struct store *s, bool all, char ***ret, struct err *e);

struct ps_opts {
        bool all, latest, no_trunc, size, external;
        int64_t last;  /* -n: the last N created; <= 0: every one */
        char **filter; /* id=, name=, status=, label=, ancestor=, exited= */
};
/* Allocates: podman's `ps --format json` items (Id, Names, Image, ImageID,
 * Command, Created, CreatedAt, State, Status, ExitCode, Exited, ExitedAt,
 * StartedAt, Pid, Labels, Mounts, Ports, Size, ...), newest first. */
int engine_containers_list(struct store *s, const struct ps_opts *o, struct json **ret,
                           struct err *e);
/* Allocates: template rows for ps tables (ID cut to 12 unless no_trunc,
 * Command quoted and cut, CreatedHuman, Status, Names joined). */
struct json *engine_ps_rows(const struct json *items, bool no_trunc);
extern const char engine_ps_table[];
struct json *engine_ps_headers(void);

/* Wait until a container meets one of conditions ("stopped", "exited",
 * "running", ...; NULL: stopped/exited); *ret_code: its exit code. */
int engine_container_wait(struct store *s, const char *name, char *const *conditions,
                          int *ret_code, struct err *e);

/* Allocates: podman's `container inspect` object. ENOENT if not known. */
int engine_container_inspect(struct store *s, const char *name, struct json **ret,
                             struct err *e);

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

/* ---------------------------------------------------------------- logs */

/* Container log files as berth-monitor writes them (monitor.h): k8s-file
 * lines "<RFC3339Nano> <stdout|stderr> <P|F> <text>" as conmon writes them
 * for podman, or json-file lines {"log":"text\n","stream":"stdout",
 * "time":"..."} as docker writes them. Rotation moves ctr.log.N to N+1,
 * makes the full ctr.log ctr.log.1 and starts a new ctr.log. */
enum ctr_log_format {
        CTR_LOG_K8S_FILE,
        CTR_LOG_JSON_FILE,
};
/* "k8s-file" or "json-file"; -EINVAL for any other driver. */
int ctr_log_format_from_string(const char *s, enum ctr_log_format *ret);
const char *ctr_log_format_to_string(enum ctr_log_format f);

enum ctr_log_stream {
        CTR_LOG_STDOUT = 1,
        CTR_LOG_STDERR = 2,
};

/* The longest log line read, in bytes; longer lines are skipped. */
#define CTR_LOG_LINE_MAX (1024 * 1024)

struct ctr_log_rec {
        int64_t sec;
        int32_t nsec;
        int32_t utc_offset; /* seconds east of UTC that the time was written in */
        enum ctr_log_stream stream;
        bool partial; /* P: the stream's next record continues this text */
        char *text;   /* owned, NUL-terminated, may hold NUL bytes */
        size_t len;
};
/* Release a record's text. */
void ctr_log_rec_done(struct ctr_log_rec *r);

/* Parse one line of a log file (without its newline). Errors say what is
 * wrong ("invalid time '...'", "unknown stream '...'", ...). */
int ctr_log_parse_line(enum ctr_log_format f, const char *line, size_t len,
                       struct ctr_log_rec *ret, struct err *e);
/* Allocates: a record's time as podman's `logs -t` prints it: RFC 3339
 * with all nine fraction digits, in the offset it was written in. */
char *ctr_log_format_time(const struct ctr_log_rec *r);
/* Parse a --since/--until value as podman does: RFC 3339 (also without
 * zone, or only a date), a Unix timestamp with fraction, or a Go duration
 * ("10m", "1h30m") taken back from now for since, forward for until. */
int ctr_log_parse_time(const char *s, bool since, int64_t now_sec, int32_t now_nsec,
                       int64_t *ret_sec, int32_t *ret_nsec, struct err *e);

/* One container's log to print. */
struct ctr_log_source {
        const char *path; /* the log file; rotated ones are path.1, path.2, ... */
        enum ctr_log_format format;
        /* The container's runroot userdata: follow goes on while the
         * monitor named in its monitor.pid lives (through restarts), and
         * stops once it is gone and the log is drained. NULL: never follow. */
        const char *run_dir;
        const char *prefix; /* printed before each record ("name "), or NULL */
};

struct ctr_log_opts {
        bool follow;
        bool timestamps;
        int64_t tail; /* the last N lines of each log; -1: all */
        bool since_set, until_set;
        int64_t since_sec, until_sec; /* records strictly after since, before until */
        int32_t since_nsec, until_nsec;
};

/* Print logs, one source after the other, stdout records to out_fd and
 * stderr records to err_fd; a partial record is printed without newline.
 * With follow, then wait for more from all sources until each container
 * has exited, following rotation without losing or repeating a line.
 * Malformed lines are skipped (a warning counts them). */
int ctr_logs_write(const struct ctr_log_source *srcs, size_t n, const struct ctr_log_opts *o,
                   int out_fd, int err_fd, struct err *e);

struct logs_opts {
        bool follow, timestamps, names, latest;
        const char *since, *until; /* as typed; NULL if not given */
        int64_t tail;              /* -1: all */
};
/* `logs`: print the logs of the containers a user names (or the latest
 * one), prefixed with their short ID (or name with o->names) when several. */
int engine_logs(struct store *s, char *const *names, const struct logs_opts *o, int out_fd,
                int err_fd, struct err *e);

/* ---------------------------------------------------------------- exec, attach */

struct container_exec_opts {
        char **cmd;              /* the command and its arguments */
        char **env;              /* -e KEY=VALUE, or KEY to copy berth's value */
        char **env_file;         /* --env-file paths */
        const char *user;        /* -u user[:group], resolved in the container */
        const char *workdir;     /* -w */
        const char *detach_keys; /* NULL: the container's or ctrl-p,ctrl-q; "" disables */
        unsigned preserve_fds;   /* berth's fds 3 .. 3+n-1 pass into the process */
        bool interactive, tty, detach, privileged;
};
/* --preserve-fds N: fds 3 .. 3+N-1 must be open, and checked before berth
 * opens any of its own (which would take a free number in that range). */
int engine_exec_fds_check(uint64_t n, struct err *e);
/* Run a process in a running container; berth is its parent and
 * *ret_exit_code (always written) its code: 125 berth error, 126 cannot be
 * invoked, 127 not found, 128+N killed by signal N, 0 after a detach. With
 * detach a helper reaps it and *ret_session gets a 64-hex session id. */
int engine_container_exec(struct store *s, const char *name, const struct container_exec_opts *o,
                          int *ret_exit_code, char **ret_session, struct err *e);

struct container_attach_opts {
        const char *detach_keys; /* NULL: the container's or ctrl-p,ctrl-q; "" disables */
        bool no_stdin, sig_proxy;
};
/* Attach to a running container's monitor until it exits (*ret_exit_code:
 * its code) or the user detaches (0, *ret_detached). */
int engine_container_attach(struct store *s, const char *name,
                            const struct container_attach_opts *o, int *ret_exit_code,
                            bool *ret_detached, struct err *e);

/* ---------------------------------------------------------------- restart, port */

/* Restart a container: stop it if it runs (timeout as engine_container_stop),
 * then start it detached. Allocates *ret_id. */
int engine_container_restart(struct store *s, const struct config *cfg, const char *name,
                             int64_t timeout, char **ret_id, struct err *e);
/* Allocates: a container's published ports as `port` prints them
 * ("80/tcp -> 0.0.0.0:8080"); NULL (none) until the network step. */
int engine_container_ports(struct store *s, const char *name, char ***ret, struct err *e);

/* ---------------------------------------------------------------- top, pause, stats, rename, prune */

/* The processes of a running container: rows of cells, the first the
 * headers, for podman's format descriptors (NULL/none: USER PID PPID %CPU
 * ELAPSED TTY TIME COMMAND). Descriptors that are not ones podman knows are
 * ps(1) options: ps runs in the container with them, printing to this
 * process's stdout; then *ret_rows is NULL and *ret_ps_exit its exit code. */
int engine_container_top(struct store *s, const char *name, char *const *descriptors,
                         struct json **ret_rows, int *ret_ps_exit, struct err *e);
/* Freeze / thaw every process of a running / paused container. Allocates *ret_id. */
int engine_container_pause(struct store *s, const char *name, char **ret_id, struct err *e);
int engine_container_unpause(struct store *s, const char *name, char **ret_id, struct err *e);
/* Allocates: one item per container (the named ones, else the running ones,
 * or every one with all) with podman's ContainerStats fields (ContainerID,
 * Name, CPU, AvgCPU, CPUNano, SystemNano, MemUsage, MemLimit, MemPerc,
 * NetInput, NetOutput, BlockInput, BlockOutput, PIDs); prev: the previous
 * sample, whose CPUNano/SystemNano CPU is measured against (NULL: since the
 * start). ENOTSUP rootless without cgroups v2, with podman's text. */
int engine_containers_stats(struct store *s, char *const *names, bool all, const struct json *prev,
                            struct json **ret, struct err *e);
/* Allocates: template rows (the items' fields plus ID, CPUPerc, AVGCPU,
 * MemPerc, MemUsage, NetIO, BlockIO, PIDS, UpTime texts). */
struct json *engine_stats_rows(const struct json *items, bool no_trunc);
/* Allocates: `stats --format json`'s list from rows (id, name, cpu_time, ...). */
struct json *engine_stats_json(const struct json *rows);
extern const char engine_stats_table[];
struct json *engine_stats_headers(void);
/* Rename a container (podman's name rule; a name any container of the store
 * has is refused, EEXIST). Renaming to its own name does nothing. */
int engine_container_rename(struct store *s, const char *name, const char *new_name,
                            struct err *e);
/* Remove every berth container that is not running or paused and matches
 * the filters (until=, label=, label!=; EINVAL for others). Allocates
 * *ret_ids (removed, full IDs) and *ret_errors (failures, may be NULL). */
int engine_containers_prune(struct store *s, char *const *filters, char ***ret_ids,
                            char ***ret_errors, struct err *e);

/* ---------------------------------------------------------------- diff, commit */

/* What `diff` compares: a container (else an image of that name), or only one kind. */
enum engine_diff_what {
        ENGINE_DIFF_ANY,
        ENGINE_DIFF_CONTAINER,
        ENGINE_DIFF_IMAGE,
};
/* Allocates: what a container's read-write layer (or an image's top layer)
 * changes, [{"Path": "/etc", "Kind": 0}, ...] (0 changed, 1 added, 2
 * deleted) in podman's order, without the paths podman hides (/dev, /proc,
 * /sys, /run, /etc/hosts, /etc/hostname, /etc/resolv.conf, ...). */
int engine_diff(struct store *s, const char *name, enum engine_diff_what what, struct json **ret,
                struct err *e);
/* Append changes as podman prints them: "C /etc" lines, or with json its
 * {"changed": [...], "added": [...], "deleted": [...]} document. */
void engine_diff_print(const struct json *changes, bool json, struct sbuf *out);

struct commit_opts {
        const char *image;   /* name of the new image (short names go under localhost/);
                                NULL: untagged */
        char **changes;      /* -c: CMD ENTRYPOINT ENV EXPOSE LABEL ONBUILD STOPSIGNAL USER
                                VOLUME WORKDIR */
        const char *message; /* -m: docker format only, as in podman */
        const char *author;  /* -a */
        const char *format;  /* "oci" (NULL) or "docker" */
        const char *iidfile; /* written with the new ID */
        bool pause;          /* freeze a running container while its layer is read */
        bool squash;         /* one layer holding the whole tree */
        bool include_volumes;
};
/* Make an image of a container's changes over its image (podman 4.3's
 * config and history). Allocates *ret_id and, when ret_blobs is not NULL,
 * the image's layer digests, base first. */
int engine_container_commit(struct store *s, const char *name, const struct commit_opts *o,
                            char **ret_id, char ***ret_blobs, struct err *e);

/* ---------------------------------------------------------------- cp, export, mount */

struct container_cp_opts {
        bool archive;     /* chown what is copied in to the container's user (podman's
                             default); false keeps the source's owners */
        bool follow_link; /* -L: a symlink given as the container SRC is followed */
        bool overwrite;   /* a directory may replace a non-directory and back */
};
/* Copy between a container and the host with docker's path rules: src and
 * dst are "CONTAINER:PATH" (one of them) and a host path or "-" (a tar read
 * from in_fd, or written to out_fd). Nothing outside the container's
 * rootfs (or the mount a path is under) is read or written. */
int engine_container_cp(struct store *s, const struct config *cfg, const char *src,
                        const char *dst, const struct container_cp_opts *o, int in_fd, int out_fd,
                        struct err *e);
/* Write a tar of a container's whole filesystem (volumes excluded) to out_fd. */
int engine_container_export(struct store *s, const char *name, int out_fd, struct err *e);
/* Mount a container's rootfs (counted in the store) and allocate its path. */
int engine_container_mount(struct store *s, const char *name, char **ret_path, struct err *e);
/* Drop one count of a container's mount (with force all but a running
 * container's own). *ret_id: allocated ID, NULL when a running container
 * kept its only mount (podman skips it). Not being mounted is no error. */
int engine_container_unmount(struct store *s, const char *name, bool force, char **ret_id,
                             struct err *e);
/* Allocates: the mounted containers of the store (any tool's) as podman's
 * `mount --format json` lists them ({"id", "Names", "mountpoint"}). */
int engine_containers_mounted(struct store *s, struct json **ret, struct err *e);
