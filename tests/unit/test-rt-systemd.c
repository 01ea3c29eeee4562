/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd cgroup manager: cgroupsPath "slice:prefix:name" parsing and
 * slice expansion, the unit properties built from linux.resources (names,
 * D-Bus types and values, as runc maps them), and the D-Bus conversation.
 *
 * systemd cannot run on the machines these tests run on (no systemd as PID
 * 1, see ENVIRONMENT.md), so the conversation is checked against a FAKE
 * manager: tests/unit/data/fake-systemd.py on a private dbus-daemon, which
 * records every call with its typed properties and, like systemd, makes the
 * scope's cgroup and puts the pid in it. Where systemd runs, the same code
 * talks to the real one; that is where it is tested for real.
 *
 * As root, the fake makes the scope in this host's real hierarchies, so the
 * test sees the container's pid in the scope's cgroup, the limits in
 * cgroupfs, and everything gone after destroy (StopUnit).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "unit.h"

#include "cgroup-systemd.h"

#define FAKE SRCDIR "/tests/unit/data/fake-systemd.py"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static struct rt_resources *parse_res(const char *text)
{
        struct json *j = NULL;
        struct err e = {0};
        assert_int_equal(json_parse(text, strlen(text), &j, &e), 0);
        struct rt_resources *r = NULL;
        if (rt_resources_parse(j, &r, &e) < 0)
                fail_msg("resources: %s", e.msg);
        json_free(j);
        return r;
}

/* The property at i must be name, of D-Bus type sig, with the value of the
 * JSON text want (numbers, booleans, strings, arrays as the fake records). */
static void check_prop(const struct json *props, size_t i, const char *name, const char *sig,
                       const char *want)
{
        if (!props || props->type != JSON_ARRAY || i >= props->arr.len)
                fail_msg("no property %zu (%s)", i, name);
        const struct json *p = props->arr.items[i];
        assert_int_equal(p->type, JSON_ARRAY);
        assert_int_equal(p->arr.len, 3);
        assert_string_equal(p->arr.items[0]->str.s, name);
        if (!STREQ(p->arr.items[1]->str.s, sig))
                fail_msg("%s: type %s, want %s", name, p->arr.items[1]->str.s, sig);
        struct json *w = NULL;
        assert_int_equal(json_parse(want, strlen(want), &w, NULL), 0);
        if (!json_equal(p->arr.items[2], w)) {
                _cleanup_free_ char *got = json_generate(p->arr.items[2], 0);
                fail_msg("%s: value %s, want %s", name, got, want);
        }
        json_free(w);
}

/* The properties of an in-process list, as the fake would record them. */
static struct json *props_json(const struct rt_sd_props *p)
{
        struct json *a = json_new_array();
        for (size_t i = 0; i < p->n; i++) {
                const struct rt_sd_prop *x = &p->v[i];
                struct json *o = json_new_array();
                json_array_append(o, json_new_string(x->name));
                json_array_append(o, json_new_string(x->sig));
                struct json *v;
                if (STREQ(x->sig, "t")) {
                        /* the fake records numbers as JSON integers; above
                         * INT64_MAX as the text of a double */
                        v = x->u > INT64_MAX ? json_new_double((double)x->u)
                                             : json_new_int((int64_t)x->u);
                } else if (STREQ(x->sig, "b")) {
                        v = json_new_bool(x->u);
                } else if (STREQ(x->sig, "s")) {
                        v = json_new_string(x->s);
                } else if (STREQ(x->sig, "au") || STREQ(x->sig, "ay")) {
                        v = json_new_array();
                        for (size_t k = 0; k < x->n; k++)
                                json_array_append(v, json_new_int(x->au ? x->au[k] : x->ay[k]));
                } else {
                        v = json_new_array();
                        for (char **s = x->strv; s && *s; s += 2) {
                                struct json *pair = json_new_array();
                                json_array_append(pair, json_new_string(s[0]));
                                json_array_append(pair, json_new_string(s[1]));
                                json_array_append(v, pair);
                        }
                }
                json_array_append(o, v);
                json_array_append(a, o);
        }
        return a;
}

/* ------------------------------------------------------------------------
 * Names
 * ------------------------------------------------------------------------ */

static void parse_ok(const char *path, bool rootless, const char *slice, const char *unit,
                     const char *name)
{
        char *s = NULL, *u = NULL, *n = NULL;
        struct err e = {0};
        if (rt_cg_sd_parse_path(path, "ctr1", rootless, &s, &u, &n, &e) < 0)
                fail_msg("'%s': %s", path ? path : "(null)", e.msg);
        assert_string_equal(s, slice);
        assert_string_equal(u, unit);
        assert_string_equal(n, name);
        free(s);
        free(u);
        free(n);
}

static void parse_bad(const char *path, const char *want)
{
        char *s = NULL, *u = NULL, *n = NULL;
        struct err e = {0};
        assert_true(rt_cg_sd_parse_path(path, "ctr1", false, &s, &u, &n, &e) < 0);
        assert_null(s);
        if (!strstr(e.msg, want))
                fail_msg("'%s': error '%s' lacks '%s'", path, e.msg, want);
        err_done(&e);
}

