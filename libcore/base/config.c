/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration loading: containers.conf and the engine settings it gives. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config-internal.h"

static int read_conf_into(struct config *c, const char *path, struct json *merged, struct err *e)
{
        _cleanup_json_ struct json *tree = NULL;
        int r = toml_parse_file(path, &tree, e);
        if (r < 0)
                return r;
        config_merge(merged, tree);
        strv_add(&c->files_read, path);
        return 0;
}

static int read_conf_dir(struct config *c, const char *dir, struct json *merged, struct err *e)
{
        _cleanup_strv_ char **files = config_dropins(dir);
        for (char **f = files; f && *f; f++) {
                int r = read_conf_into(c, *f, merged, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The containers.conf search order of podman 4.3 (containers/common 0.50):
 * CONTAINERS_CONF alone if set; else /usr/share, /etc, /etc .d drop-ins and,
 * rootless, the user's file and its .d. CONTAINERS_CONF_OVERRIDE (newer
 * podman) is read last. */
static int load_containers_conf(const struct config_env *env, struct config *c, struct err *e)
{
        struct json *merged = json_new_object();
        c->containers = merged;
        const char *only = cenv_get(env, "CONTAINERS_CONF");
        int r;
        if (only && *only) {
                struct stat st;
                if (stat(only, &st) < 0)
                        return err_errno(e, "CONTAINERS_CONF file: stat '%s'", only);
                r = read_conf_into(c, only, merged, e);
                if (r < 0)
                        return r;
        } else {
                static const char *const sys[] = {"/usr/share/containers/containers.conf",
                                                  "/etc/containers/containers.conf"};
                for (size_t i = 0; i < ARRAY_SIZE(sys); i++) {
                        _cleanup_free_ char *p = cenv_sys_path(env, sys[i]);
                        if (!fs_exists(p))
                                continue;
                        r = read_conf_into(c, p, merged, e);
                        if (r < 0)
                                return r;
                }
                _cleanup_free_ char *d = cenv_sys_path(env, "/etc/containers/containers.conf.d");
                r = read_conf_dir(c, d, merged, e);
                if (r < 0)
                        return r;
                if (c->user.rootless) {
                        _cleanup_free_ char *home = cenv_config_home(env, &c->user);
                        _cleanup_free_ char *p = xasprintf("%s/containers/containers.conf", home);
                        if (fs_exists(p)) {
                                r = read_conf_into(c, p, merged, e);
                                if (r < 0)
                                        return r;
                        }
                        _cleanup_free_ char *pd = xasprintf("%s.d", p);
                        r = read_conf_dir(c, pd, merged, e);
                        if (r < 0)
                                return r;
                }
        }
        const char *ovr = cenv_get(env, "CONTAINERS_CONF_OVERRIDE");
        if (ovr && *ovr) {
                r = read_conf_into(c, ovr, merged, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

const char *config_get_string(const struct config *c, const char *dotted)
{
        const struct json *v = c->containers ? json_get_path(c->containers, dotted) : NULL;
        return v && v->type == JSON_STRING ? v->str.s : NULL;
}

static bool systemd_booted(const struct config_env *env)
{
        _cleanup_free_ char *p = cenv_sys_path(env, "/run/systemd/system");
        struct stat st;
        return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool cgroup2_unified(const struct config_env *env)
{
        _cleanup_free_ char *p = cenv_sys_path(env, "/sys/fs/cgroup/cgroup.controllers");
        return fs_exists(p);
}

static char *setting(const struct config *c, const char *dotted, const char *override,
                     const char *dflt)
{
        if (override && *override)
                return xstrdup(override);
        const char *v = config_get_string(c, dotted);
        return xstrdup(v && *v ? v : dflt);
}

static void resolve_engine(const struct config_env *env, const struct config_overrides *ovr,
                           struct config *c)
{
        bool systemd = systemd_booted(env);
        /* podman: systemd when booted with it, except rootless on cgroup v1
         * where a user cannot get delegated cgroups. */
        const char *cgm = systemd && !(c->user.rootless && !cgroup2_unified(env)) ? "systemd"
                                                                                  : "cgroupfs";
        c->cgroup_manager = setting(c, "engine.cgroup_manager", ovr ? ovr->cgroup_manager : NULL,
                                    cgm);
        c->runtime = setting(c, "engine.runtime", ovr ? ovr->runtime : NULL, "berth");
        c->events_logger = setting(c, "engine.events_logger", NULL, systemd ? "journald" : "file");
        c->log_driver = setting(c, "containers.log_driver", NULL, "k8s-file");
        c->seccomp_profile = setting(c, "containers.seccomp_profile", NULL,
                                     "/usr/share/containers/seccomp.json");
        if (ovr && ovr->tmpdir && *ovr->tmpdir) {
                c->tmp_dir = xstrdup(ovr->tmpdir);
        } else if (config_get_string(c, "engine.tmp_dir")) {
                c->tmp_dir = config_expand_path(env, &c->user,
                                                config_get_string(c, "engine.tmp_dir"));
        } else if (c->user.rootless) {
                c->tmp_dir = xasprintf("%s/libpod/tmp", c->runtime_dir);
        } else {
                _cleanup_free_ char *p = cenv_sys_path(env, "/run/libpod");
                c->tmp_dir = steal_pointer(&p);
        }
}

/* The overlay mount program the options in effect give, or NULL: the
 * overlay driver takes it under any of these keys, the last one winning. */
static char *mount_program_from(char *const *opts)
{
        static const char *const keys[] = {"overlay.mount_program", "overlay2.mount_program",
                                           ".mount_program"};
        const char *found = NULL;
        for (char *const *o = opts; o && *o; o++) {
                const char *eq = strchr(*o, '=');
                if (!eq)
                        continue;
                for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                        if ((size_t)(eq - *o) == strlen(keys[i]) &&
                            !strncmp(*o, keys[i], strlen(keys[i])))
                                found = eq + 1;
        }
        return found && *found ? xstrdup(found) : NULL;
}

static void apply_storage_overrides(const struct config_overrides *ovr, struct config *c)
{
        if (!ovr)
                return;
        if (ovr->root && *ovr->root) {
                free(c->storage.graphroot);
                c->storage.graphroot = xstrdup(ovr->root);
        }
        if (ovr->runroot && *ovr->runroot) {
                free(c->storage.runroot);
                c->storage.runroot = xstrdup(ovr->runroot);
        }
        if (ovr->storage_driver && *ovr->storage_driver) {
                free(c->storage.driver);
                c->storage.driver = xstrdup(ovr->storage_driver);
        }
        /* --storage-opt replaces the configured options; "" clears them. */
        if (ovr->storage_opts) {
                strv_free(c->storage.options);
                c->storage.options = NULL;
                for (char **o = ovr->storage_opts; *o; o++)
                        if (**o)
                                strv_add(&c->storage.options, *o);
        }
}

int config_load(const struct config_env *env, const struct config_overrides *ovr,
                struct config **ret, struct err *e)
{
        _cleanup_(config_freep) struct config *c = xcalloc(1, sizeof(*c));
        int r;
        if (env && env->user) {
                c->user = *env->user;
                c->user.name = env->user->name ? xstrdup(env->user->name) : NULL;
                c->user.home = xstrdup(env->user->home);
        } else {
                r = user_info_get(&c->user, e);
                if (r < 0)
                        return r;
        }
        if (c->user.rootless) {
                r = config_runtime_dir(env, &c->user, &c->runtime_dir, e);
                if (r < 0)
                        return err_wrap(e, "computing the rootless runtime directory");
        }
        r = load_containers_conf(env, c, e);
        if (r < 0)
                return r;
        r = config_load_storage(env, c, e);
        if (r < 0)
                return r;
        apply_storage_overrides(ovr, c);
        c->storage.mount_program = mount_program_from(c->storage.options);
        c->env = env;
        resolve_engine(env, ovr, c);
        *ret = steal_pointer(&c);
        return 0;
}

int config_registries(struct config *c, struct err *e)
{
        if (c->registries_read)
                return 0;
        int r = config_load_registries(c->env, c, e);
        if (r < 0) {
                registries_conf_done(&c->registries);
                return r;
        }
        c->registries_read = true;
        return 0;
}

void config_free(struct config *c)
{
        if (!c)
                return;
        user_info_done(&c->user);
        free(c->runtime_dir);
        free(c->tmp_dir);
        strv_free(c->files_read);
        json_free(c->containers);
        free(c->storage.driver);
        free(c->storage.graphroot);
        free(c->storage.runroot);
        free(c->storage.rootless_storage_path);
        strv_free(c->storage.options);
        free(c->storage.mount_program);
        free(c->storage.config_file);
        registries_conf_done(&c->registries);
        free(c->cgroup_manager);
        free(c->runtime);
        free(c->events_logger);
        free(c->log_driver);
        free(c->seccomp_profile);
        free(c);
}
