/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's command line (monitor.h) and the pure policy decisions. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>

#include "mon-internal.h"

struct raw_opts {
        char *id, *bundle, *rundir, *runtime_root, *runtime;
        char *log_driver, *log_path, *log_max_size, *log_max_file;
        bool tty, stdin_open, wait_create, new_netns;
        char *restart, *exit_command;
        char **exit_args;
        char *sync_fd;
};

#define O(f) offsetof(struct raw_opts, f)
static const struct cli_option options[] = {
        {"id", 0, CLI_STRING, O(id), "ID", "the container's id"},
        {"bundle", 0, CLI_STRING, O(bundle), "DIR", "the OCI bundle (graphroot userdata)"},
        {"rundir", 0, CLI_STRING, O(rundir), "DIR", "the runroot userdata directory"},
        {"runtime-root", 0, CLI_STRING, O(runtime_root), "DIR", "the runtime's state root"},
        {"runtime", 0, CLI_STRING, O(runtime), "PATH", "an external runc-compatible runtime"},
        {"log-driver", 0, CLI_STRING, O(log_driver), "NAME",
         "k8s-file, json-file, journald or none", "k8s-file"},
        {"log-path", 0, CLI_STRING, O(log_path), "PATH", "the log file", "BUNDLE/ctr.log"},
        {"log-max-size", 0, CLI_STRING, O(log_max_size), "BYTES",
         "rotate the log past this size (k, m, g suffixes; 0: unbounded)", "10m"},
        {"log-max-file", 0, CLI_STRING, O(log_max_file), "N",
         "log files kept, the current one included", "2"},
        {"tty", 0, CLI_BOOL, O(tty), NULL, "the container has a terminal"},
        {"stdin", 0, CLI_BOOL, O(stdin_open), NULL, "keep the container's stdin open"},
        {"restart", 0, CLI_STRING, O(restart), "POLICY",
         "no, on-failure[:N], always or unless-stopped", "no"},
        {"exit-command", 0, CLI_STRING, O(exit_command), "PATH",
         "run this when the container is done"},
        {"exit-command-arg", 0, CLI_STRV, O(exit_args), "ARG", "an argument of the exit command"},
        {"sync-fd", 0, CLI_STRING, O(sync_fd), "N", "the fd berth talks to the monitor over"},
        {"wait-create", 0, CLI_BOOL, O(wait_create), NULL,
         "wait for a byte on the sync fd before anything else (the container is being made)"},
        {"new-netns", 0, CLI_BOOL, O(new_netns), NULL,
         "the container gets a new network namespace and no user namespace (made while waiting)"},
        CLI_END,
};

static const char *const log_drivers[] = {
        [MON_LOG_K8S_FILE] = "k8s-file",
        [MON_LOG_JSON_FILE] = "json-file",
        [MON_LOG_JOURNALD] = "journald",
        [MON_LOG_NONE] = "none",
};

int mon_size_parse(const char *s, int64_t *ret, struct err *e)
{
        if (!s || !*s)
                return err_set(e, EINVAL, "empty size");
        if (*s < '0' || *s > '9')
                return err_set(e, EINVAL, "invalid size '%s'", s);
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || end == s || v < 0)
                return err_set(e, EINVAL, "invalid size '%s'", s);
        int64_t mult = 1;
        if (*end) {
                switch (*end | 0x20) {
                case 'b':
                        break;
                case 'k':
                        mult = 1024;
                        break;
                case 'm':
                        mult = 1024 * 1024;
                        break;
                case 'g':
                        mult = 1024LL * 1024 * 1024;
                        break;
                default:
                        return err_set(e, EINVAL, "invalid size '%s'", s);
                }
                end++;
                if ((*end | 0x20) == 'b' && mult > 1)
                        end++;
                if (*end)
                        return err_set(e, EINVAL, "invalid size '%s'", s);
        }
        if (v > INT64_MAX / mult)
                return err_set(e, ERANGE, "size '%s' is too large", s);
        *ret = v * mult;
        return 0;
}

