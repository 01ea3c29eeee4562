/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation, string, string-vector and string-buffer helpers. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "base.h"

static _noreturn_ void oom(void)
{
        static const char msg[] = "berth: out of memory\n";
        (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
        abort();
}

void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (!p)
                oom();
        return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
        void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
        if (!p)
                oom();
        return p;
}

void *xrealloc(void *p, size_t n)
{
        p = realloc(p, n ? n : 1);
        if (!p)
                oom();
        return p;
}

void xgrow(void **p, size_t *cap, size_t need, size_t elsize)
{
        if (need <= *cap)
                return;
        size_t ncap = *cap ? *cap : 4;
        while (ncap < need) {
                if (ncap > SIZE_MAX / 2)
                        oom();
                ncap *= 2;
        }
        if (elsize && ncap > SIZE_MAX / elsize)
                oom();
        *p = xrealloc(*p, ncap * elsize);
        *cap = ncap;
}

char *xstrdup(const char *s)
{
        char *p = strdup(s);
        if (!p)
                oom();
        return p;
}

char *xstrndup(const char *s, size_t n)
{
        char *p = strndup(s, n);
        if (!p)
                oom();
        return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
        char *s;
        if (vasprintf(&s, fmt, ap) < 0)
                oom();
        return s;
}

char *xasprintf(const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *s = xvasprintf(fmt, ap);
        va_end(ap);
        return s;
}

void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
                *fd = -1;
        }
}

void fclosep(FILE **f)
{
        if (*f) {
                int saved = errno;
                fclose(*f);
                errno = saved;
                *f = NULL;
        }
}

bool str_has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_has_suffix(const char *s, const char *suffix)
{
        size_t ls = strlen(s), lf = strlen(suffix);
        return ls >= lf && memcmp(s + ls - lf, suffix, lf) == 0;
}

int str_to_int64(const char *s, int64_t *ret)
{
        if (!s || !*s)
                return -EINVAL;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 0);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end || end == s)
                return -EINVAL;
        *ret = v;
        return 0;
}

int str_to_uint64(const char *s, uint64_t *ret)
{
        if (!s || !*s || *s == '-')
                return -EINVAL;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 0);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end || end == s)
                return -EINVAL;
        *ret = v;
        return 0;
}

int str_to_bool(const char *s, bool *ret)
{
        static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
        static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
        for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
                if (STREQ(s, yes[i])) {
                        *ret = true;
                        return 0;
                }
                if (STREQ(s, no[i])) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

void strv_free(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

size_t strv_length(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

void strv_push(char ***v, char *s)
{
        size_t n = strv_length(*v);
        *v = xrealloc(*v, (n + 2) * sizeof(char *));
        (*v)[n] = s;
        (*v)[n + 1] = NULL;
}

void strv_add(char ***v, const char *s)
{
        strv_push(v, xstrdup(s));
}

bool strv_contains(char *const *v, const char *s)
{
        for (size_t i = 0; v && v[i]; i++)
                if (STREQ(v[i], s))
                        return true;
        return false;
}

char **strv_copy(char *const *v)
{
        size_t n = strv_length(v);
        char **c = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
                c[i] = xstrdup(v[i]);
        return c;
}

char *strv_join(char *const *v, const char *sep)
{
        struct sbuf b = {0};
        for (size_t i = 0; v && v[i]; i++) {
                if (i)
                        sbuf_append(&b, sep);
                sbuf_append(&b, v[i]);
        }
        return sbuf_steal(&b);
}

char **strv_split(const char *s, const char *seps)
{
        char **v = xcalloc(1, sizeof(char *));
        const char *p = s;
        for (;;) {
                size_t n = strcspn(p, seps);
                strv_push(&v, xstrndup(p, n));
                if (!p[n])
                        break;
                p += n + 1;
        }
        return v;
}

void sbuf_append_len(struct sbuf *b, const char *s, size_t n)
{
        xgrow((void **)&b->buf, &b->cap, b->len + n + 1, 1);
        if (n) /* s may be NULL then, which memcpy does not allow */
                memcpy(b->buf + b->len, s, n);
        b->len += n;
        b->buf[b->len] = '\0';
}

void sbuf_append_sized(struct sbuf *b, const char *s, size_t n)
{
        sbuf_append_len(b, (const char *)&n, sizeof(n));
        sbuf_append_len(b, s, n);
}

void sbuf_append(struct sbuf *b, const char *s)
{
        sbuf_append_len(b, s, strlen(s));
}

void sbuf_putc(struct sbuf *b, char c)
{
        sbuf_append_len(b, &c, 1);
}

void sbuf_vprintf(struct sbuf *b, const char *fmt, va_list ap)
{
        char *s = xvasprintf(fmt, ap);
        sbuf_append(b, s);
        free(s);
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        sbuf_vprintf(b, fmt, ap);
        va_end(ap);
}

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
        unsigned char c = s[0];
        if (c < 0x80)
                return 1;
        size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
                len = 2;
                cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
                len = 3;
                cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                len = 4;
                cp = c & 0x07;
        } else {
                return 0;
        }
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

void sbuf_put_utf8(struct sbuf *b, uint32_t r)
{
        char buf[4];
        size_t n;
        if (r < 0x80) {
                buf[0] = (char)r;
                n = 1;
        } else if (r < 0x800) {
                buf[0] = (char)(0xc0 | (r >> 6));
                buf[1] = (char)(0x80 | (r & 0x3f));
                n = 2;
        } else if (r < 0x10000) {
                buf[0] = (char)(0xe0 | (r >> 12));
                buf[1] = (char)(0x80 | ((r >> 6) & 0x3f));
                buf[2] = (char)(0x80 | (r & 0x3f));
                n = 3;
        } else {
                buf[0] = (char)(0xf0 | (r >> 18));
                buf[1] = (char)(0x80 | ((r >> 12) & 0x3f));
                buf[2] = (char)(0x80 | ((r >> 6) & 0x3f));
                buf[3] = (char)(0x80 | (r & 0x3f));
                n = 4;
        }
        sbuf_append_len(b, buf, n);
}

char *sbuf_steal(struct sbuf *b)
{
        char *s = b->buf ? b->buf : xstrdup("");
        b->buf = NULL;
        b->len = b->cap = 0;
        return s;
}

void sbuf_done(struct sbuf *b)
{
        free(b->buf);
        b->buf = NULL;
        b->len = b->cap = 0;
}
