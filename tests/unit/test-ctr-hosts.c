/* SPDX-License-Identifier: Apache-2.0 */
/* A container's /etc/hosts, compared with what podman 4.3.1 wrote here for
 * `podman run --network none --hostname myhost` with the same base file. */
#include "unit.h"

#include "ctr-internal.h"

static void hosts_is(const char *base, const char *ip, const char *want)
{
        _cleanup_free_ char *got = ctr_hosts_build(base, NULL, ip, "myhost", "ctr_name");
        assert_string_equal(got, want);
}

static void test_hosts_podman(void **state)
{
        (void)state;
        /* podman's output for this base file (containers.conf base_hosts_file). */
        hosts_is("# comment line\n"
                 "127.0.0.1 localhost   localhost.localdomain # trailing comment\n"
                 "::1   ip6-localhost ip6-loopback\n"
                 "10.1.2.3 single\n"
                 "lonely\n"
                 "   \n"
                 "\t10.9.9.9\ttabbed\tnames   here\n"
                 "fe00::0 ip6-localnet\n",
                 "192.0.2.2",
                 "127.0.0.1\tlocalhost localhost.localdomain\n"
                 "::1\tip6-localhost ip6-loopback\n"
                 "10.1.2.3\tsingle\n"
                 "10.9.9.9\ttabbed names here\n"
                 "fe00::0\tip6-localnet\n"
                 "192.0.2.2\thost.containers.internal\n"
                 "127.0.0.1\tmyhost ctr_name\n");
        /* No localhost entry: podman adds one for each family. */
        hosts_is("10.1.2.3 foo\n", "192.0.2.2",
                 "10.1.2.3\tfoo\n"
                 "127.0.0.1\tlocalhost\n"
                 "::1\tlocalhost\n"
                 "192.0.2.2\thost.containers.internal\n"
                 "127.0.0.1\tmyhost ctr_name\n");
}

static void test_hosts_edges(void **state)
{
        (void)state;
        /* Empty or missing base, no host address. */
        hosts_is("", NULL, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\tmyhost ctr_name\n");
        hosts_is(NULL, "", "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.0.1\tmyhost ctr_name\n");
        /* A base that maps host.containers.internal itself keeps its own;
         * "localhost" inside a longer name does not count; CRLF and no
         * final newline are fine. */
        hosts_is("10.0.0.1 host.containers.internal\r\n127.0.0.1 notlocalhost", "192.0.2.2",
                 "10.0.0.1\thost.containers.internal\n"
                 "127.0.0.1\tnotlocalhost\n"
                 "127.0.0.1\tlocalhost\n"
                 "::1\tlocalhost\n"
                 "127.0.0.1\tmyhost ctr_name\n");
        /* A comment right after the address leaves no name: dropped. */
        hosts_is("10.0.0.1#x y\n127.0.0.1 localhost\n", "fd00::1",
                 "127.0.0.1\tlocalhost\n"
                 "fd00::1\thost.containers.internal\n"
                 "127.0.0.1\tmyhost ctr_name\n");
}

static void test_hosts_add_host(void **state)
{
        (void)state;
        /* podman 4.3.1, --add-host foo:1.2.3.4 --add-host bar:::1: first,
         * in their order, as "IP<TAB>NAME". */
        char *extra[] = {"foo:1.2.3.4", "bar:::1", NULL};
        _cleanup_free_ char *got = ctr_hosts_build("127.0.0.1 localhost\n127.0.0.1 vm\n", extra,
                                                   "192.0.2.2", "hh", "nn");
        assert_string_equal(got, "1.2.3.4\tfoo\n"
                                 "::1\tbar\n"
                                 "127.0.0.1\tlocalhost\n"
                                 "127.0.0.1\tvm\n"
                                 "192.0.2.2\thost.containers.internal\n"
                                 "127.0.0.1\thh nn\n");
        /* Added names count as the base's do: no second localhost or
         * host.containers.internal. */
        char *own[] = {"localhost:10.0.0.1", "host.containers.internal:10.0.0.2", NULL};
        _cleanup_free_ char *got2 = ctr_hosts_build("", own, "192.0.2.2", "hh", "nn");
        assert_string_equal(got2, "10.0.0.1\tlocalhost\n"
                                  "10.0.0.2\thost.containers.internal\n"
                                  "127.0.0.1\thh nn\n");
}

static void test_add_host_check(void **state)
{
        (void)state;
        static const char *const good[] = {"foo:1.2.3.4", "foo:::1", "a.b-c:fe80::1",
                                           "x:::ffff:1.2.3.4"};
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                struct err e = {0};
                if (ctr_add_host_check(good[i], &e) < 0)
                        fail_msg("refused '%s': %s", good[i], e.msg);
        }
        static const struct {
                const char *in, *msg;
        } bad[] = {
                {"foo", "bad format for add-host: \"foo\""},
                {":1.2.3.4", "bad format for add-host: \":1.2.3.4\""},
                {"foo=1.2.3.4", "bad format for add-host: \"foo=1.2.3.4\""},
                {"foo:bad", "invalid IP address in add-host: \"bad\""},
                {"foo:[::1]", "invalid IP address in add-host: \"[::1]\""},
                {"foo:1.2.3.4:5", "invalid IP address in add-host: \"1.2.3.4:5\""},
                {"foo:01.2.3.4", "invalid IP address in add-host: \"01.2.3.4\""},
                {"foo:", "invalid IP address in add-host: \"\""},
                /* A name that would make lines of its own in the file. */
                {"a b:1.2.3.4", "bad format for add-host: \"a b:1.2.3.4\""},
                {"a\n9.9.9.9 evil:1.2.3.4", "bad format for add-host: \"a\n9.9.9.9 evil:1.2.3.4\""},
                {"a#b:1.2.3.4", "bad format for add-host: \"a#b:1.2.3.4\""},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct err e = {0};
                assert_int_equal(ctr_add_host_check(bad[i].in, &e), -EINVAL);
                assert_string_equal(e.msg, bad[i].msg);
                err_done(&e);
        }
}

static void test_host_local_ip(void **state)
{
        (void)state;
        /* Whatever the machine has, never a loopback or link-local address. */
        _cleanup_free_ char *ip = ctr_host_local_ip();
        if (!ip)
                return;
        assert_false(str_has_prefix(ip, "127."));
        assert_false(STREQ(ip, "::1"));
        assert_false(str_has_prefix(ip, "169.254."));
        assert_false(str_has_prefix(ip, "fe80:"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hosts_podman),
                cmocka_unit_test(test_hosts_edges),
                cmocka_unit_test(test_hosts_add_host),
                cmocka_unit_test(test_add_host_check),
                cmocka_unit_test(test_host_local_ip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
