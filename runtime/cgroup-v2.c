/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources into a cgroup v2 directory: controllers enabled from the
 * top of the hierarchy down, v1-style values converted as runc and crun
 * convert them (shares to cpu.weight, memory+swap to swap alone, blkio
 * weights to io.weight), unified keys written as they are, and the v2
 * freezer (cgroup.freeze, settled when cgroup.events says so).
 *
 * Device rules on v2 are an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE)
 * built here from the rules: the last matching rule decides, as with v1's
 * "deny all, then the rules in order", and no match denies.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>

#include "cgroup-internal.h"

#define FREEZE_TIMEOUT_MS 5000

/* The controllers r needs, as a strv. */
static char **needed_controllers(const struct rt_resources *r)
{
        char **v = NULL;
        if (!r)
                return NULL;
        size_t nthrottle = 0;
        for (int k = 0; k < RT_THROTTLE_NKINDS; k++)
                nthrottle += r->n_throttle[k];
        if (r->has_mem_limit || r->has_mem_reservation || r->has_mem_swap)
                strv_add(&v, "memory");
        if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpu_burst ||
            r->has_cpu_idle)
                strv_add(&v, "cpu");
        if (r->cpus || r->mems)
                strv_add(&v, "cpuset");
        if (r->has_pids_limit)
                strv_add(&v, "pids");
        if (r->has_blkio_weight || r->n_weight_devices || nthrottle)
                strv_add(&v, "io");
        if (r->n_hugepages)
                strv_add(&v, "hugetlb");
        if (r->n_rdma)
                strv_add(&v, "rdma");
        for (size_t i = 0; i < r->n_unified; i++) {
                const char *k = r->unified_keys[i];
                const char *dot = strchr(k, '.');
                if (!dot || str_has_prefix(k, "cgroup."))
                        continue;
                _cleanup_free_ char *c = xstrndup(k, (size_t)(dot - k));
                if (!strv_contains(v, c))
                        strv_add(&v, c);
        }
        return v;
}

/* Enable the controllers available at level in its subtree_control, one at
 * a time so that one refusal does not stop the others. */
static int enable_level(const char *level, char **needed, struct err *e)
{
        _cleanup_free_ char *avail = NULL, *on = NULL;
        int r;
        if ((r = rt_cg_read(level, "cgroup.controllers", &avail, e)) < 0 ||
            (r = rt_cg_read(level, "cgroup.subtree_control", &on, e)) < 0)
                return r;
        _cleanup_strv_ char **av = strv_split(avail, " ");
        _cleanup_strv_ char **enabled = strv_split(on, " ");
        for (char **n = needed; n && *n; n++)
                if (!strv_contains(av, *n))
                        return err_set(e, ENOTSUP,
                                       "the %s cgroup controller is not available in '%s'", *n,
                                       level);
        for (char **c = av; *c; c++) {
                if (!**c || strv_contains(enabled, *c))
                        continue;
                _cleanup_free_ char *plus = xasprintf("+%s", *c);
                struct err e2 = {0};
                if (rt_cg_write(level, "cgroup.subtree_control", plus, &e2) < 0) {
                        if (strv_contains(needed, *c))
                                return err_move(e, &e2);
                        log_debug("not enabling %s: %s", *c, e2.msg);
                        err_done(&e2);
                }
        }
        return 0;
}

int rt_cg_v2_enable(const struct rt_cg_dir *d, const struct rt_resources *r, struct err *e)
{
        _cleanup_strv_ char **needed = needed_controllers(r);
        size_t ml = strlen(d->mount);
        /* Every level from the mount down to the container's parent. */
        for (const char *p = d->dir + ml;;) {
                _cleanup_free_ char *level = xstrndup(d->dir, (size_t)(p - d->dir));
                if (!*level) {
                        free(level);
                        level = xstrdup("/");
                }
                int ret = enable_level(level, needed, e);
                if (ret < 0)
                        return ret;
                p = strchr(p + 1, '/');
                if (!p)
                        return 0;
        }
}

static int write_max(const char *dir, const char *file, int64_t v, struct err *e)
{
        return v < 0 ? rt_cg_write(dir, file, "max", e) : rt_cg_write_i64(dir, file, v, e);
}

