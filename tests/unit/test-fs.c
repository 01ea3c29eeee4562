/* SPDX-License-Identifier: Apache-2.0 */
/* fs.c (read, atomic write, mkdir -p) and fs-root.c (opening inside a root). */
#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "unit.h"

static void write_file(const char *path, const char *content, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        assert_true(fd >= 0);
        size_t len = strlen(content);
        assert_int_equal(write(fd, content, len), (ssize_t)len);
        close(fd);
}

static void make_symlink(const char *target, const char *dir, const char *name)
{
        char *p = xasprintf("%s/%s", dir, name);
        assert_int_equal(symlink(target, p), 0);
        free(p);
}

static size_t count_entries(const char *dir)
{
        DIR *d = opendir(dir);
        assert_non_null(d);
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

/* ---- fs_read_file ---- */

static void test_read_file(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        _cleanup_free_ char *p = xasprintf("%s/f", tmp);
        write_file(p, "hello\n", 0644);

        struct err e = {0};
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(fs_read_file(AT_FDCWD, p, 0, &buf, &len, &e), 0);
        assert_int_equal(len, 6);
        assert_string_equal(buf, "hello\n");
        free(buf);

        /* relative to a dirfd, length optional */
        int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(fs_read_file(dfd, "f", 0, &buf, NULL, &e), 0);
        assert_string_equal(buf, "hello\n");
        free(buf);

        /* exactly the limit is fine, one byte more is EFBIG */
        assert_int_equal(fs_read_file(dfd, "f", 6, &buf, &len, &e), 0);
        assert_int_equal(len, 6);
        free(buf);
        buf = NULL;
        assert_int_equal(fs_read_file(dfd, "f", 5, &buf, &len, &e), -EFBIG);
        assert_int_equal(e.code, EFBIG);
        assert_non_null(strstr(e.msg, "'f'"));
        assert_null(buf);
        err_done(&e);

        /* empty file */
        write_file(p, "", 0644);
        assert_int_equal(fs_read_file(dfd, "f", 0, &buf, &len, &e), 0);
        assert_int_equal(len, 0);
        assert_string_equal(buf, "");
        free(buf);
        buf = NULL;

        /* missing file: message names the operation and the path */
        assert_int_equal(fs_read_file(dfd, "nope", 0, &buf, &len, &e), -ENOENT);
        assert_string_equal(e.msg, "open 'nope': No such file or directory");
        err_done(&e);

        /* a directory */
        assert_int_equal(fs_read_file(AT_FDCWD, tmp, 0, &buf, &len, &e), -EISDIR);
        err_done(&e);

        /* e == NULL is allowed */
        assert_int_equal(fs_read_file(dfd, "nope", 0, &buf, &len, NULL), -ENOENT);
        close(dfd);
        unit_rmtree(tmp);
}

/* Files whose size stat cannot tell (/proc) are bounded by the read loop. */
/* Pid files as runc and the monitor write them, and what is not one. */
static void test_read_pid(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        static const struct {
                const char *text;
                pid_t want; /* 0: refused */
        } cases[] = {
                {"1234", 1234},   {"1234\n", 1234}, {"77 \n", 77}, {"0", 0},
                {"-5", 0},        {"", 0},         {"12a", 0},    {"2147483648", 0},
                {" 12\nx", 0},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *p = xasprintf("%s/pid%zu", tmp, i);
                write_file(p, cases[i].text, 0644);
                struct err e = {0};
                pid_t pid = -1;
                int r = fs_read_pid(AT_FDCWD, p, &pid, &e);
                if (cases[i].want) {
                        assert_int_equal(r, 0);
                        assert_int_equal(pid, cases[i].want);
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_non_null(strstr(e.msg, "not a pid"));
                        assert_int_equal(pid, -1);
                }
                err_done(&e);
        }
        struct err e = {0};
        pid_t pid;
        _cleanup_free_ char *missing = xasprintf("%s/none", tmp);
        assert_int_equal(fs_read_pid(AT_FDCWD, missing, &pid, &e), -ENOENT);
        err_done(&e);
}

static void test_read_file_proc(void **state)
{
        (void)state;
        struct err e = {0};
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(fs_read_file(AT_FDCWD, "/proc/self/status", 0, &buf, &len, &e), 0);
        assert_true(len > 10);
        assert_non_null(strstr(buf, "Pid:"));
        free(buf);
        buf = NULL;
        assert_int_equal(fs_read_file(AT_FDCWD, "/proc/self/status", 10, &buf, &len, &e), -EFBIG);
        assert_null(buf);
        /* sysfs says 4096 bytes for a few: a short read is not the end
         * unless it ends at the size fstat gave. */
        assert_int_equal(fs_read_file(AT_FDCWD, "/sys/kernel/cpu_byteorder", 0, &buf, &len, &e),
                         0);
        assert_true(STREQ(buf, "little\n") || STREQ(buf, "big\n"));
        assert_int_equal(len, strlen(buf));
        free(buf);
        err_done(&e);
}

static void test_read_file_large(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        _cleanup_free_ char *p = xasprintf("%s/big", tmp);
        size_t n = 3 * 1000 * 1000 + 7;
        char *data = xmalloc(n);
        for (size_t i = 0; i < n; i++)
                data[i] = (char)('a' + i % 26);
        struct err e = {0};
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, data, n, 0600, &e), 0);
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(fs_read_file(AT_FDCWD, p, n, &buf, &len, &e), 0);
        assert_int_equal(len, n);
        assert_memory_equal(buf, data, n);
        free(buf);
        assert_int_equal(fs_read_file(AT_FDCWD, p, n - 1, &buf, &len, &e), -EFBIG);
        err_done(&e);
        free(data);
        unit_rmtree(tmp);
}

