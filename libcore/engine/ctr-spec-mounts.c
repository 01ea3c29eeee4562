/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec.mounts for a container: podman 4.3's default set (/proc, /dev,
 * /sys, /dev/pts, /dev/mqueue, /dev/shm, /sys/fs/cgroup, the files berth
 * made: /etc/hosts, /etc/hostname, /etc/resolv.conf, /run/.containerenv),
 * the --read-only tmpfs mounts, --init's binary, and the user's mounts with
 * podman's default options added.
 *
 * Deliberate difference: podman's order of the middle entries comes from a
 * Go map and changes from run to run; berth sorts every mount by the depth
 * of its destination (a stable sort, as podman sorts user mounts), so a
 * parent is always mounted before what lies below it and the document is
 * reproducible.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctr-spec.h"

struct mnt {
        char *dest, *type, *source;
        char **options;
        bool user;
};

struct mnt_list {
        struct mnt *v;
        size_t n, cap;
};

static void mnt_list_done(struct mnt_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].dest);
                free(l->v[i].type);
                free(l->v[i].source);
                strv_free(l->v[i].options);
        }
        free(l->v);
}

/* Add a mount; opts is a space-separated option list. */
static void add(struct mnt_list *l, const char *dest, const char *type, const char *source,
                const char *opts)
{
        xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
        _cleanup_strv_ char **o = strv_split(opts, " ");
        char **clean = NULL;
        for (char **p = o; p && *p; p++)
                if (**p)
                        strv_add(&clean, *p);
        l->v[l->n++] = (struct mnt){.dest = xstrdup(dest),
                                    .type = xstrdup(type),
                                    .source = xstrdup(source),
                                    .options = clean ? clean : strv_copy(NULL)};
}

static size_t depth(const char *path)
{
        size_t d = 0;
        for (const char *p = path; *p; p++)
                if (*p == '/' && p[1] && p[1] != '/')
                        d++;
        return d;
}

/* Allocates: an absolute destination without ".", ".." or repeated slashes,
 * the way filepath.Clean leaves it; NULL for a relative path. */
static char *clean_dest(const char *d)
{
        if (!d || d[0] != '/')
                return NULL;
        _cleanup_strv_ char **parts = strv_split(d, "/");
        char **out = NULL;
        for (char **p = parts; p && *p; p++) {
                if (!**p || STREQ(*p, "."))
                        continue;
                if (STREQ(*p, "..")) {
                        size_t n = strv_length(out);
                        if (n) {
                                free(out[n - 1]);
                                out[n - 1] = NULL;
                        }
                        continue;
                }
                strv_add(&out, *p);
        }
        _cleanup_free_ char *j = out ? strv_join(out, "/") : xstrdup("");
        strv_free(out);
        return xasprintf("/%s", j);
}

static bool has_opt(char *const *o, const char *a)
{
        return strv_contains(o, a);
}

static bool is_propagation(const char *o)
{
        static const char *const p[] = {"private", "rprivate", "shared",     "rshared",
                                        "slave",   "rslave",   "unbindable", "runbindable"};
        for (size_t i = 0; i < ARRAY_SIZE(p); i++)
                if (STREQ(o, p[i]))
                        return true;
        return false;
}

/* Allocates: a user mount's options as podman's ProcessOptions leaves them:
 * the user's options first, then rw, the propagation and, for binds,
 * rbind; tmpfs gets nosuid, nodev and tmpcopyup. Options berth itself acts
 * on before the runtime runs (relabel z/Z, chown U, overlay O, nocopy) are
 * not runtime options and are left out. */
static int user_options(const struct ctr_mount *m, const char *where, char ***ret, struct err *e)
{
        char **o = NULL;
        bool rw = false, ro = false, prop = false, bind = false, copyup = true;
        bool suid = false, dev = false;
        for (char *const *p = m->options; p && *p; p++) {
                const char *x = *p;
                if (STREQ(x, "z") || STREQ(x, "Z") || STREQ(x, "U") || STREQ(x, "O") ||
                    STREQ(x, "nocopy") || STREQ(x, "copy"))
                        continue;
                if (STREQ(x, "notmpcopyup")) {
                        copyup = false;
                        continue;
                }
                if (STREQ(x, "tmpcopyup"))
                        continue; /* added below, once */
                if (STREQ(x, "ro") || STREQ(x, "rw")) {
                        if (ro || rw) {
                                strv_free(o);
                                return err_set(e, EINVAL,
                                               "%s: only one of 'rw' and 'ro' can be used", where);
                        }
                        ro = STREQ(x, "ro");
                        rw = !ro;
                } else if (is_propagation(x)) {
                        if (prop) {
                                strv_free(o);
                                return err_set(e, EINVAL, "%s: more than one propagation option",
                                               where);
                        }
                        prop = true;
                } else if (STREQ(x, "bind") || STREQ(x, "rbind")) {
                        if (bind)
                                continue;
                        bind = true;
                } else if (STREQ(x, "suid") || STREQ(x, "nosuid")) {
                        suid = true;
                } else if (STREQ(x, "dev") || STREQ(x, "nodev")) {
                        dev = true;
                }
                if (!has_opt(o, x))
                        strv_add(&o, x);
        }
        if (!ro && !rw)
                strv_add(&o, "rw");
        if (!prop)
                strv_add(&o, "rprivate");
        if (STREQ(m->type, "bind")) {
                if (!bind)
                        strv_add(&o, "rbind");
        } else if (STREQ(m->type, "tmpfs")) {
                if (!suid)
                        strv_add(&o, "nosuid");
                if (!dev)
                        strv_add(&o, "nodev");
                if (copyup)
                        strv_add(&o, "tmpcopyup");
        }
        *ret = o;
        return 0;
}

