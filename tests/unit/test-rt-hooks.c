/* SPDX-License-Identifier: Apache-2.0 */
/* runtime/hooks.c and runtime/console.c with real programs and a real pty. */
#include "unit.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include "rt-internal.h"

struct fixture {
        char *dir;
        struct json *state;
};

static int setup(void **state)
{
        struct fixture *f = xcalloc(1, sizeof(*f));
        f->dir = unit_tmpdir();
        f->state = json_new_object();
        json_object_set_string(f->state, "ociVersion", "1.2.0");
        json_object_set_string(f->state, "id", "ctr-1");
        json_object_set_string(f->state, "status", "creating");
        json_object_set_int(f->state, "pid", 4242);
        json_object_set_string(f->state, "bundle", "/tmp/bundle \"quoted\"");
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        unit_rmtree(f->dir);
        free(f->dir);
        json_free(f->state);
        free(f);
        return 0;
}

/* Write an executable /bin/sh script; returns its allocated path. */
static char *script(struct fixture *f, const char *name, const char *body)
{
        char *path = xasprintf("%s/%s", f->dir, name);
        _cleanup_free_ char *text = xasprintf("#!/bin/sh\n%s\n", body);
        struct err e = {0};
        assert_int_equal(fs_write_atomic(AT_FDCWD, path, text, strlen(text), 0755, &e), 0);
        return path;
}

static char *slurp(const char *path)
{
        char *buf = NULL;
        size_t len;
        struct err e = {0};
        if (fs_read_file(AT_FDCWD, path, 0, &buf, &len, &e) < 0) {
                err_done(&e);
                return NULL;
        }
        return buf;
}

static void hook_done(struct rt_hook *h)
{
        free(h->path);
        strv_free(h->args);
        strv_free(h->env);
}

static void test_order_and_stdin(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *log = xasprintf("%s/order", f->dir);
        _cleanup_free_ char *in = xasprintf("%s/stdin", f->dir);
        _cleanup_free_ char *b1 = xasprintf("echo one >> '%s'; /bin/cat > '%s'", log, in);
        _cleanup_free_ char *b2 = xasprintf("echo two >> '%s'", log);
        _cleanup_free_ char *b3 = xasprintf("echo three >> '%s'", log);
        struct rt_hook hooks[3] = {
                {.path = script(f, "h1", b1)},
                {.path = script(f, "h2", b2)},
                {.path = script(f, "h3", b3)},
        };
        struct err e = {0};
        assert_int_equal(rt_hooks_run(RT_HOOK_PRESTART, hooks, 3, f->state, &e), 0);
        _cleanup_free_ char *order = slurp(log);
        assert_string_equal(order, "one\ntwo\nthree\n");
        _cleanup_free_ char *got = slurp(in);
        _cleanup_free_ char *want = json_generate(f->state, 0);
        assert_string_equal(got, want);
        for (int i = 0; i < 3; i++)
                hook_done(&hooks[i]);
}

static void test_args_env_exact(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *argf = xasprintf("%s/args", f->dir);
        _cleanup_free_ char *envf = xasprintf("%s/env", f->dir);
        _cleanup_free_ char *cmd = xasprintf("/usr/bin/tr '\\0' '\\n' < /proc/$$/cmdline > '%s'; "
                                             "/usr/bin/tr '\\0' '\\n' < /proc/$$/environ > '%s'",
                                             argf, envf);
        char *args[] = {"odd-argv0", "-c", cmd, "x y", "", "--z", NULL};
        char *env[] = {"A=1", "B=two words", "EMPTY=", NULL};
        struct rt_hook h = {.path = "/bin/sh", .args = args, .env = env};
        struct err e = {0};
        assert_int_equal(rt_hooks_run(RT_HOOK_CREATE_RUNTIME, &h, 1, f->state, &e), 0);
        _cleanup_free_ char *a = slurp(argf);
        _cleanup_free_ char *want = xasprintf("odd-argv0\n-c\n%s\nx y\n\n--z\n", cmd);
        assert_string_equal(a, want);
        _cleanup_free_ char *en = slurp(envf);
        assert_string_equal(en, "A=1\nB=two words\nEMPTY=\n");

        /* No args: argv is the path alone; no env: an empty environment. */
        _cleanup_free_ char *body = xasprintf("/usr/bin/tr '\\0' '\\n' < /proc/$$/environ > '%s'; "
                                              "echo \"$#\" > '%s'",
                                              envf, argf);
        struct rt_hook bare = {.path = script(f, "bare", body)};
        assert_int_equal(rt_hooks_run(RT_HOOK_POSTSTOP, &bare, 1, NULL, &e), 0);
        free(a);
        a = slurp(argf);
        assert_string_equal(a, "0\n");
        free(en);
        en = slurp(envf);
        assert_string_equal(en, "");
        hook_done(&bare);
}

