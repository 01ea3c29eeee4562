/* SPDX-License-Identifier: Apache-2.0 */
/* Opening paths inside a directory tree (a rootfs, a layer) without leaving it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

#include "base.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* The kernel's MAXSYMLINKS: the 41st link in one resolution fails. */
#define FS_MAX_SYMLINKS 40
/* openat2 answers EAGAIN when a rename or mount raced with a ".." step. */
#define FS_OPENAT2_RETRIES 16

struct node_id {
        dev_t dev;
        ino_t ino;
};

struct walk {
        int root;              /* O_PATH fd of the root */
        int cur;               /* O_PATH fd of the directory we stand in */
        struct node_id *stack; /* ids of the directories from the root to cur */
        size_t depth, cap;     /* depth >= 1: stack[0] is the root */
        char *path;            /* what is left to resolve starts at path + pos */
        size_t pos;
        unsigned links;
};

static void walk_done(struct walk *w)
{
        closep(&w->root);
        closep(&w->cur);
        free(w->stack);
        free(w->path);
}

static int fd_node_id(int fd, struct node_id *ret)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        ret->dev = st.st_dev;
        ret->ino = st.st_ino;
        return 0;
}

static void walk_push(struct walk *w, int fd, const struct stat *st)
{
        xgrow((void **)&w->stack, &w->cap, w->depth + 1, sizeof(*w->stack));
        w->stack[w->depth++] = (struct node_id){st->st_dev, st->st_ino};
        closep(&w->cur);
        w->cur = fd;
}

