/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of berth-runtime's pure pieces: exec's process builder,
 * update's resource flags, sizes, Go quoting and the --log records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above first. */
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "rtcli.h"

static struct json *parse(const char *s)
{
        struct json *j = NULL;
        struct err e = {0};
        if (json_parse(s, strlen(s), &j, &e) < 0)
                fail_msg("bad test JSON: %s", e.msg);
        return j;
}

static void assert_json(const struct json *got, const char *want)
{
        _cleanup_json_ struct json *w = parse(want);
        if (!json_equal(got, w)) {
                _cleanup_free_ char *g = json_generate(got, 0);
                fail_msg("got %s\nwant %s", g, want);
        }
}

static const char *base_process =
        "{\"terminal\":true,\"user\":{\"uid\":1,\"gid\":2,\"additionalGids\":[5]},"
        "\"args\":[\"sh\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/home\","
        "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
        "\"permitted\":[\"CAP_KILL\"]},\"noNewPrivileges\":false,"
        "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}]}";

static void test_exec_process_overrides(void **state)
{
        (void)state;
        _cleanup_json_ struct json *base = parse(base_process);
        char *args[] = {"ls", "-l", "", NULL};
        char *env[] = {"A=1", "PATH=/usr/bin", NULL};
        char *gids[] = {"10", "20", NULL};
        char *caps[] = {"net_admin", "CAP_KILL", "CAP_SYS_TIME", NULL};
        struct rtcli_exec_overrides o = {
                .args = args,
                .cwd = "/tmp",
                .env = env,
                .tty = false,
                .user = "1000:1001",
                .additional_gids = gids,
                .process_label = "system_u:system_r:container_t:s0",
                .apparmor = "unconfined",
                .no_new_privs = true,
                .caps = caps,
        };
        struct json *p = NULL;
        struct err e = {0};
        assert_int_equal(rtcli_exec_process(base, &o, &p, &e), 0);
        assert_json(p, "{\"terminal\":false,"
                       "\"user\":{\"uid\":1000,\"gid\":1001,\"additionalGids\":[5,10,20]},"
                       "\"args\":[\"ls\",\"-l\",\"\"],"
                       "\"env\":[\"PATH=/bin\",\"A=1\",\"PATH=/usr/bin\"],\"cwd\":\"/tmp\","
                       "\"capabilities\":{"
                       "\"bounding\":[\"CAP_KILL\",\"CAP_NET_ADMIN\",\"CAP_SYS_TIME\"],"
                       "\"effective\":[\"CAP_KILL\",\"CAP_NET_ADMIN\",\"CAP_SYS_TIME\"],"
                       "\"permitted\":[\"CAP_KILL\",\"CAP_NET_ADMIN\",\"CAP_SYS_TIME\"]},"
                       "\"noNewPrivileges\":true,"
                       "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
                       "\"selinuxLabel\":\"system_u:system_r:container_t:s0\","
                       "\"apparmorProfile\":\"unconfined\"}");
        json_free(p);
        /* The base is not modified. */
        _cleanup_json_ struct json *again = parse(base_process);
        assert_true(json_equal(base, again));
}

static void test_exec_process_minimal(void **state)
{
        (void)state;
        _cleanup_json_ struct json *base = parse(base_process);
        char *args[] = {"true", NULL};
        struct rtcli_exec_overrides o = {.args = args, .tty = true, .user = "7"};
        struct json *p = NULL;
        struct err e = {0};
        assert_int_equal(rtcli_exec_process(base, &o, &p, &e), 0);
        /* uid alone keeps the gid; the terminal follows --tty. */
        assert_int_equal(json_object_get_int(json_object_get(p, "user"), "uid", -1), 7);
        assert_int_equal(json_object_get_int(json_object_get(p, "user"), "gid", -1), 2);
        assert_true(json_object_get_bool(p, "terminal", false));
        assert_string_equal(json_object_get_string(p, "cwd"), "/home");
        json_free(p);

        /* Ambient follows only when the spec has inheritable capabilities. */
        _cleanup_json_ struct json *inh = parse("{\"args\":[\"sh\"],\"capabilities\":"
                                                "{\"inheritable\":[\"CAP_CHOWN\"]}}");
        char *caps[] = {"CAP_NET_RAW", NULL};
        struct rtcli_exec_overrides o2 = {.args = args, .caps = caps};
        assert_int_equal(rtcli_exec_process(inh, &o2, &p, &e), 0);
        const struct json *c = json_object_get(p, "capabilities");
        assert_json(json_object_get(c, "ambient"), "[\"CAP_NET_RAW\"]");
        assert_json(json_object_get(c, "inheritable"), "[\"CAP_CHOWN\"]");
        json_free(p);

        /* No base at all: a usable object still comes out. */
        assert_int_equal(rtcli_exec_process(NULL, &o, &p, &e), 0);
        assert_string_equal(json_object_get_string(p, "cwd"), "/");
        json_free(p);
}

