/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container as berth keeps it: the storage record (containers.json),
 * berth's create-time record G/berth.json, and the per-container lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "storage.h"

void ctr_free(struct ctr *c)
{
        if (!c)
                return;
        free(c->id);
        free(c->name);
        json_free(c->rec);
        json_free(c->berth);
        free(c->gdir);
        free(c->rdir);
        free(c);
}

void ctr_list_free(struct ctr **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                ctr_free(v[i]);
        free(v);
}

const char *ctr_record_owner(struct store *s, const struct json *rec)
{
        const char *md = json_object_get_string(rec, "metadata");
        const char *id = json_object_get_string(rec, "id");
        /* buildah keeps its working container's state in userdata/buildah.json. */
        _cleanup_free_ char *bj = NULL;
        if (id && digest_is_hex64(id)) {
                _cleanup_free_ char *g = store_container_dir(s, id);
                bj = xasprintf("%s/buildah.json", g);
        }
        if ((md && strstr(md, "buildah")) || (bj && fs_exists(bj)))
                return "buildah";
        _cleanup_json_ struct json *j = NULL;
        /* podman's metadata: image-name, image-id, name, created-at. */
        if (md && json_parse(md, strlen(md), &j, NULL) == 0 && j->type == JSON_OBJECT &&
            json_object_get(j, "created-at"))
                return "podman";
        return "storage";
}

static const char *first_name(const struct json *rec)
{
        const struct json *n = json_object_get(rec, "names");
        if (n && n->type == JSON_ARRAY && n->arr.len && n->arr.items[0]->type == JSON_STRING)
                return n->arr.items[0]->str.s;
        return "";
}

/* ctr_from_record of a record it takes (freed on error), with only the
 * berth.json members named in keys (NULL: all) parsed into c->berth. gfd:
 * store_containers_dirfd's, or -1. */
static int from_record(struct store *s, int gfd, struct json *rec, const char *const *keys,
                       struct ctr **ret, struct err *e)
{
        const char *id = json_object_get_string(rec, "id");
        if (!id || !digest_is_hex64(id)) {
                json_free(rec);
                return err_set(e, EINVAL, "container record without a valid id");
        }
        struct ctr *c = xcalloc(1, sizeof(*c));
        c->id = xstrdup(id);
        c->name = xstrdup(first_name(rec));
        c->rec = rec;
        c->gdir = store_container_dir(s, id);
        c->rdir = store_container_run_dir(s, id);
        /* Relative to the containers' directory, the walk of a listing is
         * three names, not the graphroot's whole path each time. */
        _cleanup_free_ char *p = gfd >= 0 ? xasprintf("%s/userdata/berth.json", id)
                                          : ctr_gpath(c, "berth.json");
        struct err le = {0};
        if (json_parse_file_only(gfd >= 0 ? gfd : AT_FDCWD, p, 16u << 20, keys, &c->berth,
                                 &le) < 0 ||
            c->berth->type != JSON_OBJECT) {
                /* A half-made container (berth killed during create): still
                 * listed and removable. */
                log_debug("container %s: %s", id, le.msg ? le.msg : "berth.json is not an object");
                json_free(c->berth);
                c->berth = json_new_object();
        }
        err_done(&le);
        *ret = c;
        return 0;
}

int ctr_from_record(struct store *s, const struct json *rec, struct ctr **ret, struct err *e)
{
        return from_record(s, -1, json_copy(rec), NULL, ret, e);
}

static bool record_has_name(const struct json *rec, const char *name)
{
        const struct json *n = json_object_get(rec, "names");
        for (size_t i = 0; n && n->type == JSON_ARRAY && i < n->arr.len; i++)
                if (n->arr.items[i]->type == JSON_STRING && STREQ(n->arr.items[i]->str.s, name))
                        return true;
        return false;
}

