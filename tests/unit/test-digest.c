/* SPDX-License-Identifier: Apache-2.0 */
/* digest.c: SHA-256 vectors, streaming, files, and digest validation. */
#include <fcntl.h>

#include "unit.h"

#define EMPTY_SHA256 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA256 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/* FIPS 180-2 vector: one million 'a' */
#define MILLION_A_SHA256 "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
/* bytes (i * 7 + 3) & 0xff for i in [0, 1000000), from Python's hashlib */
#define PATTERN_SHA256 "sha256:1dc6622e2b0d38fe9e646130ff9014746cfa84d65e17c919e2834277d318c78a"

static void test_vectors(void **state)
{
        (void)state;
        char *d = digest_buffer("", 0);
        assert_string_equal(d, EMPTY_SHA256);
        assert_int_equal(strlen(d), DIGEST_SHA256_LEN);
        free(d);
        d = digest_buffer(NULL, 0);
        assert_string_equal(d, EMPTY_SHA256);
        free(d);
        d = digest_buffer("abc", 3);
        assert_string_equal(d, ABC_SHA256);
        free(d);

        char *a = xmalloc(1000000);
        memset(a, 'a', 1000000);
        d = digest_buffer(a, 1000000);
        assert_string_equal(d, MILLION_A_SHA256);
        free(d);
        free(a);
}

static void test_streaming(void **state)
{
        (void)state;
        size_t n = 1000000;
        unsigned char *buf = xmalloc(n);
        for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)(i * 7 + 3);
        char *oneshot = digest_buffer(buf, n);
        assert_string_equal(oneshot, PATTERN_SHA256);

        /* odd chunk sizes, crossing the 64-byte block boundary every way */
        static const size_t chunks[] = {1, 3, 63, 64, 65, 127, 4099, 65537};
        struct digester *d = digester_new();
        size_t off = 0, i = 0;
        while (off < n) {
                size_t c = chunks[i++ % ARRAY_SIZE(chunks)];
                if (c > n - off)
                        c = n - off;
                digester_update(d, buf + off, c);
                digester_update(d, buf + off, 0); /* empty updates change nothing */
                off += c;
        }
        char *streamed = digester_final(d);
        assert_string_equal(streamed, oneshot);
        free(streamed);

        /* final resets the context: it can be used again */
        digester_update(d, "abc", 3);
        streamed = digester_final(d);
        assert_string_equal(streamed, ABC_SHA256);
        free(streamed);
        streamed = digester_final(d);
        assert_string_equal(streamed, EMPTY_SHA256);
        free(streamed);
        digester_free(d);
        digester_free(NULL);

        {
                _cleanup_(digester_freep) struct digester *c = digester_new();
                digester_update(c, "a", 1);
                digester_update(c, "bc", 2);
                _cleanup_free_ char *s = digester_final(c);
                assert_string_equal(s, ABC_SHA256);
        }
        free(oneshot);
        free(buf);
}

static void test_file(void **state)
{
        (void)state;
        _cleanup_free_ char *tmp = unit_tmpdir();
        struct err e = {0};
        /* larger than one 64 KiB read, and not a multiple of it */
        size_t n = 1000000;
        unsigned char *buf = xmalloc(n);
        for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)(i * 7 + 3);
        _cleanup_free_ char *p = xasprintf("%s/blob", tmp);
        assert_int_equal(fs_write_atomic(AT_FDCWD, p, buf, n, 0644, &e), 0);
        free(buf);

        char *d = NULL;
        assert_int_equal(digest_file(AT_FDCWD, p, &d, &e), 0);
        assert_string_equal(d, PATTERN_SHA256);
        free(d);

        int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(fs_write_atomic(dfd, "empty", "", 0, 0644, &e), 0);
        assert_int_equal(digest_file(dfd, "empty", &d, &e), 0);
        assert_string_equal(d, EMPTY_SHA256);
        free(d);

        d = NULL;
        assert_int_equal(digest_file(dfd, "missing", &d, &e), -ENOENT);
        assert_null(d);
        assert_string_equal(e.msg, "open 'missing': No such file or directory");
        err_done(&e);
        /* a directory opens but cannot be read */
        assert_int_equal(digest_file(AT_FDCWD, tmp, &d, &e), -EISDIR);
        assert_null(d);
        assert_true(str_has_prefix(e.msg, "read '"));
        err_done(&e);
        close(dfd);
        unit_rmtree(tmp);
}

static void test_validate_good(void **state)
{
        (void)state;
        struct err e = {0};
        const char *hex = NULL;
        assert_int_equal(digest_validate(ABC_SHA256, &hex, &e), 0);
        assert_string_equal(hex, ABC_SHA256 + 7);
        assert_int_equal(digest_validate(EMPTY_SHA256, NULL, &e), 0);
        _cleanup_free_ char *s512 = xasprintf("sha512:%0128d", 0);
        assert_int_equal(digest_validate(s512, &hex, &e), 0);
        assert_int_equal(strlen(hex), 128);
        assert_null(e.msg);
        assert_int_equal(e.code, 0);

        assert_true(digest_is_hex64(ABC_SHA256 + 7));
        assert_false(digest_is_hex64(ABC_SHA256));
        assert_false(digest_is_hex64(""));
        assert_false(digest_is_hex64(NULL));
}

