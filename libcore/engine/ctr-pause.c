/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pause and unpause: the cgroup freezer, through the runtime library
 * (rt_pause/rt_resume), or `RUNTIME --root DIR pause|resume ID` for a
 * container that an external runtime runs (its monitor's --runtime). A
 * container without a cgroup of its own (rootless on a cgroup v1 host) cannot
 * be frozen: podman's error.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "runtime.h"
#include "storage.h"

extern char **environ;

#define RT_ERR_MAX 4096

/* Run `runtime --root root verb id`; its stderr becomes the error. */
static int run_external(const char *runtime, const char *root, const char *verb, const char *id,
                        struct err *e)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return err_errno(e, "pipe");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, p[1], 2);
        char *argv[] = {(char *)runtime, "--root", (char *)root, (char *)verb, (char *)id, NULL};
        pid_t pid;
        int r = posix_spawn(&pid, runtime, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(p[1]);
        if (r != 0) {
                close(p[0]);
                errno = r;
                return err_errno(e, "running '%s'", runtime);
        }
        char buf[RT_ERR_MAX];
        size_t n = 0;
        for (;;) {
                ssize_t k = read(p[0], buf + n, sizeof(buf) - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t)k;
                if (n == sizeof(buf) - 1)
                        break;
        }
        close(p[0]);
        buf[n] = 0;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = 0;
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return err_errno(e, "waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return err_set(e, EIO, "%s %s: %s", runtime, verb, n ? buf : "failed");
        return 0;
}

/* Freeze or thaw through the library, else through the external runtime. */
static int freeze(struct store *s, const struct ctr *c, bool frozen, struct err *e)
{
        _cleanup_free_ char *root = ctr_runtime_root(s);
        _cleanup_free_ char *ext = ctr_external_runtime(c);
        if (ext)
                return run_external(ext, root, frozen ? "pause" : "resume", c->id, e);
        struct rt_ctx ctx = {0};
        int r = rt_ctx_init(&ctx, root, -1, false, e);
        if (r < 0)
                return r;
        r = frozen ? rt_pause(&ctx, c->id, e) : rt_resume(&ctx, c->id, e);
        rt_ctx_done(&ctx);
        return r;
}

/* Whether the container's init has a freezer cgroup of its own. */
static bool has_freezer(pid_t pid)
{
        _cleanup_free_ char *dir = NULL;
        bool v2 = false;
        if (ctr_cgroup_dir(pid, "freezer", &dir, &v2, NULL) == 0)
                return true;
        free(steal_pointer(&dir));
        if (ctr_cgroup_dir(pid, NULL, &dir, &v2, NULL) < 0)
                return false;
        _cleanup_free_ char *f = xasprintf("%s/cgroup.freeze", dir);
        return fs_exists(f);
}

static int pause_locked(struct store *s, const struct ctr *c, bool frozen, struct err *e)
{
        struct ctr_state st;
        int r = ctr_state_get(s, c, &st, e);
        if (r < 0)
                return r;
        enum ctr_status status = st.status;
        pid_t pid = st.pid;
        ctr_state_done(&st);
        if (frozen && status == CTR_PAUSED)
                return err_set(e, EINVAL, "\"%s\" is already paused: container state improper",
                               c->id);
        if (frozen && status != CTR_RUNNING)
                return err_set(e, EINVAL,
                               "\"%s\" is not running, can't pause: container state improper",
                               ctr_status_to_string(status));
        if (!frozen && status != CTR_PAUSED)
                return err_set(e, EINVAL,
                               "\"%s\" is not paused, can't unpause: container state improper",
                               c->id);
        if (frozen && !has_freezer(pid)) {
                struct rt_ctx ctx = {0};
                bool rootless = rt_ctx_init(&ctx, NULL, -1, false, NULL) == 0 && ctx.rootless;
                rt_ctx_done(&ctx);
                if (rootless)
                        return err_set(e, ENOTSUP,
                                       "can not pause containers on rootless containers with "
                                       "cgroup V1: this container does not have a cgroup");
                return err_set(e, ENOTSUP,
                               "can not pause container %s: it has no freezer cgroup of its own",
                               c->id);
        }
        if ((r = freeze(s, c, frozen, e)) < 0)
                return err_wrap(e, "%s container %s", frozen ? "pausing" : "unpausing", c->id);
        return 0;
}

static int pause_op(struct store *s, const char *name, bool frozen, char **ret_id, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
        if ((r = ctr_lock(c, &lk, e)) < 0)
                return r;
        if ((r = pause_locked(s, c, frozen, e)) < 0)
                return r;
        if (ret_id)
                *ret_id = xstrdup(c->id);
        return 0;
}

int engine_container_pause(struct store *s, const char *name, char **ret_id, struct err *e)
{
        return pause_op(s, name, true, ret_id, e);
}

int engine_container_unpause(struct store *s, const char *name, char **ret_id, struct err *e)
{
        return pause_op(s, name, false, ret_id, e);
}

void ctr_thaw(struct store *s, const struct ctr *c)
{
        struct err e = {0};
        if (freeze(s, c, false, &e) < 0)
                log_debug("thawing container %.12s: %s", c->id, e.msg);
        err_done(&e);
}
