/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp profiles for containers: the docker / containers-common profile
 * format (defaultAction, archMap, syscalls[] with includes/excludes) turned
 * into an OCI linux.seccomp object for one container, with the rules that
 * containers/common's seccomp package applies: a rule is kept when none of
 * its excludes match and all of its includes do (caps against the bounding
 * set, arches against the native architecture, minKernel against uname);
 * archMap gives the architecture list for the native architecture.
 *
 * The profile is untrusted input: every field is checked and an error names
 * the file and the field ("seccomp profile '/x.json': syscalls[3].action:
 * unknown action 'FOO'").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "ctr-spec.h"

/* containers.conf's seccomp_profile is small (16 KiB); this bounds a hostile one. */
#define SECCOMP_PROFILE_MAX (4u << 20)

static const char *const seccomp_actions[] = {
        "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
        "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY",
};

static const char *const seccomp_ops[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static const char *const seccomp_arches[] = {
        "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

static const char *const seccomp_flags[] = {
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* uname machine -> libseccomp's native name (what profiles write in
 * includes.arches) and the SCMP_ARCH_ that archMap is keyed by. */
static const struct {
        const char *machine, *native, *scmp;
} arch_table[] = {
        {"x86_64", "amd64", "SCMP_ARCH_X86_64"},
        {"i386", "x86", "SCMP_ARCH_X86"},
        {"i686", "x86", "SCMP_ARCH_X86"},
        {"aarch64", "arm64", "SCMP_ARCH_AARCH64"},
        {"armv7l", "arm", "SCMP_ARCH_ARM"},
        {"armv6l", "arm", "SCMP_ARCH_ARM"},
        {"ppc64le", "ppc64le", "SCMP_ARCH_PPC64LE"},
        {"ppc64", "ppc64", "SCMP_ARCH_PPC64"},
        {"s390x", "s390x", "SCMP_ARCH_S390X"},
        {"mips64", "mips64", "SCMP_ARCH_MIPS64"},
        {"riscv64", "riscv64", "SCMP_ARCH_RISCV64"},
};

static bool in_table(const char *const *t, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (STREQ(t[i], s))
                        return true;
        return false;
}

const char *ctr_seccomp_native_arch(void)
{
        struct utsname u;
        if (uname(&u) < 0)
                return NULL;
        for (size_t i = 0; i < ARRAY_SIZE(arch_table); i++)
                if (STREQ(u.machine, arch_table[i].machine))
                        return arch_table[i].native;
        return NULL;
}

static const char *scmp_arch_of_native(const char *native)
{
        for (size_t i = 0; i < ARRAY_SIZE(arch_table); i++)
                if (STREQ(native, arch_table[i].native))
                        return arch_table[i].scmp;
        return NULL;
}

/* Parse "major.minor[.rest]" into two numbers; -EINVAL when it is not one. */
static int kernel_version_parse(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
        unsigned maj, min;
        int n = 0;
        if (sscanf(s, "%u.%u%n", &maj, &min, &n) != 2 || n == 0)
                return -EINVAL;
        if (s[n] != '\0' && s[n] != '.' && s[n] != '-' && s[n] != '+')
                return -EINVAL;
        *ret_major = maj;
        *ret_minor = min;
        return 0;
}

/* Every value in a profile must be a string array; where names the field. */
static int get_strv(const struct json *obj, const char *key, const char *where, char ***ret,
                    struct err *e)
{
        struct json *a = json_object_get(obj, key);
        *ret = NULL;
        if (!a || a->type == JSON_NULL)
                return 0;
        if (a->type != JSON_ARRAY)
                return err_set(e, EINVAL, "%s.%s: expected an array, got %s", where, key,
                               json_type_to_string(a->type));
        char **v = NULL;
        for (size_t i = 0; i < a->arr.len; i++) {
                if (a->arr.items[i]->type != JSON_STRING) {
                        strv_free(v);
                        return err_set(e, EINVAL, "%s.%s[%zu]: expected a string, got %s", where,
                                       key, i, json_type_to_string(a->arr.items[i]->type));
                }
                strv_add(&v, a->arr.items[i]->str.s);
        }
        *ret = v;
        return 0;
}

static int get_uint(const struct json *v, const char *where, uint64_t max, uint64_t *ret,
                    struct err *e)
{
        if (v->type != JSON_INT || v->i < 0 || (uint64_t)v->i > max)
                return err_set(e, EINVAL, "%s: expected an integer from 0 to %llu", where,
                               (unsigned long long)max);
        *ret = (uint64_t)v->i;
        return 0;
}

struct filter_ctx {
        char *const *bounding;
        const char *arch;
        unsigned kmaj, kmin;
        bool have_kernel;
};

/* Does a filter ({caps, arches, minKernel}) match? For includes every part
 * must match; for excludes any part matching excludes the rule. */
static int filter_eval(const struct json *f, const char *where, const struct filter_ctx *c,
                       bool include, bool *ret, struct err *e)
{
        *ret = include;
        if (!f || f->type == JSON_NULL)
                return 0;
        if (f->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                               json_type_to_string(f->type));
        _cleanup_strv_ char **caps = NULL, **arches = NULL;
        if (get_strv(f, "caps", where, &caps, e) < 0 ||
            get_strv(f, "arches", where, &arches, e) < 0)
                return -EINVAL;
        const char *mink = NULL;
        struct json *mk = json_object_get(f, "minKernel");
        if (mk && mk->type != JSON_NULL) {
                if (mk->type != JSON_STRING)
                        return err_set(e, EINVAL, "%s.minKernel: expected a string", where);
                mink = mk->str.s;
        }
        bool arch_hit = arches && c->arch && strv_contains(arches, c->arch);
        bool kernel_ok = true;
        if (mink && *mink) {
                unsigned maj, min;
                if (kernel_version_parse(mink, &maj, &min) < 0)
                        return err_set(e, EINVAL, "%s.minKernel: invalid kernel version '%s'",
                                       where, mink);
                if (!c->have_kernel)
                        return err_set(e, EINVAL, "%s.minKernel: cannot read the kernel version",
                                       where);
                kernel_ok = c->kmaj > maj || (c->kmaj == maj && c->kmin >= min);
        }
        if (include) {
                bool ok = true;
                if (arches && arches[0] && !arch_hit)
                        ok = false;
                for (char **p = caps; ok && p && *p; p++)
                        if (!strv_contains(c->bounding, *p))
                                ok = false;
                if (mink && *mink && !kernel_ok)
                        ok = false;
                *ret = ok;
        } else {
                bool hit = arch_hit;
                for (char **p = caps; !hit && p && *p; p++)
                        if (strv_contains(c->bounding, *p))
                                hit = true;
                /* containers/common excludes a rule on a kernel at least minKernel. */
                if (mink && *mink && kernel_ok)
                        hit = true;
                *ret = hit;
        }
        return 0;
}

static int translate_args(const struct json *args, const char *where, struct json **ret,
                          struct err *e)
{
        *ret = NULL;
        if (!args || args->type == JSON_NULL)
                return 0;
        if (args->type != JSON_ARRAY)
                return err_set(e, EINVAL, "%s.args: expected an array", where);
        if (args->arr.len == 0)
                return 0;
        _cleanup_json_ struct json *out = json_new_array();
        for (size_t i = 0; i < args->arr.len; i++) {
                const struct json *a = args->arr.items[i];
                _cleanup_free_ char *w = xasprintf("%s.args[%zu]", where, i);
                if (a->type != JSON_OBJECT)
                        return err_set(e, EINVAL, "%s: expected an object", w);
                uint64_t index = 0, value = 0, value2 = 0;
                struct json *v;
                _cleanup_free_ char *wi = xasprintf("%s.index", w);
                _cleanup_free_ char *wv = xasprintf("%s.value", w);
                _cleanup_free_ char *wv2 = xasprintf("%s.valueTwo", w);
                /* Values above INT64_MAX do not fit berth's JSON integers;
                 * real profiles use 32-bit masks. */
                if ((v = json_object_get(a, "index")) && get_uint(v, wi, 5, &index, e) < 0)
                        return -EINVAL;
                if ((v = json_object_get(a, "value")) && get_uint(v, wv, INT64_MAX, &value, e) < 0)
                        return -EINVAL;
                if ((v = json_object_get(a, "valueTwo")) &&
                    get_uint(v, wv2, INT64_MAX, &value2, e) < 0)
                        return -EINVAL;
                const char *op = json_object_get_string(a, "op");
                if (!op)
                        return err_set(e, EINVAL, "%s.op: missing", w);
                if (!in_table(seccomp_ops, ARRAY_SIZE(seccomp_ops), op))
                        return err_set(e, EINVAL, "%s.op: unknown operator '%s'", w, op);
                struct json *o = json_new_object();
                json_object_set_int(o, "index", (int64_t)index);
                json_object_set_int(o, "value", (int64_t)value);
                if (value2)
                        json_object_set_int(o, "valueTwo", (int64_t)value2);
                json_object_set_string(o, "op", op);
                json_array_append(out, o);
        }
        *ret = steal_pointer(&out);
        return 0;
}

static int check_action(const struct json *obj, const char *key, const char *where,
                        const char **ret, struct err *e)
{
        struct json *a = json_object_get(obj, key);
        if (!a)
                return err_set(e, EINVAL, "%s%s%s: missing", where, *where ? "." : "", key);
        if (a->type != JSON_STRING)
                return err_set(e, EINVAL, "%s%s%s: expected a string", where, *where ? "." : "",
                               key);
        if (!in_table(seccomp_actions, ARRAY_SIZE(seccomp_actions), a->str.s))
                return err_set(e, EINVAL, "%s%s%s: unknown action '%s'", where, *where ? "." : "",
                               key, a->str.s);
        *ret = a->str.s;
        return 0;
}

static int translate_syscall(const struct json *s, const char *where, const struct filter_ctx *c,
                             struct json *out, struct err *e)
{
        if (s->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object", where);
        const char *action;
        if (check_action(s, "action", where, &action, e) < 0)
                return -EINVAL;
        _cleanup_strv_ char **names = NULL;
        if (get_strv(s, "names", where, &names, e) < 0)
                return -EINVAL;
        struct json *name = json_object_get(s, "name");
        if (name && name->type != JSON_NULL && name->type != JSON_STRING)
                return err_set(e, EINVAL, "%s.name: expected a string", where);
        bool have_name = name && name->type == JSON_STRING && name->str.len > 0;
        if (have_name && names && names[0])
                return err_set(e, EINVAL, "%s: both 'name' and 'names' are given; use one", where);
        for (char **p = names; p && *p; p++)
                if (!**p)
                        return err_set(e, EINVAL, "%s.names: empty syscall name", where);
        uint64_t errno_ret = 0;
        struct json *er = json_object_get(s, "errnoRet");
        bool have_errno = er && er->type != JSON_NULL;
        _cleanup_free_ char *wer = xasprintf("%s.errnoRet", where);
        if (have_errno && get_uint(er, wer, 4095, &errno_ret, e) < 0)
                return -EINVAL;
        _cleanup_json_ struct json *args = NULL;
        if (translate_args(json_object_get(s, "args"), where, &args, e) < 0)
                return -EINVAL;
        _cleanup_free_ char *winc = xasprintf("%s.includes", where);
        _cleanup_free_ char *wexc = xasprintf("%s.excludes", where);
        bool inc, exc;
        if (filter_eval(json_object_get(s, "excludes"), wexc, c, false, &exc, e) < 0 ||
            filter_eval(json_object_get(s, "includes"), winc, c, true, &inc, e) < 0)
                return -EINVAL;
        if (exc || !inc)
                return 0;
        if (!have_name && !(names && names[0]))
                return 0;
        struct json *r = json_new_object();
        if (have_name) {
                struct json *n = json_new_array();
                json_array_append(n, json_new_string(name->str.s));
                json_object_set(r, "names", n);
        } else {
                json_object_set(r, "names", json_new_strv(names));
        }
        json_object_set_string(r, "action", action);
        if (have_errno)
                json_object_set_int(r, "errnoRet", (int64_t)errno_ret);
        if (args)
                json_object_set(r, "args", steal_pointer(&args));
        json_array_append(out, r);
        return 0;
}

/* The architectures list: "architectures" as is, or archMap's entry for the
 * native architecture followed by its subArchitectures. */
static int translate_arches(const struct json *p, const struct filter_ctx *c, struct json *out,
                            struct err *e)
{
        _cleanup_strv_ char **arches = NULL;
        if (get_strv(p, "architectures", "", &arches, e) < 0)
                return -EINVAL;
        struct json *map = json_object_get(p, "archMap");
        if (map && map->type != JSON_NULL && map->type != JSON_ARRAY)
                return err_set(e, EINVAL, "archMap: expected an array");
        bool have_map = map && map->type == JSON_ARRAY && map->arr.len > 0;
        if (arches && arches[0] && have_map)
                return err_set(e, EINVAL, "both 'architectures' and 'archMap' are given; use one");
        for (char **a = arches; a && *a; a++)
                if (!in_table(seccomp_arches, ARRAY_SIZE(seccomp_arches), *a))
                        return err_set(e, EINVAL, "architectures: unknown architecture '%s'", *a);
        if (arches && arches[0]) {
                json_object_set(out, "architectures", json_new_strv(arches));
                return 0;
        }
        if (!have_map)
                return 0;
        const char *native = c->arch ? scmp_arch_of_native(c->arch) : NULL;
        for (size_t i = 0; i < map->arr.len; i++) {
                const struct json *m = map->arr.items[i];
                _cleanup_free_ char *w = xasprintf("archMap[%zu]", i);
                if (m->type != JSON_OBJECT)
                        return err_set(e, EINVAL, "%s: expected an object", w);
                const char *a = json_object_get_string(m, "architecture");
                if (!a)
                        return err_set(e, EINVAL, "%s.architecture: missing", w);
                if (!in_table(seccomp_arches, ARRAY_SIZE(seccomp_arches), a))
                        return err_set(e, EINVAL, "%s.architecture: unknown architecture '%s'", w,
                                       a);
                _cleanup_strv_ char **subs = NULL;
                if (get_strv(m, "subArchitectures", w, &subs, e) < 0)
                        return -EINVAL;
                for (char **s = subs; s && *s; s++)
                        if (!in_table(seccomp_arches, ARRAY_SIZE(seccomp_arches), *s))
                                return err_set(e, EINVAL,
                                               "%s.subArchitectures: unknown architecture '%s'", w,
                                               *s);
                if (!native || !STREQ(a, native) || json_object_get(out, "architectures"))
                        continue;
                struct json *l = json_new_array();
                json_array_append(l, json_new_string(a));
                for (char **s = subs; s && *s; s++)
                        json_array_append(l, json_new_string(*s));
                json_object_set(out, "architectures", l);
        }
        return 0;
}

/* The architecture and kernel release translations are made for: host's,
 * or this machine's (u holds uname's answer). */
static void host_facts(const struct ctr_seccomp_host *host, struct utsname *u, const char **arch,
                       const char **release)
{
        *arch = host && host->arch ? host->arch : ctr_seccomp_native_arch();
        *release = host ? host->kernel_release : NULL;
        if (!*release && uname(u) == 0)
                *release = u->release;
}

static int translate(const struct json *p, char *const *bounding,
                     const struct ctr_seccomp_host *host, struct json **ret, struct err *e)
{
        if (p->type != JSON_OBJECT)
                return err_set(e, EINVAL, "expected an object, got %s",
                               json_type_to_string(p->type));
        struct filter_ctx c = {.bounding = bounding};
        struct utsname u;
        const char *rel;
        host_facts(host, &u, &c.arch, &rel);
        if (rel && kernel_version_parse(rel, &c.kmaj, &c.kmin) == 0)
                c.have_kernel = true;

        const char *dflt;
        if (check_action(p, "defaultAction", "", &dflt, e) < 0)
                return -EINVAL;
        _cleanup_json_ struct json *out = json_new_object();
        json_object_set_string(out, "defaultAction", dflt);
        struct json *der = json_object_get(p, "defaultErrnoRet");
        if (der && der->type != JSON_NULL) {
                uint64_t v = 0;
                if (get_uint(der, "defaultErrnoRet", 4095, &v, e) < 0)
                        return -EINVAL;
                json_object_set_int(out, "defaultErrnoRet", (int64_t)v);
        }
        if (translate_arches(p, &c, out, e) < 0)
                return -EINVAL;
        _cleanup_strv_ char **flags = NULL;
        if (get_strv(p, "flags", "", &flags, e) < 0)
                return -EINVAL;
        for (char **f = flags; f && *f; f++)
                if (!in_table(seccomp_flags, ARRAY_SIZE(seccomp_flags), *f))
                        return err_set(e, EINVAL, "flags: unknown flag '%s'", *f);
        const char *lp = json_object_get_string(p, "listenerPath");
        if (lp && *lp)
                json_object_set_string(out, "listenerPath", lp);
        if (flags && flags[0])
                json_object_set(out, "flags", json_new_strv(flags));

        struct json *calls = json_object_get(p, "syscalls");
        if (calls && calls->type != JSON_NULL && calls->type != JSON_ARRAY)
                return err_set(e, EINVAL, "syscalls: expected an array, got %s",
                               json_type_to_string(calls->type));
        struct json *list = json_new_array();
        json_object_set(out, "syscalls", list);
        for (size_t i = 0; calls && calls->type == JSON_ARRAY && i < calls->arr.len; i++) {
                _cleanup_free_ char *w = xasprintf("syscalls[%zu]", i);
                if (translate_syscall(calls->arr.items[i], w, &c, list, e) < 0)
                        return -EINVAL;
        }
        *ret = steal_pointer(&out);
        return 0;
}

int ctr_seccomp_translate(const struct json *profile, const char *name, char *const *bounding,
                          const struct ctr_seccomp_host *host, struct json **ret, struct err *e)
{
        int r = translate(profile, bounding, host, ret, e);
        if (r < 0)
                return err_wrap(e, "seccomp profile '%s'", name);
        return 0;
}

int ctr_seccomp_translate_buf(const char *buf, size_t len, const char *name, char *const *bounding,
                              const struct ctr_seccomp_host *host, struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *p = NULL;
        if (len > SECCOMP_PROFILE_MAX)
                return err_set(e, EFBIG, "seccomp profile '%s': larger than %u bytes", name,
                               SECCOMP_PROFILE_MAX);
        if (json_parse(buf, len, &p, e) < 0)
                return err_wrap(e, "seccomp profile '%s'", name);
        return ctr_seccomp_translate(p, name, bounding, host, ret, e);
}

int ctr_seccomp_load(const char *path, bool explicit, char *const *bounding,
                     const struct ctr_seccomp_host *host, const char *cache_dir, struct json **ret,
                     struct err *e)
{
        if (!path || !*path || STREQ(path, "unconfined")) {
                *ret = NULL;
                return 0;
        }
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct err e2 = {0};
        int r = fs_read_file(AT_FDCWD, path, SECCOMP_PROFILE_MAX, &buf, &len, &e2);
        if (r == -ENOENT && !explicit) {
                /* podman too falls back to its compiled-in profile when the
                 * configured default file is missing. */
                err_done(&e2);
                log_debug("seccomp profile '%s' not found, using berth's built-in profile", path);
                _cleanup_json_ struct json *p = ctr_seccomp_builtin_profile();
                return ctr_seccomp_translate(p, "<built-in>", bounding, host, ret, e);
        }
        if (r < 0) {
                err_move(e, &e2);
                return err_wrap(e, "seccomp profile");
        }
        if (!cache_dir || len > SECCOMP_PROFILE_MAX)
                return ctr_seccomp_translate_buf(buf, len, path, bounding, host, ret, e);
        struct utsname u;
        const char *arch, *rel;
        host_facts(host, &u, &arch, &rel);
        struct sbuf k = {0};
        ctr_seccomp_cache_key(&k, buf, len, bounding, arch, rel);
        r = ctr_seccomp_cache_get(cache_dir, &k, ret);
        if (r == 0 && (r = ctr_seccomp_translate_buf(buf, len, path, bounding, host, ret, e)) == 0)
                ctr_seccomp_cache_put(cache_dir, &k, *ret);
        sbuf_done(&k);
        return r < 0 ? r : 0;
}
