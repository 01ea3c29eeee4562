/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Translated seccomp profiles, cached. Turning podman's profile (16 KiB,
 * some 400 syscall names) into a container's linux.seccomp is the largest
 * piece of CPU work of a create (0.2 ms of parsing and building), and its
 * result depends only on the profile's bytes, the capability bounding set,
 * the architecture, the kernel release (minKernel) and this translator.
 *
 * The cache is the caller's own: a directory under the runroot (a tmpfs,
 * emptied at boot). An entry is named by a 64-bit FNV-1a of its key and
 * holds the key itself, then the translated object as JSON, so a hit is a
 * byte-for-byte match of everything the result depends on and no hash has
 * to be trusted. An entry that is not whole (or not JSON) is a miss and is
 * replaced; past CACHE_MAX entries the directory is emptied first.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr-spec.h"

#define CACHE_FORMAT "berth-seccomp-translation 1 " BERTH_VERSION
#define CACHE_MAX 32
/* Key (the profile, bounded by the caller, and a few names) plus result. */
#define ENTRY_MAX (16u << 20)

void ctr_seccomp_cache_key(struct sbuf *k, const char *profile, size_t len, char *const *bounding,
                           const char *arch, const char *kernel_release)
{
        sbuf_append_sized(k, CACHE_FORMAT, strlen(CACHE_FORMAT));
        sbuf_append_sized(k, arch, arch ? strlen(arch) : 0);
        sbuf_append_sized(k, kernel_release, kernel_release ? strlen(kernel_release) : 0);
        size_t n = strv_length((char **)bounding);
        sbuf_append_len(k, (const char *)&n, sizeof(n));
        for (size_t i = 0; i < n; i++)
                sbuf_append_sized(k, bounding[i], strlen(bounding[i]));
        sbuf_append_sized(k, profile, len);
}

int ctr_seccomp_cache_get(const char *dir, const struct sbuf *k, struct json **ret)
{
        *ret = NULL;
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return 0;
        _cleanup_free_ char *name = fs_cache_name(k->buf, k->len);
        /* Not a link, a FIFO or a giant: only what put wrote counts. */
        _cleanup_close_ int fd =
                openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        struct stat st;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            fs_read_fd(fd, name, ENTRY_MAX, &buf, &len, NULL) < 0 || len <= k->len ||
            memcmp(buf, k->buf, k->len) != 0)
                return 0;
        if (json_parse(buf + k->len, len - k->len, ret, NULL) < 0 || (*ret)->type != JSON_OBJECT) {
                json_free(*ret);
                *ret = NULL;
                return 0;
        }
        return 1;
}

void ctr_seccomp_cache_put(const char *dir, const struct sbuf *k, const struct json *val)
{
        struct err e = {0};
        if (fs_mkdir_p(dir, 0700, &e) < 0) {
                log_debug("seccomp translation cache: %s", e.msg);
                err_done(&e);
                return;
        }
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return;
        fs_cache_bound(dfd, CACHE_MAX);
        _cleanup_free_ char *text = json_generate(val, 0);
        struct sbuf b = {0};
        sbuf_append_len(&b, k->buf, k->len);
        sbuf_append(&b, text);
        _cleanup_free_ char *name = fs_cache_name(k->buf, k->len);
        if (fs_write_atomic_volatile(dfd, name, b.buf, b.len, 0600, &e) < 0)
                log_debug("seccomp translation cache: %s", e.msg);
        err_done(&e);
        sbuf_done(&b);
}
