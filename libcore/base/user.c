/* SPDX-License-Identifier: Apache-2.0 */
/* Who berth runs for: uid, rootless or not, name and home. */
#include <errno.h>
#include <pwd.h>
#include <string.h>

#include "base.h"

static int parse_env_id(const char *name, uint32_t *ret)
{
        const char *s = getenv(name);
        uint64_t v;
        if (!s || str_to_uint64(s, &v) < 0 || v > UINT32_MAX)
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

/* The passwd entry of uid, if any: its name and home (either return may
 * be NULL: not wanted). */
static void passwd_of(uid_t uid, char **ret_name, char **ret_home)
{
        struct passwd pw, *res = NULL;
        char buf[4096];
        if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
                return;
        if (ret_name)
                *ret_name = xstrdup(pw.pw_name);
        if (ret_home)
                *ret_home = xstrdup(pw.pw_dir);
}

int user_info_get(struct user_info *ret, struct err *e)
{
        struct user_info u = {.uid = geteuid(), .gid = getegid()};
        u.rootless = u.uid != 0;
        /* Inside berth's or podman's user namespace we are uid 0, but act for
         * the user who entered it, as podman does with these variables. */
        uint32_t id;
        if (!u.rootless && getenv("_CONTAINERS_USERNS_CONFIGURED") &&
            parse_env_id("_CONTAINERS_ROOTLESS_UID", &id) == 0) {
                u.rootless = true;
                u.uid = id;
                u.gid = parse_env_id("_CONTAINERS_ROOTLESS_GID", &id) == 0 ? id : u.uid;
        }

        /* The passwd database only when HOME does not say: its first
         * lookup (nsswitch.conf, the files) is 0.1 ms of every command. */
        const char *home = getenv("HOME");
        if (home && *home)
                u.home = xstrdup(home);
        else
                passwd_of(u.uid, &u.name, &u.home);
        if (!u.home) {
                if (u.rootless)
                        return err_set(e, ENOENT,
                                       "cannot determine the home directory of uid %u: "
                                       "HOME is unset and there is no passwd entry",
                                       (unsigned)u.uid);
                u.home = xstrdup("/root");
        }
        *ret = u;
        return 0;
}

char *user_info_name(const struct user_info *u)
{
        if (u->name)
                return xstrdup(u->name);
        char *name = NULL;
        passwd_of(u->uid, &name, NULL);
        return name;
}

void user_info_done(struct user_info *u)
{
        free(u->name);
        free(u->home);
        u->name = u->home = NULL;
}
