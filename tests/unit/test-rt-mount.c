/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mounts of the runtime: mount-opts.c (options, destinations) and the
 * container filesystem built by rootfs.c, rootfs-mount.c and dev.c for real,
 * in a child with its own mount namespace (and, in one case, its own user
 * namespace), checked from inside and from the host.
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "rt-internal.h"
#include "unit.h"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif

/* ---------------------------------------------------------------- parsing */

static int parse(const char *text, struct rt_mount *m, struct err *e)
{
        _cleanup_json_ struct json *j = NULL;
        assert_int_equal(json_parse(text, strlen(text), &j, NULL), 0);
        return rt_mount_parse(j, m, e);
}

static void parse_ok(const char *text, struct rt_mount *m)
{
        struct err e = {0};
        int r = parse(text, m, &e);
        if (r < 0)
                fail_msg("parse %s: %s", text, e.msg);
}

static void parse_fails(const char *text, const char *want)
{
        struct rt_mount m = {0};
        struct err e = {0};
        assert_true(parse(text, &m, &e) < 0);
        if (!strstr(e.msg, want))
                fail_msg("parse %s: error '%s' lacks '%s'", text, e.msg, want);
        assert_null(m.destination);
        err_done(&e);
}

struct opt_case {
        const char *opt;
        unsigned long flags, clear, prop;
        uint64_t aset, aclr;
        bool copyup;
};

