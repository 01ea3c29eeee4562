/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctr-spec.h: engine-private: build a container's OCI runtime config
 * (config.json) the way podman 4.3 does, from the image config,
 * containers.conf and the `run`/`create` options. Pure library code: it
 * starts no process and mounts nothing; the container commands call it.
 *
 * The pieces: seccomp profile translation (ctr-seccomp.c), --ulimit and
 * default rlimits (ctr-ulimit.c), -u/--group-add resolution inside the
 * rootfs (ctr-user.c), and the spec itself (ctr-spec*.c).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "base.h"

/* ---------------------------------------------------------------- seccomp */

/* Host facts that select seccomp rules; NULL fields mean "this machine". */
struct ctr_seccomp_host {
        const char *arch;           /* libseccomp native name: "amd64", "arm64", "x86", ... */
        const char *kernel_release; /* uname -r, for minKernel */
};

/* The libseccomp native architecture name of this machine ("amd64" on
 * x86_64), as profiles name it in includes/excludes.arches; NULL if unknown. */
const char *ctr_seccomp_native_arch(void);

/* Allocates: translate a parsed profile in docker's / containers-common's
 * format into an OCI linux.seccomp object for a capability bounding set, as
 * containers/common's seccomp package does. name (the file) prefixes errors. */
int ctr_seccomp_translate(const struct json *profile, const char *name, char *const *bounding,
                          const struct ctr_seccomp_host *host, struct json **ret, struct err *e);
/* Allocates: parse profile text (bounded by the caller) and translate it. */
int ctr_seccomp_translate_buf(const char *buf, size_t len, const char *name, char *const *bounding,
                              const struct ctr_seccomp_host *host, struct json **ret,
                              struct err *e);
/* Allocates: berth's built-in profile (same format), the fallback when
 * containers.conf's default profile file is missing. */
struct json *ctr_seccomp_builtin_profile(void);
/* Allocates: the linux.seccomp object for a container. path NULL or
 * "unconfined" gives *ret = NULL. explicit says the user named path
 * (--security-opt seccomp=PATH): then a missing file is an error; the
 * configured default falls back to the built-in profile instead.
 * cache_dir (NULL: none) keeps translations (ctr-seccomp-cache.c). */
int ctr_seccomp_load(const char *path, bool explicit, char *const *bounding,
                     const struct ctr_seccomp_host *host, const char *cache_dir, struct json **ret,
                     struct err *e);
/* The translation cache's key: everything a translation depends on. */
void ctr_seccomp_cache_key(struct sbuf *k, const char *profile, size_t len, char *const *bounding,
                           const char *arch, const char *kernel_release);
/* 1 and *ret (allocated) when dir holds the translation for key k, else 0. */
int ctr_seccomp_cache_get(const char *dir, const struct sbuf *k, struct json **ret);
/* Best effort: keep val as the translation for key k in dir. */
void ctr_seccomp_cache_put(const char *dir, const struct sbuf *k, const struct json *val);

/* ---------------------------------------------------------------- rlimits */

#define CTR_RLIM_UNLIMITED UINT64_MAX
/* podman's default for RLIMIT_NOFILE / RLIMIT_NPROC (define.RLimitDefaultValue). */
#define CTR_RLIM_PODMAN_DEFAULT 1048576u

struct ctr_rlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft, hard;
};

/* The limits berth runs under and whether it may raise hard limits. */
struct ctr_host_limits {
        struct rlimit cur[RLIM_NLIMITS];
        bool may_raise; /* CAP_SYS_RESOURCE in the effective set */
};

/* Read this process's rlimits and CapEff bit 24 (CAP_SYS_RESOURCE). */
void ctr_host_limits_get(struct ctr_host_limits *ret);
/* Parse docker's "name=soft[:hard]" (-1: unlimited); name without RLIMIT_. */
int ctr_ulimit_parse(const char *s, struct ctr_rlimit *ret, struct err *e);
/* "nofile" for RLIMIT_NOFILE; NULL if unknown. */
const char *ctr_rlimit_name(int resource);
/* Allocates: process.rlimits as podman 4.3 builds them: the --ulimit values
 * if any (an explicit value above a hard limit berth may not raise is an
 * error), else containers.conf's default_ulimits, then NOFILE (and NPROC
 * where podman adds it) at podman's maximum; defaults are clamped to the
 * hard limit when berth may not raise it (logged at debug level). */
int ctr_rlimits_build(char *const *ulimits, char *const *defaults, bool rootless,
                      const struct ctr_host_limits *host, struct json **ret, struct err *e);

/* ---------------------------------------------------------------- users */

struct ctr_user {
        uint32_t uid, gid;
        uint32_t *gids; /* process.user.additionalGids, in podman's order */
        size_t n_gids;
        char *home; /* from passwd; NULL: HOME is not set */
};

