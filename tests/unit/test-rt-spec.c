/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json parsing (runtime/spec*.c), the name tables (capabilities,
 * rlimits, namespaces, signals, statuses), the default spec and features.
 * Most cases start from a minimal valid config and change one field, so an
 * error must come from that field and name it.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "unit.h"

#include "rt-internal.h"

static const char minimal[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"}}";

static const char minimal_process[] = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
                                      "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}}";

/* minimal with the namespaces that idmaps, time offsets and a hostname need. */
static const char minimal_ns[] =
        "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"namespaces\":"
        "[{\"type\":\"user\"},{\"type\":\"time\"},{\"type\":\"uts\"}]}}";

/* `runc spec` of runc 1.1.5, as written. */
static const char runc_spec[] =
        "{\n\t\"ociVersion\": \"1.0.2-dev\",\n\t\"process\": {\n\t\t\"terminal\": true,\n"
        "\t\t\"user\": {\"uid\": 0, \"gid\": 0},\n\t\t\"args\": [\"sh\"],\n"
        "\t\t\"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", "
        "\"TERM=xterm\"],\n\t\t\"cwd\": \"/\",\n\t\t\"capabilities\": {\n"
        "\t\t\t\"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
        "\t\t\t\"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
        "\t\t\t\"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
        "\t\t\t\"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
        "\t\t},\n\t\t\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": "
        "1024}],\n"
        "\t\t\"noNewPrivileges\": true\n\t},\n"
        "\t\"root\": {\"path\": \"rootfs\", \"readonly\": true},\n\t\"hostname\": \"runc\",\n"
        "\t\"mounts\": [\n"
        "\t\t{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
        "\t\t{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": "
        "[\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
        "\t\t{\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", "
        "\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
        "\"mode=0620\", \"gid=5\"]},\n"
        "\t\t{\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", "
        "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
        "\t\t{\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", "
        "\"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
        "\t\t{\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\", "
        "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
        "\t\t{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": "
        "\"cgroup\", \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}\n"
        "\t],\n\t\"linux\": {\n"
        "\t\t\"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},\n"
        "\t\t\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": "
        "\"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}],\n"
        "\t\t\"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", "
        "\"/proc/keys\", \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", "
        "\"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],\n"
        "\t\t\"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", "
        "\"/proc/sysrq-trigger\"]\n\t}\n}";

/* `runc spec --rootless` of runc 1.1.5 (run as uid 1000), as written. */
static const char runc_spec_rootless[] =
        "{\"ociVersion\": \"1.0.2-dev\", \"process\": {\"terminal\": true, "
        "\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"], "
        "\"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", "
        "\"TERM=xterm\"], \"cwd\": \"/\", \"capabilities\": {"
        "\"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"], "
        "\"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"], "
        "\"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"], "
        "\"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]}, "
        "\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}], "
        "\"noNewPrivileges\": true}, "
        "\"root\": {\"path\": \"rootfs\", \"readonly\": true}, \"hostname\": \"runc\", "
        "\"mounts\": ["
        "{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"}, "
        "{\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": "
        "[\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]}, "
        "{\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", "
        "\"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", "
        "\"mode=0620\"]}, "
        "{\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", "
        "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]}, "
        "{\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", "
        "\"options\": [\"nosuid\", \"noexec\", \"nodev\"]}, "
        "{\"destination\": \"/sys\", \"type\": \"none\", \"source\": \"/sys\", "
        "\"options\": [\"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\"]}, "
        "{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", "
        "\"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}], "
        "\"linux\": {"
        "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}], "
        "\"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}], "
        "\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"}, "
        "{\"type\": \"mount\"}, {\"type\": \"user\"}], "
        "\"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", "
        "\"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\", "
        "\"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"], "
        "\"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", "
        "\"/proc/sysrq-trigger\"]}}";

static struct rt_spec *parse_ok(const char *text)
{
        struct rt_spec *s = NULL;
        struct err e = {0};
        int r = rt_spec_parse(text, strlen(text), &s, &e);
        if (r < 0)
                fail_msg("unexpected error: %s\nfor: %s", e.msg, text);
        assert_non_null(s);
        assert_non_null(s->resources);
        err_done(&e);
        return s;
}

/* The parse must fail, with a message containing want. */
static void parse_fails(const char *text, const char *want)
{
        struct rt_spec *s = NULL;
        struct err e = {0};
        int r = rt_spec_parse(text, strlen(text), &s, &e);
        if (r >= 0)
                fail_msg("parse succeeded, expected '%s'\nfor: %s", want, text);
        assert_null(s);
        assert_non_null(e.msg);
        if (!strstr(e.msg, want))
                fail_msg("error '%s' lacks '%s'\nfor: %s", e.msg, want, text);
        err_done(&e);
}

/* Allocates: base with the dotted path (objects made on the way) set to the
 * JSON text value, or removed when value is NULL. */
static char *variant(const char *base, const char *path, const char *value)
{
        struct json *doc = NULL;
        assert_int_equal(json_parse(base, strlen(base), &doc, NULL), 0);
        char **parts = strv_split(path, ".");
        struct json *o = doc;
        size_t n = strv_length(parts);
        for (size_t i = 0; i + 1 < n; i++) {
                struct json *next = json_object_get(o, parts[i]);
                if (!next || next->type != JSON_OBJECT) {
                        next = json_new_object();
                        json_object_set(o, parts[i], next);
                }
                o = next;
        }
        if (value) {
                struct json *v = NULL;
                struct err e = {0};
                if (json_parse(value, strlen(value), &v, &e) < 0)
                        fail_msg("bad test value %s: %s", value, e.msg);
                json_object_set(o, parts[n - 1], v);
        } else {
                json_object_remove(o, parts[n - 1]);
        }
        char *out = json_generate(doc, 0);
        json_free(doc);
        strv_free(parts);
        return out;
}

static void fails_with(const char *base, const char *path, const char *value, const char *want)
{
        char *t = variant(base, path, value);
        parse_fails(t, want);
        free(t);
}

static struct rt_spec *ok_with(const char *base, const char *path, const char *value)
{
        char *t = variant(base, path, value);
        struct rt_spec *s = parse_ok(t);
        free(t);
        return s;
}

/* ------------------------------------------------------------------------ */

static void test_minimal(void **state)
{
        struct rt_spec *s = parse_ok(minimal);
        assert_string_equal(s->oci_version, "1.0.0");
        assert_string_equal(s->root_path, "rootfs");
        assert_false(s->root_readonly);
        assert_null(s->process);
        assert_null(s->hostname);
        assert_int_equal(s->n_mounts, 0);
        assert_null(s->annotations);
        for (int t = 0; t < RT_NS_COUNT; t++)
                assert_false(s->ns[t].enabled);
        for (int k = 0; k < RT_HOOK_NKINDS; k++)
                assert_int_equal(s->n_hooks[k], 0);
        assert_null(s->seccomp);
        assert_null(s->sysctl);
        /* The text it came from, which create keeps in the state. */
        assert_string_equal(s->text, minimal);
        assert_int_equal(s->text_len, strlen(minimal));
        rt_spec_free(s);

        s = parse_ok(minimal_process);
        assert_non_null(s->process);
        assert_string_equal(s->process->args[0], "sh");
        assert_null(s->process->args[1]);
        assert_non_null(s->process->env);
        assert_null(s->process->env[0]);
        assert_false(s->process->has_caps);
        assert_false(s->process->has_umask);
        assert_false(s->process->has_oom_score_adj);
        assert_int_equal(s->process->uid, 0);
        rt_spec_free(s);
        rt_spec_free(NULL);
}

