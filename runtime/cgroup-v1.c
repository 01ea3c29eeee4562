/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources into cgroup v1 files, one hierarchy per controller (or a
 * few co-mounted), and the v1 freezer. Also used on hybrid hosts, whose
 * cgroup2 mount holds no controllers.
 *
 * A resource whose controller is not mounted is an error, not a silent
 * skip: the caller asked for a limit that would not hold.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cgroup-internal.h"

#define FREEZE_TIMEOUT_MS 5000

/* The directory of controller, or an error naming the field that needs it. */
static int need(const struct rt_cgroup *cg, const char *controller, const char *field,
                const char **ret, struct err *e)
{
        const struct rt_cg_dir *d = rt_cg_find(cg, controller);
        if (!d)
                return err_set(e, ENOTSUP,
                               "linux.resources.%s: the %s cgroup controller is not mounted on "
                               "this host",
                               field, controller);
        *ret = d->dir;
        return 0;
}

/* v1 takes -1 for "unlimited" in the memory files. */
static int write_mem(const char *dir, const char *file, int64_t v, struct err *e)
{
        return rt_cg_write_i64(dir, file, v < 0 ? -1 : v, e);
}

static int read_u64(const char *dir, const char *file, uint64_t *ret, struct err *e)
{
        _cleanup_free_ char *s = NULL;
        int r = rt_cg_read(dir, file, &s, e);
        if (r < 0)
                return r;
        if (str_to_uint64(s, ret) < 0)
                return err_set(e, EINVAL, "'%s/%s': not a number: '%s'", dir, file, s);
        return 0;
}

/* Memory and memory+swap: the kernel keeps memsw >= memory at every step,
 * so the one that grows goes first. */
static int v1_memory_limits(const char *dir, const struct rt_resources *r, struct err *e)
{
        const char *memsw = "memory.memsw.limit_in_bytes", *mem = "memory.limit_in_bytes";
        bool has_swap = r->has_mem_swap;
        int64_t swap = r->mem_swap;
        bool have_memsw = rt_cg_file_exists(dir, memsw);
        if (r->has_mem_limit && r->mem_limit < 0 && !has_swap && have_memsw) {
                has_swap = true; /* an unlimited memory needs an unlimited memsw */
                swap = -1;
        }
        if (has_swap && !have_memsw) {
                if (swap >= 0)
                        log_msg(LOG_WARN, "the memory+swap limit is not applied: this kernel "
                                          "has no swap accounting");
                has_swap = false;
        }
        if (r->has_mem_limit && has_swap && swap >= 0 && r->mem_limit >= 0 && swap < r->mem_limit)
                return err_set(e, EINVAL,
                               "linux.resources.memory.swap: %lld is below the memory limit "
                               "%lld (swap is memory+swap)",
                               (long long)swap, (long long)r->mem_limit);
        int ret;
        if (r->has_mem_limit && has_swap) {
                uint64_t cur;
                bool swap_first = swap < 0;
                if (!swap_first) {
                        if ((ret = read_u64(dir, memsw, &cur, e)) < 0)
                                return ret;
                        swap_first = (uint64_t)swap > cur;
                }
                if (swap_first)
                        return (ret = write_mem(dir, memsw, swap, e)) < 0
                                       ? ret
                                       : write_mem(dir, mem, r->mem_limit, e);
                if ((ret = write_mem(dir, mem, r->mem_limit, e)) < 0)
                        return ret;
                return write_mem(dir, memsw, swap, e);
        }
        if (r->has_mem_limit)
                return write_mem(dir, mem, r->mem_limit, e);
        if (has_swap)
                return write_mem(dir, memsw, swap, e);
        return 0;
}

