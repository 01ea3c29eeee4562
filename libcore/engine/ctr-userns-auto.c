/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --userns=auto[:size=N,uidmapping=C:H:S,gidmapping=C:H:S]: a user
 * namespace of its own for the container, from a range no other container
 * of the store uses, as podman picks it:
 *   - root takes ranges from the /etc/subuid and /etc/subgid entries of
 *     storage.conf's root-auto-userns-user ("containers" by default);
 *     rootless, the ids 1.. of its own user namespace;
 *   - the size is the image's highest uid or gid + 1 (the layers' uidset
 *     and gidset), at least auto-userns-min-size (1024) and at most
 *     auto-userns-max-size (65536), unless size= says;
 *   - the ranges every container record carries ("uidmap"/"gidmap", which
 *     podman writes too) are taken: the new container's are recorded the
 *     same way, under a berth lock held from the choice until the record
 *     has them.
 * The container's files are then shifted into the range: each entry of its
 * mounted rootfs is lchown'ed (with overlay this copies the files up into
 * the container's layer, as containers/storage's chown fallback does),
 * set-id bits and file capabilities kept.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "ctr-opts.h"
#include "storage.h"

#define AUTO_MIN_SIZE 1024
#define AUTO_MAX_SIZE 65536
#define SHIFT_MAX_DEPTH 1024

/* "C:H:S" of uidmapping=/gidmapping=. */
static int parse_mapping(const char *v, struct id_map *ret, struct err *e)
{
        unsigned long long c, h, n;
        char tail;
        /* %llu takes "-1" (as ULLONG_MAX) and saturates: each part is
         * bounded before the sums, which then cannot wrap. */
        if (strchr(v, '-') || sscanf(v, "%llu:%llu:%llu%c", &c, &h, &n, &tail) != 3 || n == 0 ||
            c > UINT32_MAX || h > UINT32_MAX || n > UINT32_MAX || c + n > UINT32_MAX ||
            h + n > UINT32_MAX)
                return err_set(e, EINVAL,
                               "invalid mapping \"%s\": expected CONTAINER_ID:HOST_ID:SIZE", v);
        *ret = (struct id_map){
                .container_id = (uint32_t)c, .host_id = (uint32_t)h, .size = (uint32_t)n};
        return 0;
}

int ctr_userns_auto_parse(const char *mode, struct ctr_userns_auto *ret, struct err *e)
{
        memset(ret, 0, sizeof(*ret));
        const char *opts = STREQ(mode, "auto") ? "" : mode + strlen("auto:");
        _cleanup_strv_ char **parts = strv_split(opts, ",");
        for (char **p = parts; p && *p; p++) {
                if (!**p)
                        continue;
                if (str_has_prefix(*p, "size=")) {
                        uint64_t n;
                        if (str_to_uint64(*p + 5, &n) < 0 || n == 0 || n > UINT32_MAX)
                                return err_set(e, EINVAL, "invalid --userns=auto size \"%s\"",
                                               *p + 5);
                        ret->size = (uint32_t)n;
                } else if (str_has_prefix(*p, "uidmapping=") || str_has_prefix(*p, "gidmapping=")) {
                        bool uid = (*p)[0] == 'u';
                        struct id_map m;
                        int r = parse_mapping(*p + strlen("uidmapping="), &m, e);
                        if (r < 0)
                                return r;
                        size_t *n = uid ? &ret->n_extra_uid : &ret->n_extra_gid;
                        struct id_map **v = uid ? &ret->extra_uid : &ret->extra_gid;
                        if (*n >= 64)
                                return err_set(e, E2BIG, "--userns=auto: too many mappings");
                        *v = xrealloc(*v, (*n + 1) * sizeof(**v));
                        (*v)[(*n)++] = m;
                } else {
                        return err_set(e, EINVAL,
                                       "invalid --userns=auto option \"%s\": use size=, "
                                       "uidmapping= or gidmapping=",
                                       *p);
                }
        }
        ret->on = true;
        return 0;
}

void ctr_userns_auto_done(struct ctr_userns_auto *a)
{
        free(a->extra_uid);
        free(a->extra_gid);
        memset(a, 0, sizeof(*a));
}

