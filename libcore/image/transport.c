/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transport strings (containers-transports(5)), split and validated as
 * containers/image's ParseReference of each transport does, so that a
 * string that works with skopeo or podman means the same with berth:
 *
 *   docker://REF                  registry; tag and digest not both
 *   oci:DIR[:REF]                 the first ':' ends DIR (on Linux a path
 *   oci-archive:FILE[:REF]        with ':' cannot be given)
 *   docker-archive:FILE[:REF]     REF without digest, or @N: the Nth image
 *   dir:DIR                       everything after "dir:" is the path
 *   containers-storage:[driver@root+runroot:opt,opt]REF|ID|REF@ID
 *
 * Nothing here touches the file system or a store: a truncated image ID
 * can only be told from a name by looking in the store, so both are kept.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "image-internal.h"

/* containers/image's minimumTruncatedIDLength. */
#define TRUNCATED_ID_MIN 3

static const char *const transport_names[_IMAGE_TRANSPORT_MAX] = {
        [IMAGE_TRANSPORT_DOCKER] = "docker",
        [IMAGE_TRANSPORT_OCI] = "oci",
        [IMAGE_TRANSPORT_OCI_ARCHIVE] = "oci-archive",
        [IMAGE_TRANSPORT_DOCKER_ARCHIVE] = "docker-archive",
        [IMAGE_TRANSPORT_DIR] = "dir",
        [IMAGE_TRANSPORT_STORAGE] = "containers-storage",
};

/* Transports of containers/image that berth knows by name but does not
 * implement: naming them gives a clear refusal instead of reading
 * "docker-daemon:x" as a registry host called docker-daemon. */
static const char *const unsupported_transports[] = {"docker-daemon", "ostree", "sif", "tarball"};

const char *image_transport_to_string(enum image_transport t)
{
        return t >= 0 && t < _IMAGE_TRANSPORT_MAX ? transport_names[t] : NULL;
}

int image_transport_from_string(const char *s)
{
        for (int t = 0; s && t < _IMAGE_TRANSPORT_MAX; t++)
                if (STREQ(s, transport_names[t]))
                        return t;
        return -EINVAL;
}

void image_location_free(struct image_location *l)
{
        if (!l)
                return;
        free(l->input);
        free(l->path);
        free(l->oci_ref);
        image_ref_free(l->ref);
        free(l->store_driver);
        free(l->store_root);
        free(l->store_runroot);
        strv_free(l->store_options);
        free(l->image_id);
        free(l->id_prefix);
        free(l);
}

static bool is_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The image names an OCI layout accepts (containers/image's refRegexp for
 * org.opencontainers.image.ref.name): components of letters and digits
 * joined by one of "-._:@+" or by "--", separated by '/'. */
static bool oci_ref_valid(const char *s)
{
        const char *p = s;
        for (;;) {
                if (!is_alnum(*p))
                        return false;
                while (*p && *p != '/') {
                        if (is_alnum(*p)) {
                                p++;
                                continue;
                        }
                        if (p[0] == '-' && p[1] == '-')
                                p += 2;
                        else if (strchr("-._:@+", *p))
                                p++;
                        else
                                return false;
                        if (!is_alnum(*p))
                                return false;
                }
                if (!*p)
                        return true;
                p++;
        }
}

static int parse_path_and_ref(struct image_location *l, const char *details, struct err *e)
{
        const char *name = image_transport_to_string(l->transport);
        const char *colon = strchr(details, ':');
        l->path = colon ? xstrndup(details, (size_t)(colon - details)) : xstrdup(details);
        if (!*l->path)
                return err_set(e, EINVAL, "invalid %s reference '%s:%s': empty path", name, name,
                               details);
        if (!colon || !colon[1])
                return 0;
        if (!oci_ref_valid(colon + 1)) {
                _cleanup_free_ char *q = image_quote(colon + 1);
                return err_set(e, EINVAL,
                               "invalid %s reference: invalid image name '%s' (letters and digits "
                               "joined by '-', '.', '_', ':', '@', '+' or '--', in '/'-separated "
                               "components)",
                               name, q);
        }
        l->oci_ref = xstrdup(colon + 1);
        return 0;
}

