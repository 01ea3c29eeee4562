/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroups: linux.resources parsing (valid and hostile), the host layout
 * parsers and path computation on a fake tree, and, as root, a real
 * container cgroup on this host: limits read back from cgroupfs, a child
 * moved in, listed, frozen, thawed, and everything removed.
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "unit.h"

#include "cgroup-internal.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static struct rt_resources *parse_ok(const char *text)
{
        struct json *j = NULL;
        struct err e = {0};
        assert_int_equal(json_parse(text, strlen(text), &j, &e), 0);
        struct rt_resources *r = NULL;
        int ret = rt_resources_parse(j, &r, &e);
        if (ret < 0)
                fail_msg("parse failed: %s", e.msg);
        json_free(j);
        err_done(&e);
        return r;
}

/* Parse must fail with a message containing want. */
static void parse_bad(const char *text, const char *want)
{
        struct json *j = NULL;
        struct err e = {0};
        assert_int_equal(json_parse(text, strlen(text), &j, &e), 0);
        struct rt_resources *r = NULL;
        int ret = rt_resources_parse(j, &r, &e);
        if (ret >= 0)
                fail_msg("'%s' parsed but should fail with '%s'", text, want);
        assert_null(r);
        if (!e.msg || !strstr(e.msg, want))
                fail_msg("'%s': error '%s' lacks '%s'", text, e.msg ? e.msg : "(none)", want);
        json_free(j);
        err_done(&e);
}

static void write_text(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        close(fd);
}

static char *read_text(const char *dir, const char *file)
{
        char *s = NULL;
        struct err e = {0};
        if (rt_cg_read(dir, file, &s, &e) < 0)
                fail_msg("%s", e.msg);
        return s;
}

/* ------------------------------------------------------------------------
 * Parsing linux.resources
 * ------------------------------------------------------------------------ */

static void test_parse_full(void **state)
{
        (void)state;
        struct rt_resources *r = parse_ok(
                "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"wr\"},"
                "{\"allow\":true,\"type\":\"b\",\"major\":-1}],"
                "\"memory\":{\"limit\":67108864,\"reservation\":0,\"swap\":-1,\"kernelTCP\":1024,"
                "\"swappiness\":18446744073709551615,\"disableOOMKiller\":false,"
                "\"checkBeforeUpdate\":true},"
                "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"burst\":0,"
                "\"realtimeRuntime\":-1,\"cpus\":\"0-1,3\",\"mems\":\"0\",\"idle\":1},"
                "\"pids\":{\"limit\":10},"
                "\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":8,\"minor\":0,"
                "\"weight\":300}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
                "\"rate\":1048576}]},"
                "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":209715200}],"
                "\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\","
                "\"priority\":5}]},"
                "\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3}},"
                "\"unified\":{\"memory.high\":\"50M\",\"io.max\":\"8:0 rbps=1\"}}");
        assert_int_equal(r->n_devices, 3);
        assert_false(r->devices[0].allow);
        assert_int_equal(r->devices[0].type, 'a');
        assert_string_equal(r->devices[0].access, "rwm");
        assert_int_equal(r->devices[1].major, 1);
        assert_string_equal(r->devices[1].access, "rw");
        assert_int_equal(r->devices[2].minor, RT_CG_ANY);
        assert_true(r->has_mem_limit);
        assert_int_equal(r->mem_limit, 67108864);
        assert_false(r->has_mem_reservation); /* 0 is "not set" */
        assert_true(r->has_mem_swap);
        assert_int_equal(r->mem_swap, -1);
        assert_false(r->has_mem_kernel);
        assert_true(r->has_mem_kernel_tcp);
        assert_false(r->has_mem_swappiness); /* docker's (uint64)-1 */
        assert_true(r->has_disable_oom_killer);
        assert_false(r->disable_oom_killer);
        assert_false(r->has_use_hierarchy);
        assert_true(r->check_before_update);
        assert_int_equal(r->cpu_shares, 512);
        assert_int_equal(r->cpu_quota, 50000);
        assert_true(r->has_cpu_burst);
        assert_int_equal(r->cpu_burst, 0);
        assert_true(r->has_rt_runtime);
        assert_false(r->has_rt_period);
        assert_string_equal(r->cpus, "0-1,3");
        assert_int_equal(r->cpu_idle, 1);
        assert_true(r->has_pids_limit);
        assert_int_equal(r->pids_limit, 10);
        assert_int_equal(r->blkio_weight, 500);
        assert_false(r->has_blkio_leaf_weight);
        assert_int_equal(r->n_weight_devices, 1);
        assert_int_equal(r->weight_devices[0].weight, 300);
        assert_int_equal(r->n_throttle[RT_THROTTLE_READ_BPS], 1);
        assert_int_equal(r->throttle[RT_THROTTLE_READ_BPS][0].rate, 1048576);
        assert_string_equal(r->hugepages[0].page_size, "2MB");
        assert_int_equal(r->net_class_id, 1048577);
        assert_string_equal(r->net_prios[0].name, "eth0");
        assert_string_equal(r->rdma[0].device, "mlx5_1");
        assert_true(r->rdma[0].has_handles);
        assert_false(r->rdma[0].has_objects);
        _cleanup_free_ char *line = rt_res_rdma_line(&r->rdma[0]);
        assert_string_equal(line, "mlx5_1 hca_handle=3 hca_object=max");
        assert_int_equal(r->n_unified, 2);
        assert_string_equal(r->unified_keys[1], "io.max");
        assert_string_equal(r->unified_values[1], "8:0 rbps=1");
        assert_false(rt_resources_empty(r));
        rt_resources_free(r);
}

