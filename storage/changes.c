/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The list of what a layer changes (`berth diff`), from the same walks that
 * make the tar of its diff (diff-walk.h), classified as containers/storage
 * 1.43 does for podman 4.3:
 *
 *   overlay: every object of the upper directory is "added" unless one of
 *   the lower layers has its path, then "changed" (a directory whose size,
 *   mode and mtime equal the lower one's is left out); a whiteout device, a
 *   ".wh." file and an opaque directory are "deleted".
 *   vfs (naive): added, changed or deleted against the parent's full tree,
 *   and a directory that holds changes is itself "changed".
 *
 * Paths in the lower layers are looked up without following any symlink,
 * so nothing outside a layer is ever looked at.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "diff-walk.h"
#include "layer-apply.h"
#include "store-private.h"

/* containers/storage's archive.ChangeType values. */
enum { CHANGE_MODIFY = 0, CHANGE_ADD = 1, CHANGE_DELETE = 2 };

/* More lower layers than overlay can stack. */
#define CHANGES_MAX_LOWERS 1024
/* Bound on the list (a layer with more entries is refused, not truncated). */
#define CHANGES_MAX (16 * 1024 * 1024)

struct change {
        char *path; /* "/etc/passwd" */
        int kind;
};

struct lister {
        struct change *v;
        size_t n, cap;
        bool naive;
        int *lowers; /* overlay: the parent layers' files, nearest first;
                        naive: the parent's full tree; -1 entries are skipped */
        size_t n_lowers, cap_lowers;
};

static void lister_done(struct lister *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->v[i].path);
        free(l->v);
        for (size_t i = 0; i < l->n_lowers; i++)
                closep(&l->lowers[i]);
        free(l->lowers);
}

static int add(struct lister *l, const char *rel, int kind, struct err *e)
{
        if (l->n >= CHANGES_MAX)
                return err_set(e, E2BIG, "more than %d changes", CHANGES_MAX);
        xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
        l->v[l->n++] = (struct change){xasprintf("/%s", rel), kind};
        return 0;
}

/* Allocates: the directory part of rel ("" at the top). */
static char *rel_dir(const char *rel)
{
        const char *slash = strrchr(rel, '/');
        return slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
}

/* lstat rel inside the tree at rootfd without following a symlink in any
 * component. 1 found, 0 not there, < 0 on other errors. */
static int stat_beneath(int rootfd, const char *rel, struct stat *ret, struct err *e)
{
        _cleanup_free_ char *dir = rel_dir(rel);
        const char *base = strrchr(rel, '/');
        base = base ? base + 1 : rel;
        _cleanup_close_ int dfd = -1;
        int at = rootfd;
        if (*dir) {
                struct open_how how = {
                        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                                   RESOLVE_NO_XDEV,
                };
                dfd = (int)syscall(SYS_openat2, rootfd, dir, &how, sizeof(how));
                if (dfd < 0) {
                        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV)
                                return 0;
                        return err_errno(e, "opening '%s' in a parent layer", dir);
                }
                at = dfd;
        }
        if (fstatat(at, base, ret, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return err_errno(e, "stat '%s' in a parent layer", rel);
        }
        return 1;
}

/* Go's sameFsTime: equal, or equal seconds where one side has no
 * nanoseconds (a filesystem or archive that kept only seconds). */
static bool same_time(const struct timespec *a, const struct timespec *b)
{
        return (a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec) ||
               (a->tv_sec == b->tv_sec && (a->tv_nsec == 0 || b->tv_nsec == 0));
}

static int on_removed(void *ud, const char *rel, const struct stat *like, struct err *e)
{
        (void)like;
        return add(ud, rel, CHANGE_DELETE, e);
}

static int on_opaque(void *ud, const char *rel, const struct stat *st, struct err *e)
{
        struct lister *l = ud;
        (void)st;
        /* containers/storage checks for a deletion first: an opaque
         * directory is listed as deleted, what it now holds as added. */
        if (l->n && STREQ(l->v[l->n - 1].path + 1, rel)) {
                l->v[l->n - 1].kind = CHANGE_DELETE;
                return 0;
        }
        return add(l, rel, CHANGE_DELETE, e);
}

static int on_object(void *ud, int dirfd, const char *name, const char *rel, const struct stat *st,
                     struct err *e)
{
        struct lister *l = ud;
        (void)dirfd;
        /* AUFS-style markers in an upper dir (fuse-overlayfs without mknod). */
        if (!l->naive && str_has_prefix(name, ".wh.")) {
                _cleanup_free_ char *dir = rel_dir(rel);
                if (STREQ(name, ".wh..wh..opq"))
                        return *dir ? on_opaque(l, dir, st, e) : 0;
                _cleanup_free_ char *gone =
                        *dir ? xasprintf("%s/%s", dir, name + 4) : xstrdup(name + 4);
                return add(l, gone, CHANGE_DELETE, e);
        }
        for (size_t i = 0; i < l->n_lowers; i++) {
                if (l->lowers[i] < 0)
                        continue;
                struct stat ps;
                int r = stat_beneath(l->lowers[i], rel, &ps, e);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                /* a whiteout in a nearer layer hides the farther ones */
                if (S_ISCHR(ps.st_mode) && ps.st_rdev == makedev(0, 0))
                        break;
                if (!l->naive && S_ISDIR(ps.st_mode) && S_ISDIR(st->st_mode) &&
                    ps.st_size == st->st_size && ps.st_mode == st->st_mode &&
                    same_time(&ps.st_mtim, &st->st_mtim))
                        return 0;
                return add(l, rel, CHANGE_MODIFY, e);
        }
        return add(l, rel, CHANGE_ADD, e);
}

