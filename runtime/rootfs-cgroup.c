/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's /sys/fs/cgroup (a "cgroup" or "cgroup2" mount).
 *
 * On a cgroup v2 host it is a fresh cgroup2 mount. On a v1 or hybrid host,
 * real root gets the host's layout rebuilt on a tmpfs: one mount per
 * hierarchy (cpu, memory, name=systemd, the v2 "unified" one, ...) and the
 * host's links (cpu,cpuacct -> cpu). With a cgroup namespace these are
 * fresh mounts, rooted at the namespace's cgroup; without one they are
 * binds of the container's own cgroup directories, as runc does, so
 * /sys/fs/cgroup/memory/memory.limit_in_bytes is the container's limit.
 * A user namespace may mount neither (nothing is delegated on such hosts):
 * the host's tree is bound read-only instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt-internal.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

struct hierarchy {
        char *name; /* the mount point below /sys/fs/cgroup ("memory", "unified") */
        bool v2;
        char *opts; /* v1: the controllers and name= of the super options */
        char *path; /* this process's cgroup in it, from /proc/self/cgroup */
};

static void hierarchies_free(struct hierarchy *h, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(h[i].name);
                free(h[i].opts);
                free(h[i].path);
        }
        free(h);
}

/* The super options that name a hierarchy: controllers and name=..., not
 * rw/ro or behaviour flags (xattr, clone_children, ...). */
static char *v1_ident(const char *superopts)
{
        static const char *const skip[] = {
                "rw",          "ro", "xattr", "clone_children", "noprefix", "cpuset_v2_mode",
                "favordynmods"};
        _cleanup_strv_ char **parts = strv_split(superopts, ",");
        struct sbuf b = {0};
        for (char **p = parts; p && *p; p++) {
                bool drop = !**p || str_has_prefix(*p, "release_agent=");
                for (size_t i = 0; i < ARRAY_SIZE(skip) && !drop; i++)
                        drop = STREQ(*p, skip[i]);
                if (drop)
                        continue;
                if (b.len)
                        sbuf_putc(&b, ',');
                sbuf_append(&b, *p);
        }
        return sbuf_steal(&b);
}

/* True when two comma lists hold the same items (in any order). */
static bool same_set(const char *a, const char *b)
{
        _cleanup_strv_ char **x = strv_split(a, ",");
        _cleanup_strv_ char **y = strv_split(b, ",");
        if (strv_length(x) != strv_length(y))
                return false;
        for (char **p = x; p && *p; p++)
                if (!strv_contains(y, *p))
                        return false;
        return true;
}

/* This process's cgroup in the hierarchy h, from /proc/self/cgroup. */
static char *own_path(const char *proc_cgroup, const struct hierarchy *h)
{
        _cleanup_strv_ char **lines = strv_split(proc_cgroup, "\n");
        for (char **l = lines; l && *l; l++) {
                char *c1 = strchr(*l, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = '\0';
                const char *ctrls = c1 + 1;
                if (h->v2 ? !*ctrls : (*ctrls && same_set(ctrls, h->opts)))
                        return xstrdup(c2 + 1);
        }
        return xstrdup("/");
}

/* The host's hierarchies: the cgroup and cgroup2 mounts right below /sys/fs/cgroup. */
static int host_hierarchies(struct hierarchy **ret, size_t *ret_n, struct err *e)
{
        _cleanup_free_ char *mi = NULL, *pc = NULL;
        int r = fs_read_file(AT_FDCWD, "/proc/self/mountinfo", 0, &mi, NULL, e);
        if (r < 0)
                return r;
        r = fs_read_file(AT_FDCWD, "/proc/self/cgroup", 0, &pc, NULL, e);
        if (r < 0)
                return r;
        struct hierarchy *h = NULL;
        size_t n = 0, cap = 0;
        for (char *line = mi, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char mp[PATH_MAX], fstype[64], superopts[1024];
                char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*u %*u %*s %*s %4095s", mp) != 1 ||
                    sscanf(dash + 3, "%63s %*s %1023s", fstype, superopts) != 2)
                        continue;
                const char *rel = mp + strlen(CGROUP_ROOT "/");
                if (!str_has_prefix(mp, CGROUP_ROOT "/") || !*rel || strchr(rel, '/') ||
                    strchr(rel, '\\') || STREQ(rel, ".."))
                        continue;
                bool v2 = STREQ(fstype, "cgroup2");
                if (!v2 && !STREQ(fstype, "cgroup"))
                        continue;
                xgrow((void **)&h, &cap, n + 1, sizeof(*h));
                h[n] = (struct hierarchy){.name = xstrdup(rel), .v2 = v2};
                h[n].opts = v2 ? xstrdup("") : v1_ident(superopts);
                h[n].path = own_path(pc, &h[n]);
                n++;
        }
        *ret = h;
        *ret_n = n;
        return 0;
}

/* The same from the container's cgroup, where it accounts for every
 * hierarchy (rt_cgroup_layout): its parent read the host's layout when it
 * made the cgroup, and reading mountinfo here again costs 0.2 ms. Only the
 * binds need it: fresh mounts need the mounts' super options. */