static char *size_opt(int64_t bytes)
{
        if (bytes % 1024 == 0)
                return xasprintf("size=%lldk", (long long)(bytes / 1024));
        return xasprintf("size=%lld", (long long)bytes);
}

/* Is gid 5 (tty, devpts' gid= option) mapped in the container's user namespace? */
static bool gid5_mapped(const struct ctr_spec_opts *o)
{
        if (o->userns != CTR_USERNS_PRIVATE)
                return true;
        for (size_t i = 0; i < o->n_gid_map; i++)
                if (o->gid_map[i].container_id <= 5 &&
                    5 - o->gid_map[i].container_id < o->gid_map[i].size)
                        return true;
        return false;
}

static void add_defaults(const struct ctr_spec_opts *o, bool netns_host, struct mnt_list *l)
{
        bool userns = o->rootless || o->userns == CTR_USERNS_PRIVATE;
        /* sysfs cannot be mounted in a user namespace that does not own the
         * network namespace: podman binds the host's /sys instead. */
        bool sys_bind = userns && netns_host;
        add(l, "/proc", "proc", "proc", "nosuid noexec nodev");
        add(l, "/dev", "tmpfs", "tmpfs", "nosuid noexec strictatime mode=755 size=65536k");
        if (sys_bind)
                add(l, "/sys", "bind", "/sys",
                    o->privileged ? "rprivate nosuid noexec nodev rw rbind"
                                  : "rprivate nosuid noexec nodev ro rbind");
        else if (o->privileged)
                add(l, "/sys", "sysfs", "sysfs", "rprivate nosuid noexec nodev rw");
        else
                add(l, "/sys", "sysfs", "sysfs", "nosuid noexec nodev ro");
        if (gid5_mapped(o))
                add(l, "/dev/pts", "devpts", "devpts",
                    "nosuid noexec newinstance ptmxmode=0666 mode=0620 gid=5");
        else
                add(l, "/dev/pts", "devpts", "devpts",
                    "rprivate nosuid noexec newinstance ptmxmode=0666 mode=0620");
        bool ipc_host = o->ipc && STREQ(o->ipc, "host");
        /* A user namespace cannot mount the host IPC namespace's mqueue:
         * the host's is bound, if it has one. */
        if (!(ipc_host && userns))
                add(l, "/dev/mqueue", "mqueue", "mqueue", "nosuid noexec nodev");
        else if (fs_exists("/dev/mqueue"))
                add(l, "/dev/mqueue", "bind", "/dev/mqueue", "bind rprivate nosuid noexec nodev");
        if (o->ipc && STREQ(o->ipc, "none")) {
                /* podman: --ipc none has no /dev/shm. */
        } else if (o->shm_path || ipc_host) {
                /* --ipc host: the host's, as podman binds it. */
                add(l, "/dev/shm", "bind", ipc_host ? "/dev/shm" : o->shm_path,
                    "bind rprivate nosuid noexec nodev");
        } else {
                /* No shm tmpfs from the caller: the runtime mounts one of
                 * --shm-size (podman mounts it itself and binds it). */
                _cleanup_free_ char *sz = size_opt(o->shm_size > 0 ? o->shm_size : 64 << 20);
                _cleanup_free_ char *opts =
                        xasprintf("rprivate nosuid noexec nodev mode=1777 %s", sz);
                add(l, "/dev/shm", "tmpfs", "shm", opts);
        }
        /* With --read-only podman makes the files it writes read-only too. */
        const char *fopts = o->read_only ? "bind rprivate ro nosuid noexec nodev" : "bind rprivate";
        if (o->hosts_path)
                add(l, "/etc/hosts", "bind", o->hosts_path, fopts);
        if (o->hostname_path)
                add(l, "/etc/hostname", "bind", o->hostname_path, fopts);
        /* podman 4.3 gives a container of --network none no resolv.conf. */
        if (o->resolv_conf_path && !(o->network && STREQ(o->network, "none")))
                add(l, "/etc/resolv.conf", "bind", o->resolv_conf_path, fopts);
        if (o->containerenv_path)
                add(l, "/run/.containerenv", "bind", o->containerenv_path, "bind rprivate");
        if (!sys_bind)
                add(l, "/sys/fs/cgroup", "cgroup", "cgroup",
                    o->privileged ? "rprivate nosuid noexec nodev relatime rw"
                                  : "rprivate nosuid noexec nodev relatime ro");
}

