/* SPDX-License-Identifier: Apache-2.0 */
/* create, start and run. */
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "rtcli.h"

/* Upper bound for --preserve-fds (+ $LISTEN_FDS). */
#define MAX_PRESERVE_FDS 4096

struct create_opts {
        char *bundle;
        char *console_socket;
        char *pid_file;
        bool no_pivot;
        bool no_new_keyring;
        uint64_t preserve_fds;
        /* run only */
        bool detach;
        bool keep;
        bool no_subreaper;
};

#define O(f) offsetof(struct create_opts, f)
#define CREATE_OPTIONS                                                                             \
        {                                                                                          \
                "bundle",                                                                          \
                'b',                                                                               \
                CLI_STRING,                                                                        \
                O(bundle),                                                                         \
                "value",                                                                           \
                "path to the root of the bundle directory, defaults to the current directory"},    \
                {"console-socket",                                                                 \
                 0,                                                                                \
                 CLI_STRING,                                                                       \
                 O(console_socket),                                                                \
                 "value",                                                                          \
                 "path to an AF_UNIX socket which will receive a file descriptor referencing the " \
                 "master end of the console's pseudoterminal"},                                    \
                {"pid-file",  0,       CLI_STRING,                                                 \
                 O(pid_file), "value", "specify the file to write the process id to"},             \
                {"no-pivot",                                                                       \
                 0,                                                                                \
                 CLI_BOOL,                                                                         \
                 O(no_pivot),                                                                      \
                 NULL,                                                                             \
                 "do not use pivot root to jail process inside rootfs.  This should be used "      \
                 "whenever the rootfs is on top of a ramdisk"},                                    \
                {"no-new-keyring",                                                                 \
                 0,                                                                                \
                 CLI_BOOL,                                                                         \
                 O(no_new_keyring),                                                                \
                 NULL,                                                                             \
                 "do not create a new session keyring for the container.  This will cause the "    \
                 "container to inherit the calling processes session key"},                        \
        {                                                                                          \
                "preserve-fds", 0, CLI_UINT, O(preserve_fds), "value",                             \
                        "Pass N additional file descriptors to the container (stdio + "            \
                        "$LISTEN_FDS + N "                                                         \
                        "in total)",                                                               \
                        "0"                                                                        \
        }

static const struct cli_option create_options[] = {
        CREATE_OPTIONS,
        CLI_END,
};

static const struct cli_option run_options[] = {
        CREATE_OPTIONS,
        {"detach", 'd', CLI_BOOL, O(detach), NULL, "detach from the container's process"},
        {"keep", 0, CLI_BOOL, O(keep), NULL, "do not delete the container after it exits"},
        {"no-subreaper", 0, CLI_BOOL, O(no_subreaper), NULL,
         "disable the use of the subreaper used to reap reparented processes"},
        CLI_END,
};

/* runc counts systemd's socket-activation fds ($LISTEN_FDS) in. */
static int preserved_fds(uint64_t flag, unsigned *ret, struct err *e)
{
        uint64_t n = flag, listen = 0;
        const char *s = getenv("LISTEN_FDS");
        if (s && *s && str_to_uint64(s, &listen) == 0)
                n += listen;
        if (n > MAX_PRESERVE_FDS || n < flag)
                return err_set(e, EINVAL, "--preserve-fds: %llu is too many (at most %d)",
                               (unsigned long long)n, MAX_PRESERVE_FDS);
        *ret = (unsigned)n;
        return 0;
}

/* Everything create and run share: the container exists when this returns.
 * With tty_sock (run in the foreground with a terminal and no
 * --console-socket), *tty_sock gets our end of the console socket. */
