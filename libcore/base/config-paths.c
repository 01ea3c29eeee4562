/* SPDX-License-Identifier: Apache-2.0 */
/* Default paths computed the way podman computes them for a user. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "config-internal.h"

const char *cenv_get(const struct config_env *env, const char *name)
{
        if (env && env->getenv)
                return env->getenv(name, env->userdata);
        return getenv(name);
}

char *cenv_sys_path(const struct config_env *env, const char *path)
{
        if (env && env->root_prefix && *env->root_prefix)
                return xasprintf("%s%s", env->root_prefix, path);
        return xstrdup(path);
}

char *cenv_config_home(const struct config_env *env, const struct user_info *u)
{
        const char *x = cenv_get(env, "XDG_CONFIG_HOME");
        if (x && *x)
                return xstrdup(x);
        return xasprintf("%s/.config", u->home);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

char **config_dropins(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return NULL;
        char **v = NULL;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, ".conf"))
                        continue;
                char *p = xasprintf("%s/%s", dir, de->d_name);
                struct stat st;
                if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
                        strv_push(&v, p);
                else
                        free(p);
        }
        closedir(d);
        if (v)
                qsort(v, strv_length(v), sizeof(char *), cmp_str);
        return v;
}

void config_merge(struct json *dst, const struct json *src)
{
        for (size_t i = 0; i < src->obj.len; i++) {
                const char *k = src->obj.keys[i];
                const struct json *sv = src->obj.vals[i];
                struct json *dv = json_object_get(dst, k);
                if (dv && dv->type == JSON_OBJECT && sv->type == JSON_OBJECT)
                        config_merge(dv, sv);
                else
                        json_object_set(dst, k, json_copy(sv));
        }
}

static bool shell_special(char c)
{
        return (c && strchr("*#$@!?-", c)) || (c >= '0' && c <= '9');
}

static bool shell_alnum(char c)
{
        return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z');
}

/* Variable syntax as Go's os.ExpandEnv reads it (containers/storage expands
 * storage.conf paths with it): $NAME, ${NAME}, one-character special names
 * ($1, $$ ...); "${" without "}" and "${}" are dropped; a '$' not followed
 * by a name (or at the end) stays as is. */
char *config_expand_path(const struct config_env *env, const struct user_info *u,
                         const char *path)
{
        struct sbuf b = {0};
        for (const char *p = path; *p;) {
                if (*p != '$' || !p[1]) {
                        sbuf_putc(&b, *p++);
                        continue;
                }
                p++;
                const char *start;
                size_t n = 0;
                if (*p == '{') {
                        if (p[1] && shell_special(p[1]) && p[2] == '}') {
                                start = p + 1;
                                n = 1;
                                p += 3;
                        } else {
                                const char *end = strchr(p, '}');
                                if (!end) {
                                        p++; /* bad syntax: eat "${" */
                                        continue;
                                }
                                start = p + 1;
                                n = (size_t)(end - start);
                                p = end + 1;
                                if (n == 0)
                                        continue; /* bad syntax: eat "${}" */
                        }
                } else if (shell_special(*p)) {
                        start = p++;
                        n = 1;
                } else {
                        start = p;
                        while (shell_alnum(p[n]))
                                n++;
                        p += n;
                        if (n == 0) {
                                sbuf_putc(&b, '$');
                                continue;
                        }
                }
                _cleanup_free_ char *name = xstrndup(start, n);
                if (STREQ(name, "UID")) {
                        sbuf_printf(&b, "%u", (unsigned)u->uid);
                } else if (STREQ(name, "HOME")) {
                        sbuf_append(&b, u->home);
                } else if (STREQ(name, "USER") && !cenv_get(env, "USER")) {
                        _cleanup_free_ char *user = user_info_name(u);
                        if (user)
                                sbuf_append(&b, user);
                } else {
                        const char *v = cenv_get(env, name);
                        if (v)
                                sbuf_append(&b, v);
                }
        }
        return sbuf_steal(&b);
}

/* podman accepts a runtime dir it owns with at least rwx for itself. */
static bool owned_rwx(const char *path)
{
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
               (st.st_mode & 0700) == 0700;
}

int config_runtime_dir(const struct config_env *env, const struct user_info *u, char **ret,
                       struct err *e)
{
        const char *xdg = cenv_get(env, "XDG_RUNTIME_DIR");
        if (xdg && *xdg) {
                char resolved[PATH_MAX];
                *ret = xstrdup(realpath(xdg, resolved) ? resolved : xdg);
                return 0;
        }
        _cleanup_free_ char *run_user = xasprintf("/run/user/%u", (unsigned)u->uid);
        _cleanup_free_ char *run_user_sys = cenv_sys_path(env, run_user);
        (void)mkdir(run_user_sys, 0700);
        if (owned_rwx(run_user_sys)) {
                *ret = steal_pointer(&run_user_sys);
                return 0;
        }
        const char *tmp = cenv_get(env, "TMPDIR");
        if (!tmp || !*tmp)
                tmp = "/tmp";
        _cleanup_free_ char *tmp_dir = xasprintf("%s/podman-run-%u", tmp, (unsigned)u->uid);
        if (fs_mkdir_p(tmp_dir, 0700, NULL) == 0 && owned_rwx(tmp_dir)) {
                *ret = steal_pointer(&tmp_dir);
                return 0;
        }
        if (!u->home || !*u->home)
                return err_set(e, ENOENT, "neither XDG_RUNTIME_DIR nor HOME was set non-empty");
        char resolved[PATH_MAX];
        if (!realpath(u->home, resolved))
                return err_errno(e, "resolving home directory '%s'", u->home);
        *ret = xasprintf("%s/rundir", resolved);
        return 0;
}
