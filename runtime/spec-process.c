/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "process" object of config.json (also `exec --process FILE`), and the
 * capability and rlimit name tables the parser, `features` and the CLI share.
 * Unknown capability names are skipped with a warning, as runc does, so a
 * config written for a newer kernel still runs; everything else that is
 * wrong is an error naming the field.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <strings.h>
#include <sys/resource.h>

#include "rt-internal.h"

/* Kernel headers older than 5.9 lack the newest capabilities. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

#define NAME(x) [x] = #x
static const char *const cap_names[] = {
        NAME(CAP_CHOWN),
        NAME(CAP_DAC_OVERRIDE),
        NAME(CAP_DAC_READ_SEARCH),
        NAME(CAP_FOWNER),
        NAME(CAP_FSETID),
        NAME(CAP_KILL),
        NAME(CAP_SETGID),
        NAME(CAP_SETUID),
        NAME(CAP_SETPCAP),
        NAME(CAP_LINUX_IMMUTABLE),
        NAME(CAP_NET_BIND_SERVICE),
        NAME(CAP_NET_BROADCAST),
        NAME(CAP_NET_ADMIN),
        NAME(CAP_NET_RAW),
        NAME(CAP_IPC_LOCK),
        NAME(CAP_IPC_OWNER),
        NAME(CAP_SYS_MODULE),
        NAME(CAP_SYS_RAWIO),
        NAME(CAP_SYS_CHROOT),
        NAME(CAP_SYS_PTRACE),
        NAME(CAP_SYS_PACCT),
        NAME(CAP_SYS_ADMIN),
        NAME(CAP_SYS_BOOT),
        NAME(CAP_SYS_NICE),
        NAME(CAP_SYS_RESOURCE),
        NAME(CAP_SYS_TIME),
        NAME(CAP_SYS_TTY_CONFIG),
        NAME(CAP_MKNOD),
        NAME(CAP_LEASE),
        NAME(CAP_AUDIT_WRITE),
        NAME(CAP_AUDIT_CONTROL),
        NAME(CAP_SETFCAP),
        NAME(CAP_MAC_OVERRIDE),
        NAME(CAP_MAC_ADMIN),
        NAME(CAP_SYSLOG),
        NAME(CAP_WAKE_ALARM),
        NAME(CAP_BLOCK_SUSPEND),
        NAME(CAP_AUDIT_READ),
        NAME(CAP_PERFMON),
        NAME(CAP_BPF),
        NAME(CAP_CHECKPOINT_RESTORE),
};

static const char *const rlimit_names[] = {
        NAME(RLIMIT_CPU),      NAME(RLIMIT_FSIZE), NAME(RLIMIT_DATA),   NAME(RLIMIT_STACK),
        NAME(RLIMIT_CORE),     NAME(RLIMIT_RSS),   NAME(RLIMIT_NPROC),  NAME(RLIMIT_NOFILE),
        NAME(RLIMIT_MEMLOCK),  NAME(RLIMIT_AS),    NAME(RLIMIT_LOCKS),  NAME(RLIMIT_SIGPENDING),
        NAME(RLIMIT_MSGQUEUE), NAME(RLIMIT_NICE),  NAME(RLIMIT_RTPRIO), NAME(RLIMIT_RTTIME),
};
#undef NAME

/* Index of name in table, matched case-insensitively with or without prefix. */
static int table_lookup(const char *const *table, size_t n, const char *prefix, const char *name)
{
        size_t plen = strlen(prefix);
        if (!name)
                return -1;
        if (strncasecmp(name, prefix, plen) == 0)
                name += plen;
        if (!*name)
                return -1;
        for (size_t i = 0; i < n; i++)
                if (table[i] && strcasecmp(table[i] + plen, name) == 0)
                        return (int)i;
        return -1;
}

int rt_cap_from_name(const char *name)
{
        return table_lookup(cap_names, ARRAY_SIZE(cap_names), "CAP_", name);
}

const char *rt_cap_to_name(int n)
{
        if (n < 0 || (size_t)n >= ARRAY_SIZE(cap_names))
                return NULL;
        return cap_names[n];
}

int rt_cap_last(void)
{
        _cleanup_free_ char *buf = NULL;
        int64_t last;
        if (fs_read_file(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &buf, NULL, NULL) < 0)
                return (int)ARRAY_SIZE(cap_names) - 1;
        buf[strcspn(buf, "\n")] = '\0';
        if (str_to_int64(buf, &last) < 0 || last < 0 || last > 63)
                return (int)ARRAY_SIZE(cap_names) - 1;
        return (int)last;
}

int rt_rlimit_from_name(const char *name)
{
        return table_lookup(rlimit_names, ARRAY_SIZE(rlimit_names), "RLIMIT_", name);
}

