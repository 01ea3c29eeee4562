/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --format templates: the input is a template, a NUL byte and JSON data
 * (no NUL: the template alone, over null). Compile, run over the data, run
 * the header variant with the data as column names, and align the result
 * with the tab writer. Nothing may crash, leak or hang; errors must be
 * proper errors.
 */
#include <errno.h>
#include <string.h>

#include "base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(int r, const struct err *e)
{
        if (r >= 0)
                return;
        /* Every failure is described, as "template: ..." */
        if (!e->msg || !str_has_prefix(e->msg, "template: ") || e->code <= 0 || r != -e->code)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* Larger inputs only make the fuzzer slower, not smarter. */
        if (size > 16384)
                return 0;
        const uint8_t *nul = memchr(data, '\0', size);
        size_t tlen = nul ? (size_t)(nul - data) : size;
        _cleanup_free_ char *src = xstrndup((const char *)data, tlen);

        struct json *j = NULL;
        if (nul && json_parse((const char *)nul + 1, size - tlen - 1, &j, NULL) < 0)
                j = NULL;

        struct tmpl *t = NULL;
        struct err e = {0};
        int r = tmpl_compile(src, &t, &e);
        check_error(r, &e);
        err_done(&e);
        if (r < 0) {
                if (t)
                        abort();
                json_free(j);
                return 0;
        }

        struct sbuf out = {0};
        sbuf_append(&out, "");
        r = tmpl_exec_header(t, j, &out, &e);
        check_error(r, &e);
        err_done(&e);
        sbuf_putc(&out, '\n');
        size_t before = out.len;
        r = tmpl_exec(t, j, &out, &e);
        check_error(r, &e);
        err_done(&e);
        /* A failed run leaves the output as it was. */
        if (r < 0 && out.len != before)
                abort();
        if (r == 0)
                (void)tmpl_is_table(t);

        struct tabw *w = tabw_new();
        tabw_write(w, out.buf);
        char *aligned = tabw_flush(w);
        tabw_write(w, "a\tb\n");
        char *again = tabw_flush(w);
        if (strcmp(again, "a           b\n") != 0)
                abort();
        free(again);
        free(aligned);
        tabw_free(w);

        sbuf_done(&out);
        tmpl_free(t);
        json_free(j);
        return 0;
}
