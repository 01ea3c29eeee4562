/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats: a container's cgroup figures (cgroup v1 memory, cpuacct, pids and
 * blkio controllers, or the v2 files) and its network namespace's counters,
 * in podman 4.3's fields and texts. The container's cgroup is found from its
 * init's /proc/PID/cgroup; a cgroup that is the hierarchy's root or berth's
 * own is never taken for the container's.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "runtime.h"
#include "storage.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* The path of the cgroup line of /proc/PID/cgroup text for controller (a v1
 * hierarchy that lists it) or, controller NULL, the v2 line. Allocates. */
static char *cgroup_line(const char *text, const char *controller)
{
        _cleanup_strv_ char **lines = strv_split(text, "\n");
        for (char **l = lines; *l; l++) {
                char *c1 = strchr(*l, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = 0;
                const char *ctrls = c1 + 1;
                if (!controller) {
                        if (strncmp(*l, "0:", 2) == 0 && !*ctrls)
                                return xstrdup(c2 + 1);
                        continue;
                }
                _cleanup_strv_ char **names = strv_split(ctrls, ",");
                if (strv_contains(names, controller))
                        return xstrdup(c2 + 1);
        }
        return NULL;
}

/* Allocates: the mount point and root of the hierarchy for controller (v1)
 * or the cgroup2 mount (controller NULL), from /proc/self/mountinfo. */
static int cgroup_mount(const char *controller, char **ret_mnt, char **ret_root)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, "/proc/self/mountinfo", 4u << 20, &buf, &len, NULL) < 0)
                return -EIO;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; *l; l++) {
                char *sep = strstr(*l, " - ");
                if (!sep)
                        continue;
                *sep = 0;
                _cleanup_strv_ char **left = strv_split(*l, " ");
                _cleanup_strv_ char **right = strv_split(sep + 3, " ");
                if (strv_length(left) < 5 || strv_length(right) < 3)
                        continue;
                bool v2 = STREQ(right[0], "cgroup2");
                if (controller ? !STREQ(right[0], "cgroup") : !v2)
                        continue;
                if (controller) {
                        _cleanup_strv_ char **opts = strv_split(right[2], ",");
                        if (!strv_contains(opts, controller))
                                continue;
                }
                /* A mount point with an escaped space or the like is not ours. */
                if (strchr(left[4], '\\'))
                        continue;
                *ret_mnt = xstrdup(left[4]);
                *ret_root = xstrdup(left[3]);
                return 0;
        }
        return -ENOENT;
}

int ctr_cgroup_dir(pid_t pid, const char *controller, char **ret, bool *ret_v2, struct err *e)
{
        if (pid <= 0)
                return err_set(e, ESRCH, "the container is not running");
        _cleanup_free_ char *p = xasprintf("/proc/%d/cgroup", (int)pid);
        _cleanup_free_ char *text = NULL, *self = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, p, 1u << 16, &text, &len, e) < 0)
                return -ESRCH;
        if (fs_read_file(AT_FDCWD, "/proc/self/cgroup", 1u << 16, &self, &len, e) < 0)
                return -EIO;
        _cleanup_free_ char *path = cgroup_line(text, controller);
        _cleanup_free_ char *mine = cgroup_line(self, controller);
        const char *what = controller ? controller : "cgroup2";
        /* The root of a hierarchy, or the cgroup berth itself is in, is
         * shared with the host: never the container's. */
        if (!path || !*path || STREQ(path, "/") || strstr(path, "/../") ||
            str_has_suffix(path, "/..") || (mine && STREQ(path, mine)))
                return err_set(e, ENOENT, "the container has no %s cgroup of its own", what);
        _cleanup_free_ char *mnt = NULL, *root = NULL;
        if (cgroup_mount(controller, &mnt, &root) < 0)
                return err_set(e, ENOENT, "no %s cgroup hierarchy is mounted", what);
        const char *rel = path;
        if (!STREQ(root, "/")) {
                if (!str_has_prefix(path, root) ||
                    (path[strlen(root)] && path[strlen(root)] != '/'))
                        return err_set(e, ENOENT, "the container's %s cgroup is not visible here",
                                       what);
                rel = path + strlen(root);
        }
        if (!*rel || STREQ(rel, "/"))
                return err_set(e, ENOENT, "the container has no %s cgroup of its own", what);
        *ret = xasprintf("%s%s", mnt, rel);
        *ret_v2 = controller == NULL;
        return 0;
}