/* ---- fs_write_atomic ---- */

static void test_write_atomic(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        _cleanup_free_ char *p = xasprintf("%s/out.json", tmp);
        struct err e = {0};

        mode_t old = umask(077);
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, "{}\n", 3, 0644, &e), 0);
        umask(old);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        /* the mode is the one asked for, whatever the umask */
        assert_int_equal(st.st_mode & 07777, 0644);
        char *buf = NULL;
        assert_int_equal(fs_read_file(AT_FDCWD, p, 0, &buf, NULL, &e), 0);
        assert_string_equal(buf, "{}\n");
        free(buf);
        ino_t first = st.st_ino;

        /* replace through a dirfd and a relative name: a new inode */
        int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(fs_write_atomic(dfd, "out.json", "[1]", 3, 0600, &e), 0);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_true(st.st_ino != first);
        assert_int_equal(fs_read_file(dfd, "out.json", 0, &buf, NULL, &e), 0);
        assert_string_equal(buf, "[1]");
        free(buf);

        /* a subdirectory path relative to dirfd; empty content */
        assert_int_equal(mkdirat(dfd, "sub", 0700), 0);
        assert_int_equal(fs_write_atomic(dfd, "sub/empty", "", 0, 0640, &e), 0);
        assert_int_equal(fstatat(dfd, "sub/empty", &st, 0), 0);
        assert_int_equal(st.st_size, 0);
        assert_int_equal(st.st_mode & 07777, 0640);

        /* no temporary file is left behind */
        assert_int_equal(count_entries(tmp), 2);
        _cleanup_free_ char *sub = xasprintf("%s/sub", tmp);
        assert_int_equal(count_entries(sub), 1);
        close(dfd);
        unit_rmtree(tmp);
}

/* The volatile variant: the same file, mode and atomic replacement, and
 * its failures are reported the same way. */
static void test_write_atomic_volatile(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        _cleanup_free_ char *p = xasprintf("%s/state.json", tmp);
        struct err e = {0};
        assert_int_equal(fs_write_atomic_volatile(AT_FDCWD, p, "{\"a\":1}", 7, 0644, &e), 0);
        struct stat st;
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        ino_t first = st.st_ino;
        assert_int_equal(fs_write_atomic_volatile(AT_FDCWD, p, "[]", 2, 0600, &e), 0);
        assert_int_equal(stat(p, &st), 0);
        assert_true(st.st_ino != first);
        assert_int_equal(st.st_mode & 07777, 0600);
        char *buf = NULL;
        assert_int_equal(fs_read_file(AT_FDCWD, p, 0, &buf, NULL, &e), 0);
        assert_string_equal(buf, "[]");
        free(buf);
        assert_int_equal(count_entries(tmp), 1);
        _cleanup_free_ char *missing = xasprintf("%s/nodir/x", tmp);
        assert_int_equal(fs_write_atomic_volatile(AT_FDCWD, missing, "x", 1, 0644, &e), -ENOENT);
        assert_non_null(strstr(e.msg, "nodir"));
        err_done(&e);
        unit_rmtree(tmp);
}

/* A name near NAME_MAX still gets a temp file (the temp name is cut). */
static void test_write_atomic_long_name(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        char name[256];
        memset(name, 'n', 255);
        name[255] = '\0';
        _cleanup_free_ char *p = xasprintf("%s/%s", tmp, name);
        struct err e = {0};
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, "x", 1, 0644, &e), 0);
        assert_true(fs_exists(p));
        assert_int_equal(count_entries(tmp), 1);
        unit_rmtree(tmp);
}