static void test_parse_empty(void **state)
{
        (void)state;
        struct rt_resources *r = NULL;
        assert_int_equal(rt_resources_parse(NULL, &r, NULL), 0);
        assert_true(rt_resources_empty(r));
        _cleanup_free_ char *d = rt_resources_describe(r);
        assert_string_equal(d, "");
        rt_resources_free(r);
        r = parse_ok("{\"memory\":{},\"cpu\":{\"shares\":0},\"devices\":[]}");
        assert_true(rt_resources_empty(r));
        rt_resources_free(r);
}

static void test_parse_malformed(void **state)
{
        (void)state;
        parse_bad("[]", "linux.resources: expected an object, got array");
        parse_bad("{\"memory\":[]}", "linux.resources.memory: expected an object");
        parse_bad("{\"memory\":{\"limit\":\"64m\"}}",
                  "linux.resources.memory.limit: expected an integer, got string");
        parse_bad("{\"memory\":{\"limit\":-2}}", "linux.resources.memory.limit: -2 out of range");
        parse_bad("{\"memory\":{\"limit\":1e30}}", "linux.resources.memory.limit");
        parse_bad("{\"memory\":{\"limit\":99999999999999999999}}", "linux.resources.memory.limit");
        parse_bad("{\"memory\":{\"swappiness\":101}}",
                  "linux.resources.memory.swappiness: 101 out of range");
        parse_bad("{\"memory\":{\"disableOOMKiller\":1}}",
                  "memory.disableOOMKiller: expected a boolean");
        parse_bad("{\"cpu\":{\"shares\":-5}}", "linux.resources.cpu.shares: -5 out of range");
        parse_bad("{\"cpu\":{\"shares\":1}}", "linux.resources.cpu.shares: 1 out of range");
        parse_bad("{\"cpu\":{\"shares\":262145}}", "cpu.shares: 262145 out of range");
        parse_bad("{\"cpu\":{\"quota\":500}}", "cpu.quota: 500 is below the minimum");
        parse_bad("{\"cpu\":{\"period\":2000000}}", "cpu.period: 2000000 out of range");
        parse_bad("{\"cpu\":{\"idle\":2}}", "cpu.idle: 2 out of range");
        parse_bad("{\"cpu\":{\"cpus\":\"0-3;reboot\"}}", "cpu.cpus: not a list");
        parse_bad("{\"cpu\":{\"mems\":\"1-\"}}", "cpu.mems: not a list");
        parse_bad("{\"pids\":{\"limit\":1.5}}", "linux.resources.pids.limit");
        parse_bad("{\"devices\":{}}", "linux.resources.devices: expected an array");
        parse_bad("{\"devices\":[{\"type\":\"c\"}]}", "linux.resources.devices[0].allow: required");
        parse_bad("{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}",
                  "devices[0].type: unknown device type (a, b or c) 'x'");
        parse_bad("{\"devices\":[{\"allow\":true,\"type\":\"u\"}]}", "unknown device type");
        parse_bad("{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}", "devices[0].access");
        parse_bad("{\"devices\":[{\"allow\":true,\"access\":\"rr\"}]}", "devices[0].access");
        parse_bad("{\"devices\":[{\"allow\":true,\"major\":-2}]}", "devices[0].major: -2");
        parse_bad("{\"devices\":[{\"allow\":true,\"minor\":4294967296}]}", "devices[0].minor");
        parse_bad("{\"devices\":[1]}", "linux.resources.devices[0]: expected an object");
        parse_bad("{\"blockIO\":{\"weight\":5}}", "blockIO.weight: 5 out of range");
        parse_bad("{\"blockIO\":{\"weight\":70000}}", "blockIO.weight: 70000 out of range");
        parse_bad("{\"blockIO\":{\"weightDevice\":[{\"major\":8}]}}",
                  "blockIO.weightDevice[0].minor: required");
        parse_bad("{\"blockIO\":{\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0}]}}",
                  "throttleWriteIOPSDevice[0].rate: required");
        parse_bad("{\"hugepageLimits\":[{\"pageSize\":\"2MB/../../x\",\"limit\":1}]}",
                  "hugepageLimits[0].pageSize: not a page size");
        parse_bad("{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}", "hugepageLimits[0].limit");
        parse_bad("{\"network\":{\"classID\":4294967296}}", "network.classID");
        parse_bad("{\"network\":{\"priorities\":[{\"name\":\"eth0 7\\n\",\"priority\":1}]}}",
                  "priorities[0].name: not an interface name");
        parse_bad("{\"rdma\":{\"mlx 5\":{}}}", "linux.resources.rdma: bad device name");
        parse_bad("{\"rdma\":{\"mlx5\":{\"hcaObjects\":-1}}}", "rdma.mlx5.hcaObjects");
        parse_bad("{\"unified\":{\"../memory.max\":\"1\"}}", "not a cgroup file name '../memory");
        parse_bad("{\"unified\":{\"a/b\":\"1\"}}", "unified: not a cgroup file name 'a/b'");
        parse_bad("{\"unified\":{\"..\":\"1\"}}", "not a cgroup file name");
        parse_bad("{\"unified\":{\".hidden\":\"1\"}}", "not a cgroup file name");
        parse_bad("{\"unified\":{\"\":\"1\"}}", "not a cgroup file name");
        parse_bad("{\"unified\":{\"memory.max\":1}}", "unified.memory.max: expected a string");
        parse_bad("{\"unified\":{\"memory.max\":\"1\\u0000\"}}", "contains a NUL byte");
}

