/* SPDX-License-Identifier: Apache-2.0 */
/* The ordered JSON tree: construction, lookup, comparison and the UTF-8 rule for its strings. */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "json-internal.h"

static struct json *json_alloc(enum json_type t)
{
        struct json *j = xcalloc(1, sizeof(*j));
        j->type = t;
        return j;
}

struct json *json_new_null(void)
{
        return json_alloc(JSON_NULL);
}

struct json *json_new_bool(bool b)
{
        struct json *j = json_alloc(JSON_BOOL);
        j->b = b;
        return j;
}

struct json *json_new_int(int64_t i)
{
        struct json *j = json_alloc(JSON_INT);
        j->i = i;
        return j;
}

struct json *json_new_double(double d)
{
        struct json *j = json_alloc(JSON_DOUBLE);
        j->d = d;
        return j;
}

struct json *json_new_uint(uint64_t u)
{
        if (u <= INT64_MAX)
                return json_new_int((int64_t)u);
        struct json *j = json_new_double((double)u);
        j->is_uint = true;
        j->u = u;
        return j;
}

struct json *json_new_string_len(const char *s, size_t len)
{
        if (!s)
                return json_new_null();
        struct json *j = json_alloc(JSON_STRING);
        j->str.s = xmalloc(len + 1);
        memcpy(j->str.s, s, len);
        j->str.s[len] = '\0';
        j->str.len = len;
        return j;
}

struct json *json_new_string(const char *s)
{
        return json_new_string_len(s, s ? strlen(s) : 0);
}

struct json *json_new_string_take(char *s)
{
        if (!s)
                return json_new_null();
        struct json *j = json_alloc(JSON_STRING);
        j->str.s = s;
        j->str.len = strlen(s);
        return j;
}

struct json *json_new_array(void)
{
        return json_alloc(JSON_ARRAY);
}

struct json *json_new_object(void)
{
        return json_alloc(JSON_OBJECT);
}

struct json *json_new_strv(char *const *v)
{
        struct json *a = json_new_array();
        for (size_t i = 0; v && v[i]; i++)
                json_array_append(a, json_new_string(v[i]));
        return a;
}

char **json_strv(const struct json *a)
{
        char **v = NULL;
        for (size_t i = 0; a && a->type == JSON_ARRAY && i < a->arr.len; i++)
                if (a->arr.items[i]->type == JSON_STRING)
                        strv_add(&v, a->arr.items[i]->str.s);
        return v;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

struct json *json_sorted_copy(const struct json *obj)
{
        struct json *out = json_new_object();
        if (!obj || obj->type != JSON_OBJECT)
                return out;
        size_t n = obj->obj.len;
        char **keys = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++)
                keys[i] = obj->obj.keys[i];
        qsort(keys, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++)
                json_object_set(out, keys[i], json_copy(json_object_get(obj, keys[i])));
        free(keys);
        return out;
}

void json_free(struct json *j)
{
        if (!j)
                return;
        switch (j->type) {
        case JSON_STRING:
                free(j->str.s);
                break;
        case JSON_ARRAY:
                for (size_t i = 0; i < j->arr.len; i++)
                        json_free(j->arr.items[i]);
                free(j->arr.items);
                break;
        case JSON_OBJECT:
                for (size_t i = 0; i < j->obj.len; i++) {
                        free(j->obj.keys[i]);
                        json_free(j->obj.vals[i]);
                }
                free(j->obj.keys);
                free(j->obj.vals);
                break;
        default:
                break;
        }
        free(j);
}

/* Append without looking for an existing key: the parser de-duplicates a
 * whole object at once when it closes. */
void json_object_push(struct json *obj, char *key, struct json *v)
{
        size_t cap = obj->obj.cap;
        xgrow((void **)&obj->obj.keys, &cap, obj->obj.len + 1, sizeof(char *));
        cap = obj->obj.cap;
        xgrow((void **)&obj->obj.vals, &cap, obj->obj.len + 1, sizeof(struct json *));
        obj->obj.cap = cap;
        obj->obj.keys[obj->obj.len] = key;
        obj->obj.vals[obj->obj.len] = v;
        obj->obj.len++;
}

