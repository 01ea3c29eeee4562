/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources into struct rt_resources. The values end up in cgroupfs
 * files, so besides the type checks every value is bounded to what the
 * kernel takes (an error here names the field; the kernel's EINVAL would
 * not), and every string that becomes part of a file name or a line written
 * to one is checked for characters that could change its meaning.
 *
 * Presence is kept per field: absent leaves the kernel's value alone. For
 * the memory sizes and cpu shares/quota/period and the blkio weights, 0 is
 * read as "not set", as runc reads it: writing 0 to memory.limit_in_bytes
 * would kill the container at once, and docker writes 0 for "unset".
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "cgroup-internal.h"

#define W "linux.resources"
#define CPU_SHARES_MIN 2
#define CPU_SHARES_MAX 262144
#define CPU_PERIOD_MIN 1000    /* 1 ms, the kernel's bounds */
#define CPU_PERIOD_MAX 1000000 /* 1 s */
#define BLKIO_WEIGHT_MIN 10
#define BLKIO_WEIGHT_MAX 1000
#define CPUSET_LIST_MAX 4096
#define NAME_MAX_LEN 255

static int fail_value(const char *field, const char *what, const char *value, struct err *e)
{
        _cleanup_free_ char *q = rt_quote(value);
        return err_set(e, EINVAL, "%s: %s '%s'", field, what, q);
}

/* An object item of a list, or an error naming it. */
static int item_object(const struct json *v, const char *where, struct err *e)
{
        if (v->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                               json_type_to_string(v->type));
        return 0;
}

/* A name that goes into a line of a cgroup file: no blanks, no controls. */
static bool safe_token(const char *s, size_t max)
{
        size_t n = strlen(s);
        if (n == 0 || n > max)
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '/')
                        return false;
        return true;
}

/* ------------------------------------------------------------------------
 * devices
 * ------------------------------------------------------------------------ */

static int device_parse(const struct json *j, const char *where, struct rt_res_device *d,
                        struct err *e)
{
        _cleanup_free_ char *type = NULL, *access = NULL;
        int r;
        if ((r = item_object(j, where, e)) < 0)
                return r;
        d->major = d->minor = RT_CG_ANY;
        if ((r = rt_json_bool(j, where, "allow", &d->allow, e)) < 0)
                return r;
        if (r == 0)
                return err_set(e, EINVAL, "%s.allow: required", where);
        if ((r = rt_json_string(j, where, "type", false, &type, e)) < 0 ||
            (r = rt_json_int(j, where, "major", false, RT_CG_ANY, UINT32_MAX, &d->major, e)) < 0 ||
            (r = rt_json_int(j, where, "minor", false, RT_CG_ANY, UINT32_MAX, &d->minor, e)) < 0 ||
            (r = rt_json_string(j, where, "access", false, &access, e)) < 0)
                return r;
        d->type = 'a';
        if (type) {
                if (!STREQ(type, "a") && !STREQ(type, "c") && !STREQ(type, "b")) {
                        _cleanup_free_ char *f = xasprintf("%s.type", where);
                        return fail_value(f, "unknown device type (a, b or c)", type, e);
                }
                d->type = type[0];
        }
        /* The kernel wants r, w, m in this order and at most once each. */
        bool want[3] = {false, false, false};
        if (!access || !*access) {
                want[0] = want[1] = want[2] = true;
        } else {
                for (const char *p = access; *p; p++) {
                        const char *k = strchr("rwm", *p);
                        if (!k || want[k - "rwm"]) {
                                _cleanup_free_ char *f = xasprintf("%s.access", where);
                                return fail_value(f, "bad access (letters r, w, m once each)",
                                                  access, e);
                        }
                        want[k - "rwm"] = true;
                }
        }
        size_t n = 0;
        for (int i = 0; i < 3; i++)
                if (want[i])
                        d->access[n++] = "rwm"[i];
        d->access[n] = '\0';
        return 0;
}

