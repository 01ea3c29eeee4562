/* SPDX-License-Identifier: Apache-2.0 */
/* Listing, finding and naming images in the store, as podman shows them. */
#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "engine.h"
#include "image.h"
#include "storage.h"

const char engine_images_table[] =
        "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";
const char engine_images_table_digests[] =
        "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}";

struct json *engine_images_headers(void)
{
        struct json *h = json_new_object();
        json_object_set_string(h, "ID", "IMAGE ID");
        json_object_set_string(h, "Created", "CREATED");
        json_object_set_string(h, "CreatedSince", "CREATED");
        json_object_set_string(h, "CreatedAt", "CREATED AT");
        return h;
}

static struct json *find_record(const struct json *arr, const char *id)
{
        for (size_t i = 0; id && i < arr->arr.len; i++) {
                const char *rid = json_object_get_string(arr->arr.items[i], "id");
                if (rid && STREQ(rid, id))
                        return arr->arr.items[i];
        }
        return NULL;
}

/* Uncompressed bytes of the layer chain plus the image's big data, which is
 * how containers/storage sizes an image. */
static int64_t image_size(const struct json *layers, const struct json *img)
{
        int64_t size = 0;
        const char *id = json_object_get_string(img, "layer");
        for (size_t guard = 0; id && guard < 1024; guard++) {
                const struct json *l = find_record(layers, id);
                if (!l)
                        break;
                size += json_object_get_int(l, "diff-size", 0);
                id = json_object_get_string(l, "parent");
        }
        const struct json *sizes = json_object_get(img, "big-data-sizes");
        for (size_t i = 0; sizes && sizes->type == JSON_OBJECT && i < sizes->obj.len; i++)
                if (sizes->obj.vals[i]->type == JSON_INT)
                        size += sizes->obj.vals[i]->i;
        return size;
}

/* Allocates: the image's config document, or NULL. */
static struct json *image_config(struct store *s, const struct json *img)
{
        const char *id = json_object_get_string(img, "id");
        _cleanup_free_ char *key = xasprintf("sha256:%s", id);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        struct json *cfg = NULL;
        if (store_image_big_data(s, id, key, &buf, &len, NULL) < 0 ||
            json_parse(buf, len, &cfg, NULL) < 0 || cfg->type != JSON_OBJECT) {
                json_free(cfg);
                return NULL;
        }
        return cfg;
}

static int64_t record_created(const struct json *img)
{
        int64_t sec = 0;
        const char *c = json_object_get_string(img, "created");
        if (!c || time_parse_rfc3339(c, &sec, NULL) < 0)
                return 0;
        return sec;
}

/* Is this nameless image the parent of another image (an intermediate
 * image of a build), which `images` hides without -a? */
static bool is_intermediate(const struct json *images, const struct json *layers,
                            const struct json *img)
{
        const struct json *names = json_object_get(img, "names");
        if (names && names->type == JSON_ARRAY && names->arr.len)
                return false;
        const char *top = json_object_get_string(img, "layer");
        if (!top)
                return false;
        for (size_t i = 0; i < images->arr.len; i++) {
                const struct json *other = images->arr.items[i];
                if (other == img)
                        continue;
                const char *id = json_object_get_string(other, "layer");
                const struct json *l = find_record(layers, id);
                id = l ? json_object_get_string(l, "parent") : NULL;
                for (size_t guard = 0; id && guard < 1024; guard++) {
                        if (STREQ(id, top))
                                return true;
                        l = find_record(layers, id);
                        id = l ? json_object_get_string(l, "parent") : NULL;
                }
        }
        return false;
}

static char *repo_of(const char *name)
{
        /* "host/repo:tag" -> "host/repo"; a ':' before the last '/' is a port. */
        const char *slash = strrchr(name, '/');
        const char *at = strchr(name, '@');
        if (at)
                return xstrndup(name, (size_t)(at - name));
        const char *colon = strrchr(name, ':');
        if (colon && (!slash || colon > slash))
                return xstrndup(name, (size_t)(colon - name));
        return xstrdup(name);
}

