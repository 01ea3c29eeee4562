/* SPDX-License-Identifier: Apache-2.0 */
#include <math.h>
#include <sys/stat.h>

#include "unit.h"

static struct json *toml_ok(const char *src)
{
        struct json *j = NULL;
        struct err e = {0};
        if (toml_parse(src, strlen(src), "t.toml", &j, &e) < 0)
                fail_msg("toml_parse failed: %s\n--- input:\n%s", e.msg, src);
        assert_non_null(j);
        assert_int_equal(j->type, JSON_OBJECT);
        err_done(&e);
        return j;
}

/* The document as compact JSON must be exactly want. */
static void toml_is(const char *src, const char *want)
{
        _cleanup_json_ struct json *j = toml_ok(src);
        _cleanup_free_ char *out = json_generate(j, 0);
        if (!STREQ(out, want))
                fail_msg("input:\n%s\n--- got:  %s\n--- want: %s", src, out, want);
}

static void toml_fails_len(const char *src, size_t len, const char *want)
{
        struct json *j = NULL;
        struct err e = {0};
        int r = toml_parse(src, len, "t.toml", &j, &e);
        if (r != -EINVAL)
                fail_msg("want failure '%s', got %d for:\n%s", want, r, src);
        assert_null(j);
        assert_int_equal(e.code, EINVAL);
        if (!STREQ(e.msg, want))
                fail_msg("input:\n%s\n--- got:  %s\n--- want: %s", src, e.msg, want);
        err_done(&e);
}

static void toml_fails(const char *src, const char *want)
{
        toml_fails_len(src, strlen(src), want);
}

static void test_empty_and_comments(void **state)
{
        (void)state;
        toml_is("", "{}");
        toml_is("\n\n   \n\t\n", "{}");
        toml_is("# only a comment", "{}");
        toml_is("# c1\n  # c2 with \"quotes\" and [brackets] = x\n", "{}");
        toml_is("a = 1 # trailing comment\n#\n", "{\"a\":1}");
        toml_is("a = 1#no space\n", "{\"a\":1}");
        toml_is("a = 1\r\nb = 2\r\n# crlf\r\n", "{\"a\":1,\"b\":2}");
        toml_is("\xef\xbb\xbf"
                "a = 1",
                "{\"a\":1}"); /* byte order mark */
        toml_is("\ta\t=\t1\t\n", "{\"a\":1}");
        toml_is("a = \"\xc3\xa9\" # caf\xc3\xa9\n", "{\"a\":\"\xc3\xa9\"}");
}

static void test_keys(void **state)
{
        (void)state;
        toml_is("bare_key-1 = 1\nBARE = 2\n1234 = 3\n-- = 4",
                "{\"bare_key-1\":1,\"BARE\":2,\"1234\":3,\"--\":4}");
        toml_is("\"quoted key\" = 1\n'literal \\ key' = 2\n\"\" = 3\n\"\\u00e9\" = 4",
                "{\"quoted key\":1,\"literal \\\\ key\":2,\"\":3,\"\xc3\xa9\":4}");
        toml_is("a.b.c = 1\na.b.d = 2\na.e = 3", "{\"a\":{\"b\":{\"c\":1,\"d\":2},\"e\":3}}");
        toml_is("a . b\t.\tc = 1", "{\"a\":{\"b\":{\"c\":1}}}");
        toml_is("site.\"google.com\" = true\n'x.y'.z = 1",
                "{\"site\":{\"google.com\":true},\"x.y\":{\"z\":1}}");
        toml_is("3.14159 = \"pi\"", "{\"3\":{\"14159\":\"pi\"}}");
        toml_is("true = 1\ninf = 2", "{\"true\":1,\"inf\":2}");
        /* Key order is document order. */
        toml_is("z = 1\na = 2\nm = 3", "{\"z\":1,\"a\":2,\"m\":3}");
}

static void test_basic_strings(void **state)
{
        (void)state;
        toml_is("s = \"I'm a string. \\\"You can quote me\\\". "
                "Name\\tJos\\u00E9\\nLocation\\tSF.\"",
                "{\"s\":\"I'm a string. \\\"You can quote me\\\". Name\\tJos\xc3\xa9\\nLocation"
                "\\tSF.\"}");
        toml_is("s = \"\\b\\t\\n\\f\\r\\\"\\\\\"", "{\"s\":\"\\b\\t\\n\\f\\r\\\"\\\\\"}");
        toml_is("s = \"\\u0041\\U0001F600\\u00e9\\U0000004a\"",
                "{\"s\":\"A\xf0\x9f\x98\x80\xc3\xa9J\"}");
        toml_is("s = \"tab\tinside\"", "{\"s\":\"tab\\tinside\"}");
        toml_is("s = \"\"", "{\"s\":\"\"}");
        toml_is("s = \"# not a comment\"", "{\"s\":\"# not a comment\"}");

        /* NUL can only come from an escape, and is kept. */
        _cleanup_json_ struct json *j = toml_ok("s = \"a\\u0000b\"");
        const struct json *s = json_object_get(j, "s");
        assert_int_equal(s->str.len, 3);
        assert_memory_equal(s->str.s, "a\0b", 4);
}

static void test_literal_strings(void **state)
{
        (void)state;
        toml_is("winpath = 'C:\\Users\\nodejs\\templates'\nquoted = 'Tom \"Dubs\" Preston'\n"
                "regex = '<\\i\\c*\\s*>'",
                "{\"winpath\":\"C:\\\\Users\\\\nodejs\\\\templates\",\"quoted\":\"Tom "
                "\\\"Dubs\\\" Preston\",\"regex\":\"<\\\\i\\\\c*\\\\s*>\"}");
        toml_is("s = ''", "{\"s\":\"\"}");
        toml_is("s = 'tab\there'", "{\"s\":\"tab\\there\"}");
}

