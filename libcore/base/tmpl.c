/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The subset of Go's text/template that --format uses, evaluated over JSON
 * values.
 *
 * The reference is Go 1.19's text/template with podman 4.3's function map,
 * applied to data decoded from JSON: objects behave like Go maps (a missing
 * key is "<no value>", range and %v visit keys sorted), arrays like slices,
 * integers like int and other numbers like float64. Error messages keep
 * Go's wording so that users can search for them; positions are
 * "line:column" with Go's 0-based byte column.
 *
 * Everything here treats the template as untrusted input: nesting depth,
 * evaluation steps, temporary memory and output size are all bounded.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "base.h"

#define TMPL_MAX_SOURCE (64u << 10) /* bytes of template text */
#define TMPL_MAX_DEPTH 100          /* nested control structures and parentheses */
#define TMPL_MAX_OUTPUT (64u << 20) /* bytes one execution may produce */
#define TMPL_MAX_TEMP (64u << 20)   /* bytes of values alive at once */
#define TMPL_MAX_WORK (1ull << 30)  /* bytes of values made in one execution */
#define TMPL_MAX_STEPS (1u << 25)   /* evaluation steps of one execution */
#define TMPL_MAX_VALUE_DEPTH 512    /* nesting of values printed with %v */

/* ------------------------------------------------------------------------
 * Syntax tree
 * ------------------------------------------------------------------------ */

struct pipe;
struct func;

enum arg_kind {
        ARG_DOT,     /* . */
        ARG_NIL,     /* nil */
        ARG_LITERAL, /* string, number, char or bool constant */
        ARG_FIELD,   /* .A.B on dot */
        ARG_VAR,     /* $x or $x.A.B */
        ARG_FUNC,    /* function name */
        ARG_PIPE,    /* ( pipeline ) */
        ARG_CHAIN,   /* (pipeline).A.B or func.A */
};

struct arg {
        enum arg_kind kind;
        size_t pos, end;       /* source span, for error context */
        struct json *lit;      /* ARG_LITERAL */
        char *name;            /* ARG_VAR: "$x" */
        const struct func *fn; /* ARG_FUNC */
        struct pipe *pipe;     /* ARG_PIPE */
        struct arg *base;      /* ARG_CHAIN: the term the fields apply to */
        char **fields;         /* ARG_FIELD, ARG_VAR, ARG_CHAIN: field names */
        size_t n_fields;
};

struct cmd {
        size_t pos, end;
        struct arg **args;
        size_t n_args, cap;
};

struct pipe {
        size_t pos, end;
        char **decls; /* variables declared (or assigned) by the pipeline */
        size_t n_decls;
        bool is_assign;
        struct cmd **cmds;
        size_t n_cmds, cap;
};

enum node_kind {
        NODE_TEXT,
        NODE_ACTION,
        NODE_IF,
        NODE_RANGE,
        NODE_WITH,
        NODE_BREAK,
        NODE_CONTINUE,
};

struct node;

struct list {
        struct node **items;
        size_t n, cap;
};

struct node {
        enum node_kind kind;
        size_t pos;
        const char *text; /* NODE_TEXT: points into tmpl->src */
        size_t text_len;
        struct pipe *pipe;
        struct list list, else_list;
};

struct tmpl {
        char *src; /* the text that was parsed; text nodes point into it */
        struct list root;
        bool table;
};

static void pipe_free(struct pipe *p);

static void arg_free(struct arg *a)
{
        if (!a)
                return;
        json_free(a->lit);
        free(a->name);
        pipe_free(a->pipe);
        arg_free(a->base);
        for (size_t i = 0; i < a->n_fields; i++)
                free(a->fields[i]);
        free(a->fields);
        free(a);
}
DEFINE_CLEANUP_FUNC(struct arg *, arg_free)

static void cmd_free(struct cmd *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_args; i++)
                arg_free(c->args[i]);
        free(c->args);
        free(c);
}
DEFINE_CLEANUP_FUNC(struct cmd *, cmd_free)

static void pipe_free(struct pipe *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n_decls; i++)
                free(p->decls[i]);
        free(p->decls);
        for (size_t i = 0; i < p->n_cmds; i++)
                cmd_free(p->cmds[i]);
        free(p->cmds);
        free(p);
}
DEFINE_CLEANUP_FUNC(struct pipe *, pipe_free)

static void node_free(struct node *n);

static void list_done(struct list *l)
{
        for (size_t i = 0; i < l->n; i++)
                node_free(l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = l->cap = 0;
}

static void node_free(struct node *n)
{
        if (!n)
                return;
        pipe_free(n->pipe);
        list_done(&n->list);
        list_done(&n->else_list);
        free(n);
}
DEFINE_CLEANUP_FUNC(struct node *, node_free)

static void list_append(struct list *l, struct node *n)
{
        xgrow((void **)&l->items, &l->cap, l->n + 1, sizeof(*l->items));
        l->items[l->n++] = n;
}

/* ------------------------------------------------------------------------
 * Lexer: the whole source becomes a token array first, as Go's lexer
 * does; spaces inside actions are tokens because the grammar needs them
 * ("$x .A" is two operands, "$x.A" one).
 * ------------------------------------------------------------------------ */

enum tok_type {
        TK_EOF,
        TK_TEXT,
        TK_LDELIM,
        TK_RDELIM,
        TK_SPACE,
        TK_FIELD,  /* .Name */
        TK_VAR,    /* $ or $name */
        TK_IDENT,  /* function name */
        TK_STRING, /* "..." */
        TK_RAWSTR, /* `...` */
        TK_CHARCONST,
        TK_NUMBER,
        TK_BOOL,
        TK_NIL,
        TK_DOT,
        TK_LPAREN,
        TK_RPAREN,
        TK_PIPE,
        TK_DECLARE, /* := */
        TK_ASSIGN,  /* = */
        TK_CHAR,    /* any other printable ASCII character, e.g. ',' */
        /* keywords */
        TK_KEYWORD,
        TK_IF = TK_KEYWORD,
        TK_ELSE,
        TK_END,
        TK_RANGE,
        TK_WITH,
        TK_BREAK,
        TK_CONTINUE,
        TK_DEFINE,
        TK_TEMPLATE,
        TK_BLOCK,
};

static const struct {
        const char *word;
        enum tok_type type;
} keywords[] = {
        {"if", TK_IF},
        {"else", TK_ELSE},
        {"end", TK_END},
        {"range", TK_RANGE},
        {"with", TK_WITH},
        {"break", TK_BREAK},
        {"continue", TK_CONTINUE},
        {"define", TK_DEFINE},
        {"template", TK_TEMPLATE},
        {"block", TK_BLOCK},
        {"nil", TK_NIL},
};

struct token {
        enum tok_type type;
        size_t pos, len;
};

struct lexer {
        const char *src;
        size_t len, pos;
        struct token *toks;
        size_t n, cap;
        int paren_depth;
        struct err *e;
};

/* Go's line:column of a source offset: 1-based line, 0-based byte column. */
static void src_location(const char *src, size_t pos, size_t *ret_line, size_t *ret_col)
{
        size_t line = 1, line_start = 0;
        for (size_t i = 0; i < pos && src[i]; i++) {
                if (src[i] == '\n') {
                        line++;
                        line_start = i + 1;
                }
        }
        *ret_line = line;
        *ret_col = pos - line_start;
}

static int syntax_error(struct err *e, const char *src, size_t pos, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int syntax_error(struct err *e, const char *src, size_t pos, const char *fmt, ...)
{
        size_t line, col;
        src_location(src, pos, &line, &col);
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        return err_set(e, EINVAL, "template: :%zu:%zu: %s", line, col, msg);
}

static bool is_space(int c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Letters, digits and '_'; bytes of multi-byte UTF-8 sequences count as
 * letters, which accepts every non-ASCII letter Go accepts (and a few
 * non-letters it would reject). */
static bool is_alnum(int c)
{
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c >= 0x80;
}

static int lx_peek(const struct lexer *lx)
{
        return lx->pos < lx->len ? (unsigned char)lx->src[lx->pos] : -1;
}

static void lx_emit(struct lexer *lx, enum tok_type type, size_t start, size_t end)
{
        xgrow((void **)&lx->toks, &lx->cap, lx->n + 1, sizeof(*lx->toks));
        lx->toks[lx->n++] = (struct token){.type = type, .pos = start, .len = end - start};
}

static bool has_prefix_at(const struct lexer *lx, size_t pos, const char *prefix)
{
        size_t n = strlen(prefix);
        return pos <= lx->len && lx->len - pos >= n && memcmp(lx->src + pos, prefix, n) == 0;
}

/* "{{- " : a dash and one space character after the delimiter. */
static bool left_trim_at(const struct lexer *lx, size_t pos)
{
        return pos + 1 < lx->len && lx->src[pos] == '-' && is_space(lx->src[pos + 1]);
}

/* At a closing delimiter "}}" or " -}}"; *ret_trim tells which. */
static bool right_delim_at(const struct lexer *lx, size_t pos, bool *ret_trim)
{
        if (pos + 1 < lx->len && is_space(lx->src[pos]) && lx->src[pos + 1] == '-' &&
            has_prefix_at(lx, pos + 2, "}}")) {
                *ret_trim = true;
                return true;
        }
        *ret_trim = false;
        return has_prefix_at(lx, pos, "}}");
}

static size_t skip_spaces(const struct lexer *lx, size_t pos)
{
        while (pos < lx->len && is_space(lx->src[pos]))
                pos++;
        return pos;
}

/* Go's atTerminator: what may follow a field, variable or identifier. */
static bool at_terminator(const struct lexer *lx)
{
        int c = lx_peek(lx);
        return c < 0 || is_space(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' ||
               c == '(' || c == '}';
}

static int lx_error(struct lexer *lx, size_t pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int lx_error(struct lexer *lx, size_t pos, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        return syntax_error(lx->e, lx->src, pos, "%s", msg);
}

/* Go's %#U of the character at pos (best effort for non-ASCII). */
static char *describe_char(const struct lexer *lx, size_t pos)
{
        int c = pos < lx->len ? (unsigned char)lx->src[pos] : -1;
        if (c < 0)
                return xstrdup("EOF");
        if (c >= 0x20 && c < 0x7f)
                return xasprintf("U+%04X '%c'", c, c);
        return xasprintf("U+%04X", c);
}

static int lex_quote(struct lexer *lx, char quote, enum tok_type type, const char *what)
{
        size_t start = lx->pos++;
        for (;;) {
                int c = lx_peek(lx);
                if (c < 0 || (c == '\n' && quote != '`'))
                        return lx_error(lx, start, "unterminated %s", what);
                lx->pos++;
                if (c == '\\' && quote != '`') {
                        c = lx_peek(lx);
                        if (c < 0 || c == '\n')
                                return lx_error(lx, start, "unterminated %s", what);
                        lx->pos++;
                        continue;
                }
                if (c == quote)
                        break;
        }
        lx_emit(lx, type, start, lx->pos);
        return 0;
}

static void accept_run(struct lexer *lx, const char *set)
{
        while (lx->pos < lx->len && strchr(set, lx->src[lx->pos]) && lx->src[lx->pos])
                lx->pos++;
}

static bool accept(struct lexer *lx, const char *set)
{
        if (lx->pos < lx->len && lx->src[lx->pos] && strchr(set, lx->src[lx->pos])) {
                lx->pos++;
                return true;
        }
        return false;
}

static int lex_number(struct lexer *lx)
{
        size_t start = lx->pos;
        const char *digits = "0123456789_";
        accept(lx, "+-");
        if (accept(lx, "0")) {
                if (accept(lx, "xX"))
                        digits = "0123456789abcdefABCDEF_";
                else if (accept(lx, "oO"))
                        digits = "01234567_";
                else if (accept(lx, "bB"))
                        digits = "01_";
        }
        accept_run(lx, digits);
        if (accept(lx, "."))
                accept_run(lx, digits);
        if (strlen(digits) == 11 && accept(lx, "eE")) {
                accept(lx, "+-");
                accept_run(lx, "0123456789_");
        }
        if (strlen(digits) == 23 && accept(lx, "pP")) {
                accept(lx, "+-");
                accept_run(lx, "0123456789_");
        }
        accept(lx, "i");
        int c = lx_peek(lx);
        if (c >= 0 && (is_alnum(c) || c == '+' || c == '-')) {
                lx->pos++;
                return lx_error(lx, start, "bad number syntax: \"%.*s\"", (int)(lx->pos - start),
                                lx->src + start);
        }
        lx_emit(lx, TK_NUMBER, start, lx->pos);
        return 0;
}

/* After '.' or '$': a field or variable name (or a bare "." / "$"). */
static int lex_field_or_var(struct lexer *lx, size_t start, enum tok_type type)
{
        if (at_terminator(lx)) {
                lx_emit(lx, type == TK_VAR ? TK_VAR : TK_DOT, start, lx->pos);
                return 0;
        }
        while (lx->pos < lx->len && is_alnum((unsigned char)lx->src[lx->pos]))
                lx->pos++;
        if (!at_terminator(lx)) {
                _cleanup_free_ char *d = describe_char(lx, lx->pos);
                return lx_error(lx, lx->pos, "bad character %s", d);
        }
        lx_emit(lx, type, start, lx->pos);
        return 0;
}

static int lex_identifier(struct lexer *lx)
{
        size_t start = lx->pos;
        while (lx->pos < lx->len && is_alnum((unsigned char)lx->src[lx->pos]))
                lx->pos++;
        if (!at_terminator(lx)) {
                _cleanup_free_ char *d = describe_char(lx, lx->pos);
                return lx_error(lx, lx->pos, "bad character %s", d);
        }
        size_t n = lx->pos - start;
        const char *w = lx->src + start;
        for (size_t i = 0; i < ARRAY_SIZE(keywords); i++) {
                if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, w, n) == 0) {
                        lx_emit(lx, keywords[i].type, start, lx->pos);
                        return 0;
                }
        }
        if ((n == 4 && memcmp(w, "true", 4) == 0) || (n == 5 && memcmp(w, "false", 5) == 0))
                lx_emit(lx, TK_BOOL, start, lx->pos);
        else
                lx_emit(lx, TK_IDENT, start, lx->pos);
        return 0;
}

/* Tokens of one action, up to and including its closing delimiter. */
static int lex_action(struct lexer *lx)
{
        lx->paren_depth = 0;
        for (;;) {
                bool trim;
                if (right_delim_at(lx, lx->pos, &trim)) {
                        if (lx->paren_depth > 0)
                                return lx_error(lx, lx->pos, "unclosed left paren");
                        size_t start = lx->pos;
                        lx->pos += trim ? 4 : 2;
                        lx_emit(lx, TK_RDELIM, start, lx->pos);
                        if (trim)
                                lx->pos = skip_spaces(lx, lx->pos);
                        return 0;
                }
                int c = lx_peek(lx);
                size_t start = lx->pos;
                if (c < 0)
                        return lx_error(lx, lx->pos, "unclosed action");
                if (is_space(c)) {
                        /* A run of spaces, but not the one that starts " -}}". */
                        while (lx->pos < lx->len && is_space(lx->src[lx->pos])) {
                                bool t;
                                if (right_delim_at(lx, lx->pos, &t) && t)
                                        break;
                                lx->pos++;
                        }
                        if (lx->pos == start) {
                                /* " -}}" right here: let the delimiter check see it. */
                                continue;
                        }
                        lx_emit(lx, TK_SPACE, start, lx->pos);
                        continue;
                }
                switch (c) {
                case '=':
                        lx->pos++;
                        lx_emit(lx, TK_ASSIGN, start, lx->pos);
                        continue;
                case ':':
                        lx->pos++;
                        if (lx_peek(lx) != '=')
                                return lx_error(lx, start, "expected :=");
                        lx->pos++;
                        lx_emit(lx, TK_DECLARE, start, lx->pos);
                        continue;
                case '|':
                        lx->pos++;
                        lx_emit(lx, TK_PIPE, start, lx->pos);
                        continue;
                case '"':
                        if (lex_quote(lx, '"', TK_STRING, "quoted string") < 0)
                                return -EINVAL;
                        continue;
                case '`':
                        if (lex_quote(lx, '`', TK_RAWSTR, "raw quoted string") < 0)
                                return -EINVAL;
                        continue;
                case '\'':
                        if (lex_quote(lx, '\'', TK_CHARCONST, "character constant") < 0)
                                return -EINVAL;
                        continue;
                case '$':
                        lx->pos++;
                        if (lex_field_or_var(lx, start, TK_VAR) < 0)
                                return -EINVAL;
                        continue;
                case '(':
                        lx->pos++;
                        lx_emit(lx, TK_LPAREN, start, lx->pos);
                        lx->paren_depth++;
                        continue;
                case ')':
                        lx->pos++;
                        lx_emit(lx, TK_RPAREN, start, lx->pos);
                        if (--lx->paren_depth < 0)
                                return lx_error(lx, start, "unexpected right paren U+0029 ')'");
                        continue;
                case '.':
                        if (lx->pos + 1 >= lx->len || lx->src[lx->pos + 1] < '0' ||
                            lx->src[lx->pos + 1] > '9') {
                                lx->pos++;
                                if (lex_field_or_var(lx, start, TK_FIELD) < 0)
                                        return -EINVAL;
                                continue;
                        }
                        if (lex_number(lx) < 0)
                                return -EINVAL;
                        continue;
                default:
                        break;
                }
                if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
                        if (lex_number(lx) < 0)
                                return -EINVAL;
                } else if (is_alnum(c)) {
                        if (lex_identifier(lx) < 0)
                                return -EINVAL;
                } else if (c > 0x20 && c < 0x7f) {
                        lx->pos++;
                        lx_emit(lx, TK_CHAR, start, lx->pos);
                } else {
                        _cleanup_free_ char *d = describe_char(lx, start);
                        return lx_error(lx, start, "unrecognized character in action: %s", d);
                }
        }
}

static int lex_all(struct lexer *lx)
{
        while (lx->pos <= lx->len) {
                const char *open = memmem(lx->src + lx->pos, lx->len - lx->pos, "{{", 2);
                size_t at = open ? (size_t)(open - lx->src) : lx->len;
                size_t text_end = at;
                bool ltrim = open && left_trim_at(lx, at + 2);
                if (ltrim)
                        while (text_end > lx->pos && is_space(lx->src[text_end - 1]))
                                text_end--;
                if (text_end > lx->pos)
                        lx_emit(lx, TK_TEXT, lx->pos, text_end);
                if (!open)
                        break;
                lx->pos = at + 2 + (ltrim ? 2 : 0);
                if (has_prefix_at(lx, lx->pos, "/*")) {
                        const char *close =
                                memmem(lx->src + lx->pos + 2, lx->len - lx->pos - 2, "*/", 2);
                        if (!close)
                                return lx_error(lx, at, "unclosed comment");
                        lx->pos = (size_t)(close - lx->src) + 2;
                        bool trim;
                        if (!right_delim_at(lx, lx->pos, &trim))
                                return lx_error(lx, at, "comment ends before closing delimiter");
                        lx->pos += trim ? 4 : 2;
                        if (trim)
                                lx->pos = skip_spaces(lx, lx->pos);
                        continue;
                }
                lx_emit(lx, TK_LDELIM, at, at + 2);
                if (lex_action(lx) < 0)
                        return -EINVAL;
        }
        lx_emit(lx, TK_EOF, lx->len, lx->len);
        return 0;
}

/* ------------------------------------------------------------------------
 * Literals
 * ------------------------------------------------------------------------ */

static void utf8_put(struct sbuf *b, uint32_t r)
{
        char buf[4];
        size_t n;
        if (r < 0x80) {
                buf[0] = (char)r;
                n = 1;
        } else if (r < 0x800) {
                buf[0] = (char)(0xc0 | (r >> 6));
                buf[1] = (char)(0x80 | (r & 0x3f));
                n = 2;
        } else if (r < 0x10000) {
                buf[0] = (char)(0xe0 | (r >> 12));
                buf[1] = (char)(0x80 | ((r >> 6) & 0x3f));
                buf[2] = (char)(0x80 | (r & 0x3f));
                n = 3;
        } else {
                buf[0] = (char)(0xf0 | (r >> 18));
                buf[1] = (char)(0x80 | ((r >> 12) & 0x3f));
                buf[2] = (char)(0x80 | ((r >> 6) & 0x3f));
                buf[3] = (char)(0x80 | (r & 0x3f));
                n = 4;
        }
        sbuf_append_len(b, buf, n);
}

/* Decode one UTF-8 sequence; invalid input decodes as U+FFFD of length 1,
 * as Go's utf8.DecodeRune does. */
static uint32_t utf8_get(const char *s, size_t len, size_t *ret_size)
{
        const unsigned char *p = (const unsigned char *)s;
        if (len == 0) {
                *ret_size = 0;
                return 0xfffd;
        }
        if (p[0] < 0x80) {
                *ret_size = 1;
                return p[0];
        }
        size_t n;
        uint32_t r, min;
        if ((p[0] & 0xe0) == 0xc0) {
                n = 2, r = p[0] & 0x1f, min = 0x80;
        } else if ((p[0] & 0xf0) == 0xe0) {
                n = 3, r = p[0] & 0x0f, min = 0x800;
        } else if ((p[0] & 0xf8) == 0xf0) {
                n = 4, r = p[0] & 0x07, min = 0x10000;
        } else {
                *ret_size = 1;
                return 0xfffd;
        }
        if (len < n) {
                *ret_size = 1;
                return 0xfffd;
        }
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80) {
                        *ret_size = 1;
                        return 0xfffd;
                }
                r = (r << 6) | (p[i] & 0x3f);
        }
        if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) {
                *ret_size = 1;
                return 0xfffd;
        }
        *ret_size = n;
        return r;
}

