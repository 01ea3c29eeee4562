/* SPDX-License-Identifier: Apache-2.0 */
/* registries.conf (v2, and the v1 tables) with its drop-in directories, in
 * containers/image's search order. */
#include <errno.h>
#include <string.h>

#include "config-internal.h"

void registries_conf_done(struct registries_conf *r)
{
        strv_free(r->search);
        free(r->short_name_mode);
        for (size_t i = 0; i < r->n_registries; i++) {
                struct registry_entry *re = &r->registries[i];
                free(re->prefix);
                free(re->location);
                for (size_t m = 0; m < re->n_mirrors; m++)
                        free(re->mirrors[m].location);
                free(re->mirrors);
        }
        free(r->registries);
        json_free(r->aliases);
        strv_free(r->credential_helpers);
        memset(r, 0, sizeof(*r));
}

static int strv_from(const struct json *v, const char *file, const char *what, char ***ret,
                     struct err *e)
{
        if (v->type != JSON_ARRAY)
                return err_set(e, EINVAL, "%s: %s: expected an array of strings", file, what);
        char **out = xcalloc(1, sizeof(char *));
        for (size_t i = 0; i < v->arr.len; i++) {
                if (v->arr.items[i]->type != JSON_STRING) {
                        strv_free(out);
                        return err_set(e, EINVAL, "%s: %s: expected an array of strings", file,
                                       what);
                }
                strv_add(&out, v->arr.items[i]->str.s);
        }
        *ret = out;
        return 0;
}

static int get_bool(const struct json *t, const char *key, const char *file, bool *ret,
                    struct err *e)
{
        const struct json *v = json_object_get(t, key);
        if (!v)
                return 0;
        if (v->type != JSON_BOOL)
                return err_set(e, EINVAL, "%s: %s: expected a boolean", file, key);
        *ret = v->b;
        return 0;
}

static struct registry_entry *find_or_add(struct registries_conf *r, const char *prefix)
{
        for (size_t i = 0; i < r->n_registries; i++)
                if (STREQ(r->registries[i].prefix, prefix))
                        return &r->registries[i];
        r->registries = xrealloc(r->registries, (r->n_registries + 1) * sizeof(*r->registries));
        struct registry_entry *re = &r->registries[r->n_registries++];
        memset(re, 0, sizeof(*re));
        re->prefix = xstrdup(prefix);
        return re;
}

/* A location is a host[:port][/path] without a URI scheme. */
static int check_location(const char *loc, const char *file, struct err *e)
{
        if (strstr(loc, "://"))
                return err_set(e, EINVAL, "%s: invalid location '%s': URI schemes are not supported",
                               file, loc);
        return 0;
}

