/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the container log reader (libcore/engine/ctr-logs*.c):
 * both line formats, P/F joining, --tail across rotated files (and reading
 * only the end of a huge file), --since/--until values as podman reads
 * them, and hostile files (garbage, huge lines, bad times, truncated last
 * line). --follow is in test-logs-follow.c.
 */
#include "test-logs.h"

#include <time.h>

#define T0 "2026-11-28T04:31:46.986426604+00:00"

static const struct ctr_log_opts all = {.tail = -1};

/* ---------------------------------------------------------------- parsing */

static void test_parse_k8s(void **state)
{
        (void)state;
        struct ctr_log_rec r;
        struct err e = {0};
        const char *l = T0 " stdout F hello world";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_K8S_FILE, l, strlen(l), &r, &e), 0);
        assert_int_equal(r.stream, CTR_LOG_STDOUT);
        assert_false(r.partial);
        assert_string_equal(r.text, "hello world");
        assert_int_equal(r.sec, 1795840306);
        assert_int_equal(r.nsec, 986426604);
        assert_int_equal(r.utc_offset, 0);
        ctr_log_rec_done(&r);

        l = "2026-11-28T05:31:46.5+01:00 stderr P  two  spaces ";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_K8S_FILE, l, strlen(l), &r, &e), 0);
        assert_int_equal(r.stream, CTR_LOG_STDERR);
        assert_true(r.partial);
        assert_string_equal(r.text, " two  spaces ");
        assert_int_equal(r.sec, 1795840306);
        assert_int_equal(r.utc_offset, 3600);
        _cleanup_free_ char *t = ctr_log_format_time(&r);
        assert_string_equal(t, "2026-11-28T05:31:46.500000000+01:00");
        ctr_log_rec_done(&r);

        /* An empty line: conmon writes "F " and nothing; also without the space. */
        l = T0 " stdout F ";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_K8S_FILE, l, strlen(l), &r, &e), 0);
        assert_int_equal(r.len, 0);
        ctr_log_rec_done(&r);
        l = T0 " stdout F";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_K8S_FILE, l, strlen(l), &r, &e), 0);
        assert_int_equal(r.len, 0);
        ctr_log_rec_done(&r);
        /* CRI tags after ':' */
        l = T0 " stdout F:x text";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_K8S_FILE, l, strlen(l), &r, &e), 0);
        assert_string_equal(r.text, "text");
        ctr_log_rec_done(&r);

        /* NUL bytes in the text are kept. */
        const char bin[] = T0 " stdout F a\0b";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_K8S_FILE, bin, sizeof(bin) - 1, &r, &e), 0);
        assert_int_equal(r.len, 3);
        assert_memory_equal(r.text, "a\0b", 3);
        ctr_log_rec_done(&r);
}

static void expect_bad(enum ctr_log_format f, const char *l, size_t n, const char *msg)
{
        struct ctr_log_rec r = {0};
        struct err e = {0};
        assert_true(ctr_log_parse_line(f, l, n, &r, &e) < 0);
        assert_non_null(e.msg);
        if (!strstr(e.msg, msg))
                fail_msg("'%s' does not contain '%s'", e.msg, msg);
        assert_null(r.text);
        err_done(&e);
}

static void test_parse_k8s_bad(void **state)
{
        (void)state;
#define BAD(l, m) expect_bad(CTR_LOG_K8S_FILE, l, strlen(l), m)
        BAD("", "empty log line");
        BAD("garbage", "no fields");
        BAD("x stdout F a", "invalid time 'x'");
        BAD("2026-13-28T04:31:46Z stdout F a", "invalid time");
        BAD("2026-11-28T04:31:46 stdout F a", "invalid time"); /* no zone */
        BAD("2026-11-28T04:31:46.+00:00 stdout F a", "invalid time");
        BAD(T0 " stdin F a", "unknown stream 'stdin'");
        BAD(T0 " stdout X a", "unknown tag 'X'");
        BAD(T0 " stdout FF a", "unknown tag 'FF'");
        BAD(T0 " stdout", "no tag");
        BAD(T0 "  stdout F a", "unknown stream ''");
#undef BAD
        /* A time field longer than any time, NUL inside the time. */
        _cleanup_free_ char *longtime = xmalloc(5000);
        memset(longtime, '9', 4999);
        longtime[4999] = '\0';
        memcpy(longtime + 4000, " stdout F x", 11);
        expect_bad(CTR_LOG_K8S_FILE, longtime, strlen(longtime), "invalid time");
        const char nul[] = "2026-11-28T04:31:46\0Z stdout F a";
        expect_bad(CTR_LOG_K8S_FILE, nul, sizeof(nul) - 1, "invalid time");
        /* Over the line limit. */
        size_t big = CTR_LOG_LINE_MAX + 1;
        char *huge = xmalloc(big);
        memset(huge, 'a', big);
        expect_bad(CTR_LOG_K8S_FILE, huge, big, "longer than");
        free(huge);
}

