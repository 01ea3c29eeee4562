/* SPDX-License-Identifier: Apache-2.0 */
/* A TOML v1.0 reader producing the JSON tree (tables are objects). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>

#include "base.h"

/* How a table or array came to be: TOML forbids defining a table twice,
 * extending inline tables and static arrays, and giving a header to a table
 * that dotted keys made. */
enum node_kind {
        NODE_NONE,
        TABLE_IMPLICIT, /* parent of a [header]; may still get its own header once */
        TABLE_EXPLICIT, /* defined by a [header], or an element of [[array]] */
        TABLE_DOTTED,   /* made by a dotted key */
        TABLE_INLINE,   /* { ... }: closed */
        ARRAY_STATIC,   /* [ ... ] value: closed */
        ARRAY_TABLES,   /* [[header]] */
};

/* One hash map, keyed by (object, key) for children and by (node, NULL) for
 * a node's kind, so that lookups stay O(1) in tables with many keys. */
struct slot {
        const struct json *owner; /* NULL: empty slot */
        const char *key;          /* points into owner's key array */
        struct json *child;
        enum node_kind kind;
};

struct node_map {
        struct slot *slots;
        size_t cap, len;
};

struct keypart {
        char *s;
        size_t pos;
};

struct keypath {
        struct keypart *parts;
        size_t n, cap;
};

struct parser {
        const char *buf;
        size_t len, pos;
        const char *name;
        struct err *e;
        struct node_map map;
        struct json *root;
        struct json *cur; /* table that key/value lines go to */
        int cur_level;    /* nesting of cur: the root table is 1 */
};

static int perr(struct parser *p, size_t pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, size_t pos, const char *fmt, ...)
{
        size_t line = 1, col = 1;
        if (pos > p->len)
                pos = p->len;
        for (size_t i = 0; i < pos; i++) {
                unsigned char c = p->buf[i];
                if (c == '\n') {
                        line++;
                        col = 1;
                } else if ((c & 0xc0) != 0x80) {
                        /* Columns count characters, not UTF-8 bytes. */
                        col++;
                }
        }
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        return err_set(p->e, EINVAL, "%s:%zu:%zu: %s", p->name, line, col, msg);
}

/* ------------------------------------------------------------------------
 * Node map
 * ------------------------------------------------------------------------ */

static size_t map_hash(const struct json *owner, const char *key)
{
        uint64_t h = (uint64_t)(uintptr_t)owner * 0x9e3779b97f4a7c15ull;
        h ^= h >> 31;
        if (!key)
                return (size_t)(h ^ 0x5bd1e995u);
        for (const unsigned char *k = (const unsigned char *)key; *k; k++) {
                h ^= *k;
                h *= 0x100000001b3ull;
        }
        return (size_t)(h ^ (h >> 29));
}

static bool slot_matches(const struct slot *s, const struct json *owner, const char *key)
{
        if (s->owner != owner)
                return false;
        if (!key || !s->key)
                return !key && !s->key;
        return STREQ(s->key, key);
}

