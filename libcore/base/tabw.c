/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Column alignment for table output: Go's text/tabwriter as podman
 * configures it (tabwriter.NewWriter(out, 12, 2, 2, ' ', 0)), byte for byte.
 *
 * Text is split into cells at '\t' (and '\v'); a cell that ends a line is
 * not part of any column and is never padded. A column block is a run of
 * consecutive lines that have a tab-terminated cell in that column; every
 * cell of a block is padded to the block's width, which is the widest cell
 * plus the padding, but at least the minimum width. Widths count UTF-8
 * code points (an invalid byte counts as one). Text between two 0xff bytes
 * is kept as is, tabs and newlines included, and the 0xff bytes are written
 * but not counted, as with tabwriter.Escape.
 */
#include <string.h>

#include "base.h"

#define TABW_MINWIDTH 12
#define TABW_PADDING 2
#define TABW_ESCAPE '\xff'

struct tabw_cell {
        size_t start, size; /* bytes of the text buffer */
        size_t width;       /* code points, escapes excluded */
        size_t run;         /* the column block this cell belongs to */
};

struct tabw_line {
        struct tabw_cell *cells;
        size_t n, cap;
};

struct tabw {
        struct sbuf text;        /* cell text since the last flush */
        size_t counted;          /* text bytes whose width the current cell has counted */
        struct tabw_cell cell;   /* the cell being filled */
        struct tabw_line *lines; /* the last one is being filled */
        size_t n_lines, cap_lines;
        bool in_escape;
        struct sbuf out; /* aligned output of the lines flushed so far */
};

static size_t count_code_points(const char *s, size_t n)
{
        /* Continuation bytes after a valid lead byte do not start a new code
         * point; anything else (ASCII, a lead byte, a stray byte) does. */
        size_t count = 0;
        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                size_t len = c < 0x80             ? 1
                             : (c & 0xe0) == 0xc0 ? 2
                             : (c & 0xf0) == 0xe0 ? 3
                             : (c & 0xf8) == 0xf0 ? 4
                                                  : 1;
                size_t k = 1;
                while (k < len && i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
                        k++;
                i += k == len ? len : 1;
                count++;
        }
        return count;
}

static void tabw_reset(struct tabw *w)
{
        for (size_t i = 0; i < w->n_lines; i++)
                free(w->lines[i].cells);
        w->n_lines = 0;
        w->text.len = 0;
        if (w->text.buf)
                w->text.buf[0] = '\0';
        w->counted = 0;
        w->cell = (struct tabw_cell){0};
        w->in_escape = false;
        xgrow((void **)&w->lines, &w->cap_lines, 1, sizeof(*w->lines));
        w->lines[w->n_lines++] = (struct tabw_line){0};
}

struct tabw *tabw_new(void)
{
        struct tabw *w = xcalloc(1, sizeof(*w));
        tabw_reset(w);
        return w;
}

void tabw_free(struct tabw *w)
{
        if (!w)
                return;
        for (size_t i = 0; i < w->n_lines; i++)
                free(w->lines[i].cells);
        free(w->lines);
        sbuf_done(&w->text);
        sbuf_done(&w->out);
        free(w);
}

static void append_text(struct tabw *w, const char *s, size_t n)
{
        sbuf_append_len(&w->text, s, n);
        w->cell.size += n;
}

/* Count the width of the text added to the current cell since last time. */
static void update_width(struct tabw *w)
{
        w->cell.width += count_code_points(w->text.buf + w->counted, w->text.len - w->counted);
        w->counted = w->text.len;
}

/* End the current cell; returns the number of cells in the line now. */
static size_t terminate_cell(struct tabw *w)
{
        struct tabw_line *l = &w->lines[w->n_lines - 1];
        xgrow((void **)&l->cells, &l->cap, l->n + 1, sizeof(*l->cells));
        l->cells[l->n++] = w->cell;
        w->cell = (struct tabw_cell){.start = w->text.len};
        return l->n;
}

