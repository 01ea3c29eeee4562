/* SPDX-License-Identifier: Apache-2.0 */
/* Parse arbitrary bytes as an image manifest, index and config. Errors are
 * fine; crashes and leaks are not, and whatever parses must generate JSON
 * that parses back and generates the same bytes again (the digest of a
 * manifest berth writes must be stable). */
#include <errno.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(struct err *e)
{
        if (e->code <= 0 || !e->msg)
                abort();
        err_done(e);
}

static void fuzz_manifest(const uint8_t *data, size_t size)
{
        struct image_manifest *m = NULL;
        struct err e = {0};
        if (image_manifest_parse(data, size, NULL, &m, &e) < 0) {
                check_error(&e);
                return;
        }
        size_t len = 0;
        char *out = image_manifest_generate(m, &len);
        struct image_manifest *again = NULL;
        if (image_manifest_parse(out, len, NULL, &again, &e) < 0) {
                fprintf(stderr, "generated manifest does not parse: %s\n%s\n", e.msg, out);
                abort();
        }
        char *out2 = image_manifest_generate(again, NULL);
        if (!STREQ(out, out2))
                abort();
        for (int f = IMAGE_FORMAT_OCI; f <= IMAGE_FORMAT_DOCKER; f++) {
                struct image_manifest *c = NULL;
                if (image_manifest_convert(m, f, &c, &e) < 0) {
                        check_error(&e);
                        continue;
                }
                char *cs = image_manifest_generate(c, &len);
                struct image_manifest *cp = NULL;
                if (image_manifest_parse(cs, len, NULL, &cp, &e) < 0) {
                        fprintf(stderr, "converted manifest does not parse: %s\n%s\n", e.msg, cs);
                        abort();
                }
                image_manifest_free(cp);
                free(cs);
                image_manifest_free(c);
        }
        free(out);
        free(out2);
        image_manifest_free(again);
        image_manifest_free(m);
}

static void fuzz_index(const uint8_t *data, size_t size)
{
        struct image_index *idx = NULL;
        struct err e = {0};
        if (image_index_parse(data, size, NULL, &idx, &e) < 0) {
                check_error(&e);
                return;
        }
        size_t len = 0, i = 0;
        char *out = image_index_generate(idx, &len);
        struct image_index *again = NULL;
        if (image_index_parse(out, len, NULL, &again, &e) < 0) {
                fprintf(stderr, "generated index does not parse: %s\n%s\n", e.msg, out);
                abort();
        }
        char *out2 = image_index_generate(again, NULL);
        if (!STREQ(out, out2))
                abort();
        if (image_index_select(idx, "linux", "amd64", NULL, &i, &e) == 0) {
                if (i >= idx->n_manifests)
                        abort();
        } else {
                check_error(&e);
        }
        free(out);
        free(out2);
        image_index_free(again);
        image_index_free(idx);
}

static void fuzz_config(const uint8_t *data, size_t size)
{
        struct image_config *c = NULL;
        struct err e = {0};
        if (image_config_parse(data, size, &c, &e) < 0) {
                check_error(&e);
                return;
        }
        size_t len = 0;
        char *out = image_config_generate(c, &len);
        struct image_config *again = NULL;
        if (image_config_parse(out, len, &again, &e) < 0) {
                fprintf(stderr, "generated config does not parse: %s\n%s\n", e.msg, out);
                abort();
        }
        if (again->n_diff_ids != c->n_diff_ids || again->n_history != c->n_history)
                abort();
        char *out2 = image_config_generate(again, NULL);
        if (!STREQ(out, out2))
                abort();
        free(out);
        free(out2);
        image_config_free(again);
        image_config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        (void)image_manifest_guess_type(data, size);
        fuzz_manifest(data, size);
        fuzz_index(data, size);
        fuzz_config(data, size);
        return 0;
}
