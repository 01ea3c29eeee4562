/* SPDX-License-Identifier: Apache-2.0 */
/* berth image prune: remove dangling (or all unused) images, in passes, as
 * podman does, so that images a removal leaves dangling go too. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "storage.h"

struct prune_filters {
        int64_t until; /* 0: unset */
        char **labels, **not_labels;
};

static void prune_filters_done(struct prune_filters *f)
{
        strv_free(f->labels);
        strv_free(f->not_labels);
}

int engine_parse_duration(const char *s, int64_t *ret)
{
        double total = 0;
        const char *p = s;
        if (!*p)
                return -EINVAL;
        if (STREQ(p, "0")) { /* the one unit-less duration Go accepts */
                *ret = 0;
                return 0;
        }
        while (*p) {
                char *end;
                double v = strtod(p, &end);
                if (end == p || v < 0)
                        return -EINVAL;
                p = end;
                double mult;
                if (str_has_prefix(p, "ms")) {
                        mult = 0.001;
                        p += 2;
                } else if (*p == 'h' || *p == 'm' || *p == 's') {
                        mult = *p == 'h' ? 3600 : *p == 'm' ? 60 : 1;
                        p++;
                } else {
                        return -EINVAL;
                }
                total += v * mult;
        }
        *ret = (int64_t)total;
        return 0;
}

/* podman's until=: a Unix timestamp, an RFC 3339 time or a duration before now. */
static int parse_until(const char *v, int64_t *ret)
{
        int64_t sec;
        if (str_to_int64(v, &sec) == 0) {
                *ret = sec;
                return 0;
        }
        if (time_parse_rfc3339(v, &sec, NULL) == 0) {
                *ret = sec;
                return 0;
        }
        int64_t d, now;
        if (engine_parse_duration(v, &d) < 0)
                return -EINVAL;
        time_now(&now, NULL);
        *ret = now - d;
        return 0;
}

static int parse_prune_filters(char *const *in, struct prune_filters *f, struct err *e)
{
        for (char *const *p = in; p && *p; p++) {
                if (str_has_prefix(*p, "label!=")) {
                        strv_add(&f->not_labels, *p + strlen("label!="));
                } else if (str_has_prefix(*p, "label=")) {
                        strv_add(&f->labels, *p + strlen("label="));
                } else if (str_has_prefix(*p, "until=")) {
                        if (parse_until(*p + strlen("until="), &f->until) < 0)
                                return err_set(e, EINVAL,
                                               "invalid filter '%s': expected a timestamp or "
                                               "a duration",
                                               *p);
                } else {
                        return err_set(e, EINVAL,
                                       "invalid filter '%s': prune supports label=, label!= "
                                       "and until=",
                                       *p);
                }
        }
        return 0;
}

static bool has_label(const struct json *labels, const char *want)
{
        const char *eq = strchr(want, '=');
        _cleanup_free_ char *k = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
        const char *have =
                labels && labels->type == JSON_OBJECT ? json_object_get_string(labels, k) : NULL;
        return have && (!eq || STREQ(have, eq + 1));
}

static bool filters_match(const struct prune_filters *f, const struct json *img,
                          const struct json *cfg)
{
        if (f->until) {
                int64_t created = 0;
                const char *c = json_object_get_string(img, "created");
                if (c)
                        (void)time_parse_rfc3339(c, &created, NULL);
                if (created >= f->until)
                        return false;
        }
        const struct json *labels = cfg ? json_get_path(cfg, "config.Labels") : NULL;
        for (char **l = f->labels; l && *l; l++)
                if (!has_label(labels, *l))
                        return false;
        for (char **l = f->not_labels; l && *l; l++)
                if (has_label(labels, *l))
                        return false;
        return true;
}

/* Everything about the store one pass decides on. */
struct snapshot {
        struct json *images, *layers, *containers;
        struct json **configs; /* per image, may be NULL */
};

static void snapshot_done(struct snapshot *sn)
{
        for (size_t i = 0; sn->images && sn->configs && i < sn->images->arr.len; i++)
                json_free(sn->configs[i]);
        free(sn->configs);
        json_free(sn->images);
        json_free(sn->layers);
        json_free(sn->containers);
}

