/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Named volumes around a container's run (engine.h's volume API): at start
 * mount those that need it, chown a new one (or one with :U) to the
 * container's user and copy the image's content up into an empty one; at
 * cleanup unmount them. R/volumes-mounted lists what this run mounted.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "ctr-internal.h"

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

int ctr_volumes_prepare(struct store *s, const struct ctr *c, const char *rootfs, struct err *e)
{
        const struct json *vols = json_object_get(c->berth, "named_volumes");
        if (!vols || vols->type != JSON_ARRAY || vols->arr.len == 0)
                return 0;
        _cleanup_free_ char *cfgp = ctr_gpath(c, "config.json");
        _cleanup_json_ struct json *spec = NULL;
        int r = json_parse_file(AT_FDCWD, cfgp, 64u << 20, &spec, e);
        if (r < 0)
                return r;
        uid_t uid;
        gid_t gid;
        spec_user(spec, &uid, &gid);
        _cleanup_close_ int rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return err_errno(e, "open rootfs '%s'", rootfs);
        struct sbuf mounted = {0};
        for (size_t i = 0; i < vols->arr.len; i++) {
                const struct json *nv = vols->arr.items[i];
                const char *name = json_object_get_string(nv, "name");
                const char *dst = json_object_get_string(nv, "destination");
                if (!name || !dst)
                        continue;
                _cleanup_(engine_volume_freep) struct engine_volume *v = NULL;
                if ((r = engine_volume_get_or_create(s, name, &v, e)) < 0)
                        break;
                if (v->needs_mount) {
                        if ((r = engine_volume_mount(v, e)) < 0)
                                break;
                        sbuf_printf(&mounted, "%s\n", name);
                }
                if ((v->needs_chown || json_object_get_bool(nv, "chown", false)) &&
                    (r = engine_volume_chown(v, uid, gid, e)) < 0)
                        break;
                if (v->needs_copy_up && !json_object_get_bool(nv, "nocopy", false) &&
                    (r = engine_volume_copy_up(v, rootfd, dst, e)) < 0)
                        break;
        }
        if (mounted.len) {
                _cleanup_free_ char *p = ctr_rpath(c, "volumes-mounted");
                struct err we = {0};
                if (fs_write_atomic(AT_FDCWD, p, mounted.buf, mounted.len, 0600, &we) < 0)
                        log_warn("%s", we.msg);
                err_done(&we);
        }
        sbuf_done(&mounted);
        return r < 0 ? err_wrap(e, "preparing the volumes of %s", c->name) : 0;
}

void ctr_volumes_release(struct store *s, const struct ctr *c)
{
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
