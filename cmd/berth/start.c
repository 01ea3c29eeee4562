/* SPDX-License-Identifier: Apache-2.0 */
/* berth start, berth container start */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct start_cli {
        bool attach, interactive, all, sig_proxy, latest;
        char *detach_keys;
};

#define O(f) offsetof(struct start_cli, f)
static const struct cli_option start_options[] = {
        {"all", 0, CLI_BOOL, O(all), NULL,
         "Start all containers regardless of their state or "
         "configuration"},
        {"attach", 'a', CLI_BOOL, O(attach), NULL, "Attach container's STDOUT and STDERR"},
        {"detach-keys", 0, CLI_STRING, O(detach_keys), "string",
         "Select the key sequence for detaching a container. Format is a single character [a-Z] "
         "or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, "
         "`@`, `^`, `[`, `\\\\`, `]`, `^` or `_`",
         "ctrl-p,ctrl-q"},
        {"interactive", 'i', CLI_BOOL, O(interactive), NULL,
         "Keep STDIN open even if not "
         "attached"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"sig-proxy", 0, CLI_BOOL, O(sig_proxy), NULL,
         "Proxy received signals to the process (default true if attaching, false otherwise)",
         "true"},
        CLI_END,
};

static int run_start(struct berth_ctx *ctx, void *opts, char **args)
{
        struct start_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        if (o->all && args[0]) {
                err_set(&e, EINVAL,
                        "either start all containers or the container(s) provided in the "
                        "arguments");
                return print_error(&e);
        }
        struct ctr_sel sel = {.all = o->all,
                              .all_stopped = true,
                              .latest = o->latest,
                              .none = "start requires at least one argument"};
        struct config *cfg;
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctr_cli_select(ctx, &sel, args, &s, &names, &e) < 0 || ctx_config(ctx, &cfg, &e) < 0)
                return print_error(&e);
        args = names;
        if (o->attach && args && args[0] && args[1]) {
                err_set(&e, EINVAL, "you cannot start and attach multiple containers at once");
                return print_error(&e);
        }
        int rc = 0;
        for (char **a = args; a && *a; a++) {
                struct container_start_opts so = {
                        .attach = o->attach,
                        .stdin = o->interactive,
                        .detach_keys = o->detach_keys,
                        /* podman: true when attaching unless --sig-proxy=false. */
                        .sig_proxy = o->attach && o->sig_proxy,
                };
                int code = 0;
                bool detached = false;
                struct err se = {0};
                if (engine_container_start(s, cfg, *a, &so, &code, &detached, &se) < 0) {
                        fprintf(stderr, "Error: %s\n", se.msg);
                        err_done(&se);
                        rc = code ? code : EXIT_BERTH_ERROR;
                        continue;
                }
                if (o->attach)
                        return code;
                printf("%s\n", *a);
        }
        return rc;
}

const struct berth_cmd cmd_start = {
        .name = "start",
        .summary = "Start one or more containers",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = start_options,
        .opts_size = sizeof(struct start_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_start,
};