struct json *json_copy(const struct json *j)
{
        if (!j)
                return NULL;
        struct json *c;
        switch (j->type) {
        case JSON_STRING:
                return json_new_string_len(j->str.s, j->str.len);
        case JSON_ARRAY:
                c = json_new_array();
                for (size_t i = 0; i < j->arr.len; i++)
                        json_array_append(c, json_copy(j->arr.items[i]));
                return c;
        case JSON_OBJECT:
                c = json_new_object();
                for (size_t i = 0; i < j->obj.len; i++)
                        json_object_push(c, xstrdup(j->obj.keys[i]), json_copy(j->obj.vals[i]));
                return c;
        default:
                c = json_alloc(j->type);
                *c = *j;
                return c;
        }
}

void json_array_append(struct json *arr, struct json *v)
{
        assert(arr && arr->type == JSON_ARRAY);
        if (!v)
                v = json_new_null();
        if (!arr || arr->type != JSON_ARRAY) {
                json_free(v);
                return;
        }
        xgrow((void **)&arr->arr.items, &arr->arr.cap, arr->arr.len + 1, sizeof(struct json *));
        arr->arr.items[arr->arr.len++] = v;
}

static ssize_t object_find(const struct json *obj, const char *key)
{
        for (size_t i = 0; i < obj->obj.len; i++)
                if (STREQ(obj->obj.keys[i], key))
                        return (ssize_t)i;
        return -1;
}

void json_object_set(struct json *obj, const char *key, struct json *v)
{
        assert(obj && obj->type == JSON_OBJECT && key);
        if (!v)
                v = json_new_null();
        if (!obj || obj->type != JSON_OBJECT || !key) {
                json_free(v);
                return;
        }
        ssize_t i = object_find(obj, key);
        if (i >= 0) {
                json_free(obj->obj.vals[i]);
                obj->obj.vals[i] = v;
                return;
        }
        json_object_push(obj, xstrdup(key), v);
}

void json_object_append(struct json *obj, const char *key, struct json *v)
{
        assert(obj && obj->type == JSON_OBJECT && key);
        json_object_push(obj, xstrdup(key), v ? v : json_new_null());
}

void json_object_set_string(struct json *obj, const char *key, const char *s)
{
        json_object_set(obj, key, json_new_string(s));
}

void json_object_set_int(struct json *obj, const char *key, int64_t i)
{
        json_object_set(obj, key, json_new_int(i));
}

void json_object_set_uint(struct json *obj, const char *key, uint64_t u)
{
        json_object_set(obj, key, json_new_uint(u));
}

void json_object_set_bool(struct json *obj, const char *key, bool b)
{
        json_object_set(obj, key, json_new_bool(b));
}

bool json_object_remove(struct json *obj, const char *key)
{
        if (!obj || obj->type != JSON_OBJECT || !key)
                return false;
        ssize_t i = object_find(obj, key);
        if (i < 0)
                return false;
        free(obj->obj.keys[i]);
        json_free(obj->obj.vals[i]);
        size_t rest = obj->obj.len - (size_t)i - 1;
        memmove(&obj->obj.keys[i], &obj->obj.keys[i + 1], rest * sizeof(char *));
        memmove(&obj->obj.vals[i], &obj->obj.vals[i + 1], rest * sizeof(struct json *));
        obj->obj.len--;
        return true;
}

struct json *json_object_get(const struct json *obj, const char *key)
{
        if (!obj || obj->type != JSON_OBJECT || !key)
                return NULL;
        ssize_t i = object_find(obj, key);
        return i < 0 ? NULL : obj->obj.vals[i];
}

const char *json_object_get_string(const struct json *obj, const char *key)
{
        const struct json *v = json_object_get(obj, key);
        return v && v->type == JSON_STRING ? v->str.s : NULL;
}

int64_t json_object_get_int(const struct json *obj, const char *key, int64_t dflt)
{
        const struct json *v = json_object_get(obj, key);
        return v && v->type == JSON_INT ? v->i : dflt;
}

bool json_object_get_bool(const struct json *obj, const char *key, bool dflt)
{
        const struct json *v = json_object_get(obj, key);
        return v && v->type == JSON_BOOL ? v->b : dflt;
}

