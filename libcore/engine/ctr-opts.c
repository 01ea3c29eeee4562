/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `run`/`create` options: every value is checked here, with podman's
 * error texts where podman has one, before anything is created. A flag
 * berth cannot honour yet is an error that says so, never ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "ctr-internal.h"
#include "ctr-opts.h"
#include "runtime.h"
#include "storage.h"
#include "vol-internal.h"

extern char **environ;

void ctr_opts_done(struct ctr_opts *co)
{
        strv_free(co->env);
        strv_free(co->env_file);
        strv_free(co->labels);
        for (size_t i = 0; i < co->spec.n_mounts; i++) {
                free((char *)co->mounts[i].destination);
                free((char *)co->mounts[i].source);
                free((char *)co->mounts[i].type);
                strv_free(co->mounts[i].options);
        }
        free(co->mounts);
        json_free(co->mounts_json);
        json_free(co->volumes_json);
        free(co->uid_map);
        free(co->gid_map);
        free(co->user);
        free(co->init_path);
        free(co->seccomp_cache_dir);
        free(co->network);
        free(co->network_ns_path);
        free(co->pid);
        free(co->pid_ns_path);
        free(co->ipc);
        free(co->ipc_ns_path);
        free(co->uts);
        free(co->uts_ns_path);
        free(co->uts_hostname);
        free(co->restart);
        free(co->log_path);
        lockfile_free(co->vol_lock);
        ctr_userns_auto_done(&co->userns_auto);
        memset(co, 0, sizeof(*co));
}

/* --env-file, --label-file: KEY=VALUE or KEY lines; blank lines and #
 * comments skipped. */
int ctr_read_kv_file(const char *path, bool labels, char ***v, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = fs_read_file(AT_FDCWD, path, 16u << 20, &buf, &len, e);
        if (r < 0)
                return err_wrap(e, "reading %s", labels ? "--label-file" : "--env-file");
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; l && *l; l++) {
                char *p = *l;
                size_t n = strlen(p);
                if (n && p[n - 1] == '\r')
                        p[--n] = 0;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p || *p == '#')
                        continue;
                if (*p == '=')
                        return err_set(e, EINVAL, "invalid %s \"%s\" in %s",
                                       labels ? "label" : "environment variable", p, path);
                strv_add(v, p);
        }
        return 0;
}

static void add_mount(struct ctr_opts *co, const char *type, const char *src, const char *dst,
                      char **options)
{
        size_t n = co->spec.n_mounts;
        co->mounts = xrealloc(co->mounts, (n + 1) * sizeof(*co->mounts));
        co->mounts[n] = (struct ctr_mount){.type = xstrdup(type),
                                           .source = xstrdup(src),
                                           .destination = xstrdup(dst),
                                           .options = options};
        co->spec.n_mounts = n + 1;
        /* podman's inspect Mounts entry */
        struct json *m = json_new_object();
        json_object_set_string(m, "Type", type);
        json_object_set_string(m, "Source", STREQ(type, "tmpfs") ? "tmpfs" : src);
        json_object_set_string(m, "Destination", dst);
        json_object_set_string(m, "Driver", "");
        json_object_set_string(m, "Mode", "");
        bool ro = false;
        const char *prop = "rprivate";
        struct json *opts = json_new_array();
        for (char **o = options; o && *o; o++) {
                if (STREQ(*o, "ro"))
                        ro = true;
                else if (STREQ(*o, "rw"))
                        continue;
                else if (strstr(*o, "private") || strstr(*o, "shared") || strstr(*o, "slave"))
                        prop = *o;
                else
                        json_array_append(opts, json_new_string(*o));
        }
        if (STREQ(type, "bind"))
                json_array_append(opts, json_new_string("rbind"));
        json_object_set(m, "Options", opts);
        json_object_set_bool(m, "RW", !ro);
        json_object_set_string(m, "Propagation", prop);
        if (!co->mounts_json)
                co->mounts_json = json_new_array();
        json_array_append(co->mounts_json, m);
}

