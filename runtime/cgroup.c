/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's cgroup through cgroupfs: where its directories go in each
 * hierarchy, making and removing them, moving processes in, listing them,
 * and the state that lets later commands find them again. What is written
 * into the directories is cgroup-v1.c's and cgroup-v2.c's business; file
 * access and the host's layout are cgroup-host.c's.
 *
 * Hosts come in three layouts (host_cgroup_mode): v2 only; v1 only; and the
 * hybrid of v1 controllers with a controller-less cgroup2 mount at
 * /sys/fs/cgroup/unified, which this runtime treats as v1 for resources and
 * also joins, as runc does, so the container is tracked in both.
 *
 * cgroupsPath: absolute is relative to each hierarchy's mount root;
 * relative is relative to this process's own cgroup in that hierarchy
 * (/proc/self/cgroup); absent is the container id, relative, which is what
 * runc does (`runc run ID` without cgroupsPath lands in <own cgroup>/ID).
 *
 * Rootless (or in a user namespace): a hierarchy that refuses the mkdir is
 * skipped; if none is left the cgroup is a do-nothing one, with a warning
 * when resources were asked, as podman does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "cgroup-internal.h"
#include "cgroup-systemd.h"

#define CG_MAX_DIRS 64
#define CG_MAX_DEPTH 32
#define CG_RMDIR_TRIES 40

/* ------------------------------------------------------------------------
 * Creating
 * ------------------------------------------------------------------------ */

static void dir_done(struct rt_cg_dir *d)
{
        free(d->controllers);
        free(d->mount);
        free(d->dir);
        free(d->created);
}

void rt_cgroup_free(struct rt_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n_dirs; i++)
                dir_done(&cg->dirs[i]);
        free(cg->dirs);
        free(cg->path);
        rt_cg_sd_free(cg->sd);
        free(cg);
}

bool rt_cgroup_is_active(const struct rt_cgroup *cg)
{
        return cg && cg->active;
}

const struct rt_cg_dir *rt_cg_find(const struct rt_cgroup *cg, const char *controller)
{
        for (size_t i = 0; cg && i < cg->n_dirs; i++) {
                const struct rt_cg_dir *d = &cg->dirs[i];
                if (cg->mode == CGROUP_UNIFIED
                            ? d->v2
                            : !d->v2 && controller && rt_cg_list_has(d->controllers, controller))
                        return d;
        }
        return NULL;
}

/* The v1 mount of a hierarchy: its super options name every controller. */
static const struct rt_cg_mount *find_mount(const struct rt_cg_host *h, const char *controllers,
                                            bool v2)
{
        for (size_t i = 0; i < h->n_mounts; i++) {
                const struct rt_cg_mount *m = &h->mounts[i];
                if (m->v2 != v2)
                        continue;
                if (v2)
                        return m;
                _cleanup_strv_ char **names = strv_split(controllers, ",");
                bool all = names[0] != NULL;
                for (char **n = names; *n && all; n++)
                        all = rt_cg_list_has(m->options, *n);
                if (all)
                        return m;
        }
        return NULL;
}

/* Allocates: the directory of cgroup path in the hierarchy of m, for a
 * process whose own cgroup there is own. */
static char *hierarchy_dir(const struct rt_cg_host *h, const struct rt_cg_mount *m, const char *own,
                           const char *path)
{
        if (path[0] == '/')
                return xasprintf("%s%s%s", h->prefix,
                                 STREQ(m->mountpoint, "/") ? "" : m->mountpoint, path);
        /* own is relative to the hierarchy's root; the mount shows m->root. */
        const char *rel = own;
        size_t rl = strlen(m->root);
        if (!STREQ(m->root, "/") && strncmp(own, m->root, rl) == 0 &&
            (own[rl] == '/' || own[rl] == '\0'))
                rel = own + rl;
        if (STREQ(rel, "/"))
                rel = "";
        return xasprintf("%s%s%s/%s", h->prefix, m->mountpoint, rel, path);
}

