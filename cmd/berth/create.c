/* SPDX-License-Identifier: Apache-2.0 */
/* berth create, berth container create; the flags `run` shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "ctr-cli.h"

#define O(f) offsetof(struct create_cli, f)
/* run's table; create's is the same without its first two entries. */
const struct cli_option run_options[] = {
        {"detach", 'd', CLI_BOOL, O(detach), NULL,
         "Run container in background and print "
         "container ID"},
        {"sig-proxy", 0, CLI_BOOL, O(sig_proxy), NULL, "Proxy received signals to the process",
         "true"},
        {"add-host", 0, CLI_CSV, O(add_host), "strings",
         "Add a custom host-to-IP mapping (host:ip)"},
        {"annotation", 0, CLI_STRV, O(annotation), "key=value",
         "Add annotations to container (key=value)"},
        {"cap-add", 0, CLI_CSV, O(cap_add), "strings", "Add capabilities to the container"},
        {"cap-drop", 0, CLI_CSV, O(cap_drop), "strings", "Drop capabilities from the container"},
        {"cgroup-parent", 0, CLI_STRING, O(cgroup_parent), "string",
         "Optional parent cgroup for the container"},
        {"cgroups", 0, CLI_STRING, O(cgroups), "string",
         "control container cgroup configuration (\"enabled\"|\"disabled\")", "enabled"},
        {"cidfile", 0, CLI_STRING, O(cidfile), "string", "Write the container ID to the file"},
        {"cpu-period", 0, CLI_STRING, O(cpu_period), "uint",
         "Limit the CPU CFS (Completely Fair Scheduler) period"},
        {"cpu-quota", 0, CLI_STRING, O(cpu_quota), "int",
         "Limit the CPU CFS (Completely Fair Scheduler) quota"},
        {"cpu-shares", 'c', CLI_STRING, O(cpu_shares), "uint", "CPU shares (relative weight)"},
        {"cpus", 0, CLI_STRING, O(cpus), "float",
         "Number of CPUs. The default is 0.000 which "
         "means no limit"},
        {"cpuset-cpus", 0, CLI_STRING, O(cpuset_cpus), "string",
         "CPUs in which to allow execution (0-3, 0,1)"},
        {"cpuset-mems", 0, CLI_STRING, O(cpuset_mems), "string",
         "Memory nodes (MEMs) in which to allow execution (0-3, 0,1). Only effective on NUMA "
         "systems."},
        {"detach-keys", 0, CLI_STRING, O(detach_keys), "string",
         "Override the key sequence for detaching a container", "ctrl-p,ctrl-q"},
        {"device", 0, CLI_STRV, O(device), "stringArray", "Add a host device to the container"},
        {"entrypoint", 0, CLI_STRING, O(entrypoint), "string",
         "Overwrite the default ENTRYPOINT of the image"},
        {"env", 'e', CLI_STRV, O(env), "stringArray", "Set environment variables in container"},
        {"env-file", 0, CLI_STRV, O(env_file), "stringArray",
         "Read in a file of environment "
         "variables"},
        {"env-host", 0, CLI_BOOL, O(env_host), NULL,
         "Use all current host environment variables "
         "in container"},
        {"group-add", 0, CLI_STRV, O(group_add), "strings",
         "Add additional groups to the primary container process"},
        {"hostname", 0, CLI_STRING, O(hostname), "string", "Set container hostname"},
        {"init", 0, CLI_BOOL, O(init), NULL,
         "Run an init binary inside the container that forwards signals and reaps "
         "processes"},
        {"init-path", 0, CLI_STRING, O(init_path), "string", "Path to the container-init binary"},
        {"interactive", 'i', CLI_BOOL, O(interactive), NULL,
         "Keep STDIN open even if not attached"},
        {"ipc", 0, CLI_STRING, O(ipc), "string",
         "IPC namespace to use (host, private, shareable, none, ns:<path>)"},
        {"label", 'l', CLI_STRV, O(label), "stringArray", "Set metadata on container"},
        {"label-file", 0, CLI_CSV, O(label_file), "strings",
         "Read in a line delimited file of labels"},
        {"log-driver", 0, CLI_STRING, O(log_driver), "string", "Logging driver for the container"},
        {"log-opt", 0, CLI_STRV, O(log_opt), "stringArray", "Logging driver options"},
        {"memory", 'm', CLI_STRING, O(memory), "string",
         "Memory limit (format: <number>[<unit>], "
         "where unit = b (bytes), k (kibibytes), "
         "m (mebibytes), or g (gibibytes))"},
        {"memory-reservation", 0, CLI_STRING, O(memory_reservation), "<number>[<unit>]",
         "Memory soft limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m "
         "(mebibytes), or g (gibibytes))"},
        {"memory-swap", 0, CLI_STRING, O(memory_swap), "string",
         "Swap limit equal to memory plus swap: '-1' to enable unlimited swap"},
        {"mount", 0, CLI_STRV, O(mount), "stringArray",
         "Attach a filesystem mount to the container"},
        {"name", 0, CLI_STRING, O(name), "string", "Assign a name to the container"},
        {"network", 0, CLI_STRING, O(network), "string",
         "Connect a container to a network (none until the network step: none, host, "
         "container:<id>, ns:<path>)"},
        {"net", 0, CLI_STRING, O(network), "string", "Alias of --network", NULL, true},
        {"no-hosts", 0, CLI_BOOL, O(no_hosts), NULL,
         "Do not create /etc/hosts within the container, instead use the version from the image"},
        {"oom-score-adj", 0, CLI_STRING, O(oom_score_adj), "int",
         "Tune the host's OOM preferences (-1000 to 1000)"},
        {"pid", 0, CLI_STRING, O(pid), "string",
         "PID namespace to use (host, private, container:<id>, ns:<path>)"},
        {"pids-limit", 0, CLI_STRING, O(pids_limit), "int",
         "Tune container pids limit (set -1 for unlimited)"},
        {"privileged", 0, CLI_BOOL, O(privileged), NULL, "Give extended privileges to container"},
        {"publish", 'p', CLI_STRV, O(publish), "strings",
         "Publish a container's port, or a range of ports, to the host (needs the "
         "network step)"},
        {"pull", 0, CLI_STRING, O(pull), "string",
         "Pull image before creating (\"always\"|\"missing\"|\"never\"|\"newer\")", "missing"},
        {"quiet", 'q', CLI_BOOL, O(quiet), NULL,
         "Suppress output information when pulling "
         "images"},
        {"read-only", 0, CLI_BOOL, O(read_only), NULL, "Make containers root filesystem read-only"},
        {"read-only-tmpfs", 0, CLI_BOOL, O(read_only_tmpfs), NULL,
         "When running containers in read-only mode mount a read-write tmpfs on /run, "
         "/tmp and "
         "/var/tmp",
         "true"},
        {"replace", 0, CLI_BOOL, O(replace), NULL,
         "If a container with the same name exists, replace it"},
        {"restart", 0, CLI_STRING, O(restart), "string",
         "Restart policy to apply when a container exits "
         "(\"always\"|\"no\"|\"on-failure\"|"
         "\"unless-stopped\")"},
        {"rm", 0, CLI_BOOL, O(rm), NULL, "Remove container (and pod if created) after exit"},
        {"security-opt", 0, CLI_STRV, O(security_opt), "stringArray", "Security Options"},
        {"shm-size", 0, CLI_STRING, O(shm_size), "string",
         "Size of /dev/shm (format: <number>[<unit>])", "64m"},
        {"stop-signal", 0, CLI_STRING, O(stop_signal), "string",
         "Signal to stop a container. Default is SIGTERM"},
        {"stop-timeout", 0, CLI_STRING, O(stop_timeout), "uint",
         "Timeout (in seconds) that containers stopped by user command have to exit. If "
         "exceeded, the container will be forcibly stopped via SIGKILL.",
         "10"},
        {"sysctl", 0, CLI_CSV, O(sysctl), "strings", "Sysctl options"},
        {"tmpfs", 0, CLI_STRV, O(tmpfs), "tmpfs",
         "Mount a temporary filesystem (tmpfs) into a "
         "container"},
        {"tty", 't', CLI_BOOL, O(tty), NULL, "Allocate a pseudo-TTY for container"},
        {"ulimit", 0, CLI_STRV, O(ulimit), "strings", "Ulimit options"},
        {"umask", 0, CLI_STRING, O(umask), "string", "Set umask in container", "0022"},
        {"user", 'u', CLI_STRING, O(user), "string",
         "Username or UID (format: <name|uid>[:<group|gid>])"},
        {"userns", 0, CLI_STRING, O(userns), "string", "User namespace to use (host, keep-id)"},
        {"uts", 0, CLI_STRING, O(uts), "string",
         "UTS namespace to use (host, private, container:<id>, ns:<path>)"},
        {"volume", 'v', CLI_STRV, O(volume), "stringArray",
         "Bind mount a volume into the container"},
        {"workdir", 'w', CLI_STRING, O(workdir), "string",
         "Working directory inside the container"},
        CLI_END,
};