/* ---------------------------------------------------------------- figures */

static bool read_u64(const char *dir, const char *file, uint64_t *ret)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, p, 4096, &buf, &len, NULL) < 0)
                return false;
        buf[strcspn(buf, "\n")] = 0;
        return str_to_uint64(buf, ret) == 0;
}

/* Allocates: a cgroup file's content, or NULL. */
static char *read_text(const char *dir, const char *file)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, p, 1u << 20, &buf, &len, NULL) < 0)
                return NULL;
        return buf;
}

/* The value after "key " or "key=" in a flat keyed file. */
static bool keyed_u64(const char *text, const char *key, char sep, uint64_t *ret)
{
        size_t kl = strlen(key);
        for (const char *l = text; l && *l;) {
                if (strncmp(l, key, kl) == 0 && l[kl] == sep) {
                        char num[32];
                        size_t n = strspn(l + kl + 1, "0123456789");
                        if (n == 0 || n >= sizeof(num))
                                return false;
                        memcpy(num, l + kl + 1, n);
                        num[n] = 0;
                        return str_to_uint64(num, ret) == 0;
                }
                const char *nl = strpbrk(l, sep == ' ' ? "\n" : " \n");
                l = nl ? nl + 1 : NULL;
        }
        return false;
}

static uint64_t host_mem_total(void)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        uint64_t kb = 0;
        if (fs_read_file(AT_FDCWD, "/proc/meminfo", 1u << 16, &buf, &len, NULL) < 0)
                return 0;
        const char *m = strstr(buf, "MemTotal:");
        if (!m)
                return 0;
        m += 9;
        while (*m == ' ')
                m++;
        char num[32];
        size_t n = strspn(m, "0123456789");
        if (n == 0 || n >= sizeof(num))
                return 0;
        memcpy(num, m, n);
        num[n] = 0;
        return str_to_uint64(num, &kb) == 0 ? kb * 1024 : 0;
}

struct figures {
        uint64_t cpu_ns, mem, mem_limit, pids, blk_in, blk_out, net_in, net_out;
};

static void cpu_figures(pid_t pid, struct figures *f)
{
        _cleanup_free_ char *dir = NULL;
        bool v2;
        if (ctr_cgroup_dir(pid, "cpuacct", &dir, &v2, NULL) == 0 &&
            read_u64(dir, "cpuacct.usage", &f->cpu_ns))
                return;
        free(steal_pointer(&dir));
        if (ctr_cgroup_dir(pid, NULL, &dir, &v2, NULL) == 0) {
                _cleanup_free_ char *st = read_text(dir, "cpu.stat");
                uint64_t us;
                if (st && keyed_u64(st, "usage_usec", ' ', &us))
                        f->cpu_ns = us * 1000;
        }
}

static void mem_figures(pid_t pid, struct figures *f)
{
        _cleanup_free_ char *dir = NULL;
        bool v2;
        uint64_t host = host_mem_total(), lim = 0;
        bool have = false;
        if (ctr_cgroup_dir(pid, "memory", &dir, &v2, NULL) == 0 &&
            read_u64(dir, "memory.usage_in_bytes", &f->mem)) {
                have = true;
                if (!read_u64(dir, "memory.limit_in_bytes", &lim))
                        lim = UINT64_MAX;
        } else {
                free(steal_pointer(&dir));
                if (ctr_cgroup_dir(pid, NULL, &dir, &v2, NULL) == 0 &&
                    read_u64(dir, "memory.current", &f->mem)) {
                        have = true;
                        if (!read_u64(dir, "memory.max", &lim)) /* "max" */
                                lim = UINT64_MAX;
                }
        }
        if (have)
                f->mem_limit = lim == 0 || lim > host ? host : lim;
}