/* Resolve -u user[:group] (names or numbers; NULL or "" for the default
 * root user) and --group-add inside the rootfs at rootfd, reading its
 * /etc/passwd and /etc/group without leaving the root. Errors use podman's
 * words ("unable to find user foo: no matching entries in passwd file"). */
int ctr_user_resolve(int rootfd, const char *spec, char *const *group_add, struct ctr_user *ret,
                     struct err *e);
void ctr_user_done(struct ctr_user *u);

/* ---------------------------------------------------------------- the spec */

enum ctr_userns_mode {
        CTR_USERNS_HOST,    /* no user namespace */
        CTR_USERNS_PRIVATE, /* --uidmap/--gidmap, keep-id, auto: mappings given */
};

struct ctr_mount {
        const char *destination;
        const char *type;   /* "bind" (volumes resolved to their host dir), "tmpfs", ... */
        const char *source; /* host path; "tmpfs" for tmpfs */
        char **options;     /* as the user gave them; podman's defaults are added */
};

struct ctr_spec_opts {
        const char *id; /* 64-hex container id */
        const char *name;
        const char *rootfs;  /* host path of the mounted rootfs (root.path) */
        int rootfs_fd;       /* for /etc/passwd and /etc/group; -1: open rootfs */
        const char *created; /* RFC 3339 creation time; NULL: now */

        /* Files berth made for the container (host paths; NULL: no mount). */
        const char *hosts_path, *hostname_path, *resolv_conf_path, *containerenv_path;
        const char *shm_path; /* a tmpfs berth mounted: bound like podman; NULL: tmpfs here */
        int64_t shm_size;     /* --shm-size in bytes; 0: 64m */

        char **env;             /* -e KEY=VALUE, or KEY to copy from berth's environment */
        char **env_file;        /* --env-file lines already read (KEY=VALUE / KEY) */
        const char *entrypoint; /* --entrypoint: a string or a JSON array; "" clears; NULL: image */
        char **cmd;             /* positional command; NULL: image CMD */
        const char *workdir, *user, *hostname;
        bool tty, remove;
        bool read_only;
        bool no_read_only_tmpfs; /* --read-only-tmpfs=false */
        const char *init_path;   /* --init: catatonit on the host; NULL: no init */
        char **cap_add, **cap_drop;
        bool privileged;
        char **security_opt; /* seccomp=, no-new-privileges, label=, mask=, unmask= */
        char **ulimits;      /* --ulimit */
        int64_t memory;      /* bytes, 0: unset */
        int64_t memory_swap; /* bytes, 0: unset (2x memory), -1: unlimited */
        double cpus;         /* 0: unset */
        uint64_t cpu_shares;
        uint64_t cpu_period;        /* 0: unset */
        int64_t cpu_quota;          /* 0: unset */
        const char *cpuset_cpus;    /* NULL: unset */
        const char *cpuset_mems;    /* NULL: unset */
        int64_t memory_reservation; /* bytes, 0: unset */
        int oom_score_adj;
        bool oom_score_adj_set;
        int64_t pids_limit;  /* 0: containers.conf pids_limit, -1: unlimited */
        bool pids_limit_set; /* --pids-limit given (then 0 means unlimited, as podman) */
        char **devices;      /* --device host[:ctr][:perm] */
        int stop_signal;     /* 0: SIGTERM; only an annotation here */
        char **annotations;  /* --annotation KEY=VALUE */
        char **group_add;
        const struct ctr_mount *mounts; /* -v, --mount, --tmpfs, resolved to host paths */
        size_t n_mounts;

        enum ctr_userns_mode userns;
        const struct id_map *uid_map, *gid_map;
        size_t n_uid_map, n_gid_map;
        bool keep_id; /* --userns=keep-id: the user defaults to the caller's */

        char **sysctls;              /* --sysctl KEY=VALUE, checked; over default_sysctls */
        unsigned umask;              /* --umask or containers.conf's, when umask_set */
        bool umask_set;
        const char *network;         /* "none", "host", "ns:PATH", "container:ID", NULL: private */
        const char *network_ns_path; /* for container:ID, that container's netns path */
        /* --pid, --ipc, --uts: NULL (private), "host", or joined at
         * *_ns_path ("container:ID", "ns:PATH"); --ipc also "none" (no
         * /dev/shm) and "shareable" (private). */
        const char *pid, *pid_ns_path, *ipc, *ipc_ns_path, *uts, *uts_ns_path;
        const char *uts_hostname; /* --uts container:ID: its hostname */
        bool rootless;
        enum cgroup_mode cgroup_mode;
        const char *cgroup_parent; /* NULL: podman-like default */
        const char *cgroups;       /* --cgroups: "enabled" (NULL) or "disabled" */

        /* ctr_spec_seccomp's result computed ahead; NULL: computed here. */
        struct ctr_seccomp_pre *seccomp_pre;

