/* SPDX-License-Identifier: Apache-2.0 */
/* subid.c: /etc/subuid lookups and uid_map parsing. */
#include <fcntl.h>

#include "unit.h"

static const char subuid[] = "# comment line\n"
                             "\n"
                             "alice:100000:65536\n"
                             "bob:165536:65536\n"
                             "   # indented comment\n"
                             "  alice : 300000 : 1000  \r\n"
                             "1000:400000:10\n"
                             "\t\n"
                             "carol:500000:65536\n"
                             "alice:600000:5";

struct want_range {
        uint32_t start, count;
};

static void expect_ranges(const char *buf, size_t len, const char *user, uid_t id,
                          const struct want_range *want, size_t nwant)
{
        struct id_range *r = (void *)0x1;
        size_t n = 99;
        assert_int_equal(subid_parse(buf, len, user, id, &r, &n), 0);
        if (n != nwant)
                fail_msg("user '%s' id %u: %zu ranges, want %zu", user ? user : "(null)",
                         (unsigned)id, n, nwant);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(r[i].start, want[i].start);
                assert_int_equal(r[i].count, want[i].count);
        }
        if (n == 0)
                assert_null(r);
        free(r);
}

static void test_parse_users(void **state)
{
        (void)state;
        size_t len = strlen(subuid);
        /* several ranges in file order, whitespace trimmed, last line
         * without newline */
        const struct want_range alice[] = {{100000, 65536}, {300000, 1000}, {600000, 5}};
        expect_ranges(subuid, len, "alice", (uid_t)-1, alice, ARRAY_SIZE(alice));
        const struct want_range bob[] = {{165536, 65536}};
        expect_ranges(subuid, len, "bob", 2000, bob, ARRAY_SIZE(bob));
        /* by id only */
        const struct want_range uid1000[] = {{400000, 10}};
        expect_ranges(subuid, len, NULL, 1000, uid1000, ARRAY_SIZE(uid1000));
        expect_ranges(subuid, len, "nobody-here", 1000, uid1000, ARRAY_SIZE(uid1000));
        /* by name or by id, in file order */
        const struct want_range carol[] = {{400000, 10}, {500000, 65536}};
        expect_ranges(subuid, len, "carol", 1000, carol, ARRAY_SIZE(carol));
        /* no match; prefixes do not match */
        expect_ranges(subuid, len, "dave", 3000, NULL, 0);
        expect_ranges(subuid, len, "ali", (uid_t)-1, NULL, 0);
        expect_ranges(subuid, len, "alice2", (uid_t)-1, NULL, 0);
        expect_ranges(subuid, len, NULL, 100, NULL, 0);
        /* empty input */
        expect_ranges("", 0, "alice", 0, NULL, 0);
        expect_ranges(NULL, 0, "alice", 0, NULL, 0);
        /* only the given length is read */
        expect_ranges(subuid, strlen("# comment line\n\nalice:100000:65536"), "alice", (uid_t)-1,
                      alice, 1);
        struct id_range *r;
        size_t n;
        assert_int_equal(subid_parse(NULL, 5, "alice", 0, &r, &n), -EINVAL);
}

static void test_parse_malformed(void **state)
{
        (void)state;
        static const char buf[] = "alice\n"
                                  "alice:1\n"
                                  "alice:1:2:3\n"
                                  "alice::5\n"
                                  "alice:5:\n"
                                  ":100:5\n"
                                  "alice:x:5\n"
                                  "alice:5:y\n"
                                  "alice:-5:10\n"
                                  "alice:+5:10\n"
                                  "alice:0x10:10\n"
                                  "alice:4294967296:1\n"
                                  "alice:1:4294967296\n"
                                  "alice:1:99999999999999999999999\n"
                                  "alice:7:0\n"
                                  "alice:4294967295:1\n"
                                  "alice:4294967290:6\n"
                                  "alice:1 2:3\n"
                                  "alice:200:10\n"
                                  "alice:4294967290:5\n"
                                  "01000:700:1\n"
                                  "1000:800:1\n";
        /* only the good lines count */
        const struct want_range alice[] = {{200, 10}, {4294967290u, 5}};
        expect_ranges(buf, sizeof(buf) - 1, "alice", (uid_t)-1, alice, ARRAY_SIZE(alice));
        /* the id matches in canonical decimal only */
        const struct want_range id1000[] = {{800, 1}};
        expect_ranges(buf, sizeof(buf) - 1, NULL, 1000, id1000, ARRAY_SIZE(id1000));

        /* a NUL byte spoils its line only */
        static const char nul[] = "alice:1\0:2\nalice:10:20\n";
        const struct want_range after_nul[] = {{10, 20}};
        expect_ranges(nul, sizeof(nul) - 1, "alice", (uid_t)-1, after_nul, 1);

        /* with debug logging on, malformed lines are logged, not fatal */
        enum log_level old = log_get_level();
        log_set_level(LOG_DEBUG);
        expect_ranges(buf, sizeof(buf) - 1, "alice", (uid_t)-1, alice, ARRAY_SIZE(alice));
        log_set_level(old);
}