static const struct opt_case opt_cases[] = {
        {"defaults", 0, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS, 0, 0, 0, 0},
        {"ro", MS_RDONLY, 0, 0, 0, 0, 0},
        {"rw", 0, MS_RDONLY, 0, 0, 0, 0},
        {"nosuid", MS_NOSUID, 0, 0, 0, 0, 0},
        {"suid", 0, MS_NOSUID, 0, 0, 0, 0},
        {"nodev", MS_NODEV, 0, 0, 0, 0, 0},
        {"dev", 0, MS_NODEV, 0, 0, 0, 0},
        {"noexec", MS_NOEXEC, 0, 0, 0, 0, 0},
        {"exec", 0, MS_NOEXEC, 0, 0, 0, 0},
        {"sync", MS_SYNCHRONOUS, 0, 0, 0, 0, 0},
        {"async", 0, MS_SYNCHRONOUS, 0, 0, 0, 0},
        {"dirsync", MS_DIRSYNC, 0, 0, 0, 0, 0},
        {"remount", MS_REMOUNT, 0, 0, 0, 0, 0},
        {"mand", MS_MANDLOCK, 0, 0, 0, 0, 0},
        {"nomand", 0, MS_MANDLOCK, 0, 0, 0, 0},
        {"atime", 0, MS_NOATIME, 0, 0, 0, 0},
        {"noatime", MS_NOATIME, 0, 0, 0, 0, 0},
        {"diratime", 0, MS_NODIRATIME, 0, 0, 0, 0},
        {"nodiratime", MS_NODIRATIME, 0, 0, 0, 0, 0},
        {"relatime", MS_RELATIME, 0, 0, 0, 0, 0},
        {"norelatime", 0, MS_RELATIME, 0, 0, 0, 0},
        {"strictatime", MS_STRICTATIME, 0, 0, 0, 0, 0},
        {"nostrictatime", 0, MS_STRICTATIME, 0, 0, 0, 0},
        {"lazytime", MS_LAZYTIME, 0, 0, 0, 0, 0},
        {"nolazytime", 0, MS_LAZYTIME, 0, 0, 0, 0},
        {"iversion", MS_I_VERSION, 0, 0, 0, 0, 0},
        {"noiversion", 0, MS_I_VERSION, 0, 0, 0, 0},
        {"silent", MS_SILENT, 0, 0, 0, 0, 0},
        {"loud", 0, MS_SILENT, 0, 0, 0, 0},
        {"nosymfollow", MS_NOSYMFOLLOW, 0, 0, 0, 0, 0},
        {"symfollow", 0, MS_NOSYMFOLLOW, 0, 0, 0, 0},
        {"bind", MS_BIND, 0, 0, 0, 0, 0},
        {"rbind", MS_BIND | MS_REC, 0, 0, 0, 0, 0},
        {"private", 0, 0, MS_PRIVATE, 0, 0, 0},
        {"rprivate", 0, 0, MS_PRIVATE | MS_REC, 0, 0, 0},
        {"shared", 0, 0, MS_SHARED, 0, 0, 0},
        {"rshared", 0, 0, MS_SHARED | MS_REC, 0, 0, 0},
        {"slave", 0, 0, MS_SLAVE, 0, 0, 0},
        {"rslave", 0, 0, MS_SLAVE | MS_REC, 0, 0, 0},
        {"unbindable", 0, 0, MS_UNBINDABLE, 0, 0, 0},
        {"runbindable", 0, 0, MS_UNBINDABLE | MS_REC, 0, 0, 0},
        {"rro", 0, 0, 0, MOUNT_ATTR_RDONLY, 0, 0},
        {"rrw", 0, 0, 0, 0, MOUNT_ATTR_RDONLY, 0},
        {"rnosuid", 0, 0, 0, MOUNT_ATTR_NOSUID, 0, 0},
        {"rsuid", 0, 0, 0, 0, MOUNT_ATTR_NOSUID, 0},
        {"rnodev", 0, 0, 0, MOUNT_ATTR_NODEV, 0, 0},
        {"rdev", 0, 0, 0, 0, MOUNT_ATTR_NODEV, 0},
        {"rnoexec", 0, 0, 0, MOUNT_ATTR_NOEXEC, 0, 0},
        {"rexec", 0, 0, 0, 0, MOUNT_ATTR_NOEXEC, 0},
        {"rnodiratime", 0, 0, 0, MOUNT_ATTR_NODIRATIME, 0, 0},
        {"rdiratime", 0, 0, 0, 0, MOUNT_ATTR_NODIRATIME, 0},
        {"rnosymfollow", 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0, 0},
        {"rsymfollow", 0, 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0},
        {"rnoatime", 0, 0, 0, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME, 0},
        {"ratime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, 0},
        {"rrelatime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, 0},
        {"rnorelatime", 0, 0, 0, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, 0},
        {"rstrictatime", 0, 0, 0, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, 0},
        {"rnostrictatime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, 0},
        {"tmpcopyup", 0, 0, 0, 0, 0, 1},
};

static void test_every_option(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(opt_cases); i++) {
                const struct opt_case *c = &opt_cases[i];
                _cleanup_free_ char *text =
                        xasprintf("{\"destination\":\"/x\",\"type\":\"tmpfs\",\"source\":\"/s\","
                                  "\"options\":[\"%s\"]}",
                                  c->opt);
                struct rt_mount m = {0};
                parse_ok(text, &m);
                if (m.flags != c->flags || m.clear_flags != c->clear || m.propagation != c->prop ||
                    m.attr_set != c->aset || m.attr_clr != c->aclr || m.tmpcopyup != c->copyup ||
                    m.data)
                        fail_msg("option %s: flags %#lx clear %#lx prop %#lx set %#llx clr %#llx "
                                 "data %s",
                                 c->opt, m.flags, m.clear_flags, m.propagation,
                                 (unsigned long long)m.attr_set, (unsigned long long)m.attr_clr,
                                 m.data ? m.data : "-");
                rt_mount_done(&m);
        }
}

static void test_fields_and_data(void **state)
{
        (void)state;
        struct rt_mount m = {0};
        parse_ok("{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
                 "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\","
                 "\"mode=0620\",\"\",\"gid=5\"]}",
                 &m);
        assert_string_equal(m.destination, "/dev/pts");
        assert_string_equal(m.type, "devpts");
        assert_string_equal(m.source, "devpts");
        assert_string_equal(m.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
        assert_int_equal(m.flags, MS_NOSUID | MS_NOEXEC);
        rt_mount_done(&m);
        assert_null(m.destination);

        /* type "bind" alone is a (non-recursive) bind mount. */
        parse_ok("{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"vol\"}", &m);
        assert_int_equal(m.flags, MS_BIND);
        assert_null(m.data);
        rt_mount_done(&m);
}

static void test_conflicts_last_wins(void **state)
{
        (void)state;
        struct rt_mount m = {0};
        parse_ok("{\"destination\":\"/a\",\"type\":\"tmpfs\",\"options\":[\"ro\",\"rw\"]}", &m);
        assert_int_equal(m.flags & MS_RDONLY, 0);
        assert_int_equal(m.clear_flags, MS_RDONLY);
        rt_mount_done(&m);
        parse_ok("{\"destination\":\"/a\",\"type\":\"tmpfs\",\"options\":[\"rw\",\"ro\"]}", &m);
        assert_int_equal(m.flags, MS_RDONLY);
        assert_int_equal(m.clear_flags, 0);
        rt_mount_done(&m);
        parse_ok("{\"destination\":\"/a\",\"type\":\"tmpfs\",\"options\":[\"nosuid\",\"defaults\","
                 "\"noexec\"]}",
                 &m);
        assert_int_equal(m.flags, MS_NOEXEC);
        rt_mount_done(&m);
        parse_ok("{\"destination\":\"/a\",\"source\":\"/b\",\"options\":[\"rbind\",\"rro\","
                 "\"rrw\",\"rnoatime\",\"rstrictatime\",\"private\",\"rslave\"]}",
                 &m);
        assert_int_equal(m.flags, MS_BIND | MS_REC);
        assert_int_equal(m.attr_set, MOUNT_ATTR_STRICTATIME);
        assert_int_equal(m.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME);
        assert_int_equal(m.propagation, MS_SLAVE | MS_REC);
        rt_mount_done(&m);
}

static void test_destinations(void **state)
{
        (void)state;
        static const char *const cases[][2] = {
                {"/dev/shm", "/dev/shm"},     {"relative/dir", "/relative/dir"},
                {"../../etc", "/etc"},        {"/a/./b//c/../d/", "/a/b/d"},
                {"/../../..//x/..//y", "/y"}, {"./tmp", "/tmp"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *text =
                        xasprintf("{\"destination\":\"%s\",\"type\":\"tmpfs\"}", cases[i][0]);
                struct rt_mount m = {0};
                parse_ok(text, &m);
                assert_string_equal(m.destination, cases[i][1]);
                rt_mount_done(&m);
        }
        _cleanup_free_ char *c = rt_path_clean("a\0b", 3);
        assert_null(c);
        assert_null(rt_path_clean("", 0));
}

static void test_bad_input(void **state)
{
        (void)state;
        parse_fails("{\"type\":\"tmpfs\"}", "destination: required");
        parse_fails("{\"destination\":null}", "destination: required");
        parse_fails("{\"destination\":5}", "destination: expected a string, got integer");
        parse_fails("{\"destination\":\"\"}", "destination: invalid path");
        parse_fails("{\"destination\":\"a\\u0000b\"}", "destination: invalid path");
        parse_fails("{\"destination\":\"/..\"}", "would hide the root");
        parse_fails("{\"destination\":\"/x\",\"source\":[]}", "source: expected a string");
        parse_fails("{\"destination\":\"/x\",\"type\":true}", "type: expected a string");
        parse_fails("{\"destination\":\"/x\",\"options\":\"ro\"}",
                    "options: expected an array, got string");
        parse_fails("{\"destination\":\"/x\",\"options\":[\"ro\",7]}",
                    "options[1]: expected a string, got integer");
        parse_fails("{\"destination\":\"/x\",\"options\":[\"ro\",\"a\\u0000\"]}",
                    "options[1]: holds a NUL");
        parse_fails("{\"destination\":\"/x\",\"options\":[\"bind\"]}",
                    "source: required for a bind mount");
        parse_fails("{\"destination\":\"/x\",\"type\":\"bind\"}", "source: required");
        parse_fails("{\"destination\":\"/x\",\"source\":\"/y\",\"options\":[\"rbind\",\"idmap\"]}",
                    "idmapped mounts are not supported");
        parse_fails("{\"destination\":\"/x\",\"source\":\"/y\",\"options\":[\"ridmap\"]}",
                    "idmapped mounts are not supported");
        parse_fails("{\"destination\":\"/x\",\"source\":\"/y\",\"options\":[\"bind\"],"
                    "\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]}",
                    "uidMappings: idmapped mounts are not supported");
        parse_fails("{\"destination\":\"/x\",\"type\":\"proc\",\"options\":[\"tmpcopyup\"]}",
                    "tmpcopyup needs a tmpfs");
        parse_fails("[]", "expected an object, got array");

        /* Empty mapping lists are no mapping at all; "" is no type. */
        struct rt_mount m = {0};
        parse_ok("{\"destination\":\"/x\",\"type\":\"\",\"source\":\"/y\",\"options\":[\"bind\"],"
                 "\"uidMappings\":[],\"gidMappings\":null}",
                 &m);
        assert_null(m.type);
        rt_mount_done(&m);

        /* Too many options. */
        struct sbuf b = {0};
        sbuf_append(&b, "{\"destination\":\"/x\",\"options\":[");
        for (unsigned i = 0; i <= RT_MAX_ENTRIES; i++)
                sbuf_append(&b, i ? ",\"ro\"" : "\"ro\"");
        sbuf_append(&b, "]}");
        parse_fails(b.buf, "more than");
        sbuf_done(&b);
}

static void test_propagation_names(void **state)
{
        (void)state;
        unsigned long p = 0;
        assert_int_equal(rt_mount_propagation_from_string("rslave", &p), 0);
        assert_int_equal(p, MS_SLAVE | MS_REC);
        assert_int_equal(rt_mount_propagation_from_string("private", &p), 0);
        assert_int_equal(p, MS_PRIVATE);
        assert_int_equal(rt_mount_propagation_from_string("rshard", &p), -EINVAL);
        assert_int_equal(rt_mount_propagation_from_string("ro", &p), -EINVAL);
        assert_int_equal(rt_mount_propagation_from_string(NULL, &p), -EINVAL);
}

/* ------------------------------------------------------- real containers */

struct scenario {
        bool userns;
        bool no_pivot;
        bool root_ro;
        bool cgroupns;
        const char *propagation;
};

static int res_fd = -1;

/* Child side: one line per check, "ok NAME" or "FAIL NAME: why". */
static void report(bool ok, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void report(bool ok, const char *name, const char *fmt, ...)
{
        struct sbuf b = {0};
        sbuf_printf(&b, "%s %s", ok ? "ok" : "FAIL", name);
        if (!ok) {
                va_list ap;
                va_start(ap, fmt);
                sbuf_append(&b, ": ");
                sbuf_vprintf(&b, fmt, ap);
                va_end(ap);
                sbuf_printf(&b, " (errno %s)", strerror(errno));
        }
        sbuf_putc(&b, '\n');
        (void)!write(res_fd, b.buf, b.len);
        sbuf_done(&b);
}
#define CHECK(name, cond, ...) report((cond), (name), __VA_ARGS__)

static void put_file(const char *path, const char *content)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
        close(fd);
}

static void mk(const char *base, const char *rel)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", base, rel);
        assert_int_equal(fs_mkdir_p(p, 0755, NULL), 0);
}

static void put(const char *base, const char *rel, const char *content)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", base, rel);
        put_file(p, content);
}

static void link_at(const char *base, const char *rel, const char *target)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", base, rel);
        assert_int_equal(symlink(target, p), 0);
}

/* Read a small file inside the container; NULL on error. */
static char *slurp(const char *path)
{
        char *buf = NULL;
        if (fs_read_file(AT_FDCWD, path, 4096, &buf, NULL, NULL) < 0)
                return NULL;
        return buf;
}

static bool str_is(const char *got, const char *want)
{
        return got && STREQ(got, want);
}

static long fs_type(const char *path)
{
        struct statfs sf;
        return statfs(path, &sf) < 0 ? -1 : (long)sf.f_type;
}

static unsigned long vfs_flags(const char *path)
{
        struct statvfs sv;
        return statvfs(path, &sv) < 0 ? 0x80000000ul : sv.f_flag;
}

static bool creat_fails_with(const char *path, int err)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
                close(fd);
                return false;
        }
        return errno == err;
}

