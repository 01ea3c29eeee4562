/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `run` and `exec` without --detach: stay until the process exits, pass on
 * every signal we get (so `kill <berth-runtime pid>` reaches the
 * container), reap orphans as the subreaper, and with a terminal proxy our
 * stdio to the pty in raw mode and follow our window size.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "rtcli.h"

/* How long output still drains once the process is gone. */
#define DRAIN_MS 100

/* Signals that are not ours to pass on: unblockable or about our own faults. */
static void forward_set(sigset_t *s)
{
        static const int never[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS,
                                    SIGILL,  SIGFPE,  SIGTRAP, SIGSYS};
        sigfillset(s);
        for (size_t i = 0; i < ARRAY_SIZE(never); i++)
                sigdelset(s, never[i]);
}

void rtcli_signals_block(sigset_t *ret_old)
{
        sigset_t s;
        forward_set(&s);
        sigprocmask(SIG_BLOCK, &s, ret_old);
}

/* Copy what is readable on from to to; false at EOF or error. */
static bool pump(int from, int to)
{
        char buf[8192];
        ssize_t n;
        while ((n = read(from, buf, sizeof(buf))) < 0 && errno == EINTR)
                ;
        if (n < 0 && errno == EAGAIN)
                return true;
        if (n <= 0)
                return false;
        (void)fs_write_all(to, buf, (size_t)n);
        return true;
}

static void copy_winsize(int master)
{
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                (void)ioctl(master, TIOCSWINSZ, &ws);
}

struct fg {
        pid_t pid;
        bool exited;
        int status;
};

static void reap(struct fg *f)
{
        int st;
        pid_t w;
        while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
                if (w == f->pid) {
                        f->exited = true;
                        f->status = st;
                }
        }
}

static void handle_signals(int sfd, struct fg *f, int master)
{
        struct signalfd_siginfo si;
        while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                int sig = (int)si.ssi_signo;
                if (sig == SIGCHLD)
                        reap(f);
                else if (sig == SIGWINCH && master >= 0)
                        copy_winsize(master);
                else if (!f->exited)
                        (void)kill(f->pid, sig);
        }
}

int rtcli_foreground(pid_t pid, int master, int *ret_code, struct err *e)
{
        sigset_t set, old;
        forward_set(&set);
        sigprocmask(SIG_BLOCK, &set, &old);
        _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sfd < 0) {
                int r = err_errno(e, "signalfd");
                sigprocmask(SIG_SETMASK, &old, NULL);
                return r;
        }

        struct termios saved;
        bool raw = false;
        bool in_open = master >= 0, out_open = master >= 0;
        if (master >= 0 && isatty(STDIN_FILENO)) {
                copy_winsize(master);
                if (tcgetattr(STDIN_FILENO, &saved) == 0) {
                        struct termios t = saved;
                        cfmakeraw(&t);
                        raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
                }
        }

        struct fg f = {.pid = pid};
        reap(&f); /* it may have exited before SIGCHLD was ours to see */
        while (!f.exited) {
                struct pollfd p[3] = {
                        {.fd = sfd, .events = POLLIN},
                        {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
                        {.fd = out_open ? master : -1, .events = POLLIN},
                };
                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[0].revents)
                        handle_signals(sfd, &f, master);
                if (p[1].revents && !pump(STDIN_FILENO, master))
                        in_open = false;
                if (p[2].revents && !pump(master, STDOUT_FILENO))
                        out_open = false;
        }
        /* What the process wrote just before it exited is still in the pty. */
        while (out_open) {
                struct pollfd p = {.fd = master, .events = POLLIN};
                if (poll(&p, 1, DRAIN_MS) <= 0 || !pump(master, STDOUT_FILENO))
                        break;
        }
        if (raw)
                (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (!f.exited)
                return err_errno(e, "wait for process %d", (int)pid);
        if (WIFSIGNALED(f.status))
                *ret_code = 128 + WTERMSIG(f.status);
        else
                *ret_code = WEXITSTATUS(f.status);
        return 0;
}
