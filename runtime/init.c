/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's init, from the clone to the exec (the child side of
 * rt_create; container.c is the parent side).
 *
 * The sequence, and why in this order:
 *   wait for GO         the parent has written the id maps and put us in the
 *                       cgroup (so a cgroup namespace made next is rooted there),
 *                       or, without a user or cgroup namespace of our own,
 *                       in its v2 part only: the v1 part comes in
 *                       rootfs prepare (RT_SYNC_CGROUP, cg_wait)
 *   uid/gid 0           in a new user namespace, to own what we create
 *   join namespaces     those the spec gives by path (user first), unless a
 *                       stage-1 child did (see rt_init_stage1)
 *   cgroup, time ns     by unshare: both must be made after the above
 *   hostname, sysctl    in the new uts/net/ipc namespaces
 *   rootfs prepare      the mounts (rootfs.c); with cg_wait, before the cgroup
 *                       mount, RT_SYNC_CGROUP and joining the v1 directories
 *                       the parent made meanwhile
 *   HOOKS round trip    prestart and createRuntime hooks run in the parent
 *                       (runtime namespace) once the mounts exist, as runc does
 *   createContainer     hooks, in our namespaces, before pivot_root
 *   rootfs finish       pivot_root, masked and read-only paths
 *   cwd, stdio, keyring, rlimits, user, capabilities, no_new_privs, seccomp
 *   READY               the parent records the container and returns
 *   exec.fifo           opening it for writing blocks until rt_start() reads
 *   startContainer      hooks, then exec
 * A failure before READY goes to the parent as the error text; after READY
 * the parent is gone, so it goes to the container's stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "lifecycle-internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The fds a child keeps, moved out of the way of the preserved ones. */
struct child_fds {
        int sync, proc, fifo, console;
        int ns[RT_NS_COUNT];
};

static void child_fds_init(struct child_fds *f, const struct rt_init_args *a)
{
        f->sync = a->sync_fd;
        f->proc = a->proc_fd;
        f->fifo = a->fifo_fd;
        f->console = a->console_fd;
        for (int t = 0; t < RT_NS_COUNT; t++)
                f->ns[t] = a->ns_fds[t];
}

/* Close what we do not need; move what we keep above the fds that are
 * preserved into the container (3 .. 3+n-1). */
static void child_fds_setup(struct child_fds *f, const struct rt_io *io)
{
        int *fds[4 + RT_NS_COUNT] = {&f->sync, &f->proc, &f->fifo, &f->console};
        for (int t = 0; t < RT_NS_COUNT; t++)
                fds[4 + t] = &f->ns[t];
        rt_child_fds(fds, ARRAY_SIZE(fds), io);
}

/* Become uid and gid 0 of the user namespace we are in. */
static int become_root(struct err *e)
{
        if (setresgid(0, 0, 0) < 0)
                return err_errno(e, "becoming gid 0 in the user namespace (is 0 mapped?)");
        if (setresuid(0, 0, 0) < 0)
                return err_errno(e, "becoming uid 0 in the user namespace (is 0 mapped?)");
        return 0;
}

/* Whether setgroups(2) is allowed in our user namespace (not "deny"). */
static bool setgroups_allowed(int proc_fd)
{
        char buf[16] = {0};
        _cleanup_close_ int fd = openat(proc_fd, "self/setgroups", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
                return true;
        return !str_has_prefix(buf, "deny");
}

static int time_ns_setup(const struct rt_spec *spec, int proc_fd, struct err *e)
{
        if (unshare(CLONE_NEWTIME) < 0)
                return err_errno(e, "creating the time namespace");
        /* The offsets may be written only until a process enters the
         * namespace, which the exec does (we stay outside until then). */
        struct {
                const char *name;
                const struct rt_time_offset *o;
        } clocks[] = {{"monotonic", &spec->time_monotonic}, {"boottime", &spec->time_boottime}};
        for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
                if (!clocks[i].o->set)
                        continue;
                _cleanup_close_ int fd =
                        openat(proc_fd, "self/timens_offsets", O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        return err_errno(e, "open '/proc/self/timens_offsets'");
                char line[96];
                int len = snprintf(line, sizeof(line), "%s %lld %u\n", clocks[i].name,
                                   (long long)clocks[i].o->secs, (unsigned)clocks[i].o->nanosecs);
                if (write(fd, line, (size_t)len) != len)
                        return err_errno(e, "linux.timeOffsets.%s: write", clocks[i].name);
        }
        return 0;
}

/* Allocates: the state object hooks run in the child get. */
static struct json *child_state(const struct rt_init_args *a, pid_t host_pid, const char *status)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "ociVersion", RT_OCI_VERSION);
        json_object_set_string(j, "id", a->id);
        json_object_set_string(j, "status", status);
        json_object_set_int(j, "pid", host_pid);
        json_object_set_string(j, "bundle", a->bundle);
        if (a->spec->annotations && a->spec->annotations->obj.len > 0)
                json_object_set(j, "annotations", json_copy(a->spec->annotations));
        return j;
}

