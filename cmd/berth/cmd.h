/* SPDX-License-Identifier: Apache-2.0 */
/* Private to cmd/berth: the command table types and the shared context. */
#pragma once

#include "base.h"

struct store;

/* podman's global options. */
struct berth_globals {
        char *root;
        char *runroot;
        char *storage_driver;
        char **storage_opts;
        char *log_level;
        char *runtime;
        char *cgroup_manager;
        char *tmpdir;
        bool version;
};

/* main()'s context: the one place for state that outlives a call. */
struct berth_ctx {
        struct berth_globals g;
        bool storage_opts_set;
        struct config *cfg; /* loaded on first use */
        struct store *store; /* opened on first use */
};

struct berth_cmd {
        const char *name;
        const char *const *aliases;
        const char *summary;
        const char *description; /* NULL: the summary */
        const char *usage;       /* what follows the command path, e.g. "[options]" */
        const char *example;
        const struct cli_option *options;
        size_t opts_size;
        unsigned parse_flags;
        int min_args, max_args; /* max -1: unlimited */
        int (*run)(struct berth_ctx *ctx, void *opts, char **args);
        const struct berth_cmd *const *subs; /* a group's commands, NULL-terminated */
        bool hidden;
        /* Runs inside the rootless user namespace (entered in main() before
         * run, see userns_enter()): every command that touches the store.
         * Others (version, help) skip the cost. */
        bool needs_userns;
};

#define EXIT_BERTH_ERROR 125

/* Load the configuration once; prints nothing. */
int ctx_config(struct berth_ctx *ctx, struct config **ret, struct err *e);
/* Open the store once (loading the configuration); prints nothing. */
int ctx_store(struct berth_ctx *ctx, struct store **ret, struct err *e);
/* Release what the context opened (the store). */
void ctx_done(struct berth_ctx *ctx);
/* Print "Error: <msg>" to stderr and return 125. */
int print_error(struct err *e);
/* Print out on success (r >= 0), else the error; releases out. Returns the
 * exit code: 0 or 125. */
int print_report(int r, struct sbuf *out, struct err *e);
/* Write a whole buffer to stdout. */
int print_out(const char *s, size_t len);

/* The help text of a command (or group) at the given command path. */
void cmd_help(const struct berth_cmd *cmd, const char *path, struct sbuf *out);

extern const struct berth_cmd cmd_root;
extern const struct berth_cmd cmd_version;
extern const struct berth_cmd cmd_info;
extern const struct berth_cmd cmd_system;
extern const struct berth_cmd cmd_help_cmd;
extern const struct berth_cmd cmd_unshare;
extern const struct berth_cmd cmd_image;
extern const struct berth_cmd cmd_images;
extern const struct berth_cmd cmd_image_ls;
extern const struct berth_cmd cmd_rmi;
extern const struct berth_cmd cmd_image_rm;
extern const struct berth_cmd cmd_tag;
extern const struct berth_cmd cmd_untag;
extern const struct berth_cmd cmd_inspect;
extern const struct berth_cmd cmd_image_inspect;
extern const struct berth_cmd cmd_import;
extern const struct berth_cmd cmd_load;
extern const struct berth_cmd cmd_save;
extern const struct berth_cmd cmd_image_copy;
extern const struct berth_cmd cmd_history;
extern const struct berth_cmd cmd_image_history;
extern const struct berth_cmd cmd_image_prune;
extern const struct berth_cmd cmd_image_mount;
extern const struct berth_cmd cmd_image_unmount;
extern const struct berth_cmd cmd_system_df;
extern const struct berth_cmd cmd_logs, cmd_container_logs;
extern const struct berth_cmd cmd_create, cmd_run, cmd_start, cmd_stop, cmd_kill, cmd_rm, cmd_ps, cmd_wait, cmd_container, cmd_container_ls, cmd_container_inspect, cmd_container_cleanup;
extern const struct berth_cmd cmd_volume;
extern const struct berth_cmd cmd_exec, cmd_attach;
extern const struct berth_cmd cmd_restart, cmd_port;
extern const struct berth_cmd cmd_top, cmd_pause, cmd_unpause, cmd_stats, cmd_rename, cmd_container_prune;
extern const struct berth_cmd cmd_diff, cmd_container_diff, cmd_image_diff, cmd_commit, cmd_container_commit;
extern const struct berth_cmd cmd_cp, cmd_export, cmd_mount, cmd_umount;
extern const struct cli_option global_options[];
/* podman prints mount JSON with one space of indentation (MarshalIndent): image-mount.c. */
void append_json_indent1(struct sbuf *out, const struct json *j);