static void check_runc_common(struct rt_spec *s)
{
        struct rt_process *p = s->process;
        assert_string_equal(s->oci_version, "1.0.2-dev");
        assert_true(s->root_readonly);
        assert_string_equal(s->hostname, "runc");
        assert_true(p->terminal);
        assert_string_equal(p->cwd, "/");
        assert_int_equal(strv_length(p->env), 2);
        assert_true(p->has_caps);
        uint64_t want =
                (1ULL << CAP_AUDIT_WRITE) | (1ULL << CAP_KILL) | (1ULL << CAP_NET_BIND_SERVICE);
        assert_true(p->caps[RT_CAP_BOUNDING] == want);
        assert_true(p->caps[RT_CAP_EFFECTIVE] == want);
        assert_true(p->caps[RT_CAP_PERMITTED] == want);
        assert_true(p->caps[RT_CAP_AMBIENT] == want);
        assert_true(p->caps[RT_CAP_INHERITABLE] == 0);
        assert_int_equal(p->n_rlimits, 1);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(p->rlimits[0].soft, 1024);
        assert_int_equal(p->rlimits[0].hard, 1024);
        assert_true(p->no_new_privileges);
        assert_int_equal(s->n_mounts, 7);
        assert_string_equal(s->mounts[0].destination, "/proc");
        assert_string_equal(s->mounts[6].destination, "/sys/fs/cgroup");
        assert_int_equal(strv_length(s->masked_paths), 10);
        assert_int_equal(strv_length(s->readonly_paths), 5);
        assert_true(s->ns[RT_NS_PID].enabled);
        assert_true(s->ns[RT_NS_IPC].enabled);
        assert_true(s->ns[RT_NS_UTS].enabled);
        assert_true(s->ns[RT_NS_MOUNT].enabled);
        assert_null(s->ns[RT_NS_PID].path);
        assert_false(s->ns[RT_NS_CGROUP].enabled);
}

static void test_runc_spec(void **state)
{
        struct rt_spec *s = parse_ok(runc_spec);
        check_runc_common(s);
        assert_true(s->ns[RT_NS_NET].enabled);
        assert_false(s->ns[RT_NS_USER].enabled);
        assert_int_equal(s->n_uid_mappings, 0);
        rt_spec_free(s);

        s = parse_ok(runc_spec_rootless);
        check_runc_common(s);
        assert_false(s->ns[RT_NS_NET].enabled);
        assert_true(s->ns[RT_NS_USER].enabled);
        assert_int_equal(s->n_uid_mappings, 1);
        assert_int_equal(s->uid_mappings[0].container_id, 0);
        assert_int_equal(s->uid_mappings[0].host_id, 1000);
        assert_int_equal(s->uid_mappings[0].size, 1);
        assert_int_equal(s->n_gid_mappings, 1);
        rt_spec_free(s);
}

/* The runc of this machine, when there is one, agrees with the fixtures. */
static void test_runc_spec_live(void **state)
{
        if (system("command -v runc >/dev/null 2>&1") != 0)
                skip();
        const char *flags[] = {"", "--rootless"};
        for (size_t i = 0; i < 2; i++) {
                char *dir = unit_tmpdir();
                char *cmd = xasprintf("cd '%s' && runc spec %s", dir, flags[i]);
                assert_int_equal(system(cmd), 0);
                struct rt_spec *s = NULL;
                struct err e = {0};
                if (rt_spec_load(dir, &s, &e) < 0)
                        fail_msg("%s", e.msg);
                check_runc_common(s);
                rt_spec_free(s);
                unit_rmtree(dir);
                free(cmd);
                free(dir);
        }
}

static void test_default_spec(void **state)
{
        for (int rootless = 0; rootless < 2; rootless++) {
                struct json *d = rt_spec_default(rootless);
                char *text = json_generate(d, JSON_GEN_PRETTY);
                struct rt_spec *s = parse_ok(text);
                assert_non_null(s->process);
                assert_string_equal(s->process->args[0], "sh");
                assert_string_equal(s->hostname, "berth");
                assert_true(s->root_readonly);
                assert_int_equal(s->n_mounts, 7);
                assert_true(s->ns[RT_NS_MOUNT].enabled);
                assert_int_equal(s->ns[RT_NS_NET].enabled, !rootless);
                assert_int_equal(s->ns[RT_NS_USER].enabled, rootless);
                assert_int_equal(s->n_uid_mappings, rootless ? 1 : 0);
                if (rootless) {
                        assert_null(json_get_path(d, "linux.resources"));
                        assert_int_equal(s->uid_mappings[0].host_id, geteuid());
                        assert_int_equal(s->gid_mappings[0].host_id, getegid());
                        assert_string_equal(s->mounts[5].destination, "/sys");
                        assert_true(strstr(text, "rbind") != NULL);
                        assert_null(strstr(text, "gid=5"));
                } else {
                        assert_non_null(json_get_path(d, "linux.resources"));
                        assert_non_null(strstr(text, "gid=5"));
                }
                rt_spec_free(s);
                free(text);
                json_free(d);
        }
}

static void test_version(void **state)
{
        static const char *const good[] = {"\"1.0.0\"", "\"1.0.2-dev\"", "\"1.1.0\"",
                                           "\"1.2.0\"", "\"1.2.1+dev\"", "\"1.0.0-rc5\"",
                                           "\"1.3.0\"", "\"1.1.0-rc.1\""};
        for (size_t i = 0; i < ARRAY_SIZE(good); i++)
                rt_spec_free(ok_with(minimal, "ociVersion", good[i]));
        fails_with(minimal, "ociVersion", "\"2.0.0\"", "ociVersion: unsupported version '2.0.0'");
        fails_with(minimal, "ociVersion", "\"0.5.0\"", "unsupported version");
        fails_with(minimal, "ociVersion", "\"1.0\"", "ociVersion: '1.0' is not a SemVer");
        fails_with(minimal, "ociVersion", "\"01.0.0\"", "not a SemVer");
        fails_with(minimal, "ociVersion", "\"1.0.0-\"", "not a SemVer");
        fails_with(minimal, "ociVersion", "\"1.0.0 \"", "not a SemVer");
        fails_with(minimal, "ociVersion", "\"\"", "not a SemVer");
        fails_with(minimal, "ociVersion", "\"1.0.0\\u0000x\"", "ociVersion: contains a NUL");
        fails_with(minimal, "ociVersion", "1", "ociVersion: expected a string, got integer");
        fails_with(minimal, "ociVersion", NULL, "ociVersion: required");
        fails_with(minimal, "ociVersion", "null", "ociVersion: required");
}

