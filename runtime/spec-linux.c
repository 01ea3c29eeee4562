/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "linux" object of config.json: namespaces, id mappings, time offsets,
 * sysctls, devices, paths and labels are parsed here; linux.resources and
 * linux.seccomp go to their own parsers (resources.c, seccomp.c). As in
 * spec.c, unknown keys are ignored and wrong ones are errors naming the
 * field and the value.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "rt-internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The kernel takes at most 340 lines in uid_map/gid_map (since 4.15). */
#define RT_MAX_IDMAPS 340
#define NSEC_PER_SEC 1000000000u

static const struct {
        const char *name; /* in config.json */
        const char *proc; /* under /proc/<pid>/ns/ */
        int flag;
} ns_table[RT_NS_COUNT] = {
        [RT_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
        [RT_NS_PID] = {"pid", "pid", CLONE_NEWPID},
        [RT_NS_NET] = {"network", "net", CLONE_NEWNET},
        [RT_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
        [RT_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
        [RT_NS_USER] = {"user", "user", CLONE_NEWUSER},
        [RT_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
        [RT_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

int rt_ns_type_from_string(const char *s)
{
        for (int t = 0; s && t < RT_NS_COUNT; t++)
                if (STREQ(s, ns_table[t].name))
                        return t;
        return -1;
}

const char *rt_ns_type_to_string(enum rt_ns_type t)
{
        if ((unsigned)t >= RT_NS_COUNT)
                return NULL;
        return ns_table[t].name;
}

int rt_ns_clone_flag(enum rt_ns_type t)
{
        if ((unsigned)t >= RT_NS_COUNT)
                return 0;
        return ns_table[t].flag;
}

const char *rt_ns_proc_name(enum rt_ns_type t)
{
        if ((unsigned)t >= RT_NS_COUNT)
                return NULL;
        return ns_table[t].proc;
}

static int expect_object(const struct json *j, const char *where, struct err *e)
{
        if (j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                               json_type_to_string(j->type));
        return 0;
}

/* Refuse a relative path where the spec asks for an absolute one. */
static int expect_absolute(const char *path, const char *field, struct err *e)
{
        if (path[0] == '/')
                return 0;
        _cleanup_free_ char *q = rt_quote(path);
        return err_set(e, EINVAL, "%s: '%s' is not an absolute path", field, q);
}

static int namespaces_parse(const struct json *lx, struct rt_spec *s, struct err *e)
{
        const struct json *list;
        int r = rt_json_array(lx, "linux", "namespaces", RT_MAX_ENTRIES, &list, e);
        if (r <= 0)
                return r;
        for (size_t i = 0; i < list->arr.len; i++) {
                const struct json *n = list->arr.items[i];
                _cleanup_free_ char *where = xasprintf("linux.namespaces[%zu]", i);
                _cleanup_free_ char *type = NULL, *path = NULL;
                if ((r = expect_object(n, where, e)) < 0 ||
                    (r = rt_json_string(n, where, "type", true, &type, e)) < 0 ||
                    (r = rt_json_string(n, where, "path", false, &path, e)) < 0)
                        return r;
                int t = rt_ns_type_from_string(type);
                if (t < 0) {
                        _cleanup_free_ char *q = rt_quote(type);
                        return err_set(e, EINVAL, "%s.type: unknown namespace type '%s'", where, q);
                }
                if (s->ns[t].enabled)
                        return err_set(e, EINVAL, "%s: duplicate namespace type '%s'", where,
                                       ns_table[t].name);
                if (path && !path[0]) { /* "" is Go's omitted path */
                        free(path);
                        path = NULL;
                }
                if (path) {
                        _cleanup_free_ char *f = xasprintf("%s.path", where);
                        if ((r = expect_absolute(path, f, e)) < 0)
                                return r;
                }
                s->ns[t].enabled = true;
                s->ns[t].path = steal_pointer(&path);
        }
        return 0;
}

static int spec_idmap_parse(const struct json *j, const char *where, struct rt_idmap *ret,
                            struct err *e)
{
        uint64_t cid, hid, size;
        int r;
        if ((r = expect_object(j, where, e)) < 0 ||
            (r = rt_json_uint(j, where, "containerID", true, UINT32_MAX, &cid, e)) < 0 ||
            (r = rt_json_uint(j, where, "hostID", true, UINT32_MAX, &hid, e)) < 0 ||
            (r = rt_json_uint(j, where, "size", true, UINT32_MAX, &size, e)) < 0)
                return r;
        if (size == 0)
                return err_set(e, EINVAL, "%s.size: must be at least 1", where);
        /* Both ranges must end before id 4294967295, (uid_t)-1, which the
         * kernel refuses in a map (start + size must not wrap in 32 bits). */
        if (cid + size > UINT32_MAX || hid + size > UINT32_MAX)
                return err_set(e, EINVAL,
                               "%s: containerID %llu, hostID %llu, size %llu run past id "
                               "4294967294",
                               where, (unsigned long long)cid, (unsigned long long)hid,
                               (unsigned long long)size);
        *ret = (struct rt_idmap){(uint32_t)cid, (uint32_t)hid, (uint32_t)size};
        return 0;
}

static int spec_idmaps_parse(const struct json *lx, const char *key, struct rt_idmap **ret,
                             size_t *ret_n, struct err *e)
{
        const struct json *list;
        int r = rt_json_array(lx, "linux", key, RT_MAX_IDMAPS, &list, e);
        if (r <= 0 || list->arr.len == 0)
                return r;
        struct rt_idmap *maps = xcalloc(list->arr.len, sizeof(*maps));
        for (size_t i = 0; i < list->arr.len; i++) {
                _cleanup_free_ char *where = xasprintf("linux.%s[%zu]", key, i);
                if ((r = spec_idmap_parse(list->arr.items[i], where, &maps[i], e)) < 0) {
                        free(maps);
                        return r;
                }
        }
        *ret = maps;
        *ret_n = list->arr.len;
        return 0;
}

static int time_offsets_parse(const struct json *lx, struct rt_spec *s, struct err *e)
{
        const struct json *to;
        int r = rt_json_object(lx, "linux", "timeOffsets", &to, e);
        if (r <= 0)
                return r;
        for (size_t i = 0; i < to->obj.len; i++) {
                const char *clock = to->obj.keys[i];
                struct rt_time_offset *off;
                if (STREQ(clock, "boottime")) {
                        off = &s->time_boottime;
                } else if (STREQ(clock, "monotonic")) {
                        off = &s->time_monotonic;
                } else {
                        _cleanup_free_ char *q = rt_quote(clock);
                        return err_set(e, EINVAL,
                                       "linux.timeOffsets: unknown clock '%s' (boottime or "
                                       "monotonic)",
                                       q);
                }
                _cleanup_free_ char *where = xasprintf("linux.timeOffsets.%s", clock);
                int64_t secs = 0;
                uint64_t nsecs = 0;
                if ((r = expect_object(to->obj.vals[i], where, e)) < 0 ||
                    (r = rt_json_int(to->obj.vals[i], where, "secs", false, INT64_MIN, INT64_MAX,
                                     &secs, e)) < 0 ||
                    (r = rt_json_uint(to->obj.vals[i], where, "nanosecs", false, NSEC_PER_SEC - 1,
                                      &nsecs, e)) < 0)
                        return r;
                *off = (struct rt_time_offset){true, secs, (uint32_t)nsecs};
        }
        return 0;
}

/* A sysctl name, dotted ("net.ipv4.ip_forward") or slashed; it becomes a
 * path under /proc/sys, so it must not climb out of it. */
static bool sysctl_key_ok(const char *k)
{
        return k[0] && k[0] != '/' && k[0] != '.' && !strchr(k, '=') && !strstr(k, "..") &&
               !strstr(k, "//") && !str_has_suffix(k, "/");
}

static int sysctl_parse(const struct json *lx, struct rt_spec *s, struct err *e)
{
        const struct json *sc;
        int r = rt_json_object(lx, "linux", "sysctl", &sc, e);
        if (r <= 0)
                return r;
        if (sc->obj.len > RT_MAX_ENTRIES)
                return err_set(e, E2BIG, "linux.sysctl: %zu entries, more than the %d allowed",
                               sc->obj.len, RT_MAX_ENTRIES);
        _cleanup_strv_ char **out = xcalloc(sc->obj.len + 1, sizeof(char *));
        for (size_t i = 0; i < sc->obj.len; i++) {
                const char *k = sc->obj.keys[i];
                _cleanup_free_ char *q = rt_quote(k);
                if (!sysctl_key_ok(k) || strlen(k) > 4096)
                        return err_set(e, EINVAL, "linux.sysctl: invalid name '%s'", q);
                _cleanup_free_ char *v = NULL;
                if ((r = rt_json_string(sc, "linux.sysctl", k, true, &v, e)) < 0)
                        return r;
                out[i] = xasprintf("%s=%s", k, v);
        }
        s->sysctl = steal_pointer(&out);
        return 0;
}

static int device_parse(const struct json *j, const char *where, struct rt_device *d, struct err *e)
{
        _cleanup_free_ char *type = NULL;
        int64_t major = 0, minor = 0;
        uint64_t mode = 0, uid = 0, gid = 0;
        int r;
        if ((r = expect_object(j, where, e)) < 0 ||
            (r = rt_json_string(j, where, "path", true, &d->path, e)) < 0)
                return r;
        _cleanup_free_ char *pf = xasprintf("%s.path", where);
        if ((r = expect_absolute(d->path, pf, e)) < 0)
                return r;
        if ((r = rt_json_string(j, where, "type", true, &type, e)) < 0)
                return r;
        if (strlen(type) != 1 || !strchr("cubp", type[0])) {
                _cleanup_free_ char *q = rt_quote(type);
                return err_set(e, EINVAL, "%s.type: unknown device type '%s' (c, u, b or p)", where,
                               q);
        }
        d->type = type[0];
        /* A FIFO has no numbers; the others need both. makedev() takes 32 bits. */
        bool need = d->type != 'p';
        if ((r = rt_json_int(j, where, "major", need, 0, UINT32_MAX, &major, e)) < 0 ||
            (r = rt_json_int(j, where, "minor", need, 0, UINT32_MAX, &minor, e)) < 0)
                return r;
        d->major = major;
        d->minor = minor;
        if ((r = rt_json_uint(j, where, "fileMode", false, UINT32_MAX, &mode, e)) < 0)
                return r;
        d->has_mode = r > 0;
        if ((r = rt_json_uint(j, where, "uid", false, UINT32_MAX, &uid, e)) < 0)
                return r;
        d->has_uid = r > 0;
        if ((r = rt_json_uint(j, where, "gid", false, UINT32_MAX, &gid, e)) < 0)
                return r;
        d->has_gid = r > 0;
        d->mode = (uint32_t)mode;
        d->uid = (uint32_t)uid;
        d->gid = (uint32_t)gid;
        return 0;
}

static int devices_parse(const struct json *lx, struct rt_spec *s, struct err *e)
{
        const struct json *list;
        int r = rt_json_array(lx, "linux", "devices", RT_MAX_ENTRIES, &list, e);
        if (r <= 0 || list->arr.len == 0)
                return r;
        s->devices = xcalloc(list->arr.len, sizeof(struct rt_device));
        for (size_t i = 0; i < list->arr.len; i++) {
                _cleanup_free_ char *where = xasprintf("linux.devices[%zu]", i);
                /* Counted first so that rt_spec_linux_done() frees a half-filled one. */
                s->n_devices++;
                if ((r = device_parse(list->arr.items[i], where, &s->devices[i], e)) < 0)
                        return r;
        }
        return 0;
}

static int paths_parse(const struct json *lx, const char *key, char ***ret, struct err *e)
{
        _cleanup_strv_ char **v = NULL;
        int r = rt_json_strv(lx, "linux", key, &v, e);
        if (r <= 0)
                return r;
        for (size_t i = 0; v[i]; i++) {
                _cleanup_free_ char *f = xasprintf("linux.%s[%zu]", key, i);
                if ((r = expect_absolute(v[i], f, e)) < 0)
                        return r;
        }
        *ret = steal_pointer(&v);
        return 0;
}

/* What mount(2) takes as propagation for the root, with or without the
 * recursive "r" (runc accepts both). */
static int propagation_parse(const struct json *lx, struct rt_spec *s, struct err *e)
{
        static const char *const ok[] = {"shared",  "slave",  "private",  "unbindable",
                                         "rshared", "rslave", "rprivate", "runbindable"};
        _cleanup_free_ char *p = NULL;
        int r = rt_json_string(lx, "linux", "rootfsPropagation", false, &p, e);
        if (r <= 0 || !p[0])
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
                if (STREQ(p, ok[i])) {
                        s->rootfs_propagation = steal_pointer(&p);
                        return 0;
                }
        }
        _cleanup_free_ char *q = rt_quote(p);
        return err_set(e, EINVAL,
                       "linux.rootfsPropagation: unknown propagation '%s' (shared, slave, "
                       "private, unbindable or their r-forms)",
                       q);
}

/* Sections other files parse: resources always (so the result is never
 * NULL), seccomp only when present. */
static int delegated_parse(const struct json *lx, struct rt_spec *s, struct err *e)
{
        const struct json *res = lx ? json_object_get(lx, "resources") : NULL;
        if (res && res->type == JSON_NULL)
                res = NULL;
        int r = rt_resources_parse(res, &s->resources, e);
        if (r < 0)
                return r;
        const struct json *sc = lx ? json_object_get(lx, "seccomp") : NULL;
        if (sc && sc->type != JSON_NULL) {
                if (sc->type != JSON_OBJECT)
                        return err_set(e, EINVAL, "linux.seccomp: expected an object, got %s",
                                       json_type_to_string(sc->type));
                if ((r = rt_seccomp_parse(sc, &s->seccomp, e)) < 0)
                        return r;
        }
        return 0;
}

int rt_spec_linux_parse(const struct json *lx, struct rt_spec *s, struct err *e)
{
        int r;
        if (lx && (lx->type != JSON_OBJECT))
                return err_set(e, EINVAL, "linux: expected an object, got %s",
                               json_type_to_string(lx->type));
        if (lx) {
                _cleanup_free_ char *label = NULL;
                if ((r = namespaces_parse(lx, s, e)) < 0 ||
                    (r = spec_idmaps_parse(lx, "uidMappings", &s->uid_mappings, &s->n_uid_mappings,
                                           e)) < 0 ||
                    (r = spec_idmaps_parse(lx, "gidMappings", &s->gid_mappings, &s->n_gid_mappings,
                                           e)) < 0 ||
                    (r = time_offsets_parse(lx, s, e)) < 0 || (r = sysctl_parse(lx, s, e)) < 0 ||
                    (r = rt_json_string(lx, "linux", "cgroupsPath", false, &s->cgroups_path, e)) <
                            0 ||
                    (r = devices_parse(lx, s, e)) < 0 || (r = propagation_parse(lx, s, e)) < 0 ||
                    (r = paths_parse(lx, "maskedPaths", &s->masked_paths, e)) < 0 ||
                    (r = paths_parse(lx, "readonlyPaths", &s->readonly_paths, e)) < 0 ||
                    (r = rt_json_string(lx, "linux", "mountLabel", false, &label, e)) < 0)
                        return r;
                if (label && label[0])
                        s->mount_label = steal_pointer(&label);
                if (s->cgroups_path && !s->cgroups_path[0]) {
                        free(s->cgroups_path);
                        s->cgroups_path = NULL;
                }
        }
        /* Without their namespace these would have nothing to apply to. */
        if ((s->n_uid_mappings || s->n_gid_mappings) && !s->ns[RT_NS_USER].enabled)
                return err_set(e, EINVAL,
                               "linux.%s: set without a user namespace in "
                               "linux.namespaces",
                               s->n_uid_mappings ? "uidMappings" : "gidMappings");
        if ((s->time_boottime.set || s->time_monotonic.set) && !s->ns[RT_NS_TIME].enabled)
                return err_set(e, EINVAL,
                               "linux.timeOffsets: set without a time namespace in "
                               "linux.namespaces");
        return delegated_parse(lx, s, e);
}

void rt_spec_linux_done(struct rt_spec *s)
{
        for (int t = 0; t < RT_NS_COUNT; t++)
                free(s->ns[t].path);
        free(s->uid_mappings);
        free(s->gid_mappings);
        strv_free(s->sysctl);
        free(s->cgroups_path);
        rt_resources_free(s->resources);
        for (size_t i = 0; i < s->n_devices; i++)
                free(s->devices[i].path);
        free(s->devices);
        rt_seccomp_free(s->seccomp);
        free(s->rootfs_propagation);
        strv_free(s->masked_paths);
        strv_free(s->readonly_paths);
        free(s->mount_label);
}
