/* SPDX-License-Identifier: Apache-2.0 */
/* fd-recv.c: receive a file descriptor passed with SCM_RIGHTS (a console
 * socket's terminal master). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "base.h"

int fs_recv_fd(int sock, int timeout_ms, int *ret_fd, struct err *e)
{
        struct pollfd p = {.fd = sock, .events = POLLIN};
        int n;
        while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return err_errno(e, "poll");
        if (n == 0)
                return err_set(e, ETIMEDOUT, "no file descriptor came within %d ms", timeout_ms);
        char data[256];
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        ssize_t got;
        while ((got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
                ;
        if (got < 0)
                return err_errno(e, "recvmsg");
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int))) {
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
                        return 0;
                }
        }
        return err_set(e, EPROTO, "the message carried no file descriptor");
}