static void test_failure_stops_list(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *mark = xasprintf("%s/mark", f->dir);
        _cleanup_free_ char *b2 = xasprintf(": > '%s'", mark);
        struct rt_hook hooks[2] = {
                {.path = script(f, "fail", "echo 'it broke' >&2; exit 3")},
                {.path = script(f, "after", b2)},
        };
        struct err e = {0};
        assert_int_equal(rt_hooks_run(RT_HOOK_CREATE_CONTAINER, hooks, 2, f->state, &e), -EIO);
        _cleanup_free_ char *want = xasprintf(
                "createContainer hook %s: exit status 3 (output: \"it broke\")", hooks[0].path);
        assert_string_equal(e.msg, want);
        assert_false(fs_exists(mark));
        err_done(&e);
        for (int i = 0; i < 2; i++)
                hook_done(&hooks[i]);
}

static void test_signal(void **state)
{
        struct fixture *f = *state;
        struct rt_hook h = {.path = script(f, "selfkill", "kill -9 $$")};
        struct err e = {0};
        assert_true(rt_hooks_run(RT_HOOK_POSTSTART, &h, 1, f->state, &e) < 0);
        _cleanup_free_ char *want = xasprintf("poststart hook %s: killed by signal 9", h.path);
        assert_string_equal(e.msg, want);
        err_done(&e);
        hook_done(&h);
}

static void test_timeout(void **state)
{
        struct fixture *f = *state;
        /* The sleep outlives the killed shell and holds the output pipe:
         * the run must not wait for it. */
        _cleanup_free_ char *pidf = xasprintf("%s/sleep.pid", f->dir);
        _cleanup_free_ char *body = xasprintf("/bin/sleep 30 & echo $! > '%s'; wait", pidf);
        struct rt_hook h = {.path = script(f, "slow", body), .timeout = 1};
        struct err e = {0};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(rt_hooks_run(RT_HOOK_START_CONTAINER, &h, 1, f->state, &e), -ETIME);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        assert_true(secs >= 0.9 && secs < 5);
        _cleanup_free_ char *want =
                xasprintf("startContainer hook %s: timed out after 1 s", h.path);
        assert_string_equal(e.msg, want);
        err_done(&e);
        hook_done(&h);
        _cleanup_free_ char *spid = slurp(pidf);
        assert_non_null(spid);
        kill(atoi(spid), SIGKILL);
}

static void test_missing_and_not_executable(void **state)
{
        struct fixture *f = *state;
        struct rt_hook h = {.path = "/nonexistent/berth-hook"};
        struct err e = {0};
        assert_int_equal(rt_hooks_run(RT_HOOK_PRESTART, &h, 1, f->state, &e), -ENOENT);
        assert_string_equal(
                e.msg, "prestart hook /nonexistent/berth-hook: exec: No such file or directory");
        err_done(&e);

        _cleanup_free_ char *p = xasprintf("%s/plain", f->dir);
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, "x", 1, 0644, &e), 0);
        struct rt_hook h2 = {.path = p};
        assert_int_equal(rt_hooks_run(RT_HOOK_PRESTART, &h2, 1, f->state, &e), -EACCES);
        assert_non_null(strstr(e.msg, "exec: Permission denied"));
        err_done(&e);
}

/* A state bigger than a pipe buffer: a hook that reads it all gets it all,
 * one that reads nothing must not kill us with SIGPIPE. */
static void test_big_state(void **state)
{
        struct fixture *f = *state;
        _cleanup_free_ char *big = xmalloc(300001);
        memset(big, 'x', 300000);
        big[300000] = '\0';
        struct json *ann = json_new_object();
        json_object_set_string(ann, "big", big);
        json_object_set(f->state, "annotations", ann);
        _cleanup_free_ char *in = xasprintf("%s/stdin", f->dir);
        _cleanup_free_ char *b = xasprintf("/bin/cat > '%s'", in);
        struct rt_hook hooks[2] = {
                {.path = script(f, "reader", b)},
                {.path = script(f, "ignorer", "exit 0")},
        };
        struct err e = {0};
        assert_int_equal(rt_hooks_run(RT_HOOK_PRESTART, hooks, 2, f->state, &e), 0);
        _cleanup_free_ char *got = slurp(in);
        _cleanup_free_ char *want = json_generate(f->state, 0);
        assert_string_equal(got, want);
        /* SIGPIPE is not left pending or blocked. */
        sigset_t set;
        sigpending(&set);
        assert_false(sigismember(&set, SIGPIPE));
        sigprocmask(SIG_SETMASK, NULL, &set);
        assert_false(sigismember(&set, SIGPIPE));
        for (int i = 0; i < 2; i++)
                hook_done(&hooks[i]);
}

/* fds the caller left open without O_CLOEXEC do not reach the hook. */
static void test_fds_not_leaked(void **state)
{
        struct fixture *f = *state;
        int leak = open("/dev/null", O_RDONLY);
        assert_true(leak >= 0);
        _cleanup_free_ char *out = xasprintf("%s/fds", f->dir);
        _cleanup_free_ char *b = xasprintf("/bin/ls /proc/$$/fd > '%s'", out);
        struct rt_hook h = {.path = script(f, "fds", b)};
        struct err e = {0};
        assert_int_equal(rt_hooks_run(RT_HOOK_PRESTART, &h, 1, f->state, &e), 0);
        _cleanup_free_ char *got = slurp(out);
        /* 0-2, plus the fd the shell opened for the redirect (10 in dash). */
        _cleanup_free_ char *s = xasprintf("\n%d\n", leak);
        assert_null(strstr(got, s));
        close(leak);
        hook_done(&h);
}

