/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named volumes around a container's run (engine.h's volume API): at start
 * mount those that need it, chown a new one (or one with :U) to the
 * container's user and copy the image's content up into an empty one; at
 * cleanup unmount them. R/volumes-mounted lists what this run mounted.
 * The same list in berth.json carries what other mounts need at start:
 * :U chowns a host directory, :O gets fresh upper and work directories
 * (removed at cleanup).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "ctr-internal.h"
#include "vol-internal.h"

/* The container's user as berth sees it: process.user through the spec's
 * id mappings (with none, container ids are berth's). */
static void spec_user(const struct json *spec, uid_t *ret_uid, gid_t *ret_gid)
{
        const struct json *u = json_get_path(spec, "process.user");
        int64_t uid = json_object_get_int(u, "uid", 0), gid = json_object_get_int(u, "gid", 0);
        const char *keys[2] = {"linux.uidMappings", "linux.gidMappings"};
        int64_t *ids[2] = {&uid, &gid};
        for (int k = 0; k < 2; k++) {
                const struct json *m = json_get_path(spec, keys[k]);
                for (size_t i = 0; m && m->type == JSON_ARRAY && i < m->arr.len; i++) {
                        int64_t c = json_object_get_int(m->arr.items[i], "containerID", -1);
                        int64_t h = json_object_get_int(m->arr.items[i], "hostID", -1);
                        int64_t n = json_object_get_int(m->arr.items[i], "size", 0);
                        if (c >= 0 && *ids[k] >= c && *ids[k] < c + n) {
                                *ids[k] = h + (*ids[k] - c);
                                break;
                        }
                }
        }
        *ret_uid = (uid_t)uid;
        *ret_gid = (gid_t)gid;
}

/* Whether an entry of berth.json's named_volumes needs the user's ids. */
static bool needs_ids(const struct json *nv)
{
        const char *kind = json_object_get_string(nv, "kind");
        return !kind || STREQ(kind, "bind") || json_object_get_bool(nv, "chown", false);
}

/* A named volume: mount, chown once when new, copy up, then :U. */
static int prepare_named(struct store *s, const struct json *nv, int rootfd, uid_t uid, gid_t gid,
                         struct sbuf *mounted, struct err *e)
{
        const char *name = json_object_get_string(nv, "name");
        const char *dst = json_object_get_string(nv, "destination");
        if (!name || !dst)
                return 0;
        _cleanup_(engine_volume_freep) struct engine_volume *v = NULL;
        int r = engine_volume_get_or_create(s, name, &v, e);
        if (r < 0)
                return r;
        if (v->needs_mount) {
                if ((r = engine_volume_mount(v, e)) < 0)
                        return r;
                sbuf_printf(mounted, "%s\n", name);
        }
        if (v->needs_chown && (r = engine_volume_chown(v, uid, gid, e)) < 0)
                return r;
        if (v->needs_copy_up && !json_object_get_bool(nv, "nocopy", false) &&
            (r = engine_volume_copy_up(v, rootfd, dst, e)) < 0)
                return r;
        /* :U, after the copy-up gave the volume the image's owner (podman). */
        if (json_object_get_bool(nv, "chown", false) &&
            (r = vol_chown_tree(v->data, uid, gid, e)) < 0)
                return err_wrap(e, "volume %s", name);
        return 0;
}

/* -v SRC:DST:U on a host path. */
static int prepare_bind(const struct json *nv, uid_t uid, gid_t gid, struct err *e)
{
        const char *src = json_object_get_string(nv, "source");
        if (!src)
                return 0;
        if (vol_chown_dangerous(src))
                return err_set(e, EPERM,
                               "chowning host path \"%s\" is not allowed. You can manually "
                               "`chown -R %u:%u %s`",
                               src, uid, gid, src);
        return vol_chown_tree(src, uid, gid, e);
}

/* An :O overlay: fresh upper and work directories for every run (what the
 * container wrote last time is gone, as podman's). The upper root takes
 * the lower's owner and mode, as the merged root shows it. */
static int prepare_overlay(const struct json *nv, uid_t uid, gid_t gid, struct err *e)
{
        const char *lower = json_object_get_string(nv, "lower");
        const char *upper = json_object_get_string(nv, "upper");
        const char *work = json_object_get_string(nv, "work");
        const char *dir = json_object_get_string(nv, "dir");
        if (!lower || !upper || !work)
                return 0;
        struct stat st;
        if (stat(lower, &st) < 0)
                return err_errno(e, "overlay lower directory '%s'", lower);
        if (json_object_get_bool(nv, "custom", false)) {
                /* The user's directories: never emptied, made if missing. */
                int r = fs_mkdir_p(upper, 0755, e);
                if (r == 0)
                        r = fs_mkdir_p(work, 0755, e);
                return r;
        }
        if (!dir)
                return 0;
        _cleanup_free_ char *parent = xstrdup(dir);
        char *slash = strrchr(parent, '/');
        if (!slash)
                return 0;
        *slash = '\0';
        int r = fs_mkdir_p(parent, 0700, e);
        if (r < 0)
                return r;
        _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0)
                return err_errno(e, "open '%s'", parent);
        if ((r = vol_rm_rf(pfd, slash + 1, 0, e)) < 0)
                return r;
        if (mkdirat(pfd, slash + 1, 0700) < 0)
                return err_errno(e, "mkdir '%s'", dir);
        if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0)
                return err_errno(e, "mkdir '%s/{upper,work}'", dir);
        bool chown = json_object_get_bool(nv, "chown", false);
        if (lchown(upper, chown ? uid : st.st_uid, chown ? gid : st.st_gid) < 0 ||
            chmod(upper, st.st_mode & 07777) < 0)
                return err_errno(e, "chown '%s'", upper);
        return 0;
}