static int walk_to_root(struct walk *w)
{
        int fd = fcntl(w->root, F_DUPFD_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        closep(&w->cur);
        w->cur = fd;
        w->depth = 1;
        return 0;
}

/* ".." at the root stays there. Otherwise go up and check that we arrive
 * where we came from: a different directory means the tree was changed
 * under us (a directory moved out of the root, say), and following the
 * kernel's ".." could then leave the root. Refuse with EAGAIN, as
 * openat2(RESOLVE_IN_ROOT) does for the same race. */
static int walk_dotdot(struct walk *w)
{
        if (w->depth <= 1)
                return 0;
        _cleanup_close_ int fd = openat(w->cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct node_id id = {0};
        int r = fd_node_id(fd, &id);
        if (r < 0)
                return r;
        const struct node_id *want = &w->stack[w->depth - 2];
        if (id.dev != want->dev || id.ino != want->ino)
                return -EAGAIN;
        closep(&w->cur);
        w->cur = TAKE_FD(fd);
        w->depth--;
        return 0;
}

/* /proc's magic links (fd/N, exe, cwd, root, ns/...) jump to an object
 * instead of naming a path; following one could land anywhere, so they are
 * refused like RESOLVE_NO_MAGICLINKS does. Their readlink text is an
 * absolute path or "type:[...]"; procfs's plain links ("self", "mounts",
 * "thread-self", "net") read as relative paths without a colon. */
static bool is_magic_link(int dirfd, const char *target)
{
        struct statfs sfs;
        if (fstatfs(dirfd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
                return false;
        return target[0] == '/' || strchr(target, ':') != NULL;
}

/* Replace the component just read (ending at path + end) by the link's
 * target: the rest of the path is resolved after the target. */
static int walk_follow(struct walk *w, int linkfd, const char *name, size_t end)
{
        if (++w->links > FS_MAX_SYMLINKS)
                return -ELOOP;

        char target[PATH_MAX];
        ssize_t n = readlinkat(linkfd, name, target, sizeof(target));
        /* EINVAL: it was a link a moment ago and is not any more. */
        if (n < 0)
                return errno == EINVAL ? -EAGAIN : -errno;
        if ((size_t)n >= sizeof(target))
                return -ENAMETOOLONG;
        target[n] = '\0';
        if (n == 0)
                return -ENOENT;
        if (is_magic_link(w->cur, target))
                return -ELOOP;

        char *np = xasprintf("%s%s", target, w->path + end);
        free(w->path);
        w->path = np;
        w->pos = 0;
        if (target[0] == '/')
                return walk_to_root(w);
        return 0;
}

/* Step into an intermediate component: it must be a directory, or a symlink
 * (followed: the walk goes on at its target). */
static int walk_step(struct walk *w, const char *name, size_t end)
{
        _cleanup_close_ int fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return walk_follow(w, fd, "", end);
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        walk_push(w, TAKE_FD(fd), &st);
        return 0;
}

/* Returns 1 if `name` in the current directory is a symlink now. */
static int is_symlink_at(int dirfd, const char *name)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        return S_ISLNK(st.st_mode);
}

/* Open the last component like open(2) would, with the parent being the
 * current directory. Returns 1 with *ret_fd set, 0 if a symlink was followed
 * (the walk goes on at its target), or a negative errno. */
static int walk_last(struct walk *w, const char *name, size_t end, bool trailing_slash, int flags,
                     mode_t mode, int *ret_fd)
{
        /* open(2) refuses to create "name/". */
        if ((flags & O_CREAT) && trailing_slash)
                return -EISDIR;
        /* A trailing slash follows even with O_NOFOLLOW; O_CREAT|O_EXCL never
         * follows (the link itself "exists"). */
        bool follow = trailing_slash || !(flags & O_NOFOLLOW);
        if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
                follow = false;
        int oflags = flags | O_NOFOLLOW | O_CLOEXEC | (trailing_slash ? O_DIRECTORY : 0);

        if (follow) {
                int r = is_symlink_at(w->cur, name);
                if (r < 0)
                        return r;
                if (r > 0)
                        return walk_follow(w, w->cur, name, end);
        }

        /* O_NOFOLLOW is always added: the kernel must never follow a link
         * here, a dangling one with O_CREAT least of all (that would create
         * its target outside the root). Links we want followed were handled
         * above; if one appeared since, go round again. */
        _cleanup_close_ int fd = openat(w->cur, name, oflags, mode);
        if (fd < 0) {
                int saved = -errno;
                if (follow && (saved == -ELOOP || saved == -ENOTDIR) &&
                    is_symlink_at(w->cur, name) > 0)
                        return walk_follow(w, w->cur, name, end);
                return saved;
        }
        if (follow && (flags & O_PATH)) {
                /* O_PATH|O_NOFOLLOW opens a link itself instead of failing. */
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode))
                        return walk_follow(w, w->cur, name, end);
        }
        *ret_fd = TAKE_FD(fd);
        return 1;
}

static int walk_open(int rootfd, const char *path, int flags, mode_t mode)
{
        if (!*path)
                return -ENOENT;

        _cleanup_(walk_done) struct walk w = {.root = -1, .cur = -1};
        w.root = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (w.root < 0)
                return -errno;
        struct node_id root_id = {0};
        int r = fd_node_id(w.root, &root_id);
        if (r < 0)
                return r;
        xgrow((void **)&w.stack, &w.cap, 1, sizeof(*w.stack));
        w.stack[0] = root_id;
        r = walk_to_root(&w);
        if (r < 0)
                return r;
        w.path = xstrdup(path);

        for (;;) {
                const char *p = w.path + w.pos;
                while (*p == '/')
                        p++;
                if (!*p) {
                        /* Nothing left: the result is the directory itself
                         * ("/", ".", "a/.."); the kernel decides EISDIR etc. */
                        int fd = openat(w.cur, ".", flags | O_CLOEXEC, mode);
                        return fd < 0 ? -errno : fd;
                }
                size_t len = strcspn(p, "/");
                size_t end = (size_t)(p - w.path) + len;
                const char *rest = p + len;
                while (*rest == '/')
                        rest++;
                bool last = *rest == '\0';
                bool trailing_slash = last && p[len] == '/';

                if (len > NAME_MAX)
                        return -ENAMETOOLONG;
                char name[NAME_MAX + 1];
                memcpy(name, p, len);
                name[len] = '\0';
                w.pos = end;

                if (STREQ(name, ".")) {
                        r = 0;
                } else if (STREQ(name, "..")) {
                        r = walk_dotdot(&w);
                } else if (!last) {
                        r = walk_step(&w, name, end);
                } else {
                        int fd = -1;
                        r = walk_last(&w, name, end, trailing_slash, flags, mode, &fd);
                        if (r > 0)
                                return fd;
                }
                if (r < 0)
                        return r;
        }
}

/* Name the root for messages; the fd's path is only a hint, best effort. */
static char *root_name(int rootfd)
{
        if (rootfd == AT_FDCWD)
                return xstrdup(".");
        char proc[64], buf[PATH_MAX];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", rootfd);
        ssize_t n = readlink(proc, buf, sizeof(buf) - 1);
        if (n <= 0)
                return xasprintf("fd %d", rootfd);
        buf[n] = '\0';
        return xstrdup(buf);
}

/* O_TMPFILE includes O_DIRECTORY's bit, so test for all of it. */
static bool flags_take_mode(int flags)
{
        return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

static int open_in_root_error(int rootfd, const char *path, int r, const char *op, struct err *e)
{
        if (!e)
                return r;
        _cleanup_free_ char *root = root_name(rootfd);
        return err_errnum(e, r, "%s '%s' in root '%s'", op, path, root);
}

int fs_open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode, struct err *e)
{
        int r = walk_open(rootfd, path, flags, flags_take_mode(flags) ? mode & 07777 : 0);
        if (r < 0)
                return open_in_root_error(rootfd, path, r, "open", e);
        return r;
}

int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct err *e)
{
        struct open_how how = {
                .flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
                /* openat2 refuses a mode without O_CREAT/O_TMPFILE. */
                .mode = flags_take_mode(flags) ? mode & 07777 : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int r = -EAGAIN;
        for (int i = 0; i < FS_OPENAT2_RETRIES && r == -EAGAIN; i++) {
                long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                r = fd >= 0 ? (int)fd : -errno;
        }
        if (r >= 0)
                return r;
        /* No openat2 (kernel < 5.6: ENOSYS; a smaller struct: E2BIG), or a
         * seccomp filter answering EPERM for syscalls it does not know (as
         * older container profiles do), or endless rename races: the walk
         * gives the same answer, and a genuine EPERM comes back from it too.
         * No result is cached: one failing syscall costs less than shared
         * state would. */
        if (r == -ENOSYS || r == -E2BIG || r == -EPERM || r == -EAGAIN)
                return fs_open_in_root_walk(rootfd, path, flags, mode, e);
        return open_in_root_error(rootfd, path, r, "openat2", e);
}