static void test_lookup_file(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        _cleanup_free_ char *p = xasprintf("%s/subuid", tmp);
        struct err e = {0};
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, subuid, strlen(subuid), 0644, &e), 0);

        struct id_range *r = NULL;
        size_t n = 0;
        assert_int_equal(subid_lookup(p, "bob", 1001, &r, &n, &e), 0);
        assert_int_equal(n, 1);
        assert_int_equal(r[0].start, 165536);
        assert_int_equal(r[0].count, 65536);
        free(r);

        /* a missing file grants nothing and is no error */
        _cleanup_free_ char *missing = xasprintf("%s/subgid", tmp);
        r = (void *)0x1;
        n = 5;
        assert_int_equal(subid_lookup(missing, "bob", 1001, &r, &n, &e), 0);
        assert_int_equal(n, 0);
        assert_null(r);
        assert_null(e.msg);

        /* a directory is an error */
        assert_int_equal(subid_lookup(tmp, "bob", 1001, &r, &n, &e), -EISDIR);
        assert_non_null(strstr(e.msg, tmp));
        err_done(&e);
        unit_rmtree(tmp);
}

/* The read is bounded: 1 MiB is fine, more is an error. */
static void test_lookup_huge(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        _cleanup_free_ char *p = xasprintf("%s/subuid", tmp);
        struct err e = {0};
        size_t max = 1 << 20;
        char *buf = xmalloc(max + 1);
        /* lines of 32 bytes: "u0000000:000100000:0000065536xx\n" */
        size_t lines = max / 32;
        for (size_t i = 0; i < lines; i++)
                snprintf(buf + i * 32, 33, "u%07zu:%09zu:%010u  \n", i % 1000, 100000 + i, 65536u);
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, buf, max, 0644, &e), 0);

        struct id_range *r = NULL;
        size_t n = 0;
        assert_int_equal(subid_lookup(p, "u0000007", (uid_t)-1, &r, &n, &e), 0);
        assert_int_equal(n, lines / 1000 + (7 < lines % 1000));
        assert_int_equal(r[0].start, 100007);
        assert_int_equal(r[1].start, 101007);
        free(r);

        buf[max] = '\n';
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, buf, max + 1, 0644, &e), 0);
        r = NULL;
        assert_int_equal(subid_lookup(p, "u0000007", (uid_t)-1, &r, &n, &e), -EFBIG);
        assert_null(r);
        assert_non_null(strstr(e.msg, p));
        err_done(&e);
        free(buf);
        unit_rmtree(tmp);
}

static void test_idmap(void **state)
{
        (void)state;
        struct err e = {0};
        struct id_map *m = NULL;
        size_t n = 0;
        /* as the kernel prints it: right-aligned columns */
        assert_int_equal(idmap_parse("         0       1000          1\n"
                                     "         1     100000      65536\n",
                                     &m, &n, &e),
                         0);
        assert_int_equal(n, 2);
        assert_int_equal(m[0].container_id, 0);
        assert_int_equal(m[0].host_id, 1000);
        assert_int_equal(m[0].size, 1);
        assert_int_equal(m[1].container_id, 1);
        assert_int_equal(m[1].host_id, 100000);
        assert_int_equal(m[1].size, 65536);
        free(m);

        /* the initial namespace's full map; tabs; no final newline */
        assert_int_equal(idmap_parse("0\t0\t4294967295", &m, &n, &e), 0);
        assert_int_equal(n, 1);
        assert_int_equal(m[0].size, UINT32_MAX);
        free(m);

        /* empty: no mapping written yet */
        m = (void *)0x1;
        assert_int_equal(idmap_parse("", &m, &n, &e), 0);
        assert_int_equal(n, 0);
        assert_null(m);
        assert_int_equal(idmap_parse("\n  \n", &m, &n, &e), 0);
        assert_int_equal(n, 0);

        /* this process's own map parses */
        char *self = NULL;
        assert_int_equal(fs_read_file(AT_FDCWD, "/proc/self/uid_map", 0, &self, NULL, &e), 0);
        assert_int_equal(idmap_parse(self, &m, &n, &e), 0);
        assert_true(n >= 1);
        free(m);
        free(self);

        static const char *const bad[] = {
                "0 1000",
                "0 1000 1 5",
                "0 1000 0",
                "a 1000 1",
                "0 -1 1",
                "0 +1 1",
                "0 1000 4294967296",
                "1 0 4294967295",
                "0 4294967295 1",
                "0 1000 1\n0 2000 1",   /* container side overlaps */
                "0 1000 10\n10 1005 1", /* host side overlaps */
                "0 1000 1\ngarbage",
                "0,1000,1",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                m = (void *)0x1;
                n = 77;
                int r = idmap_parse(bad[i], &m, &n, &e);
                if (r != -EINVAL)
                        fail_msg("idmap_parse('%s') = %d, want -EINVAL", bad[i], r);
                assert_true(str_has_prefix(e.msg, "id map line "));
                assert_ptr_equal(m, (void *)0x1);
                assert_int_equal(n, 77);
                err_done(&e);
        }
        assert_int_equal(idmap_parse(NULL, &m, &n, &e), -EINVAL);
        err_done(&e);

        /* the kernel's 340-line limit */
        struct sbuf b = {0};
        for (int i = 0; i < 341; i++)
                sbuf_printf(&b, "%d %d 1\n", i, 1000 + i);
        assert_int_equal(idmap_parse(b.buf, &m, &n, &e), -E2BIG);
        err_done(&e);
        sbuf_done(&b);
        for (int i = 0; i < 340; i++)
                sbuf_printf(&b, "%d %d 1\n", i, 1000 + i);
        assert_int_equal(idmap_parse(b.buf, &m, &n, &e), 0);
        assert_int_equal(n, 340);
        free(m);
        sbuf_done(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_users), cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_lookup_file), cmocka_unit_test(test_lookup_huge),
                cmocka_unit_test(test_idmap),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
