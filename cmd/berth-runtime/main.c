/* SPDX-License-Identifier: Apache-2.0 */
/*
 * berth-runtime: runc's command line over the runtime library. Engines
 * (podman, conmon, containerd, berth --runtime) drive it exactly as they
 * drive runc, so flag names, defaults, outputs, exit codes and the --log
 * records follow runc 1.1.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "berth-config.h"
#include "rtcli.h"

#define RUNTIME_SPEC_VERSION "1.2.0"

#define G(f) offsetof(struct rtcli_globals, f)
static const struct cli_option global_options[] = {
        {"debug", 0, CLI_BOOL, G(debug), NULL, "enable debug logging"},
        {"log", 0, CLI_STRING, G(log), "value",
         "set the log file to write berth-runtime logs to (default is '/dev/stderr')"},
        {"log-format", 0, CLI_STRING, G(log_format), "value",
         "set the log format ('text' (default), or 'json')", "text"},
        {"root", 0, CLI_STRING, G(root), "value",
         "root directory for storage of container state (this should be located in tmpfs)",
         "/run/berth-runtime"},
        {"criu", 0, CLI_STRING, G(criu), "value",
         "path to the criu binary used for checkpoint and restore (not supported; ignored)",
         "criu"},
        {"systemd-cgroup", 0, CLI_BOOL, G(systemd_cgroup), NULL,
         "enable systemd cgroup support, expects cgroupsPath to be of form \"slice:prefix:name\" "
         "for e.g. \"system.slice:runc:434234\""},
        {"rootless", 0, CLI_STRING, G(rootless), "value",
         "ignore cgroup permission errors ('true', 'false', or 'auto')", "auto"},
        {"help", 'h', CLI_BOOL, G(help), NULL, "show help"},
        {"version", 'v', CLI_BOOL, G(version), NULL, "print the version"},
        CLI_END,
};

static const struct rtcli_cmd *const commands[] = {
        &rtcli_cmd_create, &rtcli_cmd_delete,   &rtcli_cmd_exec,
        &rtcli_cmd_kill,   &rtcli_cmd_list,     &rtcli_cmd_pause,
        &rtcli_cmd_ps,     &rtcli_cmd_resume,   &rtcli_cmd_run,
        &rtcli_cmd_spec,   &rtcli_cmd_start,    &rtcli_cmd_state,
        &rtcli_cmd_update, &rtcli_cmd_features, NULL,
};

int rtcli_ctx(struct rtcli *c, const struct rt_ctx **ret, struct err *e)
{
        if (!c->ctx_ready) {
                int rootless = -1;
                const char *rl = c->g.rootless;
                if (rl && !STREQ(rl, "auto")) {
                        bool b;
                        if (str_to_bool(rl, &b) < 0)
                                return err_set(e, EINVAL,
                                               "invalid value for --rootless: '%s' (expected "
                                               "'true', 'false' or 'auto')",
                                               rl);
                        rootless = b;
                }
                int r = rt_ctx_init(&c->ctx, c->g.root, rootless, c->g.systemd_cgroup, e);
                if (r < 0)
                        return r;
                c->ctx_ready = true;
        }
        *ret = &c->ctx;
        return 0;
}

static void print_version(void)
{
        _cleanup_free_ char *v = rt_libseccomp_version();
        printf("berth-runtime version %s\n", BERTH_VERSION);
        printf("commit: %s\n", *BERTH_GIT_COMMIT ? BERTH_GIT_COMMIT : "unknown");
        printf("spec: %s\n", RUNTIME_SPEC_VERSION);
        if (v)
                printf("libseccomp: %s\n", v);
}

static void print_main_help(void)
{
        struct sbuf b = {0};
        sbuf_append(&b, "NAME:\n   berth-runtime - Open Container Initiative runtime\n\n"
                        "berth-runtime runs containers from OCI bundles with runc's command "
                        "line.\n\nUSAGE:\n   berth-runtime [global options] command "
                        "[command options] [arguments...]\n\nCOMMANDS:\n");
        for (const struct rtcli_cmd *const *c = commands; *c; c++)
                sbuf_printf(&b, "   %-10s  %s\n", (*c)->name, (*c)->summary);
        sbuf_append(&b, "   help, h     Shows a list of commands or help for one command\n\n"
                        "GLOBAL OPTIONS:\n");
        cli_options_help(global_options, &b);
        fputs(b.buf, stdout);
        sbuf_done(&b);
}

static void print_cmd_help(const struct rtcli_cmd *cmd)
{
        struct sbuf b = {0};
        sbuf_printf(&b, "NAME:\n   berth-runtime %s - %s\n\nUSAGE:\n   berth-runtime %s %s\n",
                    cmd->name, cmd->summary, cmd->name, cmd->usage);
        if (cmd->description)
                sbuf_printf(&b, "\nDESCRIPTION:\n   %s\n", cmd->description);
        if (cmd->options && cmd->options->name) {
                sbuf_append(&b, "\nOPTIONS:\n");
                cli_options_help(cmd->options, &b);
        }
        fputs(b.buf, stdout);
        sbuf_done(&b);
}

static const struct cli_option *find_long(const struct cli_option *t, const char *name, size_t n)
{
        for (; t && t->name; t++)
                if (strlen(t->name) == n && strncmp(t->name, name, n) == 0)
                        return t;
        return NULL;
}

static const struct cli_option *find_short(const struct cli_option *t, char c)
{
        for (; t && t->name; t++)
                if (t->shortname == c)
                        return t;
        return NULL;
}

/* Allocates: argv with Go's single-dash long flags (`-root x`,
 * `-log-format=json`), which runc accepts, spelled with two dashes for
 * cli_parse(). Walks the arguments as cli_parse() will, so a value or the
 * container's own command line is never rewritten. */