static void test_describe_convert(void **state)
{
        (void)state;
        struct rt_resources *r =
                parse_ok("{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":10}}");
        _cleanup_free_ char *d = rt_resources_describe(r);
        assert_string_equal(d, "memory limit 64MiB, pids limit 10");
        struct err e = {0};
        int64_t sw;
        assert_int_equal(rt_res_v2_swap(r, &sw, &e), -EINVAL); /* no swap asked */
        err_done(&e);
        rt_resources_free(r);

        r = parse_ok("{\"memory\":{\"limit\":67108864,\"swap\":201326592}}");
        assert_int_equal(rt_res_v2_swap(r, &sw, NULL), 0);
        assert_int_equal(sw, 134217728);
        rt_resources_free(r);
        r = parse_ok("{\"memory\":{\"swap\":-1}}");
        assert_int_equal(rt_res_v2_swap(r, &sw, NULL), 0);
        assert_int_equal(sw, -1);
        rt_resources_free(r);
        r = parse_ok("{\"memory\":{\"swap\":1000}}");
        assert_true(rt_res_v2_swap(r, &sw, &e) < 0);
        assert_non_null(strstr(e.msg, "needs a memory limit"));
        err_done(&e);
        rt_resources_free(r);
        r = parse_ok("{\"memory\":{\"limit\":2000,\"swap\":1000}}");
        assert_true(rt_res_v2_swap(r, &sw, &e) < 0);
        assert_non_null(strstr(e.msg, "below the memory limit"));
        err_done(&e);
        rt_resources_free(r);

        assert_int_equal(rt_res_shares_to_weight(2), 1);
        assert_int_equal(rt_res_shares_to_weight(262144), 10000);
        assert_int_equal(rt_res_shares_to_weight(1024), 39);
        assert_int_equal(rt_res_blkio_to_io_weight(10), 1);
        assert_int_equal(rt_res_blkio_to_io_weight(1000), 10000);
        assert_int_equal(rt_res_blkio_to_io_weight(500), 4950);
}

/* ------------------------------------------------------------------------
 * Host layout on a fake tree
 * ------------------------------------------------------------------------ */

static const char hybrid_mountinfo[] =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
        "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
        "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
        "50 23 0:40 / /mnt/with\\040space rw - ext4 /dev/sda1 rw\n";

static const char hybrid_self[] = "9:name=systemd:/\n"
                                  "8:pids:/\n"
                                  "6:freezer:/\n"
                                  "5:net_cls:/\n"
                                  "4:memory:/process_api/abc\n"
                                  "1:cpu:/\n"
                                  "0::/\n";

static void test_parse_host(void **state)
{
        (void)state;
        struct rt_cg_mount *m = NULL;
        size_t n = 0;
        assert_int_equal(rt_cg_mountinfo_parse(hybrid_mountinfo, &m, &n, NULL), 0);
        assert_int_equal(n, 6);
        assert_string_equal(m[1].mountpoint, "/sys/fs/cgroup/memory");
        assert_string_equal(m[1].options, "rw,memory");
        assert_string_equal(m[4].options, "rw,xattr,name=systemd");
        assert_true(m[5].v2);
        assert_string_equal(m[5].options, "");
        for (size_t i = 0; i < n; i++) {
                free(m[i].mountpoint);
                free(m[i].root);
                free(m[i].options);
        }
        free(m);
        /* Escapes and a bind-mounted subtree as a root. */
        assert_int_equal(rt_cg_mountinfo_parse("1 2 0:3 /a\\040b /c\\134d rw - cgroup x rw,pids\n"
                                               "garbage line\n\n",
                                               &m, &n, NULL),
                         0);
        assert_int_equal(n, 1);
        assert_string_equal(m[0].root, "/a b");
        assert_string_equal(m[0].mountpoint, "/c\\d");
        free(m[0].mountpoint);
        free(m[0].root);
        free(m[0].options);
        free(m);

        struct rt_cg_self *s = NULL;
        assert_int_equal(rt_cg_self_parse(hybrid_self, &s, &n, NULL), 0);
        assert_int_equal(n, 7);
        assert_int_equal(s[4].id, 4);
        assert_string_equal(s[4].controllers, "memory");
        assert_string_equal(s[4].path, "/process_api/abc");
        assert_int_equal(s[6].id, 0);
        assert_string_equal(s[6].controllers, "");
        for (size_t i = 0; i < n; i++) {
                free(s[i].controllers);
                free(s[i].path);
        }
        free(s);
        struct err e = {0};
        assert_true(rt_cg_self_parse("4:memory\n", &s, &n, &e) < 0);
        assert_non_null(strstr(e.msg, "bad line '4:memory'"));
        err_done(&e);
        assert_true(rt_cg_self_parse("x:memory:/\n", &s, &n, &e) < 0);
        err_done(&e);

        char *p = NULL;
        assert_int_equal(rt_cg_clean_path("a//b/./c/", &p, NULL), 0);
        assert_string_equal(p, "a/b/c");
        free(p);
        assert_int_equal(rt_cg_clean_path("//x", &p, NULL), 0);
        assert_string_equal(p, "/x");
        free(p);
        assert_true(rt_cg_clean_path("/a/../../etc", &p, &e) < 0);
        assert_non_null(strstr(e.msg, "'..'"));
        err_done(&e);
        assert_true(rt_cg_clean_path("/./", &p, &e) < 0);
        assert_non_null(strstr(e.msg, "names the root cgroup"));
        err_done(&e);

        assert_true(rt_cg_list_has("cpu,cpuacct", "cpuacct"));
        assert_true(rt_cg_list_has("cpu,cpuacct", "cpu"));
        assert_false(rt_cg_list_has("cpuacct", "cpu"));
        assert_false(rt_cg_list_has("", "cpu"));
}

