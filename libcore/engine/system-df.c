/* SPDX-License-Identifier: Apache-2.0 */
/* berth system df: disk use of images, containers and volumes, podman's
 * table, with layers that several images share counted once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctr-internal.h"
#include "engine.h"
#include "storage.h"

const char engine_df_table[] =
        "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
const char engine_df_images_table[] =
        "table {{.Repository}}\t{{.Tag}}\t{{.ImageID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}"
        "\t{{.UniqueSize}}\t{{.Containers}}";
const char engine_df_containers_table[] =
        "table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}"
        "\t{{.Created}}\t{{.Status}}\t{{.Names}}";
const char engine_df_volumes_table[] = "table {{.VolumeName}}\t{{.Links}}\t{{.Size}}";

struct json *engine_df_headers(void)
{
        struct json *h = json_new_object();
        json_object_set_string(h, "ImageID", "IMAGE ID");
        json_object_set_string(h, "ContainerID", "CONTAINER ID");
        json_object_set_string(h, "LocalVolumes", "LOCAL VOLUMES");
        json_object_set_string(h, "SharedSize", "SHARED SIZE");
        json_object_set_string(h, "UniqueSize", "UNIQUE SIZE");
        json_object_set_string(h, "VolumeName", "VOLUME NAME");
        return h;
}

/* go-units' HumanSize, which `system df` prints: 4 significant digits, no
 * space ("6.415MB", "0B"). */
static char *df_size(int64_t bytes)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double v = (double)bytes;
        size_t u = 0;
        while (v >= 1000.0 && u + 1 < ARRAY_SIZE(units)) {
                v /= 1000.0;
                u++;
        }
        return xasprintf("%.4g%s", v, units[u]);
}

static struct json *summary_row(const char *type, int64_t total, int64_t active, int64_t size,
                                int64_t reclaimable)
{
        struct json *row = json_new_object();
        json_object_set_string(row, "Type", type);
        json_object_set_int(row, "Total", total);
        json_object_set_int(row, "Active", active);
        json_object_set_int(row, "RawSize", size);
        json_object_set_int(row, "RawReclaimable", reclaimable);
        json_object_set_int(row, "TotalCount", total);
        _cleanup_free_ char *hs = df_size(size);
        json_object_set_string(row, "Size", hs);
        int percent = size > 0 ? (int)((double)reclaimable * 100.0 / (double)size + 0.5) : 0;
        _cleanup_free_ char *hr = df_size(reclaimable);
        _cleanup_free_ char *rs = xasprintf("%s (%d%%)", hr, percent);
        json_object_set_string(row, "Reclaimable", rs);
        return row;
}

static ssize_t index_of(const struct json *arr, const char *id)
{
        for (size_t i = 0; id && i < arr->arr.len; i++) {
                const char *rid = json_object_get_string(arr->arr.items[i], "id");
                if (rid && STREQ(rid, id))
                        return (ssize_t)i;
        }
        return -1;
}

static int64_t big_data_size(const struct json *img)
{
        int64_t size = 0;
        const struct json *sizes = json_object_get(img, "big-data-sizes");
        for (size_t i = 0; sizes && sizes->type == JSON_OBJECT && i < sizes->obj.len; i++)
                if (sizes->obj.vals[i]->type == JSON_INT)
                        size += sizes->obj.vals[i]->i;
        return size;
}

/* Count (and mark) every layer of an image's chain. */
static void chain_mark(const struct json *layers, const struct json *img, int *counts, bool *mark)
{
        const char *id = json_object_get_string(img, "layer");
        for (size_t guard = 0; id && guard < 1024; guard++) {
                ssize_t k = index_of(layers, id);
                if (k < 0)
                        break;
                if (counts)
                        counts[k]++;
                if (mark)
                        mark[k] = true;
                id = json_object_get_string(layers->arr.items[k], "parent");
        }
}

static size_t users_of(const struct json *containers, const char *id)
{
        size_t n = 0;
        for (size_t i = 0; i < containers->arr.len; i++) {
                const char *img = json_object_get_string(containers->arr.items[i], "image");
                if (img && STREQ(img, id))
                        n++;
        }
        return n;
}

