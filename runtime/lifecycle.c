/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commands on an existing container: start, kill, delete, pause,
 * resume, update, ps, and the process its config holds.
 *
 * The status rules follow runc, whose behaviour the tools that drive an OCI
 * runtime expect: a created container may be killed and deleted (delete
 * kills it); a running one is deleted only with force; kill refuses a
 * stopped container. Hooks come from the config.json saved at create.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include "lifecycle-internal.h"

/* How long delete waits for the processes it killed to go. */
#define DELETE_WAIT_MS 10000
#define POLL_TICK_MS 10

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Run the hooks of kind from the saved config; a failure is a warning (the
 * spec says so for poststart and poststop). */
static void run_hooks_warn(const struct rt_container *c, const struct rt_spec *spec,
                           enum rt_hook_kind kind, enum rt_status status)
{
        if (!spec || spec->n_hooks[kind] == 0)
                return;
        _cleanup_json_ struct json *state = rt_container_state_json(c, status);
        struct err e = {0};
        if (rt_hooks_run(kind, spec->hooks[kind], spec->n_hooks[kind], state, &e) < 0)
                log_warn("container \"%s\": %s", c->id, e.msg);
        err_done(&e);
}

int rt_start(const struct rt_ctx *ctx, const char *id, struct err *e)
{
        _cleanup_container_ struct rt_container *c = NULL;
        if (rt_container_open(ctx, id, RT_LOCK_WRITE, &c, e) < 0)
                return -ENOENT;
        enum rt_status st = rt_container_status(c);
        if (st == RT_STATUS_STOPPED)
                return err_set(e, EINVAL, "cannot start a container that has stopped");
        if (st != RT_STATUS_CREATED)
                return err_set(e, EINVAL, "cannot start an already running container");
        _cleanup_free_ char *fifo = xasprintf("%s/%s", c->dir, RT_FIFO_FILE);
        /* Non-blocking, so that an init that died before it opened its end
         * cannot hang us: we poll, and look at the init between polls. */
        _cleanup_close_ int fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open '%s'", fifo);
        /* The init writes one byte, then keeps its end open until its exec
         * (or writes why it failed, and exits): read to EOF. */
        char buf[RT_SYNC_TEXT_MAX];
        size_t len = 0;
        bool started = false;
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                int n = poll(&p, 1, 100);
                if (n < 0 && errno != EINTR)
                        return err_errno(e, "poll '%s'", fifo);
                if (n > 0) {
                        ssize_t r = read(fd, buf + len, sizeof(buf) - 1 - len);
                        if (r < 0 && (errno == EAGAIN || errno == EINTR))
                                continue;
                        if (r < 0)
                                return err_errno(e, "read '%s'", fifo);
                        if (r == 0)
                                break; /* the init's end closed: exec'd, or dead */
                        len += (size_t)r;
                        started = true;
                        if (len == sizeof(buf) - 1)
                                break;
                        continue;
                }
                /* Nothing yet: a writer that never came (the init died
                 * before it opened the fifo) gives no EOF, so look. */
                if (!started && !rt_container_alive(c))
                        break;
        }
        buf[len] = 0;
        if (!started)
                return err_set(e, EIO, "the container's init exited before start");
        if (len > 1)
                return err_set(e, EIO, "starting container \"%s\": %s", id, buf + 1);
        if (unlink(fifo) < 0 && errno != ENOENT)
                return err_errno(e, "remove '%s'", fifo);
        _cleanup_(rt_spec_freep) struct rt_spec *spec = NULL;
        struct err e2 = {0};
        if (rt_container_load_hooks(c, RT_HOOK_POSTSTART, &spec, &e2) < 0)
                log_warn("container \"%s\": poststart hooks: %s", id, e2.msg);
        err_done(&e2);
        run_hooks_warn(c, spec, RT_HOOK_POSTSTART, RT_STATUS_RUNNING);
        return 0;
}

/* Send sig to every process of c; with a frozen cgroup, SIGKILL is made to
 * take effect by thawing afterwards (frozen tasks die only when thawed). */
static int signal_all(const struct rt_container *c, int sig, struct err *e)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (rt_container_pids(c, &pids, &n, e) < 0)
                return -EIO;
        for (size_t i = 0; i < n; i++)
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        return err_errno(e, "kill %d", (int)pids[i]);
        return 0;
}