static int v1_memory(const struct rt_cgroup *cg, const struct rt_resources *r, bool update,
                     struct err *e)
{
        if (!(r->has_mem_limit || r->has_mem_reservation || r->has_mem_swap || r->has_mem_kernel ||
              r->has_mem_kernel_tcp || r->has_mem_swappiness || r->has_disable_oom_killer ||
              r->has_use_hierarchy))
                return 0;
        const char *dir = NULL;
        int ret = need(cg, "memory", "memory", &dir, e);
        if (ret < 0)
                return ret;
        if (update && r->check_before_update && r->has_mem_limit && r->mem_limit > 0) {
                uint64_t usage;
                if ((ret = read_u64(dir, "memory.usage_in_bytes", &usage, e)) < 0)
                        return ret;
                if (usage > (uint64_t)r->mem_limit)
                        return err_set(e, EBUSY,
                                       "linux.resources.memory.limit: %lld is below the "
                                       "current usage of %" PRIu64 " bytes",
                                       (long long)r->mem_limit, usage);
        }
        if ((ret = v1_memory_limits(dir, r, e)) < 0)
                return ret;
        if (r->has_mem_reservation &&
            (ret = write_mem(dir, "memory.soft_limit_in_bytes", r->mem_reservation, e)) < 0)
                return ret;
        /* Kernel memory limits are deprecated and refused by recent kernels. */
        if (r->has_mem_kernel) {
                struct err e2 = {0};
                if (write_mem(dir, "memory.kmem.limit_in_bytes", r->mem_kernel, &e2) < 0)
                        log_msg(LOG_WARN, "kernel memory limit not applied: %s", e2.msg);
                err_done(&e2);
        }
        if (r->has_mem_kernel_tcp &&
            (ret = write_mem(dir, "memory.kmem.tcp.limit_in_bytes", r->mem_kernel_tcp, e)) < 0)
                return ret;
        if (r->has_mem_swappiness &&
            (ret = rt_cg_write_u64(dir, "memory.swappiness", r->mem_swappiness, e)) < 0)
                return ret;
        if (r->has_disable_oom_killer &&
            (ret = rt_cg_write(dir, "memory.oom_control", r->disable_oom_killer ? "1" : "0", e)) <
                    0)
                return ret;
        if (r->has_use_hierarchy) {
                /* Recent kernels fix it at 1 and refuse writes: write only a change. */
                uint64_t cur;
                if (read_u64(dir, "memory.use_hierarchy", &cur, NULL) == 0 &&
                    cur == (r->use_hierarchy ? 1 : 0))
                        return 0;
                return rt_cg_write(dir, "memory.use_hierarchy", r->use_hierarchy ? "1" : "0", e);
        }
        return 0;
}

static int v1_cpu(const struct rt_cgroup *cg, const struct rt_resources *r, struct err *e)
{
        const char *dir = NULL;
        int ret;
        if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpu_burst ||
            r->has_rt_runtime || r->has_rt_period || r->has_cpu_idle) {
                if ((ret = need(cg, "cpu", "cpu", &dir, e)) < 0)
                        return ret;
                if (r->has_cpu_shares &&
                    (ret = rt_cg_write_u64(dir, "cpu.shares", r->cpu_shares, e)) < 0)
                        return ret;
                if (r->has_cpu_period) {
                        struct err e2 = {0};
                        ret = rt_cg_write_u64(dir, "cpu.cfs_period_us", r->cpu_period, &e2);
                        /* A smaller period can clash with the current quota: quota first. */
                        if (ret < 0 && (e2.code != EINVAL || !r->has_cpu_quota))
                                return err_move(e, &e2);
                        err_done(&e2);
                        if (ret < 0 &&
                            ((ret = rt_cg_write_i64(dir, "cpu.cfs_quota_us", r->cpu_quota, e)) <
                                     0 ||
                             (ret = rt_cg_write_u64(dir, "cpu.cfs_period_us", r->cpu_period, e)) <
                                     0))
                                return ret;
                }
                if (r->has_cpu_quota &&
                    (ret = rt_cg_write_i64(dir, "cpu.cfs_quota_us", r->cpu_quota, e)) < 0)
                        return ret;
                if (r->has_cpu_burst &&
                    (ret = rt_cg_write_u64(dir, "cpu.cfs_burst_us", r->cpu_burst, e)) < 0)
                        return ret;
                if (r->has_rt_period &&
                    (ret = rt_cg_write_u64(dir, "cpu.rt_period_us", r->rt_period, e)) < 0)
                        return ret;
                if (r->has_rt_runtime &&
                    (ret = rt_cg_write_i64(dir, "cpu.rt_runtime_us", r->rt_runtime, e)) < 0)
                        return ret;
                if (r->has_cpu_idle && (ret = rt_cg_write_i64(dir, "cpu.idle", r->cpu_idle, e)) < 0)
                        return ret;
        }
        if (r->cpus || r->mems) {
                if ((ret = need(cg, "cpuset", "cpu.cpus", &dir, e)) < 0)
                        return ret;
                if (r->cpus && (ret = rt_cg_write(dir, "cpuset.cpus", r->cpus, e)) < 0)
                        return ret;
                if (r->mems && (ret = rt_cg_write(dir, "cpuset.mems", r->mems, e)) < 0)
                        return ret;
        }
        return 0;
}

/* The first of two files that exists (the BFQ scheduler's names come second). */
static const char *pick(const char *dir, const char *a, const char *b)
{
        return rt_cg_file_exists(dir, a) || !b || !rt_cg_file_exists(dir, b) ? a : b;
}

