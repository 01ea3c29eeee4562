/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating, starting and deleting the container: through the runtime
 * library (create in a forked helper whose init becomes ours, start and
 * delete in-process), or with --runtime PATH through an external runc-compatible runtime
 * (`PATH --root DIR create --bundle G --pid-file R/pidfile
 * [--console-socket SOCK] ID`, `start ID`, `delete --force ID`), whose init
 * becomes our child when the runtime exits since we are a subreaper.
 *
 * With a tty the container's pty master comes over a console socket: a
 * socketpair handed to rt_create, or a listening socket whose path the
 * external runtime connects to.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "mon-internal.h"

#define RECV_FD_WAIT_MS 10000
#define RT_ERR_MAX 4096

int mon_rt_init(struct mon_rt *r, struct err *e)
{
        if (r->runtime)
                return 0;
        if (rt_ctx_init(&r->ctx, r->runtime_root, -1, false, e) < 0)
                return err_wrap(e, "runtime");
        r->ctx_ready = true;
        return 0;
}

void mon_rt_done(struct mon_rt *r)
{
        if (r->helper_sock >= 0)
                close(r->helper_sock); /* at EOF the helper exits */
        r->helper_sock = -1;
        if (r->ctx_ready)
                rt_ctx_done(&r->ctx);
        r->ctx_ready = false;
        rt_spec_free(r->spec);
        r->spec = NULL;
}

/* The runtime library's create, in the helper: the init's pid, and for a
 * tty the pty master in *ret_master. */
static int create_in_process(struct mon_rt *r, const struct mon_io *io, pid_t *ret_pid,
                             int *ret_master, struct err *e)
{
        _cleanup_close_ int sock = -1, peer = -1;
        struct rt_spec *spec = NULL;
        if (rt_spec_load(r->bundle, &spec, e) < 0)
                return -EINVAL;
        struct rt_create_opts o = {.bundle = r->bundle, .io = {.console_socket_fd = -1}};
        mon_io_child_fds(io, o.io.stdio);
        if (io->tty) {
                int sp[2];
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
                        rt_spec_free(spec);
                        return err_errno(e, "socketpair");
                }
                sock = sp[0];
                peer = sp[1];
                o.io.console_socket_fd = peer;
        }
        pid_t pid;
        int ret = rt_create(&r->ctx, r->id, spec, &o, &pid, e);
        rt_spec_free(spec);
        if (ret < 0)
                return ret;
        if (io->tty) {
                close(TAKE_FD(peer));
                if (fs_recv_fd(sock, RECV_FD_WAIT_MS, ret_master, e) < 0) {
                        err_wrap(e, "receiving the container's terminal");
                        struct err e2 = {0};
                        rt_delete(&r->ctx, r->id, true, &e2);
                        err_done(&e2);
                        return -EIO;
                }
        }
        *ret_pid = pid;
        return 0;
}

/* The helper: creates, then reports "P<pid>" (with the pty master
 * attached) or "E<message>" on sock, and exits. Forked ahead, it first
 * waits for the byte that says go; at EOF the monitor gave up. */
_noreturn_ static void helper_main(struct mon_rt *r, const struct mon_io *io, int sock, bool ahead)
{
        /* The monitor's handlers write to its self-pipe: not ours. */
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)signal(sig, SIG_DFL);
        if (ahead) {
                /* While berth makes the container: what the create would
                 * do first whatever the spec says (the net namespace if
                 * berth says one of ours comes). Without it, it does. */
                struct err pe = {0};
                if (rt_ctx_preload(&r->ctx, r->new_netns, &pe) < 0)
                        log_debug("creating ahead: %s", pe.msg);
                err_done(&pe);
        }
        char go;
        ssize_t n;
        while (ahead && (n = recv(sock, &go, 1, 0)) != 1)
                if (n == 0 || errno != EINTR)
                        _exit(0);
        struct err e = {0};
        pid_t pid = 0;
        int master = -1;
        if (create_in_process(r, io, &pid, &master, &e) < 0) {
                _cleanup_free_ char *text = xasprintf("E%s", e.msg ? e.msg : "create failed");
                (void)fs_send_fd(sock, text, strlen(text), -1);
                _exit(1);
        }
        char text[32];
        snprintf(text, sizeof(text), "P%d", (int)pid);
        (void)fs_send_fd(sock, text, strlen(text), master);
        _exit(0);
}