static int devices_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *list;
        int ret = rt_json_array(res, W, "devices", RT_MAX_ENTRIES, &list, e);
        if (ret <= 0 || list->arr.len == 0)
                return ret;
        r->devices = xcalloc(list->arr.len, sizeof(*r->devices));
        for (size_t i = 0; i < list->arr.len; i++) {
                _cleanup_free_ char *wi = xasprintf(W ".devices[%zu]", i);
                if ((ret = device_parse(list->arr.items[i], wi, &r->devices[i], e)) < 0)
                        return ret;
                r->n_devices++;
        }
        return 0;
}

/* ------------------------------------------------------------------------
 * memory, cpu, pids
 * ------------------------------------------------------------------------ */

/* A memory size: -1 unlimited, 0 not set. */
static int mem_size(const struct json *m, const char *key, bool *has, int64_t *v, struct err *e)
{
        int64_t x = 0;
        int r = rt_json_int(m, W ".memory", key, false, -1, INT64_MAX, &x, e);
        if (r < 0)
                return r;
        if (r > 0 && x != 0) {
                *has = true;
                *v = x;
        }
        return 0;
}

static int memory_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *m;
        int ret = rt_json_object(res, W, "memory", &m, e);
        if (ret <= 0)
                return ret;
        if ((ret = mem_size(m, "limit", &r->has_mem_limit, &r->mem_limit, e)) < 0 ||
            (ret = mem_size(m, "reservation", &r->has_mem_reservation, &r->mem_reservation, e)) <
                    0 ||
            (ret = mem_size(m, "swap", &r->has_mem_swap, &r->mem_swap, e)) < 0 ||
            (ret = mem_size(m, "kernel", &r->has_mem_kernel, &r->mem_kernel, e)) < 0 ||
            (ret = mem_size(m, "kernelTCP", &r->has_mem_kernel_tcp, &r->mem_kernel_tcp, e)) < 0)
                return ret;
        uint64_t sw;
        if ((ret = rt_json_uint(m, W ".memory", "swappiness", false, UINT64_MAX, &sw, e)) < 0)
                return ret;
        /* docker sends (uint64)-1 for "not set". */
        if (ret > 0 && sw != UINT64_MAX) {
                if (sw > 100)
                        return err_set(e, EINVAL,
                                       W ".memory.swappiness: %llu out of range (0 to 100)",
                                       (unsigned long long)sw);
                r->has_mem_swappiness = true;
                r->mem_swappiness = sw;
        }
        if ((ret = rt_json_bool(m, W ".memory", "disableOOMKiller", &r->disable_oom_killer, e)) < 0)
                return ret;
        r->has_disable_oom_killer = ret > 0;
        if ((ret = rt_json_bool(m, W ".memory", "useHierarchy", &r->use_hierarchy, e)) < 0)
                return ret;
        r->has_use_hierarchy = ret > 0;
        if ((ret = rt_json_bool(m, W ".memory", "checkBeforeUpdate", &r->check_before_update, e)) <
            0)
                return ret;
        return 0;
}

/* "0-3,5,7-8" as cpuset.cpus and cpuset.mems take it. */
static bool cpuset_list_valid(const char *s)
{
        if (strlen(s) > CPUSET_LIST_MAX)
                return false;
        const char *p = s;
        for (;;) {
                if (*p < '0' || *p > '9')
                        return false;
                while (*p >= '0' && *p <= '9')
                        p++;
                if (*p == '-') {
                        p++;
                        if (*p < '0' || *p > '9')
                                return false;
                        while (*p >= '0' && *p <= '9')
                                p++;
                }
                if (*p == '\0')
                        return true;
                if (*p++ != ',')
                        return false;
        }
}

