/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sync channel between rt_create()/rt_exec() and the children they make.
 *
 * SOCK_SEQPACKET keeps message boundaries, so a message is one send and one
 * recv; and when every child holding the other end has exited, recv returns
 * 0, which is how the parent learns that a child died without a word (the
 * parent closes its copy of the child end right after the clone).
 */
#include <errno.h>
#include <sys/socket.h>

#include "lifecycle-internal.h"

int rt_sync_pair(int fds[2], struct err *e)
{
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return err_errno(e, "socketpair");
        return 0;
}

/* Send type, val and text (NULL: none); only the used part of text goes. */
static int sync_send_text(int fd, enum rt_sync_type type, int32_t code, int64_t val,
                          const char *text)
{
        struct rt_sync_msg m = {.type = type, .code = code, .val = val};
        size_t len = offsetof(struct rt_sync_msg, text) + 1;
        if (text) {
                size_t tl = strnlen(text, RT_SYNC_TEXT_MAX - 1);
                memcpy(m.text, text, tl);
                len += tl;
        }
        ssize_t n;
        do
                n = send(fd, &m, len, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
}

int rt_sync_send(int fd, enum rt_sync_type type, int64_t val, struct err *e)
{
        int r = sync_send_text(fd, type, 0, val, NULL);
        if (r < 0)
                return err_errnum(e, r, "sync: send");
        return 0;
}

int rt_sync_send_fd(int sock, enum rt_sync_type type, int fd, struct err *e)
{
        struct rt_sync_msg m = {.type = type};
        ssize_t n = fs_send_fd(sock, &m, offsetof(struct rt_sync_msg, text) + 1, fd);
        if (n < 0)
                return err_errnum(e, (int)n, "sync: send");
        return 0;
}

/* The fds that came with a message: the first is kept in *ret_fd, the rest
 * (a confused or hostile sender) closed. */
static void take_fds(struct msghdr *mh, int *ret_fd)
{
        *ret_fd = -1;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
                if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
                        continue;
                size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < n; i++) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                        if (*ret_fd < 0)
                                *ret_fd = fd;
                        else
                                close(fd);
                }
        }
}

/* One message, whatever its type. */
static int recv_one(int fd, struct rt_sync_msg *ret, struct err *e)
{
        ssize_t n;
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(4 * sizeof(int))];
        } c;
        struct iovec iov = {.iov_base = ret, .iov_len = offsetof(struct rt_sync_msg, fd)};
        struct msghdr mh;
        memset(ret, 0, sizeof(*ret));
        ret->fd = -1;
        do {
                memset(&c, 0, sizeof(c));
                mh = (struct msghdr){.msg_iov = &iov,
                                     .msg_iovlen = 1,
                                     .msg_control = c.buf,
                                     .msg_controllen = sizeof(c.buf)};
                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        } while (n < 0 && errno == EINTR);
        if (n < 0 && errno == ECONNRESET)
                n = 0;
        if (n < 0)
                return err_errno(e, "sync: receive");
        take_fds(&mh, &ret->fd);
        if (ret->fd >= 0 && ret->type != RT_SYNC_SECCOMP_FD) {
                close(ret->fd);
                ret->fd = -1;
        }
        if (n == 0)
                return err_set(e, EPIPE, "sync: the other side exited");
        if ((size_t)n < offsetof(struct rt_sync_msg, text)) {
                if (ret->fd >= 0)
                        close(ret->fd);
                ret->fd = -1;
                return err_set(e, EPROTO, "sync: short message (%zd bytes)", n);
        }
        ret->text[RT_SYNC_TEXT_MAX - 1] = 0;
        return 0;
}

int rt_sync_recv(int fd, struct rt_sync_msg *ret, struct err *e)
{
        for (;;) {
                int r = recv_one(fd, ret, e);
                if (r < 0 || ret->type != RT_SYNC_LOG)
                        return r;
                /* The child's sink did no level check of its own. */
                if (ret->val >= 0 && ret->val < _LOG_LEVEL_MAX &&
                    log_get_level() >= (enum log_level)ret->val)
                        log_msg((enum log_level)ret->val, "%s", ret->text);
        }
}

static void sync_log_sink(enum log_level l, const char *msg, void *data)
{
        int fd = *(const int *)data;
        if (fd >= 0)
                (void)sync_send_text(fd, RT_SYNC_LOG, 0, l, msg);
}

void rt_sync_log_to(const int *fdp)
{
        log_set_sink(sync_log_sink, (void *)fdp);
}

int rt_sync_expect(int fd, enum rt_sync_type want, struct rt_sync_msg *ret, struct err *e)
{
        struct rt_sync_msg m;
        if (rt_sync_recv(fd, &m, e) < 0)
                return -EPIPE;
        if (m.type != want)
                return err_set(e, EPROTO, "sync: expected message %d, got %u", (int)want,
                               (unsigned)m.type);
        if (ret)
                *ret = m;
        return 0;
}

_noreturn_ void rt_sync_fail(int fd, const struct err *err)
{
        const char *msg = err && err->msg ? err->msg : "unknown error";
        (void)sync_send_text(fd, RT_SYNC_ERROR, err && err->code > 0 ? err->code : EIO, 0, msg);
        _exit(1);
}
