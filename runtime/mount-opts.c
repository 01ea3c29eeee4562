/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One entry of config.json's "mounts": destination, source, type and the
 * options of mount(8) that the runtime spec allows. Options that set or
 * clear a mount flag are applied in order, so the last of a conflicting pair
 * wins as with mount(8); anything not in the table is a filesystem option
 * and goes to mount(2)'s data ("size=64m", "mode=755", "newinstance").
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>

#include "rt-internal.h"

enum opt_kind {
        OPT_SET,       /* set MS_* flag */
        OPT_CLEAR,     /* clear MS_* flag */
        OPT_PROPAGATE, /* propagation (last wins) */
        OPT_RSET,      /* set MOUNT_ATTR_* recursively */
        OPT_RCLEAR,    /* clear MOUNT_ATTR_* recursively */
        OPT_RATIME,    /* recursive atime mode (one of three values) */
        OPT_TMPCOPYUP,
        OPT_IDMAP,
};

struct mount_opt {
        const char *name;
        enum opt_kind kind;
        uint64_t flag;
};

/* mount(8)'s "defaults": rw, suid, dev, exec, async. */
#define DEFAULTS_CLEAR (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS)

static const struct mount_opt mount_opts[] = {
        {"defaults", OPT_CLEAR, DEFAULTS_CLEAR},
        {"ro", OPT_SET, MS_RDONLY},
        {"rw", OPT_CLEAR, MS_RDONLY},
        {"nosuid", OPT_SET, MS_NOSUID},
        {"suid", OPT_CLEAR, MS_NOSUID},
        {"nodev", OPT_SET, MS_NODEV},
        {"dev", OPT_CLEAR, MS_NODEV},
        {"noexec", OPT_SET, MS_NOEXEC},
        {"exec", OPT_CLEAR, MS_NOEXEC},
        {"sync", OPT_SET, MS_SYNCHRONOUS},
        {"async", OPT_CLEAR, MS_SYNCHRONOUS},
        {"dirsync", OPT_SET, MS_DIRSYNC},
        {"remount", OPT_SET, MS_REMOUNT},
        {"mand", OPT_SET, MS_MANDLOCK},
        {"nomand", OPT_CLEAR, MS_MANDLOCK},
        {"noatime", OPT_SET, MS_NOATIME},
        {"atime", OPT_CLEAR, MS_NOATIME},
        {"nodiratime", OPT_SET, MS_NODIRATIME},
        {"diratime", OPT_CLEAR, MS_NODIRATIME},
        {"relatime", OPT_SET, MS_RELATIME},
        {"norelatime", OPT_CLEAR, MS_RELATIME},
        {"strictatime", OPT_SET, MS_STRICTATIME},
        {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
        {"lazytime", OPT_SET, MS_LAZYTIME},
        {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
        {"iversion", OPT_SET, MS_I_VERSION},
        {"noiversion", OPT_CLEAR, MS_I_VERSION},
        {"silent", OPT_SET, MS_SILENT},
        {"loud", OPT_CLEAR, MS_SILENT},
        {"nosymfollow", OPT_SET, MS_NOSYMFOLLOW},
        {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
        {"bind", OPT_SET, MS_BIND},
        {"rbind", OPT_SET, MS_BIND | MS_REC},

        {"private", OPT_PROPAGATE, MS_PRIVATE},
        {"rprivate", OPT_PROPAGATE, MS_PRIVATE | MS_REC},
        {"shared", OPT_PROPAGATE, MS_SHARED},
        {"rshared", OPT_PROPAGATE, MS_SHARED | MS_REC},
        {"slave", OPT_PROPAGATE, MS_SLAVE},
        {"rslave", OPT_PROPAGATE, MS_SLAVE | MS_REC},
        {"unbindable", OPT_PROPAGATE, MS_UNBINDABLE},
        {"runbindable", OPT_PROPAGATE, MS_UNBINDABLE | MS_REC},

        {"rro", OPT_RSET, MOUNT_ATTR_RDONLY},
        {"rrw", OPT_RCLEAR, MOUNT_ATTR_RDONLY},
        {"rnosuid", OPT_RSET, MOUNT_ATTR_NOSUID},
        {"rsuid", OPT_RCLEAR, MOUNT_ATTR_NOSUID},
        {"rnodev", OPT_RSET, MOUNT_ATTR_NODEV},
        {"rdev", OPT_RCLEAR, MOUNT_ATTR_NODEV},
        {"rnoexec", OPT_RSET, MOUNT_ATTR_NOEXEC},
        {"rexec", OPT_RCLEAR, MOUNT_ATTR_NOEXEC},
        {"rnodiratime", OPT_RSET, MOUNT_ATTR_NODIRATIME},
        {"rdiratime", OPT_RCLEAR, MOUNT_ATTR_NODIRATIME},
        {"rnosymfollow", OPT_RSET, MOUNT_ATTR_NOSYMFOLLOW},
        {"rsymfollow", OPT_RCLEAR, MOUNT_ATTR_NOSYMFOLLOW},
        /* The atime mode is one value, not three bits: mount_setattr wants
         * all of MOUNT_ATTR__ATIME cleared to change it. "atime" and the
         * "no" forms of relatime/strictatime fall back to the kernel's
         * default, relatime; "norelatime" asks for every access time to be
         * written, which is strictatime. */
        {"rnoatime", OPT_RATIME, MOUNT_ATTR_NOATIME},
        {"ratime", OPT_RATIME, MOUNT_ATTR_RELATIME},
        {"rrelatime", OPT_RATIME, MOUNT_ATTR_RELATIME},
        {"rnorelatime", OPT_RATIME, MOUNT_ATTR_STRICTATIME},
        {"rstrictatime", OPT_RATIME, MOUNT_ATTR_STRICTATIME},
        {"rnostrictatime", OPT_RATIME, MOUNT_ATTR_RELATIME},

        {"tmpcopyup", OPT_TMPCOPYUP, 0},
        {"idmap", OPT_IDMAP, 0},
        {"ridmap", OPT_IDMAP, 0},
};

static const struct mount_opt *mount_opt_find(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(mount_opts); i++)
                if (STREQ(mount_opts[i].name, name))
                        return &mount_opts[i];
        return NULL;
}

int rt_mount_propagation_from_string(const char *s, unsigned long *ret)
{
        const struct mount_opt *o = s ? mount_opt_find(s) : NULL;
        if (!o || o->kind != OPT_PROPAGATE)
                return -EINVAL;
        *ret = (unsigned long)o->flag;
        return 0;
}

char *rt_path_clean(const char *s, size_t len)
{
        if (!s || len == 0 || strnlen(s, len) != len || len >= PATH_MAX)
                return NULL;
        /* Each kept component is at most as long as the input. */
        char *out = xmalloc(len + 2);
        size_t o = 0;
        const char *p = s, *end = s + len;
        while (p < end) {
                while (p < end && *p == '/')
                        p++;
                const char *c = p;
                while (p < end && *p != '/')
                        p++;
                size_t n = (size_t)(p - c);
                if (n == 0 || (n == 1 && c[0] == '.'))
                        continue;
                if (n == 2 && c[0] == '.' && c[1] == '.') {
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--; /* the '/' before the dropped component */
                        continue;
                }
                out[o++] = '/';
                memcpy(out + o, c, n);
                o += n;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        return out;
}

/* A string field: absent and null leave *ret NULL; another type fails. */
static int get_string(const struct json *j, const char *key, char **ret, struct err *e)
{
        const struct json *v = json_object_get(j, key);
        if (!v || v->type == JSON_NULL)
                return 0;
        if (v->type != JSON_STRING)
                return err_set(e, EINVAL, "%s: expected a string, got %s", key,
                               json_type_to_string(v->type));
        if (strlen(v->str.s) != v->str.len)
                return err_set(e, EINVAL, "%s: holds a NUL byte", key);
        *ret = xstrdup(v->str.s);
        return 0;
}

static void apply_opt(struct rt_mount *m, const struct mount_opt *o)
{
        switch (o->kind) {
        case OPT_SET:
                m->flags |= o->flag;
                m->clear_flags &= ~o->flag;
                break;
        case OPT_CLEAR:
                m->flags &= ~o->flag;
                m->clear_flags |= o->flag;
                break;
        case OPT_PROPAGATE:
                m->propagation = o->flag;
                break;
        case OPT_RSET:
                m->attr_set |= o->flag;
                m->attr_clr &= ~o->flag;
                break;
        case OPT_RCLEAR:
                m->attr_clr |= o->flag;
                m->attr_set &= ~o->flag;
                break;
        case OPT_RATIME:
                m->attr_clr |= MOUNT_ATTR__ATIME;
                m->attr_set = (m->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->flag;
                break;
        case OPT_TMPCOPYUP:
                m->tmpcopyup = true;
                break;
        case OPT_IDMAP:
                break; /* refused by the caller */
        }
}

static int parse_options(const struct json *opts, struct rt_mount *m, struct err *e)
{
        if (!opts || opts->type == JSON_NULL)
                return 0;
        if (opts->type != JSON_ARRAY)
                return err_set(e, EINVAL, "options: expected an array, got %s",
                               json_type_to_string(opts->type));
        if (opts->arr.len > RT_MAX_ENTRIES)
                return err_set(e, E2BIG, "options: more than %u entries", RT_MAX_ENTRIES);
        struct sbuf data = {0};
        for (size_t i = 0; i < opts->arr.len; i++) {
                const struct json *v = opts->arr.items[i];
                if (v->type != JSON_STRING) {
                        sbuf_done(&data);
                        return err_set(e, EINVAL, "options[%zu]: expected a string, got %s", i,
                                       json_type_to_string(v->type));
                }
                if (strlen(v->str.s) != v->str.len) {
                        sbuf_done(&data);
                        return err_set(e, EINVAL, "options[%zu]: holds a NUL byte", i);
                }
                const char *s = v->str.s;
                if (!*s)
                        continue;
                const struct mount_opt *o = mount_opt_find(s);
                if (o && o->kind == OPT_IDMAP) {
                        sbuf_done(&data);
                        return err_set(e, ENOTSUP,
                                       "options[%zu]: idmapped mounts are not supported ('%s')", i,
                                       s);
                }
                if (o) {
                        apply_opt(m, o);
                        continue;
                }
                if (data.len)
                        sbuf_putc(&data, ',');
                sbuf_append(&data, s);
        }
        m->data = data.len ? sbuf_steal(&data) : NULL;
        sbuf_done(&data);
        return 0;
}

int rt_mount_parse(const struct json *j, struct rt_mount *ret, struct err *e)
{
        if (!j || j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "expected an object, got %s",
                               j ? json_type_to_string(j->type) : "nothing");

        _cleanup_(rt_mount_done) struct rt_mount m = {0};
        const struct json *dst = json_object_get(j, "destination");
        if (!dst || dst->type == JSON_NULL)
                return err_set(e, EINVAL, "destination: required");
        if (dst->type != JSON_STRING)
                return err_set(e, EINVAL, "destination: expected a string, got %s",
                               json_type_to_string(dst->type));
        m.destination = rt_path_clean(dst->str.s, dst->str.len);
        if (!m.destination) {
                _cleanup_free_ char *q = xstrndup(dst->str.s, dst->str.len);
                return err_set(e, EINVAL, "destination: invalid path '%s'", q);
        }
        if (STREQ(m.destination, "/"))
                return err_set(e, EINVAL, "destination: '%s' would hide the root filesystem",
                               dst->str.s);

        int r = get_string(j, "source", &m.source, e);
        if (r < 0)
                return r;
        r = get_string(j, "type", &m.type, e);
        if (r < 0)
                return r;
        r = parse_options(json_object_get(j, "options"), &m, e);
        if (r < 0)
                return r;

        /* Mappings without the idmap option would silently give a mount
         * without them: refuse, as the spec asks of runtimes without it. */
        static const char *const mapping_keys[] = {"uidMappings", "gidMappings"};
        for (size_t i = 0; i < ARRAY_SIZE(mapping_keys); i++) {
                const struct json *v = json_object_get(j, mapping_keys[i]);
                if (v && v->type != JSON_NULL && !(v->type == JSON_ARRAY && v->arr.len == 0))
                        return err_set(e, ENOTSUP, "%s: idmapped mounts are not supported",
                                       mapping_keys[i]);
        }

        if (m.type && !*m.type) /* some engines write "" for a bind mount */
                m.type = (free(m.type), NULL);
        if (m.type && STREQ(m.type, "bind"))
                m.flags |= MS_BIND;
        if ((m.flags & MS_BIND) && !m.source)
                return err_set(e, EINVAL, "source: required for a bind mount");
        if (m.tmpcopyup && (!m.type || !STREQ(m.type, "tmpfs")))
                return err_set(e, EINVAL, "options: tmpcopyup needs a tmpfs mount, not '%s'",
                               m.type ? m.type : "(none)");

        *ret = m;
        m = (struct rt_mount){0};
        return 0;
}

void rt_mount_done(struct rt_mount *m)
{
        if (!m)
                return;
        free(m->destination);
        free(m->source);
        free(m->type);
        free(m->data);
        *m = (struct rt_mount){0};
}
