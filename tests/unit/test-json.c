/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <math.h>

#include "unit.h"

static struct json *parse_ok(const char *s)
{
        struct json *j = NULL;
        struct err e = {0};
        int r = json_parse(s, strlen(s), &j, &e);
        if (r < 0)
                fail_msg("parse '%s': %s", s, e.msg);
        err_done(&e);
        return j;
}

/* Parse s (of len bytes), expect failure with a message starting with want. */
static void parse_fails(const char *s, size_t len, const char *want)
{
        struct json *j = NULL;
        struct err e = {0};
        int r = json_parse(s, len, &j, &e);
        if (r != -EINVAL)
                fail_msg("parse of '%.*s' gave %d", (int)len, s, r);
        assert_int_equal(e.code, EINVAL);
        assert_null(j);
        assert_non_null(e.msg);
        if (!str_has_prefix(e.msg, want))
                fail_msg("want prefix '%s', got '%s'", want, e.msg);
        err_done(&e);
}
#define PARSE_FAILS(s, want) parse_fails((s), sizeof(s) - 1, (want))

static void gen_is(const struct json *j, unsigned flags, const char *want)
{
        _cleanup_free_ char *out = json_generate(j, flags);
        assert_string_equal(out, want);
}

/* parse -> compact -> must give back the exact input */
static void round_trip(const char *s)
{
        _cleanup_json_ struct json *j = parse_ok(s);
        _cleanup_free_ char *out = json_generate(j, 0);
        assert_string_equal(out, s);
        _cleanup_json_ struct json *again = parse_ok(out);
        assert_true(json_equal(j, again));
}

static void test_constructors(void **state)
{
        (void)state;
        _cleanup_json_ struct json *o = json_new_object();
        json_object_set(o, "n", json_new_null());
        json_object_set(o, "b", json_new_bool(true));
        json_object_set(o, "i", json_new_int(-42));
        json_object_set(o, "d", json_new_double(2.5));
        json_object_set(o, "s", json_new_string("hi"));
        json_object_set(o, "null-string", json_new_string(NULL));
        json_object_set(o, "taken", json_new_string_take(xstrdup("mine")));
        char *v[] = {"a", "b", NULL};
        json_object_set(o, "strv", json_new_strv(v));
        json_object_set(o, "empty-strv", json_new_strv(NULL));
        json_object_set(o, "null-ptr", NULL);
        gen_is(o, 0,
               "{\"n\":null,\"b\":true,\"i\":-42,\"d\":2.5,\"s\":\"hi\",\"null-string\":null,"
               "\"taken\":\"mine\",\"strv\":[\"a\",\"b\"],\"empty-strv\":[],\"null-ptr\":null}");

        assert_int_equal(json_object_get(o, "null-string")->type, JSON_NULL);
        assert_string_equal(json_object_get_string(o, "s"), "hi");
        assert_null(json_object_get_string(o, "i"));
        assert_null(json_object_get_string(o, "absent"));
        assert_int_equal(json_object_get_int(o, "i", 7), -42);
        assert_int_equal(json_object_get_int(o, "d", 7), 7);
        assert_int_equal(json_object_get_int(o, "absent", 7), 7);
        assert_true(json_object_get_bool(o, "b", false));
        assert_false(json_object_get_bool(o, "s", false));
        assert_null(json_object_get(NULL, "x"));
        assert_null(json_object_get(json_object_get(o, "s"), "x"));

        json_object_set_string(o, "s2", "x");
        json_object_set_string(o, "s3", NULL);
        json_object_set_int(o, "i2", INT64_MIN);
        json_object_set_bool(o, "b2", false);
        assert_string_equal(json_object_get_string(o, "s2"), "x");
        assert_int_equal(json_object_get(o, "s3")->type, JSON_NULL);
        assert_true(json_object_get_int(o, "i2", 0) == INT64_MIN);
        assert_false(json_object_get_bool(o, "b2", true));

        json_free(NULL);
        assert_null(json_copy(NULL));
}

static void test_string_len(void **state)
{
        (void)state;
        _cleanup_json_ struct json *s = json_new_string_len("a\0b", 3);
        assert_int_equal(s->type, JSON_STRING);
        assert_int_equal(s->str.len, 3);
        assert_memory_equal(s->str.s, "a\0b", 4);
        gen_is(s, 0, "\"a\\u0000b\"");
}