static struct json *repo_digests(const struct json *img)
{
        struct json *arr = json_new_array();
        const char *digest = json_object_get_string(img, "digest");
        const struct json *names = json_object_get(img, "names");
        if (!digest || !names || names->type != JSON_ARRAY)
                return arr;
        _cleanup_strv_ char **seen = NULL;
        for (size_t i = 0; i < names->arr.len; i++) {
                if (names->arr.items[i]->type != JSON_STRING)
                        continue;
                _cleanup_free_ char *repo = repo_of(names->arr.items[i]->str.s);
                if (strv_contains(seen, repo))
                        continue;
                strv_add(&seen, repo);
                _cleanup_free_ char *rd = xasprintf("%s@%s", repo, digest);
                json_array_append(arr, json_new_string(rd));
        }
        return arr;
}

static int count_containers(const struct json *containers, const char *id)
{
        int n = 0;
        for (size_t i = 0; containers && i < containers->arr.len; i++) {
                const char *img = json_object_get_string(containers->arr.items[i], "image");
                if (img && STREQ(img, id))
                        n++;
        }
        return n;
}

static bool name_matches(const char *name, const char *pattern)
{
        if (fnmatch(pattern, name, 0) == 0)
                return true;
        /* reference=alpine matches docker.io/library/alpine:latest, as in podman. */
        _cleanup_free_ char *repo = repo_of(name);
        const char *tagpart = name + strlen(repo);
        const char *p = repo;
        for (;;) {
                _cleanup_free_ char *cand = xasprintf("%s%s", p, tagpart);
                if (fnmatch(pattern, p, 0) == 0 || fnmatch(pattern, cand, 0) == 0)
                        return true;
                const char *slash = strchr(p, '/');
                if (!slash)
                        return false;
                p = slash + 1;
        }
}

struct filters {
        int dangling; /* -1 unset */
        char **references;
        char **labels;
        int64_t before, since; /* created times; 0 unset */
        char *id;
};

static void filters_done(struct filters *f)
{
        strv_free(f->references);
        strv_free(f->labels);
        free(f->id);
}

static int filter_time_of(struct store *s, const char *image, int64_t *ret, struct err *e)
{
        _cleanup_json_ struct json *img = NULL;
        int r = engine_image_find(s, image, &img, e);
        if (r < 0)
                return r;
        *ret = record_created(img);
        return 0;
}

static int parse_filters(struct store *s, char **in, struct filters *f, struct err *e)
{
        f->dangling = -1;
        for (char **p = in; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                if (!eq)
                        return err_set(e, EINVAL, "invalid filter '%s': expected key=value", *p);
                _cleanup_free_ char *key = xstrndup(*p, (size_t)(eq - *p));
                const char *v = eq + 1;
                int r = 0;
                if (STREQ(key, "dangling")) {
                        bool b;
                        if (str_to_bool(v, &b) < 0)
                                return err_set(e, EINVAL, "invalid filter '%s': "
                                                          "dangling takes true or false", *p);
                        f->dangling = b;
                } else if (STREQ(key, "reference")) {
                        strv_add(&f->references, v);
                } else if (STREQ(key, "label")) {
                        strv_add(&f->labels, v);
                } else if (STREQ(key, "before")) {
                        r = filter_time_of(s, v, &f->before, e);
                } else if (STREQ(key, "since")) {
                        r = filter_time_of(s, v, &f->since, e);
                } else if (STREQ(key, "id")) {
                        free(f->id);
                        f->id = xstrdup(v);
                } else {
                        return err_set(e, EINVAL, "invalid filter '%s': unknown key '%s'", *p,
                                       key);
                }
                if (r < 0)
                        return err_wrap(e, "filter '%s'", *p);
        }
        return 0;
}

static bool labels_match(char *const *want, const struct json *labels)
{
        for (char *const *w = want; w && *w; w++) {
                const char *eq = strchr(*w, '=');
                _cleanup_free_ char *k = eq ? xstrndup(*w, (size_t)(eq - *w)) : xstrdup(*w);
                const char *have = labels ? json_object_get_string(labels, k) : NULL;
                if (!have || (eq && !STREQ(have, eq + 1)))
                        return false;
        }
        return true;
}

static bool filters_match(const struct filters *f, const struct json *item, int64_t created)
{
        const struct json *names = json_object_get(item, "Names");
        size_t n = names && names->type == JSON_ARRAY ? names->arr.len : 0;
        if (f->dangling >= 0 && (n == 0) != (bool)f->dangling)
                return false;
        if (f->references) {
                bool any = false;
                for (size_t i = 0; i < n && !any; i++)
                        for (char **r = f->references; *r && !any; r++)
                                any = name_matches(names->arr.items[i]->str.s, *r);
                if (!any)
                        return false;
        }
        if (f->labels && !labels_match(f->labels, json_object_get(item, "Labels")))
                return false;
        if (f->before && created >= f->before)
                return false;
        if (f->since && created <= f->since)
                return false;
        if (f->id && !str_has_prefix(json_object_get_string(item, "Id"), f->id))
                return false;
        return true;
}

