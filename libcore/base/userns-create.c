/* SPDX-License-Identifier: Apache-2.0 */
/* Creating the rootless user namespace and its pause process, as podman does. */
/*
 * Creating, as measured with strace on podman 4.3.1 here: a child unshares
 * CLONE_NEWUSER|CLONE_NEWNS; the parent maps it with
 * `newuidmap PID 0 UID 1 1 SUBUID COUNT...` (and newgidmap); the child forks
 * the pause process (setsid, stdio on /dev/null, every other fd closed,
 * podman's set of ignored signals, exec catatonit -P) and publishes its pid
 * with a temp file renamed onto pause.pid with RENAME_NOREPLACE (mode 0600,
 * no newline). RENAME_NOREPLACE is what settles a race between two creators:
 * the loser kills its own pause process and joins the winner's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "userns-internal.h"

/* podman's pause binary: LIBEXECPODMAN "/catatonit" in rootless_linux.c. */
#define PODMAN_CATATONIT "/usr/libexec/podman/catatonit"
/* newuidmap's complaints are one line; keep a little more for the error. */
#define HELPER_OUTPUT_MAX 4096
/* Where subordinate id suggestions start, as useradd and mkuser.sh do. */
#define SUBID_SUGGEST_START 100000u
#define SUBID_SUGGEST_COUNT 65536u

/* What the child that creates the namespace reports to the parent. */
enum child_step {
        STEP_UNSHARE = 1, /* unshare() done (or failed) */
        STEP_SETID,       /* becoming uid/gid 0 inside failed */
        STEP_FORK,        /* the pause process is forked (or fork failed) */
};

struct child_msg {
        int step;
        int err; /* errno, 0 on success */
        pid_t pid;
};

