/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rt_create(), the parent side: checks, the state directory, the cgroup,
 * the clone of the init (init.c is the child side) and the conversation
 * with it over the sync socket, then the state on disk.
 *
 * Most containers need one clone: the init is cloned with every new
 * namespace at once, the parent writes its id maps, puts it in the cgroup
 * and lets it go. When the spec joins namespaces by path, a stage-1 child
 * joins them first and clones the init with CLONE_PARENT (see
 * rt_init_stage1), so the init is a child of our caller either way.
 *
 * The init joins its cgroup itself (rt_cg_join); where it can, the v1
 * directories (0.5 ms of mkdirs on a hybrid host) are made after the clone,
 * while the init mounts, and it joins them on RT_SYNC_CGROUP, before its
 * cgroup mount (cg_wait).
 *
 * A new network namespace is the largest part of that clone (0.6 ms of the
 * kernel's time here, most of the clone's): where the init needs one and
 * no user namespace of its own, a thread makes it while the state
 * directory and the cgroup are made (net_ahead_*), and the init joins it
 * as it would one given by path.
 *
 * A create that fails leaves nothing behind: the init is killed and reaped,
 * the cgroup and the state directory removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lifecycle-internal.h"

/* What rt_create() holds while it runs, released in one place. */
struct create {
        const struct rt_ctx *ctx;
        const struct rt_spec *spec;
        const struct rt_create_opts *o;
        struct rt_container *c;
        bool cgroup_made;
        int sync[2];
        int proc_fd, fifo_fd, console_fd;
        bool own_console_fd;
        int ns_fds[RT_NS_COUNT];
        pid_t stage1, pid;
        /* The network namespace made ahead: own_net, or rt_ctx_preload's. */
        struct rt_netns_ahead own_net, *net;
};

