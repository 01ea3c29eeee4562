/* SPDX-License-Identifier: Apache-2.0 */
/* Image references and short names. The golden normalised strings were
 * produced by skopeo 1.9 (containers/image 5.23, what podman 4.3 uses):
 * `skopeo copy oci:X docker-archive:out.tar:REF` records REF normalised
 * with its default tag in the archive's RepoTags. */
#include "unit.h"

#include "image.h"

#define D64 "6bc97d00552426cdf7091161a1f9780101c6e61405ed0fb69159561dd3d439c0"

static char *norm(const char *s, unsigned flags)
{
        struct image_ref *r = NULL;
        struct err e = {0};
        if (image_ref_parse(s, flags, &r, &e) < 0) {
                char *m = xasprintf("ERR %s", e.msg);
                err_done(&e);
                return m;
        }
        char *out = image_ref_string(r);
        image_ref_free(r);
        return out;
}

static void test_golden_valid(void **state)
{
        static const struct {
                const char *in, *out;
        } cases[] = {
                {"alpine", "docker.io/library/alpine:latest"},
                {"alpine:3.19", "docker.io/library/alpine:3.19"},
                {"alpine:latest", "docker.io/library/alpine:latest"},
                {"user/app", "docker.io/user/app:latest"},
                {"user/app:v1", "docker.io/user/app:v1"},
                {"localhost/x", "localhost/x:latest"},
                {"localhost:5000/x", "localhost:5000/x:latest"},
                {"localhost:5000", "docker.io/library/localhost:5000"},
                {"localhost", "docker.io/library/localhost:latest"},
                {"index.docker.io/alpine", "docker.io/library/alpine:latest"},
                {"docker.io/alpine", "docker.io/library/alpine:latest"},
                {"docker.io/user/app", "docker.io/user/app:latest"},
                {"index.docker.io/user/app", "docker.io/user/app:latest"},
                {"docker.io/library/alpine", "docker.io/library/alpine:latest"},
                {"library/alpine", "docker.io/library/alpine:latest"},
                {"sub.docker.io/alpine", "sub.docker.io/alpine:latest"},
                {"a_b.com/foo", "a_b.com/foo:latest"},
                {"foo.com:5000/a/b/c:v1.0", "foo.com:5000/a/b/c:v1.0"},
                {"a__b", "docker.io/library/a__b:latest"},
                {"a--b", "docker.io/library/a--b:latest"},
                {"a---b", "docker.io/library/a---b:latest"},
                {"a-b", "docker.io/library/a-b:latest"},
                {"x:_tag", "docker.io/library/x:_tag"},
                {"x:Tag.With-Mixed_Case", "docker.io/library/x:Tag.With-Mixed_Case"},
                {"EXAMPLE.COM/foo", "EXAMPLE.COM/foo:latest"},
                {"exa_mple.com/foo", "exa_mple.com/foo:latest"},
                {"a/b/c/d/e", "docker.io/a/b/c/d/e:latest"},
                {"127.0.0.1:5000/x/y", "127.0.0.1:5000/x/y:latest"},
                {"my-registry.local/team/app:1.2.3", "my-registry.local/team/app:1.2.3"},
                {"1.2.3.4/foo", "1.2.3.4/foo:latest"},
                {"a.b.c.d.e/f", "a.b.c.d.e/f:latest"},
                {D64 ":tag", "docker.io/library/" D64 ":tag"},
                {"foo/" D64, "docker.io/foo/" D64 ":latest"},
                /* Digests (skopeo printed these in its "reference does not
                 * include a tag" refusal). */
                {"alpine@sha256:" D64, "docker.io/library/alpine@sha256:" D64},
                {"alpine:3@sha256:" D64, "docker.io/library/alpine:3@sha256:" D64},
                {"localhost:5000/x@sha256:" D64, "localhost:5000/x@sha256:" D64},
        };
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *got = norm(cases[i].in, IMAGE_REF_DEFAULT_LATEST);
                if (!STREQ(got, cases[i].out))
                        fail_msg("'%s': got '%s', want '%s'", cases[i].in, got, cases[i].out);
                free(got);
        }
}