static void expect_exec_error(const struct rtcli_exec_overrides *o, const char *msg)
{
        _cleanup_json_ struct json *base = parse(base_process);
        struct json *p = NULL;
        struct err e = {0};
        assert_int_equal(rtcli_exec_process(base, o, &p, &e), -EINVAL);
        assert_null(p);
        assert_string_equal(e.msg, msg);
        err_done(&e);
}

static void test_exec_process_errors(void **state)
{
        (void)state;
        char *args[] = {"true", NULL};
        char *empty[] = {NULL};
        expect_exec_error(&(struct rtcli_exec_overrides){.args = empty},
                          "exec args cannot be empty");
        expect_exec_error(&(struct rtcli_exec_overrides){.args = NULL},
                          "exec args cannot be empty");
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .user = "root"},
                          "--user: \"root\" is not a valid uid");
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .user = "1:x"},
                          "--user: \"x\" is not a valid gid");
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .user = "-1"},
                          "--user: \"-1\" is not a valid uid");
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .user = "4294967295"},
                          "--user: \"4294967295\" is not a valid uid");
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .user = "1:"},
                          "--user: \"\" is not a valid gid");
        char *badgid[] = {"12", "1e3", NULL};
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .additional_gids = badgid},
                          "--additional-gids: \"1e3\" is not a valid gid");
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .cwd = "tmp"},
                          "--cwd: \"tmp\" is not an absolute path");
        char *badenv[] = {"=x", NULL};
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .env = badenv},
                          "--env: \"=x\" is not NAME=value");
        char *badcap[] = {"CAP_X;rm", NULL};
        expect_exec_error(&(struct rtcli_exec_overrides){.args = args, .caps = badcap},
                          "--cap: \"CAP_X;rm\" is not a capability name");
}

static void test_parse_bytes(void **state)
{
        (void)state;
        static const struct {
                const char *s;
                int64_t v;
        } ok[] = {
                {"0", 0},
                {"512", 512},
                {"1k", 1024},
                {"1K", 1024},
                {"1kb", 1024},
                {"1KiB", 1024},
                {"64m", 64ll << 20},
                {"1.5g", 3ll << 29},
                {"2 GB", 2ll << 30},
                {"1t", 1ll << 40},
                {"1p", 1ll << 50},
                {"10b", 10},
        };
        for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
                int64_t v = -7;
                assert_int_equal(rtcli_parse_bytes(ok[i].s, &v), 0);
                assert_int_equal(v, ok[i].v);
        }
        static const char *const bad[] = {"",   "k",  "-1",  "1x",   "1kk",      "1.k",
                                          "1.", " 1", "1e3", "0x10", "99999999p"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                int64_t v = -7;
                assert_true(rtcli_parse_bytes(bad[i], &v) < 0);
                assert_int_equal(v, -7);
        }
}

static void test_update_resources(void **state)
{
        (void)state;
        struct rtcli_update_flags f = {
                .memory = "256m",
                .memory_swap = "-1",
                .memory_reservation = "128m",
                .cpu_shares = "512",
                .cpu_quota = "-1",
                .cpu_period = "100000",
                .cpu_rt_period = "1000000",
                .cpu_rt_runtime = "950000",
                .cpuset_cpus = "0-1",
                .cpuset_mems = "0",
                .pids_limit = "100",
                .blkio_weight = "500",
        };
        struct json *j = NULL;
        struct err e = {0};
        assert_int_equal(rtcli_update_resources(&f, &j, &e), 0);
        assert_json(j, "{\"memory\":{\"limit\":268435456,\"reservation\":134217728,"
                       "\"swap\":-1},"
                       "\"cpu\":{\"shares\":512,\"quota\":-1,\"period\":100000,"
                       "\"realtimeRuntime\":950000,\"realtimePeriod\":1000000,"
                       "\"cpus\":\"0-1\",\"mems\":\"0\"},"
                       "\"pids\":{\"limit\":100},\"blockIO\":{\"weight\":500}}");
        json_free(j);

        /* Only what was given. */
        struct rtcli_update_flags only = {.pids_limit = "-1"};
        assert_int_equal(rtcli_update_resources(&only, &j, &e), 0);
        assert_json(j, "{\"pids\":{\"limit\":-1}}");
        json_free(j);
        struct rtcli_update_flags none = {0};
        assert_int_equal(rtcli_update_resources(&none, &j, &e), 0);
        assert_json(j, "{}");
        json_free(j);
}