/* storage.conf's [storage.options] key, or NULL. */
static char *storage_option(const struct config *cfg, const char *key)
{
        const char *file = cfg->storage.config_file;
        _cleanup_json_ struct json *t = NULL;
        if (!file || !cfg->storage.config_exists || toml_parse_file(file, &t, NULL) < 0)
                return NULL;
        _cleanup_free_ char *path = xasprintf("storage.options.%s", key);
        const struct json *v = json_get_path(t, path);
        if (v && v->type == JSON_STRING)
                return xstrdup(v->str.s);
        if (v && v->type == JSON_INT)
                return xasprintf("%lld", (long long)v->i);
        return NULL;
}

static uint32_t storage_option_u32(const struct config *cfg, const char *key, uint32_t dflt)
{
        _cleanup_free_ char *v = storage_option(cfg, key);
        uint64_t n;
        if (!v || str_to_uint64(v, &n) < 0 || n == 0 || n > UINT32_MAX)
                return dflt;
        return (uint32_t)n;
}

/* The ids a new namespace may take: root's subordinate ranges of the auto
 * user, or (rootless) the ids 1.. of this user namespace. */
static int id_pool(const struct config *cfg, bool uid, struct id_range **ret, size_t *ret_n,
                   struct err *e)
{
        if (cfg->user.rootless) {
                _cleanup_free_ char *buf = NULL;
                size_t len;
                struct id_map *m = NULL;
                size_t n = 0;
                const char *f = uid ? "/proc/self/uid_map" : "/proc/self/gid_map";
                int r = fs_read_file(AT_FDCWD, f, 1u << 16, &buf, &len, e);
                if (r < 0 || (r = idmap_parse(buf, &m, &n, e)) < 0)
                        return r;
                uint64_t count = 0;
                for (size_t i = 0; i < n; i++)
                        if ((uint64_t)m[i].container_id + m[i].size > count)
                                count = (uint64_t)m[i].container_id + m[i].size;
                free(m);
                if (count < 2)
                        return err_set(e, ENOENT,
                                       "--userns=auto: this user namespace has no ids besides "
                                       "the user's: add subordinate ids in /etc/subuid and "
                                       "/etc/subgid");
                struct id_range *rg = xcalloc(1, sizeof(*rg));
                rg->start = 1;
                rg->count = (uint32_t)(count - 1 > UINT32_MAX ? UINT32_MAX : count - 1);
                *ret = rg;
                *ret_n = 1;
                return 0;
        }
        _cleanup_free_ char *user = storage_option(cfg, "root-auto-userns-user");
        const char *name = user && *user ? user : "containers";
        const char *file = uid ? "/etc/subuid" : "/etc/subgid";
        struct id_range *rg = NULL;
        size_t n = 0;
        int r = subid_lookup(file, name, (uid_t)-1, &rg, &n, e);
        if (r < 0)
                return r;
        if (n == 0) {
                free(rg);
                return err_set(e, ENOENT,
                               "creating container storage: could not find enough available "
                               "IDs: no %s ranges found for user \"%s\" in %s",
                               uid ? "subuid" : "subgid", name, file);
        }
        *ret = rg;
        *ret_n = n;
        return 0;
}

/* Host ranges of "uidmap"/"gidmap" in every container record. */
static void used_ranges(const struct json *records, const char *key, struct id_range **v, size_t *n)
{
        for (size_t i = 0; records && records->type == JSON_ARRAY && i < records->arr.len; i++) {
                const struct json *m = json_object_get(records->arr.items[i], key);
                for (size_t k = 0; m && m->type == JSON_ARRAY && k < m->arr.len; k++) {
                        int64_t h = json_object_get_int(m->arr.items[k], "host_id", -1);
                        int64_t sz = json_object_get_int(m->arr.items[k], "size", 0);
                        if (h < 0 || sz <= 0 || h > UINT32_MAX || sz > UINT32_MAX)
                                continue;
                        *v = xrealloc(*v, (*n + 1) * sizeof(**v));
                        (*v)[(*n)++] =
                                (struct id_range){.start = (uint32_t)h, .count = (uint32_t)sz};
                }
        }
}

