/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store maintenance, podman 5's `system check` for containers/storage's
 * layout. store_check finds what crashes, killed builds and interrupted
 * loads leave behind and podman 4 never reclaims (USER-PAIN 3 and 4):
 * layer directories without a record, records flagged incomplete, layers
 * whose data or parent is gone or whose content no longer gives their
 * diff-digest, layers no image or container uses (older than max_age),
 * images and containers pointing at what is damaged or gone, stale staging
 * directories. Repair removes what is damaged, leaving images and layers
 * that a container uses unless forced; forcing removes those containers
 * first, whichever tool made them (c/storage's Repair with
 * RemoveContainers). The space freed is reported.
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
        const struct store_check_opts *o;
        bool repair;
        struct json *report;
        uint64_t bytes;
        /* <layer staging root>/trash-<rnd>: orphans moved here under the
         * store locks (same mount as the driver home, T14), removed after. */
        struct staging_trash *trash;
        char **bad;     /* damaged layers, missing for what builds on them */
        char **corrupt; /* layers present whose content is wrong */
        char **bad_images;
};

/* A layer that is missing or broken (what builds on it is broken too);
 * one with damaged content is not: its children's files are intact. */
static bool layer_missing(struct check *c, const char *id)
{
        return !id || !*id || records_find(c->s->layers.arr, id) < 0 ||
               (strv_contains(c->bad, id) && !strv_contains(c->corrupt, id));
}

static void report_add(struct check *c, const char *key, struct json *v)
{
        struct json *a = json_object_get(c->report, key);
        json_array_append(a, v);
}

/* An {"id", "problem"} entry under key. */
static void report_problem(struct check *c, const char *key, const char *id, const char *why)
{
        struct json *o = json_new_object();
        json_object_set_string(o, "id", id);
        json_object_set_string(o, "problem", why);
        report_add(c, key, o);
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
        if (c->repair)
                staging_rmdir_lroot(c->s);
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
                if (!c->repair)
                        continue; /* measured by repair_layers */
                /* As podman does at load: delete it, whoever uses it. */
                int r = layer_delete_locked(s, id, &c->bytes, e);
                if (r < 0)
                        return r;
                i = s->layers.arr->arr.len; /* indexes moved */
        }
        return 0;
}

/* Layers whose files are gone, or whose parent is gone or broken; removed
 * with the other damaged layers by repair_layers. */
static void check_broken_layers(struct check *c)
{
        struct store *s = c->s;
        bool changed = true;
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
                        report_problem(c, "broken-layers", id, why);
                        strv_add(&c->bad, id);
                        changed = true;
                }
        }
}

/* Layers whose content no longer reassembles to their diff-digest (files
 * changed or gone since they were applied): save, push and podman's
 * `system check` fail on them. The slow part, skipped by quick. */
