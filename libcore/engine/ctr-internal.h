/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctr-internal.h: engine-private: a container as the container commands see
 * it (storage record + berth.json + the runroot state files of monitor.h),
 * its lock, and the state derived from those files.
 *
 * Locking: a container's own lock (R/lock) is taken first; storage locks are
 * taken inside the storage calls only, for one read-modify-write each, and
 * never held while a process is waited for.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "base.h"
#include "engine.h"

struct store;
struct lockfile;

/* A loaded container: owned copies of its records. */
struct ctr {
        char *id;
        char *name;
        struct json *rec;   /* containers.json entry */
        struct json *berth; /* G/berth.json ({} when missing) */
        char *gdir;         /* graphroot userdata */
        char *rdir;         /* runroot userdata */
};

void ctr_free(struct ctr *c);
DEFINE_CLEANUP_FUNC(struct ctr *, ctr_free)

/* Find a container by full id, unique id prefix or name. Only berth's
 * containers are returned: another tool's gives EPERM naming the tool
 * ("container 'x' is a podman container: use podman to manage it"). ENOENT
 * with podman's text when none matches. */
int ctr_lookup(struct store *s, const char *name, struct ctr **ret, struct err *e);
/* Load the container whose storage record is rec (berth's only). */
int ctr_from_record(struct store *s, const struct json *rec, struct ctr **ret, struct err *e);
/* Allocates: every berth container, newest first; *ret_n entries. */
int ctr_list_all(struct store *s, struct ctr ***ret, size_t *ret_n, struct err *e);
/* ctr_list_all with only the berth.json members named in keys read (the
 * rest of each file is checked, not built): for listings of many. With
 * last, the caller reads no storage record afterwards: the store hands its
 * records over instead of copying them (store_containers_take). */
int ctr_list_some(struct store *s, const char *const *keys, bool last, struct ctr ***ret,
                  size_t *ret_n, struct err *e);
void ctr_list_free(struct ctr **v, size_t n);
/* Which tool made a storage record that is not berth's: "podman",
 * "buildah", or "storage" when it cannot tell. */
const char *ctr_record_owner(struct store *s, const struct json *rec);

/* Append the KEY=VALUE / KEY lines of an --env-file (or, with labels, a
 * --label-file) to *v (blank lines and # comments skipped; a line
 * starting with '=' is an error). */
int ctr_read_kv_file(const char *path, bool labels, char ***v, struct err *e);

/* Take the container's lock (R/lock, created with R if needed). */
int ctr_lock(const struct ctr *c, struct lockfile **ret, struct err *e);

/* A field of berth.json. */
const char *ctr_cfg_string(const struct ctr *c, const char *key);
bool ctr_cfg_bool(const struct ctr *c, const char *key);
int64_t ctr_cfg_int(const struct ctr *c, const char *key, int64_t dflt);

/* Allocates: path of a file in the container's runroot / graphroot userdata. */
char *ctr_rpath(const struct ctr *c, const char *file);
char *ctr_gpath(const struct ctr *c, const char *file);

/* ---------------------------------------------------------------- state */

enum ctr_status {
        CTR_CONFIGURED, /* created, never started */
        CTR_RUNNING,
        CTR_PAUSED,
        CTR_EXITED,
};

struct ctr_state {
        enum ctr_status status;
        pid_t pid;         /* container init, 0 when not running */
        pid_t monitor_pid; /* 0 when none or gone */
        bool monitor_alive;
        int exit_code; /* -1: unknown (the monitor died before the container) */
        bool exit_known;
        bool oom_killed;
        int restarts;
        char *started_at;  /* RFC 3339, NULL: never */
        char *finished_at; /* RFC 3339, NULL: not finished */
};

/* The pid of the container's live berth-monitor (R/monitor.pid, checked by
 * its command line, so a reused pid is not taken for it), 0 when there is
 * none. */
pid_t ctr_monitor_alive(const struct ctr *c);
/* Allocates: the --runtime PATH on the command line of the container's
 * live monitor, NULL when it runs the container through the runtime
 * library (or has gone). */
char *ctr_external_runtime(const struct ctr *c);
/* Derive the state from the files in R and the runtime's state; never
 * blocks on a process. */
int ctr_state_get(struct store *s, const struct ctr *c, struct ctr_state *ret, struct err *e);
void ctr_state_done(struct ctr_state *st);
/* podman's lower-case status word: created, running, paused, exited. */
const char *ctr_status_to_string(enum ctr_status s);
/* Allocates: podman's `ps` STATUS text ("Up 3 seconds", "Exited (3) 2
 * seconds ago", "Created"). */
char *ctr_status_text(const struct ctr_state *st);
/* Allocates: "<runroot>/berth-runtime", the runtime library's state root. */
char *ctr_runtime_root(struct store *s);
/* Remove the exited container's runtime state (poststop hooks, cgroup);
 * missing state is not an error. */
