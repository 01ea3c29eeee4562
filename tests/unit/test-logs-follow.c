/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for `logs --follow` (libcore/engine/ctr-logs-follow.c): when
 * following ends (the monitor's files), and writers that rotate, truncate
 * or restart while the log is read: every line once, in order.
 */
#include "test-logs.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* ---------------------------------------------------------------- follow */

static void test_follow_exited(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        _cleanup_free_ char *l = k8s(1000, "stdout", "F", "done");
        write_str(dir, "ctr.log", l);
        /* Exited (the monitor removed monitor.pid): follow prints what
         * there is and returns. */
        write_str(dir, "exit.json", "{\"exit_code\":0,\"restarts\":0}\n");
        struct ctr_log_source src = {.path = path, .format = CTR_LOG_K8S_FILE, .run_dir = dir};
        struct ctr_log_opts o = {.tail = -1, .follow = true};
        struct result res = run_logs(&src, 1, &o);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "done\n");
        result_done(&res);
        /* Never started (no monitor.pid, no exit.json): returns too. */
        _cleanup_free_ char *ex = xasprintf("%s/exit.json", dir);
        unlink(ex);
        res = run_logs(&src, 1, &o);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "done\n");
        result_done(&res);
        /* A dead monitor: returns. */
        pid_t child = fork();
        if (child == 0)
                _exit(0);
        waitpid(child, NULL, 0);
        _cleanup_free_ char *pid = xasprintf("%d\n", (int)child);
        write_str(dir, "monitor.pid", pid);
        res = run_logs(&src, 1, &o);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "done\n");
        result_done(&res);
        /* A live process that is not a berth-monitor (the pid was reused
         * after the monitor was killed): returns too. */
        _cleanup_free_ char *self = xasprintf("%d\n", (int)getpid());
        write_str(dir, "monitor.pid", self);
        res = run_logs(&src, 1, &o);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "done\n");
        result_done(&res);
        unit_rmtree(dir);
}

/* A fake monitor: a child named like the real one. */
static void be_monitor(void)
{
        prctl(PR_SET_NAME, "berth-monitor");
}

/* Write monitor.pid for pid atomically, as the monitor does, once pid has
 * taken the monitor's name. */
static void write_pid(const char *dir, pid_t pid)
{
        _cleanup_free_ char *comm_path = xasprintf("/proc/%d/comm", (int)pid);
        for (int i = 0; i < 5000; i++) {
                _cleanup_free_ char *comm = NULL;
                if (fs_read_file(AT_FDCWD, comm_path, 64, &comm, NULL, NULL) == 0 &&
                    str_has_prefix(comm, "berth-monitor"))
                        break;
                usleep(1000);
        }
        _cleanup_free_ char *text = xasprintf("%d\n", (int)pid);
        write_str(dir, "monitor.pid.tmp", text);
        _cleanup_free_ char *a = xasprintf("%s/monitor.pid.tmp", dir),
                            *b = xasprintf("%s/monitor.pid", dir);
        assert_int_equal(rename(a, b), 0);
}

/* After an exit a restart policy may start the container again: while the
 * monitor lives, follow goes on, through the restart, until it is gone. */
static void test_follow_restart(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        _cleanup_free_ char *l1 = k8s(1000, "stdout", "F", "run1");
        _cleanup_free_ char *l2 = k8s(2000, "stdout", "F", "run2");
        write_str(dir, "ctr.log", l1);
        write_str(dir, "started.json", "{\"restarts\":0}");
        write_str(dir, "exit.json", "{\"restarts\":0}");
        pid_t child = fork();
        if (child == 0) {
                be_monitor();
                usleep(400000); /* the restart back-off */
                write_str(dir, "started.json", "{\"restarts\":1}");
                int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
                if (write(fd, l2, strlen(l2)) < 0)
                        _exit(1);
                close(fd);
                write_str(dir, "exit.json", "{\"restarts\":1}");
                _cleanup_free_ char *p = xasprintf("%s/monitor.pid", dir);
                unlink(p);
                usleep(200000);
                _exit(0);
        }
        write_pid(dir, child);
        struct ctr_log_source src = {.path = path, .format = CTR_LOG_K8S_FILE, .run_dir = dir};
        struct ctr_log_opts o = {.tail = -1, .follow = true};
        struct result res = run_logs(&src, 1, &o);
        waitpid(child, NULL, 0);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "run1\nrun2\n");
        result_done(&res);
        unit_rmtree(dir);
}

