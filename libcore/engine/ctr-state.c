/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's state, derived each time from the files the monitor
 * writes in R (monitor.h) and the runtime library's state: no state file
 * of berth's can disagree with the processes. Nothing here waits on a
 * process except ctr_wait_stopped, which polls with a bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctr-internal.h"
#include "runtime.h"
#include "storage.h"

const char *ctr_status_to_string(enum ctr_status s)
{
        switch (s) {
        case CTR_CONFIGURED:
                return "created";
        case CTR_RUNNING:
                return "running";
        case CTR_PAUSED:
                return "paused";
        case CTR_EXITED:
                return "exited";
        }
        return "unknown";
}

void ctr_state_done(struct ctr_state *st)
{
        free(st->started_at);
        free(st->finished_at);
        st->started_at = st->finished_at = NULL;
}

char *ctr_runtime_root(struct store *s)
{
        return xasprintf("%s/berth-runtime", store_runroot(s));
}

static struct json *read_json(const struct ctr *c, const char *file)
{
        _cleanup_free_ char *p = ctr_rpath(c, file);
        struct json *j = NULL;
        if (json_parse_file(AT_FDCWD, p, 1u << 20, &j, NULL) < 0)
                return NULL;
        if (j->type != JSON_OBJECT) {
                json_free(j);
                return NULL;
        }
        return j;
}

/* A live (not zombie) process. */
static bool pid_alive(pid_t pid)
{
        if (pid <= 0)
                return false;
        _cleanup_free_ char *p = xasprintf("/proc/%d/stat", (int)pid);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, p, 4096, &buf, &len, NULL) < 0)
                return false;
        const char *rp = strrchr(buf, ')');
        return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X' && rp[2] != 'x';
}

pid_t ctr_monitor_alive(const struct ctr *c)
{
        _cleanup_free_ char *p = ctr_rpath(c, "monitor.pid");
        pid_t pid;
        size_t len;
        if (fs_read_pid(AT_FDCWD, p, &pid, NULL) < 0 || !pid_alive(pid))
                return 0;
        /* Its command line names this container: "--id\0<id>". */
        _cleanup_free_ char *cp = xasprintf("/proc/%d/cmdline", (int)pid);
        _cleanup_free_ char *cmd = NULL;
        if (fs_read_file(AT_FDCWD, cp, 1u << 16, &cmd, &len, NULL) < 0)
                return 0;
        bool has_id = false, is_monitor = len > 0 && (str_has_suffix(cmd, "/berth-monitor") ||
                                                      STREQ(cmd, "berth-monitor"));
        for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
                if (STREQ(cmd + i, "--id") && i + 5 < len && STREQ(cmd + i + 5, c->id))
                        has_id = true;
        return is_monitor && has_id ? (pid_t)pid : 0;
}

/* What the runtime says about the container: 1 running, 2 paused, 3
 * created, 0 gone or stopped. Falls back to the pid when the runtime has no
 * state (an external runtime, or already deleted). */
/* Whether pid's freezer cgroup is frozen: the state of a container that an
 * external runtime runs (its state files are its own; runc, like the
 * runtime library, keeps "paused" in the freezer alone). */
static bool pid_frozen(pid_t pid)
{
        _cleanup_free_ char *dir = NULL, *buf = NULL;
        bool v2 = false;
        size_t len;
        if (ctr_cgroup_dir(pid, "freezer", &dir, &v2, NULL) == 0) {
                _cleanup_free_ char *f = xasprintf("%s/freezer.state", dir);
                return fs_read_file(AT_FDCWD, f, 64, &buf, &len, NULL) == 0 &&
                       str_has_prefix(buf, "FROZEN");
        }
        free(steal_pointer(&dir));
        if (ctr_cgroup_dir(pid, NULL, &dir, &v2, NULL) < 0)
                return false;
        _cleanup_free_ char *f = xasprintf("%s/cgroup.freeze", dir);
        return fs_read_file(AT_FDCWD, f, 64, &buf, &len, NULL) == 0 && buf[0] == '1';
}