bool json_get_uint(const struct json *j, uint64_t *ret)
{
        if (j && j->type == JSON_INT && j->i >= 0) {
                *ret = (uint64_t)j->i;
                return true;
        }
        if (j && j->type == JSON_DOUBLE && j->is_uint) {
                *ret = j->u;
                return true;
        }
        return false;
}

uint64_t json_object_get_uint(const struct json *obj, const char *key, uint64_t dflt)
{
        uint64_t u;
        return json_get_uint(json_object_get(obj, key), &u) ? u : dflt;
}

struct json *json_get_path(const struct json *j, const char *dotted)
{
        if (!j || !dotted)
                return NULL;
        const char *p = dotted;
        while (*p) {
                size_t n = strcspn(p, ".");
                if (j->type != JSON_OBJECT)
                        return NULL;
                const struct json *next = NULL;
                for (size_t i = 0; i < j->obj.len; i++) {
                        const char *k = j->obj.keys[i];
                        if (strncmp(k, p, n) == 0 && k[n] == '\0') {
                                next = j->obj.vals[i];
                                break;
                        }
                }
                if (!next)
                        return NULL;
                j = next;
                p += n;
                if (*p == '.')
                        p++;
        }
        return (struct json *)j;
}

/* JSON has one number type: 3 and 3.0 are the same value. An integer and a
 * double compare as doubles, the way Go and JavaScript read numbers; this also
 * keeps parse(generate(x)) equal to x when a double above 2^53 prints as an
 * integer that reads back as JSON_INT. */
static bool number_equal(const struct json *a, const struct json *b)
{
        if (a->type == JSON_INT && b->type == JSON_INT)
                return a->i == b->i;
        /* Exact integers above INT64_MAX differ even where their doubles
         * agree (2^64-1 and 2^64-2), and never equal an int64. */
        if (a->is_uint && b->is_uint)
                return a->u == b->u;
        if ((a->is_uint && b->type == JSON_INT) || (b->is_uint && a->type == JSON_INT))
                return false;
        double x = a->type == JSON_INT ? (double)a->i : a->d;
        double y = b->type == JSON_INT ? (double)b->i : b->d;
        return x == y || (isnan(x) && isnan(y));
}

bool json_equal(const struct json *a, const struct json *b)
{
        if (a == b)
                return true;
        if (!a || !b)
                return false;
        bool an = a->type == JSON_INT || a->type == JSON_DOUBLE;
        bool bn = b->type == JSON_INT || b->type == JSON_DOUBLE;
        if (an && bn)
                return number_equal(a, b);
        if (a->type != b->type)
                return false;
        switch (a->type) {
        case JSON_NULL:
                return true;
        case JSON_BOOL:
                return a->b == b->b;
        case JSON_STRING:
                return a->str.len == b->str.len && memcmp(a->str.s, b->str.s, a->str.len) == 0;
        case JSON_ARRAY:
                if (a->arr.len != b->arr.len)
                        return false;
                for (size_t i = 0; i < a->arr.len; i++)
                        if (!json_equal(a->arr.items[i], b->arr.items[i]))
                                return false;
                return true;
        case JSON_OBJECT:
                /* Key order is presentation, not value; keys are unique, so
                 * equal length plus every key of a matching in b suffices. */
                if (a->obj.len != b->obj.len)
                        return false;
                for (size_t i = 0; i < a->obj.len; i++) {
                        const struct json *bv;
                        if (STREQ(a->obj.keys[i], b->obj.keys[i]))
                                bv = b->obj.vals[i];
                        else
                                bv = json_object_get(b, a->obj.keys[i]);
                        if (!bv || !json_equal(a->obj.vals[i], bv))
                                return false;
                }
                return true;
        default:
                return false;
        }
}

const char *json_type_to_string(enum json_type t)
{
        static const char *const names[] = {
                [JSON_NULL] = "null",     [JSON_BOOL] = "boolean",  [JSON_INT] = "integer",
                [JSON_DOUBLE] = "number", [JSON_STRING] = "string", [JSON_ARRAY] = "array",
                [JSON_OBJECT] = "object",
        };
        if ((unsigned)t >= ARRAY_SIZE(names))
                return "invalid";
        return names[t];
}
