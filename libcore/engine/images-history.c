/* SPDX-License-Identifier: Apache-2.0 */
/* berth history: an image's history entries matched to its layer chain, as
 * podman's libimage does it. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "storage.h"

const char engine_history_table[] =
        "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

static const struct json *find_by_id(const struct json *arr, const char *id)
{
        for (size_t i = 0; id && i < arr->arr.len; i++) {
                const char *rid = json_object_get_string(arr->arr.items[i], "id");
                if (rid && STREQ(rid, id))
                        return arr->arr.items[i];
        }
        return NULL;
}

/* The first image (in the store's order) whose top layer is layer_id: what
 * podman's layer tree names an entry after. */
static const char *first_image_on(const struct json *images, const char *layer_id)
{
        for (size_t i = 0; i < images->arr.len; i++) {
                const char *top = json_object_get_string(images->arr.items[i], "layer");
                if (top && STREQ(top, layer_id))
                        return json_object_get_string(images->arr.items[i], "id");
        }
        return NULL;
}

static struct json *config_of(struct store *s, const char *id, struct err *e)
{
        _cleanup_free_ char *key = xasprintf("sha256:%s", id);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        struct json *cfg = NULL;
        if (store_image_big_data(s, id, key, &buf, &len, e) < 0)
                return NULL;
        if (json_parse(buf, len, &cfg, e) < 0)
                return NULL;
        if (cfg->type != JSON_OBJECT) {
                json_free(cfg);
                err_set(e, EINVAL, "config of image %.12s is not a JSON object", id);
                return NULL;
        }
        return cfg;
}

/* RFC 3339 as Go marshals a time.Time: nanoseconds without trailing zeros. */
static char *normalized_time(const char *created)
{
        int64_t sec;
        int32_t nsec;
        if (!created || time_parse_rfc3339(created, &sec, &nsec) < 0)
                return xstrdup("0001-01-01T00:00:00Z");
        return time_format_rfc3339(sec, nsec);
}

int engine_image_history(struct store *s, const char *name, struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *img = NULL;
        int r = engine_image_find(s, name, &img, e);
        if (r < 0)
                return r;
        const char *id = json_object_get_string(img, "id");
        _cleanup_json_ struct json *cfg = config_of(s, id, e);
        if (!cfg)
                return err_wrap(e, "history of image '%s'", name);
        _cleanup_json_ struct json *images = NULL, *layers = NULL;
        if ((r = store_images(s, &images, e)) < 0 || (r = store_layers(s, &layers, e)) < 0)
                return r;
        const struct json *hist = json_object_get(cfg, "history");
        size_t n = hist && hist->type == JSON_ARRAY ? hist->arr.len : 0;
        const struct json *layer = find_by_id(layers, json_object_get_string(img, "layer"));
        _cleanup_strv_ char **used = NULL;
        struct json *out = json_new_array();
        /* Newest first; an ID for each entry whose layer is the top layer of
         * an image (each image's ID once), the size of the layer that each
         * non-empty entry made. */
        for (size_t k = n; k-- > 0;) {
                const struct json *h = hist->arr.items[k];
                if (h->type != JSON_OBJECT)
                        continue;
                const char *entry_id = k == n - 1 ? id : "<missing>";
                bool empty = json_object_get_bool(h, "empty_layer", false);
                int64_t size = 0;
                if (layer) {
                        const char *lid = json_object_get_string(layer, "id");
                        if (!empty)
                                size = json_object_get_int(layer, "diff-size", 0);
                        const char *owner = lid ? first_image_on(images, lid) : NULL;
                        if (owner && !strv_contains(used, owner)) {
                                entry_id = owner;
                                strv_add(&used, owner);
                        }
                        if (!empty) {
                                const char *parent = json_object_get_string(layer, "parent");
                                layer = parent && *parent ? find_by_id(layers, parent) : NULL;
                        }
                }
                struct json *it = json_new_object();
                json_object_set_string(it, "id", entry_id);
                _cleanup_free_ char *created =
                        normalized_time(json_object_get_string(h, "created"));
                json_object_set_string(it, "created", created);
                const char *by = json_object_get_string(h, "created_by");
                json_object_set_string(it, "CreatedBy", by ? by : "");
                json_object_set_int(it, "size", size);
                const char *comment = json_object_get_string(h, "comment");
                if (comment && *comment)
                        json_object_set_string(it, "comment", comment);
                json_object_set_string(it, "Created", created);
                json_array_append(out, it);
        }
        *ret = out;
        return 0;
}

/* Go's time.Time.String() for a UTC time, which podman's .CreatedAt prints. */
static char *go_time_string(int64_t sec, int32_t nsec)
{
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

struct json *engine_history_rows(const struct json *items, bool no_trunc, bool human)
{
        int64_t now;
        time_now(&now, NULL);
        struct json *rows = json_new_array();
        for (size_t i = 0; i < items->arr.len; i++) {
                const struct json *it = items->arr.items[i];
                struct json *row = json_new_object();
                const char *id = json_object_get_string(it, "id");
                _cleanup_free_ char *shortid =
                        STREQ(id, "<missing>") || no_trunc ? xstrdup(id) : xstrndup(id, 12);
                json_object_set_string(row, "ID", shortid);
                int64_t sec = 0;
                int32_t nsec = 0;
                (void)time_parse_rfc3339(json_object_get_string(it, "created"), &sec, &nsec);
                /* podman's -H=false: Created.Format(time.RFC3339); sizes
                 * stay human there. */
                _cleanup_free_ char *ago =
                        human ? report_human_ago(now - sec) : time_format_rfc3339(sec, 0);
                json_object_set_string(row, "Created", ago);
                json_object_set_string(row, "CreatedSince", ago);
                _cleanup_free_ char *at = go_time_string(sec, nsec);
                json_object_set_string(row, "CreatedAt", at);
                /* podman cuts CREATED BY at 45 characters unless --no-trunc. */
                const char *by = json_object_get_string(it, "CreatedBy");
                _cleanup_free_ char *cut =
                        !no_trunc && strlen(by) > 45 ? xasprintf("%.42s...", by) : xstrdup(by);
                json_object_set_string(row, "CreatedBy", cut);
                _cleanup_free_ char *size = report_human_size(json_object_get_int(it, "size", 0));
                json_object_set_string(row, "Size", size);
                const char *comment = json_object_get_string(it, "comment");
                json_object_set_string(row, "Comment", comment ? comment : "");
                json_object_set(row, "Tags", json_new_array());
                json_array_append(rows, row);
        }
        return rows;
}
