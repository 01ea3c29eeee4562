/* SPDX-License-Identifier: Apache-2.0 */
/* berth version */
#include "cmd.h"
#include "engine.h"

struct version_opts {
        char *format;
};

static const struct cli_option version_options[] = {
        {"format", 'f', CLI_STRING, offsetof(struct version_opts, format), NULL,
         "Change the output format to JSON or a Go template"},
        CLI_END,
};

static const char version_default[] = "Client:\tberth\n"
                                      "Version:\t{{.Client.Version}}\n"
                                      "API Version:\t{{.Client.APIVersion}}\n"
                                      "Compiler:\t{{.Client.Compiler}}\n"
                                      "Git Commit:\t{{.Client.GitCommit}}\n"
                                      "Built:\t{{.Client.BuiltTime}}\n"
                                      "OS/Arch:\t{{.Client.OsArch}}\n";

static int run_version(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct version_opts *opts = opts_;
        _cleanup_json_ struct json *v = engine_version();
        struct sbuf out = {0};
        struct err e = {0};
        int r = report_render(opts->format, version_default, v, false, NULL, &out, &e);
        if (r < 0) {
                sbuf_done(&out);
                r = print_error(&e);
                err_done(&e);
                return r;
        }
        print_out(out.buf, out.len);
        sbuf_done(&out);
        return 0;
}

const struct berth_cmd cmd_version = {
        .name = "version",
        .summary = "Display the berth version information",
        .usage = "[options]",
        .options = version_options,
        .opts_size = sizeof(struct version_opts),
        .max_args = 0,
        .run = run_version,
};
