/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the cgroup files build on: reading and writing cgroupfs files, and
 * the host's layout -- the cgroup mounts of mountinfo, the lines of
 * /proc/self/cgroup, and cgroupsPath cleaned. The layout is a value built
 * from text under a path prefix, so tests run it on a fake tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <time.h>

#include "cgroup-internal.h"

#define CG_READ_MAX (1u << 20)

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

int rt_cg_write(const char *dir, const char *file, const char *value, struct err *e)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return err_errno(e, "open '%s'", p);
        size_t len = strlen(value);
        /* cgroupfs takes one write per value: a short write is an error. */
        ssize_t n = write(fd, value, len);
        if (n < 0)
                return err_errno(e, "writing '%s' to '%s'", value, p);
        if ((size_t)n != len)
                return err_set(e, EIO, "writing '%s' to '%s': short write", value, p);
        return 0;
}

int rt_cg_write_u64(const char *dir, const char *file, uint64_t v, struct err *e)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
        return rt_cg_write(dir, file, buf, e);
}

int rt_cg_write_i64(const char *dir, const char *file, int64_t v, struct err *e)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", (long long)v);
        return rt_cg_write(dir, file, buf, e);
}

int rt_cg_read(const char *dir, const char *file, char **ret, struct err *e)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        char *buf = NULL;
        size_t len = 0;
        int r = fs_read_file(AT_FDCWD, p, CG_READ_MAX, &buf, &len, e);
        if (r < 0)
                return r;
        while (len > 0 && buf[len - 1] == '\n')
                buf[--len] = '\0';
        *ret = buf;
        return 0;
}

bool rt_cg_file_exists(const char *dir, const char *file)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        return access(p, F_OK) == 0;
}

void rt_cg_sleep_ms(unsigned ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

bool rt_cg_list_has(const char *list, const char *name)
{
        size_t n = strlen(name);
        for (const char *p = list; p && *p;) {
                const char *c = strchr(p, ',');
                size_t l = c ? (size_t)(c - p) : strlen(p);
                if (l == n && strncmp(p, name, n) == 0)
                        return true;
                p = c ? c + 1 : NULL;
        }
        return false;
}

/* ------------------------------------------------------------------------
 * The host's layout
 * ------------------------------------------------------------------------ */

/* mountinfo escapes blanks and backslashes as \ooo. */
static char *unescape_octal(const char *s)
{
        char *out = xmalloc(strlen(s) + 1), *o = out;
        while (*s) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 4;
                } else {
                        *o++ = *s++;
                }
        }
        *o = '\0';
        return out;
}

static void mounts_free(struct rt_cg_mount *m, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(m[i].mountpoint);
                free(m[i].root);
                free(m[i].options);
        }
        free(m);
}

int rt_cg_mountinfo_parse(const char *buf, struct rt_cg_mount **ret, size_t *ret_n, struct err *e)
{
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        struct rt_cg_mount *m = NULL;
        size_t n = 0, cap = 0;
        for (char **l = lines; *l; l++) {
                _cleanup_strv_ char **f = strv_split(*l, " ");
                size_t nf = strv_length(f), dash = 0;
                for (size_t i = 6; i < nf; i++)
                        if (STREQ(f[i], "-")) {
                                dash = i;
                                break;
                        }
                /* id parent dev root mountpoint options [opt...] - type source super */
                if (nf < 8 || dash == 0 || dash + 1 >= nf)
                        continue;
                const char *type = f[dash + 1];
                bool v2 = STREQ(type, "cgroup2");
                if (!v2 && !STREQ(type, "cgroup"))
                        continue;
                xgrow((void **)&m, &cap, n + 1, sizeof(*m));
                m[n].root = unescape_octal(f[3]);
                m[n].mountpoint = unescape_octal(f[4]);
                m[n].options = xstrdup(v2 || dash + 3 >= nf ? "" : f[dash + 3]);
                m[n].v2 = v2;
                n++;
        }
        (void)e;
        *ret = m;
        *ret_n = n;
        return 0;
}

static void self_free(struct rt_cg_self *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(s[i].controllers);
                free(s[i].path);
        }
        free(s);
}

