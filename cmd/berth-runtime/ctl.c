/* SPDX-License-Identifier: Apache-2.0 */
/* kill, delete, pause and resume: one library call each. */
#include <errno.h>
#include <signal.h>

#include "rtcli.h"

struct kill_opts {
        bool all;
};

static const struct cli_option kill_options[] = {
        {"all", 'a', CLI_BOOL, offsetof(struct kill_opts, all), NULL,
         "send the specified signal to all processes inside the container"},
        CLI_END,
};

static int run_kill(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct kill_opts *o = opts;
        const struct rt_ctx *ctx;
        int sig = SIGTERM, r;
        if (args[1] && (r = rt_signal_from_string(args[1], &sig, e)) < 0)
                return r;
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rt_kill(ctx, args[0], sig, o->all, e)) < 0)
                return r;
        return 0;
}

struct delete_opts {
        bool force;
};

static const struct cli_option delete_options[] = {
        {"force", 'f', CLI_BOOL, offsetof(struct delete_opts, force), NULL,
         "Forcibly deletes the container if it is still running (uses SIGKILL)"},
        CLI_END,
};

static int run_delete(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct delete_opts *o = opts;
        const struct rt_ctx *ctx;
        int r = rtcli_ctx(c, &ctx, e);
        if (r < 0)
                return r;
        r = rt_delete(ctx, args[0], o->force, e);
        /* runc: deleting a container that is already gone, by force, is
         * success; engines clean up after crashes that way. */
        if (r == -ENOENT && o->force) {
                err_done(e);
                return 0;
        }
        return r < 0 ? r : 0;
}

static int run_pause(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct rt_ctx *ctx;
        int r;
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rt_pause(ctx, args[0], e)) < 0)
                return r;
        return 0;
}

static int run_resume(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct rt_ctx *ctx;
        int r;
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rt_resume(ctx, args[0], e)) < 0)
                return r;
        return 0;
}

const struct rtcli_cmd rtcli_cmd_kill = {
        .name = "kill",
        .summary = "kill sends the specified signal (default: SIGTERM) to the container's init "
                   "process",
        .usage = "[command options] <container-id> [signal]",
        .description = "Where \"<container-id>\" is the name for the instance of the container "
                       "and\n\"[signal]\" is the signal to be sent to the init process.",
        .options = kill_options,
        .opts_size = sizeof(struct kill_opts),
        .min_args = 1,
        .max_args = 2,
        .run = run_kill,
};

const struct rtcli_cmd rtcli_cmd_delete = {
        .name = "delete",
        .summary = "delete any resources held by the container often used with detached "
                   "container",
        .usage = "[command options] <container-id>",
        .options = delete_options,
        .opts_size = sizeof(struct delete_opts),
        .min_args = 1,
        .max_args = 1,
        .exact_args = true,
        .run = run_delete,
};

const struct rtcli_cmd rtcli_cmd_pause = {
        .name = "pause",
        .summary = "pause suspends all processes inside the container",
        .usage = "<container-id>",
        .min_args = 1,
        .max_args = 1,
        .exact_args = true,
        .run = run_pause,
};

const struct rtcli_cmd rtcli_cmd_resume = {
        .name = "resume",
        .summary = "resumes all processes that have been previously paused",
        .usage = "<container-id>",
        .min_args = 1,
        .max_args = 1,
        .exact_args = true,
        .run = run_resume,
};
