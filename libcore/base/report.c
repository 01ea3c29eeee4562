/* SPDX-License-Identifier: Apache-2.0 */
/* Command output: --format handling (json, templates, tables) and YAML. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "base.h"

static int render_items(const struct tmpl *t, const struct json *data, bool list,
                        struct sbuf *out, struct err *e)
{
        size_t n = list ? data->arr.len : 1;
        for (size_t i = 0; i < n; i++) {
                const struct json *item = list ? data->arr.items[i] : data;
                size_t before = out->len;
                int r = tmpl_exec(t, item, out, e);
                if (r < 0)
                        return r;
                if (out->len == before || out->buf[out->len - 1] != '\n')
                        sbuf_putc(out, '\n');
        }
        return 0;
}

static int render(const char *format, const char *dflt, const struct json *data, bool list,
                  const struct json *headers, bool heading, struct sbuf *out, struct err *e)
{
        if (list && data->type != JSON_ARRAY)
                return err_set(e, EINVAL, "report: expected a list of items");
        if (format && STREQ(format, "json")) {
                _cleanup_free_ char *s = json_generate(data, JSON_GEN_PRETTY | JSON_GEN_INDENT4 |
                                                                     JSON_GEN_NEWLINE);
                sbuf_append(out, s);
                return 0;
        }
        if (!format || !*format || STREQ(format, "table"))
                format = dflt;
        _cleanup_(tmpl_freep) struct tmpl *t = NULL;
        int r = tmpl_compile(format, &t, e);
        if (r < 0)
                return r;
        struct sbuf raw = {0};
        if (heading && tmpl_is_table(t)) {
                size_t before = raw.len;
                r = tmpl_exec_header(t, headers, &raw, e);
                if (r == 0 && (raw.len == before || raw.buf[raw.len - 1] != '\n'))
                        sbuf_putc(&raw, '\n');
        }
        if (r == 0)
                r = render_items(t, data, list, &raw, e);
        if (r < 0) {
                sbuf_done(&raw);
                return r;
        }
        _cleanup_(tabw_freep) struct tabw *w = tabw_new();
        tabw_write(w, raw.buf ? raw.buf : "");
        sbuf_done(&raw);
        _cleanup_free_ char *aligned = tabw_flush(w);
        sbuf_append(out, aligned);
        return 0;
}

int report_render(const char *format, const char *dflt, const struct json *data, bool list,
                  const struct json *headers, struct sbuf *out, struct err *e)
{
        return render(format, dflt, data, list, headers, true, out, e);
}

int report_render_noheading(const char *format, const char *dflt, const struct json *data,
                            bool list, const struct json *headers, struct sbuf *out,
                            struct err *e)
{
        return render(format, dflt, data, list, headers, false, out, e);
}

static bool yaml_needs_quotes(const char *s)
{
        static const char *const words[] = {"true",  "false", "yes", "no",  "on",  "off",
                                            "null",  "~",     "y",   "n",   "True", "False",
                                            "TRUE",  "FALSE", "Yes", "No",  "NULL", "Null"};
        if (!*s)
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(words); i++)
                if (STREQ(s, words[i]))
                        return true;
        if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]))
                return true;
        if (s[strlen(s) - 1] == ' ' || strstr(s, ": ") || strstr(s, " #"))
                return true;
        /* Strings that would read back as numbers. */
        char *end;
        (void)strtod(s, &end);
        return *end == '\0';
}

static void yaml_scalar(const struct json *v, int indent, struct sbuf *out)
{
        switch (v->type) {
        case JSON_NULL:
                sbuf_append(out, "null");
                break;
        case JSON_BOOL:
                sbuf_append(out, v->b ? "true" : "false");
                break;
        case JSON_INT:
                sbuf_printf(out, "%lld", (long long)v->i);
                break;
        case JSON_DOUBLE:
                if (v->is_uint)
                        sbuf_printf(out, "%" PRIu64, v->u);
                else if (isfinite(v->d))
                        sbuf_printf(out, "%.17g", v->d);
                else
                        sbuf_append(out, isnan(v->d) ? ".nan" : v->d > 0 ? ".inf" : "-.inf");
                break;
        case JSON_STRING: {
                const char *s = v->str.s;
                if (strchr(s, '\n')) {
                        size_t len = strlen(s);
                        sbuf_append(out, len && s[len - 1] == '\n' ? "|" : "|-");
                        _cleanup_strv_ char **lines = strv_split(s, "\n");
                        size_t n = strv_length(lines);
                        if (n && !*lines[n - 1])
                                n--;
                        for (size_t i = 0; i < n; i++)
                                sbuf_printf(out, "\n%*s%s", indent + 2, "", lines[i]);
                } else if (yaml_needs_quotes(s)) {
                        sbuf_putc(out, '\'');
                        for (const char *p = s; *p; p++) {
                                if (*p == '\'')
                                        sbuf_putc(out, '\'');
                                sbuf_putc(out, *p);
                        }
                        sbuf_putc(out, '\'');
                } else {
                        sbuf_append(out, s);
                }
                break;
        }
        case JSON_ARRAY:
                sbuf_append(out, "[]");
                break;
        case JSON_OBJECT:
                sbuf_append(out, "{}");
                break;
        }
}