static size_t utf8_count(const char *s, size_t len)
{
        size_t n = 0;
        for (size_t i = 0, sz; i < len; i += sz, n++)
                utf8_get(s + i, len - i, &sz);
        return n;
}

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Go's strconv.UnquoteChar for one (possibly escaped) character of a
 * literal quoted with `quote`. Appends to b; false on bad syntax. */
static bool unquote_char(const char **pp, const char *end, char quote, struct sbuf *b)
{
        const char *p = *pp;
        if (*p != '\\') {
                size_t sz;
                utf8_get(p, (size_t)(end - p), &sz);
                sbuf_append_len(b, p, sz);
                *pp = p + sz;
                return true;
        }
        p++;
        if (p >= end)
                return false;
        char c = *p++;
        switch (c) {
        case 'a':
                sbuf_putc(b, '\a');
                break;
        case 'b':
                sbuf_putc(b, '\b');
                break;
        case 'f':
                sbuf_putc(b, '\f');
                break;
        case 'n':
                sbuf_putc(b, '\n');
                break;
        case 'r':
                sbuf_putc(b, '\r');
                break;
        case 't':
                sbuf_putc(b, '\t');
                break;
        case 'v':
                sbuf_putc(b, '\v');
                break;
        case '\\':
                sbuf_putc(b, '\\');
                break;
        case '\'':
        case '"':
                if (c != quote)
                        return false;
                sbuf_putc(b, c);
                break;
        case 'x':
        case 'u':
        case 'U': {
                int n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
                uint32_t v = 0;
                if (end - p < n)
                        return false;
                for (int i = 0; i < n; i++) {
                        int h = hexval((unsigned char)p[i]);
                        if (h < 0)
                                return false;
                        v = v * 16 + (uint32_t)h;
                }
                p += n;
                if (c == 'x') {
                        sbuf_putc(b, (char)v);
                        break;
                }
                if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
                        return false;
                utf8_put(b, v);
                break;
        }
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
                uint32_t v = (uint32_t)(c - '0');
                if (end - p < 2)
                        return false;
                for (int i = 0; i < 2; i++) {
                        if (p[i] < '0' || p[i] > '7')
                                return false;
                        v = v * 8 + (uint32_t)(p[i] - '0');
                }
                if (v > 255)
                        return false;
                p += 2;
                sbuf_putc(b, (char)v);
                break;
        }
        default:
                return false;
        }
        *pp = p;
        return true;
}

/* The value of a "..." or `...` token (quotes included in tok). */
static int unquote_string(const char *tok, size_t len, struct json **ret)
{
        struct sbuf b = {0};
        sbuf_append(&b, "");
        if (tok[0] == '`') {
                /* Raw strings keep everything but carriage returns, as in Go. */
                for (size_t i = 1; i + 1 < len; i++)
                        if (tok[i] != '\r')
                                sbuf_putc(&b, tok[i]);
        } else {
                const char *p = tok + 1, *end = tok + len - 1;
                while (p < end) {
                        if (!unquote_char(&p, end, '"', &b)) {
                                sbuf_done(&b);
                                return -EINVAL;
                        }
                }
        }
        size_t n = b.len;
        *ret = json_new_string_len(b.buf, n);
        sbuf_done(&b);
        return 0;
}

static int parse_char_constant(const char *tok, size_t len, struct json **ret)
{
        struct sbuf b = {0};
        const char *p = tok + 1, *end = tok + len - 1;
        if (p >= end || !unquote_char(&p, end, '\'', &b) || p != end) {
                sbuf_done(&b);
                return -EINVAL;
        }
        size_t sz;
        uint32_t r = b.len == 1 ? (unsigned char)b.buf[0] : utf8_get(b.buf, b.len, &sz);
        sbuf_done(&b);
        *ret = json_new_int((int64_t)r);
        return 0;
}

/* Go's number constants: integers in any base (with '_' separators) become
 * ints, anything with a fraction or exponent a float64. */
