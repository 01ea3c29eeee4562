/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Stale stages and trash directories. A stage <rnd> (staging.c) or a trash
 * directory trash-<rnd> (check.c) is alive exactly while its owner holds
 * the OFD write lock on <staging root>/<rnd>.lock: the owner locks it
 * before creating its directories and unlinks it, still locked, after
 * removing them. So a lock file that a non-blocking lock attempt gets (or
 * that is missing) means the owner is dead, whatever the age of the
 * directory; a lock another process or another fd of ours holds means it
 * is alive. Directories:
 *
 *   <graphroot>/berth/staging/<rnd>.lock          the liveness lock
 *   <graphroot>/berth/staging/<rnd>/              tar-split.gz (vfs: layer/)
 *   <layer staging root>/<rnd>/layer              overlay: in the driver home
 *   <layer staging root>/trash-<rnd>/             orphans moved aside, and
 *                                                 what deletes discard
 *   <graphroot>/berth/staging/trash-<rnd>/        the same, from outside the
 *                                                 driver home (overlay)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-private.h"

DEFINE_CLEANUP_FUNC(DIR *, closedir)

/* Names of the directories under dir (no dot entries). */
static void list_dirs(const char *dir, char ***names)
{
        _cleanup_(closedirp) DIR *d = opendir(dir);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                struct stat st;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISDIR(st.st_mode))
                        continue;
                if (!strv_contains(*names, de->d_name))
                        strv_add(names, de->d_name);
        }
}

/* <root>/<name>.lock files without a directory of that name anywhere: an
 * owner killed between taking its lock and creating its directory. */
static void list_lone_locks(const char *root, char ***names)
{
        _cleanup_(closedirp) DIR *d = opendir(root);
        struct dirent *de;
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, ".lock"))
                        continue;
                _cleanup_free_ char *n = xstrndup(de->d_name, strlen(de->d_name) - 5);
                if (*n && !strv_contains(*names, n))
                        strv_add(names, n);
        }
}

void staging_rmdir_lroot(const struct store *s)
{
        _cleanup_free_ char *root = store_staging_root(s);
        _cleanup_free_ char *lroot = store_layer_staging_root(s);
        if (!STREQ(root, lroot))
                (void)rmdir(lroot); /* ENOTEMPTY while another stage lives */
}

void staging_sweep(struct store *s, bool repair, char ***ret_names, uint64_t *bytes)
{
        _cleanup_free_ char *root = store_staging_root(s);
        _cleanup_free_ char *lroot = store_layer_staging_root(s);
        bool split = !STREQ(root, lroot);
        _cleanup_strv_ char **names = NULL;
        list_dirs(root, &names);
        if (split)
                list_dirs(lroot, &names);
        size_t ndirs = strv_length(names);
        if (repair)
                list_lone_locks(root, &names);
        for (size_t i = 0; names && names[i]; i++) {
                const char *n = names[i];
                _cleanup_free_ char *lp = xasprintf("%s/%s.lock", root, n);
                _cleanup_(lockfile_freep) struct lockfile *l = NULL;
                if (repair || fs_exists(lp)) {
                        /* Creating a missing lock file is harmless: its owner,
                         * if any, would have created it before its dirs. */
                        if (lockfile_open(lp, false, &l, NULL) < 0 ||
                            lockfile_trylock(l, true, NULL) < 0)
                                continue; /* a live owner holds it */
                }
                _cleanup_free_ char *ld = xasprintf("%s/%s", lroot, n);
                _cleanup_free_ char *d = xasprintf("%s/%s", root, n);
                if (i < ndirs && ret_names)
                        strv_add(ret_names, n);
                if (!repair) {
                        uint64_t sz = storage_tree_size(AT_FDCWD, d);
                        if (split)
                                sz += storage_tree_size(AT_FDCWD, ld);
                        if (bytes)
                                *bytes += sz;
                        continue;
                }
                uint64_t freed = 0;
                struct err e = {0};
                int r = split ? storage_rm_rf(AT_FDCWD, ld, &freed, &e) : 0;
                if (r >= 0)
                        r = storage_rm_rf(AT_FDCWD, d, &freed, &e);
                if (r >= 0) {
                        /* Last, while still locked: never a dir without its lock. */
                        (void)unlink(lp);
                        log_debug("removed stale staging '%s'", n);
                } else {
                        log_debug("removing stale staging '%s': %s", n, e.msg);
                }
                err_done(&e);
                if (bytes)
                        *bytes += freed;
        }
}

