/* SPDX-License-Identifier: Apache-2.0 */
/* berth logs (and container logs) */
#include <errno.h>

#include "cmd.h"
#include "engine.h"

struct logs_cli {
        bool follow, latest, names, timestamps;
        char *since, *until, *tail;
};

#define O(f) offsetof(struct logs_cli, f)
static const struct cli_option logs_options[] = {
        {"follow", 'f', CLI_BOOL, O(follow), NULL, "Follow log output"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"names", 'n', CLI_BOOL, O(names), NULL,
         "Output the container name in the log (instead of its ID)"},
        {"since", 0, CLI_STRING, O(since), "string",
         "Show logs since TIMESTAMP (RFC 3339, Unix time, or a duration like 10m)"},
        {"tail", 0, CLI_STRING, O(tail), "int",
         "Output the specified number of LINES at the end of the logs. Defaults to -1, which "
         "prints all lines",
         "-1"},
        {"timestamps", 't', CLI_BOOL, O(timestamps), NULL, "Output the timestamps in the log"},
        {"until", 0, CLI_STRING, O(until), "string",
         "Show logs until TIMESTAMP (RFC 3339, Unix time, or a duration like 10m)"},
        CLI_END,
};

static int run_logs(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct logs_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct logs_opts lo = {.follow = o->follow,
                               .timestamps = o->timestamps,
                               .names = o->names,
                               .latest = o->latest,
                               .since = o->since,
                               .until = o->until,
                               .tail = -1};
        if (o->tail && str_to_int64(o->tail, &lo.tail) < 0) {
                err_set(&e, EINVAL,
                        "invalid argument \"%s\" for \"--tail\" flag: strconv.ParseInt: "
                        "parsing \"%s\": invalid syntax",
                        o->tail, o->tail);
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0 ||
            engine_logs(s, args, &lo, STDOUT_FILENO, STDERR_FILENO, &e) < 0)
                return print_error(&e);
        return 0;
}

static const char logs_description[] =
        "Print the logs of one or more containers: what they wrote to stdout goes to stdout "
        "and what they wrote to stderr to stderr. With several containers, each line starts "
        "with the container's ID (--names: its name).";

const struct berth_cmd cmd_logs = {
        .name = "logs",
        .summary = "Fetch the logs of one or more containers",
        .description = logs_description,
        .usage = "[options] CONTAINER [CONTAINER...]",
        .example = "berth logs ctrID\n  berth logs --names ctrID1 ctrID2\n"
                   "  berth logs --tail 2 mywebserver\n"
                   "  berth logs --follow=true --since 10m ctrID",
        .options = logs_options,
        .opts_size = sizeof(struct logs_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_logs,
};

const struct berth_cmd cmd_container_logs = {
        .name = "logs",
        .summary = "Fetch the logs of one or more containers",
        .description = logs_description,
        .usage = "[options] CONTAINER [CONTAINER...]",
        .options = logs_options,
        .opts_size = sizeof(struct logs_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_logs,
};
