/* SPDX-License-Identifier: Apache-2.0 */
/* Whole-file reads, atomic replacement, mkdir -p, cache entry names. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "base.h"

#define FS_READ_DEFAULT_MAX ((size_t)64 << 20)
/* Temp names are ".tmp-<name>XXXXXX"; long names are cut so the temp name
 * still fits NAME_MAX (255). */
#define FS_TMP_NAME_KEEP 200
#define FS_TMP_ATTEMPTS 100

int fs_read_fd(int fd, const char *path, size_t max_size, char **ret_buf, size_t *ret_len,
               struct err *e)
{
        if (max_size == 0)
                max_size = FS_READ_DEFAULT_MAX;
        if (max_size > SIZE_MAX / 4)
                max_size = SIZE_MAX / 4;

        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_errno(e, "stat '%s'", path);
        if (S_ISDIR(st.st_mode))
                return err_errnum(e, EISDIR, "read '%s'", path);
        /* Refuse early when the size is known; files in /proc and pipes say 0,
         * so the read loop below enforces the bound as well. */
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_size)
                return err_set(e, EFBIG, "read '%s': file is larger than %zu bytes", path,
                               max_size);

        /* Room for the file, the read that finds its end and the NUL: a
         * file of the size fstat gave needs no second allocation. */
        size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 2 : 4096;
        if (cap > max_size + 1)
                cap = max_size + 1;
        _cleanup_free_ char *buf = xmalloc(cap);
        size_t len = 0;
        for (;;) {
                if (len + 1 >= cap) {
                        /* Room for one byte past max_size, to tell "exactly
                         * max_size" from "more". */
                        size_t want = cap > max_size / 2 ? max_size + 2 : cap * 2;
                        buf = xrealloc(buf, want);
                        cap = want;
                }
                ssize_t n = read(fd, buf + len, cap - 1 - len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "read '%s'", path);
                }
                if (n == 0)
                        break;
                size_t asked = cap - 1 - len;
                len += (size_t)n;
                if (len > max_size)
                        return err_set(e, EFBIG, "read '%s': file is larger than %zu bytes", path,
                                       max_size);
                /* A regular file read short at the size fstat gave is at
                 * its end: no read of nothing to learn it. */
                if (S_ISREG(st.st_mode) && (size_t)n < asked && len == (size_t)st.st_size)
                        break;
        }
        buf[len] = '\0';
        *ret_buf = steal_pointer(&buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int fs_read_file(int dirfd, const char *path, size_t max_size, char **ret_buf, size_t *ret_len,
                 struct err *e)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        return fs_read_fd(fd, path, max_size, ret_buf, ret_len, e);
}

int fs_read_pid(int dirfd, const char *path, pid_t *ret, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = fs_read_file(dirfd, path, 64, &buf, &len, e);
        if (r < 0)
                return r;
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
                buf[--len] = '\0';
        int64_t v;
        if (str_to_int64(buf, &v) < 0 || v <= 0 || v > INT32_MAX)
                return err_set(e, EINVAL, "'%s' holds '%s', not a pid", path, buf);
        *ret = (pid_t)v;
        return 0;
}

/* write(2), or pwrite(2) from off when off >= 0, until all is written. */
static int write_loop(int fd, const void *buf, size_t len, off_t off)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = off < 0 ? write(fd, p, len) : pwrite(fd, p, len, off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                        (void)poll(&pfd, 1, -1);
                        continue;
                }
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;
                p += n;
                len -= (size_t)n;
                if (off >= 0)
                        off += n;
        }
        return 0;
}

int fs_write_all(int fd, const void *buf, size_t len)
{
        return write_loop(fd, buf, len, -1);
}

int fs_pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
        return off < 0 ? -EINVAL : write_loop(fd, buf, len, off);
}

/* Six random characters from the portable file name set. getrandom() can
 * fail very early at boot; the clock and a stack address are then unique
 * enough, as O_EXCL catches any collision. */
static void random_suffix(char out[7])
{
        static const char chars[] =
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        unsigned char rnd[6];
        if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                uint64_t v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                             (uint64_t)(uintptr_t)&ts ^ (uint64_t)getpid();
                for (size_t i = 0; i < sizeof(rnd); i++)
                        rnd[i] = (unsigned char)(v >> (i * 8));
        }
        for (size_t i = 0; i < 6; i++)
                out[i] = chars[rnd[i] % (sizeof(chars) - 1)];
        out[6] = '\0';
}

/* How much of a replace survives a crash: VOLATILE nothing is synced;
 * INTACT the file is synced before the rename (the old or the new content
 * survives whole, which one is up to the file system); DURABLE the
 * directory too (the new content survives). */
enum { SYNC_VOLATILE, SYNC_INTACT, SYNC_DURABLE };

