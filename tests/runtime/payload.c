/* berth-test-payload: the program the runtime tests run inside containers.
 *
 * Usage: berth-test-payload COMMAND [ARG]... [--] [COMMAND [ARG]...]...
 *
 * Commands run in order; each takes a fixed number of arguments (0 or 1;
 * `put` and `syscall` 2), and a `--` between commands is allowed and
 * ignored. Each command prints lines `key=value` (key `cmd:ARG` when the
 * command takes an argument) on stdout, line-buffered, so tests can grep for
 * one line. Failures print the errno name (ENOENT, EACCES, EROFS, ...) as
 * the value. A usage error exits 99.
 *
 *   hostname domainname ids caps nnp umask cwd pid tty cgroup ns mountinfo
 *   fds oom signals cat-stdin
 *   env NAME     mount PATH   read PATH   write PATH   stat PATH   ls DIR
 *   readlink PATH   status FIELD   rlimit NAME   sysctl NAME   echo TEXT
 *   sleep SECONDS   exit CODE   tick MS   syscall NAME ARG   put PATH VALUE
 *
 * `write` only opens (creating if missing) and writes nothing; `signals`
 * prints `signals=ready`, then `signal=NAME` per SIGUSR1/USR2/HUP and returns
 * on SIGTERM/SIGINT; `tick MS` prints `tick=N` forever. Built static: the
 * busybox rootfs has no libc.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_personality
#define __NR_personality SYS_personality
#endif

/* errno_name: the symbolic name of an errno value, for tests to match. */
static const char *errno_name(int e)
{
        static char buf[32];
        switch (e) {
#define E(x)                                                                                       \
        case x:                                                                                    \
                return #x
                E(EPERM);
                E(ENOENT);
                E(ESRCH);
                E(EINTR);
                E(EIO);
                E(ENXIO);
                E(E2BIG);
                E(ENOEXEC);
                E(EBADF);
                E(ECHILD);
                E(EAGAIN);
                E(ENOMEM);
                E(EACCES);
                E(EFAULT);
                E(EBUSY);
                E(EEXIST);
                E(EXDEV);
                E(ENODEV);
                E(ENOTDIR);
                E(EISDIR);
                E(EINVAL);
                E(ENFILE);
                E(EMFILE);
                E(ENOTTY);
                E(ETXTBSY);
                E(EFBIG);
                E(ENOSPC);
                E(ESPIPE);
                E(EROFS);
                E(EMLINK);
                E(EPIPE);
                E(ERANGE);
                E(ENAMETOOLONG);
                E(ENOSYS);
                E(ENOTEMPTY);
                E(ELOOP);
                E(ENODATA);
                E(EOPNOTSUPP);
                E(ECONNREFUSED);
                E(EDQUOT);
                E(EKEYREVOKED);
                E(EBADFD);
#undef E
        }
        snprintf(buf, sizeof(buf), "E%d", e);
        return buf;
}

/* die: a usage or setup error of the payload itself (exit 99, unlike any test code). */
__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt, ...)
{
        va_list ap;
        fprintf(stderr, "berth-test-payload: ");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        exit(99);
}

/* print_escaped: S (LEN bytes) with \n, \t, \\ and non-printables escaped. */
static void print_escaped(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '\n')
                        fputs("\\n", stdout);
                else if (c == '\t')
                        fputs("\\t", stdout);
                else if (c == '\\')
                        fputs("\\\\", stdout);
                else if (c < 0x20 || c >= 0x7f)
                        printf("\\x%02x", c);
                else
                        putchar(c);
        }
}

/* read_file: up to SIZE-1 bytes of PATH into BUF (NUL-terminated); -errno on failure. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t n = 0;
        while (n < size - 1) {
                ssize_t r = read(fd, buf + n, size - 1 - n);
                if (r < 0) {
                        int e = errno;
                        close(fd);
                        return -e;
                }
                if (r == 0)
                        break;
                n += (size_t)r;
        }
        close(fd);
        buf[n] = '\0';
        return (ssize_t)n;
}

/* print_file_lines: every line of PATH as `KEY=line`. */
static void print_file_lines(const char *key, const char *path)
{
        static char buf[1 << 16];
        ssize_t n = read_file(path, buf, sizeof(buf));
        if (n < 0) {
                printf("%s=%s\n", key, errno_name((int)-n));
                return;
        }
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
                printf("%s=%s\n", key, line);
}

