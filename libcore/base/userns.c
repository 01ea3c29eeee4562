/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rootless user namespace, shared with podman.
 *
 * podman 4.3 keeps one pause process per user (`catatonit -P`) whose user and
 * mount namespaces every rootless podman joins; its pid is in
 * <runtime dir>/libpod/tmp/pause.pid. berth joins that process the way podman
 * does, and when there is none it creates the namespace and the pause
 * process the way podman does, at the same place, so that the next podman
 * joins berth's. Both tools then see the same mounts of the shared store.
 *
 * Creating the namespace is in userns-create.c, `berth unshare` and the
 * built-in pause loop in userns-exec.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config-internal.h"
#include "userns-internal.h"

/* A pid is at most 7 digits (pid_max <= 4194304); anything much longer in
 * pause.pid is not a pid. */
#define PAUSE_PID_MAX_SIZE 32

static void userns_ctx_done(struct userns_ctx *c)
{
        free(c->tmp_dir);
        free(c->pid_path);
        free(c->lock_path);
}

int userns_pid_parse(const char *buf, size_t len, pid_t *ret)
{
        /* podman writes the bare number; tolerate one newline from a human. */
        if (len > 0 && buf[len - 1] == '\n')
                len--;
        if (len == 0 || len > 10)
                return -EINVAL;
        int64_t v = 0;
        for (size_t i = 0; i < len; i++) {
                if (buf[i] < '0' || buf[i] > '9')
                        return -EINVAL;
                v = v * 10 + (buf[i] - '0');
        }
        if (v <= 0 || v > INT_MAX)
                return -EINVAL;
        *ret = (pid_t)v;
        return 0;
}

/* ------------------------------------------------------------------------
 * Joining
 * ------------------------------------------------------------------------ */

/* The pid that pause.pid names, through an open fd of it; 0 when the file
 * does not hold a pid. */
pid_t userns_pid_file_read_fd(int fd)
{
        char buf[PAUSE_PID_MAX_SIZE];
        ssize_t n;
        do
                n = pread(fd, buf, sizeof(buf), 0);
        while (n < 0 && errno == EINTR);
        pid_t pid;
        if (n <= 0 || userns_pid_parse(buf, (size_t)n, &pid) < 0)
                return 0;
        return pid;
}

/* The pid in pause.pid; 0 when the file is missing or holds no pid. */
static pid_t pid_file_read(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return 0;
        return userns_pid_file_read_fd(fd);
}

/* Open the user and mount namespaces of pause process pid if it can be
 * joined: alive, ours, and in a user namespace other than ours. The last
 * check matters when the pause process died and its pid went to one of our
 * host processes: joining that would be a no-op that still looks like
 * success. The fds come through a /proc/<pid> directory fd, so they belong
 * to the process we checked even if the pid is reused meanwhile. */
int userns_pause_open(pid_t pid, int *ret_user, int *ret_mnt)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d", (int)pid);
        _cleanup_close_ int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        struct stat st, self;
        if (fstat(dfd, &st) < 0)
                return -errno;
        if (st.st_uid != geteuid())
                return -EPERM;
        _cleanup_close_ int ufd = openat(dfd, "ns/user", O_RDONLY | O_CLOEXEC);
        _cleanup_close_ int mfd = openat(dfd, "ns/mnt", O_RDONLY | O_CLOEXEC);
        if (ufd < 0 || mfd < 0)
                return -ESRCH;
        if (fstat(ufd, &st) < 0 || stat("/proc/self/ns/user", &self) < 0)
                return -errno;
        if (st.st_dev == self.st_dev && st.st_ino == self.st_ino)
                return -EXDEV;
        *ret_user = TAKE_FD(ufd);
        *ret_mnt = TAKE_FD(mfd);
        return 0;
}

/* Threads of this process, for the error when setns refuses us. */
static long thread_count(void)
{
        _cleanup_free_ char *buf = NULL;
        if (fs_read_file(AT_FDCWD, "/proc/self/status", 0, &buf, NULL, NULL) < 0)
                return -1;
        const char *t = strstr(buf, "\nThreads:");
        return t ? strtol(t + strlen("\nThreads:"), NULL, 10) : -1;
}

/* What podman sets once it is inside (rootless_linux.c), so that every
 * berth or podman started from here knows whom it acts for: config code
 * (user_info_get) computes the user's paths from these. */
static void set_userns_env(const struct userns_ctx *c)
{
        char id[16];
        setenv("_CONTAINERS_USERNS_CONFIGURED", "done", 1);
        snprintf(id, sizeof(id), "%u", (unsigned)c->uid);
        setenv("_CONTAINERS_ROOTLESS_UID", id, 1);
        snprintf(id, sizeof(id), "%u", (unsigned)c->gid);
        setenv("_CONTAINERS_ROOTLESS_GID", id, 1);
}

