/* SPDX-License-Identifier: Apache-2.0 */
/* Go's fmt over decoded JSON values: %v and the other verbs, flags, Sprint and Sprintf. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "tmpl-internal.h"

/* ------------------------------------------------------------------------
 * Printing values the way Go's fmt prints what encoding/json decodes
 * ------------------------------------------------------------------------ */

/* Go's reflect type name for a decoded JSON value. */
const char *tmpl_go_type(const struct json *j)
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
const char tmpl_upperhex[] = "0123456789ABCDEF";

static void quote_rune(struct sbuf *b, uint32_t r, char quote, bool ascii_only)
{
        if (r == (uint32_t)quote || r == '\\') {
                sbuf_putc(b, '\\');
                sbuf_putc(b, (char)r);
                return;
        }
        if (ascii_only ? (r < 0x80 && go_isprint(r)) : go_isprint(r)) {
                sbuf_put_utf8(b, r);
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
                uint32_t r = tmpl_utf8_get(s + i, n - i, &sz);
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
                uint32_t r = tmpl_utf8_get(s + i, n - i, &sz);
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

void tmpl_put_padding(struct sbuf *b, size_t n, char c)
{
        for (size_t i = 0; i < n; i++)
                sbuf_putc(b, c);
}

/* Go's fmt.pad: width counts runes; '0' pads on the left only. */
static void fmt_pad(struct sbuf *b, const struct fspec *f, const char *s, size_t n)
{
        size_t runes = f->wid_present && f->wid > 0 ? tmpl_utf8_count(s, n) : 0;
        size_t pad = f->wid_present && (size_t)f->wid > runes ? (size_t)f->wid - runes : 0;
        if (!f->minus)
                tmpl_put_padding(b, pad, f->zero ? '0' : ' ');
        sbuf_append_len(b, s, n);
        if (f->minus)
                tmpl_put_padding(b, pad, ' ');
}

/* Keep the first prec runes, as Go's truncateString does. */
static size_t fmt_truncate(const struct fspec *f, const char *s, size_t n)
{
        if (!f->prec_present)
                return n;
        size_t i = 0, sz;
        for (int k = 0; k < f->prec && i < n; k++, i += sz)
                tmpl_utf8_get(s + i, n - i, &sz);
        return i;
}

static void fmt_value(struct sbuf *b, const struct json *j, int verb, const struct fspec *f,
                      int depth);

static void fmt_bad_verb(struct sbuf *b, const struct json *j, int verb, const struct fspec *f)
{
        sbuf_append(b, "%!");
        sbuf_put_utf8(b, (uint32_t)verb);
        sbuf_putc(b, '(');
        if (j->type == JSON_NULL) {
                sbuf_append(b, "<nil>");
        } else {
                sbuf_append(b, tmpl_go_type(j));
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
                const char *digits = verb == 'x' ? lowerhex : tmpl_upperhex;
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
        const char *digits = verb == 'X' ? tmpl_upperhex : lowerhex;
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
                sbuf_put_utf8(&t, r);
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
                        sbuf_put_utf8(&t, (uint32_t)u);
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
                tmpl_put_padding(t, (size_t)-dp, '0');
                sbuf_append(t, digits);
        } else if (dp >= nd) {
                sbuf_append(t, digits);
                tmpl_put_padding(t, (size_t)(dp - nd), '0');
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
                        tmpl_put_padding(b, (size_t)f->wid - num.len, '0');
                        sbuf_append(b, num.buf + 1);
                } else {
                        fmt_pad(b, f, num.buf, num.len);
                }
        } else {
                fmt_pad(b, f, num.buf + 1, num.len - 1);
        }
        sbuf_done(&num);
}

static int key_index_cmp(const void *a, const void *b)
{
        return strcmp(((const struct key_index *)a)->key, ((const struct key_index *)b)->key);
}

/* Allocates: an object's keys in Go's map order (sorted bytewise). */
struct key_index *tmpl_sorted_keys(const struct json *obj)
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
                fmt_pad(b, f, tmpl_go_type(j), strlen(tmpl_go_type(j)));
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
                _cleanup_free_ struct key_index *keys = tmpl_sorted_keys(j);
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
void tmpl_print_plain(struct sbuf *b, const struct json *j)
{
        fmt_value(b, j, 'v', &fspec_plain, 0);
}

/* ------------------------------------------------------------------------
 * Sprint and Sprintf over template arguments
 * ------------------------------------------------------------------------ */

/* Go's fmt.Sprint: spaces between operands when neither is a string. */
void tmpl_sprint(struct sbuf *b, struct val *a, size_t n, bool ln)
{
        for (size_t i = 0; i < n; i++) {
                bool is_str = a[i].j->type == JSON_STRING;
                if (i > 0 && (ln || (!is_str && a[i - 1].j->type != JSON_STRING)))
                        sbuf_putc(b, ' ');
                tmpl_print_plain(b, a[i].j);
        }
        if (ln)
                sbuf_putc(b, '\n');
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
void tmpl_go_sprintf(struct sbuf *b, const char *s, size_t end, struct val *args, size_t n)
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
                int verb = (int)tmpl_utf8_get(s + i, end - i, &sz);
                i += sz;
                if (verb == '%') {
                        sbuf_putc(b, '%');
                } else if (!ps.good_argnum) {
                        sbuf_append(b, "%!");
                        sbuf_put_utf8(b, (uint32_t)verb);
                        sbuf_append(b, "(BADINDEX)");
                } else if (ps.argnum >= n) {
                        sbuf_append(b, "%!");
                        sbuf_put_utf8(b, (uint32_t)verb);
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
                                sbuf_append(b, tmpl_go_type(args[k].j));
                                sbuf_putc(b, '=');
                                tmpl_print_plain(b, args[k].j);
                        }
                }
                sbuf_putc(b, ')');
        }
}
