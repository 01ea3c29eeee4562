/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stop, kill and wait. The state is read and the signal sent under the
 * container's lock, so a signal never reaches an instance that a start or
 * restart is still setting up (runtime kill goes by container ID, and a
 * state read before the restart would name the new init). None of them
 * holds the lock while it waits: the monitor's exit command (container
 * cleanup) needs it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "ctr-internal.h"
#include "runtime.h"

static const char *signal_name(int sig, char *buf, size_t n)
{
        const char *abbr = sigabbrev_np(sig);
        if (abbr)
                snprintf(buf, n, "SIG%s", abbr);
        else
                snprintf(buf, n, "%d", sig);
        return buf;
}

int engine_container_stop(struct store *s, const char *name, int64_t timeout, char **ret_id,
                          struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
        if ((r = ctr_lock(c, &lk, e)) < 0)
                return r;
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        if (st.status != CTR_RUNNING && st.status != CTR_PAUSED) {
                ctr_state_done(&st);
                if (ret_id)
                        *ret_id = xstrdup(c->id);
                return 0;
        }
        /* The restart policy unless-stopped reads this. */
        _cleanup_free_ char *marker = ctr_rpath(c, "stopped-by-user");
        (void)fs_write_atomic_volatile(AT_FDCWD, marker, "", 0, 0600, NULL);
        if (timeout < 0)
                timeout = ctr_cfg_int(c, "stop_timeout", 10);
        int sig = (int)ctr_cfg_int(c, "stop_signal", SIGTERM);
        if (sig <= 0 || sig >= 65)
                sig = SIGTERM;
        struct err ke = {0};
        r = ctr_signal(s, c, &st, sig, false, &ke);
        if (r == 0 && st.status == CTR_PAUSED)
                ctr_thaw(s, c); /* the stop signal waits for the thaw */
        /* The run signalled: another command may start the next one once
         * it ended, and that one is not ours to kill. */
        _cleanup_free_ char *run = st.started_at ? xstrdup(st.started_at) : NULL;
        ctr_state_done(&st);
        lockfile_free(steal_pointer(&lk));
        if (r < 0)
                log_debug("%s", ke.msg);
        err_done(&ke);
        if (r == 0 && timeout > 0) {
                int64_t ms = timeout > INT32_MAX / 1000 ? INT32_MAX : timeout * 1000;
                r = ctr_wait_run_over(s, c, run, (int)ms, e);
                if (r < 0)
                        return r;
                if (r == 1)
                        goto done;
                char sb[32];
                log_warn("StopSignal %s failed to stop container %s in %lld seconds, resorting "
                         "to SIGKILL",
                         signal_name(sig, sb, sizeof(sb)), c->name, (long long)timeout);
        }
        /* SIGKILL to every process: what is left of a container without
         * its init (or with a frozen one) must go too. */
        if ((r = ctr_lock(c, &lk, e)) < 0)
                return r;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        /* A run started since ours (stop -t 0 has not waited) is not ours. */
        bool later = run && st.started_at && !STREQ(run, st.started_at);
        struct err ke2 = {0};
        if (!later && (st.status == CTR_RUNNING || st.status == CTR_PAUSED)) {
                if (ctr_signal(s, c, &st, SIGKILL, true, &ke2) < 0 &&
                    ctr_signal(s, c, &st, SIGKILL, false, NULL) < 0)
                        log_debug("%s", ke2.msg);
        }
        err_done(&ke2);
        ctr_state_done(&st);
        lockfile_free(steal_pointer(&lk));
        if (later)
                goto done;
        r = ctr_wait_run_over(s, c, run, 60 * 1000, e);
        if (r < 0)
                return r;
        if (r == 0)
                return err_set(e, ETIMEDOUT, "container %s did not stop after SIGKILL", c->name);
done:
        if (ret_id)
                *ret_id = xstrdup(c->id);
        return 0;
}

int engine_container_kill(struct store *s, const char *name, const char *signal, char **ret_id,
                          struct err *e)
{
        int sig = SIGKILL;
        int r;
        if (signal && (r = rt_signal_from_string(signal, &sig, e)) < 0)
                return r;
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        if ((r = ctr_lookup(s, name, &c, e)) < 0)
                return r;
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
        if ((r = ctr_lock(c, &lk, e)) < 0)
                return r;
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        if (st.status != CTR_RUNNING && st.status != CTR_PAUSED) {
                r = err_set(e, EINVAL,
                            "can only kill running containers. %s is in state %s: container "
                            "state improper",
                            c->id, ctr_status_to_string(st.status));
                ctr_state_done(&st);
                return r;
        }
        if (sig == SIGKILL || sig == SIGTERM) {
                _cleanup_free_ char *marker = ctr_rpath(c, "stopped-by-user");
                (void)fs_write_atomic_volatile(AT_FDCWD, marker, "", 0, 0600, NULL);
        }
        r = ctr_signal(s, c, &st, sig, false, e);
        ctr_state_done(&st);
        if (r < 0)
                return r;
        if (ret_id)
                *ret_id = xstrdup(c->id);
        return 0;
}

static bool condition_met(const struct ctr_state *st, char *const *conds)
{
        static char *const dflt[] = {"stopped", "exited", NULL};
        if (!conds || !conds[0])
                conds = dflt;
        for (char *const *p = conds; *p; p++) {
                const char *c = *p;
                if ((STREQ(c, "stopped") || STREQ(c, "exited")) && st->status == CTR_EXITED &&
                    (st->exit_known || !st->monitor_alive))
                        return true;
                if (STREQ(c, "running") && st->status == CTR_RUNNING)
                        return true;
                if (STREQ(c, "paused") && st->status == CTR_PAUSED)
                        return true;
                if ((STREQ(c, "created") || STREQ(c, "configured")) && st->status == CTR_CONFIGURED)
                        return true;
        }
        return false;
}

int engine_container_wait(struct store *s, const char *name, char *const *conditions, int *ret_code,
                          struct err *e)
{
        static const char *const known[] = {"stopped", "exited",  "running",
                                            "paused",  "created", "configured"};
        for (char *const *p = conditions; p && *p; p++) {
                bool ok = false;
                for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                        ok = ok || STREQ(*p, known[i]);
                if (!ok)
                        return err_set(e, EINVAL, "unknown condition \"%s\" for --condition", *p);
        }
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        for (unsigned i = 0;; i++) {
                struct ctr_state st;
                if ((r = ctr_state_get(s, c, &st, e)) < 0)
                        return r;
                bool met = condition_met(&st, conditions);
                int code = st.status == CTR_EXITED ? st.exit_code : 0;
                ctr_state_done(&st);
                if (met) {
                        *ret_code = code;
                        return 0;
                }
                /* The container may go (run --rm, rm from elsewhere). */
                _cleanup_free_ char *g = xstrdup(c->gdir);
                if (!fs_exists(g))
                        return err_set(e, ENOENT,
                                       "no container with name or ID \"%s\" found: no such "
                                       "container",
                                       name);
                struct timespec d = {0, (i < 20 ? 5 : 100) * 1000000L};
                nanosleep(&d, NULL);
        }
}
