/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lifecycle-internal.h: what the lifecycle files share (state.c, container.c,
 * init.c, ns.c, idmap.c, sync.c, lifecycle.c, exec.c) and no other part of
 * runtime/ needs.
 *
 * A container lives in <root>/<id>/ (mode 0711):
 *   lock         an OFD lock file; every command that changes the container
 *                takes it for writing, exec and kill for reading, so two
 *                commands at once on one container are safe
 *   state.json   what later commands need (pid, the init's start time,
 *                bundle, rootfs, cgroup, which namespaces were created, ...),
 *                replaced atomically
 *   config.json  the spec as it was at create: start, exec and delete use
 *                its hooks, process and seccomp, not the bundle's (which may
 *                have changed or gone)
 *   exec.fifo    exists while the container is "created": the init blocks
 *                opening it for writing until rt_start() opens it for reading
 */
#pragma once

#include <stdint.h>

#include "rt-internal.h"

/* The runtime-spec version of the state objects berth-runtime emits. */
#define RT_OCI_VERSION "1.2.0"
#define RT_ID_MAX 1024
#define RT_STATE_FILE "state.json"
#define RT_CONFIG_FILE "config.json"
#define RT_FIFO_FILE "exec.fifo"
#define RT_LOCK_FILE "lock"
/* The cgroup as made, saved the moment it exists: state.json comes only at
 * the end of create, and a create killed in between leaves its cgroup. */
#define RT_CGROUP_FILE "cgroup.json"
/* <root>/.lock: held while a create makes and locks its directory. */
#define RT_ROOT_LOCK_FILE ".lock"
/* state.json is ours and small; config.json is bounded like the bundle's. */
#define RT_STATE_MAX_SIZE (1u << 20)

/* ctx.c: allocates the default state root for this process (see ctx.c). */
char *rt_ctx_default_root(void);
/* ctx.c: whether we run in the initial user namespace (uid_map "0 0 4294967295"). */
bool rt_in_initial_userns(void);

/* ------------------------------------------------------------------------
 * state.c: the state directory
 * ------------------------------------------------------------------------ */

/* A container as its state directory describes it. */
struct rt_container {
        char *id;
        char *dir;             /* <root>/<id> */
        struct lockfile *lock; /* held while loaded with a lock; NULL otherwise */
        pid_t pid;             /* the init's host pid */
        uint64_t start_time;   /* field 22 of /proc/<pid>/stat at create: detects pid reuse */
        char *oci_version;
        char *bundle, *rootfs, *created;
        char *owner;               /* the creator's name, NULL: unknown (see owner_uid) */
        int64_t owner_uid;         /* the creator's euid, -1: unknown */
        struct json *annotations;  /* NULL when the spec had none */
        struct rt_cgroup *cgroup;  /* never NULL once loaded */
        bool userns, pidns, mntns; /* namespaces the container got of its own */
        bool rootless;
        /* Bit (1 << kind) for each enum rt_hook_kind the spec has hooks of;
         * RT_HOOKS_UNKNOWN in a state saved before berth recorded them. */
        unsigned hooks;
};
#define RT_HOOKS_UNKNOWN (~0u)

enum rt_lock_mode {
        RT_LOCK_NONE,
        RT_LOCK_READ,
        RT_LOCK_WRITE,
};

/* 0 if id is a valid container id ([A-Za-z0-9][A-Za-z0-9_.+-]*, at most
 * RT_ID_MAX bytes), else EINVAL naming the id. */
int rt_id_validate(const char *id, struct err *e);
/* Make <root>/<id> and take its lock for writing: EEXIST `container "x"
 * already exists` when it is there (a directory that a crashed create left,
 * without state.json and without a lock holder, is removed and made anew).
 * The returned container has only id, dir and lock set. */
int rt_container_dir_create(const struct rt_ctx *ctx, const char *id, struct rt_container **ret,
                            struct err *e);
/* The remains of a create killed midway (a directory without state.json
 * whose lock nobody holds): kill what runs in its cgroup, remove the cgroup
 * and the directory. ENOENT `container "x" does not exist` when there are
 * none, EEXIST when a create or delete holds the lock. */
int rt_container_remove_stale(const struct rt_ctx *ctx, const char *id, struct err *e);
/* Load container id, taking its lock in mode first; ENOENT `container "x"
 * does not exist`. */
int rt_container_open(const struct rt_ctx *ctx, const char *id, enum rt_lock_mode mode,
                      struct rt_container **ret, struct err *e);
/* Write state.json atomically from c. */
int rt_container_save(const struct rt_container *c, struct err *e);
/* The status now: created while exec.fifo exists and the init lives,
 * stopped when the init is gone, a zombie or another process with its pid,
 * paused when the freezer says so, else running. */
enum rt_status rt_container_status(const struct rt_container *c);
/* Remove the state directory (files first, then the directory). */
int rt_container_remove(const struct rt_container *c, struct err *e);
/* Parse the config.json saved at create. */
int rt_container_load_spec(const struct rt_container *c, struct rt_spec **ret, struct err *e);
/* The saved spec when it has hooks of kind, else *ret = NULL. */
int rt_container_load_hooks(const struct rt_container *c, enum rt_hook_kind kind,
                            struct rt_spec **ret, struct err *e);