/* Append the user's mounts, replacing a --read-only tmpfs of the same place. */
static int user_mounts(const struct ctr_spec_opts *o, struct mnt_list *l, struct err *e)
{
        size_t first_user = l->n;
        for (size_t i = 0; i < o->n_mounts; i++) {
                const struct ctr_mount *m = &o->mounts[i];
                _cleanup_free_ char *where =
                        xasprintf("mount '%s'", m->destination ? m->destination : "");
                _cleanup_free_ char *dest = clean_dest(m->destination);
                if (!dest)
                        return err_set(e, EINVAL,
                                       "%s: invalid container path, must be an absolute path",
                                       where);
                if (!m->type || !*m->type)
                        return err_set(e, EINVAL, "%s: no mount type", where);
                if (!m->source || !*m->source)
                        return err_set(e, EINVAL, "%s: no source", where);
                for (size_t k = first_user; k < l->n; k++)
                        if (STREQ(l->v[k].dest, dest))
                                return err_set(e, EINVAL, "%s: duplicate mount destination", where);
                char **opts = NULL;
                if (user_options(m, where, &opts, e) < 0)
                        return -EINVAL;
                /* The user's mount wins over a --read-only tmpfs there. */
                for (size_t k = 0; k < first_user; k++)
                        if (STREQ(l->v[k].dest, dest)) {
                                free(l->v[k].dest);
                                l->v[k].dest = xstrdup("");
                        }
                xgrow((void **)&l->v, &l->cap, l->n + 1, sizeof(*l->v));
                l->v[l->n++] = (struct mnt){.dest = steal_pointer(&dest),
                                            .type = xstrdup(m->type),
                                            .source = xstrdup(m->source),
                                            .options = opts ? opts : strv_copy(NULL),
                                            .user = true};
        }
        /* Drop the replaced entries. */
        size_t w = 0;
        for (size_t k = 0; k < l->n; k++) {
                if (!*l->v[k].dest) {
                        free(l->v[k].dest);
                        free(l->v[k].type);
                        free(l->v[k].source);
                        strv_free(l->v[k].options);
                        continue;
                }
                l->v[w++] = l->v[k];
        }
        l->n = w;
        return 0;
}

static struct json *mnt_json(const struct mnt *m)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "destination", m->dest);
        json_object_set_string(j, "type", m->type);
        json_object_set_string(j, "source", m->source);
        json_object_set(j, "options", json_new_strv(m->options));
        return j;
}

static bool dest_taken(const struct mnt_list *users, const char *dest)
{
        for (size_t i = 0; i < users->n; i++)
                if (STREQ(users->v[i].dest, dest))
                        return true;
        return false;
}

int ctr_spec_mounts(const struct ctr_spec_opts *o, struct json *spec, bool netns_host,
                    struct err *e)
{
        struct mnt_list users = {0}, all = {0}, dflt = {0};
        int r = 0;
        if (o->read_only && !o->no_read_only_tmpfs) {
                static const char *const ro_tmpfs[] = {"/tmp", "/run", "/var/tmp"};
                for (size_t i = 0; i < ARRAY_SIZE(ro_tmpfs); i++)
                        add(&users, ro_tmpfs[i], "tmpfs", "tmpfs",
                            "rw rprivate nosuid nodev tmpcopyup");
        }
        if (o->init_path)
                add(&users, CTR_INIT_PATH, "bind", o->init_path, "bind ro rprivate");
        r = user_mounts(o, &users, e);
        if (r < 0)
                goto out;
        add_defaults(o, netns_host, &dflt);
        for (size_t i = 0; i < dflt.n; i++) {
                struct mnt *m = &dflt.v[i];
                if (dest_taken(&users, m->dest))
                        continue;
                /* podman leaves .containerenv out when a mount covers /run. */
                if (STREQ(m->dest, "/run/.containerenv") && dest_taken(&users, "/run"))
                        continue;
                xgrow((void **)&all.v, &all.cap, all.n + 1, sizeof(*all.v));
                all.v[all.n++] = *m;
                *m = (struct mnt){0};
        }
        for (size_t i = 0; i < users.n; i++) {
                xgrow((void **)&all.v, &all.cap, all.n + 1, sizeof(*all.v));
                all.v[all.n++] = users.v[i];
                users.v[i] = (struct mnt){0};
        }
        /* Stable insertion sort by destination depth. */
        for (size_t i = 1; i < all.n; i++) {
                struct mnt m = all.v[i];
                size_t d = depth(m.dest), j = i;
                while (j > 0 && depth(all.v[j - 1].dest) > d) {
                        all.v[j] = all.v[j - 1];
                        j--;
                }
                all.v[j] = m;
        }
        struct json *arr = json_new_array();
        for (size_t i = 0; i < all.n; i++)
                json_array_append(arr, mnt_json(&all.v[i]));
        json_object_set(spec, "mounts", arr);
out:
        mnt_list_done(&users);
        mnt_list_done(&dflt);
        mnt_list_done(&all);
        return r;
}