static int snapshot_take(struct store *s, struct snapshot *sn, struct err *e)
{
        int r;
        if ((r = store_images(s, &sn->images, e)) < 0 ||
            (r = store_layers(s, &sn->layers, e)) < 0 ||
            (r = store_containers(s, &sn->containers, e)) < 0)
                return r;
        sn->configs = xcalloc(sn->images->arr.len + 1, sizeof(*sn->configs));
        for (size_t i = 0; i < sn->images->arr.len; i++) {
                const char *id = json_object_get_string(sn->images->arr.items[i], "id");
                _cleanup_free_ char *key = xasprintf("sha256:%s", id);
                _cleanup_free_ char *buf = NULL;
                size_t len;
                struct json *cfg = NULL;
                if (id && store_image_big_data(s, id, key, &buf, &len, NULL) == 0 &&
                    json_parse(buf, len, &cfg, NULL) == 0 && cfg->type == JSON_OBJECT)
                        sn->configs[i] = cfg;
                else
                        json_free(cfg);
        }
        return 0;
}

static const char *layer_parent(const struct json *layers, const char *id)
{
        for (size_t i = 0; id && i < layers->arr.len; i++) {
                const char *rid = json_object_get_string(layers->arr.items[i], "id");
                if (rid && STREQ(rid, id))
                        return json_object_get_string(layers->arr.items[i], "parent");
        }
        return NULL;
}

static bool history_entry_equal(const struct json *a, const struct json *b)
{
        static const char *const keys[] = {"created", "created_by", "comment", "author"};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                const char *x = json_object_get_string(a, keys[i]);
                const char *y = json_object_get_string(b, keys[i]);
                if ((x == NULL) != (y == NULL) || (x && !STREQ(x, y)))
                        return false;
        }
        return json_object_get_bool(a, "empty_layer", false) ==
               json_object_get_bool(b, "empty_layer", false);
}

/* libimage's areParentAndChild: the child's diff_ids and history extend
 * the parent's. */
static bool parent_and_child(const struct json *parent, const struct json *child)
{
        if (!parent || !child)
                return false;
        const struct json *pd = json_get_path(parent, "rootfs.diff_ids");
        const struct json *cd = json_get_path(child, "rootfs.diff_ids");
        size_t np = pd && pd->type == JSON_ARRAY ? pd->arr.len : 0;
        size_t nc = cd && cd->type == JSON_ARRAY ? cd->arr.len : 0;
        if (np > nc)
                return false;
        for (size_t i = 0; i < np; i++)
                if (!json_equal(pd->arr.items[i], cd->arr.items[i]))
                        return false;
        const struct json *ph = json_object_get(parent, "history");
        const struct json *ch = json_object_get(child, "history");
        np = ph && ph->type == JSON_ARRAY ? ph->arr.len : 0;
        nc = ch && ch->type == JSON_ARRAY ? ch->arr.len : 0;
        if (np > nc)
                return false;
        for (size_t i = 0; i < np; i++)
                if (!history_entry_equal(ph->arr.items[i], ch->arr.items[i]))
                        return false;
        return true;
}

/* podman's dangling: no names and no child image (one on the same top
 * layer or on a layer right above it, whose config extends this one's). */
static bool is_dangling(const struct snapshot *sn, size_t idx)
{
        const struct json *img = sn->images->arr.items[idx];
        const struct json *names = json_object_get(img, "names");
        if (names && names->type == JSON_ARRAY && names->arr.len)
                return false;
        const char *top = json_object_get_string(img, "layer");
        if (!top)
                return true;
        for (size_t i = 0; i < sn->images->arr.len; i++) {
                if (i == idx)
                        continue;
                const char *otop = json_object_get_string(sn->images->arr.items[i], "layer");
                if (!otop)
                        continue;
                const char *oparent = layer_parent(sn->layers, otop);
                bool near = STREQ(otop, top) || (oparent && STREQ(oparent, top));
                if (near && parent_and_child(sn->configs[idx], sn->configs[i]))
                        return false;
        }
        return true;
}

