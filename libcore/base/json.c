/* SPDX-License-Identifier: Apache-2.0 */
/* The ordered JSON tree: construction, lookup, parsing (yajl) and generation (yajl_gen). */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>

#include "base.h"

/* Objects larger than this are de-duplicated by sorting after parsing, so a
 * hostile document with many keys costs O(n log n), not O(n^2). */
#define JSON_DEDUP_LINEAR_MAX 16

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
static void object_push(struct json *obj, char *key, struct json *v)
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
                        object_push(c, xstrdup(j->obj.keys[i]), json_copy(j->obj.vals[i]));
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
        object_push(obj, xstrdup(key), v);
}

void json_object_set_string(struct json *obj, const char *key, const char *s)
{
        json_object_set(obj, key, json_new_string(s));
}

void json_object_set_int(struct json *obj, const char *key, int64_t i)
{
        json_object_set(obj, key, json_new_int(i));
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

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid.
 * Overlong forms and surrogates count as invalid, as they do for Go. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
        unsigned char c = s[0];
        if (c < 0x80)
                return 1;
        size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
                len = 2;
                cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
                len = 3;
                cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
                len = 4;
                cp = c & 0x07;
        } else {
                return 0;
        }
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

static bool utf8_valid(const char *s, size_t len)
{
        const unsigned char *u = (const unsigned char *)s;
        for (size_t i = 0; i < len;) {
                size_t n = utf8_seq_len(u + i, len - i);
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

/* ------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------ */

struct parse_ctx {
        struct json *root;
        struct json *stack[JSON_MAX_DEPTH + 1];
        size_t depth;
        char *key;         /* pending object key */
        char *error;       /* set by a callback that cancels the parse */
        bool number_error; /* the error is about the number just lexed */
};

static int cb_fail(struct parse_ctx *c, const char *msg)
{
        if (!c->error)
                c->error = xstrdup(msg);
        return 0;
}

static int add_value(struct parse_ctx *c, struct json *v)
{
        if (c->depth == 0) {
                /* yajl refuses a second top-level value itself. */
                json_free(c->root);
                c->root = v;
                return 1;
        }
        struct json *top = c->stack[c->depth - 1];
        if (top->type == JSON_ARRAY) {
                json_array_append(top, v);
        } else {
                assert(c->key);
                object_push(top, steal_pointer(&c->key), v);
        }
        return 1;
}

static int cb_null(void *ctx)
{
        return add_value(ctx, json_new_null());
}

static int cb_boolean(void *ctx, int b)
{
        return add_value(ctx, json_new_bool(b));
}

static int cb_number(void *ctx, const char *s, size_t len)
{
        _cleanup_free_ char *text = xstrndup(s, len);
        char *end;
        /* "-0" stays a double so that -0.0 survives a round trip. */
        if (!strpbrk(text, ".eE") && !STREQ(text, "-0")) {
                errno = 0;
                long long i = strtoll(text, &end, 10);
                if (errno == 0 && *end == '\0')
                        return add_value(ctx, json_new_int(i));
        }
        errno = 0;
        double d = strtod(text, &end);
        /* Underflow to zero is fine (Go accepts it too); overflow is not. */
        if (*end != '\0' || isinf(d)) {
                struct parse_ctx *c = ctx;
                c->number_error = true;
                return cb_fail(c, *end ? "invalid number" : "number out of range");
        }
        return add_value(ctx, json_new_double(d));
}

/* yajl only checks the shape of multi-byte sequences: overlong forms and
 * surrogates (raw, or a lone low one from a \u escape) get through. */
static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
        if (!utf8_valid((const char *)s, len))
                return cb_fail(ctx, "invalid UTF-8 in string");
        return add_value(ctx, json_new_string_len((const char *)s, len));
}

static int push_container(struct parse_ctx *c, struct json *v)
{
        if (c->depth >= JSON_MAX_DEPTH) {
                json_free(v);
                return cb_fail(c, "nesting too deep");
        }
        add_value(c, v);
        c->stack[c->depth++] = v;
        return 1;
}

static int cb_start_map(void *ctx)
{
        return push_container(ctx, json_new_object());
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
        struct parse_ctx *c = ctx;
        /* Keys are C strings in the tree: "a\u0000b" would silently become
         * "a" and could shadow a real key. */
        if (memchr(s, '\0', len))
                return cb_fail(c, "object key contains a NUL character");
        if (!utf8_valid((const char *)s, len))
                return cb_fail(c, "invalid UTF-8 in string");
        free(c->key);
        c->key = xstrndup((const char *)s, len);
        return 1;
}

static int key_index_cmp(const void *pa, const void *pb, void *arg)
{
        char **keys = arg;
        size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
        int r = strcmp(keys[a], keys[b]);
        if (r)
                return r;
        return a < b ? -1 : a > b;
}

/* Duplicate keys: like Go's encoding/json the last value wins; the key keeps
 * its first position, as json_object_set() would have done. */
static void object_dedup(struct json *o)
{
        size_t n = o->obj.len;
        if (n < 2)
                return;
        bool *drop = xcalloc(n, sizeof(bool));
        bool any = false;
        if (n <= JSON_DEDUP_LINEAR_MAX) {
                for (size_t i = 0; i < n; i++) {
                        if (drop[i])
                                continue;
                        for (size_t k = i + 1; k < n; k++) {
                                if (!drop[k] && STREQ(o->obj.keys[i], o->obj.keys[k])) {
                                        json_free(o->obj.vals[i]);
                                        o->obj.vals[i] = o->obj.vals[k];
                                        o->obj.vals[k] = NULL;
                                        drop[k] = any = true;
                                }
                        }
                }
        } else {
                size_t *idx = xmalloc(n * sizeof(size_t));
                for (size_t i = 0; i < n; i++)
                        idx[i] = i;
                qsort_r(idx, n, sizeof(size_t), key_index_cmp, o->obj.keys);
                for (size_t g = 0; g < n;) {
                        size_t end = g + 1;
                        while (end < n && STREQ(o->obj.keys[idx[g]], o->obj.keys[idx[end]]))
                                end++;
                        if (end - g > 1) {
                                size_t first = idx[g], last = idx[end - 1];
                                json_free(o->obj.vals[first]);
                                o->obj.vals[first] = o->obj.vals[last];
                                o->obj.vals[last] = NULL;
                                for (size_t k = g + 1; k < end; k++)
                                        drop[idx[k]] = any = true;
                        }
                        g = end;
                }
                free(idx);
        }
        if (any) {
                size_t w = 0;
                for (size_t i = 0; i < n; i++) {
                        if (drop[i]) {
                                free(o->obj.keys[i]);
                                json_free(o->obj.vals[i]);
                                continue;
                        }
                        o->obj.keys[w] = o->obj.keys[i];
                        o->obj.vals[w] = o->obj.vals[i];
                        w++;
                }
                o->obj.len = w;
        }
        free(drop);
}

static int cb_end_map(void *ctx)
{
        struct parse_ctx *c = ctx;
        object_dedup(c->stack[--c->depth]);
        return 1;
}

static int cb_start_array(void *ctx)
{
        return push_container(ctx, json_new_array());
}

static int cb_end_array(void *ctx)
{
        struct parse_ctx *c = ctx;
        c->depth--;
        return 1;
}

static const yajl_callbacks parse_callbacks = {
        .yajl_null = cb_null,
        .yajl_boolean = cb_boolean,
        .yajl_number = cb_number,
        .yajl_string = cb_string,
        .yajl_start_map = cb_start_map,
        .yajl_map_key = cb_map_key,
        .yajl_end_map = cb_end_map,
        .yajl_start_array = cb_start_array,
        .yajl_end_array = cb_end_array,
};

DEFINE_CLEANUP_FUNC(yajl_handle, yajl_free)

/* yajl reports "lexical error: invalid char in json text.\n"; keep the
 * substance without the trailing punctuation. */
static char *yajl_message(yajl_handle h, const char *buf, size_t len)
{
        unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)buf, len);
        char *s = xstrdup(m ? (const char *)m : "syntax error");
        if (m)
                yajl_free_error(h, m);
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '.'))
                s[--n] = '\0';
        return s;
}

