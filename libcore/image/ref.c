/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker image references, parsed and normalised as containers/image 5.23
 * does (its fork of distribution/reference, the one podman 4.3 and skopeo
 * 1.9 use). The grammar, for the record:
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [ domain "/" ] component ( "/" component )*
 *   domain     := host-part ( "." host-part )* [ ":" [0-9]+ ]
 *   host-part  := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]
 *   component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest     := algorithm ":" hex{32,}, then checked by digest_validate()
 *
 * Normalisation (ParseNormalizedNamed) decides the domain from the text
 * before the first '/': it is a registry only if it contains '.' or ':' or
 * is "localhost"; otherwise the name lives on docker.io, under library/
 * when it has a single component. Unlike newer distribution/reference,
 * this version neither treats an upper-case first component as a registry
 * nor accepts bracketed IPv6 hosts: berth follows the tools it shares a
 * store with (both checked against skopeo 1.9 in test-ref.c).
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
        return is_alnum(c) || c == '_';
}

static bool is_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )* */
static bool component_valid(const char *s, size_t len)
{
        size_t i = 0;
        if (len == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
                return false;
        while (i < len) {
                if (is_lower_alnum(s[i])) {
                        i++;
                        continue;
                }
                /* A separator run, necessarily between two alnum runs since
                 * the first and last characters are alnum. */
                size_t start = i;
                while (i < len && !is_lower_alnum(s[i]))
                        i++;
                size_t n = i - start;
                const char *sep = s + start;
                if (n == 1 && (sep[0] == '.' || sep[0] == '_' || sep[0] == '-'))
                        continue;
                if (n == 2 && sep[0] == '_' && sep[1] == '_')
                        continue;
                for (size_t k = 0; k < n; k++)
                        if (sep[k] != '-')
                                return false;
        }
        return true;
}

/* host-part := [A-Za-z0-9] | [A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9] */
static bool host_part_valid(const char *s, size_t len)
{
        if (len == 0 || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

/* domain := host-part ( "." host-part )* [ ":" [0-9]+ ] */
bool image_ref_domain_valid(const char *s, size_t len)
{
        const char *colon = memchr(s, ':', len);
        size_t host_len = colon ? (size_t)(colon - s) : len;
        if (colon) {
                size_t port_len = len - host_len - 1;
                if (port_len == 0)
                        return false;
                for (size_t i = 0; i < port_len; i++)
                        if (colon[1 + i] < '0' || colon[1 + i] > '9')
                                return false;
        }
        size_t start = 0;
        for (size_t i = 0; i <= host_len; i++) {
                if (i == host_len || s[i] == '.') {
                        if (!host_part_valid(s + start, i - start))
                                return false;
                        start = i + 1;
                }
        }
        return true;
}

bool image_ref_tag_valid(const char *tag)
{
        size_t len = strlen(tag);
        if (len == 0 || len > IMAGE_REF_TAG_MAX || !is_word(tag[0]))
                return false;
        for (size_t i = 1; i < len; i++)
                if (!is_word(tag[i]) && tag[i] != '.' && tag[i] != '-')
                        return false;
        return true;
}

bool image_id_valid(const char *s)
{
        return digest_is_hex64(s);
}

/* The digest grammar of the reference regexp, before digest_validate():
 * [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)* ":" [0-9A-Fa-f]{32,} */
static bool digest_syntax_valid(const char *s)
{
        const char *colon = strchr(s, ':');
        if (!colon)
                return false;
        bool need_letter = true;
        for (const char *p = s; p < colon; p++) {
                char c = *p;
                bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                if (need_letter) {
                        if (!letter)
                                return false;
                        need_letter = false;
                } else if (c == '-' || c == '_' || c == '+' || c == '.') {
                        need_letter = true;
                } else if (!is_alnum(c)) {
                        return false;
                }
        }
        if (need_letter)
                return false;
        size_t n = 0;
        for (const char *p = colon + 1; *p; p++, n++)
                if (!is_hex(*p))
                        return false;
        return n >= 32;
}

static bool has_upper(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return true;
        return false;
}

/* Check every '/'-separated component of a repository path. */
static int path_check(const char *path, const char *input, struct err *e)
{
        if (has_upper(path, strlen(path))) {
                _cleanup_free_ char *q = image_quote(path);
                return err_set(e, EINVAL,
                               "invalid reference format: repository name must be lowercase: '%s'",
                               q);
        }
        const char *p = path;
        for (;;) {
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - p) : strlen(p);
                if (n == 0) {
                        _cleanup_free_ char *q = image_quote(input);
                        return err_set(e, EINVAL,
                                       "invalid reference format: empty path component in '%s'", q);
                }
                if (!component_valid(p, n)) {
                        _cleanup_free_ char *c = xstrndup(p, n);
                        _cleanup_free_ char *q = image_quote(c);
                        return err_set(e, EINVAL,
                                       "invalid reference format: invalid path component '%s' "
                                       "(lowercase letters and digits, separated by '.', '_', "
                                       "'__' or '-')",
                                       q);
                }
                if (!slash)
                        return 0;
                p = slash + 1;
        }
}

static int digest_check(const char *digest, struct err *e)
{
        _cleanup_free_ char *q = image_quote(digest);
        if (!digest_syntax_valid(digest))
                return err_set(e, EINVAL, "invalid reference format: invalid digest '%s'", q);
        _cleanup_err_ struct err de = {0};
        if (digest_validate(digest, NULL, &de) < 0)
                return err_set(e, EINVAL, "invalid reference format: %s", de.msg);
        return 0;
}

int image_ref_parse(const char *s, unsigned flags, struct image_ref **ret, struct err *e)
{
        if (!s || !*s)
                return err_set(e, EINVAL,
                               "invalid reference format: repository name must have "
                               "at least one component");
        /* A bare image ID is never a name: "docker pull <id>" must not
         * silently fetch docker.io/library/<id>. */
        if (image_id_valid(s))
                return err_set(e, EINVAL,
                               "invalid repository name '%s': cannot specify 64-byte hexadecimal "
                               "strings",
                               s);

        _cleanup_free_ char *name = NULL;
        _cleanup_free_ char *tag = NULL;
        _cleanup_free_ char *digest = NULL;

        /* Neither names nor tags contain '@', so the first one starts the
         * digest; a second one makes the digest invalid. */
        const char *at = strchr(s, '@');
        size_t rest_len = at ? (size_t)(at - s) : strlen(s);
        if (at) {
                digest = xstrdup(at + 1);
                int r = digest_check(digest, e);
                if (r < 0)
                        return r;
        }
        /* The tag follows the last ':' unless a '/' comes after it, in
         * which case that ':' belongs to a registry's port. */
        const char *colon = NULL;
        for (const char *p = s; p < s + rest_len; p++) {
                if (*p == ':')
                        colon = p;
                else if (*p == '/')
                        colon = NULL;
        }
        if (colon) {
                tag = xstrndup(colon + 1, (size_t)(s + rest_len - colon - 1));
                name = xstrndup(s, (size_t)(colon - s));
                _cleanup_free_ char *q = image_quote(tag);
                if (!*tag) {
                        _cleanup_free_ char *qs = image_quote(s);
                        return err_set(e, EINVAL, "invalid reference format: empty tag in '%s'",
                                       qs);
                }
                if (!image_ref_tag_valid(tag))
                        return err_set(e, EINVAL,
                                       "invalid reference format: invalid tag '%s' "
                                       "(up to 128 letters, digits, '_', '.' and '-', not "
                                       "starting with '.' or '-')",
                                       q);
        } else {
                name = xstrndup(s, rest_len);
        }
        if (!*name) {
                _cleanup_free_ char *qs = image_quote(s);
                return err_set(e, EINVAL, "invalid reference format: empty repository name in '%s'",
                               qs);
        }

        _cleanup_free_ char *domain = NULL;
        _cleanup_free_ char *path = NULL;
        const char *slash = strchr(name, '/');
        if (slash && (memchr(name, '.', (size_t)(slash - name)) ||
                      memchr(name, ':', (size_t)(slash - name)) ||
                      ((size_t)(slash - name) == 9 && str_has_prefix(name, "localhost")))) {
                domain = xstrndup(name, (size_t)(slash - name));
                path = xstrdup(slash + 1);
        } else {
                domain = xstrdup(IMAGE_REF_DEFAULT_DOMAIN);
                path = xstrdup(name);
        }
        if (STREQ(domain, "index.docker.io")) {
                free(domain);
                domain = xstrdup(IMAGE_REF_DEFAULT_DOMAIN);
        }
        /* Checked before library/ is added, so that errors quote what the
         * user typed. */
        int r = path_check(path, s, e);
        if (r < 0)
                return r;
        if (STREQ(domain, IMAGE_REF_DEFAULT_DOMAIN) && !strchr(path, '/')) {
                char *p = xasprintf("library/%s", path);
                free(path);
                path = p;
        }
        /* A first component with '.' that is no valid host name but is a
         * valid path component ("a_b.com/foo") still parses in the
         * reference grammar, as a name without a domain; its text is the
         * same either way, so keep it as the domain. */
        if (!image_ref_domain_valid(domain, strlen(domain)) &&
            !(strchr(domain, ':') == NULL && component_valid(domain, strlen(domain)))) {
                _cleanup_free_ char *q = image_quote(domain);
                if (has_upper(domain, strlen(domain)) && !strchr(domain, ':'))
                        return err_set(e, EINVAL,
                                       "invalid reference format: repository name must be "
                                       "lowercase: '%s'",
                                       q);
                return err_set(e, EINVAL, "invalid reference format: invalid registry '%s'", q);
        }
        if (strlen(domain) + 1 + strlen(path) > IMAGE_REF_NAME_MAX) {
                _cleanup_free_ char *q = image_quote(name);
                return err_set(e, EINVAL,
                               "invalid reference format: repository name must not be more than "
                               "%d characters: '%s'",
                               IMAGE_REF_NAME_MAX, q);
        }

        struct image_ref *ref = xcalloc(1, sizeof(*ref));
        ref->domain = steal_pointer(&domain);
        ref->path = steal_pointer(&path);
        ref->tag = steal_pointer(&tag);
        ref->digest = steal_pointer(&digest);
        if ((flags & IMAGE_REF_DEFAULT_LATEST) && !ref->tag && !ref->digest)
                ref->tag = xstrdup(IMAGE_REF_DEFAULT_TAG);
        *ret = ref;
        return 0;
}

void image_ref_free(struct image_ref *r)
{
        if (!r)
                return;
        free(r->domain);
        free(r->path);
        free(r->tag);
        free(r->digest);
        free(r);
}

struct image_ref *image_ref_copy(const struct image_ref *r)
{
        struct image_ref *c = xcalloc(1, sizeof(*c));
        c->domain = xstrdup(r->domain);
        c->path = xstrdup(r->path);
        c->tag = r->tag ? xstrdup(r->tag) : NULL;
        c->digest = r->digest ? xstrdup(r->digest) : NULL;
        return c;
}

static void append_tag_digest(struct sbuf *b, const struct image_ref *r)
{
        if (r->tag)
                sbuf_printf(b, ":%s", r->tag);
        if (r->digest)
                sbuf_printf(b, "@%s", r->digest);
}

char *image_ref_string(const struct image_ref *r)
{
        struct sbuf b = {0};
        sbuf_printf(&b, "%s/%s", r->domain, r->path);
        append_tag_digest(&b, r);
        return sbuf_steal(&b);
}

char *image_ref_name(const struct image_ref *r)
{
        return xasprintf("%s/%s", r->domain, r->path);
}

/* docker's FamiliarName strips docker.io/ even from docker.io/quay.io/x,
 * whose familiar form "quay.io/x" then names another registry; berth keeps
 * the domain there, so that what it prints always parses back to the same
 * image. */
static bool familiar_ambiguous(const char *path)
{
        const char *slash = strchr(path, '/');
        if (!slash)
                return false;
        size_t n = (size_t)(slash - path);
        return memchr(path, '.', n) || memchr(path, ':', n) ||
               (n == 9 && str_has_prefix(path, "localhost"));
}

char *image_ref_familiar(const struct image_ref *r)
{
        struct sbuf b = {0};
        if (STREQ(r->domain, IMAGE_REF_DEFAULT_DOMAIN) && !familiar_ambiguous(r->path)) {
                const char *p = r->path;
                if (str_has_prefix(p, "library/") && !strchr(p + 8, '/'))
                        p += 8;
                sbuf_append(&b, p);
        } else {
                sbuf_printf(&b, "%s/%s", r->domain, r->path);
        }
        append_tag_digest(&b, r);
        return sbuf_steal(&b);
}

void image_ref_set_tag(struct image_ref *r, const char *tag)
{
        free(r->tag);
        r->tag = tag ? xstrdup(tag) : NULL;
}

void image_ref_set_digest(struct image_ref *r, const char *digest)
{
        free(r->digest);
        r->digest = digest ? xstrdup(digest) : NULL;
}
