/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd unit properties of a container's scope (cgroup-systemd.c asks
 * for them): its own (slice, pid, delegation, accounting) and those of
 * linux.resources, with the names, D-Bus types and values runc gives them:
 * MemoryLimit/MemoryMax, CPUShares/CPUWeight, CPUQuotaPerSecUSec, TasksMax,
 * AllowedCPUs, DevicePolicy/DeviceAllow, ... (v1/v2). cgroupfs gets the
 * same limits afterwards; these keep systemd from writing its own back.
 */
#include <errno.h>

#include "cgroup-systemd.h"

#define SD_CPUSET_MAX 8192 /* CPUs or memory nodes in a bitmask */
#define SD_USEC_INFINITY UINT64_MAX
/* ------------------------------------------------------------------------
 * Properties
 * ------------------------------------------------------------------------ */

static void prop_free(struct rt_sd_prop *x)
{
        free(x->name);
        free(x->sig);
        free(x->s);
        strv_free(x->strv);
        free(x->au);
        free(x->ay);
}

void rt_sd_props_done(struct rt_sd_props *p)
{
        for (size_t i = 0; i < p->n; i++)
                prop_free(&p->v[i]);
        free(p->v);
        *p = (struct rt_sd_props){0};
}

const struct rt_sd_prop *rt_sd_props_find(const struct rt_sd_props *p, const char *name)
{
        for (size_t i = 0; i < p->n; i++)
                if (STREQ(p->v[i].name, name))
                        return &p->v[i];
        return NULL;
}

/* A new property at the end of p; a later one of the same name replaces it,
 * as systemd would take the last one. */
static struct rt_sd_prop *prop_add(struct rt_sd_props *p, const char *name, const char *sig)
{
        for (size_t i = 0; i < p->n; i++) {
                if (!STREQ(p->v[i].name, name))
                        continue;
                prop_free(&p->v[i]);
                memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(*p->v));
                p->n--;
                break;
        }
        xgrow((void **)&p->v, &p->cap, p->n + 1, sizeof(*p->v));
        struct rt_sd_prop *x = &p->v[p->n++];
        *x = (struct rt_sd_prop){.name = xstrdup(name), .sig = xstrdup(sig)};
        return x;
}

static void prop_u64(struct rt_sd_props *p, const char *name, uint64_t v)
{
        prop_add(p, name, "t")->u = v;
}

static void prop_bool(struct rt_sd_props *p, const char *name, bool v)
{
        prop_add(p, name, "b")->u = v;
}

static void prop_str(struct rt_sd_props *p, const char *name, const char *v)
{
        prop_add(p, name, "s")->s = xstrdup(v);
}

/* -1 (or any negative) is "no limit": systemd's infinity. */
static uint64_t limit_u64(int64_t v)
{
        return v < 0 ? UINT64_MAX : (uint64_t)v;
}

int rt_cg_sd_cpuset_bits(const char *list, const char *field, uint8_t **ret, size_t *ret_n,
                         struct err *e)
{
        _cleanup_strv_ char **parts = strv_split(list, ",");
        _cleanup_free_ uint8_t *bits = NULL;
        size_t n = 0;
        for (char **p = parts; *p; p++) {
                char *s = *p;
                while (*s == ' ' || *s == '\t' || *s == '\n')
                        s++;
                size_t l = strlen(s);
                while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\n'))
                        s[--l] = '\0';
                if (!*s)
                        continue;
                char *dash = strchr(s, '-');
                uint64_t lo, hi;
                if (dash)
                        *dash = '\0';
                if (str_to_uint64(s, &lo) < 0 || (dash && str_to_uint64(dash + 1, &hi) < 0))
                        goto bad;
                if (!dash)
                        hi = lo;
                if (lo > hi || hi >= SD_CPUSET_MAX)
                        goto bad;
                if (hi / 8 + 1 > n) {
                        bits = xrealloc(bits, hi / 8 + 1);
                        memset(bits + n, 0, hi / 8 + 1 - n);
                        n = hi / 8 + 1;
                }
                for (uint64_t c = lo; c <= hi; c++)
                        bits[c / 8] |= (uint8_t)(1u << (c % 8));
        }
        if (n == 0)
                goto bad;
        *ret = steal_pointer(&bits);
        *ret_n = n;
        return 0;
bad:;
        _cleanup_free_ char *q = rt_quote(list);
        return err_set(e, EINVAL, "%s: '%s' is not a list of CPUs or nodes below %d", field, q,
                       SD_CPUSET_MAX);
}

