/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config.json `berth-runtime spec` writes: runc's defaults (a shell on a
 * terminal, a read-only rootfs, the usual mounts, few capabilities, masked
 * /proc entries), with berth's hostname and spec version. The rootless
 * variant is runc's too: a user namespace mapping the caller to root, no
 * network namespace, /sys bound from the host, no cgroup resources.
 */
#include <unistd.h>

#include "rt-internal.h"

static const char default_spec[] =
        "{"
        "\"ociVersion\":\"1.2.0\","
        "\"process\":{"
        "\"terminal\":true,"
        "\"user\":{\"uid\":0,\"gid\":0},"
        "\"args\":[\"sh\"],"
        "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
        "\"TERM=xterm\"],"
        "\"cwd\":\"/\","
        "\"capabilities\":{"
        "\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
        "\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
        "\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
        "\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
        "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
        "\"noNewPrivileges\":true},"
        "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
        "\"hostname\":\"berth\","
        "\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
        "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\","
        "\"gid=5\"]},"
        "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
        "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
        "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
        "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}"
        "],"
        "\"linux\":{"
        "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
        "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
        "{\"type\":\"uts\"},{\"type\":\"mount\"}],"
        "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\","
        "\"/proc/latency_stats\",\"/proc/timer_list\",\"/proc/timer_stats\","
        "\"/proc/sched_debug\",\"/sys/firmware\",\"/sys/devices/virtual/powercap\","
        "\"/proc/scsi\"],"
        "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\","
        "\"/proc/sysrq-trigger\"]"
        "}}";

/* Allocates: a one-entry id mapping of id to root, as a JSON array. */
static struct json *root_mapping(unsigned id)
{
        struct json *m = json_new_object();
        json_object_set_int(m, "containerID", 0);
        json_object_set_int(m, "hostID", id);
        json_object_set_int(m, "size", 1);
        struct json *a = json_new_array();
        json_array_append(a, m);
        return a;
}

/* Drop the value v from the string array arr. */
static void strv_json_remove(struct json *arr, const char *v)
{
        size_t out = 0;
        for (size_t i = 0; i < arr->arr.len; i++) {
                struct json *it = arr->arr.items[i];
                if (it->type == JSON_STRING && STREQ(it->str.s, v))
                        json_free(it);
                else
                        arr->arr.items[out++] = it;
        }
        arr->arr.len = out;
}

/* What an unprivileged user can set up: runc's `spec --rootless`. */
static void make_rootless(struct json *doc)
{
        struct json *mounts = json_object_get(doc, "mounts");
        for (size_t i = 0; i < mounts->arr.len; i++) {
                struct json *m = mounts->arr.items[i];
                const char *dest = json_object_get_string(m, "destination");
                if (STREQ(dest, "/sys")) {
                        /* sysfs cannot be mounted without owning the network namespace. */
                        json_object_set_string(m, "type", "none");
                        json_object_set_string(m, "source", "/sys");
                        struct json *opts = json_new_array();
                        static const char *const o[] = {"rbind", "nosuid", "noexec", "nodev", "ro"};
                        for (size_t k = 0; k < ARRAY_SIZE(o); k++)
                                json_array_append(opts, json_new_string(o[k]));
                        json_object_set(m, "options", opts);
                } else if (STREQ(dest, "/dev/pts")) {
                        /* gid 5 (tty) is not mapped in the user namespace. */
                        strv_json_remove(json_object_get(m, "options"), "gid=5");
                }
        }

        struct json *old = json_object_get(doc, "linux");
        struct json *lx = json_new_object();
        json_object_set(lx, "uidMappings", root_mapping(geteuid()));
        json_object_set(lx, "gidMappings", root_mapping(getegid()));
        struct json *ns = json_new_array();
        static const char *const types[] = {"pid", "ipc", "uts", "mount", "user"};
        for (size_t k = 0; k < ARRAY_SIZE(types); k++) {
                struct json *n = json_new_object();
                json_object_set_string(n, "type", types[k]);
                json_array_append(ns, n);
        }
        json_object_set(lx, "namespaces", ns);
        json_object_set(lx, "maskedPaths", json_copy(json_object_get(old, "maskedPaths")));
        json_object_set(lx, "readonlyPaths", json_copy(json_object_get(old, "readonlyPaths")));
        json_object_set(doc, "linux", lx);
}

struct json *rt_spec_default(bool rootless)
{
        struct json *doc = NULL;
        /* The template is ours: failing to parse it is a bug, not an error. */
        if (json_parse(default_spec, sizeof(default_spec) - 1, &doc, NULL) < 0)
                abort();
        if (rootless)
                make_rootless(doc);
        return doc;
}
