/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the container commands' parsers and derived texts: sizes,
 * detach keys, generated names, status texts and the ps rows. */
#include "unit.h"

#include "ctr-internal.h"
#include "ctr-opts.h"

static void test_size_parse(void **state)
{
        (void)state;
        int64_t v;
        assert_int_equal(ctr_size_parse("1024", &v), 0);
        assert_int_equal(v, 1024);
        assert_int_equal(ctr_size_parse("64m", &v), 0);
        assert_int_equal(v, 64 * 1024 * 1024);
        assert_int_equal(ctr_size_parse("64MB", &v), 0);
        assert_int_equal(v, 64 * 1024 * 1024);
        assert_int_equal(ctr_size_parse("1g", &v), 0);
        assert_int_equal(v, 1024LL * 1024 * 1024);
        assert_int_equal(ctr_size_parse("1.5k", &v), 0);
        assert_int_equal(v, 1536);
        assert_int_equal(ctr_size_parse("10b", &v), 0);
        assert_int_equal(v, 10);
        /* Hostile or malformed input. */
        assert_int_equal(ctr_size_parse("", &v), -EINVAL);
        assert_int_equal(ctr_size_parse(NULL, &v), -EINVAL);
        assert_int_equal(ctr_size_parse("-1", &v), -EINVAL);
        assert_int_equal(ctr_size_parse("lots", &v), -EINVAL);
        assert_int_equal(ctr_size_parse("1x", &v), -EINVAL);
        assert_int_equal(ctr_size_parse("1mm", &v), -EINVAL);
        assert_int_equal(ctr_size_parse("1mi", &v), -EINVAL);
        assert_int_equal(ctr_size_parse("nan", &v), -EINVAL);
        assert_int_equal(ctr_size_parse("inf", &v), -EINVAL);
        assert_int_equal(ctr_size_parse("99999999999t", &v), -ERANGE);
        /* 2^63 itself is out of range (its double equals (double)INT64_MAX). */
        assert_int_equal(ctr_size_parse("9223372036854775808", &v), -ERANGE);
        assert_int_equal(ctr_size_parse("8388608t", &v), -ERANGE);
        assert_int_equal(ctr_size_parse("8388607t", &v), 0);
}

static void test_detach_keys(void **state)
{
        (void)state;
        unsigned char k[64];
        size_t n;
        struct err e = {0};
        assert_int_equal(ctr_detach_keys_parse("ctrl-p,ctrl-q", k, &n, &e), 0);
        assert_int_equal(n, 2);
        assert_int_equal(k[0], 16);
        assert_int_equal(k[1], 17);
        assert_int_equal(ctr_detach_keys_parse("a,ctrl-@,ctrl-[,ctrl-_", k, &n, &e), 0);
        assert_int_equal(n, 4);
        assert_int_equal(k[0], 'a');
        assert_int_equal(k[1], 0);
        assert_int_equal(k[2], 27);
        assert_int_equal(k[3], 31);
        assert_int_equal(ctr_detach_keys_parse("ctrl-1", k, &n, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "ctrl-1"));
        err_done(&e);
        assert_int_equal(ctr_detach_keys_parse("alt-x", k, &n, &e), -EINVAL);
        err_done(&e);
        assert_int_equal(ctr_detach_keys_parse("", k, &n, &e), -EINVAL);
        err_done(&e);
        assert_int_equal(ctr_detach_keys_parse(",,", k, &n, &e), -EINVAL);
        err_done(&e);
        /* Bounded: a long sequence is refused, not overflowed. */
        struct sbuf b = {0};
        for (int i = 0; i < 100; i++)
                sbuf_append(&b, i ? ",a" : "a");
        assert_int_equal(ctr_detach_keys_parse(b.buf, k, &n, &e), -EINVAL);
        err_done(&e);
        sbuf_done(&b);
}

