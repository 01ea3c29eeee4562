/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process part of a container's spec, as podman 4.3 builds it: the
 * capability sets, the command (docker's entrypoint/cmd rules), the
 * environment and the working directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctr-spec.h"

/* Capability names by number (linux/capability.h). */
static const char *const cap_names[] = {
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
};

const char *ctr_cap_name(unsigned nr)
{
        return nr < ARRAY_SIZE(cap_names) ? cap_names[nr] : NULL;
}

/* podman 4.3.1's compiled-in default_capabilities (its vendored
 * containers/common), used when containers.conf sets none: measured here
 * with a containers.conf that leaves the list out. */
static const char *const podman_default_caps[] = {
        "CAP_AUDIT_WRITE", "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
        "CAP_KILL",        "CAP_MKNOD",   "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",    "CAP_SETFCAP",
        "CAP_SETGID",      "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT",
};

int ctr_cap_normalize(const char *name, char **ret, struct err *e)
{
        if (strcasecmp(name, "all") == 0) {
                *ret = xstrdup("ALL");
                return 0;
        }
        const char *bare = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
        for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
                if (strcasecmp(bare, cap_names[i]) == 0) {
                        *ret = xasprintf("CAP_%s", cap_names[i]);
                        return 0;
                }
        return err_set(e, EINVAL, "\"%s\": unknown capability", name);
}

uint64_t ctr_caps_host_bounding(void)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (fs_read_file(AT_FDCWD, "/proc/self/status", 1 << 16, &buf, &len, NULL) < 0)
                return 0;
        const char *p = strstr(buf, "\nCapBnd:");
        unsigned long long v = 0;
        if (!p || sscanf(p + strlen("\nCapBnd:"), "%llx", &v) != 1)
                return 0;
        return v;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_sort(char **v)
{
        qsort(v, strv_length(v), sizeof(char *), cmp_str);
}

/* Allocates: the host's bounding set as sorted names. */
static char **bounding_names(uint64_t mask)
{
        char **v = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
                if (mask & (1ULL << i))
                        strv_push(&v, xasprintf("CAP_%s", cap_names[i]));
        strv_sort(v);
        return v;
}

static int normalize_all(char *const *in, char ***ret, struct err *e)
{
        _cleanup_strv_ char **out = NULL;
        for (char *const *p = in; p && *p; p++) {
                char *c;
                if (ctr_cap_normalize(*p, &c, e) < 0)
                        return -EINVAL;
                if (strv_contains(out, c))
                        free(c);
                else
                        strv_push(&out, c);
        }
        *ret = steal_pointer(&out);
        return 0;
}

/* Allocates: containers/common's MergeCapabilities(base, adds, drops). */
static int caps_merge(char *const *base, char *const *adds, char *const *drops, uint64_t bnd,
                      char ***ret, struct err *e)
{
        if (!(adds && adds[0]) && !(drops && drops[0])) {
                *ret = strv_copy(base);
                return 0;
        }
        _cleanup_strv_ char **add = NULL, **drop = NULL, **all = NULL, **out = NULL;
        if (normalize_all(adds, &add, e) < 0 || normalize_all(drops, &drop, e) < 0)
                return -EINVAL;
        if (strv_contains(drop, "ALL")) {
                if (strv_contains(add, "ALL"))
                        return err_set(e, EINVAL,
                                       "adding all caps and removing all caps not allowed");
                strv_sort(add);
                *ret = add ? steal_pointer(&add) : strv_copy(NULL);
                return 0;
        }
        if (strv_contains(add, "ALL")) {
                all = bounding_names(bnd);
                base = all;
                strv_free(add);
                add = NULL;
        }
        for (char **d = drop; d && *d; d++)
                if (strv_contains(add, *d))
                        return err_set(e, EINVAL, "capability \"%s\" cannot be dropped and added",
                                       *d);
        for (char *const *b = base; b && *b; b++)
                if (!strv_contains(drop, *b))
                        strv_add(&out, *b);
        for (char **a = add; a && *a; a++)
                if (!strv_contains(base, *a))
                        strv_add(&out, *a);
        strv_sort(out);
        *ret = out ? steal_pointer(&out) : strv_copy(NULL);
        return 0;
}

static uint64_t opts_bounding(const struct ctr_spec_opts *o)
{
        return o->host_capbnd ? o->host_capbnd : ctr_caps_host_bounding();
}

int ctr_caps_compute(const struct ctr_spec_opts *o, const struct config *conf, char ***ret_bounding,
                     struct err *e)
{
        uint64_t bnd = opts_bounding(o);
        _cleanup_strv_ char **host = bounding_names(bnd);
        if (o->privileged) {
                *ret_bounding = host ? steal_pointer(&host) : strv_copy(NULL);
                return 0;
        }
        _cleanup_strv_ char **dflt = NULL;
        struct json *dc =
                conf ? json_get_path(conf->containers, "containers.default_capabilities") : NULL;
        if (dc && dc->type == JSON_ARRAY) {
                for (size_t i = 0; i < dc->arr.len; i++) {
                        char *c;
                        if (dc->arr.items[i]->type != JSON_STRING)
                                return err_set(e, EINVAL,
                                               "containers.conf default_capabilities[%zu]: "
                                               "expected a string",
                                               i);
                        if (ctr_cap_normalize(dc->arr.items[i]->str.s, &c, e) < 0)
                                return err_wrap(e, "containers.conf default_capabilities");
                        strv_push(&dflt, c);
                }
        } else {
                for (size_t i = 0; i < ARRAY_SIZE(podman_default_caps); i++)
                        strv_add(&dflt, podman_default_caps[i]);
        }
        _cleanup_strv_ char **merged = NULL;
        if (caps_merge(dflt, o->cap_add, o->cap_drop, bnd, &merged, e) < 0)
                return -EINVAL;
        char **out = NULL;
        for (char **c = merged; c && *c; c++)
                if (strv_contains(host, *c))
                        strv_add(&out, *c);
        *ret_bounding = out ? out : strv_copy(NULL);
        return 0;
}

/* The user podman checks for "root" when it sets effective caps. */
static bool user_is_root(const struct ctr_spec_opts *o, const char *user)
{
        if (!user || !*user)
                return !o->keep_id;
        _cleanup_free_ char *u = xstrdup(user);
        char *colon = strchr(u, ':');
        if (colon)
                *colon = '\0';
        return STREQ(u, "root") || STREQ(u, "0");
}

int ctr_spec_capabilities(const struct ctr_spec_opts *o, char *const *bounding, const char *user,
                          struct json *process, struct err *e)
{
        struct json *c = json_new_object();
        json_object_set(process, "capabilities", c);
        if (bounding && bounding[0])
                json_object_set(c, "bounding", json_new_strv(bounding));
        _cleanup_strv_ char **eff = NULL;
        bool ambient = false;
        if (user_is_root(o, user)) {
                eff = strv_copy(bounding);
        } else {
                /* A non-root user gets only what --cap-add names, in the
                 * ambient set too, so that it survives the exec. */
                _cleanup_strv_ char **add = NULL;
                if (caps_merge(NULL, o->cap_add, NULL, opts_bounding(o), &add, e) < 0)
                        return -EINVAL;
                for (char **a = add; a && *a; a++)
                        if (strv_contains(bounding, *a))
                                strv_add(&eff, *a);
                ambient = true;
        }
        if (eff && eff[0]) {
                json_object_set(c, "effective", json_new_strv(eff));
                json_object_set(c, "permitted", json_new_strv(eff));
                if (ambient)
                        json_object_set(c, "ambient", json_new_strv(eff));
        }
        return 0;
}

int ctr_spec_args(const struct ctr_spec_opts *o, const struct json *img, char ***ret, struct err *e)
{
        _cleanup_strv_ char **entry = NULL, **out = NULL;
        if (o->entrypoint) {
                _cleanup_json_ struct json *j = NULL;
                /* --entrypoint '["/bin/sh","-c"]' is a JSON array, as in podman. */
                if (o->entrypoint[0] == '[' &&
                    json_parse(o->entrypoint, strlen(o->entrypoint), &j, NULL) == 0 &&
                    j->type == JSON_ARRAY) {
                        for (size_t i = 0; i < j->arr.len; i++) {
                                if (j->arr.items[i]->type != JSON_STRING)
                                        return err_set(e, EINVAL,
                                                       "--entrypoint '%s': expected strings",
                                                       o->entrypoint);
                                strv_add(&entry, j->arr.items[i]->str.s);
                        }
                } else {
                        strv_add(&entry, o->entrypoint);
                }
        } else {
                entry = json_strv(json_object_get(img, "Entrypoint"));
        }
        /* An entrypoint of [""] means none. */
        if (!(strv_length(entry) == 1 && !entry[0][0]))
                for (char **p = entry; p && *p; p++)
                        strv_add(&out, *p);
        if (o->cmd && o->cmd[0]) {
                for (char *const *p = o->cmd; *p; p++)
                        strv_add(&out, *p);
        } else if (!o->entrypoint) {
                /* docker: --entrypoint drops the image's CMD. */
                _cleanup_strv_ char **cmd = json_strv(json_object_get(img, "Cmd"));
                for (char **p = cmd; p && *p; p++)
                        strv_add(&out, *p);
        }
        if (!out || !out[0])
                return err_set(e, EINVAL,
                               "no command or entrypoint provided, and no CMD or "
                               "ENTRYPOINT from image");
        if (o->init_path) {
                char **w = NULL;
                strv_add(&w, CTR_INIT_PATH);
                strv_add(&w, "--");
                for (char **p = out; *p; p++)
                        strv_add(&w, *p);
                strv_free(out);
                out = w;
        }
        *ret = steal_pointer(&out);
        return 0;
}

/* Set KEY=VALUE in an env list, replacing an earlier value of KEY. */
static void env_set(char ***env, const char *kv)
{
        size_t klen = strcspn(kv, "=");
        for (char **p = *env; p && *p; p++)
                if (strncmp(*p, kv, klen) == 0 && (*p)[klen] == '=') {
                        free(*p);
                        *p = xstrdup(kv);
                        return;
                }
        strv_add(env, kv);
}

static bool env_has(char *const *env, const char *key)
{
        size_t klen = strlen(key);
        for (char *const *p = env; p && *p; p++)
                if (strncmp(*p, key, klen) == 0 && (*p)[klen] == '=')
                        return true;
        return false;
}

/* -e and --env-file values: KEY=VALUE, or KEY for berth's own value
 * (dropped when unset, as podman does). */
static int env_apply_user(char ***env, char *const *in, const char *what, struct err *e)
{
        for (char *const *p = in; p && *p; p++) {
                if (!**p || **p == '=')
                        return err_set(e, EINVAL, "%s: invalid environment variable: \"%s\"", what,
                                       *p);
                if (strchr(*p, '=')) {
                        env_set(env, *p);
                        continue;
                }
                const char *v = getenv(*p);
                if (v) {
                        _cleanup_free_ char *kv = xasprintf("%s=%s", *p, v);
                        env_set(env, kv);
                }
        }
        return 0;
}

int ctr_spec_env(const struct ctr_spec_opts *o, const struct json *img, const char *hostname,
                 const char *home, char ***ret, struct err *e)
{
        _cleanup_strv_ char **env = NULL;
        strv_add(&env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        strv_add(&env, "TERM=xterm");
        /* podman writes container=podman; systemd and others only test for
         * the variable, and berth names itself. */
        strv_add(&env, "container=berth");
        _cleanup_strv_ char **ienv = json_strv(json_object_get(img, "Env"));
        for (char **p = ienv; p && *p; p++)
                if (**p && **p != '=' && strchr(*p, '='))
                        env_set(&env, *p);
        if (env_apply_user(&env, o->env_file, "--env-file", e) < 0 ||
            env_apply_user(&env, o->env, "-e", e) < 0)
                return -EINVAL;
        if (home && !env_has(env, "HOME")) {
                _cleanup_free_ char *kv = xasprintf("HOME=%s", home);
                strv_add(&env, kv);
        }
        if (!env_has(env, "HOSTNAME")) {
                _cleanup_free_ char *kv = xasprintf("HOSTNAME=%s", hostname);
                strv_add(&env, kv);
        }
        *ret = steal_pointer(&env);
        return 0;
}

int ctr_spec_cwd(const struct ctr_spec_opts *o, const struct json *img, const char **ret,
                 struct err *e)
{
        const char *w = o->workdir;
        if (!w || !*w)
                w = img ? json_object_get_string(img, "WorkingDir") : NULL;
        if (!w || !*w)
                w = "/";
        if (w[0] != '/')
                return err_set(e, EINVAL,
                               "the working directory '%s' is invalid, it needs to be an absolute "
                               "path",
                               w);
        *ret = w;
        return 0;
}