static int run_child_hooks(const struct rt_init_args *a, enum rt_hook_kind kind, pid_t host_pid,
                           const char *status, struct err *e)
{
        if (a->spec->n_hooks[kind] == 0)
                return 0;
        _cleanup_json_ struct json *state = child_state(a, host_pid, status);
        return rt_hooks_run(kind, a->spec->hooks[kind], a->spec->n_hooks[kind], state, e);
}

/* Allocates: env with LISTEN_PID set to pid, when env has LISTEN_FDS (socket
 * activation: the fds are meant for the container's process, whose pid is
 * the one it sees, 1 in a pid namespace of its own); NULL otherwise. */
static char **listen_env(char *const *env, pid_t pid)
{
        bool has = false;
        for (size_t i = 0; env && env[i]; i++)
                has = has || str_has_prefix(env[i], "LISTEN_FDS=");
        if (!has)
                return NULL;
        char **out = NULL;
        for (size_t i = 0; env[i]; i++)
                if (!str_has_prefix(env[i], "LISTEN_PID="))
                        strv_add(&out, env[i]);
        strv_push(&out, xasprintf("LISTEN_PID=%d", (int)pid));
        return out;
}

/* After READY the parent no longer listens. Once the fifo is open, rt_start()
 * reads it until EOF (our exec closes it) and takes any text after the first
 * byte as the error; before that, the container's stderr is the one place
 * someone will look. Then exit as a shell would. */
static _noreturn_ void fail_late(int fifo_fd, const struct err *e)
{
        char buf[RT_SYNC_TEXT_MAX + 32];
        const char *msg = e->msg ? e->msg : "unknown error";
        int len = fifo_fd >= 0 ? snprintf(buf, sizeof(buf), "%s", msg)
                               : snprintf(buf, sizeof(buf), "berth-runtime: %s\n", msg);
        if (len > 0)
                (void)!write(fifo_fd >= 0 ? fifo_fd : 2, buf,
                             (size_t)len < sizeof(buf) ? (size_t)len : sizeof(buf) - 1);
        _exit(e->code == ENOENT ? 127 : e->code == EACCES ? 126 : 1);
}

struct cg_ready {
        int sync;
        const struct rt_cgroup *cgroup;
};

/* rt_rootfs_opts.cgroup_ready: the parent made the v1 directories while we
 * mounted; join them before anything sees the cgroup. */
static int cgroup_ready(void *data, struct err *e)
{
        const struct cg_ready *c = data;
        if (rt_sync_expect(c->sync, RT_SYNC_CGROUP, NULL, e) < 0)
                return -EIO;
        return rt_cgroup_join_self_v1(c->cgroup, e);
}

/* Everything from the namespaces to the exec's last checks. */
static int init_setup(const struct rt_init_args *a, struct child_fds *f, pid_t host_pid,
                      struct rt_process *proc, struct err *e)
{
        const struct rt_spec *spec = a->spec;
        int r;
        if (!a->stage1) {
                if (a->new_userns && become_root(e) < 0)
                        return -EPERM;
                if (rt_ns_join(f->ns, false, e) < 0)
                        return -EIO;
        }
        rt_ns_close(f->ns);
        bool setgroups_ok = setgroups_allowed(f->proc);