static void *netns_thread(void *data)
{
        struct rt_netns_ahead *n = data;
        /* Only this thread changes namespace; the fd keeps the new one. */
        if (unshare(CLONE_NEWNET) < 0 ||
            (n->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
                n->err = errno;
        return NULL;
}

void rt_netns_ahead_start(struct rt_netns_ahead *n)
{
        *n = (struct rt_netns_ahead){.fd = -1};
        n->started = pthread_create(&n->thread, NULL, netns_thread, n) == 0;
}

int rt_netns_ahead_take(struct rt_netns_ahead *n)
{
        if (n->started) {
                pthread_join(n->thread, NULL);
                n->started = false;
                if (n->fd < 0)
                        log_debug("making the network namespace ahead: %s; the clone makes it",
                                  strerror(n->err));
        }
        return TAKE_FD(n->fd);
}

/* Make the init's new network namespace ahead, where the init would clone
 * one in the user namespace we are in and has nothing to join first; or
 * take the one rt_ctx_preload is making. */
static void net_ahead_start(struct create *cr)
{
        const struct rt_spec *spec = cr->spec;
        bool wanted = spec->ns[RT_NS_NET].enabled && !spec->ns[RT_NS_NET].path &&
                      !spec->ns[RT_NS_USER].enabled;
        for (int t = 0; wanted && t < RT_NS_COUNT; t++)
                if (spec->ns[t].enabled && spec->ns[t].path)
                        wanted = false;
        struct rt_preload *pre = cr->ctx->pre;
        if (pre && (pre->net.started || pre->net.fd >= 0)) {
                if (wanted) {
                        cr->net = &pre->net; /* one create's only: taking empties it */
                        return;
                }
                /* Not for this spec; and its thread must be gone before the
                 * init is forked (a fork copies the locks it may hold). */
                int fd = rt_netns_ahead_take(&pre->net);
                if (fd >= 0)
                        close(fd);
        }
        if (!wanted)
                return;
        rt_netns_ahead_start(&cr->own_net);
        if (cr->own_net.started)
                cr->net = &cr->own_net;
}

/* The namespace made ahead (the caller owns the fd), or -1: clone one. */
static int net_ahead_take(struct create *cr)
{
        struct rt_netns_ahead *n = steal_pointer(&cr->net);
        return n ? rt_netns_ahead_take(n) : -1;
}

static void create_close_fds(struct create *cr)
{
        for (int i = 0; i < 2; i++)
                if (cr->sync[i] >= 0)
                        close(cr->sync[i]);
        cr->sync[0] = cr->sync[1] = -1;
        if (cr->proc_fd >= 0)
                close(cr->proc_fd);
        if (cr->fifo_fd >= 0)
                close(cr->fifo_fd);
        if (cr->console_fd >= 0 && cr->own_console_fd)
                close(cr->console_fd);
        cr->proc_fd = cr->fifo_fd = cr->console_fd = -1;
        rt_ns_close(cr->ns_fds);
}

static void reap(pid_t pid, int *ret_status)
{
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (ret_status)
                *ret_status = status;
}

/* Undo a failed create. */
static void create_abort(struct create *cr)
{
        if (cr->pid > 0) {
                kill(cr->pid, SIGKILL);
                reap(cr->pid, NULL);
        }
        if (cr->stage1 > 0) {
                kill(cr->stage1, SIGKILL);
                reap(cr->stage1, NULL);
        }
        create_close_fds(cr);
        _cleanup_close_ int net = net_ahead_take(cr);
        if (cr->cgroup_made) {
                struct err e2 = {0};
                if (rt_cgroup_destroy(cr->c->cgroup, &e2) < 0)
                        log_warn("removing the cgroup of '%s': %s", cr->c->id, e2.msg);
                err_done(&e2);
        }
        if (cr->c->dir)
                rt_container_remove(cr->c, NULL);
}

/* Checks that need no fork; errors name the field. */
static int create_validate(const struct rt_spec *spec, const struct rt_create_opts *o,
                           char **ret_rootfs, struct err *e)
{
        if (!o->bundle || o->bundle[0] != '/')
                return err_set(e, EINVAL, "the bundle path must be absolute, got '%s'",
                               o->bundle ? o->bundle : "");
        if (!spec->process)
                return err_set(e, EINVAL, "process: required to create a container");
        if (!spec->root_path)
                return err_set(e, EINVAL, "root.path: required to create a container");
        _cleanup_free_ char *joined = spec->root_path[0] == '/'
                                              ? xstrdup(spec->root_path)
                                              : xasprintf("%s/%s", o->bundle, spec->root_path);
        char *rootfs = realpath(joined, NULL);
        if (!rootfs)
                return err_errno(e, "root.path '%s'", joined);
        struct stat st;
        if (stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode)) {
                int r = err_set(e, ENOTDIR, "root.path '%s' is not a directory", rootfs);
                free(rootfs);
                return r;
        }
        int r = 0;
        const struct rt_namespace *ns = spec->ns;
        if ((spec->hostname || spec->domainname) && !ns[RT_NS_UTS].enabled)
                r = err_set(e, EINVAL, "hostname: setting it needs a uts namespace");
        else if (ns[RT_NS_USER].enabled && !ns[RT_NS_USER].path &&
                 (spec->n_uid_mappings == 0 || spec->n_gid_mappings == 0))
                r = err_set(e, EINVAL,
                            "linux.namespaces: a new user namespace needs linux.uidMappings "
                            "and linux.gidMappings");
        else if (geteuid() != 0 && !ns[RT_NS_USER].enabled)
                r = err_set(e, EPERM,
                            "linux.namespaces: a rootless container needs a user namespace");
        else if ((spec->time_boottime.set || spec->time_monotonic.set) &&
                 !(ns[RT_NS_TIME].enabled && !ns[RT_NS_TIME].path))
                r = err_set(e, EINVAL, "linux.timeOffsets: set without a new time namespace");
        else if (spec->process->terminal && !o->io.console_socket && o->io.console_socket_fd < 0)
                r = err_set(e, EINVAL, "process.terminal is true, but no console socket was given");
        if (r == 0)
                r = rt_sysctl_validate(spec, e);
        if (r < 0) {
                free(rootfs);
                return r;
        }
        *ret_rootfs = rootfs;
        return 0;
}

/* Before anything runs in it: should we be killed before state.json
 * exists, the next create of this id (or delete --force) finds the cgroup
 * here and removes it. */
static int save_cgroup(const struct rt_container *c, struct err *e)
{
        _cleanup_json_ struct json *cgj = rt_cgroup_to_json(c->cgroup);
        _cleanup_free_ char *cgtext = json_generate(cgj, JSON_GEN_NEWLINE);
        _cleanup_free_ char *cgpath = xasprintf("%s/%s", c->dir, RT_CGROUP_FILE);
        return fs_write_atomic_volatile(AT_FDCWD, cgpath, cgtext, strlen(cgtext), 0600, e);
}

/* The cgroup's v1 directories and resources, if deferred (defer_v1). */
static int cgroup_finish(struct create *cr, struct err *e)
{
        struct rt_container *c = cr->c;
        if (!rt_cgroup_pending(c->cgroup))
                return 0;
        if (rt_cgroup_finish(c->cgroup, cr->spec->resources, e) < 0 || save_cgroup(c, e) < 0)
                return err_wrap(e, "creating the cgroup");
        return 0;
}

/* Whether the init can join its v1 cgroup late, itself (rt_cg_join): not
 * through a stage-1 child, nor from a new user namespace, nor with a new
 * cgroup namespace (rooted where the init is when it makes it, early). */
static bool joins_late(const struct rt_spec *spec)
{
        for (int t = 0; t < RT_NS_COUNT; t++)
                if (spec->ns[t].enabled && spec->ns[t].path)
                        return false;
        return !spec->ns[RT_NS_USER].enabled && !spec->ns[RT_NS_CGROUP].enabled;
}

/* The state directory's files and the fds the child needs. */
static int create_prepare(struct create *cr, const char *rootfs, struct err *e)
{
        const struct rt_spec *spec = cr->spec;
        struct rt_container *c = cr->c;
        c->bundle = xstrdup(cr->o->bundle);
        c->rootfs = xstrdup(rootfs);
        c->oci_version = xstrdup(spec->oci_version ? spec->oci_version : "");
        int64_t sec;
        int32_t nsec;
        time_now(&sec, &nsec);
        c->created = time_format_rfc3339(sec, nsec);
        /* Its name is looked up when a state is shown (a passwd lookup
         * costs 0.1 ms). */
        c->owner_uid = geteuid();
        c->annotations = spec->annotations ? json_copy(spec->annotations) : NULL;
        c->userns = spec->ns[RT_NS_USER].enabled && !spec->ns[RT_NS_USER].path;
        c->pidns = spec->ns[RT_NS_PID].enabled && !spec->ns[RT_NS_PID].path;
        c->mntns = spec->ns[RT_NS_MOUNT].enabled && !spec->ns[RT_NS_MOUNT].path;
        c->rootless = cr->ctx->rootless;
        for (int k = 0; k < RT_HOOK_NKINDS; k++)
                if (spec->n_hooks[k] > 0)
                        c->hooks |= 1u << k;

        /* The spec as created: start, exec and delete read it back. As it
         * was read, where it was (generating the text again took 0.15 ms). */
        _cleanup_free_ char *made = spec->text ? NULL : json_generate(spec->doc, JSON_GEN_NEWLINE);
        const char *text = spec->text ? spec->text : made;
        size_t len = spec->text ? spec->text_len : strlen(made);
        _cleanup_free_ char *cfg = xasprintf("%s/%s", c->dir, RT_CONFIG_FILE);
        if (fs_write_atomic_volatile(AT_FDCWD, cfg, text, len, 0600, e) < 0)
                return -EIO;

        struct rt_cgroup_opts co = {
                .id = c->id,
                .cgroups_path = spec->cgroups_path,
                .rootless = cr->ctx->rootless,
                .systemd = cr->ctx->systemd_cgroup,
                .resources = spec->resources,
                /* v1's directories (0.5 ms on a hybrid host) are made
                 * while the init mounts (create_run). */
                .defer_v1 = !cr->ctx->systemd_cgroup && joins_late(spec),
                .host = cr->ctx->pre ? cr->ctx->pre->cg_host : NULL,
        };
        if (rt_cgroup_create(&co, &c->cgroup, e) < 0)
                return err_wrap(e, "creating the cgroup");
        cr->cgroup_made = true;
        if (save_cgroup(c, e) < 0)
                return -EIO;

        /* Anyone may write the fifo: the init opens it after it became the
         * process's user, perhaps without any capability. */
        _cleanup_free_ char *fifo = xasprintf("%s/%s", c->dir, RT_FIFO_FILE);
        if (mkfifo(fifo, 0622) < 0 || chmod(fifo, 0622) < 0)
                return err_errno(e, "mkfifo '%s'", fifo);
        cr->fifo_fd = open(fifo, O_PATH | O_CLOEXEC);
        if (cr->fifo_fd < 0)
                return err_errno(e, "open '%s'", fifo);
        cr->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cr->proc_fd < 0)
                return err_errno(e, "open '/proc'");
        if (rt_ns_open_paths(spec, cr->ns_fds, e) < 0)
                return -EINVAL;
        if (spec->process->terminal) {
                if (cr->o->io.console_socket_fd >= 0) {
                        cr->console_fd = cr->o->io.console_socket_fd;
                } else {
                        if (rt_console_socket_connect(cr->o->io.console_socket, &cr->console_fd,
                                                      e) < 0)
                                return -EIO;
                        cr->own_console_fd = true;
                }
        }
        return rt_sync_pair(cr->sync, e);
}

