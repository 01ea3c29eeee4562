/* SPDX-License-Identifier: Apache-2.0 */
/* berth rmi, berth image rm */
#include <errno.h>

#include "cmd.h"
#include "engine.h"

struct rmi_cli {
        bool all, force, ignore;
};

#define O(f) offsetof(struct rmi_cli, f)
static const struct cli_option rmi_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL, "Remove all images"},
        {"force", 'f', CLI_BOOL, O(force), NULL,
         "Force removal of the image, also when it has several names"},
        {"ignore", 'i', CLI_BOOL, O(ignore), NULL, "Ignore errors if a specified image does not exist"},
        CLI_END,
};

/* podman's exit codes: 1 when an image is not known, 2 when it is in use. */
static int exit_code_of(int code)
{
        return code == ENOENT ? 1 : code == EBUSY ? 2 : EXIT_BERTH_ERROR;
}

static int run_rmi(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct rmi_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        if (!o->all && !args[0]) {
                struct err u = {0};
                err_set(&u, EINVAL, "image name or ID must be specified");
                int rc = print_error(&u);
                err_done(&u);
                return rc;
        }
        if (o->all && args[0]) {
                struct err u = {0};
                err_set(&u, EINVAL, "when using the --all switch, you may not pass any images names or IDs");
                int rc = print_error(&u);
                err_done(&u);
                return rc;
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        struct rmi_opts ro = {.force = o->force, .all = o->all, .ignore_missing = o->ignore};
        struct sbuf out = {0};
        _cleanup_strv_ char **more = NULL;
        int r = engine_images_remove(s, args, &ro, &out, &more, &e);
        print_out(out.buf ? out.buf : "", out.len);
        sbuf_done(&out);
        if (r < 0) {
                int rc = exit_code_of(e.code);
                print_error(&e);
                for (char **m = more; m && *m; m++)
                        fprintf(stderr, "Error: %s\n", *m);
                return rc;
        }
        return 0;
}

const struct berth_cmd cmd_rmi = {
        .name = "rmi",
        .summary = "Remove one or more images from local storage",
        .usage = "[options] IMAGE [IMAGE...]",
        .options = rmi_options,
        .opts_size = sizeof(struct rmi_cli),
        .max_args = -1,
        .needs_userns = true,
        .run = run_rmi,
};

static const char *const rm_aliases[] = {"remove", NULL};

const struct berth_cmd cmd_image_rm = {
        .name = "rm",
        .aliases = rm_aliases,
        .summary = "Remove one or more images from local storage",
        .usage = "[options] IMAGE [IMAGE...]",
        .options = rmi_options,
        .opts_size = sizeof(struct rmi_cli),
        .max_args = -1,
        .needs_userns = true,
        .run = run_rmi,
};
