/* SPDX-License-Identifier: Apache-2.0 */
/* berth port, berth container port */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct port_cli {
        bool all, latest;
};

static const struct cli_option port_options[] = {
        {"all", 'a', CLI_BOOL, offsetof(struct port_cli, all), NULL,
         "Display port information for all containers"},
        {"latest", 'l', CLI_BOOL, offsetof(struct port_cli, latest), NULL,
         "Act on the latest container berth is aware of"},
        CLI_END,
};

static void print_ports(char *const *ports, const char *prefix)
{
        for (char *const *p = ports; p && *p; p++)
                printf("%s%s\n", prefix, *p);
}

static int run_port(struct berth_ctx *ctx, void *opts, char **args)
{
        struct port_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        /* With --latest the one argument is a PORT. */
        struct ctr_sel sel = {.all = o->all,
                              .latest = o->latest,
                              .none = "you must supply a running container name or id"};
        if (ctr_cli_check(&sel, o->latest ? args + (args[0] != NULL) : args, &e) < 0)
                return print_error(&e);
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        if (!o->all) {
                _cleanup_free_ char *latest = NULL;
                if (o->latest && ctr_cli_latest(s, &latest, &e) < 0)
                        return print_error(&e);
                _cleanup_strv_ char **ports = NULL;
                if (engine_container_ports(s, latest ? latest : args[0], &ports, &e) < 0)
                        return print_error(&e);
                print_ports(ports, "");
                return 0;
        }
        _cleanup_strv_ char **ids = NULL;
        if (engine_container_ids(s, true, &ids, &e) < 0)
                return print_error(&e);
        for (char **id = ids; id && *id; id++) {
                _cleanup_strv_ char **ports = NULL;
                struct err pe = {0};
                if (engine_container_ports(s, *id, &ports, &pe) < 0) {
                        err_done(&pe); /* removed meanwhile */
                        continue;
                }
                _cleanup_free_ char *prefix = xasprintf("%.12s\t", *id);
                print_ports(ports, prefix);
        }
        return 0;
}

const struct berth_cmd cmd_port = {
        .name = "port",
        .summary = "List port mappings or a specific mapping for the container",
        .usage = "[options] CONTAINER [PORT]",
        .options = port_options,
        .opts_size = sizeof(struct port_cli),
        .min_args = 0,
        .max_args = 2,
        .needs_userns = true,
        .run = run_port,
};
