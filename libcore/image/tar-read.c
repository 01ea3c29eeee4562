/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Indexing an uncompressed tar (an oci-archive or docker-archive) so that
 * its members can be read in place with pread, without extracting it: a
 * layer is then read once, from the archive straight into its consumer.
 * The archive is untrusted: header checksums are checked, extension
 * headers and names are bounded, every member's data must lie inside the
 * file, and links are only ever followed to other members.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "image-internal.h"

#define PAX_MAX (1u << 20)       /* data of one extended header */
#define LONGNAME_MAX (64u << 10) /* a GNU long name or link */
#define NAME_MAX_LEN 4096
#define MEMBERS_MAX 1000000
#define LINK_HOPS_MAX 16

void tar_index_free(struct tar_index *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++) {
                free(t->members[i].name);
                free(t->members[i].linkname);
        }
        free(t->members);
        free(t);
}

char *tar_clean_path(const char *path)
{
        _cleanup_strv_ char **parts = strv_split(path, "/");
        char **out = xcalloc(strv_length(parts) + 1, sizeof(char *));
        size_t n = 0;
        for (char **p = parts; *p; p++) {
                if (!**p || STREQ(*p, "."))
                        continue;
                if (STREQ(*p, "..")) {
                        if (n == 0) {
                                strv_free(out);
                                return NULL;
                        }
                        free(out[--n]);
                        out[n] = NULL;
                        continue;
                }
                out[n++] = xstrdup(*p);
        }
        char *s = strv_join(out, "/");
        strv_free(out);
        return s;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off, const char *what, struct err *e)
{
        size_t done = 0;
        while (done < len) {
                ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "read '%s'", what);
                }
                if (n == 0)
                        return err_set(e, EINVAL, "invalid archive '%s': truncated", what);
                done += (size_t)n;
        }
        return 0;
}

/* A numeric field: octal digits (space or NUL padded), or the base-256
 * form (high bit of the first byte) that GNU and Go use for big values. */
static int parse_number(const unsigned char *f, size_t len, uint64_t *ret)
{
        uint64_t v = 0;
        if (f[0] & 0x80) {
                if (f[0] & 0x40) /* negative */
                        return -1;
                v = f[0] & 0x3f;
                for (size_t i = 1; i < len; i++) {
                        if (v >> 56)
                                return -1;
                        v = (v << 8) | f[i];
                }
                *ret = v;
                return 0;
        }
        size_t i = 0;
        while (i < len && (f[i] == ' ' || f[i] == '\0'))
                i++;
        bool any = false;
        for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
                if (v >> 60)
                        return -1;
                v = v * 8 + (uint64_t)(f[i] - '0');
                any = true;
        }
        for (; i < len; i++)
                if (f[i] != ' ' && f[i] != '\0')
                        return -1;
        (void)any; /* an empty field reads as 0, as Go and GNU tar do */
        *ret = v;
        return 0;
}

static bool checksum_ok(const unsigned char *h)
{
        uint64_t want = 0;
        if (parse_number(h + 148, 8, &want) < 0)
                return false;
        unsigned u = 0;
        int s = 0;
        for (size_t i = 0; i < TAR_BLOCK; i++) {
                unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
                u += c;
                s += (signed char)c;
        }
        /* Some old tars computed it with signed chars. */
        return want == u || (int64_t)want == s;
}

static bool is_zero_block(const unsigned char *h)
{
        for (size_t i = 0; i < TAR_BLOCK; i++)
                if (h[i])
                        return false;
        return true;
}

/* What extension headers said about the next member. */
struct pending {
        char *path;
        char *linkpath;
        bool have_size;
        uint64_t size;
};

static void pending_done(struct pending *p)
{
        free(p->path);
        free(p->linkpath);
        memset(p, 0, sizeof(*p));
}

