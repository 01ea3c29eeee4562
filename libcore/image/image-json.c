/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed access to the JSON of manifests, indexes and configs. Everything
 * here reads untrusted documents, so every member is type-checked before
 * use and errors say which field was wrong; strings with NUL bytes are
 * refused because every consumer treats them as C strings.
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

char *image_json_field(const char *where, const char *key)
{
        return where && *where ? xasprintf("%s.%s", where, key) : xstrdup(key);
}

static int type_error(const char *where, const char *key, const char *want, const struct json *v,
                      struct err *e)
{
        _cleanup_free_ char *f = image_json_field(where, key);
        return err_set(e, EINVAL, "%s: expected %s, got %s", f, want, json_type_to_string(v->type));
}

static int check_string(const struct json *v, const char *where, const char *key, struct err *e)
{
        if (v->type != JSON_STRING)
                return type_error(where, key, "a string", v, e);
        if (strlen(v->str.s) != v->str.len) {
                _cleanup_free_ char *f = image_json_field(where, key);
                return err_set(e, EINVAL, "%s: string contains a NUL byte", f);
        }
        return 0;
}

/* The member, or NULL when absent or JSON null (Go writes omitted slices
 * and maps as null, and containers/image reads null as absent). */
static const struct json *member(const struct json *obj, const char *key)
{
        const struct json *v = json_object_get(obj, key);
        return v && v->type != JSON_NULL ? v : NULL;
}

static int missing(const char *where, const char *key, struct err *e)
{
        _cleanup_free_ char *f = image_json_field(where, key);
        return err_set(e, EINVAL, "%s: missing", f);
}

int image_json_string(const struct json *obj, const char *where, const char *key, bool required,
                      char **ret, struct err *e)
{
        const struct json *v = member(obj, key);
        if (!v) {
                if (required)
                        return missing(where, key, e);
                *ret = NULL;
                return 0;
        }
        int r = check_string(v, where, key, e);
        if (r < 0)
                return r;
        *ret = xstrdup(v->str.s);
        return 0;
}

int image_json_strv(const struct json *obj, const char *where, const char *key, char ***ret,
                    struct err *e)
{
        const struct json *v = member(obj, key);
        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (v->type != JSON_ARRAY)
                return type_error(where, key, "an array of strings", v, e);
        char **out = xcalloc(1, sizeof(char *));
        for (size_t i = 0; i < v->arr.len; i++) {
                _cleanup_free_ char *k = xasprintf("%s[%zu]", key, i);
                int r = check_string(v->arr.items[i], where, k, e);
                if (r < 0) {
                        strv_free(out);
                        return r;
                }
                strv_add(&out, v->arr.items[i]->str.s);
        }
        *ret = out;
        return 0;
}

int image_json_string_map(const struct json *obj, const char *where, const char *key,
                          struct json **ret, struct err *e)
{
        const struct json *v = member(obj, key);
        if (!v) {
                *ret = NULL;
                return 0;
        }
        if (v->type != JSON_OBJECT)
                return type_error(where, key, "an object of strings", v, e);
        _cleanup_free_ char *f = image_json_field(where, key);
        for (size_t i = 0; i < v->obj.len; i++) {
                int r = check_string(v->obj.vals[i], f, v->obj.keys[i], e);
                if (r < 0)
                        return r;
        }
        *ret = json_copy(v);
        return 0;
}

int image_json_object(const struct json *obj, const char *where, const char *key, bool required,
                      const struct json **ret, struct err *e)
{
        const struct json *v = member(obj, key);
        if (!v) {
                if (required)
                        return missing(where, key, e);
                *ret = NULL;
                return 0;
        }
        if (v->type != JSON_OBJECT)
                return type_error(where, key, "an object", v, e);
        *ret = v;
        return 0;
}

int image_json_array(const struct json *obj, const char *where, const char *key, bool required,
                     const struct json **ret, struct err *e)
{
        const struct json *v = member(obj, key);
        if (!v) {
                if (required)
                        return missing(where, key, e);
                *ret = NULL;
                return 0;
        }
        if (v->type != JSON_ARRAY)
                return type_error(where, key, "an array", v, e);
        *ret = v;
        return 0;
}

void image_platform_free(struct image_platform *p)
{
        if (!p)
                return;
        free(p->architecture);
        free(p->os);
        free(p->variant);
        free(p->os_version);
        strv_free(p->os_features);
        free(p);
}

