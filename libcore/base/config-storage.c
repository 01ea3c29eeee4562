/* SPDX-License-Identifier: Apache-2.0 */
/* storage.conf: graphroot, runroot, driver and options as containers/storage
 * 1.43 (podman 4.3) computes them, rootless and root. */
#include <errno.h>
#include <string.h>

#include "config-internal.h"

struct storage_file {
        char *driver;
        char *graphroot;
        char *runroot;
        char *rootless_storage_path;
        char **options;
};

static void storage_file_done(struct storage_file *f)
{
        free(f->driver);
        free(f->graphroot);
        free(f->runroot);
        free(f->rootless_storage_path);
        strv_free(f->options);
        memset(f, 0, sizeof(*f));
}

static int get_str(const struct json *t, const char *dotted, const char *file, char **ret,
                   struct err *e)
{
        const struct json *v = json_get_path(t, dotted);
        if (!v)
                return 0;
        if (v->type != JSON_STRING)
                return err_set(e, EINVAL, "%s: %s: expected a string, got %s", file, dotted,
                               json_type_to_string(v->type));
        free(*ret);
        *ret = v->str.len ? xstrdup(v->str.s) : NULL;
        return 0;
}

static int get_strv(const struct json *t, const char *dotted, const char *file, char ***ret,
                    struct err *e)
{
        const struct json *v = json_get_path(t, dotted);
        if (!v)
                return 0;
        if (v->type != JSON_ARRAY)
                return err_set(e, EINVAL, "%s: %s: expected an array of strings", file, dotted);
        for (size_t i = 0; i < v->arr.len; i++) {
                if (v->arr.items[i]->type != JSON_STRING)
                        return err_set(e, EINVAL, "%s: %s: expected an array of strings", file,
                                       dotted);
                strv_add(ret, v->arr.items[i]->str.s);
        }
        return 0;
}

/* Driver options in containers/storage's "<driver>.<key>=<value>" form. */
static void add_option(char ***opts, const char *driver, const char *key, const char *value)
{
        strv_push(opts, xasprintf("%s.%s=%s", driver, key, value));
}

/* containers/storage 1.43's ReloadConfigurationFile: STORAGE_DRIVER replaces
 * the file's driver (option prefixes use that raw name, as Go does), the
 * [storage.options.<driver>] tables only count for the driver in effect,
 * and STORAGE_OPTS, when set at all, replaces every option ("" clears). */
static int read_storage_file(const struct config_env *env, const char *path,
                             struct storage_file *f, struct err *e)
{
        _cleanup_json_ struct json *t = NULL;
        int r = toml_parse_file(path, &t, e);
        if (r < 0)
                return r;
        if ((r = get_str(t, "storage.driver", path, &f->driver, e)) < 0 ||
            (r = get_str(t, "storage.graphroot", path, &f->graphroot, e)) < 0 ||
            (r = get_str(t, "storage.runroot", path, &f->runroot, e)) < 0 ||
            (r = get_str(t, "storage.rootless_storage_path", path, &f->rootless_storage_path,
                         e)) < 0)
                return r;
        const char *env_drv = cenv_get(env, "STORAGE_DRIVER");
        if (env_drv && *env_drv) {
                free(f->driver);
                f->driver = xstrdup(env_drv);
        }
        _cleanup_strv_ char **stores = NULL;
        if ((r = get_strv(t, "storage.options.additionalimagestores", path, &stores, e)) < 0)
                return r;
        for (char **s = stores; s && *s; s++)
                add_option(&f->options, f->driver ? f->driver : "", "imagestore", *s);
        if (f->driver && STREQ(f->driver, "overlay2")) {
                free(f->driver);
                f->driver = xstrdup("overlay");
        }
        if (f->driver && STREQ(f->driver, "overlay")) {
                /* These moved from [storage.options] to [storage.options.overlay];
                 * the old place still counts when the new one is unset (checked
                 * with podman 4.3 for all but size; inodes never had one). */
                static const char *const keys[] = {"ignore_chown_errors", "mount_program",
                                                   "mountopt",            "size",
                                                   "inodes",              "skip_mount_home",
                                                   "force_mask"};
                for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                        _cleanup_free_ char *dotted = xasprintf("storage.options.overlay.%s",
                                                                keys[i]);
                        _cleanup_free_ char *old = xasprintf("storage.options.%s", keys[i]);
                        _cleanup_free_ char *v = NULL;
                        if ((r = get_str(t, dotted, path, &v, e)) < 0)
                                return r;
                        /* The old force_mask is an integer, the new one a string. */
                        if (!v && !STREQ(keys[i], "inodes") && !STREQ(keys[i], "force_mask") &&
                            (r = get_str(t, old, path, &v, e)) < 0)
                                return r;
                        if (v)
                                add_option(&f->options, "overlay", keys[i], v);
                }
        } else if (f->driver && STREQ(f->driver, "vfs")) {
                _cleanup_free_ char *v = NULL;
                if ((r = get_str(t, "storage.options.vfs.ignore_chown_errors", path, &v, e)) < 0)
                        return r;
                if (!v && (r = get_str(t, "storage.options.ignore_chown_errors", path, &v, e)) < 0)
                        return r;
                if (v)
                        add_option(&f->options, "vfs", "ignore_chown_errors", v);
        }
        const char *opts = cenv_get(env, "STORAGE_OPTS");
        if (opts) {
                strv_free(f->options);
                f->options = NULL;
                _cleanup_strv_ char **v = strv_split(opts, ",");
                for (char **o = v; o && *o; o++)
                        if (**o)
                                strv_add(&f->options, *o);
        }
        return 0;
}

