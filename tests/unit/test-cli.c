/* SPDX-License-Identifier: Apache-2.0 */
/* The docker-style option parser. */
#include "unit.h"

struct opts {
        bool interactive, tty, rm, tls_verify;
        char *name, *format;
        char **env;
        char **caps;
        int64_t shares;
        uint64_t count;
};

#define O(f) offsetof(struct opts, f)
static const struct cli_option table[] = {
        {"interactive", 'i', CLI_BOOL, O(interactive), NULL, "Keep STDIN open"},
        {"tty", 't', CLI_BOOL, O(tty), NULL, "Allocate a pseudo-TTY"},
        {"rm", 0, CLI_BOOL, O(rm), NULL, "Remove when done"},
        {"tls-verify", 0, CLI_BOOL, O(tls_verify), NULL, "Verify TLS", "true"},
        {"name", 0, CLI_STRING, O(name), NULL, "Assign a name"},
        {"format", 'f', CLI_STRING, O(format), NULL, "Output format"},
        {"env", 'e', CLI_STRV, O(env), NULL, "Set environment variables"},
        {"cap-add", 0, CLI_CSV, O(caps), NULL, "Add capabilities"},
        {"cpu-shares", 'c', CLI_INT, O(shares), NULL, "CPU shares"},
        {"count", 'n', CLI_UINT, O(count), NULL, "A count"},
        CLI_END,
};

struct globals {
        char *root;
        char *log_level;
};
static const struct cli_option gtable[] = {
        {"root", 0, CLI_STRING, offsetof(struct globals, root), NULL, "Storage root"},
        {"log-level", 0, CLI_STRING, offsetof(struct globals, log_level), NULL, "Level"},
        CLI_END,
};

struct run {
        struct opts o;
        struct globals g;
        struct cli_parse_result res;
        bool help;
        int rc;
};

static void parse(struct run *r, unsigned flags, int argc, char **argv)
{
        memset(r, 0, sizeof(*r));
        r->rc = cli_parse(argc, argv, table, &r->o, gtable, &r->g, flags, &r->help, &r->res);
}

static void done(struct run *r)
{
        cli_options_free(table, &r->o);
        cli_options_free(gtable, &r->g);
        cli_parse_result_done(&r->res);
}

#define PARSE(r, flags, ...)                                                                       \
        do {                                                                                       \
                char *argv_[] = {__VA_ARGS__};                                                     \
                parse((r), (flags), (int)ARRAY_SIZE(argv_), argv_);                                \
        } while (0)

static void test_long_forms(void **state)
{
        struct run r;
        PARSE(&r, 0, "--name=web", "--format", "json", "--rm", "img");
        assert_int_equal(r.rc, 0);
        assert_string_equal(r.o.name, "web");
        assert_string_equal(r.o.format, "json");
        assert_true(r.o.rm);
        assert_int_equal(strv_length(r.res.args), 1);
        assert_string_equal(r.res.args[0], "img");
        done(&r);
}

static void test_bundled_short(void **state)
{
        struct run r;
        PARSE(&r, 0, "-it", "-fjson", "-e", "A=1", "-eB=2", "-c", "-5");
        assert_int_equal(r.rc, 0);
        assert_true(r.o.interactive);
        assert_true(r.o.tty);
        assert_string_equal(r.o.format, "json");
        assert_int_equal(strv_length(r.o.env), 2);
        assert_string_equal(r.o.env[0], "A=1");
        assert_string_equal(r.o.env[1], "B=2");
        assert_int_equal(r.o.shares, -5);
        done(&r);

        PARSE(&r, 0, "-itf", "{{.ID}}");
        assert_int_equal(r.rc, 0);
        assert_true(r.o.interactive && r.o.tty);
        assert_string_equal(r.o.format, "{{.ID}}");
        done(&r);
}

static void test_bool_values(void **state)
{
        struct run r;
        PARSE(&r, 0, "--tls-verify=false", "--rm=true", "-i=false");
        assert_int_equal(r.rc, 0);
        assert_false(r.o.tls_verify);
        assert_true(r.o.rm);
        assert_false(r.o.interactive);
        done(&r);

        PARSE(&r, 0, "--tls-verify=maybe");
        assert_int_equal(r.rc, -EINVAL);
        assert_non_null(strstr(r.res.error, "invalid argument \"maybe\" for \"--tls-verify\""));
        done(&r);
}