static int parse_number(const char *tok, size_t len, struct json **ret, const char **ret_why)
{
        _cleanup_free_ char *s = xmalloc(len + 1);
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
                if (tok[i] != '_')
                        s[n++] = tok[i];
        s[n] = '\0';
        *ret_why = "bad number syntax";
        if (n == 0 || s[n - 1] == 'i') {
                if (n && s[n - 1] == 'i')
                        *ret_why = "complex numbers are not supported";
                return -EINVAL;
        }
        const char *p = s;
        bool neg = false;
        if (*p == '+' || *p == '-')
                neg = *p++ == '-';
        int base = 10;
        bool is_hex = false;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
                base = 16, is_hex = true, p += 2;
        else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
                base = 8, p += 2;
        else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
                base = 2, p += 2;
        bool is_float = is_hex ? strpbrk(p, ".pP") != NULL : strpbrk(p, ".eE") != NULL;
        if (!is_float) {
                if (base == 10 && p[0] == '0' && p[1])
                        base = 8; /* a leading 0 means octal for integers */
                if (!*p)
                        return -EINVAL;
                uint64_t v = 0;
                for (const char *q = p; *q; q++) {
                        int d = hexval((unsigned char)*q);
                        if (d < 0 || d >= base)
                                return -EINVAL;
                        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
                                *ret_why = "integer overflow";
                                return -ERANGE;
                        }
                        v = v * (uint64_t)base + (uint64_t)d;
                }
                if (v > (uint64_t)INT64_MAX + (neg ? 1 : 0)) {
                        *ret_why = "integer overflow";
                        return -ERANGE;
                }
                *ret = json_new_int(neg ? (int64_t)(0 - v) : (int64_t)v);
                return 0;
        }
        if (base == 8 || base == 2)
                return -EINVAL;
        char *end;
        double d = strtod(s, &end);
        if (*end || end == s)
                return -EINVAL;
        if (isinf(d)) {
                *ret_why = "number out of range";
                return -ERANGE;
        }
        *ret = json_new_double(d);
        return 0;
}

/* ------------------------------------------------------------------------
 * Parser: a recursive-descent copy of Go's text/template/parse.
 * ------------------------------------------------------------------------ */

static const struct func *func_lookup(const char *name, size_t len);

struct parser {
        const char *src;
        const struct token *toks;
        size_t n, i;
        char **vars; /* variable names in scope, innermost last */
        size_t n_vars, cap_vars;
        int range_depth;
        int depth;
        struct err *e;
};

enum stop {
        STOP_NONE,
        STOP_END,
        STOP_ELSE,
};

static const struct token *p_next(struct parser *p)
{
        const struct token *t = &p->toks[p->i < p->n ? p->i : p->n - 1];
        p->i++;
        return t;
}

static void p_backup(struct parser *p)
{
        p->i--;
}

static const struct token *p_peek(struct parser *p)
{
        return &p->toks[p->i < p->n ? p->i : p->n - 1];
}

static const struct token *p_next_nonspace(struct parser *p)
{
        const struct token *t;
        do
                t = p_next(p);
        while (t->type == TK_SPACE);
        return t;
}

static const struct token *p_peek_nonspace(struct parser *p)
{
        const struct token *t = p_next_nonspace(p);
        p_backup(p);
        return t;
}

/* End offset of the last token consumed. */
static size_t p_last_end(const struct parser *p)
{
        const struct token *t = &p->toks[p->i > 0 ? (p->i <= p->n ? p->i - 1 : p->n - 1) : 0];
        return t->pos + t->len;
}

static int p_error(struct parser *p, size_t pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int p_error(struct parser *p, size_t pos, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        return syntax_error(p->e, p->src, pos, "%s", msg);
}

/* Go's item.String(): how a token is named in "unexpected ..." errors. */
static char *token_describe(const struct parser *p, const struct token *t)
{
        if (t->type == TK_EOF)
                return xstrdup("EOF");
        const char *s = p->src + t->pos;
        if (t->type >= TK_KEYWORD || t->type == TK_NIL)
                return xasprintf("<%.*s>", (int)t->len, s);
        struct sbuf b = {0};
        sbuf_putc(&b, '"');
        size_t n = t->len > 10 ? 10 : t->len;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '"' || s[i] == '\\')
                        sbuf_putc(&b, '\\');
                if (s[i] == '\n')
                        sbuf_append(&b, "\\n");
                else if (s[i] == '\t')
                        sbuf_append(&b, "\\t");
                else
                        sbuf_putc(&b, s[i]);
        }
        sbuf_append(&b, t->len > 10 ? "\"..." : "\"");
        return sbuf_steal(&b);
}

static int p_unexpected(struct parser *p, const struct token *t, const char *context)
{
        _cleanup_free_ char *d = token_describe(p, t);
        return p_error(p, t->pos, "unexpected %s in %s", d, context);
}

static void p_push_var(struct parser *p, const char *name)
{
        xgrow((void **)&p->vars, &p->cap_vars, p->n_vars + 1, sizeof(*p->vars));
        p->vars[p->n_vars++] = xstrdup(name);
}

static void p_pop_vars(struct parser *p, size_t mark)
{
        while (p->n_vars > mark)
                free(p->vars[--p->n_vars]);
}

static bool p_has_var(const struct parser *p, const char *name)
{
        for (size_t i = p->n_vars; i > 0; i--)
                if (STREQ(p->vars[i - 1], name))
                        return true;
        return false;
}

static char *tok_strdup(const struct parser *p, const struct token *t, size_t skip)
{
        return xstrndup(p->src + t->pos + skip, t->len - skip);
}

static void add_field(struct arg *a, char *name)
{
        a->fields = xrealloc(a->fields, (a->n_fields + 1) * sizeof(*a->fields));
        a->fields[a->n_fields++] = name;
}

static int parse_pipeline(struct parser *p, const char *context, enum tok_type end,
                          struct pipe **ret);

static int parse_term(struct parser *p, struct arg **ret)
{
        const struct token *t = p_next_nonspace(p);
        _cleanup_(arg_freep) struct arg *a = xcalloc(1, sizeof(*a));
        a->pos = t->pos;
        const char *why;
        int r;
        switch (t->type) {
        case TK_IDENT:
                a->kind = ARG_FUNC;
                a->fn = func_lookup(p->src + t->pos, t->len);
                if (!a->fn)
                        return p_error(p, t->pos, "function \"%.*s\" not defined", (int)t->len,
                                       p->src + t->pos);
                break;
        case TK_DOT:
                a->kind = ARG_DOT;
                break;
        case TK_NIL:
                a->kind = ARG_NIL;
                break;
        case TK_VAR:
                a->kind = ARG_VAR;
                a->name = tok_strdup(p, t, 0);
                if (!p_has_var(p, a->name))
                        return p_error(p, t->pos, "undefined variable \"%s\"", a->name);
                break;
        case TK_FIELD:
                a->kind = ARG_FIELD;
                add_field(a, tok_strdup(p, t, 1));
                break;
        case TK_BOOL:
                a->kind = ARG_LITERAL;
                a->lit = json_new_bool(t->len == 4);
                break;
        case TK_CHARCONST:
                a->kind = ARG_LITERAL;
                if (parse_char_constant(p->src + t->pos, t->len, &a->lit) < 0)
                        return p_error(p, t->pos, "malformed character constant: %.*s", (int)t->len,
                                       p->src + t->pos);
                break;
        case TK_NUMBER:
                a->kind = ARG_LITERAL;
                if (parse_number(p->src + t->pos, t->len, &a->lit, &why) < 0)
                        return p_error(p, t->pos, "%s: \"%.*s\"", why, (int)t->len,
                                       p->src + t->pos);
                break;
        case TK_STRING:
        case TK_RAWSTR:
                a->kind = ARG_LITERAL;
                if (unquote_string(p->src + t->pos, t->len, &a->lit) < 0)
                        return p_error(p, t->pos, "invalid syntax in string %.*s", (int)t->len,
                                       p->src + t->pos);
                break;
        case TK_LPAREN:
                if (++p->depth > TMPL_MAX_DEPTH)
                        return p_error(p, t->pos, "template nested too deeply (max %d)",
                                       TMPL_MAX_DEPTH);
                a->kind = ARG_PIPE;
                r = parse_pipeline(p, "parenthesized pipeline", TK_RPAREN, &a->pipe);
                if (r < 0)
                        return r;
                p->depth--;
                break;
        default:
                p_backup(p);
                *ret = NULL;
                return 0;
        }
        a->end = p_last_end(p);
        *ret = steal_pointer(&a);
        return 0;
}

static int parse_operand(struct parser *p, struct arg **ret)
{
        _cleanup_(arg_freep) struct arg *a = NULL;
        int r = parse_term(p, &a);
        if (r < 0)
                return r;
        if (!a || p_peek(p)->type != TK_FIELD) {
                *ret = steal_pointer(&a);
                return 0;
        }
        size_t chain_pos = p_peek(p)->pos;
        if (a->kind == ARG_LITERAL || a->kind == ARG_NIL || a->kind == ARG_DOT)
                return p_error(p, chain_pos, "unexpected . after term \"%.*s\"",
                               (int)(a->end - a->pos), p->src + a->pos);
        if (a->kind != ARG_FIELD && a->kind != ARG_VAR) {
                struct arg *chain = xcalloc(1, sizeof(*chain));
                chain->kind = ARG_CHAIN;
                chain->pos = a->pos;
                chain->base = steal_pointer(&a);
                a = chain;
        }
        while (p_peek(p)->type == TK_FIELD)
                add_field(a, tok_strdup(p, p_next(p), 1));
        a->end = p_last_end(p);
        *ret = steal_pointer(&a);
        return 0;
}

static int parse_command(struct parser *p, struct cmd **ret)
{
        _cleanup_(cmd_freep) struct cmd *c = xcalloc(1, sizeof(*c));
        c->pos = p_peek_nonspace(p)->pos;
        for (;;) {
                p_peek_nonspace(p);
                struct arg *a = NULL;
                int r = parse_operand(p, &a);
                if (r < 0)
                        return r;
                if (a) {
                        xgrow((void **)&c->args, &c->cap, c->n_args + 1, sizeof(*c->args));
                        c->args[c->n_args++] = a;
                        c->end = a->end;
                }
                const struct token *t = p_next(p);
                if (t->type == TK_SPACE)
                        continue;
                if (t->type == TK_RDELIM || t->type == TK_RPAREN)
                        p_backup(p);
                else if (t->type != TK_PIPE)
                        return p_unexpected(p, t, "operand");
                break;
        }
        if (c->n_args == 0)
                return p_error(p, c->pos, "empty command");
        *ret = steal_pointer(&c);
        return 0;
}

static int parse_pipeline(struct parser *p, const char *context, enum tok_type end,
                          struct pipe **ret)
{
        _cleanup_(pipe_freep) struct pipe *pipe = xcalloc(1, sizeof(*pipe));
        pipe->pos = p_peek_nonspace(p)->pos;
        bool is_range = STREQ(context, "range");
        for (;;) {
                /* Declarations: "$x :=", "$x =", and "$i, $e :=" in range. */
                size_t save = p->i;
                const struct token *v = p_next_nonspace(p);
                if (v->type != TK_VAR) {
                        p->i = save;
                        break;
                }
                const struct token *op = p_next_nonspace(p);
                bool comma = op->type == TK_CHAR && p->src[op->pos] == ',';
                if (op->type != TK_DECLARE && op->type != TK_ASSIGN && !comma) {
                        p->i = save;
                        break;
                }
                /* Go would let range overwrite whatever variable is on top of
                 * its stack with each element; refuse instead. */
                if (op->type == TK_ASSIGN && is_range)
                        return p_error(p, op->pos, "range can only declare variables (use :=)");
                char *name = tok_strdup(p, v, 0);
                pipe->decls = xrealloc(pipe->decls, (pipe->n_decls + 1) * sizeof(char *));
                pipe->decls[pipe->n_decls++] = name;
                if (op->type == TK_ASSIGN) {
                        if (!p_has_var(p, name))
                                return p_error(p, v->pos, "undefined variable \"%s\"", name);
                        pipe->is_assign = true;
                } else {
                        p_push_var(p, name);
                }
                if (!comma)
                        break;
                if (!is_range || pipe->n_decls >= 2)
                        return p_error(p, op->pos, "too many declarations in %s", context);
                enum tok_type nt = p_peek_nonspace(p)->type;
                if (nt != TK_VAR && nt != TK_RDELIM && nt != TK_RPAREN)
                        return p_error(p, op->pos, "range can only initialize variables");
        }
        for (;;) {
                const struct token *t = p_next_nonspace(p);
                if (t->type == end)
                        break;
                switch (t->type) {
                case TK_BOOL:
                case TK_CHARCONST:
                case TK_DOT:
                case TK_FIELD:
                case TK_IDENT:
                case TK_NUMBER:
                case TK_NIL:
                case TK_RAWSTR:
                case TK_STRING:
                case TK_VAR:
                case TK_LPAREN: {
                        p_backup(p);
                        struct cmd *c = NULL;
                        int r = parse_command(p, &c);
                        if (r < 0)
                                return r;
                        xgrow((void **)&pipe->cmds, &pipe->cap, pipe->n_cmds + 1,
                              sizeof(*pipe->cmds));
                        pipe->cmds[pipe->n_cmds++] = c;
                        break;
                }
                default:
                        return p_unexpected(p, t, context);
                }
        }
        pipe->end = pipe->n_cmds > 0 ? pipe->cmds[pipe->n_cmds - 1]->end : pipe->pos;
        if (pipe->n_cmds == 0)
                return p_error(p, pipe->pos, "missing value for %s", context);
        for (size_t i = 1; i < pipe->n_cmds; i++) {
                enum arg_kind k = pipe->cmds[i]->args[0]->kind;
                if (k == ARG_LITERAL || k == ARG_DOT || k == ARG_NIL)
                        return p_error(p, pipe->cmds[i]->pos,
                                       "non executable command in pipeline stage %zu", i + 1);
        }
        *ret = steal_pointer(&pipe);
        return 0;
}

