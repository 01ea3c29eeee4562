/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI hooks: each one is a program run with the container's state JSON on
 * its stdin, in order, the first failure stopping the list.
 *
 * This runs in the runtime's process and in the container's init (the
 * createContainer and startContainer hooks), so it uses no threads: one
 * poll loop feeds stdin, collects the hook's output and waits for its exit
 * through a pidfd, with the hook's timeout as the deadline. The output
 * (stdout and stderr together) is not shown: like runc, it goes into the
 * error message when the hook fails, which is where a user looks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rt-internal.h"

/* How much of a failing hook's output the error message keeps. */
#define HOOK_OUTPUT_MAX 4096
/* Without pidfd_open (kernels before 5.3) the exit is polled at this pace. */
#define HOOK_POLL_TICK_MS 50

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* A pidfd for our own unreaped child, or -1 when the kernel has none. */
static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
        long fd = syscall(SYS_pidfd_open, pid, 0);
        if (fd >= 0) {
                (void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
                return (int)fd;
        }
#endif
        return -1;
}

/* Make every fd from 3 up close on exec: a hook run from the container's
 * init must not inherit the preserved fds or anything else left open. */
static void cloexec_from_3(void)
{
#ifdef SYS_close_range
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return;
#endif
        long max = sysconf(_SC_OPEN_MAX);
        if (max < 0 || max > 65536)
                max = 65536;
        for (int fd = 3; fd < max; fd++)
                (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* The forked hook: stdio onto the pipes, a clean signal state, execve.
 * An exec failure is reported as the errno through errfd. */
_noreturn_ static void hook_child(const struct rt_hook *h, int in_r, int out_w, int errfd)
{
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)signal(sig, SIG_DFL);

        /* Move the pipes above 2 first, so no dup2 below clobbers another. */
        in_r = fcntl(in_r, F_DUPFD_CLOEXEC, 3);
        out_w = fcntl(out_w, F_DUPFD_CLOEXEC, 3);
        if (in_r < 0 || out_w < 0 || dup2(in_r, STDIN_FILENO) < 0 ||
            dup2(out_w, STDOUT_FILENO) < 0 || dup2(out_w, STDERR_FILENO) < 0)
                goto fail;
        cloexec_from_3();

        char *argv0[] = {h->path, NULL};
        char *noenv[] = {NULL};
        execve(h->path, h->args ? h->args : argv0, h->env ? h->env : noenv);
fail:;
        int err = errno;
        (void)!write(errfd, &err, sizeof(err));
        _exit(127);
}

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void reap(pid_t pid, int *ret_status)
{
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (ret_status)
                *ret_status = status;
}

/* Collect what is readable now into out (bounded); false at EOF or error. */
static bool read_output(int fd, struct sbuf *out)
{
        char buf[4096];
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN;
                if (n == 0)
                        return false;
                if (out->len < HOOK_OUTPUT_MAX)
                        sbuf_append_len(out, buf,
                                        (size_t)n < HOOK_OUTPUT_MAX - out->len
                                                ? (size_t)n
                                                : HOOK_OUTPUT_MAX - out->len);
        }
}

struct hook_io {
        int in_w, out_r, pidfd;
        const char *input;
        size_t input_len, written;
        struct sbuf output;
};

/* Feed stdin, gather output and wait for the exit, until the deadline
 * (deadline_ms < 0: none). Returns 0 with *ret_status, or -ETIME after
 * the hook was killed for its timeout, or another negative errno. */
static int hook_wait(pid_t pid, struct hook_io *io, int64_t deadline_ms, int *ret_status,
                     struct err *e)
{
        for (;;) {
                int status;
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w == pid) {
                        if (io->out_r >= 0)
                                (void)read_output(io->out_r, &io->output);
                        *ret_status = status;
                        return 0;
                }
                if (w < 0 && errno != EINTR)
                        return err_errno(e, "waitpid");

                int timeout = -1;
                if (deadline_ms >= 0) {
                        int64_t left = deadline_ms - now_ms();
                        if (left <= 0) {
                                kill(pid, SIGKILL);
                                reap(pid, NULL);
                                return -ETIME;
                        }
                        timeout = left > INT_MAX ? INT_MAX : (int)left;
                }
                if (io->pidfd < 0 && (timeout < 0 || timeout > HOOK_POLL_TICK_MS))
                        timeout = HOOK_POLL_TICK_MS;

