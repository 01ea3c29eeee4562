/* SPDX-License-Identifier: Apache-2.0 */
/* Quoting untrusted text (references, paths from archives, JSON strings)
 * for error messages, so that a hostile name cannot forge terminal output. */
#include <string.h>

#include "image-internal.h"

char *image_quote_len(const char *s, size_t len)
{
        struct sbuf b = {0};
        size_t n = len > IMAGE_QUOTE_MAX ? IMAGE_QUOTE_MAX : len;
        sbuf_append(&b, "");
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
                        sbuf_putc(&b, (char)c);
                else
                        sbuf_printf(&b, "\\x%02x", c);
        }
        if (n < len)
                sbuf_append(&b, "...");
        return sbuf_steal(&b);
}

char *image_quote(const char *s)
{
        return image_quote_len(s ? s : "", s ? strlen(s) : 0);
}