static void test_multiline_strings(void **state)
{
        (void)state;
        /* The newline right after the delimiter is trimmed. */
        toml_is("s = \"\"\"\nRoses are red\nViolets are blue\"\"\"",
                "{\"s\":\"Roses are red\\nViolets are blue\"}");
        toml_is("s = \"\"\"\r\nRoses\r\nViolets\"\"\"", "{\"s\":\"Roses\\nViolets\"}");
        /* A line-ending backslash eats the newline and following blanks. */
        toml_is("s = \"\"\"\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog.\"\"\"",
                "{\"s\":\"The quick brown fox jumps over the lazy dog.\"}");
        toml_is("s = \"\"\"\\\n       The quick brown \\   \n       fox.\\\n       \"\"\"",
                "{\"s\":\"The quick brown fox.\"}");
        /* Up to two quotes right before the closing delimiter. */
        toml_is("s = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"",
                "{\"s\":\"Here are two quotation marks: \\\"\\\". Simple enough.\"}");
        toml_is("s = \"\"\"Here are three quotation marks: \"\"\\\".\"\"\"",
                "{\"s\":\"Here are three quotation marks: \\\"\\\"\\\".\"}");
        toml_is("s = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"",
                "{\"s\":\"\\\"This,\\\" she said, \\\"is just a pointless statement.\\\"\"}");
        toml_is("s = \"\"\"a\"\"\"\"\"", "{\"s\":\"a\\\"\\\"\"}");
        toml_is("s = \"\"\"\"\"\"", "{\"s\":\"\"}");
        toml_is("s = \"\"\"esc \\t \\u00e9 \\\\\"\"\"", "{\"s\":\"esc \\t \xc3\xa9 \\\\\"}");

        toml_is("s = '''\nThe first newline is\ntrimmed in raw strings.\n   All other "
                "whitespace\n   is preserved.\n'''",
                "{\"s\":\"The first newline is\\ntrimmed in raw strings.\\n   All other "
                "whitespace\\n   is preserved.\\n\"}");
        toml_is("s = '''I [dw]on't need \\d{2} apples'''",
                "{\"s\":\"I [dw]on't need \\\\d{2} apples\"}");
        toml_is("s = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''",
                "{\"s\":\"Here are fifteen quotation marks: "
                "\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\"}");
        toml_is("s = ''''That,' she said, 'is still pointless.''''",
                "{\"s\":\"'That,' she said, 'is still pointless.'\"}");
        toml_is("s = '''no \\escapes\\n'''", "{\"s\":\"no \\\\escapes\\\\n\"}");
}

static void test_integers(void **state)
{
        (void)state;
        toml_is("a = +99\nb = 42\nc = 0\nd = -17\ne = +0\nf = -0",
                "{\"a\":99,\"b\":42,\"c\":0,\"d\":-17,\"e\":0,\"f\":0}");
        toml_is("a = 1_000\nb = 5_349_221\nc = 53_49_221\nd = 1_2_3_4_5",
                "{\"a\":1000,\"b\":5349221,\"c\":5349221,\"d\":12345}");
        toml_is("h1 = 0xDEADBEEF\nh2 = 0xdeadbeef\nh3 = 0xdead_beef\no1 = 0o01234567\n"
                "o2 = 0o755\nb1 = 0b11010110\nb2 = 0b1_0",
                "{\"h1\":3735928559,\"h2\":3735928559,\"h3\":3735928559,\"o1\":342391,"
                "\"o2\":493,\"b1\":214,\"b2\":2}");
        toml_is("max = 9223372036854775807\nmin = -9223372036854775808\n"
                "hmax = 0x7fffffffffffffff\nomax = 0o777777777777777777777",
                "{\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                "\"hmax\":9223372036854775807,\"omax\":9223372036854775807}");
        _cleanup_json_ struct json *j = toml_ok("a = 1");
        assert_int_equal(json_object_get(j, "a")->type, JSON_INT);
}

static void test_floats(void **state)
{
        (void)state;
        toml_is("a = +1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\n"
                "g = 6.626e-34\nh = 224_617.445_991_228\ni = 1e1_0\nj = 0.0\nk = 1e-0_1",
                "{\"a\":1,\"b\":3.1415,\"c\":-0.01,\"d\":5e+22,\"e\":1000000,\"f\":-0.02,"
                "\"g\":6.626e-34,\"h\":224617.445991228,\"i\":10000000000,\"j\":0,\"k\":0.1}");
        _cleanup_json_ struct json *j =
                toml_ok("f = 1.0\nsi = inf\npi = +inf\nni = -inf\nsn = nan\npn = +nan\nnn = -nan\n"
                        "nz = -0.0");
        assert_int_equal(json_object_get(j, "f")->type, JSON_DOUBLE);
        assert_true(isinf(json_object_get(j, "si")->d) && json_object_get(j, "si")->d > 0);
        assert_true(isinf(json_object_get(j, "pi")->d) && json_object_get(j, "pi")->d > 0);
        assert_true(isinf(json_object_get(j, "ni")->d) && json_object_get(j, "ni")->d < 0);
        assert_true(isnan(json_object_get(j, "sn")->d));
        assert_true(isnan(json_object_get(j, "pn")->d));
        assert_true(isnan(json_object_get(j, "nn")->d));
        assert_true(signbit(json_object_get(j, "nz")->d));
}

static void test_booleans(void **state)
{
        (void)state;
        toml_is("t = true\nf = false", "{\"t\":true,\"f\":false}");
        _cleanup_json_ struct json *j = toml_ok("t = true");
        assert_int_equal(json_object_get(j, "t")->type, JSON_BOOL);
}