static char *repo_and_tag(const char *name, char **ret_tag)
{
        const char *slash = strrchr(name, '/');
        const char *at = strchr(name, '@');
        const char *colon = strrchr(name, ':');
        if (at) {
                *ret_tag = xstrdup("<none>");
                return xstrndup(name, (size_t)(at - name));
        }
        if (colon && (!slash || colon > slash)) {
                *ret_tag = xstrdup(colon + 1);
                return xstrndup(name, (size_t)(colon - name));
        }
        *ret_tag = xstrdup("<none>");
        return xstrdup(name);
}

static char *human_duration(int64_t seconds)
{
        char *ago = report_human_ago(seconds);
        size_t n = strlen(ago);
        if (n > 4 && STREQ(ago + n - 4, " ago"))
                ago[n - 4] = '\0';
        return ago;
}

static int64_t created_of(const struct json *rec)
{
        int64_t sec = 0;
        const char *c = json_object_get_string(rec, "created");
        if (c)
                (void)time_parse_rfc3339(c, &sec, NULL);
        return sec;
}

/* Bytes in regular files under dirfd/name, not following links (podman's
 * SizeOfPath counts file sizes the same way); bounded depth. */
static int64_t tree_size(int parent, const char *name, unsigned depth)
{
        int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return 0;
        }
        int64_t total = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (STREQ(de->d_name, ".") || STREQ(de->d_name, ".."))
                        continue;
                struct stat st;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISREG(st.st_mode))
                        total += st.st_size;
                else if (S_ISDIR(st.st_mode) && depth < 256)
                        total += tree_size(fd, de->d_name, depth + 1);
        }
        closedir(d);
        return total;
}

/* How many of berth's containers name each volume (berth.json). */
static struct json *volume_links(struct store *s)
{
        struct json *links = json_new_object();
        struct ctr **all = NULL;
        size_t n = 0;
        if (ctr_list_all(s, &all, &n, NULL) < 0)
                return links;
        for (size_t i = 0; i < n; i++) {
                const struct json *vols = json_object_get(all[i]->berth, "named_volumes");
                for (size_t k = 0; vols && vols->type == JSON_ARRAY && k < vols->arr.len; k++) {
                        const char *name = json_object_get_string(vols->arr.items[k], "name");
                        if (!name || json_object_get_string(vols->arr.items[k], "kind"))
                                continue;
                        json_object_set_int(links, name, json_object_get_int(links, name, 0) + 1);
                }
        }
        ctr_list_free(all, n);
        return links;
}

static char *join_command(const struct json *cmd)
{
        struct sbuf b = {0};
        for (size_t i = 0; cmd && cmd->type == JSON_ARRAY && i < cmd->arr.len; i++)
                if (cmd->arr.items[i]->type == JSON_STRING)
                        sbuf_printf(&b, "%s%s", b.len ? " " : "", cmd->arr.items[i]->str.s);
        return b.len ? sbuf_steal(&b) : (sbuf_done(&b), xstrdup(""));
}

