/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small tar writer for the archives berth saves (docker-archive,
 * oci-archive): regular files, symlinks and directories only. Headers are
 * laid out exactly as Go's archive/tar writes them in podman's
 * docker-archive (USTAR, octal fields of 7 and 11 digits ending in NUL,
 * "%06o\0 " checksum, empty owner names, devices "0000000\0"), so that
 * `berth save` and `podman save` of the same image give the same bytes.
 * Names or sizes USTAR cannot hold get a PAX extended header first, as Go
 * does. Linking libarchive for this would cost every berth start.
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

#define USTAR_NAME_MAX 100
#define USTAR_PREFIX_MAX 155
#define USTAR_SIZE_MAX 077777777777ULL /* 11 octal digits */

struct tar_writer {
        int fd;
        char *what;
        bool in_file;
        uint64_t remaining; /* data still owed to the current file */
        uint64_t size;      /* of the current file, for padding */
};

struct tar_writer *tar_writer_new(int fd, const char *what)
{
        struct tar_writer *w = xcalloc(1, sizeof(*w));
        w->fd = fd;
        w->what = xstrdup(what);
        return w;
}

void tar_writer_free(struct tar_writer *w)
{
        if (!w)
                return;
        free(w->what);
        free(w);
}

static int write_all(struct tar_writer *w, const void *buf, size_t len, struct err *e)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t n = write(w->fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return err_errno(e, "write '%s'", w->what);
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* An octal field of width bytes: width-1 zero-padded digits and a NUL. */
static void put_octal(char *field, size_t width, uint64_t v)
{
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
        memcpy(field, tmp, width - 1);
        field[width - 1] = '\0';
}

/* Split name into USTAR prefix and name at a '/', as Go's splitUSTARPath. */
static bool ustar_split(const char *name, size_t *ret_prefix_len)
{
        size_t len = strlen(name);
        *ret_prefix_len = 0;
        if (len <= USTAR_NAME_MAX)
                return true;
        size_t n = len;
        if (n > USTAR_PREFIX_MAX + 1)
                n = USTAR_PREFIX_MAX + 1;
        else if (name[n - 1] == '/')
                n--;
        const char *slash = memrchr(name, '/', n);
        if (!slash || slash == name)
                return false;
        size_t plen = (size_t)(slash - name);
        size_t nlen = len - plen - 1;
        if (nlen == 0 || nlen > USTAR_NAME_MAX || plen > USTAR_PREFIX_MAX)
                return false;
        *ret_prefix_len = plen;
        return true;
}

static void fill_header(char *h, const char *name, size_t prefix_len, mode_t mode, uint64_t size,
                        char type, const char *link)
{
        memset(h, 0, TAR_BLOCK);
        if (prefix_len) {
                memcpy(h + 345, name, prefix_len);
                strncpy(h, name + prefix_len + 1, USTAR_NAME_MAX);
        } else {
                strncpy(h, name, USTAR_NAME_MAX);
        }
        put_octal(h + 100, 8, mode & 07777);
        put_octal(h + 108, 8, 0);
        put_octal(h + 116, 8, 0);
        put_octal(h + 124, 12, size);
        put_octal(h + 136, 12, 0);
        h[156] = type;
        if (link)
                strncpy(h + 157, link, 100);
        memcpy(h + 257,
               "ustar\0"
               "00",
               8);
        put_octal(h + 329, 8, 0);
        put_octal(h + 337, 8, 0);
        memset(h + 148, ' ', 8);
        unsigned sum = 0;
        for (size_t i = 0; i < TAR_BLOCK; i++)
                sum += (unsigned char)h[i];
        snprintf(h + 148, 8, "%06o", sum);
        h[155] = ' ';
}

/* One PAX record: "<len> <key>=<value>\n", where len counts itself. */
static void pax_record(struct sbuf *b, const char *key, const char *value)
{
        size_t base = strlen(key) + strlen(value) + 3;
        size_t len = base + 1;
        for (;;) {
                size_t digits = (size_t)snprintf(NULL, 0, "%zu", len);
                if (base + digits == len)
                        break;
                len = base + digits;
        }
        sbuf_printf(b, "%zu %s=%s\n", len, key, value);
}

static int write_padding(struct tar_writer *w, uint64_t size, struct err *e)
{
        static const char zeros[TAR_BLOCK];
        size_t pad = (size_t)((TAR_BLOCK - size % TAR_BLOCK) % TAR_BLOCK);
        return pad ? write_all(w, zeros, pad, e) : 0;
}

static int write_header(struct tar_writer *w, const char *name, mode_t mode, uint64_t size,
                        char type, const char *link, struct err *e)
{
        if (w->in_file)
                return err_set(e, EINVAL, "write '%s': previous entry not finished", w->what);
        char h[TAR_BLOCK];
        size_t prefix_len = 0;
        bool name_fits = ustar_split(name, &prefix_len);
        bool link_fits = !link || strlen(link) <= 100;
        bool size_fits = size <= USTAR_SIZE_MAX;
        if (!name_fits || !link_fits || !size_fits) {
                struct sbuf pax = {0};
                if (!name_fits)
                        pax_record(&pax, "path", name);
                if (!link_fits)
                        pax_record(&pax, "linkpath", link);
                if (!size_fits) {
                        char s[32];
                        snprintf(s, sizeof(s), "%llu", (unsigned long long)size);
                        pax_record(&pax, "size", s);
                }
                /* Go names the extended header after the entry, in a
                 * PaxHeaders.0 directory, cut to what USTAR can hold. */
                _cleanup_free_ char *dir = xstrdup(name);
                char *slash = strrchr(dir, '/');
                const char *base = slash ? slash + 1 : name;
                if (slash)
                        *slash = '\0';
                _cleanup_free_ char *xname = slash ? xasprintf("%s/PaxHeaders.0/%s", dir, base)
                                                   : xasprintf("PaxHeaders.0/%s", base);
                if (strlen(xname) > USTAR_NAME_MAX)
                        xname[USTAR_NAME_MAX] = '\0';
                fill_header(h, xname, 0, 0, pax.len, 'x', NULL);
                int r = write_all(w, h, TAR_BLOCK, e);
                if (r >= 0)
                        r = write_all(w, pax.buf, pax.len, e);
                if (r >= 0)
                        r = write_padding(w, pax.len, e);
                sbuf_done(&pax);
                if (r < 0)
                        return r;
                if (!name_fits)
                        prefix_len = 0; /* the header keeps a cut name */
        }
        fill_header(h, name, prefix_len, mode, size_fits ? size : 0, type, link);
        return write_all(w, h, TAR_BLOCK, e);
}

int tar_writer_begin_file(struct tar_writer *w, const char *name, mode_t mode, uint64_t size,
                          struct err *e)
{
        int r = write_header(w, name, mode, size, '0', NULL, e);
        if (r < 0)
                return r;
        w->in_file = true;
        w->remaining = size;
        w->size = size;
        return 0;
}

int tar_writer_write(struct tar_writer *w, const void *buf, size_t len, struct err *e)
{
        if (!w->in_file || len > w->remaining)
                return err_set(e, EIO, "write '%s': more data than the entry's size", w->what);
        w->remaining -= len;
        return write_all(w, buf, len, e);
}

int tar_writer_end_file(struct tar_writer *w, struct err *e)
{
        if (!w->in_file || w->remaining)
                return err_set(e, EIO, "write '%s': entry ended %llu bytes short", w->what,
                               (unsigned long long)w->remaining);
        w->in_file = false;
        return write_padding(w, w->size, e);
}

int tar_writer_add_buffer(struct tar_writer *w, const char *name, mode_t mode, const void *buf,
                          size_t len, struct err *e)
{
        int r = tar_writer_begin_file(w, name, mode, len, e);
        if (r >= 0)
                r = tar_writer_write(w, buf, len, e);
        if (r >= 0)
                r = tar_writer_end_file(w, e);
        return r;
}

int tar_writer_add_symlink(struct tar_writer *w, const char *name, const char *target,
                           struct err *e)
{
        return write_header(w, name, 0, 0, '2', target, e);
}

int tar_writer_add_dir(struct tar_writer *w, const char *name, mode_t mode, struct err *e)
{
        return write_header(w, name, mode, 0, '5', NULL, e);
}

int tar_writer_finish(struct tar_writer *w, struct err *e)
{
        static const char zeros[2 * TAR_BLOCK];
        if (w->in_file)
                return err_set(e, EIO, "write '%s': last entry not finished", w->what);
        return write_all(w, zeros, sizeof(zeros), e);
}