int rt_cg_self_parse(const char *buf, struct rt_cg_self **ret, size_t *ret_n, struct err *e)
{
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        struct rt_cg_self *s = NULL;
        size_t n = 0, cap = 0;
        for (char **l = lines; *l; l++) {
                if (!**l)
                        continue;
                char *c1 = strchr(*l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                uint64_t id;
                if (!c2 || c2[1] != '/') {
                        self_free(s, n);
                        _cleanup_free_ char *q = rt_quote(*l);
                        return err_set(e, EINVAL, "/proc/self/cgroup: bad line '%s'", q);
                }
                *c1 = '\0';
                if (str_to_uint64(*l, &id) < 0 || id > UINT_MAX) {
                        self_free(s, n);
                        _cleanup_free_ char *q = rt_quote(*l);
                        return err_set(e, EINVAL, "/proc/self/cgroup: bad hierarchy id '%s'", q);
                }
                xgrow((void **)&s, &cap, n + 1, sizeof(*s));
                s[n].id = (unsigned)id;
                s[n].controllers = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
                s[n].path = xstrdup(c2 + 1);
                n++;
        }
        *ret = s;
        *ret_n = n;
        return 0;
}

int rt_cg_host_init(struct rt_cg_host *h, const char *prefix, enum cgroup_mode mode,
                    const char *mountinfo, const char *self_cgroup, bool rootless, struct err *e)
{
        struct rt_cg_host x = {.mode = mode, .rootless = rootless};
        int r;
        if ((r = rt_cg_mountinfo_parse(mountinfo, &x.mounts, &x.n_mounts, e)) < 0)
                return r;
        if ((r = rt_cg_self_parse(self_cgroup, &x.self, &x.n_self, e)) < 0) {
                rt_cg_host_done(&x);
                return r;
        }
        x.prefix = xstrdup(prefix ? prefix : "");
        x.systemd_dir = xasprintf("%s/run/systemd/system", x.prefix);
        *h = x;
        return 0;
}

/* Whether this process is in a user namespace other than the first one. */
static bool in_user_namespace(void)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, "/proc/self/uid_map", 4096, &buf, &len, NULL) < 0)
                return false;
        unsigned long a, b, c;
        return sscanf(buf, " %lu %lu %lu", &a, &b, &c) != 3 || a != 0 || b != 0 ||
               c != 4294967295UL;
}

int rt_cg_host_load(struct rt_cg_host *h, bool rootless, struct err *e)
{
        enum cgroup_mode mode;
        _cleanup_free_ char *mi = NULL, *self = NULL;
        size_t len;
        int r;
        if ((r = host_cgroup_mode("/sys/fs/cgroup", &mode, e)) < 0 ||
            (r = fs_read_file(AT_FDCWD, "/proc/self/mountinfo", 0, &mi, &len, e)) < 0 ||
            (r = fs_read_file(AT_FDCWD, "/proc/self/cgroup", CG_READ_MAX, &self, &len, e)) < 0)
                return r;
        rootless = rootless || geteuid() != 0 || in_user_namespace();
        if ((r = rt_cg_host_init(h, "", mode, mi, self, rootless, e)) < 0)
                return r;
        free(h->systemd_dir);
        h->systemd_dir = xstrdup("/run/systemd/system");
        return 0;
}

void rt_cg_host_done(struct rt_cg_host *h)
{
        mounts_free(h->mounts, h->n_mounts);
        self_free(h->self, h->n_self);
        free(h->prefix);
        free(h->systemd_dir);
        *h = (struct rt_cg_host){0};
}

int rt_cg_clean_path(const char *path, char **ret, struct err *e)
{
        _cleanup_strv_ char **parts = strv_split(path, "/");
        struct sbuf b = {0};
        if (path[0] == '/')
                sbuf_append(&b, "/");
        bool any = false;
        for (char **p = parts; *p; p++) {
                if (!**p || STREQ(*p, "."))
                        continue;
                if (STREQ(*p, "..")) {
                        sbuf_done(&b);
                        _cleanup_free_ char *q = rt_quote(path);
                        return err_set(e, EINVAL, "linux.cgroupsPath: '%s' has a '..' component",
                                       q);
                }
                if (any)
                        sbuf_append(&b, "/");
                sbuf_append(&b, *p);
                any = true;
        }
        if (!any) {
                sbuf_done(&b);
                _cleanup_free_ char *q = rt_quote(path);
                return err_set(e, EINVAL, "linux.cgroupsPath: '%s' names the root cgroup", q);
        }
        *ret = sbuf_steal(&b);
        return 0;
}
