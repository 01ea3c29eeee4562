/* SPDX-License-Identifier: Apache-2.0 */
/* berth restart, berth container restart */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct restart_cli {
        bool all, running, latest;
        char *time;
        char **cidfile;
};

#define O(f) offsetof(struct restart_cli, f)
static const struct cli_option restart_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL, "Restart all non-running containers"},
        {"cidfile", 0, CLI_STRV, O(cidfile), "stringArray", "Read the container ID from the file"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"running", 0, CLI_BOOL, O(running), NULL, "Restart only running containers"},
        {"time", 't', CLI_STRING, O(time), "uint",
         "Seconds to wait for stop before killing the container", "10"},
        CLI_END,
};

static int run_restart(struct berth_ctx *ctx, void *opts, char **args)
{
        struct restart_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        int64_t timeout;
        if (ctr_cli_timeout(o->time, &timeout, &e) < 0)
                return print_error(&e);
        /* --all restarts every container, --running with it only the running ones. */
        struct ctr_sel sel = {.all = o->all,
                              .all_stopped = !o->running,
                              .latest = o->latest,
                              .cidfiles = o->cidfile};
        struct config *cfg;
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctr_cli_select(ctx, &sel, args, &s, &names, &e) < 0 || ctx_config(ctx, &cfg, &e) < 0)
                return print_error(&e);
        int rc = 0;
        for (char **a = names; a && *a; a++) {
                struct err se = {0};
                _cleanup_free_ char *id = NULL;
                if (engine_container_restart(s, cfg, *a, timeout, &id, &se) < 0) {
                        fprintf(stderr, "Error: %s\n", se.msg);
                        rc = EXIT_BERTH_ERROR;
                        err_done(&se);
                        continue;
                }
                printf("%s\n", *a);
                fflush(stdout);
        }
        return rc;
}

const struct berth_cmd cmd_restart = {
        .name = "restart",
        .summary = "Restart one or more containers",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = restart_options,
        .opts_size = sizeof(struct restart_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_restart,
};