static void expect_update_error(const struct rtcli_update_flags *f, const char *msg)
{
        struct json *j = NULL;
        struct err e = {0};
        assert_int_equal(rtcli_update_resources(f, &j, &e), -EINVAL);
        assert_null(j);
        assert_string_equal(e.msg, msg);
        err_done(&e);
}

static void test_update_errors(void **state)
{
        (void)state;
        expect_update_error(&(struct rtcli_update_flags){.memory = "lots"},
                            "invalid value for memory: \"lots\": not a size (e.g. 512m, 1g)");
        expect_update_error(&(struct rtcli_update_flags){.cpu_shares = "-5"},
                            "invalid value for cpu-share: \"-5\": not an unsigned integer in "
                            "range");
        expect_update_error(&(struct rtcli_update_flags){.blkio_weight = "70000"},
                            "invalid value for blkio-weight: \"70000\": not an unsigned integer "
                            "in range");
        expect_update_error(&(struct rtcli_update_flags){.cpu_quota = "1.5"},
                            "invalid value for cpu-quota: \"1.5\": not an integer");
        expect_update_error(&(struct rtcli_update_flags){.pids_limit = ""},
                            "invalid value for pids-limit: \"\": not an integer");
}

static void test_go_quote(void **state)
{
        (void)state;
        static const struct {
                const char *in, *out;
        } cases[] = {
                {"plain", "\"plain\""},
                {"a \"b\" \\c", "\"a \\\"b\\\" \\\\c\""},
                {"tab\tnl\ncr\r", "\"tab\\tnl\\ncr\\r\""},
                {"\x01\x7f", "\"\\x01\\x7f\""},
                {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
                {"bad\xff", "\"bad\\xff\""},
                {"", "\"\""},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *q = rtcli_go_quote(cases[i].in);
                assert_string_equal(q, cases[i].out);
        }
}

/* The --log records podman and conmon parse. */
static void test_log_records(void **state)
{
        (void)state;
        char path[] = "/tmp/berth-rtcli-log-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        struct rtcli c = {.log_fd = fd, .log_json = true};
        rtcli_log(&c, "warning", "first <one> & \"two\"");
        c.log_json = false;
        rtcli_log(&c, "error", "container does not exist");
        rtcli_log(&c, "error", "simple");
        c.log_json = true;
        struct err e = {0};
        err_set(&e, ENOENT, "container \"x\" does not exist");
        /* stderr gets the bare message too; keep the test output clean. */
        int saved = dup(STDERR_FILENO), devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDERR_FILENO);
        assert_int_equal(rtcli_fail(&c, &e), 1);
        dup2(saved, STDERR_FILENO);
        close(saved);
        close(devnull);
        err_done(&e);
        close(fd);

        char *buf = NULL;
        size_t len;
        assert_int_equal(fs_read_file(AT_FDCWD, path, 0, &buf, &len, &e), 0);
        unlink(path);
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        free(buf);
        assert_int_equal(strv_length(lines), 5); /* 4 records and the empty tail */
        assert_string_equal(lines[4], "");

        /* JSON: keys level, msg, time in that order; HTML escaped like Go. */
        assert_true(str_has_prefix(lines[0], "{\"level\":\"warning\",\"msg\":\"first "
                                             "\\u003cone\\u003e \\u0026 \\\"two\\\"\","
                                             "\"time\":\""));
        _cleanup_json_ struct json *rec = parse(lines[0]);
        int64_t sec;
        int32_t nsec;
        assert_int_equal(time_parse_rfc3339(json_object_get_string(rec, "time"), &sec, &nsec), 0);
        assert_int_equal(nsec, 0);

        /* logrus text: msg quoted only when it needs it. */
        assert_true(str_has_prefix(lines[1], "time=\""));
        assert_non_null(strstr(lines[1], "\" level=error msg=\"container does not exist\""));
        assert_true(str_has_suffix(lines[2], " level=error msg=simple"));

        _cleanup_json_ struct json *last = parse(lines[3]);
        assert_string_equal(json_object_get_string(last, "level"), "error");
        assert_string_equal(json_object_get_string(last, "msg"), "container \"x\" does not exist");
}

