/* SPDX-License-Identifier: Apache-2.0 */
/* lock.c: OFD locks against each other and against podman-style POSIX locks,
 * and the last-writer token. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "unit.h"

static char *tmpdir;
static char *lockpath;

static int setup(void **state)
{
        (void)state;
        tmpdir = unit_tmpdir();
        lockpath = xasprintf("%s/layers.lock", tmpdir);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        unit_rmtree(tmpdir);
        free(tmpdir);
        free(lockpath);
        return 0;
}

static struct lockfile *open_lock(bool ro)
{
        struct lockfile *l = NULL;
        struct err e = {0};
        if (lockfile_open(lockpath, ro, &l, &e) < 0)
                fail_msg("lockfile_open: %s", e.msg);
        return l;
}

static void test_open(void **state)
{
        (void)state;
        struct err e = {0};
        struct lockfile *l = NULL;
        /* read-only does not create */
        assert_int_equal(lockfile_open(lockpath, true, &l, &e), -ENOENT);
        assert_null(l);
        _cleanup_free_ char *want =
                xasprintf("open lock file '%s': No such file or directory", lockpath);
        assert_string_equal(e.msg, want);
        err_done(&e);

        mode_t old = umask(0);
        l = open_lock(false);
        umask(old);
        struct stat st;
        assert_int_equal(fstat(l->fd, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        assert_int_equal(st.st_size, 0);
        assert_true(fcntl(l->fd, F_GETFD) & FD_CLOEXEC);
        assert_int_equal(l->held, 0);
        assert_false(l->ro);
        assert_string_equal(l->path, lockpath);
        lockfile_free(l);
        lockfile_free(NULL);

        l = open_lock(true);
        assert_true(l->ro);
        assert_int_equal(fcntl(l->fd, F_GETFL) & O_ACCMODE, O_RDONLY);
        lockfile_free(l);
}

/* Two opens in one process exclude each other: OFD locks belong to the open
 * file description, not to the process as POSIX locks would. */
static void test_ofd_same_process(void **state)
{
        (void)state;
        struct err e = {0};
        _cleanup_(lockfile_freep) struct lockfile *a = open_lock(false);
        _cleanup_(lockfile_freep) struct lockfile *b = open_lock(false);

        assert_int_equal(lockfile_lock(a, &e), 0);
        assert_int_equal(a->held, 2);
        assert_int_equal(lockfile_trylock(b, true, &e), -EAGAIN);
        assert_int_equal(e.code, EAGAIN);
        assert_non_null(strstr(e.msg, lockpath));
        err_done(&e);
        assert_int_equal(lockfile_trylock(b, false, &e), -EAGAIN);
        err_done(&e);
        assert_int_equal(b->held, 0);

        /* two readers coexist, a writer is kept out */
        assert_int_equal(lockfile_unlock(a, &e), 0);
        assert_int_equal(a->held, 0);
        assert_int_equal(lockfile_rlock(a, &e), 0);
        assert_int_equal(a->held, 1);
        assert_int_equal(lockfile_trylock(b, false, &e), 0);
        assert_int_equal(b->held, 1);
        assert_int_equal(lockfile_trylock(b, true, &e), -EAGAIN);
        err_done(&e);
        assert_int_equal(b->held, 1);

        /* closing some other fd of the file keeps our lock (a POSIX lock
         * would be dropped) */
        int other = open(lockpath, O_RDONLY | O_CLOEXEC);
        assert_true(other >= 0);
        close(other);
        assert_int_equal(lockfile_unlock(b, &e), 0);
        assert_int_equal(lockfile_unlock(b, &e), 0); /* unlocking twice is harmless */
        _cleanup_(lockfile_freep) struct lockfile *c = open_lock(false);
        assert_int_equal(lockfile_trylock(c, true, &e), -EAGAIN);
        err_done(&e);

        /* free releases */
        lockfile_free(a);
        a = NULL;
        assert_int_equal(lockfile_trylock(c, true, &e), 0);
        assert_int_equal(lockfile_trylock(b, false, &e), -EAGAIN);
        err_done(&e);
}

static void test_readonly(void **state)
{
        (void)state;
        struct err e = {0};
        lockfile_free(open_lock(false)); /* create it */
        _cleanup_(lockfile_freep) struct lockfile *r = open_lock(true);
        assert_int_equal(lockfile_lock(r, &e), -EBADF);
        assert_non_null(strstr(e.msg, "read-only"));
        assert_non_null(strstr(e.msg, lockpath));
        err_done(&e);
        assert_int_equal(lockfile_trylock(r, true, &e), -EBADF);
        err_done(&e);
        assert_int_equal(r->held, 0);
        assert_int_equal(lockfile_rlock(r, &e), 0);
        assert_int_equal(lockfile_touch(r, &e), -ENOLCK);
        err_done(&e);
        bool modified = false;
        assert_int_equal(lockfile_modified(r, &modified, &e), 0);
        assert_true(modified);
        assert_int_equal(lockfile_unlock(r, &e), 0);
}

/* What podman does: a classic POSIX fcntl lock over the whole file. */
static int posix_lock(int fd, short type, bool wait)
{
        struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
        return fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl);
}