/* A fake /sys/fs/cgroup under a temp dir, laid out as hybrid_mountinfo says. */
static char *fake_tree(void)
{
        char *t = unit_tmpdir();
        static const char *const dirs[] = {
                "cpu", "memory/process_api/abc", "freezer", "pids", "systemd", "unified"};
        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
                _cleanup_free_ char *d = xasprintf("%s/sys/fs/cgroup/%s", t, dirs[i]);
                assert_int_equal(fs_mkdir_p(d, 0755, NULL), 0);
        }
        return t;
}

static struct rt_cgroup *fake_create(struct rt_cg_host *h, const char *path)
{
        struct rt_cgroup_opts o = {.id = "ctr1", .cgroups_path = path};
        struct rt_cgroup *cg = NULL;
        struct err e = {0};
        if (rt_cg_create_on(h, &o, &cg, &e) < 0)
                fail_msg("%s", e.msg);
        return cg;
}

static bool exists(const char *root, const char *rel)
{
        _cleanup_free_ char *p = xasprintf("%s%s", root, rel);
        return fs_exists(p);
}

static void test_fake_paths(void **state)
{
        (void)state;
        _cleanup_free_ char *t = fake_tree();
        struct rt_cg_host h = {0};
        assert_int_equal(
                rt_cg_host_init(&h, t, CGROUP_HYBRID, hybrid_mountinfo, hybrid_self, false, NULL),
                0);
        /* No cgroupsPath: the id, relative to the own cgroup, as runc does. */
        struct rt_cgroup *cg = fake_create(&h, NULL);
        assert_true(rt_cgroup_is_active(cg));
        assert_string_equal(cg->path, "ctr1");
        assert_int_equal(cg->n_dirs, 6); /* net_cls is not mounted */
        const struct rt_cg_dir *mem = rt_cg_find(cg, "memory");
        assert_non_null(mem);
        _cleanup_free_ char *want = xasprintf("%s/sys/fs/cgroup/memory/process_api/abc/ctr1", t);
        assert_string_equal(mem->dir, want);
        assert_string_equal(mem->created, want);
        assert_true(exists(t, "/sys/fs/cgroup/pids/ctr1"));
        assert_true(exists(t, "/sys/fs/cgroup/systemd/ctr1"));
        assert_true(exists(t, "/sys/fs/cgroup/unified/ctr1"));
        assert_null(rt_cg_find(cg, "net_cls"));

        /* The container's /sys/fs/cgroup binds each hierarchy's own dir. */
        _cleanup_free_ char *root = xasprintf("%s/sys/fs/cgroup", t);
        char **names = NULL, **paths = NULL;
        assert_true(rt_cgroup_layout(cg, root, &names, &paths));
        assert_int_equal(strv_length(names), 6);
        assert_int_equal(strv_length(paths), 6);
        bool seen_mem = false, seen_v2 = false;
        for (size_t i = 0; names[i]; i++) {
                _cleanup_free_ char *dir = xasprintf("%s/%s%s", root, names[i], paths[i]);
                assert_true(fs_exists(dir));
                assert_true(str_has_suffix(paths[i], "/ctr1"));
                seen_mem = seen_mem || STREQ(names[i], "memory");
                seen_v2 = seen_v2 || STREQ(names[i], "unified");
                if (STREQ(names[i], "memory"))
                        assert_string_equal(paths[i], "/process_api/abc/ctr1");
        }
        assert_true(seen_mem && seen_v2);
        strv_free(names);
        strv_free(paths);
        /* Mounted elsewhere than right below root: not told this way. */
        assert_false(rt_cgroup_layout(cg, "/elsewhere", &names, &paths));
        assert_null(names);
        assert_null(paths);
        _cleanup_free_ char *sys = xasprintf("%s/sys/fs", t);
        assert_false(rt_cgroup_layout(cg, sys, &names, &paths));
        assert_null(names);

        /* The state round-trips and finds the same directories. */
        struct json *j = rt_cgroup_to_json(cg);
        struct rt_cgroup *back = NULL;
        assert_int_equal(rt_cgroup_from_json(j, &back, NULL), 0);
        struct json *j2 = rt_cgroup_to_json(back);
        assert_true(json_equal(j, j2));
        json_free(j2);
        assert_int_equal(rt_cgroup_destroy(back, NULL), 0);
        assert_false(exists(t, "/sys/fs/cgroup/pids/ctr1"));
        assert_false(exists(t, "/sys/fs/cgroup/memory/process_api/abc/ctr1"));
        assert_true(exists(t, "/sys/fs/cgroup/memory/process_api/abc"));

        /* Hostile state: a directory outside its mount is refused. */
        struct json *dirs = json_object_get(j, "dirs");
        json_object_set_string(dirs->arr.items[0], "dir", "/etc/../sys/x");
        struct err e = {0};
        struct rt_cgroup *bad = NULL;
        assert_true(rt_cgroup_from_json(j, &bad, &e) < 0);
        err_done(&e);
        json_object_set_string(dirs->arr.items[0], "dir", "/tmp");
        assert_true(rt_cgroup_from_json(j, &bad, &e) < 0);
        assert_non_null(strstr(e.msg, "not a cgroup below its mount"));
        err_done(&e);
        json_free(j);
        rt_cgroup_free(back);
        rt_cgroup_free(cg);

        /* defer_v1: the v2 directory now (the clone goes into it), the v1
         * ones when rt_cgroup_finish comes; destroy removes all of them. */
        {
                struct rt_cgroup_opts od = {
                        .id = "ctr2", .cgroups_path = "/dfr/ctr2", .defer_v1 = true};
                struct rt_cgroup *dc = NULL;
                assert_int_equal(rt_cg_create_on(&h, &od, &dc, NULL), 0);
                assert_true(rt_cgroup_pending(dc));
                assert_true(exists(t, "/sys/fs/cgroup/unified/dfr/ctr2"));
                assert_false(exists(t, "/sys/fs/cgroup/pids/dfr"));
                assert_false(exists(t, "/sys/fs/cgroup/memory/dfr"));
                /* Only the v2 directory is opened to join before the clone. */
                struct rt_cg_join jn = RT_CG_JOIN_INIT;
                assert_int_equal(rt_cgroup_join_open(dc, &jn, NULL), 0);
                assert_int_equal(jn.n_tasks, 0);
                assert_true(jn.v2 >= 0);
                rt_cgroup_join_close(&jn);
                assert_int_equal(rt_cgroup_finish(dc, NULL, NULL), 0);
                assert_false(rt_cgroup_pending(dc));
                assert_true(exists(t, "/sys/fs/cgroup/pids/dfr/ctr2"));
                assert_true(exists(t, "/sys/fs/cgroup/memory/dfr/ctr2"));
                assert_int_equal(rt_cgroup_finish(dc, NULL, NULL), 0); /* nothing left */
                assert_int_equal(rt_cgroup_destroy(dc, NULL), 0);
                assert_false(exists(t, "/sys/fs/cgroup/pids/dfr/ctr2"));
                assert_false(exists(t, "/sys/fs/cgroup/memory/dfr/ctr2"));
                assert_false(exists(t, "/sys/fs/cgroup/unified/dfr/ctr2"));
                rt_cgroup_free(dc);
        }

        /* Absolute: below each mount. The container's own directory goes
         * with what was made below it; the parents stay (shared, as runc
         * leaves them), and so do others' cgroups. */
        cg = fake_create(&h, "/berth-test/a/ctr1");
        mem = rt_cg_find(cg, "memory");
        _cleanup_free_ char *want2 = xasprintf("%s/sys/fs/cgroup/memory/berth-test", t);
        assert_string_equal(mem->created, want2);
        _cleanup_free_ char *other = xasprintf("%s/sys/fs/cgroup/pids/berth-test/other", t);
        assert_int_equal(mkdir(other, 0755), 0);
        _cleanup_free_ char *nested = xasprintf("%s/sys/fs/cgroup/pids/berth-test/a/ctr1/sub/x", t);
        assert_int_equal(fs_mkdir_p(nested, 0755, NULL), 0);
        assert_int_equal(rt_cgroup_destroy(cg, NULL), 0);
        assert_false(exists(t, "/sys/fs/cgroup/memory/berth-test/a/ctr1"));
        assert_false(exists(t, "/sys/fs/cgroup/pids/berth-test/a/ctr1"));
        assert_true(exists(t, "/sys/fs/cgroup/memory/berth-test/a"));
        assert_true(exists(t, "/sys/fs/cgroup/pids/berth-test/other"));
        rt_cgroup_free(cg);

        /* An existing cgroup is joined, and not removed: it is not ours. */
        _cleanup_free_ char *pre = xasprintf("%s/sys/fs/cgroup/cpu/given", t);
        assert_int_equal(mkdir(pre, 0755), 0);
        cg = fake_create(&h, "/given");
        assert_null(rt_cg_find(cg, "cpu")->created);
        assert_int_equal(rt_cgroup_destroy(cg, NULL), 0);
        assert_true(exists(t, "/sys/fs/cgroup/cpu/given"));
        assert_false(exists(t, "/sys/fs/cgroup/pids/given"));
        rt_cgroup_free(cg);

        /* A hierarchy that cannot be made in is an error as root... */
        _cleanup_free_ char *blocker = xasprintf("%s/sys/fs/cgroup/freezer/blocked", t);
        write_text(blocker, "");
        struct rt_cgroup_opts o = {.id = "x", .cgroups_path = "/blocked/ctr"};
        assert_true(rt_cg_create_on(&h, &o, &cg, &e) < 0);
        assert_non_null(strstr(e.msg, "mkdir"));
        err_done(&e);
        assert_false(exists(t, "/sys/fs/cgroup/memory/blocked"));

        /* ...and the systemd driver needs systemd. */
        o.systemd = true;
        assert_true(rt_cg_create_on(&h, &o, &cg, &e) < 0);
        assert_string_equal(e.msg, "the systemd cgroup manager needs systemd running (no D-Bus "
                                   "system bus found)");
        err_done(&e);
        rt_cg_host_done(&h);

        /* cgroup v2 only: one directory; controllers enabled from the top. */
        static const char v2_mountinfo[] =
                "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        _cleanup_free_ char *v2root = xasprintf("%s/v2", t);
        _cleanup_free_ char *top = xasprintf("%s/v2/sys/fs/cgroup/user.slice", t);
        assert_int_equal(fs_mkdir_p(top, 0755, NULL), 0);
        _cleanup_free_ char *ctl = xasprintf("%s/v2/sys/fs/cgroup/cgroup.controllers", t);
        _cleanup_free_ char *sub = xasprintf("%s/v2/sys/fs/cgroup/cgroup.subtree_control", t);
        write_text(ctl, "cpu memory pids\n");
        write_text(sub, "");
        assert_int_equal(rt_cg_host_init(&h, v2root, CGROUP_UNIFIED, v2_mountinfo,
                                         "0::/user.slice\n", false, NULL),
                         0);
        cg = fake_create(&h, "/ctr");
        assert_int_equal(cg->n_dirs, 1);
        assert_true(cg->dirs[0].v2);
        assert_ptr_equal(rt_cg_find(cg, "memory"), &cg->dirs[0]);
        _cleanup_free_ char *written = read_text(t, "v2/sys/fs/cgroup/cgroup.subtree_control");
        /* One write per controller (a plain file keeps the longest tail). */
        assert_true(str_has_prefix(written, "+pids"));
        rt_cgroup_free(cg);
        rt_cg_host_done(&h);
        unit_rmtree(t);
}