static bool can_creat(const char *path)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
                return false;
        close(fd);
        return true;
}

static bool is_chr(const char *path, unsigned maj, unsigned min)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(maj, min);
}

static bool link_is(const char *path, const char *want)
{
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);
        if (n < 0)
                return false;
        buf[n] = '\0';
        return STREQ(buf, want);
}

static size_t dir_entries(const char *path)
{
        DIR *d = opendir(path);
        if (!d)
                return (size_t)-1;
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (!STREQ(de->d_name, ".") && !STREQ(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

/* The optional fields of "/"'s line in mountinfo ("shared:N master:M"). */
static char *root_mount_tags(void)
{
        _cleanup_free_ char *mi = NULL;
        if (fs_read_file(AT_FDCWD, "/proc/self/mountinfo", 0, &mi, NULL, NULL) < 0)
                return NULL;
        for (char *line = mi, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char root[256], mp[256];
                int off = 0;
                if (sscanf(line, "%*u %*u %*s %255s %255s %*s%n", root, mp, &off) == 2 &&
                    STREQ(mp, "/")) {
                        char *dash = strstr(line + off, " - ");
                        return xstrndup(line + off, dash ? (size_t)(dash - line - off) : 0);
                }
        }
        return NULL;
}

static void build_spec(const struct scenario *sc, const char *t, const char *uniq,
                       struct rt_spec *spec)
{
        _cleanup_free_ char *mounts = xasprintf(
                "["
                "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                " \"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
                "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
                " \"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\","
                "  \"mode=0620\",\"gid=5\"]},"
                "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
                " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
                "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
                " \"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
                "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
                " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
                "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
                " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]},"
                "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"options\":[\"nosuid\",\"nodev\"]},"
                "{\"destination\":\"/evil/%s/data\",\"type\":\"bind\",\"source\":\"%s/src\","
                " \"options\":[\"bind\",\"ro\",\"nosuid\"]},"
                "{\"destination\":\"hostetc/%s\",\"type\":\"tmpfs\"},"
                "{\"destination\":\"/bindfile\",\"source\":\"srcfile\",\"options\":[\"bind\"]},"
                "{\"destination\":\"/rdata\",\"source\":\"%s/rsrc\","
                " \"options\":[\"rbind\",\"rro\",\"rnosuid\"]},"
                "{\"destination\":\"/rdata2\",\"source\":\"%s/"
                "rsrc\",\"options\":[\"rbind\",\"ro\"]},"
                "{\"destination\":\"/copyup\",\"type\":\"tmpfs\",\"options\":[\"tmpcopyup\"]},"
                "{\"destination\":\"../../escape-%s\",\"type\":\"tmpfs\"},"
                "{\"destination\":\"/rodir/mnt\",\"type\":\"tmpfs\",\"options\":[\"size=1m\"]},"
                "{\"destination\":\"/evil%s/hostside\",\"type\":\"tmpfs\"},"
                "{\"destination\":\"/etc/resolv.conf\",\"source\":\"srcfile\","
                " \"options\":[\"rbind\",\"ro\"]},"
                "{\"destination\":\"/danglingabs/sub\",\"type\":\"tmpfs\"}"
                "]",
                uniq, t, uniq, t, t, uniq, t);
        _cleanup_json_ struct json *j = NULL;
        struct err e = {0};
        if (json_parse(mounts, strlen(mounts), &j, &e) < 0)
                abort();
        spec->n_mounts = j->arr.len;
        spec->mounts = xcalloc(j->arr.len, sizeof(*spec->mounts));
        for (size_t i = 0; i < j->arr.len; i++)
                if (rt_mount_parse(j->arr.items[i], &spec->mounts[i], &e) < 0)
                        abort();

        spec->n_devices = sc->userns ? 2 : 3;
        spec->devices = xcalloc(3, sizeof(*spec->devices));
        spec->devices[0] = (struct rt_device){.path = xstrdup("/dev/full"),
                                              .type = 'c',
                                              .major = 1,
                                              .minor = 7,
                                              .has_mode = true,
                                              .mode = 0600};
        spec->devices[1] = (struct rt_device){.path = xstrdup("/dev/myfifo"), .type = 'p'};
        spec->devices[2] = (struct rt_device){.path = xstrdup("/dev/sub/zero2"),
                                              .type = 'c',
                                              .major = 1,
                                              .minor = 5,
                                              .has_uid = true,
                                              .uid = 7,
                                              .has_gid = true,
                                              .gid = 8};
        spec->masked_paths = strv_split("/secret,/evil/secret2,/proc/loadavg,/sys/firmware,"
                                        "/nonexistent/x,/secret/notadir",
                                        ",");
        spec->readonly_paths = strv_split("/proc/sys,/rodir,/missing", ",");
        spec->root_readonly = sc->root_ro;
        spec->ns[RT_NS_CGROUP].enabled = sc->cgroupns;
        spec->rootfs_propagation = sc->propagation ? xstrdup(sc->propagation) : NULL;
}

static void free_spec(struct rt_spec *spec)
{
        for (size_t i = 0; i < spec->n_mounts; i++)
                rt_mount_done(&spec->mounts[i]);
        free(spec->mounts);
        for (size_t i = 0; i < 3; i++)
                free(spec->devices[i].path);
        free(spec->devices);
        strv_free(spec->masked_paths);
        strv_free(spec->readonly_paths);
        free(spec->rootfs_propagation);
}

/* In the container, after rt_rootfs_finish(): everything it should see. */
static void check_inside(const struct scenario *sc, const char *t, const char *uniq)
{
        _cleanup_free_ char *hosts = slurp("/etc/hosts");
        CHECK("rootfs", str_is(hosts, "inside\n"), "/etc/hosts is '%s'", hosts ? hosts : "-");
        CHECK("proc", fs_type("/proc") == PROC_SUPER_MAGIC, "/proc is not procfs");
        CHECK("dev-tmpfs", fs_type("/dev") == TMPFS_MAGIC, "/dev is not a tmpfs");
        CHECK("dev-null", is_chr("/dev/null", 1, 3) && can_creat("/dev/null"), "/dev/null");
        char z[4] = {1, 1, 1, 1};
        int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
        CHECK("dev-zero", fd >= 0 && read(fd, z, 4) == 4 && !z[0] && !z[3], "/dev/zero");
        if (fd >= 0)
                close(fd);
        struct stat st;
        CHECK("dev-full",
              is_chr("/dev/full", 1, 7) && stat("/dev/full", &st) == 0 &&
                      (sc->userns || (st.st_mode & 07777) == 0600),
              "/dev/full (spec device replacing the default)");
        CHECK("dev-fifo", stat("/dev/myfifo", &st) == 0 && S_ISFIFO(st.st_mode), "/dev/myfifo");
        if (!sc->userns)
                CHECK("dev-sub",
                      is_chr("/dev/sub/zero2", 1, 5) && stat("/dev/sub/zero2", &st) == 0 &&
                              st.st_uid == 7 && st.st_gid == 8,
                      "/dev/sub/zero2");
        CHECK("dev-links",
              link_is("/dev/ptmx", "pts/ptmx") && link_is("/dev/fd", "/proc/self/fd") &&
                      link_is("/dev/stdin", "/proc/self/fd/0") &&
                      link_is("/dev/stderr", "/proc/self/fd/2"),
              "/dev links");
        CHECK("devpts", fs_type("/dev/pts") == DEVPTS_SUPER_MAGIC && access("/dev/ptmx", F_OK) == 0,
              "/dev/pts");
        unsigned long f = vfs_flags("/dev/shm");
        CHECK("shm",
              fs_type("/dev/shm") == TMPFS_MAGIC && (f & ST_NODEV) && (f & ST_NOEXEC) &&
                      (f & ST_NOSUID) && !(f & ST_RDONLY),
              "/dev/shm flags %#lx", f);
        CHECK("mqueue", fs_type("/dev/mqueue") == MQUEUE_MAGIC, "/dev/mqueue");
        CHECK("sysfs", fs_type("/sys") == SYSFS_MAGIC && (vfs_flags("/sys") & ST_RDONLY), "/sys");
        bool cg_ro = vfs_flags("/sys/fs/cgroup") & ST_RDONLY;
        DIR *d = opendir("/sys/fs/cgroup");
        struct dirent *de;
        while (cg_ro && d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/%s", de->d_name);
                /* The mount's flags on every hierarchy, not the host's. */
                unsigned long want = ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC;
                if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) && (vfs_flags(p) & want) != want)
                        cg_ro = false;
        }
        if (d)
                closedir(d);
        CHECK("cgroup", cg_ro, "/sys/fs/cgroup and below not ro,nosuid,nodev,noexec");
        enum cgroup_mode cgm = CGROUP_UNIFIED;
        (void)host_cgroup_mode("/sys/fs/cgroup", &cgm, NULL);
        if (cgm == CGROUP_UNIFIED)
                CHECK("cgroup-layout", fs_type("/sys/fs/cgroup") == CGROUP2_SUPER_MAGIC, "v2");
        else if (!sc->userns && access("/sys/fs/cgroup/memory", F_OK) == 0)
                /* Real root on a v1 host: the host's layout, with this
                 * container's own cgroup in each hierarchy. */
                CHECK("cgroup-layout",
                      fs_type("/sys/fs/cgroup") == TMPFS_MAGIC &&
                              fs_type("/sys/fs/cgroup/memory") == CGROUP_SUPER_MAGIC &&
                              access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) == 0 &&
                              (access("/sys/fs/cgroup/unified", F_OK) != 0 ||
                               fs_type("/sys/fs/cgroup/unified") == CGROUP2_SUPER_MAGIC),
                      "v1 layout");

        _cleanup_free_ char *data = xasprintf("/%s/data", uniq);
        _cleanup_free_ char *hello_p = xasprintf("%s/hello", data);
        _cleanup_free_ char *hello = slurp(hello_p);
        _cleanup_free_ char *newf = xasprintf("%s/new", data);
        f = vfs_flags(data);
        CHECK("bind-through-symlink",
              str_is(hello, "hello") && (f & ST_RDONLY) && (f & ST_NOSUID) &&
                      creat_fails_with(newf, EROFS),
              "bind at /evil/%s/data: flags %#lx", uniq, f);
        _cleanup_free_ char *etcu = xasprintf("/etc/%s", uniq);
        CHECK("relative-dest-through-symlink", fs_type(etcu) == TMPFS_MAGIC, "%s", etcu);
        _cleanup_free_ char *bf = slurp("/bindfile");
        CHECK("bind-file", str_is(bf, "filecontent"), "/bindfile is '%s'", bf ? bf : "-");
        unsigned long f1 = vfs_flags("/rdata"), f2 = vfs_flags("/rdata/sub");
        CHECK("rro", (f1 & ST_RDONLY) && (f2 & ST_RDONLY) && (f1 & ST_NOSUID) && (f2 & ST_NOSUID),
              "/rdata %#lx /rdata/sub %#lx", f1, f2);
        f1 = vfs_flags("/rdata2"), f2 = vfs_flags("/rdata2/sub");
        CHECK("ro-top-only", (f1 & ST_RDONLY) && !(f2 & ST_RDONLY), "/rdata2 %#lx /rdata2/sub %#lx",
              f1, f2);
        _cleanup_free_ char *ca = slurp("/copyup/a"), *cb = slurp("/copyup/sub/b");
        CHECK("tmpcopyup",
              fs_type("/copyup") == TMPFS_MAGIC && str_is(ca, "A") && str_is(cb, "B") &&
                      link_is("/copyup/link", "a") && can_creat("/copyup/new"),
              "/copyup");
        _cleanup_free_ char *esc = xasprintf("/escape-%s", uniq);
        CHECK("hostile-dest", fs_type(esc) == TMPFS_MAGIC, "%s", esc);
        /* /evil/<t>/hostside exists on the host through the link: it must
         * still be made and mounted inside. */
        _cleanup_free_ char *hs = xasprintf("%s/hostside", t);
        CHECK("existing-host-path", fs_type(hs) == TMPFS_MAGIC, "%s", hs);
        _cleanup_free_ char *rc = slurp("/etc/resolv.conf");
        CHECK("dangling-link-file",
              str_is(rc, "filecontent") && (vfs_flags("/run/resolv/resolv.conf") & ST_RDONLY),
              "/etc/resolv.conf is '%s'", rc ? rc : "-");
        CHECK("dangling-link-dir", fs_type("/dir/sub") == TMPFS_MAGIC, "/danglingabs/sub");

        _cleanup_free_ char *s1 = slurp("/secret"), *s2 = slurp("/secret2");
        _cleanup_free_ char *la = slurp("/proc/loadavg");
        CHECK("mask-file", str_is(s1, "") && str_is(s2, "") && str_is(la, ""),
              "masked files read '%s' '%s' '%s'", s1 ? s1 : "-", s2 ? s2 : "-", la ? la : "-");
        CHECK("mask-dir",
              dir_entries("/sys/firmware") == 0 && creat_fails_with("/sys/firmware/x", EROFS),
              "/sys/firmware");
        /* In a user namespace the host's sysctls are not ours to write
         * anyway (EACCES comes first); the mount must still be read-only. */
        fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
        CHECK("ro-proc-sys",
              fd < 0 && (errno == EROFS || (sc->userns && errno == EACCES)) &&
                      (vfs_flags("/proc/sys") & ST_RDONLY) &&
                      (vfs_flags("/proc/sys/kernel") & ST_RDONLY),
              "/proc/sys writable");
        if (fd >= 0)
                close(fd);
        CHECK("ro-dir",
              creat_fails_with("/rodir/x", EROFS) && (vfs_flags("/rodir/mnt") & ST_RDONLY),
              "/rodir");
        if (sc->root_ro)
                CHECK("root-ro", creat_fails_with("/newfile", EROFS) && can_creat("/tmp/x"),
                      "read-only root");
        else
                CHECK("root-rw", can_creat("/newfile"), "root not writable");

        _cleanup_free_ char *tags = root_mount_tags();
        if (sc->propagation && strstr(sc->propagation, "private"))
                CHECK("propagation", tags && !strstr(tags, "shared:") && !strstr(tags, "master:"),
                      "'/' has '%s'", tags ? tags : "-");
        else if (sc->propagation && strstr(sc->propagation, "shared"))
                CHECK("propagation", tags && strstr(tags, "shared:"), "'/' has '%s'",
                      tags ? tags : "-");
        /* Bind mounts name their source's path as their root; no mount
         * point may be a host path any more. */
        _cleanup_free_ char *mi = NULL;
        (void)fs_read_file(AT_FDCWD, "/proc/self/mountinfo", 0, &mi, NULL, NULL);
        bool host_mp = !mi;
        for (char *line = mi, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char mp[512];
                if (sscanf(line, "%*u %*u %*s %*s %511s", mp) == 1 && strstr(mp, t) &&
                    !str_has_suffix(mp, "/hostside"))
                        host_mp = true;
        }
        CHECK("old-root-gone", !host_mp, "mountinfo still has mount points under '%s'", t);
}

