/* berth-test-seccomp-agent: a seccomp notify agent (linux.seccomp.listenerPath), for tests.
 *
 * Usage: berth-test-seccomp-agent SOCKET RECORD ERRNO [SECONDS]
 *
 * Listens on the unix socket SOCKET. For each connection it reads the
 * container process state the runtime sends (one JSON object) with the notify fd
 * (SCM_RIGHTS), and appends one line to the file RECORD:
 *   state <the JSON as received>
 * or `error ...` when something is wrong (no fd, an empty message). Then it
 * answers every syscall notified on any fd it holds with -ERRNO, appending
 *   notified nr=N pid=P
 * per syscall. It exits after SECONDS (default 30) or on SIGTERM. Built
 * static like the payload, with no dependency on berth's code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 32
#define MAX_STATE 65536

static FILE *record;

/* note: append one line to RECORD, flushed at once (the test polls it). */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vfprintf(record, fmt, ap);
        va_end(ap);
        fputc('\n', record);
        fflush(record);
}

/* json_complete: whether buf holds one whole JSON object (braces balance
 * outside strings). runc keeps its end of the connection open after the
 * message (its socket is dup'ed), so EOF cannot mark the end. */
static int json_complete(const char *buf, size_t len)
{
        int depth = 0, in_str = 0, esc = 0, seen = 0;
        for (size_t i = 0; i < len; i++) {
                char c = buf[i];
                if (in_str) {
                        if (esc)
                                esc = 0;
                        else if (c == '\\')
                                esc = 1;
                        else if (c == '"')
                                in_str = 0;
                        continue;
                }
                if (c == '"')
                        in_str = 1;
                else if (c == '{') {
                        depth++;
                        seen = 1;
                } else if (c == '}')
                        depth--;
        }
        return seen && depth == 0;
}

/* take_state: read the state message and the fd of one connection; the fd or -1. */
static int take_state(int conn)
{
        static char buf[MAX_STATE + 1];
        size_t len = 0;
        int fd = -1;
        for (;;) {
                union {
                        char b[CMSG_SPACE(sizeof(int) * 4)];
                        struct cmsghdr align;
                } u;
                struct iovec iov = {.iov_base = buf + len, .iov_len = MAX_STATE - len};
                struct msghdr m = {.msg_iov = &iov,
                                   .msg_iovlen = 1,
                                   .msg_control = u.b,
                                   .msg_controllen = sizeof(u.b)};
                if (len == MAX_STATE)
                        break;
                ssize_t n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        note("error recvmsg: %s", strerror(errno));
                        break;
                }
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
                        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                                continue;
                        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < k; i++) {
                                int got;
                                memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                                if (fd < 0)
                                        fd = got;
                                else
                                        close(got);
                        }
                }
                if (n == 0)
                        break;
                len += (size_t)n;
                if (json_complete(buf, len))
                        break;
        }
        buf[len] = 0;
        for (size_t i = 0; i < len; i++)
                if (buf[i] == '\n')
                        buf[i] = ' ';
        if (len == 0)
                note("error empty state message");
        else
                note("state %s", buf);
        if (fd < 0)
                note("error no fd came with the state");
        return fd;
}

/* answer: receive one notification on fd and fail its syscall with -err; -1 when fd is done. */
static int answer(int fd, int err)
{
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;
        memset(&req, 0, sizeof(req)); /* the kernel wants it zeroed */
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
                /* ENOENT: the process died before we got to it. */
                return errno == ENOENT || errno == EINTR ? 0 : -1;
        }
        memset(&resp, 0, sizeof(resp));
        resp.id = req.id;
        resp.error = -err;
        resp.val = 0;
        resp.flags = 0;
        note("notified nr=%d pid=%u", req.data.nr, req.pid);
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
                note("error NOTIF_SEND: %s", strerror(errno));
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 4 || argc > 5) {
                fprintf(stderr, "usage: %s SOCKET RECORD ERRNO [SECONDS]\n", argv[0]);
                return 99;
        }
        int err = atoi(argv[3]);
        int secs = argc == 5 ? atoi(argv[4]) : 30;
        record = fopen(argv[2], "a");
        if (!record) {
                perror(argv[2]);
                return 1;
        }
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "socket path too long\n");
                return 1;
        }
        strcpy(sa.sun_path, argv[1]);
        int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        unlink(argv[1]);
        if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 8) < 0) {
                perror("listen");
                return 1;
        }
        struct pollfd p[MAX_FDS + 1];
        int n = 0;
        p[n++] = (struct pollfd){.fd = ls, .events = POLLIN};
        time_t end = time(NULL) + secs;
        while (time(NULL) < end) {
                int r = poll(p, (nfds_t)n, 200);
                if (r < 0 && errno != EINTR)
                        break;
                if (r <= 0)
                        continue;
                for (int i = n - 1; i >= 1; i--) {
                        if (!p[i].revents)
                                continue;
                        if ((p[i].revents & POLLIN) && answer(p[i].fd, err) == 0)
                                continue;
                        if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL | POLLIN)) {
                                /* every process under the filter is gone */
                                close(p[i].fd);
                                p[i] = p[--n];
                        }
                }
                if ((p[0].revents & POLLIN) && n <= MAX_FDS) {
                        int conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
                        if (conn < 0)
                                continue;
                        int fd = take_state(conn);
                        close(conn);
                        if (fd >= 0)
                                p[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
                }
        }
        return 0;
}
