/* SPDX-License-Identifier: Apache-2.0 */
/* berth run, berth container run */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

static int run_run(struct berth_ctx *ctx, void *opts, char **args)
{
        struct create_cli *c = opts;
        _cleanup_err_ struct err e = {0};
        struct container_create_opts o;
        if (create_cli_opts(c, args, &o, &e) < 0)
                return print_error(&e);
        _cleanup_strv_ char **argv = create_cli_argv();
        o.create_command = argv;
        o.keep_mounted = true;
        struct engine_monitor *monitor = NULL;
        o.monitor = &monitor;
        struct config *cfg;
        struct store *s;
        if (ctx_config(ctx, &cfg, &e) < 0 || ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_free_ char *id = NULL;
        if (engine_container_create(s, cfg, &o, &id, &e) < 0)
                return print_error(&e);
        struct container_start_opts so = {
                .attach = !c->detach,
                .stdin = c->interactive && !c->detach,
                .detach_keys = c->detach_keys,
                .sig_proxy = c->sig_proxy,
                .monitor = monitor,
        };
        int code = 0;
        bool detached = false;
        if (engine_container_start(s, cfg, id, &so, &code, &detached, &e) < 0) {
                fprintf(stderr, "Error: %s\n", e.msg);
                return code ? code : EXIT_BERTH_ERROR;
        }
        if (c->detach) {
                printf("%s\n", id);
                return 0;
        }
        return code;
}

const struct berth_cmd cmd_run = {
        .name = "run",
        .summary = "Run a command in a new container",
        .usage = "[options] IMAGE [COMMAND [ARG...]]",
        .options = run_options,
        .opts_size = sizeof(struct create_cli),
        .parse_flags = CLI_STOP_AT_FIRST_ARG,
        .min_args = 1,
        .max_args = -1,
        .needs_userns = true,
        .run = run_run,
};