static void test_name_generate(void **state)
{
        (void)state;
        struct json *recs = json_new_array();
        for (int i = 0; i < 200; i++) {
                char *n = ctr_name_generate(recs);
                const char *us = strchr(n, '_');
                assert_non_null(us);
                assert_true(us > n && us[1]);
                for (const char *p = n; *p; p++)
                        assert_true((*p >= 'a' && *p <= 'z') || *p == '_' ||
                                    (*p >= '0' && *p <= '9'));
                /* Never one that a record already has. */
                for (size_t k = 0; k < recs->arr.len; k++) {
                        const struct json *names = json_object_get(recs->arr.items[k], "names");
                        assert_string_not_equal(names->arr.items[0]->str.s, n);
                }
                struct json *r = json_new_object();
                char *v[] = {n, NULL};
                json_object_set(r, "names", json_new_strv(v));
                json_array_append(recs, r);
                free(n);
        }
        json_free(recs);
}

static void test_status_text(void **state)
{
        (void)state;
        int64_t now;
        int32_t ns;
        time_now(&now, &ns);
        char *ago = time_format_rfc3339(now - 5, 0);
        struct ctr_state st = {.status = CTR_CONFIGURED};
        char *t = ctr_status_text(&st);
        assert_string_equal(t, "Created");
        free(t);
        st.status = CTR_RUNNING;
        st.started_at = ago;
        t = ctr_status_text(&st);
        assert_true(STREQ(t, "Up 5 seconds ago") || STREQ(t, "Up 6 seconds ago"));
        free(t);
        st.status = CTR_EXITED;
        st.exit_code = 3;
        st.started_at = NULL;
        st.finished_at = ago;
        t = ctr_status_text(&st);
        assert_true(str_has_prefix(t, "Exited (3) ") && str_has_suffix(t, " seconds ago"));
        free(t);
        /* No finish time (the monitor died first): never a crash. */
        st.finished_at = NULL;
        st.exit_code = -1;
        t = ctr_status_text(&st);
        assert_string_equal(t, "Exited (-1) Less than a second ago");
        free(t);
        free(ago);
        assert_string_equal(ctr_status_to_string(CTR_PAUSED), "paused");
}

static void test_ps_rows(void **state)
{
        (void)state;
        struct json *items = json_new_array();
        struct json *it = json_new_object();
        json_object_set_string(it, "Id",
                               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        char *cmd[] = {"sh", "-c", "echo aaaaaaaaaaaaaaaaaaaaaaaaa", NULL};
        json_object_set(it, "Command", json_new_strv(cmd));
        char *names[] = {"n1", NULL};
        json_object_set(it, "Names", json_new_strv(names));
        json_object_set_string(it, "Status", "Created");
        json_object_set_string(it, "CreatedAt", "1 second ago");
        json_object_set_int(it, "Created", 0);
        json_object_set(it, "Size", json_new_null());
        json_array_append(items, it);
        struct json *rows = engine_ps_rows(items, false);
        const struct json *r = rows->arr.items[0];
        assert_string_equal(json_object_get_string(r, "ID"), "0123456789ab");
        /* podman cuts the command at 17 characters. */
        assert_string_equal(json_object_get_string(r, "Command"), "sh -c echo aaaaaa...");
        assert_string_equal(json_object_get_string(r, "Names"), "n1");
        assert_string_equal(json_object_get_string(r, "CreatedAt"),
                            "1970-01-01 00:00:00 +0000 UTC");
        json_free(rows);
        rows = engine_ps_rows(items, true);
        r = rows->arr.items[0];
        assert_string_equal(json_object_get_string(r, "Command"),
                            "sh -c echo aaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_int_equal(strlen(json_object_get_string(r, "ID")), 64);
        json_free(rows);
        json_free(items);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_size_parse),    cmocka_unit_test(test_detach_keys),
                cmocka_unit_test(test_name_generate), cmocka_unit_test(test_status_text),
                cmocka_unit_test(test_ps_rows),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
