/* SPDX-License-Identifier: Apache-2.0 */
/* berth attach, berth container attach */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct attach_cli {
        char *detach_keys;
        bool no_stdin, sig_proxy, latest;
};

#define O(f) offsetof(struct attach_cli, f)
static const struct cli_option attach_options[] = {
        {"detach-keys", 0, CLI_STRING, O(detach_keys), "string",
         "Select the key sequence for detaching a container. Format is a single character [a-Z] "
         "or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, "
         "`@`, `^`, `[`, `\\\\`, `]`, `^` or `_`",
         "ctrl-p,ctrl-q"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"no-stdin", 0, CLI_BOOL, O(no_stdin), NULL, "Do not attach STDIN. The default is false"},
        {"sig-proxy", 0, CLI_BOOL, O(sig_proxy), NULL, "Proxy received signals to the process",
         "true"},
        CLI_END,
};

static int run_attach(struct berth_ctx *ctx, void *opts, char **args)
{
        struct attach_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct ctr_sel sel = {
                .latest = o->latest,
                .none = "\"berth attach\" requires a name, id, or the \"--latest\" flag"};
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctr_cli_select(ctx, &sel, args, &s, &names, &e) < 0)
                return print_error(&e);
        struct container_attach_opts ao = {
                .detach_keys = o->detach_keys,
                .no_stdin = o->no_stdin,
                .sig_proxy = o->sig_proxy,
        };
        int code = EXIT_BERTH_ERROR;
        bool detached = false;
        if (engine_container_attach(s, names[0], &ao, &code, &detached, &e) < 0)
                return print_error(&e);
        return code;
}

const struct berth_cmd cmd_attach = {
        .name = "attach",
        .summary = "Attach to a running container",
        .usage = "[options] CONTAINER",
        .options = attach_options,
        .opts_size = sizeof(struct attach_cli),
        .min_args = 0,
        .max_args = 1,
        .needs_userns = true,
        .run = run_attach,
};