static int runtime_status(struct store *s, const char *id, pid_t pid)
{
        _cleanup_free_ char *root = ctr_runtime_root(s);
        struct rt_ctx ctx = {0};
        struct rt_state *rs = NULL;
        int res = -1;
        if (rt_ctx_init(&ctx, root, -1, false, NULL) == 0) {
                if (rt_state_get(&ctx, id, &rs, NULL) == 0) {
                        switch (rs->status) {
                        case RT_STATUS_RUNNING:
                                res = 1;
                                break;
                        case RT_STATUS_PAUSED:
                                res = 2;
                                break;
                        case RT_STATUS_CREATED:
                        case RT_STATUS_CREATING:
                                res = 3;
                                break;
                        case RT_STATUS_STOPPED:
                                res = 0;
                                break;
                        }
                        rt_state_free(rs);
                }
                rt_ctx_done(&ctx);
        }
        if (res < 0)
                res = !pid_alive(pid) ? 0 : pid_frozen(pid) ? 2 : 1;
        /* A zombie init has ended: the runtime's signal-0 check still sees
         * it until the monitor reaps it, and an exec into it fails. */
        else if (res > 0 && pid > 0 && !pid_alive(pid))
                res = 0;
        return res;
}

int ctr_state_get(struct store *s, const struct ctr *c, struct ctr_state *ret, struct err *e)
{
        struct ctr_state st = {.status = CTR_CONFIGURED, .exit_code = 0, .exit_known = true};
        _cleanup_json_ struct json *ex = read_json(c, "exit.json");
        _cleanup_json_ struct json *sj = read_json(c, "started.json");
        st.monitor_pid = ctr_monitor_alive(c);
        st.monitor_alive = st.monitor_pid > 0;
        if (sj) {
                const char *at = json_object_get_string(sj, "started_at");
                st.started_at = at ? xstrdup(at) : NULL;
                st.restarts = (int)json_object_get_int(sj, "restarts", 0);
        }
        int64_t ex_restarts = ex ? json_object_get_int(ex, "restarts", 0) : -1;
        if (ex && (!sj || json_object_get_int(sj, "restarts", 0) <= ex_restarts)) {
                st.status = CTR_EXITED;
                st.exit_code = (int)json_object_get_int(ex, "exit_code", -1);
                st.exit_known = st.exit_code >= 0;
                st.oom_killed = json_object_get_bool(ex, "oom_killed", false);
                const char *at = json_object_get_string(ex, "finished_at");
                st.finished_at = at ? xstrdup(at) : NULL;
        } else if (sj) {
                pid_t pid = (pid_t)json_object_get_int(sj, "pid", 0);
                int rs = runtime_status(s, c->id, pid);
                if (rs == 1 || rs == 3) {
                        st.status = CTR_RUNNING;
                        st.pid = pid;
                } else if (rs == 2) {
                        st.status = CTR_PAUSED;
                        st.pid = pid;
                } else {
                        /* Ended, and no exit.json: the monitor is writing it,
                         * or it died first and the code is lost. */
                        st.status = CTR_EXITED;
                        st.exit_code = -1;
                        st.exit_known = false;
                }
        }
        (void)e;
        *ret = st;
        return 0;
}

static int64_t seconds_since(const char *rfc3339)
{
        int64_t sec, now;
        int32_t nsec, nnow;
        if (!rfc3339 || time_parse_rfc3339(rfc3339, &sec, &nsec) < 0)
                return 0;
        time_now(&now, &nnow);
        return now > sec ? now - sec : 0;
}

char *ctr_status_text(const struct ctr_state *st)
{
        switch (st->status) {
        case CTR_CONFIGURED:
                return xstrdup("Created");
        case CTR_PAUSED:
                return xstrdup("Paused");
        case CTR_RUNNING: {
                _cleanup_free_ char *ago = report_human_ago(seconds_since(st->started_at));
                return xasprintf("Up %s", ago);
        }
        case CTR_EXITED: {
                _cleanup_free_ char *ago = report_human_ago(seconds_since(st->finished_at));
                return xasprintf("Exited (%d) %s", st->exit_code, ago);
        }
        }
        return xstrdup("Unknown");
}

