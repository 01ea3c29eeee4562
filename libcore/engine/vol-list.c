/* SPDX-License-Identifier: Apache-2.0 */
/* volume ls, rm and prune: listing with podman's filters, users, removal. */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "storage.h"
#include "vol-internal.h"

const char engine_volumes_table[] = "table {{.Driver}}\t{{.Name}}";

struct json *engine_volumes_headers(void)
{
        struct json *h = json_new_object();
        json_object_set_string(h, "Name", "VOLUME NAME");
        return h;
}

/* Does a mount source lie at or under data_dir? */
static bool path_under(const char *src, const char *data_dir)
{
        size_t n = strlen(data_dir);
        return strncmp(src, data_dir, n) == 0 && (src[n] == '\0' || src[n] == '/');
}

/* Does a config.json mount use data_dir: as its source, or as the lower
 * layer of an overlay (-v NAME:DST:O)? */
static bool mount_uses(const struct json *m, const char *data_dir)
{
        const char *src = json_object_get_string(m, "source");
        if (src && path_under(src, data_dir))
                return true;
        const struct json *opts = json_object_get(m, "options");
        for (size_t i = 0; opts && opts->type == JSON_ARRAY && i < opts->arr.len; i++) {
                const struct json *o = opts->arr.items[i];
                if (o->type == JSON_STRING && str_has_prefix(o->str.s, "lowerdir=") &&
                    path_under(o->str.s + strlen("lowerdir="), data_dir))
                        return true;
        }
        return false;
}

int vol_users(struct store *s, const char *data_dir, char ***ret, struct err *e)
{
        _cleanup_json_ struct json *ctrs = NULL;
        int r = store_containers(s, &ctrs, e);
        if (r < 0)
                return r;
        char **users = NULL;
        for (size_t i = 0; ctrs && ctrs->type == JSON_ARRAY && i < ctrs->arr.len; i++) {
                const struct json *c = ctrs->arr.items[i];
                const char *id = json_object_get_string(c, "id");
                if (!id || !digest_is_hex64(id) || !store_container_is_berth(c))
                        continue;
                _cleanup_free_ char *dir = store_container_dir(s, id);
                _cleanup_free_ char *cfg = xasprintf("%s/config.json", dir);
                _cleanup_json_ struct json *spec = NULL;
                /* A container being created may have no spec yet: no user. */
                if (json_parse_file(AT_FDCWD, cfg, 0, &spec, NULL) < 0)
                        continue;
                const struct json *mounts = json_object_get(spec, "mounts");
                for (size_t m = 0; mounts && mounts->type == JSON_ARRAY && m < mounts->arr.len;
                     m++) {
                        if (mount_uses(mounts->arr.items[m], data_dir)) {
                                strv_add(&users, id);
                                break;
                        }
                }
        }
        *ret = users ? users : xcalloc(1, sizeof(char *));
        return 0;
}

/* podman's until=: a Unix timestamp, an RFC 3339 time or a duration before now. */
static int parse_until(const char *v, int64_t *ret)
{
        int64_t sec, d, now;
        if (str_to_int64(v, &sec) == 0) {
                *ret = sec;
                return 0;
        }
        if (time_parse_rfc3339(v, &sec, NULL) == 0) {
                *ret = sec;
                return 0;
        }
        if (engine_parse_duration(v, &d) < 0)
                return -EINVAL;
        time_now(&now, NULL);
        *ret = now - d;
        return 0;
}

/* KEY or KEY=VALUE against an object of strings. */
static bool kv_match(const struct json *obj, const char *want)
{
        const char *eq = strchr(want, '=');
        _cleanup_free_ char *key = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
        const char *have = json_object_get_string(obj, key);
        return have && (!eq || STREQ(have, eq + 1));
}

static int64_t created_of(const struct json *it)
{
        int64_t sec = 0;
        const char *c = json_object_get_string(it, "CreatedAt");
        if (c)
                (void)time_parse_rfc3339(c, &sec, NULL);
        return sec;
}