struct captured {
        int n;
        enum log_level level;
        char msg[128];
};

static void capture_sink(enum log_level l, const char *msg, void *data)
{
        struct captured *c = data;
        c->n++;
        c->level = l;
        snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

/* base's sink: gets what the level lets through, instead of stderr; NULL
 * gives stderr back. */
static void test_log_sink(void **state)
{
        (void)state;
        struct captured cap = {0};
        enum log_level old = log_get_level();
        log_set_level(LOG_WARN);
        log_set_sink(capture_sink, &cap);
        log_debug("not at this level %d", 1);
        assert_int_equal(cap.n, 0);
        errno = EXDEV;
        log_warn("a warning about '%s'", "x");
        assert_int_equal(errno, EXDEV); /* log_msg keeps errno */
        assert_int_equal(cap.n, 1);
        assert_int_equal(cap.level, LOG_WARN);
        assert_string_equal(cap.msg, "a warning about 'x'");
        log_msg(LOG_ERROR, "an error\nwith a newline");
        assert_int_equal(cap.level, LOG_ERROR);
        assert_string_equal(cap.msg, "an error\nwith a newline");

        /* stderr again: the message lands on fd 2, the sink sees nothing. */
        log_set_sink(NULL, NULL);
        int p[2];
        assert_int_equal(pipe(p), 0);
        int saved = dup(STDERR_FILENO);
        dup2(p[1], STDERR_FILENO);
        log_warn("to stderr");
        dup2(saved, STDERR_FILENO);
        close(saved);
        close(p[1]);
        char buf[256] = {0};
        assert_true(read(p[0], buf, sizeof(buf) - 1) > 0);
        close(p[0]);
        assert_non_null(strstr(buf, "level=warning msg=\"to stderr\""));
        assert_int_equal(cap.n, 2);

        /* the discard sink drops everything */
        log_set_sink(log_sink_discard, NULL);
        log_warn("dropped");
        log_set_sink(NULL, NULL);
        log_set_level(old);
}

/* berth-runtime's sink: the library's messages as runc's records in --log. */
static void test_log_cli_sink(void **state)
{
        (void)state;
        char path[] = "/tmp/berth-rtcli-sink-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        struct rtcli c = {.log_fd = fd, .log_json = true};
        enum log_level old = log_get_level();
        log_set_level(LOG_DEBUG);
        log_set_sink(rtcli_log_sink, &c);
        log_warn("unknown capability '%s'", "CAP_X");
        log_debug("a debug line");
        log_set_sink(NULL, NULL);
        log_set_level(old);
        close(fd);
        char *buf = NULL;
        size_t len;
        struct err e = {0};
        assert_int_equal(fs_read_file(AT_FDCWD, path, 0, &buf, &len, &e), 0);
        unlink(path);
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        free(buf);
        assert_int_equal(strv_length(lines), 3);
        _cleanup_json_ struct json *w = parse(lines[0]);
        assert_string_equal(json_object_get_string(w, "level"), "warning");
        assert_string_equal(json_object_get_string(w, "msg"), "unknown capability 'CAP_X'");
        assert_non_null(json_object_get_string(w, "time"));
        _cleanup_json_ struct json *d = parse(lines[1]);
        assert_string_equal(json_object_get_string(d, "level"), "debug");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_exec_process_overrides),
                cmocka_unit_test(test_exec_process_minimal),
                cmocka_unit_test(test_exec_process_errors),
                cmocka_unit_test(test_parse_bytes),
                cmocka_unit_test(test_update_resources),
                cmocka_unit_test(test_update_errors),
                cmocka_unit_test(test_go_quote),
                cmocka_unit_test(test_log_records),
                cmocka_unit_test(test_log_sink),
                cmocka_unit_test(test_log_cli_sink),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