const char *rt_rlimit_to_name(int resource)
{
        if (resource < 0 || (size_t)resource >= ARRAY_SIZE(rlimit_names))
                return NULL;
        return rlimit_names[resource];
}

void rt_process_free(struct rt_process *p)
{
        if (!p)
                return;
        free(p->additional_gids);
        strv_free(p->args);
        strv_free(p->env);
        free(p->cwd);
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p);
}
DEFINE_CLEANUP_FUNC(struct rt_process *, rt_process_free)

static int console_size_parse(const struct json *j, struct rt_process *p, struct err *e)
{
        const struct json *cs;
        uint64_t h = 0, w = 0;
        int r = rt_json_object(j, "process", "consoleSize", &cs, e);
        if (r <= 0)
                return r;
        /* struct winsize holds unsigned shorts. */
        if ((r = rt_json_uint(cs, "process.consoleSize", "height", false, UINT16_MAX, &h, e)) < 0 ||
            (r = rt_json_uint(cs, "process.consoleSize", "width", false, UINT16_MAX, &w, e)) < 0)
                return r;
        p->console_height = (unsigned)h;
        p->console_width = (unsigned)w;
        return 0;
}

static int gids_parse(const struct json *user, struct rt_process *p, struct err *e)
{
        const struct json *list;
        int r = rt_json_array(user, "process.user", "additionalGids", RT_MAX_ENTRIES, &list, e);
        if (r <= 0 || list->arr.len == 0)
                return r;
        p->additional_gids = xcalloc(list->arr.len, sizeof(uint32_t));
        for (size_t i = 0; i < list->arr.len; i++) {
                const struct json *g = list->arr.items[i];
                if (g->type != JSON_INT)
                        return err_set(e, EINVAL,
                                       "process.user.additionalGids[%zu]: expected an integer, "
                                       "got %s",
                                       i, json_type_to_string(g->type));
                if (g->i < 0 || g->i > UINT32_MAX)
                        return err_set(e, EINVAL,
                                       "process.user.additionalGids[%zu]: %lld out of range (0 "
                                       "to 4294967295)",
                                       i, (long long)g->i);
                p->additional_gids[p->n_additional_gids++] = (uint32_t)g->i;
        }
        return 0;
}

/* "user": uid and gid default to 0 as with runc; "username" is for Windows. */
static int user_parse(const struct json *j, struct rt_process *p, struct err *e)
{
        const struct json *user;
        uint64_t uid = 0, gid = 0, umask = 0;
        int r = rt_json_object(j, "process", "user", &user, e);
        if (r <= 0)
                return r;
        if ((r = rt_json_uint(user, "process.user", "uid", false, UINT32_MAX, &uid, e)) < 0 ||
            (r = rt_json_uint(user, "process.user", "gid", false, UINT32_MAX, &gid, e)) < 0)
                return r;
        if ((r = rt_json_uint(user, "process.user", "umask", false, 0777, &umask, e)) < 0)
                return r;
        p->has_umask = r > 0;
        p->uid = (uint32_t)uid;
        p->gid = (uint32_t)gid;
        p->umask = (uint32_t)umask;
        return gids_parse(user, p, e);
}

static int caps_parse(const struct json *j, struct rt_process *p, bool quiet, struct err *e)
{
        static const char *const sets[RT_CAP_NSETS] = {
                [RT_CAP_BOUNDING] = "bounding",       [RT_CAP_EFFECTIVE] = "effective",
                [RT_CAP_INHERITABLE] = "inheritable", [RT_CAP_PERMITTED] = "permitted",
                [RT_CAP_AMBIENT] = "ambient",
        };
        const struct json *caps;
        int r = rt_json_object(j, "process", "capabilities", &caps, e);
        if (r <= 0)
                return r;
        p->has_caps = true;
        for (int s = 0; s < RT_CAP_NSETS; s++) {
                _cleanup_strv_ char **names = NULL;
                if ((r = rt_json_strv(caps, "process.capabilities", sets[s], &names, e)) < 0)
                        return r;
                for (size_t i = 0; names && names[i]; i++) {
                        int n = rt_cap_from_name(names[i]);
                        if (n < 0) {
                                if (quiet)
                                        continue;
                                _cleanup_free_ char *q = rt_quote(names[i]);
                                log_warn("process.capabilities.%s: ignoring unknown "
                                         "capability '%s'",
                                         sets[s], q);
                                continue;
                        }
                        p->caps[s] |= UINT64_C(1) << n;
                }
        }
        return 0;
}

