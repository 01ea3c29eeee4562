/* SPDX-License-Identifier: Apache-2.0 */
/* berth stats, berth container stats */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ctr-cli.h"

struct stats_cli {
        bool all, no_stream, no_trunc, no_reset, latest;
        char *format;
        int64_t interval;
};

#define O(f) offsetof(struct stats_cli, f)
static const struct cli_option stats_options[] = {
        {"all", 'a', CLI_BOOL, O(all), NULL,
         "Show all containers. Only running containers are shown by default"},
        {"format", 0, CLI_STRING, O(format), "string",
         "Pretty-print container statistics to JSON or using a Go template"},
        {"interval", 'i', CLI_INT, O(interval), "int", "Time in seconds between stats reports",
         "5"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"no-reset", 0, CLI_BOOL, O(no_reset), NULL,
         "Disable resetting the screen between intervals"},
        {"no-stream", 0, CLI_BOOL, O(no_stream), NULL,
         "Disable streaming stats and only pull the first result"},
        {"no-trunc", 0, CLI_BOOL, O(no_trunc), NULL, "Do not truncate output"},
        CLI_END,
};

/* One report of items, as --format asks. */
static int render(const struct stats_cli *o, const struct json *items, struct sbuf *out,
                  struct err *e)
{
        _cleanup_json_ struct json *rows = engine_stats_rows(items, o->no_trunc);
        if (o->format && STREQ(o->format, "json")) {
                _cleanup_json_ struct json *j = engine_stats_json(rows);
                return report_render("json", NULL, j, true, NULL, out, e);
        }
        _cleanup_json_ struct json *headers = engine_stats_headers();
        return report_render(o->format, engine_stats_table, rows, true, headers, out, e);
}

static int run_stats(struct berth_ctx *ctx, void *opts, char **args)
{
        struct stats_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        if (o->interval < 0) {
                err_set(&e, EINVAL, "invalid interval, must be a positive number greater zero");
                return print_error(&e);
        }
        int64_t interval = o->interval > 0 ? o->interval : 5;
        if ((int)o->all + (int)o->latest + (args[0] != NULL) > 1) {
                err_set(&e, EINVAL, "--all, --latest and containers cannot be used together");
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_strv_ char **latest = NULL;
        if (o->latest) {
                if (ctr_cli_names(s, &(struct ctr_sel){.latest = true}, NULL, &latest, &e) < 0) {
                        err_wrap(&e, "unable to get list of containers");
                        return print_error(&e);
                }
                args = latest;
        }
        _cleanup_json_ struct json *prev = NULL;
        bool tty = isatty(STDOUT_FILENO);
        for (;;) {
                struct json *items = NULL;
                if (engine_containers_stats(s, args, o->all, prev, &items, &e) < 0)
                        return print_error(&e);
                json_free(prev);
                prev = items;
                struct sbuf out = {0};
                if (!o->no_stream && tty && !o->no_reset)
                        sbuf_append(&out, "\033[2J\033[H");
                int r = render(o, items, &out, &e);
                if (r < 0) {
                        sbuf_done(&out);
                        return print_error(&e);
                }
                print_out(out.buf ? out.buf : "", out.len);
                sbuf_done(&out);
                fflush(stdout);
                if (o->no_stream)
                        return 0;
                struct timespec d = {.tv_sec = interval};
                while (nanosleep(&d, &d) < 0)
                        ;
        }
}

const struct berth_cmd cmd_stats = {
        .name = "stats",
        .summary = "Display a live stream of container resource usage statistics",
        .usage = "[options] [CONTAINER...]",
        .options = stats_options,
        .opts_size = sizeof(struct stats_cli),
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_stats,
};