static void wait_child(pid_t pid, int want_status)
{
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), want_status);
}

static double now_seconds(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A child holds a POSIX write lock: our trylock fails, and a blocking lock
 * waits until the child lets go. */
static void test_posix_holder_blocks_us(void **state)
{
        (void)state;
        struct err e = {0};
        lockfile_free(open_lock(false));
        int ready[2], go[2];
        assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
        assert_int_equal(pipe2(go, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int fd = open(lockpath, O_RDWR | O_CLOEXEC);
                if (fd < 0 || posix_lock(fd, F_WRLCK, false) < 0)
                        _exit(10);
                char c = 'x';
                if (write(ready[1], &c, 1) != 1)
                        _exit(11);
                if (read(go[0], &c, 1) != 1)
                        _exit(12);
                /* hold on a little longer: the parent's lockfile_lock blocks */
                struct timespec ts = {0, 200 * 1000 * 1000};
                nanosleep(&ts, NULL);
                _exit(0);
        }
        close(ready[1]);
        close(go[0]);
        char c;
        assert_int_equal(read(ready[0], &c, 1), 1);

        _cleanup_(lockfile_freep) struct lockfile *l = open_lock(false);
        assert_int_equal(lockfile_trylock(l, true, &e), -EAGAIN);
        err_done(&e);
        assert_int_equal(lockfile_trylock(l, false, &e), -EAGAIN);
        err_done(&e);

        double t0 = now_seconds();
        assert_int_equal(write(go[1], "g", 1), 1);
        assert_int_equal(lockfile_lock(l, &e), 0);
        double waited = now_seconds() - t0;
        assert_true(waited > 0.1);
        wait_child(pid, 0);
        close(ready[0]);
        close(go[1]);
}

/* We hold the lock: a child's POSIX locks (what podman takes) fail. */
static void test_we_block_posix(void **state)
{
        (void)state;
        struct err e = {0};
        _cleanup_(lockfile_freep) struct lockfile *l = open_lock(false);

        /* exit codes: 0 = lock failed with EAGAIN/EACCES, 1 = lock taken */
        static const short types[] = {F_WRLCK, F_RDLCK};
        for (int held = 1; held <= 2; held++) {
                if (held == 2)
                        assert_int_equal(lockfile_lock(l, &e), 0);
                else
                        assert_int_equal(lockfile_rlock(l, &e), 0);
                for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
                        pid_t pid = fork();
                        assert_true(pid >= 0);
                        if (pid == 0) {
                                int fd = open(lockpath, O_RDWR | O_CLOEXEC);
                                if (fd < 0)
                                        _exit(20);
                                if (posix_lock(fd, types[i], false) == 0)
                                        _exit(1);
                                _exit(errno == EAGAIN || errno == EACCES ? 0 : 21);
                        }
                        /* our read lock lets a POSIX reader in, nothing else */
                        bool may_lock = held == 1 && types[i] == F_RDLCK;
                        wait_child(pid, may_lock ? 1 : 0);
                }
                assert_int_equal(lockfile_unlock(l, &e), 0);
        }

        /* after unlock the child gets its write lock */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                int fd = open(lockpath, O_RDWR | O_CLOEXEC);
                _exit(fd >= 0 && posix_lock(fd, F_WRLCK, false) == 0 ? 0 : 1);
        }
        wait_child(pid, 0);
}

