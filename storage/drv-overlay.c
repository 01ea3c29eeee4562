/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The overlay driver (STORAGE-FORMAT §2): per-layer directories with diff/,
 * link, lower, work/, empty/ and merged/, the l/ short links, and mounts
 * built exactly as containers/storage 1.43 builds them, so that podman can
 * mount berth's layers and the other way round.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store-private.h"

#define SHORT_ID_LEN 26

/* A fresh short name: base32 (A-Z2-7) of 17 random bytes, cut to 26
 * characters, as overlay's generateID does. */
static int short_id(char out[SHORT_ID_LEN + 1], struct err *e)
{
        static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        unsigned char b[17];
        int r = storage_random_bytes(b, sizeof(b), e);
        if (r < 0)
                return r;
        /* 26 characters take 130 bits: 5 bits at a time, most significant first. */
        for (size_t i = 0; i < SHORT_ID_LEN; i++) {
                size_t bit = i * 5;
                unsigned v =
                        (unsigned)b[bit / 8] << 8 | (bit / 8 + 1 < sizeof(b) ? b[bit / 8 + 1] : 0);
                out[i] = b32[(v >> (11 - bit % 8)) & 31];
        }
        out[SHORT_ID_LEN] = '\0';
        return 0;
}

static int write_small_file(int dirfd, const char *name, const char *content, const char *what,
                            struct err *e)
{
        /* 0644 like podman's files (written 0666 under a 022 umask). */
        _cleanup_close_ int fd =
                openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return err_errno(e, "create '%s' of %s", name, what);
        size_t len = strlen(content);
        if (write(fd, content, len) != (ssize_t)len || fchmod(fd, 0644) < 0)
                return err_errno(e, "write '%s' of %s", name, what);
        return 0;
}

