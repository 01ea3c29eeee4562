/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parsers of what a user types to run a container, and of the files it
 * names: sizes (--memory, --shm-size, log max-size), --ulimit, --device,
 * --detach-keys, --userns=auto options, --restart, top's descriptors,
 * volume -o options and labels, --env-file, --add-host (and the /etc/hosts
 * it makes), --sysctl, the resource options together (--memory, --cpus,
 * --cpuset-cpus, --oom-score-adj, ...), and the monitor's command line.
 * The first byte picks the parser, the rest is its text (or, split at
 * newlines, its arguments). No crash, no leak, an error always has a
 * message, and what parses keeps the parser's promises: limits soft <=
 * hard, id ranges inside 32 bits, device paths absolute, sizes >= 0, an
 * --add-host entry one line of /etc/hosts.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "ctr-opts.h"
#include "ctr-spec.h"
#include "mon-internal.h"
#include "vol-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An error must say why. */
static void failed(struct err *e)
{
        if (!e->msg || !*e->msg)
                abort();
        err_done(e);
}

static void id_maps_fit(const struct id_map *m, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (m[i].size == 0 || (uint64_t)m[i].container_id + m[i].size > UINT32_MAX ||
                    (uint64_t)m[i].host_id + m[i].size > UINT32_MAX)
                        abort();
}

static void userns_auto(const char *s)
{
        struct ctr_userns_auto a;
        struct err e = {0};
        _cleanup_free_ char *mode = xasprintf("auto:%s", s);
        if (ctr_userns_auto_parse(mode, &a, &e) < 0) {
                failed(&e);
        } else {
                id_maps_fit(a.extra_uid, a.n_extra_uid);
                id_maps_fit(a.extra_gid, a.n_extra_gid);
        }
        ctr_userns_auto_done(&a);
}

static void env_file(const char *s, size_t len)
{
        int fd = memfd_create("env", MFD_CLOEXEC);
        if (fd < 0 || fs_write_all(fd, s, len) < 0)
                abort();
        _cleanup_free_ char *path = xasprintf("/proc/self/fd/%d", fd);
        char **env = NULL;
        struct err e = {0};
        if (ctr_read_kv_file(path, len % 2, &env, &e) < 0)
                failed(&e);
        /* Each entry is one line: a name, then perhaps =VALUE. */
        for (char **p = env; p && *p; p++)
                if (!**p || **p == '=' || **p == '#' || strchr(*p, '\n'))
                        abort();
        strv_free(env);
        close(fd);
}

static void add_host(const char *s)
{
        struct err e = {0};
        if (ctr_add_host_check(s, &e) < 0) {
                failed(&e);
                return;
        }
        char *extra[] = {(char *)s, NULL};
        _cleanup_free_ char *hosts = ctr_hosts_build("", extra, NULL, "h", "n");
        /* The entry, localhost twice (unless it is the entry's name), the
         * container's own line: nothing the entry could add. */
        size_t lines = 0;
        for (const char *p = hosts; *p; p++)
                lines += *p == '\n';
        const char *colon = strchr(s, ':');
        _cleanup_free_ char *first = xasprintf("%s\t%.*s\n", colon + 1, (int)(colon - s), s);
        if (lines < 2 || lines > 4 || !str_has_prefix(hosts, first))
                abort();
}

/* The resource options, one per line, in ctr_opts_resources. */
static void resources(char **args)
{
        const char *v[12] = {0};
        for (size_t i = 0; args && args[i] && i < ARRAY_SIZE(v); i++)
                v[i] = *args[i] ? args[i] : NULL;
        struct container_create_opts o = {
                .memory = v[0],
                .memory_swap = v[1],
                .cpus = v[2],
                .cpu_shares = v[3],
                .pids_limit = v[4],
                .shm_size = v[5],
                .memory_reservation = v[6],
                .cpu_period = v[7],
                .cpu_quota = v[8],
                .cpuset_cpus = v[9],
                .cpuset_mems = v[10],
                .oom_score_adj = v[11],
        };
        struct ctr_spec_opts sp = {0};
        struct err e = {0};
        if (ctr_opts_resources(&o, &sp, &e) < 0) {
                failed(&e);
                return;
        }
        if (sp.memory < 0 || sp.memory_swap < -1 || sp.memory_reservation < 0 || sp.shm_size < 0 ||
            sp.cpus < 0 || sp.cpu_quota < -1 || (sp.cpu_quota > 0 && sp.cpu_quota < 1000) ||
            sp.pids_limit < -1 || sp.oom_score_adj < -1000 || sp.oom_score_adj > 1000 ||
            (sp.cpus > 0 && (sp.cpu_period || sp.cpu_quota)))
                abort();
        for (const char *p = sp.cpuset_cpus; p && *p; p++)
                if (!strchr("0123456789,-", *p))
                        abort();
}