static int cpuset_parse(const struct json *c, const char *key, char **ret, struct err *e)
{
        _cleanup_free_ char *s = NULL;
        int r = rt_json_string(c, W ".cpu", key, false, &s, e);
        if (r <= 0 || !*s)
                return r < 0 ? r : 0;
        if (!cpuset_list_valid(s)) {
                _cleanup_free_ char *f = xasprintf(W ".cpu.%s", key);
                return fail_value(f, "not a list of numbers and ranges", s, e);
        }
        *ret = steal_pointer(&s);
        return 0;
}

static int cpu_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *c;
        int ret = rt_json_object(res, W, "cpu", &c, e);
        if (ret <= 0)
                return ret;
        const char *w = W ".cpu";
        uint64_t u = 0;
        int64_t i = 0;
        if ((ret = rt_json_uint(c, w, "shares", false, UINT64_MAX, &u, e)) < 0)
                return ret;
        if (ret > 0 && u != 0) {
                if (u < CPU_SHARES_MIN || u > CPU_SHARES_MAX)
                        return err_set(e, EINVAL, "%s.shares: %llu out of range (%d to %d)", w,
                                       (unsigned long long)u, CPU_SHARES_MIN, CPU_SHARES_MAX);
                r->has_cpu_shares = true;
                r->cpu_shares = u;
        }
        if ((ret = rt_json_int(c, w, "quota", false, -1, INT64_MAX, &i, e)) < 0)
                return ret;
        if (ret > 0 && i != 0) {
                if (i > 0 && i < CPU_PERIOD_MIN)
                        return err_set(e, EINVAL, "%s.quota: %lld is below the minimum of %d", w,
                                       (long long)i, CPU_PERIOD_MIN);
                r->has_cpu_quota = true;
                r->cpu_quota = i;
        }
        if ((ret = rt_json_uint(c, w, "period", false, UINT64_MAX, &u, e)) < 0)
                return ret;
        if (ret > 0 && u != 0) {
                if (u < CPU_PERIOD_MIN || u > CPU_PERIOD_MAX)
                        return err_set(e, EINVAL, "%s.period: %llu out of range (%d to %d)", w,
                                       (unsigned long long)u, CPU_PERIOD_MIN, CPU_PERIOD_MAX);
                r->has_cpu_period = true;
                r->cpu_period = u;
        }
        if ((ret = rt_json_uint(c, w, "burst", false, INT64_MAX, &r->cpu_burst, e)) < 0)
                return ret;
        r->has_cpu_burst = ret > 0;
        if ((ret = rt_json_int(c, w, "realtimeRuntime", false, -1, INT64_MAX, &r->rt_runtime, e)) <
            0)
                return ret;
        r->has_rt_runtime = ret > 0 && r->rt_runtime != 0;
        if ((ret = rt_json_uint(c, w, "realtimePeriod", false, INT64_MAX, &r->rt_period, e)) < 0)
                return ret;
        r->has_rt_period = ret > 0 && r->rt_period != 0;
        if ((ret = rt_json_int(c, w, "idle", false, 0, 1, &r->cpu_idle, e)) < 0)
                return ret;
        r->has_cpu_idle = ret > 0;
        if ((ret = cpuset_parse(c, "cpus", &r->cpus, e)) < 0 ||
            (ret = cpuset_parse(c, "mems", &r->mems, e)) < 0)
                return ret;
        return 0;
}

static int pids_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *p;
        int ret = rt_json_object(res, W, "pids", &p, e);
        if (ret <= 0)
                return ret;
        if ((ret = rt_json_int(p, W ".pids", "limit", false, INT64_MIN, INT64_MAX, &r->pids_limit,
                               e)) < 0)
                return ret;
        r->has_pids_limit = ret > 0;
        return 0;
}

/* ------------------------------------------------------------------------
 * blockIO
 * ------------------------------------------------------------------------ */