static void add_line(struct tabw *w)
{
        xgrow((void **)&w->lines, &w->cap_lines, w->n_lines + 1, sizeof(*w->lines));
        w->lines[w->n_lines++] = (struct tabw_line){0};
}

static void end_escape(struct tabw *w)
{
        update_width(w);
        /* The two escape bytes take no room (an unclosed escape has one). */
        w->cell.width = w->cell.width >= 2 ? w->cell.width - 2 : 0;
        w->in_escape = false;
}

/* Column widths without recursion (Go's format() recurses once per
 * column, which hostile input could make arbitrarily deep): a line with k
 * tab-terminated cells continues the open blocks of columns < k and closes
 * the others. */
static void format_lines(struct tabw *w)
{
        size_t *open = NULL, n_open = 0, cap_open = 0;
        size_t *widths = NULL, n_runs = 0, cap_runs = 0;
        for (size_t i = 0; i < w->n_lines; i++) {
                struct tabw_line *l = &w->lines[i];
                size_t k = l->n > 0 ? l->n - 1 : 0;
                for (size_t j = 0; j < k; j++) {
                        if (j >= n_open) {
                                xgrow((void **)&widths, &cap_runs, n_runs + 1, sizeof(*widths));
                                widths[n_runs] = TABW_MINWIDTH;
                                xgrow((void **)&open, &cap_open, j + 1, sizeof(*open));
                                open[j] = n_runs++;
                        }
                        struct tabw_cell *c = &l->cells[j];
                        c->run = open[j];
                        if (c->width + TABW_PADDING > widths[c->run])
                                widths[c->run] = c->width + TABW_PADDING;
                }
                n_open = k;
        }
        for (size_t i = 0; i < w->n_lines; i++) {
                struct tabw_line *l = &w->lines[i];
                size_t k = l->n > 0 ? l->n - 1 : 0;
                for (size_t j = 0; j < l->n; j++) {
                        struct tabw_cell *c = &l->cells[j];
                        sbuf_append_len(&w->out, w->text.buf + c->start, c->size);
                        if (j < k)
                                for (size_t p = c->width; p < widths[c->run]; p++)
                                        sbuf_putc(&w->out, ' ');
                }
                if (i + 1 < w->n_lines)
                        sbuf_putc(&w->out, '\n');
        }
        free(open);
        free(widths);
}

/* Go's Flush: end a pending cell, align everything buffered, start over. */
static void flush_lines(struct tabw *w)
{
        if (w->cell.size > 0) {
                if (w->in_escape)
                        end_escape(w);
                else
                        update_width(w);
                terminate_cell(w);
        }
        format_lines(w);
        tabw_reset(w);
}

void tabw_write(struct tabw *w, const char *s)
{
        size_t n = 0, i;
        for (i = 0; s[i]; i++) {
                char ch = s[i];
                if (w->in_escape) {
                        if (ch == TABW_ESCAPE) {
                                append_text(w, s + n, i + 1 - n);
                                n = i + 1;
                                end_escape(w);
                        }
                        continue;
                }
                if (ch == '\t' || ch == '\v' || ch == '\n' || ch == '\f') {
                        append_text(w, s + n, i - n);
                        update_width(w);
                        n = i + 1;
                        size_t ncells = terminate_cell(w);
                        if (ch == '\n' || ch == '\f') {
                                add_line(w);
                                /* A line of one cell ends every column block, so
                                 * everything so far can be aligned now. */
                                if (ch == '\f' || ncells == 1)
                                        flush_lines(w);
                        }
                } else if (ch == TABW_ESCAPE) {
                        append_text(w, s + n, i - n);
                        update_width(w);
                        n = i;
                        w->in_escape = true;
                }
        }
        append_text(w, s + n, i - n);
}

char *tabw_flush(struct tabw *w)
{
        flush_lines(w);
        return sbuf_steal(&w->out);
}