static void test_golden_invalid(void **state)
{
        /* Every input here was refused by skopeo too; the second column is
         * what berth's message must contain. */
        static const struct {
                const char *in, *msg;
        } cases[] = {
                {"", "repository name must have at least one component"},
                {"Foo/bar", "repository name must be lowercase: 'Foo/bar'"},
                {"Alpine", "repository name must be lowercase: 'Alpine'"},
                {"ALPINE:latest", "repository name must be lowercase: 'ALPINE'"},
                {"example.com/Foo", "repository name must be lowercase: 'Foo'"},
                {"localhost/Foo", "repository name must be lowercase: 'Foo'"},
                {"LOCALHOST/foo", "repository name must be lowercase: 'LOCALHOST/foo'"},
                {"6BC97D00552426CDF7091161A1F9780101C6E61405ED0FB69159561DD3D439C0",
                 "must be lowercase"},
                {"foo:bar/baz", "invalid registry 'foo:bar'"},
                {"a..b", "invalid path component 'a..b'"},
                {"a___b", "invalid path component 'a___b'"},
                {"a.-b", "invalid path component 'a.-b'"},
                {"a_.b", "invalid path component 'a_.b'"},
                {"a/b_/c", "invalid path component 'b_'"},
                {"-a", "invalid path component '-a'"},
                {"a/", "empty path component in 'a/'"},
                {"/a", "empty path component in '/a'"},
                {"a//b", "empty path component in 'a//b'"},
                {"x:", "empty tag in 'x:'"},
                {"foo/bar:", "empty tag in 'foo/bar:'"},
                {"x:.tag", "invalid tag '.tag'"},
                {"x:-tag", "invalid tag '-tag'"},
                {"x:a+b", "invalid tag 'a+b'"},
                {"aa:bb:cc", "invalid path component 'aa:bb'"},
                {"foo/bar:tag:tag", "invalid path component 'bar:tag'"},
                {":tag", "empty repository name in ':tag'"},
                {"a@b", "invalid digest 'b'"},
                {"@sha256:" D64, "empty repository name"},
                {"example-.com/foo", "invalid registry 'example-.com'"},
                {"x-.y/foo", "invalid registry 'x-.y'"},
                {"example.com:/foo", "invalid registry 'example.com:'"},
                {"example.com:abc/foo", "invalid registry 'example.com:abc'"},
                {"example.com:5000:5/foo", "invalid registry 'example.com:5000:5'"},
                /* containers/image 5.23 has no IPv6 literals; neither has berth. */
                {"[::1]:5000/foo", "invalid registry '[::1]:5000'"},
                {"[::1]/foo", "invalid registry '[::1]'"},
                {"alpine@sha256:6BC97D00552426CDF7091161A1F9780101C6E61405ED0FB69159561DD3D439C0",
                 "invalid digest"},
                {"alpine@sha256:6bc97d", "invalid digest 'sha256:6bc97d'"},
                {"alpine@sha512:" D64, "invalid reference format: invalid digest"},
                {"alpine@md5:6bc97d00552426cdf7091161a1f97801",
                 "unsupported digest algorithm 'md5'"},
                {"alpine@sha256:" D64 "@sha256:" D64, "invalid digest"},
                {D64, "cannot specify 64-byte hexadecimal strings"},
                {"a b", "invalid path component 'a b'"},
                {"a\tb", "invalid path component 'a\\x09b'"},
                {"\xc3\xa9", "invalid path component '\\xc3\\xa9'"},
                {"a\nb:c", "invalid path component 'a\\x0ab'"},
        };
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *got = norm(cases[i].in, IMAGE_REF_DEFAULT_LATEST);
                if (!str_has_prefix(got, "ERR invalid ") || !strstr(got, cases[i].msg))
                        fail_msg("'%s': got '%s', want an error with '%s'", cases[i].in, got,
                                 cases[i].msg);
                free(got);
        }
}