static void test_names(void **state)
{
        (void)state;
        parse_ok("machine.slice:libpod:abc", false, "machine.slice", "libpod-abc.scope", "abc");
        parse_ok(NULL, false, "system.slice", "berth-ctr1.scope", "ctr1");
        parse_ok("", true, "user.slice", "berth-ctr1.scope", "ctr1");
        parse_ok("::", false, "system.slice", "berth-ctr1.scope", "ctr1");
        parse_ok(":docker:", true, "user.slice", "docker-ctr1.scope", "ctr1");
        parse_ok("a-b.slice::x", false, "a-b.slice", "berth-x.scope", "x");

        parse_bad("machine.slice:libpod", "expected \"slice:prefix:name\"");
        parse_bad("/kubepods/burstable/pod1/ctr", "expected \"slice:prefix:name\"");
        parse_bad("a:b:c:d", "expected \"slice:prefix:name\"");
        parse_bad("machine:libpod:abc", "invalid slice name 'machine'");
        parse_bad("a--b.slice:p:n", "invalid slice name");
        parse_bad("-a.slice:p:n", "invalid slice name");
        parse_bad("a/b.slice:p:n", "invalid slice name");
        parse_bad(".slice:p:n", "invalid slice name");
        parse_bad("machine.slice:p:x.slice", "a slice as the container's own unit");
        parse_bad("machine.slice:p:a/b", "not a valid systemd unit name");
        parse_bad("machine.slice:p:a b", "not a valid systemd unit name");
        parse_bad("machine.slice:p:\x01\n", "not a valid systemd unit name");
        _cleanup_free_ char *lng = xasprintf("machine.slice:p:%0300d", 1);
        parse_bad(lng, "not a valid systemd unit name");

        char *x = NULL;
        assert_int_equal(rt_cg_sd_expand_slice("a-b-c.slice", &x, NULL), 0);
        assert_string_equal(x, "/a.slice/a-b.slice/a-b-c.slice");
        free(x);
        assert_int_equal(rt_cg_sd_expand_slice("-.slice", &x, NULL), 0);
        assert_string_equal(x, "/");
        free(x);
        assert_int_equal(rt_cg_sd_expand_slice("machine.slice", &x, NULL), 0);
        assert_string_equal(x, "/machine.slice");
        free(x);
        assert_true(rt_cg_sd_expand_slice("a-.slice", &x, NULL) < 0);
        assert_true(rt_cg_sd_expand_slice("slice", &x, NULL) < 0);
}

static void test_cpuset_bits(void **state)
{
        (void)state;
        uint8_t *b = NULL;
        size_t n = 0;
        assert_int_equal(rt_cg_sd_cpuset_bits("0-3,8", "f", &b, &n, NULL), 0);
        assert_int_equal(n, 2);
        assert_int_equal(b[0], 0x0f);
        assert_int_equal(b[1], 0x01);
        free(b);
        assert_int_equal(rt_cg_sd_cpuset_bits(" 1 , 10-11\n", "f", &b, &n, NULL), 0);
        assert_int_equal(n, 2);
        assert_int_equal(b[0], 0x02);
        assert_int_equal(b[1], 0x0c);
        free(b);
        static const char *const bad[] = {"",      "a",      "3-1", "-1", "1-",
                                          "99999", "0-8192", ",",   "1,x"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct err e = {0};
                b = NULL;
                if (rt_cg_sd_cpuset_bits(bad[i], "linux.resources.cpu.cpus", &b, &n, &e) == 0)
                        fail_msg("'%s' accepted", bad[i]);
                assert_null(b);
                assert_non_null(strstr(e.msg, "linux.resources.cpu.cpus"));
                err_done(&e);
        }
}

/* ------------------------------------------------------------------------
 * Properties
 * ------------------------------------------------------------------------ */

static const char full_res[] =
        "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":134217728},"
        "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"cpus\":\"0-1\","
        "\"mems\":\"0\"},"
        "\"pids\":{\"limit\":10},\"blockIO\":{\"weight\":500}}";

static void test_props_v1(void **state)
{
        (void)state;
        struct rt_resources *r = parse_res(full_res);
        struct rt_sd_props p = {0};
        assert_int_equal(rt_cg_sd_resource_props(r, false, 252, NULL, &p, NULL), 0);
        struct json *j = props_json(&p);
        size_t i = 0;
        check_prop(j, i++, "MemoryLimit", "t", "67108864");
        check_prop(j, i++, "CPUShares", "t", "512");
        check_prop(j, i++, "CPUQuotaPeriodUSec", "t", "100000");
        check_prop(j, i++, "CPUQuotaPerSecUSec", "t", "500000");
        check_prop(j, i++, "BlockIOWeight", "t", "500");
        check_prop(j, i++, "TasksMax", "t", "10");
        check_prop(j, i++, "AllowedCPUs", "ay", "[3]");
        check_prop(j, i++, "AllowedMemoryNodes", "ay", "[1]");
        assert_int_equal(p.n, i);
        json_free(j);
        rt_sd_props_done(&p);

        /* An old systemd gets neither the period nor the cpuset (cgroupfs has them). */
        assert_int_equal(rt_cg_sd_resource_props(r, false, 239, NULL, &p, NULL), 0);
        assert_null(rt_sd_props_find(&p, "CPUQuotaPeriodUSec"));
        assert_null(rt_sd_props_find(&p, "AllowedCPUs"));
        assert_int_equal(rt_sd_props_find(&p, "CPUQuotaPerSecUSec")->u, 500000);
        rt_sd_props_done(&p);
        rt_resources_free(r);

        /* Unlimited is systemd's infinity; a fraction of a percent rounds up. */
        r = parse_res("{\"memory\":{\"limit\":-1},\"pids\":{\"limit\":-1},"
                      "\"cpu\":{\"quota\":-1},\"blockIO\":{}}");
        assert_int_equal(rt_cg_sd_resource_props(r, false, 252, NULL, &p, NULL), 0);
        assert_int_equal(rt_sd_props_find(&p, "MemoryLimit")->u, UINT64_MAX);
        assert_int_equal(rt_sd_props_find(&p, "TasksMax")->u, UINT64_MAX);
        assert_int_equal(rt_sd_props_find(&p, "CPUQuotaPerSecUSec")->u, UINT64_MAX);
        rt_sd_props_done(&p);
        rt_resources_free(r);
        r = parse_res("{\"cpu\":{\"quota\":12345,\"period\":100000}}");
        assert_int_equal(rt_cg_sd_resource_props(r, false, 252, NULL, &p, NULL), 0);
        assert_int_equal(rt_sd_props_find(&p, "CPUQuotaPerSecUSec")->u, 130000);
        rt_sd_props_done(&p);
        rt_resources_free(r);

        /* Nothing asked, nothing sent. */
        r = parse_res("{}");
        assert_int_equal(rt_cg_sd_resource_props(r, false, 252, NULL, &p, NULL), 0);
        assert_int_equal(p.n, 0);
        rt_resources_free(r);
}