static bool is_rootless_driver(const char *d)
{
        return d && (STREQ(d, "overlay") || STREQ(d, "overlay2") || STREQ(d, "vfs") ||
                     STREQ(d, "btrfs"));
}

static char *data_home(const struct config_env *env, const struct user_info *u)
{
        const char *x = cenv_get(env, "XDG_DATA_HOME");
        if (x && *x)
                return xstrdup(x);
        return xasprintf("%s/.local/share", u->home);
}

static int load_rootless(const struct config_env *env, struct config *c, const char *sys_file,
                         const char *env_file, struct err *e)
{
        struct storage_conf *s = &c->storage;
        _cleanup_(storage_file_done) struct storage_file sys = {0};
        int r;
        if (fs_exists(sys_file)) {
                if ((r = read_storage_file(env, sys_file, &sys, e)) < 0)
                        return r;
                /* Read (for its rootless_storage_path) even when a user file
                 * follows; CONTAINERS_STORAGE_CONF is listed once, below. */
                if (!env_file)
                        strv_add(&c->files_read, sys_file);
        }

        /* getRootlessStorageOpts(): only the driver (if usable rootless) and an
         * overlay ignore_chown_errors option survive from the system file. */
        _cleanup_free_ char *dflt_runroot = xasprintf("%s/containers", c->runtime_dir);
        _cleanup_free_ char *dh = data_home(env, &c->user);
        _cleanup_free_ char *dflt_graphroot = sys.rootless_storage_path
                ? config_expand_path(env, &c->user, sys.rootless_storage_path)
                : xasprintf("%s/containers/storage", dh);

        s->runroot = xstrdup(dflt_runroot);
        s->graphroot = xstrdup(dflt_graphroot);
        if (is_rootless_driver(sys.driver))
                s->driver = xstrdup(sys.driver);
        const char *env_drv = cenv_get(env, "STORAGE_DRIVER");
        if (env_drv && *env_drv) {
                free(s->driver);
                s->driver = xstrdup(env_drv);
        }
        if (s->driver && STREQ(s->driver, "overlay2")) {
                free(s->driver);
                s->driver = xstrdup("overlay");
        }
        if (s->driver && STREQ(s->driver, "overlay")) {
                for (char **o = sys.options; o && *o; o++)
                        if (strstr(*o, "ignore_chown_errors")) {
                                strv_add(&s->options, *o);
                                break;
                        }
        }
        /* containers/storage 1.43 gives a rootless user without a driver vfs
         * (checked against podman 4.3 here, even with an overlay dir present). */
        if (!s->driver)
                s->driver = xstrdup("vfs");
        if (env_file) {
                /* podman 4.3, rootless, with CONTAINERS_STORAGE_CONF: the file's
                 * driver (as above) and all its options, but never its graphroot
                 * or runroot: the store is rootless_storage_path or the default,
                 * so podman and berth share it. */
                s->config_file = xstrdup(env_file);
                if (fs_exists(env_file)) {
                        s->config_exists = true;
                        strv_add(&c->files_read, env_file);
                        strv_free(s->options);
                        s->options = steal_pointer(&sys.options);
                        s->rootless_storage_path = steal_pointer(&sys.rootless_storage_path);
                }
                return 0;
        }
        const char *opts = cenv_get(env, "STORAGE_OPTS");
        if (opts && *opts) {
                _cleanup_strv_ char **v = strv_split(opts, ",");
                for (char **o = v; *o; o++)
                        if (**o)
                                strv_add(&s->options, *o);
        }

        _cleanup_free_ char *home = cenv_config_home(env, &c->user);
        _cleanup_free_ char *user_file = xasprintf("%s/containers/storage.conf", home);
        s->config_file = xstrdup(user_file);
        if (fs_exists(user_file)) {
                _cleanup_(storage_file_done) struct storage_file uf = {0};
                r = read_storage_file(env, user_file, &uf, e);
                if (r < 0)
                        return r;
                s->config_exists = true;
                strv_add(&c->files_read, user_file);
                free(s->driver);
                free(s->graphroot);
                free(s->runroot);
                strv_free(s->options);
                s->driver = steal_pointer(&uf.driver);
                s->runroot = uf.runroot ? steal_pointer(&uf.runroot) : xstrdup(dflt_runroot);
                if (uf.graphroot)
                        s->graphroot = steal_pointer(&uf.graphroot);
                else if (uf.rootless_storage_path)
                        s->graphroot = config_expand_path(env, &c->user, uf.rootless_storage_path);
                else
                        s->graphroot = xstrdup(dflt_graphroot);
                s->rootless_storage_path = steal_pointer(&uf.rootless_storage_path);
                s->options = steal_pointer(&uf.options);
        }
        return 0;
}

