/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --format templates and table alignment. Expected strings marked "podman"
 * were printed by podman 4.3.1 (`podman info/version --format ...`) on the
 * reference Debian 12 machine, with the data below mirroring its fields;
 * the others follow Go 1.19's text/template, fmt and text/tabwriter.
 */
#include "unit.h"

static struct json *parse_json(const char *s)
{
        struct json *j = NULL;
        struct err e = {0};
        if (json_parse(s, strlen(s), &j, &e) < 0)
                fail_msg("bad test JSON '%s': %s", s, e.msg);
        err_done(&e);
        return j;
}

/* Compile and run src over the JSON text data; returns the output. */
static char *render(const char *src, const char *data)
{
        _cleanup_json_ struct json *j = data ? parse_json(data) : NULL;
        _cleanup_(tmpl_freep) struct tmpl *t = NULL;
        _cleanup_err_ struct err e = {0};
        if (tmpl_compile(src, &t, &e) < 0)
                fail_msg("compile '%s': %s", src, e.msg);
        struct sbuf out = {0};
        if (tmpl_exec(t, j, &out, &e) < 0)
                fail_msg("exec '%s': %s", src, e.msg);
        return sbuf_steal(&out);
}

static void check_at(const char *src, const char *data, const char *want, int line)
{
        _cleanup_free_ char *got = render(src, data);
        if (!STREQ(got, want))
                fail_msg("line %d: template '%s'\n want '%s'\n got  '%s'", line, src, want, got);
}
#define CHECK(src, data, want) check_at((src), (data), (want), __LINE__)

/* The template must fail to compile or run, with a message containing want. */
static void fails_at(const char *src, const char *data, const char *want, int line)
{
        _cleanup_json_ struct json *j = data ? parse_json(data) : NULL;
        _cleanup_(tmpl_freep) struct tmpl *t = NULL;
        _cleanup_err_ struct err e = {0};
        struct sbuf out = {0};
        sbuf_append(&out, "kept");
        int r = tmpl_compile(src, &t, &e);
        if (r == 0) {
                r = tmpl_exec(t, j, &out, &e);
                if (r == 0)
                        fail_msg("line %d: '%s' gave '%s', want an error", line, src, out.buf);
                /* A failed run leaves the buffer as it was. */
                assert_string_equal(out.buf, "kept");
        } else {
                assert_null(t);
        }
        assert_int_equal(r, -EINVAL);
        assert_non_null(e.msg);
        if (!strstr(e.msg, want))
                fail_msg("line %d: '%s': want error containing '%s', got '%s'", line, src, want,
                         e.msg);
        sbuf_done(&out);
}
#define FAILS(src, data, want) fails_at((src), (data), (want), __LINE__)

static char *header(const char *src, const char *headers)
{
        _cleanup_json_ struct json *h = headers ? parse_json(headers) : NULL;
        _cleanup_(tmpl_freep) struct tmpl *t = NULL;
        _cleanup_err_ struct err e = {0};
        if (tmpl_compile(src, &t, &e) < 0)
                fail_msg("compile '%s': %s", src, e.msg);
        struct sbuf out = {0};
        if (tmpl_exec_header(t, h, &out, &e) < 0)
                fail_msg("header '%s': %s", src, e.msg);
        return sbuf_steal(&out);
}

static void header_is_at(const char *src, const char *headers, const char *want, int line)
{
        _cleanup_free_ char *got = header(src, headers);
        if (!STREQ(got, want))
                fail_msg("line %d: header of '%s'\n want '%s'\n got  '%s'", line, src, want, got);
}
#define HEADER_IS(src, headers, want) header_is_at((src), (headers), (want), __LINE__)

/* Feed the chunks to a tab writer; NULL ends the list. */
static void tabw_is_at(const char *want, int line, ...)
{
        _cleanup_(tabw_freep) struct tabw *w = tabw_new();
        va_list ap;
        va_start(ap, line);
        for (const char *s; (s = va_arg(ap, const char *));)
                tabw_write(w, s);
        va_end(ap);
        _cleanup_free_ char *got = tabw_flush(w);
        if (!STREQ(got, want))
                fail_msg("line %d: tabwriter\n want '%s'\n got  '%s'", line, want, got);
}
#define TABW_IS(want, ...) tabw_is_at((want), __LINE__, __VA_ARGS__, (const char *)NULL)

/* What `podman info` shows, under the Go field names templates use. */
static const char podman_info[] =
        "{\"Host\":{\"Arch\":\"amd64\",\"CPUs\":2,\"OS\":\"linux\","
        "\"Distribution\":{\"Distribution\":\"debian\",\"Version\":\"12\","
        "\"Codename\":\"bookworm\"},"
        "\"Security\":{\"Rootless\":false,\"SECCOMPEnabled\":true}},"
        "\"Store\":{\"GraphRoot\":\"/var/lib/containers/storage\","
        "\"ContainerStore\":{\"number\":0,\"paused\":0,\"running\":0,\"stopped\":0}},"
        "\"Plugins\":{\"Log\":[\"k8s-file\",\"none\",\"passthrough\",\"journald\"]}}";

static const char podman_version[] =
        "{\"Client\":{\"APIVersion\":\"4.3.1\",\"Version\":\"4.3.1\",\"GoVersion\":\"go1.19.8\","
        "\"Built\":0,\"OsArch\":\"linux/amd64\"}}";