static void test_parse_json(void **state)
{
        (void)state;
        struct ctr_log_rec r;
        struct err e = {0};
        const char *l =
                "{\"log\":\"hi "
                "\\u003cx\\u003e\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-28T04:31:46.1Z\"}";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_JSON_FILE, l, strlen(l), &r, &e), 0);
        assert_int_equal(r.stream, CTR_LOG_STDERR);
        assert_false(r.partial);
        assert_string_equal(r.text, "hi <x>");
        assert_int_equal(r.nsec, 100000000);
        ctr_log_rec_done(&r);
        l = "{\"log\":\"a\\u0000b\",\"stream\":\"stdout\",\"time\":\"2026-11-28T04:31:46Z\","
            "\"attrs\":{\"x\":[1,2]}}";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_JSON_FILE, l, strlen(l), &r, &e), 0);
        assert_true(r.partial);
        assert_int_equal(r.len, 3);
        assert_memory_equal(r.text, "a\0b", 3);
        ctr_log_rec_done(&r);
        l = "{\"log\":\"\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T04:31:46Z\"}";
        assert_int_equal(ctr_log_parse_line(CTR_LOG_JSON_FILE, l, strlen(l), &r, &e), 0);
        assert_false(r.partial);
        assert_int_equal(r.len, 0);
        ctr_log_rec_done(&r);

#define BAD(l, m) expect_bad(CTR_LOG_JSON_FILE, l, strlen(l), m)
        BAD("{", "invalid JSON");
        BAD("[1]", "not an object");
        BAD("{\"log\":1,\"stream\":\"stdout\",\"time\":\"2026-11-28T04:31:46Z\"}", "no \"log\"");
        BAD("{\"log\":\"x\",\"stream\":\"out\",\"time\":\"2026-11-28T04:31:46Z\"}",
            "unknown stream 'out'");
        BAD("{\"log\":\"x\",\"stream\":\"stdout\"}", "invalid time ''");
        BAD("{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"yesterday\"}",
            "invalid time 'yesterday'");
        BAD("{\"log\":\"\xff\",\"stream\":\"stdout\",\"time\":\"2026-11-28T04:31:46Z\"}",
            "invalid JSON");
#undef BAD
}

static void test_format_time(void **state)
{
        (void)state;
        struct ctr_log_rec r = {.sec = 1795840306, .nsec = 986426000};
        _cleanup_free_ char *a = ctr_log_format_time(&r);
        assert_string_equal(a, "2026-11-28T04:31:46.986426000Z");
        r.nsec = 0;
        r.utc_offset = -(5 * 3600 + 30 * 60);
        _cleanup_free_ char *b = ctr_log_format_time(&r);
        assert_string_equal(b, "2026-11-27T23:01:46.000000000-05:30");
}

static void expect_time(const char *s, bool since, int64_t sec, int32_t nsec)
{
        int64_t got_s = -1;
        int32_t got_ns = -1;
        struct err e = {0};
        if (ctr_log_parse_time(s, since, 1000000, 500000000, &got_s, &got_ns, &e) < 0)
                fail_msg("'%s': %s", s, e.msg);
        if (got_s != sec || got_ns != nsec)
                fail_msg("'%s': got %lld.%09d, want %lld.%09d", s, (long long)got_s, got_ns,
                         (long long)sec, nsec);
}