/* Root: the one system file, if any. Without a file, containers/storage
 * applies neither STORAGE_DRIVER nor STORAGE_OPTS (checked with podman 4.3). */
static int load_root(const struct config_env *env, struct config *c, const char *sys_file,
                     struct err *e)
{
        struct storage_conf *s = &c->storage;
        s->config_file = xstrdup(sys_file);
        s->graphroot = xstrdup("/var/lib/containers/storage");
        s->runroot = xstrdup("/run/containers/storage");
        if (!fs_exists(sys_file))
                return 0;
        _cleanup_(storage_file_done) struct storage_file f = {0};
        int r = read_storage_file(env, sys_file, &f, e);
        if (r == 0) {
                s->config_exists = true;
                strv_add(&c->files_read, sys_file);
                if (f.graphroot) {
                        free(s->graphroot);
                        s->graphroot = steal_pointer(&f.graphroot);
                }
                if (f.runroot) {
                        free(s->runroot);
                        s->runroot = steal_pointer(&f.runroot);
                }
                s->driver = steal_pointer(&f.driver);
                s->rootless_storage_path = steal_pointer(&f.rootless_storage_path);
                s->options = steal_pointer(&f.options);
        }
        return r;
}

int config_load_storage(const struct config_env *env, struct config *c, struct err *e)
{
        struct storage_conf *s = &c->storage;
        const char *env_file = cenv_get(env, "CONTAINERS_STORAGE_CONF");
        if (env_file && !*env_file)
                env_file = NULL;
        _cleanup_free_ char *sys_file = NULL;
        if (env_file) {
                sys_file = xstrdup(env_file);
        } else {
                sys_file = cenv_sys_path(env, "/etc/containers/storage.conf");
                if (!fs_exists(sys_file)) {
                        free(sys_file);
                        sys_file = cenv_sys_path(env, "/usr/share/containers/storage.conf");
                }
        }
        int r = c->user.rootless ? load_rootless(env, c, sys_file, env_file, e)
                                 : load_root(env, c, sys_file, e);
        if (r < 0)
                return r;

        char *g = config_expand_path(env, &c->user, s->graphroot);
        free(s->graphroot);
        s->graphroot = g;
        char *rr = config_expand_path(env, &c->user, s->runroot);
        free(s->runroot);
        s->runroot = rr;
        return 0;
}