/* podman's --external: a container that no engine keeps a database entry
 * of beside its record, such as buildah's working containers, whose state
 * (userdata/buildah.json) goes with the record. berth's own are not, and
 * neither are podman's (libpod's metadata: "name", "created-at"): podman
 * keeps those in its database, which berth never edits (T12). */
static bool is_external(const struct json *ctr)
{
        if (store_container_is_berth(ctr))
                return false;
        const char *md = json_object_get_string(ctr, "metadata");
        _cleanup_json_ struct json *m = NULL;
        if (md && json_parse(md, strlen(md), &m, NULL) == 0 && m->type == JSON_OBJECT &&
            json_object_get(m, "name") && json_object_get(m, "created-at"))
                return false;
        return true;
}

/* Whether a container uses image id (one that is not external, when
 * external ones do not count). */
static bool in_use(const struct json *containers, const char *id, bool external)
{
        for (size_t i = 0; i < containers->arr.len; i++) {
                const struct json *c = containers->arr.items[i];
                const char *img = json_object_get_string(c, "image");
                if (img && STREQ(img, id) && !(external && is_external(c)))
                        return true;
        }
        return false;
}

/* Remove the external containers that use image id, as libimage does
 * before removing an image with ExternalContainers set. */
static int remove_external(struct store *s, const struct json *containers, const char *id,
                           struct err *e)
{
        for (size_t i = 0; i < containers->arr.len; i++) {
                const struct json *c = containers->arr.items[i];
                const char *img = json_object_get_string(c, "image");
                const char *cid = json_object_get_string(c, "id");
                if (!img || !STREQ(img, id) || !cid || !is_external(c))
                        continue;
                struct err one = {0};
                int r = store_container_delete(s, cid, &one);
                if (r < 0 && one.code != ENOENT) {
                        err_move(e, &one);
                        return err_wrap(e, "removing external container %.12s", cid);
                }
                err_done(&one);
        }
        return 0;
}

int engine_images_prune(struct store *s, const struct prune_opts *o, char ***ret_removed,
                        struct err *e)
{
        _cleanup_(prune_filters_done) struct prune_filters f = {0};
        int r = parse_prune_filters(o->filter, &f, e);
        if (r < 0)
                return r;
        _cleanup_strv_ char **removed = NULL;
        /* A bound on passes, in case another writer keeps adding images. */
        for (size_t pass = 0; pass < 1024; pass++) {
                _cleanup_(snapshot_done) struct snapshot sn = {0};
                if ((r = snapshot_take(s, &sn, e)) < 0)
                        return r;
                _cleanup_strv_ char **victims = NULL;
                for (size_t i = 0; i < sn.images->arr.len; i++) {
                        const struct json *img = sn.images->arr.items[i];
                        const char *id = json_object_get_string(img, "id");
                        if (!id || in_use(sn.containers, id, o->external) ||
                            !filters_match(&f, img, sn.configs[i]))
                                continue;
                        if (!o->all && !is_dangling(&sn, i))
                                continue;
                        strv_add(&victims, id);
                }
                if (!victims)
                        break;
                size_t gone = 0;
                for (char **v = victims; *v; v++) {
                        struct err one = {0};
                        if (o->external && (r = remove_external(s, sn.containers, *v, e)) < 0) {
                                *ret_removed = steal_pointer(&removed);
                                return err_wrap(e, "pruning image %.12s", *v);
                        }
                        r = store_image_delete(s, *v, NULL, &one);
                        if (r < 0 && one.code == ENOENT) {
                                /* Removed by someone else meanwhile. */
                                err_done(&one);
                                continue;
                        }
                        if (r < 0) {
                                err_move(e, &one);
                                *ret_removed = steal_pointer(&removed);
                                return err_wrap(e, "pruning image %.12s", *v);
                        }
                        strv_add(&removed, *v);
                        gone++;
                }
                if (!gone)
                        break;
        }
        *ret_removed = steal_pointer(&removed);
        return 0;
}
