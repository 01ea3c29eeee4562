/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rt-internal.h: what the files of runtime/ share and nothing outside sees.
 *
 * The parsed spec, and the entry points each concern offers the container
 * lifecycle (container.c, init.c). Each section of config.json is parsed by
 * the file that applies it, so the validation and the use of a field live
 * together; spec.c only walks the document and calls them.
 *
 * Functions marked "child" run in the container's init (or exec'd process)
 * after clone/fork: they must not take locks, start threads or print; they
 * report failure through struct err like everything else, and init.c sends
 * the message back to the parent.
 */
#pragma once

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime.h"

/* Limits on what config.json may hold (it is untrusted input). */
#define RT_SPEC_MAX_SIZE (4u << 20)
#define RT_MAX_ENTRIES 4096 /* mounts, env, args, hooks, devices, ... per list */

/* ------------------------------------------------------------------------
 * Namespaces and id mappings (spec-linux.c parses; ns.c, idmap.c apply)
 * ------------------------------------------------------------------------ */

enum rt_ns_type {
        RT_NS_MOUNT,
        RT_NS_PID,
        RT_NS_NET,
        RT_NS_IPC,
        RT_NS_UTS,
        RT_NS_USER,
        RT_NS_CGROUP,
        RT_NS_TIME,
        RT_NS_COUNT,
};
/* "mount", "pid", "network", "ipc", "uts", "user", "cgroup", "time". */
int rt_ns_type_from_string(const char *s);
const char *rt_ns_type_to_string(enum rt_ns_type t);
/* CLONE_NEW* flag of t. */
int rt_ns_clone_flag(enum rt_ns_type t);
/* /proc/<pid>/ns/<name> file name of t ("mnt", "net", ...). */
const char *rt_ns_proc_name(enum rt_ns_type t);

struct rt_namespace {
        bool enabled; /* listed in linux.namespaces */
        char *path;   /* join this one; NULL creates a new namespace */
};

struct rt_idmap {
        uint32_t container_id, host_id, size;
};

/* ------------------------------------------------------------------------
 * Process (spec-process.c parses; process.c, caps.c apply)
 * ------------------------------------------------------------------------ */

enum rt_cap_set {
        RT_CAP_BOUNDING,
        RT_CAP_EFFECTIVE,
        RT_CAP_INHERITABLE,
        RT_CAP_PERMITTED,
        RT_CAP_AMBIENT,
        RT_CAP_NSETS,
};

struct rt_rlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft, hard;
};

struct rt_process {
        bool terminal;
        unsigned console_height, console_width;
        uint32_t uid, gid;
        bool has_umask;
        uint32_t umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
        char **args; /* non-empty */
        char **env;  /* "K=V" */
        char *cwd;   /* absolute */
        bool has_caps;             /* "capabilities" present */
        uint64_t caps[RT_CAP_NSETS]; /* bit n = capability n; unknown names are skipped */
        struct rt_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile; /* NULL: none */
        char *selinux_label;    /* NULL: none */
        bool has_oom_score_adj;
        int oom_score_adj;
};

/* Capability number of "CAP_SYS_ADMIN" (or "sys_admin"); -1 if unknown. */
int rt_cap_from_name(const char *name);
/* Name of capability n ("CAP_CHOWN"), NULL beyond the known ones. */
const char *rt_cap_to_name(int n);
/* Highest capability number the kernel knows (/proc/sys/kernel/cap_last_cap). */
int rt_cap_last(void);
/* RLIMIT_* of "RLIMIT_NOFILE"; -1 if unknown. */
int rt_rlimit_from_name(const char *name);
const char *rt_rlimit_to_name(int resource);

/* child: rlimits (an error names the resource, the value asked and the
 * hard limit), oom_score_adj, no_new_keyring aside. Before the user change. */
int rt_process_apply_limits(const struct rt_process *p, struct err *e);
/* child: setgroups/setresgid/setresuid to the process user, keeping the
 * capabilities it needs across the change (PR_SET_KEEPCAPS). */
int rt_process_set_user(const struct rt_process *p, bool setgroups_allowed, struct err *e);
/* child: the five capability sets (bounding first, ambient last). */
int rt_caps_apply(const struct rt_process *p, struct err *e);
/* child: umask, chdir(cwd), no_new_privs. */
int rt_process_finish(const struct rt_process *p, struct err *e);
/* child: execve args[0] looked up in the process's PATH; returns only on error. */
int rt_process_exec(const struct rt_process *p, struct err *e);