static int check_dest(const char *flag, const char *spec, const char *dst, struct err *e)
{
        if (!dst || dst[0] != '/')
                return err_set(e, EINVAL, "invalid %s \"%s\": the container path must be absolute",
                               flag, spec);
        return 0;
}

/* A bind source: absolute, or relative to the working directory; it must exist. */
static int bind_source(const char *src, char **ret, struct err *e)
{
        char buf[PATH_MAX];
        if (!realpath(src, buf))
                return err_errno(e, "statfs %s", src);
        *ret = xstrdup(buf);
        return 0;
}

/* -v NAME:/dst, -v /dst (anonymous), --mount type=volume: the volume's
 * content is bound; start mounts, chowns and copies up (ctr-volumes.c). */
/* The named volume (NULL: a new anonymous one), made if missing, with the
 * volume lock held until ctr_opts_done, after config.json names the volume:
 * `volume rm` then sees this container or runs before it. */
static int named_volume_held(struct store *s, struct ctr_opts *co, const char *name,
                             struct engine_volume **ret, struct err *e)
{
        int r = co->vol_lock ? 0 : vol_set_lock(s, &co->vol_lock, e);
        return r < 0 ? r : vol_get_or_create_held(s, name, co->vol_lock, ret, e);
}

/* The berth.json entry of a named volume: start mounts it (a volume with
 * -o), chowns it when new, copies the image's content up unless nocopy. */
static void named_volume_entry(struct ctr_opts *co, const struct engine_volume *v, bool anonymous,
                               const char *dst, bool nocopy, bool chown)
{
        struct json *nv = json_new_object();
        json_object_set_string(nv, "name", v->name);
        json_object_set_string(nv, "destination", dst);
        json_object_set_bool(nv, "anonymous", anonymous);
        json_object_set_bool(nv, "nocopy", nocopy);
        json_object_set_bool(nv, "chown", chown);
        if (!co->volumes_json)
                co->volumes_json = json_new_array();
        json_array_append(co->volumes_json, nv);
}

/* podman's inspect shows a named volume's mount as the volume. */
static void mount_json_is_volume(struct ctr_opts *co, const struct engine_volume *v)
{
        struct json *m = co->mounts_json->arr.items[co->mounts_json->arr.len - 1];
        json_object_set_string(m, "Type", "volume");
        json_object_set_string(m, "Name", v->name);
        json_object_set_string(m, "Source", v->data);
        json_object_set_string(m, "Driver", "local");
}

static int add_named_volume(struct store *s, struct ctr_opts *co, const char *name, const char *dst,
                            char **opts, struct err *e)
{
        _cleanup_(engine_volume_freep) struct engine_volume *v = NULL;
        int r = named_volume_held(s, co, name, &v, e);
        if (r < 0) {
                strv_free(opts);
                return r;
        }
        bool nocopy = strv_contains(opts, "nocopy"), chown = strv_contains(opts, "U");
        add_mount(co, "bind", v->data, dst, opts);
        mount_json_is_volume(co, v);
        named_volume_entry(co, v, name == NULL, dst, nocopy, chown);
        return 0;
}

/* Something start must do for a mount besides the runtime's mount: a
 * berth.json "named_volumes" entry with a "kind" (named volumes have none). */
static struct json *prep_entry(struct ctr_opts *co, const char *kind, const char *dst)
{
        struct json *nv = json_new_object();
        json_object_set_string(nv, "kind", kind);
        json_object_set_string(nv, "destination", dst);
        if (!co->volumes_json)
                co->volumes_json = json_new_array();
        json_array_append(co->volumes_json, nv);
        return nv;
}

/* -v SRC:DST:O[,upperdir=U,workdir=W][,U]: an overlay whose lower layer is
 * the host directory; by default its upper and work directories live in
 * the container's userdata (ctr_opts_set_container), emptied at every start
 * and removed at cleanup, so writes never reach SRC. */