/* ------------------------------------------------------------------------
 * Rootless: no delegated cgroup here (run as nobody in a child)
 * ------------------------------------------------------------------------ */

static void test_rootless(void **state)
{
        (void)state;
        if (geteuid() != 0 || !fs_exists("/sys/fs/cgroup/pids/cgroup.procs"))
                skip();
        int pfd[2];
        assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(pfd[1], 2);
                if (setgid(65534) < 0 || setuid(65534) < 0)
                        _exit(10);
                struct rt_resources *r = NULL;
                struct json *j = NULL;
                const char *t = "{\"memory\":{\"limit\":67108864}}";
                if (json_parse(t, strlen(t), &j, NULL) < 0 || rt_resources_parse(j, &r, NULL) < 0)
                        _exit(11);
                struct rt_cgroup_opts o = {.id = "berth-unit-rootless",
                                           .cgroups_path = "/berth-unit-rootless/c",
                                           .rootless = true,
                                           .resources = r};
                struct rt_cgroup *cg = NULL;
                struct err e = {0};
                if (rt_cgroup_create(&o, &cg, &e) < 0)
                        _exit(12);
                if (rt_cgroup_is_active(cg))
                        _exit(13);
                if (rt_cgroup_enter(cg, getpid(), NULL) < 0)
                        _exit(14);
                if (rt_cgroup_freeze(cg, true, &e) >= 0 ||
                    !strstr(e.msg, "pausing a container needs a cgroup freezer; rootless"))
                        _exit(15);
                err_done(&e);
                pid_t *pids;
                size_t n;
                if (rt_cgroup_pids(cg, &pids, &n, &e) != -ENOTSUP)
                        _exit(16);
                err_done(&e);
                if (rt_cgroup_apply(cg, r, &e) != -ENOTSUP)
                        _exit(17);
                err_done(&e);
                struct json *sj = rt_cgroup_to_json(cg);
                struct rt_cgroup *back = NULL;
                if (rt_cgroup_from_json(sj, &back, NULL) < 0 || rt_cgroup_is_active(back))
                        _exit(18);
                if (rt_cgroup_destroy(back, NULL) < 0 || rt_cgroup_destroy(cg, NULL) < 0)
                        _exit(19);
                _exit(0);
        }
        close(pfd[1]);
        char buf[4096] = {0};
        size_t got = 0;
        ssize_t k;
        while (got < sizeof(buf) - 1 && (k = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
                got += (size_t)k;
        close(pfd[0]);
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                fail_msg("rootless child failed with %d; stderr: %s", WEXITSTATUS(st), buf);
        assert_non_null(strstr(buf, "rootless: cgroup resources are ignored"));
        assert_non_null(strstr(buf, "memory limit 64MiB not applied"));
        assert_false(fs_exists("/sys/fs/cgroup/memory/berth-unit-rootless"));
}

/* ------------------------------------------------------------------------
 * As root, on this host's real cgroups
 * ------------------------------------------------------------------------ */

static char unit_parent[64];

/* Remove whatever a failed real test left in any hierarchy. */
static void real_cleanup(void)
{
        if (!unit_parent[0])
                return;
        static const char *const roots[] = {"/sys/fs/cgroup",
                                            "/sys/fs/cgroup/unified",
                                            "/sys/fs/cgroup/memory",
                                            "/sys/fs/cgroup/pids",
                                            "/sys/fs/cgroup/cpu",
                                            "/sys/fs/cgroup/cpuacct",
                                            "/sys/fs/cgroup/cpuset",
                                            "/sys/fs/cgroup/blkio",
                                            "/sys/fs/cgroup/devices",
                                            "/sys/fs/cgroup/freezer",
                                            "/sys/fs/cgroup/systemd",
                                            "/sys/fs/cgroup/hugetlb",
                                            "/sys/fs/cgroup/net_cls,net_prio"};
        for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
                _cleanup_free_ char *p = xasprintf("%s%s", roots[i], unit_parent);
                if (!fs_exists(p))
                        continue;
                /* Depth-first rmdir only: cgroupfs files cannot be unlinked. */
                _cleanup_free_ char *cmd =
                        xasprintf("find '%s' -depth -type d -exec rmdir {} + 2>/dev/null", p);
                (void)!system(cmd);
        }
}

