/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pieces of the container's init (and of an exec'd process) that are not
 * the main sequence: file descriptors and stdio, sysctls, the session
 * keyring, the check that the process's program exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "lifecycle-internal.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
/* A limit for the fallback loops when close_range(2) is missing (< 5.9). */
#define FD_LOOP_MAX 65536

/* close_range(first, last, flags), or the same with a loop. */
static void fd_range(unsigned first, unsigned last, unsigned flags)
{
        if (first > last)
                return;
        if (syscall(SYS_close_range, first, last, flags) == 0)
                return;
        long max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > FD_LOOP_MAX)
                max = FD_LOOP_MAX;
        for (long fd = first; fd <= (long)last && fd < max; fd++) {
                if (flags & CLOSE_RANGE_CLOEXEC)
                        fcntl((int)fd, F_SETFD, FD_CLOEXEC);
                else
                        close((int)fd);
        }
}

static int cmp_int(const void *a, const void *b)
{
        int x = *(const int *)a, y = *(const int *)b;
        return x < y ? -1 : x > y;
}

/* Close every fd but those in keep (negative entries are skipped). */
static void fd_close_except(const int *keep, size_t n)
{
        /* Everything else a child inherited goes now, not at exec: the state
         * lock, and any pipe whose EOF the caller's caller waits for, would
         * otherwise stay open for as long as the init waits for start. */
        int *sorted = xcalloc(n + 1, sizeof(int));
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
                if (keep[i] >= 0)
                        sorted[m++] = keep[i];
        qsort(sorted, m, sizeof(int), cmp_int);
        unsigned next = 0;
        for (size_t i = 0; i < m; i++) {
                unsigned fd = (unsigned)sorted[i];
                if (fd > next)
                        fd_range(next, fd - 1, 0);
                if (fd + 1 > next)
                        next = fd + 1;
        }
        free(sorted);
        fd_range(next, ~0U, 0);
}

void rt_child_fds(int *const *fds, size_t n, const struct rt_io *io)
{
        unsigned pres = io->preserve_fds;
        size_t k = 0;
        int *keep = xcalloc(6 + n + pres, sizeof(int));
        for (int i = 0; i < 3; i++) {
                keep[k++] = i;
                keep[k++] = io->stdio[i];
        }
        for (size_t i = 0; i < n; i++)
                keep[k++] = *fds[i];
        for (unsigned i = 0; i < pres; i++)
                keep[k++] = 3 + (int)i;
        fd_close_except(keep, k);
        free(keep);
        /* Ours go above the preserved range, which becomes the container's. */
        int min = 3 + (int)pres;
        for (size_t i = 0; i < n; i++) {
                if (*fds[i] < 0 || *fds[i] >= min)
                        continue;
                int nfd = fcntl(*fds[i], F_DUPFD_CLOEXEC, min);
                if (nfd < 0)
                        continue; /* out of fds: then the preserve step fails loudly */
                close(*fds[i]);
                *fds[i] = nfd;
        }
}

int rt_init_stdio(const struct rt_io *io, const struct rt_process *p, int console_fd, struct err *e)
{
        int first_free = 3 + (int)io->preserve_fds;
        if (p->terminal) {
                if (rt_console_setup(console_fd, p->console_height, p->console_width, e) < 0)
                        return -EIO;
        } else {
                /* A session of its own, as with a terminal (runc's init
                 * calls setsid too): the container's process is its
                 * session and process group leader, not a member of the
                 * caller's, which lies outside its pid namespace. */
                if (setsid() < 0 && getsid(0) != getpid())
                        return err_errno(e, "setsid");
                /* Copy the sources out of the way first, so that a source that
                 * is itself 0, 1 or 2 is not clobbered by an earlier dup2. */
                int tmp[3] = {-1, -1, -1};
                for (int i = 0; i < 3; i++) {
                        if (io->stdio[i] < 0 || io->stdio[i] == i)
                                continue;
                        tmp[i] = fcntl(io->stdio[i], F_DUPFD_CLOEXEC, first_free);
                        if (tmp[i] < 0)
                                return err_errno(e, "dup stdio fd %d", io->stdio[i]);
                }
                for (int i = 0; i < 3; i++) {
                        if (tmp[i] < 0)
                                continue;
                        if (dup2(tmp[i], i) < 0)
                                return err_errno(e, "dup2 onto fd %d", i);
                        close(tmp[i]);
                }
                for (int i = 0; i < 3; i++)
                        if (io->stdio[i] == i)
                                fcntl(i, F_SETFD, 0);
        }
        /* The preserved fds pass, every later one closes at exec. */
        for (int fd = 3; fd < first_free; fd++)
                if (fcntl(fd, F_SETFD, 0) < 0 && errno != EBADF)
                        return err_errno(e, "preserving fd %d", fd);
        fd_range((unsigned)first_free, ~0U, CLOSE_RANGE_CLOEXEC);
        return 0;
}

