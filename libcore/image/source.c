/* SPDX-License-Identifier: Apache-2.0 */
/* Image sources: opening one for a location, and the calls every transport
 * shares; the transports themselves live in layout-*.c. */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

void image_source_init(struct image_source *s, const struct image_source_ops *ops,
                       const struct image_location *loc)
{
        s->ops = ops;
        s->what = image_location_to_string(loc);
        s->names = xcalloc(1, sizeof(char *));
        s->n_images = 1;
}

int image_source_open(const struct image_location *loc, struct image_source **ret, struct err *e)
{
        switch (loc->transport) {
        case IMAGE_TRANSPORT_OCI:
        case IMAGE_TRANSPORT_OCI_ARCHIVE:
                return oci_source_open(loc, ret, e);
        case IMAGE_TRANSPORT_DOCKER_ARCHIVE:
                return docker_archive_source_open(loc, ret, e);
        case IMAGE_TRANSPORT_DIR:
                return dir_source_open(loc, ret, e);
        default:
                return err_set(e, ENOTSUP,
                               "reading images from the %s transport is not "
                               "implemented here",
                               image_transport_to_string(loc->transport));
        }
}

void image_source_free(struct image_source *s)
{
        if (!s)
                return;
        free(s->what);
        strv_free(s->names);
        s->ops->free(s);
}

int image_source_manifest(struct image_source *s, const char *instance, char **ret_buf,
                          size_t *ret_len, char **ret_media_type, struct err *e)
{
        if (instance) {
                _cleanup_err_ struct err de = {0};
                if (digest_validate(instance, NULL, &de) < 0)
                        return err_set(e, EINVAL, "%s: instance: %s", s->what, de.msg);
        }
        return s->ops->manifest(s, instance, ret_buf, ret_len, ret_media_type, e);
}

int image_source_blob(struct image_source *s, const struct image_descriptor *d,
                      struct image_blob **ret, struct err *e)
{
        _cleanup_err_ struct err de = {0};
        if (!d->digest || digest_validate(d->digest, NULL, &de) < 0)
                return err_set(e, EINVAL, "%s: blob: %s", s->what, de.msg ? de.msg : "no digest");
        return s->ops->blob(s, d, ret, e);
}

char *const *image_source_names(const struct image_source *s)
{
        return s->names;
}

size_t image_source_image_count(const struct image_source *s)
{
        return s->n_images;
}

int image_digest_hex(const char *digest, char **ret, struct err *e)
{
        const char *hex = NULL;
        _cleanup_err_ struct err de = {0};
        if (digest_validate(digest, &hex, &de) < 0)
                return err_set(e, EINVAL, "%s", de.msg);
        if (!str_has_prefix(digest, "sha256:"))
                return err_set(e, ENOTSUP, "digest '%s': only sha256 is supported here", digest);
        *ret = xstrdup(hex);
        return 0;
}

int image_verify_bytes(const void *buf, size_t len, const char *digest, const char *what,
                       struct err *e)
{
        _cleanup_free_ char *got = digest_buffer(buf, len);
        if (!STREQ(got, digest))
                return err_set(e, EBADMSG, "%s: digest mismatch: expected %s, got %s", what, digest,
                               got);
        return 0;
}
