/* SPDX-License-Identifier: Apache-2.0 */
/* exec: a new process in a running container. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "rtcli.h"

/* Bound on a --process file. */
#define PROCESS_FILE_MAX (1u << 20)

struct exec_opts {
        char *console_socket;
        char *cwd;
        char **env;
        bool tty;
        char *user;
        char **additional_gids;
        char *process;
        bool detach;
        char *pid_file;
        char *process_label;
        char *apparmor;
        bool no_new_privs;
        char **cap;
        uint64_t preserve_fds;
        char *cgroup;
        bool ignore_paused;
};

#define X(f) offsetof(struct exec_opts, f)
static const struct cli_option exec_options[] = {
        {"console-socket", 0, CLI_STRING, X(console_socket), "value",
         "path to an AF_UNIX socket which will receive a file descriptor referencing the master "
         "end of the console's pseudoterminal"},
        {"cwd", 0, CLI_STRING, X(cwd), "value", "current working directory in the container"},
        {"env", 'e', CLI_STRV, X(env), "value", "set environment variables"},
        {"tty", 't', CLI_BOOL, X(tty), NULL, "allocate a pseudo-TTY"},
        {"user", 'u', CLI_STRING, X(user), "value", "UID (format: <uid>[:<gid>])"},
        {"additional-gids", 'g', CLI_STRV, X(additional_gids), "value", "additional gids"},
        {"process", 'p', CLI_STRING, X(process), "value", "path to the process.json"},
        {"detach", 'd', CLI_BOOL, X(detach), NULL, "detach from the container's process"},
        {"pid-file", 0, CLI_STRING, X(pid_file), "value",
         "specify the file to write the process id to"},
        {"process-label", 0, CLI_STRING, X(process_label), "value",
         "set the asm process label for the process commonly used with selinux"},
        {"apparmor", 0, CLI_STRING, X(apparmor), "value",
         "set the apparmor profile for the process"},
        {"no-new-privs", 0, CLI_BOOL, X(no_new_privs), NULL,
         "set the no new privileges value for the process"},
        {"cap", 'c', CLI_STRV, X(cap), "value",
         "add a capability to the bounding set for the process"},
        {"preserve-fds", 0, CLI_UINT, X(preserve_fds), "value",
         "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in "
         "total)",
         "0"},
        {"cgroup", 0, CLI_STRING, X(cgroup), "value",
         "run the process in an (existing) sub-cgroup(s) (not supported)"},
        {"ignore-paused", 0, CLI_BOOL, X(ignore_paused), NULL, "allow exec in a paused container"},
        CLI_END,
};

/* The process to start: the --process file as is, or the container's own
 * process with the command line applied. */
static int build_process(const struct rt_ctx *ctx, const struct exec_opts *o, char **args,
                         struct rt_process **ret, struct err *e)
{
        _cleanup_json_ struct json *j = NULL;
        int r;
        if (o->process) {
                if ((r = json_parse_file(AT_FDCWD, o->process, PROCESS_FILE_MAX, &j, e)) < 0)
                        return r;
        } else {
                _cleanup_json_ struct json *base = NULL;
                struct rtcli_exec_overrides ov = {
                        .args = args + 1,
                        .cwd = o->cwd,
                        .env = o->env,
                        .tty = o->tty,
                        .user = o->user,
                        .additional_gids = o->additional_gids,
                        .process_label = o->process_label,
                        .apparmor = o->apparmor,
                        .no_new_privs = o->no_new_privs,
                        .caps = o->cap,
                };
                if (!args[1])
                        return err_set(e, EINVAL, "exec args cannot be empty");
                if ((r = rt_container_process(ctx, args[0], &base, e)) < 0 ||
                    (r = rtcli_exec_process(base, &ov, &j, e)) < 0)
                        return r;
        }
        /* The container's own process was parsed, and warned about, at
         * create: only what this command line adds may warn again. */
        bool quiet = !o->process && !(o->cap && o->cap[0]);
        r = quiet ? rt_process_parse_quiet(j, ret, e) : rt_process_parse(j, ret, e);
        if (r < 0) {
                if (o->process)
                        err_wrap(e, "process file '%s'", o->process);
                return r;
        }
        return 0;
}

