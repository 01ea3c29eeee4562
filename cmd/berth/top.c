/* SPDX-License-Identifier: Apache-2.0 */
/* berth top, berth container top */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct top_cli {
        bool latest;
};

static const struct cli_option top_options[] = {
        {"latest", 'l', CLI_BOOL, offsetof(struct top_cli, latest), NULL,
         "Act on the latest container berth is aware of"},
        CLI_END,
};

static int run_top(struct berth_ctx *ctx, void *opts, char **args)
{
        struct top_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_free_ char *latest = NULL;
        const char *name;
        char **descs;
        if (o->latest) {
                if (ctr_cli_latest(s, &latest, &e) < 0) {
                        err_wrap(&e, "unable to look up requested container");
                        return print_error(&e);
                }
                name = latest;
                descs = args;
        } else {
                if (!args[0]) {
                        err_set(&e, EINVAL,
                                "you must provide the name or id of a running "
                                "container");
                        return print_error(&e);
                }
                name = args[0];
                descs = args + 1;
        }
        _cleanup_json_ struct json *rows = NULL;
        int ps_exit = 0;
        if (engine_container_top(s, name, descs, &rows, &ps_exit, &e) < 0)
                return print_error(&e);
        if (!rows)
                return ps_exit;
        _cleanup_(tabw_freep) struct tabw *w = tabw_new();
        for (size_t i = 0; i < rows->arr.len; i++) {
                const struct json *row = rows->arr.items[i];
                for (size_t k = 0; k < row->arr.len; k++) {
                        if (k)
                                tabw_write(w, "\t");
                        tabw_write(w, row->arr.items[k]->str.s);
                }
                tabw_write(w, "\n");
        }
        _cleanup_free_ char *text = tabw_flush(w);
        fputs(text, stdout);
        return 0;
}

const struct berth_cmd cmd_top = {
        .name = "top",
        .summary = "Display the running processes of a container",
        .usage = "[options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]",
        .options = top_options,
        .opts_size = sizeof(struct top_cli),
        /* ps(1) options after the container are its arguments, not ours. */
        .parse_flags = CLI_STOP_AT_FIRST_ARG,
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_top,
};
