/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec and attach. exec runs a process in a running container through the
 * runtime library in-process (or an external runtime's exec, for a
 * container one runs), as runc's exec does: the container's saved
 * process object with args, env, cwd, user, terminal and (--privileged)
 * capabilities replaced. berth is the new process's parent and returns its
 * exit code; with -t it relays a pty whose master the runtime sends over a
 * socketpair. With -d a detached helper (own session) is the parent and
 * reaps it, so nothing is left a zombie after berth exits.
 * attach relays a running container's stdio through its monitor's socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "ctr-spec.h"
#include "runtime.h"

#define DETACH_MAX 32

/* Set KEY=VALUE in env, replacing an entry with the same key. */
static void env_set(char ***env, const char *kv)
{
        size_t klen = strcspn(kv, "=");
        for (char **p = *env; p && *p; p++) {
                if (strncmp(*p, kv, klen) == 0 && (*p)[klen] == '=') {
                        free(*p);
                        *p = xstrdup(kv);
                        return;
                }
        }
        strv_add(env, kv);
}

/* Apply --env-file then -e to env; "KEY" alone copies berth's own value. */
static int env_apply(char ***env, const struct container_exec_opts *o, bool *ret_home_set,
                     struct err *e)
{
        _cleanup_strv_ char **add = NULL;
        for (char **p = o->env_file; p && *p; p++)
                if (ctr_read_kv_file(*p, false, &add, e) < 0)
                        return -EINVAL;
        for (char **p = o->env; p && *p; p++)
                strv_add(&add, *p);
        bool home = false;
        for (char **p = add; p && *p; p++) {
                if (**p == '=')
                        return err_set(e, EINVAL, "invalid environment variable: \"%s\"", *p);
                if (!strchr(*p, '=')) {
                        const char *v = getenv(*p);
                        if (!v)
                                continue;
                        _cleanup_free_ char *kv = xasprintf("%s=%s", *p, v);
                        env_set(env, kv);
                } else {
                        env_set(env, *p);
                }
                if (strncmp(*p, "HOME", 4) == 0 && ((*p)[4] == '=' || (*p)[4] == 0))
                        home = true;
        }
        *ret_home_set = home;
        return 0;
}

/* Build the exec'd process object from the container's (runc's rules). */
static int build_process(struct json *p, pid_t init_pid, const struct container_exec_opts *o,
                         struct err *e)
{
        json_object_set(p, "args", json_new_strv(o->cmd));
        json_object_set_bool(p, "terminal", o->tty);
        json_object_remove(p, "consoleSize");
        _cleanup_strv_ char **env = json_strv(json_object_get(p, "env"));
        bool home_set = false;
        if (env_apply(&env, o, &home_set, e) < 0)
                return -EINVAL;
        if (o->workdir && *o->workdir) {
                if (o->workdir[0] != '/')
                        return err_set(e, EINVAL, "workdir \"%s\" must be an absolute path",
                                       o->workdir);
                json_object_set_string(p, "cwd", o->workdir);
        }
        if (o->user && *o->user) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/root", (int)init_pid);
                _cleanup_close_ int rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (rootfd < 0)
                        return err_errno(e, "open '%s'", path);
                struct ctr_user u = {0};
                if (ctr_user_resolve(rootfd, o->user, NULL, &u, e) < 0)
                        return -EINVAL;
                struct json *uj = json_new_object();
                json_object_set_int(uj, "uid", u.uid);
                json_object_set_int(uj, "gid", u.gid);
                if (u.n_gids) {
                        struct json *g = json_new_array();
                        for (size_t i = 0; i < u.n_gids; i++)
                                json_array_append(g, json_new_int(u.gids[i]));
                        json_object_set(uj, "additionalGids", g);
                }
                json_object_set(p, "user", uj);
                if (u.home && !home_set) {
                        _cleanup_free_ char *h = xasprintf("HOME=%s", u.home);
                        env_set(&env, h);
                }
                ctr_user_done(&u);
        }
        json_object_set(p, "env", json_new_strv(env));
        if (o->privileged) {
                struct ctr_spec_opts so = {.privileged = true};
                _cleanup_strv_ char **caps = NULL;
                if (ctr_caps_compute(&so, NULL, &caps, e) < 0)
                        return -EINVAL;
                struct json *c = json_new_object();
                json_object_set(c, "bounding", json_new_strv(caps));
                json_object_set(c, "effective", json_new_strv(caps));
                json_object_set(c, "permitted", json_new_strv(caps));
                json_object_set(p, "capabilities", c);
        }
        return 0;
}