/* ------------------------------------------------------------------------
 * Seccomp (seccomp.c parses and loads, through libseccomp)
 * ------------------------------------------------------------------------ */

struct rt_seccomp;
int rt_seccomp_parse(const struct json *j, struct rt_seccomp **ret, struct err *e);
void rt_seccomp_free(struct rt_seccomp *s);
/* parent, before the clone: compile the filter to BPF, or read the program
 * compiled before from <state_root>/.seccomp/ (NULL: no cache), so that
 * the child only loads it. A filter not prepared is compiled at load. */
int rt_seccomp_prepare(struct rt_seccomp *s, const char *state_root, struct err *e);
/* child: load the filter; the last step before exec. */
int rt_seccomp_load(const struct rt_seccomp *s, struct err *e);
/* Whether a rule uses SCMP_ACT_NOTIFY (then rt_seccomp_load() refuses: use
 * rt_seccomp_load_notify() and pass the fd on). */
bool rt_seccomp_uses_notify(const struct rt_seccomp *s);
/* child: load the filter; *ret_fd is the notify listener fd (O_CLOEXEC) when
 * the filter uses SCMP_ACT_NOTIFY, else -1. The init sends that fd to the
 * parent (e.g. SCM_RIGHTS on its sync socket) and closes it. */
int rt_seccomp_load_notify(const struct rt_seccomp *s, int *ret_fd, struct err *e);
/* parent: connect to linux.seccomp.listenerPath and send the container
 * process state (ociVersion, fds ["seccompFd"], pid, metadata, state) with
 * notify_fd as SCM_RIGHTS, as runtime-spec config-linux.md asks. */
int rt_seccomp_notify_send(const struct rt_seccomp *s, int notify_fd, pid_t pid,
                           const struct json *state, struct err *e);

/* ------------------------------------------------------------------------
 * Mounts, rootfs and /dev (mount-opts.c parses; rootfs.c, dev.c apply)
 * ------------------------------------------------------------------------ */

struct rt_mount {
        char *destination; /* absolute, inside the container */
        char *source;      /* NULL for e.g. tmpfs without one */
        char *type;        /* NULL or "bind" for bind mounts */
        char *data;        /* fs-specific options for mount(2), NULL if none */
        unsigned long flags;       /* MS_* (MS_BIND, MS_REC, MS_RDONLY, ...) */
        unsigned long propagation; /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [| MS_REC], 0 none */
        uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* applied recursively (rro, rnosuid, ...) */
        unsigned long clear_flags; /* MS_* an option turned off explicitly (rw, suid, ...) */
        bool tmpcopyup;            /* tmpfs: copy the destination's content into it */
};
/* Parse one entry of "mounts" (options as mount(8) and the runtime spec). */
int rt_mount_parse(const struct json *j, struct rt_mount *ret, struct err *e);
void rt_mount_done(struct rt_mount *m);
/* MS_* propagation of "private", "rslave", ... (linux.rootfsPropagation); -EINVAL if unknown. */
int rt_mount_propagation_from_string(const char *s, unsigned long *ret);
/* Allocates: s made absolute (relative is taken from "/") and lexically
 * clean ("//", "." and ".." removed; ".." stops at "/"). NULL if s is empty
 * or holds a NUL before len. */
char *rt_path_clean(const char *s, size_t len);

struct rt_device {
        char *path; /* absolute, inside the container */
        char type;  /* 'c', 'u', 'b' or 'p' */
        int64_t major, minor;
        bool has_mode, has_uid, has_gid;
        uint32_t mode, uid, gid;
};

/* ------------------------------------------------------------------------
 * Hooks (spec.c parses; hooks.c runs)
 * ------------------------------------------------------------------------ */

enum rt_hook_kind {
        RT_HOOK_PRESTART,
        RT_HOOK_CREATE_RUNTIME,
        RT_HOOK_CREATE_CONTAINER,
        RT_HOOK_START_CONTAINER,
        RT_HOOK_POSTSTART,
        RT_HOOK_POSTSTOP,
        RT_HOOK_NKINDS,
};
const char *rt_hook_kind_to_string(enum rt_hook_kind k); /* "prestart", "createRuntime", ... */

struct rt_hook {
        char *path;
        char **args; /* NULL: argv is just path */
        char **env;  /* NULL: empty environment */
        int timeout; /* seconds; 0 none */
};

/* Run hooks in order, each with state (the OCI state JSON) on stdin; the
 * first that fails (exit != 0, signal, timeout) stops the run with an error
 * naming the hook kind, its path and why. May run in the child (create
 * and start container hooks). */
