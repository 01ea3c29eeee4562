/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rt_exec(): a new process in a running container.
 *
 * A first child joins every namespace of the container's init that we do
 * not share (user first; /proc/<pid>/ns/), then clones the process with
 * CLONE_PARENT: a pid namespace joined with setns takes only the children
 * made afterwards, and the process must be our caller's child so that it
 * can reap it. The first child joins the container's cgroup before the
 * namespaces (see rt_cg_join), so the process is born in it; where that
 * cannot be, we move it there before it goes on. It
 * then takes the container's root -- through /proc/<pid>/root, which is
 * right after pivot_root and after chroot (--no-pivot) alike -- and becomes
 * the process: stdio or terminal, rlimits, user, capabilities, the
 * container's seccomp filter (runc applies it to exec too), exec.
 *
 * The sync socket is CLOEXEC: after READY, EOF means the exec happened,
 * while an ERROR message means it failed, so a missing program is an error
 * of rt_exec() rather than an exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "lifecycle-internal.h"

struct exec_child {
        const struct rt_exec_opts *o;
        const struct rt_spec *spec; /* the saved config: seccomp */
        const char *id;
        bool setgroups_ok;
        bool paused; /* the container is frozen (the caller allows exec anyway) */
        const struct rt_cg_join *cg_join; /* stage 1 joins the cgroup (NULL: the parent) */
        int sync, root, console;
        int ns[RT_NS_COUNT];
};

static void exec_fds_setup(struct exec_child *x)
{
        int *fds[3 + RT_NS_COUNT] = {&x->sync, &x->root, &x->console};
        for (int t = 0; t < RT_NS_COUNT; t++)
                fds[3 + t] = &x->ns[t];
        rt_child_fds(fds, ARRAY_SIZE(fds), &x->o->io);
}

/* The exec'd process, from GO to execve. */
static int exec_setup(struct exec_child *x, struct err *e)
{
        const struct rt_process *p = x->o->process;
        if (rt_sync_expect(x->sync, RT_SYNC_GO, NULL, e) < 0)
                return -EPIPE;
        if (fchdir(x->root) < 0 || chroot(".") < 0 || chdir("/") < 0)
                return err_errno(e, "entering the container's root");
        close(x->root);
        x->root = -1;
        if (rt_init_stdio(&x->o->io, p, x->console, e) < 0)
                return -EIO;
        if (x->console >= 0) {
                close(x->console);
                x->console = -1;
        }
        if (rt_init_keyring(x->id, e) < 0)
                return -EIO;
        bool nnp = p->no_new_privileges;
        const struct rt_seccomp *sc = x->spec ? x->spec->seccomp : NULL;
        if (rt_process_apply_limits(p, e) < 0)
                return -EIO;
        if (!nnp && sc && rt_init_seccomp(sc, x->sync, e) < 0)
                return -EIO;
        if (rt_process_set_user(p, x->setgroups_ok, e) < 0)
                return -EIO;
        if (rt_caps_apply(p, e) < 0)
                return -EIO;
        if (rt_process_finish(p, e) < 0)
                return -EIO;
        if (rt_init_check_program(p, e) < 0)
                return -ENOENT;
        if (nnp && sc && rt_init_seccomp(sc, x->sync, e) < 0)
                return -EIO;
        return 0;
}

static _noreturn_ void exec_child_main(struct exec_child *x)
{
        struct err e = {0};
        if (exec_setup(x, &e) < 0)
                rt_sync_fail(x->sync, &e);
        if (rt_sync_send(x->sync, RT_SYNC_READY, 0, &e) < 0)
                _exit(1);
        rt_process_exec(x->o->process, &e);
        rt_sync_fail(x->sync, &e);
}

/* The first child: join, then clone the process. */
static _noreturn_ void exec_stage1(struct exec_child *x)
{
        struct err e = {0};
        /* With the host's credentials still, and before the fds are sorted
         * out: the process it clones is then born in the cgroup. */
        if (x->cg_join && rt_cgroup_join_self(x->cg_join, &e) < 0)
                rt_sync_fail(x->sync, &e);
        exec_fds_setup(x);
        rt_sync_log_to(&x->sync); /* not to the stderr the process gets */
        if (rt_ns_join(x->ns, false, &e) < 0)
                rt_sync_fail(x->sync, &e);
        rt_ns_close(x->ns);
        pid_t pid = rt_clone(CLONE_PARENT);
        if (pid < 0) {
                err_errno(&e, "clone");
                rt_sync_fail(x->sync, &e);
        }
        if (pid == 0)
                exec_child_main(x);
        if (rt_sync_send(x->sync, RT_SYNC_PID, pid, &e) < 0)
                _exit(1);
        _exit(0);
}

