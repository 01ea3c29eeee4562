/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Short names (containers-registries.conf(5)): "alpine" or "user/app" name
 * no registry, so the candidates to pull come from registries.conf: an
 * alias if one matches, else each unqualified-search registry in order.
 * Prompting and the short-name-mode are the caller's business; this file
 * only computes the list.
 */
#include <errno.h>
#include <string.h>

#include "image-internal.h"

/* Length of the repository part of s as typed: without "@digest" and
 * without a ":tag" that follows the last '/'. */
static size_t repo_len(const char *s)
{
        const char *at = strchr(s, '@');
        size_t len = at ? (size_t)(at - s) : strlen(s);
        const char *colon = NULL;
        for (const char *p = s; p < s + len; p++) {
                if (*p == ':')
                        colon = p;
                else if (*p == '/')
                        colon = NULL;
        }
        return colon ? (size_t)(colon - s) : len;
}

bool image_name_is_qualified(const char *s)
{
        size_t len = repo_len(s);
        const char *slash = memchr(s, '/', len);
        if (!slash)
                return false;
        size_t n = (size_t)(slash - s);
        /* As containers/image's parseUnnormalizedShortName: the first
         * component must parse as a registry ("a_b.com" does not, so
         * "a_b.com/x" is a short name there too) and look like one. */
        if (!image_ref_domain_valid(s, n))
                return false;
        return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && str_has_prefix(s, "localhost"));
}

void image_candidates_done(struct image_candidates *c)
{
        strv_free(c->names);
        free(c->alias_origin);
        memset(c, 0, sizeof(*c));
}

/* Allocates: the normalised reference for base (a repository without tag)
 * with the tag and digest of the user's input. */
static int candidate(const char *base, const struct image_ref *input, char **ret, struct err *e)
{
        _cleanup_(image_ref_freep) struct image_ref *r = NULL;
        int rc = image_ref_parse(base, 0, &r, e);
        if (rc < 0)
                return rc;
        image_ref_set_tag(r, input->tag ? input->tag : r->tag);
        image_ref_set_digest(r, input->digest ? input->digest : r->digest);
        if (!r->tag && !r->digest)
                image_ref_set_tag(r, IMAGE_REF_DEFAULT_TAG);
        *ret = image_ref_string(r);
        return 0;
}

int image_short_name_candidates(const char *s, const struct registries_conf *rc,
                                struct image_candidates *ret, struct err *e)
{
        _cleanup_(image_ref_freep) struct image_ref *input = NULL;
        int r = image_ref_parse(s, 0, &input, e);
        if (r < 0)
                return r;

        struct image_candidates c = {0};
        if (image_name_is_qualified(s)) {
                if (!input->tag && !input->digest)
                        image_ref_set_tag(input, IMAGE_REF_DEFAULT_TAG);
                strv_push(&c.names, image_ref_string(input));
                *ret = c;
                return 0;
        }

        _cleanup_free_ char *repo = xstrndup(s, repo_len(s));
        const char *alias = rc && rc->aliases ? json_object_get_string(rc->aliases, repo) : NULL;
        if (alias) {
                char *name = NULL;
                if ((r = candidate(alias, input, &name, e)) < 0)
                        return err_wrap(e, "resolving alias '%s' of short name '%s'", alias, repo);
                strv_push(&c.names, name);
                c.from_alias = true;
                c.alias_origin = xstrdup(repo);
                *ret = c;
                return 0;
        }

        /* containers/image fails here when the list is empty ("short-name
         * did not resolve to an alias and no unqualified-search registries
         * are defined"), and so does podman. Debian ships registries.conf
         * with the list commented out, so every docker user's first
         * `berth pull alpine` would fail; berth searches docker.io then,
         * which is what docker users expect and what the name means there.
         * A configured list, even a different one, is always respected. */
        static char *const fallback[] = {(char *)IMAGE_REF_DEFAULT_DOMAIN, NULL};
        char *const *search = rc && rc->search && rc->search[0] ? rc->search : fallback;
        for (char *const *reg = search; *reg; reg++) {
                _cleanup_free_ char *base = xasprintf("%s/%s", *reg, repo);
                char *name = NULL;
                if ((r = candidate(base, input, &name, e)) < 0) {
                        image_candidates_done(&c);
                        return err_wrap(e,
                                        "creating reference with unqualified-search registry "
                                        "'%s'",
                                        *reg);
                }
                if (!strv_contains(c.names, name))
                        strv_push(&c.names, name);
                else
                        free(name);
        }
        *ret = c;
        return 0;
}