void ctr_runtime_delete(struct store *s, const char *id, bool force)
{
        _cleanup_free_ char *root = ctr_runtime_root(s);
        struct rt_ctx ctx = {0};
        struct err e = {0};
        if (rt_ctx_init(&ctx, root, -1, false, &e) == 0) {
                if (rt_delete(&ctx, id, force, &e) < 0 && e.code != ENOENT)
                        log_debug("deleting the runtime state of %s: %s", id, e.msg);
                rt_ctx_done(&ctx);
        }
        err_done(&e);
}

int ctr_signal(struct store *s, const struct ctr *c, const struct ctr_state *st, int sig, bool all,
               struct err *e)
{
        if (st->status != CTR_RUNNING && st->status != CTR_PAUSED)
                return err_set(e, ESRCH, "can only kill running containers. %.12s is in state %s",
                               c->id, ctr_status_to_string(st->status));
        _cleanup_free_ char *root = ctr_runtime_root(s);
        struct rt_ctx ctx = {0};
        struct err re = {0};
        int r = rt_ctx_init(&ctx, root, -1, false, &re);
        if (r == 0) {
                r = rt_kill(&ctx, c->id, sig, all, &re);
                rt_ctx_done(&ctx);
        }
        if (r < 0 && st->pid > 0) {
                /* No state the library reads (an external runtime keeps its
                 * own): the init pid from started.json, checked alive just now. */
                log_debug("signalling %s through its pid: %s", c->id, re.msg);
                r = kill(st->pid, sig) < 0 ? err_errno(&re, "kill %d", (int)st->pid) : 0;
        }
        if (r < 0) {
                /* It ended meanwhile (stopped or removed by another command):
                 * the error of a container found not running. */
                struct ctr_state now;
                if (ctr_state_get(s, c, &now, NULL) == 0) {
                        bool ended = now.status != CTR_RUNNING && now.status != CTR_PAUSED;
                        enum ctr_status was = now.status;
                        ctr_state_done(&now);
                        if (ended) {
                                err_done(&re);
                                return err_set(e, ESRCH,
                                               "can only kill running containers. %s is in state "
                                               "%s: container state improper",
                                               c->id, ctr_status_to_string(was));
                        }
                }
                err_move(e, &re);
                return err_wrap(e, "sending signal %d to container %.12s", sig, c->id);
        }
        err_done(&re);
        return 0;
}

int ctr_wait_stopped(struct store *s, const struct ctr *c, int timeout_ms, struct err *e)
{
        return ctr_wait_run_over(s, c, NULL, timeout_ms, e);
}

int ctr_wait_run_over(struct store *s, const struct ctr *c, const char *started_at, int timeout_ms,
                      struct err *e)
{
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (unsigned i = 0;; i++) {
                struct ctr_state st;
                int r = ctr_state_get(s, c, &st, e);
                if (r < 0)
                        return r;
                bool done = st.status == CTR_EXITED && (st.exit_known || !st.monitor_alive);
                bool never = st.status == CTR_CONFIGURED && !st.monitor_alive;
                /* Started again since (by another command): that run ended. */
                bool later = started_at && st.started_at && !STREQ(started_at, st.started_at);
                ctr_state_done(&st);
                if (done || never || later)
                        return 1;
                struct timespec t;
                clock_gettime(CLOCK_MONOTONIC, &t);
                int64_t ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
                if (timeout_ms >= 0 && ms >= timeout_ms)
                        return 0;
                /* Short first polls: most containers end within milliseconds. */
                struct timespec d = {0, (i < 20 ? 5 : 50) * 1000000L};
                nanosleep(&d, NULL);
        }
}

/* Allocates: the --runtime PATH on the command line of the container's
 * monitor, NULL when it runs the container in-process (or is gone). */
char *ctr_external_runtime(const struct ctr *c)
{
        pid_t mon = ctr_monitor_alive(c);
        if (mon <= 0)
                return NULL;
        _cleanup_free_ char *p = xasprintf("/proc/%d/cmdline", (int)mon);
        _cleanup_free_ char *cmd = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, p, 1u << 16, &cmd, &len, NULL) < 0)
                return NULL;
        for (size_t i = 0; i < len; i += strlen(cmd + i) + 1)
                if (STREQ(cmd + i, "--runtime") && i + 10 < len)
                        return xstrdup(cmd + i + 10);
        return NULL;
}
