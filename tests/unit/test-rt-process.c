/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/process.c and runtime/caps.c with the real syscalls, each case in
 * a forked child (rlimits, ids and capabilities cannot be given back). The
 * child checks, writes what went wrong to a pipe and exits non-zero; the
 * parent asserts on the exit status and prints the child's report.
 */
#include "unit.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "rt-internal.h"

#define BIT(c) (UINT64_C(1) << (c))

/* The report pipe of the current child. */
static int report_fd = -1;

/* In the child: say what failed and exit 1. */
__attribute__((format(printf, 1, 2))) static _noreturn_ void child_fail(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        (void)!write(report_fd, msg, strlen(msg));
        _exit(1);
}

#define CHECK(cond, ...)                                                                           \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        child_fail(__VA_ARGS__);                                                   \
        } while (0)

/* Run fn(arg) in a child; returns its wait status and its report in *out. */
static int run_child(void (*fn)(void *), void *arg, char **out)
{
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                report_fd = p[1];
                fn(arg);
                _exit(0);
        }
        close(p[1]);
        struct sbuf b = {0};
        char buf[512];
        ssize_t n;
        sbuf_append(&b, "");
        while ((n = read(p[0], buf, sizeof(buf))) > 0)
                sbuf_append_len(&b, buf, (size_t)n);
        close(p[0]);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        *out = sbuf_steal(&b);
        return status;
}

/* Run fn in a child and assert it exited 0. */
static void expect_child_ok(void (*fn)(void *), void *arg)
{
        _cleanup_free_ char *out = NULL;
        int status = run_child(fn, arg, &out);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("child failed (status %#x): %s", status, out);
}

/* In the child: assert that an error has code and exactly msg. */
static void check_err(int r, struct err *e, int code, const char *msg)
{
        CHECK(r == -code && e->code == code && e->msg && STREQ(e->msg, msg),
              "got r=%d code=%d msg '%s', want %d '%s'", r, e->code, e->msg ? e->msg : "", code,
              msg);
}

/* Drop cap from the effective set, as a runtime without it runs. */
static void drop_effective(int cap)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2] = {0};
        CHECK(syscall(SYS_capget, &h, d) == 0, "capget: %m");
        d[cap / 32].effective &= ~(1u << (cap % 32));
        CHECK(syscall(SYS_capset, &h, d) == 0, "capset: %m");
}

/* A field of /proc/self/status as a number ("CapBnd" in hex). */
static uint64_t status_hex(const char *key)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        size_t klen = strlen(key);
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, key, klen) == 0 && line[klen] == ':')
                        return strtoull(line + klen + 1, NULL, 16);
        child_fail("no %s in /proc/self/status", key);
}

static bool is_root(void)
{
        return geteuid() == 0;
}

/* ------------------------------------------------------------------------
 * rlimits and oom_score_adj
 * ------------------------------------------------------------------------ */

static void child_rlimit_above_hard(void *arg)
{
        (void)arg;
        struct rlimit low = {.rlim_cur = 1000, .rlim_max = 1000};
        struct rlimit cpu = {.rlim_cur = 100, .rlim_max = 100};
        CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0, "setrlimit: %m");
        CHECK(setrlimit(RLIMIT_CPU, &cpu) == 0, "setrlimit: %m");
        /* Root on an ordinary machine may raise hard limits: not so here. */
        drop_effective(CAP_SYS_RESOURCE);

        struct rt_rlimit rl = {.resource = RLIMIT_NOFILE, .soft = 2000, .hard = 2000};
        struct rt_process p = {.rlimits = &rl, .n_rlimits = 1};
        struct err e = {0};
        check_err(rt_process_apply_limits(&p, &e), &e, EPERM,
                  "setting RLIMIT_NOFILE to 2000:2000: the hard limit is 1000 and the runtime "
                  "may not raise it: Operation not permitted");
        err_done(&e);

        rl = (struct rt_rlimit){.resource = RLIMIT_CPU, .soft = UINT64_MAX, .hard = UINT64_MAX};
        check_err(rt_process_apply_limits(&p, &e), &e, EPERM,
                  "setting RLIMIT_CPU to unlimited:unlimited: the hard limit is 100 and the "
                  "runtime may not raise it: Operation not permitted");
        err_done(&e);

        /* Nothing is clamped: the limit stays as it was. */
        struct rlimit now;
        CHECK(getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_max == 1000, "limit changed");
}