static void test_props_v2(void **state)
{
        (void)state;
        struct rt_resources *r = parse_res(full_res);
        struct rt_sd_props p = {0};
        assert_int_equal(rt_cg_sd_resource_props(r, true, 0, NULL, &p, NULL), 0);
        struct json *j = props_json(&p);
        size_t i = 0;
        check_prop(j, i++, "MemoryMax", "t", "67108864");
        check_prop(j, i++, "MemoryLow", "t", "33554432");
        check_prop(j, i++, "MemorySwapMax", "t", "67108864");
        _cleanup_free_ char *w =
                xasprintf("%llu", (unsigned long long)rt_res_shares_to_weight(512));
        check_prop(j, i++, "CPUWeight", "t", w);
        check_prop(j, i++, "CPUQuotaPeriodUSec", "t", "100000");
        check_prop(j, i++, "CPUQuotaPerSecUSec", "t", "500000");
        _cleanup_free_ char *io =
                xasprintf("%llu", (unsigned long long)rt_res_blkio_to_io_weight(500));
        check_prop(j, i++, "IOWeight", "t", io);
        check_prop(j, i++, "TasksMax", "t", "10");
        check_prop(j, i++, "AllowedCPUs", "ay", "[3]");
        check_prop(j, i++, "AllowedMemoryNodes", "ay", "[1]");
        assert_int_equal(p.n, i);
        json_free(j);
        rt_sd_props_done(&p);
        rt_resources_free(r);

        /* unified: the files systemd knows become properties, the last one wins. */
        r = parse_res("{\"pids\":{\"limit\":10},\"unified\":{\"pids.max\":\"max\","
                      "\"memory.high\":\"1000000\\n\",\"cpu.max\":\"20000 50000\","
                      "\"cpu.weight\":\"300\",\"io.max\":\"8:0 rbps=1\"}}");
        assert_int_equal(rt_cg_sd_resource_props(r, true, 252, NULL, &p, NULL), 0);
        assert_int_equal(rt_sd_props_find(&p, "TasksMax")->u, UINT64_MAX);
        assert_int_equal(rt_sd_props_find(&p, "MemoryHigh")->u, 1000000);
        assert_int_equal(rt_sd_props_find(&p, "CPUQuotaPerSecUSec")->u, 400000);
        assert_int_equal(rt_sd_props_find(&p, "CPUQuotaPeriodUSec")->u, 50000);
        assert_int_equal(rt_sd_props_find(&p, "CPUWeight")->u, 300);
        rt_sd_props_done(&p);
        rt_resources_free(r);

        static const char *const bad[] = {
                "{\"unified\":{\"memory.max\":\"lots\"}}",
                "{\"unified\":{\"cpu.max\":\"1 2 3\"}}",
                "{\"unified\":{\"cpu.max\":\"-5\"}}",
                "{\"unified\":{\"cpu.weight\":\"0\"}}",
                "{\"unified\":{\"cpuset.cpus\":\"0-99999\"}}",
                "{\"memory\":{\"swap\":100}}",
        };
        for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
                struct err e = {0};
                r = parse_res(bad[k]);
                if (rt_cg_sd_resource_props(r, true, 252, NULL, &p, &e) == 0)
                        fail_msg("'%s' accepted", bad[k]);
                assert_non_null(e.msg);
                err_done(&e);
                rt_sd_props_done(&p);
                rt_resources_free(r);
        }
}