static void test_datetimes(void **state)
{
        (void)state;
        toml_is("odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\n"
                "odt3 = 1979-05-27T00:32:00.999999-07:00\nodt4 = 1979-05-27 07:32:00Z\n"
                "odt5 = 1979-05-27t07:32:00z\nldt1 = 1979-05-27T07:32:00\n"
                "ldt2 = 1979-05-27T00:32:00.999999\nld1 = 1979-05-27\nlt1 = 07:32:00\n"
                "lt2 = 00:32:00.999999\nleap = 2000-02-29\n",
                "{\"odt1\":\"1979-05-27T07:32:00Z\",\"odt2\":\"1979-05-27T00:32:00-07:00\","
                "\"odt3\":\"1979-05-27T00:32:00.999999-07:00\",\"odt4\":\"1979-05-27 07:32:00Z\","
                "\"odt5\":\"1979-05-27t07:32:00z\",\"ldt1\":\"1979-05-27T07:32:00\","
                "\"ldt2\":\"1979-05-27T00:32:00.999999\",\"ld1\":\"1979-05-27\","
                "\"lt1\":\"07:32:00\",\"lt2\":\"00:32:00.999999\",\"leap\":\"2000-02-29\"}");
        toml_is("d = [1979-05-27, 07:32:00] # two", "{\"d\":[\"1979-05-27\",\"07:32:00\"]}");
        toml_is("d = 1979-05-27 # a date, then a comment", "{\"d\":\"1979-05-27\"}");
}

static void test_arrays(void **state)
{
        (void)state;
        toml_is("integers = [ 1, 2, 3 ]\ncolors = [ \"red\", \"yellow\", \"green\" ]\n"
                "nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\n"
                "nested_mixed_array = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n"
                "string_array = [ \"all\", 'strings', \"\"\"are the same\"\"\", '''type''' ]",
                "{\"integers\":[1,2,3],\"colors\":[\"red\",\"yellow\",\"green\"],"
                "\"nested_arrays_of_ints\":[[1,2],[3,4,5]],\"nested_mixed_array\":[[1,2],"
                "[\"a\",\"b\",\"c\"]],\"string_array\":[\"all\",\"strings\",\"are the same\","
                "\"type\"]}");
        toml_is("numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\n"
                "contributors = [\n  \"Foo Bar <foo@example.com>\",\n"
                "  { name = \"Baz Qux\", email = \"bazqux@example.com\", url = "
                "\"https://example.com/bazqux\" }\n]",
                "{\"numbers\":[0.1,0.2,0.5,1,2,5],\"contributors\":[\"Foo Bar "
                "<foo@example.com>\",{\"name\":\"Baz Qux\",\"email\":\"bazqux@example.com\","
                "\"url\":\"https://example.com/bazqux\"}]}");
        toml_is("a = [\n  1,\n  2, # comment\n  # another\n\n  3,\n]\nb = []\nc = [\n]\n"
                "d = [ # c\n]\ne = [1,2,]",
                "{\"a\":[1,2,3],\"b\":[],\"c\":[],\"d\":[],\"e\":[1,2]}");
        toml_is("a = [\r\n1,\r\n2\r\n]", "{\"a\":[1,2]}");
        toml_is("a = [true, false, 1.5, \"x\", 1979-05-27, [[]], {}]",
                "{\"a\":[true,false,1.5,\"x\",\"1979-05-27\",[[]],{}]}");
}

static void test_inline_tables(void **state)
{
        (void)state;
        toml_is("name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = { x = 1, y = 2 }\n"
                "animal = { type.name = \"pug\" }",
                "{\"name\":{\"first\":\"Tom\",\"last\":\"Preston-Werner\"},\"point\":{\"x\":1,"
                "\"y\":2},\"animal\":{\"type\":{\"name\":\"pug\"}}}");
        toml_is("a = {}\nb = {c = {d = {}}}\ne = {f = [1, {g = 2}], h.i = 1, h.j = 2}",
                "{\"a\":{},\"b\":{\"c\":{\"d\":{}}},\"e\":{\"f\":[1,{\"g\":2}],\"h\":{\"i\":1,"
                "\"j\":2}}}");
        toml_is("a = {b = [\n1,\n2]}", "{\"a\":{\"b\":[1,2]}}");
        toml_is("a = {  }", "{\"a\":{}}");
}

static void test_tables(void **state)
{
        (void)state;
        toml_is("[table-1]\nkey1 = \"some string\"\nkey2 = 123\n\n[table-2]\nkey1 = \"another\"\n"
                "key2 = 456",
                "{\"table-1\":{\"key1\":\"some string\",\"key2\":123},\"table-2\":{\"key1\":"
                "\"another\",\"key2\":456}}");
        toml_is("top = 1\n[dog.\"tater.man\"]\ntype.name = \"pug\"\n[ j . \"k\" . 'l' ]\n"
                "[a.b.c]\n[ d.e.f ]  # comment\n",
                "{\"top\":1,\"dog\":{\"tater.man\":{\"type\":{\"name\":\"pug\"}}},\"j\":{\"k\":"
                "{\"l\":{}}},\"a\":{\"b\":{\"c\":{}}},\"d\":{\"e\":{\"f\":{}}}}");
        /* A super-table may be defined after its sub-table, once. */
        toml_is("[x.y.z.w]\n[x]\na = 1", "{\"x\":{\"y\":{\"z\":{\"w\":{}}},\"a\":1}}");
        /* Sub-tables of tables made by dotted keys. */
        toml_is("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n"
                "[fruit.apple.texture]\nsmooth = true",
                "{\"fruit\":{\"apple\":{\"color\":\"red\",\"taste\":{\"sweet\":true},"
                "\"texture\":{\"smooth\":true}}}}");
        /* A table's keys do not leak into the next one. */
        toml_is("[a]\nx = 1\n[b]\nx = 2\n[a.c]\nx = 3",
                "{\"a\":{\"x\":1,\"c\":{\"x\":3}},\"b\":{\"x\":2}}");
}

