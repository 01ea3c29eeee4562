/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Moving bytes between a blob and an API that takes a file descriptor,
 * through a pipe and one thread (the only threads berth's image code
 * starts; DESIGN.md allows them in the transfer pipeline): the store
 * extracts a layer it reads from an fd, and writes the tar of a layer to
 * an fd, while berth's blobs are pulled with image_blob_read(). The thread
 * blocks SIGPIPE, so a consumer that stops early makes its write fail
 * with EPIPE instead of killing the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "image-internal.h"

#define PIPE_SIZE (1 << 20)
#define CHUNK (256 * 1024)

static int make_pipe(int fds[2], struct err *e)
{
        if (pipe2(fds, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        /* Fewer wake-ups per layer; best effort (capped by pipe-max-size). */
        (void)fcntl(fds[1], F_SETPIPE_SZ, PIPE_SIZE);
        return 0;
}

static void block_sigpipe(void)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* A SIGPIPE raised by our own write stays pending on this thread: take it,
 * so it does not reach the process when the thread ends. */
static void drop_sigpipe(void)
{
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        struct timespec zero = {0};
        while (sigtimedwait(&set, NULL, &zero) == SIGPIPE)
                ;
}

/* ---------------------------------------------------- blob -> fd */

struct blob_pump {
        pthread_t thread;
        struct image_blob *blob; /* borrowed */
        int wfd;
        int r;
        struct err e;
        bool started;
};

static void *pump_main(void *arg)
{
        struct blob_pump *p = arg;
        block_sigpipe();
        char *buf = xmalloc(CHUNK);
        for (;;) {
                ssize_t n = image_blob_read(p->blob, buf, CHUNK, &p->e);
                if (n <= 0) {
                        p->r = (int)n;
                        break;
                }
                int w = fs_write_all(p->wfd, buf, (size_t)n);
                if (w < 0) {
                        /* The reader stopped: its own error says why. */
                        p->r = err_errnum(&p->e, w, "writing to the consumer of the blob");
                        break;
                }
        }
        free(buf);
        close(p->wfd);
        p->wfd = -1;
        drop_sigpipe();
        return NULL;
}

int blob_pump_start(struct image_blob *b, int *ret_fd, struct blob_pump **ret, struct err *e)
{
        int fds[2];
        int r = make_pipe(fds, e);
        if (r < 0)
                return r;
        struct blob_pump *p = xcalloc(1, sizeof(*p));
        p->blob = b;
        p->wfd = fds[1];
        if ((r = pthread_create(&p->thread, NULL, pump_main, p)) != 0) {
                close(fds[0]);
                close(fds[1]);
                free(p);
                return err_errnum(e, r, "starting a transfer thread");
        }
        p->started = true;
        *ret_fd = fds[0];
        *ret = p;
        return 0;
}

int blob_pump_finish(struct blob_pump *p, struct err *e)
{
        if (!p)
                return 0;
        if (p->started)
                pthread_join(p->thread, NULL);
        int r = p->r;
        if (r < 0)
                err_move(e, &p->e);
        err_done(&p->e);
        free(p);
        return r;
}

/* ---------------------------------------------------- fd -> blob */

struct producer {
        pthread_t thread;
        int (*produce)(void *ctx, int fd, struct err *e);
        void (*free_ctx)(void *ctx);
        void *ctx;
        int wfd, rfd;
        int r;
        struct err e;
        bool joined;
};

static void *producer_main(void *arg)
{
        struct producer *p = arg;
        block_sigpipe();
        p->r = p->produce(p->ctx, p->wfd, &p->e);
        close(p->wfd);
        p->wfd = -1;
        drop_sigpipe();
        return NULL;
}

static int producer_join(struct producer *p, struct err *e)
{
        if (!p->joined) {
                pthread_join(p->thread, NULL);
                p->joined = true;
        }
        if (p->r < 0) {
                if (p->e.code)
                        return err_move(e, &p->e);
                return p->r;
        }
        return 0;
}

static ssize_t producer_read(void *ctx, void *buf, size_t len, struct err *e)
{
        struct producer *p = ctx;
        for (;;) {
                ssize_t n = read(p->rfd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_errno(e, "reading from the transfer thread");
                if (n == 0) {
                        /* The end is only good if the producer succeeded. */
                        int r = producer_join(p, e);
                        if (r < 0)
                                return r;
                }
                return n;
        }
}

static void producer_free(void *ctx)
{
        struct producer *p = ctx;
        /* Closing our end first makes a still-writing producer fail fast. */
        close(p->rfd);
        if (!p->joined)
                pthread_join(p->thread, NULL);
        err_done(&p->e);
        if (p->free_ctx)
                p->free_ctx(p->ctx);
        free(p);
}

static const struct image_blob_reader producer_reader = {
        .read = producer_read,
        .free = producer_free,
};

int image_blob_from_producer(int (*produce)(void *ctx, int fd, struct err *e), void *ctx,
                             void (*free_ctx)(void *ctx), const char *digest, int64_t size,
                             const char *name, struct image_blob **ret, struct err *e)
{
        int fds[2];
        int r = make_pipe(fds, e);
        if (r < 0)
                return r;
        struct producer *p = xcalloc(1, sizeof(*p));
        p->produce = produce;
        p->free_ctx = free_ctx;
        p->ctx = ctx;
        p->rfd = fds[0];
        p->wfd = fds[1];
        if ((r = pthread_create(&p->thread, NULL, producer_main, p)) != 0) {
                close(fds[0]);
                close(fds[1]);
                free(p);
                return err_errnum(e, r, "starting a transfer thread");
        }
        *ret = image_blob_from_reader(&producer_reader, p, digest, size, name);
        return 0;
}