static void test_props_devices(void **state)
{
        (void)state;
        static const char proc_devices[] = "Character devices:\n  1 mem\n  5 /dev/tty\n"
                                           "136 pts\n\nBlock devices:\n  8 sd\n";
        /* Deny all, then allows: strict, with the defaults after the rules. */
        struct rt_resources *r = parse_res(
                "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
                "{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"r\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":99,\"access\":\"rw\"},"
                "{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rwm\"},"
                "{\"allow\":false,\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rwm\"}]}");
        struct rt_sd_props p = {0};
        assert_int_equal(rt_cg_sd_resource_props(r, false, 252, proc_devices, &p, NULL), 0);
        struct json *j = props_json(&p);
        check_prop(j, 0, "DevicePolicy", "s", "\"strict\"");
        check_prop(j, 1, "DeviceAllow", "a(ss)",
                   "[[\"block-sd\",\"r\"],[\"char-*\",\"m\"],[\"block-*\",\"m\"],"
                   "[\"/dev/char/1:3\",\"rwm\"],[\"/dev/char/1:5\",\"rwm\"],"
                   "[\"/dev/char/1:7\",\"rwm\"],[\"/dev/char/1:8\",\"rwm\"],"
                   "[\"/dev/char/1:9\",\"rwm\"],[\"/dev/char/5:0\",\"rwm\"],"
                   "[\"/dev/char/5:2\",\"rwm\"],[\"char-pts\",\"rwm\"],"
                   "[\"/dev/char/10:200\",\"rwm\"]]");
        assert_int_equal(p.n, 2);
        json_free(j);
        rt_sd_props_done(&p);
        rt_resources_free(r);

        /* Allow all (a privileged container): auto, nothing listed. */
        r = parse_res("{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},"
                      "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,"
                      "\"access\":\"rwm\"}]}");
        assert_int_equal(rt_cg_sd_resource_props(r, true, 252, proc_devices, &p, NULL), 0);
        j = props_json(&p);
        check_prop(j, 0, "DevicePolicy", "s", "\"auto\"");
        check_prop(j, 1, "DeviceAllow", "a(ss)", "[]");
        json_free(j);
        rt_sd_props_done(&p);
        rt_resources_free(r);
}

static void test_unit_props(void **state)
{
        (void)state;
        struct rt_cg_systemd sd = {
                .unit = "libpod-abc.scope", .slice = "machine.slice", .name = "abc"};
        struct rt_sd_props p = {0};
        rt_cg_sd_unit_props(&sd, false, 4242, &p);
        struct json *j = props_json(&p);
        size_t i = 0;
        check_prop(j, i++, "Description", "s", "\"berth container abc\"");
        check_prop(j, i++, "Slice", "s", "\"machine.slice\"");
        check_prop(j, i++, "PIDs", "au", "[4242]");
        check_prop(j, i++, "Delegate", "b", "true");
        check_prop(j, i++, "MemoryAccounting", "b", "true");
        check_prop(j, i++, "CPUAccounting", "b", "true");
        check_prop(j, i++, "BlockIOAccounting", "b", "true");
        check_prop(j, i++, "TasksAccounting", "b", "true");
        check_prop(j, i++, "DefaultDependencies", "b", "false");
        assert_int_equal(p.n, i);
        json_free(j);
        rt_sd_props_done(&p);
        rt_cg_sd_unit_props(&sd, true, 1, &p);
        assert_non_null(rt_sd_props_find(&p, "IOAccounting"));
        assert_null(rt_sd_props_find(&p, "BlockIOAccounting"));
        rt_sd_props_done(&p);
}

/* ------------------------------------------------------------------------
 * The fake manager on a private bus
 * ------------------------------------------------------------------------ */

struct fake {
        char *dir;
        char *address;
        char *record;
        pid_t dbus_pid, fake_pid;
};

/* The one fake of the running test: the teardown stops it when a check fails. */
static struct fake the_fake;
/* The test's "container" process, killed by the teardown too. */
static pid_t the_child;
static void real_cleanup(void);

/* Start argv with stdout on a pipe; allocates the first line it prints
 * (NULL after 10s or at EOF). */
static char *spawn_line(char *const argv[], pid_t *ret_pid)
{
        int fds[2];
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fds[1], 1);
                if (str_has_suffix(argv[0], "dbus-daemon")) {
                        /* it warns that it cannot raise its fd limit (no CAP_SYS_RESOURCE) */
                        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
                        if (null >= 0)
                                dup2(null, 2);
                }
                execv(argv[0], argv);
                _exit(127);
        }
        close(fds[1]);
        *ret_pid = pid;
        struct sbuf b = {0};
        for (;;) {
                struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
                char c;
                if (poll(&pfd, 1, 10000) <= 0 || read(fds[0], &c, 1) != 1)
                        break;
                if (c == '\n') {
                        close(fds[0]);
                        return sbuf_steal(&b);
                }
                sbuf_putc(&b, c);
        }
        close(fds[0]);
        sbuf_done(&b);
        return NULL;
}

static void fake_stop(struct fake *f);

static int teardown_fake(void **state)
{
        (void)state;
        if (the_child > 0) {
                kill(the_child, SIGKILL);
                int st;
                (void)waitpid(the_child, &st, 0);
                the_child = 0;
        }
        fake_stop(&the_fake);
        real_cleanup();
        return 0;
}

static void stop_pid(pid_t *pid)
{
        if (*pid <= 0)
                return;
        kill(*pid, SIGTERM);
        int st;
        (void)waitpid(*pid, &st, 0);
        *pid = 0;
}

static void fake_stop(struct fake *f)
{
        stop_pid(&f->fake_pid);
        stop_pid(&f->dbus_pid);
        unsetenv(RT_SD_TEST_BUS_ENV);
        if (f->dir)
                unit_rmtree(f->dir);
        free(f->dir);
        free(f->address);
        free(f->record);
        *f = (struct fake){0};
}

/* A private dbus-daemon and the fake manager on it, with extra arguments;
 * false when this machine has no dbus-daemon or python3-dbus. */
