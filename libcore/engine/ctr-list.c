/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ps: berth's containers as podman's `ps --format json` lists them, with
 * podman's filters, and the rows its templates and default table use.
 * --external adds other tools' storage containers (status "Storage").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctr-internal.h"
#include "storage.h"

const char engine_ps_table[] = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t"
                               "{{.Status}}\t{{.Ports}}\t{{.Names}}";

struct json *engine_ps_headers(void)
{
        struct json *h = json_new_object();
        json_object_set_string(h, "ID", "CONTAINER ID");
        json_object_set_string(h, "CreatedHuman", "CREATED");
        json_object_set_string(h, "RunningFor", "CREATED");
        json_object_set_string(h, "CreatedAt", "CREATED AT");
        return h;
}

#define GO_ZERO_UNIX (-62135596800LL)

static int64_t unix_of(const char *rfc3339)
{
        int64_t sec;
        int32_t nsec;
        if (!rfc3339 || time_parse_rfc3339(rfc3339, &sec, &nsec) < 0)
                return GO_ZERO_UNIX;
        return sec;
}

/* Allocates: Go's time.Time String() for a UTC time. */
static char *go_time(int64_t sec)
{
        int32_t nsec = 0;
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        char b[64];
        strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
        if (nsec)
                return xasprintf("%s.%09d +0000 UTC", b, nsec);
        return xasprintf("%s +0000 UTC", b);
}

/* Bytes in regular files under dirfd/name, not following links; bounded depth. */
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

static int64_t dir_size(const char *dir)
{
        return tree_size(AT_FDCWD, dir, 0);
}

/* The container's read-write layer size and that plus its image's. */
static struct json *size_json(struct store *s, const struct json *rec, const struct json *images)
{
        const char *layer = json_object_get_string(rec, "layer");
        _cleanup_free_ char *dir =
                STREQ(store_driver(s), "vfs")
                        ? xasprintf("%s/vfs/dir/%s", store_graphroot(s), layer ? layer : "-")
                        : xasprintf("%s/overlay/%s/diff", store_graphroot(s), layer ? layer : "-");
        int64_t rw = dir_size(dir);
        int64_t img = 0;
        const char *iid = json_object_get_string(rec, "image");
        for (size_t i = 0; images && iid && i < images->arr.len; i++) {
                const char *id = json_object_get_string(images->arr.items[i], "Id");
                if (id && STREQ(id, iid))
                        img = json_object_get_int(images->arr.items[i], "Size", 0);
        }
        struct json *j = json_new_object();
        json_object_set_int(j, "RwSize", rw);
        json_object_set_int(j, "RootFsSize", rw + img);
        return j;
}

/* Allocates: the command a container runs (config.json process.args; berth.json
 * keeps a copy, absent in containers made before it did). */
static struct json *command_of(const struct ctr *c)
{
        const struct json *cmd = json_object_get(c->berth, "command");
        if (cmd && cmd->type == JSON_ARRAY)
                return json_copy(cmd);
        _cleanup_free_ char *p = ctr_gpath(c, "config.json");
        _cleanup_json_ struct json *spec = NULL;
        if (json_parse_file(AT_FDCWD, p, 64u << 20, &spec, NULL) == 0) {
                const struct json *a = json_get_path(spec, "process.args");
                if (a && a->type == JSON_ARRAY)
                        return json_copy(a);
        }
        return json_new_array();
}