/* A blkio weight: 0 not set, else 10..1000. */
static int weight_parse(const struct json *o, const char *where, const char *key, bool *has,
                        uint16_t *v, struct err *e)
{
        uint64_t u;
        int r = rt_json_uint(o, where, key, false, UINT16_MAX, &u, e);
        if (r <= 0 || u == 0)
                return r < 0 ? r : 0;
        if (u < BLKIO_WEIGHT_MIN || u > BLKIO_WEIGHT_MAX)
                return err_set(e, EINVAL, "%s.%s: %llu out of range (%d to %d)", where, key,
                               (unsigned long long)u, BLKIO_WEIGHT_MIN, BLKIO_WEIGHT_MAX);
        *has = true;
        *v = (uint16_t)u;
        return 0;
}

static int majmin_parse(const struct json *o, const char *where, int64_t *maj, int64_t *min,
                        struct err *e)
{
        int r;
        if ((r = rt_json_int(o, where, "major", true, 0, UINT32_MAX, maj, e)) < 0 ||
            (r = rt_json_int(o, where, "minor", true, 0, UINT32_MAX, min, e)) < 0)
                return r;
        return 0;
}

static int throttle_parse(const struct json *bio, enum rt_res_throttle_kind k,
                          struct rt_resources *r, struct err *e)
{
        static const char *const keys[RT_THROTTLE_NKINDS] = {
                "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
                "throttleWriteIOPSDevice"};
        const struct json *list;
        int ret = rt_json_array(bio, W ".blockIO", keys[k], RT_MAX_ENTRIES, &list, e);
        if (ret <= 0 || list->arr.len == 0)
                return ret;
        r->throttle[k] = xcalloc(list->arr.len, sizeof(struct rt_res_throttle));
        for (size_t i = 0; i < list->arr.len; i++) {
                const struct json *j = list->arr.items[i];
                struct rt_res_throttle *t = &r->throttle[k][i];
                _cleanup_free_ char *wi = xasprintf(W ".blockIO.%s[%zu]", keys[k], i);
                if ((ret = item_object(j, wi, e)) < 0 ||
                    (ret = majmin_parse(j, wi, &t->major, &t->minor, e)) < 0 ||
                    (ret = rt_json_uint(j, wi, "rate", true, UINT64_MAX, &t->rate, e)) < 0)
                        return ret;
                r->n_throttle[k]++;
        }
        return 0;
}

static int blkio_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *b, *list;
        const char *w = W ".blockIO";
        int ret = rt_json_object(res, W, "blockIO", &b, e);
        if (ret <= 0)
                return ret;
        if ((ret = weight_parse(b, w, "weight", &r->has_blkio_weight, &r->blkio_weight, e)) < 0 ||
            (ret = weight_parse(b, w, "leafWeight", &r->has_blkio_leaf_weight,
                                &r->blkio_leaf_weight, e)) < 0)
                return ret;
        if ((ret = rt_json_array(b, w, "weightDevice", RT_MAX_ENTRIES, &list, e)) < 0)
                return ret;
        if (ret > 0 && list->arr.len > 0) {
                r->weight_devices = xcalloc(list->arr.len, sizeof(*r->weight_devices));
                for (size_t i = 0; i < list->arr.len; i++) {
                        const struct json *j = list->arr.items[i];
                        struct rt_res_weight_device *d = &r->weight_devices[i];
                        _cleanup_free_ char *wi = xasprintf("%s.weightDevice[%zu]", w, i);
                        if ((ret = item_object(j, wi, e)) < 0 ||
                            (ret = majmin_parse(j, wi, &d->major, &d->minor, e)) < 0 ||
                            (ret = weight_parse(j, wi, "weight", &d->has_weight, &d->weight, e)) <
                                    0 ||
                            (ret = weight_parse(j, wi, "leafWeight", &d->has_leaf_weight,
                                                &d->leaf_weight, e)) < 0)
                                return ret;
                        r->n_weight_devices++;
                }
        }
        for (int k = 0; k < RT_THROTTLE_NKINDS; k++)
                if ((ret = throttle_parse(b, k, r, e)) < 0)
                        return ret;
        return 0;
}

/* ------------------------------------------------------------------------
 * hugepageLimits, network, rdma, unified
 * ------------------------------------------------------------------------ */

