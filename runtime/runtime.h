/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime.h: berth's OCI runtime library, the one public header of runtime/.
 *
 * It runs containers from an OCI bundle (runtime spec 1.1/1.2): namespaces,
 * id mappings, mounts, devices, capabilities, rlimits, seccomp, hooks,
 * cgroups (v1, v2 and hybrid hosts through cgroupfs), terminals and the
 * container lifecycle with runc's state semantics. cmd/berth-runtime is a
 * runc-compatible command line over it; berth's monitor calls it in-process.
 *
 * The process that calls rt_create() becomes the parent of the container's
 * init: it gets the pid back and reaps it itself (waitpid), which is how the
 * monitor learns the exit status. The library forks; it never starts
 * threads, and must be called from a single-threaded process.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base.h"

/* A parsed config.json (opaque here; runtime/rt-internal.h has the fields). */
struct rt_spec;
/* A parsed "process" object: the container's init or an exec'd process. */
struct rt_process;

struct rt_preload;

/* Global options shared by every operation (runc's global flags). */
struct rt_ctx {
        char *root;             /* state directory, owned */
        bool rootless;          /* no real root: cgroups and devices are handled as such */
        bool systemd_cgroup;    /* --systemd-cgroup: cgroupsPath is slice:prefix:name */
        struct rt_preload *pre; /* rt_ctx_preload's, or NULL */
};

/* Fill ctx: root NULL picks /run/berth-runtime for root and
 * $XDG_RUNTIME_DIR/berth-runtime (else /tmp/berth-runtime-<uid>) otherwise;
 * rootless < 0 detects it (euid != 0, or not the initial user namespace). */
int rt_ctx_init(struct rt_ctx *ctx, const char *root, int rootless, bool systemd_cgroup,
                struct err *e);
/* Release what rt_ctx_init() allocated. */
void rt_ctx_done(struct rt_ctx *ctx);
/* Do now what a create would do first whatever its spec says: read the
 * host's cgroup layout (mountinfo, this process's cgroups), and with
 * new_netns start making a network namespace (in a thread), which the next
 * create takes if its spec asks for a new one and no user namespace or
 * namespace to join (as it would make it). A process that waits before it
 * creates does this while it waits. rt_ctx_unload releases what was not
 * taken. */
int rt_ctx_preload(struct rt_ctx *ctx, bool new_netns, struct err *e);
void rt_ctx_unload(struct rt_ctx *ctx);

/* Parse config.json text; every section is validated here, before any fork. */
int rt_spec_parse(const char *buf, size_t len, struct rt_spec **ret, struct err *e);
/* Read and parse <bundle>/config.json (bounded size). */
int rt_spec_load(const char *bundle, struct rt_spec **ret, struct err *e);
void rt_spec_free(struct rt_spec *s);
/* The config.json `berth-runtime spec` writes (runc's defaults); allocated. */
struct json *rt_spec_default(bool rootless);

/* Parse a "process" object (exec --process FILE). */
int rt_process_parse(const struct json *j, struct rt_process **ret, struct err *e);
/* The same without warnings (unknown capabilities): for a process built from
 * a container's saved config, whose warnings create gave already. */
int rt_process_parse_quiet(const struct json *j, struct rt_process **ret, struct err *e);
void rt_process_free(struct rt_process *p);

/* The container process's stdio. */
struct rt_io {
        int stdio[3];              /* fds that become 0, 1, 2; -1 keeps the caller's */
        const char *console_socket; /* terminal: the pty master is sent to this socket */
        int console_socket_fd;     /* or an already connected socket; -1 when unused */
        unsigned preserve_fds;     /* fds 3 .. 3+n-1 pass into the container */
};

struct rt_create_opts {
        const char *bundle;   /* absolute path of the bundle */
        const char *pid_file; /* NULL: none */
        bool no_pivot;        /* chroot instead of pivot_root */
        bool no_new_keyring;  /* keep the caller's session keyring */
        struct rt_io io;
};

/* Create container `id` from spec (the library keeps no pointer to it): its
 * init is set up and waits for rt_start(). The init is a child of the
 * caller; its host pid goes to *ret_pid. */
int rt_create(const struct rt_ctx *ctx, const char *id, const struct rt_spec *spec,
              const struct rt_create_opts *o, pid_t *ret_pid, struct err *e);
/* Let a created container's init exec its process. */
int rt_start(const struct rt_ctx *ctx, const char *id, struct err *e);

enum rt_status {
        RT_STATUS_CREATING,
        RT_STATUS_CREATED,
        RT_STATUS_RUNNING,
        RT_STATUS_PAUSED,
        RT_STATUS_STOPPED,
};
const char *rt_status_to_string(enum rt_status s);

struct rt_state {
        char *id;
        enum rt_status status;
        pid_t pid; /* 0 when stopped */
        char *bundle;
        char *rootfs;
        char *created; /* RFC 3339 */
        char *owner;   /* user name of the creator ("" when unknown) */
        struct json *annotations;
};
/* Look up a container; its status is computed now (a dead init is stopped). */
int rt_state_get(const struct rt_ctx *ctx, const char *id, struct rt_state **ret, struct err *e);
/* The OCI state object: ociVersion, id, status, pid, bundle, annotations. */
struct json *rt_state_to_json(const struct rt_state *s);
void rt_state_free(struct rt_state *s);
/* All containers under ctx->root, sorted by id. */
int rt_list(const struct rt_ctx *ctx, struct rt_state ***ret, size_t *ret_n, struct err *e);
void rt_state_list_free(struct rt_state **v, size_t n);

/* The "process" object of the container's saved config.json (what exec
 * starts from: runc's exec copies it and overrides args, env, cwd, ...). */
int rt_container_process(const struct rt_ctx *ctx, const char *id, struct json **ret,
                         struct err *e);

/* Send sig to the init, or with all to every process of the container. */
int rt_kill(const struct rt_ctx *ctx, const char *id, int sig, bool all, struct err *e);
/* Remove a stopped (or, with force, any) container: processes, cgroup,
 * poststop hooks, state. */
int rt_delete(const struct rt_ctx *ctx, const char *id, bool force, struct err *e);
/* Freeze or thaw every process of the container. */
int rt_pause(const struct rt_ctx *ctx, const char *id, struct err *e);
int rt_resume(const struct rt_ctx *ctx, const char *id, struct err *e);
/* Apply a linux.resources object to a running container. */
int rt_update(const struct rt_ctx *ctx, const char *id, const struct json *resources,
              struct err *e);
/* Host pids of the container's processes (allocated array). */
int rt_ps(const struct rt_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n, struct err *e);

struct rt_exec_opts {
        const struct rt_process *process;
        const char *pid_file;
        struct rt_io io;
};
/* Start process in the running container; it is a child of the caller
 * (waitpid it for its status), its host pid goes to *ret_pid. */
int rt_exec(const struct rt_ctx *ctx, const char *id, const struct rt_exec_opts *o,
            pid_t *ret_pid, struct err *e);

/* The `features` document (runtime-spec features.md); allocated. */
struct json *rt_features(void);
/* Allocates: the version of libseccomp ("2.5.4"), or NULL when it cannot
 * be loaded. */
char *rt_libseccomp_version(void);
/* "KILL", "SIGKILL" or "9" to a signal number. */
int rt_signal_from_string(const char *s, int *ret, struct err *e);
