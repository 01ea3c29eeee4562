/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for libcore/engine's container spec builder: golden
 * comparisons with the config.json podman 4.3.1 wrote for the same flags
 * (tests/unit/data/ctr-spec/, normalised by removing ids, paths, times and
 * the values that name the engine), seccomp profile translation and its
 * cache, --ulimit parsing and clamping, and -u resolution with hostile /etc
 * files.
 */
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "ctr-spec.h"

#define DATA SRCDIR "/tests/unit/data/ctr-spec"
#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct ctr_seccomp_host amd64 = {.arch = "amd64", .kernel_release = "6.1.0-13-amd64"};

/* The host this test pretends to run on: hard nofile 20000 that berth may
 * not raise, everything else unlimited, the CI machine's bounding set
 * (all caps up to CHECKPOINT_RESTORE but SYS_RESOURCE). */
static struct ctr_host_limits test_limits(void)
{
        struct ctr_host_limits h = {0};
        for (int i = 0; i < RLIM_NLIMITS; i++)
                h.cur[i].rlim_cur = h.cur[i].rlim_max = RLIM_INFINITY;
        h.cur[RLIMIT_NOFILE].rlim_cur = 1024;
        h.cur[RLIMIT_NOFILE].rlim_max = 20000;
        return h;
}
#define TEST_CAPBND 0x1fffeffffffULL

static const char *fake_env_conf(const char *name, void *userdata)
{
        (void)userdata;
        if (STREQ(name, "CONTAINERS_CONF"))
                return DATA "/containers.conf";
        return NULL;
}

static struct config *load_conf(void)
{
        struct user_info u = {.uid = 0, .gid = 0, .home = (char *)"/root"};
        struct config_env env = {.getenv = fake_env_conf, .user = &u};
        struct config *c = NULL;
        struct err e = {0};
        if (config_load(&env, NULL, &c, &e) < 0)
                fail_msg("config_load: %s", e.msg);
        return c;
}

static void write_file(const char *dir, const char *rel, const char *content)
{
        char *p = xasprintf("%s/%s", dir, rel);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(content, f);
        fclose(f);
        free(p);
}

/* A rootfs with the same /etc files as the image the goldens were made from. */
static char *make_rootfs(void)
{
        char *d = unit_tmpdir();
        char *etc = xasprintf("%s/etc", d);
        assert_int_equal(mkdir(etc, 0755), 0);
        free(etc);
        write_file(d, "etc/passwd",
                   "root:x:0:0:root:/root:/bin/sh\n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                   "bob:x:1000:1000::/home/bob:/bin/sh\n");
        write_file(d, "etc/group", "root:x:0:\nwheel:x:10:bob\nbob:x:1000:\nnogroup:x:65534:\n");
        return d;
}

static void base_opts(struct ctr_spec_opts *o, const char *rootfs)
{
        static struct ctr_host_limits lim;
        lim = test_limits();
        *o = (struct ctr_spec_opts){
                .id = ID,
                .rootfs = rootfs,
                .rootfs_fd = -1,
                .created = "2026-01-01T00:00:00Z",
                .hosts_path = "/run/berth/x/hosts",
                .hostname_path = "/run/berth/x/hostname",
                .containerenv_path = "/run/berth/x/.containerenv",
                .shm_path = "/run/berth/x/shm",
                .network = "none",
                .cgroup_mode = CGROUP_HYBRID,
                .seccomp_host = &amd64,
                .host_limits = &lim,
                .host_capbnd = TEST_CAPBND,
                .host_hostname = "testhost",
        };
}

static int cmp_json_key(const void *a, const void *b, const char *key)
{
        const char *x = json_object_get_string(*(struct json *const *)a, key);
        const char *y = json_object_get_string(*(struct json *const *)b, key);
        return strcmp(x ? x : "", y ? y : "");
}
static int cmp_dest(const void *a, const void *b)
{
        return cmp_json_key(a, b, "destination");
}
static int cmp_type(const void *a, const void *b)
{
        return cmp_json_key(a, b, "type");
}
static int cmp_string(const void *a, const void *b)
{
        const struct json *x = *(struct json *const *)a, *y = *(struct json *const *)b;
        return strcmp(x->str.s, y->str.s);
}

/* Apply to berth's document what norm.py applied to podman's. */
static void normalise(struct json *d, bool keep_syscalls)
{
        struct json *p = json_object_get(d, "process");
        struct json *env = json_object_get(p, "env"), *out = json_new_array();
        for (size_t i = 0; i < env->arr.len; i++) {
                const char *s = env->arr.items[i]->str.s;
                if (!str_has_prefix(s, "container=") && !str_has_prefix(s, "HOSTNAME="))
                        json_array_append(out, json_copy(env->arr.items[i]));
        }
        qsort(out->arr.items, out->arr.len, sizeof(struct json *), cmp_string);
        json_object_set(p, "env", out);
        struct json *rl = json_object_get(p, "rlimits");
        if (!rl) {
                rl = json_new_array();
                json_object_set(p, "rlimits", rl);
        }
        qsort(rl->arr.items, rl->arr.len, sizeof(struct json *), cmp_type);
        json_object_set_string(json_object_get(d, "root"), "path", "@ROOTFS@");
        json_object_remove(d, "hostname");
        struct json *m = json_object_get(d, "mounts");
        for (size_t i = 0; i < m->arr.len; i++) {
                const char *dst = json_object_get_string(m->arr.items[i], "destination");
                const char *type = json_object_get_string(m->arr.items[i], "type");
                if (STREQ(type, "bind") &&
                    (STREQ(dst, "/etc/hosts") || STREQ(dst, "/etc/hostname") ||
                     STREQ(dst, "/etc/resolv.conf") || STREQ(dst, "/run/.containerenv") ||
                     STREQ(dst, "/dev/shm")))
                        json_object_set_string(m->arr.items[i], "source", "@FILE@");
        }
        qsort(m->arr.items, m->arr.len, sizeof(struct json *), cmp_dest);
        struct json *a = json_object_get(d, "annotations");
        json_object_remove(a, "io.container.manager");
        json_object_remove(a, "io.kubernetes.cri-o.Created");
        struct json *lx = json_object_get(d, "linux");
        json_object_remove(lx, "cgroupsPath");
        struct json *sc = json_object_get(lx, "seccomp");
        if (sc && !keep_syscalls)
                json_object_remove(sc, "syscalls");
}

/* Compare berth's spec with podman's golden, section by section, so that a
 * failure names the part that differs. */
static void compare_golden(const char *name, struct json *spec)
{
        char *path = xasprintf("%s/%s.json", DATA, name);
        struct json *gold = NULL;
        struct err e = {0};
        if (json_parse_file(AT_FDCWD, path, 0, &gold, &e) < 0)
                fail_msg("%s", e.msg);
        struct json *gsc = json_get_path(gold, "linux.seccomp");
        normalise(spec, gsc && json_object_get(gsc, "syscalls"));
        static const char *const parts[] = {"ociVersion", "process",     "root",
                                            "mounts",     "annotations", "linux"};
        int bad = 0;
        for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
                struct json *a = json_object_get(spec, parts[i]);
                struct json *b = json_object_get(gold, parts[i]);
                if (a && b && json_equal(a, b))
                        continue;
                char *x = a ? json_generate(a, JSON_GEN_PRETTY) : xstrdup("(none)");
                char *y = b ? json_generate(b, JSON_GEN_PRETTY) : xstrdup("(none)");
                fprintf(stderr, "%s: %s differs\nberth:\n%s\npodman:\n%s\n", name, parts[i], x, y);
                free(x);
                free(y);
                bad++;
        }
        if (json_object_get(spec, "hostname") || gold->obj.len != 6)
                bad++;
        json_free(gold);
        free(path);
        if (bad)
                fail_msg("%s: %d part(s) differ from podman's config.json", name, bad);
}