static struct json *item_of(struct store *s, const struct ctr *c, const struct ctr_state *st,
                            bool want_size, const struct json *images)
{
        struct json *it = json_new_object();
        json_object_append(it, "AutoRemove", json_new_bool(ctr_cfg_bool(c, "remove")));
        json_object_append(it, "Command", command_of(c));
        const char *created = json_object_get_string(c->rec, "created");
        int64_t cs = unix_of(created), now;
        int32_t nn;
        time_now(&now, &nn);
        json_object_append(it, "CreatedAt",
                           json_new_string_take(report_human_ago(now > cs ? now - cs : 0)));
        json_object_append(it, "Exited", json_new_bool(st->status == CTR_EXITED));
        json_object_append(it, "ExitedAt", json_new_int(unix_of(st->finished_at)));
        json_object_append(it, "ExitCode",
                           json_new_int(st->status == CTR_EXITED ? st->exit_code : 0));
        json_object_append(it, "Id", json_new_string(c->id));
        const char *iname = ctr_cfg_string(c, "image_name");
        json_object_append(it, "Image", json_new_string(iname ? iname : ""));
        const char *iid = json_object_get_string(c->rec, "image");
        json_object_append(it, "ImageID", json_new_string(iid ? iid : ""));
        json_object_append(it, "IsInfra", json_new_bool(false));
        const struct json *labels = json_object_get(c->berth, "labels");
        json_object_append(it, "Labels",
                           labels && labels->type == JSON_OBJECT && labels->obj.len
                                   ? json_copy(labels)
                                   : json_new_null());
        struct json *mounts = json_new_array();
        const struct json *m = json_object_get(c->berth, "mounts");
        for (size_t i = 0; m && m->type == JSON_ARRAY && i < m->arr.len; i++) {
                const char *d = json_object_get_string(m->arr.items[i], "Destination");
                if (d)
                        json_array_append(mounts, json_new_string(d));
        }
        json_object_append(it, "Mounts", mounts);
        char *names[] = {c->name, NULL};
        json_object_append(it, "Names", json_new_strv(names));
        json_object_append(it, "Namespaces", json_new_object());
        json_object_append(it, "Networks", json_new_array());
        json_object_append(it, "Pid", json_new_int(st->pid));
        json_object_append(it, "Pod", json_new_string(""));
        json_object_append(it, "PodName", json_new_string(""));
        json_object_append(it, "Ports", json_new_null());
        json_object_append(it, "Size", want_size ? size_json(s, c->rec, images) : json_new_null());
        json_object_append(it, "StartedAt", json_new_int(unix_of(st->started_at)));
        json_object_append(it, "State", json_new_string(ctr_status_to_string(st->status)));
        json_object_append(it, "Status", json_new_string_take(ctr_status_text(st)));
        json_object_append(it, "Created", json_new_int(cs));
        return it;
}

/* A storage container of another tool, as podman lists external ones. */
static struct json *external_item(struct store *s, const struct json *rec,
                                  const struct json *images, bool want_size)
{
        struct json *it = json_new_object();
        json_object_set_bool(it, "AutoRemove", false);
        struct json *cmd = json_new_array();
        json_array_append(cmd, json_new_string(ctr_record_owner(s, rec)));
        json_object_set(it, "Command", cmd);
        const char *created = json_object_get_string(rec, "created");
        int64_t cs = unix_of(created), now;
        int32_t nn;
        time_now(&now, &nn);
        json_object_set(it, "CreatedAt",
                        json_new_string_take(report_human_ago(now > cs ? now - cs : 0)));
        json_object_set_bool(it, "Exited", false);
        json_object_set_int(it, "ExitedAt", GO_ZERO_UNIX);
        json_object_set_int(it, "ExitCode", 0);
        json_object_set_string(it, "Id", json_object_get_string(rec, "id"));
        const char *iid = json_object_get_string(rec, "image");
        const char *iname = "";
        for (size_t i = 0; images && iid && i < images->arr.len; i++) {
                const char *id = json_object_get_string(images->arr.items[i], "Id");
                const struct json *n = json_object_get(images->arr.items[i], "Names");
                if (id && STREQ(id, iid) && n && n->type == JSON_ARRAY && n->arr.len &&
                    n->arr.items[0]->type == JSON_STRING)
                        iname = n->arr.items[0]->str.s;
        }
        json_object_set_string(it, "Image", *iname ? iname : iid ? iid : "");
        json_object_set_string(it, "ImageID", iid ? iid : "");
        json_object_set_bool(it, "IsInfra", false);
        json_object_set(it, "Labels", json_new_null());
        json_object_set(it, "Mounts", json_new_array());
        json_object_set(it, "Names", json_copy(json_object_get(rec, "names")));
        json_object_set(it, "Namespaces", json_new_object());
        json_object_set(it, "Networks", json_new_array());
        json_object_set_int(it, "Pid", 0);
        json_object_set_string(it, "Pod", "");
        json_object_set_string(it, "PodName", "");
        json_object_set(it, "Ports", json_new_null());
        json_object_set(it, "Size", want_size ? size_json(s, rec, images) : json_new_null());
        json_object_set_int(it, "StartedAt", GO_ZERO_UNIX);
        json_object_set_string(it, "State", "storage");
        json_object_set_string(it, "Status", "Storage");
        json_object_set_int(it, "Created", cs);
        return it;
}