static void test_parse_time(void **state)
{
        (void)state;
        expect_time("2026-11-28T04:31:46.986426604Z", true, 1795840306, 986426604);
        expect_time("2026-11-28T05:31:46+01:00", true, 1795840306, 0);
        expect_time("2026-11-28T04:31:46", true, 1795840306, 0);
        expect_time("2026-11-28T04:31:46.25", true, 1795840306, 250000000);
        expect_time("2026-11-28", true, 1795824000, 0);
        expect_time("2026-11-28Z", true, 1795824000, 0);
        expect_time("2026-11-28+02:00", true, 1795824000 - 7200, 0);
        expect_time("1795840306", true, 1795840306, 0);
        expect_time("1795840306.986486353", true, 1795840306, 986486353);
        expect_time("-1.5", true, -2, 500000000);
        expect_time("0", true, 0, 0);
        /* Durations: back from now for since, forward for until (podman 4.3). */
        expect_time("10m", true, 1000000 - 600, 500000000);
        expect_time("10m", false, 1000000 + 600, 500000000);
        expect_time("1h30m", true, 1000000 - 5400, 500000000);
        expect_time("1.5s", true, 999999, 0);
        expect_time("600ms", true, 999999, 900000000);
        expect_time("-10m", false, 1000000 - 600, 500000000);
        expect_time("1us", false, 1000000, 500001000);
        expect_time("1\xc2\xb5s", false, 1000000, 500001000);

        const char *bad[] = {"",
                             "garbage",
                             "10",
                             "10x",
                             "m",
                             "1e400",
                             "nan",
                             "inf",
                             "2026-11-28T25:00:00",
                             "10m5",
                             "..5s",
                             "99999999999999999999h",
                             "2026-11-28T04:31:46ZZ"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                int64_t s;
                int32_t ns;
                struct err e = {0};
                /* "10" is a Unix time, not an error: */
                if (STREQ(bad[i], "10"))
                        continue;
                if (ctr_log_parse_time(bad[i], true, 1000000, 0, &s, &ns, &e) == 0)
                        fail_msg("'%s' was accepted", bad[i]);
                assert_string_equal(e.msg, "unable to interpret time value");
                err_done(&e);
        }
}

/* ---------------------------------------------------------------- reading */

static void test_write_k8s(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        /* As conmon wrote it for: echo out1; echo err1 >&2; printf part;
         * sleep; printf 'ial\n'; printf nonl */
        write_str(dir, "ctr.log",
                  "2026-11-28T04:31:46.986426604+00:00 stdout F out1\n"
                  "2026-11-28T04:31:46.986486353+00:00 stderr F err1\n"
                  "2026-11-28T04:31:46.986491741+00:00 stdout P part\n"
                  "2026-11-28T04:31:47.187496627+00:00 stdout F ial\n"
                  "2026-11-28T04:31:47.187496627+00:00 stdout P nonl\n");
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        struct result res = run_one(path, CTR_LOG_K8S_FILE, &all);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "out1\npartial\nnonl");
        assert_string_equal(res.err, "err1\n");
        result_done(&res);

        /* -t: each record with its own time, as podman prints it. */
        struct ctr_log_opts o = {.tail = -1, .timestamps = true};
        res = run_one(path, CTR_LOG_K8S_FILE, &o);
        assert_string_equal(res.out, "2026-11-28T04:31:46.986426604Z out1\n"
                                     "2026-11-28T04:31:46.986491741Z part"
                                     "2026-11-28T04:31:47.187496627Z ial\n"
                                     "2026-11-28T04:31:47.187496627Z nonl");
        assert_string_equal(res.err, "2026-11-28T04:31:46.986486353Z err1\n");
        result_done(&res);

        /* --since/--until: strictly after / before, per record. */
        o = (struct ctr_log_opts){
                .tail = -1, .since_set = true, .since_sec = 1795840306, .since_nsec = 986486353};
        res = run_one(path, CTR_LOG_K8S_FILE, &o);
        assert_string_equal(res.out, "partial\nnonl");
        assert_string_equal(res.err, "");
        result_done(&res);
        o = (struct ctr_log_opts){.tail = -1, .until_set = true, .until_sec = 1795840307};
        res = run_one(path, CTR_LOG_K8S_FILE, &o);
        assert_string_equal(res.out, "out1\npart");
        assert_string_equal(res.err, "err1\n");
        result_done(&res);

        /* --tail counts lines (F, and a P at the very end), as fixed podman. */
        const char *want_out[] = {"", "nonl", "partial\nnonl", "partial\nnonl",
                                  "out1\npartial\nnonl"};
        const char *want_err[] = {"", "", "", "err1\n", "err1\n"};
        for (int t = 0; t <= 4; t++) {
                o = (struct ctr_log_opts){.tail = t};
                res = run_one(path, CTR_LOG_K8S_FILE, &o);
                assert_int_equal(res.r, 0);
                assert_string_equal(res.out, want_out[t]);
                assert_string_equal(res.err, want_err[t]);
                result_done(&res);
        }
        unit_rmtree(dir);
}