static void test_podman_golden(void **state)
{
        (void)state;
        /* podman */
        CHECK("{{.Client.Version}}", podman_version, "4.3.1");
        CHECK("{{.Store.GraphRoot}}", podman_info, "/var/lib/containers/storage");
        CHECK("{{range .Plugins.Log}}{{.}} {{end}}", podman_info,
              "k8s-file none passthrough journald ");
        CHECK("{{json .Plugins.Log}}", podman_info,
              "[\"k8s-file\",\"none\",\"passthrough\",\"journald\"]");
        CHECK("{{.Host.Distribution.Distribution}}-{{.Host.Distribution.Version}}", podman_info,
              "debian-12");
        CHECK("{{len .Plugins.Log}} {{index .Plugins.Log 1}} {{join .Plugins.Log \",\"}}",
              podman_info, "4 none k8s-file,none,passthrough,journald");
        CHECK("{{upper .Host.OS}} {{title .Host.Distribution.Codename}}", podman_info,
              "LINUX Bookworm");
        CHECK("{{if .Host.Security.Rootless}}rootless{{else}}rootful{{end}}", podman_info,
              "rootful");
        CHECK("{{.Plugins.Log}}", podman_info, "[k8s-file none passthrough journald]");
        CHECK("{{range $i, $l := .Plugins.Log}}{{if $i}},{{end}}{{$l}}{{end}}", podman_info,
              "k8s-file,none,passthrough,journald");
        CHECK("{{printf \"%-10s|%5d|%v\" .Host.OS .Host.CPUs .Host.Security.SECCOMPEnabled}}",
              podman_info, "linux     |    2|true");
        CHECK("{{.Host.CPUs | printf \"%03d\"}}", podman_info, "002");
        CHECK("{{truncate .Store.GraphRoot 8}}", podman_info, "/var/lib");
        CHECK("{{with .Host.Distribution}}{{.Codename}}{{end}}", podman_info, "bookworm");
        CHECK("{{.Store.ContainerStore.number}}", podman_info, "0");
        CHECK("{{json .Store.ContainerStore}}", podman_info,
              "{\"number\":0,\"paused\":0,\"running\":0,\"stopped\":0}");
        CHECK("{{ .Host.OS -}}  \\n  {{- .Host.Arch }}", podman_info, "linuxamd64");
        CHECK("{{.Client.Version}}\\t|\\n|", podman_version, "4.3.1\t|\n|");
        CHECK("{{printf \"a\\tb\\n\"}}X", podman_version, "a\tb\nX");
        CHECK("x\\\\ty", podman_version, "x\\\ty");
        CHECK("{{json \"<a&b>\"}}", podman_version, "\"<a&b>\"");
        CHECK("{{printf \"%v %q\" .Client.Built \"a\"}}", podman_version, "0 \"a\"");
        CHECK("{{/* c */}}a  {{- \" b\" -}}  c", podman_version, "a bc");
        CHECK("{{title \"hello world\"}}", NULL, "Hello World");
        CHECK("{{pad \"ab\" 1 1}}", NULL, " ab ");
        CHECK("{{split \"a,b\" \",\"}}", NULL, "[a b]");
        CHECK("{{truncate \"abcdef\" 3}}", NULL, "abc");
        CHECK("{{join (split \"a,b\" \",\") \"-\"}}", NULL, "a-b");
        CHECK("{{len \"héllo\"}}", NULL, "6");
        CHECK("{{ .Client.Version | upper }} x", podman_version, "4.3.1 x");
}

static void test_fields_and_printing(void **state)
{
        (void)state;
        const char *d = "{\"A\":{\"B\":{\"C\":\"deep\"}},\"N\":null,\"I\":-42,\"F\":2.5,"
                        "\"T\":true,\"S\":\"str\",\"E\":\"\",\"L\":[1,\"a\",null,true,[2]],"
                        "\"O\":{\"z\":1,\"a\":\"x y\",\"m\":[1.5]}}";
        CHECK("plain text", d, "plain text");
        CHECK("", d, "");
        CHECK("{{.A.B.C}}", d, "deep");
        CHECK("{{.A.B}}", d, "map[C:deep]");
        CHECK("{{.Missing}}|{{.A.Missing}}|{{.A.Missing.Deeper}}", d,
              "<no value>|<no value>|<no value>");
        /* podman's Go field names reach berth's JSON keys. */
        const char *info = "{\"store\":{\"graphRoot\":\"/g\"},\"host\":{\"ociRuntime\":"
                           "{\"name\":\"crun\"},\"idMappings\":{\"uidmap\":[{\"container_id\":0,"
                           "\"host_id\":1001}]}},\"graphroot\":\"exact\"}";
        CHECK("{{.Store.GraphRoot}} {{.Host.OCIRuntime.Name}}", info, "/g crun");
        CHECK("{{range .Host.IDMappings.UIDMap}}{{.ContainerID}}:{{.HostID}}{{end}}", info,
              "0:1001");
        CHECK("{{.graphroot}} {{.GraphRoot}}", info, "exact exact");
        CHECK("{{.Store.GraphRoots}}", info, "<no value>");
        CHECK("{{.N}}|{{.N.X}}", d, "<no value>|<no value>");
        CHECK("{{.I}} {{.F}} {{.T}} {{.S}} [{{.E}}]", d, "-42 2.5 true str []");
        CHECK("{{.L}}", d, "[1 a <nil> true [2]]");
        CHECK("{{.O}}", d, "map[a:x y m:[1.5] z:1]");
        CHECK("{{.}}", "[1,2]", "[1 2]");
        CHECK("{{.}}", "\"top\"", "top");
        CHECK("{{.}}", NULL, "<no value>");
        CHECK("{{$.S}} {{$}}", "{\"S\":\"s\"}", "s map[S:s]");
        /* Go's %v of float64 */
        CHECK("{{.a}} {{.b}} {{.c}} {{.d}} {{.e}} {{.f}} {{.g}} {{.h}}",
              "{\"a\":1.0,\"b\":1e100,\"c\":-0.0,\"d\":123456.0,\"e\":1234567.0,"
              "\"f\":0.0001,\"g\":0.00001,\"h\":1e6}",
              "1 1e+100 -0 123456 1.234567e+06 0.0001 1e-05 1e+06");
        CHECK("{{.}}", "9223372036854775807", "9223372036854775807");
        CHECK("{{.}}", "1.5e-7", "1.5e-07");
        /* literals */
        /* (\n becomes a newline before parsing, even in a raw string, as in podman) */
        CHECK("{{\"q\\tu\\u00e9\\x41\\101\"}} {{`raw\\n`}} {{'a'}} {{0x1F}} {{1e3}} {{-5}}", NULL,
              "q\tuéAA raw\n 97 31 1000 -5");
        CHECK("{{+3}} {{1_000}} {{0o17}} {{0b101}} {{017}} {{.5}} {{1.}} {{true}} {{false}}", NULL,
              "3 1000 15 5 15 0.5 1 true false");
        CHECK("{{'\\n'}} {{'é'}} {{1.0}} {{3.0e2}} {{2.5e-10}}", NULL, "10 233 1 300 2.5e-10");
        /* chains on parenthesised pipelines and variables */
        CHECK("{{(index .L 4)}} {{(.A).B.C}} {{$x := .A}}{{$x.B.C}}", d, "[2] deep deep");
        /* a field on a scalar is an error, as in Go */
        FAILS("{{.S.X}}", d, "can't evaluate field X in type string");
        FAILS("{{.L.X}}", d, "can't evaluate field X in type []interface {}");
        FAILS("{{.S 1}}", d, "S is not a method but has arguments");
}