/* docker's codes for a command that cannot run: 127 not found, 126 not
 * executable. */
static int exec_failure(const struct err *e)
{
        const char *m = e->msg ? e->msg : "";
        if (strstr(m, "executable file not found") || strstr(m, "no such file or directory") ||
            strstr(m, "No such file or directory"))
                return 127;
        if (strstr(m, "permission denied") || strstr(m, "Permission denied") ||
            strstr(m, "exec format error") || strstr(m, "Exec format error"))
                return 126;
        return 125;
}

/* podman's text: "<runtime error>: OCI runtime ... was not found". */
static void exec_error_text(struct err *e, int code)
{
        if (code == 125)
                return;
        const char *why = code == 127 ? "OCI runtime attempted to invoke a command that was not "
                                        "found"
                                      : "OCI runtime permission denied error";
        _cleanup_free_ char *msg = xasprintf("%s: %s", e->msg ? e->msg : "", why);
        err_done(e);
        err_set(e, code == 127 ? ENOENT : EACCES, "%s", msg);
}

/* The container ended while the exec was being set up (stopped, restarted
 * or removed by another command): podman's state error with 125, not the
 * runtime's view of a vanished init ("open /proc/PID/root: No such file"
 * would read as 127). Returns true when it replaced e. */
static bool exec_lost_race(struct store *s, const struct ctr *c, pid_t init_pid, int *ret_code,
                           struct err *e)
{
        const char *m = e && e->msg ? e->msg : "";
        /* Failures about the container's init or runtime state, not about
         * the command: never 126/127. */
        _cleanup_free_ char *proc = xasprintf("/proc/%d/", (int)init_pid);
        _cleanup_free_ char *rtroot = ctr_runtime_root(s);
        if (strstr(m, proc) || strstr(m, rtroot) || strstr(m, "exec'd process died") ||
            strstr(m, "Broken pipe"))
                *ret_code = 125;
        struct ctr_state st;
        if (ctr_state_get(s, c, &st, NULL) < 0)
                return false;
        /* Restarted meanwhile: the exec went for the init that ended. */
        bool running = st.status == CTR_RUNNING && st.pid == init_pid;
        ctr_state_done(&st);
        /* A kill of all its processes (stop, rm -f) may have reached the
         * exec'd one before the init, and an init that is exiting still
         * looks alive: give it a moment to end. */
        if (running && (*ret_code != 125 || ctr_wait_stopped(s, c, 1000, NULL) != 1))
                return false;
        *ret_code = 125;
        err_done(e);
        err_set(e, EINVAL,
                "can only create exec sessions on running containers: container state improper");
        return true;
}

static int rt_open(struct store *s, struct rt_ctx *ctx, struct err *e)
{
        _cleanup_free_ char *root = ctr_runtime_root(s);
        return rt_ctx_init(ctx, root, -1, false, e);
}

static pid_t fwd_pid;

/* Signals berth gets while it waits go on to the exec'd process. */
static void fwd_signal(int sig)
{
        if (fwd_pid > 0)
                kill(fwd_pid, sig);
}

static int wait_code(pid_t pid)
{
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 125;
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 125;
}

static void copy_winsize(int master)
{
        struct winsize ws;
        if ((ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 ||
             ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) &&
            ws.ws_row)
                (void)ioctl(master, TIOCSWINSZ, &ws);
}

/* Relay a pty until the process closes it or the user types the detach
 * keys; returns true when detached. */