/* mkdir -p from the mount point down to d->dir, noting the first directory
 * made; new v1 cpuset levels get their parent's cpus and mems. */
static int make_dirs(struct rt_cg_dir *d, struct err *e)
{
        size_t ml = strlen(d->mount);
        for (const char *p = d->dir + ml; p && *p;) {
                const char *slash = strchr(p + 1, '/');
                _cleanup_free_ char *level =
                        xstrndup(d->dir, slash ? (size_t)(slash - d->dir) : strlen(d->dir));
                p = slash;
                if (mkdir(level, 0755) < 0) {
                        if (errno == EEXIST)
                                continue;
                        return err_errno(e, "mkdir '%s'", level);
                }
                if (!d->created)
                        d->created = xstrdup(level);
                if (!d->v2 && rt_cg_list_has(d->controllers, "cpuset")) {
                        int r = rt_cg_v1_cpuset_init(level, e);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* Remove every directory below and including dir, deepest first, waiting a
 * little for processes that are still exiting. */
static int remove_tree(const char *dir, int depth, struct err *e)
{
        if (depth > CG_MAX_DEPTH)
                return err_set(e, ELOOP, "rmdir '%s': nested too deep", dir);
        DIR *dp = opendir(dir);
        if (!dp) {
                if (errno == ENOENT)
                        return 0;
                return err_errno(e, "opendir '%s'", dir);
        }
        struct dirent *de;
        int r = 0;
        while (r == 0 && (de = readdir(dp))) {
                if (de->d_type != DT_DIR || STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
                r = remove_tree(sub, depth + 1, e);
        }
        closedir(dp);
        if (r < 0)
                return r;
        for (int i = 0;; i++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || i >= CG_RMDIR_TRIES)
                        return err_errno(e, "rmdir '%s'", dir);
                rt_cg_sleep_ms(i < 10 ? 10 : 50);
        }
}

/* Remove d's directory if this runtime made it. The parents it made stay,
 * as runc and crun leave them: they are shared (a parent such as
 * /berth_parent holds every container of an engine), and removing one the
 * moment it is empty made the next container create it again, nine
 * hierarchies at a time, racing with creates beside it. */
static int remove_dir(const struct rt_cg_dir *d, struct err *e)
{
        if (!d->created)
                return 0;
        return remove_tree(d->dir, 0, e);
}

static int destroy_dirs(const struct rt_cgroup *cg, struct err *e)
{
        int ret = 0;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct err e2 = {0};
                int r = remove_dir(&cg->dirs[i], &e2);
                if (r < 0 && ret == 0)
                        ret = err_move(e, &e2);
                err_done(&e2);
        }
        return ret;
}

static void warn_rootless(const struct rt_resources *r, const char *why)
{
        if (rt_resources_empty(r))
                return;
        _cleanup_free_ char *what = rt_resources_describe(r);
        log_msg(LOG_WARN, "rootless: cgroup resources are ignored: %s (%s not applied)", why, what);
}

/* Add the hierarchies this layout uses to cg, with their directories. */
static int plan_dirs(const struct rt_cg_host *h, const char *path, struct rt_cgroup *cg,
                     struct err *e)
{
        for (size_t i = 0; i < h->n_self && cg->n_dirs < CG_MAX_DIRS; i++) {
                const struct rt_cg_self *s = &h->self[i];
                bool v2 = s->id == 0 && !*s->controllers;
                if (v2 ? h->mode == CGROUP_LEGACY : h->mode == CGROUP_UNIFIED || !*s->controllers)
                        continue;
                const struct rt_cg_mount *m = find_mount(h, s->controllers, v2);
                if (!m) {
                        log_debug("cgroup hierarchy '%s' is not mounted: skipped", s->controllers);
                        continue;
                }
                struct rt_cg_dir *d = &cg->dirs[cg->n_dirs++];
                d->controllers = xstrdup(s->controllers);
                d->v2 = v2;
                d->mount = xasprintf("%s%s", h->prefix,
                                     STREQ(m->mountpoint, "/") ? "" : m->mountpoint);
                d->dir = hierarchy_dir(h, m, s->path, path);
        }
        if (cg->n_dirs == 0)
                return err_set(e, ENOENT, "no cgroup hierarchy of this host (%s) is mounted",
                               cgroup_mode_to_string(h->mode));
        return 0;
}

static int apply_on(const struct rt_cgroup *cg, const struct rt_resources *r, bool update,
                    struct err *e)
{
        if (cg->mode == CGROUP_UNIFIED) {
                const struct rt_cg_dir *d = rt_cg_find(cg, NULL);
                return d ? rt_cg_v2_apply(d, r, update, e) : 0;
        }
        return rt_cg_v1_apply(cg, r, update, e);
}

/* The systemd manager: only the plan of where systemd will put the unit's
 * cgroup; a scope cannot exist without a process, so systemd makes it when
 * the init exists (start_systemd). */
static int create_systemd(const struct rt_cg_host *h, const struct rt_cgroup_opts *o,
                          struct rt_cgroup **ret, struct err *e)
{
        struct rt_cg_systemd *sd = NULL;
        _cleanup_free_ char *path = NULL;
        int r = rt_cg_sd_plan(h, o, &sd, &path, e);
        if (r < 0)
                return r;
        struct rt_cgroup *cg = xcalloc(1, sizeof(*cg));
        cg->mode = h->mode;
        cg->path = steal_pointer(&path);
        cg->sd = sd;
        cg->dirs =
                xcalloc(h->n_self < CG_MAX_DIRS ? h->n_self + 1 : CG_MAX_DIRS, sizeof(*cg->dirs));
        if ((r = plan_dirs(h, cg->path, cg, e)) < 0) {
                rt_cgroup_free(cg);
                return r;
        }
        cg->active = true;
        *ret = cg;
        return 0;
}

int rt_cg_create_on(const struct rt_cg_host *h, const struct rt_cgroup_opts *o,
                    struct rt_cgroup **ret, struct err *e)
{
        const struct rt_resources *res = o->resources;
        int r;
        if (o->systemd)
                return create_systemd(h, o, ret, e);
        _cleanup_free_ char *path = NULL;
        if ((r = rt_cg_clean_path(o->cgroups_path ? o->cgroups_path : o->id, &path, e)) < 0)
                return r;
        struct rt_cgroup *cg = xcalloc(1, sizeof(*cg));
        cg->mode = h->mode;
        cg->path = steal_pointer(&path);
        cg->dirs =
                xcalloc(h->n_self < CG_MAX_DIRS ? h->n_self + 1 : CG_MAX_DIRS, sizeof(*cg->dirs));
        if ((r = plan_dirs(h, cg->path, cg, e)) < 0)
                goto fail;
        size_t kept = 0;
        /* Root's v1 directories must be made, so they may wait (a rootless
         * one may be refused, which decides whether a cgroup is used). */
        bool defer = o->defer_v1 && !h->rootless && h->mode != CGROUP_UNIFIED;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct rt_cg_dir d = cg->dirs[i];
                cg->dirs[i] = (struct rt_cg_dir){0};
                struct err e2 = {0};
                if (defer && !d.v2) {
                        cg->dirs[kept++] = d;
                        cg->pending = true;
                        continue;
                }
                if (make_dirs(&d, &e2) == 0) {
                        cg->dirs[kept++] = d;
                        continue;
                }
                /* The hybrid's v2 mount holds no resources: joining it is a courtesy. */
                bool courtesy = d.v2 && h->mode == CGROUP_HYBRID;
                bool refused =
                        h->rootless && (e2.code == EACCES || e2.code == EPERM || e2.code == EROFS);
                (void)remove_dir(&d, NULL);
                dir_done(&d);
                if (courtesy || refused) {
                        log_debug("cgroup hierarchy not used: %s", e2.msg);
                        err_done(&e2);
                        continue;
                }
                r = err_move(e, &e2);
                for (size_t j = i + 1; j < cg->n_dirs; j++)
                        dir_done(&cg->dirs[j]);
                cg->n_dirs = kept;
                goto fail;
        }
        cg->n_dirs = kept;
        bool usable = false;
        for (size_t i = 0; i < kept; i++)
                usable |= !cg->dirs[i].v2 || h->mode == CGROUP_UNIFIED;
        if (!usable) {
                (void)destroy_dirs(cg, NULL);
                for (size_t i = 0; i < kept; i++)
                        dir_done(&cg->dirs[i]);
                cg->n_dirs = 0;
                warn_rootless(res, "no delegated cgroup");
                log_debug("container '%s' runs without a cgroup", o->id);
                *ret = cg;
                return 0;
        }
        cg->active = true;
        if (cg->pending) {
                *ret = cg;
                return 0;
        }
        struct err e3 = {0};
        r = 0;
        if (h->mode == CGROUP_UNIFIED)
                r = rt_cg_v2_enable(&cg->dirs[0], res, &e3);
        if (r == 0 && res)
                r = apply_on(cg, res, false, &e3);
        if (r < 0 && h->rootless) {
                /* A delegated subtree may still refuse controllers or files. */
                warn_rootless(res, e3.msg);
                err_done(&e3);
                r = 0;
        }
        if (r < 0) {
                r = err_move(e, &e3);
                goto fail;
        }
        *ret = cg;
        return 0;
fail:
        (void)destroy_dirs(cg, NULL);
        rt_cgroup_free(cg);
        return r;
}

int rt_cgroup_create(const struct rt_cgroup_opts *o, struct rt_cgroup **ret, struct err *e)
{
        if (o->host)
                return rt_cg_create_on(o->host, o, ret, e);
        struct rt_cg_host h = {0};
        int r = rt_cg_host_load(&h, o->rootless, e);
        if (r < 0)
                return err_wrap(e, "reading the host's cgroups");
        r = rt_cg_create_on(&h, o, ret, e);
        rt_cg_host_done(&h);
        return r;
}

bool rt_cgroup_pending(const struct rt_cgroup *cg)
{
        return cg->pending;
}

int rt_cgroup_finish(struct rt_cgroup *cg, const struct rt_resources *resources, struct err *e)
{
        if (!cg->pending)
                return 0;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                int r;
                if (!cg->dirs[i].v2 && !cg->dirs[i].created && (r = make_dirs(&cg->dirs[i], e)) < 0)
                        return r;
        }
        cg->pending = false;
        return resources ? apply_on(cg, resources, false, e) : 0;
}