static void test_trim_comments_escapes(void **state)
{
        (void)state;
        CHECK("a  {{- \"b\" -}}  \n c", NULL, "abc");
        CHECK("a {{- /* x */ -}} b", NULL, "ab");
        CHECK("a {{/* multi\nline */}} b", NULL, "a  b");
        CHECK("{{-3}} {{- 3 -}} !", NULL, "-33!");
        CHECK("x\n\t{{- .}}", "1", "x1");
        CHECK("{{.}}\\n\\t.", "1", "1\n\t.");
        /* "\n" inside a quoted string: the escaped parse fails, the raw one works */
        CHECK("{{printf \"a\\nb\"}}", NULL, "a\nb");
        CHECK("{{ . }}{{\t.\t}}{{\n.\n}}", "7", "777");
        CHECK("{{if\n.}}y{{end}}", "1", "y");
}

static void test_control(void **state)
{
        (void)state;
        const char *d = "{\"L\":[3,1,2],\"E\":[],\"O\":{\"b\":1,\"a\":2,\"C\":3},"
                        "\"Arr\":[{\"Name\":\"x\",\"V\":1},{\"Name\":\"y\",\"V\":2}],"
                        "\"S\":\"s\",\"Z\":0,\"F\":0.0,\"EO\":{},\"T\":true}";
        CHECK("{{range .L}}{{.}},{{end}}", d, "3,1,2,");
        CHECK("{{range $i, $e := .L}}{{$i}}={{$e}} {{end}}", d, "0=3 1=1 2=2 ");
        CHECK("{{range $e := .L}}{{$e}}{{end}}", d, "312");
        /* objects iterate in sorted key order, like Go maps */
        CHECK("{{range $k, $v := .O}}{{$k}}={{$v}};{{end}}", d, "C=3;a=2;b=1;");
        CHECK("{{range .O}}{{.}}{{end}}", d, "321");
        CHECK("{{range .E}}x{{else}}empty{{end}}|{{range .Missing}}x{{else}}nil{{end}}", d,
              "empty|nil");
        CHECK("{{range .Arr}}{{.Name}}={{.V}}/{{$.S}} {{end}}", d, "x=1/s y=2/s ");
        CHECK("{{range .L}}{{if eq . 1}}{{continue}}{{end}}{{.}}{{end}}", d, "32");
        CHECK("{{range .L}}{{if eq . 1}}{{break}}{{end}}{{.}}{{end}}", d, "3");
        CHECK("{{range .L}}{{range $.L}}{{if eq . 1}}{{break}}{{end}}x{{end}}{{end}}", d, "xxx");
        CHECK("{{if .T}}y{{else}}n{{end}}", d, "y");
        CHECK("{{if .S}}a{{end}}{{if .Z}}b{{end}}{{if .F}}c{{end}}{{if .E}}d{{end}}"
              "{{if .EO}}e{{end}}{{if .O}}f{{end}}{{if .Missing}}g{{end}}",
              d, "af");
        CHECK("{{if .Z}}z{{else if .E}}e{{else if .S}}s{{else}}none{{end}}", d, "s");
        CHECK("{{if .Z}}z{{else if .E}}e{{else}}none{{end}}", d, "none");
        CHECK("{{with .Arr}}{{len .}}{{end}}|{{with .Missing}}x{{else}}no{{end}}", d, "2|no");
        CHECK("{{with $x := .S}}{{$x}}{{.}}{{end}}", d, "ss");
        CHECK("{{if $x := .S}}{{$x}}{{end}}", d, "s");
        /* variables: declare, assign, scope per iteration, assign from a loop */
        CHECK("{{$x := .S}}{{$x}}{{$x = \"re\"}}{{$x}}", d, "sre");
        CHECK("{{$n := 0}}{{range .L}}{{$n = .}}{{end}}{{$n}}", d, "2");
        CHECK("{{$s := \"\"}}{{range .L}}{{$s = printf \"%s%d\" $s .}}{{end}}{{$s}}", d, "312");
        CHECK("{{$x := upper \"a\"}}{{$y := $x}}{{if 1}}{{$x = \"b\"}}{{end}}{{$y}}{{$x}}", d,
              "Ab");
        CHECK("{{$l := split \"a b\" \" \"}}{{range $l}}{{$l = split \"c d e\" \" \"}}{{.}}"
              "{{end}}{{$l}}",
              d, "ab[c d e]");
        CHECK("{{print ($z := upper \"q\")}}{{$z}}", d, "QQ");
        CHECK("{{range .L}}{{$v := .}}{{end}}ok", d, "ok");
}

