/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Namespaces: opening those to join (a path in the spec, or a running
 * container's for exec), joining them in a safe order, and the raw clone
 * that creates the new ones with the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "lifecycle-internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* setns order: the user namespace first (it grants the capabilities the
 * other joins need), the mount namespace last (after it, paths mean the
 * container's). */
static const enum rt_ns_type join_order[] = {
        RT_NS_USER, RT_NS_IPC,    RT_NS_UTS,  RT_NS_NET,
        RT_NS_PID,  RT_NS_CGROUP, RT_NS_TIME, RT_NS_MOUNT,
};

void rt_ns_close(int fds[RT_NS_COUNT])
{
        for (int t = 0; t < RT_NS_COUNT; t++) {
                if (fds[t] >= 0)
                        close(fds[t]);
                fds[t] = -1;
        }
}

int rt_ns_open_paths(const struct rt_spec *spec, int fds[RT_NS_COUNT], struct err *e)
{
        for (int t = 0; t < RT_NS_COUNT; t++)
                fds[t] = -1;
        for (int t = 0; t < RT_NS_COUNT; t++) {
                const struct rt_namespace *ns = &spec->ns[t];
                if (!ns->enabled || !ns->path)
                        continue;
                int fd = open(ns->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0) {
                        int r = err_errno(e, "linux.namespaces: open %s namespace '%s'",
                                          rt_ns_type_to_string(t), ns->path);
                        rt_ns_close(fds);
                        return r;
                }
                fds[t] = fd;
                /* NS_GET_NSTYPE (4.11) says what the file is; a plain file
                 * fails with ENOTTY. */
                int type = ioctl(fd, NS_GET_NSTYPE);
                if (type < 0 || type != rt_ns_clone_flag(t)) {
                        int r = err_set(e, EINVAL, "linux.namespaces: '%s' is not a %s namespace",
                                        ns->path, rt_ns_type_to_string(t));
                        rt_ns_close(fds);
                        return r;
                }
        }
        return 0;
}

bool rt_ns_differs(pid_t pid, enum rt_ns_type t)
{
        char a[96], b[96];
        struct stat sa, sb;
        snprintf(a, sizeof(a), "/proc/%d/ns/%s", (int)pid, rt_ns_proc_name(t));
        snprintf(b, sizeof(b), "/proc/self/ns/%s", rt_ns_proc_name(t));
        if (stat(a, &sa) < 0)
                return false; /* the kernel lacks this type, or the process is gone */
        if (stat(b, &sb) < 0)
                return true;
        return sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino;
}

int rt_ns_open_proc(pid_t pid, int fds[RT_NS_COUNT], struct err *e)
{
        for (int t = 0; t < RT_NS_COUNT; t++)
                fds[t] = -1;
        for (int t = 0; t < RT_NS_COUNT; t++) {
                if (!rt_ns_differs(pid, t))
                        continue;
                char path[96];
                snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, rt_ns_proc_name(t));
                fds[t] = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fds[t] < 0) {
                        int r = err_errno(e, "open '%s'", path);
                        rt_ns_close(fds);
                        return r;
                }
        }
        return 0;
}

int rt_ns_join(const int fds[RT_NS_COUNT], bool skip_user, struct err *e)
{
        for (size_t i = 0; i < ARRAY_SIZE(join_order); i++) {
                enum rt_ns_type t = join_order[i];
                if (fds[t] < 0 || (skip_user && t == RT_NS_USER))
                        continue;
                if (setns(fds[t], rt_ns_clone_flag(t)) < 0)
                        return err_errno(e, "joining the %s namespace", rt_ns_type_to_string(t));
        }
        return 0;
}

unsigned long rt_ns_new_flags(const struct rt_spec *spec)
{
        static const enum rt_ns_type with_clone[] = {RT_NS_USER, RT_NS_MOUNT, RT_NS_UTS,
                                                     RT_NS_IPC,  RT_NS_NET,   RT_NS_PID};
        unsigned long flags = 0;
        for (size_t i = 0; i < ARRAY_SIZE(with_clone); i++) {
                const struct rt_namespace *ns = &spec->ns[with_clone[i]];
                if (ns->enabled && !ns->path)
                        flags |= (unsigned long)rt_ns_clone_flag(with_clone[i]);
        }
        return flags;
}

pid_t rt_clone(unsigned long flags)
{
        /* clone(2) without a new stack gives fork semantics; glibc's fork()
         * cannot pass CLONE_NEW* or CLONE_PARENT. Every architecture berth
         * builds for takes (flags, stack, ...) first, and zeros elsewhere. */
        return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

pid_t rt_clone_into(unsigned long flags, int cgroup_fd)
{
#ifdef SYS_clone3
        /* struct clone_args up to .cgroup (CLONE_ARGS_SIZE_VER2); without a
         * stack, fork semantics as rt_clone(). */
        struct {
                uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
                        tls, set_tid, set_tid_size, cgroup;
        } args = {.flags = (uint64_t)flags | CLONE_INTO_CGROUP,
                  .exit_signal = SIGCHLD,
                  .cgroup = (uint64_t)cgroup_fd};
        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
#else
        (void)flags;
        (void)cgroup_fd;
        errno = ENOSYS;
        return -1;
#endif
}
