/* SPDX-License-Identifier: Apache-2.0 */
/* A TOML v1.0 reader producing the JSON tree (tables are objects): documents, tables and keys. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "toml-internal.h"

struct keypart {
        char *s;
        size_t pos;
};

struct keypath {
        struct keypart *parts;
        size_t n, cap;
};

int toml_perr(struct parser *p, size_t pos, const char *fmt, ...)
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

void toml_skip_ws(struct parser *p)
{
        while (toml_peek(p, 0) == ' ' || toml_peek(p, 0) == '\t')
                p->pos++;
}

static int skip_comment(struct parser *p)
{
        if (toml_peek(p, 0) != '#')
                return 0;
        p->pos++;
        while (p->pos < p->len && !toml_at_newline(p)) {
                if (toml_is_control(toml_peek(p, 0)))
                        return toml_perr(p, p->pos, "control character 0x%02x in comment",
                                         toml_peek(p, 0));
                p->pos++;
        }
        return 0;
}

/* After a key/value pair or a header only a comment may follow on the line. */
static int expect_eol(struct parser *p, const char *after)
{
        toml_skip_ws(p);
        int r = skip_comment(p);
        if (r < 0)
                return r;
        if (p->pos >= p->len)
                return 0;
        if (toml_peek(p, 0) == '\n') {
                p->pos++;
                return 0;
        }
        if (toml_peek(p, 0) == '\r' && toml_peek(p, 1) == '\n') {
                p->pos += 2;
                return 0;
        }
        char d[32];
        return toml_perr(p, p->pos, "expected end of line after %s, found %s", after,
                         describe(p, p->pos, d));
}

/* Skip blank space, newlines and comments, as allowed inside arrays. */
static int skip_ws_nl(struct parser *p)
{
        for (;;) {
                toml_skip_ws(p);
                int r = skip_comment(p);
                if (r < 0)
                        return r;
                if (toml_peek(p, 0) == '\n')
                        p->pos++;
                else if (toml_peek(p, 0) == '\r' && toml_peek(p, 1) == '\n')
                        p->pos += 2;
                else
                        return 0;
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
                int c = toml_peek(p, 0);
                char *s;
                if (c == '"' || c == '\'') {
                        struct sbuf b = {0};
                        int r = toml_parse_string(p, false, &b);
                        if (r < 0) {
                                sbuf_done(&b);
                                return r;
                        }
                        /* Keys are C strings in the tree: "a\u0000b" would
                         * become "a" and alias another key. */
                        if (memchr(b.buf, '\0', b.len)) {
                                sbuf_done(&b);
                                return toml_perr(p, start, "key contains a NUL character");
                        }
                        s = sbuf_steal(&b);
                } else {
                        while (toml_is_bare_key_char(toml_peek(p, 0)))
                                p->pos++;
                        if (p->pos == start) {
                                char d[32];
                                return toml_perr(p, start, "expected a key, found %s",
                                                 describe(p, start, d));
                        }
                        s = xstrndup(p->buf + start, p->pos - start);
                }
                xgrow((void **)&k->parts, &k->cap, k->n + 1, sizeof(struct keypart));
                k->parts[k->n++] = (struct keypart){.s = s, .pos = start};
                toml_skip_ws(p);
                if (toml_peek(p, 0) != '.')
                        return 0;
                p->pos++;
                toml_skip_ws(p);
        }
}