static void test_functions(void **state)
{
        (void)state;
        const char *d = "{\"ID\":\"abc123def456\",\"Names\":[\"web\",\"db\"],\"Size\":1234567,"
                        "\"Labels\":{\"z\":\"1\",\"a\":\"2\"},\"U\":\"héllo wörld\","
                        "\"Mixed\":[1,\"a\",null,{\"k\":2.5}],\"Html\":\"<a&b>\",\"E\":\"\","
                        "\"Nest\":{\"A\":{\"B\":\"c\"}},\"N\":null}";
        /* json: compact, object key order kept, no HTML escaping (podman) */
        CHECK("{{json .}}", "{\"b\":1,\"a\":[1.5,\"<x>\",null,true]}",
              "{\"b\":1,\"a\":[1.5,\"<x>\",null,true]}");
        CHECK("{{json .ID}} {{json .Size}} {{json .N}} {{json .Missing}}", d,
              "\"abc123def456\" 1234567 null null");
        /* index */
        CHECK("{{index .Names 1}} {{index .Labels \"a\"}} {{index .Labels \"no\"}}", d,
              "db 2 <no value>");
        CHECK("{{index .Nest \"A\" \"B\"}} {{index .ID 0}} {{index . \"Names\" 0}}", d, "c 97 web");
        FAILS("{{index .Names 2}}", d, "error calling index: index out of range: 2");
        FAILS("{{index .Names -1}}", d, "index out of range: -1");
        FAILS("{{index .Names \"x\"}}", d, "cannot index slice/array with type string");
        FAILS("{{index .Labels 1}}", d, "value has type int; should be string");
        FAILS("{{index .N 1}}", d, "index of untyped nil");
        FAILS("{{index .Size 1}}", d, "can't index item of type int");
        /* slice */
        CHECK("{{slice .ID 3}} {{slice .ID 1 4}} {{slice .Names 1}} {{slice .Names 0 1 2}}", d,
              "123def456 bc1 [db] [web]");
        FAILS("{{slice .Names 3}}", d, "index out of range: 3");
        /* len */
        CHECK("{{len .ID}} {{len .Names}} {{len .Labels}} {{len .U}}", d, "12 2 2 13");
        FAILS("{{len .Size}}", d, "len of type int");
        /* strings */
        CHECK("{{upper .U}} {{lower \"ÀÉÎ ABC\"}} {{title .U}}", d,
              "HÉLLO WÖRLD àéî abc Héllo Wörld");
        CHECK("{{title \"hello wORLD foo_bar x-y\"}}", d, "Hello WORLD Foo_bar X-Y");
        CHECK("{{truncate .ID 5}} {{truncate .ID 100}} {{truncate .U 3}}", d,
              "abc12 abc123def456 hél");
        CHECK("{{join .Names \", \"}} {{join (split \"a:b:c\" \":\") \"+\"}}", d, "web, db a+b+c");
        CHECK("{{split \"a,b,,c\" \",\"}} {{split \"\" \",\"}} {{split \"hé\" \"\"}}", d,
              "[a b  c] [] [h é]");
        CHECK("{{len (split \"\" \",\")}} {{len (split \"\" \"\")}}", d, "1 0");
        CHECK("[{{pad .ID 2 3}}] [{{pad .E 2 3}}]", d, "[  abc123def456   ] []");
        CHECK("{{contains .ID \"123\"}} {{contains .ID \"zz\"}} {{contains .ID \"\"}}", d,
              "true false true");
        CHECK("{{replace .ID \"1\" \"one\"}} {{replace \"abc\" \"\" \"-\"}}", d,
              "abcone23def456 -a-b-c-");
        CHECK("{{html .Html}} {{html \"'\\\"\" 1 .N}} {{urlquery .Html \"a b\"}}", d,
              "&lt;a&amp;b&gt; &#39;&#34;1&lt;no value&gt; %3Ca%26b%3Ea+b");
        /* Sprint puts spaces only between two operands that are not strings */
        CHECK("{{print .ID .Size 1 \"x\" .N 2 .N}}|{{println 1 \"a\"}}|", d,
              "abc123def4561234567 1x<nil> 2 <nil>|1 a\n|");
        /* comparisons and logic */
        CHECK("{{eq .ID \"abc123def456\"}} {{eq .Size 1234567}} {{eq 2.5 2.5}} {{eq true true}}", d,
              "true true true true");
        CHECK("{{eq .Size 1 2 1234567}} {{eq .N nil}} {{eq .Missing 1}} {{ne .ID \"x\"}}", d,
              "true true false true");
        CHECK("{{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt \"a\" \"b\"}} {{lt 1.5 2.5}}", d,
              "true true true false true true");
        CHECK("{{and 1 0 2}} {{or 0 \"\" 3}} {{and 1 2}} {{or 0 false}} {{not .E}} {{not .ID}}", d,
              "0 3 2 false true false");
        /* and/or stop early: the failing call is never made */
        CHECK("{{or 1 (index .Names 9)}} {{and 0 (index .Names 9)}}", d, "1 0");
        FAILS("{{eq 1 1.0}}", d, "error calling eq: incompatible types for comparison");
        FAILS("{{eq .Names .Names}}", d, "non-comparable type");
        FAILS("{{lt true false}}", d, "invalid type for comparison");
        FAILS("{{lt .N 1}}", d, "invalid type for comparison");
        FAILS("{{eq 1}}", d, "missing argument for comparison");
        /* pipelines */
        CHECK("{{.ID | upper}} {{.ID | printf \"%.3s\"}} {{upper .ID | lower | len}}", d,
              "ABC123DEF456 abc 12");
        CHECK("{{(printf \"%s\" .ID) | upper}} {{\"k\" | index .Labels}} {{0 | index .Names}}", d,
              "ABC123DEF456 <no value> web");
        CHECK("{{print \"a\" | printf \"%s-%s\" \"b\"}}", d, "b-a");
        /* type checks on parameters */
        FAILS("{{upper .Size}}", d, "wrong type for value; expected string; got int");
        FAILS("{{upper .Missing}}", d, "invalid value; expected string");
        FAILS("{{.Missing | upper}}", d, "invalid value; expected string");
        FAILS("{{truncate .ID \"3\"}}", d, "expected int; got string");
        FAILS("{{join .Mixed \",\"}}", d, "expected []string");
        FAILS("{{truncate .ID -1}}", d, "slice bounds out of range");
        FAILS("{{pad .ID -1 0}}", d, "negative Repeat count");
        /* argument counts */
        FAILS("{{upper}}", d, "wrong number of args for upper: want 1 got 0");
        FAILS("{{upper 1 2}}", d, "wrong number of args for upper: want 1 got 2");
        FAILS("{{printf}}", d, "wrong number of args for printf: want at least 1 got 0");
        FAILS("{{.ID | truncate}}", d, "wrong number of args for truncate: want 2 got 1");
        FAILS("{{and}}", d, "want at least 1 got 0");
}

