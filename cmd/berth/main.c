/* SPDX-License-Identifier: Apache-2.0 */
/* berth: parse the command line, find the command, run it. */
#include <errno.h>
#include <string.h>

#include "cmd.h"

#define G(f) offsetof(struct berth_globals, f)
const struct cli_option global_options[] = {
        {"cgroup-manager", 0, CLI_STRING, G(cgroup_manager), NULL,
         "Cgroup manager to use (\"cgroupfs\"|\"systemd\")"},
        {"log-level", 0, CLI_STRING, G(log_level), NULL,
         "Log messages above specified level (trace, debug, info, warn, warning, error, fatal, "
         "panic)",
         "warn"},
        {"root", 0, CLI_STRING, G(root), NULL, "Path to the root directory in which data, "
                                               "including images, is stored"},
        {"runroot", 0, CLI_STRING, G(runroot), NULL,
         "Path to the 'run directory' where all state information is stored"},
        {"runtime", 0, CLI_STRING, G(runtime), NULL,
         "Path to the OCI-compatible binary used to run containers, or \"berth\" for the "
         "built-in runtime"},
        {"storage-driver", 0, CLI_STRING, G(storage_driver), NULL,
         "Select which storage driver is used to manage storage of images and containers"},
        {"storage-opt", 0, CLI_STRV, G(storage_opts), NULL,
         "Used to pass an option to the storage driver"},
        {"tmpdir", 0, CLI_STRING, G(tmpdir), NULL,
         "Path to the tmp directory for libpod state content"},
        {"version", 'v', CLI_BOOL, G(version), NULL, "Version of berth"},
        CLI_END,
};

int print_error(struct err *e)
{
        fprintf(stderr, "Error: %s\n", e && e->msg ? e->msg : "unknown error");
        return EXIT_BERTH_ERROR;
}