static int add_overlay(struct ctr_opts *co, const char *spec, const char *src, const char *dst,
                       char **opts, struct err *e)
{
        const char *upper = NULL, *work = NULL;
        bool chown = false;
        for (char **p = opts; p && *p; p++) {
                if (STREQ(*p, "O"))
                        continue;
                if (STREQ(*p, "U"))
                        chown = true;
                else if (str_has_prefix(*p, "upperdir="))
                        upper = *p + strlen("upperdir=");
                else if (str_has_prefix(*p, "workdir="))
                        work = *p + strlen("workdir=");
                else if (STREQ(*p, "z") || STREQ(*p, "Z"))
                        return err_set(e, EINVAL,
                                       "invalid options \"O, %s\", can only specify 1 'z', 'Z', "
                                       "or 'O' option",
                                       *p);
                else
                        return err_set(e, EINVAL, "can't use 'O' with other options");
        }
        if (!upper != !work || (upper && (!*upper || !*work)))
                return err_set(e, EINVAL, "must set both `upperdir` and `workdir`");
        if (upper && (upper[0] != '/' || work[0] != '/'))
                return err_set(e, EINVAL, "\"%s\": upperdir and workdir must be absolute paths",
                               spec);
        struct stat st;
        if (stat(src, &st) < 0)
                return err_errno(e, "statfs %s", src);
        if (!S_ISDIR(st.st_mode))
                return err_set(e, ENOTDIR, "\"%s\": an overlay needs a directory as source", spec);
        /* mount(2) data separates options with ',' and lower layers with ':'. */
        if (strpbrk(src, ",:") || (upper && (strpbrk(upper, ",:") || strpbrk(work, ",:"))))
                return err_set(e, EINVAL, "\"%s\": overlay directories must not contain ',' or ':'",
                               spec);
        char **mo = NULL;
        strv_push(&mo, xasprintf("lowerdir=%s", src));
        if (upper) {
                strv_push(&mo, xasprintf("upperdir=%s", upper));
                strv_push(&mo, xasprintf("workdir=%s", work));
        }
        size_t index = co->spec.n_mounts;
        add_mount(co, "overlay", "overlay", dst, mo);
        /* podman's inspect shows the overlay as a bind of its merged tree */
        struct json *m = co->mounts_json->arr.items[co->mounts_json->arr.len - 1];
        json_object_set_string(m, "Type", "bind");
        json_object_set_string(m, "Source", src);
        json_object_set_string(m, "Propagation", "private");
        struct json *nv = prep_entry(co, "overlay", dst);
        json_object_set_string(nv, "lower", src);
        json_object_set_int(nv, "mount", (int64_t)index);
        json_object_set_bool(nv, "custom", upper != NULL);
        json_object_set_bool(nv, "chown", chown);
        if (upper) {
                json_object_set_string(nv, "upper", upper);
                json_object_set_string(nv, "work", work);
        }
        return 0;
}

/* -v NAME:DST:O: an overlay whose lower layer is the named volume's data
 * (the volume made if missing, as podman does), so the container's writes
 * never reach the volume. The volume is the container's as with a plain
 * -v NAME:DST: start mounts and chowns it, `volume rm` refuses it while the
 * container exists; nothing is copied up into it. */
static int add_named_overlay(struct store *s, struct ctr_opts *co, const char *spec,
                             const char *name, const char *dst, char **opts, struct err *e)
{
        _cleanup_(engine_volume_freep) struct engine_volume *v = NULL;
        int r = named_volume_held(s, co, name, &v, e);
        if (r < 0)
                return r;
        /* First, so that start has mounted the volume before the overlay's
         * directories are made over it. */
        named_volume_entry(co, v, false, dst, true, false);
        if ((r = add_overlay(co, spec, v->data, dst, opts, e)) < 0)
                return r;
        mount_json_is_volume(co, v);
        return 0;
}

