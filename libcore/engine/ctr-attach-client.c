/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The client side of the monitor's attach socket (monitor.h): relay the
 * container's output to this process's stdout/stderr and, with stdin,
 * the terminal's input to the container, until it exits or the user types
 * the detach keys. With a tty the local terminal is raw meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>

#include "ctr-internal.h"
#include "monitor.h"

#define DETACH_MAX 32

int ctr_detach_keys_parse(const char *s, unsigned char *ret, size_t *ret_n, struct err *e)
{
        size_t n = 0;
        _cleanup_strv_ char **parts = strv_split(s, ",");
        for (char **p = parts; p && *p; p++) {
                const char *k = *p;
                unsigned char c;
                if (strlen(k) == 1) {
                        c = (unsigned char)k[0];
                } else if (str_has_prefix(k, "ctrl-") && strlen(k) == 6) {
                        char x = k[5];
                        if (x >= 'a' && x <= 'z')
                                c = (unsigned char)(x - 'a' + 1);
                        else if (x == '@')
                                c = 0;
                        else if (x == '[' || x == '\\' || x == ']' || x == '^' || x == '_')
                                c = (unsigned char)(x - '[' + 27);
                        else
                                return err_set(e, EINVAL,
                                               "invalid detach keys \"%s\": unknown "
                                               "character '%s'",
                                               s, k);
                } else {
                        return err_set(e, EINVAL, "invalid detach keys \"%s\": unknown key '%s'", s,
                                       k);
                }
                if (n >= DETACH_MAX)
                        return err_set(e, EINVAL, "invalid detach keys \"%s\": too long", s);
                ret[n++] = c;
        }
        if (n == 0)
                return err_set(e, EINVAL, "invalid detach keys \"%s\"", s);
        *ret_n = n;
        return 0;
}

