/* SPDX-License-Identifier: Apache-2.0 */
/* The functions templates can call: Go's builtins and podman's additions. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "tmpl-internal.h"

/* An error of a function's own, worded as Go's "error calling f: ...". */
static int fn_error(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fn_error(struct exec *x, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        return tmpl_x_error(x, "error calling %s: %s", x->fn_name, msg);
}

static int new_string_take(struct exec *x, struct sbuf *b, struct val *ret)
{
        size_t n = b->len;
        _cleanup_free_ char *s = sbuf_steal(b);
        return tmpl_new_string(x, s, n, ret);
}

static int new_bool(struct exec *x, bool v, struct val *ret)
{
        return tmpl_x_temp(x, json_new_bool(v), ret);
}

static int new_int(struct exec *x, int64_t v, struct val *ret)
{
        return tmpl_x_temp(x, json_new_int(v), ret);
}

static int want_string(struct exec *x, struct val v, const char **ret_s, size_t *ret_n)
{
        /* Outputs are set on failure too: it keeps optimisers from warning. */
        *ret_s = "";
        *ret_n = 0;
        if (v.j->type == JSON_STRING) {
                *ret_s = v.j->str.s;
                *ret_n = v.j->str.len;
                return 0;
        }
        if (v.j->type == JSON_NULL)
                return tmpl_x_error(x, "invalid value; expected string");
        return tmpl_x_error(x, "wrong type for value; expected string; got %s", tmpl_go_type(v.j));
}

static int want_int(struct exec *x, struct val v, int64_t *ret)
{
        *ret = 0;
        if (v.j->type == JSON_INT) {
                *ret = v.j->i;
                return 0;
        }
        /* Go takes 1.0 for an int when it is a literal; we cannot tell
         * literals from data here and take any integral number. */
        if (v.j->type == JSON_DOUBLE && v.j->d == floor(v.j->d) && fabs(v.j->d) < 9e15) {
                *ret = (int64_t)v.j->d;
                return 0;
        }
        if (v.j->type == JSON_NULL)
                return tmpl_x_error(x, "invalid value; expected int");
        return tmpl_x_error(x, "wrong type for value; expected int; got %s", tmpl_go_type(v.j));
}

static int fn_not(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        return new_bool(x, !tmpl_truth(a[0].j), ret);
}

static int fn_len(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        switch (a[0].j->type) {
        case JSON_STRING:
                return new_int(x, (int64_t)a[0].j->str.len, ret);
        case JSON_ARRAY:
                return new_int(x, (int64_t)a[0].j->arr.len, ret);
        case JSON_OBJECT:
                return new_int(x, (int64_t)a[0].j->obj.len, ret);
        case JSON_NULL:
                return fn_error(x, "len of nil pointer");
        default:
                return fn_error(x, "len of type %s", tmpl_go_type(a[0].j));
        }
}

/* An index for arrays and strings: Go's indexArg. */
static int index_arg(struct exec *x, const struct json *idx, size_t len, bool slicing, size_t *ret)
{
        if (idx->type == JSON_NULL)
                return fn_error(x, "cannot index slice/array with nil");
        if (idx->type != JSON_INT)
                return fn_error(x, "cannot index slice/array with type %s", tmpl_go_type(idx));
        if (idx->i < 0 || (uint64_t)idx->i > len || (!slicing && (uint64_t)idx->i == len))
                return fn_error(x, "index out of range: %" PRId64, idx->i);
        *ret = (size_t)idx->i;
        return 0;
}

static int fn_index(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        struct val item = a[0];
        if (item.j->type == JSON_NULL)
                return fn_error(x, "index of untyped nil");
        for (size_t i = 1; i < n; i++) {
                const struct json *idx = a[i].j;
                size_t k;
                int r;
                switch (item.j->type) {
                case JSON_NULL:
                        return fn_error(x, "index of nil pointer");
                case JSON_ARRAY:
                        r = index_arg(x, idx, item.j->arr.len, false, &k);
                        if (r < 0)
                                return r;
                        item.j = item.j->arr.items[k];
                        break;
                case JSON_STRING:
                        /* A byte, as Go's s[i]. */
                        r = index_arg(x, idx, item.j->str.len, false, &k);
                        if (r < 0)
                                return r;
                        r = new_int(x, (unsigned char)item.j->str.s[k], &item);
                        if (r < 0)
                                return r;
                        break;
                case JSON_OBJECT: {
                        if (idx->type != JSON_STRING)
                                return fn_error(x, "value has type %s; should be string",
                                                tmpl_go_type(idx));
                        x->steps += item.j->obj.len / 16;
                        const struct json *v = json_object_get(item.j, idx->str.s);
                        item.j = v ? v : &tmpl_json_nil;
                        break;
                }
                default:
                        return fn_error(x, "can't index item of type %s", tmpl_go_type(item.j));
                }
        }
        *ret = item;
        return 0;
}

static int fn_slice(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const struct json *item = a[0].j;
        size_t len, idx[3];
        if (item->type == JSON_NULL)
                return fn_error(x, "slice of untyped nil");
        if (n > 4)
                return fn_error(x, "too many slice indexes: %zu", n - 1);
        if (item->type == JSON_STRING) {
                if (n == 4)
                        return fn_error(x, "cannot 3-index slice a string");
                len = item->str.len;
        } else if (item->type == JSON_ARRAY) {
                len = item->arr.len;
        } else {
                return fn_error(x, "can't slice item of type %s", tmpl_go_type(item));
        }
        idx[0] = 0;
        idx[1] = idx[2] = len;
        for (size_t i = 1; i < n; i++) {
                int r = index_arg(x, a[i].j, len, true, &idx[i - 1]);
                if (r < 0)
                        return r;
        }
        if (idx[0] > idx[1])
                return fn_error(x, "invalid slice index: %zu > %zu", idx[0], idx[1]);
        if (n == 4 && idx[1] > idx[2])
                return fn_error(x, "invalid slice index: %zu > %zu", idx[1], idx[2]);
        if (item->type == JSON_STRING)
                return tmpl_new_string(x, item->str.s + idx[0], idx[1] - idx[0], ret);
        int r = tmpl_check_budget(x, tmpl_json_size(item));
        if (r < 0)
                return r;
        struct json *arr = json_new_array();
        for (size_t i = idx[0]; i < idx[1]; i++)
                json_array_append(arr, json_copy(item->arr.items[i]));
        return tmpl_x_temp(x, arr, ret);
}

static int fn_print(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        struct sbuf b = {0};
        sbuf_append(&b, "");
        tmpl_sprint(&b, a, n, false);
        return new_string_take(x, &b, ret);
}

static int fn_println(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        struct sbuf b = {0};
        tmpl_sprint(&b, a, n, true);
        return new_string_take(x, &b, ret);
}

static int fn_printf(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const char *fmt;
        size_t len;
        int r = want_string(x, a[0], &fmt, &len);
        if (r < 0)
                return r;
        struct sbuf b = {0};
        sbuf_append(&b, "");
        tmpl_go_sprintf(&b, fmt, len, a + 1, n - 1);
        return new_string_take(x, &b, ret);
}

/* Go's evalArgs for html and urlquery: one string as is, else Sprint with
 * "<no value>" for nil. */
static void eval_args_string(struct sbuf *b, struct val *a, size_t n)
{
        if (n == 1 && a[0].j->type == JSON_STRING) {
                sbuf_append_len(b, a[0].j->str.s, a[0].j->str.len);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                bool is_str = a[i].j->type == JSON_STRING || a[i].j->type == JSON_NULL;
                bool prev_str =
                        i > 0 && (a[i - 1].j->type == JSON_STRING || a[i - 1].j->type == JSON_NULL);
                if (i > 0 && !is_str && !prev_str)
                        sbuf_putc(b, ' ');
                if (a[i].j->type == JSON_NULL)
                        sbuf_append(b, "<no value>");
                else
                        tmpl_print_plain(b, a[i].j);
        }
}

static int fn_html(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        struct sbuf in = {0}, out = {0};
        sbuf_append(&in, "");
        sbuf_append(&out, "");
        eval_args_string(&in, a, n);
        for (size_t i = 0; i < in.len; i++) {
                switch (in.buf[i]) {
                case '"':
                        sbuf_append(&out, "&#34;");
                        break;
                case '\'':
                        sbuf_append(&out, "&#39;");
                        break;
                case '&':
                        sbuf_append(&out, "&amp;");
                        break;
                case '<':
                        sbuf_append(&out, "&lt;");
                        break;
                case '>':
                        sbuf_append(&out, "&gt;");
                        break;
                case '\0':
                        sbuf_append(&out, "\xef\xbf\xbd");
                        break;
                default:
                        sbuf_putc(&out, in.buf[i]);
                }
        }
        sbuf_done(&in);
        return new_string_take(x, &out, ret);
}

static int fn_urlquery(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        struct sbuf in = {0}, out = {0};
        sbuf_append(&in, "");
        sbuf_append(&out, "");
        eval_args_string(&in, a, n);
        for (size_t i = 0; i < in.len; i++) {
                unsigned char c = (unsigned char)in.buf[i];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~')
                        sbuf_putc(&out, (char)c);
                else if (c == ' ')
                        sbuf_putc(&out, '+');
                else
                        sbuf_printf(&out, "%%%c%c", tmpl_upperhex[c >> 4], tmpl_upperhex[c & 0xf]);
        }
        sbuf_done(&in);
        return new_string_take(x, &out, ret);
}

/* Go's basicKind classes for comparisons. */
static int basic_kind(const struct json *j)
{
        switch (j->type) {
        case JSON_BOOL:
                return 1;
        case JSON_INT:
                return 2;
        case JSON_DOUBLE:
                return 3;
        case JSON_STRING:
                return 4;
        default:
                return 0;
        }
}

static int cmp_eq(struct exec *x, const struct json *a, const struct json *b, bool *ret)
{
        int ka = basic_kind(a), kb = basic_kind(b);
        if (ka != kb) {
                if (a->type != JSON_NULL && b->type != JSON_NULL)
                        return fn_error(x, "incompatible types for comparison");
                *ret = false;
                return 0;
        }
        switch (ka) {
        case 1:
                *ret = a->b == b->b;
                return 0;
        case 2:
                *ret = a->i == b->i;
                return 0;
        case 3:
                *ret = a->d == b->d;
                return 0;
        case 4:
                *ret = a->str.len == b->str.len && memcmp(a->str.s, b->str.s, a->str.len) == 0;
                return 0;
        }
        if (a->type == JSON_NULL || b->type == JSON_NULL) {
                *ret = a->type == b->type;
                return 0;
        }
        struct sbuf s = {0};
        tmpl_print_plain(&s, b);
        int r = fn_error(x, "non-comparable type %s: %s", s.buf, tmpl_go_type(b));
        sbuf_done(&s);
        return r;
}

static int cmp_lt(struct exec *x, const struct json *a, const struct json *b, bool *ret)
{
        int ka = basic_kind(a), kb = basic_kind(b);
        if (ka == 0 || kb == 0)
                return fn_error(x, "invalid type for comparison");
        if (ka != kb)
                return fn_error(x, "incompatible types for comparison");
        switch (ka) {
        case 2:
                *ret = a->i < b->i;
                return 0;
        case 3:
                *ret = a->d < b->d;
                return 0;
        case 4: {
                size_t n = a->str.len < b->str.len ? a->str.len : b->str.len;
                int c = memcmp(a->str.s, b->str.s, n);
                *ret = c < 0 || (c == 0 && a->str.len < b->str.len);
                return 0;
        }
        default:
                return fn_error(x, "invalid type for comparison");
        }
}

static int fn_eq(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        if (n < 2)
                return fn_error(x, "missing argument for comparison");
        for (size_t i = 1; i < n; i++) {
                bool t = false;
                int r = cmp_eq(x, a[0].j, a[i].j, &t);
                if (r < 0)
                        return r;
                if (t)
                        return new_bool(x, true, ret);
        }
        return new_bool(x, false, ret);
}

static int fn_ne(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        bool t = false;
        int r = cmp_eq(x, a[0].j, a[1].j, &t);
        return r < 0 ? r : new_bool(x, !t, ret);
}

static int fn_lt(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        bool t = false;
        int r = cmp_lt(x, a[0].j, a[1].j, &t);
        return r < 0 ? r : new_bool(x, t, ret);
}

static int fn_le(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        bool lt = false, eq = false;
        int r = cmp_lt(x, a[0].j, a[1].j, &lt);
        if (r >= 0 && !lt)
                r = cmp_eq(x, a[0].j, a[1].j, &eq);
        return r < 0 ? r : new_bool(x, lt || eq, ret);
}

static int fn_gt(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        bool lt = false, eq = false;
        int r = cmp_lt(x, a[0].j, a[1].j, &lt);
        if (r >= 0 && !lt)
                r = cmp_eq(x, a[0].j, a[1].j, &eq);
        return r < 0 ? r : new_bool(x, !(lt || eq), ret);
}

static int fn_ge(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        bool lt = false;
        int r = cmp_lt(x, a[0].j, a[1].j, &lt);
        return r < 0 ? r : new_bool(x, !lt, ret);
}

/* Simple case mapping: ASCII, Latin-1, basic Greek and Cyrillic. */
static uint32_t rune_upper(uint32_t r)
{
        if (r >= 'a' && r <= 'z')
                return r - 32;
        if ((r >= 0xe0 && r <= 0xfe && r != 0xf7) || (r >= 0x3b1 && r <= 0x3cb && r != 0x3c2) ||
            (r >= 0x430 && r <= 0x44f))
                return r - 32;
        if (r == 0xff)
                return 0x178;
        if (r == 0xb5)
                return 0x39c;
        if (r == 0x3c2)
                return 0x3a3;
        if (r >= 0x450 && r <= 0x45f)
                return r - 80;
        return r;
}

static uint32_t rune_lower(uint32_t r)
{
        if (r >= 'A' && r <= 'Z')
                return r + 32;
        if ((r >= 0xc0 && r <= 0xde && r != 0xd7) || (r >= 0x391 && r <= 0x3ab && r != 0x3a2) ||
            (r >= 0x410 && r <= 0x42f))
                return r + 32;
        if (r == 0x178)
                return 0xff;
        if (r >= 0x400 && r <= 0x40f)
                return r + 80;
        return r;
}

static bool rune_is_space(uint32_t r)
{
        return r == ' ' || (r >= '\t' && r <= '\r') || r == 0x85 || r == 0xa0 || r == 0x1680 ||
               (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f ||
               r == 0x205f || r == 0x3000;
}

enum case_map {
        CASE_UPPER,
        CASE_LOWER,
        CASE_TITLE,
};

static int map_case(struct exec *x, struct val v, enum case_map how, struct val *ret)
{
        const char *s;
        size_t n;
        int r = want_string(x, v, &s, &n);
        if (r < 0)
                return r;
        struct sbuf b = {0};
        sbuf_append(&b, "");
        uint32_t prev = ' ';
        for (size_t i = 0, sz; i < n; i += sz) {
                uint32_t c = tmpl_utf8_get(s + i, n - i, &sz);
                uint32_t m = c;
                if (how == CASE_UPPER)
                        m = rune_upper(c);
                else if (how == CASE_LOWER)
                        m = rune_lower(c);
                else if (prev < 0x80 ? !tmpl_is_alnum((int)prev) : rune_is_space(prev))
                        m = rune_upper(c); /* strings.Title: a word starts after a separator */
                prev = c;
                if (m == c && !(c == 0xfffd && sz == 1))
                        sbuf_append_len(&b, s + i, sz);
                else
                        sbuf_put_utf8(&b, m);
        }
        return new_string_take(x, &b, ret);
}

static int fn_upper(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        return map_case(x, a[0], CASE_UPPER, ret);
}

static int fn_lower(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        return map_case(x, a[0], CASE_LOWER, ret);
}

static int fn_title(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        return map_case(x, a[0], CASE_TITLE, ret);
}

static int fn_json(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        /* podman and docker both turn HTML escaping off (SetEscapeHTML(false)). */
        int r = tmpl_check_budget(x, tmpl_json_size(a[0].j) * 2);
        if (r < 0)
                return r;
        _cleanup_free_ char *s = json_generate(a[0].j, 0);
        return tmpl_new_string(x, s, strlen(s), ret);
}

/* strings.Join, accepting any array of strings ([]interface{} in Go
 * terms), as podman's []string fields are arrays of strings in JSON. */
static int fn_join(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const char *sep;
        size_t seplen;
        const struct json *arr = a[0].j;
        if (arr->type == JSON_NULL)
                return tmpl_x_error(x, "invalid value; expected []string");
        if (arr->type != JSON_ARRAY)
                return tmpl_x_error(x, "wrong type for value; expected []string; got %s",
                                    tmpl_go_type(arr));
        for (size_t i = 0; i < arr->arr.len; i++)
                if (arr->arr.items[i]->type != JSON_STRING)
                        return tmpl_x_error(x, "wrong type for value; expected []string; got %s",
                                            "[]interface {}");
        int r = want_string(x, a[1], &sep, &seplen);
        if (r < 0)
                return r;
        size_t total = 0;
        for (size_t i = 0; i < arr->arr.len; i++)
                total += arr->arr.items[i]->str.len + seplen;
        r = tmpl_check_budget(x, total);
        if (r < 0)
                return r;
        struct sbuf b = {0};
        sbuf_append(&b, "");
        for (size_t i = 0; i < arr->arr.len; i++) {
                if (i)
                        sbuf_append_len(&b, sep, seplen);
                sbuf_append_len(&b, arr->arr.items[i]->str.s, arr->arr.items[i]->str.len);
        }
        return new_string_take(x, &b, ret);
}

static int fn_split(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const char *s, *sep;
        size_t len, seplen;
        int r = want_string(x, a[0], &s, &len);
        if (r < 0 || (r = want_string(x, a[1], &sep, &seplen)) < 0)
                return r;
        /* Count first: a hostile split must fail before it allocates. */
        size_t count = 0;
        if (seplen == 0) {
                count = tmpl_utf8_count(s, len);
        } else {
                count = 1;
                for (const char *p = s; (p = memmem(p, (size_t)(s + len - p), sep, seplen));
                     p += seplen)
                        count++;
        }
        r = tmpl_check_budget(x, count * (sizeof(struct json) + 2 * sizeof(void *)) + len);
        if (r < 0)
                return r;
        struct json *arr = json_new_array();
        if (seplen == 0) {
                for (size_t i = 0, sz; i < len; i += sz) {
                        tmpl_utf8_get(s + i, len - i, &sz);
                        json_array_append(arr, json_new_string_len(s + i, sz));
                }
        } else {
                const char *p = s, *q;
                while ((q = memmem(p, (size_t)(s + len - p), sep, seplen))) {
                        json_array_append(arr, json_new_string_len(p, (size_t)(q - p)));
                        p = q + seplen;
                }
                json_array_append(arr, json_new_string_len(p, (size_t)(s + len - p)));
        }
        return tmpl_x_temp(x, arr, ret);
}

/* podman's truncate, counting characters rather than bytes so that it
 * never cuts a UTF-8 sequence in half. */
static int fn_truncate(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const char *s;
        size_t len;
        int64_t k;
        int r = want_string(x, a[0], &s, &len);
        if (r < 0 || (r = want_int(x, a[1], &k)) < 0)
                return r;
        if (k < 0)
                return fn_error(x, "runtime error: slice bounds out of range [:%" PRId64 "]", k);
        size_t i = 0, sz;
        for (int64_t c = 0; c < k && i < len; c++, i += sz)
                tmpl_utf8_get(s + i, len - i, &sz);
        return tmpl_new_string(x, s, i, ret);
}

static int fn_pad(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const char *s;
        size_t len;
        int64_t pre, post;
        int r = want_string(x, a[0], &s, &len);
        if (r < 0 || (r = want_int(x, a[1], &pre)) < 0 || (r = want_int(x, a[2], &post)) < 0)
                return r;
        if (len == 0)
                return tmpl_new_string(x, "", 0, ret);
        if (pre < 0 || post < 0)
                return fn_error(x, "strings: negative Repeat count");
        if ((uint64_t)pre > TMPL_MAX_TEMP || (uint64_t)post > TMPL_MAX_TEMP)
                return tmpl_x_error(x, "template values exceed %u MiB", TMPL_MAX_TEMP >> 20);
        r = tmpl_check_budget(x, (size_t)pre + (size_t)post + len);
        if (r < 0)
                return r;
        struct sbuf b = {0};
        tmpl_put_padding(&b, (size_t)pre, ' ');
        sbuf_append_len(&b, s, len);
        tmpl_put_padding(&b, (size_t)post, ' ');
        return new_string_take(x, &b, ret);
}

static int fn_contains(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const char *s, *sub;
        size_t len, sublen;
        int r = want_string(x, a[0], &s, &len);
        if (r < 0 || (r = want_string(x, a[1], &sub, &sublen)) < 0)
                return r;
        return new_bool(x, sublen == 0 || memmem(s, len, sub, sublen) != NULL, ret);
}

/* strings.ReplaceAll. */
static int fn_replace(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const char *s, *old, *new;
        size_t len, oldlen, newlen;
        int r = want_string(x, a[0], &s, &len);
        if (r < 0 || (r = want_string(x, a[1], &old, &oldlen)) < 0 ||
            (r = want_string(x, a[2], &new, &newlen)) < 0)
                return r;
        size_t count = 0;
        if (oldlen == 0)
                count = tmpl_utf8_count(s, len) + 1;
        else
                for (const char *p = s; (p = memmem(p, (size_t)(s + len - p), old, oldlen));
                     p += oldlen)
                        count++;
        if (newlen > 0 && count > TMPL_MAX_TEMP / newlen)
                return tmpl_x_error(x, "template values exceed %u MiB", TMPL_MAX_TEMP >> 20);
        r = tmpl_check_budget(x, len + count * newlen);
        if (r < 0)
                return r;
        struct sbuf b = {0};
        sbuf_append(&b, "");
        if (oldlen == 0) {
                /* An empty old string matches before every character and at the end. */
                for (size_t i = 0, sz; i < len; i += sz) {
                        tmpl_utf8_get(s + i, len - i, &sz);
                        sbuf_append_len(&b, new, newlen);
                        sbuf_append_len(&b, s + i, sz);
                }
                sbuf_append_len(&b, new, newlen);
        } else {
                const char *p = s, *q;
                while ((q = memmem(p, (size_t)(s + len - p), old, oldlen))) {
                        sbuf_append_len(&b, p, (size_t)(q - p));
                        sbuf_append_len(&b, new, newlen);
                        p = q + oldlen;
                }
                sbuf_append_len(&b, p, (size_t)(s + len - p));
        }
        return new_string_take(x, &b, ret);
}

static const struct func funcs[] = {
        /* Go's builtins (call and js are not provided) */
        {"and", 1, true, NULL},
        {"or", 1, true, NULL},
        {"not", 1, false, fn_not},
        {"len", 1, false, fn_len},
        {"index", 1, true, fn_index},
        {"slice", 1, true, fn_slice},
        {"print", 0, true, fn_print},
        {"println", 0, true, fn_println},
        {"printf", 1, true, fn_printf},
        {"html", 0, true, fn_html},
        {"urlquery", 0, true, fn_urlquery},
        {"eq", 1, true, fn_eq},
        {"ne", 2, false, fn_ne},
        {"lt", 2, false, fn_lt},
        {"le", 2, false, fn_le},
        {"gt", 2, false, fn_gt},
        {"ge", 2, false, fn_ge},
        /* podman's report.DefaultFuncs */
        {"join", 2, false, fn_join},
        {"json", 1, false, fn_json},
        {"lower", 1, false, fn_lower},
        {"pad", 3, false, fn_pad},
        {"split", 2, false, fn_split},
        {"title", 1, false, fn_title},
        {"truncate", 2, false, fn_truncate},
        {"upper", 1, false, fn_upper},
        /* ours */
        {"contains", 2, false, fn_contains},
        {"replace", 3, false, fn_replace},
};

const struct func *tmpl_func_lookup(const char *name, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
                if (strlen(funcs[i].name) == len && memcmp(funcs[i].name, name, len) == 0)
                        return &funcs[i];
        return NULL;
}