static int parse_list(struct parser *p, struct list *l, enum stop *ret_stop, size_t *ret_pos);

static int parse_control(struct parser *p, struct node *n, const char *context)
{
        size_t mark = p->n_vars;
        enum stop stop;
        size_t stop_pos;
        int r;
        if (++p->depth > TMPL_MAX_DEPTH)
                return p_error(p, n->pos, "template nested too deeply (max %d)", TMPL_MAX_DEPTH);
        r = parse_pipeline(p, context, TK_RDELIM, &n->pipe);
        if (r < 0)
                return r;
        if (n->kind == NODE_RANGE)
                p->range_depth++;
        r = parse_list(p, &n->list, &stop, &stop_pos);
        if (r < 0)
                return r;
        if (n->kind == NODE_RANGE)
                p->range_depth--;
        if (stop == STOP_ELSE) {
                if (n->kind == NODE_IF && p_peek(p)->type == TK_IF) {
                        /* {{else if b}} is {{else}}{{if b}}..{{end}} sharing one {{end}}. */
                        const struct token *t = p_next(p);
                        _cleanup_(node_freep) struct node *nested = xcalloc(1, sizeof(*nested));
                        nested->kind = NODE_IF;
                        nested->pos = t->pos;
                        r = parse_control(p, nested, "if");
                        if (r < 0)
                                return r;
                        list_append(&n->else_list, steal_pointer(&nested));
                } else {
                        r = parse_list(p, &n->else_list, &stop, &stop_pos);
                        if (r < 0)
                                return r;
                        if (stop != STOP_END)
                                return p_error(p, stop_pos, "expected end; found {{else}}");
                }
        }
        p_pop_vars(p, mark);
        p->depth--;
        return 0;
}

static int p_expect_rdelim(struct parser *p, const char *context)
{
        const struct token *t = p_next_nonspace(p);
        if (t->type != TK_RDELIM)
                return p_unexpected(p, t, context);
        return 0;
}

/* After "{{": one action node, or the {{end}} / {{else}} that ends a list. */
static int parse_action(struct parser *p, struct node **ret, enum stop *ret_stop, size_t *ret_pos)
{
        const struct token *t = p_next_nonspace(p);
        _cleanup_(node_freep) struct node *n = xcalloc(1, sizeof(*n));
        n->pos = t->pos;
        *ret_stop = STOP_NONE;
        *ret_pos = t->pos;
        int r;
        switch (t->type) {
        case TK_DEFINE:
        case TK_TEMPLATE:
        case TK_BLOCK:
                return p_error(p, t->pos, "{{%.*s}} is not supported", (int)t->len,
                               p->src + t->pos);
        case TK_BREAK:
        case TK_CONTINUE:
                n->kind = t->type == TK_BREAK ? NODE_BREAK : NODE_CONTINUE;
                r = p_expect_rdelim(p, t->type == TK_BREAK ? "{{break}}" : "{{continue}}");
                if (r < 0)
                        return r;
                if (p->range_depth == 0)
                        return p_error(p, t->pos, "{{%s}} outside {{range}}",
                                       t->type == TK_BREAK ? "break" : "continue");
                break;
        case TK_ELSE:
                *ret_stop = STOP_ELSE;
                *ret = NULL;
                /* "else if" leaves the "if" for the enclosing if to see. */
                if (p_peek_nonspace(p)->type == TK_IF)
                        return 0;
                return p_expect_rdelim(p, "else");
        case TK_END:
                *ret_stop = STOP_END;
                *ret = NULL;
                return p_expect_rdelim(p, "end");
        case TK_IF:
        case TK_RANGE:
        case TK_WITH:
                n->kind = t->type == TK_IF ? NODE_IF : t->type == TK_RANGE ? NODE_RANGE : NODE_WITH;
                r = parse_control(p, n,
                                  t->type == TK_IF      ? "if"
                                  : t->type == TK_RANGE ? "range"
                                                        : "with");
                if (r < 0)
                        return r;
                break;
        default:
                /* Variables a plain action declares live until the enclosing end. */
                p_backup(p);
                n->kind = NODE_ACTION;
                n->pos = p_peek(p)->pos;
                r = parse_pipeline(p, "command", TK_RDELIM, &n->pipe);
                if (r < 0)
                        return r;
                break;
        }
        *ret = steal_pointer(&n);
        return 0;
}

static int parse_item(struct parser *p, struct node **ret, enum stop *ret_stop, size_t *ret_pos)
{
        const struct token *t = p_next_nonspace(p);
        if (t->type == TK_TEXT) {
                struct node *n = xcalloc(1, sizeof(*n));
                n->kind = NODE_TEXT;
                n->pos = t->pos;
                n->text = p->src + t->pos;
                n->text_len = t->len;
                *ret = n;
                *ret_stop = STOP_NONE;
                return 0;
        }
        if (t->type == TK_LDELIM)
                return parse_action(p, ret, ret_stop, ret_pos);
        return p_unexpected(p, t, "input");
}

/* Nodes up to the {{end}} or {{else}} that closes the list. */
static int parse_list(struct parser *p, struct list *l, enum stop *ret_stop, size_t *ret_pos)
{
        for (;;) {
                const struct token *t = p_peek_nonspace(p);
                if (t->type == TK_EOF)
                        return p_error(p, t->pos, "unexpected EOF");
                struct node *n = NULL;
                int r = parse_item(p, &n, ret_stop, ret_pos);
                if (r < 0)
                        return r;
                if (*ret_stop != STOP_NONE)
                        return 0;
                list_append(l, n);
        }
}

static int parse_root(struct parser *p, struct list *root)
{
        while (p_peek(p)->type != TK_EOF) {
                struct node *n = NULL;
                enum stop stop;
                size_t pos;
                int r = parse_item(p, &n, &stop, &pos);
                if (r < 0)
                        return r;
                if (stop != STOP_NONE)
                        return p_error(p, pos, "unexpected {{%s}}",
                                       stop == STOP_END ? "end" : "else");
                list_append(root, n);
        }
        return 0;
}

static int parse_source(const char *src, struct list *root, struct err *e)
{
        struct lexer lx = {.src = src, .len = strlen(src), .e = e};
        int r = lex_all(&lx);
        if (r < 0) {
                free(lx.toks);
                return r;
        }
        struct parser p = {.src = src, .toks = lx.toks, .n = lx.n, .e = e};
        p_push_var(&p, "$");
        r = parse_root(&p, root);
        p_pop_vars(&p, 0);
        free(p.vars);
        free(lx.toks);
        if (r < 0)
                list_done(root);
        return r;
}

/* ------------------------------------------------------------------------
 * Printing values the way Go's fmt prints what encoding/json decodes
 * ------------------------------------------------------------------------ */

/* Go's reflect type name for a decoded JSON value. */
static const char *go_type(const struct json *j)
{
        switch (j->type) {
        case JSON_NULL:
                return "<nil>";
        case JSON_BOOL:
                return "bool";
        case JSON_INT:
                return "int";
        case JSON_DOUBLE:
                return "float64";
        case JSON_STRING:
                return "string";
        case JSON_ARRAY:
                return "[]interface {}";
        case JSON_OBJECT:
                return "map[string]interface {}";
        }
        return "?";
}

/* unicode.IsPrint, approximated: controls, format characters, spaces other
 * than ' ', surrogates and private use are not printable. */