static void test_printf(void **state)
{
        (void)state;
        const char *d = "{\"A\":[\"x\",1,null,{\"k\":2.5}],\"B\":true,\"Q\":\"say \\\"hi\\\"\\n\","
                        "\"U\":\"héllo\"}";
        CHECK("{{printf \"%5.2f|%-5d|%05d|%x|%X|%o|%b|%c|%q|%U|%#U\" 3.14159 42 -42 255 255 8 5 "
              "65 65 65 65}}",
              d, " 3.14|42   |-0042|ff|FF|10|101|A|'A'|U+0041|U+0041 'A'");
        CHECK("{{printf \"%e|%g|%G|%v|%v\" 1234.5678 0.00001 1e21 1e20 123456789.0}}", d,
              "1.234568e+03|1e-05|1E+21|1e+20|1.23456789e+08");
        CHECK("{{printf \"%s|%d|%v|%t\" .A .A .A .B}}", d,
              "[x %!s(int=1) <nil> map[k:%!s(float64=2.5)]]|"
              "[%!d(string=x) 1 <nil> map[%!d(string=k):%!d(float64=2.5)]]|"
              "[x 1 <nil> map[k:2.5]]|true");
        CHECK("{{printf \"%q\" .A}}", d, "[\"x\" '\\x01' <nil> map[\"k\":%!q(float64=2.5)]]");
        CHECK("{{printf \"%d %d\" 1}}|{{printf \"%d\" 1 2}}|{{printf \"%\"}}|{{printf \"%z\" 1}}",
              d, "1 %!d(MISSING)|1%!(EXTRA int=2)|%!(NOVERB)|%!z(int=1)");
        CHECK("{{printf \"%*d|%-*d|%[2]d %[1]d\" 5 1 3 2}}", d, "    1|2  |1 5");
        CHECK("{{printf \"%5s|%-5s|%.2s|%05s|%5q|%T|%T|%T\" \"é\" \"ab\" .U \"ab\" \"a\" 1 .A "
              "nil}}",
              d, "    é|ab   |hé|000ab|  \"a\"|int|[]interface {}|<nil>");
        CHECK("{{printf \"%q|%+q|%#q|%x|% x|%#x\" .Q .U \"abc\" \"hi\" \"hi\" \"hi\"}}", d,
              "\"say \\\"hi\\\"\\n\"|\"h\\u00e9llo\"|`abc`|6869|68 69|0x6869");
        CHECK("{{printf \"%08.3f|%-8.2f|%+d|% d|%.0f|%6.2f%%\" 3.14159 2.5 5 5 2.5 99.5}}", d,
              "0003.142|2.50    |+5| 5|2| 99.50%");
        CHECK("{{printf \"%d|%s|%f|%t\" 1.5 1 1 \"x\"}}", d,
              "%!d(float64=1.5)|%!s(int=1)|%!f(int=1)|%!t(string=x)");
        CHECK("{{printf \"%v|%s|%d\" nil nil .Missing}}", d, "<nil>|%!s(<nil>)|%!d(<nil>)");
        CHECK("{{printf \"%5t|%-7v|%07v|%x|%#o|%#b\" true .B 42 -255 8 5}}", d,
              " true|true   |0000042|-ff|010|0b101");
        CHECK("{{printf \"%c%c\" 72 128512}}", d, "H😀");
        /* widths apply to each element; a nil element is never padded */
        CHECK("{{printf \"%6v|%-6v|\" .A .A}}", d,
              "[     x      1 <nil> map[     k:   2.5]]|[x      1      <nil> map[k     :2.5   ]]|");
        CHECK("{{printf \"%#v|%#g|%#.3e|%#.0f|%#v\" 1.0 2.5 1.0 3.0 1e21}}", d,
              "1|2.50000|1.000e+00|3.|1e+21");
        CHECK("{{printf \"%[1\" 1}}|{{printf \"%[]d\" 1}}|{{printf \"%[3]d\" 1}}|"
              "{{printf \"%[2]*d\" 1 5}}|{{printf \"%.*f\" -1 2.5}}|{{printf \"%*d\" \"x\" 1}}",
              d,
              "%!(NOVERB)|%!d(BADINDEX)|%!d(BADINDEX)|%!d(MISSING)|%!(BADPREC)2.500000|"
              "%!(BADWIDTH)1");
        /* Go refuses absurd widths instead of allocating them */
        CHECK("{{printf \"%99999999d\" 1}}|{{printf \"%.99999999d\" 1}}|{{printf \"%5.\" 1}}", d,
              "%!(NOVERB)%!(EXTRA int=1)|%!(NOVERB)%!(EXTRA int=1)|%!.(int=    1)");
}

static void test_table_prefix(void **state)
{
        (void)state;
        _cleanup_err_ struct err e = {0};
        struct tmpl *t = NULL;
        assert_int_equal(tmpl_compile("table {{.ID}}\\t{{.Names}}", &t, &e), 0);
        assert_true(tmpl_is_table(t));
        struct sbuf out = {0};
        _cleanup_json_ struct json *j = parse_json("{\"ID\":\"abc\",\"Names\":\"n\"}");
        assert_int_equal(tmpl_exec(t, j, &out, &e), 0);
        assert_string_equal(out.buf, "abc\tn");
        sbuf_done(&out);
        tmpl_free(t);

        /* a bare "table" means the default columns: empty body */
        assert_int_equal(tmpl_compile("table", &t, &e), 0);
        assert_true(tmpl_is_table(t));
        assert_int_equal(tmpl_exec(t, j, &out, &e), 0);
        assert_string_equal(out.buf ? out.buf : "", "");
        sbuf_done(&out);
        tmpl_free(t);

        assert_int_equal(tmpl_compile("{{.ID}} table", &t, &e), 0);
        assert_false(tmpl_is_table(t));
        tmpl_free(t);
        assert_int_equal(tmpl_compile("tablet {{.ID}}", &t, &e), 0);
        assert_false(tmpl_is_table(t));
        tmpl_free(t);
        CHECK("table{{.}}", "1", "table1");
        tmpl_free(NULL);
}

static void test_header(void **state)
{
        (void)state;
        HEADER_IS("table {{.ID}}\\t{{.CreatedAt}}\\t{{.Names}}", "{\"ID\":\"CONTAINER ID\"}",
                  "CONTAINER ID\tCREATED AT\tNAMES");
        HEADER_IS("{{.ID}}\\t{{.Size}}\\t{{.Repository}}", "{\"ID\":\"IMAGE ID\"}",
                  "IMAGE ID\tSIZE\tREPOSITORY");
        HEADER_IS("{{.GraphRoot}} {{.IDMappings}} {{.ID}} {{.PDFLoader}} {{.Size2}} {{.lower}}",
                  NULL, "GRAPH ROOT ID MAPPINGS ID PDF LOADER SIZE 2 LOWER");
        HEADER_IS("{{.Host.Store.RunningFor}} {{$.A.UsedBy}} {{(.X).Y}}", NULL,
                  "RUNNING FOR USED BY Y");
        /* a header that is not a string falls back to the key */
        HEADER_IS("{{.ID}}", "{\"ID\":5}", "ID");
        /* functions work on the header strings */
        HEADER_IS("{{.ID | lower}} {{json .ID}} {{truncate .Names 3}} {{printf \"%-8s|\" .Tag}}",
                  "{\"ID\":\"IMAGE ID\"}", "image id \"IMAGE ID\" NAM TAG     |");
        /* control structures still run; range shows its body once */
        HEADER_IS("{{range .Mounts}}{{.Source}}{{end}}|{{if .X}}x{{end}}|{{with .Y}}{{.}}{{end}}",
                  NULL, "SOURCE|x|Y");
        HEADER_IS("{{index . \"ID\"}}", "{\"ID\":\"IMAGE ID\"}", "IMAGE ID");
        HEADER_IS("table", NULL, "");
}

