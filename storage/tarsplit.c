/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar-split data: writing the records (gzip of one JSON object per line, as
 * vbatts/tar-split 0.11.2's JSON packer writes them, byte for byte, so that
 * podman reads berth's layers and the other way round) and reassembling
 * the original tar from them and the layer's files. Also the few Go
 * semantics both sides need: path.Clean (duplicate detection), utf8.Valid
 * (name vs name_raw), base64 and a string set.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "layer-apply.h"

#define TARSPLIT_BUF (64 * 1024)
/* A line holds one record; ours are at most a segment of 1 MiB or the raw
 * headers of one entry (bounded by tar-stream.c), base64-encoded. */
#define TARSPLIT_MAX_LINE (48u << 20)

/* ------------------------------------------------------------------------
 * Go semantics
 * ------------------------------------------------------------------------ */

char *go_path_clean(const char *path)
{
        size_t n = strlen(path);
        if (n == 0)
                return xstrdup(".");
        bool rooted = path[0] == '/';
        char *out = xmalloc(n + 2);
        size_t w = 0, r = 0, dotdot = 0;

        if (rooted) {
                out[w++] = '/';
                r = dotdot = 1;
        }
        while (r < n) {
                if (path[r] == '/') {
                        r++;
                } else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
                        r++;
                } else if (path[r] == '.' && path[r + 1] == '.' &&
                           (r + 2 == n || path[r + 2] == '/')) {
                        r += 2;
                        if (w > dotdot) {
                                w--;
                                while (w > dotdot && out[w] != '/')
                                        w--;
                        } else if (!rooted) {
                                if (w > 0)
                                        out[w++] = '/';
                                out[w++] = '.';
                                out[w++] = '.';
                                dotdot = w;
                        }
                } else {
                        if ((rooted && w != 1) || (!rooted && w != 0))
                                out[w++] = '/';
                        for (; r < n && path[r] != '/'; r++)
                                out[w++] = path[r];
                }
        }
        if (w == 0)
                out[w++] = '.';
        out[w] = '\0';
        return out;
}

bool go_utf8_valid(const char *str, size_t len)
{
        const unsigned char *s = (const unsigned char *)str;
        size_t i = 0;

        while (i < len) {
                unsigned c = s[i];
                if (c < 0x80) {
                        i++;
                        continue;
                }
                unsigned lo = 0x80, hi = 0xbf;
                size_t need;
                if (c >= 0xc2 && c <= 0xdf) {
                        need = 1;
                } else if (c >= 0xe0 && c <= 0xef) {
                        need = 2;
                        if (c == 0xe0)
                                lo = 0xa0;
                        else if (c == 0xed)
                                hi = 0x9f; /* no surrogates */
                } else if (c >= 0xf0 && c <= 0xf4) {
                        need = 3;
                        if (c == 0xf0)
                                lo = 0x90;
                        else if (c == 0xf4)
                                hi = 0x8f; /* nothing above U+10FFFF */
                } else {
                        return false;
                }
                if (len - i <= need)
                        return false;
                if (s[i + 1] < lo || s[i + 1] > hi)
                        return false;
                for (size_t k = 2; k <= need; k++)
                        if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                                return false;
                i += need + 1;
        }
        return true;
}

static const char b64_alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *buf, size_t len)
{
        const unsigned char *p = buf;
        char *out = xmalloc((len + 2) / 3 * 4 + 1);
        size_t o = 0, i = 0;

        for (; i + 2 < len; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
                out[o++] = b64_alphabet[v >> 18];
                out[o++] = b64_alphabet[(v >> 12) & 63];
                out[o++] = b64_alphabet[(v >> 6) & 63];
                out[o++] = b64_alphabet[v & 63];
        }
        if (i < len) {
                uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
                out[o++] = b64_alphabet[v >> 18];
                out[o++] = b64_alphabet[(v >> 12) & 63];
                out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
                out[o++] = '=';
        }
        out[o] = '\0';
        return out;
}

static int b64_value(char c)
{
        const char *p = c ? strchr(b64_alphabet, c) : NULL;
        return p ? (int)(p - b64_alphabet) : -1;
}

