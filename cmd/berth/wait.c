/* SPDX-License-Identifier: Apache-2.0 */
/* berth wait, berth container wait */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "engine.h"

struct wait_cli {
        char **condition;
        bool ignore;
};

#define O(f) offsetof(struct wait_cli, f)
static const struct cli_option wait_options[] = {
        {"condition", 0, CLI_STRV, O(condition), "strings", "Condition to wait on", "stopped"},
        {"ignore", 0, CLI_BOOL, O(ignore), NULL, "Ignore if a container does not exist"},
        CLI_END,
};

static int run_wait(struct berth_ctx *ctx, void *opts, char **args)
{
        struct wait_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        int rc = 0;
        for (char **a = args; *a; a++) {
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
        .min_args = 1,
        .max_args = -1,
        .needs_userns = true,
        .run = run_wait,
};
