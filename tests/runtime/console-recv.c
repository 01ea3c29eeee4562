/* berth-test-console-recv: the receiving end of an OCI --console-socket, for tests.
 *
 * Usage: berth-test-console-recv SOCKET OUTPUT [INPUT]
 *
 * Listens on the unix socket SOCKET, accepts one connection, takes the pty
 * master that the runtime sends with SCM_RIGHTS, prints one line
 * `console: fd=N ptsname=/dev/pts/M` (or `console: error ...`) on stdout,
 * writes INPUT (if given) to the master, then copies everything the
 * container writes to its terminal into the file OUTPUT until the last
 * slave is closed (EIO) or 20 s pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* fail: print the error line and exit 1. */
static void fail(const char *what)
{
        printf("console: error %s: %s\n", what, strerror(errno));
        fflush(stdout);
        exit(1);
}

/* recv_fd: receive one fd sent with SCM_RIGHTS on SOCK; -1 with errno on failure. */
static int recv_fd(int sock)
{
        char data[4096];
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
        ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0)
                return -1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int fd;
                        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
                        return fd;
                }
        }
        errno = EBADMSG;
        return -1;
}

int main(int argc, char **argv)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        char pts[256];
        int lsock, conn, master, out;

        if (argc < 3 || argc > 4 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
                fprintf(stderr, "usage: berth-test-console-recv SOCKET OUTPUT [INPUT]\n");
                return 2;
        }
        strcpy(addr.sun_path, argv[1]);
        lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lsock < 0)
                fail("socket");
        /* Bind to a temporary name and rename: the socket path appears only once listening. */
        char tmp[sizeof(addr.sun_path) + 8];
        snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
        if (strlen(tmp) >= sizeof(addr.sun_path))
                fail("socket path too long");
        strcpy(addr.sun_path, tmp);
        unlink(tmp);
        if (bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
                fail("bind");
        if (listen(lsock, 1) < 0)
                fail("listen");
        if (rename(tmp, argv[1]) < 0)
                fail("rename");
        alarm(30);
        conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                fail("accept");
        master = recv_fd(conn);
        if (master < 0)
                fail("recvmsg");
        close(conn);
        close(lsock);
        unlink(argv[1]);
        if (ptsname_r(master, pts, sizeof(pts)) != 0)
                fail("ptsname (not a pty master?)");
        printf("console: fd=%d ptsname=%s\n", master, pts);
        fflush(stdout);

        out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0)
                fail("open output");
        if (argc == 4 && write(master, argv[3], strlen(argv[3])) < 0)
                fail("write input");
        alarm(0);
        for (;;) {
                struct pollfd p = {.fd = master, .events = POLLIN};
                char buf[4096];
                int r = poll(&p, 1, 20000);
                if (r <= 0)
                        break;
                ssize_t n = read(master, buf, sizeof(buf));
                if (n <= 0)
                        break; /* EIO: the container closed its terminal */
                if (write(out, buf, (size_t)n) != n)
                        fail("write output");
        }
        close(out);
        printf("console: done\n");
        return 0;
}
