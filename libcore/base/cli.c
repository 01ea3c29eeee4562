/* SPDX-License-Identifier: Apache-2.0 */
/* Docker-style command-line option parsing over option tables. */
#include <errno.h>
#include <string.h>

#include "base.h"

#define FIELD(st, opt, type) ((type *)((char *)(st) + (opt)->offset))

struct parse_state {
        const struct cli_option *tables[2];
        void *structs[2];
        struct cli_parse_result *res;
};

static int usage_error(struct parse_state *ps, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static int usage_error(struct parse_state *ps, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        free(ps->res->error);
        ps->res->error = xvasprintf(fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static const struct cli_option *find_long(struct parse_state *ps, const char *name, size_t len,
                                          void **ret_struct)
{
        for (int t = 0; t < 2; t++) {
                for (const struct cli_option *o = ps->tables[t]; o && o->name; o++) {
                        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0) {
                                *ret_struct = ps->structs[t];
                                return o;
                        }
                }
        }
        return NULL;
}

static const struct cli_option *find_short(struct parse_state *ps, char c, void **ret_struct)
{
        for (int t = 0; t < 2; t++) {
                for (const struct cli_option *o = ps->tables[t]; o && o->name; o++) {
                        if (o->shortname && o->shortname == c) {
                                *ret_struct = ps->structs[t];
                                return o;
                        }
                }
        }
        return NULL;
}

static const char *flag_label(const struct cli_option *o, char *buf, size_t n)
{
        if (o->shortname)
                snprintf(buf, n, "-%c, --%s", o->shortname, o->name);
        else
                snprintf(buf, n, "--%s", o->name);
        return buf;
}

/* Store one value; for booleans value may be NULL (meaning true). */
static int store_value(struct parse_state *ps, const struct cli_option *o, void *st,
                       const char *value)
{
        char label[128];
        int r;
        switch (o->type) {
        case CLI_BOOL: {
                bool b = true;
                if (value && str_to_bool(value, &b) < 0)
                        return usage_error(ps,
                                           "invalid argument \"%s\" for \"%s\" flag: "
                                           "strconv.ParseBool: parsing \"%s\": invalid syntax",
                                           value, flag_label(o, label, sizeof(label)),
                                           value);
                *FIELD(st, o, bool) = b;
                return 0;
        }
        case CLI_STRING: {
                char **f = FIELD(st, o, char *);
                free(*f);
                *f = xstrdup(value);
                return 0;
        }
        case CLI_STRV:
                strv_add(FIELD(st, o, char **), value);
                return 0;
        case CLI_CSV: {
                _cleanup_strv_ char **parts = strv_split(value, ",");
                for (char **p = parts; *p; p++)
                        strv_add(FIELD(st, o, char **), *p);
                return 0;
        }
        case CLI_INT: {
                int64_t v;
                r = str_to_int64(value, &v);
                if (r < 0)
                        return usage_error(ps,
                                           "invalid argument \"%s\" for \"%s\" flag: %s", value,
                                           flag_label(o, label, sizeof(label)),
                                           r == -ERANGE ? "value out of range"
                                                        : "invalid syntax");
                *FIELD(st, o, int64_t) = v;
                return 0;
        }
        case CLI_UINT: {
                uint64_t v;
                r = str_to_uint64(value, &v);
                if (r < 0)
                        return usage_error(ps,
                                           "invalid argument \"%s\" for \"%s\" flag: %s", value,
                                           flag_label(o, label, sizeof(label)),
                                           r == -ERANGE ? "value out of range"
                                                        : "invalid syntax");
                *FIELD(st, o, uint64_t) = v;
                return 0;
        }
        }
        return -EINVAL;
}

static int parse_long(struct parse_state *ps, int argc, char *const *argv, int *i, bool *ret_help)
{
        const char *arg = argv[*i] + 2;
        const char *eq = strchr(arg, '=');
        size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
        void *st = NULL;
        const struct cli_option *o = find_long(ps, arg, len, &st);
        if (!o) {
                if (len == 4 && strncmp(arg, "help", 4) == 0) {
                        *ret_help = true;
                        return 0;
                }
                return usage_error(ps, "unknown flag: --%.*s", (int)len, arg);
        }
        if (o->type == CLI_BOOL)
                return store_value(ps, o, st, eq ? eq + 1 : NULL);
        if (eq)
                return store_value(ps, o, st, eq + 1);
        if (*i + 1 >= argc)
                return usage_error(ps, "flag needs an argument: --%s", o->name);
        (*i)++;
        return store_value(ps, o, st, argv[*i]);
}

static int parse_short(struct parse_state *ps, int argc, char *const *argv, int *i, bool *ret_help)
{
        const char *cluster = argv[*i] + 1;
        for (size_t k = 0; cluster[k]; k++) {
                void *st = NULL;
                const struct cli_option *o = find_short(ps, cluster[k], &st);
                if (!o) {
                        if (cluster[k] == 'h') {
                                *ret_help = true;
                                continue;
                        }
                        return usage_error(ps, "unknown shorthand flag: '%c' in -%s", cluster[k],
                                           cluster);
                }
                const char *rest = cluster + k + 1;
                if (o->type == CLI_BOOL) {
                        if (*rest == '=')
                                return store_value(ps, o, st, rest + 1);
                        int r = store_value(ps, o, st, NULL);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (*rest)
                        return store_value(ps, o, st, *rest == '=' ? rest + 1 : rest);
                if (*i + 1 >= argc)
                        return usage_error(ps, "flag needs an argument: '%c' in -%s",
                                           cluster[k], cluster);
                (*i)++;
                return store_value(ps, o, st, argv[*i]);
        }
        return 0;
}

int cli_parse(int argc, char *const *argv, const struct cli_option *opts, void *opts_struct,
              const struct cli_option *global, void *global_struct, unsigned flags,
              bool *ret_help, struct cli_parse_result *res)
{
        struct parse_state ps = {
                .tables = {opts, global},
                .structs = {opts_struct, global_struct},
                .res = res,
        };
        bool help = false;
        res->args = xcalloc(1, sizeof(char *));
        res->error = NULL;
        for (int i = 0; i < argc; i++) {
                const char *a = argv[i];
                int r = 0;
                if (STREQ(a, "--")) {
                        for (i++; i < argc; i++)
                                strv_add(&res->args, argv[i]);
                        break;
                }
                if (a[0] == '-' && a[1] == '-')
                        r = parse_long(&ps, argc, argv, &i, &help);
                else if (a[0] == '-' && a[1])
                        r = parse_short(&ps, argc, argv, &i, &help);
                else if (flags & CLI_STOP_AT_FIRST_ARG) {
                        for (; i < argc; i++)
                                strv_add(&res->args, argv[i]);
                        break;
                } else
                        strv_add(&res->args, a);
                if (r < 0)
                        return r;
        }
        if (ret_help)
                *ret_help = help;
        return 0;
}

void cli_parse_result_done(struct cli_parse_result *r)
{
        strv_free(r->args);
        free(r->error);
        r->args = NULL;
        r->error = NULL;
}

void cli_options_free(const struct cli_option *opts, void *opts_struct)
{
        for (const struct cli_option *o = opts; o && o->name; o++) {
                if (o->type == CLI_STRING) {
                        char **f = FIELD(opts_struct, o, char *);
                        free(*f);
                        *f = NULL;
                } else if (o->type == CLI_STRV || o->type == CLI_CSV) {
                        char ***f = FIELD(opts_struct, o, char **);
                        strv_free(*f);
                        *f = NULL;
                }
        }
}

static const char *type_name(const struct cli_option *o)
{
        if (o->arg)
                return o->arg;
        switch (o->type) {
        case CLI_STRING:
                return "string";
        case CLI_STRV:
                return "stringArray";
        case CLI_CSV:
                return "strings";
        case CLI_INT:
                return "int";
        case CLI_UINT:
                return "uint";
        case CLI_BOOL:
                break;
        }
        return NULL;
}

void cli_options_help(const struct cli_option *opts, struct sbuf *out)
{
        size_t width = 0;
        char **lefts = NULL;
        for (const struct cli_option *o = opts; o && o->name; o++) {
                if (o->hidden)
                        continue;
                const char *t = type_name(o);
                char *left = o->shortname ? xasprintf("  -%c, --%s%s%s", o->shortname, o->name,
                                                      t ? " " : "", t ? t : "")
                                          : xasprintf("      --%s%s%s", o->name, t ? " " : "",
                                                      t ? t : "");
                if (strlen(left) > width)
                        width = strlen(left);
                strv_push(&lefts, left);
        }
        size_t k = 0;
        for (const struct cli_option *o = opts; o && o->name; o++) {
                if (o->hidden)
                        continue;
                sbuf_printf(out, "%-*s   %s", (int)width, lefts[k++], o->help ? o->help : "");
                if (o->dflt) {
                        if (o->type == CLI_STRING)
                                sbuf_printf(out, " (default \"%s\")", o->dflt);
                        else
                                sbuf_printf(out, " (default %s)", o->dflt);
                }
                sbuf_putc(out, '\n');
        }
        strv_free(lefts);
}
