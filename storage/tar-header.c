/* SPDX-License-Identifier: Apache-2.0 */
/* The tar tokenizer's parsers: header fields, header blocks and pax records
 * read as Go's archive/tar (tar-split's fork) reads them. */
#include <errno.h>
#include <string.h>

#include "tar-stream-internal.h"

static const char *const pax_key_names[_PAX_KEYS] = {
        "path",
        "linkpath",
        "size",
        "uid",
        "gid",
        "GNU.sparse.name",
        "GNU.sparse.size",
        "GNU.sparse.realsize",
        "GNU.sparse.major",
        "GNU.sparse.minor",
};

void ts_pax_reset(struct ts_pending *p)
{
        for (size_t i = 0; i < _PAX_KEYS; i++) {
                free(p->pax[i]);
                p->pax[i] = NULL;
        }
        p->sparse_map = p->any_sparse_key = false;
}

void ts_pending_reset(struct ts_pending *p)
{
        ts_pax_reset(p);
        free(p->longname);
        free(p->longlink);
        p->longname = p->longlink = NULL;
}

/* ------------------------------------------------------------------------
 * Go's field parsers (archive/tar strconv.go)
 * ------------------------------------------------------------------------ */

/* Allocates: bytes up to the first NUL. */
char *ts_parse_string(const unsigned char *b, size_t n)
{
        const unsigned char *nul = memchr(b, 0, n);
        return xstrndup((const char *)b, nul ? (size_t)(nul - b) : n);
}

static bool parse_octal(const unsigned char *b, size_t n, int64_t *ret)
{
        while (n > 0 && (b[0] == ' ' || b[0] == 0)) {
                b++;
                n--;
        }
        while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == 0))
                n--;
        *ret = 0;
        if (n == 0)
                return true;
        const unsigned char *nul = memchr(b, 0, n);
        if (nul)
                n = (size_t)(nul - b);
        uint64_t x = 0;
        for (size_t i = 0; i < n; i++) {
                if (b[i] < '0' || b[i] > '7' || x >> 61)
                        return false;
                x = x << 3 | (uint64_t)(b[i] - '0');
        }
        *ret = (int64_t)x;
        return true;
}

bool ts_parse_numeric(const unsigned char *b, size_t n, int64_t *ret)
{
        if (n == 0 || !(b[0] & 0x80))
                return parse_octal(b, n, ret);
        /* base-256: two's complement, the top bit marks the encoding */
        unsigned char inv = (b[0] & 0x40) ? 0xff : 0x00;
        uint64_t x = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = b[i] ^ inv;
                if (i == 0)
                        c &= 0x7f;
                if (x >> 56)
                        return false;
                x = x << 8 | c;
        }
        if (x >> 63)
                return false;
        *ret = inv ? ~(int64_t)x : (int64_t)x;
        return true;
}

/* strconv.ParseInt(s, 10, 64): optional sign, decimal digits only. */
bool ts_parse_dec(const char *s, int64_t *ret)
{
        bool neg = false;
        if (*s == '+' || *s == '-')
                neg = *s++ == '-';
        if (!*s)
                return false;
        uint64_t x = 0;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
                        return false;
                x = x * 10 + (uint64_t)(*s - '0');
        }
        if (x > (uint64_t)INT64_MAX + (neg ? 1 : 0))
                return false;
        *ret = neg ? (int64_t)(0 - x) : (int64_t)x;
        return true;
}

bool ts_block_is_zero(const unsigned char *b)
{
        for (size_t i = 0; i < BLOCK; i++)
                if (b[i])
                        return false;
        return true;
}

static enum tar_format block_format(const unsigned char *b)
{
        int64_t want;
        if (!parse_octal(b + 148, 8, &want))
                return FMT_UNKNOWN;
        int64_t uns = 0, sig = 0;
        for (size_t i = 0; i < BLOCK; i++) {
                unsigned char c = (i >= 148 && i < 156) ? ' ' : b[i];
                uns += c;
                sig += (signed char)c;
        }
        if (want != uns && want != sig)
                return FMT_UNKNOWN;
        if (memcmp(b + 257, "ustar\0", 6) == 0)
                return memcmp(b + 508, "tar\0", 4) == 0 ? FMT_STAR : FMT_USTAR;
        if (memcmp(b + 257, "ustar ", 6) == 0 && memcmp(b + 263, " \0", 2) == 0)
                return FMT_GNU;
        return FMT_V7;
}

void ts_header_done(struct ts_header *h)
{
        free(h->name);
        free(h->linkname);
}

int ts_parse_header(struct tar_stream *ts, const unsigned char *b, struct ts_header *h,
                    struct err *e)
{
        h->format = block_format(b);
        if (h->format == FMT_UNKNOWN)
                return err_set(e, EBADMSG, "invalid tar header at offset %llu",
                               (unsigned long long)ts->blk_start);
        h->type = (char)b[156];
        h->name = ts_parse_string(b, 100);
        h->linkname = ts_parse_string(b + 157, 100);
        if (!ts_parse_numeric(b + 124, 12, &h->size))
                return err_set(e, EBADMSG, "invalid size in the tar header of '%s'", h->name);
        /* Go refuses bad ids too; here they only feed the uid/gid sets. */
        if (!ts_parse_numeric(b + 108, 8, &h->uid))
                h->uid = 0;
        if (!ts_parse_numeric(b + 116, 8, &h->gid))
                h->gid = 0;