static int parse_registry(struct registries_conf *r, const struct json *t, const char *file,
                          char ***seen, struct err *e)
{
        if (t->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: registry: expected a table", file);
        const char *prefix = json_object_get_string(t, "prefix");
        const char *location = json_object_get_string(t, "location");
        if (!prefix && !location)
                return err_set(e, EINVAL, "%s: a [[registry]] needs a prefix or a location", file);
        if (location && check_location(location, file, e) < 0)
                return -EINVAL;
        /* containers/image keeps the first [[registry]] of a prefix within one
         * file; a later file's definition replaces the earlier file's. */
        if (strv_contains(*seen, prefix ? prefix : location))
                return 0;
        strv_add(seen, prefix ? prefix : location);
        struct registry_entry *re = find_or_add(r, prefix ? prefix : location);
        free(re->location);
        for (size_t m = 0; m < re->n_mirrors; m++)
                free(re->mirrors[m].location);
        free(re->mirrors);
        re->mirrors = NULL;
        re->n_mirrors = 0;
        re->location = xstrdup(location ? location : prefix);
        re->insecure = re->blocked = re->mirror_by_digest_only = false;
        int rc;
        if ((rc = get_bool(t, "insecure", file, &re->insecure, e)) < 0 ||
            (rc = get_bool(t, "blocked", file, &re->blocked, e)) < 0 ||
            (rc = get_bool(t, "mirror-by-digest-only", file, &re->mirror_by_digest_only, e)) < 0)
                return rc;
        const struct json *mirrors = json_object_get(t, "mirror");
        if (!mirrors)
                return 0;
        if (mirrors->type != JSON_ARRAY)
                return err_set(e, EINVAL, "%s: registry.mirror: expected an array of tables", file);
        for (size_t i = 0; i < mirrors->arr.len; i++) {
                const struct json *m = mirrors->arr.items[i];
                const char *ml = m->type == JSON_OBJECT ? json_object_get_string(m, "location")
                                                        : NULL;
                if (!ml)
                        return err_set(e, EINVAL, "%s: a [[registry.mirror]] needs a location",
                                       file);
                if (check_location(ml, file, e) < 0)
                        return -EINVAL;
                re->mirrors = xrealloc(re->mirrors, (re->n_mirrors + 1) * sizeof(*re->mirrors));
                struct registry_mirror *rm = &re->mirrors[re->n_mirrors++];
                memset(rm, 0, sizeof(*rm));
                rm->location = xstrdup(ml);
                if ((rc = get_bool(m, "insecure", file, &rm->insecure, e)) < 0)
                        return rc;
                const char *pfm = json_object_get_string(m, "pull-from-mirror");
                rm->pull_from_mirror_digest_only = pfm && STREQ(pfm, "digest-only");
        }
        return 0;
}

/* The deprecated v1 format: [registries.search], [registries.insecure],
 * [registries.block], each with a `registries` array. */
static int parse_v1(struct registries_conf *r, const struct json *v1, const char *file,
                    struct err *e)
{
        static const char *const kinds[] = {"search", "insecure", "block"};
        for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
                const struct json *tbl = json_object_get(v1, kinds[k]);
                const struct json *list = tbl ? json_object_get(tbl, "registries") : NULL;
                if (!list)
                        continue;
                _cleanup_strv_ char **names = NULL;
                int rc = strv_from(list, file, "registries", &names, e);
                if (rc < 0)
                        return rc;
                if (k == 0) {
                        strv_free(r->search);
                        r->search = steal_pointer(&names);
                        continue;
                }
                for (char **n = names; *n; n++) {
                        struct registry_entry *re = find_or_add(r, *n);
                        if (!re->location)
                                re->location = xstrdup(*n);
                        if (k == 1)
                                re->insecure = true;
                        else
                                re->blocked = true;
                }
        }
        return 0;
}

/* True if any of the v1 lists is non-empty (containers/image's hasSetField). */
static bool v1_set(const struct json *v1)
{
        static const char *const kinds[] = {"search", "insecure", "block"};
        for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
                const struct json *tbl = json_object_get(v1, kinds[k]);
                const struct json *list = tbl ? json_object_get(tbl, "registries") : NULL;
                if (list && (list->type != JSON_ARRAY || list->arr.len > 0))
                        return true;
        }
        return false;
}

