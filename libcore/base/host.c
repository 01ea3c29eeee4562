/* SPDX-License-Identifier: Apache-2.0 */
/* Facts about the host: cgroup layout, distribution, architecture. */
#include <errno.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <linux/magic.h>

#include "base.h"

int host_cgroup_mode(const char *sysfs_cgroup, enum cgroup_mode *ret, struct err *e)
{
        struct statfs fs;
        if (statfs(sysfs_cgroup, &fs) < 0)
                return err_errno(e, "statfs '%s'", sysfs_cgroup);
        if (fs.f_type == CGROUP2_SUPER_MAGIC) {
                *ret = CGROUP_UNIFIED;
                return 0;
        }
        /* A v2 hierarchy beside the v1 controllers makes a hybrid host; it
         * holds no controllers that matter, so resources go through v1. */
        _cleanup_free_ char *unified = xasprintf("%s/unified", sysfs_cgroup);
        if (statfs(unified, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
                *ret = CGROUP_HYBRID;
        else
                *ret = CGROUP_LEGACY;
        return 0;
}

const char *cgroup_mode_to_string(enum cgroup_mode m)
{
        switch (m) {
        case CGROUP_LEGACY:
                return "legacy";
        case CGROUP_HYBRID:
                return "hybrid";
        case CGROUP_UNIFIED:
                return "unified";
        }
        return "unknown";
}

static char *os_release_from(const char *path, const char *key)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        char line[1024];
        size_t klen = strlen(key);
        while (fgets(line, sizeof(line), f)) {
                if (strncmp(line, key, klen) != 0 || line[klen] != '=')
                        continue;
                char *v = line + klen + 1;
                v[strcspn(v, "\n")] = '\0';
                size_t n = strlen(v);
                if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
                        v[n - 1] = '\0';
                        v++;
                }
                return xstrdup(v);
        }
        return NULL;
}

char *host_os_release(const char *key)
{
        if (fs_exists("/etc/os-release"))
                return os_release_from("/etc/os-release", key);
        return os_release_from("/usr/lib/os-release", key);
}

const char *host_go_arch(void)
{
        static const struct {
                const char *uname, *go;
        } map[] = {
                {"x86_64", "amd64"}, {"aarch64", "arm64"}, {"i686", "386"},
                {"i386", "386"},     {"armv7l", "arm"},    {"ppc64le", "ppc64le"},
                {"s390x", "s390x"},  {"riscv64", "riscv64"},
        };
        struct utsname u;
        if (uname(&u) < 0)
                return "unknown";
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (STREQ(u.machine, map[i].uname))
                        return map[i].go;
        return "unknown";
}

char *host_find_program(const char *name)
{
        if (strchr(name, '/'))
                return xstrdup(name);
        const char *path = getenv("PATH");
        if (!path || !*path)
                path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        _cleanup_strv_ char **dirs = strv_split(path, ":");
        for (char **d = dirs; *d; d++) {
                if (!**d)
                        continue;
                char *p = xasprintf("%s/%s", *d, name);
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return NULL;
}