static void ignored(const char *what)
{
        log_debug("linux.resources.%s is not available on cgroup v2: ignored", what);
}

static int v2_memory(const char *dir, const struct rt_resources *r, bool update, struct err *e)
{
        int ret;
        if (update && r->check_before_update && r->has_mem_limit && r->mem_limit > 0) {
                _cleanup_free_ char *cur = NULL;
                uint64_t usage;
                if ((ret = rt_cg_read(dir, "memory.current", &cur, e)) < 0)
                        return ret;
                if (str_to_uint64(cur, &usage) == 0 && usage > (uint64_t)r->mem_limit)
                        return err_set(e, EBUSY,
                                       "linux.resources.memory.limit: %lld is below the "
                                       "current usage of %" PRIu64 " bytes",
                                       (long long)r->mem_limit, usage);
        }
        bool has_swap = r->has_mem_swap;
        int64_t swap = 0;
        if (has_swap && (ret = rt_res_v2_swap(r, &swap, e)) < 0)
                return ret;
        if (!has_swap && r->has_mem_limit && r->mem_limit < 0) {
                has_swap = true; /* unlimited memory, unlimited swap, as on v1 */
                swap = -1;
        }
        if (has_swap && !rt_cg_file_exists(dir, "memory.swap.max")) {
                if (swap >= 0)
                        log_msg(LOG_WARN, "the swap limit is not applied: this kernel has no "
                                          "swap accounting");
                has_swap = false;
        }
        if (r->has_mem_limit && (ret = write_max(dir, "memory.max", r->mem_limit, e)) < 0)
                return ret;
        if (has_swap && (ret = write_max(dir, "memory.swap.max", swap, e)) < 0)
                return ret;
        if (r->has_mem_reservation &&
            (ret = write_max(dir, "memory.low", r->mem_reservation, e)) < 0)
                return ret;
        if (r->has_mem_kernel)
                ignored("memory.kernel");
        if (r->has_mem_kernel_tcp)
                ignored("memory.kernelTCP");
        if (r->has_mem_swappiness)
                ignored("memory.swappiness");
        if (r->has_disable_oom_killer && r->disable_oom_killer)
                ignored("memory.disableOOMKiller");
        return 0;
}

static int v2_cpu(const char *dir, const struct rt_resources *r, struct err *e)
{
        int ret;
        if (r->has_rt_runtime || r->has_rt_period)
                return err_set(e, ENOTSUP,
                               "linux.resources.cpu.realtimeRuntime and "
                               "realtimePeriod: not supported on cgroup v2");
        if (r->has_cpu_shares &&
            (ret = rt_cg_write_u64(dir, "cpu.weight", rt_res_shares_to_weight(r->cpu_shares), e)) <
                    0)
                return ret;
        if (r->has_cpu_quota || r->has_cpu_period) {
                char buf[64];
                int n = r->has_cpu_quota && r->cpu_quota > 0
                                ? snprintf(buf, sizeof(buf), "%lld", (long long)r->cpu_quota)
                                : snprintf(buf, sizeof(buf), "max");
                if (r->has_cpu_period)
                        snprintf(buf + n, sizeof(buf) - (size_t)n, " %llu",
                                 (unsigned long long)r->cpu_period);
                if ((ret = rt_cg_write(dir, "cpu.max", buf, e)) < 0)
                        return ret;
        }
        if (r->has_cpu_burst && (ret = rt_cg_write_u64(dir, "cpu.max.burst", r->cpu_burst, e)) < 0)
                return ret;
        if (r->has_cpu_idle && (ret = rt_cg_write_i64(dir, "cpu.idle", r->cpu_idle, e)) < 0)
                return ret;
        if (r->cpus && (ret = rt_cg_write(dir, "cpuset.cpus", r->cpus, e)) < 0)
                return ret;
        if (r->mems && (ret = rt_cg_write(dir, "cpuset.mems", r->mems, e)) < 0)
                return ret;
        return 0;
}

