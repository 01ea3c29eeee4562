/* SPDX-License-Identifier: Apache-2.0 */
/* Executing a compiled template over JSON data: values, variables, budgets and evaluation. */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "tmpl-internal.h"

/* ------------------------------------------------------------------------
 * Execution state
 * ------------------------------------------------------------------------ */

const struct json tmpl_json_nil = {.type = JSON_NULL};

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

int tmpl_x_error(struct exec *x, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = xvasprintf(fmt, ap);
        va_end(ap);
        size_t line, col;
        tmpl_src_location(x->src, x->at_pos, &line, &col);
        size_t n = x->at_end > x->at_start ? x->at_end - x->at_start : 0;
        /* Go shows at most 20 bytes of the node. */
        return err_set(x->e, EINVAL, "template: :%zu:%zu: executing at <%.*s%s>: %s", line, col,
                       (int)(n > 20 ? 20 : n), x->src + x->at_start, n > 20 ? "..." : "", msg);
}

static int x_step(struct exec *x)
{
        if (++x->steps > TMPL_MAX_STEPS)
                return tmpl_x_error(x, "template execution took more than %u steps",
                                    TMPL_MAX_STEPS);
        return 0;
}

static int x_emit(struct exec *x, const char *s, size_t n)
{
        if (x->out->len - x->out_start + n > TMPL_MAX_OUTPUT)
                return tmpl_x_error(x, "template output exceeds %u MiB", TMPL_MAX_OUTPUT >> 20);
        sbuf_append_len(x->out, s, n);
        return 0;
}

/* A rough size of a value, to bound what templates allocate. */
size_t tmpl_json_size(const struct json *j)
{
        size_t n = sizeof(*j);
        switch (j->type) {
        case JSON_STRING:
                return n + j->str.len;
        case JSON_ARRAY:
                for (size_t i = 0; i < j->arr.len; i++)
                        n += sizeof(void *) + tmpl_json_size(j->arr.items[i]);
                return n;
        case JSON_OBJECT:
                for (size_t i = 0; i < j->obj.len; i++)
                        n += 2 * sizeof(void *) + strlen(j->obj.keys[i]) + 1 +
                             tmpl_json_size(j->obj.vals[i]);
                return n;
        default:
                return n;
        }
}

/* Before making `more` bytes of values: within both budgets? The error
 * names the limit so that a user can tell a huge value from a long loop. */
int tmpl_check_budget(struct exec *x, size_t more)
{
        if (x->temp_bytes + more > TMPL_MAX_TEMP)
                return tmpl_x_error(x, "template values exceed %u MiB", TMPL_MAX_TEMP >> 20);
        if (x->work + more > TMPL_MAX_WORK)
                return tmpl_x_error(x, "template execution made more than %llu MiB of values",
                                    TMPL_MAX_WORK >> 20);
        return 0;
}

/* Take j as a temporary and return it as a value. */
int tmpl_x_temp(struct exec *x, struct json *j, struct val *ret)
{
        size_t size = tmpl_json_size(j);
        xgrow((void **)&x->temps, &x->cap_temps, x->n_temps + 1, sizeof(*x->temps));
        x->temps[x->n_temps++] = (struct temp){.j = j, .size = size};
        x->temp_bytes += size;
        x->work += size;
        *ret = (struct val){.j = j, .temp = true};
        return tmpl_check_budget(x, 0);
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
                return tmpl_x_error(x, "undefined variable: %s", name);
        if (v.temp) {
                size_t size = tmpl_json_size(v.j);
                int r = tmpl_check_budget(x, size);
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
bool tmpl_truth(const struct json *j)
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

int tmpl_new_string(struct exec *x, const char *s, size_t n, struct val *ret)
{
        return tmpl_x_temp(x, json_new_string_len(s, n), ret);
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
                return tmpl_new_string(x, h, strlen(h), ret);
        _cleanup_free_ char *s = header_from_key(key);
        return tmpl_new_string(x, s, strlen(s), ret);
}

/* ------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------ */

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
                        return tmpl_x_error(x, "%s is not a method but has arguments", name);
                x->steps += recv.j->obj.len / 16; /* the lookup is a linear scan */
                const struct json *v = json_object_get(recv.j, name);
                if (!v)
                        v = field_by_go_name(recv.j, name);
                *ret = (struct val){.j = v ? v : &tmpl_json_nil, .temp = recv.temp};
                return 0;
        }
        case JSON_NULL:
                /* Go returns "no value" for a missing map key and fails on a
                 * nil interface; JSON has no such difference, so both are
                 * "no value" here. */
                *ret = NIL_VAL;
                return 0;
        default:
                return tmpl_x_error(x, "can't evaluate field %s in type %s", name,
                                    tmpl_go_type(recv.j));
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
                return tmpl_x_error(x, "undefined variable: %s", a->name);
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
                return tmpl_x_error(x, "wrong number of args for %s: want at least %d got %zu",
                                    f->name, f->min_args, n_args);
        if (!f->variadic && n != (size_t)f->min_args)
                return tmpl_x_error(x, "wrong number of args for %s: want %d got %zu", f->name,
                                    f->min_args, n);
        if (!f->impl) {
                /* and/or: stop at the first false/true argument and return it. */
                bool is_or = f->name[0] == 'o';
                struct val v = NIL_VAL;
                for (size_t i = 0; i < n_args; i++) {
                        r = eval_arg(x, dot, args[i], &v);
                        if (r < 0)
                                return r;
                        if (tmpl_truth(v.j) == is_or) {
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
                return tmpl_x_error(x, "can't give argument to non-function %.*s",
                                    (int)(c->args[0]->end - c->args[0]->pos),
                                    x->src + c->args[0]->pos);
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
                return tmpl_x_error(x, "nil is not a command");
        case ARG_LITERAL:
                *ret = (struct val){.j = a->lit};
                return 0;
        default:
                return tmpl_x_error(x, "can't evaluate command");
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
        tmpl_print_plain(&b, v.j);
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
                        r = tmpl_new_string(x, key_s, strlen(key_s), &x->vars[vmark - 2].v);
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
                _cleanup_free_ struct key_index *keys = tmpl_sorted_keys(j);
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
                        tmpl_print_plain(&b, j);
                        x_at(x, n->pipe->pos, n->pipe->pos, n->pipe->end);
                        r = tmpl_x_error(x, "range can't iterate over %s", b.buf);
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
                        if (tmpl_truth(v.j))
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
 * Running
 * ------------------------------------------------------------------------ */

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
        struct val root = {.j = data ? data : &tmpl_json_nil};
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
