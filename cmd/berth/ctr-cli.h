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
        char *stop_signal, *stop_timeout, *userns, *pull, *network, *restart, *log_driver;
        char *cidfile, *detach_keys, *cgroup_parent, *cgroups;
        char **env, **env_file, **cap_add, **cap_drop, **security_opt, **ulimit, **device;
        char **annotation, **label, **group_add, **volume, **mount, **tmpfs, **publish;
        char **log_opt;
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
/* Allocates: the containers named by args and by each --cidfile's first
 * line; an error when there are none. */
int ctr_cli_names(char *const *args, char *const *cidfiles, char ***ret, struct err *e);
