/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container inspect: podman 4.3's JSON for a container, from the storage
 * record, berth.json, config.json and the derived state.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>

#include "ctr-internal.h"
#include "storage.h"

#define GO_ZERO_TIME "0001-01-01T00:00:00Z"

static struct json *copy_or_null(const struct json *v)
{
        return v ? json_copy(v) : json_new_null();
}

static struct json *copy_or_empty_array(const struct json *v)
{
        return v && v->type == JSON_ARRAY ? json_copy(v) : json_new_array();
}

static struct json *state_json(const struct ctr_state *st, const struct ctr *c)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "OciVersion", "1.0.2-dev");
        json_object_set_string(j, "Status", ctr_status_to_string(st->status));
        bool running = st->status == CTR_RUNNING || st->status == CTR_PAUSED;
        json_object_set_bool(j, "Running", st->status == CTR_RUNNING); /* podman: not paused */
        json_object_set_bool(j, "Paused", st->status == CTR_PAUSED);
        json_object_set_bool(j, "Restarting", false);
        json_object_set_bool(j, "OOMKilled", st->oom_killed);
        json_object_set_bool(j, "Dead", false);
        json_object_set_int(j, "Pid", running ? st->pid : 0);
        json_object_set_int(j, "ConmonPid", st->monitor_pid);
        json_object_set_int(j, "ExitCode", st->status == CTR_EXITED ? st->exit_code : 0);
        const char *err = "";
        if (running && !st->monitor_alive)
                err = "the container's monitor (berth-monitor) is gone: its exit code will not "
                      "be recorded";
        else if (st->status == CTR_EXITED && !st->exit_known)
                err = "the container's monitor ended before the container: its exit code is "
                      "unknown";
        json_object_set_string(j, "Error", err);
        json_object_set_string(j, "StartedAt", st->started_at ? st->started_at : GO_ZERO_TIME);
        json_object_set_string(j, "FinishedAt", st->finished_at ? st->finished_at : GO_ZERO_TIME);
        struct json *h = json_new_object();
        json_object_set_string(h, "Status", "");
        json_object_set_int(h, "FailingStreak", 0);
        json_object_set(h, "Log", json_new_null());
        json_object_set(j, "Health", h);
        json_object_set_string(j, "CheckpointedAt", GO_ZERO_TIME);
        json_object_set_string(j, "RestoredAt", GO_ZERO_TIME);
        (void)c;
        return j;
}

static struct json *graph_driver(struct store *s, const struct ctr *c)
{
        struct json *gd = json_new_object();
        json_object_set_string(gd, "Name", store_driver(s));
        const char *layer = json_object_get_string(c->rec, "layer");
        if (!layer || !STREQ(store_driver(s), "overlay")) {
                json_object_set(gd, "Data", json_new_null());
                return gd;
        }
        struct json *d = json_new_object();
        const char *g = store_graphroot(s);
        _cleanup_json_ struct json *lrec = NULL;
        struct sbuf lower = {0};
        const char *parent = NULL;
        if (store_layer_get(s, layer, &lrec, NULL) == 0)
                parent = json_object_get_string(lrec, "parent");
        _cleanup_free_ char *cur = parent ? xstrdup(parent) : NULL;
        for (size_t guard = 0; cur && guard < 1024; guard++) {
                if (lower.len)
                        sbuf_putc(&lower, ':');
                sbuf_printf(&lower, "%s/overlay/%s/diff", g, cur);
                _cleanup_json_ struct json *l = NULL;
                const char *p = NULL;
                if (store_layer_get(s, cur, &l, NULL) == 0)
                        p = json_object_get_string(l, "parent");
                free(cur);
                cur = p ? xstrdup(p) : NULL;
        }
        if (lower.len)
                json_object_set_string(d, "LowerDir", lower.buf);
        sbuf_done(&lower);
        json_object_set(d, "MergedDir",
                        json_new_string_take(xasprintf("%s/overlay/%s/merged", g, layer)));
        json_object_set(d, "UpperDir",
                        json_new_string_take(xasprintf("%s/overlay/%s/diff", g, layer)));
        json_object_set(d, "WorkDir",
                        json_new_string_take(xasprintf("%s/overlay/%s/work", g, layer)));
        json_object_set(gd, "Data", d);
        return gd;
}