/* ---------------- console ---------------- */

static void test_console_connect(void **state)
{
        struct fixture *f = *state;
        struct err e = {0};
        /* A path longer than sun_path still works, through /proc/self/fd. */
        _cleanup_free_ char *deep = xasprintf("%s/%0120d", f->dir, 7);
        assert_int_equal(fs_mkdir_p(deep, 0700, &e), 0);
        _cleanup_free_ char *path = xasprintf("%s/console.sock", deep);
        assert_true(strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path));

        int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        int dfd = open(deep, O_PATH | O_DIRECTORY | O_CLOEXEC);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/console.sock", dfd);
        assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(l, 1), 0);
        close(dfd);

        int fd = -1;
        assert_int_equal(rt_console_socket_connect(path, &fd, &e), 0);
        assert_true(fd >= 0);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        int a = accept(l, NULL, NULL);
        assert_true(a >= 0);
        close(a);
        close(fd);
        close(l);

        _cleanup_free_ char *missing = xasprintf("%s/nope.sock", f->dir);
        fd = -1;
        assert_int_equal(rt_console_socket_connect(missing, &fd, &e), -ENOENT);
        assert_int_equal(fd, -1);
        assert_non_null(strstr(e.msg, missing));
        err_done(&e);
        assert_true(rt_console_socket_connect("", &fd, &e) < 0);
        err_done(&e);
        _cleanup_free_ char *huge = xasprintf("%s/%0200d", f->dir, 1);
        assert_int_equal(rt_console_socket_connect(huge, &fd, &e), -ENAMETOOLONG);
        err_done(&e);
}

/* Receive one fd and the message body from sock (5 s at most). */
static int recv_fd(int sock, char *name, size_t namelen)
{
        struct pollfd p = {.fd = sock, .events = POLLIN};
        if (poll(&p, 1, 5000) != 1)
                return -1;
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct iovec iov = {.iov_base = name, .iov_len = namelen - 1};
        struct msghdr msg = {.msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = u.buf,
                             .msg_controllen = sizeof(u.buf)};
        ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0)
                return -1;
        name[n] = '\0';
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        if (!c || c->cmsg_type != SCM_RIGHTS)
                return -1;
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof(fd));
        return fd;
}

static void test_console_setup(void **state)
{
        (void)state;
        int sv[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(sv[0]);
                struct err e = {0};
                if (rt_console_setup(sv[1], 24, 80, &e) < 0) {
                        fprintf(stderr, "rt_console_setup: %s\n", e.msg);
                        _exit(2);
                }
                close(sv[1]);
                char line[64] = "";
                if (!fgets(line, sizeof(line), stdin))
                        _exit(3);
                line[strcspn(line, "\r\n")] = '\0';
                bool ctty = isatty(0) && isatty(1) && isatty(2) && tcgetsid(0) == getpid();
                printf("got:%s ctty:%s\n", line, ctty ? "yes" : "no");
                fflush(stdout);
                _exit(0);
        }
        close(sv[1]);
        char name[64];
        int master = recv_fd(sv[0], name, sizeof(name));
        close(sv[0]);
        assert_true(master >= 0);
        assert_true(str_has_prefix(name, "/dev/pts/"));
        unsigned ptn;
        assert_int_equal(ioctl(master, TIOCGPTN, &ptn), 0); /* a pty master */
        _cleanup_free_ char *want_name = xasprintf("/dev/pts/%u", ptn);
        assert_string_equal(name, want_name);
        struct winsize ws;
        assert_int_equal(ioctl(master, TIOCGWINSZ, &ws), 0);
        assert_int_equal(ws.ws_row, 24);
        assert_int_equal(ws.ws_col, 80);

        assert_int_equal(write(master, "hello\n", 6), 6);
        struct sbuf got = {0};
        for (int i = 0; i < 50 && !(got.buf && strstr(got.buf, "ctty:")); i++) {
                struct pollfd p = {.fd = master, .events = POLLIN};
                if (poll(&p, 1, 100) <= 0)
                        continue;
                char buf[256];
                ssize_t n = read(master, buf, sizeof(buf));
                if (n <= 0)
                        break;
                sbuf_append_len(&got, buf, (size_t)n);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_non_null(got.buf);
        assert_non_null(strstr(got.buf, "got:hello ctty:yes"));
        sbuf_done(&got);
        close(master);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_order_and_stdin, setup, teardown),
                cmocka_unit_test_setup_teardown(test_args_env_exact, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failure_stops_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
                cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_and_not_executable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_big_state, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fds_not_leaked, setup, teardown),
                cmocka_unit_test_setup_teardown(test_console_connect, setup, teardown),
                cmocka_unit_test_setup_teardown(test_console_setup, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