static int load_file(struct config *c, const char *file, bool dropin, struct err *e)
{
        struct registries_conf *r = &c->registries;
        _cleanup_json_ struct json *t = NULL;
        int rc = toml_parse_file(file, &t, e);
        if (rc < 0)
                return rc;
        strv_add(&c->files_read, file);
        const struct json *v1 = json_object_get(t, "registries");
        bool has_v2 = json_object_get(t, "registry") ||
                      json_object_get(t, "unqualified-search-registries") ||
                      json_object_get(t, "short-name-mode") ||
                      json_object_get(t, "credential-helpers") || json_object_get(t, "aliases");
        if (v1 && v1->type == JSON_OBJECT && v1_set(v1)) {
                if (dropin)
                        return err_set(e, EINVAL,
                                       "%s: registry must be in v2 format but is in v1", file);
                if (has_v2)
                        return err_set(e, EINVAL,
                                       "%s: mixing sysregistry v1/v2 is not supported", file);
                return parse_v1(r, v1, file, e);
        }
        const struct json *v;
        if ((v = json_object_get(t, "unqualified-search-registries"))) {
                strv_free(r->search);
                r->search = NULL;
                if ((rc = strv_from(v, file, "unqualified-search-registries", &r->search, e)) < 0)
                        return rc;
        }
        if ((v = json_object_get(t, "short-name-mode")) &&
            !(v->type == JSON_STRING && v->str.len == 0)) {
                if (v->type != JSON_STRING ||
                    !(STREQ(v->str.s, "enforcing") || STREQ(v->str.s, "permissive") ||
                      STREQ(v->str.s, "disabled")))
                        return err_set(e, EINVAL,
                                       "%s: short-name-mode: expected \"enforcing\", "
                                       "\"permissive\" or \"disabled\"",
                                       file);
                free(r->short_name_mode);
                r->short_name_mode = xstrdup(v->str.s);
        }
        if ((v = json_object_get(t, "credential-helpers"))) {
                strv_free(r->credential_helpers);
                r->credential_helpers = NULL;
                if ((rc = strv_from(v, file, "credential-helpers", &r->credential_helpers, e)) <
                    0)
                        return rc;
        }
        if ((v = json_object_get(t, "registry"))) {
                if (v->type != JSON_ARRAY)
                        return err_set(e, EINVAL, "%s: registry: expected [[registry]] tables",
                                       file);
                _cleanup_strv_ char **seen = NULL;
                for (size_t i = 0; i < v->arr.len; i++)
                        if ((rc = parse_registry(r, v->arr.items[i], file, &seen, e)) < 0)
                                return rc;
        }
        if ((v = json_object_get(t, "aliases"))) {
                if (v->type != JSON_OBJECT)
                        return err_set(e, EINVAL, "%s: aliases: expected a table", file);
                for (size_t i = 0; i < v->obj.len; i++) {
                        if (v->obj.vals[i]->type != JSON_STRING)
                                return err_set(e, EINVAL, "%s: alias '%s': expected a string",
                                               file, v->obj.keys[i]);
                        json_object_set_string(r->aliases, v->obj.keys[i], v->obj.vals[i]->str.s);
                }
        }
        return 0;
}

int config_load_registries(const struct config_env *env, struct config *c, struct err *e)
{
        c->registries.aliases = json_new_object();
        /* containers/image looks in $HOME/.config even for root, not XDG_CONFIG_HOME. */
        _cleanup_free_ char *user_file = xasprintf("%s/.config/containers/registries.conf",
                                                   c->user.home);
        _cleanup_free_ char *user_dir = xasprintf("%s.d", user_file);
        _cleanup_free_ char *sys_dir = cenv_sys_path(env, "/etc/containers/registries.conf.d");
        _cleanup_free_ char *main_file = NULL;
        const char *env_file = cenv_get(env, "CONTAINERS_REGISTRIES_CONF");
        bool use_sys_dir = true;
        if (env_file && *env_file) {
                main_file = xstrdup(env_file);
        } else if (fs_exists(user_file)) {
                main_file = xstrdup(user_file);
                use_sys_dir = false;
        } else {
                main_file = cenv_sys_path(env, "/etc/containers/registries.conf");
        }
        int rc;
        /* Only the default file may be missing; a chosen one must exist. */
        if (env_file && *env_file && !fs_exists(main_file))
                return err_errnum(e, ENOENT,
                                  "loading registries configuration '%s' "
                                  "(CONTAINERS_REGISTRIES_CONF)",
                                  main_file);
        if (fs_exists(main_file) && (rc = load_file(c, main_file, false, e)) < 0)
                return rc;
        const char *dirs[] = {use_sys_dir ? sys_dir : NULL, user_dir};
        for (size_t d = 0; d < ARRAY_SIZE(dirs); d++) {
                if (!dirs[d])
                        continue;
                _cleanup_strv_ char **files = config_dropins(dirs[d]);
                for (char **f = files; f && *f; f++)
                        if ((rc = load_file(c, *f, true, e)) < 0)
                                return rc;
        }
        return 0;
}
