/* SPDX-License-Identifier: Apache-2.0 */
/* userns.c: newuidmap/newgidmap arguments and pause.pid parsing. */
#include "unit.h"

/* Run userns_map_args and compare the arguments, joined by spaces. */
static void expect_args(uint32_t id, const struct id_range *ranges, size_t n, const char *want)
{
        char **args = NULL;
        struct err e = {0};
        int r = userns_map_args(id, ranges, n, "/etc/subuid", &args, &e);
        if (r < 0)
                fail_msg("userns_map_args failed: %s", e.msg);
        char *got = strv_join(args, " ");
        if (!STREQ(got, want))
                fail_msg("arguments '%s', want '%s'", got, want);
        free(got);
        strv_free(args);
        err_done(&e);
}

static void test_map_one_range(void **state)
{
        (void)state;
        /* What podman ran here for user 1003 with berthns:231072:65536. */
        const struct id_range r[] = {{231072, 65536}};
        expect_args(1003, r, ARRAY_SIZE(r), "0 1003 1 1 231072 65536");
}

static void test_map_no_range(void **state)
{
        (void)state;
        expect_args(1000, NULL, 0, "0 1000 1");
}

static void test_map_sorted_and_numbered_on(void **state)
{
        (void)state;
        /* File order 300000 then 100000: containers/storage sorts by start
         * and numbers the inside ids on from 1. */
        const struct id_range r[] = {{300000, 10}, {100000, 65536}, {200000, 5}};
        expect_args(1000, r, ARRAY_SIZE(r),
                    "0 1000 1 1 100000 65536 65537 200000 5 65542 300000 10");
}

static void test_map_skips_empty_range(void **state)
{
        (void)state;
        const struct id_range r[] = {{100000, 0}, {165536, 65536}};
        expect_args(1000, r, ARRAY_SIZE(r), "0 1000 1 1 165536 65536");
}

static void test_map_range_holds_user(void **state)
{
        (void)state;
        /* podman refuses a subordinate range that contains the user's own id. */
        const struct id_range r[] = {{1000, 65536}};
        char **args = (char **)0x1;
        struct err e = {0};
        assert_int_equal(userns_map_args(1500, r, 1, "/etc/subgid", &args, &e), -EINVAL);
        assert_ptr_equal(args, (char **)0x1);
        assert_non_null(strstr(e.msg, "1000:65536"));
        assert_non_null(strstr(e.msg, "'/etc/subgid'"));
        assert_non_null(strstr(e.msg, "1500"));
        err_done(&e);
        /* The first id after the range is fine. */
        expect_args(66536, r, 1, "0 66536 1 1 1000 65536");
}

static void test_map_too_many_ids(void **state)
{
        (void)state;
        /* Overlapping host ranges (newuidmap would refuse them anyway). */
        const struct id_range r[] = {{100000, 3000000000u}, {200000, 3000000000u}};
        char **args = NULL;
        struct err e = {0};
        assert_int_equal(userns_map_args(1000, r, 2, "/etc/subuid", &args, &e), -ERANGE);
        assert_null(args);
        err_done(&e);
}

static void expect_pid(const char *s, int want)
{
        pid_t pid = -7;
        int r = userns_pid_parse(s, strlen(s), &pid);
        if (want < 0) {
                if (r != -EINVAL)
                        fail_msg("'%s' parsed (%d), want an error", s, (int)pid);
                assert_int_equal(pid, -7);
        } else {
                if (r != 0 || pid != want)
                        fail_msg("'%s': r %d pid %d, want %d", s, r, (int)pid, want);
        }
}

static void test_pid_parse(void **state)
{
        (void)state;
        expect_pid("11479", 11479);   /* as podman writes it */
        expect_pid("11479\n", 11479); /* one newline from a human */
        expect_pid("1", 1);
        expect_pid("2147483647", 2147483647);
        expect_pid("", -1);
        expect_pid("\n", -1);
        expect_pid("0", -1);
        expect_pid("-5", -1);
        expect_pid("+5", -1);
        expect_pid("0x10", -1);
        expect_pid("12 ", -1);
        expect_pid("12\n\n", -1);
        expect_pid("2147483648", -1);
        expect_pid("99999999999", -1);
        /* No NUL needed: the length bounds the parse. */
        pid_t pid = 0;
        assert_int_equal(userns_pid_parse("4242junk", 4, &pid), 0);
        assert_int_equal(pid, 4242);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_map_one_range),
                cmocka_unit_test(test_map_no_range),
                cmocka_unit_test(test_map_sorted_and_numbered_on),
                cmocka_unit_test(test_map_skips_empty_range),
                cmocka_unit_test(test_map_range_holds_user),
                cmocka_unit_test(test_map_too_many_ids),
                cmocka_unit_test(test_pid_parse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