int rt_cgroup_join_self_v1(const struct rt_cgroup *cg, struct err *e)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (!cg->dirs[i].v2 && rt_cg_write(cg->dirs[i].dir, "tasks", "0", e) < 0)
                        return err_wrap(e, "joining the container's cgroup");
        return 0;
}

bool rt_cgroup_layout(const struct rt_cgroup *cg, const char *root, char ***ret_names,
                      char ***ret_paths)
{
        *ret_names = *ret_paths = NULL;
        if (!cg->active || cg->n_dirs == 0)
                return false;
        bool v2 = false;
        size_t rl = strlen(root);
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const struct rt_cg_dir *d = &cg->dirs[i];
                const char *name = d->mount + rl;
                size_t ml = strlen(d->mount);
                if (strncmp(d->mount, root, rl) != 0 || name[0] != '/' || !name[1] ||
                    strchr(name + 1, '/') || strncmp(d->dir, d->mount, ml) != 0 ||
                    (d->dir[ml] != '/' && d->dir[ml] != '\0')) {
                        strv_free(steal_pointer(ret_names));
                        strv_free(steal_pointer(ret_paths));
                        return false;
                }
                v2 = v2 || d->v2;
                strv_add(ret_names, name + 1);
                strv_add(ret_paths, d->dir[ml] ? d->dir + ml : "/");
        }
        if (cg->mode == CGROUP_HYBRID && !v2) {
                strv_free(steal_pointer(ret_names));
                strv_free(steal_pointer(ret_paths));
                return false;
        }
        return true;
}