static struct json *config_json(const struct ctr *c, const struct json *spec)
{
        struct json *j = json_new_object();
        /* berth.json's: config.json has none when the UTS namespace is shared. */
        const char *hn = ctr_cfg_string(c, "hostname");
        if (!hn)
                hn = json_object_get_string(spec, "hostname");
        json_object_set_string(j, "Hostname", hn ? hn : "");
        json_object_set_string(j, "Domainname", "");
        const char *user = NULL;
        const struct json *u = json_get_path(spec, "process.user");
        _cleanup_free_ char *ustr = NULL;
        if (u && json_object_get(u, "uid") && json_object_get_int(u, "uid", 0) != 0)
                ustr = xasprintf("%lld:%lld", (long long)json_object_get_int(u, "uid", 0),
                                 (long long)json_object_get_int(u, "gid", 0));
        user = ustr ? ustr : "";
        json_object_set_string(j, "User", user);
        bool tty = ctr_cfg_bool(c, "tty"), in = ctr_cfg_bool(c, "stdin");
        json_object_set_bool(j, "AttachStdin", false);
        json_object_set_bool(j, "AttachStdout", false);
        json_object_set_bool(j, "AttachStderr", false);
        json_object_set_bool(j, "Tty", tty);
        json_object_set_bool(j, "OpenStdin", in);
        json_object_set_bool(j, "StdinOnce", false);
        json_object_set(j, "Env", copy_or_empty_array(json_get_path(spec, "process.env")));
        const struct json *cmd = json_object_get(c->berth, "cmd");
        json_object_set(j, "Cmd",
                        cmd && cmd->type == JSON_ARRAY
                                ? json_copy(cmd)
                                : copy_or_null(json_get_path(spec, "process.args")));
        const char *iname = ctr_cfg_string(c, "image_name");
        json_object_set_string(j, "Image", iname ? iname : "");
        json_object_set(j, "Volumes", json_new_null());
        const char *cwd = json_object_get_string(json_object_get(spec, "process"), "cwd");
        if (!cwd)
                cwd = "/";
        json_object_set_string(j, "WorkingDir", cwd);
        const char *ep = ctr_cfg_string(c, "entrypoint");
        json_object_set_string(j, "Entrypoint", ep ? ep : "");
        json_object_set(j, "OnBuild", json_new_null());
        const struct json *labels = json_object_get(c->berth, "labels");
        json_object_set(j, "Labels",
                        labels && labels->type == JSON_OBJECT && labels->obj.len ? json_copy(labels)
                                                                                 : json_new_null());
        json_object_set(j, "Annotations", copy_or_null(json_object_get(spec, "annotations")));
        json_object_set_int(j, "StopSignal", ctr_cfg_int(c, "stop_signal", SIGTERM));
        json_object_set(j, "CreateCommand",
                        copy_or_null(json_object_get(c->berth, "create_command")));
        json_object_set_string(j, "Umask", "0022");
        json_object_set_int(j, "Timeout", 0);
        json_object_set_int(j, "StopTimeout", ctr_cfg_int(c, "stop_timeout", 10));
        json_object_set_bool(j, "Passwd", true);
        return j;
}

static struct json *strv_field(const struct ctr *c, const char *key)
{
        return copy_or_empty_array(json_object_get(c->berth, key));
}

/* An rlimit as podman shows it: int64, so unlimited (2^64-1) is -1. */
static int64_t rlimit_value(const struct json *v)
{
        uint64_t u;
        if (!v || !json_get_uint(v, &u))
                return 0;
        return (int64_t)u;
}

