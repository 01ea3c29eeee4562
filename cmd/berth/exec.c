/* SPDX-License-Identifier: Apache-2.0 */
/* berth exec, berth container exec */
#include <errno.h>
#include <stdio.h>

#include "ctr-cli.h"

struct exec_cli {
        bool detach, interactive, tty, privileged, latest;
        uint64_t preserve_fds;
        char *detach_keys;
        char **env;
        char **env_file;
        char *user;
        char *workdir;
};

#define O(f) offsetof(struct exec_cli, f)
static const struct cli_option exec_options[] = {
        {"detach", 'd', CLI_BOOL, O(detach), NULL,
         "Run the exec session in detached mode (backgrounded)"},
        {"detach-keys", 0, CLI_STRING, O(detach_keys), "string",
         "Select the key sequence for detaching a container. Format is a single character [a-Z] "
         "or a comma separated sequence of `ctrl-<value>`, where `<value>` is one of: `a-z`, "
         "`@`, `^`, `[`, `\\\\`, `]`, `^` or `_`",
         "ctrl-p,ctrl-q"},
        {"env", 'e', CLI_STRV, O(env), "stringArray", "Set environment variables"},
        {"env-file", 0, CLI_STRV, O(env_file), "stringArray",
         "Read in a file of environment variables"},
        {"interactive", 'i', CLI_BOOL, O(interactive), NULL,
         "Keep STDIN open even if not attached"},
        {"latest", 'l', CLI_BOOL, O(latest), NULL, "Act on the latest container berth is aware of"},
        {"preserve-fds", 0, CLI_UINT, O(preserve_fds), "uint",
         "Pass N additional file descriptors to the container"},
        {"privileged", 0, CLI_BOOL, O(privileged), NULL,
         "Give the process extended Linux capabilities inside the container.  The default is "
         "false"},
        {"tty", 't', CLI_BOOL, O(tty), NULL, "Allocate a pseudo-TTY. The default is false"},
        {"user", 'u', CLI_STRING, O(user), "string",
         "Sets the username or UID used and optionally the groupname or GID for the specified "
         "command"},
        {"workdir", 'w', CLI_STRING, O(workdir), "string",
         "Working directory inside the container"},
        CLI_END,
};

static int run_exec(struct berth_ctx *ctx, void *opts, char **args)
{
        struct exec_cli *o = opts;
        _cleanup_err_ struct err e = {0};
        /* With --latest every argument is the command's. */
        char **cmdv = o->latest ? args : args + (args[0] != NULL);
        if (!o->latest && !args[0]) {
                err_set(&e, EINVAL,
                        "exec requires the name or ID of a container or the --latest flag");
                return print_error(&e);
        }
        if (!cmdv[0]) {
                err_set(&e, EINVAL, "must provide a non-empty command to start an exec session");
                return print_error(&e);
        }
        /* Before berth opens anything of its own. */
        if (engine_exec_fds_check(o->preserve_fds, &e) < 0)
                return print_error(&e);
        struct store *s;
        if (ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_free_ char *latest = NULL;
        if (o->latest && ctr_cli_latest(s, &latest, &e) < 0)
                return print_error(&e);
        struct container_exec_opts xo = {
                .cmd = cmdv,
                .env = o->env,
                .env_file = o->env_file,
                .user = o->user,
                .workdir = o->workdir,
                .detach_keys = o->detach_keys,
                .interactive = o->interactive && !o->detach,
                .tty = o->tty && !o->detach,
                .detach = o->detach,
                .privileged = o->privileged,
                .preserve_fds = (unsigned)o->preserve_fds,
        };
        int code = EXIT_BERTH_ERROR;
        _cleanup_free_ char *session = NULL;
        fflush(stdout);
        if (engine_container_exec(s, latest ? latest : args[0], &xo, &code, &session, &e) < 0) {
                fprintf(stderr, "Error: %s\n", e.msg);
                return code ? code : EXIT_BERTH_ERROR;
        }
        if (session)
                printf("%s\n", session);
        return code;
}

const struct berth_cmd cmd_exec = {
        .name = "exec",
        .summary = "Run a process in a running container",
        .usage = "[options] CONTAINER [COMMAND [ARG...]]",
        .options = exec_options,
        .opts_size = sizeof(struct exec_cli),
        .parse_flags = CLI_STOP_AT_FIRST_ARG,
        .min_args = 0,
        .max_args = -1,
        .needs_userns = true,
        .run = run_exec,
};
