/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker cp's path rules (the CopyInfo / PrepareArchiveCopy logic of
 * docker's archive package, as `man podman-cp` also states them): which
 * directory a copy is extracted into and under which name, and the errors
 * for the combinations that make no sense.
 */
#include <errno.h>
#include <string.h>

#include "ctr-cp.h"

char *cp_path_clean(const char *path)
{
        struct sbuf out = {0};
        size_t *starts = NULL, n = 0, cap = 0;
        const char *p = path;
        while (*p) {
                while (*p == '/')
                        p++;
                const char *s = p;
                while (*p && *p != '/')
                        p++;
                size_t len = (size_t)(p - s);
                if (len == 0 || (len == 1 && s[0] == '.'))
                        continue;
                if (len == 2 && s[0] == '.' && s[1] == '.') {
                        if (n == 0) {
                                sbuf_done(&out);
                                free(starts);
                                return NULL;
                        }
                        out.len = starts[--n];
                        if (out.buf)
                                out.buf[out.len] = '\0';
                        continue;
                }
                xgrow((void **)&starts, &cap, n + 1, sizeof(*starts));
                starts[n++] = out.len;
                if (out.len)
                        sbuf_putc(&out, '/');
                sbuf_append_len(&out, s, len);
        }
        free(starts);
        if (!out.len) {
                sbuf_done(&out);
                return xstrdup(".");
        }
        return sbuf_steal(&out);
}

void cp_plan_done(struct cp_plan *p)
{
        if (!p)
                return;
        free(p->dest_dir);
        free(p->name);
        *p = (struct cp_plan){0};
}

/* "ends in / or /.": the user asserts a directory. */
static bool asserts_dir(const char *p)
{
        return str_has_suffix(p, "/") || str_has_suffix(p, "/.") || STREQ(p, ".");
}

/* Split dst into its directory and last component (trailing "/" dropped). */
static void split_dst(const char *dst, char **ret_dir, char **ret_base)
{
        _cleanup_free_ char *d = xstrdup(dst);
        size_t len = strlen(d);
        while (len > 1 && d[len - 1] == '/')
                d[--len] = '\0';
        char *slash = strrchr(d, '/');
        if (!slash) {
                *ret_dir = xstrdup(".");
                *ret_base = xstrdup(d);
        } else if (slash == d) {
                *ret_dir = xstrdup("/");
                *ret_base = xstrdup(slash + 1);
        } else {
                *ret_dir = xstrndup(d, (size_t)(slash - d));
                *ret_base = xstrdup(slash + 1);
        }
}

int cp_plan_make(const char *src_base, const struct cp_src_info *src, const char *dst,
                 const struct cp_dst_info *di, struct cp_plan *ret, struct err *e)
{
        if (di->exists && di->is_dir) {
                /* Into the directory, under the source's own name. */
                *ret = (struct cp_plan){
                        .dest_dir = xstrdup(dst),
                        .name = xstrdup(src->contents ? "." : src_base),
                };
                return 0;
        }
        if (di->exists && src->is_dir)
                return err_set(e, ENOTDIR,
                               "cannot copy directory: destination \"%s\" exists and is not a "
                               "directory",
                               dst);
        if (!di->exists && !src->is_dir && asserts_dir(dst))
                return err_set(e, ENOENT,
                               "no such directory: \"%s\" (the destination ends in "
                               "'/' and does not exist)",
                               dst);
        char *dir, *base;
        split_dst(dst, &dir, &base);
        if (!di->exists && !di->parent_is_dir) {
                int r = err_set(e, ENOENT,
                                "no such directory: \"%s\" (the parent of the "
                                "destination \"%s\" must exist)",
                                dir, dst);
                free(dir);
                free(base);
                return r;
        }
        if (!*base || STREQ(base, ".") || STREQ(base, "..")) {
                free(dir);
                free(base);
                return err_set(e, EINVAL, "invalid destination \"%s\"", dst);
        }
        /* A file over a file, or a new file or directory: extracted into the
         * parent under the destination's name. */
        *ret = (struct cp_plan){.dest_dir = dir, .name = base};
        return 0;
}

void cp_arg_split(const char *arg, char **ret_ctr, char **ret_path)
{
        const char *colon = strchr(arg, ':');
        if (arg[0] == '/' || arg[0] == '.' || !colon) {
                *ret_ctr = NULL;
                *ret_path = xstrdup(arg);
                return;
        }
        *ret_ctr = xstrndup(arg, (size_t)(colon - arg));
        *ret_path = xstrdup(colon + 1);
}