static struct json *build_ok(const struct ctr_spec_opts *o, const struct json *img,
                             const struct config *c)
{
        struct json *spec = NULL;
        struct err e = {0};
        if (ctr_spec_build(o, img, c, &spec, &e) < 0)
                fail_msg("ctr_spec_build: %s", e.msg);
        return spec;
}

static struct json *bbtest_config(void)
{
        const char *s = "{\"Env\":[\"FOO=bar\",\"PATH=/usr/local/bin:/bin\"],"
                        "\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],"
                        "\"WorkingDir\":\"/srv\"}";
        struct json *j = NULL;
        assert_int_equal(json_parse(s, strlen(s), &j, NULL), 0);
        return j;
}

static char *sh_cmd[] = {"sh", NULL};

static void golden_case(const char *name, void (*tweak)(struct ctr_spec_opts *), bool bbtest)
{
        char *root = make_rootfs();
        struct config *c = load_conf();
        struct ctr_spec_opts o;
        base_opts(&o, root);
        o.cmd = bbtest ? NULL : sh_cmd;
        if (tweak)
                tweak(&o);
        struct json *img = bbtest ? bbtest_config() : NULL;
        struct json *spec = build_ok(&o, img, c);
        compare_golden(name, spec);
        json_free(spec);
        json_free(img);
        config_free(c);
        unit_rmtree(root);
        free(root);
}

static void tw_tty(struct ctr_spec_opts *o)
{
        static char *env[] = {"A=1", "FOO=over", "PATH=/x", NULL};
        static char *cmd[] = {"a", "b", NULL};
        o->tty = true;
        o->env = env;
        o->hostname = "myhost";
        o->workdir = "/bin";
        o->user = "bob";
        o->entrypoint = "/bin/true";
        o->cmd = cmd;
}
static void tw_caps(struct ctr_spec_opts *o)
{
        static char *add[] = {"SYS_ADMIN", "net_admin", NULL};
        static char *drop[] = {"CHOWN", "cap_kill", NULL};
        o->cap_add = add;
        o->cap_drop = drop;
}
static void tw_capsall(struct ctr_spec_opts *o)
{
        static char *add[] = {"SETUID", NULL};
        static char *drop[] = {"ALL", NULL};
        o->cap_add = add;
        o->cap_drop = drop;
}
static void tw_ro(struct ctr_spec_opts *o)
{
        static char *sec[] = {"no-new-privileges", "mask=/proc/foo:/sys/bar",
                              "unmask=/proc/kcore:/sys/firmware", NULL};
        o->read_only = true;
        o->security_opt = sec;
}
static void tw_res(struct ctr_spec_opts *o)
{
        static char *ul[] = {"core=0:0", "nofile=100:200", NULL};
        o->memory = 64 << 20;
        o->memory_swap = 128 << 20;
        o->cpus = 1.5;
        o->cpu_shares = 512;
        o->pids_limit = 100;
        o->pids_limit_set = true;
        o->shm_size = 1 << 30;
        o->ulimits = ul;
}
static void tw_dev(struct ctr_spec_opts *o)
{
        static char *dev[] = {"/dev/null:/dev/xnull:rw", "/dev/zero", NULL};
        o->devices = dev;
}
static void tw_mounts(struct ctr_spec_opts *o)
{
        static char *ro[] = {"ro", NULL};
        static char *size[] = {"size=1m", NULL};
        static const struct ctr_mount m[] = {
                {.destination = "/data",
                 .type = "bind",
                 .source = "/tmp/ctrspec-work/gold",
                 .options = ro},
                {.destination = "/a/b/c", .type = "bind", .source = "/tmp"},
                {.destination = "/run", .type = "tmpfs", .source = "tmpfs"},
                {.destination = "/t", .type = "tmpfs", .source = "tmpfs", .options = size},
        };
        o->mounts = m;
        o->n_mounts = ARRAY_SIZE(m);
}
static void tw_userns(struct ctr_spec_opts *o)
{
        static const struct id_map map = {.container_id = 0, .host_id = 100000, .size = 65536};
        o->userns = CTR_USERNS_PRIVATE;
        o->uid_map = o->gid_map = &map;
        o->n_uid_map = o->n_gid_map = 1;
}
static void tw_unconf(struct ctr_spec_opts *o)
{
        static char *sec[] = {"seccomp=unconfined", "label=disable", NULL};
        o->security_opt = sec;
        o->remove = true;
}
static void tw_user2(struct ctr_spec_opts *o)
{
        o->user = "bob:65534";
}
static void tw_u4242(struct ctr_spec_opts *o)
{
        o->user = "4242";
}
static void tw_nethost(struct ctr_spec_opts *o)
{
        o->network = "host";
        o->resolv_conf_path = "/run/berth/x/resolv.conf";
}

static void test_golden_plain(void **state)
{
        (void)state;
        golden_case("plain", NULL, false);
}
static void test_golden_img(void **state)
{
        (void)state;
        golden_case("img", NULL, true);
}
static void test_golden_tty(void **state)
{
        (void)state;
        golden_case("tty", tw_tty, true);
}
static void test_golden_caps(void **state)
{
        (void)state;
        golden_case("caps", tw_caps, false);
        golden_case("capsall", tw_capsall, false);
}
static void test_golden_ro(void **state)
{
        (void)state;
        golden_case("ro", tw_ro, false);
}
static void test_golden_res(void **state)
{
        (void)state;
        golden_case("res", tw_res, false);
}
static void test_golden_dev(void **state)
{
        (void)state;
        golden_case("dev", tw_dev, false);
}
static void test_golden_mounts(void **state)
{
        (void)state;
        golden_case("mounts", tw_mounts, false);
}
static void test_golden_userns(void **state)
{
        (void)state;
        golden_case("userns", tw_userns, false);
}
static void test_golden_misc(void **state)
{
        (void)state;
        golden_case("unconf", tw_unconf, false);
        golden_case("user2", tw_user2, false);
        golden_case("u_4242", tw_u4242, false);
        golden_case("nethost", tw_nethost, false);
}