static int parse_docker(struct image_location *l, const char *details, struct err *e)
{
        if (!str_has_prefix(details, "//")) {
                _cleanup_free_ char *q = image_quote(details);
                return err_set(e, EINVAL, "docker: image reference '%s' does not start with //", q);
        }
        int r = image_ref_parse(details + 2, IMAGE_REF_DEFAULT_LATEST, &l->ref, e);
        if (r < 0)
                return r;
        if (l->ref->tag && l->ref->digest) {
                _cleanup_free_ char *s = image_ref_string(l->ref);
                return err_set(e, EINVAL,
                               "docker: references with both a tag and digest are not supported: "
                               "'%s'",
                               s);
        }
        return 0;
}

static int parse_docker_archive(struct image_location *l, const char *details, struct err *e)
{
        const char *colon = strchr(details, ':');
        l->path = colon ? xstrndup(details, (size_t)(colon - details)) : xstrdup(details);
        if (!*l->path)
                return err_set(e, EINVAL, "invalid docker-archive reference '%s': empty path",
                               details);
        if (!colon)
                return 0;
        const char *rest = colon + 1;
        if (rest[0] == '@') {
                int64_t i = 0;
                _cleanup_free_ char *q = image_quote(rest);
                if (!rest[1] || str_to_int64(rest + 1, &i) < 0 || rest[1] == '+' ||
                    strncmp(rest + 1, "0x", 2) == 0)
                        return err_set(e, EINVAL, "invalid source index '%s': not a number", q);
                if (i < 0 || i > INT_MAX)
                        return err_set(e, EINVAL, "invalid source index '%s': must not be negative",
                                       q);
                l->archive_index = (int)i;
                return 0;
        }
        int r = image_ref_parse(rest, IMAGE_REF_DEFAULT_LATEST, &l->ref, e);
        if (r < 0)
                return err_wrap(e, "docker-archive parsing reference");
        if (l->ref->digest) {
                _cleanup_free_ char *s = image_ref_string(l->ref);
                return err_set(e, EINVAL, "docker-archive doesn't support digest references: '%s'",
                               s);
        }
        return 0;
}