static bool relay_pty(int master, bool in, const unsigned char *keys, size_t nkeys)
{
        bool raw = false;
        struct termios saved;
        if (in && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                t.c_oflag = saved.c_oflag;
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
        sigset_t sigs, old;
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGWINCH);
        bool blocked = sigprocmask(SIG_BLOCK, &sigs, &old) == 0;
        _cleanup_close_ int sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
        copy_winsize(master);
        bool detached = false;
        size_t matched = 0;
        unsigned char buf[8192], out[8192 + DETACH_MAX];
        for (;;) {
                struct pollfd p[3] = {{.fd = master, .events = POLLIN},
                                      {.fd = in ? STDIN_FILENO : -1, .events = POLLIN},
                                      {.fd = sfd, .events = POLLIN}};
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof(si)) == sizeof(si))
                                copy_winsize(master);
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t k = read(master, buf, sizeof(buf));
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k <= 0) /* EIO: every slave fd is closed */
                                break;
                        (void)fs_write_all(STDOUT_FILENO, buf, (size_t)k);
                }
                if (in && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                        ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k <= 0) {
                                /* EOF: the terminal's EOF character ends the
                                 * shell's input as a closed stdin would. */
                                in = false;
                                struct termios t;
                                unsigned char eof = 4; /* ^D */
                                /* The master's termios may read as zeros. */
                                if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF])
                                        eof = t.c_cc[VEOF];
                                (void)fs_write_all(master, &eof, 1);
                                continue;
                        }
                        size_t on = ctr_detach_filter(keys, nkeys, &matched, buf, (size_t)k, out,
                                                      &detached);
                        if (on && fs_write_all(master, out, on) < 0)
                                in = false;
                        if (detached)
                                break;
                }
        }
        if (raw)
                (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        if (blocked)
                sigprocmask(SIG_SETMASK, &old, NULL);
        return detached;
}

/* -d: a helper in its own session starts the process and reaps it; berth
 * learns only whether the start worked (an error text over a pipe). */
static int exec_detached(const struct rt_ctx *ctx, const char *id, const struct rt_process *proc,
                         unsigned preserve_fds, int *ret_code, struct err *e)
{
        int pp[2];
        if (pipe2(pp, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        pid_t helper = fork();
        if (helper < 0) {
                close(pp[0]);
                close(pp[1]);
                return err_errno(e, "fork");
        }
        if (helper == 0) {
                close(pp[0]);
                (void)setsid();
                /* The helper is a parent that outlives berth: do not let
                 * berth's terminal signals end it. */
                signal(SIGHUP, SIG_IGN);
                pid_t h2 = fork();
                if (h2 < 0)
                        _exit(1);
                if (h2 > 0)
                        _exit(0); /* berth reaps this one; the grandchild is orphaned */
                /* Nothing of berth's may stay open here: whoever reads
                 * berth's output would wait for this helper. */
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0)
                        for (int fd = 0; fd < 3; fd++)
                                (void)dup2(null, fd);
                struct rt_exec_opts xo = {
                        .process = proc,
                        .io = {.stdio = {-1, -1, -1},
                               .console_socket_fd = -1,
                               .preserve_fds = preserve_fds},
                };
                struct err xe = {0};
                pid_t pid = 0;
                if (rt_exec(ctx, id, &xo, &pid, &xe) < 0) {
                        const char *m = xe.msg ? xe.msg : "exec failed";
                        (void)fs_write_all(pp[1], m, strlen(m));
                        _exit(1);
                }
                close(pp[1]);
                if (null >= 0)
                        close(null);
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                _exit(0);
        }
        close(pp[1]);
        (void)wait_code(helper);
        struct sbuf b = {0};
        char chunk[512];
        ssize_t n;
        while ((n = read(pp[0], chunk, sizeof(chunk))) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (b.len < 8192)
                        sbuf_append_len(&b, chunk, (size_t)n);
        }
        close(pp[0]);
        if (b.len) {
                _cleanup_free_ char *m = sbuf_steal(&b);
                err_set(e, EIO, "%s", m);
                *ret_code = exec_failure(e);
                exec_error_text(e, *ret_code);
                return -e->code;
        }
        sbuf_done(&b);
        *ret_code = 0;
        return 0;
}

/* Allocates: a 64-hex exec session id, as podman prints for exec -d. */
static char *session_id(void)
{
        unsigned char rnd[32];
        if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
                memset(rnd, 0, sizeof(rnd));
        char hex[65];
        for (size_t i = 0; i < 32; i++)
                snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
        return xstrdup(hex);
}

/* A master that outlives berth (a detach, or exec -d -t): a helper in its
 * own session keeps it open and drains it, so the process never blocks on
 * a full terminal. */
static void drain_detached(int master)
{
        pid_t h = fork();
        if (h == 0) {
                (void)setsid();
                signal(SIGHUP, SIG_IGN);
                if (fork() != 0)
                        _exit(0);
                int dn = open("/dev/null", O_RDWR | O_CLOEXEC);
                for (int fd = 0; dn >= 0 && fd < 3; fd++)
                        (void)dup2(dn, fd);
                char b[4096];
                while (read(master, b, sizeof(b)) > 0 || errno == EINTR)
                        ;
                _exit(0);
        }
        if (h > 0)
                (void)wait_code(h);
}

/* The exec'd process is pid: signals to berth go to it, and with a
 * terminal (master >= 0) berth relays it until the process ends or the
 * user detaches. Returns the process's exit code, 0 after a detach. */
static int follow_exec(pid_t pid, int master, bool interactive, const unsigned char *keys,
                       size_t nkeys)
{
        fwd_pid = pid;
        struct sigaction sa = {.sa_handler = fwd_signal, .sa_flags = SA_RESTART};
        static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
        for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
                sigaction(fwd[i], &sa, NULL);
        if (master >= 0 && relay_pty(master, interactive, keys, nkeys)) {
                /* Detached: the process goes on without berth. */
                drain_detached(master);
                return 0;
        }
        return wait_code(pid);
}

/* The last error line of the runtime's JSON log (runc's --log-format json:
 * {"level":"error","msg":"..."}), else its last line. */
static char *runtime_log_error(const char *path)
{
        _cleanup_free_ char *buf = NULL;
        if (fs_read_file(AT_FDCWD, path, 1u << 20, &buf, NULL, NULL) < 0)
                return NULL;
        char *msg = NULL;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; *l; l++) {
                if (!**l)
                        continue;
                _cleanup_json_ struct json *j = NULL;
                const char *m = NULL;
                if (json_parse(*l, strlen(*l), &j, NULL) == 0 && j->type == JSON_OBJECT) {
                        const char *lv = json_object_get_string(j, "level");
                        if (lv && !STREQ(lv, "error") && !STREQ(lv, "fatal"))
                                continue;
                        m = json_object_get_string(j, "msg");
                }
                free(msg);
                msg = xstrdup(m ? m : *l);
        }
        return msg;
}

