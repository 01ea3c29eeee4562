/* SPDX-License-Identifier: Apache-2.0 */
/* Image destinations: opening one for a location, and the calls every
 * transport shares; the transports themselves live in layout-*.c. */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

void image_dest_init(struct image_dest *d, const struct image_dest_ops *ops,
                     const struct image_location *loc)
{
        d->ops = ops;
        d->what = image_location_to_string(loc);
        d->compression = IMAGE_COMPRESSION_UNKNOWN;
}

int image_dest_open(const struct image_location *loc, struct image_dest **ret, struct err *e)
{
        switch (loc->transport) {
        case IMAGE_TRANSPORT_OCI:
        case IMAGE_TRANSPORT_OCI_ARCHIVE:
                return oci_dest_open(loc, ret, e);
        case IMAGE_TRANSPORT_DOCKER_ARCHIVE:
                return docker_archive_dest_open(loc, ret, e);
        case IMAGE_TRANSPORT_DIR:
                return dir_dest_open(loc, ret, e);
        default:
                return err_set(e, ENOTSUP,
                               "writing images to the %s transport is not "
                               "implemented here",
                               image_transport_to_string(loc->transport));
        }
}

void image_dest_free(struct image_dest *d)
{
        if (!d)
                return;
        free(d->what);
        d->ops->free(d);
}

bool image_dest_supports_format(const struct image_dest *d, enum image_format f)
{
        return f == IMAGE_FORMAT_OCI ? !d->docker_only : !d->oci_only;
}

enum image_compression image_dest_layer_compression(const struct image_dest *d)
{
        return d->compression;
}

bool image_dest_has_blob(struct image_dest *d, const char *digest)
{
        if (digest_validate(digest, NULL, NULL) < 0)
                return false;
        return d->ops->has_blob(d, digest);
}

int image_dest_put_blob(struct image_dest *d, struct image_blob *b, bool is_config,
                        char **ret_digest, int64_t *ret_size, struct err *e)
{
        if (d->committed)
                return err_set(e, EINVAL, "%s: already committed", d->what);
        int r = d->ops->put_blob(d, b, is_config, ret_digest, ret_size, e);
        return r < 0 ? err_wrap(e, "writing to %s", d->what) : r;
}

int image_dest_put_manifest(struct image_dest *d, const void *buf, size_t len,
                            const char *media_type, char *const *names, struct err *e)
{
        if (d->committed)
                return err_set(e, EINVAL, "%s: already committed", d->what);
        if (len > IMAGE_MANIFEST_MAX_SIZE)
                return err_set(e, EFBIG, "%s: manifest of %zu bytes is too large", d->what, len);
        int r = d->ops->put_manifest(d, buf, len, media_type, names, e);
        return r < 0 ? err_wrap(e, "writing to %s", d->what) : r;
}

int image_dest_commit(struct image_dest *d, struct err *e)
{
        if (d->committed)
                return 0;
        int r = d->ops->commit(d, e);
        if (r < 0)
                return err_wrap(e, "writing to %s", d->what);
        d->committed = true;
        return 0;
}
