/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI image layouts (image-spec image-layout.md): oci: is the directory,
 * oci-archive: a tar of it. An image is named inside the layout by the
 * org.opencontainers.image.ref.name annotation of its index.json entry;
 * writing an image under a name replaces the entry of that name and adds
 * to the rest, as containers/image does, so berth and skopeo can share a
 * layout. Blobs are written under their digest only once verified.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "image-internal.h"

#define OCI_LAYOUT_FILE "oci-layout"
#define OCI_INDEX_FILE "index.json"
/* Byte for byte what containers/image writes. */
#define OCI_LAYOUT_CONTENT "{\"imageLayoutVersion\": \"1.0.0\"}"
#define OCI_LAYOUT_MAX 4096

struct oci_source {
        struct image_source base;
        struct layout_files *files;
        struct image_descriptor top; /* the chosen entry of index.json */
};

static char *blob_path(const char *hex)
{
        return xasprintf("blobs/sha256/%s", hex);
}

static int check_layout_file(struct layout_files *f, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        if (!layout_files_exists(f, OCI_LAYOUT_FILE))
                return err_set(e, ENOENT, "%s: not an OCI layout: no '%s' file", f->what,
                               OCI_LAYOUT_FILE);
        int r = layout_files_read(f, OCI_LAYOUT_FILE, OCI_LAYOUT_MAX, &buf, &len, e);
        if (r < 0)
                return r;
        _cleanup_json_ struct json *j = NULL;
        if (json_parse(buf, len, &j, e) < 0)
                return err_wrap(e, "%s: '%s'", f->what, OCI_LAYOUT_FILE);
        const char *v = json_object_get_string(j, "imageLayoutVersion");
        if (!v || !STREQ(v, "1.0.0")) {
                _cleanup_free_ char *q = image_quote(v);
                return err_set(e, ENOTSUP, "%s: unsupported OCI layout version '%s'", f->what, q);
        }
        return 0;
}

static int read_index(struct layout_files *f, struct image_index **ret, struct err *e)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = layout_files_read(f, OCI_INDEX_FILE, IMAGE_MANIFEST_MAX_SIZE, &buf, &len, e);
        if (r < 0)
                return r;
        if ((r = image_index_parse(buf, len, NULL, ret, e)) < 0)
                return err_wrap(e, "%s: '%s'", f->what, OCI_INDEX_FILE);
        if ((*ret)->format != IMAGE_FORMAT_OCI) {
                image_index_free(*ret);
                return err_set(e, EINVAL, "%s: '%s' is not an OCI index", f->what, OCI_INDEX_FILE);
        }
        return 0;
}

/* The entry for ref (by its ref.name annotation), or the only one. */
static int choose_entry(const struct image_index *idx, const struct image_location *loc,
                        const char *what, size_t *ret_i, struct err *e)
{
        if (loc->oci_ref) {
                for (size_t i = 0; i < idx->n_manifests; i++) {
                        const char *name = image_descriptor_annotation(&idx->manifests[i],
                                                                       IMAGE_ANNOTATION_REF_NAME);
                        if (name && STREQ(name, loc->oci_ref)) {
                                *ret_i = i;
                                return 0;
                        }
                }
                return err_set(e, ENOENT, "%s: no image named '%s' in the layout", what,
                               loc->oci_ref);
        }
        if (idx->n_manifests == 0)
                return err_set(e, ENOENT, "%s: no image in the layout", what);
        if (idx->n_manifests > 1)
                return err_set(e, EINVAL,
                               "%s: the layout holds %zu images; choose one with %s:%s:NAME", what,
                               idx->n_manifests, image_transport_to_string(loc->transport),
                               loc->path);
        *ret_i = 0;
        return 0;
}

static int oci_source_manifest(struct image_source *s, const char *instance, char **ret_buf,
                               size_t *ret_len, char **ret_media_type, struct err *e)
{
        struct oci_source *o = (struct oci_source *)s;
        const char *digest = instance ? instance : o->top.digest;
        int64_t size = instance ? -1 : o->top.size;
        _cleanup_free_ char *hex = NULL;
        int r = image_digest_hex(digest, &hex, e);
        if (r < 0)
                return err_wrap(e, "%s: manifest", s->what);
        _cleanup_free_ char *path = blob_path(hex);
        _cleanup_free_ char *name = xasprintf("manifest %s", digest);
        _cleanup_(image_blob_freep) struct image_blob *b = NULL;
        if ((r = layout_files_blob(o->files, path, digest, size, name, &b, e)) < 0)
                return r;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        if ((r = image_blob_read_all(b, IMAGE_MANIFEST_MAX_SIZE, &buf, &len, e)) < 0)
                return err_wrap(e, "%s", s->what);
        const char *mt = instance ? image_manifest_guess_type(buf, len) : o->top.media_type;
        if (!mt)
                return err_set(e, EINVAL, "%s: manifest %s: unknown format", s->what, digest);
        *ret_media_type = xstrdup(mt);
        *ret_len = len;
        *ret_buf = steal_pointer(&buf);
        return 0;
}

