/* SPDX-License-Identifier: Apache-2.0 */
/*
 * runtime/seccomp.c: the parser on good and hostile profiles, and real
 * filters loaded in forked children, checked by the syscalls they deny
 * (errno values, argument matching, kill actions, podman's default profile,
 * the notify listener round trip).
 */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "rt-internal.h"

#define PODMAN_PROFILE "/usr/share/containers/seccomp.json"

static int report_fd = -1;

/* In the child: say what failed and exit 1. */
__attribute__((format(printf, 1, 2))) static _noreturn_ void child_fail(const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        /* No malloc: the filter may deny what it needs. */
        int n = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (n > 0)
                (void)!write(report_fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg));
        _exit(1);
}

#define CHECK(cond, ...)                                                                           \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        child_fail(__VA_ARGS__);                                                   \
        } while (0)

/* In the child: a raw syscall must fail with errnum. */
#define CHECK_ERRNO(call, errnum)                                                                  \
        do {                                                                                       \
                errno = 0;                                                                         \
                long _r = (call);                                                                  \
                CHECK(_r == -1 && errno == (errnum), "%s: got %ld errno %d, want errno %d", #call, \
                      _r, errno, (errnum));                                                        \
        } while (0)

/* Run fn(arg) in a child; returns its wait status, its report in *out. */
static int run_child(void (*fn)(void *), void *arg, char **out)
{
        int p[2];
        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* cmocka catches SIGSYS; SCMP_ACT_TRAP must kill here. */
                signal(SIGSYS, SIG_DFL);
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

static void expect_child_ok(void (*fn)(void *), void *arg)
{
        _cleanup_free_ char *out = NULL;
        int status = run_child(fn, arg, &out);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("child failed (status %#x): %s", status, out);
}

static int parse_text(const char *text, struct rt_seccomp **ret, struct err *e)
{
        _cleanup_json_ struct json *j = NULL;
        struct err pe = {0};
        if (json_parse(text, strlen(text), &j, &pe) < 0)
                fail_msg("bad test JSON: %s: %s", pe.msg, text);
        return rt_seccomp_parse(j, ret, e);
}

static struct rt_seccomp *parse_ok(const char *text)
{
        struct rt_seccomp *s = NULL;
        struct err e = {0};
        if (parse_text(text, &s, &e) < 0)
                fail_msg("parse failed: %s\n%s", e.msg, text);
        assert_non_null(s);
        return s;
}

/* In the child: load s or fail with the message. Without CAP_SYS_ADMIN
 * (tests run as a user) only with no_new_privs. */
static void load(const struct rt_seccomp *s)
{
        struct err e = {0};
        if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                child_fail("no_new_privs: %m");
        if (rt_seccomp_load(s, &e) < 0)
                child_fail("load: %s", e.msg);
}

/* ------------------------------------------------------------------------
 * Parse errors
 * ------------------------------------------------------------------------ */

static void test_malformed(void **state)
{
        (void)state;
        static const struct {
                const char *json, *msg;
        } cases[] = {
                {"[]", "linux.seccomp: expected an object, got array"},
                {"{}", "linux.seccomp.defaultAction: required"},
                {"{\"defaultAction\": null}", "linux.seccomp.defaultAction: required"},
                {"{\"defaultAction\": 5}",
                 "linux.seccomp.defaultAction: expected a string, got integer"},
                {"{\"defaultAction\": \"SCMP_ACT_FOO\"}",
                 "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_FOO'"},
                {"{\"defaultAction\": \"scmp_act_allow\"}",
                 "linux.seccomp.defaultAction: unknown action 'scmp_act_allow'"},
                {"{\"defaultAction\": \"SCMP\\n'x\"}",
                 "linux.seccomp.defaultAction: unknown action 'SCMP\\x0a\\x27x'"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
                 "linux.seccomp.defaultErrnoRet: action SCMP_ACT_ALLOW takes no errno"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
                 "linux.seccomp.defaultErrnoRet: -1 out of range (0 to 65535)"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 65536}",
                 "linux.seccomp.defaultErrnoRet: 65536 out of range (0 to 65535)"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": \"EPERM\"}",
                 "linux.seccomp.defaultErrnoRet: expected an integer, got string"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1.5}",
                 "linux.seccomp.defaultErrnoRet: 1.5 is not an integer in range (0 to 65535)"},
                {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/x\"}",
                 "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action "
                 "(the runtime itself would block)"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": \"SCMP_ARCH_X86\"}",
                 "linux.seccomp.architectures: expected an array, got string"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"x86_64\"]}",
                 "linux.seccomp.architectures[0]: unknown architecture 'x86_64'"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\", "
                 "3]}",
                 "linux.seccomp.architectures[1]: expected a string, got integer"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": {}}",
                 "linux.seccomp.flags: expected an array, got object"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
                 "[\"SECCOMP_FILTER_FLAG_TSYNC\", "
                 "\"SECCOMP_FILTER_FLAG_FOO\"]}",
                 "linux.seccomp.flags[1]: unknown flag 'SECCOMP_FILTER_FLAG_FOO'"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": 1}",
                 "linux.seccomp.listenerPath: expected a string, got integer"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"rel/sock\"}",
                 "linux.seccomp.listenerPath: 'rel/sock' is not absolute"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"m\"}",
                 "linux.seccomp.listenerMetadata: set without listenerPath"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
                 "linux.seccomp: SCMP_ACT_NOTIFY is used but listenerPath is not set"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
                 "linux.seccomp.syscalls: expected an array, got object"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [\"getcwd\"]}",
                 "linux.seccomp.syscalls[0]: expected an object, got string"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": "
                 "\"SCMP_ACT_ERRNO\"}]}",
                 "linux.seccomp.syscalls[0].names: must name at least one syscall"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], "
                 "\"action\": \"SCMP_ACT_ERRNO\"}]}",
                 "linux.seccomp.syscalls[0].names: must name at least one syscall"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": \"getcwd\", "
                 "\"action\": \"SCMP_ACT_ERRNO\"}]}",
                 "linux.seccomp.syscalls[0].names: expected an array, got string"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"a\", "
                 "null], \"action\": \"SCMP_ACT_ERRNO\"}]}",
                 "linux.seccomp.syscalls[0].names[1]: expected a string, got null"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                 "[\"getcwd\"]}]}",
                 "linux.seccomp.syscalls[0].action: required"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_KILL\", \"errnoRet\": 1}]}",
                 "linux.seccomp.syscalls[0].errnoRet: action SCMP_ACT_KILL takes no errno"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": true}]}",
                 "linux.seccomp.syscalls[0].errnoRet: expected an integer, got boolean"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": {}}]}",
                 "linux.seccomp.syscalls[0].args: expected an array, got object"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [7]}]}",
                 "linux.seccomp.syscalls[0].args[0]: expected an object, got integer"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"value\": 1, \"op\": "
                 "\"SCMP_CMP_EQ\"}]}]}",
                 "linux.seccomp.syscalls[0].args[0].index: required"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
                 "\"SCMP_CMP_EQ\"}]}]}",
                 "linux.seccomp.syscalls[0].args[0].index: 6 out of range (0 to 5)"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"op\": "
                 "\"SCMP_CMP_EQ\"}]}]}",
                 "linux.seccomp.syscalls[0].args[0].value: required"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": -2, "
                 "\"op\": \"SCMP_CMP_EQ\"}]}]}",
                 "linux.seccomp.syscalls[0].args[0].value: -2 out of range (0 to "
                 "18446744073709551615)"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, "
                 "\"valueTwo\": \"1\", \"op\": \"SCMP_CMP_EQ\"}]}]}",
                 "linux.seccomp.syscalls[0].args[0].valueTwo: expected an integer, got string"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
                 "linux.seccomp.syscalls[0].args[0].op: required"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], "
                 "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
                 "\"SCMP_CMP_FOO\"}]}]}",
                 "linux.seccomp.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_FOO'"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct rt_seccomp *s = NULL;
                struct err e = {0};
                int r = parse_text(cases[i].json, &s, &e);
                if (r >= 0 || !e.msg || !STREQ(e.msg, cases[i].msg))
                        fail_msg("case %zu: %s\n  got r=%d '%s'\n want '%s'", i, cases[i].json, r,
                                 e.msg ? e.msg : "", cases[i].msg);
                assert_int_equal(r, -e.code);
                assert_null(s);
                err_done(&e);
        }
}

