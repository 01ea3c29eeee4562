/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container rlimits: --ulimit (docker's "name=soft[:hard]", -1 for
 * unlimited), containers.conf default_ulimits, and podman 4.3's own
 * defaults for RLIMIT_NOFILE and RLIMIT_NPROC.
 *
 * A process may lower its hard limits but raises them only with
 * CAP_SYS_RESOURCE in the initial user namespace. Where berth may not, a
 * default above the current hard limit is clamped to it (podman sets
 * 1048576 and the runtime then fails with EPERM, which is why Debian's
 * podman fails out of the box on hosts like the CI machine), while a value
 * the user asked for explicitly is an error that says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctr-spec.h"

static const struct {
        const char *name;
        int resource;
} rlimit_table[] = {
        {"as", RLIMIT_AS},
        {"core", RLIMIT_CORE},
        {"cpu", RLIMIT_CPU},
        {"data", RLIMIT_DATA},
        {"fsize", RLIMIT_FSIZE},
        {"locks", RLIMIT_LOCKS},
        {"memlock", RLIMIT_MEMLOCK},
        {"msgqueue", RLIMIT_MSGQUEUE},
        {"nice", RLIMIT_NICE},
        {"nofile", RLIMIT_NOFILE},
        {"nproc", RLIMIT_NPROC},
        {"rss", RLIMIT_RSS},
        {"rtprio", RLIMIT_RTPRIO},
        {"rttime", RLIMIT_RTTIME},
        {"sigpending", RLIMIT_SIGPENDING},
        {"stack", RLIMIT_STACK},
};

const char *ctr_rlimit_name(int resource)
{
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
                if (rlimit_table[i].resource == resource)
                        return rlimit_table[i].name;
        return NULL;
}

/* True when this process runs in the initial user namespace, the only one
 * whose CAP_SYS_RESOURCE lets it raise a hard rlimit. */
static bool in_initial_userns(void)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, "/proc/self/uid_map", 4096, &buf, &len, NULL) < 0)
                return true;
        unsigned long a, b, c;
        return sscanf(buf, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295UL;
}

void ctr_host_limits_get(struct ctr_host_limits *ret)
{
        *ret = (struct ctr_host_limits){0};
        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (getrlimit(i, &ret->cur[i]) < 0)
                        ret->cur[i].rlim_cur = ret->cur[i].rlim_max = RLIM_INFINITY;
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, "/proc/self/status", 1 << 16, &buf, &len, NULL) < 0)
                return;
        const char *p = strstr(buf, "\nCapEff:");
        unsigned long long eff = 0;
        if (p && sscanf(p + strlen("\nCapEff:"), "%llx", &eff) == 1)
                ret->may_raise = (eff & (1ULL << 24)) && in_initial_userns(); /* CAP_SYS_RESOURCE */
}

static uint64_t rlim_to_u64(rlim_t v)
{
        return v == RLIM_INFINITY ? CTR_RLIM_UNLIMITED : (uint64_t)v;
}

/* One limit value: a decimal >= 0, or -1 for unlimited. */
static int limit_parse(const char *s, uint64_t *ret)
{
        int64_t v;
        if (str_to_int64(s, &v) < 0 || v < -1)
                return -EINVAL;
        *ret = v == -1 ? CTR_RLIM_UNLIMITED : (uint64_t)v;
        return 0;
}

static void format_limit(uint64_t v, char *buf, size_t n)
{
        if (v == CTR_RLIM_UNLIMITED)
                snprintf(buf, n, "unlimited");
        else
                snprintf(buf, n, "%" PRIu64, v);
}

int ctr_ulimit_parse(const char *s, struct ctr_rlimit *ret, struct err *e)
{
        const char *eq = strchr(s, '=');
        if (!eq)
                return err_set(e, EINVAL, "invalid ulimit argument '%s': expected name=soft[:hard]",
                               s);
        _cleanup_free_ char *name = xstrndup(s, (size_t)(eq - s));
        int res = -1;
        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++)
                if (STREQ(rlimit_table[i].name, name))
                        res = rlimit_table[i].resource;
        if (res < 0)
                return err_set(e, EINVAL, "invalid ulimit '%s': unknown type '%s'", s, name);
        _cleanup_free_ char *val = xstrdup(eq + 1);
        char *colon = strchr(val, ':');
        if (colon)
                *colon++ = '\0';
        uint64_t soft, hard;
        if (limit_parse(val, &soft) < 0)
                return err_set(e, EINVAL, "invalid ulimit '%s': soft limit '%s' is not a number", s,
                               val);
        hard = soft;
        if (colon && limit_parse(colon, &hard) < 0)
                return err_set(e, EINVAL, "invalid ulimit '%s': hard limit '%s' is not a number", s,
                               colon);
        if (soft > hard) {
                char a[32], b[32];
                format_limit(soft, a, sizeof(a));
                format_limit(hard, b, sizeof(b));
                return err_set(e, EINVAL,
                               "invalid ulimit '%s': soft limit must be less than or equal to "
                               "hard limit: %s > %s",
                               s, a, b);
        }
        *ret = (struct ctr_rlimit){.resource = res, .soft = soft, .hard = hard};
        return 0;
}

struct rl_list {
        struct ctr_rlimit v[RLIM_NLIMITS];
        size_t n;
};

