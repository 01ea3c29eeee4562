/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's terminal, handed over through a console socket as runc
 * does: the container's init opens a pty from the container's own
 * /dev/ptmx (so the pty belongs to the container's devpts instance), sends
 * the master to whoever listens on --console-socket (conmon, berth's
 * monitor, a `run` in the foreground) and keeps the slave as its
 * controlling terminal and stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "rt-internal.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Connect to path; a path too long for sun_path goes through
 * /proc/self/fd/<dir>/<name>, as conmon's own long socket paths need. */
int rt_console_socket_connect(const char *path, int *ret_fd, struct err *e)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_close_ int dirfd = -1;
        if (!path || !*path)
                return err_set(e, EINVAL, "console socket: empty path");
        if (strlen(path) < sizeof(sa.sun_path)) {
                memcpy(sa.sun_path, path, strlen(path) + 1);
        } else {
                _cleanup_free_ char *d = xstrdup(path), *b = xstrdup(path);
                const char *dir = dirname(d), *base = basename(b);
                dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dirfd < 0)
                        return err_errno(e, "console socket '%s': open directory", path);
                int l = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd,
                                 base);
                if (l < 0 || (size_t)l >= sizeof(sa.sun_path))
                        return err_set(e, ENAMETOOLONG, "console socket '%s': file name too long",
                                       path);
        }
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return err_errno(e, "console socket: socket");
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return err_errno(e, "connect console socket '%s'", path);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* Send fd over the socket with name as the message body (what runc sends;
 * receivers use it at most as a label). */
static int send_fd(int sockfd, int fd, const char *name, struct err *e)
{
        ssize_t n = fs_send_fd(sockfd, name, strlen(name), fd);
        if (n < 0)
                return err_errnum(e, (int)n, "send the terminal to the console socket");
        return 0;
}

/* The slave side of master: TIOCGPTPEER opens it without a path lookup (a
 * path could be swapped under us in a hostile rootfs); older kernels fall
 * back to /dev/pts/N. */
static int open_slave(int master, const char *name, struct err *e)
{
        int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0)
                return fd;
        if (errno != EINVAL && errno != ENOTTY)
                return err_errno(e, "open the terminal's slave side");
        fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open '%s'", name);
        return fd;
}

int rt_console_setup(int sockfd, unsigned h, unsigned w, struct err *e)
{
        _cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return err_errno(e, "open '/dev/ptmx'");
        int unlock = 0;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return err_errno(e, "unlock the terminal");
        unsigned ptn = 0;
        if (ioctl(master, TIOCGPTN, &ptn) < 0)
                return err_errno(e, "terminal number");
        char name[32];
        snprintf(name, sizeof(name), "/dev/pts/%u", ptn);
        _cleanup_close_ int slave = open_slave(master, name, e);
        if (slave < 0)
                return slave;
        if (slave < 3) {
                /* dup2 onto itself would keep O_CLOEXEC: move it out of the way. */
                int moved = fcntl(slave, F_DUPFD_CLOEXEC, 3);
                if (moved < 0)
                        return err_errno(e, "dup terminal");
                close(slave);
                slave = moved;
        }
        if (h > 0 && w > 0) {
                struct winsize ws = {.ws_row = (unsigned short)h, .ws_col = (unsigned short)w};
                if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
                        return err_errno(e, "set the terminal size");
        }
        int r = send_fd(sockfd, master, name, e);
        if (r < 0)
                return r;
        closep(&master);

        /* A new session, so the pty can become its controlling terminal. */
        if (setsid() < 0 && getsid(0) != getpid())
                return err_errno(e, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return err_errno(e, "make '%s' the controlling terminal", name);
        for (int fd = 0; fd < 3; fd++)
                if (dup2(slave, fd) < 0)
                        return err_errno(e, "dup2 the terminal to fd %d", fd);
        return 0;
}