/* The error names the entry: the 13th, after twelve good ones. */
static void test_error_names_index(void **state)
{
        (void)state;
        struct sbuf b = {0};
        sbuf_append(&b, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [");
        for (int i = 0; i < 12; i++)
                sbuf_append(&b, "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"},");
        sbuf_append(&b, "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_FOO\"}]}");
        _cleanup_free_ char *text = sbuf_steal(&b);
        struct rt_seccomp *s = NULL;
        struct err e = {0};
        assert_int_equal(parse_text(text, &s, &e), -EINVAL);
        assert_string_equal(e.msg, "linux.seccomp.syscalls[12].action: unknown action "
                                   "'SCMP_ACT_FOO'");
        err_done(&e);

        /* Bounded: more than 64 conditions in one rule. */
        sbuf_append(&b, "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                        "[\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [");
        for (int i = 0; i < 65; i++)
                sbuf_printf(&b, "%s{\"index\": 0, \"value\": %d, \"op\": \"SCMP_CMP_EQ\"}",
                            i ? "," : "", i);
        sbuf_append(&b, "]}]}");
        _cleanup_free_ char *big = sbuf_steal(&b);
        assert_int_equal(parse_text(big, &s, &e), -E2BIG);
        assert_string_equal(e.msg, "linux.seccomp.syscalls[0].args: 65 entries, more than the 64 "
                                   "allowed");
        err_done(&e);
}

static void test_flags(void **state)
{
        (void)state;
        struct rt_seccomp *s = NULL;
        struct err e = {0};
        int r = parse_text("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": "
                           "[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"]}",
                           &s, &e);
        if (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR < 6) {
                assert_int_equal(r, -ENOTSUP);
                _cleanup_free_ char *want = xasprintf(
                        "linux.seccomp.flags[0]: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not "
                        "supported by libseccomp %d.%d.%d (it needs 2.6)",
                        SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
                assert_string_equal(e.msg, want);
                err_done(&e);
        } else {
                assert_int_equal(r, 0);
                rt_seccomp_free(s);
        }
}

/* ------------------------------------------------------------------------
 * Filters at work
 * ------------------------------------------------------------------------ */

static void child_errno(void *arg)
{
        load(arg);
        char buf[256];
        CHECK_ERRNO(syscall(SYS_getcwd, buf, sizeof(buf)), 38);
        CHECK_ERRNO(syscall(SYS_uname, buf), 38);
        CHECK_ERRNO(syscall(SYS_mkdirat, AT_FDCWD, "/nonexistent/x", 0700), EPERM);
        CHECK(syscall(SYS_getpid) == getpid(), "getpid denied");
        /* libseccomp's own no_new_privs is off: that is the spec's field. */
        CHECK(geteuid() != 0 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0,
              "no_new_privs set by the load");
}

static void test_errno(void **state)
{
        (void)state;
        /* Unknown names are skipped; a rule of unknown names only is dropped,
         * and so is one that repeats the default action. Null is absence;
         * unknown keys (podman's "comment", "includes") are ignored. */
        struct rt_seccomp *s = parse_ok(
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": null,"
                " \"flags\": null, \"comment\": \"x\", \"syscalls\": ["
                " {\"names\": [\"getcwd\", \"uname\", \"no_such_syscall_berth\"],"
                "  \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38, \"args\": null,"
                "  \"includes\": {}},"
                " {\"names\": [\"mkdirat\"], \"action\": \"SCMP_ACT_ERRNO\"},"
                " {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                " {\"names\": [\"no_such_syscall_berth2\"], \"action\": \"SCMP_ACT_KILL\"}]}");
        expect_child_ok(child_errno, s);
        rt_seccomp_free(s);
}

static void child_args(void *arg)
{
        load(arg);
        /* EQ on one argument. */
        CHECK_ERRNO(syscall(SYS_personality, 0x1234), 99);
        CHECK(syscall(SYS_personality, 0xffffffff) >= 0, "personality query denied");
        /* Two conditions on argument 0: each its own rule, ORed. */
        CHECK_ERRNO(syscall(SYS_personality, 5), 98);
        CHECK_ERRNO(syscall(SYS_personality, 7), 98);
        /* MASKED_EQ: (arg0 & 0xff00) == 0x1200. */
        CHECK_ERRNO(syscall(SYS_getpriority, 0x12ab, 0), 97);
        errno = 0;
        syscall(SYS_getpriority, PRIO_PROCESS, 0);
        CHECK(errno == 0, "getpriority denied: %d", errno);
        /* GT, on the full 64 bits. */
        CHECK_ERRNO(syscall(SYS_getpgid, 2000000), 96);
        CHECK(syscall(SYS_getpgid, 0) >= 0, "getpgid(0) denied");
        /* Conditions on two arguments are ANDed. */
        CHECK_ERRNO(syscall(SYS_kill, 0x7ffffff0, 0), 95);
        CHECK_ERRNO(syscall(SYS_kill, 0x7ffffff0, SIGCONT), ESRCH);
        /* NE and LE / LT / GE. */
        CHECK_ERRNO(syscall(SYS_getsid, 12345678, 0, 0, 0), 94);
        CHECK(syscall(SYS_getsid, 12345678, 1, 0, 0) < 0 && errno == ESRCH, "LE ignored");
        CHECK(syscall(SYS_getsid, 0, 0, 0, 0) >= 0, "getsid(0) denied");
}

static void test_args(void **state)
{
        (void)state;
        struct rt_seccomp *s = parse_ok(
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
                " {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 99,"
                "  \"args\": [{\"index\": 0, \"value\": 4660, \"op\": \"SCMP_CMP_EQ\"}]},"
                " {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 98,"
                "  \"args\": [{\"index\": 0, \"value\": 5, \"op\": \"SCMP_CMP_EQ\"},"
                "             {\"index\": 0, \"value\": 7, \"op\": \"SCMP_CMP_EQ\"}]},"
                " {\"names\": [\"getpriority\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 97,"
                "  \"args\": [{\"index\": 0, \"value\": 65280, \"valueTwo\": 4608,"
                "              \"op\": \"SCMP_CMP_MASKED_EQ\"}]},"
                " {\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 96,"
                "  \"args\": [{\"index\": 0, \"value\": 1000000, \"op\": \"SCMP_CMP_GT\"}]},"
                " {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 95,"
                "  \"args\": [{\"index\": 0, \"value\": 2147483632, \"op\": \"SCMP_CMP_EQ\"},"
                "             {\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
                " {\"names\": [\"getsid\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 94,"
                "  \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_NE\"},"
                "             {\"index\": 1, \"value\": 0, \"op\": \"SCMP_CMP_LE\"},"
                "             {\"index\": 2, \"value\": 1, \"op\": \"SCMP_CMP_LT\"},"
                "             {\"index\": 3, \"value\": 0, \"op\": \"SCMP_CMP_GE\"}]}]}");
        expect_child_ok(child_args, s);
        rt_seccomp_free(s);
}

/* arg: the filter and the errno the default action returns. */
static void child_allow_list(void *arg)
{
        void **a = arg;
        load(a[0]);
        long want = (long)(intptr_t)a[1];
        CHECK_ERRNO(syscall(SYS_getppid), (int)want);
        CHECK_ERRNO(syscall(SYS_getuid), (int)want);
        CHECK(syscall(SYS_getpid) > 0, "getpid denied");
}

static void test_default_errno_allow_list(void **state)
{
        (void)state;
        static const char *const allow =
                "\"syscalls\": [{\"names\": [\"write\", \"exit\", \"exit_group\", \"getpid\","
                " \"rt_sigreturn\", \"brk\", \"mmap\", \"munmap\", \"futex\","
                " \"sigaltstack\", \"rt_sigprocmask\", \"madvise\"],"
                " \"action\": \"SCMP_ACT_ALLOW\"}]";
        _cleanup_free_ char *t1 = xasprintf("{\"defaultAction\": \"SCMP_ACT_ERRNO\", %s}", allow);
        _cleanup_free_ char *t2 = xasprintf(
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 77, %s}", allow);
        void *a1[2] = {parse_ok(t1), (void *)(intptr_t)EPERM};
        void *a2[2] = {parse_ok(t2), (void *)(intptr_t)77};
        expect_child_ok(child_allow_list, a1);
        expect_child_ok(child_allow_list, a2);
        rt_seccomp_free(a1[0]);
        rt_seccomp_free(a2[0]);
}

static void child_kill(void *arg)
{
        load(arg);
        syscall(SYS_getppid);
        child_fail("getppid returned");
}

static void test_kill_actions(void **state)
{
        (void)state;
        static const char *const actions[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                                              "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"};
        for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
                _cleanup_free_ char *t = xasprintf(
                        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                        "[\"getppid\"], \"action\": \"%s\"}]}",
                        actions[i]);
                struct rt_seccomp *s = parse_ok(t);
                _cleanup_free_ char *out = NULL;
                int status = run_child(child_kill, s, &out);
                if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
                        fail_msg("%s: status %#x: %s", actions[i], status, out);
                rt_seccomp_free(s);
        }
}

static void child_load_only(void *arg)
{
        load(arg);
        CHECK(syscall(SYS_getpid) > 0, "getpid denied");
}

static void test_flags_arches_load(void **state)
{
        (void)state;
        /* Every flag libseccomp 2.5 has; several architectures (a rule for a
         * syscall that only some have, and one with arguments on socket,
         * which x86 multiplexes through socketcall); architectures newer than
         * libseccomp are skipped. */
        struct rt_seccomp *s = parse_ok(
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\","
                " \"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\","
                "            \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
                " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\","
                "                     \"SCMP_ARCH_LOONGARCH64\", \"SCMP_ARCH_FUTURE99\"],"
                " \"syscalls\": ["
                "  {\"names\": [\"socketcall\", \"_llseek\", \"getcwd\"], \"action\": "
                "\"SCMP_ACT_LOG\"},"
                "  {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\","
                "   \"args\": [{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"}]},"
                "  {\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 3}]}");
        expect_child_ok(child_load_only, s);
        rt_seccomp_free(s);
}

static void child_needs_cap(void *arg)
{
        struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct d[2] = {0};
        struct err e = {0};
        CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
        d[CAP_SYS_ADMIN / 32].effective &= ~(1u << (CAP_SYS_ADMIN % 32));
        CHECK(syscall(SYS_capset, &h, d) == 0, "capset");
        int r = rt_seccomp_load(arg, &e);
        CHECK(r == -EACCES && STREQ(e.msg, "loading the seccomp filter (without no_new_privs it "
                                           "needs CAP_SYS_ADMIN): Permission denied"),
              "r=%d '%s'", r, e.msg ? e.msg : "");
        err_done(&e);
        CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "nnp");
        load(arg);
}