static bool cgroup_hierarchies(const struct rt_cgroup *cg, struct hierarchy **ret, size_t *ret_n)
{
        _cleanup_strv_ char **names = NULL, **paths = NULL;
        if (!cg || !rt_cgroup_layout(cg, CGROUP_ROOT, &names, &paths))
                return false;
        size_t n = strv_length(names);
        struct hierarchy *h = xcalloc(n, sizeof(*h));
        for (size_t i = 0; i < n; i++)
                h[i] = (struct hierarchy){.name = xstrdup(names[i]), .path = xstrdup(paths[i])};
        *ret = h;
        *ret_n = n;
        return true;
}

/* The host's links beside the hierarchies (cpu -> cpu,cpuacct), made again. */
static int copy_links(int dstfd, struct err *e)
{
        DIR *d = opendir(CGROUP_ROOT);
        if (!d)
                return 0;
        struct dirent *de;
        int r = 0;
        while (r == 0 && (de = readdir(d))) {
                if (de->d_type != DT_LNK)
                        continue;
                char target[256];
                ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (n <= 0)
                        continue;
                target[n] = '\0';
                if (symlinkat(target, dstfd, de->d_name) < 0 && errno != EEXIST)
                        r = err_errno(e, "symlink '%s/%s'", CGROUP_ROOT, de->d_name);
        }
        closedir(d);
        return r;
}

static int mount_hierarchy(int rootfd, const struct rt_mount *m, const struct hierarchy *h,
                           bool cgroupns, struct err *e)
{
        _cleanup_free_ char *dst = xasprintf("%s/%s", m->destination, h->name);
        _cleanup_close_ int fd = -1;
        int r = rt_mkpath_in_root(rootfd, dst, false, &fd, e);
        if (r < 0)
                return r;
        unsigned long flags = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        char target[64];
        snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
        if (cgroupns) {
                const char *type = h->v2 ? "cgroup2" : "cgroup";
                if (mount(type, target, type, flags, h->v2 ? NULL : h->opts) < 0)
                        return err_errno(e, "mounting %s '%s' on '%s'", type, h->opts, dst);
                return 0;
        }
        /* The mount's flags come with the whole tree's, at the end. */
        _cleanup_free_ char *src = xasprintf("%s/%s%s", CGROUP_ROOT, h->name, h->path);
        _cleanup_close_ int tfd = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tfd < 0)
                return err_errno(e, "cloning '%s'", src);
        if (move_mount(tfd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return err_errno(e, "mounting '%s' on '%s'", src, dst);
        return 0;
}

/* v1 or hybrid host, real root: a tmpfs holding one mount per hierarchy. */
static int mount_v1_layout(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                           struct err *e)
{
        struct hierarchy *h = NULL;
        size_t n = 0;
        bool cgroupns = o->spec->ns[RT_NS_CGROUP].enabled;
        int r = 0;
        if (cgroupns || !cgroup_hierarchies(o->cgroup, &h, &n))
                r = host_hierarchies(&h, &n, e);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = -1;
        r = rt_mkpath_in_root(rootfd, m->destination, false, &fd, e);
        if (r >= 0) {
                char target[64];
                snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
                if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") <
                    0)
                        r = err_errno(e, "mounting tmpfs on '%s'", m->destination);
        }
        _cleanup_close_ int tmpfd = -1;
        if (r >= 0) {
                tmpfd = fs_open_in_root(rootfd, m->destination, O_PATH | O_DIRECTORY, 0, e);
                r = tmpfd < 0 ? tmpfd : 0;
        }
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = mount_hierarchy(rootfd, m, &h[i], cgroupns, e);
        if (r >= 0)
                r = copy_links(tmpfd, e);
        hierarchies_free(h, n);
        /* One call for the tmpfs and every hierarchy on it: the mount's
         * flags (a bound hierarchy has the host's until now). */
        unsigned long f = m->flags;
        struct mount_attr a = {.attr_set = (f & MS_RDONLY ? MOUNT_ATTR_RDONLY : 0) |
                                           (f & MS_NOSUID ? MOUNT_ATTR_NOSUID : 0) |
                                           (f & MS_NODEV ? MOUNT_ATTR_NODEV : 0) |
                                           (f & MS_NOEXEC ? MOUNT_ATTR_NOEXEC : 0)};
        if (r < 0 || !a.attr_set)
                return r;
        if (mount_setattr(tmpfd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
                return err_errno(e, "setting the mount options of '%s'", m->destination);
        return 0;
}

int rt_rootfs_mount_cgroup(const struct rt_rootfs_opts *o, int rootfd, const struct rt_mount *m,
                           struct err *e)
{
        enum cgroup_mode mode = CGROUP_LEGACY;
        (void)host_cgroup_mode(CGROUP_ROOT, &mode, NULL);
        if (o->in_userns || mode == CGROUP_UNIFIED)
                return rt_rootfs_mount_fs_or_host(o, rootfd, m, "cgroup2", CGROUP_ROOT,
                                                  mode == CGROUP_UNIFIED, e);
        return mount_v1_layout(o, rootfd, m, e);
}