/* Allocates: a small file's content, or NULL when it is missing. */
static int read_small_file(const char *path, char **ret, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        struct err re = {0};
        int r = fs_read_file(AT_FDCWD, path, 1 << 16, &buf, NULL, &re);
        if (r == -ENOENT) {
                err_done(&re);
                *ret = NULL;
                return 0;
        }
        if (r < 0)
                return err_move(e, &re);
        /* Tolerate a newline a hand edit may have added. */
        size_t n = strlen(buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
        *ret = steal_pointer(&buf);
        return 0;
}

static char *ovl_layer_dir(const struct store *s, const char *id)
{
        return xasprintf("%s/%s", s->home, id);
}

static char *ovl_files_dir(const struct store *s, const char *id)
{
        return xasprintf("%s/%s/diff", s->home, id);
}

/* What a child of parent_id starts from: its diff/'s mode and owner
 * (overlay.go create copies the parent's) and its lower file. */
static int parent_layout(struct store *s, const char *parent_id, mode_t *mode, uid_t *uid,
                         gid_t *gid, char **ret_lower, struct err *e)
{
        _cleanup_free_ char *pdiff = ovl_files_dir(s, parent_id);
        struct stat st;
        if (stat(pdiff, &st) < 0)
                return err_errno(e, "stat parent layer '%s'", pdiff);
        *mode = st.st_mode & 07777;
        *uid = st.st_uid;
        *gid = st.st_gid;
        _cleanup_free_ char *plink_path = xasprintf("%s/%s/link", s->home, parent_id);
        _cleanup_free_ char *plower_path = xasprintf("%s/%s/lower", s->home, parent_id);
        _cleanup_free_ char *plink = NULL, *plower = NULL;
        int r = read_small_file(plink_path, &plink, e);
        if (r >= 0)
                r = read_small_file(plower_path, &plower, e);
        if (r < 0)
                return r;
        if (!plink || !*plink || strchr(plink, '/'))
                return err_set(e, EUCLEAN, "parent layer '%s' has no valid '%s'", parent_id,
                               plink_path);
        /* Nearest parent first, then the parent's own lowers. */
        *ret_lower = plower && *plower ? xasprintf("l/%s:%s", plink, plower)
                                       : xasprintf("l/%s", plink);
        return 0;
}

static int ovl_prepare(struct store *s, const char *parent_id, int dirfd, const char *name,
                       struct err *e)
{
        if (mkdirat(dirfd, name, 0700) < 0)
                return err_errno(e, "create layer directory '%s'", name);
        _cleanup_close_ int lfd =
                openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (lfd < 0)
                return err_errno(e, "open layer directory '%s'", name);

        /* diff/: 0555 for a base layer; a child copies its parent's mode
         * and owner (overlay.go create). */
        mode_t mode = 0555;
        uid_t uid = 0;
        gid_t gid = 0;
        _cleanup_free_ char *lower = NULL;
        if (parent_id) {
                int r = parent_layout(s, parent_id, &mode, &uid, &gid, &lower, e);
                if (r < 0)
                        return r;
        }
        if (mkdirat(lfd, "diff", 0700) < 0 || fchownat(lfd, "diff", uid, gid, 0) < 0 ||
            fchmodat(lfd, "diff", mode, 0) < 0)
                return err_errno(e, "create '%s/diff'", name);

        char link[SHORT_ID_LEN + 1];
        int r = short_id(link, e);
        if (r < 0)
                return r;
        if ((r = write_small_file(lfd, "link", link, name, e)) < 0)
                return r;
        if (lower && (r = write_small_file(lfd, "lower", lower, name, e)) < 0)
                return r;
        if (mkdirat(lfd, "work", 0700) < 0)
                return err_errno(e, "create '%s/work'", name);
        /* Only a layer without lowers mounts empty/ as its lowerdir (T10). */
        if (!parent_id && mkdirat(lfd, "empty", 0700) < 0)
                return err_errno(e, "create '%s/empty'", name);
        return 0;
}

static int fsync_fd(int fd, const char *what, struct err *e)
{
        if (fsync(fd) < 0)
                return err_errno(e, "fsync '%s'", what);
        return 0;
}

static int ovl_adopt_parent(struct store *s, const char *parent_id, int dirfd, const char *name,
                            bool root_set, char *const *inherit_dirs, struct err *e)
{
        mode_t mode;
        uid_t uid;
        gid_t gid;
        _cleanup_free_ char *lower = NULL;
        int r = parent_layout(s, parent_id, &mode, &uid, &gid, &lower, e);
        if (r < 0)
                return r;
        _cleanup_close_ int lfd =
                openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int dfd =
                lfd < 0 ? -1 : openat(lfd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (lfd < 0 || dfd < 0)
                return err_errno(e, "open layer directory '%s'", name);
        /* As if diff/ had had the parent's mode and owner from the start:
         * the tar's root entry, if any, overrode them, and directories made
         * for missing parents took its setgid bit. */
        if (!root_set && (fchown(dfd, uid, gid) < 0 || fchmod(dfd, mode) < 0))
                return err_errno(e, "set the mode of '%s/diff'", name);
        if ((r = fsync_fd(dfd, "diff", e)) < 0)
                return r;
        for (char *const *d = inherit_dirs; (mode & S_ISGID) && d && *d; d++) {
                _cleanup_close_ int fd =
                        fs_open_in_root(dfd, *d, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, NULL);
                struct stat st;
                if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
                        continue; /* removed or replaced by a later entry */
                if (fd < 0 || fstat(fd, &st) < 0 || fchmod(fd, (st.st_mode & 07777) | S_ISGID) < 0)
                        return err_errnum(e, fd < 0 ? fd : -errno, "set the mode of '%s'", *d);
                if ((r = fsync_fd(fd, *d, e)) < 0)
                        return r;
        }
        if ((r = write_small_file(lfd, "lower", lower, name, e)) < 0)
                return r;
        _cleanup_close_ int lowfd = openat(lfd, "lower", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (lowfd < 0 || fsync(lowfd) < 0)
                return err_errno(e, "fsync 'lower' of %s", name);
        /* Only a layer without lowers mounts empty/ as its lowerdir. */
        if (unlinkat(lfd, "empty", AT_REMOVEDIR) < 0 && errno != ENOENT)
                return err_errno(e, "remove '%s/empty'", name);
        return fsync_fd(lfd, name, e);
}

static int ovl_install(struct store *s, const char *id, int dirfd, const char *name, struct err *e)
{
        _cleanup_free_ char *dst = ovl_layer_dir(s, id);
        if (renameat(dirfd, name, AT_FDCWD, dst) < 0) {
                if (errno == EEXIST || errno == ENOTEMPTY)
                        return err_set(e, EEXIST, "layer directory '%s' already exists", dst);
                return err_errno(e, "rename staged layer to '%s'", dst);
        }
        _cleanup_close_ int lfd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ char *ldir = xasprintf("%s/l", s->home);
        _cleanup_close_ int ldirfd = open(ldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (lfd < 0 || ldirfd < 0)
                return err_errno(e, "open '%s'", lfd < 0 ? dst : ldir);
        _cleanup_free_ char *link_path = xasprintf("%s/link", dst);
        _cleanup_free_ char *link = NULL;
        int r = read_small_file(link_path, &link, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *target = xasprintf("../%s/diff", id);
        for (int attempt = 0; attempt < 16; attempt++) {
                if (link && symlinkat(target, ldirfd, link) == 0)
                        return 0;
                if (link && errno != EEXIST)
                        return err_errno(e, "create link '%s/%s'", ldir, link);
                /* A name already taken by another layer: pick another one
                 * and say so in link, which is what podman reads. */
                char fresh[SHORT_ID_LEN + 1];
                if ((r = short_id(fresh, e)) < 0)
                        return r;
                if ((r = write_small_file(lfd, "link", fresh, id, e)) < 0)
                        return r;
                free(link);
                link = xstrdup(fresh);
        }
        return err_set(e, EEXIST, "create link for layer '%s': no free short name", id);
}

static int ovl_remove(struct store *s, const char *id, uint64_t *freed, struct err *e)
{
        _cleanup_free_ char *dir = ovl_layer_dir(s, id);
        _cleanup_free_ char *link_path = xasprintf("%s/link", dir);
        _cleanup_free_ char *link = NULL;
        if (read_small_file(link_path, &link, NULL) == 0 && link && *link && !strchr(link, '/')) {
                /* Only our own link: a copied link file must not take
                 * another layer's short name with it. A target this long
                 * takes a block of its own: discarded with the layer's
                 * directory, not at once. */
                _cleanup_free_ char *ldir = xasprintf("%s/l", s->home);
                _cleanup_free_ char *expect = xasprintf("../%s/diff", id);
                _cleanup_close_ int lfd = open(ldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                char buf[256];
                ssize_t n = lfd >= 0 ? readlinkat(lfd, link, buf, sizeof(buf) - 1) : -1;
                buf[n >= 0 ? n : 0] = '\0';
                if (n >= 0 && STREQ(buf, expect) && store_discard(s, lfd, link, true, freed, e) < 0)
                        return err_wrap(e, "remove '%s/%s'", ldir, link);
        }
        _cleanup_close_ int hfd = open(s->home, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (hfd < 0)
                return err_errno(e, "open '%s'", s->home);
        int r = store_discard(s, hfd, id, true, freed, e);
        if (r < 0)
                return err_wrap(e, "removing layer '%s'", id);
        return 0;
}

/* ---------------------------------------------------------------- check */

/* Allocates: what `lower` of a child of parent must say. */
static int expected_lower(struct store *s, const char *parent, char **ret, struct err *e)
{
        _cleanup_free_ char *lp = xasprintf("%s/%s/link", s->home, parent);
        _cleanup_free_ char *pl = xasprintf("%s/%s/lower", s->home, parent);
        _cleanup_free_ char *link = NULL, *lower = NULL;
        int r = read_small_file(lp, &link, e);
        if (r >= 0)
                r = read_small_file(pl, &lower, e);
        if (r < 0)
                return r;
        if (!link || !*link || strchr(link, '/'))
                return err_set(e, EUCLEAN, "parent layer '%s' has no valid link", parent);
        *ret = lower && *lower ? xasprintf("l/%s:%s", link, lower) : xasprintf("l/%s", link);
        return 0;
}

/* The repairs podman makes with a warning (recreateSymlinks), plus the
 * `lower` file a crash can leave empty (USER-PAIN 3), which podman cannot
 * recover from. */
static int ovl_check(struct store *s, const char *id, const char *parent, bool repair,
                     char **ret_problem, struct err *e)
{
        _cleanup_free_ char *dir = ovl_layer_dir(s, id);
        _cleanup_close_ int lfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (lfd < 0)
                return 0; /* a missing directory is reported by the caller */
        _cleanup_free_ char *link_path = xasprintf("%s/link", dir);
        _cleanup_free_ char *link = NULL;
        int r = read_small_file(link_path, &link, e);
        if (r < 0)
                return r;
        struct sbuf problems = {0};
        if (!link || strlen(link) != SHORT_ID_LEN || strchr(link, '/')) {
                sbuf_append(&problems, "link file missing or invalid; ");
                char fresh[SHORT_ID_LEN + 1];
                if (repair) {
                        if ((r = short_id(fresh, e)) < 0 ||
                            (r = write_small_file(lfd, "link", fresh, id, e)) < 0)
                                goto out;
                }
                free(link);
                link = repair ? xstrdup(fresh) : NULL;
        }
        if (link) {
                _cleanup_free_ char *lpath = xasprintf("%s/l/%s", s->home, link);
                _cleanup_free_ char *want = xasprintf("../%s/diff", id);
                char buf[256];
                ssize_t n = readlink(lpath, buf, sizeof(buf) - 1);
                if (n >= 0)
                        buf[n] = '\0';
                if (n < 0 || !STREQ(buf, want)) {
                        sbuf_append(&problems, "short link missing or wrong; ");
                        if (repair &&
                            ((unlink(lpath) < 0 && errno != ENOENT) || symlink(want, lpath) < 0)) {
                                r = err_errno(e, "create link '%s'", lpath);
                                goto out;
                        }
                }
        }
        if (parent && *parent) {
                _cleanup_free_ char *want = NULL, *have = NULL;
                _cleanup_free_ char *lower_path = xasprintf("%s/lower", dir);
                if ((r = expected_lower(s, parent, &want, e)) < 0 ||
                    (r = read_small_file(lower_path, &have, e)) < 0)
                        goto out;
                if (!have || !STREQ(have, want)) {
                        sbuf_append(&problems, "lower file missing or wrong; ");
                        if (repair && (r = write_small_file(lfd, "lower", want, id, e)) < 0)
                                goto out;
                }
        }
        r = 0;
        if (problems.len > 2) {
                problems.buf[problems.len - 2] = '\0';
                *ret_problem = sbuf_steal(&problems);
        }
out:
        sbuf_done(&problems);
        return r;
}

/* ---------------------------------------------------------------- mount */

/* The home is bind-mounted onto itself and made private before the first
 * layer mount (mount.MakePrivate): layer mounts then do not propagate into
 * other mount namespaces and can be torn down with the home. */
static int ensure_home_private(struct store *s, struct err *e)
{
        if (!storage_is_mountpoint(s->home) && mount(s->home, s->home, NULL, MS_BIND, NULL) < 0)
                return err_errno(e, "bind mount '%s'", s->home);
        if (mount(NULL, s->home, NULL, MS_PRIVATE, NULL) < 0)
                return err_errno(e, "make '%s' private", s->home);
        return 0;
}

/* Run a helper (a mount program, fusermount) and wait for it. Its stdout
 * and stderr go to a memory file (a FUSE daemon keeps them open, so a pipe
 * would never see its end), and its stderr is quoted only if it fails:
 * fuse-overlayfs chatters ("unknown argument ignored") when it works. */
static int run_program(char *const argv[], const char *cwd, struct err *e)
{
        _cleanup_close_ int out = memfd_create("berth-helper-output", MFD_CLOEXEC);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        if (cwd)
                posix_spawn_file_actions_addchdir_np(&fa, cwd);
        if (out >= 0) {
                posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
                posix_spawn_file_actions_adddup2(&fa, out, STDERR_FILENO);
        }
        pid_t pid;
        extern char **environ;
        int r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (r != 0)
                return err_errnum(e, r, "run '%s'", argv[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return err_errno(e, "wait for '%s'", argv[0]);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        char msg[512] = "";
        ssize_t n = out >= 0 ? pread(out, msg, sizeof(msg) - 1, 0) : -1;
        msg[n > 0 ? n : 0] = '\0';
        for (char *p = msg + strlen(msg); p > msg && (p[-1] == '\n' || p[-1] == ' ');)
                *--p = '\0';
        return err_set(e, EIO, "'%s' failed (status %d)%s%s", argv[0], status, *msg ? ": " : "",
                       msg);
}

/* The new mount API takes one lower per call (kernel 6.8+), so a chain
 * whose option string does not fit a page can still be mounted without
 * the chdir trick containers/storage uses (which a library cannot do). */
static int mount_by_parts(char **lowers, const char *upper, const char *work, bool rootless,
                          bool ro, bool vol, const char *target, struct err *e)
{
        _cleanup_close_ int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
        if (fsfd < 0)
                return err_errno(e, "fsopen overlay for '%s'", target);
        for (char **l = lowers; *l; l++)
                if (fsconfig(fsfd, FSCONFIG_SET_STRING, "lowerdir+", *l, 0) < 0)
                        return err_errno(e, "mount '%s': too many lower layers for this kernel",
                                         target);
        if (upper && (fsconfig(fsfd, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0 ||
                      fsconfig(fsfd, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
                return err_errno(e, "mount '%s': upper/work dir", target);
        if (rootless && fsconfig(fsfd, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
                return err_errno(e, "mount '%s': userxattr", target);
        if (vol && fsconfig(fsfd, FSCONFIG_SET_FLAG, "volatile", NULL, 0) < 0)
                return err_errno(e, "mount '%s': volatile", target);
        if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return err_errno(e, "mount overlay on '%s'", target);
        _cleanup_close_ int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, ro ? MOUNT_ATTR_RDONLY : 0);
        if (mfd < 0)
                return err_errno(e, "mount overlay on '%s'", target);
        if (move_mount(mfd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return err_errno(e, "move overlay mount to '%s'", target);
        return 0;
}

static int ovl_mount(struct store *s, const char *id, unsigned flags, char **ret_path,
                     struct err *e)
{
        bool ro = flags & STORE_MOUNT_RO;
        /* Native overlay only (fuse-overlayfs has no such option). */
        bool vol = (flags & STORE_MOUNT_VOLATILE) && !ro && !s->mount_program;
        _cleanup_free_ char *dir = ovl_layer_dir(s, id);
        _cleanup_free_ char *lower_path = xasprintf("%s/lower", dir);
        _cleanup_free_ char *lower = NULL;
        int r = read_small_file(lower_path, &lower, e);
        if (r < 0)
                return r;
        _cleanup_strv_ char **lowers = NULL;
        if (ro)
                strv_push(&lowers, xasprintf("%s/diff", dir));
        if (lower && *lower) {
                _cleanup_strv_ char **parts = strv_split(lower, ":");
                for (char **p = parts; *p; p++) {
                        if (!**p)
                                continue;
                        if (!str_has_prefix(*p, "l/") || strstr(*p, ".."))
                                return err_set(e, EUCLEAN, "'%s' has a bad entry '%s'", lower_path,
                                               *p);
                        /* The absolute path of the l/ link, not its target:
                         * short names keep the option string small. */
                        strv_push(&lowers, xasprintf("%s/%s", s->home, *p));
                }
        } else {
                strv_push(&lowers, xasprintf("%s/empty", dir));
        }
        _cleanup_free_ char *merged = xasprintf("%s/merged", dir);
        _cleanup_free_ char *upper = xasprintf("%s/diff", dir);
        _cleanup_free_ char *work = xasprintf("%s/work", dir);
        _cleanup_free_ char *lowerdir = strv_join(lowers, ":");
        _cleanup_free_ char *opts =
                ro ? xasprintf("lowerdir=%s%s", lowerdir,
                               s->rootless && !s->mount_program ? ",userxattr" : "")
                   : xasprintf("lowerdir=%s,upperdir=%s,workdir=%s%s%s", lowerdir, upper, work,
                               s->rootless && !s->mount_program ? ",userxattr" : "",
                               vol ? ",volatile" : "");

        if ((r = ensure_home_private(s, e)) < 0)
                return r;
        /* Mounted but not counted (a count lost with a crash): use it, as
         * podman's RefCounter does when it finds the mount in place. */
        if (storage_is_mountpoint(merged)) {
                *ret_path = steal_pointer(&merged);
                return 0;
        }
        if (mkdir(merged, 0700) < 0 && errno != EEXIST)
                return err_errno(e, "create '%s'", merged);
        /* A volatile mount leaves work/work/incompat/volatile, and overlay
         * refuses the upper dir while it is there (it cannot know the last
         * unmount was clean). Only --rm containers mount so, and a crash
         * loses nothing of theirs worth keeping: clear it for the next
         * mount (create, then start), as containers/storage does. */
        if (vol) {
                _cleanup_free_ char *incompat = xasprintf("%s/work/incompat", work);
                if ((r = storage_rm_rf(AT_FDCWD, incompat, NULL, e)) < 0)
                        return r;
        }

        if (s->mount_program) {
                char *argv[] = {s->mount_program, (char *)"-o", opts, merged, NULL};
                r = run_program(argv, s->home, e);
        } else if (strlen(opts) < (size_t)getpagesize()) {
                r = mount("overlay", merged, "overlay", ro ? MS_RDONLY : 0, opts);
                if (r < 0)
                        r = err_errno(e, "mount overlay on '%s' (%s)", merged, opts);
        } else {
                r = mount_by_parts(lowers, ro ? NULL : upper, work, s->rootless, ro, vol, merged,
                                   e);
        }
        if (r < 0) {
                (void)rmdir(merged);
                return r;
        }
        *ret_path = steal_pointer(&merged);
        return 0;
}

static int ovl_unmount(struct store *s, const char *id, bool deleting, struct err *e)
{
        _cleanup_free_ char *merged = xasprintf("%s/%s/merged", s->home, id);
        if (s->mount_program && storage_is_mountpoint(merged)) {
                /* As podman: the FUSE helpers first, then a lazy umount. */
                static const char *const helpers[] = {"fusermount3", "fusermount"};
                for (size_t i = 0; i < ARRAY_SIZE(helpers); i++) {
                        _cleanup_free_ char *p = host_find_program(helpers[i]);
                        if (!p || !fs_exists(p))
                                continue;
                        char *argv[] = {p, (char *)"-u", merged, NULL};
                        if (run_program(argv, NULL, NULL) == 0)
                                break;
                }
        }
        if (umount2(merged, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                return err_errno(e, "unmount '%s'", merged);
        /* podman removes merged/ at unmount; a failure is not fatal. Not
         * when the layer goes: its directory goes whole (and on a disk
         * mounted with discard each removal waits for the device). */
        if (!deleting && rmdir(merged) < 0 && errno != ENOENT)
                log_debug("rmdir '%s': %s", merged, strerror(errno));
        return 0;
}

static int ovl_cleanup(struct store *s, struct err *e)
{
        if (!storage_is_mountpoint(s->home))
                return 0;
        if (umount2(s->home, MNT_DETACH) < 0 && errno != EINVAL)
                return err_errno(e, "unmount '%s'", s->home);
        return 0;
}

const struct driver_ops driver_overlay = {
        .name = "overlay",
        .prepare = ovl_prepare,
        .install = ovl_install,
        .adopt_parent = ovl_adopt_parent,
        .remove = ovl_remove,
        .files_dir = ovl_files_dir,
        .layer_dir = ovl_layer_dir,
        .mount = ovl_mount,
        .unmount = ovl_unmount,
        .cleanup = ovl_cleanup,
        .check = ovl_check,
};