static int prop_cpuset(struct rt_sd_props *p, const char *name, const char *list, const char *field,
                       struct err *e)
{
        uint8_t *bits = NULL;
        size_t n = 0;
        int r = rt_cg_sd_cpuset_bits(list, field, &bits, &n, e);
        if (r < 0)
                return r;
        struct rt_sd_prop *x = prop_add(p, name, "ay");
        x->ay = bits;
        x->n = n;
        return 0;
}

/* CPUQuotaPerSecUSec (and the period) from a quota and period in
 * microseconds; 0 is "not set". systemd keeps the quota in percent of a
 * CPU, so a fraction is rounded up to the next 10ms per second, which
 * leaves cgroupfs room for the exact value. */
static void prop_cpu_quota(struct rt_sd_props *p, int64_t quota, uint64_t period, unsigned version)
{
        if (period && (version == 0 || version >= 242))
                prop_u64(p, "CPUQuotaPeriodUSec", period);
        if (!quota && !period)
                return;
        uint64_t per_sec = SD_USEC_INFINITY;
        if (quota > 0) {
                unsigned __int128 v =
                        (unsigned __int128)quota * 1000000u / (period ? period : 100000);
                if (v % 10000)
                        v = (v / 10000 + 1) * 10000;
                per_sec = v >= UINT64_MAX ? UINT64_MAX - 1 : (uint64_t)v;
        }
        prop_u64(p, "CPUQuotaPerSecUSec", per_sec);
}

/* Allocates: the name of a major number in one section of /proc/devices. */
static char *proc_devices_name(const char *text, bool block, int64_t major)
{
        bool in = false;
        _cleanup_strv_ char **lines = strv_split(text ? text : "", "\n");
        for (char **l = lines; *l; l++) {
                if (str_has_suffix(*l, "devices:")) {
                        in = block ? str_has_prefix(*l, "Block") : str_has_prefix(*l, "Character");
                        continue;
                }
                long long m;
                char name[128];
                if (in && sscanf(*l, " %lld %127s", &m, name) == 2 && m == major)
                        return xstrdup(name);
        }
        return NULL;
}

struct dev_entry {
        char *path;
        char access[4];
};

/* Allocates: the DeviceAllow specifiers of a rule: "/dev/char/1:3" for one
 * device, "char-pts" for a major, "char-*" for any; none when the major has
 * no name in /proc/devices (cgroupfs still gets the rule). */
static char **device_specs(const struct rt_res_device *d, const char *proc_devices)
{
        char **v = xcalloc(3, sizeof(char *));
        size_t n = 0;
        for (int b = 0; b < 2; b++) {
                if ((d->type == 'c' && b) || (d->type == 'b' && !b))
                        continue;
                const char *kind = b ? "block" : "char";
                if (d->major == RT_CG_ANY) {
                        v[n++] = xasprintf("%s-*", kind);
                } else if (d->minor == RT_CG_ANY) {
                        _cleanup_free_ char *name = proc_devices_name(proc_devices, b, d->major);
                        if (name)
                                v[n++] = xasprintf("%s-%s", kind, name);
                        else
                                log_debug("systemd DeviceAllow: no %s device with major %lld in "
                                          "/proc/devices: left to cgroupfs",
                                          kind, (long long)d->major);
                } else {
                        v[n++] = xasprintf("/dev/%s/%lld:%lld", kind, (long long)d->major,
                                           (long long)d->minor);
                }
        }
        return v;
}

/* DevicePolicy and DeviceAllow that say what the rules (then the defaults)
 * allow. systemd has no deny list: after "allow all", a deny is left to
 * cgroupfs; after "deny all" (what containers ask), allows are listed and a
 * later deny takes its device out again. */
