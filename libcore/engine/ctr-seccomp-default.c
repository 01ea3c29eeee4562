/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth's built-in seccomp profile: the fallback when containers.conf's
 * default profile file (/usr/share/containers/seccomp.json) is missing, as
 * podman falls back to the profile compiled into containers/common.
 *
 * Written as data here, in the profile format that ctr-seccomp.c reads, so
 * one translation path serves both: default ENOSYS for unknown syscalls,
 * EPERM for the dangerous ones, an allow list of ordinary syscalls, and the
 * capability- and architecture-conditional rules (a syscall that needs
 * CAP_X is allowed only when the container has CAP_X). It follows the rules
 * of containers-common 0.50's profile; the syscall names are the kernel's.
 */
#include "ctr-spec.h"

/* Denied with EPERM whatever the capabilities. */
static const char deny_eperm[] =
        "bdflush io_pgetevents kexec_file_load kexec_load migrate_pages move_pages nfsservctl "
        "nice oldfstat oldlstat oldolduname oldstat olduname pciconfig_iobase pciconfig_read "
        "pciconfig_write sgetmask ssetmask swapcontext swapoff swapon sysfs uselib userfaultfd "
        "ustat vm86 vm86old vmsplice";

/* Allowed for every container. */
static const char allow_always[] =
        "_llseek _newselect accept accept4 access adjtimex alarm bind brk capget capset chdir "
        "chmod chown chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 "
        "clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 clone clone3 close "
        "close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 "
        "epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd "
        "eventfd2 execve execveat exit exit_group faccessat faccessat2 fadvise64 fadvise64_64 "
        "fallocate fanotify_mark fchdir fchmod fchmodat fchown fchown32 fchownat fcntl fcntl64 "
        "fdatasync fgetxattr flistxattr flock fork fremovexattr fsconfig fsetxattr fsmount "
        "fsopen fspick fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 "
        "futex futex_time64 futimesat get_mempolicy get_robust_list get_thread_area getcpu "
        "getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 "
        "getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority "
        "getrandom getresgid getresgid32 getresuid getresuid32 getrlimit getrusage getsid "
        "getsockname getsockopt gettid gettimeofday getuid getuid32 getxattr inotify_add_watch "
        "inotify_init inotify_init1 inotify_rm_watch io_cancel io_destroy io_getevents io_setup "
        "io_submit ioctl ioprio_get ioprio_set ipc keyctl kill landlock_add_rule "
        "landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link linkat "
        "listen listxattr llistxattr lremovexattr lseek lsetxattr lstat lstat64 madvise mbind "
        "membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 "
        "mlockall mmap mmap2 mount mount_setattr move_mount mprotect mq_getsetattr mq_notify "
        "mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 "
        "mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap "
        "name_to_handle_at nanosleep newfstatat open open_tree openat openat2 pause pidfd_getfd "
        "pidfd_open pidfd_send_signal pipe pipe2 pivot_root pkey_alloc pkey_free pkey_mprotect "
        "poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease "
        "process_vm_readv process_vm_writev pselect6 pselect6_time64 ptrace pwrite64 pwritev "
        "pwritev2 read readahead readdir readlink readlinkat readv reboot recv recvfrom recvmmsg "
        "recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 "
        "restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo "
        "rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo "
        "sched_get_priority_max sched_get_priority_min sched_getaffinity sched_getattr "
        "sched_getparam sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 "
        "sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield seccomp "
        "select semctl semget semop semtimedop semtimedop_time64 send sendfile sendfile64 "
        "sendmmsg sendmsg sendto set_mempolicy set_robust_list set_thread_area set_tid_address "
        "setfsgid setfsgid32 setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer "
        "setns setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid "
        "setresuid32 setreuid setreuid32 setrlimit setsid setsockopt setuid setuid32 setxattr "
        "shmat shmctl shmdt shmget shutdown sigaction sigaltstack signal signalfd signalfd4 "
        "sigpending sigprocmask sigreturn sigsuspend socketcall socketpair splice stat stat64 "
        "statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs syscall sysinfo "
        "syslog tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime "
        "timer_gettime64 timer_settime timer_settime64 timerfd timerfd_create timerfd_gettime "
        "timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill truncate truncate64 "
        "ugetrlimit umask umount umount2 uname unlink unlinkat unshare utime utimensat "
        "utimensat_time64 utimes vfork wait4 waitid waitpid write writev ";

/* Allowed only on these architectures (libseccomp native names, comma-separated). */
static const struct {
        const char *names, *arches;
} arch_rules[] = {
        {"sync_file_range2", "ppc64le"},
        {"arm_fadvise64_64 arm_sync_file_range breakpoint cacheflush set_tls sync_file_range2",
         "arm,arm64"},
        {"arch_prctl", "amd64,x32"},
        {"modify_ldt", "amd64,x32,x86"},
        {"s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", "s390,s390x"},
};

/* Allowed with the capability, EPERM without it. */
static const struct {
        const char *names, *cap;
} cap_rules[] = {
        {"open_by_handle_at", "CAP_DAC_READ_SEARCH"},
        {"bpf fanotify_init lookup_dcookie perf_event_open quotactl setdomainname sethostname "
         "setns",
         "CAP_SYS_ADMIN"},
        {"chroot", "CAP_SYS_CHROOT"},
        {"delete_module finit_module init_module query_module", "CAP_SYS_MODULE"},
        {"acct", "CAP_SYS_PACCT"},
        {"kcmp process_madvise", "CAP_SYS_PTRACE"},
        {"ioperm iopl", "CAP_SYS_RAWIO"},
        {"clock_settime clock_settime64 settimeofday stime", "CAP_SYS_TIME"},
        {"vhangup", "CAP_SYS_TTY_CONFIG"},
};