static void thaw_for_kill(const struct rt_container *c, int sig)
{
        bool frozen = false;
        if (sig != SIGKILL || !rt_cgroup_is_active(c->cgroup) ||
            rt_cgroup_is_frozen(c->cgroup, &frozen, NULL) < 0 || !frozen)
                return;
        struct err e = {0};
        if (rt_cgroup_freeze(c->cgroup, false, &e) < 0)
                log_warn("container \"%s\": thawing after SIGKILL: %s", c->id, e.msg);
        err_done(&e);
}

int rt_kill(const struct rt_ctx *ctx, const char *id, int sig, bool all, struct err *e)
{
        _cleanup_container_ struct rt_container *c = NULL;
        if (rt_container_open(ctx, id, RT_LOCK_READ, &c, e) < 0)
                return -ENOENT;
        if (sig < 0 || sig >= NSIG)
                return err_set(e, EINVAL, "invalid signal %d", sig);
        if (rt_container_status(c) == RT_STATUS_STOPPED)
                return err_set(e, ESRCH, "container not running");
        if (all) {
                if (signal_all(c, sig, e) < 0)
                        return -EIO;
        } else if (kill(c->pid, sig) < 0) {
                return err_errno(e, "kill %d", (int)c->pid);
        }
        thaw_for_kill(c, sig);
        return 0;
}

/* Kill everything and wait (bounded) for the init and the rest to go. */
static int kill_and_wait(const struct rt_container *c, struct err *e)
{
        if (signal_all(c, SIGKILL, e) < 0)
                return -EIO;
        thaw_for_kill(c, SIGKILL);
        for (long waited = 0;; waited += POLL_TICK_MS) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                bool alive = rt_container_alive(c);
                if (!alive && rt_cgroup_is_active(c->cgroup) &&
                    rt_cgroup_pids(c->cgroup, &pids, &n, NULL) == 0 && n > 0) {
                        /* zombies whose parent has not reaped them yet still
                         * count: a cgroup cannot go before they do */
                        alive = true;
                }
                if (!alive)
                        return 0;
                if (waited >= DELETE_WAIT_MS)
                        return err_set(e, EBUSY,
                                       "container \"%s\": processes still there %d s after "
                                       "SIGKILL",
                                       c->id, DELETE_WAIT_MS / 1000);
                if (waited % 500 == 0 && signal_all(c, SIGKILL, NULL) < 0)
                        log_debug("container \"%s\": listing its processes failed", c->id);
                sleep_ms(POLL_TICK_MS);
        }
}

int rt_delete(const struct rt_ctx *ctx, const char *id, bool force, struct err *e)
{
        _cleanup_container_ struct rt_container *c = NULL;
        struct err e1 = {0};
        int r = rt_container_open(ctx, id, RT_LOCK_WRITE, &c, &e1);
        if (r == -ENOENT && force) {
                /* Perhaps what a killed create left (no state.json): its
                 * cgroup and directory go, or the id does not exist. */
                err_done(&e1);
                return rt_container_remove_stale(ctx, id, e) < 0 ? -ENOENT : 0;
        }
        if (r < 0) {
                err_move(e, &e1);
                return -ENOENT;
        }
        enum rt_status st = rt_container_status(c);
        if (st != RT_STATUS_STOPPED && st != RT_STATUS_CREATED && !force)
                return err_set(e, EBUSY, "cannot delete container \"%s\" that is not stopped: %s",
                               id, rt_status_to_string(st));
        if (st != RT_STATUS_STOPPED && kill_and_wait(c, e) < 0)
                return -EBUSY;
        if (rt_cgroup_destroy(c->cgroup, e) < 0)
                return err_wrap(e, "deleting container \"%s\"", id);
        _cleanup_(rt_spec_freep) struct rt_spec *spec = NULL;
        struct err e2 = {0};
        if (rt_container_load_hooks(c, RT_HOOK_POSTSTOP, &spec, &e2) < 0)
                log_warn("container \"%s\": poststop hooks: %s", id, e2.msg);
        err_done(&e2);
        run_hooks_warn(c, spec, RT_HOOK_POSTSTOP, RT_STATUS_STOPPED);
        if (rt_container_remove(c, e) < 0)
                return err_wrap(e, "deleting container \"%s\"", id);
        return 0;
}

static int freeze(const struct rt_ctx *ctx, const char *id, bool frozen, struct err *e)
{
        _cleanup_container_ struct rt_container *c = NULL;
        if (rt_container_open(ctx, id, RT_LOCK_WRITE, &c, e) < 0)
                return -ENOENT;
        enum rt_status st = rt_container_status(c);
        if (frozen && st != RT_STATUS_RUNNING)
                return err_set(e, EINVAL, "container not running");
        if (!frozen && st != RT_STATUS_PAUSED)
                return err_set(e, EINVAL, "container not paused");
        return rt_cgroup_freeze(c->cgroup, frozen, e);
}

