/* SPDX-License-Identifier: Apache-2.0 */
/* berth info, berth system info */
#include "cmd.h"
#include "engine.h"

struct info_opts {
        char *format;
        bool debug;
};

static const struct cli_option info_options[] = {
        {"debug", 'D', CLI_BOOL, offsetof(struct info_opts, debug), NULL,
         "Display additional debug information", NULL, true},
        {"format", 'f', CLI_STRING, offsetof(struct info_opts, format), NULL,
         "Change the output format to JSON or a Go template"},
        CLI_END,
};

static int run_info(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct info_opts *opts = opts_;
        _cleanup_err_ struct err e = {0};
        struct config *cfg;
        _cleanup_json_ struct json *info = NULL;
        if (ctx_config(ctx, &cfg, &e) < 0 || engine_info(cfg, &info, &e) < 0)
                return print_error(&e);
        struct sbuf out = {0};
        if (!opts->format || !*opts->format) {
                report_yaml(info, &out);
        } else if (report_render(opts->format, NULL, info, false, NULL, &out, &e) < 0) {
                sbuf_done(&out);
                return print_error(&e);
        }
        print_out(out.buf, out.len);
        sbuf_done(&out);
        return 0;
}

static const char *const info_aliases[] = {NULL};

const struct berth_cmd cmd_info = {
        .name = "info",
        .aliases = info_aliases,
        .summary = "Display berth system information",
        .description = "Display information pertaining to the host, current storage stats, "
                       "and build of berth. Useful for the user and when reporting issues.",
        .usage = "[options]",
        .options = info_options,
        .opts_size = sizeof(struct info_opts),
        .max_args = 0,
        .run = run_info,
        .needs_userns = true,
};
