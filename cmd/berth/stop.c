/* SPDX-License-Identifier: Apache-2.0 */
/* berth stop, berth container stop */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct stop_cli {
        bool all, ignore, latest;
        char *time;
        char **cidfile;
};

#define O(f) offsetof(struct stop_cli, f)
static const struct cli_option stop_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL, "Stop all running containers"},
        {"cidfile", 0, CLI_STRV, O(cidfile), "stringArray", "Read the container ID from the file"},
        {"ignore", 'i', CLI_BOOL, O(ignore), NULL,
         "Ignore errors when a specified container is missing"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"time", 't', CLI_STRING, O(time), "uint",
         "Seconds to wait for stop before killing the "
         "container",
         "10"},
        CLI_END,
};

static int run_stop(struct berth_ctx *ctx, void *opts, char **args)
{
        struct stop_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        int64_t timeout;
        if (ctr_cli_timeout(o->time, &timeout, &e) < 0)
                return print_error(&e);
        struct ctr_sel sel = {.all = o->all, .latest = o->latest, .cidfiles = o->cidfile};
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctr_cli_select(ctx, &sel, args, &s, &names, &e) < 0)
                return print_error(&e);
        int rc = 0;
        for (char **a = names; a && *a; a++) {
                struct err se = {0};
                _cleanup_free_ char *id = NULL;
                if (engine_container_stop(s, *a, timeout, &id, &se) < 0) {
                        if (!(o->ignore && se.code == ENOENT)) {
                                fprintf(stderr, "Error: %s\n", se.msg);
                                rc = EXIT_BERTH_ERROR;
                        }
                        err_done(&se);
                        continue;
                }
                printf("%s\n", *a);
        }
        return rc;
}

const struct berth_cmd cmd_stop = {
        .name = "stop",
        .summary = "Stop one or more containers",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = stop_options,
        .opts_size = sizeof(struct stop_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_stop,
};