static void test_arrays_of_tables(void **state)
{
        (void)state;
        toml_is("[[products]]\nname = \"Hammer\"\nsku = 738594937\n\n[[products]]  # empty\n\n"
                "[[products]]\nname = \"Nail\"\ncolor = \"gray\"",
                "{\"products\":[{\"name\":\"Hammer\",\"sku\":738594937},{},{\"name\":\"Nail\","
                "\"color\":\"gray\"}]}");
        toml_is("[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n"
                "[[fruits.varieties]]\nname = \"red delicious\"\n[[fruits.varieties]]\n"
                "name = \"granny smith\"\n[[fruits]]\nname = \"banana\"\n[[fruits.varieties]]\n"
                "name = \"plantain\"",
                "{\"fruits\":[{\"name\":\"apple\",\"physical\":{\"color\":\"red\"},"
                "\"varieties\":[{\"name\":\"red delicious\"},{\"name\":\"granny smith\"}]},"
                "{\"name\":\"banana\",\"varieties\":[{\"name\":\"plantain\"}]}]}");
        toml_is("[[a.b]]\nx = 1\n[a]\ny = 2", "{\"a\":{\"b\":[{\"x\":1}],\"y\":2}}");
        toml_is("points = [ { x = 1, y = 2 },\n           { x = 7, y = 8 } ]",
                "{\"points\":[{\"x\":1,\"y\":2},{\"x\":7,\"y\":8}]}");
}

static const char containers_conf[] =
        "# containers.conf snippet\n"
        "[containers]\n"
        "default_capabilities = [\n"
        "  \"CHOWN\",\n"
        "  \"NET_BIND_SERVICE\",\n"
        "]\n"
        "default_sysctls = [\n"
        "  \"net.ipv4.ping_group_range=0 0\",\n"
        "]\n"
        "log_size_max = -1\n"
        "pids_limit = 2048\n"
        "userns = \"host\"\n"
        "init = false\n"
        "\n"
        "[secrets]\n"
        "[secrets.opts]\n"
        "\n"
        "[network]\n"
        "network_backend = \"netavark\"\n"
        "default_subnet_pools = [\n"
        "  {\"base\" = \"10.89.0.0/16\", \"size\" = 24},\n"
        "  {\"base\" = \"10.90.0.0/15\", \"size\" = 24},\n"
        "]\n"
        "\n"
        "[engine]\n"
        "cgroup_manager = \"systemd\"\n"
        "events_logger = \"journald\"\n"
        "runtime = \"crun\"\n"
        "conmon_env_vars = [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\"]\n"
        "image_parallel_copies = 0\n"
        "\n"
        "[engine.runtimes]\n"
        "crun = [\n"
        "  \"/usr/bin/crun\",\n"
        "  \"/usr/local/bin/crun\",\n"
        "]\n"
        "runc = [\"/usr/bin/runc\"]\n"
        "\n"
        "[engine.volume_plugins]\n"
        "[engine.service_destinations.production]\n"
        "uri = \"ssh://root@example.com:22/run/podman/podman.sock\"\n"
        "identity = \"~/.ssh/id_rsa\"\n"
        "\n"
        "[machine]\n"
        "cpus = 1\n";

static void test_golden_containers_conf(void **state)
{
        (void)state;
        toml_is(containers_conf,
                "{\"containers\":{\"default_capabilities\":[\"CHOWN\",\"NET_BIND_SERVICE\"],"
                "\"default_sysctls\":[\"net.ipv4.ping_group_range=0 0\"],\"log_size_max\":-1,"
                "\"pids_limit\":2048,\"userns\":\"host\",\"init\":false},"
                "\"secrets\":{\"opts\":{}},"
                "\"network\":{\"network_backend\":\"netavark\",\"default_subnet_pools\":["
                "{\"base\":\"10.89.0.0/16\",\"size\":24},{\"base\":\"10.90.0.0/15\","
                "\"size\":24}]},"
                "\"engine\":{\"cgroup_manager\":\"systemd\",\"events_logger\":\"journald\","
                "\"runtime\":\"crun\",\"conmon_env_vars\":[\"PATH=/usr/local/sbin:"
                "/usr/local/bin:/usr/sbin:/usr/bin\"],\"image_parallel_copies\":0,"
                "\"runtimes\":{\"crun\":[\"/usr/bin/crun\",\"/usr/local/bin/crun\"],"
                "\"runc\":[\"/usr/bin/runc\"]},\"volume_plugins\":{},"
                "\"service_destinations\":{\"production\":{\"uri\":\"ssh://root@example.com:22/"
                "run/podman/podman.sock\",\"identity\":\"~/.ssh/id_rsa\"}}},"
                "\"machine\":{\"cpus\":1}}");
        _cleanup_json_ struct json *j = toml_ok(containers_conf);
        assert_string_equal(json_get_path(j, "engine.runtime")->str.s, "crun");
        assert_int_equal(json_get_path(j, "containers.pids_limit")->i, 2048);
        assert_int_equal(json_get_path(j, "engine.runtimes.crun")->arr.len, 2);
}