static void test_load_needs_cap_or_nnp(void **state)
{
        (void)state;
        struct rt_seccomp *s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                                        "[{\"names\": [\"getcwd\"], \"action\": "
                                        "\"SCMP_ACT_ERRNO\"}]}");
        expect_child_ok(child_needs_cap, s);
        rt_seccomp_free(s);
}

/* ------------------------------------------------------------------------
 * podman's default profile
 * ------------------------------------------------------------------------ */

static bool strv_json_has(const struct json *arr, const char *s)
{
        for (size_t i = 0; arr && arr->type == JSON_ARRAY && i < arr->arr.len; i++)
                if (arr->arr.items[i]->type == JSON_STRING && STREQ(arr->arr.items[i]->str.s, s))
                        return true;
        return false;
}

static bool any_in(const struct json *arr, char *const *set)
{
        for (size_t i = 0; arr && arr->type == JSON_ARRAY && i < arr->arr.len; i++)
                if (arr->arr.items[i]->type == JSON_STRING &&
                    strv_contains(set, arr->arr.items[i]->str.s))
                        return true;
        return false;
}

/* What an engine does with containers-common's profile before the runtime
 * sees it: keep the rules whose includes/excludes match the capabilities and
 * the architecture, and turn archMap into architectures (amd64 only here). */