/* ---------------------------------------------------------------- seccomp */

static struct json *translate_file(const char *path, char *const *caps, struct err *e)
{
        struct json *out = NULL;
        if (ctr_seccomp_load(path, true, caps, &amd64, NULL, &out, e) < 0)
                return NULL;
        return out;
}

static bool has_rule(const struct json *sc, const char *name, const char *action)
{
        const struct json *l = json_object_get(sc, "syscalls");
        for (size_t i = 0; l && i < l->arr.len; i++) {
                const struct json *n = json_object_get(l->arr.items[i], "names");
                if (!STREQ(json_object_get_string(l->arr.items[i], "action"), action))
                        continue;
                for (size_t k = 0; k < n->arr.len; k++)
                        if (STREQ(n->arr.items[k]->str.s, name))
                                return true;
        }
        return false;
}

static void test_seccomp_caps_and_arch(void **state)
{
        (void)state;
        if (access("/usr/share/containers/seccomp.json", R_OK) != 0)
                skip();
        char *dflt[] = {"CAP_CHOWN", "CAP_SETUID", NULL};
        char *admin[] = {"CAP_CHOWN", "CAP_SETUID", "CAP_SYS_ADMIN", NULL};
        struct err e = {0};
        struct json *a = translate_file("/usr/share/containers/seccomp.json", dflt, &e);
        struct json *b = translate_file("/usr/share/containers/seccomp.json", admin, &e);
        assert_non_null(a);
        assert_non_null(b);
        /* bpf is allowed only with CAP_SYS_ADMIN. */
        assert_true(has_rule(a, "bpf", "SCMP_ACT_ERRNO"));
        assert_false(has_rule(a, "bpf", "SCMP_ACT_ALLOW"));
        assert_true(has_rule(b, "bpf", "SCMP_ACT_ALLOW"));
        assert_false(has_rule(b, "bpf", "SCMP_ACT_ERRNO"));
        /* arch-conditional: arch_prctl on amd64, not the arm rules. */
        assert_true(has_rule(a, "arch_prctl", "SCMP_ACT_ALLOW"));
        assert_false(has_rule(a, "breakpoint", "SCMP_ACT_ALLOW"));
        const char *want = "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]";
        char *got = json_generate(json_object_get(a, "architectures"), 0);
        assert_string_equal(got, want);
        free(got);
        assert_int_equal(json_object_get_int(a, "defaultErrnoRet", 0), 38);
        /* arm64 gets its own list and rules. */
        struct ctr_seccomp_host arm = {.arch = "arm64", .kernel_release = "5.10"};
        struct json *c = NULL;
        assert_int_equal(ctr_seccomp_load("/usr/share/containers/seccomp.json", true, dflt, &arm,
                                          NULL, &c, &e),
                         0);
        got = json_generate(json_object_get(c, "architectures"), 0);
        assert_string_equal(got, "[\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_ARM\"]");
        free(got);
        assert_true(has_rule(c, "breakpoint", "SCMP_ACT_ALLOW"));
        assert_false(has_rule(c, "arch_prctl", "SCMP_ACT_ALLOW"));
        json_free(a);
        json_free(b);
        json_free(c);
}

/* The built-in fallback translates exactly like the file it stands in for. */
static void test_seccomp_builtin_matches_file(void **state)
{
        (void)state;
        if (access("/usr/share/containers/seccomp.json", R_OK) != 0)
                skip();
        char *caps[] = {"CAP_CHOWN", "CAP_SYS_CHROOT", "CAP_AUDIT_WRITE", NULL};
        struct err e = {0};
        struct json *f = translate_file("/usr/share/containers/seccomp.json", caps, &e);
        assert_non_null(f);
        struct json *p = ctr_seccomp_builtin_profile(), *b = NULL;
        assert_int_equal(ctr_seccomp_translate(p, "<built-in>", caps, &amd64, &b, &e), 0);
        assert_true(json_equal(f, b));
        json_free(f);
        json_free(b);
        json_free(p);
        /* A missing default file falls back; a missing explicit one fails. */
        struct json *x = NULL;
        assert_int_equal(
                ctr_seccomp_load("/nonexistent/seccomp.json", false, caps, &amd64, NULL, &x, &e),
                0);
        assert_non_null(x);
        json_free(x);
        x = NULL;
        assert_true(ctr_seccomp_load("/nonexistent/seccomp.json", true, caps, &amd64, NULL, &x,
                                     &e) < 0);
        assert_non_null(strstr(e.msg, "/nonexistent/seccomp.json"));
        err_done(&e);
        assert_int_equal(ctr_seccomp_load("unconfined", true, caps, &amd64, NULL, &x, &e), 0);
        assert_null(x);
}

static void expect_profile_error(const char *text, const char *want)
{
        struct json *out = NULL;
        struct err e = {0};
        char *caps[] = {NULL};
        int r = ctr_seccomp_translate_buf(text, strlen(text), "/x.json", caps, &amd64, &out, &e);
        if (r >= 0)
                fail_msg("accepted: %s", text);
        if (!strstr(e.msg, want))
                fail_msg("error '%s' lacks '%s'", e.msg, want);
        err_done(&e);
}

static void test_seccomp_malformed(void **state)
{
        (void)state;
        expect_profile_error("[]", "seccomp profile '/x.json': expected an object");
        expect_profile_error("{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
                             "defaultAction: unknown action");
        expect_profile_error(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"a\"],"
                "\"action\":\"SCMP_ACT_ALLOW\"},{},{},{\"names\":[\"b\"],\"action\":3}]}",
                "seccomp profile '/x.json': syscalls[1].action: missing");
        expect_profile_error(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"b\"],"
                "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":9,\"op\":"
                "\"SCMP_CMP_EQ\"}]}]}",
                "syscalls[0].args[0].index");
        expect_profile_error(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"b\"],"
                "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"op\":\"X\"}]}]}",
                "syscalls[0].args[0].op: unknown operator 'X'");
        expect_profile_error(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86\"],"
                "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86\"}]}",
                "both 'architectures' and 'archMap'");
        expect_profile_error(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"b\"],"
                "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"x.y\"}}]}",
                "includes.minKernel: invalid kernel version 'x.y'");
        expect_profile_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"name\":\"a\","
                             "\"names\":[\"b\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                             "both 'name' and 'names'");
        expect_profile_error("{\"defaultAction\":", "seccomp profile '/x.json': invalid JSON");
        expect_profile_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}",
                             "syscalls: expected an array");
}