static void pids_figures(pid_t pid, struct figures *f)
{
        _cleanup_free_ char *dir = NULL;
        bool v2;
        if (ctr_cgroup_dir(pid, "pids", &dir, &v2, NULL) == 0 &&
            read_u64(dir, "pids.current", &f->pids))
                return;
        free(steal_pointer(&dir));
        if (ctr_cgroup_dir(pid, NULL, &dir, &v2, NULL) == 0)
                (void)read_u64(dir, "pids.current", &f->pids);
}

/* Sum "maj:min Read N" / "maj:min Write N" lines. */
static void blkio_v1_sum(const char *text, struct figures *f)
{
        _cleanup_strv_ char **lines = strv_split(text, "\n");
        for (char **l = lines; *l; l++) {
                _cleanup_strv_ char **w = strv_split(*l, " ");
                uint64_t v;
                if (strv_length(w) != 3 || str_to_uint64(w[2], &v) < 0)
                        continue;
                if (STREQ(w[1], "Read"))
                        f->blk_in += v;
                else if (STREQ(w[1], "Write"))
                        f->blk_out += v;
        }
}

static void blkio_figures(pid_t pid, struct figures *f)
{
        _cleanup_free_ char *dir = NULL;
        bool v2;
        if (ctr_cgroup_dir(pid, "blkio", &dir, &v2, NULL) == 0) {
                _cleanup_free_ char *t =
                        read_text(dir, "blkio.throttle.io_service_bytes_recursive");
                if (t)
                        blkio_v1_sum(t, f);
                return;
        }
        if (ctr_cgroup_dir(pid, NULL, &dir, &v2, NULL) == 0) {
                _cleanup_free_ char *t = read_text(dir, "io.stat");
                _cleanup_strv_ char **lines = strv_split(t ? t : "", "\n");
                for (char **l = lines; *l; l++) {
                        uint64_t v;
                        if (keyed_u64(strchr(*l, ' ') ? strchr(*l, ' ') + 1 : "", "rbytes", '=',
                                      &v))
                                f->blk_in += v;
                        if (keyed_u64(strchr(*l, ' ') ? strchr(*l, ' ') + 1 : "", "wbytes", '=',
                                      &v))
                                f->blk_out += v;
                }
        }
}

/* The interfaces of the container's own network namespace, lo left out;
 * nothing when it shares berth's (--network host). */
static void net_figures(pid_t pid, struct figures *f)
{
        struct stat a, b;
        _cleanup_free_ char *ns = xasprintf("/proc/%d/ns/net", (int)pid);
        if (stat(ns, &a) < 0 || stat("/proc/self/ns/net", &b) < 0 ||
            (a.st_dev == b.st_dev && a.st_ino == b.st_ino))
                return;
        _cleanup_free_ char *p = xasprintf("/proc/%d/net/dev", (int)pid);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, p, 1u << 20, &buf, &len, NULL) < 0)
                return;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; *l; l++) {
                char *colon = strchr(*l, ':');
                if (!colon)
                        continue;
                *colon = 0;
                const char *ifn = *l + strspn(*l, " ");
                if (STREQ(ifn, "lo"))
                        continue;
                _cleanup_strv_ char **w = strv_split(colon + 1, " ");
                uint64_t rx, tx;
                if (strv_length(w) >= 9 && str_to_uint64(w[0], &rx) == 0 &&
                    str_to_uint64(w[8], &tx) == 0) {
                        f->net_in += rx;
                        f->net_out += tx;
                }
        }
}