static const struct diff_sink list_sink = {
        .object = on_object,
        .removed = on_removed,
        .opaque = on_opaque,
};

/* Paths compared component by component: a directory sorts right before
 * what it holds, as a depth-first walk with sorted names meets them. */
static int path_cmp(const char *a, const char *b)
{
        for (;; a++, b++) {
                unsigned x = *a == '/' ? 1 : (unsigned char)*a;
                unsigned y = *b == '/' ? 1 : (unsigned char)*b;
                if (x != y)
                        return x < y ? -1 : 1;
                if (!x)
                        return 0;
        }
}

static int change_cmp(const void *a, const void *b)
{
        const struct change *x = a, *y = b;
        int c = path_cmp(x->path, y->path);
        /* the same path twice (a marker and the object): deleted first */
        return c ? c : y->kind - x->kind;
}

/* naive: a directory holding changes is changed itself (containers/storage
 * adds it so that its metadata travels with them). */
static int add_parent_dirs(struct lister *l, struct err *e)
{
        struct strset seen = {0};
        for (size_t i = 0; i < l->n; i++)
                strset_add(&seen, l->v[i].path);
        size_t n = l->n;
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *p = xstrdup(l->v[i].path);
                for (char *slash = strrchr(p, '/'); r >= 0 && slash && slash != p;
                     slash = strrchr(p, '/')) {
                        *slash = '\0';
                        if (!strset_add(&seen, p))
                                break; /* it and its parents are listed */
                        r = add(l, p + 1, CHANGE_MODIFY, e);
                }
        }
        strset_done(&seen);
        return r;
}

static struct json *to_json(const struct lister *l)
{
        struct json *arr = json_new_array();
        for (size_t i = 0; i < l->n; i++) {
                if (i && STREQ(l->v[i].path, l->v[i - 1].path))
                        continue;
                struct json *c = json_new_object();
                json_object_set_string(c, "Path", l->v[i].path);
                json_object_set_int(c, "Kind", l->v[i].kind);
                json_array_append(arr, c);
        }
        return arr;
}

static int open_dir(const char *path, int *ret, struct err *e)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open layer directory '%s'", path);
        *ret = fd;
        return 0;
}

/* Under the layers lock: the layer's files and those of the layers it is
 * compared with. */
static int open_layers_locked(struct store *s, const char *ref, struct lister *l, int *ret_fd,
                              char **ret_id, struct err *e)
{
        ssize_t i = records_lookup(s->layers.arr, ref);
        if (i < 0)
                return err_set(e, i == -EINVAL ? EINVAL : ENOENT, "layer '%s': %s", ref,
                               i == -EINVAL ? "ambiguous ID prefix" : "layer not known");
        const struct json *rec = s->layers.arr->arr.items[i];
        const char *id = json_object_get_string(rec, "id");
        _cleanup_free_ char *dir = s->ops->files_dir(s, id);
        int r = open_dir(dir, ret_fd, e);
        if (r < 0)
                return r;
        *ret_id = xstrdup(id);
        const char *parent = json_object_get_string(rec, "parent");
        while (parent && *parent) {
                if (l->n_lowers >= CHANGES_MAX_LOWERS)
                        return err_set(e, ELOOP, "layer '%s': more than %d parent layers", id,
                                       CHANGES_MAX_LOWERS);
                ssize_t k = records_find(s->layers.arr, parent);
                if (k < 0)
                        return err_set(e, ENOENT, "layer '%s': its parent '%s' is not known", id,
                                       parent);
                _cleanup_free_ char *pdir = s->ops->files_dir(s, parent);
                int fd = -1;
                if ((r = open_dir(pdir, &fd, e)) < 0)
                        return r;
                xgrow((void **)&l->lowers, &l->cap_lowers, l->n_lowers + 1, sizeof(int));
                l->lowers[l->n_lowers++] = fd;
                /* vfs: the parent's tree already holds its own parents' */
                if (l->naive)
                        break;
                parent = json_object_get_string(s->layers.arr->arr.items[k], "parent");
        }
        return 0;
}

int store_layer_changes(struct store *s, const char *ref, struct json **ret, struct err *e)
{
        _cleanup_(lister_done) struct lister l = {.naive = !STREQ(s->driver, "overlay")};
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *id = NULL;
        pthread_mutex_lock(&s->mu);
        int r = records_rlock(&s->layers, e);
        if (r >= 0) {
                r = open_layers_locked(s, ref, &l, &fd, &id, e);
                (void)lockfile_unlock(s->layers.lock, NULL);
        }
        pthread_mutex_unlock(&s->mu);
        if (r >= 0) {
                if (l.naive)
                        r = diff_walk_naive(l.n_lowers ? l.lowers[0] : -1, fd, &list_sink, &l, e);
                else
                        r = diff_walk_overlay(fd, s->rootless, &list_sink, &l, e);
        }
        if (r >= 0 && l.naive)
                r = add_parent_dirs(&l, e);
        if (r < 0)
                return err_wrap(e, "listing the changes of layer '%s'", id ? id : ref);
        if (l.n)
                qsort(l.v, l.n, sizeof(*l.v), change_cmp);
        *ret = to_json(&l);
        return 0;
}
