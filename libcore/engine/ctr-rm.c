/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rm and `container cleanup` (the monitor's exit command): unmount the
 * rootfs berth mounted, drop the runtime state, and with rm the storage
 * record, its layer and userdata.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "storage.h"

/* An ended container whose monitor still lives: the monitor deletes the
 * runtime's state itself once it has written exit.json (or already did);
 * deleting it here too would only wait for its lock. */
static bool monitor_deletes(const struct ctr *c)
{
        _cleanup_free_ char *ex = ctr_rpath(c, "exit.json");
        return fs_exists(ex) && ctr_monitor_alive(c) > 0;
}

static int cleanup(struct store *s, const struct ctr *c, bool unmount, struct err *e)
{
        if (!monitor_deletes(c))
                ctr_runtime_delete(s, c->id, true);
        ctr_volumes_release(s, c);
        _cleanup_free_ char *marker = ctr_rpath(c, "mounted");
        if (!unmount || !fs_exists(marker))
                return 0;
        int r = store_container_unmount(s, c->id, false, e);
        if (r < 0 && e && e->code != ENOENT)
                return r;
        (void)unlink(marker);
        return 0;
}

int ctr_cleanup_locked(struct store *s, const struct ctr *c, struct err *e)
{
        return cleanup(s, c, true, e);
}

int ctr_remove_locked(struct store *s, const struct ctr *c, struct err *e)
{
        /* The storage's delete unmounts the layer it deletes, in the same
         * locked step and without tidying what goes anyway. */
        int r = cleanup(s, c, false, e);
        if (r < 0)
                return r;
        r = store_container_delete(s, c->id, e);
        if (r < 0 && e && e->code == ENOENT)
                return 0;
        return r;
}

/* IDs of berth containers that use c's namespaces (--network, --pid or
 * --uts container:): those its dependents/ lists (ctr-create.c) whose
 * berth.json still says so; what it lists of containers gone is dropped. */
static char **dependents(struct store *s, const struct ctr *c)
{
        _cleanup_free_ char *dir = ctr_gpath(c, "dependents");
        DIR *dp = opendir(dir);
        if (!dp)
                return NULL;
        _cleanup_strv_ char **names = NULL;
        struct dirent *de;
        while ((de = readdir(dp)))
                if (de->d_name[0] != '.')
                        strv_add(&names, de->d_name);
        _cleanup_close_ int dfd = dup(dirfd(dp));
        closedir(dp);
        _cleanup_free_ char *want = xasprintf("container:%s", c->id);
        char **out = NULL;
        for (char **n = names; n && *n; n++) {
                _cleanup_(ctr_freep) struct ctr *d = NULL;
                bool uses = false;
                if (digest_is_hex64(*n) && ctr_lookup(s, *n, &d, NULL) == 0) {
                        static const char *const keys[] = {"network", "pid", "uts"};
                        for (size_t k = 0; k < ARRAY_SIZE(keys) && !uses; k++) {
                                const char *m = ctr_cfg_string(d, keys[k]);
                                uses = m && STREQ(m, want);
                        }
                }
                if (uses)
                        strv_add(&out, d->id);
                else
                        (void)unlinkat(dfd, *n, 0);
        }
        return out;
}

/* Removed by another command meanwhile: the text of a failed lookup. */
static int gone(struct err *e, const char *name)
{
        err_done(e);
        return err_set(e, ENOENT, "no container with name or ID \"%s\" found: no such container",
                       name);
}

int engine_container_remove(struct store *s, const char *name, const struct container_rm_opts *o,
                            char **ret_id, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        _cleanup_strv_ char **deps = dependents(s, c);
        if (deps && !o->depend) {
                _cleanup_free_ char *list = strv_join(deps, ", ");
                return err_set(e, EBUSY,
                               "container %s has dependent containers which must be removed "
                               "before it: %s: container already exists",
                               c->id, list);
        }
        for (char **d = deps; d && *d; d++)
                if ((r = engine_container_remove(s, *d, o, NULL, e)) < 0)
                        return r;
        /* The state is read under the lock: a start (or a create) that
         * holds it finishes first. Stopping must not hold it (the monitor's
         * exit command takes it), so a container restarted meanwhile is
         * stopped again, a bounded number of times. */
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
        for (int attempt = 0;; attempt++) {
                /* What the lock's holder wrote (berth.json of a create). */
                _cleanup_(ctr_freep) struct ctr *now = NULL;
                if ((r = ctr_lock_record(s, c, &lk, e)) < 0 ||
                    (r = ctr_lookup(s, c->id, &now, e)) < 0) {
                        /* Stopped by us, then removed by its own exit
                         * command (--rm): what was asked is done. */
                        if (r == -ENOENT && attempt > 0 && ctr_cfg_bool(c, "remove")) {
                                err_done(e);
                                if (ret_id)
                                        *ret_id = xstrdup(c->id);
                                return 0;
                        }
                        return r == -ENOENT ? gone(e, name) : r;
                }
                ctr_free(c);
                c = steal_pointer(&now);
                struct ctr_state st;
                if ((r = ctr_state_get(s, c, &st, e)) < 0)
                        return r;
                bool running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
                ctr_state_done(&st);
                if (!running)
                        break;
                if (!o->force)
                        return err_set(e, EBUSY,
                                       "cannot remove container %s as it is running - running "
                                       "or paused containers cannot be removed without force: "
                                       "container state improper",
                                       c->id);
                if (attempt >= 5)
                        return err_set(e, EBUSY, "container %s keeps being restarted", c->id);
                lockfile_free(steal_pointer(&lk));
                if ((r = engine_container_stop(s, c->id, o->timeout, NULL, e)) < 0)
                        return r == -ENOENT ? gone(e, name) : r;
        }
        r = ctr_remove_locked(s, c, e);
        if (r < 0)
                return r;
        if (o->volumes)
                ctr_volumes_remove_anonymous(s, c->berth);
        if (ret_id)
                *ret_id = xstrdup(c->id);
        return 0;
}

int engine_container_cleanup(struct store *s, const char *name, bool rm, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        struct err le = {0};
        int r = ctr_lookup(s, name, &c, &le);
        if (r < 0) {
                /* Removed already (rm -f, run --rm in the foreground), or
                 * its record removed by another tool (podman rm -f): the
                 * runtime state and cgroup must not outlive the container. */
                if (le.code == ENOENT) {
                        err_done(&le);
                        if (digest_is_hex64(name))
                                ctr_runtime_delete(s, name, true);
                        return 0;
                }
                return err_move(e, &le);
        }
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
        if ((r = ctr_lock_record(s, c, &lk, &le)) < 0) {
                if (le.code == ENOENT) {
                        err_done(&le);
                        return 0;
                }
                return err_move(e, &le);
        }
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        bool running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
        ctr_state_done(&st);
        /* Restarted meanwhile: the new run keeps its mount. */
        if (running)
                return 0;
        /* --rm removes anonymous volumes too, as podman's run --rm does. */
        if (!rm)
                return ctr_cleanup_locked(s, c, e);
        if ((r = ctr_remove_locked(s, c, e)) < 0)
                return r;
        ctr_volumes_remove_anonymous(s, c->berth);
        return 0;
}

int engine_container_ids(struct store *s, bool all, char ***ret, struct err *e)
{
        struct ctr **v = NULL;
        size_t n = 0;
        int r = ctr_list_all(s, &v, &n, e);
        if (r < 0)
                return r;
        char **ids = NULL;
        for (size_t i = 0; i < n; i++) {
                if (!all) {
                        struct ctr_state st;
                        if (ctr_state_get(s, v[i], &st, NULL) < 0)
                                continue;
                        bool running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
                        ctr_state_done(&st);
                        if (!running)
                                continue;
                }
                strv_add(&ids, v[i]->id);
        }
        ctr_list_free(v, n);
        *ret = ids ? ids : strv_copy(NULL);
        return 0;
}

int engine_container_remove_forced(struct store *s, const char *id, void *userdata, struct err *e)
{
        (void)userdata;
        struct container_rm_opts o = {.force = true, .timeout = 0};
        return engine_container_remove(s, id, &o, NULL, e);
}
