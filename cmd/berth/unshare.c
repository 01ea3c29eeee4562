/* SPDX-License-Identifier: Apache-2.0 */
/* berth unshare: run a command inside the rootless user namespace. */
#include <errno.h>

#include "cmd.h"

static int run_unshare(struct berth_ctx *ctx, void *opts, char **args)
{
        _cleanup_err_ struct err e = {0};
        _cleanup_(user_info_done) struct user_info u = {0};
        if (user_info_get(&u, &e) < 0)
                return print_error(&e);
        /* podman refuses too: root has no namespace of its own to enter. */
        if (!u.rootless) {
                err_set(&e, EPERM, "please use unshare with rootless");
                return print_error(&e);
        }
        struct config *cfg;
        if (ctx_config(ctx, &cfg, &e) < 0)
                return print_error(&e);
        /* main() entered the namespace already (needs_userns). */
        userns_exec(args, cfg->storage.graphroot, cfg->storage.runroot, &e);
        print_error(&e);
        return e.code == ENOENT ? 127 : 126;
}

static const char *const unshare_aliases[] = {NULL};

const struct berth_cmd cmd_unshare = {
        .name = "unshare",
        .aliases = unshare_aliases,
        .summary = "Run a command in a modified user namespace",
        .description = "Runs a command in a modified user namespace, the one berth and podman "
                       "share for a rootless user: the user is root there and the subordinate "
                       "ids of /etc/subuid and /etc/subgid are mapped. CONTAINERS_GRAPHROOT and "
                       "CONTAINERS_RUNROOT give the store's paths. Without a command it runs "
                       "$SHELL.",
        .usage = "[options] [COMMAND [ARG...]]",
        .example = "berth unshare id\n"
                   "  berth unshare cat /proc/self/uid_map\n"
                   "  berth unshare rm -rf ~/.local/share/containers/storage",
        .parse_flags = CLI_STOP_AT_FIRST_ARG,
        .min_args = 0,
        .max_args = -1,
        .run = run_unshare,
        .needs_userns = true,
};