static int v1_blkio(const struct rt_cgroup *cg, const struct rt_resources *r, struct err *e)
{
        size_t nthrottle = 0;
        for (int k = 0; k < RT_THROTTLE_NKINDS; k++)
                nthrottle += r->n_throttle[k];
        if (!(r->has_blkio_weight || r->has_blkio_leaf_weight || r->n_weight_devices || nthrottle))
                return 0;
        const char *dir = NULL;
        int ret = need(cg, "blkio", "blockIO", &dir, e);
        if (ret < 0)
                return ret;
        const char *wfile = pick(dir, "blkio.weight", "blkio.bfq.weight");
        const char *wdfile = pick(dir, "blkio.weight_device", "blkio.bfq.weight_device");
        if (r->has_blkio_weight && (ret = rt_cg_write_u64(dir, wfile, r->blkio_weight, e)) < 0)
                return ret;
        if (r->has_blkio_leaf_weight &&
            (ret = rt_cg_write_u64(dir, "blkio.leaf_weight", r->blkio_leaf_weight, e)) < 0)
                return ret;
        char buf[96];
        for (size_t i = 0; i < r->n_weight_devices; i++) {
                const struct rt_res_weight_device *d = &r->weight_devices[i];
                if (d->has_weight) {
                        snprintf(buf, sizeof(buf), "%lld:%lld %u", (long long)d->major,
                                 (long long)d->minor, d->weight);
                        if ((ret = rt_cg_write(dir, wdfile, buf, e)) < 0)
                                return ret;
                }
                if (d->has_leaf_weight) {
                        snprintf(buf, sizeof(buf), "%lld:%lld %u", (long long)d->major,
                                 (long long)d->minor, d->leaf_weight);
                        if ((ret = rt_cg_write(dir, "blkio.leaf_weight_device", buf, e)) < 0)
                                return ret;
                }
        }
        for (int k = 0; k < RT_THROTTLE_NKINDS; k++) {
                _cleanup_free_ char *file =
                        xasprintf("blkio.throttle.%s_device", rt_res_throttle_name(k));
                for (size_t i = 0; i < r->n_throttle[k]; i++) {
                        const struct rt_res_throttle *t = &r->throttle[k][i];
                        snprintf(buf, sizeof(buf), "%lld:%lld %" PRIu64, (long long)t->major,
                                 (long long)t->minor, t->rate);
                        if ((ret = rt_cg_write(dir, file, buf, e)) < 0)
                                return ret;
                }
        }
        return 0;
}

/* "c 1:3 rwm", with '*' for a wildcard number; "a" alone for all devices
 * (the kernel ignores the rest of an "a" line). */
static void device_line(const struct rt_res_device *d, char *buf, size_t len)
{
        char maj[24] = "*", min[24] = "*";
        if (d->type == 'a') {
                snprintf(buf, len, "a");
                return;
        }
        if (d->major != RT_CG_ANY)
                snprintf(maj, sizeof(maj), "%lld", (long long)d->major);
        if (d->minor != RT_CG_ANY)
                snprintf(min, sizeof(min), "%lld", (long long)d->minor);
        snprintf(buf, len, "%c %s:%s %s", d->type, maj, min, d->access);
}

static int v1_devices(const struct rt_cgroup *cg, const struct rt_resources *r, struct err *e)
{
        if (r->n_devices == 0)
                return 0;
        const char *dir = NULL;
        int ret = need(cg, "devices", "devices", &dir, e);
        if (ret < 0)
                return ret;
        /* Deny everything, then the rules in order: the last matching rule wins. */
        if ((ret = rt_cg_write(dir, "devices.deny", "a", e)) < 0)
                return ret;
        for (size_t i = 0; i < r->n_devices; i++) {
                const struct rt_res_device *d = &r->devices[i];
                char line[64];
                device_line(d, line, sizeof(line));
                if ((ret = rt_cg_write(dir, d->allow ? "devices.allow" : "devices.deny", line, e)) <
                    0)
                        return ret;
        }
        for (size_t i = 0; i < rt_res_n_default_devices; i++) {
                char line[64];
                device_line(&rt_res_default_devices[i], line, sizeof(line));
                if ((ret = rt_cg_write(dir, "devices.allow", line, e)) < 0)
                        return ret;
        }
        return 0;
}