/* status_field: print `FIELD=value` from /proc/self/status (value without the tab). */
static void status_field(const char *field)
{
        static char buf[1 << 14];
        ssize_t n = read_file("/proc/self/status", buf, sizeof(buf));
        size_t flen = strlen(field);
        if (n < 0) {
                printf("%s=%s\n", field, errno_name((int)-n));
                return;
        }
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
                        const char *v = line + flen + 1;
                        while (*v == ' ' || *v == '\t')
                                v++;
                        printf("%s=%s\n", field, v);
                        return;
                }
        }
        printf("%s=<none>\n", field);
}

static void cmd_ids(void)
{
        gid_t groups[256];
        int n = getgroups(256, groups);
        printf("uid=%u\ngid=%u\neuid=%u\negid=%u\n", getuid(), getgid(), geteuid(), getegid());
        printf("groups=");
        for (int i = 0; i < n; i++)
                printf("%s%u", i ? " " : "", groups[i]);
        printf("\n");
}

static void cmd_ns(void)
{
        static const char *const names[] = {
                "cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time", "user", "uts",
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                char path[64];
                struct stat st;
                snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
                if (stat(path, &st) < 0)
                        printf("ns:%s=%s\n", names[i], errno_name(errno));
                else
                        printf("ns:%s=%lu\n", names[i], (unsigned long)st.st_ino);
        }
}

/* cmd_mount: the mountinfo fields of the topmost mount at PATH. */
static void cmd_mount(const char *path)
{
        static char buf[1 << 18];
        char found[4096] = "";
        ssize_t n = read_file("/proc/self/mountinfo", buf, sizeof(buf));
        if (n < 0) {
                printf("mount:%s=%s\n", path, errno_name((int)-n));
                return;
        }
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                /* id parent maj:min root mountpoint options [optional...] - fstype source super */
                char mp[4096], opts[1024], fstype[256], super[2048];
                const char *sep = strstr(line, " - ");
                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s %1023s", mp, opts) != 2)
                        continue;
                if (sscanf(sep + 3, "%255s %*s %2047s", fstype, super) != 2)
                        continue;
                if (strcmp(mp, path) == 0)
                        snprintf(found, sizeof(found), "%s %s %s", opts, fstype, super);
        }
        printf("mount:%s=%s\n", path, found[0] ? found : "none");
}

static void cmd_read(const char *path)
{
        static char buf[1 << 14];
        ssize_t n = read_file(path, buf, sizeof(buf));
        printf("read:%s=", path);
        if (n < 0) {
                printf("%s\n", errno_name((int)-n));
                return;
        }
        printf("ok len=%zd data=", n);
        print_escaped(buf, (size_t)(n > 512 ? 512 : n));
        printf("\n");
}

/* cmd_write: open PATH for writing (creating it if missing) and write nothing,
 * so that a missed read-only mount over /proc/sysrq-trigger stays harmless. */
static void cmd_write(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0) {
                printf("write:%s=%s\n", path, errno_name(errno));
                return;
        }
        close(fd);
        printf("write:%s=ok\n", path);
}

static void cmd_put(const char *path, const char *value)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0) {
                printf("put:%s=%s\n", path, errno_name(errno));
                return;
        }
        ssize_t r = write(fd, value, strlen(value));
        int e = errno;
        close(fd);
        printf("put:%s=%s\n", path, r < 0 ? errno_name(e) : "ok");
}