struct bad_digest {
        const char *s;
        int code;
        const char *msg; /* expected message, or NULL to only check the code */
};

static void test_validate_bad(void **state)
{
        (void)state;
        _cleanup_free_ char *upper = xstrdup(ABC_SHA256);
        for (char *p = upper + 7; *p; p++)
                if (*p >= 'a' && *p <= 'f')
                        *p = (char)(*p - 'a' + 'A');
        _cleanup_free_ char *short_hex = xstrndup(ABC_SHA256, DIGEST_SHA256_LEN - 1);
        _cleanup_free_ char *long_hex = xasprintf("%s0", ABC_SHA256);
        _cleanup_free_ char *s512_short = xasprintf("sha512:%064d", 0);
        _cleanup_free_ char *blake3 = xasprintf("blake3:%064d", 0);
        _cleanup_free_ char *nocolon = xstrdup(ABC_SHA256 + 7);
        const struct bad_digest cases[] = {
                {"", EINVAL, "invalid digest '': empty"},
                {nocolon, EINVAL, NULL},
                {"sha256", EINVAL, "invalid digest 'sha256': missing ':' separator"},
                {"sha256:", EINVAL, "invalid digest 'sha256:': malformed encoded part"},
                {":abc", EINVAL, "invalid digest ':abc': malformed algorithm"},
                {upper, EINVAL, NULL},
                {short_hex, EINVAL, NULL},
                {long_hex, EINVAL, NULL},
                {s512_short, EINVAL, NULL},
                {"SHA256:abc", EINVAL, "invalid digest 'SHA256:abc': malformed algorithm"},
                {"sha256+:abc", EINVAL, NULL},
                {"+sha256:abc", EINVAL, NULL},
                {"sha..256:abc", EINVAL, NULL},
                {"sha 256:abc", EINVAL, NULL},
                {"sha256:ab c", EINVAL, "invalid digest 'sha256:ab c': malformed encoded part"},
                {"sha256:abc:def", EINVAL, NULL},
                {"sha256:\x01\x7f\xff'", EINVAL,
                 "invalid digest 'sha256:\\x01\\x7f\\xff\\x27': malformed encoded part"},
                {"md5:d41d8cd98f00b204e9800998ecf8427e", EOPNOTSUPP,
                 "unsupported digest algorithm 'md5' in 'md5:d41d8cd98f00b204e9800998ecf8427e'"},
                {blake3, EOPNOTSUPP, NULL},
                {"multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", EOPNOTSUPP,
                 NULL},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct err e = {0};
                const char *hex = "unchanged";
                int r = digest_validate(cases[i].s, &hex, &e);
                if (r != -cases[i].code)
                        fail_msg("digest_validate('%s') = %d, want %d", cases[i].s, r,
                                 -cases[i].code);
                assert_string_equal(hex, "unchanged");
                assert_int_equal(e.code, cases[i].code);
                if (cases[i].msg)
                        assert_string_equal(e.msg, cases[i].msg);
                err_done(&e);
                /* e == NULL only returns the code */
                assert_int_equal(digest_validate(cases[i].s, NULL, NULL), -cases[i].code);
        }

        /* the bad digest is quoted, the expectation named */
        struct err e = {0};
        assert_int_equal(digest_validate(short_hex, NULL, &e), -EINVAL);
        _cleanup_free_ char *want = xasprintf(
                "invalid digest '%s': sha256 needs 64 lowercase hex characters", short_hex);
        assert_string_equal(e.msg, want);
        err_done(&e);

        assert_int_equal(digest_validate(NULL, NULL, &e), -EINVAL);
        err_done(&e);
}

/* A huge digest string is cut in the message. */
static void test_validate_huge(void **state)
{
        (void)state;
        size_t n = 1 << 20;
        char *s = xmalloc(n + 1);
        memcpy(s, "sha256:", 7);
        memset(s + 7, 'a', n - 7);
        s[n] = '\0';
        struct err e = {0};
        assert_int_equal(digest_validate(s, NULL, &e), -EINVAL);
        assert_true(strlen(e.msg) < 300);
        assert_non_null(strstr(e.msg, "aaaa..."));
        err_done(&e);

        s[3] = 'X';
        assert_int_equal(digest_validate(s, NULL, &e), -EINVAL);
        assert_true(strlen(e.msg) < 300);
        err_done(&e);

        /* a huge but valid-looking algorithm is cut as well */
        memset(s, 'a', n);
        s[n - 65] = ':';
        assert_int_equal(digest_validate(s, NULL, &e), -EOPNOTSUPP);
        assert_true(strlen(e.msg) < 300);
        err_done(&e);
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vectors),      cmocka_unit_test(test_streaming),
                cmocka_unit_test(test_file),         cmocka_unit_test(test_validate_good),
                cmocka_unit_test(test_validate_bad), cmocka_unit_test(test_validate_huge),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
