/* SPDX-License-Identifier: Apache-2.0 */
/* Parse, regenerate (compact and pretty), reparse: the values must agree. */
#include <string.h>

#include "base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct json *j, unsigned flags)
{
        _cleanup_free_ char *out = json_generate(j, flags);
        struct json *again = NULL;
        struct err e = {0};
        if (json_parse(out, strlen(out), &again, &e) < 0) {
                fprintf(stderr, "regenerated JSON does not parse: %s\n%s\n", e.msg, out);
                abort();
        }
        if (!json_equal(j, again)) {
                fprintf(stderr, "round trip changed the value:\n%s\n", out);
                abort();
        }
        /* A second generation from the reparsed tree is byte-identical. */
        _cleanup_free_ char *out2 = json_generate(again, flags);
        if (strcmp(out, out2) != 0) {
                fprintf(stderr, "unstable output:\n%s\n%s\n", out, out2);
                abort();
        }
        json_free(again);
        err_done(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct json *j = NULL;
        struct err e = {0};
        if (json_parse((const char *)data, size, &j, &e) < 0) {
                if (!e.msg || !str_has_prefix(e.msg, "invalid JSON at line "))
                        abort();
                err_done(&e);
                return 0;
        }
        check_round_trip(j, 0);
        check_round_trip(j, JSON_GEN_PRETTY | JSON_GEN_NEWLINE);
        check_round_trip(j, JSON_GEN_PRETTY | JSON_GEN_INDENT4 | JSON_GEN_ESCAPE_HTML);

        struct json *c = json_copy(j);
        if (!json_equal(j, c))
                abort();
        json_free(c);
        json_free(j);
        return 0;
}
