/* SPDX-License-Identifier: Apache-2.0 */
/* fd-pass.c: file descriptors passed over unix sockets with SCM_RIGHTS (a
 * console socket's terminal master, the runtime's sync messages, a
 * seccomp listener's fd), and the listening sockets they come through. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base.h"

ssize_t fs_recv_with_fd(int sock, void *buf, size_t len, int *ret_fd)
{
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct iovec iov = {.iov_base = buf, .iov_len = len};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        *ret_fd = -1;
        ssize_t got;
        while ((got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
                ;
        if (got < 0)
                return -errno;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
                    c->cmsg_len == CMSG_LEN(sizeof(int)) && *ret_fd < 0)
                        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        return got;
}

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
        ssize_t got = fs_recv_with_fd(sock, data, sizeof(data), ret_fd);
        if (got < 0)
                return err_errnum(e, (int)got, "recvmsg");
        if (*ret_fd < 0)
                return err_set(e, EPROTO, "the message carried no file descriptor");
        return 0;
}

ssize_t fs_send_fd(int sock, const void *data, size_t len, int fd)
{
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        memset(&u, 0, sizeof(u));
        struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
        struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
        if (fd >= 0) {
                msg.msg_control = u.buf;
                msg.msg_controllen = sizeof(u.buf);
                struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        ssize_t n;
        while ((n = sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
                ;
        return n < 0 ? -errno : n;
}

int fs_unix_listen(const char *dir, const char *name, char **ret_path, char **ret_tmpdir,
                   struct err *e)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        _cleanup_free_ char *tmpdir = NULL;
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(sa.sun_path)) {
                tmpdir = xstrdup("/tmp/berth-sock.XXXXXX");
                if (!mkdtemp(tmpdir))
                        return err_errno(e, "mkdtemp");
                free(path);
                path = xasprintf("%s/sock", tmpdir);
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        unlink(path);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
                int ret = err_errno(e, "socket '%s'", path);
                if (tmpdir)
                        rmdir(tmpdir);
                return ret;
        }
        *ret_path = steal_pointer(&path);
        *ret_tmpdir = steal_pointer(&tmpdir);
        return TAKE_FD(fd);
}