int ctr_attach_connect(const struct ctr *c, struct err *e)
{
        _cleanup_close_ int dfd = open(c->rdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return err_errno(e, "open '%s'", c->rdir);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/attach", dfd);
        for (unsigned i = 0;; i++) {
                int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
                if (fd < 0)
                        return err_errno(e, "socket");
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
                        return fd;
                int err = errno;
                close(fd);
                /* The monitor makes the socket before it reports "created";
                 * a short grace covers a monitor that is a little behind. */
                if ((err == ENOENT || err == ECONNREFUSED) && i < 100) {
                        struct timespec d = {0, 10 * 1000000L};
                        nanosleep(&d, NULL);
                        continue;
                }
                return err_errnum(e, err, "attaching to container %s: connect '%s/attach'", c->name,
                                  c->rdir);
        }
}

static int send_pkt(int fd, unsigned char type, const void *data, size_t len)
{
        unsigned char buf[MONITOR_PKT_MAX];
        if (len > sizeof(buf) - 1)
                len = sizeof(buf) - 1;
        buf[0] = type;
        if (len)
                memcpy(buf + 1, data, len);
        for (;;) {
                ssize_t n = send(fd, buf, len + 1, MSG_NOSIGNAL);
                if (n >= 0)
                        return 0;
                if (errno != EINTR)
                        return -errno;
        }
}

static void send_resize(int fd)
{
        struct winsize ws;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
                return;
        char b[32];
        int n = snprintf(b, sizeof(b), "%u %u", ws.ws_row, ws.ws_col);
        (void)send_pkt(fd, MONITOR_PKT_RESIZE, b, (size_t)n);
}

/* Send stdin data in packets of at most MONITOR_PKT_MAX - 1 bytes. */
static int send_stdin(int fd, const unsigned char *p, size_t n)
{
        while (n) {
                size_t k = n > MONITOR_PKT_MAX - 1 ? MONITOR_PKT_MAX - 1 : n;
                int r = send_pkt(fd, MONITOR_PKT_STDIN, p, k);
                if (r < 0)
                        return r;
                p += k;
                n -= k;
        }
        return 0;
}

size_t ctr_detach_filter(const unsigned char *keys, size_t nkeys, size_t *matched,
                         const unsigned char *in, size_t n, unsigned char *out, bool *ret_detached)
{
        size_t on = 0;
        for (size_t i = 0; i < n; i++) {
                if (nkeys && in[i] == keys[*matched]) {
                        if (++*matched == nkeys) {
                                *ret_detached = true;
                                break;
                        }
                        continue;
                }
                if (*matched) {
                        /* a broken sequence: its held-back bytes go out */
                        memcpy(out + on, keys, *matched);
                        on += *matched;
                        *matched = 0;
                        if (nkeys && in[i] == keys[0]) {
                                *matched = 1;
                                continue;
                        }
                }
                out[on++] = in[i];
        }
        return on;
}

int ctr_attach_relay(int fd, const struct ctr_attach_opts *o, int *ret_exit_code,
                     bool *ret_detached, struct err *e)
{
        unsigned char keys[DETACH_MAX];
        size_t nkeys = 0, matched = 0;
        if (o->stdin && o->detach_keys && *o->detach_keys &&
            ctr_detach_keys_parse(o->detach_keys, keys, &nkeys, e) < 0)
                return -EINVAL;
        bool raw = false;
        struct termios saved;
        if (o->tty && o->stdin && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
                struct termios t = saved;
                cfmakeraw(&t);
                t.c_oflag = saved.c_oflag; /* keep output processing as podman does */
                raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        }
        _cleanup_close_ int sfd = -1;
        sigset_t sigs, old;
        sigemptyset(&sigs);
        bool want_winch = o->tty && isatty(STDIN_FILENO);
        if (want_winch)
                sigaddset(&sigs, SIGWINCH);
        static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
        for (size_t i = 0; o->proxy && i < ARRAY_SIZE(proxied); i++)
                sigaddset(&sigs, proxied[i]);
        bool blocked = false;
        if (want_winch || o->proxy) {
                blocked = sigprocmask(SIG_BLOCK, &sigs, &old) == 0;
                sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
        }
        if (want_winch)
                send_resize(fd);
        bool in_open = o->stdin;
        int exit_code = -1;
        bool detached = false;
        unsigned char buf[MONITOR_PKT_MAX + 1];
        for (;;) {
                struct pollfd p[3] = {{.fd = fd, .events = POLLIN},
                                      {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
                                      {.fd = sfd, .events = POLLIN}};
                int n = poll(p, 3, -1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                if (p[2].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                                if ((int)si.ssi_signo == SIGWINCH)
                                        send_resize(fd);
                                else if (o->proxy)
                                        o->proxy((int)si.ssi_signo, o->proxy_data);
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ssize_t k = recv(fd, buf, sizeof(buf) - 1, 0);
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                break;
                        if (buf[0] == MONITOR_PKT_STDOUT)
                                (void)fs_write_all(STDOUT_FILENO, (char *)buf + 1, (size_t)k - 1);
                        else if (buf[0] == MONITOR_PKT_STDERR)
                                (void)fs_write_all(STDERR_FILENO, (char *)buf + 1, (size_t)k - 1);
                        else if (buf[0] == MONITOR_PKT_EXIT) {
                                buf[k] = 0;
                                int64_t v;
                                if (str_to_int64((char *)buf + 1, &v) == 0 && v >= 0 && v < 256)
                                        exit_code = (int)v;
                                break;
                        }
                }
                if (in_open && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                        ssize_t k = read(STDIN_FILENO, buf, MONITOR_PKT_MAX - 1);
                        if (k < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (k <= 0) {
                                in_open = false;
                                (void)send_pkt(fd, MONITOR_PKT_STDIN_EOF, NULL, 0);
                                continue;
                        }
                        /* Held-back bytes of a partial detach sequence go out
                         * when the sequence breaks. */
                        unsigned char out[MONITOR_PKT_MAX + DETACH_MAX];
                        size_t on = ctr_detach_filter(keys, nkeys, &matched, buf, (size_t)k, out,
                                                      &detached);
                        if (on && send_stdin(fd, out, on) < 0)
                                in_open = false;
                        if (detached)
                                break;
                }
        }
        if (raw)
                (void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        if (blocked)
                sigprocmask(SIG_SETMASK, &old, NULL);
        *ret_exit_code = exit_code;
        *ret_detached = detached;
        return 0;
}