static bool go_isprint(uint32_t r)
{
        if (r < 0x20 || r == 0x7f)
                return false;
        if (r < 0x7f)
                return true;
        if (r < 0xa0 || r == 0xa0 || r == 0xad || r == 0x1680 || r == 0x3000 || r == 0xfeff)
                return false;
        if ((r >= 0x600 && r <= 0x605) || r == 0x61c || r == 0x6dd || r == 0x70f)
                return false;
        if ((r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
            (r >= 0x205f && r <= 0x206f))
                return false;
        if ((r >= 0xd800 && r <= 0xf8ff) || (r >= 0xfff9 && r <= 0xfffb) || r == 0xfffe ||
            r == 0xffff || r >= 0xf0000)
                return false;
        return true;
}

static const char lowerhex[] = "0123456789abcdef";
static const char upperhex[] = "0123456789ABCDEF";

static void quote_rune(struct sbuf *b, uint32_t r, char quote, bool ascii_only)
{
        if (r == (uint32_t)quote || r == '\\') {
                sbuf_putc(b, '\\');
                sbuf_putc(b, (char)r);
                return;
        }
        if (ascii_only ? (r < 0x80 && go_isprint(r)) : go_isprint(r)) {
                utf8_put(b, r);
                return;
        }
        switch (r) {
        case '\a':
                sbuf_append(b, "\\a");
                return;
        case '\b':
                sbuf_append(b, "\\b");
                return;
        case '\f':
                sbuf_append(b, "\\f");
                return;
        case '\n':
                sbuf_append(b, "\\n");
                return;
        case '\r':
                sbuf_append(b, "\\r");
                return;
        case '\t':
                sbuf_append(b, "\\t");
                return;
        case '\v':
                sbuf_append(b, "\\v");
                return;
        }
        if (r < ' ' || r == 0x7f) {
                sbuf_printf(b, "\\x%c%c", lowerhex[r >> 4], lowerhex[r & 0xf]);
                return;
        }
        if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
                r = 0xfffd;
        if (r < 0x10000)
                sbuf_printf(b, "\\u%04x", r);
        else
                sbuf_printf(b, "\\U%08x", r);
}

/* strconv.Quote / QuoteToASCII. */
static void go_quote(struct sbuf *b, const char *s, size_t n, bool ascii_only)
{
        sbuf_putc(b, '"');
        for (size_t i = 0, sz; i < n; i += sz) {
                uint32_t r = utf8_get(s + i, n - i, &sz);
                if (r == 0xfffd && sz == 1) {
                        unsigned char c = (unsigned char)s[i];
                        sbuf_printf(b, "\\x%c%c", lowerhex[c >> 4], lowerhex[c & 0xf]);
                        continue;
                }
                quote_rune(b, r, '"', ascii_only);
        }
        sbuf_putc(b, '"');
}

/* strconv.CanBackquote: valid UTF-8 without controls (tab aside), '`' or BOM. */
static bool can_backquote(const char *s, size_t n)
{
        for (size_t i = 0, sz; i < n; i += sz) {
                uint32_t r = utf8_get(s + i, n - i, &sz);
                if ((r == 0xfffd && sz == 1) || r == '`' || r == 0xfeff || r == 0x7f ||
                    (r < ' ' && r != '\t'))
                        return false;
        }
        return true;
}

struct fspec {
        bool minus, plus, sharp, space, zero, sharp_v;
        bool wid_present, prec_present;
        int wid, prec;
};

static void put_padding(struct sbuf *b, size_t n, char c)
{
        for (size_t i = 0; i < n; i++)
                sbuf_putc(b, c);
}

/* Go's fmt.pad: width counts runes; '0' pads on the left only. */
static void fmt_pad(struct sbuf *b, const struct fspec *f, const char *s, size_t n)
{
        size_t runes = f->wid_present && f->wid > 0 ? utf8_count(s, n) : 0;
        size_t pad = f->wid_present && (size_t)f->wid > runes ? (size_t)f->wid - runes : 0;
        if (!f->minus)
                put_padding(b, pad, f->zero ? '0' : ' ');
        sbuf_append_len(b, s, n);
        if (f->minus)
                put_padding(b, pad, ' ');
}

/* Keep the first prec runes, as Go's truncateString does. */
static size_t fmt_truncate(const struct fspec *f, const char *s, size_t n)
{
        if (!f->prec_present)
                return n;
        size_t i = 0, sz;
        for (int k = 0; k < f->prec && i < n; k++, i += sz)
                utf8_get(s + i, n - i, &sz);
        return i;
}

static void fmt_value(struct sbuf *b, const struct json *j, int verb, const struct fspec *f,
                      int depth);

static void fmt_bad_verb(struct sbuf *b, const struct json *j, int verb, const struct fspec *f)
{
        sbuf_append(b, "%!");
        utf8_put(b, (uint32_t)verb);
        sbuf_putc(b, '(');
        if (j->type == JSON_NULL) {
                sbuf_append(b, "<nil>");
        } else {
                sbuf_append(b, go_type(j));
                sbuf_putc(b, '=');
                fmt_value(b, j, 'v', f, 1);
        }
        sbuf_putc(b, ')');
}

static void fmt_string(struct sbuf *b, const struct json *j, int verb, const struct fspec *f)
{
        const char *s = j->str.s;
        size_t n = j->str.len;
        struct sbuf t = {0};
        switch (verb) {
        case 'v':
                if (f->sharp_v) {
                        go_quote(&t, s, n, false);
                        fmt_pad(b, f, t.buf, t.len);
                        break;
                }
                /* fallthrough */
        case 's':
                fmt_pad(b, f, s, fmt_truncate(f, s, n));
                break;
        case 'q':
                n = fmt_truncate(f, s, n);
                if (f->sharp && can_backquote(s, n)) {
                        sbuf_putc(&t, '`');
                        sbuf_append_len(&t, s, n);
                        sbuf_putc(&t, '`');
                } else {
                        go_quote(&t, s, n, f->plus);
                }
                fmt_pad(b, f, t.buf, t.len);
                break;
        case 'x':
        case 'X': {
                const char *digits = verb == 'x' ? lowerhex : upperhex;
                size_t len = f->prec_present && (size_t)f->prec < n ? (size_t)f->prec : n;
                sbuf_append(&t, "");
                for (size_t i = 0; i < len; i++) {
                        if (f->space && i > 0)
                                sbuf_putc(&t, ' ');
                        if (f->sharp && (f->space || i == 0)) {
                                sbuf_putc(&t, '0');
                                sbuf_putc(&t, (char)verb);
                        }
                        unsigned char c = (unsigned char)s[i];
                        sbuf_putc(&t, digits[c >> 4]);
                        sbuf_putc(&t, digits[c & 0xf]);
                }
                fmt_pad(b, f, t.buf, t.len);
                break;
        }
        default:
                fmt_bad_verb(b, j, verb, f);
        }
        sbuf_done(&t);
}

/* Go's fmt.fmtInteger. */
static void fmt_integer(struct sbuf *b, int64_t v, int base, int verb, const struct fspec *f)
{
        const char *digits = verb == 'X' ? upperhex : lowerhex;
        bool negative = v < 0;
        uint64_t u = negative ? 0 - (uint64_t)v : (uint64_t)v;
        struct fspec g = *f;
        int prec = 0;
        if (f->prec_present) {
                prec = f->prec;
                if (prec == 0 && u == 0) {
                        g.zero = false;
                        fmt_pad(b, &g, "", 0);
                        return;
                }
        } else if (f->zero && f->wid_present) {
                prec = f->wid;
                if (negative || f->plus || f->space)
                        prec--;
        }
        size_t cap = 72 + (size_t)(prec > 0 ? prec : 0);
        _cleanup_free_ char *buf = xmalloc(cap);
        size_t i = cap;
        do {
                buf[--i] = digits[u % (uint64_t)base];
                u /= (uint64_t)base;
        } while (u);
        while (i > 0 && (int64_t)(cap - i) < prec)
                buf[--i] = '0';
        if (f->sharp) {
                if (base == 2) {
                        buf[--i] = 'b';
                        buf[--i] = '0';
                } else if (base == 8 && buf[i] != '0') {
                        buf[--i] = '0';
                } else if (base == 16) {
                        buf[--i] = (char)verb;
                        buf[--i] = '0';
                }
        }
        if (verb == 'O') {
                buf[--i] = 'o';
                buf[--i] = '0';
        }
        if (negative)
                buf[--i] = '-';
        else if (f->plus)
                buf[--i] = '+';
        else if (f->space)
                buf[--i] = ' ';
        g.zero = false;
        fmt_pad(b, &g, buf + i, cap - i);
}

static void fmt_int(struct sbuf *b, const struct json *j, int verb, const struct fspec *f)
{
        int64_t v = j->i;
        struct sbuf t = {0};
        struct fspec g = *f;
        uint32_t r = v < 0 || v > 0x10ffff ? 0xfffd : (uint32_t)v;
        switch (verb) {
        case 'v':
        case 'd':
                fmt_integer(b, v, 10, verb, f);
                break;
        case 'b':
                fmt_integer(b, v, 2, verb, f);
                break;
        case 'o':
        case 'O':
                fmt_integer(b, v, 8, verb, f);
                break;
        case 'x':
        case 'X':
                fmt_integer(b, v, 16, verb, f);
                break;
        case 'c':
                if (r >= 0xd800 && r <= 0xdfff)
                        r = 0xfffd;
                utf8_put(&t, r);
                fmt_pad(b, f, t.buf, t.len);
                break;
        case 'q':
                sbuf_putc(&t, '\'');
                quote_rune(&t, r, '\'', f->plus);
                sbuf_putc(&t, '\'');
                fmt_pad(b, f, t.buf, t.len);
                break;
        case 'U': {
                uint64_t u = (uint64_t)v;
                int prec = f->prec_present && f->prec > 4 ? f->prec : 4;
                sbuf_printf(&t, "U+%0*" PRIX64, prec > 64 ? 64 : prec, u);
                if (f->sharp && u <= 0x10ffff && go_isprint((uint32_t)u)) {
                        sbuf_append(&t, " '");
                        utf8_put(&t, (uint32_t)u);
                        sbuf_putc(&t, '\'');
                }
                g.zero = false;
                fmt_pad(b, &g, t.buf, t.len);
                break;
        }
        default:
                fmt_bad_verb(b, j, verb, f);
        }
        sbuf_done(&t);
}

/* Shortest decimal digits that read back as d (d > 0 and finite), and the
 * decimal point position: d = 0.DIGITS * 10^dp. */
static void shortest_digits(double d, char *digits, int *ret_dp)
{
        char buf[40];
        for (int prec = 0; prec < 17; prec++) {
                snprintf(buf, sizeof(buf), "%.*e", prec, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        /* buf is "D.DDDDe[+-]XX" */
        size_t n = 0;
        const char *p = buf;
        for (; *p && *p != 'e'; p++)
                if (*p != '.')
                        digits[n++] = *p;
        while (n > 1 && digits[n - 1] == '0')
                n--;
        digits[n] = '\0';
        *ret_dp = atoi(p + 1) + 1;
}

/* strconv.FormatFloat(d, 'g'/'G', -1, 64) of |d|. */
static void format_shortest(struct sbuf *t, double d, bool upper)
{
        if (d == 0) {
                sbuf_putc(t, '0');
                return;
        }
        char digits[40];
        int dp;
        shortest_digits(d, digits, &dp);
        int nd = (int)strlen(digits);
        int exp = dp - 1;
        /* Go switches to %e when exp < -4 || exp >= eprec, and eprec is 6
         * whenever the shortest representation is asked for. */
        int eprec = 6;
        if (exp < -4 || exp >= eprec) {
                sbuf_putc(t, digits[0]);
                if (nd > 1) {
                        sbuf_putc(t, '.');
                        sbuf_append(t, digits + 1);
                }
                sbuf_printf(t, "%c%c%02d", upper ? 'E' : 'e', exp < 0 ? '-' : '+',
                            exp < 0 ? -exp : exp);
                return;
        }
        if (dp <= 0) {
                sbuf_append(t, "0.");
                put_padding(t, (size_t)-dp, '0');
                sbuf_append(t, digits);
        } else if (dp >= nd) {
                sbuf_append(t, digits);
                put_padding(t, (size_t)(dp - nd), '0');
        } else {
                sbuf_append_len(t, digits, (size_t)dp);
                sbuf_putc(t, '.');
                sbuf_append(t, digits + dp);
        }
}

/* The '#' flag on floats, as Go's fmtFloat applies it to the digits: a
 * decimal point always, and %g/%v keep trailing zeros up to the precision
 * (6 when none was given). */
static void sharp_float(struct sbuf *num, int verb, int prec)
{
        int digits = 0;
        if (verb == 'v' || verb == 'g' || verb == 'G')
                digits = prec < 0 ? 6 : prec;
        char tail[16] = "";
        bool has_point = false, nonzero = false;
        for (size_t i = 1; i < num->len; i++) {
                char c = num->buf[i];
                if (c == '.') {
                        has_point = true;
                } else if (c == 'e' || c == 'E') {
                        snprintf(tail, sizeof(tail), "%s", num->buf + i);
                        num->len = i;
                        num->buf[i] = '\0';
                        break;
                } else {
                        if (c != '0')
                                nonzero = true;
                        if (nonzero)
                                digits--;
                }
        }
        if (!has_point) {
                if (num->len == 2 && num->buf[1] == '0')
                        digits--;
                sbuf_putc(num, '.');
        }
        for (; digits > 0; digits--)
                sbuf_putc(num, '0');
        sbuf_append(num, tail);
}

/* Go's fmt.fmtFloat: sign handling and zero padding around the digits. */
static void fmt_float(struct sbuf *b, const struct json *j, int verb, const struct fspec *f)
{
        double d = j->d;
        int prec;
        switch (verb) {
        case 'v':
        case 'g':
        case 'G':
                prec = f->prec_present ? f->prec : -1;
                break;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
                prec = f->prec_present ? f->prec : 6;
                break;
        default:
                fmt_bad_verb(b, j, verb, f);
                return;
        }
        struct sbuf num = {0};
        sbuf_putc(&num, signbit(d) ? '-' : '+');
        if (isnan(d)) {
                sbuf_append(&num, "NaN");
        } else if (isinf(d)) {
                sbuf_append(&num, "Inf");
        } else if (prec < 0) {
                format_shortest(&num, fabs(d), verb == 'G');
        } else {
                char cfmt[8] = "%.*";
                size_t l = strlen(cfmt);
                cfmt[l] = (char)(verb == 'v' ? 'g' : verb == 'F' ? 'f' : verb);
                cfmt[l + 1] = '\0';
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
                sbuf_printf(&num, cfmt, prec, fabs(d));
#pragma GCC diagnostic pop
        }
        if (f->space && num.buf[0] == '+' && !f->plus)
                num.buf[0] = ' ';
        if (f->sharp && num.buf[1] != 'I' && num.buf[1] != 'N')
                sharp_float(&num, verb, prec);
        struct fspec g = *f;
        if (num.buf[1] == 'I' || num.buf[1] == 'N') {
                g.zero = false;
                const char *s = num.buf;
                if (num.buf[1] == 'N' && !f->space && !f->plus)
                        s++;
                fmt_pad(b, &g, s, strlen(s));
        } else if (f->plus || num.buf[0] != '+') {
                if (f->zero && f->wid_present && (size_t)f->wid > num.len) {
                        sbuf_putc(b, num.buf[0]);
                        put_padding(b, (size_t)f->wid - num.len, '0');
                        sbuf_append(b, num.buf + 1);
                } else {
                        fmt_pad(b, f, num.buf, num.len);
                }
        } else {
                fmt_pad(b, f, num.buf + 1, num.len - 1);
        }
        sbuf_done(&num);
}

struct key_index {
        const char *key;
        size_t index;
};

static int key_index_cmp(const void *a, const void *b)
{
        return strcmp(((const struct key_index *)a)->key, ((const struct key_index *)b)->key);
}

/* Allocates: an object's keys in Go's map order (sorted bytewise). */
static struct key_index *sorted_keys(const struct json *obj)
{
        struct key_index *k = xcalloc(obj->obj.len ? obj->obj.len : 1, sizeof(*k));
        for (size_t i = 0; i < obj->obj.len; i++)
                k[i] = (struct key_index){.key = obj->obj.keys[i], .index = i};
        qsort(k, obj->obj.len, sizeof(*k), key_index_cmp);
        return k;
}

/* fmt's printValue/printArg for one decoded JSON value. */
static void fmt_value(struct sbuf *b, const struct json *j, int verb, const struct fspec *f,
                      int depth)
{
        if (depth > TMPL_MAX_VALUE_DEPTH) {
                sbuf_append(b, "...");
                return;
        }
        if (verb == 'T') {
                fmt_pad(b, f, go_type(j), strlen(go_type(j)));
                return;
        }
        switch (j->type) {
        case JSON_NULL:
                /* Inside a slice or map a nil prints as a bare <nil> whatever
                 * the verb and width. */
                if (depth > 0)
                        sbuf_append(b, "<nil>");
                else if (verb == 'v')
                        fmt_pad(b, f, "<nil>", 5);
                else
                        fmt_bad_verb(b, j, verb, f);
                return;
        case JSON_BOOL:
                if (verb == 'v' || verb == 't')
                        fmt_pad(b, f, j->b ? "true" : "false", j->b ? 4 : 5);
                else
                        fmt_bad_verb(b, j, verb, f);
                return;
        case JSON_INT:
                fmt_int(b, j, verb, f);
                return;
        case JSON_DOUBLE:
                fmt_float(b, j, verb, f);
                return;
        case JSON_STRING:
                fmt_string(b, j, verb, f);
                return;
        case JSON_ARRAY:
                sbuf_putc(b, '[');
                for (size_t i = 0; i < j->arr.len; i++) {
                        if (i)
                                sbuf_putc(b, ' ');
                        fmt_value(b, j->arr.items[i], verb, f, depth + 1);
                }
                sbuf_putc(b, ']');
                return;
        case JSON_OBJECT: {
                _cleanup_free_ struct key_index *keys = sorted_keys(j);
                sbuf_append(b, "map[");
                for (size_t i = 0; i < j->obj.len; i++) {
                        if (i)
                                sbuf_putc(b, ' ');
                        struct json key = {.type = JSON_STRING};
                        key.str.s = (char *)keys[i].key;
                        key.str.len = strlen(keys[i].key);
                        fmt_value(b, &key, verb, f, depth + 1);
                        sbuf_putc(b, ':');
                        fmt_value(b, j->obj.vals[keys[i].index], verb, f, depth + 1);
                }
                sbuf_putc(b, ']');
                return;
        }
        }
}

static const struct fspec fspec_plain = {0};

/* fmt.Sprint of one value (%v). */
static void print_plain(struct sbuf *b, const struct json *j)
{
        fmt_value(b, j, 'v', &fspec_plain, 0);
}

/* ------------------------------------------------------------------------
 * Execution state
 * ------------------------------------------------------------------------ */

static const struct json json_nil = {.type = JSON_NULL};

/* A value during execution. Data and literals are borrowed; what functions
 * make lives in the exec's temporaries until the enclosing action or
 * iteration ends, and `temp` says a value (or its container) is one. */
struct val {
        const struct json *j;
        bool temp;
};

#define NIL_VAL ((struct val){.j = &json_nil})

/* A variable assigned a temporary keeps a copy, and keeps every copy until
 * it goes out of scope: values derived from an older copy may still be in
 * use (by younger variables, a range in progress, arguments being
 * gathered), so freeing on reassignment would leave them dangling. */
struct var {
        const char *name;
        struct val v;
        struct json **owned;
        size_t n_owned, owned_bytes;
};

struct temp {
        struct json *j;
        size_t size;
};

struct exec {
        const char *src;
        struct sbuf *out;
        size_t out_start;
        struct err *e;
        const struct json *headers; /* header mode: the column names given */
        bool header;
        struct var *vars;
        size_t n_vars, cap_vars;
        struct temp *temps;
        size_t n_temps, cap_temps;
        size_t temp_bytes;
        uint64_t work; /* bytes of temporaries ever made */
        uint64_t steps;
        size_t at_pos, at_start, at_end; /* what is being evaluated, for errors */
        const char *fn_name;
};

static void x_at(struct exec *x, size_t pos, size_t start, size_t end)
{
        x->at_pos = pos;
        x->at_start = start;
        x->at_end = end;
}

static void x_at_arg(struct exec *x, const struct arg *a)
{
        x_at(x, a->pos, a->pos, a->end);
}

static int x_error(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int x_error(struct exec *x, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        size_t line, col;
        src_location(x->src, x->at_pos, &line, &col);
        size_t n = x->at_end > x->at_start ? x->at_end - x->at_start : 0;
        /* Go shows at most 20 bytes of the node. */
        return err_set(x->e, EINVAL, "template: :%zu:%zu: executing at <%.*s%s>: %s", line, col,
                       (int)(n > 20 ? 20 : n), x->src + x->at_start, n > 20 ? "..." : "", msg);
}

/* An error of a function's own, worded as Go's "error calling f: ...". */
static int fn_error(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fn_error(struct exec *x, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        return x_error(x, "error calling %s: %s", x->fn_name, msg);
}

static int x_step(struct exec *x)
{
        if (++x->steps > TMPL_MAX_STEPS)
                return x_error(x, "template execution took more than %u steps", TMPL_MAX_STEPS);
        return 0;
}

static int x_emit(struct exec *x, const char *s, size_t n)
{
        if (x->out->len - x->out_start + n > TMPL_MAX_OUTPUT)
                return x_error(x, "template output exceeds %u MiB", TMPL_MAX_OUTPUT >> 20);
        sbuf_append_len(x->out, s, n);
        return 0;
}

/* A rough size of a value, to bound what templates allocate. */
static size_t json_size(const struct json *j)
{
        size_t n = sizeof(*j);
        switch (j->type) {
        case JSON_STRING:
                return n + j->str.len;
        case JSON_ARRAY:
                for (size_t i = 0; i < j->arr.len; i++)
                        n += sizeof(void *) + json_size(j->arr.items[i]);
                return n;
        case JSON_OBJECT:
                for (size_t i = 0; i < j->obj.len; i++)
                        n += 2 * sizeof(void *) + strlen(j->obj.keys[i]) + 1 +
                             json_size(j->obj.vals[i]);
                return n;
        default:
                return n;
        }
}

/* Before making `more` bytes of values: within both budgets? The error
 * names the limit so that a user can tell a huge value from a long loop. */
static int check_budget(struct exec *x, size_t more)
{
        if (x->temp_bytes + more > TMPL_MAX_TEMP)
                return x_error(x, "template values exceed %u MiB", TMPL_MAX_TEMP >> 20);
        if (x->work + more > TMPL_MAX_WORK)
                return x_error(x, "template execution made more than %llu MiB of values",
                               TMPL_MAX_WORK >> 20);
        return 0;
}

/* Take j as a temporary and return it as a value. */
static int x_temp(struct exec *x, struct json *j, struct val *ret)
{
        size_t size = json_size(j);
        xgrow((void **)&x->temps, &x->cap_temps, x->n_temps + 1, sizeof(*x->temps));
        x->temps[x->n_temps++] = (struct temp){.j = j, .size = size};
        x->temp_bytes += size;
        x->work += size;
        *ret = (struct val){.j = j, .temp = true};
        return check_budget(x, 0);
}

static void x_temp_pop(struct exec *x, size_t mark)
{
        while (x->n_temps > mark) {
                struct temp *t = &x->temps[--x->n_temps];
                x->temp_bytes -= t->size;
                json_free(t->j);
        }
}

static void x_var_push(struct exec *x, const char *name, struct val v)
{
        xgrow((void **)&x->vars, &x->cap_vars, x->n_vars + 1, sizeof(*x->vars));
        x->vars[x->n_vars++] = (struct var){.name = name, .v = v};
}

static void x_var_pop(struct exec *x, size_t mark)
{
        while (x->n_vars > mark) {
                struct var *v = &x->vars[--x->n_vars];
                for (size_t i = 0; i < v->n_owned; i++)
                        json_free(v->owned[i]);
                free(v->owned);
                x->temp_bytes -= v->owned_bytes;
        }
}

static struct var *x_var_find(struct exec *x, const char *name)
{
        for (size_t i = x->n_vars; i > 0; i--) {
                /* Long scans count as work, so that thousands of variables
                 * cannot turn the step limit into hours. */
                x->steps++;
                if (STREQ(x->vars[i - 1].name, name))
                        return &x->vars[i - 1];
        }
        return NULL;
}

/* "$x = v": the variable may outlive v's action, so it keeps its own copy of
 * a temporary (or of another variable's copy). */
static int x_var_set(struct exec *x, const char *name, struct val v)
{
        struct var *var = x_var_find(x, name);
        if (!var)
                return x_error(x, "undefined variable: %s", name);
        if (v.temp) {
                size_t size = json_size(v.j);
                int r = check_budget(x, size);
                if (r < 0)
                        return r;
                x->work += size;
                x->temp_bytes += size;
                var->owned_bytes += size;
                struct json *copy = json_copy(v.j);
                var->owned = xrealloc(var->owned, (var->n_owned + 1) * sizeof(*var->owned));
                var->owned[var->n_owned++] = copy;
                v = (struct val){.j = copy, .temp = true};
        }
        var->v = v;
        return 0;
}

/* Go's isTrue over JSON values. */
static bool truth(const struct json *j)
{
        switch (j->type) {
        case JSON_NULL:
                return false;
        case JSON_BOOL:
                return j->b;
        case JSON_INT:
                return j->i != 0;
        case JSON_DOUBLE:
                return j->d != 0;
        case JSON_STRING:
                return j->str.len > 0;
        case JSON_ARRAY:
                return j->arr.len > 0;
        case JSON_OBJECT:
                return j->obj.len > 0;
        }
        return false;
}

static int new_string(struct exec *x, const char *s, size_t n, struct val *ret)
{
        return x_temp(x, json_new_string_len(s, n), ret);
}

static int new_string_take(struct exec *x, struct sbuf *b, struct val *ret)
{
        size_t n = b->len;
        _cleanup_free_ char *s = sbuf_steal(b);
        return new_string(x, s, n, ret);
}

static int new_bool(struct exec *x, bool v, struct val *ret)
{
        return x_temp(x, json_new_bool(v), ret);
}

static int new_int(struct exec *x, int64_t v, struct val *ret)
{
        return x_temp(x, json_new_int(v), ret);
}

/* fatih/camelcase.Split as podman's report.Headers uses it, joined with
 * spaces and upper-cased: "CreatedAt" -> "CREATED AT", "IDMappings" ->
 * "ID MAPPINGS". Non-ASCII characters count as "other". */
static char *header_from_key(const char *key)
{
        size_t n = strlen(key);
        struct run {
                size_t start, end;
                int cls;
        };
        _cleanup_free_ struct run *runs = xcalloc(n + 1, sizeof(*runs));
        size_t nr = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)key[i];
                int cls = c >= 'a' && c <= 'z'   ? 1
                          : c >= 'A' && c <= 'Z' ? 2
                          : c >= '0' && c <= '9' ? 3
                                                 : 4;
                if (nr > 0 && runs[nr - 1].cls == cls)
                        runs[nr - 1].end = i + 1;
                else
                        runs[nr++] = (struct run){.start = i, .end = i + 1, .cls = cls};
        }
        /* An upper-case run followed by lower case gives its last letter to
         * the next word: "PDFLoader" -> "PDF", "Loader". */
        for (size_t i = 0; i + 1 < nr; i++) {
                if (runs[i].cls == 2 && runs[i + 1].cls == 1) {
                        runs[i].end--;
                        runs[i + 1].start--;
                }
        }
        struct sbuf b = {0};
        sbuf_append(&b, "");
        for (size_t r = 0; r < nr; r++) {
                if (runs[r].start == runs[r].end)
                        continue;
                if (b.len > 0)
                        sbuf_putc(&b, ' ');
                for (size_t i = runs[r].start; i < runs[r].end; i++) {
                        char c = key[i];
                        sbuf_putc(&b, c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c);
                }
        }
        return sbuf_steal(&b);
}

static int header_value(struct exec *x, const char *key, struct val *ret)
{
        const char *h = x->headers ? json_object_get_string(x->headers, key) : NULL;
        if (h)
                return new_string(x, h, strlen(h), ret);
        _cleanup_free_ char *s = header_from_key(key);
        return new_string(x, s, strlen(s), ret);
}

/* ------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------ */

typedef int (*func_impl)(struct exec *x, struct val *args, size_t n, struct val *ret);

struct func {
        const char *name;
        int min_args; /* Go's fixed parameters */
        bool variadic;
        func_impl impl; /* NULL for and/or, which evaluate their arguments lazily */
};

static int eval_pipe(struct exec *x, struct val dot, const struct pipe *p, struct val *ret);
static int eval_arg(struct exec *x, struct val dot, const struct arg *a, struct val *ret);

/* podman's templates name Go struct fields (.Store.GraphRoot, .Host.OCIRuntime,
 * .IDMappings.UIDMap[].ContainerID) where berth's data has the JSON keys of
 * the same output (store.graphRoot, ociRuntime, uidmap[].container_id). An
 * exact key always wins; otherwise keys match ignoring case and '_', '-'. */
static bool same_go_name(const char *key, const char *name)
{
        for (;;) {
                while (*key == '_' || *key == '-')
                        key++;
                if (!*key || !*name)
                        return !*key && !*name;
                if (tolower((unsigned char)*key) != tolower((unsigned char)*name))
                        return false;
                key++;
                name++;
        }
}

static const struct json *field_by_go_name(const struct json *obj, const char *name)
{
        for (size_t i = 0; i < obj->obj.len; i++)
                if (same_go_name(obj->obj.keys[i], name))
                        return obj->obj.vals[i];
        return NULL;
}

static int eval_field(struct exec *x, struct val recv, const char *name, bool has_args,
                      struct val *ret)
{
        if (x->header)
                return header_value(x, name, ret);
        switch (recv.j->type) {
        case JSON_OBJECT: {
                if (has_args)
                        return x_error(x, "%s is not a method but has arguments", name);
                x->steps += recv.j->obj.len / 16; /* the lookup is a linear scan */
                const struct json *v = json_object_get(recv.j, name);
                if (!v)
                        v = field_by_go_name(recv.j, name);
                *ret = (struct val){.j = v ? v : &json_nil, .temp = recv.temp};
                return 0;
        }
        case JSON_NULL:
                /* Go returns "no value" for a missing map key and fails on a
                 * nil interface; JSON has no such difference, so both are
                 * "no value" here. */
                *ret = NIL_VAL;
                return 0;
        default:
                return x_error(x, "can't evaluate field %s in type %s", name, go_type(recv.j));
        }
}

static int eval_fields(struct exec *x, struct val recv, const struct arg *a, bool has_args,
                       struct val *ret)
{
        x_at_arg(x, a);
        for (size_t i = 0; i < a->n_fields; i++) {
                int r = eval_field(x, recv, a->fields[i], i + 1 == a->n_fields && has_args, &recv);
                if (r < 0)
                        return r;
        }
        *ret = recv;
        return 0;
}

static int eval_var(struct exec *x, const struct arg *a, struct val *ret)
{
        struct var *v = x_var_find(x, a->name);
        if (!v) {
                x_at_arg(x, a);
                return x_error(x, "undefined variable: %s", a->name);
        }
        *ret = v->v;
        return 0;
}

static int call_func(struct exec *x, struct val dot, const struct arg *fa, struct arg *const *args,
                     size_t n_args, const struct val *final, size_t span_end, struct val *ret)
{
        const struct func *f = fa->fn;
        size_t n = n_args + (final ? 1 : 0);
        int r = x_step(x);
        if (r < 0)
                return r;
        x_at_arg(x, fa);
        if (f->variadic && n < (size_t)f->min_args)
                return x_error(x, "wrong number of args for %s: want at least %d got %zu", f->name,
                               f->min_args, n_args);
        if (!f->variadic && n != (size_t)f->min_args)
                return x_error(x, "wrong number of args for %s: want %d got %zu", f->name,
                               f->min_args, n);
        if (!f->impl) {
                /* and/or: stop at the first false/true argument and return it. */
                bool is_or = f->name[0] == 'o';
                struct val v = NIL_VAL;
                for (size_t i = 0; i < n_args; i++) {
                        r = eval_arg(x, dot, args[i], &v);
                        if (r < 0)
                                return r;
                        if (truth(v.j) == is_or) {
                                *ret = v;
                                return 0;
                        }
                }
                if (final)
                        v = *final;
                *ret = v;
                return 0;
        }
        _cleanup_free_ struct val *vals = xcalloc(n ? n : 1, sizeof(*vals));
        for (size_t i = 0; i < n_args; i++) {
                r = eval_arg(x, dot, args[i], &vals[i]);
                if (r < 0)
                        return r;
        }
        if (final)
                vals[n_args] = *final;
        /* Errors of the function itself point at the whole command, as Go's do. */
        x_at(x, fa->pos, fa->pos, span_end);
        x->fn_name = f->name;
        return f->impl(x, vals, n, ret);
}

static int not_a_function(struct exec *x, const struct cmd *c, const struct val *final)
{
        if (c->n_args > 1 || final) {
                x_at_arg(x, c->args[0]);
                return x_error(x, "can't give argument to non-function %.*s",
                               (int)(c->args[0]->end - c->args[0]->pos), x->src + c->args[0]->pos);
        }
        return 0;
}

static int eval_cmd(struct exec *x, struct val dot, const struct cmd *c, const struct val *final,
                    struct val *ret)
{
        const struct arg *a = c->args[0];
        bool has_args = c->n_args > 1 || final;
        struct val base;
        int r = x_step(x);
        if (r < 0)
                return r;
        switch (a->kind) {
        case ARG_FIELD:
                return eval_fields(x, dot, a, has_args, ret);
        case ARG_CHAIN:
                r = eval_arg(x, dot, a->base, &base);
                if (r < 0)
                        return r;
                return eval_fields(x, base, a, has_args, ret);
        case ARG_VAR:
                if (a->n_fields == 0) {
                        r = not_a_function(x, c, final);
                        if (r < 0)
                                return r;
                        return eval_var(x, a, ret);
                }
                r = eval_var(x, a, &base);
                if (r < 0)
                        return r;
                return eval_fields(x, base, a, has_args, ret);
        case ARG_FUNC:
                return call_func(x, dot, a, c->args + 1, c->n_args - 1, final, c->end, ret);
        default:
                break;
        }
        r = not_a_function(x, c, final);
        if (r < 0)
                return r;
        switch (a->kind) {
        case ARG_PIPE:
                return eval_pipe(x, dot, a->pipe, ret);
        case ARG_DOT:
                *ret = dot;
                return 0;
        case ARG_NIL:
                x_at_arg(x, a);
                return x_error(x, "nil is not a command");
        case ARG_LITERAL:
                *ret = (struct val){.j = a->lit};
                return 0;
        default:
                return x_error(x, "can't evaluate command");
        }
}

static int eval_arg(struct exec *x, struct val dot, const struct arg *a, struct val *ret)
{
        struct val base;
        int r;
        switch (a->kind) {
        case ARG_DOT:
                *ret = dot;
                return 0;
        case ARG_NIL:
                *ret = NIL_VAL;
                return 0;
        case ARG_LITERAL:
                *ret = (struct val){.j = a->lit};
                return 0;
        case ARG_FIELD:
                return eval_fields(x, dot, a, false, ret);
        case ARG_VAR:
                r = eval_var(x, a, &base);
                if (r < 0 || a->n_fields == 0) {
                        *ret = base;
                        return r;
                }
                return eval_fields(x, base, a, false, ret);
        case ARG_FUNC:
                return call_func(x, dot, a, NULL, 0, NULL, a->end, ret);
        case ARG_PIPE:
                return eval_pipe(x, dot, a->pipe, ret);
        case ARG_CHAIN:
                r = eval_arg(x, dot, a->base, &base);
                if (r < 0)
                        return r;
                return eval_fields(x, base, a, false, ret);
        }
        return -EINVAL;
}

static int eval_pipe(struct exec *x, struct val dot, const struct pipe *p, struct val *ret)
{
        struct val v = NIL_VAL;
        for (size_t i = 0; i < p->n_cmds; i++) {
                int r = eval_cmd(x, dot, p->cmds[i], i > 0 ? &v : NULL, &v);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->n_decls; i++) {
                if (p->is_assign) {
                        x_at(x, p->pos, p->pos, p->end);
                        int r = x_var_set(x, p->decls[i], v);
                        if (r < 0)
                                return r;
                } else {
                        x_var_push(x, p->decls[i], v);
                }
        }
        *ret = v;
        return 0;
}

/* What {{pipeline}} prints: Go's printValue. */
static int print_value(struct exec *x, struct val v)
{
        if (v.j->type == JSON_NULL)
                return x_emit(x, "<no value>", 10);
        if (v.j->type == JSON_STRING)
                return x_emit(x, v.j->str.s, v.j->str.len);
        struct sbuf b = {0};
        print_plain(&b, v.j);
        int r = x_emit(x, b.buf, b.len);
        sbuf_done(&b);
        return r;
}

enum {
        WALK_BREAK = 1,
        WALK_CONTINUE = 2,
};

static int walk_list(struct exec *x, struct val dot, const struct list *l);

/* One iteration of range: set the loop variables, run the body, and drop
 * everything the body made. */
static int range_iteration(struct exec *x, const struct node *n, struct val key, bool key_is_string,
                           const char *key_s, struct val elem)
{
        size_t vmark = x->n_vars, tmark = x->n_temps;
        int r = x_step(x);
        if (r < 0)
                return r;
        size_t nd = n->pipe->n_decls;
        if (nd >= 1)
                x->vars[vmark - 1].v = elem;
        if (nd >= 2) {
                if (key_is_string)
                        r = new_string(x, key_s, strlen(key_s), &x->vars[vmark - 2].v);
                else
                        x->vars[vmark - 2].v = key;
                if (r < 0)
                        goto out;
        }
        r = walk_list(x, elem, &n->list);
out:
        x_var_pop(x, vmark);
        x_temp_pop(x, tmark);
        return r;
}

static int walk_range(struct exec *x, struct val dot, const struct node *n)
{
        struct val v;
        int r = eval_pipe(x, dot, n->pipe, &v);
        if (r < 0)
                return r;
        const struct json *j = v.j;
        size_t len;
        switch (j->type) {
        case JSON_ARRAY:
                len = j->arr.len;
                for (size_t i = 0; i < len; i++) {
                        struct val key;
                        struct json idx = {.type = JSON_INT, .i = (int64_t)i};
                        /* The index lives on this stack frame for the iteration only. */
                        key = (struct val){.j = &idx, .temp = true};
                        r = range_iteration(x, n, key, false, NULL,
                                            (struct val){.j = j->arr.items[i], .temp = v.temp});
                        if (r == WALK_BREAK)
                                return 0;
                        if (r < 0)
                                return r;
                }
                break;
        case JSON_OBJECT: {
                len = j->obj.len;
                _cleanup_free_ struct key_index *keys = sorted_keys(j);
                for (size_t i = 0; i < len; i++) {
                        r = range_iteration(
                                x, n, NIL_VAL, true, keys[i].key,
                                (struct val){.j = j->obj.vals[keys[i].index], .temp = v.temp});
                        if (r == WALK_BREAK)
                                return 0;
                        if (r < 0)
                                return r;
                }
                break;
        }
        case JSON_NULL:
                len = 0;
                break;
        default:
                if (x->header) {
                        /* A header row has strings where the data has lists: show the body once. */
                        r = range_iteration(x, n, NIL_VAL, false, NULL, v);
                        return r < 0 ? r : 0;
                }
                {
                        struct sbuf b = {0};
                        print_plain(&b, j);
                        x_at(x, n->pipe->pos, n->pipe->pos, n->pipe->end);
                        r = x_error(x, "range can't iterate over %s", b.buf);
                        sbuf_done(&b);
                        return r;
                }
        }
        if (len == 0 && n->else_list.n > 0)
                return walk_list(x, dot, &n->else_list);
        return 0;
}

static int walk(struct exec *x, struct val dot, const struct node *n)
{
        size_t vmark = x->n_vars, tmark = x->n_temps;
        struct val v;
        int r = x_step(x);
        if (r < 0)
                return r;
        switch (n->kind) {
        case NODE_TEXT:
                x_at(x, n->pos, n->pos, n->pos);
                return x_emit(x, n->text, n->text_len);
        case NODE_ACTION:
                r = eval_pipe(x, dot, n->pipe, &v);
                if (r < 0)
                        return r;
                if (n->pipe->n_decls > 0)
                        return 0; /* its variables (and their temporaries) stay */
                x_at(x, n->pipe->pos, n->pipe->pos, n->pipe->end);
                r = print_value(x, v);
                /* A parenthesised "($v := ...)" also declares a variable that
                 * lives on: keep the temporaries it may point into. */
                if (x->n_vars == vmark)
                        x_temp_pop(x, tmark);
                return r;
        case NODE_IF:
        case NODE_WITH:
                r = eval_pipe(x, dot, n->pipe, &v);
                if (r >= 0) {
                        if (truth(v.j))
                                r = walk_list(x, n->kind == NODE_WITH ? v : dot, &n->list);
                        else
                                r = walk_list(x, dot, &n->else_list);
                }
                break;
        case NODE_RANGE:
                r = walk_range(x, dot, n);
                break;
        case NODE_BREAK:
                return WALK_BREAK;
        case NODE_CONTINUE:
                return WALK_CONTINUE;
        }
        x_var_pop(x, vmark);
        x_temp_pop(x, tmark);
        return r;
}

static int walk_list(struct exec *x, struct val dot, const struct list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                int r = walk(x, dot, l->items[i]);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------------------
 * Functions: Go's builtins and podman's additions
 * ------------------------------------------------------------------------ */

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
                return x_error(x, "invalid value; expected string");
        return x_error(x, "wrong type for value; expected string; got %s", go_type(v.j));
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
                return x_error(x, "invalid value; expected int");
        return x_error(x, "wrong type for value; expected int; got %s", go_type(v.j));
}

static int fn_not(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        return new_bool(x, !truth(a[0].j), ret);
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
                return fn_error(x, "len of type %s", go_type(a[0].j));
        }
}

/* An index for arrays and strings: Go's indexArg. */
static int index_arg(struct exec *x, const struct json *idx, size_t len, bool slicing, size_t *ret)
{
        if (idx->type == JSON_NULL)
                return fn_error(x, "cannot index slice/array with nil");
        if (idx->type != JSON_INT)
                return fn_error(x, "cannot index slice/array with type %s", go_type(idx));
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
                                                go_type(idx));
                        x->steps += item.j->obj.len / 16;
                        const struct json *v = json_object_get(item.j, idx->str.s);
                        item.j = v ? v : &json_nil;
                        break;
                }
                default:
                        return fn_error(x, "can't index item of type %s", go_type(item.j));
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
                return fn_error(x, "can't slice item of type %s", go_type(item));
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
                return new_string(x, item->str.s + idx[0], idx[1] - idx[0], ret);
        int r = check_budget(x, json_size(item));
        if (r < 0)
                return r;
        struct json *arr = json_new_array();
        for (size_t i = idx[0]; i < idx[1]; i++)
                json_array_append(arr, json_copy(item->arr.items[i]));
        return x_temp(x, arr, ret);
}