static void test_rlimit_above_hard(void **state)
{
        (void)state;
        expect_child_ok(child_rlimit_above_hard, NULL);
}

static void child_rlimit_set(void *arg)
{
        (void)arg;
        struct rt_rlimit rls[] = {
                {.resource = RLIMIT_NOFILE, .soft = 512, .hard = 900},
                {.resource = RLIMIT_CORE, .soft = 0, .hard = 0},
                {.resource = RLIMIT_NPROC, .soft = 300, .hard = 400},
        };
        struct rt_process p = {.rlimits = rls, .n_rlimits = ARRAY_SIZE(rls)};
        struct err e = {0};
        CHECK(rt_process_apply_limits(&p, &e) == 0, "apply: %s", e.msg);
        for (size_t i = 0; i < ARRAY_SIZE(rls); i++) {
                struct rlimit r;
                CHECK(getrlimit(rls[i].resource, &r) == 0, "getrlimit: %m");
                CHECK(r.rlim_cur == rls[i].soft && r.rlim_max == rls[i].hard, "%s is %llu:%llu",
                      rt_rlimit_to_name(rls[i].resource), (unsigned long long)r.rlim_cur,
                      (unsigned long long)r.rlim_max);
        }
        /* The kernel refuses soft > hard (the parser does too). */
        struct rt_rlimit bad = {.resource = RLIMIT_CORE, .soft = 10, .hard = 0};
        p = (struct rt_process){.rlimits = &bad, .n_rlimits = 1};
        CHECK(rt_process_apply_limits(&p, &e) == -EINVAL, "soft > hard accepted");
        CHECK(STREQ(e.msg, "setting RLIMIT_CORE to 10:0: the soft limit is above the hard limit"),
              "msg '%s'", e.msg);
        err_done(&e);
}

static void test_rlimit_set(void **state)
{
        (void)state;
        expect_child_ok(child_rlimit_set, NULL);
}

static int read_oom(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/oom_score_adj", "re");
        int v = -12345;
        CHECK(f && fscanf(f, "%d", &v) == 1, "reading oom_score_adj");
        return v;
}

static void child_oom(void *arg)
{
        (void)arg;
        struct rt_process p = {.has_oom_score_adj = true, .oom_score_adj = 500};
        struct err e = {0};
        int before = read_oom();
        CHECK(rt_process_apply_limits(&p, &e) == 0, "apply: %s", e.msg);
        CHECK(read_oom() == 500, "oom_score_adj is %d", read_oom());
        /* Lowering it needs CAP_SYS_RESOURCE. */
        drop_effective(CAP_SYS_RESOURCE);
        p.oom_score_adj = before - 1 < -1000 ? -1000 : before - 1;
        CHECK(rt_process_apply_limits(&p, &e) == -EACCES, "lowering allowed");
        CHECK(strstr(e.msg, "CAP_SYS_RESOURCE") != NULL, "msg '%s'", e.msg);
        err_done(&e);
        p.has_oom_score_adj = false;
        CHECK(rt_process_apply_limits(&p, &e) == 0, "nothing to do failed");
        CHECK(read_oom() == 500, "oom_score_adj changed");
}

static void test_oom_score_adj(void **state)
{
        (void)state;
        expect_child_ok(child_oom, NULL);
}

/* ------------------------------------------------------------------------
 * user, groups and capabilities
 * ------------------------------------------------------------------------ */

static void child_set_user(void *arg)
{
        (void)arg;
        uint32_t gids[] = {1001, 1002, 5};
        struct rt_process p = {.uid = 1000,
                               .gid = 1000,
                               .additional_gids = gids,
                               .n_additional_gids = ARRAY_SIZE(gids)};
        struct err e = {0};
        CHECK(rt_process_set_user(&p, true, &e) == 0, "set_user: %s", e.msg);
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        CHECK(getresuid(&ru, &eu, &su) == 0 && ru == 1000 && eu == 1000 && su == 1000,
              "uids %u %u %u", ru, eu, su);
        CHECK(getresgid(&rg, &eg, &sg) == 0 && rg == 1000 && eg == 1000 && sg == 1000,
              "gids %u %u %u", rg, eg, sg);
        gid_t groups[16];
        int n = getgroups(16, groups);
        /* The kernel keeps them sorted. */
        CHECK(n == 3 && groups[0] == 5 && groups[1] == 1001 && groups[2] == 1002,
              "%d groups: %u %u %u", n, groups[0], groups[1], groups[2]);
        /* PR_SET_KEEPCAPS kept permitted; the uid change emptied effective;
         * keepcaps itself is off again. */
        CHECK(status_hex("CapPrm") != 0, "permitted lost");
        CHECK(status_hex("CapEff") == 0, "effective kept");
        CHECK(prctl(PR_GET_KEEPCAPS) == 0, "keepcaps left on");
}