int mon_restart_parse(const char *s, enum mon_restart *ret, int64_t *ret_max, struct err *e)
{
        int64_t max = 0;
        enum mon_restart r;
        if (!s || STREQ(s, "no") || STREQ(s, "")) {
                r = MON_RESTART_NO;
        } else if (STREQ(s, "always")) {
                r = MON_RESTART_ALWAYS;
        } else if (STREQ(s, "unless-stopped")) {
                r = MON_RESTART_UNLESS_STOPPED;
        } else if (STREQ(s, "on-failure")) {
                r = MON_RESTART_ON_FAILURE;
        } else if (str_has_prefix(s, "on-failure:")) {
                r = MON_RESTART_ON_FAILURE;
                if (str_to_int64(s + strlen("on-failure:"), &max) < 0 || max < 0)
                        return err_set(e, EINVAL, "--restart: invalid retry count in '%s'", s);
        } else {
                return err_set(e, EINVAL,
                               "--restart: invalid policy '%s' (expected no, on-failure[:N], "
                               "always or unless-stopped)",
                               s);
        }
        *ret = r;
        *ret_max = max;
        return 0;
}

bool mon_restart_wanted(enum mon_restart policy, int64_t max, int exit_code, int64_t restarts,
                        bool stopped_by_user)
{
        if (stopped_by_user)
                return false;
        switch (policy) {
        case MON_RESTART_NO:
                return false;
        case MON_RESTART_ON_FAILURE:
                return exit_code != 0 && (max == 0 || restarts < max);
        case MON_RESTART_ALWAYS:
        case MON_RESTART_UNLESS_STOPPED:
                return true;
        }
        return false;
}

static int need(const char *v, const char *name, struct err *e)
{
        if (!v || !*v)
                return err_set(e, EINVAL, "missing --%s", name);
        return 0;
}

/* Allocates: path made absolute (the monitor leaves its cwd). */
static char *absolute(const char *p)
{
        if (p[0] == '/')
                return xstrdup(p);
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)))
                return xstrdup(p);
        return xasprintf("%s/%s", cwd, p);
}