/* Go's fmt.Sprint: spaces between operands when neither is a string. */
static void sprint(struct sbuf *b, struct val *a, size_t n, bool ln)
{
        for (size_t i = 0; i < n; i++) {
                bool is_str = a[i].j->type == JSON_STRING;
                if (i > 0 && (ln || (!is_str && a[i - 1].j->type != JSON_STRING)))
                        sbuf_putc(b, ' ');
                print_plain(b, a[i].j);
        }
        if (ln)
                sbuf_putc(b, '\n');
}

static int fn_print(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        struct sbuf b = {0};
        sbuf_append(&b, "");
        sprint(&b, a, n, false);
        return new_string_take(x, &b, ret);
}

static int fn_println(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        struct sbuf b = {0};
        sprint(&b, a, n, true);
        return new_string_take(x, &b, ret);
}

/* A width or precision: Go gives up on numbers above a million. */
static bool parse_num(const char *s, size_t *i, size_t end, int *ret)
{
        int v = 0;
        bool any = false;
        while (*i < end && s[*i] >= '0' && s[*i] <= '9') {
                if (v > 1000000) {
                        *i = end;
                        return false;
                }
                v = v * 10 + (s[*i] - '0');
                any = true;
                (*i)++;
        }
        *ret = v;
        return any;
}

