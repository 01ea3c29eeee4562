/* SPDX-License-Identifier: Apache-2.0 */
/* update: new resource limits for a running container. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "rtcli.h"

/* Bound on a --resources document. */
#define RESOURCES_MAX (1u << 20)

struct update_opts {
        char *resources;
        struct rtcli_update_flags f;
        char *l3_cache_schema, *mem_bw_schema;
};

#define U(x) offsetof(struct update_opts, x)
#define F(x) (offsetof(struct update_opts, f) + offsetof(struct rtcli_update_flags, x))
static const struct cli_option update_options[] = {
        {"resources", 'r', CLI_STRING, U(resources), "value",
         "path to the file containing the resources to update or '-' to read from the standard "
         "input"},
        {"blkio-weight", 0, CLI_STRING, F(blkio_weight), "value",
         "Specifies per cgroup weight, range is from 10 to 1000", "0"},
        {"cpu-period", 0, CLI_STRING, F(cpu_period), "value",
         "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"},
        {"cpu-quota", 0, CLI_STRING, F(cpu_quota), "value",
         "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"},
        {"cpu-share", 0, CLI_STRING, F(cpu_shares), "value",
         "CPU shares (relative weight vs. other containers)"},
        {"cpu-shares", 0, CLI_STRING, F(cpu_shares), "value", "same as --cpu-share", NULL, true},
        {"cpu-rt-period", 0, CLI_STRING, F(cpu_rt_period), "value",
         "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"},
        {"cpu-rt-runtime", 0, CLI_STRING, F(cpu_rt_runtime), "value",
         "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"},
        {"cpuset-cpus", 0, CLI_STRING, F(cpuset_cpus), "value", "CPU(s) to use"},
        {"cpuset-mems", 0, CLI_STRING, F(cpuset_mems), "value", "Memory node(s) to use"},
        {"kernel-memory", 0, CLI_STRING, F(kernel_memory), "value",
         "Kernel memory limit (in bytes) (deprecated)", NULL, true},
        {"kernel-memory-tcp", 0, CLI_STRING, F(kernel_memory_tcp), "value",
         "Kernel memory limit (in bytes) for tcp buffer (deprecated)", NULL, true},
        {"memory", 0, CLI_STRING, F(memory), "value", "Memory limit (in bytes)"},
        {"memory-reservation", 0, CLI_STRING, F(memory_reservation), "value",
         "Memory reservation or soft_limit (in bytes)"},
        {"memory-swap", 0, CLI_STRING, F(memory_swap), "value",
         "Total memory usage (memory + swap); set '-1' to enable unlimited swap"},
        {"pids-limit", 0, CLI_STRING, F(pids_limit), "value",
         "Maximum number of pids allowed in the container", "0"},
        {"l3-cache-schema", 0, CLI_STRING, U(l3_cache_schema), "value",
         "The string of Intel RDT/CAT L3 cache schema (not supported)"},
        {"mem-bw-schema", 0, CLI_STRING, U(mem_bw_schema), "value",
         "The string of Intel RDT/MBA memory bandwidth schema (not supported)"},
        CLI_END,
};

static int read_resources(const char *path, struct json **ret, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;
        if (STREQ(path, "-")) {
                struct sbuf b = {0};
                char chunk[8192];
                for (;;) {
                        ssize_t n = read(STDIN_FILENO, chunk, sizeof(chunk));
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0) {
                                sbuf_done(&b);
                                return err_errno(e, "read resources from stdin");
                        }
                        if (n == 0)
                                break;
                        if (b.len + (size_t)n > RESOURCES_MAX) {
                                sbuf_done(&b);
                                return err_set(e, EFBIG, "resources on stdin: too large");
                        }
                        sbuf_append_len(&b, chunk, (size_t)n);
                }
                len = b.len;
                buf = b.buf ? sbuf_steal(&b) : xstrdup("");
        } else if ((r = fs_read_file(AT_FDCWD, path, RESOURCES_MAX, &buf, &len, e)) < 0) {
                return r;
        }
        _cleanup_json_ struct json *j = NULL;
        if ((r = json_parse(buf, len, &j, e)) < 0)
                return err_wrap(e, "resources '%s'", path);
        if (j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "resources '%s': expected an object, got %s", path,
                               json_type_to_string(j->type));
        *ret = steal_pointer(&j);
        return 0;
}

static int run_update(struct rtcli *c, void *opts, char **args, struct err *e)
{
        const struct update_opts *o = opts;
        const struct rt_ctx *ctx;
        _cleanup_json_ struct json *res = NULL;
        int r;
        if (o->l3_cache_schema || o->mem_bw_schema)
                return err_set(e, ENOTSUP, "Intel RDT is not supported");
        /* As runc: a --resources document makes the other flags ignored. */
        if (o->resources)
                r = read_resources(o->resources, &res, e);
        else
                r = rtcli_update_resources(&o->f, &res, e);
        if (r < 0)
                return r;
        if ((r = rtcli_ctx(c, &ctx, e)) < 0 || (r = rt_update(ctx, args[0], res, e)) < 0)
                return r;
        return 0;
}

const struct rtcli_cmd rtcli_cmd_update = {
        .name = "update",
        .summary = "update container resource constraints",
        .usage = "[command options] <container-id>",
        .options = update_options,
        .opts_size = sizeof(struct update_opts),
        .min_args = 1,
        .max_args = 1,
        .exact_args = true,
        .run = run_update,
};
