/* SPDX-License-Identifier: Apache-2.0 */
/*
 * top: the container's processes read from /proc, with the AIX format
 * descriptors podman's top (psgo) knows and its column texts. Descriptors it
 * does not know make it run ps(1) in the container with the arguments as
 * given, as podman does.
 *
 * The processes are the runtime's view of the container (rt_ps: its cgroup,
 * or its own namespaces); for a container an external runtime runs, every
 * process in the init's pid namespace, only when that namespace is not
 * berth's own (it would take in the host).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "ctr-spec.h"
#include "runtime.h"

#define TOP_MAX_DESCRIPTORS 64
#define TOP_MAX_PROCS 65536

enum top_field {
        TOP_ARGS,
        TOP_CAPAMB,
        TOP_CAPBND,
        TOP_CAPEFF,
        TOP_CAPINH,
        TOP_CAPPRM,
        TOP_COMM,
        TOP_ETIME,
        TOP_GROUP,
        TOP_GROUPS,
        TOP_HGROUP,
        TOP_HGROUPS,
        TOP_HPID,
        TOP_HUSER,
        TOP_LABEL,
        TOP_NICE,
        TOP_PCPU,
        TOP_PGID,
        TOP_PID,
        TOP_PPID,
        TOP_RGROUP,
        TOP_RSS,
        TOP_RUSER,
        TOP_SECCOMP,
        TOP_STATE,
        TOP_STIME,
        TOP_TIME,
        TOP_TTY,
        TOP_USER,
        TOP_VSZ,
};

static const struct {
        const char *name, *aix, *header;
} descs[] = {
        [TOP_ARGS] = {"args", "%a", "COMMAND"},
        [TOP_CAPAMB] = {"capamb", NULL, "AMBIENT CAPS"},
        [TOP_CAPBND] = {"capbnd", NULL, "BOUNDING CAPS"},
        [TOP_CAPEFF] = {"capeff", NULL, "EFFECTIVE CAPS"},
        [TOP_CAPINH] = {"capinh", NULL, "INHERITED CAPS"},
        [TOP_CAPPRM] = {"capprm", NULL, "PERMITTED CAPS"},
        [TOP_COMM] = {"comm", "%c", "COMMAND"},
        [TOP_ETIME] = {"etime", "%t", "ELAPSED"},
        [TOP_GROUP] = {"group", "%G", "GROUP"},
        [TOP_GROUPS] = {"groups", NULL, "GROUPS"},
        [TOP_HGROUP] = {"hgroup", NULL, "HGROUP"},
        [TOP_HGROUPS] = {"hgroups", NULL, "HGROUPS"},
        [TOP_HPID] = {"hpid", NULL, "HPID"},
        [TOP_HUSER] = {"huser", NULL, "HUSER"},
        [TOP_LABEL] = {"label", NULL, "LABEL"},
        [TOP_NICE] = {"nice", "%n", "NI"},
        [TOP_PCPU] = {"pcpu", "%C", "%CPU"},
        [TOP_PGID] = {"pgid", "%r", "PGID"},
        [TOP_PID] = {"pid", "%p", "PID"},
        [TOP_PPID] = {"ppid", "%P", "PPID"},
        [TOP_RGROUP] = {"rgroup", "%g", "RGROUP"},
        [TOP_RSS] = {"rss", NULL, "RSS"},
        [TOP_RUSER] = {"ruser", "%u", "RUSER"},
        [TOP_SECCOMP] = {"seccomp", NULL, "SECCOMP"},
        [TOP_STATE] = {"state", NULL, "STATE"},
        [TOP_STIME] = {"stime", NULL, "STIME"},
        [TOP_TIME] = {"time", "%x", "TIME"},
        [TOP_TTY] = {"tty", "%y", "TTY"},
        [TOP_USER] = {"user", "%U", "USER"},
        [TOP_VSZ] = {"vsz", "%z", "VSZ"},
};

static const int default_fields[] = {TOP_USER,  TOP_PID, TOP_PPID, TOP_PCPU,
                                     TOP_ETIME, TOP_TTY, TOP_TIME, TOP_ARGS};

static int field_of(const char *d)
{
        for (size_t i = 0; i < ARRAY_SIZE(descs); i++)
                if (STREQ(d, descs[i].name) || (descs[i].aix && STREQ(d, descs[i].aix)))
                        return (int)i;
        return -1;
}

int ctr_top_parse(char *const *args, int **ret, size_t *ret_n, struct err *e)
{
        int *v = xcalloc(TOP_MAX_DESCRIPTORS, sizeof(*v));
        size_t n = 0;
        for (char *const *a = args; a && *a; a++) {
                _cleanup_strv_ char **parts = strv_split(*a, ",");
                for (char **p = parts; *p; p++) {
                        if (!**p)
                                continue;
                        int f = field_of(*p);
                        if (f < 0) {
                                free(v);
                                return err_set(e, EINVAL, "unknown descriptor: %s", *p);
                        }
                        if (n == TOP_MAX_DESCRIPTORS) {
                                free(v);
                                return err_set(e, E2BIG, "more than %d format descriptors",
                                               TOP_MAX_DESCRIPTORS);
                        }
                        v[n++] = f;
                }
        }
        if (n == 0) {
                for (size_t i = 0; i < ARRAY_SIZE(default_fields); i++)
                        v[n++] = default_fields[i];
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* ---------------------------------------------------------------- ids */

