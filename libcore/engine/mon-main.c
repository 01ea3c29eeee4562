/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-monitor's life (monitor.h is the contract with berth): detach,
 * become a child subreaper, create the container (in a forked helper, see
 * mon-runtime.c), talk over the sync fd, then one poll loop until the
 * container is done for good: output to the log and the attach clients,
 * stdin from them, the init's exit, restarts, exit.json, and finally the
 * exit command.
 *
 * Signals come through a self-pipe written by handlers (not signalfd): a
 * blocked mask or an ignored disposition would be inherited by the
 * container's init, handlers are reset by its exec. SIGTERM, SIGINT,
 * SIGQUIT, SIGUSR1 and SIGUSR2 sent to the monitor go to the container's
 * init (SIGTERM and SIGINT also cancel further restarts); SIGHUP and
 * SIGPIPE are ignored (so the monitor survives its starter's terminal).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "mon-internal.h"

#define STOPPED_BY_USER "stopped-by-user"
#define RESTART_BACKOFF_MS 100
#define RESTART_BACKOFF_MAX_MS 10000
#define EXIT_COMMAND_WAIT_S 300
#define CLIENT_LINGER_S 10
#define MAX_POLL (8 + 64)

enum mon_state {
        ST_CREATED,      /* waiting for the start byte */
        ST_RUNNING,      /* started (or start failed and the init is dying) */
        ST_RESTART_WAIT, /* exited, restarting after a delay */
};

struct mon {
        struct mon_opts o;
        int rundir_fd;
        int sync_fd;
        struct mon_rt rt;
        struct mon_io io;
        struct mon_attach at;
        struct mon_log *log;
        enum mon_state state;
        pid_t pid;       /* the container's init, 0 once reaped */
        bool exited;     /* the init has exited (exit_code is valid) */
        bool no_restart; /* start failed, or the monitor was told to stop */
        int exit_code;
        int64_t restarts;
        int64_t restart_at_ms;
        char *oom_file; /* memory.oom_control or memory.events of its cgroup */
};

/* The self-pipe's write end: the one global, as a signal handler needs it. */
static int signal_pipe_w = -1;

static void on_signal(int sig)
{
        int saved = errno;
        unsigned char b = (unsigned char)sig;
        if (write(signal_pipe_w, &b, 1) < 0) {
                /* full: a wakeup is pending anyway */
        }
        errno = saved;
}

static int signals_setup(int *ret_read_fd, struct err *e)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return err_errno(e, "pipe");
        signal_pipe_w = p[1];
        static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT,  SIGQUIT,
                                   SIGHUP,  SIGPIPE, SIGUSR1, SIGUSR2};
        struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < ARRAY_SIZE(sigs); i++) {
                sa.sa_flags = SA_RESTART | (sigs[i] == SIGCHLD ? SA_NOCLDSTOP : 0);
                if (sigaction(sigs[i], &sa, NULL) < 0)
                        return err_errno(e, "sigaction");
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        *ret_read_fd = p[0];
        return 0;
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Allocates: the current time as RFC 3339 with nanoseconds. */
static char *now_rfc3339(void)
{
        int64_t sec;
        int32_t nsec;
        time_now(&sec, &nsec);
        return time_format_rfc3339(sec, nsec);
}

/* ---------------------------------------------------------------- sync fd */

static void sync_send(struct mon *m, const char *line)
{
        if (m->sync_fd < 0)
                return;
        size_t len = strlen(line), off = 0;
        while (off < len) {
                ssize_t n = send(m->sync_fd, line + off, len - off, MSG_NOSIGNAL);
                if (n < 0 && errno == ENOTSOCK)
                        n = write(m->sync_fd, line + off, len - off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        log_debug("sync fd: %m");
                        return;
                }
                off += (size_t)n;
        }
}

static void sync_error(struct mon *m, const char *msg)
{
        _cleanup_json_ struct json *j = json_new_object();
        json_object_set_string(j, "error", msg);
        _cleanup_free_ char *text = json_generate(j, JSON_GEN_NEWLINE);
        sync_send(m, text);
}

static void sync_pid(struct mon *m, const char *key, pid_t pid)
{
        char line[64];
        snprintf(line, sizeof(line), "{\"%s\":%d}\n", key, (int)pid);
        sync_send(m, line);
}

static void sync_close(struct mon *m)
{
        if (m->sync_fd >= 0)
                close(m->sync_fd);
        m->sync_fd = -1;
}

/* --wait-create: true once berth's byte came, false at EOF (or an error). */
static bool sync_wait_create(struct mon *m)
{
        char c;
        ssize_t n;
        do
                n = read(m->sync_fd, &c, 1);
        while (n < 0 && errno == EINTR);
        return n == 1;
}

/* ---------------------------------------------------------------- state files */

static void write_state_file(struct mon *m, const char *name, const char *text)
{
        struct err e = {0};
        if (fs_write_atomic_volatile(m->rundir_fd, name, text, strlen(text), 0644, &e) < 0)
                log_warn("writing %s: %s", name, e.msg);
        err_done(&e);
}

static void write_started(struct mon *m)
{
        _cleanup_free_ char *t = now_rfc3339();
        _cleanup_free_ char *text =
                xasprintf("{\"pid\":%d,\"started_at\":\"%s\",\"restarts\":%lld}\n", (int)m->pid, t,
                          (long long)m->restarts);
        write_state_file(m, "started.json", text);
}

static bool oom_killed(const struct mon *m)
{
        if (!m->oom_file)
                return false;
        _cleanup_free_ char *buf = NULL;
        if (fs_read_file(AT_FDCWD, m->oom_file, 64 * 1024, &buf, NULL, NULL) < 0)
                return false;
        const char *p = strstr(buf, "oom_kill ");
        while (p && p != buf && p[-1] != '\n')
                p = strstr(p + 1, "oom_kill ");
        return p && strtoll(p + strlen("oom_kill "), NULL, 10) > 0;
}

static void write_exit(struct mon *m, int sig)
{
        _cleanup_free_ char *t = now_rfc3339();
        _cleanup_free_ char *text = xasprintf(
                "{\"exit_code\":%d,\"signal\":%d,\"finished_at\":\"%s\",\"oom_killed\":%s,"
                "\"restarts\":%lld}\n",
                m->exit_code, sig, t, oom_killed(m) ? "true" : "false", (long long)m->restarts);
        write_state_file(m, "exit.json", text);
}

/* Remember where the container's OOM kills are counted (best effort): its
 * memory cgroup, when it has one of its own (not ours, as rootless here). */
static void find_oom_file(struct mon *m)
{
        free(m->oom_file);
        m->oom_file = NULL;
        _cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", (int)m->pid);
        _cleanup_free_ char *buf = NULL, *self = NULL;
        if (fs_read_file(AT_FDCWD, path, 64 * 1024, &buf, NULL, NULL) < 0 ||
            fs_read_file(AT_FDCWD, "/proc/self/cgroup", 64 * 1024, &self, NULL, NULL) < 0)
                return;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        const char *v1 = NULL, *v2 = NULL;
        for (size_t i = 0; lines[i]; i++) {
                char *c1 = strchr(lines[i], ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = 0;
                if (STREQ(c1 + 1, ""))
                        v2 = c2 + 1;
                else if (strstr(c1 + 1, "memory"))
                        v1 = c2 + 1;
        }
        if (v1 && !strstr(self, v1)) {
                m->oom_file = xasprintf("/sys/fs/cgroup/memory%s/memory.oom_control", v1);
        } else if (v2 && !STREQ(v2, "/") && !strstr(self, v2)) {
                const char *roots[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
                for (size_t i = 0; i < ARRAY_SIZE(roots) && !m->oom_file; i++) {
                        char *f = xasprintf("%s%s/memory.events", roots[i], v2);
                        if (access(f, R_OK) == 0)
                                m->oom_file = f;
                        else
                                free(f);
                }
        }
}

/* ---------------------------------------------------------------- lifecycle */

static int create(struct mon *m, struct err *e)
{
        /* A helper forked ahead has its stdio already. */
        if (m->rt.helper_sock < 0 && mon_io_prepare(&m->io, e) < 0)
                return -EIO;
        pid_t pid;
        if (mon_rt_create(&m->rt, &m->io, &pid, e) < 0)
                return -EIO;
        m->pid = pid;
        m->exited = false;
        return 0;
}

static void run_exit_command(struct mon *m)
{
        char **argv = m->o.exit_argv;
        if (!argv)
                return;
        pid_t pid = fork();
        if (pid < 0) {
                log_warn("exit command: fork: %m");
                return;
        }
        if (pid == 0) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                for (int sig = 1; sig < NSIG; sig++)
                        if (sig != SIGKILL && sig != SIGSTOP)
                                (void)signal(sig, SIG_DFL);
                int fd = open("/dev/null", O_RDWR);
                if (fd >= 0) {
                        dup2(fd, 0);
                        dup2(fd, 1);
                        dup2(fd, 2);
                }
                execv(argv[0], argv);
                _exit(127);
        }
        /* Bounded: a cleanup that hangs must not keep the monitor forever.
         * A pidfd wakes us the moment it exits (no polling sleeps); a kernel
         * without pidfd_open (< 5.3) gets 10 ms naps. */
        _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        int64_t deadline = now_ms() + EXIT_COMMAND_WAIT_S * 1000LL;
        for (;;) {
                int st;
                pid_t r = waitpid(pid, &st, WNOHANG);
                if (r == pid || (r < 0 && errno != EINTR))
                        return;
                int64_t left = deadline - now_ms();
                if (left <= 0)
                        break;
                if (pfd >= 0) {
                        struct pollfd p = {.fd = pfd, .events = POLLIN};
                        (void)poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
                } else {
                        struct timespec ts = {0, 10 * 1000000L};
                        nanosleep(&ts, NULL);
                }
        }
        log_warn("exit command still running after %d s; leaving it", EXIT_COMMAND_WAIT_S);
}

/* The storage removed the container's run directory (rm, run --rm). */
static bool container_removed(const struct mon *m)
{
        struct stat st;
        return fstat(m->rundir_fd, &st) == 0 && st.st_nlink == 0;
}

/* The container is done for good: clients get the exit code, its runtime
 * state goes, then the exit command runs and the monitor exits.
 *
 * Clients first: `run --rm` in the foreground removes the container on
 * receiving the code, beside this delete rather than after it. Such a
 * client keeps its end open until it is done; once every client has gone
 * (or CLIENT_LINGER_S passed), a container already removed needs no exit
 * command, and one still there (its remover was killed) gets it. */
/* Close the attach socket and remove it and monitor.pid, unless a later
 * start's monitor has taken the run directory over: it writes its pid to
 * monitor.pid before it makes its attach socket, and a stop returns, and
 * that start begins, before this monitor is done (it lingers for its
 * clients, and runs the exit command last). */
static void leave_rundir(struct mon *m)
{
        pid_t pid;
        bool ours = m->rundir_fd >= 0 &&
                    fs_read_pid(m->rundir_fd, "monitor.pid", &pid, NULL) == 0 && pid == getpid();
        mon_attach_close(&m->at, ours ? m->rundir_fd : -1, -1);
        if (ours && unlinkat(m->rundir_fd, "monitor.pid", 0) < 0 && errno != ENOENT)
                log_debug("remove monitor.pid: %m");
}

_noreturn_ static void finish(struct mon *m, bool deleted)
{
        if (m->exited)
                mon_attach_send_exit(&m->at, m->exit_code);
        struct err e = {0};
        if (!deleted && mon_rt_delete(&m->rt, &e) < 0)
                log_warn("deleting the container: %s", e.msg);
        err_done(&e);
        sync_close(m);
        mon_log_free(m->log);
        m->log = NULL;
        mon_io_done(&m->io);
        mon_rt_done(&m->rt);
        mon_attach_linger(&m->at, CLIENT_LINGER_S * 1000);
        leave_rundir(m);
        if (!container_removed(m))
                run_exit_command(m);
        _exit(0);
}

static bool stopped_by_user(const struct mon *m)
{
        return faccessat(m->rundir_fd, STOPPED_BY_USER, F_OK, 0) == 0;
}

static void on_init_exit(struct mon *m, int status)
{
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        m->pid = 0;
        m->exited = true;
        m->exit_code = sig ? 128 + sig : WEXITSTATUS(status);
        mon_io_drain(&m->io, m->log, &m->at);
        write_exit(m, sig);
        if (m->state == ST_CREATED)
                return; /* berth's start byte (or EOF) decides what follows */
        if (m->no_restart || !mon_restart_wanted(m->o.restart, m->o.restart_max, m->exit_code,
                                                 m->restarts, stopped_by_user(m)))
                finish(m, false);
        struct err e = {0};
        if (mon_rt_delete(&m->rt, &e) < 0) {
                log_warn("restart: deleting the container: %s", e.msg);
                err_done(&e);
                finish(m, true);
        }
        int64_t delay = RESTART_BACKOFF_MS << (m->restarts < 7 ? m->restarts : 7);
        if (delay > RESTART_BACKOFF_MAX_MS)
                delay = RESTART_BACKOFF_MAX_MS;
        m->restart_at_ms = now_ms() + delay;
        m->state = ST_RESTART_WAIT;
}

static void restart(struct mon *m)
{
        struct err e = {0};
        if (stopped_by_user(m) || create(m, &e) < 0) {
                if (e.msg)
                        log_warn("restart: %s", e.msg);
                err_done(&e);
                finish(m, true);
        }
        find_oom_file(m);
        if (mon_rt_start(&m->rt, &e) < 0) {
                log_warn("restart: %s", e.msg);
                err_done(&e);
                m->no_restart = true;
                kill(m->pid, SIGKILL);
                m->state = ST_RUNNING; /* its exit finishes */
                return;
        }
        m->restarts++;
        m->state = ST_RUNNING;
        write_started(m);
        malloc_trim(0);
}

static void start(struct mon *m)
{
        struct err e = {0};
        if (m->exited) {
                sync_error(m, "the container exited before it was started");
                sync_close(m);
                finish(m, false);
        }
        if (mon_rt_start(&m->rt, &e) < 0) {
                sync_error(m, e.msg);
                err_done(&e);
                sync_close(m);
                m->no_restart = true;
                kill(m->pid, SIGKILL);
                m->state = ST_RUNNING;
                return;
        }
        m->state = ST_RUNNING;
        write_started(m);
        sync_pid(m, "started", m->pid);
        sync_close(m);
        malloc_trim(0); /* what starting it parsed is freed: give the pages back */
}

static void on_sync_readable(struct mon *m)
{
        char b;
        ssize_t n;
        while ((n = read(m->sync_fd, &b, 1)) < 0 && errno == EINTR)
                ;
        if (n == 1) {
                start(m);
                return;
        }
        /* berth went away before saying start: undo the create. */
        log_debug("sync fd closed before start; deleting the container");
        sync_close(m);
        struct err e = {0};
        if (mon_rt_delete(&m->rt, &e) < 0)
                log_warn("deleting the container: %s", e.msg);
        err_done(&e);
        leave_rundir(m);
        _exit(0);
}

static void reap(struct mon *m)
{
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);
                if (p <= 0)
                        return;
                if (p == m->pid && m->pid > 0)
                        on_init_exit(m, st);
        }
}