/* exec into a container an external runtime runs (its monitor's
 * --runtime): `RUNTIME --root DIR --log F --log-format json exec --process
 * P --detach --pid-file Q [--console-socket S] ID`, as conmon drives it.
 * berth is a child subreaper meanwhile, so the process becomes its child
 * when the runtime exits, and its exit code is berth's; without a terminal
 * it has berth's stdio (the runtime passes its own on), with one the
 * master comes over S. With -d it has /dev/null and is left to whoever
 * reaps orphans. */
static int exec_external(struct store *s, const struct ctr *c, const char *runtime,
                         pid_t init_pid, const struct container_exec_opts *o,
                         const unsigned char *keys, size_t nkeys, int *ret_code, struct err *e)
{
        _cleanup_free_ char *cfgp = ctr_gpath(c, "config.json");
        _cleanup_json_ struct json *spec = NULL;
        int r = json_parse_file(AT_FDCWD, cfgp, 64u << 20, &spec, e);
        if (r < 0)
                return r;
        const struct json *sp = json_object_get(spec, "process");
        if (!sp || sp->type != JSON_OBJECT)
                return err_set(e, EINVAL, "'%s' has no process", cfgp);
        _cleanup_json_ struct json *pj = json_copy(sp);
        if ((r = build_process(pj, init_pid, o, e)) < 0)
                return r;
        _cleanup_free_ char *tag = session_id();
        tag[12] = '\0'; /* names this exec's files in the run directory */
        _cleanup_free_ char *procf = xasprintf("%s/exec-%s.json", c->rdir, tag);
        _cleanup_free_ char *pidf = xasprintf("%s/exec-%s.pid", c->rdir, tag);
        _cleanup_free_ char *logf = xasprintf("%s/exec-%s.log", c->rdir, tag);
        _cleanup_free_ char *sockname = xasprintf("exec-%s.sock", tag);
        _cleanup_free_ char *ptext = json_generate(pj, JSON_GEN_NEWLINE);
        if ((r = fs_write_atomic_volatile(AT_FDCWD, procf, ptext, strlen(ptext), 0600, e)) < 0)
                return r;
        /* Everything the cleanup at out: sees is declared before the first goto. */
        _cleanup_free_ char *root = ctr_runtime_root(s), *sock = NULL, *tmpdir = NULL;
        _cleanup_close_ int lfd = -1, null = -1, master = -1;
        char *argv[20];
        size_t n = 0;
        argv[n++] = (char *)runtime;
        argv[n++] = "--root";
        argv[n++] = root;
        argv[n++] = "--log";
        argv[n++] = logf;
        argv[n++] = "--log-format";
        argv[n++] = "json";
        argv[n++] = "exec";
        argv[n++] = "--process";
        argv[n++] = procf;
        argv[n++] = "--detach";
        argv[n++] = "--pid-file";
        argv[n++] = pidf;
        _cleanup_free_ char *nfds = xasprintf("%u", o->preserve_fds);
        if (o->preserve_fds) {
                argv[n++] = "--preserve-fds";
                argv[n++] = nfds;
        }
        if (o->tty) {
                if ((lfd = fs_unix_listen(c->rdir, sockname, &sock, &tmpdir, e)) < 0) {
                        r = lfd;
                        goto out;
                }
                argv[n++] = "--console-socket";
                argv[n++] = sock;
        }
        argv[n++] = (char *)c->id;
        argv[n] = NULL;
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        if (o->tty || o->detach || !o->interactive)
                posix_spawn_file_actions_adddup2(&fa, null, 0);
        if (o->tty || o->detach) {
                posix_spawn_file_actions_adddup2(&fa, null, 1);
                posix_spawn_file_actions_adddup2(&fa, null, 2);
        }
        if (!o->detach)
                (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        pid_t rpid;
        r = posix_spawn(&rpid, runtime, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0) {
                r = err_errnum(e, r, "running '%s'", runtime);
                goto out;
        }
        int status;
        while (waitpid(rpid, &status, 0) < 0 && errno == EINTR)
                ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                _cleanup_free_ char *msg = runtime_log_error(logf);
                err_set(e, EIO, "%s exec: %s", runtime, msg ? msg : "failed");
                *ret_code = exec_failure(e);
                if (!exec_lost_race(s, c, init_pid, ret_code, e))
                        exec_error_text(e, *ret_code);
                r = -EIO;
                goto out;
        }
        pid_t pid;
        if ((r = fs_read_pid(AT_FDCWD, pidf, &pid, e)) < 0) {
                err_wrap(e, "%s exec", runtime);
                goto out;
        }
        if (o->tty) {
                struct pollfd p = {.fd = lfd, .events = POLLIN};
                _cleanup_close_ int conn = -1;
                if (poll(&p, 1, 10000) > 0)
                        conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                struct err te = {0};
                if (conn < 0 || fs_recv_fd(conn, 10000, &master, &te) < 0)
                        log_warn("receiving the exec terminal: %s",
                                 te.msg ? te.msg : "the runtime did not connect");
                err_done(&te);
        }
        *ret_code = 0;
        r = 0;
        if (o->detach) {
                if (master >= 0)
                        drain_detached(master);
                goto out;
        }
        *ret_code = follow_exec(pid, master, o->interactive, keys, nkeys);
out:
        unlink(procf);
        unlink(pidf);
        unlink(logf);
        if (sock)
                unlink(sock);
        if (tmpdir)
                rmdir(tmpdir);
        return r;
}