int ctr_lookup(struct store *s, const char *name, struct ctr **ret, struct err *e)
{
        if (!name || !*name)
                return err_set(e, EINVAL, "no container name or ID given");
        /* podman's order: full ID, then name, then a unique ID prefix. */
        _cleanup_json_ struct json *found = NULL;
        struct err le = {0};
        int r = store_container_get(s, name, &found, &le);
        if (r == -EINVAL) {
                err_done(&le);
                return err_set(e, EINVAL,
                               "more than one result for container ID %s: container already "
                               "exists",
                               name);
        }
        if (r == -ENOENT) {
                err_done(&le);
                return err_set(e, ENOENT,
                               "no container with name or ID \"%s\" found: no such container",
                               name);
        }
        if (r < 0)
                return err_move(e, &le);
        const char *owner = store_container_is_berth(found) ? NULL : ctr_record_owner(s, found);
        if (owner)
                return err_set(e, EPERM,
                               "container \"%s\" belongs to %s, not to berth: manage it with "
                               "that tool (`berth ps --external` lists it)",
                               name, STREQ(owner, "storage") ? "another tool" : owner);
        return from_record(s, -1, steal_pointer(&found), NULL, ret, e);
}

/* A container and its creation time, parsed once for the sort. */
struct by_created {
        int64_t sec;
        int32_t nsec;
        struct ctr *c;
};

static int cmp_created_desc(const void *a, const void *b)
{
        const struct by_created *x = a, *y = b;
        if (x->sec != y->sec)
                return x->sec < y->sec ? 1 : -1;
        return x->nsec < y->nsec ? 1 : x->nsec > y->nsec ? -1 : 0;
}

/* Newest first. */
static void sort_created_desc(struct ctr **v, size_t n)
{
        struct by_created *k = xcalloc(n + 1, sizeof(*k));
        for (size_t i = 0; i < n; i++) {
                const char *cr = json_object_get_string(v[i]->rec, "created");
                k[i].c = v[i];
                (void)time_parse_rfc3339(cr ? cr : "", &k[i].sec, &k[i].nsec);
        }
        qsort(k, n, sizeof(*k), cmp_created_desc);
        for (size_t i = 0; i < n; i++)
                v[i] = k[i].c;
        free(k);
}

int ctr_list_some(struct store *s, const char *const *keys, bool last, struct ctr ***ret,
                  size_t *ret_n, struct err *e)
{
        _cleanup_json_ struct json *all = NULL;
        int r = last ? store_containers_take(s, &all, e) : store_containers(s, &all, e);
        if (r < 0)
                return r;
        struct ctr **v = xcalloc(all->arr.len + 1, sizeof(*v));
        size_t n = 0;
        _cleanup_close_ int gfd = store_containers_dirfd(s, false);
        for (size_t i = 0; i < all->arr.len; i++) {
                if (!store_container_is_berth(all->arr.items[i]))
                        continue;
                if (from_record(s, gfd, steal_pointer(&all->arr.items[i]), keys, &v[n], NULL) ==
                    0)
                        n++;
        }
        sort_created_desc(v, n);
        *ret = v;
        *ret_n = n;
        return 0;
}

int ctr_list_all(struct store *s, struct ctr ***ret, size_t *ret_n, struct err *e)
{
        return ctr_list_some(s, NULL, false, ret, ret_n, e);
}

char *ctr_rpath(const struct ctr *c, const char *file)
{
        return xasprintf("%s/%s", c->rdir, file);
}

char *ctr_gpath(const struct ctr *c, const char *file)
{
        return xasprintf("%s/%s", c->gdir, file);
}

/* Remove a run directory that only a lock file holds (recreated for a
 * container that was removed meanwhile). */
static void drop_run_dir(const char *rdir)
{
        _cleanup_free_ char *lock = xasprintf("%s/lock", rdir);
        _cleanup_free_ char *parent = xstrdup(rdir);
        char *slash = strrchr(parent, '/');
        (void)unlink(lock);
        if (rmdir(rdir) == 0 && slash) {
                *slash = 0;
                (void)rmdir(parent);
        }
}

