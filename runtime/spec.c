/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json into struct rt_spec. This file walks the document, reads the
 * top-level fields and the hooks, and hands each section to the file that
 * owns it (process, mounts, linux, resources, seccomp). Everything here is
 * untrusted input: every field is type-checked, every list bounded, and an
 * error names the field ("linux.uidMappings[1].size: ...") and the value.
 * Unknown keys are ignored, as the spec asks for forward compatibility.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "rt-internal.h"

#define QUOTE_MAX 200
#define HOSTNAME_MAX 64 /* HOST_NAME_MAX: sethostname/setdomainname refuse more */

char *rt_quote(const char *s)
{
        struct sbuf b = {0};
        size_t len = s ? strlen(s) : 0;
        size_t n = len > QUOTE_MAX ? QUOTE_MAX : len;
        sbuf_append(&b, "");
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
                        sbuf_putc(&b, (char)c);
                else
                        sbuf_printf(&b, "\\x%02x", c);
        }
        if (n < len)
                sbuf_append(&b, "...");
        return sbuf_steal(&b);
}

/* ------------------------------------------------------------------------
 * Field readers
 * ------------------------------------------------------------------------ */

/* Allocates: "where.key", or "key" at the top level. */
static char *field_name(const char *where, const char *key)
{
        if (!where || !*where)
                return xstrdup(key);
        return xasprintf("%s.%s", where, key);
}

/* The value of key, NULL when absent or null; an error when required. */
static int field_get(const struct json *obj, const char *where, const char *key, bool required,
                     const struct json **ret, struct err *e)
{
        const struct json *v = obj && obj->type == JSON_OBJECT ? json_object_get(obj, key) : NULL;
        if (v && v->type == JSON_NULL)
                v = NULL;
        if (!v && required) {
                _cleanup_free_ char *f = field_name(where, key);
                return err_set(e, EINVAL, "%s: required", f);
        }
        *ret = v;
        return v ? 1 : 0;
}

static int type_error(const char *where, const char *key, const char *want, const struct json *got,
                      struct err *e)
{
        _cleanup_free_ char *f = field_name(where, key);
        return err_set(e, EINVAL, "%s: expected %s, got %s", f, want,
                       json_type_to_string(got->type));
}

/* A JSON string as a C string; NUL bytes inside would cut it short silently.
 * Errors name where.key, or where.key[index] with index >= 0 (made only
 * then: a seccomp profile has hundreds of strings). */
static int string_value(const struct json *v, const char *where, const char *key, ssize_t index,
                        char **ret, struct err *e)
{
        if (v->type == JSON_STRING && strlen(v->str.s) == v->str.len) {
                *ret = xstrdup(v->str.s);
                return 0;
        }
        _cleanup_free_ char *f = field_name(where, key);
        _cleanup_free_ char *field = index >= 0 ? xasprintf("%s[%zd]", f, index) : xstrdup(f);
        if (v->type != JSON_STRING)
                return err_set(e, EINVAL, "%s: expected a string, got %s", field,
                               json_type_to_string(v->type));
        return err_set(e, EINVAL, "%s: contains a NUL byte", field);
}

int rt_json_string(const struct json *obj, const char *where, const char *key, bool required,
                   char **ret, struct err *e)
{
        const struct json *v;
        int r = field_get(obj, where, key, required, &v, e);
        if (r <= 0)
                return r;
        char *s;
        if ((r = string_value(v, where, key, -1, &s, e)) < 0)
                return r;
        *ret = s;
        return 1;
}

int rt_json_bool(const struct json *obj, const char *where, const char *key, bool *ret,
                 struct err *e)
{
        const struct json *v;
        int r = field_get(obj, where, key, false, &v, e);
        if (r <= 0)
                return r;
        if (v->type != JSON_BOOL)
                return type_error(where, key, "a boolean", v, e);
        *ret = v->b;
        return 1;
}

