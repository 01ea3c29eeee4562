/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth mount / umount of containers: the container's read-write layer
 * mounted through the store, counted in mountpoints.json as podman counts
 * it (so `podman mount` lists it and either tool may release it). A running
 * container holds one count for its run (R/mounted); umount never takes
 * that one away.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "ctr-internal.h"
#include "storage.h"

/* The mount count of a layer in mountpoints.json (0: not mounted), and its
 * path. */
static int64_t layer_mount(const struct json *mounts, const char *layer, const char **ret_path)
{
        for (size_t i = 0; layer && mounts && i < mounts->arr.len; i++) {
                const struct json *m = mounts->arr.items[i];
                const char *id = json_object_get_string(m, "id");
                if (id && STREQ(id, layer)) {
                        if (ret_path)
                                *ret_path = json_object_get_string(m, "path");
                        return json_object_get_int(m, "count", 0);
                }
        }
        return 0;
}

int engine_container_mount(struct store *s, const char *name, char **ret_path, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
        if ((r = ctr_lock(c, &lk, e)) < 0)
                return r;
        if ((r = store_container_mount(s, c->id, ret_path, e)) < 0)
                return err_wrap(e, "mounting container %s", c->name);
        return 0;
}

int engine_container_unmount(struct store *s, const char *name, bool force, char **ret_id,
                             struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        _cleanup_(lockfile_freep) struct lockfile *lk = NULL;
        if ((r = ctr_lock(c, &lk, e)) < 0)
                return r;
        _cleanup_json_ struct json *mounts = NULL;
        if ((r = store_mounts(s, &mounts, e)) < 0)
                return r;
        int64_t count = layer_mount(mounts, json_object_get_string(c->rec, "layer"), NULL);
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        bool running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
        ctr_state_done(&st);
        _cleanup_free_ char *marker = ctr_rpath(c, "mounted");
        bool run_holds = running && fs_exists(marker);
        if (run_holds && count <= 1) {
                /* podman skips a running container: its run needs the mount. */
                log_debug("container %s is running: its mount stays", c->id);
                *ret_id = NULL;
                return 0;
        }
        if (count <= 0) {
                /* Not mounted: nothing to do, and not an error (podman). */
                *ret_id = xstrdup(c->id);
                return 0;
        }
        if (force && !run_holds) {
                r = store_container_unmount(s, c->id, true, e);
        } else {
                /* --force drops every count but the run's. */
                for (int64_t i = 0, n = force ? count - 1 : 1; r >= 0 && i < n; i++)
                        r = store_container_unmount(s, c->id, false, e);
        }
        if (r < 0)
                return err_wrap(e, "unmounting container %s", c->id);
        *ret_id = xstrdup(c->id);
        return 0;
}

int engine_containers_mounted(struct store *s, struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *ctrs = NULL, *mounts = NULL;
        int r;
        if ((r = store_containers(s, &ctrs, e)) < 0 || (r = store_mounts(s, &mounts, e)) < 0)
                return r;
        struct json *out = json_new_array();
        /* Every tool's containers, as podman lists "external" ones too. */
        for (size_t i = 0; i < ctrs->arr.len; i++) {
                const struct json *rec = ctrs->arr.items[i];
                const char *path = NULL;
                if (layer_mount(mounts, json_object_get_string(rec, "layer"), &path) <= 0 || !path)
                        continue;
                struct json *it = json_new_object();
                json_object_set_string(it, "id", json_object_get_string(rec, "id"));
                const struct json *names = json_object_get(rec, "names");
                struct json *n = json_new_array();
                if (names && names->type == JSON_ARRAY && names->arr.len &&
                    names->arr.items[0]->type == JSON_STRING)
                        json_array_append(n, json_new_string(names->arr.items[0]->str.s));
                json_object_set(it, "Names", n);
                json_object_set_string(it, "mountpoint", path);
                json_array_append(out, it);
        }
        *ret = out;
        return 0;
}
