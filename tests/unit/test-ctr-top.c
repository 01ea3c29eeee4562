/* SPDX-License-Identifier: Apache-2.0 */
/* top's format descriptors, and the Go texts top and stats print: durations
 * as time.Duration.String() and sizes as go-units HumanSizeWithPrecision(4),
 * compared with what podman 4.3.1 printed here. */
#include "unit.h"

#include "ctr-internal.h"

/* Parse a NULL-terminated list; returns the count or -errno. */
static int parse(char *const *args, int **ret)
{
        size_t n = 0;
        struct err e = {0};
        int r = ctr_top_parse(args, ret, &n, &e);
        err_done(&e);
        return r < 0 ? r : (int)n;
}

static void test_top_parse(void **state)
{
        (void)state;
        _cleanup_free_ int *v = NULL;
        /* None: podman's eight default columns. */
        assert_int_equal(parse((char *[]){NULL}, &v), 8);
        free(steal_pointer(&v));
        assert_int_equal(parse(NULL, &v), 8);
        free(steal_pointer(&v));
        int a[8], b[8];
        /* Separate arguments, a comma list and AIX codes mean the same. */
        assert_int_equal(parse((char *[]){"pid", "user", "args", NULL}, &v), 3);
        memcpy(a, v, 3 * sizeof(int));
        free(steal_pointer(&v));
        assert_int_equal(parse((char *[]){"pid,user,args", NULL}, &v), 3);
        memcpy(b, v, 3 * sizeof(int));
        free(steal_pointer(&v));
        assert_memory_equal(a, b, 3 * sizeof(int));
        assert_int_equal(parse((char *[]){"%p", "%U,%a", NULL}, &v), 3);
        assert_memory_equal(a, v, 3 * sizeof(int));
        free(steal_pointer(&v));
        /* Empty pieces are skipped. */
        assert_int_equal(parse((char *[]){",pid,,", "", NULL}, &v), 1);
        free(steal_pointer(&v));
        /* Every descriptor of podman's man page, plus rss. */
        assert_int_equal(parse((char *[]){"args,capamb,capbnd,capeff,capinh,capprm,comm,etime",
                                          "group,groups,hgroup,hgroups,hpid,huser,label,nice",
                                          "pcpu,pgid,pid,ppid,rgroup,ruser,seccomp,state,stime",
                                          "time,tty,user,vsz,rss", NULL},
                               &v),
                         30);
        free(steal_pointer(&v));
        /* ps(1) options and unknown words are not descriptors: EINVAL, so
         * top runs ps in the container instead. */
        assert_int_equal(parse((char *[]){"-ef", NULL}, &v), -EINVAL);
        assert_int_equal(parse((char *[]){"pid", "aux", NULL}, &v), -EINVAL);
        assert_int_equal(parse((char *[]){"PID", NULL}, &v), -EINVAL);
        assert_int_equal(parse((char *[]){"%q", NULL}, &v), -EINVAL);
        assert_int_equal(parse((char *[]){"pid user", NULL}, &v), -EINVAL);
        assert_null(v);
        /* Bounded: a hostile list is refused, not grown without end. */
        _cleanup_free_ char *many = NULL;
        struct sbuf sb = {0};
        for (int i = 0; i < 1000; i++)
                sbuf_append(&sb, "pid,");
        many = sbuf_steal(&sb);
        assert_int_equal(parse((char *[]){many, NULL}, &v), -E2BIG);
        _cleanup_free_ char *big = xcalloc(1, 100001);
        memset(big, 'x', 100000);
        assert_int_equal(parse((char *[]){big, NULL}, &v), -EINVAL);
}

static void dur_is(int64_t ns, const char *want)
{
        _cleanup_free_ char *got = ctr_go_duration(ns);
        assert_string_equal(got, want);
}

static void test_go_duration(void **state)
{
        (void)state;
        dur_is(0, "0s");
        dur_is(1, "1ns");
        dur_is(999, "999ns");
        dur_is(1500, "1.5\xc2\xb5s");
        dur_is(1000, "1\xc2\xb5s");
        dur_is(860872131, "860.872131ms");
        dur_is(119910815, "119.910815ms");
        dur_is(24000000, "24ms");
        dur_is(10185257499LL, "10.185257499s");
        dur_is(2000000000LL, "2s");
        dur_is(120000000000LL, "2m0s");
        dur_is(3600000000000LL, "1h0m0s");
        dur_is(3732497061672LL, "1h2m12.497061672s");
        dur_is(-1500000000LL, "-1.5s");
        dur_is(INT64_MAX, "2562047h47m16.854775807s");
        dur_is(INT64_MIN, "-2562047h47m16.854775808s");
}

static void size_is(uint64_t b, const char *want)
{
        _cleanup_free_ char *got = ctr_human_size4(b);
        assert_string_equal(got, want);
}

static void test_human_size4(void **state)
{
        (void)state;
        size_is(0, "0B");
        size_is(999, "999B");
        size_is(1000, "1kB");
        size_is(466944, "466.9kB");
        size_is(5734400, "5.734MB");
        size_is(67108864, "67.11MB");
        size_is(25276510208ULL, "25.28GB");
        size_is(UINT64_MAX, "18.45EB");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_top_parse),
                cmocka_unit_test(test_go_duration),
                cmocka_unit_test(test_human_size4),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