static void test_set_user(void **state)
{
        (void)state;
        if (!is_root())
                skip();
        expect_child_ok(child_set_user, NULL);
}

static void child_set_user_no_setgroups(void *arg)
{
        (void)arg;
        uint32_t gids[] = {1001};
        struct rt_process p = {.uid = 0, .gid = 0, .additional_gids = gids, .n_additional_gids = 1};
        struct err e = {0};
        check_err(rt_process_set_user(&p, false, &e), &e, EPERM,
                  "process.user.additionalGids: setgroups is denied in this user namespace, so "
                  "additional gids cannot be set");
        err_done(&e);
        /* Without additional gids, the groups are left alone. */
        gid_t g = 77;
        CHECK(setgroups(1, &g) == 0, "setgroups: %m");
        p.n_additional_gids = 0;
        CHECK(rt_process_set_user(&p, false, &e) == 0, "set_user: %s", e.msg);
        gid_t groups[4];
        CHECK(getgroups(4, groups) == 1 && groups[0] == 77, "groups changed");
        /* Allowed and empty: the runtime's groups are cleared. */
        CHECK(rt_process_set_user(&p, true, &e) == 0, "set_user: %s", e.msg);
        CHECK(getgroups(4, groups) == 0, "groups kept");
        /* (uid_t)-1 would mean "unchanged" to setresuid. */
        p.uid = UINT32_MAX;
        CHECK(rt_process_set_user(&p, true, &e) == -EINVAL, "uid -1 accepted");
        err_done(&e);
}

static void test_set_user_no_setgroups(void **state)
{
        (void)state;
        if (!is_root())
                skip();
        expect_child_ok(child_set_user_no_setgroups, NULL);
}

struct caps_case {
        uint32_t uid;
        bool has_caps;
        uint64_t caps[RT_CAP_NSETS];
};

static void child_caps(void *arg)
{
        const struct caps_case *c = arg;
        struct rt_process p = {.uid = c->uid, .gid = c->uid, .has_caps = c->has_caps};
        struct err e = {0};
        int last = rt_cap_last();
        uint64_t known = last >= 63 ? UINT64_MAX : BIT(last + 1) - 1;
        memcpy(p.caps, c->caps, sizeof(p.caps));
        CHECK(rt_process_set_user(&p, true, &e) == 0, "set_user: %s", e.msg);
        CHECK(rt_caps_apply(&p, &e) == 0, "caps: %s", e.msg);
        static const char *const keys[RT_CAP_NSETS] = {[RT_CAP_BOUNDING] = "CapBnd",
                                                       [RT_CAP_EFFECTIVE] = "CapEff",
                                                       [RT_CAP_INHERITABLE] = "CapInh",
                                                       [RT_CAP_PERMITTED] = "CapPrm",
                                                       [RT_CAP_AMBIENT] = "CapAmb"};
        for (int s = 0; s < RT_CAP_NSETS; s++) {
                uint64_t want = c->has_caps ? c->caps[s] & known : 0;
                uint64_t got = status_hex(keys[s]);
                CHECK(got == want, "%s is %#llx, want %#llx", keys[s], (unsigned long long)got,
                      (unsigned long long)want);
        }
}

static void test_caps_root(void **state)
{
        (void)state;
        if (!is_root())
                skip();
        uint64_t nbs = BIT(CAP_NET_BIND_SERVICE);
        struct caps_case c = {.uid = 0, .has_caps = true};
        c.caps[RT_CAP_BOUNDING] = BIT(CAP_CHOWN) | nbs | BIT(CAP_KILL);
        c.caps[RT_CAP_EFFECTIVE] = BIT(CAP_CHOWN) | nbs;
        c.caps[RT_CAP_PERMITTED] = BIT(CAP_CHOWN) | nbs;
        c.caps[RT_CAP_INHERITABLE] = nbs;
        c.caps[RT_CAP_AMBIENT] = nbs;
        expect_child_ok(child_caps, &c);
}

