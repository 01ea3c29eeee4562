/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 digests through OpenSSL's EVP interface, and digest validation.
 *
 * libcrypto is loaded with dlopen at the first digester: relocating it
 * costs every process that links it about half a millisecond at start
 * (berth links with -z now), and most commands (version, ps, run, the
 * exit command of every container) never hash anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "base.h"

#define CRYPTO_DL_FUNCS(X)                                                                         \
        X(EVP_DigestFinal_ex)                                                                      \
        X(EVP_DigestInit_ex2)                                                                      \
        X(EVP_DigestUpdate)                                                                        \
        X(EVP_MD_CTX_free)                                                                         \
        X(EVP_MD_CTX_new)                                                                          \
        X(EVP_MD_fetch)                                                                            \
        X(EVP_MD_free)

#define CRYPTO_DL_MEMBER(name) __typeof__(name) *name;
struct crypto_dl {
        CRYPTO_DL_FUNCS(CRYPTO_DL_MEMBER)
};
#undef CRYPTO_DL_MEMBER

static int crypto_dl_get(const struct crypto_dl **ret, struct err *e);
DL_DEFINE_GETTER(crypto_dl_get, crypto_dl, CRYPTO_DL_FUNCS, "libcrypto", "libcrypto.so.3",
                 "libssl3", "3.0")

#define DIGEST_FILE_CHUNK (64 * 1024)
/* Bad digests are quoted in messages; a huge one is cut to this. */
#define DIGEST_QUOTE_MAX 80

struct digester {
        const struct crypto_dl *lib;
        EVP_MD *md;
        EVP_MD_CTX *ctx;
};

/* libcrypto only fails here on allocation failure or a broken install
 * (no SHA-256 provider); neither is an error a caller could handle, and the
 * API has no error path, so treat it like OOM. */
static _noreturn_ void crypto_fatal(const char *what)
{
        static const char prefix[] = "berth: libcrypto: ";
        (void)!write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
        (void)!write(STDERR_FILENO, what, strlen(what));
        (void)!write(STDERR_FILENO, "\n", 1);
        abort();
}

struct digester *digester_new(void)
{
        struct digester *d = xcalloc(1, sizeof(*d));
        struct err e = {0};
        if (crypto_dl_get(&d->lib, &e) < 0)
                crypto_fatal(e.msg);
        /* Fetch once per context: the implicit fetch in EVP_sha256() is
         * repeated at every init, which OpenSSL 3 documents as slow. */
        d->md = d->lib->EVP_MD_fetch(NULL, "SHA256", NULL);
        if (!d->md)
                crypto_fatal("fetching SHA256");
        d->ctx = d->lib->EVP_MD_CTX_new();
        if (!d->ctx)
                crypto_fatal("EVP_MD_CTX_new");
        if (d->lib->EVP_DigestInit_ex2(d->ctx, d->md, NULL) != 1)
                crypto_fatal("EVP_DigestInit_ex2");
        return d;
}

void digester_update(struct digester *d, const void *buf, size_t len)
{
        if (len == 0)
                return;
        if (d->lib->EVP_DigestUpdate(d->ctx, buf, len) != 1)
                crypto_fatal("EVP_DigestUpdate");
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < n; i++) {
                out[2 * i] = hex[in[i] >> 4];
                out[2 * i + 1] = hex[in[i] & 0xf];
        }
        out[2 * n] = '\0';
}

char *digester_final(struct digester *d)
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (d->lib->EVP_DigestFinal_ex(d->ctx, md, &n) != 1 || n != DIGEST_SHA256_HEX_LEN / 2)
                crypto_fatal("EVP_DigestFinal_ex");
        if (d->lib->EVP_DigestInit_ex2(d->ctx, d->md, NULL) != 1)
                crypto_fatal("EVP_DigestInit_ex2");
        char *s = xmalloc(DIGEST_SHA256_LEN + 1);
        memcpy(s, "sha256:", 7);
        hex_encode(md, n, s + 7);
        return s;
}

void digester_free(struct digester *d)
{
        if (!d)
                return;
        d->lib->EVP_MD_CTX_free(d->ctx);
        d->lib->EVP_MD_free(d->md);
        free(d);
}

