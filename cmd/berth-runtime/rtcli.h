/* SPDX-License-Identifier: Apache-2.0 */
/* Private to cmd/berth-runtime: the command table, the context, shared helpers. */
#pragma once

#include <signal.h>

#include "base.h"
#include "runtime.h"

DEFINE_CLEANUP_FUNC(struct rt_spec *, rt_spec_free)
DEFINE_CLEANUP_FUNC(struct rt_state *, rt_state_free)
DEFINE_CLEANUP_FUNC(struct rt_process *, rt_process_free)

/* runc's global options. */
struct rtcli_globals {
        char *root;
        char *log;
        char *log_format;
        char *rootless; /* "true", "false" or "auto" */
        char *criu;     /* accepted for runc compatibility; unused */
        bool debug;
        bool systemd_cgroup;
        bool help;
        bool version;
};

/* main()'s context. */
struct rtcli {
        struct rtcli_globals g;
        struct rt_ctx ctx;
        bool ctx_ready;
        int log_fd;    /* --log file, or -1 for stderr */
        bool log_json; /* --log-format json */
};

struct rtcli_cmd {
        const char *name;
        const char *summary;
        const char *usage;       /* after "berth-runtime <name> " */
        const char *description; /* NULL: none */
        const struct cli_option *options;
        size_t opts_size;
        /* Options end at the first argument (exec, ps: the rest is a
         * command line), like runc's commands that skip argument reordering. */
        bool stop_at_first_arg;
        int min_args, max_args; /* max -1: unlimited */
        bool exact_args;        /* the count error says "exactly" */
        int error_code;         /* exit code when run fails; 0 means 1 */
        int (*run)(struct rtcli *c, void *opts, char **args, struct err *e);
};

extern const struct rtcli_cmd rtcli_cmd_create, rtcli_cmd_start, rtcli_cmd_run, rtcli_cmd_state,
        rtcli_cmd_kill, rtcli_cmd_delete, rtcli_cmd_list, rtcli_cmd_ps, rtcli_cmd_exec,
        rtcli_cmd_pause, rtcli_cmd_resume, rtcli_cmd_update, rtcli_cmd_spec, rtcli_cmd_features;

/* The runtime context from the global options, initialised on first use. */
int rtcli_ctx(struct rtcli *c, const struct rt_ctx **ret, struct err *e);

/* log.c: a runc-style log record (logrus text, or JSON with --log-format
 * json) to the --log file, else stderr. level is "error", "warning", ... */
void rtcli_log(const struct rtcli *c, const char *level, const char *msg);
/* log_sink_fn for the library's messages: rtcli_log() with data, a struct
 * rtcli, so warnings land in the --log file, formatted as runc's. */
void rtcli_log_sink(enum log_level l, const char *msg, void *data);
/* Report a failed command as runc does: an error record in the log, and
 * the bare message on stderr as well when the log is a file. Returns 1. */
int rtcli_fail(const struct rtcli *c, const struct err *e);
/* Allocates: s quoted as Go's strconv.Quote does. */
char *rtcli_go_quote(const char *s);

/* paths.c: allocates: path made absolute against the working directory
 * (NULL stays NULL). */
char *rtcli_abspath(const char *path);
/* Allocates: the bundle directory, resolved (default: the working directory). */
int rtcli_bundle(const char *bundle, char **ret, struct err *e);
/* Whether <bundle>/config.json asks for a terminal (process.terminal). */
int rtcli_bundle_wants_terminal(const char *bundle, bool *ret, struct err *e);

/* foreground.c: wait in the foreground for pid (a child of ours): forward
 * signals to it, resize and proxy the terminal when master >= 0, reap
 * reparented orphans. *ret_code is its exit code, 128+signal if killed. */
int rtcli_foreground(pid_t pid, int master, int *ret_code, struct err *e);
/* Signals a foreground run forwards: block them (so none is lost between
 * the container's start and the wait) after the child exists. */
void rtcli_signals_block(sigset_t *ret_old);

/* tty.c: a socket pair standing in for --console-socket when a terminal is
 * wanted in the foreground: *ret_ours receives the master, *ret_theirs goes
 * to the runtime (rt_io.console_socket_fd). */
int rtcli_tty_socketpair(int *ret_ours, int *ret_theirs, struct err *e);
/* Receive the pty master sent on sock (the sender has one shot). */
int rtcli_tty_recv_master(int sock, int *ret_master, struct err *e);

/* process-overrides.c: exec's command-line changes to a "process" object. */
struct rtcli_exec_overrides {
        char **args; /* the command; required */
        char *cwd;   /* NULL: keep */
        char **env;  /* appended */
        bool tty;
        char *user; /* "uid[:gid]", NULL: keep */
        char **additional_gids;
        char *process_label;
        char *apparmor;
        bool no_new_privs;
        char **caps;
};
/* Allocates: base (the container's "process") with o applied, as runc's
 * exec does. Errors name the flag and the bad value. */
int rtcli_exec_process(const struct json *base, const struct rtcli_exec_overrides *o,
                       struct json **ret, struct err *e);

/* resources-flags.c: update's individual flags (NULL: not given). */
struct rtcli_update_flags {
        char *memory, *memory_swap, *memory_reservation, *kernel_memory, *kernel_memory_tcp;
        char *cpu_shares, *cpu_quota, *cpu_period, *cpu_rt_period, *cpu_rt_runtime;
        char *cpuset_cpus, *cpuset_mems;
        char *pids_limit, *blkio_weight;
};
/* Allocates: the linux.resources object the given flags describe (only
 * what was given); errors name the flag: "invalid value for memory: ...". */
int rtcli_update_resources(const struct rtcli_update_flags *f, struct json **ret, struct err *e);
/* docker's RAMInBytes: "512", "64k", "1.5g", "2GiB" in binary units. */
int rtcli_parse_bytes(const char *s, int64_t *ret);