/* Take R/lock, making R if needed. */
static int lock_rdir(const struct ctr *c, struct lockfile **ret, struct err *e)
{
        /* The runroot is often a tmpfs: after a reboot R is gone. */
        int r = fs_mkdir_p(c->rdir, 0700, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *p = ctr_rpath(c, "lock");
        struct lockfile *l = NULL;
        if ((r = lockfile_open(p, false, &l, e)) < 0)
                return r;
        if ((r = lockfile_lock(l, e)) < 0) {
                lockfile_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

/* Removed while the caller waited for the lock: it lost the race, and the
 * R just made again for the lock must not stay behind. */
static int lost_race(const struct ctr *c, struct lockfile *l, struct err *e)
{
        lockfile_free(l);
        drop_run_dir(c->rdir);
        return err_set(e, ENOENT, "no container with name or ID \"%s\" found: no such container",
                       c->name && *c->name ? c->name : c->id);
}

int ctr_lock(const struct ctr *c, struct lockfile **ret, struct err *e)
{
        struct lockfile *l = NULL;
        int r = lock_rdir(c, &l, e);
        if (r < 0)
                return r;
        if (!fs_exists(c->gdir))
                return lost_race(c, l, e);
        *ret = l;
        return 0;
}

int ctr_lock_record(struct store *s, const struct ctr *c, struct lockfile **ret, struct err *e)
{
        struct lockfile *l = NULL;
        int r = lock_rdir(c, &l, e);
        if (r < 0)
                return r;
        _cleanup_json_ struct json *rec = NULL;
        struct err le = {0};
        if ((r = store_container_get(s, c->id, &rec, &le)) < 0 && r != -ENOENT) {
                lockfile_free(l);
                return err_move(e, &le);
        }
        err_done(&le);
        const char *id = r == 0 ? json_object_get_string(rec, "id") : NULL;
        if (id && STREQ(id, c->id)) {
                *ret = l;
                return 0;
        }
        return lost_race(c, l, e);
}

int ctr_record_create(struct store *s, const struct container_spec *spec, struct json **ret,
                      struct lockfile **ret_lock, struct err *e)
{
        _cleanup_json_ struct json *rec = NULL;
        int r;
        for (int attempt = 0;; attempt++) {
                r = store_container_create(s, spec, &rec, e);
                if (r >= 0)
                        break;
                /* Taken between the caller's check and the record: podman's
                 * text, with the container that has the name now. If that
                 * one is gone already, the name is free: try again. */
                _cleanup_json_ struct json *all = NULL;
                const char *name = spec->names ? spec->names[0] : NULL;
                if (e && e->code == ECANCELED && name) {
                        err_done(e);
                        return err_set(e, ENOENT,
                                       "container \"%s\" was removed by another command while "
                                       "it was being created: no such container",
                                       name);
                }
                if (!e || e->code != EEXIST || !name || store_containers(s, &all, NULL) < 0)
                        return r;
                bool held = false;
                for (size_t i = 0; i < all->arr.len; i++) {
                        if (!record_has_name(all->arr.items[i], name))
                                continue;
                        held = true;
                        err_done(e);
                        r = err_set(e, EEXIST,
                                    "creating container storage: the container name \"%s\" "
                                    "is already in use by %s. You have to remove that "
                                    "container to be able to reuse that name: that name is "
                                    "already in use",
                                    name, json_object_get_string(all->arr.items[i], "id"));
                        break;
                }
                if (held || attempt >= 3)
                        return r;
                err_done(e);
        }
        /* The lock is taken at once, before anything of berth's exists in
         * G: a command that finds the record (rm -f of the same name) waits
         * until berth.json is written or this process died. Taking it
         * before the record exists would leave an R without a record when
         * berth is killed in between. Another command can still win the
         * few instructions between the record and the lock; then it removed
         * the container and this create fails cleanly. */
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        if ((r = ctr_from_record(s, rec, &c, e)) < 0)
                return r;
        struct lockfile *l = NULL;
        if ((r = ctr_lock(c, &l, e)) < 0) {
                if (r == -ENOENT) {
                        err_done(e);
                        return err_set(e, ENOENT,
                                       "container \"%s\" was removed by another command while it "
                                       "was being created: no such container",
                                       c->name);
                }
                return r;
        }
        *ret = steal_pointer(&rec);
        *ret_lock = l;
        return 0;
}

const char *ctr_cfg_string(const struct ctr *c, const char *key)
{
        return json_object_get_string(c->berth, key);
}

bool ctr_cfg_bool(const struct ctr *c, const char *key)
{
        return json_object_get_bool(c->berth, key, false);
}

int64_t ctr_cfg_int(const struct ctr *c, const char *key, int64_t dflt)
{
        return json_object_get_int(c->berth, key, dflt);
}
