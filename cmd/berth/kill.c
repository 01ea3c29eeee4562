/* SPDX-License-Identifier: Apache-2.0 */
/* berth kill, berth container kill */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct kill_cli {
        bool all, latest;
        char *signal;
        char **cidfile;
};

#define O(f) offsetof(struct kill_cli, f)
static const struct cli_option kill_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL, "Signal all running containers"},
        {"cidfile", 0, CLI_STRV, O(cidfile), "stringArray", "Read the container ID from the file"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"signal", 's', CLI_STRING, O(signal), "string", "Signal to send to the container", "KILL"},
        CLI_END,
};

static int run_kill(struct berth_ctx *ctx, void *opts, char **args)
{
        struct kill_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct ctr_sel sel = {.all = o->all, .latest = o->latest, .cidfiles = o->cidfile};
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctr_cli_select(ctx, &sel, args, &s, &names, &e) < 0)
                return print_error(&e);
        int rc = 0;
        for (char **a = names; a && *a; a++) {
                struct err ke = {0};
                _cleanup_free_ char *id = NULL;
                if (engine_container_kill(s, *a, o->signal, &id, &ke) < 0) {
                        fprintf(stderr, "Error: %s\n", ke.msg);
                        err_done(&ke);
                        rc = EXIT_BERTH_ERROR;
                        continue;
                }
                printf("%s\n", *a);
        }
        return rc;
}

const struct berth_cmd cmd_kill = {
        .name = "kill",
        .summary = "Kill one or more running containers with a specific signal",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = kill_options,
        .opts_size = sizeof(struct kill_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_kill,
};