static void test_golden_storage_conf(void **state)
{
        (void)state;
        toml_is("# storage.conf\n"
                "[storage]\n"
                "\n"
                "# Default Storage Driver, Must be set for proper operation.\n"
                "driver = \"overlay\"\n"
                "\n"
                "# Temporary storage location\n"
                "runroot = \"/run/containers/storage\"\n"
                "\n"
                "# Primary Read/Write location of container storage\n"
                "graphroot = \"/var/lib/containers/storage\"\n"
                "# rootless_storage_path = \"$HOME/.local/share/containers/storage\"\n"
                "\n"
                "[storage.options]\n"
                "additionalimagestores = [\n"
                "  \"/usr/lib/containers/storage\",\n"
                "]\n"
                "pull_options = {enable_partial_images = \"false\", use_hard_links = \"false\", "
                "ostree_repos=\"\"}\n"
                "\n"
                "[storage.options.overlay]\n"
                "mount_program = \"/usr/bin/fuse-overlayfs\"\n"
                "mountopt = \"nodev,metacopy=on\"\n"
                "\n"
                "[storage.options.thinpool]\n",
                "{\"storage\":{\"driver\":\"overlay\",\"runroot\":\"/run/containers/storage\","
                "\"graphroot\":\"/var/lib/containers/storage\",\"options\":{"
                "\"additionalimagestores\":[\"/usr/lib/containers/storage\"],"
                "\"pull_options\":{\"enable_partial_images\":\"false\",\"use_hard_links\":"
                "\"false\",\"ostree_repos\":\"\"},\"overlay\":{\"mount_program\":"
                "\"/usr/bin/fuse-overlayfs\",\"mountopt\":\"nodev,metacopy=on\"},"
                "\"thinpool\":{}}}}");
}

static void test_golden_registries_conf(void **state)
{
        (void)state;
        const char *src = "unqualified-search-registries = [\"registry.fedoraproject.org\", "
                          "\"docker.io\"]\n"
                          "short-name-mode = \"enforcing\"\n"
                          "credential-helpers = [ \"containers-auth.json\" ]\n"
                          "\n"
                          "[[registry]]\n"
                          "prefix = \"example.com/foo\"\n"
                          "insecure = false\n"
                          "blocked = false\n"
                          "location = \"internal-registry-for-example.com/bar\"\n"
                          "\n"
                          "[[registry.mirror]]\n"
                          "location = \"example-mirror-0.local/mirror-for-foo\"\n"
                          "\n"
                          "[[registry.mirror]]\n"
                          "location = \"example-mirror-1.local/mirrors/foo\"\n"
                          "insecure = true\n"
                          "pull-from-mirror = \"digest-only\"\n"
                          "\n"
                          "[[registry]]\n"
                          "location = \"docker.io\"\n"
                          "mirror-by-digest-only = true\n"
                          "[[registry.mirror]]\n"
                          "location = \"mirror.gcr.io\"\n"
                          "\n"
                          "[aliases]\n"
                          "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
                          "\"opensuse/leap\" = \"registry.opensuse.org/opensuse/leap\"\n";
        toml_is(src, "{\"unqualified-search-registries\":[\"registry.fedoraproject.org\","
                     "\"docker.io\"],\"short-name-mode\":\"enforcing\",\"credential-helpers\":["
                     "\"containers-auth.json\"],\"registry\":[{\"prefix\":\"example.com/foo\","
                     "\"insecure\":false,\"blocked\":false,\"location\":"
                     "\"internal-registry-for-example.com/bar\",\"mirror\":[{\"location\":"
                     "\"example-mirror-0.local/mirror-for-foo\"},{\"location\":"
                     "\"example-mirror-1.local/mirrors/foo\",\"insecure\":true,"
                     "\"pull-from-mirror\":\"digest-only\"}]},{\"location\":\"docker.io\","
                     "\"mirror-by-digest-only\":true,\"mirror\":[{\"location\":"
                     "\"mirror.gcr.io\"}]}],\"aliases\":{\"fedora\":"
                     "\"registry.fedoraproject.org/fedora\",\"opensuse/leap\":"
                     "\"registry.opensuse.org/opensuse/leap\"}}");
}

static void parse_system_file(const char *path, void (*check)(const struct json *))
{
        if (access(path, R_OK) < 0) {
                print_message("skipping absent %s\n", path);
                return;
        }
        struct err e = {0};
        _cleanup_json_ struct json *j = NULL;
        if (toml_parse_file(path, &j, &e) < 0)
                fail_msg("%s", e.msg);
        assert_int_equal(j->type, JSON_OBJECT);
        if (check)
                check(j);
}

static void check_containers_conf(const struct json *j)
{
        const struct json *caps = json_get_path(j, "containers.default_capabilities");
        if (caps) {
                assert_int_equal(caps->type, JSON_ARRAY);
                assert_true(caps->arr.len > 0);
        }
}

static void check_shortnames(const struct json *j)
{
        const struct json *aliases = json_object_get(j, "aliases");
        assert_non_null(aliases);
        assert_int_equal(aliases->type, JSON_OBJECT);
        assert_true(aliases->obj.len > 10);
        for (size_t i = 0; i < aliases->obj.len; i++)
                assert_int_equal(aliases->obj.vals[i]->type, JSON_STRING);
}

static void test_system_files(void **state)
{
        (void)state;
        parse_system_file("/usr/share/containers/containers.conf", check_containers_conf);
        parse_system_file("/etc/containers/containers.conf", NULL);
        parse_system_file("/etc/containers/registries.conf", NULL);
        parse_system_file("/etc/containers/registries.conf.d/shortnames.conf", check_shortnames);
        parse_system_file("/usr/share/containers/storage.conf", NULL);
        parse_system_file("/etc/containers/storage.conf", NULL);
}