/* setns into the pause process's user, then mount namespace, as podman
 * does; then take uid/gid 0 there as real and saved ids too, and go back
 * to the working directory, which setns(CLONE_NEWNS) resets to "/". */
int userns_join_fds(const struct userns_ctx *c, pid_t pid, int ufd, int mfd, struct err *e)
{
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        if (setns(ufd, CLONE_NEWUSER) < 0) {
                int errnum = errno;
                long threads = thread_count();
                if (errnum == EINVAL && threads > 1)
                        return err_set(e, EINVAL,
                                       "joining the user namespace of pause process %d: the "
                                       "process has %ld threads, and setns() into a user "
                                       "namespace needs a single-threaded process: "
                                       "userns_enter() must run before any thread starts",
                                       (int)pid, threads);
                return err_errnum(e, errnum, "setns into the user namespace of pause process %d",
                                  (int)pid);
        }
        if (setns(mfd, CLONE_NEWNS) < 0)
                return err_errno(e, "setns into the mount namespace of pause process %d", (int)pid);
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return err_errno(e, "becoming root in the user namespace of pause process %d",
                                 (int)pid);
        if (cwd && chdir(cwd) < 0)
                return err_errno(e,
                                 "changing to the working directory '%s' inside the user "
                                 "namespace",
                                 cwd);
        set_userns_env(c);
        log_debug("joined the user and mount namespaces of pause process %d", (int)pid);
        return 0;
}

/* Join the process pause.pid names. 1 when joined, 0 when there is no
 * process to join (no file, or a stale one), < 0 on error. */
int userns_try_join(const struct userns_ctx *c, struct err *e)
{
        pid_t pid = pid_file_read(c->pid_path);
        if (pid <= 0)
                return 0;
        _cleanup_close_ int ufd = -1, mfd = -1;
        int r = userns_pause_open(pid, &ufd, &mfd);
        if (r < 0) {
                log_debug("'%s' names pid %d, which is no pause process to join: %s", c->pid_path,
                          (int)pid,
                          r == -EXDEV   ? "it is in our own user namespace (a reused pid)"
                          : r == -EPERM ? "it belongs to another user"
                                        : "it is gone");
                return 0;
        }
        r = userns_join_fds(c, pid, ufd, mfd, e);
        return r < 0 ? r : 1;
}

/* podman's directories for pause.pid: <runtime dir>/libpod (mode 01700: the
 * sticky bit keeps tmpfiles cleaners off, as podman sets it) and its tmp/. */
static int make_dirs(const char *runtime_dir, const struct userns_ctx *c, struct err *e)
{
        int r = fs_mkdir_p(runtime_dir, 0700, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *libpod = xasprintf("%s/libpod", runtime_dir);
        if (mkdir(libpod, 01700) < 0 && errno != EEXIST)
                return err_errno(e, "mkdir '%s'", libpod);
        if (mkdir(c->tmp_dir, 0700) < 0 && errno != EEXIST)
                return err_errno(e, "mkdir '%s'", c->tmp_dir);
        return 0;
}

int userns_enter(unsigned flags, struct err *e)
{
        /* Already inside ours or podman's (or a nested podman's): podman's
         * own test. Real root needs no namespace. */
        if (getenv("_CONTAINERS_USERNS_CONFIGURED") || geteuid() == 0)
                return 0;

        struct err local = {0};
        if (!e)
                e = &local;
        _cleanup_(user_info_done) struct user_info u = {0};
        _cleanup_free_ char *runtime_dir = NULL;
        _cleanup_(userns_ctx_done) struct userns_ctx c = {.flags = flags};
        int r = user_info_get(&u, e);
        if (r >= 0)
                r = config_runtime_dir(NULL, &u, &runtime_dir, e);
        if (r >= 0) {
                c.uid = geteuid();
                c.gid = getegid();
                c.tmp_dir = xasprintf("%s/libpod/tmp", runtime_dir);
                c.pid_path = xasprintf("%s/pause.pid", c.tmp_dir);
                c.lock_path = xasprintf("%s/alive.lck", c.tmp_dir);
                r = make_dirs(runtime_dir, &c, e);
        }
        /* The common case, without a lock: podman joins the same way. */
        if (r >= 0)
                r = userns_try_join(&c, e);
        _cleanup_free_ char *name = NULL;
        if (r == 0) {
                c.user = name = user_info_name(&u);
                r = userns_create(&c, e);
        }
        if (r < 0) {
                err_wrap(e, "entering the rootless user namespace");
                r = -e->code;
                err_done(&local);
                return r;
        }
        return 0;
}
