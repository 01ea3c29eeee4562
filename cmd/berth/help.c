/* SPDX-License-Identifier: Apache-2.0 */
/* Help texts in podman's layout, and the top of the command tree. */
#include <string.h>

#include "cmd.h"

static const struct berth_cmd *const root_subs[] = {
        &cmd_help_cmd, &cmd_history, &cmd_image, &cmd_images, &cmd_import, &cmd_info, &cmd_inspect, &cmd_logs,
        &cmd_load,     &cmd_rmi,   &cmd_save,   &cmd_system, &cmd_tag,     &cmd_unshare,
        &cmd_attach, &cmd_exec, &cmd_container, &cmd_create, &cmd_kill, &cmd_port, &cmd_ps, &cmd_restart, &cmd_rm, &cmd_run, &cmd_start, &cmd_stop, &cmd_wait,
        &cmd_pause, &cmd_rename, &cmd_stats, &cmd_top, &cmd_unpause,
        &cmd_commit, &cmd_diff,
        &cmd_cp, &cmd_export, &cmd_mount, &cmd_umount,
        &cmd_untag,    &cmd_version, &cmd_volume, NULL,
};

const struct berth_cmd cmd_root = {
        .name = "berth",
        .summary = "Manage containers and images, rootless, without a daemon",
        .usage = "[options] [command]",
        .subs = root_subs,
};

void cmd_help(const struct berth_cmd *cmd, const char *path, struct sbuf *out)
{
        sbuf_printf(out, "%s\n\n", cmd->summary);
        if (cmd != &cmd_root)
                sbuf_printf(out, "Description:\n  %s\n\n",
                            cmd->description ? cmd->description : cmd->summary);
        sbuf_printf(out, "Usage:\n  %s %s\n", path,
                    cmd->usage ? cmd->usage : cmd->subs ? "[command]" : "[options]");
        if (cmd->aliases && cmd->aliases[0]) {
                _cleanup_free_ char *a = strv_join((char *const *)cmd->aliases, ", ");
                sbuf_printf(out, "\nAliases:\n  %s, %s\n", cmd->name, a);
        }
        if (cmd->example)
                sbuf_printf(out, "\nExamples:\n  %s\n", cmd->example);
        if (cmd->subs) {
                size_t w = 11;
                for (const struct berth_cmd *const *c = cmd->subs; *c; c++)
                        if (strlen((*c)->name) + 1 > w)
                                w = strlen((*c)->name) + 1;
                sbuf_append(out, "\nAvailable Commands:\n");
                for (const struct berth_cmd *const *c = cmd->subs; *c; c++)
                        if (!(*c)->hidden)
                                sbuf_printf(out, "  %-*s %s\n", (int)w, (*c)->name,
                                            (*c)->summary);
        }
        const struct cli_option *opts = cmd == &cmd_root ? global_options : cmd->options;
        if (opts && opts->name) {
                sbuf_append(out, "\nOptions:\n");
                cli_options_help(opts, out);
        }
        if (cmd->subs && cmd == &cmd_root)
                sbuf_append(out, "\nRun 'berth COMMAND --help' for more information on a "
                                 "command.\n");
}

static int run_help(struct berth_ctx *ctx, void *opts, char **args)
{
        const struct berth_cmd *cmd = &cmd_root;
        struct sbuf path = {0};
        sbuf_append(&path, "berth");
        for (char **a = args; *a; a++) {
                const struct berth_cmd *next = NULL;
                for (const struct berth_cmd *const *c = cmd->subs; c && *c && !next; c++) {
                        if (STREQ((*c)->name, *a))
                                next = *c;
                        for (const char *const *al = (*c)->aliases; al && *al && !next; al++)
                                if (STREQ(*al, *a))
                                        next = *c;
                }
                if (!next) {
                        fprintf(stderr, "Error: unknown help topic '%s'\n"
                                        "Try 'berth help' for the list of commands.\n",
                                *a);
                        sbuf_done(&path);
                        return EXIT_BERTH_ERROR;
                }
                cmd = next;
                sbuf_printf(&path, " %s", cmd->name);
        }
        struct sbuf out = {0};
        cmd_help(cmd, path.buf, &out);
        print_out(out.buf, out.len);
        sbuf_done(&out);
        sbuf_done(&path);
        return 0;
}

const struct berth_cmd cmd_help_cmd = {
        .name = "help",
        .summary = "Help about any command",
        .usage = "[command]",
        .min_args = 0,
        .max_args = -1,
        .run = run_help,
};