static struct json *podman_to_oci(const struct json *prof, char *const *caps)
{
        struct json *out = json_new_object();
        const char *arch = host_go_arch();
        json_object_set(out, "defaultAction", json_copy(json_object_get(prof, "defaultAction")));
        json_object_set(out, "defaultErrnoRet",
                        json_copy(json_object_get(prof, "defaultErrnoRet")));
        if (STREQ(arch, "amd64")) {
                struct json *a = json_new_array();
                json_array_append(a, json_new_string("SCMP_ARCH_X86_64"));
                json_array_append(a, json_new_string("SCMP_ARCH_X86"));
                json_array_append(a, json_new_string("SCMP_ARCH_X32"));
                json_object_set(out, "architectures", a);
        }
        struct json *rules = json_new_array();
        const struct json *in = json_object_get(prof, "syscalls");
        for (size_t i = 0; in && i < in->arr.len; i++) {
                const struct json *r = in->arr.items[i];
                const struct json *inc = json_object_get(r, "includes");
                const struct json *exc = json_object_get(r, "excludes");
                const struct json *icaps = json_object_get(inc, "caps");
                bool keep = true;
                for (size_t k = 0; icaps && k < icaps->arr.len; k++)
                        if (!strv_contains(caps, icaps->arr.items[k]->str.s))
                                keep = false;
                const struct json *iarch = json_object_get(inc, "arches");
                if (iarch && iarch->arr.len > 0 && !strv_json_has(iarch, arch))
                        keep = false;
                if (any_in(json_object_get(exc, "caps"), caps) ||
                    strv_json_has(json_object_get(exc, "arches"), arch))
                        keep = false;
                if (keep)
                        json_array_append(rules, json_copy(r));
        }
        json_object_set(out, "syscalls", rules);
        return out;
}

