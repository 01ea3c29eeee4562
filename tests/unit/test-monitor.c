/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of berth-monitor's pure parts: options, restart policy, the
 * log record formats and rotation (libcore/engine/mon-*.c). */
#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "mon-internal.h"

static void test_size_parse(void **state)
{
        (void)state;
        struct {
                const char *s;
                int64_t v;
        } ok[] = {{"0", 0},        {"10", 10},       {"10b", 10},
                  {"10k", 10240},  {"10K", 10240},   {"10kb", 10240},
                  {"3m", 3145728}, {"3MB", 3145728}, {"1g", 1073741824}};
        for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
                int64_t v = -1;
                assert_int_equal(mon_size_parse(ok[i].s, &v, NULL), 0);
                assert_int_equal(v, ok[i].v);
        }
        const char *bad[] = {"", "-1", "10q", "k", "10kk", "1.5m", " 1", "99999999999999g", "0x10"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                int64_t v = 42;
                struct err e = {0};
                assert_true(mon_size_parse(bad[i], &v, &e) < 0);
                assert_int_equal(v, 42);
                assert_non_null(e.msg);
                err_done(&e);
        }
        assert_true(mon_size_parse(NULL, &(int64_t){0}, NULL) < 0);
}

static void test_restart_parse(void **state)
{
        (void)state;
        enum mon_restart r;
        int64_t max;
        assert_int_equal(mon_restart_parse(NULL, &r, &max, NULL), 0);
        assert_int_equal(r, MON_RESTART_NO);
        assert_int_equal(mon_restart_parse("no", &r, &max, NULL), 0);
        assert_int_equal(r, MON_RESTART_NO);
        assert_int_equal(mon_restart_parse("always", &r, &max, NULL), 0);
        assert_int_equal(r, MON_RESTART_ALWAYS);
        assert_int_equal(mon_restart_parse("unless-stopped", &r, &max, NULL), 0);
        assert_int_equal(r, MON_RESTART_UNLESS_STOPPED);
        assert_int_equal(mon_restart_parse("on-failure", &r, &max, NULL), 0);
        assert_int_equal(r, MON_RESTART_ON_FAILURE);
        assert_int_equal(max, 0);
        assert_int_equal(mon_restart_parse("on-failure:7", &r, &max, NULL), 0);
        assert_int_equal(r, MON_RESTART_ON_FAILURE);
        assert_int_equal(max, 7);
        const char *bad[] = {"on-failure:", "on-failure:-1", "on-failure:x",
                             "sometimes",   "always:3",      "On-Failure"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct err e = {0};
                r = MON_RESTART_ALWAYS;
                assert_true(mon_restart_parse(bad[i], &r, &max, &e) < 0);
                assert_int_equal(r, MON_RESTART_ALWAYS);
                assert_non_null(strstr(e.msg, bad[i]));
                err_done(&e);
        }
}

static void test_restart_wanted(void **state)
{
        (void)state;
        assert_false(mon_restart_wanted(MON_RESTART_NO, 0, 1, 0, false));
        assert_true(mon_restart_wanted(MON_RESTART_ON_FAILURE, 0, 1, 100, false));
        assert_false(mon_restart_wanted(MON_RESTART_ON_FAILURE, 0, 0, 0, false));
        assert_true(mon_restart_wanted(MON_RESTART_ON_FAILURE, 2, 3, 1, false));
        assert_false(mon_restart_wanted(MON_RESTART_ON_FAILURE, 2, 3, 2, false));
        assert_true(mon_restart_wanted(MON_RESTART_ALWAYS, 0, 0, 50, false));
        assert_true(mon_restart_wanted(MON_RESTART_UNLESS_STOPPED, 0, 137, 0, false));
        /* berth stop's marker wins over every policy */
        assert_false(mon_restart_wanted(MON_RESTART_ALWAYS, 0, 0, 0, true));
        assert_false(mon_restart_wanted(MON_RESTART_UNLESS_STOPPED, 0, 0, 0, true));
        assert_false(mon_restart_wanted(MON_RESTART_ON_FAILURE, 0, 1, 0, true));
}

static void set_tz(const char *tz)
{
        setenv("TZ", tz, 1);
        tzset();
}