int ctr_opts_set_container(struct store *s, const struct config *cfg, struct ctr_opts *co,
                           const struct ctr *c, const char *rootfs, struct err *e)
{
        const char *gdir = c->gdir;
        size_t k = 0;
        for (size_t i = 0; co->volumes_json && i < co->volumes_json->arr.len; i++) {
                struct json *nv = co->volumes_json->arr.items[i];
                const char *kind = json_object_get_string(nv, "kind");
                if (!kind || !STREQ(kind, "overlay") || json_object_get_bool(nv, "custom", false))
                        continue;
                size_t idx = (size_t)json_object_get_int(nv, "mount", -1);
                if (idx >= co->spec.n_mounts)
                        continue;
                _cleanup_free_ char *dir = xasprintf("%s/overlay/%zu", gdir, k++);
                _cleanup_free_ char *upper = xasprintf("%s/upper", dir);
                _cleanup_free_ char *work = xasprintf("%s/work", dir);
                json_object_set_string(nv, "dir", dir);
                json_object_set_string(nv, "upper", upper);
                json_object_set_string(nv, "work", work);
                strv_push(&co->mounts[idx].options, xasprintf("upperdir=%s", upper));
                strv_push(&co->mounts[idx].options, xasprintf("workdir=%s", work));
                /* The inspect entry with the same index among user mounts. */
                struct json *m = co->mounts_json && idx < co->mounts_json->arr.len
                                         ? co->mounts_json->arr.items[idx]
                                         : NULL;
                struct json *mopts = m ? json_object_get(m, "Options") : NULL;
                if (mopts && mopts->type == JSON_ARRAY) {
                        json_array_append(mopts,
                                          json_new_string_take(xasprintf("upperdir=%s", upper)));
                        json_array_append(mopts,
                                          json_new_string_take(xasprintf("workdir=%s", work)));
                }
        }
        if (!co->userns_auto.on)
                return 0;
        return ctr_userns_auto_apply(s, cfg, co, c, rootfs, e);
}

/* The -v options podman accepts (containers/common ValidateVolumeOpts). */
static bool volume_option_known(const char *o)
{
        static const char *const known[] = {
                "rw",     "ro",         "z",           "Z",        "U",      "O",       "copy",
                "nocopy", "exec",       "noexec",      "dev",      "nodev",  "suid",    "nosuid",
                "bind",   "rbind",      "private",     "rprivate", "shared", "rshared", "slave",
                "rslave", "unbindable", "runbindable", "idmap",    NULL,
        };
        if (str_has_prefix(o, "upperdir=") || str_has_prefix(o, "workdir=") ||
            str_has_prefix(o, "idmap="))
                return true;
        for (const char *const *k = known; *k; k++)
                if (STREQ(o, *k))
                        return true;
        return false;
}

static int parse_volume(struct store *s, struct ctr_opts *co, const char *v, struct err *e)
{
        _cleanup_strv_ char **parts = strv_split(v, ":");
        size_t n = strv_length(parts);
        if (n == 0 || n > 3 || !*parts[0])
                return err_set(e, EINVAL, "invalid volume specification \"%s\"", v);
        if (n == 1) {
                int r = check_dest("volume", v, parts[0], e);
                return r < 0 ? r : add_named_volume(s, co, NULL, parts[0], NULL, e);
        }
        const char *src = parts[0], *dst = parts[1];
        int r = check_dest("volume", v, dst, e);
        if (r < 0)
                return r;
        char **opts = NULL;
        if (n == 3) {
                _cleanup_strv_ char **o = strv_split(parts[2], ",");
                for (char **p = o; p && *p; p++) {
                        if (!**p)
                                continue;
                        if (!volume_option_known(*p)) {
                                strv_free(opts);
                                return err_set(e, EINVAL, "invalid option type \"%s\"", *p);
                        }
                        strv_add(&opts, *p);
                }
        }
        bool named = src[0] != '/' && src[0] != '.';
        if (strv_contains(opts, "O")) {
                r = named ? add_named_overlay(s, co, v, src, dst, opts, e) : 0;
                _cleanup_free_ char *real = NULL;
                if (!named && (r = bind_source(src, &real, e)) == 0)
                        r = add_overlay(co, v, real, dst, opts, e);
                strv_free(opts);
                return r;
        }
        if (named)
                return add_named_volume(s, co, src, dst, opts, e);
        _cleanup_free_ char *real = NULL;
        if ((r = bind_source(src, &real, e)) < 0) {
                strv_free(opts);
                return r;
        }
        bool chown = strv_contains(opts, "U");
        add_mount(co, "bind", real, dst, opts);
        /* :U: start chowns the source to the container's user, as podman. */
        if (chown)
                json_object_set_string(prep_entry(co, "bind", dst), "source", real);
        return 0;
}