static int64_t rfc3339_ns(const char *s)
{
        int64_t sec;
        int32_t nsec;
        if (!s || time_parse_rfc3339(s, &sec, &nsec) < 0)
                return 0;
        return sec * 1000000000LL + nsec;
}

static const struct json *prev_item(const struct json *prev, const char *id)
{
        for (size_t i = 0; prev && prev->type == JSON_ARRAY && i < prev->arr.len; i++) {
                const char *pid = json_object_get_string(prev->arr.items[i], "ContainerID");
                if (pid && STREQ(pid, id))
                        return prev->arr.items[i];
        }
        return NULL;
}

static struct json *stats_item(struct store *s, const struct ctr *c, const struct json *prev)
{
        struct ctr_state st;
        struct figures f = {0};
        int64_t now_s;
        int32_t now_ns;
        time_now(&now_s, &now_ns);
        int64_t now = now_s * 1000000000LL + now_ns, started = 0;
        if (ctr_state_get(s, c, &st, NULL) == 0) {
                if ((st.status == CTR_RUNNING || st.status == CTR_PAUSED) && st.pid > 0) {
                        cpu_figures(st.pid, &f);
                        mem_figures(st.pid, &f);
                        pids_figures(st.pid, &f);
                        blkio_figures(st.pid, &f);
                        net_figures(st.pid, &f);
                        started = rfc3339_ns(st.started_at);
                }
                ctr_state_done(&st);
        }
        /* podman: the change since the previous sample, or since the start. */
        const struct json *p = prev_item(prev, c->id);
        uint64_t prev_cpu = p ? (uint64_t)json_object_get_int(p, "CPUNano", 0) : 0;
        int64_t prev_sys = p ? json_object_get_int(p, "SystemNano", 0) : started;
        double cpu = 0, avg = 0;
        if (started > 0 && now > prev_sys && f.cpu_ns > prev_cpu)
                cpu = (double)(f.cpu_ns - prev_cpu) / (double)(now - prev_sys) * 100.0;
        if (started > 0 && now > started)
                avg = (double)f.cpu_ns / (double)(now - started) * 100.0;
        struct json *it = json_new_object();
        json_object_set_string(it, "ContainerID", c->id);
        json_object_set_string(it, "Name", c->name);
        json_object_set(it, "CPU", json_new_double(cpu));
        json_object_set(it, "AvgCPU", json_new_double(avg));
        json_object_set_uint(it, "CPUNano", f.cpu_ns);
        json_object_set_int(it, "SystemNano", now);
        json_object_set_uint(it, "MemUsage", f.mem);
        json_object_set_uint(it, "MemLimit", f.mem_limit);
        json_object_set(
                it, "MemPerc",
                json_new_double(f.mem_limit ? (double)f.mem / (double)f.mem_limit * 100.0 : 0.0));
        json_object_set_uint(it, "NetInput", f.net_in);
        json_object_set_uint(it, "NetOutput", f.net_out);
        json_object_set_uint(it, "BlockInput", f.blk_in);
        json_object_set_uint(it, "BlockOutput", f.blk_out);
        json_object_set_uint(it, "PIDs", f.pids);
        return it;
}

static int cmp_id(const void *a, const void *b)
{
        const struct json *x = *(struct json *const *)a, *y = *(struct json *const *)b;
        return strcmp(json_object_get_string(x, "ContainerID"),
                      json_object_get_string(y, "ContainerID"));
}

static bool rootless_without_v2(void)
{
        struct rt_ctx ctx = {0};
        bool rootless = rt_ctx_init(&ctx, NULL, -1, false, NULL) == 0 && ctx.rootless;
        rt_ctx_done(&ctx);
        struct statfs sf;
        bool unified = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
        return rootless && !unified;
}