#define FOLLOW_LINES 3000
#define ROTATE_EVERY 170

/* The monitor's rotation (mon-log.c): shift .N, hard-link the current
 * file as .1, rename a fresh file over the path. */
static int rotate(const char *dir, int fd, int max_file)
{
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        _cleanup_free_ char *tmp = xasprintf("%s/ctr.log.new", dir);
        _cleanup_free_ char *one = xasprintf("%s.1", path);
        int nfd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        for (int k = max_file - 1; k >= 2; k--) {
                _cleanup_free_ char *from = xasprintf("%s.%d", path, k - 1);
                _cleanup_free_ char *to = xasprintf("%s.%d", path, k);
                (void)rename(from, to);
        }
        (void)unlink(one);
        if (link(path, one) < 0)
                _exit(3);
        if (rename(tmp, path) < 0)
                _exit(4);
        close(fd);
        return nfd;
}

/* The writer: FOLLOW_LINES numbered lines (every 7th split in P+F, every
 * 5th on stderr), rotating often, then exit.json as the monitor writes it. */
static _noreturn_ void writer(const char *dir, int max_file)
{
        be_monitor();
        char path[512];
        snprintf(path, sizeof(path), "%s/ctr.log", dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        for (int i = 0; i < FOLLOW_LINES; i++) {
                char buf[256];
                const char *stream = i % 5 == 0 ? "stderr" : "stdout";
                int n;
                if (i % 7 == 0)
                        n = snprintf(buf, sizeof(buf),
                                     "2026-11-28T04:00:00.%09d+00:00 %s P l%d-\n"
                                     "2026-11-28T04:00:00.%09d+00:00 %s F x\n",
                                     i, stream, i, i, stream);
                else
                        n = snprintf(buf, sizeof(buf), "2026-11-28T04:00:00.%09d+00:00 %s F l%d\n",
                                     i, stream, i);
                if (write(fd, buf, (size_t)n) != n)
                        _exit(2);
                if (i % ROTATE_EVERY == ROTATE_EVERY - 1)
                        fd = rotate(dir, fd, max_file);
                /* With few rotated files kept, a writer far ahead of the
                 * reader deletes files not read yet (as with docker): give
                 * the reader a start, then pace the writer a little. */
                if (i == 300)
                        usleep(150000);
                if (max_file < 10 ? i % 3 == 0 : i % 97 == 0)
                        usleep(max_file < 10 ? 300 : 2000);
        }
        close(fd);
        char tmp[512], ex[512];
        snprintf(tmp, sizeof(tmp), "%s/exit.json.tmp", dir);
        snprintf(ex, sizeof(ex), "%s/exit.json", dir);
        int efd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (write(efd, "{\"exit_code\":0,\"restarts\":0}\n", 29) != 29)
                _exit(5);
        close(efd);
        rename(tmp, ex);
        usleep(100000); /* the monitor lives on a little after exit.json */
        char pidf[512];
        snprintf(pidf, sizeof(pidf), "%s/monitor.pid", dir);
        unlink(pidf);
        usleep(200000);
        _exit(0);
}

static void check_follow(int max_file, bool with_tail)
{
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        /* Some lines before the reader starts, in a rotated file too. */
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0)
                writer(dir, max_file);
        write_pid(dir, child);
        usleep(20000);
        struct ctr_log_source src = {.path = path, .format = CTR_LOG_K8S_FILE, .run_dir = dir};
        struct ctr_log_opts o = {.tail = with_tail ? 0 : -1, .follow = true};
        struct result res = run_logs(&src, 1, &o);
        int status;
        waitpid(child, &status, 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(res.r, 0);
        /* Every line exactly once, in order, in its stream (or, after a
         * --tail 0 start, a complete suffix of them). */
        struct sbuf want_out = {0}, want_err = {0};
        for (int i = 0; i < FOLLOW_LINES; i++)
                sbuf_printf(i % 5 == 0 ? &want_err : &want_out, i % 7 == 0 ? "l%d-x\n" : "l%d\n",
                            i);
        if (with_tail) {
                size_t lo = strlen(res.out), le = strlen(res.err);
                assert_true(lo <= want_out.len && le <= want_err.len);
                assert_string_equal(res.out, want_out.buf + want_out.len - lo);
                assert_string_equal(res.err, want_err.buf + want_err.len - le);
        } else {
                assert_string_equal(res.out, want_out.buf);
                assert_string_equal(res.err, want_err.buf);
        }
        sbuf_done(&want_out);
        sbuf_done(&want_err);
        result_done(&res);
        unit_rmtree(dir);
}

static void test_follow_rotation(void **state)
{
        (void)state;
        check_follow(4, false);
}

static void test_follow_rotation_many_files(void **state)
{
        (void)state;
        check_follow(100, false);
}

static void test_follow_tail0(void **state)
{
        (void)state;
        check_follow(3, true);
}

/* A file truncated in place while followed is read again from its start. */
static void test_follow_truncate(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        _cleanup_free_ char *l1 = k8s(1000, "stdout", "F", "before-truncate-long-line");
        _cleanup_free_ char *l2 = k8s(2000, "stdout", "F", "after");
        write_str(dir, "ctr.log", l1);
        pid_t child = fork();
        if (child == 0) {
                be_monitor();
                usleep(300000);
                int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
                if (write(fd, l2, strlen(l2)) < 0)
                        _exit(1);
                close(fd);
                usleep(300000);
                int efd = open(dir, O_PATH | O_CLOEXEC);
                int x = openat(efd, "exit.json", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                if (write(x, "{}", 2) != 2)
                        _exit(1);
                unlinkat(efd, "monitor.pid", 0);
                _exit(0);
        }
        write_pid(dir, child);
        struct ctr_log_source src = {.path = path, .format = CTR_LOG_K8S_FILE, .run_dir = dir};
        struct ctr_log_opts o = {.tail = -1, .follow = true};
        struct result res = run_logs(&src, 1, &o);
        waitpid(child, NULL, 0);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "before-truncate-long-line\nafter\n");
        result_done(&res);
        unit_rmtree(dir);
}

/* The reader's stat() of the log path is where it decides that the file
 * rotated; this one first makes the writer do its worst at that moment:
 * a last line appended to the old file, then the rotation. */
static const char *rotate_hook_dir;

int stat(const char *restrict path, struct stat *restrict buf);
int stat(const char *restrict path, struct stat *restrict buf)
{
        if (rotate_hook_dir && str_has_suffix(path, "/ctr.log")) {
                const char *dir = rotate_hook_dir;
                rotate_hook_dir = NULL;
                _cleanup_free_ char *p = xasprintf("%s/ctr.log", dir);
                int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
                _cleanup_free_ char *l2 = k8s(2000, "stdout", "F", "two");
                assert_int_equal(write(fd, l2, strlen(l2)), (ssize_t)strlen(l2));
                fd = rotate(dir, fd, 3);
                _cleanup_free_ char *l3 = k8s(3000, "stdout", "F", "three");
                assert_int_equal(write(fd, l3, strlen(l3)), (ssize_t)strlen(l3));
                close(fd);
        }
        return fstatat(AT_FDCWD, path, buf, 0);
}

static void test_follow_rotation_race(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        _cleanup_free_ char *l1 = k8s(1000, "stdout", "F", "one");
        write_str(dir, "ctr.log", l1);
        write_str(dir, "exit.json", "{}");
        struct ctr_log_source src = {.path = path, .format = CTR_LOG_K8S_FILE, .run_dir = dir};
        struct ctr_log_opts o = {.tail = -1, .follow = true};
        rotate_hook_dir = dir;
        struct result res = run_logs(&src, 1, &o);
        assert_null(rotate_hook_dir); /* the hook ran */
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "one\ntwo\nthree\n");
        result_done(&res);
        unit_rmtree(dir);
}

