/* SPDX-License-Identifier: Apache-2.0 */
/* Private to libcore/base: the TOML parser state shared by toml.c and toml-value.c. */
#pragma once

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

/* Fail with "name:line:column: message" for byte offset pos. */
int toml_perr(struct parser *p, size_t pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Skip spaces and tabs. */
void toml_skip_ws(struct parser *p);
/* At the opening quote(s): a basic or literal string, multi-line where allowed, into out. */
int toml_parse_string(struct parser *p, bool allow_multi, struct sbuf *out);
/* Numbers, inf/nan and dates: take the whole token, then decide. */
int toml_parse_scalar_token(struct parser *p, struct json **ret);

/* The byte off bytes ahead, -1 past the end. */
static inline int toml_peek(const struct parser *p, size_t off)
{
        return p->pos + off < p->len ? (unsigned char)p->buf[p->pos + off] : -1;
}

/* At "\n" or "\r\n". */
static inline bool toml_at_newline(const struct parser *p)
{
        return toml_peek(p, 0) == '\n' || (toml_peek(p, 0) == '\r' && toml_peek(p, 1) == '\n');
}

/* A character of a bare key: ASCII letters, digits, '_' and '-'. */
static inline bool toml_is_bare_key_char(int c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

/* A control character other than tab (DEL included). */
static inline bool toml_is_control(int c)
{
        return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

/* A decimal digit. */
static inline bool toml_is_digit(int c)
{
        return c >= '0' && c <= '9';
}
