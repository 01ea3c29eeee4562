/* SPDX-License-Identifier: Apache-2.0 */
/* Private to cmd/berth: the options `run` and `create` share. */
#pragma once

#include "cmd.h"
#include "engine.h"

struct create_cli {
        bool detach, interactive, tty, rm, env_host, read_only, read_only_tmpfs, init;
        bool privileged, sig_proxy, quiet;
        char *name, *entrypoint, *workdir, *user, *hostname, *init_path;
        char *memory, *memory_swap, *cpus, *cpu_shares, *pids_limit, *shm_size;
        char *memory_reservation, *cpu_period, *cpu_quota, *cpuset_cpus, *cpuset_mems;
        char *oom_score_adj;
        char *stop_signal, *stop_timeout, *userns, *pull, *network, *restart, *log_driver;
        char *cidfile, *detach_keys, *cgroup_parent, *cgroups;
        char **env, **env_file, **cap_add, **cap_drop, **security_opt, **ulimit, **device;
        char **annotation, **label, **group_add, **volume, **mount, **tmpfs, **publish;
        char **log_opt, **add_host, **sysctl;
        bool no_hosts, replace;
        char *umask, *pid, *ipc, *uts;
        char **label_file;
};

/* run's flags; create takes them without the first two (-d, --sig-proxy). */
extern const struct cli_option run_options[];
#define CREATE_OPTIONS (run_options + 2)

/* Fill the engine's options from the parsed flags; args: IMAGE [COMMAND...]. */
int create_cli_opts(const struct create_cli *c, char **args, struct container_create_opts *o,
                    struct err *e);
/* The berth command line, for inspect's CreateCommand. */
char **create_cli_argv(void);

/* -t/--time SECONDS: *ret -1 when s is NULL; an error for a bad value. */
int ctr_cli_timeout(const char *s, int64_t *ret, struct err *e);
/* How a container command was told which containers: -a/--all,
 * -l/--latest, --cidfile, names. */
struct ctr_sel {
        bool all, latest;
        bool all_stopped; /* -a lists stopped containers too, not only running ones */
        char *const *cidfiles;
        const char *none; /* the error when nothing is given (NULL: podman's usual) */
};
/* podman's checks of a mix of --all, --latest, --cidfile and names. */
int ctr_cli_check(const struct ctr_sel *sel, char *const *args, struct err *e);
/* Allocates: the containers named by args and by each --cidfile's first
 * line, or with --latest the newest container (an error when there is
 * none); after ctr_cli_check. With --all, *ret is NULL: what "all" lists
 * differs by command. */
int ctr_cli_names(struct store *s, const struct ctr_sel *sel, char *const *args, char ***ret,
                  struct err *e);
/* ctr_cli_check, the store, then the containers to act on (allocated):
 * ctr_cli_names, or with --all berth's (see all_stopped), newest first. */
int ctr_cli_select(struct berth_ctx *ctx, const struct ctr_sel *sel, char *const *args,
                   struct store **ret_store, char ***ret, struct err *e);
/* Allocates: the ID of the newest container (-l/--latest); podman's "no
 * such container" when there is none. */
int ctr_cli_latest(struct store *s, char **ret, struct err *e);