static void reap(pid_t pid)
{
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
}

/* Whether the user namespace of pid denies setgroups. */
static bool setgroups_allowed(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, path, 64, &buf, &len, NULL) < 0)
                return true;
        return !str_has_prefix(buf, "deny");
}

/* The process loaded a filter with SCMP_ACT_NOTIFY: hand its listener fd
 * (in m) to linux.seccomp.listenerPath, as create does for the init, with
 * the container's state and the new process's pid. */
static int seccomp_forward(const struct rt_container *c, const struct exec_child *x, pid_t pid,
                           int sync, struct rt_sync_msg *m, struct err *e)
{
        _cleanup_close_ int fd = m->fd;
        m->fd = -1;
        const struct rt_seccomp *sc = x->spec ? x->spec->seccomp : NULL;
        if (fd < 0 || !rt_seccomp_uses_notify(sc))
                return err_set(e, EPROTO, "sync: unexpected seccomp notify fd");
        _cleanup_json_ struct json *state = rt_container_state_json(c, rt_container_status(c));
        if (rt_seccomp_notify_send(sc, fd, pid, state, e) < 0)
                return -EIO;
        return rt_sync_send(sync, RT_SYNC_SECCOMP_DONE, 0, e);
}

/* The parent's side, from the clone to the end; ret_pid on success. */
static int exec_run(struct rt_container *c, struct exec_child *x, int sync, pid_t *ret_pid,
                    struct err *e)
{
        struct rt_sync_msg m;
        /* Stage 1 joins the cgroup itself (rt_cg_join: the kernel's cheap
         * path), born in the v2 one; the process it clones is then in
         * it. Into a frozen cgroup the process would freeze before its
         * exec: then the parent moves it after the exec, as before. */
        struct rt_cg_join join = RT_CG_JOIN_INIT;
        bool self_join = !x->paused && rt_cgroup_join_open(c->cgroup, &join, NULL) == 0;
        pid_t stage1 = -1;
        if (self_join) {
                x->cg_join = &join;
                stage1 = join.v2 >= 0 ? rt_clone_into(0, join.v2) : rt_clone(0);
                if (stage1 < 0) {
                        log_debug("clone into the cgroup: %s; joining it by pid", strerror(errno));
                        self_join = false;
                        x->cg_join = NULL;
                }
        }
        if (!self_join)
                stage1 = rt_clone(0);
        if (stage1 < 0) {
                rt_cgroup_join_close(&join);
                return err_errno(e, "fork");
        }
        if (stage1 == 0) {
                close(sync);
                exec_stage1(x);
        }
        rt_cgroup_join_close(&join);
        close(x->sync);
        x->sync = -1;
        int r = rt_sync_recv(sync, &m, NULL);
        reap(stage1);
        if (r < 0)
                return err_set(e, EIO, "joining the container: the setup process died");
        if (m.type == RT_SYNC_ERROR)
                return err_set(e, m.code > 0 ? m.code : EIO, "%s", m.text);
        if (m.type != RT_SYNC_PID || m.val <= 0 || m.val > INT32_MAX)
                return err_set(e, EPROTO, "sync: unexpected message %u", m.type);
        pid_t pid = (pid_t)m.val;
        bool ready = false;
        /* Into a frozen cgroup the process would freeze before its exec, and
         * we would wait for it forever: then it goes in after the exec. */
        r = x->paused || self_join ? 0 : rt_cgroup_enter(c->cgroup, pid, e);
        if (r < 0)
                err_wrap(e, "moving the process into the container's cgroup");
        if (r >= 0)
                r = rt_sync_send(sync, RT_SYNC_GO, pid, e);
        while (r >= 0) {
                if (rt_sync_recv(sync, &m, NULL) < 0) {
                        if (ready)
                                break; /* the exec closed the socket */
                        r = err_set(e, EIO, "the exec'd process died before its exec");
                } else if (m.type == RT_SYNC_READY) {
                        ready = true;
                } else if (m.type == RT_SYNC_ERROR) {
                        r = err_set(e, m.code > 0 ? m.code : EIO, "%s", m.text);
                } else if (m.type == RT_SYNC_SECCOMP_FD) {
                        r = seccomp_forward(c, x, pid, sync, &m, e);
                } else {
                        r = err_set(e, EPROTO, "sync: unexpected message %u", m.type);
                }
        }
        if (r >= 0 && x->paused && rt_cgroup_enter(c->cgroup, pid, e) < 0)
                r = err_wrap(e, "moving the process into the container's cgroup");
        if (r < 0) {
                kill(pid, SIGKILL);
                reap(pid);
                return r;
        }
        *ret_pid = pid;
        return 0;
}