static int read_full(int fd, void *buf, size_t len)
{
        char *p = buf;
        while (len > 0) {
                ssize_t n = read(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EPIPE;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static pid_t wait_child(pid_t pid, int *ret_status)
{
        pid_t r;
        int status = 0;
        do
                r = waitpid(pid, &status, 0);
        while (r < 0 && errno == EINTR);
        if (ret_status)
                *ret_status = status;
        return r;
}

static int cmp_range(const void *a, const void *b)
{
        const struct id_range *x = a, *y = b;
        return x->start < y->start ? -1 : x->start > y->start;
}

int userns_map_args(uint32_t id, const struct id_range *ranges, size_t n, const char *file,
                    char ***ret, struct err *e)
{
        /* containers/storage sorts the ranges by their first host id and
         * numbers them on from 1 inside; podman puts the user at 0. */
        _cleanup_free_ struct id_range *sorted = NULL;
        if (n > 0) {
                sorted = xcalloc(n, sizeof(*sorted));
                memcpy(sorted, ranges, n * sizeof(*sorted));
                qsort(sorted, n, sizeof(*sorted), cmp_range);
        }
        _cleanup_strv_ char **args = NULL;
        strv_push(&args, xstrdup("0"));
        strv_push(&args, xasprintf("%u", (unsigned)id));
        strv_push(&args, xstrdup("1"));
        uint64_t inside = 1;
        for (size_t i = 0; i < n; i++) {
                const struct id_range *r = &sorted[i];
                if (r->count == 0)
                        continue;
                if ((uint64_t)id >= r->start && (uint64_t)id < (uint64_t)r->start + r->count)
                        return err_set(e, EINVAL,
                                       "invalid configuration: the range %u:%u in '%s' includes "
                                       "the user's own id %u: remove it from that file",
                                       (unsigned)r->start, (unsigned)r->count, file, (unsigned)id);
                if (inside + r->count > UINT32_MAX)
                        return err_set(e, ERANGE,
                                       "invalid configuration: the ranges in '%s' add up to "
                                       "more than %u ids",
                                       file, (unsigned)UINT32_MAX);
                strv_push(&args, xasprintf("%u", (unsigned)inside));
                strv_push(&args, xasprintf("%u", (unsigned)r->start));
                strv_push(&args, xasprintf("%u", (unsigned)r->count));
                inside += r->count;
        }
        *ret = steal_pointer(&args);
        return 0;
}

/* Remove a pause.pid that names no joinable process, under a write lock on
 * the file itself (podman's lock when it deletes a stale pause.pid) and only
 * while the path still is the file we checked, so that a fresh pause.pid
 * that another tool wrote meanwhile survives. */
static int pid_file_remove_stale(const struct userns_ctx *c, struct err *e)
{
        /* Never O_CREAT: an empty pause.pid would block podman's creation
         * (it renames with RENAME_NOREPLACE). */
        _cleanup_close_ int fd = open(c->pid_path, O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : err_errno(e, "open '%s'", c->pid_path);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        while (fcntl(fd, F_OFD_SETLKW, &fl) < 0)
                if (errno != EINTR)
                        return err_errno(e, "lock '%s'", c->pid_path);
        pid_t pid = userns_pid_file_read_fd(fd);
        _cleanup_close_ int ufd = -1, mfd = -1;
        if (pid > 0 && userns_pause_open(pid, &ufd, &mfd) == 0)
                return 0; /* it is valid after all: the caller retries the join */
        struct stat a, b;
        if (fstat(fd, &a) < 0)
                return err_errno(e, "stat '%s'", c->pid_path);
        if (stat(c->pid_path, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
                return 0; /* replaced meanwhile */
        if (unlink(c->pid_path) < 0 && errno != ENOENT)
                return err_errno(e, "removing the stale '%s'", c->pid_path);
        log_debug("removed stale '%s' (pid %d)", c->pid_path, (int)pid);
        return 0;
}

/* Publish the pause process's pid the way podman does: a 0600 temp file
 * renamed onto pause.pid without replacing one. -EEXIST when another
 * process published its own first. */
static int pid_file_publish(const struct userns_ctx *c, pid_t pid, struct err *e)
{
        _cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", c->pid_path);
        _cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "creating a temporary file for '%s'", c->pid_path);
        char buf[16];
        int len = snprintf(buf, sizeof(buf), "%d", (int)pid);
        int r = fs_write_all(fd, buf, (size_t)len);
        if (r < 0) {
                unlink(tmp);
                return err_errnum(e, r, "write '%s'", tmp);
        }
        r = renameat2(AT_FDCWD, tmp, AT_FDCWD, c->pid_path, RENAME_NOREPLACE);
        if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
                /* A file system without RENAME_NOREPLACE: link() does not
                 * replace either. */
                r = link(tmp, c->pid_path);
                int saved = errno;
                unlink(tmp);
                errno = saved;
        }
        if (r < 0) {
                int errnum = errno;
                unlink(tmp);
                if (errnum == EEXIST)
                        return err_set(e, EEXIST, "'%s' was written by another process",
                                       c->pid_path);
                return err_errnum(e, errnum, "rename '%s' to '%s'", tmp, c->pid_path);
        }
        return 0;
}

/* Run a helper (newuidmap, newgidmap) with stdout and stderr captured; a
 * failure names the command line and quotes what the helper said. */
static int run_helper(char *const *argv, struct err *e)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                int errnum = errno;
                close(p[0]);
                close(p[1]);
                return err_errnum(e, errnum, "fork");
        }
        if (pid == 0) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                if (dup2(p[1], STDOUT_FILENO) < 0 || dup2(p[1], STDERR_FILENO) < 0)
                        _exit(127);
                execv(argv[0], argv);
                dprintf(STDERR_FILENO, "exec: %s", strerror(errno));
                _exit(127);
        }
        close(p[1]);
        struct sbuf out = {0};
        char buf[512];
        for (;;) {
                ssize_t n = read(p[0], buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (out.len < HELPER_OUTPUT_MAX)
                        sbuf_append_len(&out, buf, (size_t)n);
        }
        close(p[0]);
        int status;
        if (wait_child(pid, &status) < 0) {
                sbuf_done(&out);
                return err_errno(e, "waiting for '%s'", argv[0]);
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                sbuf_done(&out);
                return 0;
        }
        while (out.len > 0 && (out.buf[out.len - 1] == '\n' || out.buf[out.len - 1] == ' '))
                out.buf[--out.len] = '\0';
        _cleanup_free_ char *cmdline = strv_join(argv, " ");
        _cleanup_free_ char *how = WIFEXITED(status)
                                           ? xasprintf("exit status %d", WEXITSTATUS(status))
                                           : xasprintf("killed by signal %d", WTERMSIG(status));
        int r = err_set(e, EPERM, "running '%s': %s%s%s", cmdline, how, out.len ? ": " : "",
                        out.len ? out.buf : "");
        sbuf_done(&out);
        return r;
}

/* The first id after every range of /etc/subuid and /etc/subgid (at least
 * 100000), so the fix we suggest does not overlap another user's range. */
static uint64_t subid_free_start(void)
{
        uint64_t next = SUBID_SUGGEST_START;
        const char *files[] = {"/etc/subuid", "/etc/subgid"};
        for (size_t f = 0; f < ARRAY_SIZE(files); f++) {
                _cleanup_free_ char *buf = NULL;
                if (fs_read_file(AT_FDCWD, files[f], 1 << 20, &buf, NULL, NULL) < 0)
                        continue;
                for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                        const char *c1 = strchr(line, ':');
                        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                        if (!c2)
                                continue;
                        uint64_t start = strtoull(c1 + 1, NULL, 10);
                        uint64_t count = strtoull(c2 + 1, NULL, 10);
                        if (start <= UINT32_MAX && count <= UINT32_MAX && start + count > next)
                                next = start + count;
                }
        }
        return next;
}

/* The error for a user without subordinate ids, with the usermod command
 * that adds what is missing (both at once in the usual case). */
static int no_subids_error(const struct userns_ctx *c, bool missing_uids, bool missing_gids,
                           struct err *e)
{
        uint64_t start = subid_free_start();
        unsigned long long first = start, last = start + SUBID_SUGGEST_COUNT - 1;
        const char *kind = missing_uids ? "uid" : "gid";
        const char *file = missing_uids ? "/etc/subuid" : "/etc/subgid";
        if (!c->user)
                return err_set(e, ENOENT,
                               "no subordinate %ss for uid %u in %s: add a range for it, e.g. "
                               "the line `%u:%llu:%u` to %s",
                               kind, (unsigned)c->uid, file, (unsigned)c->uid, first,
                               SUBID_SUGGEST_COUNT,
                               missing_uids && missing_gids ? "/etc/subuid and /etc/subgid" : file);
        _cleanup_free_ char *uids =
                missing_uids ? xasprintf(" --add-subuids %llu-%llu", first, last) : xstrdup("");
        _cleanup_free_ char *gids =
                missing_gids ? xasprintf(" --add-subgids %llu-%llu", first, last) : xstrdup("");
        return err_set(e, ENOENT,
                       "no subordinate %ss for user '%s' in %s: add a range, e.g. `usermod%s%s "
                       "%s`",
                       kind, c->user, file, uids, gids, c->user);
}

/* The newuidmap/newgidmap command lines for child pid; a NULL one when the
 * user has no subordinate ids of that kind and flags allow podman's single
 * mapping. */
static int build_map_cmds(const struct userns_ctx *c, pid_t pid, char ***ret_uidcmd,
                          char ***ret_gidcmd, struct err *e)
{
        static const struct {
                const char *tool, *file;
        } what[2] = {
                {"newuidmap", "/etc/subuid"},
                {"newgidmap", "/etc/subgid"},
        };
        struct id_range *ranges[2] = {NULL, NULL};
        size_t n[2] = {0, 0};
        char **cmds[2] = {NULL, NULL};
        int r = 0;
        /* Both files are searched by user name and by uid, as shadow's
         * newgidmap and containers/storage do. */
        for (int i = 0; i < 2 && r >= 0; i++)
                r = subid_lookup(what[i].file, c->user, c->uid, &ranges[i], &n[i], e);
        if (r >= 0 && (n[0] == 0 || n[1] == 0) && !(c->flags & USERNS_ALLOW_SINGLE_MAPPING))
                r = no_subids_error(c, n[0] == 0, n[1] == 0, e);
        for (int i = 0; i < 2 && r >= 0; i++) {
                if (n[i] == 0)
                        continue;
                _cleanup_strv_ char **args = NULL;
                r = userns_map_args(i == 0 ? c->uid : c->gid, ranges[i], n[i], what[i].file, &args,
                                    e);
                if (r < 0)
                        break;
                _cleanup_free_ char *tool = host_find_program(what[i].tool);
                if (!tool) {
                        r = err_set(e, ENOENT,
                                    "'%s' not found in $PATH: rootless berth needs it to map the "
                                    "subordinate ids of %s; install the uidmap package "
                                    "(apt-get install uidmap)",
                                    what[i].tool, what[i].file);
                        break;
                }
                strv_push(&cmds[i], steal_pointer(&tool));
                strv_push(&cmds[i], xasprintf("%d", (int)pid));
                for (char **a = args; *a; a++)
                        strv_add(&cmds[i], *a);
        }
        free(ranges[0]);
        free(ranges[1]);
        if (r < 0) {
                strv_free(cmds[0]);
                strv_free(cmds[1]);
                return r;
        }
        *ret_uidcmd = cmds[0];
        *ret_gidcmd = cmds[1];
        return 0;
}

static int write_proc_file(pid_t pid, const char *name, const char *content, struct err *e)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        int r = fs_write_all(fd, content, strlen(content));
        return r < 0 ? err_errnum(e, r, "write '%s'", path) : 0;
}