static void test_name_length(void **state)
{
        (void)state;
        /* docker.io/library/ (18) + 237 = 255 is the limit, as skopeo says. */
        char name[300];
        memset(name, 'a', sizeof(name));
        name[237] = '\0';
        char *got = norm(name, 0);
        assert_true(str_has_prefix(got, "docker.io/library/aaa"));
        free(got);
        name[237] = 'a';
        name[238] = '\0';
        got = norm(name, 0);
        assert_non_null(strstr(got, "must not be more than 255 characters"));
        free(got);
        /* Tags: 128 characters at most. */
        char ref[200] = "x:";
        memset(ref + 2, 't', 128);
        ref[130] = '\0';
        got = norm(ref, 0);
        assert_true(str_has_prefix(got, "docker.io/library/x:ttt"));
        free(got);
        ref[130] = 't';
        ref[131] = '\0';
        got = norm(ref, 0);
        assert_non_null(strstr(got, "invalid tag"));
        free(got);
}

static void test_no_default_tag(void **state)
{
        (void)state;
        char *got = norm("alpine", 0);
        assert_string_equal(got, "docker.io/library/alpine");
        free(got);
        got = norm("alpine@sha256:" D64, IMAGE_REF_DEFAULT_LATEST);
        assert_string_equal(got, "docker.io/library/alpine@sha256:" D64);
        free(got);
}

static void test_parts_and_familiar(void **state)
{
        static const struct {
                const char *in, *domain, *path, *tag, *familiar;
        } cases[] = {
                {"alpine", "docker.io", "library/alpine", "latest", "alpine:latest"},
                {"docker.io/library/alpine:3", "docker.io", "library/alpine", "3", "alpine:3"},
                {"user/app", "docker.io", "user/app", "latest", "user/app:latest"},
                {"library/a/b", "docker.io", "library/a/b", "latest", "library/a/b:latest"},
                {"localhost:5000/x:1", "localhost:5000", "x", "1", "localhost:5000/x:1"},
                {"quay.io/p/q", "quay.io", "p/q", "latest", "quay.io/p/q:latest"},
                /* docker would print "quay.io/x", another registry's image. */
                {"index.docker.io/quay.io/x", "docker.io", "quay.io/x", "latest",
                 "docker.io/quay.io/x:latest"},
        };
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct image_ref *r = NULL;
                assert_int_equal(image_ref_parse(cases[i].in, IMAGE_REF_DEFAULT_LATEST, &r, NULL),
                                 0);
                assert_string_equal(r->domain, cases[i].domain);
                assert_string_equal(r->path, cases[i].path);
                assert_string_equal(r->tag, cases[i].tag);
                assert_null(r->digest);
                char *f = image_ref_familiar(r);
                assert_string_equal(f, cases[i].familiar);
                free(f);
                char *n = image_ref_name(r);
                char *want = xasprintf("%s/%s", cases[i].domain, cases[i].path);
                assert_string_equal(n, want);
                free(n);
                free(want);
                struct image_ref *c = image_ref_copy(r);
                image_ref_set_tag(c, NULL);
                image_ref_set_digest(c, "sha256:" D64);
                f = image_ref_familiar(c);
                assert_non_null(strstr(f, "@sha256:" D64));
                free(f);
                image_ref_free(c);
                image_ref_free(r);
        }
}

static void test_error_code_and_null_err(void **state)
{
        (void)state;
        struct image_ref *r = NULL;
        struct err e = {0};
        assert_int_equal(image_ref_parse("Alpine", 0, &r, &e), -EINVAL);
        assert_int_equal(e.code, EINVAL);
        assert_string_equal(
                e.msg, "invalid reference format: repository name must be lowercase: 'Alpine'");
        assert_null(r);
        err_done(&e);
        assert_int_equal(image_ref_parse("a..b", 0, &r, NULL), -EINVAL);
        assert_int_equal(image_ref_parse(NULL, 0, &r, NULL), -EINVAL);
        image_ref_free(NULL);
}

static void test_tag_and_id_helpers(void **state)
{
        (void)state;
        assert_true(image_ref_tag_valid("latest"));
        assert_true(image_ref_tag_valid("_x"));
        assert_true(image_ref_tag_valid("V1.2-rc_3"));
        assert_false(image_ref_tag_valid(""));
        assert_false(image_ref_tag_valid(".x"));
        assert_false(image_ref_tag_valid("-x"));
        assert_false(image_ref_tag_valid("a/b"));
        assert_true(image_id_valid(D64));
        assert_false(image_id_valid("6bc97d"));
}