/* main() keeps argv nowhere else; /proc/self/cmdline has it verbatim. */
char **create_cli_argv(void)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        char **v = NULL;
        if (fs_read_file(AT_FDCWD, "/proc/self/cmdline", 1u << 20, &buf, &len, NULL) < 0)
                return NULL;
        for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
                strv_add(&v, buf + i);
        if (v && v[0]) {
                free(v[0]);
                v[0] = xstrdup("berth");
        }
        return v;
}

int create_cli_opts(const struct create_cli *c, char **args, struct container_create_opts *o,
                    struct err *e)
{
        memset(o, 0, sizeof(*o));
        o->image = args[0];
        o->cmd = args[0] && args[1] ? args + 1 : NULL;
        o->name = c->name;
        o->entrypoint = c->entrypoint;
        o->env = c->env;
        o->env_file = c->env_file;
        o->env_host = c->env_host;
        o->workdir = c->workdir;
        o->user = c->user;
        o->hostname = c->hostname;
        o->tty = c->tty;
        o->interactive = c->interactive;
        o->remove = c->rm;
        o->detach = c->detach;
        o->read_only = c->read_only;
        o->read_only_tmpfs = c->read_only_tmpfs ? NULL : "false";
        o->init = c->init;
        o->init_path = c->init_path;
        o->cap_add = c->cap_add;
        o->cap_drop = c->cap_drop;
        o->privileged = c->privileged;
        o->security_opt = c->security_opt;
        o->ulimits = c->ulimit;
        o->memory = c->memory;
        o->memory_swap = c->memory_swap;
        o->cpus = c->cpus;
        o->cpu_period = c->cpu_period;
        o->cpu_quota = c->cpu_quota;
        o->cpuset_cpus = c->cpuset_cpus;
        o->cpuset_mems = c->cpuset_mems;
        o->memory_reservation = c->memory_reservation;
        o->oom_score_adj = c->oom_score_adj;
        o->cpu_shares = c->cpu_shares;
        o->pids_limit = c->pids_limit;
        o->shm_size = c->shm_size;
        o->devices = c->device;
        o->annotations = c->annotation;
        o->labels = c->label;
        o->label_files = c->label_file;
        o->group_add = c->group_add;
        o->volumes = c->volume;
        o->mounts = c->mount;
        o->tmpfs = c->tmpfs;
        o->stop_signal = c->stop_signal;
        o->stop_timeout = -1;
        if (c->stop_timeout &&
            (str_to_int64(c->stop_timeout, &o->stop_timeout) < 0 || o->stop_timeout < 0))
                return err_set(e, EINVAL, "invalid argument \"%s\" for \"--stop-timeout\" flag",
                               c->stop_timeout);
        o->userns = c->userns;
        o->pull = c->pull;
        o->network = c->network;
        o->publish = c->publish;
        o->restart = c->restart;
        o->log_driver = c->log_driver;
        o->log_opts = c->log_opt;
        o->cidfile = c->cidfile;
        o->detach_keys = c->detach_keys;
        o->cgroup_parent = c->cgroup_parent;
        o->cgroups = c->cgroups;
        o->add_hosts = c->add_host;
        o->no_hosts = c->no_hosts;
        o->sysctls = c->sysctl;
        o->umask = c->umask;
        o->pid = c->pid;
        o->ipc = c->ipc;
        o->uts = c->uts;
        o->replace = c->replace;
        return 0;
}

static int run_create(struct berth_ctx *ctx, void *opts, char **args)
{
        struct create_cli *c = opts;
        _cleanup_err_ struct err e = {0};
        struct container_create_opts o;
        if (create_cli_opts(c, args, &o, &e) < 0)
                return print_error(&e);
        _cleanup_strv_ char **argv = create_cli_argv();
        o.create_command = argv;
        struct config *cfg;
        struct store *s;
        if (ctx_config(ctx, &cfg, &e) < 0 || ctx_store(ctx, &s, &e) < 0)
                return print_error(&e);
        _cleanup_free_ char *id = NULL;
        if (engine_container_create(s, cfg, &o, &id, &e) < 0)
                return print_error(&e);
        printf("%s\n", id);
        return 0;
}

const struct berth_cmd cmd_create = {
        .name = "create",
        .summary = "Create but do not start a container",
        .usage = "[options] IMAGE [COMMAND [ARG...]]",
        .options = CREATE_OPTIONS,
        .opts_size = sizeof(struct create_cli),
        .parse_flags = CLI_STOP_AT_FIRST_ARG,
        .min_args = 1,
        .max_args = -1,
        .needs_userns = true,
        .run = run_create,
};