static int fork_helper(struct mon_rt *r, const struct mon_io *io, bool ahead, pid_t *ret_pid,
                       struct err *e)
{
        int sp[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return err_errno(e, "socketpair");
        pid_t h = fork();
        if (h < 0) {
                close(sp[0]);
                close(sp[1]);
                return err_errno(e, "fork");
        }
        if (h == 0) {
                close(sp[0]);
                helper_main(r, io, sp[1], ahead);
        }
        close(sp[1]);
        *ret_pid = h;
        return sp[0];
}

int mon_rt_fork_ahead(struct mon_rt *r, const struct mon_io *io, struct err *e)
{
        int sock = fork_helper(r, io, true, &r->helper, e);
        if (sock < 0)
                return sock;
        r->helper_sock = sock;
        return 0;
}

void mon_rt_go(struct mon_rt *r)
{
        if (r->helper_sock >= 0)
                while (send(r->helper_sock, "g", 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
                        ;
}

/* Create through the runtime library in a forked helper, as an external
 * runtime's create runs in its own process: the init is the helper's child
 * and becomes ours (we are a subreaper) when the helper exits. The monitor
 * itself then never runs the create: its heap, stack and mapped code stay
 * what its loop uses, without re-executing itself. A helper forked ahead
 * (mon_rt_fork_ahead) was told to go already. */
static int create_forked(struct mon_rt *r, struct mon_io *io, pid_t *ret_pid, struct err *e)
{
        pid_t h = r->helper;
        _cleanup_close_ int sock = r->helper_sock;
        r->helper = 0;
        r->helper_sock = -1;
        if (sock < 0 && (sock = fork_helper(r, io, false, &h, e)) < 0)
                return sock;
        char text[RT_ERR_MAX + 2];
        int master;
        /* No timeout: the helper ends when the create does, or dies (EOF). */
        ssize_t n = fs_recv_with_fd(sock, text, sizeof(text) - 1, &master);
        text[n > 0 ? n : 0] = 0;
        int64_t pid;
        /* On success the helper is left to exit on its own (the loop reaps
         * it with any other child): waiting here would add its exit to the
         * create. */
        bool made = n > 1 && text[0] == 'P' && str_to_int64(text + 1, &pid) == 0 && pid > 0 &&
                    pid <= INT32_MAX;
        int status = 0;
        while (!made && waitpid(h, &status, 0) < 0 && errno == EINTR)
                ;
        if (made) {
                if (io->tty) {
                        if (master < 0) {
                                struct err e2 = {0};
                                kill((pid_t)pid, SIGKILL);
                                rt_delete(&r->ctx, r->id, true, &e2);
                                err_done(&e2);
                                return err_set(e, EPROTO, "the container's terminal was lost");
                        }
                        mon_io_set_pty(io, master);
                }
                *ret_pid = (pid_t)pid;
                return 0;
        }
        if (master >= 0)
                close(master);
        if (n > 1 && text[0] == 'E')
                return err_set(e, EIO, "%s", text + 1);
        if (WIFSIGNALED(status))
                return err_set(e, EIO, "creating the container: the helper was killed by signal %d",
                               WTERMSIG(status));
        return err_set(e, EIO, "creating the container: the helper exited with status %d",
                       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* Fork and exec the external runtime with argv and stdio fds; wait for it.
 * Its stderr goes to errfd; returns its wait status. */
static int run_runtime(char *const *argv, const int fds[3], struct err *e)
{
        pid_t pid = fork();
        if (pid < 0)
                return err_errno(e, "fork");
        if (pid == 0) {
                sigset_t none;
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                for (int sig = 1; sig < NSIG; sig++)
                        if (sig != SIGKILL && sig != SIGSTOP)
                                (void)signal(sig, SIG_DFL);
                int tmp[3];
                for (int i = 0; i < 3; i++)
                        tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
                for (int i = 0; i < 3; i++)
                        if (tmp[i] < 0 || dup2(tmp[i], i) < 0)
                                _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0) {
                if (errno != EINTR)
                        return err_errno(e, "wait for '%s'", argv[0]);
        }
        return status;
}

/* Allocates: what the runtime wrote to the pipe read end fd (non-blocking). */
static char *read_errors(int fd)
{
        struct sbuf b = {0};
        char buf[512];
        ssize_t n;
        int fl = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
        while (b.len < RT_ERR_MAX && (n = read(fd, buf, sizeof(buf))) > 0)
                sbuf_append_len(&b, buf, (size_t)n);
        fcntl(fd, F_SETFL, fl);
        while (b.len > 0 && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == ' '))
                b.buf[--b.len] = 0;
        return b.len ? sbuf_steal(&b) : NULL;
}

/* A failed runtime run as an error: its stderr text, else its status. */
static int runtime_failed(const char *what, const char *path, int status, int errfd, struct err *e)
{
        _cleanup_free_ char *text = errfd >= 0 ? read_errors(errfd) : NULL;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !text)
                return err_set(e, ENOENT, "%s: cannot run the runtime '%s'", what, path);
        if (text)
                return err_set(e, EIO, "%s: %s", what, text);
        if (WIFSIGNALED(status))
                return err_set(e, EIO, "%s: '%s' killed by signal %d", what, path,
                               WTERMSIG(status));
        return err_set(e, EIO, "%s: '%s' exited with status %d", what, path, WEXITSTATUS(status));
}

static int read_pid_file(int dirfd, pid_t *ret, struct err *e)
{
        if (fs_read_pid(dirfd, "pidfile", ret, e) < 0)
                return err_wrap(e, "the runtime's pid file");
        return 0;
}

static int create_external(struct mon_rt *r, struct mon_io *io, pid_t *ret_pid, struct err *e)
{
        _cleanup_free_ char *pidfile = xasprintf("%s/pidfile", r->rundir);
        _cleanup_free_ char *sock_path = NULL, *tmpdir = NULL;
        _cleanup_close_ int listen_fd = -1, cap_r = -1, cap_w = -1;
        int fds[3];
        mon_io_child_fds(io, fds);
        unlinkat(r->rundir_fd, "pidfile", 0);
        char *argv[16];
        size_t n = 0;
        argv[n++] = (char *)r->runtime;
        argv[n++] = "--root";
        argv[n++] = (char *)r->runtime_root;
        argv[n++] = "create";
        argv[n++] = "--bundle";
        argv[n++] = (char *)r->bundle;
        argv[n++] = "--pid-file";
        argv[n++] = pidfile;
        if (io->tty) {
                listen_fd = fs_unix_listen(r->rundir, "console.sock", &sock_path, &tmpdir, e);
                if (listen_fd < 0)
                        return listen_fd;
                argv[n++] = "--console-socket";
                argv[n++] = sock_path;
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0)
                        return err_errno(e, "pipe");
                cap_r = p[0];
                cap_w = p[1];
                fds[2] = cap_w;
        }
        argv[n++] = (char *)r->id;
        argv[n] = NULL;
        int status = run_runtime(argv, fds, e);
        int ret = 0;
        if (status < 0)
                ret = status;
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                ret = runtime_failed("create", r->runtime, status, io->tty ? cap_r : io->err_r, e);
        pid_t pid = 0;
        if (ret == 0)
                ret = read_pid_file(r->rundir_fd, &pid, e);
        if (ret == 0 && io->tty) {
                int conn = -1, master;
                struct pollfd p = {.fd = listen_fd, .events = POLLIN};
                if (poll(&p, 1, RECV_FD_WAIT_MS) > 0)
                        conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0)
                        ret = err_set(e, EIO, "the runtime did not connect to the console socket");
                else if ((ret = fs_recv_fd(conn, RECV_FD_WAIT_MS, &master, e)) < 0)
                        err_wrap(e, "receiving the container's terminal");
                else
                        mon_io_set_pty(io, master);
                if (conn >= 0)
                        close(conn);
        }
        if (sock_path)
                unlink(sock_path);
        if (tmpdir)
                rmdir(tmpdir);
        if (ret < 0) {
                if (pid > 0) {
                        struct err e2 = {0};
                        mon_rt_delete(r, &e2);
                        err_done(&e2);
                }
                return ret;
        }
        *ret_pid = pid;
        return 0;
}

void mon_rt_abandon(struct mon_rt *r, struct mon_io *io)
{
        if (r->helper_sock < 0)
                return;
        pid_t pid;
        struct err e = {0};
        if (create_forked(r, io, &pid, &e) == 0 && mon_rt_delete(r, &e) < 0)
                log_warn("deleting the container: %s", e.msg);
        err_done(&e);
}

int mon_rt_create(struct mon_rt *r, struct mon_io *io, pid_t *ret_pid, struct err *e)
{
        int ret = r->runtime ? create_external(r, io, ret_pid, e) : create_forked(r, io, ret_pid, e);
        mon_io_after_create(io);
        return ret;
}

/* Run `runtime --root DIR <cmd> [extra] ID` with stderr captured for errors. */
static int runtime_simple(struct mon_rt *r, const char *cmd, const char *extra, struct err *e)
{
        _cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        int p[2];
        if (devnull < 0)
                return err_errno(e, "open '/dev/null'");
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        _cleanup_close_ int cap_r = p[0], cap_w = p[1];
        char *argv[8];
        size_t n = 0;
        argv[n++] = (char *)r->runtime;
        argv[n++] = "--root";
        argv[n++] = (char *)r->runtime_root;
        argv[n++] = (char *)cmd;
        if (extra)
                argv[n++] = (char *)extra;
        argv[n++] = (char *)r->id;
        argv[n] = NULL;
        int fds[3] = {devnull, devnull, cap_w};
        int status = run_runtime(argv, fds, e);
        if (status < 0)
                return status;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return runtime_failed(cmd, r->runtime, status, cap_r, e);
        return 0;
}

int mon_rt_start(struct mon_rt *r, struct err *e)
{
        if (r->runtime)
                return runtime_simple(r, "start", NULL, e);
        return rt_start(&r->ctx, r->id, e);
}

int mon_rt_delete(struct mon_rt *r, struct err *e)
{
        if (r->runtime)
                return runtime_simple(r, "delete", "--force", e);
        return rt_delete(&r->ctx, r->id, true, e);
}
