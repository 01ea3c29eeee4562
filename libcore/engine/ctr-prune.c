/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container prune: remove every berth container that is not running or
 * paused (created and exited ones), filtered by until= and label=/label!=
 * as podman does. Other tools' containers are never listed, so never
 * removed.
 */
#include <errno.h>
#include <string.h>

#include "ctr-internal.h"

/* podman's until=: a Unix timestamp, an RFC 3339 time or a duration before now. */
static int parse_until(const char *v, int64_t *ret)
{
        int64_t sec, d, now;
        if (str_to_int64(v, &sec) == 0) {
                *ret = sec;
                return 0;
        }
        if (time_parse_rfc3339(v, &sec, NULL) == 0) {
                *ret = sec;
                return 0;
        }
        if (engine_parse_duration(v, &d) < 0)
                return -EINVAL;
        time_now(&now, NULL);
        *ret = now - d;
        return 0;
}

/* KEY or KEY=VALUE against an object of strings. */
static bool label_match(const struct json *labels, const char *want)
{
        const char *eq = strchr(want, '=');
        _cleanup_free_ char *key = eq ? xstrndup(want, (size_t)(eq - want)) : xstrdup(want);
        const char *have = labels ? json_object_get_string(labels, key) : NULL;
        return have && (!eq || STREQ(have, eq + 1));
}

struct prune_filters {
        int64_t until; /* 0: none */
        char **labels, **not_labels;
};

static void prune_filters_done(struct prune_filters *f)
{
        strv_free(f->labels);
        strv_free(f->not_labels);
}

static int prune_filters_parse(char *const *filters, struct prune_filters *f, struct err *e)
{
        for (char *const *p = filters; p && *p; p++) {
                const char *eq = strchr(*p, '=');
                if (str_has_prefix(*p, "label!=")) {
                        strv_add(&f->not_labels, *p + 7);
                } else if (str_has_prefix(*p, "label=")) {
                        strv_add(&f->labels, *p + 6);
                } else if (str_has_prefix(*p, "until=")) {
                        if (parse_until(*p + 6, &f->until) < 0)
                                return err_set(e, EINVAL, "invalid until filter value \"%s\"",
                                               *p + 6);
                } else {
                        _cleanup_free_ char *key =
                                eq ? xstrndup(*p, (size_t)(eq - *p)) : xstrdup(*p);
                        return err_set(e, EINVAL, "%s is an invalid filter", key);
                }
        }
        return 0;
}

static bool prune_match(const struct ctr *c, const struct prune_filters *f)
{
        const struct json *labels = json_object_get(c->berth, "labels");
        for (char **l = f->labels; l && *l; l++)
                if (!label_match(labels, *l))
                        return false;
        for (char **l = f->not_labels; l && *l; l++)
                if (label_match(labels, *l))
                        return false;
        if (f->until) {
                int64_t sec = 0;
                const char *created = json_object_get_string(c->rec, "created");
                if (!created || time_parse_rfc3339(created, &sec, NULL) < 0 || sec >= f->until)
                        return false;
        }
        return true;
}

int engine_containers_prune(struct store *s, char *const *filters, char ***ret_ids,
                            char ***ret_errors, struct err *e)
{
        struct prune_filters f = {0};
        int r = prune_filters_parse(filters, &f, e);
        if (r < 0) {
                prune_filters_done(&f);
                return r;
        }
        struct ctr **v = NULL;
        size_t n = 0;
        if ((r = ctr_list_all(s, &v, &n, e)) < 0) {
                prune_filters_done(&f);
                return r;
        }
        char **ids = NULL, **errors = NULL;
        for (size_t i = 0; i < n; i++) {
                struct ctr_state st;
                if (ctr_state_get(s, v[i], &st, NULL) < 0)
                        continue;
                /* A created container whose monitor lives is being started. */
                bool busy = st.status == CTR_RUNNING || st.status == CTR_PAUSED ||
                            (st.status == CTR_CONFIGURED && st.monitor_alive);
                ctr_state_done(&st);
                if (busy || !prune_match(v[i], &f))
                        continue;
                struct container_rm_opts ro = {.timeout = -1};
                struct err re = {0};
                _cleanup_free_ char *id = NULL;
                if (engine_container_remove(s, v[i]->id, &ro, &id, &re) < 0) {
                        /* Gone meanwhile (an --rm cleanup) is what prune wanted. */
                        if (re.code != ENOENT)
                                strv_push(&errors, xasprintf("%s", re.msg));
                        err_done(&re);
                        continue;
                }
                strv_add(&ids, v[i]->id);
        }
        ctr_list_free(v, n);
        prune_filters_done(&f);
        *ret_ids = ids ? ids : xcalloc(1, sizeof(char *));
        *ret_errors = errors;
        return 0;
}