static int v2_io(const char *dir, const struct rt_resources *r, struct err *e)
{
        static const char *const keys[RT_THROTTLE_NKINDS] = {"rbps", "wbps", "riops", "wiops"};
        int ret;
        char buf[96];
        /* io.weight is 1..10000 (converted); BFQ's io.bfq.weight keeps 1..1000. */
        bool bfq = !rt_cg_file_exists(dir, "io.weight") && rt_cg_file_exists(dir, "io.bfq.weight");
        const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
        if (r->has_blkio_weight) {
                uint64_t w = bfq ? r->blkio_weight : rt_res_blkio_to_io_weight(r->blkio_weight);
                snprintf(buf, sizeof(buf), "default %" PRIu64, w);
                if ((ret = rt_cg_write(dir, wfile, buf, e)) < 0)
                        return ret;
        }
        if (r->has_blkio_leaf_weight)
                ignored("blockIO.leafWeight");
        for (size_t i = 0; i < r->n_weight_devices; i++) {
                const struct rt_res_weight_device *d = &r->weight_devices[i];
                if (d->has_leaf_weight)
                        ignored("blockIO.weightDevice[].leafWeight");
                if (!d->has_weight)
                        continue;
                uint64_t w = bfq ? d->weight : rt_res_blkio_to_io_weight(d->weight);
                snprintf(buf, sizeof(buf), "%lld:%lld %" PRIu64, (long long)d->major,
                         (long long)d->minor, w);
                if ((ret = rt_cg_write(dir, wfile, buf, e)) < 0)
                        return ret;
        }
        for (int k = 0; k < RT_THROTTLE_NKINDS; k++) {
                for (size_t i = 0; i < r->n_throttle[k]; i++) {
                        const struct rt_res_throttle *t = &r->throttle[k][i];
                        snprintf(buf, sizeof(buf), "%lld:%lld %s=%" PRIu64, (long long)t->major,
                                 (long long)t->minor, keys[k], t->rate);
                        if ((ret = rt_cg_write(dir, "io.max", buf, e)) < 0)
                                return ret;
                }
        }
        return 0;
}

static int v2_misc(const char *dir, const struct rt_resources *r, struct err *e)
{
        int ret;
        char buf[160];
        if (r->has_pids_limit &&
            (ret = write_max(dir, "pids.max", r->pids_limit > 0 ? r->pids_limit : -1, e)) < 0)
                return ret;
        for (size_t i = 0; i < r->n_hugepages; i++) {
                const struct rt_res_hugepage *h = &r->hugepages[i];
                snprintf(buf, sizeof(buf), "hugetlb.%s.max", h->page_size);
                if (!rt_cg_file_exists(dir, buf))
                        return err_set(e, ENOTSUP,
                                       "linux.resources.hugepageLimits[%zu]: this host has no "
                                       "%s huge pages",
                                       i, h->page_size);
                if ((ret = rt_cg_write_u64(dir, buf, h->limit, e)) < 0)
                        return ret;
        }
        for (size_t i = 0; i < r->n_rdma; i++) {
                _cleanup_free_ char *line = rt_res_rdma_line(&r->rdma[i]);
                if ((ret = rt_cg_write(dir, "rdma.max", line, e)) < 0)
                        return ret;
        }
        if (r->has_net_class_id || r->n_net_prios)
                ignored("network");
        if ((ret = rt_cg_v2_devices(dir, r, e)) < 0)
                return ret;
        for (size_t i = 0; i < r->n_unified; i++) {
                const char *k = r->unified_keys[i];
                if (!rt_cg_file_exists(dir, k))
                        return err_set(e, ENOENT,
                                       "linux.resources.unified: the container's cgroup has no "
                                       "file '%s' (is its controller available?)",
                                       k);
                if ((ret = rt_cg_write(dir, k, r->unified_values[i], e)) < 0)
                        return ret;
        }
        return 0;
}

int rt_cg_v2_apply(const struct rt_cg_dir *d, const struct rt_resources *r, bool update,
                   struct err *e)
{
        int ret;
        if ((ret = v2_memory(d->dir, r, update, e)) < 0 || (ret = v2_cpu(d->dir, r, e)) < 0 ||
            (ret = v2_io(d->dir, r, e)) < 0 || (ret = v2_misc(d->dir, r, e)) < 0)
                return ret;
        return 0;
}

