/* SPDX-License-Identifier: Apache-2.0 */
/* berth container: the group, and the hidden `container cleanup` that a
 * container's monitor runs when the container ends. */
#include <errno.h>
#include <stdio.h>

#include "cmd.h"
#include "engine.h"

struct cleanup_cli {
        bool rm;
};

static const struct cli_option cleanup_options[] = {
        {"rm", 0, CLI_BOOL, offsetof(struct cleanup_cli, rm), NULL,
         "After cleanup, remove the container entirely"},
        CLI_END,
};

static int run_cleanup(struct berth_ctx *ctx, void *opts, char **args)
{
        struct cleanup_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        int rc = 0;
        for (char **a = args; *a; a++) {
                struct err ce = {0};
                if (engine_container_cleanup(s, *a, o->rm, &ce) < 0) {
                        fprintf(stderr, "Error: %s\n", ce.msg);
                        rc = EXIT_BERTH_ERROR;
                }
                err_done(&ce);
        }
        return rc;
}

const struct berth_cmd cmd_container_cleanup = {
        .name = "cleanup",
        .summary = "Clean up network and mountpoints of one or more containers",
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = cleanup_options,
        .opts_size = sizeof(struct cleanup_cli),
        .min_args = 1,
        .max_args = -1,
        .hidden = true,
        .needs_userns = true,
        .run = run_cleanup,
};

static const struct berth_cmd *const container_subs[] = {
        &cmd_attach, &cmd_exec,
        &cmd_container_cleanup,
        &cmd_create,
        &cmd_container_inspect,
        &cmd_kill,
        &cmd_container_logs,
        &cmd_container_ls,
        &cmd_port,
        &cmd_restart,
        &cmd_rm,
        &cmd_run,
        &cmd_start,
        &cmd_stop,
        &cmd_wait,
        &cmd_container_commit, &cmd_container_diff,
        &cmd_cp, &cmd_export, &cmd_mount, &cmd_umount,
        &cmd_pause, &cmd_container_prune, &cmd_rename, &cmd_stats, &cmd_top, &cmd_unpause,
        NULL,
};

const struct berth_cmd cmd_container = {
        .name = "container",
        .summary = "Manage containers",
        .usage = "[command]",
        .subs = container_subs,
};
