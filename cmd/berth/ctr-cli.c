/* SPDX-License-Identifier: Apache-2.0 */
/* Argument helpers the container commands share. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "ctr-cli.h"

int ctr_cli_timeout(const char *s, int64_t *ret, struct err *e)
{
        int64_t t = -1;
        if (s && (str_to_int64(s, &t) < 0 || t < 0))
                return err_set(e, EINVAL, "invalid argument \"%s\" for \"-t, --time\" flag", s);
        *ret = t;
        return 0;
}

int ctr_cli_check(const struct ctr_sel *sel, char *const *args, struct err *e)
{
        bool names = args && args[0];
        if (sel->cidfiles && sel->cidfiles[0] && (sel->all || sel->latest))
                return err_set(e, EINVAL, "--all, --latest, and --cidfile cannot be used together");
        if (sel->all && sel->latest)
                return err_set(e, EINVAL, "--all and --latest cannot be used together");
        if (names && sel->all)
                return err_set(e, EINVAL, "no arguments are needed with --all");
        if (names && sel->latest)
                return err_set(e, EINVAL, "--latest and containers cannot be used together");
        if (names && sel->cidfiles && sel->cidfiles[0])
                return err_set(e, EINVAL, "no arguments are needed with --latest or --cidfile");
        if (!names && !sel->all && !sel->latest && !(sel->cidfiles && sel->cidfiles[0]))
                return err_set(e, EINVAL, "%s",
                               sel->none ? sel->none : "you must provide at least one name or id");
        return 0;
}

int ctr_cli_latest(struct store *s, char **ret, struct err *e)
{
        _cleanup_strv_ char **ids = NULL;
        if (engine_container_ids(s, true, &ids, e) < 0)
                return -1;
        if (!ids || !ids[0])
                return err_set(e, ENOENT, "no such container");
        *ret = xstrdup(ids[0]);
        return 0;
}

int ctr_cli_names(struct store *s, const struct ctr_sel *sel, char *const *args, char ***ret,
                  struct err *e)
{
        *ret = NULL;
        if (sel->all)
                return 0;
        _cleanup_strv_ char **names = NULL;
        if (sel->latest) {
                char *id;
                if (ctr_cli_latest(s, &id, e) < 0)
                        return -1;
                strv_push(&names, id);
        }
        for (char *const *a = args; a && *a; a++)
                strv_add(&names, *a);
        for (char *const *c = sel->cidfiles; c && *c; c++) {
                char *buf = NULL;
                size_t len;
                if (fs_read_file(AT_FDCWD, *c, 4096, &buf, &len, e) < 0)
                        return err_wrap(e, "reading CIDFile");
                buf[strcspn(buf, "\r\n")] = 0;
                strv_push(&names, buf);
        }
        if (!names || !names[0])
                return err_set(e, EINVAL, "you must provide at least one name or id");
        *ret = steal_pointer(&names);
        return 0;
}

int ctr_cli_select(struct berth_ctx *ctx, const struct ctr_sel *sel, char *const *args,
                   struct store **ret_store, char ***ret, struct err *e)
{
        if (ctr_cli_check(sel, args, e) < 0 || ctx_store(ctx, ret_store, e) < 0 ||
            ctr_cli_names(*ret_store, sel, args, ret, e) < 0)
                return -1;
        return sel->all ? engine_container_ids(*ret_store, sel->all_stopped, ret, e) : 0;
}