/* An id map of /proc/PID/uid_map or gid_map: inside, outside, count. */
struct idmap {
        uint64_t in[32], out[32], count[32];
        size_t n;
};

static void idmap_load(const char *path, struct idmap *m)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        m->n = 0;
        if (fs_read_file(AT_FDCWD, path, 65536, &buf, &len, NULL) < 0)
                return;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; *l && m->n < ARRAY_SIZE(m->in); l++) {
                unsigned long long a, b, c;
                if (sscanf(*l, "%llu %llu %llu", &a, &b, &c) == 3) {
                        m->in[m->n] = a;
                        m->out[m->n] = b;
                        m->count[m->n] = c;
                        m->n++;
                }
        }
}

/* outside -> inside (to_inside) or inside -> outside; 65534 when unmapped. */
static uint64_t idmap_map(const struct idmap *m, uint64_t id, bool to_inside)
{
        for (size_t i = 0; i < m->n; i++) {
                uint64_t from = to_inside ? m->out[i] : m->in[i];
                uint64_t to = to_inside ? m->in[i] : m->out[i];
                if (id >= from && id - from < m->count[i])
                        return to + (id - from);
        }
        return m->n ? 65534 : id;
}

/* uid/gid -> name from a passwd or group file's text. */
struct names {
        uint64_t *ids;
        char **names;
        size_t n;
};

static void names_parse(const char *text, struct names *nm)
{
        _cleanup_strv_ char **lines = strv_split(text ? text : "", "\n");
        size_t cap = strv_length(lines);
        nm->ids = xcalloc(cap + 1, sizeof(*nm->ids));
        nm->names = xcalloc(cap + 1, sizeof(*nm->names));
        nm->n = 0;
        for (char **l = lines; *l; l++) {
                _cleanup_strv_ char **f = strv_split(*l, ":");
                uint64_t id;
                if (strv_length(f) < 3 || !*f[0] || str_to_uint64(f[2], &id) < 0)
                        continue;
                nm->ids[nm->n] = id;
                nm->names[nm->n++] = xstrdup(f[0]);
        }
}

static void names_done(struct names *nm)
{
        for (size_t i = 0; i < nm->n; i++)
                free(nm->names[i]);
        free(nm->names);
        free(nm->ids);
}

/* Allocates: the name of id, or its number. */
static char *names_lookup(const struct names *nm, uint64_t id)
{
        for (size_t i = 0; i < nm->n; i++)
                if (nm->ids[i] == id)
                        return xstrdup(nm->names[i]);
        return xasprintf("%llu", (unsigned long long)id);
}