static void test_top_level(void **state)
{
        parse_fails("", "invalid JSON");
        parse_fails("[]", "expected an object, got array");
        parse_fails("null", "expected an object, got null");
        parse_fails("{\"ociVersion\":\"1.0.0\"", "invalid JSON");
        fails_with(minimal, "root", NULL, "root: required");
        fails_with(minimal, "root", "\"rootfs\"", "root: expected an object, got string");
        fails_with(minimal, "root.path", NULL, "root.path: required");
        fails_with(minimal, "root.path", "\"\"", "root.path: empty");
        fails_with(minimal, "root.path", "[]", "root.path: expected a string, got array");
        fails_with(minimal, "root.readonly", "\"yes\"", "root.readonly: expected a boolean");
        fails_with(minimal, "hostname", "42", "hostname: expected a string");
        char *long_name = xasprintf("\"%065d\"", 0);
        fails_with(minimal, "hostname", long_name, "hostname: '000");
        fails_with(minimal, "domainname", long_name, "longer than 64 bytes");
        free(long_name);
        fails_with(minimal, "process", "[]", "process: expected an object, got array");
        fails_with(minimal, "mounts", "{}", "mounts: expected an array, got object");
        fails_with(minimal, "mounts", "[1]", "mounts[0]: expected an object, got integer");
        fails_with(minimal, "linux", "[]", "linux: expected an object, got array");
        fails_with(minimal, "annotations", "[]", "annotations: expected an object");
        fails_with(minimal, "annotations", "{\"a\":1}", "annotations.a: expected a string");
        fails_with(minimal, "annotations", "{\"\":\"x\"}", "annotations: empty key");

        struct rt_spec *s = ok_with(minimal, "annotations", "{\"org.example\":\"v\",\"b\":\"\"}");
        assert_non_null(s->annotations);
        assert_string_equal(json_object_get_string(s->annotations, "org.example"), "v");
        rt_spec_free(s);

        /* Unknown keys anywhere are ignored. */
        s = ok_with(minimal, "somethingNew", "{\"x\":[1,2]}");
        rt_spec_free(s);
        s = ok_with(minimal, "linux.futureThing", "42");
        rt_spec_free(s);
        s = ok_with(minimal, "windows", "{\"layerFolders\":[]}");
        rt_spec_free(s);
        /* null and "" are as good as absent. */
        s = ok_with(minimal, "hostname", "null");
        assert_null(s->hostname);
        rt_spec_free(s);
        s = ok_with(minimal, "hostname", "\"\"");
        assert_null(s->hostname);
        rt_spec_free(s);
        /* A hostname needs a UTS namespace of its own. */
        fails_with(minimal, "hostname", "\"box\"", "hostname: set without a UTS namespace");
        fails_with(minimal, "domainname", "\"example.org\"",
                   "domainname: set without a UTS namespace");
        s = ok_with(minimal_ns, "hostname", "\"box\"");
        assert_string_equal(s->hostname, "box");
        rt_spec_free(s);
}

static void test_size_limits(void **state)
{
        size_t big = RT_SPEC_MAX_SIZE + 1;
        char *buf = xmalloc(big);
        memset(buf, ' ', big);
        memcpy(buf, minimal, strlen(minimal));
        struct rt_spec *s = NULL;
        struct err e = {0};
        assert_int_equal(rt_spec_parse(buf, big, &s, &e), -EFBIG);
        assert_null(s);
        err_done(&e);
        /* Just under the limit is fine. */
        assert_int_equal(rt_spec_parse(buf, big - 1, &s, &e), 0);
        rt_spec_free(s);
        free(buf);

        /* Deep nesting ends in a JSON error, not a stack overflow. */
        struct sbuf b = {0};
        sbuf_append(&b, "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"x\":");
        for (int i = 0; i < 100000; i++)
                sbuf_putc(&b, '[');
        parse_fails(b.buf, "invalid JSON");
        sbuf_done(&b);

        /* Lists past RT_MAX_ENTRIES are refused before any work. */
        struct sbuf l = {0};
        sbuf_append(&l, "[");
        for (int i = 0; i <= RT_MAX_ENTRIES; i++)
                sbuf_append(&l, i ? ",\"/a\"" : "\"/a\"");
        sbuf_append(&l, "]");
        fails_with(minimal, "linux.maskedPaths", l.buf, "linux.maskedPaths: 4097 entries");
        fails_with(minimal_process, "process.env", l.buf, "process.env: 4097 entries");
        sbuf_done(&l);
}

static void test_load(void **state)
{
        char *dir = unit_tmpdir();
        struct rt_spec *s = NULL;
        struct err e = {0};
        assert_true(rt_spec_load(dir, &s, &e) < 0);
        assert_non_null(strstr(e.msg, "config.json"));
        err_done(&e);

        char *path = xasprintf("%s/config.json", dir);
        assert_int_equal(fs_write_atomic(AT_FDCWD, path, minimal, strlen(minimal), 0644, NULL), 0);
        assert_int_equal(rt_spec_load(dir, &s, &e), 0);
        assert_string_equal(s->root_path, "rootfs");
        rt_spec_free(s);

        const char bad[] = "{\"ociVersion\":\"1.0.0\",\"root\":{}}";
        assert_int_equal(fs_write_atomic(AT_FDCWD, path, bad, strlen(bad), 0644, NULL), 0);
        assert_true(rt_spec_load(dir, &s, &e) < 0);
        char *want = xasprintf("%s: root.path: required", path);
        assert_string_equal(e.msg, want);
        err_done(&e);
        free(want);

        /* A file past the bound is refused without being read whole. */
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(ftruncate(fileno(f), RT_SPEC_MAX_SIZE + 10), 0);
        fclose(f);
        assert_int_equal(rt_spec_load(dir, &s, &e), -EFBIG);
        err_done(&e);

        unit_rmtree(dir);
        free(path);
        free(dir);
}

static void test_process(void **state)
{
        const char *b = minimal_process;
        fails_with(b, "process.args", NULL, "process.args: required");
        fails_with(b, "process.args", "[]", "process.args: required, and must not be empty");
        fails_with(b, "process.args", "[\"sh\",1]", "process.args[1]: expected a string");
        fails_with(b, "process.args", "\"sh\"", "process.args: expected an array, got string");
        fails_with(b, "process.args", "[\"a\\u0000b\"]", "process.args[0]: contains a NUL");
        fails_with(b, "process.env", "[\"A=1\",\"NOEQUALS\"]",
                   "process.env[1]: 'NOEQUALS' is not NAME=value");
        fails_with(b, "process.env", "[\"=x\"]", "process.env[0]: '=x' is not NAME=value");
        fails_with(b, "process.cwd", NULL, "process.cwd: required");
        fails_with(b, "process.cwd", "\"tmp\"", "process.cwd: 'tmp' is not an absolute path");
        fails_with(b, "process.cwd", "\"\"", "process.cwd: '' is not an absolute path");
        fails_with(b, "process.terminal", "1", "process.terminal: expected a boolean");
        fails_with(b, "process.noNewPrivileges", "\"true\"", "process.noNewPrivileges");
        fails_with(b, "process.user", "0", "process.user: expected an object");
        fails_with(b, "process.user.uid", "-1", "process.user.uid: -1 out of range");
        fails_with(b, "process.user.uid", "4294967296", "process.user.uid: 4294967296 out of");
        fails_with(b, "process.user.gid", "\"0\"", "process.user.gid: expected an integer");
        fails_with(b, "process.user.uid", "1.5", "process.user.uid: 1.5 is not an integer");
        fails_with(b, "process.user.umask", "512", "process.user.umask: 512 out of range");
        fails_with(b, "process.user.additionalGids", "[1,-2]",
                   "process.user.additionalGids[1]: -2 out of range");
        fails_with(b, "process.user.additionalGids", "[\"x\"]",
                   "process.user.additionalGids[0]: expected an integer");
        fails_with(b, "process.consoleSize", "[]", "process.consoleSize: expected an object");
        fails_with(b, "process.consoleSize.height", "70000",
                   "process.consoleSize.height: 70000 out of range");
        fails_with(b, "process.oomScoreAdj", "1001", "process.oomScoreAdj: 1001 out of range");
        fails_with(b, "process.oomScoreAdj", "-1001", "process.oomScoreAdj: -1001 out");
        fails_with(b, "process.oomScoreAdj", "\"5\"", "process.oomScoreAdj: expected an integer");
        fails_with(b, "process.apparmorProfile", "[]", "process.apparmorProfile: expected a");
        fails_with(b, "process.selinuxLabel", "1", "process.selinuxLabel: expected a string");

        char *t = variant(b, "process.user",
                          "{\"uid\":1000,\"gid\":100,\"umask\":18,\"additionalGids\":[5,"
                          "4294967295],\"username\":\"ignored\"}");
        char *t2 = variant(t, "process.consoleSize", "{\"height\":24,\"width\":80}");
        char *t3 = variant(t2, "process.oomScoreAdj", "-1000");
        char *t4 = variant(t3, "process.apparmorProfile", "\"\"");
        char *t5 = variant(t4, "process.selinuxLabel", "\"system_u:system_r:container_t:s0\"");
        struct rt_spec *s = parse_ok(t5);
        struct rt_process *p = s->process;
        assert_int_equal(p->uid, 1000);
        assert_int_equal(p->gid, 100);
        assert_true(p->has_umask);
        assert_int_equal(p->umask, 022);
        assert_int_equal(p->n_additional_gids, 2);
        assert_int_equal(p->additional_gids[1], UINT32_MAX);
        assert_int_equal(p->console_height, 24);
        assert_int_equal(p->console_width, 80);
        assert_true(p->has_oom_score_adj);
        assert_int_equal(p->oom_score_adj, -1000);
        assert_null(p->apparmor_profile);
        assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
        rt_spec_free(s);
        free(t);
        free(t2);
        free(t3);
        free(t4);
        free(t5);
}