static bool is_number_char(char ch)
{
        return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
               ch == 'E';
}

int json_parse(const char *buf, size_t len, struct json **ret, struct err *e)
{
        struct parse_ctx c = {0};
        _cleanup_(yajl_freep) yajl_handle h = yajl_alloc(&parse_callbacks, NULL, &c);
        if (!h)
                abort();

        if (!buf) {
                buf = "";
                len = 0;
        }
        size_t pos; /* byte offset of the offending character */
        _cleanup_free_ char *msg = NULL;
        yajl_status st = yajl_parse(h, (const unsigned char *)buf, len);
        if (st == yajl_status_ok) {
                st = yajl_complete_parse(h);
                pos = len;
        } else {
                size_t consumed = yajl_get_bytes_consumed(h);
                pos = consumed > 0 ? consumed - 1 : 0;
        }
        if (st == yajl_status_ok && !c.root) {
                st = yajl_status_error;
                msg = xstrdup("empty document");
        }
        if (st != yajl_status_ok) {
                if (c.error) {
                        msg = steal_pointer(&c.error);
                } else if (!msg) {
                        msg = yajl_message(h, buf, len);
                }
        }
        free(c.key);
        free(c.error);
        if (st != yajl_status_ok) {
                json_free(c.root);
                if (pos > len)
                        pos = len;
                /* The callback runs after the lexer passed the whole number:
                 * point at where it starts. */
                if (c.number_error && len > 0) {
                        if (pos >= len)
                                pos = len - 1;
                        if (pos > 0 && !is_number_char(buf[pos]))
                                pos--;
                        while (pos > 0 && is_number_char(buf[pos - 1]))
                                pos--;
                }
                size_t line = 1, col = 1;
                for (size_t i = 0; i < pos; i++) {
                        if (buf[i] == '\n') {
                                line++;
                                col = 1;
                        } else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
                                /* Columns count characters, not UTF-8 bytes. */
                                col++;
                        }
                }
                return err_set(e, EINVAL, "invalid JSON at line %zu, column %zu: %s", line, col,
                               msg);
        }
        *ret = c.root;
        return 0;
}