/* Allocates: a file of the container's rootfs, resolved inside it. */
static char *read_in_root(pid_t pid, const char *path)
{
        _cleanup_free_ char *rp = xasprintf("/proc/%d/root", (int)pid);
        _cleanup_close_ int root = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return NULL;
        _cleanup_close_ int fd = fs_open_in_root(root, path, O_RDONLY | O_CLOEXEC, 0, NULL);
        if (fd < 0)
                return NULL;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return NULL;
        char *buf = NULL;
        size_t len;
        /* fs_read_file wants a path: the fd's, which is no longer resolved. */
        _cleanup_free_ char *fp = xasprintf("/proc/self/fd/%d", fd);
        if (fs_read_file(AT_FDCWD, fp, 1u << 20, &buf, &len, NULL) < 0)
                return NULL;
        return buf;
}

/* ---------------------------------------------------------------- processes */

struct proc {
        pid_t hpid, cpid, ppid_host, pgrp_host;
        char state;
        int64_t nice;
        uint64_t utime, stime, start_ticks, vsize, rss_pages, tty_nr;
        uint64_t uid[4], gid[4];
        char *groups;     /* "Groups:" line values */
        uint64_t caps[5]; /* inh, prm, eff, bnd, amb */
        int seccomp;
        char *comm, *args;
};

static void proc_done(struct proc *p)
{
        free(p->groups);
        free(p->comm);
        free(p->args);
}

/* The value of "Key:\t..." in /proc/PID/status text (not allocated: a
 * pointer into text up to the newline, which is cut). */
static char *status_field(char *text, const char *key)
{
        size_t kl = strlen(key);
        for (char *l = text; l && *l;) {
                char *nl = strchr(l, '\n');
                if (strncmp(l, key, kl) == 0 && l[kl] == ':') {
                        if (nl)
                                *nl = 0;
                        return l + kl + 1 + strspn(l + kl + 1, " \t");
                }
                l = nl ? nl + 1 : NULL;
        }
        return NULL;
}

