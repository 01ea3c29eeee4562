/* SPDX-License-Identifier: Apache-2.0 */
/* TOML values that are tokens: strings, integers, floats and date-times. */
#include <math.h>
#include <string.h>

#include "toml-internal.h"

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
        int c = toml_peek(p, 1);
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
                return toml_perr(p, p->len, "unterminated string");
        default:
                if (c >= 0x20 && c < 0x7f)
                        return toml_perr(p, start, "invalid escape sequence '\\%c'", c);
                return toml_perr(p, start, "invalid escape sequence");
        }
        if (simple) {
                sbuf_putc(out, simple[0]);
                p->pos += 2;
                return 0;
        }
        size_t ndigits = c == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (size_t i = 0; i < ndigits; i++) {
                int h = hex_value(toml_peek(p, 2 + i));
                if (h < 0)
                        return toml_perr(p, start,
                                         "invalid unicode escape: expected %zu hex digits",
                                         ndigits);
                cp = (cp << 4) | (uint32_t)h;
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return toml_perr(p, start, "invalid unicode escape: U+%04X is not a scalar value",
                                 (unsigned)cp);
        sbuf_put_utf8(out, cp);
        p->pos += 2 + ndigits;
        return 0;
}

/* At the opening quote(s): parse a basic (") or literal (') string, single
 * or (where allow_multi: values, not keys) multi-line, appending its value to out. */
int toml_parse_string(struct parser *p, bool allow_multi, struct sbuf *out)
{
        char q = p->buf[p->pos];
        bool literal = q == '\'';
        bool multi = allow_multi && toml_peek(p, 1) == q && toml_peek(p, 2) == q;
        sbuf_append_len(out, "", 0);
        if (multi) {
                p->pos += 3;
                /* A newline right after the opening delimiter is trimmed. */
                if (toml_peek(p, 0) == '\n')
                        p->pos++;
                else if (toml_peek(p, 0) == '\r' && toml_peek(p, 1) == '\n')
                        p->pos += 2;
        } else {
                p->pos++;
        }
        for (;;) {
                int c = toml_peek(p, 0);
                if (c < 0)
                        return toml_perr(p, p->pos, "unterminated string");
                if (c == q) {
                        if (!multi) {
                                p->pos++;
                                return 0;
                        }
                        size_t n = 0;
                        while (toml_peek(p, n) == q)
                                n++;
                        if (n < 3) {
                                sbuf_append_len(out, p->buf + p->pos, n);
                                p->pos += n;
                                continue;
                        }
                        /* Up to two quotes may sit right before the closing three. */
                        if (n > 5)
                                return toml_perr(p, p->pos + 5, "too many quotes at end of string");
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
                                toml_skip_ws(p);
                                if (toml_at_newline(p)) {
                                        while (toml_peek(p, 0) == ' ' || toml_peek(p, 0) == '\t' ||
                                               toml_at_newline(p))
                                                p->pos += toml_peek(p, 0) == '\r' ? 2 : 1;
                                        continue;
                                }
                                p->pos = save;
                        }
                        int r = parse_escape(p, out);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (c == '\n' || (c == '\r' && toml_peek(p, 1) == '\n')) {
                        if (!multi)
                                return toml_perr(p, p->pos, "newline in single-line string");
                        sbuf_putc(out, '\n');
                        p->pos += c == '\r' ? 2 : 1;
                        continue;
                }
                if (toml_is_control(c))
                        return toml_perr(p, p->pos, "control character 0x%02x in string", c);
                sbuf_putc(out, (char)c);
                p->pos++;
        }
}