int mon_opts_parse(int argc, char *const *argv, struct mon_opts *o, struct err *e)
{
        *o = (struct mon_opts){.sync_fd = -1,
                               .log_max_size = MON_LOG_MAX_SIZE_DEFAULT,
                               .log_max_file = MON_LOG_MAX_FILE_DEFAULT};
        struct raw_opts raw = {0};
        struct cli_parse_result res = {0};
        bool help = false;
        int r = cli_parse(argc, argv, options, &raw, NULL, NULL, 0, &help, &res);
        if (r < 0) {
                /* the parse stopped early: find the sync fd by hand, so that
                 * the error still reaches berth */
                for (int i = 0; i < argc; i++) {
                        const char *v = NULL;
                        if (STREQ(argv[i], "--sync-fd") && i + 1 < argc)
                                v = argv[i + 1];
                        else if (str_has_prefix(argv[i], "--sync-fd="))
                                v = argv[i] + strlen("--sync-fd=");
                        int64_t fd;
                        if (v && str_to_int64(v, &fd) == 0 && fd >= 0 && fd <= INT_MAX)
                                o->sync_fd = (int)fd;
                }
                r = err_set(e, EINVAL, "%s", res.error);
                goto out;
        }
        /* The sync fd first, so that later errors can go to berth. */
        if (raw.sync_fd) {
                int64_t fd;
                if (str_to_int64(raw.sync_fd, &fd) < 0 || fd < 0 || fd > INT_MAX) {
                        r = err_set(e, EINVAL, "--sync-fd: invalid fd '%s'", raw.sync_fd);
                        goto out;
                }
                o->sync_fd = (int)fd;
        }
        if (help) {
                struct sbuf b = {0};
                cli_options_help(options, &b);
                r = err_set(e, EINVAL, "usage: berth-monitor OPTIONS (see monitor.h)\n%s", b.buf);
                sbuf_done(&b);
                goto out;
        }
        if (strv_length(res.args) > 0) {
                r = err_set(e, EINVAL, "unexpected argument '%s'", res.args[0]);
                goto out;
        }
        if ((r = need(raw.id, "id", e)) < 0 || (r = need(raw.bundle, "bundle", e)) < 0 ||
            (r = need(raw.rundir, "rundir", e)) < 0 ||
            (r = need(raw.runtime_root, "runtime-root", e)) < 0 ||
            (r = need(raw.sync_fd, "sync-fd", e)) < 0)
                goto out;
        o->log_driver = MON_LOG_K8S_FILE;
        if (raw.log_driver) {
                size_t i;
                for (i = 0; i < ARRAY_SIZE(log_drivers); i++)
                        if (STREQ(raw.log_driver, log_drivers[i]))
                                break;
                if (i == ARRAY_SIZE(log_drivers)) {
                        r = err_set(e, EINVAL,
                                    "--log-driver: unknown driver '%s' (expected k8s-file, "
                                    "json-file, journald or none)",
                                    raw.log_driver);
                        goto out;
                }
                o->log_driver = (enum mon_log_driver)i;
        }
        if (raw.log_max_size && (r = mon_size_parse(raw.log_max_size, &o->log_max_size, e)) < 0) {
                err_wrap(e, "--log-max-size");
                goto out;
        }
        if (raw.log_max_file && (str_to_int64(raw.log_max_file, &o->log_max_file) < 0 ||
                                 o->log_max_file < 1 || o->log_max_file > MON_LOG_MAX_FILE_LIMIT)) {
                r = err_set(e, EINVAL, "--log-max-file: invalid count '%s' (1 to %d)",
                            raw.log_max_file, MON_LOG_MAX_FILE_LIMIT);
                goto out;
        }
        if ((r = mon_restart_parse(raw.restart, &o->restart, &o->restart_max, e)) < 0)
                goto out;
        if (raw.exit_args && !raw.exit_command) {
                r = err_set(e, EINVAL, "--exit-command-arg without --exit-command");
                goto out;
        }
        if (raw.exit_command) {
                strv_add(&o->exit_argv, raw.exit_command);
                for (size_t i = 0; raw.exit_args && raw.exit_args[i]; i++)
                        strv_add(&o->exit_argv, raw.exit_args[i]);
        }
        o->id = xstrdup(raw.id);
        o->bundle = absolute(raw.bundle);
        o->rundir = absolute(raw.rundir);
        o->runtime_root = absolute(raw.runtime_root);
        if (raw.runtime) {
                /* a bare name (runc, crun) is looked up in PATH */
                char *found = strchr(raw.runtime, '/') ? NULL : host_find_program(raw.runtime);
                o->runtime = found ? found : absolute(raw.runtime);
        }
        if (raw.log_path)
                o->log_path = absolute(raw.log_path);
        else if (o->log_driver == MON_LOG_K8S_FILE || o->log_driver == MON_LOG_JSON_FILE)
                o->log_path = xasprintf("%s/ctr.log", o->bundle);
        o->tty = raw.tty;
        o->stdin_open = raw.stdin_open;
        o->wait_create = raw.wait_create;
        o->new_netns = raw.new_netns;
        r = 0;
out:
        cli_options_free(options, &raw);
        cli_parse_result_done(&res);
        return r;
}

void mon_opts_done(struct mon_opts *o)
{
        free(o->id);
        free(o->bundle);
        free(o->rundir);
        free(o->runtime_root);
        free(o->runtime);
        free(o->log_path);
        strv_free(o->exit_argv);
        *o = (struct mon_opts){.sync_fd = -1};
}