static void test_caps_user(void **state)
{
        (void)state;
        if (!is_root())
                skip();
        /* As uid 1000 the effective set must come back from permitted. A
         * capability beyond the kernel's last (63) is skipped. */
        struct caps_case c = {.uid = 1000, .has_caps = true};
        c.caps[RT_CAP_BOUNDING] = BIT(CAP_SETUID) | BIT(CAP_SETGID) | BIT(63);
        c.caps[RT_CAP_EFFECTIVE] = BIT(CAP_SETUID) | BIT(63);
        c.caps[RT_CAP_PERMITTED] = BIT(CAP_SETUID) | BIT(CAP_SETGID) | BIT(63);
        c.caps[RT_CAP_INHERITABLE] = BIT(CAP_SETGID);
        c.caps[RT_CAP_AMBIENT] = 0;
        expect_child_ok(child_caps, &c);
}

static void test_caps_absent(void **state)
{
        (void)state;
        if (!is_root())
                skip();
        /* No "capabilities": nothing at all, as runc gives. */
        struct caps_case c = {.uid = 0, .has_caps = false, .caps = {UINT64_MAX, UINT64_MAX}};
        expect_child_ok(child_caps, &c);
}

static void child_caps_errors(void *arg)
{
        (void)arg;
        struct rt_process p = {.has_caps = true};
        struct err e = {0};
        p.caps[RT_CAP_BOUNDING] = BIT(CAP_CHOWN) | BIT(CAP_KILL);
        p.caps[RT_CAP_PERMITTED] = BIT(CAP_CHOWN) | BIT(CAP_KILL);
        p.caps[RT_CAP_INHERITABLE] = BIT(CAP_KILL);
        /* An ambient cap outside inheritable is skipped, as runc does with
         * its own `spec` output; the one that can be raised is. */
        p.caps[RT_CAP_AMBIENT] = BIT(CAP_CHOWN) | BIT(CAP_KILL);
        int r0 = rt_caps_apply(&p, &e);
        CHECK(r0 == 0, "ambient outside inheritable: r=%d msg '%s'", r0, e.msg);
        CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) == 0,
              "CAP_CHOWN raised in ambient");
        CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) == 1,
              "CAP_KILL not raised in ambient");
        err_done(&e);
        /* Now the runtime holds only CHOWN and KILL: it cannot give more. */
        p.caps[RT_CAP_AMBIENT] = 0;
        p.caps[RT_CAP_PERMITTED] |= BIT(CAP_SYS_ADMIN);
        int r = rt_caps_apply(&p, &e);
        CHECK(r == -EPERM && strstr(e.msg, "CAP_SYS_ADMIN is not held by the runtime"),
              "r=%d msg '%s'", r, e.msg);
        err_done(&e);
}

static void test_caps_errors(void **state)
{
        (void)state;
        if (!is_root())
                skip();
        expect_child_ok(child_caps_errors, NULL);
}

/* ------------------------------------------------------------------------
 * umask, cwd, no_new_privs
 * ------------------------------------------------------------------------ */

static void child_finish(void *arg)
{
        const char *dir = arg;
        struct rt_process p = {.cwd = (char *)dir};
        struct err e = {0};
        char buf[4096];
        umask(077);
        CHECK(rt_process_finish(&p, &e) == 0, "finish: %s", e.msg);
        CHECK(umask(0) == 0022, "default umask is not 0022");
        CHECK(getcwd(buf, sizeof(buf)) && STREQ(buf, dir), "cwd is %s", buf);
        CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0, "no_new_privs set");

        p = (struct rt_process){
                .cwd = "/", .has_umask = true, .umask = 027, .no_new_privileges = true};
        CHECK(rt_process_finish(&p, &e) == 0, "finish: %s", e.msg);
        CHECK(umask(0) == 027, "umask not 027");
        CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs not set");

        p = (struct rt_process){.cwd = "/nonexistent-berth-cwd"};
        check_err(rt_process_finish(&p, &e), &e, ENOENT,
                  "changing to process.cwd '/nonexistent-berth-cwd': No such file or directory");
        err_done(&e);
}

static void test_finish(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        expect_child_ok(child_finish, dir);
        unit_rmtree(dir);
}

/* ------------------------------------------------------------------------
 * exec
 * ------------------------------------------------------------------------ */

struct exec_case {
        char **args;
        char **env;
        int want_exit; /* exit status of the exec'd program; -1: exec must fail */
        int want_code;
        const char *want_msg;
};