static int v1_misc(const struct rt_cgroup *cg, const struct rt_resources *r, struct err *e)
{
        const char *dir = NULL;
        int ret;
        char buf[160];
        if (r->has_pids_limit) {
                if ((ret = need(cg, "pids", "pids", &dir, e)) < 0)
                        return ret;
                if (r->pids_limit > 0)
                        ret = rt_cg_write_i64(dir, "pids.max", r->pids_limit, e);
                else
                        ret = rt_cg_write(dir, "pids.max", "max", e);
                if (ret < 0)
                        return ret;
        }
        if (r->n_hugepages && (ret = need(cg, "hugetlb", "hugepageLimits", &dir, e)) < 0)
                return ret;
        for (size_t i = 0; i < r->n_hugepages; i++) {
                const struct rt_res_hugepage *h = &r->hugepages[i];
                snprintf(buf, sizeof(buf), "hugetlb.%s.limit_in_bytes", h->page_size);
                if (!rt_cg_file_exists(dir, buf))
                        return err_set(e, ENOTSUP,
                                       "linux.resources.hugepageLimits[%zu]: this host has no "
                                       "%s huge pages",
                                       i, h->page_size);
                if ((ret = rt_cg_write_u64(dir, buf, h->limit, e)) < 0)
                        return ret;
        }
        if (r->has_net_class_id) {
                if ((ret = need(cg, "net_cls", "network.classID", &dir, e)) < 0 ||
                    (ret = rt_cg_write_u64(dir, "net_cls.classid", r->net_class_id, e)) < 0)
                        return ret;
        }
        if (r->n_net_prios && (ret = need(cg, "net_prio", "network.priorities", &dir, e)) < 0)
                return ret;
        for (size_t i = 0; i < r->n_net_prios; i++) {
                snprintf(buf, sizeof(buf), "%s %u", r->net_prios[i].name, r->net_prios[i].priority);
                if ((ret = rt_cg_write(dir, "net_prio.ifpriomap", buf, e)) < 0)
                        return ret;
        }
        if (r->n_rdma && (ret = need(cg, "rdma", "rdma", &dir, e)) < 0)
                return ret;
        for (size_t i = 0; i < r->n_rdma; i++) {
                _cleanup_free_ char *line = rt_res_rdma_line(&r->rdma[i]);
                if ((ret = rt_cg_write(dir, "rdma.max", line, e)) < 0)
                        return ret;
        }
        return 0;
}

int rt_cg_v1_apply(const struct rt_cgroup *cg, const struct rt_resources *r, bool update,
                   struct err *e)
{
        int ret;
        if (r->n_unified)
                return err_set(e, ENOTSUP,
                               "linux.resources.unified: needs cgroup v2, and this host uses "
                               "cgroup v1 controllers (%s)",
                               cgroup_mode_to_string(cg->mode));
        if ((ret = v1_memory(cg, r, update, e)) < 0 || (ret = v1_cpu(cg, r, e)) < 0 ||
            (ret = v1_blkio(cg, r, e)) < 0 || (ret = v1_misc(cg, r, e)) < 0 ||
            (ret = v1_devices(cg, r, e)) < 0)
                return ret;
        return 0;
}

int rt_cg_v1_cpuset_init(const char *dir, struct err *e)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
        _cleanup_free_ char *parent = xstrdup(dir);
        char *slash = strrchr(parent, '/');
        if (!slash || slash == parent)
                return 0;
        *slash = '\0';
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *cur = NULL, *up = NULL;
                if (!rt_cg_file_exists(dir, files[i]))
                        continue; /* not a cpuset hierarchy after all */
                int r = rt_cg_read(dir, files[i], &cur, e);
                if (r < 0)
                        return r;
                if (*cur)
                        continue;
                if ((r = rt_cg_read(parent, files[i], &up, e)) < 0 ||
                    (r = rt_cg_write(dir, files[i], up, e)) < 0)
                        return r;
        }
        return 0;
}

int rt_cg_v1_is_frozen(const struct rt_cg_dir *d, bool *ret, struct err *e)
{
        _cleanup_free_ char *s = NULL;
        int r = rt_cg_read(d->dir, "freezer.state", &s, e);
        if (r < 0)
                return r;
        *ret = STREQ(s, "FROZEN");
        return 0;
}

int rt_cg_v1_freeze(const struct rt_cg_dir *d, bool frozen, struct err *e)
{
        const char *want = frozen ? "FROZEN" : "THAWED";
        int r = rt_cg_write(d->dir, "freezer.state", want, e);
        if (r < 0)
                return r;
        for (unsigned waited = 0, i = 0; waited < FREEZE_TIMEOUT_MS; i++) {
                _cleanup_free_ char *s = NULL;
                if ((r = rt_cg_read(d->dir, "freezer.state", &s, e)) < 0)
                        return r;
                if (STREQ(s, want))
                        return 0;
                unsigned ms = i < 10 ? 1 : 10;
                rt_cg_sleep_ms(ms);
                waited += ms;
                /* A task forking while the freeze runs can leave it stuck in
                 * FREEZING: asking again moves it on. */
                if (frozen && i % 10 == 9 &&
                    (r = rt_cg_write(d->dir, "freezer.state", want, e)) < 0)
                        return r;
        }
        if (frozen)
                (void)rt_cg_write(d->dir, "freezer.state", "THAWED", NULL);
        return err_set(e, ETIMEDOUT, "'%s': the freezer did not reach %s within %d ms", d->dir,
                       want, FREEZE_TIMEOUT_MS);
}
