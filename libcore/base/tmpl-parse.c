/* SPDX-License-Identifier: Apache-2.0 */
/* The template parser, from tokens to the syntax tree, and tmpl_compile(). */
#include <errno.h>
#include <string.h>

#include "tmpl-internal.h"

/* ------------------------------------------------------------------------
 * Syntax tree
 * ------------------------------------------------------------------------ */

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
 * Parser: a recursive-descent copy of Go's text/template/parse.
 * ------------------------------------------------------------------------ */

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
        return tmpl_syntax_error(p->e, p->src, pos, "%s", msg);
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
                a->fn = tmpl_func_lookup(p->src + t->pos, t->len);
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
                if (tmpl_parse_char_constant(p->src + t->pos, t->len, &a->lit) < 0)
                        return p_error(p, t->pos, "malformed character constant: %.*s", (int)t->len,
                                       p->src + t->pos);
                break;
        case TK_NUMBER:
                a->kind = ARG_LITERAL;
                if (tmpl_parse_number(p->src + t->pos, t->len, &a->lit, &why) < 0)
                        return p_error(p, t->pos, "%s: \"%.*s\"", why, (int)t->len,
                                       p->src + t->pos);
                break;
        case TK_STRING:
        case TK_RAWSTR:
                a->kind = ARG_LITERAL;
                if (tmpl_unquote_string(p->src + t->pos, t->len, &a->lit) < 0)
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
        struct token *toks;
        size_t n;
        int r = tmpl_lex(src, &toks, &n, e);
        if (r < 0)
                return r;
        struct parser p = {.src = src, .toks = toks, .n = n, .e = e};
        p_push_var(&p, "$");
        r = parse_root(&p, root);
        p_pop_vars(&p, 0);
        free(p.vars);
        free(toks);
        if (r < 0)
                list_done(root);
        return r;
}

/* ------------------------------------------------------------------------
 * Compiling
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
        _cleanup_free_ char *spaced = NULL;
        if (str_has_prefix(src, "table ")) {
                t->table = true;
                /* podman 4.3 turns every space of a table format into a tab,
                 * so "{{.A}} {{.B}}" gives two aligned columns; it does so
                 * blindly, inside actions and quoted strings too. */
                spaced = xstrdup(src + 6);
                for (char *p = spaced; *p; p++)
                        if (*p == ' ')
                                *p = '\t';
                src = spaced;
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