int print_out(const char *s, size_t len)
{
        while (len) {
                ssize_t n = write(STDOUT_FILENO, s, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                s += n;
                len -= (size_t)n;
        }
        return 0;
}

int print_report(int r, struct sbuf *out, struct err *e)
{
        if (r < 0) {
                sbuf_done(out);
                return print_error(e);
        }
        print_out(out->buf ? out->buf : "", out->len);
        sbuf_done(out);
        return 0;
}

int ctx_config(struct berth_ctx *ctx, struct config **ret, struct err *e)
{
        if (!ctx->cfg) {
                struct config_overrides ovr = {
                        .root = ctx->g.root,
                        .runroot = ctx->g.runroot,
                        .storage_driver = ctx->g.storage_driver,
                        .storage_opts = ctx->g.storage_opts,
                        .runtime = ctx->g.runtime,
                        .cgroup_manager = ctx->g.cgroup_manager,
                        .tmpdir = ctx->g.tmpdir,
                };
                /* --storage-opt "" means "no options": keep an empty, non-NULL vector. */
                char *empty[] = {NULL};
                if (ctx->g.storage_opts == NULL && ctx->storage_opts_set)
                        ovr.storage_opts = empty;
                int r = config_load(NULL, &ovr, &ctx->cfg, e);
                if (r < 0)
                        return r;
        }
        *ret = ctx->cfg;
        return 0;
}

static char *cmd_path_of(char *const *names, size_t n)
{
        struct sbuf b = {0};
        sbuf_append(&b, "berth");
        for (size_t i = 0; i < n; i++) {
                sbuf_putc(&b, ' ');
                sbuf_append(&b, names[i]);
        }
        return sbuf_steal(&b);
}

static const struct berth_cmd *find_sub(const struct berth_cmd *group, const char *name)
{
        for (const struct berth_cmd *const *c = group->subs; c && *c; c++) {
                if (STREQ((*c)->name, name))
                        return *c;
                for (const char *const *a = (*c)->aliases; a && *a; a++)
                        if (STREQ(*a, name))
                                return *c;
        }
        return NULL;
}

static int usage_error(const struct berth_cmd *cmd, const char *path, const char *msg)
{
        fprintf(stderr, "Error: %s\nUsage: %s %s\nSee '%s --help'.\n", msg, path,
                cmd->usage ? cmd->usage : "[options]", path);
        return EXIT_BERTH_ERROR;
}

static int show_help(const struct berth_cmd *cmd, const char *path)
{
        struct sbuf b = {0};
        cmd_help(cmd, path, &b);
        print_out(b.buf, b.len);
        sbuf_done(&b);
        return 0;
}

static int apply_log_level(struct berth_ctx *ctx)
{
        if (log_level_from_env() < 0) {
                fprintf(stderr, "Error: invalid BERTH_LOG_LEVEL '%s'\n", getenv("BERTH_LOG_LEVEL"));
                return -EINVAL;
        }
        if (ctx->g.log_level) {
                int l = log_level_from_string(ctx->g.log_level);
                if (l < 0) {
                        fprintf(stderr,
                                "Error: log-level \"%s\" is not a valid level: use one of trace, "
                                "debug, info, warn, warning, error, fatal, panic\n",
                                ctx->g.log_level);
                        return -EINVAL;
                }
                log_set_level(l);
        }
        return 0;
}

static bool has_storage_opt(int argc, char **argv)
{
        for (int i = 0; i < argc; i++)
                if (str_has_prefix(argv[i], "--storage-opt"))
                        return true;
        return false;
}

static int run(struct berth_ctx *ctx, int argc, char **argv)
{
        struct cli_parse_result res = {0};
        bool help = false;
        /* Global options before the command name. */
        int r = cli_parse(argc - 1, argv + 1, NULL, NULL, global_options, &ctx->g,
                          CLI_STOP_AT_FIRST_ARG, &help, &res);
        if (r < 0) {
                int rc = usage_error(&cmd_root, "berth", res.error);
                cli_parse_result_done(&res);
                return rc;
        }
        _cleanup_strv_ char **rest = steal_pointer(&res.args);
        cli_parse_result_done(&res);
        ctx->storage_opts_set = has_storage_opt(argc, argv);

        if (ctx->g.version) {
                printf("berth version %s\n", BERTH_VERSION);
                return 0;
        }
        if (!rest[0]) {
                if (help)
                        return show_help(&cmd_root, "berth");
                return usage_error(&cmd_root, "berth", "missing command 'berth COMMAND'");
        }

        /* Walk down the groups: `berth system info`, `berth image ls`. */
        const struct berth_cmd *cmd = &cmd_root;
        size_t depth = 0;
        while (cmd->subs && rest[depth] && rest[depth][0] != '-') {
                const struct berth_cmd *sub = find_sub(cmd, rest[depth]);
                if (!sub) {
                        _cleanup_free_ char *path = cmd_path_of(rest, depth);
                        fprintf(stderr,
                                "Error: unrecognized command '%s %s'\nUsage: %s %s\n"
                                "Try '%s --help' for more information.\n",
                                path, rest[depth], path, cmd->usage, path);
                        return EXIT_BERTH_ERROR;
                }
                cmd = sub;
                depth++;
        }
        _cleanup_free_ char *path = cmd_path_of(rest, depth);

        void *opts = cmd->opts_size ? xcalloc(1, cmd->opts_size) : NULL;
        /* Booleans that default to true (podman's -H, ...): "--flag=false"
         * turns them off. */
        for (const struct cli_option *o = cmd->options; opts && o && o->name; o++)
                if (o->type == CLI_BOOL && o->dflt && STREQ(o->dflt, "true"))
                        *(bool *)((char *)opts + o->offset) = true;
        int nargs = (int)strv_length(rest + depth);
        r = cli_parse(nargs, rest + depth, cmd->options, opts, global_options, &ctx->g,
                      cmd->parse_flags, &help, &res);
        int rc = 0;
        if (r < 0) {
                rc = usage_error(cmd, path, res.error);
                goto out;
        }
        if (help) {
                rc = show_help(cmd, path);
                goto out;
        }
        if (apply_log_level(ctx) < 0) {
                rc = EXIT_BERTH_ERROR;
                goto out;
        }
        if (cmd->subs) {
                /* A group alone shows its commands, as podman does. */
                rc = res.args[0] ? usage_error(cmd, path, "unexpected argument")
                                 : show_help(cmd, path);
                goto out;
        }
        int n = (int)strv_length(res.args);
        if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args)) {
                _cleanup_free_ char *msg =
                        cmd->max_args == 0
                                ? xasprintf("'%s' takes no arguments", path)
                                : cmd->min_args == cmd->max_args
                                          ? xasprintf("'%s' requires exactly %d argument%s",
                                                      path, cmd->min_args,
                                                      cmd->min_args == 1 ? "" : "s")
                                          : n < cmd->min_args
                                                    ? xasprintf("'%s' requires at least %d "
                                                                "argument%s",
                                                                path, cmd->min_args,
                                                                cmd->min_args == 1 ? "" : "s")
                                                    : xasprintf("'%s' accepts at most %d "
                                                                "argument%s",
                                                                path, cmd->max_args,
                                                                cmd->max_args == 1 ? "" : "s");
                rc = usage_error(cmd, path, msg);
                goto out;
        }
        if (cmd->needs_userns) {
                /* Before the command can load configuration or start a thread:
                 * setns() into a user namespace needs a single-threaded process. */
                struct err e = {0};
                unsigned flags = 0;
                /* podman maps the user alone when there are no subordinate ids;
                 * berth refuses unless asked to (the store would be unusable
                 * for most images). */
                const char *single = getenv("BERTH_USERNS_ALLOW_SINGLE_MAPPING");
                if (single && STREQ(single, "1"))
                        flags |= USERNS_ALLOW_SINGLE_MAPPING;
                if (userns_enter(flags, &e) < 0) {
                        rc = print_error(&e);
                        err_done(&e);
                        goto out;
                }
        }
        rc = cmd->run(ctx, opts, res.args);
out:
        cli_parse_result_done(&res);
        if (opts) {
                cli_options_free(cmd->options, opts);
                free(opts);
        }
        return rc;
}

int main(int argc, char **argv)
{
        /* The pause process of the rootless user namespace, when catatonit
         * is missing (see userns.c): nothing else may run first. */
        if (argc == 2 && STREQ(argv[1], USERNS_PAUSE_ARG))
                userns_pause();
        struct berth_ctx ctx = {0};
        int rc = run(&ctx, argc, argv);
        cli_options_free(global_options, &ctx.g);
        ctx_done(&ctx);
        config_free(ctx.cfg);
        fflush(stdout);
        if (ferror(stdout))
                return rc ? rc : EXIT_BERTH_ERROR;
        return rc;
}