static int platform_parse(const struct json *j, const char *where, struct image_platform **ret,
                          struct err *e)
{
        struct image_platform *p = xcalloc(1, sizeof(*p));
        int r;
        if ((r = image_json_string(j, where, "architecture", true, &p->architecture, e)) < 0 ||
            (r = image_json_string(j, where, "os", true, &p->os, e)) < 0 ||
            (r = image_json_string(j, where, "variant", false, &p->variant, e)) < 0 ||
            (r = image_json_string(j, where, "os.version", false, &p->os_version, e)) < 0 ||
            (r = image_json_strv(j, where, "os.features", &p->os_features, e)) < 0) {
                image_platform_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void image_descriptor_done(struct image_descriptor *d)
{
        if (!d)
                return;
        free(d->media_type);
        free(d->digest);
        strv_free(d->urls);
        json_free(d->annotations);
        image_platform_free(d->platform);
        memset(d, 0, sizeof(*d));
}

void image_descriptor_copy(struct image_descriptor *dst, const struct image_descriptor *src)
{
        memset(dst, 0, sizeof(*dst));
        dst->media_type = src->media_type ? xstrdup(src->media_type) : NULL;
        dst->digest = src->digest ? xstrdup(src->digest) : NULL;
        dst->size = src->size;
        dst->urls = src->urls ? strv_copy(src->urls) : NULL;
        dst->annotations = src->annotations ? json_copy(src->annotations) : NULL;
        if (src->platform) {
                const struct image_platform *s = src->platform;
                struct image_platform *p = xcalloc(1, sizeof(*p));
                p->architecture = xstrdup(s->architecture);
                p->os = xstrdup(s->os);
                p->variant = s->variant ? xstrdup(s->variant) : NULL;
                p->os_version = s->os_version ? xstrdup(s->os_version) : NULL;
                p->os_features = s->os_features ? strv_copy(s->os_features) : NULL;
                dst->platform = p;
        }
}

const char *image_descriptor_annotation(const struct image_descriptor *d, const char *key)
{
        return d->annotations ? json_object_get_string(d->annotations, key) : NULL;
}

static int descriptor_fill(const struct json *j, const char *where, bool with_platform,
                           struct image_descriptor *d, struct err *e)
{
        int r;
        if ((r = image_json_string(j, where, "mediaType", true, &d->media_type, e)) < 0 ||
            (r = image_json_string(j, where, "digest", true, &d->digest, e)) < 0)
                return r;
        _cleanup_err_ struct err de = {0};
        if (digest_validate(d->digest, NULL, &de) < 0)
                return err_set(e, EINVAL, "%s.digest: %s", where, de.msg);
        const struct json *size = json_object_get(j, "size");
        if (!size)
                return missing(where, "size", e);
        if (size->type != JSON_INT || size->i < 0)
                return err_set(e, EINVAL, "%s.size: expected a non-negative integer", where);
        d->size = size->i;
        if ((r = image_json_strv(j, where, "urls", &d->urls, e)) < 0 ||
            (r = image_json_string_map(j, where, "annotations", &d->annotations, e)) < 0)
                return r;
        if (!with_platform)
                return 0;
        const struct json *pj = NULL;
        if ((r = image_json_object(j, where, "platform", false, &pj, e)) < 0)
                return r;
        if (!pj)
                return 0;
        _cleanup_free_ char *pw = image_json_field(where, "platform");
        return platform_parse(pj, pw, &d->platform, e);
}

int image_descriptor_parse(const struct json *j, const char *where, bool with_platform,
                           struct image_descriptor *ret, struct err *e)
{
        if (j->type != JSON_OBJECT)
                return err_set(e, EINVAL, "%s: expected an object, got %s", where,
                               json_type_to_string(j->type));
        struct image_descriptor d = {0};
        int r = descriptor_fill(j, where, with_platform, &d, e);
        if (r < 0) {
                image_descriptor_done(&d);
                return r;
        }
        *ret = d;
        return 0;
}

static struct json *platform_to_json(const struct image_platform *p, enum image_format f)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "architecture", p->architecture);
        json_object_set_string(j, "os", p->os);
        if (p->os_version)
                json_object_set_string(j, "os.version", p->os_version);
        if (p->os_features && p->os_features[0])
                json_object_set(j, "os.features", json_new_strv(p->os_features));
        if (p->variant)
                json_object_set_string(j, "variant", p->variant);
        (void)f; /* both formats order these fields alike */
        return j;
}

struct json *image_descriptor_to_json(const struct image_descriptor *d, enum image_format f)
{
        struct json *j = json_new_object();
        json_object_set_string(j, "mediaType", d->media_type);
        /* Docker's Schema2Descriptor puts size before digest, OCI the
         * other way round; the bytes (and so the digests) follow suit. */
        if (f == IMAGE_FORMAT_DOCKER) {
                json_object_set_int(j, "size", d->size);
                json_object_set_string(j, "digest", d->digest);
        } else {
                json_object_set_string(j, "digest", d->digest);
                json_object_set_int(j, "size", d->size);
        }
        if (d->urls && d->urls[0])
                json_object_set(j, "urls", json_new_strv(d->urls));
        if (f == IMAGE_FORMAT_OCI && d->annotations && d->annotations->obj.len)
                json_object_set(j, "annotations", json_copy(d->annotations));
        if (d->platform)
                json_object_set(j, "platform", platform_to_json(d->platform, f));
        return j;
}

int image_json_parse_doc(const void *buf, size_t len, size_t max, const char *what,
                         struct json **ret, struct err *e)
{
        if (len > max)
                return err_set(e, EFBIG, "invalid %s: %zu bytes, more than the limit of %zu", what,
                               len, max);
        struct json *j = NULL;
        int r = json_parse(buf, len, &j, e);
        if (r < 0)
                return err_wrap(e, "invalid %s", what);
        if (j->type != JSON_OBJECT) {
                r = err_set(e, EINVAL, "invalid %s: expected a JSON object, got %s", what,
                            json_type_to_string(j->type));
                json_free(j);
                return r;
        }
        *ret = j;
        return 0;
}