static void monitor_argv(char **args)
{
        size_t n = strv_length(args);
        char **argv = xcalloc(n + 2, sizeof(*argv));
        argv[0] = "berth-monitor";
        for (size_t i = 0; i < n; i++)
                argv[i + 1] = args[i];
        struct mon_opts o;
        struct err e = {0};
        if (mon_opts_parse((int)n + 1, argv, &o, &e) < 0)
                failed(&e);
        else if (!o.id || !o.bundle || !o.rundir || !o.runtime_root || o.sync_fd < 0 ||
                 o.log_max_size < 0 || o.log_max_file < 1)
                abort();
        mon_opts_done(&o);
        free(argv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static bool quiet;
        if (!quiet) {
                log_set_level(LOG_ERROR);
                quiet = true;
        }
        if (size < 1 || size > 4096)
                return 0;
        size_t len = size - 1;
        _cleanup_free_ char *s = xstrndup((const char *)data + 1, len);
        _cleanup_strv_ char **args = strv_split(s, "\n");
        struct err e = {0};
        switch (data[0] % 14) {
        case 0: {
                int64_t v = -1;
                if (ctr_size_parse(s, &v) == 0 && v < 0)
                        abort();
                struct err me = {0};
                if (mon_size_parse(s, &v, &me) < 0)
                        failed(&me);
                else if (v < 0)
                        abort();
                break;
        }
        case 1: {
                struct ctr_rlimit r;
                if (ctr_ulimit_parse(s, &r, &e) < 0)
                        failed(&e);
                else if (r.soft > r.hard || !ctr_rlimit_name(r.resource))
                        abort();
                break;
        }
        case 2: {
                char *src = NULL, *dst = NULL, *perm = NULL;
                if (ctr_device_parse(s, &src, &dst, &perm, &e) < 0) {
                        failed(&e);
                        if (src || dst || perm)
                                abort();
                } else if (src[0] != '/' || dst[0] != '/' || !perm[0] ||
                           strspn(perm, "rwm") != strlen(perm)) {
                        abort();
                }
                free(src);
                free(dst);
                free(perm);
                break;
        }
        case 3: {
                unsigned char keys[32];
                size_t n = 0;
                if (ctr_detach_keys_parse(s, keys, &n, &e) < 0)
                        failed(&e);
                else if (n == 0 || n > sizeof(keys))
                        abort();
                break;
        }
        case 4:
                userns_auto(s);
                break;
        case 5: {
                enum mon_restart r;
                int64_t max = -1;
                if (mon_restart_parse(s, &r, &max, &e) < 0)
                        failed(&e);
                else if (max < 0)
                        abort();
                break;
        }
        case 6: {
                int *fields = NULL;
                size_t n = 0;
                if (ctr_top_parse(args, &fields, &n, &e) < 0) {
                        failed(&e);
                        if (fields)
                                abort();
                } else if (n == 0) {
                        abort();
                }
                free(fields);
                break;
        }
        case 7: {
                struct vol_options o = {0};
                if (vol_options_parse(args, &o, &e) < 0)
                        failed(&e);
                vol_options_done(&o);
                break;
        }
        case 8: {
                struct json *labels = NULL;
                if (vol_labels_parse(args, &labels, &e) < 0)
                        failed(&e);
                else if (!labels || labels->type != JSON_OBJECT)
                        abort();
                json_free(labels);
                break;
        }
        case 9:
                env_file((const char *)data + 1, len);
                break;
        case 11:
                add_host(s);
                break;
        case 12:
                if (ctr_sysctl_check(s, len % 2 ? "host" : "none", &e) < 0)
                        failed(&e);
                else if (!strchr(s, '='))
                        abort();
                break;
        case 13:
                resources(args);
                break;
        default:
                monitor_argv(args);
                break;
        }
        return 0;
}