int rt_cg_v2_is_frozen(const struct rt_cg_dir *d, bool *ret, struct err *e)
{
        _cleanup_free_ char *ev = NULL;
        int r = rt_cg_read(d->dir, "cgroup.events", &ev, e);
        if (r < 0)
                return r;
        _cleanup_strv_ char **lines = strv_split(ev, "\n");
        for (char **l = lines; *l; l++)
                if (str_has_prefix(*l, "frozen ")) {
                        *ret = STREQ(*l + 7, "1");
                        return 0;
                }
        return err_set(e, ENOTSUP,
                       "'%s/cgroup.events' has no frozen state (kernel older "
                       "than 5.2?)",
                       d->dir);
}

int rt_cg_v2_freeze(const struct rt_cg_dir *d, bool frozen, struct err *e)
{
        if (!rt_cg_file_exists(d->dir, "cgroup.freeze"))
                return err_set(e, ENOTSUP,
                               "pausing a container needs a cgroup freezer; "
                               "'%s' has no cgroup.freeze (kernel older than 5.2?)",
                               d->dir);
        int r = rt_cg_write(d->dir, "cgroup.freeze", frozen ? "1" : "0", e);
        if (r < 0)
                return r;
        for (unsigned waited = 0, i = 0; waited < FREEZE_TIMEOUT_MS; i++) {
                bool now;
                if ((r = rt_cg_v2_is_frozen(d, &now, e)) < 0)
                        return r;
                if (now == frozen)
                        return 0;
                unsigned ms = i < 10 ? 1 : 10;
                rt_cg_sleep_ms(ms);
                waited += ms;
        }
        if (frozen)
                (void)rt_cg_write(d->dir, "cgroup.freeze", "0", NULL);
        return err_set(e, ETIMEDOUT, "'%s': the freezer did not settle within %d ms", d->dir,
                       FREEZE_TIMEOUT_MS);
}

/* ------------------------------------------------------------------------
 * Device rules as eBPF
 * ------------------------------------------------------------------------ */

#define PROG_MAX 16384 /* instructions; ~10 per rule */