static bool match_regex(const char *re, const char *s)
{
        regex_t r;
        if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
                return strstr(s, re) != NULL;
        bool m = regexec(&r, s, 0, NULL, 0) == 0;
        regfree(&r);
        return m;
}

static int filter_check(char *const *filters, struct err *e)
{
        static const char *const keys[] = {"id", "name", "status", "label", "ancestor", "exited"};
        for (char *const *f = filters; f && *f; f++) {
                const char *eq = strchr(*f, '=');
                bool ok = false;
                for (size_t i = 0; eq && i < ARRAY_SIZE(keys); i++)
                        ok = ok || ((size_t)(eq - *f) == strlen(keys[i]) &&
                                    strncmp(*f, keys[i], strlen(keys[i])) == 0);
                if (!ok)
                        return err_set(e, EINVAL, "invalid filter \"%s\"", *f);
                if (str_has_prefix(*f, "status=")) {
                        static const char *const st[] = {"created",    "running",    "paused",
                                                         "exited",     "stopped",    "unknown",
                                                         "stopping",   "configured", "removing",
                                                         "restarting", "dead"};
                        bool known = false;
                        for (size_t i = 0; i < ARRAY_SIZE(st); i++)
                                known = known || STREQ(eq + 1, st[i]);
                        if (!known)
                                return err_set(e, EINVAL, "unknown container state: %s", eq + 1);
                }
        }
        return 0;
}

/* podman: values of one key are ORed, different keys ANDed. */
static bool item_matches(const struct json *it, const struct json *images, char *const *filters)
{
        static const char *const keys[] = {"id", "name", "status", "label", "ancestor", "exited"};
        for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
                bool seen = false, any = false;
                size_t kl = strlen(keys[k]);
                for (char *const *f = filters; f && *f; f++) {
                        if (strncmp(*f, keys[k], kl) != 0 || (*f)[kl] != '=')
                                continue;
                        seen = true;
                        const char *v = *f + kl + 1;
                        const char *id = json_object_get_string(it, "Id");
                        bool m = false;
                        if (k == 0) {
                                m = id && str_has_prefix(id, v);
                        } else if (k == 1) {
                                const struct json *n = json_object_get(it, "Names");
                                for (size_t i = 0; n && i < n->arr.len && !m; i++)
                                        m = match_regex(v, n->arr.items[i]->str.s);
                        } else if (k == 2) {
                                const char *st = json_object_get_string(it, "State");
                                m = st &&
                                    (STREQ(st, v) || (STREQ(v, "stopped") && STREQ(st, "exited")));
                        } else if (k == 3) {
                                const struct json *l = json_object_get(it, "Labels");
                                const char *eq = strchr(v, '=');
                                _cleanup_free_ char *key =
                                        eq ? xstrndup(v, (size_t)(eq - v)) : xstrdup(v);
                                const char *lv = l && l->type == JSON_OBJECT
                                                         ? json_object_get_string(l, key)
                                                         : NULL;
                                m = lv && (!eq || STREQ(lv, eq + 1));
                        } else if (k == 4) {
                                const char *img = json_object_get_string(it, "Image");
                                const char *iid = json_object_get_string(it, "ImageID");
                                m = (img && (STREQ(img, v) || match_regex(v, img))) ||
                                    (iid && str_has_prefix(iid, v));
                                for (size_t i = 0; !m && images && i < images->arr.len; i++) {
                                        const struct json *im = images->arr.items[i];
                                        const char *imid = json_object_get_string(im, "Id");
                                        const struct json *nn = json_object_get(im, "Names");
                                        if (!imid || !iid || !STREQ(imid, iid))
                                                continue;
                                        for (size_t j = 0; nn && j < nn->arr.len && !m; j++) {
                                                const char *x = nn->arr.items[j]->str.s;
                                                _cleanup_free_ char *lh =
                                                        xasprintf("localhost/%s", v);
                                                _cleanup_free_ char *lt =
                                                        xasprintf("localhost/%s:latest", v);
                                                m = STREQ(x, lh) || STREQ(x, lt);
                                        }
                                }
                        } else {
                                int64_t code;
                                m = json_object_get_bool(it, "Exited", false) &&
                                    str_to_int64(v, &code) == 0 &&
                                    json_object_get_int(it, "ExitCode", -2) == code;
                        }
                        any = any || m;
                }
                if (seen && !any)
                        return false;
        }
        return true;
}