/* ------------------------------------------------------------------------
 * Numbers and dates
 * ------------------------------------------------------------------------ */

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
                        return toml_perr(p, pos,
                                         "sign not allowed on a hexadecimal, octal or binary "
                                         "integer");
                base = t[i + 1] == 'x' ? 16 : t[i + 1] == 'o' ? 8 : 2;
                i += 2;
        } else if (i + 1 < n && t[i] == '0') {
                return toml_perr(p, pos, "leading zeros are not allowed in '%.*s'", (int)n, t);
        }
        ssize_t end = scan_digits(t, n, i, base);
        if (end < 0 || (size_t)end != n)
                return toml_perr(p, pos, "invalid number '%.*s'", (int)n, t);
        uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        uint64_t v = 0;
        for (; i < n; i++) {
                if (t[i] == '_')
                        continue;
                uint64_t d = (uint64_t)hex_value(t[i]);
                if (v > (limit - d) / (uint64_t)base)
                        return toml_perr(p, pos, "integer '%.*s' out of range", (int)n, t);
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
        if (i + 1 < n && t[i] == '0' && (toml_is_digit(t[i + 1]) || t[i + 1] == '_'))
                return toml_perr(p, pos, "leading zeros are not allowed in '%.*s'", (int)n, t);
        ssize_t end = scan_digits(t, n, i, 10);
        if (end < 0)
                return toml_perr(p, pos, "invalid number '%.*s'", (int)n, t);
        i = (size_t)end;
        if (i < n && t[i] == '.') {
                end = scan_digits(t, n, i + 1, 10);
                if (end < 0)
                        return toml_perr(p, pos, "invalid number '%.*s'", (int)n, t);
                i = (size_t)end;
        }
        if (i < n && (t[i] == 'e' || t[i] == 'E')) {
                i++;
                if (i < n && (t[i] == '+' || t[i] == '-'))
                        i++;
                end = scan_digits(t, n, i, 10);
                if (end < 0)
                        return toml_perr(p, pos, "invalid number '%.*s'", (int)n, t);
                i = (size_t)end;
        }
        if (i != n)
                return toml_perr(p, pos, "invalid number '%.*s'", (int)n, t);
        _cleanup_free_ char *clean = xmalloc(n + 1);
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
                if (t[j] != '_')
                        clean[k++] = t[j];
        clean[k] = '\0';
        double d = strtod(clean, NULL);
        if (isinf(d))
                return toml_perr(p, pos, "float '%.*s' out of range", (int)n, t);
        *ret = json_new_double(d);
        return 0;
}

static bool two_digits(const char *s, int *v)
{
        if (!toml_is_digit(s[0]) || !toml_is_digit(s[1]))
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
                while (i < n && toml_is_digit(t[i]))
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
        return toml_perr(p, pos, "invalid date or time '%.*s'", (int)n, t);
}

static bool is_token_char(int c)
{
        return toml_is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

/* Numbers, inf/nan and dates: take the whole token, then decide. */
int toml_parse_scalar_token(struct parser *p, struct json **ret)
{
        size_t start = p->pos;
        while (is_token_char(toml_peek(p, 0)))
                p->pos++;
        /* "1979-05-27 07:32:00": a space may separate date and time. */
        if (p->pos - start == 10 && p->buf[start + 4] == '-' && toml_peek(p, 0) == ' ' &&
            toml_is_digit(toml_peek(p, 1)) && toml_is_digit(toml_peek(p, 2)) &&
            toml_peek(p, 3) == ':') {
                p->pos++;
                while (is_token_char(toml_peek(p, 0)))
                        p->pos++;
        }
        const char *t = p->buf + start;
        size_t n = p->pos - start;
        if ((n >= 10 && toml_is_digit(t[0]) && toml_is_digit(t[1]) && toml_is_digit(t[2]) &&
             toml_is_digit(t[3]) && t[4] == '-') ||
            (n >= 3 && toml_is_digit(t[0]) && toml_is_digit(t[1]) && t[2] == ':'))
                return parse_datetime(p, t, n, start, ret);
        size_t b = (t[0] == '+' || t[0] == '-') ? 1 : 0;
        bool hexlike = n > b + 1 && t[b] == '0' && t[b + 1] == 'x';
        if (memchr(t, '.', n) || (!hexlike && (memchr(t, 'e', n) || memchr(t, 'E', n))) ||
            (n - b == 3 && (memcmp(t + b, "inf", 3) == 0 || memcmp(t + b, "nan", 3) == 0)))
                return parse_float(p, t, n, start, ret);
        return parse_integer(p, t, n, start, ret);
}