static int proc_load(pid_t pid, struct proc *p)
{
        memset(p, 0, sizeof(*p));
        p->hpid = pid;
        char path[64];
        _cleanup_free_ char *stat = NULL, *status = NULL, *cmd = NULL, *comm = NULL;
        size_t len, clen = 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (fs_read_file(AT_FDCWD, path, 4096, &stat, &len, NULL) < 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        if (fs_read_file(AT_FDCWD, path, 65536, &status, &len, NULL) < 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
        (void)fs_read_file(AT_FDCWD, path, 1u << 20, &cmd, &clen, NULL);
        snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
        if (fs_read_file(AT_FDCWD, path, 256, &comm, &len, NULL) == 0)
                comm[strcspn(comm, "\n")] = 0;
        const char *rp = strrchr(stat, ')');
        if (!rp || rp[1] != ' ')
                return -EIO;
        _cleanup_strv_ char **f = strv_split(rp + 2, " ");
        /* f[0] is field 3 (state) of proc(5). */
        if (strv_length(f) < 22)
                return -EIO;
        int64_t v;
        p->state = f[0][0];
        p->ppid_host = str_to_int64(f[1], &v) == 0 ? (pid_t)v : 0;
        p->pgrp_host = str_to_int64(f[2], &v) == 0 ? (pid_t)v : 0;
        (void)str_to_uint64(f[4], &p->tty_nr);
        (void)str_to_uint64(f[11], &p->utime);
        (void)str_to_uint64(f[12], &p->stime);
        (void)str_to_int64(f[16], &p->nice);
        (void)str_to_uint64(f[19], &p->start_ticks);
        (void)str_to_uint64(f[20], &p->vsize);
        (void)str_to_uint64(f[21], &p->rss_pages);
        static const char *const ckeys[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"};
        for (size_t i = 0; i < ARRAY_SIZE(ckeys); i++) {
                _cleanup_free_ char *copy = xstrdup(status);
                const char *x = status_field(copy, ckeys[i]);
                p->caps[i] = x ? strtoull(x, NULL, 16) : 0;
        }
        static const char *const idkeys[] = {"Uid", "Gid"};
        for (size_t k = 0; k < 2; k++) {
                _cleanup_free_ char *copy = xstrdup(status);
                const char *x = status_field(copy, idkeys[k]);
                unsigned long long a[4] = {0};
                if (x)
                        (void)sscanf(x, "%llu %llu %llu %llu", &a[0], &a[1], &a[2], &a[3]);
                for (int i = 0; i < 4; i++)
                        (k ? p->gid : p->uid)[i] = a[i];
        }
        {
                _cleanup_free_ char *copy = xstrdup(status);
                const char *x = status_field(copy, "Groups");
                p->groups = xstrdup(x ? x : "");
        }
        {
                _cleanup_free_ char *copy = xstrdup(status);
                const char *x = status_field(copy, "Seccomp");
                p->seccomp = x ? atoi(x) : 0;
        }
        {
                /* NSpid: host pid first, the innermost namespace's last. */
                _cleanup_free_ char *copy = xstrdup(status);
                const char *x = status_field(copy, "NSpid");
                const char *last = x ? strrchr(x, '\t') : NULL;
                last = last ? last + 1 : x;
                p->cpid = last && str_to_int64(last, &v) == 0 ? (pid_t)v : pid;
        }
        p->comm = xstrdup(comm ? comm : "");
        struct sbuf a = {0};
        for (size_t i = 0; cmd && i < clen; i += strlen(cmd + i) + 1) {
                sbuf_append(&a, cmd + i);
                sbuf_putc(&a, ' ');
        }
        p->args = a.buf ? sbuf_steal(&a) : xasprintf("[%s]", p->comm);
        return 0;
}

/* ---------------------------------------------------------------- texts */

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Allocates: "none", "full" (every capability the kernel has) or the
 * sorted names. */
static char *caps_text(uint64_t mask, unsigned last_cap)
{
        if (mask == 0)
                return xstrdup("none");
        uint64_t full = last_cap >= 63 ? UINT64_MAX : ((1ULL << (last_cap + 1)) - 1);
        if ((mask & full) == full)
                return xstrdup("full");
        char **v = NULL;
        for (unsigned i = 0; i < 64; i++)
                if (mask & (1ULL << i))
                        strv_push(&v, ctr_cap_name(i) ? xstrdup(ctr_cap_name(i))
                                                      : xasprintf("CAP_%u", i));
        qsort(v, strv_length(v), sizeof(*v), cmp_str);
        char *s = strv_join(v, ",");
        strv_free(v);
        return s;
}

static char *tty_text(uint64_t nr)
{
        unsigned major = (unsigned)((nr >> 8) & 0xfff);
        unsigned minor = (unsigned)((nr & 0xff) | ((nr >> 12) & 0xfff00));
        if (nr == 0)
                return xstrdup("?");
        if (major >= 136 && major <= 143)
                return xasprintf("pts/%u", minor + (major - 136) * 256);
        if (major == 4)
                return minor < 64 ? xasprintf("tty%u", minor) : xasprintf("ttyS%u", minor - 64);
        if (major == 5 && minor == 1)
                return xstrdup("console");
        return xstrdup("?");
}

static char *ids_text(const char *list, const struct idmap *m, bool to_inside,
                      const struct names *nm)
{
        _cleanup_strv_ char **ids = strv_split(list, " \t");
        char **out = NULL;
        for (char **i = ids; *i; i++) {
                uint64_t id;
                if (str_to_uint64(*i, &id) < 0)
                        continue;
                uint64_t mapped = m ? idmap_map(m, id, to_inside) : id;
                strv_push(&out, names_lookup(nm, mapped));
        }
        char *s = out ? strv_join(out, ",") : xstrdup("");
        strv_free(out);
        return s;
}

struct top_ctx {
        pid_t init;
        struct idmap cuid, cgid; /* the container's maps, as berth sees them */
        struct idmap suid, sgid; /* berth's own (to the host's ids) */
        struct names cpw, cgr, hpw, hgr;
        pid_t *pids;
        pid_t *cpids; /* container pid of each pid */
        size_t n;
        long hz, page_kb;
        int64_t boot_ns, now_ns;
        unsigned last_cap;
};

/* The container pid of a host pid of the container, 0 outside it. */
static pid_t inner_pid(const struct top_ctx *t, pid_t host)
{
        for (size_t i = 0; i < t->n; i++)
                if (t->pids[i] == host)
                        return t->cpids[i];
        return 0;
}

static char *cell(const struct top_ctx *t, const struct proc *p, int field)
{
        double secs_total = (double)((p->utime + p->stime) / (uint64_t)t->hz);
        int64_t start_ns = t->boot_ns + (int64_t)(p->start_ticks * 1000000000ULL / (uint64_t)t->hz);
        int64_t elapsed = t->now_ns > start_ns ? t->now_ns - start_ns : 0;
        switch ((enum top_field)field) {
        case TOP_ARGS:
                return xstrdup(p->args);
        case TOP_COMM:
                return xstrdup(p->comm);
        case TOP_CAPINH:
        case TOP_CAPPRM:
        case TOP_CAPEFF:
        case TOP_CAPBND:
        case TOP_CAPAMB:
                return caps_text(p->caps[field == TOP_CAPINH   ? 0
                                         : field == TOP_CAPPRM ? 1
                                         : field == TOP_CAPEFF ? 2
                                         : field == TOP_CAPBND ? 3
                                                               : 4],
                                 t->last_cap);
        case TOP_ETIME:
                return ctr_go_duration(elapsed);
        case TOP_TIME:
                return ctr_go_duration((int64_t)secs_total * 1000000000LL);
        case TOP_PCPU:
                return xasprintf("%.3f",
                                 elapsed > 0 ? secs_total / ((double)elapsed / 1e9) * 100.0 : 0.0);
        case TOP_USER:
                return names_lookup(&t->cpw, idmap_map(&t->cuid, p->uid[1], true));
        case TOP_RUSER:
                return names_lookup(&t->cpw, idmap_map(&t->cuid, p->uid[0], true));
        case TOP_GROUP:
                return names_lookup(&t->cgr, idmap_map(&t->cgid, p->gid[1], true));
        case TOP_RGROUP:
                return names_lookup(&t->cgr, idmap_map(&t->cgid, p->gid[0], true));
        case TOP_GROUPS:
                return ids_text(p->groups, &t->cgid, true, &t->cgr);
        case TOP_HUSER:
                return names_lookup(&t->hpw, idmap_map(&t->suid, p->uid[1], false));
        case TOP_HGROUP:
                return names_lookup(&t->hgr, idmap_map(&t->sgid, p->gid[1], false));
        case TOP_HGROUPS:
                return ids_text(p->groups, &t->sgid, false, &t->hgr);
        case TOP_HPID:
                return xasprintf("%d", (int)p->hpid);
        case TOP_PID:
                return xasprintf("%d", (int)p->cpid);
        case TOP_PPID:
                return xasprintf("%d", (int)inner_pid(t, p->ppid_host));
        case TOP_PGID:
                return xasprintf("%d", (int)inner_pid(t, p->pgrp_host));
        case TOP_NICE:
                return xasprintf("%lld", (long long)p->nice);
        case TOP_STATE:
                return xasprintf("%c", p->state);
        case TOP_SECCOMP:
                return xstrdup(p->seccomp == 2   ? "filter"
                               : p->seccomp == 1 ? "strict"
                                                 : "disabled");
        case TOP_TTY:
                return tty_text(p->tty_nr);
        case TOP_VSZ:
                return xasprintf("%llu", (unsigned long long)(p->vsize / 1024));
        case TOP_RSS:
                return xasprintf("%llu", (unsigned long long)(p->rss_pages * (uint64_t)t->page_kb));
        case TOP_LABEL: {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%d/attr/current", (int)p->hpid);
                _cleanup_free_ char *buf = NULL;
                size_t len;
                if (fs_read_file(AT_FDCWD, path, 4096, &buf, &len, NULL) < 0 || !*buf)
                        return xstrdup("?");
                buf[strcspn(buf, "\n")] = 0;
                return xstrdup(*buf ? buf : "?");
        }
        case TOP_STIME: {
                time_t st = (time_t)(start_ns / 1000000000LL);
                struct tm tm;
                char b[80];
                localtime_r(&st, &tm);
                strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S %z %Z", &tm);
                return xstrdup(b);
        }
        }
        return xstrdup("?");
}

/* ---------------------------------------------------------------- pids */

static bool same_ns(pid_t a, const char *b_path, const char *ns)
{
        struct stat x, y;
        _cleanup_free_ char *pa = xasprintf("/proc/%d/ns/%s", (int)a, ns);
        return stat(pa, &x) == 0 && stat(b_path, &y) == 0 && x.st_dev == y.st_dev &&
               x.st_ino == y.st_ino;
}

/* Every process in init's pid namespace; refused when it is berth's own. */
static int pids_in_pidns(pid_t init, pid_t **ret, size_t *ret_n, struct err *e)
{
        if (same_ns(init, "/proc/self/ns/pid", "pid"))
                return err_set(e, EPERM,
                               "the container shares berth's pid namespace: its processes "
                               "cannot be told from the host's");
        _cleanup_free_ char *ip = xasprintf("/proc/%d/ns/pid", (int)init);
        DIR *d = opendir("/proc");
        if (!d)
                return err_errno(e, "opendir '/proc'");
        pid_t *v = NULL;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) && n < TOP_MAX_PROCS) {
                int64_t pid;
                if (str_to_int64(de->d_name, &pid) < 0 || pid <= 0)
                        continue;
                if (!same_ns((pid_t)pid, ip, "pid"))
                        continue;
                v = xrealloc(v, (n + 1) * sizeof(*v));
                v[n++] = (pid_t)pid;
        }
        closedir(d);
        *ret = v;
        *ret_n = n;
        return 0;
}

static int container_pids(struct store *s, const struct ctr *c, pid_t init, pid_t **ret,
                          size_t *ret_n, struct err *e)
{
        _cleanup_free_ char *root = ctr_runtime_root(s);
        struct rt_ctx ctx = {0};
        int r = rt_ctx_init(&ctx, root, -1, false, NULL);
        if (r == 0) {
                r = rt_ps(&ctx, c->id, ret, ret_n, NULL);
                rt_ctx_done(&ctx);
                if (r == 0)
                        return 0;
        }
        return pids_in_pidns(init, ret, ret_n, e);
}

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
        return x < y ? -1 : x > y;
}

