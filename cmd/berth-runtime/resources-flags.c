/* SPDX-License-Identifier: Apache-2.0 */
/* update's individual flags, turned into a linux.resources object. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtcli.h"

int rtcli_parse_bytes(const char *s, int64_t *ret)
{
        if (!s || !isdigit((unsigned char)*s))
                return -EINVAL;
        const char *p = s;
        while (isdigit((unsigned char)*p))
                p++;
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                while (isdigit((unsigned char)*p))
                        p++;
        }
        _cleanup_free_ char *num = xstrndup(s, (size_t)(p - s));
        if (*p == ' ')
                p++;
        double mult = 1;
        if (*p) {
                const char *units = "kmgtp";
                const char *u = strchr(units, tolower((unsigned char)*p));
                if (u) {
                        mult = pow(1024, (double)(u - units + 1));
                        p++;
                        if (*p == 'i' || *p == 'I')
                                p++;
                }
                if (*p == 'b' || *p == 'B')
                        p++;
                if (*p)
                        return -EINVAL;
        }
        errno = 0;
        char *end;
        double v = strtod(num, &end) * mult;
        if (errno || *end || v >= 9223372036854775807.0)
                return -ERANGE;
        *ret = (int64_t)v;
        return 0;
}

static int bad_value(const char *flag, const char *v, const char *why, struct err *e)
{
        _cleanup_free_ char *q = rtcli_go_quote(v);
        return err_set(e, EINVAL, "invalid value for %s: %s: %s", flag, q, why);
}

/* A memory size; "-1" means unlimited. */
static int set_bytes(struct json *obj, const char *key, const char *flag, const char *v,
                     struct err *e)
{
        int64_t n;
        if (!v)
                return 0;
        if (STREQ(v, "-1"))
                n = -1;
        else if (rtcli_parse_bytes(v, &n) < 0)
                return bad_value(flag, v, "not a size (e.g. 512m, 1g)", e);
        json_object_set_int(obj, key, n);
        return 0;
}

static int set_uint(struct json *obj, const char *key, const char *flag, const char *v,
                    uint64_t max, struct err *e)
{
        uint64_t n;
        if (!v)
                return 0;
        if (!isdigit((unsigned char)*v) || str_to_uint64(v, &n) < 0 || n > max)
                return bad_value(flag, v, "not an unsigned integer in range", e);
        json_object_set_int(obj, key, (int64_t)n);
        return 0;
}

static int set_int(struct json *obj, const char *key, const char *flag, const char *v,
                   struct err *e)
{
        int64_t n;
        if (!v)
                return 0;
        if (str_to_int64(v, &n) < 0)
                return bad_value(flag, v, "not an integer", e);
        json_object_set_int(obj, key, n);
        return 0;
}

/* Attach obj under key unless it stayed empty. */
static void set_if_any(struct json *parent, const char *key, struct json *obj)
{
        if (obj->obj.len)
                json_object_set(parent, key, obj);
        else
                json_free(obj);
}

int rtcli_update_resources(const struct rtcli_update_flags *f, struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *res = json_new_object();
        _cleanup_json_ struct json *mem = json_new_object(), *cpu = json_new_object(),
                                   *pids = json_new_object(), *blkio = json_new_object();
        int r;
        if ((r = set_bytes(mem, "limit", "memory", f->memory, e)) < 0 ||
            (r = set_bytes(mem, "reservation", "memory-reservation", f->memory_reservation, e)) <
                    0 ||
            (r = set_bytes(mem, "swap", "memory-swap", f->memory_swap, e)) < 0 ||
            (r = set_bytes(mem, "kernel", "kernel-memory", f->kernel_memory, e)) < 0 ||
            (r = set_bytes(mem, "kernelTCP", "kernel-memory-tcp", f->kernel_memory_tcp, e)) < 0)
                return r;
        if ((r = set_uint(cpu, "shares", "cpu-share", f->cpu_shares, UINT64_MAX, e)) < 0 ||
            (r = set_int(cpu, "quota", "cpu-quota", f->cpu_quota, e)) < 0 ||
            (r = set_uint(cpu, "period", "cpu-period", f->cpu_period, UINT64_MAX, e)) < 0 ||
            (r = set_int(cpu, "realtimeRuntime", "cpu-rt-runtime", f->cpu_rt_runtime, e)) < 0 ||
            (r = set_uint(cpu, "realtimePeriod", "cpu-rt-period", f->cpu_rt_period, UINT64_MAX,
                          e)) < 0)
                return r;
        if (f->cpuset_cpus)
                json_object_set_string(cpu, "cpus", f->cpuset_cpus);
        if (f->cpuset_mems)
                json_object_set_string(cpu, "mems", f->cpuset_mems);
        if ((r = set_int(pids, "limit", "pids-limit", f->pids_limit, e)) < 0 ||
            (r = set_uint(blkio, "weight", "blkio-weight", f->blkio_weight, UINT16_MAX, e)) < 0)
                return r;
        set_if_any(res, "memory", steal_pointer(&mem));
        set_if_any(res, "cpu", steal_pointer(&cpu));
        set_if_any(res, "pids", steal_pointer(&pids));
        set_if_any(res, "blockIO", steal_pointer(&blkio));
        *ret = steal_pointer(&res);
        return 0;
}