static void test_write_json(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        write_str(dir, "ctr.log",
                  "{\"log\":\"out1\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T04:31:46Z\"}\n"
                  "{\"log\":\"err1\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-28T04:31:46Z\"}\n"
                  "{\"log\":\"part\",\"stream\":\"stdout\",\"time\":\"2026-11-28T04:31:46.5Z\"}\n"
                  "{\"log\":\"ial\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-28T04:31:47Z\"}\n");
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        struct ctr_log_opts o = {.tail = 1, .timestamps = true};
        struct result res = run_one(path, CTR_LOG_JSON_FILE, &all);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "out1\npartial\n");
        assert_string_equal(res.err, "err1\n");
        result_done(&res);
        res = run_one(path, CTR_LOG_JSON_FILE, &o);
        assert_string_equal(res.out, "2026-11-28T04:31:46.500000000Z part"
                                     "2026-11-28T04:31:47.000000000Z ial\n");
        assert_string_equal(res.err, "");
        result_done(&res);
        /* The same file read as k8s-file: every line malformed, none printed. */
        res = run_one(path, CTR_LOG_K8S_FILE, &all);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "");
        result_done(&res);
        unit_rmtree(dir);
}

/* ctr.log.2 (oldest), ctr.log.1, ctr.log: lines 0..8, three per file. */
static char *make_rotated(void)
{
        char *dir = unit_tmpdir();
        const char *names[] = {"ctr.log.2", "ctr.log.1", "ctr.log"};
        for (int f = 0; f < 3; f++) {
                struct sbuf b = {0};
                for (int i = f * 3; i < f * 3 + 3; i++) {
                        _cleanup_free_ char *num = xasprintf("line%d", i);
                        _cleanup_free_ char *l =
                                k8s(i * 1000, i == 4 ? "stderr" : "stdout", "F", num);
                        sbuf_append(&b, l);
                }
                write_str(dir, names[f], b.buf);
                sbuf_done(&b);
        }
        return dir;
}

static void test_tail_rotated(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = make_rotated();
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        for (int t = -1; t <= 11; t++) {
                struct ctr_log_opts o = {.tail = t};
                struct result res = run_one(path, CTR_LOG_K8S_FILE, &o);
                assert_int_equal(res.r, 0);
                struct sbuf want = {0}, want_err = {0};
                int first = t < 0 || t > 9 ? 0 : 9 - t;
                for (int i = first; i < 9; i++)
                        sbuf_printf(i == 4 ? &want_err : &want, "line%d\n", i);
                assert_string_equal(res.out, want.buf ? want.buf : "");
                assert_string_equal(res.err, want_err.buf ? want_err.buf : "");
                sbuf_done(&want);
                sbuf_done(&want_err);
                result_done(&res);
        }
        /* Mid-rotation, ctr.log.1 has moved to ctr.log.2 and ctr.log is
         * not yet linked as ctr.log.1: the older files are still found. */
        _cleanup_free_ char *r1 = xasprintf("%s/ctr.log.1", dir),
                            *r2 = xasprintf("%s/ctr.log.2", dir),
                            *r3 = xasprintf("%s/ctr.log.3", dir);
        assert_int_equal(rename(r2, r3), 0);
        assert_int_equal(rename(r1, r2), 0);
        struct result mid = run_one(path, CTR_LOG_K8S_FILE, &all);
        assert_string_equal(mid.out, "line0\nline1\nline2\nline3\nline5\nline6\nline7\nline8\n");
        assert_string_equal(mid.err, "line4\n");
        result_done(&mid);
        assert_int_equal(rename(r2, r1), 0);
        assert_int_equal(rename(r3, r2), 0);
        /* A missing ctr.log (between a rename and the new file) still
         * leaves the rotated ones readable. */
        _cleanup_free_ char *p1 = xasprintf("%s/ctr.log", dir);
        unlink(p1);
        struct ctr_log_opts o = {.tail = 2};
        struct result res = run_one(path, CTR_LOG_K8S_FILE, &o);
        assert_string_equal(res.out, "line5\n");
        assert_string_equal(res.err, "line4\n");
        result_done(&res);
        unit_rmtree(dir);
}