static void test_seccomp_min_kernel(void **state)
{
        (void)state;
        const char *p = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"new\"],\"action\":\"SCMP_ACT_ALLOW\","
                        "\"includes\":{\"minKernel\":\"5.6\"}},"
                        "{\"names\":[\"old\"],\"action\":\"SCMP_ACT_ALLOW\","
                        "\"excludes\":{\"minKernel\":\"5.6\"}}]}";
        char *caps[] = {NULL};
        struct ctr_seccomp_host h = {.arch = "amd64", .kernel_release = "5.10.0-1"};
        struct json *out = NULL;
        assert_int_equal(ctr_seccomp_translate_buf(p, strlen(p), "k", caps, &h, &out, NULL), 0);
        assert_true(has_rule(out, "new", "SCMP_ACT_ALLOW"));
        assert_false(has_rule(out, "old", "SCMP_ACT_ALLOW"));
        json_free(out);
        h.kernel_release = "4.19.2";
        assert_int_equal(ctr_seccomp_translate_buf(p, strlen(p), "k", caps, &h, &out, NULL), 0);
        assert_false(has_rule(out, "new", "SCMP_ACT_ALLOW"));
        assert_true(has_rule(out, "old", "SCMP_ACT_ALLOW"));
        json_free(out);
}

/* The only entry of a cache directory (NULL if none or several). */
static char *cache_entry(const char *dir)
{
        DIR *d = opendir(dir);
        assert_non_null(d);
        char *found = NULL;
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                        n++;
                        free(found);
                        found = xasprintf("%s/%s", dir, de->d_name);
                }
        closedir(d);
        if (n != 1) {
                free(found);
                return NULL;
        }
        return found;
}

static struct json *load_cached(const char *path, char *const *caps,
                                const struct ctr_seccomp_host *h, const char *cache)
{
        struct json *out = NULL;
        struct err e = {0};
        assert_int_equal(ctr_seccomp_load(path, true, caps, h, cache, &out, &e), 0);
        assert_non_null(out);
        return out;
}

/* A translation comes back from the cache only for the same profile bytes,
 * capabilities, architecture and kernel; a damaged or hostile entry is a
 * miss that is translated again and replaced. */
static void test_seccomp_cache(void **state)
{
        (void)state;
        char *tmp = unit_tmpdir();
        char *prof = xasprintf("%s/p.json", tmp);
        char *cache = xasprintf("%s/run/berth/seccomp", tmp);
        const char *p = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
                        "{\"names\":[\"new\"],\"action\":\"SCMP_ACT_ALLOW\","
                        "\"includes\":{\"minKernel\":\"5.6\"}},"
                        "{\"names\":[\"bpf\"],\"action\":\"SCMP_ACT_ALLOW\","
                        "\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}";
        struct err e = {0};
        assert_int_equal(fs_write_atomic(AT_FDCWD, prof, p, strlen(p), 0644, &e), 0);
        char *caps[] = {"CAP_CHOWN", NULL};
        char *admin[] = {"CAP_CHOWN", "CAP_SYS_ADMIN", NULL};
        struct ctr_seccomp_host h = {.arch = "amd64", .kernel_release = "6.1.0"};

        /* A miss makes the directory and the entry; both give what no cache gives. */
        struct json *plain = load_cached(prof, caps, &h, NULL);
        struct json *first = load_cached(prof, caps, &h, cache);
        assert_true(json_equal(plain, first));
        char *entry = cache_entry(cache);
        assert_non_null(entry);
        struct stat st;
        assert_int_equal(stat(cache, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);

        /* A hit reads the entry: one edited behind the key's back shows. */
        size_t len = 0;
        char *text = NULL;
        assert_int_equal(fs_read_file(AT_FDCWD, entry, 0, &text, &len, &e), 0);
        size_t keylen = strtoull(strrchr(entry, '-') + 1, NULL, 10);
        assert_true(keylen < len);
        char *at = strstr(text + keylen, "\"SCMP_ACT_ERRNO\"");
        assert_non_null(at);
        memcpy(at, "\"SCMP_ACT_KILL\" ", strlen("\"SCMP_ACT_KILL\" "));
        assert_int_equal(fs_write_atomic(AT_FDCWD, entry, text, len, 0600, &e), 0);
        struct json *hit = load_cached(prof, caps, &h, cache);
        assert_string_equal(json_object_get_string(hit, "defaultAction"), "SCMP_ACT_KILL");
        json_free(hit);

        /* Another capability set, kernel or profile: not that entry. */
        struct json *x = load_cached(prof, admin, &h, cache);
        assert_true(has_rule(x, "bpf", "SCMP_ACT_ALLOW"));
        assert_string_equal(json_object_get_string(x, "defaultAction"), "SCMP_ACT_ERRNO");
        json_free(x);
        h.kernel_release = "5.4.0";
        x = load_cached(prof, caps, &h, cache);
        assert_false(has_rule(x, "new", "SCMP_ACT_ALLOW"));
        assert_string_equal(json_object_get_string(x, "defaultAction"), "SCMP_ACT_ERRNO");
        json_free(x);
        h.kernel_release = "6.1.0";
        const char *p2 = "{\"defaultAction\":\"SCMP_ACT_LOG\"}";
        assert_int_equal(fs_write_atomic(AT_FDCWD, prof, p2, strlen(p2), 0644, &e), 0);
        x = load_cached(prof, caps, &h, cache);
        assert_string_equal(json_object_get_string(x, "defaultAction"), "SCMP_ACT_LOG");
        json_free(x);
        assert_int_equal(fs_write_atomic(AT_FDCWD, prof, p, strlen(p), 0644, &e), 0);

        /* Damaged entries: cut inside the key, cut after it, not JSON, not
         * an object. Each is translated again and replaced by a whole one. */
        const size_t cuts[] = {keylen / 2, keylen, keylen + 3};
        for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
                assert_int_equal(truncate(entry, (off_t)cuts[i]), 0);
                x = load_cached(prof, caps, &h, cache);
                assert_true(json_equal(plain, x));
                json_free(x);
                assert_int_equal(stat(entry, &st), 0);
                assert_true((size_t)st.st_size > keylen);
        }
        char *junk = xmalloc(keylen + 2);
        int fd = open(entry, O_RDONLY);
        assert_true(fd >= 0);
        assert_int_equal(read(fd, junk, keylen), (ssize_t)keylen);
        close(fd);
        memcpy(junk + keylen, "[]", 2);
        assert_int_equal(fs_write_atomic(AT_FDCWD, entry, junk, keylen + 2, 0600, &e), 0);
        x = load_cached(prof, caps, &h, cache);
        assert_true(json_equal(plain, x));
        json_free(x);
        free(junk);

        /* Hostile entries: a link to the right content elsewhere, a FIFO
         * (no hang) and a directory are misses, and are left alone. */
        char *elsewhere = xasprintf("%s/elsewhere", tmp);
        assert_int_equal(rename(entry, elsewhere), 0);
        assert_int_equal(symlink(elsewhere, entry), 0);
        x = load_cached(prof, caps, &h, cache);
        assert_true(json_equal(plain, x));
        json_free(x);
        assert_int_equal(lstat(entry, &st), 0);
        assert_false(S_ISLNK(st.st_mode)); /* the miss replaced the link */
        assert_int_equal(unlink(entry), 0);
        assert_int_equal(mkfifo(entry, 0600), 0);
        x = load_cached(prof, caps, &h, cache);
        assert_true(json_equal(plain, x));
        json_free(x);
        assert_int_equal(unlink(entry), 0);
        assert_int_equal(mkdir(entry, 0700), 0);
        x = load_cached(prof, caps, &h, cache);
        assert_true(json_equal(plain, x));
        json_free(x);
        assert_int_equal(rmdir(entry), 0);

        /* Many kernels: the directory is emptied, not grown without end. */
        for (int i = 0; i < 40; i++) {
                char rel[32];
                snprintf(rel, sizeof(rel), "6.%d.0", i);
                h.kernel_release = rel;
                json_free(load_cached(prof, caps, &h, cache));
        }
        DIR *d = opendir(cache);
        int n = 0;
        struct dirent *de;
        while ((de = readdir(d)))
                n += de->d_name[0] != '.';
        closedir(d);
        assert_true(n > 0 && n <= 32);

        json_free(plain);
        json_free(first);
        free(text);
        free(entry);
        free(elsewhere);
        free(prof);
        free(cache);
        unit_rmtree(tmp);
        free(tmp);
}