int rt_exec(const struct rt_ctx *ctx, const char *id, const struct rt_exec_opts *o, pid_t *ret_pid,
            struct err *e)
{
        if (!o->process)
                return err_set(e, EINVAL, "exec: no process given");
        if (o->process->terminal && !o->io.console_socket && o->io.console_socket_fd < 0)
                return err_set(e, EINVAL,
                               "process.terminal is true, but no console socket was given");
        _cleanup_container_ struct rt_container *c = NULL;
        if (rt_container_open(ctx, id, RT_LOCK_READ, &c, e) < 0)
                return -ENOENT;
        enum rt_status st = rt_container_status(c);
        if (st == RT_STATUS_STOPPED)
                return err_set(e, EINVAL, "cannot exec in a stopped container");
        _cleanup_(rt_spec_freep) struct rt_spec *spec = NULL;
        if (rt_container_load_spec(c, &spec, e) < 0)
                return -EIO;
        if (rt_seccomp_prepare(spec->seccomp, ctx->root, e) < 0)
                return err_wrap(e, "exec");

        /* A paused container is the caller's call (runc's --ignore-paused). */
        struct exec_child x = {.o = o,
                               .spec = spec,
                               .id = id,
                               .sync = -1,
                               .console = -1,
                               .paused = st == RT_STATUS_PAUSED};
        int sync[2] = {-1, -1};
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/root", (int)c->pid);
        x.root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (x.root < 0)
                return err_errno(e, "open '%s'", path);
        int r = rt_ns_open_proc(c->pid, x.ns, e);
        if (r < 0) {
                close(x.root);
                return r;
        }
        x.setgroups_ok = setgroups_allowed(c->pid);
        /* The fds are the init's only if the init is still the one we know. */
        if (!rt_container_alive(c))
                r = err_set(e, ESRCH, "container not running");
        if (r >= 0 && o->process->terminal) {
                if (o->io.console_socket_fd >= 0)
                        x.console = fcntl(o->io.console_socket_fd, F_DUPFD_CLOEXEC, 3);
                else
                        r = rt_console_socket_connect(o->io.console_socket, &x.console, e);
                if (r >= 0 && x.console < 0)
                        r = err_errno(e, "dup console socket");
        }
        if (r >= 0)
                r = rt_sync_pair(sync, e);
        pid_t pid = 0;
        if (r >= 0) {
                x.sync = sync[1];
                r = exec_run(c, &x, sync[0], &pid, e);
        }
        if (sync[0] >= 0)
                close(sync[0]);
        if (x.sync >= 0)
                close(x.sync);
        if (x.console >= 0)
                close(x.console);
        close(x.root);
        rt_ns_close(x.ns);
        if (r < 0)
                return err_wrap(e, "exec in container \"%s\"", id);
        if (o->pid_file) {
                char buf[16];
                int len = snprintf(buf, sizeof(buf), "%d", (int)pid);
                if (fs_write_atomic(AT_FDCWD, o->pid_file, buf, (size_t)len, 0644, e) < 0) {
                        /* The caller gets no pid to reap: do not leave it running. */
                        kill(pid, SIGKILL);
                        reap(pid);
                        return err_wrap(e, "writing the pid file");
                }
        }
        *ret_pid = pid;
        return 0;
}