static bool fake_start(struct fake *f, const char *const *extra)
{
        *f = (struct fake){0};
        if (access("/usr/bin/dbus-daemon", X_OK) != 0 ||
            system("/usr/bin/python3 -c 'import dbus, dbus.service, gi' 2>/dev/null") != 0)
                return false;
        f->dir = unit_tmpdir();
        f->record = xasprintf("%s/calls.jsonl", f->dir);
        _cleanup_free_ char *listen = xasprintf("--address=unix:path=%s/bus", f->dir);
        char *dargv[] = {"/usr/bin/dbus-daemon", "--session",       listen, "--nofork",
                         "--nopidfile",          "--print-address", NULL};
        f->address = spawn_line(dargv, &f->dbus_pid);
        if (!f->address)
                fail_msg("dbus-daemon did not start");
        char *argv[32] = {"/usr/bin/python3", FAKE, "--address", f->address, "--record", f->record};
        size_t n = 6;
        for (size_t i = 0; extra && extra[i] && n < ARRAY_SIZE(argv) - 1; i++)
                argv[n++] = (char *)extra[i];
        argv[n] = NULL;
        _cleanup_free_ char *ready = spawn_line(argv, &f->fake_pid);
        if (!ready || !STREQ(ready, "READY"))
                fail_msg("the fake systemd did not start");
        setenv(RT_SD_TEST_BUS_ENV, f->address, 1);
        return true;
}

/* The calls recorded so far, as a JSON array. */
static struct json *fake_calls(const struct fake *f)
{
        struct json *a = json_new_array();
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, f->record, 0, &buf, &len, NULL) < 0)
                return a;
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; *l; l++) {
                struct json *j = NULL;
                if (!**l)
                        continue;
                assert_int_equal(json_parse(*l, strlen(*l), &j, NULL), 0);
                json_array_append(a, j);
        }
        return a;
}

/* The nth (from 0) recorded call of method. */
static const struct json *fake_call(const struct json *calls, const char *method, size_t nth)
{
        for (size_t i = 0; i < calls->arr.len; i++) {
                const char *m = json_object_get_string(calls->arr.items[i], "method");
                if (m && STREQ(m, method) && nth-- == 0)
                        return calls->arr.items[i];
        }
        fail_msg("no call %s", method);
        return NULL;
}

static void check_args(const struct json *call, const char *want)
{
        struct json *w = NULL;
        assert_int_equal(json_parse(want, strlen(want), &w, NULL), 0);
        const struct json *args = json_object_get(call, "args");
        if (!json_equal(args, w)) {
                _cleanup_free_ char *got = json_generate(args, 0);
                fail_msg("args %s, want %s", got, want);
        }
        json_free(w);
}

static pid_t spawn_sleeper(void)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                for (;;)
                        pause();
        }
        the_child = pid;
        return pid;
}

static void kill_wait(pid_t pid)
{
        kill(pid, SIGKILL);
        int st;
        (void)waitpid(pid, &st, 0);
        if (pid == the_child)
                the_child = 0;
}

static bool has_line(const char *dir, const char *file, pid_t pid)
{
        _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, p, 0, &buf, &len, NULL) < 0)
                return false;
        char want[32];
        snprintf(want, sizeof(want), "%d", (int)pid);
        _cleanup_strv_ char **lines = strv_split(buf, "\n");
        for (char **l = lines; *l; l++)
                if (STREQ(*l, want))
                        return true;
        return false;
}

static const char hybrid_mountinfo[] =
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "39 31 0:34 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char hybrid_self[] = "9:name=systemd:/\n8:pids:/\n4:memory:/x/y\n1:cpu:/\n0::/\n";
static const char *const hybrid_dirs[] = {"cpu", "memory", "pids", "systemd", "unified"};