static struct json *host_config(struct store *s, const struct ctr *c, const struct json *spec)
{
        struct json *h = json_new_object();
        struct json *binds = json_new_array();
        const struct json *m = json_object_get(c->berth, "mounts");
        for (size_t i = 0; m && m->type == JSON_ARRAY && i < m->arr.len; i++) {
                const struct json *x = m->arr.items[i];
                const char *type = json_object_get_string(x, "Type");
                if (!type || !STREQ(type, "bind"))
                        continue;
                json_array_append(
                        binds,
                        json_new_string_take(xasprintf(
                                "%s:%s:%s", json_object_get_string(x, "Source"),
                                json_object_get_string(x, "Destination"),
                                json_object_get_bool(x, "RW", true) ? "rw,rbind" : "ro,rbind")));
        }
        json_object_set(h, "Binds", binds);
        json_object_set_string(h, "CgroupManager", "cgroupfs");
        json_object_set_string(h, "CgroupMode", "host");
        const char *cid = ctr_cfg_string(c, "cidfile");
        json_object_set_string(h, "ContainerIDFile", cid ? cid : "");
        struct json *lc = json_new_object();
        const char *ld = ctr_cfg_string(c, "log_driver");
        json_object_set_string(lc, "Type", ld ? ld : "k8s-file");
        json_object_set(lc, "Config", json_new_null());
        const char *lp = ctr_cfg_string(c, "log_path");
        _cleanup_free_ char *dlp = ctr_gpath(c, "ctr.log");
        json_object_set_string(lc, "Path", lp ? lp : dlp);
        json_object_set_string(lc, "Tag", "");
        json_object_set_string(lc, "Size", "0B");
        json_object_set(h, "LogConfig", lc);
        const char *net = ctr_cfg_string(c, "network");
        json_object_set_string(h, "NetworkMode", net ? net : "none");
        json_object_set(h, "PortBindings", json_new_object());
        struct json *rp = json_new_object();
        const char *restart = ctr_cfg_string(c, "restart");
        _cleanup_free_ char *rname = xstrdup(restart && !STREQ(restart, "no") ? restart : "");
        int64_t rmax = 0;
        char *colon = strchr(rname, ':');
        if (colon) {
                *colon = 0;
                (void)str_to_int64(colon + 1, &rmax);
        }
        json_object_set_string(rp, "Name", rname);
        json_object_set_int(rp, "MaximumRetryCount", rmax);
        json_object_set(h, "RestartPolicy", rp);
        json_object_set_bool(h, "AutoRemove", ctr_cfg_bool(c, "remove"));
        json_object_set_string(h, "VolumeDriver", "");
        json_object_set(h, "VolumesFrom", json_new_null());
        json_object_set(h, "CapAdd", strv_field(c, "cap_add"));
        json_object_set(h, "CapDrop", strv_field(c, "cap_drop"));
        json_object_set(h, "Dns", json_new_array());
        json_object_set(h, "DnsOptions", json_new_array());
        json_object_set(h, "DnsSearch", json_new_array());
        json_object_set(h, "ExtraHosts", strv_field(c, "add_host"));
        json_object_set(h, "GroupAdd", strv_field(c, "group_add"));
        /* podman shows its default, private, as shareable. */
        const char *ipcm = ctr_cfg_string(c, "ipc");
        json_object_set_string(h, "IpcMode", ipcm && !STREQ(ipcm, "private") ? ipcm : "shareable");
        json_object_set_string(h, "Cgroup", "");
        json_object_set_string(h, "Cgroups", "default");
        json_object_set(h, "Links", json_new_null());
        json_object_set_int(h, "OomScoreAdj", ctr_cfg_int(c, "oom_score_adj", 0));
        const char *pidm = ctr_cfg_string(c, "pid");
        json_object_set_string(h, "PidMode", pidm ? pidm : "private");
        json_object_set_bool(h, "Privileged", ctr_cfg_bool(c, "privileged"));
        json_object_set_bool(h, "PublishAllPorts", false);
        json_object_set_bool(h, "ReadonlyRootfs", ctr_cfg_bool(c, "read_only"));
        json_object_set(h, "SecurityOpt", strv_field(c, "security_opt"));
        struct json *tmpfs = json_new_object();
        const struct json *t = json_object_get(c->berth, "tmpfs");
        for (size_t i = 0; t && t->type == JSON_ARRAY && i < t->arr.len; i++) {
                const char *v = t->arr.items[i]->str.s;
                const char *colon2 = strchr(v, ':');
                _cleanup_free_ char *k = colon2 ? xstrndup(v, (size_t)(colon2 - v)) : xstrdup(v);
                json_object_set_string(tmpfs, k, colon2 ? colon2 + 1 : "");
        }
        json_object_set(h, "Tmpfs", tmpfs);
        const char *utsm = ctr_cfg_string(c, "uts");
        json_object_set_string(h, "UTSMode", utsm ? utsm : "private");
        const char *userns = ctr_cfg_string(c, "userns");
        json_object_set_string(h, "UsernsMode", userns ? userns : "");
        json_object_set_int(h, "ShmSize", ctr_cfg_int(c, "shm_size", 65536000));
        json_object_set_string(h, "Runtime", "oci");
        struct json *cs = json_new_array();
        json_array_append(cs, json_new_int(0));
        json_array_append(cs, json_new_int(0));
        json_object_set(h, "ConsoleSize", cs);
        json_object_set_string(h, "Isolation", "");
        json_object_set_int(h, "CpuShares", ctr_cfg_int(c, "cpu_shares", 0));
        json_object_set_int(h, "CpuPeriod", ctr_cfg_int(c, "cpu_period", 0));
        json_object_set_int(h, "CpuQuota", ctr_cfg_int(c, "cpu_quota", 0));
        const char *cscpus = ctr_cfg_string(c, "cpuset_cpus");
        json_object_set_string(h, "CpusetCpus", cscpus ? cscpus : "");
        const char *csmems = ctr_cfg_string(c, "cpuset_mems");
        json_object_set_string(h, "CpusetMems", csmems ? csmems : "");
        json_object_set_int(h, "MemoryReservation", ctr_cfg_int(c, "memory_reservation", 0));
        json_object_set_int(h, "Memory", ctr_cfg_int(c, "memory", 0));
        json_object_set_int(h, "NanoCpus", ctr_cfg_int(c, "nano_cpus", 0));
        const char *cp = ctr_cfg_string(c, "cgroup_parent");
        json_object_set_string(h, "CgroupParent", cp ? cp : "");
        json_object_set(h, "Devices", strv_field(c, "devices"));
        json_object_set_int(h, "MemorySwap", ctr_cfg_int(c, "memory_swap", 0));
        const struct json *pids = json_get_path(spec, "linux.resources.pids.limit");
        json_object_set_int(h, "PidsLimit", pids && pids->type == JSON_INT ? pids->i : 0);
        struct json *ul = json_new_array();
        const struct json *rl = json_get_path(spec, "process.rlimits");
        for (size_t i = 0; rl && rl->type == JSON_ARRAY && i < rl->arr.len; i++) {
                const struct json *x = rl->arr.items[i];
                struct json *o = json_new_object();
                json_object_set_string(o, "Name", json_object_get_string(x, "type"));
                json_object_set_int(o, "Soft", rlimit_value(json_object_get(x, "soft")));
                json_object_set_int(o, "Hard", rlimit_value(json_object_get(x, "hard")));
                json_array_append(ul, o);
        }
        json_object_set(h, "Ulimits", ul);
        (void)s;
        return h;
}

