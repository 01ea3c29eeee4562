/* SPDX-License-Identifier: Apache-2.0 */
/* Applying a layer: one tar entry made under the root (file, directory,
 * link, device, fifo) with its owner, mode, xattrs and times. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "apply-internal.h"

int apply_map_id(const struct id_map *m, size_t n, int64_t id, uint32_t *ret)
{
        if (id < 0 || id > UINT32_MAX)
                return -EINVAL;
        if (n == 0) {
                *ret = (uint32_t)id;
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                if ((uint64_t)id >= m[i].container_id &&
                    (uint64_t)id - m[i].container_id < m[i].size) {
                        *ret = m[i].host_id + (uint32_t)((uint64_t)id - m[i].container_id);
                        return 0;
                }
        return -EINVAL;
}

/* The entry's atime and mtime for utimensat. */
void apply_entry_times(struct applier *ap, const struct entry_ctx *c, struct timespec ts[2])
{
        const struct archive_dl *A = ap->A;
        /* podman sets atime to the epoch when the tar has none. */
        bool atime = A->archive_entry_atime_is_set(c->ent);
        ts[0] = (struct timespec){
                .tv_sec = atime ? A->archive_entry_atime(c->ent) : 0,
                .tv_nsec = atime ? A->archive_entry_atime_nsec(c->ent) : 0,
        };
        ts[1] = (struct timespec){
                .tv_sec = A->archive_entry_mtime(c->ent),
                .tv_nsec = A->archive_entry_mtime_nsec(c->ent),
        };
}