static int parse_pax(const char *data, size_t len, struct pending *p, const char *what,
                     struct err *e)
{
        size_t off = 0;
        while (off < len) {
                size_t n = 0, i = off;
                while (i < len && data[i] >= '0' && data[i] <= '9' && n < PAX_MAX)
                        n = n * 10 + (size_t)(data[i++] - '0');
                if (i >= len || data[i] != ' ' || n <= i - off + 1 || n > len - off ||
                    data[off + n - 1] != '\n')
                        return err_set(e, EINVAL, "invalid archive '%s': bad PAX record", what);
                const char *kv = data + i + 1;
                size_t kvlen = off + n - 1 - (i + 1);
                const char *eq = memchr(kv, '=', kvlen);
                if (!eq)
                        return err_set(e, EINVAL, "invalid archive '%s': bad PAX record", what);
                size_t klen = (size_t)(eq - kv);
                const char *val = eq + 1;
                size_t vlen = kvlen - klen - 1;
                if (klen == 4 && memcmp(kv, "path", 4) == 0) {
                        free(p->path);
                        p->path = xstrndup(val, vlen);
                } else if (klen == 8 && memcmp(kv, "linkpath", 8) == 0) {
                        free(p->linkpath);
                        p->linkpath = xstrndup(val, vlen);
                } else if (klen == 4 && memcmp(kv, "size", 4) == 0) {
                        _cleanup_free_ char *v = xstrndup(val, vlen);
                        if (str_to_uint64(v, &p->size) < 0)
                                return err_set(e, EINVAL, "invalid archive '%s': bad PAX size",
                                               what);
                        p->have_size = true;
                }
                off += n;
        }
        return 0;
}

static char *field_string(const unsigned char *f, size_t len)
{
        return xstrndup((const char *)f, strnlen((const char *)f, len));
}

static int add_member(struct tar_index *t, size_t *cap, const unsigned char *h, char type,
                      uint64_t off, uint64_t size, struct pending *p, const char *what,
                      struct err *e)
{
        _cleanup_free_ char *raw = NULL;
        if (p->path) {
                raw = steal_pointer(&p->path);
        } else {
                _cleanup_free_ char *name = field_string(h, 100);
                bool ustar = memcmp(h + 257, "ustar\0", 6) == 0;
                _cleanup_free_ char *prefix = ustar ? field_string(h + 345, 155) : NULL;
                raw = prefix && *prefix ? xasprintf("%s/%s", prefix, name) : steal_pointer(&name);
        }
        if (strlen(raw) > NAME_MAX_LEN)
                return err_set(e, EINVAL, "invalid archive '%s': member name too long", what);
        if (t->n >= MEMBERS_MAX)
                return err_set(e, EFBIG, "invalid archive '%s': more than %d members", what,
                               MEMBERS_MAX);
        char *clean = tar_clean_path(raw);
        if (!clean) {
                _cleanup_free_ char *q = image_quote(raw);
                return err_set(e, EINVAL, "invalid archive '%s': member '%s' points outside it",
                               what, q);
        }
        xgrow((void **)&t->members, cap, t->n + 1, sizeof(*t->members));
        struct tar_member *m = &t->members[t->n++];
        m->name = clean;
        m->type = type == '\0' ? '0' : type;
        m->offset = off;
        m->size = size;
        m->linkname = p->linkpath ? steal_pointer(&p->linkpath) : field_string(h + 157, 100);
        return 0;
}