int rt_json_uint(const struct json *obj, const char *where, const char *key, bool required,
                 uint64_t max, uint64_t *ret, struct err *e)
{
        const struct json *v;
        int r = field_get(obj, where, key, required, &v, e);
        if (r <= 0)
                return r;
        uint64_t u;
        if (v->type == JSON_INT && v->i >= 0) {
                u = (uint64_t)v->i;
        } else if (v->type == JSON_DOUBLE && max == UINT64_MAX && v->d >= 9223372036854775808.0 &&
                   v->d <= 18446744073709551616.0) {
                /* Above INT64_MAX the parser keeps a double (always integral
                 * there): 18446744073709551615, the unlimited rlimit, rounds
                 * to 2^64, which stands for UINT64_MAX. */
                u = v->d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v->d;
        } else if (v->type == JSON_INT || v->type == JSON_DOUBLE) {
                _cleanup_free_ char *f = field_name(where, key);
                if (v->type == JSON_INT)
                        return err_set(e, EINVAL, "%s: %lld out of range (0 to %llu)", f,
                                       (long long)v->i, (unsigned long long)max);
                return err_set(e, EINVAL, "%s: %g is not an integer in range (0 to %llu)", f, v->d,
                               (unsigned long long)max);
        } else {
                return type_error(where, key, "an integer", v, e);
        }
        if (u > max) {
                _cleanup_free_ char *f = field_name(where, key);
                return err_set(e, EINVAL, "%s: %llu out of range (0 to %llu)", f,
                               (unsigned long long)u, (unsigned long long)max);
        }
        *ret = u;
        return 1;
}

int rt_json_int(const struct json *obj, const char *where, const char *key, bool required,
                int64_t min, int64_t max, int64_t *ret, struct err *e)
{
        const struct json *v;
        int r = field_get(obj, where, key, required, &v, e);
        if (r <= 0)
                return r;
        if (v->type == JSON_DOUBLE) {
                _cleanup_free_ char *f = field_name(where, key);
                return err_set(e, EINVAL, "%s: %g is not an integer in range (%lld to %lld)", f,
                               v->d, (long long)min, (long long)max);
        }
        if (v->type != JSON_INT)
                return type_error(where, key, "an integer", v, e);
        if (v->i < min || v->i > max) {
                _cleanup_free_ char *f = field_name(where, key);
                return err_set(e, EINVAL, "%s: %lld out of range (%lld to %lld)", f,
                               (long long)v->i, (long long)min, (long long)max);
        }
        *ret = v->i;
        return 1;
}

int rt_json_strv(const struct json *obj, const char *where, const char *key, char ***ret,
                 struct err *e)
{
        const struct json *v;
        int r = rt_json_array(obj, where, key, RT_MAX_ENTRIES, &v, e);
        if (r <= 0)
                return r;
        _cleanup_strv_ char **out = xcalloc(v->arr.len + 1, sizeof(char *));
        for (size_t i = 0; i < v->arr.len; i++)
                if ((r = string_value(v->arr.items[i], where, key, (ssize_t)i, &out[i], e)) < 0)
                        return r;
        *ret = steal_pointer(&out);
        return 1;
}

int rt_json_object(const struct json *obj, const char *where, const char *key,
                   const struct json **ret, struct err *e)
{
        const struct json *v;
        int r = field_get(obj, where, key, false, &v, e);
        if (r <= 0)
                return r;
        if (v->type != JSON_OBJECT)
                return type_error(where, key, "an object", v, e);
        *ret = v;
        return 1;
}

int rt_json_array(const struct json *obj, const char *where, const char *key, size_t max,
                  const struct json **ret, struct err *e)
{
        const struct json *v;
        int r = field_get(obj, where, key, false, &v, e);
        if (r <= 0)
                return r;
        if (v->type != JSON_ARRAY)
                return type_error(where, key, "an array", v, e);
        if (v->arr.len > max) {
                _cleanup_free_ char *f = field_name(where, key);
                return err_set(e, E2BIG, "%s: %zu entries, more than the %zu allowed", f,
                               v->arr.len, max);
        }
        *ret = v;
        return 1;
}

/* ------------------------------------------------------------------------
 * Top level
 * ------------------------------------------------------------------------ */