/* berth's containers: their read-write layers, running ones active. */
static int df_containers(struct store *s, int64_t now, struct json **ret_rows,
                         struct json **ret_summary, struct err *e)
{
        struct ps_opts po = {.all = true, .size = true};
        _cleanup_json_ struct json *items = NULL;
        int r = engine_containers_list(s, &po, &items, e);
        if (r < 0)
                return r;
        _cleanup_json_ struct json *links = json_new_object();
        struct ctr **all = NULL;
        size_t n = 0;
        if (ctr_list_all(s, &all, &n, NULL) == 0) {
                for (size_t i = 0; i < n; i++) {
                        const struct json *vols = json_object_get(all[i]->berth, "named_volumes");
                        int64_t count = 0;
                        for (size_t k = 0; vols && vols->type == JSON_ARRAY && k < vols->arr.len;
                             k++)
                                count += json_object_get_string(vols->arr.items[k], "name") &&
                                         !json_object_get_string(vols->arr.items[k], "kind");
                        json_object_set_int(links, all[i]->id, count);
                }
                ctr_list_free(all, n);
        }
        struct json *rows = json_new_array();
        int64_t total = 0, active = 0, size = 0, reclaimable = 0;
        for (size_t i = 0; i < items->arr.len; i++) {
                const struct json *it = items->arr.items[i];
                const char *id = json_object_get_string(it, "Id");
                const char *state = json_object_get_string(it, "State");
                int64_t rw = json_object_get_int(json_object_get(it, "Size"), "RwSize", 0);
                bool running = state && (STREQ(state, "running") || STREQ(state, "paused"));
                total++;
                size += rw;
                if (running)
                        active++;
                else
                        reclaimable += rw;
                struct json *row = json_new_object();
                _cleanup_free_ char *cshort = xstrndup(id ? id : "", 12);
                json_object_set_string(row, "ContainerID", cshort);
                json_object_set_string(row, "Id", id ? id : "");
                const char *iid = json_object_get_string(it, "ImageID");
                _cleanup_free_ char *ishort = xstrndup(iid ? iid : "", 12);
                json_object_set_string(row, "Image", ishort);
                json_object_set(row, "Command",
                                json_new_string_take(join_command(json_object_get(it, "Command"))));
                json_object_set_int(row, "LocalVolumes",
                                    json_object_get_int(links, id ? id : "", 0));
                json_object_set(row, "Size", json_new_string_take(df_size(rw)));
                json_object_set_int(row, "RawSize", rw);
                int64_t created = json_object_get_int(it, "Created", now);
                json_object_set(
                        row, "Created",
                        json_new_string_take(human_duration(now > created ? now - created : 0)));
                json_object_set_string(row, "Status", state ? state : "");
                const struct json *names = json_object_get(it, "Names");
                json_object_set_string(row, "Names",
                                       names && names->type == JSON_ARRAY && names->arr.len &&
                                                       names->arr.items[0]->type == JSON_STRING
                                               ? names->arr.items[0]->str.s
                                               : "");
                json_array_append(rows, row);
        }
        /* podman lists them in ID order (its database's key order). */
        for (size_t i = 1; i < rows->arr.len; i++)
                for (size_t j = i;
                     j > 0 && strcmp(json_object_get_string(rows->arr.items[j - 1], "Id"),
                                     json_object_get_string(rows->arr.items[j], "Id")) > 0;
                     j--) {
                        struct json *t = rows->arr.items[j];
                        rows->arr.items[j] = rows->arr.items[j - 1];
                        rows->arr.items[j - 1] = t;
                }
        for (size_t i = 0; i < rows->arr.len; i++)
                json_object_remove(rows->arr.items[i], "Id");
        *ret_rows = rows;
        *ret_summary = summary_row("Containers", total, active, size, reclaimable);
        return 0;
}

/* berth's volumes: the size of their content; links are the containers
 * that use them. Active is the sum of the links, as podman 4.3 counts it. */
static int df_volumes(struct store *s, struct json **ret_rows, struct json **ret_summary,
                      struct err *e)
{
        _cleanup_json_ struct json *vols = NULL;
        int r = engine_volumes_list(s, NULL, &vols, e);
        if (r < 0)
                return r;
        _cleanup_json_ struct json *links = volume_links(s);
        struct json *rows = json_new_array();
        int64_t active = 0, size = 0, reclaimable = 0;
        for (size_t i = 0; i < vols->arr.len; i++) {
                const struct json *v = vols->arr.items[i];
                const char *name = json_object_get_string(v, "Name");
                const char *mp = json_object_get_string(v, "Mountpoint");
                int64_t sz = mp ? tree_size(AT_FDCWD, mp, 0) : 0;
                int64_t nl = json_object_get_int(links, name ? name : "", 0);
                active += nl;
                size += sz;
                if (!nl)
                        reclaimable += sz;
                struct json *row = json_new_object();
                json_object_set_string(row, "VolumeName", name ? name : "");
                json_object_set_int(row, "Links", nl);
                json_object_set(row, "Size", json_new_string_take(df_size(sz)));
                json_object_set_int(row, "RawSize", sz);
                json_array_append(rows, row);
        }
        *ret_rows = rows;
        *ret_summary =
                summary_row("Local Volumes", (int64_t)vols->arr.len, active, size, reclaimable);
        return 0;
}