/* ------------------------------------------------------------------------
 * sysctl
 * ------------------------------------------------------------------------ */

/* Namespaced sysctls (runc's list): the ipc namespace's, and net.* in a
 * network namespace of the container's own. */
static const char *const ipc_sysctls[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* Allocates: the dotted form of a key ("net/ipv4/ip_forward" -> with dots;
 * a slashed key may hold dots, as in interface names, so keep it apart). */
static char *sysctl_dotted(const char *key, size_t len)
{
        char *k = xstrndup(key, len);
        if (strchr(k, '/'))
                for (char *p = k; *p; p++)
                        *p = *p == '/' ? '.' : *p;
        return k;
}

int rt_sysctl_validate(const struct rt_spec *spec, struct err *e)
{
        for (size_t i = 0; spec->sysctl && spec->sysctl[i]; i++) {
                const char *eq = strchr(spec->sysctl[i], '=');
                size_t len = eq ? (size_t)(eq - spec->sysctl[i]) : strlen(spec->sysctl[i]);
                _cleanup_free_ char *k = sysctl_dotted(spec->sysctl[i], len);
                _cleanup_free_ char *q = rt_quote(k);
                bool ipc = str_has_prefix(k, "fs.mqueue.");
                for (size_t j = 0; j < ARRAY_SIZE(ipc_sysctls); j++)
                        ipc = ipc || STREQ(k, ipc_sysctls[j]);
                if (ipc) {
                        if (!spec->ns[RT_NS_IPC].enabled)
                                return err_set(e, EINVAL,
                                               "linux.sysctl: '%s' needs an ipc namespace of "
                                               "the container's own",
                                               q);
                        continue;
                }
                if (str_has_prefix(k, "net.")) {
                        if (!spec->ns[RT_NS_NET].enabled)
                                return err_set(e, EINVAL,
                                               "linux.sysctl: '%s' is not allowed in the "
                                               "host's network namespace",
                                               q);
                        continue;
                }
                if (STREQ(k, "kernel.hostname") || STREQ(k, "kernel.domainname")) {
                        if (!spec->ns[RT_NS_UTS].enabled)
                                return err_set(e, EINVAL,
                                               "linux.sysctl: '%s' needs a uts namespace of "
                                               "the container's own",
                                               q);
                        continue;
                }
                return err_set(e, EINVAL,
                               "linux.sysctl: '%s' is not in a namespace the container has "
                               "(it would change the host)",
                               q);
        }
        return 0;
}

/* child: write each sysctl through proc_fd (the host's /proc: what
 * /proc/sys shows depends on the writer's namespaces, not on the mount). */
int rt_sysctl_apply(const struct rt_spec *spec, int proc_fd, struct err *e)
{
        for (size_t i = 0; spec->sysctl && spec->sysctl[i]; i++) {
                const char *kv = spec->sysctl[i];
                const char *eq = strchr(kv, '=');
                if (!eq)
                        continue;
                _cleanup_free_ char *path = xasprintf("sys/%.*s", (int)(eq - kv), kv);
                if (!strchr(kv, '/') || strchr(kv, '/') > eq)
                        for (char *p = path + 4; *p; p++)
                                *p = *p == '.' ? '/' : *p;
                /* The parser refused "..", leading '/' and "//"; refuse to
                 * follow links as well. */
                _cleanup_close_ int fd =
                        openat(proc_fd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_TRUNC);
                if (fd < 0)
                        return err_errno(e, "linux.sysctl: open '/proc/%s'", path);
                size_t len = strlen(eq + 1);
                if (write(fd, eq + 1, len) != (ssize_t)len)
                        return err_errno(e, "linux.sysctl: write '%s' to '/proc/%s'", eq + 1, path);
        }
        return 0;
}

/* ------------------------------------------------------------------------
 * Keyring, and the program check
 * ------------------------------------------------------------------------ */

int rt_init_keyring(const char *id, struct err *e)
{
        /* A session keyring of the container's own, so it cannot read the
         * keys of the session that created it (runc names it the same way). */
        _cleanup_free_ char *name = xasprintf("_ses.%s", id);
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0) {
                /* No keyrings in this kernel, or none allowed here (a seccomp
                 * policy of the host): nothing to isolate from. */
                if (errno == ENOSYS || errno == EPERM)
                        return 0;
                return err_errno(e, "joining a new session keyring");
        }
        return 0;
}

