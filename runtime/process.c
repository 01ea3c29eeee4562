/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process side of a container's init: rlimits and oom_score_adj, the
 * user and groups, umask, cwd, security labels, no_new_privs, and the exec
 * with its PATH lookup. Capabilities are in caps.c, seccomp in seccomp.c.
 *
 * Everything here runs in the child (init or exec'd process). The runtime
 * applies the spec as written: it never clamps an rlimit to what it may set
 * (the engine does that before it writes config.json), so a refusal is an
 * error that says what was asked and what the limit is.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt-internal.h"

/* The PATH runc and Go's exec use when the process's environment has none. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* runc's umask when process.user.umask is absent. */
#define DEFAULT_UMASK 0022

/* An rlimit value as people write it: "unlimited" or the number. */
static void rlim_format(rlim_t v, char *buf, size_t size)
{
        if (v == RLIM_INFINITY)
                snprintf(buf, size, "unlimited");
        else
                snprintf(buf, size, "%llu", (unsigned long long)v);
}

/* The kernel's ceiling for RLIMIT_NOFILE (fs.nr_open); 0 if unreadable. */
static unsigned long long nr_open(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/sys/fs/nr_open", "re");
        unsigned long long v = 0;
        if (!f || fscanf(f, "%llu", &v) != 1)
                return 0;
        return v;
}

/* Explain why setrlimit(resource) failed with errnum, naming what was asked. */
static int rlimit_error(const struct rt_rlimit *rl, int errnum, struct err *e)
{
        const char *name = rt_rlimit_to_name(rl->resource);
        char soft[32], hard[32], cur_hard[32];
        struct rlimit cur;
        rlim_format((rlim_t)rl->soft, soft, sizeof(soft));
        rlim_format((rlim_t)rl->hard, hard, sizeof(hard));
        if (!name)
                name = "RLIMIT_?";
        if (errnum == EPERM && getrlimit(rl->resource, &cur) == 0) {
                rlim_format(cur.rlim_max, cur_hard, sizeof(cur_hard));
                if ((rlim_t)rl->hard > cur.rlim_max)
                        return err_errnum(e, errnum,
                                          "setting %s to %s:%s: the hard limit is %s and the "
                                          "runtime may not raise it",
                                          name, soft, hard, cur_hard);
                unsigned long long max = nr_open();
                if (rl->resource == RLIMIT_NOFILE && max && rl->hard > max)
                        return err_errnum(e, errnum,
                                          "setting %s to %s:%s: above the kernel's maximum "
                                          "fs.nr_open %llu",
                                          name, soft, hard, max);
        }
        if (errnum == EINVAL && rl->soft > rl->hard)
                return err_set(e, EINVAL,
                               "setting %s to %s:%s: the soft limit is above the hard "
                               "limit",
                               name, soft, hard);
        return err_errnum(e, errnum, "setting %s to %s:%s", name, soft, hard);
}

int rt_process_apply_limits(const struct rt_process *p, struct err *e)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const struct rt_rlimit *rl = &p->rlimits[i];
                struct rlimit r = {.rlim_cur = (rlim_t)rl->soft, .rlim_max = (rlim_t)rl->hard};
                if (setrlimit(rl->resource, &r) < 0)
                        return rlimit_error(rl, errno, e);
        }
        if (p->has_oom_score_adj) {
                _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                char buf[16];
                int n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
                if (fd < 0)
                        return err_errno(e, "opening /proc/self/oom_score_adj");
                if (write(fd, buf, (size_t)n) != n) {
                        if (errno == EACCES)
                                return err_errno(e,
                                                 "setting oom_score_adj to %d (lowering it "
                                                 "needs CAP_SYS_RESOURCE)",
                                                 p->oom_score_adj);
                        return err_errno(e, "setting oom_score_adj to %d", p->oom_score_adj);
                }
        }
        return 0;
}

int rt_process_set_user(const struct rt_process *p, bool setgroups_allowed, struct err *e)
{
        /* (uid_t)-1 means "leave unchanged" to setresuid: refuse it rather
         * than silently keep root. */
        if (p->uid == UINT32_MAX || p->gid == UINT32_MAX)
                return err_set(e, EINVAL, "process.user: %u:%u is not a valid user", p->uid,
                               p->gid);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return err_errno(e, "prctl(PR_SET_KEEPCAPS)");
        if (setgroups_allowed) {
                /* Also with no additional gids: the runtime's own
                 * supplementary groups must not leak into the container. */
                if (setgroups(p->n_additional_gids, (const gid_t *)p->additional_gids) < 0)
                        return err_errno(e, "setgroups to %zu additional gids",
                                         p->n_additional_gids);
        } else if (p->n_additional_gids > 0) {
                return err_set(e, EPERM,
                               "process.user.additionalGids: setgroups is denied in this user "
                               "namespace, so additional gids cannot be set");
        }
        /* EINVAL: the id has no mapping in the container's user namespace. */
        if (setresgid(p->gid, p->gid, p->gid) < 0)
                return err_errno(e, "setresgid to %u%s", p->gid,
                                 errno == EINVAL ? " (not mapped in the user namespace)" : "");
        if (setresuid(p->uid, p->uid, p->uid) < 0)
                return err_errno(e, "setresuid to %u%s", p->uid,
                                 errno == EINVAL ? " (not mapped in the user namespace)" : "");
        /* Permitted survived the uid change; rt_caps_apply() sets the rest. */
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return err_errno(e, "prctl(PR_SET_KEEPCAPS)");
        return 0;
}