struct printf_state {
        struct val *args;
        size_t n, argnum;
        bool reordered, good_argnum;
};

/* Go's argNumber: an explicit "[n]" argument index. Returns whether an
 * index was found; a malformed one also makes the verb print BADINDEX. */
static bool arg_number(struct printf_state *ps, const char *s, size_t *i, size_t end)
{
        if (*i >= end || s[*i] != '[')
                return false;
        ps->reordered = true;
        for (size_t close = *i + 1; end - *i >= 3 && close < end; close++) {
                if (s[close] != ']')
                        continue;
                size_t p = *i + 1;
                int num;
                bool ok = parse_num(s, &p, close, &num) && p == close;
                *i = close + 1;
                if (ok && num >= 1 && (size_t)num <= ps->n) {
                        ps->argnum = (size_t)num - 1;
                        return true;
                }
                ps->good_argnum = false;
                return ok;
        }
        ps->good_argnum = false;
        *i += 1;
        return false;
}

/* A '*' width or precision from the next argument. */
static bool int_from_arg(struct printf_state *ps, int *ret)
{
        if (ps->argnum >= ps->n)
                return false;
        const struct json *j = ps->args[ps->argnum++].j;
        if (j->type != JSON_INT || j->i > 1000000 || j->i < -1000000)
                return false;
        *ret = (int)j->i;
        return true;
}

