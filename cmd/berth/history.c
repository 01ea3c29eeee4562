/* SPDX-License-Identifier: Apache-2.0 */
/* berth history, berth image history */
#include "cmd.h"
#include "engine.h"

struct history_cli {
        bool human, no_trunc, quiet;
        char *format;
};

#define O(f) offsetof(struct history_cli, f)
static const struct cli_option history_options[] = {
        {"format", 0, CLI_STRING, O(format), NULL, "Change the output to JSON or a Go template"},
        {"human", 'H', CLI_BOOL, O(human), NULL,
         "Display dates in human readable format (-H=false: RFC 3339)", "true"},
        {"no-trunc", 0, CLI_BOOL, O(no_trunc), NULL, "Do not truncate the output"},
        {"quiet", 'q', CLI_BOOL, O(quiet), NULL, "Display the numeric IDs only"},
        CLI_END,
};

static int run_history(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct history_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        struct store *s;
        _cleanup_json_ struct json *items = NULL;
        if (ctx_store(ctx, &s, &e) < 0 || engine_image_history(s, args[0], &items, &e) < 0)
                return print_error(&e);
        struct sbuf out = {0};
        int r = 0;
        if (o->format && STREQ(o->format, "json")) {
                /* podman prints history JSON on one line, HTML-escaped. */
                _cleanup_free_ char *j =
                        json_generate(items, JSON_GEN_ESCAPE_HTML | JSON_GEN_NEWLINE);
                sbuf_append(&out, j);
        } else {
                _cleanup_json_ struct json *rows = engine_history_rows(items, o->no_trunc, o->human);
                const char *fmt = o->quiet ? "{{.ID}}" : o->format;
                r = report_render(fmt, engine_history_table, rows, true, NULL, &out, &e);
        }
        return print_report(r, &out, &e);
}

const struct berth_cmd cmd_history = {
        .name = "history",
        .summary = "Show history of a specified image",
        .description = "Show the history of an image, newest first: for each entry its ID (the "
                       "image whose top layer it made, else <missing>), when and how it was "
                       "created, the size of the layer it added and its comment.",
        .usage = "[options] IMAGE",
        .options = history_options,
        .opts_size = sizeof(struct history_cli),
        .min_args = 1,
        .max_args = 1,
        .needs_userns = true,
        .run = run_history,
};

const struct berth_cmd cmd_image_history = {
        .name = "history",
        .summary = "Show history of a specified image",
        .description = "Show the history of an image, newest first: for each entry its ID (the "
                       "image whose top layer it made, else <missing>), when and how it was "
                       "created, the size of the layer it added and its comment.",
        .usage = "[options] IMAGE",
        .options = history_options,
        .opts_size = sizeof(struct history_cli),
        .min_args = 1,
        .max_args = 1,
        .needs_userns = true,
        .run = run_history,
};