/* One filter against an inspect item; dangling is whether no container uses it. */
static int filter_match(const char *f, const struct json *it, bool dangling, bool *ret,
                        struct err *e)
{
        const char *eq = strchr(f, '=');
        if (!eq)
                return err_set(e, EINVAL, "invalid filter \"%s\": expected KEY=VALUE", f);
        size_t klen = (size_t)(eq - f);
        const char *v = eq + 1;
        if (klen == 4 && strncmp(f, "name", 4) == 0) {
                regex_t re;
                if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
                        return err_set(e, EINVAL, "invalid filter \"%s\": bad regular expression",
                                       f);
                *ret = regexec(&re, json_object_get_string(it, "Name"), 0, NULL, 0) == 0;
                regfree(&re);
        } else if (klen == 5 && strncmp(f, "label", 5) == 0) {
                *ret = kv_match(json_object_get(it, "Labels"), v);
        } else if (klen == 3 && strncmp(f, "opt", 3) == 0) {
                *ret = kv_match(json_object_get(it, "Options"), v);
        } else if (klen == 6 && strncmp(f, "driver", 6) == 0) {
                *ret = STREQ(v, "local");
        } else if (klen == 5 && strncmp(f, "scope", 5) == 0) {
                *ret = STREQ(v, "local");
        } else if (klen == 8 && strncmp(f, "dangling", 8) == 0) {
                bool want;
                if (str_to_bool(v, &want) < 0)
                        return err_set(e, EINVAL, "invalid dangling filter value \"%s\"", v);
                *ret = want == dangling;
        } else if (klen == 5 && strncmp(f, "until", 5) == 0) {
                int64_t until;
                if (parse_until(v, &until) < 0)
                        return err_set(e, EINVAL, "invalid until filter value \"%s\"", v);
                *ret = created_of(it) < until;
        } else {
                return err_set(e, EINVAL, "\"%.*s\" is an invalid volume filter", (int)klen, f);
        }
        return 0;
}

/* Allocates: every volume's inspect object, with its users when wanted. */
static int list_all(struct store *s, const struct vol_paths *p, struct json **ret, struct err *e)
{
        _cleanup_strv_ char **names = NULL;
        int r = vol_names(p, &names, e);
        if (r < 0)
                return r;
        _cleanup_json_ struct json *items = json_new_array();
        for (char **n = names; *n; n++) {
                struct json *it = NULL;
                struct err ie = {0};
                /* A volume removed meanwhile is simply not listed. */
                if (vol_inspect_word(p, *n, &it, &ie) < 0) {
                        log_debug("volume '%s': %s", *n, ie.msg);
                        err_done(&ie);
                        continue;
                }
                json_array_append(items, it);
        }
        (void)s;
        *ret = steal_pointer(&items);
        return 0;
}

/* Whether a volume is in use: a berth container mounts it or it is mounted. */
static int in_use(struct store *s, const struct json *it, char ***ret_users, struct err *e)
{
        _cleanup_strv_ char **users = NULL;
        int r = vol_users(s, json_object_get_string(it, "Mountpoint"), &users, e);
        if (r < 0)
                return r;
        *ret_users = steal_pointer(&users);
        return 0;
}

int engine_volumes_list(struct store *s, char *const *filters, struct json **ret, struct err *e)
{
        struct vol_paths p = {0};
        vol_paths_init(s, &p);
        _cleanup_json_ struct json *all = NULL;
        int r = list_all(s, &p, &all, e);
        vol_paths_done(&p);
        if (r < 0)
                return r;
        /* Check the filters' syntax even when there is no volume. */
        _cleanup_json_ struct json *probe = json_new_object();
        json_object_set_string(probe, "Name", "");
        for (char *const *f = filters; f && *f; f++) {
                bool m;
                r = filter_match(*f, probe, true, &m, e);
                if (r < 0)
                        return r;
        }
        _cleanup_json_ struct json *out = json_new_array();
        for (size_t i = 0; i < all->arr.len; i++) {
                struct json *it = all->arr.items[i];
                bool keep = !filters || !filters[0];
                bool dangling = true, know_dangling = false;
                for (char *const *f = filters; !keep && *f; f++) {
                        if (str_has_prefix(*f, "dangling=") && !know_dangling) {
                                _cleanup_strv_ char **users = NULL;
                                r = in_use(s, it, &users, e);
                                if (r < 0)
                                        return r;
                                dangling = !users[0] &&
                                           (json_object_get_int(it, "MountCount", 0) == 0 ||
                                            !vol_is_mount_root(
                                                    json_object_get_string(it, "Mountpoint")));
                                know_dangling = true;
                        }
                        r = filter_match(*f, it, dangling, &keep, e);
                        if (r < 0)
                                return r;
                }
                if (keep)
                        json_array_append(out, json_copy(it));
        }
        *ret = steal_pointer(&out);
        return 0;
}