/* The first block of size ids of the pool that no used range touches. */
static int pick(const struct id_range *pool, size_t np, const struct id_range *used, size_t nu,
                uint32_t size, uint32_t *ret)
{
        for (size_t i = 0; i < np; i++) {
                uint64_t cand = pool[i].start, end = (uint64_t)pool[i].start + pool[i].count;
                for (bool moved = true; moved && cand + size <= end;) {
                        moved = false;
                        for (size_t k = 0; k < nu; k++) {
                                uint64_t us = used[k].start, ue = us + used[k].count;
                                if (cand < ue && us < cand + size) {
                                        cand = ue;
                                        moved = true;
                                }
                        }
                }
                if (cand + size <= end) {
                        *ret = (uint32_t)cand;
                        return 0;
                }
        }
        return -ENOSPC;
}

/* Highest uid or gid in the image's layers (their uidset/gidset). */
static uint32_t image_max_id(struct store *s, const char *image_id)
{
        _cleanup_json_ struct json *images = NULL, *layers = NULL;
        if (!image_id || store_images(s, &images, NULL) < 0 || store_layers(s, &layers, NULL) < 0)
                return 0;
        const char *layer = NULL;
        for (size_t i = 0; i < images->arr.len; i++) {
                const char *id = json_object_get_string(images->arr.items[i], "id");
                if (id && STREQ(id, image_id))
                        layer = json_object_get_string(images->arr.items[i], "layer");
        }
        uint32_t max = 0;
        for (size_t guard = 0; layer && guard < 1024; guard++) {
                const struct json *l = NULL;
                for (size_t i = 0; !l && i < layers->arr.len; i++) {
                        const char *id = json_object_get_string(layers->arr.items[i], "id");
                        if (id && STREQ(id, layer))
                                l = layers->arr.items[i];
                }
                if (!l)
                        break;
                static const char *const keys[] = {"uidset", "gidset"};
                for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
                        const struct json *set = json_object_get(l, keys[k]);
                        for (size_t j = 0; set && set->type == JSON_ARRAY && j < set->arr.len; j++)
                                if (set->arr.items[j]->type == JSON_INT &&
                                    set->arr.items[j]->i > max &&
                                    set->arr.items[j]->i <= UINT32_MAX)
                                        max = (uint32_t)set->arr.items[j]->i;
                }
                layer = json_object_get_string(l, "parent");
        }
        return max;
}

/* The map: container ids 0..size-1 from base, with the forced mappings
 * carved out of it and added. Allocates *ret. */
static void build_map(uint32_t base, uint32_t size, const struct id_map *extra, size_t nextra,
                      struct id_map **ret, size_t *ret_n)
{
        struct id_map *m = xcalloc(1, sizeof(*m));
        size_t n = 1;
        m[0] = (struct id_map){.container_id = 0, .host_id = base, .size = size};
        for (size_t x = 0; x < nextra; x++) {
                uint64_t cs = extra[x].container_id, ce = cs + extra[x].size;
                struct id_map *out = xcalloc(2 * n + 1, sizeof(*out));
                size_t k = 0;
                for (size_t i = 0; i < n; i++) {
                        uint64_t s = m[i].container_id, e = s + m[i].size;
                        if (ce <= s || e <= cs) {
                                out[k++] = m[i];
                                continue;
                        }
                        if (s < cs)
                                out[k++] = (struct id_map){.container_id = (uint32_t)s,
                                                           .host_id = m[i].host_id,
                                                           .size = (uint32_t)(cs - s)};
                        if (ce < e)
                                out[k++] = (struct id_map){
                                        .container_id = (uint32_t)ce,
                                        .host_id = (uint32_t)(m[i].host_id + (ce - s)),
                                        .size = (uint32_t)(e - ce)};
                }
                out[k++] = extra[x];
                free(m);
                m = out;
                n = k;
        }
        *ret = m;
        *ret_n = n;
}