/* --tail reads the end of a file only: 16 GiB of hole before the lines. */
static void test_tail_huge_sparse(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        off_t hole = 16LL << 30;
        if (ftruncate(fd, hole) < 0) {
                close(fd);
                unit_rmtree(dir);
                skip();
        }
        _cleanup_free_ char *a = k8s(1000, "stdout", "F", "a");
        _cleanup_free_ char *b = k8s(2000, "stdout", "F", "b");
        _cleanup_free_ char *both = xasprintf("\n%s%s", a, b);
        assert_int_equal(pwrite(fd, both, strlen(both), hole), (ssize_t)strlen(both));
        close(fd);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        struct ctr_log_opts o = {.tail = 2};
        struct result res = run_one(path, CTR_LOG_K8S_FILE, &o);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "a\nb\n");
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
        if (secs > 1.0)
                fail_msg("tail took %.2f s: it read more than the end", secs);
        result_done(&res);
        unit_rmtree(dir);
}

static void test_hostile(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/ctr.log", dir);
        struct sbuf b = {0};
        _cleanup_free_ char *l1 = k8s(1000, "stdout", "F", "first");
        _cleanup_free_ char *l2 = k8s(2000, "stdout", "F", "second");
        _cleanup_free_ char *l3 = k8s(3000, "stderr", "F", "third");
        sbuf_append(&b, l1);
        sbuf_append(&b, "garbage\n\n\n");
        sbuf_append(&b, "2026-99-28T04:00:00Z stdout F bad time\n");
        sbuf_append_len(&b, "\0\0\0\xff\xfe\n", 6);
        /* A line of 3 MiB: longer than CTR_LOG_LINE_MAX, skipped whole. */
        sbuf_append(&b, "2026-11-28T04:00:01Z stdout F ");
        for (int i = 0; i < 3 * 1024; i++) {
                char k[1024];
                memset(k, 'x', sizeof(k));
                sbuf_append_len(&b, k, sizeof(k));
        }
        sbuf_append(&b, "\n");
        sbuf_append(&b, l2);
        sbuf_append(&b, l3);
        /* A truncated last line (the writer died midway): printed as it is. */
        sbuf_append(&b, "2026-11-28T04:00:04Z stdout F trunc");
        write_file(path, b.buf, b.len);
        struct result res = run_one(path, CTR_LOG_K8S_FILE, &all);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "first\nsecond\ntrunc\n");
        assert_string_equal(res.err, "third\n");
        result_done(&res);

        for (int t = 0; t <= 4; t++) {
                const char *want[] = {"", "trunc\n", "trunc\n", "second\ntrunc\n",
                                      "first\nsecond\ntrunc\n"};
                struct ctr_log_opts o = {.tail = t};
                res = run_one(path, CTR_LOG_K8S_FILE, &o);
                assert_int_equal(res.r, 0);
                assert_string_equal(res.out, want[t]);
                result_done(&res);
        }
        /* Only a huge line, without newline. */
        sbuf_done(&b);
        for (int i = 0; i < 2 * 1024; i++) {
                char k[1024];
                memset(k, 'y', sizeof(k));
                sbuf_append_len(&b, k, sizeof(k));
        }
        write_file(path, b.buf, b.len);
        struct ctr_log_opts o = {.tail = 3};
        res = run_one(path, CTR_LOG_K8S_FILE, &o);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "");
        result_done(&res);
        res = run_one(path, CTR_LOG_K8S_FILE, &all);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "");
        result_done(&res);
        sbuf_done(&b);

        /* Empty file, missing file: no output, no error. A directory: error. */
        write_file(path, "", 0);
        res = run_one(path, CTR_LOG_K8S_FILE, &all);
        assert_int_equal(res.r, 0);
        result_done(&res);
        unlink(path);
        res = run_one(path, CTR_LOG_K8S_FILE, &o);
        assert_int_equal(res.r, 0);
        result_done(&res);
        assert_int_equal(mkdir(path, 0755), 0);
        res = run_one(path, CTR_LOG_K8S_FILE, &all);
        assert_true(res.r < 0);
        assert_non_null(strstr(res.e.msg, "ctr.log"));
        result_done(&res);
        unit_rmtree(dir);
}