static int oci_source_blob(struct image_source *s, const struct image_descriptor *d,
                           struct image_blob **ret, struct err *e)
{
        struct oci_source *o = (struct oci_source *)s;
        _cleanup_free_ char *hex = NULL;
        int r = image_digest_hex(d->digest, &hex, e);
        if (r < 0)
                return err_wrap(e, "%s", s->what);
        _cleanup_free_ char *path = blob_path(hex);
        _cleanup_free_ char *name = xasprintf("blob %s", d->digest);
        return layout_files_blob(o->files, path, d->digest, d->size, name, ret, e);
}

static void oci_source_free(struct image_source *s)
{
        struct oci_source *o = (struct oci_source *)s;
        layout_files_free(o->files);
        image_descriptor_done(&o->top);
        free(o);
}

static const struct image_source_ops oci_source_ops = {
        .manifest = oci_source_manifest,
        .blob = oci_source_blob,
        .free = oci_source_free,
};

int oci_source_open(const struct image_location *loc, struct image_source **ret, struct err *e)
{
        _cleanup_free_ char *what = image_location_to_string(loc);
        _cleanup_(layout_files_freep) struct layout_files *files = NULL;
        int r = loc->transport == IMAGE_TRANSPORT_OCI_ARCHIVE
                        ? layout_files_open_archive(loc->path, what, &files, e)
                        : layout_files_open_dir(loc->path, what, &files, e);
        if (r < 0)
                return r;
        if ((r = check_layout_file(files, e)) < 0)
                return r;
        _cleanup_(image_index_freep) struct image_index *idx = NULL;
        if ((r = read_index(files, &idx, e)) < 0)
                return r;
        size_t i = 0;
        if ((r = choose_entry(idx, loc, what, &i, e)) < 0)
                return r;
        const struct image_descriptor *d = &idx->manifests[i];
        if (!image_media_type_is_manifest(d->media_type) &&
            !image_media_type_is_index(d->media_type)) {
                _cleanup_free_ char *q = image_quote(d->media_type);
                return err_set(e, ENOTSUP, "%s: unsupported manifest media type '%s'", what, q);
        }
        struct oci_source *o = xcalloc(1, sizeof(*o));
        image_source_init(&o->base, &oci_source_ops, loc);
        o->files = steal_pointer(&files);
        image_descriptor_copy(&o->top, d);
        const char *name = image_descriptor_annotation(d, IMAGE_ANNOTATION_REF_NAME);
        if (name)
                strv_add(&o->base.names, name);
        *ret = &o->base;
        return 0;
}

/* ------------------------------------------------------------ destination */

struct oci_dest {
        struct image_dest base;
        bool archive;
        int dirfd;               /* oci: the layout directory */
        struct archive_out file; /* oci-archive: the archive being written */
        struct layout_out *out;
        struct image_index *index;
        char *ref_name;
};

static bool oci_dest_has_blob(struct image_dest *d, const char *digest)
{
        struct oci_dest *o = (struct oci_dest *)d;
        _cleanup_free_ char *hex = NULL;
        if (image_digest_hex(digest, &hex, NULL) < 0)
                return false;
        _cleanup_free_ char *path = blob_path(hex);
        return layout_out_has(o->out, path);
}

static int oci_dest_put_blob(struct image_dest *d, struct image_blob *b, bool is_config,
                             char **ret_digest, int64_t *ret_size, struct err *e)
{
        struct oci_dest *o = (struct oci_dest *)d;
        return layout_out_blob(o->out, b, "blobs/sha256/", "", ret_digest, ret_size, e);
}

/* Add desc to the index; an entry with the same ref name is replaced. */
static void index_put(struct image_index *idx, const struct image_descriptor *desc)
{
        const char *name = image_descriptor_annotation(desc, IMAGE_ANNOTATION_REF_NAME);
        for (size_t i = 0; name && i < idx->n_manifests; i++) {
                const char *other =
                        image_descriptor_annotation(&idx->manifests[i], IMAGE_ANNOTATION_REF_NAME);
                if (other && STREQ(other, name)) {
                        image_descriptor_done(&idx->manifests[i]);
                        image_descriptor_copy(&idx->manifests[i], desc);
                        return;
                }
        }
        image_index_add(idx, desc);
}