static struct json *maps_json(const struct id_map *m, size_t n)
{
        struct json *a = json_new_array();
        for (size_t i = 0; i < n; i++) {
                struct json *o = json_new_object();
                json_object_set_int(o, "container_id", m[i].container_id);
                json_object_set_int(o, "host_id", m[i].host_id);
                json_object_set_int(o, "size", m[i].size);
                json_array_append(a, o);
        }
        return a;
}

static int map_id(const struct id_map *m, size_t n, uint32_t id, uint32_t *ret)
{
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
                        *ret = m[i].host_id + (id - m[i].container_id);
                        return 0;
                }
        return -ERANGE;
}

/* Whether a host id is one the map gives. */
static bool in_range(const struct id_map *m, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].host_id && id - m[i].host_id < m[i].size)
                        return true;
        return false;
}

struct shift {
        const struct id_map *um, *gm;
        size_t nu, ng;
        uint32_t root_host; /* where container root lands: file capabilities' rootid */
};

/* security.capability in VFS_CAP_REVISION_3 form with the namespace's root. */
static void caps_rewrite(int dirfd, const char *name, const unsigned char *buf, ssize_t len,
                         uint32_t rootid)
{
        if (len < 20)
                return;
        unsigned char out[24];
        memcpy(out, buf, 20);
        uint32_t magic;
        memcpy(&magic, out, 4);
        magic = (magic & 0x00ffffffu) | 0x03000000u; /* revision 3, flags kept */
        memcpy(out, &magic, 4);
        memcpy(out + 20, &rootid, 4);
        _cleanup_free_ char *p = xasprintf("/proc/self/fd/%d/%s", dirfd, name);
        if (lsetxattr(p, "security.capability", out, sizeof(out), 0) < 0)
                log_debug("--userns=auto: keeping the capabilities of '%s': %s", name,
                          strerror(errno));
}

static int shift_entry(const struct shift *sh, int dirfd, const char *name, const struct stat *st,
                       struct err *e)
{
        uint32_t uid = 0, gid = 0;
        bool mu = map_id(sh->um, sh->nu, st->st_uid, &uid) == 0;
        bool mg = map_id(sh->gm, sh->ng, st->st_gid, &gid) == 0;
        /* Another name of a hard-linked file shifted it already. */
        if (st->st_nlink > 1 && !S_ISDIR(st->st_mode) && in_range(sh->um, sh->nu, st->st_uid) &&
            in_range(sh->gm, sh->ng, st->st_gid))
                return 0;
        if (!mu || !mg)
                return err_set(e, ERANGE,
                               "'%s' belongs to %u:%u, outside the user namespace: give "
                               "--userns=auto:size= a larger size",
                               name, (unsigned)st->st_uid, (unsigned)st->st_gid);
        unsigned char caps[64];
        ssize_t clen = -1;
        if (S_ISREG(st->st_mode)) {
                _cleanup_free_ char *p = xasprintf("/proc/self/fd/%d/%s", dirfd, name);
                clen = lgetxattr(p, "security.capability", caps, sizeof(caps));
        }
        if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return err_errno(e, "chown '%s' to %u:%u", name, uid, gid);
        /* chown drops set-id bits and file capabilities: put them back. */
        if (S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
            fchmodat(dirfd, name, st->st_mode & 07777, 0) < 0)
                return err_errno(e, "chmod '%s'", name);
        if (clen > 0)
                caps_rewrite(dirfd, name, caps, clen, sh->root_host);
        return 0;
}

static int shift_dir(const struct shift *sh, int fd, dev_t dev, int depth, struct err *e)
{
        if (depth > SHIFT_MAX_DEPTH)
                return err_set(e, ELOOP, "tree deeper than %d levels", SHIFT_MAX_DEPTH);
        int dfd = dup(fd);
        DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
        if (!d) {
                if (dfd >= 0)
                        close(dfd);
                return err_errno(e, "opendir");
        }
        int r = 0;
        struct dirent *de;
        while (r == 0 && (de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        int sub = openat(fd, de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0) {
                                r = err_errno(e, "open '%s'", de->d_name);
                                break;
                        }
                        r = shift_dir(sh, sub, dev, depth + 1, e);
                        close(sub);
                        if (r < 0) {
                                r = err_wrap(e, "%s", de->d_name);
                                break;
                        }
                }
                /* Directories after their content: their own modes stay. */
                r = shift_entry(sh, fd, de->d_name, &st, e);
        }
        closedir(d);
        return r;
}

