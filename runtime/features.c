/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `features` document (runtime-spec features.md, features-linux.md):
 * what this runtime recognizes, fixed when it is built, whatever the host
 * offers. Only supportedFlags asks libseccomp what it can do.
 */
#include <limits.h>

#include "rt-internal.h"
#include "seccomp-dl.h"

#define OCI_VERSION_MIN "1.0.0"
#define OCI_VERSION_MAX "1.2.0"

/* What mount-opts.c understands in "options": mount(8)'s flags the spec
 * lists, bind and propagation, their recursive "r" forms through
 * mount_setattr, and tmpcopyup. */
static const char *const mount_options[] = {
        "acl",          "async",       "atime",          "bind",
        "defaults",     "dev",         "diratime",       "dirsync",
        "exec",         "iversion",    "lazytime",       "loud",
        "mand",         "noacl",       "noatime",        "nodev",
        "nodiratime",   "noexec",      "noiversion",     "nolazytime",
        "nomand",       "norelatime",  "nostrictatime",  "nosuid",
        "nosymfollow",  "private",     "ratime",         "rbind",
        "rdev",         "rdiratime",   "relatime",       "remount",
        "rexec",        "rnoatime",    "rnodev",         "rnodiratime",
        "rnoexec",      "rnorelatime", "rnostrictatime", "rnosuid",
        "rnosymfollow", "ro",          "rprivate",       "rrelatime",
        "rro",          "rrw",         "rshared",        "rslave",
        "rstrictatime", "rsuid",       "rsymfollow",     "runbindable",
        "rw",           "shared",      "silent",         "slave",
        "strictatime",  "suid",        "symfollow",      "sync",
        "tmpcopyup",    "unbindable",
};

static const char *const seccomp_actions[] = {
        "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
        "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
        "SCMP_ACT_NOTIFY",       "SCMP_ACT_TRACE",       "SCMP_ACT_TRAP",
};

static const char *const seccomp_operators[] = {
        "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
        "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};

static const char *const seccomp_archs[] = {
        "SCMP_ARCH_AARCH64",   "SCMP_ARCH_ARM",      "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",
        "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
        "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64", "SCMP_ARCH_PPC",      "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_RISCV64",  "SCMP_ARCH_S390",     "SCMP_ARCH_S390X",
        "SCMP_ARCH_X32",       "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",
};

/* WAIT_KILLABLE_RECV needs libseccomp 2.6 at build time (seccomp.c refuses
 * it otherwise) and API level 7 at run time. */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define WAITKILL_API 7
#else
#define WAITKILL_API UINT_MAX
#endif

/* Each flag with the libseccomp API level that can set it. */
static const struct {
        const char *name;
        unsigned api;
} seccomp_flags[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", 2},
        {"SECCOMP_FILTER_FLAG_LOG", 3},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4},
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", WAITKILL_API},
};

/* Allocates: a JSON array of n strings. */
static struct json *strings(const char *const *v, size_t n)
{
        struct json *a = json_new_array();
        for (size_t i = 0; i < n; i++)
                json_array_append(a, json_new_string(v[i]));
        return a;
}

static struct json *enabled(bool on)
{
        struct json *o = json_new_object();
        json_object_set_bool(o, "enabled", on);
        return o;
}

/* lib: libseccomp, NULL when it cannot be loaded (no filter can be made) */
static struct json *seccomp_features(const struct seccomp_dl *lib)
{
        struct json *sc = json_new_object();
        json_object_set_bool(sc, "enabled", lib != NULL);
        if (!lib)
                return sc;
        json_object_set(sc, "actions", strings(seccomp_actions, ARRAY_SIZE(seccomp_actions)));
        json_object_set(sc, "operators", strings(seccomp_operators, ARRAY_SIZE(seccomp_operators)));
        json_object_set(sc, "archs", strings(seccomp_archs, ARRAY_SIZE(seccomp_archs)));
        struct json *known = json_new_array(), *supported = json_new_array();
        unsigned api = lib->seccomp_api_get();
        for (size_t i = 0; i < ARRAY_SIZE(seccomp_flags); i++) {
                json_array_append(known, json_new_string(seccomp_flags[i].name));
                if (api >= seccomp_flags[i].api)
                        json_array_append(supported, json_new_string(seccomp_flags[i].name));
        }
        json_object_set(sc, "knownFlags", known);
        json_object_set(sc, "supportedFlags", supported);
        return sc;
}

static struct json *linux_features(const struct seccomp_dl *lib)
{
        struct json *lx = json_new_object();
        struct json *ns = json_new_array();
        /* Sorted, as runc prints them. */
        static const enum rt_ns_type order[] = {RT_NS_CGROUP, RT_NS_IPC,  RT_NS_MOUNT, RT_NS_NET,
                                                RT_NS_PID,    RT_NS_TIME, RT_NS_USER,  RT_NS_UTS};
        for (size_t i = 0; i < ARRAY_SIZE(order); i++)
                json_array_append(ns, json_new_string(rt_ns_type_to_string(order[i])));
        json_object_set(lx, "namespaces", ns);

        struct json *caps = json_new_array();
        for (int n = 0; rt_cap_to_name(n); n++)
                json_array_append(caps, json_new_string(rt_cap_to_name(n)));
        json_object_set(lx, "capabilities", caps);

        struct json *cg = json_new_object();
        json_object_set_bool(cg, "v1", true);
        json_object_set_bool(cg, "v2", true);
        json_object_set_bool(cg, "systemd", true);
        json_object_set_bool(cg, "systemdUser", true);
        json_object_set_bool(cg, "rdma", true);
        json_object_set(lx, "cgroup", cg);

        json_object_set(lx, "seccomp", seccomp_features(lib));
        json_object_set(lx, "apparmor", enabled(true));
        json_object_set(lx, "selinux", enabled(true));
        /* mount-opts.c refuses uidMappings/gidMappings on mounts. */
        struct json *idmap = json_new_object();
        json_object_set(idmap, "idmap", enabled(false));
        json_object_set(lx, "mountExtensions", idmap);
        return lx;
}

struct json *rt_features(void)
{
        const struct seccomp_dl *lib = NULL;
        struct err e = {0};
        if (seccomp_dl_get(&lib, &e) < 0)
                log_debug("features: %s", e.msg);
        err_done(&e);
        struct json *f = json_new_object();
        json_object_set_string(f, "ociVersionMin", OCI_VERSION_MIN);
        json_object_set_string(f, "ociVersionMax", OCI_VERSION_MAX);
        struct json *hooks = json_new_array();
        for (int k = 0; k < RT_HOOK_NKINDS; k++)
                json_array_append(hooks, json_new_string(rt_hook_kind_to_string(k)));
        json_object_set(f, "hooks", hooks);
        json_object_set(f, "mountOptions", strings(mount_options, ARRAY_SIZE(mount_options)));
        json_object_set(f, "linux", linux_features(lib));

        struct json *ann = json_new_object();
        char *sv = rt_libseccomp_version();
        if (sv)
                json_object_set(ann, "io.github.seccomp.libseccomp.version",
                                json_new_string_take(sv));
        json_object_set_string(ann, "org.berth.runtime.version", BERTH_VERSION);
        json_object_set(f, "annotations", ann);
        return f;
}