/* ------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

static int parse_value(struct parser *p, int level, struct json **ret);
static int parse_keyval(struct parser *p, struct json *table, int level);

static int check_level(struct parser *p, size_t pos, int level)
{
        if (level > JSON_MAX_DEPTH)
                return toml_perr(p, pos, "nesting deeper than %d levels", JSON_MAX_DEPTH);
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
                if (toml_peek(p, 0) == ']')
                        break;
                struct json *v;
                r = parse_value(p, level + 1, &v);
                if (r < 0)
                        return r;
                json_array_append(arr, v);
                r = skip_ws_nl(p);
                if (r < 0)
                        return r;
                if (toml_peek(p, 0) == ',') {
                        p->pos++;
                        continue;
                }
                if (toml_peek(p, 0) == ']')
                        break;
                char d[32];
                return toml_perr(p, p->pos, "expected ',' or ']' in array, found %s",
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
        toml_skip_ws(p);
        if (toml_peek(p, 0) == '}') {
                p->pos++;
                *ret = steal_pointer(&obj);
                return 0;
        }
        for (;;) {
                toml_skip_ws(p);
                r = parse_keyval(p, obj, level);
                if (r < 0)
                        return r;
                toml_skip_ws(p);
                if (toml_peek(p, 0) == ',') {
                        p->pos++;
                        continue;
                }
                if (toml_peek(p, 0) == '}')
                        break;
                char d[32];
                return toml_perr(p, p->pos, "expected ',' or '}' in inline table, found %s",
                                 describe(p, p->pos, d));
        }
        p->pos++;
        *ret = steal_pointer(&obj);
        return 0;
}

/* level: the nesting the value gets if it is an array or a table. */
static int parse_value(struct parser *p, int level, struct json **ret)
{
        int c = toml_peek(p, 0);
        char d[32];
        switch (c) {
        case '"':
        case '\'': {
                struct sbuf b = {0};
                int r = toml_parse_string(p, true, &b);
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
                if (toml_is_digit(c) || c == '+' || c == '-' || c == 'i' || c == 'n')
                        return toml_parse_scalar_token(p, ret);
                break;
        }
        return toml_perr(p, p->pos, "expected a value, found %s", describe(p, p->pos, d));
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
                        return toml_perr(p, k->parts[i].pos, "key '%s' is already defined as %s",
                                         name, type_phrase(c->type));
                if (kind == TABLE_INLINE)
                        return toml_perr(p, k->parts[i].pos, "cannot add keys to inline table '%s'",
                                         name);
                if (kind == TABLE_EXPLICIT)
                        return toml_perr(p, k->parts[i].pos,
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
                return toml_perr(p, k->parts[0].pos, "duplicate key '%s'", name);
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
        if (toml_peek(p, 0) != '=') {
                char d[32];
                r = toml_perr(p, p->pos, "expected '=' after key, found %s",
                              describe(p, p->pos, d));
                goto out;
        }
        p->pos++;
        toml_skip_ws(p);
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
                        return toml_perr(p, pos, "cannot extend inline table '%s'", name);
                } else if (c->type == JSON_ARRAY && kind == ARRAY_TABLES) {
                        /* [a.b] after [[a]] belongs to a's last element. */
                        t = c->arr.items[c->arr.len - 1];
                        level += 2;
                } else if (c->type == JSON_ARRAY) {
                        return toml_perr(p, pos, "cannot extend array '%s' with a table", name);
                } else {
                        return toml_perr(p, pos, "key '%s' is already defined as %s", name,
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
                        return toml_perr(p, pos, "table '%s' already defined", name);
                } else if (c->type == JSON_ARRAY && kind_of(p, c) == ARRAY_TABLES) {
                        return toml_perr(p, pos, "table '%s' already defined as an array of tables",
                                         name);
                } else {
                        return toml_perr(p, pos, "key '%s' already defined", name);
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
                return toml_perr(p, pos, "key '%s' already defined and not an array of tables",
                                 name);
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
        bool aot = toml_peek(p, 1) == '[';
        p->pos += aot ? 2 : 1;
        toml_skip_ws(p);
        struct keypath k = {0};
        int r = parse_key(p, &k);
        if (r < 0)
                goto out;
        if (toml_peek(p, 0) != ']' || (aot && toml_peek(p, 1) != ']')) {
                size_t at = toml_peek(p, 0) == ']' ? p->pos + 1 : p->pos;
                char d[32];
                r = toml_perr(p, at, "expected '%s' after table name, found %s", aot ? "]]" : "]",
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
                size_t n = utf8_seq_len(u + i, p->len - i);
                if (n == 0)
                        return toml_perr(p, i, "invalid UTF-8");
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
                toml_skip_ws(p);
                int c = toml_peek(p, 0);
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
