/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store maintenance. store_check finds what crashes and killed builds
 * leave behind and podman never reclaims (USER-PAIN 3 and 4): layer
 * directories without a record, records flagged incomplete, layers whose
 * data or parent is gone, images and containers pointing at what vanished,
 * stale staging directories; with repair it removes them and reports the
 * space freed. store_wipe empties the store as `podman system reset` does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "store-private.h"

DEFINE_CLEANUP_FUNC(DIR *, closedir)

struct check {
        struct store *s;
        bool repair;
        struct json *report;
        uint64_t bytes;
        /* <layer staging root>/trash-<rnd>: orphans moved here under the
         * store locks (same mount as the driver home, T14), removed after. */
        struct staging_trash *trash;
        char **bad; /* incomplete or broken layers: gone once repaired */
};

/* A layer that is missing, or will be once repaired. */
static bool layer_missing(struct check *c, const char *id)
{
        return !id || !*id || records_find(c->s->layers.arr, id) < 0 || strv_contains(c->bad, id);
}

static void report_add(struct check *c, const char *key, struct json *v)
{
        struct json *a = json_object_get(c->report, key);
        json_array_append(a, v);
}

static bool is_hex64_name(const char *n)
{
        return digest_is_hex64(n);
}

/* ---------------------------------------------------------------- staging */

static void check_staging(struct check *c)
{
        /* Stages and trash dirs (overlay: also those in overlay/.berth-staging)
         * whose lock nobody holds: never a live process's. */
        _cleanup_strv_ char **stale = NULL;
        staging_sweep(c->s, c->repair, &stale, &c->bytes);
        for (char **n = stale; n && *n; n++)
                report_add(c, "stale-staging", json_new_string(*n));
        struct dirent *de;
        /* Unlocked trash directories of older berth versions. */
        _cleanup_free_ char *berth = xasprintf("%s/berth", c->s->graphroot);
        _cleanup_(closedirp) DIR *b = opendir(berth);
        while (b && (de = readdir(b))) {
                if (!str_has_prefix(de->d_name, "trash-"))
                        continue;
                report_add(c, "stale-staging", json_new_string(de->d_name));
                uint64_t freed = 0;
                if (c->repair)
                        (void)storage_rm_rf(dirfd(b), de->d_name, &freed, NULL);
                else
                        freed = storage_tree_size(dirfd(b), de->d_name);
                c->bytes += freed;
        }
}

/* ---------------------------------------------------------------- layers */

static int check_incomplete(struct check *c, struct err *e)
{
        struct store *s = c->s;
        for (size_t i = s->layers.arr->arr.len; i-- > 0;) {
                const struct json *rec = s->layers.arr->arr.items[i];
                struct json *flags = json_object_get(rec, "flags");
                if (!flags || !json_object_get_bool(flags, "incomplete", false))
                        continue;
                _cleanup_free_ char *id = xstrdup(json_object_get_string(rec, "id"));
                report_add(c, "incomplete-layers", json_new_string(id));
                strv_add(&c->bad, id);
                if (!c->repair) {
                        _cleanup_free_ char *dir = s->ops->layer_dir(s, id);
                        c->bytes += storage_tree_size(AT_FDCWD, dir);
                        continue;
                }
                /* As podman does at load: delete it, whoever uses it. */
                int r = layer_delete_locked(s, id, &c->bytes, e);
                if (r < 0)
                        return r;
                i = s->layers.arr->arr.len; /* indexes moved */
        }
        return 0;
}