static int parse_mount(struct store *s, struct ctr_opts *co, const char *v, struct err *e)
{
        _cleanup_strv_ char **kv = strv_split(v, ",");
        const char *type = NULL, *src = NULL, *dst = NULL;
        char **opts = NULL;
        int r = 0;
        for (char **p = kv; p && *p; p++) {
                char *eq = strchr(*p, '=');
                const char *val = eq ? eq + 1 : NULL;
                _cleanup_free_ char *k = eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
                if (STREQ(k, "type"))
                        type = val;
                else if (STREQ(k, "source") || STREQ(k, "src"))
                        src = val;
                else if (STREQ(k, "target") || STREQ(k, "destination") || STREQ(k, "dst"))
                        dst = val;
                else if (STREQ(k, "ro") || STREQ(k, "readonly")) {
                        bool b = true;
                        if (val && str_to_bool(val, &b) < 0) {
                                r = err_set(e, EINVAL, "invalid --mount \"%s\": bad %s", v, k);
                                goto fail;
                        }
                        strv_add(&opts, b ? "ro" : "rw");
                } else if (STREQ(k, "bind-propagation") && val) {
                        strv_add(&opts, val);
                } else if (STREQ(k, "tmpfs-size") && val) {
                        strv_push(&opts, xasprintf("size=%s", val));
                } else if (STREQ(k, "tmpfs-mode") && val) {
                        strv_push(&opts, xasprintf("mode=%s", val));
                } else if (STREQ(k, "nocopy") || STREQ(k, "volume-nocopy")) {
                        strv_add(&opts, "nocopy");
                } else if (STREQ(k, "U") || STREQ(k, "chown")) {
                        strv_add(&opts, "U");
                } else if (STREQ(k, "relabel") || STREQ(k, "z") || STREQ(k, "Z") ||
                           STREQ(k, "bind-nonrecursive")) {
                        if (STREQ(k, "bind-nonrecursive"))
                                strv_add(&opts, "bind");
                } else {
                        r = err_set(e, EINVAL, "invalid --mount \"%s\": unknown option \"%s\"", v,
                                    k);
                        goto fail;
                }
        }
        if (!type) {
                r = err_set(e, EINVAL, "invalid --mount \"%s\": type= is required", v);
                goto fail;
        }
        if ((r = check_dest("--mount", v, dst, e)) < 0)
                goto fail;
        if (STREQ(type, "bind")) {
                if (!src) {
                        r = err_set(e, EINVAL, "invalid --mount \"%s\": source= is required", v);
                        goto fail;
                }
                _cleanup_free_ char *real = NULL;
                if ((r = bind_source(src, &real, e)) < 0)
                        goto fail;
                add_mount(co, "bind", real, dst, opts);
                return 0;
        }
        if (STREQ(type, "tmpfs")) {
                add_mount(co, "tmpfs", "tmpfs", dst, opts);
                return 0;
        }
        if (STREQ(type, "volume"))
                return add_named_volume(s, co, src, dst, opts, e);
        r = err_set(e, EINVAL, "invalid --mount \"%s\": unknown type \"%s\"", v, type);
fail:
        strv_free(opts);
        return r;
}

static int parse_tmpfs(struct ctr_opts *co, const char *v, struct err *e)
{
        const char *colon = strchr(v, ':');
        _cleanup_free_ char *dst = colon ? xstrndup(v, (size_t)(colon - v)) : xstrdup(v);
        int r = check_dest("--tmpfs", v, dst, e);
        if (r < 0)
                return r;
        char **opts = colon ? strv_split(colon + 1, ",") : NULL;
        add_mount(co, "tmpfs", "tmpfs", dst, opts);
        return 0;
}