/* The container's init: pid 1 of its own pid namespace. */
static _noreturn_ void container_init(const struct scenario *sc, const char *t, const char *uniq,
                                      int go)
{
        struct rt_spec spec = {0};
        build_spec(sc, t, uniq, &spec);
        _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", t);
        struct rt_rootfs_opts o = {
                .spec = &spec,
                .rootfs = rootfs,
                .no_pivot = sc->no_pivot,
                .in_userns = sc->userns,
                .bundle = t,
        };
        struct err e = {0};
        if (rt_rootfs_prepare(&o, &e) < 0)
                CHECK("prepare", false, "%s", e.msg);
        else if (rt_rootfs_finish(&o, &e) < 0)
                CHECK("finish", false, "%s", e.msg);
        else
                check_inside(sc, t, uniq);
        err_done(&e);
        free_spec(&spec);
        (void)!write(res_fd, "done\n", 5);
        char c;
        (void)!read(go, &c, 1);
        _exit(0);
}

static _noreturn_ void child_main(const struct scenario *sc, const char *t, const char *uniq,
                                  int go, int synced_w, int mapped_r)
{
        if (sc->userns) {
                if (unshare(CLONE_NEWUSER) < 0) {
                        dprintf(res_fd, "SKIP unshare(CLONE_NEWUSER): %s\n", strerror(errno));
                        _exit(0);
                }
                char c = 'u';
                (void)!write(synced_w, &c, 1);
                if (read(mapped_r, &c, 1) != 1)
                        _exit(1);
                if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
                        CHECK("setresuid", false, "in the user namespace");
                        _exit(1);
                }
        }
        int flags = CLONE_NEWNS | CLONE_NEWPID | (sc->userns ? CLONE_NEWIPC : 0) |
                    (sc->cgroupns ? CLONE_NEWCGROUP : 0);
        if (unshare(flags) < 0) {
                CHECK("unshare", false, "flags %#x", flags);
                _exit(1);
        }
        /* Before anything is mounted here: nothing may reach the host. */
        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0) {
                CHECK("slave", false, "making '/' a slave");
                _exit(1);
        }
        _cleanup_free_ char *sub = xasprintf("%s/rsrc/sub", t);
        if (mount("tmpfs", sub, "tmpfs", 0, NULL) < 0) {
                CHECK("submount", false, "tmpfs on %s", sub);
                _exit(1);
        }
        pid_t pid = fork();
        if (pid < 0)
                _exit(1);
        if (pid == 0)
                container_init(sc, t, uniq, go);
        int status = 0;
        (void)waitpid(pid, &status, 0);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

