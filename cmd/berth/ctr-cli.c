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

int ctr_cli_names(char *const *args, char *const *cidfiles, char ***ret, struct err *e)
{
        _cleanup_strv_ char **names = strv_copy(args);
        for (char *const *c = cidfiles; c && *c; c++) {
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
