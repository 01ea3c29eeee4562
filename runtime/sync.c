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

int rt_sync_recv(int fd, struct rt_sync_msg *ret, struct err *e)
{
        ssize_t n;
        memset(ret, 0, sizeof(*ret));
        do
                n = recv(fd, ret, sizeof(*ret), 0);
        while (n < 0 && errno == EINTR);
        if (n < 0 && errno == ECONNRESET)
                n = 0;
        if (n < 0)
                return err_errno(e, "sync: receive");
        if (n == 0)
                return err_set(e, EPIPE, "sync: the other side exited");
        if ((size_t)n < offsetof(struct rt_sync_msg, text))
                return err_set(e, EPROTO, "sync: short message (%zd bytes)", n);
        ret->text[RT_SYNC_TEXT_MAX - 1] = 0;
        return 0;
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