static int write_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                        int level, struct err *e)
{
        const char *slash = strrchr(path, '/');
        const char *name = slash ? slash + 1 : path;
        if (!*name || STREQ(name, ".") || STREQ(name, ".."))
                return err_set(e, EINVAL, "write '%s': not a file name", path);

        /* Work relative to the file's own directory: the temp file must be on
         * the same file system for rename to be atomic, and that directory is
         * the one to fsync so the rename itself is durable. */
        _cleanup_free_ char *dirpath = NULL;
        if (!slash)
                dirpath = xstrdup(".");
        else if (slash == path)
                dirpath = xstrdup("/");
        else
                dirpath = xstrndup(path, (size_t)(slash - path));
        _cleanup_close_ int dfd = openat(dirfd, dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return err_errno(e, "open directory of '%s'", path);

        size_t keep = strlen(name);
        if (keep > FS_TMP_NAME_KEEP)
                keep = FS_TMP_NAME_KEEP;
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        for (int i = 0; i < FS_TMP_ATTEMPTS; i++) {
                char sfx[7];
                random_suffix(sfx);
                free(tmp);
                tmp = xasprintf(".tmp-%.*s%s", (int)keep, name, sfx);
                /* 0600 until the content is complete: nobody should read a
                 * half-written file through a looser mode. */
                fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd >= 0 || errno != EEXIST)
                        break;
        }
        if (fd < 0)
                return err_errno(e, "create temporary file for '%s'", path);

        int r = fs_write_all(fd, buf, len);
        if (r < 0) {
                err_errnum(e, r, "write '%s'", path);
                goto fail;
        }
        /* fchmod before fsync, so the mode is as durable as the data, and
         * explicitly, so the umask does not decide the final mode. */
        if (fchmod(fd, mode & 07777) < 0) {
                r = err_errno(e, "chmod '%s'", path);
                goto fail;
        }
        if (level >= SYNC_INTACT && fsync(fd) < 0) {
                r = err_errno(e, "fsync '%s'", path);
                goto fail;
        }
        if (close(TAKE_FD(fd)) < 0) {
                r = err_errno(e, "close '%s'", path);
                goto fail;
        }
        if (renameat(dfd, tmp, dfd, name) < 0) {
                r = err_errno(e, "rename '%s' to '%s'", tmp, path);
                goto fail;
        }
        /* Some file systems cannot fsync a directory (EINVAL); the rename has
         * happened, only its durability is then up to the file system. */
        if (level >= SYNC_DURABLE && fsync(dfd) < 0 && errno != EINVAL && errno != EROFS)
                return err_errno(e, "fsync directory of '%s'", path);
        return 0;

fail:
        (void)unlinkat(dfd, tmp, 0);
        return r;
}

int fs_write_atomic(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                    struct err *e)
{
        return write_atomic(dirfd, path, buf, len, mode, SYNC_DURABLE, e);
}

int fs_write_atomic_intact(int dirfd, const char *path, const void *buf, size_t len, mode_t mode,
                           struct err *e)
{
        return write_atomic(dirfd, path, buf, len, mode, SYNC_INTACT, e);
}

int fs_write_atomic_volatile(int dirfd, const char *path, const void *buf, size_t len,
                             mode_t mode, struct err *e)
{
        return write_atomic(dirfd, path, buf, len, mode, SYNC_VOLATILE, e);
}

/* p without trailing slashes; depth bounds the recursion. Bottom-up: the
 * common case (the parent exists) is one mkdir, not one per component. An
 * existing directory (or symlink to one) is fine. */
static int mkdir_p(char *p, mode_t mode, int depth, struct err *e)
{
        int saved = 0;
        for (int attempt = 0; attempt < 8 && depth < 4096; attempt++) {
                if (mkdir(p, mode) == 0)
                        return 0;
                saved = errno;
                if (saved == ENOENT) {
                        char *slash = strrchr(p, '/');
                        if (!slash || slash == p)
                                break;
                        *slash = '\0';
                        size_t n = strlen(p);
                        while (n > 1 && p[n - 1] == '/')
                                p[--n] = '\0';
                        int r = mkdir_p(p, mode, depth + 1, e);
                        for (char *q = p + n; q <= slash; q++)
                                *q = '/';
                        if (r < 0)
                                return r;
                        continue; /* made, then perhaps removed by a racing rmdir */
                }
                struct stat st;
                if (stat(p, &st) == 0) {
                        if (S_ISDIR(st.st_mode))
                                return 0;
                        /* A read-only or permission-denied parent is fine
                         * when the directory is already there (e.g.
                         * creating "/run/x" as a user); a file is not. */
                        break;
                }
                /* There at the mkdir, gone at the stat: another process
                 * removed an empty directory (a staging root) meanwhile. */
                if (saved != EEXIST || errno != ENOENT)
                        break;
        }
        return err_errnum(e, saved == EEXIST ? ENOTDIR : saved, "mkdir '%s'", p);
}

int fs_mkdir_p(const char *path, mode_t mode, struct err *e)
{
        if (!path || !*path)
                return err_set(e, EINVAL, "mkdir: empty path");

        _cleanup_free_ char *p = xstrdup(path);
        size_t len = strlen(p);
        while (len > 1 && p[len - 1] == '/')
                p[--len] = '\0';
        return mkdir_p(p, mode, 0, e);
}

bool fs_exists(const char *path)
{
        struct stat st;
        return path && lstat(path, &st) == 0;
}

char *fs_cache_name(const void *key, size_t len)
{
        const unsigned char *k = key;
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (size_t i = 0; i < len; i++)
                h = (h ^ k[i]) * 1099511628211ULL;
        return xasprintf("%016llx-%zu", (unsigned long long)h, len);
}

void fs_cache_bound(int dirfd, size_t max)
{
        int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        if (n >= max) {
                rewinddir(d);
                while ((de = readdir(d)))
                        if (de->d_name[0] != '.')
                                (void)unlinkat(dirfd, de->d_name, 0);
        }
        closedir(d);
}