static void on_signals(struct mon *m, int fd)
{
        unsigned char sigs[32];
        ssize_t n = read(fd, sigs, sizeof(sigs));
        bool child = false;
        for (ssize_t i = 0; i < n; i++) {
                int sig = sigs[i];
                switch (sig) {
                case SIGCHLD:
                        child = true;
                        break;
                case SIGHUP:
                case SIGPIPE:
                        break;
                default:
                        if (sig == SIGTERM || sig == SIGINT) {
                                m->no_restart = true;
                                if (m->state == ST_RESTART_WAIT)
                                        finish(m, true);
                        }
                        if (m->pid > 0 && kill(m->pid, sig) < 0)
                                log_debug("forwarding signal %d: %m", sig);
                }
        }
        if (child)
                reap(m);
}

static void on_client(struct mon *m, size_t i)
{
        char buf[MONITOR_PKT_MAX];
        ssize_t n;
        while ((n = recv(m->at.clients[i].fd, buf, sizeof(buf), MSG_DONTWAIT)) < 0 &&
               errno == EINTR)
                ;
        if (n < 0 && errno == EAGAIN)
                return;
        if (n <= 0) {
                mon_attach_drop(&m->at, i);
                return;
        }
        switch (buf[0]) {
        case MONITOR_PKT_STDIN:
                mon_io_stdin(&m->io, buf + 1, (size_t)n - 1);
                break;
        case MONITOR_PKT_STDIN_EOF:
                mon_io_stdin_eof(&m->io);
                break;
        case MONITOR_PKT_RESIZE:
                mon_io_resize(&m->io, buf + 1, (size_t)n - 1);
                break;
        default:
                log_debug("attach: unknown packet type %d", buf[0]);
        }
}