/* "2MB", "1GB", "64KB": the size part of hugetlb.<size>.* file names. */
static bool page_size_valid(const char *s)
{
        size_t n = strspn(s, "0123456789");
        if (n == 0 || n > 20 || s[0] == '0')
                return false;
        const char *u = s + n;
        return STREQ(u, "KB") || STREQ(u, "MB") || STREQ(u, "GB") || STREQ(u, "TB") ||
               STREQ(u, "PB");
}

static int hugepages_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *list;
        int ret = rt_json_array(res, W, "hugepageLimits", RT_MAX_ENTRIES, &list, e);
        if (ret <= 0 || list->arr.len == 0)
                return ret;
        r->hugepages = xcalloc(list->arr.len, sizeof(*r->hugepages));
        for (size_t i = 0; i < list->arr.len; i++) {
                const struct json *j = list->arr.items[i];
                struct rt_res_hugepage *h = &r->hugepages[i];
                _cleanup_free_ char *wi = xasprintf(W ".hugepageLimits[%zu]", i);
                r->n_hugepages++;
                if ((ret = item_object(j, wi, e)) < 0 ||
                    (ret = rt_json_string(j, wi, "pageSize", true, &h->page_size, e)) < 0 ||
                    (ret = rt_json_uint(j, wi, "limit", true, UINT64_MAX, &h->limit, e)) < 0)
                        return ret;
                if (!page_size_valid(h->page_size)) {
                        _cleanup_free_ char *f = xasprintf("%s.pageSize", wi);
                        return fail_value(f, "not a page size like '2MB'", h->page_size, e);
                }
        }
        return 0;
}

static int network_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *n, *list;
        const char *w = W ".network";
        int ret = rt_json_object(res, W, "network", &n, e);
        if (ret <= 0)
                return ret;
        uint64_t u;
        if ((ret = rt_json_uint(n, w, "classID", false, UINT32_MAX, &u, e)) < 0)
                return ret;
        if (ret > 0) {
                r->has_net_class_id = true;
                r->net_class_id = (uint32_t)u;
        }
        if ((ret = rt_json_array(n, w, "priorities", RT_MAX_ENTRIES, &list, e)) <= 0 ||
            list->arr.len == 0)
                return ret < 0 ? ret : 0;
        r->net_prios = xcalloc(list->arr.len, sizeof(*r->net_prios));
        for (size_t i = 0; i < list->arr.len; i++) {
                const struct json *j = list->arr.items[i];
                struct rt_res_ifprio *p = &r->net_prios[i];
                _cleanup_free_ char *wi = xasprintf("%s.priorities[%zu]", w, i);
                r->n_net_prios++;
                if ((ret = item_object(j, wi, e)) < 0 ||
                    (ret = rt_json_string(j, wi, "name", true, &p->name, e)) < 0 ||
                    (ret = rt_json_uint(j, wi, "priority", true, UINT32_MAX, &u, e)) < 0)
                        return ret;
                p->priority = (uint32_t)u;
                if (!safe_token(p->name, 15)) {
                        _cleanup_free_ char *f = xasprintf("%s.name", wi);
                        return fail_value(f, "not an interface name", p->name, e);
                }
        }
        return 0;
}