                struct pollfd p[3];
                nfds_t np = 0;
                int i_in = -1, i_out = -1;
                if (io->in_w >= 0) {
                        i_in = (int)np;
                        p[np++] = (struct pollfd){.fd = io->in_w, .events = POLLOUT};
                }
                if (io->out_r >= 0) {
                        i_out = (int)np;
                        p[np++] = (struct pollfd){.fd = io->out_r, .events = POLLIN};
                }
                if (io->pidfd >= 0)
                        p[np++] = (struct pollfd){.fd = io->pidfd, .events = POLLIN};
                if (poll(p, np, timeout) < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "poll");
                }
                if (i_in >= 0 && p[i_in].revents) {
                        ssize_t n = write(io->in_w, io->input + io->written,
                                          io->input_len - io->written);
                        if (n > 0)
                                io->written += (size_t)n;
                        /* EPIPE: the hook does not read its stdin, which is its right. */
                        if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
                            io->written == io->input_len) {
                                close(io->in_w);
                                io->in_w = -1;
                        }
                }
                if (i_out >= 0 && p[i_out].revents && !read_output(io->out_r, &io->output)) {
                        close(io->out_r);
                        io->out_r = -1;
                }
        }
}

/* Allocates: " (output: \"...\")" when the hook said something. */
static char *output_suffix(const struct sbuf *out)
{
        if (out->len == 0)
                return xstrdup("");
        _cleanup_free_ char *text = xstrndup(out->buf, out->len);
        size_t l = strlen(text);
        while (l > 0 && (text[l - 1] == '\n' || text[l - 1] == '\r'))
                text[--l] = '\0';
        _cleanup_free_ char *q = rt_quote(text);
        return xasprintf(" (output: \"%s\")", q);
}

static int hook_run(const struct rt_hook *h, const char *input, size_t input_len, struct err *e)
{
        int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
                int r = err_errno(e, "pipe");
                for (int i = 0; i < 2; i++) {
                        closep(&in[i]);
                        closep(&out[i]);
                        closep(&errp[i]);
                }
                return r;
        }
        _cleanup_close_ int in_w = in[1], out_r = out[0], err_r = errp[0];

        pid_t pid = fork();
        if (pid < 0) {
                int r = err_errno(e, "fork");
                close(in[0]);
                close(out[1]);
                close(errp[1]);
                return r;
        }
        if (pid == 0)
                hook_child(h, in[0], out[1], errp[1]);
        close(in[0]);
        close(out[1]);
        close(errp[1]);

        /* The exec either happened (EOF) or failed (an errno arrives). */
        int child_errno = 0;
        ssize_t n;
        while ((n = read(err_r, &child_errno, sizeof(child_errno))) < 0 && errno == EINTR)
                ;
        if (n == (ssize_t)sizeof(child_errno)) {
                reap(pid, NULL);
                return err_errnum(e, child_errno, "exec");
        }

        int64_t deadline = h->timeout > 0 ? now_ms() + (int64_t)h->timeout * 1000 : -1;
        struct hook_io io = {
                .in_w = TAKE_FD(in_w),
                .out_r = TAKE_FD(out_r),
                .pidfd = pidfd_open_compat(pid),
                .input = input,
                .input_len = input_len,
        };
        if (io.input_len == 0) {
                close(io.in_w);
                io.in_w = -1;
        } else {
                (void)fcntl(io.in_w, F_SETFL, O_NONBLOCK);
        }
        (void)fcntl(io.out_r, F_SETFL, O_NONBLOCK);

        int status = 0;
        int r = hook_wait(pid, &io, deadline, &status, e);
        closep(&io.in_w);
        closep(&io.out_r);
        closep(&io.pidfd);
        _cleanup_free_ char *said = output_suffix(&io.output);
        sbuf_done(&io.output);
        if (r == -ETIME)
                return err_set(e, ETIME, "timed out after %d s%s", h->timeout, said);
        if (r < 0)
                return r;
        if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
                return err_set(e, EIO, "exit status %d%s", WEXITSTATUS(status), said);
        if (WIFSIGNALED(status))
                return err_set(e, EIO, "killed by signal %d%s", WTERMSIG(status), said);
        return 0;
}

int rt_hooks_run(enum rt_hook_kind kind, const struct rt_hook *hooks, size_t n,
                 const struct json *state, struct err *e)
{
        if (n == 0)
                return 0;
        _cleanup_free_ char *input = state ? json_generate(state, 0) : xstrdup("");
        size_t input_len = strlen(input);
        const char *name = rt_hook_kind_to_string(kind);

        /* A hook that exits without reading its stdin must give EPIPE, not
         * kill us: hold SIGPIPE blocked and swallow the one we caused. */
        sigset_t pipe_set, old, pending;
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        sigprocmask(SIG_BLOCK, &pipe_set, &old);
        sigpending(&pending);
        bool was_pending = sigismember(&pending, SIGPIPE);

        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                r = hook_run(&hooks[i], input, input_len, e);
                if (r < 0) {
                        _cleanup_free_ char *q = rt_quote(hooks[i].path);
                        err_wrap(e, "%s hook %s", name ? name : "unknown", q);
                }
        }

        sigpending(&pending);
        if (!was_pending && sigismember(&pending, SIGPIPE) && !sigismember(&old, SIGPIPE)) {
                const struct timespec zero = {0, 0};
                (void)sigtimedwait(&pipe_set, NULL, &zero);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}