static void test_table_end_to_end(void **state)
{
        (void)state;
        /* podman images --format "table {{.ID}}\t{{.Size}}\t{{.Repository}}" */
        _cleanup_err_ struct err e = {0};
        _cleanup_(tmpl_freep) struct tmpl *t = NULL;
        assert_int_equal(tmpl_compile("table {{.ID}}\\t{{.Size}}\\t{{.Repository}}", &t, &e), 0);
        _cleanup_json_ struct json *h = parse_json("{\"ID\":\"IMAGE ID\"}");
        _cleanup_json_ struct json *rows =
                parse_json("[{\"ID\":\"0123456789ab\",\"Size\":\"7.6 MB\",\"Repository\":"
                           "\"docker.io/library/alpine\"},{\"ID\":\"ffff\",\"Size\":\"1 GB\","
                           "\"Repository\":\"x\"}]");
        struct sbuf line = {0};
        _cleanup_(tabw_freep) struct tabw *w = tabw_new();
        assert_int_equal(tmpl_exec_header(t, h, &line, &e), 0);
        sbuf_putc(&line, '\n');
        for (size_t i = 0; i < rows->arr.len; i++) {
                assert_int_equal(tmpl_exec(t, rows->arr.items[i], &line, &e), 0);
                sbuf_putc(&line, '\n');
        }
        tabw_write(w, line.buf);
        sbuf_done(&line);
        _cleanup_free_ char *out = tabw_flush(w);
        assert_string_equal(out, "IMAGE ID      SIZE        REPOSITORY\n"
                                 "0123456789ab  7.6 MB      docker.io/library/alpine\n"
                                 "ffff          1 GB        x\n");
}

/* report_render of a two-image list, compared with podman 4.3.1's
 * `podman images --format FORMAT` for the same images. */
static void render_is(const char *format, const char *want)
{
        _cleanup_err_ struct err e = {0};
        _cleanup_json_ struct json *h = parse_json("{\"ID\":\"IMAGE ID\"}");
        _cleanup_json_ struct json *rows =
                parse_json("[{\"Repository\":\"localhost/bb\",\"Tag\":\"latest\","
                           "\"ID\":\"a57f35341530\"},{\"Repository\":"
                           "\"localhost/a-much-longer-name\",\"Tag\":\"v1.2.3\","
                           "\"ID\":\"a57f35341530\"}]");
        struct sbuf out = {0};
        if (report_render(format, "{{.ID}}", rows, true, h, &out, &e) < 0)
                fail_msg("render '%s': %s", format, e.msg);
        assert_string_equal(out.buf ? out.buf : "", want);
        sbuf_done(&out);
}

static void test_table_spaces(void **state)
{
        (void)state;
        /* podman: each space of a table format separates columns. */
        render_is("table {{.Repository}} {{.Tag}}", "REPOSITORY                    TAG\n"
                                                    "localhost/bb                  latest\n"
                                                    "localhost/a-much-longer-name  v1.2.3\n");
        /* two spaces: an empty column between */
        render_is("table {{.Repository}}  {{.Tag}}",
                  "REPOSITORY                                TAG\n"
                  "localhost/bb                              latest\n"
                  "localhost/a-much-longer-name              v1.2.3\n");
        /* literal words become columns of their own */
        render_is("table {{.Repository}} X {{.Tag}}",
                  "REPOSITORY                    X           TAG\n"
                  "localhost/bb                  X           latest\n"
                  "localhost/a-much-longer-name  X           v1.2.3\n");
        render_is("table {{.Repository}} - {{.Tag}} end",
                  "REPOSITORY                    -           TAG         end\n"
                  "localhost/bb                  -           latest      end\n"
                  "localhost/a-much-longer-name  -           v1.2.3      end\n");
        render_is("table lit {{.Repository}}", "lit         REPOSITORY\n"
                                               "lit         localhost/bb\n"
                                               "lit         localhost/a-much-longer-name\n");
        /* other text is kept; a header with a space stays one cell */
        render_is("table {{.Repository}}:{{.Tag}} {{.ID}}",
                  "REPOSITORY:TAG                       IMAGE ID\n"
                  "localhost/bb:latest                  a57f35341530\n"
                  "localhost/a-much-longer-name:v1.2.3  a57f35341530\n");
        /* spaces and \t mixed */
        render_is("table {{.Repository}}\\t{{.Tag}} {{.ID}}",
                  "REPOSITORY                    TAG         IMAGE ID\n"
                  "localhost/bb                  latest      a57f35341530\n"
                  "localhost/a-much-longer-name  v1.2.3      a57f35341530\n");
        /* leading and trailing spaces are empty cells */
        render_is("table  {{.Repository}} {{.Tag}} ",
                  "            REPOSITORY                    TAG         \n"
                  "            localhost/bb                  latest      \n"
                  "            localhost/a-much-longer-name  v1.2.3      \n");
        /* inside actions too, even in quoted strings, as podman does */
        render_is("table {{ .Repository }} {{.Tag}}", "REPOSITORY                    TAG\n"
                                                      "localhost/bb                  latest\n"
                                                      "localhost/a-much-longer-name  v1.2.3\n");
        render_is("table {{.Repository}} {{printf \"%s x\" .Tag}}",
                  "REPOSITORY                    TAG         x\n"
                  "localhost/bb                  latest      x\n"
                  "localhost/a-much-longer-name  v1.2.3      x\n");
        render_is("table {{.Repository}} {{\"a b\"}}",
                  "REPOSITORY                    a           b\n"
                  "localhost/bb                  a           b\n"
                  "localhost/a-much-longer-name  a           b\n");
        /* trim markers see the tabs as spaces (podman ps gave "NAMES  IMAGEx") */
        render_is("table {{- .Repository}} {{.Tag -}} x",
                  "REPOSITORY                    TAGx\n"
                  "localhost/bb                  latestx\n"
                  "localhost/a-much-longer-name  v1.2.3x\n");
        /* no spaces: one column; not a table: spaces stay */
        render_is("table {{.Repository}}{{.Tag}}", "REPOSITORYTAG\n"
                                                   "localhost/bblatest\n"
                                                   "localhost/a-much-longer-namev1.2.3\n");
        render_is("{{.Repository}} {{.Tag}}",
                  "localhost/bb latest\nlocalhost/a-much-longer-name v1.2.3\n");
}