static void test_time_k8s(void **state)
{
        (void)state;
        set_tz("UTC");
        char *t = mon_time_k8s(1, 5);
        assert_string_equal(t, "1970-01-01T00:00:01.000000005+00:00");
        free(t);
        set_tz("XXX-2"); /* POSIX: two hours east of UTC */
        t = mon_time_k8s(1796000000, 123456789);
        assert_string_equal(t, "2026-11-30T02:53:20.123456789+02:00");
        free(t);
        set_tz("YYY+5:30");
        t = mon_time_k8s(0, 0);
        assert_string_equal(t, "1969-12-31T18:30:00.000000000-05:30");
        free(t);
        set_tz("UTC");
}

static char *fmt(enum mon_log_driver d, enum mon_stream s, const char *line, size_t len,
                 bool partial)
{
        struct sbuf b = {0};
        mon_log_format(d, s, line, len, partial, 1, 5, &b);
        return sbuf_steal(&b);
}

static void test_format_k8s(void **state)
{
        (void)state;
        set_tz("UTC");
        char *r = fmt(MON_LOG_K8S_FILE, MON_STDOUT, "hello", 5, false);
        assert_string_equal(r, "1970-01-01T00:00:01.000000005+00:00 stdout F hello\n");
        free(r);
        r = fmt(MON_LOG_K8S_FILE, MON_STDERR, "abc", 3, true);
        assert_string_equal(r, "1970-01-01T00:00:01.000000005+00:00 stderr P abc\n");
        free(r);
        /* an empty line is a full record with no text */
        r = fmt(MON_LOG_K8S_FILE, MON_STDOUT, "", 0, false);
        assert_string_equal(r, "1970-01-01T00:00:01.000000005+00:00 stdout F \n");
        free(r);
}

static void test_format_json(void **state)
{
        (void)state;
        char *r = fmt(MON_LOG_JSON_FILE, MON_STDOUT, "a \"q\" \\ <b>&", 12, false);
        assert_string_equal(r,
                            "{\"log\":\"a \\\"q\\\" \\\\ \\u003cb\\u003e\\u0026\\n\","
                            "\"stream\":\"stdout\",\"time\":\"1970-01-01T00:00:01.000000005Z\"}\n");
        free(r);
        /* control bytes, a NUL, valid and invalid UTF-8; partial: no newline added */
        static const char raw[] = "\x01\t\r\0\xc3\xa9\xff\xe2\x82";
        r = fmt(MON_LOG_JSON_FILE, MON_STDERR, raw, sizeof(raw) - 1, true);
        assert_string_equal(r,
                            "{\"log\":\"\\u0001\\t\\r\\u0000\xc3\xa9\\ufffd\\ufffd\\ufffd\","
                            "\"stream\":\"stderr\",\"time\":\"1970-01-01T00:00:01.000000005Z\"}\n");
        free(r);
        /* every record is valid JSON whatever the bytes */
        char junk[256];
        for (int i = 0; i < 256; i++)
                junk[i] = (char)(255 - i);
        r = fmt(MON_LOG_JSON_FILE, MON_STDOUT, junk, sizeof(junk), false);
        struct json *j = NULL;
        assert_int_equal(json_parse(r, strlen(r), &j, NULL), 0);
        assert_string_equal(json_object_get_string(j, "stream"), "stdout");
        json_free(j);
        free(r);
}

static char *slurp(const char *dir, const char *name)
{
        char *p = xasprintf("%s/%s", dir, name), *buf = NULL;
        if (fs_read_file(AT_FDCWD, p, 0, &buf, NULL, NULL) < 0)
                buf = NULL;
        free(p);
        return buf;
}

static int count_lines(const char *s)
{
        int n = 0;
        for (; s && *s; s++)
                n += *s == '\n';
        return n;
}