/* Allocates: the OCI state object for hooks and `state`. */
struct json *rt_container_state_json(const struct rt_container *c, enum rt_status status);
/* Releases the lock too. */
void rt_container_free(struct rt_container *c);
DEFINE_CLEANUP_FUNC(struct rt_container *, rt_container_free)
#define _cleanup_container_ _cleanup_(rt_container_freep)
DEFINE_CLEANUP_FUNC(struct rt_spec *, rt_spec_free)

/* Field 22 of /proc/<pid>/stat (start time in clock ticks) and field 3 (the
 * state letter); -ESRCH when there is no such process. */
int rt_proc_stat(pid_t pid, uint64_t *ret_start_time, char *ret_state);
/* Whether c's init still runs (not a zombie, same start time). */
bool rt_container_alive(const struct rt_container *c);
/* Allocates: the host pids of c's processes: the cgroup's when it is
 * active, else those sharing the init's pid namespace (when the container
 * has its own) or mount namespace, else the init alone. */
int rt_container_pids(const struct rt_container *c, pid_t **ret, size_t *ret_n, struct err *e);

/* ------------------------------------------------------------------------
 * sync.c: the channel between the creating parent and its children
 *
 * A SOCK_SEQPACKET socketpair, so each message arrives whole: a type, an
 * integer and an optional text (the error message of a failed step), and
 * for RT_SYNC_SECCOMP_FD an fd (SCM_RIGHTS).
 * ------------------------------------------------------------------------ */

enum rt_sync_type {
        RT_SYNC_GO = 1,       /* parent -> child: maps written, cgroup entered, go on */
        RT_SYNC_MAP_REQ,      /* stage-1 child -> parent: write my id maps */
        RT_SYNC_MAP_DONE,     /* parent -> stage-1 child */
        RT_SYNC_PID,          /* stage-1 child -> parent: val is the init's host pid */
        RT_SYNC_HOOKS,        /* init -> parent: run prestart and createRuntime hooks */
        RT_SYNC_HOOKS_DONE,   /* parent -> init */
        RT_SYNC_READY,        /* init -> parent: set up, waiting for start (exec: about to exec) */
        RT_SYNC_ERROR,        /* child -> parent: text is the error message, val the code */
        RT_SYNC_SECCOMP_FD,   /* child -> parent: the seccomp notify fd rides along */
        RT_SYNC_SECCOMP_DONE, /* parent -> child: the listener has it */
        RT_SYNC_LOG, /* child -> parent: log_msg() of the child; val the level, text the message */
        RT_SYNC_CGROUP, /* parent -> init: the v1 cgroup directories exist, join them */
};

#define RT_SYNC_TEXT_MAX 4096

struct rt_sync_msg {
        uint32_t type;
        int32_t code;
        int64_t val;
        char text[RT_SYNC_TEXT_MAX]; /* NUL-terminated */
        int fd; /* not sent: the fd received with the message (O_CLOEXEC), else -1 */
};

/* A SOCK_SEQPACKET|SOCK_CLOEXEC socketpair. */
int rt_sync_pair(int fds[2], struct err *e);
int rt_sync_send(int fd, enum rt_sync_type type, int64_t val, struct err *e);
/* child: send fd along with a message of type (SCM_RIGHTS). */
int rt_sync_send_fd(int sock, enum rt_sync_type type, int fd, struct err *e);
/* Receive one message; EPIPE when the other side closed without a word.
 * RT_SYNC_LOG messages are logged here (log_msg) and not returned; an fd
 * that came with a message is kept in ret->fd (the caller closes it) only
 * for RT_SYNC_SECCOMP_FD, and closed for any other type. */
int rt_sync_recv(int fd, struct rt_sync_msg *ret, struct err *e);
/* child: receive a message that must be of type want; anything else, or
 * EOF, is an error. */
int rt_sync_expect(int fd, enum rt_sync_type want, struct rt_sync_msg *ret, struct err *e);
/* child: from now on, log_msg() sends its messages to the parent over
 * *fdp (RT_SYNC_LOG), so that none reaches the container's stdio; they are
 * dropped once *fdp is -1 (set it when the socket is closed). */
void rt_sync_log_to(const int *fdp);
/* child: send the error to the parent and _exit(1). */
_noreturn_ void rt_sync_fail(int fd, const struct err *err);

/* ------------------------------------------------------------------------
 * ns.c: namespaces
 * ------------------------------------------------------------------------ */

/* Open every namespace the spec lists with a path (others get -1) and check
 * that each is a namespace of the listed type. */
int rt_ns_open_paths(const struct rt_spec *spec, int fds[RT_NS_COUNT], struct err *e);
/* Open /proc/<pid>/ns/ for every type the process does not share with
 * ours (others get -1). */
int rt_ns_open_proc(pid_t pid, int fds[RT_NS_COUNT], struct err *e);
/* setns into each open fd, user first (then mnt last, as it changes what
 * paths mean); skip_user leaves the user one alone. */
