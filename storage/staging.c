/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Staged layers: a layer is built in a staging directory (same mount as
 * the driver home, no record: podman ignores it), synced, and only then
 * renamed into the driver home and recorded in one short locked step. No
 * record ever carries the `incomplete` flag for a layer being created, so
 * podman never deletes one of ours mid-pull (STORAGE-FORMAT §3.2, trap
 * T4), and a crash leaves only staging directories whose lock nobody
 * holds, which the next layer-creating operation or store_check removes
 * (staging-sweep.c).
 *
 * <staging>/<rnd>.lock     OFD lock held while the stage is alive
 * <staging>/<rnd>/tar-split.gz
 * <lstaging>/<rnd>/layer   the driver's layer directory (overlay: diff/,
 *                          link, lower, work/, empty/; vfs: the full tree)
 *
 * <staging> is <graphroot>/berth/staging. <lstaging> is the same for vfs
 * and <graphroot>/overlay/.berth-staging for overlay: podman bind-mounts
 * the overlay home onto itself while it runs (§2.3, T14), and a rename
 * into it from outside fails with EXDEV. The tar-split file stays outside
 * it for the same reason (it goes to <graphroot>/overlay-layers/).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "layer-apply.h"
#include "store-private.h"

struct staged_layer {
        struct store *s;
        char *root; /* the staging root */
        char *name; /* <rnd> */
        int dirfd;  /* <staging>/<rnd> */
        /* The layer staging root <lstaging>, and <lstaging>/<rnd>, which
         * holds "layer". */
        char *lroot;
        int ldirfd;
        struct lockfile *lock;
        char *parent;
        bool parent_pending; /* prepared as a base layer: adopt_parent at commit */
        bool root_set;
        char **inherit_dirs;
        bool has_tarsplit;
        bool committed;
        bool relaxed; /* staged_layer_set_relaxed */
        struct staged_layer_info info;
        char *compressed_digest;
        char *diff_digest;
        struct json *uidset, *gidset;
};

const struct staged_layer_info *staged_layer_info(const struct staged_layer *sl)
{
        return &sl->info;
}

/* A committed stage's directories are empty and still locked: they can be
 * the store's trash (store_discard), which store_free's child empties with
 * whatever a later delete of this handle put there. A run --rm then makes
 * no trash for its delete, and removes no directory when it creates: on a
 * disk mounted with discard, each freed directory block waits for the
 * device. (A load's stages are removed at once: its caller may look.) */
bool staged_layer_to_trash_locked(struct staged_layer *sl)
{
        struct store *s = sl->s;
        if (!sl->committed || !s->discard_background || s->trash || !sl->root || !sl->name ||
            sl->dirfd < 0 || sl->ldirfd < 0)
                return false;
        struct staging_trash *t = xcalloc(1, sizeof(*t));
        bool split = !STREQ(sl->lroot, sl->root);
        t->root = steal_pointer(&sl->lroot);
        t->name = steal_pointer(&sl->name);
        t->dirfd = sl->ldirfd;
        sl->ldirfd = -1;
        t->graph_dirfd = -1;
        if (split) {
                t->graph_dirfd = sl->dirfd;
                sl->dirfd = -1;
        }
        t->lock = steal_pointer(&sl->lock);
        s->trash = t;
        return true;
}

