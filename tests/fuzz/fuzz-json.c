/* SPDX-License-Identifier: Apache-2.0 */
/* Parse, regenerate (compact and pretty), reparse: the values must agree.
 * json_parse_only of a few keys gives, for any document json_parse takes,
 * exactly those members of the whole tree. */
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

/* The subset parse of a document j came from. */
static void check_only(const uint8_t *data, size_t size, const struct json *j)
{
        static const char *const keys[] = {"a", "id", "", NULL};
        struct json *sub = NULL;
        struct err e = {0};
        if (json_parse_only((const char *)data, size, keys, &sub, &e) < 0) {
                fprintf(stderr, "json_parse_only refused what json_parse took: %s\n", e.msg);
                abort();
        }
        if (j->type != JSON_OBJECT) {
                if (!json_equal(j, sub))
                        abort();
                json_free(sub);
                return;
        }
        size_t want = 0;
        for (const char *const *k = keys; *k; k++) {
                const struct json *a = json_object_get(j, *k), *b = json_object_get(sub, *k);
                if ((a == NULL) != (b == NULL) || (a && !json_equal(a, b)))
                        abort();
                want += a != NULL;
        }
        if (sub->obj.len != want)
                abort();
        json_free(sub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct json *j = NULL;
        struct err e = {0};
        if (json_parse((const char *)data, size, &j, &e) < 0) {
                if (!e.msg || !str_has_prefix(e.msg, "invalid JSON at line "))
                        abort();
                err_done(&e);
                /* A subset parse fails the same way, or takes it (a number
                 * out of range in a member it does not keep). */
                struct json *sub = NULL;
                if (json_parse_only((const char *)data, size, (const char *const[]){"a", NULL},
                                    &sub, &e) < 0) {
                        if (!e.msg || !str_has_prefix(e.msg, "invalid JSON at line "))
                                abort();
                        err_done(&e);
                }
                json_free(sub);
                return 0;
        }
        check_only(data, size, j);
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