static void test_tabw(void **state)
{
        (void)state;
        /* podman (headers alone) */
        TABW_IS("IMAGE ID    SIZE        REPOSITORY\n", "IMAGE ID\tSIZE\tREPOSITORY\n");
        TABW_IS("CONTAINER ID  CREATED AT  NAMES\n", "CONTAINER ID\tCREATED AT\tNAMES\n");
        /* column blocks: the line without tabs ends every block */
        TABW_IS("a           b           c\n"
                "aaaa        b\n"
                "x           y           z           w\n"
                "\n"
                "q           r\n",
                "a\tb\tc\n", "aaaa\tb\n", "x\ty\tz\tw\n", "\n", "q\tr\n");
        /* a block of column 1 is the run of lines that have a cell there */
        TABW_IS("a             b\n"
                "aaaaaaaaaaaa  c\n"
                "d             e             f\n"
                "g             hhhhhhhhhhhh  i\n"
                "j             k\n"
                "l             m           n\n",
                "a\tb\naaaaaaaaaaaa\tc\nd\te\tf\ng\thhhhhhhhhhhh\ti\nj\tk\nl\tm\tn\n");
        /* widths count code points */
        TABW_IS("héllo       wörld\n"
                "日本語         x\n",
                "héllo\twörld\n", "日本語\tx\n");
        TABW_IS("ééééééééééééé  x\n"
                "a              y\n",
                "ééééééééééééé\tx\na\ty\n");
        /* empty cells */
        TABW_IS("                        \n"
                "a                       b\n",
                "\t\t\n", "a\t\tb\n");
        /* ragged rows and text without a final newline */
        TABW_IS("no tabs at all\na           b", "no tabs at all\n", "a\tb");
        TABW_IS("a           b\nc", "a\tb\n", "c\t");
        /* text split across writes, even inside a UTF-8 sequence */
        TABW_IS("ab          é\nfff         g\n", "a", "b\t\xc3", "\xa9\n", "fff\tg\n");
        /* form feed ends the section (and the line) */
        TABW_IS("a           b\nc  d\n", "a\tb\fc  d\n");
        /* escaped text is not split and its escapes take no width */
        TABW_IS("\xff"
                "a\tb"
                "\xff"
                "         c\nxy          z\n",
                "\xff"
                "a\tb"
                "\xff"
                "\tc\n",
                "xy\tz\n");
        TABW_IS("", "");
        TABW_IS("\n\n\n", "\n\n\n");
        TABW_IS("x\n            y\n", "x\n", "\ty\n");

        /* the writer is reusable after a flush */
        _cleanup_(tabw_freep) struct tabw *w = tabw_new();
        tabw_write(w, "a\tb\n");
        _cleanup_free_ char *one = tabw_flush(w);
        tabw_write(w, "cc\td\n");
        _cleanup_free_ char *two = tabw_flush(w);
        assert_string_equal(one, "a           b\n");
        assert_string_equal(two, "cc          d\n");
        _cleanup_free_ char *empty = tabw_flush(w);
        assert_string_equal(empty, "");
        tabw_free(NULL);
}

static void test_parse_errors(void **state)
{
        (void)state;
        const char *d = "{\"A\":\"a\",\"L\":[1,2]}";
        FAILS("{{", d, "template: :1:2: unclosed action");
        FAILS("{{.A", d, "unclosed action");
        FAILS("ok\n{{.A}", d, "template: :2:");
        FAILS("{{end}}", d, "unexpected {{end}}");
        FAILS("{{else}}", d, "unexpected {{else}}");
        FAILS("{{if}}", d, "missing value for if");
        FAILS("{{if .A}}", d, "unexpected EOF");
        FAILS("{{range .L}}x", d, "unexpected EOF");
        FAILS("{{if .A}}x{{else}}y{{else}}z{{end}}", d, "expected end; found {{else}}");
        FAILS("{{range .L}}{{else if .A}}{{end}}", d, "unexpected <if> in input");
        FAILS("{{if .A}}{{end}}{{end}}", d, "unexpected {{end}}");
        FAILS("{{foo}}", d, "function \"foo\" not defined");
        FAILS("{{.A | foo}}", d, "function \"foo\" not defined");
        FAILS("{{| .A}}", d, "unexpected \"|\" in command");
        FAILS("{{.A | \"x\"}}", d, "non executable command in pipeline stage 2");
        FAILS("{{.A | .}}", d, "non executable command in pipeline stage 2");
        FAILS("{{(.A}}", d, "unclosed left paren");
        FAILS("{{.A)}}", d, "unexpected right paren");
        FAILS("{{()}}", d, "missing value for parenthesized pipeline");
        FAILS("{{\"abc}}", d, "unterminated quoted string");
        FAILS("{{\"a\\qb\"}}", d, "invalid syntax");
        FAILS("{{`abc}}", d, "unterminated raw quoted string");
        FAILS("{{'ab'}}", d, "malformed character constant");
        FAILS("{{1x}}", d, "bad number syntax: \"1x\"");
        FAILS("{{9223372036854775808}}", d, "integer overflow");
        FAILS("{{1i}}", d, "complex numbers are not supported");
        FAILS("{{.A.}}", d, "unexpected");
        FAILS("{{\"a\".X}}", d, "unexpected . after term");
        FAILS("{{$x}}", d, "undefined variable \"$x\"");
        FAILS("{{$x = 1}}", d, "undefined variable \"$x\"");
        FAILS("{{if 1}}{{$y := 2}}{{end}}{{$y}}", d, "undefined variable \"$y\"");
        FAILS("{{range $i, $e, $f := .L}}{{end}}", d, "too many declarations in range");
        FAILS("{{$i, $e := .L}}", d, "too many declarations in command");
        FAILS("{{$x := 0}}{{range $x = .L}}{{end}}", d, "range can only declare variables");
        FAILS("{{break}}", d, "{{break}} outside {{range}}");
        FAILS("{{continue}}", d, "{{continue}} outside {{range}}");
        FAILS("{{range .L}}{{break 1}}{{end}}", d, "unexpected \"1\" in {{break}}");
        FAILS("{{define \"x\"}}{{end}}", d, "{{define}} is not supported");
        FAILS("{{template \"x\"}}", d, "{{template}} is not supported");
        FAILS("{{/* unclosed", d, "unclosed comment");
        FAILS("{{/* a */ }}", d, "comment ends before closing delimiter");
        FAILS("{{.A-}}", d, "bad character U+002D '-'");
        FAILS("{{\x01}}", d, "unrecognized character in action");
        FAILS("{{.A:}}", d, "expected :=");
}