static void check_digests(struct check *c)
{
        struct store *s = c->s;
        for (size_t i = 0; !c->o->quick && i < s->layers.arr->arr.len; i++) {
                const char *id = json_object_get_string(s->layers.arr->arr.items[i], "id");
                _cleanup_free_ char *problem = NULL;
                if (!id || strv_contains(c->bad, id) || layer_verify_locked(s, id, &problem) == 0)
                        continue;
                report_problem(c, "damaged-layers", id, problem);
                strv_add(&c->corrupt, id);
                strv_add(&c->bad, id);
        }
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
                                report_problem(c, "layer-metadata", id, problem);
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

/* ---------------------------------------------------------------- unreferenced */

/* Mark id and its parents as used. */
static void mark_chain(struct store *s, const char *id, char ***used)
{
        _cleanup_free_ char *cur = id && *id ? xstrdup(id) : NULL;
        while (cur && !strv_contains(*used, cur)) {
                strv_add(used, cur);
                ssize_t i = records_find(s->layers.arr, cur);
                const char *p =
                        i < 0 ? NULL
                              : json_object_get_string(s->layers.arr->arr.items[i], "parent");
                free(cur);
                cur = p && *p ? xstrdup(p) : NULL;
        }
}

/* Layers that no image's chain and no container's chain use and that are
 * older than max_age (or of unknown age), as c/storage's Check counts
 * them: what an interrupted pull or load left, once nobody can still be
 * about to record an image over it. Unlike c/storage, the parents of a
 * container's layer count as used even when its image is gone. */
static void check_unreferenced(struct check *c)
{
        struct store *s = c->s;
        _cleanup_strv_ char **used = NULL;
        for (size_t i = 0; i < s->images.arr->arr.len; i++) {
                const struct json *img = s->images.arr->arr.items[i];
                mark_chain(s, json_object_get_string(img, "layer"), &used);
                _cleanup_strv_ char **mapped = record_strv(img, "mapped-layers");
                for (char **m = mapped; m && *m; m++)
                        mark_chain(s, *m, &used);
        }
        for (size_t i = 0; i < s->containers.arr->arr.len; i++)
                mark_chain(s, json_object_get_string(s->containers.arr->arr.items[i], "layer"),
                           &used);
        int64_t now;
        time_now(&now, NULL);
        for (size_t i = 0; i < s->layers.arr->arr.len; i++) {
                const struct json *rec = s->layers.arr->arr.items[i];
                const char *id = json_object_get_string(rec, "id");
                if (!id || strv_contains(used, id) || strv_contains(c->bad, id))
                        continue;
                const char *created = json_object_get_string(rec, "created");
                int64_t sec;
                if (created && time_parse_rfc3339(created, &sec, NULL) == 0 &&
                    sec + c->o->max_age > now)
                        continue;
                report_add(c, "unreferenced-layers", json_new_string(id));
                strv_add(&c->bad, id);
        }
}

/* ---------------------------------------------------------------- images, containers */

/* Why an image is damaged (allocated), or NULL: a layer of its chain is
 * missing or broken, or present with the wrong content. */
static char *image_damage(struct check *c, const struct json *img, bool *ret_missing)
{
        struct store *s = c->s;
        _cleanup_strv_ char **tops = record_strv(img, "mapped-layers");
        const char *top = json_object_get_string(img, "layer");
        if (top && *top)
                strv_add(&tops, top);
        for (char **t = tops; t && *t; t++) {
                if (layer_missing(c, *t)) {
                        *ret_missing = true;
                        return xasprintf("layer %s missing", *t);
                }
                _cleanup_strv_ char **chain = NULL;
                mark_chain(s, *t, &chain);
                for (char **l = chain; *l; l++)
                        if (strv_contains(c->corrupt, *l)) {
                                *ret_missing = false;
                                return xasprintf("layer %s damaged", *l);
                        }
        }
        return NULL;
}

static void check_images(struct check *c)
{
        struct store *s = c->s;
        for (size_t i = 0; i < s->images.arr->arr.len; i++) {
                const struct json *img = s->images.arr->arr.items[i];
                const char *id = json_object_get_string(img, "id");
                bool missing = false;
                _cleanup_free_ char *why = image_damage(c, img, &missing);
                if (!id || !why)
                        continue;
                if (missing) {
                        report_add(c, "images-missing-layers", json_new_string(id));
                } else {
                        report_problem(c, "damaged-images", id, why);
                }
                strv_add(&c->bad_images, id);
        }
}

static void report_kept(struct check *c, const char *id, const char *why)
{
        report_problem(c, "kept", id, why);
}

/* Containers whose layer or image is gone or damaged. Repair removes
 * berth's own whose layer or image is gone; force removes every damaged
 * one, podman's and buildah's too (their record, layer and userdata:
 * podman keeps its own database entry of such a container, T12). */
static int check_containers(struct check *c, struct err *e)
{
        struct store *s = c->s;
        for (size_t i = s->containers.arr->arr.len; i-- > 0;) {
                const struct json *ctr = s->containers.arr->arr.items[i];
                const char *img = json_object_get_string(ctr, "image");
                const char *layer = json_object_get_string(ctr, "layer");
                const char *why = NULL;
                bool gone = true;
                if (layer_missing(c, layer)) {
                        why = "layer missing";
                } else if (img && *img) {
                        ssize_t ii = records_find(s->images.arr, img);
                        bool missing = false;
                        _cleanup_free_ char *dmg =
                                ii < 0 ? NULL
                                       : image_damage(c, s->images.arr->arr.items[ii], &missing);
                        if (ii < 0 || (dmg && missing))
                                why = "image missing";
                        else if (dmg) {
                                why = "image damaged";
                                gone = false;
                        }
                }
                if (!why)
                        continue;
                _cleanup_free_ char *id = xstrdup(json_object_get_string(ctr, "id"));
                bool ours = store_container_is_berth(ctr);
                struct json *o = json_new_object();
                json_object_set_string(o, "id", id);
                json_object_set_string(o, "problem", why);
                json_object_set_bool(o, "berth", ours);
                report_add(c, "broken-containers", o);
                if (!c->repair)
                        continue;
                if (!c->o->force && !(ours && gone)) {
                        report_kept(c, id,
                                    ours ? "its image is damaged: --force removes it"
                                         : "another tool's container: --force removes it");
                        continue;
                }
                int r = container_delete_locked(s, id, e);
                if (r < 0)
                        return r;
                i = s->containers.arr->arr.len;
        }
        return 0;
}

static const char *container_using_image(struct store *s, const char *id)
{
        for (size_t i = 0; i < s->containers.arr->arr.len; i++) {
                const struct json *ctr = s->containers.arr->arr.items[i];
                const char *img = json_object_get_string(ctr, "image");
                if (img && STREQ(img, id))
                        return json_object_get_string(ctr, "id");
        }
        return NULL;
}

/* Damaged images go with the layers of their chain that nothing else
 * uses, unless a container still uses them (left by check_containers
 * when not forced). */
static int repair_images(struct check *c, struct err *e)
{
        struct store *s = c->s;
        for (char **id = c->bad_images; c->repair && id && *id; id++) {
                if (records_find(s->images.arr, *id) < 0)
                        continue;
                const char *user = container_using_image(s, *id);
                if (user) {
                        _cleanup_free_ char *why =
                                xasprintf("damaged image used by container %s: --force "
                                          "removes both",
                                          user);
                        report_kept(c, *id, why);
                        continue;
                }
                _cleanup_strv_ char **removed = NULL;
                int r = image_delete_locked(s, *id, &removed, &c->bytes, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static size_t layer_depth(struct store *s, const char *id)
{
        _cleanup_strv_ char **chain = NULL;
        mark_chain(s, id, &chain);
        return strv_length(chain);
}

static int cmp_depth_desc(const void *a, const void *b, void *s)
{
        size_t da = layer_depth(s, *(char *const *)a), db = layer_depth(s, *(char *const *)b);
        return da < db ? 1 : da > db ? -1 : 0;
}

/* The damaged layers still there, children before parents so that each
 * deletion is of a leaf; one still in use stays. Without repair: their
 * size. */
static int repair_layers(struct check *c, struct err *e)
{
        struct store *s = c->s;
        size_t n = strv_length(c->bad);
        if (n > 1)
                qsort_r(c->bad, n, sizeof(char *), cmp_depth_desc, s);
        for (size_t k = 0; k < n; k++) {
                const char *id = c->bad[k];
                if (records_find(s->layers.arr, id) < 0)
                        continue;
                if (!c->repair) {
                        _cleanup_free_ char *dir = s->ops->layer_dir(s, id);
                        c->bytes += storage_tree_size(AT_FDCWD, dir);
                        continue;
                }
                _cleanup_free_ char *user = NULL;
                if (layer_in_use(s, id, &user)) {
                        _cleanup_free_ char *why = xasprintf("damaged layer used by %s", user);
                        report_kept(c, id, why);
                        continue;
                }
                int r = layer_delete_locked(s, id, &c->bytes, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *const report_keys[] = {
        "stale-staging",
        "incomplete-layers",
        "broken-layers",
        "damaged-layers",
        "unreferenced-layers",
        "orphan-layer-dirs",
        "dangling-links",
        "orphan-tar-split",
        "images-missing-layers",
        "damaged-images",
        "layer-metadata",
        "broken-containers",
        "kept",
        NULL,
};

static int check_locked(struct check *c, struct err *e)
{
        int r = check_incomplete(c, e);
        if (r < 0)
                return r;
        check_broken_layers(c);
        check_digests(c);
        if ((r = check_driver_metadata(c, e)) < 0 || (r = check_orphans(c, e)) < 0)
                return r;
        check_unreferenced(c);
        check_images(c);
        if ((r = check_containers(c, e)) < 0 || (r = repair_images(c, e)) < 0)
                return r;
        return repair_layers(c, e);
}

int store_check(struct store *s, const struct store_check_opts *o, struct json **ret_report,
                struct err *e)
{
        struct store_check_opts dflt = {.max_age = STORE_CHECK_MAX_AGE};
        if (!o)
                o = &dflt;
        struct check c = {
                .s = s,
                .o = o,
                .repair = o->repair || o->force,
                .report = json_new_object(),
        };
        _cleanup_json_ struct json *report = c.report;
        for (const char *const *k = report_keys; *k; k++)
                json_object_set(report, *k, json_new_array());

        check_staging(&c);
        const unsigned mask =
                LK_STORAGE | LK_LAYERS | LK_MOUNTS | LK_IMAGES | LK_CONTAINERS | LK_KEEP_INCOMPLETE;
        int r = store_lock(s, mask, e);
        if (r >= 0) {
                r = check_locked(&c, e);
                int u = store_unlock(s, mask, r < 0 ? NULL : e);
                if (r >= 0)
                        r = u;
        }
        /* The orphans moved aside are nobody's now: remove them unlocked. */
        strv_free(c.bad);
        strv_free(c.corrupt);
        strv_free(c.bad_images);
        if (c.trash) {
                staging_trash_free(c.trash, &c.bytes);
                staging_rmdir_lroot(s);
        }
        if (r < 0)
                return err_wrap(e, "checking store '%s'", s->graphroot);
        json_object_set_bool(report, "repaired", c.repair);
        json_object_set_int(report, c.repair ? "bytes-reclaimed" : "bytes-reclaimable",
                            (int64_t)c.bytes);
        *ret_report = steal_pointer(&report);
        return 0;
}