static void make_tree(const struct scenario *sc, const char *t)
{
        _cleanup_free_ char *root = xasprintf("%s/rootfs", t);
        assert_int_equal(chmod(t, 0755), 0);
        mk(t, "rootfs/proc");
        mk(t, "rootfs/dev");
        mk(t, "rootfs/sys");
        mk(t, "rootfs/etc");
        mk(t, "rootfs/copyup/sub");
        mk(t, "rootfs/rodir");
        put(t, "rootfs/etc/hosts", "inside\n");
        put(t, "rootfs/secret", "s3cret");
        put(t, "rootfs/secret2", "two");
        put(t, "rootfs/rodir/f", "f");
        put(t, "rootfs/copyup/a", "A");
        put(t, "rootfs/copyup/sub/b", "B");
        link_at(t, "rootfs/copyup/link", "a");
        link_at(t, "rootfs/hostetc", "/etc");
        link_at(t, "rootfs/evil", "../../..");
        link_at(t, "rootfs/etc/resolv.conf", "../run/resolv/resolv.conf");
        link_at(t, "rootfs/danglingabs", "/nowhere/../../dir");
        mk(t, "src");
        put(t, "src/hello", "hello");
        put(t, "srcfile", "filecontent");
        mk(t, "rsrc/sub");
        mk(t, "hostside");
        put(t, "hostside/marker", "host");
        if (sc->userns) {
                _cleanup_free_ char *cmd = xasprintf("chown -hR 100000:100000 '%s'", root);
                assert_int_equal(system(cmd), 0);
        }
}