/* The size of the id space of this (rootless) user namespace. */
static uint32_t ns_id_count(const char *file)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        struct id_map *m = NULL;
        size_t n = 0;
        uint64_t total = 0;
        if (fs_read_file(AT_FDCWD, file, 1u << 16, &buf, &len, NULL) < 0 ||
            idmap_parse(buf, &m, &n, NULL) < 0)
                return 0;
        for (size_t i = 0; i < n; i++)
                if ((uint64_t)m[i].container_id + m[i].size > total)
                        total = (uint64_t)m[i].container_id + m[i].size;
        free(m);
        return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

/* keep-id: the caller's id maps to itself in the container; 0.. to the
 * namespace's 1.. as podman maps it. */
static int keep_id_map(uint32_t id, uint32_t count, struct id_map **ret, size_t *ret_n,
                       struct err *e)
{
        if (count <= id || count < 2)
                return err_set(e, EINVAL,
                               "--userns=keep-id: id %u is outside this user namespace (%u ids): "
                               "add subordinate ids in /etc/subuid and /etc/subgid",
                               id, count);
        struct id_map *m = xcalloc(3, sizeof(*m));
        size_t n = 0;
        if (id > 0)
                m[n++] = (struct id_map){.container_id = 0, .host_id = 1, .size = id};
        m[n++] = (struct id_map){.container_id = id, .host_id = 0, .size = 1};
        if (count > id + 1)
                m[n++] = (struct id_map){
                        .container_id = id + 1, .host_id = id + 1, .size = count - id - 1};
        *ret = m;
        *ret_n = n;
        return 0;
}

static int parse_userns(const struct config *cfg, const struct container_create_opts *o,
                        struct ctr_opts *co, struct err *e)
{
        const char *u = o->userns;
        co->spec.userns = CTR_USERNS_HOST;
        if (!u || !*u || STREQ(u, "host"))
                return 0;
        if (STREQ(u, "keep-id")) {
                if (!cfg->user.rootless)
                        return err_set(e, EINVAL, "keep-id is only supported in rootless mode");
                uint32_t uid = (uint32_t)cfg->user.uid, gid = (uint32_t)cfg->user.gid;
                int r = keep_id_map(uid, ns_id_count("/proc/self/uid_map"), &co->uid_map,
                                    &co->spec.n_uid_map, e);
                if (r < 0 || (r = keep_id_map(gid, ns_id_count("/proc/self/gid_map"), &co->gid_map,
                                              &co->spec.n_gid_map, e)) < 0)
                        return r;
                co->spec.uid_map = co->uid_map;
                co->spec.gid_map = co->gid_map;
                co->spec.userns = CTR_USERNS_PRIVATE;
                co->spec.keep_id = true;
                if (!o->user || !*o->user) {
                        co->user = xasprintf("%u:%u", uid, gid);
                        co->spec.user = co->user;
                }
                return 0;
        }
        if (STREQ(u, "auto") || str_has_prefix(u, "auto:")) {
                /* The range is chosen once the container exists
                 * (ctr_opts_set_container): the image sets its size. */
                int r = ctr_userns_auto_parse(u, &co->userns_auto, e);
                if (r < 0)
                        return r;
                co->spec.userns = CTR_USERNS_PRIVATE;
                return 0;
        }
        return err_set(e, EINVAL, "invalid --userns \"%s\": use host, keep-id or auto", u);
}

static int parse_restart(const struct container_create_opts *o, struct ctr_opts *co, struct err *e)
{
        const char *r = o->restart && *o->restart ? o->restart : "no";
        bool ok = STREQ(r, "no") || STREQ(r, "always") || STREQ(r, "unless-stopped") ||
                  STREQ(r, "on-failure");
        if (!ok && str_has_prefix(r, "on-failure:")) {
                int64_t n;
                ok = str_to_int64(r + strlen("on-failure:"), &n) == 0 && n >= 0;
        }
        if (!ok)
                return err_set(e, EINVAL,
                               "invalid restart policy \"%s\": use no, on-failure[:N], always or "
                               "unless-stopped",
                               r);
        if (o->remove && !STREQ(r, "no"))
                return err_set(e, EINVAL, "the --rm option conflicts with --restart");
        co->restart = xstrdup(r);
        return 0;
}