int engine_containers_stats(struct store *s, char *const *names, bool all, const struct json *prev,
                            struct json **ret, struct err *e)
{
        if (rootless_without_v2())
                return err_set(e, ENOTSUP,
                               "stats is not supported in rootless mode without "
                               "cgroups v2");
        struct json *items = json_new_array();
        if (names && names[0]) {
                for (char *const *n = names; *n; n++) {
                        _cleanup_(ctr_freep) struct ctr *c = NULL;
                        int r = ctr_lookup(s, *n, &c, e);
                        if (r < 0) {
                                json_free(items);
                                return r;
                        }
                        json_array_append(items, stats_item(s, c, prev));
                }
        } else {
                struct ctr **v = NULL;
                size_t n = 0;
                int r = ctr_list_all(s, &v, &n, e);
                if (r < 0) {
                        json_free(items);
                        return r;
                }
                for (size_t i = 0; i < n; i++) {
                        struct ctr_state st;
                        bool up = false;
                        if (!all && ctr_state_get(s, v[i], &st, NULL) == 0) {
                                up = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
                                ctr_state_done(&st);
                        }
                        if (all || up)
                                json_array_append(items, stats_item(s, v[i], prev));
                }
                ctr_list_free(v, n);
                /* podman lists them by ID. */
                qsort(items->arr.items, items->arr.len, sizeof(*items->arr.items), cmp_id);
        }
        *ret = items;
        return 0;
}

/* ---------------------------------------------------------------- texts */

char *ctr_human_size4(uint64_t bytes)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double v = (double)bytes;
        size_t u = 0;
        while (v >= 1000.0 && u + 1 < ARRAY_SIZE(units)) {
                v /= 1000.0;
                u++;
        }
        return xasprintf("%.4g%s", v, units[u]);
}

/* Append digits of v (prec of them, trailing zeros dropped) after a dot. */
static void frac(struct sbuf *b, uint64_t v, int prec)
{
        char d[16];
        int n = 0;
        bool print = false;
        for (int i = 0; i < prec; i++) {
                int digit = (int)(v % 10);
                print = print || digit != 0;
                if (print)
                        d[n++] = (char)('0' + digit);
                v /= 10;
        }
        if (n) {
                sbuf_putc(b, '.');
                while (n)
                        sbuf_putc(b, d[--n]);
        }
}

char *ctr_go_duration(int64_t ns)
{
        if (ns == 0)
                return xstrdup("0s");
        struct sbuf b = {0};
        uint64_t u = ns < 0 ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
        if (ns < 0)
                sbuf_putc(&b, '-');
        if (u < 1000000000ULL) {
                if (u < 1000) {
                        sbuf_printf(&b, "%lluns", (unsigned long long)u);
                } else if (u < 1000000) {
                        sbuf_printf(&b, "%llu", (unsigned long long)(u / 1000));
                        frac(&b, u % 1000, 3);
                        sbuf_append(&b, "\xc2\xb5s");
                } else {
                        sbuf_printf(&b, "%llu", (unsigned long long)(u / 1000000));
                        frac(&b, u % 1000000, 6);
                        sbuf_append(&b, "ms");
                }
                return sbuf_steal(&b);
        }
        uint64_t secs = u / 1000000000ULL, h = secs / 3600, m = secs / 60 % 60;
        if (h)
                sbuf_printf(&b, "%lluh", (unsigned long long)h);
        if (h || m)
                sbuf_printf(&b, "%llum", (unsigned long long)m);
        sbuf_printf(&b, "%llu", (unsigned long long)(secs % 60));
        frac(&b, u % 1000000000ULL, 9);
        sbuf_putc(&b, 's');
        return sbuf_steal(&b);
}

static char *pair(uint64_t a, uint64_t b)
{
        _cleanup_free_ char *x = ctr_human_size4(a), *y = ctr_human_size4(b);
        return xasprintf("%s / %s", x, y);
}

static char *pct(double v)
{
        return xasprintf("%.2f%%", isfinite(v) ? v : 0.0);
}

