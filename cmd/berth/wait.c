/* SPDX-License-Identifier: Apache-2.0 */
/* berth wait, berth container wait */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct wait_cli {
        char **condition;
        bool ignore, latest;
};

#define O(f) offsetof(struct wait_cli, f)
static const struct cli_option wait_options[] = {
        {"condition", 0, CLI_STRV, O(condition), "strings", "Condition to wait on", "stopped"},
        {"ignore", 0, CLI_BOOL, O(ignore), NULL, "Ignore if a container does not exist"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        CLI_END,
};

static int run_wait(struct berth_ctx *ctx, void *opts, char **args)
{
        struct wait_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct ctr_sel sel = {
                .latest = o->latest,
                .none = "\"berth wait\" requires a name, id, or the \"--latest\" flag"};
        struct store *s;
        _cleanup_strv_ char **names = NULL;
        if (ctr_cli_select(ctx, &sel, args, &s, &names, &e) < 0)
                return print_error(&e);
        int rc = 0;
        for (char **a = names; *a; a++) {
                struct err we = {0};
                int code = 0;
                if (engine_container_wait(s, *a, o->condition, &code, &we) < 0) {
                        if (o->ignore && we.code == ENOENT) {
                                printf("-1\n");
                        } else {
                                fprintf(stderr, "Error: %s\n", we.msg);
                                rc = EXIT_BERTH_ERROR;
                        }
                        err_done(&we);
                        continue;
                }
                printf("%d\n", code);
                fflush(stdout);
        }
        return rc;
}

const struct berth_cmd cmd_wait = {
        .name = "wait",
        .summary = "Block on one or more containers",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = wait_options,
        .opts_size = sizeof(struct wait_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_wait,
};
