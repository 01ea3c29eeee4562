/* SPDX-License-Identifier: Apache-2.0 */
/* Private to libcore/base: the syntax tree, tokens and execution state of the tmpl-*.c files. */
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
#pragma once

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

/* ------------------------------------------------------------------------
 * Tokens: the lexer turns the whole source into these, the parser reads them
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

struct token {
        enum tok_type type;
        size_t pos, len;
};

/* ------------------------------------------------------------------------
 * Execution state
 * ------------------------------------------------------------------------ */

/* The value of nil, of missing keys and of an empty pipeline. */
extern const struct json tmpl_json_nil;

/* A value during execution. Data and literals are borrowed; what functions
 * make lives in the exec's temporaries until the enclosing action or
 * iteration ends, and `temp` says a value (or its container) is one. */
struct val {
        const struct json *j;
        bool temp;
};

#define NIL_VAL ((struct val){.j = &tmpl_json_nil})

struct var;  /* a variable in scope (tmpl-exec.c) */
struct temp; /* a temporary value (tmpl-exec.c) */

/* One execution of a template: where it writes, what is in scope, what it has spent. */
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

/* A function templates can call: its arity, and its code (see tmpl-funcs.c). */
typedef int (*func_impl)(struct exec *x, struct val *args, size_t n, struct val *ret);

struct func {
        const char *name;
        int min_args; /* Go's fixed parameters */
        bool variadic;
        func_impl impl; /* NULL for and/or, which evaluate their arguments lazily */
};

/* An object key and its position, for visiting keys in Go's map order. */
struct key_index {
        const char *key;
        size_t index;
};

/* Lexer and literals (tmpl-lex.c) */

/* Go's line:column of a source offset: 1-based line, 0-based byte column. */
void tmpl_src_location(const char *src, size_t pos, size_t *ret_line, size_t *ret_col);
/* Fail with Go's "template: :LINE:COL: message" for a syntax error at pos. */
int tmpl_syntax_error(struct err *e, const char *src, size_t pos, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Allocates: the tokens of src, the last one TK_EOF. */
int tmpl_lex(const char *src, struct token **ret_toks, size_t *ret_n, struct err *e);
/* Decode one UTF-8 sequence; invalid input decodes as U+FFFD of length 1. */
uint32_t tmpl_utf8_get(const char *s, size_t len, size_t *ret_size);
/* The number of runes in s, invalid bytes counting one each. */
size_t tmpl_utf8_count(const char *s, size_t len);
/* The value of a "..." or `...` token (quotes included in tok). */
int tmpl_unquote_string(const char *tok, size_t len, struct json **ret);
/* The value of a '...' token: its rune, as an int. */
int tmpl_parse_char_constant(const char *tok, size_t len, struct json **ret);
/* The value of a number token; on failure *ret_why says what is wrong with it. */
int tmpl_parse_number(const char *tok, size_t len, struct json **ret, const char **ret_why);

/* Letters, digits and '_'; bytes of multi-byte UTF-8 sequences count as
 * letters, which accepts every non-ASCII letter Go accepts (and a few
 * non-letters it would reject). */
static inline bool tmpl_is_alnum(int c)
{
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c >= 0x80;
}

/* Printing (tmpl-printf.c) */

/* "0123456789ABCDEF". */
extern const char tmpl_upperhex[];
/* Go's reflect type name for a decoded JSON value. */
const char *tmpl_go_type(const struct json *j);
/* Append n copies of c. */
void tmpl_put_padding(struct sbuf *b, size_t n, char c);
/* Allocates: an object's keys in Go's map order (sorted bytewise). */
struct key_index *tmpl_sorted_keys(const struct json *obj);
/* fmt.Sprint of one value (%v). */
void tmpl_print_plain(struct sbuf *b, const struct json *j);
/* Go's fmt.Sprint (fmt.Sprintln where ln) of n values. */
void tmpl_sprint(struct sbuf *b, struct val *a, size_t n, bool ln);
/* Go's fmt.Sprintf of the format s (end bytes long) over n values. */
void tmpl_go_sprintf(struct sbuf *b, const char *s, size_t end, struct val *args, size_t n);

/* Execution (tmpl-exec.c) */

/* Fail with Go's "executing at <...>" error for what x is evaluating. */
int tmpl_x_error(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A rough size of a value, to bound what templates allocate. */
size_t tmpl_json_size(const struct json *j);
/* Before making `more` bytes of values: within both budgets? */
int tmpl_check_budget(struct exec *x, size_t more);
/* Take j as a temporary and return it as a value. */
int tmpl_x_temp(struct exec *x, struct json *j, struct val *ret);
/* A temporary string value with a copy of s. */
int tmpl_new_string(struct exec *x, const char *s, size_t n, struct val *ret);
/* Go's isTrue over JSON values. */
bool tmpl_truth(const struct json *j);

/* Functions (tmpl-funcs.c) */

/* The function named by name (len bytes), NULL if there is none. */
const struct func *tmpl_func_lookup(const char *name, size_t len);