char *digest_buffer(const void *buf, size_t len)
{
        _cleanup_(digester_freep) struct digester *d = digester_new();
        digester_update(d, buf, len);
        return digester_final(d);
}

int digest_file(int dirfd, const char *path, char **ret_digest, struct err *e)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        _cleanup_(digester_freep) struct digester *d = digester_new();
        _cleanup_free_ char *buf = xmalloc(DIGEST_FILE_CHUNK);
        for (;;) {
                ssize_t n = read(fd, buf, DIGEST_FILE_CHUNK);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "read '%s'", path);
                }
                if (n == 0)
                        break;
                digester_update(d, buf, (size_t)n);
        }
        *ret_digest = digester_final(d);
        return 0;
}

/* Allocates: s made safe to quote in a message: printable ASCII kept,
 * other bytes as \xNN, cut with "..." past DIGEST_QUOTE_MAX bytes. */
static char *quote_digest(const char *s, size_t len)
{
        struct sbuf b = {0};
        size_t n = len > DIGEST_QUOTE_MAX ? DIGEST_QUOTE_MAX : len;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c < 0x7f && c != '\'')
                        sbuf_putc(&b, (char)c);
                else
                        sbuf_printf(&b, "\\x%02x", c);
        }
        if (n < len)
                sbuf_append(&b, "...");
        return sbuf_steal(&b);
}

static bool is_alg_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alg_sep(char c)
{
        return c == '+' || c == '.' || c == '_' || c == '-';
}

/* algorithm ::= component (separator component)*, component ::= [a-z0-9]+ */
static bool algorithm_valid(const char *s, size_t len)
{
        if (len == 0)
                return false;
        bool need_char = true;
        for (size_t i = 0; i < len; i++) {
                if (is_alg_char(s[i]))
                        need_char = false;
                else if (is_alg_sep(s[i]) && !need_char)
                        need_char = true;
                else
                        return false;
        }
        return !need_char;
}

/* encoded ::= [a-zA-Z0-9=_-]+ */
static bool encoded_valid(const char *s, size_t len)
{
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '=' || c == '_' || c == '-'))
                        return false;
        }
        return true;
}

static bool is_lower_hex(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

int digest_validate(const char *s, const char **ret_hex, struct err *e)
{
        if (!s || !*s)
                return err_set(e, EINVAL, "invalid digest '': empty");

        size_t len = strlen(s);
        const char *colon = strchr(s, ':');
        _cleanup_free_ char *q = NULL;
        if (!colon) {
                q = quote_digest(s, len);
                return err_set(e, EINVAL, "invalid digest '%s': missing ':' separator", q);
        }
        size_t alg_len = (size_t)(colon - s);
        const char *enc = colon + 1;
        size_t enc_len = len - alg_len - 1;

        if (!algorithm_valid(s, alg_len)) {
                q = quote_digest(s, len);
                return err_set(e, EINVAL, "invalid digest '%s': malformed algorithm", q);
        }
        if (!encoded_valid(enc, enc_len)) {
                q = quote_digest(s, len);
                return err_set(e, EINVAL, "invalid digest '%s': malformed encoded part", q);
        }

        size_t want;
        if (alg_len == 6 && memcmp(s, "sha256", 6) == 0) {
                want = 64;
        } else if (alg_len == 6 && memcmp(s, "sha512", 6) == 0) {
                want = 128;
        } else {
                /* Well-formed but not ours to check (blake3, or anything
                 * unregistered): an unverifiable digest is no digest. */
                _cleanup_free_ char *alg = quote_digest(s, alg_len);
                q = quote_digest(s, len);
                return err_set(e, EOPNOTSUPP, "unsupported digest algorithm '%s' in '%s'", alg, q);
        }
        if (enc_len != want || !is_lower_hex(enc, enc_len)) {
                q = quote_digest(s, len);
                return err_set(e, EINVAL,
                               "invalid digest '%s': %.*s needs %zu lowercase hex characters", q,
                               (int)alg_len, s, want);
        }
        if (ret_hex)
                *ret_hex = enc;
        return 0;
}

bool digest_is_hex64(const char *s)
{
        return s && strnlen(s, DIGEST_SHA256_HEX_LEN + 1) == DIGEST_SHA256_HEX_LEN &&
               is_lower_hex(s, DIGEST_SHA256_HEX_LEN);
}