static char **go_flags(int argc, char **argv, const struct cli_option *t, bool stop_at_arg)
{
        char **out = xcalloc(1, sizeof(char *));
        int i = 0;
        for (; i < argc; i++) {
                const char *a = argv[i];
                if (STREQ(a, "--") || a[0] != '-' || a[1] == '\0') {
                        if (STREQ(a, "--") || stop_at_arg)
                                break;
                        strv_add(&out, a);
                        continue;
                }
                const char *name = a + (a[1] == '-' ? 2 : 1);
                size_t n = strcspn(name, "=");
                const struct cli_option *o = find_long(t, name, n);
                if (!o && a[1] != '-' && a[2] == '\0')
                        o = find_short(t, a[1]);
                if (a[1] != '-' && o && n > 1)
                        strv_push(&out, xasprintf("-%s", a));
                else
                        strv_add(&out, a);
                if (o && o->type != CLI_BOOL && !name[n] && i + 1 < argc)
                        strv_add(&out, argv[++i]);
        }
        for (; i < argc; i++)
                strv_add(&out, argv[i]);
        return out;
}

static const char *plural(int n)
{
        return n == 1 ? "" : "s";
}

static int check_args(const struct rtcli_cmd *cmd, size_t n, struct err *e)
{
        if (cmd->exact_args && (int)n != cmd->min_args)
                return err_set(e, EINVAL, "\"%s\" requires exactly %d argument%s", cmd->name,
                               cmd->min_args, plural(cmd->min_args));
        if ((int)n < cmd->min_args)
                return err_set(e, EINVAL, "\"%s\" requires a minimum of %d argument%s", cmd->name,
                               cmd->min_args, plural(cmd->min_args));
        if (cmd->max_args >= 0 && (int)n > cmd->max_args)
                return err_set(e, EINVAL, "\"%s\" requires a maximum of %d argument%s", cmd->name,
                               cmd->max_args, plural(cmd->max_args));
        return 0;
}

