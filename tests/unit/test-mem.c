/* SPDX-License-Identifier: Apache-2.0 */
/* Errors, strings, string vectors and buffers. */
#include "unit.h"

static int fail_open(struct err *e)
{
        errno = ENOENT;
        return err_errno(e, "open '%s'", "/nope");
}

static void test_err_context(void **state)
{
        struct err e = {0};
        assert_int_equal(fail_open(&e), -ENOENT);
        assert_int_equal(e.code, ENOENT);
        assert_string_equal(e.msg, "open '/nope': No such file or directory");
        assert_int_equal(err_wrap(&e, "loading '%s'", "x"), -ENOENT);
        assert_string_equal(e.msg, "loading 'x': open '/nope': No such file or directory");
        err_done(&e);
        assert_null(e.msg);
        assert_int_equal(e.code, 0);
}

static void test_err_set_and_null(void **state)
{
        assert_int_equal(err_set(NULL, EINVAL, "x"), -EINVAL);
        assert_int_equal(err_set(NULL, 0, "x"), -EIO);
        struct err e = {0};
        assert_int_equal(err_errnum(&e, -EACCES, "mkdir '%s'", "/a"), -EACCES);
        assert_string_equal(e.msg, "mkdir '/a': Permission denied");
        struct err d = {0};
        assert_int_equal(err_move(&d, &e), -EACCES);
        assert_null(e.msg);
        assert_string_equal(d.msg, "mkdir '/a': Permission denied");
        err_done(&d);
        /* Setting twice replaces, never leaks (ASan checks). */
        err_set(&e, EINVAL, "first");
        err_set(&e, EPERM, "second");
        assert_string_equal(e.msg, "second");
        assert_int_equal(e.code, EPERM);
        err_done(&e);
}

static void test_strv(void **state)
{
        _cleanup_strv_ char **v = NULL;
        assert_int_equal(strv_length(v), 0);
        strv_add(&v, "a");
        strv_push(&v, xstrdup("b"));
        assert_int_equal(strv_length(v), 2);
        assert_true(strv_contains(v, "b"));
        assert_false(strv_contains(v, "c"));
        _cleanup_free_ char *j = strv_join(v, ", ");
        assert_string_equal(j, "a, b");
        _cleanup_strv_ char **c = strv_copy(v);
        assert_string_equal(c[1], "b");
        _cleanup_strv_ char **s = strv_split("a,,b,", ",");
        assert_int_equal(strv_length(s), 4);
        assert_string_equal(s[1], "");
        assert_string_equal(s[3], "");
        _cleanup_strv_ char **one = strv_split("", ",");
        assert_int_equal(strv_length(one), 1);
}

static void test_sbuf(void **state)
{
        struct sbuf b = {0};
        _cleanup_free_ char *empty = sbuf_steal(&b);
        assert_string_equal(empty, "");
        for (int i = 0; i < 1000; i++)
                sbuf_printf(&b, "%d,", i);
        sbuf_putc(&b, 'x');
        sbuf_append_len(&b, "yz!", 2);
        assert_true(str_has_prefix(b.buf, "0,1,2,"));
        assert_true(str_has_suffix(b.buf, "999,xyz"));
        assert_int_equal(b.len, strlen(b.buf));
        sbuf_done(&b);

        /* One code point of each UTF-8 length. */
        sbuf_put_utf8(&b, 'A');
        sbuf_put_utf8(&b, 0xe9);
        sbuf_put_utf8(&b, 0x20ac);
        sbuf_put_utf8(&b, 0x1f600);
        assert_string_equal(b.buf, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
        sbuf_done(&b);
}

static void test_str_numbers(void **state)
{
        int64_t i;
        uint64_t u;
        bool bo;
        assert_int_equal(str_to_int64("-42", &i), 0);
        assert_int_equal(i, -42);
        assert_int_equal(str_to_int64("0x10", &i), 0);
        assert_int_equal(i, 16);
        assert_int_equal(str_to_int64("", &i), -EINVAL);
        assert_int_equal(str_to_int64("12a", &i), -EINVAL);
        assert_int_equal(str_to_int64("99999999999999999999", &i), -ERANGE);
        assert_int_equal(str_to_uint64("-1", &u), -EINVAL);
        assert_int_equal(str_to_uint64("18446744073709551615", &u), 0);
        assert_true(u == UINT64_MAX);
        assert_int_equal(str_to_bool("true", &bo), 0);
        assert_true(bo);
        assert_int_equal(str_to_bool("0", &bo), 0);
        assert_false(bo);
        assert_int_equal(str_to_bool("yes", &bo), -EINVAL);
}

static void test_log_levels(void **state)
{
        assert_int_equal(log_level_from_string("warn"), LOG_WARN);
        assert_int_equal(log_level_from_string("warning"), LOG_WARN);
        assert_int_equal(log_level_from_string("trace"), LOG_TRACE);
        assert_int_equal(log_level_from_string("panic"), LOG_PANIC);
        assert_int_equal(log_level_from_string("loud"), -EINVAL);
        assert_int_equal(log_level_from_string(NULL), -EINVAL);
        assert_string_equal(log_level_to_string(LOG_DEBUG), "debug");
        setenv("BERTH_LOG_LEVEL", "debug", 1);
        assert_int_equal(log_level_from_env(), 0);
        assert_int_equal(log_get_level(), LOG_DEBUG);
        setenv("BERTH_LOG_LEVEL", "bogus", 1);
        assert_int_equal(log_level_from_env(), -EINVAL);
        assert_int_equal(log_get_level(), LOG_DEBUG);
        unsetenv("BERTH_LOG_LEVEL");
        log_set_level(LOG_WARN);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_err_context),  cmocka_unit_test(test_err_set_and_null),
                cmocka_unit_test(test_strv),         cmocka_unit_test(test_sbuf),
                cmocka_unit_test(test_str_numbers),  cmocka_unit_test(test_log_levels),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
