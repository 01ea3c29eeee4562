/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: parsed into plain structs before the fork (actions and
 * operators to libseccomp's values; syscall names stay names), compiled to
 * BPF by libseccomp in the parent (rt_seccomp_prepare), which resolves the
 * names, and loaded with seccomp(2) only in the child.
 *
 * Compiling podman's default profile takes libseccomp about 10 ms of CPU,
 * more than the rest of a container's setup; the program depends only on
 * the parsed filter, the kernel and libseccomp, so it is cached in the
 * state root (<root>/.seccomp/<hash of the key>-<length>, a name no
 * container ID can take; the entry holds its whole key and the library's
 * file identity, so a hit is an exact match) and later containers with
 * the same filter read it back without loading libseccomp at all. The
 * cache is the caller's own (the state root is), bounded to CACHE_MAX
 * entries, and a file that is not a whole program is compiled again and
 * replaced.
 *
 * Choices where the runtime spec is silent, made as runc and crun make them:
 * - a syscall name this libseccomp does not know is skipped (profiles list
 *   syscalls newer than the library), as is an architecture it does not know;
 * - a rule whose action is the default action is dropped (libseccomp
 *   refuses it, and it changes nothing);
 * - rules are added with seccomp_rule_add_array(), not the _exact variant,
 *   so that libseccomp translates them for each architecture of a
 *   multi-arch filter (socketcall multiplexing on x86, syscalls missing on
 *   one of the architectures);
 * - several conditions on the same argument index become one rule per
 *   condition (so they are ORed): libseccomp refuses them in one rule, and
 *   runc splits them this way;
 * - libseccomp's own NO_NEW_PRIVS on load is turned off: no_new_privs is
 *   process.noNewPrivileges's business (rt_process_finish). Without it,
 *   loading needs CAP_SYS_ADMIN, so the init must load the filter before it
 *   drops its capabilities (see rt-internal.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rt-internal.h"
#include "seccomp-dl.h"

#define WHERE "linux.seccomp"
#define MAX_ARGS 64      /* conditions per rule */
#define ERRNO_MAX 0xffff /* the data field of a seccomp return value */
#define CACHE_DIR ".seccomp"
#define CACHE_MAX 32 /* programs kept; a new one past this empties the cache */

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct sc_arg {
        unsigned index;
        uint64_t value, value_two;
        enum scmp_compare op;
};

struct sc_rule {
        size_t pos; /* index in linux.seccomp.syscalls, for messages */
        uint32_t action;
        char **names; /* as the profile gives them, resolved when compiled */
        size_t n_names;
        struct sc_arg *args;
        size_t n_args;
};

enum {
        SC_FLAG_TSYNC = 1 << 0,
        SC_FLAG_LOG = 1 << 1,
        SC_FLAG_SPEC_ALLOW = 1 << 2,
        SC_FLAG_WAIT_KILLABLE_RECV = 1 << 3,
};

struct rt_seccomp {
        uint32_t default_action;
        uint32_t *arches;
        size_t n_arches;
        unsigned flags;
        char *listener_path;
        char *listener_metadata;
        bool notify; /* some action is SCMP_ACT_NOTIFY */
        struct sc_rule *rules;
        size_t n_rules;
        struct sock_filter *bpf; /* the compiled program (rt_seccomp_prepare) */
        size_t bpf_len;          /* instructions */
};

static const struct {
        const char *name;
        uint32_t action;
        bool takes_errno;
} actions[] = {
        {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
        {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
        {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
        {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
        {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
        {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
        {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
        {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
        {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

/* Architectures by their spec names; 0 where this libseccomp lacks one. */
static const struct {
        const char *name;
        uint32_t arch;
} arches[] = {
        {"SCMP_ARCH_X86", SCMP_ARCH_X86},
        {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
        {"SCMP_ARCH_X32", SCMP_ARCH_X32},
        {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
        {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
        {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
        {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
        {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
        {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
        {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
        {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
        {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
        {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
        {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
        {"SCMP_ARCH_S390", SCMP_ARCH_S390},
        {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
        {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
        {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
        {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
        {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#else
        {"SCMP_ARCH_LOONGARCH64", 0},
#endif
#ifdef SCMP_ARCH_M68K
        {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#else
        {"SCMP_ARCH_M68K", 0},
#endif
#ifdef SCMP_ARCH_SH
        {"SCMP_ARCH_SH", SCMP_ARCH_SH},
        {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#else
        {"SCMP_ARCH_SH", 0},
        {"SCMP_ARCH_SHEB", 0},
#endif
};

static const struct {
        const char *name;
        unsigned flag;
} flags[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", SC_FLAG_TSYNC},
        {"SECCOMP_FILTER_FLAG_LOG", SC_FLAG_LOG},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SC_FLAG_SPEC_ALLOW},
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SC_FLAG_WAIT_KILLABLE_RECV},
};

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define HAVE_WAITKILL 1
#else
#define HAVE_WAITKILL 0
#endif

static const struct {
        const char *name;
        enum scmp_compare op;
} ops[] = {
        {"SCMP_CMP_NE", SCMP_CMP_NE},
        {"SCMP_CMP_LT", SCMP_CMP_LT},
        {"SCMP_CMP_LE", SCMP_CMP_LE},
        {"SCMP_CMP_EQ", SCMP_CMP_EQ},
        {"SCMP_CMP_GE", SCMP_CMP_GE},
        {"SCMP_CMP_GT", SCMP_CMP_GT},
        {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static void rule_done(struct sc_rule *r)
{
        strv_free(r->names);
        free(r->args);
}

void rt_seccomp_free(struct rt_seccomp *s)
{
        if (!s)
                return;
        free(s->arches);
        free(s->listener_path);
        free(s->listener_metadata);
        for (size_t i = 0; i < s->n_rules; i++)
                rule_done(&s->rules[i]);
        free(s->rules);
        free(s->bpf);
        free(s);
}
DEFINE_CLEANUP_FUNC(struct rt_seccomp *, rt_seccomp_free)

/* An action ("SCMP_ACT_ERRNO") with its errno field (errno_key in obj). */
static int action_parse(const struct json *obj, const char *where, const char *key,
                        const char *errno_key, uint32_t *ret, struct err *e)
{
        _cleanup_free_ char *name = NULL;
        uint64_t errnum = EPERM;
        int r = rt_json_string(obj, where, key, true, &name, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
                if (!STREQ(actions[i].name, name))
                        continue;
                if ((r = rt_json_uint(obj, where, errno_key, false, ERRNO_MAX, &errnum, e)) < 0)
                        return r;
                if (r > 0 && !actions[i].takes_errno)
                        return err_set(e, EINVAL, "%s.%s: action %s takes no errno", where,
                                       errno_key, name);
                *ret = actions[i].takes_errno ? actions[i].action | (uint32_t)errnum
                                              : actions[i].action;
                return 0;
        }
        _cleanup_free_ char *q = rt_quote(name);
        return err_set(e, EINVAL, "%s.%s: unknown action '%s'", where, key, q);
}

static int arches_parse(const struct json *j, struct rt_seccomp *s, struct err *e)
{
        _cleanup_strv_ char **names = NULL;
        int r = rt_json_strv(j, WHERE, "architectures", &names, e);
        if (r <= 0)
                return r;
        s->arches = xcalloc(strv_length(names) + 1, sizeof(uint32_t));
        for (size_t i = 0; names[i]; i++) {
                size_t k = 0;
                while (k < ARRAY_SIZE(arches) && !STREQ(arches[k].name, names[i]))
                        k++;
                if (k == ARRAY_SIZE(arches) && !str_has_prefix(names[i], "SCMP_ARCH_")) {
                        _cleanup_free_ char *q = rt_quote(names[i]);
                        return err_set(e, EINVAL,
                                       WHERE ".architectures[%zu]: unknown "
                                             "architecture '%s'",
                                       i, q);
                }
                if (k == ARRAY_SIZE(arches) || arches[k].arch == 0) {
                        /* Newer than this libseccomp: it cannot be the host's. */
                        log_debug("seccomp: skipping architecture %s unknown to libseccomp "
                                  "%d.%d.%d",
                                  names[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
                        continue;
                }
                s->arches[s->n_arches++] = arches[k].arch;
        }
        return 0;
}

static int flags_parse(const struct json *j, struct rt_seccomp *s, struct err *e)
{
        _cleanup_strv_ char **names = NULL;
        int r = rt_json_strv(j, WHERE, "flags", &names, e);
        if (r <= 0)
                return r;
        for (size_t i = 0; names[i]; i++) {
                size_t k = 0;
                while (k < ARRAY_SIZE(flags) && !STREQ(flags[k].name, names[i]))
                        k++;
                if (k == ARRAY_SIZE(flags)) {
                        _cleanup_free_ char *q = rt_quote(names[i]);
                        return err_set(e, EINVAL, WHERE ".flags[%zu]: unknown flag '%s'", i, q);
                }
                if (flags[k].flag == SC_FLAG_WAIT_KILLABLE_RECV && !HAVE_WAITKILL)
                        return err_set(e, ENOTSUP,
                                       WHERE ".flags[%zu]: %s is not supported by libseccomp "
                                             "%d.%d.%d (it needs 2.6)",
                                       i, names[i], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
                s->flags |= flags[k].flag;
        }
        return 0;
}

static int arg_parse(const struct json *j, const char *where, struct sc_arg *ret, struct err *e)
{
        _cleanup_free_ char *op = NULL;
        uint64_t index, value, value_two = 0;
        int r;
        if (j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                               json_type_to_string(j->type));
        if ((r = rt_json_uint(j, where, "index", true, 5, &index, e)) < 0 ||
            (r = rt_json_uint(j, where, "value", true, UINT64_MAX, &value, e)) < 0 ||
            (r = rt_json_uint(j, where, "valueTwo", false, UINT64_MAX, &value_two, e)) < 0 ||
            (r = rt_json_string(j, where, "op", true, &op, e)) < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
                if (STREQ(ops[i].name, op)) {
                        *ret = (struct sc_arg){.index = (unsigned)index,
                                               .value = value,
                                               .value_two = value_two,
                                               .op = ops[i].op};
                        return 0;
                }
        }
        _cleanup_free_ char *q = rt_quote(op);
        return err_set(e, EINVAL, "%s.op: unknown operator '%s'", where, q);
}

/* One entry of syscalls[]: its names stay names until the filter is compiled. */
static int rule_parse(const struct json *j, size_t pos, struct sc_rule *ret, struct err *e)
{
        _cleanup_free_ char *where = xasprintf(WHERE ".syscalls[%zu]", pos);
        _cleanup_strv_ char **names = NULL;
        const struct json *args = NULL;
        struct sc_rule rule = {.pos = pos};
        int r;
        if (j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                               json_type_to_string(j->type));
        if ((r = rt_json_strv(j, where, "names", &names, e)) < 0)
                return r;
        if (!names || !names[0])
                return err_set(e, EINVAL, "%s.names: must name at least one syscall", where);
        if ((r = action_parse(j, where, "action", "errnoRet", &rule.action, e)) < 0 ||
            (r = rt_json_array(j, where, "args", MAX_ARGS, &args, e)) < 0)
                return r;
        if (args && args->arr.len > 0) {
                rule.args = xcalloc(args->arr.len, sizeof(struct sc_arg));
                for (size_t i = 0; i < args->arr.len; i++) {
                        _cleanup_free_ char *w = xasprintf("%s.args[%zu]", where, i);
                        if ((r = arg_parse(args->arr.items[i], w, &rule.args[i], e)) < 0) {
                                rule_done(&rule);
                                return r;
                        }
                        rule.n_args++;
                }
        }
        rule.n_names = strv_length(names);
        rule.names = steal_pointer(&names);
        *ret = rule;
        return 0;
}

static int rules_parse(const struct json *j, struct rt_seccomp *s, struct err *e)
{
        const struct json *list;
        int r = rt_json_array(j, WHERE, "syscalls", RT_MAX_ENTRIES, &list, e);
        if (r <= 0 || list->arr.len == 0)
                return r;
        s->rules = xcalloc(list->arr.len, sizeof(struct sc_rule));
        for (size_t i = 0; i < list->arr.len; i++) {
                struct sc_rule rule;
                if ((r = rule_parse(list->arr.items[i], i, &rule, e)) < 0)
                        return r;
                if (rule.action == s->default_action) {
                        log_debug("seccomp: dropping syscalls[%zu]: its action is the default "
                                  "action",
                                  i);
                        rule_done(&rule);
                        continue;
                }
                if (rule.action == SCMP_ACT_NOTIFY)
                        s->notify = true;
                s->rules[s->n_rules++] = rule;
        }
        return 0;
}

char *rt_libseccomp_version(void)
{
        const struct seccomp_dl *lib;
        struct err e = {0};
        if (seccomp_dl_get(&lib, &e) < 0) {
                log_debug("%s", e.msg);
                err_done(&e);
                return NULL;
        }
        const struct scmp_version *v = lib->seccomp_version();
        return v ? xasprintf("%u.%u.%u", v->major, v->minor, v->micro) : NULL;
}

int rt_seccomp_parse(const struct json *j, struct rt_seccomp **ret, struct err *e)
{
        _cleanup_(rt_seccomp_freep) struct rt_seccomp *s = xcalloc(1, sizeof(*s));
        int r;
        if (!j || j->type != JSON_OBJECT)
                return err_set(e, EINVAL, WHERE ": expected an object, got %s",
                               j ? json_type_to_string(j->type) : "nothing");
        if ((r = action_parse(j, WHERE, "defaultAction", "defaultErrnoRet", &s->default_action,
                              e)) < 0 ||
            (r = arches_parse(j, s, e)) < 0 || (r = flags_parse(j, s, e)) < 0 ||
            (r = rt_json_string(j, WHERE, "listenerPath", false, &s->listener_path, e)) < 0 ||
            (r = rt_json_string(j, WHERE, "listenerMetadata", false, &s->listener_metadata, e)) <
                    0 ||
            (r = rules_parse(j, s, e)) < 0)
                return r;
        if (s->default_action == SCMP_ACT_NOTIFY)
                return err_set(e, EINVAL,
                               WHERE ".defaultAction: SCMP_ACT_NOTIFY cannot be the "
                                     "default action (the runtime itself would block)");
        if (s->listener_metadata && !s->listener_path)
                return err_set(e, EINVAL, WHERE ".listenerMetadata: set without listenerPath");
        if (s->listener_path) {
                if (s->listener_path[0] != '/')
                        return err_set(e, EINVAL, WHERE ".listenerPath: '%s' is not absolute",
                                       s->listener_path);
                if (strlen(s->listener_path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
                        return err_set(e, ENAMETOOLONG,
                                       WHERE ".listenerPath: longer than a socket path may be");
        }
        if (s->notify && !s->listener_path)
                return err_set(e, EINVAL,
                               WHERE ": SCMP_ACT_NOTIFY is used but listenerPath is not set");
        *ret = steal_pointer(&s);
        return 0;
}

bool rt_seccomp_uses_notify(const struct rt_seccomp *s)
{
        return s && s->notify;
}

/* Add one rule (per syscall number), split by argument as the header says.
 * A name this libseccomp does not know is skipped (a rule of such names
 * only adds nothing). */
static int rule_add(const struct seccomp_dl *lib, scmp_filter_ctx ctx, const struct sc_rule *rule,
                    struct err *e)
{
        struct scmp_arg_cmp cmps[MAX_ARGS];
        bool split = false;
        unsigned seen = 0;
        for (size_t i = 0; i < rule->n_args; i++) {
                const struct sc_arg *a = &rule->args[i];
                cmps[i] = (struct scmp_arg_cmp){
                        .arg = a->index, .op = a->op, .datum_a = a->value, .datum_b = a->value_two};
                if (seen & (1u << a->index))
                        split = true;
                seen |= 1u << a->index;
        }
        for (size_t k = 0; k < rule->n_names; k++) {
                int nr = lib->seccomp_syscall_resolve_name(rule->names[k]);
                if (nr == __NR_SCMP_ERROR) {
                        log_debug("seccomp: skipping syscall '%s' unknown to libseccomp",
                                  rule->names[k]);
                        continue;
                }
                int r;
                if (!split) {
                        r = lib->seccomp_rule_add_array(ctx, rule->action, nr,
                                                        (unsigned)rule->n_args, cmps);
                } else {
                        r = 0;
                        for (size_t i = 0; i < rule->n_args && r >= 0; i++)
                                r = lib->seccomp_rule_add_array(ctx, rule->action, nr, 1, &cmps[i]);
                }
                if (r < 0)
                        return err_errnum(e, r, WHERE ".syscalls[%zu]: adding the rule for '%s'",
                                          rule->pos, rule->names[k]);
        }
        return 0;
}

static int set_attr(const struct seccomp_dl *lib, scmp_filter_ctx ctx, enum scmp_filter_attr attr,
                    uint32_t v, const char *what, struct err *e)
{
        int r = lib->seccomp_attr_set(ctx, attr, v);
        if (r < 0)
                return err_errnum(e, r, "seccomp: setting %s", what);
        return 0;
}

static int build(const struct seccomp_dl *lib, const struct rt_seccomp *s, scmp_filter_ctx ctx,
                 struct err *e)
{
        int r;
        /* The kernel's errno from seccomp_load(), not a blanket ECANCELED. */
        if ((r = set_attr(lib, ctx, SCMP_FLTATR_CTL_NNP, 0, "no_new_privs off", e)) < 0 ||
            (r = set_attr(lib, ctx, SCMP_FLTATR_API_SYSRAWRC, 1, "raw return codes", e)) < 0)
                return r;
        /* A binary tree of syscall numbers, not a linear list: the same
         * filter, but the kernel takes a third of the time to load it (its
         * per-syscall action cache runs the program for every number) and
         * each syscall of the container is checked in log(n) steps. A
         * libseccomp before 2.5 lacks it: its linear program is used. */
        if (lib->seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
                log_debug("seccomp: libseccomp cannot build a binary tree, using a list");
        for (size_t i = 0; i < s->n_arches; i++) {
                r = lib->seccomp_arch_add(ctx, s->arches[i]);
                if (r < 0 && r != -EEXIST)
                        return err_errnum(e, r, "seccomp: adding architecture %#x", s->arches[i]);
        }
        if ((s->flags & SC_FLAG_TSYNC) &&
            (r = set_attr(lib, ctx, SCMP_FLTATR_CTL_TSYNC, 1, "SECCOMP_FILTER_FLAG_TSYNC", e)) < 0)
                return r;
        if ((s->flags & SC_FLAG_LOG) &&
            (r = set_attr(lib, ctx, SCMP_FLTATR_CTL_LOG, 1, "SECCOMP_FILTER_FLAG_LOG", e)) < 0)
                return r;
        if ((s->flags & SC_FLAG_SPEC_ALLOW) &&
            (r = set_attr(lib, ctx, SCMP_FLTATR_CTL_SSB, 1, "SECCOMP_FILTER_FLAG_SPEC_ALLOW", e)) <
                    0)
                return r;
#if HAVE_WAITKILL
        if ((s->flags & SC_FLAG_WAIT_KILLABLE_RECV) &&
            (r = set_attr(lib, ctx, SCMP_FLTATR_CTL_WAITKILL, 1,
                          "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", e)) < 0)
                return r;
#endif
        for (size_t i = 0; i < s->n_rules; i++)
                if ((r = rule_add(lib, ctx, &s->rules[i], e)) < 0)
                        return r;
        return 0;
}

/* libseccomp's program for s, as BPF instructions (allocated). */
static int compile(const struct rt_seccomp *s, struct sock_filter **ret, size_t *ret_len,
                   struct err *e)
{
        const struct seccomp_dl *lib;
        if (seccomp_dl_get(&lib, e) < 0)
                return err_wrap(e, WHERE);
        scmp_filter_ctx ctx = lib->seccomp_init(s->default_action);
        if (!ctx)
                return err_set(e, EINVAL,
                               "seccomp: cannot create a filter with default action "
                               "%#x",
                               s->default_action);
        int r = build(lib, s, ctx, e);
        _cleanup_close_ int fd = -1;
        if (r >= 0 && (fd = memfd_create("berth-seccomp", MFD_CLOEXEC)) < 0)
                r = err_errno(e, "seccomp: memfd_create");
        if (r >= 0 && (r = lib->seccomp_export_bpf(ctx, fd)) < 0)
                err_errnum(e, r, "seccomp: compiling the filter");
        lib->seccomp_release(ctx);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return err_errno(e, "seccomp: fstat");
        size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
        if (n == 0 || n > BPF_MAXINSNS || (size_t)st.st_size % sizeof(struct sock_filter))
                return err_set(e, E2BIG, "seccomp: the filter compiles to %lld bytes, more than "
                                         "the kernel takes",
                               (long long)st.st_size);
        struct sock_filter *f = xmalloc((size_t)st.st_size);
        if (pread(fd, f, (size_t)st.st_size, 0) != st.st_size) {
                free(f);
                return err_errno(e, "seccomp: reading the compiled filter");
        }
        *ret = f;
        *ret_len = n;
        return 0;
}

/* The cache key: the parsed filter (what the program is made from, its
 * syscalls by name) and the kernel (whose API level libseccomp detects),
 * as bytes. The entry is named by a 64-bit FNV-1a of the key and holds
 * the key itself, then the identity of the libseccomp that compiled it,
 * then the program: a hit is a byte-for-byte match of the key and the same
 * library file, so no hash has to be trusted (and the monitor, which runs
 * this, needs no libcrypto), and a hit neither loads libseccomp nor
 * resolves a name (0.2 ms of the path to a container's start). */
static void put(struct sbuf *k, const void *p, size_t n)
{
        sbuf_append_len(k, (const char *)p, n);
}

static void put_str(struct sbuf *k, const char *str)
{
        sbuf_append_sized(k, str, strlen(str));
}

static void cache_key(const struct rt_seccomp *s, struct sbuf *k)
{
        unsigned format = 3; /* 2: the binary tree; 3: names, the library apart */
        put(k, &format, sizeof(format));
        struct utsname u;
        if (uname(&u) == 0) {
                put_str(k, u.release);
                put_str(k, u.version);
                put_str(k, u.machine);
        }
        put(k, &s->default_action, sizeof(s->default_action));
        put(k, &s->n_arches, sizeof(s->n_arches));
        put(k, s->arches, s->n_arches * sizeof(*s->arches));
        put(k, &s->n_rules, sizeof(s->n_rules));
        for (size_t i = 0; i < s->n_rules; i++) {
                const struct sc_rule *r = &s->rules[i];
                put(k, &r->action, sizeof(r->action));
                put(k, &r->n_names, sizeof(r->n_names));
                for (size_t j = 0; j < r->n_names; j++)
                        put_str(k, r->names[j]);
                put(k, &r->n_args, sizeof(r->n_args));
                for (size_t j = 0; j < r->n_args; j++) {
                        const struct sc_arg *a = &r->args[j];
                        uint64_t f[4] = {a->index, a->value, a->value_two, (uint64_t)a->op};
                        put(k, f, sizeof(f));
                }
        }
}

/* The library file, as stat(2) sees it: an upgrade replaces it. */
struct lib_id {
        uint64_t dev, ino, size;
        int64_t mtime_sec, mtime_nsec;
        uint64_t path_len; /* the path follows, then zeros to 8 bytes */
};

static bool lib_id_of(const char *path, struct lib_id *id)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return false;
        *id = (struct lib_id){.dev = st.st_dev,
                              .ino = st.st_ino,
                              .size = (uint64_t)st.st_size,
                              .mtime_sec = st.st_mtim.tv_sec,
                              .mtime_nsec = st.st_mtim.tv_nsec,
                              .path_len = strlen(path)};
        return true;
}

/* An entry: the key's length (a size_t), the key, the library's lib_id and
 * path, the program. The program, if the key and the library match. */
static bool cache_read(const char *path, const struct sbuf *k, struct rt_seccomp *s)
{
        _cleanup_free_ char *buf = NULL;
        size_t len, klen;
        if (fs_read_file(AT_FDCWD, path,
                         sizeof(klen) + k->len + sizeof(struct lib_id) + PATH_MAX +
                                 BPF_MAXINSNS * sizeof(struct sock_filter),
                         &buf, &len, NULL) < 0)
                return false;
        if (len < sizeof(klen))
                return false;
        memcpy(&klen, buf, sizeof(klen));
        if (klen != k->len || len - sizeof(klen) < klen ||
            memcmp(buf + sizeof(klen), k->buf, klen) != 0)
                return false;
        size_t off = sizeof(klen) + klen;
        struct lib_id id, now;
        if (len - off < sizeof(id))
                return false;
        memcpy(&id, buf + off, sizeof(id));
        off += sizeof(id);
        size_t padded = (id.path_len + 7) & ~(size_t)7;
        if (id.path_len == 0 || id.path_len >= PATH_MAX || len - off < padded)
                return false;
        _cleanup_free_ char *lib = xstrndup(buf + off, id.path_len);
        off += padded;
        if (strlen(lib) != id.path_len || lib[0] != '/' || !lib_id_of(lib, &now) ||
            memcmp(&id, &now, sizeof(id)))
                return false;
        len -= off;
        if (len == 0 || len % sizeof(struct sock_filter))
                return false;
        s->bpf = xmalloc(len);
        memcpy(s->bpf, buf + off, len);
        s->bpf_len = len / sizeof(struct sock_filter);
        return true;
}

/* Store the program with the identity of the library that made it; a cache
 * over CACHE_MAX entries is emptied first. Failures only cost the next
 * container a compile. */
static void cache_write(const char *dir, const char *path, const struct sbuf *k,
                        const struct rt_seccomp *s)
{
        const struct seccomp_dl *lib;
        Dl_info info;
        struct lib_id id;
        /* Only an absolute path names the same file from any directory. */
        if (seccomp_dl_get(&lib, NULL) < 0 || !dladdr((void *)lib->seccomp_init, &info) ||
            !info.dli_fname || info.dli_fname[0] != '/' || !lib_id_of(info.dli_fname, &id) ||
            id.path_len >= PATH_MAX)
                return;
        if (fs_mkdir_p(dir, 0700, NULL) < 0)
                return;
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                fs_cache_bound(dfd, CACHE_MAX);
        static const char zeros[8];
        struct sbuf entry = {0};
        put(&entry, &k->len, sizeof(k->len));
        put(&entry, k->buf, k->len);
        put(&entry, &id, sizeof(id));
        put(&entry, info.dli_fname, id.path_len);
        put(&entry, zeros, ((id.path_len + 7) & ~(size_t)7) - id.path_len);
        put(&entry, s->bpf, s->bpf_len * sizeof(struct sock_filter));
        (void)fs_write_atomic_volatile(AT_FDCWD, path, entry.buf, entry.len, 0600, NULL);
        sbuf_done(&entry);
}

int rt_seccomp_prepare(struct rt_seccomp *s, const char *state_root, struct err *e)
{
        if (!s || s->bpf)
                return 0;
        _cleanup_free_ char *dir = NULL, *path = NULL;
        struct sbuf key = {0};
        if (state_root) {
                cache_key(s, &key);
                _cleanup_free_ char *name = fs_cache_name(key.buf, key.len);
                dir = xasprintf("%s/" CACHE_DIR, state_root);
                path = xasprintf("%s/%s", dir, name);
                if (cache_read(path, &key, s)) {
                        sbuf_done(&key);
                        return 0;
                }
        }
        int r = compile(s, &s->bpf, &s->bpf_len, e);
        if (r == 0 && path)
                cache_write(dir, path, &key, s);
        sbuf_done(&key);
        return r;
}

/* seccomp(2) with the filter's flags, as libseccomp's seccomp_load() would
 * call it: TSYNC with a listener needs TSYNC_ESRCH (the listener fd is
 * the return value then). */
static int load_program(const struct rt_seccomp *s, const struct sock_filter *f, size_t n,
                        struct err *e)
{
        unsigned long fl = 0;
        if (s->flags & SC_FLAG_TSYNC)
                fl |= SECCOMP_FILTER_FLAG_TSYNC;
        if (s->flags & SC_FLAG_LOG)
                fl |= SECCOMP_FILTER_FLAG_LOG;
        if (s->flags & SC_FLAG_SPEC_ALLOW)
                fl |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        if (s->flags & SC_FLAG_WAIT_KILLABLE_RECV)
                fl |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        if (s->notify) {
                fl |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
                if (fl & SECCOMP_FILTER_FLAG_TSYNC)
                        fl |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
        }
        struct sock_fprog prog = {.len = (unsigned short)n, .filter = (struct sock_filter *)f};
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, fl, &prog);
        if (r < 0) {
                if (errno == EACCES || errno == EPERM)
                        return err_errno(e, "loading the seccomp filter (without no_new_privs "
                                            "it needs CAP_SYS_ADMIN)");
                return err_errno(e, "loading the seccomp filter");
        }
        return s->notify ? (int)r : 0;
}

int rt_seccomp_load_notify(const struct rt_seccomp *s, int *ret_fd, struct err *e)
{
        _cleanup_free_ struct sock_filter *own = NULL;
        const struct sock_filter *f = s->bpf;
        size_t n = s->bpf_len;
        int r;
        if (!f) {
                if ((r = compile(s, &own, &n, e)) < 0)
                        return r;
                f = own;
        }
        if ((r = load_program(s, f, n, e)) < 0)
                return r;
        *ret_fd = s->notify ? r : -1;
        return 0;
}

int rt_seccomp_load(const struct rt_seccomp *s, struct err *e)
{
        int fd;
        if (s->notify)
                return err_set(e, ENOTSUP,
                               "seccomp: SCMP_ACT_NOTIFY needs the listener fd passed "
                               "on (rt_seccomp_load_notify)");
        return rt_seccomp_load_notify(s, &fd, e);
}

/* sendmsg all of buf, the fd riding on the first call (the spec allows
 * several calls if the fds come with the first). */
static int send_with_fd(int sock, const char *buf, size_t len, int fd)
{
        for (bool first = true; len > 0 || first; first = false) {
                ssize_t n = fs_send_fd(sock, buf, len, first ? fd : -1);
                if (n < 0)
                        return (int)n;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

int rt_seccomp_notify_send(const struct rt_seccomp *s, int notify_fd, pid_t pid,
                           const struct json *state, struct err *e)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        _cleanup_json_ struct json *msg = json_new_object();
        _cleanup_free_ char *text = NULL;
        const char *version = state ? json_object_get_string(state, "ociVersion") : NULL;
        int r;
        if (!s->listener_path)
                return err_set(e, EINVAL, WHERE ".listenerPath: not set");
        json_object_set_string(msg, "ociVersion", version ? version : "1.0.2");
        struct json *fds = json_new_array();
        json_array_append(fds, json_new_string("seccompFd"));
        json_object_set(msg, "fds", fds);
        json_object_set_int(msg, "pid", pid);
        if (s->listener_metadata)
                json_object_set_string(msg, "metadata", s->listener_metadata);
        json_object_set(msg, "state", state ? json_copy(state) : json_new_object());
        text = json_generate(msg, 0);

        _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return err_errno(e, "seccomp listener: socket");
        memcpy(sa.sun_path, s->listener_path, strlen(s->listener_path) + 1);
        if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return err_errno(e, "seccomp listener: connecting to '%s'", s->listener_path);
        if ((r = send_with_fd(sock, text, strlen(text), notify_fd)) < 0)
                return err_errnum(e, r, "seccomp listener: sending the state to '%s'",
                                  s->listener_path);
        return 0;
}