static int run_command(struct rtcli *c, const struct rtcli_cmd *cmd, int argc, char **argv)
{
        struct err e = {0};
        _cleanup_strv_ char **norm = go_flags(argc, argv, cmd->options, cmd->stop_at_first_arg);
        _cleanup_free_ void *opts = xcalloc(1, cmd->opts_size ? cmd->opts_size : 1);
        struct cli_parse_result res = {0};
        bool help = false;
        int rc;
        int r = cli_parse((int)strv_length(norm), norm, cmd->options, opts, NULL, NULL,
                          cmd->stop_at_first_arg ? CLI_STOP_AT_FIRST_ARG : 0, &help, &res);
        if (r < 0) {
                err_set(&e, EINVAL, "%s", res.error);
                rc = rtcli_fail(c, &e);
        } else if (help) {
                print_cmd_help(cmd);
                rc = 0;
        } else if (check_args(cmd, strv_length(res.args), &e) < 0) {
                rc = rtcli_fail(c, &e);
        } else {
                r = cmd->run(c, opts, res.args, &e);
                rc = r >= 0            ? r
                     : cmd->error_code ? (rtcli_fail(c, &e), cmd->error_code)
                                       : rtcli_fail(c, &e);
        }
        if (cmd->options)
                cli_options_free(cmd->options, opts);
        cli_parse_result_done(&res);
        err_done(&e);
        return rc;
}

static const struct rtcli_cmd *find_command(const char *name)
{
        for (const struct rtcli_cmd *const *c = commands; *c; c++)
                if (STREQ((*c)->name, name))
                        return *c;
        return NULL;
}

/* Open --log as runc does: appended to, created 0644. */
static int open_log(struct rtcli *c, struct err *e)
{
        const char *fmt = c->g.log_format ? c->g.log_format : "text";
        if (STREQ(fmt, "json"))
                c->log_json = true;
        else if (!STREQ(fmt, "text"))
                return err_set(e, EINVAL, "invalid log-format: %s", fmt);
        if (c->g.log && *c->g.log && !STREQ(c->g.log, "/dev/stderr")) {
                c->log_fd = open(c->g.log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
                if (c->log_fd < 0)
                        return err_errno(e, "open log file '%s'", c->g.log);
        }
        return 0;
}

int main(int argc, char **argv)
{
        struct rtcli c = {.log_fd = -1};
        struct err e = {0};
        struct cli_parse_result res = {0};
        bool help = false;
        int rc = 0;

        (void)log_level_from_env();
        _cleanup_strv_ char **norm = go_flags(argc - 1, argv + 1, global_options, true);
        int r = cli_parse((int)strv_length(norm), norm, global_options, &c.g, NULL, NULL,
                          CLI_STOP_AT_FIRST_ARG, &help, &res);
        if (r < 0) {
                err_set(&e, EINVAL, "%s", res.error);
                rc = rtcli_fail(&c, &e);
                goto out;
        }
        if (open_log(&c, &e) < 0) {
                rc = rtcli_fail(&c, &e);
                goto out;
        }
        /* The library's warnings (and --debug's messages) go where ours go. */
        log_set_sink(rtcli_log_sink, &c);
        if (c.g.debug)
                log_set_level(LOG_DEBUG);
        if (c.g.version) {
                print_version();
                goto out;
        }
        char **args = res.args;
        if (!args[0] || help || c.g.help) {
                print_main_help();
                goto out;
        }
        if (STREQ(args[0], "help") || STREQ(args[0], "h")) {
                const struct rtcli_cmd *cmd = args[1] ? find_command(args[1]) : NULL;
                if (args[1] && !cmd) {
                        err_set(&e, EINVAL, "No help topic for '%s'", args[1]);
                        rc = rtcli_fail(&c, &e) + 2;
                } else if (cmd) {
                        print_cmd_help(cmd);
                } else {
                        print_main_help();
                }
                goto out;
        }
        const struct rtcli_cmd *cmd = find_command(args[0]);
        if (!cmd) {
                err_set(&e, EINVAL, "No help topic for '%s'", args[0]);
                rc = rtcli_fail(&c, &e) + 2; /* runc's usage exit code, 3 */
                goto out;
        }
        rc = run_command(&c, cmd, (int)strv_length(args) - 1, args + 1);
out:
        fflush(stdout);
        if (c.ctx_ready)
                rt_ctx_done(&c.ctx);
        cli_options_free(global_options, &c.g);
        cli_parse_result_done(&res);
        err_done(&e);
        log_set_sink(NULL, NULL);
        if (c.log_fd >= 0)
                close(c.log_fd);
        return rc;
}