/* Go's StdEncoding (strict padding; newlines are skipped, as Go does). */
int b64_decode(const char *s, size_t len, unsigned char **ret, size_t *ret_len)
{
        _cleanup_free_ unsigned char *out = xmalloc(len / 4 * 3 + 4);
        size_t o = 0, q = 0, pad = 0;
        uint32_t acc = 0;

        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                if (c == '\n' || c == '\r')
                        continue;
                if (c == '=') {
                        pad++;
                        acc <<= 6;
                        q++;
                } else {
                        int v = b64_value(c);
                        if (v < 0 || pad > 0)
                                return -EINVAL;
                        acc = acc << 6 | (uint32_t)v;
                        q++;
                }
                if (q == 4) {
                        if (pad > 2)
                                return -EINVAL;
                        out[o++] = (unsigned char)(acc >> 16);
                        if (pad < 2)
                                out[o++] = (unsigned char)(acc >> 8);
                        if (pad < 1)
                                out[o++] = (unsigned char)acc;
                        q = 0;
                        acc = 0;
                        if (pad > 0) {
                                /* Only line breaks may follow the padding. */
                                for (i++; i < len; i++)
                                        if (s[i] != '\n' && s[i] != '\r')
                                                return -EINVAL;
                                break;
                        }
                }
        }
        if (q != 0)
                return -EINVAL;
        out[o] = '\0';
        *ret_len = o;
        *ret = steal_pointer(&out);
        return 0;
}

static uint64_t str_hash(const char *s)
{
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return h;
}

static size_t strset_slot(const struct strset *s, const char *str)
{
        size_t i = str_hash(str) & (s->cap - 1);
        while (s->slots[i] && !STREQ(s->slots[i], str))
                i = (i + 1) & (s->cap - 1);
        return i;
}

bool strset_contains(const struct strset *s, const char *str)
{
        return s->cap && s->slots[strset_slot(s, str)];
}

bool strset_add(struct strset *s, const char *str)
{
        if (strset_contains(s, str))
                return false;
        if ((s->len + 1) * 2 > s->cap) {
                struct strset n = {.cap = s->cap ? s->cap * 2 : 64};
                n.slots = xcalloc(n.cap, sizeof(char *));
                for (size_t i = 0; i < s->cap; i++)
                        if (s->slots[i])
                                n.slots[strset_slot(&n, s->slots[i])] = s->slots[i];
                n.len = s->len;
                free(s->slots);
                *s = n;
        }
        s->slots[strset_slot(s, str)] = xstrdup(str);
        s->len++;
        return true;
}

void strset_done(struct strset *s)
{
        for (size_t i = 0; i < s->cap; i++)
                free(s->slots[i]);
        free(s->slots);
        *s = (struct strset){0};
}

/* ------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------ */

struct tarsplit_writer {
        int fd;
        z_stream z;
        bool z_init;
        int64_t position;
        struct strset seen;
        struct sbuf line;
        unsigned char out[TARSPLIT_BUF];
};

int tarsplit_writer_new(int fd, struct tarsplit_writer **ret, struct err *e)
{
        struct tarsplit_writer *w = xcalloc(1, sizeof(*w));
        w->fd = fd;
        /* 31 = 15-bit window + gzip wrapper. tar-split uses pgzip at
         * BestSpeed; only the decompressed bytes have to match. */
        if (deflateInit2(&w->z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
                free(w);
                return err_set(e, ENOMEM, "initializing zlib for the tar-split stream");
        }
        w->z_init = true;
        *ret = w;
        return 0;
}

void tarsplit_writer_free(struct tarsplit_writer *w)
{
        if (!w)
                return;
        if (w->z_init)
                deflateEnd(&w->z);
        strset_done(&w->seen);
        sbuf_done(&w->line);
        free(w);
}

static int writer_deflate(struct tarsplit_writer *w, const void *buf, size_t len, int flush,
                          struct err *e)
{
        w->z.next_in = (unsigned char *)buf;
        w->z.avail_in = (uInt)len;
        do {
                w->z.next_out = w->out;
                w->z.avail_out = sizeof(w->out);
                int r = deflate(&w->z, flush);
                if (r == Z_STREAM_ERROR)
                        return err_set(e, EIO, "compressing the tar-split stream");
                size_t have = sizeof(w->out) - w->z.avail_out;
                int wr = fs_write_all(w->fd, w->out, have);
                if (wr < 0)
                        return err_errnum(e, wr, "writing the tar-split stream");
                if (flush == Z_FINISH && r == Z_STREAM_END)
                        break;
        } while (w->z.avail_out == 0 || flush == Z_FINISH);
        return 0;
}

/* Go's encoding/json string encoding with HTML escaping (json.Encoder's
 * default), for a string already known to be valid UTF-8. */
static void json_go_string(struct sbuf *b, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        sbuf_putc(b, '"');
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                unsigned char c = *p;
                if (c == '"' || c == '\\') {
                        sbuf_putc(b, '\\');
                        sbuf_putc(b, (char)c);
                } else if (c == '\n') {
                        sbuf_append(b, "\\n");
                } else if (c == '\r') {
                        sbuf_append(b, "\\r");
                } else if (c == '\t') {
                        sbuf_append(b, "\\t");
                } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                        sbuf_append(b, "\\u00");
                        sbuf_putc(b, hex[c >> 4]);
                        sbuf_putc(b, hex[c & 0xf]);
                } else if (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
                        /* U+2028 and U+2029 */
                        sbuf_append(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
                        p += 2;
                } else {
                        sbuf_putc(b, (char)c);
                }
        }
        sbuf_putc(b, '"');
}