/* Go's fmt.Sprintf over JSON values. */
static void go_sprintf(struct sbuf *b, const char *s, size_t end, struct val *args, size_t n)
{
        struct printf_state ps = {.args = args, .n = n};
        size_t i = 0;
        while (i < end) {
                ps.good_argnum = true;
                size_t lasti = i;
                while (i < end && s[i] != '%')
                        i++;
                sbuf_append_len(b, s + lasti, i - lasti);
                if (i >= end)
                        break;
                i++;
                struct fspec f = {0};
                for (; i < end; i++) {
                        char c = s[i];
                        if (c == '#')
                                f.sharp = true;
                        else if (c == '0')
                                f.zero = !f.minus;
                        else if (c == '+')
                                f.plus = true;
                        else if (c == '-')
                                f.minus = true, f.zero = false;
                        else if (c == ' ')
                                f.space = true;
                        else
                                break;
                }
                bool after_index = arg_number(&ps, s, &i, end);
                if (i < end && s[i] == '*') {
                        i++;
                        f.wid_present = int_from_arg(&ps, &f.wid);
                        if (!f.wid_present)
                                sbuf_append(b, "%!(BADWIDTH)");
                        if (f.wid < 0) {
                                f.wid = -f.wid;
                                f.minus = true;
                                f.zero = false;
                        }
                        after_index = false;
                } else {
                        f.wid_present = parse_num(s, &i, end, &f.wid);
                        if (after_index && f.wid_present)
                                ps.good_argnum = false;
                }
                if (i + 1 < end && s[i] == '.') {
                        i++;
                        if (after_index)
                                ps.good_argnum = false;
                        after_index = arg_number(&ps, s, &i, end);
                        if (i < end && s[i] == '*') {
                                i++;
                                f.prec_present = int_from_arg(&ps, &f.prec);
                                if (f.prec < 0) {
                                        f.prec = 0;
                                        f.prec_present = false;
                                }
                                if (!f.prec_present)
                                        sbuf_append(b, "%!(BADPREC)");
                                after_index = false;
                        } else {
                                f.prec_present = parse_num(s, &i, end, &f.prec);
                                if (!f.prec_present) {
                                        f.prec = 0;
                                        f.prec_present = true;
                                }
                        }
                }
                if (!after_index)
                        after_index = arg_number(&ps, s, &i, end);
                if (i >= end) {
                        sbuf_append(b, "%!(NOVERB)");
                        break;
                }
                size_t sz;
                int verb = (int)utf8_get(s + i, end - i, &sz);
                i += sz;
                if (verb == '%') {
                        sbuf_putc(b, '%');
                } else if (!ps.good_argnum) {
                        sbuf_append(b, "%!");
                        utf8_put(b, (uint32_t)verb);
                        sbuf_append(b, "(BADINDEX)");
                } else if (ps.argnum >= n) {
                        sbuf_append(b, "%!");
                        utf8_put(b, (uint32_t)verb);
                        sbuf_append(b, "(MISSING)");
                } else {
                        if (verb == 'v') {
                                f.sharp_v = f.sharp;
                                f.sharp = false;
                                f.plus = false;
                        }
                        fmt_value(b, args[ps.argnum++].j, verb, &f, 0);
                }
        }
        if (!ps.reordered && ps.argnum < n) {
                sbuf_append(b, "%!(EXTRA ");
                for (size_t k = ps.argnum; k < n; k++) {
                        if (k > ps.argnum)
                                sbuf_append(b, ", ");
                        if (args[k].j->type == JSON_NULL) {
                                sbuf_append(b, "<nil>");
                        } else {
                                sbuf_append(b, go_type(args[k].j));
                                sbuf_putc(b, '=');
                                print_plain(b, args[k].j);
                        }
                }
                sbuf_putc(b, ')');
        }
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
        go_sprintf(&b, fmt, len, a + 1, n - 1);
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
                        print_plain(b, a[i].j);
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
                        sbuf_printf(&out, "%%%c%c", upperhex[c >> 4], upperhex[c & 0xf]);
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
        print_plain(&s, b);
        int r = fn_error(x, "non-comparable type %s: %s", s.buf, go_type(b));
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
                uint32_t c = utf8_get(s + i, n - i, &sz);
                uint32_t m = c;
                if (how == CASE_UPPER)
                        m = rune_upper(c);
                else if (how == CASE_LOWER)
                        m = rune_lower(c);
                else if (prev < 0x80 ? !is_alnum((int)prev) : rune_is_space(prev))
                        m = rune_upper(c); /* strings.Title: a word starts after a separator */
                prev = c;
                if (m == c && !(c == 0xfffd && sz == 1))
                        sbuf_append_len(&b, s + i, sz);
                else
                        utf8_put(&b, m);
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
        int r = check_budget(x, json_size(a[0].j) * 2);
        if (r < 0)
                return r;
        _cleanup_free_ char *s = json_generate(a[0].j, 0);
        return new_string(x, s, strlen(s), ret);
}

/* strings.Join, accepting any array of strings ([]interface{} in Go
 * terms), as podman's []string fields are arrays of strings in JSON. */
static int fn_join(struct exec *x, struct val *a, size_t n, struct val *ret)
{
        const char *sep;
        size_t seplen;
        const struct json *arr = a[0].j;
        if (arr->type == JSON_NULL)
                return x_error(x, "invalid value; expected []string");
        if (arr->type != JSON_ARRAY)
                return x_error(x, "wrong type for value; expected []string; got %s", go_type(arr));
        for (size_t i = 0; i < arr->arr.len; i++)
                if (arr->arr.items[i]->type != JSON_STRING)
                        return x_error(x, "wrong type for value; expected []string; got %s",
                                       "[]interface {}");
        int r = want_string(x, a[1], &sep, &seplen);
        if (r < 0)
                return r;
        size_t total = 0;
        for (size_t i = 0; i < arr->arr.len; i++)
                total += arr->arr.items[i]->str.len + seplen;
        r = check_budget(x, total);
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
                count = utf8_count(s, len);
        } else {
                count = 1;
                for (const char *p = s; (p = memmem(p, (size_t)(s + len - p), sep, seplen));
                     p += seplen)
                        count++;
        }
        r = check_budget(x, count * (sizeof(struct json) + 2 * sizeof(void *)) + len);
        if (r < 0)
                return r;
        struct json *arr = json_new_array();
        if (seplen == 0) {
                for (size_t i = 0, sz; i < len; i += sz) {
                        utf8_get(s + i, len - i, &sz);
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
        return x_temp(x, arr, ret);
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
                utf8_get(s + i, len - i, &sz);
        return new_string(x, s, i, ret);
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
                return new_string(x, "", 0, ret);
        if (pre < 0 || post < 0)
                return fn_error(x, "strings: negative Repeat count");
        if ((uint64_t)pre > TMPL_MAX_TEMP || (uint64_t)post > TMPL_MAX_TEMP)
                return x_error(x, "template values exceed %u MiB", TMPL_MAX_TEMP >> 20);
        r = check_budget(x, (size_t)pre + (size_t)post + len);
        if (r < 0)
                return r;
        struct sbuf b = {0};
        put_padding(&b, (size_t)pre, ' ');
        sbuf_append_len(&b, s, len);
        put_padding(&b, (size_t)post, ' ');
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
                count = utf8_count(s, len) + 1;
        else
                for (const char *p = s; (p = memmem(p, (size_t)(s + len - p), old, oldlen));
                     p += oldlen)
                        count++;
        if (newlen > 0 && count > TMPL_MAX_TEMP / newlen)
                return x_error(x, "template values exceed %u MiB", TMPL_MAX_TEMP >> 20);
        r = check_budget(x, len + count * newlen);
        if (r < 0)
                return r;
        struct sbuf b = {0};
        sbuf_append(&b, "");
        if (oldlen == 0) {
                /* An empty old string matches before every character and at the end. */
                for (size_t i = 0, sz; i < len; i += sz) {
                        utf8_get(s + i, len - i, &sz);
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

static const struct func *func_lookup(const char *name, size_t len)
{
        for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
                if (strlen(funcs[i].name) == len && memcmp(funcs[i].name, name, len) == 0)
                        return &funcs[i];
        return NULL;
}

/* ------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------ */

/* What the podman CLI does to --format before parsing: the two-character
 * sequences \t and \n become a tab and a newline. */
static char *replace_escapes(const char *s)
{
        struct sbuf b = {0};
        sbuf_append(&b, "");
        for (const char *p = s; *p; p++) {
                if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
                        sbuf_putc(&b, p[1] == 't' ? '\t' : '\n');
                        p++;
                } else {
                        sbuf_putc(&b, *p);
                }
        }
        return sbuf_steal(&b);
}

int tmpl_compile(const char *src, struct tmpl **ret, struct err *e)
{
        if (strlen(src) > TMPL_MAX_SOURCE)
                return err_set(e, EFBIG, "template: longer than %u bytes", TMPL_MAX_SOURCE);
        _cleanup_(tmpl_freep) struct tmpl *t = xcalloc(1, sizeof(*t));
        /* podman: "table" alone asks for the default columns, "table " starts
         * a table format. */
        if (STREQ(src, "table")) {
                t->table = true;
                t->src = xstrdup("");
                *ret = steal_pointer(&t);
                return 0;
        }
        if (str_has_prefix(src, "table ")) {
                t->table = true;
                src += 6;
        }
        /* Like podman, parse with \t and \n replaced, and if that fails (a
         * "\n" inside a quoted string becomes a raw newline there) parse the
         * text as written. */
        t->src = replace_escapes(src);
        struct err first = {0};
        int r = parse_source(t->src, &t->root, &first);
        if (r < 0 && !STREQ(t->src, src)) {
                free(t->src);
                t->src = xstrdup(src);
                r = parse_source(t->src, &t->root, e);
                err_done(&first);
        } else if (r < 0) {
                err_move(e, &first);
        }
        if (r < 0)
                return r;
        *ret = steal_pointer(&t);
        return 0;
}

void tmpl_free(struct tmpl *t)
{
        if (!t)
                return;
        list_done(&t->root);
        free(t->src);
        free(t);
}

bool tmpl_is_table(const struct tmpl *t)
{
        return t->table;
}

static int run(const struct tmpl *t, const struct json *data, const struct json *headers,
               bool header, struct sbuf *out, struct err *e)
{
        struct exec x = {
                .src = t->src,
                .out = out,
                .out_start = out->len,
                .e = e,
                .headers = headers,
                .header = header,
        };
        struct val root = {.j = data ? data : &json_nil};
        sbuf_append(out, "");
        x_var_push(&x, "$", root);
        int r = walk_list(&x, root, &t->root);
        x_var_pop(&x, 0);
        x_temp_pop(&x, 0);
        free(x.vars);
        free(x.temps);
        if (r < 0) {
                /* Leave out as it was: a half-printed row helps nobody. */
                out->len = x.out_start;
                out->buf[out->len] = '\0';
                return r;
        }
        return 0;
}

int tmpl_exec(const struct tmpl *t, const struct json *data, struct sbuf *out, struct err *e)
{
        return run(t, data, NULL, false, out, e);
}

int tmpl_exec_header(const struct tmpl *t, const struct json *headers, struct sbuf *out,
                     struct err *e)
{
        struct json empty = {.type = JSON_OBJECT};
        const struct json *h = headers && headers->type == JSON_OBJECT ? headers : &empty;
        return run(t, h, h, true, out, e);
}