static struct json *image_item(struct store *s, const struct json *layers,
                               const struct json *containers, const struct json *img)
{
        const char *id = json_object_get_string(img, "id");
        struct json *it = json_new_object();
        json_object_set_string(it, "Id", id);
        json_object_set_string(it, "ParentId", "");
        const struct json *names = json_object_get(img, "names");
        json_object_set(it, "RepoTags", names ? json_copy(names) : json_new_array());
        json_object_set(it, "RepoDigests", repo_digests(img));
        int64_t size = image_size(layers, img);
        json_object_set_int(it, "Size", size);
        json_object_set_int(it, "SharedSize", 0);
        json_object_set_int(it, "VirtualSize", size);
        _cleanup_json_ struct json *cfg = image_config(s, img);
        const struct json *labels = cfg ? json_get_path(cfg, "config.Labels") : NULL;
        json_object_set(it, "Labels", labels && labels->type == JSON_OBJECT ? json_copy(labels)
                                                                          : json_new_null());
        json_object_set_int(it, "Containers", count_containers(containers, id));
        json_object_set(it, "Names", names ? json_copy(names) : json_new_array());
        const char *digest = json_object_get_string(img, "digest");
        json_object_set_string(it, "Digest", digest ? digest : "");
        const struct json *hist = json_object_get(img, "names-history");
        json_object_set(it, "History", hist ? json_copy(hist) : json_new_array());
        int64_t created = record_created(img);
        json_object_set_int(it, "Created", created);
        _cleanup_free_ char *at = time_format_rfc3339(created, 0);
        json_object_set_string(it, "CreatedAt", at);
        return it;
}

static int cmp_created_desc(const void *a, const void *b)
{
        int64_t ca = json_object_get_int(*(struct json *const *)a, "Created", 0);
        int64_t cb = json_object_get_int(*(struct json *const *)b, "Created", 0);
        return ca < cb ? 1 : ca > cb ? -1 : 0;
}

int engine_images_list(struct store *s, const struct images_opts *o, struct json **ret,
                       struct err *e)
{
        _cleanup_json_ struct json *images = NULL, *layers = NULL, *containers = NULL;
        int r;
        if ((r = store_images(s, &images, e)) < 0 || (r = store_layers(s, &layers, e)) < 0 ||
            (r = store_containers(s, &containers, e)) < 0)
                return r;
        _cleanup_(filters_done) struct filters f = {0};
        if ((r = parse_filters(s, o ? o->filter : NULL, &f, e)) < 0)
                return r;
        struct json *out = json_new_array();
        for (size_t i = 0; i < images->arr.len; i++) {
                const struct json *img = images->arr.items[i];
                if (!(o && o->all) && !f.id && is_intermediate(images, layers, img))
                        continue;
                struct json *it = image_item(s, layers, containers, img);
                if (!filters_match(&f, it, record_created(img))) {
                        json_free(it);
                        continue;
                }
                json_array_append(out, it);
        }
        if (out->arr.len > 1)
                qsort(out->arr.items, out->arr.len, sizeof(*out->arr.items), cmp_created_desc);
        *ret = out;
        return 0;
}