static void test_repeatable_and_csv(void **state)
{
        struct run r;
        PARSE(&r, 0, "--cap-add", "NET_ADMIN,SYS_TIME", "--cap-add=CHOWN", "-e", "X=a,b");
        assert_int_equal(r.rc, 0);
        assert_int_equal(strv_length(r.o.caps), 3);
        assert_string_equal(r.o.caps[2], "CHOWN");
        assert_int_equal(strv_length(r.o.env), 1);
        assert_string_equal(r.o.env[0], "X=a,b");
        done(&r);
}

static void test_double_dash_and_interspersed(void **state)
{
        struct run r;
        PARSE(&r, 0, "a", "--rm", "b", "--", "--name", "-x");
        assert_int_equal(r.rc, 0);
        assert_true(r.o.rm);
        assert_null(r.o.name);
        assert_int_equal(strv_length(r.res.args), 4);
        assert_string_equal(r.res.args[0], "a");
        assert_string_equal(r.res.args[1], "b");
        assert_string_equal(r.res.args[2], "--name");
        assert_string_equal(r.res.args[3], "-x");
        done(&r);
}

static void test_stop_at_first_arg(void **state)
{
        struct run r;
        PARSE(&r, CLI_STOP_AT_FIRST_ARG, "-i", "alpine", "ls", "-la", "--rm");
        assert_int_equal(r.rc, 0);
        assert_true(r.o.interactive);
        assert_false(r.o.rm);
        assert_int_equal(strv_length(r.res.args), 4);
        assert_string_equal(r.res.args[2], "-la");
        done(&r);
}

static void test_globals_fallback(void **state)
{
        struct run r;
        PARSE(&r, 0, "--root", "/x", "--log-level=debug", "--rm");
        assert_int_equal(r.rc, 0);
        assert_string_equal(r.g.root, "/x");
        assert_string_equal(r.g.log_level, "debug");
        assert_true(r.o.rm);
        done(&r);
}

static void test_errors(void **state)
{
        struct run r;
        PARSE(&r, 0, "--bogus");
        assert_int_equal(r.rc, -EINVAL);
        assert_string_equal(r.res.error, "unknown flag: --bogus");
        done(&r);

        PARSE(&r, 0, "-iz");
        assert_int_equal(r.rc, -EINVAL);
        assert_string_equal(r.res.error, "unknown shorthand flag: 'z' in -iz");
        done(&r);

        PARSE(&r, 0, "--name");
        assert_int_equal(r.rc, -EINVAL);
        assert_string_equal(r.res.error, "flag needs an argument: --name");
        done(&r);

        PARSE(&r, 0, "-f");
        assert_int_equal(r.rc, -EINVAL);
        assert_non_null(strstr(r.res.error, "flag needs an argument"));
        done(&r);

        PARSE(&r, 0, "--cpu-shares", "ten");
        assert_int_equal(r.rc, -EINVAL);
        assert_non_null(strstr(r.res.error, "invalid argument \"ten\""));
        done(&r);

        PARSE(&r, 0, "-n", "-1");
        assert_int_equal(r.rc, -EINVAL);
        done(&r);

        PARSE(&r, 0, "--cpu-shares=99999999999999999999999");
        assert_int_equal(r.rc, -EINVAL);
        assert_non_null(strstr(r.res.error, "out of range"));
        done(&r);
}

static void test_help_and_dash(void **state)
{
        struct run r;
        PARSE(&r, 0, "--help", "-");
        assert_int_equal(r.rc, 0);
        assert_true(r.help);
        assert_string_equal(r.res.args[0], "-");
        done(&r);

        PARSE(&r, 0, "-h");
        assert_true(r.help);
        done(&r);
}

static void test_last_string_wins(void **state)
{
        struct run r;
        PARSE(&r, 0, "--name", "a", "--name", "b");
        assert_int_equal(r.rc, 0);
        assert_string_equal(r.o.name, "b");
        done(&r);
}

static void test_help_text(void **state)
{
        struct sbuf b = {0};
        cli_options_help(table, &b);
        assert_non_null(strstr(b.buf, "  -i, --interactive       Keep STDIN open\n"));
        assert_non_null(strstr(b.buf, "      --name string       Assign a name\n"));
        assert_non_null(strstr(b.buf, "  -e, --env stringArray   Set environment variables\n"));
        assert_non_null(strstr(b.buf, "Verify TLS (default true)"));
        sbuf_done(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_long_forms),
                cmocka_unit_test(test_bundled_short),
                cmocka_unit_test(test_bool_values),
                cmocka_unit_test(test_repeatable_and_csv),
                cmocka_unit_test(test_double_dash_and_interspersed),
                cmocka_unit_test(test_stop_at_first_arg),
                cmocka_unit_test(test_globals_fallback),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_help_and_dash),
                cmocka_unit_test(test_last_string_wins),
                cmocka_unit_test(test_help_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