static void test_order_and_replace(void **state)
{
        (void)state;
        _cleanup_json_ struct json *o = json_new_object();
        json_object_set_int(o, "z", 1);
        json_object_set_int(o, "a", 2);
        json_object_set_int(o, "m", 3);
        gen_is(o, 0, "{\"z\":1,\"a\":2,\"m\":3}");

        /* Replacing keeps the key where it was. */
        json_object_set(o, "a", json_new_string("two"));
        gen_is(o, 0, "{\"z\":1,\"a\":\"two\",\"m\":3}");
        assert_int_equal(o->obj.len, 3);

        assert_true(json_object_remove(o, "z"));
        assert_false(json_object_remove(o, "z"));
        assert_false(json_object_remove(NULL, "z"));
        gen_is(o, 0, "{\"a\":\"two\",\"m\":3}");
        json_object_set_int(o, "z", 9);
        gen_is(o, 0, "{\"a\":\"two\",\"m\":3,\"z\":9}");

        _cleanup_json_ struct json *arr = json_new_array();
        for (int i = 0; i < 100; i++)
                json_array_append(arr, json_new_int(i));
        json_array_append(arr, NULL);
        assert_int_equal(arr->arr.len, 101);
        assert_int_equal(arr->arr.items[57]->i, 57);
        assert_int_equal(arr->arr.items[100]->type, JSON_NULL);

        /* Parsed documents keep their order, too. */
        _cleanup_json_ struct json *p = parse_ok("{\"b\":1,\"c\":2,\"a\":3}");
        gen_is(p, 0, "{\"b\":1,\"c\":2,\"a\":3}");
}

static void test_duplicate_keys(void **state)
{
        (void)state;
        /* Like Go: the last value wins, at the first key's position. */
        _cleanup_json_ struct json *j = parse_ok("{\"a\":1,\"b\":2,\"a\":3,\"c\":4,\"a\":5}");
        gen_is(j, 0, "{\"a\":5,\"b\":2,\"c\":4}");

        /* The same for an object big enough to take the sorting path. */
        struct sbuf b = {0};
        sbuf_append(&b, "{");
        for (int i = 0; i < 40; i++)
                sbuf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i % 20, i);
        sbuf_append(&b, "}");
        _cleanup_json_ struct json *big = parse_ok(b.buf);
        sbuf_done(&b);
        assert_int_equal(big->obj.len, 20);
        for (int i = 0; i < 20; i++) {
                char key[8];
                snprintf(key, sizeof(key), "k%d", i);
                assert_string_equal(big->obj.keys[i], key);
                assert_int_equal(big->obj.vals[i]->i, i + 20);
        }
}

static void test_get_path(void **state)
{
        (void)state;
        _cleanup_json_ struct json *j =
                parse_ok("{\"engine\":{\"runtime\":\"crun\",\"x\":{\"y\":[1]}},\"e\":1}");
        assert_string_equal(json_get_path(j, "engine.runtime")->str.s, "crun");
        assert_int_equal(json_get_path(j, "engine.x.y")->type, JSON_ARRAY);
        assert_ptr_equal(json_get_path(j, "engine"), json_object_get(j, "engine"));
        assert_ptr_equal(json_get_path(j, ""), j);
        assert_null(json_get_path(j, "engine.runtime.more"));
        assert_null(json_get_path(j, "engine.nope"));
        assert_null(json_get_path(j, "eng"));
        assert_null(json_get_path(j, "e.x"));
        assert_null(json_get_path(NULL, "e"));
}

static void test_copy_equal(void **state)
{
        (void)state;
        _cleanup_json_ struct json *j =
                parse_ok("{\"a\":[1,2.5,\"x\",null,true,{\"b\":{}}],\"c\":\"a\\u0000b\",\"d\":-7}");
        _cleanup_json_ struct json *c = json_copy(j);
        assert_ptr_not_equal(c, j);
        assert_true(json_equal(j, c));

        /* Key order does not matter for equality. */
        _cleanup_json_ struct json *x = parse_ok("{\"a\":1,\"b\":[true]}");
        _cleanup_json_ struct json *y = parse_ok("{\"b\":[true],\"a\":1}");
        assert_true(json_equal(x, y));
        _cleanup_json_ struct json *z = parse_ok("{\"b\":[false],\"a\":1}");
        assert_false(json_equal(x, z));
        _cleanup_json_ struct json *w = parse_ok("{\"b\":[true],\"c\":1}");
        assert_false(json_equal(x, w));

        /* Numbers compare by value across int and double. */
        _cleanup_json_ struct json *i3 = json_new_int(3);
        _cleanup_json_ struct json *d3 = json_new_double(3.0);
        _cleanup_json_ struct json *d35 = json_new_double(3.5);
        _cleanup_json_ struct json *huge = json_new_double(1e300);
        assert_true(json_equal(i3, d3));
        assert_true(json_equal(d3, i3));
        assert_false(json_equal(i3, d35));
        assert_false(json_equal(i3, huge));

        _cleanup_json_ struct json *s1 = json_new_string_len("a\0b", 3);
        _cleanup_json_ struct json *s2 = json_new_string_len("a\0c", 3);
        _cleanup_json_ struct json *s3 = json_new_string("a");
        assert_false(json_equal(s1, s2));
        assert_false(json_equal(s1, s3));
        assert_false(json_equal(s1, NULL));
        assert_true(json_equal(NULL, NULL));
}