static void child_podman(void *arg)
{
        load(arg);
        char buf[64];
        /* Not listed: the default, ENOSYS. */
        CHECK_ERRNO(syscall(SYS_add_key, "user", "k", "v", 1, 0), ENOSYS);
        CHECK_ERRNO(syscall(SYS_personality, 0x40000), ENOSYS);
        /* Listed with ERRNO 1. */
        CHECK_ERRNO(syscall(SYS_kexec_load, 0, 0, 0, 0), EPERM);
        CHECK_ERRNO(syscall(SYS_vmsplice, -1, 0, 0, 0), EPERM);
        /* Denied without CAP_SYS_ADMIN or CAP_SYS_MODULE, allowed with
         * CAP_SYS_CHROOT. (Not setns: this profile also allows it outright.) */
        CHECK_ERRNO(syscall(SYS_bpf, 0, 0, 0), EPERM);
        CHECK_ERRNO(syscall(SYS_delete_module, "berth-none", 0), EPERM);
        CHECK_ERRNO(syscall(SYS_chroot, "/nonexistent-berth"), ENOENT);
        /* Allowed. */
        CHECK(syscall(SYS_getcwd, buf, sizeof(buf)) > 0, "getcwd denied");
        CHECK(syscall(SYS_personality, 0xffffffff) >= 0, "personality query denied");
        CHECK_ERRNO(syscall(SYS_socket, 16 /* AF_NETLINK */, SOCK_RAW, 9 /* NETLINK_AUDIT */),
                    EINVAL);
        int fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
        CHECK(fd >= 0, "socket denied: %d", errno);
}

static void test_podman_profile(void **state)
{
        (void)state;
        _cleanup_json_ struct json *prof = NULL;
        struct err e = {0};
        if (access(PODMAN_PROFILE, R_OK) < 0)
                skip();
        assert_int_equal(json_parse_file(AT_FDCWD, PODMAN_PROFILE, 0, &prof, &e), 0);

        /* As it is, with its extra fields, it parses too. */
        struct rt_seccomp *raw = NULL;
        if (rt_seccomp_parse(prof, &raw, &e) < 0)
                fail_msg("raw profile: %s", e.msg);
        rt_seccomp_free(raw);

        char *caps[] = {"CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
                        "CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",    "CAP_SETGID",
                        "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT", NULL};
        _cleanup_json_ struct json *oci = podman_to_oci(prof, caps);
        struct rt_seccomp *s = NULL;
        if (rt_seccomp_parse(oci, &s, &e) < 0)
                fail_msg("converted profile: %s", e.msg);
        expect_child_ok(child_podman, s);
        rt_seccomp_free(s);
}

