/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record files (layers.json, images.json, containers.json,
 * mountpoints.json): a JSON array read and written under its lock file,
 * following containers/storage's protocol (STORAGE-FORMAT §6): take the
 * write lock, reload only when the last-writer token (or, for layers.json,
 * the file itself) changed, modify, write atomically, renew the token,
 * unlock. Records stay JSON objects so keys berth does not know survive.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "store-private.h"

/* Records files are small; this only bounds a hostile one. */
#define RECORDS_MAX_SIZE ((size_t)256 << 20)

int records_init(struct records *r, const char *path, const char *lock_path, bool check_mtime,
                 struct err *e)
{
        memset(r, 0, sizeof(*r));
        int ret = lockfile_open(lock_path, false, &r->lock, e);
        if (ret < 0)
                return ret;
        r->path = xstrdup(path);
        r->check_mtime = check_mtime;
        return 0;
}

void records_done(struct records *r)
{
        lockfile_free(r->lock);
        json_free(r->arr);
        free(r->path);
        memset(r, 0, sizeof(*r));
}

static bool same_file_state(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
               a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static bool blank(const char *buf, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (!strchr(" \t\r\n", buf[i]))
                        return false;
        return true;
}

static int records_load(struct records *r, struct err *e)
{
        json_free(r->arr);
        r->arr = NULL;
        r->dirty = false;
        r->have_st = false;

        _cleanup_free_ char *buf = NULL;
        size_t len;
        struct err re = {0};
        int ret = fs_read_file(AT_FDCWD, r->path, RECORDS_MAX_SIZE, &buf, &len, &re);
        if (ret == -ENOENT) {
                err_done(&re);
                /* Not written yet: containers/storage creates it on first save. */
                r->arr = json_new_array();
                return 0;
        }
        if (ret < 0)
                return err_move(e, &re);
        /* The lock keeps protocol-following writers out, so this stat
         * describes the bytes just read. */
        struct stat st;
        if (stat(r->path, &st) < 0)
                return err_errno(e, "stat '%s'", r->path);
        if (blank(buf, len)) {
                /* containers/storage accepts an empty file as an empty list. */
                r->arr = json_new_array();
        } else {
                struct json *j = NULL;
                struct err pe = {0};
                if (json_parse(buf, len, &j, &pe) < 0) {
                        /* podman would read this as an empty list and its next
                         * save would lose every record (trap T1): refuse. */
                        err_set(e, EBADMSG,
                                "'%s' is corrupt (%s); refusing to use or overwrite it, repair "
                                "or remove it by hand",
                                r->path, pe.msg ? pe.msg : "parse error");
                        err_done(&pe);
                        return -EBADMSG;
                }
                if (j->type == JSON_NULL) {
                        json_free(j);
                        j = json_new_array();
                }
                if (j->type != JSON_ARRAY) {
                        json_free(j);
                        return err_set(e, EBADMSG,
                                       "'%s' is corrupt (not a JSON array); refusing to use or "
                                       "overwrite it",
                                       r->path);
                }
                for (size_t i = 0; i < j->arr.len; i++) {
                        if (j->arr.items[i]->type != JSON_OBJECT ||
                            !json_object_get_string(j->arr.items[i], "id")) {
                                json_free(j);
                                return err_set(e, EBADMSG,
                                               "'%s' is corrupt (element %zu is not a record "
                                               "with an id); refusing to use or overwrite it",
                                               r->path, i);
                        }
                }
                r->arr = j;
        }
        r->st = st;
        r->have_st = true;
        return 0;
}

static int records_refresh(struct records *r, struct err *e)
{
        bool modified = false;
        int ret = lockfile_modified(r->lock, &modified, e);
        if (ret < 0)
                return ret;
        if (!modified && r->arr && r->check_mtime) {
                /* podman also reloads layers.json when only its mtime moved
                 * (layerspathModified); a writer that forgot the token is
                 * still noticed. */
                struct stat st;
                if (stat(r->path, &st) < 0)
                        modified = errno != ENOENT || r->have_st;
                else
                        modified = !r->have_st || !same_file_state(&st, &r->st);
        }
        if (modified || !r->arr)
                return records_load(r, e);
        return 0;
}

static int records_take(struct records *r, bool write, struct err *e)
{
        int ret = write ? lockfile_lock(r->lock, e) : lockfile_rlock(r->lock, e);
        if (ret < 0)
                return ret;
        ret = records_refresh(r, e);
        if (ret < 0) {
                (void)lockfile_unlock(r->lock, NULL);
                return ret;
        }
        r->dirty = false;
        return 0;
}

int records_lock(struct records *r, struct err *e)
{
        return records_take(r, true, e);
}

int records_rlock(struct records *r, struct err *e)
{
        return records_take(r, false, e);
}

int records_save(struct records *r, struct err *e)
{
        /* Go's encoder: compact, HTML characters escaped, no newline. */
        _cleanup_free_ char *text = json_generate(r->arr, JSON_GEN_ESCAPE_HTML);
        int ret = r->volatile_state
                          ? fs_write_atomic_volatile(AT_FDCWD, r->path, text, strlen(text), 0600, e)
                  : r->relaxed ? fs_write_atomic_intact(AT_FDCWD, r->path, text, strlen(text), 0600, e)
                               : fs_write_atomic(AT_FDCWD, r->path, text, strlen(text), 0600, e);
        r->relaxed = false;
        if (ret < 0)
                return ret;
        struct stat st;
        r->have_st = stat(r->path, &st) == 0;
        if (r->have_st)
                r->st = st;
        ret = lockfile_touch(r->lock, e);
        if (ret < 0)
                return ret;
        r->dirty = false;
        return 0;
}

int records_unlock(struct records *r, struct err *e)
{
        int ret = 0;
        if (!r->dirty)
                r->relaxed = false;
        if (r->dirty) {
                ret = records_save(r, e);
                if (ret < 0) {
                        /* What is on disk is the truth; reload it next time. */
                        json_free(r->arr);
                        r->arr = NULL;
                        r->dirty = false;
                }
        }
        int u = lockfile_unlock(r->lock, ret < 0 ? NULL : e);
        return ret < 0 ? ret : u;
}

void records_abort(struct records *r)
{
        if (r->dirty) {
                json_free(r->arr);
                r->arr = NULL;
                r->dirty = false;
        }
        (void)lockfile_unlock(r->lock, NULL);
}

/* ---------------------------------------------------------------- lookups */

ssize_t records_find(const struct json *arr, const char *id)
{
        if (!arr || !id)
                return -1;
        for (size_t i = 0; i < arr->arr.len; i++) {
                const char *rid = json_object_get_string(arr->arr.items[i], "id");
                if (rid && STREQ(rid, id))
                        return (ssize_t)i;
        }
        return -1;
}

ssize_t records_lookup(const struct json *arr, const char *ref)
{
        if (!ref || !*ref)
                return -ENOENT;
        ssize_t i = records_find(arr, ref);
        if (i >= 0)
                return i;
        for (size_t k = 0; k < arr->arr.len; k++)
                if (record_strv_has(arr->arr.items[k], "names", ref))
                        return (ssize_t)k;
        /* A unique prefix of an ID, as containers/storage's truncindex. */
        ssize_t found = -ENOENT;
        size_t n = strlen(ref);
        for (size_t k = 0; k < arr->arr.len; k++) {
                const char *rid = json_object_get_string(arr->arr.items[k], "id");
                if (rid && strncmp(rid, ref, n) == 0) {
                        if (found >= 0)
                                return -EINVAL;
                        found = (ssize_t)k;
                }
        }
        return found;
}

void records_remove_at(struct json *arr, size_t i)
{
        json_free(arr->arr.items[i]);
        memmove(&arr->arr.items[i], &arr->arr.items[i + 1],
                (arr->arr.len - i - 1) * sizeof(arr->arr.items[0]));
        arr->arr.len--;
}

void record_order_keys(struct json *obj, const char *const *order)
{
        size_t n = obj->obj.len;
        if (n < 2)
                return;
        _cleanup_free_ char **keys = xcalloc(n, sizeof(*keys));
        _cleanup_free_ struct json **vals = xcalloc(n, sizeof(*vals));
        _cleanup_free_ bool *used = xcalloc(n, sizeof(*used));
        size_t o = 0;
        for (const char *const *k = order; *k; k++) {
                for (size_t i = 0; i < n; i++) {
                        if (!used[i] && STREQ(obj->obj.keys[i], *k)) {
                                keys[o] = obj->obj.keys[i];
                                vals[o++] = obj->obj.vals[i];
                                used[i] = true;
                                break;
                        }
                }
        }
        for (size_t i = 0; i < n; i++) {
                if (!used[i]) {
                        keys[o] = obj->obj.keys[i];
                        vals[o++] = obj->obj.vals[i];
                }
        }
        memcpy(obj->obj.keys, keys, n * sizeof(*keys));
        memcpy(obj->obj.vals, vals, n * sizeof(*vals));
}

char **record_strv(const struct json *obj, const char *key)
{
        const struct json *a = json_object_get(obj, key);
        char **v = NULL;
        if (!a || a->type != JSON_ARRAY)
                return NULL;
        for (size_t i = 0; i < a->arr.len; i++)
                if (a->arr.items[i]->type == JSON_STRING)
                        strv_add(&v, a->arr.items[i]->str.s);
        return v;
}

void record_set_strv(struct json *obj, const char *key, char *const *v)
{
        if (!v || !*v) {
                json_object_remove(obj, key);
                return;
        }
        json_object_set(obj, key, json_new_strv(v));
}

bool record_strv_has(const struct json *obj, const char *key, const char *name)
{
        const struct json *a = json_object_get(obj, key);
        if (!a || a->type != JSON_ARRAY)
                return false;
        for (size_t i = 0; i < a->arr.len; i++)
                if (a->arr.items[i]->type == JSON_STRING && STREQ(a->arr.items[i]->str.s, name))
                        return true;
        return false;
}

void record_strv_add(struct json *obj, const char *key, const char *name)
{
        if (record_strv_has(obj, key, name))
                return;
        struct json *a = json_object_get(obj, key);
        if (!a || a->type != JSON_ARRAY) {
                a = json_new_array();
                json_object_set(obj, key, a);
        }
        json_array_append(a, json_new_string(name));
}

bool record_strv_remove(struct json *obj, const char *key, const char *name)
{
        struct json *a = json_object_get(obj, key);
        bool removed = false;
        if (!a || a->type != JSON_ARRAY)
                return false;
        for (size_t i = a->arr.len; i-- > 0;) {
                if (a->arr.items[i]->type == JSON_STRING && STREQ(a->arr.items[i]->str.s, name)) {
                        records_remove_at(a, i);
                        removed = true;
                }
        }
        if (a->arr.len == 0)
                json_object_remove(obj, key);
        return removed;
}