/* ------------------------------------------------------------------------
 * Using it
 * ------------------------------------------------------------------------ */

static int start_systemd(const struct rt_cgroup *cg, pid_t pid, struct err *e);

int rt_cgroup_enter(const struct rt_cgroup *cg, pid_t pid, struct err *e)
{
        if (!cg->active)
                return 0;
        if (cg->sd && !cg->sd->started)
                return start_systemd(cg, pid, e);
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const struct rt_cg_dir *d = &cg->dirs[i];
                struct err e2 = {0};
                if (rt_cg_write(d->dir, "cgroup.procs", buf, &e2) == 0)
                        continue;
                if (d->v2 && cg->mode == CGROUP_HYBRID) {
                        log_debug("joining the unified hierarchy: %s", e2.msg);
                        err_done(&e2);
                        continue;
                }
                return err_move(e, &e2);
        }
        return 0;
}

int rt_cgroup_join_open(const struct rt_cgroup *cg, struct rt_cg_join *j, struct err *e)
{
        *j = (struct rt_cg_join)RT_CG_JOIN_INIT;
        if (!cg->active || (cg->sd && !cg->sd->started))
                return err_set(e, ENOTSUP, "the cgroup is joined by pid");
        j->tasks = xcalloc(cg->n_dirs, sizeof(*j->tasks));
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const struct rt_cg_dir *d = &cg->dirs[i];
                int fd;
                if (!d->v2 && cg->pending)
                        continue; /* joined by path once made (rt_cgroup_join_self_v1) */
                if (d->v2) {
                        if (j->v2 >= 0)
                                continue;
                        fd = j->v2 = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                } else {
                        _cleanup_free_ char *p = xasprintf("%s/tasks", d->dir);
                        fd = j->tasks[j->n_tasks] = open(p, O_WRONLY | O_CLOEXEC);
                        if (fd >= 0)
                                j->n_tasks++;
                }
                if (fd < 0) {
                        int r = err_errno(e, "open '%s'", d->dir);
                        rt_cgroup_join_close(j);
                        return r;
                }
        }
        return 0;
}