int json_parse_file(int dirfd, const char *path, size_t max_size, struct json **ret, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = fs_read_file(dirfd, path, max_size, &buf, &len, e);
        if (r < 0)
                return r;
        r = json_parse(buf, len, ret, e);
        if (r < 0)
                return err_wrap(e, "parse '%s'", path);
        return 0;
}

/* ------------------------------------------------------------------------
 * Generation
 * ------------------------------------------------------------------------ */

/* Allocates: s with each invalid UTF-8 byte replaced by U+FFFD as Go's
 * encoding/json does, or NULL when s is valid (the common case). */
static char *utf8_sanitize(const char *s, size_t len, size_t *ret_len)
{
        const unsigned char *u = (const unsigned char *)s;
        size_t i = 0;
        while (i < len) {
                size_t n = utf8_seq_len(u + i, len - i);
                if (n == 0)
                        break;
                i += n;
        }
        if (i == len)
                return NULL;
        struct sbuf b = {0};
        sbuf_append_len(&b, s, i);
        while (i < len) {
                size_t n = utf8_seq_len(u + i, len - i);
                if (n == 0) {
                        sbuf_append(&b, "\xef\xbf\xbd");
                        i++;
                } else {
                        sbuf_append_len(&b, s + i, n);
                        i += n;
                }
        }
        *ret_len = b.len;
        return sbuf_steal(&b);
}

static void gen_string(yajl_gen g, const char *s, size_t len)
{
        size_t clean_len;
        _cleanup_free_ char *clean = utf8_sanitize(s, len, &clean_len);
        if (clean)
                yajl_gen_string(g, (const unsigned char *)clean, clean_len);
        else
                yajl_gen_string(g, (const unsigned char *)s, len);
}

/* Format d as Go's encoding/json does: the shortest text that reads back as
 * the same double, in %f style unless the magnitude is below 1e-6 or at
 * least 1e21, and exponents without a leading zero ("1e-7", "1e+21"). */