int rt_hooks_run(enum rt_hook_kind kind, const struct rt_hook *hooks, size_t n,
                 const struct json *state, struct err *e);

/* ------------------------------------------------------------------------
 * cgroups (resources.c parses; cgroup*.c apply)
 * ------------------------------------------------------------------------ */

struct rt_resources;
/* Parse linux.resources (NULL j gives an empty set). */
int rt_resources_parse(const struct json *j, struct rt_resources **ret, struct err *e);
void rt_resources_free(struct rt_resources *r);
struct rt_cgroup_opts {
        const char *id;
        const char *cgroups_path; /* linux.cgroupsPath; NULL picks a default from id */
        bool rootless;
        bool systemd;
        const struct rt_resources *resources;
        /* Leave the v1 directories (root, cgroupfs) and the resources to
         * rt_cgroup_finish: rt_create makes them while the init mounts. */
        bool defer_v1;
        const struct rt_cg_host *host; /* read before (rt_ctx_preload); NULL: now */
};

/* A new network namespace made in a thread of its own (so that only that
 * thread changes namespace) while its starter goes on. */
struct rt_netns_ahead {
        pthread_t thread;
        bool started;
        int fd, err; /* the namespace, or -1 and errno */
};
void rt_netns_ahead_start(struct rt_netns_ahead *n);
/* The namespace (the caller owns the fd), or -1. */
int rt_netns_ahead_take(struct rt_netns_ahead *n);

/* What rt_ctx_preload did ahead of a create. */
struct rt_preload {
        struct rt_cg_host *cg_host;
        struct rt_netns_ahead net; /* the next create's (fd -1 once taken) */
};
/* A container's cgroup in every hierarchy it uses. */
struct rt_cgroup;
/* Create the cgroup(s) and apply resources. Where berth may not (rootless
 * without delegation), it warns and returns a cgroup that does nothing. */
int rt_cgroup_create(const struct rt_cgroup_opts *o, struct rt_cgroup **ret, struct err *e);
/* With defer_v1: whether directories are left to make (the v1 ones). */
bool rt_cgroup_pending(const struct rt_cgroup *cg);
/* Make what defer_v1 left and apply resources. On failure what was made
 * stays for rt_cgroup_destroy. */
int rt_cgroup_finish(struct rt_cgroup *cg, const struct rt_resources *resources, struct err *e);
/* child: join every v1 hierarchy by path (after rt_cgroup_finish in the
 * parent, before pivot_root: the host's /sys/fs/cgroup is still there). */
int rt_cgroup_join_self_v1(const struct rt_cgroup *cg, struct err *e);
/* Move pid into the container's cgroup(s). */
int rt_cgroup_enter(const struct rt_cgroup *cg, pid_t pid, struct err *e);
/* A new process can join the cgroup itself, which is much cheaper on v1:
 * a write of another pid to cgroup.procs takes the kernel's global
 * threadgroup lock for writing (an RCU grace period, 10-16 ms here),
 * while a thread writing "0" to a v1 hierarchy's `tasks` file moves only
 * itself and skips that lock (a single-threaded child is then wholly
 * moved). The v2 directory is joined at birth with clone3's
 * CLONE_INTO_CGROUP. The parent opens the files before the clone:
 * rt_cgroup_join_open() fails (ENOTSUP) where the cgroup cannot be joined
 * this way (inactive, or a systemd unit that is made with the pid), and
 * the caller then uses rt_cgroup_enter(). */
struct rt_cg_join {
        int *tasks; /* the v1 hierarchies' tasks files, O_WRONLY */
        size_t n_tasks;
        int v2; /* the v2 directory for CLONE_INTO_CGROUP, or -1 */
};
#define RT_CG_JOIN_INIT {.tasks = NULL, .n_tasks = 0, .v2 = -1}
int rt_cgroup_join_open(const struct rt_cgroup *cg, struct rt_cg_join *j, struct err *e);
/* child, single-threaded, first thing (the init; exec's first child, whose
 * clone then is born in the cgroup): join every v1 hierarchy. */
