/* SPDX-License-Identifier: Apache-2.0 */
/*
 * :U: a mount's source (a host directory or a named volume's content) is
 * given to the container's user, recursively, as podman does at start.
 * The walk goes fd by fd with O_NOFOLLOW and lchown semantics, so a symlink
 * is chowned itself and never followed; it stays on the source's file
 * system (podman's walk would descend into a mount below the source; berth
 * does not change another file system's owners behind the user's back).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"
#include "vol-internal.h"

#define CHOWN_MAX_DEPTH 1024

/* containers/common's list of host paths :U refuses, plus the homes. */
bool vol_chown_dangerous(const char *path)
{
        static const char *const bad[] = {
                "/",        "/bin",        "/boot", "/dev", "/etc",     "/etc/passwd",
                "/etc/pki", "/etc/shadow", "/home", "/lib", "/lib64",   "/media",
                "/opt",     "/proc",       "/root", "/run", "/sbin",    "/srv",
                "/sys",     "/tmp",        "/usr",  "/var", "/var/lib", "/var/log",
        };
        char real[PATH_MAX];
        const char *p = realpath(path, real) ? real : path;
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                if (STREQ(p, bad[i]))
                        return true;
        const char *home = getenv("HOME");
        char hreal[PATH_MAX];
        if (home && *home && realpath(home, hreal) && STREQ(p, hreal))
                return true;
        const char *sudo = getenv("SUDO_USER");
        struct passwd *pw = sudo && *sudo ? getpwnam(sudo) : NULL;
        if (pw && pw->pw_dir && realpath(pw->pw_dir, hreal) && STREQ(p, hreal))
                return true;
        return false;
}

static int chown_fd_entry(int dirfd, const char *name, const struct stat *st, uid_t uid, gid_t gid,
                          struct err *e)
{
        if (st->st_uid == uid && st->st_gid == gid)
                return 0;
        if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
                return err_errno(e, "chown '%s' to %u:%u", name, uid, gid);
        return 0;
}

static int chown_dir(int fd, dev_t dev, uid_t uid, gid_t gid, int depth, struct err *e)
{
        if (depth > CHOWN_MAX_DEPTH)
                return err_set(e, ELOOP, "chown: tree deeper than %d levels", CHOWN_MAX_DEPTH);
        int dfd = dup(fd);
        if (dfd < 0)
                return err_errno(e, "dup");
        DIR *d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return err_errno(e, "fdopendir");
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        r = err_errno(e, "stat '%s'", de->d_name);
                        break;
                }
                /* A mount point below the source is left as it is. */
                if (st.st_dev != dev)
                        continue;
                if ((r = chown_fd_entry(fd, de->d_name, &st, uid, gid, e)) < 0)
                        break;
                if (!S_ISDIR(st.st_mode))
                        continue;
                int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
                                continue;
                        r = err_errno(e, "open '%s'", de->d_name);
                        break;
                }
                r = chown_dir(sub, dev, uid, gid, depth + 1, e);
                close(sub);
                if (r < 0)
                        r = err_wrap(e, "%s", de->d_name);
        }
        closedir(d);
        return r;
}

int vol_chown_tree(const char *path, uid_t uid, gid_t gid, struct err *e)
{
        _cleanup_close_ int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_errno(e, "stat '%s'", path);
        if ((st.st_uid != uid || st.st_gid != gid) && fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return err_errno(e, "chown '%s' to %u:%u", path, uid, gid);
        if (!S_ISDIR(st.st_mode))
                return 0;
        _cleanup_close_ int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return err_errno(e, "open '%s'", path);
        int r = chown_dir(dfd, st.st_dev, uid, gid, 0, e);
        return r < 0 ? err_wrap(e, "chown '%s' to %u:%u", path, uid, gid) : 0;
}
