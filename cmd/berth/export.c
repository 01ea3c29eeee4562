/* SPDX-License-Identifier: Apache-2.0 */
/* berth export, berth container export */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "cmd.h"
#include "engine.h"

struct export_cli {
        char *output;
};

static const struct cli_option export_options[] = {
        {"output", 'o', CLI_STRING, offsetof(struct export_cli, output), "string",
         "Write to a specified file (default: stdout, which must be redirected)"},
        CLI_END,
};

static int run_export(struct berth_ctx *ctx, void *opts_, char **args)
{
        struct export_cli *o = opts_;
        _cleanup_err_ struct err e = {0};
        bool to_stdout = !o->output || !*o->output || STREQ(o->output, "-");
        if (to_stdout && isatty(STDOUT_FILENO)) {
                err_set(&e, EINVAL, "refusing to export to terminal. Use -o flag or redirect");
                return print_error(&e);
        }
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_close_ int fd = -1;
        if (!to_stdout) {
                fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
                if (fd < 0) {
                        err_errno(&e, "creating '%s'", o->output);
                        return print_error(&e);
                }
        }
        /* A reader that goes away (`| head`) must not kill berth while it
         * holds the container's mount: the write fails and the mount is released. */
        signal(SIGPIPE, SIG_IGN);
        fflush(stdout);
        if (engine_container_export(s, args[0], to_stdout ? STDOUT_FILENO : fd, &e) < 0) {
                if (!to_stdout)
                        (void)unlink(o->output);
                return print_error(&e);
        }
        if (!to_stdout && fsync(fd) < 0 && errno != EINVAL) {
                err_errno(&e, "writing '%s'", o->output);
                return print_error(&e);
        }
        return 0;
}

const struct berth_cmd cmd_export = {
        .name = "export",
        .summary = "Export a container's filesystem contents as a tar archive",
        .description = "Export a container's filesystem contents as a tar archive and save it "
                       "on the local machine (standard output unless --output is given).",
        .usage = "[options] CONTAINER",
        .options = export_options,
        .opts_size = sizeof(struct export_cli),
        .min_args = 1,
        .max_args = 1,
        .needs_userns = true,
        .run = run_export,
};