static int rdma_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *o;
        int ret = rt_json_object(res, W, "rdma", &o, e);
        if (ret <= 0 || o->obj.len == 0)
                return ret;
        if (o->obj.len > RT_MAX_ENTRIES)
                return err_set(e, E2BIG, W ".rdma: %zu entries, more than the %d allowed",
                               o->obj.len, RT_MAX_ENTRIES);
        r->rdma = xcalloc(o->obj.len, sizeof(*r->rdma));
        for (size_t i = 0; i < o->obj.len; i++) {
                struct rt_res_rdma *d = &r->rdma[i];
                const char *name = o->obj.keys[i];
                d->device = xstrdup(name);
                r->n_rdma++;
                if (!safe_token(name, NAME_MAX_LEN))
                        return fail_value(W ".rdma", "bad device name", name, e);
                _cleanup_free_ char *q = rt_quote(name);
                _cleanup_free_ char *wi = xasprintf(W ".rdma.%s", q);
                const struct json *j = o->obj.vals[i];
                uint64_t u;
                if ((ret = item_object(j, wi, e)) < 0 ||
                    (ret = rt_json_uint(j, wi, "hcaHandles", false, UINT32_MAX, &u, e)) < 0)
                        return ret;
                if (ret > 0) {
                        d->has_handles = true;
                        d->handles = (uint32_t)u;
                }
                if ((ret = rt_json_uint(j, wi, "hcaObjects", false, UINT32_MAX, &u, e)) < 0)
                        return ret;
                if (ret > 0) {
                        d->has_objects = true;
                        d->objects = (uint32_t)u;
                }
        }
        return 0;
}

/* A cgroup v2 file name: one component, no hidden or parent names. */
static bool unified_key_valid(const char *k)
{
        if (!safe_token(k, NAME_MAX_LEN) || k[0] == '.')
                return false;
        return !strstr(k, "..");
}

static int unified_parse(const struct json *res, struct rt_resources *r, struct err *e)
{
        const struct json *o;
        int ret = rt_json_object(res, W, "unified", &o, e);
        if (ret <= 0 || o->obj.len == 0)
                return ret;
        if (o->obj.len > RT_MAX_ENTRIES)
                return err_set(e, E2BIG, W ".unified: %zu entries, more than the %d allowed",
                               o->obj.len, RT_MAX_ENTRIES);
        r->unified_keys = xcalloc(o->obj.len + 1, sizeof(char *));
        r->unified_values = xcalloc(o->obj.len + 1, sizeof(char *));
        for (size_t i = 0; i < o->obj.len; i++) {
                const char *k = o->obj.keys[i];
                if (!unified_key_valid(k))
                        return fail_value(W ".unified", "not a cgroup file name", k, e);
                _cleanup_free_ char *q = rt_quote(k);
                _cleanup_free_ char *f = xasprintf(W ".unified.%s", q);
                const struct json *v = o->obj.vals[i];
                if (v->type != JSON_STRING)
                        return err_set(e, EINVAL, "%s: expected a string, got %s", f,
                                       json_type_to_string(v->type));
                if (strlen(v->str.s) != v->str.len)
                        return err_set(e, EINVAL, "%s: contains a NUL byte", f);
                r->unified_keys[i] = xstrdup(k);
                r->unified_values[i] = xstrdup(v->str.s);
                r->n_unified++;
        }
        return 0;
}

/* ------------------------------------------------------------------------
 * The set
 * ------------------------------------------------------------------------ */

int rt_resources_parse(const struct json *j, struct rt_resources **ret, struct err *e)
{
        struct rt_resources *r = xcalloc(1, sizeof(*r));
        int rc = 0;
        if (j && j->type != JSON_NULL) {
                if (j->type != JSON_OBJECT)
                        rc = err_set(e, EINVAL, W ": expected an object, got %s",
                                     json_type_to_string(j->type));
                if (rc == 0)
                        rc = devices_parse(j, r, e);
                if (rc == 0)
                        rc = memory_parse(j, r, e);
                if (rc == 0)
                        rc = cpu_parse(j, r, e);
                if (rc == 0)
                        rc = pids_parse(j, r, e);
                if (rc == 0)
                        rc = blkio_parse(j, r, e);
                if (rc == 0)
                        rc = hugepages_parse(j, r, e);
                if (rc == 0)
                        rc = network_parse(j, r, e);
                if (rc == 0)
                        rc = rdma_parse(j, r, e);
                if (rc == 0)
                        rc = unified_parse(j, r, e);
        }
        if (rc < 0) {
                rt_resources_free(r);
                return rc;
        }
        *ret = r;
        return 0;
}