/* Whether a directory holds one of names. */
static bool dir_has_any(int dfd, const char *const *names, size_t n_names)
{
        char buf[4096] __attribute__((aligned(8)));
        ssize_t n;
        while ((n = getdents64(dfd, buf, sizeof(buf))) > 0)
                for (ssize_t off = 0; off < n;) {
                        const struct dirent64 *d = (const struct dirent64 *)(buf + off);
                        for (size_t i = 0; i < n_names; i++)
                                if (STREQ(d->d_name, names[i]))
                                        return true;
                        off += d->d_reclen;
                }
        return n < 0; /* unreadable: let ctr_state_get look */
}

/* ctr_state_get, with a shortcut for a container that never ran: when its
 * run directory holds none of the monitor's files, it is "created". One
 * read of the directory (rfd: store_containers_dirfd's) instead of three
 * failed opens of full paths: a listing of hundreds of containers feels it. */
static int list_state(struct store *s, int rfd, const struct ctr *c, struct ctr_state *ret)
{
        static const char *const files[] = {"exit.json", "started.json", "monitor.pid"};
        _cleanup_free_ char *rel = xasprintf("%s/userdata", c->id);
        _cleanup_close_ int dfd =
                rfd < 0 ? -1 : openat(rfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || dir_has_any(dfd, files, ARRAY_SIZE(files)))
                return ctr_state_get(s, c, ret, NULL);
        *ret = (struct ctr_state){.status = CTR_CONFIGURED, .exit_known = true};
        return 0;
}

int engine_containers_list(struct store *s, const struct ps_opts *o, struct json **ret,
                           struct err *e)
{
        int r = filter_check(o->filter, e);
        if (r < 0)
                return r;
        struct ctr **v = NULL;
        size_t n = 0;
        /* What item_of reads of berth.json; parsing whole files was 40% of
         * listing hundreds of containers. */
        static const char *const keys[] = {"remove", "command", "image_name",
                                           "labels", "mounts",  NULL};
        bool need_images = o->size || o->external;
        for (char *const *f = o->filter; f && *f; f++)
                need_images = need_images || str_has_prefix(*f, "ancestor=");
        /* --external and the image listing read the records again. */
        if ((r = ctr_list_some(s, keys, !need_images, &v, &n, e)) < 0)
                return r;
        _cleanup_json_ struct json *images = NULL;
        if (need_images) {
                struct images_opts io = {.all = true};
                if (engine_images_list(s, &io, &images, NULL) < 0)
                        images = NULL;
        }
        struct json *out = json_new_array();
        _cleanup_close_ int rfd = store_containers_dirfd(s, true);
        for (size_t i = 0; i < n; i++) {
                struct ctr_state st;
                if (list_state(s, rfd, v[i], &st) < 0)
                        continue;
                bool running = st.status == CTR_RUNNING || st.status == CTR_PAUSED;
                struct json *it = item_of(s, v[i], &st, o->size, images);
                ctr_state_done(&st);
                if ((!o->all && !running && !o->latest && o->last <= 0 && !o->filter) ||
                    !item_matches(it, images, o->filter)) {
                        json_free(it);
                        continue;
                }
                json_array_append(out, it);
        }
        ctr_list_free(v, n);
        if (o->external) {
                _cleanup_json_ struct json *recs = NULL;
                if (store_containers(s, &recs, NULL) == 0)
                        for (size_t i = 0; i < recs->arr.len; i++) {
                                if (store_container_is_berth(recs->arr.items[i]))
                                        continue;
                                struct json *it =
                                        external_item(s, recs->arr.items[i], images, o->size);
                                if (!item_matches(it, images, o->filter)) {
                                        json_free(it);
                                        continue;
                                }
                                json_array_append(out, it);
                        }
        }
        /* -l / -n: the most recently created. The list is newest first. */
        int64_t keep = o->latest ? 1 : o->last > 0 ? o->last : -1;
        while (keep >= 0 && (int64_t)out->arr.len > keep) {
                json_free(out->arr.items[out->arr.len - 1]);
                out->arr.len--;
        }
        *ret = out;
        return 0;
}

