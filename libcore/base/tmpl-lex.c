/* SPDX-License-Identifier: Apache-2.0 */
/* The template lexer, and the values of literal tokens (strings, characters, numbers). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tmpl-internal.h"

/* ------------------------------------------------------------------------
 * Lexer: the whole source becomes a token array first, as Go's lexer
 * does; spaces inside actions are tokens because the grammar needs them
 * ("$x .A" is two operands, "$x.A" one).
 * ------------------------------------------------------------------------ */

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

struct lexer {
        const char *src;
        size_t len, pos;
        struct token *toks;
        size_t n, cap;
        int paren_depth;
        struct err *e;
};

/* Go's line:column of a source offset: 1-based line, 0-based byte column. */
void tmpl_src_location(const char *src, size_t pos, size_t *ret_line, size_t *ret_col)
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

int tmpl_syntax_error(struct err *e, const char *src, size_t pos, const char *fmt, ...)
{
        size_t line, col;
        tmpl_src_location(src, pos, &line, &col);
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
        return tmpl_syntax_error(lx->e, lx->src, pos, "%s", msg);
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
        if (c >= 0 && (tmpl_is_alnum(c) || c == '+' || c == '-')) {
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
        while (lx->pos < lx->len && tmpl_is_alnum((unsigned char)lx->src[lx->pos]))
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
        while (lx->pos < lx->len && tmpl_is_alnum((unsigned char)lx->src[lx->pos]))
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
                } else if (tmpl_is_alnum(c)) {
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

int tmpl_lex(const char *src, struct token **ret_toks, size_t *ret_n, struct err *e)
{
        struct lexer lx = {.src = src, .len = strlen(src), .e = e};
        int r = lex_all(&lx);
        if (r < 0) {
                free(lx.toks);
                return r;
        }
        *ret_toks = lx.toks;
        *ret_n = lx.n;
        return 0;
}

/* ------------------------------------------------------------------------
 * Literals
 * ------------------------------------------------------------------------ */

/* Decode one UTF-8 sequence; invalid input decodes as U+FFFD of length 1,
 * as Go's utf8.DecodeRune does. */
uint32_t tmpl_utf8_get(const char *s, size_t len, size_t *ret_size)
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

size_t tmpl_utf8_count(const char *s, size_t len)
{
        size_t n = 0;
        for (size_t i = 0, sz; i < len; i += sz, n++)
                tmpl_utf8_get(s + i, len - i, &sz);
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
                tmpl_utf8_get(p, (size_t)(end - p), &sz);
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
                sbuf_put_utf8(b, v);
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
int tmpl_unquote_string(const char *tok, size_t len, struct json **ret)
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

int tmpl_parse_char_constant(const char *tok, size_t len, struct json **ret)
{
        struct sbuf b = {0};
        const char *p = tok + 1, *end = tok + len - 1;
        if (p >= end || !unquote_char(&p, end, '\'', &b) || p != end) {
                sbuf_done(&b);
                return -EINVAL;
        }
        size_t sz;
        uint32_t r = b.len == 1 ? (unsigned char)b.buf[0] : tmpl_utf8_get(b.buf, b.len, &sz);
        sbuf_done(&b);
        *ret = json_new_int((int64_t)r);
        return 0;
}

/* Go's number constants: integers in any base (with '_' separators) become
 * ints, anything with a fraction or exponent a float64. */
int tmpl_parse_number(const char *tok, size_t len, struct json **ret, const char **ret_why)
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
