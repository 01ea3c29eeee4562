/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attach socket (monitor.h): a SOCK_SEQPACKET listener at R/attach.
 * Every client gets every output packet; what clients send (stdin, stdin
 * EOF, resize) is read by the main loop. A client that does not take its
 * packets within ATTACH_SEND_WAIT_MS is dropped rather than let it stall
 * the container's output for everyone.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "mon-internal.h"

#define ATTACH_NAME "attach"
#define ATTACH_SEND_WAIT_MS 2000
#define ATTACH_MAX_CLIENTS 64

int mon_attach_listen(struct mon_attach *a, int rundir_fd, struct err *e)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        /* R is often longer than sun_path allows: bind through the directory fd. */
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" ATTACH_NAME, rundir_fd);
        if (unlinkat(rundir_fd, ATTACH_NAME, 0) < 0 && errno != ENOENT)
                return err_errno(e, "remove the old attach socket");
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return err_errno(e, "attach socket: socket");
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return err_errno(e, "bind the attach socket");
        /* Only the owner (berth, the same user) may attach. */
        if (fchmodat(rundir_fd, ATTACH_NAME, 0600, 0) < 0)
                return err_errno(e, "chmod the attach socket");
        if (listen(fd, 16) < 0)
                return err_errno(e, "listen on the attach socket");
        a->listen_fd = TAKE_FD(fd);
        return 0;
}

void mon_attach_accept(struct mon_attach *a)
{
        for (;;) {
                int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0) {
                        if (errno != EAGAIN && errno != EINTR)
                                log_debug("attach: accept: %m");
                        if (errno == EINTR)
                                continue;
                        return;
                }
                if (a->n >= ATTACH_MAX_CLIENTS) {
                        log_debug("attach: too many clients, refusing one");
                        close(fd);
                        continue;
                }
                xgrow((void **)&a->clients, &a->cap, a->n + 1, sizeof(*a->clients));
                a->clients[a->n++].fd = fd;
        }
}

void mon_attach_drop(struct mon_attach *a, size_t i)
{
        close(a->clients[i].fd);
        a->clients[i] = a->clients[--a->n];
}

/* Send one packet, waiting (bounded) while the client's queue is full. */
static int send_packet(int fd, const struct iovec *iov)
{
        struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = 2};
        for (int waited = 0;;) {
                ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n >= 0)
                        return 0;
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN || waited >= ATTACH_SEND_WAIT_MS)
                        return -errno;
                struct pollfd p = {.fd = fd, .events = POLLOUT};
                int t = ATTACH_SEND_WAIT_MS - waited;
                if (poll(&p, 1, t) == 0)
                        waited = ATTACH_SEND_WAIT_MS;
                else
                        waited += 10; /* progress made or spurious: keep the bound */
        }
}

void mon_attach_broadcast(struct mon_attach *a, unsigned char type, const char *buf, size_t len)
{
        size_t off = 0;
        do {
                size_t n = len - off;
                if (n > MONITOR_PKT_MAX - 1)
                        n = MONITOR_PKT_MAX - 1;
                struct iovec iov[2] = {{&type, 1}, {(void *)(buf + off), n}};
                for (size_t i = 0; i < a->n;) {
                        if (send_packet(a->clients[i].fd, iov) < 0) {
                                log_debug("attach: dropping a client that does not read");
                                mon_attach_drop(a, i);
                                continue;
                        }
                        i++;
                }
                off += n;
        } while (off < len);
}

void mon_attach_send_exit(struct mon_attach *a, int exit_code)
{
        char code[16];
        int n = snprintf(code, sizeof(code), "%d", exit_code);
        mon_attach_broadcast(a, MONITOR_PKT_EXIT, code, (size_t)n);
}

void mon_attach_linger(struct mon_attach *a, int timeout_ms)
{
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (a->n > 0) {
                struct timespec t;
                clock_gettime(CLOCK_MONOTONIC, &t);
                int64_t left = timeout_ms - ((int64_t)(t.tv_sec - t0.tv_sec) * 1000 +
                                             (t.tv_nsec - t0.tv_nsec) / 1000000);
                if (left <= 0)
                        return;
                struct pollfd p[ATTACH_MAX_CLIENTS];
                for (size_t i = 0; i < a->n; i++)
                        p[i] = (struct pollfd){.fd = a->clients[i].fd, .events = POLLIN};
                int r = poll(p, a->n, (int)left);
                if (r < 0 && errno != EINTR)
                        return;
                /* From the last down: a drop swap-removes. What a client
                 * sends now (stdin) has nowhere to go. */
                for (size_t i = a->n; r > 0 && i-- > 0;) {
                        if (!p[i].revents)
                                continue;
                        char buf[MONITOR_PKT_MAX];
                        if ((p[i].revents & (POLLHUP | POLLERR)) ||
                            recv(a->clients[i].fd, buf, sizeof(buf), MSG_DONTWAIT) == 0)
                                mon_attach_drop(a, i);
                }
        }
}

void mon_attach_close(struct mon_attach *a, int rundir_fd, int exit_code)
{
        if (exit_code >= 0)
                mon_attach_send_exit(a, exit_code);
        while (a->n > 0)
                mon_attach_drop(a, a->n - 1);
        free(a->clients);
        a->clients = NULL;
        a->cap = 0;
        if (a->listen_fd >= 0) {
                close(a->listen_fd);
                a->listen_fd = -1;
                if (rundir_fd >= 0 && unlinkat(rundir_fd, ATTACH_NAME, 0) < 0 && errno != ENOENT)
                        log_debug("remove the attach socket: %m");
        }
}
