/* SPDX-License-Identifier: Apache-2.0 */
/* Paths given on the command line, made absolute as runc makes them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "rtcli.h"

char *rtcli_abspath(const char *path)
{
        if (!path)
                return NULL;
        if (path[0] == '/')
                return xstrdup(path);
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        if (!cwd)
                return xstrdup(path);
        return xasprintf("%s/%s", STREQ(cwd, "/") ? "" : cwd, path);
}

int rtcli_bundle(const char *bundle, char **ret, struct err *e)
{
        const char *b = bundle && *bundle ? bundle : ".";
        char *real = realpath(b, NULL);
        if (!real)
                return err_errno(e, "bundle '%s'", b);
        *ret = real;
        return 0;
}

int rtcli_bundle_wants_terminal(const char *bundle, bool *ret, struct err *e)
{
        _cleanup_free_ char *path = xasprintf("%s/config.json", bundle);
        _cleanup_json_ struct json *doc = NULL;
        int r = json_parse_file(AT_FDCWD, path, 4u << 20, &doc, e);
        if (r < 0)
                return r;
        const struct json *p = json_object_get(doc, "process");
        *ret = p ? json_object_get_bool(p, "terminal", false) : false;
        return 0;
}
