/* SPDX-License-Identifier: Apache-2.0 */
/* Common includes for the cmocka unit tests. */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the headers above first. */
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "base.h"

/* Make a fresh temporary directory for a test; returns an allocated path. */
static inline char *unit_tmpdir(void)
{
        char *t = xstrdup("/tmp/berth-unit-XXXXXX");
        if (!mkdtemp(t))
                abort();
        return t;
}

/* Remove a tree made by a test (best effort). */
static inline void unit_rmtree(const char *path)
{
        char *cmd = xasprintf("rm -rf '%s'", path);
        (void)!system(cmd);
        free(cmd);
}

/* Allocates: the whole content of fd, read from offset 0 (NUL-terminated;
 * its length in *ret_len). */
static inline char *unit_fd_slurp(int fd, size_t *ret_len)
{
        struct sbuf b = {0};
        char tmp[65536];
        ssize_t n;
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        while ((n = read(fd, tmp, sizeof(tmp))) > 0)
                sbuf_append_len(&b, tmp, (size_t)n);
        *ret_len = b.len;
        return b.buf ? b.buf : xstrdup("");
}