static int writer_emit(struct tarsplit_writer *w, struct err *e)
{
        sbuf_printf(&w->line, "\"position\":%lld}\n", (long long)w->position);
        int r = writer_deflate(w, w->line.buf, w->line.len, Z_NO_FLUSH, e);
        w->line.len = 0;
        w->position++;
        return r;
}

int tarsplit_write_segment(struct tarsplit_writer *w, const void *buf, size_t len, struct err *e)
{
        _cleanup_free_ char *payload = b64_encode(buf, len);
        w->line.len = 0;
        sbuf_append(&w->line, "{\"type\":2,\"payload\":\"");
        sbuf_append(&w->line, payload);
        sbuf_append(&w->line, "\",");
        return writer_emit(w, e);
}

int tarsplit_write_file(struct tarsplit_writer *w, const char *name, int64_t size,
                        const uint64_t *crc, struct err *e)
{
        _cleanup_free_ char *clean = go_path_clean(name);
        if (!strset_add(&w->seen, clean))
                return err_set(e, EINVAL, "duplicate entry '%s' in the tar (not supported)", name);

        w->line.len = 0;
        sbuf_append(&w->line, "{\"type\":1,");
        size_t n = strlen(name);
        if (n > 0 && go_utf8_valid(name, n)) {
                sbuf_append(&w->line, "\"name\":");
                json_go_string(&w->line, name);
                sbuf_putc(&w->line, ',');
        } else if (n > 0) {
                _cleanup_free_ char *raw = b64_encode(name, n);
                sbuf_printf(&w->line, "\"name_raw\":\"%s\",", raw);
        }
        if (size != 0)
                sbuf_printf(&w->line, "\"size\":%lld,", (long long)size);
        if (crc) {
                unsigned char be[8];
                for (int i = 0; i < 8; i++)
                        be[i] = (unsigned char)(*crc >> (56 - 8 * i));
                _cleanup_free_ char *payload = b64_encode(be, sizeof(be));
                sbuf_printf(&w->line, "\"payload\":\"%s\",", payload);
        } else {
                sbuf_append(&w->line, "\"payload\":null,");
        }
        return writer_emit(w, e);
}

int tarsplit_writer_finish(struct tarsplit_writer *w, struct err *e)
{
        return writer_deflate(w, NULL, 0, Z_FINISH, e);
}

/* ------------------------------------------------------------------------
 * Reassembly
 * ------------------------------------------------------------------------ */

struct assembler {
        int rootfd;
        int out_fd;             /* -1: only digest */
        struct digester *dg;    /* NULL: only write */
        int64_t size;
        struct strset seen;
        int64_t line_no;
        unsigned char buf[TARSPLIT_BUF];
};

static int emit(struct assembler *as, const void *buf, size_t len, struct err *e)
{
        as->size += (int64_t)len;
        if (as->dg)
                digester_update(as->dg, buf, len);
        if (as->out_fd < 0)
                return 0;
        int r = fs_write_all(as->out_fd, buf, len);
        return r < 0 ? err_errnum(e, r, "writing the layer tar") : 0;
}