static int set_metadata(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        const struct archive_dl *A = ap->A;
        const char *name = c->t->name;
        struct stat st;

        if (fstatat(c->pfd, c->base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "tar entry '%s': stat", name);
        bool is_link = S_ISLNK(st.st_mode);

        /* chown first: it clears setuid bits and file capabilities. */
        int r = c->fd >= 0 ? fchown(c->fd, c->uid, c->gid)
                           : fchownat(c->pfd, c->base, c->uid, c->gid, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                return err_errno(e, "tar entry '%s': chown to %u:%u%s", name, c->uid, c->gid,
                                 ap->o->rootless ? " (are enough uids/gids mapped in the user "
                                                   "namespace? see /etc/subuid, /etc/subgid)"
                                                 : "");
        mode_t perm = A->archive_entry_perm(c->ent) & 07777;
        if (!is_link) {
                r = c->fd >= 0 ? fchmod(c->fd, perm) : fchmodat(c->pfd, c->base, perm, 0);
                if (r < 0)
                        return err_errno(e, "tar entry '%s': chmod %04o", name, perm);
        }

        const char *xname;
        const void *xval;
        size_t xlen;
        A->archive_entry_xattr_reset(c->ent);
        while (A->archive_entry_xattr_next(c->ent, &xname, &xval, &xlen) == ARCHIVE_OK) {
                r = apply_xattr_set(c->pfd, c->base, c->fd, xname, xval, xlen);
                /* As containers/storage: filesystems without xattrs, and
                 * privileged names in a user namespace, are skipped. */
                if (r == -ENOTSUP || (r == -EPERM && ap->o->rootless)) {
                        log_debug("tar entry '%s': xattr '%s' not set: %s", name, xname,
                                  strerror(-r));
                        continue;
                }
                if (r < 0)
                        return err_errnum(e, r, "tar entry '%s': setting xattr '%s'", name, xname);
        }

        struct timespec ts[2];
        apply_entry_times(ap, c, ts);
        if (S_ISDIR(st.st_mode)) {
                /* later entries inside would change it: set at the end */
                xgrow((void **)&ap->dirs, &ap->cap_dirs, ap->n_dirs + 1, sizeof(*ap->dirs));
                ap->dirs[ap->n_dirs].path = xstrdup(c->rel);
                memcpy(ap->dirs[ap->n_dirs].ts, ts, sizeof(ts));
                ap->n_dirs++;
                return 0;
        }
        r = c->fd >= 0 ? futimens(c->fd, ts) : utimensat(c->pfd, c->base, ts, AT_SYMLINK_NOFOLLOW);
        if (r < 0)
                return err_errno(e, "tar entry '%s': setting times", name);
        return 0;
}

static int write_data(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        const struct archive_dl *A = ap->A;
        int64_t end = 0;
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = A->archive_read_data_block(c->tar, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN) {
                        _cleanup_free_ char *what = xasprintf("tar entry '%s'", c->t->name);
                        return apply_archive_fail(ap, c->tar, what, e);
                }
                /* Sparse data comes as blocks at offsets; holes stay holes. */
                r = fs_pwrite_all(c->fd, buf, len, off);
                if (r < 0)
                        return err_errnum(e, r, "tar entry '%s': writing", c->t->name);
                if (off + (int64_t)len > end)
                        end = off + (int64_t)len;
        }
        int64_t size = A->archive_entry_size(c->ent);
        if (end < size && ftruncate(c->fd, size) < 0)
                return err_errno(e, "tar entry '%s': extending to %lld bytes", c->t->name,
                                 (long long)size);
        return 0;
}

static int make_hardlink(struct applier *ap, struct entry_ctx *c, struct err *e)
{
        const char *name = c->t->name;
        _cleanup_free_ char *clean = go_path_clean(c->t->linkname);
        if (STREQ(clean, "..") || str_has_prefix(clean, "../"))
                return err_set(e, EINVAL,
                               "tar entry '%s': hard link target '%s' is outside "
                               "the layer",
                               name, c->t->linkname);
        const char *rel = clean[0] == '/' ? clean + 1 : clean;
        if (!*rel || STREQ(rel, "."))
                return err_set(e, EINVAL, "tar entry '%s': invalid hard link target '%s'", name,
                               c->t->linkname);
        _cleanup_free_ char *dir = apply_path_dir(rel);
        _cleanup_close_ int tfd = fs_open_in_root(ap->rootfd, dir, O_PATH | O_DIRECTORY, 0, NULL);
        if (tfd < 0)
                return err_errnum(e, tfd, "tar entry '%s': hard link target '%s'", name,
                                  c->t->linkname);
        if (linkat(tfd, apply_path_base(rel), c->pfd, c->base, 0) < 0)
                return err_errno(e, "tar entry '%s': hard link to '%s'", name, c->t->linkname);
        return 0;
}

static int create_object(struct applier *ap, struct entry_ctx *c, bool *skipped, struct err *e)
{
        const struct archive_dl *A = ap->A;
        const char *name = c->t->name;
        char type = c->t->type;
        struct stat st;

        *skipped = false;
        if (fstatat(c->pfd, c->base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                /* A directory over a directory keeps it (and its contents);
                 * anything else replaces what is there. */
                if (S_ISDIR(st.st_mode) && type == '5')
                        return 0;
                if (STREQ(c->rel, "."))
                        return err_set(e, EINVAL, "tar entry '%s': the root must be a directory",
                                       name);
                int r = apply_rm_rf_at(c->pfd, c->base, 0);
                if (r < 0)
                        return err_errnum(e, r, "tar entry '%s': removing the existing '%s'", name,
                                          c->rel);
        } else if (errno != ENOENT) {
                return err_errno(e, "tar entry '%s': stat", name);
        }

        dev_t dev = makedev(A->archive_entry_rdevmajor(c->ent), A->archive_entry_rdevminor(c->ent));
        int r = 0;
        switch (type) {
        case '0':
        case '7':
        case 'S':
                c->fd = openat(c->pfd, c->base,
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (c->fd < 0)
                        return err_errno(e, "tar entry '%s': creating", name);
                return write_data(ap, c, e);
        case '5':
                r = mkdirat(c->pfd, c->base, 0700);
                break;
        case '2':
                r = symlinkat(c->t->linkname, c->pfd, c->base);
                break;
        case '1':
                return make_hardlink(ap, c, e);
        case '3':
        case '4':
                /* A user namespace cannot make devices, except whiteouts. */
                if (ap->o->rootless && !(type == '3' && dev == makedev(0, 0))) {
                        log_debug("tar entry '%s': device skipped (rootless)", name);
                        *skipped = true;
                        return 0;
                }
                r = mknodat(c->pfd, c->base, (type == '3' ? S_IFCHR : S_IFBLK) | 0600, dev);
                break;
        case '6':
                r = mknodat(c->pfd, c->base, S_IFIFO | 0600, 0);
                break;
        }
        if (r < 0)
                return err_errno(e, "tar entry '%s': creating", name);
        return 0;
}

int apply_extract_entry(struct applier *ap, struct archive *tar, struct archive_entry *ent,
                        const struct ts_entry *t, struct err *e)
{
        const struct archive_dl *A = ap->A;
        const char *name = t->name;

        if (!strchr("0123456S7", t->type) || !t->type)
                return err_set(e, EINVAL, "tar entry '%s': unsupported entry type '%c'", name,
                               t->type);
        bool la_sparse = A->archive_entry_sparse_count(ent) > 0;
        bool regular = t->type == '0' || t->type == '7' || t->type == 'S';
        if ((la_sparse && !t->sparse) ||
            (regular && !t->sparse && A->archive_entry_size(ent) != t->size))
                return err_set(e, EBADMSG,
                               "tar entry '%s': the archive can be read in more than one way "
                               "(size or sparse map disagree between tar readers)",
                               name);

        _cleanup_free_ char *clean = go_path_clean(name);
        if (STREQ(clean, "..") || str_has_prefix(clean, "../"))
                return err_set(e, EINVAL, "tar entry '%s': path is outside the layer", name);
        const char *rel = clean[0] == '/' ? clean + 1 : clean;
        if (!*rel)
                rel = ".";
        const char *base = apply_path_base(rel);

        /* A mount-program store keeps every .wh. name as a plain entry. */
        bool literal = ap->o->mode == APPLY_OVERLAY && ap->o->aufs_whiteouts;
        bool opaque = !literal && STREQ(base, ".wh..wh..opq");
        if (!literal && apply_aufs_meta(rel) && !opaque) {
                log_debug("tar entry '%s': AUFS metadata skipped", name);
                return 0;
        }

        struct entry_ctx c = {.tar = tar, .ent = ent, .t = t, .rel = rel, .base = base, .fd = -1};
        if (apply_map_id(ap->o->uidmap, ap->o->n_uidmap, A->archive_entry_uid(ent), &c.uid) < 0 ||
            apply_map_id(ap->o->gidmap, ap->o->n_gidmap, A->archive_entry_gid(ent), &c.gid) < 0)
                return err_set(e, EINVAL, "tar entry '%s': owner %lld:%lld is not mapped", name,
                               (long long)A->archive_entry_uid(ent),
                               (long long)A->archive_entry_gid(ent));

        bool whiteout = !literal && !opaque && str_has_prefix(base, ".wh.");
        if (!whiteout && !opaque) {
                /* Names the tar-split check lets through but that land on
                 * the same path ("/a" and "a"): only directories merge. */
                bool dir = t->type == '5';
                if (strset_contains(&ap->unpacked, rel) &&
                    !(dir && strset_contains(&ap->dirs_seen, rel)))
                        return err_set(e, EINVAL, "duplicate entry '%s' in the tar (not supported)",
                                       name);
        }

        int r = 0;
        _cleanup_close_ int pfd = -1;
        if (STREQ(rel, ".")) {
                pfd = openat(ap->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (pfd < 0)
                        return err_errno(e, "opening the layer root");
        } else {
                pfd = apply_open_parent(ap, rel, name, e);
                if (pfd < 0)
                        return pfd;
        }
        c.pfd = pfd;
        if (opaque)
                return apply_opaque(ap, &c, e);
        if (whiteout)
                return apply_whiteout(ap, &c, e);

        bool skipped;
        r = create_object(ap, &c, &skipped, e);
        if (r >= 0 && !skipped)
                r = set_metadata(ap, &c, e);
        if (c.fd >= 0)
                close(c.fd);
        if (r < 0)
                return r;
        strset_add(&ap->unpacked, rel);
        if (t->type == '5')
                strset_add(&ap->dirs_seen, rel);
        if (STREQ(rel, "."))
                ap->root_set = true;
        return 0;
}