static void test_errors_syntax(void **state)
{
        (void)state;
        /* missing '=', garbage after values and headers */
        toml_fails("a b = 1", "t.toml:1:3: expected '=' after key, found 'b'");
        toml_fails("a\n", "t.toml:1:2: expected '=' after key, found end of line");
        toml_fails("a = 1\nkey", "t.toml:2:4: expected '=' after key, found end of file");
        toml_fails("a = 1 b = 2", "t.toml:1:7: expected end of line after value, found 'b'");
        toml_fails("a = \"x\" \"y\"", "t.toml:1:9: expected end of line after value, found '\"'");
        toml_fails("a = truex", "t.toml:1:9: expected end of line after value, found 'x'");
        toml_fails("[a] b = 1", "t.toml:1:5: expected end of line after table header, found 'b'");
        toml_fails("a =\n", "t.toml:1:4: expected a value, found end of line");
        toml_fails("a = ", "t.toml:1:5: expected a value, found end of file");
        toml_fails("a = True", "t.toml:1:5: expected a value, found 'T'");
        toml_fails("a = .5", "t.toml:1:5: expected a value, found '.'");
        toml_fails("= 1", "t.toml:1:1: expected a key, found '='");
        toml_fails("a. = 1", "t.toml:1:4: expected a key, found '='");
        toml_fails("a = 1\n\n  !x = 2", "t.toml:3:3: expected a key, found '!'");
        toml_fails("[]", "t.toml:1:2: expected a key, found ']'");
        toml_fails("[a", "t.toml:1:3: expected ']' after table name, found end of file");
        toml_fails("[[a]", "t.toml:1:5: expected ']]' after table name, found end of file");
        toml_fails("[[a] ]", "t.toml:1:5: expected ']]' after table name, found ' '");
        toml_fails("\"\"\"a\"\"\" = 1", "t.toml:1:3: expected '=' after key, found '\"'");
        toml_fails("a = 1\r", "t.toml:1:6: expected end of line after value, found control "
                              "character 0x0d");
        toml_fails("a = 1 # bell \x07", "t.toml:1:14: control character 0x07 in comment");
        toml_fails("a = 1\n\x01", "t.toml:2:1: expected a key, found control character 0x01");
        toml_fails_len("a = 1\0", 6,
                       "t.toml:1:6: expected end of line after value, found "
                       "control character 0x00");
        toml_fails("a = \"\xc3\xa9\xff\"", "t.toml:1:7: invalid UTF-8");
        /* Columns count characters: "é" is one. */
        toml_fails("\xc3\xa9\xc3\xa9 = 1", "t.toml:1:1: expected a key, found non-ASCII character");
        toml_fails("a = '\xc3\xa9\xc3\xa9' x", "t.toml:1:10: expected end of line after value, "
                                               "found 'x'");
}

static void test_errors_strings(void **state)
{
        (void)state;
        toml_fails("a = \"abc", "t.toml:1:9: unterminated string");
        toml_fails("a = \"abc\nb = 1", "t.toml:1:9: newline in single-line string");
        toml_fails("a = 'abc\n'", "t.toml:1:9: newline in single-line string");
        toml_fails("a = 'abc", "t.toml:1:9: unterminated string");
        toml_fails("a = \"\"\"abc\n\n", "t.toml:3:1: unterminated string");
        toml_fails("a = '''abc''", "t.toml:1:13: unterminated string");
        toml_fails("a = \"a\\x\"", "t.toml:1:7: invalid escape sequence '\\x'");
        toml_fails("a = \"\\e\"", "t.toml:1:6: invalid escape sequence '\\e'");
        toml_fails("a = \"\\ \"", "t.toml:1:6: invalid escape sequence '\\ '");
        toml_fails("a = \"\"\"\\ x\"\"\"", "t.toml:1:8: invalid escape sequence '\\ '");
        toml_fails("a = \"\\u12\"", "t.toml:1:6: invalid unicode escape: expected 4 hex digits");
        toml_fails("a = \"\\U0001F60\"",
                   "t.toml:1:6: invalid unicode escape: expected 8 hex digits");
        toml_fails("a = \"\\uD800\"",
                   "t.toml:1:6: invalid unicode escape: U+D800 is not a scalar value");
        toml_fails("a = \"\\U00110000\"",
                   "t.toml:1:6: invalid unicode escape: U+110000 is not a scalar value");
        toml_fails("a = \"a\x01\"", "t.toml:1:7: control character 0x01 in string");
        toml_fails("a = 'a\x7f'", "t.toml:1:7: control character 0x7f in string");
        toml_fails("a = \"\"\"\na\x1b\"\"\"", "t.toml:2:2: control character 0x1b in string");
        toml_fails("a = \"\"\"\na\rb\"\"\"", "t.toml:2:2: control character 0x0d in string");
        toml_fails_len("a = \"a\0\"", 8, "t.toml:1:7: control character 0x00 in string");
        toml_fails("a = \"\"\"a\"\"\"\"\"\"", "t.toml:1:14: too many quotes at end of string");
        toml_fails("\"a\\u0000b\" = 1", "t.toml:1:1: key contains a NUL character");
}