static int copy_file_entry(struct assembler *as, const char *name, int64_t size,
                           const unsigned char *want, size_t want_len, struct err *e)
{
        _cleanup_close_ int fd = fs_open_in_root(as->rootfd, name, O_RDONLY | O_NOFOLLOW, 0, e);
        if (fd < 0)
                return err_wrap(e, "reassembling the layer tar");
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_errno(e, "stat '%s'", name);
        if (!S_ISREG(st.st_mode))
                return err_set(e, EBADMSG, "reassembling the layer tar: '%s' is not a regular file",
                               name);

        uint64_t crc = 0;
        int64_t left = size;
        while (left > 0) {
                size_t want_now = left < (int64_t)sizeof(as->buf) ? (size_t)left : sizeof(as->buf);
                ssize_t n = read(fd, as->buf, want_now);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "reading '%s'", name);
                }
                if (n == 0)
                        return err_set(e, EBADMSG,
                                       "file integrity checksum failed for '%s': %lld bytes "
                                       "short of its recorded size",
                                       name, (long long)left);
                crc = crc64_iso_update(crc, as->buf, (size_t)n);
                int r = emit(as, as->buf, (size_t)n, e);
                if (r < 0)
                        return r;
                left -= n;
        }
        unsigned char be[8];
        for (int i = 0; i < 8; i++)
                be[i] = (unsigned char)(crc >> (56 - 8 * i));
        if (want_len != 8 || memcmp(be, want, 8) != 0)
                return err_set(e, EBADMSG, "file integrity checksum failed for '%s'", name);
        return 0;
}

/* A JSON string or null member decoded from base64; absent or null gives
 * an empty result. */
static int record_b64(const struct json *rec, const char *key, unsigned char **ret, size_t *ret_len,
                      bool *ret_null)
{
        struct json *v = json_object_get(rec, key);
        *ret = NULL;
        *ret_len = 0;
        *ret_null = !v || v->type == JSON_NULL;
        if (*ret_null)
                return 0;
        if (v->type != JSON_STRING)
                return -EINVAL;
        return b64_decode(v->str.s, v->str.len, ret, ret_len);
}

static int assemble_record(struct assembler *as, const char *line, size_t len, struct err *e)
{
        _cleanup_json_ struct json *rec = NULL;
        _cleanup_err_ struct err pe = {0};
        if (json_parse(line, len, &rec, &pe) < 0 || rec->type != JSON_OBJECT)
                return err_set(e, EBADMSG, "tar-split record %lld: not a JSON object%s%s",
                               (long long)as->line_no, pe.msg ? ": " : "", pe.msg ? pe.msg : "");

        struct json *type = json_object_get(rec, "type");
        _cleanup_free_ unsigned char *payload = NULL;
        size_t payload_len;
        bool payload_null;
        if (record_b64(rec, "payload", &payload, &payload_len, &payload_null) < 0)
                return err_set(e, EBADMSG, "tar-split record %lld: bad payload",
                               (long long)as->line_no);

        if (type && type->type == JSON_INT && type->i == 2)
                return emit(as, payload, payload_len, e);
        if (!type || type->type != JSON_INT || type->i != 1)
                return err_set(e, EBADMSG, "tar-split record %lld: unknown type",
                               (long long)as->line_no);

        _cleanup_free_ char *name = NULL;
        _cleanup_free_ unsigned char *raw = NULL;
        size_t raw_len;
        bool raw_null;
        struct json *jname = json_object_get(rec, "name");
        if (record_b64(rec, "name_raw", &raw, &raw_len, &raw_null) < 0)
                return err_set(e, EBADMSG, "tar-split record %lld: bad name_raw",
                               (long long)as->line_no);
        if (raw_len > 0) {
                if (memchr(raw, 0, raw_len))
                        return err_set(e, EBADMSG, "tar-split record %lld: NUL in name",
                                       (long long)as->line_no);
                name = (char *)steal_pointer(&raw);
        } else if (jname && jname->type == JSON_STRING) {
                if (memchr(jname->str.s, 0, jname->str.len))
                        return err_set(e, EBADMSG, "tar-split record %lld: NUL in name",
                                       (long long)as->line_no);
                name = xstrdup(jname->str.s);
        } else if (jname && jname->type != JSON_NULL) {
                return err_set(e, EBADMSG, "tar-split record %lld: bad name",
                               (long long)as->line_no);
        } else {
                name = xstrdup("");
        }

        _cleanup_free_ char *clean = go_path_clean(name);
        if (!strset_add(&as->seen, clean))
                return err_set(e, EBADMSG, "tar-split record %lld: duplicate entry '%s'",
                               (long long)as->line_no, name);

        struct json *jsize = json_object_get(rec, "size");
        int64_t size = 0;
        if (jsize && jsize->type == JSON_INT)
                size = jsize->i;
        else if (jsize && jsize->type != JSON_NULL)
                return err_set(e, EBADMSG, "tar-split record %lld: bad size",
                               (long long)as->line_no);
        if (size == 0)
                return 0;
        if (size < 0)
                return err_set(e, EBADMSG, "tar-split record %lld: negative size for '%s'",
                               (long long)as->line_no, name);
        return copy_file_entry(as, name, size, payload, payload_len, e);
}