int rt_cgroup_join_self(const struct rt_cg_join *j, struct err *e)
{
        for (size_t i = 0; i < j->n_tasks; i++)
                if (write(j->tasks[i], "0", 1) != 1)
                        return err_errno(e, "joining the container's cgroup");
        return 0;
}

void rt_cgroup_join_close(struct rt_cg_join *j)
{
        for (size_t i = 0; i < j->n_tasks; i++)
                close(j->tasks[i]);
        free(j->tasks);
        if (j->v2 >= 0)
                close(j->v2);
        *j = (struct rt_cg_join)RT_CG_JOIN_INIT;
}

/* systemd makes the unit with pid in it; then the hierarchies systemd does
 * not manage (v1 cpuset, freezer, ...) get their directory from us, pid
 * joins every one, and the resources go through cgroupfs as without
 * systemd. */
static int start_systemd(const struct rt_cgroup *cgc, pid_t pid, struct err *e)
{
        /* Where the unit is is known only now; cg is always our heap memory. */
        struct rt_cgroup *cg = (struct rt_cgroup *)cgc;
        const struct rt_resources *res = cg->sd->res;
        _cleanup_free_ char *path = NULL;
        int r = rt_cg_sd_start(cg->sd, cg->mode, pid, &path, e);
        cg->sd->res = NULL;
        if (r < 0)
                return r;
        if (!STREQ(path, cg->path)) {
                log_debug("systemd put '%s' at '%s'", cg->sd->unit, path);
                for (size_t i = 0; i < cg->n_dirs; i++) {
                        free(cg->dirs[i].dir);
                        cg->dirs[i].dir =
                                xasprintf("%s%s", cg->dirs[i].mount, STREQ(path, "/") ? "" : path);
                }
                free(cg->path);
                cg->path = steal_pointer(&path);
        }
        for (size_t i = 0; i < cg->n_dirs; i++) {
                struct rt_cg_dir *d = &cg->dirs[i];
                struct err e2 = {0};
                if (fs_exists(d->dir) || make_dirs(d, &e2) == 0)
                        continue;
                if (!(d->v2 && cg->mode == CGROUP_HYBRID))
                        return err_move(e, &e2);
                log_debug("cgroup hierarchy not used: %s", e2.msg);
                err_done(&e2);
        }
        if ((r = rt_cgroup_enter(cg, pid, e)) < 0)
                return r;
        struct err e3 = {0};
        r = 0;
        if (res && cg->mode == CGROUP_UNIFIED)
                r = rt_cg_v2_enable(&cg->dirs[0], res, &e3);
        if (r == 0 && res)
                r = apply_on(cg, res, false, &e3);
        if (r < 0 && cg->sd->user) {
                warn_rootless(res, e3.msg);
                err_done(&e3);
                r = 0;
        }
        return r < 0 ? err_move(e, &e3) : 0;
}

