/* SPDX-License-Identifier: Apache-2.0 */
/* Parse arbitrary bytes as an image reference and as a short name. Errors
 * are fine; crashes, leaks and unstable normalisation are not: whatever
 * parses must print as a reference that parses back to the same string,
 * and so must its familiar form. */
#include <errno.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const char *s)
{
        struct image_ref *again = NULL;
        struct err e = {0};
        if (image_ref_parse(s, 0, &again, &e) < 0) {
                fprintf(stderr, "'%s' does not parse back: %s\n", s, e.msg);
                abort();
        }
        char *out = image_ref_string(again);
        char *in_norm = NULL;
        struct image_ref *first = NULL;
        if (image_ref_parse(s, 0, &first, NULL) == 0)
                in_norm = image_ref_string(first);
        if (!in_norm || !STREQ(out, in_norm))
                abort();
        free(in_norm);
        free(out);
        image_ref_free(first);
        image_ref_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        char *s = xstrndup((const char *)data, size);
        struct image_ref *r = NULL;
        struct err e = {0};
        if (image_ref_parse(s, IMAGE_REF_DEFAULT_LATEST, &r, &e) < 0) {
                if (e.code != EINVAL || !e.msg || !str_has_prefix(e.msg, "invalid "))
                        abort();
                err_done(&e);
        } else {
                if (!r->tag && !r->digest)
                        abort();
                if (strlen(r->domain) + 1 + strlen(r->path) > IMAGE_REF_NAME_MAX)
                        abort();
                char *full = image_ref_string(r);
                char *fam = image_ref_familiar(r);
                check_roundtrip(full);
                /* The familiar form must normalise back to the full one. */
                struct image_ref *f = NULL;
                if (image_ref_parse(fam, 0, &f, NULL) < 0)
                        abort();
                char *ffull = image_ref_string(f);
                if (!STREQ(ffull, full))
                        abort();
                free(ffull);
                image_ref_free(f);
                free(full);
                free(fam);
                image_ref_free(r);
        }

        (void)image_name_is_qualified(s);
        struct registries_conf rc = {0};
        struct image_candidates c = {0};
        if (image_short_name_candidates(s, &rc, &c, &e) == 0) {
                if (!c.names || !c.names[0])
                        abort();
                image_candidates_done(&c);
        } else {
                err_done(&e);
        }
        free(s);
        return 0;
}