static int rlimit_parse(const struct json *j, const char *where, struct rt_rlimit *ret,
                        struct err *e)
{
        if (j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                               json_type_to_string(j->type));
        _cleanup_free_ char *type = NULL;
        uint64_t soft, hard;
        int r;
        if ((r = rt_json_string(j, where, "type", true, &type, e)) < 0 ||
            (r = rt_json_uint(j, where, "soft", true, UINT64_MAX, &soft, e)) < 0 ||
            (r = rt_json_uint(j, where, "hard", true, UINT64_MAX, &hard, e)) < 0)
                return r;
        int res = rt_rlimit_from_name(type);
        if (res < 0) {
                _cleanup_free_ char *q = rt_quote(type);
                return err_set(e, EINVAL, "%s.type: unknown rlimit '%s'", where, q);
        }
        if (soft > hard)
                return err_set(e, EINVAL, "%s: %s soft limit %llu is above the hard limit %llu",
                               where, rt_rlimit_to_name(res), (unsigned long long)soft,
                               (unsigned long long)hard);
        *ret = (struct rt_rlimit){.resource = res, .soft = soft, .hard = hard};
        return 0;
}

static int rlimits_parse(const struct json *j, struct rt_process *p, struct err *e)
{
        const struct json *list;
        int r = rt_json_array(j, "process", "rlimits", RT_MAX_ENTRIES, &list, e);
        if (r <= 0 || list->arr.len == 0)
                return r;
        p->rlimits = xcalloc(list->arr.len, sizeof(struct rt_rlimit));
        for (size_t i = 0; i < list->arr.len; i++) {
                _cleanup_free_ char *where = xasprintf("process.rlimits[%zu]", i);
                struct rt_rlimit rl;
                if ((r = rlimit_parse(list->arr.items[i], where, &rl, e)) < 0)
                        return r;
                for (size_t k = 0; k < p->n_rlimits; k++)
                        if (p->rlimits[k].resource == rl.resource)
                                return err_set(e, EINVAL, "%s.type: duplicate rlimit %s", where,
                                               rt_rlimit_to_name(rl.resource));
                p->rlimits[p->n_rlimits++] = rl;
        }
        return 0;
}

/* An optional string where "" means none (Go's omitempty). */
static int optional_string(const struct json *j, const char *key, char **ret, struct err *e)
{
        _cleanup_free_ char *s = NULL;
        int r = rt_json_string(j, "process", key, false, &s, e);
        if (r <= 0)
                return r;
        if (s[0])
                *ret = steal_pointer(&s);
        return 0;
}

static int process_from_json(const struct json *j, struct rt_process *p, unsigned flags,
                             struct err *e)
{
        int r;
        int64_t oom = 0;
        if ((r = rt_json_bool(j, "process", "terminal", &p->terminal, e)) < 0 ||
            (r = console_size_parse(j, p, e)) < 0 || (r = user_parse(j, p, e)) < 0)
                return r;
        if ((r = rt_json_strv(j, "process", "args", &p->args, e)) < 0)
                return r;
        if (!p->args || !p->args[0])
                return err_set(e, EINVAL, "process.args: required, and must not be empty");
        if ((r = rt_json_strv(j, "process", "env", &p->env, e)) < 0 ||
            (r = rt_spec_check_env(p->env, "process.env", e)) < 0)
                return r;
        if (!p->env)
                p->env = xcalloc(1, sizeof(char *));
        if ((r = rt_json_string(j, "process", "cwd", true, &p->cwd, e)) < 0)
                return r;
        if (p->cwd[0] != '/') {
                _cleanup_free_ char *q = rt_quote(p->cwd);
                return err_set(e, EINVAL, "process.cwd: '%s' is not an absolute path", q);
        }
        if ((r = caps_parse(j, p, flags & RT_SPEC_QUIET, e)) < 0 ||
            (r = rlimits_parse(j, p, e)) < 0 ||
            (r = rt_json_bool(j, "process", "noNewPrivileges", &p->no_new_privileges, e)) < 0 ||
            (r = optional_string(j, "apparmorProfile", &p->apparmor_profile, e)) < 0 ||
            (r = optional_string(j, "selinuxLabel", &p->selinux_label, e)) < 0)
                return r;
        if ((r = rt_json_int(j, "process", "oomScoreAdj", false, -1000, 1000, &oom, e)) < 0)
                return r;
        p->has_oom_score_adj = r > 0;
        p->oom_score_adj = (int)oom;
        return 0;
}

int rt_process_parse_flags(const struct json *j, unsigned flags, struct rt_process **ret,
                           struct err *e)
{
        if (!j || j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "process: expected an object, got %s",
                               j ? json_type_to_string(j->type) : "nothing");
        _cleanup_(rt_process_freep) struct rt_process *p = xcalloc(1, sizeof(*p));
        int r = process_from_json(j, p, flags, e);
        if (r < 0)
                return r;
        *ret = steal_pointer(&p);
        return 0;
}

int rt_process_parse(const struct json *j, struct rt_process **ret, struct err *e)
{
        return rt_process_parse_flags(j, 0, ret, e);
}

int rt_process_parse_quiet(const struct json *j, struct rt_process **ret, struct err *e)
{
        return rt_process_parse_flags(j, RT_SPEC_QUIET, ret, e);
}