static void test_rotation(void **state)
{
        (void)state;
        set_tz("UTC");
        char *dir = unit_tmpdir();
        char *path = xasprintf("%s/ctr.log", dir);
        struct mon_log *l = NULL;
        /* a record is 51 bytes here ("<35-byte time> stdout F lineN\n"): 3 fit in 160 */
        assert_int_equal(mon_log_open(MON_LOG_K8S_FILE, path, 160, 3, "0123456789abcdef", &l, NULL),
                         0);
        for (int i = 0; i < 10; i++) {
                char line[16];
                int n = snprintf(line, sizeof(line), "line%d\n", i);
                mon_log_write(l, MON_STDOUT, line, (size_t)n);
        }
        char *cur = slurp(dir, "ctr.log"), *one = slurp(dir, "ctr.log.1"),
             *two = slurp(dir, "ctr.log.2"), *three = slurp(dir, "ctr.log.3");
        assert_non_null(cur);
        assert_non_null(one);
        assert_non_null(two);
        assert_null(three);
        assert_true(strlen(cur) <= 160 && strlen(one) <= 160 && strlen(two) <= 160);
        assert_int_equal(count_lines(one), 3);
        assert_non_null(strstr(cur, "stdout F line9\n"));
        assert_non_null(strstr(one, "stdout F line6\n"));
        assert_non_null(strstr(two, "stdout F line3\n"));
        free(cur);
        free(one);
        free(two);
        /* one write holding many lines is split across files at record bounds */
        mon_log_write(l, MON_STDERR, "a\nb\nc\nd\ne\nf\n", 12);
        cur = slurp(dir, "ctr.log");
        one = slurp(dir, "ctr.log.1");
        two = slurp(dir, "ctr.log.2");
        assert_string_equal(strchr(cur, ' '), " stderr F f\n");
        assert_int_equal(count_lines(cur) + count_lines(one) + count_lines(two), 7);
        assert_non_null(strstr(two, "stdout F line9\n"));
        assert_true(strlen(cur) <= 160 && strlen(one) <= 160 && strlen(two) <= 160);
        free(cur);
        free(one);
        free(two);
        mon_log_free(l);

        /* a record longer than max-size still goes whole into a file of its own */
        l = NULL;
        free(path);
        path = xasprintf("%s/other.log", dir);
        char *big = xmalloc(400);
        memset(big, 'x', 399);
        big[399] = '\n';
        assert_int_equal(mon_log_open(MON_LOG_JSON_FILE, path, 150, 1, "id", &l, NULL), 0);
        mon_log_write(l, MON_STDOUT, big, 400);
        mon_log_write(l, MON_STDOUT, "after\n", 6);
        cur = slurp(dir, "other.log");
        /* max-file 1: the old file is dropped, the new one starts with "after" */
        assert_true(str_has_prefix(cur, "{\"log\":\"after\\n\""));
        assert_int_equal(count_lines(cur), 1);
        one = slurp(dir, "other.log.1");
        assert_null(one);
        free(cur);
        mon_log_free(l);
        free(big);
        unit_rmtree(dir);
        free(path);
        free(dir);
}

static void test_log_open_errors(void **state)
{
        (void)state;
        struct mon_log *l = NULL;
        struct err e = {0};
        assert_true(mon_log_open(MON_LOG_K8S_FILE, "/nonexistent-dir/ctr.log", 0, 1, "id", &l, &e) <
                    0);
        assert_null(l);
        assert_non_null(strstr(e.msg, "/nonexistent-dir/ctr.log"));
        err_done(&e);
        assert_true(mon_log_open(MON_LOG_JSON_FILE, NULL, 0, 1, "id", &l, &e) < 0);
        err_done(&e);
        /* none needs nothing and writes nothing */
        assert_int_equal(mon_log_open(MON_LOG_NONE, NULL, 0, 1, "id", &l, NULL), 0);
        mon_log_write(l, MON_STDOUT, "x\n", 2);
        mon_log_free(l);
        mon_log_free(NULL);
}

static int parse(struct mon_opts *o, struct err *e, ...)
{
        char *argv[64];
        int argc = 0;
        va_list ap;
        va_start(ap, e);
        for (const char *a; (a = va_arg(ap, const char *)) && argc < 63;)
                argv[argc++] = (char *)a;
        va_end(ap);
        argv[argc] = NULL;
        return mon_opts_parse(argc, argv, o, e);
}

#define BASE "--id", "c1", "--bundle", "/b", "--rundir", "/r", "--runtime-root", "/s"