int rt_cgroup_apply(const struct rt_cgroup *cg, const struct rt_resources *r, struct err *e)
{
        if (rt_resources_empty(r))
                return 0;
        if (!cg->active)
                return err_set(e, ENOTSUP,
                               "the container has no cgroup (rootless without a "
                               "delegated cgroup): resources cannot be changed");
        int ret;
        /* systemd first: it would write its own values back over ours. */
        if (cg->sd && (ret = rt_cg_sd_update(cg->sd, cg->mode, r, e)) < 0)
                return ret;
        if (cg->mode == CGROUP_UNIFIED) {
                const struct rt_cg_dir *d = rt_cg_find(cg, NULL);
                if (d && (ret = rt_cg_v2_enable(d, r, e)) < 0)
                        return ret;
        }
        return apply_on(cg, r, true, e);
}

/* The freezer of cg, or an error that says why there is none. */
static int freezer_dir(const struct rt_cgroup *cg, const struct rt_cg_dir **ret, struct err *e)
{
        if (!cg->active)
                return err_set(e, ENOTSUP,
                               "pausing a container needs a cgroup freezer; "
                               "rootless containers on this host have none");
        const struct rt_cg_dir *d = rt_cg_find(cg, "freezer");
        if (!d)
                return err_set(e, ENOTSUP,
                               "pausing a container needs a cgroup freezer; the "
                               "freezer controller is not mounted on this host");
        *ret = d;
        return 0;
}

int rt_cgroup_freeze(const struct rt_cgroup *cg, bool frozen, struct err *e)
{
        const struct rt_cg_dir *d = NULL;
        int r = freezer_dir(cg, &d, e);
        if (r < 0)
                return r;
        return d->v2 ? rt_cg_v2_freeze(d, frozen, e) : rt_cg_v1_freeze(d, frozen, e);
}

int rt_cgroup_is_frozen(const struct rt_cgroup *cg, bool *ret, struct err *e)
{
        const struct rt_cg_dir *d = NULL;
        int r = freezer_dir(cg, &d, e);
        if (r < 0)
                return r;
        return d->v2 ? rt_cg_v2_is_frozen(d, ret, e) : rt_cg_v1_is_frozen(d, ret, e);
}

