/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup-internal.h: what resources.c, cgroup.c, cgroup-v1.c and cgroup-v2.c
 * (and ctx.c, for rt_ctx_preload) share: the parsed linux.resources, the
 * layout of the host's cgroup hierarchies and a container's cgroup in them.
 *
 * The host layout (mount points, the runtime's own cgroup) is a value that
 * tests build from text and a temp directory, so path computation is
 * tested without touching /sys/fs/cgroup.
 */
#pragma once

#include "rt-internal.h"

#include "base.h"

/* ------------------------------------------------------------------------
 * linux.resources (resources.c). Every field keeps whether it was present:
 * an absent field leaves the kernel's value alone, which 0 would not.
 * ------------------------------------------------------------------------ */

#define RT_CG_ANY (-1) /* a wildcard major or minor in a device rule */

struct rt_res_device {
        bool allow;
        char type;            /* 'a', 'c' or 'b' */
        int64_t major, minor; /* RT_CG_ANY: any */
        char access[4];       /* non-empty subset of "rwm", in that order */
};

struct rt_res_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
};

struct rt_res_throttle {
        int64_t major, minor;
        uint64_t rate;
};

enum rt_res_throttle_kind {
        RT_THROTTLE_READ_BPS,
        RT_THROTTLE_WRITE_BPS,
        RT_THROTTLE_READ_IOPS,
        RT_THROTTLE_WRITE_IOPS,
        RT_THROTTLE_NKINDS,
};

struct rt_res_hugepage {
        char *page_size; /* "2MB": digits then KB/MB/GB/TB/PB */
        uint64_t limit;
};

struct rt_res_ifprio {
        char *name;
        uint32_t priority;
};

struct rt_res_rdma {
        char *device;
        bool has_handles, has_objects;
        uint32_t handles, objects;
};

struct rt_resources {
        struct rt_res_device *devices;
        size_t n_devices;

        /* memory: -1 means unlimited; 0 is "not set", as runc reads it */
        bool has_mem_limit, has_mem_reservation, has_mem_swap, has_mem_kernel, has_mem_kernel_tcp,
                has_mem_swappiness, has_disable_oom_killer, has_use_hierarchy;
        int64_t mem_limit, mem_reservation, mem_swap, mem_kernel, mem_kernel_tcp;
        uint64_t mem_swappiness; /* 0..100 */
        bool disable_oom_killer, use_hierarchy, check_before_update;

        /* cpu */
        bool has_cpu_shares, has_cpu_quota, has_cpu_burst, has_cpu_period, has_rt_runtime,
                has_rt_period, has_cpu_idle;
        uint64_t cpu_shares; /* 2..262144 */
        int64_t cpu_quota;   /* -1: unlimited */
        uint64_t cpu_burst, cpu_period;
        int64_t rt_runtime;
        uint64_t rt_period;
        int64_t cpu_idle;  /* 0 or 1 */
        char *cpus, *mems; /* cpuset lists, NULL: not set */

        bool has_pids_limit;
        int64_t pids_limit; /* <= 0: unlimited */

        /* blockIO */
        bool has_blkio_weight, has_blkio_leaf_weight;
        uint16_t blkio_weight, blkio_leaf_weight; /* 10..1000 */
        struct rt_res_weight_device *weight_devices;
        size_t n_weight_devices;
        struct rt_res_throttle *throttle[RT_THROTTLE_NKINDS];
        size_t n_throttle[RT_THROTTLE_NKINDS];

        struct rt_res_hugepage *hugepages;
        size_t n_hugepages;

        bool has_net_class_id;
        uint32_t net_class_id;
        struct rt_res_ifprio *net_prios;
        size_t n_net_prios;

        struct rt_res_rdma *rdma;
        size_t n_rdma;

        char **unified_keys, **unified_values; /* n_unified of each */
        size_t n_unified;
};

/* Allowed after the configured device rules, whenever there are any. */
extern const struct rt_res_device rt_res_default_devices[];
extern const size_t rt_res_n_default_devices;

/* True when r asks for nothing at all. */
bool rt_resources_empty(const struct rt_resources *r);
/* Allocates: a short human list of what r asks ("memory limit 64MiB, pids
 * limit 10"), for the rootless warning. */
char *rt_resources_describe(const struct rt_resources *r);
/* "blkio.throttle.read_bps_device" style suffix of a throttle kind ("read_bps"). */
const char *rt_res_throttle_name(enum rt_res_throttle_kind k);
/* cgroup v2 values derived from v1-style ones, as runc and crun convert them. */
uint64_t rt_res_shares_to_weight(uint64_t shares);
uint64_t rt_res_blkio_to_io_weight(uint64_t weight);
/* Allocates: the rdma.max line of d ("mlx4_0 hca_handle=2 hca_object=max"). */
char *rt_res_rdma_line(const struct rt_res_rdma *d);
/* memory.swap.max from the spec's memory+swap value; error when it cannot be
 * expressed (swap without a limit, swap below the limit). *ret -1 is "max". */
int rt_res_v2_swap(const struct rt_resources *r, int64_t *ret, struct err *e);

/* ------------------------------------------------------------------------
 * The host's hierarchies (cgroup.c)
 * ------------------------------------------------------------------------ */

/* A cgroup or cgroup2 mount from mountinfo. */
struct rt_cg_mount {
        char *mountpoint; /* as mountinfo shows it */
        char *root;       /* the hierarchy path mounted there ("/" usually) */
        char *options;    /* v1 super options ("rw,cpu,cpuacct"), "" for v2 */
        bool v2;
};