/* The forward splitter keeps a line of exactly the limit and drops one more. */
static void test_lines_limit(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *path = xasprintf("%s/f", dir);
        size_t n = CTR_LOG_LINE_MAX;
        char *buf = xmalloc(2 * n + 10);
        memset(buf, 'a', n);
        buf[n] = '\n';
        memset(buf + n + 1, 'b', n + 1);
        buf[2 * n + 2] = '\n';
        memcpy(buf + 2 * n + 3, "ok\n", 3);
        write_file(path, buf, 2 * n + 6);
        free(buf);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        struct ctr_log_lines l;
        ctr_log_lines_init(&l, fd, 0);
        const char *line;
        size_t len;
        assert_int_equal(ctr_log_lines_next(&l, &line, &len, NULL), 1);
        assert_int_equal(len, n);
        assert_int_equal(ctr_log_lines_next(&l, &line, &len, NULL), 1);
        assert_int_equal(len, 2);
        assert_memory_equal(line, "ok", 2);
        assert_int_equal(ctr_log_lines_next(&l, &line, &len, NULL), 0);
        assert_int_equal(l.skipped, 1);
        assert_false(ctr_log_lines_rest(&l, &line, &len));
        ctr_log_lines_done(&l);
        close(fd);
        unit_rmtree(dir);
}

static void test_multi_prefix(void **state)
{
        (void)state;
        _cleanup_free_ char *d1 = unit_tmpdir(), *d2 = unit_tmpdir();
        _cleanup_free_ char *a = k8s(1000, "stdout", "P", "par");
        _cleanup_free_ char *b = k8s(2000, "stdout", "F", "tial");
        _cleanup_free_ char *ab = xasprintf("%s%s", a, b);
        _cleanup_free_ char *c = k8s(1500, "stderr", "F", "two");
        write_str(d1, "ctr.log", ab);
        write_str(d2, "ctr.log", c);
        _cleanup_free_ char *p1 = xasprintf("%s/ctr.log", d1), *p2 = xasprintf("%s/ctr.log", d2);
        struct ctr_log_source srcs[] = {
                {.path = p1, .format = CTR_LOG_K8S_FILE, .prefix = "t1 "},
                {.path = p2, .format = CTR_LOG_K8S_FILE, .prefix = "81c54d62a537 "},
        };
        struct result res = run_logs(srcs, 2, &all);
        assert_int_equal(res.r, 0);
        assert_string_equal(res.out, "t1 part1 tial\n");
        assert_string_equal(res.err, "81c54d62a537 two\n");
        result_done(&res);
        unit_rmtree(d1);
        unit_rmtree(d2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_k8s),        cmocka_unit_test(test_parse_k8s_bad),
                cmocka_unit_test(test_parse_json),       cmocka_unit_test(test_format_time),
                cmocka_unit_test(test_parse_time),       cmocka_unit_test(test_write_k8s),
                cmocka_unit_test(test_write_json),       cmocka_unit_test(test_tail_rotated),
                cmocka_unit_test(test_tail_huge_sparse), cmocka_unit_test(test_hostile),
                cmocka_unit_test(test_lines_limit),      cmocka_unit_test(test_multi_prefix),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