static bool host_has(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0;
}

static void run_scenario(const struct scenario *sc)
{
        if (geteuid() != 0)
                skip();
        _cleanup_free_ char *t = unit_tmpdir();
        _cleanup_free_ char *uniq = xasprintf("berth-unit-mnt-%d", (int)getpid());
        make_tree(sc, t);

        int res[2], go[2], synced[2], mapped[2];
        assert_int_equal(pipe2(res, O_CLOEXEC), 0);
        assert_int_equal(pipe2(go, O_CLOEXEC), 0);
        assert_int_equal(pipe2(synced, O_CLOEXEC), 0);
        assert_int_equal(pipe2(mapped, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(res[0]);
                close(go[1]);
                close(synced[0]);
                close(mapped[1]);
                res_fd = res[1];
                child_main(sc, t, uniq, go[0], synced[1], mapped[0]);
        }
        close(res[1]);
        close(go[0]);
        close(synced[1]);
        close(mapped[0]);

        if (sc->userns) {
                char c;
                if (read(synced[0], &c, 1) == 1) {
                        static const char *const files[] = {"uid_map", "gid_map"};
                        for (size_t i = 0; i < 2; i++) {
                                _cleanup_free_ char *p =
                                        xasprintf("/proc/%d/%s", (int)pid, files[i]);
                                int fd = open(p, O_WRONLY | O_CLOEXEC);
                                assert_true(fd >= 0);
                                assert_int_equal(write(fd, "0 100000 65536\n", 15), 15);
                                close(fd);
                        }
                        (void)!write(mapped[1], "m", 1);
                }
        }

        struct sbuf out = {0};
        char buf[4096];
        ssize_t n;
        while (!strstr(out.buf ? out.buf : "", "done\n") &&
               (n = read(res[0], buf, sizeof(buf))) > 0)
                sbuf_append_len(&out, buf, (size_t)n);

        /* While the container lives: the host saw none of it. */
        _cleanup_free_ char *hostmi = NULL;
        assert_int_equal(fs_read_file(AT_FDCWD, "/proc/self/mountinfo", 0, &hostmi, NULL, NULL), 0);
        bool leaked = strstr(hostmi, t) != NULL;
        _cleanup_free_ char *h1 = xasprintf("/etc/%s", uniq), *h2 = xasprintf("/%s", uniq),
                            *h3 = xasprintf("/escape-%s", uniq);
        bool host_touched = host_has(h1) || host_has(h2) || host_has(h3);
        _cleanup_free_ char *in1 = xasprintf("%s/rootfs/%s/data", t, uniq),
                            *in2 = xasprintf("%s/rootfs/etc/%s", t, uniq),
                            *in3 = xasprintf("%s/rootfs/copyup/new", t);
        _cleanup_free_ char *in4 = xasprintf("%s/rootfs/run/resolv/resolv.conf", t),
                            *in5 = xasprintf("%s/rootfs/dir/sub", t);
        bool inside_ok = host_has(in1) && host_has(in2) && !host_has(in3) && host_has(in4) &&
                         host_has(in5) && !host_has("/dir/sub");

        (void)!write(go[1], "g", 1);
        close(go[1]);
        while ((n = read(res[0], buf, sizeof(buf))) > 0)
                sbuf_append_len(&out, buf, (size_t)n);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        close(res[0]);
        close(synced[0]);
        close(mapped[1]);
        unit_rmtree(t);

        const char *text = out.buf ? out.buf : "";
        if (str_has_prefix(text, "SKIP")) {
                print_message("%s", text);
                sbuf_done(&out);
                skip();
        }
        if (strstr(text, "FAIL") || !strstr(text, "done\n"))
                fail_msg("inside the container:\n%s", text);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_false(leaked);
        assert_false(host_touched);
        assert_true(inside_ok);
        /* Every check ran. */
        size_t oks = 0;
        for (const char *p = text; (p = strstr(p, "ok ")); p++)
                oks++;
        assert_true(oks >= 24);
        sbuf_done(&out);
}

static void test_rootfs_root_pivot(void **state)
{
        (void)state;
        const struct scenario sc = {0};
        run_scenario(&sc);
}

static void test_rootfs_root_chroot_private_ro(void **state)
{
        (void)state;
        const struct scenario sc = {
                .no_pivot = true, .root_ro = true, .cgroupns = true, .propagation = "private"};
        run_scenario(&sc);
}

static void test_rootfs_root_rshared(void **state)
{
        (void)state;
        const struct scenario sc = {.propagation = "rshared"};
        run_scenario(&sc);
}

static void test_rootfs_userns(void **state)
{
        (void)state;
        const struct scenario sc = {.userns = true, .root_ro = true, .propagation = "rslave"};
        run_scenario(&sc);
}

static void test_rootfs_userns_chroot(void **state)
{
        (void)state;
        const struct scenario sc = {.userns = true, .no_pivot = true};
        run_scenario(&sc);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_option),
                cmocka_unit_test(test_fields_and_data),
                cmocka_unit_test(test_conflicts_last_wins),
                cmocka_unit_test(test_destinations),
                cmocka_unit_test(test_bad_input),
                cmocka_unit_test(test_propagation_names),
                cmocka_unit_test(test_rootfs_root_pivot),
                cmocka_unit_test(test_rootfs_root_chroot_private_ro),
                cmocka_unit_test(test_rootfs_root_rshared),
                cmocka_unit_test(test_rootfs_userns),
                cmocka_unit_test(test_rootfs_userns_chroot),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