static int do_create(struct rtcli *c, const struct create_opts *o, const char *id, bool detach,
                     pid_t *ret_pid, int *tty_sock, struct err *e)
{
        const struct rt_ctx *ctx;
        _cleanup_free_ char *bundle = NULL, *pid_file = NULL, *console = NULL;
        _cleanup_(rt_spec_freep) struct rt_spec *spec = NULL;
        bool terminal = false;
        unsigned nfds = 0;
        int r;
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rtcli_bundle(o->bundle, &bundle, e)) < 0 ||
            (r = preserved_fds(o->preserve_fds, &nfds, e)) < 0)
                return r;
        if ((r = rt_spec_load(bundle, &spec, e)) < 0)
                return r;
        if ((r = rtcli_bundle_wants_terminal(bundle, &terminal, e)) < 0)
                return r;
        if (terminal && detach && !o->console_socket)
                return err_set(e, EINVAL,
                               "cannot allocate a terminal when detached without --console-socket");

        if (!terminal && o->console_socket)
                return err_set(e, EINVAL,
                               "--console-socket needs a terminal (process.terminal is false)");
        pid_file = rtcli_abspath(o->pid_file);
        console = rtcli_abspath(o->console_socket);

        struct rt_create_opts co = {
                .bundle = bundle,
                .pid_file = pid_file,
                .no_pivot = o->no_pivot,
                .no_new_keyring = o->no_new_keyring,
                .io = {.stdio = {-1, -1, -1},
                       .console_socket = console,
                       .console_socket_fd = -1,
                       .preserve_fds = nfds},
        };
        _cleanup_close_ int ours = -1, theirs = -1;
        if (terminal && !console && tty_sock) {
                if ((r = rtcli_tty_socketpair(&ours, &theirs, e)) < 0)
                        return r;
                co.io.console_socket_fd = theirs;
        }
        pid_t pid;
        if ((r = rt_create(ctx, id, spec, &co, &pid, e)) < 0)
                return r;
        if (tty_sock)
                *tty_sock = TAKE_FD(ours);
        *ret_pid = pid;
        return 0;
}

static int run_create(struct rtcli *c, void *opts, char **args, struct err *e)
{
        pid_t pid;
        int r = do_create(c, opts, args[0], true, &pid, NULL, e);
        return r < 0 ? r : 0;
}

static int run_start(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct rt_ctx *ctx;
        int r = rtcli_ctx(c, &ctx, e);
        if (r < 0)
                return r;
        r = rt_start(ctx, args[0], e);
        return r < 0 ? r : 0;
}

/* Remove what a foreground run leaves behind; a failure is only a warning,
 * the container's exit code is what the caller waits for. */
static void cleanup_container(struct rtcli *c, const char *id)
{
        const struct rt_ctx *ctx;
        struct err e = {0};
        if (rtcli_ctx(c, &ctx, &e) < 0 || rt_delete(ctx, id, true, &e) < 0)
                rtcli_log(c, "warning", e.msg ? e.msg : "delete failed");
        err_done(&e);
}

static int run_run(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct create_opts *o = opts;
        const char *id = args[0];
        const struct rt_ctx *ctx;
        int r = rtcli_ctx(c, &ctx, e);
        if (r < 0)
                return r;
        if (!o->detach && !o->no_subreaper)
                (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

        pid_t pid;
        sigset_t old;
        bool blocked = false;
        _cleanup_close_ int tty_sock = -1, master = -1;
        if ((r = do_create(c, o, id, o->detach, &pid, &tty_sock, e)) < 0)
                return r;
        if (tty_sock >= 0 && (r = rtcli_tty_recv_master(tty_sock, &master, e)) < 0)
                goto fail;
        /* From here every signal we get is the container's (forwarded by
         * rtcli_foreground); blocked now so none is lost before the wait. */
        if (!o->detach) {
                rtcli_signals_block(&old);
                blocked = true;
        }
        if ((r = rt_start(ctx, id, e)) < 0)
                goto fail;
        if (o->detach)
                return 0;
        int code;
        r = rtcli_foreground(pid, master, &code, e);
        if (!o->keep)
                cleanup_container(c, id);
        return r < 0 ? r : code;
fail:
        if (blocked)
                sigprocmask(SIG_SETMASK, &old, NULL);
        if (!o->keep)
                cleanup_container(c, id);
        return r;
}

const struct rtcli_cmd rtcli_cmd_create = {
        .name = "create",
        .summary = "create a container",
        .usage = "[command options] <container-id>",
        .description = "The create command creates an instance of a container for a bundle. The "
                       "bundle\nis a directory with a specification file named \"config.json\" "
                       "and a root\nfilesystem.",
        .options = create_options,
        .opts_size = sizeof(struct create_opts),
        .min_args = 1,
        .max_args = 1,
        .exact_args = true,
        .run = run_create,
};

const struct rtcli_cmd rtcli_cmd_start = {
        .name = "start",
        .summary = "executes the user defined process in a created container",
        .usage = "<container-id>",
        .min_args = 1,
        .max_args = 1,
        .exact_args = true,
        .run = run_start,
};

const struct rtcli_cmd rtcli_cmd_run = {
        .name = "run",
        .summary = "create and run a container",
        .usage = "[command options] <container-id>",
        .description = "The run command creates an instance of a container for a bundle, starts "
                       "it and,\nunless detached, waits for it, exits with its exit code and "
                       "deletes it.",
        .options = run_options,
        .opts_size = sizeof(struct create_opts),
        .min_args = 1,
        .max_args = 1,
        .exact_args = true,
        .run = run_run,
};