/* ---------------------------------------------------------------- ulimits */

static void test_ulimit_parse(void **state)
{
        (void)state;
        struct ctr_rlimit r;
        struct err e = {0};
        assert_int_equal(ctr_ulimit_parse("nofile=100:200", &r, &e), 0);
        assert_int_equal(r.resource, RLIMIT_NOFILE);
        assert_int_equal(r.soft, 100);
        assert_int_equal(r.hard, 200);
        assert_int_equal(ctr_ulimit_parse("core=-1", &r, &e), 0);
        assert_true(r.soft == CTR_RLIM_UNLIMITED && r.hard == CTR_RLIM_UNLIMITED);
        assert_int_equal(ctr_ulimit_parse("stack=10:-1", &r, &e), 0);
        assert_true(r.soft == 10 && r.hard == CTR_RLIM_UNLIMITED);
        static const char *const bad[] = {"nofile",      "bogus=1",     "nofile=x", "nofile=1:y",
                                          "nofile=2:1",  "nofile=-2",   "nofile=",  "=1",
                                          "nofile=-1:5", "nofile=1:2:3"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                if (ctr_ulimit_parse(bad[i], &r, &e) == 0)
                        fail_msg("accepted --ulimit %s", bad[i]);
                assert_non_null(strstr(e.msg, "ulimit"));
                err_done(&e);
        }
}

static const struct json *rl_find(const struct json *a, const char *type)
{
        for (size_t i = 0; i < a->arr.len; i++)
                if (STREQ(json_object_get_string(a->arr.items[i], "type"), type))
                        return a->arr.items[i];
        return NULL;
}

static void test_ulimit_clamp(void **state)
{
        (void)state;
        struct ctr_host_limits h = test_limits();
        struct json *a = NULL;
        struct err e = {0};
        /* Defaults above the hard limit are clamped, not an error. */
        char *dflt[] = {"nofile=1048576:1048576", NULL};
        assert_int_equal(ctr_rlimits_build(NULL, dflt, false, &h, &a, &e), 0);
        assert_int_equal(json_object_get_int(rl_find(a, "RLIMIT_NOFILE"), "hard", 0), 20000);
        assert_int_equal(json_object_get_int(rl_find(a, "RLIMIT_NOFILE"), "soft", 0), 20000);
        /* podman adds NPROC when any ulimit is set. */
        assert_int_equal(json_object_get_int(rl_find(a, "RLIMIT_NPROC"), "hard", 0), 1048576);
        json_free(a);
        /* No ulimits at all: podman's NOFILE maximum, clamped; no NPROC as root. */
        assert_int_equal(ctr_rlimits_build(NULL, NULL, false, &h, &a, &e), 0);
        assert_int_equal(a->arr.len, 1);
        assert_int_equal(json_object_get_int(rl_find(a, "RLIMIT_NOFILE"), "hard", 0), 20000);
        json_free(a);
        /* Rootless: the limits berth runs under. */
        assert_int_equal(ctr_rlimits_build(NULL, NULL, true, &h, &a, &e), 0);
        assert_int_equal(json_object_get_int(rl_find(a, "RLIMIT_NOFILE"), "soft", 0), 1024);
        assert_int_equal(json_object_get_int(rl_find(a, "RLIMIT_NOFILE"), "hard", 0), 20000);
        assert_non_null(rl_find(a, "RLIMIT_NPROC"));
        json_free(a);
        /* Explicit values above it are an error that says so. */
        char *ul[] = {"nofile=1048576:1048576", NULL};
        assert_true(ctr_rlimits_build(ul, dflt, false, &h, &a, &e) < 0);
        assert_string_equal(e.msg, "ulimit nofile=1048576:1048576: above the hard limit 20000, "
                                   "which berth may not raise");
        err_done(&e);
        /* ... unless berth may raise it. */
        h.may_raise = true;
        assert_int_equal(ctr_rlimits_build(ul, NULL, false, &h, &a, &e), 0);
        assert_int_equal(json_object_get_int(rl_find(a, "RLIMIT_NOFILE"), "hard", 0), 1048576);
        json_free(a);
        /* A bad default names containers.conf. */
        char *bad[] = {"nofile=abc", NULL};
        assert_true(ctr_rlimits_build(NULL, bad, false, &h, &a, &e) < 0);
        assert_non_null(strstr(e.msg, "containers.conf default_ulimits"));
        err_done(&e);
}

/* ---------------------------------------------------------------- users */