void ctr_runtime_delete(struct store *s, const char *id, bool force);
/* Send sig to the container's init (or all its processes). ESRCH-like
 * results when it is not running. */
int ctr_signal(struct store *s, const struct ctr *c, const struct ctr_state *st, int sig, bool all,
               struct err *e);
/* Wait until the container is no longer running (exit.json written, or
 * the process gone when the monitor is dead); timeout_ms < 0: forever.
 * Returns 1 when it stopped, 0 on timeout. */
int ctr_wait_stopped(struct store *s, const struct ctr *c, int timeout_ms, struct err *e);
/* The same for the run that started at started_at (started.json's; NULL:
 * any): also 1 once another run has started, which another command did
 * after this one ended (stop's locks are not held while it waits). */
int ctr_wait_run_over(struct store *s, const struct ctr *c, const char *started_at, int timeout_ms,
                      struct err *e);

/* ---------------------------------------------------------------- files */

/* Allocates: a container's hostname: berth.json's (config.json has none
 * when the UTS namespace is shared), an older container's config.json's,
 * else its name. */
char *ctr_hostname(const struct ctr *c);
/* What the files a container's run needs are made of. */
struct ctr_run_files {
        const char *hostname, *image_name, *image_id;
        char *const *add_hosts; /* --add-host NAME:IP */
        bool no_hosts;          /* --no-hosts: no R/hosts */
        bool privileged, rootless;
};
/* Write R/hosts, R/hostname, R/resolv.conf and R/.containerenv as podman
 * does for this container. */
int ctr_write_run_files(const struct ctr *c, const struct ctr_run_files *f, struct err *e);

/* ---------------------------------------------------------------- names */

/* Allocates: a docker-like "adjective_noun" name not in use in names. */
char *ctr_name_generate(const struct json *records);

/* ---------------------------------------------------------------- cleanup */

/* Unmount the rootfs if berth mounted it (R/mounted), remove runtime state. */
int ctr_cleanup_locked(struct store *s, const struct ctr *c, struct err *e);
/* Remove a stopped container: cleanup, record, layer and userdata. */
int ctr_remove_locked(struct store *s, const struct ctr *c, struct err *e);

/* ---------------------------------------------------------------- volumes */

/* At start, with the rootfs mounted at rootfs: mount, chown and copy up the
 * container's named volumes as needed. */
int ctr_volumes_prepare(struct store *s, const struct ctr *c, const char *rootfs, struct err *e);
/* At cleanup: unmount what ctr_volumes_prepare mounted. */
void ctr_volumes_release(struct store *s, const struct ctr *c);
/* rm -v: remove the anonymous volumes of a removed container (berth.json). */
void ctr_volumes_remove_anonymous(struct store *s, const struct json *berth);

/* ---------------------------------------------------------------- attach */

struct ctr_attach_opts {
        bool tty;
        bool stdin;
        const char *detach_keys; /* "ctrl-p,ctrl-q" default; "" disables */
        /* --sig-proxy: signals berth receives (INT, TERM, HUP, QUIT, USR1,
         * USR2) go to the container through this; NULL: not proxied. */
        void (*proxy)(int sig, void *data);
        void *proxy_data;
};

/* --sig-proxy: a ctr_attach_opts.proxy that sends sig to the container's
 * init; data is a struct ctr_proxy_target. */
struct ctr_proxy_target {
        struct store *s;
        const struct ctr *c;
};
void ctr_proxy_signal(int sig, void *data);

/* A berth-monitor started ahead, while c is being made (run: its exec
 * overlaps the storage's syncs): it has its whole command line and waits
 * for a byte on the sync fd before anything else (--wait-create,
 * monitor.h); the start sends it. c needs only id, name, gdir, rdir and the
 * berth.json to be (berth). Allocates the command line; ..._spawn is
 * thread-safe (run calls it from a thread). */
int ctr_monitor_ahead_argv(struct store *s, const struct config *cfg, const struct ctr *c,
                           char ***ret, struct err *e);
int ctr_monitor_ahead_spawn(char *const *argv, struct engine_monitor **ret, struct err *e);
/* Close it unused: the monitor exits at EOF. */
void ctr_monitor_ahead_free(struct engine_monitor *m);
DEFINE_CLEANUP_FUNC(struct engine_monitor *, ctr_monitor_ahead_free)

/* Connect to R/attach (the monitor's socket). Returns the fd. */
int ctr_attach_connect(const struct ctr *c, struct err *e);
/* Relay this process's stdio over a connected attach socket until the
 * container exits (*ret_exit_code: its code, -1 unknown), the user detaches
 * (*ret_detached) or the socket closes. */