/* Go's time.Time.String() of an RFC 3339 UTC time, as templates print CreatedAt. */
static char *go_time(const char *rfc3339)
{
        int64_t sec;
        int32_t nsec;
        if (!rfc3339 || time_parse_rfc3339(rfc3339, &sec, &nsec) < 0)
                return xstrdup(rfc3339 ? rfc3339 : "");
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        char base[32], frac[16] = "";
        strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
        if (nsec > 0) {
                snprintf(frac, sizeof(frac), ".%09d", (int)nsec);
                size_t len = strlen(frac);
                while (len > 1 && frac[len - 1] == '0')
                        frac[--len] = '\0';
        }
        return xasprintf("%s%s +0000 UTC", base, frac);
}

struct json *engine_volumes_rows(const struct json *items)
{
        struct json *rows = json_new_array();
        for (size_t i = 0; items && i < items->arr.len; i++) {
                struct json *row = json_copy(items->arr.items[i]);
                json_object_set(
                        row, "CreatedAt",
                        json_new_string_take(go_time(json_object_get_string(row, "CreatedAt"))));
                /* Fields podman's templates know even when JSON omits them. */
                if (!json_object_get(row, "UID"))
                        json_object_set_int(row, "UID", 0);
                if (!json_object_get(row, "GID"))
                        json_object_set_int(row, "GID", 0);
                if (!json_object_get(row, "Anonymous"))
                        json_object_set_bool(row, "Anonymous", false);
                if (!json_object_get(row, "NeedsCopyUp"))
                        json_object_set_bool(row, "NeedsCopyUp", false);
                if (!json_object_get(row, "NeedsChown"))
                        json_object_set_bool(row, "NeedsChown", false);
                json_array_append(rows, row);
        }
        return rows;
}

/* Remove one volume if no container uses it, or with force after removing
 * its users. Users are looked for under the set lock, and the directory
 * goes under that same lock, so a `create` (which holds the lock until its
 * config.json names the volume) is either seen or comes after. Containers
 * are removed without the lock (their own lock comes first); a container
 * made meanwhile is found on the next round. */
static int remove_one(struct store *s, const struct vol_paths *p, const char *word,
                      const struct volume_rm_opts *o, char **ret_name, struct err *e)
{
        _cleanup_free_ char *name = NULL;
        int r = vol_lookup(p, word, &name, e);
        if (r < 0)
                return r;
        bool force = o && o->force;
        _cleanup_free_ char *data = xasprintf("%s/%s/%s", p->root, name, VOL_DATA);
        for (int round = 0;; round++) {
                _cleanup_strv_ char **users = NULL;
                {
                        _cleanup_(lockfile_freep) struct lockfile *l = NULL;
                        if ((r = vol_lock(p, &l, e)) < 0)
                                return r;
                        _cleanup_json_ struct json *rec = NULL;
                        if ((r = vol_record_load(p, name, &rec, e)) < 0)
                                return r;
                        if ((r = vol_users(s, data, &users, e)) < 0)
                                return r;
                        if (!users[0]) {
                                if (json_object_get_int(rec, "MountCount", 0) > 0 &&
                                    vol_is_mount_root(data) && !force)
                                        return err_set(e, EBUSY,
                                                       "volume %s is mounted for a running "
                                                       "container: volume is being used",
                                                       name);
                                if ((r = vol_dir_remove(p, name, e)) < 0)
                                        return r;
                                *ret_name = steal_pointer(&name);
                                return 0;
                        }
                }
                _cleanup_free_ char *list = strv_join(users, ", ");
                if (!force)
                        return err_set(e, EBUSY,
                                       "volume %s is being used by the following container(s): "
                                       "%s: volume is being used",
                                       name, list);
                if (!o->remove_ctr)
                        return err_set(e, EBUSY,
                                       "volume %s is being used by the following container(s): "
                                       "%s: remove them first",
                                       name, list);
                if (round >= 16)
                        return err_set(e, EBUSY,
                                       "volume %s is still being used: new containers keep "
                                       "taking it (%s): volume is being used",
                                       name, list);
                for (char **u = users; *u; u++) {
                        struct err ce = {0};
                        r = o->remove_ctr(s, *u, o->userdata, &ce);
                        /* Gone meanwhile (removed by someone else): fine. */
                        if (r < 0 && ce.code != ENOENT) {
                                err_move(e, &ce);
                                return err_wrap(e, "removing container %s that uses volume %s", *u,
                                                name);
                        }
                        err_done(&ce);
                }
        }
}