static struct json *image_row(const struct json *it, const char *name, bool no_trunc,
                              int64_t now)
{
        struct json *row = json_new_object();
        const char *id = json_object_get_string(it, "Id");
        _cleanup_free_ char *full = xasprintf("sha256:%s", id);
        _cleanup_free_ char *shortid = xstrndup(id, 12);
        json_object_set_string(row, "ID", no_trunc ? full : shortid);
        _cleanup_free_ char *repo = name ? repo_of(name) : xstrdup("<none>");
        const char *tag = "<none>";
        if (name && strlen(name) > strlen(repo) && name[strlen(repo)] == ':')
                tag = name + strlen(repo) + 1;
        json_object_set_string(row, "Repository", repo);
        json_object_set_string(row, "Tag", tag);
        const char *digest = json_object_get_string(it, "Digest");
        json_object_set_string(row, "Digest", digest && *digest ? digest : "<none>");
        int64_t created = json_object_get_int(it, "Created", 0);
        _cleanup_free_ char *ago = report_human_ago(now - created);
        json_object_set_string(row, "Created", ago);
        json_object_set_string(row, "CreatedSince", ago);
        json_object_set_string(row, "CreatedAt", json_object_get_string(it, "CreatedAt"));
        _cleanup_free_ char *size = report_human_size(json_object_get_int(it, "Size", 0));
        json_object_set_string(row, "Size", size);
        json_object_set_string(row, "VirtualSize", size);
        json_object_set_string(row, "SharedSize", "0 B");
        json_object_set_int(row, "Containers", json_object_get_int(it, "Containers", 0));
        json_object_set_bool(row, "ReadOnly", false);
        const struct json *labels = json_object_get(it, "Labels");
        json_object_set(row, "Labels", labels ? json_copy(labels) : json_new_null());
        const struct json *hist = json_object_get(it, "History");
        _cleanup_strv_ char **h = NULL;
        for (size_t i = 0; hist && i < hist->arr.len; i++)
                strv_add(&h, hist->arr.items[i]->str.s);
        _cleanup_free_ char *hs = strv_join(h, ", ");
        json_object_set_string(row, "History", hs);
        return row;
}

struct json *engine_images_rows(const struct json *items, bool no_trunc)
{
        int64_t now;
        time_now(&now, NULL);
        struct json *rows = json_new_array();
        for (size_t i = 0; i < items->arr.len; i++) {
                const struct json *it = items->arr.items[i];
                const struct json *names = json_object_get(it, "Names");
                size_t n = names && names->type == JSON_ARRAY ? names->arr.len : 0;
                if (n == 0)
                        json_array_append(rows, image_row(it, NULL, no_trunc, now));
                for (size_t k = 0; k < n; k++)
                        json_array_append(rows, image_row(it, names->arr.items[k]->str.s,
                                                          no_trunc, now));
        }
        return rows;
}

int engine_image_name_normalize(const char *name, char **ret, struct err *e)
{
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
        int r = image_ref_parse(name, IMAGE_REF_DEFAULT_LATEST, &ref, e);
        if (r < 0)
                return r;
        /* podman keeps images a user names without a registry under
         * localhost/, so that they never pose as docker.io images. */
        if (!image_name_is_qualified(name)) {
                free(ref->domain);
                ref->domain = xstrdup("localhost");
                if (str_has_prefix(ref->path, "library/") && !str_has_prefix(name, "library/")) {
                        char *p = xstrdup(ref->path + strlen("library/"));
                        free(ref->path);
                        ref->path = p;
                }
        }
        *ret = image_ref_string(ref);
        return 0;
}

/* Every image with a name whose repository ends in /path (or is path) and
 * whose tag or digest is the wanted one: podman's short-name match. */
static int find_by_suffix(struct store *s, const char *path, const char *suffix,
                          struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *images = NULL;
        int r = store_images(s, &images, e);
        if (r < 0)
                return r;
        _cleanup_free_ char *want = xasprintf("/%s%s", path, suffix);
        const struct json *found = NULL;
        for (size_t i = 0; i < images->arr.len; i++) {
                const struct json *img = images->arr.items[i];
                const struct json *names = json_object_get(img, "names");
                for (size_t k = 0; names && names->type == JSON_ARRAY && k < names->arr.len;
                     k++) {
                        const char *n = names->arr.items[k]->str.s;
                        if (!str_has_suffix(n, want))
                                continue;
                        if (found && found != img)
                                return err_set(e, EINVAL,
                                               "short name '%s%s' matches several images: use "
                                               "a full name or an ID",
                                               path, suffix);
                        found = img;
                }
        }
        if (!found)
                return -ENOENT;
        *ret = json_copy(found);
        return 0;
}

