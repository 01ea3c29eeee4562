/* SPDX-License-Identifier: Apache-2.0 */
/* `berth info`: host, store and registry facts, shaped like podman info. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "ctr-internal.h"
#include "engine.h"
#include "storage.h"

extern char **environ;

static const char *const default_caps[] = {
        "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",       "NET_BIND_SERVICE",
        "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT",
};

static struct json *cgroup_controllers(enum cgroup_mode mode, bool rootless)
{
        struct json *arr = json_new_array();
        _cleanup_free_ char *buf = NULL;
        if (mode == CGROUP_UNIFIED) {
                _cleanup_free_ char *path = xstrdup("/sys/fs/cgroup/cgroup.controllers");
                if (rootless) {
                        /* A user sees the controllers delegated to its own cgroup. */
                        _cleanup_free_ char *self = NULL;
                        if (fs_read_file(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &self, NULL,
                                         NULL) == 0 &&
                            str_has_prefix(self, "0::")) {
                                self[strcspn(self, "\n")] = '\0';
                                free(path);
                                path = xasprintf("/sys/fs/cgroup%s/cgroup.controllers", self + 3);
                        }
                }
                if (fs_read_file(AT_FDCWD, path, 1 << 16, &buf, NULL, NULL) < 0)
                        return arr;
                _cleanup_strv_ char **v = strv_split(buf, " \n");
                for (char **c = v; *c; c++)
                        if (**c)
                                json_array_append(arr, json_new_string(*c));
                return arr;
        }
        /* v1: nothing is delegated to users; root has every enabled controller. */
        if (rootless || fs_read_file(AT_FDCWD, "/proc/cgroups", 1 << 16, &buf, NULL, NULL) < 0)
                return arr;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; *l; l++) {
                char name[64];
                unsigned hier, num, enabled;
                if (**l == '#' || sscanf(*l, "%63s %u %u %u", name, &hier, &num, &enabled) != 4)
                        continue;
                if (enabled && hier)
                        json_array_append(arr, json_new_string(name));
        }
        return arr;
}

static struct json *meminfo(struct json *host)
{
        static const struct {
                const char *key, *field;
        } map[] = {{"MemFree:", "memFree"},
                   {"MemTotal:", "memTotal"},
                   {"SwapFree:", "swapFree"},
                   {"SwapTotal:", "swapTotal"}};
        _cleanup_free_ char *buf = NULL;
        if (fs_read_file(AT_FDCWD, "/proc/meminfo", 1 << 20, &buf, NULL, NULL) < 0)
                return host;
        for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
                const char *p = strstr(buf, map[i].key);
                long long kb;
                if (p && sscanf(p + strlen(map[i].key), "%lld", &kb) == 1)
                        json_object_set_int(host, map[i].field, kb * 1024);
        }
        return host;
}

static struct json *uptime_string(void)
{
        _cleanup_free_ char *buf = NULL;
        double up;
        if (fs_read_file(AT_FDCWD, "/proc/uptime", 4096, &buf, NULL, NULL) < 0 ||
            sscanf(buf, "%lf", &up) != 1)
                return json_new_string("");
        long h = (long)(up / 3600);
        long m = (long)((up - h * 3600.0) / 60);
        double s = up - h * 3600.0 - m * 60.0;
        char *str = xasprintf("%ldh %ldm %.2fs", h, m, s);
        return json_new_string_take(str);
}

/* podman's rootless mapping: 0 -> the user, 1.. -> each subordinate range. */
static struct json *id_mappings(const struct config *cfg, const char *file, uid_t id)
{
        if (!cfg->user.rootless)
                return json_new_null();
        struct json *arr = json_new_array();
        struct json *self = json_new_object();
        json_object_set_int(self, "container_id", 0);
        json_object_set_int(self, "host_id", id);
        json_object_set_int(self, "size", 1);
        json_array_append(arr, self);
        _cleanup_free_ struct id_range *ranges = NULL;
        size_t n = 0;
        _cleanup_free_ char *user = user_info_name(&cfg->user);
        if (subid_lookup(file, user, cfg->user.uid, &ranges, &n, NULL) < 0)
                return arr;
        int64_t next = 1;
        for (size_t i = 0; i < n; i++) {
                struct json *m = json_new_object();
                json_object_set_int(m, "container_id", next);
                json_object_set_int(m, "host_id", ranges[i].start);
                json_object_set_int(m, "size", ranges[i].count);
                json_array_append(arr, m);
                next += ranges[i].count;
        }
        return arr;
}

