/* SPDX-License-Identifier: Apache-2.0 */
/* berth tag, berth untag (and their image group forms) */
#include "cmd.h"
#include "engine.h"

static int run_tag(struct berth_ctx *ctx, void *opts, char **args)
{
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0 || engine_image_tag(s, args[0], args + 1, &e) < 0)
                return print_error(&e);
        return 0;
}

static int run_untag(struct berth_ctx *ctx, void *opts, char **args)
{
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0 || engine_image_untag(s, args[0], args + 1, &e) < 0)
                return print_error(&e);
        return 0;
}

const struct berth_cmd cmd_tag = {
        .name = "tag",
        .summary = "Add an additional name to a local image",
        .usage = "IMAGE TARGET_NAME [TARGET_NAME...]",
        .min_args = 2,
        .max_args = -1,
        .needs_userns = true,
        .run = run_tag,
};

const struct berth_cmd cmd_untag = {
        .name = "untag",
        .summary = "Remove a name from a local image",
        .usage = "IMAGE [IMAGE...]",
        .description = "Remove one or more names from a locally-stored image; without names, "
                       "remove all of them.",
        .min_args = 1,
        .max_args = -1,
        .needs_userns = true,
        .run = run_untag,
};