static struct slot *map_find(struct node_map *m, const struct json *owner, const char *key)
{
        if (m->cap == 0)
                return NULL;
        for (size_t i = map_hash(owner, key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
                struct slot *s = &m->slots[i];
                if (!s->owner)
                        return NULL;
                if (slot_matches(s, owner, key))
                        return s;
        }
}

static void map_insert_slot(struct node_map *m, const struct slot *src)
{
        size_t i = map_hash(src->owner, src->key) & (m->cap - 1);
        while (m->slots[i].owner)
                i = (i + 1) & (m->cap - 1);
        m->slots[i] = *src;
        m->len++;
}

static struct slot *map_get_or_add(struct node_map *m, const struct json *owner, const char *key)
{
        struct slot *s = map_find(m, owner, key);
        if (s)
                return s;
        if ((m->len + 1) * 2 > m->cap) {
                struct node_map n = {.cap = m->cap ? m->cap * 2 : 64};
                n.slots = xcalloc(n.cap, sizeof(struct slot));
                for (size_t i = 0; i < m->cap; i++)
                        if (m->slots[i].owner)
                                map_insert_slot(&n, &m->slots[i]);
                free(m->slots);
                *m = n;
        }
        struct slot tmp = {.owner = owner, .key = key};
        map_insert_slot(m, &tmp);
        return map_find(m, owner, key);
}

static enum node_kind kind_of(struct parser *p, const struct json *node)
{
        const struct slot *s = map_find(&p->map, node, NULL);
        return s ? s->kind : NODE_NONE;
}

static void set_kind(struct parser *p, const struct json *node, enum node_kind kind)
{
        map_get_or_add(&p->map, node, NULL)->kind = kind;
}

static struct json *child_get(struct parser *p, const struct json *table, const char *key)
{
        const struct slot *s = map_find(&p->map, table, key);
        return s ? s->child : NULL;
}

/* Append key (absent, as the caller checked) to table. json_object_set()
 * would search the keys again, which makes big tables quadratic. */
static void child_add(struct parser *p, struct json *table, const char *key, struct json *v,
                      enum node_kind kind)
{
        size_t n = table->obj.len, cap = table->obj.cap;
        xgrow((void **)&table->obj.keys, &cap, n + 1, sizeof(char *));
        cap = table->obj.cap;
        xgrow((void **)&table->obj.vals, &cap, n + 1, sizeof(struct json *));
        table->obj.cap = cap;
        table->obj.keys[n] = xstrdup(key);
        table->obj.vals[n] = v;
        table->obj.len = n + 1;
        map_get_or_add(&p->map, table, table->obj.keys[n])->child = v;
        if (kind != NODE_NONE)
                set_kind(p, v, kind);
}

/* ------------------------------------------------------------------------
 * Characters
 * ------------------------------------------------------------------------ */

static int peek(const struct parser *p, size_t off)
{
        return p->pos + off < p->len ? (unsigned char)p->buf[p->pos + off] : -1;
}

static bool at_newline(const struct parser *p)
{
        return peek(p, 0) == '\n' || (peek(p, 0) == '\r' && peek(p, 1) == '\n');
}

static bool is_bare_key_char(int c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

static bool is_control(int c)
{
        return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

/* Human-readable name of the character at pos for error messages. */
static const char *describe(const struct parser *p, size_t pos, char buf[static 32])
{
        if (pos >= p->len)
                return "end of file";
        unsigned char c = p->buf[pos];
        if (c == '\n' || (c == '\r' && pos + 1 < p->len && p->buf[pos + 1] == '\n'))
                return "end of line";
        if (c >= 0x20 && c < 0x7f)
                snprintf(buf, 32, "'%c'", c);
        else if (c < 0x80)
                snprintf(buf, 32, "control character 0x%02x", c);
        else
                snprintf(buf, 32, "non-ASCII character");
        return buf;
}

static void skip_ws(struct parser *p)
{
        while (peek(p, 0) == ' ' || peek(p, 0) == '\t')
                p->pos++;
}

static int skip_comment(struct parser *p)
{
        if (peek(p, 0) != '#')
                return 0;
        p->pos++;
        while (p->pos < p->len && !at_newline(p)) {
                if (is_control(peek(p, 0)))
                        return perr(p, p->pos, "control character 0x%02x in comment", peek(p, 0));
                p->pos++;
        }
        return 0;
}

/* After a key/value pair or a header only a comment may follow on the line. */
static int expect_eol(struct parser *p, const char *after)
{
        skip_ws(p);
        int r = skip_comment(p);
        if (r < 0)
                return r;
        if (p->pos >= p->len)
                return 0;
        if (peek(p, 0) == '\n') {
                p->pos++;
                return 0;
        }
        if (peek(p, 0) == '\r' && peek(p, 1) == '\n') {
                p->pos += 2;
                return 0;
        }
        char d[32];
        return perr(p, p->pos, "expected end of line after %s, found %s", after,
                    describe(p, p->pos, d));
}

/* Skip blank space, newlines and comments, as allowed inside arrays. */
static int skip_ws_nl(struct parser *p)
{
        for (;;) {
                skip_ws(p);
                int r = skip_comment(p);
                if (r < 0)
                        return r;
                if (peek(p, 0) == '\n')
                        p->pos++;
                else if (peek(p, 0) == '\r' && peek(p, 1) == '\n')
                        p->pos += 2;
                else
                        return 0;
        }
}

static size_t utf8_len(const unsigned char *s, size_t n)
{
        unsigned char c = s[0];
        size_t len;
        uint32_t cp;
        if (c < 0x80)
                return 1;
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

static void put_utf8(struct sbuf *b, uint32_t cp)
{
        char u[4];
        size_t n;
        if (cp < 0x80) {
                u[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (char)(0xc0 | (cp >> 6));
                u[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (char)(0xe0 | (cp >> 12));
                u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                u[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
        } else {
                u[0] = (char)(0xf0 | (cp >> 18));
                u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                u[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
        }
        sbuf_append_len(b, u, n);
}

/* ------------------------------------------------------------------------
 * Strings
 * ------------------------------------------------------------------------ */

static int hex_value(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* At a backslash inside a basic string: append what the escape stands for. */
static int parse_escape(struct parser *p, struct sbuf *out)
{
        size_t start = p->pos;
        int c = peek(p, 1);
        const char *simple = NULL;
        switch (c) {
        case 'b':
                simple = "\b";
                break;
        case 't':
                simple = "\t";
                break;
        case 'n':
                simple = "\n";
                break;
        case 'f':
                simple = "\f";
                break;
        case 'r':
                simple = "\r";
                break;
        case '"':
                simple = "\"";
                break;
        case '\\':
                simple = "\\";
                break;
        case 'u':
        case 'U':
                break;
        case -1:
                return perr(p, p->len, "unterminated string");
        default:
                if (c >= 0x20 && c < 0x7f)
                        return perr(p, start, "invalid escape sequence '\\%c'", c);
                return perr(p, start, "invalid escape sequence");
        }
        if (simple) {
                sbuf_putc(out, simple[0]);
                p->pos += 2;
                return 0;
        }
        size_t ndigits = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (size_t i = 0; i < ndigits; i++) {
                int h = hex_value(peek(p, 2 + i));
                if (h < 0)
                        return perr(p, start, "invalid unicode escape: expected %zu hex digits",
                                    ndigits);
                cp = (cp << 4) | (uint32_t)h;
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return perr(p, start, "invalid unicode escape: U+%04X is not a scalar value",
                            (unsigned)cp);
        put_utf8(out, cp);
        p->pos += 2 + ndigits;
        return 0;
}

/* At the opening quote(s): parse a basic (") or literal (') string, single
 * or (where allow_multi: values, not keys) multi-line, appending its value to out. */
static int parse_string(struct parser *p, bool allow_multi, struct sbuf *out)
{
        char q = p->buf[p->pos];
        bool literal = q == '\'';
        bool multi = allow_multi && peek(p, 1) == q && peek(p, 2) == q;
        sbuf_append_len(out, "", 0);
        if (multi) {
                p->pos += 3;
                /* A newline right after the opening delimiter is trimmed. */
                if (peek(p, 0) == '\n')
                        p->pos++;
                else if (peek(p, 0) == '\r' && peek(p, 1) == '\n')
                        p->pos += 2;
        } else {
                p->pos++;
        }
        for (;;) {
                int c = peek(p, 0);
                if (c < 0)
                        return perr(p, p->pos, "unterminated string");
                if (c == q) {
                        if (!multi) {
                                p->pos++;
                                return 0;
                        }
                        size_t n = 0;
                        while (peek(p, n) == q)
                                n++;
                        if (n < 3) {
                                sbuf_append_len(out, p->buf + p->pos, n);
                                p->pos += n;
                                continue;
                        }
                        /* Up to two quotes may sit right before the closing three. */
                        if (n > 5)
                                return perr(p, p->pos + 5, "too many quotes at end of string");
                        sbuf_append_len(out, p->buf + p->pos, n - 3);
                        p->pos += n;
                        return 0;
                }
                if (c == '\\' && !literal) {
                        if (multi) {
                                /* A line-ending backslash eats all whitespace
                                 * up to the next non-blank character. */
                                size_t save = p->pos;
                                p->pos++;
                                skip_ws(p);
                                if (at_newline(p)) {
                                        while (peek(p, 0) == ' ' || peek(p, 0) == '\t' ||
                                               at_newline(p))
                                                p->pos += peek(p, 0) == '\r' ? 2 : 1;
                                        continue;
                                }
                                p->pos = save;
                        }
                        int r = parse_escape(p, out);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (c == '\n' || (c == '\r' && peek(p, 1) == '\n')) {
                        if (!multi)
                                return perr(p, p->pos, "newline in single-line string");
                        sbuf_putc(out, '\n');
                        p->pos += c == '\r' ? 2 : 1;
                        continue;
                }
                if (is_control(c))
                        return perr(p, p->pos, "control character 0x%02x in string", c);
                sbuf_putc(out, (char)c);
                p->pos++;
        }
}

/* ------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------ */

static void keypath_done(struct keypath *k)
{
        for (size_t i = 0; i < k->n; i++)
                free(k->parts[i].s);
        free(k->parts);
        memset(k, 0, sizeof(*k));
}

/* Allocates: the first n parts joined with dots, for messages. */
static char *keypath_str(const struct keypath *k, size_t n)
{
        struct sbuf b = {0};
        sbuf_append_len(&b, "", 0);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        sbuf_putc(&b, '.');
                sbuf_append(&b, k->parts[i].s);
        }
        return sbuf_steal(&b);
}

static int parse_key(struct parser *p, struct keypath *k)
{
        for (;;) {
                size_t start = p->pos;
                int c = peek(p, 0);
                char *s;
                if (c == '"' || c == '\'') {
                        struct sbuf b = {0};
                        int r = parse_string(p, false, &b);
                        if (r < 0) {
                                sbuf_done(&b);
                                return r;
                        }
                        /* Keys are C strings in the tree: "a\u0000b" would
                         * become "a" and alias another key. */
                        if (memchr(b.buf, '\0', b.len)) {
                                sbuf_done(&b);
                                return perr(p, start, "key contains a NUL character");
                        }
                        s = sbuf_steal(&b);
                } else {
                        while (is_bare_key_char(peek(p, 0)))
                                p->pos++;
                        if (p->pos == start) {
                                char d[32];
                                return perr(p, start, "expected a key, found %s",
                                            describe(p, start, d));
                        }
                        s = xstrndup(p->buf + start, p->pos - start);
                }
                xgrow((void **)&k->parts, &k->cap, k->n + 1, sizeof(struct keypart));
                k->parts[k->n++] = (struct keypart){.s = s, .pos = start};
                skip_ws(p);
                if (peek(p, 0) != '.')
                        return 0;
                p->pos++;
                skip_ws(p);
        }
}

/* ------------------------------------------------------------------------
 * Numbers and dates
 * ------------------------------------------------------------------------ */

static bool is_digit(int c)
{
        return c >= '0' && c <= '9';
}

/* Scan digits of base (with single underscores between digits) from s[i];
 * returns the index after them, or -1 when malformed or empty. */
static ssize_t scan_digits(const char *s, size_t n, size_t i, int base)
{
        size_t start = i;
        while (i < n) {
                int v = hex_value(s[i]);
                if (v >= 0 && v < base) {
                        i++;
                        continue;
                }
                if (s[i] == '_') {
                        if (i == start || i + 1 >= n || hex_value(s[i + 1]) < 0 ||
                            hex_value(s[i + 1]) >= base)
                                return -1;
                        i++;
                        continue;
                }
                break;
        }
        return i == start ? -1 : (ssize_t)i;
}

static int parse_integer(struct parser *p, const char *t, size_t n, size_t pos, struct json **ret)
{
        size_t i = 0;
        bool neg = false, sign = false;
        if (t[0] == '+' || t[0] == '-') {
                neg = t[0] == '-';
                sign = true;
                i++;
        }
        int base = 10;
        if (i + 1 < n && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'o' || t[i + 1] == 'b')) {
                if (sign)
                        return perr(p, pos,
                                    "sign not allowed on a hexadecimal, octal or binary "
                                    "integer");
                base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
                i += 2;
        } else if (i + 1 < n && t[i] == '0') {
                return perr(p, pos, "leading zeros are not allowed in '%.*s'", (int)n, t);
        }
        ssize_t end = scan_digits(t, n, i, base);
        if (end < 0 || (size_t)end != n)
                return perr(p, pos, "invalid number '%.*s'", (int)n, t);
        uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        uint64_t v = 0;
        for (; i < n; i++) {
                if (t[i] == '_')
                        continue;
                uint64_t d = (uint64_t)hex_value(t[i]);
                if (v > (limit - d) / (uint64_t)base)
                        return perr(p, pos, "integer '%.*s' out of range", (int)n, t);
                v = v * (uint64_t)base + d;
        }
        int64_t iv = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
        *ret = json_new_int(iv);
        return 0;
}

static int parse_float(struct parser *p, const char *t, size_t n, size_t pos, struct json **ret)
{
        size_t i = (t[0] == '+' || t[0] == '-') ? 1 : 0;
        const char *body = t + i;
        size_t bn = n - i;
        if ((bn == 3 && memcmp(body, "inf", 3) == 0) || (bn == 3 && memcmp(body, "nan", 3) == 0)) {
                double d = body[0] == 'i' ? INFINITY : NAN;
                *ret = json_new_double(t[0] == '-' ? -d : d);
                return 0;
        }
        if (i + 1 < n && t[i] == '0' && (is_digit(t[i + 1]) || t[i + 1] == '_'))
                return perr(p, pos, "leading zeros are not allowed in '%.*s'", (int)n, t);
        ssize_t end = scan_digits(t, n, i, 10);
        if (end < 0)
                return perr(p, pos, "invalid number '%.*s'", (int)n, t);
        i = (size_t)end;
        if (i < n && t[i] == '.') {
                end = scan_digits(t, n, i + 1, 10);
                if (end < 0)
                        return perr(p, pos, "invalid number '%.*s'", (int)n, t);
                i = (size_t)end;
        }
        if (i < n && (t[i] == 'e' || t[i] == 'E')) {
                i++;
                if (i < n && (t[i] == '+' || t[i] == '-'))
                        i++;
                end = scan_digits(t, n, i, 10);
                if (end < 0)
                        return perr(p, pos, "invalid number '%.*s'", (int)n, t);
                i = (size_t)end;
        }
        if (i != n)
                return perr(p, pos, "invalid number '%.*s'", (int)n, t);
        _cleanup_free_ char *clean = xmalloc(n + 1);
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
                if (t[j] != '_')
                        clean[k++] = t[j];
        clean[k] = '\0';
        double d = strtod(clean, NULL);
        if (isinf(d))
                return perr(p, pos, "float '%.*s' out of range", (int)n, t);
        *ret = json_new_double(d);
        return 0;
}

static bool two_digits(const char *s, int *v)
{
        if (!is_digit(s[0]) || !is_digit(s[1]))
                return false;
        *v = (s[0] - '0') * 10 + (s[1] - '0');
        return true;
}

/* Length of a valid "HH:MM:SS[.frac]" at t, 0 if not one. */
static size_t time_len(const char *t, size_t n)
{
        int h, m, s;
        if (n < 8 || !two_digits(t, &h) || t[2] != ':' || !two_digits(t + 3, &m) || t[5] != ':' ||
            !two_digits(t + 6, &s))
                return 0;
        /* No leap second: Go's time parsing, behind the other readers of
         * these files, refuses :60 too. */
        if (h > 23 || m > 59 || s > 59)
                return 0;
        size_t i = 8;
        if (i < n && t[i] == '.') {
                size_t start = ++i;
                while (i < n && is_digit(t[i]))
                        i++;
                if (i == start)
                        return 0;
        }
        return i;
}

static bool valid_date(const char *t)
{
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y1, y2, m, d;
        if (!two_digits(t, &y1) || !two_digits(t + 2, &y2) || t[4] != '-' ||
            !two_digits(t + 5, &m) || t[7] != '-' || !two_digits(t + 8, &d))
                return false;
        int y = y1 * 100 + y2;
        if (m < 1 || m > 12 || d < 1)
                return false;
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Offset date-times, local date-times, dates and times stay strings of their
 * text: nothing berth reads needs them as values. */
static int parse_datetime(struct parser *p, const char *t, size_t n, size_t pos, struct json **ret)
{
        size_t i = 0;
        bool has_date = n >= 10 && t[4] == '-';
        if (has_date) {
                if (!valid_date(t))
                        goto bad;
                i = 10;
                if (i == n)
                        goto ok;
                if (t[i] != 'T' && t[i] != 't' && t[i] != ' ')
                        goto bad;
                i++;
        }
        size_t tl = time_len(t + i, n - i);
        if (tl == 0)
                goto bad;
        i += tl;
        if (i < n && has_date) {
                /* An offset only follows a date and a time. */
                int oh, om;
                if (t[i] == 'Z' || t[i] == 'z')
                        i++;
                else if ((t[i] == '+' || t[i] == '-') && n - i == 6 && two_digits(t + i + 1, &oh) &&
                         t[i + 3] == ':' && two_digits(t + i + 4, &om) && oh <= 23 && om <= 59)
                        i += 6;
        }
        if (i != n)
                goto bad;
ok:
        *ret = json_new_string_len(t, n);
        return 0;
bad:
        return perr(p, pos, "invalid date or time '%.*s'", (int)n, t);
}

static bool is_token_char(int c)
{
        return is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

/* Numbers, inf/nan and dates: take the whole token, then decide. */
static int parse_scalar_token(struct parser *p, struct json **ret)
{
        size_t start = p->pos;
        while (is_token_char(peek(p, 0)))
                p->pos++;
        /* "1979-05-27 07:32:00": a space may separate date and time. */
        if (p->pos - start == 10 && p->buf[start + 4] == '-' && peek(p, 0) == ' ' &&
            is_digit(peek(p, 1)) && is_digit(peek(p, 2)) && peek(p, 3) == ':') {
                p->pos++;
                while (is_token_char(peek(p, 0)))
                        p->pos++;
        }
        const char *t = p->buf + start;
        size_t n = p->pos - start;
        if ((n >= 10 && is_digit(t[0]) && is_digit(t[1]) && is_digit(t[2]) && is_digit(t[3]) &&
             t[4] == '-') ||
            (n >= 3 && is_digit(t[0]) && is_digit(t[1]) && t[2] == ':'))
                return parse_datetime(p, t, n, start, ret);
        size_t b = (t[0] == '+' || t[0] == '-') ? 1 : 0;
        bool hexlike = n > b + 1 && t[b] == '0' && t[b + 1] == 'x';
        if (memchr(t, '.', n) || (!hexlike && (memchr(t, 'e', n) || memchr(t, 'E', n))) ||
            (n - b == 3 && (memcmp(t + b, "inf", 3) == 0 || memcmp(t + b, "nan", 3) == 0)))
                return parse_float(p, t, n, start, ret);
        return parse_integer(p, t, n, start, ret);
}

/* ------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

static int parse_value(struct parser *p, int level, struct json **ret);
static int parse_keyval(struct parser *p, struct json *table, int level);

static int check_level(struct parser *p, size_t pos, int level)
{
        if (level > JSON_MAX_DEPTH)
                return perr(p, pos, "nesting deeper than %d levels", JSON_MAX_DEPTH);
        return 0;
}

static int parse_array(struct parser *p, int level, struct json **ret)
{
        int r = check_level(p, p->pos, level);
        if (r < 0)
                return r;
        p->pos++;
        _cleanup_json_ struct json *arr = json_new_array();
        for (;;) {
                r = skip_ws_nl(p);
                if (r < 0)
                        return r;
                if (peek(p, 0) == ']')
                        break;
                struct json *v;
                r = parse_value(p, level + 1, &v);
                if (r < 0)
                        return r;
                json_array_append(arr, v);
                r = skip_ws_nl(p);
                if (r < 0)
                        return r;
                if (peek(p, 0) == ',') {
                        p->pos++;
                        continue;
                }
                if (peek(p, 0) == ']')
                        break;
                char d[32];
                return perr(p, p->pos, "expected ',' or ']' in array, found %s",
                            describe(p, p->pos, d));
        }
        p->pos++;
        *ret = steal_pointer(&arr);
        return 0;
}

static int parse_inline_table(struct parser *p, int level, struct json **ret)
{
        int r = check_level(p, p->pos, level);
        if (r < 0)
                return r;
        p->pos++;
        _cleanup_json_ struct json *obj = json_new_object();
        skip_ws(p);
        if (peek(p, 0) == '}') {
                p->pos++;
                *ret = steal_pointer(&obj);
                return 0;
        }
        for (;;) {
                skip_ws(p);
                r = parse_keyval(p, obj, level);
                if (r < 0)
                        return r;
                skip_ws(p);
                if (peek(p, 0) == ',') {
                        p->pos++;
                        continue;
                }
                if (peek(p, 0) == '}')
                        break;
                char d[32];
                return perr(p, p->pos, "expected ',' or '}' in inline table, found %s",
                            describe(p, p->pos, d));
        }
        p->pos++;
        *ret = steal_pointer(&obj);
        return 0;
}

/* level: the nesting the value gets if it is an array or a table. */
static int parse_value(struct parser *p, int level, struct json **ret)
{
        int c = peek(p, 0);
        char d[32];
        switch (c) {
        case '"':
        case '\'': {
                struct sbuf b = {0};
                int r = parse_string(p, true, &b);
                if (r < 0) {
                        sbuf_done(&b);
                        return r;
                }
                *ret = json_new_string_len(b.buf, b.len);
                sbuf_done(&b);
                return 0;
        }
        case '[':
                return parse_array(p, level, ret);
        case '{':
                return parse_inline_table(p, level, ret);
        case 't':
        case 'f': {
                const char *word = c == 't' ? "true" : "false";
                size_t n = strlen(word);
                if (p->len - p->pos < n || memcmp(p->buf + p->pos, word, n) != 0)
                        break;
                p->pos += n;
                *ret = json_new_bool(c == 't');
                return 0;
        }
        default:
                if (is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n')
                        return parse_scalar_token(p, ret);
                break;
        }
        return perr(p, p->pos, "expected a value, found %s", describe(p, p->pos, d));
}

/* "an integer", "a string": for messages. */
static const char *type_phrase(enum json_type t)
{
        switch (t) {
        case JSON_INT:
                return "an integer";
        case JSON_ARRAY:
                return "an array";
        case JSON_OBJECT:
                return "a table";
        case JSON_DOUBLE:
                return "a float";
        case JSON_BOOL:
                return "a boolean";
        case JSON_STRING:
                return "a string";
        default:
                return "a value";
        }
}

static enum node_kind kind_for_value(const struct json *v)
{
        if (v->type == JSON_OBJECT)
                return TABLE_INLINE;
        if (v->type == JSON_ARRAY)
                return ARRAY_STATIC;
        return NODE_NONE;
}

/* Store v under the dotted key k, relative to table. Takes v. */
static int assign(struct parser *p, struct json *table, const struct keypath *k, struct json *v)
{
        _cleanup_json_ struct json *val = v;
        struct json *t = table;
        for (size_t i = 0; i + 1 < k->n; i++) {
                struct json *c = child_get(p, t, k->parts[i].s);
                if (!c) {
                        c = json_new_object();
                        child_add(p, t, k->parts[i].s, c, TABLE_DOTTED);
                        t = c;
                        continue;
                }
                enum node_kind kind = kind_of(p, c);
                _cleanup_free_ char *name = keypath_str(k, i + 1);
                if (c->type != JSON_OBJECT)
                        return perr(p, k->parts[i].pos, "key '%s' is already defined as %s", name,
                                    type_phrase(c->type));
                if (kind == TABLE_INLINE)
                        return perr(p, k->parts[i].pos, "cannot add keys to inline table '%s'",
                                    name);
                if (kind == TABLE_EXPLICIT)
                        return perr(p, k->parts[i].pos,
                                    "cannot add keys to table '%s' with dotted keys: it is "
                                    "defined by a header",
                                    name);
                /* Dotted keys extending a header's parent define it. */
                if (kind == TABLE_IMPLICIT)
                        set_kind(p, c, TABLE_DOTTED);
                t = c;
        }
        const char *last = k->parts[k->n - 1].s;
        if (child_get(p, t, last)) {
                _cleanup_free_ char *name = keypath_str(k, k->n);
                return perr(p, k->parts[0].pos, "duplicate key '%s'", name);
        }
        enum node_kind kind = kind_for_value(val);
        child_add(p, t, last, steal_pointer(&val), kind);
        return 0;
}

/* key = value, into table (whose own nesting is level). */
static int parse_keyval(struct parser *p, struct json *table, int level)
{
        struct keypath k = {0};
        int r = parse_key(p, &k);
        if (r < 0)
                goto out;
        if (peek(p, 0) != '=') {
                char d[32];
                r = perr(p, p->pos, "expected '=' after key, found %s", describe(p, p->pos, d));
                goto out;
        }
        p->pos++;
        skip_ws(p);
        /* Dotted parts nest too: the tables they make count against the limit. */
        r = check_level(p, k.parts[0].pos, level + (int)k.n - 1);
        if (r < 0)
                goto out;
        struct json *v;
        r = parse_value(p, level + (int)k.n, &v);
        if (r < 0)
                goto out;
        r = assign(p, table, &k, v);
out:
        keypath_done(&k);
        return r;
}

/* ------------------------------------------------------------------------
 * Headers
 * ------------------------------------------------------------------------ */

static int walk_header(struct parser *p, const struct keypath *k, bool aot)
{
        struct json *t = p->root;
        int level = 1;
        for (size_t i = 0; i + 1 < k->n; i++) {
                size_t pos = k->parts[i].pos;
                struct json *c = child_get(p, t, k->parts[i].s);
                _cleanup_free_ char *name = keypath_str(k, i + 1);
                if (!c) {
                        int r = check_level(p, pos, level + 1);
                        if (r < 0)
                                return r;
                        c = json_new_object();
                        child_add(p, t, k->parts[i].s, c, TABLE_IMPLICIT);
                        t = c;
                        level++;
                        continue;
                }
                enum node_kind kind = kind_of(p, c);
                if (c->type == JSON_OBJECT && kind != TABLE_INLINE) {
                        t = c;
                        level++;
                } else if (c->type == JSON_OBJECT) {
                        return perr(p, pos, "cannot extend inline table '%s'", name);
                } else if (c->type == JSON_ARRAY && kind == ARRAY_TABLES) {
                        /* [a.b] after [[a]] belongs to a's last element. */
                        t = c->arr.items[c->arr.len - 1];
                        level += 2;
                } else if (c->type == JSON_ARRAY) {
                        return perr(p, pos, "cannot extend array '%s' with a table", name);
                } else {
                        return perr(p, pos, "key '%s' is already defined as %s", name,
                                    type_phrase(c->type));
                }
        }
        const char *last = k->parts[k->n - 1].s;
        size_t pos = k->parts[0].pos;
        _cleanup_free_ char *name = keypath_str(k, k->n);
        struct json *c = child_get(p, t, last);
        if (!aot) {
                if (!c) {
                        int r = check_level(p, k->parts[k->n - 1].pos, level + 1);
                        if (r < 0)
                                return r;
                        c = json_new_object();
                        child_add(p, t, last, c, TABLE_EXPLICIT);
                } else if (c->type == JSON_OBJECT && kind_of(p, c) == TABLE_IMPLICIT) {
                        set_kind(p, c, TABLE_EXPLICIT);
                } else if (c->type == JSON_OBJECT) {
                        return perr(p, pos, "table '%s' already defined", name);
                } else if (c->type == JSON_ARRAY && kind_of(p, c) == ARRAY_TABLES) {
                        return perr(p, pos, "table '%s' already defined as an array of tables",
                                    name);
                } else {
                        return perr(p, pos, "key '%s' already defined", name);
                }
                p->cur = c;
                p->cur_level = level + 1;
                return 0;
        }
        if (!c) {
                int r = check_level(p, k->parts[k->n - 1].pos, level + 2);
                if (r < 0)
                        return r;
                c = json_new_array();
                child_add(p, t, last, c, ARRAY_TABLES);
        } else if (c->type != JSON_ARRAY || kind_of(p, c) != ARRAY_TABLES) {
                return perr(p, pos, "key '%s' already defined and not an array of tables", name);
        }
        struct json *elem = json_new_object();
        json_array_append(c, elem);
        set_kind(p, elem, TABLE_EXPLICIT);
        p->cur = elem;
        p->cur_level = level + 2;
        return 0;
}

static int parse_header(struct parser *p)
{
        bool aot = peek(p, 1) == '[';
        p->pos += aot ? 2 : 1;
        skip_ws(p);
        struct keypath k = {0};
        int r = parse_key(p, &k);
        if (r < 0)
                goto out;
        if (peek(p, 0) != ']' || (aot && peek(p, 1) != ']')) {
                size_t at = peek(p, 0) == ']' ? p->pos + 1 : p->pos;
                char d[32];
                r = perr(p, at, "expected '%s' after table name, found %s", aot ? "]]" : "]",
                         describe(p, at, d));
                goto out;
        }
        p->pos += aot ? 2 : 1;
        r = expect_eol(p, "table header");
        if (r < 0)
                goto out;
        r = walk_header(p, &k, aot);
out:
        keypath_done(&k);
        return r;
}

/* ------------------------------------------------------------------------
 * Documents
 * ------------------------------------------------------------------------ */

static int check_utf8(struct parser *p)
{
        const unsigned char *u = (const unsigned char *)p->buf;
        for (size_t i = 0; i < p->len;) {
                size_t n = utf8_len(u + i, p->len - i);
                if (n == 0)
                        return perr(p, i, "invalid UTF-8");
                i += n;
        }
        return 0;
}

static int parse_document(struct parser *p)
{
        int r = check_utf8(p);
        if (r < 0)
                return r;
        if (p->len >= 3 && memcmp(p->buf, "\xef\xbb\xbf", 3) == 0)
                p->pos = 3;
        while (p->pos < p->len) {
                skip_ws(p);
                int c = peek(p, 0);
                if (c < 0 || c == '#' || c == '\n' || c == '\r')
                        r = expect_eol(p, "blank space");
                else if (c == '[')
                        r = parse_header(p);
                else if ((r = parse_keyval(p, p->cur, p->cur_level)) == 0)
                        r = expect_eol(p, "value");
                if (r < 0)
                        return r;
        }
        return 0;
}

int toml_parse(const char *buf, size_t len, const char *name, struct json **ret, struct err *e)
{
        struct parser p = {
                .buf = buf ? buf : "",
                .len = buf ? len : 0,
                .name = name ? name : "<input>",
                .e = e,
        };
        p.root = json_new_object();
        set_kind(&p, p.root, TABLE_EXPLICIT);
        p.cur = p.root;
        p.cur_level = 1;
        int r = parse_document(&p);
        free(p.map.slots);
        if (r < 0) {
                json_free(p.root);
                return r;
        }
        *ret = p.root;
        return 0;
}

int toml_parse_file(const char *path, struct json **ret, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = fs_read_file(AT_FDCWD, path, TOML_MAX_SIZE, &buf, &len, e);
        if (r < 0)
                return r;
        return toml_parse(buf, len, path, ret, e);
}