static void test_write_atomic_failures(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        struct err e = {0};

        /* missing directory */
        _cleanup_free_ char *missing = xasprintf("%s/nodir/file", tmp);
        assert_int_equal(fs_write_atomic(AT_FDCWD, missing, "x", 1, 0644, &e), -ENOENT);
        assert_non_null(strstr(e.msg, missing));
        err_done(&e);
        assert_int_equal(count_entries(tmp), 0);

        /* not a file name */
        _cleanup_free_ char *slash = xasprintf("%s/", tmp);
        assert_int_equal(fs_write_atomic(AT_FDCWD, slash, "x", 1, 0644, &e), -EINVAL);
        err_done(&e);

        /* the target is a directory: rename fails, the temp file goes */
        _cleanup_free_ char *d = xasprintf("%s/adir", tmp);
        assert_int_equal(mkdir(d, 0700), 0);
        int r = fs_write_atomic(AT_FDCWD, d, "x", 1, 0644, &e);
        assert_true(r == -EISDIR || r == -ENOTEMPTY || r == -EEXIST);
        assert_non_null(strstr(e.msg, "rename"));
        err_done(&e);
        assert_int_equal(count_entries(tmp), 1);
        assert_int_equal(count_entries(d), 0);

        /* a read-only directory (root ignores mode bits, so use a read-only
         * mount when we can, else the mode) */
        _cleanup_free_ char *ro = xasprintf("%s/ro", tmp);
        assert_int_equal(mkdir(ro, 0500), 0);
        bool mounted = false;
        if (geteuid() == 0) {
                _cleanup_free_ char *cmd =
                        xasprintf("mount -t tmpfs -o ro,size=64k tmpfs '%s' 2>/dev/null", ro);
                mounted = system(cmd) == 0;
        }
        if (mounted || geteuid() != 0) {
                _cleanup_free_ char *f = xasprintf("%s/file", ro);
                r = fs_write_atomic(AT_FDCWD, f, "x", 1, 0644, &e);
                assert_true(r == -EROFS || r == -EACCES);
                assert_non_null(strstr(e.msg, "create temporary file for"));
                err_done(&e);
                assert_int_equal(count_entries(ro), 0);
                _cleanup_free_ char *sub = xasprintf("%s/sub/dir", ro);
                r = fs_mkdir_p(sub, 0755, &e);
                assert_true(r == -EROFS || r == -EACCES);
                assert_non_null(strstr(e.msg, "mkdir '"));
                err_done(&e);
                /* existing directories are fine even there */
                assert_int_equal(fs_mkdir_p(ro, 0755, &e), 0);
        }
        if (mounted) {
                _cleanup_free_ char *cmd = xasprintf("umount '%s'", ro);
                assert_int_equal(system(cmd), 0);
        }
        unit_rmtree(tmp);
}

/* A write that fails half-way (a full file system) leaves nothing behind,
 * not even a partial temp file, and keeps the old content. */
static void test_write_atomic_enospc(void **state)
{
        (void)state;
        if (geteuid() != 0)
                skip();
        _cleanup_free_ char *tmp = unit_tmpdir();
        _cleanup_free_ char *cmd =
                xasprintf("mount -t tmpfs -o size=64k tmpfs '%s' 2>/dev/null", tmp);
        if (system(cmd) != 0) {
                unit_rmtree(tmp);
                skip();
        }
        struct err e = {0};
        _cleanup_free_ char *p = xasprintf("%s/state.json", tmp);
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, "old", 3, 0644, &e), 0);
        size_t n = 1 << 20;
        char *big = xcalloc(1, n);
        int r = fs_write_atomic(AT_FDCWD, p, big, n, 0644, &e);
        free(big);
        assert_int_equal(r, -ENOSPC);
        assert_true(str_has_prefix(e.msg, "write '"));
        err_done(&e);
        assert_int_equal(count_entries(tmp), 1);
        char *buf = NULL;
        assert_int_equal(fs_read_file(AT_FDCWD, p, 0, &buf, NULL, &e), 0);
        assert_string_equal(buf, "old");
        free(buf);
        free(cmd);
        cmd = xasprintf("umount '%s'", tmp);
        assert_int_equal(system(cmd), 0);
        unit_rmtree(tmp);
}

/* ---- fs_mkdir_p / fs_exists ---- */

/* A directory another process keeps removing (an empty staging root a
 * sweep removes): mkdir -p of it succeeds every time, never "Not a
 * directory" for one that was there at the mkdir and gone at the check. */