static bool real_usable(enum cgroup_mode *mode)
{
        if (geteuid() != 0 || host_cgroup_mode("/sys/fs/cgroup", mode, NULL) < 0)
                return false;
        const char *probe = *mode == CGROUP_UNIFIED ? "/sys/fs/cgroup" : "/sys/fs/cgroup/pids";
        return access(probe, W_OK) == 0;
}

static pid_t spawn_sleeper(void)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                for (;;)
                        pause();
        }
        return pid;
}

static void kill_wait(pid_t pid)
{
        kill(pid, SIGKILL);
        int st;
        (void)waitpid(pid, &st, 0);
}

static bool has_pid(const pid_t *pids, size_t n, pid_t p)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == p)
                        return true;
        return false;
}

static void test_real(void **state)
{
        (void)state;
        enum cgroup_mode mode;
        if (!real_usable(&mode))
                skip();
        snprintf(unit_parent, sizeof(unit_parent), "/berth-unit-%d", (int)getpid());
        _cleanup_free_ char *path = xasprintf("%s/ctr", unit_parent);
        struct rt_resources *r = parse_ok(
                "{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":10},"
                "\"cpu\":{\"shares\":512},"
                "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}");
        struct rt_cgroup_opts o = {.id = "ctr", .cgroups_path = path, .resources = r};
        struct rt_cgroup *cg = NULL;
        struct err e = {0};
        if (rt_cgroup_create(&o, &cg, &e) < 0) {
                real_cleanup();
                fail_msg("create: %s", e.msg);
        }
        assert_true(rt_cgroup_is_active(cg));
        bool v2 = mode == CGROUP_UNIFIED;
        const struct rt_cg_dir *mem = rt_cg_find(cg, "memory");
        const struct rt_cg_dir *pd = rt_cg_find(cg, "pids");
        assert_non_null(mem);
        assert_non_null(pd);
        _cleanup_free_ char *lim = read_text(mem->dir, v2 ? "memory.max" : "memory.limit_in_bytes");
        assert_string_equal(lim, "67108864");
        _cleanup_free_ char *pmax = read_text(pd->dir, "pids.max");
        assert_string_equal(pmax, "10");
        if (!v2) {
                _cleanup_free_ char *shares = read_text(rt_cg_find(cg, "cpu")->dir, "cpu.shares");
                assert_string_equal(shares, "512");
                _cleanup_free_ char *list =
                        read_text(rt_cg_find(cg, "devices")->dir, "devices.list");
                assert_non_null(strstr(list, "c 1:3 rw"));
                assert_non_null(strstr(list, "c 136:* rwm"));
                assert_null(strstr(list, "a *:* rwm"));
                /* The hybrid's v2 mount is joined too, as runc does. */
                if (mode == CGROUP_HYBRID) {
                        _cleanup_free_ char *u = xasprintf("/sys/fs/cgroup/unified%s", path);
                        assert_true(fs_exists(u));
                }
        }

        /* A child in, then one more in a nested cgroup the "container" made. */
        pid_t child = spawn_sleeper(), child2 = spawn_sleeper();
        if (rt_cgroup_enter(cg, child, &e) < 0) {
                kill_wait(child);
                kill_wait(child2);
                real_cleanup();
                fail_msg("enter: %s", e.msg);
        }
        _cleanup_free_ char *proc_cg = xasprintf("/proc/%d/cgroup", (int)child);
        _cleanup_free_ char *pcg = NULL;
        size_t len;
        assert_int_equal(fs_read_file(AT_FDCWD, proc_cg, 0, &pcg, &len, NULL), 0);
        _cleanup_free_ char *want = xasprintf("%s:%s\n", v2 ? "0:" : "memory", path);
        assert_non_null(strstr(pcg, want));
        _cleanup_free_ char *nested = xasprintf("%s/nested", pd->dir);
        assert_int_equal(mkdir(nested, 0755), 0);
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int)child2);
        assert_int_equal(rt_cg_write(nested, "cgroup.procs", buf, NULL), 0);
        pid_t *pids = NULL;
        size_t n = 0;
        assert_int_equal(rt_cgroup_pids(cg, &pids, &n, NULL), 0);
        assert_true(has_pid(pids, n, child));
        assert_true(has_pid(pids, n, child2));
        assert_false(has_pid(pids, n, getpid()));
        free(pids);

        /* Freeze and thaw. */
        bool frozen = true;
        assert_int_equal(rt_cgroup_is_frozen(cg, &frozen, NULL), 0);
        assert_false(frozen);
        assert_int_equal(rt_cgroup_freeze(cg, true, &e), 0);
        assert_int_equal(rt_cgroup_is_frozen(cg, &frozen, NULL), 0);
        assert_true(frozen);
        if (!v2) {
                _cleanup_free_ char *fs =
                        read_text(rt_cg_find(cg, "freezer")->dir, "freezer.state");
                assert_string_equal(fs, "FROZEN");
        }
        assert_int_equal(rt_cgroup_freeze(cg, false, &e), 0);
        assert_int_equal(rt_cgroup_is_frozen(cg, &frozen, NULL), 0);
        assert_false(frozen);

        /* Update: raise memory (with swap where it is counted), and a limit
         * below the usage is refused when checkBeforeUpdate asks. */
        struct rt_resources *up = parse_ok("{\"memory\":{\"limit\":134217728,\"swap\":268435456},"
                                           "\"pids\":{\"limit\":-1}}");
        if (rt_cgroup_apply(cg, up, &e) < 0)
                fail_msg("update: %s", e.msg);
        _cleanup_free_ char *lim2 =
                read_text(mem->dir, v2 ? "memory.max" : "memory.limit_in_bytes");
        assert_string_equal(lim2, "134217728");
        _cleanup_free_ char *pmax2 = read_text(pd->dir, "pids.max");
        assert_string_equal(pmax2, "max");
        if (rt_cg_file_exists(mem->dir, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes")) {
                _cleanup_free_ char *sw =
                        read_text(mem->dir, v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes");
                assert_string_equal(sw, v2 ? "134217728" : "268435456");
        }
        rt_resources_free(up);
        up = parse_ok("{\"memory\":{\"limit\":4096,\"checkBeforeUpdate\":true}}");
        _cleanup_free_ char *usage =
                read_text(mem->dir, v2 ? "memory.current" : "memory.usage_in_bytes");
        if (strtoull(usage, NULL, 10) > 4096) {
                assert_int_equal(rt_cgroup_apply(cg, up, &e), -EBUSY);
                assert_non_null(strstr(e.msg, "below the current usage"));
                err_done(&e);
        }
        rt_resources_free(up);

        /* Resources this host cannot give are errors that say why. */
        up = parse_ok(v2 ? "{\"cpu\":{\"realtimeRuntime\":1000}}"
                         : "{\"unified\":{\"memory.high\":\"1M\"}}");
        assert_true(rt_cgroup_apply(cg, up, &e) < 0);
        assert_non_null(strstr(e.msg, v2 ? "realtimeRuntime" : "linux.resources.unified"));
        err_done(&e);
        rt_resources_free(up);

        /* Busy: destroy waits a little, then fails while processes stay. */
        kill_wait(child);
        kill_wait(child2);
        if (rt_cgroup_destroy(cg, &e) < 0) {
                real_cleanup();
                fail_msg("destroy: %s", e.msg);
        }
        /* The container's directories go; the parent made for it stays
         * (real_cleanup removes it). */
        for (size_t i = 0; i < cg->n_dirs; i++) {
                assert_false(fs_exists(cg->dirs[i].dir));
                assert_true(fs_exists(cg->dirs[i].created));
        }
        rt_cgroup_free(cg);
        rt_resources_free(r);
        real_cleanup();
}

/* Errors as root: a controller this host lacks fails create and leaves no
 * cgroup of the container. */
static void test_real_errors(void **state)
{
        (void)state;
        enum cgroup_mode mode;
        if (!real_usable(&mode) || mode == CGROUP_UNIFIED || fs_exists("/sys/fs/cgroup/hugetlb"))
                skip();
        snprintf(unit_parent, sizeof(unit_parent), "/berth-unit-%d", (int)getpid());
        _cleanup_free_ char *path = xasprintf("%s/bad", unit_parent);
        struct rt_resources *r = parse_ok("{\"pids\":{\"limit\":5},\"hugepageLimits\":"
                                          "[{\"pageSize\":\"2MB\",\"limit\":0}]}");
        struct rt_cgroup_opts o = {.id = "bad", .cgroups_path = path, .resources = r};
        struct rt_cgroup *cg = NULL;
        struct err e = {0};
        assert_true(rt_cgroup_create(&o, &cg, &e) < 0);
        assert_non_null(strstr(e.msg, "linux.resources.hugepageLimits: the hugetlb cgroup "
                                      "controller is not mounted"));
        err_done(&e);
        _cleanup_free_ char *p = xasprintf("/sys/fs/cgroup/pids%s/bad", unit_parent);
        assert_false(fs_exists(p));
        rt_resources_free(r);
        real_cleanup();
}

/* v2 device rules: an eBPF program on a cgroup2 directory (the hybrid's
 * unified mount here), checked by a child that opens devices from inside. */
static void test_real_bpf(void **state)
{
        (void)state;
        enum cgroup_mode mode;
        if (!real_usable(&mode) || mode == CGROUP_LEGACY || !fs_exists("/dev/kmsg"))
                skip();
        snprintf(unit_parent, sizeof(unit_parent), "/berth-unit-%d", (int)getpid());
        _cleanup_free_ char *dir = xasprintf(
                "%s%s", mode == CGROUP_UNIFIED ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified",
                unit_parent);
        assert_int_equal(mkdir(dir, 0755), 0);
        /* Deny all, then /dev/kmsg (c 1:11) for reading only. */
        struct rt_resources *r = parse_ok("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                                          "{\"allow\":true,\"type\":\"c\",\"major\":1,"
                                          "\"minor\":11,\"access\":\"r\"}]}");
        struct err e = {0};
        for (int round = 0; round < 2; round++) {
                /* The second round replaces the first program (an update). */
                if (rt_cg_v2_devices(dir, r, &e) < 0) {
                        rmdir(dir);
                        fail_msg("%s", e.msg);
                }
        }
        /* The update replaced the program: one is attached, not two. */
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        uint32_t ids[8];
        union bpf_attr q = {0};
        q.query.target_fd = (uint32_t)dfd;
        q.query.attach_type = BPF_CGROUP_DEVICE;
        q.query.prog_ids = (uint64_t)(uintptr_t)ids;
        q.query.prog_cnt = 8;
        assert_int_equal(syscall(SYS_bpf, BPF_PROG_QUERY, &q, sizeof(q)), 0);
        assert_int_equal(q.query.prog_cnt, 1);
        close(dfd);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char buf[32];
                snprintf(buf, sizeof(buf), "%d", (int)getpid());
                if (rt_cg_write(dir, "cgroup.procs", buf, NULL) < 0)
                        _exit(10);
                int fd = open("/dev/null", O_RDWR | O_CLOEXEC); /* a default device */
                if (fd < 0)
                        _exit(11);
                close(fd);
                if ((fd = open("/dev/kmsg", O_RDONLY | O_CLOEXEC)) < 0)
                        _exit(12);
                close(fd);
                if (open("/dev/kmsg", O_WRONLY | O_CLOEXEC) >= 0 || errno != EPERM)
                        _exit(13);
                /* A block device no rule names. */
                if (fs_exists("/dev/loop0") &&
                    (open("/dev/loop0", O_RDONLY | O_CLOEXEC) >= 0 || errno != EPERM))
                        _exit(14);
                _exit(0);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        for (int i = 0; i < 50 && rmdir(dir) < 0 && errno == EBUSY; i++)
                rt_cg_sleep_ms(10);
        assert_false(fs_exists(dir));
        rt_resources_free(r);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_full),      cmocka_unit_test(test_parse_empty),
                cmocka_unit_test(test_parse_malformed), cmocka_unit_test(test_describe_convert),
                cmocka_unit_test(test_parse_host),      cmocka_unit_test(test_fake_paths),
                cmocka_unit_test(test_rootless),        cmocka_unit_test(test_real),
                cmocka_unit_test(test_real_errors),     cmocka_unit_test(test_real_bpf),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);
        real_cleanup();
        return r;
}