/* Layers whose files are gone, or whose parent is gone or broken. */
static int check_broken_layers(struct check *c, struct err *e)
{
        struct store *s = c->s;
        bool changed = true;
        _cleanup_strv_ char **broken = NULL;
        while (changed) {
                changed = false;
                for (size_t i = 0; i < s->layers.arr->arr.len; i++) {
                        const struct json *rec = s->layers.arr->arr.items[i];
                        const char *id = json_object_get_string(rec, "id");
                        const char *parent = json_object_get_string(rec, "parent");
                        if (strv_contains(c->bad, id))
                                continue;
                        _cleanup_free_ char *dir = s->ops->files_dir(s, id);
                        const char *why = NULL;
                        if (!fs_exists(dir))
                                why = "layer directory missing";
                        else if (parent && *parent && layer_missing(c, parent))
                                why = "parent layer missing";
                        if (!why)
                                continue;
                        struct json *o = json_new_object();
                        json_object_set_string(o, "id", id);
                        json_object_set_string(o, "problem", why);
                        report_add(c, "broken-layers", o);
                        strv_add(&broken, id);
                        strv_add(&c->bad, id);
                        changed = true;
                }
        }
        /* Children before parents, so each deletion is of a leaf. */
        for (size_t k = strv_length(broken); c->repair && k-- > 0;) {
                int r = layer_delete_locked(s, broken[k], &c->bytes, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Driver metadata of the layers that are fine otherwise, parents first so
 * a child's `lower` is compared with its repaired parent. */
static int check_driver_metadata(struct check *c, struct err *e)
{
        struct store *s = c->s;
        if (!s->ops->check)
                return 0;
        _cleanup_strv_ char **done = NULL;
        for (size_t pass = 0; pass < s->layers.arr->arr.len + 1; pass++) {
                bool progress = false;
                for (size_t i = 0; i < s->layers.arr->arr.len; i++) {
                        const struct json *rec = s->layers.arr->arr.items[i];
                        const char *id = json_object_get_string(rec, "id");
                        const char *parent = json_object_get_string(rec, "parent");
                        if (strv_contains(done, id) || strv_contains(c->bad, id))
                                continue;
                        if (parent && *parent && !strv_contains(done, parent))
                                continue;
                        _cleanup_free_ char *problem = NULL;
                        int r = s->ops->check(s, id, parent, c->repair, &problem, e);
                        if (r < 0)
                                return r;
                        if (problem) {
                                struct json *o = json_new_object();
                                json_object_set_string(o, "id", id);
                                json_object_set_string(o, "problem", problem);
                                report_add(c, "layer-metadata", o);
                        }
                        strv_add(&done, id);
                        progress = true;
                }
                if (!progress)
                        break;
        }
        return 0;
}

/* Move an orphan into the trash (same filesystem) under the lock; it is
 * removed after the locks are released. */
static int trash_entry(struct check *c, const char *dir, const char *name, struct err *e)
{
        if (!c->repair) {
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
                c->bytes += storage_tree_size(AT_FDCWD, p);
                return 0;
        }
        if (!c->trash) {
                int r = staging_trash_new(c->s, &c->trash, e);
                if (r < 0)
                        return r;
        }
        _cleanup_free_ char *src = xasprintf("%s/%s", dir, name);
        _cleanup_free_ char *dst = storage_random_id();
        if (renameat(AT_FDCWD, src, c->trash->dirfd, dst) < 0)
                return err_errno(e, "move '%s' to '%s/%s'", src, c->trash->root, c->trash->name);
        return 0;
}

static int check_orphans(struct check *c, struct err *e)
{
        struct store *s = c->s;
        bool overlay = STREQ(s->driver, "overlay");
        _cleanup_free_ char *dirs = overlay ? xstrdup(s->home) : xasprintf("%s/dir", s->home);
        _cleanup_(closedirp) DIR *d = opendir(dirs);
        struct dirent *de;
        _cleanup_strv_ char **orphans = NULL;
        while (d && (de = readdir(d))) {
                /* Only names that can be layer IDs: podman's feature probes
                 * (compat*), l/ and berth's .berth-staging live here too. */
                if (is_hex64_name(de->d_name) && records_find(s->layers.arr, de->d_name) < 0)
                        strv_add(&orphans, de->d_name);
        }
        for (char **o = orphans; o && *o; o++) {
                _cleanup_free_ char *merged = xasprintf("%s/%s/merged", s->home, *o);
                if (overlay && storage_is_mountpoint(merged))
                        (void)umount2(merged, MNT_DETACH);
                report_add(c, "orphan-layer-dirs", json_new_string(*o));
                int r = trash_entry(c, dirs, *o, e);
                if (r < 0)
                        return r;
        }
        if (overlay) {
                /* l/ links to layers that no longer exist. */
                _cleanup_free_ char *l = xasprintf("%s/l", s->home);
                _cleanup_(closedirp) DIR *ld = opendir(l);
                while (ld && (de = readdir(ld))) {
                        if (de->d_name[0] == '.')
                                continue;
                        char buf[256];
                        ssize_t n = readlinkat(dirfd(ld), de->d_name, buf, sizeof(buf) - 1);
                        if (n < 0)
                                continue;
                        buf[n] = '\0';
                        struct stat st;
                        if (fstatat(dirfd(ld), de->d_name, &st, 0) == 0)
                                continue;
                        report_add(c, "dangling-links", json_new_string(de->d_name));
                        if (c->repair)
                                (void)unlinkat(dirfd(ld), de->d_name, 0);
                }
        }
        /* tar-split files of layers without a record. */
        _cleanup_free_ char *ld = xasprintf("%s/%s-layers", s->graphroot, s->driver);
        _cleanup_(closedirp) DIR *td = opendir(ld);
        while (td && (de = readdir(td))) {
                if (!str_has_suffix(de->d_name, ".tar-split.gz"))
                        continue;
                _cleanup_free_ char *id = xstrndup(de->d_name, strlen(de->d_name) - 13);
                if (!is_hex64_name(id) || records_find(s->layers.arr, id) >= 0)
                        continue;
                report_add(c, "orphan-tar-split", json_new_string(de->d_name));
                struct stat st;
                if (fstatat(dirfd(td), de->d_name, &st, 0) == 0)
                        c->bytes += (uint64_t)st.st_blocks * 512;
                if (c->repair)
                        (void)unlinkat(dirfd(td), de->d_name, 0);
        }
        return 0;
}

/* ---------------------------------------------------------------- images, containers */

static int check_images(struct check *c, struct err *e)
{
        struct store *s = c->s;
        for (size_t i = s->images.arr->arr.len; i-- > 0;) {
                const struct json *img = s->images.arr->arr.items[i];
                const char *top = json_object_get_string(img, "layer");
                if (!top || !*top || !layer_missing(c, top))
                        continue;
                _cleanup_free_ char *id = xstrdup(json_object_get_string(img, "id"));
                report_add(c, "images-missing-layers", json_new_string(id));
                if (!c->repair)
                        continue;
                records_remove_at(s->images.arr, i);
                s->images.dirty = true;
                _cleanup_free_ char *dir =
                        xasprintf("%s/%s-images/%s", s->graphroot, s->driver, id);
                int r = storage_rm_rf(AT_FDCWD, dir, &c->bytes, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_containers(struct check *c, struct err *e)
{
        struct store *s = c->s;
        for (size_t i = s->containers.arr->arr.len; i-- > 0;) {
                const struct json *ctr = s->containers.arr->arr.items[i];
                const char *img = json_object_get_string(ctr, "image");
                const char *layer = json_object_get_string(ctr, "layer");
                const char *why = NULL;
                const char *top = NULL;
                ssize_t ii = img && *img ? records_find(s->images.arr, img) : -1;
                if (ii >= 0)
                        top = json_object_get_string(s->images.arr->arr.items[ii], "layer");
                if (layer_missing(c, layer))
                        why = "layer missing";
                else if (img && *img && (ii < 0 || (top && *top && layer_missing(c, top))))
                        why = "image missing";
                if (!why)
                        continue;
                _cleanup_free_ char *id = xstrdup(json_object_get_string(ctr, "id"));
                bool ours = store_container_is_berth(ctr);
                struct json *o = json_new_object();
                json_object_set_string(o, "id", id);
                json_object_set_string(o, "problem", why);
                json_object_set_bool(o, "berth", ours);
                report_add(c, "broken-containers", o);
                /* podman's and buildah's containers are theirs to fix. */
                if (!c->repair || !ours)
                        continue;
                int r = container_delete_locked(s, id, e);
                if (r < 0)
                        return r;
                i = s->containers.arr->arr.len;
        }
        return 0;
}

static const char *const report_keys[] = {
        "stale-staging",         "incomplete-layers",
        "broken-layers",         "orphan-layer-dirs",
        "dangling-links",        "orphan-tar-split",
        "images-missing-layers", "layer-metadata",
        "broken-containers",     NULL,
};

int store_check(struct store *s, bool repair, struct json **ret_report, struct err *e)
{
        struct check c = {.s = s, .repair = repair, .report = json_new_object()};
        _cleanup_json_ struct json *report = c.report;
        for (const char *const *k = report_keys; *k; k++)
                json_object_set(report, *k, json_new_array());

        check_staging(&c);
        const unsigned mask =
                LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_IMAGES | LK_CONTAINERS | LK_KEEP_INCOMPLETE;
        int r = store_lock(s, mask, e);
        if (r >= 0) {
                r = check_incomplete(&c, e);
                if (r >= 0)
                        r = check_broken_layers(&c, e);
                if (r >= 0)
                        r = check_driver_metadata(&c, e);
                if (r >= 0)
                        r = check_orphans(&c, e);
                if (r >= 0)
                        r = check_images(&c, e);
                if (r >= 0)
                        r = check_containers(&c, e);
                int u = store_unlock(s, mask, r < 0 ? NULL : e);
                if (r >= 0)
                        r = u;
        }
        /* The orphans moved aside are nobody's now: remove them unlocked. */
        strv_free(c.bad);
        if (c.trash) {
                staging_trash_free(c.trash, &c.bytes);
                staging_rmdir_lroot(s);
        }
        if (r < 0)
                return err_wrap(e, "checking store '%s'", s->graphroot);
        json_object_set_bool(report, "repaired", repair);
        json_object_set_int(report, repair ? "bytes-reclaimed" : "bytes-reclaimable",
                            (int64_t)c.bytes);
        *ret_report = steal_pointer(&report);
        return 0;
}

/* ---------------------------------------------------------------- wipe */

static int unmount_all_under(const char *dir, struct err *e)
{
        /* Deepest first; a leftover self-bind of the overlay home (T14)
         * is among them and must go before anything can be removed. */
        for (int round = 0; round < 8; round++) {
                _cleanup_strv_ char **mps = storage_mounts_under(dir);
                if (!mps)
                        return 0;
                bool any = false;
                for (char **m = mps; *m; m++) {
                        /* The root itself may be a volume the user mounted. */
                        if (STREQ(*m, dir))
                                continue;
                        any = true;
                        if (umount2(*m, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
                                return err_errno(e, "unmount '%s'", *m);
                }
                if (!any)
                        return 0;
        }
        return 0;
}

static int empty_dir(const char *dir, struct err *e)
{
        _cleanup_(closedirp) DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : err_errno(e, "open '%s'", dir);
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                int r = storage_rm_rf(dirfd(d), de->d_name, NULL, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int store_wipe(struct store *s, struct err *e)
{
        const unsigned mask =
                LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_IMAGES | LK_CONTAINERS | LK_KEEP_INCOMPLETE;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return err_wrap(e, "wiping store '%s'", s->graphroot);
        r = unmount_all_under(s->graphroot, e);
        if (r >= 0)
                r = unmount_all_under(s->runroot, e);
        if (r >= 0)
                r = empty_dir(s->graphroot, e);
        if (r >= 0)
                r = empty_dir(s->runroot, e);
        /* The lock files are gone with the rest: drop our state without
         * saving, then lay out a fresh, empty store for this handle. */
        records_abort(&s->containers);
        records_abort(&s->images);
        records_abort(&s->mounts);
        records_abort(&s->layers);
        (void)lockfile_unlock(s->storage_lock, NULL);
        if (r >= 0)
                r = store_reinit(s, e);
        pthread_mutex_unlock(&s->mu);
        if (r < 0)
                return err_wrap(e, "wiping store '%s'", s->graphroot);
        return 0;
}