static void format_double(double d, char *out, size_t outsz)
{
        char tmp[64];
        for (int prec = 0; prec < 17; prec++) {
                snprintf(tmp, sizeof(tmp), "%.*e", prec, d);
                if (strtod(tmp, NULL) == d)
                        break;
        }
        /* tmp is "[-]D[.DDD]e[+-]XX": collect the digits and the exponent. */
        char digits[32];
        size_t nd = 0;
        const char *p = tmp;
        bool neg = *p == '-';
        if (neg)
                p++;
        for (; *p && *p != 'e'; p++)
                if (*p != '.')
                        digits[nd++] = *p;
        int exp = atoi(p + 1);
        while (nd > 1 && digits[nd - 1] == '0')
                nd--;
        digits[nd] = '\0';

        struct sbuf b = {0};
        if (neg)
                sbuf_putc(&b, '-');
        double a = fabs(d);
        if (a != 0 && (a < 1e-6 || a >= 1e21)) {
                sbuf_putc(&b, digits[0]);
                if (nd > 1) {
                        sbuf_putc(&b, '.');
                        sbuf_append(&b, digits + 1);
                }
                sbuf_printf(&b, "e%c%d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
        } else if (exp < 0) {
                sbuf_append(&b, "0.");
                for (int i = 0; i < -exp - 1; i++)
                        sbuf_putc(&b, '0');
                sbuf_append(&b, digits);
        } else if ((size_t)exp + 1 >= nd) {
                sbuf_append(&b, digits);
                for (size_t i = nd; i < (size_t)exp + 1; i++)
                        sbuf_putc(&b, '0');
        } else {
                sbuf_append_len(&b, digits, (size_t)exp + 1);
                sbuf_putc(&b, '.');
                sbuf_append(&b, digits + exp + 1);
        }
        snprintf(out, outsz, "%s", b.buf);
        sbuf_done(&b);
}

/* yajl_gen refuses to nest deeper than 128 (YAJL_MAX_DEPTH), less than
 * JSON_MAX_DEPTH: containers this deep are generated by a fresh generator
 * and spliced in as raw text. */
#define GEN_SPLICE_DEPTH 64

struct gen_opts {
        bool pretty;
        const char *indent;
};

static yajl_gen gen_new(const struct gen_opts *o)
{
        yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                abort();
        /* Strings parsed were validated; built ones are repaired by
         * utf8_sanitize(), so yajl's own check could only reject. */
        yajl_gen_config(g, yajl_gen_validate_utf8, 0);
        if (o->pretty) {
                yajl_gen_config(g, yajl_gen_beautify, 1);
                yajl_gen_config(g, yajl_gen_indent_string, o->indent);
        }
        return g;
}

DEFINE_CLEANUP_FUNC(yajl_gen, yajl_gen_free)

static void gen_value(yajl_gen g, const struct json *j, const struct gen_opts *o, size_t depth);

static void gen_splice(yajl_gen g, const struct json *j, const struct gen_opts *o, size_t depth)
{
        _cleanup_(yajl_gen_freep) yajl_gen sub = gen_new(o);
        gen_value(sub, j, o, 0);
        const unsigned char *out;
        size_t len;
        if (yajl_gen_get_buf(sub, &out, &len) != yajl_gen_status_ok)
                abort();
        while (len > 0 && out[len - 1] == '\n')
                len--;
        struct sbuf b = {0};
        size_t start = 0;
        /* Raw newlines are structural (yajl escapes them in strings): each
         * starts a line that needs the outer indentation. */
        for (size_t i = 0; o->pretty && i < len; i++) {
                if (out[i] != '\n')
                        continue;
                sbuf_append_len(&b, (const char *)out + start, i + 1 - start);
                for (size_t d = 0; d < depth; d++)
                        sbuf_append(&b, o->indent);
                start = i + 1;
        }
        sbuf_append_len(&b, (const char *)out + start, len - start);
        yajl_gen_number(g, b.buf, b.len);
        sbuf_done(&b);
}

static void gen_value(yajl_gen g, const struct json *j, const struct gen_opts *o, size_t depth)
{
        char num[64];
        if (!j) {
                yajl_gen_null(g);
                return;
        }
        switch (j->type) {
        case JSON_NULL:
                yajl_gen_null(g);
                break;
        case JSON_BOOL:
                yajl_gen_bool(g, j->b);
                break;
        case JSON_INT:
                yajl_gen_integer(g, j->i);
                break;
        case JSON_DOUBLE:
                /* JSON has no NaN or infinity; Go refuses them, and null is
                 * the one value that keeps the document valid. */
                if (!isfinite(j->d)) {
                        yajl_gen_null(g);
                        break;
                }
                format_double(j->d, num, sizeof(num));
                /* yajl_gen_number emits its text verbatim: the way to print
                 * numbers in a format of our choosing. */
                yajl_gen_number(g, num, strlen(num));
                break;
        case JSON_STRING:
                gen_string(g, j->str.s, j->str.len);
                break;
        case JSON_ARRAY:
                /* yajl's beautifier prints "[\n\n]" for empty containers;
                 * Go prints "[]". */
                if (o->pretty && j->arr.len == 0) {
                        yajl_gen_number(g, "[]", 2);
                        break;
                }
                if (depth >= GEN_SPLICE_DEPTH) {
                        gen_splice(g, j, o, depth);
                        break;
                }
                yajl_gen_array_open(g);
                for (size_t i = 0; i < j->arr.len; i++)
                        gen_value(g, j->arr.items[i], o, depth + 1);
                yajl_gen_array_close(g);
                break;
        case JSON_OBJECT:
                if (o->pretty && j->obj.len == 0) {
                        yajl_gen_number(g, "{}", 2);
                        break;
                }
                if (depth >= GEN_SPLICE_DEPTH) {
                        gen_splice(g, j, o, depth);
                        break;
                }
                yajl_gen_map_open(g);
                for (size_t i = 0; i < j->obj.len; i++) {
                        gen_string(g, j->obj.keys[i], strlen(j->obj.keys[i]));
                        gen_value(g, j->obj.vals[i], o, depth + 1);
                }
                yajl_gen_map_close(g);
                break;
        }
}

char *json_generate(const struct json *j, unsigned flags)
{
        struct gen_opts o = {
                .pretty = flags & JSON_GEN_PRETTY,
                .indent = (flags & JSON_GEN_INDENT4) ? "    " : "  ",
        };
        _cleanup_(yajl_gen_freep) yajl_gen g = gen_new(&o);
        gen_value(g, j, &o, 0);

        const unsigned char *out;
        size_t len;
        if (yajl_gen_get_buf(g, &out, &len) != yajl_gen_status_ok)
                abort();
        /* The beautifier ends the document with a newline of its own. */
        while (len > 0 && out[len - 1] == '\n')
                len--;

        /* Outside strings yajl only writes punctuation, literals, numbers and
         * whitespace, so every byte matched here is inside a string. Go always
         * escapes U+2028 and U+2029 (JavaScript line terminators). */
        bool html = flags & JSON_GEN_ESCAPE_HTML;
        struct sbuf b = {0};
        sbuf_append_len(&b, "", 0);
        size_t start = 0;
        for (size_t i = 0; i < len; i++) {
                const char *rep = NULL;
                size_t skip = 1;
                unsigned char ch = out[i];
                if (html && ch == '<')
                        rep = "\\u003c";
                else if (html && ch == '>')
                        rep = "\\u003e";
                else if (html && ch == '&')
                        rep = "\\u0026";
                else if (ch == 0xe2 && i + 2 < len && out[i + 1] == 0x80 &&
                         (out[i + 2] == 0xa8 || out[i + 2] == 0xa9)) {
                        rep = out[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
                        skip = 3;
                }
                if (!rep)
                        continue;
                sbuf_append_len(&b, (const char *)out + start, i - start);
                sbuf_append(&b, rep);
                i += skip - 1;
                start = i + 1;
        }
        sbuf_append_len(&b, (const char *)out + start, len - start);
        if (flags & JSON_GEN_NEWLINE)
                sbuf_putc(&b, '\n');
        return sbuf_steal(&b);
}
