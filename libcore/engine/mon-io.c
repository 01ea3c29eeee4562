/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's stdio as the monitor holds it.
 *
 * Without a tty, stdout and stderr are two pipes: the container gets the
 * write ends, the monitor reads the other ends (and keeps the write ends
 * too, so that a restarted container gets the same pipes). stdin is a pipe
 * with --stdin, /dev/null otherwise. With a tty, the container's terminal
 * is a pty whose master the monitor receives at create (console socket):
 * output and stdin both go through it.
 *
 * If the monitor is killed, the read ends close with it. The container
 * keeps running; a write to its stdout or stderr then fails (EPIPE, and the
 * default SIGPIPE ends a process that does not handle it, as under conmon;
 * with a tty, writes fail with EIO and the session gets SIGHUP). Output
 * written after the monitor died is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "mon-internal.h"

/* One read: the attach packet size, so a chunk is one packet. */
#define IO_CHUNK (MONITOR_PKT_MAX - 1)
/* Stdin that a client sent and the container has not read yet, at most. */
#define IO_STDIN_MAX (64 * 1024)

void mon_io_init(struct mon_io *io, bool tty, bool stdin_open)
{
        *io = (struct mon_io){
                .tty = tty,
                .stdin_open = stdin_open,
                .out_r = -1,
                .err_r = -1,
                .out_w = -1,
                .err_w = -1,
                .in_r = -1,
                .in_w = -1,
                .devnull = -1,
        };
}

static void closefd(int *fd)
{
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

static int make_pipe(int *r, int *w, struct err *e)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        *r = p[0];
        *w = p[1];
        return 0;
}

int mon_io_prepare(struct mon_io *io, struct err *e)
{
        if (io->devnull < 0) {
                io->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (io->devnull < 0)
                        return err_errno(e, "open '/dev/null'");
        }
        if (io->tty)
                return 0;
        if (io->out_r < 0) {
                if (make_pipe(&io->out_r, &io->out_w, e) < 0 ||
                    make_pipe(&io->err_r, &io->err_w, e) < 0)
                        return -EIO;
                fcntl(io->out_r, F_SETFL, O_NONBLOCK);
                fcntl(io->err_r, F_SETFL, O_NONBLOCK);
        }
        if (io->stdin_open) {
                closefd(&io->in_r);
                closefd(&io->in_w);
                free(io->pending);
                io->pending = NULL;
                io->pending_len = io->pending_off = 0;
                io->in_eof = false;
                if (make_pipe(&io->in_r, &io->in_w, e) < 0)
                        return -EIO;
                fcntl(io->in_w, F_SETFL, O_NONBLOCK);
        }
        return 0;
}

void mon_io_child_fds(const struct mon_io *io, int fds[3])
{
        if (io->tty) {
                fds[0] = fds[1] = fds[2] = io->devnull;
                return;
        }
        fds[0] = io->in_r >= 0 ? io->in_r : io->devnull;
        fds[1] = io->out_w;
        fds[2] = io->err_w;
}

void mon_io_after_create(struct mon_io *io)
{
        closefd(&io->in_r);
}

void mon_io_set_pty(struct mon_io *io, int master)
{
        closefd(&io->out_r);
        io->out_r = master;
        fcntl(master, F_SETFL, O_NONBLOCK);
}

ssize_t mon_io_pump(struct mon_io *io, int fd, struct mon_log *log, struct mon_attach *a)
{
        char buf[IO_CHUNK];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) < 0 && errno == EINTR)
                ;
        if (n < 0) {
                if (errno == EAGAIN)
                        return -EAGAIN;
                /* EIO: a pty whose slaves are all closed; like EOF */
                return 0;
        }
        if (n == 0)
                return 0;
        enum mon_stream s = fd == io->err_r ? MON_STDERR : MON_STDOUT;
        mon_log_write(log, s, buf, (size_t)n);
        mon_attach_broadcast(a, (unsigned char)s, buf, (size_t)n);
        return n;
}

void mon_io_drain(struct mon_io *io, struct mon_log *log, struct mon_attach *a)
{
        int fds[2] = {io->out_r, io->err_r};
        for (int i = 0; i < 2; i++) {
                if (fds[i] < 0)
                        continue;
                /* bounded: a process outside a pid namespace may go on writing */
                for (int k = 0; k < 1024 && mon_io_pump(io, fds[i], log, a) > 0; k++)
                        ;
        }
}

int mon_io_stdin_fd(const struct mon_io *io)
{
        if (!io->stdin_open)
                return -1;
        return io->tty ? io->out_r : io->in_w;
}

void mon_io_flush_stdin(struct mon_io *io)
{
        int fd = mon_io_stdin_fd(io);
        while (io->pending_off < io->pending_len && fd >= 0) {
                ssize_t n =
                        write(fd, io->pending + io->pending_off, io->pending_len - io->pending_off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n < 0) {
                        /* the container closed its stdin: drop what is left */
                        log_debug("writing the container's stdin: %m");
                        break;
                }
                io->pending_off += (size_t)n;
        }
        io->pending_len = io->pending_off = 0;
        if (io->in_eof && !io->tty)
                closefd(&io->in_w);
}

void mon_io_stdin(struct mon_io *io, const char *buf, size_t len)
{
        if (mon_io_stdin_fd(io) < 0 || io->in_eof)
                return;
        if (io->pending_len - io->pending_off + len > IO_STDIN_MAX) {
                log_debug("stdin: the container does not read, dropping %zu bytes", len);
                return;
        }
        if (io->pending_off > 0) {
                memmove(io->pending, io->pending + io->pending_off,
                        io->pending_len - io->pending_off);
                io->pending_len -= io->pending_off;
                io->pending_off = 0;
        }
        io->pending = xrealloc(io->pending, io->pending_len + len);
        memcpy(io->pending + io->pending_len, buf, len);
        io->pending_len += len;
        mon_io_flush_stdin(io);
}

void mon_io_stdin_eof(struct mon_io *io)
{
        /* A terminal has no EOF of its own to pass on: the client sends ^D. */
        if (io->tty || !io->stdin_open)
                return;
        io->in_eof = true;
        if (io->pending_len == io->pending_off)
                closefd(&io->in_w);
}

void mon_io_resize(struct mon_io *io, const char *buf, size_t len)
{
        if (!io->tty || io->out_r < 0)
                return;
        char text[32];
        if (len >= sizeof(text))
                return;
        memcpy(text, buf, len);
        text[len] = 0;
        unsigned rows, cols;
        char extra;
        if (sscanf(text, "%u %u%c", &rows, &cols, &extra) != 2 || rows > 0xffff || cols > 0xffff) {
                log_debug("attach: bad resize packet");
                return;
        }
        struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
        if (ioctl(io->out_r, TIOCSWINSZ, &ws) < 0)
                log_debug("resize the terminal: %m");
}

void mon_io_done(struct mon_io *io)
{
        closefd(&io->out_r);
        closefd(&io->err_r);
        closefd(&io->out_w);
        closefd(&io->err_w);
        closefd(&io->in_r);
        closefd(&io->in_w);
        closefd(&io->devnull);
        free(io->pending);
        io->pending = NULL;
}