/* The child *pp died without a word: reap it (*pp becomes 0), say how. */
static int child_died(pid_t *pp, const char *what, struct err *e)
{
        int status;
        reap(*pp, &status);
        *pp = 0;
        if (WIFSIGNALED(status))
                return err_set(e, EIO, "%s was killed by signal %d", what, WTERMSIG(status));
        return err_set(e, EIO, "%s exited with status %d", what, WEXITSTATUS(status));
}

static int msg_error(const struct rt_sync_msg *m, struct err *e)
{
        return err_set(e, m->code > 0 ? m->code : EIO, "%s", m->text);
}

static int run_parent_hooks(struct create *cr, struct err *e)
{
        const struct rt_spec *spec = cr->spec;
        _cleanup_json_ struct json *state = rt_container_state_json(cr->c, RT_STATUS_CREATING);
        static const enum rt_hook_kind kinds[] = {RT_HOOK_PRESTART, RT_HOOK_CREATE_RUNTIME};
        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
                if (spec->n_hooks[kinds[i]] > 0 &&
                    rt_hooks_run(kinds[i], spec->hooks[kinds[i]], spec->n_hooks[kinds[i]], state,
                                 e) < 0)
                        return -EIO;
        return 0;
}

/* The init loaded a filter with SCMP_ACT_NOTIFY: hand its listener fd (in
 * m) to linux.seccomp.listenerPath with the state, status "creating", as
 * runtime-spec config-linux.md asks, then let the init go on. */