int tar_index_build(int fd, const char *what, struct tar_index **ret, struct err *e)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_errno(e, "stat '%s'", what);
        uint64_t file_size = (uint64_t)st.st_size;
        _cleanup_(tar_index_freep) struct tar_index *t = xcalloc(1, sizeof(*t));
        size_t cap = 0;
        struct pending p = {0};
        uint64_t off = 0;
        int r = 0;
        unsigned char h[TAR_BLOCK];
        for (;;) {
                if (off + TAR_BLOCK > file_size) {
                        /* Go's writer and others may omit the end blocks. */
                        if (off == file_size && !p.path && !p.linkpath && !p.have_size)
                                break;
                        r = err_set(e, EINVAL, "invalid archive '%s': truncated", what);
                        goto out;
                }
                if ((r = read_at(fd, h, TAR_BLOCK, off, what, e)) < 0)
                        goto out;
                if (is_zero_block(h))
                        break;
                if (!checksum_ok(h)) {
                        r = err_set(e, EINVAL,
                                    "invalid archive '%s': bad header checksum at offset %llu",
                                    what, (unsigned long long)off);
                        goto out;
                }
                uint64_t size = 0;
                if (parse_number(h + 124, 12, &size) < 0) {
                        r = err_set(e, EINVAL, "invalid archive '%s': bad size at offset %llu",
                                    what, (unsigned long long)off);
                        goto out;
                }
                char type = (char)h[156];
                uint64_t data = off + TAR_BLOCK;
                if (p.have_size && type != 'x' && type != 'g' && type != 'L' && type != 'K')
                        size = p.size;
                if (size > file_size || data > file_size - size) {
                        r = err_set(e, EINVAL, "invalid archive '%s': member data past the end",
                                    what);
                        goto out;
                }
                if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                        size_t max = type == 'x' || type == 'g' ? PAX_MAX : LONGNAME_MAX;
                        if (size > max) {
                                r = err_set(e, EFBIG,
                                            "invalid archive '%s': extension header "
                                            "too large",
                                            what);
                                goto out;
                        }
                        _cleanup_free_ char *buf = xmalloc((size_t)size + 1);
                        if ((r = read_at(fd, buf, (size_t)size, data, what, e)) < 0)
                                goto out;
                        buf[size] = '\0';
                        if (type == 'x') {
                                if ((r = parse_pax(buf, (size_t)size, &p, what, e)) < 0)
                                        goto out;
                        } else if (type == 'L') {
                                free(p.path);
                                p.path = xstrndup(buf, strnlen(buf, (size_t)size));
                        } else if (type == 'K') {
                                free(p.linkpath);
                                p.linkpath = xstrndup(buf, strnlen(buf, (size_t)size));
                        }
                } else {
                        /* Only regular files carry data; a link or
                         * directory with a size is read past like GNU tar. */
                        if ((r = add_member(t, &cap, h, type, data, size, &p, what, e)) < 0)
                                goto out;
                        pending_done(&p);
                }
                uint64_t padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
                off = data + padded;
        }
        *ret = steal_pointer(&t);
out:
        pending_done(&p);
        return r;
}

/* The last member named path (later members replace earlier ones). */
static const struct tar_member *find(const struct tar_index *t, const char *path)
{
        for (size_t i = t->n; i > 0; i--)
                if (STREQ(t->members[i - 1].name, path))
                        return &t->members[i - 1];
        return NULL;
}

int tar_index_lookup(const struct tar_index *t, const char *path, const struct tar_member **ret,
                     struct err *e)
{
        _cleanup_free_ char *cur = tar_clean_path(path);
        _cleanup_free_ char *q = image_quote(path);
        for (int hop = 0; cur && hop <= LINK_HOPS_MAX; hop++) {
                const struct tar_member *m = find(t, cur);
                if (!m)
                        break;
                if (m->type == '0' || m->type == '7') {
                        *ret = m;
                        return 0;
                }
                if (m->type == '1') {
                        /* Hard links name another member from the root. */
                        char *next = tar_clean_path(m->linkname);
                        free(cur);
                        cur = next;
                        continue;
                }
                if (m->type != '2')
                        return err_set(e, EINVAL, "archive member '%s' is not a regular file", q);
                _cleanup_free_ char *joined = NULL;
                if (m->linkname[0] == '/') {
                        joined = xstrdup(m->linkname);
                } else {
                        const char *slash = strrchr(m->name, '/');
                        joined = slash ? xasprintf("%.*s/%s", (int)(slash - m->name), m->name,
                                                   m->linkname)
                                       : xstrdup(m->linkname);
                }
                free(cur);
                cur = tar_clean_path(joined);
        }
        return err_set(e, ENOENT, "archive member '%s' not found", q);
}
