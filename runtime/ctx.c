/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The global options (runc's --root, --rootless, --systemd-cgroup) and the
 * default state root.
 *
 * Defaults: real root uses /run/berth-runtime. Anyone else (a non-zero euid,
 * or uid 0 inside a user namespace, as berth runs rootless) uses
 * $XDG_RUNTIME_DIR/berth-runtime, else /tmp/berth-runtime-<uid>, with <uid>
 * the user's host uid as podman passes it (_CONTAINERS_ROOTLESS_UID). The
 * root is made 0700 if missing; a /tmp one must then be ours, a real
 * directory and not writable by others, or someone could have planted it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "cgroup-internal.h"
#include "lifecycle-internal.h"

bool rt_in_initial_userns(void)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, "/proc/self/uid_map", 4096, &buf, &len, NULL) < 0)
                return true;
        unsigned long a, b, c;
        char extra;
        if (sscanf(buf, " %lu %lu %lu %c", &a, &b, &c, &extra) != 3)
                return false;
        return a == 0 && b == 0 && c == 4294967295ul;
}

/* The host uid the per-user default root is named after. */
static uid_t rootless_uid(void)
{
        const char *s = getenv("_CONTAINERS_ROOTLESS_UID");
        int64_t v;
        if (geteuid() == 0 && s && str_to_int64(s, &v) == 0 && v >= 0 && v < UINT32_MAX)
                return (uid_t)v;
        return geteuid();
}

char *rt_ctx_default_root(void)
{
        if (geteuid() == 0 && rt_in_initial_userns())
                return xstrdup("/run/berth-runtime");
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (xdg && xdg[0] == '/')
                return xasprintf("%s/berth-runtime", xdg);
        return xasprintf("/tmp/berth-runtime-%u", (unsigned)rootless_uid());
}

/* The root must be a directory that only we may change. */
static int check_root(const char *root, struct err *e)
{
        struct stat st;
        if (lstat(root, &st) < 0)
                return err_errno(e, "stat '%s'", root);
        if (!S_ISDIR(st.st_mode))
                return err_set(e, ENOTDIR, "state root '%s' is not a directory", root);
        if (st.st_uid != geteuid())
                return err_set(e, EPERM, "state root '%s' is owned by uid %u, not by us (%u)", root,
                               (unsigned)st.st_uid, (unsigned)geteuid());
        if (st.st_mode & 0022)
                return err_set(e, EPERM, "state root '%s' is writable by others (mode %04o)", root,
                               (unsigned)(st.st_mode & 07777));
        return 0;
}

int rt_ctx_init(struct rt_ctx *ctx, const char *root, int rootless, bool systemd_cgroup,
                struct err *e)
{
        struct rt_ctx c = {0};
        c.root = root && *root ? xstrdup(root) : rt_ctx_default_root();
        if (c.root[0] != '/') {
                /* Later commands may run from elsewhere: anchor a relative --root. */
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd) {
                        int r = err_errno(e, "getcwd");
                        free(c.root);
                        return r;
                }
                char *abs = xasprintf("%s/%s", cwd, c.root);
                free(c.root);
                c.root = abs;
        }
        c.rootless = rootless < 0 ? (geteuid() != 0 || !rt_in_initial_userns()) : rootless > 0;
        c.systemd_cgroup = systemd_cgroup;
        bool existed = fs_exists(c.root);
        if (fs_mkdir_p(c.root, 0700, e) < 0) {
                free(c.root);
                return err_wrap(e, "creating the state root");
        }
        /* Only a default root in a shared place needs the ownership check;
         * a given --root is the caller's choice (runc takes it as is). */
        if (!(root && *root) && str_has_prefix(c.root, "/tmp/") && check_root(c.root, e) < 0) {
                free(c.root);
                return -EPERM;
        }
        if (!existed)
                log_debug("created the state root '%s'", c.root);
        *ctx = c;
        return 0;
}

void rt_ctx_done(struct rt_ctx *ctx)
{
        if (!ctx)
                return;
        rt_ctx_unload(ctx);
        free(ctx->root);
        ctx->root = NULL;
}

int rt_ctx_preload(struct rt_ctx *ctx, bool new_netns, struct err *e)
{
        rt_ctx_unload(ctx);
        struct rt_preload *p = xcalloc(1, sizeof(*p));
        p->net.fd = -1;
        ctx->pre = p;
        /* The namespace first: its thread works while we read. */
        if (new_netns)
                rt_netns_ahead_start(&p->net);
        p->cg_host = xcalloc(1, sizeof(*p->cg_host));
        if (rt_cg_host_load(p->cg_host, ctx->rootless, e) < 0) {
                free(steal_pointer(&p->cg_host));
                return err_wrap(e, "reading the host's cgroups");
        }
        return 0;
}

void rt_ctx_unload(struct rt_ctx *ctx)
{
        struct rt_preload *p = steal_pointer(&ctx->pre);
        if (!p)
                return;
        if (p->cg_host)
                rt_cg_host_done(p->cg_host);
        free(p->cg_host);
        int fd = rt_netns_ahead_take(&p->net);
        if (fd >= 0)
                close(fd);
        free(p);
}