int rt_cgroup_join_self(const struct rt_cg_join *j, struct err *e);
void rt_cgroup_join_close(struct rt_cg_join *j);
/* Apply resources again (update). */
int rt_cgroup_apply(const struct rt_cgroup *cg, const struct rt_resources *r, struct err *e);
/* Freeze/thaw through the freezer; fails clearly when there is no usable freezer. */
int rt_cgroup_freeze(const struct rt_cgroup *cg, bool frozen, struct err *e);
int rt_cgroup_is_frozen(const struct rt_cgroup *cg, bool *ret, struct err *e);
/* Pids in the cgroup (allocated). */
int rt_cgroup_pids(const struct rt_cgroup *cg, pid_t **ret, size_t *ret_n, struct err *e);
/* Remove the cgroup(s); processes must be gone (retries while they exit). */
int rt_cgroup_destroy(const struct rt_cgroup *cg, struct err *e);
/* Saved in the container state and loaded back by later commands. */
struct json *rt_cgroup_to_json(const struct rt_cgroup *cg);
/* For the container's /sys/fs/cgroup (rootfs-cgroup.c): each hierarchy
 * mounted right below root, as the name of its mount point and the
 * container's directory below that. Allocates both lists (NULL-terminated,
 * in the same order). False when the cgroup does not account for them all
 * (none is active, a hierarchy is mounted elsewhere, a hybrid host's v2 one
 * was not joined): the caller reads the host's layout then. */
bool rt_cgroup_layout(const struct rt_cgroup *cg, const char *root, char ***ret_names,
                      char ***ret_paths);
int rt_cgroup_from_json(const struct json *j, struct rt_cgroup **ret, struct err *e);
/* Whether this cgroup really exists (false for the do-nothing rootless one). */
bool rt_cgroup_is_active(const struct rt_cgroup *cg);
void rt_cgroup_free(struct rt_cgroup *cg);

/* ------------------------------------------------------------------------
 * The spec (spec.c, spec-process.c, spec-linux.c)
 * ------------------------------------------------------------------------ */

struct rt_time_offset {
        bool set;
        int64_t secs;
        uint32_t nanosecs;
};

struct rt_spec {
        struct json *doc; /* the whole document, for annotations and unknown keys */
        char *text;       /* what doc was parsed from (rt_spec_parse), or NULL */
        size_t text_len;
        char *oci_version;
        char *root_path; /* as written: relative to the bundle or absolute */
        bool root_readonly;
        char *hostname, *domainname;
        struct rt_process *process; /* NULL when absent (allowed only for exec) */
        struct rt_mount *mounts;
        size_t n_mounts;
        struct rt_hook *hooks[RT_HOOK_NKINDS];
        size_t n_hooks[RT_HOOK_NKINDS];
        struct json *annotations; /* points into doc, may be NULL */

        /* linux */
        struct rt_namespace ns[RT_NS_COUNT];
        struct rt_idmap *uid_mappings, *gid_mappings;
        size_t n_uid_mappings, n_gid_mappings;
        struct rt_time_offset time_boottime, time_monotonic;
        char **sysctl; /* "key=value" pairs */
        char *cgroups_path;
        struct rt_resources *resources; /* never NULL after parse */
        struct rt_device *devices;
        size_t n_devices;
        struct rt_seccomp *seccomp; /* NULL: none */
        char *rootfs_propagation;   /* NULL or "private", "rslave", ... */
        char **masked_paths, **readonly_paths;
        char *mount_label; /* SELinux mount label, NULL when none */
};

/* Flags of rt_spec_parse_flags() and rt_process_parse_flags(). */
enum {
        /* No warnings: the saved copy of a config that create parsed (and
         * warned about) already. */
        RT_SPEC_QUIET = 1 << 0,
};
int rt_spec_parse_flags(const char *buf, size_t len, unsigned flags, struct rt_spec **ret,
                        struct err *e);
int rt_process_parse_flags(const struct json *j, unsigned flags, struct rt_process **ret,
                           struct err *e);

/* spec-linux.c: parse the "linux" object (NULL when absent) into spec's linux
 * fields; rt_spec_linux_done() releases them. */
int rt_spec_linux_parse(const struct json *lx, struct rt_spec *spec, struct err *e);
void rt_spec_linux_done(struct rt_spec *spec);

/* Field readers shared by the spec parsers (spec.c). `where` names the object
 * ("linux.devices[2]", "" at the top) and errors name the field in full:
 * "linux.uidMappings[1].size: expected an integer, got string". An absent key
 * or a JSON null returns 0 and leaves *ret alone (an error if required); a
 * present one returns 1. Strings with NUL bytes are refused. */
int rt_json_string(const struct json *obj, const char *where, const char *key, bool required,
                   char **ret, struct err *e);
int rt_json_bool(const struct json *obj, const char *where, const char *key, bool *ret,
                 struct err *e);