        _cleanup_free_ char *prefix = NULL;
        if (h->format == FMT_USTAR) {
                prefix = ts_parse_string(b + 345, 155);
        } else if (h->format == FMT_STAR) {
                prefix = ts_parse_string(b + 345, 131);
        } else if (h->format == FMT_GNU) {
                /* Go accepts archives from pre-1.8 Go writers that put a
                 * ustar prefix where GNU keeps atime/ctime. */
                int64_t unused;
                bool bad = (b[345] && !ts_parse_numeric(b + 345, 12, &unused)) ||
                           (b[357] && !ts_parse_numeric(b + 357, 12, &unused));
                if (bad) {
                        char *p = ts_parse_string(b + 345, 155);
                        bool ascii = true;
                        for (const char *c = p; *c; c++)
                                ascii = ascii && !(*c & 0x80);
                        if (ascii)
                                prefix = p;
                        else
                                free(p);
                }
        }
        if (prefix && *prefix) {
                char *n = xasprintf("%s/%s", prefix, h->name);
                free(h->name);
                h->name = n;
        }
        return 0;
}

bool ts_header_only(char type)
{
        return strchr("123456", type) && type;
}

/* ------------------------------------------------------------------------
 * Extension headers
 * ------------------------------------------------------------------------ */

void ts_set_str(char **dst, const char *v)
{
        free(*dst);
        *dst = xstrdup(v);
}

/* Go's parsePAX + parsePAXRecord over ext data, into p. */
int ts_parse_pax(const char *data, size_t len, struct ts_pending *p, struct err *e)
{
        _cleanup_strv_ char **sparse_map = NULL;
        size_t pos = 0;
        while (pos < len) {
                const char *s = data + pos;
                size_t left = len - pos;
                const char *sp = memchr(s, ' ', left);
                if (!sp || sp - s > 20)
                        return -EBADMSG;
                _cleanup_free_ char *num = xstrndup(s, (size_t)(sp - s));
                int64_t n;
                if (!ts_parse_dec(num, &n) || n < 5 || (uint64_t)n > left ||
                    (size_t)(sp - s) + 1 > (size_t)n - 1 || s[n - 1] != '\n')
                        return -EBADMSG;
                const char *rec = sp + 1;
                size_t rec_len = (size_t)(s + n - 1 - rec);
                const char *eq = memchr(rec, '=', rec_len);
                if (!eq || eq == rec)
                        return -EBADMSG;
                _cleanup_free_ char *key = xstrndup(rec, (size_t)(eq - rec));
                size_t vlen = rec_len - (size_t)(eq - rec) - 1;
                bool key_nul = strlen(key) != (size_t)(eq - rec);
                bool val_nul = memchr(eq + 1, 0, vlen) != NULL;
                bool path_key = !key_nul && (STREQ(key, "path") || STREQ(key, "linkpath") ||
                                             STREQ(key, "uname") || STREQ(key, "gname"));
                if (path_key ? val_nul : key_nul)
                        return -EBADMSG;
                pos += (size_t)n;
                if (val_nul || key_nul)
                        continue; /* binary xattr values: nothing we look at */
                _cleanup_free_ char *val = xstrndup(eq + 1, vlen);

                if (str_has_prefix(key, "GNU.sparse."))
                        p->any_sparse_key = true;
                if (STREQ(key, "GNU.sparse.offset") || STREQ(key, "GNU.sparse.numbytes")) {
                        size_t k = strv_length(sparse_map);
                        bool want_off = k % 2 == 0;
                        if (want_off != STREQ(key, "GNU.sparse.offset") || strchr(val, ','))
                                return -EBADMSG;
                        strv_add(&sparse_map, val);
                        continue;
                }
                for (size_t k = 0; k < _PAX_KEYS; k++)
                        if (STREQ(key, pax_key_names[k]))
                                ts_set_str(&p->pax[k], val);
                if (STREQ(key, "GNU.sparse.map"))
                        p->sparse_map = *val != '\0';
        }
        if (sparse_map)
                p->sparse_map = true;
        (void)e;
        return 0;
}

bool ts_nonempty(const char *s)
{
        return s && *s;
}

/* Go's readGNUSparsePAXHeaders decides whether the pax records describe a
 * sparse file it knows; only then do GNU.sparse.name/size apply. */
bool ts_pax_sparse_known(const struct ts_pending *p)
{
        const char *maj = p->pax[PAX_SPARSE_MAJOR] ? p->pax[PAX_SPARSE_MAJOR] : "";
        const char *min = p->pax[PAX_SPARSE_MINOR] ? p->pax[PAX_SPARSE_MINOR] : "";
        if (STREQ(maj, "0") && (STREQ(min, "0") || STREQ(min, "1")))
                return true;
        if (STREQ(maj, "1") && STREQ(min, "0"))
                return true;
        return !*maj && !*min && p->sparse_map;
}