int engine_container_inspect(struct store *s, const char *name, struct json **ret, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        _cleanup_free_ char *cfgp = ctr_gpath(c, "config.json");
        _cleanup_json_ struct json *spec = NULL;
        if (json_parse_file(AT_FDCWD, cfgp, 64u << 20, &spec, NULL) < 0)
                spec = json_new_object();
        struct json *j = json_new_object();
        json_object_set_string(j, "Id", c->id);
        const char *created = ctr_cfg_string(c, "created");
        json_object_set_string(j, "Created",
                               created ? created : json_object_get_string(c->rec, "created"));
        const struct json *args = json_get_path(spec, "process.args");
        const char *path = args && args->type == JSON_ARRAY && args->arr.len &&
                                           args->arr.items[0]->type == JSON_STRING
                                   ? args->arr.items[0]->str.s
                                   : "";
        json_object_set_string(j, "Path", path);
        struct json *rest = json_new_array();
        for (size_t i = 1; args && args->type == JSON_ARRAY && i < args->arr.len; i++)
                json_array_append(rest, json_copy(args->arr.items[i]));
        json_object_set(j, "Args", rest);
        json_object_set(j, "State", state_json(&st, c));
        const char *iid = json_object_get_string(c->rec, "image");
        json_object_set_string(j, "Image", iid ? iid : "");
        const char *iname = ctr_cfg_string(c, "image_name");
        json_object_set_string(j, "ImageName", iname ? iname : "");
        _cleanup_free_ char *mp = ctr_rpath(c, "mounted");
        _cleanup_free_ char *rootfs = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, mp, 4096, &rootfs, &len, NULL) < 0)
                rootfs = NULL;
        json_object_set_string(j, "Rootfs", "");
        json_object_set_string(j, "Pod", "");
        /* podman: no resolv.conf (and an empty path) without a network. */
        const char *netmode = ctr_cfg_string(c, "network");
        json_object_set(j, "ResolvConfPath",
                        !netmode || STREQ(netmode, "none")
                                ? json_new_string("")
                                : json_new_string_take(ctr_rpath(c, "resolv.conf")));
        json_object_set(j, "HostnamePath", json_new_string_take(ctr_rpath(c, "hostname")));
        json_object_set(j, "HostsPath",
                        json_new_string_take(ctr_cfg_bool(c, "no_hosts") ? xstrdup("")
                                                                         : ctr_rpath(c, "hosts")));
        json_object_set_string(j, "StaticDir", c->gdir);
        json_object_set(j, "OCIConfigPath", json_new_string_take(ctr_gpath(c, "config.json")));
        const char *runtime = ctr_cfg_string(c, "runtime");
        json_object_set_string(j, "OCIRuntime", runtime && *runtime ? runtime : "berth");
        json_object_set(j, "ConmonPidFile", json_new_string_take(ctr_rpath(c, "monitor.pid")));
        json_object_set_string(j, "PidFile", "");
        json_object_set_string(j, "Name", c->name);
        json_object_set_int(j, "RestartCount", st.restarts);
        json_object_set_string(j, "Driver", store_driver(s));
        json_object_set_string(j, "MountLabel", "");
        json_object_set_string(j, "ProcessLabel", "");
        json_object_set_string(j, "AppArmorProfile", "");
        json_object_set(j, "EffectiveCaps",
                        copy_or_empty_array(json_get_path(spec, "process.capabilities.effective")));
        json_object_set(j, "BoundingCaps",
                        copy_or_empty_array(json_get_path(spec, "process.capabilities.bounding")));
        json_object_set(j, "ExecIDs", json_new_array());
        json_object_set(j, "GraphDriver", graph_driver(s, c));
        json_object_set(j, "Mounts", copy_or_empty_array(json_object_get(c->berth, "mounts")));
        json_object_set(j, "Dependencies", json_new_array());
        struct json *ns = json_new_object();
        json_object_set_string(ns, "EndpointID", "");
        json_object_set_string(ns, "Gateway", "");
        json_object_set_string(ns, "IPAddress", "");
        json_object_set_int(ns, "IPPrefixLen", 0);
        json_object_set_string(ns, "MacAddress", "");
        json_object_set(ns, "Ports", json_new_object());
        json_object_set_string(ns, "SandboxKey", "");
        json_object_set(j, "NetworkSettings", ns);
        json_object_set_string(j, "Namespace", "");
        json_object_set_bool(j, "IsInfra", false);
        json_object_set_bool(j, "IsService", false);
        json_object_set(j, "Config", config_json(c, spec));
        json_object_set(j, "HostConfig", host_config(s, c, spec));
        ctr_state_done(&st);
        *ret = j;
        return 0;
}