/* On a fake hybrid tree: the calls, the pid in the scope, state, StopUnit. */
static void test_fake_tree(void **state)
{
        (void)state;
        _cleanup_free_ char *t = unit_tmpdir();
        const char *extra[16] = {"--plain-dirs"};
        size_t ne = 1;
        char *roots[ARRAY_SIZE(hybrid_dirs)];
        for (size_t i = 0; i < ARRAY_SIZE(hybrid_dirs); i++) {
                roots[i] = xasprintf("%s/sys/fs/cgroup/%s", t, hybrid_dirs[i]);
                assert_int_equal(fs_mkdir_p(roots[i], 0755, NULL), 0);
                extra[ne++] = "--cgroup-root";
                extra[ne++] = roots[i];
        }
        struct fake *fp = &the_fake;
        if (!fake_start(fp, extra)) {
                unit_rmtree(t);
                skip();
        }
        struct rt_cg_host h = {0};
        assert_int_equal(
                rt_cg_host_init(&h, t, CGROUP_HYBRID, hybrid_mountinfo, hybrid_self, false, NULL),
                0);
        struct rt_cgroup_opts o = {
                .id = "abc", .cgroups_path = "machine.slice:libpod:abc", .systemd = true};
        struct rt_cgroup *cg = NULL;
        struct err e = {0};
        if (rt_cg_create_on(&h, &o, &cg, &e) < 0)
                fail_msg("create: %s", e.msg);
        /* Nothing is made before the init exists: a scope needs a pid. */
        assert_string_equal(cg->path, "/machine.slice/libpod-abc.scope");
        assert_int_equal(cg->n_dirs, 5);
        _cleanup_free_ char *memdir =
                xasprintf("%s/sys/fs/cgroup/memory/machine.slice/libpod-abc.scope", t);
        assert_false(fs_exists(memdir));
        assert_string_equal(rt_cg_find(cg, "memory")->dir, memdir);
        struct json *calls = fake_calls(fp);
        assert_int_equal(calls->arr.len, 0);
        json_free(calls);

        pid_t child = spawn_sleeper();
        if (rt_cgroup_enter(cg, child, &e) < 0) {
                kill_wait(child);
                fail_msg("enter: %s", e.msg);
        }
        calls = fake_calls(fp);
        const struct json *start = fake_call(calls, "StartTransientUnit", 0);
        check_args(start, "[\"libpod-abc.scope\",\"fail\"]");
        const struct json *props = json_object_get(start, "properties");
        size_t i = 0;
        check_prop(props, i++, "Description", "s", "\"berth container abc\"");
        check_prop(props, i++, "Slice", "s", "\"machine.slice\"");
        _cleanup_free_ char *pids = xasprintf("[%d]", (int)child);
        check_prop(props, i++, "PIDs", "au", pids);
        check_prop(props, i++, "Delegate", "b", "true");
        check_prop(props, i++, "MemoryAccounting", "b", "true");
        check_prop(props, i++, "CPUAccounting", "b", "true");
        check_prop(props, i++, "BlockIOAccounting", "b", "true");
        check_prop(props, i++, "TasksAccounting", "b", "true");
        check_prop(props, i++, "DefaultDependencies", "b", "false");
        assert_int_equal(props->arr.len, i);
        check_args(fake_call(calls, "GetUnit", 0), "[\"libpod-abc.scope\"]");
        json_free(calls);
        /* The fake put the pid in (as systemd would); the runtime joined it too. */
        for (size_t k = 0; k < cg->n_dirs; k++)
                assert_true(has_line(cg->dirs[k].dir, "cgroup.procs", child));
        /* A second process (exec) just joins: no second unit. */
        assert_int_equal(rt_cgroup_enter(cg, child, NULL), 0);
        calls = fake_calls(fp);
        size_t starts = 0;
        for (size_t k = 0; k < calls->arr.len; k++)
                starts += STREQ(json_object_get_string(calls->arr.items[k], "method"),
                                "StartTransientUnit");
        assert_int_equal(starts, 1);
        json_free(calls);

        /* The state keeps the unit; a later command stops it. */
        struct json *j = rt_cgroup_to_json(cg);
        struct json *sdj = json_object_get(j, "systemd");
        assert_non_null(sdj);
        assert_string_equal(json_object_get_string(sdj, "unit"), "libpod-abc.scope");
        assert_true(json_object_get_bool(sdj, "started", false));
        struct rt_cgroup *back = NULL;
        assert_int_equal(rt_cgroup_from_json(j, &back, NULL), 0);
        struct json *j2 = rt_cgroup_to_json(back);
        assert_true(json_equal(j, j2));
        json_free(j2);
        /* Hostile state: only a scope name is ever stopped. */
        json_object_set_string(sdj, "unit", "../../etc.service");
        struct rt_cgroup *bad = NULL;
        assert_true(rt_cgroup_from_json(j, &bad, &e) < 0);
        assert_non_null(strstr(e.msg, "not a scope unit name"));
        err_done(&e);
        json_free(j);

        kill_wait(child);
        if (rt_cgroup_destroy(back, &e) < 0)
                fail_msg("destroy: %s", e.msg);
        calls = fake_calls(fp);
        check_args(fake_call(calls, "StopUnit", 0), "[\"libpod-abc.scope\",\"replace\"]");
        json_free(calls);
        for (size_t k = 0; k < cg->n_dirs; k++)
                assert_false(fs_exists(cg->dirs[k].dir));
        /* Stopping again: the unit is gone, which is fine. */
        assert_int_equal(rt_cgroup_destroy(back, NULL), 0);
        rt_cgroup_free(back);
        rt_cgroup_free(cg);

        /* A failed job is an error that says so. */
        rt_cg_host_done(&h);
        fake_stop(fp);
        const char *failing[] = {"--plain-dirs",  "--job-result", "failed",
                                 "--cgroup-root", roots[1],       NULL};
        assert_true(fake_start(fp, failing));
        assert_int_equal(
                rt_cg_host_init(&h, t, CGROUP_HYBRID, hybrid_mountinfo, hybrid_self, false, NULL),
                0);
        assert_int_equal(rt_cg_create_on(&h, &o, &cg, NULL), 0);
        child = spawn_sleeper();
        assert_true(rt_cgroup_enter(cg, child, &e) < 0);
        kill_wait(child);
        assert_non_null(strstr(e.msg, "creating the systemd unit 'libpod-abc.scope'"));
        assert_non_null(strstr(e.msg, "job ended 'failed'"));
        err_done(&e);
        rt_cgroup_free(cg);

        /* Without the test bus and without systemd: the clear error. */
        unsetenv(RT_SD_TEST_BUS_ENV);
        assert_true(rt_cg_create_on(&h, &o, &cg, &e) < 0);
        assert_string_equal(e.msg, "the systemd cgroup manager needs systemd running (no D-Bus "
                                   "system bus found)");
        err_done(&e);
        /* A cgroupfs path is not a systemd one. */
        setenv(RT_SD_TEST_BUS_ENV, fp->address, 1);
        o.cgroups_path = "/kubepods/ctr";
        assert_true(rt_cg_create_on(&h, &o, &cg, &e) < 0);
        assert_non_null(strstr(e.msg, "expected \"slice:prefix:name\""));
        err_done(&e);
        rt_cg_host_done(&h);
        fake_stop(fp);
        for (size_t k = 0; k < ARRAY_SIZE(hybrid_dirs); k++)
                free(roots[k]);
        unit_rmtree(t);
}

/* Rootless (cgroup v2 only): the user's manager puts the scope below its own
 * cgroup, which the runtime learns from ControlGroup. */