static void device_props(const struct rt_resources *r, const char *proc_devices,
                         struct rt_sd_props *p)
{
        if (r->n_devices == 0)
                return;
        bool allow_all = true;
        struct dev_entry *ents = NULL;
        size_t n = 0, cap = 0;
        size_t total = r->n_devices + rt_res_n_default_devices;
        for (size_t i = 0; i < total; i++) {
                const struct rt_res_device *d = i < r->n_devices
                                                        ? &r->devices[i]
                                                        : &rt_res_default_devices[i - r->n_devices];
                if (d->type == 'a' && d->major == RT_CG_ANY && d->minor == RT_CG_ANY &&
                    STREQ(d->access, "rwm")) {
                        for (size_t j = 0; j < n; j++)
                                free(ents[j].path);
                        n = 0;
                        allow_all = d->allow;
                        continue;
                }
                if (allow_all) {
                        if (!d->allow)
                                log_debug("systemd has no device deny list: rule %zu is left "
                                          "to cgroupfs",
                                          i);
                        continue;
                }
                _cleanup_strv_ char **specs = device_specs(d, proc_devices);
                for (char **s = specs; *s; s++) {
                        if (!d->allow) {
                                for (size_t j = 0; j < n; j++) {
                                        if (!STREQ(ents[j].path, *s))
                                                continue;
                                        free(ents[j].path);
                                        ents[j--] = ents[--n];
                                }
                                continue;
                        }
                        xgrow((void **)&ents, &cap, n + 1, sizeof(*ents));
                        ents[n].path = xstrdup(*s);
                        snprintf(ents[n].access, sizeof(ents[n].access), "%s", d->access);
                        n++;
                }
        }
        prop_str(p, "DevicePolicy", allow_all ? "auto" : "strict");
        struct rt_sd_prop *x = prop_add(p, "DeviceAllow", "a(ss)");
        x->strv = xcalloc(2 * n + 1, sizeof(char *));
        for (size_t j = 0; j < n; j++) {
                x->strv[2 * j] = ents[j].path;
                x->strv[2 * j + 1] = xstrdup(ents[j].access);
        }
        free(ents);
}

/* cgroup v2 files of linux.resources.unified that systemd has properties
 * for; the rest is cgroupfs's alone. */
static int unified_props(const struct rt_resources *r, unsigned version, struct rt_sd_props *p,
                         struct err *e)
{
        static const struct {
                const char *file, *prop;
        } mem[] = {
                {"memory.high", "MemoryHigh"},        {"memory.low", "MemoryLow"},
                {"memory.min", "MemoryMin"},          {"memory.max", "MemoryMax"},
                {"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"},
        };
        for (size_t i = 0; i < r->n_unified; i++) {
                const char *k = r->unified_keys[i];
                _cleanup_free_ char *v = xstrdup(r->unified_values[i]);
                _cleanup_free_ char *field = xasprintf("linux.resources.unified[\"%s\"]", k);
                size_t l = strlen(v);
                while (l && (v[l - 1] == '\n' || v[l - 1] == ' '))
                        v[--l] = '\0';
                const char *s = v + strspn(v, " ");
                uint64_t num;
                bool done = false;
                for (size_t j = 0; j < ARRAY_SIZE(mem) && !done; j++) {
                        if (!STREQ(k, mem[j].file))
                                continue;
                        done = true;
                        if (STREQ(s, "max"))
                                num = UINT64_MAX;
                        else if (str_to_uint64(s, &num) < 0)
                                return err_set(e, EINVAL, "%s: '%s' is not a number or max", field,
                                               s);
                        prop_u64(p, mem[j].prop, num);
                }
                if (done)
                        continue;
                if (STREQ(k, "cpu.weight")) {
                        if (str_to_uint64(s, &num) < 0 || num < 1 || num > 10000)
                                return err_set(e, EINVAL, "%s: '%s' is not a weight (1-10000)",
                                               field, s);
                        prop_u64(p, "CPUWeight", num);
                } else if (STREQ(k, "cpu.max")) {
                        _cleanup_strv_ char **f = strv_split(s, " ");
                        size_t nf = strv_length(f);
                        int64_t quota = 0;
                        uint64_t period = 100000;
                        if (nf < 1 || nf > 2 ||
                            (!STREQ(f[0], "max") &&
                             (str_to_int64(f[0], &quota) < 0 || quota <= 0)) ||
                            (nf == 2 && (str_to_uint64(f[1], &period) < 0 || period == 0)))
                                return err_set(e, EINVAL, "%s: '%s' is not 'quota [period]'", field,
                                               s);
                        prop_cpu_quota(p, quota, period, version);
                } else if ((STREQ(k, "cpuset.cpus") || STREQ(k, "cpuset.mems")) &&
                           (version == 0 || version >= 244)) {
                        int ret = prop_cpuset(
                                p, STREQ(k, "cpuset.cpus") ? "AllowedCPUs" : "AllowedMemoryNodes",
                                s, field, e);
                        if (ret < 0)
                                return ret;
                }
        }
        return 0;
}