static int64_t boot_time_ns(void)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, "/proc/stat", 1u << 20, &buf, &len, NULL) < 0)
                return 0;
        const char *b = strstr(buf, "\nbtime ");
        return b ? (int64_t)strtoll(b + 7, NULL, 10) * 1000000000LL : 0;
}

static int top_rows(struct store *s, const struct ctr *c, pid_t init, const int *fields, size_t nf,
                    struct json **ret, struct err *e)
{
        struct top_ctx t = {.init = init};
        int r = container_pids(s, c, init, &t.pids, &t.n, e);
        if (r < 0)
                return r;
        qsort(t.pids, t.n, sizeof(*t.pids), cmp_pid);
        char path[64];
        /* A uid_map read from inside that user namespace maps it to its
         * parent: the ids berth reads there are the container's already. */
        if (!same_ns(init, "/proc/self/ns/user", "user")) {
                snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)init);
                idmap_load(path, &t.cuid);
                snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)init);
                idmap_load(path, &t.cgid);
        }
        idmap_load("/proc/self/uid_map", &t.suid);
        idmap_load("/proc/self/gid_map", &t.sgid);
        _cleanup_free_ char *cpw = read_in_root(init, "/etc/passwd");
        _cleanup_free_ char *cgr = read_in_root(init, "/etc/group");
        _cleanup_free_ char *hpw = NULL, *hgr = NULL;
        size_t len;
        (void)fs_read_file(AT_FDCWD, "/etc/passwd", 4u << 20, &hpw, &len, NULL);
        (void)fs_read_file(AT_FDCWD, "/etc/group", 4u << 20, &hgr, &len, NULL);
        names_parse(cpw, &t.cpw);
        names_parse(cgr, &t.cgr);
        names_parse(hpw, &t.hpw);
        names_parse(hgr, &t.hgr);
        t.hz = sysconf(_SC_CLK_TCK);
        if (t.hz <= 0)
                t.hz = 100;
        t.page_kb = sysconf(_SC_PAGESIZE) / 1024;
        t.boot_ns = boot_time_ns();
        _cleanup_free_ char *lc = NULL;
        if (fs_read_file(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &lc, &len, NULL) == 0)
                t.last_cap = (unsigned)atoi(lc);
        else
                t.last_cap = 40;

        struct proc *procs = xcalloc(t.n + 1, sizeof(*procs));
        size_t np = 0;
        t.cpids = xcalloc(t.n + 1, sizeof(*t.cpids));
        for (size_t i = 0; i < t.n; i++) {
                if (proc_load(t.pids[i], &procs[np]) == 0) {
                        t.cpids[i] = procs[np].cpid;
                        np++;
                }
        }
        int64_t now_s;
        int32_t now_n;
        time_now(&now_s, &now_n);
        t.now_ns = now_s * 1000000000LL + now_n;

        struct json *rows = json_new_array();
        struct json *hdr = json_new_array();
        for (size_t k = 0; k < nf; k++)
                json_array_append(hdr, json_new_string(descs[fields[k]].header));
        json_array_append(rows, hdr);
        for (size_t i = 0; i < np; i++) {
                struct json *row = json_new_array();
                for (size_t k = 0; k < nf; k++)
                        json_array_append(row,
                                          json_new_string_take(cell(&t, &procs[i], fields[k])));
                json_array_append(rows, row);
                proc_done(&procs[i]);
        }
        free(procs);
        free(t.pids);
        free(t.cpids);
        names_done(&t.cpw);
        names_done(&t.cgr);
        names_done(&t.hpw);
        names_done(&t.hgr);
        *ret = rows;
        return 0;
}