static void yaml_node(const struct json *v, int indent, struct sbuf *out, int depth);

static void yaml_value_after_key(const struct json *v, int indent, struct sbuf *out, int depth)
{
        bool nested = (v->type == JSON_OBJECT && v->obj.len) ||
                      (v->type == JSON_ARRAY && v->arr.len);
        if (!nested) {
                sbuf_putc(out, ' ');
                yaml_scalar(v, indent, out);
                sbuf_putc(out, '\n');
                return;
        }
        sbuf_putc(out, '\n');
        /* Like go-yaml, sequences under a key are not indented further. */
        yaml_node(v, v->type == JSON_OBJECT ? indent + 2 : indent, out, depth + 1);
}

static void yaml_node(const struct json *v, int indent, struct sbuf *out, int depth)
{
        if (depth > JSON_MAX_DEPTH)
                return;
        if (v->type == JSON_OBJECT) {
                for (size_t i = 0; i < v->obj.len; i++) {
                        sbuf_printf(out, "%*s", indent, "");
                        if (yaml_needs_quotes(v->obj.keys[i]))
                                sbuf_printf(out, "'%s':", v->obj.keys[i]);
                        else
                                sbuf_printf(out, "%s:", v->obj.keys[i]);
                        yaml_value_after_key(v->obj.vals[i], indent, out, depth);
                }
        } else if (v->type == JSON_ARRAY) {
                for (size_t i = 0; i < v->arr.len; i++) {
                        const struct json *it = v->arr.items[i];
                        sbuf_printf(out, "%*s-", indent, "");
                        if (it->type == JSON_OBJECT && it->obj.len) {
                                /* First key on the dash line, the rest aligned under it. */
                                struct sbuf sub = {0};
                                yaml_node(it, indent + 2, &sub, depth + 1);
                                sbuf_append(out, " ");
                                sbuf_append(out, sub.buf + indent + 2);
                                sbuf_done(&sub);
                        } else if (it->type == JSON_ARRAY && it->arr.len) {
                                sbuf_putc(out, '\n');
                                yaml_node(it, indent + 2, out, depth + 1);
                        } else {
                                sbuf_putc(out, ' ');
                                yaml_scalar(it, indent, out);
                                sbuf_putc(out, '\n');
                        }
                }
        } else {
                sbuf_printf(out, "%*s", indent, "");
                yaml_scalar(v, indent, out);
                sbuf_putc(out, '\n');
        }
}

void report_yaml(const struct json *data, struct sbuf *out)
{
        yaml_node(data, 0, out, 0);
}

char *report_human_size(int64_t bytes)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double v = (double)bytes;
        size_t u = 0;
        while (v >= 1000.0 && u + 1 < ARRAY_SIZE(units)) {
                v /= 1000.0;
                u++;
        }
        return xasprintf("%.3g %s", v, units[u]);
}

/* go-units' HumanDuration, which podman prints with " ago". */
char *report_human_ago(int64_t seconds)
{
        if (seconds < 1)
                return xstrdup("Less than a second ago");
        if (seconds == 1)
                return xstrdup("1 second ago");
        if (seconds < 60)
                return xasprintf("%lld seconds ago", (long long)seconds);
        int64_t minutes = seconds / 60;
        if (minutes == 1)
                return xstrdup("About a minute ago");
        if (minutes < 60)
                return xasprintf("%lld minutes ago", (long long)minutes);
        int64_t hours = (int64_t)((double)seconds / 3600.0 + 0.5);
        if (hours == 1)
                return xstrdup("About an hour ago");
        if (hours < 48)
                return xasprintf("%lld hours ago", (long long)hours);
        if (hours < 24 * 7 * 2)
                return xasprintf("%lld days ago", (long long)(hours / 24));
        if (hours < 24 * 30 * 2)
                return xasprintf("%lld weeks ago", (long long)(hours / 24 / 7));
        if (hours < 24 * 365 * 2)
                return xasprintf("%lld months ago", (long long)(hours / 24 / 30));
        return xasprintf("%lld years ago", (long long)(seconds / 3600 / 24 / 365));
}