/* ------------------------------------------------------------------------
 * rt_seccomp_prepare: compiled in the parent, cached in the state root.
 * ------------------------------------------------------------------------ */

#define DENY_ONE(sys, err)                                                                       \
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"" sys   \
        "\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": " err "}]}"

static void child_getcwd_denied(void *arg)
{
        load(arg);
        char buf[64];
        struct utsname u;
        CHECK_ERRNO(syscall(SYS_getcwd, buf, sizeof(buf)), 91);
        CHECK(syscall(SYS_uname, &u) >= 0, "uname denied: %d", errno);
}

static void child_uname_denied(void *arg)
{
        load(arg);
        char buf[64];
        CHECK_ERRNO(syscall(SYS_uname, NULL), 92);
        CHECK(syscall(SYS_getcwd, buf, sizeof(buf)) >= 0, "getcwd denied: %d", errno);
}

/* The one file in dir/.seccomp (its path), failing if there are others. */
static char *cache_file(const char *dir, size_t *ret_size)
{
        _cleanup_free_ char *cdir = xasprintf("%s/.seccomp", dir);
        DIR *d = opendir(cdir);
        assert_non_null(d);
        char *found = NULL;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                assert_null(found);
                /* <16 hex digits of the key's hash>-<the key's length> */
                size_t hex = strspn(de->d_name, "0123456789abcdef");
                assert_int_equal(hex, 16);
                assert_int_equal(de->d_name[16], '-');
                assert_true(de->d_name[17] >= '1' && de->d_name[17] <= '9');
                assert_int_equal(strspn(de->d_name + 17, "0123456789"), strlen(de->d_name + 17));
                found = xasprintf("%s/%s", cdir, de->d_name);
        }
        closedir(d);
        assert_non_null(found);
        struct stat st;
        assert_int_equal(stat(found, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        *ret_size = (size_t)st.st_size;
        return found;
}

/* Write to path entry a's key-length and key, then entry b's library
 * identity and program, with byte flip of the identity (dev, ino, size,
 * mtime s and ns, path length: 8 bytes each) xor-ed with 0x80 unless
 * flip is SIZE_MAX. */
#define NO_FLIP SIZE_MAX
static void splice_entry(const char *path, const char *a, size_t klen_a, const char *b,
                         size_t len_b, size_t klen_b, size_t flip)
{
        struct err e = {0};
        struct sbuf spliced = {0};
        sbuf_append_len(&spliced, a, sizeof(size_t) + klen_a);
        sbuf_append_len(&spliced, b + sizeof(size_t) + klen_b, len_b - sizeof(size_t) - klen_b);
        if (flip != NO_FLIP)
                spliced.buf[sizeof(size_t) + klen_a + flip] ^= 0x80;
        assert_int_equal(fs_write_atomic(AT_FDCWD, path, spliced.buf, spliced.len, 0600, &e), 0);
        sbuf_done(&spliced);
}

static void test_prepare_cache(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        struct err e = {0};

        /* Compiled and stored: the prepared program is what loads. */
        struct rt_seccomp *a = parse_ok(DENY_ONE("getcwd", "91"));
        assert_int_equal(rt_seccomp_prepare(a, dir, &e), 0);
        expect_child_ok(child_getcwd_denied, a);
        size_t size;
        _cleanup_free_ char *path = cache_file(dir, &size);
        assert_true(size > 0);

        /* An entry is its key's length (a size_t), the key, the identity of
         * the libseccomp file that compiled it, the program. Another
         * filter's program behind this filter's key is what a second
         * prepare of the same filter loads: the cache is read, not
         * recompiled. Another filter's whole entry under this name is not:
         * its key differs, so the filter is compiled again. */
        struct rt_seccomp *b = parse_ok(DENY_ONE("uname", "92"));
        assert_int_equal(rt_seccomp_prepare(b, NULL, &e), 0);
        _cleanup_free_ char *entry_a = NULL, *entry_b = NULL;
        size_t len_a, len_b, klen_a, klen_b;
        assert_int_equal(fs_read_file(AT_FDCWD, path, 1 << 20, &entry_a, &len_a, &e), 0);
        {
                struct rt_seccomp *b2 = parse_ok(DENY_ONE("uname", "92"));
                _cleanup_free_ char *odir = unit_tmpdir();
                assert_int_equal(rt_seccomp_prepare(b2, odir, &e), 0);
                size_t osize;
                _cleanup_free_ char *opath = cache_file(odir, &osize);
                assert_int_equal(fs_read_file(AT_FDCWD, opath, 1 << 20, &entry_b, &len_b, &e), 0);
                assert_int_equal(rename(opath, path), 0);
                unit_rmtree(odir);
                rt_seccomp_free(b2);
        }
        memcpy(&klen_a, entry_a, sizeof(size_t));
        memcpy(&klen_b, entry_b, sizeof(size_t));
        assert_true(sizeof(size_t) + klen_a < len_a && sizeof(size_t) + klen_b < len_b);
        struct rt_seccomp *a2 = parse_ok(DENY_ONE("getcwd", "91"));
        assert_int_equal(rt_seccomp_prepare(a2, dir, &e), 0);
        expect_child_ok(child_getcwd_denied, a2);
        rt_seccomp_free(a2);
        splice_entry(path, entry_a, klen_a, entry_b, len_b, klen_b, NO_FLIP);
        a2 = parse_ok(DENY_ONE("getcwd", "91"));
        assert_int_equal(rt_seccomp_prepare(a2, dir, &e), 0);
        expect_child_ok(child_uname_denied, a2);
        rt_seccomp_free(a2);
        /* The same, made by another libseccomp file (its inode, the second
         * number of the identity, differs), or with a path length past the
         * file's end: compiled again. */
        const size_t flips[] = {8, 47};
        for (size_t i = 0; i < ARRAY_SIZE(flips); i++) {
                splice_entry(path, entry_a, klen_a, entry_b, len_b, klen_b, flips[i]);
                a2 = parse_ok(DENY_ONE("getcwd", "91"));
                assert_int_equal(rt_seccomp_prepare(a2, dir, &e), 0);
                expect_child_ok(child_getcwd_denied, a2);
                rt_seccomp_free(a2);
        }

        /* A file that is not whole instructions is compiled again and
         * replaced: a short one, and this filter's key with a program cut. */
        assert_int_equal(fs_write_atomic(AT_FDCWD, path, "1234567", 7, 0600, &e), 0);
        a2 = parse_ok(DENY_ONE("getcwd", "91"));
        assert_int_equal(rt_seccomp_prepare(a2, dir, &e), 0);
        expect_child_ok(child_getcwd_denied, a2);
        rt_seccomp_free(a2);
        assert_int_equal(fs_write_atomic(AT_FDCWD, path, entry_a, len_a - 3, 0600, &e), 0);
        a2 = parse_ok(DENY_ONE("getcwd", "91"));
        assert_int_equal(rt_seccomp_prepare(a2, dir, &e), 0);
        expect_child_ok(child_getcwd_denied, a2);
        rt_seccomp_free(a2);
        free(cache_file(dir, &size));
        assert_true(size > 7);

        /* Bounded: a new program past the limit empties the cache. */
        for (int i = 0; i < 40; i++) {
                _cleanup_free_ char *f = xasprintf("%s/.seccomp/%064d", dir, i);
                assert_int_equal(fs_write_atomic(AT_FDCWD, f, "", 0, 0600, &e), 0);
        }
        struct rt_seccomp *b3 = parse_ok(DENY_ONE("uname", "92"));
        assert_int_equal(rt_seccomp_prepare(b3, dir, &e), 0);
        expect_child_ok(child_uname_denied, b3);
        free(cache_file(dir, &size));
        rt_seccomp_free(b3);

        /* Unprepared filters still compile at load. */
        rt_seccomp_free(a);
        a = parse_ok(DENY_ONE("getcwd", "91"));
        expect_child_ok(child_getcwd_denied, a);
        rt_seccomp_free(a);
        rt_seccomp_free(b);
        unit_rmtree(dir);
}

/* ------------------------------------------------------------------------
 * SCMP_ACT_NOTIFY: the listener gets the state and the fd, and answers.
 * ------------------------------------------------------------------------ */

struct notify_arg {
        const struct rt_seccomp *s;
        int sock; /* the child's end of a socketpair to the "runtime parent" */
};

static void child_notify(void *arg)
{
        const struct notify_arg *a = arg;
        struct err e = {0};
        int fd = -1;
        if (geteuid() != 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                child_fail("no_new_privs: %m");
        CHECK(rt_seccomp_load(a->s, &e) == -ENOTSUP, "load without fd accepted");
        err_done(&e);
        CHECK(rt_seccomp_load_notify(a->s, &fd, &e) == 0, "load: %s", e.msg);
        CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "no cloexec notify fd");
        /* Pass the fd on, as the init passes it to the runtime parent. */
        char c = 'F';
        struct iovec iov = {.iov_base = &c, .iov_len = 1};
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = {0};
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = u.buf,
                           .msg_controllen = sizeof(u.buf)};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        CHECK(sendmsg(a->sock, &m, 0) == 1, "sendmsg: %m");
        close(fd);
        /* The agent answers this one. */
        CHECK_ERRNO(syscall(SYS_getppid), 123);
}