static void test_mkdir_p_racing_rmdir(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        _cleanup_free_ char *d = xasprintf("%s/d", tmp);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct timespec end, now;
                clock_gettime(CLOCK_MONOTONIC, &end);
                end.tv_sec += 1;
                do {
                        (void)rmdir(d);
                        clock_gettime(CLOCK_MONOTONIC, &now);
                } while (now.tv_sec < end.tv_sec ||
                         (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
                _exit(0);
        }
        int failed = 0;
        for (int i = 0; i < 20000; i++) {
                struct err e = {0};
                if (fs_mkdir_p(d, 0700, &e) < 0) {
                        print_message("mkdir -p: %s\n", e.msg);
                        failed++;
                }
                err_done(&e);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_int_equal(failed, 0);
}

static void test_mkdir_p(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        struct err e = {0};
        _cleanup_free_ char *deep = xasprintf("%s/a//b/c/", tmp);
        assert_int_equal(fs_mkdir_p(deep, 0750, &e), 0);
        _cleanup_free_ char *c = xasprintf("%s/a/b/c", tmp);
        struct stat st;
        assert_int_equal(stat(c, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        /* again: existing directories are fine */
        assert_int_equal(fs_mkdir_p(c, 0750, &e), 0);

        /* a file in the way */
        _cleanup_free_ char *f = xasprintf("%s/a/file", tmp);
        write_file(f, "", 0644);
        _cleanup_free_ char *under = xasprintf("%s/a/file/x", tmp);
        assert_int_equal(fs_mkdir_p(under, 0755, &e), -ENOTDIR);
        assert_non_null(strstr(e.msg, "mkdir '"));
        err_done(&e);
        assert_int_equal(fs_mkdir_p(f, 0755, &e), -ENOTDIR);
        err_done(&e);

        /* a symlink to a directory counts as a directory */
        _cleanup_free_ char *a = xasprintf("%s/a", tmp);
        make_symlink("a/b", tmp, "lnk");
        _cleanup_free_ char *vialink = xasprintf("%s/lnk/c/d", tmp);
        assert_int_equal(fs_mkdir_p(vialink, 0755, &e), 0);
        assert_true(fs_exists(vialink));

        assert_int_equal(fs_mkdir_p("", 0755, &e), -EINVAL);
        err_done(&e);

        assert_true(fs_exists(a));
        assert_true(fs_exists(f));
        _cleanup_free_ char *lnk = xasprintf("%s/lnk", tmp);
        assert_true(fs_exists(lnk));
        /* lstat: a dangling link exists */
        make_symlink("nowhere", tmp, "dangling");
        _cleanup_free_ char *dang = xasprintf("%s/dangling", tmp);
        assert_true(fs_exists(dang));
        _cleanup_free_ char *none = xasprintf("%s/none", tmp);
        assert_false(fs_exists(none));
        assert_false(fs_exists(NULL));
        unit_rmtree(tmp);
}

/* ---- fs_open_in_root ---- */

struct root_fixture {
        char *tmp; /* holds root/ and outside/ */
        char *root;
        int rootfd;
        char *escape_name; /* unique name a bad resolution would create in / */
};

static struct root_fixture fx;

static void mkdir_in(const char *dir, const char *name)
{
        char *p = xasprintf("%s/%s", dir, name);
        assert_int_equal(mkdir(p, 0755), 0);
        free(p);
}

static void file_in(const char *dir, const char *name, const char *content)
{
        char *p = xasprintf("%s/%s", dir, name);
        write_file(p, content, 0644);
        free(p);
}

static int root_setup(void **state)
{
        (void)state;
        fx.tmp = unit_tmpdir();
        fx.root = xasprintf("%s/root", fx.tmp);
        assert_int_equal(mkdir(fx.root, 0755), 0);
        /* what an escape would find instead */
        mkdir_in(fx.tmp, "etc");
        file_in(fx.tmp, "etc/passwd", "outside\n");
        fx.escape_name = xasprintf("berth-unit-escape-%d-%ld", (int)getpid(), (long)time(NULL));

        mkdir_in(fx.root, "etc");
        file_in(fx.root, "etc/passwd", "inside\n");
        mkdir_in(fx.root, "dir");
        mkdir_in(fx.root, "dir/sub");
        file_in(fx.root, "dir/file", "f");
        file_in(fx.root, "file", "plain");
        make_symlink("/etc", fx.root, "abs");
        make_symlink("/etc/passwd", fx.root, "abs_passwd");
        make_symlink("../../../../../../etc", fx.root, "rel_up");
        make_symlink("../../../etc/passwd", fx.root, "dir/rel_up2");
        make_symlink("sub", fx.root, "dir/to_sub");
        make_symlink("../file", fx.root, "dir/to_file");
        make_symlink("loop_b", fx.root, "loop_a");
        make_symlink("loop_a", fx.root, "loop_b");
        make_symlink("self", fx.root, "self");
        /* c0 -> c1 -> ... -> c40 -> dir: following c1 takes 40 links, c0 41 */
        for (int i = 0; i <= 40; i++) {
                char name[16], target[16];
                snprintf(name, sizeof(name), "c%d", i);
                if (i == 40)
                        snprintf(target, sizeof(target), "dir");
                else
                        snprintf(target, sizeof(target), "c%d", i + 1);
                make_symlink(target, fx.root, name);
        }
        _cleanup_free_ char *abs_dangling = xasprintf("/%s", fx.escape_name);
        make_symlink(abs_dangling, fx.root, "dangling");
        _cleanup_free_ char *rel_dangling = xasprintf("../../../../%s.rel", fx.escape_name);
        make_symlink(rel_dangling, fx.root, "dir/dangling_rel");
        make_symlink("/proc/self/root/etc", fx.root, "to_proc");

        fx.rootfd = open(fx.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(fx.rootfd >= 0);
        return 0;
}

static int root_teardown(void **state)
{
        (void)state;
        close(fx.rootfd);
        unit_rmtree(fx.tmp);
        free(fx.tmp);
        free(fx.root);
        free(fx.escape_name);
        return 0;
}

struct open_case {
        const char *path;
        int flags;
        const char *expect;  /* path under the root that must be opened, or NULL */
        int expect_errno;    /* when expect is NULL */
        bool expect_link;    /* compare with lstat (an O_PATH|O_NOFOLLOW link) */
        const char *created; /* the call creates this file under the root */
};

typedef int (*open_fn)(int rootfd, const char *path, int flags, mode_t mode, struct err *e);

static void check_case(const struct open_case *c, open_fn fn, const char *fn_name)
{
        struct err e = {0};
        int fd = fn(fx.rootfd, c->path, c->flags, 0640, &e);
        if (c->expect) {
                if (fd < 0)
                        fail_msg("%s('%s'): %s", fn_name, c->path, e.msg);
                _cleanup_free_ char *want = xasprintf("%s/%s", fx.root, c->expect);
                struct stat got, exp;
                assert_int_equal(fstat(fd, &got), 0);
                assert_int_equal((c->expect_link ? lstat : stat)(want, &exp), 0);
                if (got.st_dev != exp.st_dev || got.st_ino != exp.st_ino)
                        fail_msg("%s('%s') opened the wrong file (want '%s')", fn_name, c->path,
                                 c->expect);
                assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
                close(fd);
        } else {
                if (fd >= 0)
                        fail_msg("%s('%s') succeeded, want errno %d", fn_name, c->path,
                                 c->expect_errno);
                if (fd != -c->expect_errno)
                        fail_msg("%s('%s') = %d (%s), want -%d", fn_name, c->path, fd, e.msg,
                                 c->expect_errno);
                assert_int_equal(e.code, c->expect_errno);
                assert_non_null(strstr(e.msg, c->path));
                err_done(&e);
        }
        /* whatever happened, nothing may appear outside the root */
        _cleanup_free_ char *outside = xasprintf("/%s", fx.escape_name);
        _cleanup_free_ char *outside_rel = xasprintf("%s/%s.rel", fx.tmp, fx.escape_name);
        _cleanup_free_ char *outside_rel2 = xasprintf("/%s.rel", fx.escape_name);
        assert_false(fs_exists(outside));
        assert_false(fs_exists(outside_rel));
        assert_false(fs_exists(outside_rel2));
        if (c->created) {
                _cleanup_free_ char *p = xasprintf("%s/%s", fx.root, c->created);
                assert_true(fs_exists(p));
                assert_int_equal(unlink(p), 0);
        }
}

static void run_cases(const struct open_case *cases, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                check_case(&cases[i], fs_open_in_root, "fs_open_in_root");
                check_case(&cases[i], fs_open_in_root_walk, "fs_open_in_root_walk");
        }
}

static void test_root_escapes(void **state)
{
        (void)state;
        const struct open_case cases[] = {
                {"etc/passwd", O_RDONLY, "etc/passwd"},
                {"/etc/passwd", O_RDONLY, "etc/passwd"},
                {"../etc/passwd", O_RDONLY, "etc/passwd"},
                {"../../../../../etc/passwd", O_RDONLY, "etc/passwd"},
                {"/../etc/../../etc/passwd", O_RDONLY, "etc/passwd"},
                {"dir/../../etc/passwd", O_RDONLY, "etc/passwd"},
                {"dir/sub/../../../etc//passwd", O_RDONLY, "etc/passwd"},
                {"abs/passwd", O_RDONLY, "etc/passwd"},
                {"abs_passwd", O_RDONLY, "etc/passwd"},
                {"abs/../abs/./passwd", O_RDONLY, "etc/passwd"},
                {"rel_up/passwd", O_RDONLY, "etc/passwd"},
                {"dir/rel_up2", O_RDONLY, "etc/passwd"},
                {"dir/to_sub/..", O_RDONLY | O_DIRECTORY, "dir"},
                {"dir/to_file", O_RDONLY, "file"},
                {"/", O_RDONLY | O_DIRECTORY, "."},
                {".", O_RDONLY, "."},
                {"..", O_PATH, "."},
                {"dir/..", O_RDONLY, "."},
                {"abs", O_RDONLY | O_DIRECTORY, "etc"},
                {"abs/", O_RDONLY | O_NOFOLLOW, "etc"},
                {"abs", O_PATH | O_NOFOLLOW, "abs", 0, true},
                {"abs_passwd", O_RDONLY | O_NOFOLLOW, NULL, ELOOP},
                {"abs_passwd", O_PATH, "etc/passwd"},
                {"to_proc/passwd", O_RDONLY, NULL, ENOENT},
        };
        run_cases(cases, ARRAY_SIZE(cases));
}

static void test_root_loops(void **state)
{
        (void)state;
        const struct open_case cases[] = {
                {"loop_a", O_RDONLY, NULL, ELOOP},
                {"loop_b/x", O_RDONLY, NULL, ELOOP},
                {"self", O_RDONLY, NULL, ELOOP},
                {"self/", O_PATH, NULL, ELOOP},
                {"self", O_PATH | O_NOFOLLOW, "self", 0, true},
                /* 40 links are allowed, the 41st is one too many */
                {"c1", O_RDONLY | O_DIRECTORY, "dir"},
                {"c1/file", O_RDONLY, "dir/file"},
                {"c0", O_RDONLY, NULL, ELOOP},
                {"c0/file", O_RDONLY, NULL, ELOOP},
                {"c0", O_PATH | O_NOFOLLOW, "c0", 0, true},
        };
        run_cases(cases, ARRAY_SIZE(cases));
}

static void test_root_errors(void **state)
{
        (void)state;
        char long_name[300];
        memset(long_name, 'x', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        _cleanup_free_ char *long_inner = xasprintf("dir/%s/file", long_name);
        const struct open_case cases[] = {
                {"", O_RDONLY, NULL, ENOENT},
                {"missing", O_RDONLY, NULL, ENOENT},
                {"missing/x", O_RDONLY, NULL, ENOENT},
                {"file/x", O_RDONLY, NULL, ENOTDIR},
                {"file/", O_RDONLY, NULL, ENOTDIR},
                {"file/.", O_RDONLY, NULL, ENOTDIR},
                {"file/..", O_RDONLY, NULL, ENOTDIR},
                {"dir/to_file/", O_RDONLY, NULL, ENOTDIR},
                {"file", O_RDONLY | O_DIRECTORY, NULL, ENOTDIR},
                {"dir", O_WRONLY, NULL, EISDIR},
                {"dir", O_RDONLY | O_CREAT, NULL, EISDIR},
                {".", O_RDWR, NULL, EISDIR},
                {"file", O_WRONLY | O_CREAT | O_EXCL, NULL, EEXIST},
                {"abs", O_WRONLY | O_CREAT | O_EXCL, NULL, EEXIST},
                {"newdir/", O_WRONLY | O_CREAT, NULL, EISDIR},
                {"dir/", O_RDONLY | O_CREAT, NULL, EISDIR},
                {long_name, O_RDONLY, NULL, ENAMETOOLONG},
                {long_inner, O_RDONLY, NULL, ENAMETOOLONG},
        };
        run_cases(cases, ARRAY_SIZE(cases));
}

static void test_root_create(void **state)
{
        (void)state;
        _cleanup_free_ char *created = xstrdup(fx.escape_name);
        _cleanup_free_ char *created_rel = xasprintf("%s.rel", fx.escape_name);
        const struct open_case cases[] = {
                {"new", O_WRONLY | O_CREAT, "new", 0, false, "new"},
                {"dir/../../new", O_WRONLY | O_CREAT | O_EXCL, "new", 0, false, "new"},
                {"abs/new", O_RDWR | O_CREAT, "etc/new", 0, false, "etc/new"},
                /* a dangling link is followed inside the root, never outside */
                {"dangling", O_WRONLY | O_CREAT, created, 0, false, created},
                {"dir/dangling_rel", O_WRONLY | O_CREAT, created_rel, 0, false, created_rel},
                {"dangling", O_WRONLY | O_CREAT | O_EXCL, NULL, EEXIST},
                {"dangling", O_WRONLY | O_CREAT | O_NOFOLLOW, NULL, ELOOP},
                {"dangling", O_RDONLY, NULL, ENOENT},
                /* an existing file is opened, not replaced */
                {"file", O_RDONLY | O_CREAT, "file"},
                {"abs_passwd", O_RDONLY | O_CREAT, "etc/passwd"},
        };
        run_cases(cases, ARRAY_SIZE(cases));

        /* the mode is honoured (with the umask, as open(2) does) */
        mode_t old = umask(022);
        struct err e = {0};
        int fd = fs_open_in_root_walk(fx.rootfd, "m", O_WRONLY | O_CREAT, 0751, &e);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0751 & ~022);
        close(fd);
        _cleanup_free_ char *m = xasprintf("%s/m", fx.root);
        assert_int_equal(unlink(m), 0);
        umask(old);
}

/* /proc magic links must not be followed, plain /proc links must. */
static void test_root_proc(void **state)
{
        (void)state;
        int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_true(procfd >= 0);
        int probe = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(probe >= 0);
        _cleanup_free_ char *fdpath = xasprintf("self/fd/%d", probe);
        const struct {
                const char *path;
                int flags;
                int expect_errno; /* 0: must succeed */
        } cases[] = {
                {"self/status", O_RDONLY, 0},
                {"thread-self/status", O_RDONLY, 0},
                {"self/root/etc/passwd", O_RDONLY, ELOOP},
                {"self/cwd", O_RDONLY | O_DIRECTORY, ELOOP},
                {"self/exe", O_RDONLY, ELOOP},
                {"self/ns/net", O_RDONLY, ELOOP},
                {fdpath, O_RDONLY, ELOOP},
                {fdpath, O_PATH | O_NOFOLLOW, 0},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct err e = {0};
                int a = fs_open_in_root(procfd, cases[i].path, cases[i].flags, 0, &e);
                err_done(&e);
                int b = fs_open_in_root_walk(procfd, cases[i].path, cases[i].flags, 0, &e);
                err_done(&e);
                if (cases[i].expect_errno) {
                        if (a != -cases[i].expect_errno || b != -cases[i].expect_errno)
                                fail_msg("'%s': openat2 %d, walk %d, want -%d", cases[i].path, a, b,
                                         cases[i].expect_errno);
                } else {
                        if (a < 0 || b < 0)
                                fail_msg("'%s': openat2 %d, walk %d", cases[i].path, a, b);
                        struct stat sa, sb;
                        assert_int_equal(fstat(a, &sa), 0);
                        assert_int_equal(fstat(b, &sb), 0);
                        assert_int_equal(sa.st_dev, sb.st_dev);
                        assert_int_equal(sa.st_ino, sb.st_ino);
                        close(a);
                        close(b);
                }
        }
        close(probe);
        close(procfd);
}

/* A root that is not a directory, and AT_FDCWD as root. */
static void test_root_misc(void **state)
{
        (void)state;
        struct err e = {0};
        int filefd = openat(fx.rootfd, "file", O_RDONLY | O_CLOEXEC);
        assert_true(filefd >= 0);
        assert_int_equal(fs_open_in_root(filefd, "x", O_RDONLY, 0, &e), -ENOTDIR);
        err_done(&e);
        assert_int_equal(fs_open_in_root_walk(filefd, "x", O_RDONLY, 0, &e), -ENOTDIR);
        err_done(&e);
        close(filefd);

        /* the message names the path and the root */
        assert_int_equal(fs_open_in_root_walk(fx.rootfd, "missing", O_RDONLY, 0, &e), -ENOENT);
        _cleanup_free_ char *want =
                xasprintf("open 'missing' in root '%s': No such file or directory", fx.root);
        assert_string_equal(e.msg, want);
        err_done(&e);

        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        assert_int_equal(chdir(fx.root), 0);
        int a = fs_open_in_root(AT_FDCWD, "/abs/passwd", O_RDONLY, 0, &e);
        int b = fs_open_in_root_walk(AT_FDCWD, "/abs/passwd", O_RDONLY, 0, &e);
        assert_int_equal(chdir(cwd), 0);
        assert_true(a >= 0 && b >= 0);
        char buf[16] = {0};
        assert_int_equal(read(a, buf, sizeof(buf) - 1), 7);
        assert_string_equal(buf, "inside\n");
        memset(buf, 0, sizeof(buf));
        assert_int_equal(read(b, buf, sizeof(buf) - 1), 7);
        assert_string_equal(buf, "inside\n");
        close(a);
        close(b);

        /* O_TMPFILE: an unnamed file in the resolved directory */
        a = fs_open_in_root(fx.rootfd, "abs", O_TMPFILE | O_RDWR, 0600, &e);
        b = fs_open_in_root_walk(fx.rootfd, "abs", O_TMPFILE | O_RDWR, 0600, &e);
        assert_true(a >= 0 && b >= 0);
        struct stat sa, sb, etc;
        assert_int_equal(fstat(a, &sa), 0);
        assert_int_equal(fstat(b, &sb), 0);
        _cleanup_free_ char *etcpath = xasprintf("%s/etc", fx.root);
        assert_int_equal(stat(etcpath, &etc), 0);
        assert_true(S_ISREG(sa.st_mode) && S_ISREG(sb.st_mode));
        assert_int_equal(sa.st_nlink, 0);
        assert_int_equal(sb.st_nlink, 0);
        assert_int_equal(sa.st_dev, etc.st_dev);
        close(a);
        close(b);
}

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* Make openat2 fail with `err`, as an old kernel (ENOSYS) or a seccomp
 * profile that predates it (EPERM) would. */
static int deny_openat2(int err)
{
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {.len = ARRAY_SIZE(filter), .filter = filter};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -1;
        return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* Without openat2, fs_open_in_root falls back to the walk. */
static void test_root_fallback(void **state)
{
        (void)state;
        static const int errs[] = {ENOSYS, EPERM};
        for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
                pid_t pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        if (deny_openat2(errs[i]) < 0)
                                _exit(10);
                        struct open_how_probe {
                                uint64_t flags, mode, resolve;
                        } how = {O_RDONLY, 0, 0};
                        if (syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how)) >= 0 ||
                            errno != errs[i])
                                _exit(11);
                        struct err e = {0};
                        int fd =
                                fs_open_in_root(fx.rootfd, "abs/../rel_up/passwd", O_RDONLY, 0, &e);
                        if (fd < 0)
                                _exit(12);
                        char buf[16] = {0};
                        if (read(fd, buf, sizeof(buf) - 1) != 7 || !STREQ(buf, "inside\n"))
                                _exit(13);
                        close(fd);
                        if (fs_open_in_root(fx.rootfd, "loop_a", O_RDONLY, 0, &e) != -ELOOP)
                                _exit(14);
                        /* the message comes from the walk */
                        if (!str_has_prefix(e.msg, "open 'loop_a' in root"))
                                _exit(15);
                        err_done(&e);
                        if (fs_open_in_root(fx.rootfd, "missing", O_RDONLY, 0, NULL) != -ENOENT)
                                _exit(16);
                        _exit(0);
                }
                int status = 0;
                assert_int_equal(waitpid(pid, &status, 0), pid);
                assert_true(WIFEXITED(status));
                assert_int_equal(WEXITSTATUS(status), 0);
        }
}

/* fs_write_all into a non-blocking pipe that fills: it waits for room
 * instead of failing with EAGAIN, and every byte arrives in order;
 * fs_pwrite_all writes at its offset; a closed reader is -EPIPE. */
static void test_write_all(void **state)
{
        (void)state;
        int p[2];
        assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
        size_t len = 1u << 20; /* a pipe holds 64 KiB */
        unsigned char *buf = xmalloc(len);
        for (size_t i = 0; i < len; i++)
                buf[i] = (unsigned char)(i * 7 + i / 251);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                _exit(fs_write_all(p[1], buf, len) == 0 ? 0 : 1);
        }
        close(p[1]);
        int fl = fcntl(p[0], F_GETFL);
        assert_int_equal(fcntl(p[0], F_SETFL, fl & ~O_NONBLOCK), 0);
        unsigned char *got = xmalloc(len);
        size_t have = 0;
        ssize_t n;
        while ((n = read(p[0], got + have, len - have > 4096 ? 4096 : len - have)) > 0) {
                have += (size_t)n;
                struct timespec ts = {0, 20000}; /* a slow reader */
                nanosleep(&ts, NULL);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_int_equal(have, len);
        assert_memory_equal(got, buf, len);
        close(p[0]);

        char *dir = unit_tmpdir();
        char *path = xasprintf("%s/f", dir);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(fs_pwrite_all(fd, "abcdef", 6, 0), 0);
        assert_int_equal(fs_pwrite_all(fd, "XY", 2, 2), 0);
        assert_int_equal(fs_pwrite_all(fd, "Z", 1, -1), -EINVAL);
        char back[7] = {0};
        assert_int_equal(pread(fd, back, 6, 0), 6);
        assert_string_equal(back, "abXYef");
        close(fd);

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        close(p[0]);
        signal(SIGPIPE, SIG_IGN);
        assert_int_equal(fs_write_all(p[1], "x", 1), -EPIPE);
        signal(SIGPIPE, SIG_DFL);
        close(p[1]);
        unit_rmtree(dir);
        free(dir);
        free(path);
        free(buf);
        free(got);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_file),
                cmocka_unit_test(test_read_pid),
                cmocka_unit_test(test_read_file_proc),
                cmocka_unit_test(test_read_file_large),
                cmocka_unit_test(test_write_atomic_volatile),
                cmocka_unit_test(test_write_atomic),
                cmocka_unit_test(test_write_atomic_long_name),
                cmocka_unit_test(test_write_atomic_failures),
                cmocka_unit_test(test_write_atomic_enospc),
                cmocka_unit_test(test_mkdir_p),
                cmocka_unit_test(test_mkdir_p_racing_rmdir),
                cmocka_unit_test_setup_teardown(test_root_escapes, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_root_loops, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_root_errors, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_root_create, root_setup, root_teardown),
                cmocka_unit_test(test_root_proc),
                cmocka_unit_test_setup_teardown(test_root_fallback, root_setup, root_teardown),
                cmocka_unit_test_setup_teardown(test_root_misc, root_setup, root_teardown),
                cmocka_unit_test(test_write_all),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