static void test_process_parse_direct(void **state)
{
        struct json *j = NULL;
        const char text[] = "{\"args\":[\"ls\",\"-l\"],\"cwd\":\"/work\",\"env\":[\"A=b=c\"]}";
        assert_int_equal(json_parse(text, strlen(text), &j, NULL), 0);
        struct rt_process *p = NULL;
        struct err e = {0};
        assert_int_equal(rt_process_parse(j, &p, &e), 0);
        assert_string_equal(p->args[1], "-l");
        assert_string_equal(p->env[0], "A=b=c");
        assert_string_equal(p->cwd, "/work");
        rt_process_free(p);
        rt_process_free(NULL);
        json_free(j);

        p = NULL;
        assert_true(rt_process_parse(NULL, &p, &e) < 0);
        assert_null(p);
        err_done(&e);
}

static void test_capabilities(void **state)
{
        const char *b = minimal_process;
        struct rt_spec *s = ok_with(b, "process.capabilities",
                                    "{\"bounding\":[\"CAP_SYS_ADMIN\",\"cap_chown\",\"NET_RAW\","
                                    "\"CAP_NO_SUCH_THING\",\"CAP_CHECKPOINT_RESTORE\"],"
                                    "\"inheritable\":[],\"ambient\":null}");
        struct rt_process *p = s->process;
        assert_true(p->has_caps);
        uint64_t want = (1ULL << CAP_SYS_ADMIN) | (1ULL << CAP_CHOWN) | (1ULL << CAP_NET_RAW) |
                        (1ULL << 40);
        assert_true(p->caps[RT_CAP_BOUNDING] == want);
        assert_true(p->caps[RT_CAP_INHERITABLE] == 0);
        assert_true(p->caps[RT_CAP_AMBIENT] == 0);
        rt_spec_free(s);

        s = ok_with(b, "process.capabilities", "{}");
        assert_true(s->process->has_caps);
        rt_spec_free(s);

        fails_with(b, "process.capabilities", "[]", "process.capabilities: expected an object");
        fails_with(b, "process.capabilities.effective", "\"CAP_KILL\"",
                   "process.capabilities.effective: expected an array");
        fails_with(b, "process.capabilities.permitted", "[\"CAP_KILL\",5]",
                   "process.capabilities.permitted[1]: expected a string");
}

static void test_rlimits(void **state)
{
        const char *b = minimal_process;
        struct rt_spec *s = ok_with(b, "process.rlimits",
                                    "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":4096},"
                                    "{\"type\":\"RLIMIT_CORE\",\"soft\":0,"
                                    "\"hard\":18446744073709551615},"
                                    "{\"type\":\"rlimit_nproc\",\"soft\":9223372036854775807,"
                                    "\"hard\":9223372036854775807}]");
        struct rt_process *p = s->process;
        assert_int_equal(p->n_rlimits, 3);
        assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
        assert_int_equal(p->rlimits[0].soft, 1024);
        assert_int_equal(p->rlimits[0].hard, 4096);
        assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
        assert_true(p->rlimits[1].hard == UINT64_MAX);
        assert_true(p->rlimits[1].hard == RLIM_INFINITY);
        assert_int_equal(p->rlimits[2].resource, RLIMIT_NPROC);
        assert_true(p->rlimits[2].soft == INT64_MAX);
        rt_spec_free(s);

        fails_with(b, "process.rlimits", "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2,\"hard\":1}]",
                   "process.rlimits[0]: RLIMIT_NOFILE soft limit 2 is above the hard limit 1");
        fails_with(b, "process.rlimits",
                   "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1},"
                   "{\"type\":\"RLIMIT_NOFILE\",\"soft\":1,\"hard\":1}]",
                   "process.rlimits[1].type: duplicate rlimit RLIMIT_NOFILE");
        fails_with(b, "process.rlimits", "[{\"type\":\"RLIMIT_NOPE\",\"soft\":1,\"hard\":1}]",
                   "process.rlimits[0].type: unknown rlimit 'RLIMIT_NOPE'");
        fails_with(b, "process.rlimits", "[{\"type\":\"RLIMIT_AS\",\"hard\":1}]",
                   "process.rlimits[0].soft: required");
        fails_with(b, "process.rlimits", "[{\"soft\":1,\"hard\":1}]",
                   "process.rlimits[0].type: required");
        fails_with(b, "process.rlimits", "[{\"type\":\"RLIMIT_AS\",\"soft\":-1,\"hard\":1}]",
                   "process.rlimits[0].soft: -1 out of range");
        fails_with(b, "process.rlimits", "[{\"type\":\"RLIMIT_AS\",\"soft\":1,\"hard\":1e30}]",
                   "process.rlimits[0].hard: 1e+30 is not an integer");
        fails_with(b, "process.rlimits", "[\"RLIMIT_AS\"]",
                   "process.rlimits[0]: expected an object, got string");
        fails_with(b, "process.rlimits", "{}", "process.rlimits: expected an array");
}