static void test_type_names(void **state)
{
        (void)state;
        assert_string_equal(json_type_to_string(JSON_NULL), "null");
        assert_string_equal(json_type_to_string(JSON_BOOL), "boolean");
        assert_string_equal(json_type_to_string(JSON_INT), "integer");
        assert_string_equal(json_type_to_string(JSON_DOUBLE), "number");
        assert_string_equal(json_type_to_string(JSON_STRING), "string");
        assert_string_equal(json_type_to_string(JSON_ARRAY), "array");
        assert_string_equal(json_type_to_string(JSON_OBJECT), "object");
        assert_string_equal(json_type_to_string((enum json_type)99), "invalid");
}

static void test_round_trips(void **state)
{
        (void)state;
        round_trip("null");
        round_trip("true");
        round_trip("0");
        round_trip("-12");
        round_trip("\"\"");
        round_trip("[]");
        round_trip("{}");
        round_trip("[[[]],{},{\"\":\"\"}]");
        round_trip("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\",\"-c\",\"echo hi\"],"
                   "\"env\":[\"PATH=/usr/bin\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\","
                   "\"readonly\":false},\"linux\":{\"uidMappings\":[{\"containerID\":0,"
                   "\"hostID\":100000,\"size\":65536}]}}");
        round_trip("\"tab\\there\\nnl \\\"q\\\" back\\\\slash /slash \\u0001\"");
        round_trip("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"");
        round_trip("[9223372036854775807,-9223372036854775808]");
}

static void test_numbers(void **state)
{
        (void)state;
        _cleanup_json_ struct json *j = parse_ok("[9223372036854775807,-9223372036854775808,"
                                                 "9223372036854775808,1.0,1e2,-0,0.5]");
        assert_int_equal(j->arr.items[0]->type, JSON_INT);
        assert_true(j->arr.items[0]->i == INT64_MAX);
        assert_int_equal(j->arr.items[1]->type, JSON_INT);
        assert_true(j->arr.items[1]->i == INT64_MIN);
        assert_int_equal(j->arr.items[2]->type, JSON_DOUBLE);
        assert_true(j->arr.items[2]->d == 9223372036854775808.0);
        assert_int_equal(j->arr.items[3]->type, JSON_DOUBLE);
        assert_int_equal(j->arr.items[4]->type, JSON_DOUBLE);
        assert_true(j->arr.items[4]->d == 100.0);
        assert_int_equal(j->arr.items[5]->type, JSON_DOUBLE);
        assert_true(signbit(j->arr.items[5]->d));
        assert_int_equal(j->arr.items[6]->type, JSON_DOUBLE);

        /* Huge integers become doubles; so do tiny fractions (underflow to 0). */
        _cleanup_json_ struct json *big = parse_ok("123456789012345678901234567890");
        assert_int_equal(big->type, JSON_DOUBLE);
        _cleanup_json_ struct json *tiny = parse_ok("1e-400");
        assert_int_equal(tiny->type, JSON_DOUBLE);
}

/* Integers above INT64_MAX up to 2^64-1 (RLIM_INFINITY in an OCI config)
 * must survive exactly: Go's uint64 refuses 1.8446744073709552e19. */
static void test_uint64(void **state)
{
        (void)state;
        round_trip("[18446744073709551615,9223372036854775808,18446744073709551614]");
        round_trip("{\"hard\":18446744073709551615,\"soft\":0}");

        _cleanup_json_ struct json *j =
                parse_ok("[18446744073709551615,9223372036854775808,9223372036854775807,"
                         "18446744073709551616,-9223372036854775809,1.5,-1,18446744073709551615.0,"
                         "1e19,-0]");
        uint64_t u = 0;
        assert_true(json_get_uint(j->arr.items[0], &u));
        assert_true(u == UINT64_MAX);
        /* Readers that know only int64 and double still see a double. */
        assert_int_equal(j->arr.items[0]->type, JSON_DOUBLE);
        assert_true(j->arr.items[0]->d == 18446744073709551616.0);
        assert_true(json_get_uint(j->arr.items[1], &u));
        assert_true(u == 9223372036854775808ULL);
        assert_true(json_get_uint(j->arr.items[2], &u));
        assert_true(u == INT64_MAX);
        assert_int_equal(j->arr.items[2]->type, JSON_INT);
        /* Past 2^64, negative, fractional or written as a float: no uint. */
        for (size_t i = 3; i < j->arr.len; i++) {
                u = 42;
                assert_false(json_get_uint(j->arr.items[i], &u));
                assert_true(u == 42);
        }
        assert_int_equal(j->arr.items[3]->type, JSON_DOUBLE);
        assert_int_equal(j->arr.items[4]->type, JSON_DOUBLE);
        assert_false(json_get_uint(NULL, &u));

        /* Built values: small ones are plain integers. */
        _cleanup_json_ struct json *o = json_new_object();
        json_object_set_uint(o, "max", UINT64_MAX);
        json_object_set_uint(o, "small", 7);
        json_object_set_uint(o, "edge", (uint64_t)INT64_MAX + 1);
        assert_int_equal(json_object_get(o, "small")->type, JSON_INT);
        assert_true(json_object_get_uint(o, "max", 0) == UINT64_MAX);
        assert_true(json_object_get_uint(o, "small", 0) == 7);
        assert_true(json_object_get_uint(o, "missing", 9) == 9);
        gen_is(o, 0, "{\"max\":18446744073709551615,\"small\":7,\"edge\":9223372036854775808}");
        gen_is(o, JSON_GEN_PRETTY,
               "{\n  \"max\": 18446744073709551615,\n  \"small\": 7,\n"
               "  \"edge\": 9223372036854775808\n}");

        /* Copies keep the exact value; equality tells neighbours apart,
         * which their doubles cannot. */
        _cleanup_json_ struct json *c = json_copy(o);
        assert_true(json_equal(o, c));
        assert_true(json_object_get_uint(c, "max", 0) == UINT64_MAX);
        _cleanup_json_ struct json *m1 = json_new_uint(UINT64_MAX - 1);
        _cleanup_json_ struct json *m = json_new_uint(UINT64_MAX);
        _cleanup_json_ struct json *mi = json_new_int(INT64_MAX);
        _cleanup_json_ struct json *p63 = json_new_uint((uint64_t)INT64_MAX + 1);
        _cleanup_json_ struct json *d63 = json_new_double(9223372036854775808.0);
        assert_false(json_equal(m, m1));
        assert_true(json_equal(m, json_object_get(o, "max")));
        assert_false(json_equal(mi, p63));
        assert_false(json_equal(p63, mi));
        assert_true(json_equal(p63, d63));
        _cleanup_free_ char *out = json_generate(m1, 0);
        assert_string_equal(out, "18446744073709551614");

        /* A plain double that prints as an integer reads back equal. */
        _cleanup_json_ struct json *d19 = json_new_double(1e19);
        _cleanup_free_ char *t = json_generate(d19, 0);
        assert_string_equal(t, "10000000000000000000");
        _cleanup_json_ struct json *back = parse_ok(t);
        assert_true(json_equal(d19, back));
}

static void test_double_format(void **state)
{
        (void)state;
        static const struct {
                double d;
                const char *want;
        } cases[] = {
                {1.5, "1.5"},
                {0.1, "0.1"},
                {100.0, "100"},
                {-0.0, "-0"},
                {0.0, "0"},
                {1e20, "100000000000000000000"},
                {1e21, "1e+21"},
                {1.25e300, "1.25e+300"},
                {1e-6, "0.000001"},
                {1e-7, "1e-7"},
                {1.5e-10, "1.5e-10"},
                {123456789.125, "123456789.125"},
                {3.0000000000000004, "3.0000000000000004"},
                {1.0 / 3.0, "0.3333333333333333"},
                {-2.5e-5, "-0.000025"},
                {9223372036854775808.0, "9223372036854776000"},
                {5e-324, "5e-324"},
                {1.7976931348623157e308, "1.7976931348623157e+308"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_json_ struct json *d = json_new_double(cases[i].d);
                gen_is(d, 0, cases[i].want);
                /* ... and each reads back as the same value. */
                _cleanup_json_ struct json *back = parse_ok(cases[i].want);
                assert_true(json_equal(d, back));
        }
        /* No NaN or infinity in JSON. */
        _cleanup_json_ struct json *a = json_new_array();
        json_array_append(a, json_new_double(NAN));
        json_array_append(a, json_new_double(INFINITY));
        gen_is(a, 0, "[null,null]");
}

static void test_nul_in_strings(void **state)
{
        (void)state;
        _cleanup_json_ struct json *j = parse_ok("{\"k\":\"a\\u0000b\\u0000\"}");
        const struct json *v = json_object_get(j, "k");
        assert_int_equal(v->str.len, 4);
        assert_memory_equal(v->str.s, "a\0b\0", 5);
        gen_is(j, 0, "{\"k\":\"a\\u0000b\\u0000\"}");

        /* A key cannot hold NUL: it would alias a shorter key. */
        PARSE_FAILS("{\"a\\u0000b\":1}", "invalid JSON at line 1, column ");
        struct err e = {0};
        struct json *bad = NULL;
        const char doc[] = "{\"a\\u0000b\":1}";
        assert_int_equal(json_parse(doc, sizeof(doc) - 1, &bad, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "NUL"));
        err_done(&e);
}

static void test_escape_html(void **state)
{
        (void)state;
        _cleanup_json_ struct json *j =
                parse_ok("{\"a<b>\":\"x && y <script>\",\"u\":\"\xe2\x80\xa8"
                         "\xe2\x80\xa9\"}");
        gen_is(j, JSON_GEN_ESCAPE_HTML,
               "{\"a\\u003cb\\u003e\":\"x \\u0026\\u0026 y \\u003cscript\\u003e\","
               "\"u\":\"\\u2028\\u2029\"}");
        /* Without the flag only the line separators are escaped, as Go does. */
        gen_is(j, 0, "{\"a<b>\":\"x && y <script>\",\"u\":\"\\u2028\\u2029\"}");
        gen_is(j, JSON_GEN_ESCAPE_HTML | JSON_GEN_PRETTY,
               "{\n  \"a\\u003cb\\u003e\": \"x \\u0026\\u0026 y \\u003cscript\\u003e\",\n"
               "  \"u\": \"\\u2028\\u2029\"\n}");
}

static void test_pretty(void **state)
{
        (void)state;
        _cleanup_json_ struct json *j = parse_ok(
                "{\"Id\":\"abc\",\"Args\":[\"sh\",\"-c\"],\"Empty\":[],\"Obj\":{},\"Nested\":{"
                "\"A\":[{\"B\":null}],\"C\":1.5}}");
        gen_is(j, JSON_GEN_PRETTY,
               "{\n"
               "  \"Id\": \"abc\",\n"
               "  \"Args\": [\n"
               "    \"sh\",\n"
               "    \"-c\"\n"
               "  ],\n"
               "  \"Empty\": [],\n"
               "  \"Obj\": {},\n"
               "  \"Nested\": {\n"
               "    \"A\": [\n"
               "      {\n"
               "        \"B\": null\n"
               "      }\n"
               "    ],\n"
               "    \"C\": 1.5\n"
               "  }\n"
               "}");
        gen_is(j, JSON_GEN_PRETTY | JSON_GEN_INDENT4 | JSON_GEN_NEWLINE,
               "{\n"
               "    \"Id\": \"abc\",\n"
               "    \"Args\": [\n"
               "        \"sh\",\n"
               "        \"-c\"\n"
               "    ],\n"
               "    \"Empty\": [],\n"
               "    \"Obj\": {},\n"
               "    \"Nested\": {\n"
               "        \"A\": [\n"
               "            {\n"
               "                \"B\": null\n"
               "            }\n"
               "        ],\n"
               "        \"C\": 1.5\n"
               "    }\n"
               "}\n");
        gen_is(j, JSON_GEN_NEWLINE,
               "{\"Id\":\"abc\",\"Args\":[\"sh\",\"-c\"],\"Empty\":[],\"Obj\":{},\"Nested\":{"
               "\"A\":[{\"B\":null}],\"C\":1.5}}\n");

        _cleanup_json_ struct json *ea = json_new_array();
        gen_is(ea, JSON_GEN_PRETTY, "[]");
        gen_is(ea, JSON_GEN_PRETTY | JSON_GEN_NEWLINE, "[]\n");
        _cleanup_json_ struct json *eo = json_new_object();
        gen_is(eo, JSON_GEN_PRETTY, "{}");
        _cleanup_json_ struct json *s = json_new_string("x");
        gen_is(s, JSON_GEN_PRETTY | JSON_GEN_NEWLINE, "\"x\"\n");
        gen_is(NULL, 0, "null");
}

static void test_invalid_utf8_generation(void **state)
{
        (void)state;
        /* Built strings may hold anything; output stays valid JSON. */
        _cleanup_json_ struct json *o = json_new_object();
        json_object_set(o, "k\xff", json_new_string("a\xc3(b\xed\xa0\x80z\xf0\x9f\x90"));
        gen_is(o, 0,
               "{\"k\xef\xbf\xbd\":\"a\xef\xbf\xbd(b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz"
               "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}");
        _cleanup_free_ char *out = json_generate(o, 0);
        _cleanup_json_ struct json *back = parse_ok(out);
        assert_non_null(back);
}

static void test_depth_limit(void **state)
{
        (void)state;
        struct sbuf ok = {0};
        for (int i = 0; i < JSON_MAX_DEPTH; i++)
                sbuf_append(&ok, i % 2 ? "{\"k\":" : "[");
        sbuf_append(&ok, "1");
        for (int i = JSON_MAX_DEPTH - 1; i >= 0; i--)
                sbuf_append(&ok, i % 2 ? "}" : "]");
        _cleanup_json_ struct json *j = parse_ok(ok.buf);
        _cleanup_free_ char *out = json_generate(j, 0);
        assert_string_equal(out, ok.buf);
        sbuf_done(&ok);

        /* Pretty output past yajl_gen's own depth limit keeps its indentation. */
        struct sbuf arr = {0}, want = {0};
        for (int i = 0; i < JSON_MAX_DEPTH; i++)
                sbuf_append(&arr, "[");
        sbuf_append(&arr, "true");
        for (int i = 0; i < JSON_MAX_DEPTH; i++)
                sbuf_append(&arr, "]");
        for (int i = 0; i < JSON_MAX_DEPTH; i++)
                sbuf_printf(&want, "%*s[\n", 2 * i, "");
        sbuf_printf(&want, "%*strue\n", 2 * JSON_MAX_DEPTH, "");
        for (int i = JSON_MAX_DEPTH - 1; i >= 0; i--)
                sbuf_printf(&want, "%*s]%s", 2 * i, "", i ? "\n" : "");
        _cleanup_json_ struct json *deeparr = parse_ok(arr.buf);
        _cleanup_free_ char *pretty = json_generate(deeparr, JSON_GEN_PRETTY);
        assert_string_equal(pretty, want.buf);
        _cleanup_json_ struct json *back = parse_ok(pretty);
        assert_true(json_equal(back, deeparr));
        sbuf_done(&arr);
        sbuf_done(&want);

        struct sbuf deep = {0};
        for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
                sbuf_append(&deep, "[");
        for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
                sbuf_append(&deep, "]");
        parse_fails(deep.buf, deep.len, "invalid JSON at line 1, column 257: nesting too deep");
        sbuf_done(&deep);

        /* Far deeper, unterminated: still a clean error. */
        struct sbuf huge = {0};
        for (int i = 0; i < 100000; i++)
                sbuf_append(&huge, "[{\"a\":");
        parse_fails(huge.buf, huge.len, "invalid JSON at line 1, column ");
        sbuf_done(&huge);
}

static void test_malformed(void **state)
{
        (void)state;
        PARSE_FAILS("", "invalid JSON at line 1, column 1: ");
        PARSE_FAILS("  \n \n", "invalid JSON at line 3, column 1: ");
        /* truncated */
        PARSE_FAILS("{\"a\": [1, 2", "invalid JSON at line 1, column 12: ");
        PARSE_FAILS("{\"a\":\n \"unterminated", "invalid JSON at line 2, column 15: ");
        PARSE_FAILS("[tru", "invalid JSON at line 1, column ");
        /* bad escapes */
        PARSE_FAILS("\"\\x\"", "invalid JSON at line 1, column 2: ");
        PARSE_FAILS("\"\\u12g4\"", "invalid JSON at line 1, column ");
        /* trailing garbage */
        PARSE_FAILS("{} x", "invalid JSON at line 1, column 4: parse error: trailing garbage");
        PARSE_FAILS("{}\n\n   {}", "invalid JSON at line 3, column 4: ");
        PARSE_FAILS("[1]]", "invalid JSON at line 1, column 4: ");
        /* invalid UTF-8, raw control characters */
        PARSE_FAILS("[\"ok\",\n\"\xff\"]", "invalid JSON at line 2, column 2: ");
        PARSE_FAILS("\"\xc0\xaf\"", "invalid JSON at line 1, column ");
        PARSE_FAILS("\"\xed\xa0\x80\"", "invalid JSON at line 1, column ");
        PARSE_FAILS("{\"\xc0\xaf\":1}", "invalid JSON at line 1, column ");
        PARSE_FAILS("[\"a\x01\"]", "invalid JSON at line 1, column ");
        parse_fails("[\"a\0\"]", 6, "invalid JSON at line 1, column ");
        parse_fails("[1]\0", 4, "invalid JSON at line 1, column 4: ");
        /* columns count characters, not bytes */
        PARSE_FAILS("[\"\xc3\xa9\", x]", "invalid JSON at line 1, column 7: ");
        /* huge numbers */
        PARSE_FAILS("1e999", "invalid JSON at line 1, column 1: number out of range");
        PARSE_FAILS("[1,\n  -1e999 ]", "invalid JSON at line 2, column 3: number out of range");
        PARSE_FAILS("{\"a\": 1.5e+400}", "invalid JSON at line 1, column 7: number out of range");
        PARSE_FAILS("[\n  -1e999", "invalid JSON at line 2, column 3: number out of range");
        PARSE_FAILS("-1e999", "invalid JSON at line 1, column 1: number out of range");
        /* structure */
        PARSE_FAILS("[1,]", "invalid JSON at line 1, column 4: ");
        PARSE_FAILS("{\"a\" 1}", "invalid JSON at line 1, column 6: ");
        PARSE_FAILS("{a:1}", "invalid JSON at line 1, column 2: ");
        PARSE_FAILS("[01]", "invalid JSON at line 1, column ");
        PARSE_FAILS("// comment\n1", "invalid JSON at line 1, column ");
        PARSE_FAILS("'single'", "invalid JSON at line 1, column 1: ");
}

/* Only the named top-level members are built; the rest is still checked. */
static void test_parse_only(void **state)
{
        (void)state;
        static const char *const keys[] = {"name", "labels", "cmd", NULL};
        const char *doc = "{\"skip\": {\"deep\": [1, {\"name\": \"inner\"}, [[]]]},"
                          " \"name\": \"n1\", \"big\": 1e999999, \"labels\": {\"a\": \"b\"},"
                          " \"arr\": [true, null, \"x\"], \"name\": \"n2\", \"cmd\": [\"sh\"]}";
        struct err e = {0};
        _cleanup_json_ struct json *j = NULL;
        assert_int_equal(json_parse_only(doc, strlen(doc), keys, &j, &e), 0);
        /* Duplicates: the last wins, as in json_parse; a number out of
         * range in a member not kept is not looked at. */
        gen_is(j, 0, "{\"name\":\"n2\",\"labels\":{\"a\":\"b\"},\"cmd\":[\"sh\"]}");
        /* NULL keeps everything: the same as json_parse. */
        const char *plain = "{\"a\": [1, {\"b\": null}], \"c\": 2}";
        _cleanup_json_ struct json *all = NULL, *ref = NULL;
        assert_int_equal(json_parse_only(plain, strlen(plain), NULL, &all, &e), 0);
        assert_int_equal(json_parse(plain, strlen(plain), &ref, &e), 0);
        assert_true(json_equal(all, ref));
        /* Another top-level value is kept whole. */
        _cleanup_json_ struct json *arr = NULL;
        assert_int_equal(json_parse_only("[{\"x\": 1}]", 10, keys, &arr, &e), 0);
        gen_is(arr, 0, "[{\"x\":1}]");
        /* What is not kept is still checked. */
        static const char *const bad[] = {
                "{\"skip\": [1, 2}", "{\"skip\": \"\xff\"}", "{\"skip\": {\"\xc3\": 1}}",
                "{\"skip\": [}", "{\"name\": \"a\", \"skip\": }",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct json *none = NULL;
                assert_int_equal(json_parse_only(bad[i], strlen(bad[i]), keys, &none, &e), -EINVAL);
                assert_true(str_has_prefix(e.msg, "invalid JSON at line 1"));
                err_done(&e);
                assert_null(none);
        }
        /* Nesting inside a member not kept counts toward the limit. */
        struct sbuf deep = {0};
        sbuf_append(&deep, "{\"skip\": ");
        for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
                sbuf_append(&deep, "[");
        for (int i = 0; i < JSON_MAX_DEPTH + 1; i++)
                sbuf_append(&deep, "]");
        sbuf_append(&deep, "}");
        struct json *none = NULL;
        assert_int_equal(json_parse_only(deep.buf, deep.len, keys, &none, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "nesting too deep"));
        err_done(&e);
        sbuf_done(&deep);
}

static void test_parse_file(void **state)
{
        (void)state;
        _cleanup_free_ char *dir = unit_tmpdir();
        _cleanup_free_ char *good = xasprintf("%s/good.json", dir);
        _cleanup_free_ char *bad = xasprintf("%s/bad.json", dir);
        FILE *f = fopen(good, "w");
        fputs("{\"a\": [1, 2]}\n", f);
        fclose(f);
        f = fopen(bad, "w");
        fputs("{\n  \"a\": }\n", f);
        fclose(f);

        struct err e = {0};
        _cleanup_json_ struct json *j = NULL;
        assert_int_equal(json_parse_file(AT_FDCWD, good, 0, &j, &e), 0);
        gen_is(j, 0, "{\"a\":[1,2]}");

        struct json *none = NULL;
        assert_int_equal(json_parse_file(AT_FDCWD, bad, 0, &none, &e), -EINVAL);
        _cleanup_free_ char *want =
                xasprintf("parse '%s': invalid JSON at line 2, column 8: ", bad);
        assert_true(str_has_prefix(e.msg, want));
        err_done(&e);

        assert_int_equal(json_parse_file(AT_FDCWD, good, 4, &none, &e), -EFBIG);
        err_done(&e);
        _cleanup_free_ char *missing = xasprintf("%s/missing.json", dir);
        assert_int_equal(json_parse_file(AT_FDCWD, missing, 0, &none, &e), -ENOENT);
        err_done(&e);
        assert_null(none);
        unit_rmtree(dir);
}

/* json_strv and json_sorted_copy: what callers get for odd input too. */
static void test_strv_and_sorted(void **state)
{
        (void)state;
        const char *text = "{\"b\":[\"x\",1,\"y\"],\"a\":{\"z\":1,\"m\":\"2\",\"a\":null}}";
        struct json *j = NULL;
        assert_int_equal(json_parse(text, strlen(text), &j, NULL), 0);
        char **v = json_strv(json_object_get(j, "b"));
        assert_non_null(v);
        assert_string_equal(v[0], "x");
        assert_string_equal(v[1], "y");
        assert_null(v[2]);
        strv_free(v);
        assert_null(json_strv(json_object_get(j, "a"))); /* not an array */
        assert_null(json_strv(NULL));
        struct json *s = json_sorted_copy(json_object_get(j, "a"));
        char *out = json_generate(s, 0);
        assert_string_equal(out, "{\"a\":null,\"m\":\"2\",\"z\":1}");
        free(out);
        json_free(s);
        s = json_sorted_copy(json_object_get(j, "b")); /* not an object: {} */
        out = json_generate(s, 0);
        assert_string_equal(out, "{}");
        free(out);
        json_free(s);
        json_free(j);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_constructors),
                cmocka_unit_test(test_string_len),
                cmocka_unit_test(test_order_and_replace),
                cmocka_unit_test(test_duplicate_keys),
                cmocka_unit_test(test_get_path),
                cmocka_unit_test(test_copy_equal),
                cmocka_unit_test(test_type_names),
                cmocka_unit_test(test_round_trips),
                cmocka_unit_test(test_numbers),
                cmocka_unit_test(test_uint64),
                cmocka_unit_test(test_double_format),
                cmocka_unit_test(test_nul_in_strings),
                cmocka_unit_test(test_escape_html),
                cmocka_unit_test(test_pretty),
                cmocka_unit_test(test_invalid_utf8_generation),
                cmocka_unit_test(test_depth_limit),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_parse_file),
                cmocka_unit_test(test_parse_only),
                cmocka_unit_test(test_strv_and_sorted),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
