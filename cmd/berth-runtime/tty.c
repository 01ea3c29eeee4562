/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A console socket of our own, for `run` and `exec` in the foreground with
 * a terminal and no --console-socket: the container's init sends the pty
 * master to one end, and we proxy it to our own stdio.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "rtcli.h"

/* How long the master may take to arrive once the container exists. */
#define TTY_RECV_TIMEOUT_MS 30000

int rtcli_tty_socketpair(int *ret_ours, int *ret_theirs, struct err *e)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return err_errno(e, "console socket pair");
        *ret_ours = sv[0];
        *ret_theirs = sv[1];
        return 0;
}

int rtcli_tty_recv_master(int sock, int *ret_master, struct err *e)
{
        struct pollfd p = {.fd = sock, .events = POLLIN};
        int r;
        while ((r = poll(&p, 1, TTY_RECV_TIMEOUT_MS)) < 0 && errno == EINTR)
                ;
        if (r < 0)
                return err_errno(e, "wait for the container's terminal");
        if (r == 0)
                return err_set(e, ETIMEDOUT, "the container did not send its terminal");

        char name[256];
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        ssize_t n;
        while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return err_errno(e, "receive the container's terminal");
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (n == 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len != CMSG_LEN(sizeof(int)))
                return err_set(e, EPROTO, "the container did not send its terminal");
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
        *ret_master = fd;
        return 0;
}