void staged_layer_free(struct staged_layer *sl)
{
        if (!sl)
                return;
        closep(&sl->ldirfd);
        if (sl->root && sl->name) {
                _cleanup_close_ int rfd = open(sl->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (rfd >= 0) {
                        struct err e = {0};
                        if (sl->lroot && !STREQ(sl->lroot, sl->root)) {
                                _cleanup_free_ char *ld = xasprintf("%s/%s", sl->lroot, sl->name);
                                if (storage_rm_rf(AT_FDCWD, ld, NULL, &e) < 0)
                                        log_debug("removing staged layer: %s", e.msg);
                                err_done(&e);
                                staging_rmdir_lroot(sl->s);
                        }
                        if (storage_rm_rf(rfd, sl->name, NULL, &e) < 0)
                                log_debug("removing staged layer: %s", e.msg);
                        err_done(&e);
                        /* The lock file last, while we still hold it, so
                         * store_check never sees the dir without its lock. */
                        _cleanup_free_ char *ln = xasprintf("%s.lock", sl->name);
                        (void)unlinkat(rfd, ln, 0);
                }
        }
        closep(&sl->dirfd);
        lockfile_free(sl->lock);
        free(sl->lroot);
        free(sl->root);
        free(sl->name);
        free(sl->parent);
        strv_free(sl->inherit_dirs);
        free(sl->compressed_digest);
        free(sl->diff_digest);
        json_free(sl->uidset);
        json_free(sl->gidset);
        free(sl);
}

/* Take <root>/<name>.lock, making sure the file we locked is still the one
 * at that path (store_check may have removed a stale one meanwhile). */
static int stage_lock(const char *root, const char *name, struct lockfile **ret, struct err *e)
{
        _cleanup_free_ char *path = xasprintf("%s/%s.lock", root, name);
        for (int attempt = 0; attempt < 8; attempt++) {
                _cleanup_(lockfile_freep) struct lockfile *l = NULL;
                int r = lockfile_open(path, false, &l, e);
                if (r >= 0)
                        r = lockfile_lock(l, e);
                if (r < 0)
                        return r;
                struct stat a, b;
                if (fstat(l->fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
                    a.st_dev == b.st_dev) {
                        *ret = steal_pointer(&l);
                        return 0;
                }
        }
        return err_set(e, EAGAIN, "lock '%s': file keeps being replaced", path);
}

static bool parent_known(struct store *s, const char *parent_id, struct err *e)
{
        pthread_mutex_lock(&s->mu);
        bool ok = false;
        if (records_rlock(&s->layers, e) >= 0) {
                ok = records_find(s->layers.arr, parent_id) >= 0;
                if (!ok)
                        err_set(e, ENOENT, "parent layer '%s' not known", parent_id);
                (void)lockfile_unlock(s->layers.lock, NULL);
        }
        pthread_mutex_unlock(&s->mu);
        return ok;
}

/* A staging directory with the driver's layout over parent_id, or (pending)
 * as a base layer, tied to parent_id at commit. */
static struct staged_layer *stage_new(struct store *s, const char *parent_id, bool pending,
                                      struct err *e)
{
        if (parent_id && !pending && !parent_known(s, parent_id, e))
                return NULL;
        _cleanup_(staged_layer_freep) struct staged_layer *sl = xcalloc(1, sizeof(*sl));
        sl->s = s;
        sl->dirfd = -1;
        sl->ldirfd = -1;
        sl->parent = parent_id ? xstrdup(parent_id) : NULL;
        /* Once per handle, what killed processes left (issue 3). */
        if (!__atomic_exchange_n(&s->staging_swept, true, __ATOMIC_ACQ_REL))
                staging_sweep(s, true, NULL, NULL);
        _cleanup_free_ char *root = store_staging_root(s);
        if (fs_mkdir_p(root, 0700, e) < 0)
                return NULL;
        _cleanup_free_ char *rnd = storage_random_id();
        rnd[16] = '\0';
        if (stage_lock(root, rnd, &sl->lock, e) < 0)
                return NULL;
        _cleanup_free_ char *dir = xasprintf("%s/%s", root, rnd);
        if (mkdir(dir, 0700) < 0) {
                err_errno(e, "create staging directory '%s'", dir);
                _cleanup_free_ char *ln = xasprintf("%s.lock", dir);
                (void)unlink(ln);
                return NULL;
        }
        sl->root = steal_pointer(&root);
        sl->name = steal_pointer(&rnd);
        sl->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sl->dirfd < 0) {
                err_errno(e, "open staging directory '%s'", dir);
                return NULL;
        }
        sl->lroot = store_layer_staging_root(s);
        if (!STREQ(sl->lroot, sl->root)) {
                if (staging_mkdir(sl->lroot, sl->name, e) < 0)
                        return NULL;
                _cleanup_free_ char *ldir = xasprintf("%s/%s", sl->lroot, sl->name);
                sl->ldirfd = open(ldir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        } else {
                sl->ldirfd = fcntl(sl->dirfd, F_DUPFD_CLOEXEC, 3);
        }
        if (sl->ldirfd < 0) {
                err_errno(e, "open staging directory in '%s'", sl->lroot);
                return NULL;
        }
        sl->parent_pending = parent_id && pending;
        if (s->ops->prepare(s, pending ? NULL : parent_id, sl->ldirfd, "layer", e) < 0)
                return NULL;
        return steal_pointer(&sl);
}

struct staged_layer *staged_layer_new_empty(struct store *s, const char *parent_id, struct err *e)
{
        return stage_new(s, parent_id, false, e);
}

void staged_layer_set_relaxed(struct staged_layer *sl)
{
        sl->relaxed = true;
}

bool store_layer_stage_detached(const struct store *s)
{
        return s->ops->adopt_parent != NULL;
}

static struct json *idset_json(const uint32_t *ids, size_t n)
{
        if (n == 0)
                return NULL;
        struct json *a = json_new_array();
        for (size_t i = 0; i < n; i++)
                json_array_append(a, json_new_int(ids[i]));
        return a;
}

int store_layer_stage(struct store *s, const char *parent_id, int fd, const char *expected_diff_id,
                      struct staged_layer **ret, struct err *e)
{
        struct store_stage_opts o = {.parent_id = parent_id, .expected_diff_id = expected_diff_id};
        return store_layer_stage_with(s, fd, &o, ret, e);
}

int store_layer_stage_with(struct store *s, int fd, const struct store_stage_opts *so,
                           struct staged_layer **ret, struct err *e)
{
        const char *parent_id = so->parent_id;
        const char *expected_diff_id = so->expected_diff_id;
        bool pending = so->parent_pending && parent_id;
        if (pending && !store_layer_stage_detached(s))
                return err_set(e, EINVAL,
                               "staging layer: the %s driver cannot stage a layer before its "
                               "parent",
                               s->driver);
        if (so->expected_digest && !str_has_prefix(so->expected_digest, "sha256:"))
                return err_set(e, ENOTSUP, "staging layer: cannot verify digest '%s'",
                               so->expected_digest);
        _cleanup_(staged_layer_freep) struct staged_layer *sl = stage_new(s, parent_id, pending, e);
        if (!sl)
                return err_wrap(e, "staging layer");
        bool overlay = STREQ(s->driver, "overlay");
        _cleanup_close_ int rootfd = openat(sl->ldirfd, overlay ? "layer/diff" : "layer",
                                            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (rootfd < 0)
                return err_errno(e, "staging layer: open '%s/%s/layer'", sl->lroot, sl->name);
        _cleanup_close_ int tsfd = openat(sl->dirfd, "tar-split.gz",
                                          O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (tsfd < 0)
                return err_errno(e, "staging layer: create tar-split file");
        sl->has_tarsplit = true;

        struct apply_opts o = {
                .mode = overlay ? APPLY_OVERLAY : APPLY_VFS,
                .rootless = s->rootless,
                .aufs_whiteouts = s->mount_program != NULL,
                .expected_digest = so->expected_digest,
                .root_mode_pending = pending,
        };
        struct apply_result res = {0};
        int r = layer_apply(fd, rootfd, tsfd, &o, &res, e);
        if (r < 0) {
                apply_result_done(&res);
                return err_wrap(e, "staging layer");
        }
        if (expected_diff_id && !STREQ(expected_diff_id, res.diff_digest)) {
                r = err_set(e, EBADMSG, "staging layer: digest mismatch: expected %s, got %s",
                            expected_diff_id, res.diff_digest);
                apply_result_done(&res);
                return r;
        }
        sl->compressed_digest = steal_pointer(&res.compressed_digest);
        sl->diff_digest = steal_pointer(&res.diff_digest);
        sl->info = (struct staged_layer_info){
                .compressed_digest = sl->compressed_digest,
                .compressed_size = res.compressed_size,
                .diff_digest = sl->diff_digest,
                .diff_size = res.diff_size,
                .compression = res.compression,
        };
        sl->uidset = idset_json(res.uids, res.n_uids);
        sl->gidset = idset_json(res.gids, res.n_gids);
        sl->root_set = res.root_set;
        sl->inherit_dirs = steal_pointer(&res.inherit_dirs);
        apply_result_done(&res);

        /* Everything on disk before any record can point at it (USER-PAIN
         * 3): one syncfs for the whole tree instead of a fsync per file. */
        if (fsync(tsfd) < 0)
                return err_errno(e, "staging layer: fsync tar-split file");
        if (syncfs(sl->dirfd) < 0)
                return err_errno(e, "staging layer: syncfs '%s'", sl->root);
        *ret = steal_pointer(&sl);
        return 0;
}

static int check_layer_names(struct store *s, char *const *names, struct err *e)
{
        for (char *const *n = names; n && *n; n++)
                for (size_t i = 0; i < s->layers.arr->arr.len; i++)
                        if (record_strv_has(s->layers.arr->arr.items[i], "names", *n))
                                return err_set(e, EEXIST, "layer name '%s' is already in use", *n);
        return 0;
}

static int fsync_path(const char *path, struct err *e)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return err_errno(e, "fsync '%s'", path);
        return 0;
}

/* The driver home and the directory of its short names (overlay's l/,
 * vfs's dir/), after a layer was renamed into them. */
static int sync_install(struct store *s, struct err *e)
{
        int r = fsync_path(s->home, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *d =
                xasprintf("%s/%s", s->home, STREQ(s->driver, "overlay") ? "l" : "dir");
        return fsync_path(d, e);
}

int staged_layer_install_locked(struct store *s, struct staged_layer *sl, const char *id,
                                char *const *names, struct err *e)
{
        if (sl->committed)
                return err_set(e, EINVAL, "layer '%s' was already committed", id);
        if (records_find(s->layers.arr, id) >= 0)
                return 1;
        if (sl->parent && records_find(s->layers.arr, sl->parent) < 0)
                return err_set(e, ENOENT, "parent layer '%s' vanished", sl->parent);
        int r = check_layer_names(s, names, e);
        if (r < 0)
                return r;
        if (sl->parent_pending) {
                if ((r = s->ops->adopt_parent(s, sl->parent, sl->ldirfd, "layer", sl->root_set,
                                              sl->inherit_dirs, e)) < 0)
                        return err_wrap(e, "layer '%s'", id);
                sl->parent_pending = false;
        }

        /* Resolved now, under storage.lock, so that the rename source and
         * target are on the same mount even if podman bind-mounted (or
         * unmounted) the overlay home onto itself since we staged (T14). */
        _cleanup_free_ char *ldir = xasprintf("%s/%s", sl->lroot, sl->name);
        _cleanup_close_ int lfd = open(ldir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (lfd < 0)
                return err_errno(e, "open staging directory '%s'", ldir);
        struct err ie = {0};
        r = s->ops->install(s, id, lfd, "layer", &ie);
        if (r == -EEXIST) {
                /* A directory without a record: a crash leftover (we hold
                 * the layers lock, so nobody is creating it). Replace it. */
                log_debug("replacing orphaned layer directory of '%s'", id);
                err_done(&ie);
                r = s->ops->remove(s, id, NULL, e);
                if (r >= 0)
                        r = s->ops->install(s, id, lfd, "layer", e);
        } else if (r < 0) {
                err_move(e, &ie);
        }
        if (r < 0)
                return r;
        /* The rename must be durable before the record says the layer is
         * there; a relaxed record's save orders it (staged_layer_set_relaxed). */
        if (!sl->relaxed && (r = sync_install(s, e)) < 0)
                return r;
        if (sl->has_tarsplit) {
                _cleanup_free_ char *ts = store_tarsplit_path(s, id);
                /* Same directory as layers.json, whose atomic save fsyncs it. */
                if (renameat(sl->dirfd, "tar-split.gz", AT_FDCWD, ts) < 0)
                        return err_errno(e, "rename tar-split file to '%s'", ts);
        }
        sl->committed = true;

        struct json *rec = json_new_object();
        json_object_set_string(rec, "id", id);
        if (names && *names)
                json_object_set(rec, "names", json_new_strv(names));
        if (sl->parent)
                json_object_set_string(rec, "parent", sl->parent);
        json_object_set(rec, "created", json_new_string_take(storage_time_now()));
        if (sl->has_tarsplit) {
                json_object_set_string(rec, "compressed-diff-digest", sl->compressed_digest);
                if (sl->info.compressed_size)
                        json_object_set_int(rec, "compressed-size", sl->info.compressed_size);
                json_object_set_string(rec, "diff-digest", sl->diff_digest);
                if (sl->info.diff_size)
                        json_object_set_int(rec, "diff-size", sl->info.diff_size);
                if (sl->info.compression)
                        json_object_set_int(rec, "compression", sl->info.compression);
                if (sl->uidset)
                        json_object_set(rec, "uidset", steal_pointer(&sl->uidset));
                if (sl->gidset)
                        json_object_set(rec, "gidset", steal_pointer(&sl->gidset));
        }
        json_array_append(s->layers.arr, rec);
        s->layers.dirty = true;
        return 0;
}

int store_layer_commit(struct store *s, struct staged_layer *sl, const char *id, char *const *names,
                       char **ret_id, struct err *e)
{
        _cleanup_free_ char *lid = NULL;
        if (id)
                lid = xstrdup(id);
        else if (sl->diff_digest)
                lid = storage_layer_chain_id(sl->parent, sl->diff_digest);
        else
                return err_set(e, EINVAL, "committing layer: no ID and no diff digest");
        if (!digest_is_hex64(lid))
                return err_set(e, EINVAL, "committing layer '%s': not a 64-hex ID", lid);

        const unsigned mask = LK_STORAGE | LK_LAYERS | LK_MOUNTS;
        int r = store_lock(s, mask, e);
        if (r < 0)
                return err_wrap(e, "committing layer '%s'", lid);
        r = staged_layer_install_locked(s, sl, lid, names, e);
        int u = store_unlock(s, mask, r < 0 ? NULL : e);
        if (r >= 0 && u < 0)
                r = u;
        if (r < 0)
                return err_wrap(e, "committing layer '%s'", lid);
        if (r == 1)
                log_debug("layer '%s' already exists; dropping the staged copy", lid);
        *ret_id = steal_pointer(&lid);
        return 0;
}