        if (spec->ns[RT_NS_CGROUP].enabled && !spec->ns[RT_NS_CGROUP].path &&
            unshare(CLONE_NEWCGROUP) < 0)
                return err_errno(e, "creating the cgroup namespace");
        if (spec->ns[RT_NS_TIME].enabled && !spec->ns[RT_NS_TIME].path &&
            time_ns_setup(spec, f->proc, e) < 0)
                return -EIO;
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return err_errno(e, "sethostname '%s'", spec->hostname);
        if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return err_errno(e, "setdomainname '%s'", spec->domainname);
        if (rt_sysctl_apply(spec, f->proc, e) < 0)
                return -EIO;

        struct rt_rootfs_opts ro = {
                .spec = spec,
                .rootfs = a->rootfs,
                .no_pivot = a->no_pivot,
                .in_userns = a->in_userns,
                .cgroup = a->cgroup,
        };
        struct cg_ready cgr = {.sync = f->sync, .cgroup = a->cgroup};
        if (a->cg_wait) {
                ro.cgroup_ready = cgroup_ready;
                ro.cgroup_ready_data = &cgr;
        }
        if (rt_rootfs_prepare(&ro, e) < 0)
                return -EIO;
        if (a->hooks_in_parent) {
                if ((r = rt_sync_send(f->sync, RT_SYNC_HOOKS, 0, e)) < 0)
                        return r;
                if ((r = rt_sync_expect(f->sync, RT_SYNC_HOOKS_DONE, NULL, e)) < 0)
                        return r;
        }
        if (run_child_hooks(a, RT_HOOK_CREATE_CONTAINER, host_pid, "creating", e) < 0)
                return -EIO;
        if (rt_rootfs_finish(&ro, e) < 0)
                return -EIO;

        /* A cwd the image lacks is made, as runc does; should that fail (a
         * read-only root), the chdir below says so. */
        if (proc->cwd && !fs_exists(proc->cwd))
                (void)fs_mkdir_p(proc->cwd, 0755, NULL);
        if (rt_init_stdio(a->io, proc, f->console, e) < 0)
                return -EIO;
        if (f->console >= 0) {
                close(f->console);
                f->console = -1;
        }
        if (!a->no_new_keyring && rt_init_keyring(a->id, e) < 0)
                return -EIO;

        /* Without no_new_privs, loading a seccomp filter needs
         * CAP_SYS_ADMIN: load it while we have it (seccomp.c). With it, load
         * it last, so the filter need not allow the setup's syscalls. */
        bool nnp = proc->no_new_privileges;
        if (rt_process_apply_limits(proc, e) < 0)
                return -EIO;
        if (!nnp && spec->seccomp && rt_init_seccomp(spec->seccomp, f->sync, e) < 0)
                return -EIO;
        if (rt_process_set_user(proc, setgroups_ok, e) < 0)
                return -EIO;
        if (rt_caps_apply(proc, e) < 0)
                return -EIO;
        if (rt_process_finish(proc, e) < 0)
                return -EIO;
        if (rt_init_check_program(proc, e) < 0)
                return -ENOENT;
        if (nnp && spec->seccomp && rt_init_seccomp(spec->seccomp, f->sync, e) < 0)
                return -EIO;
        return 0;
}

