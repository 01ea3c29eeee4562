/* SPDX-License-Identifier: Apache-2.0 */
/* berth container prune */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "engine.h"

struct prune_cli {
        bool force;
        char **filter;
};

#define O(f) offsetof(struct prune_cli, f)
static const struct cli_option prune_options[] = {
        {"filter", 0, CLI_STRV, O(filter), "strings",
         "Provide filter values (e.g. 'label=<key>=<value>', 'until=24h')"},
        {"force", 'f', CLI_BOOL, O(force), NULL,
         "Do not prompt for confirmation.  The default is false"},
        CLI_END,
};

static int run_prune(struct berth_ctx *ctx, void *opts, char **args)
{
        (void)args;
        struct prune_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        if (!o->force) {
                fputs("WARNING! This will remove all non running containers.\n"
                      "Are you sure you want to continue? [y/N] ",
                      stdout);
                fflush(stdout);
                char line[256];
                if (!fgets(line, sizeof(line), stdin)) {
                        err_set(&e, EIO, "EOF");
                        return print_error(&e);
                }
                line[strcspn(line, "\r\n")] = 0;
                if (strcasecmp(line, "y") != 0 && strcasecmp(line, "yes") != 0)
                        return 0;
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_strv_ char **ids = NULL, **errors = NULL;
        if (engine_containers_prune(s, o->filter, &ids, &errors, &e) < 0)
                return print_error(&e);
        for (char **i = ids; *i; i++)
                printf("%s\n", *i);
        for (char **x = errors; x && *x; x++)
                fprintf(stderr, "Error: %s\n", *x);
        return errors && errors[0] ? EXIT_BERTH_ERROR : 0;
}

const struct berth_cmd cmd_container_prune = {
        .name = "prune",
        .summary = "Remove all non running containers",
        .usage = "[options]",
        .options = prune_options,
        .opts_size = sizeof(struct prune_cli),
        .min_args = 0,
        .max_args = 0,
        .needs_userns = true,
        .run = run_prune,
};
