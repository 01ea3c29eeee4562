/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing JSON text into the tree with yajl's callback parser. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "json-internal.h"

/* Objects larger than this are de-duplicated by sorting after parsing, so a
 * hostile document with many keys costs O(n log n), not O(n^2). */
#define JSON_DEDUP_LINEAR_MAX 16

static bool utf8_valid(const char *s, size_t len)
{
        const unsigned char *u = (const unsigned char *)s;
        for (size_t i = 0; i < len;) {
                if (u[i] < 0x80) {
                        i++;
                        continue;
                }
                size_t n = utf8_seq_len(u + i, len - i);
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

struct parse_ctx {
        struct json *root;
        struct json *stack[JSON_MAX_DEPTH + 1];
        size_t depth;
        char *key;         /* pending object key */
        char *error;       /* set by a callback that cancels the parse */
        bool number_error; /* the error is about the number just lexed */
        /* json_parse_only: the top-level object's members kept; the value
         * of any other is lexed and checked, not built. */
        const char *const *only;
        bool skip_next; /* the next value is a member not kept */
        size_t skip;    /* nesting inside a container not kept */
};

/* A value that json_parse_only does not keep: true when the callback has
 * nothing to build. A container opens a skipped nesting (open > 0) or
 * closes one (open < 0). */
static bool skipping(struct parse_ctx *c, int open)
{
        if (c->skip > 0) {
                c->skip += (size_t)(open > 0) - (size_t)(open < 0);
                return true;
        }
        if (!c->skip_next)
                return false;
        c->skip_next = false;
        c->skip = open > 0;
        return true;
}

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
                json_object_push(top, steal_pointer(&c->key), v);
        }
        return 1;
}

static int cb_null(void *ctx)
{
        return skipping(ctx, 0) ? 1 : add_value(ctx, json_new_null());
}

static int cb_boolean(void *ctx, int b)
{
        return skipping(ctx, 0) ? 1 : add_value(ctx, json_new_bool(b));
}

static int cb_number(void *ctx, const char *s, size_t len)
{
        if (skipping(ctx, 0))
                return 1;
        _cleanup_free_ char *text = xstrndup(s, len);
        char *end;
        /* "-0" stays a double so that -0.0 survives a round trip. */
        if (!strpbrk(text, ".eE") && !STREQ(text, "-0")) {
                errno = 0;
                long long i = strtoll(text, &end, 10);
                if (errno == 0 && *end == '\0')
                        return add_value(ctx, json_new_int(i));
                /* Above INT64_MAX up to 2^64-1 an integer stays exact (an
                 * unlimited rlimit that Go programs read as a uint64). */
                if (errno == ERANGE && *end == '\0' && text[0] != '-') {
                        errno = 0;
                        unsigned long long u = strtoull(text, &end, 10);
                        if (errno == 0 && *end == '\0')
                                return add_value(ctx, json_new_uint(u));
                }
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
        if (skipping(ctx, 0))
                return 1;
        return add_value(ctx, json_new_string_len((const char *)s, len));
}

static int push_container(struct parse_ctx *c, struct json *v)
{
        if (c->depth + c->skip >= JSON_MAX_DEPTH) {
                json_free(v);
                return cb_fail(c, "nesting too deep");
        }
        add_value(c, v);
        c->stack[c->depth++] = v;
        return 1;
}

static int cb_start_map(void *ctx)
{
        struct parse_ctx *c = ctx;
        if (c->depth + c->skip >= JSON_MAX_DEPTH)
                return cb_fail(c, "nesting too deep");
        return skipping(c, 1) ? 1 : push_container(c, json_new_object());
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
        if (c->skip > 0)
                return 1;
        if (c->only && c->depth == 1) {
                bool keep = false;
                for (const char *const *k = c->only; *k && !keep; k++)
                        keep = strlen(*k) == len && memcmp(*k, s, len) == 0;
                if (!keep) {
                        c->skip_next = true;
                        return 1;
                }
        }
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
        if (skipping(c, -1))
                return 1;
        object_dedup(c->stack[--c->depth]);
        return 1;
}

static int cb_start_array(void *ctx)
{
        struct parse_ctx *c = ctx;
        if (c->depth + c->skip >= JSON_MAX_DEPTH)
                return cb_fail(c, "nesting too deep");
        return skipping(c, 1) ? 1 : push_container(c, json_new_array());
}

static int cb_end_array(void *ctx)
{
        struct parse_ctx *c = ctx;
        if (skipping(c, -1))
                return 1;
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

static int parse(const char *buf, size_t len, const char *const *only, struct json **ret,
                 struct err *e)
{
        struct parse_ctx c = {.only = only};
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

int json_parse(const char *buf, size_t len, struct json **ret, struct err *e)
{
        return parse(buf, len, NULL, ret, e);
}

int json_parse_only(const char *buf, size_t len, const char *const *keys, struct json **ret,
                    struct err *e)
{
        return parse(buf, len, keys, ret, e);
}

int json_parse_file_only(int dirfd, const char *path, size_t max_size, const char *const *keys,
                         struct json **ret, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = fs_read_file(dirfd, path, max_size, &buf, &len, e);
        if (r < 0)
                return r;
        r = parse(buf, len, keys, ret, e);
        if (r < 0)
                return err_wrap(e, "parse '%s'", path);
        return 0;
}

int json_parse_file(int dirfd, const char *path, size_t max_size, struct json **ret, struct err *e)
{
        return json_parse_file_only(dirfd, path, max_size, NULL, ret, e);
}