/* Integers in [0, max]; for max UINT64_MAX, 18446744073709551615 is accepted too. */
int rt_json_uint(const struct json *obj, const char *where, const char *key, bool required,
                 uint64_t max, uint64_t *ret, struct err *e);
int rt_json_int(const struct json *obj, const char *where, const char *key, bool required,
                int64_t min, int64_t max, int64_t *ret, struct err *e);
/* Allocates: an array of strings (at most RT_MAX_ENTRIES) as a strv. */
int rt_json_strv(const struct json *obj, const char *where, const char *key, char ***ret,
                 struct err *e);
int rt_json_object(const struct json *obj, const char *where, const char *key,
                   const struct json **ret, struct err *e);
/* An array of at most max items. */
int rt_json_array(const struct json *obj, const char *where, const char *key, size_t max,
                  const struct json **ret, struct err *e);
/* Allocates: s made safe to quote in a message (control bytes, quotes and
 * backslashes as \xNN, cut at 200 bytes). */
char *rt_quote(const char *s);
/* Each entry of env must be "NAME=value" with a non-empty NAME; errors name field[i]. */
int rt_spec_check_env(char **env, const char *field, struct err *e);

/* ------------------------------------------------------------------------
 * The container's filesystem (rootfs.c, dev.c) -- child, in the new mount ns
 * ------------------------------------------------------------------------ */

struct rt_rootfs_opts {
        const struct rt_spec *spec;
        const char *rootfs;  /* absolute host path of the root filesystem */
        bool no_pivot;
        bool in_userns;      /* a new user namespace: devices are bind-mounted */
        const struct rt_cgroup *cgroup; /* the container's, joined; NULL: unknown */
        /* Called once before the first cgroup mount, or after the mounts:
         * the init joins the rest of its cgroup then (NULL: nothing). */
        int (*cgroup_ready)(void *data, struct err *e);
        void *cgroup_ready_data;
        const char *bundle;  /* relative bind sources start here; NULL: the cwd */
};
/* child: root propagation, bind of the rootfs onto itself, the spec's mounts
 * in order, default devices and linux.devices, /dev links. Everything up to
 * (not including) pivot_root: createContainer hooks run after it. */
int rt_rootfs_prepare(const struct rt_rootfs_opts *o, struct err *e);
/* child: pivot_root (or chroot), then masked and read-only paths, a read-only
 * root, and rootfsPropagation. Afterwards "/" is the container's root. */
int rt_rootfs_finish(const struct rt_rootfs_opts *o, struct err *e);
/* child: mount spec mount number i (rootfs-mount.c) at its destination inside
 * rootfd (an O_PATH fd of the container's root, before pivot_root). */
int rt_rootfs_mount_one(const struct rt_rootfs_opts *o, int rootfd, size_t i, struct err *e);
/* child: a new filesystem of type at m's destination; where the kernel
 * refuses it (EPERM, EACCES, EBUSY, EINVAL: a user namespace), or without
 * try_fs, the host's `host` is bound instead, with m's flags all through. */
int rt_rootfs_mount_fs_or_host(const struct rt_rootfs_opts *o, int rootfd,
                               const struct rt_mount *m, const char *type, const char *host,
                               bool try_fs, struct err *e);
/* child: a "cgroup"/"cgroup2" mount (rootfs-cgroup.c). */
int rt_rootfs_mount_cgroup(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                           struct err *e);
/* child: /dev's default devices, linux.devices and the /dev links (dev.c). */
int rt_dev_setup(const struct rt_rootfs_opts *o, int rootfd, struct err *e);
/* Open path inside rootfd (O_PATH), creating what is missing: directories
 * for the parents, and the last component as a directory or, with is_file,
 * an empty file. Symlinks are followed inside the root only. */
int rt_mkpath_in_root(int rootfd, const char *path, bool is_file, int *ret_fd, struct err *e);

/* ------------------------------------------------------------------------
 * Terminal (console.c)
 * ------------------------------------------------------------------------ */

/* Connect to a --console-socket path (in the parent, before the rootfs
 * changes); O_CLOEXEC fd. */
int rt_console_socket_connect(const char *path, int *ret_fd, struct err *e);
/* child, after rt_rootfs_finish(): open a pty from the container's
 * /dev/ptmx, send the master over sockfd (SCM_RIGHTS), make the slave the
 * controlling terminal and stdin/stdout/stderr, size it if h and w > 0. */
int rt_console_setup(int sockfd, unsigned h, unsigned w, struct err *e);