/* Digits only, no sign, no leading zeros (SemVer); *p moves past them. */
static bool semver_number(const char **p, unsigned long *ret)
{
        const char *s = *p;
        if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
                return false;
        unsigned long n = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (n > 1000000)
                        return false;
                n = n * 10 + (unsigned long)(*s - '0');
        }
        *ret = n;
        *p = s;
        return true;
}

/* 1.0.0 to 1.2.x, with any pre-release or build suffix ("1.0.2-dev"). A
 * later 1.x is accepted with a warning: within a major version the spec
 * only adds fields, which berth then ignores. */
static int check_version(const char *v, bool quiet, struct err *e)
{
        const char *p = v;
        unsigned long major, minor, patch;
        bool ok = semver_number(&p, &major) && *p++ == '.' && semver_number(&p, &minor) &&
                  *p++ == '.' && semver_number(&p, &patch) &&
                  (*p == '\0' || ((*p == '-' || *p == '+') && p[1] != '\0'));
        if (ok) {
                for (const char *q = p; *q; q++) {
                        char c = *q;
                        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                              (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '+'))
                                ok = false;
                }
        }
        _cleanup_free_ char *q = rt_quote(v);
        if (!ok)
                return err_set(e, EINVAL, "ociVersion: '%s' is not a SemVer version", q);
        if (major != 1)
                return err_set(e, EINVAL,
                               "ociVersion: unsupported version '%s' (supported: 1.0.0 to 1.2.x)",
                               q);
        if (minor > 2 && !quiet)
                log_warn("config.json has ociVersion '%s', newer than 1.2: unknown "
                         "fields are ignored",
                         q);
        return 0;
}

const char *rt_hook_kind_to_string(enum rt_hook_kind k)
{
        static const char *const names[RT_HOOK_NKINDS] = {
                [RT_HOOK_PRESTART] = "prestart",
                [RT_HOOK_CREATE_RUNTIME] = "createRuntime",
                [RT_HOOK_CREATE_CONTAINER] = "createContainer",
                [RT_HOOK_START_CONTAINER] = "startContainer",
                [RT_HOOK_POSTSTART] = "poststart",
                [RT_HOOK_POSTSTOP] = "poststop",
        };
        if ((unsigned)k >= RT_HOOK_NKINDS)
                return NULL;
        return names[k];
}

static void hook_done(struct rt_hook *h)
{
        free(h->path);
        strv_free(h->args);
        strv_free(h->env);
}

int rt_spec_check_env(char **env, const char *field, struct err *e)
{
        for (size_t i = 0; env && env[i]; i++) {
                const char *eq = strchr(env[i], '=');
                if (!eq || eq == env[i]) {
                        _cleanup_free_ char *q = rt_quote(env[i]);
                        return err_set(e, EINVAL, "%s[%zu]: '%s' is not NAME=value", field, i, q);
                }
        }
        return 0;
}

static int hook_parse(const struct json *j, const char *where, struct rt_hook *ret, struct err *e)
{
        if (j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                               json_type_to_string(j->type));
        _cleanup_(hook_done) struct rt_hook h = {0};
        int64_t timeout = 0;
        int r;
        if ((r = rt_json_string(j, where, "path", true, &h.path, e)) < 0 ||
            (r = rt_json_strv(j, where, "args", &h.args, e)) < 0 ||
            (r = rt_json_strv(j, where, "env", &h.env, e)) < 0 ||
            (r = rt_json_int(j, where, "timeout", false, 1, INT_MAX, &timeout, e)) < 0)
                return r;
        if (h.path[0] != '/') {
                _cleanup_free_ char *q = rt_quote(h.path);
                return err_set(e, EINVAL, "%s.path: '%s' is not an absolute path", where, q);
        }
        /* An empty argv cannot be exec'd: fall back to the path alone. */
        if (h.args && !h.args[0]) {
                strv_free(h.args);
                h.args = NULL;
        }
        _cleanup_free_ char *envf = xasprintf("%s.env", where);
        if ((r = rt_spec_check_env(h.env, envf, e)) < 0)
                return r;
        h.timeout = (int)timeout;
        *ret = h;
        h = (struct rt_hook){0};
        return 0;
}