int engine_exec_fds_check(uint64_t n, struct err *e)
{
        for (uint64_t i = 0, fd = 3; i < n; i++, fd++)
                if (fd > INT_MAX || fcntl((int)fd, F_GETFD) < 0)
                        return err_set(e, EBADF,
                                       "file descriptor %llu is not available - the "
                                       "preserve-fds option requires that file descriptors "
                                       "must be passed",
                                       (unsigned long long)fd);
        return 0;
}

int engine_container_exec(struct store *s, const char *name, const struct container_exec_opts *o,
                          int *ret_exit_code, char **ret_session, struct err *e)
{
        *ret_exit_code = 125;
        if (!o->cmd || !o->cmd[0])
                return err_set(e, EINVAL,
                               "must provide a non-empty command to start an exec "
                               "session");
        unsigned char keys[DETACH_MAX];
        size_t nkeys = 0;
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        const char *dk = o->detach_keys ? o->detach_keys : ctr_cfg_string(c, "detach_keys");
        if (!o->detach_keys && (!dk || !*dk))
                dk = "ctrl-p,ctrl-q";
        if (*dk && ctr_detach_keys_parse(dk, keys, &nkeys, e) < 0)
                return -EINVAL;
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        bool running = st.status == CTR_RUNNING;
        pid_t init_pid = st.pid;
        ctr_state_done(&st);
        if (!running)
                return err_set(e, EINVAL,
                               "can only create exec sessions on running containers: "
                               "container state improper");
        _cleanup_free_ char *ext = ctr_external_runtime(c);
        if (ext) {
                r = exec_external(s, c, ext, init_pid, o, keys, nkeys, ret_exit_code, e);
                if (r == 0 && o->detach && ret_session)
                        *ret_session = session_id();
                return r;
        }
        struct rt_ctx ctx = {0};
        if ((r = rt_open(s, &ctx, e)) < 0)
                return r;
        _cleanup_json_ struct json *pj = NULL;
        struct rt_process *proc = NULL;
        _cleanup_close_ int sp0 = -1, sp1 = -1, null = -1, master = -1;
        /* The runtime's state goes when the container ends: stopped or
         * removed since its state was read above. */
        if ((r = rt_container_process(&ctx, c->id, &pj, e)) < 0) {
                if (exec_lost_race(s, c, init_pid, ret_exit_code, e))
                        r = -EINVAL;
                goto out;
        }
        if ((r = build_process(pj, init_pid, o, e)) < 0)
                goto out;
        if ((r = rt_process_parse_quiet(pj, &proc, e)) < 0)
                goto out;
        if (o->detach) {
                r = exec_detached(&ctx, c->id, proc, o->preserve_fds, ret_exit_code, e);
                if (r < 0 && exec_lost_race(s, c, init_pid, ret_exit_code, e))
                        r = -EINVAL;
                if (r == 0 && ret_session)
                        *ret_session = session_id();
                goto out;
        }
        struct rt_exec_opts xo = {.process = proc,
                                  .io = {.stdio = {-1, -1, -1},
                                         .console_socket_fd = -1,
                                         .preserve_fds = o->preserve_fds}};
        if (!o->interactive) {
                null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                xo.io.stdio[0] = null;
        }
        if (o->tty) {
                int sp[2];
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
                        r = err_errno(e, "socketpair");
                        goto out;
                }
                sp0 = sp[0];
                sp1 = sp[1];
                xo.io.console_socket_fd = sp1;
        }
        pid_t pid = 0;
        if ((r = rt_exec(&ctx, c->id, &xo, &pid, e)) < 0) {
                *ret_exit_code = exec_failure(e);
                if (!exec_lost_race(s, c, init_pid, ret_exit_code, e))
                        exec_error_text(e, *ret_exit_code);
                goto out;
        }
        if (o->tty) {
                close(TAKE_FD(sp1));
                struct err te = {0};
                if (fs_recv_fd(sp0, 10000, &master, &te) < 0)
                        log_warn("receiving the exec terminal: %s", te.msg);
                err_done(&te);
        }
        *ret_exit_code = follow_exec(pid, master, o->interactive, keys, nkeys);
        r = 0;