int engine_system_df(struct store *s, struct json **ret, struct err *e)
{
        _cleanup_json_ struct json *images = NULL, *layers = NULL, *containers = NULL;
        int r;
        if ((r = store_images(s, &images, e)) < 0 || (r = store_layers(s, &layers, e)) < 0 ||
            (r = store_containers(s, &containers, e)) < 0)
                return r;
        size_t nl = layers->arr.len;
        _cleanup_free_ int *counts = xcalloc(nl + 1, sizeof(*counts));
        _cleanup_free_ bool *active_layers = xcalloc(nl + 1, sizeof(*active_layers));
        int64_t total = 0, active_size = 0, active = 0;
        for (size_t i = 0; i < images->arr.len; i++) {
                const struct json *img = images->arr.items[i];
                bool used = users_of(containers, json_object_get_string(img, "id")) > 0;
                chain_mark(layers, img, counts, used ? active_layers : NULL);
                total += big_data_size(img);
                if (used) {
                        active++;
                        active_size += big_data_size(img);
                }
        }
        for (size_t k = 0; k < nl; k++) {
                int64_t ds = json_object_get_int(layers->arr.items[k], "diff-size", 0);
                if (counts[k])
                        total += ds;
                if (active_layers[k])
                        active_size += ds;
        }

        int64_t now;
        time_now(&now, NULL);
        struct json *image_rows = json_new_array();
        _cleanup_free_ bool *mine = xcalloc(nl + 1, sizeof(*mine));
        for (size_t i = 0; i < images->arr.len; i++) {
                const struct json *img = images->arr.items[i];
                const char *id = json_object_get_string(img, "id");
                memset(mine, 0, (nl + 1) * sizeof(*mine));
                chain_mark(layers, img, NULL, mine);
                int64_t size = big_data_size(img), shared = 0;
                for (size_t k = 0; k < nl; k++) {
                        if (!mine[k])
                                continue;
                        int64_t ds = json_object_get_int(layers->arr.items[k], "diff-size", 0);
                        size += ds;
                        if (counts[k] > 1)
                                shared += ds;
                }
                struct json *row = json_new_object();
                const struct json *names = json_object_get(img, "names");
                const char *first = names && names->type == JSON_ARRAY && names->arr.len &&
                                                    names->arr.items[0]->type == JSON_STRING
                                            ? names->arr.items[0]->str.s
                                            : NULL;
                _cleanup_free_ char *tag = NULL;
                _cleanup_free_ char *repo = first ? repo_and_tag(first, &tag) : NULL;
                json_object_set_string(row, "Repository", repo ? repo : "<none>");
                json_object_set_string(row, "Tag", tag ? tag : "<none>");
                _cleanup_free_ char *shortid = xstrndup(id ? id : "", 12);
                json_object_set_string(row, "ImageID", shortid);
                _cleanup_free_ char *since = human_duration(now - created_of(img));
                json_object_set_string(row, "Created", since);
                _cleanup_free_ char *hs = df_size(size), *hsh = df_size(shared),
                                    *hu = df_size(size - shared);
                json_object_set_string(row, "Size", hs);
                json_object_set_string(row, "SharedSize", hsh);
                json_object_set_string(row, "UniqueSize", hu);
                json_object_set_int(row, "Containers", (int64_t)users_of(containers, id));
                json_object_set_int(row, "RawSize", size);
                json_object_set_int(row, "RawSharedSize", shared);
                json_array_append(image_rows, row);
        }

        struct json *ctr_rows = NULL, *vol_rows = NULL, *csum = NULL, *vsum = NULL;
        if ((r = df_containers(s, now, &ctr_rows, &csum, e)) < 0)
                return r;
        if ((r = df_volumes(s, &vol_rows, &vsum, e)) < 0) {
                json_free(ctr_rows);
                json_free(csum);
                return r;
        }

        struct json *summary = json_new_array();
        json_array_append(summary, summary_row("Images", (int64_t)images->arr.len, active, total,
                                               total - active_size));
        json_array_append(summary, csum);
        json_array_append(summary, vsum);

        struct json *out = json_new_object();
        json_object_set(out, "Summary", summary);
        json_object_set(out, "Images", image_rows);
        json_object_set(out, "Containers", ctr_rows);
        json_object_set(out, "Volumes", vol_rows);
        *ret = out;
        return 0;
}