int engine_volumes_remove(struct store *s, char *const *names, const struct volume_rm_opts *o,
                          char ***ret_removed, char ***ret_more_errors, struct err *e)
{
        struct vol_paths p = {0};
        vol_paths_init(s, &p);
        _cleanup_strv_ char **all = NULL;
        int r = 0;
        if (!names) {
                r = vol_names(&p, &all, e);
                if (r < 0) {
                        vol_paths_done(&p);
                        return r;
                }
                names = all;
        }
        char **removed = NULL, **more = NULL;
        struct err first = {0};
        for (char *const *n = names; *n; n++) {
                char *done = NULL;
                struct err ne = {0};
                if (remove_one(s, &p, *n, o, &done, &ne) == 0) {
                        strv_push(&removed, done);
                        continue;
                }
                /* EBUSY wins, then ENOENT: they set podman's exit code. */
                bool better = !first.code || (ne.code == EBUSY && first.code != EBUSY) ||
                              (ne.code == ENOENT && first.code != EBUSY && first.code != ENOENT);
                if (better) {
                        if (first.code)
                                strv_push(&more, steal_pointer(&first.msg));
                        err_move(&first, &ne);
                } else {
                        strv_push(&more, steal_pointer(&ne.msg));
                }
                err_done(&ne);
        }
        vol_paths_done(&p);
        *ret_removed = removed ? removed : xcalloc(1, sizeof(char *));
        *ret_more_errors = more;
        if (first.code)
                return err_move(e, &first);
        return 0;
}

int engine_volumes_prune(struct store *s, char *const *filters, bool dry_run, char ***ret_names,
                         struct err *e)
{
        int64_t until = 0;
        char **labels = NULL, **not_labels = NULL;
        int r = 0;
        for (char *const *f = filters; r == 0 && f && *f; f++) {
                if (str_has_prefix(*f, "label!="))
                        strv_add(&not_labels, *f + 7);
                else if (str_has_prefix(*f, "label="))
                        strv_add(&labels, *f + 6);
                else if (str_has_prefix(*f, "until=")) {
                        if (parse_until(*f + 6, &until) < 0)
                                r = err_set(e, EINVAL, "invalid until filter value \"%s\"", *f + 6);
                } else {
                        const char *eq = strchr(*f, '=');
                        r = err_set(e, EINVAL, "\"%.*s\" is an invalid volume filter",
                                    (int)(eq ? eq - *f : (ptrdiff_t)strlen(*f)), *f);
                }
        }
        struct vol_paths p = {0};
        vol_paths_init(s, &p);
        _cleanup_json_ struct json *all = NULL;
        if (r == 0)
                r = list_all(s, &p, &all, e);
        char **names = NULL;
        for (size_t i = 0; r == 0 && i < all->arr.len; i++) {
                const struct json *it = all->arr.items[i];
                const struct json *lb = json_object_get(it, "Labels");
                bool keep = true;
                for (char **l = labels; keep && l && *l; l++)
                        keep = kv_match(lb, *l);
                for (char **l = not_labels; keep && l && *l; l++)
                        keep = !kv_match(lb, *l);
                if (keep && until)
                        keep = created_of(it) < until;
                if (!keep || (json_object_get_int(it, "MountCount", 0) > 0 &&
                              vol_is_mount_root(json_object_get_string(it, "Mountpoint"))))
                        continue;
                _cleanup_strv_ char **users = NULL;
                r = in_use(s, it, &users, e);
                if (r < 0 || users[0])
                        continue;
                const char *name = json_object_get_string(it, "Name");
                if (!dry_run) {
                        struct volume_rm_opts ro = {0};
                        char *done = NULL;
                        struct err ne = {0};
                        /* A volume a container took meanwhile stays (EBUSY). */
                        if (remove_one(s, &p, name, &ro, &done, &ne) < 0) {
                                log_debug("prune: %s", ne.msg);
                                err_done(&ne);
                                continue;
                        }
                        free(done);
                }
                strv_add(&names, name);
        }
        vol_paths_done(&p);
        strv_free(labels);
        strv_free(not_labels);
        if (r < 0) {
                strv_free(names);
                return r;
        }
        *ret_names = names ? names : xcalloc(1, sizeof(char *));
        return 0;
}