static void child_exec(void *arg)
{
        const struct exec_case *c = arg;
        struct rt_process p = {.args = c->args, .env = c->env};
        struct err e = {0};
        int r = rt_process_exec(&p, &e);
        if (c->want_exit >= 0)
                child_fail("exec failed: %s", e.msg);
        check_err(r, &e, c->want_code, c->want_msg);
        _exit(0);
}

static void run_exec(const struct exec_case *c)
{
        _cleanup_free_ char *out = NULL;
        int status = run_child(child_exec, (void *)c, &out);
        int want = c->want_exit >= 0 ? c->want_exit : 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != want)
                fail_msg("%s: status %#x, want exit %d: %s", c->args[0], status, want, out);
}

static void test_exec(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *prog = xasprintf("%s/berth-prog", dir);
        _cleanup_free_ char *noexec = xasprintf("%s/berth-noexec", dir);
        _cleanup_free_ char *path_env = xasprintf("PATH=/nonexistent::%s:/bin", dir);
        const char *text = "#!/bin/sh\nexit 42\n";
        struct err e = {0};
        assert_int_equal(fs_write_atomic(AT_FDCWD, prog, text, strlen(text), 0755, &e), 0);
        assert_int_equal(fs_write_atomic(AT_FDCWD, noexec, text, strlen(text), 0644, &e), 0);

        char *env_path[] = {"A=1", path_env, NULL};
        char *env_nopath[] = {"A=1", NULL};

        /* PATH from the process's environment. */
        char *a1[] = {"berth-prog", NULL};
        run_exec(&(struct exec_case){.args = a1, .env = env_path, .want_exit = 42});
        /* No PATH: the default one finds true. */
        char *a2[] = {"true", NULL};
        run_exec(&(struct exec_case){.args = a2, .env = env_nopath, .want_exit = 0});
        char *a3[] = {"false", NULL};
        run_exec(&(struct exec_case){.args = a3, .env = NULL, .want_exit = 1});
        /* Not in the default PATH. */
        run_exec(&(struct exec_case){.args = a1,
                                     .env = env_nopath,
                                     .want_exit = -1,
                                     .want_code = ENOENT,
                                     .want_msg = "exec: \"berth-prog\": executable file not "
                                                 "found in $PATH"});
        char *a4[] = {"no-such-prog-berth", NULL};
        run_exec(&(struct exec_case){.args = a4,
                                     .env = env_path,
                                     .want_exit = -1,
                                     .want_code = ENOENT,
                                     .want_msg = "exec: \"no-such-prog-berth\": executable file "
                                                 "not found in $PATH"});
        /* A file without an x bit is not a candidate (Go's LookPath). */
        char *a5[] = {"berth-noexec", NULL};
        run_exec(&(struct exec_case){.args = a5,
                                     .env = env_path,
                                     .want_exit = -1,
                                     .want_code = ENOENT,
                                     .want_msg = "exec: \"berth-noexec\": executable file not "
                                                 "found in $PATH"});
        /* A path is used as is: execve's own error. */
        char *a6[] = {noexec, NULL};
        _cleanup_free_ char *msg6 = xasprintf("exec: \"%s\": Permission denied", noexec);
        run_exec(&(struct exec_case){.args = a6,
                                     .env = env_path,
                                     .want_exit = -1,
                                     .want_code = EACCES,
                                     .want_msg = msg6});
        char *a7[] = {"/nonexistent/prog", NULL};
        run_exec(&(struct exec_case){.args = a7,
                                     .env = env_path,
                                     .want_exit = -1,
                                     .want_code = ENOENT,
                                     .want_msg = "exec: \"/nonexistent/prog\": No such file or "
                                                 "directory"});
        char *a8[] = {prog, NULL};
        run_exec(&(struct exec_case){.args = a8, .env = env_nopath, .want_exit = 42});
        unit_rmtree(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rlimit_above_hard),
                cmocka_unit_test(test_rlimit_set),
                cmocka_unit_test(test_oom_score_adj),
                cmocka_unit_test(test_set_user),
                cmocka_unit_test(test_set_user_no_setgroups),
                cmocka_unit_test(test_caps_root),
                cmocka_unit_test(test_caps_user),
                cmocka_unit_test(test_caps_absent),
                cmocka_unit_test(test_caps_errors),
                cmocka_unit_test(test_finish),
                cmocka_unit_test(test_exec),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
