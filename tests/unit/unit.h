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
