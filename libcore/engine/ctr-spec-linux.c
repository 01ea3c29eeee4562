/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The linux part of a container's spec as podman 4.3 writes it: id
 * mappings, default sysctls, cgroup resources and path, namespaces,
 * devices (--device, and every host device for --privileged), masked and
 * read-only paths.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ctr-spec.h"

static const char *const default_masked[] = {
        "/proc/acpi",       "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware",    "/sys/fs/selinux",   "/sys/dev/block",
};

static const char *const default_readonly[] = {
        "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* True when berth can use cgroups for this container. */
static bool cgroups_usable(const struct ctr_spec_opts *o)
{
        if (o->cgroups && STREQ(o->cgroups, "disabled"))
                return false;
        /* Nothing is delegated to users on cgroup v1 (podman ignores limits there). */
        return !(o->rootless && o->cgroup_mode != CGROUP_UNIFIED);
}

int ctr_device_parse(const char *s, char **ret_src, char **ret_dst, char **ret_perm, struct err *e)
{
        _cleanup_strv_ char **f = strv_split(s, ":");
        size_t n = strv_length(f);
        const char *src = f ? f[0] : "", *dst = NULL, *perm = "rwm";
        bool perm_ok = true;
        if (n == 3) {
                dst = f[1];
                perm = f[2];
        } else if (n == 2) {
                if (f[1][0] == '/')
                        dst = f[1];
                else
                        perm = f[1];
        } else if (n != 1) {
                return err_set(e, EINVAL, "invalid device specification: %s", s);
        }
        if (!*perm || strlen(perm) > 3)
                perm_ok = false;
        for (const char *p = perm; *p; p++)
                if (!strchr("rwm", *p) || strchr(p + 1, *p))
                        perm_ok = false;
        if (!perm_ok)
                return err_set(e, EINVAL, "invalid device mode: %s", perm);
        if (!src[0] || src[0] != '/')
                return err_set(e, EINVAL, "invalid device specification: %s", s);
        if (dst && dst[0] != '/')
                return err_set(e, EINVAL, "invalid device specification: %s", s);
        *ret_src = xstrdup(src);
        *ret_dst = xstrdup(dst ? dst : src);
        *ret_perm = xstrdup(perm);
        return 0;
}

static struct json *device_json(const char *path, const struct stat *st)
{
        struct json *d = json_new_object();
        json_object_set_string(d, "path", path);
        json_object_set_string(d, "type", S_ISBLK(st->st_mode) ? "b" : "c");
        json_object_set_int(d, "major", major(st->st_rdev));
        json_object_set_int(d, "minor", minor(st->st_rdev));
        json_object_set_int(d, "fileMode", st->st_mode);
        json_object_set_int(d, "uid", st->st_uid);
        json_object_set_int(d, "gid", st->st_gid);
        return d;
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every char and block device below dir, in lexical walk order, as runc's
 * HostDevices lists them for podman (pts, .lxc, .udev and console left out). */
static void scan_devices(const char *dir, const char *prefix, int depth, struct json *out)
{
        if (depth > 8)
                return;
        struct dirent **ents = NULL;
        int n = scandir(dir, &ents, NULL, cmp_name);
        for (int i = 0; i < n; i++) {
                const char *name = ents[i]->d_name;
                if (STREQ(name, ".") || STREQ(name, "..") || STREQ(name, "pts") ||
                    STREQ(name, ".lxc") || STREQ(name, ".lxd-mounts") || STREQ(name, ".udev") ||
                    STREQ(name, "console")) {
                        free(ents[i]);
                        continue;
                }
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
                _cleanup_free_ char *cp = xasprintf("%s/%s", prefix, name);
                struct stat st;
                if (lstat(p, &st) == 0) {
                        if (S_ISDIR(st.st_mode))
                                scan_devices(p, cp, depth + 1, out);
                        else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                                json_array_append(out, device_json(cp, &st));
                }
                free(ents[i]);
        }
        free(ents);
}

int ctr_spec_devices(const struct ctr_spec_opts *o, struct json *lx, struct json *resources,
                     struct err *e)
{
        _cleanup_json_ struct json *devs = json_new_array();
        struct json *rules = resources ? json_object_get(resources, "devices") : NULL;
        if (o->privileged && !o->rootless && o->userns == CTR_USERNS_HOST)
                scan_devices(o->dev_dir ? o->dev_dir : "/dev", "/dev", 0, devs);
        for (char *const *p = o->devices; p && *p; p++) {
                _cleanup_free_ char *src = NULL, *dst = NULL, *perm = NULL;
                if (ctr_device_parse(*p, &src, &dst, &perm, e) < 0)
                        return -EINVAL;
                struct stat st;
                if (stat(src, &st) < 0)
                        return err_errno(e, "--device '%s': stat '%s'", *p, src);
                if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                        return err_set(e, EINVAL, "--device '%s': '%s' is not a device", *p, src);
                json_array_append(devs, device_json(dst, &st));
                if (rules && !o->privileged) {
                        struct json *r = json_new_object();
                        json_object_set_bool(r, "allow", true);
                        json_object_set_string(r, "type", S_ISBLK(st.st_mode) ? "b" : "c");
                        json_object_set_int(r, "major", major(st.st_rdev));
                        json_object_set_int(r, "minor", minor(st.st_rdev));
                        json_object_set_string(r, "access", perm);
                        json_array_append(rules, r);
                }
        }
        if (devs->arr.len > 0)
                json_object_set(lx, "devices", steal_pointer(&devs));
        return 0;
}

static struct json *id_maps_json(const struct id_map *m, size_t n)
{
        struct json *a = json_new_array();
        for (size_t i = 0; i < n; i++) {
                struct json *o = json_new_object();
                json_object_set_int(o, "containerID", m[i].container_id);
                json_object_set_int(o, "hostID", m[i].host_id);
                json_object_set_int(o, "size", m[i].size);
                json_array_append(a, o);
        }
        return a;
}

/* podman 4.3's namespaced sysctls besides the net. and fs.mqueue. trees. */
static const char *const ipc_sysctls[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool blank_at_ends(const char *s)
{
        size_t n = strlen(s);
        return n && (strchr(" \t\n\r\v\f", s[0]) || strchr(" \t\n\r\v\f", s[n - 1]));
}

int ctr_sysctl_check(const char *kv, const char *network, struct err *e)
{
        const char *eq = strchr(kv, '=');
        if (!eq)
                return err_set(e, EINVAL,
                               "%s is invalid, sysctl values must be in the form of KEY=VALUE", kv);
        _cleanup_free_ char *k = xstrndup(kv, (size_t)(eq - kv));
        if (blank_at_ends(k) || blank_at_ends(eq + 1))
                return err_set(e, EINVAL, "'%s' is invalid, extra spaces found", kv);
        bool net = str_has_prefix(k, "net.");
        bool ok = net || str_has_prefix(k, "fs.mqueue.");
        for (size_t i = 0; !ok && i < ARRAY_SIZE(ipc_sysctls); i++)
                ok = STREQ(k, ipc_sysctls[i]);
        if (!ok)
                return err_set(e, EINVAL, "sysctl '%s' is not allowed", k);
        if (net && network && STREQ(network, "host"))
                return err_set(e, EINVAL,
                               "sysctl %s can't be set since Network Namespace set to host", kv);
        return 0;
}

/* containers.conf's default_sysctls, then --sysctl over them. */
static int add_sysctls(const struct ctr_spec_opts *o, const struct config *conf, struct json *lx,
                       bool netns_host, struct err *e)
{
        struct json *d =
                conf ? json_get_path(conf->containers, "containers.default_sysctls") : NULL;
        size_t nd = d && d->type == JSON_ARRAY ? d->arr.len : 0;
        if (nd == 0 && !(o->sysctls && o->sysctls[0]))
                return 0;
        struct json *s = json_new_object();
        json_object_set(lx, "sysctl", s);
        for (size_t i = 0; i < nd; i++) {
                const struct json *v = d->arr.items[i];
                const char *eq = v->type == JSON_STRING ? strchr(v->str.s, '=') : NULL;
                if (!eq || eq == v->str.s)
                        return err_set(e, EINVAL,
                                       "containers.conf default_sysctls[%zu]: expected "
                                       "\"name=value\"",
                                       i);
                _cleanup_free_ char *k = xstrndup(v->str.s, (size_t)(eq - v->str.s));
                /* A net.* sysctl would change the host's own network namespace. */
                if (netns_host && str_has_prefix(k, "net."))
                        continue;
                json_object_set_string(s, k, eq + 1);
        }
        for (char **p = o->sysctls; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                _cleanup_free_ char *k = xstrndup(*p, (size_t)(eq - *p));
                json_object_set_string(s, k, eq + 1);
        }
        if (s->obj.len == 0)
                json_object_remove(lx, "sysctl");
        return 0;
}

static int add_resources(const struct ctr_spec_opts *o, const struct config *conf, struct json *lx,
                         struct err *e)
{
        if (o->memory && o->memory < 6 * 1024 * 1024)
                return err_set(e, EINVAL, "minimum memory limit allowed is 6MB");
        if (o->memory_swap > 0 && !o->memory)
                return err_set(e, EINVAL, "you must specify a memory limit with --memory-swap");
        if (o->memory_swap > 0 && o->memory_swap < o->memory)
                return err_set(e, EINVAL,
                               "minimum memoryswap limit should be larger than memory "
                               "limit, see usage");
        if (o->cpus < 0 || !isfinite(o->cpus) || o->cpus > 1e6)
                return err_set(e, EINVAL, "invalid --cpus value %g", o->cpus);
        bool asked = o->memory || o->memory_swap || o->memory_reservation || o->cpus > 0 ||
                     o->cpu_shares || o->cpu_period || o->cpu_quota || o->cpuset_cpus ||
                     o->cpuset_mems || o->pids_limit_set;
        if (!cgroups_usable(o)) {
                if (asked && o->rootless)
                        log_warn("Resource limits are not supported and ignored on cgroups V1 "
                                 "rootless systems");
                return 0;
        }
        struct json *r = json_new_object();
        json_object_set(lx, "resources", r);
        /* A user namespace cannot use the devices cgroup: podman writes no rule. */
        if (o->userns == CTR_USERNS_HOST && !o->rootless) {
                struct json *devs = json_new_array();
                struct json *d = json_new_object();
                json_object_set_bool(d, "allow", o->privileged);
                json_object_set_string(d, "access", "rwm");
                json_array_append(devs, d);
                json_object_set(r, "devices", devs);
        }
        if (o->memory || o->memory_reservation) {
                struct json *m = json_new_object();
                if (o->memory) {
                        json_object_set_int(m, "limit", o->memory);
                        /* podman: swap defaults to twice the memory limit; -1 is unlimited. */
                        if (o->memory_swap > 0)
                                json_object_set_int(m, "swap", o->memory_swap);
                        else if (o->memory_swap == 0)
                                json_object_set_int(m, "swap", 2 * o->memory);
                }
                if (o->memory_reservation)
                        json_object_set_int(m, "reservation", o->memory_reservation);
                json_object_set(r, "memory", m);
        }
        if (o->cpu_shares || o->cpus > 0 || o->cpu_period || o->cpu_quota || o->cpuset_cpus ||
            o->cpuset_mems) {
                struct json *c = json_new_object();
                if (o->cpu_shares)
                        json_object_set_int(c, "shares", (int64_t)o->cpu_shares);
                if (o->cpus > 0) {
                        json_object_set_int(c, "quota", (int64_t)(o->cpus * 100000 + 0.5));
                        json_object_set_int(c, "period", 100000);
                }
                if (o->cpu_quota)
                        json_object_set_int(c, "quota", o->cpu_quota);
                if (o->cpu_period)
                        json_object_set_int(c, "period", (int64_t)o->cpu_period);
                if (o->cpuset_cpus)
                        json_object_set_string(c, "cpus", o->cpuset_cpus);
                if (o->cpuset_mems)
                        json_object_set_string(c, "mems", o->cpuset_mems);
                json_object_set(r, "cpu", c);
        }
        int64_t pids = 0;
        if (o->pids_limit_set)
                pids = o->pids_limit > 0 ? o->pids_limit : 0;
        else
                pids = conf ? json_object_get_int(json_get_path(conf->containers, "containers"),
                                                  "pids_limit", 2048)
                            : 2048;
        if (o->pids_limit_set || pids > 0) {
                struct json *p = json_new_object();
                json_object_set_int(p, "limit", pids);
                json_object_set(r, "pids", p);
        }
        return 0;
}

static char *cgroups_path(const struct ctr_spec_opts *o, const struct config *conf)
{
        const char *mgr = conf && conf->cgroup_manager ? conf->cgroup_manager : "cgroupfs";
        if (STREQ(mgr, "systemd")) {
                const char *parent = o->cgroup_parent ? o->cgroup_parent
                                     : o->rootless    ? "user.slice"
                                                      : "machine.slice";
                return xasprintf("%s:berth:%s", parent, o->id);
        }
        /* podman: /libpod_parent/libpod-<id>; berth keeps its own names. */
        const char *parent = o->cgroup_parent ? o->cgroup_parent : "/berth_parent";
        return xasprintf("%s/berth-%s", parent, o->id);
}

static void add_ns(struct json *a, const char *type, const char *path)
{
        struct json *n = json_new_object();
        json_object_set_string(n, "type", type);
        if (path)
                json_object_set_string(n, "path", path);
        json_array_append(a, n);
}

/* The network modes that get a new namespace. */
static bool net_is_new(const char *net)
{
        return !net || STREQ(net, "none") || STREQ(net, "private") || STREQ(net, "bridge") ||
               STREQ(net, "slirp4netns") || STREQ(net, "pasta");
}

bool ctr_spec_own_netns(const struct ctr_spec_opts *o)
{
        return net_is_new(o->network) && o->userns != CTR_USERNS_PRIVATE;
}

/* A namespace of --pid, --ipc or --uts: none (the host's), joined, or new. */
static void add_ns_mode(struct json *a, const char *type, const char *mode, const char *path)
{
        if (!(mode && STREQ(mode, "host")))
                add_ns(a, type, path);
}

static int add_namespaces(const struct ctr_spec_opts *o, const struct config *conf, struct json *lx,
                          struct err *e)
{
        struct json *a = json_new_array();
        json_object_set(lx, "namespaces", a);
        add_ns_mode(a, "pid", o->pid, o->pid_ns_path);
        const char *net = o->network;
        if (net_is_new(net)) {
                add_ns(a, "network", NULL);
        } else if (str_has_prefix(net, "ns:")) {
                if (net[3] != '/')
                        return err_set(e, EINVAL, "--network '%s': the path must be absolute", net);
                add_ns(a, "network", net + 3);
        } else if (str_has_prefix(net, "container:")) {
                if (!o->network_ns_path)
                        return err_set(e, EINVAL,
                                       "--network '%s': that container has no network "
                                       "namespace",
                                       net);
                add_ns(a, "network", o->network_ns_path);
        } else if (!STREQ(net, "host")) {
                return err_set(e, EINVAL, "--network '%s': unknown network mode", net);
        }
        add_ns_mode(a, "ipc", o->ipc, o->ipc_ns_path);
        add_ns_mode(a, "uts", o->uts, o->uts_ns_path);
        add_ns(a, "mount", NULL);
        if (o->userns == CTR_USERNS_PRIVATE)
                add_ns(a, "user", NULL);
        /* podman's cgroupns default is private on cgroup v2 and host on v1. */
        const char *cgns = conf ? config_get_string(conf, "containers.cgroupns") : NULL;
        if (o->cgroup_mode == CGROUP_UNIFIED && !(cgns && STREQ(cgns, "host")))
                add_ns(a, "cgroup", NULL);
        return 0;
}

int ctr_spec_linux(const struct ctr_spec_opts *o, const struct config *conf, struct json *lx,
                   bool netns_host, struct err *e)
{
        if (o->userns == CTR_USERNS_PRIVATE) {
                if (!o->n_uid_map || !o->n_gid_map)
                        return err_set(e, EINVAL, "a user namespace needs uid and gid mappings");
                json_object_set(lx, "uidMappings", id_maps_json(o->uid_map, o->n_uid_map));
                json_object_set(lx, "gidMappings", id_maps_json(o->gid_map, o->n_gid_map));
        }
        if (add_sysctls(o, conf, lx, netns_host, e) < 0 || add_resources(o, conf, lx, e) < 0)
                return -EINVAL;
        if (cgroups_usable(o))
                json_object_set(lx, "cgroupsPath", json_new_string_take(cgroups_path(o, conf)));
        if (add_namespaces(o, conf, lx, e) < 0)
                return -EINVAL;
        return ctr_spec_devices(o, lx, json_object_get(lx, "resources"), e);
}

/* Does path match an unmask= entry (a path or a filepath.Match pattern)? */
static bool unmasked(char *const *unmask, const char *path)
{
        for (char *const *p = unmask; p && *p; p++)
                if (STREQ(*p, "ALL") || STREQ(*p, path) || fnmatch(*p, path, FNM_PATHNAME) == 0)
                        return true;
        return false;
}

int ctr_spec_masked_paths(const struct ctr_spec_opts *o, struct json *lx, struct err *e)
{
        if (o->privileged)
                return 0;
        _cleanup_strv_ char **mask = NULL, **unmask = NULL;
        for (char *const *s = o->security_opt; s && *s; s++) {
                bool is_mask = str_has_prefix(*s, "mask=");
                if (!is_mask && !str_has_prefix(*s, "unmask="))
                        continue;
                _cleanup_strv_ char **v = strv_split(strchr(*s, '=') + 1, ":");
                for (char **p = v; p && *p; p++) {
                        if (!**p)
                                continue;
                        if (**p != '/' && !(!is_mask && STREQ(*p, "ALL")))
                                return err_set(e, EINVAL,
                                               "--security-opt '%s': '%s' is not an absolute path",
                                               *s, *p);
                        strv_add(is_mask ? &mask : &unmask, *p);
                }
        }
        struct json *m = json_new_array(), *r = json_new_array();
        for (size_t i = 0; i < ARRAY_SIZE(default_masked); i++)
                if (!unmasked(unmask, default_masked[i]))
                        json_array_append(m, json_new_string(default_masked[i]));
        for (char **p = mask; p && *p; p++)
                json_array_append(m, json_new_string(*p));
        for (size_t i = 0; i < ARRAY_SIZE(default_readonly); i++)
                if (!unmasked(unmask, default_readonly[i]))
                        json_array_append(r, json_new_string(default_readonly[i]));
        if (m->arr.len)
                json_object_set(lx, "maskedPaths", m);
        else
                json_free(m);
        if (r->arr.len)
                json_object_set(lx, "readonlyPaths", r);
        else
                json_free(r);
        return 0;
}
