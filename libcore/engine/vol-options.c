/* SPDX-License-Identifier: Apache-2.0 */
/* Volume names, labels and local-driver options, as podman 4.3 accepts them. */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "vol-internal.h"

int vol_name_check(const char *name, struct err *e)
{
        size_t len = strlen(name);
        bool ok = len > 0 &&
                  ((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z') ||
                   (name[0] >= '0' && name[0] <= '9'));
        for (size_t i = 1; ok && i < len; i++) {
                char c = name[i];
                ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '_' || c == '.' || c == '-';
        }
        if (!ok)
                return err_set(e, EINVAL,
                               "invalid volume name '%.300s': names must match "
                               "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
                               name);
        if (len > VOL_NAME_MAX)
                return err_set(e, EINVAL,
                               "invalid volume name '%.40s...': %zu bytes long, at most %d", name,
                               len, VOL_NAME_MAX);
        return 0;
}

int vol_labels_parse(char *const *labels, struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *obj = json_new_object();
        for (char *const *l = labels; l && *l; l++) {
                const char *eq = strchr(*l, '=');
                size_t klen = eq ? (size_t)(eq - *l) : strlen(*l);
                if (klen == 0)
                        return err_set(e, EINVAL, "invalid label format: \"%s\"", *l);
                _cleanup_free_ char *key = xstrndup(*l, klen);
                json_object_set_string(obj, key, eq ? eq + 1 : "");
        }
        *ret = steal_pointer(&obj);
        return 0;
}

void vol_options_done(struct vol_options *o)
{
        json_free(o->options);
        free(o->type);
        free(o->device);
        free(o->mount_data);
        memset(o, 0, sizeof(*o));
}

/* mount(8) option words that are flags for mount(2). */
static const struct {
        const char *name;
        unsigned long set, clear;
} mount_flag_words[] = {
        {"ro", MS_RDONLY, 0},
        {"rw", 0, MS_RDONLY},
        {"nosuid", MS_NOSUID, 0},
        {"suid", 0, MS_NOSUID},
        {"nodev", MS_NODEV, 0},
        {"dev", 0, MS_NODEV},
        {"noexec", MS_NOEXEC, 0},
        {"exec", 0, MS_NOEXEC},
        {"sync", MS_SYNCHRONOUS, 0},
        {"async", 0, MS_SYNCHRONOUS},
        {"dirsync", MS_DIRSYNC, 0},
        {"noatime", MS_NOATIME, 0},
        {"atime", 0, MS_NOATIME},
        {"nodiratime", MS_NODIRATIME, 0},
        {"diratime", 0, MS_NODIRATIME},
        {"relatime", MS_RELATIME, 0},
        {"norelatime", 0, MS_RELATIME},
        {"strictatime", MS_STRICTATIME, 0},
        {"bind", MS_BIND, 0},
        {"rbind", MS_BIND | MS_REC, 0},
        {"defaults", 0, 0},
};

static int parse_id(const char *what, const char *v, uint32_t *ret, struct err *e)
{
        uint64_t n;
        if (str_to_uint64(v, &n) < 0 || n > UINT32_MAX - 1)
                return err_set(e, EINVAL, "cannot convert %s %s to integer", what, v);
        *ret = (uint32_t)n;
        return 0;
}

/* Split o= into uid/gid, flags and data; size= is kept for tmpfs only. */
static int parse_o(const char *value, bool tmpfs, struct vol_options *o, struct err *e)
{
        _cleanup_strv_ char **words = strv_split(value, ",");
        struct sbuf data = {0};
        bool mount_words = false;
        int r = 0;
        for (char **w = words; r == 0 && *w; w++) {
                if (!**w)
                        continue;
                const char *eq = strchr(*w, '=');
                size_t klen = eq ? (size_t)(eq - *w) : strlen(*w);
                if (klen == 3 && strncasecmp(*w, "uid", 3) == 0 && eq) {
                        r = parse_id("UID", eq + 1, &o->uid, e);
                        o->has_uid = true;
                        if (r == 0 && tmpfs)
                                sbuf_printf(&data, "%s%s", data.len ? "," : "", *w);
                        continue;
                }
                if (klen == 3 && strncasecmp(*w, "gid", 3) == 0 && eq) {
                        r = parse_id("GID", eq + 1, &o->gid, e);
                        o->has_gid = true;
                        if (r == 0 && tmpfs)
                                sbuf_printf(&data, "%s%s", data.len ? "," : "", *w);
                        continue;
                }
                if ((klen == 4 && strncasecmp(*w, "size", 4) == 0) ||
                    (klen == 6 && strncasecmp(*w, "inodes", 6) == 0) ||
                    (klen == 7 && strncasecmp(*w, "noquota", 7) == 0)) {
                        if (!tmpfs) {
                                r = err_set(e, EINVAL,
                                            "volume option o=%s: %.*s is supported only with "
                                            "type=tmpfs (berth has no XFS project quotas)",
                                            value, (int)klen, *w);
                                break;
                        }
                        if (klen == 7) {
                                r = err_set(e, EINVAL,
                                            "volume option o=%s: noquota needs XFS "
                                            "project quotas, which berth lacks",
                                            value);
                                break;
                        }
                        /* tmpfs knows size= and nr_inodes=. */
                        if (klen == 6)
                                sbuf_printf(&data, "%snr_inodes%s", data.len ? "," : "",
                                            eq ? eq : "");
                        else
                                sbuf_printf(&data, "%s%s", data.len ? "," : "", *w);
                        mount_words = true;
                        continue;
                }
                if (klen == 7 && strncasecmp(*w, "timeout", 7) == 0)
                        continue; /* a volume plugin's timeout: nothing to do locally */
                if (strstr(*w, "remount") || STREQ(*w, "move")) {
                        r = err_set(e, EINVAL, "volume option o=%s: '%s' is not allowed", value,
                                    *w);
                        break;
                }
                mount_words = true;
                bool flag = false;
                for (size_t i = 0; i < ARRAY_SIZE(mount_flag_words); i++) {
                        if (STREQ(*w, mount_flag_words[i].name)) {
                                o->mount_flags |= mount_flag_words[i].set;
                                o->mount_flags &= ~mount_flag_words[i].clear;
                                flag = true;
                                break;
                        }
                }
                if (!flag)
                        sbuf_printf(&data, "%s%s", data.len ? "," : "", *w);
        }
        if (r < 0) {
                sbuf_done(&data);
                return r;
        }
        if (mount_words)
                o->needs_mount = true;
        free(o->mount_data);
        o->mount_data = data.len ? sbuf_steal(&data) : NULL;
        sbuf_done(&data);
        return 0;
}

/* Check the combination, once every option is known. */
static int options_finish(struct vol_options *o, const char *o_value, struct err *e)
{
        if (o->type || o->device)
                o->needs_mount = true;
        if (o_value && *o_value) {
                bool tmpfs = o->type && STREQ(o->type, "tmpfs");
                int r = parse_o(o_value, tmpfs, o, e);
                if (r < 0)
                        return r;
        }
        if (!o->needs_mount)
                return 0;
        if (!o->device || !*o->device)
                return err_set(e, EINVAL,
                               "volume options: a volume mounted at container start "
                               "(type=, o=) needs device= (e.g. device=tmpfs)");
        if ((!o->type || !*o->type) && !(o->mount_flags & MS_BIND))
                return err_set(e, EINVAL, "volume options: device=%s needs type= (or o=bind)",
                               o->device);
        if (o->mount_flags & MS_BIND && o->device[0] != '/')
                return err_set(e, EINVAL,
                               "volume options: o=bind needs an absolute device path, "
                               "not '%s'",
                               o->device);
        if (strlen(o->device) > 4096 || (o->type && strlen(o->type) > 64))
                return err_set(e, EINVAL, "volume options: device or type too long");
        return 0;
}

int vol_options_parse(char *const *opts, struct vol_options *ret, struct err *e)
{
        struct vol_options o = {.options = json_new_object()};
        const char *o_value = NULL;
        int r = 0;
        for (char *const *p = opts; r == 0 && p && *p; p++) {
                const char *eq = strchr(*p, '=');
                size_t klen = eq ? (size_t)(eq - *p) : strlen(*p);
                _cleanup_free_ char *key = xstrndup(*p, klen);
                const char *val = eq ? eq + 1 : "";
                if (strcasecmp(key, "type") == 0 || strcasecmp(key, "device") == 0 ||
                    strcasecmp(key, "o") == 0 || strcasecmp(key, "copy") == 0) {
                        for (char *k = key; *k; k++)
                                *k = (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k);
                        json_object_set_string(o.options, key, val);
                } else if (strcasecmp(key, "nocopy") == 0) {
                        if (eq) {
                                r = err_set(e, EINVAL, "volume option nocopy takes no value: '%s'",
                                            *p);
                                break;
                        }
                        json_object_set_string(o.options, "nocopy", "");
                } else {
                        r = err_set(e, EINVAL, "invalid mount option %s for driver 'local'", key);
                }
        }
        if (r == 0) {
                const char *t = json_object_get_string(o.options, "type");
                const char *d = json_object_get_string(o.options, "device");
                o_value = json_object_get_string(o.options, "o");
                o.type = t && *t ? xstrdup(t) : NULL;
                o.device = d && *d ? xstrdup(d) : NULL;
                o.nocopy = json_object_get(o.options, "nocopy") != NULL;
                r = options_finish(&o, o_value, e);
        }
        if (r == 0 && o.has_uid) {
                _cleanup_free_ char *v = xasprintf("%u", o.uid);
                json_object_set_string(o.options, "UID", v);
        }
        if (r == 0 && o.has_gid) {
                _cleanup_free_ char *v = xasprintf("%u", o.gid);
                json_object_set_string(o.options, "GID", v);
        }
        if (r < 0) {
                vol_options_done(&o);
                return r;
        }
        *ret = o;
        return 0;
}

int vol_options_from_record(const struct json *options, struct vol_options *ret, struct err *e)
{
        _cleanup_strv_ char **opts = NULL;
        for (size_t i = 0; options && options->type == JSON_OBJECT && i < options->obj.len; i++) {
                const char *k = options->obj.keys[i];
                const struct json *v = options->obj.vals[i];
                if (STREQ(k, "UID") || STREQ(k, "GID") || v->type != JSON_STRING)
                        continue;
                strv_push(&opts, STREQ(k, "nocopy") ? xstrdup(k) : xasprintf("%s=%s", k, v->str.s));
        }
        return vol_options_parse(opts, ret, e);
}
