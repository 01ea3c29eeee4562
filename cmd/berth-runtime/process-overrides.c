/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec without --process: the container's own "process" object with the
 * command line's changes, as runc's exec builds it (args replaced, env
 * appended, terminal from --tty, user and groups, labels, capabilities
 * added to the bounding, effective and permitted sets).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "rtcli.h"

/* An id in [0, UINT32_MAX - 1] (the last one is "no id" to the kernel). */
static int parse_id(const char *flag, const char *what, const char *s, uint32_t *ret, struct err *e)
{
        uint64_t v;
        if (!s || !*s || !isdigit((unsigned char)*s) || str_to_uint64(s, &v) < 0 ||
            v >= UINT32_MAX) {
                _cleanup_free_ char *q = rtcli_go_quote(s ? s : "");
                return err_set(e, EINVAL, "--%s: %s is not a valid %s", flag, q, what);
        }
        *ret = (uint32_t)v;
        return 0;
}

/* The object under key, created (or replacing a non-object) as needed. */
static struct json *object_at(struct json *j, const char *key)
{
        struct json *v = json_object_get(j, key);
        if (!v || v->type != JSON_OBJECT) {
                v = json_new_object();
                json_object_set(j, key, v);
        }
        return v;
}

static struct json *array_at(struct json *j, const char *key)
{
        struct json *v = json_object_get(j, key);
        if (!v || v->type != JSON_ARRAY) {
                v = json_new_array();
                json_object_set(j, key, v);
        }
        return v;
}

static bool array_has_string(const struct json *a, const char *s)
{
        for (size_t i = 0; i < a->arr.len; i++) {
                const struct json *v = a->arr.items[i];
                if (v->type == JSON_STRING && STREQ(v->str.s, s))
                        return true;
        }
        return false;
}

/* Allocates: "CAP_NET_ADMIN" from "net_admin", "NET_ADMIN" or itself. */
static int cap_name(const char *s, char **ret, struct err *e)
{
        _cleanup_free_ char *up = xstrdup(s);
        for (char *p = up; *p; p++) {
                if (!isalnum((unsigned char)*p) && *p != '_') {
                        _cleanup_free_ char *q = rtcli_go_quote(s);
                        return err_set(e, EINVAL, "--cap: %s is not a capability name", q);
                }
                *p = (char)toupper((unsigned char)*p);
        }
        if (!*up)
                return err_set(e, EINVAL, "--cap: empty capability name");
        *ret = str_has_prefix(up, "CAP_") ? steal_pointer(&up) : xasprintf("CAP_%s", up);
        return 0;
}

static int add_caps(struct json *p, char **caps, struct err *e)
{
        if (!caps || !caps[0])
                return 0;
        struct json *set = object_at(p, "capabilities");
        const struct json *inh = json_object_get(set, "inheritable");
        /* Ambient needs inheritable; exec does not add to inheritable
         * (CVE-2022-29162), so only a spec that has some gets ambient too. */
        bool ambient = inh && inh->type == JSON_ARRAY && inh->arr.len > 0;
        static const char *const sets[] = {"bounding", "effective", "permitted", "ambient"};
        for (char **c = caps; *c; c++) {
                _cleanup_free_ char *name = NULL;
                int r = cap_name(*c, &name, e);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
                        if (STREQ(sets[i], "ambient") && !ambient)
                                continue;
                        struct json *a = array_at(set, sets[i]);
                        if (!array_has_string(a, name))
                                json_array_append(a, json_new_string(name));
                }
        }
        return 0;
}

static int set_user(struct json *p, const struct rtcli_exec_overrides *o, struct err *e)
{
        if (!o->user && !(o->additional_gids && o->additional_gids[0]))
                return 0;
        struct json *user = object_at(p, "user");
        int r;
        if (o->user) {
                _cleanup_free_ char *u = xstrdup(o->user);
                char *colon = strchr(u, ':');
                uint32_t uid, gid;
                if (colon)
                        *colon = '\0';
                if ((r = parse_id("user", "uid", u, &uid, e)) < 0)
                        return r;
                if (colon && (r = parse_id("user", "gid", colon + 1, &gid, e)) < 0)
                        return r;
                json_object_set_int(user, "uid", uid);
                if (colon)
                        json_object_set_int(user, "gid", gid);
        }
        for (char **g = o->additional_gids; g && *g; g++) {
                uint32_t gid;
                if ((r = parse_id("additional-gids", "gid", *g, &gid, e)) < 0)
                        return r;
                json_array_append(array_at(user, "additionalGids"), json_new_int(gid));
        }
        /* uid and gid are required in a "user" object. */
        if (!json_object_get(user, "uid"))
                json_object_set_int(user, "uid", 0);
        if (!json_object_get(user, "gid"))
                json_object_set_int(user, "gid", 0);
        return 0;
}

int rtcli_exec_process(const struct json *base, const struct rtcli_exec_overrides *o,
                       struct json **ret, struct err *e)
{
        if (!o->args || !o->args[0])
                return err_set(e, EINVAL, "exec args cannot be empty");
        _cleanup_json_ struct json *p =
                base && base->type == JSON_OBJECT ? json_copy(base) : json_new_object();
        int r;
        json_object_set(p, "args", json_new_strv(o->args));
        if (o->cwd) {
                if (o->cwd[0] != '/') {
                        _cleanup_free_ char *q = rtcli_go_quote(o->cwd);
                        return err_set(e, EINVAL, "--cwd: %s is not an absolute path", q);
                }
                json_object_set_string(p, "cwd", o->cwd);
        }
        if (!json_object_get(p, "cwd"))
                json_object_set_string(p, "cwd", "/");
        for (char **v = o->env; v && *v; v++) {
                const char *eq = strchr(*v, '=');
                if (!eq || eq == *v) {
                        _cleanup_free_ char *q = rtcli_go_quote(*v);
                        return err_set(e, EINVAL, "--env: %s is not NAME=value", q);
                }
                json_array_append(array_at(p, "env"), json_new_string(*v));
        }
        json_object_set_bool(p, "terminal", o->tty);
        if ((r = set_user(p, o, e)) < 0)
                return r;
        if (o->process_label)
                json_object_set_string(p, "selinuxLabel", o->process_label);
        if (o->apparmor)
                json_object_set_string(p, "apparmorProfile", o->apparmor);
        if (o->no_new_privs)
                json_object_set_bool(p, "noNewPrivileges", true);
        if ((r = add_caps(p, o->caps, e)) < 0)
                return r;
        *ret = steal_pointer(&p);
        return 0;
}