static void test_errors_numbers(void **state)
{
        (void)state;
        toml_fails("a = 9223372036854775808", "t.toml:1:5: integer '9223372036854775808' out of "
                                              "range");
        toml_fails("a = -9223372036854775809",
                   "t.toml:1:5: integer '-9223372036854775809' out of range");
        toml_fails("a = 0x8000000000000000",
                   "t.toml:1:5: integer '0x8000000000000000' out of range");
        toml_fails("a = 99999999999999999999999", "t.toml:1:5: integer "
                                                  "'99999999999999999999999' out of range");
        toml_fails("a = 01", "t.toml:1:5: leading zeros are not allowed in '01'");
        toml_fails("a = -012", "t.toml:1:5: leading zeros are not allowed in '-012'");
        toml_fails("a = 00.5", "t.toml:1:5: leading zeros are not allowed in '00.5'");
        toml_fails("a = 1__2", "t.toml:1:5: invalid number '1__2'");
        toml_fails("a = 1_", "t.toml:1:5: invalid number '1_'");
        toml_fails("a = _1", "t.toml:1:5: expected a value, found '_'");
        toml_fails("a = 0x", "t.toml:1:5: invalid number '0x'");
        toml_fails("a = 0X1F", "t.toml:1:5: leading zeros are not allowed in '0X1F'");
        toml_fails("a = 0o8", "t.toml:1:5: invalid number '0o8'");
        toml_fails("a = 0b102", "t.toml:1:5: invalid number '0b102'");
        toml_fails("a = 0x_1", "t.toml:1:5: invalid number '0x_1'");
        toml_fails("a = +0x1", "t.toml:1:5: sign not allowed on a hexadecimal, octal or binary "
                               "integer");
        toml_fails("a = 1.", "t.toml:1:5: invalid number '1.'");
        toml_fails("a = 1.e5", "t.toml:1:5: invalid number '1.e5'");
        toml_fails("a = 1e", "t.toml:1:5: invalid number '1e'");
        toml_fails("a = 1.5.3", "t.toml:1:5: invalid number '1.5.3'");
        toml_fails("a = 3_.5", "t.toml:1:5: invalid number '3_.5'");
        toml_fails("a = 1e400", "t.toml:1:5: float '1e400' out of range");
        toml_fails("a = infinity", "t.toml:1:5: invalid number 'infinity'");
        toml_fails("a = nan1", "t.toml:1:5: invalid number 'nan1'");
        toml_fails("a = 1979-02-29", "t.toml:1:5: invalid date or time '1979-02-29'");
        toml_fails("a = 1979-13-01", "t.toml:1:5: invalid date or time '1979-13-01'");
        toml_fails("a = 1979-05-27T25:00:00",
                   "t.toml:1:5: invalid date or time '1979-05-27T25:00:00'");
        toml_fails("a = 1979-05-27T07:32", "t.toml:1:5: invalid date or time '1979-05-27T07:32'");
        toml_fails("a = 07:32:00Z", "t.toml:1:5: invalid date or time '07:32:00Z'");
        toml_fails("a = 1979-05-27T07:32:00+1:00",
                   "t.toml:1:5: invalid date or time '1979-05-27T07:32:00+1:00'");
        toml_fails("a = 12:00:60", "t.toml:1:5: invalid date or time '12:00:60'");
}

static void test_errors_structure(void **state)
{
        (void)state;
        /* duplicate keys */
        toml_fails("a = 1\na = 2", "t.toml:2:1: duplicate key 'a'");
        toml_fails("a = 1\n\"a\" = 2", "t.toml:2:1: duplicate key 'a'");
        toml_fails("[t]\nx.y = 1\n  x.y = 2", "t.toml:3:3: duplicate key 'x.y'");
        toml_fails("a = {b = 1, b = 2}", "t.toml:1:13: duplicate key 'b'");
        toml_fails("a = 1\na.b = 2", "t.toml:2:1: key 'a' is already defined as an integer");
        toml_fails("a.b = 1\na = 2", "t.toml:2:1: duplicate key 'a'");
        /* tables defined twice */
        toml_fails("[a]\n[a]", "t.toml:2:2: table 'a' already defined");
        toml_fails("[a]\nb = 1\n[a.b]", "t.toml:3:2: key 'a.b' already defined");
        toml_fails("[a.b]\n[a]\n[ a ]", "t.toml:3:3: table 'a' already defined");
        toml_fails("[fruit]\napple.color = \"red\"\n[fruit.apple]",
                   "t.toml:3:2: table 'fruit.apple' already defined");
        toml_fails("a.b = 1\n[a]", "t.toml:2:2: table 'a' already defined");
        toml_fails("[a.b.c]\nz = 9\n[a]\nb.c.t = 1",
                   "t.toml:4:3: cannot add keys to table 'b.c' with dotted keys: it is defined "
                   "by a header");
        /* inline tables are closed */
        toml_fails("a = {b = 1}\na.c = 2", "t.toml:2:1: cannot add keys to inline table 'a'");
        toml_fails("a = {b = 1}\n[a]", "t.toml:2:2: table 'a' already defined");
        toml_fails("a = {b = {}}\n[a.b.c]", "t.toml:2:2: cannot extend inline table 'a'");
        toml_fails("a = {b = 1,}", "t.toml:1:12: expected a key, found '}'");
        toml_fails("a = {b = 1\n}", "t.toml:1:11: expected ',' or '}' in inline table, found end "
                                    "of line");
        toml_fails("a = {b = 1 c = 2}",
                   "t.toml:1:12: expected ',' or '}' in inline table, found 'c'");
        toml_fails("a = {b.c = 1, b = 2}", "t.toml:1:15: duplicate key 'b'");
        /* arrays */
        toml_fails("a = [1 2]", "t.toml:1:8: expected ',' or ']' in array, found '2'");
        toml_fails("a = [,]", "t.toml:1:6: expected a value, found ','");
        toml_fails("a = [1,,2]", "t.toml:1:8: expected a value, found ','");
        toml_fails("a = [1,\n2", "t.toml:2:2: expected ',' or ']' in array, found end of file");
        toml_fails("a = [\n  1, # \x01\n]", "t.toml:2:8: control character 0x01 in comment");
        toml_fails("a = []\n[[a]]", "t.toml:2:3: key 'a' already defined and not an array of "
                                    "tables");
        toml_fails("a = [{}]\n[a.b]", "t.toml:2:2: cannot extend array 'a' with a table");
        toml_fails("[[a]]\n[a]", "t.toml:2:2: table 'a' already defined as an array of tables");
        toml_fails("[a]\n[[a]]", "t.toml:2:3: key 'a' already defined and not an array of "
                                 "tables");
        toml_fails("a = 1\n[a.b]", "t.toml:2:2: key 'a' is already defined as an integer");
        toml_fails("[a]\nb = \"x\"\n[a.b.c]",
                   "t.toml:3:4: key 'a.b' is already defined as a string");
}

