/* SPDX-License-Identifier: Apache-2.0 */
/* Dockerfile-style --change instructions applied to an image config
 * (import and commit): CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL, EXPOSE,
 * VOLUME, STOPSIGNAL, ONBUILD. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "engine.h"

static struct json *obj_at(struct json *cfg, const char *key)
{
        struct json *o = json_object_get(cfg, key);
        if (!o || o->type != JSON_OBJECT) {
                o = json_new_object();
                json_object_set(cfg, key, o);
        }
        return o;
}

static struct json *arr_at(struct json *cfg, const char *key)
{
        struct json *a = json_object_get(cfg, key);
        if (!a || a->type != JSON_ARRAY) {
                a = json_new_array();
                json_object_set(cfg, key, a);
        }
        return a;
}

/* A JSON array of strings, or the shell form wrapped in /bin/sh -c. */
static int command_value(const char *v, struct json **ret, struct err *e)
{
        while (isspace((unsigned char)*v))
                v++;
        if (*v == '[') {
                struct json *j = NULL;
                if (json_parse(v, strlen(v), &j, NULL) == 0 && j->type == JSON_ARRAY) {
                        bool ok = true;
                        for (size_t i = 0; i < j->arr.len; i++)
                                ok = ok && j->arr.items[i]->type == JSON_STRING;
                        if (ok) {
                                *ret = j;
                                return 0;
                        }
                }
                json_free(j);
                return err_set(e, EINVAL, "'%s' is not a JSON array of strings", v);
        }
        struct json *a = json_new_array();
        json_array_append(a, json_new_string("/bin/sh"));
        json_array_append(a, json_new_string("-c"));
        json_array_append(a, json_new_string(v));
        *ret = a;
        return 0;
}

static void set_env(struct json *cfg, const char *kv)
{
        struct json *env = arr_at(cfg, "Env");
        size_t klen = strcspn(kv, "=");
        for (size_t i = 0; i < env->arr.len; i++) {
                struct json *it = env->arr.items[i];
                if (it->type == JSON_STRING && strncmp(it->str.s, kv, klen) == 0 &&
                    (it->str.s[klen] == '=' || it->str.s[klen] == '\0')) {
                        json_free(it);
                        env->arr.items[i] = json_new_string(kv);
                        return;
                }
        }
        json_array_append(env, json_new_string(kv));
}

/* "KEY=VALUE" or "KEY VALUE" (the Dockerfile's two forms of ENV/LABEL). */
static char *pair(const char *v)
{
        const char *eq = strchr(v, '='), *sp = strchr(v, ' ');
        if (sp && (!eq || sp < eq)) {
                const char *val = sp;
                while (*val == ' ')
                        val++;
                return xasprintf("%.*s=%s", (int)(sp - v), v, val);
        }
        return xstrdup(v);
}

static char *unquote(const char *s)
{
        size_t n = strlen(s);
        if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
                return xstrndup(s + 1, n - 2);
        return xstrdup(s);
}

int engine_config_apply_change(struct json *cfg, const char *change, struct err *e)
{
        size_t n = strcspn(change, "= ");
        if (!change[n])
                return err_set(e, EINVAL, "invalid change '%s': expected INSTRUCTION=VALUE",
                               change);
        _cleanup_free_ char *ins = xstrndup(change, n);
        for (char *p = ins; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        const char *v = change + n + 1;
        while (*v == ' ')
                v++;
        struct json *c;
        int r;
        if (STREQ(ins, "CMD") || STREQ(ins, "ENTRYPOINT")) {
                if ((r = command_value(v, &c, e)) < 0)
                        return err_wrap(e, "invalid change '%s'", change);
                json_object_set(cfg, STREQ(ins, "CMD") ? "Cmd" : "Entrypoint", c);
        } else if (STREQ(ins, "ENV")) {
                _cleanup_free_ char *kv = pair(v);
                if (!*kv || *kv == '=')
                        return err_set(e, EINVAL, "invalid change '%s': ENV needs a name",
                                       change);
                set_env(cfg, kv);
        } else if (STREQ(ins, "WORKDIR")) {
                json_object_set_string(cfg, "WorkingDir", v);
        } else if (STREQ(ins, "USER")) {
                json_object_set_string(cfg, "User", v);
        } else if (STREQ(ins, "STOPSIGNAL")) {
                json_object_set_string(cfg, "StopSignal", v);
        } else if (STREQ(ins, "LABEL")) {
                _cleanup_free_ char *kv = pair(v);
                char *eq = strchr(kv, '=');
                if (!eq || eq == kv)
                        return err_set(e, EINVAL, "invalid change '%s': LABEL needs key=value",
                                       change);
                *eq = '\0';
                _cleanup_free_ char *key = unquote(kv);
                _cleanup_free_ char *val = unquote(eq + 1);
                json_object_set_string(obj_at(cfg, "Labels"), key, val);
        } else if (STREQ(ins, "EXPOSE")) {
                _cleanup_strv_ char **ports = strv_split(v, " ");
                for (char **p = ports; *p; p++) {
                        if (!**p)
                                continue;
                        uint64_t num;
                        _cleanup_free_ char *port = xstrndup(*p, strcspn(*p, "/"));
                        const char *proto = strchr(*p, '/');
                        if (str_to_uint64(port, &num) < 0 || num == 0 || num > 65535 ||
                            (proto && !STREQ(proto, "/tcp") && !STREQ(proto, "/udp") &&
                             !STREQ(proto, "/sctp")))
                                return err_set(e, EINVAL, "invalid change '%s': bad port '%s'",
                                               change, *p);
                        _cleanup_free_ char *key = xasprintf("%s%s", port, proto ? proto : "/tcp");
                        json_object_set(obj_at(cfg, "ExposedPorts"), key, json_new_object());
                }
        } else if (STREQ(ins, "VOLUME")) {
                struct json *list = NULL;
                if (*v == '[' && command_value(v, &list, NULL) == 0) {
                        for (size_t i = 0; i < list->arr.len; i++)
                                json_object_set(obj_at(cfg, "Volumes"), list->arr.items[i]->str.s,
                                                json_new_object());
                        json_free(list);
                } else {
                        json_object_set(obj_at(cfg, "Volumes"), v, json_new_object());
                }
        } else if (STREQ(ins, "ONBUILD")) {
                json_array_append(arr_at(cfg, "OnBuild"), json_new_string(v));
        } else {
                return err_set(e, EINVAL, "invalid change '%s': unknown instruction '%s'", change,
                               ins);
        }
        return 0;
}