static void test_hooks(void **state)
{
        struct rt_spec *s =
                ok_with(minimal, "hooks",
                        "{\"prestart\":[{\"path\":\"/bin/a\"}],"
                        "\"createRuntime\":[{\"path\":\"/bin/b\",\"args\":[\"b\",\"x\"],"
                        "\"env\":[\"K=V\"],\"timeout\":5},{\"path\":\"/bin/c\",\"args\":[]}],"
                        "\"createContainer\":[],\"startContainer\":[{\"path\":\"/s\"}],"
                        "\"poststart\":[{\"path\":\"/p\"}],\"poststop\":[{\"path\":\"/q\"}],"
                        "\"futureHook\":[{\"path\":\"relative\"}]}");
        assert_int_equal(s->n_hooks[RT_HOOK_PRESTART], 1);
        assert_string_equal(s->hooks[RT_HOOK_PRESTART][0].path, "/bin/a");
        assert_null(s->hooks[RT_HOOK_PRESTART][0].args);
        assert_null(s->hooks[RT_HOOK_PRESTART][0].env);
        assert_int_equal(s->hooks[RT_HOOK_PRESTART][0].timeout, 0);
        assert_int_equal(s->n_hooks[RT_HOOK_CREATE_RUNTIME], 2);
        const struct rt_hook *h = &s->hooks[RT_HOOK_CREATE_RUNTIME][0];
        assert_string_equal(h->args[1], "x");
        assert_string_equal(h->env[0], "K=V");
        assert_int_equal(h->timeout, 5);
        assert_null(s->hooks[RT_HOOK_CREATE_RUNTIME][1].args);
        assert_int_equal(s->n_hooks[RT_HOOK_CREATE_CONTAINER], 0);
        assert_int_equal(s->n_hooks[RT_HOOK_START_CONTAINER], 1);
        assert_int_equal(s->n_hooks[RT_HOOK_POSTSTART], 1);
        assert_int_equal(s->n_hooks[RT_HOOK_POSTSTOP], 1);
        rt_spec_free(s);

        fails_with(minimal, "hooks", "[]", "hooks: expected an object, got array");
        fails_with(minimal, "hooks.prestart", "{}", "hooks.prestart: expected an array");
        fails_with(minimal, "hooks.poststop", "[{\"path\":\"/a\"},3]",
                   "hooks.poststop[1]: expected an object, got integer");
        fails_with(minimal, "hooks.createContainer", "[{}]",
                   "hooks.createContainer[0].path: required");
        fails_with(minimal, "hooks.startContainer", "[{\"path\":\"hook\"}]",
                   "hooks.startContainer[0].path: 'hook' is not an absolute path");
        fails_with(minimal, "hooks.poststart", "[{\"path\":\"/h\",\"timeout\":0}]",
                   "hooks.poststart[0].timeout: 0 out of range");
        fails_with(minimal, "hooks.poststart", "[{\"path\":\"/h\",\"timeout\":-3}]",
                   "hooks.poststart[0].timeout: -3 out of range");
        fails_with(minimal, "hooks.poststart", "[{\"path\":\"/h\",\"timeout\":4294967296}]",
                   "hooks.poststart[0].timeout");
        fails_with(minimal, "hooks.prestart", "[{\"path\":\"/h\",\"env\":[\"X\"]}]",
                   "hooks.prestart[0].env[0]: 'X' is not NAME=value");
        fails_with(minimal, "hooks.prestart", "[{\"path\":\"/h\",\"args\":[null]}]",
                   "hooks.prestart[0].args[0]: expected a string, got null");

        assert_string_equal(rt_hook_kind_to_string(RT_HOOK_CREATE_RUNTIME), "createRuntime");
        assert_string_equal(rt_hook_kind_to_string(RT_HOOK_POSTSTOP), "poststop");
        assert_null(rt_hook_kind_to_string(RT_HOOK_NKINDS));
}

static void test_namespaces(void **state)
{
        struct rt_spec *s =
                ok_with(minimal, "linux.namespaces",
                        "[{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"},{\"type\":\"network\","
                        "\"path\":\"\"},{\"type\":\"time\"},{\"type\":\"cgroup\"},"
                        "{\"type\":\"user\"},{\"type\":\"uts\"},{\"type\":\"ipc\"},"
                        "{\"type\":\"mount\"}]");
        for (int t = 0; t < RT_NS_COUNT; t++)
                assert_true(s->ns[t].enabled);
        assert_string_equal(s->ns[RT_NS_PID].path, "/proc/1/ns/pid");
        assert_null(s->ns[RT_NS_NET].path);
        assert_null(s->ns[RT_NS_TIME].path);
        rt_spec_free(s);

        fails_with(minimal, "linux.namespaces", "[{\"type\":\"pid\"},{\"type\":\"pid\"}]",
                   "linux.namespaces[1]: duplicate namespace type 'pid'");
        fails_with(minimal, "linux.namespaces", "[{\"type\":\"net\"}]",
                   "linux.namespaces[0].type: unknown namespace type 'net'");
        fails_with(minimal, "linux.namespaces", "[{\"type\":\"\"}]", "unknown namespace type ''");
        fails_with(minimal, "linux.namespaces", "[{\"path\":\"/x\"}]",
                   "linux.namespaces[0].type: required");
        fails_with(minimal, "linux.namespaces", "[{\"type\":\"ipc\",\"path\":\"ns/ipc\"}]",
                   "linux.namespaces[0].path: 'ns/ipc' is not an absolute path");
        fails_with(minimal, "linux.namespaces", "[\"pid\"]",
                   "linux.namespaces[0]: expected an object, got string");
        fails_with(minimal, "linux.namespaces", "{\"pid\":{}}",
                   "linux.namespaces: expected an array");
        fails_with(minimal, "linux.namespaces", "[{\"type\":\"pid\\u0000\"}]",
                   "linux.namespaces[0].type: contains a NUL byte");
}

static void test_idmaps(void **state)
{
        struct rt_spec *s = ok_with(minimal_ns, "linux.uidMappings",
                                    "[{\"containerID\":0,\"hostID\":100000,\"size\":65536},"
                                    "{\"containerID\":4294967294,\"hostID\":0,\"size\":1}]");
        assert_int_equal(s->n_uid_mappings, 2);
        assert_int_equal(s->uid_mappings[0].host_id, 100000);
        assert_int_equal(s->uid_mappings[0].size, 65536);
        assert_int_equal(s->uid_mappings[1].container_id, UINT32_MAX - 1);
        assert_int_equal(s->n_gid_mappings, 0);
        rt_spec_free(s);

        fails_with(minimal_ns, "linux.uidMappings",
                   "[{\"containerID\":0,\"hostID\":0,\"size\":1},"
                   "{\"containerID\":0,\"hostID\":0,\"size\":\"1\"}]",
                   "linux.uidMappings[1].size: expected an integer, got string");
        fails_with(minimal_ns, "linux.gidMappings", "[{\"containerID\":0,\"hostID\":0,\"size\":0}]",
                   "linux.gidMappings[0].size: must be at least 1");
        fails_with(minimal_ns, "linux.gidMappings",
                   "[{\"containerID\":1,\"hostID\":0,\"size\":4294967295}]",
                   "linux.gidMappings[0]: containerID 1, hostID 0, size 4294967295 run past");
        fails_with(minimal_ns, "linux.uidMappings",
                   "[{\"containerID\":0,\"hostID\":4294967295,\"size\":1}]", "run past");
        fails_with(minimal_ns, "linux.uidMappings", "[{\"containerID\":0,\"size\":1}]",
                   "linux.uidMappings[0].hostID: required");
        fails_with(minimal_ns, "linux.uidMappings",
                   "[{\"containerID\":-1,\"hostID\":0,\"size\":1}]",
                   "linux.uidMappings[0].containerID: -1 out of range");
        fails_with(minimal_ns, "linux.uidMappings", "[5]",
                   "linux.uidMappings[0]: expected an object");

        struct sbuf b = {0};
        sbuf_append(&b, "[");
        for (int i = 0; i < 341; i++)
                sbuf_printf(&b, "%s{\"containerID\":%d,\"hostID\":%d,\"size\":1}", i ? "," : "", i,
                            i);
        sbuf_append(&b, "]");
        fails_with(minimal_ns, "linux.uidMappings", b.buf,
                   "linux.uidMappings: 341 entries, more than the 340 allowed");
        sbuf_done(&b);

        /* Mappings need the user namespace they are for. */
        fails_with(minimal, "linux.gidMappings", "[{\"containerID\":0,\"hostID\":0,\"size\":1}]",
                   "linux.gidMappings: set without a user namespace");
}

static void test_time_offsets(void **state)
{
        struct rt_spec *s = ok_with(minimal_ns, "linux.timeOffsets",
                                    "{\"boottime\":{\"secs\":-86400,\"nanosecs\":999999999},"
                                    "\"monotonic\":{\"secs\":10}}");
        assert_true(s->time_boottime.set);
        assert_int_equal(s->time_boottime.secs, -86400);
        assert_int_equal(s->time_boottime.nanosecs, 999999999);
        assert_true(s->time_monotonic.set);
        assert_int_equal(s->time_monotonic.nanosecs, 0);
        rt_spec_free(s);

        s = parse_ok(minimal);
        assert_false(s->time_boottime.set);
        rt_spec_free(s);

        fails_with(minimal_ns, "linux.timeOffsets", "{\"realtime\":{\"secs\":1}}",
                   "linux.timeOffsets: unknown clock 'realtime'");
        fails_with(minimal_ns, "linux.timeOffsets", "{\"boottime\":{\"nanosecs\":1000000000}}",
                   "linux.timeOffsets.boottime.nanosecs: 1000000000 out of range");
        fails_with(minimal_ns, "linux.timeOffsets", "{\"monotonic\":5}",
                   "linux.timeOffsets.monotonic: expected an object");
        fails_with(minimal_ns, "linux.timeOffsets", "{\"monotonic\":{\"secs\":\"5\"}}",
                   "linux.timeOffsets.monotonic.secs: expected an integer");
        fails_with(minimal, "linux.timeOffsets", "{\"monotonic\":{\"secs\":5}}",
                   "linux.timeOffsets: set without a time namespace");
}