struct prog {
        struct bpf_insn *insns;
        size_t n, cap;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        xgrow((void **)&p->insns, &p->cap, p->n + 1, sizeof(*p->insns));
        p->insns[p->n++] = (struct bpf_insn){
                .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/* One rule: a chain of "if it differs, go to the next rule" tests, then the
 * verdict. Registers: r2 device type, r3 access asked, r4 major, r5 minor.
 * Returns false for a rule that matches everything: nothing after it runs. */
static bool emit_rule(struct prog *p, const struct rt_res_device *d)
{
        size_t jumps[4], nj = 0;
        if (d->type != 'a') {
                jumps[nj++] = p->n;
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, 2, 0, 0,
                     d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        }
        int32_t acc = (strchr(d->access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
                      (strchr(d->access, 'w') ? BPF_DEVCG_ACC_WRITE : 0) |
                      (strchr(d->access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0);
        if (d->type != 'a' && acc != 7) {
                /* Every access asked must be one the rule names. */
                emit(p, BPF_ALU | BPF_MOV | BPF_X, 6, 3, 0, 0);
                emit(p, BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, ~acc & 7);
                jumps[nj++] = p->n;
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, 6, 0, 0, 0);
        }
        if (d->type != 'a' && d->major != RT_CG_ANY) {
                jumps[nj++] = p->n;
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, 4, 0, 0, (int32_t)(uint32_t)d->major);
        }
        if (d->type != 'a' && d->minor != RT_CG_ANY) {
                jumps[nj++] = p->n;
                emit(p, BPF_JMP32 | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)(uint32_t)d->minor);
        }
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, d->allow ? 1 : 0);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        for (size_t i = 0; i < nj; i++)
                p->insns[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
        return nj > 0;
}

static void build_prog(struct prog *p, const struct rt_resources *r)
{
        emit(p, BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0); /* access_type */
        emit(p, BPF_ALU | BPF_MOV | BPF_X, 3, 2, 0, 0);
        emit(p, BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
        emit(p, BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16);
        emit(p, BPF_LDX | BPF_MEM | BPF_W, 4, 1, 4, 0); /* major */
        emit(p, BPF_LDX | BPF_MEM | BPF_W, 5, 1, 8, 0); /* minor */
        /* Last rule first: the first match from the end is the verdict. */
        for (size_t i = rt_res_n_default_devices; i-- > 0;)
                if (!emit_rule(p, &rt_res_default_devices[i]))
                        return;
        for (size_t i = r->n_devices; i-- > 0;)
                if (!emit_rule(p, &r->devices[i]))
                        return; /* the verifier refuses unreachable code */
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int bpf_call(int cmd, union bpf_attr *a)
{
        return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

int rt_cg_v2_devices(const char *dir, const struct rt_resources *r, struct err *e)
{
        if (r->n_devices == 0)
                return 0;
        struct prog p = {0};
        build_prog(&p, r);
        if (p.n > PROG_MAX) {
                free(p.insns);
                return err_set(e, E2BIG, "linux.resources.devices: too many rules (%zu)",
                               r->n_devices);
        }
        union bpf_attr a = {0};
        a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        a.insns = (uint64_t)(uintptr_t)p.insns;
        a.insn_cnt = (uint32_t)p.n;
        a.license = (uint64_t)(uintptr_t) "Apache-2.0";
        _cleanup_close_ int prog = bpf_call(BPF_PROG_LOAD, &a);
        if (prog < 0) {
                /* Again with the verifier's log, for the message. */
                int saved = errno;
                _cleanup_free_ char *log = xcalloc(1, 65536);
                a.log_buf = (uint64_t)(uintptr_t)log;
                a.log_size = 65536;
                a.log_level = 1;
                int fd = bpf_call(BPF_PROG_LOAD, &a);
                if (fd >= 0)
                        close(fd);
                free(p.insns);
                size_t n = strlen(log);
                for (char *c = log; *c; c++)
                        if (*c == '\n')
                                *c = ' ';
                return err_errnum(e, saved, "loading the device rules (eBPF) for '%s'%s%s", dir,
                                  n ? ": " : "", n > 300 ? log + n - 300 : log);
        }
        free(p.insns);
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return err_errno(e, "open '%s'", dir);
        /* The programs there before (an update replaces them). */
        uint32_t old[64], nold = ARRAY_SIZE(old);
        memset(&a, 0, sizeof(a));
        a.query.target_fd = (uint32_t)dfd;
        a.query.attach_type = BPF_CGROUP_DEVICE;
        a.query.prog_ids = (uint64_t)(uintptr_t)old;
        a.query.prog_cnt = nold;
        nold = bpf_call(BPF_PROG_QUERY, &a) == 0 ? a.query.prog_cnt : 0;
        if (nold > ARRAY_SIZE(old))
                nold = ARRAY_SIZE(old);
        memset(&a, 0, sizeof(a));
        a.target_fd = (uint32_t)dfd;
        a.attach_bpf_fd = (uint32_t)prog;
        a.attach_type = BPF_CGROUP_DEVICE;
        a.attach_flags = BPF_F_ALLOW_MULTI;
        if (bpf_call(BPF_PROG_ATTACH, &a) < 0)
                return err_errno(e, "attaching the device rules (eBPF) to '%s'", dir);
        for (uint32_t i = 0; i < nold; i++) {
                memset(&a, 0, sizeof(a));
                a.prog_id = old[i];
                _cleanup_close_ int ofd = bpf_call(BPF_PROG_GET_FD_BY_ID, &a);
                if (ofd < 0)
                        continue;
                memset(&a, 0, sizeof(a));
                a.target_fd = (uint32_t)dfd;
                a.attach_bpf_fd = (uint32_t)ofd;
                a.attach_type = BPF_CGROUP_DEVICE;
                if (bpf_call(BPF_PROG_DETACH, &a) < 0)
                        log_debug("detaching old device rules from '%s': %s", dir, strerror(errno));
        }
        return 0;
}