/* Write the child's uid_map and gid_map: through newuidmap/newgidmap with
 * the subordinate ranges, or (podman's fallback, only when allowed) the
 * user alone, which an unprivileged process may map itself. */
static int write_mappings(const struct userns_ctx *c, pid_t pid, struct err *e)
{
        _cleanup_strv_ char **uidcmd = NULL;
        _cleanup_strv_ char **gidcmd = NULL;
        int r = build_map_cmds(c, pid, &uidcmd, &gidcmd, e);
        if (r < 0)
                return r;
        if (!uidcmd || !gidcmd)
                log_warn("Using rootless single mapping into the namespace. This might break "
                         "some images. Check /etc/subuid and /etc/subgid for adding sub*ids if "
                         "not using a network user");
        char line[32];
        if (uidcmd) {
                r = run_helper(uidcmd, e);
        } else {
                snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)c->uid);
                r = write_proc_file(pid, "uid_map", line, e);
        }
        if (r < 0)
                return r;
        if (gidcmd)
                return run_helper(gidcmd, e);
        /* An unprivileged gid_map needs setgroups denied first. */
        snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)c->gid);
        if ((r = write_proc_file(pid, "setgroups", "deny", e)) < 0)
                return r;
        return write_proc_file(pid, "gid_map", line, e);
}