static int seccomp_forward(struct create *cr, struct rt_sync_msg *m, struct err *e)
{
        _cleanup_close_ int fd = m->fd;
        m->fd = -1;
        if (fd < 0 || !rt_seccomp_uses_notify(cr->spec->seccomp))
                return err_set(e, EPROTO, "sync: unexpected seccomp notify fd");
        _cleanup_json_ struct json *state = rt_container_state_json(cr->c, RT_STATUS_CREATING);
        if (rt_seccomp_notify_send(cr->spec->seccomp, fd, cr->pid, state, e) < 0)
                return -EIO;
        return rt_sync_send(cr->sync[0], RT_SYNC_SECCOMP_DONE, 0, e);
}

/* Clone the init (through stage 1 when needed) and see it to READY. */
static int create_run(struct create *cr, struct err *e)
{
        const struct rt_spec *spec = cr->spec;
        unsigned long flags = rt_ns_new_flags(spec);
        bool joins = false;
        for (int t = 0; t < RT_NS_COUNT; t++)
                joins = joins || cr->ns_fds[t] >= 0;
        struct rt_init_args a = {
                .id = cr->c->id,
                .spec = spec,
                .bundle = cr->c->bundle,
                .rootfs = cr->c->rootfs,
                .no_pivot = cr->o->no_pivot,
                .no_new_keyring = cr->o->no_new_keyring,
                .in_userns = spec->ns[RT_NS_USER].enabled || !rt_in_initial_userns(),
                .io = &cr->o->io,
                .sync_fd = cr->sync[1],
                .proc_fd = cr->proc_fd,
                .fifo_fd = cr->fifo_fd,
                .console_fd = cr->console_fd,
                .new_userns = (flags & CLONE_NEWUSER) != 0,
                .stage1 = joins,
                .cgroup = cr->c->cgroup,
                .hooks_in_parent = spec->n_hooks[RT_HOOK_PRESTART] > 0 ||
                                   spec->n_hooks[RT_HOOK_CREATE_RUNTIME] > 0,
        };
        memcpy(a.ns_fds, cr->ns_fds, sizeof(a.ns_fds));
        /* Joined in the init like one given by path, but with no stage 1. */
        _cleanup_close_ int net = net_ahead_take(cr);
        if (net >= 0) {
                flags &= ~(unsigned long)CLONE_NEWNET;
                a.ns_fds[RT_NS_NET] = net;
        }
        int sync = cr->sync[0];
        struct rt_sync_msg m;

        /* The init joins its cgroup itself where it can (rt_cg_join):
         * not through a stage-1 child, nor from a new user namespace. */
        struct rt_cg_join join = RT_CG_JOIN_INIT;
        bool self_join = !joins && !(flags & CLONE_NEWUSER) &&
                         rt_cgroup_join_open(cr->c->cgroup, &join, NULL) == 0;
        /* The v1 directories come after the clone only for an init that
         * joins them itself (while it mounts). */
        if (!self_join && cgroup_finish(cr, e) < 0) {
                rt_cgroup_join_close(&join);
                return -EIO;
        }
        a.cg_wait = self_join && rt_cgroup_pending(cr->c->cgroup);
        pid_t child = -1;
        if (self_join) {
                a.cg_join = &join;
                child = join.v2 >= 0 ? rt_clone_into(flags, join.v2) : rt_clone(flags);
                if (child < 0) {
                        log_debug("clone into the cgroup: %s; joining it by pid", strerror(errno));
                        self_join = false;
                        a.cg_join = NULL;
                        a.cg_wait = false;
                        if (cgroup_finish(cr, e) < 0) {
                                rt_cgroup_join_close(&join);
                                return -EIO;
                        }
                }
        }
        if (!self_join)
                child = rt_clone(joins ? 0 : flags);
        if (child < 0) {
                rt_cgroup_join_close(&join);
                return err_errno(e, "clone");
        }
        if (child == 0) {
                close(sync);
                if (joins)
                        rt_init_stage1(&a, flags);
                rt_init_main(&a);
        }
        rt_cgroup_join_close(&join);
        close(cr->sync[1]);
        cr->sync[1] = -1;
        if (joins) {
                cr->stage1 = child;
                for (;;) {
                        if (rt_sync_recv(sync, &m, NULL) < 0)
                                return child_died(&cr->stage1, "the container's setup process", e);
                        if (m.type == RT_SYNC_ERROR)
                                return msg_error(&m, e);
                        if (m.type == RT_SYNC_MAP_REQ) {
                                if (rt_idmap_write(child, spec, e) < 0)
                                        return -EPERM;
                                if (rt_sync_send(sync, RT_SYNC_MAP_DONE, 0, e) < 0)
                                        return -EIO;
                                continue;
                        }
                        if (m.type == RT_SYNC_PID && m.val > 0 && m.val <= INT32_MAX)
                                break;
                        if (m.fd >= 0)
                                close(m.fd);
                        return err_set(e, EPROTO, "sync: unexpected message %u", m.type);
                }
                cr->pid = (pid_t)m.val;
                reap(cr->stage1, NULL);
                cr->stage1 = 0;
        } else {
                cr->pid = child;
                if ((flags & CLONE_NEWUSER) && rt_idmap_write(cr->pid, spec, e) < 0)
                        return -EPERM;
        }
        cr->c->pid = cr->pid;
        if (!self_join && rt_cgroup_enter(cr->c->cgroup, cr->pid, e) < 0)
                return err_wrap(e, "moving the init into its cgroup");
        if (rt_sync_send(sync, RT_SYNC_GO, cr->pid, e) < 0)
                return -EIO;
        if (a.cg_wait) {
                /* While the init mounts: it waits for this before its
                 * cgroup mount (or its pivot_root). Should it have failed
                 * meanwhile, its error comes below. */
                if (cgroup_finish(cr, e) < 0)
                        return -EIO;
                (void)rt_sync_send(sync, RT_SYNC_CGROUP, 0, NULL);
        }
        for (;;) {
                if (rt_sync_recv(sync, &m, NULL) < 0)
                        return child_died(&cr->pid, "the container's init", e);
                if (m.type == RT_SYNC_READY)
                        return 0;
                if (m.type == RT_SYNC_ERROR)
                        return msg_error(&m, e);
                if (m.type == RT_SYNC_SECCOMP_FD) {
                        if (seccomp_forward(cr, &m, e) < 0)
                                return -EIO;
                        continue;
                }
                if (m.type != RT_SYNC_HOOKS)
                        return err_set(e, EPROTO, "sync: unexpected message %u", m.type);
                if (run_parent_hooks(cr, e) < 0)
                        return -EIO;
                if (rt_sync_send(sync, RT_SYNC_HOOKS_DONE, 0, e) < 0)
                        return -EIO;
        }
}

