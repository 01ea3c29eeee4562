/* SPDX-License-Identifier: Apache-2.0 */
/* berth rename, berth container rename */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "engine.h"

static int run_rename(struct berth_ctx *ctx, void *opts, char **args)
{
        (void)opts;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        if (engine_container_rename(s, args[0], args[1], &e) < 0)
                return print_error(&e);
        return 0;
}

const struct berth_cmd cmd_rename = {
        .name = "rename",
        .summary = "Rename an existing container",
        .usage = "CONTAINER NAME",
        .min_args = 2,
        .max_args = 2,
        .needs_userns = true,
        .run = run_rename,
};