static void cmd_stat(const char *path)
{
        struct stat st;
        const char *type = "other";
        if (lstat(path, &st) < 0) {
                printf("stat:%s=%s\n", path, errno_name(errno));
                return;
        }
        switch (st.st_mode & S_IFMT) {
        case S_IFREG:
                type = "reg";
                break;
        case S_IFDIR:
                type = "dir";
                break;
        case S_IFLNK:
                type = "lnk";
                break;
        case S_IFCHR:
                type = "chr";
                break;
        case S_IFBLK:
                type = "blk";
                break;
        case S_IFIFO:
                type = "fifo";
                break;
        case S_IFSOCK:
                type = "sock";
                break;
        }
        printf("stat:%s=%s %04o %u %u %u:%u\n", path, type, (unsigned)(st.st_mode & 07777),
               st.st_uid, st.st_gid, major(st.st_rdev), minor(st.st_rdev));
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void cmd_ls(const char *path)
{
        char *names[1024];
        size_t n = 0;
        DIR *d = opendir(path);
        struct dirent *de;
        if (!d) {
                printf("ls:%s=%s\n", path, errno_name(errno));
                return;
        }
        while ((de = readdir(d)) && n < 1024) {
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        names[n++] = strdup(de->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof(names[0]), cmp_str);
        printf("ls:%s=", path);
        for (size_t i = 0; i < n; i++) {
                printf("%s%s", i ? " " : "", names[i]);
                free(names[i]);
        }
        printf("\n");
}

static void cmd_readlink(const char *path)
{
        char buf[PATH_MAX];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        if (n < 0) {
                printf("readlink:%s=%s\n", path, errno_name(errno));
                return;
        }
        buf[n] = '\0';
        printf("readlink:%s=%s\n", path, buf);
}

static const struct {
        const char *name;
        int resource;
} rlimits[] = {
        {"AS", RLIMIT_AS},
        {"CORE", RLIMIT_CORE},
        {"CPU", RLIMIT_CPU},
        {"DATA", RLIMIT_DATA},
        {"FSIZE", RLIMIT_FSIZE},
        {"LOCKS", RLIMIT_LOCKS},
        {"MEMLOCK", RLIMIT_MEMLOCK},
        {"MSGQUEUE", RLIMIT_MSGQUEUE},
        {"NICE", RLIMIT_NICE},
        {"NOFILE", RLIMIT_NOFILE},
        {"NPROC", RLIMIT_NPROC},
        {"RSS", RLIMIT_RSS},
        {"RTPRIO", RLIMIT_RTPRIO},
        {"RTTIME", RLIMIT_RTTIME},
        {"SIGPENDING", RLIMIT_SIGPENDING},
        {"STACK", RLIMIT_STACK},
};

static void print_rlim(rlim_t v)
{
        if (v == RLIM_INFINITY)
                printf("unlimited");
        else
                printf("%llu", (unsigned long long)v);
}

static void cmd_rlimit(const char *name)
{
        const char *n = strncmp(name, "RLIMIT_", 7) == 0 ? name + 7 : name;
        for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
                struct rlimit rl;
                if (strcmp(rlimits[i].name, n) != 0)
                        continue;
                if (getrlimit(rlimits[i].resource, &rl) < 0) {
                        printf("rlimit:%s=%s\n", n, errno_name(errno));
                        return;
                }
                printf("rlimit:%s=", n);
                print_rlim(rl.rlim_cur);
                printf(" ");
                print_rlim(rl.rlim_max);
                printf("\n");
                return;
        }
        die("unknown rlimit '%s'", name);
}

static void cmd_sysctl(const char *name)
{
        char path[512], buf[4096];
        size_t i;
        snprintf(path, sizeof(path), "/proc/sys/%s", name);
        for (i = strlen("/proc/sys/"); path[i]; i++)
                if (path[i] == '.')
                        path[i] = '/';
        ssize_t n = read_file(path, buf, sizeof(buf));
        if (n < 0) {
                printf("sysctl:%s=%s\n", name, errno_name((int)-n));
                return;
        }
        while (n > 0 && buf[n - 1] == '\n')
                buf[--n] = '\0';
        printf("sysctl:%s=%s\n", name, buf);
}

/* cmd_syscall: make one harmless system call directly (no libc wrapper that could
 * emulate or retry it) and print ok or the errno: what a seccomp filter returns. */
static void cmd_syscall(const char *name, const char *arg)
{
        char buf[PATH_MAX];
        struct utsname uts;
        long r;
        if (strcmp(name, "getcwd") == 0)
                r = syscall(SYS_getcwd, buf, sizeof(buf));
        else if (strcmp(name, "uname") == 0)
                r = syscall(SYS_uname, &uts);
        else if (strcmp(name, "getpid") == 0)
                r = syscall(SYS_getpid);
        else if (strcmp(name, "mkdir") == 0)
                r = syscall(SYS_mkdirat, AT_FDCWD, arg, 0755);
        else if (strcmp(name, "chdir") == 0)
                r = syscall(SYS_chdir, arg);
        else if (strcmp(name, "personality") == 0)
                r = syscall(__NR_personality, strtoul(arg, NULL, 0));
        else if (strcmp(name, "sethostname") == 0)
                r = syscall(SYS_sethostname, arg, strlen(arg));
        else if (strcmp(name, "umount") == 0)
                r = syscall(SYS_umount2, arg, MNT_DETACH);
        else if (strcmp(name, "mount-tmpfs") == 0)
                r = syscall(SYS_mount, "tmpfs", arg, "tmpfs", 0L, NULL);
        else if (strcmp(name, "mknod") == 0) /* c 1:250: a minor the mem driver does not have */
                r = syscall(SYS_mknodat, AT_FDCWD, arg, S_IFCHR | 0666, makedev(1, 250));
        else if (strcmp(name, "chown") == 0)
                r = syscall(SYS_fchownat, AT_FDCWD, arg, 1, 1, 0);
        else if (strcmp(name, "kill") == 0)
                r = syscall(SYS_kill, (pid_t)strtol(arg, NULL, 0), 0);
        else
                die("unknown syscall '%s'", name);
        printf("syscall:%s=%s\n", name, r < 0 ? errno_name(errno) : "ok");
}

static void cmd_tty(void)
{
        char *name = ttyname(0);
        int e = errno;
        printf("tty:0=%d\ntty:1=%d\n", isatty(0), isatty(1));
        printf("ttyname=%s\n", name ? name : errno_name(e));
}

static void cmd_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int fds[1024];
        size_t n = 0;
        if (!d) {
                printf("fds=%s\n", errno_name(errno));
                return;
        }
        while ((de = readdir(d)) && n < 1024) {
                if (de->d_name[0] == '.')
                        continue;
                int fd = atoi(de->d_name);
                if (fd != dirfd(d))
                        fds[n++] = fd;
        }
        closedir(d);
        /* readdir order is by fd number in procfs; keep it. */
        printf("fds=");
        for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? " " : "", fds[i]);
        printf("\n");
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
        got_signal = sig;
}

