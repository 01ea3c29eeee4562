/* SPDX-License-Identifier: Apache-2.0 */
/* Configuration precedence (config.c, config-paths.c, config-storage.c,
 * config-registries.c) pinned with real files in a temporary root: every
 * /etc, /usr/share and /run path resolves under root_prefix, the process
 * environment is replaced by a table, and the user is a fake one. */
#include <limits.h>
#include <pwd.h>
#include <sys/stat.h>

#include "unit.h"

#include "config-internal.h"

/* ---- fixture ---- */

#define MAX_VARS 32

struct fx {
        char *tmp;  /* the root prefix */
        char *home; /* the fake user's home */
        const char *names[MAX_VARS];
        char *vals[MAX_VARS];
        size_t n_vars;
        struct user_info user;
        struct config_env env;
        char **paths; /* allocated by P(), freed at teardown */
};

static const char *fake_getenv(const char *name, void *userdata)
{
        const struct fx *f = userdata;
        for (size_t i = 0; i < f->n_vars; i++)
                if (STREQ(f->names[i], name))
                        return f->vals[i];
        return NULL;
}

/* Set (value != NULL) or unset a variable of the fake environment. */
static void setenv_fx(struct fx *f, const char *name, const char *value)
{
        for (size_t i = 0; i < f->n_vars; i++) {
                if (!STREQ(f->names[i], name))
                        continue;
                free(f->vals[i]);
                if (value) {
                        f->vals[i] = xstrdup(value);
                } else {
                        f->n_vars--;
                        f->names[i] = f->names[f->n_vars];
                        f->vals[i] = f->vals[f->n_vars];
                }
                return;
        }
        if (!value)
                return;
        assert_true(f->n_vars < MAX_VARS);
        f->names[f->n_vars] = name;
        f->vals[f->n_vars++] = xstrdup(value);
}