/* Append the pids of dir's cgroup.procs and those of its children. */
static int collect_pids(const char *dir, int depth, pid_t **pids, size_t *n, size_t *cap,
                        struct err *e)
{
        if (depth > CG_MAX_DEPTH)
                return err_set(e, ELOOP, "'%s': cgroups nested too deep", dir);
        _cleanup_free_ char *buf = NULL;
        int r = rt_cg_read(dir, "cgroup.procs", &buf, e);
        if (r < 0)
                return r;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; *l; l++) {
                int64_t v;
                if (!**l)
                        continue;
                if (str_to_int64(*l, &v) < 0 || v <= 0 || v > INT_MAX)
                        return err_set(e, EINVAL, "'%s/cgroup.procs': bad pid '%s'", dir, *l);
                xgrow((void **)pids, cap, *n + 1, sizeof(pid_t));
                (*pids)[(*n)++] = (pid_t)v;
        }
        DIR *dp = opendir(dir);
        if (!dp)
                return err_errno(e, "opendir '%s'", dir);
        struct dirent *de;
        while (r == 0 && (de = readdir(dp))) {
                if (de->d_type != DT_DIR || STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                _cleanup_free_ char *sub = xasprintf("%s/%s", dir, de->d_name);
                r = collect_pids(sub, depth + 1, pids, n, cap, e);
        }
        closedir(dp);
        return r;
}

int rt_cgroup_pids(const struct rt_cgroup *cg, pid_t **ret, size_t *ret_n, struct err *e)
{
        if (!cg->active)
                return err_set(e, ENOTSUP,
                               "the container has no cgroup (rootless without a "
                               "delegated cgroup): its processes are not tracked");
        const struct rt_cg_dir *d = NULL;
        static const char *const prefer[] = {"pids", "freezer", "memory"};
        for (size_t i = 0; !d && i < ARRAY_SIZE(prefer); i++)
                d = rt_cg_find(cg, prefer[i]);
        for (size_t i = 0; !d && i < cg->n_dirs; i++)
                if (!cg->dirs[i].v2 || cg->mode == CGROUP_UNIFIED)
                        d = &cg->dirs[i];
        if (!d)
                return err_set(e, ENOENT, "the container's cgroup has no hierarchy");
        pid_t *pids = NULL;
        size_t n = 0, cap = 0;
        int r = collect_pids(d->dir, 0, &pids, &n, &cap, e);
        if (r < 0) {
                free(pids);
                return r;
        }
        *ret = pids;
        *ret_n = n;
        return 0;
}

int rt_cgroup_destroy(const struct rt_cgroup *cg, struct err *e)
{
        if (!cg->sd || !cg->sd->started)
                return destroy_dirs(cg, e);
        /* systemd removes what it made; the rest (and what it left) is ours,
         * on error too, as runc does. */
        struct err e2 = {0};
        int r = rt_cg_sd_stop(cg->sd, &e2);
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const struct rt_cg_dir *d = &cg->dirs[i];
                struct err e3 = {0};
                int r2 = d->created ? remove_dir(d, &e3) : remove_tree(d->dir, 0, &e3);
                if (r2 < 0 && r == 0)
                        r = err_move(&e2, &e3);
                err_done(&e3);
        }
        return r < 0 ? err_move(e, &e2) : 0;
}

/* ------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------ */

struct json *rt_cgroup_to_json(const struct rt_cgroup *cg)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "mode", cgroup_mode_to_string(cg->mode));
        json_object_set_bool(j, "active", cg->active);
        json_object_set_string(j, "path", cg->path);
        struct json *a = json_new_array();
        for (size_t i = 0; i < cg->n_dirs; i++) {
                const struct rt_cg_dir *d = &cg->dirs[i];
                struct json *o = json_new_object();
                json_object_set_string(o, "controllers", d->controllers);
                json_object_set_bool(o, "v2", d->v2);
                json_object_set_string(o, "mount", d->mount);
                json_object_set_string(o, "dir", d->dir);
                json_object_set_string(o, "created", d->created);
                json_array_append(a, o);
        }
        json_object_set(j, "dirs", a);
        if (cg->sd)
                json_object_set(j, "systemd", rt_cg_sd_to_json(cg->sd));
        return j;
}