/* cmd_signals: report every SIGUSR1/SIGUSR2/SIGHUP that arrives, and return on
 * SIGTERM or SIGINT. Handlers are installed before `signals=ready` is printed. */
static void cmd_signals(void)
{
        static const int sigs[] = {SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGHUP};
        struct sigaction sa = {.sa_handler = on_signal};
        sigset_t all, old;
        sigemptyset(&all);
        for (size_t i = 0; i < 5; i++) {
                sigaction(sigs[i], &sa, NULL);
                sigaddset(&all, sigs[i]);
        }
        sigprocmask(SIG_BLOCK, &all, &old);
        printf("signals=ready\n");
        fflush(stdout);
        for (;;) {
                got_signal = 0;
                sigsuspend(&old);
                if (!got_signal)
                        continue;
                printf("signal=%s\n", sigabbrev_np(got_signal));
                fflush(stdout);
                if (got_signal == SIGTERM || got_signal == SIGINT)
                        break;
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
}

static void cmd_cat_stdin(void)
{
        char buf[4096];
        ssize_t n;
        fflush(stdout);
        while ((n = read(0, buf, sizeof(buf))) > 0)
                if (write(1, buf, (size_t)n) != n)
                        break;
}

static void cmd_sleep(const char *arg)
{
        double s = strtod(arg, NULL);
        struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9)};
        fflush(stdout);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* cmd_tick: print `tick=N` every MS milliseconds, forever: a process that shows
 * whether it is making progress (pause/resume). */
static void cmd_tick(const char *arg)
{
        long ms = strtol(arg, NULL, 10);
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        for (unsigned long n = 0;; n++) {
                printf("tick=%lu\n", n);
                fflush(stdout);
                nanosleep(&ts, NULL);
        }
}