/* The pause process, forked in the new namespaces. Like podman's: its own
 * session, stdio on /dev/null and no other fd (an inherited pipe would keep
 * whoever started berth waiting for EOF, bats for one), podman's ignored
 * signals, then catatonit -P; a built-in loop when catatonit is missing.
 * Unlike podman it leaves the working directory: a pause process living on
 * in the user's cwd would keep that file system busy. */
static _noreturn_ void pause_process_start(void)
{
        static const int ignored[] = {SIGALRM, SIGHUP,  SIGINT,    SIGPIPE, SIGQUIT,
                                      SIGPOLL, SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ};
        setsid();
        if (chdir("/") < 0)
                _exit(1);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
        }
        if (close_range(3, UINT_MAX, 0) < 0)
                for (int fd = 3; fd < 65536; fd++)
                        close(fd);
        struct sigaction sa = {.sa_handler = SIG_IGN};
        for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
                sigaction(ignored[i], &sa, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);

        execl(PODMAN_CATATONIT, "catatonit", "-P", (char *)NULL);
        execlp("catatonit", "catatonit", "-P", (char *)NULL);
        /* A fresh image of our own rather than this copy of berth's memory. */
        execl("/proc/self/exe", "berth", USERNS_PAUSE_ARG, (char *)NULL);
        userns_pause();
}

/* The child that creates the namespaces: it unshares, waits until the
 * parent has written its id maps, becomes root inside, forks the pause
 * process and reports its pid. Only async-signal-safe calls from here on. */
