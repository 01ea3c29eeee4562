/* SPDX-License-Identifier: Apache-2.0 */
/* Lock files shared with containers/storage: OFD fcntl locks + last-writer token. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base.h"

enum { HELD_NONE = 0, HELD_READ = 1, HELD_WRITE = 2 };

int lockfile_open(const char *path, bool ro, struct lockfile **ret, struct err *e)
{
        /* A reader may only see the file; a writer creates it as
         * containers/storage does (0644; an empty file is a valid lock). */
        int fd = ro ? open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
                    : open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0)
                return err_errno(e, "open lock file '%s'", path);
        struct lockfile *l = xcalloc(1, sizeof(*l));
        l->fd = fd;
        l->path = xstrdup(path);
        l->ro = ro;
        *ret = l;
        return 0;
}

/* Whole-file OFD lock: conflicts with other OFDs and with podman's classic
 * POSIX locks on the same file, and is owned by this open file description,
 * so closing some other fd of the file does not drop it. */
static int lock_fd(int fd, short type, bool wait)
{
        struct flock fl = {
                .l_type = type,
                .l_whence = SEEK_SET,
                .l_start = 0,
                .l_len = 0,
                .l_pid = 0, /* must be 0 for OFD locks */
        };
        for (;;) {
                if (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) == 0)
                        return 0;
                if (errno == EINTR && wait)
                        continue;
                /* POSIX allows EACCES for a conflicting non-blocking lock. */
                if (errno == EACCES)
                        return -EAGAIN;
                return -errno;
        }
}

static int lockfile_take(struct lockfile *l, bool write, bool wait, struct err *e)
{
        if (write && l->ro)
                return err_set(e, EBADF, "write lock on '%s': lock file is opened read-only",
                               l->path);
        int r = lock_fd(l->fd, write ? F_WRLCK : F_RDLCK, wait);
        if (r == -EAGAIN)
                return err_set(e, EAGAIN, "%s lock on '%s': held by another process",
                               write ? "write" : "read", l->path);
        if (r < 0)
                return err_errnum(e, r, "%s lock on '%s'", write ? "write" : "read", l->path);
        l->held = write ? HELD_WRITE : HELD_READ;
        return 0;
}

int lockfile_lock(struct lockfile *l, struct err *e)
{
        return lockfile_take(l, true, true, e);
}

int lockfile_rlock(struct lockfile *l, struct err *e)
{
        return lockfile_take(l, false, true, e);
}

int lockfile_trylock(struct lockfile *l, bool write, struct err *e)
{
        return lockfile_take(l, write, false, e);
}

int lockfile_unlock(struct lockfile *l, struct err *e)
{
        if (l->held == HELD_NONE)
                return 0;
        int r = lock_fd(l->fd, F_UNLCK, false);
        if (r < 0)
                return err_errnum(e, r, "unlock '%s'", l->path);
        l->held = HELD_NONE;
        return 0;
}

void lockfile_free(struct lockfile *l)
{
        if (!l)
                return;
        /* Closing the last fd of the description releases an OFD lock too;
         * unlocking first keeps that explicit and independent of dup()s. */
        (void)lockfile_unlock(l, NULL);
        closep(&l->fd);
        free(l->path);
        free(l);
}

void lockfile_hand_over(struct lockfile *l)
{
        if (!l)
                return;
        l->held = HELD_NONE;
        lockfile_free(l);
}

int lockfile_modified(struct lockfile *l, bool *ret_modified, struct err *e)
{
        if (l->held == HELD_NONE)
                return err_set(e, ENOLCK, "checking '%s' for changes: lock not held", l->path);
        unsigned char cur[LOCK_TOKEN_SIZE];
        ssize_t n;
        do
                n = pread(l->fd, cur, sizeof(cur), 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return err_errno(e, "read lock file '%s'", l->path);

        if (n != LOCK_TOKEN_SIZE) {
                /* An empty or short file holds no token we can trust to stay
                 * put; reload every time rather than risk a stale cache. */
                l->have_token = false;
                *ret_modified = true;
                return 0;
        }
        bool modified = !l->have_token || memcmp(cur, l->last_token, LOCK_TOKEN_SIZE) != 0;
        memcpy(l->last_token, cur, LOCK_TOKEN_SIZE);
        l->have_token = true;
        *ret_modified = modified;
        return 0;
}

static void put_le(unsigned char *p, uint64_t v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                p[i] = (unsigned char)(v >> (8 * i));
}

/* Fill with random bytes; getrandom(2) is only short for interrupted large
 * reads, and the kernel pool is initialised long before berth runs. */
static int fill_random(unsigned char *p, size_t n)
{
        while (n > 0) {
                ssize_t r = getrandom(p, n, 0);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += r;
                n -= (size_t)r;
        }
        return 0;
}

int lockfile_touch(struct lockfile *l, struct err *e)
{
        if (l->held != HELD_WRITE)
                return err_set(e, ENOLCK, "updating lock file '%s': write lock not held", l->path);

        /* The counter makes two tokens from one process differ even within
         * one clock tick. It is process-wide mutable state, accepted here:
         * it only needs to be unique, and an atomic keeps threads apart. */
        static _Atomic uint64_t counter;
        unsigned char tok[LOCK_TOKEN_SIZE];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        put_le(tok, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, 8);
        put_le(tok + 8, atomic_fetch_add(&counter, 1), 8);
        put_le(tok + 16, (uint32_t)getpid(), 4);
        int r = fill_random(tok + 20, LOCK_TOKEN_SIZE - 20);
        if (r < 0)
                return err_errnum(e, r, "updating lock file '%s': getrandom", l->path);

        ssize_t n;
        do
                n = pwrite(l->fd, tok, sizeof(tok), 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return err_errno(e, "write lock file '%s'", l->path);
        if (n != LOCK_TOKEN_SIZE)
                return err_set(e, EIO, "write lock file '%s': short write (%zd of %d bytes)",
                               l->path, n, LOCK_TOKEN_SIZE);
        memcpy(l->last_token, tok, LOCK_TOKEN_SIZE);
        l->have_token = true;
        return 0;
}
