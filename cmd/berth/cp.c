/* SPDX-License-Identifier: Apache-2.0 */
/* berth cp, berth container cp */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "cmd.h"
#include "engine.h"

struct cp_cli {
        bool archive, follow_link, overwrite;
};

static const struct cli_option cp_options[] = {
        {"archive", 'a', CLI_BOOL, offsetof(struct cp_cli, archive), NULL,
         "Chown copied files to the primary uid/gid of the destination container.", "true"},
        {"follow-link", 'L', CLI_BOOL, offsetof(struct cp_cli, follow_link), NULL,
         "Always follow symbol link in SRC_PATH"},
        {"overwrite", 0, CLI_BOOL, offsetof(struct cp_cli, overwrite), NULL,
         "Allow to overwrite directories with non-directories and vice versa"},
        CLI_END,
};

static int run_cp(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct cp_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct config *cfg;
        struct store *s;
        if (ctx_config(ctx, &cfg, &e) < 0 || ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        struct container_cp_opts co = {
                .archive = o->archive,
                .follow_link = o->follow_link,
                .overwrite = o->overwrite,
        };
        /* A reader that goes away (`| head`) must not kill berth while it
         * holds the container's mount: the write fails and the mount is released. */
        signal(SIGPIPE, SIG_IGN);
        fflush(stdout);
        if (engine_container_cp(s, cfg, args[0], args[1], &co, STDIN_FILENO, STDOUT_FILENO, &e) < 0)
                return print_error(&e);
        return 0;
}

const struct berth_cmd cmd_cp = {
        .name = "cp",
        .summary = "Copy files/folders between a container and the local filesystem",
        .description =
                "Copy the contents of SRC_PATH to the DEST_PATH. One of them is "
                "CONTAINER:PATH, the other a host path, or \"-\" for a tar archive on standard "
                "input or output. Running and stopped containers alike; paths in the container "
                "never resolve outside its root filesystem.",
        .usage = "[options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH",
        .options = cp_options,
        .opts_size = sizeof(struct cp_cli),
        .min_args = 2,
        .max_args = 2,
        .needs_userns = true,
        .run = run_cp,
};