/* Whether path is a regular file with an execute bit. */
static bool is_program(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int rt_init_check_program(const struct rt_process *p, struct err *e)
{
        /* rt_process_exec() looks the program up again, after start; this is
         * the same test done before, so that a missing program fails create
         * (runc does the same) instead of a container that dies at start. */
        const char *name = p->args ? p->args[0] : NULL;
        if (!name || !*name)
                return err_set(e, EINVAL, "process.args: empty");
        if (strchr(name, '/')) {
                /* As runc's lookup: a directory or a file without an
                 * execute bit fails now too, not at its exec after start. */
                struct stat st;
                if (stat(name, &st) < 0)
                        return err_errno(e, "exec: \"%s\"", name);
                if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111))
                        return err_errnum(e, EACCES, "exec: \"%s\"", name);
                return 0;
        }
        const char *path = NULL;
        for (size_t i = 0; p->env && p->env[i]; i++)
                if (str_has_prefix(p->env[i], "PATH=")) {
                        path = p->env[i] + 5;
                        break;
                }
        if (!path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        _cleanup_strv_ char **dirs = strv_split(path, ":");
        for (size_t i = 0; dirs && dirs[i]; i++) {
                _cleanup_free_ char *full = xasprintf("%s/%s", *dirs[i] ? dirs[i] : ".", name);
                if (is_program(full))
                        return 0;
        }
        return err_set(e, ENOENT, "exec: \"%s\": executable file not found in $PATH", name);
}

int rt_init_seccomp(const struct rt_seccomp *s, int sync_fd, struct err *e)
{
        if (!rt_seccomp_uses_notify(s))
                return rt_seccomp_load(s, e);
        int fd = -1, r;
        if ((r = rt_seccomp_load_notify(s, &fd, e)) < 0)
                return r;
        /* The parent hands the listener fd to linux.seccomp.listenerPath; we
         * wait for that, so a failure there is the create's (or exec's)
         * error, and keep no copy: the agent alone holds the fd. */
        r = rt_sync_send_fd(sync_fd, RT_SYNC_SECCOMP_FD, fd, e);
        close(fd);
        if (r < 0)
                return r;
        return rt_sync_expect(sync_fd, RT_SYNC_SECCOMP_DONE, NULL, e);
}

void rt_init_set_title(int proc_fd)
{
        /* comm as runc's "runc:[2:INIT]" (15 bytes at most), and the command
         * line "berth-runtime init" in place of the one we were started with
         * (create's, with its paths and id): overwritten in our own memory,
         * between the arg_start and arg_end that /proc/self/stat gives. */
        (void)prctl(PR_SET_NAME, "berth-rt:[INIT]", 0, 0, 0);
        char buf[2048];
        _cleanup_close_ int fd = openat(proc_fd, "self/stat", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return;
        buf[n] = 0;
        char *p = strrchr(buf, ')');
        if (!p)
                return;
        /* p + 2 is field 3; arg_start and arg_end are fields 48 and 49. */
        p += 2;
        for (int field = 3; field < 48 && p; field++) {
                p = strchr(p, ' ');
                if (p)
                        p++;
        }
        unsigned long long start, end;
        if (!p || sscanf(p, "%llu %llu", &start, &end) != 2 || end <= start || start == 0)
                return;
        static const char title[] = "berth-runtime\0init"; /* two args, NUL-terminated */
        size_t len = (size_t)(end - start);
        char *args = (char *)(uintptr_t)start;
        memset(args, 0, len);
        memcpy(args, title, len - 1 < sizeof(title) ? len - 1 : sizeof(title));
}