_noreturn_ static void loop(struct mon *m, int sigfd)
{
        for (;;) {
                struct pollfd p[MAX_POLL];
                int n = 0, i_sync = -1, i_listen = -1, i_out = -1, i_err = -1, i_in = -1;
                p[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
                if (m->sync_fd >= 0) {
                        i_sync = n;
                        p[n++] = (struct pollfd){.fd = m->sync_fd, .events = POLLIN};
                }
                if (m->at.listen_fd >= 0) {
                        i_listen = n;
                        p[n++] = (struct pollfd){.fd = m->at.listen_fd, .events = POLLIN};
                }
                if (m->io.out_r >= 0) {
                        i_out = n;
                        p[n++] = (struct pollfd){.fd = m->io.out_r, .events = POLLIN};
                }
                if (m->io.err_r >= 0) {
                        i_err = n;
                        p[n++] = (struct pollfd){.fd = m->io.err_r, .events = POLLIN};
                }
                int in_fd = mon_io_stdin_fd(&m->io);
                if (in_fd < 0)
                        mon_io_flush_stdin(&m->io); /* nowhere to go: drop it */
                bool pending = m->io.pending_len > m->io.pending_off;
                if (pending && in_fd >= 0) {
                        /* the pty master is already polled for input: add POLLOUT there */
                        if (in_fd == m->io.out_r && i_out >= 0) {
                                p[i_out].events |= POLLOUT;
                        } else {
                                i_in = n;
                                p[n++] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
                        }
                }
                int first_client = n;
                size_t nclients = m->at.n;
                for (size_t i = 0; i < nclients && n < MAX_POLL; i++)
                        p[n++] = (struct pollfd){.fd = m->at.clients[i].fd,
                                                 .events = pending ? 0 : POLLIN};
                int timeout = -1;
                if (m->state == ST_RESTART_WAIT) {
                        int64_t left = m->restart_at_ms - now_ms();
                        timeout = left < 0 ? 0 : (int)left;
                }
                int r = poll(p, (nfds_t)n, timeout);
                if (r < 0 && errno != EINTR) {
                        log_error("poll: %m");
                        finish(m, false);
                }
                if (r <= 0) {
                        if (m->state == ST_RESTART_WAIT && now_ms() >= m->restart_at_ms)
                                restart(m);
                        continue;
                }
                /* Output before exits: a SIGCHLD drains what is left anyway. */
                if (i_out >= 0 && (p[i_out].revents & POLLOUT))
                        mon_io_flush_stdin(&m->io);
                if (i_in >= 0 && p[i_in].revents)
                        mon_io_flush_stdin(&m->io);
                if (i_out >= 0 && (p[i_out].revents & (POLLIN | POLLHUP | POLLERR)) &&
                    mon_io_pump(&m->io, m->io.out_r, m->log, &m->at) == 0) {
                        close(m->io.out_r);
                        m->io.out_r = -1;
                }
                if (i_err >= 0 && (p[i_err].revents & (POLLIN | POLLHUP | POLLERR)) &&
                    mon_io_pump(&m->io, m->io.err_r, m->log, &m->at) == 0) {
                        close(m->io.err_r);
                        m->io.err_r = -1;
                }
                /* Clients from the last index down: a drop swap-removes. */
                for (size_t k = nclients; k-- > 0;) {
                        int idx = first_client + (int)k;
                        if (idx < n && k < m->at.n && p[idx].revents &&
                            m->at.clients[k].fd == p[idx].fd)
                                on_client(m, k);
                }
                if (i_listen >= 0 && p[i_listen].revents)
                        mon_attach_accept(&m->at);
                if (p[0].revents)
                        on_signals(m, sigfd);
                if (i_sync >= 0 && m->sync_fd >= 0 && p[i_sync].revents)
                        on_sync_readable(m);
        }
}

/* ---------------------------------------------------------------- startup */

/* Leave the starter: fork, setsid, fork again; only the grandchild
 * returns. berth starts the monitor as a session leader of its own
 * (posix_spawn with POSIX_SPAWN_SETSID, saving the two forks); the monitor
 * opens no terminal (a pty master comes over a socket), so it never gets a
 * controlling one. Anything else that starts it gets the classic detach. */
static int detach(struct err *e)
{
        if (getsid(0) == getpid())
                return 0;
        pid_t p = fork();
        if (p < 0)
                return err_errno(e, "fork");
        if (p > 0)
                _exit(0);
        if (setsid() < 0)
                return err_errno(e, "setsid");
        p = fork();
        if (p < 0)
                return err_errno(e, "fork");
        if (p > 0)
                _exit(0);
        return 0;
}

/* What needs none of the container's directories: when started ahead by
 * run, done before berth's go, down to the helper that creates the
 * container, forked to wait for it. */
static int setup_early(struct mon *m, int *ret_sigfd, struct err *e)
{
        if (detach(e) < 0)
                return -EIO;
        if (chdir("/") < 0)
                return err_errno(e, "chdir '/'");
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return err_errno(e, "PR_SET_CHILD_SUBREAPER");
        if (signals_setup(ret_sigfd, e) < 0)
                return -EIO;
        m->rt = (struct mon_rt){
                .id = m->o.id,
                .bundle = m->o.bundle,
                .runtime = m->o.runtime,
                .runtime_root = m->o.runtime_root,
                .rundir_fd = -1,
                .rundir = m->o.rundir,
                .helper_sock = -1,
                .new_netns = m->o.new_netns,
        };
        if (mon_rt_init(&m->rt, e) < 0)
                return -EIO;
        /* An external runtime's create is its own process already. */
        if (!m->rt.runtime &&
            (mon_io_prepare(&m->io, e) < 0 || mon_rt_fork_ahead(&m->rt, &m->io, e) < 0))
                return -EIO;
        return 0;
}

/* The rest, once the directories exist. The helper creates meanwhile: a
 * failure here deletes what it made. */
static int setup(struct mon *m, struct err *e)
{
        m->rundir_fd = open(m->o.rundir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (m->rundir_fd < 0)
                return err_errno(e, "open the run directory '%s'", m->o.rundir);
        m->rt.rundir_fd = m->rundir_fd;
        mon_rt_go(&m->rt);
        char pid[16];
        snprintf(pid, sizeof(pid), "%d", (int)getpid());
        int r = fs_write_atomic_volatile(m->rundir_fd, "monitor.pid", pid, strlen(pid), 0644, e);
        if (r == 0) {
                unlinkat(m->rundir_fd, "exit.json", 0);
                unlinkat(m->rundir_fd, "started.json", 0);
                r = mon_log_open(m->o.log_driver, m->o.log_path, m->o.log_max_size,
                                 m->o.log_max_file, m->o.id, &m->log, e);
        }
        if (r == 0)
                r = mon_attach_listen(&m->at, m->rundir_fd, e);
        if (r < 0) {
                mon_rt_abandon(&m->rt, &m->io);
                return -EIO;
        }
        return create(m, e) < 0 ? -EIO : 0;
}

int engine_monitor_main(int argc, char *const *argv)
{
        struct mon m = {.rundir_fd = -1, .sync_fd = -1, .at = {.listen_fd = -1}};
        struct err e = {0};
        (void)log_level_from_env();
        if (mon_opts_parse(argc - 1, argv + 1, &m.o, &e) < 0) {
                fprintf(stderr, "berth-monitor: %s\n", e.msg);
                m.sync_fd = m.o.sync_fd;
                sync_error(&m, e.msg);
                return 125;
        }
        m.sync_fd = m.o.sync_fd;
        if (fcntl(m.sync_fd, F_SETFD, FD_CLOEXEC) < 0) {
                fprintf(stderr, "berth-monitor: --sync-fd %d: %s\n", m.sync_fd, strerror(errno));
                return 125;
        }
        mon_io_init(&m.io, m.o.tty, m.o.stdin_open);
        int sigfd = -1;
        int r = setup_early(&m, &sigfd, &e);
        /* Started ahead by run: the container's directories exist once
         * berth says so. At EOF berth gave up on this start (and the
         * helper forked ahead ends with us). */
        if (r == 0 && m.o.wait_create && !sync_wait_create(&m))
                _exit(0);
        if (r < 0 || setup(&m, &e) < 0) {
                sync_error(&m, e.msg);
                sync_close(&m);
                leave_rundir(&m);
                _exit(1);
        }
        m.state = ST_CREATED;
        sync_pid(&m, "created", m.pid);
        /* While berth takes "created" in (the init waits for the start). */
        find_oom_file(&m);
        loop(&m, sigfd);
}