static int hooks_parse(const struct json *doc, struct rt_spec *s, struct err *e)
{
        const struct json *hooks;
        int r = rt_json_object(doc, "", "hooks", &hooks, e);
        if (r <= 0)
                return r;
        for (int k = 0; k < RT_HOOK_NKINDS; k++) {
                const char *name = rt_hook_kind_to_string(k);
                _cleanup_free_ char *where = xasprintf("hooks.%s", name);
                const struct json *list;
                if ((r = rt_json_array(hooks, "hooks", name, RT_MAX_ENTRIES, &list, e)) < 0)
                        return r;
                if (r == 0 || list->arr.len == 0)
                        continue;
                s->hooks[k] = xcalloc(list->arr.len, sizeof(struct rt_hook));
                for (size_t i = 0; i < list->arr.len; i++) {
                        _cleanup_free_ char *wi = xasprintf("%s[%zu]", where, i);
                        if ((r = hook_parse(list->arr.items[i], wi, &s->hooks[k][i], e)) < 0)
                                return r;
                        s->n_hooks[k]++;
                }
        }
        return 0;
}

static int mounts_parse(const struct json *doc, struct rt_spec *s, struct err *e)
{
        const struct json *list;
        int r = rt_json_array(doc, "", "mounts", RT_MAX_ENTRIES, &list, e);
        if (r <= 0 || list->arr.len == 0)
                return r;
        s->mounts = xcalloc(list->arr.len, sizeof(struct rt_mount));
        for (size_t i = 0; i < list->arr.len; i++) {
                const struct json *m = list->arr.items[i];
                if (m->type != JSON_OBJECT)
                        return err_set(e, EINVAL, "mounts[%zu]: expected an object, got %s", i,
                                       json_type_to_string(m->type));
                if ((r = rt_mount_parse(m, &s->mounts[i], e)) < 0)
                        return err_wrap(e, "mounts[%zu]", i);
                s->n_mounts++;
        }
        return 0;
}

/* A hostname or domainname as sethostname(2)/setdomainname(2) take it. */
static int uts_name_parse(const struct json *doc, const char *key, char **ret, struct err *e)
{
        _cleanup_free_ char *name = NULL;
        int r = rt_json_string(doc, "", key, false, &name, e);
        if (r <= 0)
                return r;
        if (!name[0]) /* Go's omitempty: "" is no name */
                return 0;
        if (strlen(name) > HOSTNAME_MAX) {
                _cleanup_free_ char *q = rt_quote(name);
                return err_set(e, EINVAL, "%s: '%s' is longer than %d bytes", key, q, HOSTNAME_MAX);
        }
        *ret = steal_pointer(&name);
        return 1;
}

/* Annotations: an object of string values with non-empty keys (config.md). */
static int annotations_parse(struct json *doc, struct rt_spec *s, struct err *e)
{
        const struct json *a;
        int r = rt_json_object(doc, "", "annotations", &a, e);
        if (r <= 0)
                return r;
        for (size_t i = 0; i < a->obj.len; i++) {
                _cleanup_free_ char *q = rt_quote(a->obj.keys[i]);
                if (!a->obj.keys[i][0])
                        return err_set(e, EINVAL, "annotations: empty key");
                if (a->obj.vals[i]->type != JSON_STRING)
                        return err_set(e, EINVAL, "annotations.%s: expected a string, got %s", q,
                                       json_type_to_string(a->obj.vals[i]->type));
        }
        s->annotations = (struct json *)a;
        return 0;
}

static int root_parse(const struct json *doc, struct rt_spec *s, struct err *e)
{
        const struct json *root;
        int r = rt_json_object(doc, "", "root", &root, e);
        if (r < 0)
                return r;
        if (r == 0)
                return err_set(e, EINVAL, "root: required");
        if ((r = rt_json_string(root, "root", "path", true, &s->root_path, e)) < 0 ||
            (r = rt_json_bool(root, "root", "readonly", &s->root_readonly, e)) < 0)
                return r;
        if (!s->root_path[0])
                return err_set(e, EINVAL, "root.path: empty");
        return 0;
}