static void test_token_roundtrip(void **state)
{
        (void)state;
        struct err e = {0};
        _cleanup_(lockfile_freep) struct lockfile *a = open_lock(false);
        _cleanup_(lockfile_freep) struct lockfile *b = open_lock(false);
        bool modified = false;

        /* needs the lock */
        assert_int_equal(lockfile_modified(a, &modified, &e), -ENOLCK);
        err_done(&e);
        assert_int_equal(lockfile_touch(a, &e), -ENOLCK);
        err_done(&e);

        assert_int_equal(lockfile_lock(a, &e), 0);
        /* an empty lock file always reads as modified */
        for (int i = 0; i < 3; i++) {
                modified = false;
                assert_int_equal(lockfile_modified(a, &modified, &e), 0);
                assert_true(modified);
        }
        /* our own touch is not a modification */
        assert_int_equal(lockfile_touch(a, &e), 0);
        assert_int_equal(lockfile_modified(a, &modified, &e), 0);
        assert_false(modified);
        assert_int_equal(lockfile_unlock(a, &e), 0);

        /* another holder sees the first token as new, then not any more */
        assert_int_equal(lockfile_lock(b, &e), 0);
        assert_int_equal(lockfile_modified(b, &modified, &e), 0);
        assert_true(modified);
        assert_int_equal(lockfile_modified(b, &modified, &e), 0);
        assert_false(modified);
        assert_int_equal(lockfile_touch(b, &e), 0);
        assert_int_equal(lockfile_unlock(b, &e), 0);

        /* b's write is a modification for a, once */
        assert_int_equal(lockfile_rlock(a, &e), 0);
        assert_int_equal(lockfile_modified(a, &modified, &e), 0);
        assert_true(modified);
        assert_int_equal(lockfile_modified(a, &modified, &e), 0);
        assert_false(modified);
        assert_int_equal(lockfile_unlock(a, &e), 0);

        /* a foreign writer that only rewrites part of the token counts too */
        assert_int_equal(lockfile_lock(b, &e), 0);
        unsigned char x = 0;
        assert_int_equal(pread(b->fd, &x, 1, 63), 1);
        x ^= 0xff;
        assert_int_equal(pwrite(b->fd, &x, 1, 63), 1);
        assert_int_equal(lockfile_unlock(b, &e), 0);
        assert_int_equal(lockfile_lock(a, &e), 0);
        assert_int_equal(lockfile_modified(a, &modified, &e), 0);
        assert_true(modified);

        /* a file cut short (another tool truncated it) reads as modified */
        assert_int_equal(ftruncate(a->fd, 10), 0);
        assert_int_equal(lockfile_modified(a, &modified, &e), 0);
        assert_true(modified);
        assert_int_equal(lockfile_modified(a, &modified, &e), 0);
        assert_true(modified);
        /* touching again restores a full token without truncating */
        assert_int_equal(lockfile_touch(a, &e), 0);
        struct stat st;
        assert_int_equal(fstat(a->fd, &st), 0);
        assert_int_equal(st.st_size, LOCK_TOKEN_SIZE);
        assert_int_equal(lockfile_modified(a, &modified, &e), 0);
        assert_false(modified);
        assert_int_equal(lockfile_unlock(a, &e), 0);
}

static uint64_t get_le(const unsigned char *p, size_t n)
{
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v |= (uint64_t)p[i] << (8 * i);
        return v;
}

static void test_token_layout(void **state)
{
        (void)state;
        struct err e = {0};
        _cleanup_(lockfile_freep) struct lockfile *l = open_lock(false);
        /* a longer file keeps its tail: the token is written, not truncated */
        unsigned char junk[100];
        memset(junk, 0xee, sizeof(junk));
        assert_int_equal(pwrite(l->fd, junk, sizeof(junk), 0), (ssize_t)sizeof(junk));

        assert_int_equal(lockfile_lock(l, &e), 0);
        struct timespec t0, t1;
        clock_gettime(CLOCK_REALTIME, &t0);
        assert_int_equal(lockfile_touch(l, &e), 0);
        clock_gettime(CLOCK_REALTIME, &t1);
        unsigned char tok1[LOCK_TOKEN_SIZE], tok2[LOCK_TOKEN_SIZE];
        assert_int_equal(pread(l->fd, tok1, sizeof(tok1), 0), LOCK_TOKEN_SIZE);
        assert_memory_equal(tok1, l->last_token, LOCK_TOKEN_SIZE);
        assert_true(l->have_token);

        uint64_t ns = get_le(tok1, 8);
        uint64_t lo = (uint64_t)t0.tv_sec * 1000000000u + (uint64_t)t0.tv_nsec;
        uint64_t hi = (uint64_t)t1.tv_sec * 1000000000u + (uint64_t)t1.tv_nsec;
        assert_true(ns >= lo && ns <= hi);
        assert_int_equal(get_le(tok1 + 16, 4), (uint64_t)getpid());

        assert_int_equal(lockfile_touch(l, &e), 0);
        assert_int_equal(pread(l->fd, tok2, sizeof(tok2), 0), LOCK_TOKEN_SIZE);
        /* the counter moves on, the random part differs */
        assert_int_equal(get_le(tok2 + 8, 8), get_le(tok1 + 8, 8) + 1);
        assert_memory_not_equal(tok1 + 20, tok2 + 20, LOCK_TOKEN_SIZE - 20);
        assert_int_equal(get_le(tok2 + 16, 4), (uint64_t)getpid());

        struct stat st;
        assert_int_equal(fstat(l->fd, &st), 0);
        assert_int_equal(st.st_size, sizeof(junk));
        unsigned char tail;
        assert_int_equal(pread(l->fd, &tail, 1, 99), 1);
        assert_int_equal(tail, 0xee);
        assert_int_equal(lockfile_unlock(l, &e), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_open, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ofd_same_process, setup, teardown),
                cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
                cmocka_unit_test_setup_teardown(test_posix_holder_blocks_us, setup, teardown),
                cmocka_unit_test_setup_teardown(test_we_block_posix, setup, teardown),
                cmocka_unit_test_setup_teardown(test_token_roundtrip, setup, teardown),
                cmocka_unit_test_setup_teardown(test_token_layout, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