/* The first line(s) of `<runtime> --version`, bounded. */
static char *program_version(const char *path)
{
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return NULL;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        char *argv[] = {(char *)path, (char *)"--version", NULL};
        pid_t pid;
        int r = posix_spawn(&pid, path, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pipefd[1]);
        if (r != 0) {
                close(pipefd[0]);
                return NULL;
        }
        struct sbuf b = {0};
        char buf[4096];
        ssize_t n;
        while ((n = read(pipefd[0], buf, sizeof(buf))) > 0 && b.len < 65536)
                sbuf_append_len(&b, buf, (size_t)n);
        close(pipefd[0]);
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        char *s = sbuf_steal(&b);
        size_t len = strlen(s);
        while (len && s[len - 1] == '\n')
                s[--len] = '\0';
        return s;
}

static char *runtime_path(const struct config *cfg)
{
        /* [engine.runtimes] name = ["/path", ...] lists candidates first. */
        _cleanup_free_ char *dotted = xasprintf("engine.runtimes.%s", cfg->runtime);
        const struct json *paths = json_get_path(cfg->containers, dotted);
        if (paths && paths->type == JSON_ARRAY) {
                for (size_t i = 0; i < paths->arr.len; i++) {
                        const struct json *p = paths->arr.items[i];
                        if (p->type == JSON_STRING && access(p->str.s, X_OK) == 0)
                                return xstrdup(p->str.s);
                }
        }
        return host_find_program(cfg->runtime);
}

static struct json *oci_runtime(const struct config *cfg)
{
        struct json *rt = json_new_object();
        json_object_set_string(rt, "name", cfg->runtime);
        if (STREQ(cfg->runtime, "berth")) {
                /* berth's own runtime runs in-process from the monitor. */
                json_object_set_string(rt, "path", "");
                json_object_set_string(rt, "version", "berth-runtime " BERTH_VERSION);
                return rt;
        }
        _cleanup_free_ char *path = runtime_path(cfg);
        json_object_set_string(rt, "path", path ? path : "");
        _cleanup_free_ char *ver = path ? program_version(path) : NULL;
        json_object_set_string(rt, "version", ver ? ver : "");
        return rt;
}

static struct json *security(const struct config *cfg)
{
        struct json *sec = json_new_object();
        _cleanup_free_ char *aa = NULL;
        bool apparmor = fs_read_file(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", 64, &aa,
                                     NULL, NULL) == 0 &&
                        aa[0] == 'Y';
        json_object_set_bool(sec, "apparmorEnabled", apparmor);
        _cleanup_strv_ char **caps = NULL;
        const struct json *cfg_caps =
                json_get_path(cfg->containers, "containers.default_capabilities");
        if (cfg_caps && cfg_caps->type == JSON_ARRAY) {
                for (size_t i = 0; i < cfg_caps->arr.len; i++) {
                        const struct json *c = cfg_caps->arr.items[i];
                        if (c->type != JSON_STRING)
                                continue;
                        strv_push(&caps, str_has_prefix(c->str.s, "CAP_")
                                                 ? xstrdup(c->str.s)
                                                 : xasprintf("CAP_%s", c->str.s));
                }
        } else {
                for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++)
                        strv_push(&caps, xasprintf("CAP_%s", default_caps[i]));
        }
        _cleanup_free_ char *capstr = strv_join(caps, ",");
        json_object_set_string(sec, "capabilities", capstr);
        json_object_set_bool(sec, "rootless", cfg->user.rootless);
        json_object_set_bool(sec, "seccompEnabled", fs_exists("/proc/self/status"));
        json_object_set_string(sec, "seccompProfilePath", cfg->seccomp_profile);
        json_object_set_bool(sec, "selinuxEnabled", fs_exists("/sys/fs/selinux/enforce"));
        return sec;
}