static void test_sysctl(void **state)
{
        struct rt_spec *s = ok_with(minimal, "linux.sysctl",
                                    "{\"net.ipv4.ip_forward\":\"1\",\"kernel/msgmax\":\"8192\","
                                    "\"net.core.somaxconn\":\"\"}");
        assert_int_equal(strv_length(s->sysctl), 3);
        assert_string_equal(s->sysctl[0], "net.ipv4.ip_forward=1");
        assert_string_equal(s->sysctl[1], "kernel/msgmax=8192");
        assert_string_equal(s->sysctl[2], "net.core.somaxconn=");
        rt_spec_free(s);

        fails_with(minimal, "linux.sysctl", "{\"net.ipv4.ip_forward\":1}",
                   "linux.sysctl.net.ipv4.ip_forward: expected a string, got integer");
        fails_with(minimal, "linux.sysctl", "{\"../../etc/x\":\"1\"}",
                   "linux.sysctl: invalid name '../../etc/x'");
        fails_with(minimal, "linux.sysctl", "{\"a=b\":\"1\"}", "invalid name 'a=b'");
        fails_with(minimal, "linux.sysctl", "{\"/proc/x\":\"1\"}", "invalid name");
        fails_with(minimal, "linux.sysctl", "{\"\":\"1\"}", "invalid name ''");
        fails_with(minimal, "linux.sysctl", "[\"a=b\"]", "linux.sysctl: expected an object");
}

static void test_devices(void **state)
{
        struct rt_spec *s = ok_with(
                minimal, "linux.devices",
                "[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,"
                "\"fileMode\":438,\"uid\":0,\"gid\":0},{\"path\":\"/dev/sda\",\"type\":\"b\","
                "\"major\":8,\"minor\":0},{\"path\":\"/run/fifo\",\"type\":\"p\"},"
                "{\"path\":\"/dev/u\",\"type\":\"u\",\"major\":4294967295,\"minor\":1}]");
        assert_int_equal(s->n_devices, 4);
        assert_string_equal(s->devices[0].path, "/dev/fuse");
        assert_int_equal(s->devices[0].type, 'c');
        assert_int_equal(s->devices[0].major, 10);
        assert_int_equal(s->devices[0].minor, 229);
        assert_true(s->devices[0].has_mode);
        assert_int_equal(s->devices[0].mode, 0666);
        assert_true(s->devices[0].has_uid && s->devices[0].has_gid);
        assert_false(s->devices[1].has_mode);
        assert_false(s->devices[1].has_uid);
        assert_int_equal(s->devices[2].type, 'p');
        assert_int_equal(s->devices[3].major, UINT32_MAX);
        rt_spec_free(s);

        fails_with(minimal, "linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"x\"}]",
                   "linux.devices[0].type: unknown device type 'x'");
        fails_with(minimal, "linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"cb\"}]",
                   "unknown device type 'cb'");
        fails_with(minimal, "linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"c\",\"minor\":1}]",
                   "linux.devices[0].major: required");
        fails_with(minimal, "linux.devices",
                   "[{\"path\":\"/dev/x\",\"type\":\"b\",\"major\":1,\"minor\":-1}]",
                   "linux.devices[0].minor: -1 out of range");
        fails_with(minimal, "linux.devices",
                   "[{\"path\":\"dev/x\",\"type\":\"c\",\"major\":1,\"minor\":1}]",
                   "linux.devices[0].path: 'dev/x' is not an absolute path");
        fails_with(minimal, "linux.devices", "[{\"type\":\"p\"}]",
                   "linux.devices[0].path: required");
        fails_with(minimal, "linux.devices",
                   "[{\"path\":\"/d\",\"type\":\"p\"},{\"path\":\"/e\",\"type\":\"p\","
                   "\"fileMode\":-1}]",
                   "linux.devices[1].fileMode: -1 out of range");
        fails_with(minimal, "linux.devices", "[{\"path\":\"/d\",\"type\":\"p\",\"uid\":\"root\"}]",
                   "linux.devices[0].uid: expected an integer");
        fails_with(minimal, "linux.devices", "[[]]", "linux.devices[0]: expected an object");
}

static void test_linux_misc(void **state)
{
        char *t = variant(minimal, "linux.rootfsPropagation", "\"rslave\"");
        char *t2 = variant(t, "linux.maskedPaths", "[\"/proc/kcore\",\"/sys/firmware\"]");
        char *t3 = variant(t2, "linux.readonlyPaths", "[\"/proc/sys\"]");
        char *t4 = variant(t3, "linux.mountLabel", "\"system_u:object_r:container_file_t:s0\"");
        char *t5 = variant(t4, "linux.cgroupsPath", "\"/berth/test\"");
        struct rt_spec *s = parse_ok(t5);
        assert_string_equal(s->rootfs_propagation, "rslave");
        assert_int_equal(strv_length(s->masked_paths), 2);
        assert_string_equal(s->readonly_paths[0], "/proc/sys");
        assert_string_equal(s->mount_label, "system_u:object_r:container_file_t:s0");
        assert_string_equal(s->cgroups_path, "/berth/test");
        rt_spec_free(s);
        free(t);
        free(t2);
        free(t3);
        free(t4);
        free(t5);

        static const char *const props[] = {"\"shared\"",     "\"slave\"",   "\"private\"",
                                            "\"unbindable\"", "\"rshared\"", "\"rprivate\"",
                                            "\"runbindable\""};
        for (size_t i = 0; i < ARRAY_SIZE(props); i++)
                rt_spec_free(ok_with(minimal, "linux.rootfsPropagation", props[i]));
        s = ok_with(minimal, "linux.rootfsPropagation", "\"\"");
        assert_null(s->rootfs_propagation);
        rt_spec_free(s);
        s = ok_with(minimal, "linux.mountLabel", "\"\"");
        assert_null(s->mount_label);
        rt_spec_free(s);

        fails_with(minimal, "linux.rootfsPropagation", "\"rshard\"",
                   "linux.rootfsPropagation: unknown propagation 'rshard'");
        fails_with(minimal, "linux.rootfsPropagation", "1", "expected a string");
        fails_with(minimal, "linux.maskedPaths", "[\"/ok\",\"proc/kcore\"]",
                   "linux.maskedPaths[1]: 'proc/kcore' is not an absolute path");
        fails_with(minimal, "linux.readonlyPaths", "[\"\"]",
                   "linux.readonlyPaths[0]: '' is not an absolute path");
        fails_with(minimal, "linux.readonlyPaths", "\"/proc\"",
                   "linux.readonlyPaths: expected an array");
        fails_with(minimal, "linux.cgroupsPath", "{}", "linux.cgroupsPath: expected a string");
        fails_with(minimal, "linux.mountLabel", "[]", "linux.mountLabel: expected a string");
        fails_with(minimal, "linux.seccomp", "[]", "linux.seccomp: expected an object");
}

/* The delegated sections are parsed by their own files: here only that the
 * calls happen and their errors come through. */