static void test_fake_user(void **state)
{
        (void)state;
        _cleanup_free_ char *t = unit_tmpdir();
        _cleanup_free_ char *root = xasprintf("%s/sys/fs/cgroup", t);
        assert_int_equal(fs_mkdir_p(root, 0755, NULL), 0);
        const char *extra[] = {"--plain-dirs",
                               "--cgroup-root",
                               root,
                               "--manager-cgroup",
                               "/user.slice/user-1000.slice/user@1000.service",
                               NULL};
        struct fake *fp = &the_fake;
        if (!fake_start(fp, extra)) {
                unit_rmtree(t);
                skip();
        }
        static const char v2_mountinfo[] =
                "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        struct rt_cg_host h = {0};
        assert_int_equal(rt_cg_host_init(&h, t, CGROUP_UNIFIED, v2_mountinfo,
                                         "0::/user.slice/user-1000.slice/session-1.scope\n", true,
                                         NULL),
                         0);
        struct rt_cgroup_opts o = {.id = "c2", .rootless = true, .systemd = true};
        struct rt_cgroup *cg = NULL;
        struct err e = {0};
        if (rt_cg_create_on(&h, &o, &cg, &e) < 0)
                fail_msg("create: %s", e.msg);
        pid_t child = spawn_sleeper();
        if (rt_cgroup_enter(cg, child, &e) < 0) {
                kill_wait(child);
                fail_msg("enter: %s", e.msg);
        }
        assert_string_equal(cg->path, "/user.slice/user-1000.slice/user@1000.service/user.slice/"
                                      "berth-c2.scope");
        assert_int_equal(cg->n_dirs, 1);
        _cleanup_free_ char *want = xasprintf("%s%s", root, cg->path);
        assert_string_equal(cg->dirs[0].dir, want);
        assert_true(has_line(want, "cgroup.procs", child));
        struct json *calls = fake_calls(fp);
        const struct json *props =
                json_object_get(fake_call(calls, "StartTransientUnit", 0), "properties");
        check_prop(props, 1, "Slice", "s", "\"user.slice\"");
        check_prop(props, 6, "IOAccounting", "b", "true");
        json_free(calls);
        kill_wait(child);
        assert_int_equal(rt_cgroup_destroy(cg, NULL), 0);
        assert_false(fs_exists(want));
        rt_cgroup_free(cg);

        /* Rootless on cgroup v1: refused, as runc does. */
        rt_cg_host_done(&h);
        assert_int_equal(
                rt_cg_host_init(&h, t, CGROUP_HYBRID, hybrid_mountinfo, hybrid_self, true, NULL),
                0);
        assert_true(rt_cg_create_on(&h, &o, &cg, &e) < 0);
        assert_non_null(strstr(e.msg, "needs cgroup v2 for rootless"));
        err_done(&e);
        rt_cg_host_done(&h);
        fake_stop(fp);
        unit_rmtree(t);
}

/* ------------------------------------------------------------------------
 * As root, on this host's real cgroups (the fake makes the scope there)
 * ------------------------------------------------------------------------ */

static char real_slice[64];

static void real_cleanup(void)
{
        if (!real_slice[0])
                return;
        _cleanup_free_ char *cmd =
                xasprintf("for d in /sys/fs/cgroup/%s /sys/fs/cgroup/*/%s; do [ -d \"$d\" ] && "
                          "find \"$d\" -depth -type d -exec rmdir {} + 2>/dev/null; done; true",
                          real_slice, real_slice);
        (void)!system(cmd);
}

static char *read_cg(const char *dir, const char *file)
{
        char *s = NULL;
        struct err e = {0};
        if (rt_cg_read(dir, file, &s, &e) < 0)
                fail_msg("%s", e.msg);
        return s;
}