static int spec_from_json(struct json *doc, struct rt_spec *s, unsigned flags, struct err *e)
{
        int r;
        if ((r = rt_json_string(doc, "", "ociVersion", true, &s->oci_version, e)) < 0 ||
            (r = check_version(s->oci_version, flags & RT_SPEC_QUIET, e)) < 0 ||
            (r = root_parse(doc, s, e)) < 0 ||
            (r = uts_name_parse(doc, "hostname", &s->hostname, e)) < 0 ||
            (r = uts_name_parse(doc, "domainname", &s->domainname, e)) < 0 ||
            (r = annotations_parse(doc, s, e)) < 0)
                return r;
        const struct json *proc;
        if ((r = rt_json_object(doc, "", "process", &proc, e)) < 0)
                return r;
        if (r > 0 && (r = rt_process_parse_flags(proc, flags, &s->process, e)) < 0)
                return r;
        if ((r = mounts_parse(doc, s, e)) < 0 || (r = hooks_parse(doc, s, e)) < 0)
                return r;
        const struct json *lx;
        if ((r = rt_json_object(doc, "", "linux", &lx, e)) < 0 ||
            (r = rt_spec_linux_parse(r > 0 ? lx : NULL, s, e)) < 0)
                return r;
        /* Setting them in the runtime's own UTS namespace would rename the host. */
        if ((s->hostname || s->domainname) && !s->ns[RT_NS_UTS].enabled)
                return err_set(e, EINVAL, "%s: set without a UTS namespace in linux.namespaces",
                               s->hostname ? "hostname" : "domainname");
        return 0;
}

int rt_spec_parse_flags(const char *buf, size_t len, unsigned flags, struct rt_spec **ret,
                        struct err *e)
{
        if (len > RT_SPEC_MAX_SIZE)
                return err_set(e, EFBIG, "config.json is %zu bytes, more than the %u allowed", len,
                               RT_SPEC_MAX_SIZE);
        struct json *doc = NULL;
        int r = json_parse(buf, len, &doc, e);
        if (r < 0)
                return r;
        struct rt_spec *s = xcalloc(1, sizeof(*s));
        s->doc = doc;
        s->text = xstrndup(buf, len); /* valid JSON holds no NUL byte */
        s->text_len = strlen(s->text);
        if (doc->type != JSON_OBJECT) {
                r = err_set(e, EINVAL, "config.json: expected an object, got %s",
                            json_type_to_string(doc->type));
                rt_spec_free(s);
                return r;
        }
        if ((r = spec_from_json(doc, s, flags, e)) < 0) {
                rt_spec_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int rt_spec_parse(const char *buf, size_t len, struct rt_spec **ret, struct err *e)
{
        return rt_spec_parse_flags(buf, len, 0, ret, e);
}

int rt_spec_load(const char *bundle, struct rt_spec **ret, struct err *e)
{
        _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = fs_read_file(AT_FDCWD, path, RT_SPEC_MAX_SIZE, &buf, &len, e);
        if (r < 0)
                return r;
        if ((r = rt_spec_parse(buf, len, ret, e)) < 0)
                return err_wrap(e, "%s", path);
        return 0;
}

void rt_spec_free(struct rt_spec *s)
{
        if (!s)
                return;
        free(s->text);
        free(s->oci_version);
        free(s->root_path);
        free(s->hostname);
        free(s->domainname);
        rt_process_free(s->process);
        for (size_t i = 0; i < s->n_mounts; i++)
                rt_mount_done(&s->mounts[i]);
        free(s->mounts);
        for (int k = 0; k < RT_HOOK_NKINDS; k++) {
                for (size_t i = 0; i < s->n_hooks[k]; i++)
                        hook_done(&s->hooks[k][i]);
                free(s->hooks[k]);
        }
        rt_spec_linux_done(s);
        json_free(s->doc);
        free(s);
}