struct json *engine_ps_rows(const struct json *items, bool no_trunc)
{
        struct json *rows = json_new_array();
        for (size_t i = 0; i < items->arr.len; i++) {
                const struct json *it = items->arr.items[i];
                struct json *row = json_copy(it);
                const char *id = json_object_get_string(it, "Id");
                json_object_set(row, "ID",
                                json_new_string_take(no_trunc ? xstrdup(id ? id : "")
                                                              : xstrndup(id ? id : "", 12)));
                const struct json *cmd = json_object_get(it, "Command");
                _cleanup_strv_ char **argv = NULL;
                for (size_t k = 0; cmd && cmd->type == JSON_ARRAY && k < cmd->arr.len; k++)
                        if (cmd->arr.items[k]->type == JSON_STRING)
                                strv_add(&argv, cmd->arr.items[k]->str.s);
                _cleanup_free_ char *c = argv ? strv_join(argv, " ") : xstrdup("");
                if (!no_trunc && strlen(c) > 17)
                        strcpy(c + 17, "...");
                json_object_set_string(row, "Command", c);
                json_object_set(
                        row, "CreatedAt",
                        json_new_string_take(go_time(json_object_get_int(it, "Created", 0))));
                json_object_set_string(row, "CreatedHuman",
                                       json_object_get_string(it, "CreatedAt"));
                json_object_set_string(row, "RunningFor", json_object_get_string(it, "CreatedAt"));
                const char *iid = json_object_get_string(it, "ImageID");
                json_object_set(row, "ImageID",
                                json_new_string_take(no_trunc ? xstrdup(iid ? iid : "")
                                                              : xstrndup(iid ? iid : "", 12)));
                const struct json *names = json_object_get(it, "Names");
                _cleanup_strv_ char **nv = NULL;
                for (size_t k = 0; names && names->type == JSON_ARRAY && k < names->arr.len; k++)
                        strv_add(&nv, names->arr.items[k]->str.s);
                _cleanup_free_ char *nj = nv ? strv_join(nv, ",") : xstrdup("");
                json_object_set_string(row, "Names", nj);
                json_object_set_string(row, "Ports", "");
                const struct json *sz = json_object_get(it, "Size");
                if (sz && sz->type == JSON_OBJECT) {
                        /* podman prints these sizes without a space: "12B", "1.98MB". */
                        char *rw = report_human_size(json_object_get_int(sz, "RwSize", 0));
                        char *rf = report_human_size(json_object_get_int(sz, "RootFsSize", 0));
                        char *sp;
                        while ((sp = strchr(rw, ' ')))
                                memmove(sp, sp + 1, strlen(sp));
                        while ((sp = strchr(rf, ' ')))
                                memmove(sp, sp + 1, strlen(sp));
                        json_object_set(row, "Size",
                                        json_new_string_take(xasprintf("%s (virtual %s)", rw, rf)));
                        free(rw);
                        free(rf);
                } else {
                        json_object_set_string(row, "Size", "");
                }
                const char *state = json_object_get_string(it, "State");
                json_object_set(
                        row, "State",
                        json_new_string_take(xstrdup(json_object_get_string(it, "Status"))));
                (void)state;
                json_array_append(rows, row);
        }
        return rows;
}