int engine_container_top(struct store *s, const char *name, char *const *descriptors,
                         struct json **ret_rows, int *ret_ps_exit, struct err *e)
{
        _cleanup_(ctr_freep) struct ctr *c = NULL;
        int r = ctr_lookup(s, name, &c, e);
        if (r < 0)
                return r;
        struct ctr_state st;
        if ((r = ctr_state_get(s, c, &st, e)) < 0)
                return r;
        enum ctr_status status = st.status;
        pid_t init = st.pid;
        ctr_state_done(&st);
        if (status != CTR_RUNNING || init <= 0)
                return err_set(e, EINVAL, "top can only be used on running containers");
        _cleanup_free_ int *fields = NULL;
        size_t nf = 0;
        struct err pe = {0};
        if (ctr_top_parse(descriptors, &fields, &nf, &pe) == 0) {
                err_done(&pe);
                *ret_ps_exit = 0;
                return top_rows(s, c, init, fields, nf, ret_rows, e);
        }
        /* Not descriptors berth knows: ps(1) options, run in the container. */
        char **cmd = NULL;
        strv_add(&cmd, "ps");
        for (char *const *d = descriptors; d && *d; d++)
                strv_add(&cmd, *d);
        struct container_exec_opts xo = {.cmd = cmd};
        int code = 0;
        r = engine_container_exec(s, c->id, &xo, &code, NULL, e);
        strv_free(cmd);
        if (r < 0 || code == 127 || code == 126) {
                if (r < 0)
                        err_done(e);
                r = err_set(e, ENOTSUP,
                            "%s, and ps(1) cannot run in the container to take them as its "
                            "options (exit code %d)",
                            pe.msg, r < 0 ? 125 : code);
                err_done(&pe);
                return r;
        }
        err_done(&pe);
        *ret_rows = NULL;
        *ret_ps_exit = code;
        return 0;
}
