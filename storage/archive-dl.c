/* SPDX-License-Identifier: Apache-2.0 */
/* Loading libarchive on first use (see archive-dl.h for why). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "archive-dl.h"

#define ARCHIVE_DL_SONAME "libarchive.so.13"

/* Written once under pthread_once, then only read: the loaded table or the
 * reason it could not be loaded. */
static struct archive_dl dl_table;
static char dl_error[512];
static bool dl_ok;
static pthread_once_t dl_once = PTHREAD_ONCE_INIT;

static void dl_load(void)
{
        /* RTLD_LOCAL: libarchive's symbols must not interpose on anything
         * else in the process; the handle is kept for the process's life. */
        void *h = dlopen(ARCHIVE_DL_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                const char *why = dlerror();
                snprintf(dl_error, sizeof(dl_error),
                         "loading libarchive ('%s'): %s (install the libarchive13 package)",
                         ARCHIVE_DL_SONAME, why ? why : "unknown error");
                return;
        }
#define ARCHIVE_DL_LOAD(name)                                                                      \
        do {                                                                                       \
                void *sym = dlsym(h, #name);                                                       \
                if (!sym) {                                                                        \
                        snprintf(dl_error, sizeof(dl_error),                                       \
                                 "loading libarchive ('%s'): symbol '%s' not found (libarchive "   \
                                 "older than 3.6?)",                                               \
                                 ARCHIVE_DL_SONAME, #name);                                        \
                        return;                                                                    \
                }                                                                                  \
                memcpy(&dl_table.name, &sym, sizeof(sym));                                         \
        } while (0);
        ARCHIVE_DL_FUNCS(ARCHIVE_DL_LOAD)
#undef ARCHIVE_DL_LOAD
        dl_ok = true;
}

int archive_dl_get(const struct archive_dl **ret, struct err *e)
{
        pthread_once(&dl_once, dl_load);
        if (!dl_ok)
                return err_set(e, ENOPKG, "%s", dl_error);
        *ret = &dl_table;
        return 0;
}