static bool is_hex_string(const char *s)
{
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* "[driver@root+runroot:opt,opt]": peeled as containers/image does, options
 * from the end, then run-root, and what remains is the graph root. */
static int parse_store_spec(struct image_location *l, const char *spec, size_t len, struct err *e)
{
        _cleanup_free_ char *s = xstrndup(spec, len);
        char *root = s;
        char *at = strchr(s, '@');
        if (!*s)
                return err_set(e, EINVAL,
                               "invalid containers-storage reference: empty store "
                               "specifier '[]'");
        if (at) {
                *at = '\0';
                if (!*s || !at[1])
                        return err_set(e, EINVAL,
                                       "invalid containers-storage reference: store specifier "
                                       "'[%s@%s]' needs both a driver and a root",
                                       s, at + 1);
                l->store_driver = xstrdup(s);
                root = at + 1;
        }
        char *colon = strchr(root, ':');
        if (colon) {
                *colon = '\0';
                l->store_options = strv_split(colon + 1, ",");
        }
        char *plus = strchr(root, '+');
        if (plus) {
                *plus = '\0';
                l->store_runroot = xstrdup(plus + 1);
        }
        if (*root)
                l->store_root = xstrdup(root);
        if ((l->store_root && l->store_root[0] != '/') ||
            (l->store_runroot && l->store_runroot[0] != '/'))
                return err_set(e, EINVAL,
                               "invalid containers-storage reference: store paths must "
                               "be absolute");
        if (l->store_runroot && !*l->store_runroot) {
                free(l->store_runroot);
                l->store_runroot = NULL;
        }
        return 0;
}

static int parse_storage(struct image_location *l, const char *details, struct err *e)
{
        const char *ref = details;
        if (ref[0] == '[') {
                const char *close = strchr(ref, ']');
                if (!close)
                        return err_set(e, EINVAL,
                                       "invalid containers-storage reference: store "
                                       "specifier did not end with ']'");
                int r = parse_store_spec(l, ref + 1, (size_t)(close - ref - 1), e);
                if (r < 0)
                        return r;
                ref = close + 1;
        }
        if (!*ref)
                return err_set(e, EINVAL,
                               "invalid containers-storage reference '%s': empty "
                               "reference",
                               details);

        /* A trailing "@ID" is peeled off; a trailing "@digest" stays part
         * of the name. */
        _cleanup_free_ char *name = xstrdup(ref);
        char *at = strrchr(name, '@');
        if (at) {
                const char *possible = at + 1;
                _cleanup_free_ char *q = image_quote(possible);
                if (!*possible)
                        return err_set(e, EINVAL,
                                       "invalid containers-storage reference: empty "
                                       "trailing digest or ID in '%s'",
                                       details);
                if (digest_validate(possible, NULL, NULL) < 0) {
                        if (image_id_valid(possible))
                                l->image_id = xstrdup(possible);
                        else if (strlen(possible) >= TRUNCATED_ID_MIN && is_hex_string(possible))
                                l->id_prefix = xstrdup(possible);
                        else
                                return err_set(e, EINVAL,
                                               "invalid containers-storage reference: '%s' does "
                                               "not look like an image ID or digest",
                                               q);
                        *at = '\0';
                }
        }
        if (!*name) /* "@ID" alone */
                return 0;
        if (!l->image_id && !l->id_prefix && image_id_valid(name)) {
                l->image_id = steal_pointer(&name);
                return 0;
        }
        /* A short hex string may be a truncated ID or a name; the store
         * decides (ID first). If it cannot be a name it must be an ID. */
        bool maybe_id = !l->image_id && !l->id_prefix && strlen(name) >= TRUNCATED_ID_MIN &&
                        !strpbrk(name, "@:") && is_hex_string(name);
        _cleanup_err_ struct err re = {0};
        int r = image_ref_parse(name, IMAGE_REF_DEFAULT_LATEST, &l->ref, &re);
        if (maybe_id)
                l->id_prefix = xstrdup(name);
        if (r < 0 && !maybe_id)
                return err_move(e, &re);
        return 0;
}

static int parse_details(struct image_location *l, const char *details, struct err *e)
{
        switch (l->transport) {
        case IMAGE_TRANSPORT_DOCKER:
                return parse_docker(l, details, e);
        case IMAGE_TRANSPORT_OCI:
        case IMAGE_TRANSPORT_OCI_ARCHIVE:
                return parse_path_and_ref(l, details, e);
        case IMAGE_TRANSPORT_DOCKER_ARCHIVE:
                return parse_docker_archive(l, details, e);
        case IMAGE_TRANSPORT_DIR:
                if (!*details)
                        return err_set(e, EINVAL, "invalid dir reference 'dir:': empty path");
                l->path = xstrdup(details);
                return 0;
        case IMAGE_TRANSPORT_STORAGE:
                return parse_storage(l, details, e);
        default:
                return err_set(e, EINVAL, "unknown transport");
        }
}

int image_location_parse(const char *s, enum image_transport dflt, struct image_location **ret,
                         struct err *e)
{
        if (!s || !*s)
                return err_set(e, EINVAL, "invalid image name '': empty");
        _cleanup_(image_location_freep) struct image_location *l = xcalloc(1, sizeof(*l));
        l->archive_index = -1;
        const char *colon = strchr(s, ':');
        _cleanup_free_ char *prefix = colon ? xstrndup(s, (size_t)(colon - s)) : NULL;
        int t = prefix ? image_transport_from_string(prefix) : -EINVAL;
        const char *details;
        _cleanup_free_ char *owned = NULL;
        if (t >= 0) {
                l->transport = t;
                details = colon + 1;
        } else {
                for (size_t i = 0; prefix && i < ARRAY_SIZE(unsupported_transports); i++)
                        if (STREQ(prefix, unsupported_transports[i]))
                                return err_set(e, ENOTSUP,
                                               "invalid image name '%s': transport '%s' is not "
                                               "supported",
                                               s, prefix);
                if (dflt == IMAGE_TRANSPORT_NONE) {
                        _cleanup_free_ char *q = image_quote(s);
                        return err_set(e, EINVAL,
                                       "invalid image name '%s': expected transport:reference "
                                       "(oci:, oci-archive:, docker-archive:, dir:, "
                                       "containers-storage:, docker://)",
                                       q);
                }
                l->transport = dflt;
                /* A bare name for a registry is what "docker://" + name means. */
                details = s;
                if (dflt == IMAGE_TRANSPORT_DOCKER && !str_has_prefix(s, "//"))
                        details = owned = xasprintf("//%s", s);
        }
        l->input = xstrdup(l->transport == IMAGE_TRANSPORT_DOCKER && str_has_prefix(details, "//")
                                   ? details + 2
                                   : details);
        int r = parse_details(l, details, e);
        if (r < 0)
                return r;
        *ret = steal_pointer(&l);
        return 0;
}

char *image_location_to_string(const struct image_location *l)
{
        struct sbuf b = {0};
        sbuf_printf(&b, "%s:", image_transport_to_string(l->transport));
        _cleanup_free_ char *ref = l->ref ? image_ref_string(l->ref) : NULL;
        switch (l->transport) {
        case IMAGE_TRANSPORT_DOCKER:
                sbuf_printf(&b, "//%s", ref ? ref : "");
                break;
        case IMAGE_TRANSPORT_OCI:
        case IMAGE_TRANSPORT_OCI_ARCHIVE:
                sbuf_append(&b, l->path);
                if (l->oci_ref)
                        sbuf_printf(&b, ":%s", l->oci_ref);
                break;
        case IMAGE_TRANSPORT_DOCKER_ARCHIVE:
                sbuf_append(&b, l->path);
                if (ref)
                        sbuf_printf(&b, ":%s", ref);
                else if (l->archive_index >= 0)
                        sbuf_printf(&b, ":@%d", l->archive_index);
                break;
        case IMAGE_TRANSPORT_DIR:
                sbuf_append(&b, l->path);
                break;
        case IMAGE_TRANSPORT_STORAGE:
                if (l->store_driver || l->store_root || l->store_runroot || l->store_options) {
                        sbuf_putc(&b, '[');
                        if (l->store_driver)
                                sbuf_printf(&b, "%s@", l->store_driver);
                        if (l->store_root)
                                sbuf_append(&b, l->store_root);
                        if (l->store_runroot)
                                sbuf_printf(&b, "+%s", l->store_runroot);
                        if (l->store_options) {
                                _cleanup_free_ char *o = strv_join(l->store_options, ",");
                                sbuf_printf(&b, ":%s", o);
                        }
                        sbuf_putc(&b, ']');
                }
                if (l->id_prefix && !l->image_id) {
                        /* Name or truncated ID: only the store can tell,
                         * so print it as given. */
                        const char *close = l->input[0] == '[' ? strchr(l->input, ']') : NULL;
                        sbuf_append(&b, close ? close + 1 : l->input);
                        break;
                }
                if (ref)
                        sbuf_append(&b, ref);
                if (l->image_id)
                        sbuf_printf(&b, "%s%s", ref ? "@" : "", l->image_id);
                break;
        default:
                break;
        }
        return sbuf_steal(&b);
}
