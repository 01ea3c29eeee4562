/* SPDX-License-Identifier: Apache-2.0 */
/* berth image prune */
#include <errno.h>

#include "cmd.h"
#include "engine.h"

struct prune_cli {
        bool all, external, force;
        char **filter;
};

#define O(f) offsetof(struct prune_cli, f)
static const struct cli_option prune_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL,
         "Remove all images not in use by containers, not just dangling ones"},
        {"external", 0, CLI_BOOL, O(external), NULL,
         "Remove images even when they are used by external containers (buildah's working "
         "containers), removing those containers too"},
        {"filter", 0, CLI_STRV, O(filter), NULL, "Provide filter values (until=, label=, label!=)"},
        {"force", 'f', CLI_BOOL, O(force), NULL, "Do not prompt for confirmation"},
        CLI_END,
};

static int run_prune(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct prune_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        if (!o->force) {
                printf("WARNING! This command removes all %s.\n"
                       "Are you sure you want to continue? [y/N] ",
                       o->all ? "images without at least one container associated with them"
                              : "dangling images");
                fflush(stdout);
                char answer[16] = "";
                if (!fgets(answer, sizeof(answer), stdin)) {
                        /* podman: "Error: EOF". */
                        err_set(&e, EIO, "EOF");
                        return print_error(&e);
                }
                if (!(answer[0] == 'y' || answer[0] == 'Y'))
                        return 0;
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        struct prune_opts po = {.all = o->all, .external = o->external, .filter = o->filter};
        _cleanup_strv_ char **removed = NULL;
        int r = engine_images_prune(s, &po, &removed, &e);
        for (char **id = removed; id && *id; id++)
                printf("%s\n", *id);
        if (r < 0)
                return print_error(&e);
        return 0;
}

const struct berth_cmd cmd_image_prune = {
        .name = "prune",
        .summary = "Remove unused images",
        .description = "Remove dangling images (no name and no child image), or with --all "
                       "every image that no container uses; images that a removal leaves "
                       "dangling go too. Prints the IDs of the removed images.",
        .usage = "[options]",
        .options = prune_options,
        .opts_size = sizeof(struct prune_cli),
        .max_args = 0,
        .needs_userns = true,
        .run = run_prune,
};