static int open_dir(const char *d)
{
        int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void test_user_resolve(void **state)
{
        (void)state;
        char *root = make_rootfs();
        int fd = open_dir(root);
        struct ctr_user u;
        struct err e = {0};
        char *ga[] = {"65534", "wheel", NULL};
        assert_int_equal(ctr_user_resolve(fd, "bob", ga, &u, &e), 0);
        assert_int_equal(u.uid, 1000);
        assert_int_equal(u.gid, 1000);
        assert_int_equal(u.n_gids, 3); /* 1000, 10 (wheel lists bob), 65534 */
        assert_int_equal(u.gids[0], 1000);
        assert_int_equal(u.gids[1], 10);
        assert_int_equal(u.gids[2], 65534);
        assert_string_equal(u.home, "/home/bob");
        ctr_user_done(&u);
        assert_int_equal(ctr_user_resolve(fd, "1000:nogroup", NULL, &u, &e), 0);
        assert_int_equal(u.gid, 65534);
        assert_int_equal(u.n_gids, 1);
        ctr_user_done(&u);
        assert_int_equal(ctr_user_resolve(fd, "4242", NULL, &u, &e), 0);
        assert_int_equal(u.uid, 4242);
        assert_int_equal(u.gid, 0);
        assert_null(u.home);
        ctr_user_done(&u);
        assert_int_equal(ctr_user_resolve(fd, NULL, NULL, &u, &e), 0);
        assert_int_equal(u.n_gids, 0);
        assert_string_equal(u.home, "/root");
        ctr_user_done(&u);
        assert_true(ctr_user_resolve(fd, "foo", NULL, &u, &e) < 0);
        assert_string_equal(e.msg, "unable to find user foo: no matching entries in passwd file");
        err_done(&e);
        assert_true(ctr_user_resolve(fd, "bob:nosuch", NULL, &u, &e) < 0);
        assert_string_equal(e.msg,
                            "unable to find group nosuch: no matching entries in group file");
        err_done(&e);
        assert_true(ctr_user_resolve(fd, "99999999999", NULL, &u, &e) < 0);
        err_done(&e);
        close(fd);
        unit_rmtree(root);
        free(root);
}

static void test_user_hostile(void **state)
{
        (void)state;
        char *root = unit_tmpdir();
        char *etc = xasprintf("%s/etc", root);
        assert_int_equal(mkdir(etc, 0755), 0);
        /* /etc/passwd -> /etc/shadow must name the rootfs's file, not the host's;
         * the rootfs has a shadow file that looks like passwd to prove it. */
        write_file(root, "etc/shadow", "evil:x:4321:4321::/evil:/bin/sh\n");
        char *pw = xasprintf("%s/passwd", etc);
        assert_int_equal(symlink("/etc/shadow", pw), 0);
        /* group: a FIFO that would block a naive reader. */
        char *gr = xasprintf("%s/group", etc);
        assert_int_equal(mkfifo(gr, 0644), 0);
        int fd = open_dir(root);
        struct ctr_user u;
        struct err e = {0};
        assert_int_equal(ctr_user_resolve(fd, "evil", NULL, &u, &e), 0);
        assert_int_equal(u.uid, 4321);
        ctr_user_done(&u);
        /* root is in the host's /etc/shadow but not in the rootfs's. */
        assert_true(ctr_user_resolve(fd, "root", NULL, &u, &e) < 0);
        err_done(&e);
        /* ../../ escapes stay inside; malformed lines are skipped. */
        unlink(pw);
        assert_int_equal(symlink("../../../../../../etc/passwd", pw), 0);
        assert_true(ctr_user_resolve(fd, "root", NULL, &u, &e) < 0);
        err_done(&e);
        unlink(pw);
        write_file(root, "etc/passwd",
                   "bad\n::\nx:x:notanumber:1::/:/bin/sh\n:x:5:5::/:\n# comment\n"
                   "+nis\nok:x:7:8::/home/ok:/bin/sh\nlong:x:99999999999:1::/:/bin/sh\n");
        assert_int_equal(ctr_user_resolve(fd, "ok", NULL, &u, &e), 0);
        assert_int_equal(u.uid, 7);
        assert_int_equal(u.gid, 8);
        ctr_user_done(&u);
        assert_true(ctr_user_resolve(fd, "long", NULL, &u, &e) < 0);
        err_done(&e);
        /* A directory as /etc/passwd reads as empty. */
        unlink(pw);
        assert_int_equal(mkdir(pw, 0755), 0);
        assert_int_equal(ctr_user_resolve(fd, "1", NULL, &u, &e), 0);
        ctr_user_done(&u);
        close(fd);
        free(pw);
        free(gr);
        free(etc);
        unit_rmtree(root);
        free(root);
}

/* ---------------------------------------------------------------- spec */

static void test_spec_privileged(void **state)
{
        (void)state;
        char *root = make_rootfs();
        struct config *c = load_conf();
        struct ctr_spec_opts o;
        base_opts(&o, root);
        o.cmd = sh_cmd;
        o.privileged = true;
        struct json *s = build_ok(&o, NULL, c);
        struct json *lx = json_object_get(s, "linux");
        assert_null(json_object_get(lx, "seccomp"));
        assert_null(json_object_get(lx, "maskedPaths"));
        assert_null(json_object_get(lx, "readonlyPaths"));
        struct json *bnd = json_get_path(s, "process.capabilities.bounding");
        assert_int_equal(bnd->arr.len, 40); /* TEST_CAPBND: 41 caps but SYS_RESOURCE */
        struct json *dev = json_get_path(s, "linux.resources.devices");
        assert_int_equal(dev->arr.len, 1);
        assert_true(json_object_get_bool(dev->arr.items[0], "allow", false));
        assert_non_null(json_object_get(lx, "devices")); /* the host's /dev */
        json_free(s);
        config_free(c);
        unit_rmtree(root);
        free(root);
}

static void test_spec_sysctl(void **state)
{
        (void)state;
        char *root = make_rootfs();
        struct config *c = load_conf();
        struct ctr_spec_opts o;
        base_opts(&o, root);
        o.cmd = sh_cmd;
        char *sysctls[] = {"net.ipv4.ping_group_range=1 1", "kernel.shmmax=1000",
                           "kernel.shmmax=2000", NULL};
        o.sysctls = sysctls;
        struct json *s = build_ok(&o, NULL, c);
        struct json *sc = json_get_path(s, "linux.sysctl");
        assert_non_null(sc);
        assert_int_equal(sc->obj.len, 2);
        assert_string_equal(json_object_get_string(sc, "net.ipv4.ping_group_range"), "1 1");
        /* The last of one name wins, as podman's map. */
        assert_string_equal(json_object_get_string(sc, "kernel.shmmax"), "2000");
        json_free(s);
        config_free(c);
        unit_rmtree(root);
        free(root);
}

/* --cpuset-*, --cpu-period/--cpu-quota, --memory-reservation and
 * --oom-score-adj where runc and crun read them. */
static void test_spec_resources_more(void **state)
{
        (void)state;
        char *root = make_rootfs();
        struct config *c = load_conf();
        struct ctr_spec_opts o;
        base_opts(&o, root);
        o.cmd = sh_cmd;
        o.cpuset_cpus = "0-1";
        o.cpuset_mems = "0";
        o.cpu_period = 50000;
        o.cpu_quota = 25000;
        o.memory_reservation = 20 << 20;
        o.oom_score_adj = -5;
        o.oom_score_adj_set = true;
        struct json *s = build_ok(&o, NULL, c);
        const struct json *cpu = json_get_path(s, "linux.resources.cpu");
        assert_string_equal(json_object_get_string(cpu, "cpus"), "0-1");
        assert_string_equal(json_object_get_string(cpu, "mems"), "0");
        assert_int_equal(json_object_get_int(cpu, "period", 0), 50000);
        assert_int_equal(json_object_get_int(cpu, "quota", 0), 25000);
        const struct json *mem = json_get_path(s, "linux.resources.memory");
        assert_int_equal(json_object_get_int(mem, "reservation", 0), 20 << 20);
        /* A reservation alone sets no limit (nor podman's default swap). */
        assert_null(json_object_get(mem, "limit"));
        assert_null(json_object_get(mem, "swap"));
        assert_int_equal(json_object_get_int(json_object_get(s, "process"), "oomScoreAdj", 0), -5);
        json_free(s);
        /* Unset: none of them is written. */
        base_opts(&o, root);
        o.cmd = sh_cmd;
        s = build_ok(&o, NULL, c);
        assert_null(json_get_path(s, "linux.resources.cpu"));
        assert_null(json_get_path(s, "linux.resources.memory"));
        assert_null(json_get_path(s, "process.oomScoreAdj"));
        json_free(s);
        config_free(c);
        unit_rmtree(root);
        free(root);
}

static void test_sysctl_check(void **state)
{
        (void)state;
        static const char *const good[] = {"net.ipv4.ip_forward=1", "kernel.sem=1 2 3 4",
                                           "fs.mqueue.msg_max=20", "kernel.shm_rmid_forced=1",
                                           "net.core.somaxconn="};
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                struct err e = {0};
                if (ctr_sysctl_check(good[i], "none", &e) < 0)
                        fail_msg("refused '%s': %s", good[i], e.msg);
        }
        /* podman 4.3.1's texts. */
        static const struct {
                const char *in, *net, *msg;
        } bad[] = {
                {"foo", "none", "foo is invalid, sysctl values must be in the form of KEY=VALUE"},
                {"vm.swappiness=1", "none", "sysctl 'vm.swappiness' is not allowed"},
                {"kernel.hostname=x", "none", "sysctl 'kernel.hostname' is not allowed"},
                {"=1", "none", "sysctl '' is not allowed"},
                {"kernel.shmmaxx=1", "none", "sysctl 'kernel.shmmaxx' is not allowed"},
                {"net.ipv4.ip_forward =1", "none",
                 "'net.ipv4.ip_forward =1' is invalid, extra spaces found"},
                {"net.ipv4.ip_forward= 1", "none",
                 "'net.ipv4.ip_forward= 1' is invalid, extra spaces found"},
                {"net.ipv4.ip_forward=1", "host",
                 "sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct err e = {0};
                assert_int_equal(ctr_sysctl_check(bad[i].in, bad[i].net, &e), -EINVAL);
                assert_string_equal(e.msg, bad[i].msg);
                err_done(&e);
        }
        /* Not the host's network: an IPC sysctl and a net one are fine with it. */
        struct err e = {0};
        assert_int_equal(ctr_sysctl_check("kernel.msgmax=1", "host", &e), 0);
        assert_int_equal(ctr_sysctl_check("net.ipv4.ip_forward=1", "container:x", &e), 0);
}

static void test_spec_init_and_order(void **state)
{
        (void)state;
        char *root = make_rootfs();
        struct ctr_spec_opts o;
        base_opts(&o, root);
        o.cmd = sh_cmd;
        o.init_path = "/usr/bin/catatonit";
        o.shm_path = NULL;
        o.shm_size = 1 << 30;
        struct json *s = build_ok(&o, NULL, NULL);
        char *args = json_generate(json_get_path(s, "process.args"), 0);
        assert_string_equal(args, "[\"/run/berth-init\",\"--\",\"sh\"]");
        free(args);
        /* Parents come before what lies below them. */
        struct json *m = json_object_get(s, "mounts");
        size_t last = 0;
        bool shm = false;
        for (size_t i = 0; i < m->arr.len; i++) {
                const char *d = json_object_get_string(m->arr.items[i], "destination");
                size_t depth = 0;
                for (const char *p = d; *p; p++)
                        depth += *p == '/';
                assert_true(depth >= last);
                last = depth;
                if (STREQ(d, "/dev/shm")) {
                        char *opts = json_generate(json_object_get(m->arr.items[i], "options"), 0);
                        assert_non_null(strstr(opts, "size=1048576k"));
                        free(opts);
                        shm = true;
                }
        }
        assert_true(shm);
        /* Without a config: podman's compiled-in capabilities. */
        assert_int_equal(json_get_path(s, "process.capabilities.bounding")->arr.len, 14);
        json_free(s);
        unit_rmtree(root);
        free(root);
}

static void expect_build_error(void (*tweak)(struct ctr_spec_opts *), const char *want)
{
        char *root = make_rootfs();
        struct ctr_spec_opts o;
        base_opts(&o, root);
        o.cmd = sh_cmd;
        tweak(&o);
        struct json *s = NULL;
        struct err e = {0};
        if (ctr_spec_build(&o, NULL, NULL, &s, &e) == 0)
                fail_msg("accepted, expected '%s'", want);
        if (!strstr(e.msg, want))
                fail_msg("error '%s' lacks '%s'", e.msg, want);
        err_done(&e);
        unit_rmtree(root);
        free(root);
}

static void bad_cap(struct ctr_spec_opts *o)
{
        static char *v[] = {"CAP_NOPE", NULL};
        o->cap_add = v;
}
static void bad_cap_both(struct ctr_spec_opts *o)
{
        static char *v[] = {"NET_ADMIN", NULL};
        o->cap_add = o->cap_drop = v;
}
static void bad_secopt(struct ctr_spec_opts *o)
{
        static char *v[] = {"bogus=1", NULL};
        o->security_opt = v;
}
static void bad_device(struct ctr_spec_opts *o)
{
        static char *v[] = {"/dev/null:/x:rwz", NULL};
        o->devices = v;
}
static void bad_ulimit(struct ctr_spec_opts *o)
{
        static char *v[] = {"nofile=30000:30000", NULL};
        o->ulimits = v;
}
static void bad_mount(struct ctr_spec_opts *o)
{
        static const struct ctr_mount m[] = {{.destination = "rel", .type = "bind", .source = "/"}};
        o->mounts = m;
        o->n_mounts = 1;
}
static void bad_cmd(struct ctr_spec_opts *o)
{
        o->cmd = NULL;
}
static void bad_memory(struct ctr_spec_opts *o)
{
        o->memory = 1024;
}
static void bad_user(struct ctr_spec_opts *o)
{
        o->user = "nobodyhere";
}
static void bad_workdir(struct ctr_spec_opts *o)
{
        o->workdir = "relative";
}

/* ctr_spec_own_netns (the hint a monitor started ahead gets) says what the
 * built spec has: a network namespace without a path, and no user one. */
/* The linux.namespaces entry of type, "" when there is none; *path its path. */
static const char *ns_entry(const struct json *spec, const char *type, const char **path)
{
        const struct json *ns = json_get_path(spec, "linux.namespaces");
        for (size_t k = 0; ns && k < ns->arr.len; k++)
                if (STREQ(json_object_get_string(ns->arr.items[k], "type"), type)) {
                        *path = json_object_get_string(ns->arr.items[k], "path");
                        return type;
                }
        *path = NULL;
        return "";
}

/* The mount of spec at dest: its type, or NULL. */
static const char *mount_type(const struct json *spec, const char *dest, const char **src)
{
        const struct json *ms = json_object_get(spec, "mounts");
        for (size_t k = 0; ms && k < ms->arr.len; k++)
                if (STREQ(json_object_get_string(ms->arr.items[k], "destination"), dest)) {
                        *src = json_object_get_string(ms->arr.items[k], "source");
                        return json_object_get_string(ms->arr.items[k], "type");
                }
        return NULL;
}

static void test_spec_ns_modes(void **state)
{
        (void)state;
        char *root = make_rootfs();
        struct config *c = load_conf();
        struct ctr_spec_opts o;
        base_opts(&o, root);
        o.cmd = sh_cmd;
        o.pid = "host";
        o.ipc = "host";
        o.uts = "container:abc";
        o.uts_ns_path = "/proc/42/ns/uts";
        o.uts_hostname = "other";
        struct json *s = build_ok(&o, NULL, c);
        const char *path, *src;
        assert_string_equal(ns_entry(s, "pid", &path), "");
        assert_string_equal(ns_entry(s, "ipc", &path), "");
        assert_string_equal(ns_entry(s, "uts", &path), "uts");
        assert_string_equal(path, "/proc/42/ns/uts");
        /* A shared UTS namespace keeps its name: none in the spec, the
         * owner's in $HOSTNAME. */
        assert_null(json_object_get(s, "hostname"));
        _cleanup_free_ char *hn = ctr_spec_hostname(&o);
        assert_string_equal(hn, "other");
        /* --ipc host: the host's /dev/shm. */
        assert_string_equal(mount_type(s, "/dev/shm", &src), "bind");
        assert_string_equal(src, "/dev/shm");
        json_free(s);

        base_opts(&o, root);
        o.cmd = sh_cmd;
        o.pid = "ns:/proc/7/ns/pid";
        o.pid_ns_path = "/proc/7/ns/pid";
        o.ipc = "none";
        o.uts = "host";
        s = build_ok(&o, NULL, c);
        assert_string_equal(ns_entry(s, "pid", &path), "pid");
        assert_string_equal(path, "/proc/7/ns/pid");
        assert_string_equal(ns_entry(s, "ipc", &path), "ipc");
        assert_null(path);
        assert_string_equal(ns_entry(s, "uts", &path), "");
        assert_null(mount_type(s, "/dev/shm", &src));
        assert_null(json_object_get(s, "hostname"));
        _cleanup_free_ char *hn2 = ctr_spec_hostname(&o);
        assert_string_equal(hn2, "testhost");
        json_free(s);
        config_free(c);
        unit_rmtree(root);
        free(root);
}

static void test_spec_own_netns(void **state)
{
        (void)state;
        static const struct {
                const char *network;
                bool userns, want;
        } cases[] = {
                {NULL, false, true},    {"none", false, true},  {"private", false, true},
                {"pasta", false, true}, {"host", false, false}, {"ns:/proc/1/ns/net", false, false},
                {"none", true, false},  {NULL, true, false},
        };
        char *root = make_rootfs();
        struct config *c = load_conf();
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct ctr_spec_opts o;
                base_opts(&o, root);
                o.cmd = sh_cmd;
                o.network = cases[i].network;
                if (cases[i].userns)
                        tw_userns(&o);
                struct json *spec = build_ok(&o, NULL, c);
                const struct json *ns = json_get_path(spec, "linux.namespaces");
                bool net = false, user = false;
                for (size_t k = 0; ns && k < ns->arr.len; k++) {
                        const char *t = json_object_get_string(ns->arr.items[k], "type");
                        if (STREQ(t, "network") && !json_object_get(ns->arr.items[k], "path"))
                                net = true;
                        if (STREQ(t, "user"))
                                user = true;
                }
                assert_int_equal(ctr_spec_own_netns(&o), cases[i].want);
                assert_int_equal(net && !user, cases[i].want);
                json_free(spec);
        }
        /* An unknown mode is no hint (and the build refuses it). */
        struct ctr_spec_opts o;
        base_opts(&o, root);
        o.network = "bogus";
        assert_false(ctr_spec_own_netns(&o));
        config_free(c);
        unit_rmtree(root);
        free(root);
}