static void test_real(void **state)
{
        (void)state;
        enum cgroup_mode mode;
        if (geteuid() != 0 || host_cgroup_mode("/sys/fs/cgroup", &mode, NULL) < 0 ||
            access(mode == CGROUP_UNIFIED ? "/sys/fs/cgroup" : "/sys/fs/cgroup/pids", W_OK) != 0)
                skip();
        bool v2 = mode == CGROUP_UNIFIED;
        snprintf(real_slice, sizeof(real_slice), "berthtest%d.slice", (int)getpid());
        /* The fake makes the scope where systemd would with Delegate=yes on
         * these hierarchies; the runtime makes the others (cpu, ...). */
        static const char *const v1_roots[] = {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids",
                                               "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/unified"};
        const char *extra[16] = {"--kill"};
        size_t ne = 1;
        for (size_t i = 0; i < (v2 ? 1 : ARRAY_SIZE(v1_roots)); i++) {
                const char *r = v2 ? "/sys/fs/cgroup" : v1_roots[i];
                if (!fs_exists(r))
                        continue;
                extra[ne++] = "--cgroup-root";
                extra[ne++] = r;
        }
        struct fake *fp = &the_fake;
        if (!fake_start(fp, extra))
                skip();
        struct rt_resources *r = parse_res("{\"memory\":{\"limit\":67108864},"
                                           "\"cpu\":{\"shares\":512,\"quota\":50000,"
                                           "\"period\":100000},\"pids\":{\"limit\":10}}");
        _cleanup_free_ char *path = xasprintf("%s::ctr", real_slice);
        struct rt_cgroup_opts o = {
                .id = "ctr", .cgroups_path = path, .systemd = true, .resources = r};
        struct rt_cgroup *cg = NULL;
        struct err e = {0};
        if (rt_cgroup_create(&o, &cg, &e) < 0)
                fail_msg("create: %s", e.msg);
        pid_t child = spawn_sleeper();
        if (rt_cgroup_enter(cg, child, &e) < 0) {
                kill_wait(child);
                real_cleanup();
                fail_msg("enter: %s", e.msg);
        }
        /* The exact call. */
        struct json *calls = fake_calls(fp);
        const struct json *start = fake_call(calls, "StartTransientUnit", 0);
        check_args(start, "[\"berth-ctr.scope\",\"fail\"]");
        const struct json *props = json_object_get(start, "properties");
        size_t i = 0;
        check_prop(props, i++, "Description", "s", "\"berth container ctr\"");
        _cleanup_free_ char *slice = xasprintf("\"%s\"", real_slice);
        check_prop(props, i++, "Slice", "s", slice);
        _cleanup_free_ char *pids = xasprintf("[%d]", (int)child);
        check_prop(props, i++, "PIDs", "au", pids);
        check_prop(props, i++, "Delegate", "b", "true");
        check_prop(props, i++, "MemoryAccounting", "b", "true");
        check_prop(props, i++, "CPUAccounting", "b", "true");
        check_prop(props, i++, v2 ? "IOAccounting" : "BlockIOAccounting", "b", "true");
        check_prop(props, i++, "TasksAccounting", "b", "true");
        check_prop(props, i++, "DefaultDependencies", "b", "false");
        check_prop(props, i++, v2 ? "MemoryMax" : "MemoryLimit", "t", "67108864");
        _cleanup_free_ char *w =
                xasprintf("%llu", v2 ? (unsigned long long)rt_res_shares_to_weight(512) : 512ULL);
        check_prop(props, i++, v2 ? "CPUWeight" : "CPUShares", "t", w);
        check_prop(props, i++, "CPUQuotaPeriodUSec", "t", "100000");
        check_prop(props, i++, "CPUQuotaPerSecUSec", "t", "500000");
        check_prop(props, i++, "TasksMax", "t", "10");
        assert_int_equal(props->arr.len, i);
        json_free(calls);

        /* The pid is in the scope's cgroup, in every hierarchy. */
        _cleanup_free_ char *scope = xasprintf("/%s/berth-ctr.scope", real_slice);
        assert_string_equal(cg->path, scope);
        _cleanup_free_ char *proc = xasprintf("/proc/%d/cgroup", (int)child);
        _cleanup_free_ char *pcg = NULL;
        size_t len;
        assert_int_equal(fs_read_file(AT_FDCWD, proc, 0, &pcg, &len, NULL), 0);
        _cleanup_free_ char *want_mem = xasprintf("%s:%s\n", v2 ? "0:" : "memory", scope);
        assert_non_null(strstr(pcg, want_mem));
        if (!v2) {
                _cleanup_free_ char *want_cpu = xasprintf(":cpu:%s\n", scope);
                _cleanup_free_ char *want_sd = xasprintf(":name=systemd:%s\n", scope);
                assert_non_null(strstr(pcg, want_cpu));
                assert_non_null(strstr(pcg, want_sd));
        }
        /* ...and the limits are in cgroupfs too. */
        const struct rt_cg_dir *mem = rt_cg_find(cg, "memory");
        _cleanup_free_ char *lim = read_cg(mem->dir, v2 ? "memory.max" : "memory.limit_in_bytes");
        assert_string_equal(lim, "67108864");
        _cleanup_free_ char *pmax = read_cg(rt_cg_find(cg, "pids")->dir, "pids.max");
        assert_string_equal(pmax, "10");

        /* update: SetUnitProperties, then cgroupfs. */
        struct rt_resources *r2 = parse_res("{\"memory\":{\"limit\":134217728},"
                                            "\"pids\":{\"limit\":20}}");
        if (rt_cgroup_apply(cg, r2, &e) < 0)
                fail_msg("update: %s", e.msg);
        calls = fake_calls(fp);
        const struct json *set = fake_call(calls, "SetUnitProperties", 0);
        check_args(set, "[\"berth-ctr.scope\",true]");
        props = json_object_get(set, "properties");
        check_prop(props, 0, v2 ? "MemoryMax" : "MemoryLimit", "t", "134217728");
        check_prop(props, 1, "TasksMax", "t", "20");
        assert_int_equal(props->arr.len, 2);
        json_free(calls);
        _cleanup_free_ char *lim2 = read_cg(mem->dir, v2 ? "memory.max" : "memory.limit_in_bytes");
        assert_string_equal(lim2, "134217728");

        /* delete: StopUnit, and nothing left in any hierarchy. */
        kill_wait(child);
        if (rt_cgroup_destroy(cg, &e) < 0) {
                real_cleanup();
                fail_msg("destroy: %s", e.msg);
        }
        calls = fake_calls(fp);
        check_args(fake_call(calls, "StopUnit", 0), "[\"berth-ctr.scope\",\"replace\"]");
        json_free(calls);
        for (size_t k = 0; k < cg->n_dirs; k++)
                if (fs_exists(cg->dirs[k].dir))
                        fail_msg("'%s' is left", cg->dirs[k].dir);
        rt_cgroup_free(cg);
        rt_resources_free(r);
        rt_resources_free(r2);
        fake_stop(fp);
        real_cleanup();
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_cpuset_bits),
                cmocka_unit_test(test_props_v1),
                cmocka_unit_test(test_props_v2),
                cmocka_unit_test(test_props_devices),
                cmocka_unit_test(test_unit_props),
                cmocka_unit_test_teardown(test_fake_tree, teardown_fake),
                cmocka_unit_test_teardown(test_fake_user, teardown_fake),
                cmocka_unit_test_teardown(test_real, teardown_fake),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);
        real_cleanup();
        return r;
}