/* A line of /proc/self/cgroup: "4:memory:/a/b". */
struct rt_cg_self {
        unsigned id;       /* 0 for the v2 line */
        char *controllers; /* "cpu,cpuacct", "name=systemd", "" for v2 */
        char *path;        /* absolute */
};

struct rt_cg_host {
        char *prefix; /* prepended to mount points: "" on the host, a temp dir in tests */
        enum cgroup_mode mode;
        bool rootless;     /* cannot expect to write cgroupfs: warn and go on */
        char *systemd_dir; /* "/run/systemd/system": present when systemd runs */
        struct rt_cg_mount *mounts;
        size_t n_mounts;
        struct rt_cg_self *self;
        size_t n_self;
};

/* Allocates: the cgroup and cgroup2 mounts of mountinfo text. */
int rt_cg_mountinfo_parse(const char *buf, struct rt_cg_mount **ret, size_t *ret_n, struct err *e);
/* Allocates: the lines of /proc/<pid>/cgroup text. */
int rt_cg_self_parse(const char *buf, struct rt_cg_self **ret, size_t *ret_n, struct err *e);
/* Fill h from text (tests pass a fake tree under prefix). */
int rt_cg_host_init(struct rt_cg_host *h, const char *prefix, enum cgroup_mode mode,
                    const char *mountinfo, const char *self_cgroup, bool rootless, struct err *e);
/* Fill h from this host: /proc/self/mountinfo, /proc/self/cgroup, the mode
 * host_cgroup_mode() sees at /sys/fs/cgroup. */
int rt_cg_host_load(struct rt_cg_host *h, bool rootless, struct err *e);
void rt_cg_host_done(struct rt_cg_host *h);
/* Allocates: cgroupsPath cleaned ("a//b/./c" -> "a/b/c"), absolute stays
 * absolute; ".." and the root cgroup itself are refused. */
int rt_cg_clean_path(const char *path, char **ret, struct err *e);

/* ------------------------------------------------------------------------
 * A container's cgroup
 * ------------------------------------------------------------------------ */

/* The container's directory in one hierarchy. */
struct rt_cg_dir {
        char *controllers; /* v1: "memory", "cpu,cpuacct", "name=systemd"; v2: "" */
        bool v2;
        char *mount;   /* the hierarchy's mount point (with the host prefix) */
        char *dir;     /* absolute directory of the container's cgroup */
        char *created; /* the topmost directory this runtime made (dir or a parent), or NULL */
};

struct rt_cg_systemd; /* cgroup-systemd.h */

struct rt_cgroup {
        enum cgroup_mode mode;
        bool active; /* false: rootless without delegation, everything is a no-op */
        char *path;  /* the cgroup path as computed (for messages and state) */
        struct rt_cg_dir *dirs;
        size_t n_dirs;
        struct rt_cg_systemd *sd; /* the systemd manager's unit; NULL with cgroupfs */
        bool pending;             /* defer_v1: the v1 directories are not made yet */
};

/* Create the cgroup on a given host layout (rt_cgroup_create() on the real one). */
int rt_cg_create_on(const struct rt_cg_host *h, const struct rt_cgroup_opts *o,
                    struct rt_cgroup **ret, struct err *e);
/* The directory of the hierarchy that holds controller ("memory"), NULL if
 * none; for v2 the one directory. */
const struct rt_cg_dir *rt_cg_find(const struct rt_cgroup *cg, const char *controller);
/* Whether the comma list has the controller name. */
bool rt_cg_list_has(const char *list, const char *name);

/* File helpers: errors name the value and the file. */
int rt_cg_write(const char *dir, const char *file, const char *value, struct err *e);
int rt_cg_write_u64(const char *dir, const char *file, uint64_t v, struct err *e);
int rt_cg_write_i64(const char *dir, const char *file, int64_t v, struct err *e);
/* Allocates: a file's content without its trailing newline. */
int rt_cg_read(const char *dir, const char *file, char **ret, struct err *e);
bool rt_cg_file_exists(const char *dir, const char *file);
/* Sleep ms milliseconds. */
void rt_cg_sleep_ms(unsigned ms);

/* cgroup-v1.c */
/* Apply r to every v1 hierarchy of cg; update: a later change (checkBeforeUpdate). */
int rt_cg_v1_apply(const struct rt_cgroup *cg, const struct rt_resources *r, bool update,
                   struct err *e);
/* Fill a new cpuset directory's cpus and mems from its parent (v1 leaves them empty). */
int rt_cg_v1_cpuset_init(const char *dir, struct err *e);
int rt_cg_v1_freeze(const struct rt_cg_dir *d, bool frozen, struct err *e);
int rt_cg_v1_is_frozen(const struct rt_cg_dir *d, bool *ret, struct err *e);

/* cgroup-v2.c */
/* Enable the controllers r needs (and the rest available) in the
 * subtree_control of each level from the mount's root down to d->dir's parent. */
int rt_cg_v2_enable(const struct rt_cg_dir *d, const struct rt_resources *r, struct err *e);
int rt_cg_v2_apply(const struct rt_cg_dir *d, const struct rt_resources *r, bool update,
                   struct err *e);
/* Device rules (then the defaults) as an eBPF program attached to dir,
 * replacing the programs attached there before. Nothing when r has none. */
int rt_cg_v2_devices(const char *dir, const struct rt_resources *r, struct err *e);
int rt_cg_v2_freeze(const struct rt_cg_dir *d, bool frozen, struct err *e);
int rt_cg_v2_is_frozen(const struct rt_cg_dir *d, bool *ret, struct err *e);