static struct json *host_info(const struct config *cfg)
{
        struct json *h = json_new_object();
        json_object_set_string(h, "arch", host_go_arch());
        json_object_set_string(h, "cgroupManager", cfg->cgroup_manager);
        enum cgroup_mode mode = CGROUP_LEGACY;
        (void)host_cgroup_mode("/sys/fs/cgroup", &mode, NULL);
        json_object_set_string(h, "cgroupVersion", mode == CGROUP_UNIFIED ? "v2" : "v1");
        json_object_set_string(h, "cgroupMode", cgroup_mode_to_string(mode));
        json_object_set(h, "cgroupControllers", cgroup_controllers(mode, cfg->user.rootless));
        json_object_set_int(h, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
        struct json *dist = json_new_object();
        static const char *const osr[][2] = {{"distribution", "ID"},
                                             {"version", "VERSION_ID"},
                                             {"codename", "VERSION_CODENAME"}};
        for (size_t i = 0; i < ARRAY_SIZE(osr); i++) {
                char *v = host_os_release(osr[i][1]);
                json_object_set(dist, osr[i][0], json_new_string_take(v ? v : xstrdup("")));
        }
        json_object_set(h, "distribution", dist);
        json_object_set_string(h, "eventLogger", cfg->events_logger);
        char hn[256] = "";
        (void)gethostname(hn, sizeof(hn) - 1);
        json_object_set_string(h, "hostname", hn);
        struct json *idm = json_new_object();
        json_object_set(idm, "gidmap", id_mappings(cfg, "/etc/subgid", cfg->user.gid));
        json_object_set(idm, "uidmap", id_mappings(cfg, "/etc/subuid", cfg->user.uid));
        json_object_set(h, "idMappings", idm);
        struct utsname u;
        json_object_set_string(h, "kernel", uname(&u) == 0 ? u.release : "");
        json_object_set_string(h, "logDriver", cfg->log_driver);
        meminfo(h);
        json_object_set(h, "ociRuntime", oci_runtime(cfg));
        json_object_set_string(h, "os", "linux");
        json_object_set(h, "security", security(cfg));
        json_object_set(h, "uptime", uptime_string());
        return h;
}

static struct json *store_info(const struct config *cfg, const char *driver)
{
        const struct storage_conf *sc = &cfg->storage;
        struct json *s = json_new_object();
        json_object_set_string(s, "configFile", sc->config_file);
        json_object_set_string(s, "graphDriverName", driver);
        struct json *opts = json_new_object();
        for (char **o = sc->options; o && *o; o++) {
                const char *eq = strchr(*o, '=');
                _cleanup_free_ char *k = eq ? xstrndup(*o, (size_t)(eq - *o)) : xstrdup(*o);
                json_object_set_string(opts, k, eq ? eq + 1 : "");
        }
        json_object_set(s, "graphOptions", opts);
        json_object_set_string(s, "graphRoot", sc->graphroot);
        json_object_set(s, "graphStatus", storage_driver_status(driver, sc->graphroot));
        const char *tmp = config_get_string(cfg, "engine.image_copy_tmp_dir");
        json_object_set_string(s, "imageCopyTmpDir", tmp ? tmp : "/var/tmp");
        json_object_set_string(s, "runRoot", sc->runroot);
        return s;
}

static struct json *registries_info(const struct config *cfg)
{
        const struct registries_conf *rc = &cfg->registries;
        struct json *r = json_new_object();
        for (size_t i = 0; i < rc->n_registries; i++) {
                const struct registry_entry *re = &rc->registries[i];
                struct json *o = json_new_object();
                json_object_set_string(o, "Prefix", re->prefix);
                json_object_set_string(o, "Location", re->location);
                json_object_set_bool(o, "Insecure", re->insecure);
                struct json *mirrors = json_new_array();
                for (size_t m = 0; m < re->n_mirrors; m++) {
                        struct json *mo = json_new_object();
                        json_object_set_string(mo, "Location", re->mirrors[m].location);
                        json_object_set_bool(mo, "Insecure", re->mirrors[m].insecure);
                        json_array_append(mirrors, mo);
                }
                json_object_set(o, "Mirrors", mirrors);
                json_object_set_bool(o, "Blocked", re->blocked);
                json_object_set_bool(o, "MirrorByDigestOnly", re->mirror_by_digest_only);
                json_object_set(r, re->prefix, o);
        }
        if (rc->search && rc->search[0])
                json_object_set(r, "search", json_new_strv(rc->search));
        return r;
}

/* Image and container counts and the volume path, as podman info shows
 * them; berth counts only its own containers, by state, and its volumes
 * live in <graphroot>/berth/volumes. The keys are put in podman's order. */
static void store_counts(const struct config *cfg, struct json *store)
{
        _cleanup_(store_freep) struct store *s = NULL;
        _cleanup_json_ struct json *images = NULL;
        if (engine_store_open(cfg, &s, NULL) < 0 || store_images(s, &images, NULL) < 0)
                return;
        struct ctr **all = NULL;
        size_t n = 0;
        int64_t running = 0, paused = 0, stopped = 0;
        if (ctr_list_all(s, &all, &n, NULL) == 0) {
                for (size_t i = 0; i < n; i++) {
                        struct ctr_state st;
                        if (ctr_state_get(s, all[i], &st, NULL) < 0) {
                                stopped++;
                                continue;
                        }
                        running += st.status == CTR_RUNNING;
                        paused += st.status == CTR_PAUSED;
                        stopped += st.status != CTR_RUNNING && st.status != CTR_PAUSED;
                        ctr_state_done(&st);
                }
                ctr_list_free(all, n);
        }
        struct json *cs = json_new_object();
        json_object_set_int(cs, "number", (int64_t)n);
        json_object_set_int(cs, "paused", paused);
        json_object_set_int(cs, "running", running);
        json_object_set_int(cs, "stopped", stopped);
        struct json *is = json_new_object();
        json_object_set_int(is, "number", (int64_t)images->arr.len);
        struct json *vp = json_new_string_take(xasprintf("%s/berth/volumes", store_graphroot(s)));
        /* podman's order: configFile, containerStore, graphDriverName, ...,
         * imageCopyTmpDir, imageStore, runRoot, volumePath. */
        _cleanup_json_ struct json *old = json_copy(store);
        while (store->obj.len)
                json_object_remove(store, store->obj.keys[0]);
        for (size_t i = 0; i < old->obj.len; i++) {
                const char *k = old->obj.keys[i];
                json_object_set(store, k, json_copy(old->obj.vals[i]));
                if (STREQ(k, "configFile"))
                        json_object_set(store, "containerStore", cs);
                else if (STREQ(k, "imageCopyTmpDir"))
                        json_object_set(store, "imageStore", is);
        }
        if (!json_object_get(store, "containerStore"))
                json_object_set(store, "containerStore", cs);
        if (!json_object_get(store, "imageStore"))
                json_object_set(store, "imageStore", is);
        json_object_set(store, "volumePath", vp);
}

int engine_info(struct config *cfg, struct json **ret, struct err *e)
{
        int r = config_registries(cfg, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *driver = NULL;
        r = storage_driver_choose(&cfg->storage, &driver, e);
        if (r < 0)
                return err_wrap(e, "choosing the storage driver");
        struct json *info = json_new_object();
        json_object_set(info, "host", host_info(cfg));
        struct json *store = store_info(cfg, driver);
        store_counts(cfg, store);
        json_object_set(info, "store", store);
        json_object_set(info, "registries", registries_info(cfg));
        struct json *v = engine_version();
        json_object_set(info, "version", json_copy(json_object_get(v, "Client")));
        json_free(v);
        json_object_set(info, "configFiles", json_new_strv(cfg->files_read));
        *ret = info;
        return 0;
}