/* run_one: run the command at ARGV[0]; returns how many words it used. */
static int run_one(int argc, char **argv)
{
        const char *c = argv[0];
        const char *a = argc > 1 ? argv[1] : NULL;
        static const char *const one_arg[] = {
                "env",    "mount",  "read", "write", "stat", "ls",   "readlink", "status",
                "rlimit", "sysctl", "echo", "sleep", "exit", "tick", NULL,
        };
        for (size_t i = 0; one_arg[i]; i++)
                if (strcmp(c, one_arg[i]) == 0 && !a)
                        die("'%s' needs an argument", c);

        if (strcmp(c, "hostname") == 0) {
                struct utsname u;
                uname(&u);
                printf("hostname=%s\n", u.nodename);
        } else if (strcmp(c, "domainname") == 0) {
                struct utsname u;
                uname(&u);
                printf("domainname=%s\n", u.domainname);
        } else if (strcmp(c, "ids") == 0) {
                cmd_ids();
        } else if (strcmp(c, "caps") == 0) {
                status_field("CapInh");
                status_field("CapPrm");
                status_field("CapEff");
                status_field("CapBnd");
                status_field("CapAmb");
        } else if (strcmp(c, "nnp") == 0) {
                printf("nnp=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
        } else if (strcmp(c, "umask") == 0) {
                mode_t m = umask(0);
                umask(m);
                printf("umask=%04o\n", (unsigned)m);
        } else if (strcmp(c, "cwd") == 0) {
                char buf[PATH_MAX];
                printf("cwd=%s\n", getcwd(buf, sizeof(buf)) ? buf : errno_name(errno));
        } else if (strcmp(c, "pid") == 0) {
                printf("pid=%d\nppid=%d\n", getpid(), getppid());
        } else if (strcmp(c, "tty") == 0) {
                cmd_tty();
        } else if (strcmp(c, "cgroup") == 0) {
                print_file_lines("cgroup", "/proc/self/cgroup");
        } else if (strcmp(c, "ns") == 0) {
                cmd_ns();
        } else if (strcmp(c, "mountinfo") == 0) {
                print_file_lines("mountinfo", "/proc/self/mountinfo");
        } else if (strcmp(c, "fds") == 0) {
                cmd_fds();
        } else if (strcmp(c, "oom") == 0) {
                char buf[64];
                ssize_t n = read_file("/proc/self/oom_score_adj", buf, sizeof(buf));
                if (n > 0 && buf[n - 1] == '\n')
                        buf[n - 1] = '\0';
                printf("oom_score_adj=%s\n", n < 0 ? errno_name((int)-n) : buf);
        } else if (strcmp(c, "signals") == 0) {
                cmd_signals();
        } else if (strcmp(c, "cat-stdin") == 0) {
                cmd_cat_stdin();
        } else if (strcmp(c, "env") == 0) {
                const char *v = getenv(a);
                printf("env:%s=%s\n", a, v ? v : "<unset>");
        } else if (strcmp(c, "mount") == 0) {
                cmd_mount(a);
        } else if (strcmp(c, "read") == 0) {
                cmd_read(a);
        } else if (strcmp(c, "write") == 0) {
                cmd_write(a);
        } else if (strcmp(c, "put") == 0) {
                if (argc < 3)
                        die("'%s' needs PATH and VALUE", c);
                cmd_put(a, argv[2]);
                return 3;
        } else if (strcmp(c, "stat") == 0) {
                cmd_stat(a);
        } else if (strcmp(c, "ls") == 0) {
                cmd_ls(a);
        } else if (strcmp(c, "readlink") == 0) {
                cmd_readlink(a);
        } else if (strcmp(c, "status") == 0) {
                status_field(a);
        } else if (strcmp(c, "rlimit") == 0) {
                cmd_rlimit(a);
        } else if (strcmp(c, "sysctl") == 0) {
                cmd_sysctl(a);
        } else if (strcmp(c, "echo") == 0) {
                printf("%s\n", a);
        } else if (strcmp(c, "sleep") == 0) {
                cmd_sleep(a);
        } else if (strcmp(c, "exit") == 0) {
                fflush(stdout);
                exit(atoi(a));
        } else if (strcmp(c, "tick") == 0) {
                cmd_tick(a);
        } else if (strcmp(c, "syscall") == 0) {
                if (argc < 3)
                        die("'%s' needs NAME and ARG", c);
                cmd_syscall(a, argv[2]);
                return 3;
        } else {
                die("unknown command '%s'", c);
        }
        for (size_t i = 0; one_arg[i]; i++)
                if (strcmp(c, one_arg[i]) == 0)
                        return 2;
        return 1;
}

int main(int argc, char **argv)
{
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc < 2)
                die("%s", "usage: berth-test-payload COMMAND [ARG]... (see payload.c)");
        for (int i = 1; i < argc;) {
                if (strcmp(argv[i], "--") == 0) {
                        i++;
                        continue;
                }
                i += run_one(argc - i, argv + i);
        }
        fflush(stdout);
        return 0;
}