static void test_qualified(void **state)
{
        (void)state;
        assert_false(image_name_is_qualified("alpine"));
        assert_false(image_name_is_qualified("alpine:3"));
        assert_false(image_name_is_qualified("user/app"));
        assert_false(image_name_is_qualified("library/alpine"));
        assert_false(image_name_is_qualified("a_b.com/foo"));
        assert_false(image_name_is_qualified("localhost:5000"));
        assert_true(image_name_is_qualified("localhost/x"));
        assert_true(image_name_is_qualified("localhost:5000/x"));
        assert_true(image_name_is_qualified("docker.io/alpine"));
        assert_true(image_name_is_qualified("quay.io/a/b:1@sha256:" D64));
        assert_true(image_name_is_qualified("EXAMPLE.COM/foo"));
}

static void candidates_check(const char *in, const struct registries_conf *rc, const char *want,
                             bool alias)
{
        struct image_candidates c = {0};
        struct err e = {0};
        if (image_short_name_candidates(in, rc, &c, &e) < 0)
                fail_msg("'%s': %s", in, e.msg);
        char *got = strv_join(c.names, " ");
        if (!STREQ(got, want))
                fail_msg("'%s': got '%s', want '%s'", in, got, want);
        assert_int_equal(c.from_alias, alias);
        free(got);
        image_candidates_done(&c);
}

static void test_short_names(void **state)
{
        (void)state;
        struct registries_conf rc = {0};
        /* No list configured: berth's documented docker.io fallback. */
        candidates_check("alpine", &rc, "docker.io/library/alpine:latest", false);
        candidates_check("alpine", NULL, "docker.io/library/alpine:latest", false);
        candidates_check("user/app:1", &rc, "docker.io/user/app:1", false);
        candidates_check("quay.io/x/y", &rc, "quay.io/x/y:latest", false);
        candidates_check("localhost/x@sha256:" D64, &rc, "localhost/x@sha256:" D64, false);

        strv_add(&rc.search, "registry.fedoraproject.org");
        strv_add(&rc.search, "quay.io");
        strv_add(&rc.search, "docker.io");
        candidates_check("alpine", &rc,
                         "registry.fedoraproject.org/alpine:latest quay.io/alpine:latest "
                         "docker.io/library/alpine:latest",
                         false);
        candidates_check("user/app:2", &rc,
                         "registry.fedoraproject.org/user/app:2 quay.io/user/app:2 "
                         "docker.io/user/app:2",
                         false);
        candidates_check("alpine:3@sha256:" D64, &rc,
                         "registry.fedoraproject.org/alpine:3@sha256:" D64
                         " quay.io/alpine:3@sha256:" D64 " docker.io/library/alpine:3@sha256:" D64,
                         false);

        rc.aliases = json_new_object();
        json_object_set_string(rc.aliases, "alpine", "docker.io/library/alpine");
        json_object_set_string(rc.aliases, "fed", "registry.fedoraproject.org/fedora");
        candidates_check("alpine", &rc, "docker.io/library/alpine:latest", true);
        candidates_check("fed:38", &rc, "registry.fedoraproject.org/fedora:38", true);
        /* Qualified names ignore aliases. */
        candidates_check("localhost/alpine", &rc, "localhost/alpine:latest", false);

        struct image_candidates c = {0};
        struct err e = {0};
        assert_int_equal(image_short_name_candidates("Alpine", &rc, &c, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "must be lowercase"));
        err_done(&e);
        json_object_set_string(rc.aliases, "bad", "Not/Valid");
        assert_int_equal(image_short_name_candidates("bad", &rc, &c, &e), -EINVAL);
        assert_non_null(strstr(e.msg, "resolving alias 'Not/Valid' of short name 'bad'"));
        err_done(&e);

        strv_free(rc.search);
        json_free(rc.aliases);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden_valid),
                cmocka_unit_test(test_golden_invalid),
                cmocka_unit_test(test_name_length),
                cmocka_unit_test(test_no_default_tag),
                cmocka_unit_test(test_parts_and_familiar),
                cmocka_unit_test(test_error_code_and_null_err),
                cmocka_unit_test(test_tag_and_id_helpers),
                cmocka_unit_test(test_qualified),
                cmocka_unit_test(test_short_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
