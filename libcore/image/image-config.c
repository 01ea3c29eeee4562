/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Image configs (OCI image config / Docker container image v1 JSON). The
 * two formats agree on every field berth reads. The parsed document is
 * kept whole: a config's digest is the image ID, so berth must never drop
 * a field it does not know when it writes a config back.
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

void image_config_free(struct image_config *c)
{
        if (!c)
                return;
        free(c->created);
        free(c->author);
        free(c->architecture);
        free(c->os);
        free(c->variant);
        json_free(c->config);
        strv_free(c->diff_ids);
        for (size_t i = 0; i < c->n_history; i++) {
                free(c->history[i].created);
                free(c->history[i].created_by);
                free(c->history[i].author);
                free(c->history[i].comment);
        }
        free(c->history);
        json_free(c->doc);
        free(c);
}

/* The container settings the engine reads, type-checked here once so that
 * no consumer meets a number where it expects a string. Others pass as is. */
static int check_container_config(const struct json *cfg, struct err *e)
{
        static const char *const strings[] = {"User",     "WorkingDir", "StopSignal",
                                              "Hostname", "Domainname", "Image"};
        static const char *const strvs[] = {"Env", "Cmd", "Entrypoint", "OnBuild", "Shell"};
        static const char *const objects[] = {"ExposedPorts", "Volumes"};
        int r;
        for (size_t i = 0; i < ARRAY_SIZE(strings); i++) {
                _cleanup_free_ char *s = NULL;
                if ((r = image_json_string(cfg, "config", strings[i], false, &s, e)) < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(strvs); i++) {
                _cleanup_strv_ char **v = NULL;
                if ((r = image_json_strv(cfg, "config", strvs[i], &v, e)) < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(objects); i++) {
                const struct json *o = NULL;
                if ((r = image_json_object(cfg, "config", objects[i], false, &o, e)) < 0)
                        return r;
        }
        _cleanup_json_ struct json *labels = NULL;
        return image_json_string_map(cfg, "config", "Labels", &labels, e);
}

static int history_parse(const struct json *list, struct image_config *c, struct err *e)
{
        c->history = xcalloc(list->arr.len ? list->arr.len : 1, sizeof(*c->history));
        for (size_t i = 0; i < list->arr.len; i++) {
                const struct json *h = list->arr.items[i];
                _cleanup_free_ char *where = xasprintf("history[%zu]", i);
                if (h->type != JSON_OBJECT)
                        return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                                       json_type_to_string(h->type));
                struct image_history *out = &c->history[c->n_history++];
                int r;
                if ((r = image_json_string(h, where, "created", false, &out->created, e)) < 0 ||
                    (r = image_json_string(h, where, "created_by", false, &out->created_by, e)) <
                            0 ||
                    (r = image_json_string(h, where, "author", false, &out->author, e)) < 0 ||
                    (r = image_json_string(h, where, "comment", false, &out->comment, e)) < 0)
                        return r;
                const struct json *el = json_object_get(h, "empty_layer");
                if (el && el->type != JSON_NULL && el->type != JSON_BOOL)
                        return err_set(e, EINVAL, "%s.empty_layer: expected a boolean, got %s",
                                       where, json_type_to_string(el->type));
                out->empty_layer = el && el->type == JSON_BOOL && el->b;
        }
        return 0;
}

static int config_from_json(const struct json *j, struct image_config *c, struct err *e)
{
        int r;
        if ((r = image_json_string(j, "", "created", false, &c->created, e)) < 0 ||
            (r = image_json_string(j, "", "author", false, &c->author, e)) < 0 ||
            (r = image_json_string(j, "", "architecture", false, &c->architecture, e)) < 0 ||
            (r = image_json_string(j, "", "os", false, &c->os, e)) < 0 ||
            (r = image_json_string(j, "", "variant", false, &c->variant, e)) < 0)
                return r;
        const struct json *cfg = NULL;
        if ((r = image_json_object(j, "", "config", false, &cfg, e)) < 0)
                return r;
        if (cfg) {
                if ((r = check_container_config(cfg, e)) < 0)
                        return r;
                c->config = json_copy(cfg);
        }
        const struct json *rootfs = NULL;
        if ((r = image_json_object(j, "", "rootfs", true, &rootfs, e)) < 0)
                return r;
        _cleanup_free_ char *type = NULL;
        if ((r = image_json_string(rootfs, "rootfs", "type", true, &type, e)) < 0)
                return r;
        if (!STREQ(type, "layers")) {
                _cleanup_free_ char *q = image_quote(type);
                return err_set(e, EINVAL, "rootfs.type: expected \"layers\", got '%s'", q);
        }
        if ((r = image_json_strv(rootfs, "rootfs", "diff_ids", &c->diff_ids, e)) < 0)
                return r;
        if (!c->diff_ids)
                c->diff_ids = xcalloc(1, sizeof(char *));
        c->n_diff_ids = strv_length(c->diff_ids);
        for (size_t i = 0; i < c->n_diff_ids; i++) {
                _cleanup_err_ struct err de = {0};
                if (digest_validate(c->diff_ids[i], NULL, &de) < 0)
                        return err_set(e, EINVAL, "rootfs.diff_ids[%zu]: %s", i, de.msg);
        }
        const struct json *history = NULL;
        if ((r = image_json_array(j, "", "history", false, &history, e)) < 0)
                return r;
        if (history && (r = history_parse(history, c, e)) < 0)
                return r;
        return 0;
}

int image_config_parse(const void *buf, size_t len, struct image_config **ret, struct err *e)
{
        _cleanup_json_ struct json *j = NULL;
        int r = image_json_parse_doc(buf, len, IMAGE_CONFIG_MAX_SIZE, "image config", &j, e);
        if (r < 0)
                return r;
        struct image_config *c = xcalloc(1, sizeof(*c));
        if ((r = config_from_json(j, c, e)) < 0) {
                image_config_free(c);
                return err_wrap(e, "invalid image config");
        }
        c->doc = steal_pointer(&j);
        *ret = c;
        return 0;
}

struct image_config *image_config_new(const char *os, const char *arch)
{
        struct image_config *c = xcalloc(1, sizeof(*c));
        c->os = xstrdup(os ? os : "linux");
        c->architecture = xstrdup(arch ? arch : host_go_arch());
        c->diff_ids = xcalloc(1, sizeof(char *));
        return c;
}

void image_config_add_layer(struct image_config *c, const char *diff_id,
                            const struct image_history *h)
{
        strv_add(&c->diff_ids, diff_id);
        c->n_diff_ids++;
        if (!h)
                return;
        c->history = xrealloc(c->history, (c->n_history + 1) * sizeof(*c->history));
        struct image_history *out = &c->history[c->n_history++];
        out->created = h->created ? xstrdup(h->created) : NULL;
        out->created_by = h->created_by ? xstrdup(h->created_by) : NULL;
        out->author = h->author ? xstrdup(h->author) : NULL;
        out->comment = h->comment ? xstrdup(h->comment) : NULL;
        out->empty_layer = h->empty_layer;
}

size_t image_config_nonempty_history(const struct image_config *c)
{
        size_t n = 0;
        for (size_t i = 0; i < c->n_history; i++)
                if (!c->history[i].empty_layer)
                        n++;
        return n;
}

/* Set key to a string, or remove it when s is NULL. */
static void set_or_remove(struct json *j, const char *key, const char *s)
{
        if (s)
                json_object_set_string(j, key, s);
        else
                json_object_remove(j, key);
}

/* Write h into j (a copy of the document's entry, or a new object) field
 * by field, so that members berth does not know stay where they were. New
 * fields follow the order of the OCI History struct, as podman writes. */
static struct json *history_to_json(const struct image_history *h, struct json *j)
{
        if (!j || j->type != JSON_OBJECT) {
                json_free(j);
                j = json_new_object();
        }
        set_or_remove(j, "created", h->created);
        set_or_remove(j, "created_by", h->created_by);
        set_or_remove(j, "author", h->author);
        set_or_remove(j, "comment", h->comment);
        if (h->empty_layer)
                json_object_set_bool(j, "empty_layer", true);
        else if (json_object_get(j, "empty_layer"))
                json_object_set_bool(j, "empty_layer", false);
        return j;
}

struct json *image_config_to_json(const struct image_config *c)
{
        struct json *j = c->doc ? json_copy(c->doc) : json_new_object();
        /* json_object_set keeps an existing key in place and appends a new
         * one, so a fresh config gets podman's order: created, architecture,
         * os, config, rootfs, history. */
        set_or_remove(j, "created", c->created);
        set_or_remove(j, "author", c->author);
        set_or_remove(j, "architecture", c->architecture);
        set_or_remove(j, "os", c->os);
        set_or_remove(j, "variant", c->variant);
        if (c->config)
                json_object_set(j, "config", json_copy(c->config));
        else if (!c->doc)
                json_object_set(j, "config", json_new_object());
        struct json *rootfs = json_object_get(j, "rootfs");
        if (!rootfs || rootfs->type != JSON_OBJECT) {
                rootfs = json_new_object();
                json_object_set(j, "rootfs", rootfs);
        }
        json_object_set_string(rootfs, "type", "layers");
        json_object_set(rootfs, "diff_ids", json_new_strv(c->diff_ids));
        const struct json *old = json_object_get(j, "history");
        if (c->n_history || old) {
                struct json *history = json_new_array();
                for (size_t i = 0; i < c->n_history; i++) {
                        struct json *base = old && old->type == JSON_ARRAY && i < old->arr.len
                                                    ? json_copy(old->arr.items[i])
                                                    : NULL;
                        json_array_append(history, history_to_json(&c->history[i], base));
                }
                json_object_set(j, "history", history);
        }
        return j;
}

char *image_config_generate(const struct image_config *c, size_t *ret_len)
{
        _cleanup_json_ struct json *j = image_config_to_json(c);
        char *s = json_generate(j, JSON_GEN_ESCAPE_HTML);
        if (ret_len)
                *ret_len = strlen(s);
        return s;
}