static _noreturn_ void creator_child(int rd, int wr, pid_t parent)
{
        struct child_msg msg = {.step = STEP_UNSHARE};
        /* Die with berth until the pause process exists: a berth killed
         * half-way must not leave a namespace that nobody records. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
                _exit(1);
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                msg.err = errno;
        if (fs_write_all(wr, &msg, sizeof(msg)) < 0 || msg.err)
                _exit(1);
        char go = 0;
        if (read_full(rd, &go, 1) < 0 || go != '1')
                _exit(1);
        msg.step = STEP_SETID;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
                msg.err = errno;
                (void)fs_write_all(wr, &msg, sizeof(msg));
                _exit(1);
        }
        msg.step = STEP_FORK;
        pid_t pid = fork();
        if (pid == 0)
                pause_process_start();
        if (pid < 0)
                msg.err = errno;
        msg.pid = pid;
        (void)fs_write_all(wr, &msg, sizeof(msg));
        _exit(msg.err ? 1 : 0);
}

static const char *step_name(int step)
{
        switch (step) {
        case STEP_UNSHARE:
                return "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
        case STEP_SETID:
                return "setresuid(0) inside the new user namespace";
        default:
                return "forking the pause process";
        }
}

/* Create the namespaces and the pause process; its pid in *ret_pid. */
static int create_pause(const struct userns_ctx *c, pid_t *ret_pid, struct err *e)
{
        _cleanup_close_ int to_child_r = -1, to_child_w = -1, from_child_r = -1, from_child_w = -1;
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        to_child_r = p[0];
        to_child_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        from_child_r = p[0];
        from_child_w = p[1];

        pid_t self = getpid();
        pid_t child = fork();
        if (child < 0)
                return err_errno(e, "fork");
        if (child == 0) {
                close(to_child_w);
                close(from_child_r);
                creator_child(to_child_r, from_child_w, self);
        }
        close(TAKE_FD(to_child_r));
        close(TAKE_FD(from_child_w));

        struct child_msg msg = {0};
        int r = read_full(from_child_r, &msg, sizeof(msg));
        if (r < 0 || msg.err) {
                wait_child(child, NULL);
                if (r < 0)
                        return err_errnum(e, r,
                                          "creating the user namespace: the child exited "
                                          "early");
                if (msg.err == EPERM || msg.err == ENOSPC)
                        return err_errnum(e, msg.err,
                                          "creating a user namespace: %s (are user namespaces "
                                          "disabled? check sysctl user.max_user_namespaces "
                                          "and kernel.unprivileged_userns_clone)",
                                          step_name(msg.step));
                return err_errnum(e, msg.err, "creating a user namespace: %s", step_name(msg.step));
        }

        r = write_mappings(c, child, e);
        /* '1' lets the child go on; anything else (or EOF) makes it exit. */
        (void)fs_write_all(to_child_w, r < 0 ? "0" : "1", 1);
        close(TAKE_FD(to_child_w));
        if (r < 0) {
                wait_child(child, NULL);
                return r;
        }
        r = read_full(from_child_r, &msg, sizeof(msg));
        wait_child(child, NULL);
        if (r < 0)
                return err_errnum(e, r, "setting up the user namespace: the child exited early");
        if (msg.err)
                return err_errnum(e, msg.err, "setting up the user namespace: %s",
                                  step_name(msg.step));
        *ret_pid = msg.pid;
        return 0;
}

/* Under podman's alive.lck (see userns_create): join what appeared while we
 * waited, else remove a stale pause.pid, create, publish and join. */
static int create_and_join(const struct userns_ctx *c, struct err *e)
{
        int r = userns_try_join(c, e);
        if (r != 0)
                return r < 0 ? r : 0;
        if ((r = pid_file_remove_stale(c, e)) < 0)
                return r;
        if ((r = userns_try_join(c, e)) != 0)
                return r < 0 ? r : 0;

        /* Keep ^C from stopping us between creating the pause process and
         * recording it: that would leave a namespace nobody finds again. */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigaddset(&block, SIGQUIT);
        sigprocmask(SIG_BLOCK, &block, &old);

        pid_t pid = 0;
        r = create_pause(c, &pid, e);
        _cleanup_close_ int ufd = -1, mfd = -1;
        if (r >= 0) {
                /* The namespaces, before publishing: once pause.pid exists
                 * anyone may kill the process. */
                r = userns_pause_open(pid, &ufd, &mfd);
                if (r < 0)
                        r = err_errnum(e, r, "pause process %d exited right after its start",
                                       (int)pid);
        }
        if (r >= 0) {
                r = pid_file_publish(c, pid, e);
                if (r == -EEXIST) {
                        /* podman (which does not take alive.lck for this) won the
                         * race: use its namespace, as podman itself does. */
                        kill(pid, SIGKILL);
                        err_done(e);
                        sigprocmask(SIG_SETMASK, &old, NULL);
                        r = userns_try_join(c, e);
                        if (r == 0)
                                r = err_set(e, ESRCH,
                                            "'%s' was written by another process, but names "
                                            "no pause process to join",
                                            c->pid_path);
                        return r < 0 ? r : 0;
                }
                if (r < 0)
                        kill(pid, SIGKILL);
        } else if (pid > 0) {
                kill(pid, SIGKILL);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (r < 0)
                return r;
        log_debug("created pause process %d for the user namespace, recorded in '%s'", (int)pid,
                  c->pid_path);
        return userns_join_fds(c, pid, ufd, mfd, e);
}

/* Serialise creators on podman's alive.lck, the lock podman holds while it
 * decides whether to create the namespace; a podman that finds no alive
 * file still creates its own and loses the RENAME_NOREPLACE race to our
 * pause.pid. */
int userns_create(const struct userns_ctx *c, struct err *e)
{
        _cleanup_(lockfile_freep) struct lockfile *lock = NULL;
        int r = lockfile_open(c->lock_path, false, &lock, e);
        if (r >= 0)
                r = lockfile_lock(lock, e);
        if (r >= 0)
                r = create_and_join(c, e);
        return r;
}
