/* SPDX-License-Identifier: Apache-2.0 */
/* berth diff, berth container diff, berth image diff */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct diff_cli {
        char *format;
        bool latest;
};

#define O(f) offsetof(struct diff_cli, f)
static const struct cli_option diff_options[] = {
        {"format", 0, CLI_STRING, O(format), "string", "Change the output format (json)"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        CLI_END,
};
static const struct cli_option image_diff_options[] = {
        {"format", 0, CLI_STRING, O(format), "string", "Change the output format (json)"},
        CLI_END,
};

static int run_diff_what(struct berth_ctx *ctx, struct diff_cli *o, char **args,
                         enum engine_diff_what what)
{
        _cleanup_err_ struct err e = {0};
        if (o->format && *o->format && !STREQ(o->format, "json")) {
                err_set(&e, EINVAL, "only supported value for '--format' is 'json'");
                return print_error(&e);
        }
        if (o->latest == (args[0] != NULL)) {
                err_set(&e, EINVAL,
                        o->latest ? "--latest and containers cannot be used together"
                                  : "\"berth diff\" requires a name, id, or the \"--latest\" flag");
                return print_error(&e);
        }
        if (args[0] && args[1]) {
                err_set(&e, ENOTSUP,
                        "comparing with a second container or image is not supported by berth: "
                        "give one");
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_free_ char *latest = NULL;
        const char *name = args[0];
        if (o->latest) {
                if (ctr_cli_latest(s, &latest, &e) < 0) {
                        err_wrap(&e, "unable to get latest container");
                        return print_error(&e);
                }
                name = latest;
                what = ENGINE_DIFF_CONTAINER;
        }
        _cleanup_json_ struct json *changes = NULL;
        if (engine_diff(s, name, what, &changes, &e) < 0)
                return print_error(&e);
        struct sbuf out = {0};
        engine_diff_print(changes, o->format && *o->format, &out);
        return print_report(0, &out, &e);
}

static int run_diff(struct berth_ctx *ctx, void *opts, char **args)
{
        return run_diff_what(ctx, opts, args, ENGINE_DIFF_ANY);
}

static int run_container_diff(struct berth_ctx *ctx, void *opts, char **args)
{
        return run_diff_what(ctx, opts, args, ENGINE_DIFF_CONTAINER);
}

static int run_image_diff(struct berth_ctx *ctx, void *opts, char **args)
{
        return run_diff_what(ctx, opts, args, ENGINE_DIFF_IMAGE);
}

const struct berth_cmd cmd_diff = {
        .name = "diff",
        .summary = "Display the changes to the object's file system",
        .description = "Displays changes on a container or image's filesystem. The container or "
                       "image will be compared to its parent layer.",
        .usage = "[options] {CONTAINER|IMAGE}",
        .example = "berth diff ctrID\n  berth diff --format json ctrID",
        .options = diff_options,
        .opts_size = sizeof(struct diff_cli),
        .min_args = 0,
        .max_args = 2,
        .needs_userns = true,
        .run = run_diff,
};

const struct berth_cmd cmd_container_diff = {
        .name = "diff",
        .summary = "Inspect changes to the container's file systems",
        .description = "Displays changes to the container filesystem's'. The container will be "
                       "compared to its parent layer.",
        .usage = "[options] CONTAINER",
        .options = diff_options,
        .opts_size = sizeof(struct diff_cli),
        .min_args = 0,
        .max_args = 2,
        .needs_userns = true,
        .run = run_container_diff,
};

const struct berth_cmd cmd_image_diff = {
        .name = "diff",
        .summary = "Inspect changes to the image's file systems",
        .description = "Displays changes to the image's filesystem. The image will be compared "
                       "to its parent layer.",
        .usage = "[options] IMAGE",
        .options = image_diff_options,
        .opts_size = sizeof(struct diff_cli),
        .min_args = 1,
        .max_args = 2,
        .needs_userns = true,
        .run = run_image_diff,
};
