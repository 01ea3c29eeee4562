/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `run`/`create` resource options: sizes (--memory, --memory-swap,
 * --memory-reservation, --shm-size), CPU (--cpus, --cpu-shares,
 * --cpu-period, --cpu-quota, --cpuset-cpus, --cpuset-mems), --pids-limit
 * and --oom-score-adj, checked with podman's texts.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ctr-internal.h"
#include "ctr-opts.h"

int ctr_size_parse(const char *s, int64_t *ret)
{
        if (!s || !*s)
                return -EINVAL;
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || end == s || v < 0 || !isfinite(v))
                return -EINVAL;
        int64_t mult = 1;
        char u = (char)tolower((unsigned char)*end);
        if (u) {
                switch (u) {
                case 'b':
                        break;
                case 'k':
                        mult = 1024;
                        break;
                case 'm':
                        mult = 1024 * 1024;
                        break;
                case 'g':
                        mult = 1024LL * 1024 * 1024;
                        break;
                case 't':
                        mult = 1024LL * 1024 * 1024 * 1024;
                        break;
                default:
                        return -EINVAL;
                }
                end++;
                if (u != 'b' && (*end == 'b' || *end == 'B'))
                        end++;
                if (*end == 'i' && u != 'b')
                        return -EINVAL;
                if (*end)
                        return -EINVAL;
        }
        /* (double)INT64_MAX is 2^63, itself out of range. */
        double bytes = v * (double)mult;
        if (bytes >= (double)INT64_MAX)
                return -ERANGE;
        *ret = (int64_t)bytes;
        return 0;
}

static int size_opt(const char *flag, const char *v, int64_t *ret, struct err *e)
{
        if (!v)
                return 0;
        if (ctr_size_parse(v, ret) < 0)
                return err_set(e, EINVAL,
                               "invalid value \"%s\" for %s: expected a size such as "
                               "512m or 1g",
                               v, flag);
        return 0;
}

/* A cpuset list ("0-3,5"): podman's "invalid value X for cpuset cpus". */
static int cpu_list(const char *what, const char *v, struct err *e)
{
        if (!v)
                return 0;
        bool ok = *v != '\0';
        for (const char *p = v; ok && *p;) {
                size_t d = strspn(p, "0123456789");
                ok = d > 0 && d < 10;
                p += d;
                if (ok && *p == '-') {
                        d = strspn(++p, "0123456789");
                        ok = d > 0 && d < 10;
                        p += d;
                }
                if (ok && *p == ',')
                        ok = *++p != '\0';
                else if (ok && *p)
                        ok = false;
        }
        if (!ok)
                return err_set(e, EINVAL, "invalid value %s for cpuset %s", v, what);
        return 0;
}

int ctr_opts_resources(const struct container_create_opts *o, struct ctr_spec_opts *sp,
                       struct err *e)
{
        int r;
        if ((r = size_opt("--memory", o->memory, &sp->memory, e)) < 0)
                return r;
        if (o->memory_swap) {
                if (STREQ(o->memory_swap, "-1"))
                        sp->memory_swap = -1;
                else if ((r = size_opt("--memory-swap", o->memory_swap, &sp->memory_swap, e)) < 0)
                        return r;
        }
        if (o->cpus) {
                char *end;
                errno = 0;
                sp->cpus = strtod(o->cpus, &end);
                if (errno || *end || end == o->cpus || sp->cpus < 0 || !isfinite(sp->cpus))
                        return err_set(e, EINVAL, "invalid value \"%s\" for --cpus", o->cpus);
                /* the quota over podman's 100 ms period */
                if (sp->cpus > 0 && sp->cpus * 100000 < 1000)
                        return err_set(e, EINVAL,
                                       "CPU cfs quota cannot be less than 1ms (i.e. 1000)");
        }
        if (o->cpu_shares && str_to_uint64(o->cpu_shares, &sp->cpu_shares) < 0)
                return err_set(e, EINVAL, "invalid value \"%s\" for --cpu-shares", o->cpu_shares);
        if (o->pids_limit) {
                if (str_to_int64(o->pids_limit, &sp->pids_limit) < 0 || sp->pids_limit < -1)
                        return err_set(e, EINVAL, "invalid value \"%s\" for --pids-limit",
                                       o->pids_limit);
                sp->pids_limit_set = true;
        }
        if ((r = size_opt("--shm-size", o->shm_size, &sp->shm_size, e)) < 0)
                return r;
        if ((r = size_opt("--memory-reservation", o->memory_reservation, &sp->memory_reservation,
                          e)) < 0)
                return r;
        if (o->cpu_period && (str_to_uint64(o->cpu_period, &sp->cpu_period) < 0))
                return err_set(e, EINVAL, "invalid value \"%s\" for --cpu-period", o->cpu_period);
        if (o->cpu_quota) {
                if (str_to_int64(o->cpu_quota, &sp->cpu_quota) < 0 || sp->cpu_quota < -1)
                        return err_set(e, EINVAL, "invalid value \"%s\" for --cpu-quota",
                                       o->cpu_quota);
                if (sp->cpu_quota > 0 && sp->cpu_quota < 1000)
                        return err_set(e, EINVAL,
                                       "CPU cfs quota cannot be less than 1ms (i.e. 1000)");
        }
        /* --cpus is a quota over podman's period: not with either. */
        if (sp->cpus > 0 && sp->cpu_period)
                return err_set(e, EINVAL, "--cpu-period and --cpus cannot be set together");
        if (sp->cpus > 0 && sp->cpu_quota)
                return err_set(e, EINVAL, "--cpu-quota and --cpus cannot be set together");
        if ((r = cpu_list("cpus", o->cpuset_cpus, e)) < 0 ||
            (r = cpu_list("mems", o->cpuset_mems, e)) < 0)
                return r;
        sp->cpuset_cpus = o->cpuset_cpus;
        sp->cpuset_mems = o->cpuset_mems;
        if (o->oom_score_adj) {
                int64_t v;
                if (str_to_int64(o->oom_score_adj, &v) < 0)
                        return err_set(e, EINVAL, "invalid value \"%s\" for --oom-score-adj",
                                       o->oom_score_adj);
                /* podman 4.3 passes any value to the runtime, which refuses
                 * it at start; berth says so at once. */
                if (v < -1000 || v > 1000)
                        return err_set(e, EINVAL,
                                       "--oom-score-adj %s: must be between -1000 and 1000",
                                       o->oom_score_adj);
                sp->oom_score_adj = (int)v;
                sp->oom_score_adj_set = true;
        }
        return 0;
}