static int shift_rootfs(const struct shift *sh, const char *rootfs, struct err *e)
{
        _cleanup_close_ int fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return err_errno(e, "open rootfs '%s'", rootfs);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_errno(e, "stat rootfs '%s'", rootfs);
        int r = shift_dir(sh, fd, st.st_dev, 0, e);
        if (r == 0) {
                uint32_t uid, gid;
                if (map_id(sh->um, sh->nu, st.st_uid, &uid) == 0 &&
                    map_id(sh->gm, sh->ng, st.st_gid, &gid) == 0 && fchown(fd, uid, gid) < 0)
                        r = err_errno(e, "chown rootfs '%s'", rootfs);
        }
        return r < 0 ? err_wrap(e, "--userns=auto: shifting the container's files") : 0;
}

/* Let the container's root (not the host's) reach path: every directory
 * from top down to path's parent gets o+x, as containers/storage opens its
 * store for a container with mappings (0711). */
static int open_way(const char *top, const char *path, struct err *e)
{
        size_t tl = strlen(top);
        if (strncmp(path, top, tl) != 0 || (path[tl] && path[tl] != '/'))
                return 0;
        _cleanup_free_ char *p = xstrdup(path);
        for (char *slash = strrchr(p, '/'); slash && (size_t)(slash - p) >= tl;
             slash = strrchr(p, '/')) {
                *slash = '\0';
                struct stat st;
                if (lstat(p, &st) < 0)
                        return err_errno(e, "stat '%s'", p);
                if (!S_ISDIR(st.st_mode))
                        return err_set(e, ENOTDIR, "'%s' is not a directory", p);
                if ((st.st_mode & 0011) != 0011 && chmod(p, (st.st_mode & 07777) | 0011) < 0)
                        return err_errno(e, "chmod '%s'", p);
        }
        return 0;
}

/* The store's directories the container's root needs: the path down to
 * its rootfs and its userdata (owned by that root, as containers/storage
 * makes them). */
/* Whether gid is berth's group or one of its supplementary groups. */
static bool in_my_groups(gid_t gid)
{
        if (gid == getegid())
                return true;
        gid_t groups[256];
        int n = getgroups(ARRAY_SIZE(groups), groups);
        for (int i = 0; i < n; i++)
                if (groups[i] == gid)
                        return true;
        return false;
}

/* The directories above a store are not berth's to open up: say which
 * one keeps the container's root out, rather than the runtime's EACCES. */
static int check_above(const char *top, struct err *e)
{
        _cleanup_free_ char *p = xstrdup(top);
        for (char *slash = strrchr(p, '/'); slash && slash != p; slash = strrchr(p, '/')) {
                *slash = '\0';
                struct stat st;
                /* The runtime keeps berth's groups until the container's
                 * user is set: a directory of one of them is searched with
                 * its group bits. */
                if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                mode_t need = in_my_groups(st.st_gid) ? S_IXGRP : S_IXOTH;
                if (!(st.st_mode & need))
                        return err_set(e, EACCES,
                                       "--userns=auto: the container's root cannot reach the "
                                       "store '%s': '%s' is not searchable by it (mode %04o)",
                                       top, p, (unsigned)(st.st_mode & 07777));
        }
        return 0;
}

static int open_store(struct store *s, const struct ctr *c, const char *rootfs, uint32_t root_uid,
                      uint32_t root_gid, struct err *e)
{
        const char *g = store_graphroot(s), *rr = store_runroot(s);
        int r = check_above(g, e);
        if (r == 0)
                r = check_above(rr, e);
        if (r < 0)
                return r;
        r = open_way(g, rootfs, e);
        if (r == 0)
                r = open_way(g, c->gdir, e);
        if (r == 0)
                r = open_way(rr, c->rdir, e);
        if (r == 0 && (chown(c->gdir, root_uid, root_gid) < 0 || chmod(c->gdir, 0700) < 0))
                r = err_errno(e, "chown '%s'", c->gdir);
        if (r == 0 && (chown(c->rdir, root_uid, root_gid) < 0 || chmod(c->rdir, 0711) < 0))
                r = err_errno(e, "chown '%s'", c->rdir);
        return r < 0 ? err_wrap(e, "--userns=auto") : 0;
}