/* Later values of one resource replace earlier ones, as with repeated flags. */
static void rl_set(struct rl_list *l, const struct ctr_rlimit *r)
{
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].resource == r->resource) {
                        l->v[i] = *r;
                        return;
                }
        if (l->n < ARRAY_SIZE(l->v))
                l->v[l->n++] = *r;
}

static bool rl_has(const struct rl_list *l, int resource)
{
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].resource == resource)
                        return true;
        return false;
}

/* Clamp a default to the hard limit berth runs under when it may not raise it. */
static void clamp_default(struct ctr_rlimit *r, const struct ctr_host_limits *h, const char *what)
{
        uint64_t max = rlim_to_u64(h->cur[r->resource].rlim_max);
        if (h->may_raise || r->hard <= max)
                return;
        log_debug("%s: clamping %s hard limit %" PRIu64 " to %" PRIu64
                  ", the hard limit berth may not raise",
                  what, ctr_rlimit_name(r->resource), r->hard, max);
        r->hard = max;
        if (r->soft > max)
                r->soft = max;
}

/* podman's value for NOFILE/NPROC when nothing sets them: the maximum for
 * root, the limits berth runs under (at most that maximum) when rootless. */
static void podman_default(struct rl_list *l, int resource, bool rootless,
                           const struct ctr_host_limits *h)
{
        struct ctr_rlimit r = {.resource = resource,
                               .soft = CTR_RLIM_PODMAN_DEFAULT,
                               .hard = CTR_RLIM_PODMAN_DEFAULT};
        if (rootless) {
                uint64_t cur = rlim_to_u64(h->cur[resource].rlim_cur);
                uint64_t max = rlim_to_u64(h->cur[resource].rlim_max);
                if (cur < r.soft)
                        r.soft = cur;
                if (max < r.hard)
                        r.hard = max;
        }
        clamp_default(&r, h, "default rlimit");
        rl_set(l, &r);
}

static struct json *limit_json(uint64_t v)
{
        /* Exact above INT64_MAX too: runc reads RLIM_INFINITY as a uint64. */
        return json_new_uint(v);
}

int ctr_rlimits_build(char *const *ulimits, char *const *defaults, bool rootless,
                      const struct ctr_host_limits *host, struct json **ret, struct err *e)
{
        struct ctr_host_limits own;
        if (!host) {
                ctr_host_limits_get(&own);
                host = &own;
        }
        bool explicit = ulimits && ulimits[0];
        char *const *src = explicit ? ulimits : defaults;
        struct rl_list l = {0};
        for (char *const *p = src; p && *p; p++) {
                if (STREQ(*p, "host")) {
                        /* podman's --ulimit host: the limits berth runs under. */
                        for (size_t i = 0; i < ARRAY_SIZE(rlimit_table); i++) {
                                int res = rlimit_table[i].resource;
                                struct ctr_rlimit r = {
                                        .resource = res,
                                        .soft = rlim_to_u64(host->cur[res].rlim_cur),
                                        .hard = rlim_to_u64(host->cur[res].rlim_max)};
                                rl_set(&l, &r);
                        }
                        continue;
                }
                struct ctr_rlimit r;
                if (ctr_ulimit_parse(*p, &r, e) < 0) {
                        if (!explicit)
                                return err_wrap(e, "containers.conf default_ulimits");
                        return -EINVAL;
                }
                uint64_t max = rlim_to_u64(host->cur[r.resource].rlim_max);
                if (explicit && !host->may_raise && r.hard > max) {
                        char m[32];
                        format_limit(max, m, sizeof(m));
                        return err_set(e, EPERM,
                                       "ulimit %s: above the hard limit %s, which berth may not "
                                       "raise",
                                       *p, m);
                }
                if (!explicit)
                        clamp_default(&r, host, "containers.conf default_ulimits");
                rl_set(&l, &r);
        }
        /* podman 4.3 in two places: when any ulimit is set, specgen adds
         * NOFILE and NPROC at their maximum; libpod then adds NOFILE when
         * still missing (and NPROC for a rootless user). */
        if (l.n > 0) {
                if (!rl_has(&l, RLIMIT_NOFILE))
                        podman_default(&l, RLIMIT_NOFILE, rootless, host);
                if (!rl_has(&l, RLIMIT_NPROC))
                        podman_default(&l, RLIMIT_NPROC, rootless, host);
        }
        if (!rl_has(&l, RLIMIT_NOFILE))
                podman_default(&l, RLIMIT_NOFILE, rootless, host);
        if (rootless && !rl_has(&l, RLIMIT_NPROC))
                podman_default(&l, RLIMIT_NPROC, rootless, host);

        struct json *a = json_new_array();
        for (size_t i = 0; i < l.n; i++) {
                struct json *o = json_new_object();
                _cleanup_free_ char *up = xasprintf("RLIMIT_%s", ctr_rlimit_name(l.v[i].resource));
                for (char *c = up; *c; c++)
                        if (*c >= 'a' && *c <= 'z')
                                *c = (char)(*c - 'a' + 'A');
                json_object_set_string(o, "type", up);
                json_object_set(o, "hard", limit_json(l.v[i].hard));
                json_object_set(o, "soft", limit_json(l.v[i].soft));
                json_array_append(a, o);
        }
        *ret = a;
        return 0;
}