out:
        rt_process_free(proc);
        rt_ctx_done(&ctx);
        return r;
}

int engine_container_attach(struct store *s, const char *name,
                            const struct container_attach_opts *o, int *ret_exit_code,
                            bool *ret_detached, struct err *e)
{
        *ret_exit_code = 125;
        *ret_detached = false;
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        bool running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
        ctr_state_done(&st);
        if (!running)
                return err_set(e, EINVAL, "you can only attach to running containers");
        _cleanup_close_ int afd = ctr_attach_connect(c, e);
        if (afd < 0)
                return afd;
        const char *dk = o->detach_keys ? o->detach_keys : ctr_cfg_string(c, "detach_keys");
        if (!o->detach_keys && (!dk || !*dk))
                dk = "ctrl-p,ctrl-q";
        struct ctr_proxy_target t = {.s = s, .c = c};
        struct ctr_attach_opts ao = {
                .tty = ctr_cfg_bool(c, "tty"),
                .stdin = !o->no_stdin && ctr_cfg_bool(c, "stdin"),
                .detach_keys = dk,
                .proxy = o->sig_proxy ? ctr_proxy_signal : NULL,
                .proxy_data = &t,
        };
        int code = -1;
        bool detached = false;
        if ((r = ctr_attach_relay(afd, &ao, &code, &detached, e)) < 0)
                return r;
        if (detached) {
                *ret_detached = true;
                *ret_exit_code = 0;
                return 0;
        }
        if (code < 0) {
                /* The socket closed without the exit packet: exit.json says. */
                (void)ctr_wait_stopped(s, c, 10000, NULL);
                struct ctr_state fs;
                if (ctr_state_get(s, c, &fs, NULL) == 0) {
                        if (fs.status == CTR_EXITED && fs.exit_known)
                                code = fs.exit_code;
                        ctr_state_done(&fs);
                }
        }
        *ret_exit_code = code < 0 ? 0 : code;
        return 0;
}