static void test_exec_errors(void **state)
{
        (void)state;
        const char *d = "{\"A\":\"a\",\"L\":[1,2]}";
        FAILS("{{range .A}}{{end}}", d,
              "template: :1:8: executing at <.A>: range can't "
              "iterate over a");
        FAILS("{{range 1.5}}{{end}}", d, "range can't iterate over 1.5");
        FAILS("{{nil}}", d, "nil is not a command");
        FAILS("{{. 1}}", d, "can't give argument to non-function .");
        FAILS("{{\"a\" 1}}", d, "can't give argument to non-function \"a\"");
        FAILS("{{.A | $}}", d, "can't give argument to non-function $");
        FAILS("{{index .L 5}}", d,
              "template: :1:2: executing at <index .L 5>: error calling "
              "index: index out of range: 5");
        /* the context shows at most 20 bytes of the node */
        FAILS("{{index .L 5 \"0123456789\"}}", d, "at <index .L 5 \"01234567...>");
        /* output before the error is dropped, the buffer is left as it was */
        FAILS("partial {{.A}} {{index .L 9}}", d, "index out of range");
}

static void test_limits(void **state)
{
        (void)state;
        struct sbuf b = {0};
        /* deep nesting fails cleanly instead of exhausting the stack */
        for (int i = 0; i < 5000; i++)
                sbuf_append(&b, "{{if 1}}");
        FAILS(b.buf, NULL, "nested too deeply");
        sbuf_done(&b);
        for (int i = 0; i < 5000; i++)
                sbuf_putc(&b, '(');
        sbuf_putc(&b, '1');
        for (int i = 0; i < 5000; i++)
                sbuf_putc(&b, ')');
        _cleanup_free_ char *parens = xasprintf("{{%s}}", b.buf);
        FAILS(parens, NULL, "nested too deeply");
        sbuf_done(&b);
        /* within the limit nesting works */
        for (int i = 0; i < 90; i++)
                sbuf_append(&b, "{{with .}}");
        sbuf_append(&b, "{{.}}");
        for (int i = 0; i < 90; i++)
                sbuf_append(&b, "{{end}}");
        CHECK(b.buf, "1", "1");
        sbuf_done(&b);
        /* output and memory are bounded */
        const char *big = "{\"L\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}";
        FAILS("{{range .L}}{{range $.L}}{{printf \"%999999d\" 1}}{{end}}{{end}}", big,
              "template output exceeds 64 MiB");
        FAILS("{{range .L}}{{range $.L}}{{range $.L}}{{range $.L}}{{range $.L}}{{range $.L}}"
              "{{range $.L}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}{{end}}",
              big, "steps");
        FAILS("{{$s := printf \"%999999d\" 1}}{{range .L}}{{range $.L}}{{range $.L}}"
              "{{$s = printf \"%s%s\" $s $s}}{{end}}{{end}}{{end}}",
              big, "exceed");
        FAILS("{{$s := printf \"%999999d\" 1}}{{len (split (printf \"%s%s\" $s $s) \"\")}}", NULL,
              "exceed");
        FAILS("{{pad \"x\" 99999999999 1}}", NULL, "exceed");
        /* thousands of variables make every lookup of $ slow: that counts */
        for (int i = 0; i < 3000; i++)
                sbuf_printf(&b, "{{$v%d := %d}}", i, i);
        sbuf_append(&b, "{{range .L}}{{range $.L}}{{range $.L}}{{range $.L}}{{range $.L}}"
                        "{{$.L}}{{end}}{{end}}{{end}}{{end}}{{end}}");
        FAILS(b.buf, big, "steps");
        sbuf_done(&b);
        /* an overlong source is refused */
        char *huge = xmalloc((2u << 20) + 1);
        memset(huge, 'x', 2u << 20);
        huge[2u << 20] = '\0';
        struct tmpl *t = NULL;
        _cleanup_err_ struct err e = {0};
        assert_int_equal(tmpl_compile(huge, &t, &e), -EFBIG);
        assert_null(t);
        assert_non_null(strstr(e.msg, "longer than"));
        free(huge);
}

static void test_exec_reuse(void **state)
{
        (void)state;
        _cleanup_err_ struct err e = {0};
        _cleanup_(tmpl_freep) struct tmpl *t = NULL;
        assert_int_equal(tmpl_compile("{{.N}};", &t, &e), 0);
        struct sbuf out = {0};
        for (int i = 0; i < 3; i++) {
                _cleanup_json_ struct json *j = json_new_object();
                json_object_set_int(j, "N", i);
                assert_int_equal(tmpl_exec(t, j, &out, &e), 0);
        }
        assert_string_equal(out.buf, "0;1;2;");
        sbuf_done(&out);
        /* compile errors leave *ret alone */
        struct tmpl *bad = (struct tmpl *)&e;
        assert_int_equal(tmpl_compile("{{", &bad, &e), -EINVAL);
        assert_ptr_equal(bad, (struct tmpl *)&e);
        err_done(&e);
        /* errors without an error struct */
        struct tmpl *u = NULL;
        assert_int_equal(tmpl_compile("{{", &u, NULL), -EINVAL);
        assert_int_equal(tmpl_compile("{{index 1 2}}", &u, NULL), 0);
        assert_int_equal(tmpl_exec(u, NULL, &out, NULL), -EINVAL);
        tmpl_free(u);
        sbuf_done(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_podman_golden),
                cmocka_unit_test(test_fields_and_printing),
                cmocka_unit_test(test_trim_comments_escapes),
                cmocka_unit_test(test_control),
                cmocka_unit_test(test_functions),
                cmocka_unit_test(test_printf),
                cmocka_unit_test(test_table_prefix),
                cmocka_unit_test(test_header),
                cmocka_unit_test(test_table_end_to_end),
                cmocka_unit_test(test_table_spaces),
                cmocka_unit_test(test_tabw),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_exec_errors),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_exec_reuse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