static double num(const struct json *j)
{
        if (j && j->type == JSON_DOUBLE)
                return j->d;
        return j && j->type == JSON_INT ? (double)j->i : 0.0;
}

struct json *engine_stats_rows(const struct json *items, bool no_trunc)
{
        struct json *rows = json_new_array();
        for (size_t i = 0; i < items->arr.len; i++) {
                const struct json *it = items->arr.items[i];
                struct json *r = json_copy(it);
                const char *id = json_object_get_string(it, "ContainerID");
                uint64_t cpu_ns = (uint64_t)json_object_get_int(it, "CPUNano", 0);
                const struct json *cpu = json_object_get(it, "CPU");
                const struct json *avg = json_object_get(it, "AvgCPU");
                const struct json *mp = json_object_get(it, "MemPerc");
                double cv = num(cpu), av = num(avg), mv = num(mp);
#define U(k) ((uint64_t)json_object_get_int(it, k, 0))
                json_object_set(
                        r, "ID",
                        json_new_string_take(no_trunc ? xstrdup(id) : xasprintf("%.12s", id)));
                json_object_set(r, "CPUPerc", json_new_string_take(pct(cv)));
                json_object_set(r, "AVGCPU", json_new_string_take(pct(av)));
                json_object_set(r, "MemPerc", json_new_string_take(pct(mv)));
                json_object_set(r, "MemUsage",
                                json_new_string_take(pair(U("MemUsage"), U("MemLimit"))));
                json_object_set(r, "NetIO",
                                json_new_string_take(pair(U("NetInput"), U("NetOutput"))));
                json_object_set(r, "BlockIO",
                                json_new_string_take(pair(U("BlockInput"), U("BlockOutput"))));
                json_object_set(
                        r, "PIDS",
                        json_new_string_take(xasprintf("%llu", (unsigned long long)U("PIDs"))));
                json_object_set(r, "UpTime",
                                json_new_string_take(ctr_go_duration((int64_t)cpu_ns)));
                json_object_set_uint(r, "Duration", cpu_ns);
#undef U
                json_array_append(rows, r);
        }
        return rows;
}

struct json *engine_stats_json(const struct json *rows)
{
        static const char *const map[][2] = {
                {"id", "ID"},
                {"name", "Name"},
                {"cpu_time", "UpTime"},
                {"cpu_percent", "CPUPerc"},
                {"avg_cpu", "AVGCPU"},
                {"mem_usage", "MemUsage"},
                {"mem_percent", "MemPerc"},
                {"net_io", "NetIO"},
                {"block_io", "BlockIO"},
                {"pids", "PIDS"},
        };
        struct json *out = json_new_array();
        for (size_t i = 0; i < rows->arr.len; i++) {
                struct json *o = json_new_object();
                for (size_t k = 0; k < ARRAY_SIZE(map); k++)
                        json_object_set_string(
                                o, map[k][0],
                                json_object_get_string(rows->arr.items[i], map[k][1]));
                json_array_append(out, o);
        }
        return out;
}

const char engine_stats_table[] = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t"
                                  "{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t"
                                  "{{.UpTime}}\t{{.AVGCPU}}";

struct json *engine_stats_headers(void)
{
        struct json *h = json_new_object();
        json_object_set_string(h, "ID", "ID");
        json_object_set_string(h, "Name", "NAME");
        json_object_set_string(h, "CPUPerc", "CPU %");
        json_object_set_string(h, "MemUsage", "MEM USAGE / LIMIT");
        json_object_set_string(h, "MemPerc", "MEM %");
        json_object_set_string(h, "NetIO", "NET IO");
        json_object_set_string(h, "BlockIO", "BLOCK IO");
        json_object_set_string(h, "PIDS", "PIDS");
        json_object_set_string(h, "UpTime", "CPU TIME");
        json_object_set_string(h, "AVGCPU", "AVG CPU %");
        return h;
}