static void test_delegated_sections(void **state)
{
        struct rt_spec *s = ok_with(minimal, "linux.resources", "null");
        assert_non_null(s->resources);
        rt_spec_free(s);
        s = ok_with(minimal, "linux.resources", "{}");
        assert_non_null(s->resources);
        rt_spec_free(s);
        s = ok_with(minimal, "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");
        assert_non_null(s->seccomp);
        rt_spec_free(s);
        s = ok_with(minimal, "linux.seccomp", "null");
        assert_null(s->seccomp);
        rt_spec_free(s);

        /* A broken entry after a good one: the error is wrapped with its index
         * and the good one is released (ASan checks). */
        fails_with(minimal, "mounts",
                   "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                   "{\"destination\":42}]",
                   "mounts[1]: ");
        fails_with(minimal, "linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_NOPE\"}",
                   "SCMP_ACT_NOPE");
        fails_with(minimal, "linux.resources", "{\"memory\":{\"limit\":\"lots\"}}", "limit");
}

static void test_cap_names(void **state)
{
        assert_int_equal(rt_cap_from_name("CAP_CHOWN"), CAP_CHOWN);
        assert_int_equal(rt_cap_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
        assert_int_equal(rt_cap_from_name("sys_admin"), CAP_SYS_ADMIN);
        assert_int_equal(rt_cap_from_name("cap_net_raw"), CAP_NET_RAW);
        assert_int_equal(rt_cap_from_name("Cap_Kill"), CAP_KILL);
        assert_int_equal(rt_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
        assert_int_equal(rt_cap_from_name("CAP_BPF"), 39);
        assert_int_equal(rt_cap_from_name("CAP_PERFMON"), 38);
        assert_int_equal(rt_cap_from_name("CAP_"), -1);
        assert_int_equal(rt_cap_from_name(""), -1);
        assert_int_equal(rt_cap_from_name(NULL), -1);
        assert_int_equal(rt_cap_from_name("CAP_SYS_ADMINX"), -1);
        assert_int_equal(rt_cap_from_name("CAP_CAP_CHOWN"), -1);
        assert_string_equal(rt_cap_to_name(0), "CAP_CHOWN");
        assert_string_equal(rt_cap_to_name(CAP_AUDIT_READ), "CAP_AUDIT_READ");
        assert_string_equal(rt_cap_to_name(40), "CAP_CHECKPOINT_RESTORE");
        assert_null(rt_cap_to_name(41));
        assert_null(rt_cap_to_name(-1));
        for (int n = 0; n <= 40; n++) {
                assert_non_null(rt_cap_to_name(n));
                assert_int_equal(rt_cap_from_name(rt_cap_to_name(n)), n);
        }
        int last = rt_cap_last();
        assert_true(last >= 35 && last <= 63);
        /* The kernel's own number, when /proc says it. */
        char *buf = NULL;
        if (fs_read_file(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &buf, NULL, NULL) == 0) {
                assert_int_equal(last, atoi(buf));
                free(buf);
        }
}

static void test_rlimit_names(void **state)
{
        assert_int_equal(rt_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
        assert_int_equal(rt_rlimit_from_name("rlimit_nproc"), RLIMIT_NPROC);
        assert_int_equal(rt_rlimit_from_name("RTTIME"), RLIMIT_RTTIME);
        assert_int_equal(rt_rlimit_from_name("RLIMIT_"), -1);
        assert_int_equal(rt_rlimit_from_name("RLIMIT_FOO"), -1);
        assert_int_equal(rt_rlimit_from_name(NULL), -1);
        assert_string_equal(rt_rlimit_to_name(RLIMIT_AS), "RLIMIT_AS");
        assert_string_equal(rt_rlimit_to_name(RLIMIT_MSGQUEUE), "RLIMIT_MSGQUEUE");
        assert_null(rt_rlimit_to_name(RLIMIT_NLIMITS));
        assert_null(rt_rlimit_to_name(-1));
        for (int r = 0; r < RLIMIT_NLIMITS; r++)
                assert_int_equal(rt_rlimit_from_name(rt_rlimit_to_name(r)), r);
}

static void test_ns_names(void **state)
{
        assert_int_equal(rt_ns_type_from_string("network"), RT_NS_NET);
        assert_int_equal(rt_ns_type_from_string("mount"), RT_NS_MOUNT);
        assert_int_equal(rt_ns_type_from_string("time"), RT_NS_TIME);
        assert_int_equal(rt_ns_type_from_string("net"), -1);
        assert_int_equal(rt_ns_type_from_string("mnt"), -1);
        assert_int_equal(rt_ns_type_from_string(NULL), -1);
        assert_string_equal(rt_ns_proc_name(RT_NS_MOUNT), "mnt");
        assert_string_equal(rt_ns_proc_name(RT_NS_NET), "net");
        assert_string_equal(rt_ns_proc_name(RT_NS_TIME), "time");
        assert_int_equal(rt_ns_clone_flag(RT_NS_MOUNT), CLONE_NEWNS);
        assert_int_equal(rt_ns_clone_flag(RT_NS_USER), CLONE_NEWUSER);
        assert_int_equal(rt_ns_clone_flag(RT_NS_CGROUP), CLONE_NEWCGROUP);
        assert_int_equal(rt_ns_clone_flag(RT_NS_TIME), 0x80);
        assert_null(rt_ns_type_to_string(RT_NS_COUNT));
        int flags = 0;
        for (int t = 0; t < RT_NS_COUNT; t++) {
                assert_int_equal(rt_ns_type_from_string(rt_ns_type_to_string(t)), t);
                assert_int_equal(flags & rt_ns_clone_flag(t), 0);
                flags |= rt_ns_clone_flag(t);
                /* Each name is a file the running kernel has (time since 5.6). */
                char *p = xasprintf("/proc/self/ns/%s", rt_ns_proc_name(t));
                struct stat st;
                if (t != RT_NS_TIME)
                        assert_int_equal(lstat(p, &st), 0);
                free(p);
        }
}

static void test_signals(void **state)
{
        static const struct {
                const char *s;
                int sig;
        } good[] = {
                {"KILL", SIGKILL},
                {"SIGKILL", SIGKILL},
                {"sigkill", SIGKILL},
                {"9", SIGKILL},
                {"TERM", SIGTERM},
                {"SIGHUP", SIGHUP},
                {"usr1", SIGUSR1},
                {"SIGWINCH", SIGWINCH},
                {"CHLD", SIGCHLD},
                {"SIGCLD", SIGCHLD},
                {"IOT", SIGABRT},
                {"SIGSYS", SIGSYS},
                {"1", 1},
                {"64", 64},
                {"SIGRTMIN", 0},
                {"SIGRTMIN+3", 3},
                {"RTMIN+0", 0},
                {"rtmax", -1},
                {"SIGRTMAX-2", -3},
        };
        for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
                int want = good[i].sig;
                if (str_has_prefix(good[i].s, "SIGRTMIN") || str_has_prefix(good[i].s, "RTMIN"))
                        want += SIGRTMIN;
                else if (strcasestr(good[i].s, "rtmax"))
                        want += SIGRTMAX + 1;
                int sig = -1;
                struct err e = {0};
                if (rt_signal_from_string(good[i].s, &sig, &e) < 0)
                        fail_msg("%s: %s", good[i].s, e.msg);
                assert_int_equal(sig, want);
        }
        static const char *const bad[] = {"",
                                          "0",
                                          "65",
                                          "-9",
                                          "9x",
                                          "SIG",
                                          "KILLL",
                                          "SIGRTMIN+31",
                                          "SIGRTMIN-1",
                                          "RTMAX+1",
                                          "RTMIN+",
                                          "RTMIN+x",
                                          "SIGRTMIN+99999999999999999999",
                                          " 9"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                int sig = -7;
                struct err e = {0};
                if (rt_signal_from_string(bad[i], &sig, &e) == 0)
                        fail_msg("'%s' was accepted as %d", bad[i], sig);
                assert_int_equal(sig, -7);
                assert_non_null(strstr(e.msg, "signal"));
                err_done(&e);
        }
        struct err e = {0};
        int sig;
        assert_true(rt_signal_from_string("NOPE", &sig, &e) < 0);
        assert_string_equal(e.msg, "unknown signal \"NOPE\"");
        err_done(&e);
        assert_true(rt_signal_from_string(NULL, &sig, NULL) < 0);
}

static void test_status_names(void **state)
{
        assert_string_equal(rt_status_to_string(RT_STATUS_CREATING), "creating");
        assert_string_equal(rt_status_to_string(RT_STATUS_CREATED), "created");
        assert_string_equal(rt_status_to_string(RT_STATUS_RUNNING), "running");
        assert_string_equal(rt_status_to_string(RT_STATUS_PAUSED), "paused");
        assert_string_equal(rt_status_to_string(RT_STATUS_STOPPED), "stopped");
        assert_string_equal(rt_status_to_string((enum rt_status)99), "unknown");
}

static void test_features(void **state)
{
        struct json *f = rt_features();
        const char *min = json_object_get_string(f, "ociVersionMin");
        const char *max = json_object_get_string(f, "ociVersionMax");
        assert_non_null(min);
        assert_non_null(max);
        /* Both ends are versions the parser takes. */
        char *q = xasprintf("\"%s\"", min);
        rt_spec_free(ok_with(minimal, "ociVersion", q));
        free(q);
        q = xasprintf("\"%s\"", max);
        rt_spec_free(ok_with(minimal, "ociVersion", q));
        free(q);

        assert_int_equal(json_object_get(f, "hooks")->arr.len, RT_HOOK_NKINDS);
        const struct json *caps = json_get_path(f, "linux.capabilities");
        assert_int_equal(caps->arr.len, 41);
        for (size_t i = 0; i < caps->arr.len; i++)
                assert_true(rt_cap_from_name(caps->arr.items[i]->str.s) >= 0);
        const struct json *ns = json_get_path(f, "linux.namespaces");
        assert_int_equal(ns->arr.len, RT_NS_COUNT);
        for (size_t i = 0; i < ns->arr.len; i++)
                assert_true(rt_ns_type_from_string(ns->arr.items[i]->str.s) >= 0);
        assert_true(json_object_get_bool(json_get_path(f, "linux.seccomp"), "enabled", false));
        assert_non_null(json_get_path(f, "linux.seccomp.actions"));
        assert_non_null(json_get_path(f, "linux.cgroup"));
        assert_non_null(json_get_path(f, "annotations"));

        /* Every mount option it announces is one the mount parser takes. */
        const struct json *opts = json_object_get(f, "mountOptions");
        assert_true(opts->arr.len > 40);
        for (size_t i = 0; i < opts->arr.len; i++) {
                const char *o = opts->arr.items[i]->str.s;
                bool bind = strstr(o, "bind") || str_has_prefix(o, "r");
                if (STREQ(o, "tmpcopyup")) /* only meaningful on tmpfs */
                        bind = false;
                struct json *j = json_new_object();
                json_object_set_string(j, "destination", "/mnt");
                json_object_set_string(j, "type", bind ? "bind" : "tmpfs");
                json_object_set_string(j, "source", bind ? "/tmp" : "tmpfs");
                struct json *ol = json_new_array();
                json_array_append(ol, json_new_string(o));
                if (bind && !strstr(o, "bind"))
                        json_array_append(ol, json_new_string("rbind"));
                json_object_set(j, "options", ol);
                struct rt_mount mnt = {0};
                struct err e = {0};
                if (rt_mount_parse(j, &mnt, &e) < 0)
                        fail_msg("mount option '%s' announced but refused: %s", o, e.msg);
                rt_mount_done(&mnt);
                json_free(j);
        }
        json_free(f);
}

/* A log sink that counts warnings and keeps the last. */
struct warn_count {
        int n;
        char last[256];
};

static void count_sink(enum log_level l, const char *msg, void *data)
{
        struct warn_count *w = data;
        if (l != LOG_WARN)
                return;
        w->n++;
        snprintf(w->last, sizeof(w->last), "%s", msg);
}

/* A warning shows at create's parse; the saved copy is parsed quietly. */
static void test_quiet_parse(void **state)
{
        (void)state;
        static const char doc[] = "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"rootfs\"},"
                                  "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":"
                                  "{\"bounding\":[\"CAP_CHOWN\",\"CAP_BERTH_BOGUS\"]}}}";
        struct warn_count w = {0};
        enum log_level old = log_get_level();
        log_set_level(LOG_WARN);
        log_set_sink(count_sink, &w);
        struct rt_spec *s = NULL;
        struct err e = {0};
        assert_int_equal(rt_spec_parse(doc, strlen(doc), &s, &e), 0);
        assert_int_equal(w.n, 2); /* the version and the capability */
        assert_non_null(strstr(w.last, "CAP_BERTH_BOGUS"));
        assert_true(s->process->caps[RT_CAP_BOUNDING] & (UINT64_C(1) << CAP_CHOWN));
        rt_spec_free(s);
        w.n = 0;
        assert_int_equal(rt_spec_parse_flags(doc, strlen(doc), RT_SPEC_QUIET, &s, &e), 0);
        assert_int_equal(w.n, 0);
        /* quiet changes nothing else */
        assert_true(s->process->caps[RT_CAP_BOUNDING] & (UINT64_C(1) << CAP_CHOWN));
        struct rt_process *p = NULL;
        const struct json *pj = json_object_get(s->doc, "process");
        assert_int_equal(rt_process_parse_quiet(pj, &p, &e), 0);
        assert_int_equal(w.n, 0);
        rt_process_free(p);
        assert_int_equal(rt_process_parse(pj, &p, &e), 0);
        assert_int_equal(w.n, 1);
        rt_process_free(p);
        rt_spec_free(s);
        /* errors are still errors */
        s = NULL;
        assert_true(rt_spec_parse_flags("{}", 2, RT_SPEC_QUIET, &s, &e) < 0);
        assert_null(s);
        assert_non_null(strstr(e.msg, "ociVersion"));
        err_done(&e);
        log_set_sink(NULL, NULL);
        log_set_level(old);
}

int main(void)
{
        log_set_level(LOG_ERROR); /* the unknown-capability warnings are expected */
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_quiet_parse),
                cmocka_unit_test(test_minimal),
                cmocka_unit_test(test_runc_spec),
                cmocka_unit_test(test_runc_spec_live),
                cmocka_unit_test(test_default_spec),
                cmocka_unit_test(test_version),
                cmocka_unit_test(test_top_level),
                cmocka_unit_test(test_size_limits),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_process),
                cmocka_unit_test(test_process_parse_direct),
                cmocka_unit_test(test_capabilities),
                cmocka_unit_test(test_rlimits),
                cmocka_unit_test(test_hooks),
                cmocka_unit_test(test_namespaces),
                cmocka_unit_test(test_idmaps),
                cmocka_unit_test(test_time_offsets),
                cmocka_unit_test(test_sysctl),
                cmocka_unit_test(test_devices),
                cmocka_unit_test(test_linux_misc),
                cmocka_unit_test(test_delegated_sections),
                cmocka_unit_test(test_cap_names),
                cmocka_unit_test(test_rlimit_names),
                cmocka_unit_test(test_ns_names),
                cmocka_unit_test(test_signals),
                cmocka_unit_test(test_status_names),
                cmocka_unit_test(test_features),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