static void test_spec_errors(void **state)
{
        (void)state;
        expect_build_error(bad_cap, "\"CAP_NOPE\": unknown capability");
        expect_build_error(bad_cap_both, "cannot be dropped and added");
        expect_build_error(bad_secopt, "invalid --security-opt 'bogus=1'");
        expect_build_error(bad_device, "invalid device mode: rwz");
        expect_build_error(bad_ulimit, "above the hard limit 20000, which berth may not raise");
        expect_build_error(bad_mount, "must be an absolute path");
        expect_build_error(bad_cmd, "no command or entrypoint provided");
        expect_build_error(bad_memory, "minimum memory limit allowed is 6MB");
        expect_build_error(bad_user, "unable to find user nobodyhere");
        expect_build_error(bad_workdir, "needs to be an absolute path");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden_plain),
                cmocka_unit_test(test_golden_img),
                cmocka_unit_test(test_golden_tty),
                cmocka_unit_test(test_golden_caps),
                cmocka_unit_test(test_golden_ro),
                cmocka_unit_test(test_golden_res),
                cmocka_unit_test(test_golden_dev),
                cmocka_unit_test(test_golden_mounts),
                cmocka_unit_test(test_golden_userns),
                cmocka_unit_test(test_golden_misc),
                cmocka_unit_test(test_seccomp_caps_and_arch),
                cmocka_unit_test(test_seccomp_builtin_matches_file),
                cmocka_unit_test(test_seccomp_malformed),
                cmocka_unit_test(test_seccomp_min_kernel),
                cmocka_unit_test(test_seccomp_cache),
                cmocka_unit_test(test_ulimit_parse),
                cmocka_unit_test(test_spec_sysctl),
                cmocka_unit_test(test_sysctl_check),
                cmocka_unit_test(test_spec_resources_more),
                cmocka_unit_test(test_spec_ns_modes),
                cmocka_unit_test(test_ulimit_clamp),
                cmocka_unit_test(test_user_resolve),
                cmocka_unit_test(test_user_hostile),
                cmocka_unit_test(test_spec_privileged),
                cmocka_unit_test(test_spec_init_and_order),
                cmocka_unit_test(test_spec_errors),
                cmocka_unit_test(test_spec_own_netns),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