int rt_ns_join(const int fds[RT_NS_COUNT], bool skip_user, struct err *e);
void rt_ns_close(int fds[RT_NS_COUNT]);
/* The CLONE_NEW* flags of the namespaces the spec wants created with the
 * new process (mnt, uts, ipc, net, pid, user; cgroup and time come later,
 * by unshare, see init.c). */
unsigned long rt_ns_new_flags(const struct rt_spec *spec);
/* Whether /proc/<pid>/ns/<name> and ours differ. */
bool rt_ns_differs(pid_t pid, enum rt_ns_type t);
/* Raw clone with fork semantics (SIGCHLD to the parent, or with
 * CLONE_PARENT to ours); returns 0 in the child. */
pid_t rt_clone(unsigned long flags);
/* The same through clone3(2), born in the cgroup v2 directory cgroup_fd
 * (CLONE_INTO_CGROUP); -1 with errno when the kernel (or a seccomp filter
 * around us) refuses, and the caller clones without it. */
pid_t rt_clone_into(unsigned long flags, int cgroup_fd);

/* ------------------------------------------------------------------------
 * idmap.c: uid and gid maps of a new user namespace
 * ------------------------------------------------------------------------ */

/* Write pid's uid_map and gid_map from the spec: directly as root or when a
 * map is just our own id (setgroups "deny" first for gid_map), else through
 * newuidmap/newgidmap. */
int rt_idmap_write(pid_t pid, const struct rt_spec *spec, struct err *e);
/* Allocates: the text of a uid_map/gid_map ("c h s\n" per line). */
char *rt_idmap_format(const struct rt_idmap *m, size_t n);

/* ------------------------------------------------------------------------
 * init.c: the container's init (child side of rt_create)
 * ------------------------------------------------------------------------ */

struct rt_init_args {
        const char *id;
        const struct rt_spec *spec;
        const char *bundle;
        const char *rootfs;
        bool no_pivot, no_new_keyring;
        bool in_userns; /* not in the initial user ns: no mknod (rootfs.c) */
        const struct rt_io *io;
        int sync_fd;                      /* the child end of the sync socket */
        int proc_fd;                      /* the host's /proc (O_PATH) */
        int fifo_fd;                      /* exec.fifo (O_PATH) */
        int console_fd;                   /* -1 without a terminal */
        int ns_fds[RT_NS_COUNT];          /* namespaces to join (-1: none) */
        bool new_userns;                  /* the init's user namespace is new */
        bool stage1;                      /* an intermediate child did the joins and the user ns */
        bool hooks_in_parent;             /* prestart/createRuntime hooks: ask the parent */
        const struct rt_cg_join *cg_join; /* join the cgroup first (NULL: the parent does) */
        const struct rt_cgroup *cgroup;   /* the container's (the parent's copy) */
        bool cg_wait; /* its v1 directories come later: RT_SYNC_CGROUP, before the cgroup mount */
};

/* child: set up the container and exec its process; never returns. */
_noreturn_ void rt_init_main(const struct rt_init_args *a);
/* child: the stage-1 process (join path namespaces, maybe make the user ns,
 * clone the init with CLONE_PARENT); never returns. */
_noreturn_ void rt_init_stage1(const struct rt_init_args *a, unsigned long clone_flags);
/* Validate linux.sysctl against the namespaces the spec has: a key must be
 * namespaced and its namespace the container's own. */
int rt_sysctl_validate(const struct rt_spec *spec, struct err *e);
/* child: close every fd but 0-2, io's stdio fds, the preserved ones
 * (3 .. 3+n-1) and *fds[i] (n of them, -1 skipped); then move the *fds[i]
 * above the preserved range (they stay CLOEXEC). */
void rt_child_fds(int *const *fds, size_t n, const struct rt_io *io);
/* child: stdio from io (dup2), or a terminal from console_fd, then the
 * fds to preserve (CLOEXEC cleared on 3 .. 3+n-1, every later one CLOEXEC). */
int rt_init_stdio(const struct rt_io *io, const struct rt_process *p, int console_fd,
                  struct err *e);
/* child: write linux.sysctl through proc_fd (the host's /proc). */
int rt_sysctl_apply(const struct rt_spec *spec, int proc_fd, struct err *e);
/* child: join a new session keyring named after the container. */
int rt_init_keyring(const char *id, struct err *e);
/* child: the process's program exists (args[0] found in its PATH). */
int rt_init_check_program(const struct rt_process *p, struct err *e);
/* child: load the seccomp filter; one that uses SCMP_ACT_NOTIFY sends its
 * listener fd to the parent over sync_fd (RT_SYNC_SECCOMP_FD), closes it and
 * waits for RT_SYNC_SECCOMP_DONE. */
int rt_init_seccomp(const struct rt_seccomp *s, int sync_fd, struct err *e);
/* child: the init's name in ps: comm "berth-rt:[INIT]", command line
 * "berth-runtime init" (as runc's "runc init"); best effort. */
void rt_init_set_title(int proc_fd);