/* personality(2) personas a container may switch to: PER_LINUX,
 * PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and the 0xffffffff query. */
static const int64_t personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

static struct json *names_of(const char *list)
{
        struct json *a = json_new_array();
        _cleanup_strv_ char **v = strv_split(list, " ");
        for (char **p = v; p && *p; p++)
                if (**p)
                        json_array_append(a, json_new_string(*p));
        return a;
}

static struct json *rule(const char *names, const char *action, int errno_ret)
{
        struct json *r = json_new_object();
        json_object_set(r, "names", names_of(names));
        json_object_set_string(r, "action", action);
        if (errno_ret >= 0)
                json_object_set_int(r, "errnoRet", errno_ret);
        return r;
}

static struct json *cond(const char *field, const char *list)
{
        struct json *f = json_new_object();
        _cleanup_strv_ char **v = strv_split(list, ",");
        json_object_set(f, field, json_new_strv(v));
        return f;
}

static struct json *arg(int index, int64_t value, const char *op)
{
        struct json *a = json_new_object();
        json_object_set_int(a, "index", index);
        json_object_set_int(a, "value", value);
        json_object_set_string(a, "op", op);
        return a;
}

static struct json *with_args(struct json *r, struct json *a1, struct json *a2)
{
        struct json *args = json_new_array();
        json_array_append(args, a1);
        if (a2)
                json_array_append(args, a2);
        json_object_set(r, "args", args);
        return r;
}

struct json *ctr_seccomp_builtin_profile(void)
{
        struct json *p = json_new_object();
        json_object_set_string(p, "defaultAction", "SCMP_ACT_ERRNO");
        json_object_set_int(p, "defaultErrnoRet", 38); /* ENOSYS: newer syscalls degrade well */
        static const struct {
                const char *arch, *subs;
        } archmap[] = {
                {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86,SCMP_ARCH_X32"},
                {"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"},
                {"SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS,SCMP_ARCH_MIPS64N32"},
                {"SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPS,SCMP_ARCH_MIPS64"},
                {"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL,SCMP_ARCH_MIPSEL64N32"},
                {"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_MIPSEL,SCMP_ARCH_MIPSEL64"},
                {"SCMP_ARCH_S390X", "SCMP_ARCH_S390"},
        };
        struct json *map = json_new_array();
        for (size_t i = 0; i < ARRAY_SIZE(archmap); i++) {
                struct json *m = cond("subArchitectures", archmap[i].subs);
                json_object_set_string(m, "architecture", archmap[i].arch);
                json_array_append(map, m);
        }
        json_object_set(p, "archMap", map);

        struct json *s = json_new_array();
        json_array_append(s, rule(deny_eperm, "SCMP_ACT_ERRNO", 1));
        json_array_append(s, rule(allow_always, "SCMP_ACT_ALLOW", -1));
        for (size_t i = 0; i < ARRAY_SIZE(personalities); i++)
                json_array_append(s, with_args(rule("personality", "SCMP_ACT_ALLOW", -1),
                                               arg(0, personalities[i], "SCMP_CMP_EQ"), NULL));
        for (size_t i = 0; i < ARRAY_SIZE(arch_rules); i++) {
                struct json *r = rule(arch_rules[i].names, "SCMP_ACT_ALLOW", -1);
                json_object_set(r, "includes", cond("arches", arch_rules[i].arches));
                json_array_append(s, r);
        }
        for (size_t i = 0; i < ARRAY_SIZE(cap_rules); i++) {
                struct json *r = rule(cap_rules[i].names, "SCMP_ACT_ALLOW", -1);
                json_object_set(r, "includes", cond("caps", cap_rules[i].cap));
                json_array_append(s, r);
                r = rule(cap_rules[i].names, "SCMP_ACT_ERRNO", 1);
                json_object_set(r, "excludes", cond("caps", cap_rules[i].cap));
                json_array_append(s, r);
        }
        /* Without CAP_AUDIT_WRITE: netlink audit sockets fail with EINVAL
         * (AF_NETLINK = 16, NETLINK_AUDIT = 9), other sockets are fine. */
        struct json *r = with_args(rule("socket", "SCMP_ACT_ERRNO", 22), arg(0, 16, "SCMP_CMP_EQ"),
                                   arg(2, 9, "SCMP_CMP_EQ"));
        json_object_set(r, "excludes", cond("caps", "CAP_AUDIT_WRITE"));
        json_array_append(s, r);
        r = with_args(rule("socket", "SCMP_ACT_ALLOW", -1), arg(2, 9, "SCMP_CMP_NE"), NULL);
        json_object_set(r, "excludes", cond("caps", "CAP_AUDIT_WRITE"));
        json_array_append(s, r);
        r = with_args(rule("socket", "SCMP_ACT_ALLOW", -1), arg(0, 16, "SCMP_CMP_NE"), NULL);
        json_object_set(r, "excludes", cond("caps", "CAP_AUDIT_WRITE"));
        json_array_append(s, r);
        /* containers-common repeats the first NE rule; kept, so that this
         * profile and the file translate to the same document. */
        r = with_args(rule("socket", "SCMP_ACT_ALLOW", -1), arg(2, 9, "SCMP_CMP_NE"), NULL);
        json_object_set(r, "excludes", cond("caps", "CAP_AUDIT_WRITE"));
        json_array_append(s, r);
        r = rule("socket", "SCMP_ACT_ALLOW", -1);
        json_object_set(r, "includes", cond("caps", "CAP_AUDIT_WRITE"));
        json_array_append(s, r);
        json_object_set(p, "syscalls", s);
        return p;
}