static int parse_log(const struct config *cfg, const struct container_create_opts *o,
                     struct ctr_opts *co, struct err *e)
{
        const char *d = o->log_driver && *o->log_driver ? o->log_driver
                        : cfg->log_driver               ? cfg->log_driver
                                                        : "k8s-file";
        static const char *const known[] = {"k8s-file", "json-file", "journald", "none"};
        co->log_driver = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
                if (STREQ(d, known[i]))
                        co->log_driver = known[i];
        if (!co->log_driver)
                return err_set(e, EINVAL,
                               "invalid log driver \"%s\": use k8s-file, json-file, journald or "
                               "none",
                               d);
        co->log_max_size = co->log_max_file = -1;
        for (char **p = o->log_opts; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                if (!eq)
                        return err_set(e, EINVAL, "invalid --log-opt \"%s\": expected KEY=VALUE",
                                       *p);
                const char *v = eq + 1;
                if (str_has_prefix(*p, "max-size=")) {
                        if (ctr_size_parse(v, &co->log_max_size) < 0)
                                return err_set(e, EINVAL, "invalid --log-opt \"%s\"", *p);
                } else if (str_has_prefix(*p, "max-file=")) {
                        if (str_to_int64(v, &co->log_max_file) < 0 || co->log_max_file < 1)
                                return err_set(e, EINVAL, "invalid --log-opt \"%s\"", *p);
                } else if (str_has_prefix(*p, "path=")) {
                        if (v[0] != '/')
                                return err_set(e, EINVAL,
                                               "invalid --log-opt \"%s\": the path must be "
                                               "absolute",
                                               *p);
                        free(co->log_path);
                        co->log_path = xstrdup(v);
                } else if (str_has_prefix(*p, "tag=")) {
                        continue;
                } else {
                        return err_set(e, EINVAL, "invalid --log-opt \"%s\": unknown option", *p);
                }
        }
        return 0;
}

static char *find_init(const struct config *cfg, const char *given)
{
        if (given && *given)
                return xstrdup(given);
        const char *c = config_get_string(cfg, "containers.init_path");
        if (c && fs_exists(c))
                return xstrdup(c);
        static const char *const cands[] = {"/usr/libexec/podman/catatonit", "/usr/bin/catatonit",
                                            "/usr/libexec/catatonit/catatonit"};
        for (size_t i = 0; i < ARRAY_SIZE(cands); i++)
                if (fs_exists(cands[i]))
                        return xstrdup(cands[i]);
        return host_find_program("catatonit");
}