int ctr_attach_relay(int fd, const struct ctr_attach_opts *o, int *ret_exit_code,
                     bool *ret_detached, struct err *e);
/* Copy n input bytes to out (room for n + nkeys - 1), holding back a partial
 * detach sequence across calls in *matched; sets *ret_detached and stops
 * when the whole sequence was typed. Returns the bytes put in out. */
size_t ctr_detach_filter(const unsigned char *keys, size_t nkeys, size_t *matched,
                         const unsigned char *in, size_t n, unsigned char *out, bool *ret_detached);
/* Parse docker's detach keys ("ctrl-p,ctrl-q", "a", "ctrl-@") into bytes. */
int ctr_detach_keys_parse(const char *s, unsigned char *ret, size_t *ret_n, struct err *e);

/* ---------------------------------------------------------------- hosts file */

/* Allocates: /etc/hosts for a container with --network none, as podman 4.3
 * writes it: the --add-host entries (extra: NAME:IP, checked), base's
 * entries (the host's /etc/hosts) as "IP<TAB>names", localhost when neither
 * has it, host.containers.internal at local_ip (NULL: none) when neither
 * has it, then "127.0.0.1<TAB>hostname name". */
char *ctr_hosts_build(const char *base, char *const *extra, const char *local_ip,
                      const char *hostname, const char *name);
/* --add-host NAME:IP (podman's texts for a bad one). */
int ctr_add_host_check(const char *spec, struct err *e);
/* Allocates: the host address podman maps host.containers.internal to (its
 * first global unicast IPv4, else IPv6), NULL when it has none. */
char *ctr_host_local_ip(void);

/* ---------------------------------------------------------------- create lock */

struct container_spec;
/* store_container_create, then at once the new container's lock (R/lock):
 * the caller holds *ret_lock until it has written berth.json, so no other
 * command acts on a half-made container whose creator still runs. ENOENT
 * when another command removed it in between; on EEXIST for a name,
 * podman's text naming the container that has it. */
int ctr_record_create(struct store *s, const struct container_spec *spec, struct json **ret,
                      struct lockfile **ret_lock, struct err *e);

/* ---------------------------------------------------------------- top, pause, stats */

/* Allocates: the directory of process pid's own cgroup in the v1 hierarchy
 * that has controller, or (controller NULL) in the v2 one. ENOENT when it
 * has none of its own there: the hierarchy's root or berth's own cgroup are
 * never returned (they hold the host's processes). */
int ctr_cgroup_dir(pid_t pid, const char *controller, char **ret, bool *ret_v2, struct err *e);
/* Thaw a paused container (best effort): stop and rm -f call it after the
 * stop signal, so a paused container does not wait out the timeout. */
void ctr_thaw(struct store *s, const struct ctr *c);
/* Parse top's format descriptors (separate arguments, or comma-separated;
 * AIX "%p" forms too); none gives podman's default columns. Allocates
 * *ret (field numbers). EINVAL names the first unknown one. */
int ctr_top_parse(char *const *args, int **ret, size_t *ret_n, struct err *e);
/* Allocates: a Go time.Duration's String() ("1h2m3.5s", "860.872131ms", "0s"). */
char *ctr_go_duration(int64_t ns);
/* Allocates: go-units' HumanSizeWithPrecision(bytes, 4) ("466.9kB", "0B"). */
char *ctr_human_size4(uint64_t bytes);

/* ---------------------------------------------------------------- new images (image-import.c) */

struct staged_layer;

/* A layer below the new one, as the manifest lists it (uncompressed tar). */
struct image_new_layer {
        const char *digest; /* its diff_id */
        int64_t size;
};

/* An image made of existing layers plus one staged layer (import, commit). */
struct image_new {
        const struct json *config;           /* the complete image config */
        const struct image_new_layer *layers; /* below the staged one, base first */
        size_t n_layers;
        struct staged_layer *layer; /* committed here (chain ID over its staged parent) */
        const char *name;           /* full name, or NULL: untagged */
        const char *created;        /* RFC 3339, the record's "created" */
        bool docker;                /* Docker v2s2 manifest and media types, else OCI */
        bool manifest_media_type;   /* OCI: write the manifest's "mediaType" (commit does) */
};
/* Commit the staged layer and record the image with its config and
 * manifest as podman stores them; on failure nothing of it stays.
 * Allocates *ret_id. */
int engine_image_write(struct store *s, const struct image_new *n, char **ret_id, struct err *e);
/* ctr_lock for rm and cleanup: ENOENT unless the storage record still
 * exists once the lock is held (with or without G: a removal killed
 * half-way leaves the record without its directories, and rm must take it).
 * ctr_lock itself gives ENOENT when G is gone once it holds the lock. */
int ctr_lock_record(struct store *s, const struct ctr *c, struct lockfile **ret, struct err *e);