int ctr_volumes_prepare(struct store *s, const struct ctr *c, const char *rootfs, struct err *e)
{
        const struct json *vols = json_object_get(c->berth, "named_volumes");
        if (!vols || vols->type != JSON_ARRAY || vols->arr.len == 0)
                return 0;
        uid_t uid = 0;
        gid_t gid = 0;
        int r = 0;
        bool ids = false;
        for (size_t i = 0; i < vols->arr.len; i++)
                ids = ids || needs_ids(vols->arr.items[i]);
        if (ids) {
                _cleanup_free_ char *cfgp = ctr_gpath(c, "config.json");
                _cleanup_json_ struct json *spec = NULL;
                if ((r = json_parse_file(AT_FDCWD, cfgp, 64u << 20, &spec, e)) < 0)
                        return r;
                spec_user(spec, &uid, &gid);
        }
        _cleanup_close_ int rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return err_errno(e, "open rootfs '%s'", rootfs);
        struct sbuf mounted = {0};
        for (size_t i = 0; r == 0 && i < vols->arr.len; i++) {
                const struct json *nv = vols->arr.items[i];
                const char *kind = json_object_get_string(nv, "kind");
                if (!kind)
                        r = prepare_named(s, nv, rootfd, uid, gid, &mounted, e);
                else if (STREQ(kind, "bind"))
                        r = prepare_bind(nv, uid, gid, e);
                else if (STREQ(kind, "overlay"))
                        r = prepare_overlay(nv, uid, gid, e);
        }
        if (mounted.len) {
                _cleanup_free_ char *p = ctr_rpath(c, "volumes-mounted");
                struct err we = {0};
                if (fs_write_atomic_volatile(AT_FDCWD, p, mounted.buf, mounted.len, 0600, &we) < 0)
                        log_warn("%s", we.msg);
                err_done(&we);
        }
        sbuf_done(&mounted);
        return r < 0 ? err_wrap(e, "preparing the volumes of %s", c->name) : 0;
}

/* Remove the upper and work directories berth made for :O overlays. */
static void release_overlays(const struct ctr *c)
{
        const struct json *vols = json_object_get(c->berth, "named_volumes");
        for (size_t i = 0; vols && vols->type == JSON_ARRAY && i < vols->arr.len; i++) {
                const struct json *nv = vols->arr.items[i];
                const char *kind = json_object_get_string(nv, "kind");
                const char *dir = json_object_get_string(nv, "dir");
                if (!kind || !STREQ(kind, "overlay") || !dir ||
                    json_object_get_bool(nv, "custom", false))
                        continue;
                struct err e = {0};
                if (vol_rm_rf(AT_FDCWD, dir, 0, &e) < 0)
                        log_warn("removing the overlay directories of %s: %s", c->name, e.msg);
                err_done(&e);
        }
}

void ctr_volumes_release(struct store *s, const struct ctr *c)
{
        release_overlays(c);
        _cleanup_free_ char *p = ctr_rpath(c, "volumes-mounted");
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, p, 1u << 20, &buf, &len, NULL) < 0)
                return;
        _cleanup_strv_ char **names = strv_split(buf, "\n");
        for (char **n = names; n && *n; n++) {
                if (!**n)
                        continue;
                _cleanup_(engine_volume_freep) struct engine_volume *v = NULL;
                struct err e = {0};
                if (engine_volume_get_or_create(s, *n, &v, &e) < 0 ||
                    engine_volume_unmount(v, &e) < 0)
                        log_warn("unmounting volume %s of %s: %s", *n, c->name, e.msg);
                err_done(&e);
        }
        (void)unlink(p);
}

void ctr_volumes_remove_anonymous(struct store *s, const struct json *berth)
{
        const struct json *vols = json_object_get(berth, "named_volumes");
        char **names = NULL;
        for (size_t i = 0; vols && vols->type == JSON_ARRAY && i < vols->arr.len; i++)
                if (json_object_get_bool(vols->arr.items[i], "anonymous", false))
                        strv_add(&names, json_object_get_string(vols->arr.items[i], "name"));
        if (!names)
                return;
        struct volume_rm_opts o = {0};
        char **removed = NULL, **more = NULL;
        struct err e = {0};
        if (engine_volumes_remove(s, names, &o, &removed, &more, &e) < 0)
                log_warn("removing anonymous volumes: %s", e.msg);
        err_done(&e);
        strv_free(removed);
        strv_free(more);
        strv_free(names);
}