/* An absolute path under the temporary root; owned by the fixture. */
static const char *P(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *P(struct fx *f, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        char *rel = xvasprintf(fmt, ap);
        va_end(ap);
        char *p = xasprintf("%s%s%s", f->tmp, rel[0] == '/' ? "" : "/", rel);
        free(rel);
        strv_push(&f->paths, p);
        return p;
}

static void mkdirs(const char *path)
{
        struct err e = {0};
        if (fs_mkdir_p(path, 0755, &e) < 0)
                fail_msg("mkdir -p %s: %s", path, e.msg);
}

/* Write a file (creating its directory); returns its path. */
static const char *put(struct fx *f, const char *rel, const char *content)
{
        const char *p = P(f, "%s", rel);
        char *dir = xstrdup(p);
        *strrchr(dir, '/') = '\0';
        mkdirs(dir);
        free(dir);
        FILE *fp = fopen(p, "we");
        assert_non_null(fp);
        assert_int_equal(fputs(content, fp) >= 0, 1);
        assert_int_equal(fclose(fp), 0);
        return p;
}

static void rm(struct fx *f, const char *rel)
{
        assert_int_equal(unlink(P(f, "%s", rel)), 0);
}

static struct fx *fx_new(bool rootless)
{
        struct fx *f = xcalloc(1, sizeof(*f));
        f->tmp = unit_tmpdir();
        f->home = xasprintf("%s/home", f->tmp);
        mkdirs(f->home);
        f->user.uid = rootless ? 4242 : 0;
        f->user.gid = rootless ? 4242 : 0;
        f->user.rootless = rootless;
        f->user.name = (char *)(rootless ? "alice" : "root");
        f->user.home = f->home;
        f->env.getenv = fake_getenv;
        f->env.userdata = f;
        f->env.root_prefix = f->tmp;
        f->env.user = &f->user;
        if (rootless) {
                /* A runtime dir by default; the tests of its fallbacks unset it. */
                const char *xdg = P(f, "/xdg");
                mkdirs(xdg);
                assert_int_equal(chmod(xdg, 0700), 0);
                setenv_fx(f, "XDG_RUNTIME_DIR", xdg);
        }
        return f;
}

static int setup_root(void **state)
{
        *state = fx_new(false);
        return 0;
}

static int setup_rootless(void **state)
{
        *state = fx_new(true);
        return 0;
}

static int teardown(void **state)
{
        struct fx *f = *state;
        unit_rmtree(f->tmp);
        for (size_t i = 0; i < f->n_vars; i++)
                free(f->vals[i]);
        strv_free(f->paths);
        free(f->home);
        free(f->tmp);
        free(f);
        return 0;
}

/* ---- helpers ---- */

static struct config *load_ovr(struct fx *f, const struct config_overrides *ovr)
{
        struct config *c = NULL;
        struct err e = {0};
        if (config_load(&f->env, ovr, &c, &e) < 0 || config_registries(c, &e) < 0)
                fail_msg("config_load failed: %s", e.msg ? e.msg : "(no message)");
        assert_non_null(c);
        err_done(&e);
        return c;
}

static struct config *load(struct fx *f)
{
        return load_ovr(f, NULL);
}

/* config_load must fail with code; returns the message (owned). */
static char *load_fail(struct fx *f, int code)
{
        struct config *c = NULL;
        struct err e = {0};
        int r = config_load(&f->env, NULL, &c, &e);
        /* registries.conf is read when first used: its errors come then. */
        if (r >= 0 && (r = config_registries(c, &e)) < 0)
                config_free(steal_pointer(&c));
        if (r >= 0) {
                config_free(c);
                fail_msg("config_load succeeded where it should fail");
        }
        assert_null(c);
        assert_int_equal(r, -code);
        assert_int_equal(e.code, code);
        assert_non_null(e.msg);
        return e.msg;
}

static void assert_contains(const char *haystack, const char *needle)
{
        if (!haystack || !strstr(haystack, needle))
                fail_msg("'%s' does not contain '%s'", haystack ? haystack : "(null)", needle);
}

/* msg must start with "<path>:<line>:<col>: " (col any positive number). */
static void assert_position(const char *msg, const char *path, unsigned line)
{
        char *prefix = xasprintf("%s:%u:", path, line);
        if (!str_has_prefix(msg, prefix))
                fail_msg("'%s' does not start with '%s<col>: '", msg, prefix);
        const char *p = msg + strlen(prefix);
        size_t digits = strspn(p, "0123456789");
        if (digits == 0 || p[digits] != ':' || p[digits + 1] != ' ' || !p[digits + 2])
                fail_msg("'%s' has no '<col>: ' after '%s'", msg, prefix);
        assert_true(strtoul(p, NULL, 10) >= 1);
        free(prefix);
}

/* Compare a string vector with the NULL-terminated list of expectations. */
static void assert_strv_(char *const *v, const char *what, ...)
{
        va_list ap;
        va_start(ap, what);
        size_t i = 0;
        for (const char *want; (want = va_arg(ap, const char *)); i++) {
                if (!v || !v[i])
                        fail_msg("%s: missing element %zu '%s'", what, i, want);
                if (!STREQ(v[i], want))
                        fail_msg("%s[%zu]: got '%s', want '%s'", what, i, v[i], want);
        }
        va_end(ap);
        if (v && v[i])
                fail_msg("%s: unexpected element %zu '%s'", what, i, v[i]);
}
#define assert_strv(v, ...) assert_strv_((v), #v, __VA_ARGS__, (const char *)NULL)
#define assert_strv_empty(v) assert_strv_((v), #v, (const char *)NULL)

static const struct registry_entry *find_registry(const struct config *c, const char *prefix)
{
        for (size_t i = 0; i < c->registries.n_registries; i++)
                if (STREQ(c->registries.registries[i].prefix, prefix))
                        return &c->registries.registries[i];
        return NULL;
}

static char *realpath_dup(const char *p)
{
        char buf[PATH_MAX];
        assert_non_null(realpath(p, buf));
        return xstrdup(buf);
}

/* ======================================================================
 * storage.conf, root
 * ====================================================================== */

static void test_root_defaults(void **state)
{
        struct fx *f = *state;
        struct config *c = load(f);
        assert_false(c->user.rootless);
        assert_string_equal(c->storage.graphroot, "/var/lib/containers/storage");
        assert_string_equal(c->storage.runroot, "/run/containers/storage");
        assert_null(c->storage.driver);
        assert_string_equal(c->storage.config_file, P(f, "/usr/share/containers/storage.conf"));
        assert_false(c->storage.config_exists);
        assert_strv_empty(c->storage.options);
        assert_null(c->storage.mount_program);
        assert_null(c->storage.rootless_storage_path);
        assert_strv_empty(c->files_read);
        assert_null(c->runtime_dir);
        assert_true(str_has_suffix(c->tmp_dir, "/run/libpod"));
        assert_string_equal(c->cgroup_manager, "cgroupfs");
        assert_string_equal(c->runtime, "berth");
        assert_string_equal(c->events_logger, "file");
        assert_string_equal(c->log_driver, "k8s-file");
        assert_string_equal(c->seccomp_profile, "/usr/share/containers/seccomp.json");
        assert_null(c->registries.search);
        assert_int_equal(c->registries.n_registries, 0);
        assert_null(c->registries.short_name_mode);
        assert_non_null(c->containers);
        assert_int_equal(c->containers->obj.len, 0);
        assert_null(config_get_string(c, "engine.runtime"));
        config_free(c);

        /* Without a storage.conf, containers/storage applies neither
         * STORAGE_DRIVER nor STORAGE_OPTS for root (podman 4.3 checked). */
        setenv_fx(f, "STORAGE_DRIVER", "vfs");
        setenv_fx(f, "STORAGE_OPTS", "vfs.ignore_chown_errors=true");
        c = load(f);
        assert_null(c->storage.driver);
        assert_strv_empty(c->storage.options);
        assert_false(c->storage.config_exists);
        config_free(c);
}

static void test_root_etc_wins_over_usr_share(void **state)
{
        struct fx *f = *state;
        const char *usr = put(f, "/usr/share/containers/storage.conf",
                              "[storage]\n"
                              "driver = \"vfs\"\n"
                              "graphroot = \"/usr-share/graph\"\n"
                              "runroot = \"/usr-share/run\"\n"
                              "[storage.options]\n"
                              "additionalimagestores = [\"/usr-share/store\"]\n");
        const char *etc = put(f, "/etc/containers/storage.conf",
                              "[storage]\n"
                              "driver = \"overlay\"\n"
                              "graphroot = \"/etc/graph\"\n");
        struct config *c = load(f);
        /* Only /etc is read: nothing of /usr/share leaks in (runroot default). */
        assert_string_equal(c->storage.driver, "overlay");
        assert_string_equal(c->storage.graphroot, "/etc/graph");
        assert_string_equal(c->storage.runroot, "/run/containers/storage");
        assert_strv_empty(c->storage.options);
        assert_string_equal(c->storage.config_file, etc);
        assert_true(c->storage.config_exists);
        assert_strv(c->files_read, etc);
        config_free(c);

        rm(f, "/etc/containers/storage.conf");
        c = load(f);
        assert_string_equal(c->storage.driver, "vfs");
        assert_string_equal(c->storage.graphroot, "/usr-share/graph");
        assert_string_equal(c->storage.runroot, "/usr-share/run");
        assert_strv(c->storage.options, "vfs.imagestore=/usr-share/store");
        assert_string_equal(c->storage.config_file, usr);
        assert_true(c->storage.config_exists);
        assert_strv(c->files_read, usr);
        config_free(c);
}

static void test_root_env_storage_conf(void **state)
{
        struct fx *f = *state;
        put(f, "/usr/share/containers/storage.conf", "[storage]\ndriver = \"vfs\"\n");
        put(f, "/etc/containers/storage.conf",
            "[storage]\ndriver = \"overlay\"\nrunroot = \"/etc/run\"\n");
        const char *custom = put(f, "/custom/storage.conf",
                                 "[storage]\n"
                                 "driver = \"vfs\"\n"
                                 "graphroot = \"/custom/graph\"\n");
        setenv_fx(f, "CONTAINERS_STORAGE_CONF", custom);
        struct config *c = load(f);
        assert_string_equal(c->storage.driver, "vfs");
        assert_string_equal(c->storage.graphroot, "/custom/graph");
        assert_string_equal(c->storage.runroot, "/run/containers/storage");
        assert_string_equal(c->storage.config_file, custom);
        assert_true(c->storage.config_exists);
        assert_strv(c->files_read, custom);
        config_free(c);

        /* An empty value is as good as unset. */
        setenv_fx(f, "CONTAINERS_STORAGE_CONF", "");
        c = load(f);
        assert_string_equal(c->storage.driver, "overlay");
        assert_string_equal(c->storage.runroot, "/etc/run");
        config_free(c);
}

static void test_root_storage_options(void **state)
{
        struct fx *f = *state;
        put(f, "/etc/containers/storage.conf",
            "[storage]\n"
            "driver = \"overlay\"\n"
            "[storage.options]\n"
            "additionalimagestores = [\"/is1\", \"/is2\"]\n"
            "[storage.options.overlay]\n"
            "mount_program = \"/usr/bin/fuse-overlayfs\"\n"
            "mountopt = \"nodev\"\n"
            "[storage.options.vfs]\n"
            "ignore_chown_errors = \"true\"\n");
        struct config *c = load(f);
        assert_string_equal(c->storage.driver, "overlay");
        assert_strv(c->storage.options, "overlay.imagestore=/is1", "overlay.imagestore=/is2",
                    "overlay.mount_program=/usr/bin/fuse-overlayfs", "overlay.mountopt=nodev");
        assert_string_equal(c->storage.mount_program, "/usr/bin/fuse-overlayfs");
        config_free(c);

        /* STORAGE_DRIVER replaces the file's driver; the overlay table no
         * longer applies and the image stores take the new driver's name. */
        setenv_fx(f, "STORAGE_DRIVER", "vfs");
        c = load(f);
        assert_string_equal(c->storage.driver, "vfs");
        assert_strv(c->storage.options, "vfs.imagestore=/is1", "vfs.imagestore=/is2",
                    "vfs.ignore_chown_errors=true");
        assert_null(c->storage.mount_program);
        config_free(c);
        setenv_fx(f, "STORAGE_DRIVER", NULL);

        /* With a storage.conf read, STORAGE_OPTS (split at commas) replaces
         * the file's options, as containers/storage 1.43 does (podman 4.3
         * checked), and a set-but-empty STORAGE_OPTS clears them. */
        setenv_fx(f, "STORAGE_OPTS", "overlay.size=10G,overlay.inodes=100");
        c = load(f);
        assert_string_equal(c->storage.driver, "overlay");
        assert_strv(c->storage.options, "overlay.size=10G", "overlay.inodes=100");
        assert_null(c->storage.mount_program);
        config_free(c);

        setenv_fx(f, "STORAGE_OPTS", "overlay.mount_program=/bin/other");
        c = load(f);
        assert_strv(c->storage.options, "overlay.mount_program=/bin/other");
        assert_string_equal(c->storage.mount_program, "/bin/other");
        config_free(c);

        setenv_fx(f, "STORAGE_OPTS", "");
        c = load(f);
        assert_strv_empty(c->storage.options);
        config_free(c);
}

static void test_root_overlay2_and_deprecated_keys(void **state)
{
        struct fx *f = *state;
        /* overlay2 is overlay; image stores keep the configured name as
         * containers/storage prints them; the deprecated [storage.options]
         * mount_program still counts when the overlay table lacks one. */
        put(f, "/etc/containers/storage.conf",
            "[storage]\n"
            "driver = \"overlay2\"\n"
            "[storage.options]\n"
            "additionalimagestores = [\"/is\"]\n"
            "mount_program = \"/old/fuse-overlayfs\"\n");
        struct config *c = load(f);
        assert_string_equal(c->storage.driver, "overlay");
        assert_strv(c->storage.options, "overlay2.imagestore=/is",
                    "overlay.mount_program=/old/fuse-overlayfs");
        assert_string_equal(c->storage.mount_program, "/old/fuse-overlayfs");
        config_free(c);

        put(f, "/etc/containers/storage.conf",
            "[storage]\n"
            "driver = \"overlay\"\n"
            "[storage.options]\n"
            "mount_program = \"/old/fuse-overlayfs\"\n"
            "[storage.options.overlay]\n"
            "mount_program = \"/new/fuse-overlayfs\"\n");
        c = load(f);
        assert_strv(c->storage.options, "overlay.mount_program=/new/fuse-overlayfs");
        assert_string_equal(c->storage.mount_program, "/new/fuse-overlayfs");
        config_free(c);

        /* No driver: the overlay table has no driver to apply to. */
        put(f, "/etc/containers/storage.conf",
            "[storage]\n"
            "graphroot = \"/g\"\n"
            "[storage.options.overlay]\n"
            "mount_program = \"/usr/bin/fuse-overlayfs\"\n");
        c = load(f);
        assert_null(c->storage.driver);
        assert_string_equal(c->storage.graphroot, "/g");
        assert_strv_empty(c->storage.options);
        assert_null(c->storage.mount_program);
        config_free(c);

        /* An empty driver string is no driver. */
        put(f, "/etc/containers/storage.conf", "[storage]\ndriver = \"\"\n");
        c = load(f);
        assert_null(c->storage.driver);
        config_free(c);
}

static void test_storage_expand_paths(void **state)
{
        struct fx *f = *state;
        setenv_fx(f, "BASE", "/srv");
        put(f, "/etc/containers/storage.conf",
            "[storage]\n"
            "driver = \"vfs\"\n"
            "graphroot = \"${BASE}/graph/$UID\"\n"
            "runroot = \"$HOME/run\"\n");
        struct config *c = load(f);
        assert_string_equal(c->storage.graphroot, "/srv/graph/0");
        char *want = xasprintf("%s/run", f->home);
        assert_string_equal(c->storage.runroot, want);
        free(want);
        config_free(c);
}

static void test_storage_type_errors(void **state)
{
        struct fx *f = *state;
        const char *p = put(f, "/etc/containers/storage.conf", "[storage]\ndriver = 3\n");
        char *msg = load_fail(f, EINVAL);
        assert_contains(msg, p);
        assert_contains(msg, "storage.driver");
        assert_contains(msg, "string");
        free(msg);

        put(f, "/etc/containers/storage.conf",
            "[storage]\ndriver = \"vfs\"\n[storage.options]\nadditionalimagestores = \"/x\"\n");
        msg = load_fail(f, EINVAL);
        assert_contains(msg, p);
        assert_contains(msg, "additionalimagestores");
        free(msg);

        put(f, "/etc/containers/storage.conf",
            "[storage]\ndriver = \"overlay\"\n[storage.options.overlay]\nmount_program = true\n");
        msg = load_fail(f, EINVAL);
        assert_contains(msg, "mount_program");
        free(msg);
}

static void test_storage_malformed(void **state)
{
        struct fx *f = *state;
        const char *p = put(f, "/etc/containers/storage.conf",
                            "[storage]\n"
                            "driver = \"overlay\"\n"
                            "runroot = \n"
                            "graphroot = \"/g\"\n");
        char *msg = load_fail(f, EINVAL);
        assert_position(msg, p, 3);
        free(msg);

        /* The fallback file is checked the same way. */
        rm(f, "/etc/containers/storage.conf");
        p = put(f, "/usr/share/containers/storage.conf",
                "# comment\n"
                "[storage]\n"
                "driver = \"overlay\n");
        msg = load_fail(f, EINVAL);
        assert_position(msg, p, 3);
        free(msg);
}

/* ======================================================================
 * Overrides (the CLI's global flags)
 * ====================================================================== */

static void test_overrides(void **state)
{
        struct fx *f = *state;
        put(f, "/etc/containers/storage.conf",
            "[storage]\n"
            "driver = \"vfs\"\n"
            "graphroot = \"/file/graph\"\n"
            "runroot = \"/file/run\"\n"
            "[storage.options]\n"
            "additionalimagestores = [\"/is\"]\n");
        put(f, "/etc/containers/containers.conf",
            "[engine]\n"
            "runtime = \"crun\"\n"
            "cgroup_manager = \"systemd\"\n"
            "tmp_dir = \"/file/tmp\"\n");
        setenv_fx(f, "STORAGE_DRIVER", "vfs");

        struct config *c = load(f);
        assert_string_equal(c->runtime, "crun");
        assert_string_equal(c->cgroup_manager, "systemd");
        assert_string_equal(c->tmp_dir, "/file/tmp");
        assert_strv(c->storage.options, "vfs.imagestore=/is");
        config_free(c);

        char *opts[] = {"overlay.mount_program=/bin/fuse", "overlay.mountopt=nodev", NULL};
        struct config_overrides ovr = {
                .root = "/flag/graph",
                .runroot = "/flag/run",
                .storage_driver = "overlay",
                .storage_opts = opts,
                .runtime = "runc",
                .cgroup_manager = "cgroupfs",
                .tmpdir = "/flag/tmp",
        };
        c = load_ovr(f, &ovr);
        assert_string_equal(c->storage.graphroot, "/flag/graph");
        assert_string_equal(c->storage.runroot, "/flag/run");
        assert_string_equal(c->storage.driver, "overlay");
        assert_strv(c->storage.options, "overlay.mount_program=/bin/fuse",
                    "overlay.mountopt=nodev");
        assert_string_equal(c->storage.mount_program, "/bin/fuse");
        assert_string_equal(c->runtime, "runc");
        assert_string_equal(c->cgroup_manager, "cgroupfs");
        assert_string_equal(c->tmp_dir, "/flag/tmp");
        config_free(c);

        /* An empty-but-non-NULL vector clears the options; so does "". */
        char *none[] = {NULL};
        struct config_overrides clear = {.storage_opts = none};
        c = load_ovr(f, &clear);
        assert_strv_empty(c->storage.options);
        assert_string_equal(c->storage.graphroot, "/file/graph");
        assert_string_equal(c->storage.driver, "vfs");
        config_free(c);
        char *empty[] = {"", NULL};
        clear.storage_opts = empty;
        c = load_ovr(f, &clear);
        assert_strv_empty(c->storage.options);
        config_free(c);

        /* Empty strings and NULL vectors leave everything alone. */
        struct config_overrides blank = {.root = "",
                                         .runroot = "",
                                         .storage_driver = "",
                                         .runtime = "",
                                         .cgroup_manager = "",
                                         .tmpdir = ""};
        c = load_ovr(f, &blank);
        assert_string_equal(c->storage.graphroot, "/file/graph");
        assert_string_equal(c->storage.runroot, "/file/run");
        assert_string_equal(c->storage.driver, "vfs");
        assert_strv(c->storage.options, "vfs.imagestore=/is");
        assert_string_equal(c->runtime, "crun");
        assert_string_equal(c->cgroup_manager, "systemd");
        assert_string_equal(c->tmp_dir, "/file/tmp");
        config_free(c);
}

/* ======================================================================
 * storage.conf and runtime dir, rootless
 * ====================================================================== */

static void test_rootless_xdg_runtime_dir(void **state)
{
        struct fx *f = *state;
        /* XDG_RUNTIME_DIR is resolved. */
        const char *xdg = P(f, "/xdg");
        const char *link = P(f, "/xdg-link");
        assert_int_equal(symlink(xdg, link), 0);
        setenv_fx(f, "XDG_RUNTIME_DIR", link);
        char *real = realpath_dup(xdg);
        char *runroot = xasprintf("%s/containers", real);
        char *tmp_dir = xasprintf("%s/libpod/tmp", real);
        char *graphroot = xasprintf("%s/.local/share/containers/storage", f->home);
        char *user_conf = xasprintf("%s/.config/containers/storage.conf", f->home);

        struct config *c = load(f);
        assert_true(c->user.rootless);
        assert_int_equal(c->user.uid, 4242);
        assert_string_equal(c->runtime_dir, real);
        assert_string_equal(c->storage.runroot, runroot);
        assert_string_equal(c->tmp_dir, tmp_dir);
        assert_string_equal(c->storage.graphroot, graphroot);
        /* containers/storage 1.43: vfs without a configured driver. */
        assert_string_equal(c->storage.driver, "vfs");
        assert_strv_empty(c->storage.options);
        assert_string_equal(c->storage.config_file, user_conf);
        assert_false(c->storage.config_exists);
        assert_strv_empty(c->files_read);
        config_free(c);

        /* XDG_DATA_HOME moves the graphroot. */
        setenv_fx(f, "XDG_DATA_HOME", P(f, "/data"));
        c = load(f);
        assert_string_equal(c->storage.graphroot, P(f, "/data/containers/storage"));
        config_free(c);

        /* Without any file, STORAGE_DRIVER and STORAGE_OPTS (appended) apply. */
        setenv_fx(f, "STORAGE_DRIVER", "overlay2");
        setenv_fx(f, "STORAGE_OPTS", "overlay.mountopt=nodev,,overlay.size=1G");
        c = load(f);
        assert_string_equal(c->storage.driver, "overlay");
        assert_strv(c->storage.options, "overlay.mountopt=nodev", "overlay.size=1G");
        config_free(c);

        free(real);
        free(runroot);
        free(tmp_dir);
        free(graphroot);
        free(user_conf);
}

static void test_rootless_runtime_dir_fallbacks(void **state)
{
        struct fx *f = *state;
        setenv_fx(f, "XDG_RUNTIME_DIR", NULL);
        /* No <prefix>/run/user: $TMPDIR/podman-run-UID, created 0700. */
        setenv_fx(f, "TMPDIR", P(f, "/t"));
        const char *want = P(f, "/t/podman-run-4242");
        struct config *c = load(f);
        assert_string_equal(c->runtime_dir, want);
        struct stat st;
        assert_int_equal(stat(want, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_string_equal(c->storage.runroot, P(f, "/t/podman-run-4242/containers"));
        assert_string_equal(c->tmp_dir, P(f, "/t/podman-run-4242/libpod/tmp"));
        config_free(c);

        /* A usable /run/user/UID comes first (podman creates it). */
        mkdirs(P(f, "/run/user"));
        c = load(f);
        assert_string_equal(c->runtime_dir, P(f, "/run/user/4242"));
        assert_int_equal(stat(P(f, "/run/user/4242"), &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_string_equal(c->storage.runroot, P(f, "/run/user/4242/containers"));
        config_free(c);

        /* An empty XDG_RUNTIME_DIR counts as unset. */
        setenv_fx(f, "XDG_RUNTIME_DIR", "");
        c = load(f);
        assert_string_equal(c->runtime_dir, P(f, "/run/user/4242"));
        config_free(c);
}

static void test_rootless_system_storage_conf(void **state)
{
        struct fx *f = *state;
        const char *sys = put(f, "/etc/containers/storage.conf",
                              "[storage]\n"
                              "driver = \"overlay\"\n"
                              "graphroot = \"/var/lib/containers/storage\"\n"
                              "runroot = \"/run/containers/storage\"\n"
                              "rootless_storage_path = \"$HOME/rsp/$UID/$USER\"\n"
                              "[storage.options]\n"
                              "additionalimagestores = [\"/is\"]\n"
                              "[storage.options.overlay]\n"
                              "mount_program = \"/usr/bin/fuse-overlayfs\"\n"
                              "ignore_chown_errors = \"true\"\n");
        char *graphroot = xasprintf("%s/rsp/4242/alice", f->home);
        char *user_conf = xasprintf("%s/.config/containers/storage.conf", f->home);
        struct config *c = load(f);
        /* Only the driver and ignore_chown_errors carry over to a rootless
         * user (getRootlessStorageOpts; podman 4.3 checked): not the system
         * roots, image stores or mount program. */
        assert_string_equal(c->storage.driver, "overlay");
        assert_string_equal(c->storage.graphroot, graphroot);
        assert_string_equal(c->storage.runroot, P(f, "/xdg/containers"));
        assert_strv(c->storage.options, "overlay.ignore_chown_errors=true");
        assert_null(c->storage.mount_program);
        assert_string_equal(c->storage.config_file, user_conf);
        assert_false(c->storage.config_exists);
        assert_strv(c->files_read, sys);
        config_free(c);

        /* $USER comes from the environment when it is set. */
        setenv_fx(f, "USER", "bob");
        c = load(f);
        char *bob = xasprintf("%s/rsp/4242/bob", f->home);
        assert_string_equal(c->storage.graphroot, bob);
        free(bob);
        config_free(c);
        setenv_fx(f, "USER", NULL);

        /* STORAGE_OPTS replaced the system options before the rootless ones
         * were taken from them, then is appended. */
        setenv_fx(f, "STORAGE_OPTS", "overlay.mountopt=nodev");
        c = load(f);
        assert_strv(c->storage.options, "overlay.mountopt=nodev");
        config_free(c);
        setenv_fx(f, "STORAGE_OPTS", NULL);

        /* STORAGE_DRIVER=vfs: no overlay option survives. */
        setenv_fx(f, "STORAGE_DRIVER", "vfs");
        c = load(f);
        assert_string_equal(c->storage.driver, "vfs");
        assert_strv_empty(c->storage.options);
        config_free(c);
        setenv_fx(f, "STORAGE_DRIVER", NULL);

        /* A driver a rootless user cannot use is dropped: vfs. */
        put(f, "/etc/containers/storage.conf", "[storage]\ndriver = \"devicemapper\"\n");
        c = load(f);
        assert_string_equal(c->storage.driver, "vfs");
        assert_string_equal(c->storage.graphroot, P(f, "/home/.local/share/containers/storage"));
        config_free(c);

        free(graphroot);
        free(user_conf);
}

static void test_rootless_user_storage_conf(void **state)
{
        struct fx *f = *state;
        const char *sys = put(f, "/etc/containers/storage.conf",
                              "[storage]\n"
                              "driver = \"overlay\"\n"
                              "rootless_storage_path = \"$HOME/rsp\"\n"
                              "[storage.options.overlay]\n"
                              "ignore_chown_errors = \"true\"\n");
        /* A user file replaces the system settings: no driver named, so
         * none; the roots keep the rootless defaults. */
        const char *user = put(f, "/home/.config/containers/storage.conf",
                               "[storage]\n"
                               "[storage.options]\n");
        struct config *c = load(f);
        assert_null(c->storage.driver);
        assert_string_equal(c->storage.runroot, P(f, "/xdg/containers"));
        assert_string_equal(c->storage.graphroot, P(f, "/home/rsp"));
        assert_strv_empty(c->storage.options);
        assert_string_equal(c->storage.config_file, user);
        assert_true(c->storage.config_exists);
        assert_strv(c->files_read, sys, user);
        config_free(c);

        /* A complete user file. */
        put(f, "/home/.config/containers/storage.conf",
            "[storage]\n"
            "driver = \"overlay\"\n"
            "graphroot = \"$HOME/g\"\n"
            "runroot = \"/user/run/$UID\"\n"
            "[storage.options.overlay]\n"
            "mount_program = \"/usr/bin/fuse-overlayfs\"\n");
        c = load(f);
        assert_string_equal(c->storage.driver, "overlay");
        assert_string_equal(c->storage.graphroot, P(f, "/home/g"));
        assert_string_equal(c->storage.runroot, "/user/run/4242");
        assert_strv(c->storage.options, "overlay.mount_program=/usr/bin/fuse-overlayfs");
        assert_string_equal(c->storage.mount_program, "/usr/bin/fuse-overlayfs");
        config_free(c);

        /* STORAGE_OPTS replaces the user file's options, STORAGE_DRIVER its driver. */
        setenv_fx(f, "STORAGE_OPTS", "vfs.ignore_chown_errors=true");
        setenv_fx(f, "STORAGE_DRIVER", "vfs");
        c = load(f);
        assert_string_equal(c->storage.driver, "vfs");
        assert_strv(c->storage.options, "vfs.ignore_chown_errors=true");
        assert_null(c->storage.mount_program);
        config_free(c);
        setenv_fx(f, "STORAGE_OPTS", NULL);
        setenv_fx(f, "STORAGE_DRIVER", NULL);

        /* rootless_storage_path of the user file gives the graphroot. */
        put(f, "/home/.config/containers/storage.conf",
            "[storage]\nrootless_storage_path = \"$HOME/mine/$UID\"\n");
        c = load(f);
        assert_string_equal(c->storage.graphroot, P(f, "/home/mine/4242"));
        config_free(c);

        /* XDG_CONFIG_HOME moves the user file; config_file names it even
         * though it does not exist, and the system file applies again. */
        setenv_fx(f, "XDG_CONFIG_HOME", P(f, "/cfg"));
        c = load(f);
        assert_string_equal(c->storage.config_file, P(f, "/cfg/containers/storage.conf"));
        assert_false(c->storage.config_exists);
        assert_string_equal(c->storage.driver, "overlay");
        assert_strv(c->storage.options, "overlay.ignore_chown_errors=true");
        assert_strv(c->files_read, sys);
        config_free(c);

        /* CONTAINERS_STORAGE_CONF stands for both files. */
        const char *custom = put(f, "/custom.conf", "[storage]\ndriver = \"vfs\"\n");
        setenv_fx(f, "CONTAINERS_STORAGE_CONF", custom);
        c = load(f);
        assert_string_equal(c->storage.config_file, custom);
        assert_true(c->storage.config_exists);
        assert_string_equal(c->storage.driver, "vfs");
        assert_string_equal(c->storage.graphroot, P(f, "/home/.local/share/containers/storage"));
        assert_string_equal(c->storage.runroot, P(f, "/xdg/containers"));
        assert_strv(c->files_read, custom);
        config_free(c);

        /* podman 4.3 rootless takes the driver and every option of that
         * file, old [storage.options] places included, but never its
         * graphroot or runroot: rootless_storage_path or the default. */
        put(f, "/custom.conf",
            "[storage]\n"
            "driver = \"overlay\"\n"
            "graphroot = \"/elsewhere/graph\"\n"
            "runroot = \"/elsewhere/run\"\n"
            "[storage.options]\n"
            "ignore_chown_errors = \"true\"\n"
            "skip_mount_home = \"true\"\n"
            "inodes = \"9\"\n"
            "[storage.options.overlay]\n"
            "mount_program = \"/usr/bin/fuse-overlayfs\"\n"
            "mountopt = \"nodev\"\n");
        c = load(f);
        assert_string_equal(c->storage.driver, "overlay");
        assert_string_equal(c->storage.graphroot, P(f, "/home/.local/share/containers/storage"));
        assert_string_equal(c->storage.runroot, P(f, "/xdg/containers"));
        assert_strv(c->storage.options, "overlay.ignore_chown_errors=true",
                    "overlay.mount_program=/usr/bin/fuse-overlayfs", "overlay.mountopt=nodev",
                    "overlay.skip_mount_home=true");
        assert_string_equal(c->storage.mount_program, "/usr/bin/fuse-overlayfs");
        config_free(c);
        put(f, "/custom.conf",
            "[storage]\n"
            "driver = \"devicemapper\"\n"
            "graphroot = \"/elsewhere/graph\"\n"
            "rootless_storage_path = \"$HOME/rsp2\"\n");
        c = load(f);
        assert_string_equal(c->storage.driver, "vfs");
        assert_string_equal(c->storage.graphroot, P(f, "/home/rsp2"));
        assert_string_equal(c->storage.runroot, P(f, "/xdg/containers"));
        config_free(c);

        /* A malformed user file is an error naming its line. */
        setenv_fx(f, "CONTAINERS_STORAGE_CONF", NULL);
        setenv_fx(f, "XDG_CONFIG_HOME", NULL);
        user = put(f, "/home/.config/containers/storage.conf", "[storage]\ndriver = 'vfs\n");
        char *msg = load_fail(f, EINVAL);
        assert_position(msg, user, 2);
        free(msg);
}

/* ======================================================================
 * containers.conf
 * ====================================================================== */

static void put_system_containers_confs(struct fx *f)
{
        put(f, "/usr/share/containers/containers.conf",
            "[containers]\n"
            "log_driver = \"k8s-file\"\n"
            "default_sysctls = [\"a=1\", \"b=2\"]\n"
            "[engine]\n"
            "runtime = \"crun\"\n"
            "cgroup_manager = \"cgroupfs\"\n"
            "events_logger = \"file\"\n");
        put(f, "/etc/containers/containers.conf",
            "[containers]\n"
            "default_sysctls = [\"c=3\"]\n"
            "[engine]\n"
            "runtime = \"runc\"\n");
        put(f, "/etc/containers/containers.conf.d/20-b.conf",
            "[engine]\nevents_logger = \"journald\"\n");
        put(f, "/etc/containers/containers.conf.d/10-a.conf",
            "[engine]\ncgroup_manager = \"systemd\"\n");
        /* Not *.conf, or not a file: ignored. */
        put(f, "/etc/containers/containers.conf.d/05-x.txt", "[engine]\nruntime = \"txt\"\n");
        put(f, "/etc/containers/containers.conf.d/30-c.conf.bak", "[engine]\nruntime = \"bak\"\n");
        put(f, "/etc/containers/containers.conf.d/40-dir.conf/inner.conf",
            "[engine]\nruntime = \"inner\"\n");
}

static void test_containers_conf_order(void **state)
{
        struct fx *f = *state;
        put_system_containers_confs(f);
        /* Root does not read a user containers.conf. */
        put(f, "/home/.config/containers/containers.conf", "[engine]\nruntime = \"user\"\n");

        struct config *c = load(f);
        assert_strv(c->files_read, P(f, "/usr/share/containers/containers.conf"),
                    P(f, "/etc/containers/containers.conf"),
                    P(f, "/etc/containers/containers.conf.d/10-a.conf"),
                    P(f, "/etc/containers/containers.conf.d/20-b.conf"));
        /* Keys of one table from different files. */
        assert_string_equal(c->runtime, "runc");
        assert_string_equal(c->cgroup_manager, "systemd");
        assert_string_equal(c->events_logger, "journald");
        assert_string_equal(c->log_driver, "k8s-file");
        assert_string_equal(config_get_string(c, "engine.runtime"), "runc");
        assert_string_equal(config_get_string(c, "engine.cgroup_manager"), "systemd");
        assert_string_equal(config_get_string(c, "containers.log_driver"), "k8s-file");
        assert_null(config_get_string(c, "engine.nonexistent"));
        assert_null(config_get_string(c, "nonexistent.runtime"));
        assert_null(config_get_string(c, "engine"));
        assert_null(config_get_string(c, "containers.default_sysctls"));
        /* Arrays are replaced, not appended. */
        const struct json *sysctls = json_get_path(c->containers, "containers.default_sysctls");
        assert_non_null(sysctls);
        assert_int_equal(sysctls->type, JSON_ARRAY);
        assert_int_equal(sysctls->arr.len, 1);
        assert_string_equal(sysctls->arr.items[0]->str.s, "c=3");
        config_free(c);
}

static void test_containers_conf_rootless(void **state)
{
        struct fx *f = *state;
        put_system_containers_confs(f);
        const char *user = put(f, "/home/.config/containers/containers.conf",
                               "[engine]\nruntime = \"user-runtime\"\n");
        const char *user_d = put(f, "/home/.config/containers/containers.conf.d/50-log.conf",
                                 "[containers]\nlog_driver = \"journald\"\n");
        put(f, "/home/.config/containers/containers.conf.d/60-ignored.toml",
            "[containers]\nlog_driver = \"none\"\n");

        struct config *c = load(f);
        assert_strv(c->files_read, P(f, "/usr/share/containers/containers.conf"),
                    P(f, "/etc/containers/containers.conf"),
                    P(f, "/etc/containers/containers.conf.d/10-a.conf"),
                    P(f, "/etc/containers/containers.conf.d/20-b.conf"), user, user_d);
        assert_string_equal(c->runtime, "user-runtime");
        assert_string_equal(c->cgroup_manager, "systemd");
        assert_string_equal(c->log_driver, "journald");
        config_free(c);

        /* XDG_CONFIG_HOME moves the user's files; only its .d exists here. */
        const char *xdg_d = put(f, "/cfg/containers/containers.conf.d/10.conf",
                                "[engine]\nruntime = \"xdg\"\n");
        setenv_fx(f, "XDG_CONFIG_HOME", P(f, "/cfg"));
        c = load(f);
        assert_strv(c->files_read, P(f, "/usr/share/containers/containers.conf"),
                    P(f, "/etc/containers/containers.conf"),
                    P(f, "/etc/containers/containers.conf.d/10-a.conf"),
                    P(f, "/etc/containers/containers.conf.d/20-b.conf"), xdg_d);
        assert_string_equal(c->runtime, "xdg");
        assert_string_equal(c->log_driver, "k8s-file");
        config_free(c);
}

static void test_containers_conf_env(void **state)
{
        struct fx *f = *state;
        put_system_containers_confs(f);
        const char *only = put(f, "/only.conf", "[engine]\nruntime = \"only\"\n");
        const char *ovr = put(f, "/override.conf", "[engine]\ncgroup_manager = \"cgroupfs\"\n");

        setenv_fx(f, "CONTAINERS_CONF", only);
        struct config *c = load(f);
        assert_strv(c->files_read, only);
        assert_string_equal(c->runtime, "only");
        assert_null(config_get_string(c, "containers.log_driver"));
        config_free(c);

        /* CONTAINERS_CONF_OVERRIDE comes last, with or without CONTAINERS_CONF. */
        setenv_fx(f, "CONTAINERS_CONF_OVERRIDE", ovr);
        c = load(f);
        assert_strv(c->files_read, only, ovr);
        assert_string_equal(c->runtime, "only");
        assert_string_equal(c->cgroup_manager, "cgroupfs");
        config_free(c);

        setenv_fx(f, "CONTAINERS_CONF", NULL);
        c = load(f);
        assert_strv(c->files_read, P(f, "/usr/share/containers/containers.conf"),
                    P(f, "/etc/containers/containers.conf"),
                    P(f, "/etc/containers/containers.conf.d/10-a.conf"),
                    P(f, "/etc/containers/containers.conf.d/20-b.conf"), ovr);
        assert_string_equal(c->runtime, "runc");
        assert_string_equal(c->cgroup_manager, "cgroupfs");
        assert_string_equal(c->events_logger, "journald");
        config_free(c);

        /* A missing CONTAINERS_CONF is an error. */
        setenv_fx(f, "CONTAINERS_CONF_OVERRIDE", NULL);
        setenv_fx(f, "CONTAINERS_CONF", P(f, "/missing.conf"));
        char *msg = load_fail(f, ENOENT);
        assert_contains(msg, "CONTAINERS_CONF");
        assert_contains(msg, P(f, "/missing.conf"));
        free(msg);
}

static void test_cgroup_manager_default(void **state)
{
        struct fx *f = *state;
        struct config *c = load(f);
        assert_string_equal(c->cgroup_manager, "cgroupfs");
        assert_string_equal(c->events_logger, "file");
        config_free(c);

        mkdirs(P(f, "/run/systemd/system"));
        c = load(f);
        assert_string_equal(c->cgroup_manager, "systemd");
        assert_string_equal(c->events_logger, "journald");
        config_free(c);

        /* The file still wins over the default. */
        put(f, "/etc/containers/containers.conf", "[engine]\ncgroup_manager = \"cgroupfs\"\n");
        c = load(f);
        assert_string_equal(c->cgroup_manager, "cgroupfs");
        config_free(c);
}

static void test_cgroup_manager_rootless(void **state)
{
        struct fx *f = *state;
        mkdirs(P(f, "/run/systemd/system"));
        /* Rootless on cgroup v1 cannot get a delegated systemd cgroup. */
        struct config *c = load(f);
        assert_string_equal(c->cgroup_manager, "cgroupfs");
        config_free(c);

        put(f, "/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
        c = load(f);
        assert_string_equal(c->cgroup_manager, "systemd");
        config_free(c);
}

static void test_containers_conf_malformed(void **state)
{
        struct fx *f = *state;
        put(f, "/usr/share/containers/containers.conf", "[engine]\nruntime = \"crun\"\n");
        const char *p = put(f, "/etc/containers/containers.conf",
                            "# berth\n"
                            "[engine]\n"
                            "runtime = \n"
                            "cgroup_manager = \"systemd\"\n");
        char *msg = load_fail(f, EINVAL);
        assert_position(msg, p, 3);
        free(msg);

        put(f, "/etc/containers/containers.conf",
            "[engine]\n"
            "runtime = \"crun\"\n"
            "\n"
            "cgroup_manager = \"systemd\n"
            "events_logger = \"file\"\n");
        msg = load_fail(f, EINVAL);
        assert_position(msg, p, 4);
        free(msg);

        /* In a drop-in, too. */
        put(f, "/etc/containers/containers.conf", "[engine]\nruntime = \"crun\"\n");
        p = put(f, "/etc/containers/containers.conf.d/50-bad.conf",
                "[engine]\nruntime = \"a\" \"b\"\n");
        msg = load_fail(f, EINVAL);
        assert_position(msg, p, 2);
        free(msg);
}

/* ======================================================================
 * registries.conf
 * ====================================================================== */

static void test_registries_v2_and_dropins(void **state)
{
        struct fx *f = *state;
        const char *main_file = put(f, "/etc/containers/registries.conf",
                                    "unqualified-search-registries = [\"docker.io\", \"quay.io\"]\n"
                                    "short-name-mode = \"enforcing\"\n"
                                    "credential-helpers = [\"containers-auth.json\"]\n"
                                    "\n"
                                    "[aliases]\n"
                                    "\"a\" = \"docker.io/library/a\"\n"
                                    "\"b\" = \"docker.io/library/b\"\n"
                                    "\n"
                                    "[[registry]]\n"
                                    "prefix = \"example.com/foo\"\n"
                                    "location = \"mirror.example.com/foo\"\n"
                                    "insecure = true\n"
                                    "mirror-by-digest-only = true\n"
                                    "\n"
                                    "[[registry.mirror]]\n"
                                    "location = \"m1.example.com\"\n"
                                    "insecure = true\n"
                                    "\n"
                                    "[[registry.mirror]]\n"
                                    "location = \"m2.example.com\"\n"
                                    "pull-from-mirror = \"digest-only\"\n"
                                    "\n"
                                    "[[registry]]\n"
                                    "location = \"blocked.io\"\n"
                                    "blocked = true\n"
                                    "\n"
                                    "[[registry]]\n"
                                    "prefix = \"kept.io\"\n"
                                    "location = \"kept.io\"\n"
                                    "\n"
                                    "# Within one file the first definition of a prefix wins.\n"
                                    "[[registry]]\n"
                                    "prefix = \"example.com/foo\"\n"
                                    "location = \"ignored.example.com\"\n");
        const char *dropin =
                put(f, "/etc/containers/registries.conf.d/10-fedora.conf",
                    "unqualified-search-registries = [\"registry.fedoraproject.org\"]\n"
                    "[aliases]\n"
                    "\"b\" = \"quay.io/b\"\n"
                    "\"c\" = \"quay.io/c\"\n"
                    "[[registry]]\n"
                    "location = \"blocked.io\"\n"
                    "insecure = true\n");
        put(f, "/etc/containers/registries.conf.d/20-ignored.txt",
            "unqualified-search-registries = [\"txt.io\"]\n");

        struct config *c = load(f);
        assert_strv(c->files_read, main_file, dropin);
        const struct registries_conf *r = &c->registries;
        assert_strv(r->search, "registry.fedoraproject.org");
        assert_string_equal(r->short_name_mode, "enforcing");
        assert_strv(r->credential_helpers, "containers-auth.json");
        assert_string_equal(json_object_get_string(r->aliases, "a"), "docker.io/library/a");
        assert_string_equal(json_object_get_string(r->aliases, "b"), "quay.io/b");
        assert_string_equal(json_object_get_string(r->aliases, "c"), "quay.io/c");
        assert_int_equal(r->aliases->obj.len, 3);

        assert_int_equal(r->n_registries, 3);
        const struct registry_entry *foo = find_registry(c, "example.com/foo");
        assert_non_null(foo);
        assert_string_equal(foo->location, "mirror.example.com/foo");
        assert_true(foo->insecure);
        assert_false(foo->blocked);
        assert_true(foo->mirror_by_digest_only);
        assert_int_equal(foo->n_mirrors, 2);
        assert_string_equal(foo->mirrors[0].location, "m1.example.com");
        assert_true(foo->mirrors[0].insecure);
        assert_false(foo->mirrors[0].pull_from_mirror_digest_only);
        assert_string_equal(foo->mirrors[1].location, "m2.example.com");
        assert_false(foo->mirrors[1].insecure);
        assert_true(foo->mirrors[1].pull_from_mirror_digest_only);

        /* A later file's [[registry]] replaces the whole earlier entry. */
        const struct registry_entry *blocked = find_registry(c, "blocked.io");
        assert_non_null(blocked);
        assert_string_equal(blocked->location, "blocked.io");
        assert_false(blocked->blocked);
        assert_true(blocked->insecure);
        assert_int_equal(blocked->n_mirrors, 0);
        assert_non_null(find_registry(c, "kept.io"));
        config_free(c);

        /* A drop-in without a search list keeps the earlier one. */
        put(f, "/etc/containers/registries.conf.d/10-fedora.conf",
            "[aliases]\n\"d\" = \"quay.io/d\"\n");
        c = load(f);
        assert_strv(c->registries.search, "docker.io", "quay.io");
        assert_string_equal(json_object_get_string(c->registries.aliases, "d"), "quay.io/d");
        assert_string_equal(json_object_get_string(c->registries.aliases, "b"),
                            "docker.io/library/b");
        assert_non_null(find_registry(c, "blocked.io"));
        assert_true(find_registry(c, "blocked.io")->blocked);
        config_free(c);

        /* An empty search list in a drop-in empties it. */
        put(f, "/etc/containers/registries.conf.d/10-fedora.conf",
            "unqualified-search-registries = []\n");
        c = load(f);
        assert_strv_empty(c->registries.search);
        config_free(c);
}

static void test_registries_v1(void **state)
{
        struct fx *f = *state;
        put(f, "/etc/containers/registries.conf",
            "[registries.search]\n"
            "registries = [\"v1.io\", \"docker.io\"]\n"
            "[registries.insecure]\n"
            "registries = [\"ins.io\", \"bad.io\"]\n"
            "[registries.block]\n"
            "registries = [\"bad.io\"]\n");
        struct config *c = load(f);
        assert_strv(c->registries.search, "v1.io", "docker.io");
        assert_int_equal(c->registries.n_registries, 2);
        const struct registry_entry *ins = find_registry(c, "ins.io");
        assert_non_null(ins);
        assert_string_equal(ins->location, "ins.io");
        assert_true(ins->insecure);
        assert_false(ins->blocked);
        const struct registry_entry *bad = find_registry(c, "bad.io");
        assert_non_null(bad);
        assert_string_equal(bad->location, "bad.io");
        assert_true(bad->insecure);
        assert_true(bad->blocked);
        config_free(c);

        /* Mixing v1 and v2 in one file. */
        const char *p = put(f, "/etc/containers/registries.conf",
                            "unqualified-search-registries = [\"docker.io\"]\n"
                            "[registries.search]\n"
                            "registries = [\"v1.io\"]\n");
        char *msg = load_fail(f, EINVAL);
        assert_contains(msg, p);
        assert_contains(msg, "mixing");
        free(msg);

        /* Empty v1 lists do not count as v1 (containers/image hasSetField). */
        put(f, "/etc/containers/registries.conf",
            "unqualified-search-registries = [\"docker.io\"]\n"
            "[registries.search]\n"
            "registries = []\n");
        c = load(f);
        assert_strv(c->registries.search, "docker.io");
        config_free(c);

        /* Drop-ins must be v2 (podman 4.3 checked). */
        put(f, "/etc/containers/registries.conf", "unqualified-search-registries = [\"a.io\"]\n");
        p = put(f, "/etc/containers/registries.conf.d/50-v1.conf",
                "[registries.search]\nregistries = [\"v1.io\"]\n");
        msg = load_fail(f, EINVAL);
        assert_contains(msg, p);
        assert_contains(msg, "v2");
        free(msg);
}

/* Commands that resolve no image name never read registries.conf: a bad
 * one fails only config_registries, which reads it once. */
static void test_registries_read_when_used(void **state)
{
        struct fx *f = *state;
        const char *p = put(f, "/etc/containers/registries.conf", "[[registry]\n");
        struct config *c = NULL;
        struct err e = {0};
        assert_int_equal(config_load(&f->env, NULL, &c, &e), 0);
        assert_false(strv_contains(c->files_read, p));
        assert_int_equal(config_registries(c, &e), -EINVAL);
        assert_contains(e.msg, p);
        err_done(&e);
        config_free(c);

        put(f, "/etc/containers/registries.conf", "unqualified-search-registries = [\"a.io\"]\n");
        c = NULL;
        assert_int_equal(config_load(&f->env, NULL, &c, &e), 0);
        assert_null(c->registries.search);
        assert_int_equal(config_registries(c, &e), 0);
        assert_int_equal(config_registries(c, &e), 0);
        assert_true(strv_contains(c->files_read, p));
        assert_int_equal(strv_length(c->registries.search), 1);
        assert_string_equal(c->registries.search[0], "a.io");
        config_free(c);
}

static void test_registries_errors(void **state)
{
        struct fx *f = *state;
        const char *p = put(f, "/etc/containers/registries.conf",
                            "[[registry]]\nprefix = \"x.io\"\nlocation = \"https://x.io\"\n");
        char *msg = load_fail(f, EINVAL);
        assert_contains(msg, p);
        assert_contains(msg, "https://x.io");
        free(msg);

        put(f, "/etc/containers/registries.conf",
            "[[registry]]\n"
            "location = \"x.io\"\n"
            "[[registry.mirror]]\n"
            "location = \"http://mirror.io\"\n");
        msg = load_fail(f, EINVAL);
        assert_contains(msg, "http://mirror.io");
        free(msg);

        put(f, "/etc/containers/registries.conf", "[[registry]]\ninsecure = true\n");
        msg = load_fail(f, EINVAL);
        assert_contains(msg, p);
        free(msg);

        put(f, "/etc/containers/registries.conf", "short-name-mode = \"sometimes\"\n");
        msg = load_fail(f, EINVAL);
        assert_contains(msg, p);
        assert_contains(msg, "short-name-mode");
        free(msg);

        put(f, "/etc/containers/registries.conf",
            "[[registry]]\nlocation = \"x.io\"\ninsecure = \"yes\"\n");
        msg = load_fail(f, EINVAL);
        assert_contains(msg, "insecure");
        free(msg);

        put(f, "/etc/containers/registries.conf", "unqualified-search-registries = \"a.io\"\n");
        msg = load_fail(f, EINVAL);
        assert_contains(msg, "unqualified-search-registries");
        free(msg);

        /* Valid modes; an empty one is as good as none (podman 4.3 checked). */
        static const char *const modes[] = {"enforcing", "permissive", "disabled"};
        for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
                char *content = xasprintf("short-name-mode = \"%s\"\n", modes[i]);
                put(f, "/etc/containers/registries.conf", content);
                free(content);
                struct config *c = load(f);
                assert_string_equal(c->registries.short_name_mode, modes[i]);
                config_free(c);
        }
        put(f, "/etc/containers/registries.conf", "short-name-mode = \"permissive\"\n");
        put(f, "/etc/containers/registries.conf.d/10.conf", "short-name-mode = \"\"\n");
        struct config *c = load(f);
        assert_string_equal(c->registries.short_name_mode, "permissive");
        config_free(c);

        /* A malformed drop-in names its line. */
        p = put(f, "/etc/containers/registries.conf.d/10.conf",
                "[[registry]]\n"
                "prefix = \"x.io\"\n"
                "location = 'y.io\n");
        msg = load_fail(f, EINVAL);
        assert_position(msg, p, 3);
        free(msg);

        /* And the main file. */
        rm(f, "/etc/containers/registries.conf.d/10.conf");
        p = put(f, "/etc/containers/registries.conf",
                "unqualified-search-registries = [\"a.io\"]\n"
                "\n"
                "[aliases\n");
        msg = load_fail(f, EINVAL);
        assert_position(msg, p, 3);
        free(msg);
}

static void test_registries_env_file(void **state)
{
        struct fx *f = *state;
        put(f, "/etc/containers/registries.conf", "unqualified-search-registries = [\"sys.io\"]\n");
        const char *dropin = put(f, "/etc/containers/registries.conf.d/10.conf",
                                 "[aliases]\n\"x\" = \"sys.io/x\"\n");
        const char *env =
                put(f, "/env-registries.conf", "unqualified-search-registries = [\"env.io\"]\n");
        setenv_fx(f, "CONTAINERS_REGISTRIES_CONF", env);
        struct config *c = load(f);
        assert_strv(c->registries.search, "env.io");
        /* The drop-in directories are still read. */
        assert_string_equal(json_object_get_string(c->registries.aliases, "x"), "sys.io/x");
        assert_strv(c->files_read, env, dropin);
        config_free(c);

        /* A chosen file must exist (podman 4.3 checked). */
        setenv_fx(f, "CONTAINERS_REGISTRIES_CONF", P(f, "/missing.conf"));
        char *msg = load_fail(f, ENOENT);
        assert_contains(msg, P(f, "/missing.conf"));
        free(msg);
}

static void test_registries_user_file(void **state)
{
        struct fx *f = *state;
        put(f, "/etc/containers/registries.conf",
            "unqualified-search-registries = [\"sys.io\"]\n"
            "[[registry]]\nlocation = \"sys-only.io\"\n");
        put(f, "/etc/containers/registries.conf.d/10.conf",
            "unqualified-search-registries = [\"sys-dropin.io\"]\n"
            "[aliases]\n\"s\" = \"sys.io/s\"\n");
        const char *user_d = put(f, "/home/.config/containers/registries.conf.d/10.conf",
                                 "[aliases]\n\"u\" = \"user.io/u\"\n");

        /* Without a user file: system file, system .d, then the user's .d. */
        struct config *c = load(f);
        assert_strv(c->registries.search, "sys-dropin.io");
        assert_string_equal(json_object_get_string(c->registries.aliases, "s"), "sys.io/s");
        assert_string_equal(json_object_get_string(c->registries.aliases, "u"), "user.io/u");
        assert_strv(c->files_read, P(f, "/etc/containers/registries.conf"),
                    P(f, "/etc/containers/registries.conf.d/10.conf"), user_d);
        config_free(c);

        /* The user's file replaces the system one and hides the system .d. */
        const char *user = put(f, "/home/.config/containers/registries.conf",
                               "unqualified-search-registries = [\"user.io\"]\n");
        c = load(f);
        assert_strv(c->registries.search, "user.io");
        assert_null(json_object_get_string(c->registries.aliases, "s"));
        assert_string_equal(json_object_get_string(c->registries.aliases, "u"), "user.io/u");
        assert_null(find_registry(c, "sys-only.io"));
        assert_int_equal(c->registries.n_registries, 0);
        assert_strv(c->files_read, user, user_d);
        config_free(c);

        /* containers/image looks under $HOME/.config, not XDG_CONFIG_HOME. */
        setenv_fx(f, "XDG_CONFIG_HOME", P(f, "/cfg"));
        put(f, "/cfg/containers/registries.conf", "unqualified-search-registries = [\"xdg.io\"]\n");
        c = load(f);
        assert_strv(c->registries.search, "user.io");
        config_free(c);
}

/* ======================================================================
 * config_expand_path
 * ====================================================================== */

static void expect_expand(struct fx *f, const char *in, const char *want)
{
        char *got = config_expand_path(&f->env, &f->user, in);
        if (!STREQ(got, want))
                fail_msg("expand '%s': got '%s', want '%s'", in, got, want);
        free(got);
}

static void test_expand_path(void **state)
{
        struct fx *f = *state;
        setenv_fx(f, "FOO", "bar");
        setenv_fx(f, "FOO_BAR2", "baz");
        char *home_x = xasprintf("%s/x", f->home);
        expect_expand(f, "$HOME/x", home_x);
        expect_expand(f, "${HOME}/x", home_x);
        free(home_x);
        expect_expand(f, "/run/$UID/s", "/run/4242/s");
        expect_expand(f, "/run/${UID}", "/run/4242");
        expect_expand(f, "/u/$USER", "/u/alice");
        expect_expand(f, "/u/${USER}x", "/u/alicex");
        expect_expand(f, "${FOO}/x", "bar/x");
        expect_expand(f, "/$FOO/x", "/bar/x");
        expect_expand(f, "/$FOO_BAR2-x", "/baz-x");
        expect_expand(f, "/$FOOx", "/");
        expect_expand(f, "/$UNSET/x", "//x");
        expect_expand(f, "/${UNSET}x", "/x");
        expect_expand(f, "/plain/path", "/plain/path");
        expect_expand(f, "", "");
        /* Go's os.ExpandEnv edge cases. */
        expect_expand(f, "/a$", "/a$");
        expect_expand(f, "/a$/b", "/a$/b");
        expect_expand(f, "/a${b", "/ab");
        expect_expand(f, "/a${}b", "/ab");
        expect_expand(f, "/a$1b", "/ab");
        /* The environment's USER wins over the passwd name. */
        setenv_fx(f, "USER", "bob");
        expect_expand(f, "/u/$USER", "/u/bob");
}

/* user_info_get reads the passwd database only when HOME does not give
 * the home; the name then comes on demand, the same either way. */
static void test_user_info_lazy_name(void **state)
{
        (void)state;
        char *saved = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
        struct passwd *pw = getpwuid(geteuid());
        if (!pw)
                skip();
        char *want = xstrdup(pw->pw_name), *want_home = xstrdup(pw->pw_dir);
        struct err e = {0};
        struct user_info u = {0};
        setenv("HOME", "/somewhere/else", 1);
        assert_int_equal(user_info_get(&u, &e), 0);
        assert_string_equal(u.home, "/somewhere/else");
        assert_null(u.name);
        char *name = user_info_name(&u);
        assert_string_equal(name, want);
        free(name);
        user_info_done(&u);
        unsetenv("HOME");
        assert_int_equal(user_info_get(&u, &e), 0);
        assert_string_equal(u.home, want_home);
        assert_string_equal(u.name, want);
        name = user_info_name(&u);
        assert_string_equal(name, want);
        free(name);
        user_info_done(&u);
        if (saved)
                setenv("HOME", saved, 1);
        free(saved);
        free(want);
        free(want_home);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_root_defaults, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_root_etc_wins_over_usr_share, setup_root,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_root_env_storage_conf, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_root_storage_options, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_root_overlay2_and_deprecated_keys, setup_root,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_storage_expand_paths, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_storage_type_errors, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_storage_malformed, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_overrides, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_rootless_xdg_runtime_dir, setup_rootless,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_rootless_runtime_dir_fallbacks, setup_rootless,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_rootless_system_storage_conf, setup_rootless,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_rootless_user_storage_conf, setup_rootless,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_containers_conf_order, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_containers_conf_rootless, setup_rootless,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_containers_conf_env, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_cgroup_manager_default, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_cgroup_manager_rootless, setup_rootless,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_containers_conf_malformed, setup_root,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_registries_v2_and_dropins, setup_root,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_registries_v1, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_registries_read_when_used, setup_root,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_registries_errors, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_registries_env_file, setup_root, teardown),
                cmocka_unit_test_setup_teardown(test_registries_user_file, setup_rootless,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_expand_path, setup_rootless, teardown),
                cmocka_unit_test(test_user_info_lazy_name),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
