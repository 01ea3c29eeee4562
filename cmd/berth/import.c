/* SPDX-License-Identifier: Apache-2.0 */
/* berth import, berth image import */
#include "cmd.h"
#include "engine.h"

struct import_cli {
        char **change;
        char *message;
        bool quiet;
};

#define O(f) offsetof(struct import_cli, f)
static const struct cli_option import_options[] = {
        {"change", 'c', CLI_STRV, O(change), NULL,
         "Apply the following possible instructions to the created image (default []): CMD | "
         "ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR"},
        {"message", 'm', CLI_STRING, O(message), NULL, "Set commit message for imported image"},
        {"quiet", 'q', CLI_BOOL, O(quiet), NULL, "Suppress output"},
        CLI_END,
};

static int run_import(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct import_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        struct import_opts io = {
                .source = args[0],
                .ref = args[1],
                .changes = o->change,
                .message = o->message,
        };
        _cleanup_free_ char *id = NULL;
        if (engine_image_import(s, &io, &id, &e) < 0)
                return print_error(&e);
        printf("sha256:%s\n", id);
        return 0;
}

const struct berth_cmd cmd_import = {
        .name = "import",
        .summary = "Import a tarball to create a filesystem image",
        .usage = "[options] PATH [REFERENCE]",
        .description = "Create a container image from the contents of the specified tarball "
                       "(.tar, .tar.gz, .tar.zst); \"-\" reads it from standard input.",
        .options = import_options,
        .opts_size = sizeof(struct import_cli),
        .min_args = 1,
        .max_args = 2,
        .needs_userns = true,
        .run = run_import,
};