int rt_cg_sd_resource_props(const struct rt_resources *r, bool v2, unsigned version,
                            const char *proc_devices, struct rt_sd_props *p, struct err *e)
{
        int ret;
        device_props(r, proc_devices, p);
        if (r->has_mem_limit && r->mem_limit != 0)
                prop_u64(p, v2 ? "MemoryMax" : "MemoryLimit", limit_u64(r->mem_limit));
        if (v2 && r->has_mem_reservation && r->mem_reservation != 0)
                prop_u64(p, "MemoryLow", limit_u64(r->mem_reservation));
        if (v2 && r->has_mem_swap) {
                int64_t swap;
                if ((ret = rt_res_v2_swap(r, &swap, e)) < 0)
                        return ret;
                prop_u64(p, "MemorySwapMax", limit_u64(swap));
        }
        if (r->has_cpu_shares)
                prop_u64(p, v2 ? "CPUWeight" : "CPUShares",
                         v2 ? rt_res_shares_to_weight(r->cpu_shares) : r->cpu_shares);
        prop_cpu_quota(p, r->has_cpu_quota ? r->cpu_quota : 0,
                       r->has_cpu_period ? r->cpu_period : 0, version);
        if (r->has_blkio_weight && r->blkio_weight)
                prop_u64(p, v2 ? "IOWeight" : "BlockIOWeight",
                         v2 ? rt_res_blkio_to_io_weight(r->blkio_weight) : r->blkio_weight);
        if (r->has_pids_limit)
                prop_u64(p, "TasksMax", r->pids_limit > 0 ? (uint64_t)r->pids_limit : UINT64_MAX);
        if (version == 0 || version >= 244) {
                if (r->cpus && *r->cpus &&
                    (ret = prop_cpuset(p, "AllowedCPUs", r->cpus, "linux.resources.cpu.cpus", e)) <
                            0)
                        return ret;
                if (r->mems && *r->mems &&
                    (ret = prop_cpuset(p, "AllowedMemoryNodes", r->mems, "linux.resources.cpu.mems",
                                       e)) < 0)
                        return ret;
        }
        if (v2 && (ret = unified_props(r, version, p, e)) < 0)
                return ret;
        return 0;
}

void rt_cg_sd_unit_props(const struct rt_cg_systemd *sd, bool v2, pid_t pid, struct rt_sd_props *p)
{
        _cleanup_free_ char *desc = xasprintf("berth container %s", sd->name);
        prop_str(p, "Description", desc);
        prop_str(p, "Slice", sd->slice);
        struct rt_sd_prop *x = prop_add(p, "PIDs", "au");
        x->au = xmalloc(sizeof(uint32_t));
        x->au[0] = (uint32_t)pid;
        x->n = 1;
        prop_bool(p, "Delegate", true);
        /* Accounting from the start: the kernel is unkind to processes that
         * join the memory controller later. */
        prop_bool(p, "MemoryAccounting", true);
        prop_bool(p, "CPUAccounting", true);
        prop_bool(p, v2 ? "IOAccounting" : "BlockIOAccounting", true);
        prop_bool(p, "TasksAccounting", true);
        /* No ordering against shutdown.target etc.: the container's life is
         * its own (runc and crun do the same). */
        prop_bool(p, "DefaultDependencies", false);
}
