/* SPDX-License-Identifier: Apache-2.0 */
/* Parse arbitrary bytes as TOML: errors are fine, crashes and leaks are not. */
#include <errno.h>
#include <string.h>

#include "base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct json *j = NULL;
        struct err e = {0};
        if (toml_parse((const char *)data, size, "fuzz", &j, &e) < 0) {
                if (e.code != EINVAL || !e.msg || !str_has_prefix(e.msg, "fuzz:"))
                        abort();
                err_done(&e);
                return 0;
        }
        if (!j || j->type != JSON_OBJECT)
                abort();
        /* Whatever the reader accepts must come out as JSON that berth can
         * read back (valid UTF-8, within JSON_MAX_DEPTH). */
        char *out = json_generate(j, 0);
        struct json *back = NULL;
        if (json_parse(out, strlen(out), &back, &e) < 0) {
                fprintf(stderr, "TOML result is not readable JSON: %s\n", e.msg);
                abort();
        }
        json_free(back);
        free(out);
        json_free(j);
        return 0;
}