int ctr_opts_parse(struct store *s, const struct config *cfg, const struct container_create_opts *o,
                   struct ctr_opts *co, struct err *e)
{
        memset(co, 0, sizeof(*co));
        struct ctr_spec_opts *sp = &co->spec;
        int r;
        sp->rootfs_fd = -1;
        sp->rootless = cfg->user.rootless;
        if (s) {
                co->seccomp_cache_dir = xasprintf("%s/berth/seccomp", store_runroot(s));
                sp->seccomp_cache_dir = co->seccomp_cache_dir;
        }
        if (host_cgroup_mode("/sys/fs/cgroup", &sp->cgroup_mode, NULL) < 0)
                sp->cgroup_mode = CGROUP_UNIFIED;
        if (o->env_host)
                for (char **p = environ; p && *p; p++)
                        strv_add(&co->env, *p);
        for (char **p = o->env; p && *p; p++)
                strv_add(&co->env, *p);
        sp->env = co->env;
        for (char **p = o->env_file; p && *p; p++)
                if ((r = ctr_read_kv_file(*p, false, &co->env_file, e)) < 0)
                        return r;
        sp->env_file = co->env_file;
        sp->entrypoint = o->entrypoint;
        sp->cmd = o->cmd;
        sp->workdir = o->workdir;
        sp->user = o->user;
        sp->hostname = o->hostname;
        sp->tty = o->tty;
        sp->remove = o->remove;
        sp->read_only = o->read_only;
        if (o->read_only_tmpfs) {
                bool b;
                if (str_to_bool(o->read_only_tmpfs, &b) < 0)
                        return err_set(e, EINVAL, "invalid --read-only-tmpfs \"%s\"",
                                       o->read_only_tmpfs);
                sp->no_read_only_tmpfs = !b;
        }
        if (o->init) {
                co->init_path = find_init(cfg, o->init_path);
                if (!co->init_path || !fs_exists(co->init_path))
                        return err_set(e, ENOENT,
                                       "--init: catatonit not found (install the catatonit "
                                       "package or give --init-path)");
                sp->init_path = co->init_path;
        }
        sp->cap_add = o->cap_add;
        sp->cap_drop = o->cap_drop;
        sp->privileged = o->privileged;
        sp->security_opt = o->security_opt;
        sp->ulimits = o->ulimits;
        if ((r = ctr_opts_resources(o, sp, e)) < 0)
                return r;
        sp->devices = o->devices;
        sp->annotations = o->annotations;
        sp->group_add = o->group_add;
        /* --label-file's, then --label over them (the last of a key wins). */
        for (char **p = o->label_files; p && *p; p++)
                if ((r = ctr_read_kv_file(*p, true, &co->labels, e)) < 0)
                        return r;
        for (char **l = o->labels; l && *l; l++)
                strv_add(&co->labels, *l);
        for (char **l = co->labels; l && *l; l++)
                if (**l == '=')
                        return err_set(e, EINVAL, "invalid label \"%s\"", *l);
        if (o->stop_signal) {
                if ((r = rt_signal_from_string(o->stop_signal, &co->stop_signal, e)) < 0)
                        return err_wrap(e, "--stop-signal");
        }
        sp->stop_signal = co->stop_signal;
        co->stop_signal = co->stop_signal ? co->stop_signal : 15;
        for (char **p = o->volumes; p && *p; p++)
                if ((r = parse_volume(s, co, *p, e)) < 0)
                        return r;
        for (char **p = o->mounts; p && *p; p++)
                if ((r = parse_mount(s, co, *p, e)) < 0)
                        return r;
        for (char **p = o->tmpfs; p && *p; p++)
                if ((r = parse_tmpfs(co, *p, e)) < 0)
                        return r;
        sp->mounts = co->mounts;
        if ((r = parse_userns(cfg, o, co, e)) < 0 || (r = ctr_opts_network(s, o, co, e)) < 0 ||
            (r = ctr_opts_namespaces(s, o, co, e)) < 0 || (r = parse_restart(o, co, e)) < 0 ||
            (r = parse_log(cfg, o, co, e)) < 0)
                return r;
        if (o->no_hosts && o->add_hosts && o->add_hosts[0])
                return err_set(e, EINVAL, "--no-hosts and --add-host cannot be set together");
        for (char **h = o->add_hosts; h && *h; h++)
                if ((r = ctr_add_host_check(*h, e)) < 0)
                        return r;
        for (char **k = o->sysctls; k && *k; k++)
                if ((r = ctr_sysctl_check(*k, co->network, e)) < 0)
                        return r;
        sp->sysctls = o->sysctls;
        /* podman: 1 to 4 octal digits. */
        const char *um = o->umask ? o->umask : config_get_string(cfg, "containers.umask");
        if (um) {
                size_t n = strlen(um);
                if (n < 1 || n > 4 || strspn(um, "01234567") != n)
                        return err_set(e, EINVAL, "invalid umask string %s", um);
                sp->umask = (unsigned)strtoul(um, NULL, 8);
                sp->umask_set = true;
        }
        if (o->detach_keys && *o->detach_keys) {
                unsigned char k[64];
                size_t n;
                if ((r = ctr_detach_keys_parse(o->detach_keys, k, &n, e)) < 0)
                        return r;
        }
        sp->cgroup_parent = o->cgroup_parent;
        sp->cgroups = o->cgroups;
        if (o->cgroups && !STREQ(o->cgroups, "enabled") && !STREQ(o->cgroups, "disabled"))
                return err_set(e, EINVAL, "invalid --cgroups \"%s\": use enabled or disabled",
                               o->cgroups);
        return 0;
}
