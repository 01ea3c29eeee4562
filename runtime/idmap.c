/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The uid and gid maps of a container's new user namespace, written by the
 * parent into /proc/<pid>/{uid,gid}_map.
 *
 * The kernel lets a process write them itself when it holds CAP_SETUID
 * (CAP_SETGID) over the parent namespace, which root has, or when the map is
 * one line mapping the writer's own euid (egid) -- for gid_map only after
 * setgroups was set to "deny". Anything else (a rootless user with
 * subordinate ids) goes through the setuid helpers newuidmap/newgidmap of the
 * uidmap package, which check /etc/subuid and /etc/subgid.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

#include "lifecycle-internal.h"

/* The helpers' complaints are a line or two; keep a bit more. */
#define HELPER_OUTPUT_MAX 4096

char *rt_idmap_format(const struct rt_idmap *m, size_t n)
{
        struct sbuf b = {0};
        for (size_t i = 0; i < n; i++)
                sbuf_printf(&b, "%u %u %u\n", (unsigned)m[i].container_id, (unsigned)m[i].host_id,
                            (unsigned)m[i].size);
        return sbuf_steal(&b);
}

static int write_proc(pid_t pid, const char *name, const char *text, struct err *e)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open '%s'", path);
        /* The kernel takes a map in a single write only. */
        size_t len = strlen(text);
        ssize_t n = write(fd, text, len);
        if (n < 0)
                return err_errno(e, "write '%s'", path);
        if ((size_t)n != len)
                return err_set(e, EIO, "write '%s': short write", path);
        return 0;
}

/* Run a helper, its stdout and stderr captured for the error message. */
static int run_helper(char *const *argv, struct err *e)
{
        _cleanup_free_ char *prog = host_find_program(argv[0]);
        if (!prog || access(prog, X_OK) < 0)
                return err_set(e, ENOENT,
                               "%s not found: it writes the id mappings of a rootless "
                               "container (install the uidmap package)",
                               argv[0]);
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        pid_t pid = fork();
        if (pid < 0) {
                int r = err_errno(e, "fork");
                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid == 0) {
                if (dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
                        _exit(127);
                execv(prog, argv);
                _exit(127);
        }
        close(p[1]);
        char out[HELPER_OUTPUT_MAX + 1];
        size_t len = 0;
        for (;;) {
                ssize_t n = read(p[0], out + len, HELPER_OUTPUT_MAX - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len == HELPER_OUTPUT_MAX) {
                        char sink[512];
                        while (read(p[0], sink, sizeof(sink)) > 0)
                                ;
                        break;
                }
        }
        close(p[0]);
        out[len] = 0;
        while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
                out[--len] = 0;
        int status;
        pid_t w;
        do
                w = waitpid(pid, &status, 0);
        while (w < 0 && errno == EINTR);
        if (w < 0)
                return err_errno(e, "waitpid %s", argv[0]);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        _cleanup_free_ char *cmd = strv_join(argv, " ");
        if (WIFEXITED(status))
                return err_set(e, EPERM, "%s: exit status %d%s%s", cmd, WEXITSTATUS(status),
                               len ? ": " : "", out);
        return err_set(e, EPERM, "%s: killed by signal %d", cmd, WTERMSIG(status));
}

/* One map (uid or gid) of pid. */
static int write_map(pid_t pid, bool gid, const struct rt_idmap *m, size_t n, struct err *e)
{
        const char *file = gid ? "gid_map" : "uid_map";
        uint32_t self = gid ? (uint32_t)getegid() : (uint32_t)geteuid();
        _cleanup_free_ char *text = rt_idmap_format(m, n);
        if (geteuid() == 0)
                return write_proc(pid, file, text, e);
        if (n == 1 && m[0].size == 1 && m[0].host_id == self) {
                /* An unprivileged writer may map its own gid only once
                 * setgroups is denied (else it could drop groups that deny
                 * it access); the init then keeps no supplementary groups. */
                if (gid && write_proc(pid, "setgroups", "deny", e) < 0)
                        return -EPERM;
                return write_proc(pid, file, text, e);
        }
        _cleanup_strv_ char **argv = NULL;
        strv_add(&argv, gid ? "newgidmap" : "newuidmap");
        strv_push(&argv, xasprintf("%d", (int)pid));
        for (size_t i = 0; i < n; i++) {
                strv_push(&argv, xasprintf("%u", (unsigned)m[i].container_id));
                strv_push(&argv, xasprintf("%u", (unsigned)m[i].host_id));
                strv_push(&argv, xasprintf("%u", (unsigned)m[i].size));
        }
        return run_helper(argv, e);
}

int rt_idmap_write(pid_t pid, const struct rt_spec *spec, struct err *e)
{
        if (spec->n_uid_mappings == 0 || spec->n_gid_mappings == 0)
                return err_set(e, EINVAL,
                               "a new user namespace needs linux.uidMappings and "
                               "linux.gidMappings");
        if (write_map(pid, false, spec->uid_mappings, spec->n_uid_mappings, e) < 0)
                return err_wrap(e, "writing the uid mappings");
        if (write_map(pid, true, spec->gid_mappings, spec->n_gid_mappings, e) < 0)
                return err_wrap(e, "writing the gid mappings");
        return 0;
}