/* Write an LSM exec label (applied by the kernel at the next execve);
 * -errno on failure. */
static int write_attr(const char *path, const char *value)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        size_t len = strlen(value);
        if (fd < 0 || write(fd, value, len) != (ssize_t)len)
                return -errno;
        return 0;
}

/* AppArmor profile and SELinux label for the exec; set before no_new_privs,
 * which would restrict the transitions. */
static int apply_labels(const struct rt_process *p, struct err *e)
{
        int r;
        if (p->apparmor_profile) {
                _cleanup_free_ char *v = xasprintf("exec %s", p->apparmor_profile);
                r = write_attr("/proc/thread-self/attr/apparmor/exec", v);
                if (r == -ENOENT)
                        r = write_attr("/proc/thread-self/attr/exec", v);
                if (r == -ENOENT || r == -EINVAL)
                        return err_set(e, ENOTSUP,
                                       "process.apparmorProfile '%s': AppArmor is not enabled "
                                       "on this host",
                                       p->apparmor_profile);
                if (r < 0)
                        return err_errnum(e, r, "setting AppArmor profile '%s'",
                                          p->apparmor_profile);
        }
        if (p->selinux_label) {
                r = write_attr("/proc/thread-self/attr/exec", p->selinux_label);
                if (r == -ENOENT || r == -EINVAL)
                        return err_set(e, ENOTSUP,
                                       "process.selinuxLabel '%s': SELinux is not enabled on this "
                                       "host",
                                       p->selinux_label);
                if (r < 0)
                        return err_errnum(e, r, "setting SELinux label '%s'", p->selinux_label);
        }
        return 0;
}

int rt_process_finish(const struct rt_process *p, struct err *e)
{
        int r;
        umask(p->has_umask ? (mode_t)p->umask : DEFAULT_UMASK);
        if (p->cwd && chdir(p->cwd) < 0)
                return err_errno(e, "changing to process.cwd '%s'", p->cwd);
        if ((r = apply_labels(p, e)) < 0)
                return r;
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return err_errno(e, "prctl(PR_SET_NO_NEW_PRIVS)");
        return 0;
}

/* Whether path is something execve may run: a regular file with an x bit
 * (Go's exec.LookPath test, which runc uses). */
static bool is_executable(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

/* The process's PATH: its environment's first PATH=, as getenv() finds it. */
static const char *env_path(char *const *env)
{
        for (size_t i = 0; env && env[i]; i++)
                if (str_has_prefix(env[i], "PATH="))
                        return env[i] + 5;
        return DEFAULT_PATH;
}

/* Allocates: the file args[0] names, searched in PATH when it has no '/'. */
static int lookup(const char *name, const char *path, char **ret, struct err *e)
{
        if (strchr(name, '/')) {
                *ret = xstrdup(name);
                return 0;
        }
        if (!*name)
                return err_set(e, ENOENT, "exec: \"\": executable file not found in $PATH");
        _cleanup_strv_ char **dirs = strv_split(path, ":");
        for (size_t i = 0; dirs[i]; i++) {
                /* An empty entry is the current directory, as in every shell. */
                const char *d = *dirs[i] ? dirs[i] : ".";
                _cleanup_free_ char *full = xasprintf("%s/%s", d, name);
                if (strlen(full) >= PATH_MAX)
                        continue;
                if (is_executable(full)) {
                        *ret = steal_pointer(&full);
                        return 0;
                }
        }
        return err_set(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

int rt_process_exec(const struct rt_process *p, struct err *e)
{
        _cleanup_free_ char *file = NULL;
        int r;
        if (!p->args || !p->args[0])
                return err_set(e, EINVAL, "process.args: empty");
        if ((r = lookup(p->args[0], env_path(p->env), &file, e)) < 0)
                return r;
        static char *const empty_env[] = {NULL};
        execve(file, p->args, p->env ? p->env : empty_env);
        return err_errno(e, "exec: \"%s\"", file);
}