int staging_mkdir(const char *lroot, const char *name, struct err *e)
{
        _cleanup_free_ char *dir = xasprintf("%s/%s", lroot, name);
        /* A concurrent sweep may rmdir an empty lroot between our mkdirs. */
        for (int attempt = 0; attempt < 8; attempt++) {
                int r = fs_mkdir_p(lroot, 0700, e);
                if (r < 0)
                        return r;
                if (mkdir(dir, 0700) == 0)
                        return 0;
                if (errno != ENOENT)
                        break;
        }
        return err_errno(e, "create staging directory '%s'", dir);
}

int staging_trash_new(struct store *s, struct staging_trash **ret, struct err *e)
{
        _cleanup_free_ char *root = store_staging_root(s);
        _cleanup_free_ char *rnd = storage_random_id();
        rnd[16] = '\0';
        struct staging_trash *t = xcalloc(1, sizeof(*t));
        t->dirfd = t->graph_dirfd = -1;
        t->root = store_layer_staging_root(s);
        t->name = xasprintf("trash-%s", rnd);
        _cleanup_free_ char *lp = xasprintf("%s/%s.lock", root, t->name);
        int r = fs_mkdir_p(root, 0700, e);
        /* A sweep may unlink a lock file it found free between our open and
         * our lock: only a lock on the file still at that path counts. */
        for (int attempt = 0; r >= 0; attempt++) {
                lockfile_free(t->lock);
                t->lock = NULL;
                r = lockfile_open(lp, false, &t->lock, e);
                if (r >= 0)
                        r = lockfile_lock(t->lock, e);
                struct stat a, b;
                if (r >= 0 && fstat(t->lock->fd, &a) == 0 && stat(lp, &b) == 0 &&
                    a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                        break;
                if (r >= 0 && attempt >= 8)
                        r = err_set(e, EAGAIN, "lock '%s': file keeps being replaced", lp);
        }
        if (r >= 0)
                r = staging_mkdir(t->root, t->name, e);
        if (r >= 0) {
                _cleanup_free_ char *dir = xasprintf("%s/%s", t->root, t->name);
                t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (t->dirfd < 0)
                        r = err_errno(e, "open '%s'", dir);
        }
        if (r < 0) {
                staging_trash_free(t, NULL);
                return r;
        }
        *ret = t;
        return 0;
}

void staging_trash_free(struct staging_trash *t, uint64_t *freed)
{
        if (!t)
                return;
        closep(&t->dirfd);
        bool graph_side = t->graph_dirfd >= 0;
        closep(&t->graph_dirfd);
        if (t->lock) {
                _cleanup_free_ char *dir = xasprintf("%s/%s", t->root, t->name);
                /* <staging root>/<name>: the lock file's path without ".lock" */
                _cleanup_free_ char *gdir = xstrndup(t->lock->path, strlen(t->lock->path) - 5);
                struct err e = {0};
                int r = storage_rm_rf(AT_FDCWD, dir, freed, &e);
                if (r >= 0 && graph_side)
                        r = storage_rm_rf(AT_FDCWD, gdir, freed, &e);
                if (r >= 0)
                        (void)unlink(t->lock->path); /* last, still locked */
                else
                        log_debug("removing '%s': %s", dir, e.msg);
                err_done(&e);
                /* The layer staging root, if it is not the staging root and
                 * nothing else is in it (staging_rmdir_lroot). */
                if (strncmp(gdir, t->root, strlen(t->root)) != 0)
                        (void)rmdir(t->root);
        }
        lockfile_free(t->lock);
        free(t->root);
        free(t->name);
        free(t);
}

/* The trash directory for a tree from the driver home (in_home) or from
 * elsewhere in the graphroot (overlay: <staging root>/<name>, made now). */
static int discard_dirfd(struct store *s, bool in_home)
{
        struct staging_trash *t = s->trash;
        if (!t && staging_trash_new(s, &s->trash, NULL) < 0)
                return -1;
        t = s->trash;
        _cleanup_free_ char *root = store_staging_root(s);
        if (in_home || STREQ(root, t->root))
                return t->dirfd;
        if (t->graph_dirfd < 0 && staging_mkdir(root, t->name, NULL) >= 0) {
                _cleanup_free_ char *dir = xasprintf("%s/%s", root, t->name);
                t->graph_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        return t->graph_dirfd;
}

int store_discard(struct store *s, int dirfd, const char *name, bool in_home, uint64_t *freed,
                  struct err *e)
{
        if (s->discarding && !freed) {
                int tfd = discard_dirfd(s, in_home);
                if (tfd >= 0 && renameat(dirfd, name, tfd, name) == 0)
                        return 0;
                if (tfd >= 0 && errno == ENOENT)
                        return 0;
                /* EXDEV (a mount between), or no trash: at once. */
        }
        return storage_rm_rf(dirfd, name, freed, e);
}

void store_trash_keep(struct store *s, const char *path)
{
        if (!s->trash || !path)
                return;
        /* The graph side, on the records' file system (overlay's side may
         * be behind a mount). */
        int fd = discard_dirfd(s, false);
        if (fd < 0)
                return;
        static unsigned seq;
        const char *base = strrchr(path, '/');
        _cleanup_free_ char *name = xasprintf("%s.%u", base ? base + 1 : path,
                                              __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
        /* Best effort: without it, the rename frees the old blocks itself. */
        if (linkat(AT_FDCWD, path, fd, name, 0) < 0)
                log_debug("keeping '%s' in the trash: %m", path);
}

void store_discard_done(struct store *s)
{
        s->discarding = false;
        if (!s->discard_background) {
                staging_trash_free(s->trash, NULL);
                s->trash = NULL;
        }
}

static int cmp_int(const void *a, const void *b)
{
        int x = *(const int *)a, y = *(const int *)b;
        return (x > y) - (x < y);
}

void store_discard_background(struct store *s)
{
        struct staging_trash *t = steal_pointer(&s->trash);
        if (!t)
                return;
        pid_t pid = fork();
        if (pid == 0) {
                (void)setsid();
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                for (int fd = 0; null >= 0 && fd < 3; fd++)
                        (void)dup2(null, fd);
                /* Nothing of the caller's kept open (a pipe someone waits
                 * to see closed): only the trash's directories and lock. */
                int keep[] = {t->dirfd, t->graph_dirfd, t->lock->fd};
                qsort(keep, ARRAY_SIZE(keep), sizeof(int), cmp_int);
                unsigned from = 3;
                for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
                        if (keep[i] < (int)from)
                                continue;
                        if ((unsigned)keep[i] > from)
                                (void)close_range(from, (unsigned)keep[i] - 1, 0);
                        from = (unsigned)keep[i] + 1;
                }
                (void)close_range(from, ~0U, 0);
                staging_trash_free(t, NULL);
                _exit(0);
        }
        if (pid < 0) {
                staging_trash_free(t, NULL);
                return;
        }
        /* The child has the lock now (the same open file description). */
        closep(&t->dirfd);
        closep(&t->graph_dirfd);
        lockfile_hand_over(t->lock);
        free(t->root);
        free(t->name);
        free(t);
}