int engine_image_find(struct store *s, const char *name, struct json **ret, struct err *e)
{
        if (!name || !*name)
                return err_set(e, EINVAL, "empty image name");
        struct err tmp = {0};
        /* IDs and ID prefixes first, as podman does. */
        const char *hex = str_has_prefix(name, "sha256:") ? name + 7 : name;
        if (strlen(hex) >= 3 && strspn(hex, "0123456789abcdef") == strlen(hex)) {
                int r = store_image_lookup(s, hex, ret, &tmp);
                if (r == 0 || r != -ENOENT) {
                        if (r < 0)
                                return err_move(e, &tmp);
                        return 0;
                }
                err_done(&tmp);
        }
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
        int r = image_ref_parse(name, IMAGE_REF_DEFAULT_LATEST, &ref, &tmp);
        if (r < 0) {
                err_done(&tmp);
                return err_set(e, ENOENT, "%s: image not known", name);
        }
        _cleanup_free_ char *full = image_ref_string(ref);
        if (store_image_lookup(s, full, ret, NULL) == 0)
                return 0;
        if (!image_name_is_qualified(name)) {
                _cleanup_free_ char *local = NULL;
                if (engine_image_name_normalize(name, &local, NULL) == 0 &&
                    store_image_lookup(s, local, ret, NULL) == 0)
                        return 0;
                /* The path as typed ("alpine", not "library/alpine"). */
                _cleanup_free_ char *path =
                        str_has_prefix(ref->path, "library/") && !strstr(name, "library/")
                                ? xstrdup(ref->path + 8)
                                : xstrdup(ref->path);
                _cleanup_free_ char *suffix = ref->digest ? xasprintf("@%s", ref->digest)
                                                          : xasprintf(":%s", ref->tag);
                r = find_by_suffix(s, path, suffix, ret, e);
                if (r != -ENOENT)
                        return r;
        }
        return err_set(e, ENOENT, "%s: image not known", name);
}

int engine_image_tag(struct store *s, const char *image, char *const *new_names, struct err *e)
{
        _cleanup_json_ struct json *img = NULL;
        int r = engine_image_find(s, image, &img, e);
        if (r < 0)
                return r;
        _cleanup_strv_ char **names = NULL;
        for (char *const *n = new_names; n && *n; n++) {
                char *full;
                if ((r = engine_image_name_normalize(*n, &full, e)) < 0)
                        return r;
                strv_push(&names, full);
        }
        return store_image_add_names(s, json_object_get_string(img, "id"), names, e);
}

char *engine_image_stored_name(const struct json *img, const char *typed)
{
        const struct json *have = json_object_get(img, "names");
        if (!have || have->type != JSON_ARRAY)
                return NULL;
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
        if (image_ref_parse(typed, IMAGE_REF_DEFAULT_LATEST, &ref, NULL) < 0)
                return NULL;
        _cleanup_strv_ char **cands = NULL;
        strv_push(&cands, image_ref_string(ref));
        _cleanup_free_ char *suffix = NULL;
        if (!image_name_is_qualified(typed)) {
                char *local = NULL;
                if (engine_image_name_normalize(typed, &local, NULL) == 0)
                        strv_push(&cands, local);
                const char *path = str_has_prefix(ref->path, "library/") &&
                                                   !strstr(typed, "library/")
                                           ? ref->path + 8
                                           : ref->path;
                suffix = ref->digest ? xasprintf("/%s@%s", path, ref->digest)
                                     : xasprintf("/%s:%s", path, ref->tag);
        }
        for (char **c = cands; *c; c++)
                for (size_t i = 0; i < have->arr.len; i++)
                        if (STREQ(have->arr.items[i]->str.s, *c))
                                return xstrdup(*c);
        for (size_t i = 0; suffix && i < have->arr.len; i++)
                if (str_has_suffix(have->arr.items[i]->str.s, suffix))
                        return xstrdup(have->arr.items[i]->str.s);
        return NULL;
}

int engine_image_untag(struct store *s, const char *image, char *const *names, struct err *e)
{
        _cleanup_json_ struct json *img = NULL;
        int r = engine_image_find(s, image, &img, e);
        if (r < 0)
                return r;
        const char *id = json_object_get_string(img, "id");
        _cleanup_strv_ char **drop = NULL;
        if (!names || !names[0]) {
                const struct json *have = json_object_get(img, "names");
                for (size_t i = 0; have && i < have->arr.len; i++)
                        strv_add(&drop, have->arr.items[i]->str.s);
        }
        for (char *const *n = names; n && *n; n++) {
                char *full = engine_image_stored_name(img, *n);
                if (!full)
                        return err_set(e, ENOENT, "'%s' is not a name of image %.12s", *n, id);
                strv_push(&drop, full);
        }
        if (!drop)
                return 0;
        return store_image_remove_names(s, id, drop, e);
}