static void test_opts(void **state)
{
        (void)state;
        struct mon_opts o;
        struct err e = {0};
        assert_int_equal(parse(&o, &e, BASE, "--sync-fd", "5", NULL), 0);
        assert_string_equal(o.id, "c1");
        assert_string_equal(o.log_path, "/b/ctr.log");
        assert_int_equal(o.log_driver, MON_LOG_K8S_FILE);
        assert_int_equal(o.log_max_size, MON_LOG_MAX_SIZE_DEFAULT);
        assert_int_equal(o.log_max_file, MON_LOG_MAX_FILE_DEFAULT);
        assert_int_equal(o.sync_fd, 5);
        assert_int_equal(o.restart, MON_RESTART_NO);
        assert_null(o.exit_argv);
        assert_null(o.runtime);
        assert_false(o.tty);
        assert_false(o.wait_create);
        mon_opts_done(&o);
        assert_int_equal(parse(&o, &e, BASE, "--sync-fd", "5", "--wait-create", NULL), 0);
        assert_true(o.wait_create);
        mon_opts_done(&o);

        assert_int_equal(parse(&o, &e, BASE, "--sync-fd=3", "--tty", "--stdin", "--log-driver",
                               "json-file", "--log-path", "/l/x.log", "--log-max-size", "1m",
                               "--log-max-file", "5", "--restart", "on-failure:2", "--exit-command",
                               "/bin/berth", "--exit-command-arg", "--root", "--exit-command-arg",
                               "container", "--runtime", "sh", NULL),
                         0);
        assert_true(o.tty && o.stdin_open);
        assert_int_equal(o.log_driver, MON_LOG_JSON_FILE);
        assert_string_equal(o.log_path, "/l/x.log");
        assert_int_equal(o.log_max_size, 1 << 20);
        assert_int_equal(o.log_max_file, 5);
        assert_int_equal(o.restart, MON_RESTART_ON_FAILURE);
        assert_int_equal(o.restart_max, 2);
        assert_int_equal(strv_length(o.exit_argv), 3);
        assert_string_equal(o.exit_argv[0], "/bin/berth");
        assert_string_equal(o.exit_argv[1], "--root");
        assert_string_equal(o.exit_argv[2], "container");
        assert_true(o.runtime[0] == '/' && str_has_suffix(o.runtime, "/sh"));
        mon_opts_done(&o);

        /* the none driver needs no path; a relative bundle is made absolute */
        assert_int_equal(parse(&o, &e, "--id", "c", "--bundle", "rel", "--rundir", "/r",
                               "--runtime-root", "/s", "--sync-fd", "4", "--log-driver", "none",
                               NULL),
                         0);
        assert_null(o.log_path);
        assert_true(o.bundle[0] == '/' && str_has_suffix(o.bundle, "/rel"));
        mon_opts_done(&o);

        struct {
                const char *arg, *val, *msg;
        } bad[] = {
                {"--log-driver", "syslog", "unknown driver 'syslog'"},
                {"--log-max-file", "0", "--log-max-file"},
                {"--log-max-file", "1000", "--log-max-file"},
                {"--log-max-size", "lots", "--log-max-size"},
                {"--restart", "maybe", "invalid policy"},
                {"--exit-command-arg", "x", "without --exit-command"},
                {"--bogus", "1", "unknown flag"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                assert_true(parse(&o, &e, BASE, "--sync-fd", "3", bad[i].arg, bad[i].val, NULL) <
                            0);
                assert_non_null(strstr(e.msg, bad[i].msg));
                /* the sync fd is known even when a later option is bad */
                assert_int_equal(o.sync_fd, 3);
                err_done(&e);
                mon_opts_done(&o);
        }
        assert_true(parse(&o, &e, "--id", "c", "--sync-fd", "3", NULL) < 0);
        assert_non_null(strstr(e.msg, "missing --bundle"));
        err_done(&e);
        mon_opts_done(&o);
        assert_true(parse(&o, &e, BASE, NULL) < 0);
        assert_non_null(strstr(e.msg, "missing --sync-fd"));
        err_done(&e);
        mon_opts_done(&o);
        assert_true(parse(&o, &e, BASE, "--sync-fd", "-1", NULL) < 0);
        err_done(&e);
        mon_opts_done(&o);
        assert_true(parse(&o, &e, BASE, "--sync-fd", "3", "extra", NULL) < 0);
        assert_non_null(strstr(e.msg, "unexpected argument 'extra'"));
        err_done(&e);
        mon_opts_done(&o);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_size_parse),     cmocka_unit_test(test_restart_parse),
                cmocka_unit_test(test_restart_wanted), cmocka_unit_test(test_time_k8s),
                cmocka_unit_test(test_format_k8s),     cmocka_unit_test(test_format_json),
                cmocka_unit_test(test_rotation),       cmocka_unit_test(test_log_open_errors),
                cmocka_unit_test(test_opts),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