static int write_pid_file(const char *path, pid_t pid, struct err *e)
{
        char buf[16];
        int len = snprintf(buf, sizeof(buf), "%d", (int)pid);
        if (fs_write_atomic(AT_FDCWD, path, buf, (size_t)len, 0644, e) < 0)
                return err_wrap(e, "writing the pid file");
        return 0;
}

int rt_create(const struct rt_ctx *ctx, const char *id, const struct rt_spec *spec,
              const struct rt_create_opts *o, pid_t *ret_pid, struct err *e)
{
        _cleanup_free_ char *rootfs = NULL;
        if (rt_id_validate(id, e) < 0)
                return -EINVAL;
        if (create_validate(spec, o, &rootfs, e) < 0)
                return -EINVAL;
        struct create cr = {
                .ctx = ctx,
                .spec = spec,
                .o = o,
                .sync = {-1, -1},
                .proc_fd = -1,
                .fifo_fd = -1,
                .console_fd = -1,
                .own_net = {.fd = -1},
        };
        for (int t = 0; t < RT_NS_COUNT; t++)
                cr.ns_fds[t] = -1;
        net_ahead_start(&cr);
        int r = 0;
        if (rt_seccomp_prepare(spec->seccomp, ctx->root, e) < 0)
                r = err_wrap(e, "creating container \"%s\"", id);
        else if (rt_container_dir_create(ctx, id, &cr.c, e) < 0)
                r = -EEXIST;
        if (r < 0) {
                _cleanup_close_ int net = net_ahead_take(&cr);
                return r;
        }
        r = create_prepare(&cr, rootfs, e);
        if (r >= 0)
                r = create_run(&cr, e);
        if (r >= 0) {
                uint64_t st;
                r = rt_proc_stat(cr.pid, &st, NULL);
                if (r < 0)
                        r = err_errnum(e, r, "reading the start time of the init (pid %d)",
                                       (int)cr.pid);
                else
                        cr.c->start_time = st;
        }
        if (r >= 0)
                r = rt_container_save(cr.c, e);
        if (r >= 0 && o->pid_file)
                r = write_pid_file(o->pid_file, cr.pid, e);
        if (r < 0) {
                create_abort(&cr);
                rt_container_free(cr.c);
                return err_wrap(e, "creating container \"%s\"", id);
        }
        create_close_fds(&cr);
        pid_t pid = cr.pid;
        rt_container_free(cr.c);
        *ret_pid = pid;
        return 0;
}