_noreturn_ void rt_init_main(const struct rt_init_args *a)
{
        struct err e = {0};
        /* Before anything else (and before the fds are sorted out, which
         * closes the tasks files): the container's cgroup. */
        if (a->cg_join && rt_cgroup_join_self(a->cg_join, &e) < 0)
                rt_sync_fail(a->sync_fd, &e);
        struct child_fds f;
        child_fds_init(&f, a);
        child_fds_setup(&f, a->io);
        /* fd 2 becomes the container's: our messages go to the parent. */
        rt_sync_log_to(&f.sync);

        struct rt_sync_msg m;
        if (rt_sync_expect(f.sync, RT_SYNC_GO, &m, NULL) < 0)
                _exit(1); /* the parent is gone: there is no one to tell */
        pid_t host_pid = (pid_t)m.val;

        struct rt_process proc = *a->spec->process;
        _cleanup_strv_ char **env = listen_env(proc.env, getpid());
        if (env)
                proc.env = env;
        if (init_setup(a, &f, host_pid, &proc, &e) < 0)
                rt_sync_fail(f.sync, &e);
        /* Through the sync socket (rt_sync_log_to), not the container's stderr. */
        log_debug("container \"%s\": init (pid %d) set up, waiting for start", a->id,
                  (int)host_pid);
        if (rt_sync_send(f.sync, RT_SYNC_READY, 0, &e) < 0)
                _exit(1);
        close(f.sync);
        f.sync = -1; /* no one to log to any more */
        rt_init_set_title(f.proc);

        /* Reopen the fifo through our own fd: its path is outside the root
         * now. The open blocks until rt_start() opens it for reading. */
        char path[64];
        snprintf(path, sizeof(path), "self/fd/%d", f.fifo);
        int fd;
        do
                fd = openat(f.proc, path, O_WRONLY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) {
                err_errno(&e, "open exec.fifo");
                fail_late(-1, &e);
        }
        if (write(fd, "0", 1) != 1) {
                err_errno(&e, "write exec.fifo");
                fail_late(-1, &e);
        }
        /* fd stays open until the exec closes it: rt_start() waits for
         * that, so startContainer hooks run before it returns and the
         * poststart hooks it runs come after them. */
        close(f.fifo);
        close(f.proc);
        if (run_child_hooks(a, RT_HOOK_START_CONTAINER, host_pid, "created", &e) < 0)
                fail_late(fd, &e);
        rt_process_exec(&proc, &e);
        fail_late(fd, &e);
}

_noreturn_ void rt_init_stage1(const struct rt_init_args *a, unsigned long clone_flags)
{
        /* Joining a pid namespace moves only the children that follow, and
         * namespaces joined by path must be joined before the user namespace
         * is made (they belong to the one they were made in): so this child
         * joins, makes the user namespace, then clones the init, as a child
         * of the rt_create() caller (CLONE_PARENT) which must reap it. */
        struct err e = {0};
        /* Before anything else (and before the fds are sorted out, which
         * closes the tasks files): the container's cgroup. */
        if (a->cg_join && rt_cgroup_join_self(a->cg_join, &e) < 0)
                rt_sync_fail(a->sync_fd, &e);
        struct child_fds f;
        child_fds_init(&f, a);
        child_fds_setup(&f, a->io);
        rt_sync_log_to(&f.sync);
        if (rt_ns_join(f.ns, false, &e) < 0)
                rt_sync_fail(f.sync, &e);
        if (f.ns[RT_NS_USER] >= 0)
                (void)become_root(NULL); /* when 0 is mapped there; set_user follows anyway */
        rt_ns_close(f.ns);
        if (clone_flags & CLONE_NEWUSER) {
                if (unshare(CLONE_NEWUSER) < 0) {
                        err_errno(&e, "creating the user namespace");
                        rt_sync_fail(f.sync, &e);
                }
                if (rt_sync_send(f.sync, RT_SYNC_MAP_REQ, 0, &e) < 0 ||
                    rt_sync_expect(f.sync, RT_SYNC_MAP_DONE, NULL, &e) < 0 || become_root(&e) < 0)
                        rt_sync_fail(f.sync, &e);
                clone_flags &= ~(unsigned long)CLONE_NEWUSER;
        }
        pid_t pid = rt_clone(clone_flags | CLONE_PARENT);
        if (pid < 0) {
                err_errno(&e, "clone");
                rt_sync_fail(f.sync, &e);
        }
        if (pid == 0) {
                struct rt_init_args b = *a;
                b.sync_fd = f.sync;
                b.proc_fd = f.proc;
                b.fifo_fd = f.fifo;
                b.console_fd = f.console;
                for (int t = 0; t < RT_NS_COUNT; t++)
                        b.ns_fds[t] = -1;
                rt_init_main(&b);
        }
        if (rt_sync_send(f.sync, RT_SYNC_PID, pid, &e) < 0)
                _exit(1);
        _exit(0);
}