static int oci_dest_put_manifest(struct image_dest *d, const void *buf, size_t len,
                                 const char *media_type, char *const *names, struct err *e)
{
        struct oci_dest *o = (struct oci_dest *)d;
        const char *mt = media_type ? media_type : image_manifest_guess_type(buf, len);
        if (!mt || (!STREQ(mt, IMAGE_MT_OCI_MANIFEST) && !STREQ(mt, IMAGE_MT_OCI_INDEX))) {
                _cleanup_free_ char *q = image_quote(mt);
                return err_set(e, ENOTSUP,
                               "OCI layouts hold OCI manifests only, not '%s' (convert it first)",
                               q);
        }
        _cleanup_free_ char *digest = NULL;
        int r = layout_out_blob_buffer(o->out, buf, len, "blobs/sha256/", "", &digest, e);
        if (r < 0)
                return r;
        struct image_descriptor desc = {
                .media_type = (char *)mt,
                .digest = digest,
                .size = (int64_t)len,
        };
        const char *name = o->ref_name ? o->ref_name : names && names[0] ? names[0] : NULL;
        _cleanup_json_ struct json *ann = NULL;
        if (name) {
                ann = json_new_object();
                json_object_set_string(ann, IMAGE_ANNOTATION_REF_NAME, name);
                desc.annotations = ann;
        }
        index_put(o->index, &desc);
        return 0;
}

static int oci_dest_commit(struct image_dest *d, struct err *e)
{
        struct oci_dest *o = (struct oci_dest *)d;
        size_t len = 0;
        _cleanup_free_ char *index = image_index_generate(o->index, &len);
        int r;
        if (!o->archive) {
                /* index.json last: it is what makes the new image visible. */
                if (!layout_out_has(o->out, OCI_LAYOUT_FILE) &&
                    (r = layout_out_file(o->out, OCI_LAYOUT_FILE, OCI_LAYOUT_CONTENT,
                                         strlen(OCI_LAYOUT_CONTENT), e)) < 0)
                        return r;
                return layout_out_file(o->out, OCI_INDEX_FILE, index, len, e);
        }
        if ((r = layout_out_file(o->out, OCI_INDEX_FILE, index, len, e)) < 0 ||
            (r = layout_out_file(o->out, OCI_LAYOUT_FILE, OCI_LAYOUT_CONTENT,
                                 strlen(OCI_LAYOUT_CONTENT), e)) < 0 ||
            (r = layout_out_finish(o->out, e)) < 0)
                return r;
        return archive_out_commit(&o->file, e);
}

static void oci_dest_free(struct image_dest *d)
{
        struct oci_dest *o = (struct oci_dest *)d;
        layout_out_free(o->out);
        if (o->archive)
                archive_out_done(&o->file);
        if (o->dirfd >= 0)
                close(o->dirfd);
        image_index_free(o->index);
        free(o->ref_name);
        free(o);
}

static const struct image_dest_ops oci_dest_ops = {
        .has_blob = oci_dest_has_blob,
        .put_blob = oci_dest_put_blob,
        .put_manifest = oci_dest_put_manifest,
        .commit = oci_dest_commit,
        .free = oci_dest_free,
};

static int open_layout_dir(struct oci_dest *o, const char *path, struct err *e)
{
        int r = fs_mkdir_p(path, 0755, e);
        if (r < 0)
                return r;
        o->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (o->dirfd < 0)
                return err_errno(e, "open '%s'", path);
        if ((mkdirat(o->dirfd, "blobs", 0755) < 0 && errno != EEXIST) ||
            (mkdirat(o->dirfd, "blobs/sha256", 0755) < 0 && errno != EEXIST))
                return err_errno(e, "mkdir '%s/blobs/sha256'", path);
        o->out = layout_out_dir(o->dirfd, o->base.what);
        /* An existing layout keeps its images: read what it holds. */
        if (faccessat(o->dirfd, OCI_INDEX_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                _cleanup_(layout_files_freep) struct layout_files *f = NULL;
                if ((r = layout_files_open_dir(path, o->base.what, &f, e)) < 0 ||
                    (r = check_layout_file(f, e)) < 0 || (r = read_index(f, &o->index, e)) < 0)
                        return r;
        }
        return 0;
}

int oci_dest_open(const struct image_location *loc, struct image_dest **ret, struct err *e)
{
        struct oci_dest *o = xcalloc(1, sizeof(*o));
        image_dest_init(&o->base, &oci_dest_ops, loc);
        o->base.oci_only = true;
        o->base.compression = IMAGE_COMPRESSION_GZIP;
        o->dirfd = -1;
        o->file.fd = -1;
        o->archive = loc->transport == IMAGE_TRANSPORT_OCI_ARCHIVE;
        o->ref_name = loc->oci_ref ? xstrdup(loc->oci_ref) : NULL;
        int r;
        if (o->archive) {
                r = archive_out_open(loc->path, &o->file, e);
                if (r >= 0) {
                        o->out = layout_out_tar(o->file.fd, o->base.what, 0644);
                        if ((r = layout_out_mkdir(o->out, "blobs/", e)) >= 0)
                                r = layout_out_mkdir(o->out, "blobs/sha256/", e);
                }
        } else {
                r = open_layout_dir(o, loc->path, e);
        }
        if (r < 0) {
                image_dest_free(&o->base);
                return r;
        }
        if (!o->index)
                o->index = image_index_new(IMAGE_FORMAT_OCI);
        *ret = &o->base;
        return 0;
}
