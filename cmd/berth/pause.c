/* SPDX-License-Identifier: Apache-2.0 */
/* berth pause / unpause, berth container pause / unpause */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "ctr-cli.h"
#include "engine.h"

struct pause_cli {
        bool all, latest;
        char **cidfile;
};

#define O(f) offsetof(struct pause_cli, f)
static const struct cli_option pause_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL, "Pause all running containers"},
        {"cidfile", 0, CLI_STRV, O(cidfile), "strings", "Read the container ID from the file"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        CLI_END,
};
static const struct cli_option unpause_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL, "Unpause all paused containers"},
        {"cidfile", 0, CLI_STRV, O(cidfile), "strings", "Read the container ID from the file"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        CLI_END,
};

static int run(struct berth_ctx *ctx, struct pause_cli *o, char **args, bool pause)
{
        _cleanup_err_ struct err e = {0};
        bool all = o->all;
        /* -a: the running ones (paused count as running here); the engine
         * call tells which are in the wrong state, skipped with -a. */
        struct ctr_sel sel = {.all = all, .latest = o->latest, .cidfiles = o->cidfile};
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctr_cli_select(ctx, &sel, args, &s, &names, &e) < 0)
                return print_error(&e);
        int rc = 0;
        for (char **a = names; a && *a; a++) {
                struct err pe = {0};
                _cleanup_free_ char *id = NULL;
                int r = pause ? engine_container_pause(s, *a, &id, &pe)
                              : engine_container_unpause(s, *a, &id, &pe);
                if (r < 0) {
                        if (!(all && pe.code == EINVAL)) {
                                fprintf(stderr, "Error: %s\n", pe.msg);
                                rc = EXIT_BERTH_ERROR;
                        }
                        err_done(&pe);
                        continue;
                }
                printf("%s\n", all ? id : *a);
        }
        return rc;
}

static int run_pause(struct berth_ctx *ctx, void *opts, char **args)
{
        return run(ctx, opts, args, true);
}

static int run_unpause(struct berth_ctx *ctx, void *opts, char **args)
{
        return run(ctx, opts, args, false);
}

const struct berth_cmd cmd_pause = {
        .name = "pause",
        .summary = "Pause all the processes in one or more containers",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = pause_options,
        .opts_size = sizeof(struct pause_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_pause,
};

const struct berth_cmd cmd_unpause = {
        .name = "unpause",
        .summary = "Unpause the processes in one or more containers",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = unpause_options,
        .opts_size = sizeof(struct pause_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_unpause,
};