/* Several containers followed at once: each one's lines complete and in
 * order, each with its prefix, ending when both have exited. */
static void test_follow_several(void **state)
{
        (void)state;
        _cleanup_free_ char *d1 = unit_tmpdir(), *d2 = unit_tmpdir();
        char *dirs[] = {d1, d2};
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
                write_str(dirs[k], "ctr.log", "");
                kids[k] = fork();
                if (kids[k] == 0) {
                        be_monitor();
                        usleep(100000);
                        _cleanup_free_ char *p = xasprintf("%s/ctr.log", dirs[k]);
                        int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
                        for (int i = 0; i < 300; i++) {
                                _cleanup_free_ char *num = xasprintf("%c%d", 'a' + k, i);
                                _cleanup_free_ char *l = k8s(i, "stdout", "F", num);
                                if (write(fd, l, strlen(l)) < 0)
                                        _exit(1);
                                if (i % 50 == 0)
                                        usleep(5000 * (k + 1));
                        }
                        write_str(dirs[k], "exit.json", "{}");
                        _cleanup_free_ char *pid = xasprintf("%s/monitor.pid", dirs[k]);
                        unlink(pid);
                        _exit(0);
                }
                write_pid(dirs[k], kids[k]);
        }
        _cleanup_free_ char *p1 = xasprintf("%s/ctr.log", d1), *p2 = xasprintf("%s/ctr.log", d2);
        struct ctr_log_source srcs[] = {
                {.path = p1, .format = CTR_LOG_K8S_FILE, .run_dir = d1, .prefix = "one "},
                {.path = p2, .format = CTR_LOG_K8S_FILE, .run_dir = d2, .prefix = "two "},
        };
        struct ctr_log_opts o = {.tail = -1, .follow = true};
        struct result res = run_logs(srcs, 2, &o);
        waitpid(kids[0], NULL, 0);
        waitpid(kids[1], NULL, 0);
        assert_int_equal(res.r, 0);
        struct sbuf got[2] = {{0}}, want[2] = {{0}};
        _cleanup_strv_ char **lines = strv_split(res.out, "\n");
        for (char **l = lines; *l; l++) {
                if (!**l)
                        continue;
                int k = str_has_prefix(*l, "one ") ? 0 : str_has_prefix(*l, "two ") ? 1 : -1;
                if (k < 0)
                        fail_msg("line without a prefix: '%s'", *l);
                sbuf_printf(&got[k], "%s\n", *l + 4);
        }
        for (int k = 0; k < 2; k++) {
                for (int i = 0; i < 300; i++)
                        sbuf_printf(&want[k], "%c%d\n", 'a' + k, i);
                assert_string_equal(got[k].buf, want[k].buf);
                sbuf_done(&got[k]);
                sbuf_done(&want[k]);
        }
        result_done(&res);
        unit_rmtree(d1);
        unit_rmtree(d2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_follow_exited),
                cmocka_unit_test(test_follow_rotation),
                cmocka_unit_test(test_follow_rotation_many_files),
                cmocka_unit_test(test_follow_tail0),
                cmocka_unit_test(test_follow_truncate),
                cmocka_unit_test(test_follow_rotation_race),
                cmocka_unit_test(test_follow_restart),
                cmocka_unit_test(test_follow_several),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