/* An absolute path without "." or ".." components or doubled slashes. */
static bool clean_abs(const char *p)
{
        if (!p || p[0] != '/' || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../"))
                return false;
        size_t n = strlen(p);
        return !str_has_suffix(p, "/.") && !str_has_suffix(p, "/..") && (n == 1 || p[n - 1] != '/');
}

/* Whether p is below (or, if or_equal, at) base. */
static bool path_below(const char *p, const char *base, bool or_equal)
{
        size_t n = strlen(base);
        if (n == 1)
                n = 0; /* base "/" */
        if (strncmp(p, base, n) != 0)
                return false;
        return p[n] == '/' ? p[n + 1] != '\0' : (or_equal && p[n] == '\0');
}

static int dir_from_json(const struct json *o, size_t i, struct rt_cg_dir *d, struct err *e)
{
        _cleanup_free_ char *w = xasprintf("cgroup.dirs[%zu]", i);
        int r;
        if (o->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object", w);
        if ((r = rt_json_string(o, w, "controllers", true, &d->controllers, e)) < 0 ||
            (r = rt_json_bool(o, w, "v2", &d->v2, e)) < 0 ||
            (r = rt_json_string(o, w, "mount", true, &d->mount, e)) < 0 ||
            (r = rt_json_string(o, w, "dir", true, &d->dir, e)) < 0 ||
            (r = rt_json_string(o, w, "created", false, &d->created, e)) < 0)
                return r;
        /* Later commands remove these directories: keep them inside the mount. */
        if (!clean_abs(d->mount) || !clean_abs(d->dir) || !path_below(d->dir, d->mount, false) ||
            (d->created && (!clean_abs(d->created) || !path_below(d->created, d->mount, false) ||
                            !(STREQ(d->created, d->dir) || path_below(d->dir, d->created, false)))))
                return err_set(e, EINVAL, "%s: paths are not a cgroup below its mount", w);
        return 0;
}

int rt_cgroup_from_json(const struct json *j, struct rt_cgroup **ret, struct err *e)
{
        const char *mode = j && j->type == JSON_OBJECT ? json_object_get_string(j, "mode") : NULL;
        if (!mode)
                return err_set(e, EINVAL, "cgroup state: missing mode");
        struct rt_cgroup *cg = xcalloc(1, sizeof(*cg));
        int r = 0;
        if (STREQ(mode, "legacy"))
                cg->mode = CGROUP_LEGACY;
        else if (STREQ(mode, "hybrid"))
                cg->mode = CGROUP_HYBRID;
        else if (STREQ(mode, "unified"))
                cg->mode = CGROUP_UNIFIED;
        else
                r = err_set(e, EINVAL, "cgroup state: unknown mode");
        const struct json *a = NULL;
        if (r == 0 && (r = rt_json_bool(j, "cgroup", "active", &cg->active, e)) >= 0 &&
            (r = rt_json_string(j, "cgroup", "path", false, &cg->path, e)) >= 0)
                r = rt_json_array(j, "cgroup", "dirs", CG_MAX_DIRS, &a, e);
        if (r >= 0 && a && a->arr.len) {
                cg->dirs = xcalloc(a->arr.len, sizeof(*cg->dirs));
                for (size_t i = 0; r >= 0 && i < a->arr.len; i++) {
                        r = dir_from_json(a->arr.items[i], i, &cg->dirs[i], e);
                        cg->n_dirs++;
                }
        }
        const struct json *sd = r >= 0 ? json_object_get(j, "systemd") : NULL;
        if (sd && sd->type != JSON_NULL)
                r = rt_cg_sd_from_json(sd, &cg->sd, e);
        if (r < 0) {
                rt_cgroup_free(cg);
                return r;
        }
        *ret = cg;
        return 0;
}