static int do_exec(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct exec_opts *o = opts;
        const char *id = args[0];
        const struct rt_ctx *ctx;
        _cleanup_(rt_state_freep) struct rt_state *st = NULL;
        _cleanup_(rt_process_freep) struct rt_process *proc = NULL;
        int r;
        if (o->cgroup)
                return err_set(e, ENOTSUP, "--cgroup is not supported");
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rt_state_get(ctx, id, &st, e)) < 0)
                return r;
        if (st->status == RT_STATUS_STOPPED)
                return err_set(e, EINVAL, "cannot exec in a stopped container");
        if (st->status == RT_STATUS_PAUSED && !o->ignore_paused)
                return err_set(e, EINVAL,
                               "cannot exec in a paused container (use --ignore-paused to "
                               "override)");
        if ((r = build_process(ctx, o, args, &proc, e)) < 0)
                return r;

        /* Whether the process wants a terminal: read back from the object we
         * built (the process type is opaque here). */
        bool terminal = o->tty;
        if (o->process) {
                _cleanup_json_ struct json *j = NULL;
                if (json_parse_file(AT_FDCWD, o->process, PROCESS_FILE_MAX, &j, NULL) == 0)
                        terminal = json_object_get_bool(j, "terminal", false);
        }
        if (terminal && o->detach && !o->console_socket)
                return err_set(e, EINVAL,
                               "cannot allocate a terminal when detached without --console-socket");

        if (!terminal && o->console_socket)
                return err_set(e, EINVAL,
                               "--console-socket needs a terminal (process.terminal is false)");

        uint64_t nfds = o->preserve_fds;
        const char *lf = getenv("LISTEN_FDS");
        uint64_t listen = 0;
        if (lf && *lf && str_to_uint64(lf, &listen) == 0)
                nfds += listen;
        if (nfds > 4096)
                return err_set(e, EINVAL, "--preserve-fds: %llu is too many",
                               (unsigned long long)nfds);
        _cleanup_free_ char *pid_file = rtcli_abspath(o->pid_file);
        _cleanup_free_ char *console = rtcli_abspath(o->console_socket);
        struct rt_exec_opts xo = {
                .process = proc,
                .pid_file = pid_file,
                .io = {.stdio = {-1, -1, -1},
                       .console_socket = console,
                       .console_socket_fd = -1,
                       .preserve_fds = (unsigned)nfds},
        };
        _cleanup_close_ int ours = -1, theirs = -1, master = -1;
        if (terminal && !console) {
                if ((r = rtcli_tty_socketpair(&ours, &theirs, e)) < 0)
                        return r;
                xo.io.console_socket_fd = theirs;
        }
        pid_t pid;
        if ((r = rt_exec(ctx, id, &xo, &pid, e)) < 0)
                return r;
        closep(&theirs);
        if (ours >= 0 && (r = rtcli_tty_recv_master(ours, &master, e)) < 0) {
                (void)kill(pid, SIGKILL);
                return r;
        }
        if (o->detach)
                return 0;
        int code;
        if ((r = rtcli_foreground(pid, master, &code, e)) < 0)
                return r;
        return code;
}

/* As runc: every failure of exec itself is "exec failed: ..." with exit
 * code 255, apart from any code the process could exit with. */
static int run_exec(struct rtcli *c, void *opts, char **args, struct err *e)
{
        int r = do_exec(c, opts, args, e);
        if (r < 0)
                err_wrap(e, "exec failed");
        return r;
}

const struct rtcli_cmd rtcli_cmd_exec = {
        .name = "exec",
        .summary = "execute new process inside the container",
        .usage = "[command options] <container-id> <command> [command options]  || -p "
                 "process.json <container-id>",
        .description = "Where \"<container-id>\" is the name for the instance of the container "
                       "and\n\"<command>\" is the command to be executed in the "
                       "container.\n\"<command>\" can't be empty unless a \"-p\" flag provided.",
        .options = exec_options,
        .opts_size = sizeof(struct exec_opts),
        .stop_at_first_arg = true,
        .min_args = 1,
        .max_args = -1,
        .error_code = 255,
        .run = run_exec,
};