int rt_pause(const struct rt_ctx *ctx, const char *id, struct err *e)
{
        return freeze(ctx, id, true, e);
}

int rt_resume(const struct rt_ctx *ctx, const char *id, struct err *e)
{
        return freeze(ctx, id, false, e);
}

/* src into dst, key by key: objects merge, anything else replaces, and a
 * null is "not given" (what runc's update leaves alone). */
static void json_merge(struct json *dst, const struct json *src)
{
        for (size_t i = 0; i < src->obj.len; i++) {
                const char *k = src->obj.keys[i];
                const struct json *v = src->obj.vals[i];
                struct json *d = json_object_get(dst, k);
                if (v->type == JSON_NULL)
                        continue;
                if (v->type == JSON_OBJECT && d && d->type == JSON_OBJECT)
                        json_merge(d, v);
                else
                        json_object_set(dst, k, json_copy(v));
        }
}

/* Merge resources into linux.resources of the saved config.json and replace
 * it atomically, so that later commands (exec, delete, update) see them. */
static int save_resources(const struct rt_container *c, const struct json *resources, struct err *e)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", c->dir, RT_CONFIG_FILE);
        _cleanup_json_ struct json *doc = NULL;
        if (json_parse_file(AT_FDCWD, path, RT_SPEC_MAX_SIZE, &doc, e) < 0)
                return -EIO;
        if (doc->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: not a JSON object", path);
        struct json *lx = json_object_get(doc, "linux");
        if (!lx || lx->type != JSON_OBJECT) {
                json_object_set(doc, "linux", json_new_object());
                lx = json_object_get(doc, "linux");
        }
        struct json *res = json_object_get(lx, "resources");
        if (!res || res->type != JSON_OBJECT) {
                json_object_set(lx, "resources", json_new_object());
                res = json_object_get(lx, "resources");
        }
        json_merge(res, resources);
        struct rt_resources *check = NULL;
        if (rt_resources_parse(res, &check, e) < 0)
                return err_wrap(e, "the merged linux.resources");
        rt_resources_free(check);
        _cleanup_free_ char *text = json_generate(doc, JSON_GEN_NEWLINE);
        return fs_write_atomic_volatile(AT_FDCWD, path, text, strlen(text), 0600, e);
}

int rt_update(const struct rt_ctx *ctx, const char *id, const struct json *resources, struct err *e)
{
        _cleanup_container_ struct rt_container *c = NULL;
        if (rt_container_open(ctx, id, RT_LOCK_WRITE, &c, e) < 0)
                return -ENOENT;
        if (rt_container_status(c) == RT_STATUS_STOPPED)
                return err_set(e, EINVAL, "container not running");
        struct rt_resources *r = NULL;
        if (rt_resources_parse(resources, &r, e) < 0)
                return -EINVAL;
        int ret = rt_cgroup_apply(c->cgroup, r, e);
        rt_resources_free(r);
        if (ret < 0)
                return ret;
        if (resources && resources->type == JSON_OBJECT && save_resources(c, resources, e) < 0)
                return err_wrap(e, "saving the new resources of container \"%s\"", id);
        return 0;
}

int rt_ps(const struct rt_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n, struct err *e)
{
        _cleanup_container_ struct rt_container *c = NULL;
        if (rt_container_open(ctx, id, RT_LOCK_NONE, &c, e) < 0)
                return -ENOENT;
        return rt_container_pids(c, ret, ret_n, e);
}

int rt_container_process(const struct rt_ctx *ctx, const char *id, struct json **ret, struct err *e)
{
        _cleanup_container_ struct rt_container *c = NULL;
        if (rt_container_open(ctx, id, RT_LOCK_NONE, &c, e) < 0)
                return -ENOENT;
        static const char *const keys[] = {"process", NULL};
        _cleanup_free_ char *path = xasprintf("%s/%s", c->dir, RT_CONFIG_FILE);
        _cleanup_json_ struct json *doc = NULL;
        if (json_parse_file_only(AT_FDCWD, path, RT_SPEC_MAX_SIZE, keys, &doc, e) < 0)
                return -EIO;
        const struct json *p = json_object_get(doc, "process");
        if (!p || p->type != JSON_OBJECT)
                return err_set(e, ENOENT, "container \"%s\": its config has no process", id);
        *ret = json_copy(p);
        return 0;
}