static int assemble_lines(struct assembler *as, struct sbuf *pending, bool final, struct err *e)
{
        size_t start = 0;
        for (;;) {
                char *nl = pending->len > start
                                   ? memchr(pending->buf + start, '\n', pending->len - start)
                                   : NULL;
                size_t end = nl ? (size_t)(nl - pending->buf) : pending->len;
                if (!nl && !final)
                        break;
                bool blank = true;
                for (size_t i = start; i < end && blank; i++)
                        blank = pending->buf[i] == ' ' || pending->buf[i] == '\t' ||
                                pending->buf[i] == '\r';
                if (!blank) {
                        as->line_no++;
                        int r = assemble_record(as, pending->buf + start, end - start, e);
                        if (r < 0)
                                return r;
                }
                start = end + (nl ? 1 : 0);
                if (!nl)
                        break;
        }
        memmove(pending->buf, pending->buf + start, pending->len - start);
        pending->len -= start;
        if (pending->len > TARSPLIT_MAX_LINE)
                return err_set(e, EBADMSG, "tar-split record %lld: longer than %u bytes",
                               (long long)as->line_no + 1, TARSPLIT_MAX_LINE);
        return 0;
}

static int assemble(int tarsplit_fd, int rootfd, int out_fd, struct digester *dg,
                    int64_t *ret_size, struct err *e)
{
        _cleanup_free_ struct assembler *as = xcalloc(1, sizeof(*as));
        _cleanup_free_ unsigned char *in = xmalloc(TARSPLIT_BUF);
        struct sbuf pending = {0};
        z_stream z = {0};
        int r = 0;
        bool in_member = false, any_member = false, eof = false;

        as->rootfd = rootfd;
        as->out_fd = out_fd;
        as->dg = dg;
        if (inflateInit2(&z, 15 + 16) != Z_OK)
                return err_set(e, ENOMEM, "initializing zlib for the tar-split stream");

        bool more_out = false; /* inflate may hold output without new input */
        for (;;) {
                if (z.avail_in == 0 && !more_out) {
                        if (eof)
                                break;
                        ssize_t n = read(tarsplit_fd, in, TARSPLIT_BUF);
                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                r = err_errno(e, "reading the tar-split stream");
                                goto out;
                        }
                        eof = n == 0;
                        z.next_in = in;
                        z.avail_in = (uInt)n;
                        continue;
                }
                if (!in_member) {
                        /* Like Go's multistream gzip reader: another member
                         * may follow, anything else is an error. */
                        if (any_member && inflateReset(&z) != Z_OK) {
                                r = err_set(e, EIO, "resetting zlib");
                                goto out;
                        }
                        in_member = any_member = true;
                }
                unsigned char outbuf[TARSPLIT_BUF];
                z.next_out = outbuf;
                z.avail_out = sizeof(outbuf);
                int zr = inflate(&z, Z_NO_FLUSH);
                if (zr != Z_OK && zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && z.avail_in == 0)) {
                        r = err_set(e, EBADMSG, "decompressing the tar-split stream: %s",
                                    z.msg ? z.msg : "corrupt gzip data");
                        goto out;
                }
                more_out = z.avail_out == 0;
                sbuf_append_len(&pending, (const char *)outbuf, sizeof(outbuf) - z.avail_out);
                if (zr == Z_STREAM_END) {
                        in_member = false;
                        more_out = false;
                }
                r = assemble_lines(as, &pending, false, e);
                if (r < 0)
                        goto out;
        }
        if (in_member || !any_member) {
                r = err_set(e, EBADMSG, "decompressing the tar-split stream: %s",
                            any_member ? "unexpected end of gzip data" : "empty stream");
                goto out;
        }
        r = assemble_lines(as, &pending, true, e);
        if (r >= 0 && ret_size)
                *ret_size = as->size;
out:
        inflateEnd(&z);
        sbuf_done(&pending);
        strset_done(&as->seen);
        return r;
}

int tarsplit_assemble(int tarsplit_fd, int rootfd, int out_fd, struct err *e)
{
        return assemble(tarsplit_fd, rootfd, out_fd, NULL, NULL, e);
}

int tarsplit_assemble_digest(int tarsplit_fd, int rootfd, char **ret_digest, int64_t *ret_size,
                             struct err *e)
{
        _cleanup_(digester_freep) struct digester *dg = digester_new();
        int64_t size;
        int r = assemble(tarsplit_fd, rootfd, -1, dg, &size, e);
        if (r < 0)
                return r;
        *ret_digest = digester_final(dg);
        *ret_size = size;
        return 0;
}