        /* Where translated seccomp profiles are kept; NULL: nowhere. */
        const char *seccomp_cache_dir;
        /* Host facts, for tests; NULL/0: read from this machine. */
        const struct ctr_seccomp_host *seccomp_host;
        const struct ctr_host_limits *host_limits;
        uint64_t host_capbnd;      /* bounding set mask; 0: /proc/self/status CapBnd */
        const char *dev_dir;       /* where --privileged finds host devices; NULL: /dev */
        const char *host_hostname; /* for --network=host; NULL: gethostname() */
};

/* Whether the spec will have a new network namespace and no user
 * namespace (one a monitor may make ahead, monitor.h's --new-netns). */
bool ctr_spec_own_netns(const struct ctr_spec_opts *o);
/* linux.seccomp as ctr_spec_build makes it (NULL: unconfined), from o's
 * security options and capabilities and containers.conf alone: a create
 * computes it while the storage syncs its records (o->seccomp_pre). */
int ctr_spec_seccomp(const struct ctr_spec_opts *o, const struct config *conf, struct json **ret,
                     struct err *e);
struct ctr_seccomp_pre {
        int r;               /* ctr_spec_seccomp's return */
        struct json *profile; /* taken by ctr_spec_build */
        struct err err;
};

/* Allocates: config.json as a JSON tree. image_config is the image's OCI
 * config object ("config" of the image config blob: Env, Entrypoint, Cmd,
 * WorkingDir, User, ...), or NULL. */
int ctr_spec_build(const struct ctr_spec_opts *o, const struct json *image_config,
                   const struct config *conf, struct json **ret, struct err *e);

/* ------------------------------------------------ internal to ctr-spec*.c */

/* Allocates: a capability set as podman computes it (sorted "CAP_X" names). */
int ctr_caps_compute(const struct ctr_spec_opts *o, const struct config *conf, char ***ret_bounding,
                     struct err *e);
/* A capability's name without "CAP_" by number ("CHOWN" for 0), NULL
 * past the ones this berth knows. */
const char *ctr_cap_name(unsigned nr);
/* The capability bounding set mask of this process (CapBnd). */
uint64_t ctr_caps_host_bounding(void);
/* Allocates: normalise one capability name ("net_admin" -> "CAP_NET_ADMIN",
 * "all" -> "ALL"); EINVAL for unknown names. */
int ctr_cap_normalize(const char *name, char **ret, struct err *e);
/* Add the default, user and --init mounts to spec.mounts, in podman's set
 * and sorted by destination depth. */
int ctr_spec_mounts(const struct ctr_spec_opts *o, struct json *spec, bool netns_host,
                    struct err *e);
/* Add linux.devices and resources.devices for --device and --privileged. */
int ctr_spec_devices(const struct ctr_spec_opts *o, struct json *lx, struct json *resources,
                     struct err *e);
/* Parse --device "host[:container][:perm]" as podman does. Allocates. */
/* Allocates: the container's hostname: --hostname, the host's for
 * --network host or --uts host, a shared UTS namespace's owner's, else the
 * short ID. */
char *ctr_spec_hostname(const struct ctr_spec_opts *o);
int ctr_device_parse(const char *s, char **ret_src, char **ret_dst, char **ret_perm, struct err *e);
/* --sysctl KEY=VALUE: the namespaced ones podman 4.3 allows (kernel's IPC
 * ones, fs.mqueue.*, net.* unless the network is the host's). */
int ctr_sysctl_check(const char *kv, const char *network, struct err *e);
/* Where --init's binary is bound in the container (podman: /run/podman-init). */
#define CTR_INIT_PATH "/run/berth-init"
/* Set process.capabilities for the bounding set and the user spec. */
int ctr_spec_capabilities(const struct ctr_spec_opts *o, char *const *bounding, const char *user,
                          struct json *process, struct err *e);
/* Allocates: process.args from --entrypoint/command and the image (docker's rules). */
int ctr_spec_args(const struct ctr_spec_opts *o, const struct json *img, char ***ret,
                  struct err *e);
/* Allocates: process.env: defaults, image Env, --env-file, -e, then HOME and HOSTNAME. */
int ctr_spec_env(const struct ctr_spec_opts *o, const struct json *img, const char *hostname,
                 const char *home, char ***ret, struct err *e);
/* The working directory: -w, the image's WorkingDir, else "/". */
int ctr_spec_cwd(const struct ctr_spec_opts *o, const struct json *img, const char **ret,
                 struct err *e);
/* Add linux namespaces, id mappings, resources, cgroupsPath, devices and sysctls. */
int ctr_spec_linux(const struct ctr_spec_opts *o, const struct config *conf, struct json *lx,
                   bool netns_host, struct err *e);
/* Add linux.maskedPaths and readonlyPaths: podman's lists edited by mask=/unmask=. */
int ctr_spec_masked_paths(const struct ctr_spec_opts *o, struct json *lx, struct err *e);