void rt_resources_free(struct rt_resources *r)
{
        if (!r)
                return;
        free(r->devices);
        free(r->cpus);
        free(r->mems);
        free(r->weight_devices);
        for (int k = 0; k < RT_THROTTLE_NKINDS; k++)
                free(r->throttle[k]);
        for (size_t i = 0; i < r->n_hugepages; i++)
                free(r->hugepages[i].page_size);
        free(r->hugepages);
        for (size_t i = 0; i < r->n_net_prios; i++)
                free(r->net_prios[i].name);
        free(r->net_prios);
        for (size_t i = 0; i < r->n_rdma; i++)
                free(r->rdma[i].device);
        free(r->rdma);
        strv_free(r->unified_keys);
        strv_free(r->unified_values);
        free(r);
}

bool rt_resources_empty(const struct rt_resources *r)
{
        if (!r)
                return true;
        size_t nthrottle = 0;
        for (int k = 0; k < RT_THROTTLE_NKINDS; k++)
                nthrottle += r->n_throttle[k];
        return !(r->n_devices || r->has_mem_limit || r->has_mem_reservation || r->has_mem_swap ||
                 r->has_mem_kernel || r->has_mem_kernel_tcp || r->has_mem_swappiness ||
                 r->has_disable_oom_killer || r->has_use_hierarchy || r->has_cpu_shares ||
                 r->has_cpu_quota || r->has_cpu_burst || r->has_cpu_period || r->has_rt_runtime ||
                 r->has_rt_period || r->has_cpu_idle || r->cpus || r->mems || r->has_pids_limit ||
                 r->has_blkio_weight || r->has_blkio_leaf_weight || r->n_weight_devices ||
                 nthrottle || r->n_hugepages || r->has_net_class_id || r->n_net_prios ||
                 r->n_rdma || r->n_unified);
}

/* "64MiB" when exact, else bytes. */
static void put_size(struct sbuf *b, const char *what, int64_t v)
{
        static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
        if (v < 0) {
                sbuf_printf(b, ", %s unlimited", what);
                return;
        }
        int u = -1;
        while (u + 1 < (int)ARRAY_SIZE(units) && v >= 1024 && v % 1024 == 0) {
                v /= 1024;
                u++;
        }
        sbuf_printf(b, ", %s %lld%s", what, (long long)v, u < 0 ? " bytes" : units[u]);
}

char *rt_resources_describe(const struct rt_resources *r)
{
        struct sbuf b = {0};
        sbuf_append(&b, "");
        if (!r)
                return sbuf_steal(&b);
        if (r->has_mem_limit)
                put_size(&b, "memory limit", r->mem_limit);
        if (r->has_mem_reservation)
                put_size(&b, "memory reservation", r->mem_reservation);
        if (r->has_mem_swap)
                put_size(&b, "memory+swap limit", r->mem_swap);
        if (r->has_cpu_shares)
                sbuf_printf(&b, ", cpu shares %llu", (unsigned long long)r->cpu_shares);
        if (r->has_cpu_quota)
                sbuf_printf(&b, ", cpu quota %lld", (long long)r->cpu_quota);
        if (r->cpus)
                sbuf_printf(&b, ", cpuset cpus %s", r->cpus);
        if (r->has_pids_limit)
                sbuf_printf(&b, ", pids limit %lld", (long long)r->pids_limit);
        if (r->has_blkio_weight || r->n_weight_devices)
                sbuf_append(&b, ", blkio weight");
        for (int k = 0; k < RT_THROTTLE_NKINDS; k++)
                if (r->n_throttle[k])
                        sbuf_printf(&b, ", blkio %s", rt_res_throttle_name(k));
        if (r->n_hugepages)
                sbuf_append(&b, ", hugepage limits");
        if (r->n_devices)
                sbuf_append(&b, ", device rules");
        if (r->n_unified)
                sbuf_append(&b, ", unified settings");
        if (b.len > 2) {
                memmove(b.buf, b.buf + 2, b.len - 1);
                b.len -= 2;
        } else if (!rt_resources_empty(r)) {
                sbuf_append(&b, "other limits");
        }
        return sbuf_steal(&b);
}