static void test_depth_limit(void **state)
{
        (void)state;
        /* The root table is one level: 255 nested arrays fit, 256 do not. */
        struct sbuf ok = {0}, bad = {0};
        sbuf_append(&ok, "a = ");
        sbuf_append(&bad, "a = ");
        for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
                sbuf_putc(&ok, '[');
        for (int i = 0; i < JSON_MAX_DEPTH - 1; i++)
                sbuf_putc(&ok, ']');
        for (int i = 0; i < JSON_MAX_DEPTH; i++)
                sbuf_putc(&bad, '[');
        _cleanup_json_ struct json *j = toml_ok(ok.buf);
        /* What the reader accepts, the JSON side can handle too. */
        _cleanup_free_ char *out = json_generate(j, 0);
        _cleanup_json_ struct json *back = NULL;
        struct err e = {0};
        assert_int_equal(json_parse(out, strlen(out), &back, &e), 0);
        assert_true(json_equal(j, back));
        toml_fails(bad.buf, "t.toml:1:260: nesting deeper than 256 levels");
        sbuf_done(&ok);
        sbuf_done(&bad);

        struct sbuf inl = {0};
        sbuf_append(&inl, "a = ");
        for (int i = 0; i < 100000; i++)
                sbuf_append(&inl, "{b=");
        toml_fails(inl.buf, "t.toml:1:770: nesting deeper than 256 levels");
        sbuf_done(&inl);

        struct sbuf dotted = {0};
        for (int i = 0; i < JSON_MAX_DEPTH; i++)
                sbuf_append(&dotted, "k.");
        sbuf_append(&dotted, "k = 1");
        toml_fails(dotted.buf, "t.toml:1:1: nesting deeper than 256 levels");
        sbuf_done(&dotted);

        struct sbuf header = {0};
        sbuf_append(&header, "[[");
        for (int i = 0; i < JSON_MAX_DEPTH; i++)
                sbuf_append(&header, "k.");
        sbuf_append(&header, "k]]");
        toml_fails(header.buf, "t.toml:1:513: nesting deeper than 256 levels");
        sbuf_done(&header);
}

static void test_parse_file(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *good = xasprintf("%s/good.toml", dir);
        _cleanup_free_ char *bad = xasprintf("%s/bad.toml", dir);
        _cleanup_free_ char *big = xasprintf("%s/big.toml", dir);
        FILE *f = fopen(good, "w");
        fputs("[engine]\nruntime = \"crun\"\n", f);
        fclose(f);
        f = fopen(bad, "w");
        fputs("[engine]\nruntime = crun\n", f);
        fclose(f);
        f = fopen(big, "w");
        assert_int_equal(ftruncate(fileno(f), TOML_MAX_SIZE + 1), 0);
        fclose(f);

        struct err e = {0};
        _cleanup_json_ struct json *j = NULL;
        assert_int_equal(toml_parse_file(good, &j, &e), 0);
        assert_string_equal(json_get_path(j, "engine.runtime")->str.s, "crun");

        struct json *none = NULL;
        assert_int_equal(toml_parse_file(bad, &none, &e), -EINVAL);
        _cleanup_free_ char *want = xasprintf("%s:2:11: expected a value, found 'c'", bad);
        assert_string_equal(e.msg, want);
        err_done(&e);

        assert_int_equal(toml_parse_file(big, &none, &e), -EFBIG);
        err_done(&e);
        _cleanup_free_ char *missing = xasprintf("%s/missing.toml", dir);
        assert_int_equal(toml_parse_file(missing, &none, &e), -ENOENT);
        err_done(&e);
        assert_null(none);

        /* e == NULL is allowed: the code alone comes back. */
        assert_int_equal(toml_parse("a = ", 4, "x", &none, NULL), -EINVAL);
        assert_null(none);
        unit_rmtree(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty_and_comments),
                cmocka_unit_test(test_keys),
                cmocka_unit_test(test_basic_strings),
                cmocka_unit_test(test_literal_strings),
                cmocka_unit_test(test_multiline_strings),
                cmocka_unit_test(test_integers),
                cmocka_unit_test(test_floats),
                cmocka_unit_test(test_booleans),
                cmocka_unit_test(test_datetimes),
                cmocka_unit_test(test_arrays),
                cmocka_unit_test(test_inline_tables),
                cmocka_unit_test(test_tables),
                cmocka_unit_test(test_arrays_of_tables),
                cmocka_unit_test(test_golden_containers_conf),
                cmocka_unit_test(test_golden_storage_conf),
                cmocka_unit_test(test_golden_registries_conf),
                cmocka_unit_test(test_system_files),
                cmocka_unit_test(test_errors_syntax),
                cmocka_unit_test(test_errors_strings),
                cmocka_unit_test(test_errors_numbers),
                cmocka_unit_test(test_errors_structure),
                cmocka_unit_test(test_depth_limit),
                cmocka_unit_test(test_parse_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