int ctr_userns_auto_apply(struct store *s, const struct config *cfg, struct ctr_opts *co,
                          const struct ctr *c, const char *rootfs, struct err *e)
{
        const char *id = c->id;
        const char *image_id = json_object_get_string(c->rec, "image");
        const struct ctr_userns_auto *a = &co->userns_auto;
        uint32_t size = a->size;
        if (!size) {
                uint32_t min = storage_option_u32(cfg, "auto-userns-min-size", AUTO_MIN_SIZE);
                uint32_t max = storage_option_u32(cfg, "auto-userns-max-size", AUTO_MAX_SIZE);
                uint64_t want = (uint64_t)image_max_id(s, image_id) + 1;
                size = (uint32_t)(want < min ? min : want > max ? max : want);
        }
        struct id_range *upool = NULL, *gpool = NULL;
        size_t nup = 0, ngp = 0;
        int r = id_pool(cfg, true, &upool, &nup, e);
        if (r == 0)
                r = id_pool(cfg, false, &gpool, &ngp, e);
        /* One chooser at a time: the choice is recorded before the lock goes. */
        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
        _cleanup_free_ char *lpath = xasprintf("%s/berth/userns.lock", store_graphroot(s));
        _cleanup_free_ char *ldir = xasprintf("%s/berth", store_graphroot(s));
        if (r == 0)
                r = fs_mkdir_p(ldir, 0700, e);
        if (r == 0 && (r = lockfile_open(lpath, false, &l, e)) == 0)
                r = lockfile_lock(l, e);
        _cleanup_json_ struct json *records = NULL;
        if (r == 0)
                r = store_containers(s, &records, e);
        struct id_range *uused = NULL, *gused = NULL;
        size_t nuu = 0, ngu = 0;
        uint32_t ubase = 0, gbase = 0;
        if (r == 0) {
                used_ranges(records, "uidmap", &uused, &nuu);
                used_ranges(records, "gidmap", &gused, &ngu);
                if (pick(upool, nup, uused, nuu, size, &ubase) < 0 ||
                    pick(gpool, ngp, gused, ngu, size, &gbase) < 0)
                        r = err_set(e, ENOSPC,
                                    "creating container storage: could not find enough "
                                    "available IDs (%u needed)",
                                    size);
        }
        free(upool);
        free(gpool);
        free(uused);
        free(gused);
        if (r < 0)
                return r;
        build_map(ubase, size, a->extra_uid, a->n_extra_uid, &co->uid_map, &co->spec.n_uid_map);
        build_map(gbase, size, a->extra_gid, a->n_extra_gid, &co->gid_map, &co->spec.n_gid_map);
        co->spec.uid_map = co->uid_map;
        co->spec.gid_map = co->gid_map;
        _cleanup_json_ struct json *uj = maps_json(co->uid_map, co->spec.n_uid_map);
        _cleanup_json_ struct json *gj = maps_json(co->gid_map, co->spec.n_gid_map);
        if ((r = store_container_set_idmaps(s, id, uj, gj, e)) < 0)
                return r;
        lockfile_free(steal_pointer(&l));
        struct shift sh = {.um = co->uid_map,
                           .gm = co->gid_map,
                           .nu = co->spec.n_uid_map,
                           .ng = co->spec.n_gid_map};
        if (map_id(sh.um, sh.nu, 0, &sh.root_host) < 0)
                sh.root_host = ubase;
        uint32_t root_gid = gbase;
        (void)map_id(sh.gm, sh.ng, 0, &root_gid);
        if ((r = open_store(s, c, rootfs, sh.root_host, root_gid, e)) < 0)
                return r;
        return shift_rootfs(&sh, rootfs, e);
}