const char *rt_res_throttle_name(enum rt_res_throttle_kind k)
{
        static const char *const names[RT_THROTTLE_NKINDS] = {"read_bps", "write_bps", "read_iops",
                                                              "write_iops"};
        return (unsigned)k < RT_THROTTLE_NKINDS ? names[k] : NULL;
}

/* v1 shares 2..262144 onto v2 weight 1..10000, linearly. */
uint64_t rt_res_shares_to_weight(uint64_t shares)
{
        if (shares < CPU_SHARES_MIN)
                shares = CPU_SHARES_MIN;
        if (shares > CPU_SHARES_MAX)
                shares = CPU_SHARES_MAX;
        return 1 + ((shares - CPU_SHARES_MIN) * 9999) / (CPU_SHARES_MAX - CPU_SHARES_MIN);
}

/* v1 blkio weight 10..1000 onto v2 io.weight 1..10000, linearly. */
uint64_t rt_res_blkio_to_io_weight(uint64_t weight)
{
        if (weight < BLKIO_WEIGHT_MIN)
                weight = BLKIO_WEIGHT_MIN;
        if (weight > BLKIO_WEIGHT_MAX)
                weight = BLKIO_WEIGHT_MAX;
        return 1 + ((weight - BLKIO_WEIGHT_MIN) * 9999) / (BLKIO_WEIGHT_MAX - BLKIO_WEIGHT_MIN);
}

int rt_res_v2_swap(const struct rt_resources *r, int64_t *ret, struct err *e)
{
        if (!r->has_mem_swap)
                return err_set(e, EINVAL, W ".memory.swap: not set");
        if (r->mem_swap < 0) {
                *ret = -1;
                return 0;
        }
        /* The spec's swap is memory+swap (v1); v2 limits swap alone. */
        if (!r->has_mem_limit || r->mem_limit < 0)
                return err_set(e, EINVAL,
                               W ".memory.swap: a memory+swap limit needs a memory limit on "
                                 "cgroup v2");
        if (r->mem_swap < r->mem_limit)
                return err_set(e, EINVAL,
                               W ".memory.swap: %lld is below the memory limit %lld (swap is "
                                 "memory+swap)",
                               (long long)r->mem_swap, (long long)r->mem_limit);
        *ret = r->mem_swap - r->mem_limit;
        return 0;
}

char *rt_res_rdma_line(const struct rt_res_rdma *d)
{
        char hh[16] = "max", ho[16] = "max";
        if (d->has_handles)
                snprintf(hh, sizeof(hh), "%u", d->handles);
        if (d->has_objects)
                snprintf(ho, sizeof(ho), "%u", d->objects);
        return xasprintf("%s hca_handle=%s hca_object=%s", d->device, hh, ho);
}

/* What every container needs whatever its rules say (as runc allows them):
 * mknod of any node, then null, zero, full, random, urandom, tty, ptmx,
 * the pts, and tun. */
const struct rt_res_device rt_res_default_devices[] = {
        {true, 'c', RT_CG_ANY, RT_CG_ANY, "m"},
        {true, 'b', RT_CG_ANY, RT_CG_ANY, "m"},
        {true, 'c', 1, 3, "rwm"},
        {true, 'c', 1, 5, "rwm"},
        {true, 'c', 1, 7, "rwm"},
        {true, 'c', 1, 8, "rwm"},
        {true, 'c', 1, 9, "rwm"},
        {true, 'c', 5, 0, "rwm"},
        {true, 'c', 5, 2, "rwm"},
        {true, 'c', 136, RT_CG_ANY, "rwm"},
        {true, 'c', 10, 200, "rwm"},
};
const size_t rt_res_n_default_devices = ARRAY_SIZE(rt_res_default_devices);