/* Receive one message with an fd; returns the fd, data into b. */
static int recv_fd(int sock, struct sbuf *b)
{
        int fd = -1;
        for (;;) {
                char buf[4096];
                struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
                union {
                        struct cmsghdr h;
                        char buf[CMSG_SPACE(sizeof(int))];
                } u = {0};
                struct msghdr m = {.msg_iov = &iov,
                                   .msg_iovlen = 1,
                                   .msg_control = u.buf,
                                   .msg_controllen = sizeof(u.buf)};
                ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
                assert_true(n >= 0);
                struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
                if (cm && cm->cmsg_type == SCM_RIGHTS)
                        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
                if (n == 0 || !b)
                        return fd;
                sbuf_append_len(b, buf, (size_t)n);
        }
}

static void test_notify(void **state)
{
        (void)state;
        if (seccomp_api_get() < 5)
                skip();
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/agent.sock", dir);
        _cleanup_free_ char *text =
                xasprintf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"%s\","
                          " \"listenerMetadata\": \"MKNOD=/dev/null\", \"syscalls\": [{\"names\":"
                          " [\"getppid\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
                          path);
        struct rt_seccomp *s = parse_ok(text);
        assert_true(rt_seccomp_uses_notify(s));

        /* The agent's socket. */
        int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        strcpy(sa.sun_path, path);
        assert_int_equal(bind(lsock, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(lsock, 1), 0);

        int sp[2];
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
        struct notify_arg a = {.s = s, .sock = sp[1]};
        int rp[2];
        assert_int_equal(pipe2(rp, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                signal(SIGSYS, SIG_DFL);
                report_fd = rp[1];
                child_notify(&a);
                _exit(0);
        }
        close(rp[1]);
        close(sp[1]);

        /* The runtime parent: fd from the init, on to the listener. */
        int nfd = recv_fd(sp[0], NULL);
        assert_true(nfd >= 0);
        _cleanup_json_ struct json *st = json_new_object();
        json_object_set_string(st, "ociVersion", "1.2.0");
        json_object_set_string(st, "id", "ctr");
        json_object_set_string(st, "status", "creating");
        json_object_set_int(st, "pid", pid);
        struct err e = {0};
        if (rt_seccomp_notify_send(s, nfd, pid, st, &e) < 0)
                fail_msg("send: %s", e.msg);
        close(nfd);

        /* The agent: one connection, the state and the fd. */
        int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
        assert_true(conn >= 0);
        struct sbuf b = {0};
        int afd = recv_fd(conn, &b);
        close(conn);
        assert_true(afd >= 0);
        _cleanup_free_ char *msg = sbuf_steal(&b);
        _cleanup_json_ struct json *j = NULL;
        assert_int_equal(json_parse(msg, strlen(msg), &j, &e), 0);
        assert_string_equal(json_object_get_string(j, "ociVersion"), "1.2.0");
        assert_int_equal(json_object_get_int(j, "pid", 0), pid);
        assert_string_equal(json_object_get_string(j, "metadata"), "MKNOD=/dev/null");
        assert_string_equal(json_get_path(j, "fds")->arr.items[0]->str.s, "seccompFd");
        assert_string_equal(json_get_path(j, "state.id")->str.s, "ctr");

        /* Answer the child's getppid with errno 123. */
        struct seccomp_notif *req = NULL;
        struct seccomp_notif_resp *resp = NULL;
        assert_int_equal(seccomp_notify_alloc(&req, &resp), 0);
        assert_int_equal(seccomp_notify_receive(afd, req), 0);
        assert_int_equal(req->pid, pid);
        assert_int_equal(req->data.nr, SYS_getppid);
        resp->id = req->id;
        resp->error = -123;
        resp->val = 0;
        resp->flags = 0;
        assert_int_equal(seccomp_notify_respond(afd, resp), 0);
        seccomp_notify_free(req, resp);
        close(afd);

        struct sbuf rb = {0};
        char buf[512];
        ssize_t n;
        sbuf_append(&rb, "");
        while ((n = read(rp[0], buf, sizeof(buf))) > 0)
                sbuf_append_len(&rb, buf, (size_t)n);
        close(rp[0]);
        _cleanup_free_ char *out = sbuf_steal(&rb);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fail_msg("child: status %#x: %s", status, out);
        close(sp[0]);
        close(lsock);
        rt_seccomp_free(s);
        unit_rmtree(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_error_names_index),
                cmocka_unit_test(test_flags),
                cmocka_unit_test(test_errno),
                cmocka_unit_test(test_args),
                cmocka_unit_test(test_default_errno_allow_list),
                cmocka_unit_test(test_kill_actions),
                cmocka_unit_test(test_flags_arches_load),
                cmocka_unit_test(test_load_needs_cap_or_nnp),
                cmocka_unit_test(test_podman_profile),
                cmocka_unit_test(test_prepare_cache),
                cmocka_unit_test(test_notify),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
